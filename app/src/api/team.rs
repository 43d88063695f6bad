//! The staff team and the roles, from the console: who holds which role,
//! inviting, granting, revoking and offboarding, and the custom roles; and
//! resending a customer's verification link. Each server function checks
//! its permission with `ssr::require`; `service::staff` and
//! `service::support` check again, with the rules (no self-change, nothing
//! beyond one's own permissions, nothing before a second factor).

use domain::Permission;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::StaffAccess;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr;

/// A console page's data, or why the reader may not see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Gated<T> {
    Granted(T),
    /// Holds a role, but roles grant nothing before a second factor.
    NeedsSecondFactor,
    Refused,
}

impl<T> Gated<T> {
    /// What the gate said, without the data.
    pub fn access(&self) -> StaffAccess {
        match self {
            Gated::Granted(_) => StaffAccess::Granted,
            Gated::NeedsSecondFactor => StaffAccess::NeedsSecondFactor,
            Gated::Refused => StaffAccess::Refused,
        }
    }
}

/// A part of the staff console the reader holds the permission for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConsoleLink {
    /// Finding customers (`customer.read`).
    Customers,
    /// The team (`staff.manage` or `role.assign`).
    Team,
    /// The roles (`role.manage`).
    Roles,
    /// The audit log (`audit.read`).
    Audit,
    /// The security alerts (`alerts.read`).
    Alerts,
    /// The access reviews (`review.manage`) and one's own security
    /// training (every staff member).
    Reviews,
}

impl ConsoleLink {
    /// The parts an account with these permissions may open.
    pub fn held(may: impl Fn(Permission) -> bool) -> Vec<ConsoleLink> {
        [
            (ConsoleLink::Customers, may(Permission::CustomerRead)),
            (
                ConsoleLink::Team,
                may(Permission::StaffManage) || may(Permission::RoleAssign),
            ),
            (ConsoleLink::Roles, may(Permission::RoleManage)),
            (ConsoleLink::Audit, may(Permission::AuditRead)),
            (ConsoleLink::Alerts, may(Permission::AlertsRead)),
            (
                ConsoleLink::Reviews,
                Permission::ALL
                    .into_iter()
                    .any(|p| !domain::role::BASELINE.contains(&p) && may(p)),
            ),
        ]
        .into_iter()
        .filter_map(|(link, held)| held.then_some(link))
        .collect()
    }
}

/// Which second factors a member has enrolled (kinds only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FactorStatus {
    App,
    Passkey,
    AppAndPasskey,
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub roles: Vec<String>,
    /// In the reader's zone; `None` before the first sign-in.
    pub last_sign_in: Option<String>,
    pub factors: FactorStatus,
    pub disabled: bool,
    /// The reader's own account (which the rules keep them from changing).
    pub is_reader: bool,
    /// Their security training: flagged when out of date or missing.
    pub training: super::TrainingFlag,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamView {
    pub members: Vec<TeamMember>,
    /// Every role's name, for the invite and grant forms.
    pub roles: Vec<String>,
    /// The reader may invite and offboard (`staff.manage`).
    pub may_manage: bool,
    /// The reader may grant and revoke (`role.assign`).
    pub may_assign: bool,
    pub zone: String,
}

/// One role as the roles page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleView {
    pub name: String,
    pub description: String,
    pub builtin: bool,
    pub includes: Vec<String>,
    /// Its own permissions, without those of the roles it includes.
    pub permissions: Vec<Permission>,
    /// With those of every role it includes, however deep.
    pub effective: Vec<Permission>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolesView {
    pub roles: Vec<RoleView>,
}

/// Where the invite form's page finds the link after a redirect.
#[cfg(feature = "ssr")]
const INVITE_COOKIE: &str = "lk_invite";

/// Who may see the team page: whoever manages the team or hands roles out.
#[cfg(feature = "ssr")]
pub(super) async fn gate<T>(
    user: &service::accounts::CurrentUser,
    any_of: &[Permission],
) -> Result<(), Gated<T>> {
    if any_of.iter().any(|p| user.may(*p)) {
        ssr::note_gate_use(user, any_of).await;
        Ok(())
    } else if user.has_second_factor == Some(false) {
        Err(Gated::NeedsSecondFactor)
    } else {
        tracing::warn!(user_id = %user.id, ?any_of, ip = %ssr::origin().ip, "access refused");
        Err(Gated::Refused)
    }
}

