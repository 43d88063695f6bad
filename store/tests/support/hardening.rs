//! Regression tests for the security review of sign-in, recovery and
//! two-factor (issue 10), each on both backends. Every test here failed on
//! the code the review read.

use super::*;
use crate::support::recording::Recording;
use service::accounts::LinkStatus;

/// The "this wasn't me" link in the newest mail whose subject has `subject`.
fn report_link(mails: &[QueuedMail], subject: &str) -> String {
    let mail = mails
        .iter()
        .rev()
        .find(|m| m.subject.contains(subject))
        .unwrap_or_else(|| panic!("no mail about {subject:?} in {mails:?}"));
    link_token(mail, "/not-me")
}

/// A sign-in from a browser the account has never seen, password only.
async fn stranger_signs_in(accounts: &Accounts, email: &str) -> CurrentUser {
    let intruder = accounts
        .sign_in(email, GOOD, None, &origin())
        .await
        .unwrap()
        .session();
    account_of(accounts, &intruder.session_token).await
}

on_both_backends!(reset_codes_meet_the_lock_and_use_the_link_up, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = Arc::new(accounts(store.clone(), clock.clone()));
    let (mine, _) = known_account(&accounts, &store, "ada@example.com").await;
    let me = account_of(&accounts, &mine).await;
    let (key, _) = enroll(&accounts, &me, T0).await;
    drain_mail(&store, T0).await;
    accounts
        .request_password_reset("ada@example.com", &origin())
        .await
        .unwrap();
    let token = mailed_reset_token(&store, T0).await;
    let new = "Marble-Harbor-Quill-38";
    let attempt = |code: String| {
        let accounts = accounts.clone();
        let token = token.clone();
        async move {
            accounts
                .reset_password(reset_form(&token, new, new, &code), None, &origin())
                .await
        }
    };

    for wrong in ["000000", "111111", "222222"] {
        assert!(refused_with(attempt(wrong.into()).await, "mfa.code_wrong"));
    }
    let right = app_code(&key, clock.now_ms());
    assert!(
        refused_with(attempt(right.clone()).await, "mfa.paused"),
        "three wrong codes lock the reset like a sign-in"
    );
    assert_eq!(
        drain_mail(&store, T0)
            .await
            .iter()
            .filter(|m| m.body_text.contains("/unlock?token="))
            .count(),
        1,
        "the owner hears of the lock"
    );

    clock.advance_secs(16 * 60);
    assert!(refused_with(
        attempt("333333".into()).await,
        "mfa.code_wrong"
    ));
    assert!(
        matches!(
            attempt("444444".into()).await,
            Err(ServiceError::TokenInvalid)
        ),
        "the fifth wrong code uses the link up"
    );
    assert!(matches!(
        attempt(app_code(&key, clock.now_ms())).await,
        Err(ServiceError::TokenInvalid)
    ));
});

