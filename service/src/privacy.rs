//! The customer's own data: a complete export, and deletion with a grace
//! period during which signing in again cancels it.

use domain::ActivityKind;
use serde::Serialize;

use crate::accounts::{Accounts, CurrentUser};
use crate::mail::deletion_scheduled_mail;
use crate::ports::{AccountChange, Effects, Origin};
use crate::time_format::iso_utc;
use crate::ServiceError;

/// Everything the portal holds about an account, as the owner downloads it.
/// Times are ISO 8601 in UTC. Secrets (the password hash, token hashes) are
/// not personal data the owner gave us and are left out.
#[derive(Debug, Serialize)]
pub struct DataExport {
    pub exported_at: String,
    pub profile: ProfileExport,
    pub sessions: Vec<SessionExport>,
    pub passkeys: Vec<PasskeyExport>,
    pub activity: Vec<ActivityExport>,
}

#[derive(Debug, Serialize)]
pub struct ProfileExport {
    pub email: String,
    pub display_name: String,
    pub email_verified_at: Option<String>,
    pub language: String,
    pub roles: Vec<String>,
    pub created_at: String,
    pub password_changed_at: String,
}

#[derive(Debug, Serialize)]
pub struct SessionExport {
    pub ip: String,
    pub user_agent: String,
    pub signed_in_at: String,
    pub last_active_at: String,
}

/// A passkey as its owner knows it; the public key and counter are the
/// authenticator's, not the owner's, and stay out.
#[derive(Debug, Serialize)]
pub struct PasskeyExport {
    pub name: String,
    pub kind: String,
    pub added_at: String,
    pub last_used_at: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ActivityExport {
    pub time: String,
    pub event: String,
    pub ip: String,
    pub user_agent: String,
    /// Who on the staff acted, and why, for what staff did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_staff: Option<crate::ports::ActivityDetails>,
}

impl Accounts {
    pub async fn export_data(
        &self,
        user: &CurrentUser,
        origin: &Origin,
    ) -> Result<DataExport, ServiceError> {
        let record = self
            .repo
            .find_user(user.id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        let now = self.clock.now_ms();
        self.repo
            .record(
                user.id,
                Effects::activity(ActivityKind::DataExported, origin, now),
            )
            .await?;
        let sessions = self
            .repo
            .list_sessions(user.id)
            .await?
            .into_iter()
            .map(|s| SessionExport {
                ip: s.origin.ip,
                user_agent: s.origin.user_agent,
                signed_in_at: iso_utc(s.created_at),
                last_active_at: iso_utc(s.last_seen_at),
            })
            .collect();
        let passkeys = self
            .passkeys(user)
            .await?
            .into_iter()
            .map(|p| PasskeyExport {
                name: p.name,
                kind: p.kind.as_str().to_owned(),
                added_at: iso_utc(p.created_at),
                last_used_at: p.last_used_at.map(iso_utc),
            })
            .collect();
        let activity = self
            .all_activity(user.id, &[])
            .await?
            .into_iter()
            .map(|a| ActivityExport {
                time: iso_utc(a.at_ms),
                event: a.kind.as_str().to_owned(),
                ip: a.origin.ip,
                user_agent: a.origin.user_agent,
                by_staff: a.details,
            })
            .collect();
        tracing::info!(user_id = %user.id, "data exported");
        Ok(DataExport {
            exported_at: iso_utc(now),
            profile: ProfileExport {
                email: record.email,
                display_name: record.display_name,
                email_verified_at: record.email_verified_at.map(iso_utc),
                language: record.locale.tag().to_owned(),
                roles: record.roles,
                created_at: iso_utc(record.created_at),
                password_changed_at: iso_utc(record.password_changed_at),
            },
            sessions,
            passkeys,
            activity,
        })
    }

    /// Closes the account after checking the password: every session ends
    /// at once and the data is erased when the grace period is over, unless
    /// the owner signs in before then. Returns when the erasure will happen.
    pub async fn request_deletion(
        &self,
        user: &CurrentUser,
        current_password: &str,
        device_token: Option<&str>,
        origin: &Origin,
    ) -> Result<i64, ServiceError> {
        let (record, _) = self
            .reauthenticate(user, current_password, device_token, origin)
            .await?;
        let now = self.clock.now_ms();
        let erase_at = now + self.policy.deletion_grace_secs * 1000;
        let mail = deletion_scheduled_mail(
            record.locale,
            &record.email,
            &record.display_name,
            &iso_utc(erase_at),
            &format!("{}/login", self.public_url()),
        );
        let changes = [
            AccountChange::ScheduleDeletion { at_ms: erase_at },
            AccountChange::EndSessions { except: None },
        ];
        let effects =
            Effects::activity(ActivityKind::DeletionRequested, origin, now).with_mail(mail);
        self.repo.apply(user.id, &changes, effects).await?;
        tracing::info!(user_id = %user.id, erase_at, "account deletion scheduled");
        Ok(erase_at)
    }
}