/// The team: members with their roles, last sign-in and factors.
#[server(prefix = "/api", endpoint = "staff/team")]
pub async fn load_team() -> Result<Gated<TeamView>, AppError> {
    let user = ssr::require(Permission::OwnView).await?;
    if let Err(refused) = gate(&user, &[Permission::StaffManage, Permission::RoleAssign]).await {
        ssr::reject(AppError::Forbidden);
        return Ok(refused);
    }
    let context = ssr::ctx()?;
    let staff = service::Staff::new(context.accounts.clone());
    let actor = service::Actor::member(&user);
    let members = staff
        .staff_members(&actor)
        .await
        .map_err(ssr::into_app_error)?;
    let catalog = staff.roles(&actor).await.map_err(ssr::into_app_error)?;
    let zone = ssr::request_zone();
    let now = context.accounts.now_ms();
    Ok(Gated::Granted(TeamView {
        members: members
            .into_iter()
            .map(|m| TeamMember {
                training: context.reviews.training_status(m.trained_on, now).into(),
                id: m.id.0,
                is_reader: m.id == user.id,
                factors: match (m.authenticator_app, m.passkey) {
                    (true, true) => FactorStatus::AppAndPasskey,
                    (true, false) => FactorStatus::App,
                    (false, true) => FactorStatus::Passkey,
                    (false, false) => FactorStatus::None,
                },
                email: m.email,
                display_name: m.display_name,
                roles: m.roles,
                last_sign_in: m
                    .last_sign_in_at
                    .map(|ms| service::time_format::format_in_zone(ms, zone)),
                disabled: m.disabled_at.is_some(),
            })
            .collect(),
        roles: catalog.iter().map(|r| r.name.clone()).collect(),
        may_manage: user.may(Permission::StaffManage),
        may_assign: user.may(Permission::RoleAssign),
        zone: zone.name().to_owned(),
    }))
}

/// The set-password link of the invitation this browser just sent, once.
#[server(prefix = "/api", endpoint = "staff/team/invitation")]
pub async fn take_invitation_link() -> Result<Option<String>, AppError> {
    let user = ssr::require(Permission::StaffManage).await?;
    let context = ssr::ctx()?;
    let Some(key) = ssr::cookie(INVITE_COOKIE) else {
        return Ok(None);
    };
    ssr::set_cookie(context.cookies.clear(INVITE_COOKIE));
    service::Staff::new(context.accounts.clone())
        .take_invitation_link(&user, &key)
        .await
        .map_err(ssr::into_app_error)
}

/// The signed-in member for a team form, or the refusal to show on it: a
/// missing permission, or (clearer) a role that grants nothing yet for
/// want of a second factor.
#[cfg(feature = "ssr")]
async fn member_for(
    permission: Permission,
) -> Result<service::accounts::CurrentUser, Result<service::ServiceError, AppError>> {
    match ssr::require(permission).await {
        Ok(user) => Ok(user),
        Err(AppError::Forbidden) => {
            let lacks_factor = ssr::optional_user()
                .await
                .ok()
                .flatten()
                .is_some_and(|u| u.has_second_factor == Some(false));
            Err(Ok(if lacks_factor {
                service::ServiceError::Validation(vec![service::FieldIssue::new(
                    "form",
                    NEEDS_SECOND_FACTOR,
                )])
            } else {
                domain::RoleError::NotPermitted(permission).into()
            }))
        }
        Err(other) => Err(Err(other)),
    }
}

/// The code of a team form refused because the reader's roles grant
/// nothing until they add a second factor.
pub const NEEDS_SECOND_FACTOR: &str = "staff.needs_second_factor";

