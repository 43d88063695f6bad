//! Staff: roles, grants and the team. Every use case takes an explicit
//! [`Actor`] (who acts) apart from the account it acts on, and enforces the
//! rules itself: a page that hides a button is a convenience, not a check.
//!
//! The rules (`domain::role`): a staff role grants nothing until the
//! account has a second factor; nobody changes their own roles; a grant,
//! a revoke or a role edit is refused unless the actor holds every
//! permission the role carries; every change needs a reason and is logged.
//! The checks run inside the transaction that writes, under the role lock.

use std::sync::Arc;

use domain::role::{
    account_permissions, check_role_change, check_role_edit, Granter, RoleCatalog, RoleDefinition,
    RoleError,
};
use domain::{DisplayName, Email, Locale, Permission, Permissions, Reason, UserId};

use crate::accounts::{Accounts, CurrentUser};
use crate::crypto::new_token;
use crate::error::{FieldIssue, ServiceError, StoreError};
use crate::ports::{
    Effects, NewUser, RoleChange, RoleLogRecord, RoleSnapshot, StaffRecord, TokenPurpose,
    UserRecord,
};

/// What the sealed invitation link is bound to, apart from the inviter.
const INVITE_LINK_SEAL: &str = "invitation-link-shown-once";

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The operators' CLI. Whoever runs it has the database and the server
    /// key already, so roles do not limit it; the log records no account.
    System,
    /// A signed-in staff member.
    Member(Member),
}

/// A staff member acting from a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    pub id: UserId,
    pub session_id: i64,
    /// An authenticator app or a passkey is enrolled: without one, the
    /// member's roles grant nothing.
    pub has_second_factor: bool,
}

impl Actor {
    /// The signed-in account as an actor. An account whose factors were
    /// not read (it holds no role) counts as having none: it fails closed.
    pub fn member(user: &CurrentUser) -> Actor {
        Actor::Member(Member {
            id: user.id,
            session_id: user.session_id,
            has_second_factor: user.has_second_factor.unwrap_or(false),
        })
    }

    pub(crate) fn account(&self) -> Option<UserId> {
        match self {
            Actor::System => None,
            Actor::Member(member) => Some(member.id),
        }
    }
}

/// For the log: which account acted, and from which session.
impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::System => f.write_str("system"),
            Actor::Member(member) => {
                write!(f, "user {} (session {})", member.id, member.session_id)
            }
        }
    }
}

/// What an invitation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub user_id: UserId,
    /// False when the address had an account already.
    pub created: bool,
    /// False when the account held the role already.
    pub granted: bool,
    /// For a new account: the single-use link (24 hours by default) that
    /// sets its first password. Shown once to the inviter; never mailed,
    /// logged or stored (only its keyed hash is).
    pub set_password_link: Option<String>,
}

pub struct Staff {
    accounts: Arc<Accounts>,
}

/// What the actor holds now, read fresh, with the member's account (none
/// for the CLI). A member whose account is gone or disabled holds nothing.
pub(crate) async fn actor_holds(
    accounts: &Accounts,
    actor: &Actor,
) -> Result<(Permissions, Option<UserRecord>), ServiceError> {
    let Actor::Member(member) = actor else {
        return Ok((Permission::ALL.into_iter().collect(), None));
    };
    let user = accounts
        .repo
        .find_user(member.id)
        .await?
        .ok_or(ServiceError::Unauthenticated)?;
    if user.disabled_at.is_some() {
        return Err(ServiceError::AccountDisabled);
    }
    let catalog = accounts.repo.role_catalog().await?;
    let holds = account_permissions(&catalog, &user.roles, member.has_second_factor);
    Ok((holds, Some(user)))
}

pub(crate) fn reason_of(text: &str) -> Result<Reason, ServiceError> {
    Reason::parse(text)
        .map_err(|e| ServiceError::Validation(vec![FieldIssue::new("reason", e.code())]))
}

/// What the actor holds, computed from the roles read under the role lock.
pub(crate) fn holds_in(snapshot: &RoleSnapshot, actor: &Actor) -> Permissions {
    match actor {
        Actor::System => Permission::ALL.into_iter().collect(),
        Actor::Member(member) => account_permissions(
            &snapshot.catalog,
            &snapshot.actor_roles,
            member.has_second_factor,
        ),
    }
}

