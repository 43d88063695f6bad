//! Support: what staff do for a customer from the console. Every use case
//! takes the acting staff member ([`Actor`]) apart from the customer it
//! acts on (the subject), checks the actor's permission afresh, and acts on
//! customers only: never on the actor's own account, nor on another staff
//! member's (their accounts follow the role rules of `service::staff`).
//!
//! Every action needs a reason, and writes its change, the customer's
//! activity row (naming the staff member and the reason) and the mail that
//! tells the customer in one transaction.

use std::sync::Arc;

use domain::{ActivityKind, PasskeyKind, Permission, RoleError, UserId};

use crate::accounts::{Accounts, CurrentUser};
use crate::crypto::new_token;
use crate::error::{FieldIssue, ServiceError};
use crate::mail::{staff_action_mail, StaffChange};
use crate::ports::{
    AccountChange, AccountSummary, ActivityDetails, ActivityRecord, AuditFilter, Effects,
    NewSupportView, Origin, SessionRecord, UserRecord,
};
use crate::staff::{actor_holds, reason_of, Actor};

/// Results per page of a customer search.
pub const SEARCH_PAGE_SIZE: u32 = 20;
/// Pages beyond this are refused: a search that needs them needs more words.
pub const MAX_SEARCH_PAGES: u32 = 50;
/// Longer search terms are cut here (no address or name is longer).
const MAX_SEARCH_CHARS: usize = 320;

/// A page of the audit log and the addresses of the accounts it names.
#[derive(Debug, Clone)]
pub struct AuditLogPage {
    pub entries: Vec<domain::audit::AuditEntry>,
    /// (account id, address) of each named account that still exists.
    pub addresses: Vec<(i64, String)>,
}

/// A staff action on a customer's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupportAction {
    /// Ends every sign-in lock.
    Unlock,
    /// Ends every session.
    EndSessions,
    /// Stops the account signing in; its sessions end at once.
    Disable,
    Enable,
    /// The old password stops working, every session ends, and the
    /// customer is mailed a link to choose a new one.
    RequirePasswordReset,
    /// Removes the authenticator app, the passkeys and the recovery codes.
    RemoveSecondFactors,
    /// Mails a fresh link to confirm the address (the earlier ones stop
    /// working); refused once the address is confirmed.
    ResendVerification,
    /// Answers a suspected compromise in one step: every session ends,
    /// every known browser is forgotten, the old password stops working
    /// (with every earlier mailed link), and the customer is mailed what
    /// happened, what to do, and a link to choose a new password.
    RespondToCompromise,
}

impl SupportAction {
    pub const ALL: [SupportAction; 8] = [
        SupportAction::Unlock,
        SupportAction::EndSessions,
        SupportAction::Disable,
        SupportAction::Enable,
        SupportAction::RequirePasswordReset,
        SupportAction::RemoveSecondFactors,
        SupportAction::ResendVerification,
        SupportAction::RespondToCompromise,
    ];

    /// What the actor must hold.
    pub fn permission(self) -> Permission {
        match self {
            // Helping a customer into an account they cannot use yet,
            // like an unlock; it changes nothing but the pending link.
            SupportAction::Unlock | SupportAction::ResendVerification => Permission::CustomerUnlock,
            SupportAction::EndSessions => Permission::CustomerSessions,
            SupportAction::Disable | SupportAction::Enable => Permission::CustomerDisable,
            SupportAction::RequirePasswordReset | SupportAction::RespondToCompromise => {
                Permission::CustomerForceReset
            }
            SupportAction::RemoveSecondFactors => Permission::CustomerResetSecondFactor,
        }
    }

