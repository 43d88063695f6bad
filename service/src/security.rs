//! What a signed-in customer does to keep the account safe: sessions,
//! password and address changes, and what the links in security mail do
//! (unlock, "this wasn't me", restore the address).

use domain::{ActivityKind, DisplayName, Email, UserId};

use crate::accounts::{Accounts, Browser, CurrentUser};
use crate::crypto::new_token;
use crate::error::{FieldIssue, ServiceError, StoreError};
use crate::mail::{confirm_new_email_mail, email_change_requested_mail, email_changed_mail};
use crate::password::Verified;

/// The code of an empty current-password field.
pub const CURRENT_PASSWORD_REQUIRED: &str = "password.current_required";
use crate::ports::{
    AccountChange, ActivityRecord, Effects, NewToken, Origin, SessionRecord, TokenPurpose,
    UserRecord,
};

/// What the password form submitted.
#[derive(Debug, Clone, Copy)]
pub struct PasswordChange<'a> {
    pub current: &'a str,
    pub password: &'a str,
    pub confirmation: &'a str,
}

/// What the account's home shows at a glance.
#[derive(Debug, Clone)]
pub struct AccountOverview {
    pub two_factor_on: bool,
    pub passkeys: usize,
    /// Browsers signed in now, this one included.
    pub sessions: usize,
    /// The sign-in before the one of this session: the one the owner
    /// would notice if it was not theirs.
    pub previous_sign_in: Option<ActivityRecord>,
    /// Signing in to this session cancelled a pending deletion.
    pub deletion_cancelled: bool,
}

/// How many recent sign-ins (and cancelled deletions) are looked through
/// for the one before this session's: other browsers may have signed in
/// since this one did.
const RECENT_SIGN_INS: u32 = 6;

impl Accounts {
    /// The account's security at a glance, for its home page.
    pub async fn overview(&self, user: &CurrentUser) -> Result<AccountOverview, ServiceError> {
        let sessions = self.repo.list_sessions(user.id).await?;
        let this_session_began = sessions
            .iter()
            .find(|s| s.id == user.session_id)
            .map_or(i64::MAX, |s| s.created_at);
        // One read for both: a cancellation is written with the sign-in
        // that made it, so it is among the newest of these.
        let recent = self
            .repo
            .list_activity(
                user.id,
                &[
                    ActivityKind::SignedIn,
                    ActivityKind::SignedInNewDevice,
                    ActivityKind::DeletionCancelled,
                ],
                None,
                RECENT_SIGN_INS,
            )
            .await?;
        let deletion_cancelled = recent.iter().any(|record| {
            record.kind == ActivityKind::DeletionCancelled && record.at_ms >= this_session_began
        });
        Ok(AccountOverview {
            two_factor_on: self
                .repo
                .totp_factor(user.id)
                .await?
                .is_some_and(|factor| factor.confirmed),
            passkeys: self.repo.passkeys(user.id).await?.len(),
            sessions: sessions.len(),
            previous_sign_in: recent.into_iter().find(|record| {
                record.kind != ActivityKind::DeletionCancelled && record.at_ms < this_session_began
            }),
            deletion_cancelled,
        })
    }

    /// Renames the account: the name its mail and pages greet it with.
    pub async fn change_display_name(
        &self,
        user: &CurrentUser,
        name: &str,
        origin: &Origin,
    ) -> Result<(), ServiceError> {
        let name = DisplayName::parse(name).map_err(|error| {
            ServiceError::Validation(vec![FieldIssue::new("display_name", error.code())])
        })?;
        let effects = Effects::activity(
            ActivityKind::DisplayNameChanged,
            origin,
            self.clock.now_ms(),
        );
        self.repo
            .apply(
                user.id,
                &[AccountChange::SetDisplayName(name.as_str().to_owned())],
                effects,
            )
            .await?;
        tracing::info!(user_id = %user.id, "display name changed");
        Ok(())
    }

    /// The account's sessions, most recently used first.
    pub async fn sessions(&self, user: &CurrentUser) -> Result<Vec<SessionRecord>, ServiceError> {
        Ok(self.repo.list_sessions(user.id).await?)
    }