on_both_backends!(this_was_not_me_removes_the_intruders_passkey, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = accounts(store.clone(), clock.clone());
    let (_, device) = known_account(&accounts, &store, "ada@example.com").await;

    clock.advance_secs(60);
    let intruder = stranger_signs_in(&accounts, "ada@example.com").await;
    let mut stolen = soft_passkey();
    let codes = add_passkey(&accounts, &intruder, &mut stolen, "Mine now").await;
    assert!(codes.is_some(), "the intruder saw recovery codes");
    accounts
        .request_email_change(&intruder, "intruder@example.com", &origin())
        .await
        .unwrap();
    let mails = drain_mail(&store, clock.now_ms()).await;
    let confirm_change = link_token(
        mails
            .iter()
            .find(|m| m.to == "intruder@example.com")
            .unwrap(),
        "/account/email/confirm",
    );
    assert!(
        mails
            .iter()
            .any(|m| m.to == "ada@example.com" && m.body_text.contains("intruder@example.com")),
        "the current address hears of the requested change at once"
    );

    let reset = accounts
        .report_not_me(&report_link(&mails, "passkey was added"), &origin())
        .await
        .expect("the passkey mail carries its own report link");
    assert!(
        store.list_sessions(intruder.id).await.unwrap().is_empty(),
        "every session ended"
    );
    assert!(accounts.passkeys(&intruder).await.unwrap().is_empty());
    assert_eq!(store.recovery_codes_left(intruder.id).await.unwrap(), 0);
    assert!(
        passkey_refused(passkey_sign_in(&accounts, &mut stolen, None).await),
        "the intruder's passkey no longer signs in"
    );
    assert!(
        matches!(
            accounts
                .confirm_email_change(&confirm_change, None, &origin())
                .await,
            Err(ServiceError::TokenInvalid)
        ),
        "the pending address change is void"
    );

    let factors = accounts.reset_factors(&reset).await.unwrap();
    assert!(
        !factors.needs_code() && factors.masked_email == "a•••@example.com",
        "{factors:?}"
    );
    let new = "Marble-Harbor-Quill-38";
    accounts
        .reset_password(reset_form(&reset, new, new, ""), None, &origin())
        .await
        .expect("the reset asks for no factor the owner never had");
    let again = accounts
        .sign_in("ada@example.com", new, Some(&device), &origin())
        .await
        .unwrap();
    assert!(
        matches!(again, SignInOutcome::SignedIn(_)),
        "no second step is left from the intruder"
    );
});

on_both_backends!(
    a_new_device_report_keeps_the_owners_older_passkey,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let accounts = accounts(store.clone(), clock.clone());
        let (mine, _) = known_account(&accounts, &store, "ada@example.com").await;
        let me = account_of(&accounts, &mine).await;
        let mut own = soft_passkey();
        let codes = add_passkey(&accounts, &me, &mut own, "My phone")
            .await
            .unwrap();
        drain_mail(&store, T0).await;

        clock.advance_secs(3600);
        let pending = pending_token(
            accounts
                .sign_in("ada@example.com", GOOD, None, &origin())
                .await
                .unwrap(),
        );
        // The intruder also had one of the owner's recovery codes.
        let intruder = accounts
            .complete_second_factor(&pending, &codes[0], None, &origin())
            .await
            .unwrap();
        let intruder = account_of(&accounts, &intruder.session_token).await;
        add_passkey(&accounts, &intruder, &mut soft_passkey(), "Spare").await;
        let mails = drain_mail(&store, clock.now_ms()).await;

        let reset = accounts
            .report_not_me(&report_link(&mails, "New sign-in"), &origin())
            .await
            .unwrap();
        let factors = accounts.reset_factors(&reset).await.unwrap();
        assert_eq!(
            factors
                .passkeys
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>(),
            ["My phone"],
            "what the owner had before stays"
        );
        assert!(factors.needs_code());
        let new = "Marble-Harbor-Quill-38";
        accounts
            .reset_password(reset_form(&reset, new, new, &codes[1]), None, &origin())
            .await
            .expect("the owner's own recovery code completes the reset");
    }
);

on_both_backends!(a_reset_can_remove_passkeys_the_owner_ticks, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = Arc::new(accounts(store.clone(), clock.clone()));
    let (mine, _) = known_account(&accounts, &store, "ada@example.com").await;
    let me = account_of(&accounts, &mine).await;
    let codes = add_passkey(&accounts, &me, &mut soft_passkey(), "Unknown")
        .await
        .unwrap();
    add_passkey(&accounts, &me, &mut soft_passkey(), "Mine").await;
    let unknown = accounts.passkeys(&me).await.unwrap()[0].id;
    drain_mail(&store, T0).await;
    accounts
        .request_password_reset("ada@example.com", &origin())
        .await
        .unwrap();
    let token = mailed_reset_token(&store, T0).await;
    let new = "Marble-Harbor-Quill-38";
    let form = service::accounts::ResetForm {
        remove_passkeys: &[unknown, 9999],
        ..reset_form(&token, new, new, &codes[0])
    };
    accounts
        .reset_password(form, None, &origin())
        .await
        .unwrap();
    let left: Vec<String> = store
        .passkeys(me.id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(left, ["Mine"]);
});

