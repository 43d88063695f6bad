//! What the use cases need from storage. `store` implements these for SQLite
//! and PostgreSQL. Every write that changes an account takes the [`Effects`]
//! it causes (activity rows, queued mail) and commits them in the same
//! transaction, so a crash neither loses a security mail nor sends one for a
//! change that was rolled back.

use async_trait::async_trait;
use domain::audit::{AuditEntry, ChainLink};
use domain::role::{RoleCatalog, RoleDefinition, RoleError};
use domain::{ActivityKind, FailureCount, Locale, LockoutPolicy, PasskeyKind, UserId};

use crate::error::StoreError;
use crate::password::PasswordHash;

pub type StoreResult<T> = Result<T, StoreError>;

/// Where a request came from, as recorded in the activity history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub ip: String,
    pub user_agent: String,
}

impl Origin {
    /// The key per-address limits count this client under (its /64 for
    /// IPv6): see [`domain::network::limit_key`].
    pub fn network(&self) -> String {
        domain::network::limit_key(&self.ip)
    }
}

/// One activity row to write for the account the operation acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActivity {
    pub kind: ActivityKind,
    pub origin: Origin,
    pub at_ms: i64,
    /// Set when staff acted on the account rather than its owner.
    pub details: Option<ActivityDetails>,
    /// Who acted, for the audit entry the row is also recorded as.
    pub by: ActedBy,
}

/// Who caused an activity row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActedBy {
    /// A request for the account itself: its owner's session, or a sign-in,
    /// link or form that names the account.
    Owner,
    /// A staff member.
    Staff(UserId),
    /// The operators' CLI or a job.
    System,
}

/// Who on the staff acted on an account, and why: shown to the owner in
/// their history and its CSV. Stored as JSON in the activity row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ActivityDetails {
    /// The staff member's display name at the time.
    pub actor: String,
    pub reason: String,
    /// The support view a `SupportViewed` row stands for: the history looks
    /// up when it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<i64>,
}

impl ActivityDetails {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// `None` for a column that holds nothing readable: the row still shows.
    pub fn from_json(stored: &str) -> Option<ActivityDetails> {
        serde_json::from_str(stored).ok()
    }
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
    /// Tokens to store for the account (the links in `mail`).
    pub tokens: Vec<NewToken>,
}

impl Effects {
    pub fn activity(kind: ActivityKind, origin: &Origin, at_ms: i64) -> Self {
        Effects {
            activity: vec![NewActivity {
                kind,
                origin: origin.clone(),
                at_ms,
                details: None,
                by: ActedBy::Owner,
            }],
            ..Effects::default()
        }
    }

    /// An event a staff member (`None`: the system) caused, with their name
    /// and reason.
    pub fn by_staff(
        kind: ActivityKind,
        origin: &Origin,
        at_ms: i64,
        actor: Option<UserId>,
        details: ActivityDetails,
    ) -> Self {
        Effects {
            activity: vec![NewActivity {
                kind,
                origin: origin.clone(),
                at_ms,
                details: Some(details),
                by: actor.map_or(ActedBy::System, ActedBy::Staff),
            }],
            ..Effects::default()
        }
    }

    pub fn with_mail(mut self, mail: NewMail) -> Self {
        self.mail.push(mail);
        self
    }

    pub fn with_token(mut self, token: NewToken) -> Self {
        self.tokens.push(token);
        self
    }

    pub fn and(mut self, more: Effects) -> Self {
        self.activity.extend(more.activity);
        self.mail.extend(more.mail);
        self.tokens.extend(more.tokens);
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
    /// The names of the roles it holds, in name order; none for a customer.
    pub roles: Vec<String>,
    pub created_at: i64,
    pub password_changed_at: i64,
    /// When a requested deletion erases the account, unless cancelled.
    pub delete_after: Option<i64>,
    /// Set while the account may not sign in.
    pub disabled_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub password_hash: PasswordHash,
    pub locale: Locale,
    /// Set when the address is known to be right from the start (an
    /// operator's invitation); a registration confirms it by mail.
    pub email_verified_at: Option<i64>,
    pub created_at: i64,
}

/// A single-use token whose hash is stored, such as an email verification link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    VerifyEmail,
    ResetPassword,
    /// Ends a lock early (from the lock mail).
    Unlock,
    /// "This wasn't me" in a new-device mail: ends every session.
    NotMe,
    /// Confirms a new address (payload: the address).
    ChangeEmail,
    /// "This wasn't me" in an email-changed mail (payload: the old address).
    RestoreEmail,
    /// A correct password waiting for the second factor (payload: the
    /// browser's device hash and failure key). Lives in a cookie, not a mail.
    SignInPending,
    /// The link an invited staff member sets their first password with.
    /// Handed to the inviter, never mailed or logged.
    SetPassword,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::VerifyEmail => "verify_email",
            TokenPurpose::ResetPassword => "reset_password",
            TokenPurpose::Unlock => "unlock",
            TokenPurpose::NotMe => "not_me",
            TokenPurpose::ChangeEmail => "change_email",
            TokenPurpose::RestoreEmail => "restore_email",
            TokenPurpose::SignInPending => "sign_in_pending",
            TokenPurpose::SetPassword => "set_password",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    pub purpose: TokenPurpose,
    pub hash: String,
    pub expires_at: i64,
    pub payload: Option<String>,
    /// Whether storing it voids the account's earlier tokens of the same purpose.
    pub replaces_earlier: bool,
}

