//! The audit chain's storage: appending in the caller's transaction, and
//! the reads and archive behind `AuditRepo`.

use async_trait::async_trait;
use domain::audit::{AuditEntry, AuditKind, ChainLink, Payload, Personal};
use domain::UserId;
use rand::Rng;
use service::ports::{AuditFilter, AuditRepo, StoreResult};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{store_error, SqlStore};

/// The PostgreSQL advisory lock that serialises appends across processes
/// ("LKAUDIT" in ASCII).
const APPEND_LOCK: i64 = 0x004c_4b41_5544_4954;

/// One entry to append; the appender gives it its id and hashes.
#[derive(Debug, Clone)]
pub(crate) struct NewEvent<'a> {
    pub at_ms: i64,
    pub actor: Option<i64>,
    pub subject: Option<i64>,
    pub kind: AuditKind,
    pub reason: Option<&'a str>,
    pub details: Option<String>,
    pub personal: Personal,
}

/// Takes the append lock for the rest of the transaction, so that appends
/// from every process run one at a time and each reads the head the one
/// before committed. SQLite has one writer at a time already; a write
/// statement (even one changing nothing) takes its lock before the head is
/// read, so a transaction that has only read so far cannot append on a
/// stale head.
async fn lock_chain(conn: &mut AnyConnection) -> StoreResult<()> {
    let query = if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT 1 FROM pg_advisory_xact_lock($1)").bind(APPEND_LOCK)
    } else {
        sqlx::query("UPDATE audit_anchor SET last_id = last_id WHERE singleton = 0")
    };
    query.execute(&mut *conn).await.map_err(store_error)?;
    Ok(())
}

