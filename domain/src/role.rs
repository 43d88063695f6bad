//! Permissions, roles and the rules for handing them out.
//!
//! Permissions are a closed set: code decides what exists, and every server
//! function names the one it needs. Roles are data (stored, and editable
//! unless built in): a name, a description, permissions, and other roles
//! they include. What an account may do is computed here from its roles,
//! so the rules can be tested without a database.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::UserId;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Permission {
    /// Read one's own profile, sessions, factors and activity.
    OwnView,
    /// Change one's own account: password, address, factors, sessions,
    /// re-authentication, the data export and deletion.
    OwnChange,
    CustomerRead,
    CustomerImpersonate,
    CustomerUnlock,
    CustomerSessions,
    CustomerForceReset,
    CustomerResetSecondFactor,
    CustomerDisable,
    AuditRead,
    AlertsRead,
    /// Opens, decides and closes access-review campaigns.
    ReviewManage,
    StaffManage,
    RoleAssign,
    RoleManage,
}

impl Permission {
    pub const ALL: [Permission; 15] = [
        Permission::OwnView,
        Permission::OwnChange,
        Permission::CustomerRead,
        Permission::CustomerImpersonate,
        Permission::CustomerUnlock,
        Permission::CustomerSessions,
        Permission::CustomerForceReset,
        Permission::CustomerResetSecondFactor,
        Permission::CustomerDisable,
        Permission::AuditRead,
        Permission::AlertsRead,
        Permission::ReviewManage,
        Permission::StaffManage,
        Permission::RoleAssign,
        Permission::RoleManage,
    ];

    /// The stable name, as stored with roles and shown to operators.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::OwnView => "own.view",
            Permission::OwnChange => "own.change",
            Permission::CustomerRead => "customer.read",
            Permission::CustomerImpersonate => "customer.impersonate",
            Permission::CustomerUnlock => "customer.unlock",
            Permission::CustomerSessions => "customer.sessions",
            Permission::CustomerForceReset => "customer.force_reset",
            Permission::CustomerResetSecondFactor => "customer.reset_second_factor",
            Permission::CustomerDisable => "customer.disable",
            Permission::AuditRead => "audit.read",
            Permission::AlertsRead => "alerts.read",
            Permission::ReviewManage => "review.manage",
            Permission::StaffManage => "staff.manage",
            Permission::RoleAssign => "role.assign",
            Permission::RoleManage => "role.manage",
        }
    }

    pub fn parse(name: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of permissions, ordered for stable output.
pub type Permissions = BTreeSet<Permission>;

/// What every account may do, with or without a role: manage itself. There
/// is no `customer` role; an account without roles is a customer.
pub const BASELINE: [Permission; 2] = [Permission::OwnView, Permission::OwnChange];

/// Longest role name.
pub const MAX_ROLE_NAME_CHARS: usize = 40;

/// Longest role description.
pub const MAX_ROLE_DESCRIPTION_CHARS: usize = 500;

/// A role name: a lower-case ASCII letter, then up to 39 lower-case ASCII
/// letters, digits or underscores, so that names are safe in every output
/// (terminal, CSV, mail) and cannot imitate one another.
pub fn is_valid_role_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && name.len() <= MAX_ROLE_NAME_CHARS
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A role as stored: its own permissions and the roles it includes, whose
/// permissions it carries too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleDefinition {
    pub name: String,
    pub description: String,
    pub permissions: Permissions,
    pub includes: BTreeSet<String>,
    /// Seeded by a migration; neither editable nor deletable.
    pub builtin: bool,
}

/// Why a role or a change to roles is refused. The messages are complete
/// sentences for the operators' CLI; the web maps each to a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error("unknown role {0:?}; `latchkey roles` lists the roles")]
    UnknownRole(String),
    #[error("a role cannot include itself, even through others: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    #[error("role name {0:?} must be 1 to 40 lower-case letters, digits or underscores, starting with a letter")]
    InvalidName(String),
    #[error("the built-in role {0:?} cannot be changed")]
    Builtin(String),
    #[error("this needs the {0} permission")]
    NotPermitted(Permission),
    #[error("nobody grants or revokes their own roles")]
    OwnRoles,
    /// The console acts on customers only: not on one's own account, nor
    /// on a staff member's (the team's accounts are managed by role rules).
    #[error("the console acts on customers' accounts only, not on one's own or a staff member's")]
    NotACustomer,
    #[error("the role carries permissions the granter does not hold: {}", list(.0))]
    BeyondOwn(Vec<Permission>),
}

