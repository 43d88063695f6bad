//! Passkeys and security keys (WebAuthn, through webauthn-rs' passkey API):
//! adding them to the account, and signing in with them, after the password
//! (as the second factor) or instead of it (discoverable credentials).
//!
//! A ceremony has two requests; its state waits in the database between
//! them, so any instance can finish what another started, once, within five
//! minutes.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use domain::{ActivityKind, DisplayName, NameError, PasskeyKind, UserId};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, DiscoverableKey, Passkey,
    PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    Url, Uuid, Webauthn, WebauthnBuilder, WebauthnError,
};
use webauthn_rs_proto::ResidentKeyRequirement;

use crate::accounts::{Accounts, Browser, CurrentUser, SignedIn};
use crate::crypto::{looks_like_token, new_token};
use crate::error::{FieldIssue, ServiceError, StoreError};
use crate::mail::{passkey_changed_mail, passkey_refused_mail, FactorChange};
use crate::ports::{
    AccountChange, CeremonyRecord, Effects, NewPasskey, Origin, PasskeyRecord, TokenPurpose,
    UserRecord,
};
use crate::totp::new_recovery_codes;

/// How long a started ceremony can be finished.
const CEREMONY_SECS: i64 = 5 * 60;

#[derive(Debug, Clone, Copy)]
enum Purpose {
    Register,
    SecondFactor,
    Passwordless,
    /// Re-authentication in a session: the password and the passkey.
    Reauth,
    /// A password reset's second factor.
    Reset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::SecondFactor => "second_factor",
            Purpose::Passwordless => "passwordless",
            Purpose::Reauth => "reauth",
            Purpose::Reset => "reset",
        }
    }
}

/// A started ceremony: its id, to send back with the answer, and the
/// options for `navigator.credentials`, as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ceremony {
    pub id: String,
    pub options: String,
}

/// The browser's answer to a passkey ceremony: the ceremony's id and the
/// credential, as JSON.
#[derive(Debug, Clone, Copy)]
pub struct PasskeyAnswer<'a> {
    pub ceremony: &'a str,
    pub credential: &'a str,
}

/// A passkey as its owner sees it in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeySummary {
    pub id: i64,
    pub name: String,
    pub kind: PasskeyKind,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl From<PasskeyRecord> for PasskeySummary {
    fn from(p: PasskeyRecord) -> Self {
        PasskeySummary {
            id: p.id,
            name: p.name,
            kind: p.kind,
            created_at: p.created_at,
            last_used_at: p.last_used_at,
        }
    }
}

/// The relying party: its id is the host of the public URL (WebAuthn
/// refuses IP addresses, so development uses `localhost`), its origin the
/// URL itself.
pub(crate) fn relying_party(public_url: &str, name: &str) -> Result<Arc<Webauthn>, ServiceError> {
    let unusable = |why: String| ServiceError::Internal(format!("passkeys: {why}"));
    let origin = Url::parse(public_url).map_err(|e| unusable(e.to_string()))?;
    let rp_id = origin
        .host_str()
        .ok_or_else(|| unusable("the public URL has no host".into()))?
        .to_owned();
    WebauthnBuilder::new(&rp_id, &origin)
        .and_then(|builder| builder.rp_name(name).build())
        .map(Arc::new)
        .map_err(|e| unusable(e.to_string()))
}

/// Every failed ceremony gets the same answer: which check failed helps
/// only an attacker.
fn passkey_failed() -> ServiceError {
    ServiceError::Validation(vec![FieldIssue::new("passkey", "passkey.failed")])
}

fn to_json(value: &impl Serialize) -> Result<String, ServiceError> {
    serde_json::to_string(value).map_err(|e| ServiceError::Internal(e.to_string()))
}

fn credential_key(raw_id: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(raw_id)
}

/// A passkey's name follows the rules of a display name.
fn parse_name(name: &str) -> Result<DisplayName, ServiceError> {
    DisplayName::parse(name).map_err(|error| {
        let code = match error {
            NameError::Required => "passkey.name_required",
            other => other.code(),
        };
        ServiceError::Validation(vec![FieldIssue::new("name", code)])
    })
}