    /// Ends one of the account's own sessions; another account's id, or one
    /// already gone, changes nothing.
    pub async fn revoke_session(
        &self,
        user: &CurrentUser,
        session_id: i64,
        origin: &Origin,
    ) -> Result<(), ServiceError> {
        let effects = Effects::activity(ActivityKind::SessionRevoked, origin, self.clock.now_ms());
        if self
            .repo
            .delete_session_of(user.id, session_id, effects)
            .await?
        {
            tracing::info!(user_id = %user.id, session_id, "session revoked");
        }
        Ok(())
    }

    /// Ends every session of the account but the one making the request.
    pub async fn revoke_other_sessions(
        &self,
        user: &CurrentUser,
        origin: &Origin,
    ) -> Result<(), ServiceError> {
        let effects = Effects::activity(
            ActivityKind::OtherSessionsRevoked,
            origin,
            self.clock.now_ms(),
        );
        let changes = [AccountChange::EndSessions {
            except: Some(user.session_id),
        }];
        self.repo.apply(user.id, &changes, effects).await?;
        tracing::info!(user_id = %user.id, "other sessions revoked");
        Ok(())
    }

    async fn limit_account_changes(&self, user: &CurrentUser) -> Result<(), ServiceError> {
        self.limit(
            &format!("account_change:user:{}", user.id),
            self.policy.account_changes_per_account,
        )
        .await
    }

