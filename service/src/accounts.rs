//! Registration, email verification, sign-in, sessions and the activity
//! history: the first customer journey.

use std::sync::Arc;

use domain::{ActivityKind, DisplayName, Email, Locale, Permission, Role, UserId};

use crate::clock::Clock;
use crate::config::{Policy, RateLimit};
use crate::crypto::{looks_like_token, new_token, ServerKey};
use crate::error::{FieldIssue, ServiceError, StoreError};
use crate::mail::{already_registered_mail, password_changed_mail, reset_mail, verification_mail};
use crate::password::{is_guessable, PasswordHasher, Verified};
use crate::ports::{
    ActivityRecord, Effects, NewMail, NewSession, NewToken, NewUser, Origin, Repository,
    TokenPurpose,
};

/// Who made a request, as the use cases see it.
pub type ClientInfo = Origin;

/// The signed-in account behind a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub email_verified: bool,
    pub locale: Locale,
    pub roles: Vec<Role>,
}

impl CurrentUser {
    pub fn may(&self, permission: Permission) -> bool {
        domain::role::roles_grant(&self.roles, permission)
    }
}

/// What the registration form submitted.
#[derive(Debug, Clone)]
pub struct RegistrationForm<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub locale: Locale,
}

/// A session just created; the token goes into the cookie and nowhere else.
#[derive(Debug)]
pub struct SignedIn {
    pub user_id: UserId,
    pub session_token: String,
}

/// A session is written back at most this often, so that browsing does not
/// turn every page view into a database write.
const SESSION_TOUCH_INTERVAL_MS: i64 = 60_000;

pub struct Accounts {
    repo: Arc<dyn Repository>,
    clock: Arc<dyn Clock>,
    hasher: PasswordHasher,
    key: ServerKey,
    policy: Policy,
    public_url: String,
}

