//! One contract suite for the storage ports, run on SQLite and on PostgreSQL,
//! plus the use cases of `service` on top of the real storage.

use std::sync::Arc;

use domain::{ActivityKind, Locale, UserId};
use service::accounts::{
    AfterConfirmation, CurrentUser, RegistrationForm, SignInOutcome, SignedIn,
};
use service::config::{Argon2Params, RateLimit};
use service::error::StoreError;
use service::password::PasswordHash;
use service::ports::*;
use service::{Accounts, Clock, ManualClock, Policy, ServerKey, ServiceError};
use store::testing::TestDatabase;
use store::{Backend, SqlStore};

mod support {
    pub mod recording;
    pub mod soft_passkey;
}
use support::soft_passkey::SoftPasskey;

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

/// The session a sign-in without a second factor opens.
trait Session {
    fn session(self) -> SignedIn;
}

impl Session for SignInOutcome {
    fn session(self) -> SignedIn {
        match self {
            SignInOutcome::SignedIn(signed_in) => signed_in,
            other => panic!("expected a session, got {other:?}"),
        }
    }
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
        email_verified_at: None,
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
    token_for(TokenPurpose::VerifyEmail, hash, expires_at)
}

fn token_for(purpose: TokenPurpose, hash: &str, expires_at: i64) -> NewToken {
    NewToken {
        purpose,
        hash: hash.into(),
        expires_at,
        payload: None,
        replaces_earlier: true,
    }
}

/// What confirming an address does in one transaction.
async fn verify(
    store: &SqlStore,
    hash: &str,
    now: i64,
    effects: Effects,
) -> StoreResult<Option<UserId>> {
    let changes = [AccountChange::MarkEmailVerified];
    store
        .redeem_token(TokenPurpose::VerifyEmail, hash, now, &changes, effects)
        .await
}

/// What a password reset does in one transaction.
async fn reset(
    store: &SqlStore,
    hash: &str,
    now: i64,
    new_hash: &PasswordHash,
    effects: Effects,
) -> StoreResult<Option<UserId>> {
    let changes = [
        AccountChange::SetPassword {
            hash: new_hash.clone(),
            keep_history: 4,
        },
        AccountChange::MarkEmailVerified,
        AccountChange::EndSessions { except: None },
    ];
    store
        .redeem_token(TokenPurpose::ResetPassword, hash, now, &changes, effects)
        .await
}

/// What a reset form submits, removing no passkey.
fn reset_form<'a>(
    token: &'a str,
    password: &'a str,
    confirmation: &'a str,
    second_factor: &'a str,
) -> service::accounts::ResetForm<'a> {
    service::accounts::ResetForm {
        token,
        password,
        confirmation,
        second_factor,
        remove_passkeys: &[],
        passkey: None,
    }
}

fn password_change<'a>(
    current: &'a str,
    password: &'a str,
    confirmation: &'a str,
) -> service::security::PasswordChange<'a> {
    service::security::PasswordChange {
        current,
        password,
        confirmation,
    }
}

/// A session for the account, from the browser with this device hash.
fn session(user: UserId, hash: &str, now: i64) -> NewSession {
    NewSession {
        user_id: user,
        token_hash: hash.into(),
        origin: origin(),
        created_at: now,
        device_hash: format!("device-of-{hash}"),
        failure_key: String::new(),
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
    assert!(user.roles.is_empty(), "a customer holds no role");
    assert_eq!(user.disabled_at, None);
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
        verify(&store, "unknown", T0, verified.clone())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        verify(&store, "live", T0 + 1000, verified.clone())
            .await
            .unwrap(),
        None,
        "expired at its deadline"
    );
    assert_eq!(
        verify(&store, "live", T0, verified.clone()).await.unwrap(),
        Some(id)
    );
    assert_eq!(
        verify(&store, "live", T0, verified.clone()).await.unwrap(),
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
        verify(&store, "second", T0, verified.clone())
            .await
            .unwrap(),
        None,
        "replaced tokens are void"
    );
    assert_eq!(
        verify(&store, "third", T0, verified).await.unwrap(),
        Some(id)
    );
});

on_both_backends!(sessions_and_activity, |store| {
    let id = user_with_token(&store, "ada@example.com", "t", T0).await;
    store
        .create_session(
            session(id, "s1", T0),
            Effects::activity(ActivityKind::SignedIn, &origin(), T0),
        )
        .await
        .unwrap();
    let (found, account) = store.find_session("s1").await.unwrap().unwrap();
    assert_eq!(account.id, id, "the session comes with its account");
    assert_eq!(
        (found.user_id, found.created_at, found.last_seen_at),
        (id, T0, T0)
    );
    store
        .touch_session(found.id, T0 + 60_000, "198.51.100.4")
        .await
        .unwrap();
    store
        .touch_session(found.id, T0 + 1, "198.51.100.5")
        .await
        .unwrap();
    assert_eq!(
        store
            .find_session("s1")
            .await
            .unwrap()
            .unwrap()
            .0
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
        .list_activity(id, &[], None, 10)
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
    let first = store.list_activity(ada, &[], None, 3).await.unwrap();
    assert_eq!(
        first.iter().map(|a| a.at_ms).collect::<Vec<_>>(),
        vec![T0 + 4, T0 + 3, T0 + 2]
    );
    let second = store
        .list_activity(ada, &[], Some(first[2].id), 3)
        .await
        .unwrap();
    assert_eq!(
        second.iter().map(|a| a.at_ms).collect::<Vec<_>>(),
        vec![T0 + 1, T0]
    );
    assert_eq!(
        store.list_activity(bob, &[], None, 10).await.unwrap().len(),
        1
    );
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
        store
            .create_session(session(id, hash, at), Effects::default())
            .await
            .unwrap();
    }
    store.purge_expired(T0 + 20, T0 + 10, T0, T0).await.unwrap();
    assert!(store.find_session("old").await.unwrap().is_none());
    assert!(store.find_session("new").await.unwrap().is_some());
    let fate = |at: i64| {
        let store = store.clone();
        async move {
            store
                .inspect_token(TokenPurpose::VerifyEmail, "t", at)
                .await
                .unwrap()
                .map(|t| t.fate)
        }
    };
    assert_eq!(
        fate(T0 + 20).await,
        Some(TokenFate::Expired),
        "an expired link is remembered a while, so its page can say why it is dead"
    );
    let month_later = T0 + 31 * 24 * 60 * 60 * 1000;
    store.purge_expired(month_later, T0, T0, T0).await.unwrap();
    assert_eq!(fate(month_later).await, None, "then forgotten");
    store.ping().await.unwrap();
});

on_both_backends!(spent_links_are_told_apart, |store| {
    let id = user_with_token(&store, "ada@example.com", "first", T0 + 60_000).await;
    assert_eq!(
        store
            .inspect_token(TokenPurpose::VerifyEmail, "first", T0)
            .await
            .unwrap()
            .map(|t| (t.user_id, t.fate)),
        Some((id, TokenFate::Live))
    );
    store
        .replace_token(id, token("second", T0 + 60_000), Effects::default())
        .await
        .unwrap();
    assert_eq!(
        verify(&store, "second", T0, Effects::default())
            .await
            .unwrap(),
        Some(id)
    );
    let fate = |hash: &'static str| {
        let store = store.clone();
        async move {
            store
                .inspect_token(TokenPurpose::VerifyEmail, hash, T0)
                .await
                .unwrap()
                .map(|t| t.fate)
        }
    };
    assert_eq!(fate("first").await, Some(TokenFate::Voided));
    assert_eq!(fate("second").await, Some(TokenFate::Used));
    assert_eq!(fate("never").await, None);
    assert_eq!(
        verify(&store, "first", T0, Effects::default())
            .await
            .unwrap(),
        None,
        "a voided link stays dead"
    );
    assert!(store
        .peek_token(TokenPurpose::VerifyEmail, "second", T0)
        .await
        .unwrap()
        .is_none());
});