impl Accounts {
    /// The names of `user`'s passkeys (but `other_than`), lowercased.
    async fn passkey_names(
        &self,
        user: UserId,
        other_than: Option<i64>,
    ) -> Result<Vec<String>, ServiceError> {
        Ok(self
            .repo
            .passkeys(user)
            .await?
            .into_iter()
            .filter(|p| Some(p.id) != other_than)
            .map(|p| p.name.trim().to_lowercase())
            .collect())
    }

    /// A new passkey's name, numbered ("Phone 2") when another passkey has
    /// it: the authenticator already holds the credential, so refusing now
    /// would leave it there unusable, and two "Phone"s in the list could
    /// not be told apart.
    async fn new_passkey_name(&self, user: UserId, name: &str) -> Result<String, ServiceError> {
        let name = parse_name(name)?.as_str().to_owned();
        let taken = self.passkey_names(user, None).await?;
        let free = |candidate: &String| !taken.contains(&candidate.to_lowercase());
        Ok(std::iter::once(name.clone())
            .chain((2..).map(|n| format!("{name} {n}")))
            .find(free)
            .unwrap_or(name))
    }

    /// The user handle the authenticator keeps: derived from the account id
    /// under the server key, so it names nobody to whoever reads it.
    fn user_handle(&self, user: UserId) -> Uuid {
        let hash = self
            .key
            .token_hash(&format!("webauthn user handle {}", user.0));
        Uuid::from_u128(u128::from_str_radix(&hash[..32], 16).unwrap_or_default())
    }

    async fn start_ceremony(
        &self,
        purpose: Purpose,
        user: Option<UserId>,
        state: &impl Serialize,
        options: &impl Serialize,
    ) -> Result<Ceremony, ServiceError> {
        let id = new_token();
        let now = self.clock.now_ms();
        let record = CeremonyRecord {
            user_id: user,
            state: to_json(state)?,
            expires_at: now + CEREMONY_SECS * 1000,
        };
        self.repo
            .put_ceremony(&self.key.token_hash(&id), purpose.as_str(), &record, now)
            .await?;
        Ok(Ceremony {
            id,
            options: to_json(options)?,
        })
    }

    /// The ceremony's state, taken out so it cannot finish twice.
    async fn take_ceremony<S: DeserializeOwned>(
        &self,
        purpose: Purpose,
        id: &str,
    ) -> Result<(Option<UserId>, S), ServiceError> {
        if !looks_like_token(id) {
            return Err(passkey_failed());
        }
        let now = self.clock.now_ms();
        let record = self
            .repo
            .take_ceremony(&self.key.token_hash(id), purpose.as_str())
            .await?
            .filter(|record| record.expires_at >= now)
            .ok_or_else(passkey_failed)?;
        let state = serde_json::from_str(&record.state)
            .map_err(|_| ServiceError::Internal("ceremony state cannot be read".into()))?;
        Ok((record.user_id, state))
    }

    fn open_passkey(stored: &PasskeyRecord) -> Result<Passkey, ServiceError> {
        serde_json::from_str(&stored.credential)
            .map_err(|_| ServiceError::Internal("stored passkey cannot be read".into()))
    }

    pub(crate) async fn has_passkey(&self, user: UserId) -> Result<bool, ServiceError> {
        Ok(!self.repo.passkeys(user).await?.is_empty())
    }

    /// Whether the account behind a pending sign-in has a passkey to offer.
    pub async fn pending_sign_in_has_passkey(
        &self,
        pending_token: &str,
    ) -> Result<bool, ServiceError> {
        let (user, _) = self
            .peek(TokenPurpose::SignInPending, pending_token)
            .await?;
        self.has_passkey(user.id).await
    }

    pub async fn passkeys(&self, user: &CurrentUser) -> Result<Vec<PasskeySummary>, ServiceError> {
        Ok(self
            .repo
            .passkeys(user.id)
            .await?
            .into_iter()
            .map(PasskeySummary::from)
            .collect())
    }

