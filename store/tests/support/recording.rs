//! A repository that notes which port methods a use case calls, in order,
//! and passes every call on to the real store: for tests that compare the
//! work two paths do (the time an answer takes must not tell them apart).

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use domain::{ActivityKind, FailureCount, LockoutPolicy, UserId};
use service::password::PasswordHash;
use service::ports::*;
use store::SqlStore;

pub struct Recording {
    inner: SqlStore,
    calls: Mutex<Vec<&'static str>>,
}

impl Recording {
    pub fn new(inner: SqlStore) -> Arc<Self> {
        Arc::new(Recording {
            inner,
            calls: Mutex::new(Vec::new()),
        })
    }

    /// The calls noted since the last time, and a fresh start.
    pub fn take(&self) -> Vec<&'static str> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }

    fn note(&self, call: &'static str) {
        self.calls.lock().unwrap().push(call);
    }
}

/// Implements a port by noting each call and passing it on.
macro_rules! forward {
    ($port:ident { $(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)* }) => {
        #[async_trait]
        impl $port for Recording {
            $(async fn $name(&self, $($arg: $ty),*) -> $ret {
                self.note(stringify!($name));
                self.inner.$name($($arg),*).await
            })*
        }
    };
}

forward!(UserRepo {
        fn create_user(user: NewUser, token: NewToken, effects: Effects) -> StoreResult<UserId>;
        fn find_user_by_email(email: &str) -> StoreResult<Option<UserRecord>>;
        fn find_user(id: UserId) -> StoreResult<Option<UserRecord>>;
        fn set_password_hash(id: UserId, hash: &PasswordHash) -> StoreResult<()>;
        fn record(id: UserId, effects: Effects) -> StoreResult<()>;
        fn apply(id: UserId, changes: &[AccountChange], effects: Effects) -> StoreResult<()>;
        fn password_history(id: UserId, limit: u32) -> StoreResult<Vec<PasswordHash>>;
});

forward!(TokenRepo {
        fn replace_token(id: UserId, token: NewToken, effects: Effects) -> StoreResult<()>;
        fn peek_token(purpose: TokenPurpose, token_hash: &str, now_ms: i64) -> StoreResult<Option<PeekedToken>>;
        fn redeem_token(purpose: TokenPurpose, token_hash: &str, now_ms: i64, changes: &[AccountChange], effects: Effects) -> StoreResult<Option<UserId>>;
        fn inspect_token(purpose: TokenPurpose, token_hash: &str, now_ms: i64) -> StoreResult<Option<InspectedToken>>;
        fn count_token_failure(purpose: TokenPurpose, token_hash: &str, max: u32) -> StoreResult<bool>;
});

forward!(SessionRepo {
        fn create_session(session: NewSession, effects: Effects) -> StoreResult<()>;
        fn find_session(token_hash: &str) -> StoreResult<Option<(SessionRecord, UserRecord)>>;
        fn touch_session(id: i64, now_ms: i64, ip: &str) -> StoreResult<()>;
        fn delete_session(token_hash: &str, effects: Effects) -> StoreResult<Option<UserId>>;
        fn mark_reauthenticated(session_id: i64, new_token_hash: &str, now_ms: i64, effects: Effects) -> StoreResult<()>;
        fn list_sessions(user: UserId) -> StoreResult<Vec<SessionRecord>>;
        fn delete_session_of(user: UserId, session_id: i64, effects: Effects) -> StoreResult<bool>;
});

