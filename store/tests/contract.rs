//! One contract suite for the storage ports, run on SQLite and on PostgreSQL,
//! plus the use cases of `service` on top of the real storage.

use std::sync::Arc;

use domain::{ActivityKind, Locale, Role, UserId};
use service::accounts::{CurrentUser, RegistrationForm};
use service::config::{Argon2Params, RateLimit};
use service::error::StoreError;
use service::password::PasswordHash;
use service::ports::*;
use service::{Accounts, ManualClock, Policy, ServerKey, ServiceError};
use store::testing::TestDatabase;
use store::{Backend, SqlStore};

const T0: i64 = 1_800_000_000_000;

/// Runs the body once per backend against a fresh, migrated database.
macro_rules! on_both_backends {
    ($name:ident, |$store:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn run($store: SqlStore) $body

            #[tokio::test]
            async fn sqlite() {
                with_store(Backend::Sqlite, run).await;
            }

            #[tokio::test]
            async fn postgres() {
                with_store(Backend::Postgres, run).await;
            }
        }
    };
}

async fn with_store<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(SqlStore) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Some(db) = TestDatabase::fresh(backend).await else {
        return;
    };
    let store = store::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    body(store.clone()).await;
    store.close().await;
    db.remove().await;
}

fn origin() -> Origin {
    Origin {
        ip: "203.0.113.9".into(),
        user_agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0".into(),
    }
}

fn new_user(email: &str) -> NewUser {
    NewUser {
        email: email.into(),
        display_name: "Ada <b>&".into(),
        password_hash: PasswordHash::from_stored(
            "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA".into(),
        ),
        locale: Locale::ZhCn,
        role: Role::Customer,
        created_at: T0,
    }
}

/// A fresh account whose verification token has this hash and deadline.
async fn user_with_token(
    store: &SqlStore,
    email: &str,
    token_hash: &str,
    expires_at: i64,
) -> UserId {
    store
        .create_user(
            new_user(email),
            token(token_hash, expires_at),
            Effects::default(),
        )
        .await
        .unwrap()
}

fn token(hash: &str, expires_at: i64) -> NewToken {
    NewToken {
        purpose: TokenPurpose::VerifyEmail,
        hash: hash.into(),
        expires_at,
    }
}

fn mail(to: &str) -> NewMail {
    NewMail {
        to: to.into(),
        subject: "s".into(),
        body_text: "b".into(),
    }
}

on_both_backends!(users_round_trip_and_emails_are_unique, |store| {
    let effects = Effects::activity(ActivityKind::Registered, &origin(), T0)
        .with_mail(mail("ada@example.com"));
    let id = store
        .create_user(new_user("ada@example.com"), token("t1", T0 + 1000), effects)
        .await
        .unwrap();
    let user = store
        .find_user_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.id, id);
    assert_eq!(user.display_name, "Ada <b>&");
    assert_eq!(user.locale, Locale::ZhCn);
    assert_eq!(user.roles, vec![Role::Customer]);
    assert_eq!(user.email_verified_at, None);
    assert!(store.find_user(UserId(id.0 + 100)).await.unwrap().is_none());

    let again = store
        .create_user(
            new_user("ada@example.com"),
            token("t2", T0),
            Effects::default(),
        )
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict { field: "email" })),
        "{again:?}"
    );
    // The refused registration left nothing behind.
    assert!(store.claim_mail(T0, T0 + 1).await.unwrap().is_some());
    assert!(store.claim_mail(T0, T0 + 1).await.unwrap().is_none());
});

on_both_backends!(verification_tokens_work_once_and_expire, |store| {
    let id = user_with_token(&store, "ada@example.com", "live", T0 + 1000).await;
    let verified = Effects::activity(ActivityKind::EmailVerified, &origin(), T0);
    assert_eq!(
        store
            .verify_email("unknown", T0, verified.clone())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .verify_email("live", T0 + 1000, verified.clone())
            .await
            .unwrap(),
        None,
        "expired at its deadline"
    );
    assert_eq!(
        store
            .verify_email("live", T0, verified.clone())
            .await
            .unwrap(),
        Some(id)
    );
    assert_eq!(
        store
            .verify_email("live", T0, verified.clone())
            .await
            .unwrap(),
        None,
        "single use"
    );
    assert_eq!(
        store
            .find_user(id)
            .await
            .unwrap()
            .unwrap()
            .email_verified_at,
        Some(T0)
    );

    store
        .replace_token(id, token("second", T0 + 5000), Effects::default())
        .await
        .unwrap();
    store
        .replace_token(id, token("third", T0 + 5000), Effects::default())
        .await
        .unwrap();
    assert_eq!(
        store
            .verify_email("second", T0, verified.clone())
            .await
            .unwrap(),
        None,
        "replaced tokens are void"
    );
    assert_eq!(
        store.verify_email("third", T0, verified).await.unwrap(),
        Some(id)
    );
});

