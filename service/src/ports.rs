//! What the use cases need from storage. `store` implements these for SQLite
//! and PostgreSQL. Every write that changes an account takes the [`Effects`]
//! it causes (activity rows, queued mail) and commits them in the same
//! transaction, so a crash neither loses a security mail nor sends one for a
//! change that was rolled back.

use async_trait::async_trait;
use domain::{ActivityKind, Locale, Role, UserId};

use crate::error::StoreError;
use crate::password::PasswordHash;

pub type StoreResult<T> = Result<T, StoreError>;

/// Where a request came from, as recorded in the activity history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub ip: String,
    pub user_agent: String,
}

/// One activity row to write for the account the operation acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActivity {
    pub kind: ActivityKind,
    pub origin: Origin,
    pub at_ms: i64,
}

/// One message to queue for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub to: String,
    pub subject: String,
    pub body_text: String,
}

/// The side effects committed with a change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effects {
    pub activity: Vec<NewActivity>,
    pub mail: Vec<NewMail>,
}

impl Effects {
    pub fn activity(kind: ActivityKind, origin: &Origin, at_ms: i64) -> Self {
        Effects {
            activity: vec![NewActivity {
                kind,
                origin: origin.clone(),
                at_ms,
            }],
            mail: Vec::new(),
        }
    }

    pub fn with_mail(mut self, mail: NewMail) -> Self {
        self.mail.push(mail);
        self
    }
}

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub password_hash: PasswordHash,
    pub email_verified_at: Option<i64>,
    pub locale: Locale,
    pub roles: Vec<Role>,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub password_hash: PasswordHash,
    pub locale: Locale,
    pub role: Role,
    pub created_at: i64,
}

/// A single-use token whose hash is stored, such as an email verification link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    VerifyEmail,
    ResetPassword,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::VerifyEmail => "verify_email",
            TokenPurpose::ResetPassword => "reset_password",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewToken {
    pub purpose: TokenPurpose,
    pub hash: String,
    pub expires_at: i64,
}

#[async_trait]
pub trait UserRepo: Send + Sync {
    /// Creates the account with its first token; `Conflict { field: "email" }`
    /// when the address is taken.
    async fn create_user(
        &self,
        user: NewUser,
        token: NewToken,
        effects: Effects,
    ) -> StoreResult<UserId>;
    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>>;
    async fn find_user(&self, id: UserId) -> StoreResult<Option<UserRecord>>;
    async fn set_password_hash(&self, id: UserId, hash: &PasswordHash) -> StoreResult<()>;
    /// Writes effects that belong to an account without changing it.
    async fn record(&self, id: UserId, effects: Effects) -> StoreResult<()>;
}

#[async_trait]
pub trait TokenRepo: Send + Sync {
    /// Voids every earlier token of the same purpose for the account and stores the new one.
    async fn replace_token(&self, id: UserId, token: NewToken, effects: Effects)
        -> StoreResult<()>;
    /// Consumes a live email-verification token and marks the address
    /// verified, in one transaction; `None` when the token is unknown,
    /// expired or used. The effects are written for the token's account.
    async fn verify_email(
        &self,
        token_hash: &str,
        now_ms: i64,
        effects: Effects,
    ) -> StoreResult<Option<UserId>>;
    /// The account a live token of this purpose belongs to, without using it up.
    async fn peek_token(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        now_ms: i64,
    ) -> StoreResult<Option<UserId>>;
    /// Consumes a live password-reset token and, in the same transaction,
    /// sets the new hash, marks the address verified (the mail proved
    /// control of it), ends every session of the account and writes the
    /// effects. `None` when the token is unknown, expired or used.
    async fn reset_password(
        &self,
        token_hash: &str,
        now_ms: i64,
        new_hash: &PasswordHash,
        effects: Effects,
    ) -> StoreResult<Option<UserId>>;
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub id: i64,
    pub user_id: UserId,
    pub created_at: i64,
    pub last_seen_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub user_id: UserId,
    pub token_hash: String,
    pub origin: Origin,
    pub created_at: i64,
}

#[async_trait]
pub trait SessionRepo: Send + Sync {
    async fn create_session(&self, session: NewSession, effects: Effects) -> StoreResult<()>;
    async fn find_session(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>>;
    async fn touch_session(&self, id: i64, now_ms: i64) -> StoreResult<()>;
    /// Deletes the session; the effects are written for its account when it existed.
    async fn delete_session(
        &self,
        token_hash: &str,
        effects: Effects,
    ) -> StoreResult<Option<UserId>>;
}

#[derive(Debug, Clone)]
pub struct ActivityRecord {
    pub id: i64,
    pub kind: ActivityKind,
    pub origin: Origin,
    pub at_ms: i64,
}

#[async_trait]
pub trait ActivityRepo: Send + Sync {
    /// Newest first, strictly older than `before_id` when given (keyset pagination).
    async fn list_activity(
        &self,
        user: UserId,
        before_id: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<ActivityRecord>>;
}

#[async_trait]
pub trait FlashRepo: Send + Sync {
    async fn put_flash(&self, key_hash: &str, payload: &str, expires_at: i64) -> StoreResult<()>;
    /// Returns and deletes a live flash.
    async fn take_flash(&self, key_hash: &str, now_ms: i64) -> StoreResult<Option<String>>;
}

#[async_trait]
pub trait RateLimitRepo: Send + Sync {
    /// Counts one event for `key` in the fixed window starting at
    /// `window_start`, returning the count including this one.
    async fn count_hit(&self, key: &str, window_start: i64, now_ms: i64) -> StoreResult<i64>;
}

#[derive(Debug, Clone)]
pub struct QueuedMail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body_text: String,
    pub attempts: i64,
}

#[async_trait]
pub trait MailQueue: Send + Sync {
    /// Leases the oldest due message to this worker until `lease_until`, so
    /// that two server processes never send the same message at once.
    async fn claim_mail(&self, now_ms: i64, lease_until: i64) -> StoreResult<Option<QueuedMail>>;
    async fn mark_mail_sent(&self, id: i64, now_ms: i64) -> StoreResult<()>;
    /// Reschedules, or gives up when `next_attempt_at` is `None`.
    async fn mark_mail_failed(
        &self,
        id: i64,
        next_attempt_at: Option<i64>,
        error: &str,
    ) -> StoreResult<()>;
}

#[async_trait]
pub trait Health: Send + Sync {
    async fn ping(&self) -> StoreResult<()>;
    /// Deletes expired sessions, tokens, flashes and rate-limit windows.
    /// Sessions count as expired when last seen before `idle_cutoff_ms` or
    /// created before `absolute_cutoff_ms`.
    async fn purge_expired(
        &self,
        now_ms: i64,
        idle_cutoff_ms: i64,
        absolute_cutoff_ms: i64,
    ) -> StoreResult<()>;
}

/// Everything the use cases need, implemented by one storage backend.
pub trait Repository:
    UserRepo + TokenRepo + SessionRepo + ActivityRepo + FlashRepo + RateLimitRepo + MailQueue + Health
{
}

impl<T> Repository for T where
    T: UserRepo
        + TokenRepo
        + SessionRepo
        + ActivityRepo
        + FlashRepo
        + RateLimitRepo
        + MailQueue
        + Health
{
}
