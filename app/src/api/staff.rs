//! The staff console's server functions: finding a customer, their account,
//! and the actions support takes on it, each behind its permission (checked
//! here by `ssr::require`, and again by `service::support`).

use domain::{PasskeyKind, Permission};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ActivityPage;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr;

/// Whether the signed-in account may use the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StaffAccess {
    Granted,
    /// Holds a role, but roles grant nothing before a second factor.
    NeedsSecondFactor,
    Refused,
}

/// One account a search found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerHit {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub created: String,
    pub disabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerResults {
    pub hits: Vec<CustomerHit>,
    pub has_more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPasskey {
    pub name: String,
    pub kind: PasskeyKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerSession {
    pub browser: Option<String>,
    pub system: Option<String>,
    pub ip: String,
    pub last_seen: super::TimeView,
}

/// A customer's account as the console shows it; times in the reader's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerFileView {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub email_verified: bool,
    pub created: String,
    pub locked_until: Option<String>,
    pub disabled_since: Option<String>,
    pub authenticator_app: bool,
    pub passkeys: Vec<CustomerPasskey>,
    pub sessions: Vec<CustomerSession>,
    pub activity: ActivityPage,
    /// The console permissions the reader holds, to offer only the actions
    /// they may take (the server functions check again).
    pub may: Vec<Permission>,
}

#[server(prefix = "/api", endpoint = "staff/access")]
pub async fn console_access() -> Result<StaffAccess, AppError> {
    let user = ssr::require(Permission::OwnView).await?;
    Ok(if user.may(Permission::CustomerRead) {
        StaffAccess::Granted
    } else if user.has_second_factor == Some(false) {
        StaffAccess::NeedsSecondFactor
    } else {
        StaffAccess::Refused
    })
}

/// Customers whose address or name contains `q`, or whose id it is.
#[server(prefix = "/api", endpoint = "staff/customers")]
pub async fn find_customers(q: String, page: Option<u32>) -> Result<CustomerResults, AppError> {
    let user = ssr::require(Permission::CustomerRead).await?;
    let context = ssr::ctx()?;
    let found = context
        .support
        .search(&service::Actor::member(&user), &q, page.unwrap_or(0))
        .await
        .map_err(ssr::into_app_error)?;
    let zone = ssr::request_zone();
    Ok(CustomerResults {
        hits: found
            .accounts
            .into_iter()
            .map(|a| CustomerHit {
                id: a.id.0,
                email: a.email,
                display_name: a.display_name,
                created: service::time_format::format_in_zone(a.created_at, zone),
                disabled: a.disabled_at.is_some(),
            })
            .collect(),
        has_more: found.has_more,
    })
}

/// A customer's account, with one page of its history (older than `before`).
#[server(prefix = "/api", endpoint = "staff/customer")]
pub async fn customer_file(id: i64, before: Option<i64>) -> Result<CustomerFileView, AppError> {
    let user = ssr::require(Permission::CustomerRead).await?;
    let context = ssr::ctx()?;
    let actor = service::Actor::member(&user);
    let subject = domain::UserId(id);
    let file = context
        .support
        .customer(&actor, subject)
        .await
        .map_err(ssr::into_app_error)?;
    let records = context
        .support
        .activity(&actor, subject, before, super::ACTIVITY_PAGE_SIZE + 1)
        .await
        .map_err(ssr::into_app_error)?;
    let zone = ssr::request_zone();
    let time = |ms: i64| service::time_format::format_in_zone(ms, zone);
    let now = context.accounts.now_ms();
    Ok(CustomerFileView {
        id: file.id.0,
        email: file.email,
        display_name: file.display_name,
        email_verified: file.email_verified,
        created: time(file.created_at),
        locked_until: file.locked_until.map(time),
        disabled_since: file.disabled_at.map(time),
        authenticator_app: file.authenticator_app,
        passkeys: file
            .passkeys
            .into_iter()
            .map(|p| CustomerPasskey {
                name: p.name,
                kind: p.kind,
            })
            .collect(),
        sessions: file
            .sessions
            .into_iter()
            .map(|s| {
                let (browser, system) = domain::describe_user_agent(&s.origin.user_agent);
                CustomerSession {
                    browser: browser.map(str::to_owned),
                    system: system.map(str::to_owned),
                    ip: s.origin.ip,
                    last_seen: super::TimeView::at(s.last_seen_at, zone, now),
                }
            })
            .collect(),
        activity: super::activity_page(records, now),
        may: user.permissions.iter().copied().collect(),
    })
}

/// Takes a support action: on success back to the customer's page with a
/// notice; a refusal keeps the typed reason for the form.
#[cfg(feature = "ssr")]
pub(super) async fn act(
    action: service::SupportAction,
    customer: i64,
    reason: Option<String>,
) -> Result<(), AppError> {
    let form = format!("support_{}", action.as_str());
    let next = format!("/staff/customers/{customer}?done={}", action.as_str());
    act_from(&form, action, customer, reason, &[], next).await
}

/// A support action posted from `form`: on success to `next`; a refusal
/// keeps the typed reason and `also` for the form.
#[cfg(feature = "ssr")]
pub(super) async fn act_from(
    form: &str,
    action: service::SupportAction,
    customer: i64,
    reason: Option<String>,
    also: &[(&str, &str)],
    next: String,
) -> Result<(), AppError> {
    let reason = reason.unwrap_or_default();
    let typed = reason.clone();
    let keep = [&[("reason", reason.as_str())][..], also].concat();
    guarded(form, action.permission(), &keep, |user| async move {
        ssr::ctx()?
            .support
            .act(
                &service::Actor::member(&user),
                domain::UserId(customer),
                action,
                &typed,
                &ssr::origin(),
            )
            .await
            .map(|()| next)
            .map_err(Into::into)
    })
    .await
}

/// A console form with a reason: checks the permission, runs `step`, and
/// answers like every form (the typed reason kept when it is refused).
#[cfg(feature = "ssr")]
async fn with_reason<F, Fut>(
    form: &str,
    permission: Permission,
    reason: Option<String>,
    step: F,
) -> Result<(), AppError>
where
    F: FnOnce(service::accounts::CurrentUser, String) -> Fut,
    Fut: std::future::Future<Output = Result<String, StepError>>,
{
    // A missing field is an empty reason: refused by the rule, in place.
    let reason = reason.unwrap_or_default();
    let keep = [("reason", reason.as_str())];
    guarded(form, permission, &keep, |user| step(user, reason.clone())).await
}

/// A console form: checks the permission, runs `step`, and answers like
/// every form (what was typed, `keep`, kept when it is refused).
#[cfg(feature = "ssr")]
pub(super) async fn guarded<F, Fut>(
    form: &str,
    permission: Permission,
    keep: &[(&str, &str)],
    step: F,
) -> Result<(), AppError>
where
    F: FnOnce(service::accounts::CurrentUser) -> Fut,
    Fut: std::future::Future<Output = Result<String, StepError>>,
{
    let user = match ssr::require(permission).await {
        Ok(user) => user,
        // Said on the page too when the post came without JavaScript
        // (the form is not offered to those who lack it).
        Err(AppError::Forbidden) => {
            let refusal = domain::RoleError::NotPermitted(permission);
            return ssr::finish_form(form, Err(refusal.into()), keep).await;
        }
        Err(other) => return Err(other),
    };
    match step(user).await {
        Ok(next) => ssr::finish_form(form, Ok(next), keep).await,
        Err(StepError::Service(error)) => ssr::finish_form(form, Err(error), keep).await,
        Err(StepError::App(error)) => Err(error),
    }
}

/// What a console step can fail with: the service's refusal (answered in
/// the form) or a failure to reach it.
#[cfg(feature = "ssr")]
pub(super) enum StepError {
    Service(service::ServiceError),
    App(AppError),
}

#[cfg(feature = "ssr")]
impl From<service::ServiceError> for StepError {
    fn from(error: service::ServiceError) -> Self {
        StepError::Service(error)
    }
}

#[cfg(feature = "ssr")]
impl From<AppError> for StepError {
    fn from(error: AppError) -> Self {
        StepError::App(error)
    }
}

/// Opens the customer's portal read-only in this session ("View as
/// customer"), with the reason the customer will see.
#[server(prefix = "/api", endpoint = "staff/customer/view")]
pub async fn start_support_view(customer: i64, reason: Option<String>) -> Result<(), AppError> {
    with_reason(
        "support_view",
        Permission::CustomerImpersonate,
        reason,
        |user, reason| async move {
            ssr::ctx()?
                .support
                .start_view(
                    &service::Actor::member(&user),
                    domain::UserId(customer),
                    &reason,
                    &ssr::origin(),
                )
                .await?;
            Ok("/account".to_owned())
        },
    )
    .await
}

/// "End view": back to the customer's page in the console. Acts on this
/// browser's own session only, so it needs no permission (and a view's
/// read-only rule must not stop it).
#[server(prefix = "/api", endpoint = "staff/view/end")]
pub async fn end_support_view() -> Result<(), AppError> {
    let back = match ssr::optional_user().await? {
        Some(user) => ssr::end_view(&user).await?,
        None => None,
    };
    leptos_axum::redirect(&back.unwrap_or_else(|| "/staff".to_owned()));
    Ok(())
}

#[server(prefix = "/api", endpoint = "staff/customer/unlock")]
pub async fn support_unlock(customer: i64, reason: Option<String>) -> Result<(), AppError> {
    act(service::SupportAction::Unlock, customer, reason).await
}

#[server(prefix = "/api", endpoint = "staff/customer/end-sessions")]
pub async fn support_end_sessions(customer: i64, reason: Option<String>) -> Result<(), AppError> {
    act(service::SupportAction::EndSessions, customer, reason).await
}

#[server(prefix = "/api", endpoint = "staff/customer/disable")]
pub async fn support_disable(customer: i64, reason: Option<String>) -> Result<(), AppError> {
    act(service::SupportAction::Disable, customer, reason).await
}

#[server(prefix = "/api", endpoint = "staff/customer/enable")]
pub async fn support_enable(customer: i64, reason: Option<String>) -> Result<(), AppError> {
    act(service::SupportAction::Enable, customer, reason).await
}

#[server(prefix = "/api", endpoint = "staff/customer/require-password-reset")]
pub async fn support_require_password_reset(
    customer: i64,
    reason: Option<String>,
) -> Result<(), AppError> {
    act(
        service::SupportAction::RequirePasswordReset,
        customer,
        reason,
    )
    .await
}

#[server(prefix = "/api", endpoint = "staff/customer/remove-second-factors")]
pub async fn support_remove_second_factors(
    customer: i64,
    reason: Option<String>,
) -> Result<(), AppError> {
    act(
        service::SupportAction::RemoveSecondFactors,
        customer,
        reason,
    )
    .await
}
