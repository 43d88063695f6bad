//! The second factor: enrolling an authenticator app, the recovery codes,
//! the second step of signing in, and re-authentication ("sudo mode")
//! before sensitive changes.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use domain::{ActivityKind, SecondFactorInput, UserId};

use crate::accounts::{Accounts, Browser, CurrentUser, SignedIn};
use crate::crypto::new_token;
use crate::error::{FieldIssue, ServiceError};
use crate::mail::{factor_changed_mail, FactorChange};
use crate::passkeys::PasskeySummary;
use crate::ports::{
    AccountChange, Effects, FailureCounter, Origin, TokenPurpose, TotpRecord, UserRecord,
};
use crate::totp::{new_recovery_codes, qr_svg, TotpSecret};

/// Purpose of the key that seals authenticator secrets at rest.
const TOTP_SEAL: &str = "totp-secret";
/// Purpose of the key that seals new recovery codes for their one showing.
const CODES_SEAL: &str = "recovery-codes-shown-once";
/// The recovery-code count at which the page starts to warn.
pub const FEW_RECOVERY_CODES: u32 = 2;
/// How long new recovery codes stay on their page (reloads included) when
/// the owner does not say they are saved: time to print or copy them, not
/// to leave them lying in an open tab.
pub const RECOVERY_CODES_SHOWN_SECS: i64 = 30 * 60;

/// What the two-factor page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TwoFactorState {
    /// No authenticator app; `passkey_codes_left` is the recovery codes that
    /// came with the account's passkeys, if it has any.
    Off {
        passkey_codes_left: Option<u32>,
    },
    /// Set up started: what the app needs, until the first code confirms it.
    Pending(TotpSetup),
    On {
        recovery_codes_left: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpSetup {
    pub otpauth_uri: String,
    /// The QR code as an SVG `data:` URI, for an `<img>` (allowed by the CSP).
    pub qr_image: String,
    /// The secret in base32, grouped, for typing it in by hand.
    pub manual_key: String,
}

/// The second factors of the account behind a reset link, for its owner to
/// recognise (and remove passkeys they did not add) before choosing a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetFactors {
    /// The link's account, masked.
    pub masked_email: String,
    pub app: bool,
    pub passkeys: Vec<PasskeySummary>,
}

impl ResetFactors {
    /// Whether the reset must ask for an app code or a recovery code.
    pub fn needs_code(&self) -> bool {
        self.app || !self.passkeys.is_empty()
    }
}

fn code_issue(field: &str, code: &str) -> ServiceError {
    ServiceError::Validation(vec![FieldIssue::new(field, code)])
}

impl Accounts {
    async fn has_totp(&self, user: UserId) -> Result<bool, ServiceError> {
        Ok(self
            .repo
            .totp_factor(user)
            .await?
            .is_some_and(|factor| factor.confirmed))
    }

    /// An authenticator app or a passkey: signing in with the password then
    /// takes a second step.
    pub(crate) async fn has_second_factor(&self, user: UserId) -> Result<bool, ServiceError> {
        Ok(self.has_totp(user).await? || self.has_passkey(user).await?)
    }

    fn open_secret(&self, user: UserId, sealed: &str) -> Result<TotpSecret, ServiceError> {
        self.key
            .open(TOTP_SEAL, user.0.to_string().as_bytes(), sealed)
            .map(TotpSecret::from_bytes)
            .map_err(|_| ServiceError::Internal("authenticator secret cannot be opened".into()))
    }

    /// An unconfirmed authenticator secret, if this session started it and
    /// its time is not up: no other session, and nobody later, reads it.
    fn own_pending(&self, user: &CurrentUser, factor: TotpRecord) -> Option<TotpRecord> {
        let fresh = self.clock.now_ms() < factor.created_at + self.policy.pending_totp_secs * 1000;
        (!factor.confirmed && fresh && factor.started_by_session == Some(user.session_id))
            .then_some(factor)
    }

