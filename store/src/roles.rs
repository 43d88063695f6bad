use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use domain::audit::{AuditKind, Personal};
use domain::role::{RoleCatalog, RoleDefinition, RoleError};
use domain::{ActivityKind, Permission, UserId};
use service::error::StoreError;
use service::ports::{
    RoleAction, RoleChange, RoleCheck, RoleLogRecord, RoleRepo, RoleSnapshot, StaffRecord,
    StoreResult,
};
use sqlx::{AnyConnection, Row};

use crate::audit::{append, NewEvent};
use crate::{store_error, Backend, SqlStore};

/// Takes the role lock for the rest of the transaction. Every change to
/// roles or grants takes it first, so they run one at a time and each
/// decides on what the one before committed.
pub(crate) async fn lock_roles(conn: &mut AnyConnection, backend: Backend) -> StoreResult<()> {
    let sql = match backend {
        // The built-in roles can never be deleted, so there are always rows
        // to lock, and a concurrent change waits for them even when it only
        // inserts a new role.
        Backend::Postgres => "SELECT id FROM roles ORDER BY id FOR UPDATE",
        // SQLite has no row locks; any write statement, even one that
        // changes nothing, takes the database's write lock until commit.
        Backend::Sqlite => "UPDATE roles SET builtin = builtin WHERE id < 0",
    };
    sqlx::query(sql)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    Ok(())
}

