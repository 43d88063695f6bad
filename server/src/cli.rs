//! The command line: `serve` (the default), `migrate`, and the operators'
//! commands `staff add|list|offboard` and `roles`, which act as the system
//! actor on the deployment's own database and key, and `audit
//! verify|checkpoint|archive` over the audit chain, and `reviews tick`.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use domain::audit::ChainLink;
use domain::role::{RoleCatalog, BASELINE};
use domain::ReasonError;
use service::audit::{Archived, Audit, Verdict};
use service::reviews::Reviews;
use service::staff::{Actor, Staff};
use service::ServiceError;

#[derive(Debug, Parser)]
#[command(
    name = "latchkey",
    version,
    about = "Latchkey, the self-service account portal. Configuration comes from the environment (README.md, \"Configuration\")."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal (the default).
    Serve,
    /// Apply the database migrations, then exit.
    Migrate,
    /// Manage the staff: add, list, offboard.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Show the role tree with each role's effective permissions.
    Roles,
    /// Verify, checkpoint or archive the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The access reviews.
    #[command(subcommand)]
    Reviews(ReviewsCommand),
}

#[derive(Debug, Subcommand)]
pub enum ReviewsCommand {
    /// Run the review job once now, as every server does every 5 minutes:
    /// open the next campaign if it is due, and raise an alert for each
    /// item that became overdue. Safe beside running servers.
    Tick,
}

/// Runs a reviews command; the text to print, or the one line that says why not.
pub async fn run_reviews(reviews: &Reviews, command: ReviewsCommand) -> Result<String, String> {
    match command {
        ReviewsCommand::Tick => {
            let tick = reviews.tick().await.map_err(message)?;
            let opened = match tick.opened {
                Some(id) => format!("opened campaign {id}"),
                None => "no campaign due".to_owned(),
            };
            Ok(format!("{opened}\n{} overdue items alerted", tick.alerted))
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the whole chain: exit 0 with the count of entries checked and
    /// the head, or 1 naming the first entry that fails.
    Verify {
        /// COUNT:HASH from `latchkey audit checkpoint`: also prove that the
        /// entry COUNT still ends with HASH.
        #[arg(long)]
        checkpoint: Option<String>,
    },
    /// Verify, then print the head as COUNT:HASH, to keep elsewhere.
    Checkpoint,
    /// Write the entries older than N days to a new JSON-lines file (hashes
    /// included) and remove them; the chain continues from the last one.
    Archive {
        #[arg(long)]
        older_than_days: u32,
        /// A new file; an existing one is never overwritten.
        #[arg(long)]
        out: PathBuf,
    },
}

/// What an audit command found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditAnswer {
    /// Exit 0 with this text.
    Done(String),
    /// The chain is broken: exit 1 with this text.
    Broken(String),
}

/// Runs an audit command; `Err` is a refusal (a bad option, the database).
pub async fn run_audit(audit: &Audit, command: AuditCommand) -> Result<AuditAnswer, String> {
    match command {
        AuditCommand::Verify { checkpoint } => {
            let checkpoint = match checkpoint {
                Some(text) => Some(ChainLink::parse(&text).ok_or(
                    "--checkpoint must be COUNT:HASH, as `latchkey audit checkpoint` prints it",
                )?),
                None => None,
            };
            let proved = checkpoint
                .as_ref()
                .map(|point| format!("checkpoint {point} holds\n"))
                .unwrap_or_default();
            Ok(match audit.verify(checkpoint).await.map_err(message)? {
                Verdict::Intact { checked, head } => AuditAnswer::Done(format!(
                    "audit log intact: {checked} entries checked\n{proved}head {head}"
                )),
                Verdict::Broken(broken) => broken_answer(&broken),
            })
        }
        AuditCommand::Checkpoint => Ok(match audit.verify(None).await.map_err(message)? {
            Verdict::Intact { head, .. } => AuditAnswer::Done(head.to_string()),
            Verdict::Broken(broken) => broken_answer(&broken),
        }),
        AuditCommand::Archive {
            older_than_days,
            out,
        } => archive(audit, older_than_days, &out).await,
    }
}

fn broken_answer(broken: &domain::audit::ChainBreak) -> AuditAnswer {
    AuditAnswer::Broken(format!(
        "audit log broken at entry {}: {broken}",
        broken.id()
    ))
}

/// A file whose flush reaches the disk: the entries are removed from the
/// database only after their archive is safe.
struct SyncedFile(std::io::BufWriter<std::fs::File>);

impl Write for SyncedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()?;
        self.0.get_ref().sync_all()
    }
}

