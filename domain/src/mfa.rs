//! What a customer types at the second step of signing in: a code from an
//! authenticator app, or one of the recovery codes. One field takes both.

/// A second-factor entry, told apart by its shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactorInput {
    /// Six digits from the app.
    Totp(String),
    /// A recovery code, normalised: lower case, without spaces or dashes.
    Recovery(String),
}

/// Characters of recovery codes: no 0/o, 1/l/i, so reading them back is easy.
pub const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
/// Characters per recovery code (two groups of five).
pub const RECOVERY_CODE_LEN: usize = 10;

impl SecondFactorInput {
    /// Reads what was typed; spaces and dashes are ignored, so codes can be
    /// pasted as shown ("123 456", "abcde-fghjk"). `None` for anything else.
    pub fn parse(typed: &str) -> Option<SecondFactorInput> {
        let compact: String = typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_lowercase();
        if compact.len() == 6 && compact.bytes().all(|b| b.is_ascii_digit()) {
            return Some(SecondFactorInput::Totp(compact));
        }
        if compact.len() == RECOVERY_CODE_LEN
            && compact.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))
        {
            return Some(SecondFactorInput::Recovery(compact));
        }
        None
    }
}

/// A recovery code as shown to the customer: `abcde-fghjk`.
pub fn format_recovery_code(code: &str) -> String {
    let (first, second) = code.split_at(code.len() / 2);
    format!("{first}-{second}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_codes_and_recovery_codes_share_one_field() {
        assert_eq!(
            SecondFactorInput::parse(" 123 456 "),
            Some(SecondFactorInput::Totp("123456".into()))
        );
        assert_eq!(
            SecondFactorInput::parse("ABCDE-FGHJK"),
            Some(SecondFactorInput::Recovery("abcdefghjk".into()))
        );
        assert_eq!(SecondFactorInput::parse("12345"), None);
        assert_eq!(
            SecondFactorInput::parse("abcde-fghj0"),
            None,
            "0 is not in the alphabet"
        );
        assert_eq!(SecondFactorInput::parse(""), None);
    }

    #[test]
    fn recovery_codes_are_shown_in_two_groups() {
        assert_eq!(format_recovery_code("abcdefghjk"), "abcde-fghjk");
    }
}