/// A live token, read without using it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeekedToken {
    pub user_id: UserId,
    pub payload: Option<String>,
}

/// Why a mailed link does or does not work, for the page it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenFate {
    Live,
    Used,
    /// Voided by a newer link or by a change that ends every pending link.
    Voided,
    Expired,
}

/// A token as the store remembers it, live or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectedToken {
    pub user_id: UserId,
    pub fate: TokenFate,
}

/// One change to an account, applied with others in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountChange {
    /// Sets the password; the old hash joins the history, of which the
    /// newest `keep_history` stay.
    SetPassword {
        hash: PasswordHash,
        keep_history: u32,
    },
    /// Sets the address, verified (fails with `Conflict { field: "email" }`
    /// when another account has it).
    SetEmail(String),
    MarkEmailVerified,
    /// Sets the name the account is greeted with.
    SetDisplayName(String),
    /// Ends the sessions of the account, but the one with this id.
    EndSessions {
        except: Option<i64>,
    },
    /// Forgets every browser that signed in before: the next sign-in from
    /// any of them counts as a new device.
    ForgetDevices,
    ClearLocks,
    ScheduleDeletion {
        at_ms: i64,
    },
    /// Removes the authenticator app.
    RemoveTotp,
    /// Removes an app set-up not yet confirmed (never one that is on).
    CancelPendingTotp,
    /// Stores a new passkey (`Conflict { field: "token" }` when the
    /// credential is registered already).
    AddPasskey(NewPasskey),
    RenamePasskey {
        id: i64,
        name: String,
    },
    RemovePasskey {
        id: i64,
    },
    /// Stops the account signing in (its sessions end by `EndSessions`,
    /// given with it); an account disabled already keeps its first time.
    Disable,
    /// Lets a disabled account sign in again.
    Enable,
    /// Drops the recovery codes once no second factor is left to recover.
    DropRecoveryCodesWithoutFactor,
    /// Replaces the recovery codes with these keyed hashes.
    ReplaceRecoveryCodes(Vec<String>),
    /// Voids every mailed or pending token of the account but the "this
    /// wasn't me" links (new-device, factor and address mail): each of those
    /// undoes its own event, and voiding them would let an earlier
    /// intruder's factor stay.
    VoidTokensExceptReports,
    /// Removes the passkeys, authenticator app and recovery codes added at
    /// or after this time, and every unfinished passkey ceremony: what an
    /// intruder reported by the owner may have added.
    RemoveFactorsSince {
        since_ms: i64,
    },
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
    /// Replaces the hash with an equivalent one (new parameters); not a password change.
    async fn set_password_hash(&self, id: UserId, hash: &PasswordHash) -> StoreResult<()>;
    /// Writes effects that belong to an account without changing it.
    async fn record(&self, id: UserId, effects: Effects) -> StoreResult<()>;
    /// Applies the changes and writes the effects in one transaction.
    async fn apply(
        &self,
        id: UserId,
        changes: &[AccountChange],
        effects: Effects,
    ) -> StoreResult<()>;
    /// The newest retired password hashes, newest first.
    async fn password_history(&self, id: UserId, limit: u32) -> StoreResult<Vec<PasswordHash>>;
}

#[async_trait]
pub trait TokenRepo: Send + Sync {
    /// Voids every earlier token of the same purpose for the account and stores the new one.
    async fn replace_token(&self, id: UserId, token: NewToken, effects: Effects)
        -> StoreResult<()>;
    /// A live token of this purpose, without using it up.
    async fn peek_token(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        now_ms: i64,
    ) -> StoreResult<Option<PeekedToken>>;
    /// Consumes a live token of this purpose and, in the same transaction,
    /// applies the changes to its account and writes the effects. `None`
    /// when the token is unknown, expired or used, so each works once even
    /// under concurrent presses.
    async fn redeem_token(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        now_ms: i64,
        changes: &[AccountChange],
        effects: Effects,
    ) -> StoreResult<Option<UserId>>;
    /// What became of a token of this purpose (live, used, voided or
    /// expired); `None` when the store never had it or has forgotten it.
    async fn inspect_token(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        now_ms: i64,
    ) -> StoreResult<Option<InspectedToken>>;
    /// Counts one wrong answer given with a live token; at `max` wrong
    /// answers the token is used up and the answer is true.
    async fn count_token_failure(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        max: u32,
    ) -> StoreResult<bool>;
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub id: i64,
    pub user_id: UserId,
    /// Where it was last used from.
    pub origin: Origin,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// When its owner last proved themselves (sign-in or re-authentication).
    pub reauth_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub user_id: UserId,
    pub token_hash: String,
    pub origin: Origin,
    pub created_at: i64,
    /// The browser's device cookie (keyed hash): remembered as a known device.
    pub device_hash: String,
    /// The failure counter that a complete sign-in resets.
    pub failure_key: String,
}

