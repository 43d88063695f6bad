use serde::{Deserialize, Serialize};

use crate::text::{has_control_chars, has_format_chars};

pub const MAX_REASON_CHARS: usize = 500;

/// Why a staff member or an operator acts on an account. Free text that
/// reaches the record, the customer's history and its CSV export, so it is
/// one line of visible characters: no line breaks, control characters or
/// invisible reordering (bidi) characters that could disguise it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReasonError {
    #[error("a reason is required")]
    Required,
    #[error("the reason is longer than {MAX_REASON_CHARS} characters")]
    TooLong,
    #[error("the reason may not hold line breaks, control or invisible formatting characters")]
    Invalid,
}

impl ReasonError {
    pub fn code(self) -> &'static str {
        match self {
            ReasonError::Required => "reason.required",
            ReasonError::TooLong => "reason.too_long",
            ReasonError::Invalid => "reason.invalid",
        }
    }
}

impl Reason {
    pub fn parse(input: &str) -> Result<Self, ReasonError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(ReasonError::Required);
        }
        if trimmed.chars().count() > MAX_REASON_CHARS {
            return Err(ReasonError::TooLong);
        }
        if has_control_chars(trimmed) || has_format_chars(trimmed) {
            return Err(ReasonError::Invalid);
        }
        Ok(Reason(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_text_trimmed() {
        let reason = Reason::parse("  Ticket #4521: <b>locked out</b> 李 ").unwrap();
        assert_eq!(reason.as_str(), "Ticket #4521: <b>locked out</b> 李");
    }

    #[test]
    fn refuses_empty_long_and_disguised_text() {
        assert_eq!(Reason::parse(" \t "), Err(ReasonError::Required));
        assert_eq!(Reason::parse(&"a".repeat(501)), Err(ReasonError::TooLong));
        assert!(Reason::parse(&"李".repeat(500)).is_ok());
        assert_eq!(Reason::parse("ok\nfake line"), Err(ReasonError::Invalid));
        assert_eq!(
            Reason::parse("ticket\u{202E}4521"),
            Err(ReasonError::Invalid)
        );
        assert_eq!(
            Reason::parse("zero\u{200B}width"),
            Err(ReasonError::Invalid)
        );
    }
}
