//! Server-only helpers for server functions: context access, the one
//! authorization path, cookies, and the mapping of service errors.

use std::net::IpAddr;
use std::sync::Arc;

use domain::{Locale, Permission};
use http::header::{
    HeaderValue, ACCEPT, ACCEPT_LANGUAGE, COOKIE, REFERER, RETRY_AFTER, SET_COOKIE, USER_AGENT,
};
use http::request::Parts;
use http::StatusCode;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use service::accounts::CurrentUser;
use service::ports::Origin;
use service::{Accounts, Alerts, Reviews, ServiceError, Support};

use crate::api::FormFlash;
use crate::error::{AppError, FieldError};

/// What server functions reach the service through; provided per request.
#[derive(Clone)]
pub struct AppContext {
    pub accounts: Arc<Accounts>,
    /// The staff console's use cases, over the same ports.
    pub support: Arc<Support>,
    /// The console's alerts.
    pub alerts: Arc<Alerts>,
    /// The access reviews and the staff's training.
    pub reviews: Arc<Reviews>,
    pub cookies: CookiePolicy,
}

/// The client's address, resolved once by the server's trusted-proxy rule.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

/// The per-response CSP nonce the server's header middleware chose.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// The id the server's middleware gave this request, for error references.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Cookie names and attributes: under https every cookie is `Secure` and
/// its name carries the `__Host-` prefix (no Domain, Path=/).
#[derive(Debug, Clone, Copy)]
pub struct CookiePolicy {
    pub secure: bool,
}

pub const SESSION_COOKIE: &str = "lk_session";
pub const LINK_COOKIE: &str = "lk_link";
pub const FLASH_COOKIE: &str = "lk_flash";
pub const LANG_COOKIE: &str = "lk_lang";
pub const TZ_COOKIE: &str = "lk_tz";
/// Marks a browser that completed a sign-in before, so that the account
/// lock (meant for strangers) does not apply to it.
pub const DEVICE_COOKIE: &str = "lk_device";
/// A correct password waiting for its second factor (five minutes).
pub const PENDING_COOKIE: &str = "lk_pending";
/// New recovery codes waiting for their one showing.
pub const CODES_COOKIE: &str = "lk_codes";
/// The address a registration mailed, for the "check your email" page.
pub const REGISTERED_COOKIE: &str = "lk_registered";
/// How long a sign-in waits for its second factor, and codes for their page.
const SHORT_COOKIE_SECS: i64 = 5 * 60;

impl CookiePolicy {
    pub fn name(&self, base: &str) -> String {
        if self.secure {
            format!("__Host-{base}")
        } else {
            base.to_owned()
        }
    }

    /// A `Set-Cookie` value. `max_age_secs` of `None` makes a session cookie,
    /// `Some(0)` deletes it.
    pub fn set(
        &self,
        base: &str,
        value: &str,
        max_age_secs: Option<i64>,
        http_only: bool,
    ) -> String {
        let mut cookie = format!("{}={value}; Path=/; SameSite=Lax", self.name(base));
        if let Some(age) = max_age_secs {
            cookie.push_str(&format!("; Max-Age={age}"));
        }
        if http_only {
            cookie.push_str("; HttpOnly");
        }
        if self.secure {
            cookie.push_str("; Secure");
        }
        cookie
    }

    pub fn clear(&self, base: &str) -> String {
        self.set(base, "", Some(0), true)
    }
}

pub fn ctx() -> Result<AppContext, AppError> {
    use_context::<AppContext>().ok_or_else(|| AppError::Internal {
        request_id: request_id(),
    })
}

fn parts() -> Option<Parts> {
    use_context::<Parts>()
}

pub fn request_id() -> String {
    parts()
        .and_then(|p| p.extensions.get::<RequestId>().map(|id| id.0.clone()))
        .unwrap_or_default()
}

/// Where the request came from, for the activity history and limits.
pub fn origin() -> Origin {
    let parts = parts();
    let ip = parts
        .as_ref()
        .and_then(|p| p.extensions.get::<ClientIp>())
        .map(|ip| ip.0.to_string())
        .unwrap_or_default();
    let user_agent = parts
        .as_ref()
        .and_then(|p| p.headers.get(USER_AGENT))
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Origin { ip, user_agent }
}

