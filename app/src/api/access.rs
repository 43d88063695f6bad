//! Who may call each server function: declared here, once, for every
//! endpoint. A test holds the declaration to the registered server
//! functions (none missing, none stale), and the server's tests hold each
//! declared permission to what the endpoint does for every built-in role
//! and during a support view.

use domain::Permission;
use leptos::server_fn::ServerFn;

use super::*;

/// What a server function asks of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, on purpose: signing in and up, recovery, and the mailed
    /// links, which act on this browser's own cookies and tokens (never on
    /// an account the caller is signed in to), plus what every page reads.
    Public,
    /// Acts on the caller's own session only: signing out, ending a
    /// support view. A view's read-only rule does not stop it.
    OwnSession,
    /// Goes through `ssr::require` with this permission.
    Needs(Permission),
}

macro_rules! endpoints {
    ($($function:ty => $access:expr,)*) => {
        /// Every server function's path and what it asks of its caller.
        pub const ENDPOINTS: &[(&str, Access)] = &[$((<$function as ServerFn>::PATH, $access),)*];
    };
}

use Access::{Needs, OwnSession, Public};
use Permission::*;

endpoints! {
    CurrentUser => Public,
    TakeFormFlash => Public,
    GetPasswordPolicy => Public,
    DeletionGraceDays => Public,
    Register => Public,
    RegistrationSentTo => Public,
    ResendRegistrationMail => Public,
    ChangeRegistrationAddress => Public,
    SignIn => Public,
    SubmitSecondFactor => Public,
    PasskeyOffered => Public,
    PasskeySignInOptions => Public,
    PasskeySignIn => Public,
    RequestPasswordReset => Public,
    ResetFactors => Public,
    PasskeyResetOptions => Public,
    ResetPassword => Public,
    LinkState => Public,
    ConfirmEmail => Public,
    ConfirmEmailChange => Public,
    RestoreEmail => Public,
    ReportNotMe => Public,
    UnlockAccount => Public,
    SignOut => OwnSession,
    EndSupportView => OwnSession,
    Activity => Needs(OwnView),
    ListPasskeys => Needs(OwnView),
    ListSessions => Needs(OwnView),
    AccountOverview => Needs(OwnView),
    ReauthNeeds => Needs(OwnView),
    TwoFactor => Needs(OwnView),
    ConsoleAccess => Needs(OwnView),
    ResendVerification => Needs(OwnChange),
    PasskeyRegistrationOptions => Needs(OwnChange),
    AddPasskey => Needs(OwnChange),
    RenamePasskey => Needs(OwnChange),
    RemovePasskey => Needs(OwnChange),
    PasskeyReauthOptions => Needs(OwnChange),
    PasskeyReauth => Needs(OwnChange),
    RevokeSession => Needs(OwnChange),
    RevokeOtherSessions => Needs(OwnChange),
    ChangePassword => Needs(OwnChange),
    ChangeEmail => Needs(OwnChange),
    ChangeDisplayName => Needs(OwnChange),
    DeleteAccount => Needs(OwnChange),
    ExportData => Needs(OwnChange),
    ExportActivity => Needs(OwnChange),
    Reauthenticate => Needs(OwnChange),
    StartTwoFactor => Needs(OwnChange),
    ConfirmTwoFactor => Needs(OwnChange),
    RegenerateRecoveryCodes => Needs(OwnChange),
    RemoveTwoFactor => Needs(OwnChange),
    CancelTwoFactorSetup => Needs(OwnChange),
    StashedRecoveryCodes => Needs(OwnChange),
    SavedRecoveryCodes => Needs(OwnChange),
    FindCustomers => Needs(CustomerRead),
    CustomerFile => Needs(CustomerRead),
    StartSupportView => Needs(CustomerImpersonate),
    SupportUnlock => Needs(CustomerUnlock),
    SupportEndSessions => Needs(CustomerSessions),
    SupportDisable => Needs(CustomerDisable),
    SupportEnable => Needs(CustomerDisable),
    SupportRequirePasswordReset => Needs(CustomerForceReset),
    SupportRemoveSecondFactors => Needs(CustomerResetSecondFactor),
    SupportResendVerification => Needs(CustomerUnlock),
    SupportRespondToCompromise => Needs(CustomerForceReset),
    // The team and roles pages read with `own.view` and then show either
    // the page or why it is refused (staff.manage or role.assign; role.manage).
    LoadTeam => Needs(OwnView),
    LoadRoles => Needs(OwnView),
    // The alerts page reads with `own.view` and then shows the alerts or
    // why they are refused (alerts.read).
    LoadAlerts => Needs(OwnView),
    AcknowledgeAlert => Needs(AlertsRead),
    TakeInvitationLink => Needs(StaffManage),
    InviteMember => Needs(StaffManage),
    OffboardMember => Needs(StaffManage),
    GrantRole => Needs(RoleAssign),
    RevokeRole => Needs(RoleAssign),
    SaveRole => Needs(RoleManage),
    // The reviews page reads with `own.view` and then shows the reader's
    // training (any staff permission) and the campaigns (review.manage).
    LoadReviews => Needs(OwnView),
    OpenReviewCampaign => Needs(ReviewManage),
    DecideReviewItem => Needs(ReviewManage),
    CloseReviewCampaign => Needs(ReviewManage),
    ExportReviewReport => Needs(ReviewManage),
    // One's own training; the service refuses an account holding no role.
    RecordTraining => Needs(OwnChange),
    AuditLog => Needs(AuditRead),
    ExportAuditCsv => Needs(AuditRead),
    ExportAuditJsonl => Needs(AuditRead),
}

/// What the server function at `path` asks of its caller.
pub fn access_of(path: &str) -> Option<Access> {
    ENDPOINTS
        .iter()
        .find(|(declared, _)| *declared == path)
        .map(|(_, access)| *access)
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_server_function_declares_who_may_call_it() {
        let registered: BTreeSet<&str> = leptos::server_fn::axum::server_fn_paths()
            .map(|(path, _)| path)
            .collect();
        let declared: BTreeSet<&str> = ENDPOINTS.iter().map(|(path, _)| *path).collect();
        assert_eq!(declared.len(), ENDPOINTS.len(), "a path declared twice");
        let undeclared: Vec<_> = registered.difference(&declared).collect();
        assert!(
            undeclared.is_empty(),
            "declare these in api::access::ENDPOINTS: {undeclared:?}"
        );
        let stale: Vec<_> = declared.difference(&registered).collect();
        assert!(
            stale.is_empty(),
            "no server function has these paths: {stale:?}"
        );
    }
}