on_both_backends!(sessions_and_activity, |store| {
    let id = user_with_token(&store, "ada@example.com", "t", T0).await;
    let session = NewSession {
        user_id: id,
        token_hash: "s1".into(),
        origin: origin(),
        created_at: T0,
    };
    store
        .create_session(
            session,
            Effects::activity(ActivityKind::SignedIn, &origin(), T0),
        )
        .await
        .unwrap();
    let found = store.find_session("s1").await.unwrap().unwrap();
    assert_eq!(
        (found.user_id, found.created_at, found.last_seen_at),
        (id, T0, T0)
    );
    store.touch_session(found.id, T0 + 60_000).await.unwrap();
    store.touch_session(found.id, T0 + 1).await.unwrap();
    assert_eq!(
        store
            .find_session("s1")
            .await
            .unwrap()
            .unwrap()
            .last_seen_at,
        T0 + 60_000,
        "never moves back"
    );

    let signed_out = Effects::activity(ActivityKind::SignedOut, &origin(), T0 + 70_000);
    assert_eq!(
        store
            .delete_session("s1", signed_out.clone())
            .await
            .unwrap(),
        Some(id)
    );
    assert_eq!(store.delete_session("s1", signed_out).await.unwrap(), None);
    assert!(store.find_session("s1").await.unwrap().is_none());

    let kinds: Vec<_> = store
        .list_activity(id, None, 10)
        .await
        .unwrap()
        .iter()
        .map(|a| a.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![ActivityKind::SignedOut, ActivityKind::SignedIn],
        "newest first, once each"
    );
});

on_both_backends!(activity_pages_by_keyset_and_stays_private, |store| {
    let ada = user_with_token(&store, "ada@example.com", "a", T0).await;
    let bob = user_with_token(&store, "bob@example.com", "b", T0).await;
    for i in 0..5 {
        store
            .record(
                ada,
                Effects::activity(ActivityKind::SignInFailed, &origin(), T0 + i),
            )
            .await
            .unwrap();
    }
    store
        .record(
            bob,
            Effects::activity(ActivityKind::SignedIn, &origin(), T0),
        )
        .await
        .unwrap();
    let first = store.list_activity(ada, None, 3).await.unwrap();
    assert_eq!(
        first.iter().map(|a| a.at_ms).collect::<Vec<_>>(),
        vec![T0 + 4, T0 + 3, T0 + 2]
    );
    let second = store
        .list_activity(ada, Some(first[2].id), 3)
        .await
        .unwrap();
    assert_eq!(
        second.iter().map(|a| a.at_ms).collect::<Vec<_>>(),
        vec![T0 + 1, T0]
    );
    assert_eq!(store.list_activity(bob, None, 10).await.unwrap().len(), 1);
    assert_eq!(first[0].origin, origin());
});

on_both_backends!(flash_is_read_once_and_expires, |store| {
    store
        .put_flash("f1", "{\"email\":\"a\"}", T0 + 100)
        .await
        .unwrap();
    store.put_flash("f2", "old", T0).await.unwrap();
    assert_eq!(
        store.take_flash("f1", T0).await.unwrap().as_deref(),
        Some("{\"email\":\"a\"}")
    );
    assert_eq!(store.take_flash("f1", T0).await.unwrap(), None);
    assert_eq!(store.take_flash("f2", T0).await.unwrap(), None);
});

on_both_backends!(rate_limit_counts_per_key_and_window, |store| {
    for expected in 1..=3 {
        assert_eq!(store.count_hit("k", T0, T0).await.unwrap(), expected);
    }
    assert_eq!(store.count_hit("other", T0, T0).await.unwrap(), 1);
    assert_eq!(
        store
            .count_hit("k", T0 + 60_000, T0 + 60_000)
            .await
            .unwrap(),
        1
    );
});