#[async_trait]
pub trait SessionRepo: Send + Sync {
    /// Opens the session and, in the same transaction, resets the failure
    /// counter, remembers the device, cancels a pending deletion and writes
    /// the effects.
    async fn create_session(&self, session: NewSession, effects: Effects) -> StoreResult<()>;
    /// The session with this token, and its account.
    async fn find_session(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<(SessionRecord, UserRecord)>>;
    /// Records that the session was used now, from this address.
    async fn touch_session(&self, id: i64, now_ms: i64, ip: &str) -> StoreResult<()>;
    /// Deletes the session; the effects are written for its account when it existed.
    async fn delete_session(
        &self,
        token_hash: &str,
        effects: Effects,
    ) -> StoreResult<Option<UserId>>;
    /// Opens sudo mode on the session and gives it a new token (its hash
    /// here), so that a token seen before the re-authentication is worth
    /// less than one seen after.
    async fn mark_reauthenticated(
        &self,
        session_id: i64,
        new_token_hash: &str,
        now_ms: i64,
        effects: Effects,
    ) -> StoreResult<()>;
    /// The account's sessions, most recently used first.
    async fn list_sessions(&self, user: UserId) -> StoreResult<Vec<SessionRecord>>;
    /// Deletes one session of this account (and no other account's);
    /// false when there was none.
    async fn delete_session_of(
        &self,
        user: UserId,
        session_id: i64,
        effects: Effects,
    ) -> StoreResult<bool>;
}

/// What the store knows about the browser behind a sign-in attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceKnowledge {
    /// This browser completed a sign-in to the account before.
    pub known: bool,
    /// Some browser did (false before the first sign-in).
    pub any_known: bool,
}

