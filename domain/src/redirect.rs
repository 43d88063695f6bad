/// Returns the path when it is safe to redirect to after sign-in: a local,
/// absolute path on this site. Anything that a browser could read as another
/// origin (`//evil`, `/\evil`, `https://…`) or that carries control
/// characters is refused.
pub fn safe_local_path(candidate: &str) -> Option<&str> {
    let is_local = candidate.starts_with('/')
        && !candidate.starts_with("//")
        && !candidate.starts_with("/\\")
        && !candidate.contains('\\')
        && !candidate
            .chars()
            .any(|c| c.is_control() || c.is_whitespace())
        && candidate.len() <= 512;
    is_local.then_some(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_local_paths() {
        assert_eq!(
            safe_local_path("/account/activity?page=2"),
            Some("/account/activity?page=2")
        );
    }

    #[test]
    fn refuses_other_origins() {
        for bad in [
            "https://evil.test",
            "//evil.test",
            "/\\evil.test",
            "evil",
            "",
            "/a\r\nb",
            "javascript:alert(1)",
            "/%09/x\t",
        ] {
            assert_eq!(safe_local_path(bad), None, "{bad:?}");
        }
    }
}
