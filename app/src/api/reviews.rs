//! The access reviews (`review.manage`) and each staff member's own
//! security training, from the console: the campaigns, an item kept or
//! revoked with a reason, a campaign opened or closed, a finished
//! campaign's report as CSV, and the training record.

use domain::review::Decision;
#[cfg(feature = "ssr")]
use domain::Permission;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, StreamingText, TextStream};
use serde::{Deserialize, Serialize};

use super::team::Gated;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr;

/// A member's security training as the pages show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrainingFlag {
    Current,
    /// Older than `LATCHKEY_TRAINING_VALID_DAYS`.
    Expired,
    Missing,
}

#[cfg(feature = "ssr")]
impl From<domain::review::TrainingStatus> for TrainingFlag {
    fn from(status: domain::review::TrainingStatus) -> Self {
        use domain::review::TrainingStatus;
        match status {
            TrainingStatus::Current(_) => TrainingFlag::Current,
            TrainingStatus::Expired(_) => TrainingFlag::Expired,
            TrainingStatus::Missing => TrainingFlag::Missing,
        }
    }
}

/// The reader's own latest training.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingView {
    pub flag: TrainingFlag,
    /// `2026-11-26`.
    pub day: Option<String>,
    pub course: Option<String>,
}

/// One campaign in the list; times in the reader's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignLine {
    pub id: i64,
    pub seq: i64,
    pub opened: String,
    pub due: String,
    pub closed: Option<String>,
    pub close_reason: Option<String>,
    pub items: i64,
    pub decided: i64,
    pub finished: bool,
}

