//! Server functions of passkeys: the list on the security page with rename
//! and remove (plain forms), and the two halves of each WebAuthn ceremony,
//! called by `public/passkeys.js`, which answers them with JSON.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr;

/// A started ceremony: its id, to send back, and the options for
/// `navigator.credentials` as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyCeremony {
    pub ceremony: String,
    pub options: String,
}

/// One passkey, as the security page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyView {
    pub id: i64,
    pub name: String,
    pub security_key: bool,
    /// Already in the reader's zone, formatted on the server.
    pub created: String,
    pub last_used: Option<String>,
}

#[cfg(feature = "ssr")]
fn ceremony_view(ceremony: service::passkeys::Ceremony) -> PasskeyCeremony {
    PasskeyCeremony {
        ceremony: ceremony.id,
        options: ceremony.options,
    }
}

#[server(prefix = "/api", endpoint = "account/passkeys")]
pub async fn list_passkeys() -> Result<Vec<PasskeyView>, AppError> {
    let user = ssr::require(domain::Permission::OwnView).await?;
    let passkeys = ssr::ctx()?
        .accounts
        .passkeys(&user)
        .await
        .map_err(ssr::into_app_error)?;
    let zone = ssr::request_zone();
    Ok(passkeys
        .into_iter()
        .map(|p| PasskeyView {
            id: p.id,
            name: p.name,
            security_key: p.kind == domain::PasskeyKind::SecurityKey,
            created: service::time_format::format_in_zone(p.created_at, zone),
            last_used: p
                .last_used_at
                .map(|at| service::time_format::format_in_zone(at, zone)),
        })
        .collect())
}

#[server(prefix = "/api", endpoint = "account/passkeys/options")]
pub async fn passkey_registration_options() -> Result<PasskeyCeremony, AppError> {
    let user = ssr::require(domain::Permission::OwnChange).await?;
    ssr::ctx()?
        .accounts
        .start_passkey_registration(&user)
        .await
        .map(ceremony_view)
        .map_err(ssr::into_app_error)
}

/// Stores the new passkey; answers where to go next: the recovery codes
/// when it is the account's first second factor, else back to the list.
#[server(prefix = "/api", endpoint = "account/passkeys/add")]
pub async fn add_passkey(
    ceremony: String,
    credential: String,
    name: String,
) -> Result<String, AppError> {
    let user = ssr::require(domain::Permission::OwnChange).await?;
    let codes = ssr::ctx()?
        .accounts
        .finish_passkey_registration(&user, &ceremony, &credential, &name, &ssr::origin())
        .await
        .map_err(ssr::into_app_error)?;
    match codes {
        Some(codes) => ssr::show_recovery_codes(&user, Ok(codes))
            .await
            .map_err(ssr::into_app_error),
        None => Ok("/account/security?changed=passkey_added#passkeys".to_owned()),
    }
}

#[server(prefix = "/api", endpoint = "account/passkeys/rename")]
pub async fn rename_passkey(passkey: i64, name: String) -> Result<(), AppError> {
    let user = ssr::require(domain::Permission::OwnChange).await?;
    let result = ssr::ctx()?
        .accounts
        .rename_passkey(&user, passkey, &name, &ssr::origin())
        .await
        .map(|()| "/account/security?changed=passkey_renamed#passkeys".to_owned());
    ssr::finish_form("passkey_rename", result, &[("name", &name)]).await
}

#[server(prefix = "/api", endpoint = "account/passkeys/remove")]
pub async fn remove_passkey(passkey: i64) -> Result<(), AppError> {
    let user = ssr::require(domain::Permission::OwnChange).await?;
    let result = ssr::ctx()?
        .accounts
        .remove_passkey(&user, passkey, &ssr::origin())
        .await
        .map(|()| "/account/security?changed=passkey_removed#passkeys".to_owned());
    ssr::finish_form("passkey_remove", result, &[]).await
}

