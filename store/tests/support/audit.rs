//! The audit chain (issue 13) on both backends: what appends to it, what
//! an attacker with write access to the database cannot hide from
//! `Audit::verify`, erasure, archive, and concurrent writers.

use domain::audit::{AuditEntry, ChainBreak, ChainLink};
use service::audit::{Archived, Audit, Verdict};
use store::testing::{count, execute};

use super::*;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn audit(store: &SqlStore, now: i64) -> Audit {
    Audit::new(Arc::new(store.clone()), Arc::new(ManualClock::at(now)))
}

async fn entries(store: &SqlStore) -> Vec<AuditEntry> {
    store.audit_page(0, 1000).await.unwrap()
}

/// `n` sign-ins of a fresh account, one second apart from `T0`.
async fn signed_in_times(store: &SqlStore, email: &str, n: i64) -> UserId {
    let id = user_with_token(store, email, &format!("t-{email}"), T0 + 1000).await;
    for i in 0..n {
        store
            .record(
                id,
                Effects::activity(ActivityKind::SignedIn, &origin(), T0 + i * 1000),
            )
            .await
            .unwrap();
    }
    id
}

fn intact(verdict: Verdict) -> (u64, ChainLink) {
    match verdict {
        Verdict::Intact { checked, head } => (checked, head),
        Verdict::Broken(broken) => panic!("expected an intact chain: {broken}"),
    }
}

fn broken(verdict: Verdict) -> ChainBreak {
    match verdict {
        Verdict::Broken(broken) => broken,
        Verdict::Intact { checked, .. } => panic!("tampering went unnoticed ({checked} checked)"),
    }
}

