//! Roles, grants and the team (issue 12): the role port on both backends,
//! and `service::staff` on top of it, with its escalation rules.

use std::collections::BTreeSet;
use std::sync::Mutex;

use domain::role::{builtin_roles, RoleCatalog, RoleDefinition, RoleError};
use domain::Permission;
use service::staff::{Actor, Staff};

use super::*;

fn change(target: UserId, at_ms: i64) -> RoleChange<'static> {
    RoleChange {
        actor: None,
        target,
        reason: "ticket 7",
        at_ms,
    }
}

fn allow(_: &RoleSnapshot) -> Result<(), RoleError> {
    Ok(())
}

async fn plain_user(store: &SqlStore, email: &str) -> UserId {
    user_with_token(store, email, &format!("token-of-{email}"), T0 + 1000).await
}

fn custom(name: &str, includes: &[&str], permissions: &[Permission]) -> RoleDefinition {
    RoleDefinition {
        name: name.to_owned(),
        description: format!("The {name} role"),
        permissions: permissions.iter().copied().collect(),
        includes: includes.iter().map(|i| (*i).to_owned()).collect(),
        builtin: false,
    }
}

on_both_backends!(the_migration_seeds_the_built_in_roles, |store| {
    assert_eq!(
        store.role_catalog().await.unwrap(),
        RoleCatalog::new(builtin_roles()).unwrap()
    );
});

on_both_backends!(grants_and_revokes_are_checked_written_and_logged, |store| {
    let ada = plain_user(&store, "ada@example.com").await;
    let grace = plain_user(&store, "grace@example.com").await;
    store
        .create_session(session(ada, "ada-s", T0), Effects::default())
        .await
        .unwrap();
    store
        .create_session(session(grace, "grace-s", T0), Effects::default())
        .await
        .unwrap();

    let seen = Mutex::new(None);
    let granted = store
        .grant_role(
            RoleChange {
                actor: Some(grace),
                ..change(ada, T0)
            },
            "support",
            &|snapshot: &RoleSnapshot| {
                *seen.lock().unwrap() = Some(snapshot.clone());
                Ok(())
            },
        )
        .await
        .unwrap();
    assert_eq!(granted, Ok(true));
    let snapshot = seen.lock().unwrap().take().unwrap();
    assert_eq!(snapshot.actor_roles, Vec::<String>::new());
    assert_eq!(snapshot.target_roles, Vec::<String>::new());
    assert!(snapshot.catalog.get("security_admin").is_some());
    assert_eq!(
        store.find_user(ada).await.unwrap().unwrap().roles,
        vec!["support"]
    );
    assert!(
        store.find_session("ada-s").await.unwrap().is_none(),
        "a grant ends the target's sessions"
    );
    assert!(store.find_session("grace-s").await.unwrap().is_some());

    assert_eq!(
        store
            .grant_role(change(ada, T0 + 1), "support", &allow)
            .await
            .unwrap(),
        Ok(false),
        "held already: nothing written"
    );
    let refused = store
        .grant_role(change(ada, T0 + 2), "auditor", &|_: &RoleSnapshot| {
            Err(RoleError::OwnRoles)
        })
        .await
        .unwrap();
    assert_eq!(refused, Err(RoleError::OwnRoles));
    assert_eq!(
        store
            .grant_role(change(ada, T0 + 3), "wizard", &allow)
            .await
            .unwrap(),
        Err(RoleError::UnknownRole("wizard".into()))
    );
    assert_eq!(
        store
            .grant_role(change(ada, T0 + 4), "auditor", &allow)
            .await
            .unwrap(),
        Ok(true)
    );
    assert_eq!(
        store
            .find_user_by_email("ada@example.com")
            .await
            .unwrap()
            .unwrap()
            .roles,
        vec!["auditor", "support"],
        "in name order"
    );

    let refused = store
        .revoke_role(change(ada, T0 + 5), "support", &|_: &RoleSnapshot| {
            Err(RoleError::OwnRoles)
        })
        .await
        .unwrap();
    assert_eq!(refused, Err(RoleError::OwnRoles));
    assert_eq!(
        store
            .revoke_role(change(ada, T0 + 6), "support", &allow)
            .await
            .unwrap(),
        Ok(true)
    );
    assert_eq!(
        store
            .revoke_role(change(ada, T0 + 7), "support", &allow)
            .await
            .unwrap(),
        Ok(false)
    );
    assert_eq!(
        store.find_user(ada).await.unwrap().unwrap().roles,
        vec!["auditor"]
    );

    let log = store.role_log(ada).await.unwrap();
    let rows: Vec<(Option<UserId>, Option<&str>, RoleAction, i64)> = log
        .iter()
        .map(|r| (r.actor, r.role.as_deref(), r.action, r.at_ms))
        .collect();
    assert_eq!(
        rows,
        vec![
            (Some(grace), Some("support"), RoleAction::Grant, T0),
            (None, Some("auditor"), RoleAction::Grant, T0 + 4),
            (None, Some("support"), RoleAction::Revoke, T0 + 6),
        ],
        "refused and empty changes are not logged"
    );
    assert!(log
        .iter()
        .all(|r| r.reason == "ticket 7" && r.target == ada));
});