on_both_backends!(
    a_reset_ends_every_other_link_and_forgets_browsers,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let accounts = Arc::new(accounts(store.clone(), clock.clone()));
        let (mine, device) = known_account(&accounts, &store, "ada@example.com").await;
        let me = account_of(&accounts, &mine).await;
        accounts
            .request_email_change(&me, "new@example.com", &origin())
            .await
            .unwrap();
        let mails = drain_mail(&store, T0).await;
        let change = link_token(
            mails.iter().find(|m| m.to == "new@example.com").unwrap(),
            "/account/email/confirm",
        );
        accounts
            .request_password_reset("ada@example.com", &origin())
            .await
            .unwrap();
        let first = mailed_reset_token(&store, T0).await;
        accounts
            .request_password_reset("ada@example.com", &origin())
            .await
            .unwrap();
        let second = mailed_reset_token(&store, T0).await;
        assert!(
            accounts.reset_factors(&first).await.is_ok(),
            "asking again does not void the link the owner may be opening"
        );
        let new = "Marble-Harbor-Quill-38";
        accounts
            .reset_password(reset_form(&second, new, new, ""), None, &origin())
            .await
            .unwrap();
        assert!(matches!(
            accounts.reset_factors(&first).await,
            Err(ServiceError::TokenInvalid)
        ));
        assert!(matches!(
            accounts
                .confirm_email_change(&change, None, &origin())
                .await,
            Err(ServiceError::TokenInvalid)
        ));
        for _ in 0..3 {
            let _ = accounts
                .sign_in("ada@example.com", WRONG, None, &origin())
                .await;
        }
        assert!(
            matches!(
                accounts
                    .sign_in("ada@example.com", new, Some(&device), &origin())
                    .await,
                Err(ServiceError::SignInPaused { .. })
            ),
            "the reset forgot the browser: it no longer escapes a stranger's lock"
        );
    }
);

on_both_backends!(
    one_requester_cannot_use_up_the_owners_reset_requests,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let accounts = Arc::new(accounts(store.clone(), clock.clone()));
        known_account(&accounts, &store, "ada@example.com").await;
        let stranger = Origin {
            ip: "198.51.100.66".into(),
            user_agent: "curl/8".into(),
        };
        for _ in 0..3 {
            accounts
                .request_password_reset("ada@example.com", &stranger)
                .await
                .unwrap();
        }
        assert!(matches!(
            accounts
                .request_password_reset("ada@example.com", &stranger)
                .await,
            Err(ServiceError::RateLimited { .. })
        ));
        accounts
            .request_password_reset("ada@example.com", &origin())
            .await
            .expect("the owner, elsewhere, still gets a link");
    }
);

on_both_backends!(per_address_limits_count_an_ipv6_slash_64_once, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = accounts(store.clone(), clock.clone());
    let from = |host: u32| Origin {
        ip: format!("2001:db8:1:2::{host:x}"),
        user_agent: "curl/8".into(),
    };
    for host in 1..=30 {
        let refused = accounts
            .sign_in(&format!("x{host}@example.com"), WRONG, None, &from(host))
            .await;
        assert!(matches!(refused, Err(ServiceError::InvalidCredentials)));
    }
    assert!(
        matches!(
            accounts
                .sign_in("y@example.com", WRONG, None, &from(999))
                .await,
            Err(ServiceError::RateLimited { .. })
        ),
        "a new address in the same /64 is the same client"
    );
    let mapped = Origin {
        ip: "::ffff:198.51.100.7".into(),
        user_agent: "curl/8".into(),
    };
    assert!(matches!(
        accounts
            .sign_in("z@example.com", WRONG, None, &mapped)
            .await,
        Err(ServiceError::InvalidCredentials)
    ));
});

