//! Shared checks for untrusted text.

/// True when the text holds a control character (CR, LF, NUL, escape …).
/// Such characters enable header and log injection and are never legitimate in
/// the single-line fields Latchkey accepts.
pub fn has_control_chars(text: &str) -> bool {
    text.chars().any(char::is_control)
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
}
