//! What the delivery queues (`mail_queue`, `alert_deliveries`) share: a
//! due row leased to one worker at a time, and a failed one rescheduled or
//! given up. Table and column names are constants of the callers.

use service::ports::StoreResult;
use sqlx::any::AnyRow;
use sqlx::AnyPool;

use crate::store_error;

/// Leases the oldest due, unfinished row of `table` until `lease_until`,
/// counting the attempt, and returns its `returning` columns. The lease
/// condition is repeated outside the sub-select so that, on PostgreSQL, a
/// second worker racing for the same row re-checks it after the first
/// one's update and claims nothing.
pub(crate) async fn claim(
    pool: &AnyPool,
    table: &'static str,
    returning: &'static str,
    now_ms: i64,
    lease_until: i64,
) -> StoreResult<Option<AnyRow>> {
    sqlx::query(&format!(
        "UPDATE {table} SET lease_until = $2, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM {table} WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1 \
                     AND (lease_until IS NULL OR lease_until < $1) ORDER BY id LIMIT 1) \
           AND sent_at IS NULL AND failed_at IS NULL AND (lease_until IS NULL OR lease_until < $1) \
         RETURNING {returning}"
    ))
    .bind(now_ms)
    .bind(lease_until)
    .fetch_optional(pool)
    .await
    .map_err(store_error)
}

/// Marks a row delivered, also setting `on_sent` (such as a blanked body).
pub(crate) async fn sent(
    pool: &AnyPool,
    table: &'static str,
    on_sent: &'static str,
    id: i64,
    now_ms: i64,
) -> StoreResult<()> {
    sqlx::query(&format!(
        "UPDATE {table} SET sent_at = $1, lease_until = NULL{on_sent} WHERE id = $2"
    ))
    .bind(now_ms)
    .bind(id)
    .execute(pool)
    .await
    .map_err(store_error)?;
    Ok(())
}

/// Reschedules a failed row for `next_attempt_at`, or gives it up when
/// that is `None` (also setting `on_give_up`, such as a blanked body),
/// keeping the error's first 500 characters.
pub(crate) async fn fail(
    pool: &AnyPool,
    table: &'static str,
    on_give_up: &'static str,
    id: i64,
    next_attempt_at: Option<i64>,
    error: &str,
) -> StoreResult<()> {
    let error: String = error.chars().take(500).collect();
    let sql = match next_attempt_at {
        Some(_) => format!(
            "UPDATE {table} SET next_attempt_at = $3, lease_until = NULL, last_error = $1 WHERE id = $2"
        ),
        None => format!(
            "UPDATE {table} SET failed_at = next_attempt_at, lease_until = NULL, {on_give_up}last_error = $1 WHERE id = $2"
        ),
    };
    let query = sqlx::query(&sql).bind(error).bind(id);
    match next_attempt_at {
        Some(next) => query.bind(next),
        None => query,
    }
    .execute(pool)
    .await
    .map_err(store_error)?;
    Ok(())
}