impl Accounts {
    pub fn new(
        repo: Arc<dyn Repository>,
        clock: Arc<dyn Clock>,
        key: ServerKey,
        policy: Policy,
        public_url: &str,
    ) -> Result<Self, ServiceError> {
        let hasher = PasswordHasher::new(policy.argon2, policy.max_concurrent_hashes)?;
        Ok(Accounts {
            repo,
            clock,
            hasher,
            key,
            policy,
            public_url: public_url.trim_end_matches('/').to_owned(),
        })
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Registers an account and mails a verification link. An address that
    /// already has an account gets a "you already have an account" mail and
    /// the caller gets the same answer, in about the same time.
    pub async fn register(
        &self,
        form: RegistrationForm<'_>,
        origin: &Origin,
    ) -> Result<(), ServiceError> {
        self.limit(
            &format!("register:ip:{}", origin.ip),
            self.policy.registration_per_ip,
        )
        .await?;
        let (email, name) = self.validate_registration(&form)?;
        let hash = self.hasher.hash(form.password).await?;
        let now = self.clock.now_ms();
        if let Some(existing) = self.repo.find_user_by_email(email.as_str()).await? {
            return self
                .mail_already_registered(
                    existing.id,
                    &existing.email,
                    &existing.display_name,
                    existing.locale,
                )
                .await;
        }
        let token = new_token();
        let mail = self.verification_mail(form.locale, email.as_str(), name.as_str(), &token);
        let user = NewUser {
            email: email.as_str().to_owned(),
            display_name: name.as_str().to_owned(),
            password_hash: hash,
            locale: form.locale,
            role: Role::Customer,
            created_at: now,
        };
        let effects = Effects::activity(ActivityKind::Registered, origin, now).with_mail(mail);
        match self
            .repo
            .create_user(user, self.verification_token(&token, now), effects)
            .await
        {
            Ok(id) => {
                tracing::info!(user_id = %id, "account registered");
                Ok(())
            }
            // Lost a race with another registration of the same address.
            Err(StoreError::Conflict { field: "email" }) => {
                let existing = self
                    .repo
                    .find_user_by_email(email.as_str())
                    .await?
                    .ok_or(StoreError::Conflict { field: "email" })?;
                self.mail_already_registered(
                    existing.id,
                    &existing.email,
                    &existing.display_name,
                    existing.locale,
                )
                .await
            }
            Err(other) => Err(other.into()),
        }
    }

    fn validate_registration(
        &self,
        form: &RegistrationForm<'_>,
    ) -> Result<(Email, DisplayName), ServiceError> {
        let mut issues = Vec::new();
        let email = Email::parse(form.email)
            .map_err(|e| issues.push(FieldIssue::new("email", e.code())))
            .ok();
        let name = DisplayName::parse(form.display_name)
            .map_err(|e| issues.push(FieldIssue::new("display_name", e.code())))
            .ok();
        let local = email.as_ref().map(Email::local_part).unwrap_or_default();
        let name_text = name.as_ref().map(DisplayName::as_str).unwrap_or_default();
        issues.extend(self.password_issues(form.password, local, name_text));
        match (email, name) {
            (Some(email), Some(name)) if issues.is_empty() => Ok((email, name)),
            _ => Err(ServiceError::Validation(issues)),
        }
    }

    /// The structural rules, then the dictionary check the browser cannot run.
    fn password_issues(&self, password: &str, email_local: &str, name: &str) -> Vec<FieldIssue> {
        let mut issues: Vec<FieldIssue> = self
            .policy
            .password
            .check(password, email_local, name)
            .into_iter()
            .map(|issue| FieldIssue::new("password", issue.code()))
            .collect();
        let length_ok = !issues.iter().any(|i| i.code == "password.too_long");
        if length_ok && is_guessable(password, &[email_local, name]) {
            issues.push(FieldIssue::new(
                "password",
                domain::PolicyIssue::TooCommon.code(),
            ));
        }
        issues
    }

    async fn mail_already_registered(
        &self,
        id: UserId,
        email: &str,
        name: &str,
        locale: Locale,
    ) -> Result<(), ServiceError> {
        let mail =
            already_registered_mail(locale, email, name, &format!("{}/login", self.public_url));
        self.repo
            .record(
                id,
                Effects {
                    mail: vec![mail],
                    ..Effects::default()
                },
            )
            .await?;
        Ok(())
    }

    fn verification_token(&self, token: &str, now: i64) -> NewToken {
        self.new_token_record(
            TokenPurpose::VerifyEmail,
            token,
            now + self.policy.verification_link_secs * 1000,
        )
    }

    /// The mail carrying a verification link for `token`.
    fn verification_mail(&self, locale: Locale, to: &str, name: &str, token: &str) -> NewMail {
        verification_mail(
            locale,
            to,
            name,
            &self.link("/verify-email", token),
            self.policy.verification_link_secs / 3600,
        )
    }

    fn new_token_record(&self, purpose: TokenPurpose, token: &str, expires_at: i64) -> NewToken {
        NewToken {
            purpose,
            hash: self.key.token_hash(token),
            expires_at,
        }
    }

    fn link(&self, path: &str, token: &str) -> String {
        format!("{}{path}?token={token}", self.public_url)
    }

    /// Marks the address behind a verification link as verified. Unknown,
    /// used, expired and malformed tokens are one error.
    pub async fn verify_email(&self, token: &str, origin: &Origin) -> Result<UserId, ServiceError> {
        if !looks_like_token(token) {
            return Err(ServiceError::TokenInvalid);
        }
        let now = self.clock.now_ms();
        let effects = Effects::activity(ActivityKind::EmailVerified, origin, now);
        let verified = self
            .repo
            .verify_email(&self.key.token_hash(token), now, effects)
            .await?;
        verified.ok_or(ServiceError::TokenInvalid)
    }

    /// Sends a fresh verification link, voiding the earlier ones.
    pub async fn resend_verification(
        &self,
        user: &CurrentUser,
        origin: &Origin,
    ) -> Result<(), ServiceError> {
        if user.email_verified {
            return Ok(());
        }
        self.limit(
            &format!("resend:ip:{}", origin.ip),
            self.policy.resend_per_ip,
        )
        .await?;
        self.limit(
            &format!("resend:user:{}", user.id),
            self.policy.resend_per_account,
        )
        .await?;
        let now = self.clock.now_ms();
        let token = new_token();
        let mail = self.verification_mail(user.locale, &user.email, &user.display_name, &token);
        let effects =
            Effects::activity(ActivityKind::VerificationResent, origin, now).with_mail(mail);
        self.repo
            .replace_token(user.id, self.verification_token(&token, now), effects)
            .await?;
        Ok(())
    }

    /// Checks the password and opens a session with a fresh token. An
    /// unknown address costs the same as a wrong password and fails the same.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        origin: &Origin,
    ) -> Result<SignedIn, ServiceError> {
        self.limit(
            &format!("sign_in:ip:{}", origin.ip),
            self.policy.sign_in_per_ip,
        )
        .await?;
        let user = match Email::parse(email) {
            Ok(email) if password.chars().count() <= self.policy.password.max_chars => {
                self.repo.find_user_by_email(email.as_str()).await?
            }
            _ => None,
        };
        let outcome = self
            .hasher
            .verify(password, user.as_ref().map(|u| &u.password_hash))
            .await?;
        let now = self.clock.now_ms();
        let Some(user) = user else {
            tracing::info!(ip = %origin.ip, outcome = "unknown_account", "sign-in refused");
            return Err(ServiceError::InvalidCredentials);
        };
        match outcome {
            Verified::No => {
                self.repo
                    .record(
                        user.id,
                        Effects::activity(ActivityKind::SignInFailed, origin, now),
                    )
                    .await?;
                tracing::info!(user_id = %user.id, ip = %origin.ip, outcome = "wrong_password", "sign-in refused");
                Err(ServiceError::InvalidCredentials)
            }
            Verified::Yes | Verified::YesRehashed(_) => {
                if let Verified::YesRehashed(rehashed) = &outcome {
                    self.repo.set_password_hash(user.id, rehashed).await?;
                }
                let token = new_token();
                let session = NewSession {
                    user_id: user.id,
                    token_hash: self.key.token_hash(&token),
                    origin: origin.clone(),
                    created_at: now,
                };
                self.repo
                    .create_session(
                        session,
                        Effects::activity(ActivityKind::SignedIn, origin, now),
                    )
                    .await?;
                tracing::info!(user_id = %user.id, ip = %origin.ip, "signed in");
                Ok(SignedIn {
                    user_id: user.id,
                    session_token: token,
                })
            }
        }
    }