/// The counter a failed sign-in counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureCounter<'a> {
    /// An account's: `key` is a known browser's device hash, or `""` for
    /// every other browser.
    Account { user: UserId, key: &'a str },
    /// A typed address without an account, by its keyed hash: it locks by
    /// the same rule, so the answer does not tell the two apart.
    Address(&'a str),
}

#[async_trait]
pub trait LockoutRepo: Send + Sync {
    async fn device_knowledge(
        &self,
        user: UserId,
        device_hash: &str,
    ) -> StoreResult<DeviceKnowledge>;
    async fn failure_count(&self, counter: FailureCounter<'_>) -> StoreResult<FailureCount>;
    /// Counts one failed sign-in against `counter`, by the policy's rule,
    /// atomically across processes, and writes `effects` (for an account's
    /// counter). When this failure starts a lock, `lock_effects` are
    /// written too and the answer is true: exactly one caller sees true per lock.
    async fn record_sign_in_failure(
        &self,
        counter: FailureCounter<'_>,
        now_ms: i64,
        policy: &LockoutPolicy,
        effects: Effects,
        lock_effects: Effects,
    ) -> StoreResult<bool>;
}

#[derive(Debug, Clone)]
pub struct ActivityRecord {
    pub id: i64,
    pub kind: ActivityKind,
    pub origin: Origin,
    pub at_ms: i64,
    /// Who on the staff acted, and why, for the rows staff caused.
    pub details: Option<ActivityDetails>,
    /// For a support view's row: when the view ended, or ends if it runs.
    /// Filled in by the service from the view (the store leaves it `None`).
    pub view_ends_at: Option<i64>,
}

#[async_trait]
pub trait ActivityRepo: Send + Sync {
    /// Newest first, strictly older than `before_id` when given (keyset
    /// pagination), only of the given kinds unless `kinds` is empty.
    async fn list_activity(
        &self,
        user: UserId,
        kinds: &[ActivityKind],
        before_id: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<ActivityRecord>>;
}

#[async_trait]
pub trait FlashRepo: Send + Sync {
    async fn put_flash(&self, key_hash: &str, payload: &str, expires_at: i64) -> StoreResult<()>;
    /// Returns and deletes a live flash.
    async fn take_flash(&self, key_hash: &str, now_ms: i64) -> StoreResult<Option<String>>;
    /// Returns a live flash and leaves it.
    async fn peek_flash(&self, key_hash: &str, now_ms: i64) -> StoreResult<Option<String>>;
}

#[async_trait]
pub trait RateLimitRepo: Send + Sync {
    /// Counts one event for `key` in the fixed window starting at
    /// `window_start`, returning the count including this one.
    async fn count_hit(&self, key: &str, window_start: i64, now_ms: i64) -> StoreResult<i64>;
    /// Whether a request under `key` was noted at or after `since_ms`.
    async fn seen_since(&self, key: &str, since_ms: i64) -> StoreResult<bool>;
    /// Notes a request under `key`; true unless one was noted at or after
    /// `since_ms` (then this one is a repeat, and the first keeps its time).
    async fn note_request(&self, key: &str, since_ms: i64, now_ms: i64) -> StoreResult<bool>;
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
    /// Marks the message delivered and blanks its body, which may hold a
    /// live link.
    async fn mark_mail_sent(&self, id: i64, now_ms: i64) -> StoreResult<()>;
    /// Reschedules, or gives up (and blanks the body) when `next_attempt_at` is `None`.
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
    /// Deletes expired sessions, tokens, flashes and rate-limit windows,
    /// forgotten devices and failure counters, mail delivered or given up
    /// before `mail_cutoff_ms`, and the accounts whose deletion grace period
    /// has ended (with their queued mail; their audit entries stay with
    /// their personal fields blanked, and the erasure is appended to the
    /// chain with the system as its actor). Sessions count as expired when
    /// last seen before `idle_cutoff_ms` or created before `absolute_cutoff_ms`.
    async fn purge_expired(
        &self,
        now_ms: i64,
        idle_cutoff_ms: i64,
        absolute_cutoff_ms: i64,
        mail_cutoff_ms: i64,
    ) -> StoreResult<()>;
}

/// An account's authenticator app, as stored.
#[derive(Debug, Clone)]
pub struct TotpRecord {
    pub sealed_secret: String,
    /// False while the enrollment waits for its first code.
    pub confirmed: bool,
    pub created_at: i64,
    /// The session that started an unconfirmed enrollment: only it sees the secret.
    pub started_by_session: Option<i64>,
}

#[async_trait]
pub trait SecondFactorRepo: Send + Sync {
    async fn totp_factor(&self, user: UserId) -> StoreResult<Option<TotpRecord>>;
    /// Stores a new, unconfirmed secret in place of an earlier unconfirmed
    /// one; a confirmed factor stays and the answer is `Conflict`.
    async fn put_pending_totp(
        &self,
        user: UserId,
        sealed_secret: &str,
        now_ms: i64,
        session_id: i64,
    ) -> StoreResult<()>;
    /// Confirms the pending factor with the step of its first code and, when
    /// given, stores the recovery codes' hashes in place of the account's
    /// (`None` keeps them); false when nothing was pending.
    async fn confirm_totp(
        &self,
        user: UserId,
        step: i64,
        recovery_hashes: Option<&[String]>,
        effects: Effects,
    ) -> StoreResult<bool>;
    /// Records that a code of `step` was used; false when that step or a
    /// later one was used before (a replay).
    async fn use_totp_step(&self, user: UserId, step: i64) -> StoreResult<bool>;
    /// Uses up an unused recovery code of the account; false when there is none.
    async fn use_recovery_code(
        &self,
        user: UserId,
        code_hash: &str,
        effects: Effects,
    ) -> StoreResult<bool>;
    async fn recovery_codes_left(&self, user: UserId) -> StoreResult<u32>;
}

/// A passkey to store with its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPasskey {
    /// The credential id, base64url.
    pub credential_id: String,
    pub name: String,
    pub kind: PasskeyKind,
    /// webauthn-rs' serialised credential.
    pub credential: String,
}

/// A stored passkey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyRecord {
    pub id: i64,
    pub user_id: UserId,
    pub name: String,
    pub kind: PasskeyKind,
    pub credential: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A WebAuthn ceremony between its start and its finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CeremonyRecord {
    pub user_id: Option<UserId>,
    pub state: String,
    pub expires_at: i64,
}

#[async_trait]
pub trait PasskeyRepo: Send + Sync {
    async fn passkeys(&self, user: UserId) -> StoreResult<Vec<PasskeyRecord>>;
    async fn passkey_by_credential(
        &self,
        credential_id: &str,
    ) -> StoreResult<Option<PasskeyRecord>>;
    /// Saves the credential's new counter and flags after a sign-in with it.
    async fn record_passkey_use(
        &self,
        passkey: &PasskeyRecord,
        credential: &str,
        effects: Effects,
    ) -> StoreResult<()>;
    /// Keeps a ceremony's state under the keyed hash of its id; drops
    /// expired ones on the way.
    async fn put_ceremony(
        &self,
        id_hash: &str,
        purpose: &str,
        ceremony: &CeremonyRecord,
        now_ms: i64,
    ) -> StoreResult<()>;
    /// Takes the ceremony out (it works once), whether expired or not.
    async fn take_ceremony(
        &self,
        id_hash: &str,
        purpose: &str,
    ) -> StoreResult<Option<CeremonyRecord>>;
}

/// Who changes roles, and why: the subject of a role change is separate
/// from its actor. `actor` is `None` for the operators' CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleChange<'a> {
    pub actor: Option<UserId>,
    pub target: UserId,
    pub reason: &'a str,
    pub at_ms: i64,
}

/// What a role change is checked against, read under the role lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSnapshot {
    pub catalog: RoleCatalog,
    /// The roles the actor holds (none for the CLI).
    pub actor_roles: Vec<String>,
    /// The roles the target holds.
    pub target_roles: Vec<String>,
}