on_both_backends!(mail_queue_leases_retries_and_gives_up, |store| {
    let id = user_with_token(&store, "ada@example.com", "t", T0).await;
    store
        .record(
            id,
            Effects {
                mail: vec![mail("one@example.com"), mail("two@example.com")],
                ..Effects::default()
            },
        )
        .await
        .unwrap();
    let first = store.claim_mail(T0, T0 + 60_000).await.unwrap().unwrap();
    assert_eq!((first.to.as_str(), first.attempts), ("one@example.com", 1));
    let second = store.claim_mail(T0, T0 + 60_000).await.unwrap().unwrap();
    assert_eq!(
        second.to, "two@example.com",
        "a leased message is not handed out twice"
    );
    assert!(store.claim_mail(T0, T0 + 60_000).await.unwrap().is_none());

    store.mark_mail_sent(first.id, T0).await.unwrap();
    store
        .mark_mail_failed(second.id, Some(T0 + 30_000), "421 try later")
        .await
        .unwrap();
    assert!(
        store
            .claim_mail(T0 + 29_999, T0 + 90_000)
            .await
            .unwrap()
            .is_none(),
        "not before its retry time"
    );
    let retried = store
        .claim_mail(T0 + 30_000, T0 + 90_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((retried.id, retried.attempts), (second.id, 2));
    store
        .mark_mail_failed(retried.id, None, "550 no such user")
        .await
        .unwrap();
    assert!(
        store
            .claim_mail(T0 + 10_000_000, T0 + 10_060_000)
            .await
            .unwrap()
            .is_none(),
        "given up"
    );
    // An expired lease (a crashed worker) is taken over.
    store
        .record(
            id,
            Effects {
                mail: vec![mail("three@example.com")],
                ..Effects::default()
            },
        )
        .await
        .unwrap();
    assert!(store.claim_mail(T0, T0 + 60_000).await.unwrap().is_some());
    assert!(store
        .claim_mail(T0 + 60_001, T0 + 120_000)
        .await
        .unwrap()
        .is_some());
});

on_both_backends!(purge_removes_only_what_expired, |store| {
    let id = user_with_token(&store, "ada@example.com", "t", T0 + 10).await;
    for (hash, at) in [("old", T0), ("new", T0 + 50)] {
        let session = NewSession {
            user_id: id,
            token_hash: hash.into(),
            origin: origin(),
            created_at: at,
        };
        store
            .create_session(session, Effects::default())
            .await
            .unwrap();
    }
    store.purge_expired(T0 + 20, T0 + 10, T0).await.unwrap();
    assert!(store.find_session("old").await.unwrap().is_none());
    assert!(store.find_session("new").await.unwrap().is_some());
    assert_eq!(
        store
            .verify_email("t", T0, Effects::default())
            .await
            .unwrap(),
        None
    );
    store.ping().await.unwrap();
});

fn accounts(store: SqlStore, clock: Arc<ManualClock>) -> Accounts {
    let policy = Policy {
        argon2: Argon2Params {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        },
        resend_per_account: RateLimit {
            max: 2,
            window_secs: 3600,
        },
        ..Policy::default()
    };
    Accounts::new(
        Arc::new(store),
        clock,
        ServerKey::generate(),
        policy,
        "http://localhost:3000/",
    )
    .unwrap()
}

fn form<'a>(email: &'a str, password: &'a str) -> RegistrationForm<'a> {
    RegistrationForm {
        email,
        display_name: "Ada Lovelace",
        password,
        locale: Locale::En,
    }
}

const GOOD: &str = "Tangerine-Kayak-Violet-72";

/// The token in the newest queued verification mail.
async fn mailed_token(store: &SqlStore, now: i64) -> (String, String) {
    let mail = store
        .claim_mail(now, now + 1)
        .await
        .unwrap()
        .expect("a mail was queued");
    let token = mail
        .body_text
        .split("token=")
        .nth(1)
        .map(|rest| rest.split_whitespace().next().unwrap().to_owned());
    (mail.to, token.unwrap_or_default())
}

on_both_backends!(journey_register_verify_sign_in_out, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = accounts(store.clone(), clock.clone());
    accounts
        .register(form("Ada@Example.com", GOOD), &origin())
        .await
        .unwrap();
    let (to, token) = mailed_token(&store, T0).await;
    assert_eq!(to, "ada@example.com");

    let wrong = accounts
        .sign_in("ada@example.com", "Wrong-Password-1", &origin())
        .await;
    assert!(matches!(wrong, Err(ServiceError::InvalidCredentials)));
    let unknown = accounts
        .sign_in("nobody@example.com", GOOD, &origin())
        .await;
    assert!(
        matches!(unknown, Err(ServiceError::InvalidCredentials)),
        "same error as a wrong password"
    );

    let signed_in = accounts
        .sign_in("ADA@example.com", GOOD, &origin())
        .await
        .unwrap();
    let user = accounts
        .current_user(&signed_in.session_token)
        .await
        .unwrap()
        .unwrap();
    assert!(!user.email_verified);
    assert!(matches!(
        accounts.verify_email("not-a-token", &origin()).await,
        Err(ServiceError::TokenInvalid)
    ));
    accounts.verify_email(&token, &origin()).await.unwrap();
    assert!(matches!(
        accounts.verify_email(&token, &origin()).await,
        Err(ServiceError::TokenInvalid)
    ));
    assert!(
        accounts
            .current_user(&signed_in.session_token)
            .await
            .unwrap()
            .unwrap()
            .email_verified
    );

    let second = accounts
        .sign_in("ada@example.com", GOOD, &origin())
        .await
        .unwrap();
    assert_ne!(
        second.session_token, signed_in.session_token,
        "a new token at every sign-in"
    );
    accounts
        .sign_out(&signed_in.session_token, &origin())
        .await
        .unwrap();
    assert!(accounts
        .current_user(&signed_in.session_token)
        .await
        .unwrap()
        .is_none());
    assert!(accounts
        .current_user(&second.session_token)
        .await
        .unwrap()
        .is_some());

    let kinds: Vec<_> = accounts
        .activity(&user, None, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.kind)
        .collect();
    use ActivityKind::*;
    assert_eq!(
        kinds,
        vec![
            SignedOut,
            SignedIn,
            EmailVerified,
            SignedIn,
            SignInFailed,
            Registered
        ]
    );
});