    pub async fn two_factor_state(
        &self,
        user: &CurrentUser,
    ) -> Result<TwoFactorState, ServiceError> {
        let factor = self.repo.totp_factor(user.id).await?.and_then(|f| {
            if f.confirmed {
                Some(f)
            } else {
                self.own_pending(user, f)
            }
        });
        let Some(factor) = factor else {
            let passkey_codes_left = if self.has_passkey(user.id).await? {
                Some(self.repo.recovery_codes_left(user.id).await?)
            } else {
                None
            };
            return Ok(TwoFactorState::Off { passkey_codes_left });
        };
        if factor.confirmed {
            let left = self.repo.recovery_codes_left(user.id).await?;
            return Ok(TwoFactorState::On {
                recovery_codes_left: left,
            });
        }
        let secret = self.open_secret(user.id, &factor.sealed_secret)?;
        let otpauth_uri = secret.otpauth_uri(&self.policy.totp_issuer, &user.email);
        let svg = qr_svg(&otpauth_uri)
            .ok_or_else(|| ServiceError::Internal("QR code cannot be drawn".into()))?;
        Ok(TwoFactorState::Pending(TotpSetup {
            qr_image: format!("data:image/svg+xml;base64,{}", STANDARD.encode(svg)),
            otpauth_uri,
            manual_key: secret.grouped_base32(),
        }))
    }

    /// Sensitive changes need a re-authentication in the last few minutes
    /// (five by default; a fresh sign-in counts).
    pub fn require_recent_auth(&self, user: &CurrentUser) -> Result<(), ServiceError> {
        if self.clock.now_ms() - user.reauth_at > self.policy.reauth_secs * 1000 {
            return Err(ServiceError::ReauthRequired);
        }
        Ok(())
    }

    /// Starts setting up an authenticator app: a fresh secret, sealed, that
    /// counts only once a first code confirms it. Needs a verified address
    /// (against pre-hijacking) and a recent re-authentication.
    pub async fn start_totp_enrollment(&self, user: &CurrentUser) -> Result<(), ServiceError> {
        if !user.email_verified {
            return Err(code_issue("code", "mfa.needs_verified_email"));
        }
        self.require_recent_auth(user)?;
        if self.has_totp(user.id).await? {
            return Ok(());
        }
        let secret = TotpSecret::generate();
        let sealed = self.key.seal(
            TOTP_SEAL,
            user.id.0.to_string().as_bytes(),
            secret.as_bytes(),
        );
        self.repo
            .put_pending_totp(user.id, &sealed, self.clock.now_ms(), user.session_id)
            .await?;
        Ok(())
    }

    /// Drops an app set-up not yet confirmed; an app already on stays.
    pub async fn cancel_totp_enrollment(&self, user: &CurrentUser) -> Result<(), ServiceError> {
        self.repo
            .apply(
                user.id,
                &[AccountChange::CancelPendingTotp],
                Effects::default(),
            )
            .await?;
        Ok(())
    }

    /// Turns the pending app on with its first code. Returns recovery codes,
    /// to be shown once, when the app is the account's first second factor;
    /// an account with a passkey keeps the codes it has (so an app added by
    /// someone else and removed again leaves the owner's codes working).
    pub async fn confirm_totp_enrollment(
        &self,
        user: &CurrentUser,
        code: &str,
        origin: &Origin,
    ) -> Result<Option<Vec<String>>, ServiceError> {
        self.require_recent_auth(user)?;
        let factor = self
            .repo
            .totp_factor(user.id)
            .await?
            .and_then(|f| self.own_pending(user, f))
            .ok_or(ServiceError::TokenInvalid)?;
        // The app is not on yet and there are no recovery codes: the
        // messages ask for the app's code only.
        if code.trim().is_empty() {
            return Err(code_issue("code", "mfa.setup_code_required"));
        }
        let secret = self.open_secret(user.id, &factor.sealed_secret)?;
        let now = self.clock.now_ms();
        let step = match SecondFactorInput::parse(code) {
            Some(SecondFactorInput::Totp(digits)) => secret.matching_step(&digits, now),
            _ => None,
        }
        .ok_or_else(|| code_issue("code", "mfa.setup_code_wrong"))?;
        let codes = (!self.has_passkey(user.id).await?).then(new_recovery_codes);
        let hashes: Option<Vec<String>> = codes
            .as_ref()
            .map(|codes| codes.iter().map(|c| self.key.token_hash(c)).collect());
        let record = self.user_record(user.id).await?;
        let (link, report) = self.report_link(now);
        let mail = factor_changed_mail(
            record.locale,
            &record.email,
            &record.display_name,
            FactorChange::Added(self.report(&link)),
        );
        let effects = Effects::activity(ActivityKind::TotpEnabled, origin, now)
            .with_mail(mail)
            .with_token(report);
        if !self
            .repo
            .confirm_totp(user.id, step, hashes.as_deref(), effects)
            .await?
        {
            return Err(ServiceError::TokenInvalid);
        }
        tracing::info!(user_id = %user.id, "authenticator app enabled");
        Ok(codes)
    }