on_both_backends!(activity_and_staff_actions_are_chained, |store| {
    let ada = signed_in_times(&store, "ada@example.com", 2).await;
    let staff = plain(&store, "grace@example.com").await;
    let details = ActivityDetails {
        actor: "Grace".into(),
        reason: "ticket 9".into(),
        view: None,
    };
    store
        .apply(
            ada,
            &[AccountChange::ClearLocks],
            Effects::by_staff(
                ActivityKind::SupportUnlocked,
                &origin(),
                T0 + 5000,
                Some(staff),
                details,
            ),
        )
        .await
        .unwrap();
    let change = RoleChange {
        actor: None,
        target: staff,
        reason: "hired",
        at_ms: T0 + 6000,
    };
    assert_eq!(
        store
            .grant_role(change, "support", &|_| Ok(()))
            .await
            .unwrap(),
        Ok(true)
    );

    let chain = entries(&store).await;
    let kinds: Vec<&str> = chain.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["signed_in", "signed_in", "support_unlocked", "role_granted"]
    );
    let ids: Vec<i64> = chain.iter().map(|e| e.id).collect();
    assert_eq!(ids, [1, 2, 3, 4], "consecutive from 1");
    // The customer's own sign-in: actor and subject are the account, with
    // where it came from.
    assert_eq!(
        (chain[0].actor, chain[0].subject),
        (Some(ada.0), Some(ada.0))
    );
    assert_eq!(chain[0].at_ms, T0);
    assert_eq!(
        chain[0].personal.address.as_deref(),
        Some("ada@example.com")
    );
    assert_eq!(chain[0].personal.ip.as_deref(), Some("203.0.113.9"));
    // Staff on a customer: the staff member acts, with the reason; their
    // name is not in the entry.
    assert_eq!(chain[2].actor, Some(staff.0));
    assert_eq!(chain[2].subject, Some(ada.0));
    assert_eq!(chain[2].reason.as_deref(), Some("ticket 9"));
    assert!(!format!("{chain:?}").contains("Grace"));
    // The operators' CLI is the system: no actor.
    assert_eq!(chain[3].actor, None);
    assert_eq!(chain[3].details.as_deref(), Some(r#"{"role":"support"}"#));

    let (checked, head) = intact(audit(&store, T0).verify(None).await.unwrap());
    assert_eq!(checked, 4);
    assert_eq!(
        head,
        ChainLink {
            id: 4,
            hash: chain[3].hash.clone()
        }
    );
    assert_eq!(chain[1].prev_hash, chain[0].hash);
});

async fn plain(store: &SqlStore, email: &str) -> UserId {
    user_with_token(store, email, &format!("t-{email}"), T0 + 1000).await
}

on_both_backends!(a_change_that_rolls_back_appends_nothing, |store| {
    let ada = signed_in_times(&store, "ada@example.com", 1).await;
    plain(&store, "taken@example.com").await;
    let refused = store
        .apply(
            ada,
            &[AccountChange::SetEmail("taken@example.com".into())],
            Effects::activity(ActivityKind::EmailChanged, &origin(), T0 + 9000),
        )
        .await;
    assert!(matches!(
        refused,
        Err(StoreError::Conflict { field: "email" })
    ));
    assert_eq!(entries(&store).await.len(), 1);
    intact(audit(&store, T0).verify(None).await.unwrap());
});

on_both_backends!(
    edits_deletions_and_swaps_are_found_at_their_entry,
    |store| {
        signed_in_times(&store, "ada@example.com", 6).await;
        let audit = audit(&store, T0);
        let (_, head) = intact(audit.verify(None).await.unwrap());
        assert_eq!(head.id, 6);

        // An edit of the hashed part: the time of entry 3.
        execute(
            &store,
            "UPDATE audit_events SET created_at = created_at + 1 WHERE id = 3",
        )
        .await;
        assert_eq!(
            broken(audit.verify(None).await.unwrap()),
            ChainBreak::Altered { id: 3 }
        );
        execute(
            &store,
            "UPDATE audit_events SET created_at = created_at - 1 WHERE id = 3",
        )
        .await;
        intact(audit.verify(None).await.unwrap());

        // An edit of a personal field, covered by the commitment only.
        execute(
            &store,
            "UPDATE audit_events SET ip = '198.51.100.7' WHERE id = 4",
        )
        .await;
        assert_eq!(
            broken(audit.verify(None).await.unwrap()),
            ChainBreak::PersonalAltered { id: 4 }
        );
        // Passing it off as an erasure: the account still exists.
        execute(
        &store,
        "UPDATE audit_events SET ip = NULL, address = NULL, user_agent = NULL, personal_salt = NULL, erased_at = 1 WHERE id = 4",
    )
    .await;
        assert!(matches!(
            broken(audit.verify(None).await.unwrap()),
            ChainBreak::ErasedAccountExists { id: 4, .. }
        ));
        // Rewriting the entry and its hash moves the break to the next entry.
        let fourth = entries(&store).await.remove(3);
        let mut forged = fourth.clone();
        forged.personal = domain::audit::Personal::default();
        forged.personal_salt = Some("forged".into());
        forged.personal_hash = forged.personal.commitment("forged");
        forged.hash = forged.payload().hash();
        execute(
        &store,
        &format!(
            "UPDATE audit_events SET personal_salt = 'forged', personal_hash = '{}', hash = '{}', erased_at = NULL WHERE id = 4",
            forged.personal_hash, forged.hash
        ),
    )
    .await;
        assert_eq!(
            broken(audit.verify(None).await.unwrap()),
            ChainBreak::Unlinked { id: 5 }
        );

        // A swap of two entries (2 and 5).
        execute(&store, "UPDATE audit_events SET id = -5 WHERE id = 5").await;
        execute(&store, "UPDATE audit_events SET id = 5 WHERE id = 2").await;
        execute(&store, "UPDATE audit_events SET id = 2 WHERE id = -5").await;
        assert_eq!(broken(audit.verify(None).await.unwrap()).id(), 2);

        // A deletion.
        execute(&store, "DELETE FROM audit_events WHERE id = 2").await;
        assert_eq!(
            broken(audit.verify(None).await.unwrap()),
            ChainBreak::Missing { id: 2, found: 3 }
        );
    }
);

on_both_backends!(checkpoints_catch_a_shortened_or_rewritten_log, |store| {
    signed_in_times(&store, "ada@example.com", 4).await;
    let audit = audit(&store, T0);
    let (_, point) = intact(audit.verify(None).await.unwrap());
    assert_eq!(point.id, 4);
    let (checked, _) = intact(audit.verify(Some(point.clone())).await.unwrap());
    assert_eq!(checked, 4);

    // Without the checkpoint, dropping the newest entry looks like a log
    // that ends earlier; the checkpoint says it does not.
    execute(&store, "DELETE FROM audit_events WHERE id = 4").await;
    intact(audit.verify(None).await.unwrap());
    assert_eq!(
        broken(audit.verify(Some(point.clone())).await.unwrap()),
        ChainBreak::CheckpointBeyondHead { id: 4, head: 3 }
    );
    let wrong = ChainLink {
        id: 3,
        hash: point.hash.clone(),
    };
    assert_eq!(
        broken(audit.verify(Some(wrong)).await.unwrap()),
        ChainBreak::CheckpointMismatch { id: 3 }
    );
});

on_both_backends!(
    erasure_blanks_personal_fields_and_keeps_the_chain,
    |store| {
        let ada = signed_in_times(&store, "ada@example.com", 3).await;
        let bob = signed_in_times(&store, "bob@example.com", 1).await;
        store
            .apply(
                ada,
                &[AccountChange::ScheduleDeletion { at_ms: T0 + DAY_MS }],
                Effects::activity(ActivityKind::DeletionRequested, &origin(), T0 + 5000),
            )
            .await
            .unwrap();
        store.purge_expired(T0 + DAY_MS, T0, T0, T0).await.unwrap();
        assert!(store.find_user(ada).await.unwrap().is_none());

        let chain = entries(&store).await;
        let about_ada: Vec<&AuditEntry> =
            chain.iter().filter(|e| e.subject == Some(ada.0)).collect();
        assert_eq!(about_ada.len(), 5, "3 sign-ins, the request, the erasure");
        for entry in &about_ada[..4] {
            assert!(entry.personal.is_blank(), "{entry:?}");
            assert_eq!(entry.personal_salt, None, "the salt goes too");
            assert_eq!(entry.erased_at, Some(T0 + DAY_MS));
        }
        let erasure = chain.last().unwrap();
        assert_eq!(erasure.kind, "account_erased");
        assert_eq!((erasure.actor, erasure.subject), (None, Some(ada.0)));
        assert_eq!(erasure.at_ms, T0 + DAY_MS, "the clock's time");
        assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM audit_events WHERE address = 'ada@example.com' OR user_agent LIKE '%Firefox%' AND address IS NULL"
        )
        .await,
        0
    );
        let bobs = chain.iter().find(|e| e.subject == Some(bob.0)).unwrap();
        assert_eq!(bobs.personal.address.as_deref(), Some("bob@example.com"));

        let (checked, _) = intact(audit(&store, T0 + DAY_MS).verify(None).await.unwrap());
        assert_eq!(checked, chain.len() as u64);
    }
);