/// One item of a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemLine {
    pub id: i64,
    pub grantee: String,
    pub role: String,
    pub removal_candidate: bool,
    pub last_used: Option<String>,
    pub training: TrainingFlag,
    pub reviewer: Option<String>,
    pub decision: Option<Decision>,
    pub decided_by: Option<String>,
    pub reason: Option<String>,
    pub decided_at: Option<String>,
    /// The reader's own grant: never theirs to decide.
    pub own: bool,
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignPanel {
    pub campaign: CampaignLine,
    pub items: Vec<ItemLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewsView {
    pub training: TrainingView,
    /// The reader runs reviews (`review.manage`).
    pub may_manage: bool,
    pub campaigns: Vec<CampaignLine>,
    /// The campaign asked for, else the newest.
    pub shown: Option<CampaignPanel>,
    pub zone: String,
}

/// Campaigns listed on the page, newest first.
pub const CAMPAIGNS_LISTED: u32 = 20;
/// The flash names of the page's forms.
pub const REVIEW_OPEN_FORM: &str = "review_open";
pub const REVIEW_DECIDE_FORM: &str = "review_decide";
pub const REVIEW_CLOSE_FORM: &str = "review_close";
pub const TRAINING_FORM: &str = "training";

#[cfg(feature = "ssr")]
fn day_of(ms: i64) -> String {
    service::time_format::iso_utc(ms)
        .get(..10)
        .unwrap_or_default()
        .to_owned()
}

#[cfg(feature = "ssr")]
fn name_of(
    accounts: &std::collections::BTreeMap<domain::UserId, service::alerts::AccountName>,
    id: domain::UserId,
) -> String {
    accounts
        .get(&id)
        .map_or_else(|| format!("#{}", id.0), |name| name.email.clone())
}

#[cfg(feature = "ssr")]
fn campaign_line(
    campaign: &service::ports::CampaignRecord,
    zone: service::time_format::Tz,
) -> CampaignLine {
    let time = |ms: i64| service::time_format::format_in_zone(ms, zone);
    CampaignLine {
        id: campaign.id,
        seq: campaign.seq,
        opened: time(campaign.opened_at),
        due: time(campaign.due_at),
        closed: campaign.closed_at.map(time),
        close_reason: campaign.close_reason.clone(),
        items: campaign.items,
        decided: campaign.decided,
        finished: campaign.finished(),
    }
}

/// The page: the reader's training for every staff member; the campaigns
/// and one campaign's items for those holding `review.manage`.
#[server(prefix = "/api", endpoint = "staff/reviews")]
pub async fn load_reviews(campaign: Option<i64>) -> Result<Gated<ReviewsView>, AppError> {
    use domain::role::BASELINE;
    let user = ssr::require(Permission::OwnView).await?;
    if !user.permissions.iter().any(|p| !BASELINE.contains(p)) {
        // Not staff, or staff whose roles wait for a second factor: the gate says which.
        let refused = super::team::gate(&user, &[Permission::ReviewManage])
            .await
            .err()
            .unwrap_or(Gated::Refused);
        ssr::reject(AppError::Forbidden);
        return Ok(refused);
    }
    let may_manage = user.may(Permission::ReviewManage);
    if may_manage {
        ssr::note_gate_use(&user, &[Permission::ReviewManage]).await;
    }
    let context = ssr::ctx()?;
    let reviews = context.reviews.clone();
    let zone = ssr::request_zone();
    let (latest, status) = reviews
        .own_training(&user)
        .await
        .map_err(ssr::into_app_error)?;
    let training = TrainingView {
        flag: status.into(),
        day: latest.as_ref().map(|(day, _)| day_of(*day)),
        course: latest.map(|(_, course)| course),
    };
    let (campaigns, shown) = if may_manage {
        let actor = service::Actor::member(&user);
        let campaigns = reviews
            .campaigns(&actor, CAMPAIGNS_LISTED)
            .await
            .map_err(ssr::into_app_error)?;
        let shown_id = campaign.or_else(|| campaigns.first().map(|c| c.id));
        let shown = match shown_id {
            Some(id) => {
                let detail = reviews
                    .campaign(&actor, id)
                    .await
                    .map_err(ssr::into_app_error)?;
                Some(campaign_panel(
                    &detail,
                    &user,
                    context.accounts.now_ms(),
                    zone,
                ))
            }
            None => None,
        };
        (
            campaigns.iter().map(|c| campaign_line(c, zone)).collect(),
            shown,
        )
    } else {
        (Vec::new(), None)
    };
    Ok(Gated::Granted(ReviewsView {
        training,
        may_manage,
        campaigns,
        shown,
        zone: zone.name().to_owned(),
    }))
}

#[cfg(feature = "ssr")]
fn campaign_panel(
    detail: &service::reviews::CampaignDetail,
    reader: &service::accounts::CurrentUser,
    now: i64,
    zone: service::time_format::Tz,
) -> CampaignPanel {
    let time = |ms: i64| service::time_format::format_in_zone(ms, zone);
    let campaign = &detail.campaign;
    let open = campaign.closed_at.is_none();
    let items = detail
        .items
        .iter()
        .map(|item| ItemLine {
            id: item.id,
            grantee: name_of(&detail.accounts, item.grant.user),
            role: item.grant.role.clone(),
            removal_candidate: item.removal_candidate,
            last_used: item.grant.last_used_at.map(time),
            training: detail
                .training
                .get(&item.grant.user)
                .copied()
                .map_or(TrainingFlag::Missing, Into::into),
            reviewer: item.reviewer.map(|id| name_of(&detail.accounts, id)),
            decision: item.decided.as_ref().map(|d| d.decision),
            decided_by: item
                .decided
                .as_ref()
                .map(|d| name_of(&detail.accounts, d.by)),
            reason: item.decided.as_ref().map(|d| d.reason.clone()),
            decided_at: item.decided.as_ref().map(|d| time(d.at_ms)),
            own: item.grant.user == reader.id,
            overdue: open && domain::review::overdue(campaign.due_at, item.decided.is_some(), now),
        })
        .collect();
    CampaignPanel {
        campaign: campaign_line(campaign, zone),
        items,
    }
}

/// Opens a campaign now: every staff grant becomes an item.
#[server(prefix = "/api", endpoint = "staff/reviews/open")]
pub async fn open_review_campaign() -> Result<(), AppError> {
    super::staff::guarded(
        REVIEW_OPEN_FORM,
        Permission::ReviewManage,
        &[],
        |user| async move {
            let id = ssr::ctx()?
                .reviews
                .open(&service::Actor::member(&user))
                .await?;
            Ok(format!("/staff/reviews?campaign={id}&done=opened"))
        },
    )
    .await
}

/// Keeps or revokes the grant of an item, with a reason; a revocation
/// takes effect at once.
#[server(prefix = "/api", endpoint = "staff/reviews/decide")]
pub async fn decide_review_item(
    campaign: i64,
    item: i64,
    decision: Option<String>,
    reason: Option<String>,
) -> Result<(), AppError> {
    let reason = reason.unwrap_or_default();
    let decision = decision.unwrap_or_default();
    let id = item.to_string();
    let keep = [("reason", reason.as_str()), ("item", id.as_str())];
    let typed = reason.clone();
    super::staff::guarded(
        REVIEW_DECIDE_FORM,
        Permission::ReviewManage,
        &keep,
        |user| async move {
            ssr::ctx()?
                .reviews
                .decide(&service::Actor::member(&user), item, &decision, &typed)
                .await?;
            Ok(format!(
                "/staff/reviews?campaign={campaign}&done=decided#item-{item}"
            ))
        },
    )
    .await
}

/// Closes a campaign with items left undecided, with a reason.
#[server(prefix = "/api", endpoint = "staff/reviews/close")]
pub async fn close_review_campaign(campaign: i64, reason: Option<String>) -> Result<(), AppError> {
    let reason = reason.unwrap_or_default();
    let keep = [("reason", reason.as_str())];
    let typed = reason.clone();
    super::staff::guarded(
        REVIEW_CLOSE_FORM,
        Permission::ReviewManage,
        &keep,
        |user| async move {
            ssr::ctx()?
                .reviews
                .close(&service::Actor::member(&user), campaign, &typed)
                .await?;
            Ok(format!("/staff/reviews?campaign={campaign}&done=closed"))
        },
    )
    .await
}

/// Records the reader's own completed security training.
#[server(prefix = "/api", endpoint = "staff/training")]
pub async fn record_training(
    course: Option<String>,
    completed_on: Option<String>,
) -> Result<(), AppError> {
    let course = course.unwrap_or_default();
    let completed_on = completed_on.unwrap_or_default();
    let keep = [
        ("course", course.as_str()),
        ("completed_on", completed_on.as_str()),
    ];
    let (course, day) = (course.clone(), completed_on.clone());
    super::staff::guarded(
        TRAINING_FORM,
        Permission::OwnChange,
        &keep,
        |user| async move {
            ssr::ctx()?
                .reviews
                .record_training(&user, &course, &day)
                .await?;
            Ok("/staff/reviews?done=trained".to_owned())
        },
    )
    .await
}

/// Items read per step of the report.
#[cfg(feature = "ssr")]
const REPORT_BATCH: u32 = 500;

/// A finished campaign's report: every item with its decision, reviewer,
/// reason and time, as CSV for spreadsheets.
#[server(prefix = "/api", endpoint = "staff/reviews/report.csv", input = GetUrl, output = StreamingText)]
pub async fn export_review_report(campaign: i64) -> Result<TextStream<AppError>, AppError> {
    use crate::i18n::T;
    use futures::StreamExt;

    let user = ssr::require(Permission::ReviewManage).await?;
    let reviews = ssr::ctx()?.reviews;
    let actor = service::Actor::member(&user);
    let zone = ssr::request_zone();
    let locale = ssr::request_locale();
    // The first batch is read before the answer starts, so an unfinished
    // or unknown campaign is refused with its status, not a broken file.
    let (first, names) = reviews
        .report(&actor, campaign, 0, REPORT_BATCH)
        .await
        .map_err(ssr::into_app_error)?;
    let header = service::csv::to_csv(
        &[
            T::ColId.text(locale),
            T::ReviewGranteeCol.text(locale),
            T::RoleLabel.text(locale),
            T::ReviewCandidateCol.text(locale),
            T::ReviewLastUsedCol.text(locale),
            T::ReviewReviewerCol.text(locale),
            T::ReviewDecisionCol.text(locale),
            T::ReviewDecidedByCol.text(locale),
            T::ReasonLabel.text(locale),
            T::ColTime.text(locale),
        ],
        Vec::<Vec<String>>::new(),
    );
    let rows = move |items: &[service::ports::ReviewItemRecord],
                     names: &std::collections::BTreeMap<
        domain::UserId,
        service::alerts::AccountName,
    >| {
        let time = |ms: i64| service::time_format::format_in_zone(ms, zone);
        service::csv::csv_rows(items.iter().map(|item| {
            let decided = item.decided.as_ref();
            vec![
                item.id.to_string(),
                name_of(names, item.grant.user),
                item.grant.role.clone(),
                if item.removal_candidate {
                    T::Yes.text(locale)
                } else {
                    T::No.text(locale)
                }
                .to_owned(),
                item.grant.last_used_at.map(time).unwrap_or_default(),
                item.reviewer
                    .map(|id| name_of(names, id))
                    .unwrap_or_default(),
                decided
                    .map(|d| decision_text(d.decision).text(locale).to_owned())
                    .unwrap_or_else(|| T::ReviewUndecided.text(locale).to_owned()),
                decided.map(|d| name_of(names, d.by)).unwrap_or_default(),
                decided.map(|d| d.reason.clone()).unwrap_or_default(),
                decided.map(|d| time(d.at_ms)).unwrap_or_default(),
            ]
        }))
    };
    let after = (first.len() == REPORT_BATCH as usize)
        .then(|| first.last().map(|item| item.id))
        .flatten();
    let first_text = rows(&first, &names);
    let rest = futures::stream::unfold(after, move |after| {
        let reviews = reviews.clone();
        async move {
            let after = after?;
            let (items, names) = match reviews.report(&actor, campaign, after, REPORT_BATCH).await {
                Ok(batch) => batch,
                Err(error) => return Some((Err(ssr::into_app_error(error)), None)),
            };
            let last = items.last().map(|item| item.id)?;
            let more = items.len() == REPORT_BATCH as usize;
            Some((Ok(rows(&items, &names)), more.then_some(last)))
        }
    });
    let body = futures::stream::once(async move { Ok(header + &first_text) }).chain(rest);
    Ok(ssr::download_stream(
        &format!("latchkey-review-{campaign}.csv"),
        "text/csv; charset=utf-8",
        body,
    ))
}

/// The words for a decision.
pub fn decision_text(decision: Decision) -> crate::i18n::T {
    match decision {
        Decision::Keep => crate::i18n::T::ReviewKept,
        Decision::Revoke => crate::i18n::T::ReviewRevokedWord,
    }
}