on_both_backends!(sign_ins_from_strangers_have_a_ceiling, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    // Real hashing, so that a sign-in holds its place for a while.
    let policy = Policy {
        max_concurrent_stranger_sign_ins: 1,
        max_concurrent_hashes: 1,
        ..Policy::default()
    };
    let accounts = Accounts::new(
        Arc::new(store.clone()),
        clock.clone(),
        ServerKey::generate(),
        policy,
        "http://localhost:3000/",
    )
    .unwrap();
    let attempts = (0..6).map(|n| {
        let accounts = &accounts;
        async move {
            accounts
                .sign_in(&format!("u{n}@example.com"), WRONG, None, &origin())
                .await
        }
    });
    let results = futures::future::join_all(attempts).await;
    let busy = results
        .iter()
        .filter(|r| matches!(r, Err(ServiceError::RateLimited { .. })))
        .count();
    assert!(
        busy >= 1 && busy < results.len(),
        "some wait their turn, the rest are told to come back: {results:?}"
    );
});

on_both_backends!(oversized_addresses_are_refused_before_any_limit, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = accounts(store.clone(), clock.clone());
    let huge = format!("{}@example.com", "a".repeat(10_000));
    assert!(matches!(
        accounts.sign_in(&huge, WRONG, None, &origin()).await,
        Err(ServiceError::InvalidCredentials)
    ));
});

on_both_backends!(
    a_pending_authenticator_secret_stays_with_its_browser,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let accounts = accounts(store.clone(), clock.clone());
        let (mine, device) = known_account(&accounts, &store, "ada@example.com").await;
        let me = account_of(&accounts, &mine).await;
        accounts.start_totp_enrollment(&me).await.unwrap();
        let other = accounts
            .sign_in("ada@example.com", GOOD, Some(&device), &origin())
            .await
            .unwrap()
            .session();
        let other = account_of(&accounts, &other.session_token).await;
        assert!(
            matches!(
                accounts.two_factor_state(&other).await.unwrap(),
                service::mfa::TwoFactorState::Off { .. }
            ),
            "another session of the account does not see the secret"
        );
        assert!(matches!(
            accounts.two_factor_state(&me).await.unwrap(),
            service::mfa::TwoFactorState::Pending(_)
        ));
        clock.advance_secs(11 * 60);
        let me = account_of(&accounts, &mine).await;
        assert!(
            matches!(
                accounts.two_factor_state(&me).await.unwrap(),
                service::mfa::TwoFactorState::Off { .. }
            ),
            "an unconfirmed secret expires"
        );
        // In sudo mode again, the expired secret still cannot be confirmed.
        let renewed = accounts
            .confirm_identity(&me, GOOD, "", Some(&device), &origin())
            .await
            .unwrap();
        let me = account_of(&accounts, &renewed).await;
        assert!(matches!(
            accounts
                .confirm_totp_enrollment(&me, "123456", &origin())
                .await,
            Err(ServiceError::TokenInvalid)
        ));
    }
);

on_both_backends!(a_valid_passkey_passes_a_password_lock, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = accounts(store.clone(), clock.clone());
    let (mine, _) = known_account(&accounts, &store, "ada@example.com").await;
    let me = account_of(&accounts, &mine).await;
    let mut phone = soft_passkey();
    add_passkey(&accounts, &me, &mut phone, "Phone").await;
    for _ in 0..3 {
        let _ = accounts
            .sign_in("ada@example.com", WRONG, None, &origin())
            .await;
    }
    assert!(matches!(
        accounts
            .sign_in("ada@example.com", GOOD, None, &origin())
            .await,
        Err(ServiceError::SignInPaused { .. })
    ));
    passkey_sign_in(&accounts, &mut phone, None)
        .await
        .expect("a stranger's wrong passwords do not keep the owner's passkey out");
});

