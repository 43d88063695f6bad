use async_trait::async_trait;
use domain::audit::{AuditKind, Personal};
use domain::{ActivityKind, FailureCount, Locale, LockoutPolicy, UserId};
use service::password::PasswordHash;
use service::ports::*;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{append, erase_personal, NewEvent};
use crate::changes::apply_changes;
use crate::effects::{effects_time, insert_token, write_effects};
use crate::roles::roles_of;
use crate::{store_error, SqlStore};

fn user_from_row(row: &AnyRow, roles: Vec<String>) -> Result<UserRecord, sqlx::Error> {
    let locale: String = row.try_get("locale")?;
    Ok(UserRecord {
        id: UserId(row.try_get("id")?),
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        password_hash: PasswordHash::from_stored(row.try_get("password_hash")?),
        email_verified_at: row.try_get("email_verified_at")?,
        locale: Locale::from_tag(&locale).unwrap_or_default(),
        roles,
        created_at: row.try_get("created_at")?,
        password_changed_at: row.try_get("password_changed_at")?,
        delete_after: row.try_get("delete_after")?,
        disabled_at: row.try_get("disabled_at")?,
    })
}

// Qualified, so that a join with sessions (which share `id` and
// `created_at`) reads the account's.
const USER_COLUMNS: &str =
    "users.id, users.email, users.display_name, users.password_hash, users.email_verified_at, \
     users.locale, users.created_at, \
     COALESCE(users.password_changed_at, users.created_at) AS password_changed_at, \
     users.delete_after, users.disabled_at";

impl SqlStore {
    async fn find_user_where(
        &self,
        condition: &str,
        bind: UserKey<'_>,
    ) -> StoreResult<Option<UserRecord>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {condition}");
        let query = sqlx::query(&sql);
        let query = match bind {
            UserKey::Id(id) => query.bind(id.0),
            UserKey::Email(email) => query.bind(email),
        };
        let row = query
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        // The roles are read even for no account (id 0 has none), so that
        // looking up an address costs the same whether or not it exists.
        let id: i64 = match &row {
            Some(row) => row.try_get("id").map_err(store_error)?,
            None => 0,
        };
        let mut conn = self.pool.acquire().await.map_err(store_error)?;
        let roles = roles_of(&mut conn, UserId(id)).await?;
        let Some(row) = row else {
            return Ok(None);
        };
        user_from_row(&row, roles).map(Some).map_err(store_error)
    }

    /// The grace period is over: each account and, by cascade, its
    /// sessions, devices, activity and queued mail go, one transaction an
    /// account that also blanks the personal fields of its audit entries
    /// and appends its erasure (actor: the system).
    async fn erase_due_accounts(&self, now_ms: i64) -> StoreResult<()> {
        let due: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM users WHERE delete_after IS NOT NULL AND delete_after <= $1 ORDER BY id",
        )
        .bind(now_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        for id in due {
            let mut tx = self.pool.begin().await.map_err(store_error)?;
            // Checked again: a sign-in since the read cancels the deletion.
            let erased = sqlx::query(
                "DELETE FROM users WHERE id = $1 AND delete_after IS NOT NULL AND delete_after <= $2",
            )
            .bind(id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?
            .rows_affected()
                > 0;
            if erased {
                erase_personal(&mut tx, id, now_ms).await?;
                append(
                    &mut tx,
                    &[NewEvent {
                        at_ms: now_ms,
                        actor: None,
                        subject: Some(id),
                        kind: AuditKind::AccountErased,
                        reason: None,
                        details: None,
                        personal: Personal::default(),
                    }],
                )
                .await?;
            }
            tx.commit().await.map_err(store_error)?;
        }
        Ok(())
    }

    /// Runs effects alone, in their own transaction.
    async fn write_effects_only(
        &self,
        user: UserId,
        effects: &Effects,
        now_ms: i64,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        write_effects(&mut tx, user, effects, now_ms).await?;
        tx.commit().await.map_err(store_error)
    }
}

enum UserKey<'a> {
    Id(UserId),
    Email(&'a str),
}

