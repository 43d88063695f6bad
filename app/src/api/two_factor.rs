//! Server functions of two-factor sign-in: the second step, re-authentication,
//! and the authenticator app and recovery codes on the account.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr;

/// What the two-factor page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TwoFactorView {
    /// Not set up; `can_start` is false until the address is confirmed.
    /// `passkey_codes` counts the recovery codes of an account whose second
    /// step is a passkey.
    Off {
        can_start: bool,
        passkey_codes: Option<RecoveryCodesLeft>,
    },
    Pending {
        qr_image: String,
        manual_key: String,
        otpauth_uri: String,
    },
    On(RecoveryCodesLeft),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCodesLeft {
    pub left: u32,
    pub few: bool,
}

/// The signed-in account and where its second factor stands.
#[cfg(feature = "ssr")]
async fn two_factor_state(
) -> Result<(service::accounts::CurrentUser, service::mfa::TwoFactorState), AppError> {
    let user = ssr::require(domain::Permission::OwnView).await?;
    let state = ssr::ctx()?
        .accounts
        .two_factor_state(&user)
        .await
        .map_err(ssr::into_app_error)?;
    Ok((user, state))
}

/// Where a finished sign-in goes: the page asked for, if local.
#[cfg(feature = "ssr")]
pub(crate) fn after_sign_in(next: Option<&str>, password_expired: bool) -> String {
    if password_expired {
        return "/account/security?expired=1".to_owned();
    }
    next.and_then(domain::safe_local_path)
        .unwrap_or("/account")
        .to_owned()
}

/// The second step of signing in: an app code or a recovery code.
#[server(prefix = "/api", endpoint = "auth/second-factor")]
pub async fn submit_second_factor(code: String, next: Option<String>) -> Result<(), AppError> {
    let context = ssr::ctx()?;
    let pending = ssr::cookie(ssr::PENDING_COOKIE).unwrap_or_default();
    let device = ssr::cookie(ssr::DEVICE_COOKIE);
    let result = context
        .accounts
        .complete_second_factor(&pending, &code, device.as_deref(), &ssr::origin())
        .await
        .map(|signed_in| {
            ssr::set_cookie(context.cookies.clear(ssr::PENDING_COOKIE));
            ssr::start_session(&signed_in);
            after_sign_in(next.as_deref(), signed_in.password_expired)
        });
    let next_value = next.clone().unwrap_or_default();
    ssr::finish_form("mfa", result, &[("next", &next_value)]).await
}

/// Re-authentication ("sudo mode") before a sensitive change.
#[server(prefix = "/api", endpoint = "auth/reauth")]
pub async fn reauthenticate(
    current_password: String,
    code: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    let user = ssr::require(domain::Permission::OwnChange).await?;
    let context = ssr::ctx()?;
    let device = ssr::cookie(ssr::DEVICE_COOKIE);
    let result = context
        .accounts
        .confirm_identity(
            &user,
            &current_password,
            code.as_deref().unwrap_or_default(),
            device.as_deref(),
            &ssr::origin(),
        )
        .await
        .map(|session_token| {
            ssr::renew_session_cookie(&session_token);
            after_sign_in(next.as_deref(), false)
        });
    let next_value = next.clone().unwrap_or_default();
    ssr::finish_form("reauth", result, &[("next", &next_value)]).await
}

/// What re-authentication asks for besides the password.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReauthAsks {
    /// An app code or a recovery code (any account with a second factor).
    pub code: bool,
    /// The account has a passkey, which may stand in for the code.
    pub passkey: bool,
}

#[server(prefix = "/api", endpoint = "auth/reauth-needs")]
pub async fn reauth_needs() -> Result<ReauthAsks, AppError> {
    let (_, state) = two_factor_state().await?;
    use service::mfa::TwoFactorState;
    Ok(match state {
        TwoFactorState::On { .. } => ReauthAsks {
            code: true,
            passkey: false,
        },
        TwoFactorState::Off {
            passkey_codes_left: Some(_),
        } => ReauthAsks {
            code: true,
            passkey: true,
        },
        _ => ReauthAsks::default(),
    })
}

#[server(prefix = "/api", endpoint = "account/two-factor")]
pub async fn two_factor() -> Result<TwoFactorView, AppError> {
    use service::mfa::{TwoFactorState, FEW_RECOVERY_CODES};
    let codes_left = |left| RecoveryCodesLeft {
        left,
        few: left <= FEW_RECOVERY_CODES,
    };
    let (user, state) = two_factor_state().await?;
    Ok(match state {
        TwoFactorState::Off { passkey_codes_left } => TwoFactorView::Off {
            can_start: user.email_verified,
            passkey_codes: passkey_codes_left.map(codes_left),
        },
        TwoFactorState::Pending(setup) => TwoFactorView::Pending {
            qr_image: setup.qr_image,
            manual_key: setup.manual_key,
            otpauth_uri: setup.otpauth_uri,
        },
        TwoFactorState::On {
            recovery_codes_left,
        } => TwoFactorView::On(codes_left(recovery_codes_left)),
    })
}

#[server(prefix = "/api", endpoint = "account/two-factor/start")]
pub async fn start_two_factor() -> Result<(), AppError> {
    let user = ssr::require(domain::Permission::OwnChange).await?;
    let result = ssr::ctx()?
        .accounts
        .start_totp_enrollment(&user)
        .await
        .map(|()| "/account/two-factor".to_owned());
    ssr::finish_form("totp_start", result, &[]).await
}

