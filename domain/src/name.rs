use serde::{Deserialize, Serialize};

use crate::text::{has_control_chars, has_format_chars};

pub const MAX_NAME_CHARS: usize = 100;

/// What the account holder wants to be called. Any printable text is allowed,
/// markup characters included: it is stored as typed and always shown escaped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayName(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("name.required")]
    Required,
    #[error("name.too_long")]
    TooLong,
    #[error("name.invalid")]
    Invalid,
}

impl NameError {
    pub fn code(self) -> &'static str {
        match self {
            NameError::Required => "name.required",
            NameError::TooLong => "name.too_long",
            NameError::Invalid => "name.invalid",
        }
    }
}

impl DisplayName {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(NameError::Required);
        }
        if trimmed.chars().count() > MAX_NAME_CHARS {
            return Err(NameError::TooLong);
        }
        if has_control_chars(trimmed) || has_format_chars(trimmed) {
            return Err(NameError::Invalid);
        }
        Ok(DisplayName(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_markup_characters_as_typed() {
        let name = DisplayName::parse(" <b>Ada & \"Bob\"</b> ").unwrap();
        assert_eq!(name.as_str(), "<b>Ada & \"Bob\"</b>");
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert!(DisplayName::parse(&"李".repeat(100)).is_ok());
        assert_eq!(
            DisplayName::parse(&"李".repeat(101)),
            Err(NameError::TooLong)
        );
    }

    #[test]
    fn refuses_empty_and_control_characters() {
        assert_eq!(DisplayName::parse("  "), Err(NameError::Required));
        assert_eq!(DisplayName::parse("Ada\nBcc"), Err(NameError::Invalid));
    }
}
