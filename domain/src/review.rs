//! Access reviews and staff training: when the next campaign is due, who
//! reviews which grant, which grants are candidates for removal, when an
//! item is overdue, and whether a member's security training is current.
//! Times are Unix milliseconds; nothing here reads a clock or a table.

use serde::{Deserialize, Serialize};

use crate::UserId;

pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The review settings, with the documented defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewPolicy {
    /// A campaign opens by itself this many days after the one before
    /// (`LATCHKEY_REVIEW_EVERY_DAYS`); 0 turns the automatic opening off.
    pub every_days: i64,
    /// Items are due this many days after their campaign opens
    /// (`LATCHKEY_REVIEW_DUE_DAYS`).
    pub due_days: i64,
    /// A grant unused this long is a candidate for removal
    /// (`LATCHKEY_REVIEW_UNUSED_DAYS`).
    pub unused_days: i64,
    /// Security training counts this long (`LATCHKEY_TRAINING_VALID_DAYS`).
    pub training_valid_days: i64,
}

impl Default for ReviewPolicy {
    fn default() -> Self {
        ReviewPolicy {
            every_days: 90,
            due_days: 14,
            unused_days: 90,
            training_valid_days: 365,
        }
    }
}

/// The latest campaign, as the automatic opening sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatestCampaign {
    pub opened_at: i64,
    /// Every item decided, or closed.
    pub finished: bool,
}

/// Whether a member's security training counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrainingStatus {
    /// Completed on this day (its start), within the validity.
    Current(i64),
    /// Completed on this day, longer ago than the validity.
    Expired(i64),
    Missing,
}

impl TrainingStatus {
    /// Flagged in a campaign and on the team page.
    pub fn flagged(self) -> bool {
        !matches!(self, TrainingStatus::Current(_))
    }
}

impl ReviewPolicy {
    /// When a campaign opened at `opened_at` is due.
    pub fn due_at(&self, opened_at: i64) -> i64 {
        opened_at + self.due_days * DAY_MS
    }

    /// Whether the automatic opening opens a campaign now. One runs at a
    /// time: while the latest is unfinished its overdue items raise alerts
    /// instead. The first opens once the oldest grant is a period old, so
    /// a new deployment does not start with an empty review.
    pub fn opens_now(
        &self,
        latest: Option<LatestCampaign>,
        oldest_grant_at: Option<i64>,
        now: i64,
    ) -> bool {
        if self.every_days <= 0 {
            return false;
        }
        let period = self.every_days * DAY_MS;
        match (latest, oldest_grant_at) {
            (Some(latest), _) => latest.finished && now - latest.opened_at >= period,
            (None, Some(oldest)) => now - oldest >= period,
            (None, None) => false,
        }
    }

    /// A grant not used (or, never used, not granted) within the period is
    /// a candidate for removal.
    pub fn removal_candidate(&self, granted_at: i64, last_used_at: Option<i64>, now: i64) -> bool {
        let since = last_used_at.map_or(granted_at, |used| used.max(granted_at));
        now - since >= self.unused_days * DAY_MS
    }

    /// The status of training completed on `completed_on` (a day's start).
    pub fn training(&self, completed_on: Option<i64>, now: i64) -> TrainingStatus {
        match completed_on {
            None => TrainingStatus::Missing,
            Some(day) if now - day > self.training_valid_days * DAY_MS => {
                TrainingStatus::Expired(day)
            }
            Some(day) => TrainingStatus::Current(day),
        }
    }
}

/// An undecided item past its due date.
pub fn overdue(due_at: i64, decided: bool, now: i64) -> bool {
    !decided && now >= due_at
}

/// The reviewer of each grant, in order: round-robin over `reviewers`
/// (in id order), skipping the grantee, so nobody reviews their own grant;
/// `None` when nobody else may review it.
pub fn assign_reviewers(grantees: &[UserId], reviewers: &[UserId]) -> Vec<Option<UserId>> {
    let mut reviewers = reviewers.to_vec();
    reviewers.sort_unstable();
    reviewers.dedup();
    let mut next = 0usize;
    grantees
        .iter()
        .map(|grantee| {
            let eligible = reviewers.iter().filter(|r| *r != grantee).count();
            if eligible == 0 {
                return None;
            }
            loop {
                let candidate = reviewers[next % reviewers.len()];
                next += 1;
                if candidate != *grantee {
                    return Some(candidate);
                }
            }
        })
        .collect()
}

/// The day a grant counts as used on: its use is written at most once a day.
pub fn use_day(at_ms: i64) -> i64 {
    at_ms.div_euclid(DAY_MS)
}

