//! The staff console (issue 12): the search and lock ports on both
//! backends, and `service::support` on top of them: each action behind its
//! permission, with a reason, recorded and mailed with the change.

use domain::{Permission, RoleError};
use service::staff::{Actor, Staff};
use service::support::{Support, SupportAction, SEARCH_PAGE_SIZE};

use super::*;

fn support_of(accounts: Accounts) -> (Arc<Accounts>, Staff, Support) {
    let accounts = Arc::new(accounts);
    (
        accounts.clone(),
        Staff::new(accounts.clone()),
        Support::new(accounts),
    )
}

async fn named_user(store: &SqlStore, email: &str, name: &str) -> UserId {
    store
        .create_user(
            NewUser {
                display_name: name.into(),
                ..new_user(email)
            },
            token(&format!("token-of-{email}"), T0 + 1000),
            Effects::default(),
        )
        .await
        .unwrap()
}

async fn found(support: &Support, term: &str) -> Vec<String> {
    support
        .search(&Actor::System, term, 0)
        .await
        .unwrap()
        .accounts
        .into_iter()
        .map(|a| a.email)
        .collect()
}

on_both_backends!(
    the_search_finds_parts_and_takes_wildcards_literally,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let (_, staff, support) = support_of(accounts(store.clone(), clock));
        let ada = named_user(&store, "ada.lovelace@example.com", "Ada Lovelace").await;
        named_user(&store, "grace_h@example.com", "Grace Hopper").await;
        named_user(&store, "gracehx@example.com", "Grace 50% Hopper").await;
        named_user(&store, "li@example.cn", "李 小龙").await;
        let member = named_user(&store, "lovelace.staff@example.com", "Staff Lovelace").await;
        staff
            .grant_role(&Actor::System, member, "support", "joined")
            .await
            .unwrap();

        assert_eq!(
            found(&support, "  LoveLace ").await,
            ["ada.lovelace@example.com"],
            "address or name, any case; staff are not customers"
        );
        assert_eq!(found(&support, "hopper").await.len(), 2);
        assert_eq!(
            found(&support, "_h@").await,
            ["grace_h@example.com"],
            "an underscore matches only itself"
        );
        assert_eq!(found(&support, "50%").await, ["gracehx@example.com"]);
        assert_eq!(found(&support, "%").await, ["gracehx@example.com"]);
        assert!(found(&support, "\\").await.is_empty());
        assert_eq!(found(&support, "小龙").await, ["li@example.cn"]);
        assert_eq!(
            found(&support, &ada.0.to_string()).await,
            ["ada.lovelace@example.com"],
            "an account id"
        );
        assert!(found(&support, "   ").await.is_empty(), "no term, nobody");
        assert_eq!(
            found(&support, "' OR 1=1 --").await,
            Vec::<String>::new(),
            "bound, not spliced"
        );

        for n in 0..25 {
            named_user(&store, &format!("bulk{n:02}@example.org"), "Bulk").await;
        }
        let first = support.search(&Actor::System, "bulk", 0).await.unwrap();
        assert_eq!(first.accounts.len(), SEARCH_PAGE_SIZE as usize);
        assert!(first.has_more);
        let second = support.search(&Actor::System, "bulk", 1).await.unwrap();
        assert_eq!(second.accounts.len(), 5);
        assert!(!second.has_more);
        assert!(first.accounts.iter().all(|a| !second.accounts.contains(a)));
    }
);

/// A customer who signed in once (a known browser), and their session.
async fn customer(accounts: &Accounts, store: &SqlStore, email: &str) -> (CurrentUser, String) {
    let (session, _) = known_account(accounts, store, email).await;
    (account_of(accounts, &session).await, session)
}

async fn member_of(
    accounts: &Accounts,
    staff: &Staff,
    store: &SqlStore,
    email: &str,
    role: &str,
) -> CurrentUser {
    let (session, _) = known_account(accounts, store, email).await;
    let id = account_of(accounts, &session).await.id;
    staff
        .grant_role(&Actor::System, id, role, "joined the team")
        .await
        .unwrap();
    let session = accounts
        .sign_in(email, GOOD, None, &origin())
        .await
        .unwrap()
        .session()
        .session_token;
    let me = account_of(accounts, &session).await;
    enroll(accounts, &me, T0).await;
    drain_mail(store, T0).await;
    account_of(accounts, &session).await
}

fn refused_for<T: std::fmt::Debug>(
    result: Result<T, ServiceError>,
    permission: Permission,
) -> bool {
    matches!(result, Err(ServiceError::Role(RoleError::NotPermitted(p))) if p == permission)
}

