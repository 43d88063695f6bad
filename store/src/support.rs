//! What the staff console reads: the customer search and the lock state.

use async_trait::async_trait;
use domain::audit::{AuditKind, Personal};
use domain::{ActivityKind, UserId, ViewWindow};
use service::ports::{
    AccountSummary, Effects, NewSupportView, StoreResult, SupportRepo, SupportViewRecord,
};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{append, NewEvent};
use crate::effects::write_effects;
use crate::{store_error, Backend, SqlStore};

const VIEW_COLUMNS: &str =
    "id, staff_session_id, staff_user_id, customer_id, reason, started_at, expires_at, ended_at";

fn view_record(row: &AnyRow) -> Result<SupportViewRecord, sqlx::Error> {
    Ok(SupportViewRecord {
        id: row.try_get("id")?,
        staff_session_id: row.try_get("staff_session_id")?,
        staff_user_id: UserId(row.try_get("staff_user_id")?),
        customer_id: UserId(row.try_get("customer_id")?),
        reason: row.try_get("reason")?,
        window: ViewWindow {
            started_at: row.try_get("started_at")?,
            expires_at: row.try_get("expires_at")?,
            ended_at: row.try_get("ended_at")?,
        },
    })
}

/// A `LIKE` pattern (with `ESCAPE '\'`) that finds `term` anywhere, taking
/// `%`, `_` and `\` in it literally.
pub fn contains_pattern(term: &str) -> String {
    let mut pattern = String::with_capacity(term.len() + 2);
    pattern.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The customer search: `$1` a [`contains_pattern`], `$2` an account id
/// (or -1), `$3` the limit, `$4` the offset. Public for the search
/// benchmark, which shows its query plan.
pub const SEARCH_CUSTOMERS_SQL: &str =
    "SELECT id, email, display_name, created_at, disabled_at FROM users \
     WHERE (email LIKE $1 ESCAPE '\\' OR lower(display_name) LIKE $1 ESCAPE '\\' OR id = $2) \
     AND NOT EXISTS (SELECT 1 FROM role_grants WHERE role_grants.user_id = users.id) \
     ORDER BY id LIMIT $3 OFFSET $4";

#[async_trait]
impl SupportRepo for SqlStore {
    async fn search_customers(
        &self,
        term: &str,
        id: Option<i64>,
        offset: u32,
        limit: u32,
    ) -> StoreResult<Vec<AccountSummary>> {
        // Addresses are stored lower-cased; names are compared lower-cased
        // (PostgreSQL's trigram indexes in 0007 are on exactly these two
        // expressions). No account has the id -1.
        let query = sqlx::query(SEARCH_CUSTOMERS_SQL)
            .bind(contains_pattern(term))
            .bind(id.unwrap_or(-1))
            .bind(i64::from(limit))
            .bind(i64::from(offset));
        let rows = if self.backend == Backend::Postgres {
            // PostgreSQL's cost model prices a trigram index scan high, and
            // with the address and the name ORed it reads the whole table
            // instead (measured at 100,000 accounts: a rare term or a miss
            // took 3–5 times as long as with the indexes; see
            // `examples/search_bench.rs`). Without the sequential scan on
            // offer it takes the indexes for a rare term and, for a common
            // one, still walks the ids in order and stops at the page's end.
            let mut tx = self.pool.begin().await.map_err(store_error)?;
            sqlx::query("SET LOCAL enable_seqscan = off")
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
            let rows = query.fetch_all(&mut *tx).await.map_err(store_error)?;
            tx.commit().await.map_err(store_error)?;
            rows
        } else {
            query.fetch_all(&self.pool).await.map_err(store_error)?
        };
        rows.iter()
            .map(|row| {
                Ok(AccountSummary {
                    id: UserId(row.try_get("id")?),
                    email: row.try_get("email")?,
                    display_name: row.try_get("display_name")?,
                    created_at: row.try_get("created_at")?,
                    disabled_at: row.try_get("disabled_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(store_error)
    }

    async fn lock_ends(&self, user: UserId, now_ms: i64) -> StoreResult<Option<i64>> {
        sqlx::query_scalar(
            "SELECT MAX(locked_until) FROM sign_in_failures WHERE user_id = $1 AND locked_until > $2",
        )
        .bind(user.0)
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)
    }

    async fn start_view(&self, view: &NewSupportView, mut effects: Effects) -> StoreResult<i64> {
        let now = view.window.started_at;
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(
            "UPDATE support_views SET ended_at = $1 WHERE staff_session_id = $2 AND ended_at IS NULL",
        )
        .bind(now)
        .bind(view.staff_session_id)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO support_views (staff_session_id, staff_user_id, customer_id, reason, started_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(view.staff_session_id)
        .bind(view.staff_user_id.0)
        .bind(view.customer_id.0)
        .bind(&view.reason)
        .bind(view.window.started_at)
        .bind(view.window.expires_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        for row in &mut effects.activity {
            if let (ActivityKind::SupportViewed, Some(details)) = (row.kind, row.details.as_mut()) {
                details.view = Some(id);
            }
        }
        write_effects(&mut tx, view.customer_id, &effects, now).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(id)
    }

    async fn live_view(
        &self,
        staff_session: i64,
        now_ms: i64,
    ) -> StoreResult<Option<SupportViewRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {VIEW_COLUMNS} FROM support_views \
             WHERE staff_session_id = $1 AND ended_at IS NULL AND expires_at > $2 \
             ORDER BY id DESC LIMIT 1"
        ))
        .bind(staff_session)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.as_ref()
            .map(view_record)
            .transpose()
            .map_err(store_error)
    }

    async fn end_view(&self, staff_session: i64, now_ms: i64) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let ended = sqlx::query(
            "UPDATE support_views SET ended_at = $1 \
             WHERE staff_session_id = $2 AND ended_at IS NULL AND expires_at > $1 \
             RETURNING id, staff_user_id, customer_id",
        )
        .bind(now_ms)
        .bind(staff_session)
        .fetch_all(&mut *tx)
        .await
        .map_err(store_error)?;
        let events = ended
            .iter()
            .map(|row| {
                let view: i64 = row.try_get("id")?;
                Ok(NewEvent {
                    at_ms: now_ms,
                    actor: Some(row.try_get("staff_user_id")?),
                    subject: Some(row.try_get("customer_id")?),
                    kind: AuditKind::SupportViewEnded,
                    reason: None,
                    details: Some(serde_json::json!({ "view": view }).to_string()),
                    personal: Personal::default(),
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(store_error)?;
        append(&mut tx, &events).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(!ended.is_empty())
    }

    async fn views_of(
        &self,
        customer: UserId,
        since_ms: i64,
    ) -> StoreResult<Vec<SupportViewRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {VIEW_COLUMNS} FROM support_views \
             WHERE customer_id = $1 AND started_at >= $2 ORDER BY id"
        ))
        .bind(customer.0)
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(view_record)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(store_error)
    }
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn wildcards_in_the_term_match_only_themselves() {
        assert_eq!(contains_pattern("ada"), "%ada%");
        assert_eq!(contains_pattern("100%_a\\b"), "%100\\%\\_a\\\\b%");
        assert_eq!(contains_pattern("李"), "%李%");
    }
}
