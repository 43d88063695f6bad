//! Server functions of the account-security pages: sessions, password and
//! address changes, your data, and the confirm buttons behind the links in
//! security mail.

use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, StreamingText, TextStream};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr;

/// One signed-in browser, as the sessions page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: i64,
    pub browser: Option<String>,
    pub system: Option<String>,
    pub ip: String,
    pub signed_in: super::TimeView,
    pub last_active: super::TimeView,
    pub current: bool,
}

#[server(prefix = "/api", endpoint = "account/sessions")]
pub async fn list_sessions() -> Result<Vec<SessionView>, AppError> {
    let user = ssr::require(domain::Permission::OwnView).await?;
    let context = ssr::ctx()?;
    let sessions = context
        .accounts
        .sessions(&user)
        .await
        .map_err(ssr::into_app_error)?;
    let zone = ssr::request_zone();
    let now = context.accounts.now_ms();
    let mut list: Vec<SessionView> = sessions
        .into_iter()
        .map(|session| {
            let (browser, system) = domain::describe_user_agent(&session.origin.user_agent);
            SessionView {
                id: session.id,
                browser: browser.map(str::to_owned),
                system: system.map(str::to_owned),
                ip: session.origin.ip,
                signed_in: super::TimeView::at(session.created_at, zone, now),
                last_active: super::TimeView::at(session.last_seen_at, zone, now),
                current: session.id == user.session_id,
            }
        })
        .collect();
    // This browser first: the one the reader knows, to tell the others from it.
    // The sort is stable, so the others keep the service's order.
    list.sort_by_key(|session| !session.current);
    Ok(list)
}

/// The account's home, at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewView {
    pub two_factor_on: bool,
    pub passkeys: usize,
    pub sessions: usize,
    pub previous_sign_in: Option<SignInView>,
    /// Signing in to this session cancelled a pending deletion.
    pub deletion_cancelled: bool,
}

/// A sign-in as the home shows it: when (in the reader's zone), where from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInView {
    pub time: super::TimeView,
    pub ip: String,
    pub browser: Option<String>,
    pub system: Option<String>,
}

#[server(prefix = "/api", endpoint = "account/overview")]
pub async fn account_overview() -> Result<OverviewView, AppError> {
    let user = ssr::require(domain::Permission::OwnView).await?;
    let context = ssr::ctx()?;
    let overview = context
        .accounts
        .overview(&user)
        .await
        .map_err(ssr::into_app_error)?;
    let zone = ssr::request_zone();
    let now = context.accounts.now_ms();
    Ok(OverviewView {
        two_factor_on: overview.two_factor_on,
        passkeys: overview.passkeys,
        sessions: overview.sessions,
        previous_sign_in: overview.previous_sign_in.map(|record| {
            let (browser, system) = domain::describe_user_agent(&record.origin.user_agent);
            SignInView {
                time: super::TimeView::at(record.at_ms, zone, now),
                ip: record.origin.ip,
                browser: browser.map(str::to_owned),
                system: system.map(str::to_owned),
            }
        }),
        deletion_cancelled: overview.deletion_cancelled,
    })
}

#[server(prefix = "/api", endpoint = "account/name")]
pub async fn change_display_name(display_name: String) -> Result<(), AppError> {
    let user = ssr::require(domain::Permission::OwnChange).await?;
    let result = ssr::ctx()?
        .accounts
        .change_display_name(&user, &display_name, &ssr::origin())
        .await
        .map(|()| "/account?name_changed=1".to_owned());
    ssr::finish_form("name", result, &[("display_name", &display_name)]).await
}

#[server(prefix = "/api", endpoint = "account/sessions/revoke")]
pub async fn revoke_session(session: i64) -> Result<(), AppError> {
    let user = ssr::require(domain::Permission::OwnChange).await?;
    let context = ssr::ctx()?;
    let result = context
        .accounts
        .revoke_session(&user, session, &ssr::origin())
        .await
        .map(|()| "/account/sessions?revoked=1".to_owned());
    ssr::finish_form("revoke", result, &[]).await
}

#[server(prefix = "/api", endpoint = "account/sessions/revoke-others")]
pub async fn revoke_other_sessions() -> Result<(), AppError> {
    let user = ssr::require(domain::Permission::OwnChange).await?;
    let context = ssr::ctx()?;
    let result = context
        .accounts
        .revoke_other_sessions(&user, &ssr::origin())
        .await
        .map(|()| "/account/sessions?revoked=others".to_owned());
    ssr::finish_form("revoke", result, &[]).await
}