on_both_backends!(support_unlocks_with_a_reason_the_customer_sees, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let (accounts, staff, support) = support_of(accounts(store.clone(), clock));
    let (cleo, cleo_session) = customer(&accounts, &store, "cleo@example.com").await;
    let agent = member_of(&accounts, &staff, &store, "agent@example.com", "support").await;
    let actor = Actor::member(&agent);
    for _ in 0..3 {
        let _ = accounts
            .sign_in("cleo@example.com", WRONG, None, &origin())
            .await;
    }
    drain_mail(&store, T0).await;
    let file = support.customer(&actor, cleo.id).await.unwrap();
    assert_eq!(file.email, "cleo@example.com");
    assert_eq!(file.locked_until, Some(T0 + 15 * 60 * 1000));
    assert_eq!(file.sessions.len(), 1);
    assert!(!file.authenticator_app && file.passkeys.is_empty());

    let missing = support
        .act(&actor, cleo.id, SupportAction::Unlock, "  ", &origin())
        .await;
    assert!(
        matches!(&missing, Err(ServiceError::Validation(issues)) if issues[0].code == "reason.required"),
        "{missing:?}"
    );
    assert!(support
        .customer(&actor, cleo.id)
        .await
        .unwrap()
        .locked_until
        .is_some());
    assert!(
        drain_mail(&store, T0).await.is_empty(),
        "a refusal mails nobody"
    );

    assert!(refused_for(
        support
            .act(
                &actor,
                cleo.id,
                SupportAction::Disable,
                "ticket 9",
                &origin()
            )
            .await,
        Permission::CustomerDisable
    ));
    let colleague = named_user(&store, "colleague@example.com", "Colleague").await;
    staff
        .grant_role(&Actor::System, colleague, "auditor", "joined")
        .await
        .unwrap();
    // Neither one's own account nor a colleague's.
    for subject in [agent.id, colleague] {
        assert!(matches!(
            support
                .act(
                    &actor,
                    subject,
                    SupportAction::Unlock,
                    "ticket 9",
                    &origin()
                )
                .await,
            Err(ServiceError::Role(RoleError::NotACustomer))
        ));
    }

    support
        .act(
            &actor,
            cleo.id,
            SupportAction::Unlock,
            "Ticket #41: <b>locked</b> out",
            &origin(),
        )
        .await
        .unwrap();
    let mails = drain_mail(&store, T0).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, "cleo@example.com");
    assert!(mails[0].body_text.contains("Ticket #41: <b>locked</b> out"));
    assert!(mails[0].body_text.contains(&agent.display_name));
    let newest = &accounts.activity(&cleo, &[], None, 1).await.unwrap()[0];
    assert_eq!(newest.kind, ActivityKind::SupportUnlocked);
    assert_eq!(
        newest.details,
        Some(ActivityDetails {
            actor: agent.display_name.clone(),
            reason: "Ticket #41: <b>locked</b> out".into(),
            view: None,
        })
    );
    assert!(support
        .customer(&actor, cleo.id)
        .await
        .unwrap()
        .locked_until
        .is_none());
    accounts
        .sign_in("cleo@example.com", GOOD, None, &origin())
        .await
        .expect("unlocked")
        .session();

    support
        .act(
            &actor,
            cleo.id,
            SupportAction::EndSessions,
            "lost phone",
            &origin(),
        )
        .await
        .unwrap();
    assert!(accounts
        .current_user(&cleo_session, "192.0.2.1")
        .await
        .unwrap()
        .is_none());
    assert!(support
        .customer(&actor, cleo.id)
        .await
        .unwrap()
        .sessions
        .is_empty());

    // A customer's own account is nobody else's to read here.
    let plain = Actor::member(&cleo);
    assert!(refused_for(
        support.customer(&plain, agent.id).await,
        Permission::CustomerRead
    ));
    assert!(refused_for(
        support.search(&plain, "agent", 0).await,
        Permission::CustomerRead
    ));
});

