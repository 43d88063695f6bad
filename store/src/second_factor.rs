use async_trait::async_trait;
use domain::UserId;
use service::ports::{Effects, SecondFactorRepo, StoreResult, TotpRecord};
use sqlx::Row;

use crate::changes::insert_recovery_codes;
use crate::effects::{effects_time, write_effects};
use crate::{store_error, SqlStore};

#[async_trait]
impl SecondFactorRepo for SqlStore {
    async fn totp_factor(&self, user: UserId) -> StoreResult<Option<TotpRecord>> {
        let row = sqlx::query(
            "SELECT secret_sealed, confirmed_at, created_at, started_by_session FROM totp_factors WHERE user_id = $1",
        )
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.map(|row| {
            let confirmed_at: Option<i64> = row.try_get("confirmed_at")?;
            Ok(TotpRecord {
                sealed_secret: row.try_get("secret_sealed")?,
                confirmed: confirmed_at.is_some(),
                created_at: row.try_get("created_at")?,
                started_by_session: row.try_get("started_by_session")?,
            })
        })
        .transpose()
        .map_err(store_error)
    }

    async fn put_pending_totp(
        &self,
        user: UserId,
        sealed_secret: &str,
        now_ms: i64,
        session_id: i64,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query("DELETE FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NULL")
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        sqlx::query(
            "INSERT INTO totp_factors (user_id, secret_sealed, confirmed_at, last_step, created_at, started_by_session) VALUES ($1, $2, NULL, -1, $3, $4)",
        )
        .bind(user.0)
        .bind(sealed_secret)
        .bind(now_ms)
        .bind(session_id)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)
    }

    async fn confirm_totp(
        &self,
        user: UserId,
        step: i64,
        recovery_hashes: Option<&[String]>,
        effects: Effects,
    ) -> StoreResult<bool> {
        let now = effects_time(&effects, 0);
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let confirmed = sqlx::query(
            "UPDATE totp_factors SET confirmed_at = $2, last_step = $3 WHERE user_id = $1 AND confirmed_at IS NULL",
        )
        .bind(user.0)
        .bind(now)
        .bind(step)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?
        .rows_affected()
            > 0;
        if !confirmed {
            return Ok(false);
        }
        if let Some(hashes) = recovery_hashes {
            insert_recovery_codes(&mut tx, user, hashes, now).await?;
        }
        write_effects(&mut tx, user, &effects, now).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(true)
    }

    async fn use_totp_step(&self, user: UserId, step: i64) -> StoreResult<bool> {
        // The condition makes the check and the update one step, so two
        // processes cannot both accept the same code.
        let updated = sqlx::query(
            "UPDATE totp_factors SET last_step = $2 WHERE user_id = $1 AND confirmed_at IS NOT NULL AND last_step < $2",
        )
        .bind(user.0)
        .bind(step)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(updated.rows_affected() > 0)
    }

    async fn use_recovery_code(
        &self,
        user: UserId,
        code_hash: &str,
        effects: Effects,
    ) -> StoreResult<bool> {
        let now = effects_time(&effects, 0);
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let used = sqlx::query(
            "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(user.0)
        .bind(code_hash)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?
        .rows_affected()
            > 0;
        if used {
            write_effects(&mut tx, user, &effects, now).await?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(used)
    }

    async fn recovery_codes_left(&self, user: UserId) -> StoreResult<u32> {
        let left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user.0)
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(u32::try_from(left).unwrap_or(0))
    }
}
