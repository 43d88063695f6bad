//! The staff console's customer search at scale: seeds a fresh database
//! with `SEARCH_BENCH_ACCOUNTS` (default 100,000) accounts by bulk insert,
//! then times `SupportRepo::search_customers` (what `service::support`'s
//! search runs, first page) for a few representative terms, and prints the
//! query plans. Runs on SQLite and, when it is reachable, on PostgreSQL
//! (`LATCHKEY_TEST_POSTGRES_URL`, default the local `test` database; a
//! throwaway database is created and dropped).
//!
//! `cargo run --release -p store --example search_bench [sqlite|postgres]`
//! (`bench/search.sh` runs it).

use std::time::Instant;

#[path = "support/timing.rs"]
mod timing;

use service::ports::SupportRepo;
use store::testing::TestDatabase;
use store::{contains_pattern, Backend, SEARCH_CUSTOMERS_SQL};

const FIRST: &[&str] = &[
    "ada",
    "grace",
    "alan",
    "barbara",
    "edsger",
    "donald",
    "frances",
    "john",
    "margaret",
    "ken",
    "dennis",
    "radia",
    "leslie",
    "tim",
    "vint",
    "katherine",
    "linus",
    "guido",
    "bjarne",
    "anita",
    "wei",
    "li",
    "mei",
    "jun",
    "hiroshi",
    "yuki",
    "olga",
    "ivan",
    "fatima",
    "omar",
    "amara",
    "kofi",
    "lucia",
    "mateo",
    "sofia",
    "noah",
    "emma",
    "liam",
    "chloe",
    "arjun",
];
const LAST: &[&str] = &[
    "lovelace",
    "hopper",
    "turing",
    "liskov",
    "dijkstra",
    "knuth",
    "allen",
    "mccarthy",
    "hamilton",
    "thompson",
    "ritchie",
    "perlman",
    "lamport",
    "berners-lee",
    "cerf",
    "johnson",
    "torvalds",
    "van rossum",
    "stroustrup",
    "borg",
    "zhang",
    "wang",
    "chen",
    "liu",
    "tanaka",
    "sato",
    "petrova",
    "ivanov",
    "haddad",
    "nasser",
    "okafor",
    "mensah",
    "garcia",
    "lopez",
    "rossi",
    "muller",
    "smith",
    "brown",
    "patel",
    "kim",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "mail.example.org",
    "post.example.net",
    "example.co.uk",
    "corp.example",
];
const CHINESE: &[&str] = &[
    "张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄丽",
];

/// A small deterministic generator, so every run seeds the same accounts.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % below as u64) as usize
    }
}