/// The last entry, else the anchor, else genesis. Call under the lock.
async fn head(conn: &mut AnyConnection) -> StoreResult<ChainLink> {
    let last = sqlx::query("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?;
    match last {
        Some(row) => link(&row, "id", "hash"),
        None => anchor(conn).await,
    }
}

async fn anchor(conn: &mut AnyConnection) -> StoreResult<ChainLink> {
    let row = sqlx::query("SELECT last_id, last_hash FROM audit_anchor WHERE singleton = 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?;
    match row {
        Some(row) => link(&row, "last_id", "last_hash"),
        None => Ok(ChainLink::genesis()),
    }
}

fn link(row: &AnyRow, id: &str, hash: &str) -> StoreResult<ChainLink> {
    Ok(ChainLink {
        id: row.try_get(id).map_err(store_error)?,
        hash: row.try_get(hash).map_err(store_error)?,
    })
}

/// Appends the events, in order, on the caller's transaction: call it as
/// the transaction's last write, so the lock is held as briefly as can be
/// and no row lock is waited for while holding it.
pub(crate) async fn append(conn: &mut AnyConnection, events: &[NewEvent<'_>]) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    lock_chain(conn).await?;
    let mut head = head(conn).await?;
    for event in events {
        let salt: String = rand::thread_rng()
            .gen::<[u8; 16]>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let personal_hash = event.personal.commitment(&salt);
        let id = head.id + 1;
        let hash = Payload {
            id,
            prev_hash: &head.hash,
            at_ms: event.at_ms,
            actor: event.actor,
            subject: event.subject,
            kind: event.kind.as_str(),
            reason: event.reason,
            details: event.details.as_deref(),
            personal_hash: &personal_hash,
        }
        .hash();
        sqlx::query(
            "INSERT INTO audit_events (id, created_at, actor_id, subject_id, kind, reason, details, \
               address, ip, user_agent, personal_salt, personal_hash, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(id)
        .bind(event.at_ms)
        .bind(event.actor)
        .bind(event.subject)
        .bind(event.kind.as_str())
        .bind(event.reason)
        .bind(event.details.as_deref())
        .bind(event.personal.address.as_deref())
        .bind(event.personal.ip.as_deref())
        .bind(event.personal.user_agent.as_deref())
        .bind(&salt)
        .bind(&personal_hash)
        .bind(&head.hash)
        .bind(&hash)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
        head = ChainLink { id, hash };
    }
    Ok(())
}

/// Erasure: blanks the personal fields (and their salt) of every entry
/// about the account and marks them erased; the entries and the chain stay.
/// Under the append lock, as every change to stored entries is, so that
/// whoever holds the lock never waits for a row lock.
pub(crate) async fn erase_personal(
    conn: &mut AnyConnection,
    account: i64,
    now_ms: i64,
) -> StoreResult<()> {
    lock_chain(conn).await?;
    sqlx::query(
        "UPDATE audit_events SET address = NULL, ip = NULL, user_agent = NULL, \
           personal_salt = NULL, erased_at = $2 \
         WHERE subject_id = $1 AND erased_at IS NULL",
    )
    .bind(account)
    .bind(now_ms)
    .execute(&mut *conn)
    .await
    .map_err(store_error)?;
    Ok(())
}

const ENTRY_COLUMNS: &str = "id, created_at, actor_id, subject_id, kind, reason, details, \
     address, ip, user_agent, personal_salt, personal_hash, erased_at, prev_hash, hash";

fn entry(row: &AnyRow) -> Result<AuditEntry, sqlx::Error> {
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at_ms: row.try_get("created_at")?,
        actor: row.try_get("actor_id")?,
        subject: row.try_get("subject_id")?,
        kind: row.try_get("kind")?,
        reason: row.try_get("reason")?,
        details: row.try_get("details")?,
        personal: Personal {
            address: row.try_get("address")?,
            ip: row.try_get("ip")?,
            user_agent: row.try_get("user_agent")?,
        },
        personal_salt: row.try_get("personal_salt")?,
        personal_hash: row.try_get("personal_hash")?,
        erased_at: row.try_get("erased_at")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

fn entries(rows: &[AnyRow]) -> StoreResult<Vec<AuditEntry>> {
    rows.iter()
        .map(entry)
        .collect::<Result<_, _>>()
        .map_err(store_error)
}

#[async_trait]
impl AuditRepo for SqlStore {
    async fn audit_anchor(&self) -> StoreResult<ChainLink> {
        let mut conn = self.pool.acquire().await.map_err(store_error)?;
        anchor(&mut conn).await
    }

    async fn audit_page(&self, after_id: i64, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        let rows = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM audit_events WHERE id > $1 ORDER BY id LIMIT $2"
        ))
        .bind(after_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        entries(&rows)
    }

    async fn search_audit(
        &self,
        filter: &AuditFilter,
        before_id: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<AuditEntry>> {
        // Only constant SQL is formatted in; every value is bound. A time
        // bound also becomes an id bound (ids follow time), so a filter on
        // actor, subject or kind walks its (column, id) index over that
        // stretch only.
        let mut conditions: Vec<&str> = Vec::new();
        let mut numbers: Vec<i64> = Vec::new();
        let mut next = |conditions: &mut Vec<&str>, condition: &'static str, value: i64| {
            numbers.push(value);
            conditions.push(condition);
        };
        if let Some(before) = before_id {
            next(&mut conditions, "id < $?", before);
        }
        if let Some(actor) = filter.actor {
            next(&mut conditions, "actor_id = $?", actor);
        }
        if let Some(subject) = filter.subject {
            next(&mut conditions, "subject_id = $?", subject);
        }
        if let Some(from) = filter.from_ms {
            next(&mut conditions, "created_at >= $?", from);
            next(
                &mut conditions,
                "id >= COALESCE((SELECT id FROM audit_events WHERE created_at >= $? ORDER BY created_at LIMIT 1), 0)",
                from,
            );
        }
        if let Some(until) = filter.until_ms {
            next(&mut conditions, "created_at < $?", until);
            next(
                &mut conditions,
                "id <= COALESCE((SELECT id FROM audit_events WHERE created_at < $? ORDER BY created_at DESC LIMIT 1), 0)",
                until,
            );
        }
        if filter.kind.is_some() {
            conditions.push("kind = $?");
        }
        let mut sql = format!("SELECT {ENTRY_COLUMNS} FROM audit_events");
        for (index, condition) in conditions.iter().enumerate() {
            sql.push_str(if index == 0 { " WHERE " } else { " AND " });
            sql.push_str(&condition.replace("$?", &format!("${}", index + 1)));
        }
        sql.push_str(&format!(
            " ORDER BY id DESC LIMIT ${}",
            conditions.len() + 1
        ));
        let query = numbers
            .iter()
            .fold(sqlx::query(&sql), |query, value| query.bind(*value));
        let query = match &filter.kind {
            Some(kind) => query.bind(kind.as_str()),
            None => query,
        };
        let rows = query
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        entries(&rows)
    }

    async fn existing_accounts(&self, ids: &[i64]) -> StoreResult<Vec<i64>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id FROM users WHERE id IN ({}) ORDER BY id",
            placeholders.join(", ")
        );
        ids.iter()
            .fold(sqlx::query_scalar(&sql), |query, id| query.bind(*id))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)
    }

    async fn audit_archive_end(&self, before_ms: i64) -> StoreResult<Option<i64>> {
        let row = sqlx::query(
            "SELECT (SELECT MIN(id) FROM audit_events WHERE created_at >= $1) AS first_new, \
                    (SELECT MIN(id) FROM audit_events) AS first, \
                    (SELECT MAX(id) FROM audit_events) AS last",
        )
        .bind(before_ms)
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        let first_new: Option<i64> = row.try_get("first_new").map_err(store_error)?;
        let first: Option<i64> = row.try_get("first").map_err(store_error)?;
        let last: Option<i64> = row.try_get("last").map_err(store_error)?;
        Ok(match (first, first_new) {
            (None, _) => None,
            (Some(first), Some(new)) if new <= first => None,
            (Some(_), Some(new)) => Some(new - 1),
            (Some(_), None) => last,
        })
    }

    async fn finish_archive(
        &self,
        through: &ChainLink,
        archived: u64,
        at_ms: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        lock_chain(&mut tx).await?;
        let hash: Option<String> =
            sqlx::query_scalar("SELECT hash FROM audit_events WHERE id = $1")
                .bind(through.id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(store_error)?;
        if hash.as_deref() != Some(through.hash.as_str()) {
            return Ok(false);
        }
        sqlx::query("DELETE FROM audit_events WHERE id <= $1")
            .bind(through.id)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        sqlx::query(
            "INSERT INTO audit_anchor (singleton, last_id, last_hash, created_at) VALUES (1, $1, $2, $3) \
             ON CONFLICT (singleton) DO UPDATE SET last_id = excluded.last_id, \
               last_hash = excluded.last_hash, created_at = excluded.created_at",
        )
        .bind(through.id)
        .bind(&through.hash)
        .bind(at_ms)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        let details = serde_json::json!({
            "archived": archived,
            "through": through.id,
            "through_hash": through.hash,
        });
        append(
            &mut tx,
            &[NewEvent {
                at_ms,
                actor: None,
                subject: None,
                kind: AuditKind::LogArchived,
                reason: None,
                details: Some(details.to_string()),
                personal: Personal::default(),
            }],
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(true)
    }

    async fn record_audit_export(
        &self,
        by: Option<UserId>,
        filter: &AuditFilter,
        format: &str,
        at_ms: i64,
    ) -> StoreResult<()> {
        let details = serde_json::json!({
            "format": format,
            "actor": filter.actor,
            "subject": filter.subject,
            "kind": filter.kind,
            "from": filter.from_ms,
            "until": filter.until_ms,
        });
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        append(
            &mut tx,
            &[NewEvent {
                at_ms,
                actor: by.map(|by| by.0),
                subject: None,
                kind: AuditKind::LogExported,
                reason: None,
                details: Some(details.to_string()),
                personal: Personal::default(),
            }],
        )
        .await?;
        tx.commit().await.map_err(store_error)
    }
}