/// The grant rule for one role, as the store runs it under the lock.
fn may_change_role(
    snapshot: &RoleSnapshot,
    actor: &Actor,
    target: UserId,
    role: &str,
) -> Result<(), RoleError> {
    let Actor::Member(member) = actor else {
        return Ok(());
    };
    let holds = holds_in(snapshot, actor);
    let granter = Granter {
        id: member.id,
        holds: &holds,
    };
    check_role_change(granter, target, &snapshot.catalog.effective(role))
}

#[derive(Clone, Copy)]
enum RoleEdit {
    Grant,
    Revoke,
}

impl Staff {
    pub fn new(accounts: Arc<Accounts>) -> Staff {
        Staff { accounts }
    }

    async fn holds(&self, actor: &Actor) -> Result<Permissions, ServiceError> {
        Ok(actor_holds(&self.accounts, actor).await?.0)
    }

    /// Refuses unless the actor holds the permission now.
    async fn require(&self, actor: &Actor, permission: Permission) -> Result<(), ServiceError> {
        if self.holds(actor).await?.contains(&permission) {
            Ok(())
        } else {
            Err(RoleError::NotPermitted(permission).into())
        }
    }

    /// Every role, for whoever hands roles out or edits them.
    pub async fn roles(&self, actor: &Actor) -> Result<RoleCatalog, ServiceError> {
        let holds = self.holds(actor).await?;
        if ![
            Permission::RoleAssign,
            Permission::RoleManage,
            Permission::StaffManage,
        ]
        .iter()
        .any(|p| holds.contains(p))
        {
            return Err(RoleError::NotPermitted(Permission::RoleAssign).into());
        }
        Ok(self.accounts.repo.role_catalog().await?)
    }

    /// The account with this address, for acting on it by address.
    pub async fn account_by_email(
        &self,
        actor: &Actor,
        email: &str,
    ) -> Result<UserId, ServiceError> {
        self.require(actor, Permission::StaffManage).await?;
        let email = Email::parse(email)
            .map_err(|e| ServiceError::Validation(vec![FieldIssue::new("email", e.code())]))?;
        self.accounts
            .repo
            .find_user_by_email(email.as_str())
            .await?
            .map(|user| user.id)
            .ok_or_else(|| {
                ServiceError::NotFound(format!("no account has the address {}", email.as_str()))
            })
    }

    async fn existing(&self, target: UserId) -> Result<(), ServiceError> {
        match self.accounts.repo.find_user(target).await? {
            Some(_) => Ok(()),
            None => Err(ServiceError::NotFound(format!(
                "no account has the id {target}"
            ))),
        }
    }

    /// Grants a role; false when the account held it already. The target's
    /// sessions end, so the new privileges come with a new session token.
    pub async fn grant_role(
        &self,
        actor: &Actor,
        target: UserId,
        role: &str,
        reason: &str,
    ) -> Result<bool, ServiceError> {
        self.edit_role(RoleEdit::Grant, actor, target, role, reason)
            .await
    }

    /// Revokes a role; false when the account did not hold it.
    pub async fn revoke_role(
        &self,
        actor: &Actor,
        target: UserId,
        role: &str,
        reason: &str,
    ) -> Result<bool, ServiceError> {
        self.edit_role(RoleEdit::Revoke, actor, target, role, reason)
            .await
    }

    /// A grant and a revoke check the same rules under the same lock; only
    /// the write differs.
    async fn edit_role(
        &self,
        edit: RoleEdit,
        actor: &Actor,
        target: UserId,
        role: &str,
        reason: &str,
    ) -> Result<bool, ServiceError> {
        let reason = reason_of(reason)?;
        self.existing(target).await?;
        let change = RoleChange {
            actor: actor.account(),
            target,
            reason: reason.as_str(),
            at_ms: self.accounts.clock.now_ms(),
        };
        let change_at = change.at_ms;
        let check = |snapshot: &RoleSnapshot| may_change_role(snapshot, actor, target, role);
        let repo = &self.accounts.repo;
        let changed = match edit {
            RoleEdit::Grant => repo.grant_role(change, role, &check).await,
            RoleEdit::Revoke => repo.revoke_role(change, role, &check).await,
        }??;
        if changed {
            match edit {
                RoleEdit::Grant => {
                    tracing::info!(actor = %actor, target = %target, %role, "role granted");
                    self.accounts.detect_grant(target, change_at).await?;
                }
                RoleEdit::Revoke => {
                    tracing::info!(actor = %actor, target = %target, %role, "role revoked")
                }
            }
        }
        Ok(changed)
    }