/// The rule a role change must pass, decided by the service and run by the
/// store inside the transaction that writes the change.
pub type RoleCheck<'a> = &'a (dyn Fn(&RoleSnapshot) -> Result<(), RoleError> + Send + Sync);

/// A staff member (an account holding a role), for the team list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRecord {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub roles: Vec<String>,
    /// The newest session's start, if any.
    pub last_sign_in_at: Option<i64>,
    /// A confirmed authenticator app.
    pub authenticator_app: bool,
    /// At least one passkey or security key.
    pub passkey: bool,
    pub disabled_at: Option<i64>,
    /// The day (its start) of the latest security training recorded.
    pub trained_on: Option<i64>,
}

impl StaffRecord {
    /// An authenticator app or a passkey: without one, the roles grant nothing.
    pub fn has_second_factor(&self) -> bool {
        self.authenticator_app || self.passkey
    }
}

/// What a grant log row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleAction {
    Grant,
    Revoke,
    /// The account disabled as part of an offboarding.
    Offboard,
}

impl RoleAction {
    pub fn as_str(self) -> &'static str {
        match self {
            RoleAction::Grant => "grant",
            RoleAction::Revoke => "revoke",
            RoleAction::Offboard => "offboard",
        }
    }

    pub fn parse(name: &str) -> Option<RoleAction> {
        [RoleAction::Grant, RoleAction::Revoke, RoleAction::Offboard]
            .into_iter()
            .find(|a| a.as_str() == name)
    }
}

/// One row of the grant log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleLogRecord {
    pub id: i64,
    pub actor: Option<UserId>,
    pub target: UserId,
    pub role: Option<String>,
    pub action: RoleAction,
    pub reason: String,
    pub at_ms: i64,
}

/// Roles, grants and the grant log. Every method that changes them takes
/// the role lock first (the role rows `FOR UPDATE` on PostgreSQL, the write
/// lock on SQLite), reads the snapshot, runs the check and writes in the
/// same transaction, so two changes never decide on the same stale state.
/// A refused check writes nothing and comes back as the inner `Err`.
#[async_trait]
pub trait RoleRepo: Send + Sync {
    async fn role_catalog(&self) -> StoreResult<RoleCatalog>;
    /// Grants `role` and ends the target's sessions, so that new privileges
    /// come with a new session token; `Ok(false)` when the target held the
    /// role already (nothing is written then).
    async fn grant_role(
        &self,
        change: RoleChange<'_>,
        role: &str,
        check: RoleCheck<'_>,
    ) -> StoreResult<Result<bool, RoleError>>;
    /// Revokes `role`; `Ok(false)` when the target did not hold it.
    async fn revoke_role(
        &self,
        change: RoleChange<'_>,
        role: &str,
        check: RoleCheck<'_>,
    ) -> StoreResult<Result<bool, RoleError>>;
    /// Disables the account, revokes every role it holds, ends every
    /// session and logs each step with the reason; returns the roles revoked.
    async fn offboard(
        &self,
        change: RoleChange<'_>,
        check: RoleCheck<'_>,
    ) -> StoreResult<Result<Vec<String>, RoleError>>;
    /// Creates a custom role or replaces one (its description, permissions
    /// and includes). The check sees the catalog before the change (no
    /// target roles); the store itself refuses a built-in role, an unknown
    /// include and a cycle.
    async fn put_role(
        &self,
        actor: Option<UserId>,
        role: &RoleDefinition,
        at_ms: i64,
        check: RoleCheck<'_>,
    ) -> StoreResult<Result<(), RoleError>>;
    /// Every account that holds a role, by address.
    async fn staff_members(&self) -> StoreResult<Vec<StaffRecord>>;
    /// The grant log about one account, oldest first.
    async fn role_log(&self, target: UserId) -> StoreResult<Vec<RoleLogRecord>>;
}

/// One account a console search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSummary {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
}