on_both_backends!(mail_to_unconfirmed_addresses_names_nobody, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = Arc::new(accounts(store.clone(), clock.clone()));
    let bait = RegistrationForm {
        display_name: "Support: call +1 555 0100 now",
        ..form("victim@example.com", GOOD)
    };
    accounts.register(bait, &origin()).await.unwrap();
    let mut bodies = drain_mail(&store, T0).await;
    accounts
        .request_password_reset("victim@example.com", &origin())
        .await
        .unwrap();
    for _ in 0..100 {
        bodies.extend(drain_mail(&store, T0).await);
        if bodies.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(bodies.len(), 2, "a verification and a reset mail");
    for mail in bodies {
        assert!(!mail.body_text.contains("555 0100"), "{}", mail.subject);
    }
    let bidi = RegistrationForm {
        display_name: "Ada\u{202E}nimda",
        ..form("ada@example.com", GOOD)
    };
    assert!(refused_with(
        accounts.register(bidi, &origin()).await,
        "name.invalid"
    ));
});

on_both_backends!(delivered_mail_keeps_no_link_and_is_purged, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = accounts(store.clone(), clock.clone());
    let (mine, _) = known_account(&accounts, &store, "ada@example.com").await;
    let me = account_of(&accounts, &mine).await;
    accounts
        .request_email_change(&me, "new@example.com", &origin())
        .await
        .unwrap();
    let sent = drain_mail(&store, T0).await;
    assert!(!sent.is_empty());
    let bodies_with_text = store::testing::count(
        &store,
        "SELECT COUNT(*) FROM mail_queue WHERE sent_at IS NOT NULL AND body_text <> ''",
    )
    .await;
    assert_eq!(bodies_with_text, 0, "delivered bodies are blanked");
    clock.advance_secs(8 * 24 * 60 * 60);
    accounts.purge_expired().await.unwrap();
    assert_eq!(
        store::testing::count(
            &store,
            "SELECT COUNT(*) FROM mail_queue WHERE sent_at IS NOT NULL"
        )
        .await,
        0,
        "delivered mail is gone after the retention period"
    );

    store
        .record(me.id, Effects::default().with_mail(mail("ada@example.com")))
        .await
        .unwrap();
    store
        .apply(
            me.id,
            &[AccountChange::ScheduleDeletion {
                at_ms: clock.now_ms(),
            }],
            Effects::default(),
        )
        .await
        .unwrap();
    accounts.purge_expired().await.unwrap();
    assert_eq!(
        store::testing::count(&store, "SELECT COUNT(*) FROM mail_queue").await,
        0,
        "an erased account's unsent mail goes with it"
    );
});

on_both_backends!(mail_links_name_their_account, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = Arc::new(accounts(store.clone(), clock.clone()));
    known_account(&accounts, &store, "ada@example.com").await;
    accounts
        .request_password_reset("ada@example.com", &origin())
        .await
        .unwrap();
    let token = mailed_reset_token(&store, T0).await;
    assert_eq!(
        accounts
            .link_status(TokenPurpose::ResetPassword, &token)
            .await
            .unwrap(),
        LinkStatus::Live {
            account: "a•••@example.com".to_owned()
        }
    );
    assert_eq!(
        accounts
            .link_status(TokenPurpose::Unlock, &token)
            .await
            .unwrap(),
        LinkStatus::Unknown,
        "a link of another kind is no link here"
    );
});

on_both_backends!(
    an_app_added_beside_a_passkey_keeps_the_recovery_codes,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let accounts = accounts(store.clone(), clock.clone());
        let (mine, _) = known_account(&accounts, &store, "ada@example.com").await;
        let me = account_of(&accounts, &mine).await;
        let codes = add_passkey(&accounts, &me, &mut soft_passkey(), "Phone")
            .await
            .unwrap();
        let (_, new_codes) = enroll(&accounts, &me, T0).await;
        assert!(new_codes.is_empty(), "no new set replaces the passkey's");
        assert_eq!(store.recovery_codes_left(me.id).await.unwrap(), 10);
        accounts
            .remove_totp(&me, GOOD, None, &origin())
            .await
            .unwrap();
        let pending = pending_token(
            accounts
                .sign_in("ada@example.com", GOOD, None, &origin())
                .await
                .unwrap(),
        );
        accounts
            .complete_second_factor(&pending, &codes[0], None, &origin())
            .await
            .expect("the codes that came with the passkey still work");
    }
);

