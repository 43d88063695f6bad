//! The one error type server functions return, on both targets.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A rule one submitted field broke, by stable code (`password.too_short`);
/// the UI translates the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub code: String,
}

/// Everything a page may be told went wrong. Carries no secret and no
/// personal data: without JavaScript it may travel through a redirect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("sign-in required")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    /// A change asked for while staff view a customer's portal.
    #[error("support view is read-only")]
    ReadOnlyView,
    /// A sensitive change needs the owner to prove themselves again.
    #[error("re-authentication required")]
    ReauthRequired,
    /// The password is past its maximum age: change it before anything else.
    #[error("password expired")]
    PasswordExpired,
    #[error("not found")]
    NotFound,
    /// Unknown account and wrong password alike.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Too many failures for the typed address: sign-in waits this many
    /// minutes (the same answer whether or not it has an account).
    #[error("sign-in paused")]
    SignInPaused { minutes: i64 },
    /// The password was right, but the account is disabled.
    #[error("account disabled")]
    AccountDisabled,
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    /// Expired, used, malformed and unknown links alike.
    #[error("link invalid")]
    TokenInvalid,
    #[error("too many attempts")]
    RateLimited { retry_after_secs: i64 },
    #[error("service unavailable")]
    Unavailable,
    /// An unexpected failure; the id finds the details in the server log.
    #[error("internal error {request_id}")]
    Internal { request_id: String },
    /// The request could not reach the server or its answer was unreadable.
    #[error("transport failure")]
    Transport,
}

impl AppError {
    /// The stable code of a page-level (not per-field) error.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "error.unauthenticated",
            AppError::Forbidden => "error.forbidden",
            AppError::ReadOnlyView => "error.read_only_view",
            AppError::PasswordExpired => "error.password_expired",
            AppError::ReauthRequired => "error.reauth_required",
            AppError::NotFound => "error.not_found",
            AppError::InvalidCredentials => "error.invalid_credentials",
            AppError::SignInPaused { .. } => "error.sign_in_paused",
            AppError::AccountDisabled => "error.account_disabled",
            AppError::Validation(_) => "error.validation",
            AppError::TokenInvalid => "error.token_invalid",
            AppError::RateLimited { .. } => "error.rate_limited",
            AppError::Unavailable => "error.unavailable",
            AppError::Internal { .. } => "error.internal",
            AppError::Transport => "error.transport",
        }
    }

    /// The codes of the rules `field` broke.
    pub fn field_codes(&self, field: &str) -> Vec<String> {
        match self {
            AppError::Validation(fields) => fields
                .iter()
                .filter(|f| f.field == field)
                .map(|f| f.code.clone())
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The header a form island sends to have a refusal answered as a
/// [`ShownError`] instead of the bare [`AppError`].
pub const SHOWN_ERRORS_HEADER: &str = "x-latchkey-shown-errors";

/// What of a refusal changes how a form is drawn, besides its texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// Offer the way to re-authenticate.
    ReauthRequired,
    /// The link the form came from is dead: offer a new one.
    TokenInvalid,
    /// Nothing the form draws differently: the summary and field messages say it all.
    Other,
}

/// An error as a form shows it, already in the page's language: the server
/// translates, so an island needs no table of texts to show any error. It
/// carries only what an island decides on, not the whole [`AppError`]:
/// every form island deserializes it, and the enum's decoder is bytes that
/// every first visit downloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownError {
    pub refusal: Refusal,
    /// The request id of an internal error, for the user to quote.
    pub reference: Option<String>,
    /// The page-level message.
    pub summary: String,
    /// Each broken rule, as (field, message).
    pub fields: Vec<(String, String)>,
}

impl ShownError {
    pub fn new(error: AppError, locale: domain::Locale) -> ShownError {
        let text = |code: &str| crate::i18n::code_text(code).text(locale).to_owned();
        let fields = match &error {
            AppError::Validation(fields) => fields
                .iter()
                .map(|f| (f.field.clone(), text(&f.code)))
                .collect(),
            _ => Vec::new(),
        };
        let summary = match &error {
            AppError::SignInPaused { minutes } => {
                text(error.code()).replace("{minutes}", &minutes.to_string())
            }
            AppError::RateLimited { retry_after_secs } => text(error.code())
                .replace("{wait}", &crate::i18n::wait_text(*retry_after_secs, locale)),
            _ => text(error.code()),
        };
        let (refusal, reference) = match error {
            AppError::ReauthRequired => (Refusal::ReauthRequired, None),
            AppError::TokenInvalid => (Refusal::TokenInvalid, None),
            AppError::Internal { request_id } => (Refusal::Other, Some(request_id)),
            _ => (Refusal::Other, None),
        };
        ShownError {
            refusal,
            reference,
            summary,
            fields,
        }
    }

    /// The messages of the rules `field` broke.
    pub fn field_texts(&self, field: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(name, _)| name == field)
            .map(|(_, text)| text.clone())
            .collect()
    }

    /// The same error without the rules of one field (once the user has
    /// changed that field, its old verdict no longer applies).
    pub fn without_field(self, field: &str) -> ShownError {
        ShownError {
            fields: self
                .fields
                .into_iter()
                .filter(|(name, _)| name != field)
                .collect(),
            ..self
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let error = match value {
            // On the server these describe the incoming request: bad input, never a crash.
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::Deserialization(_)
            | ServerFnErrorErr::Request(_)
                if cfg!(feature = "ssr") =>
            {
                AppError::Validation(Vec::new())
            }
            // In the browser they mean the answer could not be had or read.
            ServerFnErrorErr::Request(_)
            | ServerFnErrorErr::Response(_)
            | ServerFnErrorErr::Deserialization(_) => AppError::Transport,
            _ => AppError::Internal {
                request_id: String::new(),
            },
        };
        // On the server this runs while answering the request, so the
        // status can follow the error instead of defaulting to 500.
        #[cfg(feature = "ssr")]
        let error = crate::ssr::reject(error);
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_island_gets_what_it_decides_on() {
        let shown = |error| ShownError::new(error, domain::Locale::En);
        assert_eq!(
            shown(AppError::ReauthRequired).refusal,
            Refusal::ReauthRequired
        );
        assert_eq!(shown(AppError::TokenInvalid).refusal, Refusal::TokenInvalid);
        let internal = shown(AppError::Internal {
            request_id: "req-7".to_owned(),
        });
        assert_eq!(internal.refusal, Refusal::Other);
        assert_eq!(internal.reference.as_deref(), Some("req-7"));
        assert_eq!(shown(AppError::InvalidCredentials).reference, None);
    }

    #[test]
    fn the_pause_names_its_minutes_in_both_languages() {
        for locale in [domain::Locale::En, domain::Locale::ZhCn] {
            let shown = ShownError::new(AppError::SignInPaused { minutes: 20 }, locale);
            assert!(
                shown.summary.contains("20") && !shown.summary.contains('{'),
                "{}",
                shown.summary
            );
        }
    }
}