/// The value of a request cookie by its base name.
pub fn cookie(base: &str) -> Option<String> {
    let name = ctx().ok()?.cookies.name(base);
    read_cookie(&parts()?.headers, &name)
}

pub fn read_cookie(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

pub fn set_cookie(value: String) {
    if let (Some(response), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(&value),
    ) {
        response.append_header(SET_COOKIE, value);
    }
}

/// The page language: the remembered choice, else the browser's preference.
pub fn request_locale() -> Locale {
    let Some(parts) = parts() else {
        return Locale::default();
    };
    let cookies = use_context::<AppContext>()
        .map(|c| c.cookies)
        .unwrap_or(CookiePolicy { secure: false });
    locale_of(&parts.headers, cookies)
}

/// The language a request asks for: the remembered choice, else the browser's preference.
pub fn locale_of(headers: &http::HeaderMap, cookies: CookiePolicy) -> Locale {
    read_cookie(headers, &cookies.name(LANG_COOKIE))
        .and_then(|tag| Locale::from_tag(&tag))
        .or_else(|| {
            let header = headers.get(ACCEPT_LANGUAGE)?.to_str().ok()?;
            Some(Locale::from_accept_language(header))
        })
        .unwrap_or_default()
}

/// The reader's time zone: the one the hydrated app reported in its cookie,
/// else a guess from the preferred language (a first visit, or scripts off).
pub fn request_zone() -> service::time_format::Tz {
    let accept_language = parts().and_then(|p| {
        p.headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    service::time_format::reader_zone(cookie(TZ_COOKIE).as_deref(), accept_language.as_deref())
}

/// The signed-in account of a request, looked up once: a page's parts each
/// ask for it, and each lookup is three queries (session, account, roles).
/// The server provides one per request.
#[derive(Clone, Default)]
pub struct RequestUser(Arc<tokio::sync::OnceCell<Option<CurrentUser>>>);

/// The signed-in account, if any.
pub async fn optional_user() -> Result<Option<CurrentUser>, AppError> {
    let lookup = || async {
        let Some(token) = cookie(SESSION_COOKIE) else {
            return Ok(None);
        };
        ctx()?
            .accounts
            .current_user(&token, &origin().ip)
            .await
            .map_err(into_app_error)
    };
    // Only a read shares the answer: a change may replace the session or
    // the roles after the first lookup.
    let reading = parts().is_some_and(|p| p.method == http::Method::GET);
    match use_context::<RequestUser>().filter(|_| reading) {
        Some(once) => once.0.get_or_try_init(lookup).await.cloned(),
        None => lookup().await,
    }
}

/// The one authorization path: the account the request acts on, if it
/// holds the permission and the signed-in password has not expired.
pub async fn require(permission: Permission) -> Result<CurrentUser, AppError> {
    authorize(permission, false).await
}

/// [`require`] for a request that is not a server function (the alerts'
/// event stream): run with the request's parts and the app's context in a
/// reactive owner of its own, as a server function is.
pub async fn require_for_request(
    parts: Parts,
    context: AppContext,
    permission: Permission,
) -> Result<CurrentUser, AppError> {
    let owner = Owner::new();
    owner
        .with(|| {
            leptos::reactive::computed::ScopedFuture::new(async move {
                provide_context(parts);
                provide_context(ResponseOptions::default());
                provide_context(context);
                require(permission).await
            })
        })
        .await
}

/// [`require`] for the one thing an expired password still allows: changing it.
pub async fn require_allowing_expired_password(
    permission: Permission,
) -> Result<CurrentUser, AppError> {
    authorize(permission, true).await
}

/// During a support view the request acts on the customer's account with
/// the view's permissions (reading only), whatever the staff member holds:
/// every change is refused here, before any server function acts.
async fn authorize(permission: Permission, allow_expired: bool) -> Result<CurrentUser, AppError> {
    let user = optional_user()
        .await?
        .ok_or_else(|| reject(AppError::Unauthenticated))?;
    if user.password_expired && !allow_expired {
        return Err(reject(AppError::PasswordExpired));
    }
    let viewing = user.view.is_some();
    if !user.acting().may(permission) {
        tracing::warn!(user_id = %user.id, ?permission, viewing, ip = %origin().ip, "access refused");
        return Err(reject(if viewing {
            AppError::ReadOnlyView
        } else {
            AppError::Forbidden
        }));
    }
    if let Ok(context) = ctx() {
        context.accounts.note_staff_use(&user, permission).await;
    }
    Ok(match user.view {
        Some(view) => view.customer,
        None => user,
    })
}

/// Notes the use of the staff permissions a console page's gate let the
/// reader in with (the page was read with `own.view`): see [`require`].
pub async fn note_gate_use(user: &CurrentUser, any_of: &[Permission]) {
    if let Ok(context) = ctx() {
        for permission in any_of.iter().filter(|p| user.may(**p)) {
            context.accounts.note_staff_use(user, *permission).await;
        }
    }
}

/// Ends the support view the signed-in staff session runs, if it runs one:
/// the customer's page in the console, to go back to.
pub async fn end_view(user: &CurrentUser) -> Result<Option<String>, AppError> {
    let ended = ctx()?
        .support
        .end_view(user)
        .await
        .map_err(into_app_error)?;
    Ok(ended.map(|customer| format!("/staff/customers/{}", customer.0)))
}

/// Maps a service failure to what the user may see, logging the full
/// failure first and setting the HTTP status.
pub fn into_app_error(error: ServiceError) -> AppError {
    let app_error = match error {
        ServiceError::Validation(issues) => AppError::Validation(
            issues
                .into_iter()
                .map(|i| FieldError {
                    field: i.field,
                    code: i.code,
                })
                .collect(),
        ),
        ServiceError::InvalidCredentials => AppError::InvalidCredentials,
        ServiceError::SignInPaused { lock_secs } => AppError::SignInPaused {
            minutes: (lock_secs + 59) / 60,
        },
        ServiceError::AccountDisabled => AppError::AccountDisabled,
        ServiceError::NotFound(_) => AppError::NotFound,
        ServiceError::Role(refusal) => role_refusal(refusal),
        ServiceError::Unauthenticated => AppError::Unauthenticated,
        ServiceError::ReauthRequired => AppError::ReauthRequired,
        ServiceError::TokenInvalid => AppError::TokenInvalid,
        ServiceError::RateLimited { retry_after_secs } => {
            AppError::RateLimited { retry_after_secs }
        }
        ServiceError::Storage(service::error::StoreError::Unavailable(detail)) => {
            tracing::error!(request_id = %request_id(), %detail, "database unavailable");
            AppError::Unavailable
        }
        other => {
            let request_id = request_id();
            tracing::error!(%request_id, error = %other, detail = ?other, "request failed");
            AppError::Internal { request_id }
        }
    };
    reject(app_error)
}

/// A refusal by the staff rules (a role change, or a console action): a
/// missing permission or an account the console may not act on is an access
/// refusal; the rest are answers about the role field, each with its own code.
fn role_refusal(refusal: domain::RoleError) -> AppError {
    tracing::warn!(%refusal, ip = %origin().ip, "refused by the staff rules");
    if let domain::RoleError::NotPermitted(_) | domain::RoleError::NotACustomer = refusal {
        return AppError::Forbidden;
    }
    AppError::Validation(vec![FieldError {
        field: "role".to_owned(),
        code: refusal.code().to_owned(),
    }])
}

/// Sets the HTTP status (and `Retry-After`) that goes with an error the
/// server function is about to return; without it every error is a 500.
pub fn reject(error: AppError) -> AppError {
    if let Some(response) = use_context::<ResponseOptions>() {
        response.set_status(status_of(&error));
        if let AppError::RateLimited { retry_after_secs } = &error {
            if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.insert_header(RETRY_AFTER, value);
            }
        }
    }
    error
}

pub fn status_of(error: &AppError) -> StatusCode {
    match error {
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden
        | AppError::ReadOnlyView
        | AppError::PasswordExpired
        | AppError::ReauthRequired
        | AppError::AccountDisabled => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::InvalidCredentials
        | AppError::SignInPaused { .. }
        | AppError::Validation(_)
        | AppError::TokenInvalid => StatusCode::BAD_REQUEST,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal { .. } | AppError::Transport => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The kinds an activity `kind` parameter asks for: one known kind, or
/// every kind (empty) when it is missing or unknown.
pub fn activity_filter(kind: Option<&str>) -> Vec<domain::ActivityKind> {
    kind.and_then(domain::ActivityKind::parse)
        .into_iter()
        .collect()
}

/// The token of the mail link this browser opened (moved out of the URL
/// into a cookie by the server), which a confirm button now uses up.
pub fn take_link_token() -> String {
    if let Ok(context) = ctx() {
        set_cookie(context.cookies.clear(LINK_COOKIE));
    }
    cookie(LINK_COOKIE).unwrap_or_default()
}

/// Ends a "this wasn't me" button: every session is gone, so this browser
/// is signed out too and goes straight to choosing a new password with the
/// reset token the service issued.
pub async fn finish_take_back(
    form: &str,
    result: Result<String, ServiceError>,
) -> Result<(), AppError> {
    let context = ctx()?;
    let result = result.map(|reset_token| {
        set_cookie(context.cookies.clear(SESSION_COOKIE));
        set_cookie(context.cookies.set(
            LINK_COOKIE,
            &reset_token,
            Some(context.accounts.policy().link_cookie_secs),
            true,
        ));
        "/recover/reset".to_owned()
    });
    finish_form(form, result, &[]).await
}

/// Hands the browser its new session and device cookies.
pub fn start_session(signed_in: &service::accounts::SignedIn) {
    let Ok(context) = ctx() else { return };
    let policy = context.accounts.policy();
    set_cookie(context.cookies.set(
        SESSION_COOKIE,
        &signed_in.session_token,
        Some(policy.session.absolute_secs),
        true,
    ));
    set_cookie(context.cookies.set(
        DEVICE_COOKIE,
        &signed_in.device_token,
        Some(policy.device_cookie_secs),
        true,
    ));
}

/// Hands the browser the new token of its session (after sudo mode began).
pub fn renew_session_cookie(session_token: &str) {
    let Ok(context) = ctx() else { return };
    set_cookie(context.cookies.set(
        SESSION_COOKIE,
        session_token,
        Some(context.accounts.policy().session.absolute_secs),
        true,
    ));
}

/// Remembers the first step of a sign-in that needs a second factor.
pub fn await_second_factor(pending_token: &str) {
    if let Ok(context) = ctx() {
        set_cookie(context.cookies.set(
            PENDING_COOKIE,
            pending_token,
            Some(SHORT_COOKIE_SECS),
            true,
        ));
    }
}

/// Keeps freshly made recovery codes for the page that shows them once.
pub async fn show_recovery_codes(
    user: &CurrentUser,
    codes: Result<Vec<String>, ServiceError>,
) -> Result<String, ServiceError> {
    let codes = codes?;
    let context = ctx().map_err(|_| ServiceError::Internal("no context".into()))?;
    let key = context.accounts.stash_recovery_codes(user, &codes).await?;
    set_cookie(context.cookies.set(
        CODES_COOKIE,
        &key,
        Some(service::mfa::RECOVERY_CODES_SHOWN_SECS),
        true,
    ));
    Ok("/account/recovery-codes".to_owned())
}

/// Answers a server function with a file to save rather than a page.
pub fn download(
    file_name: &str,
    content_type: &'static str,
    body: String,
) -> leptos::server_fn::codec::TextStream<AppError> {
    download_stream(file_name, content_type, futures_once(body))
}

/// A file to save, sent as its parts are made.
pub fn download_stream(
    file_name: &str,
    content_type: &'static str,
    body: impl futures::Stream<Item = Result<String, AppError>> + Send + 'static,
) -> leptos::server_fn::codec::TextStream<AppError> {
    if let Some(response) = use_context::<ResponseOptions>() {
        // A link opened by the browser would otherwise be redirected back
        // to the page it came from, as for a form post.
        response.set_status(StatusCode::OK);
        response.insert_header(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(content_type),
        );
        if let Ok(disposition) =
            HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
        {
            response.insert_header(http::header::CONTENT_DISPOSITION, disposition);
        }
    }
    leptos::server_fn::codec::TextStream::new(body)
}

fn futures_once(body: String) -> impl futures::Stream<Item = Result<String, AppError>> + Send {
    futures::stream::once(async move { Ok(body) })
}

/// True for a plain HTML form post (JavaScript off); the server-function
/// client asks for JSON instead.
pub fn is_plain_form_post() -> bool {
    parts()
        .and_then(|p| {
            p.headers
                .get(ACCEPT)?
                .to_str()
                .ok()
                .map(|accept| accept.contains("text/html"))
        })
        .unwrap_or(false)
}

/// The local path (and query) of the page that posted the form, from the
/// Referer our `Referrer-Policy: same-origin` keeps on same-site posts.
fn posting_page() -> Option<String> {
    referring_page(&parts()?.headers)
}

/// The local path (and query) in a request's Referer, if it is one of ours.
pub fn referring_page(headers: &http::HeaderMap) -> Option<String> {
    let referer = headers.get(REFERER)?.to_str().ok()?;
    let after_scheme = referer.split_once("://")?.1;
    let path = &after_scheme[after_scheme.find('/')?..];
    domain::safe_local_path(path).map(str::to_owned)
}

/// Sends the browser to re-authenticate and come back to the page whose
/// form needed it: a 303 for a plain form post, the redirect header the
/// hydrated app follows otherwise.
fn ask_to_reauthenticate(error: AppError) -> AppError {
    let back = posting_page().unwrap_or_else(|| "/account".to_owned());
    leptos_axum::redirect(&format!(
        "/login/reauth?next={}",
        crate::encode_query_value(&back)
    ));
    if is_plain_form_post() {
        if let Some(response) = use_context::<ResponseOptions>() {
            response.set_status(StatusCode::SEE_OTHER);
        }
    }
    error
}

/// Ends a form's server function. On success it redirects to `destination`.
/// On failure a script-driven form gets the error to show in place; a plain
/// form post is redirected back to its page with the error and what the user
/// typed (never a password) kept in a short-lived server-side flash, so
/// nothing lands in the URL.
pub async fn finish_form(
    form: &str,
    result: Result<String, ServiceError>,
    keep: &[(&str, &str)],
) -> Result<(), AppError> {
    match result {
        Ok(destination) => {
            leptos_axum::redirect(&destination);
            Ok(())
        }
        Err(error) => {
            let error = into_app_error(error);
            if error == AppError::ReauthRequired {
                return Err(ask_to_reauthenticate(error));
            }
            // Going too fast and outages get their own page (the server's
            // `readable_errors` layer), not a trip back to the form.
            let has_own_page =
                matches!(error, AppError::RateLimited { .. } | AppError::Unavailable);
            if is_plain_form_post() && !has_own_page {
                keep_form(FormFlash {
                    form: form.to_owned(),
                    values: keep
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect(),
                    error: Some(error.clone()),
                })
                .await?;
                leptos_axum::redirect(&posting_page().unwrap_or_else(|| "/".to_owned()));
            }
            Err(error)
        }
    }
}

/// Keeps a form's values (and error) in a short-lived server-side flash
/// that the next page this browser opens draws the form with.
pub async fn keep_form(flash: FormFlash) -> Result<(), AppError> {
    let context = ctx()?;
    let payload = serde_json::to_string(&flash).map_err(|_| AppError::Internal {
        request_id: request_id(),
    })?;
    let key = context
        .accounts
        .put_flash(&payload)
        .await
        .map_err(into_app_error)?;
    set_cookie(context.cookies.set(
        FLASH_COOKIE,
        &key,
        Some(context.accounts.policy().flash_secs),
        true,
    ));
    Ok(())
}
