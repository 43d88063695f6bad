//! Server functions: the only way the browser reaches the service. Each one
//! has a stable endpoint and goes through `ssr::require` when it needs a
//! signed-in account.

use std::collections::BTreeMap;

use domain::{ActivityKind, PasswordPolicy};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr;

mod access;
mod alerts;
mod audit;
mod passkeys;
mod reviews;
mod security;
mod staff;
mod team;
mod two_factor;
pub use access::{access_of, Access, ENDPOINTS};
pub use alerts::*;
pub use audit::*;
pub use passkeys::*;
pub use reviews::*;
pub use security::*;
pub use staff::*;
pub use team::*;
#[cfg(feature = "ssr")]
use two_factor::after_sign_in;
pub use two_factor::*;

/// What the header and account page show of the signed-in account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub display_name: String,
    pub email: String,
    pub email_verified: bool,
    /// Past its maximum age: the only way on is changing it.
    pub password_expired: bool,
    /// Holds a role: the header links to the staff console.
    pub staff: bool,
    /// The parts of the console it may open, for the console's navigation.
    pub console: Vec<ConsoleLink>,
    /// Staff are viewing this account's portal: the rest of the view is
    /// the customer's account, and every page shows this banner.
    pub support_view: Option<ViewBanner>,
}

/// What the banner of a support view says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewBanner {
    pub customer_email: String,
    pub staff_name: String,
    /// When the view ends at the latest, in the reader's zone.
    pub ends_at: String,
    pub minutes_left: i64,
}

/// A form's error and typed values, kept across a no-JavaScript redirect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormFlash {
    pub form: String,
    pub values: BTreeMap<String, String>,
    pub error: Option<AppError>,
}

impl FormFlash {
    /// A value the user typed, to draw the form with again.
    pub fn value(&self, field: &str) -> String {
        self.values.get(field).cloned().unwrap_or_default()
    }
}

/// A moment as a page shows it: in the reader's zone, with its age by the
/// service's clock (not the browser's, which may be wrong, and scripts may be off).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeView {
    /// For `<time datetime>`, with the zone's offset.
    pub iso: String,
    /// `2026-11-26 14:03:07 CST`.
    pub local: String,
    pub age: domain::Age,
}