    /// The customer's activity row.
    pub fn activity_kind(self) -> ActivityKind {
        match self {
            SupportAction::Unlock => ActivityKind::SupportUnlocked,
            SupportAction::EndSessions => ActivityKind::SupportEndedSessions,
            SupportAction::Disable => ActivityKind::SupportDisabled,
            SupportAction::Enable => ActivityKind::SupportEnabled,
            SupportAction::RequirePasswordReset => ActivityKind::SupportRequiredPasswordReset,
            SupportAction::RemoveSecondFactors => ActivityKind::SupportRemovedSecondFactors,
            SupportAction::ResendVerification => ActivityKind::SupportResentVerification,
            SupportAction::RespondToCompromise => ActivityKind::SupportRespondedToCompromise,
        }
    }

    /// A stable name, for the log and the pages.
    pub fn as_str(self) -> &'static str {
        match self {
            SupportAction::Unlock => "unlock",
            SupportAction::EndSessions => "end_sessions",
            SupportAction::Disable => "disable",
            SupportAction::Enable => "enable",
            SupportAction::RequirePasswordReset => "require_password_reset",
            SupportAction::RemoveSecondFactors => "remove_second_factors",
            SupportAction::ResendVerification => "resend_verification",
            SupportAction::RespondToCompromise => "respond_to_compromise",
        }
    }
}

/// One page of search results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage {
    pub accounts: Vec<AccountSummary>,
    pub has_more: bool,
}

/// A passkey as the console shows it: its name and kind, nothing secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyLine {
    pub name: String,
    pub kind: PasskeyKind,
}

/// What the console shows of a customer's account. No secret: no password
/// hash, factor secret, credential or token.
#[derive(Debug, Clone)]
pub struct CustomerFile {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub email_verified: bool,
    pub created_at: i64,
    /// The end of the running sign-in lock, if one runs.
    pub locked_until: Option<i64>,
    pub disabled_at: Option<i64>,
    /// A confirmed authenticator app.
    pub authenticator_app: bool,
    pub passkeys: Vec<PasskeyLine>,
    pub sessions: Vec<SessionRecord>,
}

pub struct Support {
    accounts: Arc<Accounts>,
}

impl Support {
    pub fn new(accounts: Arc<Accounts>) -> Support {
        Support { accounts }
    }

    /// Refuses unless the actor holds the permission now; returns the name
    /// the customer will see.
    async fn authorize(
        &self,
        actor: &Actor,
        permission: Permission,
    ) -> Result<String, ServiceError> {
        let (holds, member) = actor_holds(&self.accounts, actor).await?;
        if !holds.contains(&permission) {
            return Err(RoleError::NotPermitted(permission).into());
        }
        Ok(member.map_or_else(|| "Latchkey operators".to_owned(), |m| m.display_name))
    }