forward!(LockoutRepo {
        fn device_knowledge(user: UserId, device_hash: &str) -> StoreResult<DeviceKnowledge>;
        fn failure_count(counter: FailureCounter<'_>) -> StoreResult<FailureCount>;
        fn record_sign_in_failure(counter: FailureCounter<'_>, now_ms: i64, policy: &LockoutPolicy, effects: Effects, lock_effects: Effects) -> StoreResult<bool>;
});

forward!(RoleRepo {
        fn role_catalog() -> StoreResult<domain::RoleCatalog>;
        fn grant_role(change: RoleChange<'_>, role: &str, check: RoleCheck<'_>) -> StoreResult<Result<bool, domain::RoleError>>;
        fn revoke_role(change: RoleChange<'_>, role: &str, check: RoleCheck<'_>) -> StoreResult<Result<bool, domain::RoleError>>;
        fn offboard(change: RoleChange<'_>, check: RoleCheck<'_>) -> StoreResult<Result<Vec<String>, domain::RoleError>>;
        fn put_role(actor: Option<UserId>, role: &domain::RoleDefinition, at_ms: i64, check: RoleCheck<'_>) -> StoreResult<Result<(), domain::RoleError>>;
        fn staff_members() -> StoreResult<Vec<StaffRecord>>;
        fn role_log(target: UserId) -> StoreResult<Vec<RoleLogRecord>>;
});

forward!(SupportRepo {
        fn search_customers(term: &str, id: Option<i64>, offset: u32, limit: u32) -> StoreResult<Vec<AccountSummary>>;
        fn lock_ends(user: UserId, now_ms: i64) -> StoreResult<Option<i64>>;
        fn start_view(view: &NewSupportView, effects: Effects) -> StoreResult<i64>;
        fn live_view(staff_session: i64, now_ms: i64) -> StoreResult<Option<SupportViewRecord>>;
        fn end_view(staff_session: i64, now_ms: i64) -> StoreResult<bool>;
        fn views_of(customer: UserId, since_ms: i64) -> StoreResult<Vec<SupportViewRecord>>;
});

forward!(AlertRepo {
        fn note_failed_sign_in(attempt: &FailedSignIn<'_>, network_since: i64, address_since: i64) -> StoreResult<FailureCounts>;
        fn raise_alert(alert: &NewAlert<'_>, channels: &[AlertChannel]) -> StoreResult<(i64, bool)>;
        fn alerts_page(before_id: Option<i64>, limit: u32) -> StoreResult<Vec<AlertRecord>>;
        fn alerts_after(after_id: i64, limit: u32) -> StoreResult<Vec<AlertRecord>>;
        fn find_alert(id: i64) -> StoreResult<Option<AlertRecord>>;
        fn acknowledge_alert(id: i64, acknowledgement: &Acknowledgement) -> StoreResult<bool>;
        fn claim_alert_delivery(now_ms: i64, lease_until: i64) -> StoreResult<Option<AlertDelivery>>;
        fn mark_alert_delivered(id: i64, now_ms: i64) -> StoreResult<()>;
        fn mark_alert_delivery_failed(id: i64, next_attempt_at: Option<i64>, error: &str) -> StoreResult<()>;
});

forward!(ReviewRepo {
        fn open_campaign(opened_by: Option<UserId>, at_ms: i64, plan: OpeningPlan<'_>) -> StoreResult<Option<i64>>;
        fn campaigns(limit: u32) -> StoreResult<Vec<CampaignRecord>>;
        fn campaign(id: i64) -> StoreResult<Option<CampaignRecord>>;
        fn review_items(campaign: i64, after_id: i64, limit: u32) -> StoreResult<Vec<ReviewItemRecord>>;
        fn decide_item(item: i64, decision: &ItemDecision, check: DecisionCheck<'_>) -> StoreResult<Result<Decided, domain::RoleError>>;
        fn close_campaign(id: i64, by: UserId, reason: &str, at_ms: i64) -> StoreResult<bool>;
        fn overdue_items(now_ms: i64) -> StoreResult<Vec<OverdueItem>>;
        fn mark_overdue_alerted(item: i64, at_ms: i64) -> StoreResult<()>;
        fn note_grant_use(user: UserId, roles: &[String], at_ms: i64, day_start: i64) -> StoreResult<()>;
        fn record_training(user: UserId, course: &str, completed_on: i64, at_ms: i64) -> StoreResult<()>;
        fn latest_training(user: UserId) -> StoreResult<Option<(i64, String)>>;
});

forward!(ActivityRepo {
        fn list_activity(user: UserId, kinds: &[ActivityKind], before_id: Option<i64>, limit: u32) -> StoreResult<Vec<ActivityRecord>>;
});

forward!(FlashRepo {
        fn put_flash(key_hash: &str, payload: &str, expires_at: i64) -> StoreResult<()>;
        fn take_flash(key_hash: &str, now_ms: i64) -> StoreResult<Option<String>>;
        fn peek_flash(key_hash: &str, now_ms: i64) -> StoreResult<Option<String>>;
});

forward!(RateLimitRepo {
        fn count_hit(key: &str, window_start: i64, now_ms: i64) -> StoreResult<i64>;
        fn seen_since(key: &str, since_ms: i64) -> StoreResult<bool>;
        fn note_request(key: &str, since_ms: i64, now_ms: i64) -> StoreResult<bool>;
});

forward!(MailQueue {
        fn claim_mail(now_ms: i64, lease_until: i64) -> StoreResult<Option<QueuedMail>>;
        fn mark_mail_sent(id: i64, now_ms: i64) -> StoreResult<()>;
        fn mark_mail_failed(id: i64, next_attempt_at: Option<i64>, error: &str) -> StoreResult<()>;
});

forward!(AuditRepo {
        fn audit_anchor() -> StoreResult<domain::audit::ChainLink>;
        fn audit_page(after_id: i64, limit: u32) -> StoreResult<Vec<domain::audit::AuditEntry>>;
        fn search_audit(filter: &AuditFilter, before_id: Option<i64>, limit: u32) -> StoreResult<Vec<domain::audit::AuditEntry>>;
        fn existing_accounts(ids: &[i64]) -> StoreResult<Vec<i64>>;
        fn audit_archive_end(before_ms: i64) -> StoreResult<Option<i64>>;
        fn finish_archive(through: &domain::audit::ChainLink, archived: u64, at_ms: i64) -> StoreResult<bool>;
        fn record_audit_export(by: Option<UserId>, filter: &AuditFilter, format: &str, at_ms: i64) -> StoreResult<()>;
});

forward!(Health {
        fn ping() -> StoreResult<()>;
        fn purge_expired(now_ms: i64, idle_cutoff_ms: i64, absolute_cutoff_ms: i64, mail_cutoff_ms: i64) -> StoreResult<()>;
});

forward!(SecondFactorRepo {
        fn totp_factor(user: UserId) -> StoreResult<Option<TotpRecord>>;
        fn put_pending_totp(user: UserId, sealed_secret: &str, now_ms: i64, session_id: i64) -> StoreResult<()>;
        fn confirm_totp(user: UserId, step: i64, recovery_hashes: Option<&[String]>, effects: Effects) -> StoreResult<bool>;
        fn use_totp_step(user: UserId, step: i64) -> StoreResult<bool>;
        fn use_recovery_code(user: UserId, code_hash: &str, effects: Effects) -> StoreResult<bool>;
        fn recovery_codes_left(user: UserId) -> StoreResult<u32>;
});

forward!(PasskeyRepo {
        fn passkeys(user: UserId) -> StoreResult<Vec<PasskeyRecord>>;
        fn passkey_by_credential(credential_id: &str) -> StoreResult<Option<PasskeyRecord>>;
        fn record_passkey_use(passkey: &PasskeyRecord, credential: &str, effects: Effects) -> StoreResult<()>;
        fn put_ceremony(id_hash: &str, purpose: &str, ceremony: &CeremonyRecord, now_ms: i64) -> StoreResult<()>;
        fn take_ceremony(id_hash: &str, purpose: &str) -> StoreResult<Option<CeremonyRecord>>;
});