#[cfg(feature = "ssr")]
impl TimeView {
    pub fn at(at_ms: i64, zone: service::time_format::Tz, now_ms: i64) -> TimeView {
        let (iso, local) = service::time_format::iso_and_shown_in_zone(at_ms, zone);
        TimeView {
            iso,
            local,
            age: domain::Age::between(at_ms, now_ms),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityRow {
    pub id: i64,
    pub time: TimeView,
    pub kind: ActivityKind,
    pub ip: String,
    pub browser: Option<String>,
    pub system: Option<String>,
    /// For what a staff member did: their name and the reason they gave.
    pub staff: Option<String>,
    pub reason: Option<String>,
    /// For a support view: when it ended (or ends, while it runs).
    pub until: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityPage {
    pub rows: Vec<ActivityRow>,
    /// The cursor for the next (older) page, when there is one.
    pub older_than: Option<i64>,
    pub zone: String,
}

pub const ACTIVITY_PAGE_SIZE: u32 = 50;

#[server(prefix = "/api", endpoint = "session/current")]
pub async fn current_user() -> Result<Option<UserView>, AppError> {
    let Some(user) = ssr::optional_user().await? else {
        return Ok(None);
    };
    let support_view = match &user.view {
        Some(view) => {
            let now = ssr::ctx()?.accounts.now_ms();
            let zone = ssr::request_zone();
            Some(ViewBanner {
                customer_email: view.customer.email.clone(),
                staff_name: user.display_name.clone(),
                ends_at: service::time_format::format_in_zone(view.window.expires_at, zone),
                minutes_left: (view.window.seconds_left(now) + 59) / 60,
            })
        }
        None => None,
    };
    let shown = user.acting();
    Ok(Some(UserView {
        // The console's link waits until the view ends.
        staff: user.is_staff() && support_view.is_none(),
        console: ConsoleLink::held(|p| shown.may(p)),
        display_name: shown.display_name.clone(),
        email: shown.email.clone(),
        email_verified: shown.email_verified,
        password_expired: user.password_expired,
        support_view,
    }))
}

/// Reads (once) what a failed no-JavaScript form post left behind.
#[server(prefix = "/api", endpoint = "form/flash")]
pub async fn take_form_flash() -> Result<Option<FormFlash>, AppError> {
    let context = ssr::ctx()?;
    let Some(key) = ssr::cookie(ssr::FLASH_COOKIE) else {
        return Ok(None);
    };
    ssr::set_cookie(context.cookies.clear(ssr::FLASH_COOKIE));
    let payload = context
        .accounts
        .take_flash(&key)
        .await
        .map_err(ssr::into_app_error)?;
    Ok(payload.and_then(|p| serde_json::from_str(&p).ok()))
}

/// The structural password rules in force, so the browser checks the same ones.
#[server(prefix = "/api", endpoint = "policy/password")]
pub async fn get_password_policy() -> Result<PasswordPolicy, AppError> {
    Ok(ssr::ctx()?.accounts.policy().password.clone())
}

#[server(prefix = "/api", endpoint = "auth/register")]
pub async fn register(
    email: String,
    display_name: String,
    password: String,
) -> Result<(), AppError> {
    let context = ssr::ctx()?;
    let form = service::accounts::RegistrationForm {
        email: &email,
        display_name: &display_name,
        password: &password,
        locale: ssr::request_locale(),
    };
    let result = match context
        .accounts
        .register(form.clone(), &ssr::origin())
        .await
    {
        Ok(registration) => context
            .accounts
            .note_registration(&form, registration)
            .await
            .map(|note| {
                ssr::set_cookie(context.cookies.set(
                    ssr::REGISTERED_COOKIE,
                    &note,
                    Some(service::accounts::REGISTRATION_NOTE_SECS),
                    true,
                ));
                "/register/sent".to_owned()
            }),
        Err(error) => Err(error),
    };
    ssr::finish_form(
        "register",
        result,
        &[("email", &email), ("display_name", &display_name)],
    )
    .await
}

/// The address the registration in this browser mailed, for the "check
/// your email" page; `None` once its note expired (or in another browser).
#[server(prefix = "/api", endpoint = "register/sent")]
pub async fn registration_sent_to() -> Result<Option<String>, AppError> {
    let Some(key) = ssr::cookie(ssr::REGISTERED_COOKIE) else {
        return Ok(None);
    };
    let note = ssr::ctx()?
        .accounts
        .registration_note(&key)
        .await
        .map_err(ssr::into_app_error)?;
    Ok(note.map(|n| n.email))
}

/// "Resend the email": the registration's mail again, to the address this
/// browser registered, under the limits and the repeat window of every resend.
#[server(prefix = "/api", endpoint = "register/resend")]
pub async fn resend_registration_mail() -> Result<(), AppError> {
    let context = ssr::ctx()?;
    let key = ssr::cookie(ssr::REGISTERED_COOKIE).unwrap_or_default();
    let result = context
        .accounts
        .resend_registration_mail(&key, &ssr::origin())
        .await
        .map(|()| "/register/sent?resent=1".to_owned());
    ssr::finish_form("register_resend", result, &[]).await
}

/// "Use a different address": back to the registration form with the
/// address and name filled in (through the form flash, not the URL).
#[server(prefix = "/api", endpoint = "register/change")]
pub async fn change_registration_address() -> Result<(), AppError> {
    let context = ssr::ctx()?;
    if let Some(key) = ssr::cookie(ssr::REGISTERED_COOKIE) {
        let note = context
            .accounts
            .registration_note(&key)
            .await
            .map_err(ssr::into_app_error)?;
        if let Some(note) = note {
            ssr::keep_form(FormFlash {
                form: "register".to_owned(),
                values: BTreeMap::from([
                    ("email".to_owned(), note.email),
                    ("display_name".to_owned(), note.display_name),
                ]),
                error: None,
            })
            .await?;
        }
        context
            .accounts
            .forget_registration_note(&key)
            .await
            .map_err(ssr::into_app_error)?;
        ssr::set_cookie(context.cookies.clear(ssr::REGISTERED_COOKIE));
    }
    leptos_axum::redirect("/register");
    Ok(())
}

#[server(prefix = "/api", endpoint = "auth/login")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    let context = ssr::ctx()?;
    let device = ssr::cookie(ssr::DEVICE_COOKIE);
    let result = context
        .accounts
        .sign_in(&email, &password, device.as_deref(), &ssr::origin())
        .await
        .map(|outcome| match outcome {
            service::accounts::SignInOutcome::SignedIn(signed_in) => {
                ssr::start_session(&signed_in);
                after_sign_in(next.as_deref(), signed_in.password_expired)
            }
            service::accounts::SignInOutcome::SecondFactorRequired { pending_token } => {
                ssr::await_second_factor(&pending_token);
                let next = next
                    .as_deref()
                    .and_then(domain::safe_local_path)
                    .unwrap_or("/account");
                format!("/login/mfa?next={}", crate::encode_query_value(next))
            }
        });
    let next_value = next.clone().unwrap_or_default();
    ssr::finish_form("login", result, &[("email", &email), ("next", &next_value)]).await
}

#[server(prefix = "", endpoint = "logout")]
pub async fn sign_out() -> Result<(), AppError> {
    let context = ssr::ctx()?;
    // During a support view, signing out ends the view only.
    if let Some(user) = ssr::optional_user().await? {
        if let Some(back) = ssr::end_view(&user).await? {
            leptos_axum::redirect(&back);
            return Ok(());
        }
    }
    if let Some(token) = ssr::cookie(ssr::SESSION_COOKIE) {
        context
            .accounts
            .sign_out(&token, &ssr::origin())
            .await
            .map_err(ssr::into_app_error)?;
    }
    ssr::set_cookie(context.cookies.clear(ssr::SESSION_COOKIE));
    leptos_axum::redirect("/login?signed_out=1");
    Ok(())
}

#[server(prefix = "/api", endpoint = "verify/confirm")]
pub async fn confirm_email() -> Result<(), AppError> {
    let context = ssr::ctx()?;
    let token = ssr::take_link_token();
    let verified = context.accounts.verify_email(&token, &ssr::origin()).await;
    let signed_in = ssr::optional_user().await?.is_some();
    let note = ssr::cookie(ssr::REGISTERED_COOKIE);
    let next = match (&verified, signed_in, note) {
        (Ok(id), false, Some(note)) => continue_registration(&note, *id).await?,
        _ if signed_in => "/account".to_owned(),
        _ => "/login?verified=1".to_owned(),
    };
    ssr::finish_form("verify", verified.map(|_| next), &[]).await
}

/// Where confirming an address leads the browser that registered it (see
/// `Accounts::after_confirmation`). A mail link alone, in any other
/// browser, never signs in.
#[cfg(feature = "ssr")]
async fn continue_registration(note: &str, confirmed: domain::UserId) -> Result<String, AppError> {
    use service::accounts::AfterConfirmation;
    let context = ssr::ctx()?;
    let device = ssr::cookie(ssr::DEVICE_COOKIE);
    let after = context
        .accounts
        .after_confirmation(note, confirmed, device.as_deref(), &ssr::origin())
        .await
        .map_err(ssr::into_app_error)?;
    match after {
        AfterConfirmation::SignedIn(signed_in) => {
            ssr::start_session(&signed_in);
            ssr::set_cookie(context.cookies.clear(ssr::REGISTERED_COOKIE));
            return Ok("/account?confirmed=1".to_owned());
        }
        AfterConfirmation::SignInAs(address) => {
            ssr::keep_form(FormFlash {
                form: "login".to_owned(),
                values: BTreeMap::from([("email".to_owned(), address)]),
                error: None,
            })
            .await?;
        }
        AfterConfirmation::SignIn => {}
    }
    Ok("/login?verified=1".to_owned())
}

#[server(prefix = "/api", endpoint = "verify/resend")]
pub async fn resend_verification() -> Result<(), AppError> {
    let user = ssr::require(domain::Permission::OwnChange).await?;
    let context = ssr::ctx()?;
    let result = context
        .accounts
        .resend_verification(&user, &ssr::origin())
        .await
        .map(|()| "/account?resent=1".to_owned());
    ssr::finish_form("resend", result, &[]).await
}

/// One page of the history; `kind` (a stored kind name) filters it.
#[server(prefix = "/api", endpoint = "account/activity")]
pub async fn activity(before: Option<i64>, kind: Option<String>) -> Result<ActivityPage, AppError> {
    let user = ssr::require(domain::Permission::OwnView).await?;
    let context = ssr::ctx()?;
    let kinds = ssr::activity_filter(kind.as_deref());
    // One extra row tells whether an older page exists.
    let records = context
        .accounts
        .activity(&user, &kinds, before, ACTIVITY_PAGE_SIZE + 1)
        .await
        .map_err(ssr::into_app_error)?;
    Ok(activity_page(records, context.accounts.now_ms()))
}

/// A page of history rows as the reader sees them (in their zone), from one
/// more record than a page holds when an older page exists.
#[cfg(feature = "ssr")]
fn activity_page(mut records: Vec<service::ports::ActivityRecord>, now_ms: i64) -> ActivityPage {
    let has_older = records.len() > ACTIVITY_PAGE_SIZE as usize;
    records.truncate(ACTIVITY_PAGE_SIZE as usize);
    let zone = ssr::request_zone();
    let mut agents = domain::AgentDescriber::default();
    let rows: Vec<ActivityRow> = records
        .into_iter()
        .map(|record| {
            let (browser, system) = agents.describe(record.origin.user_agent);
            let (staff, reason) = record.details.map(|d| (d.actor, d.reason)).unzip();
            ActivityRow {
                id: record.id,
                time: TimeView::at(record.at_ms, zone, now_ms),
                kind: record.kind,
                ip: record.origin.ip,
                browser: browser.map(str::to_owned),
                system: system.map(str::to_owned),
                staff,
                reason,
                until: record
                    .view_ends_at
                    .map(|ms| service::time_format::format_in_zone(ms, zone)),
            }
        })
        .collect();
    let older_than = has_older.then(|| rows.last().map(|r| r.id)).flatten();
    ActivityPage {
        rows,
        older_than,
        zone: zone.name().to_owned(),
    }
}

#[server(prefix = "/api", endpoint = "recover/request")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    let context = ssr::ctx()?;
    let result = context
        .accounts
        .request_password_reset(&email, &ssr::origin())
        .await
        .map(|()| "/recover/sent".to_owned());
    ssr::finish_form("recover", result, &[("email", &email)]).await
}

/// `remove_passkeys` holds the ids of the passkeys ticked for removal
/// (`remove_passkeys[]` in the form); `ceremony` and `credential` a
/// passkey's answer, filled in by `passkeys.js`, given instead of a code.
#[server(prefix = "/api", endpoint = "recover/reset")]
pub async fn reset_password(
    password: String,
    confirmation: String,
    code: Option<String>,
    remove_passkeys: Option<Vec<i64>>,
    ceremony: Option<String>,
    credential: Option<String>,
) -> Result<(), AppError> {
    let context = ssr::ctx()?;
    let token = ssr::cookie(ssr::LINK_COOKIE).unwrap_or_default();
    let device = ssr::cookie(ssr::DEVICE_COOKIE);
    let form = service::accounts::ResetForm {
        token: &token,
        password: &password,
        confirmation: &confirmation,
        second_factor: code.as_deref().unwrap_or_default(),
        remove_passkeys: remove_passkeys.as_deref().unwrap_or_default(),
        passkey: ceremony
            .as_deref()
            .zip(credential.as_deref())
            .filter(|(ceremony, _)| !ceremony.is_empty())
            .map(|(ceremony, credential)| service::passkeys::PasskeyAnswer {
                ceremony,
                credential,
            }),
    };
    let result = context
        .accounts
        .reset_password(form, device.as_deref(), &ssr::origin())
        .await;
    // The link is spent (or dead) unless only what was typed was refused.
    if !matches!(result, Err(service::ServiceError::Validation(_))) {
        ssr::set_cookie(context.cookies.clear(ssr::LINK_COOKIE));
    }
    if result.is_ok() {
        ssr::set_cookie(context.cookies.clear(ssr::SESSION_COOKIE));
    }
    ssr::finish_form("reset", result.map(|_| "/login?reset=1".to_owned()), &[]).await
}
