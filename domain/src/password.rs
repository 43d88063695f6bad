use serde::{Deserialize, Serialize};

/// The structural password rules. The dictionary check (common and guessable
/// passwords) runs on the server only: its word lists must not ship to the
/// browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub min_chars: usize,
    pub max_chars: usize,
    pub require_upper: bool,
    pub require_lower: bool,
    pub require_digit: bool,
    pub require_special: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_chars: 12,
            max_chars: 128,
            require_upper: true,
            require_lower: true,
            require_digit: true,
            require_special: true,
        }
    }
}

/// One failed rule, with a stable code the UI translates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyIssue {
    TooShort,
    TooLong,
    NeedsUpper,
    NeedsLower,
    NeedsDigit,
    NeedsSpecial,
    ContainsEmail,
    ContainsName,
    TooCommon,
}

impl PolicyIssue {
    /// Every rule a password can break.
    pub const ALL: [PolicyIssue; 9] = [
        PolicyIssue::TooShort,
        PolicyIssue::TooLong,
        PolicyIssue::NeedsUpper,
        PolicyIssue::NeedsLower,
        PolicyIssue::NeedsDigit,
        PolicyIssue::NeedsSpecial,
        PolicyIssue::ContainsEmail,
        PolicyIssue::ContainsName,
        PolicyIssue::TooCommon,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PolicyIssue::TooShort => "password.too_short",
            PolicyIssue::TooLong => "password.too_long",
            PolicyIssue::NeedsUpper => "password.needs_upper",
            PolicyIssue::NeedsLower => "password.needs_lower",
            PolicyIssue::NeedsDigit => "password.needs_digit",
            PolicyIssue::NeedsSpecial => "password.needs_special",
            PolicyIssue::ContainsEmail => "password.contains_email",
            PolicyIssue::ContainsName => "password.contains_name",
            PolicyIssue::TooCommon => "password.too_common",
        }
    }
}

/// Parts of a name or address shorter than this are too common to forbid
/// ("li", "jo") without refusing many good passwords.
const MIN_PERSONAL_FRAGMENT: usize = 3;

/// The Unicode facts the rules ask about a password. The server answers
/// from Rust's tables (`RustLetters`); the browser's live check asks its own
/// JavaScript engine, so the WASM need not carry a second copy of the tables.
pub trait Letters {
    fn is_upper(&self, c: char) -> bool;
    fn is_lower(&self, c: char) -> bool;
    fn is_letter_or_digit(&self, c: char) -> bool;
    fn lowercase(&self, text: &str) -> String;
}

/// Rust's own Unicode tables.
pub struct RustLetters;

impl Letters for RustLetters {
    fn is_upper(&self, c: char) -> bool {
        c.is_uppercase()
    }

    fn is_lower(&self, c: char) -> bool {
        c.is_lowercase()
    }

    fn is_letter_or_digit(&self, c: char) -> bool {
        c.is_alphanumeric()
    }

    fn lowercase(&self, text: &str) -> String {
        text.to_lowercase()
    }
}

impl PasswordPolicy {
    /// Every structural rule the password breaks, in a stable order.
    /// `email_local` and `name` are what the password must not contain.
    pub fn check(&self, password: &str, email_local: &str, name: &str) -> Vec<PolicyIssue> {
        self.check_with(&RustLetters, password, email_local, name)
    }