on_both_backends!(archive_moves_old_entries_and_the_chain_continues, |store| {
    let ada = signed_in_times(&store, "ada@example.com", 3).await;
    store
        .record(
            ada,
            Effects::activity(ActivityKind::SignedOut, &origin(), T0 + 40 * DAY_MS),
        )
        .await
        .unwrap();
    let now = T0 + 45 * DAY_MS;
    let before: Vec<AuditEntry> = entries(&store).await;
    let audit = audit(&store, now);
    let (_, old_point) = intact(audit.verify(None).await.unwrap());

    let mut nothing = Vec::new();
    assert_eq!(
        audit.archive(60, &mut nothing).await.unwrap(),
        Archived::Nothing
    );
    assert!(nothing.is_empty());

    let mut file = Vec::new();
    let archived = audit.archive(30, &mut file).await.unwrap();
    let through = ChainLink {
        id: 3,
        hash: before[2].hash.clone(),
    };
    assert_eq!(
        archived,
        Archived::Moved {
            entries: 3,
            through: through.clone()
        }
    );
    let lines: Vec<AuditEntry> = String::from_utf8(file)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(
        lines,
        before[..3].to_vec(),
        "every archived entry, hashes included"
    );

    assert_eq!(store.audit_anchor().await.unwrap(), through);
    let left = entries(&store).await;
    assert_eq!(left.first().map(|e| e.id), Some(4));
    let last = left.last().unwrap();
    assert_eq!((last.kind.as_str(), last.actor), ("log_archived", None));
    assert_eq!(last.at_ms, now);
    let (checked, head) = intact(audit.verify(None).await.unwrap());
    assert_eq!((checked, head.id), (2, 5));
    // A checkpoint at the anchor still proves itself; one inside the
    // archive is for the archive file.
    intact(audit.verify(Some(through.clone())).await.unwrap());
    intact(audit.verify(Some(old_point)).await.unwrap());
    assert_eq!(
        broken(
            audit
                .verify(Some(ChainLink {
                    id: 2,
                    hash: before[1].hash.clone()
                }))
                .await
                .unwrap()
        ),
        ChainBreak::CheckpointArchived { id: 2, anchor: 3 }
    );
    // An attacker who deletes the first entry left and moves the anchor
    // without its hash is caught at the new start.
    execute(&store, "DELETE FROM audit_events WHERE id = 4").await;
    assert_eq!(
        broken(audit.verify(None).await.unwrap()),
        ChainBreak::Missing { id: 4, found: 5 }
    );
    execute(&store, "UPDATE audit_anchor SET last_id = 4").await;
    assert_eq!(
        broken(audit.verify(None).await.unwrap()),
        ChainBreak::Unlinked { id: 5 }
    );
});

