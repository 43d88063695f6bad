//! Registration, email verification, sign-in, sessions and the activity
//! history: the first customer journey.

use std::sync::Arc;

use domain::email::MAX_EMAIL_LEN;
use domain::role::{account_permissions, BASELINE};
use domain::{ActivityKind, DisplayName, Email, Locale, Permission, Permissions, UserId};
use tokio::sync::Semaphore;

use crate::clock::Clock;
use crate::config::{Policy, RateLimit};
use crate::crypto::{looks_like_token, new_token, ServerKey};
use crate::error::{FieldIssue, ServiceError, StoreError};
use crate::mail::{
    already_registered_mail, locked_mail, new_device_mail, password_changed_mail, reset_mail,
    verification_mail, EventLine, ReportLink,
};
use crate::password::{is_guessable, PasswordHasher, Verified};
use crate::ports::{
    AccountChange, ActivityRecord, DeviceKnowledge, Effects, FailureCounter, NewMail, NewSession,
    NewToken, NewUser, Origin, Repository, TokenFate, TokenPurpose, UserRecord,
};

/// The code of an empty password field.
pub const PASSWORD_REQUIRED: &str = "password.required";
/// The code of an empty new-password field: one message, not every rule
/// an empty password breaks.
pub const NEW_PASSWORD_REQUIRED: &str = "password.new_required";
/// The code of an empty confirmation of a typed new password.
pub const CONFIRMATION_REQUIRED: &str = "password.confirmation_required";

/// Who made a request, as the use cases see it.
pub type ClientInfo = Origin;

/// The signed-in account behind a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser {
    pub id: UserId,
    /// The session the request came with.
    pub session_id: i64,
    pub email: String,
    pub display_name: String,
    pub email_verified: bool,
    pub locale: Locale,
    /// The names of the roles it holds; none for a customer.
    pub roles: Vec<String>,
    /// What it may do now: the baseline every account has, plus what its
    /// roles carry once it has a second factor.
    pub permissions: Permissions,
    /// Whether an authenticator app or a passkey is enrolled; read only
    /// for staff (`None` for an account without roles, whose permissions do
    /// not depend on it).
    pub has_second_factor: Option<bool>,
    /// Past the maximum age it is held to (staff and customers differ):
    /// only a password change may follow.
    pub password_expired: bool,
    /// When the owner last proved themselves in this session.
    pub reauth_at: i64,
    /// The support view this (staff) session runs, if one runs now.
    pub view: Option<Box<SupportView>>,
}

/// A running support view: while it runs, requests act as `customer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportView {
    pub id: i64,
    /// The customer's account as the view sees it: read-only
    /// ([`domain::support_view::view_permissions`]), never sudo, and no
    /// session of its own ([`NO_SESSION`]), so none of the customer's
    /// sessions counts as "this one" and nothing bound to a session shows.
    pub customer: CurrentUser,
    pub reason: String,
    pub window: domain::ViewWindow,
}

/// The session id of an account seen through a support view: no session
/// has it.
pub const NO_SESSION: i64 = 0;

impl CurrentUser {
    pub fn may(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// Whose account a request acts on: during a support view the
    /// customer's (read-only), else the signed-in account's own.
    pub fn acting(&self) -> &CurrentUser {
        self.view.as_ref().map_or(self, |view| &view.customer)
    }

    /// Holds a role: staff rules (password age, idle time) apply.
    pub fn is_staff(&self) -> bool {
        !self.roles.is_empty()
    }
}

/// A mail's line for an event: UTC time, address, device.
pub(crate) fn event_line(at_ms: i64, origin: &Origin) -> EventLine {
    let (browser, system) = domain::describe_user_agent(&origin.user_agent);
    let device = [browser, system]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" / ");
    EventLine {
        time: crate::time_format::format_in_zone(at_ms, chrono_tz::Tz::UTC),
        ip: origin.ip.clone(),
        device: if device.is_empty() {
            "?".to_owned()
        } else {
            device
        },
    }
}

/// How long the "check your email" page remembers the address it names.
pub const REGISTRATION_NOTE_SECS: i64 = 30 * 60;
const REGISTRATION_SEAL: &str = "registration-check-your-email";

/// The address a registration mailed, and the name typed with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationNote {
    pub email: String,
    pub display_name: String,
    /// The account this registration created; `None` when the address
    /// already had one (the browser is never told which).
    created: Option<UserId>,
}

/// What an accepted registration did, for [`Accounts::note_registration`]:
/// opaque, so the caller's answer cannot depend on whether an account was
/// created.
#[derive(Debug, Clone, Copy)]
pub struct Registration {
    created: Option<UserId>,
}

/// Where confirming an address leads the browser that opened the link.
#[derive(Debug)]
pub enum AfterConfirmation {
    /// Into the account it just created: a session is open.
    SignedIn(SignedIn),
    /// To the sign-in form, filled in with this address.
    SignInAs(String),
    /// To an empty sign-in form.
    SignIn,
}

/// What the registration form submitted.
#[derive(Debug, Clone)]
pub struct RegistrationForm<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub locale: Locale,
}

/// The name a mail greets with: none before the address is confirmed,
/// since whoever typed the address also chose the name.
pub(crate) fn greeting_name(user: &UserRecord) -> Option<&str> {
    user.email_verified_at
        .is_some()
        .then_some(user.display_name.as_str())
}

/// What the form behind a reset link submitted.
#[derive(Debug, Clone, Copy)]
pub struct ResetForm<'a> {
    /// The link's token.
    pub token: &'a str,
    pub password: &'a str,
    pub confirmation: &'a str,
    /// An app code or a recovery code, where the account has a second factor.
    pub second_factor: &'a str,
    /// Passkeys the owner does not recognise, to remove with the reset.
    pub remove_passkeys: &'a [i64],
    /// A passkey's answer given instead of a code.
    pub passkey: Option<crate::passkeys::PasskeyAnswer<'a>>,
}

/// What a mail link's page says about the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkStatus {
    /// It works; the masked address of the account it acts on.
    Live {
        account: String,
    },
    Used,
    /// A newer link replaced it, or a change ended every pending link.
    Voided,
    Expired,
    /// A verification link for an address that is confirmed by now.
    AlreadyConfirmed,
    /// No link, or one we never sent or no longer remember.
    Unknown,
}

/// How a correct password ends.
#[derive(Debug)]
pub enum SignInOutcome {
    SignedIn(SignedIn),
    /// The account has a second factor: no session yet. The token goes into
    /// a short-lived HttpOnly cookie and comes back with the code.
    SecondFactorRequired {
        pending_token: String,
    },
}