/// What a reviewer decides about one grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    Keep,
    Revoke,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Keep => "keep",
            Decision::Revoke => "revoke",
        }
    }

    pub fn parse(name: &str) -> Option<Decision> {
        [Decision::Keep, Decision::Revoke]
            .into_iter()
            .find(|d| d.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(ids: &[i64]) -> Vec<UserId> {
        ids.iter().copied().map(UserId).collect()
    }

    #[test]
    fn reviewers_go_round_robin_and_never_review_themselves() {
        let assigned = assign_reviewers(&ids(&[5, 1, 7, 2, 9]), &ids(&[2, 1]));
        assert_eq!(
            assigned,
            vec![
                Some(UserId(1)),
                Some(UserId(2)),
                Some(UserId(1)),
                Some(UserId(1)),
                Some(UserId(2))
            ]
        );
        for (grantee, reviewer) in ids(&[1, 2, 1, 2])
            .iter()
            .zip(assign_reviewers(&ids(&[1, 2, 1, 2]), &ids(&[1, 2])))
        {
            assert_ne!(Some(*grantee), reviewer);
        }
        assert_eq!(
            assign_reviewers(&ids(&[3]), &ids(&[3])),
            vec![None],
            "the only reviewer's own grant has nobody"
        );
        assert_eq!(assign_reviewers(&ids(&[3]), &[]), vec![None]);
    }

    #[test]
    fn unused_grants_are_candidates() {
        let policy = ReviewPolicy::default();
        let now = 1000 * DAY_MS;
        assert!(policy.removal_candidate(now - 90 * DAY_MS, None, now));
        assert!(
            !policy.removal_candidate(now - 89 * DAY_MS, None, now),
            "a fresh grant"
        );
        assert!(!policy.removal_candidate(now - 400 * DAY_MS, Some(now - DAY_MS), now));
        assert!(policy.removal_candidate(now - 400 * DAY_MS, Some(now - 91 * DAY_MS), now));
        assert!(
            !policy.removal_candidate(now - 10 * DAY_MS, Some(now - 200 * DAY_MS), now),
            "a use before a new grant does not age it"
        );
    }

    #[test]
    fn training_counts_for_its_validity() {
        let policy = ReviewPolicy::default();
        let now = 2000 * DAY_MS;
        assert_eq!(policy.training(None, now), TrainingStatus::Missing);
        let day = now - 365 * DAY_MS;
        assert_eq!(
            policy.training(Some(day), now),
            TrainingStatus::Current(day)
        );
        let old = now - 366 * DAY_MS;
        assert_eq!(
            policy.training(Some(old), now),
            TrainingStatus::Expired(old)
        );
        assert!(TrainingStatus::Missing.flagged());
        assert!(TrainingStatus::Expired(old).flagged());
        assert!(!TrainingStatus::Current(day).flagged());
    }

    #[test]
    fn items_are_overdue_after_the_due_date_until_decided() {
        let policy = ReviewPolicy::default();
        let opened = 100 * DAY_MS;
        let due = policy.due_at(opened);
        assert_eq!(due, opened + 14 * DAY_MS);
        assert!(!overdue(due, false, due - 1));
        assert!(overdue(due, false, due));
        assert!(!overdue(due, true, due + DAY_MS));
    }

    #[test]
    fn campaigns_open_once_a_period_one_at_a_time() {
        let policy = ReviewPolicy::default();
        let now = 1000 * DAY_MS;
        assert!(
            !policy.opens_now(None, None, now),
            "no grant, nothing to review"
        );
        assert!(!policy.opens_now(None, Some(now - 89 * DAY_MS), now));
        assert!(policy.opens_now(None, Some(now - 90 * DAY_MS), now));
        let latest = |days_ago: i64, finished: bool| LatestCampaign {
            opened_at: now - days_ago * DAY_MS,
            finished,
        };
        assert!(!policy.opens_now(Some(latest(89, true)), Some(0), now));
        assert!(policy.opens_now(Some(latest(90, true)), Some(0), now));
        assert!(
            !policy.opens_now(Some(latest(200, false)), Some(0), now),
            "an unfinished campaign raises alerts instead"
        );
        let off = ReviewPolicy {
            every_days: 0,
            ..policy
        };
        assert!(!off.opens_now(None, Some(0), now));
    }

    #[test]
    fn a_use_is_counted_by_its_day() {
        assert_eq!(use_day(0), 0);
        assert_eq!(use_day(DAY_MS - 1), 0);
        assert_eq!(use_day(DAY_MS), 1);
        for decision in [Decision::Keep, Decision::Revoke] {
            assert_eq!(Decision::parse(decision.as_str()), Some(decision));
        }
        assert_eq!(Decision::parse("maybe"), None);
    }
}