on_both_backends!(
    a_lead_disables_requires_a_reset_and_removes_factors,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let (accounts, staff, support) = support_of(accounts(store.clone(), clock));
        let (dora, dora_session) = customer(&accounts, &store, "dora@example.com").await;
        let lead = member_of(
            &accounts,
            &staff,
            &store,
            "lead@example.com",
            "support_lead",
        )
        .await;
        let actor = Actor::member(&lead);

        support
            .act(
                &actor,
                dora.id,
                SupportAction::Disable,
                "fraud report 12",
                &origin(),
            )
            .await
            .unwrap();
        assert!(
            accounts
                .current_user(&dora_session, "192.0.2.1")
                .await
                .unwrap()
                .is_none(),
            "its sessions end at once"
        );
        assert!(matches!(
            accounts
                .sign_in("dora@example.com", GOOD, None, &origin())
                .await,
            Err(ServiceError::AccountDisabled)
        ));
        support
            .act(&actor, dora.id, SupportAction::Enable, "cleared", &origin())
            .await
            .unwrap();
        let session = accounts
            .sign_in("dora@example.com", GOOD, None, &origin())
            .await
            .unwrap()
            .session()
            .session_token;
        let dora = account_of(&accounts, &session).await;
        enroll(&accounts, &dora, T0).await;
        drain_mail(&store, T0).await;

        support
            .act(
                &actor,
                dora.id,
                SupportAction::RemoveSecondFactors,
                "identity checked by video call",
                &origin(),
            )
            .await
            .unwrap();
        let file = support.customer(&actor, dora.id).await.unwrap();
        assert!(!file.authenticator_app);
        assert_eq!(store.recovery_codes_left(dora.id).await.unwrap(), 0);
        accounts
            .sign_in("dora@example.com", GOOD, None, &origin())
            .await
            .expect("the password alone signs in")
            .session();

        drain_mail(&store, T0).await;
        support
            .act(
                &actor,
                dora.id,
                SupportAction::RequirePasswordReset,
                "password seen in a leak",
                &origin(),
            )
            .await
            .unwrap();
        assert!(support
            .customer(&actor, dora.id)
            .await
            .unwrap()
            .sessions
            .is_empty());
        assert!(
            matches!(
                accounts
                    .sign_in("dora@example.com", GOOD, None, &origin())
                    .await,
                Err(ServiceError::InvalidCredentials)
            ),
            "the old password stops working"
        );
        let mails = drain_mail(&store, T0).await;
        assert_eq!(mails.len(), 1);
        assert!(mails[0].body_text.contains("password seen in a leak"));
        let link = link_token(&mails[0], "/recover/reset");
        const NEW: &str = "Marigold-Canoe-Amber-95";
        accounts
            .reset_password(reset_form(&link, NEW, NEW, ""), None, &origin())
            .await
            .unwrap();
        accounts
            .sign_in("dora@example.com", NEW, None, &origin())
            .await
            .expect("the new password signs in")
            .session();

        let kinds: Vec<ActivityKind> = support
            .activity(&actor, dora.id, None, 50)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.details.is_some())
            .map(|a| a.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                ActivityKind::SupportRequiredPasswordReset,
                ActivityKind::SupportRemovedSecondFactors,
                ActivityKind::SupportEnabled,
                ActivityKind::SupportDisabled,
            ]
        );
    }
);

on_both_backends!(
    support_resends_the_verification_link_with_a_reason,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let (accounts, staff, support) = support_of(accounts(store.clone(), clock));
        let agent = member_of(&accounts, &staff, &store, "agent@example.com", "support").await;
        let actor = Actor::member(&agent);
        accounts
            .register(form("eve@example.com", GOOD), &origin())
            .await
            .unwrap();
        let first = link_token(&drain_mail(&store, T0).await[0], "/verify-email");
        let eve = store
            .find_user_by_email("eve@example.com")
            .await
            .unwrap()
            .unwrap()
            .id;

        let missing = support
            .act(
                &actor,
                eve,
                SupportAction::ResendVerification,
                " ",
                &origin(),
            )
            .await;
        assert!(
            matches!(&missing, Err(ServiceError::Validation(issues)) if issues[0].code == "reason.required"),
            "{missing:?}"
        );
        // An auditor reads accounts but helps nobody in: no unlock permission.
        let auditor = member_of(&accounts, &staff, &store, "aud@example.com", "auditor").await;
        assert!(refused_for(
            support
                .act(
                    &Actor::member(&auditor),
                    eve,
                    SupportAction::ResendVerification,
                    "ticket 3",
                    &origin()
                )
                .await,
            Permission::CustomerUnlock
        ));
        assert!(
            drain_mail(&store, T0).await.is_empty(),
            "refusals mail nobody"
        );

        support
            .act(
                &actor,
                eve,
                SupportAction::ResendVerification,
                "Ticket 77: the first mail never came",
                &origin(),
            )
            .await
            .unwrap();
        let mails = drain_mail(&store, T0).await;
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].to, "eve@example.com");
        let fresh = link_token(&mails[0], "/verify-email");
        assert_ne!(fresh, first);
        let history = support.activity(&actor, eve, None, 1).await.unwrap();
        assert_eq!(history[0].kind, ActivityKind::SupportResentVerification);
        assert_eq!(
            history[0].details,
            Some(ActivityDetails {
                actor: agent.display_name.clone(),
                reason: "Ticket 77: the first mail never came".into(),
                view: None,
            })
        );
        assert!(
            matches!(
                accounts.verify_email(&first, &origin()).await,
                Err(ServiceError::TokenInvalid)
            ),
            "the earlier link stops working"
        );
        accounts.verify_email(&fresh, &origin()).await.unwrap();

        let again = support
            .act(
                &actor,
                eve,
                SupportAction::ResendVerification,
                "ticket 78",
                &origin(),
            )
            .await;
        assert!(
            matches!(&again, Err(ServiceError::Validation(issues)) if issues[0].code == service::support::ALREADY_VERIFIED),
            "{again:?}"
        );
        assert!(drain_mail(&store, T0).await.is_empty());
    }
);
