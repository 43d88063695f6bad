//! Access-review campaigns and their items, the use of grants, and the
//! staff's security training. Openings and decisions run under the role
//! lock (they read and change grants), and every opening, decision, closing
//! and training record is appended to the audit chain in its transaction.

use async_trait::async_trait;
use domain::audit::{AuditKind, Personal};
use domain::review::{Decision, LatestCampaign};
use domain::{RoleError, UserId};
use service::ports::{
    CampaignRecord, Decided, DecisionCheck, GrantRecord, ItemDecision, OpeningPlan,
    OpeningSnapshot, OverdueItem, ReviewItemRecord, ReviewRepo, RoleChange, StoreResult,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::{append, NewEvent};
use crate::roles::{load_catalog, lock_roles, revoke_grant};
use crate::{store_error, SqlStore};

const CAMPAIGN_SQL: &str = "SELECT id, seq, opened_by, opened_at, due_at, closed_at, closed_by, \
     close_reason, \
     (SELECT COUNT(*) FROM review_items WHERE review_items.campaign_id = review_campaigns.id) AS items, \
     (SELECT COUNT(*) FROM review_items WHERE review_items.campaign_id = review_campaigns.id \
        AND review_items.decided_at IS NOT NULL) AS decided \
     FROM review_campaigns";

const ITEM_COLUMNS: &str = "id, campaign_id, grantee_id, role, granted_at, last_used_at, \
     removal_candidate, reviewer_id, decision, decided_by, reason, decided_at";

fn campaign(row: &AnyRow) -> Result<CampaignRecord, sqlx::Error> {
    let user = |name: &str| -> Result<Option<UserId>, sqlx::Error> {
        Ok(row.try_get::<Option<i64>, _>(name)?.map(UserId))
    };
    Ok(CampaignRecord {
        id: row.try_get("id")?,
        seq: row.try_get("seq")?,
        opened_by: user("opened_by")?,
        opened_at: row.try_get("opened_at")?,
        due_at: row.try_get("due_at")?,
        closed_at: row.try_get("closed_at")?,
        closed_by: user("closed_by")?,
        close_reason: row.try_get("close_reason")?,
        items: row.try_get("items")?,
        decided: row.try_get("decided")?,
    })
}

fn item(row: &AnyRow) -> Result<ReviewItemRecord, sqlx::Error> {
    let decision: Option<String> = row.try_get("decision")?;
    let decided_by: Option<i64> = row.try_get("decided_by")?;
    let decided_at: Option<i64> = row.try_get("decided_at")?;
    let candidate: i64 = row.try_get("removal_candidate")?;
    let decided = match (decision, decided_by, decided_at) {
        (Some(decision), Some(by), Some(at_ms)) => Some(ItemDecision {
            decision: Decision::parse(&decision).ok_or_else(|| {
                sqlx::Error::Decode(format!("unknown review decision {decision:?}").into())
            })?,
            by: UserId(by),
            reason: row
                .try_get::<Option<String>, _>("reason")?
                .unwrap_or_default(),
            at_ms,
        }),
        _ => None,
    };
    Ok(ReviewItemRecord {
        id: row.try_get("id")?,
        campaign_id: row.try_get("campaign_id")?,
        grant: GrantRecord {
            user: UserId(row.try_get("grantee_id")?),
            role: row.try_get("role")?,
            granted_at: row.try_get("granted_at")?,
            last_used_at: row.try_get("last_used_at")?,
        },
        removal_candidate: candidate == 1,
        reviewer: row.try_get::<Option<i64>, _>("reviewer_id")?.map(UserId),
        decided,
    })
}

/// What an opening decides on: the latest campaign and every grant.
async fn opening_snapshot(conn: &mut AnyConnection) -> StoreResult<(Option<i64>, OpeningSnapshot)> {
    let latest = sqlx::query(&format!("{CAMPAIGN_SQL} ORDER BY seq DESC LIMIT 1"))
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?
        .map(|row| campaign(&row))
        .transpose()
        .map_err(store_error)?;
    let grants = sqlx::query(
        "SELECT role_grants.user_id AS user_id, roles.name AS role, \
           role_grants.created_at AS granted_at, role_grants.last_used_at AS last_used_at \
         FROM role_grants JOIN roles ON roles.id = role_grants.role_id \
         ORDER BY role_grants.user_id, roles.name",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(store_error)?
    .iter()
    .map(|row| {
        Ok(GrantRecord {
            user: UserId(row.try_get("user_id")?),
            role: row.try_get("role")?,
            granted_at: row.try_get("granted_at")?,
            last_used_at: row.try_get("last_used_at")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()
    .map_err(store_error)?;
    let catalog = load_catalog(conn).await?;
    Ok((
        latest.as_ref().map(|c| c.seq),
        OpeningSnapshot {
            latest: latest.map(|c| LatestCampaign {
                opened_at: c.opened_at,
                finished: c.finished(),
            }),
            grants,
            catalog,
        },
    ))
}

#[async_trait]
impl ReviewRepo for SqlStore {
    async fn open_campaign(
        &self,
        opened_by: Option<UserId>,
        at_ms: i64,
        plan: OpeningPlan<'_>,
    ) -> StoreResult<Option<i64>> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        lock_roles(&mut tx, self.backend).await?;
        let (latest_seq, snapshot) = opening_snapshot(&mut tx).await?;
        let Some(plan) = plan(&snapshot) else {
            return Ok(None);
        };
        let seq = latest_seq.unwrap_or(0) + 1;
        // The lock serialises openings already; the unique number is the
        // backstop should a process ever open without it.
        let inserted = sqlx::query(
            "INSERT INTO review_campaigns (seq, opened_by, opened_at, due_at, created_at) \
             VALUES ($1, $2, $3, $4, $3) ON CONFLICT (seq) DO NOTHING",
        )
        .bind(seq)
        .bind(opened_by.map(|u| u.0))
        .bind(at_ms)
        .bind(plan.due_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?
        .rows_affected();
        if inserted == 0 {
            return Ok(None);
        }
        let id: i64 = sqlx::query_scalar("SELECT id FROM review_campaigns WHERE seq = $1")
            .bind(seq)
            .fetch_one(&mut *tx)
            .await
            .map_err(store_error)?;
        for new in &plan.items {
            sqlx::query(
                "INSERT INTO review_items (campaign_id, grantee_id, role, granted_at, last_used_at, \
                   removal_candidate, reviewer_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(new.grant.user.0)
            .bind(&new.grant.role)
            .bind(new.grant.granted_at)
            .bind(new.grant.last_used_at)
            .bind(i64::from(new.removal_candidate))
            .bind(new.reviewer.map(|r| r.0))
            .bind(at_ms)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        let details = serde_json::json!({
            "campaign": id,
            "seq": seq,
            "items": plan.items.len(),
            "due_at": plan.due_at,
        });
        append(
            &mut tx,
            &[NewEvent {
                at_ms,
                actor: opened_by.map(|u| u.0),
                subject: None,
                kind: AuditKind::ReviewCampaignOpened,
                reason: None,
                details: Some(details.to_string()),
                personal: Personal::default(),
            }],
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(Some(id))
    }

    async fn campaigns(&self, limit: u32) -> StoreResult<Vec<CampaignRecord>> {
        sqlx::query(&format!("{CAMPAIGN_SQL} ORDER BY seq DESC LIMIT $1"))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?
            .iter()
            .map(campaign)
            .collect::<Result<_, _>>()
            .map_err(store_error)
    }

    async fn campaign(&self, id: i64) -> StoreResult<Option<CampaignRecord>> {
        sqlx::query(&format!("{CAMPAIGN_SQL} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?
            .map(|row| campaign(&row))
            .transpose()
            .map_err(store_error)
    }

    async fn review_items(
        &self,
        campaign: i64,
        after_id: i64,
        limit: u32,
    ) -> StoreResult<Vec<ReviewItemRecord>> {
        sqlx::query(&format!(
            "SELECT {ITEM_COLUMNS} FROM review_items WHERE campaign_id = $1 AND id > $2 \
             ORDER BY id LIMIT $3"
        ))
        .bind(campaign)
        .bind(after_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?
        .iter()
        .map(item)
        .collect::<Result<_, _>>()
        .map_err(store_error)
    }

    async fn decide_item(
        &self,
        id: i64,
        decision: &ItemDecision,
        check: DecisionCheck<'_>,
    ) -> StoreResult<Result<Decided, RoleError>> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        // The lock first: the item and the grants are read as the decision
        // before this one left them.
        lock_roles(&mut tx, self.backend).await?;
        let Some(row) = sqlx::query(&format!(
            "SELECT {ITEM_COLUMNS}, \
               (SELECT closed_at FROM review_campaigns WHERE review_campaigns.id = campaign_id) AS closed_at \
             FROM review_items WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?
        else {
            return Ok(Ok(Decided::NoSuchItem));
        };
        let found = item(&row).map_err(store_error)?;
        if found.decided.is_some() {
            return Ok(Ok(Decided::AlreadyDecided));
        }
        let closed_at: Option<i64> = row.try_get("closed_at").map_err(store_error)?;
        if closed_at.is_some() {
            return Ok(Ok(Decided::Closed));
        }
        let grantee = found.grant.user;
        let snapshot = self
            .snapshot(&mut tx, Some(decision.by), Some(grantee))
            .await?;
        if let Err(refusal) = check(&snapshot, &found) {
            return Ok(Err(refusal));
        }
        if decision.decision == Decision::Revoke {
            let change = RoleChange {
                actor: Some(decision.by),
                target: grantee,
                reason: &decision.reason,
                at_ms: decision.at_ms,
            };
            // A grant revoked since the opening is gone already: the
            // decision is recorded all the same.
            revoke_grant(&mut tx, &change, &found.grant.role).await?;
        }
        sqlx::query(
            "UPDATE review_items SET decision = $2, decided_by = $3, reason = $4, decided_at = $5 \
             WHERE id = $1 AND decided_at IS NULL",
        )
        .bind(id)
        .bind(decision.decision.as_str())
        .bind(decision.by.0)
        .bind(&decision.reason)
        .bind(decision.at_ms)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        let kind = match decision.decision {
            Decision::Keep => AuditKind::ReviewKept,
            Decision::Revoke => AuditKind::ReviewRevoked,
        };
        let details = serde_json::json!({
            "campaign": found.campaign_id,
            "item": id,
            "role": found.grant.role,
        });
        append(
            &mut tx,
            &[NewEvent {
                at_ms: decision.at_ms,
                actor: Some(decision.by.0),
                subject: Some(grantee.0),
                kind,
                reason: Some(&decision.reason),
                details: Some(details.to_string()),
                personal: Personal::default(),
            }],
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(Ok(Decided::Done))
    }

    async fn close_campaign(
        &self,
        id: i64,
        by: UserId,
        reason: &str,
        at_ms: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let closed = sqlx::query(
            "UPDATE review_campaigns SET closed_at = $2, closed_by = $3, close_reason = $4 \
             WHERE id = $1 AND closed_at IS NULL",
        )
        .bind(id)
        .bind(at_ms)
        .bind(by.0)
        .bind(reason)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?
        .rows_affected()
            > 0;
        if !closed {
            return Ok(false);
        }
        append(
            &mut tx,
            &[NewEvent {
                at_ms,
                actor: Some(by.0),
                subject: None,
                kind: AuditKind::ReviewCampaignClosed,
                reason: Some(reason),
                details: Some(serde_json::json!({ "campaign": id }).to_string()),
                personal: Personal::default(),
            }],
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(true)
    }

    async fn overdue_items(&self, now_ms: i64) -> StoreResult<Vec<OverdueItem>> {
        sqlx::query(
            "SELECT review_items.id AS id, review_items.grantee_id AS grantee_id, \
               review_campaigns.due_at AS due_at \
             FROM review_items JOIN review_campaigns ON review_campaigns.id = review_items.campaign_id \
             WHERE review_items.decided_at IS NULL AND review_items.overdue_alerted_at IS NULL \
               AND review_campaigns.closed_at IS NULL AND review_campaigns.due_at <= $1 \
             ORDER BY review_items.id",
        )
        .bind(now_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?
        .iter()
        .map(|row| {
            Ok(OverdueItem {
                id: row.try_get("id")?,
                grantee: UserId(row.try_get("grantee_id")?),
                due_at: row.try_get("due_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(store_error)
    }

    async fn mark_overdue_alerted(&self, item: i64, at_ms: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE review_items SET overdue_alerted_at = $2 \
             WHERE id = $1 AND overdue_alerted_at IS NULL",
        )
        .bind(item)
        .bind(at_ms)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn note_grant_use(
        &self,
        user: UserId,
        roles: &[String],
        at_ms: i64,
        day_start: i64,
    ) -> StoreResult<()> {
        for role in roles {
            sqlx::query(
                "UPDATE role_grants SET last_used_at = $1 \
                 WHERE user_id = $2 AND role_id = (SELECT id FROM roles WHERE name = $3) \
                   AND (last_used_at IS NULL OR last_used_at < $4)",
            )
            .bind(at_ms)
            .bind(user.0)
            .bind(role)
            .bind(day_start)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        }
        Ok(())
    }

    async fn record_training(
        &self,
        user: UserId,
        course: &str,
        completed_on: i64,
        at_ms: i64,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(
            "INSERT INTO staff_training (user_id, course, completed_on, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(user.0)
        .bind(course)
        .bind(completed_on)
        .bind(at_ms)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        append(
            &mut tx,
            &[NewEvent {
                at_ms,
                actor: Some(user.0),
                subject: Some(user.0),
                kind: AuditKind::TrainingRecorded,
                reason: Some(course),
                details: Some(serde_json::json!({ "completed_on": completed_on }).to_string()),
                personal: Personal::default(),
            }],
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(())
    }

    async fn latest_training(&self, user: UserId) -> StoreResult<Option<(i64, String)>> {
        let row = sqlx::query(
            "SELECT completed_on, course FROM staff_training WHERE user_id = $1 \
             ORDER BY completed_on DESC, id DESC LIMIT 1",
        )
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.map(|row| -> StoreResult<(i64, String)> {
            Ok((
                row.try_get("completed_on").map_err(store_error)?,
                row.try_get("course").map_err(store_error)?,
            ))
        })
        .transpose()
    }
}
