//! The audit log's filters at scale: seeds a fresh database with
//! `AUDIT_BENCH_ENTRIES` (default 1,000,000) entries by bulk insert (one a
//! second over about 11 days; 20,000 accounts, a few staff members, the
//! kinds in realistic proportions), then times `AuditRepo::search_audit`
//! (what `/staff/audit` runs, a page of 51) for each kind of filter.
//! The seeded hashes are not a valid chain, so the chain itself is
//! measured on a second fresh database: appends through the store (each
//! one an activity row and its entry in one transaction, as a sign-in
//! writes them) from one writer and from eight at once, each with its own
//! pool as separate processes would have, then `Audit::verify` over all of
//! them. Runs on SQLite and, when it is reachable, on PostgreSQL
//! (`LATCHKEY_TEST_POSTGRES_URL`, default the local `test` database; a
//! throwaway database is created and dropped).
//!
//! `cargo run --release -p store --example audit_bench [sqlite|postgres]`
//! (`bench/run.sh audit` runs it); `AUDIT_BENCH_APPENDS` (default 8,000)
//! sets the appends per run.

use std::sync::Arc;
use std::time::Instant;

#[path = "support/timing.rs"]
mod timing;

use domain::{ActivityKind, Locale, UserId};
use service::audit::{Audit, Verdict};
use service::password::PasswordHash;
use service::ports::{
    AuditFilter, AuditRepo, Effects, NewToken, NewUser, Origin, TokenPurpose, UserRepo,
};
use service::ManualClock;
use store::testing::TestDatabase;
use store::Backend;

/// The first entry's time; one entry a second after it.
const START_MS: i64 = 1_790_000_000_000;
const ACCOUNTS: i64 = 20_000;
const DAY_MS: i64 = 86_400_000;

/// Entry `i` (from 1): most are customers' own sign-ins (one in ten a
/// failure); one in 50 is one of five staff members' action on a customer;
/// one in 1,000 a role grant.
fn seed_sql(backend: Backend, entries: i64) -> String {
    let columns = "i, 1790000000000 + i * 1000, \
         CASE WHEN i % 1000 = 0 THEN 7 WHEN i % 50 = 0 THEN 1 + (i / 50) % 5 ELSE 100 + i % 20000 END, \
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
    // Account 100 + k signs in as entries k, k + 20,000, …: one whose
    // entries fall on a failure (i % 10 = 1).
    let failing_customer = 100 + 6661;
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
                subject: Some(failing_customer),
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

/// Appends `total` entries from `writers` writers at once; the rate.
async fn append_rate(url: &str, user: UserId, writers: i64, total: i64) -> f64 {
    let origin = Origin {
        ip: "203.0.113.9".into(),
        user_agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0".into(),
    };
    let started = Instant::now();
    let tasks = (0..writers).map(|writer| {
        let (url, origin) = (url.to_owned(), origin.clone());
        tokio::spawn(async move {
            let own = store::connect(&url).await.expect("connect");
            for i in 0..total / writers {
                own.record(
                    user,
                    Effects::activity(
                        ActivityKind::SignedIn,
                        &origin,
                        START_MS + writer * total + i,
                    ),
                )
                .await
                .expect("append");
            }
            own.close().await;
        })
    });
    for task in futures::future::join_all(tasks).await {
        task.expect("writer");
    }
    total as f64 / started.elapsed().as_secs_f64()
}

async fn chain(backend: Backend, appends: i64) {
    let Some(database) = TestDatabase::fresh(backend).await else {
        return;
    };
    println!("{backend:?}, the chain:");
    let store = store::connect(&database.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let user = store
        .create_user(
            NewUser {
                email: "bench@example.com".into(),
                display_name: "Bench".into(),
                password_hash: PasswordHash::from_stored(
                    "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA".into(),
                ),
                locale: Locale::En,
                email_verified_at: Some(START_MS),
                created_at: START_MS,
            },
            NewToken {
                purpose: TokenPurpose::VerifyEmail,
                hash: "bench".into(),
                expires_at: START_MS,
                payload: None,
                replaces_earlier: true,
            },
            Effects::default(),
        )
        .await
        .expect("an account");
    for writers in [1, 8] {
        let rate = append_rate(&database.url, user, writers, appends).await;
        println!("  {appends} appends from {writers} writer(s) at once: {rate:.0} a second");
    }
    let audit = Audit::new(Arc::new(store.clone()), Arc::new(ManualClock::at(START_MS)));
    let started = Instant::now();
    let verdict = audit.verify(None).await.expect("verify");
    let seconds = started.elapsed().as_secs_f64();
    let Verdict::Intact { checked, .. } = verdict else {
        panic!("the appended chain does not verify: {verdict:?}");
    };
    println!(
        "  verify: {checked} entries in {:.0} ms, {:.0} entries a second",
        seconds * 1000.0,
        checked as f64 / seconds
    );
    store.close().await;
    database.remove().await;
}

#[tokio::main]
async fn main() {
    let entries: i64 = std::env::var("AUDIT_BENCH_ENTRIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let appends: i64 = std::env::var("AUDIT_BENCH_APPENDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(8_000);
    let which = std::env::args().nth(1);
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let name = format!("{backend:?}").to_lowercase();
        if which.as_deref().is_none_or(|which| which == name) {
            run(backend, entries, 50).await;
            chain(backend, appends).await;
        }
    }
}
