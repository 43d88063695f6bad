use domain::UserId;
use service::ports::{AccountChange, StoreResult, TokenPurpose};
use sqlx::AnyConnection;

use crate::store_error;

/// Applies account changes on the caller's transaction, in order.
pub(crate) async fn apply_changes(
    conn: &mut AnyConnection,
    user: UserId,
    changes: &[AccountChange],
    now_ms: i64,
) -> StoreResult<()> {
    for change in changes {
        apply_change(conn, user, change, now_ms).await?;
    }
    Ok(())
}

async fn apply_change(
    conn: &mut AnyConnection,
    user: UserId,
    change: &AccountChange,
    now_ms: i64,
) -> StoreResult<()> {
    let id = user.0;
    match change {
        AccountChange::SetPassword { hash, keep_history } => {
            sqlx::query(
                "INSERT INTO password_history (user_id, password_hash, created_at) \
                 SELECT id, password_hash, $2 FROM users WHERE id = $1",
            )
            .bind(id)
            .bind(now_ms)
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
            sqlx::query(
                "DELETE FROM password_history WHERE user_id = $1 AND id NOT IN \
                 (SELECT id FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2)",
            )
            .bind(id)
            .bind(i64::from(*keep_history))
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
            sqlx::query(
                "UPDATE users SET password_hash = $2, password_changed_at = $3 WHERE id = $1",
            )
            .bind(id)
            .bind(hash.as_phc())
            .bind(now_ms)
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
        }
        AccountChange::SetEmail(email) => {
            sqlx::query("UPDATE users SET email = $2, email_verified_at = $3 WHERE id = $1")
                .bind(id)
                .bind(email)
                .bind(now_ms)
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
        AccountChange::MarkEmailVerified => {
            sqlx::query(
                "UPDATE users SET email_verified_at = $2 WHERE id = $1 AND email_verified_at IS NULL",
            )
            .bind(id)
            .bind(now_ms)
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
        }
        AccountChange::SetDisplayName(name) => {
            sqlx::query("UPDATE users SET display_name = $2 WHERE id = $1")
                .bind(id)
                .bind(name)
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
        AccountChange::EndSessions { except } => {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
                .bind(id)
                .bind(except.unwrap_or(-1))
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
        AccountChange::ForgetDevices => {
            sqlx::query("DELETE FROM known_devices WHERE user_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
        AccountChange::ClearLocks => {
            sqlx::query("DELETE FROM sign_in_failures WHERE user_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
        AccountChange::RemoveTotp => {
            sqlx::query("DELETE FROM totp_factors WHERE user_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
        AccountChange::CancelPendingTotp => {
            sqlx::query("DELETE FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NULL")
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
        AccountChange::AddPasskey(passkey) => {
            sqlx::query(
                "INSERT INTO passkeys (user_id, credential_id, name, kind, credential, created_at, last_used_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, NULL)",
            )
            .bind(id)
            .bind(&passkey.credential_id)
            .bind(&passkey.name)
            .bind(passkey.kind.as_str())
            .bind(&passkey.credential)
            .bind(now_ms)
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
        }
        AccountChange::RenamePasskey { id: passkey, name } => {
            sqlx::query("UPDATE passkeys SET name = $3 WHERE user_id = $1 AND id = $2")
                .bind(id)
                .bind(passkey)
                .bind(name)
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
        AccountChange::RemovePasskey { id: passkey } => {
            sqlx::query("DELETE FROM passkeys WHERE user_id = $1 AND id = $2")
                .bind(id)
                .bind(passkey)
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
        AccountChange::DropRecoveryCodesWithoutFactor => {
            sqlx::query(
                "DELETE FROM recovery_codes WHERE user_id = $1 \
                 AND NOT EXISTS (SELECT 1 FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL) \
                 AND NOT EXISTS (SELECT 1 FROM passkeys WHERE user_id = $1)",
            )
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
        }
        AccountChange::ReplaceRecoveryCodes(hashes) => {
            insert_recovery_codes(conn, user, hashes, now_ms).await?;
        }
        AccountChange::VoidTokensExceptReports => {
            sqlx::query(
                "UPDATE tokens SET spent_how = 'voided' \
                 WHERE user_id = $1 AND purpose NOT IN ($2, $3) AND spent_how IS NULL",
            )
            .bind(id)
            .bind(TokenPurpose::NotMe.as_str())
            .bind(TokenPurpose::RestoreEmail.as_str())
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
        }
        AccountChange::RemoveFactorsSince { since_ms } => {
            for sql in [
                "DELETE FROM passkeys WHERE user_id = $1 AND created_at >= $2",
                "DELETE FROM totp_factors WHERE user_id = $1 AND (created_at >= $2 OR confirmed_at >= $2)",
                "DELETE FROM recovery_codes WHERE user_id = $1 AND created_at >= $2",
            ] {
                sqlx::query(sql)
                    .bind(id)
                    .bind(since_ms)
                    .execute(&mut *conn)
                    .await
                    .map_err(store_error)?;
            }
            sqlx::query("DELETE FROM webauthn_ceremonies WHERE user_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
        AccountChange::Disable => {
            sqlx::query("UPDATE users SET disabled_at = COALESCE(disabled_at, $2) WHERE id = $1")
                .bind(id)
                .bind(now_ms)
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
        AccountChange::Enable => {
            sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
        AccountChange::ScheduleDeletion { at_ms } => {
            sqlx::query("UPDATE users SET delete_after = $2 WHERE id = $1")
                .bind(id)
                .bind(at_ms)
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
    }
    Ok(())
}

/// Replaces the account's recovery codes with these keyed hashes.
pub(crate) async fn insert_recovery_codes(
    conn: &mut AnyConnection,
    user: UserId,
    hashes: &[String],
    now_ms: i64,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user.0)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    for hash in hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash, used_at, created_at) VALUES ($1, $2, NULL, $3)")
            .bind(user.0)
            .bind(hash)
            .bind(now_ms)
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
    }
    Ok(())
}
