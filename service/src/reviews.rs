//! Access reviews and staff training. A campaign turns every staff grant
//! into an item for a reviewer who is never the grantee; each item is kept
//! or revoked with a reason (a revocation is a revoke like the team page's,
//! in the same transaction as the decision); a finished campaign gives its
//! report. The rules are `domain::review`'s; the checks run here, inside the
//! store's transaction under the role lock, whatever the page offered.
//!
//! "Used" means: a server function's permission check (`ssr::require`, or a
//! console page's gate) passed for a staff permission the role carries. The
//! authorization path notes it through [`Accounts::note_staff_use`], which
//! writes a grant's `last_used_at` at most once a day (and, per process,
//! asks the database at most once a day per account and permission), so a
//! request costs no write. Customers' requests never write.

use std::collections::BTreeMap;
use std::sync::Arc;

use domain::review::{assign_reviewers, use_day, Decision, TrainingStatus, DAY_MS};
use domain::role::BASELINE;
use domain::{AlertRule, Permission, RoleError, UserId};

use crate::accounts::{Accounts, CurrentUser};
use crate::alerts::{AccountName, Subject};
use crate::error::{FieldIssue, ServiceError};
use crate::ports::{
    CampaignPlan, CampaignRecord, Decided, ItemDecision, NewReviewItem, OpeningSnapshot,
    ReviewItemRecord, RoleSnapshot,
};
use crate::staff::{actor_holds, holds_in, reason_of, Actor};

impl Accounts {
    /// Notes that `user` passed a check for `permission`: the grants whose
    /// roles carry it count as used today. Only staff permissions count,
    /// and not during a support view (the request acts as the customer).
    /// A failure is logged and does not refuse the request.
    pub async fn note_staff_use(&self, user: &CurrentUser, permission: Permission) {
        if BASELINE.contains(&permission) || !user.is_staff() || user.view.is_some() {
            return;
        }
        let now = self.clock.now_ms();
        let day = use_day(now);
        let key = (user.id, permission);
        let noted = |map: &std::collections::HashMap<_, i64>| map.get(&key) == Some(&day);
        if noted(&self.uses_noted.lock().unwrap_or_else(|e| e.into_inner())) {
            return;
        }
        let written = async {
            let catalog = self.repo.role_catalog().await?;
            let carrying: Vec<String> = user
                .roles
                .iter()
                .filter(|role| catalog.effective(role).contains(&permission))
                .cloned()
                .collect();
            self.repo
                .note_grant_use(user.id, &carrying, now, day * DAY_MS)
                .await
        };
        match written.await {
            Ok(()) => {
                self.uses_noted
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(key, day);
            }
            Err(error) => tracing::warn!(user_id = %user.id, %error, "noting a grant's use failed"),
        }
    }
}

/// A campaign with its items, the accounts they name and the grantees'
/// training.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignDetail {
    pub campaign: CampaignRecord,
    pub items: Vec<ReviewItemRecord>,
    pub accounts: BTreeMap<UserId, AccountName>,
    pub training: BTreeMap<UserId, TrainingStatus>,
}

/// What one run of the review job did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// The campaign it opened, if one was due.
    pub opened: Option<i64>,
    /// Overdue items it raised an alert for.
    pub alerted: usize,
}

/// The code of an opening refused while a campaign runs.
pub const CAMPAIGN_RUNNING: &str = "review.campaign_running";
/// The code of a decision on an item decided already.
pub const ALREADY_DECIDED: &str = "review.already_decided";
/// The code of a decision on an item of a closed campaign.
pub const CAMPAIGN_CLOSED: &str = "review.campaign_closed";
/// The code of a report asked for before the campaign finished.
pub const CAMPAIGN_UNFINISHED: &str = "review.campaign_unfinished";

fn refused(field: &'static str, code: &'static str) -> ServiceError {
    ServiceError::Validation(vec![FieldIssue::new(field, code)])
}

/// The access reviews and the training record.
pub struct Reviews {
    accounts: Arc<Accounts>,
}

impl Reviews {
    pub fn new(accounts: Arc<Accounts>) -> Reviews {
        Reviews { accounts }
    }

    async fn require(&self, actor: &Actor) -> Result<(), ServiceError> {
        if actor_holds(&self.accounts, actor)
            .await?
            .0
            .contains(&Permission::ReviewManage)
        {
            Ok(())
        } else {
            Err(RoleError::NotPermitted(Permission::ReviewManage).into())
        }
    }