on_both_backends!(
    registering_a_taken_address_answers_alike_and_mails_the_owner,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let accounts = accounts(store.clone(), clock);
        accounts
            .register(form("ada@example.com", GOOD), &origin())
            .await
            .unwrap();
        let _ = mailed_token(&store, T0).await;
        accounts
            .register(form("ADA@example.com", "Another-Strong-Pass-93"), &origin())
            .await
            .unwrap();
        let mail = store.claim_mail(T0, T0 + 1).await.unwrap().unwrap();
        assert_eq!(mail.to, "ada@example.com");
        assert!(
            mail.body_text.contains("already have"),
            "{}",
            mail.body_text
        );
        assert!(!mail.body_text.contains("token="));
        // The original password still works; nothing changed.
        accounts
            .sign_in("ada@example.com", GOOD, &origin())
            .await
            .unwrap();
    }
);

on_both_backends!(registration_reports_every_broken_rule, |store| {
    let accounts = accounts(store, Arc::new(ManualClock::at(T0)));
    let Err(ServiceError::Validation(issues)) = accounts
        .register(
            RegistrationForm {
                email: "nope",
                display_name: " ",
                password: "Password123!",
                locale: Locale::En,
            },
            &origin(),
        )
        .await
    else {
        panic!("expected validation errors")
    };
    let codes: Vec<_> = issues
        .iter()
        .map(|i| format!("{}:{}", i.field, i.code))
        .collect();
    assert_eq!(
        codes,
        vec![
            "email:email.invalid",
            "display_name:name.required",
            "password:password.too_common"
        ]
    );
});

on_both_backends!(
    sessions_expire_when_idle_and_at_the_absolute_limit,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let accounts = accounts(store.clone(), clock.clone());
        accounts
            .register(form("ada@example.com", GOOD), &origin())
            .await
            .unwrap();
        let idle = accounts
            .sign_in("ada@example.com", GOOD, &origin())
            .await
            .unwrap();
        let busy = accounts
            .sign_in("ada@example.com", GOOD, &origin())
            .await
            .unwrap();
        for _ in 0..(12 * 60 / 20) - 1 {
            clock.advance_secs(20 * 60);
            assert!(accounts
                .current_user(&busy.session_token)
                .await
                .unwrap()
                .is_some());
        }
        assert!(
            accounts
                .current_user(&idle.session_token)
                .await
                .unwrap()
                .is_none(),
            "idle for over 30 minutes"
        );
        clock.advance_secs(20 * 60);
        assert!(
            accounts
                .current_user(&busy.session_token)
                .await
                .unwrap()
                .is_none(),
            "past 12 hours"
        );
    }
);