on_both_backends!(a_repeat_within_the_window_is_noticed, |store| {
    assert!(!store.seen_since("k", T0 - 10_000).await.unwrap());
    assert!(store.note_request("k", T0 - 10_000, T0).await.unwrap());
    assert!(store.seen_since("k", T0 - 10_000).await.unwrap());
    assert!(
        !store
            .note_request("k", T0 + 5_000 - 10_000, T0 + 5_000)
            .await
            .unwrap(),
        "a repeat 5 s later"
    );
    assert!(
        store
            .note_request("k", T0 + 11_000 - 10_000, T0 + 11_000)
            .await
            .unwrap(),
        "the window counts from the first, not the repeat"
    );
    assert!(store.note_request("other", T0 - 10_000, T0).await.unwrap());
});

fn accounts(store: SqlStore, clock: Arc<ManualClock>) -> Accounts {
    accounts_on(Arc::new(store), clock)
}

/// [`accounts`] on any repository, such as one that notes its calls.
fn accounts_on(repository: Arc<dyn Repository>, clock: Arc<ManualClock>) -> Accounts {
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
        // These tests repeat requests at one frozen instant on purpose (the
        // limits, the voiding of earlier links); the HTTP tests cover the
        // double tap.
        repeat_window_secs: 0,
        ..Policy::default()
    };
    Accounts::new(
        repository,
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

/// Registers ada@example.com as the registration form does, returning the
/// browser's note key and the mailed verification token.
async fn register_noted(accounts: &Accounts, store: &SqlStore) -> (String, String) {
    let registration = form("ada@example.com", GOOD);
    let created = accounts
        .register(registration.clone(), &origin())
        .await
        .unwrap();
    let note = accounts
        .note_registration(&registration, created)
        .await
        .unwrap();
    let (_, token) = mailed_token(store, T0).await;
    (note, token)
}

on_both_backends!(
    confirming_in_the_registering_browser_continues_into_the_account,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let accounts = accounts(store.clone(), clock.clone());
        let (note, token) = register_noted(&accounts, &store).await;
        // Someone registering the same address gets a note too, and the same
        // page; that note never leads into the account.
        clock.advance_secs(60);
        let again = form("ada@example.com", "Another-Strong-Pass-93");
        let repeated = accounts.register(again.clone(), &origin()).await.unwrap();
        let strangers_note = accounts.note_registration(&again, repeated).await.unwrap();

        let id = accounts.verify_email(&token, &origin()).await.unwrap();
        let after = |note: String| {
            let accounts = &accounts;
            async move {
                accounts
                    .after_confirmation(&note, id, None, &origin())
                    .await
                    .unwrap()
            }
        };
        assert!(
            matches!(after(strangers_note).await, AfterConfirmation::SignInAs(_)),
            "a note of an address that had an account never leads in"
        );
        let AfterConfirmation::SignedIn(signed_in) = after(note.clone()).await else {
            panic!("the browser that created the account continues into it");
        };
        let me = account_of(&accounts, &signed_in.session_token).await;
        assert!(me.email_verified);
        assert!(
            matches!(after(note).await, AfterConfirmation::SignIn),
            "the note leads in once"
        );
    }
);

on_both_backends!(a_paused_sign_in_is_not_skipped_by_confirming, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = accounts(store.clone(), clock.clone());
    let (note, token) = register_noted(&accounts, &store).await;
    for _ in 0..3 {
        let guess = accounts
            .sign_in("ada@example.com", "Wrong-Password-1", None, &origin())
            .await;
        assert!(guess.is_err());
    }

    let id = accounts.verify_email(&token, &origin()).await.unwrap();
    let after = accounts
        .after_confirmation(&note, id, None, &origin())
        .await
        .unwrap();
    assert!(
        matches!(after, AfterConfirmation::SignInAs(ref address) if address == "ada@example.com"),
        "the pause holds for this way in too; the sign-in form comes filled in instead"
    );
});

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
        .sign_in("ada@example.com", "Wrong-Password-1", None, &origin())
        .await;
    assert!(matches!(wrong, Err(ServiceError::InvalidCredentials)));
    let unknown = accounts
        .sign_in("nobody@example.com", GOOD, None, &origin())
        .await;
    assert!(
        matches!(unknown, Err(ServiceError::InvalidCredentials)),
        "same error as a wrong password"
    );

    let signed_in = accounts
        .sign_in("ADA@example.com", GOOD, None, &origin())
        .await
        .unwrap()
        .session();
    let user = accounts
        .current_user(&signed_in.session_token, &origin().ip)
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
            .current_user(&signed_in.session_token, &origin().ip)
            .await
            .unwrap()
            .unwrap()
            .email_verified
    );

    let second = accounts
        .sign_in("ada@example.com", GOOD, None, &origin())
        .await
        .unwrap()
        .session();
    assert_ne!(
        second.session_token, signed_in.session_token,
        "a new token at every sign-in"
    );
    accounts
        .sign_out(&signed_in.session_token, &origin())
        .await
        .unwrap();
    assert!(accounts
        .current_user(&signed_in.session_token, &origin().ip)
        .await
        .unwrap()
        .is_none());
    assert!(accounts
        .current_user(&second.session_token, &origin().ip)
        .await
        .unwrap()
        .is_some());

    let kinds = kinds_of(&accounts, &user, &[]).await;
    use ActivityKind::*;
    // The second sign-in came without the first one's device cookie.
    assert_eq!(
        kinds,
        vec![
            SignedOut,
            SignedInNewDevice,
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
            .sign_in("ada@example.com", GOOD, None, &origin())
            .await
            .unwrap()
            .session();
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
            .sign_in("ada@example.com", GOOD, None, &origin())
            .await
            .unwrap()
            .session();
        let busy = accounts
            .sign_in("ada@example.com", GOOD, None, &origin())
            .await
            .unwrap()
            .session();
        for _ in 0..(12 * 60 / 20) - 1 {
            clock.advance_secs(20 * 60);
            assert!(accounts
                .current_user(&busy.session_token, &origin().ip)
                .await
                .unwrap()
                .is_some());
        }
        assert!(
            accounts
                .current_user(&idle.session_token, &origin().ip)
                .await
                .unwrap()
                .is_none(),
            "idle for over 30 minutes"
        );
        clock.advance_secs(20 * 60);
        assert!(
            accounts
                .current_user(&busy.session_token, &origin().ip)
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
            .sign_in("ada@example.com", GOOD, None, &origin())
            .await
            .unwrap()
            .session();
        let user: CurrentUser = accounts
            .current_user(&signed_in.session_token, &origin().ip)
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
        store
            .replace_token(
                id,
                token_for(TokenPurpose::ResetPassword, "reset", T0 + 1000),
                Effects::default(),
            )
            .await
            .unwrap();
        for hash in ["s1", "s2"] {
            store
                .create_session(session(id, hash, T0), Effects::default())
                .await
                .unwrap();
        }
        assert_eq!(
            store
                .peek_token(TokenPurpose::ResetPassword, "reset", T0)
                .await
                .unwrap()
                .map(|t| t.user_id),
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
            reset(&store, "verify", T0, &new_hash, effects.clone())
                .await
                .unwrap(),
            None,
            "a verify token cannot reset"
        );
        assert_eq!(
            reset(&store, "reset", T0 + 1000, &new_hash, effects.clone())
                .await
                .unwrap(),
            None,
            "expired"
        );
        assert_eq!(
            reset(&store, "reset", T0, &new_hash, effects.clone())
                .await
                .unwrap(),
            Some(id)
        );
        assert_eq!(
            reset(&store, "reset", T0, &new_hash, effects)
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
            .list_activity(id, &[], None, 10)
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
        .sign_in("ada@example.com", GOOD, None, &origin())
        .await
        .unwrap()
        .session();

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
    assert!(
        accounts.reset_factors(&first).await.is_ok(),
        "asking again keeps the earlier link alive (a stranger's request must not void it)"
    );
    let Err(ServiceError::Validation(issues)) = accounts
        .reset_password(reset_form(&second, "weak", "other", ""), None, &origin())
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
        .reset_password(
            reset_form(&second, new_password, new_password, ""),
            None,
            &origin(),
        )
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
            .current_user(&session.session_token, &origin().ip)
            .await
            .unwrap()
            .is_none(),
        "every session ended"
    );
    assert!(matches!(
        accounts
            .sign_in("ada@example.com", GOOD, None, &origin())
            .await,
        Err(ServiceError::InvalidCredentials)
    ));
    accounts
        .sign_in("ada@example.com", new_password, None, &origin())
        .await
        .unwrap()
        .session();
    let reuse = accounts
        .reset_password(
            reset_form(
                &second,
                "Another-Fresh-Pass-77",
                "Another-Fresh-Pass-77",
                "",
            ),
            None,
            &origin(),
        )
        .await;
    assert!(matches!(reuse, Err(ServiceError::TokenInvalid)));
    assert!(
        matches!(
            accounts.reset_factors(&first).await,
            Err(ServiceError::TokenInvalid)
        ),
        "the new password voided the earlier link"
    );

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
            reset_form(
                &token,
                "Violet-Harbour-Lantern-58",
                "Violet-Harbour-Lantern-58",
                "",
            ),
            None,
            &origin(),
        )
        .await;
    assert!(matches!(late, Err(ServiceError::TokenInvalid)));
    assert!(matches!(
        accounts
            .reset_password(reset_form("garbage", "x", "x", ""), None, &origin())
            .await,
        Err(ServiceError::TokenInvalid)
    ));
});