    /// The items of a campaign opened now: every grant, a reviewer other
    /// than the grantee among the holders of `review.manage`, and whether
    /// it went unused long enough to be a candidate for removal.
    fn plan(&self, snapshot: &OpeningSnapshot, now: i64) -> CampaignPlan {
        let policy = self.accounts.policy.reviews;
        let mut roles_of: BTreeMap<UserId, Vec<&str>> = BTreeMap::new();
        for grant in &snapshot.grants {
            roles_of.entry(grant.user).or_default().push(&grant.role);
        }
        let reviewers: Vec<UserId> = roles_of
            .iter()
            .filter(|(_, roles)| {
                snapshot
                    .catalog
                    .effective_of(roles.iter().copied())
                    .contains(&Permission::ReviewManage)
            })
            .map(|(user, _)| *user)
            .collect();
        let grantees: Vec<UserId> = snapshot.grants.iter().map(|g| g.user).collect();
        let items = snapshot
            .grants
            .iter()
            .zip(assign_reviewers(&grantees, &reviewers))
            .map(|(grant, reviewer)| NewReviewItem {
                removal_candidate: policy.removal_candidate(
                    grant.granted_at,
                    grant.last_used_at,
                    now,
                ),
                grant: grant.clone(),
                reviewer,
            })
            .collect();
        CampaignPlan {
            due_at: policy.due_at(now),
            items,
        }
    }

    /// Opens a campaign now (`review.manage`); refused while another runs.
    pub async fn open(&self, actor: &Actor) -> Result<i64, ServiceError> {
        self.require(actor).await?;
        let now = self.accounts.clock.now_ms();
        let plan = |snapshot: &OpeningSnapshot| {
            let running = snapshot.latest.is_some_and(|latest| !latest.finished);
            (!running).then(|| self.plan(snapshot, now))
        };
        let opened = self
            .accounts
            .repo
            .open_campaign(actor.account(), now, &plan)
            .await?
            .ok_or_else(|| refused("campaign", CAMPAIGN_RUNNING))?;
        tracing::info!(actor = %actor, campaign = opened, "review campaign opened");
        Ok(opened)
    }

    /// The periodic job, safe to run in every process at once: opens the
    /// next campaign when one is due, and raises an alert for each item
    /// that became overdue (once per item).
    pub async fn tick(&self) -> Result<Tick, ServiceError> {
        let now = self.accounts.clock.now_ms();
        let policy = self.accounts.policy.reviews;
        let plan = |snapshot: &OpeningSnapshot| {
            let oldest = snapshot.grants.iter().map(|g| g.granted_at).min();
            policy
                .opens_now(snapshot.latest, oldest, now)
                .then(|| self.plan(snapshot, now))
        };
        let repo = &self.accounts.repo;
        let opened = repo.open_campaign(None, now, &plan).await?;
        if let Some(campaign) = opened {
            tracing::info!(campaign, "review campaign opened on schedule");
        }
        let overdue = repo.overdue_items(now).await?;
        for item in &overdue {
            self.accounts
                .raise_alert(
                    AlertRule::ReviewItemOverdue,
                    Subject::ReviewItem {
                        item: item.id,
                        account: item.grantee,
                    },
                    None,
                    1,
                )
                .await?;
            repo.mark_overdue_alerted(item.id, now).await?;
        }
        Ok(Tick {
            opened,
            alerted: overdue.len(),
        })
    }

    /// The newest campaigns first.
    pub async fn campaigns(
        &self,
        actor: &Actor,
        limit: u32,
    ) -> Result<Vec<CampaignRecord>, ServiceError> {
        self.require(actor).await?;
        Ok(self.accounts.repo.campaigns(limit).await?)
    }