    /// Every account holding a role: for whoever manages the team or hands
    /// roles out (who holds what is what a grant is decided on).
    pub async fn staff_members(&self, actor: &Actor) -> Result<Vec<StaffRecord>, ServiceError> {
        let holds = self.holds(actor).await?;
        if !holds.contains(&Permission::StaffManage) && !holds.contains(&Permission::RoleAssign) {
            return Err(RoleError::NotPermitted(Permission::StaffManage).into());
        }
        Ok(self.accounts.repo.staff_members().await?)
    }

    /// Keeps an invitation's set-password link for the one page that shows
    /// it to the inviter: sealed with the server key and bound to the
    /// inviter's account, in the short-lived flash store; returns the key
    /// the inviter's browser holds (a cookie). Never logged or mailed.
    pub async fn stash_invitation_link(
        &self,
        inviter: &CurrentUser,
        link: &str,
    ) -> Result<String, ServiceError> {
        let sealed = self.accounts.key.seal(
            INVITE_LINK_SEAL,
            inviter.id.0.to_string().as_bytes(),
            link.as_bytes(),
        );
        self.accounts.put_flash(&sealed).await
    }

    /// The stashed link, once, for the inviter who stashed it; `None` when
    /// shown already, expired, or stashed by someone else.
    pub async fn take_invitation_link(
        &self,
        inviter: &CurrentUser,
        key: &str,
    ) -> Result<Option<String>, ServiceError> {
        let Some(sealed) = self.accounts.take_flash(key).await? else {
            return Ok(None);
        };
        Ok(self
            .accounts
            .key
            .open(
                INVITE_LINK_SEAL,
                inviter.id.0.to_string().as_bytes(),
                &sealed,
            )
            .ok()
            .and_then(|plain| String::from_utf8(plain).ok()))
    }

    /// The grant log about one account, oldest first.
    pub async fn role_log(
        &self,
        actor: &Actor,
        target: UserId,
    ) -> Result<Vec<RoleLogRecord>, ServiceError> {
        self.require(actor, Permission::StaffManage).await?;
        Ok(self.accounts.repo.role_log(target).await?)
    }

    /// Ends a member's time on the team in one transaction: the account is
    /// disabled, every role revoked, every session ended, each step logged
    /// with the reason. Needs `staff.manage`, and the right to revoke each
    /// of the roles. Returns the roles revoked.
    pub async fn offboard(
        &self,
        actor: &Actor,
        target: UserId,
        reason: &str,
    ) -> Result<Vec<String>, ServiceError> {
        let reason = reason_of(reason)?;
        self.existing(target).await?;
        let change = RoleChange {
            actor: actor.account(),
            target,
            reason: reason.as_str(),
            at_ms: self.accounts.clock.now_ms(),
        };
        let check = |snapshot: &RoleSnapshot| {
            let Actor::Member(member) = actor else {
                return Ok(());
            };
            let holds = holds_in(snapshot, actor);
            if !holds.contains(&Permission::StaffManage) {
                return Err(RoleError::NotPermitted(Permission::StaffManage));
            }
            // Revoking every role at once: the rule over all they carry,
            // which also refuses one's own account when none is left.
            let carried = snapshot
                .catalog
                .effective_of(snapshot.target_roles.iter().map(String::as_str));
            let granter = Granter {
                id: member.id,
                holds: &holds,
            };
            check_role_change(granter, target, &carried)
        };
        let revoked = self.accounts.repo.offboard(change, &check).await??;
        tracing::info!(actor = %actor, target = %target, roles = ?revoked, "staff member offboarded");
        Ok(revoked)
    }

    /// Brings someone onto the team: creates the account when the address
    /// has none (its address counted as verified, no password anyone knows,
    /// and a single-use link to set one), then grants the role. Needs
    /// `staff.manage` and the right to grant the role. An unknown role or
    /// a refused grant is found before an account is created.
    pub async fn invite(
        &self,
        actor: &Actor,
        email: &str,
        display_name: Option<&str>,
        role: &str,
        reason: &str,
    ) -> Result<Invitation, ServiceError> {
        reason_of(reason)?;
        let email = Email::parse(email)
            .map_err(|e| ServiceError::Validation(vec![FieldIssue::new("email", e.code())]))?;
        let name = DisplayName::parse(display_name.unwrap_or(email.local_part())).map_err(|e| {
            ServiceError::Validation(vec![FieldIssue::new("display_name", e.code())])
        })?;
        self.require(actor, Permission::StaffManage).await?;
        let existing = self
            .accounts
            .repo
            .find_user_by_email(email.as_str())
            .await?;
        self.precheck_grant(actor, existing.as_ref().map(|u| u.id), role)
            .await?;
        let (user_id, set_password_link) = match existing {
            Some(user) => (user.id, None),
            None => self.create_invited(&email, &name).await?,
        };
        let granted = self.grant_role(actor, user_id, role, reason).await?;
        Ok(Invitation {
            user_id,
            created: set_password_link.is_some(),
            granted,
            set_password_link,
        })
    }