on_both_backends!(archiving_a_broken_chain_removes_nothing, |store| {
    signed_in_times(&store, "ada@example.com", 3).await;
    execute(
        &store,
        "UPDATE audit_events SET kind = 'signed_out' WHERE id = 2",
    )
    .await;
    let mut file = Vec::new();
    let archived = audit(&store, T0 + 90 * DAY_MS)
        .archive(30, &mut file)
        .await
        .unwrap();
    assert_eq!(archived, Archived::Broken(ChainBreak::Altered { id: 2 }));
    assert_eq!(entries(&store).await.len(), 3);
    assert_eq!(store.audit_anchor().await.unwrap(), ChainLink::genesis());
});

/// Eight writers, each with its own pool (as separate processes would
/// have), appending at once.
async fn concurrent_writers_keep_one_chain(backend: Backend) {
    let Some(db) = TestDatabase::fresh(backend).await else {
        return;
    };
    let store = store::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let ada = plain(&store, "ada@example.com").await;
    let writers = (0..8).map(|writer| {
        let url = db.url.clone();
        tokio::spawn(async move {
            let own = store::connect(&url).await.expect("connect");
            for i in 0..25 {
                own.record(
                    ada,
                    Effects::activity(ActivityKind::SignedIn, &origin(), T0 + writer * 100 + i),
                )
                .await
                .expect("append");
            }
            own.close().await;
        })
    });
    for writer in futures::future::join_all(writers).await {
        writer.unwrap();
    }
    let (checked, head) = intact(audit(&store, T0).verify(None).await.unwrap());
    assert_eq!((checked, head.id), (200, 200));
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM activity").await,
        200,
        "every row has its entry"
    );
    store.close().await;
    db.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_keep_one_chain_on_postgres() {
    concurrent_writers_keep_one_chain(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_keep_one_chain_on_sqlite() {
    concurrent_writers_keep_one_chain(Backend::Sqlite).await;
}

on_both_backends!(the_log_filters_by_actor_subject_kind_and_time, |store| {
    let ada = signed_in_times(&store, "ada@example.com", 3).await;
    let bob = signed_in_times(&store, "bob@example.com", 2).await;
    let staff = plain(&store, "grace@example.com").await;
    let details = ActivityDetails {
        actor: "Grace".into(),
        reason: "ticket 9".into(),
        view: None,
    };
    store
        .apply(
            bob,
            &[AccountChange::ClearLocks],
            Effects::by_staff(
                ActivityKind::SupportUnlocked,
                &origin(),
                T0 + 9000,
                Some(staff),
                details,
            ),
        )
        .await
        .unwrap();
    let all = entries(&store).await;
    let ids = |found: Vec<AuditEntry>| found.iter().map(|e| e.id).collect::<Vec<_>>();
    let expect = |keep: &dyn Fn(&AuditEntry) -> bool| {
        let mut wanted: Vec<i64> = all.iter().filter(|e| keep(e)).map(|e| e.id).collect();
        wanted.reverse();
        wanted
    };
    let search = |filter: AuditFilter, before: Option<i64>, limit: u32| {
        let store = store.clone();
        async move { ids(store.search_audit(&filter, before, limit).await.unwrap()) }
    };

    let by_subject = AuditFilter {
        subject: Some(ada.0),
        ..AuditFilter::default()
    };
    let ada_entries = expect(&|e| e.subject == Some(ada.0));
    assert!(ada_entries.len() >= 3);
    assert_eq!(search(by_subject.clone(), None, 100).await, ada_entries);
    // Pages: newest first, the next page continues below the last id seen.
    let first = search(by_subject.clone(), None, 2).await;
    assert_eq!(first, ada_entries[..2]);
    let rest = search(by_subject, Some(first[1]), 100).await;
    assert_eq!(rest, ada_entries[2..]);

    let by_actor = AuditFilter {
        actor: Some(staff.0),
        ..AuditFilter::default()
    };
    let staff_entries = search(by_actor, None, 100).await;
    assert_eq!(staff_entries, expect(&|e| e.actor == Some(staff.0)));
    assert_eq!(staff_entries.len(), 1);

    let by_kind = AuditFilter {
        kind: Some("signed_in".into()),
        subject: Some(bob.0),
        ..AuditFilter::default()
    };
    assert_eq!(
        search(by_kind, None, 100).await,
        expect(&|e| e.kind == "signed_in" && e.subject == Some(bob.0))
    );

    // Ada signed in at T0, T0+1s and T0+2s; [T0+1s, T0+2s) holds one of them.
    let in_time = AuditFilter {
        subject: Some(ada.0),
        kind: Some("signed_in".into()),
        from_ms: Some(T0 + 1000),
        until_ms: Some(T0 + 2000),
        ..AuditFilter::default()
    };
    assert_eq!(
        search(in_time, None, 100).await,
        expect(&|e| e.subject == Some(ada.0) && e.kind == "signed_in" && e.at_ms == T0 + 1000)
    );
    let nothing_yet = AuditFilter {
        until_ms: Some(T0 - 1),
        ..AuditFilter::default()
    };
    assert!(search(nothing_yet, None, 100).await.is_empty());
});

on_both_backends!(
    a_raised_alert_is_chained_once_and_outlives_a_crashed_worker,
    |store| {
        let ada = plain(&store, "ada@example.com").await;
        let subject_key = format!("account:{}", ada.0);
        let event = |at_ms: i64| NewAlert {
            rule: domain::AlertRule::AccountFailures,
            subject_key: &subject_key,
            account: Some(ada),
            ip: Some("203.0.113.9"),
            observed: 5,
            at_ms,
            open_since_ms: at_ms - 600_000,
        };
        let channels = [AlertChannel::Webhook, AlertChannel::Mail];
        let (alert, opened) = store.raise_alert(&event(T0), &channels).await.unwrap();
        assert!(opened);
        let (joined, opened) = store
            .raise_alert(&event(T0 + 1000), &channels)
            .await
            .unwrap();
        assert_eq!((joined, opened), (alert, false), "the same incident");

        let raised: Vec<AuditEntry> = entries(&store)
            .await
            .into_iter()
            .filter(|entry| entry.kind == "alert_raised")
            .collect();
        assert_eq!(raised.len(), 1, "one entry per incident: {raised:?}");
        assert_eq!((raised[0].actor, raised[0].subject), (None, Some(ada.0)));
        assert_eq!(raised[0].personal.ip.as_deref(), Some("203.0.113.9"));
        let details: serde_json::Value =
            serde_json::from_str(raised[0].details.as_deref().unwrap()).unwrap();
        assert_eq!(details["alert"], alert);
        intact(audit(&store, T0).verify(None).await.unwrap());

        // A worker leases both deliveries and dies before sending: once the
        // lease runs out, the next process takes them over.
        let lease = 60_000;
        for _ in &channels {
            let claimed = store.claim_alert_delivery(T0, T0 + lease).await.unwrap();
            assert_eq!(claimed.map(|d| d.alert.id), Some(alert));
        }
        assert!(store
            .claim_alert_delivery(T0 + 1, T0 + lease)
            .await
            .unwrap()
            .is_none());
        let mut taken_over = Vec::new();
        while let Some(delivery) = store
            .claim_alert_delivery(T0 + lease + 1, T0 + 2 * lease)
            .await
            .unwrap()
        {
            taken_over.push(delivery.channel);
        }
        taken_over.sort_by_key(|channel| channel.as_str());
        assert_eq!(taken_over, [AlertChannel::Mail, AlertChannel::Webhook]);
    }
);
