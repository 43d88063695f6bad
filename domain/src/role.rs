use serde::{Deserialize, Serialize};

/// What an account may do. Every server function names the permission it
/// needs; roles only group them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// Read and change one's own profile, sessions and activity.
    ManageOwnAccount,
}

/// A named set of permissions held by an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Customer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        match name {
            "customer" => Some(Role::Customer),
            _ => None,
        }
    }

    pub fn permissions(self) -> &'static [Permission] {
        match self {
            Role::Customer => &[Permission::ManageOwnAccount],
        }
    }
}

/// Least privilege: a permission is granted only when one of the roles names it.
pub fn roles_grant(roles: &[Role], wanted: Permission) -> bool {
    roles
        .iter()
        .any(|role| role.permissions().contains(&wanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_roles_grant_nothing() {
        assert!(!roles_grant(&[], Permission::ManageOwnAccount));
        assert!(roles_grant(&[Role::Customer], Permission::ManageOwnAccount));
    }

    #[test]
    fn role_names_round_trip() {
        assert_eq!(Role::parse(Role::Customer.as_str()), Some(Role::Customer));
        assert_eq!(Role::parse("admin"), None);
    }
}