/// The kinds of the account's newest events (of `filter`, unless empty).
async fn kinds_of(
    accounts: &Accounts,
    user: &CurrentUser,
    filter: &[ActivityKind],
) -> Vec<ActivityKind> {
    accounts
        .activity(user, filter, None, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.kind)
        .collect()
}

/// The signed-in account behind a session token, seen from 192.0.2.1.
async fn account_of(accounts: &Accounts, session_token: &str) -> CurrentUser {
    accounts
        .current_user(session_token, "192.0.2.1")
        .await
        .unwrap()
        .expect("a live session")
}

/// Every mail queued and due at `now`, oldest first, marked as sent.
async fn drain_mail(store: &SqlStore, now: i64) -> Vec<QueuedMail> {
    let mut all = Vec::new();
    while let Some(mail) = store.claim_mail(now, now + 1).await.unwrap() {
        store.mark_mail_sent(mail.id, now).await.unwrap();
        all.push(mail);
    }
    all
}

fn link_token(mail: &QueuedMail, path: &str) -> String {
    let marker = format!("{path}?token=");
    mail.body_text
        .split(&marker)
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no {path} link in {:?}", mail.subject))
        .to_owned()
}

/// A verified account whose first sign-in made `device` a known browser.
async fn known_account(accounts: &Accounts, store: &SqlStore, email: &str) -> (String, String) {
    accounts
        .register(form(email, GOOD), &origin())
        .await
        .unwrap();
    let (_, token) = mailed_token(store, T0).await;
    accounts.verify_email(&token, &origin()).await.unwrap();
    let first = accounts
        .sign_in(email, GOOD, None, &origin())
        .await
        .unwrap()
        .session();
    drain_mail(store, T0).await;
    (first.session_token, first.device_token)
}

const WRONG: &str = "Wrong-Password-123!";

on_both_backends!(lockout_stops_strangers_but_not_known_browsers, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = accounts(store.clone(), clock.clone());
    let (_, device) = known_account(&accounts, &store, "ada@example.com").await;

    for attempt in 1..=3 {
        let refused = accounts
            .sign_in("ada@example.com", WRONG, None, &origin())
            .await;
        if attempt < 3 {
            assert!(matches!(refused, Err(ServiceError::InvalidCredentials)));
        } else {
            assert!(
                matches!(refused, Err(ServiceError::SignInPaused { lock_secs: 900 })),
                "the failure that locks says the pause is on: {refused:?}"
            );
        }
    }
    let mails = drain_mail(&store, T0).await;
    assert_eq!(mails.len(), 1, "one mail per lock");
    assert!(
        mails[0].body_text.contains("203.0.113.9"),
        "the attempts are listed"
    );
    let unlock = link_token(&mails[0], "/unlock");

    let during_lock = accounts
        .sign_in("ada@example.com", GOOD, None, &origin())
        .await;
    assert!(
        matches!(during_lock, Err(ServiceError::SignInPaused { .. })),
        "the right password does not open a locked account; the answer says it is paused"
    );
    accounts
        .sign_in("ada@example.com", GOOD, Some(&device), &origin())
        .await
        .expect("a browser that signed in before is not locked out")
        .session();
    assert!(
        drain_mail(&store, T0).await.is_empty(),
        "no second lock mail"
    );

    clock.advance_secs(15 * 60);
    accounts
        .sign_in("ada@example.com", GOOD, None, &origin())
        .await
        .expect("the lock ends by itself")
        .session();

    for _ in 0..3 {
        let _ = accounts
            .sign_in("ada@example.com", WRONG, None, &origin())
            .await;
    }
    let now = clock.now_ms();
    let mails = drain_mail(&store, now).await;
    let relock = mails
        .iter()
        .find(|m| m.body_text.contains("/unlock?token="))
        .unwrap();
    assert!(
        matches!(
            accounts.unlock(&unlock, &origin()).await,
            Err(ServiceError::TokenInvalid)
        ),
        "an earlier lock's link is void"
    );
    accounts
        .unlock(&link_token(relock, "/unlock"), &origin())
        .await
        .unwrap();
    accounts
        .sign_in("ada@example.com", GOOD, None, &origin())
        .await
        .expect("unlocked by the owner")
        .session();

    let user = accounts
        .current_user(
            &accounts
                .sign_in("ada@example.com", GOOD, Some(&device), &origin())
                .await
                .unwrap()
                .session()
                .session_token,
            &origin().ip,
        )
        .await
        .unwrap()
        .unwrap();
    let kinds = kinds_of(
        &accounts,
        &user,
        &[ActivityKind::AccountLocked, ActivityKind::AccountUnlocked],
    )
    .await;
    assert_eq!(
        kinds,
        [
            ActivityKind::AccountUnlocked,
            ActivityKind::AccountLocked,
            ActivityKind::AccountLocked
        ],
        "the filter keeps only the asked kinds"
    );
});