on_both_backends!(
    a_wrong_password_and_an_unknown_address_do_the_same_work,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let recording = Recording::new(store.clone());
        let accounts = accounts_on(recording.clone(), clock.clone());
        known_account(&accounts, &store, "ada@example.com").await;
        recording.take();
        let _ = accounts
            .sign_in("ada@example.com", WRONG, None, &origin())
            .await;
        let real = recording.take();
        let _ = accounts
            .sign_in("nobody@example.com", WRONG, None, &origin())
            .await;
        let unknown = recording.take();
        assert_eq!(
            real, unknown,
            "the same reads and writes, in the same order (the address's own counter standing in for the account's)"
        );
        assert_eq!(
            &real[real.len() - 2..],
            &["record_sign_in_failure", "note_failed_sign_in"][..],
            "one write to the counter, and the same note for the detection rules"
        );
        // Once both are locked, a refusal is one write each too.
        for _ in 0..2 {
            let _ = accounts
                .sign_in("ada@example.com", WRONG, None, &origin())
                .await;
            let _ = accounts
                .sign_in("nobody@example.com", WRONG, None, &origin())
                .await;
        }
        recording.take();
        let real = accounts
            .sign_in("ada@example.com", WRONG, None, &origin())
            .await;
        let real_calls = recording.take();
        let unknown = accounts
            .sign_in("nobody@example.com", WRONG, None, &origin())
            .await;
        let unknown_calls = recording.take();
        assert!(
            matches!(real, Err(service::ServiceError::SignInPaused { .. }))
                && matches!(unknown, Err(service::ServiceError::SignInPaused { .. })),
            "both paused: {real:?} {unknown:?}"
        );
        let as_unknown: Vec<&str> = real_calls
            .iter()
            .map(|call| if *call == "record" { "count_hit" } else { call })
            .collect();
        assert_eq!(
            as_unknown, unknown_calls,
            "the same reads, and one write each: the refusal's event for the account, a counter hit for the address"
        );
    }
);

on_both_backends!(a_passkey_can_stand_in_for_the_reset_code, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = Arc::new(accounts(store.clone(), clock.clone()));
    let (mine, _) = known_account(&accounts, &store, "ada@example.com").await;
    let me = account_of(&accounts, &mine).await;
    let mut phone = soft_passkey();
    add_passkey(&accounts, &me, &mut phone, "Phone").await;
    let mut stranger = soft_passkey();
    drain_mail(&store, T0).await;
    accounts
        .request_password_reset("ada@example.com", &origin())
        .await
        .unwrap();
    let token = mailed_reset_token(&store, T0).await;
    let new = "Marble-Harbor-Quill-38";
    let with_answer = |ceremony: &service::passkeys::Ceremony, answer: String| {
        let accounts = accounts.clone();
        let token = token.clone();
        let id = ceremony.id.clone();
        async move {
            let form = service::accounts::ResetForm {
                passkey: Some(service::passkeys::PasskeyAnswer {
                    ceremony: &id,
                    credential: &answer,
                }),
                ..reset_form(&token, new, new, "")
            };
            accounts.reset_password(form, None, &origin()).await
        }
    };

    let ceremony = accounts
        .start_passkey_reset(&token, &origin())
        .await
        .unwrap();
    let foreign = stranger.sign(&ceremony.options);
    assert!(
        passkey_refused(with_answer(&ceremony, foreign).await),
        "a passkey of no account (or another) does not confirm the reset"
    );
    let ceremony = accounts
        .start_passkey_reset(&token, &origin())
        .await
        .unwrap();
    let answer = phone.sign(&ceremony.options);
    with_answer(&ceremony, answer.clone())
        .await
        .expect("the account's passkey confirms the reset");
    accounts
        .sign_in("ada@example.com", new, None, &origin())
        .await
        .unwrap();
});