on_both_backends!(
    resending_verification_voids_old_links_and_is_limited,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let accounts = accounts(store.clone(), clock);
        accounts
            .register(form("ada@example.com", GOOD), &origin())
            .await
            .unwrap();
        let (_, first) = mailed_token(&store, T0).await;
        let signed_in = accounts
            .sign_in("ada@example.com", GOOD, &origin())
            .await
            .unwrap();
        let user: CurrentUser = accounts
            .current_user(&signed_in.session_token)
            .await
            .unwrap()
            .unwrap();
        accounts
            .resend_verification(&user, &origin())
            .await
            .unwrap();
        let (_, second) = mailed_token(&store, T0).await;
        accounts
            .resend_verification(&user, &origin())
            .await
            .unwrap();
        let (_, third) = mailed_token(&store, T0).await;
        assert!(matches!(
            accounts.resend_verification(&user, &origin()).await,
            Err(ServiceError::RateLimited { .. })
        ));
        assert!(matches!(
            accounts.verify_email(&first, &origin()).await,
            Err(ServiceError::TokenInvalid)
        ));
        assert!(matches!(
            accounts.verify_email(&second, &origin()).await,
            Err(ServiceError::TokenInvalid)
        ));
        accounts.verify_email(&third, &origin()).await.unwrap();
    }
);

on_both_backends!(verification_links_expire_after_a_day, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = accounts(store.clone(), clock.clone());
    accounts
        .register(form("ada@example.com", GOOD), &origin())
        .await
        .unwrap();
    let (_, token) = mailed_token(&store, T0).await;
    clock.advance_secs(24 * 60 * 60);
    assert!(matches!(
        accounts.verify_email(&token, &origin()).await,
        Err(ServiceError::TokenInvalid)
    ));
});

on_both_backends!(
    reset_tokens_set_the_password_once_and_end_every_session,
    |store| {
        let id = store
            .create_user(
                new_user("ada@example.com"),
                token("verify", T0 + 1000),
                Effects::default(),
            )
            .await
            .unwrap();
        let reset = NewToken {
            purpose: TokenPurpose::ResetPassword,
            hash: "reset".into(),
            expires_at: T0 + 1000,
        };
        store
            .replace_token(id, reset, Effects::default())
            .await
            .unwrap();
        for hash in ["s1", "s2"] {
            let session = NewSession {
                user_id: id,
                token_hash: hash.into(),
                origin: origin(),
                created_at: T0,
            };
            store
                .create_session(session, Effects::default())
                .await
                .unwrap();
        }
        assert_eq!(
            store
                .peek_token(TokenPurpose::ResetPassword, "reset", T0)
                .await
                .unwrap(),
            Some(id)
        );
        assert_eq!(
            store
                .peek_token(TokenPurpose::VerifyEmail, "reset", T0)
                .await
                .unwrap(),
            None,
            "purposes do not mix"
        );
        assert_eq!(
            store
                .peek_token(TokenPurpose::ResetPassword, "reset", T0 + 1000)
                .await
                .unwrap(),
            None,
            "expired"
        );

        let new_hash = PasswordHash::from_stored("$argon2id$new".into());
        let effects = Effects::activity(ActivityKind::PasswordReset, &origin(), T0)
            .with_mail(mail("ada@example.com"));
        assert_eq!(
            store
                .reset_password("verify", T0, &new_hash, effects.clone())
                .await
                .unwrap(),
            None,
            "a verify token cannot reset"
        );
        assert_eq!(
            store
                .reset_password("reset", T0 + 1000, &new_hash, effects.clone())
                .await
                .unwrap(),
            None,
            "expired"
        );
        assert_eq!(
            store
                .reset_password("reset", T0, &new_hash, effects.clone())
                .await
                .unwrap(),
            Some(id)
        );
        assert_eq!(
            store
                .reset_password("reset", T0, &new_hash, effects)
                .await
                .unwrap(),
            None,
            "single use"
        );

        let user = store.find_user(id).await.unwrap().unwrap();
        assert_eq!(user.password_hash, new_hash);
        assert_eq!(
            user.email_verified_at,
            Some(T0),
            "the mail proved control of the address"
        );
        assert!(
            store.find_session("s1").await.unwrap().is_none()
                && store.find_session("s2").await.unwrap().is_none()
        );
        let kinds: Vec<_> = store
            .list_activity(id, None, 10)
            .await
            .unwrap()
            .iter()
            .map(|a| a.kind)
            .collect();
        assert_eq!(kinds, vec![ActivityKind::PasswordReset]);
    }
);