on_both_backends!(known_browsers_keep_their_own_counter, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = accounts(store.clone(), clock.clone());
    let (_, device) = known_account(&accounts, &store, "ada@example.com").await;
    for _ in 0..3 {
        let _ = accounts
            .sign_in("ada@example.com", WRONG, Some(&device), &origin())
            .await;
    }
    assert!(
        accounts
            .sign_in("ada@example.com", GOOD, Some(&device), &origin())
            .await
            .is_err(),
        "a known browser locks after its own failures"
    );
    let stranger = accounts
        .sign_in("ada@example.com", GOOD, None, &origin())
        .await
        .unwrap()
        .session();
    let mails = drain_mail(&store, T0).await;
    assert!(
        mails.iter().any(|m| m.subject.contains("New sign-in")),
        "a stranger's sign-in is reported"
    );
    assert!(!stranger.device_token.is_empty());
});

on_both_backends!(new_device_alert_and_not_me_end_every_session, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = accounts(store.clone(), clock.clone());
    let (owner, device) = known_account(&accounts, &store, "ada@example.com").await;

    accounts
        .sign_in("ada@example.com", GOOD, Some(&device), &origin())
        .await
        .unwrap()
        .session();
    assert!(
        drain_mail(&store, T0).await.is_empty(),
        "a known browser is not reported"
    );

    let intruder = accounts
        .sign_in("ada@example.com", GOOD, None, &origin())
        .await
        .unwrap()
        .session();
    let mails = drain_mail(&store, T0).await;
    assert_eq!(mails.len(), 1);
    let not_me = link_token(&mails[0], "/not-me");
    let reset_token = accounts.report_not_me(&not_me, &origin()).await.unwrap();
    for token in [&owner, &intruder.session_token] {
        assert!(accounts
            .current_user(token, "203.0.113.9")
            .await
            .unwrap()
            .is_none());
    }
    assert!(matches!(
        accounts.report_not_me(&not_me, &origin()).await,
        Err(ServiceError::TokenInvalid)
    ));
    accounts
        .reset_password(
            reset_form(
                &reset_token,
                "Fresh-Lantern-Orbit-55",
                "Fresh-Lantern-Orbit-55",
                "",
            ),
            None,
            &origin(),
        )
        .await
        .expect("the not-me link leads straight to a new password");
    accounts
        .sign_in(
            "ada@example.com",
            "Fresh-Lantern-Orbit-55",
            Some(&device),
            &origin(),
        )
        .await
        .unwrap()
        .session();
    accounts
        .sign_in(
            "ada@example.com",
            "Fresh-Lantern-Orbit-55",
            Some(&intruder.device_token),
            &origin(),
        )
        .await
        .unwrap()
        .session();
    assert!(
        drain_mail(&store, T0)
            .await
            .iter()
            .any(|m| m.subject.contains("New sign-in")),
        "the intruder's browser was forgotten"
    );
});

on_both_backends!(sessions_can_be_listed_and_revoked, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = accounts(store.clone(), clock.clone());
    let (first, device) = known_account(&accounts, &store, "ada@example.com").await;
    let second = accounts
        .sign_in("ada@example.com", GOOD, Some(&device), &origin())
        .await
        .unwrap()
        .session();
    let third = accounts
        .sign_in("ada@example.com", GOOD, Some(&device), &origin())
        .await
        .unwrap()
        .session();
    let (bob, _) = known_account(&accounts, &store, "bob@example.com").await;
    let bob = account_of(&accounts, &bob).await;
    let me = account_of(&accounts, &first).await;

    let sessions = accounts.sessions(&me).await.unwrap();
    assert_eq!(sessions.len(), 3);
    let current = sessions.iter().find(|s| s.id == me.session_id).unwrap();
    assert_eq!(
        current.origin.ip, "192.0.2.1",
        "the address of the latest use"
    );
    let second_id = sessions
        .iter()
        .map(|s| s.id)
        .find(|id| *id != me.session_id)
        .unwrap();

    accounts
        .revoke_session(&bob, second_id, &origin())
        .await
        .unwrap();
    assert_eq!(
        accounts.sessions(&me).await.unwrap().len(),
        3,
        "not another account's"
    );

    accounts
        .revoke_session(&me, second_id, &origin())
        .await
        .unwrap();
    assert_eq!(accounts.sessions(&me).await.unwrap().len(), 2);
    accounts
        .revoke_other_sessions(&me, &origin())
        .await
        .unwrap();
    let left = accounts.sessions(&me).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id, me.session_id);
    for gone in [&second.session_token, &third.session_token] {
        assert!(accounts
            .current_user(gone, "192.0.2.1")
            .await
            .unwrap()
            .is_none());
    }
});

on_both_backends!(
    password_change_checks_current_and_recent_passwords,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let accounts = accounts(store.clone(), clock.clone());
        let (mine, device) = known_account(&accounts, &store, "ada@example.com").await;
        let other = accounts
            .sign_in("ada@example.com", GOOD, Some(&device), &origin())
            .await
            .unwrap()
            .session();
        let me = account_of(&accounts, &mine).await;
        let field_codes = |result: Result<(), ServiceError>| match result {
            Err(ServiceError::Validation(issues)) => issues
                .into_iter()
                .map(|i| format!("{}:{}", i.field, i.code))
                .collect::<Vec<_>>(),
            other => panic!("expected a validation error, got {other:?}"),
        };
        let new = "Marble-Harbor-Quill-38";
        assert_eq!(
            field_codes(
                accounts
                    .change_password(&me, password_change(WRONG, new, new), None, &origin())
                    .await
            ),
            ["current_password:password.current_wrong"]
        );
        assert_eq!(
            field_codes(
                accounts
                    .change_password(&me, password_change(GOOD, GOOD, GOOD), None, &origin())
                    .await
            ),
            ["password:password.recently_used"]
        );
        accounts
            .change_password(&me, password_change(GOOD, new, new), None, &origin())
            .await
            .unwrap();
        assert!(accounts
            .current_user(&mine, "192.0.2.1")
            .await
            .unwrap()
            .is_some());
        assert!(
            accounts
                .current_user(&other.session_token, "192.0.2.1")
                .await
                .unwrap()
                .is_none(),
            "other sessions end"
        );
        assert!(drain_mail(&store, T0)
            .await
            .iter()
            .any(|m| m.subject.contains("password was changed")));
        let third = "Copper-Tundra-Wren-61";
        accounts
            .change_password(&me, password_change(new, third, third), None, &origin())
            .await
            .unwrap();
        assert_eq!(
            field_codes(
                accounts
                    .change_password(&me, password_change(third, GOOD, GOOD), None, &origin())
                    .await
            ),
            ["password:password.recently_used"],
            "two changes ago is still recent"
        );
    }
);

