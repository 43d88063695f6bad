use serde::{Deserialize, Serialize};

/// A rule a submitted field broke, by stable code (`password.too_short`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldIssue {
    pub field: String,
    pub code: String,
}

impl FieldIssue {
    pub fn new(field: &str, code: &str) -> Self {
        FieldIssue {
            field: field.to_owned(),
            code: code.to_owned(),
        }
    }
}

/// Why a use case did not happen. The messages name no secret and no
/// personal data; the web layer maps each variant to one user-facing error.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid input")]
    Validation(Vec<FieldIssue>),
    /// Unknown account and wrong password alike.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Sign-in is paused for the typed address (too many failures): said
    /// the same whether or not it has an account.
    #[error("sign-in paused")]
    SignInPaused { lock_secs: i64 },
    #[error("not signed in")]
    Unauthenticated,
    /// The change needs the owner to prove themselves again (sudo mode).
    #[error("re-authentication required")]
    ReauthRequired,
    /// Expired, used, malformed and unknown tokens alike.
    #[error("token invalid")]
    TokenInvalid,
    /// The account was disabled (by support or an offboarding): the right
    /// password is refused and its sessions are over.
    #[error("account disabled")]
    AccountDisabled,
    /// No account or record by that key; said only to staff and operators,
    /// never on a path a stranger can probe.
    #[error("not found: {0}")]
    NotFound(String),
    /// A change to roles the rules refuse, or a staff action the actor may not take.
    #[error(transparent)]
    Role(#[from] domain::RoleError),
    #[error("rate limited")]
    RateLimited { retry_after_secs: i64 },
    #[error("storage failed")]
    Storage(#[from] StoreError),
    #[error("internal failure: {0}")]
    Internal(String),
}

/// What a port implementation reports.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint on `field` refused the write.
    #[error("conflict on {field}")]
    Conflict { field: &'static str },
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Other(String),
}