on_both_backends!(
    offboarding_is_one_transaction_whose_record_outlives_the_account,
    |store| {
        let ada = plain_user(&store, "ada@example.com").await;
        for role in ["support_lead", "auditor"] {
            store
                .grant_role(change(ada, T0), role, &allow)
                .await
                .unwrap()
                .unwrap();
        }
        store
            .create_session(session(ada, "s1", T0), Effects::default())
            .await
            .unwrap();
        store
            .create_session(session(ada, "s2", T0), Effects::default())
            .await
            .unwrap();

        let refused = store
            .offboard(change(ada, T0 + 1), &|_: &RoleSnapshot| {
                Err(RoleError::OwnRoles)
            })
            .await
            .unwrap();
        assert_eq!(refused, Err(RoleError::OwnRoles));
        let kept = store.find_user(ada).await.unwrap().unwrap();
        assert_eq!(
            kept.disabled_at, None,
            "a refused offboarding changes nothing"
        );
        assert_eq!(kept.roles.len(), 2);
        assert!(store.find_session("s1").await.unwrap().is_some());

        let revoked = store.offboard(change(ada, T0 + 2), &allow).await.unwrap();
        assert_eq!(
            revoked,
            Ok(vec!["auditor".to_owned(), "support_lead".to_owned()])
        );
        let gone = store.find_user(ada).await.unwrap().unwrap();
        assert_eq!(gone.disabled_at, Some(T0 + 2));
        assert!(gone.roles.is_empty());
        assert!(store.find_session("s1").await.unwrap().is_none());
        assert!(store.find_session("s2").await.unwrap().is_none());

        // Erasing the account keeps the log.
        store
            .apply(
                ada,
                &[AccountChange::ScheduleDeletion { at_ms: T0 + 3 }],
                Effects::default(),
            )
            .await
            .unwrap();
        store.purge_expired(T0 + 4, 0, 0, 0).await.unwrap();
        assert!(store.find_user(ada).await.unwrap().is_none());
        let actions: Vec<(Option<String>, RoleAction)> = store
            .role_log(ada)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.at_ms == T0 + 2)
            .map(|r| (r.role, r.action))
            .collect();
        assert_eq!(
            actions,
            vec![
                (Some("auditor".to_owned()), RoleAction::Revoke),
                (Some("support_lead".to_owned()), RoleAction::Revoke),
                (None, RoleAction::Offboard),
            ]
        );
    }
);

