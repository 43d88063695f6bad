use domain::audit::{AuditKind, Personal};
use domain::UserId;
use service::ports::{ActedBy, Effects, NewToken, Origin, StoreResult};
use sqlx::AnyConnection;

use crate::audit::{append, NewEvent};
use crate::store_error;

/// Longest user agent kept; longer ones are cut, not refused.
const MAX_USER_AGENT: usize = 512;

/// Writes the activity rows, queued mail and tokens of a change on the
/// change's own connection, so they commit or roll back with it. Each
/// activity row is also appended to the audit chain, last, so that the
/// chain's lock is held only to the commit.
pub(crate) async fn write_effects(
    conn: &mut AnyConnection,
    user: UserId,
    effects: &Effects,
    now_ms: i64,
) -> StoreResult<()> {
    for token in &effects.tokens {
        insert_token(conn, user, token, now_ms).await?;
    }
    for mail in &effects.mail {
        sqlx::query(
            "INSERT INTO mail_queue (user_id, to_addr, subject, body_text, attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 0, $5, $5)",
        )
        .bind(user.0)
        .bind(&mail.to)
        .bind(&mail.subject)
        .bind(&mail.body_text)
        .bind(now_ms)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    }
    for row in &effects.activity {
        let details = row.details.as_ref().map(|d| d.to_json());
        sqlx::query("INSERT INTO activity (user_id, kind, ip, user_agent, created_at, details) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(user.0)
            .bind(row.kind.as_str())
            .bind(&row.origin.ip)
            .bind(kept_user_agent(&row.origin))
            .bind(row.at_ms)
            .bind(details)
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
    }
    if effects.activity.is_empty() {
        return Ok(());
    }
    // The account's address when the event happened, for the audit entry
    // (read after a write: on SQLite the write lock is held by now).
    let address: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(user.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?;
    let events: Vec<NewEvent> = effects
        .activity
        .iter()
        .map(|row| NewEvent {
            at_ms: row.at_ms,
            actor: match row.by {
                ActedBy::Owner => Some(user.0),
                ActedBy::Staff(staff) => Some(staff.0),
                ActedBy::System => None,
            },
            subject: Some(user.0),
            kind: AuditKind::Activity(row.kind),
            reason: row.details.as_ref().map(|d| d.reason.as_str()),
            // The staff member's name stays in the customer's history; the
            // entry names them by `actor` instead.
            details: row
                .details
                .as_ref()
                .and_then(|d| d.view)
                .map(|view| serde_json::json!({ "view": view }).to_string()),
            personal: Personal {
                address: address.clone(),
                ip: Some(row.origin.ip.clone()),
                user_agent: Some(kept_user_agent(&row.origin)),
            },
        })
        .collect();
    append(conn, &events).await
}

fn kept_user_agent(origin: &Origin) -> String {
    origin.user_agent.chars().take(MAX_USER_AGENT).collect()
}

/// Stores a token, first voiding the account's earlier ones of its purpose
/// when it replaces them.
pub(crate) async fn insert_token(
    conn: &mut AnyConnection,
    user: UserId,
    token: &NewToken,
    now_ms: i64,
) -> StoreResult<()> {
    if token.replaces_earlier {
        sqlx::query(
            "UPDATE tokens SET spent_how = 'voided' WHERE user_id = $1 AND purpose = $2 AND spent_how IS NULL",
        )
            .bind(user.0)
            .bind(token.purpose.as_str())
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
    }
    sqlx::query("INSERT INTO tokens (user_id, purpose, token_hash, expires_at, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(user.0)
        .bind(token.purpose.as_str())
        .bind(&token.hash)
        .bind(token.expires_at)
        .bind(token.payload.as_deref())
        .bind(now_ms)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    Ok(())
}

/// The time the effects were produced, for rows that carry no time of their own.
pub(crate) fn effects_time(effects: &Effects, fallback: i64) -> i64 {
    effects
        .activity
        .first()
        .map(|a| a.at_ms)
        .unwrap_or(fallback)
}