#[server(prefix = "/api", endpoint = "account/password")]
pub async fn change_password(
    current_password: String,
    password: String,
    confirmation: String,
) -> Result<(), AppError> {
    let user = ssr::require_allowing_expired_password(domain::Permission::OwnChange).await?;
    let context = ssr::ctx()?;
    let change = service::security::PasswordChange {
        current: &current_password,
        password: &password,
        confirmation: &confirmation,
    };
    let device = ssr::cookie(ssr::DEVICE_COOKIE);
    let result = context
        .accounts
        .change_password(&user, change, device.as_deref(), &ssr::origin())
        .await
        .map(|()| "/account/security?changed=password".to_owned());
    ssr::finish_form("password", result, &[]).await
}

#[server(prefix = "/api", endpoint = "account/email")]
pub async fn change_email(email: String) -> Result<(), AppError> {
    let user = ssr::require(domain::Permission::OwnChange).await?;
    let context = ssr::ctx()?;
    let result = context
        .accounts
        .request_email_change(&user, &email, &ssr::origin())
        .await
        .map(|()| "/account/security?changed=email_sent".to_owned());
    ssr::finish_form("email", result, &[("email", &email)]).await
}

/// Which mail link a page acts on, so that the page can name its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkKind {
    VerifyEmail,
    ResetPassword,
    Unlock,
    NotMe,
    ChangeEmail,
    RestoreEmail,
}

/// What the page of a mail link says about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkView {
    /// It works: the masked address of the account its button changes, so
    /// that a link someone sent for their own account is recognised.
    Live(String),
    Used,
    /// Replaced by a newer link, or ended by a change to the account.
    Voided,
    Expired,
    /// A verification link of an address that is confirmed by now.
    AlreadyConfirmed,
    /// No link in this browser, or one we never sent or no longer remember.
    Unknown,
}

/// The state of the mail link this browser holds, read without using it
/// up: mail scanners open links, and a page says at once whether its link
/// is dead and why.
#[server(prefix = "/api", endpoint = "link/state")]
pub async fn link_state(kind: LinkKind) -> Result<LinkView, AppError> {
    use service::accounts::LinkStatus;
    use service::ports::TokenPurpose;
    let purpose = match kind {
        LinkKind::VerifyEmail => TokenPurpose::VerifyEmail,
        LinkKind::ResetPassword => TokenPurpose::ResetPassword,
        LinkKind::Unlock => TokenPurpose::Unlock,
        LinkKind::NotMe => TokenPurpose::NotMe,
        LinkKind::ChangeEmail => TokenPurpose::ChangeEmail,
        LinkKind::RestoreEmail => TokenPurpose::RestoreEmail,
    };
    let token = ssr::cookie(ssr::LINK_COOKIE).unwrap_or_default();
    let status = ssr::ctx()?
        .accounts
        .link_status(purpose, &token)
        .await
        .map_err(ssr::into_app_error)?;
    Ok(match status {
        LinkStatus::Live { account } => LinkView::Live(account),
        LinkStatus::Used => LinkView::Used,
        LinkStatus::Voided => LinkView::Voided,
        LinkStatus::Expired => LinkView::Expired,
        LinkStatus::AlreadyConfirmed => LinkView::AlreadyConfirmed,
        LinkStatus::Unknown => LinkView::Unknown,
    })
}

/// The button behind the link sent to a new address.
#[server(prefix = "/api", endpoint = "account/email/confirm")]
pub async fn confirm_email_change() -> Result<(), AppError> {
    let context = ssr::ctx()?;
    let token = ssr::take_link_token();
    let signed_in = ssr::optional_user().await?;
    let result = context
        .accounts
        .confirm_email_change(&token, signed_in.as_ref(), &ssr::origin())
        .await
        .map(|id| match &signed_in {
            Some(user) if user.id == id => "/account?email_changed=1".to_owned(),
            _ => "/login?email_changed=1".to_owned(),
        });
    ssr::finish_form("email_confirm", result, &[]).await
}

/// The button behind "this wasn't me" in an email-changed mail.
#[server(prefix = "/api", endpoint = "account/email/restore")]
pub async fn restore_email() -> Result<(), AppError> {
    let context = ssr::ctx()?;
    let token = ssr::take_link_token();
    let result = context.accounts.restore_email(&token, &ssr::origin()).await;
    ssr::finish_take_back("restore", result).await
}