fn title(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The `n`th account: (address, display name).
fn account(random: &mut Lcg, n: usize) -> (String, String) {
    let first = FIRST[random.next(FIRST.len())];
    let last = LAST[random.next(LAST.len())];
    let domain = DOMAINS[random.next(DOMAINS.len())];
    let email = format!("{first}.{}{n}@{domain}", last.replace(' ', ""));
    let name = if random.next(10) == 0 {
        CHINESE[random.next(CHINESE.len())].to_owned()
    } else {
        format!("{} {}", title(first), title(last))
    };
    (email, name)
}

async fn seed(url: &str, accounts: usize) -> sqlx::AnyPool {
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("connect for seeding");
    let mut random = Lcg(42);
    let started = Instant::now();
    let mut tx = pool.begin().await.expect("begin");
    const BATCH: usize = 1000;
    for start in (0..accounts).step_by(BATCH) {
        let end = (start + BATCH).min(accounts);
        let mut sql = String::from(
            "INSERT INTO users (email, display_name, password_hash, email_verified_at, locale, created_at) VALUES ",
        );
        for i in start..end {
            if i > start {
                sql.push(',');
            }
            let base = (i - start) * 2;
            sql.push_str(&format!(
                "(${}, ${}, 'x', 1700000000000, 'en', {})",
                base + 1,
                base + 2,
                1_700_000_000_000i64 + i as i64
            ));
        }
        let mut query = sqlx::query(&sql);
        for i in start..end {
            let (email, name) = account(&mut random, i);
            query = query.bind(email).bind(name);
        }
        query.execute(&mut *tx).await.expect("insert a batch");
    }
    tx.commit().await.expect("commit");
    let analyze = "ANALYZE";
    sqlx::query(analyze).execute(&pool).await.expect("analyze");
    println!(
        "  seeded {accounts} accounts in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    pool
}

async fn explain(pool: &sqlx::AnyPool, backend: Backend, term: &str) {
    use sqlx::Row;
    let prefix = match backend {
        Backend::Sqlite => "EXPLAIN QUERY PLAN ",
        Backend::Postgres => "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ",
    };
    let mut tx = pool.begin().await.expect("begin");
    if backend == Backend::Postgres {
        // As the store runs the search.
        sqlx::query("SET LOCAL enable_seqscan = off")
            .execute(&mut *tx)
            .await
            .expect("set");
    }
    let rows = sqlx::query(&format!("{prefix}{SEARCH_CUSTOMERS_SQL}"))
        .bind(contains_pattern(term))
        .bind(-1i64)
        .bind(21i64)
        .bind(0i64)
        .fetch_all(&mut *tx)
        .await
        .expect("explain");
    tx.commit().await.expect("commit");
    println!("  plan for {term:?}:");
    for row in rows {
        let line: String = match backend {
            // (id, parent, notused, detail)
            Backend::Sqlite => row.try_get(3).expect("detail"),
            Backend::Postgres => row.try_get(0).expect("plan line"),
        };
        println!("    {line}");
    }
}

async fn run(backend: Backend, accounts: usize, iterations: usize) {
    let Some(database) = TestDatabase::fresh(backend).await else {
        return;
    };
    println!("{backend:?}, {accounts} accounts:");
    let store = store::connect(&database.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let pool = seed(&database.url, accounts).await;
    // Terms as a support member types them (the service lower-cases them),
    // taken from accounts the generator made.
    let accounts_made = |n: usize| {
        let mut random = Lcg(42);
        (0..n).for_each(|i| drop(account(&mut random, i)));
        account(&mut random, n)
    };
    let (known, _) = accounts_made(accounts / 2);
    let (other, _) = accounts_made(accounts / 3);
    // "first.last" of an address "first.lastN@domain".
    let prefix = &other[..other
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(other.len())];
    let at = known.find('@').unwrap_or(known.len());
    let middle = &known[2..at];
    let id = (accounts / 4).to_string();
    let queries: Vec<(&str, &str, Option<i64>)> = vec![
        ("whole address", &known, None),
        ("address prefix (first.last)", prefix, None),
        ("fragment in the middle", middle, None),
        ("name", "barbara liskov", None),
        ("Chinese name", "王芳", None),
        ("common (a domain)", "example.org", None),
        ("miss", "zzqx-nobody", None),
        ("account id", &id, id.parse().ok()),
    ];
    for (label, term, id) in &queries {
        let found = store
            .search_customers(term, *id, 0, 21)
            .await
            .expect("search")
            .len();
        // Warm-up runs first (PostgreSQL also settles on its plan).
        let (p50, p99) = timing::p50_p99(iterations, || async {
            store
                .search_customers(term, *id, 0, 21)
                .await
                .expect("search");
        })
        .await;
        println!(
            "  search {label} ({term:?}, {found} on the first page): p50 {p50:.2} ms, p99 {p99:.2} ms"
        );
    }
    for term in [middle, "zzqx-nobody", "example.org"] {
        explain(&pool, backend, term).await;
    }
    pool.close().await;
    store.close().await;
    if std::env::var_os("SEARCH_BENCH_KEEP").is_some() {
        println!("  kept: {}", database.url);
    } else {
        database.remove().await;
    }
}

#[tokio::main]
async fn main() {
    let accounts = std::env::var("SEARCH_BENCH_ACCOUNTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let iterations = std::env::var("SEARCH_BENCH_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100);
    let which = std::env::args().nth(1);
    if which.as_deref() != Some("postgres") {
        run(Backend::Sqlite, accounts, iterations).await;
    }
    if which.as_deref() != Some("sqlite") {
        run(Backend::Postgres, accounts, iterations).await;
    }
}