on_both_backends!(
    email_change_waits_for_the_new_address_and_can_be_undone,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let accounts = accounts(store.clone(), clock.clone());
        let (mine, _) = known_account(&accounts, &store, "ada@example.com").await;
        known_account(&accounts, &store, "bob@example.com").await;
        let me = account_of(&accounts, &mine).await;

        accounts
            .request_email_change(&me, "bob@example.com", &origin())
            .await
            .expect("a taken address gets the same answer");
        assert!(
            drain_mail(&store, T0)
                .await
                .iter()
                .all(|m| m.to == "ada@example.com"),
            "and no mail to it (the current address hears of the request)"
        );

        accounts
            .request_email_change(&me, "Ada.New@Example.com", &origin())
            .await
            .unwrap();
        let mails = drain_mail(&store, T0).await;
        assert_eq!(mails[0].to, "ada.new@example.com");
        let confirm = link_token(&mails[0], "/account/email/confirm");
        assert_eq!(
            store.find_user(me.id).await.unwrap().unwrap().email,
            "ada@example.com",
            "nothing changes before the link is used"
        );
        accounts
            .confirm_email_change(&confirm, Some(&me), &origin())
            .await
            .unwrap();
        assert_eq!(
            store.find_user(me.id).await.unwrap().unwrap().email,
            "ada.new@example.com"
        );
        assert!(accounts
            .current_user(&mine, "192.0.2.1")
            .await
            .unwrap()
            .is_some());
        let told = drain_mail(&store, T0).await;
        assert_eq!(told[0].to, "ada@example.com", "the old address is told");
        let restore = link_token(&told[0], "/account/email/restore");
        accounts.restore_email(&restore, &origin()).await.unwrap();
        assert_eq!(
            store.find_user(me.id).await.unwrap().unwrap().email,
            "ada@example.com"
        );
        assert!(
            accounts
                .current_user(&mine, "192.0.2.1")
                .await
                .unwrap()
                .is_none(),
            "every session ends"
        );
    }
);

on_both_backends!(deletion_waits_out_the_grace_period, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = accounts(store.clone(), clock.clone());
    let (mine, _) = known_account(&accounts, &store, "ada@example.com").await;
    let me = account_of(&accounts, &mine).await;
    let export = accounts.export_data(&me, &origin()).await.unwrap();
    assert_eq!(export.profile.email, "ada@example.com");
    assert!(export.activity.iter().any(|a| a.event == "registered"));

    accounts
        .request_deletion(&me, GOOD, None, &origin())
        .await
        .unwrap();
    assert!(accounts
        .current_user(&mine, "192.0.2.1")
        .await
        .unwrap()
        .is_none());
    accounts
        .sign_in("ada@example.com", GOOD, None, &origin())
        .await
        .unwrap()
        .session();
    let user = store.find_user(me.id).await.unwrap().unwrap();
    assert_eq!(user.delete_after, None, "signing in cancels");

    let again = accounts
        .sign_in("ada@example.com", GOOD, None, &origin())
        .await
        .unwrap()
        .session();
    let me = account_of(&accounts, &again.session_token).await;
    accounts
        .request_deletion(&me, GOOD, None, &origin())
        .await
        .unwrap();
    clock.advance_secs(13 * 24 * 60 * 60);
    accounts.purge_expired().await.unwrap();
    assert!(
        store.find_user(me.id).await.unwrap().is_some(),
        "still in the grace period"
    );
    clock.advance_secs(2 * 24 * 60 * 60);
    accounts.purge_expired().await.unwrap();
    assert!(store.find_user(me.id).await.unwrap().is_none(), "erased");
    assert!(store
        .find_user_by_email("ada@example.com")
        .await
        .unwrap()
        .is_none());
});

on_both_backends!(an_expired_password_must_be_changed_first, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let policy = Policy {
        customer_password_max_age_days: Some(90),
        argon2: Argon2Params {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        },
        ..Policy::default()
    };
    let accounts = Accounts::new(
        Arc::new(store.clone()),
        clock.clone(),
        ServerKey::generate(),
        policy,
        "http://localhost:3000",
    )
    .unwrap();
    let (_, device) = known_account(&accounts, &store, "ada@example.com").await;
    clock.advance_secs(89 * 24 * 60 * 60);
    let fresh = accounts
        .sign_in("ada@example.com", GOOD, Some(&device), &origin())
        .await
        .unwrap()
        .session();
    assert!(!fresh.password_expired);
    clock.advance_secs(2 * 24 * 60 * 60);
    let old = accounts
        .sign_in("ada@example.com", GOOD, Some(&device), &origin())
        .await
        .unwrap()
        .session();
    assert!(old.password_expired, "90 days have passed");
    let me = account_of(&accounts, &old.session_token).await;
    assert!(me.password_expired);
    let new = "Marble-Harbor-Quill-38";
    accounts
        .change_password(&me, password_change(GOOD, new, new), None, &origin())
        .await
        .unwrap();
    let me = account_of(&accounts, &old.session_token).await;
    assert!(!me.password_expired, "the change starts a new period");
});

/// The code an authenticator app would show at `now`, read back the way a
/// person would: from the manual key.
fn app_code(setup_key: &str, now: i64) -> String {
    service::totp::TotpSecret::from_base32(setup_key)
        .expect("a base32 key")
        .code_at(now)
}

/// Turns the authenticator app on; returns its manual key and the recovery codes.
async fn enroll(accounts: &Accounts, me: &CurrentUser, now: i64) -> (String, Vec<String>) {
    accounts.start_totp_enrollment(me).await.unwrap();
    let service::mfa::TwoFactorState::Pending(setup) = accounts.two_factor_state(me).await.unwrap()
    else {
        panic!("enrollment should be pending");
    };
    assert!(setup.otpauth_uri.starts_with("otpauth://totp/Latchkey:"));
    let wrong = accounts
        .confirm_totp_enrollment(me, "000000", &origin())
        .await;
    assert!(
        matches!(wrong, Err(ServiceError::Validation(_)))
            || app_code(&setup.manual_key, now) == "000000"
    );
    let codes = accounts
        .confirm_totp_enrollment(me, &app_code(&setup.manual_key, now), &origin())
        .await
        .unwrap()
        .unwrap_or_default();
    (setup.manual_key, codes)
}

fn pending_token(outcome: SignInOutcome) -> String {
    match outcome {
        SignInOutcome::SecondFactorRequired { pending_token } => pending_token,
        other => panic!("expected a second step, got {other:?}"),
    }
}