on_both_backends!(custom_roles_are_saved_and_cycles_refused, |store| {
    let tier1 = custom("tier1", &["support"], &[Permission::AuditRead]);
    store
        .put_role(None, &tier1, T0, &allow)
        .await
        .unwrap()
        .unwrap();
    let tier2 = custom("tier2", &["tier1"], &[]);
    store
        .put_role(None, &tier2, T0, &allow)
        .await
        .unwrap()
        .unwrap();
    let catalog = store.role_catalog().await.unwrap();
    assert_eq!(catalog.get("tier1"), Some(&tier1));
    assert!(catalog
        .effective("tier2")
        .contains(&Permission::CustomerUnlock));

    let closing = custom("tier1", &["support", "tier2"], &[]);
    assert_eq!(
        store.put_role(None, &closing, T0, &allow).await.unwrap(),
        Err(RoleError::Cycle(vec![
            "tier1".into(),
            "tier2".into(),
            "tier1".into()
        ]))
    );
    assert_eq!(
        store
            .put_role(None, &custom("support", &[], &[]), T0, &allow)
            .await
            .unwrap(),
        Err(RoleError::Builtin("support".into()))
    );
    assert_eq!(
        store
            .put_role(None, &custom("tier3", &["ghost"], &[]), T0, &allow)
            .await
            .unwrap(),
        Err(RoleError::UnknownRole("ghost".into()))
    );
    let refused = store
        .put_role(None, &custom("tier4", &[], &[]), T0, &|_: &RoleSnapshot| {
            Err(RoleError::NotPermitted(Permission::RoleManage))
        })
        .await
        .unwrap();
    assert_eq!(
        refused,
        Err(RoleError::NotPermitted(Permission::RoleManage))
    );
    assert_eq!(
        store.role_catalog().await.unwrap().get("tier1"),
        Some(&tier1),
        "unchanged"
    );
    assert!(store.role_catalog().await.unwrap().get("tier4").is_none());

    // An edit replaces permissions and includes.
    let narrower = custom("tier1", &[], &[Permission::CustomerRead]);
    store
        .put_role(None, &narrower, T0, &allow)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store.role_catalog().await.unwrap().effective("tier2"),
        BTreeSet::from([Permission::CustomerRead])
    );
});

on_both_backends!(the_team_lists_role_holders_with_their_factors, |store| {
    let ada = plain_user(&store, "ada@example.com").await;
    let grace = plain_user(&store, "grace@example.com").await;
    plain_user(&store, "customer@example.com").await;
    store
        .grant_role(change(grace, T0), "support", &allow)
        .await
        .unwrap()
        .unwrap();
    store
        .grant_role(change(ada, T0), "security_admin", &allow)
        .await
        .unwrap()
        .unwrap();
    store
        .grant_role(change(ada, T0), "auditor", &allow)
        .await
        .unwrap()
        .unwrap();
    store
        .create_session(
            session(ada, "a", T0 + 50),
            Effects::activity(ActivityKind::SignedIn, &origin(), T0 + 50),
        )
        .await
        .unwrap();
    store.put_pending_totp(ada, "sealed", T0, 1).await.unwrap();
    store
        .confirm_totp(ada, 1, None, Effects::default())
        .await
        .unwrap();

    // A passkey counts as a second factor too, told apart from the app.
    let keyed = plain_user(&store, "keyed@example.com").await;
    store
        .grant_role(change(keyed, T0), "auditor", &allow)
        .await
        .unwrap()
        .unwrap();
    let key = NewPasskey {
        credential_id: "Y3JlZGVudGlhbA".into(),
        name: "Blue key".into(),
        kind: domain::PasskeyKind::SecurityKey,
        credential: "{}".into(),
    };
    store
        .apply(keyed, &[AccountChange::AddPasskey(key)], Effects::default())
        .await
        .unwrap();

    let team = store.staff_members().await.unwrap();
    /// Address, roles, last sign-in, app, passkey.
    type Row<'a> = (&'a str, Vec<String>, Option<i64>, bool, bool);
    let rows: Vec<Row> = team
        .iter()
        .map(|m| {
            (
                m.email.as_str(),
                m.roles.clone(),
                m.last_sign_in_at,
                m.authenticator_app,
                m.passkey,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "ada@example.com",
                vec!["auditor".into(), "security_admin".into()],
                Some(T0 + 50),
                true,
                false
            ),
            (
                "grace@example.com",
                vec!["support".into()],
                None,
                false,
                false
            ),
            (
                "keyed@example.com",
                vec!["auditor".into()],
                None,
                false,
                true
            ),
        ]
    );
    assert!(team[0].has_second_factor() && team[2].has_second_factor());
    assert!(!team[1].has_second_factor());
});