impl RoleError {
    /// The stable code the pages translate; a missing permission is an
    /// access refusal (`error.forbidden`).
    pub fn code(&self) -> &'static str {
        match self {
            RoleError::UnknownRole(_) => "role.unknown",
            RoleError::Cycle(_) => "role.cycle",
            RoleError::InvalidName(_) => "role.name_invalid",
            RoleError::Builtin(_) => "role.builtin",
            RoleError::NotPermitted(_) => "error.forbidden",
            RoleError::OwnRoles => "role.own_roles",
            RoleError::NotACustomer => "role.not_a_customer",
            RoleError::BeyondOwn(_) => "role.beyond_own",
        }
    }
}

fn list(permissions: &[Permission]) -> String {
    permissions
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every role, by name, with no include that names an unknown role and no
/// chain of includes that comes back to where it started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleCatalog {
    roles: BTreeMap<String, RoleDefinition>,
}

impl RoleCatalog {
    pub fn new(roles: impl IntoIterator<Item = RoleDefinition>) -> Result<RoleCatalog, RoleError> {
        let roles: BTreeMap<String, RoleDefinition> =
            roles.into_iter().map(|r| (r.name.clone(), r)).collect();
        for role in roles.values() {
            if !is_valid_role_name(&role.name) {
                return Err(RoleError::InvalidName(role.name.clone()));
            }
            if let Some(unknown) = role.includes.iter().find(|i| !roles.contains_key(*i)) {
                return Err(RoleError::UnknownRole(unknown.clone()));
            }
        }
        if let Some(cycle) = find_cycle(&roles) {
            return Err(RoleError::Cycle(cycle));
        }
        Ok(RoleCatalog { roles })
    }

    pub fn get(&self, name: &str) -> Option<&RoleDefinition> {
        self.roles.get(name)
    }

    /// The roles in name order.
    pub fn iter(&self) -> impl Iterator<Item = &RoleDefinition> {
        self.roles.values()
    }

    /// The permissions of a role and of every role it includes, however
    /// deep; none for an unknown role.
    pub fn effective(&self, role: &str) -> Permissions {
        let mut seen = BTreeSet::new();
        let mut pending = vec![role];
        let mut permissions = Permissions::new();
        while let Some(name) = pending.pop() {
            if !seen.insert(name) {
                continue;
            }
            if let Some(definition) = self.roles.get(name) {
                permissions.extend(definition.permissions.iter().copied());
                pending.extend(definition.includes.iter().map(String::as_str));
            }
        }
        permissions
    }

    /// The union of the effective permissions of these roles.
    pub fn effective_of<'a>(&self, roles: impl IntoIterator<Item = &'a str>) -> Permissions {
        roles
            .into_iter()
            .flat_map(|role| self.effective(role))
            .collect()
    }

    /// The catalog with `role` added, or in place of the role of its name:
    /// refused for a built-in role, an unknown include or a cycle.
    pub fn with_role(&self, role: RoleDefinition) -> Result<RoleCatalog, RoleError> {
        if role.builtin || self.roles.get(&role.name).is_some_and(|r| r.builtin) {
            return Err(RoleError::Builtin(role.name));
        }
        let mut roles = self.roles.clone();
        roles.insert(role.name.clone(), role);
        RoleCatalog::new(roles.into_values())
    }
}