on_both_backends!(
    two_factor_sign_in_with_app_codes_and_recovery_codes,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let accounts = accounts(store.clone(), clock.clone());
        let (mine, device) = known_account(&accounts, &store, "ada@example.com").await;
        let me = account_of(&accounts, &mine).await;
        let (key, codes) = enroll(&accounts, &me, T0).await;
        assert_eq!(codes.len(), 10);
        let stored: String = sealed_secret_of(&store, me.id).await;
        assert!(
            !stored.contains(&key.replace(' ', "")),
            "the secret is sealed at rest"
        );

        clock.advance_secs(60);
        let now = clock.now_ms();
        let pending = pending_token(
            accounts
                .sign_in("ada@example.com", GOOD, Some(&device), &origin())
                .await
                .unwrap(),
        );
        let code = app_code(&key, now);
        let signed_in = accounts
            .complete_second_factor(&pending, &code, Some(&device), &origin())
            .await
            .unwrap();
        assert!(accounts
            .current_user(&signed_in.session_token, "192.0.2.1")
            .await
            .unwrap()
            .is_some());
        assert!(
            matches!(
                accounts
                    .complete_second_factor(&pending, &code, Some(&device), &origin())
                    .await,
                Err(ServiceError::TokenInvalid)
            ),
            "the pending step works once"
        );

        let again = pending_token(
            accounts
                .sign_in("ada@example.com", GOOD, Some(&device), &origin())
                .await
                .unwrap(),
        );
        assert!(
            matches!(
                accounts
                    .complete_second_factor(&again, &code, Some(&device), &origin())
                    .await,
                Err(ServiceError::Validation(_))
            ),
            "an accepted code is refused when replayed"
        );
        let formatted = domain::mfa::format_recovery_code(&codes[0]).to_uppercase();
        accounts
            .complete_second_factor(&again, &formatted, Some(&device), &origin())
            .await
            .expect("a recovery code, typed as shown");
        let third = pending_token(
            accounts
                .sign_in("ada@example.com", GOOD, Some(&device), &origin())
                .await
                .unwrap(),
        );
        assert!(
            accounts
                .complete_second_factor(&third, &codes[0], Some(&device), &origin())
                .await
                .is_err(),
            "each recovery code works once"
        );
        let me = account_of(&accounts, &mine).await;
        let service::mfa::TwoFactorState::On {
            recovery_codes_left,
        } = accounts.two_factor_state(&me).await.unwrap()
        else {
            panic!("two-factor should be on");
        };
        assert_eq!(recovery_codes_left, 9);

        clock.advance_secs(6 * 60);
        assert!(
            matches!(
                accounts
                    .complete_second_factor(
                        &third,
                        &app_code(&key, clock.now_ms()),
                        Some(&device),
                        &origin()
                    )
                    .await,
                Err(ServiceError::TokenInvalid)
            ),
            "the pending step expires after five minutes"
        );

        let kinds = kinds_of(
            &accounts,
            &me,
            &[
                ActivityKind::TotpEnabled,
                ActivityKind::RecoveryCodeUsed,
                ActivityKind::SecondFactorReplayed,
                ActivityKind::SecondFactorFailed,
            ],
        )
        .await;
        assert_eq!(
            kinds,
            [
                ActivityKind::SecondFactorFailed,
                ActivityKind::RecoveryCodeUsed,
                ActivityKind::SecondFactorReplayed,
                ActivityKind::TotpEnabled
            ]
        );
    }
);

on_both_backends!(
    a_set_up_can_be_cancelled_and_new_codes_stay_until_saved,
    |store| {
        use service::mfa::{TwoFactorState, RECOVERY_CODES_SHOWN_SECS};
        let clock = Arc::new(ManualClock::at(T0));
        let accounts = accounts(store.clone(), clock.clone());
        let (mine, _) = known_account(&accounts, &store, "ada@example.com").await;
        let me = account_of(&accounts, &mine).await;
        accounts.start_totp_enrollment(&me).await.unwrap();
        accounts.cancel_totp_enrollment(&me).await.unwrap();
        assert!(matches!(
            accounts.two_factor_state(&me).await.unwrap(),
            TwoFactorState::Off { .. }
        ));
        let (_, codes) = enroll(&accounts, &me, T0).await;
        accounts.cancel_totp_enrollment(&me).await.unwrap();
        assert!(
            matches!(
                accounts.two_factor_state(&me).await.unwrap(),
                TwoFactorState::On { .. }
            ),
            "cancelling leaves an app that is on"
        );

        // Shown on every reload until the owner says they are saved...
        let stash = accounts.stash_recovery_codes(&me, &codes).await.unwrap();
        for _ in 0..2 {
            assert_eq!(
                accounts.stashed_recovery_codes(&me, &stash).await.unwrap(),
                Some(codes.clone())
            );
        }
        accounts.forget_recovery_codes(&stash).await.unwrap();
        assert_eq!(
            accounts.stashed_recovery_codes(&me, &stash).await.unwrap(),
            None
        );
        // ...or for half an hour.
        let stash = accounts.stash_recovery_codes(&me, &codes).await.unwrap();
        clock.advance_secs(RECOVERY_CODES_SHOWN_SECS - 1);
        assert!(accounts
            .stashed_recovery_codes(&me, &stash)
            .await
            .unwrap()
            .is_some());
        clock.advance_secs(2);
        assert_eq!(
            accounts.stashed_recovery_codes(&me, &stash).await.unwrap(),
            None
        );
    }
);

on_both_backends!(
    an_empty_current_password_is_asked_for_and_never_counts,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let accounts = accounts(store.clone(), clock.clone());
        let (mine, device) = known_account(&accounts, &store, "ada@example.com").await;
        let me = account_of(&accounts, &mine).await;
        // More empty tries than the lock allows wrong ones.
        for _ in 0..5 {
            let refused = accounts
                .request_deletion(&me, "", Some(&device), &origin())
                .await;
            let Err(ServiceError::Validation(issues)) = refused else {
                panic!("an empty password should be asked for: {refused:?}");
            };
            assert_eq!(
                issues,
                [service::error::FieldIssue::new(
                    "current_password",
                    "password.current_required"
                )]
            );
        }
        accounts
            .request_deletion(&me, GOOD, Some(&device), &origin())
            .await
            .unwrap();
    }
);

on_both_backends!(bad_codes_lock_the_account_and_sudo_mode_expires, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = accounts(store.clone(), clock.clone());
    let (mine, device) = known_account(&accounts, &store, "ada@example.com").await;
    let me = account_of(&accounts, &mine).await;
    let (key, codes) = enroll(&accounts, &me, T0).await;
    drain_mail(&store, T0).await;

    let pending = pending_token(
        accounts
            .sign_in("ada@example.com", GOOD, None, &origin())
            .await
            .unwrap(),
    );
    for _ in 0..3 {
        assert!(accounts
            .complete_second_factor(&pending, "123456x", None, &origin())
            .await
            .is_err());
    }
    assert!(
        drain_mail(&store, T0)
            .await
            .iter()
            .any(|m| m.body_text.contains("/unlock?token=")),
        "wrong codes count toward the lock"
    );
    assert!(
        accounts
            .complete_second_factor(&pending, &codes[1], None, &origin())
            .await
            .is_err(),
        "even a right code waits out the lock"
    );

    clock.advance_secs(10 * 60);
    let me = account_of(&accounts, &mine).await;
    assert!(matches!(
        accounts.regenerate_recovery_codes(&me, &origin()).await,
        Err(ServiceError::ReauthRequired)
    ));
    let renewed = accounts
        .confirm_identity(
            &me,
            GOOD,
            &app_code(&key, clock.now_ms()),
            Some(&device),
            &origin(),
        )
        .await
        .unwrap();
    assert!(
        accounts
            .current_user(&mine, "192.0.2.1")
            .await
            .unwrap()
            .is_none(),
        "sudo mode starts with a new session token"
    );
    let me = account_of(&accounts, &renewed).await;
    let fresh = accounts
        .regenerate_recovery_codes(&me, &origin())
        .await
        .unwrap();
    assert_ne!(fresh, codes);
    // Turning it off asks for the password, even in sudo mode.
    assert!(matches!(
        accounts
            .remove_totp(&me, "Not-The-Password-1!", Some(&device), &origin())
            .await,
        Err(ServiceError::Validation(_))
    ));
    assert!(matches!(
        accounts.two_factor_state(&me).await.unwrap(),
        service::mfa::TwoFactorState::On { .. }
    ));
    accounts
        .remove_totp(&me, GOOD, Some(&device), &origin())
        .await
        .unwrap();
    assert_eq!(
        accounts.two_factor_state(&me).await.unwrap(),
        service::mfa::TwoFactorState::Off {
            passkey_codes_left: None
        }
    );
    assert!(drain_mail(&store, clock.now_ms())
        .await
        .iter()
        .any(|m| m.subject.contains("turned off")));
});