/// Two grants to one account overlap: the first holds the role lock (its
/// check is slow) when the second starts. The second must wait and then
/// see the first's grant; without the lock it would decide on the state
/// before (PostgreSQL) or fail on a stale snapshot (SQLite).
async fn overlapping_role_changes(backend: Backend) {
    let Some(db) = TestDatabase::fresh(backend).await else {
        return;
    };
    let store = store::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let ada = plain_user(&store, "ada@example.com").await;
    let (holding, lock_held) = tokio::sync::oneshot::channel();
    let url = db.url.clone();
    // Another "process": its own thread, runtime and connection pool, so
    // that its slow check blocks nothing of this test's.
    let first = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let other = store::connect(&url).await.expect("connect");
            let holding = Mutex::new(Some(holding));
            let check = |_: &RoleSnapshot| {
                if let Some(holding) = holding.lock().unwrap().take() {
                    let _ = holding.send(());
                }
                std::thread::sleep(std::time::Duration::from_millis(400));
                Ok(())
            };
            let granted = other.grant_role(change(ada, T0), "support", &check).await;
            other.close().await;
            granted
        })
    });
    lock_held.await.expect("the first change reached its check");
    let seen = Mutex::new(Vec::new());
    store
        .grant_role(
            change(ada, T0 + 1),
            "auditor",
            &|snapshot: &RoleSnapshot| {
                *seen.lock().unwrap() = snapshot.target_roles.clone();
                Ok(())
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.join().unwrap().unwrap(), Ok(true));
    assert_eq!(
        *seen.lock().unwrap(),
        vec!["support".to_owned()],
        "the second change waited for the first and saw its grant"
    );
    store.close().await;
    db.remove().await;
}

mod a_role_change_decides_on_what_the_one_before_committed {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        overlapping_role_changes(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres() {
        overlapping_role_changes(Backend::Postgres).await;
    }
}

// --- service::staff on the real storage -------------------------------

fn staff_of(accounts: Accounts) -> (Arc<Accounts>, Staff) {
    let accounts = Arc::new(accounts);
    (accounts.clone(), Staff::new(accounts))
}

/// A verified account holding `role`, signed in, with an authenticator app
/// when `with_factor` (enrolled at T0: call with the clock there); returns
/// it as it stands now, and its session token.
async fn signed_in_member(
    accounts: &Accounts,
    staff: &Staff,
    store: &SqlStore,
    email: &str,
    role: &str,
    with_factor: bool,
) -> (CurrentUser, String) {
    let (session, _) = known_account(accounts, store, email).await;
    let id = account_of(accounts, &session).await.id;
    staff
        .grant_role(&Actor::System, id, role, "joined the team")
        .await
        .unwrap();
    // The grant ended the session: a new one carries the role.
    let session = accounts
        .sign_in(email, GOOD, None, &origin())
        .await
        .unwrap()
        .session()
        .session_token;
    let me = account_of(accounts, &session).await;
    if with_factor {
        enroll(accounts, &me, T0).await;
    }
    drain_mail(store, T0).await;
    (account_of(accounts, &session).await, session)
}

/// [`signed_in_member`] without its session token.
async fn member(
    accounts: &Accounts,
    staff: &Staff,
    store: &SqlStore,
    email: &str,
    role: &str,
    with_factor: bool,
) -> CurrentUser {
    signed_in_member(accounts, staff, store, email, role, with_factor)
        .await
        .0
}

on_both_backends!(roles_grant_nothing_before_a_second_factor, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let (accounts, staff) = staff_of(accounts(store.clone(), clock));
    let bare = member(
        &accounts,
        &staff,
        &store,
        "bare@example.com",
        "security_admin",
        false,
    )
    .await;
    assert_eq!(bare.roles, vec!["security_admin"]);
    assert_eq!(bare.has_second_factor, Some(false));
    assert!(bare.may(Permission::OwnView) && bare.may(Permission::OwnChange));
    assert!(
        !bare.may(Permission::CustomerRead),
        "no factor, no staff permission"
    );
    let colleague = member(
        &accounts,
        &staff,
        &store,
        "colleague@example.com",
        "support",
        false,
    )
    .await;
    assert_eq!(
        staff
            .grant_role(&Actor::member(&bare), colleague.id, "auditor", "try")
            .await
            .unwrap_err()
            .to_string(),
        "this needs the role.assign permission"
    );

    let armed = member(
        &accounts,
        &staff,
        &store,
        "armed@example.com",
        "security_admin",
        true,
    )
    .await;
    assert_eq!(armed.has_second_factor, Some(true));
    assert!(armed.may(Permission::CustomerRead));
    assert!(armed.may(Permission::RoleAssign));
    assert!(staff
        .grant_role(
            &Actor::member(&armed),
            colleague.id,
            "auditor",
            "needs the audit log"
        )
        .await
        .unwrap());

    let plain = {
        let (session, _) = known_account(&accounts, &store, "plain@example.com").await;
        account_of(&accounts, &session).await
    };
    assert!(plain.roles.is_empty());
    assert_eq!(plain.has_second_factor, None, "not read for a customer");
    assert_eq!(
        plain.permissions,
        BTreeSet::from([Permission::OwnView, Permission::OwnChange])
    );
});