/// Every role with its permissions and includes. A permission name the
/// code no longer knows grants nothing (and is logged).
pub(crate) async fn load_catalog(conn: &mut AnyConnection) -> StoreResult<RoleCatalog> {
    let rows = sqlx::query("SELECT name, description, builtin FROM roles")
        .fetch_all(&mut *conn)
        .await
        .map_err(store_error)?;
    let mut roles = BTreeMap::new();
    for row in rows {
        let name: String = row.try_get("name").map_err(store_error)?;
        let builtin: i64 = row.try_get("builtin").map_err(store_error)?;
        roles.insert(
            name.clone(),
            RoleDefinition {
                name,
                description: row.try_get("description").map_err(store_error)?,
                permissions: BTreeSet::new(),
                includes: BTreeSet::new(),
                builtin: builtin == 1,
            },
        );
    }
    let permissions = sqlx::query(
        "SELECT roles.name AS role, role_permissions.permission AS permission \
         FROM role_permissions JOIN roles ON roles.id = role_permissions.role_id",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(store_error)?;
    for row in permissions {
        let role: String = row.try_get("role").map_err(store_error)?;
        let name: String = row.try_get("permission").map_err(store_error)?;
        match (roles.get_mut(&role), Permission::parse(&name)) {
            (Some(definition), Some(permission)) => {
                definition.permissions.insert(permission);
            }
            _ => tracing::warn!(%role, permission = %name, "stored permission unknown; ignored"),
        }
    }
    let includes = sqlx::query(
        "SELECT roles.name AS role, included.name AS included FROM role_includes \
         JOIN roles ON roles.id = role_includes.role_id \
         JOIN roles included ON included.id = role_includes.included_id",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(store_error)?;
    for row in includes {
        let role: String = row.try_get("role").map_err(store_error)?;
        let included: String = row.try_get("included").map_err(store_error)?;
        if let Some(definition) = roles.get_mut(&role) {
            definition.includes.insert(included);
        }
    }
    RoleCatalog::new(roles.into_values())
        .map_err(|error| StoreError::Other(format!("stored roles are inconsistent: {error}")))
}

/// The names of the roles an account holds, in name order.
pub(crate) async fn roles_of(conn: &mut AnyConnection, user: UserId) -> StoreResult<Vec<String>> {
    sqlx::query_scalar(
        "SELECT roles.name FROM role_grants JOIN roles ON roles.id = role_grants.role_id \
         WHERE role_grants.user_id = $1 ORDER BY roles.name",
    )
    .bind(user.0)
    .fetch_all(&mut *conn)
    .await
    .map_err(store_error)
}

async fn log(
    conn: &mut AnyConnection,
    change: &RoleChange<'_>,
    role: Option<&str>,
    action: RoleAction,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO role_grant_log (actor_id, target_id, role, action, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(change.actor.map(|a| a.0))
    .bind(change.target.0)
    .bind(role)
    .bind(action.as_str())
    .bind(change.reason)
    .bind(change.at_ms)
    .execute(&mut *conn)
    .await
    .map_err(store_error)?;
    Ok(())
}

/// The audit entry of a role change (the grant log's row, in the chain).
fn role_event<'a>(change: &RoleChange<'a>, role: Option<&str>, kind: AuditKind) -> NewEvent<'a> {
    NewEvent {
        at_ms: change.at_ms,
        actor: change.actor.map(|a| a.0),
        subject: Some(change.target.0),
        kind,
        reason: Some(change.reason),
        details: role.map(|role| serde_json::json!({ "role": role }).to_string()),
        personal: Personal::default(),
    }
}

/// Revokes `role` from the change's target, logs it and appends its audit
/// entry, inside the caller's transaction (which holds the role lock):
/// the team page's revoke and an access review's share it. False when the
/// target did not hold the role (nothing written).
pub(crate) async fn revoke_grant(
    conn: &mut AnyConnection,
    change: &RoleChange<'_>,
    role: &str,
) -> StoreResult<bool> {
    let revoked = sqlx::query(
        "DELETE FROM role_grants WHERE user_id = $1 \
         AND role_id = (SELECT id FROM roles WHERE name = $2)",
    )
    .bind(change.target.0)
    .bind(role)
    .execute(&mut *conn)
    .await
    .map_err(store_error)?
    .rows_affected()
        > 0;
    if revoked {
        log(conn, change, Some(role), RoleAction::Revoke).await?;
        append(
            conn,
            &[role_event(change, Some(role), AuditKind::RoleRevoked)],
        )
        .await?;
    }
    Ok(revoked)
}

impl SqlStore {
    /// Takes the role lock and reads what a grant or revoke of `role`
    /// decides on, or why it is refused (an unknown role, the check).
    async fn checked_snapshot(
        &self,
        conn: &mut AnyConnection,
        change: &RoleChange<'_>,
        role: &str,
        check: RoleCheck<'_>,
    ) -> StoreResult<Result<RoleSnapshot, RoleError>> {
        let snapshot = self
            .snapshot(conn, change.actor, Some(change.target))
            .await?;
        if snapshot.catalog.get(role).is_none() {
            return Ok(Err(RoleError::UnknownRole(role.to_owned())));
        }
        Ok(check(&snapshot).map(|()| snapshot))
    }

    /// Takes the role lock and reads what a check decides on.
    pub(crate) async fn snapshot(
        &self,
        conn: &mut AnyConnection,
        actor: Option<UserId>,
        target: Option<UserId>,
    ) -> StoreResult<RoleSnapshot> {
        lock_roles(conn, self.backend).await?;
        let catalog = load_catalog(conn).await?;
        let actor_roles = match actor {
            Some(actor) => roles_of(conn, actor).await?,
            None => Vec::new(),
        };
        let target_roles = match target {
            Some(target) => roles_of(conn, target).await?,
            None => Vec::new(),
        };
        Ok(RoleSnapshot {
            catalog,
            actor_roles,
            target_roles,
        })
    }
}

#[async_trait]
impl RoleRepo for SqlStore {
    async fn role_catalog(&self) -> StoreResult<RoleCatalog> {
        let mut conn = self.pool.acquire().await.map_err(store_error)?;
        load_catalog(&mut conn).await
    }

    async fn grant_role(
        &self,
        change: RoleChange<'_>,
        role: &str,
        check: RoleCheck<'_>,
    ) -> StoreResult<Result<bool, RoleError>> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let snapshot = match self.checked_snapshot(&mut tx, &change, role, check).await? {
            Ok(snapshot) => snapshot,
            Err(refusal) => return Ok(Err(refusal)),
        };
        if snapshot.target_roles.iter().any(|held| held == role) {
            return Ok(Ok(false));
        }
        sqlx::query(
            "INSERT INTO role_grants (user_id, role_id, granted_by, reason, created_at) \
             SELECT $1, id, $2, $3, $4 FROM roles WHERE name = $5",
        )
        .bind(change.target.0)
        .bind(change.actor.map(|a| a.0))
        .bind(change.reason)
        .bind(change.at_ms)
        .bind(role)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        log(&mut tx, &change, Some(role), RoleAction::Grant).await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(change.target.0)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        append(
            &mut tx,
            &[role_event(&change, Some(role), AuditKind::RoleGranted)],
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(Ok(true))
    }

    async fn revoke_role(
        &self,
        change: RoleChange<'_>,
        role: &str,
        check: RoleCheck<'_>,
    ) -> StoreResult<Result<bool, RoleError>> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        if let Err(refusal) = self.checked_snapshot(&mut tx, &change, role, check).await? {
            return Ok(Err(refusal));
        }
        if !revoke_grant(&mut tx, &change, role).await? {
            return Ok(Ok(false));
        }
        tx.commit().await.map_err(store_error)?;
        Ok(Ok(true))
    }

    async fn offboard(
        &self,
        change: RoleChange<'_>,
        check: RoleCheck<'_>,
    ) -> StoreResult<Result<Vec<String>, RoleError>> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let snapshot = self
            .snapshot(&mut tx, change.actor, Some(change.target))
            .await?;
        if let Err(refusal) = check(&snapshot) {
            return Ok(Err(refusal));
        }
        let id = change.target.0;
        // An account disabled before keeps the time it was first disabled.
        sqlx::query("UPDATE users SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL")
            .bind(id)
            .bind(change.at_ms)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        sqlx::query("DELETE FROM role_grants WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        for role in &snapshot.target_roles {
            log(&mut tx, &change, Some(role), RoleAction::Revoke).await?;
        }
        log(&mut tx, &change, None, RoleAction::Offboard).await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let mut events: Vec<NewEvent> = snapshot
            .target_roles
            .iter()
            .map(|role| role_event(&change, Some(role), AuditKind::RoleRevoked))
            .collect();
        events.push(role_event(&change, None, AuditKind::StaffOffboarded));
        append(&mut tx, &events).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(Ok(snapshot.target_roles))
    }

    async fn put_role(
        &self,
        actor: Option<UserId>,
        role: &RoleDefinition,
        at_ms: i64,
        check: RoleCheck<'_>,
    ) -> StoreResult<Result<(), RoleError>> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let snapshot = self.snapshot(&mut tx, actor, None).await?;
        if let Err(refusal) = check(&snapshot) {
            return Ok(Err(refusal));
        }
        if let Err(refusal) = snapshot.catalog.with_role(role.clone()) {
            return Ok(Err(refusal));
        }
        sqlx::query(
            "INSERT INTO roles (name, description, builtin, created_at) VALUES ($1, $2, 0, $3) \
             ON CONFLICT (name) DO UPDATE SET description = excluded.description",
        )
        .bind(&role.name)
        .bind(&role.description)
        .bind(at_ms)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        let id: i64 = sqlx::query_scalar("SELECT id FROM roles WHERE name = $1")
            .bind(&role.name)
            .fetch_one(&mut *tx)
            .await
            .map_err(store_error)?;
        for table in ["role_permissions", "role_includes"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE role_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        for permission in &role.permissions {
            sqlx::query(
                "INSERT INTO role_permissions (role_id, permission, created_at) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(permission.as_str())
            .bind(at_ms)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        for included in &role.includes {
            sqlx::query(
                "INSERT INTO role_includes (role_id, included_id, created_at) \
                 SELECT $1, id, $3 FROM roles WHERE name = $2",
            )
            .bind(id)
            .bind(included)
            .bind(at_ms)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        let permissions: Vec<&str> = role.permissions.iter().map(|p| p.as_str()).collect();
        let details = serde_json::json!({
            "role": role.name,
            "permissions": permissions,
            "includes": role.includes,
        });
        append(
            &mut tx,
            &[NewEvent {
                at_ms,
                actor: actor.map(|a| a.0),
                subject: None,
                kind: AuditKind::RoleSaved,
                reason: None,
                details: Some(details.to_string()),
                personal: Personal::default(),
            }],
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(Ok(()))
    }

    async fn staff_members(&self) -> StoreResult<Vec<StaffRecord>> {
        let rows = sqlx::query(
            "SELECT users.id, users.email, users.display_name, users.disabled_at, \
               (SELECT MAX(activity.created_at) FROM activity \
                 WHERE activity.user_id = users.id AND activity.kind IN ($1, $2)) AS last_sign_in_at, \
               CAST(CASE WHEN EXISTS (SELECT 1 FROM totp_factors \
                                        WHERE totp_factors.user_id = users.id AND totp_factors.confirmed_at IS NOT NULL) \
                         THEN 1 ELSE 0 END AS BIGINT) AS authenticator_app, \
               CAST(CASE WHEN EXISTS (SELECT 1 FROM passkeys WHERE passkeys.user_id = users.id) \
                         THEN 1 ELSE 0 END AS BIGINT) AS passkey, \
               (SELECT MAX(staff_training.completed_on) FROM staff_training \
                 WHERE staff_training.user_id = users.id) AS trained_on \
             FROM users WHERE EXISTS (SELECT 1 FROM role_grants WHERE role_grants.user_id = users.id) \
             ORDER BY users.email",
        )
        .bind(ActivityKind::SignedIn.as_str())
        .bind(ActivityKind::SignedInNewDevice.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let grants = sqlx::query(
            "SELECT role_grants.user_id AS user_id, roles.name AS role FROM role_grants \
             JOIN roles ON roles.id = role_grants.role_id ORDER BY roles.name",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let mut roles: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for grant in grants {
            let user: i64 = grant.try_get("user_id").map_err(store_error)?;
            roles
                .entry(user)
                .or_default()
                .push(grant.try_get("role").map_err(store_error)?);
        }
        rows.iter()
            .map(|row| {
                let id: i64 = row.try_get("id")?;
                let app: i64 = row.try_get("authenticator_app")?;
                let passkey: i64 = row.try_get("passkey")?;
                Ok(StaffRecord {
                    id: UserId(id),
                    email: row.try_get("email")?,
                    display_name: row.try_get("display_name")?,
                    roles: roles.remove(&id).unwrap_or_default(),
                    last_sign_in_at: row.try_get("last_sign_in_at")?,
                    authenticator_app: app == 1,
                    passkey: passkey == 1,
                    disabled_at: row.try_get("disabled_at")?,
                    trained_on: row.try_get("trained_on")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(store_error)
    }

    async fn role_log(&self, target: UserId) -> StoreResult<Vec<RoleLogRecord>> {
        let rows = sqlx::query(
            "SELECT id, actor_id, target_id, role, action, reason, created_at FROM role_grant_log \
             WHERE target_id = $1 ORDER BY id",
        )
        .bind(target.0)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let action: String = row.try_get("action").map_err(store_error)?;
                let actor: Option<i64> = row.try_get("actor_id").map_err(store_error)?;
                Ok(RoleLogRecord {
                    id: row.try_get("id").map_err(store_error)?,
                    actor: actor.map(UserId),
                    target: UserId(row.try_get("target_id").map_err(store_error)?),
                    role: row.try_get("role").map_err(store_error)?,
                    action: RoleAction::parse(&action).ok_or_else(|| {
                        StoreError::Other(format!("unknown role log action {action:?}"))
                    })?,
                    reason: row.try_get("reason").map_err(store_error)?,
                    at_ms: row.try_get("created_at").map_err(store_error)?,
                })
            })
            .collect()
    }
}