/// The authenticator secret as the database holds it.
async fn sealed_secret_of(store: &SqlStore, user: UserId) -> String {
    store
        .totp_factor(user)
        .await
        .unwrap()
        .map(|f| f.sealed_secret)
        .unwrap_or_default()
}

on_both_backends!(password_recovery_asks_for_the_second_factor, |store| {
    let clock = Arc::new(ManualClock::at(T0));
    let accounts = Arc::new(accounts(store.clone(), clock.clone()));
    let (mine, _) = known_account(&accounts, &store, "ada@example.com").await;
    let me = account_of(&accounts, &mine).await;
    let (_, codes) = enroll(&accounts, &me, T0).await;
    drain_mail(&store, T0).await;

    accounts
        .request_password_reset("ada@example.com", &origin())
        .await
        .unwrap();
    let token = mailed_reset_token(&store, T0).await;
    assert!(accounts.reset_factors(&token).await.unwrap().needs_code());
    let new = "Marble-Harbor-Quill-38";
    let without = accounts
        .reset_password(reset_form(&token, new, new, ""), None, &origin())
        .await;
    assert!(
        matches!(&without, Err(ServiceError::Validation(issues)) if issues[0].field == "code"),
        "the mailbox alone is not enough: {without:?}"
    );
    accounts
        .reset_password(reset_form(&token, new, new, &codes[2]), None, &origin())
        .await
        .expect("a recovery code completes the reset");
    accounts
        .sign_in("ada@example.com", new, None, &origin())
        .await
        .unwrap();
});

on_both_backends!(
    restoring_an_address_taken_meanwhile_still_shuts_the_intruder_out,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let accounts = accounts(store.clone(), clock.clone());
        let (mine, _) = known_account(&accounts, &store, "ada@example.com").await;
        let me = account_of(&accounts, &mine).await;
        accounts
            .request_email_change(&me, "intruder@example.com", &origin())
            .await
            .unwrap();
        let confirm = link_token(&drain_mail(&store, T0).await[0], "/account/email/confirm");
        accounts
            .confirm_email_change(&confirm, Some(&me), &origin())
            .await
            .unwrap();
        let restore = link_token(&drain_mail(&store, T0).await[0], "/account/email/restore");
        known_account(&accounts, &store, "ada@example.com").await;

        let reset = accounts.restore_email(&restore, &origin()).await.unwrap();
        assert!(accounts
            .current_user(&mine, "192.0.2.1")
            .await
            .unwrap()
            .is_none());
        assert_eq!(
            store.find_user(me.id).await.unwrap().unwrap().email,
            "intruder@example.com",
            "the other account keeps its address"
        );
        let new = "Marble-Harbor-Quill-38";
        accounts
            .reset_password(reset_form(&reset, new, new, ""), None, &origin())
            .await
            .expect("the owner still gets a new password");
    }
);

/// A software passkey for the site of `accounts()`.
fn soft_passkey() -> SoftPasskey {
    SoftPasskey::new("http://localhost:3000", "localhost")
}

fn refused_with<T: std::fmt::Debug>(result: Result<T, ServiceError>, code: &str) -> bool {
    match result {
        Err(ServiceError::Validation(issues)) => issues.iter().any(|i| i.code == code),
        other => panic!("expected {code}, got {other:?}"),
    }
}

fn passkey_refused<T: std::fmt::Debug>(result: Result<T, ServiceError>) -> bool {
    refused_with(result, "passkey.failed")
}

/// Adds a passkey to the account; returns the recovery codes it came with.
async fn add_passkey(
    accounts: &Accounts,
    me: &CurrentUser,
    passkey: &mut SoftPasskey,
    name: &str,
) -> Option<Vec<String>> {
    let ceremony = accounts.start_passkey_registration(me).await.unwrap();
    let answer = passkey.register(&ceremony.options);
    accounts
        .finish_passkey_registration(me, &ceremony.id, &answer, name, &origin())
        .await
        .unwrap()
}

/// One passkey sign-in: `pending` for the second step after a password.
async fn passkey_sign_in(
    accounts: &Accounts,
    passkey: &mut SoftPasskey,
    pending: Option<&str>,
) -> Result<SignedIn, ServiceError> {
    let ceremony = accounts
        .start_passkey_sign_in(pending, &origin())
        .await
        .unwrap();
    let answer = passkey.sign(&ceremony.options);
    accounts
        .finish_passkey_sign_in(&ceremony.id, &answer, pending, None, &origin())
        .await
}

on_both_backends!(
    passkeys_sign_in_without_a_password_and_as_second_factor,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let accounts = accounts(store.clone(), clock.clone());
        let (mine, _) = known_account(&accounts, &store, "ada@example.com").await;
        let me = account_of(&accounts, &mine).await;

        let ceremony = accounts.start_passkey_registration(&me).await.unwrap();
        let options: serde_json::Value = serde_json::from_str(&ceremony.options).unwrap();
        let selection = &options["publicKey"]["authenticatorSelection"];
        assert_eq!(
            selection["residentKey"], "required",
            "discoverable, for passwordless sign-in"
        );
        assert_eq!(selection["userVerification"], "required");
        assert_eq!(options["publicKey"]["rp"]["id"], "localhost");

        let mut passkey = soft_passkey();
        let answer = passkey.register(&ceremony.options);
        assert!(
            refused_with(
                accounts
                    .finish_passkey_registration(&me, &ceremony.id, &answer, "  ", &origin())
                    .await,
                "passkey.name_required"
            ),
            "a blank name is refused, and the ceremony stays usable"
        );
        let codes = accounts
            .finish_passkey_registration(&me, &ceremony.id, &answer, "Work laptop", &origin())
            .await
            .unwrap()
            .expect("the first second factor comes with recovery codes");
        assert_eq!(codes.len(), 10);
        let listed = accounts.passkeys(&me).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].name, "Work laptop");
        assert_eq!(listed[0].kind, domain::PasskeyKind::Platform);
        assert_eq!(listed[0].last_used_at, None);
        let mail = drain_mail(&store, clock.now_ms()).await;
        assert!(mail.iter().any(|m| m.body_text.contains("Work laptop")));
        assert_eq!(
            accounts.two_factor_state(&me).await.unwrap(),
            service::mfa::TwoFactorState::Off {
                passkey_codes_left: Some(10)
            },
            "the recovery codes of a passkey-only account are counted"
        );
        let export = accounts.export_data(&me, &origin()).await.unwrap();
        assert_eq!(export.passkeys.len(), 1, "the export lists passkeys");
        assert_eq!(export.passkeys[0].name, "Work laptop");

        // Passwordless: the authenticator names the account.
        clock.advance_secs(10);
        let ceremony = accounts
            .start_passkey_sign_in(None, &origin())
            .await
            .unwrap();
        let answer = passkey.sign(&ceremony.options);
        let signed_in = accounts
            .finish_passkey_sign_in(&ceremony.id, &answer, None, None, &origin())
            .await
            .unwrap();
        assert_eq!(signed_in.user_id, me.id);
        assert!(
            passkey_refused(
                accounts
                    .finish_passkey_sign_in(&ceremony.id, &answer, None, None, &origin())
                    .await
            ),
            "a replayed answer is refused: its ceremony is used up"
        );

        // After the password, the passkey is the second step.
        let pending = pending_token(
            accounts
                .sign_in("ada@example.com", GOOD, None, &origin())
                .await
                .unwrap(),
        );
        let second = passkey_sign_in(&accounts, &mut passkey, Some(&pending))
            .await
            .unwrap();
        assert_eq!(second.user_id, me.id);
        assert_eq!(
            accounts.passkeys(&me).await.unwrap()[0].last_used_at,
            Some(clock.now_ms())
        );
        let kinds = kinds_of(
            &accounts,
            &me,
            &[ActivityKind::PasskeyAdded, ActivityKind::PasskeyUsed],
        )
        .await;
        assert_eq!(
            kinds,
            [
                ActivityKind::PasskeyUsed,
                ActivityKind::PasskeyUsed,
                ActivityKind::PasskeyAdded
            ]
        );
    }
);