    /// The account behind a session cookie. Malformed, unknown, expired and
    /// revoked tokens, and tokens of deleted accounts, are all "signed out".
    pub async fn current_user(
        &self,
        session_token: &str,
    ) -> Result<Option<CurrentUser>, ServiceError> {
        if !looks_like_token(session_token) {
            return Ok(None);
        }
        let Some(session) = self
            .repo
            .find_session(&self.key.token_hash(session_token))
            .await?
        else {
            return Ok(None);
        };
        let now = self.clock.now_ms();
        if !self
            .policy
            .session
            .is_live(session.created_at, session.last_seen_at, now)
        {
            return Ok(None);
        }
        if now - session.last_seen_at >= SESSION_TOUCH_INTERVAL_MS {
            self.repo.touch_session(session.id, now).await?;
        }
        let Some(user) = self.repo.find_user(session.user_id).await? else {
            return Ok(None);
        };
        Ok(Some(CurrentUser {
            id: user.id,
            email: user.email,
            display_name: user.display_name,
            email_verified: user.email_verified_at.is_some(),
            locale: user.locale,
            roles: user.roles,
        }))
    }

    /// Ends the session server-side; a token that is already gone is fine.
    pub async fn sign_out(&self, session_token: &str, origin: &Origin) -> Result<(), ServiceError> {
        if !looks_like_token(session_token) {
            return Ok(());
        }
        let effects = Effects::activity(ActivityKind::SignedOut, origin, self.clock.now_ms());
        if let Some(user_id) = self
            .repo
            .delete_session(&self.key.token_hash(session_token), effects)
            .await?
        {
            tracing::info!(user_id = %user_id, ip = %origin.ip, "signed out");
        }
        Ok(())
    }