    /// The grant rule checked before anything is written (the grant checks
    /// again, under the lock): an invitation that cannot grant its role
    /// must not leave an account behind.
    async fn precheck_grant(
        &self,
        actor: &Actor,
        target: Option<UserId>,
        role: &str,
    ) -> Result<(), ServiceError> {
        let catalog = self.accounts.repo.role_catalog().await?;
        if catalog.get(role).is_none() {
            return Err(RoleError::UnknownRole(role.to_owned()).into());
        }
        let actor_roles = match actor.account() {
            Some(id) => self
                .accounts
                .repo
                .find_user(id)
                .await?
                .map(|u| u.roles)
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let snapshot = RoleSnapshot {
            catalog,
            actor_roles,
            target_roles: Vec::new(),
        };
        // A new account has no id yet, and is nobody's own.
        let target = target.unwrap_or(crate::accounts::NOBODY);
        Ok(may_change_role(&snapshot, actor, target, role)?)
    }

    /// A new account with a verified address and, as its password, the
    /// hash of a random secret nobody ever sees: until the link sets one,
    /// no password signs in. Returns the link.
    async fn create_invited(
        &self,
        email: &Email,
        name: &DisplayName,
    ) -> Result<(UserId, Option<String>), ServiceError> {
        let accounts = &self.accounts;
        let now = accounts.clock.now_ms();
        let token = new_token();
        let record = accounts.new_token_record(
            TokenPurpose::SetPassword,
            &token,
            now,
            accounts.policy.invite_link_secs,
        );
        let user = NewUser {
            email: email.as_str().to_owned(),
            display_name: name.as_str().to_owned(),
            password_hash: accounts.hasher.hash(&new_token()).await?,
            locale: Locale::default(),
            email_verified_at: Some(now),
            created_at: now,
        };
        match accounts
            .repo
            .create_user(user, record, Effects::default())
            .await
        {
            Ok(id) => {
                tracing::info!(user_id = %id, "staff account created by invitation");
                Ok((id, Some(accounts.link("/recover/reset", &token))))
            }
            // Someone registered the address meanwhile: invite that account.
            Err(StoreError::Conflict { field: "email" }) => {
                let user = accounts
                    .repo
                    .find_user_by_email(email.as_str())
                    .await?
                    .ok_or(StoreError::Conflict { field: "email" })?;
                Ok((user.id, None))
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Creates a custom role or changes one. Needs `role.manage`, and every
    /// permission the role would carry (its includes too); built-in roles,
    /// unknown includes and cycles are refused.
    pub async fn save_role(&self, actor: &Actor, role: RoleDefinition) -> Result<(), ServiceError> {
        let role = RoleDefinition {
            description: role.description.trim().to_owned(),
            builtin: false,
            ..role
        };
        if !domain::role::is_valid_role_name(&role.name) {
            return Err(RoleError::InvalidName(role.name).into());
        }
        if role.description.chars().count() > domain::role::MAX_ROLE_DESCRIPTION_CHARS {
            return Err(ServiceError::Validation(vec![FieldIssue::new(
                "description",
                "role.description_too_long",
            )]));
        }
        if domain::text::has_control_chars(&role.description)
            || domain::text::has_format_chars(&role.description)
        {
            return Err(ServiceError::Validation(vec![FieldIssue::new(
                "description",
                "role.description_invalid",
            )]));
        }
        let check = |snapshot: &RoleSnapshot| {
            let after = snapshot.catalog.with_role(role.clone())?;
            match actor {
                Actor::System => Ok(()),
                Actor::Member(_) => check_role_edit(&holds_in(snapshot, actor), &role.name, &after),
            }
        };
        let now = self.accounts.clock.now_ms();
        self.accounts
            .repo
            .put_role(actor.account(), &role, now, &check)
            .await??;
        tracing::info!(actor = %actor, role = %role.name, "role saved");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_names_the_acting_session() {
        let member = Actor::Member(Member {
            id: UserId(5),
            session_id: 9,
            has_second_factor: true,
        });
        assert_eq!(member.to_string(), "user 5 (session 9)");
        assert_eq!(Actor::System.to_string(), "system");
        assert_eq!(member.account(), Some(UserId(5)));
        assert_eq!(Actor::System.account(), None);
    }
}