on_both_backends!(
    passkey_ceremonies_expire_and_belong_to_their_account,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let accounts = accounts(store.clone(), clock.clone());
        let (adas, _) = known_account(&accounts, &store, "ada@example.com").await;
        let ada = account_of(&accounts, &adas).await;
        let mut adas_key = soft_passkey();
        add_passkey(&accounts, &ada, &mut adas_key, "Ada's key").await;
        drain_mail(&store, T0).await;
        let (bobs, _) = known_account(&accounts, &store, "bob@example.com").await;
        let bob = account_of(&accounts, &bobs).await;
        add_passkey(&accounts, &bob, &mut soft_passkey(), "Bob's key").await;

        let ceremony = accounts
            .start_passkey_sign_in(None, &origin())
            .await
            .unwrap();
        let answer = adas_key.sign(&ceremony.options);
        clock.advance_secs(5 * 60 + 1);
        assert!(
            passkey_refused(
                accounts
                    .finish_passkey_sign_in(&ceremony.id, &answer, None, None, &origin())
                    .await
            ),
            "a ceremony expires after five minutes"
        );

        // Bob's second step cannot be finished with Ada's passkey.
        let pending = pending_token(
            accounts
                .sign_in("bob@example.com", GOOD, None, &origin())
                .await
                .unwrap(),
        );
        assert!(passkey_refused(
            passkey_sign_in(&accounts, &mut adas_key, Some(&pending)).await
        ));
        assert_eq!(
            kinds_of(&accounts, &bob, &[ActivityKind::SecondFactorFailed]).await,
            [ActivityKind::SecondFactorFailed],
            "and the attempt counts toward Bob's lock"
        );

        // A credential nobody registered signs nobody in.
        let ceremony = accounts
            .start_passkey_sign_in(None, &origin())
            .await
            .unwrap();
        let mut stranger = soft_passkey();
        stranger.register(
            &serde_json::json!({ "publicKey": { "challenge": "AAAA", "user": { "id": "AAAA" } } })
                .to_string(),
        );
        let answer = stranger.sign(&ceremony.options);
        assert!(passkey_refused(
            accounts
                .finish_passkey_sign_in(&ceremony.id, &answer, None, None, &origin())
                .await
        ));
    }
);

on_both_backends!(
    a_passkey_whose_counter_goes_back_is_refused_and_the_owner_mailed,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let accounts = accounts(store.clone(), clock.clone());
        let (mine, _) = known_account(&accounts, &store, "ada@example.com").await;
        let me = account_of(&accounts, &mine).await;
        let mut passkey = soft_passkey();
        add_passkey(&accounts, &me, &mut passkey, "Blue key").await;
        passkey_sign_in(&accounts, &mut passkey, None)
            .await
            .unwrap();
        drain_mail(&store, clock.now_ms()).await;

        // A copy of the key answers with a counter the original already used.
        passkey.counter = 0;
        assert!(passkey_refused(
            passkey_sign_in(&accounts, &mut passkey, None).await
        ));
        let mail = drain_mail(&store, clock.now_ms()).await;
        assert!(
            mail.iter()
                .any(|m| m.to == "ada@example.com" && m.body_text.contains("Blue key")),
            "the owner is told"
        );
        assert_eq!(
            kinds_of(&accounts, &me, &[ActivityKind::PasskeyRefused]).await,
            [ActivityKind::PasskeyRefused]
        );
    }
);

on_both_backends!(
    removing_the_last_passkey_needs_sudo_and_ends_the_second_step,
    |store| {
        let clock = Arc::new(ManualClock::at(T0));
        let accounts = accounts(store.clone(), clock.clone());
        let (mine, _) = known_account(&accounts, &store, "ada@example.com").await;
        let me = account_of(&accounts, &mine).await;
        let mut phone = soft_passkey();
        add_passkey(&accounts, &me, &mut phone, "Phone").await;
        let id = accounts.passkeys(&me).await.unwrap()[0].id;

        clock.advance_secs(10 * 60);
        let me = account_of(&accounts, &mine).await;
        assert!(matches!(
            accounts
                .rename_passkey(&me, id, "Old phone", &origin())
                .await,
            Err(ServiceError::ReauthRequired)
        ));
        assert!(matches!(
            accounts.remove_passkey(&me, id, &origin()).await,
            Err(ServiceError::ReauthRequired)
        ));
        assert!(
            refused_with(
                accounts
                    .confirm_identity(&me, GOOD, "", None, &origin())
                    .await,
                "mfa.code_required"
            ),
            "the password alone does not open sudo mode of a passkey account"
        );
        let ceremony = accounts.start_passkey_reauth(&me).await.unwrap();
        let answer = phone.sign(&ceremony.options);
        let mine = accounts
            .confirm_identity_with_passkey(
                &me,
                GOOD,
                service::passkeys::PasskeyAnswer {
                    ceremony: &ceremony.id,
                    credential: &answer,
                },
                None,
                &origin(),
            )
            .await
            .expect("the password and the passkey open sudo mode");
        let me = account_of(&accounts, &mine).await;
        accounts
            .rename_passkey(&me, id, "Old phone", &origin())
            .await
            .unwrap();
        assert_eq!(accounts.passkeys(&me).await.unwrap()[0].name, "Old phone");
        accounts.remove_passkey(&me, id, &origin()).await.unwrap();
        assert!(accounts.passkeys(&me).await.unwrap().is_empty());
        assert_eq!(
            store.recovery_codes_left(me.id).await.unwrap(),
            0,
            "no factor left, no recovery codes"
        );
        accounts
            .sign_in("ada@example.com", GOOD, None, &origin())
            .await
            .unwrap()
            .session();
    }
);

#[path = "support/hardening.rs"]
mod hardening;

#[path = "support/staff.rs"]
mod staff;

#[path = "support/console.rs"]
mod console;

#[path = "support/audit.rs"]
mod audit;