/// A chain of includes that returns to its start, as the names along it
/// (first and last the same), if there is one.
fn find_cycle(roles: &BTreeMap<String, RoleDefinition>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        OnPath,
        Done,
    }
    fn visit<'a>(
        name: &'a str,
        roles: &'a BTreeMap<String, RoleDefinition>,
        marks: &mut BTreeMap<&'a str, Mark>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match marks.get(name) {
            Some(Mark::Done) => return None,
            Some(Mark::OnPath) => {
                let start = path.iter().position(|n| *n == name).unwrap_or(0);
                let mut cycle: Vec<String> =
                    path[start..].iter().map(|n| (*n).to_owned()).collect();
                cycle.push(name.to_owned());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(name, Mark::OnPath);
        path.push(name);
        if let Some(role) = roles.get(name) {
            for included in &role.includes {
                if let Some(cycle) = visit(included, roles, marks, path) {
                    return Some(cycle);
                }
            }
        }
        path.pop();
        marks.insert(name, Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    roles
        .keys()
        .find_map(|name| visit(name, roles, &mut marks, &mut Vec::new()))
}

/// What an account may do: the baseline, plus what its roles carry once
/// the account has a second factor (an authenticator app or a passkey). A
/// staff role without one grants nothing, so a stolen password alone never
/// reaches customer data.
pub fn account_permissions(
    catalog: &RoleCatalog,
    roles: &[String],
    has_second_factor: bool,
) -> Permissions {
    let mut permissions: Permissions = BASELINE.into_iter().collect();
    if has_second_factor {
        permissions.extend(catalog.effective_of(roles.iter().map(String::as_str)));
    }
    permissions
}

/// Who grants or revokes a role, with the permissions they hold now.
#[derive(Debug, Clone, Copy)]
pub struct Granter<'a> {
    pub id: UserId,
    pub holds: &'a Permissions,
}

/// The rule for granting and for revoking a role whose effective
/// permissions are `role`: the granter holds `role.assign`, does not
/// change their own roles, and holds every permission the role carries.
/// Revoking follows the same rule, so a lesser administrator cannot strip
/// a greater one.
pub fn check_role_change(
    granter: Granter<'_>,
    target: UserId,
    role: &Permissions,
) -> Result<(), RoleError> {
    if !granter.holds.contains(&Permission::RoleAssign) {
        return Err(RoleError::NotPermitted(Permission::RoleAssign));
    }
    if granter.id == target {
        return Err(RoleError::OwnRoles);
    }
    let missing: Vec<Permission> = role.difference(granter.holds).copied().collect();
    if !missing.is_empty() {
        return Err(RoleError::BeyondOwn(missing));
    }
    Ok(())
}

/// The rule for creating or editing a custom role, given the catalog as it
/// would be after the edit: the editor holds `role.manage` and every
/// permission the role would carry (its includes too), so editing a role
/// never hands out more than the editor has.
pub fn check_role_edit(
    editor: &Permissions,
    edited: &str,
    after: &RoleCatalog,
) -> Result<(), RoleError> {
    if !editor.contains(&Permission::RoleManage) {
        return Err(RoleError::NotPermitted(Permission::RoleManage));
    }
    let missing: Vec<Permission> = after
        .effective(edited)
        .difference(editor)
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(RoleError::BeyondOwn(missing));
    }
    Ok(())
}

