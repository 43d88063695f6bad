//! Alerts: the failed sign-ins the detection rules count, one row per
//! incident, acknowledgements (appended to the audit chain in the same
//! transaction), and the delivery queue, leased like the mail queue.

use async_trait::async_trait;
use domain::audit::{AuditKind, Personal};
use domain::{AlertRule, UserId};
use service::ports::{
    Acknowledgement, AlertChannel, AlertDelivery, AlertRecord, AlertRepo, FailedSignIn,
    FailureCounts, NewAlert, StoreResult,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::{append, NewEvent};
use crate::{store_error, SqlStore};

/// How long failed sign-ins are kept for the rules: a week.
pub(crate) const FAILED_SIGN_IN_MEMORY_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// The PostgreSQL advisory lock that serialises raising alerts across
/// processes, so that two events of one incident never open two
/// ("LKALERT" in ASCII).
const RAISE_LOCK: i64 = 0x004c_4b41_4c45_5254;

const ALERT_COLUMNS: &str = "id, rule, subject_key, account_id, ip, events, observed, first_at, \
     last_at, acknowledged_at, acknowledged_by, ack_note";

/// Takes the raise lock for the rest of the transaction: the advisory lock
/// on PostgreSQL; on SQLite a write statement, which takes the database's
/// write lock before anything is read.
async fn lock_raising(conn: &mut AnyConnection) -> StoreResult<()> {
    let query = if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT 1 FROM pg_advisory_xact_lock($1)").bind(RAISE_LOCK)
    } else {
        sqlx::query("UPDATE alerts SET events = events WHERE id = 0")
    };
    query.execute(&mut *conn).await.map_err(store_error)?;
    Ok(())
}

fn alert(row: &AnyRow) -> Result<AlertRecord, sqlx::Error> {
    let rule: String = row.try_get("rule")?;
    let acknowledged_at: Option<i64> = row.try_get("acknowledged_at")?;
    let acknowledged_by: Option<i64> = row.try_get("acknowledged_by")?;
    let note: Option<String> = row.try_get("ack_note")?;
    Ok(AlertRecord {
        id: row.try_get("id")?,
        rule: AlertRule::parse(&rule)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown alert rule {rule:?}").into()))?,
        subject_key: row.try_get("subject_key")?,
        account: row.try_get::<Option<i64>, _>("account_id")?.map(UserId),
        ip: row.try_get("ip")?,
        events: row.try_get("events")?,
        observed: row.try_get("observed")?,
        first_at: row.try_get("first_at")?,
        last_at: row.try_get("last_at")?,
        acknowledged: match (acknowledged_at, acknowledged_by) {
            (Some(at_ms), Some(by)) => Some(Acknowledgement {
                by: UserId(by),
                at_ms,
                note: note.unwrap_or_default(),
            }),
            _ => None,
        },
    })
}

fn alerts(rows: &[AnyRow]) -> StoreResult<Vec<AlertRecord>> {
    rows.iter()
        .map(alert)
        .collect::<Result<_, _>>()
        .map_err(store_error)
}