on_both_backends!(nobody_grants_their_own_roles_or_beyond_their_own, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let (accounts, staff) = staff_of(accounts(store.clone(), clock));
    let assigner = custom("assigner", &["support"], &[Permission::RoleAssign]);
    staff.save_role(&Actor::System, assigner).await.unwrap();
    let lead = member(
        &accounts,
        &staff,
        &store,
        "lead@example.com",
        "assigner",
        true,
    )
    .await;
    let target = member(
        &accounts,
        &staff,
        &store,
        "new@example.com",
        "auditor",
        false,
    )
    .await;
    let actor = Actor::member(&lead);

    let own = staff
        .grant_role(&actor, lead.id, "support", "more for me")
        .await;
    assert!(
        matches!(own, Err(ServiceError::Role(RoleError::OwnRoles))),
        "{own:?}"
    );
    let own = staff
        .revoke_role(&actor, lead.id, "assigner", "less for me")
        .await;
    assert!(
        matches!(own, Err(ServiceError::Role(RoleError::OwnRoles))),
        "{own:?}"
    );
    let beyond = staff
        .grant_role(&actor, target.id, "support_lead", "promotion")
        .await;
    assert!(
        matches!(&beyond, Err(ServiceError::Role(RoleError::BeyondOwn(missing))) if missing.contains(&Permission::CustomerDisable)),
        "{beyond:?}"
    );
    let stripping = staff
        .revoke_role(&actor, target.id, "auditor", "demotion")
        .await;
    assert!(
        matches!(&stripping, Err(ServiceError::Role(RoleError::BeyondOwn(missing))) if missing == &vec![Permission::AuditRead]),
        "revoking follows the same rule: {stripping:?}"
    );
    assert!(staff
        .grant_role(&actor, target.id, "support", "tier 1")
        .await
        .unwrap());
    assert_eq!(
        store.find_user(target.id).await.unwrap().unwrap().roles,
        vec!["auditor", "support"]
    );

    // Editing roles needs role.manage, and never hands out more than the editor holds.
    let edit = staff
        .save_role(
            &actor,
            custom("assigner", &["support_lead"], &[Permission::RoleAssign]),
        )
        .await;
    assert!(
        matches!(
            edit,
            Err(ServiceError::Role(RoleError::NotPermitted(
                Permission::RoleManage
            )))
        ),
        "{edit:?}"
    );
    let admin = member(
        &accounts,
        &staff,
        &store,
        "admin@example.com",
        "security_admin",
        true,
    )
    .await;
    let cycle = staff
        .save_role(
            &Actor::member(&admin),
            custom("assigner", &["assigner"], &[]),
        )
        .await;
    assert!(
        matches!(cycle, Err(ServiceError::Role(RoleError::Cycle(_)))),
        "{cycle:?}"
    );
    staff
        .save_role(
            &Actor::member(&admin),
            custom("assigner", &["support_lead"], &[Permission::RoleAssign]),
        )
        .await
        .unwrap();
    assert!(
        staff
            .grant_role(&actor, target.id, "support_lead", "now within")
            .await
            .unwrap(),
        "the edited role carries support_lead: the lead may grant it"
    );
});

