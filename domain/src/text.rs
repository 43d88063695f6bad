//! Shared checks for untrusted text.

/// True when the text holds a control character (CR, LF, NUL, escape …).
/// Such characters enable header and log injection and are never legitimate in
/// the single-line fields Latchkey accepts.
pub fn has_control_chars(text: &str) -> bool {
    text.chars().any(char::is_control)
}

/// True when the text holds an invisible formatting character: the
/// bidirectional overrides and isolates that make "evil.com/moc.knab" read
/// as something else, zero-width spaces, line and paragraph separators, and
/// the other characters of Unicode's "format" category. The zero-width
/// joiner and non-joiner stay allowed: Indic and Persian names and emoji
/// sequences need them.
pub fn has_format_chars(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(
            c,
            '\u{00AD}'
                | '\u{0600}'..='\u{0605}'
                | '\u{061C}'
                | '\u{06DD}'
                | '\u{070F}'
                | '\u{08E2}'
                | '\u{180E}'
                | '\u{200B}'
                | '\u{200E}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{110BD}'
                | '\u{110CD}'
                | '\u{13430}'..='\u{1343F}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0001}'
                | '\u{E0020}'..='\u{E007F}'
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_line_breaks_and_nul() {
        assert!(has_control_chars("a\r\nBcc: x"));
        assert!(has_control_chars("a\0"));
        assert!(!has_control_chars("李 <b>&\"'"));
    }

    #[test]
    fn finds_bidi_overrides_and_invisible_characters() {
        assert!(has_format_chars("Support\u{202E}moc.evil"));
        assert!(has_format_chars("a\u{2066}b\u{2069}"));
        assert!(has_format_chars("zero\u{200B}width"));
        assert!(has_format_chars("line\u{2028}break"));
        assert!(!has_format_chars("李小龙 Ada <b>"));
        // Joiners belong to names and emoji.
        assert!(!has_format_chars("می\u{200C}خواهم 👩\u{200D}💻"));
    }
}