/// The button behind "this wasn't me" in a new-device mail.
#[server(prefix = "/api", endpoint = "account/not-me")]
pub async fn report_not_me() -> Result<(), AppError> {
    let context = ssr::ctx()?;
    let token = ssr::take_link_token();
    let result = context.accounts.report_not_me(&token, &ssr::origin()).await;
    ssr::finish_take_back("not_me", result).await
}

/// The button behind the link in a lock mail.
#[server(prefix = "/api", endpoint = "account/unlock")]
pub async fn unlock_account() -> Result<(), AppError> {
    let context = ssr::ctx()?;
    let token = ssr::take_link_token();
    let result = context
        .accounts
        .unlock(&token, &ssr::origin())
        .await
        .map(|_| "/login?unlocked=1".to_owned());
    ssr::finish_form("unlock", result, &[]).await
}

#[server(prefix = "/api", endpoint = "account/delete")]
pub async fn delete_account(current_password: String) -> Result<(), AppError> {
    let user = ssr::require(domain::Permission::OwnChange).await?;
    let context = ssr::ctx()?;
    let result = context
        .accounts
        .request_deletion(
            &user,
            &current_password,
            ssr::cookie(ssr::DEVICE_COOKIE).as_deref(),
            &ssr::origin(),
        )
        .await
        .map(|erase_at| {
            ssr::set_cookie(context.cookies.clear(ssr::SESSION_COOKIE));
            let day = service::time_format::local_day(erase_at, ssr::request_zone());
            format!("/account-closed?erase_on={day}")
        });
    ssr::finish_form("delete", result, &[]).await
}

/// Everything held about the account, as a JSON file download.
#[server(prefix = "/api", endpoint = "account/export", input = GetUrl, output = StreamingText)]
pub async fn export_data() -> Result<TextStream<AppError>, AppError> {
    let user = ssr::require(domain::Permission::OwnChange).await?;
    let context = ssr::ctx()?;
    let export = context
        .accounts
        .export_data(&user, &ssr::origin())
        .await
        .map_err(ssr::into_app_error)?;
    let json = serde_json::to_string_pretty(&export).map_err(|_| AppError::Internal {
        request_id: ssr::request_id(),
    })?;
    Ok(ssr::download(
        "latchkey-data.json",
        "application/json",
        json,
    ))
}

/// The activity history, filtered like the page, as a CSV download.
#[server(prefix = "/api", endpoint = "account/activity.csv", input = GetUrl, output = StreamingText)]
pub async fn export_activity(kind: Option<String>) -> Result<TextStream<AppError>, AppError> {
    use crate::i18n::T;
    let user = ssr::require(domain::Permission::OwnChange).await?;
    let context = ssr::ctx()?;
    let kinds = ssr::activity_filter(kind.as_deref());
    let locale = ssr::request_locale();
    let zone = ssr::request_zone();
    let mut agents = domain::AgentDescriber::default();
    let rows = context
        .accounts
        .all_activity(user.id, &kinds)
        .await
        .map_err(ssr::into_app_error)?
        .into_iter()
        .map(|record| {
            let (browser, system) = agents.describe(record.origin.user_agent);
            // Staff's free text: `to_csv` defuses it like every cell.
            let (staff, reason) = record
                .details
                .map(|d| (d.actor, d.reason))
                .unwrap_or_default();
            vec![
                service::time_format::format_in_zone(record.at_ms, zone),
                crate::pages::event_text(record.kind)
                    .text(locale)
                    .to_owned(),
                record.origin.ip,
                crate::pages::device_text(browser, system, locale),
                staff,
                reason,
            ]
        });
    let header = [
        T::ColTime,
        T::ColEvent,
        T::ColIp,
        T::ColDevice,
        T::StaffMemberLabel,
        T::ReasonLabel,
    ]
    .map(|h| h.text(locale));
    let csv = service::csv::to_csv(&header, rows);
    Ok(ssr::download(
        "latchkey-activity.csv",
        "text/csv; charset=utf-8",
        csv,
    ))
}

/// How many days a deleted account waits before its data is erased.
#[server(prefix = "/api", endpoint = "account/deletion-grace")]
pub async fn deletion_grace_days() -> Result<i64, AppError> {
    Ok(ssr::ctx()?.accounts.policy().deletion_grace_secs / 86_400)
}