    /// One campaign with every item, the accounts named and the grantees'
    /// training.
    pub async fn campaign(&self, actor: &Actor, id: i64) -> Result<CampaignDetail, ServiceError> {
        self.require(actor).await?;
        let repo = &self.accounts.repo;
        let campaign = repo
            .campaign(id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("no campaign has the id {id}")))?;
        let items = repo.review_items(id, 0, u32::MAX).await?;
        let accounts = self.names(&items).await?;
        let now = self.accounts.clock.now_ms();
        let mut training = BTreeMap::new();
        for grantee in items.iter().map(|item| item.grant.user) {
            if let std::collections::btree_map::Entry::Vacant(entry) = training.entry(grantee) {
                let latest = repo.latest_training(grantee).await?;
                entry.insert(self.training_status(latest.map(|(day, _)| day), now));
            }
        }
        Ok(CampaignDetail {
            campaign,
            items,
            accounts,
            training,
        })
    }

    /// The accounts items name: grantees, reviewers and deciders.
    async fn names(
        &self,
        items: &[ReviewItemRecord],
    ) -> Result<BTreeMap<UserId, AccountName>, ServiceError> {
        let mut ids: Vec<UserId> = items
            .iter()
            .flat_map(|item| {
                [
                    Some(item.grant.user),
                    item.reviewer,
                    item.decided.as_ref().map(|d| d.by),
                ]
            })
            .flatten()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut names = BTreeMap::new();
        for id in ids {
            if let Some(user) = self.accounts.repo.find_user(id).await? {
                names.insert(
                    id,
                    AccountName {
                        email: user.email,
                        display_name: user.display_name,
                    },
                );
            }
        }
        Ok(names)
    }

    /// Keeps or revokes the grant of an item, with a reason. Refused to the
    /// grantee, whoever the item is assigned to; a revocation also needs
    /// every permission the role carries (as a revoke from the team page)
    /// and takes effect at once: roles are read again on every request.
    pub async fn decide(
        &self,
        actor: &Actor,
        item: i64,
        decision: &str,
        reason: &str,
    ) -> Result<(), ServiceError> {
        let decision = Decision::parse(decision)
            .ok_or_else(|| refused("decision", "review.decision_required"))?;
        let reason = reason_of(reason)?;
        let Actor::Member(member) = actor else {
            return Err(RoleError::NotPermitted(Permission::ReviewManage).into());
        };
        let decided = ItemDecision {
            decision,
            by: member.id,
            reason: reason.as_str().to_owned(),
            at_ms: self.accounts.clock.now_ms(),
        };
        let check = |snapshot: &RoleSnapshot, item: &ReviewItemRecord| {
            let holds = holds_in(snapshot, actor);
            if !holds.contains(&Permission::ReviewManage) {
                return Err(RoleError::NotPermitted(Permission::ReviewManage));
            }
            if item.grant.user == member.id {
                return Err(RoleError::OwnRoles);
            }
            if decision == Decision::Revoke {
                let missing: Vec<Permission> = snapshot
                    .catalog
                    .effective(&item.grant.role)
                    .difference(&holds)
                    .copied()
                    .collect();
                if !missing.is_empty() {
                    return Err(RoleError::BeyondOwn(missing));
                }
            }
            Ok(())
        };
        match self
            .accounts
            .repo
            .decide_item(item, &decided, &check)
            .await??
        {
            Decided::Done => {
                tracing::info!(actor = %actor, item, decision = decision.as_str(), "review item decided");
                Ok(())
            }
            Decided::AlreadyDecided => Err(refused("decision", ALREADY_DECIDED)),
            Decided::Closed => Err(refused("decision", CAMPAIGN_CLOSED)),
            Decided::NoSuchItem => Err(ServiceError::NotFound(format!(
                "no review item has the id {item}"
            ))),
        }
    }

    /// Closes a campaign with items still undecided, with a reason: they
    /// stay undecided in its report and raise no more alerts.
    pub async fn close(
        &self,
        actor: &Actor,
        campaign: i64,
        reason: &str,
    ) -> Result<(), ServiceError> {
        let reason = reason_of(reason)?;
        self.require(actor).await?;
        let Actor::Member(member) = actor else {
            return Err(RoleError::NotPermitted(Permission::ReviewManage).into());
        };
        let now = self.accounts.clock.now_ms();
        if !self
            .accounts
            .repo
            .close_campaign(campaign, member.id, reason.as_str(), now)
            .await?
        {
            return Err(refused("reason", CAMPAIGN_CLOSED));
        }
        tracing::info!(actor = %actor, campaign, "review campaign closed");
        Ok(())
    }

    /// Up to `limit` items of a finished campaign after `after_id`, with
    /// the accounts they name: the report, batch by batch.
    pub async fn report(
        &self,
        actor: &Actor,
        campaign: i64,
        after_id: i64,
        limit: u32,
    ) -> Result<(Vec<ReviewItemRecord>, BTreeMap<UserId, AccountName>), ServiceError> {
        self.require(actor).await?;
        let repo = &self.accounts.repo;
        let record = repo
            .campaign(campaign)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("no campaign has the id {campaign}")))?;
        if !record.finished() {
            return Err(refused("campaign", CAMPAIGN_UNFINISHED));
        }
        let items = repo.review_items(campaign, after_id, limit).await?;
        let names = self.names(&items).await?;
        Ok((items, names))
    }

    /// Records that the signed-in member completed security training on
    /// `completed_on` (`2026-11-26`, UTC; not in the future). Staff only:
    /// an account holding no role has no training to record.
    pub async fn record_training(
        &self,
        user: &CurrentUser,
        course: &str,
        completed_on: &str,
    ) -> Result<(), ServiceError> {
        if !user.is_staff() {
            return Err(RoleError::NotPermitted(Permission::ReviewManage).into());
        }
        let course = domain::Reason::parse(course).map_err(|e| {
            refused(
                "course",
                match e {
                    domain::ReasonError::Required => "training.course_required",
                    _ => "training.course_invalid",
                },
            )
        })?;
        let now = self.accounts.clock.now_ms();
        let day = crate::time_format::day_start_ms(completed_on, crate::time_format::Tz::UTC)
            .ok_or_else(|| refused("completed_on", "training.date_invalid"))?;
        if day > now {
            return Err(refused("completed_on", "training.date_future"));
        }
        self.accounts
            .repo
            .record_training(user.id, course.as_str(), day, now)
            .await?;
        tracing::info!(user_id = %user.id, "security training recorded");
        Ok(())
    }

    /// The member's latest training (day and course) and its status.
    pub async fn own_training(
        &self,
        user: &CurrentUser,
    ) -> Result<(Option<(i64, String)>, TrainingStatus), ServiceError> {
        let latest = self.accounts.repo.latest_training(user.id).await?;
        let status = self.training_status(
            latest.as_ref().map(|(day, _)| *day),
            self.accounts.clock.now_ms(),
        );
        Ok((latest, status))
    }

    /// The status of training completed on that day, now.
    pub fn training_status(&self, completed_on: Option<i64>, now: i64) -> TrainingStatus {
        self.accounts.policy.reviews.training(completed_on, now)
    }
}