on_both_backends!(every_change_needs_a_plain_reason, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let (accounts, staff) = staff_of(accounts(store.clone(), clock));
    let target = member(&accounts, &staff, &store, "t@example.com", "auditor", false).await;
    for (reason, code) in [
        ("", "reason.required"),
        ("  ", "reason.required"),
        ("ok\u{202E}kcatta", "reason.invalid"),
        ("line\nbreak", "reason.invalid"),
    ] {
        assert!(
            refused_with(
                staff
                    .grant_role(&Actor::System, target.id, "support", reason)
                    .await,
                code
            ),
            "{reason:?}"
        );
        assert!(refused_with(
            staff
                .revoke_role(&Actor::System, target.id, "auditor", reason)
                .await,
            code
        ));
        assert!(refused_with(
            staff.offboard(&Actor::System, target.id, reason).await,
            code
        ));
        assert!(refused_with(
            staff
                .invite(&Actor::System, "x@example.com", None, "support", reason)
                .await,
            code
        ));
    }
    assert_eq!(
        store.find_user(target.id).await.unwrap().unwrap().roles,
        vec!["auditor"]
    );
    assert!(store
        .find_user_by_email("x@example.com")
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store.role_log(target.id).await.unwrap().len(),
        1,
        "only the first grant"
    );
});

on_both_backends!(an_offboarded_member_is_out_at_once, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let (accounts, staff) = staff_of(accounts(store.clone(), clock));
    let admin = member(
        &accounts,
        &staff,
        &store,
        "admin@example.com",
        "security_admin",
        true,
    )
    .await;
    let (leaver, leaver_session) = signed_in_member(
        &accounts,
        &staff,
        &store,
        "leaver@example.com",
        "support",
        false,
    )
    .await;

    let own = staff
        .offboard(&Actor::member(&admin), admin.id, "bye")
        .await;
    assert!(
        matches!(own, Err(ServiceError::Role(RoleError::OwnRoles))),
        "{own:?}"
    );
    let support = member(
        &accounts,
        &staff,
        &store,
        "support@example.com",
        "support",
        true,
    )
    .await;
    let refused = staff
        .offboard(&Actor::member(&support), leaver.id, "bye")
        .await;
    assert!(
        matches!(
            refused,
            Err(ServiceError::Role(RoleError::NotPermitted(
                Permission::StaffManage
            )))
        ),
        "{refused:?}"
    );

    let revoked = staff
        .offboard(&Actor::member(&admin), leaver.id, "left the company")
        .await
        .unwrap();
    assert_eq!(revoked, vec!["support"]);
    assert!(accounts
        .current_user(&leaver_session, "192.0.2.1")
        .await
        .unwrap()
        .is_none());
    let right_password = accounts
        .sign_in("leaver@example.com", GOOD, None, &origin())
        .await;
    assert!(
        matches!(right_password, Err(ServiceError::AccountDisabled)),
        "{right_password:?}"
    );
    let wrong_password = accounts
        .sign_in("leaver@example.com", WRONG, None, &origin())
        .await;
    assert!(
        matches!(wrong_password, Err(ServiceError::InvalidCredentials)),
        "only the right password learns of the disabling"
    );
    let team: Vec<String> = staff
        .staff_members(&Actor::member(&admin))
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.email)
        .collect();
    assert_eq!(team, vec!["admin@example.com", "support@example.com"]);
    assert!(matches!(
        staff.staff_members(&Actor::member(&support)).await,
        Err(ServiceError::Role(RoleError::NotPermitted(
            Permission::StaffManage
        )))
    ));
    let log = staff
        .role_log(&Actor::member(&admin), leaver.id)
        .await
        .unwrap();
    assert!(log.iter().any(|r| r.action == RoleAction::Offboard
        && r.reason == "left the company"
        && r.actor == Some(admin.id)));
});

