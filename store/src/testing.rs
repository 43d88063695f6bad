//! Throwaway databases for tests: a new SQLite file, or a new PostgreSQL
//! database on the local server, per test.

use rand::Rng;

use crate::Backend;

/// Where tests find PostgreSQL; `LATCHKEY_TEST_POSTGRES_URL` overrides it.
const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

pub struct TestDatabase {
    pub url: String,
    pub backend: Backend,
    name: String,
}

fn admin_url() -> String {
    std::env::var("LATCHKEY_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned())
}

impl TestDatabase {
    /// A fresh, empty database, or `None` (with a printed notice) when
    /// PostgreSQL is unreachable outside CI. In CI an unreachable
    /// PostgreSQL fails the test.
    pub async fn fresh(backend: Backend) -> Option<TestDatabase> {
        let name = format!("latchkey_test_{:016x}", rand::thread_rng().gen::<u64>());
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                Some(TestDatabase {
                    url: format!("sqlite://{}", path.display()),
                    backend,
                    name,
                })
            }
            Backend::Postgres => {
                sqlx::any::install_default_drivers();
                let admin = match sqlx::AnyPool::connect(&admin_url()).await {
                    Ok(pool) => pool,
                    Err(error) if std::env::var_os("CI").is_none() => {
                        eprintln!(
                            "notice: PostgreSQL unreachable ({error}); skipping the PostgreSQL run"
                        );
                        return None;
                    }
                    Err(error) => panic!("PostgreSQL must be reachable in CI: {error}"),
                };
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin)
                    .await
                    .expect("create test database");
                admin.close().await;
                let base = admin_url();
                let server = base
                    .rsplit_once('/')
                    .map(|(server, _)| server)
                    .unwrap_or(&base);
                Some(TestDatabase {
                    url: format!("{server}/{name}"),
                    backend,
                    name,
                })
            }
        }
    }

    /// PostgreSQL only: refuses new connections and ends the open ones, as
    /// a database restart or failover would; `false` lets them in again.
    pub async fn set_unreachable(&self, unreachable: bool) {
        assert_eq!(self.backend, Backend::Postgres, "an outage needs a server");
        let admin = sqlx::AnyPool::connect(&admin_url())
            .await
            .expect("admin connection");
        let allow = if unreachable { "false" } else { "true" };
        sqlx::query(&format!(
            "ALTER DATABASE {} WITH ALLOW_CONNECTIONS {allow}",
            self.name
        ))
        .execute(&admin)
        .await
        .expect("alter database");
        if unreachable {
            sqlx::query(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}'",
                self.name
            ))
            .execute(&admin)
            .await
            .expect("end connections");
        }
        admin.close().await;
    }

    /// Removes the database; call at the end of a test.
    pub async fn remove(self) {
        match self.backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(&self.name);
                for suffix in [".db", ".db-wal", ".db-shm"] {
                    let _ = std::fs::remove_file(path.with_extension(&suffix[1..]));
                }
            }
            Backend::Postgres => {
                if let Ok(admin) = sqlx::AnyPool::connect(&admin_url()).await {
                    let _ = sqlx::query(&format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        self.name
                    ))
                    .execute(&admin)
                    .await;
                    admin.close().await;
                }
            }
        }
    }
}

/// The number a `SELECT COUNT(*) …` query answers, for tests that look at
/// what the ports do not show (blanked mail bodies, purged rows).
pub async fn count(store: &crate::SqlStore, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&store.pool)
        .await
        .expect("a count query")
}

/// Runs a statement the ports never would, for tests that play an
/// attacker with write access to the database (editing the audit chain).
pub async fn execute(store: &crate::SqlStore, sql: &str) {
    sqlx::query(sql)
        .execute(&store.pool)
        .await
        .expect("a test statement");
}