    /// The subject's account, when it is a customer's other than the actor's.
    async fn customer_record(
        &self,
        actor: &Actor,
        subject: UserId,
    ) -> Result<UserRecord, ServiceError> {
        if actor.account() == Some(subject) {
            return Err(RoleError::NotACustomer.into());
        }
        let user = self
            .accounts
            .repo
            .find_user(subject)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("no account has the id {subject}")))?;
        if !user.roles.is_empty() {
            return Err(RoleError::NotACustomer.into());
        }
        Ok(user)
    }

    /// Customers whose address or name contains the term (case does not
    /// matter), or whose account id it is; `page` counts from 0. An empty
    /// term finds nobody.
    pub async fn search(
        &self,
        actor: &Actor,
        term: &str,
        page: u32,
    ) -> Result<SearchPage, ServiceError> {
        self.authorize(actor, Permission::CustomerRead).await?;
        let term: String = term
            .trim()
            .chars()
            .take(MAX_SEARCH_CHARS)
            .collect::<String>()
            .to_lowercase();
        if term.is_empty() || page >= MAX_SEARCH_PAGES {
            return Ok(SearchPage {
                accounts: Vec::new(),
                has_more: false,
            });
        }
        let id = term.parse::<i64>().ok().filter(|id| *id > 0);
        // One more than a page tells whether another page follows.
        let mut accounts = self
            .accounts
            .repo
            .search_customers(&term, id, page * SEARCH_PAGE_SIZE, SEARCH_PAGE_SIZE + 1)
            .await?;
        let has_more = accounts.len() > SEARCH_PAGE_SIZE as usize && page + 1 < MAX_SEARCH_PAGES;
        accounts.truncate(SEARCH_PAGE_SIZE as usize);
        Ok(SearchPage { accounts, has_more })
    }

    /// The customer's account as the console shows it.
    pub async fn customer(
        &self,
        actor: &Actor,
        subject: UserId,
    ) -> Result<CustomerFile, ServiceError> {
        self.authorize(actor, Permission::CustomerRead).await?;
        let user = self.customer_record(actor, subject).await?;
        let repo = &self.accounts.repo;
        let now = self.accounts.clock.now_ms();
        let authenticator_app = repo
            .totp_factor(user.id)
            .await?
            .is_some_and(|t| t.confirmed);
        let passkeys = repo
            .passkeys(user.id)
            .await?
            .into_iter()
            .map(|p| PasskeyLine {
                name: p.name,
                kind: p.kind,
            })
            .collect();
        Ok(CustomerFile {
            id: user.id,
            locked_until: repo.lock_ends(user.id, now).await?,
            sessions: repo.list_sessions(user.id).await?,
            email_verified: user.email_verified_at.is_some(),
            email: user.email,
            display_name: user.display_name,
            created_at: user.created_at,
            disabled_at: user.disabled_at,
            authenticator_app,
            passkeys,
        })
    }

    /// One page of the audit log matching `filter`, newest first, below
    /// `before_id`, with the address of each account it names that still
    /// exists.
    pub async fn audit_log(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<AuditLogPage, ServiceError> {
        self.authorize(actor, Permission::AuditRead).await?;
        let repo = &self.accounts.repo;
        let entries = repo.search_audit(filter, before_id, limit).await?;
        let mut ids: Vec<i64> = entries
            .iter()
            .flat_map(|e| [e.actor, e.subject])
            .flatten()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut addresses = Vec::new();
        for id in ids {
            if let Some(user) = repo.find_user(UserId(id)).await? {
                addresses.push((id, user.email));
            }
        }
        Ok(AuditLogPage { entries, addresses })
    }

    /// Records that `actor` is exporting the entries `filter` matches as
    /// `format`: a bulk read of personal data leaves its own entry.
    pub async fn record_audit_export(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        format: &str,
    ) -> Result<(), ServiceError> {
        self.authorize(actor, Permission::AuditRead).await?;
        let now = self.accounts.clock.now_ms();
        self.accounts
            .repo
            .record_audit_export(actor.account(), filter, format, now)
            .await?;
        Ok(())
    }

    /// The account a filter of the audit log names: its id, or its address
    /// (any case). `None` when no account has that address.
    pub async fn audit_account(
        &self,
        actor: &Actor,
        term: &str,
    ) -> Result<Option<i64>, ServiceError> {
        self.authorize(actor, Permission::AuditRead).await?;
        let term = term.trim();
        if let Ok(id) = term.parse::<i64>() {
            return Ok(Some(id));
        }
        let found = self
            .accounts
            .repo
            .find_user_by_email(&term.to_lowercase())
            .await?;
        Ok(found.map(|user| user.id.0))
    }

    /// One page of the customer's history, newest first, older than `before_id`.
    pub async fn activity(
        &self,
        actor: &Actor,
        subject: UserId,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<ActivityRecord>, ServiceError> {
        self.authorize(actor, Permission::CustomerRead).await?;
        let user = self.customer_record(actor, subject).await?;
        let records = self
            .accounts
            .repo
            .list_activity(user.id, &[], before_id, limit)
            .await?;
        self.accounts.with_view_ends(user.id, records).await
    }

    /// Takes the action on the customer's account, with the reason: the
    /// change, the customer's activity row and their mail in one transaction.
    pub async fn act(
        &self,
        actor: &Actor,
        subject: UserId,
        action: SupportAction,
        reason: &str,
        origin: &Origin,
    ) -> Result<(), ServiceError> {
        let StaffStep {
            staff_name,
            reason,
            customer,
            now,
            mut effects,
        } = self
            .staff_step(
                actor,
                action.permission(),
                subject,
                reason,
                action.activity_kind(),
                origin,
            )
            .await?;
        let accounts = &self.accounts;
        let everywhere = AccountChange::EndSessions { except: None };
        let reset_link;
        let (changes, change) = match action {
            SupportAction::Unlock => (vec![AccountChange::ClearLocks], StaffChange::Unlocked),
            SupportAction::EndSessions => (vec![everywhere], StaffChange::EndedSessions),
            SupportAction::Disable => (
                vec![AccountChange::Disable, everywhere],
                StaffChange::Disabled,
            ),
            SupportAction::Enable => (vec![AccountChange::Enable], StaffChange::Enabled),
            SupportAction::RequirePasswordReset | SupportAction::RespondToCompromise => {
                let token = new_token();
                effects = effects.with_token(accounts.reset_token(&token, now));
                reset_link = accounts.link("/recover/reset", &token);
                let valid_minutes = accounts.policy.reset_link_secs / 60;
                // A password nobody knows replaces the old one, which joins
                // the history (so it cannot simply be chosen again); the
                // earlier mailed links go, the new one is stored after.
                let mut changes = vec![
                    accounts.set_password(&new_token()).await?,
                    everywhere,
                    AccountChange::VoidTokensExceptReports,
                ];
                let change = if action == SupportAction::RespondToCompromise {
                    // Every browser must prove itself again: the next
                    // sign-in from each counts as a new device.
                    changes.push(AccountChange::ForgetDevices);
                    StaffChange::RespondedToCompromise {
                        link: &reset_link,
                        valid_minutes,
                    }
                } else {
                    StaffChange::RequiredPasswordReset {
                        link: &reset_link,
                        valid_minutes,
                    }
                };
                (changes, change)
            }
            SupportAction::RemoveSecondFactors => (
                // Everything added since the beginning: every factor.
                vec![AccountChange::RemoveFactorsSince { since_ms: 0 }],
                StaffChange::RemovedSecondFactors,
            ),
            // A new link rather than a change: its own write, and its own mail.
            SupportAction::ResendVerification => {
                return self.resend_verification(actor, &customer, effects).await;
            }
        };
        let mail = staff_action_mail(
            customer.locale,
            &customer.email,
            &customer.display_name,
            &staff_name,
            reason.as_str(),
            change,
        );
        accounts
            .repo
            .apply(customer.id, &changes, effects.with_mail(mail))
            .await?;
        // The reason stays out of the log: it is free text, kept with the account.
        tracing::info!(actor = %actor, customer = %customer.id, action = action.as_str(), "support action");
        Ok(())
    }

    /// Mails the customer a fresh link to confirm their address: the
    /// verification mail itself (like the customer's own resend, it leaves
    /// the name chosen at registration out, as the address is unproven),
    /// with the staff member's activity row. The earlier links stop working.
    /// The customer's own per-account limit counts it, so a staff account
    /// cannot flood an inbox.
    async fn resend_verification(
        &self,
        actor: &Actor,
        customer: &UserRecord,
        effects: Effects,
    ) -> Result<(), ServiceError> {
        if customer.email_verified_at.is_some() {
            return Err(ServiceError::Validation(vec![FieldIssue::new(
                "email",
                ALREADY_VERIFIED,
            )]));
        }
        let accounts = &self.accounts;
        accounts
            .limit(
                &format!("resend:user:{}", customer.id),
                accounts.policy.resend_per_account,
            )
            .await?;
        let now = accounts.clock.now_ms();
        let token = new_token();
        let mail = accounts.verification_mail(customer.locale, &customer.email, &token);
        accounts
            .repo
            .replace_token(
                customer.id,
                accounts.verification_token(&token, now),
                effects.with_mail(mail),
            )
            .await?;
        tracing::info!(actor = %actor, customer = %customer.id, action = "resend_verification", "support action");
        Ok(())
    }
}

impl Support {
    /// Starts a read-only view of the customer's portal inside the actor's
    /// own session (ending the session's earlier view): the customer's
    /// history shows it with the staff member's name and the reason, and
    /// the customer is mailed unless the operators turned that off.
    pub async fn start_view(
        &self,
        actor: &Actor,
        subject: UserId,
        reason: &str,
        origin: &Origin,
    ) -> Result<(), ServiceError> {
        let Actor::Member(member) = actor else {
            // The CLI has no session to view from.
            return Err(RoleError::NotPermitted(Permission::CustomerImpersonate).into());
        };
        let StaffStep {
            staff_name,
            reason,
            customer,
            now,
            mut effects,
        } = self
            .staff_step(
                actor,
                Permission::CustomerImpersonate,
                subject,
                reason,
                ActivityKind::SupportViewed,
                origin,
            )
            .await?;
        let accounts = &self.accounts;
        if accounts.policy.notify_impersonation {
            effects = effects.with_mail(staff_action_mail(
                customer.locale,
                &customer.email,
                &customer.display_name,
                &staff_name,
                reason.as_str(),
                StaffChange::StartedView,
            ));
        }
        let view = NewSupportView {
            staff_session_id: member.session_id,
            staff_user_id: member.id,
            customer_id: customer.id,
            reason: reason.as_str().to_owned(),
            window: domain::ViewWindow::starting(now, accounts.policy.impersonation_secs),
        };
        let id = accounts.repo.start_view(&view, effects).await?;
        tracing::info!(actor = %actor, customer = %customer.id, view = id, "support view started");
        accounts
            .detect_support_view(customer.id, origin, now)
            .await?;
        Ok(())
    }

    /// Ends the view the signed-in staff session runs, if it runs one; the
    /// customer it showed.
    pub async fn end_view(&self, staff: &CurrentUser) -> Result<Option<UserId>, ServiceError> {
        let Some(view) = &staff.view else {
            return Ok(None);
        };
        let now = self.accounts.clock.now_ms();
        self.accounts.repo.end_view(staff.session_id, now).await?;
        tracing::info!(staff = %staff.id, customer = %view.customer.id, view = view.id, "support view ended");
        Ok(Some(view.customer.id))
    }

    /// What every staff step on a customer starts with: the actor's
    /// permission checked now, the reason, the customer's account, and the
    /// customer's activity row naming the staff member and the reason.
    async fn staff_step(
        &self,
        actor: &Actor,
        permission: Permission,
        subject: UserId,
        reason: &str,
        kind: ActivityKind,
        origin: &Origin,
    ) -> Result<StaffStep, ServiceError> {
        let staff_name = self.authorize(actor, permission).await?;
        let reason = reason_of(reason)?;
        let customer = self.customer_record(actor, subject).await?;
        let now = self.accounts.clock.now_ms();
        let details = ActivityDetails {
            actor: staff_name.clone(),
            reason: reason.as_str().to_owned(),
            view: None,
        };
        Ok(StaffStep {
            staff_name,
            reason,
            customer,
            now,
            effects: Effects::by_staff(kind, origin, now, actor.account(), details),
        })
    }
}

/// A staff step on a customer, checked and ready to write.
struct StaffStep {
    staff_name: String,
    reason: domain::Reason,
    customer: UserRecord,
    now: i64,
    effects: Effects,
}

/// The code of a resend refused because the address is confirmed already.
pub const ALREADY_VERIFIED: &str = "email.already_verified";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_action_has_its_own_name_and_activity() {
        let mut names: Vec<_> = SupportAction::ALL.iter().map(|a| a.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SupportAction::ALL.len());
        let mut kinds: Vec<_> = SupportAction::ALL
            .iter()
            .map(|a| a.activity_kind().as_str())
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), SupportAction::ALL.len());
        assert_eq!(
            SupportAction::Enable.permission(),
            Permission::CustomerDisable
        );
        assert_eq!(
            SupportAction::Unlock.permission(),
            Permission::CustomerUnlock
        );
    }
}