/// Whether the second step of the current sign-in can offer a passkey.
#[server(prefix = "/api", endpoint = "auth/passkey/offered")]
pub async fn passkey_offered() -> Result<bool, AppError> {
    let pending = ssr::cookie(ssr::PENDING_COOKIE).unwrap_or_default();
    Ok(ssr::ctx()?
        .accounts
        .pending_sign_in_has_passkey(&pending)
        .await
        .unwrap_or(false))
}

/// Starts a sign-in with a passkey: the second step of the pending sign-in,
/// or a sign-in without a password.
#[server(prefix = "/api", endpoint = "auth/passkey/options")]
pub async fn passkey_sign_in_options(second_factor: bool) -> Result<PasskeyCeremony, AppError> {
    let pending = second_factor.then(|| ssr::cookie(ssr::PENDING_COOKIE).unwrap_or_default());
    ssr::ctx()?
        .accounts
        .start_passkey_sign_in(pending.as_deref(), &ssr::origin())
        .await
        .map(ceremony_view)
        .map_err(ssr::into_app_error)
}

/// Options for re-authenticating with one of the account's passkeys.
#[server(prefix = "/api", endpoint = "auth/reauth/passkey/options")]
pub async fn passkey_reauth_options() -> Result<PasskeyCeremony, AppError> {
    let user = ssr::require(domain::Permission::OwnChange).await?;
    ssr::ctx()?
        .accounts
        .start_passkey_reauth(&user)
        .await
        .map(ceremony_view)
        .map_err(ssr::into_app_error)
}

/// Re-authentication with the password and a passkey; answers where to go next.
#[server(prefix = "/api", endpoint = "auth/reauth/passkey")]
pub async fn passkey_reauth(
    current_password: String,
    ceremony: String,
    credential: String,
    next: Option<String>,
) -> Result<String, AppError> {
    let user = ssr::require(domain::Permission::OwnChange).await?;
    let device = ssr::cookie(ssr::DEVICE_COOKIE);
    let session_token = ssr::ctx()?
        .accounts
        .confirm_identity_with_passkey(
            &user,
            &current_password,
            service::passkeys::PasskeyAnswer {
                ceremony: &ceremony,
                credential: &credential,
            },
            device.as_deref(),
            &ssr::origin(),
        )
        .await
        .map_err(ssr::into_app_error)?;
    ssr::renew_session_cookie(&session_token);
    Ok(super::after_sign_in(next.as_deref(), false))
}

/// Options for confirming a password reset with a passkey of the account
/// behind the reset link this browser holds.
#[server(prefix = "/api", endpoint = "recover/passkey/options")]
pub async fn passkey_reset_options() -> Result<PasskeyCeremony, AppError> {
    let token = ssr::cookie(ssr::LINK_COOKIE).unwrap_or_default();
    ssr::ctx()?
        .accounts
        .start_passkey_reset(&token, &ssr::origin())
        .await
        .map(ceremony_view)
        .map_err(ssr::into_app_error)
}

/// Finishes a sign-in with a passkey; answers where to go next.
#[server(prefix = "/api", endpoint = "auth/passkey")]
pub async fn passkey_sign_in(
    ceremony: String,
    credential: String,
    second_factor: bool,
    next: Option<String>,
) -> Result<String, AppError> {
    let context = ssr::ctx()?;
    let pending = second_factor.then(|| ssr::cookie(ssr::PENDING_COOKIE).unwrap_or_default());
    let device = ssr::cookie(ssr::DEVICE_COOKIE);
    let signed_in = context
        .accounts
        .finish_passkey_sign_in(
            &ceremony,
            &credential,
            pending.as_deref(),
            device.as_deref(),
            &ssr::origin(),
        )
        .await
        .map_err(ssr::into_app_error)?;
    if second_factor {
        ssr::set_cookie(context.cookies.clear(ssr::PENDING_COOKIE));
    }
    ssr::start_session(&signed_in);
    Ok(super::after_sign_in(
        next.as_deref(),
        signed_in.password_expired,
    ))
}