async fn archive(audit: &Audit, older_than_days: u32, out: &Path) -> Result<AuditAnswer, String> {
    let file = std::fs::File::options()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(|e| format!("--out: cannot create {}: {e}", out.display()))?;
    let mut file = SyncedFile(std::io::BufWriter::new(file));
    let archived = audit.archive(older_than_days, &mut file).await;
    drop(file);
    let keep = matches!(archived, Ok(Archived::Moved { .. }));
    if !keep {
        // Nothing was removed: an empty or partial file would mislead.
        let _ = std::fs::remove_file(out);
    }
    Ok(match archived.map_err(message)? {
        Archived::Moved { entries, through } => AuditAnswer::Done(format!(
            "archived {entries} entries to {}\nthe log now continues from {through}",
            out.display()
        )),
        Archived::Nothing => AuditAnswer::Done(format!(
            "no entry is older than {older_than_days} days; nothing archived"
        )),
        Archived::Broken(broken) => broken_answer(&broken),
    })
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Grant a role, creating the account (address counted as verified)
    /// when the address has none. For a new account the last line printed
    /// is a single-use link that sets its password.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
        /// Why; recorded with the grant.
        #[arg(long)]
        reason: Option<String>,
        /// A new account's name (default: the address before the @).
        #[arg(long)]
        name: Option<String>,
    },
    /// List the accounts that hold a role.
    List,
    /// Disable a member's account, revoke every role and end every session.
    Offboard {
        #[arg(long)]
        email: String,
        /// Why; recorded with the offboarding.
        #[arg(long)]
        reason: Option<String>,
    },
}

/// Runs a staff command; the text to print, or the one line that says why not.
pub async fn run_staff(staff: &Staff, command: StaffCommand) -> Result<String, String> {
    match command {
        StaffCommand::Add {
            email,
            role,
            reason,
            name,
        } => add(staff, &email, &role, reason.as_deref(), name.as_deref()).await,
        StaffCommand::List => list(staff).await,
        StaffCommand::Offboard { email, reason } => {
            // A missing --reason is left to the service, which refuses it
            // in the same words as an empty one.
            let reason = reason.unwrap_or_default();
            let account = staff
                .account_by_email(&Actor::System, &email)
                .await
                .map_err(message)?;
            let revoked = staff
                .offboard(&Actor::System, account, &reason)
                .await
                .map_err(message)?;
            let roles = if revoked.is_empty() {
                "none".to_owned()
            } else {
                revoked.join(", ")
            };
            Ok(format!(
                "offboarded {email}: account disabled, every session ended, roles revoked: {roles}"
            ))
        }
    }
}

async fn add(
    staff: &Staff,
    email: &str,
    role: &str,
    reason: Option<&str>,
    name: Option<&str>,
) -> Result<String, String> {
    let invitation = staff
        .invite(
            &Actor::System,
            email,
            name,
            role,
            reason.unwrap_or_default(),
        )
        .await
        .map_err(message)?;
    let email = email.trim();
    let mut lines = vec![match (invitation.created, invitation.granted) {
        (true, _) => format!("created the account {email} and granted it {role}"),
        (false, true) => format!("granted {role} to {email}"),
        (false, false) => format!("{email} already holds {role}"),
    }];
    lines.push(
        "the role grants nothing until the account has a second factor (an authenticator app or a passkey)"
            .to_owned(),
    );
    if let Some(link) = invitation.set_password_link {
        lines.push(format!(
            "give this single-use link to {email} alone; it sets the password once, within 24 hours:"
        ));
        // Last, so that scripts can take it with `tail -n 1`.
        lines.push(link);
    }
    Ok(lines.join("\n"))
}

async fn list(staff: &Staff) -> Result<String, String> {
    let members = staff.staff_members(&Actor::System).await.map_err(message)?;
    if members.is_empty() {
        return Ok("no account holds a role".to_owned());
    }
    // Tab-separated: names cannot hold tabs (no control characters).
    let mut lines = vec!["email\tname\troles\tlast sign-in\tsecond factor\tdisabled".to_owned()];
    lines.extend(members.into_iter().map(|member| {
        let time =
            |ms: Option<i64>| ms.map_or_else(|| "never".to_owned(), service::time_format::iso_utc);
        let second_factor = if member.has_second_factor() {
            "yes"
        } else {
            "no"
        };
        [
            member.email,
            member.display_name,
            member.roles.join(","),
            time(member.last_sign_in_at),
            second_factor.to_owned(),
            member
                .disabled_at
                .map_or_else(|| "no".to_owned(), service::time_format::iso_utc),
        ]
        .join("\t")
    }));
    Ok(lines.join("\n"))
}

