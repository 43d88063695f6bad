use serde::{Deserialize, Serialize};

/// What happened to an account, as recorded in its activity history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ActivityKind {
    Registered,
    EmailVerified,
    VerificationResent,
    SignedIn,
    SignInFailed,
    SignedOut,
    PasswordResetRequested,
    PasswordReset,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 8] = [
        ActivityKind::Registered,
        ActivityKind::EmailVerified,
        ActivityKind::VerificationResent,
        ActivityKind::SignedIn,
        ActivityKind::SignInFailed,
        ActivityKind::SignedOut,
        ActivityKind::PasswordResetRequested,
        ActivityKind::PasswordReset,
    ];

    /// The stable name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Registered => "registered",
            ActivityKind::EmailVerified => "email_verified",
            ActivityKind::VerificationResent => "verification_resent",
            ActivityKind::SignedIn => "signed_in",
            ActivityKind::SignInFailed => "sign_in_failed",
            ActivityKind::SignedOut => "signed_out",
            ActivityKind::PasswordResetRequested => "password_reset_requested",
            ActivityKind::PasswordReset => "password_reset",
        }
    }

    pub fn parse(name: &str) -> Option<ActivityKind> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_round_trip_and_are_unique() {
        for kind in ActivityKind::ALL {
            assert_eq!(ActivityKind::parse(kind.as_str()), Some(kind));
        }
        let mut names: Vec<_> = ActivityKind::ALL.iter().map(|k| k.as_str()).collect();
        names.dedup();
        assert_eq!(names.len(), ActivityKind::ALL.len());
    }
}