/// What the staff console reads beyond the other ports.
#[async_trait]
pub trait SupportRepo: Send + Sync {
    /// Customers (accounts holding no role) whose address or lower-cased
    /// name contains `term` (matched literally: `%`, `_` and `\` are no
    /// wildcards), or whose id is `id`; by id, `offset` skipped.
    async fn search_customers(
        &self,
        term: &str,
        id: Option<i64>,
        offset: u32,
        limit: u32,
    ) -> StoreResult<Vec<AccountSummary>>;
    /// The end of the latest sign-in lock of the account still running at
    /// `now_ms` (on any of its counters), if any.
    async fn lock_ends(&self, user: UserId, now_ms: i64) -> StoreResult<Option<i64>>;
    /// Starts a support view in one transaction: ends the staff session's
    /// running view, stores this one, and writes the customer's effects,
    /// whose `SupportViewed` rows are given the new view's id. Returns it.
    async fn start_view(&self, view: &NewSupportView, effects: Effects) -> StoreResult<i64>;
    /// The staff session's view running at `now_ms` (not ended, not expired).
    async fn live_view(
        &self,
        staff_session: i64,
        now_ms: i64,
    ) -> StoreResult<Option<SupportViewRecord>>;
    /// Ends the staff session's running view, if it has one; true if it had.
    async fn end_view(&self, staff_session: i64, now_ms: i64) -> StoreResult<bool>;
    /// The customer's views started at or after `since_ms`.
    async fn views_of(
        &self,
        customer: UserId,
        since_ms: i64,
    ) -> StoreResult<Vec<SupportViewRecord>>;
}

/// A support view to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSupportView {
    pub staff_session_id: i64,
    pub staff_user_id: UserId,
    pub customer_id: UserId,
    pub reason: String,
    pub window: domain::ViewWindow,
}

/// A stored support view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportViewRecord {
    pub id: i64,
    pub staff_session_id: i64,
    pub staff_user_id: UserId,
    pub customer_id: UserId,
    pub reason: String,
    pub window: domain::ViewWindow,
}

/// The audit chain as stored. Entries are appended by the other ports,
/// in the transactions of the changes they record; this port reads the
/// chain and archives its oldest part.
#[async_trait]
pub trait AuditRepo: Send + Sync {
    /// The last archived entry, the chain's start here (genesis when none).
    async fn audit_anchor(&self) -> StoreResult<ChainLink>;
    /// Up to `limit` entries with ids above `after_id`, in id order.
    async fn audit_page(&self, after_id: i64, limit: u32) -> StoreResult<Vec<AuditEntry>>;
    /// Up to `limit` entries matching `filter` with ids below `before_id`
    /// (all when `None`), newest first.
    async fn search_audit(
        &self,
        filter: &AuditFilter,
        before_id: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<AuditEntry>>;
    /// Which of these account ids still have an account.
    async fn existing_accounts(&self, ids: &[i64]) -> StoreResult<Vec<i64>>;
    /// The id of the last entry of the longest run of entries, from the
    /// anchor on, made before `before_ms`; `None` when the first is newer.
    async fn audit_archive_end(&self, before_ms: i64) -> StoreResult<Option<i64>>;
    /// Deletes the entries up to `through` and makes it the anchor, in one
    /// transaction that also appends a `log_archived` entry (actor: system)
    /// made at `at_ms`. False, with nothing changed, when the entry
    /// `through` names is not there with that hash (a concurrent archive).
    async fn finish_archive(
        &self,
        through: &ChainLink,
        archived: u64,
        at_ms: i64,
    ) -> StoreResult<bool>;
    /// Appends a `log_exported` entry: `by` (none: an operator) exported
    /// the entries `filter` matches as `format`.
    async fn record_audit_export(
        &self,
        by: Option<UserId>,
        filter: &AuditFilter,
        format: &str,
        at_ms: i64,
    ) -> StoreResult<()>;
}

/// What the audit log is filtered by; `None` matches every entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<i64>,
    pub subject: Option<i64>,
    /// An entry kind's stored name (`AuditKind::as_str`).
    pub kind: Option<String>,
    /// Entries made at or after this time.
    pub from_ms: Option<i64>,
    /// Entries made before this time.
    pub until_ms: Option<i64>,
}

/// A failed sign-in as the detection rules count it: the client's network
/// (its per-address limit key) and the keyed hash of the address typed,
/// whether an account has it or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailedSignIn<'a> {
    pub network: &'a str,
    pub address_key: &'a str,
    pub at_ms: i64,
}

/// What the failed sign-ins noted so far add up to, the new one included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCounts {
    /// Distinct addresses that failed from the network since `network_since`.
    pub addresses_from_network: u32,
    /// Failures for the address since `address_since`.
    pub failures_for_address: u32,
}

/// Where a new alert is sent, through the alert delivery queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertChannel {
    /// A signed JSON `POST` to the configured URL.
    Webhook,
    /// A mail to the configured address.
    Mail,
}

impl AlertChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertChannel::Webhook => "webhook",
            AlertChannel::Mail => "mail",
        }
    }

    pub fn parse(name: &str) -> Option<AlertChannel> {
        [AlertChannel::Webhook, AlertChannel::Mail]
            .into_iter()
            .find(|c| c.as_str() == name)
    }
}