/// Runs a team form: the permission, then the use case; a refusal comes
/// back to the form (in place, or through the flash without JavaScript)
/// with what was typed.
#[cfg(feature = "ssr")]
async fn team_form<F, Fut>(
    form: &str,
    permission: Permission,
    keep: &[(&str, String)],
    run: F,
) -> Result<(), AppError>
where
    F: FnOnce(service::accounts::CurrentUser, service::Staff) -> Fut,
    Fut: std::future::Future<Output = Result<String, service::ServiceError>>,
{
    let keep: Vec<(&str, &str)> = keep.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let keep = keep.as_slice();
    let user = match member_for(permission).await {
        Ok(user) => user,
        Err(Ok(refusal)) => return ssr::finish_form(form, Err(refusal), keep).await,
        Err(Err(other)) => return Err(other),
    };
    let context = ssr::ctx()?;
    let staff = service::Staff::new(context.accounts.clone());
    let result = run(user, staff).await;
    ssr::finish_form(form, result, keep).await
}

/// Brings someone onto the team with a role; for a new account, the
/// single-use set-password link is shown once on the team page.
#[server(prefix = "/api", endpoint = "staff/team/invite")]
pub async fn invite_member(
    email: String,
    display_name: Option<String>,
    role: String,
    reason: Option<String>,
) -> Result<(), AppError> {
    let reason = reason.unwrap_or_default();
    let name = display_name.unwrap_or_default();
    let keep = [
        ("email", email.clone()),
        ("display_name", name.clone()),
        ("role", role.clone()),
        ("reason", reason.clone()),
    ];
    team_form(
        "team_invite",
        Permission::StaffManage,
        &keep,
        |user, staff| async move {
            chosen_role(&role)?;
            let name = Some(name.trim()).filter(|n| !n.is_empty());
            let invitation = staff
                .invite(&service::Actor::member(&user), &email, name, &role, &reason)
                .await?;
            let Some(link) = invitation.set_password_link else {
                let done = if invitation.granted {
                    "granted"
                } else {
                    "unchanged"
                };
                return Ok(format!("/staff/team?done={done}"));
            };
            let key = staff.stash_invitation_link(&user, &link).await?;
            let context =
                ssr::ctx().map_err(|_| service::ServiceError::Internal("no context".into()))?;
            let secs = context.accounts.policy().flash_secs;
            ssr::set_cookie(context.cookies.set(INVITE_COOKIE, &key, Some(secs), true));
            Ok("/staff/team?done=invited".to_owned())
        },
    )
    .await
}

/// The account a team form's member list chose.
#[cfg(feature = "ssr")]
fn chosen_member(member: &str) -> Result<domain::UserId, service::ServiceError> {
    member
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(domain::UserId)
        .ok_or_else(|| {
            service::ServiceError::Validation(vec![service::FieldIssue::new(
                "member",
                "team.member_required",
            )])
        })
}

/// A role was chosen from the list (whether it exists, the service says).
#[cfg(feature = "ssr")]
fn chosen_role(role: &str) -> Result<(), service::ServiceError> {
    if role.trim().is_empty() {
        return Err(service::ServiceError::Validation(vec![
            service::FieldIssue::new("role", "team.role_required"),
        ]));
    }
    Ok(())
}

/// A grant or a revoke from the team page.
#[cfg(feature = "ssr")]
async fn change_role(
    grant: bool,
    member: String,
    role: String,
    reason: Option<String>,
) -> Result<(), AppError> {
    let reason = reason.unwrap_or_default();
    let keep = [
        ("member", member.clone()),
        ("role", role.clone()),
        ("reason", reason.clone()),
    ];
    let form = if grant { "team_grant" } else { "team_revoke" };
    team_form(
        form,
        Permission::RoleAssign,
        &keep,
        |user, staff| async move {
            let actor = service::Actor::member(&user);
            let target = chosen_member(&member)?;
            chosen_role(&role)?;
            let changed = if grant {
                staff.grant_role(&actor, target, &role, &reason).await?
            } else {
                staff.revoke_role(&actor, target, &role, &reason).await?
            };
            let done = match (grant, changed) {
                (true, true) => "granted",
                (false, true) => "revoked",
                (_, false) => "unchanged",
            };
            Ok(format!("/staff/team?done={done}"))
        },
    )
    .await
}

#[server(prefix = "/api", endpoint = "staff/team/grant")]
pub async fn grant_role(
    member: String,
    role: String,
    reason: Option<String>,
) -> Result<(), AppError> {
    change_role(true, member, role, reason).await
}

#[server(prefix = "/api", endpoint = "staff/team/revoke")]
pub async fn revoke_role(
    member: String,
    role: String,
    reason: Option<String>,
) -> Result<(), AppError> {
    change_role(false, member, role, reason).await
}