/// The `roles` command's answer.
pub async fn run_roles(staff: &Staff) -> Result<String, String> {
    let catalog = staff.roles(&Actor::System).await.map_err(message)?;
    Ok(role_tree(&catalog))
}

/// Every role under the roles that include it, with its description and
/// effective permissions; the roles no other includes start at the left.
pub fn role_tree(catalog: &RoleCatalog) -> String {
    fn show(catalog: &RoleCatalog, name: &str, depth: usize, lines: &mut Vec<String>) {
        let Some(role) = catalog.get(name) else {
            return;
        };
        let indent = "    ".repeat(depth);
        let kind = if role.builtin { "built-in" } else { "custom" };
        lines.push(format!("{indent}{name} ({kind}): {}", role.description));
        let effective: Vec<&str> = catalog
            .effective(name)
            .into_iter()
            .map(|p| p.as_str())
            .collect();
        lines.push(format!("{indent}  effective: {}", effective.join(", ")));
        for included in &role.includes {
            show(catalog, included, depth + 1, lines);
        }
    }
    let baseline: Vec<&str> = BASELINE.iter().map(|p| p.as_str()).collect();
    let mut lines = vec![format!(
        "every account, with or without a role: {}",
        baseline.join(", ")
    )];
    let included: Vec<&String> = catalog.iter().flat_map(|r| &r.includes).collect();
    for root in catalog.iter().filter(|r| !included.contains(&&r.name)) {
        show(catalog, &root.name, 0, &mut lines);
    }
    lines.join("\n")
}

/// One line for an operator, naming the option to fix where there is one.
pub fn message(error: ServiceError) -> String {
    match error {
        ServiceError::Validation(issues) => issues
            .iter()
            .map(|issue| match issue.field.as_str() {
                "reason" => [
                    ReasonError::Required,
                    ReasonError::TooLong,
                    ReasonError::Invalid,
                ]
                .into_iter()
                .find(|e| e.code() == issue.code)
                .map_or_else(
                    || "--reason is not usable".to_owned(),
                    |e| format!("{e} (--reason)"),
                ),
                "email" => "--email is not a valid address".to_owned(),
                "display_name" => {
                    "--name must be 1 to 100 characters without control characters".to_owned()
                }
                field => format!("{field}: {}", issue.code),
            })
            .collect::<Vec<_>>()
            .join("; "),
        ServiceError::Role(refusal) => refusal.to_string(),
        ServiceError::NotFound(what) => what,
        ServiceError::Storage(failure) => format!("the database failed: {failure}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::role::{builtin_roles, RoleDefinition};
    use domain::Permission;

    #[test]
    fn the_role_tree_nests_included_roles_under_their_includers() {
        let mut roles = builtin_roles();
        roles.push(RoleDefinition {
            name: "tier1".into(),
            description: "First line".into(),
            permissions: [Permission::AuditRead].into_iter().collect(),
            includes: ["support".to_owned()].into_iter().collect(),
            builtin: false,
        });
        let tree = role_tree(&RoleCatalog::new(roles).unwrap());
        let names: Vec<&str> = tree
            .lines()
            .filter(|l| !l.trim_start().starts_with("effective:"))
            .map(|l| l.split(" (").next().unwrap())
            .collect();
        assert_eq!(
            names,
            vec![
                "every account, with or without a role: own.view, own.change",
                "auditor",
                "security_admin",
                "    support_lead",
                "        support",
                "tier1",
                "    support",
            ]
        );
        assert!(tree.contains(
            "tier1 (custom): First line\n  effective: customer.read, customer.impersonate, customer.unlock, customer.sessions, audit.read"
        ));
    }

    #[test]
    fn refusals_are_one_line_naming_the_option() {
        let missing =
            ServiceError::Validation(vec![service::FieldIssue::new("reason", "reason.required")]);
        assert_eq!(message(missing), "a reason is required (--reason)");
        let role = ServiceError::Role(domain::RoleError::UnknownRole("wizard".into()));
        assert_eq!(
            message(role),
            "unknown role \"wizard\"; `latchkey roles` lists the roles"
        );
        let nobody = ServiceError::NotFound("no account has the address x@example.com".into());
        assert!(!message(nobody).contains('\n'));
    }
}