    /// A fresh set of recovery codes; the old set stops working.
    pub async fn regenerate_recovery_codes(
        &self,
        user: &CurrentUser,
        origin: &Origin,
    ) -> Result<Vec<String>, ServiceError> {
        self.require_recent_auth(user)?;
        if !self.has_second_factor(user.id).await? {
            return Err(ServiceError::TokenInvalid);
        }
        let codes = new_recovery_codes();
        let hashes = codes.iter().map(|c| self.key.token_hash(c)).collect();
        let effects = Effects::activity(
            ActivityKind::RecoveryCodesRegenerated,
            origin,
            self.clock.now_ms(),
        );
        self.repo
            .apply(
                user.id,
                &[AccountChange::ReplaceRecoveryCodes(hashes)],
                effects,
            )
            .await?;
        tracing::info!(user_id = %user.id, "recovery codes regenerated");
        Ok(codes)
    }

    /// Turns two-factor sign-in off; the owner is mailed.
    pub async fn remove_totp(
        &self,
        user: &CurrentUser,
        current_password: &str,
        device_token: Option<&str>,
        origin: &Origin,
    ) -> Result<(), ServiceError> {
        // As the deletion does: the password now, whatever sudo mode says.
        let (record, _) = self
            .reauthenticate(user, current_password, device_token, origin)
            .await?;
        let mail = factor_changed_mail(
            record.locale,
            &record.email,
            &record.display_name,
            FactorChange::Removed {
                recover_link: &format!("{}/recover", self.public_url()),
            },
        );
        let effects = Effects::activity(ActivityKind::TotpRemoved, origin, self.clock.now_ms())
            .with_mail(mail);
        self.repo
            .apply(
                user.id,
                &[
                    AccountChange::RemoveTotp,
                    AccountChange::DropRecoveryCodesWithoutFactor,
                ],
                effects,
            )
            .await?;
        tracing::info!(user_id = %user.id, "authenticator app removed");
        Ok(())
    }

    pub(crate) async fn user_record(&self, user: UserId) -> Result<UserRecord, ServiceError> {
        self.repo
            .find_user(user)
            .await?
            .ok_or(ServiceError::Unauthenticated)
    }

    /// Checks a second-factor entry (an app code or a recovery code) and
    /// uses it up: an app code's time step cannot be used again, a recovery
    /// code works once. A failure is recorded and counts toward the lock.
    pub(crate) async fn check_second_factor(
        &self,
        user: &UserRecord,
        failure_key: &str,
        typed: &str,
        origin: &Origin,
    ) -> Result<(), ServiceError> {
        // An empty field is no guess: it is neither checked nor counted.
        if typed.trim().is_empty() {
            return Err(code_issue("code", "mfa.code_required"));
        }
        let now = self.clock.now_ms();
        let failed = match SecondFactorInput::parse(typed) {
            Some(SecondFactorInput::Totp(digits)) => {
                let factor = self
                    .repo
                    .totp_factor(user.id)
                    .await?
                    .filter(|f| f.confirmed);
                let step = match &factor {
                    Some(factor) => self
                        .open_secret(user.id, &factor.sealed_secret)?
                        .matching_step(&digits, now),
                    None => None,
                };
                match step {
                    Some(step) if self.repo.use_totp_step(user.id, step).await? => None,
                    Some(_) => Some(ActivityKind::SecondFactorReplayed),
                    None => Some(ActivityKind::SecondFactorFailed),
                }
            }
            Some(SecondFactorInput::Recovery(code)) => {
                let effects = Effects::activity(ActivityKind::RecoveryCodeUsed, origin, now);
                let used = self
                    .repo
                    .use_recovery_code(user.id, &self.key.token_hash(&code), effects)
                    .await?;
                (!used).then_some(ActivityKind::SecondFactorFailed)
            }
            None => Some(ActivityKind::SecondFactorFailed),
        };
        let Some(kind) = failed else {
            return Ok(());
        };
        tracing::info!(user_id = %user.id, ip = %origin.ip, outcome = kind.as_str(), "second factor refused");
        self.count_failure(user, failure_key, kind, origin, now)
            .await?;
        Err(code_issue("code", "mfa.code_wrong"))
    }