#[server(prefix = "/api", endpoint = "account/two-factor/confirm")]
pub async fn confirm_two_factor(code: String) -> Result<(), AppError> {
    let user = ssr::require(domain::Permission::OwnChange).await?;
    let context = ssr::ctx()?;
    let result = match context
        .accounts
        .confirm_totp_enrollment(&user, &code, &ssr::origin())
        .await
    {
        Ok(Some(codes)) => ssr::show_recovery_codes(&user, Ok(codes)).await,
        // The account's passkey came with codes; they stay.
        Ok(None) => Ok("/account/two-factor?enabled=1".to_owned()),
        Err(error) => Err(error),
    };
    ssr::finish_form("totp_confirm", result, &[]).await
}

#[server(prefix = "/api", endpoint = "account/two-factor/new-codes")]
pub async fn regenerate_recovery_codes() -> Result<(), AppError> {
    let user = ssr::require(domain::Permission::OwnChange).await?;
    let context = ssr::ctx()?;
    let codes = context
        .accounts
        .regenerate_recovery_codes(&user, &ssr::origin())
        .await;
    let result = ssr::show_recovery_codes(&user, codes).await;
    ssr::finish_form("totp_codes", result, &[]).await
}

/// Turns the app off: asks for the password, as the deletion does.
#[server(prefix = "/api", endpoint = "account/two-factor/remove")]
pub async fn remove_two_factor(current_password: String) -> Result<(), AppError> {
    let user = ssr::require(domain::Permission::OwnChange).await?;
    let result = ssr::ctx()?
        .accounts
        .remove_totp(
            &user,
            &current_password,
            ssr::cookie(ssr::DEVICE_COOKIE).as_deref(),
            &ssr::origin(),
        )
        .await
        .map(|()| "/account/two-factor?removed=1".to_owned());
    ssr::finish_form("totp_remove", result, &[]).await
}

/// Drops an app set-up before its first code.
#[server(prefix = "/api", endpoint = "account/two-factor/cancel")]
pub async fn cancel_two_factor_setup() -> Result<(), AppError> {
    let user = ssr::require(domain::Permission::OwnChange).await?;
    let result = ssr::ctx()?
        .accounts
        .cancel_totp_enrollment(&user)
        .await
        .map(|()| "/account/two-factor?cancelled=1".to_owned());
    ssr::finish_form("totp_cancel", result, &[]).await
}

/// New recovery codes and the day they were made (in the reader's zone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCodesView {
    pub codes: Vec<String>,
    pub made_on: String,
}

/// New recovery codes, on every reload until the owner says they are
/// saved (or half an hour has passed).
#[server(prefix = "/api", endpoint = "account/recovery-codes")]
pub async fn stashed_recovery_codes() -> Result<Option<RecoveryCodesView>, AppError> {
    let user = ssr::require(domain::Permission::OwnChange).await?;
    let context = ssr::ctx()?;
    let Some(key) = ssr::cookie(ssr::CODES_COOKIE) else {
        return Ok(None);
    };
    let codes = context
        .accounts
        .stashed_recovery_codes(&user, &key)
        .await
        .map_err(ssr::into_app_error)?;
    let zone = ssr::request_zone();
    let made_on = service::time_format::local_day(context.accounts.now_ms(), zone);
    Ok(codes.map(|codes| RecoveryCodesView {
        codes: codes
            .iter()
            .map(|c| domain::mfa::format_recovery_code(c))
            .collect(),
        made_on,
    }))
}

/// The owner saved the new codes: the page stops showing them.
#[server(prefix = "/api", endpoint = "account/recovery-codes/saved")]
pub async fn saved_recovery_codes() -> Result<(), AppError> {
    ssr::require(domain::Permission::OwnChange).await?;
    let context = ssr::ctx()?;
    let key = ssr::cookie(ssr::CODES_COOKIE).unwrap_or_default();
    ssr::set_cookie(context.cookies.clear(ssr::CODES_COOKIE));
    let result = context
        .accounts
        .forget_recovery_codes(&key)
        .await
        .map(|()| "/account/two-factor?saved=1".to_owned());
    ssr::finish_form("codes_saved", result, &[]).await
}

/// The account behind the reset link this browser holds, for the page to
/// name it and to list its second factors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetFactorsView {
    pub masked_email: String,
    pub app: bool,
    /// Id and name of each passkey.
    pub passkeys: Vec<(i64, String)>,
    /// Whether an app code or a recovery code is asked for.
    pub needs_code: bool,
}

/// `None` when the browser holds no live reset link.
#[server(prefix = "/api", endpoint = "recover/factors")]
pub async fn reset_factors() -> Result<Option<ResetFactorsView>, AppError> {
    let token = ssr::cookie(ssr::LINK_COOKIE).unwrap_or_default();
    let Ok(factors) = ssr::ctx()?.accounts.reset_factors(&token).await else {
        return Ok(None);
    };
    Ok(Some(ResetFactorsView {
        needs_code: factors.needs_code(),
        masked_email: factors.masked_email,
        app: factors.app,
        passkeys: factors
            .passkeys
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect(),
    }))
}
