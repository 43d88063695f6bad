//! The audit log's filters at scale: seeds a fresh database with
//! `AUDIT_BENCH_ENTRIES` (default 1,000,000) entries by bulk insert (one a
//! second over about 11 days; 20,000 accounts, a few staff members, the
//! kinds in realistic proportions), then times `AuditRepo::search_audit`
//! (what `/staff/audit` runs, a page of 51) for each kind of filter.
//! The seeded hashes are not a valid chain: this measures reading only.
//! Runs on SQLite and, when it is reachable, on PostgreSQL
//! (`LATCHKEY_TEST_POSTGRES_URL`, default the local `test` database; a
//! throwaway database is created and dropped).
//!
//! `cargo run --release -p store --example audit_bench [sqlite|postgres]`
//! (`bench/run.sh audit` runs it).

use std::time::Instant;

#[path = "support/timing.rs"]
mod timing;

use service::ports::{AuditFilter, AuditRepo};
use store::testing::TestDatabase;
use store::Backend;

/// The first entry's time; one entry a second after it.
const START_MS: i64 = 1_790_000_000_000;
const ACCOUNTS: i64 = 20_000;
const DAY_MS: i64 = 86_400_000;

/// Entry `i` (from 1): most are customers' own sign-ins; one in 50 is a
/// staff member's action on a customer; one in 1,000 a role grant.
fn seed_sql(backend: Backend, entries: i64) -> String {
    let columns = "i, 1790000000000 + i * 1000, \
         CASE WHEN i % 1000 = 0 THEN 7 WHEN i % 50 = 0 THEN 1 + i % 5 ELSE 100 + i % 20000 END, \
         CASE WHEN i % 1000 = 0 THEN 200 + i % 40 ELSE 100 + i % 20000 END, \
         CASE WHEN i % 1000 = 0 THEN 'role_granted' WHEN i % 50 = 0 THEN 'support_unlocked' \
              WHEN i % 10 = 1 THEN 'sign_in_failed' WHEN i % 10 = 2 THEN 'signed_out' ELSE 'signed_in' END, \
         '203.0.113.' || (i % 250), 'x', 'x', 'x'";
    let insert = "INSERT INTO audit_events \
         (id, created_at, actor_id, subject_id, kind, ip, personal_hash, prev_hash, hash)";
    match backend {
        Backend::Sqlite => format!(
            "{insert} WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {entries}) \
             SELECT {columns} FROM n"
        ),
        Backend::Postgres => format!(
            "{insert} SELECT {columns} FROM generate_series(1, {entries}::BIGINT) AS g(i)"
        ),
    }
}

async fn run(backend: Backend, entries: i64, iterations: usize) {
    let Some(database) = TestDatabase::fresh(backend).await else {
        return;
    };
    println!("{backend:?}, {entries} audit entries:");
    let store = store::connect(&database.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&database.url)
        .await
        .expect("connect for seeding");
    let started = Instant::now();
    sqlx::query(&seed_sql(backend, entries))
        .execute(&pool)
        .await
        .expect("seed");
    sqlx::query("ANALYZE")
        .execute(&pool)
        .await
        .expect("analyze");
    println!("  seeded in {:.1} s", started.elapsed().as_secs_f64());
    let middle_day = START_MS + (entries / 2) * 1000;
    let customer = 100 + ACCOUNTS / 3;
    let filters: Vec<(&str, AuditFilter, Option<i64>)> = vec![
        ("newest page, no filter", AuditFilter::default(), None),
        (
            "a page deep in the log",
            AuditFilter::default(),
            Some(entries / 3),
        ),
        (
            "one customer",
            AuditFilter {
                subject: Some(customer),
                ..AuditFilter::default()
            },
            None,
        ),
        (
            "one staff member",
            AuditFilter {
                actor: Some(3),
                ..AuditFilter::default()
            },
            None,
        ),
        (
            "a rare kind (role grants)",
            AuditFilter {
                kind: Some("role_granted".into()),
                ..AuditFilter::default()
            },
            None,
        ),
        (
            "one day in the middle",
            AuditFilter {
                from_ms: Some(middle_day),
                until_ms: Some(middle_day + DAY_MS),
                ..AuditFilter::default()
            },
            None,
        ),
        (
            "one customer, one day in the middle",
            AuditFilter {
                subject: Some(customer),
                from_ms: Some(middle_day),
                until_ms: Some(middle_day + DAY_MS),
                ..AuditFilter::default()
            },
            None,
        ),
        (
            "failures of one customer",
            AuditFilter {
                subject: Some(customer + 1),
                kind: Some("sign_in_failed".into()),
                ..AuditFilter::default()
            },
            None,
        ),
        (
            "a staff member's actions in a day",
            AuditFilter {
                actor: Some(3),
                from_ms: Some(middle_day),
                until_ms: Some(middle_day + DAY_MS),
                ..AuditFilter::default()
            },
            None,
        ),
    ];
    for (label, filter, before) in &filters {
        let found = store
            .search_audit(filter, *before, 51)
            .await
            .expect("search")
            .len();
        // Warm-up runs first (PostgreSQL also settles on its plan).
        let (p50, p99) = timing::p50_p99(iterations, || async {
            store
                .search_audit(filter, *before, 51)
                .await
                .expect("search");
        })
        .await;
        println!("  {label} ({found} on the page): p50 {p50:.2} ms, p99 {p99:.2} ms");
    }
    pool.close().await;
    store.close().await;
    database.remove().await;
}

#[tokio::main]
async fn main() {
    let entries: i64 = std::env::var("AUDIT_BENCH_ENTRIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let which = std::env::args().nth(1);
    if which.as_deref() != Some("postgres") {
        run(Backend::Sqlite, entries, 50).await;
    }
    if which.as_deref() != Some("sqlite") {
        run(Backend::Postgres, entries, 50).await;
    }
}
