//! What the staff console reads: the customer search and the lock state.

use async_trait::async_trait;
use domain::UserId;
use service::ports::{AccountSummary, StoreResult, SupportRepo};
use sqlx::Row;

use crate::{store_error, SqlStore};

/// A `LIKE` pattern (with `ESCAPE '\'`) that finds `term` anywhere, taking
/// `%`, `_` and `\` in it literally.
pub(crate) fn contains_pattern(term: &str) -> String {
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
        let rows = sqlx::query(
            "SELECT id, email, display_name, created_at, disabled_at FROM users \
             WHERE (email LIKE $1 ESCAPE '\\' OR lower(display_name) LIKE $1 ESCAPE '\\' OR id = $2) \
             AND NOT EXISTS (SELECT 1 FROM role_grants WHERE role_grants.user_id = users.id) \
             ORDER BY id LIMIT $3 OFFSET $4",
        )
        .bind(contains_pattern(term))
        .bind(id.unwrap_or(-1))
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
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