    /// `check`, asking `letters` what a character is.
    pub fn check_with(
        &self,
        letters: &impl Letters,
        password: &str,
        email_local: &str,
        name: &str,
    ) -> Vec<PolicyIssue> {
        let mut issues = Vec::new();
        let chars = password.chars().count();
        if chars < self.min_chars {
            issues.push(PolicyIssue::TooShort);
        }
        if chars > self.max_chars {
            issues.push(PolicyIssue::TooLong);
        }
        if self.require_upper && !password.chars().any(|c| letters.is_upper(c)) {
            issues.push(PolicyIssue::NeedsUpper);
        }
        if self.require_lower && !password.chars().any(|c| letters.is_lower(c)) {
            issues.push(PolicyIssue::NeedsLower);
        }
        if self.require_digit && !password.chars().any(|c| c.is_ascii_digit()) {
            issues.push(PolicyIssue::NeedsDigit);
        }
        if self.require_special
            && !password
                .chars()
                .any(|c| !letters.is_letter_or_digit(c) && !c.is_whitespace())
        {
            issues.push(PolicyIssue::NeedsSpecial);
        }
        let lowered = letters.lowercase(password);
        let contains = |fragment: &str| {
            let fragment = letters.lowercase(fragment.trim());
            fragment.chars().count() >= MIN_PERSONAL_FRAGMENT && lowered.contains(&fragment)
        };
        if contains(email_local) {
            issues.push(PolicyIssue::ContainsEmail);
        }
        if name.split_whitespace().any(contains) {
            issues.push(PolicyIssue::ContainsName);
        }
        issues
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PolicyIssue::*;

    fn check(password: &str) -> Vec<PolicyIssue> {
        PasswordPolicy::default().check(password, "ada", "Ada Lovelace")
    }

    #[test]
    fn accepts_a_strong_password() {
        assert!(check("Correct-Horse-42-Battery").is_empty());
    }

    #[test]
    fn reports_every_broken_rule() {
        assert_eq!(
            check("short"),
            vec![TooShort, NeedsUpper, NeedsDigit, NeedsSpecial]
        );
        assert_eq!(check("ALLUPPERCASE123!"), vec![NeedsLower]);
    }

    #[test]
    fn counts_characters_not_bytes() {
        // Twelve Chinese characters are twelve characters, not 36 bytes.
        let issues = check("密码密码密码密码密码A1!");
        assert!(!issues.contains(&TooShort));
        assert!(check("密码A1!").contains(&TooShort));
    }

    #[test]
    fn allows_64_and_refuses_over_128_characters_without_truncating() {
        let long_ok = format!("Aa1!{}", "x".repeat(60));
        assert!(check(&long_ok).is_empty());
        let too_long = format!("Aa1!{}", "x".repeat(125));
        assert_eq!(check(&too_long), vec![TooLong]);
    }

    #[test]
    fn refuses_personal_information_case_insensitively() {
        assert!(check("MyADAsecret-2024").contains(&ContainsEmail));
        assert!(check("Lovelace-rocks-99").contains(&ContainsName));
    }

    #[test]
    fn ignores_very_short_name_parts() {
        let policy = PasswordPolicy::default();
        assert!(policy.check("Li-went-home-42", "zz", "Li Wei").is_empty());
    }

    /// Letters as a browser without Unicode case data would judge them:
    /// only ASCII has case.
    struct AsciiLetters;

    impl Letters for AsciiLetters {
        fn is_upper(&self, c: char) -> bool {
            c.is_ascii_uppercase()
        }

        fn is_lower(&self, c: char) -> bool {
            c.is_ascii_lowercase()
        }

        fn is_letter_or_digit(&self, c: char) -> bool {
            c.is_ascii_alphanumeric()
        }

        fn lowercase(&self, text: &str) -> String {
            text.to_ascii_lowercase()
        }
    }

    #[test]
    fn the_rules_ask_the_letters_they_are_given() {
        let policy = PasswordPolicy::default();
        let password = "Ωmega-été-2024";
        assert!(policy.check(password, "zz", "Zoë").is_empty());
        assert_eq!(
            policy.check_with(&AsciiLetters, password, "zz", "Zoë"),
            vec![NeedsUpper]
        );
        // Case folding of the name comes from the letters too.
        assert_eq!(
            policy.check("ÉLAN-vital-2024", "zz", "élan"),
            vec![ContainsName]
        );
        assert!(policy
            .check_with(&AsciiLetters, "ÉLAN-vital-2024", "zz", "élan")
            .is_empty());
    }

    #[test]
    fn each_composition_rule_can_be_turned_off() {
        let relaxed = PasswordPolicy {
            require_upper: false,
            require_lower: false,
            require_digit: false,
            require_special: false,
            ..PasswordPolicy::default()
        };
        assert!(relaxed
            .check("long passphrase only", "ada", "Ada")
            .is_empty());
    }
}