/// One event of a rule, to store as a new incident or to add to the open
/// one of the same rule and subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert<'a> {
    pub rule: domain::AlertRule,
    /// Whom or what it is about: `account:ID`, `network:KEY`.
    pub subject_key: &'a str,
    /// The account it is about, if any.
    pub account: Option<UserId>,
    /// The client address of the event, if one made it.
    pub ip: Option<&'a str>,
    /// The rule's measure at this event (failures, addresses, views).
    pub observed: i64,
    pub at_ms: i64,
    /// An incident whose last event is older than this is closed: the
    /// event opens a new one.
    pub open_since_ms: i64,
}

/// What a staff member wrote when acknowledging an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledgement {
    pub by: UserId,
    pub at_ms: i64,
    pub note: String,
}

/// A stored alert: one incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecord {
    pub id: i64,
    pub rule: domain::AlertRule,
    pub subject_key: String,
    pub account: Option<UserId>,
    /// The address of the latest event.
    pub ip: Option<String>,
    /// Events of the incident.
    pub events: i64,
    /// The rule's measure at the latest event.
    pub observed: i64,
    pub first_at: i64,
    pub last_at: i64,
    pub acknowledged: Option<Acknowledgement>,
}

/// An alert's delivery, leased to one worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertDelivery {
    pub id: i64,
    pub channel: AlertChannel,
    pub attempts: i64,
    pub alert: AlertRecord,
}

/// Alerts: the failed sign-ins the rules count, the incidents, their
/// acknowledgement and their delivery queue (leased like the mail queue).
#[async_trait]
pub trait AlertRepo: Send + Sync {
    /// Notes a failed sign-in and counts, with it, the distinct addresses
    /// that failed from its network and the failures for its address.
    async fn note_failed_sign_in(
        &self,
        attempt: &FailedSignIn<'_>,
        network_since: i64,
        address_since: i64,
    ) -> StoreResult<FailureCounts>;
    /// Adds the event to the open incident of its rule and subject (one
    /// more event, the latest time, address and measure), or opens a new
    /// one and queues its delivery on each channel, in one transaction
    /// that runs one at a time across processes. Returns the alert's id and
    /// whether it is new.
    async fn raise_alert(
        &self,
        alert: &NewAlert<'_>,
        channels: &[AlertChannel],
    ) -> StoreResult<(i64, bool)>;
    /// Newest first, older than `before_id` when given.
    async fn alerts_page(
        &self,
        before_id: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<AlertRecord>>;
    /// Oldest first, newer than `after_id`: what a live list has not shown.
    async fn alerts_after(&self, after_id: i64, limit: u32) -> StoreResult<Vec<AlertRecord>>;
    async fn find_alert(&self, id: i64) -> StoreResult<Option<AlertRecord>>;
    /// Acknowledges the alert with the note and appends the audit entry, in
    /// one transaction; false when it was acknowledged already or is unknown.
    async fn acknowledge_alert(
        &self,
        id: i64,
        acknowledgement: &Acknowledgement,
    ) -> StoreResult<bool>;
    /// Leases the oldest due delivery until `lease_until`.
    async fn claim_alert_delivery(
        &self,
        now_ms: i64,
        lease_until: i64,
    ) -> StoreResult<Option<AlertDelivery>>;
    async fn mark_alert_delivered(&self, id: i64, now_ms: i64) -> StoreResult<()>;
    /// Reschedules, or gives up when `next_attempt_at` is `None`.
    async fn mark_alert_delivery_failed(
        &self,
        id: i64,
        next_attempt_at: Option<i64>,
        error: &str,
    ) -> StoreResult<()>;
}

/// A grant as a campaign's opening reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    pub user: UserId,
    pub role: String,
    pub granted_at: i64,
    pub last_used_at: Option<i64>,
}

/// What the opening of a campaign decides on, read under the role lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningSnapshot {
    pub latest: Option<domain::review::LatestCampaign>,
    /// Every grant, by account then role.
    pub grants: Vec<GrantRecord>,
    pub catalog: RoleCatalog,
}

/// One item of a campaign to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReviewItem {
    pub grant: GrantRecord,
    pub removal_candidate: bool,
    pub reviewer: Option<UserId>,
}

/// The campaign an opening writes, or nothing when the plan says no.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignPlan {
    pub due_at: i64,
    pub items: Vec<NewReviewItem>,
}

/// Decides, under the role lock, whether to open a campaign and with which
/// items; `None` opens none.
pub type OpeningPlan<'a> = &'a (dyn Fn(&OpeningSnapshot) -> Option<CampaignPlan> + Send + Sync);

/// A stored campaign with its progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignRecord {
    pub id: i64,
    pub seq: i64,
    pub opened_by: Option<UserId>,
    pub opened_at: i64,
    pub due_at: i64,
    pub closed_at: Option<i64>,
    pub closed_by: Option<UserId>,
    pub close_reason: Option<String>,
    pub items: i64,
    pub decided: i64,
}