/// A session just created; the tokens go into cookies and nowhere else.
#[derive(Debug)]
pub struct SignedIn {
    pub user_id: UserId,
    pub session_token: String,
    /// The browser's device cookie, new or renewed: it marks this browser as
    /// one that signed in to the account before.
    pub device_token: String,
    pub password_expired: bool,
}

/// No account has this id: an address without an account is looked up,
/// counted and refused against it, so that it costs what a real one does.
pub(crate) const NOBODY: UserId = UserId(0);

/// How long a correct password waits for its second factor.
const PENDING_SIGN_IN_SECS: i64 = 5 * 60;

/// The browser behind a sign-in attempt, as far as the account knows it.
#[derive(Debug, Clone)]
pub(crate) struct Browser {
    pub device_token: Option<String>,
    pub devices: DeviceKnowledge,
    /// The failure counter this browser's mistakes count against.
    pub failure_key: String,
}

/// A session is written back at most this often, so that browsing does not
/// turn every page view into a database write.
const SESSION_TOUCH_INTERVAL_MS: i64 = 60_000;

pub struct Accounts {
    pub(crate) repo: Arc<dyn Repository>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) hasher: PasswordHasher,
    pub(crate) key: ServerKey,
    pub(crate) policy: Policy,
    pub(crate) webauthn: Arc<webauthn_rs::Webauthn>,
    public_url: String,
    /// Sign-ins from browsers the account does not know, waiting or hashing.
    stranger_sign_ins: Semaphore,
    /// The day each account's use of each staff permission was last noted
    /// by this process, so a grant's use costs one write a day, not one a
    /// request (see [`crate::reviews`]).
    pub(crate) uses_noted: std::sync::Mutex<std::collections::HashMap<(UserId, Permission), i64>>,
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
        let webauthn = crate::passkeys::relying_party(public_url, &policy.totp_issuer)?;
        Ok(Accounts {
            repo,
            clock,
            hasher,
            key,
            webauthn,
            stranger_sign_ins: Semaphore::new(policy.max_concurrent_stranger_sign_ins),
            uses_noted: Default::default(),
            policy,
            public_url: public_url.trim_end_matches('/').to_owned(),
        })
    }

    /// The time by the service's clock, in milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub(crate) fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Registers an account and mails a verification link. An address that
    /// already has an account gets a "you already have an account" mail and
    /// the caller gets the same answer, in about the same time.
    pub async fn register(
        &self,
        form: RegistrationForm<'_>,
        origin: &Origin,
    ) -> Result<Registration, ServiceError> {
        const NOT_CREATED: Registration = Registration { created: None };
        self.limit_ip("register", origin, self.policy.registration_per_ip)
            .await?;
        let (email, name) = self.validate_registration(&form)?;
        // A double tap would mail "you already have an account" on top of
        // the verification link. Keyed by what a second tap repeats, so
        // someone else registering the address meanwhile is not taken for it.
        let repeat = format!(
            "register:{}",
            self.key.token_hash(&format!(
                "{}\n{}\n{}\n{}",
                email.as_str(),
                name.as_str(),
                origin.network(),
                origin.user_agent
            ))
        );
        if !self.first_of_repeats(&repeat).await? {
            return Ok(NOT_CREATED);
        }
        let hash = self.hasher.hash(form.password).await?;
        let now = self.clock.now_ms();
        if let Some(existing) = self.repo.find_user_by_email(email.as_str()).await? {
            self.mail_already_registered(&existing).await?;
            return Ok(NOT_CREATED);
        }
        let token = new_token();
        let mail = self.verification_mail(form.locale, email.as_str(), &token);
        let user = NewUser {
            email: email.as_str().to_owned(),
            display_name: name.as_str().to_owned(),
            password_hash: hash,
            locale: form.locale,
            email_verified_at: None,
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
                Ok(Registration { created: Some(id) })
            }
            // Lost a race with another registration of the same address.
            Err(StoreError::Conflict { field: "email" }) => {
                let existing = self
                    .repo
                    .find_user_by_email(email.as_str())
                    .await?
                    .ok_or(StoreError::Conflict { field: "email" })?;
                self.mail_already_registered(&existing).await?;
                Ok(NOT_CREATED)
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
    pub(crate) fn password_issues(
        &self,
        password: &str,
        email_local: &str,
        name: &str,
    ) -> Vec<FieldIssue> {
        if password.is_empty() {
            return vec![FieldIssue::new("password", NEW_PASSWORD_REQUIRED)];
        }
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

    async fn mail_already_registered(&self, existing: &UserRecord) -> Result<(), ServiceError> {
        let mail = already_registered_mail(
            existing.locale,
            &existing.email,
            greeting_name(existing),
            &format!("{}/login", self.public_url),
        );
        self.repo
            .record(
                existing.id,
                Effects {
                    mail: vec![mail],
                    ..Effects::default()
                },
            )
            .await?;
        Ok(())
    }

    pub(crate) fn verification_token(&self, token: &str, now: i64) -> NewToken {
        self.new_token_record(
            TokenPurpose::VerifyEmail,
            token,
            now,
            self.policy.verification_link_secs,
        )
    }

    pub(crate) fn reset_token(&self, token: &str, now: i64) -> NewToken {
        self.new_token_record(
            TokenPurpose::ResetPassword,
            token,
            now,
            self.policy.reset_link_secs,
        )
    }

    /// The mail carrying a verification link for `token`. It goes to an
    /// address nobody confirmed, so it carries no name.
    pub(crate) fn verification_mail(&self, locale: Locale, to: &str, token: &str) -> NewMail {
        verification_mail(
            locale,
            to,
            None,
            &self.link("/verify-email", token),
            self.policy.verification_link_secs / 3600,
        )
    }

    /// The stored form of a token sent by mail, valid for `valid_secs` from `now`.
    pub(crate) fn new_token_record(
        &self,
        purpose: TokenPurpose,
        token: &str,
        now: i64,
        valid_secs: i64,
    ) -> NewToken {
        NewToken {
            purpose,
            hash: self.key.token_hash(token),
            expires_at: now + valid_secs * 1000,
            payload: None,
            replaces_earlier: true,
        }
    }

    pub(crate) fn link(&self, path: &str, token: &str) -> String {
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
        self.redeem(
            TokenPurpose::VerifyEmail,
            token,
            &[AccountChange::MarkEmailVerified],
            effects,
        )
        .await
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
        if self.resend_allowed(user.id, origin).await? {
            self.mail_new_verification_link(user.id, user.locale, &user.email, origin)
                .await?;
        }
        Ok(())
    }

    /// The guard of every "send it again" for an account: its limits, per
    /// client and per account, and the repeat window. `false` for a double
    /// tap, which must neither mail again nor void the link just mailed.
    async fn resend_allowed(&self, id: UserId, origin: &Origin) -> Result<bool, ServiceError> {
        let repeat = format!("resend:user:{id}");
        if self.is_repeat(&repeat).await? {
            return Ok(false);
        }
        self.limit_ip("resend", origin, self.policy.resend_per_ip)
            .await?;
        self.limit(&repeat, self.policy.resend_per_account).await?;
        self.first_of_repeats(&repeat).await
    }

    async fn mail_new_verification_link(
        &self,
        id: UserId,
        locale: Locale,
        email: &str,
        origin: &Origin,
    ) -> Result<(), ServiceError> {
        let now = self.clock.now_ms();
        let token = new_token();
        let mail = self.verification_mail(locale, email, &token);
        let effects =
            Effects::activity(ActivityKind::VerificationResent, origin, now).with_mail(mail);
        self.repo
            .replace_token(id, self.verification_token(&token, now), effects)
            .await?;
        Ok(())
    }

    /// Remembers, for the browser that registered, the address the mail went
    /// to (and the name typed with it), so that the "check your email" page
    /// can name it, send it again and hand it back to the form. Kept sealed
    /// in a flash row; returns the key for an HttpOnly cookie. Made the same
    /// way whether the address was new or already had an account.
    pub async fn note_registration(
        &self,
        form: &RegistrationForm<'_>,
        registration: Registration,
    ) -> Result<String, ServiceError> {
        // Called once `register` accepted the form, so both parse.
        let email = Email::parse(form.email)
            .map_err(|e| ServiceError::Validation(vec![FieldIssue::new("email", e.code())]))?;
        let name = DisplayName::parse(form.display_name).map_err(|e| {
            ServiceError::Validation(vec![FieldIssue::new("display_name", e.code())])
        })?;
        let created = registration
            .created
            .map_or(String::new(), |id| id.0.to_string());
        let plain = format!("{}\n{}\n{created}", email.as_str(), name.as_str());
        let sealed = self.key.seal(REGISTRATION_SEAL, b"", plain.as_bytes());
        self.put_flash_for(&sealed, REGISTRATION_NOTE_SECS).await
    }

    /// What [`Self::note_registration`] remembered, while it lasts.
    pub async fn registration_note(
        &self,
        key: &str,
    ) -> Result<Option<RegistrationNote>, ServiceError> {
        let Some(sealed) = self.peek_flash(key).await? else {
            return Ok(None);
        };
        let note = self
            .key
            .open(REGISTRATION_SEAL, b"", &sealed)
            .ok()
            .and_then(|plain| String::from_utf8(plain).ok())
            .and_then(|text| {
                let mut lines = text.splitn(3, '\n');
                let (email, display_name) = (lines.next()?, lines.next()?);
                Some(RegistrationNote {
                    email: email.to_owned(),
                    display_name: display_name.to_owned(),
                    created: lines.next().and_then(|id| id.parse().ok()).map(UserId),
                })
            });
        Ok(note)
    }

    /// Where confirming an address leads the browser holding the
    /// registration note `note_key`, as Keycloak and Auth0 do it: into the
    /// account, when the note records this very account's creation (the
    /// note proves this browser registered it with its password under half
    /// an hour ago, the link proves the mailbox), through the same
    /// `open_session` as every sign-in; the note is then used up. Where the
    /// account has since gained a second factor, been disabled or had its
    /// sign-in paused, or the note is for an address that already had an
    /// account, to the sign-in form filled in with the address instead.
    pub async fn after_confirmation(
        &self,
        note_key: &str,
        confirmed: UserId,
        device_token: Option<&str>,
        origin: &Origin,
    ) -> Result<AfterConfirmation, ServiceError> {
        let Some(note) = self.registration_note(note_key).await? else {
            return Ok(AfterConfirmation::SignIn);
        };
        let Some(user) = self
            .repo
            .find_user(confirmed)
            .await?
            .filter(|user| user.email == note.email)
        else {
            return Ok(AfterConfirmation::SignIn);
        };
        if note.created != Some(user.id)
            || user.email_verified_at.is_none()
            || user.disabled_at.is_some()
            || self.has_second_factor(user.id).await?
        {
            return Ok(AfterConfirmation::SignInAs(user.email));
        }
        let browser = self.browser(user.id, device_token).await?;
        let now = self.clock.now_ms();
        let counter = FailureCounter::Account {
            user: user.id,
            key: &browser.failure_key,
        };
        if self.locked_out(counter, origin, now).await?
            || self.take_flash(note_key).await?.is_none()
        {
            return Ok(AfterConfirmation::SignInAs(user.email));
        }
        let signed_in = self.open_session(&user, &browser, origin, now).await?;
        Ok(AfterConfirmation::SignedIn(signed_in))
    }

    /// The note is handed back to the registration form: forget it.
    pub async fn forget_registration_note(&self, key: &str) -> Result<(), ServiceError> {
        self.take_flash(key).await?;
        Ok(())
    }

    /// "Resend the email" on the "check your email" page: the mail the
    /// registration sent, again, through the guard of every resend. An
    /// unconfirmed account gets a new link (voiding the earlier ones), an
    /// account that already existed the "you already have an account" mail
    /// again; the caller's answer is the same either way, and without an
    /// account (deleted since) nothing is mailed.
    pub async fn resend_registration_mail(
        &self,
        note_key: &str,
        origin: &Origin,
    ) -> Result<(), ServiceError> {
        let Some(note) = self.registration_note(note_key).await? else {
            return Ok(());
        };
        match self.repo.find_user_by_email(&note.email).await? {
            Some(user) => {
                if !self.resend_allowed(user.id, origin).await? {
                    return Ok(());
                }
                if user.email_verified_at.is_none() {
                    self.mail_new_verification_link(user.id, user.locale, &user.email, origin)
                        .await
                } else {
                    self.mail_already_registered(&user).await
                }
            }
            None => {
                self.limit_ip("resend", origin, self.policy.resend_per_ip)
                    .await
            }
        }
    }

    /// Checks the password and opens a session with a fresh token. An
    /// unknown address costs the same as a wrong password and fails the
    /// same; so does a locked account, whose owner alone learns of the lock,
    /// by mail. `device_token` is the browser's device cookie, if it has one.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        device_token: Option<&str>,
        origin: &Origin,
    ) -> Result<SignInOutcome, ServiceError> {
        // An empty field is not a guess: it never reaches the limits, the
        // password check or the lock.
        let mut missing = Vec::new();
        if email.trim().is_empty() {
            missing.push(FieldIssue::new(
                "email",
                domain::EmailError::Required.code(),
            ));
        }
        if password.is_empty() {
            missing.push(FieldIssue::new("password", PASSWORD_REQUIRED));
        }
        if !missing.is_empty() {
            return Err(ServiceError::Validation(missing));
        }
        // Longer than any address: refused before it can become a key.
        if email.trim().len() > MAX_EMAIL_LEN {
            return Err(ServiceError::InvalidCredentials);
        }
        self.limit_ip("sign_in", origin, self.policy.sign_in_per_ip)
            .await?;
        let address = Email::parse(email).ok();
        let user = match &address {
            Some(address) => self.repo.find_user_by_email(address.as_str()).await?,
            None => None,
        };
        // Longer than any password can be: never right, but a guess like
        // any other, counted against the account it was typed for.
        let too_long = password.chars().count() > self.policy.password.max_chars;
        // From here an address without an account takes the same reads and
        // writes, against an id no account has and a counter of its own
        // that locks by the same rule, so neither the answer nor the time
        // it takes says anything about the address.
        let subject = user.as_ref().map_or(NOBODY, |u| u.id);
        let browser = self.browser(subject, device_token).await?;
        // The typed address, keyed: what limits and detection count under.
        let typed = address.as_ref().map(Email::as_str).unwrap_or(email);
        let address_key = self.key.token_hash(&typed.to_lowercase());
        let _stranger = if browser.devices.known {
            None
        } else {
            self.limit(
                &format!("sign_in:account:{address_key}"),
                self.policy.sign_in_per_account,
            )
            .await?;
            let permit = self.stranger_sign_ins.try_acquire().map_err(|_| {
                tracing::warn!("too many sign-ins from unknown browsers at once; refused");
                ServiceError::RateLimited {
                    retry_after_secs: 1,
                }
            })?;
            Some(permit)
        };
        let stored = user
            .as_ref()
            .filter(|_| !too_long)
            .map(|u| &u.password_hash);
        let outcome = self.hasher.verify(password, stored).await?;
        let now = self.clock.now_ms();
        let counter = match &user {
            Some(user) => FailureCounter::Account {
                user: user.id,
                key: &browser.failure_key,
            },
            None => FailureCounter::Address(&address_key),
        };
        let locked = self.locked_out(counter, origin, now).await?;
        let user = match user {
            Some(user) if !locked && outcome != Verified::No => user,
            Some(user) => {
                let newly_locked = !locked
                    && self
                        .count_failure(
                            &user,
                            &browser.failure_key,
                            ActivityKind::SignInFailed,
                            origin,
                            now,
                        )
                        .await?;
                if !locked {
                    tracing::info!(user_id = %user.id, ip = %origin.ip, outcome = "wrong_password", "sign-in refused");
                }
                self.detect_failed_sign_in(&address_key, Some(user.id), origin, now)
                    .await?;
                return Err(self.sign_in_refusal(locked || newly_locked));
            }
            None => {
                let newly_locked = !locked && self.count_unknown_address(counter, now).await?;
                self.detect_failed_sign_in(&address_key, None, origin, now)
                    .await?;
                tracing::info!(ip = %origin.ip, outcome = "unknown_account", "sign-in refused");
                return Err(self.sign_in_refusal(locked || newly_locked));
            }
        };
        // Said only to whoever knows the password, so it reveals nothing
        // to a stranger; the second factor is not asked for in vain.
        if user.disabled_at.is_some() {
            tracing::info!(user_id = %user.id, ip = %origin.ip, outcome = "disabled", "sign-in refused");
            return Err(ServiceError::AccountDisabled);
        }
        if let Verified::YesRehashed(rehashed) = &outcome {
            self.repo.set_password_hash(user.id, rehashed).await?;
        }
        if self.has_second_factor(user.id).await? {
            let pending_token = new_token();
            let record = self.new_token_record(
                TokenPurpose::SignInPending,
                &pending_token,
                now,
                PENDING_SIGN_IN_SECS,
            );
            self.repo
                .replace_token(user.id, record, Effects::default())
                .await?;
            tracing::info!(user_id = %user.id, ip = %origin.ip, "password accepted; second factor required");
            return Ok(SignInOutcome::SecondFactorRequired { pending_token });
        }
        let signed_in = self.open_session(&user, &browser, origin, now).await?;
        Ok(SignInOutcome::SignedIn(signed_in))
    }

    /// What a failed sign-in for an address without an account does instead
    /// of [`Self::count_failure`]: the same read, and the same write on the
    /// address's own counter. True when this failure starts a lock.
    async fn count_unknown_address(
        &self,
        counter: FailureCounter<'_>,
        now: i64,
    ) -> Result<bool, ServiceError> {
        self.repo
            .list_activity(
                NOBODY,
                &[ActivityKind::SignInFailed],
                None,
                self.policy.lockout.max_failures.saturating_sub(1),
            )
            .await?;
        Ok(self
            .repo
            .record_sign_in_failure(
                counter,
                now,
                &self.policy.lockout,
                Effects::default(),
                Effects::default(),
            )
            .await?)
    }

    /// The answer to a refused sign-in: while its counter is locked (an
    /// account's, or an address's without one) it says so, in the same
    /// words either way.
    fn sign_in_refusal(&self, paused: bool) -> ServiceError {
        if paused {
            ServiceError::SignInPaused {
                lock_secs: self.policy.lockout.lock_secs,
            }
        } else {
            ServiceError::InvalidCredentials
        }
    }

    /// What the store knows of the browser behind a sign-in, from its device cookie.
    pub(crate) async fn browser(
        &self,
        user: UserId,
        device_token: Option<&str>,
    ) -> Result<Browser, ServiceError> {
        let device_token = device_token
            .filter(|t| looks_like_token(t))
            .map(str::to_owned);
        let device_hash = device_token.as_deref().map(|t| self.key.token_hash(t));
        let devices = self
            .repo
            .device_knowledge(user, device_hash.as_deref().unwrap_or(""))
            .await?;
        // A browser that signed in before keeps its own counter, so that
        // strangers' failures cannot lock the owner out of it.
        let failure_key = match (device_hash, devices.known) {
            (Some(hash), true) => hash,
            _ => String::new(),
        };
        Ok(Browser {
            device_token,
            devices,
            failure_key,
        })
    }

    /// Completes a sign-in (every factor passed): a session with a fresh
    /// token, the browser remembered, the failure counter reset, a pending
    /// deletion cancelled, and the owner mailed when the browser is new.
    pub(crate) async fn open_session(
        &self,
        user: &UserRecord,
        browser: &Browser,
        origin: &Origin,
        now: i64,
    ) -> Result<SignedIn, ServiceError> {
        // Every way in ends here (password, second step, passkey).
        if user.disabled_at.is_some() {
            tracing::info!(user_id = %user.id, ip = %origin.ip, outcome = "disabled", "sign-in refused");
            return Err(ServiceError::AccountDisabled);
        }
        let token = new_token();
        let device_token = browser.device_token.clone().unwrap_or_else(new_token);
        // The first sign-in of an account has nothing to compare with.
        let alert = !browser.devices.known && browser.devices.any_known;
        let mut effects = if alert {
            self.new_device_alert(user, origin, now)
        } else {
            Effects::activity(ActivityKind::SignedIn, origin, now)
        };
        if user.delete_after.is_some() {
            effects = effects.and(Effects::activity(
                ActivityKind::DeletionCancelled,
                origin,
                now,
            ));
        }
        self.detect_sign_in(user.id, browser.devices.known, origin, now)
            .await?;
        let session = NewSession {
            user_id: user.id,
            token_hash: self.key.token_hash(&token),
            origin: origin.clone(),
            created_at: now,
            device_hash: self.key.token_hash(&device_token),
            failure_key: browser.failure_key.clone(),
        };
        self.repo.create_session(session, effects).await?;
        tracing::info!(user_id = %user.id, ip = %origin.ip, new_device = alert, "signed in");
        Ok(SignedIn {
            user_id: user.id,
            session_token: token,
            device_token,
            password_expired: self.password_expired(user, now),
        })
    }

    /// True, and recorded, when the counter this browser's mistakes count
    /// against is locked: even the right password or code is then refused.
    pub(crate) async fn locked_out(
        &self,
        counter: FailureCounter<'_>,
        origin: &Origin,
        now: i64,
    ) -> Result<bool, ServiceError> {
        let failures = self.repo.failure_count(counter).await?;
        if !self.policy.lockout.is_locked(&failures, now) {
            return Ok(false);
        }
        match counter {
            FailureCounter::Account { user, .. } => {
                self.repo
                    .record(
                        user,
                        Effects::activity(ActivityKind::SignInRefusedLocked, origin, now),
                    )
                    .await?;
                tracing::info!(user_id = %user, ip = %origin.ip, outcome = "locked", "sign-in refused");
            }
            // Nobody to record it for: a write of the same size instead,
            // the client's misses in ten-minute windows.
            FailureCounter::Address(_) => {
                const WINDOW_MS: i64 = 10 * 60 * 1000;
                self.repo
                    .count_hit(
                        &format!("sign_in:unknown_address:ip:{}", origin.network()),
                        now - now.rem_euclid(WINDOW_MS),
                        now,
                    )
                    .await?;
            }
        }
        Ok(true)
    }

    /// For a path that checks a password or a code of a known account
    /// outside sign-in (reset, re-authentication): while this browser's
    /// counter is locked, the entry is not even checked, and the field
    /// says the pause is on.
    pub(crate) async fn refuse_while_locked(
        &self,
        user: UserId,
        browser: &Browser,
        field: &str,
        origin: &Origin,
    ) -> Result<(), ServiceError> {
        let now = self.clock.now_ms();
        let counter = FailureCounter::Account {
            user,
            key: &browser.failure_key,
        };
        if self.locked_out(counter, origin, now).await? {
            return Err(ServiceError::Validation(vec![FieldIssue::new(
                field,
                "mfa.paused",
            )]));
        }
        Ok(())
    }

    /// Counts a failed sign-in step against the account's lock; the failure
    /// that starts a lock also mails the owner an unlock link, and is
    /// answered true.
    pub(crate) async fn count_failure(
        &self,
        user: &UserRecord,
        failure_key: &str,
        kind: ActivityKind,
        origin: &Origin,
        now: i64,
    ) -> Result<bool, ServiceError> {
        let lock_effects = self.lock_effects(user, origin, now).await?;
        let locked = self
            .repo
            .record_sign_in_failure(
                FailureCounter::Account {
                    user: user.id,
                    key: failure_key,
                },
                now,
                &self.policy.lockout,
                Effects::activity(kind, origin, now),
                lock_effects,
            )
            .await?;
        if locked {
            tracing::warn!(user_id = %user.id, ip = %origin.ip, "account locked after failed sign-ins");
        }
        Ok(locked)
    }

    /// What a lock writes: the event, an unlock link, and the mail listing
    /// the failed attempts. Prepared with every failure, committed only by
    /// the one that starts the lock.
    async fn lock_effects(
        &self,
        user: &UserRecord,
        origin: &Origin,
        now: i64,
    ) -> Result<Effects, ServiceError> {
        let earlier = self
            .repo
            .list_activity(
                user.id,
                &[ActivityKind::SignInFailed],
                None,
                self.policy.lockout.max_failures.saturating_sub(1),
            )
            .await?;
        let mut attempts: Vec<EventLine> = earlier
            .iter()
            .rev()
            .map(|a| event_line(a.at_ms, &a.origin))
            .collect();
        attempts.push(event_line(now, origin));
        let token = new_token();
        let mail = locked_mail(
            user.locale,
            &user.email,
            &user.display_name,
            &attempts,
            self.policy.lockout.lock_secs / 60,
            &self.link("/unlock", &token),
            &format!("{}/recover", self.public_url),
        );
        Ok(Effects::activity(ActivityKind::AccountLocked, origin, now)
            .with_mail(mail)
            .with_token(self.new_token_record(
                TokenPurpose::Unlock,
                &token,
                now,
                self.policy.unlock_link_secs,
            )))
    }

    /// A sign-in from a browser the account has not seen: the event, and a
    /// mail to the owner with a "this wasn't me" link.
    fn new_device_alert(&self, user: &UserRecord, origin: &Origin, now: i64) -> Effects {
        let (link, record) = self.report_link(now);
        let mail = new_device_mail(
            user.locale,
            &user.email,
            &user.display_name,
            &event_line(now, origin),
            self.report(&link),
        );
        Effects::activity(ActivityKind::SignedInNewDevice, origin, now)
            .with_mail(mail)
            .with_token(record)
    }

    /// A "this wasn't me" link for an event at `now`, and its token. The
    /// token keeps the time: its report removes what was added since. Every
    /// such link stays usable, whichever mail the owner opens.
    pub(crate) fn report_link(&self, now: i64) -> (String, NewToken) {
        let token = new_token();
        let record = NewToken {
            replaces_earlier: false,
            payload: Some(now.to_string()),
            ..self.new_token_record(
                TokenPurpose::NotMe,
                &token,
                now,
                self.policy.report_link_secs,
            )
        };
        (self.link("/not-me", &token), record)
    }

    pub(crate) fn report<'a>(&self, link: &'a str) -> ReportLink<'a> {
        ReportLink {
            link,
            valid_days: self.policy.report_link_secs / 86_400,
        }
    }

    fn password_expired(&self, user: &UserRecord, now: i64) -> bool {
        let max_age_days = if user.roles.is_empty() {
            self.policy.customer_password_max_age_days
        } else {
            self.policy.staff_password_max_age_days
        };
        max_age_days.is_some_and(|days| now >= user.password_changed_at + days * 86_400_000)
    }

    /// Staff sessions idle out sooner; the absolute limit is everyone's.
    fn staff_session(&self) -> domain::SessionLifetime {
        domain::SessionLifetime {
            idle_secs: self.policy.staff_session_idle_secs,
            absolute_secs: self.policy.session.absolute_secs,
        }
    }

    /// The account behind a session cookie, with what it may do now (its
    /// roles are re-read on every request). Malformed, unknown, expired and
    /// revoked tokens, and tokens of deleted or disabled accounts, are all
    /// "signed out".
    pub async fn current_user(
        &self,
        session_token: &str,
        ip: &str,
    ) -> Result<Option<CurrentUser>, ServiceError> {
        if !looks_like_token(session_token) {
            return Ok(None);
        }
        let Some((session, user)) = self
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
        if user.disabled_at.is_some() {
            tracing::info!(user_id = %user.id, ip = %ip, "session of a disabled account refused");
            return Ok(None);
        }
        let staff = !user.roles.is_empty();
        if staff
            && !self
                .staff_session()
                .is_live(session.created_at, session.last_seen_at, now)
        {
            return Ok(None);
        }
        if now - session.last_seen_at >= SESSION_TOUCH_INTERVAL_MS || session.origin.ip != ip {
            self.repo.touch_session(session.id, now, ip).await?;
        }
        let (permissions, has_second_factor) = if staff {
            let has_factor = self.has_second_factor(user.id).await?;
            let catalog = self.repo.role_catalog().await?;
            (
                account_permissions(&catalog, &user.roles, has_factor),
                Some(has_factor),
            )
        } else {
            (BASELINE.into_iter().collect(), None)
        };
        let view = if staff {
            self.live_view(session.id, &permissions, now).await?
        } else {
            None
        };
        Ok(Some(CurrentUser {
            id: user.id,
            session_id: session.id,
            reauth_at: session.reauth_at,
            password_expired: self.password_expired(&user, now),
            email: user.email,
            display_name: user.display_name,
            email_verified: user.email_verified_at.is_some(),
            locale: user.locale,
            roles: user.roles,
            permissions,
            has_second_factor,
            view,
        }))
    }

    /// The support view a staff session runs now, with the customer as it
    /// sees them. A view whose staff member no longer holds
    /// `customer.impersonate`, or whose customer is gone or now holds a
    /// role, ends here: losing the right ends the view at once.
    async fn live_view(
        &self,
        session_id: i64,
        staff_permissions: &Permissions,
        now: i64,
    ) -> Result<Option<Box<SupportView>>, ServiceError> {
        let Some(view) = self.repo.live_view(session_id, now).await? else {
            return Ok(None);
        };
        let customer = self
            .repo
            .find_user(view.customer_id)
            .await?
            .filter(|c| c.roles.is_empty());
        let (Some(customer), true) = (
            customer,
            staff_permissions.contains(&Permission::CustomerImpersonate),
        ) else {
            self.repo.end_view(session_id, now).await?;
            tracing::info!(
                view = view.id,
                "support view ended: the right to it is gone"
            );
            return Ok(None);
        };
        Ok(Some(Box::new(SupportView {
            id: view.id,
            customer: CurrentUser {
                id: customer.id,
                session_id: NO_SESSION,
                email_verified: customer.email_verified_at.is_some(),
                email: customer.email,
                display_name: customer.display_name,
                locale: customer.locale,
                roles: Vec::new(),
                permissions: domain::support_view::view_permissions(),
                has_second_factor: None,
                password_expired: false,
                // Never recent: no sudo in a view.
                reauth_at: 0,
                view: None,
            },
            reason: view.reason,
            window: view.window,
        })))
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

    /// One page of the history, newest first, only of `kinds` unless empty.
    pub async fn activity(
        &self,
        user: &CurrentUser,
        kinds: &[ActivityKind],
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<ActivityRecord>, ServiceError> {
        let records = self
            .repo
            .list_activity(user.id, kinds, before_id, limit)
            .await?;
        self.with_view_ends(user.id, records).await
    }

    /// Fills in when each support view among the rows ended (or ends).
    pub(crate) async fn with_view_ends(
        &self,
        user: UserId,
        mut records: Vec<ActivityRecord>,
    ) -> Result<Vec<ActivityRecord>, ServiceError> {
        let Some(oldest) = records
            .iter()
            .filter(|r| r.kind == ActivityKind::SupportViewed)
            .map(|r| r.at_ms)
            .min()
        else {
            return Ok(records);
        };
        let views = self.repo.views_of(user, oldest).await?;
        for record in &mut records {
            if let Some(id) = record.details.as_ref().and_then(|d| d.view) {
                record.view_ends_at = views
                    .iter()
                    .find(|v| v.id == id)
                    .map(|v| v.window.ends_at());
            }
        }
        Ok(records)
    }

    /// The whole history, newest first, only of `kinds` unless empty; read
    /// in batches so that no single query runs long.
    pub async fn all_activity(
        &self,
        user: UserId,
        kinds: &[ActivityKind],
    ) -> Result<Vec<ActivityRecord>, ServiceError> {
        const BATCH: u32 = 500;
        let mut all = Vec::new();
        loop {
            let before = all.last().map(|a: &ActivityRecord| a.id);
            let batch = self.repo.list_activity(user, kinds, before, BATCH).await?;
            let done = batch.len() < BATCH as usize;
            all.extend(batch);
            if done {
                return self.with_view_ends(user, all).await;
            }
        }
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
        let address = self.key.token_hash(email.as_str());
        let requester = format!("reset:address:{address}:ip:{}", origin.network());
        // A repeat within seconds (a double tap) mails nothing more and is
        // answered the same, whether or not the address has an account.
        if self.is_repeat(&requester).await? {
            return Ok(());
        }
        self.limit_ip("reset", origin, self.policy.reset_per_ip)
            .await?;
        // One requester's quota for the address, and a looser one for all
        // requesters together: a stranger cannot use up the owner's.
        self.limit(&requester, self.policy.reset_per_address)
            .await?;
        self.limit(
            &format!("reset:address:{address}"),
            self.policy.reset_per_address_global,
        )
        .await?;
        if !self.first_of_repeats(&requester).await? {
            return Ok(());
        }
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
            greeting_name(&user),
            &self.link("/recover/reset", &token),
            self.policy.reset_link_secs / 60,
        );
        // Earlier links stay valid: a stranger asking again must not void
        // the one the owner is about to open. A new password voids them all.
        let record = NewToken {
            replaces_earlier: false,
            ..self.reset_token(&token, now)
        };
        let effects = Effects::activity(ActivityKind::PasswordResetRequested, origin, now)
            .with_mail(mail)
            .with_token(record);
        self.repo.record(user.id, effects).await?;
        tracing::info!(user_id = %user.id, "password reset link sent");
        Ok(())
    }

    /// Sets a new password from a reset link: the full policy applies, the
    /// second factor is asked for (under the same lock as signing in; a few
    /// wrong codes use the link up), every session, known browser and other
    /// pending link ends, the passkeys the owner ticked go, the address
    /// counts as verified, and the owner is told. An invited staff member's
    /// set-password link works here the same way (the mail then tells them
    /// if someone else used their link first). Unknown, used, expired and
    /// malformed links are one error.
    pub async fn reset_password(
        &self,
        form: ResetForm<'_>,
        device_token: Option<&str>,
        origin: &Origin,
    ) -> Result<UserId, ServiceError> {
        self.limit_ip("reset_submit", origin, self.policy.sign_in_per_ip)
            .await?;
        let (user, purpose) = self.peek_password_link(form.token).await?;
        let issues = self
            .new_password_issues(&user, form.password, form.confirmation)
            .await?;
        if !issues.is_empty() {
            return Err(ServiceError::Validation(issues));
        }
        // The mailbox alone does not replace the second factor: an app code
        // or a recovery code is asked for too. (Factors exist only on
        // verified addresses, so no never-verified account has one to clear.)
        if self.has_second_factor(user.id).await? {
            self.check_reset_code(&user, purpose, &form, device_token, origin)
                .await?;
        }
        let now = self.clock.now_ms();
        let mut changes = vec![
            self.set_password(form.password).await?,
            AccountChange::MarkEmailVerified,
            AccountChange::EndSessions { except: None },
            AccountChange::ForgetDevices,
            AccountChange::VoidTokensExceptReports,
        ];
        let mut effects = Effects::activity(ActivityKind::PasswordReset, origin, now)
            .with_mail(self.password_changed_mail(&user));
        let owned = self.repo.passkeys(user.id).await?;
        for passkey in owned
            .iter()
            .filter(|p| form.remove_passkeys.contains(&p.id))
        {
            changes.push(AccountChange::RemovePasskey { id: passkey.id });
            effects = effects.and(Effects::activity(ActivityKind::PasskeyRemoved, origin, now));
        }
        changes.push(AccountChange::DropRecoveryCodesWithoutFactor);
        let user_id = self.redeem(purpose, form.token, &changes, effects).await?;
        tracing::info!(user_id = %user_id, ip = %origin.ip, "password reset; every session ended");
        Ok(user_id)
    }

    /// The second factor of a reset (a code, or a passkey's answer),
    /// checked like the second step of a sign-in; a wrong entry also counts
    /// against the link.
    async fn check_reset_code(
        &self,
        user: &UserRecord,
        purpose: TokenPurpose,
        form: &ResetForm<'_>,
        device_token: Option<&str>,
        origin: &Origin,
    ) -> Result<(), ServiceError> {
        let browser = self.browser(user.id, device_token).await?;
        self.refuse_while_locked(user.id, &browser, "code", origin)
            .await?;
        let checked = match form.passkey {
            Some(answer) => {
                self.check_reset_passkey(user, answer, device_token, origin)
                    .await
            }
            None => {
                self.check_second_factor(user, &browser.failure_key, form.second_factor, origin)
                    .await
            }
        };
        let Err(wrong) = checked else {
            return Ok(());
        };
        let used_up = self
            .repo
            .count_token_failure(
                purpose,
                &self.key.token_hash(form.token),
                self.policy.reset_code_attempts,
            )
            .await?;
        if used_up {
            tracing::warn!(user_id = %user.id, ip = %origin.ip, "reset link used up by wrong codes");
            return Err(ServiceError::TokenInvalid);
        }
        Err(wrong)
    }

    pub(crate) fn password_changed_mail(&self, user: &UserRecord) -> NewMail {
        password_changed_mail(
            user.locale,
            &user.email,
            &user.display_name,
            &format!("{}/recover", self.public_url),
        )
    }

    /// The change that sets a new password, keeping enough history to
    /// refuse the recent ones later.
    pub(crate) async fn set_password(&self, password: &str) -> Result<AccountChange, ServiceError> {
        Ok(AccountChange::SetPassword {
            hash: self.hasher.hash(password).await?,
            keep_history: self.policy.password_history.saturating_sub(1),
        })
    }

    /// Everything wrong with a new password for this account: the policy,
    /// the confirmation, and reuse of one of the recent passwords.
    pub(crate) async fn new_password_issues(
        &self,
        user: &UserRecord,
        password: &str,
        confirmation: &str,
    ) -> Result<Vec<FieldIssue>, ServiceError> {
        let mut issues = self.new_password_rule_issues(user, password, confirmation);
        if issues.is_empty() && self.reuses_recent_password(user, password).await? {
            issues.push(FieldIssue::new("password", "password.recently_used"));
        }
        Ok(issues)
    }

    /// What is wrong with a new password and its confirmation by the rules
    /// alone, without comparing it with the account's earlier passwords.
    pub(crate) fn new_password_rule_issues(
        &self,
        user: &UserRecord,
        password: &str,
        confirmation: &str,
    ) -> Vec<FieldIssue> {
        let local_part = user.email.split('@').next().unwrap_or_default();
        let mut issues = self.password_issues(password, local_part, &user.display_name);
        if confirmation.is_empty() && !password.is_empty() {
            issues.push(FieldIssue::new("confirmation", CONFIRMATION_REQUIRED));
        } else if password != confirmation {
            issues.push(FieldIssue::new("confirmation", "password.mismatch"));
        }
        issues
    }

    /// Compares against the stored hashes (the current one and the history),
    /// one verification each.
    async fn reuses_recent_password(
        &self,
        user: &UserRecord,
        password: &str,
    ) -> Result<bool, ServiceError> {
        let recent = self.policy.password_history;
        if recent == 0 {
            return Ok(false);
        }
        let mut hashes = vec![user.password_hash.clone()];
        hashes.extend(self.repo.password_history(user.id, recent - 1).await?);
        for hash in &hashes {
            if self.hasher.verify(password, Some(hash)).await? != Verified::No {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The account and payload of a live mailed token, without using it up.
    pub(crate) async fn peek(
        &self,
        purpose: TokenPurpose,
        token: &str,
    ) -> Result<(UserRecord, Option<String>), ServiceError> {
        if !looks_like_token(token) {
            return Err(ServiceError::TokenInvalid);
        }
        let peeked = self
            .repo
            .peek_token(purpose, &self.key.token_hash(token), self.clock.now_ms())
            .await?
            .ok_or(ServiceError::TokenInvalid)?;
        let user = self
            .repo
            .find_user(peeked.user_id)
            .await?
            .ok_or(ServiceError::TokenInvalid)?;
        Ok((user, peeked.payload))
    }

    /// The account behind a link that sets a password: a reset link, or the
    /// link an invited staff member sets their first password with (both
    /// open the reset page), and which of the two it is.
    pub(crate) async fn peek_password_link(
        &self,
        token: &str,
    ) -> Result<(UserRecord, TokenPurpose), ServiceError> {
        match self.peek(TokenPurpose::ResetPassword, token).await {
            Ok((user, _)) => Ok((user, TokenPurpose::ResetPassword)),
            Err(ServiceError::TokenInvalid) => {
                let (user, _) = self.peek(TokenPurpose::SetPassword, token).await?;
                Ok((user, TokenPurpose::SetPassword))
            }
            Err(other) => Err(other),
        }
    }

    /// What the page a mail link opens says about it, without using it up
    /// (mail scanners open links): live (with the masked address it acts
    /// on), used, voided, expired, or for a verification link an address
    /// confirmed by now. A reset link's page serves invitation links too.
    pub async fn link_status(
        &self,
        purpose: TokenPurpose,
        token: &str,
    ) -> Result<LinkStatus, ServiceError> {
        if !looks_like_token(token) {
            return Ok(LinkStatus::Unknown);
        }
        let hash = self.key.token_hash(token);
        let now = self.clock.now_ms();
        let mut found = self.repo.inspect_token(purpose, &hash, now).await?;
        if found.is_none() && purpose == TokenPurpose::ResetPassword {
            found = self
                .repo
                .inspect_token(TokenPurpose::SetPassword, &hash, now)
                .await?;
        }
        let Some(found) = found else {
            return Ok(LinkStatus::Unknown);
        };
        let Some(user) = self.repo.find_user(found.user_id).await? else {
            return Ok(LinkStatus::Unknown);
        };
        if purpose == TokenPurpose::VerifyEmail && user.email_verified_at.is_some() {
            return Ok(LinkStatus::AlreadyConfirmed);
        }
        Ok(match found.fate {
            TokenFate::Live => LinkStatus::Live {
                account: domain::email::masked(&user.email),
            },
            TokenFate::Used => LinkStatus::Used,
            TokenFate::Voided => LinkStatus::Voided,
            TokenFate::Expired => LinkStatus::Expired,
        })
    }

    /// True when the same mailing request (`key`) came within the repeat
    /// window: a double tap, answered like the first without mailing again.
    pub(crate) async fn is_repeat(&self, key: &str) -> Result<bool, ServiceError> {
        if self.policy.repeat_window_secs == 0 {
            return Ok(false);
        }
        let since = self.clock.now_ms() - self.policy.repeat_window_secs * 1000;
        Ok(self
            .repo
            .seen_since(&format!("repeat:{key}"), since)
            .await?)
    }

    /// Notes a mailing request that passed its limits; false when a twin
    /// sent at the same moment was noted first (then this one does nothing).
    pub(crate) async fn first_of_repeats(&self, key: &str) -> Result<bool, ServiceError> {
        if self.policy.repeat_window_secs == 0 {
            return Ok(true);
        }
        let now = self.clock.now_ms();
        let since = now - self.policy.repeat_window_secs * 1000;
        Ok(self
            .repo
            .note_request(&format!("repeat:{key}"), since, now)
            .await?)
    }

    /// Uses up a mailed token and applies its changes in one transaction.
    /// Unknown, used, expired and malformed tokens are one error.
    pub(crate) async fn redeem(
        &self,
        purpose: TokenPurpose,
        token: &str,
        changes: &[AccountChange],
        effects: Effects,
    ) -> Result<UserId, ServiceError> {
        if !looks_like_token(token) {
            return Err(ServiceError::TokenInvalid);
        }
        let redeemed = self
            .repo
            .redeem_token(
                purpose,
                &self.key.token_hash(token),
                self.clock.now_ms(),
                changes,
                effects,
            )
            .await?;
        redeemed.ok_or(ServiceError::TokenInvalid)
    }

    /// Keeps what a form held across a redirect (JavaScript off) without
    /// putting it in the URL. Returns the cookie value that finds it again.
    pub async fn put_flash(&self, payload: &str) -> Result<String, ServiceError> {
        self.put_flash_for(payload, self.policy.flash_secs).await
    }

    pub(crate) async fn put_flash_for(
        &self,
        payload: &str,
        lifetime_secs: i64,
    ) -> Result<String, ServiceError> {
        let key = new_token();
        let expires = self.clock.now_ms() + lifetime_secs * 1000;
        self.repo
            .put_flash(&self.key.token_hash(&key), payload, expires)
            .await?;
        Ok(key)
    }

    /// A live flash, left in place.
    pub(crate) async fn peek_flash(&self, key: &str) -> Result<Option<String>, ServiceError> {
        if !looks_like_token(key) {
            return Ok(None);
        }
        Ok(self
            .repo
            .peek_flash(&self.key.token_hash(key), self.clock.now_ms())
            .await?)
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

    /// [`Self::limit`] for one client: keyed by its address, or its /64 for IPv6.
    pub(crate) async fn limit_ip(
        &self,
        action: &str,
        origin: &Origin,
        limit: RateLimit,
    ) -> Result<(), ServiceError> {
        self.limit(&format!("{action}:ip:{}", origin.network()), limit)
            .await
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
        let mail_cutoff = now - self.policy.mail_retention_secs * 1000;
        Ok(self
            .repo
            .purge_expired(now, idle_cutoff, absolute_cutoff, mail_cutoff)
            .await?)
    }
}