#[async_trait]
impl AlertRepo for SqlStore {
    async fn note_failed_sign_in(
        &self,
        attempt: &FailedSignIn<'_>,
        network_since: i64,
        address_since: i64,
    ) -> StoreResult<FailureCounts> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(
            "INSERT INTO failed_sign_ins (network, address_key, created_at) VALUES ($1, $2, $3)",
        )
        .bind(attempt.network)
        .bind(attempt.address_key)
        .bind(attempt.at_ms)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        let row = sqlx::query(
            "SELECT \
               (SELECT COUNT(DISTINCT address_key) FROM failed_sign_ins WHERE network = $1 AND created_at >= $2) AS addresses, \
               (SELECT COUNT(*) FROM failed_sign_ins WHERE address_key = $3 AND created_at >= $4) AS failures",
        )
        .bind(attempt.network)
        .bind(network_since)
        .bind(attempt.address_key)
        .bind(address_since)
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        let count = |name: &str| -> StoreResult<u32> {
            let n: i64 = row.try_get(name).map_err(store_error)?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        };
        Ok(FailureCounts {
            addresses_from_network: count("addresses")?,
            failures_for_address: count("failures")?,
        })
    }

    async fn raise_alert(
        &self,
        new: &NewAlert<'_>,
        channels: &[AlertChannel],
    ) -> StoreResult<(i64, bool)> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        lock_raising(&mut tx).await?;
        let open: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM alerts WHERE rule = $1 AND subject_key = $2 AND last_at >= $3 \
             ORDER BY last_at DESC, id DESC LIMIT 1",
        )
        .bind(new.rule.as_str())
        .bind(new.subject_key)
        .bind(new.open_since_ms)
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?;
        let answer = match open {
            Some(id) => {
                sqlx::query(
                    "UPDATE alerts SET events = events + 1, \
                       observed = CASE WHEN observed > $1 THEN observed ELSE $1 END, \
                       last_at = CASE WHEN last_at > $2 THEN last_at ELSE $2 END, \
                       ip = COALESCE($3, ip) \
                     WHERE id = $4",
                )
                .bind(new.observed)
                .bind(new.at_ms)
                .bind(new.ip)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
                (id, false)
            }
            None => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO alerts (rule, subject_key, account_id, ip, events, observed, first_at, last_at, created_at) \
                     VALUES ($1, $2, $3, $4, 1, $5, $6, $6, $6) RETURNING id",
                )
                .bind(new.rule.as_str())
                .bind(new.subject_key)
                .bind(new.account.map(|a| a.0))
                .bind(new.ip)
                .bind(new.observed)
                .bind(new.at_ms)
                .fetch_one(&mut *tx)
                .await
                .map_err(store_error)?;
                for channel in channels {
                    sqlx::query(
                        "INSERT INTO alert_deliveries (alert_id, channel, attempts, next_attempt_at, created_at) \
                         VALUES ($1, $2, 0, $3, $3)",
                    )
                    .bind(id)
                    .bind(channel.as_str())
                    .bind(new.at_ms)
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                }
                append(
                    &mut tx,
                    &[NewEvent {
                        at_ms: new.at_ms,
                        actor: None,
                        subject: new.account.map(|a| a.0),
                        kind: AuditKind::AlertRaised,
                        reason: None,
                        details: Some(
                            serde_json::json!({ "alert": id, "rule": new.rule.as_str() })
                                .to_string(),
                        ),
                        personal: Personal {
                            ip: new.ip.map(str::to_owned),
                            ..Personal::default()
                        },
                    }],
                )
                .await?;
                (id, true)
            }
        };
        tx.commit().await.map_err(store_error)?;
        Ok(answer)
    }

    async fn alerts_page(
        &self,
        before_id: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<AlertRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE id < $1 ORDER BY id DESC LIMIT $2"
        ))
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        alerts(&rows)
    }

    async fn alerts_after(&self, after_id: i64, limit: u32) -> StoreResult<Vec<AlertRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE id > $1 ORDER BY id LIMIT $2"
        ))
        .bind(after_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        alerts(&rows)
    }

    async fn find_alert(&self, id: i64) -> StoreResult<Option<AlertRecord>> {
        let row = sqlx::query(&format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(alert).transpose().map_err(store_error)
    }

    async fn acknowledge_alert(
        &self,
        id: i64,
        acknowledgement: &Acknowledgement,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let row = sqlx::query(
            "UPDATE alerts SET acknowledged_at = $1, acknowledged_by = $2, ack_note = $3 \
             WHERE id = $4 AND acknowledged_at IS NULL RETURNING rule, account_id",
        )
        .bind(acknowledgement.at_ms)
        .bind(acknowledgement.by.0)
        .bind(&acknowledgement.note)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?;
        let Some(row) = row else {
            return Ok(false);
        };
        let rule: String = row.try_get("rule").map_err(store_error)?;
        let account: Option<i64> = row.try_get("account_id").map_err(store_error)?;
        append(
            &mut tx,
            &[NewEvent {
                at_ms: acknowledgement.at_ms,
                actor: Some(acknowledgement.by.0),
                subject: account,
                kind: AuditKind::AlertAcknowledged,
                reason: Some(&acknowledgement.note),
                details: Some(serde_json::json!({ "alert": id, "rule": rule }).to_string()),
                personal: Personal::default(),
            }],
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(true)
    }

    async fn claim_alert_delivery(
        &self,
        now_ms: i64,
        lease_until: i64,
    ) -> StoreResult<Option<AlertDelivery>> {
        let row = crate::queue::claim(
            &self.pool,
            "alert_deliveries",
            "id, alert_id, channel, attempts",
            now_ms,
            lease_until,
        )
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let id: i64 = row.try_get("id").map_err(store_error)?;
        let alert_id: i64 = row.try_get("alert_id").map_err(store_error)?;
        let channel: String = row.try_get("channel").map_err(store_error)?;
        let attempts: i64 = row.try_get("attempts").map_err(store_error)?;
        let (Some(channel), Some(alert)) = (
            AlertChannel::parse(&channel),
            self.find_alert(alert_id).await?,
        ) else {
            return Err(store_error(sqlx::Error::Decode(
                format!("alert delivery {id} names no alert or an unknown channel").into(),
            )));
        };
        Ok(Some(AlertDelivery {
            id,
            channel,
            attempts,
            alert,
        }))
    }

    async fn mark_alert_delivered(&self, id: i64, now_ms: i64) -> StoreResult<()> {
        crate::queue::sent(&self.pool, "alert_deliveries", "", id, now_ms).await
    }

    async fn mark_alert_delivery_failed(
        &self,
        id: i64,
        next_attempt_at: Option<i64>,
        error: &str,
    ) -> StoreResult<()> {
        crate::queue::fail(
            &self.pool,
            "alert_deliveries",
            "",
            id,
            next_attempt_at,
            error,
        )
        .await
    }
}
