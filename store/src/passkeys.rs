use async_trait::async_trait;
use domain::{PasskeyKind, UserId};
use service::ports::{CeremonyRecord, Effects, PasskeyRecord, PasskeyRepo, StoreResult};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::effects::{effects_time, write_effects};
use crate::{store_error, SqlStore};

const PASSKEY_COLUMNS: &str =
    "id, user_id, name, kind, credential, created_at, last_used_at FROM passkeys";

fn passkey_from(row: &AnyRow) -> Result<PasskeyRecord, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    Ok(PasskeyRecord {
        id: row.try_get("id")?,
        user_id: UserId(row.try_get("user_id")?),
        name: row.try_get("name")?,
        kind: PasskeyKind::parse(&kind).unwrap_or(PasskeyKind::Platform),
        credential: row.try_get("credential")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
    })
}

#[async_trait]
impl PasskeyRepo for SqlStore {
    async fn passkeys(&self, user: UserId) -> StoreResult<Vec<PasskeyRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {PASSKEY_COLUMNS} WHERE user_id = $1 ORDER BY id"
        ))
        .bind(user.0)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(passkey_from)
            .collect::<Result<_, _>>()
            .map_err(store_error)
    }

    async fn passkey_by_credential(
        &self,
        credential_id: &str,
    ) -> StoreResult<Option<PasskeyRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {PASSKEY_COLUMNS} WHERE credential_id = $1"
        ))
        .bind(credential_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.as_ref()
            .map(passkey_from)
            .transpose()
            .map_err(store_error)
    }

    async fn record_passkey_use(
        &self,
        passkey: &PasskeyRecord,
        credential: &str,
        effects: Effects,
    ) -> StoreResult<()> {
        let now = effects_time(&effects, 0);
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query("UPDATE passkeys SET credential = $2, last_used_at = $3 WHERE id = $1")
            .bind(passkey.id)
            .bind(credential)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        write_effects(&mut tx, passkey.user_id, &effects, now).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn put_ceremony(
        &self,
        id_hash: &str,
        purpose: &str,
        ceremony: &CeremonyRecord,
        now_ms: i64,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at < $1")
            .bind(now_ms)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        sqlx::query(
            "INSERT INTO webauthn_ceremonies (id_hash, user_id, purpose, state, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id_hash)
        .bind(ceremony.user_id.map(|u| u.0))
        .bind(purpose)
        .bind(&ceremony.state)
        .bind(ceremony.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)
    }

    async fn take_ceremony(
        &self,
        id_hash: &str,
        purpose: &str,
    ) -> StoreResult<Option<CeremonyRecord>> {
        // One statement finds and deletes, so two instances cannot both
        // finish the same ceremony.
        let row = sqlx::query(
            "DELETE FROM webauthn_ceremonies WHERE id_hash = $1 AND purpose = $2 \
             RETURNING user_id, state, expires_at",
        )
        .bind(id_hash)
        .bind(purpose)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.map(|row| {
            let user_id: Option<i64> = row.try_get("user_id")?;
            Ok(CeremonyRecord {
                user_id: user_id.map(UserId),
                state: row.try_get("state")?,
                expires_at: row.try_get("expires_at")?,
            })
        })
        .transpose()
        .map_err(store_error)
    }
}
