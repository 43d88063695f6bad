use serde::{Deserialize, Serialize};

/// What happened to an account, as recorded in its activity history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ActivityKind {
    Registered,
    EmailVerified,
    VerificationResent,
    SignedIn,
    SignedInNewDevice,
    SignInFailed,
    SignInRefusedLocked,
    AccountLocked,
    AccountUnlocked,
    SignedOut,
    SessionRevoked,
    OtherSessionsRevoked,
    ReportedNotMe,
    PasswordResetRequested,
    PasswordReset,
    PasswordChanged,
    EmailChangeRequested,
    EmailChanged,
    EmailRestored,
    DisplayNameChanged,
    DataExported,
    DeletionRequested,
    DeletionCancelled,
    TotpEnabled,
    TotpRemoved,
    RecoveryCodesRegenerated,
    RecoveryCodeUsed,
    SecondFactorFailed,
    SecondFactorReplayed,
    Reauthenticated,
    PasskeyAdded,
    PasskeyRenamed,
    PasskeyRemoved,
    PasskeyUsed,
    PasskeyRefused,
    /// Staff actions from the console; the row carries the staff member's
    /// name and the reason.
    SupportUnlocked,
    SupportEndedSessions,
    SupportDisabled,
    SupportEnabled,
    SupportRequiredPasswordReset,
    SupportRemovedSecondFactors,
    /// A staff member viewed the portal as the customer sees it (read-only);
    /// the row carries their name, the reason and the view's id, by which
    /// the history finds when the view ended.
    SupportViewed,
    SupportResentVerification,
    /// Staff answered a suspected compromise: every session ended, every
    /// browser forgotten, a password reset required, the owner mailed.
    SupportRespondedToCompromise,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 44] = [
        ActivityKind::Registered,
        ActivityKind::EmailVerified,
        ActivityKind::VerificationResent,
        ActivityKind::SignedIn,
        ActivityKind::SignedInNewDevice,
        ActivityKind::SignInFailed,
        ActivityKind::SignInRefusedLocked,
        ActivityKind::AccountLocked,
        ActivityKind::AccountUnlocked,
        ActivityKind::SignedOut,
        ActivityKind::SessionRevoked,
        ActivityKind::OtherSessionsRevoked,
        ActivityKind::ReportedNotMe,
        ActivityKind::PasswordResetRequested,
        ActivityKind::PasswordReset,
        ActivityKind::PasswordChanged,
        ActivityKind::EmailChangeRequested,
        ActivityKind::EmailChanged,
        ActivityKind::EmailRestored,
        ActivityKind::DisplayNameChanged,
        ActivityKind::DataExported,
        ActivityKind::DeletionRequested,
        ActivityKind::DeletionCancelled,
        ActivityKind::TotpEnabled,
        ActivityKind::TotpRemoved,
        ActivityKind::RecoveryCodesRegenerated,
        ActivityKind::RecoveryCodeUsed,
        ActivityKind::SecondFactorFailed,
        ActivityKind::SecondFactorReplayed,
        ActivityKind::Reauthenticated,
        ActivityKind::PasskeyAdded,
        ActivityKind::PasskeyRenamed,
        ActivityKind::PasskeyRemoved,
        ActivityKind::PasskeyUsed,
        ActivityKind::PasskeyRefused,
        ActivityKind::SupportUnlocked,
        ActivityKind::SupportEndedSessions,
        ActivityKind::SupportDisabled,
        ActivityKind::SupportEnabled,
        ActivityKind::SupportRequiredPasswordReset,
        ActivityKind::SupportRemovedSecondFactors,
        ActivityKind::SupportViewed,
        ActivityKind::SupportResentVerification,
        ActivityKind::SupportRespondedToCompromise,
    ];

    /// The stable name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Registered => "registered",
            ActivityKind::EmailVerified => "email_verified",
            ActivityKind::VerificationResent => "verification_resent",
            ActivityKind::SignedIn => "signed_in",
            ActivityKind::SignedInNewDevice => "signed_in_new_device",
            ActivityKind::SignInFailed => "sign_in_failed",
            ActivityKind::SignInRefusedLocked => "sign_in_refused_locked",
            ActivityKind::AccountLocked => "account_locked",
            ActivityKind::AccountUnlocked => "account_unlocked",
            ActivityKind::SignedOut => "signed_out",
            ActivityKind::SessionRevoked => "session_revoked",
            ActivityKind::OtherSessionsRevoked => "other_sessions_revoked",
            ActivityKind::ReportedNotMe => "reported_not_me",
            ActivityKind::PasswordResetRequested => "password_reset_requested",
            ActivityKind::PasswordReset => "password_reset",
            ActivityKind::PasswordChanged => "password_changed",
            ActivityKind::EmailChangeRequested => "email_change_requested",
            ActivityKind::EmailChanged => "email_changed",
            ActivityKind::EmailRestored => "email_restored",
            ActivityKind::DisplayNameChanged => "display_name_changed",
            ActivityKind::DataExported => "data_exported",
            ActivityKind::DeletionRequested => "deletion_requested",
            ActivityKind::DeletionCancelled => "deletion_cancelled",
            ActivityKind::TotpEnabled => "totp_enabled",
            ActivityKind::TotpRemoved => "totp_removed",
            ActivityKind::RecoveryCodesRegenerated => "recovery_codes_regenerated",
            ActivityKind::RecoveryCodeUsed => "recovery_code_used",
            ActivityKind::SecondFactorFailed => "second_factor_failed",
            ActivityKind::SecondFactorReplayed => "second_factor_replayed",
            ActivityKind::Reauthenticated => "reauthenticated",
            ActivityKind::PasskeyAdded => "passkey_added",
            ActivityKind::PasskeyRenamed => "passkey_renamed",
            ActivityKind::PasskeyRemoved => "passkey_removed",
            ActivityKind::PasskeyUsed => "passkey_used",
            ActivityKind::PasskeyRefused => "passkey_refused",
            ActivityKind::SupportUnlocked => "support_unlocked",
            ActivityKind::SupportEndedSessions => "support_ended_sessions",
            ActivityKind::SupportDisabled => "support_disabled",
            ActivityKind::SupportEnabled => "support_enabled",
            ActivityKind::SupportRequiredPasswordReset => "support_required_password_reset",
            ActivityKind::SupportRemovedSecondFactors => "support_removed_second_factors",
            ActivityKind::SupportViewed => "support_viewed",
            ActivityKind::SupportResentVerification => "support_resent_verification",
            ActivityKind::SupportRespondedToCompromise => "support_responded_to_compromise",
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