/// Disables the member, revokes every role and ends every session, at once.
#[server(prefix = "/api", endpoint = "staff/team/offboard")]
pub async fn offboard_member(member: String, reason: Option<String>) -> Result<(), AppError> {
    let reason = reason.unwrap_or_default();
    let keep = [("member", member.clone()), ("reason", reason.clone())];
    team_form(
        "team_offboard",
        Permission::StaffManage,
        &keep,
        |user, staff| async move {
            let target = chosen_member(&member)?;
            staff
                .offboard(&service::Actor::member(&user), target, &reason)
                .await?;
            Ok("/staff/team?done=offboarded".to_owned())
        },
    )
    .await
}

/// Every role with what it includes and carries.
#[server(prefix = "/api", endpoint = "staff/roles")]
pub async fn load_roles() -> Result<Gated<RolesView>, AppError> {
    let user = ssr::require(Permission::OwnView).await?;
    if let Err(refused) = gate(&user, &[Permission::RoleManage]).await {
        ssr::reject(AppError::Forbidden);
        return Ok(refused);
    }
    let context = ssr::ctx()?;
    let catalog = service::Staff::new(context.accounts.clone())
        .roles(&service::Actor::member(&user))
        .await
        .map_err(ssr::into_app_error)?;
    Ok(Gated::Granted(RolesView {
        roles: catalog
            .iter()
            .map(|role| RoleView {
                name: role.name.clone(),
                description: role.description.clone(),
                builtin: role.builtin,
                includes: role.includes.iter().cloned().collect(),
                permissions: role.permissions.iter().copied().collect(),
                effective: catalog.effective(&role.name).into_iter().collect(),
            })
            .collect(),
    }))
}

/// Creates a custom role or changes one. `permissions` and `includes` are
/// the ticked boxes (`permissions[]`, `includes[]` in the form); `form`
/// names the form on the page (`new`, or the edited role's name).
#[server(prefix = "/api", endpoint = "staff/roles/save")]
pub async fn save_role(
    form: String,
    name: String,
    description: Option<String>,
    permissions: Option<Vec<String>>,
    includes: Option<Vec<String>>,
) -> Result<(), AppError> {
    let description = description.unwrap_or_default();
    let flash_form = role_form_name(&form);
    let permissions = permissions.unwrap_or_default();
    let includes = includes.unwrap_or_default();
    let keep = [
        ("name", name.clone()),
        ("description", description.clone()),
        ("permissions", permissions.join(",")),
        ("includes", includes.join(",")),
    ];
    team_form(
        &flash_form,
        Permission::RoleManage,
        &keep,
        |user, staff| async move {
            let mut unknown = Vec::new();
            let permissions = permissions
                .iter()
                .filter_map(|p| {
                    let parsed = Permission::parse(p);
                    if parsed.is_none() {
                        unknown.push(service::FieldIssue::new(
                            "permissions",
                            "role.permission_unknown",
                        ));
                    }
                    parsed
                })
                .collect();
            if !unknown.is_empty() {
                return Err(service::ServiceError::Validation(unknown));
            }
            let role = domain::role::RoleDefinition {
                name: name.trim().to_owned(),
                description,
                permissions,
                includes: includes.into_iter().collect(),
                builtin: false,
            };
            let saved = role.name.clone();
            staff
                .save_role(&service::Actor::member(&user), role)
                .await?;
            Ok(format!("/staff/roles?saved={saved}"))
        },
    )
    .await
}

/// The flash name of a roles-page form: `role_new`, or `role_<name>` for
/// an existing role's (names are lower-case letters, digits, underscores).
pub fn role_form_name(form: &str) -> String {
    if domain::role::is_valid_role_name(form) {
        format!("role_{form}")
    } else {
        "role_new".to_owned()
    }
}

/// Mails a customer a fresh link to confirm their address, with a reason.
#[server(prefix = "/api", endpoint = "staff/customer/resend-verification")]
pub async fn support_resend_verification(
    customer: i64,
    reason: Option<String>,
) -> Result<(), AppError> {
    super::staff::act(service::SupportAction::ResendVerification, customer, reason).await
}