/// The token in the newest queued mail to `to`, waiting for background work.
async fn mailed_reset_token(store: &SqlStore, now: i64) -> String {
    for _ in 0..100 {
        if let Some(mail) = store.claim_mail(now, now + 1).await.unwrap() {
            let token = mail
                .body_text
                .split("token=")
                .nth(1)
                .unwrap()
                .split_whitespace()
                .next()
                .unwrap()
                .to_owned();
            return token;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no reset mail was queued");
}

on_both_backends!(password_recovery_use_case, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = Arc::new(accounts(store.clone(), clock.clone()));
    accounts
        .register(form("ada@example.com", GOOD), &origin())
        .await
        .unwrap();
    let _verification = mailed_token(&store, T0).await;
    let session = accounts
        .sign_in("ada@example.com", GOOD, &origin())
        .await
        .unwrap();

    accounts
        .request_password_reset("nobody@example.com", &origin())
        .await
        .unwrap();
    accounts
        .request_password_reset("ADA@example.com", &origin())
        .await
        .unwrap();
    let first = mailed_reset_token(&store, T0).await;
    accounts
        .request_password_reset("ada@example.com", &origin())
        .await
        .unwrap();
    let second = mailed_reset_token(&store, T0).await;
    assert!(
        store.claim_mail(T0, T0 + 1).await.unwrap().is_none(),
        "no mail for an unknown address"
    );
    let limited_unknown = {
        for _ in 0..2 {
            accounts
                .request_password_reset("nobody@example.com", &origin())
                .await
                .unwrap();
        }
        accounts
            .request_password_reset("nobody@example.com", &origin())
            .await
    };
    assert!(
        matches!(limited_unknown, Err(ServiceError::RateLimited { .. })),
        "unknown addresses are limited alike"
    );

    let new_password = "Violet-Harbour-Lantern-58";
    let stale = accounts
        .reset_password(&first, new_password, new_password, &origin())
        .await;
    assert!(
        matches!(stale, Err(ServiceError::TokenInvalid)),
        "asking again voids earlier links"
    );
    let Err(ServiceError::Validation(issues)) = accounts
        .reset_password(&second, "weak", "other", &origin())
        .await
    else {
        panic!("the policy applies");
    };
    let codes: Vec<_> = issues.iter().map(|i| i.code.as_str()).collect();
    assert!(
        codes.contains(&"password.too_short") && codes.contains(&"password.mismatch"),
        "{codes:?}"
    );
    accounts
        .reset_password(&second, new_password, new_password, &origin())
        .await
        .expect("a refused password leaves the link usable");
    let changed = store.claim_mail(T0, T0 + 1).await.unwrap().unwrap();
    assert!(
        changed.subject.contains("password was changed"),
        "{}",
        changed.subject
    );

    assert!(
        accounts
            .current_user(&session.session_token)
            .await
            .unwrap()
            .is_none(),
        "every session ended"
    );
    assert!(matches!(
        accounts.sign_in("ada@example.com", GOOD, &origin()).await,
        Err(ServiceError::InvalidCredentials)
    ));
    accounts
        .sign_in("ada@example.com", new_password, &origin())
        .await
        .unwrap();
    let reuse = accounts
        .reset_password(
            &second,
            "Another-Fresh-Pass-77",
            "Another-Fresh-Pass-77",
            &origin(),
        )
        .await;
    assert!(matches!(reuse, Err(ServiceError::TokenInvalid)));

    accounts
        .request_password_reset("ada@example.com", &origin())
        .await
        .unwrap();
    let limited = accounts
        .request_password_reset("ada@example.com", &origin())
        .await;
    assert!(
        matches!(limited, Err(ServiceError::RateLimited { .. })),
        "three per address per hour"
    );
});

on_both_backends!(reset_links_expire_after_thirty_minutes, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = Arc::new(accounts(store.clone(), clock.clone()));
    accounts
        .register(form("ada@example.com", GOOD), &origin())
        .await
        .unwrap();
    let _verification = mailed_token(&store, T0).await;
    accounts
        .request_password_reset("ada@example.com", &origin())
        .await
        .unwrap();
    let token = mailed_reset_token(&store, T0).await;
    clock.advance_secs(30 * 60);
    let late = accounts
        .reset_password(
            &token,
            "Violet-Harbour-Lantern-58",
            "Violet-Harbour-Lantern-58",
            &origin(),
        )
        .await;
    assert!(matches!(late, Err(ServiceError::TokenInvalid)));
    assert!(matches!(
        accounts
            .reset_password("garbage", "x", "x", &origin())
            .await,
        Err(ServiceError::TokenInvalid)
    ));
});