#[async_trait]
impl UserRepo for SqlStore {
    async fn create_user(
        &self,
        user: NewUser,
        token: NewToken,
        effects: Effects,
    ) -> StoreResult<UserId> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, password_hash, locale, email_verified_at, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&user.email)
        .bind(&user.display_name)
        .bind(user.password_hash.as_phc())
        .bind(user.locale.tag())
        .bind(user.email_verified_at)
        .bind(user.created_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        let id = UserId(id);
        insert_token(&mut tx, id, &token, user.created_at).await?;
        write_effects(&mut tx, id, &effects, user.created_at).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(id)
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        self.find_user_where("email = $1", UserKey::Email(email))
            .await
    }

    async fn find_user(&self, id: UserId) -> StoreResult<Option<UserRecord>> {
        self.find_user_where("id = $1", UserKey::Id(id)).await
    }

    async fn set_password_hash(&self, id: UserId, hash: &PasswordHash) -> StoreResult<()> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash.as_phc())
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn record(&self, id: UserId, effects: Effects) -> StoreResult<()> {
        let now = effects_time(&effects, 0);
        self.write_effects_only(id, &effects, now).await
    }

    async fn apply(
        &self,
        id: UserId,
        changes: &[AccountChange],
        effects: Effects,
    ) -> StoreResult<()> {
        let now = effects_time(&effects, 0);
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        apply_changes(&mut tx, id, changes, now).await?;
        write_effects(&mut tx, id, &effects, now).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn password_history(&self, id: UserId, limit: u32) -> StoreResult<Vec<PasswordHash>> {
        let hashes: Vec<String> = sqlx::query_scalar(
            "SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(id.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(hashes.into_iter().map(PasswordHash::from_stored).collect())
    }
}

#[async_trait]
impl TokenRepo for SqlStore {
    async fn replace_token(
        &self,
        id: UserId,
        token: NewToken,
        effects: Effects,
    ) -> StoreResult<()> {
        let now = effects_time(&effects, 0);
        let token = NewToken {
            replaces_earlier: true,
            ..token
        };
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        insert_token(&mut tx, id, &token, now).await?;
        write_effects(&mut tx, id, &effects, now).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn peek_token(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        now_ms: i64,
    ) -> StoreResult<Option<PeekedToken>> {
        let row = sqlx::query(
            "SELECT user_id, payload FROM tokens WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3 AND spent_how IS NULL",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.map(|row| {
            Ok(PeekedToken {
                user_id: UserId(row.try_get("user_id")?),
                payload: row.try_get("payload")?,
            })
        })
        .transpose()
        .map_err(store_error)
    }

    async fn redeem_token(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        now_ms: i64,
        changes: &[AccountChange],
        effects: Effects,
    ) -> StoreResult<Option<UserId>> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        // Marking it first makes the token single-use even under concurrent presses.
        let user: Option<i64> = sqlx::query_scalar(
            "UPDATE tokens SET spent_how = 'used' \
             WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3 AND spent_how IS NULL RETURNING user_id",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(now_ms)
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?;
        let Some(user) = user.map(UserId) else {
            return Ok(None);
        };
        apply_changes(&mut tx, user, changes, now_ms).await?;
        write_effects(&mut tx, user, &effects, now_ms).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(Some(user))
    }

    async fn inspect_token(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        now_ms: i64,
    ) -> StoreResult<Option<InspectedToken>> {
        let row = sqlx::query(
            "SELECT user_id, spent_how, expires_at FROM tokens WHERE token_hash = $1 AND purpose = $2",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.map(|row| {
            let spent: Option<String> = row.try_get("spent_how")?;
            let expires_at: i64 = row.try_get("expires_at")?;
            let fate = match spent.as_deref() {
                Some("used") => TokenFate::Used,
                Some(_) => TokenFate::Voided,
                None if expires_at <= now_ms => TokenFate::Expired,
                None => TokenFate::Live,
            };
            Ok(InspectedToken {
                user_id: UserId(row.try_get("user_id")?),
                fate,
            })
        })
        .transpose()
        .map_err(store_error)
    }

    async fn count_token_failure(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        max: u32,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let failures: Option<i64> = sqlx::query_scalar(
            "UPDATE tokens SET failures = failures + 1 \
             WHERE token_hash = $1 AND purpose = $2 AND spent_how IS NULL RETURNING failures",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?;
        let used_up = failures.is_some_and(|n| n >= i64::from(max));
        if used_up {
            sqlx::query(
                "UPDATE tokens SET spent_how = 'used' WHERE token_hash = $1 AND purpose = $2",
            )
            .bind(token_hash)
            .bind(purpose.as_str())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(used_up)
    }
}

#[async_trait]
impl SessionRepo for SqlStore {
    async fn create_session(&self, session: NewSession, effects: Effects) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(
            "INSERT INTO sessions (user_id, token_hash, ip, user_agent, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(session.user_id.0)
        .bind(&session.token_hash)
        .bind(&session.origin.ip)
        .bind(session.origin.user_agent.chars().take(512).collect::<String>())
        .bind(session.created_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        let user = session.user_id.0;
        sqlx::query("DELETE FROM sign_in_failures WHERE user_id = $1 AND device_key = $2")
            .bind(user)
            .bind(&session.failure_key)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        sqlx::query(
            "INSERT INTO known_devices (user_id, device_hash, created_at, last_seen_at) VALUES ($1, $2, $3, $3) \
             ON CONFLICT (user_id, device_hash) DO UPDATE SET last_seen_at = $3",
        )
        .bind(user)
        .bind(&session.device_hash)
        .bind(session.created_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        // Signing in during the grace period cancels a requested deletion.
        sqlx::query(
            "UPDATE users SET delete_after = NULL WHERE id = $1 AND delete_after IS NOT NULL",
        )
        .bind(user)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        write_effects(&mut tx, session.user_id, &effects, session.created_at).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn find_session(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<(SessionRecord, UserRecord)>> {
        // One read for what every signed-in request needs: the session, its
        // account and the account's roles (a row per role, or one without).
        let rows = sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS}, {USER_COLUMNS}, roles.name AS role_name \
             FROM sessions JOIN users ON users.id = sessions.user_id \
             LEFT JOIN role_grants ON role_grants.user_id = users.id \
             LEFT JOIN roles ON roles.id = role_grants.role_id \
             WHERE sessions.token_hash = $1 ORDER BY roles.name"
        ))
        .bind(token_hash)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let roles = rows
            .iter()
            .filter_map(|row| row.try_get::<Option<String>, _>("role_name").transpose())
            .collect::<Result<Vec<_>, _>>()
            .map_err(store_error)?;
        let session = session_from_row(first).map_err(store_error)?;
        let user = user_from_row(first, roles).map_err(store_error)?;
        Ok(Some((session, user)))
    }

    async fn touch_session(&self, id: i64, now_ms: i64, ip: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE sessions SET last_seen_at = $1, ip = $3 WHERE id = $2 AND last_seen_at <= $1",
        )
        .bind(now_ms)
        .bind(id)
        .bind(ip)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn delete_session(
        &self,
        token_hash: &str,
        effects: Effects,
    ) -> StoreResult<Option<UserId>> {
        let now = effects_time(&effects, 0);
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let user: Option<i64> =
            sqlx::query_scalar("DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id")
                .bind(token_hash)
                .fetch_optional(&mut *tx)
                .await
                .map_err(store_error)?;
        let user = user.map(UserId);
        if let Some(user) = user {
            write_effects(&mut tx, user, &effects, now).await?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(user)
    }

    async fn mark_reauthenticated(
        &self,
        session_id: i64,
        new_token_hash: &str,
        now_ms: i64,
        effects: Effects,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let user: Option<i64> = sqlx::query_scalar(
            "UPDATE sessions SET reauth_at = $2, token_hash = $3 WHERE id = $1 RETURNING user_id",
        )
        .bind(session_id)
        .bind(now_ms)
        .bind(new_token_hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?;
        if let Some(user) = user {
            write_effects(&mut tx, UserId(user), &effects, now_ms).await?;
        }
        tx.commit().await.map_err(store_error)
    }

    async fn list_sessions(&self, user: UserId) -> StoreResult<Vec<SessionRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC, id DESC"
        ))
        .bind(user.0)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(session_from_row)
            .collect::<Result<_, _>>()
            .map_err(store_error)
    }

    async fn delete_session_of(
        &self,
        user: UserId,
        session_id: i64,
        effects: Effects,
    ) -> StoreResult<bool> {
        let now = effects_time(&effects, 0);
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let deleted = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
            .bind(session_id)
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?
            .rows_affected()
            > 0;
        if deleted {
            write_effects(&mut tx, user, &effects, now).await?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(deleted)
    }
}

/// A session's columns, named apart from an account's (which share `id`
/// and `created_at`) so that one list serves alone and in a join.
const SESSION_COLUMNS: &str =
    "sessions.id AS s_id, sessions.user_id AS s_user_id, sessions.ip AS s_ip, \
     sessions.user_agent AS s_user_agent, sessions.created_at AS s_created_at, \
     sessions.last_seen_at AS s_last_seen_at, \
     COALESCE(sessions.reauth_at, sessions.created_at) AS s_reauth_at";

fn session_from_row(row: &AnyRow) -> Result<SessionRecord, sqlx::Error> {
    Ok(SessionRecord {
        id: row.try_get("s_id")?,
        user_id: UserId(row.try_get("s_user_id")?),
        origin: Origin {
            ip: row.try_get("s_ip")?,
            user_agent: row.try_get("s_user_agent")?,
        },
        created_at: row.try_get("s_created_at")?,
        last_seen_at: row.try_get("s_last_seen_at")?,
        reauth_at: row.try_get("s_reauth_at")?,
    })
}

#[async_trait]
impl ActivityRepo for SqlStore {
    async fn list_activity(
        &self,
        user: UserId,
        kinds: &[ActivityKind],
        before_id: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<ActivityRecord>> {
        // Kinds are a closed set of stored names, bound as parameters all the same.
        let kind_filter = if kinds.is_empty() {
            String::new()
        } else {
            let placeholders: Vec<String> =
                (0..kinds.len()).map(|i| format!("${}", i + 4)).collect();
            format!(" AND kind IN ({})", placeholders.join(", "))
        };
        let sql = format!(
            "SELECT id, kind, ip, user_agent, created_at, details FROM activity WHERE user_id = $1 AND id < $2{kind_filter} ORDER BY id DESC LIMIT $3"
        );
        let query = sqlx::query(&sql)
            .bind(user.0)
            .bind(before_id.unwrap_or(i64::MAX))
            .bind(i64::from(limit));
        let rows = kinds
            .iter()
            .fold(query, |q, kind| q.bind(kind.as_str()))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        // Columns by their place in the SELECT above: a page reads 300
        // cells, and a lookup by name hashes the name each time.
        rows.iter()
            .filter_map(|row| {
                let kind: &str = row.try_get(1).ok()?;
                Some(Ok::<_, sqlx::Error>(ActivityRecord {
                    id: row.try_get(0).ok()?,
                    kind: ActivityKind::parse(kind)?,
                    origin: Origin {
                        ip: row.try_get(2).ok()?,
                        user_agent: row.try_get(3).ok()?,
                    },
                    at_ms: row.try_get(4).ok()?,
                    details: row
                        .try_get::<Option<&str>, _>(5)
                        .ok()?
                        .and_then(ActivityDetails::from_json),
                    view_ends_at: None,
                }))
            })
            .collect::<Result<_, _>>()
            .map_err(store_error)
    }
}

#[async_trait]
impl FlashRepo for SqlStore {
    async fn put_flash(&self, key_hash: &str, payload: &str, expires_at: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO flash (key_hash, payload, expires_at, created_at) VALUES ($1, $2, $3, $3)",
        )
        .bind(key_hash)
        .bind(payload)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn take_flash(&self, key_hash: &str, now_ms: i64) -> StoreResult<Option<String>> {
        sqlx::query_scalar(
            "DELETE FROM flash WHERE key_hash = $1 AND expires_at > $2 RETURNING payload",
        )
        .bind(key_hash)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)
    }

    async fn peek_flash(&self, key_hash: &str, now_ms: i64) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT payload FROM flash WHERE key_hash = $1 AND expires_at > $2")
            .bind(key_hash)
            .bind(now_ms)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)
    }
}

#[async_trait]
impl RateLimitRepo for SqlStore {
    async fn count_hit(&self, key: &str, window_start: i64, now_ms: i64) -> StoreResult<i64> {
        sqlx::query_scalar(
            "INSERT INTO rate_limits (key, window_start, hits, created_at) VALUES ($1, $2, 1, $3) \
             ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits",
        )
        .bind(key)
        .bind(window_start)
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)
    }

    async fn seen_since(&self, key: &str, since_ms: i64) -> StoreResult<bool> {
        let seen: Option<i64> = sqlx::query_scalar(
            "SELECT first_at FROM recent_requests WHERE request_key = $1 AND first_at >= $2",
        )
        .bind(key)
        .bind(since_ms)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(seen.is_some())
    }

    async fn note_request(&self, key: &str, since_ms: i64, now_ms: i64) -> StoreResult<bool> {
        // One statement, so of two concurrent requests exactly one is first.
        let hits: i64 = sqlx::query_scalar(
            "INSERT INTO recent_requests (request_key, first_at, hits, created_at) VALUES ($1, $3, 1, $3) \
             ON CONFLICT (request_key) DO UPDATE SET \
               hits = CASE WHEN recent_requests.first_at < $2 THEN 1 ELSE recent_requests.hits + 1 END, \
               first_at = CASE WHEN recent_requests.first_at < $2 THEN $3 ELSE recent_requests.first_at END \
             RETURNING hits",
        )
        .bind(key)
        .bind(since_ms)
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(hits == 1)
    }
}

#[async_trait]
impl MailQueue for SqlStore {
    async fn claim_mail(&self, now_ms: i64, lease_until: i64) -> StoreResult<Option<QueuedMail>> {
        let row = crate::queue::claim(
            &self.pool,
            "mail_queue",
            "id, to_addr, subject, body_text, attempts",
            now_ms,
            lease_until,
        )
        .await?;
        row.map(|row| {
            Ok(QueuedMail {
                id: row.try_get("id")?,
                to: row.try_get("to_addr")?,
                subject: row.try_get("subject")?,
                body_text: row.try_get("body_text")?,
                attempts: row.try_get("attempts")?,
            })
        })
        .transpose()
        .map_err(store_error)
    }

    async fn mark_mail_sent(&self, id: i64, now_ms: i64) -> StoreResult<()> {
        // The body may hold a live link: blanked once delivered.
        crate::queue::sent(&self.pool, "mail_queue", ", body_text = ''", id, now_ms).await
    }

    async fn mark_mail_failed(
        &self,
        id: i64,
        next_attempt_at: Option<i64>,
        error: &str,
    ) -> StoreResult<()> {
        // A message given up has its body blanked: it may hold a live link.
        crate::queue::fail(
            &self.pool,
            "mail_queue",
            "body_text = '', ",
            id,
            next_attempt_at,
            error,
        )
        .await
    }
}

/// A used, voided or expired link is remembered this long after it
/// expires, so that a page opened from an old mail says why it is dead.
const DEAD_LINK_MEMORY_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// A browser not seen for this long counts as new again.
const DEVICE_MEMORY_MS: i64 = 400 * 24 * 60 * 60 * 1000;

#[async_trait]
impl LockoutRepo for SqlStore {
    async fn device_knowledge(
        &self,
        user: UserId,
        device_hash: &str,
    ) -> StoreResult<DeviceKnowledge> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS devices, COALESCE(SUM(CASE WHEN device_hash = $2 THEN 1 ELSE 0 END), 0) AS this_one \
             FROM known_devices WHERE user_id = $1",
        )
        .bind(user.0)
        .bind(device_hash)
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        let devices: i64 = row.try_get("devices").map_err(store_error)?;
        let this_one: i64 = row.try_get("this_one").map_err(store_error)?;
        Ok(DeviceKnowledge {
            known: this_one > 0,
            any_known: devices > 0,
        })
    }

    async fn failure_count(&self, counter: FailureCounter<'_>) -> StoreResult<FailureCount> {
        let (table, user, key) = counter_row(counter);
        let row = sqlx::query(&format!(
            "SELECT failures, last_failure_at, locked_until FROM {table} WHERE user_id = $1 AND device_key = $2"
        ))
        .bind(user.0)
        .bind(key)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        let Some(row) = row else {
            return Ok(FailureCount::default());
        };
        let failures: i64 = row.try_get("failures").map_err(store_error)?;
        Ok(FailureCount {
            failures: u32::try_from(failures).unwrap_or(u32::MAX),
            last_failure_at: row.try_get("last_failure_at").map_err(store_error)?,
            locked_until: row.try_get("locked_until").map_err(store_error)?,
        })
    }

    async fn record_sign_in_failure(
        &self,
        counter: FailureCounter<'_>,
        now_ms: i64,
        policy: &LockoutPolicy,
        effects: Effects,
        lock_effects: Effects,
    ) -> StoreResult<bool> {
        let (table, user, key) = counter_row(counter);
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        // LockoutPolicy::after_failure, as one statement: the row lock it
        // takes makes concurrent failures on other processes count in turn.
        let failures: i64 = sqlx::query_scalar(&format!(
            "INSERT INTO {table} (user_id, device_key, failures, last_failure_at, locked_until, created_at) \
             VALUES ($1, $2, 1, $3, NULL, $3) \
             ON CONFLICT (user_id, device_key) DO UPDATE SET \
               failures = CASE WHEN {table}.locked_until > $3 THEN {table}.failures \
                               WHEN {table}.last_failure_at < $4 THEN 1 \
                               ELSE {table}.failures + 1 END, \
               last_failure_at = CASE WHEN {table}.locked_until > $3 THEN {table}.last_failure_at ELSE $3 END \
             RETURNING failures"
        ))
        .bind(user.0)
        .bind(key)
        .bind(now_ms)
        .bind(policy.memory_cutoff(now_ms))
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        let reached = policy.max_failures > 0 && failures >= i64::from(policy.max_failures);
        let locked = reached
            && sqlx::query(&format!(
                "UPDATE {table} SET failures = 0, locked_until = $3 \
                 WHERE user_id = $1 AND device_key = $2 AND (locked_until IS NULL OR locked_until <= $4)"
            ))
            .bind(user.0)
            .bind(key)
            .bind(now_ms + policy.lock_secs * 1000)
            .bind(now_ms)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?
            .rows_affected()
                > 0;
        // An address without an account has nobody to write effects for.
        if let FailureCounter::Account { .. } = counter {
            write_effects(&mut tx, user, &effects, now_ms).await?;
            if locked {
                write_effects(&mut tx, user, &lock_effects, now_ms).await?;
            }
        }
        tx.commit().await.map_err(store_error)?;
        Ok(locked)
    }
}

/// The table, account id and key a counter's row has: an address's counter
/// has the same columns under account id 0.
fn counter_row(counter: FailureCounter<'_>) -> (&'static str, UserId, &str) {
    match counter {
        FailureCounter::Account { user, key } => ("sign_in_failures", user, key),
        FailureCounter::Address(key) => ("address_sign_in_failures", UserId(0), key),
    }
}

#[async_trait]
impl Health for SqlStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn purge_expired(
        &self,
        now_ms: i64,
        idle_cutoff_ms: i64,
        absolute_cutoff_ms: i64,
        mail_cutoff_ms: i64,
    ) -> StoreResult<()> {
        self.erase_due_accounts(now_ms).await?;
        let statements: [(&str, &[i64]); 10] = [
            (
                "DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2",
                &[idle_cutoff_ms, absolute_cutoff_ms],
            ),
            (
                "DELETE FROM tokens WHERE expires_at <= $1",
                &[now_ms - DEAD_LINK_MEMORY_MS],
            ),
            (
                "DELETE FROM known_devices WHERE last_seen_at < $1",
                &[now_ms - DEVICE_MEMORY_MS],
            ),
            (
                "DELETE FROM sign_in_failures WHERE last_failure_at < $1 AND (locked_until IS NULL OR locked_until < $1)",
                &[now_ms - 24 * 60 * 60 * 1000],
            ),
            (
                "DELETE FROM address_sign_in_failures WHERE last_failure_at < $1 AND (locked_until IS NULL OR locked_until < $1)",
                &[now_ms - 24 * 60 * 60 * 1000],
            ),
            (
                "DELETE FROM recent_requests WHERE first_at < $1",
                &[now_ms - 24 * 60 * 60 * 1000],
            ),
            ("DELETE FROM flash WHERE expires_at <= $1", &[now_ms]),
            (
                "DELETE FROM mail_queue WHERE sent_at < $1 OR failed_at < $1",
                &[mail_cutoff_ms],
            ),
            // Windows are at most a day long; older counters can no longer matter.
            (
                "DELETE FROM rate_limits WHERE window_start < $1",
                &[now_ms - 24 * 60 * 60 * 1000],
            ),
            // The detection rules look back a week at most.
            (
                "DELETE FROM failed_sign_ins WHERE created_at < $1",
                &[now_ms - crate::alerts::FAILED_SIGN_IN_MEMORY_MS],
            ),
        ];
        for (sql, binds) in statements {
            let query = binds
                .iter()
                .fold(sqlx::query(sql), |q, value| q.bind(*value));
            query.execute(&self.pool).await.map_err(store_error)?;
        }
        Ok(())
    }
}