impl CampaignRecord {
    /// Every item decided, or closed: its report is final.
    pub fn finished(&self) -> bool {
        self.closed_at.is_some() || self.decided == self.items
    }
}

/// A decision taken on an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemDecision {
    pub decision: domain::review::Decision,
    pub by: UserId,
    pub reason: String,
    pub at_ms: i64,
}

/// A stored review item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewItemRecord {
    pub id: i64,
    pub campaign_id: i64,
    pub grant: GrantRecord,
    pub removal_candidate: bool,
    pub reviewer: Option<UserId>,
    pub decided: Option<ItemDecision>,
}

/// An overdue item the alert has not been raised for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverdueItem {
    pub id: i64,
    pub grantee: UserId,
    pub due_at: i64,
}

/// The rule a decision must pass, run by the store under the role lock
/// with the item and the role snapshot (actor: the reviewer, target: the grantee).
pub type DecisionCheck<'a> =
    &'a (dyn Fn(&RoleSnapshot, &ReviewItemRecord) -> Result<(), RoleError> + Send + Sync);

/// What deciding an item did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decided {
    Done,
    /// Another decision came first: nothing written.
    AlreadyDecided,
    /// The campaign was closed: nothing written.
    Closed,
    NoSuchItem,
}

/// Access-review campaigns, their items, the use of grants, and the staff's
/// security training. Openings and decisions take the role lock, like the
/// grant changes they read and make, and append to the audit chain in their
/// transaction.
#[async_trait]
pub trait ReviewRepo: Send + Sync {
    /// Opens the next campaign if the plan says so, numbered after the
    /// latest (a unique key: two processes never open the same one), with
    /// its items and its audit entry, in one transaction. Returns its id.
    async fn open_campaign(
        &self,
        opened_by: Option<UserId>,
        at_ms: i64,
        plan: OpeningPlan<'_>,
    ) -> StoreResult<Option<i64>>;
    /// Newest first.
    async fn campaigns(&self, limit: u32) -> StoreResult<Vec<CampaignRecord>>;
    async fn campaign(&self, id: i64) -> StoreResult<Option<CampaignRecord>>;
    /// Up to `limit` items of the campaign with ids above `after_id`, in id order.
    async fn review_items(
        &self,
        campaign: i64,
        after_id: i64,
        limit: u32,
    ) -> StoreResult<Vec<ReviewItemRecord>>;
    /// Decides an undecided item of an open campaign: a revocation deletes
    /// the grant, logs it and appends its `role_revoked` entry as a revoke
    /// from the team page does; the decision and its entry go in the same
    /// transaction.
    async fn decide_item(
        &self,
        item: i64,
        decision: &ItemDecision,
        check: DecisionCheck<'_>,
    ) -> StoreResult<Result<Decided, RoleError>>;
    /// Closes an open campaign with a reason, appended to the chain; false
    /// when it was closed already or is unknown.
    async fn close_campaign(
        &self,
        id: i64,
        by: UserId,
        reason: &str,
        at_ms: i64,
    ) -> StoreResult<bool>;
    /// Undecided items of open campaigns due at or before `now_ms` whose
    /// alert has not been raised.
    async fn overdue_items(&self, now_ms: i64) -> StoreResult<Vec<OverdueItem>>;
    async fn mark_overdue_alerted(&self, item: i64, at_ms: i64) -> StoreResult<()>;
    /// Notes that the account used these roles' grants at `at_ms`, unless a
    /// use on or after `day_start` was noted already.
    async fn note_grant_use(
        &self,
        user: UserId,
        roles: &[String],
        at_ms: i64,
        day_start: i64,
    ) -> StoreResult<()>;
    /// Records completed training and appends its entry, in one transaction.
    async fn record_training(
        &self,
        user: UserId,
        course: &str,
        completed_on: i64,
        at_ms: i64,
    ) -> StoreResult<()>;
    /// The account's latest training: its day and course.
    async fn latest_training(&self, user: UserId) -> StoreResult<Option<(i64, String)>>;
}

/// Everything the use cases need, implemented by one storage backend.
pub trait Repository:
    UserRepo
    + TokenRepo
    + SessionRepo
    + LockoutRepo
    + SecondFactorRepo
    + PasskeyRepo
    + RoleRepo
    + SupportRepo
    + AlertRepo
    + ReviewRepo
    + ActivityRepo
    + FlashRepo
    + RateLimitRepo
    + MailQueue
    + AuditRepo
    + Health
{
}

impl<T> Repository for T where
    T: UserRepo
        + TokenRepo
        + SessionRepo
        + LockoutRepo
        + SecondFactorRepo
        + PasskeyRepo
        + RoleRepo
        + SupportRepo
        + AlertRepo
        + ReviewRepo
        + ActivityRepo
        + FlashRepo
        + RateLimitRepo
        + MailQueue
        + AuditRepo
        + Health
{
}