on_both_backends!(staff_passwords_age_and_staff_sessions_idle_out, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let (accounts, staff) = staff_of(accounts(store.clone(), clock.clone()));
    known_account(&accounts, &store, "cust@example.com").await;
    let (_, staff_session) = signed_in_member(
        &accounts,
        &staff,
        &store,
        "staff@example.com",
        "support",
        false,
    )
    .await;

    clock.advance_secs(14 * 60);
    assert!(accounts
        .current_user(&staff_session, "192.0.2.1")
        .await
        .unwrap()
        .is_some());
    clock.advance_secs(14 * 60);
    assert!(
        accounts
            .current_user(&staff_session, "192.0.2.1")
            .await
            .unwrap()
            .is_some(),
        "used within 15 minutes"
    );
    clock.advance_secs(15 * 60);
    assert!(
        accounts
            .current_user(&staff_session, "192.0.2.1")
            .await
            .unwrap()
            .is_none(),
        "15 minutes idle"
    );

    clock.advance_secs(91 * 24 * 60 * 60);
    let old = accounts
        .sign_in("staff@example.com", GOOD, None, &origin())
        .await
        .unwrap()
        .session();
    assert!(old.password_expired, "staff passwords last 90 days");
    let customer = accounts
        .sign_in("cust@example.com", GOOD, None, &origin())
        .await
        .unwrap()
        .session();
    assert!(
        !customer.password_expired,
        "customers' do not expire by default"
    );
});

on_both_backends!(
    an_invitation_creates_the_account_and_a_single_use_link,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let (accounts, staff) = staff_of(accounts(store.clone(), clock.clone()));
        let bad_role = staff
            .invite(
                &Actor::System,
                "new@example.com",
                Some("Nova"),
                "wizard",
                "hired",
            )
            .await;
        assert!(
            matches!(bad_role, Err(ServiceError::Role(RoleError::UnknownRole(_)))),
            "{bad_role:?}"
        );
        assert!(
            store
                .find_user_by_email("new@example.com")
                .await
                .unwrap()
                .is_none(),
            "nothing created"
        );

        let invitation = staff
            .invite(
                &Actor::System,
                "New@Example.com",
                Some("Nova"),
                "support",
                "hired, ticket 12",
            )
            .await
            .unwrap();
        assert!(invitation.created && invitation.granted);
        let link = invitation
            .set_password_link
            .expect("a link for a new account");
        let token = link
            .strip_prefix("http://localhost:3000/recover/reset?token=")
            .unwrap_or_else(|| panic!("{link}"));
        let account = store
            .find_user_by_email("new@example.com")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(account.display_name, "Nova");
        assert!(
            account.email_verified_at.is_some(),
            "the address counts as verified"
        );
        assert_eq!(account.roles, vec!["support"]);
        assert!(
            drain_mail(&store, T0).await.is_empty(),
            "the link is never mailed"
        );
        assert_eq!(
            accounts
                .link_status(TokenPurpose::ResetPassword, token)
                .await
                .unwrap(),
            service::accounts::LinkStatus::Live {
                account: domain::email::masked("new@example.com")
            },
            "the reset page names the account"
        );
        // Two guesses: a third would lock the account against strangers.
        for guess in [GOOD, "password"] {
            assert!(matches!(
                accounts
                    .sign_in("new@example.com", guess, None, &origin())
                    .await,
                Err(ServiceError::InvalidCredentials)
            ));
        }

        let again = staff
            .invite(&Actor::System, "new@example.com", None, "support", "again")
            .await
            .unwrap();
        assert!(!again.created && !again.granted);
        assert_eq!(
            again.set_password_link, None,
            "an existing account gets no link"
        );

        let chosen = "Copper-Meadow-Lantern-61";
        accounts
            .reset_password(reset_form(token, chosen, chosen, ""), None, &origin())
            .await
            .expect("the link sets the first password");
        assert!(
            matches!(
                accounts
                    .reset_password(reset_form(token, chosen, chosen, ""), None, &origin())
                    .await,
                Err(ServiceError::TokenInvalid)
            ),
            "single use"
        );
        let signed_in = accounts
            .sign_in("new@example.com", chosen, None, &origin())
            .await
            .unwrap()
            .session();
        let me = account_of(&accounts, &signed_in.session_token).await;
        assert_eq!(me.roles, vec!["support"]);

        // An unused link dies after a day.
        let late = staff
            .invite(&Actor::System, "late@example.com", None, "auditor", "hired")
            .await
            .unwrap()
            .set_password_link
            .unwrap();
        let late = late.rsplit("token=").next().unwrap().to_owned();
        clock.advance_secs(24 * 60 * 60);
        assert!(matches!(
            accounts
                .reset_password(reset_form(&late, chosen, chosen, ""), None, &origin())
                .await,
            Err(ServiceError::TokenInvalid)
        ));
    }
);