    /// Checks the current password of a signed-in account before a
    /// sensitive change, under the same lock as signing in: a wrong one is a
    /// field error on `current_password` and counts against this browser's
    /// counter. Returns the account and the browser, whose counter a second
    /// factor checked next counts against too.
    pub(crate) async fn reauthenticate(
        &self,
        user: &CurrentUser,
        password: &str,
        device_token: Option<&str>,
        origin: &Origin,
    ) -> Result<(UserRecord, Browser), ServiceError> {
        // An empty field is not a guess: asked for, and never counted.
        if password.is_empty() {
            return Err(ServiceError::Validation(vec![FieldIssue::new(
                "current_password",
                CURRENT_PASSWORD_REQUIRED,
            )]));
        }
        self.limit_account_changes(user).await?;
        let record = self
            .repo
            .find_user(user.id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        let browser = self.browser(user.id, device_token).await?;
        self.refuse_while_locked(user.id, &browser, "current_password", origin)
            .await?;
        if self
            .hasher
            .verify(password, Some(&record.password_hash))
            .await?
            == Verified::No
        {
            tracing::info!(user_id = %user.id, "re-authentication refused");
            self.count_failure(
                &record,
                &browser.failure_key,
                ActivityKind::SignInFailed,
                origin,
                self.clock.now_ms(),
            )
            .await?;
            return Err(ServiceError::Validation(vec![FieldIssue::new(
                "current_password",
                "password.current_wrong",
            )]));
        }
        Ok((record, browser))
    }

    /// Changes the password after checking the current one; the policy and
    /// the history apply, the other sessions end, and the owner is told.
    pub async fn change_password(
        &self,
        user: &CurrentUser,
        change: PasswordChange<'_>,
        device_token: Option<&str>,
        origin: &Origin,
    ) -> Result<(), ServiceError> {
        let PasswordChange {
            current,
            password,
            confirmation,
        } = change;
        // Every field is checked in one pass; but without the current
        // password the new one is held only to the rules, never compared
        // with the earlier ones (that would be a free, uncounted guess).
        if current.is_empty() {
            let record = self
                .repo
                .find_user(user.id)
                .await?
                .ok_or(ServiceError::Unauthenticated)?;
            let mut issues = vec![FieldIssue::new(
                "current_password",
                CURRENT_PASSWORD_REQUIRED,
            )];
            issues.extend(self.new_password_rule_issues(&record, password, confirmation));
            return Err(ServiceError::Validation(issues));
        }
        let (record, _) = self
            .reauthenticate(user, current, device_token, origin)
            .await?;
        let issues = self
            .new_password_issues(&record, password, confirmation)
            .await?;
        if !issues.is_empty() {
            return Err(ServiceError::Validation(issues));
        }
        let changes = [
            self.set_password(password).await?,
            AccountChange::EndSessions {
                except: Some(user.session_id),
            },
        ];
        let effects = Effects::activity(ActivityKind::PasswordChanged, origin, self.clock.now_ms())
            .with_mail(self.password_changed_mail(&record));
        self.repo.apply(user.id, &changes, effects).await?;
        tracing::info!(user_id = %user.id, "password changed; other sessions ended");
        Ok(())
    }

    /// Starts an address change: the new address gets a confirmation link
    /// and nothing changes until it is used. An address another account
    /// uses gets no mail, and the answer is the same.
    pub async fn request_email_change(
        &self,
        user: &CurrentUser,
        new_address: &str,
        origin: &Origin,
    ) -> Result<(), ServiceError> {
        self.require_recent_auth(user)?;
        let new_address = Email::parse(new_address)
            .map_err(|e| ServiceError::Validation(vec![FieldIssue::new("email", e.code())]))?;
        if new_address.as_str() == user.email {
            return Err(ServiceError::Validation(vec![FieldIssue::new(
                "email",
                "email.unchanged",
            )]));
        }
        // A double tap would void the link the first press just mailed.
        let repeat = format!(
            "email_change:user:{}:{}",
            user.id,
            self.key.token_hash(new_address.as_str())
        );
        if self.is_repeat(&repeat).await? {
            return Ok(());
        }
        self.limit_account_changes(user).await?;
        if !self.first_of_repeats(&repeat).await? {
            return Ok(());
        }
        let record = self
            .repo
            .find_user(user.id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        let now = self.clock.now_ms();
        let mut effects = Effects::activity(ActivityKind::EmailChangeRequested, origin, now);
        let taken = self
            .repo
            .find_user_by_email(new_address.as_str())
            .await?
            .is_some();
        if !taken {
            let token = new_token();
            effects = effects
                .with_mail(confirm_new_email_mail(
                    record.locale,
                    new_address.as_str(),
                    None,
                    &self.link("/account/email/confirm", &token),
                    self.policy.email_change_link_secs / 3600,
                ))
                .with_token(NewToken {
                    payload: Some(new_address.as_str().to_owned()),
                    ..self.new_token_record(
                        TokenPurpose::ChangeEmail,
                        &token,
                        now,
                        self.policy.email_change_link_secs,
                    )
                });
        }
        // The current address hears of the request at once (taken address
        // or not), with a link that stops it and shuts out whoever asked.
        let (link, report) = self.report_link(now);
        let effects = effects
            .with_mail(email_change_requested_mail(
                record.locale,
                &record.email,
                &record.display_name,
                new_address.as_str(),
                self.report(&link),
            ))
            .with_token(report);
        self.repo.record(user.id, effects).await?;
        tracing::info!(user_id = %user.id, "email change requested");
        Ok(())
    }

    /// Completes an address change from the link sent to the new address.
    /// Every session ends but `keep_session` (the browser confirming, when
    /// it is signed in to this account); the old address is told, with a
    /// link that undoes the change.
    pub async fn confirm_email_change(
        &self,
        token: &str,
        keep_session: Option<&CurrentUser>,
        origin: &Origin,
    ) -> Result<UserId, ServiceError> {
        let (user, new_address) = self.peek(TokenPurpose::ChangeEmail, token).await?;
        let new_address = new_address.ok_or(ServiceError::TokenInvalid)?;
        let now = self.clock.now_ms();
        let restore = new_token();
        let days = self.policy.report_link_secs / 86_400;
        let effects = Effects::activity(ActivityKind::EmailChanged, origin, now)
            .with_mail(email_changed_mail(
                user.locale,
                &user.email,
                &user.display_name,
                &new_address,
                &self.link("/account/email/restore", &restore),
                days,
            ))
            .with_token(NewToken {
                payload: Some(user.email.clone()),
                ..self.new_token_record(
                    TokenPurpose::RestoreEmail,
                    &restore,
                    now,
                    self.policy.report_link_secs,
                )
            });
        let except = keep_session
            .filter(|current| current.id == user.id)
            .map(|current| current.session_id);
        let changes = [
            AccountChange::SetEmail(new_address),
            AccountChange::EndSessions { except },
        ];
        let changed = self
            .redeem(TokenPurpose::ChangeEmail, token, &changes, effects)
            .await;
        match changed {
            // Someone else took the address since the link was sent.
            Err(ServiceError::Storage(StoreError::Conflict { field: "email" })) => {
                Err(ServiceError::TokenInvalid)
            }
            Ok(id) => {
                tracing::info!(user_id = %id, "email address changed");
                Ok(id)
            }
            Err(other) => Err(other),
        }
    }

    /// "This wasn't me" from an email-changed mail: the old address comes
    /// back, every session ends, every browser is forgotten. Returns a
    /// fresh password-reset token, since whoever changed the address knew
    /// the password.
    pub async fn restore_email(
        &self,
        token: &str,
        origin: &Origin,
    ) -> Result<String, ServiceError> {
        let (user, old_address) = self.peek(TokenPurpose::RestoreEmail, token).await?;
        let old_address = old_address.ok_or(ServiceError::TokenInvalid)?;
        let mut changes = vec![
            AccountChange::EndSessions { except: None },
            AccountChange::ForgetDevices,
            AccountChange::VoidTokensExceptReports,
        ];
        // Another account may have taken the old address since; then the
        // intruder is still shut out and the owner still gets the new
        // password, and support sorts out the address.
        let taken = self
            .repo
            .find_user_by_email(&old_address)
            .await?
            .is_some_and(|other| other.id != user.id);
        if taken {
            tracing::warn!(user_id = %user.id, "old address taken meanwhile; not restored");
        } else {
            changes.push(AccountChange::SetEmail(old_address));
        }
        self.take_back(
            TokenPurpose::RestoreEmail,
            token,
            &changes,
            ActivityKind::EmailRestored,
            origin,
        )
        .await
    }

    /// "This wasn't me" from a new-device, factor or address-change mail:
    /// every session ends, every browser is forgotten, every other pending
    /// link is void, and the passkeys, app and recovery codes added since
    /// the reported event are removed, so the reset that follows asks only
    /// for the factors the owner had. Returns a fresh password-reset token.
    pub async fn report_not_me(
        &self,
        token: &str,
        origin: &Origin,
    ) -> Result<String, ServiceError> {
        let (_, since) = self.peek(TokenPurpose::NotMe, token).await?;
        // Links mailed before reports carried their time cover their whole life.
        let since_ms = since
            .and_then(|at| at.parse().ok())
            .unwrap_or_else(|| self.clock.now_ms() - self.policy.report_link_secs * 1000);
        let changes = [
            AccountChange::EndSessions { except: None },
            AccountChange::ForgetDevices,
            AccountChange::VoidTokensExceptReports,
            AccountChange::RemoveFactorsSince { since_ms },
            AccountChange::DropRecoveryCodesWithoutFactor,
        ];
        self.take_back(
            TokenPurpose::NotMe,
            token,
            &changes,
            ActivityKind::ReportedNotMe,
            origin,
        )
        .await
    }

    async fn take_back(
        &self,
        purpose: TokenPurpose,
        token: &str,
        changes: &[AccountChange],
        kind: ActivityKind,
        origin: &Origin,
    ) -> Result<String, ServiceError> {
        let now = self.clock.now_ms();
        let reset = new_token();
        let effects =
            Effects::activity(kind, origin, now).with_token(self.reset_token(&reset, now));
        let user = self.redeem(purpose, token, changes, effects).await?;
        tracing::warn!(user_id = %user, event = kind.as_str(), "owner reported an intruder; every session ended");
        Ok(reset)
    }

    /// Ends a lock early, from the link in the lock mail.
    pub async fn unlock(&self, token: &str, origin: &Origin) -> Result<UserId, ServiceError> {
        let effects = Effects::activity(ActivityKind::AccountUnlocked, origin, self.clock.now_ms());
        let user = self
            .redeem(
                TokenPurpose::Unlock,
                token,
                &[AccountChange::ClearLocks],
                effects,
            )
            .await?;
        tracing::info!(user_id = %user, "account unlocked by its owner");
        Ok(user)
    }
}