    /// The second step of signing in. `pending_token` came from the first
    /// step's cookie; it works for five minutes and once.
    pub async fn complete_second_factor(
        &self,
        pending_token: &str,
        typed: &str,
        device_token: Option<&str>,
        origin: &Origin,
    ) -> Result<SignedIn, ServiceError> {
        let (user, _) = self
            .peek(TokenPurpose::SignInPending, pending_token)
            .await?;
        let browser = self.browser(user.id, device_token).await?;
        let now = self.clock.now_ms();
        let counter = FailureCounter::Account {
            user: user.id,
            key: &browser.failure_key,
        };
        if self.locked_out(counter, origin, now).await? {
            return Err(code_issue("code", "mfa.code_wrong"));
        }
        self.check_second_factor(&user, &browser.failure_key, typed, origin)
            .await?;
        self.finish_pending_sign_in(pending_token, &user, &browser, origin, now)
            .await
    }

    /// Ends a sign-in whose second step succeeded (app code, recovery code
    /// or passkey): the pending token is used up, once, and the session opens.
    pub(crate) async fn finish_pending_sign_in(
        &self,
        pending_token: &str,
        user: &UserRecord,
        browser: &Browser,
        origin: &Origin,
        now: i64,
    ) -> Result<SignedIn, ServiceError> {
        self.redeem(
            TokenPurpose::SignInPending,
            pending_token,
            &[],
            Effects::default(),
        )
        .await?;
        self.open_session(user, browser, origin, now).await
    }

    /// Re-authentication in a signed-in session: the password, and the
    /// second factor where one is enrolled (an app code or, for an account
    /// whose second factor is a passkey, a recovery code; the passkey itself
    /// goes through [`Self::confirm_identity_with_passkey`]). Opens five
    /// minutes of sudo mode and returns the session's new token.
    pub async fn confirm_identity(
        &self,
        user: &CurrentUser,
        password: &str,
        code: &str,
        device_token: Option<&str>,
        origin: &Origin,
    ) -> Result<String, ServiceError> {
        let (record, browser) = self
            .reauthenticate(user, password, device_token, origin)
            .await?;
        if self.has_second_factor(user.id).await? {
            self.check_second_factor(&record, &browser.failure_key, code, origin)
                .await?;
        }
        self.open_sudo(user, origin).await
    }

    /// Starts sudo mode with a new session token (the old one stops working).
    pub(crate) async fn open_sudo(
        &self,
        user: &CurrentUser,
        origin: &Origin,
    ) -> Result<String, ServiceError> {
        let now = self.clock.now_ms();
        let token = new_token();
        self.repo
            .mark_reauthenticated(
                user.session_id,
                &self.key.token_hash(&token),
                now,
                Effects::activity(ActivityKind::Reauthenticated, origin, now),
            )
            .await?;
        Ok(token)
    }

    /// Keeps new recovery codes, sealed, for the one page that shows them
    /// (with or without JavaScript); returns the key for an HttpOnly cookie.
    pub async fn stash_recovery_codes(
        &self,
        user: &CurrentUser,
        codes: &[String],
    ) -> Result<String, ServiceError> {
        let sealed = self.key.seal(
            CODES_SEAL,
            user.id.0.to_string().as_bytes(),
            codes.join(" ").as_bytes(),
        );
        self.put_flash_for(&sealed, RECOVERY_CODES_SHOWN_SECS).await
    }

    /// The stashed codes, as often as the page is drawn, until the owner
    /// says they are saved; `None` after that or once expired.
    pub async fn stashed_recovery_codes(
        &self,
        user: &CurrentUser,
        key: &str,
    ) -> Result<Option<Vec<String>>, ServiceError> {
        let Some(sealed) = self.peek_flash(key).await? else {
            return Ok(None);
        };
        let codes = self
            .key
            .open(CODES_SEAL, user.id.0.to_string().as_bytes(), &sealed)
            .ok()
            .and_then(|plain| String::from_utf8(plain).ok())
            .map(|text| text.split(' ').map(str::to_owned).collect());
        Ok(codes)
    }

    /// The owner saved the stashed codes: they are not shown again.
    pub async fn forget_recovery_codes(&self, key: &str) -> Result<(), ServiceError> {
        self.take_flash(key).await?;
        Ok(())
    }

    /// For password recovery: the factors of the account behind a reset
    /// link, without using the link up.
    pub async fn reset_factors(&self, reset_token: &str) -> Result<ResetFactors, ServiceError> {
        let (user, _) = self.peek_password_link(reset_token).await?;
        let passkeys = self
            .repo
            .passkeys(user.id)
            .await?
            .into_iter()
            .map(PasskeySummary::from)
            .collect();
        Ok(ResetFactors {
            masked_email: domain::email::masked(&user.email),
            app: self.has_totp(user.id).await?,
            passkeys,
        })
    }
}