    pub async fn activity(
        &self,
        user: &CurrentUser,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<ActivityRecord>, ServiceError> {
        Ok(self.repo.list_activity(user.id, before_id, limit).await?)
    }

    /// Starts password recovery for an address. The caller's answer is the
    /// same whether or not an account exists: the limits count the address
    /// either way, and the lookup and mail happen after the answer, in the
    /// background, so the response time says nothing either.
    pub async fn request_password_reset(
        self: &Arc<Self>,
        email: &str,
        origin: &Origin,
    ) -> Result<(), ServiceError> {
        let email = Email::parse(email)
            .map_err(|e| ServiceError::Validation(vec![FieldIssue::new("email", e.code())]))?;
        self.limit(&format!("reset:ip:{}", origin.ip), self.policy.reset_per_ip)
            .await?;
        self.limit(
            &format!("reset:address:{email}"),
            self.policy.reset_per_address,
        )
        .await?;
        let accounts = Arc::clone(self);
        let origin = origin.clone();
        tokio::spawn(async move {
            if let Err(error) = accounts.mail_reset_link(&email, &origin).await {
                tracing::error!(%error, "password reset mail could not be queued");
            }
        });
        Ok(())
    }

    async fn mail_reset_link(&self, email: &Email, origin: &Origin) -> Result<(), ServiceError> {
        let Some(user) = self.repo.find_user_by_email(email.as_str()).await? else {
            return Ok(());
        };
        let now = self.clock.now_ms();
        let token = new_token();
        let mail = reset_mail(
            user.locale,
            &user.email,
            &user.display_name,
            &self.link("/recover/reset", &token),
            self.policy.reset_link_secs / 60,
        );
        let record = self.new_token_record(
            TokenPurpose::ResetPassword,
            &token,
            now + self.policy.reset_link_secs * 1000,
        );
        // Replacing voids every earlier reset link of the account.
        let effects =
            Effects::activity(ActivityKind::PasswordResetRequested, origin, now).with_mail(mail);
        self.repo.replace_token(user.id, record, effects).await?;
        tracing::info!(user_id = %user.id, "password reset link sent");
        Ok(())
    }

    /// Sets a new password from a reset link: the full policy applies, every
    /// session ends, the address counts as verified, and the owner is told.
    /// Unknown, used, expired and malformed links are one error.
    pub async fn reset_password(
        &self,
        token: &str,
        password: &str,
        confirmation: &str,
        origin: &Origin,
    ) -> Result<UserId, ServiceError> {
        if !looks_like_token(token) {
            return Err(ServiceError::TokenInvalid);
        }
        let token_hash = self.key.token_hash(token);
        let now = self.clock.now_ms();
        let user_id = self
            .repo
            .peek_token(TokenPurpose::ResetPassword, &token_hash, now)
            .await?
            .ok_or(ServiceError::TokenInvalid)?;
        let user = self
            .repo
            .find_user(user_id)
            .await?
            .ok_or(ServiceError::TokenInvalid)?;
        let email = Email::parse(&user.email)
            .map_err(|_| ServiceError::Internal("stored address unreadable".into()))?;
        let mut issues = self.password_issues(password, email.local_part(), &user.display_name);
        if password != confirmation {
            issues.push(FieldIssue::new("confirmation", "password.mismatch"));
        }
        if !issues.is_empty() {
            return Err(ServiceError::Validation(issues));
        }
        // Where a second factor is enrolled (the two-factor issue), it must be
        // passed here, before the new password takes effect; and a reset of a
        // never-verified account must also remove any factor enrolled on it.
        let hash = self.hasher.hash(password).await?;
        let mail = password_changed_mail(
            user.locale,
            &user.email,
            &user.display_name,
            &format!("{}/recover", self.public_url),
        );
        let effects = Effects::activity(ActivityKind::PasswordReset, origin, now).with_mail(mail);
        let reset = self
            .repo
            .reset_password(&token_hash, now, &hash, effects)
            .await?;
        let user_id = reset.ok_or(ServiceError::TokenInvalid)?;
        tracing::info!(user_id = %user_id, ip = %origin.ip, "password reset; every session ended");
        Ok(user_id)
    }

    /// Keeps what a form held across a redirect (JavaScript off) without
    /// putting it in the URL. Returns the cookie value that finds it again.
    pub async fn put_flash(&self, payload: &str) -> Result<String, ServiceError> {
        let key = new_token();
        let expires = self.clock.now_ms() + self.policy.flash_secs * 1000;
        self.repo
            .put_flash(&self.key.token_hash(&key), payload, expires)
            .await?;
        Ok(key)
    }

    pub async fn take_flash(&self, key: &str) -> Result<Option<String>, ServiceError> {
        if !looks_like_token(key) {
            return Ok(None);
        }
        Ok(self
            .repo
            .take_flash(&self.key.token_hash(key), self.clock.now_ms())
            .await?)
    }

    /// Counts one event against a limit; over it, the caller is told how
    /// long to wait.
    pub async fn limit(&self, key: &str, limit: RateLimit) -> Result<(), ServiceError> {
        let now = self.clock.now_ms();
        let window_ms = limit.window_secs * 1000;
        let window_start = now - now.rem_euclid(window_ms);
        let count = self.repo.count_hit(key, window_start, now).await?;
        if count > i64::from(limit.max) {
            let retry_after_secs = ((window_start + window_ms - now) / 1000).max(1);
            tracing::info!(
                limit = key.split(':').next().unwrap_or(""),
                retry_after_secs,
                "rate limit reached"
            );
            return Err(ServiceError::RateLimited { retry_after_secs });
        }
        Ok(())
    }

    /// Removes what has expired; run periodically by the server.
    pub async fn purge_expired(&self) -> Result<(), ServiceError> {
        let now = self.clock.now_ms();
        let idle_cutoff = now - self.policy.session.idle_secs * 1000;
        let absolute_cutoff = now - self.policy.session.absolute_secs * 1000;
        Ok(self
            .repo
            .purge_expired(now, idle_cutoff, absolute_cutoff)
            .await?)
    }
}