    /// Starts adding a passkey: needs a verified address and a recent
    /// re-authentication, like every new factor.
    pub async fn start_passkey_registration(
        &self,
        user: &CurrentUser,
    ) -> Result<Ceremony, ServiceError> {
        if !user.email_verified {
            return Err(ServiceError::Validation(vec![FieldIssue::new(
                "passkey",
                "mfa.needs_verified_email",
            )]));
        }
        self.require_recent_auth(user)?;
        let registered = self
            .repo
            .passkeys(user.id)
            .await?
            .iter()
            .map(|stored| Self::open_passkey(stored).map(|p| p.cred_id().clone()))
            .collect::<Result<Vec<_>, _>>()?;
        let (mut options, state) = self
            .webauthn
            .start_passkey_registration(
                self.user_handle(user.id),
                &user.email,
                &user.display_name,
                Some(registered),
            )
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        // A discoverable credential can sign in before anyone typed an
        // address; webauthn-rs asks for a non-discoverable one by default.
        if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
            selection.resident_key = Some(ResidentKeyRequirement::Required);
            selection.require_resident_key = true;
        }
        self.start_ceremony(Purpose::Register, Some(user.id), &state, &options)
            .await
    }

    /// Stores the new passkey under the name the owner chose. Returns
    /// recovery codes to show once when it is the account's first second
    /// factor.
    pub async fn finish_passkey_registration(
        &self,
        user: &CurrentUser,
        ceremony: &str,
        response: &str,
        name: &str,
        origin: &Origin,
    ) -> Result<Option<Vec<String>>, ServiceError> {
        self.require_recent_auth(user)?;
        let name = self.new_passkey_name(user.id, name).await?;
        let (owner, state): (_, PasskeyRegistration) =
            self.take_ceremony(Purpose::Register, ceremony).await?;
        if owner != Some(user.id) {
            return Err(passkey_failed());
        }
        let raw: Value = serde_json::from_str(response).map_err(|_| passkey_failed())?;
        let credential: RegisterPublicKeyCredential =
            serde_json::from_value(raw.clone()).map_err(|_| passkey_failed())?;
        let passkey = self
            .webauthn
            .finish_passkey_registration(&credential, &state)
            .map_err(|error| {
                tracing::info!(user_id = %user.id, %error, "passkey registration refused");
                passkey_failed()
            })?;
        let transports: Vec<&str> = raw
            .pointer("/response/transports")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let kind = PasskeyKind::from_registration(
            raw.get("authenticatorAttachment").and_then(Value::as_str),
            &transports,
        );
        let codes = (!self.has_second_factor(user.id).await?).then(new_recovery_codes);
        let mut changes = vec![AccountChange::AddPasskey(NewPasskey {
            credential_id: credential_key(passkey.cred_id()),
            name: name.clone(),
            kind,
            credential: to_json(&passkey)?,
        })];
        if let Some(codes) = &codes {
            changes.push(AccountChange::ReplaceRecoveryCodes(
                codes.iter().map(|c| self.key.token_hash(c)).collect(),
            ));
        }
        let record = self.user_record(user.id).await?;
        let now = self.clock.now_ms();
        let (link, report) = self.report_link(now);
        let mail = self.passkey_mail(
            &record,
            name.as_str(),
            FactorChange::Added(self.report(&link)),
        );
        let effects = Effects::activity(ActivityKind::PasskeyAdded, origin, now)
            .with_mail(mail)
            .with_token(report);
        self.repo
            .apply(user.id, &changes, effects)
            .await
            .map_err(|error| match error {
                StoreError::Conflict { .. } => passkey_failed(),
                other => other.into(),
            })?;
        tracing::info!(user_id = %user.id, kind = kind.as_str(), "passkey added");
        Ok(codes)
    }

    async fn owned_passkey(&self, user: UserId, id: i64) -> Result<PasskeyRecord, ServiceError> {
        self.repo
            .passkeys(user)
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or(ServiceError::TokenInvalid)
    }

    pub async fn rename_passkey(
        &self,
        user: &CurrentUser,
        id: i64,
        name: &str,
        origin: &Origin,
    ) -> Result<(), ServiceError> {
        self.require_recent_auth(user)?;
        let name = parse_name(name)?;
        self.owned_passkey(user.id, id).await?;
        // Two passkeys of one name could not be told apart.
        if self
            .passkey_names(user.id, Some(id))
            .await?
            .contains(&name.as_str().to_lowercase())
        {
            return Err(ServiceError::Validation(vec![FieldIssue::new(
                "name",
                "passkey.name_taken",
            )]));
        }
        self.repo
            .apply(
                user.id,
                &[AccountChange::RenamePasskey {
                    id,
                    name: name.as_str().to_owned(),
                }],
                Effects::activity(ActivityKind::PasskeyRenamed, origin, self.clock.now_ms()),
            )
            .await?;
        Ok(())
    }

    /// Removes a passkey; the owner is mailed. With it goes the last second
    /// factor's set of recovery codes, if it was the last.
    pub async fn remove_passkey(
        &self,
        user: &CurrentUser,
        id: i64,
        origin: &Origin,
    ) -> Result<(), ServiceError> {
        self.require_recent_auth(user)?;
        let passkey = self.owned_passkey(user.id, id).await?;
        let record = self.user_record(user.id).await?;
        let recover_link = format!("{}/recover", self.public_url());
        let mail = self.passkey_mail(
            &record,
            &passkey.name,
            FactorChange::Removed {
                recover_link: &recover_link,
            },
        );
        let effects = Effects::activity(ActivityKind::PasskeyRemoved, origin, self.clock.now_ms())
            .with_mail(mail);
        self.repo
            .apply(
                user.id,
                &[
                    AccountChange::RemovePasskey { id },
                    AccountChange::DropRecoveryCodesWithoutFactor,
                ],
                effects,
            )
            .await?;
        tracing::info!(user_id = %user.id, "passkey removed");
        Ok(())
    }

    fn passkey_mail(
        &self,
        user: &UserRecord,
        passkey: &str,
        change: FactorChange<'_>,
    ) -> crate::ports::NewMail {
        passkey_changed_mail(
            user.locale,
            &user.email,
            &user.display_name,
            passkey,
            change,
        )
    }

    /// Options for signing in with a passkey: after a correct password (the
    /// pending sign-in names the account; only its passkeys are offered), or
    /// without one (the browser offers the site's discoverable passkeys).
    pub async fn start_passkey_sign_in(
        &self,
        pending_token: Option<&str>,
        origin: &Origin,
    ) -> Result<Ceremony, ServiceError> {
        self.limit_ip("passkey", origin, self.policy.sign_in_per_ip)
            .await?;
        let Some(pending_token) = pending_token.filter(|t| !t.is_empty()) else {
            let (options, state) = self
                .webauthn
                .start_discoverable_authentication()
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            return self
                .start_ceremony(Purpose::Passwordless, None, &state, &options)
                .await;
        };
        let (user, _) = self
            .peek(TokenPurpose::SignInPending, pending_token)
            .await?;
        self.start_assertion(Purpose::SecondFactor, user.id).await
    }

    /// A ceremony that only this account's passkeys can answer.
    async fn start_assertion(
        &self,
        purpose: Purpose,
        user: UserId,
    ) -> Result<Ceremony, ServiceError> {
        let passkeys = self
            .repo
            .passkeys(user)
            .await?
            .iter()
            .map(Self::open_passkey)
            .collect::<Result<Vec<_>, _>>()?;
        if passkeys.is_empty() {
            return Err(passkey_failed());
        }
        let (options, state) = self
            .webauthn
            .start_passkey_authentication(&passkeys)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        self.start_ceremony(purpose, Some(user), &state, &options)
            .await
    }

    /// Options for re-authenticating with a passkey (next to the password).
    pub async fn start_passkey_reauth(&self, user: &CurrentUser) -> Result<Ceremony, ServiceError> {
        self.start_assertion(Purpose::Reauth, user.id).await
    }

    /// Re-authentication of an account whose second factor is a passkey:
    /// the password and an assertion of one of its passkeys. Opens sudo
    /// mode and returns the session's new token.
    pub async fn confirm_identity_with_passkey(
        &self,
        user: &CurrentUser,
        password: &str,
        answer: PasskeyAnswer<'_>,
        device_token: Option<&str>,
        origin: &Origin,
    ) -> Result<String, ServiceError> {
        let (record, _) = self
            .reauthenticate(user, password, device_token, origin)
            .await?;
        self.check_own_passkey(Purpose::Reauth, &record, answer, device_token, origin)
            .await?;
        self.open_sudo(user, origin).await
    }

    /// Options for confirming a password reset with a passkey of the
    /// account behind the reset link.
    pub async fn start_passkey_reset(
        &self,
        reset_token: &str,
        origin: &Origin,
    ) -> Result<Ceremony, ServiceError> {
        self.limit_ip("passkey", origin, self.policy.sign_in_per_ip)
            .await?;
        let (user, _) = self.peek_password_link(reset_token).await?;
        self.start_assertion(Purpose::Reset, user.id).await
    }

    /// A reset's second factor given as a passkey.
    pub(crate) async fn check_reset_passkey(
        &self,
        user: &UserRecord,
        answer: PasskeyAnswer<'_>,
        device_token: Option<&str>,
        origin: &Origin,
    ) -> Result<(), ServiceError> {
        self.check_own_passkey(Purpose::Reset, user, answer, device_token, origin)
            .await
            .map(|_| ())
    }

    /// Checks an answer to a ceremony started for `user` with only its
    /// passkeys (`purpose`), counting a failure like a wrong code.
    async fn check_own_passkey(
        &self,
        purpose: Purpose,
        user: &UserRecord,
        answer: PasskeyAnswer<'_>,
        device_token: Option<&str>,
        origin: &Origin,
    ) -> Result<Browser, ServiceError> {
        let credential: PublicKeyCredential =
            serde_json::from_str(answer.credential).map_err(|_| passkey_failed())?;
        let (owner, state): (_, PasskeyAuthentication) =
            self.take_ceremony(purpose, answer.ceremony).await?;
        if owner != Some(user.id) {
            return Err(passkey_failed());
        }
        let stored = self
            .repo
            .passkey_by_credential(&credential_key(credential.get_credential_id()))
            .await?
            .filter(|p| p.user_id == user.id);
        self.check_assertion(user, stored.as_ref(), device_token, origin, |passkey| {
            self.webauthn
                .finish_passkey_authentication(&credential, &state)
                .map(|result| (passkey, result))
        })
        .await
    }

    /// Finishes a sign-in with a passkey and opens the session. With a
    /// pending sign-in it is the second factor of that account; without, it
    /// is a whole sign-in on its own (possession plus the authenticator's
    /// fingerprint, face or PIN).
    pub async fn finish_passkey_sign_in(
        &self,
        ceremony: &str,
        response: &str,
        pending_token: Option<&str>,
        device_token: Option<&str>,
        origin: &Origin,
    ) -> Result<SignedIn, ServiceError> {
        let credential: PublicKeyCredential =
            serde_json::from_str(response).map_err(|_| passkey_failed())?;
        let stored = self
            .repo
            .passkey_by_credential(&credential_key(credential.get_credential_id()))
            .await?;
        let pending_token = pending_token.filter(|t| !t.is_empty());
        let (user, browser) = match pending_token {
            Some(pending_token) => {
                let (user, _) = self
                    .peek(TokenPurpose::SignInPending, pending_token)
                    .await?;
                let (owner, state): (_, PasskeyAuthentication) =
                    self.take_ceremony(Purpose::SecondFactor, ceremony).await?;
                if owner != Some(user.id) {
                    return Err(passkey_failed());
                }
                let stored = stored.filter(|p| p.user_id == user.id);
                let browser = self
                    .check_assertion(&user, stored.as_ref(), device_token, origin, |passkey| {
                        self.webauthn
                            .finish_passkey_authentication(&credential, &state)
                            .map(|result| (passkey, result))
                    })
                    .await?;
                (user, browser)
            }
            None => {
                let (_, state): (_, DiscoverableAuthentication) =
                    self.take_ceremony(Purpose::Passwordless, ceremony).await?;
                let (handle, _) = self
                    .webauthn
                    .identify_discoverable_authentication(&credential)
                    .map_err(|_| passkey_failed())?;
                // The authenticator names the account; the credential must be
                // one that account registered.
                let stored = stored
                    .filter(|p| self.user_handle(p.user_id) == handle)
                    .ok_or_else(passkey_failed)?;
                let user = self.user_record(stored.user_id).await?;
                let browser = self
                    .check_assertion(&user, Some(&stored), device_token, origin, |passkey| {
                        self.webauthn
                            .finish_discoverable_authentication(
                                &credential,
                                state,
                                &[DiscoverableKey::from(&passkey)],
                            )
                            .map(|result| (passkey, result))
                    })
                    .await?;
                (user, browser)
            }
        };
        let now = self.clock.now_ms();
        match pending_token {
            Some(pending_token) => {
                self.finish_pending_sign_in(pending_token, &user, &browser, origin, now)
                    .await
            }
            None => self.open_session(&user, &browser, origin, now).await,
        }
    }

    /// Verifies an assertion of `stored` (absent: not this account's) and
    /// saves the credential's new counter; returns the browser, as the
    /// session will know it. A failure counts toward the lock like a wrong
    /// code; a counter that went backwards (a possible copy of the key) is
    /// refused and the owner is mailed.
    ///
    /// The lock is not consulted: it stops guessing, and an assertion cannot
    /// be guessed (a signature by a key that never leaves the authenticator,
    /// after its fingerprint, face or PIN). Otherwise three wrong passwords
    /// typed by a stranger would also keep the owner's passkey out.
    async fn check_assertion(
        &self,
        user: &UserRecord,
        stored: Option<&PasskeyRecord>,
        device_token: Option<&str>,
        origin: &Origin,
        verify: impl FnOnce(Passkey) -> Result<(Passkey, AuthenticationResult), WebauthnError>,
    ) -> Result<Browser, ServiceError> {
        let browser = self.browser(user.id, device_token).await?;
        let now = self.clock.now_ms();
        let outcome = match stored {
            Some(stored) => verify(Self::open_passkey(stored)?),
            None => Err(WebauthnError::CredentialNotFound),
        };
        let kind = match (outcome, stored) {
            (Ok((mut passkey, result)), Some(stored)) => {
                passkey.update_credential(&result);
                self.repo
                    .record_passkey_use(
                        stored,
                        &to_json(&passkey)?,
                        Effects::activity(ActivityKind::PasskeyUsed, origin, now),
                    )
                    .await?;
                return Ok(browser);
            }
            (Err(WebauthnError::CredentialPossibleCompromise), Some(stored)) => {
                let mail = passkey_refused_mail(
                    user.locale,
                    &user.email,
                    &user.display_name,
                    &stored.name,
                    &format!("{}/recover", self.public_url()),
                );
                self.repo
                    .record(user.id, Effects::default().with_mail(mail))
                    .await?;
                tracing::warn!(user_id = %user.id, ip = %origin.ip, "passkey counter went backwards; refused");
                ActivityKind::PasskeyRefused
            }
            (outcome, _) => {
                if let Err(error) = outcome {
                    tracing::info!(user_id = %user.id, ip = %origin.ip, %error, "passkey assertion refused");
                }
                ActivityKind::SecondFactorFailed
            }
        };
        self.count_failure(user, &browser.failure_key, kind, origin, now)
            .await?;
        Err(passkey_failed())
    }
}