/// The roles a fresh database is seeded with (migration 0006); a store
/// test checks the two agree.
pub fn builtin_roles() -> Vec<RoleDefinition> {
    use Permission::*;
    let role = |name: &str, description: &str, includes: &[&str], permissions: &[Permission]| {
        RoleDefinition {
            name: name.to_owned(),
            description: description.to_owned(),
            permissions: permissions.iter().copied().collect(),
            includes: includes.iter().map(|i| (*i).to_owned()).collect(),
            builtin: true,
        }
    };
    vec![
        role(
            "support",
            "Helps customers: reads their accounts, views them read-only, unlocks them and ends their sessions.",
            &[],
            &[CustomerRead, CustomerImpersonate, CustomerUnlock, CustomerSessions],
        ),
        role(
            "support_lead",
            "Support, and the heavier actions: requires a password reset, removes second factors, disables accounts.",
            &["support"],
            &[CustomerForceReset, CustomerResetSecondFactor, CustomerDisable],
        ),
        role(
            "auditor",
            "Reads the audit log and customer accounts.",
            &[],
            &[AuditRead, CustomerRead],
        ),
        role(
            "security_admin",
            "Support lead, and decides who may do what: manages staff and roles, reads the audit log and alerts, runs the access reviews.",
            &["support_lead"],
            &[StaffManage, RoleAssign, RoleManage, AuditRead, AlertsRead, ReviewManage],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    fn builtins() -> RoleCatalog {
        RoleCatalog::new(builtin_roles()).unwrap()
    }

    fn custom(name: &str, includes: &[&str], permissions: &[Permission]) -> RoleDefinition {
        RoleDefinition {
            name: name.to_owned(),
            description: String::new(),
            permissions: permissions.iter().copied().collect(),
            includes: includes.iter().map(|i| (*i).to_owned()).collect(),
            builtin: false,
        }
    }

    fn set(permissions: &[Permission]) -> Permissions {
        permissions.iter().copied().collect()
    }

    #[test]
    fn permission_names_round_trip_and_are_distinct() {
        for permission in Permission::ALL {
            assert_eq!(Permission::parse(permission.as_str()), Some(permission));
        }
        let names: BTreeSet<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(names.len(), Permission::ALL.len());
        assert_eq!(Permission::parse("customer"), None);
        assert_eq!(Permission::parse("Own.View"), None);
    }

    #[test]
    fn inheritance_is_transitive() {
        let catalog = builtins();
        assert_eq!(
            catalog.effective("support"),
            set(&[
                CustomerRead,
                CustomerImpersonate,
                CustomerUnlock,
                CustomerSessions
            ])
        );
        let admin = catalog.effective("security_admin");
        assert!(admin.is_superset(&catalog.effective("support_lead")));
        assert!(
            admin.contains(&CustomerUnlock),
            "through support_lead from support"
        );
        assert!(!admin.contains(&OwnView), "the baseline is no role's");
        assert!(catalog.effective("nobody").is_empty());
        assert_eq!(
            catalog.effective_of(["auditor", "support"]),
            set(&[
                AuditRead,
                CustomerRead,
                CustomerImpersonate,
                CustomerUnlock,
                CustomerSessions
            ])
        );
    }

    #[test]
    fn a_diamond_is_no_cycle() {
        let catalog = builtins()
            .with_role(custom("both", &["support_lead", "auditor", "support"], &[]))
            .unwrap();
        assert!(catalog.effective("both").contains(&AuditRead));
    }

    #[test]
    fn cycles_are_refused_and_named() {
        let error =
            RoleCatalog::new([custom("a", &["b"], &[]), custom("b", &["a"], &[])]).unwrap_err();
        assert_eq!(
            error,
            RoleError::Cycle(vec!["a".into(), "b".into(), "a".into()])
        );
        assert_eq!(
            error.to_string(),
            "a role cannot include itself, even through others: a -> b -> a"
        );
        let itself = RoleCatalog::new([custom("a", &["a"], &[])]).unwrap_err();
        assert_eq!(itself, RoleError::Cycle(vec!["a".into(), "a".into()]));
    }

    #[test]
    fn an_edit_or_a_new_include_that_closes_a_circle_is_refused() {
        let catalog = builtins()
            .with_role(custom("tier1", &["support"], &[]))
            .unwrap()
            .with_role(custom("tier2", &["tier1"], &[]))
            .unwrap();
        let edited = catalog.with_role(custom("tier1", &["support", "tier2"], &[]));
        assert_eq!(
            edited.unwrap_err(),
            RoleError::Cycle(vec!["tier1".into(), "tier2".into(), "tier1".into()])
        );
        assert_eq!(
            catalog
                .with_role(custom("tier3", &["ghost"], &[]))
                .unwrap_err(),
            RoleError::UnknownRole("ghost".into())
        );
    }

    #[test]
    fn built_in_roles_cannot_be_edited() {
        let error = builtins().with_role(custom("support", &[], &[AuditRead]));
        assert_eq!(error.unwrap_err(), RoleError::Builtin("support".into()));
    }

    #[test]
    fn role_names_are_plain() {
        assert!(is_valid_role_name("support_lead"));
        assert!(is_valid_role_name("tier2"));
        for bad in [
            "",
            "2nd",
            "Support",
            "sup port",
            "süpport",
            "a-b",
            &"a".repeat(41),
        ] {
            assert!(!is_valid_role_name(bad), "{bad:?}");
        }
        let error = RoleCatalog::new([custom("Admin", &[], &[])]).unwrap_err();
        assert_eq!(error, RoleError::InvalidName("Admin".into()));
    }

    #[test]
    fn every_account_manages_itself_and_roles_wait_for_a_second_factor() {
        let catalog = builtins();
        let none = account_permissions(&catalog, &[], false);
        assert_eq!(none, set(&[OwnView, OwnChange]));
        let support = vec!["support".to_owned()];
        assert_eq!(
            account_permissions(&catalog, &support, false),
            none,
            "a staff role grants nothing before a second factor"
        );
        let with_factor = account_permissions(&catalog, &support, true);
        assert!(with_factor.contains(&CustomerRead));
        assert!(with_factor.contains(&OwnChange));
    }

    #[test]
    fn the_grant_rule() {
        let catalog = builtins();
        let admin_holds = account_permissions(&catalog, &["security_admin".into()], true);
        let admin = Granter {
            id: UserId(1),
            holds: &admin_holds,
        };
        let target = UserId(2);
        assert_eq!(
            check_role_change(admin, target, &catalog.effective("support_lead")),
            Ok(())
        );
        assert_eq!(
            check_role_change(admin, UserId(1), &catalog.effective("support")),
            Err(RoleError::OwnRoles),
            "not even a role one already holds"
        );
        // What counts is the permissions a role carries, not its name or place in the tree.
        let wider = builtins()
            .with_role(custom("wider", &["security_admin"], &[CustomerRead]))
            .unwrap();
        assert_eq!(
            check_role_change(admin, target, &wider.effective("wider")),
            Ok(())
        );

        // A custom assigner that holds role.assign and support's permissions only.
        let assigner = custom("assigner", &["support"], &[RoleAssign]);
        let catalog = catalog.with_role(assigner).unwrap();
        let holds = account_permissions(&catalog, &["assigner".into()], true);
        let granter = Granter {
            id: UserId(3),
            holds: &holds,
        };
        assert_eq!(
            check_role_change(granter, target, &catalog.effective("support")),
            Ok(())
        );
        assert_eq!(
            check_role_change(granter, target, &catalog.effective("support_lead")),
            Err(RoleError::BeyondOwn(vec![
                CustomerForceReset,
                CustomerResetSecondFactor,
                CustomerDisable
            ]))
        );
        assert_eq!(
            check_role_change(granter, target, &catalog.effective("assigner")),
            Ok(()),
            "its own role is within what it holds"
        );

        // Without a second factor the assigner holds only the baseline.
        let bare = account_permissions(&catalog, &["assigner".into()], false);
        let bare = Granter {
            id: UserId(3),
            holds: &bare,
        };
        assert_eq!(
            check_role_change(bare, target, &catalog.effective("support")),
            Err(RoleError::NotPermitted(RoleAssign))
        );
    }

    #[test]
    fn the_edit_rule() {
        let catalog = builtins();
        let admin = account_permissions(&catalog, &["security_admin".into()], true);
        let after = catalog
            .with_role(custom("tier1", &["support"], &[AuditRead]))
            .unwrap();
        assert_eq!(check_role_edit(&admin, "tier1", &after), Ok(()));
        let manager_role = custom("manager", &["support"], &[RoleManage]);
        let catalog = catalog.with_role(manager_role).unwrap();
        let manager = account_permissions(&catalog, &["manager".into()], true);
        let after = catalog
            .with_role(custom("tier1", &["auditor"], &[CustomerUnlock]))
            .unwrap();
        assert_eq!(
            check_role_edit(&manager, "tier1", &after),
            Err(RoleError::BeyondOwn(vec![AuditRead])),
            "an include counts"
        );
        let support_holds = account_permissions(&catalog, &["support".into()], true);
        assert_eq!(
            check_role_edit(&support_holds, "tier1", &after),
            Err(RoleError::NotPermitted(RoleManage))
        );
    }

    #[test]
    fn the_built_in_roles_are_as_documented() {
        let catalog = builtins();
        assert_eq!(
            catalog.effective("support_lead"),
            set(&[
                CustomerRead,
                CustomerImpersonate,
                CustomerUnlock,
                CustomerSessions,
                CustomerForceReset,
                CustomerResetSecondFactor,
                CustomerDisable
            ])
        );
        assert_eq!(
            catalog.effective("auditor"),
            set(&[AuditRead, CustomerRead])
        );
        let everything_but_own: Permissions = Permission::ALL
            .into_iter()
            .filter(|p| !BASELINE.contains(p))
            .collect();
        assert_eq!(catalog.effective("security_admin"), everything_but_own);
    }
}
