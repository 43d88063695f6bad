//! Detection and alerts over HTTP: each rule on a scripted scenario, and
//! none on ordinary traffic; one alert per incident; the signed webhook
//! (a tiny receiver on a random port), also when the receiver was down;
//! the operators' mail; the live stream and who may open it; the page,
//! acknowledging with a note; and the response to a compromise.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::Row;

use super::access::database;
use super::*;

const SECRET: &str = "a-webhook-secret-for-the-tests";

/// Settings for a server: owned, then lent to `TestServer::start_with`.
fn lend(settings: &[(String, String)]) -> Vec<(&str, &str)> {
    settings
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

fn owned(settings: &[(&str, &str)]) -> Vec<(String, String)> {
    settings
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Runs the test on SQLite and on PostgreSQL, each with the settings the
/// test asks for once it is given the backend.
macro_rules! on_both_backends_with {
    ($name:ident, |$settings:ident| $prepare:block, |$server:ident, $fixture:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn run(backend: Backend) {
                let ($settings, $fixture) = $prepare;
                let Some(server) = TestServer::start_with(backend, &lend(&$settings)).await else {
                    return;
                };
                let $server = &server;
                $body
                server.stop().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run(Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run(Backend::Postgres).await;
            }
        }
    };
}

/// One stored alert, as the tests look at it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stored {
    id: i64,
    rule: String,
    subject: String,
    events: i64,
    observed: i64,
}

async fn stored_alerts(server: &TestServer) -> Vec<Stored> {
    let pool = database(server).await;
    let rows =
        sqlx::query("SELECT id, rule, subject_key, events, observed FROM alerts ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    rows.iter()
        .map(|row| Stored {
            id: row.get("id"),
            rule: row.get("rule"),
            subject: row.get("subject_key"),
            events: row.get("events"),
            observed: row.get("observed"),
        })
        .collect()
}

/// What the audit chain says was raised: each `alert_raised` entry's
/// details and client address.
async fn raised_entries(server: &TestServer) -> Vec<(serde_json::Value, Option<String>)> {
    let pool = database(server).await;
    let rows =
        sqlx::query("SELECT details, ip FROM audit_events WHERE kind = 'alert_raised' ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    rows.iter()
        .map(|row| {
            let details: String = row.get("details");
            (serde_json::from_str(&details).unwrap(), row.get("ip"))
        })
        .collect()
}

async fn alerts_of(server: &TestServer, rule: &str) -> Vec<Stored> {
    stored_alerts(server)
        .await
        .into_iter()
        .filter(|a| a.rule == rule)
        .collect()
}

async fn account_id(server: &TestServer, email: &str) -> i64 {
    let pool = database(server).await;
    let id = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    id
}

async fn count(server: &TestServer, sql: &str, id: i64) -> i64 {
    let pool = database(server).await;
    let n = sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    n
}

/// A browser without JavaScript whose requests come, by the trusted
/// proxy's word, from `ip`.
fn browser_at(ip: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert("accept", HeaderValue::from_static("text/html"));
    headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
    headers.insert(
        "user-agent",
        HeaderValue::from_static("Mozilla/5.0 (Windows NT 10.0) Chrome/120.0"),
    );
    headers.insert("x-forwarded-for", HeaderValue::from_str(ip).unwrap());
    client_builder()
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Fails one sign-in for each address from one client.
async fn fail_sign_ins(server: &TestServer, client: &reqwest::Client, addresses: &[String]) {
    for address in addresses {
        let refused = sign_in(server, client, address, "Not-The-Password-1!", "").await;
        assert_eq!(location(&refused), "/login", "{address} refused");
    }
}

fn stuffing_list(known: &str, unknown: usize) -> Vec<String> {
    std::iter::once(known.to_owned())
        .chain((0..unknown).map(|i| format!("stuffed-{i}@example.net")))
        .collect()
}

/// The hour now, UTC.
fn utc_hour() -> i64 {
    service::Clock::now_ms(&service::SystemClock) / 3_600_000 % 24
}

/// Working hours that leave out the hours around now.
fn hours_away_from_now() -> String {
    let start = (utc_hour() + 3) % 24;
    format!("Mon-Sun {start:02}:00-{:02}:00", (start + 2) % 24)
}

/// The password a reset in these tests chooses.
const NEW_PASSWORD: &str = "Violet-Harbour-Lantern-58";

/// Chooses [`NEW_PASSWORD`] in `client` with the mailed link `link`.
async fn reset_with(server: &TestServer, client: &reqwest::Client, link: &str) {
    client.get(link).send().await.unwrap();
    let done = post_form(
        client,
        server,
        "/api/recover/reset",
        "/recover/reset",
        &[("password", NEW_PASSWORD), ("confirmation", NEW_PASSWORD)],
    )
    .await;
    assert_eq!(location(&done), "/login?reset=1");
}

/// Asks for a reset of `email` in `client` and chooses [`NEW_PASSWORD`].
async fn forgot(server: &TestServer, client: &reqwest::Client, email: &str) {
    post_form(
        client,
        server,
        "/api/recover/request",
        "/recover",
        &[("email", email)],
    )
    .await;
    let link = link_in(&server.mail_to(email, "recover/reset").await);
    reset_with(server, client, &link).await;
}

/// Whether `signature` is `sha256=` and the HMAC-SHA-256 of `body` under
/// the secret, compared in constant time.
fn signed(signature: &str, body: &str) -> bool {
    let Some(hex) = signature.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(bytes) = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<Vec<u8>, _>>()
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    mac.verify_slice(&bytes).is_ok()
}

/// What a webhook receiver got: each request's signature header and body.
type Received = Arc<Mutex<Vec<(String, String)>>>;

/// A webhook receiver on `listener`, noting every POST to `/hook`.
fn receiver(listener: tokio::net::TcpListener) -> (Received, tokio::task::JoinHandle<()>) {
    let received: Received = Arc::default();
    let noted = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: http::HeaderMap, body: String| {
            let noted = noted.clone();
            async move {
                let signature = headers
                    .get("x-latchkey-signature")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                noted.lock().unwrap().push((signature, body));
                http::StatusCode::NO_CONTENT
            }
        }),
    );
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (received, task)
}

async fn wait_for_posts(received: &Received, n: usize, within: Duration) -> Vec<(String, String)> {
    let deadline = Instant::now() + within;
    loop {
        let got = received.lock().unwrap().clone();
        if got.len() >= n || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn webhook_settings(port: u16, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut settings = owned(&[
        ("LATCHKEY_ALERT_WEBHOOK_SECRET", SECRET),
        ("LATCHKEY_ALERT_RETRY_SECS", "1"),
    ]);
    settings.push((
        "LATCHKEY_ALERT_WEBHOOK_URL".to_owned(),
        format!("http://127.0.0.1:{port}/hook"),
    ));
    settings.extend(owned(extra));
    settings
}

on_both_backends_with!(
    stuffing_raises_one_signed_alert_by_webhook_and_mail,
    |settings| {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (received, task) = receiver(listener);
        (
            webhook_settings(port, &[("LATCHKEY_ALERT_MAIL_TO", "soc@example.com")]),
            (received, task),
        )
    },
    |server, fixture| {
        let (received, task) = fixture;
        verified_browser(server, "victim@example.com").await;
        let stranger = server.browser();
        // Nine addresses: under the threshold of ten, nothing yet.
        fail_sign_ins(server, &stranger, &stuffing_list("victim@example.com", 8)).await;
        assert_eq!(stored_alerts(server).await, []);
        let more: Vec<String> = (8..11)
            .map(|i| format!("stuffed-{i}@example.net"))
            .collect();
        fail_sign_ins(server, &stranger, &more).await;

        let alerts = stored_alerts(server).await;
        assert_eq!(alerts.len(), 1, "one incident: {alerts:?}");
        assert_eq!(alerts[0].rule, "network_many_addresses");
        assert_eq!(alerts[0].subject, "network:127.0.0.1");
        assert_eq!(
            (alerts[0].events, alerts[0].observed),
            (3, 12),
            "the tenth, eleventh and twelfth address joined it"
        );
        assert_eq!(
            raised_entries(server).await,
            [(
                serde_json::json!({ "alert": alerts[0].id, "rule": "network_many_addresses" }),
                Some("127.0.0.1".to_owned())
            )],
            "the audit chain records the alert once"
        );

        let posts = wait_for_posts(&received, 1, Duration::from_secs(20)).await;
        assert_eq!(posts.len(), 1, "delivered once per incident");
        let (signature, body) = &posts[0];
        assert!(signed(signature, body), "{signature} signs {body}");
        assert!(
            !signed(signature, &body.replace("127.0.0.1", "127.0.0.2")),
            "and nothing else"
        );
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["rule"], "network_many_addresses");
        assert_eq!(json["subject"], "network:127.0.0.1");
        assert_eq!(json["ip"], "127.0.0.1");
        assert!(json["events"].as_i64().unwrap() >= 1 && json["observed"].as_i64().unwrap() >= 10);
        assert!(json["first_at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(
            json["link"],
            format!("{}/staff/alerts#alert-{}", server.base, alerts[0].id)
        );
        let mail = server
            .mail_to("soc@example.com", "network_many_addresses")
            .await;
        assert!(mail.contains("/staff/alerts#alert-"), "{mail}");
        assert!(!mail.contains(SECRET));
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(received.lock().unwrap().len(), 1, "still once");
        task.abort();
    }
);

on_both_backends_with!(
    a_receiver_that_was_down_gets_the_alert_when_it_is_back,
    |settings| {
        // A port nobody listens on, until the receiver starts there.
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().port()
        };
        (
            webhook_settings(port, &[("LATCHKEY_ALERT_NETWORK_ADDRESSES", "2")]),
            port,
        )
    },
    |server, port| {
        let stranger = server.browser();
        fail_sign_ins(server, &stranger, &stuffing_list("ghost@example.net", 1)).await;
        assert_eq!(alerts_of(server, "network_many_addresses").await.len(), 1);
        let pool = database(server).await;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let failed: Option<String> = sqlx::query_scalar(
                "SELECT last_error FROM alert_deliveries WHERE sent_at IS NULL AND failed_at IS NULL",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            if let Some(error) = failed {
                assert!(error.contains("unreachable"), "{error}");
                assert!(
                    !error.contains(&port.to_string()),
                    "the URL stays out: {error}"
                );
                break;
            }
            assert!(
                Instant::now() < deadline,
                "a failed attempt, kept for later"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }

        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let (received, task) = receiver(listener);
        let posts = wait_for_posts(&received, 1, Duration::from_secs(30)).await;
        assert_eq!(posts.len(), 1, "delivered on a later attempt");
        assert!(signed(&posts[0].0, &posts[0].1));
        // The worker marks the delivery sent once the receiver has answered,
        // so the mark may come a moment after the post.
        let mut sent = 0_i64;
        for _ in 0..50 {
            sent = sqlx::query_scalar(
                "SELECT COUNT(*) FROM alert_deliveries WHERE sent_at IS NOT NULL AND attempts > 1",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            if sent == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(sent, 1);
        pool.close().await;
        task.abort();
    }
);

on_both_backends_with!(
    each_rule_fires_on_its_scenario,
    |settings| {
        (
            owned(&[
                ("LATCHKEY_TRUSTED_PROXIES", "127.0.0.1"),
                ("LATCHKEY_ALERT_ACCOUNT_FAILURES", "5"),
                ("LATCHKEY_ALERT_SUPPORT_VIEWS", "2"),
            ]),
            (),
        )
    },
    |server, _unit| {
        // One account guessed at: five failures (the lock after three
        // does not stop the count).
        verified_browser(server, "guessed@example.com").await;
        let guessed = account_id(server, "guessed@example.com").await;
        let guesser = browser_at("203.0.113.9");
        fail_sign_ins(server, &guesser, &vec!["guessed@example.com".to_owned(); 4]).await;
        assert_eq!(alerts_of(server, "account_failures").await, []);
        fail_sign_ins(server, &guesser, &["guessed@example.com".to_owned()]).await;
        let failures = alerts_of(server, "account_failures").await;
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(failures[0].subject, format!("account:{guessed}"));
        assert_eq!(failures[0].observed, 5);

        // Two networks a moment apart.
        let hopper = verified_browser(server, "hop@example.com").await;
        let hop = account_id(server, "hop@example.com").await;
        let away = hopper
            .post(server.url("/api/auth/login"))
            .header("referer", server.url("/login"))
            .header("x-forwarded-for", "198.51.100.7")
            .form(&[
                ("email", "hop@example.com"),
                ("password", PASSWORD),
                ("next", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&away), "/account");
        let hops = alerts_of(server, "network_hop").await;
        assert_eq!(hops.len(), 1, "{hops:?}");
        assert_eq!(hops[0].subject, format!("account:{hop}"));

        // A reset, then the owner's own network: quiet; a new browser
        // elsewhere within the day: an alert.
        register(server, &server.browser(), "reset@example.com", "Reset").await;
        let reset = account_id(server, "reset@example.com").await;
        forgot(server, &browser_at("203.0.113.50"), "reset@example.com").await;
        let at_home = sign_in(
            server,
            &browser_at("203.0.113.77"),
            "reset@example.com",
            NEW_PASSWORD,
            "",
        )
        .await;
        assert_eq!(location(&at_home), "/account");
        assert_eq!(alerts_of(server, "new_device_after_reset").await, []);
        let elsewhere = sign_in(
            server,
            &browser_at("192.0.2.60"),
            "reset@example.com",
            NEW_PASSWORD,
            "",
        )
        .await;
        assert_eq!(location(&elsewhere), "/account");
        let after_reset = alerts_of(server, "new_device_after_reset").await;
        assert_eq!(after_reset.len(), 1, "{after_reset:?}");
        assert_eq!(after_reset[0].subject, format!("account:{reset}"));

        // Support viewing one customer again and again.
        let agent = support_member(server, "agent@example.com", "support").await;
        for _ in 0..2 {
            let viewed = post_form(
                &agent,
                server,
                "/api/staff/customer/view",
                &format!("/staff/customers/{guessed}"),
                &[("customer", &guessed.to_string()), ("reason", "Ticket 12")],
            )
            .await;
            assert_eq!(location(&viewed), "/account");
            post_form(&agent, server, "/api/staff/view/end", "/account", &[]).await;
        }
        let views = alerts_of(server, "repeated_support_views").await;
        assert_eq!(views.len(), 1, "{views:?}");
        assert_eq!(
            (views[0].subject.clone(), views[0].observed),
            (format!("account:{guessed}"), 2)
        );

        // A role granted at night (working hours away from now).
        assert_eq!(alerts_of(server, "off_hours_grant").await, []);
        let night = hours_away_from_now();
        let output = latchkey_with(
            server,
            &[
                "staff",
                "add",
                "--email",
                "night@example.com",
                "--role",
                "support",
                "--reason",
                "urgent",
            ],
            &[("LATCHKEY_ALERT_WORKING_HOURS", &night)],
        )
        .await;
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let night_member = account_id(server, "night@example.com").await;
        let grants = alerts_of(server, "off_hours_grant").await;
        assert_eq!(grants.len(), 1, "{grants:?}");
        assert_eq!(grants[0].subject, format!("account:{night_member}"));
    }
);

on_both_backends_with!(
    ordinary_traffic_raises_none,
    |settings| { (Vec::new(), ()) },
    |server, _unit| {
        let owner = verified_browser(server, "ordinary@example.com").await;
        let other = verified_browser(server, "neighbour@example.com").await;
        // A typo, then the right password, from the owner's own browser.
        let typo = sign_in(
            server,
            &owner,
            "ordinary@example.com",
            "Tangerine-Kayak-Violet-27",
            "",
        )
        .await;
        assert_eq!(location(&typo), "/login");
        // Signing in and out again and again from a known browser.
        for _ in 0..8 {
            post_form(&owner, server, "/logout", "/account", &[]).await;
            let again = sign_in(server, &owner, "ordinary@example.com", PASSWORD, "").await;
            assert_eq!(location(&again), "/account");
        }
        // A forgotten password, reset and used from the same browser.
        post_form(&other, server, "/logout", "/account", &[]).await;
        forgot(server, &other, "neighbour@example.com").await;
        let back = sign_in(server, &other, "neighbour@example.com", NEW_PASSWORD, "").await;
        assert_eq!(location(&back), "/account");
        // Support helps once, with a role granted in working hours.
        let agent = support_member(server, "helper@example.com", "support").await;
        let customer = account_id(server, "ordinary@example.com").await;
        let viewed = post_form(
            &agent,
            server,
            "/api/staff/customer/view",
            &format!("/staff/customers/{customer}"),
            &[("customer", &customer.to_string()), ("reason", "Ticket 7")],
        )
        .await;
        assert_eq!(location(&viewed), "/account");
        assert_eq!(stored_alerts(server).await, [], "no alert");
    }
);

/// Reads the stream until `needle` comes or the time is up.
async fn read_until(stream: &mut reqwest::Response, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = String::new();
    while !seen.contains(needle) {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = tokio::time::timeout(left, stream.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {needle:?} in time; the stream said {seen:?}"))
            .unwrap()
            .expect("the stream stays open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    seen
}

on_both_backends_with!(
    alerts_arrive_live_and_are_acknowledged_with_a_note,
    |settings| {
        (
            owned(&[
                ("LATCHKEY_ALERT_NETWORK_ADDRESSES", "3"),
                ("LATCHKEY_ALERT_ACCOUNT_FAILURES", "3"),
            ]),
            (),
        )
    },
    |server, _unit| {
        let stream_path = "/api/staff/alerts/stream";
        let anonymous = server
            .browser()
            .get(server.url(stream_path))
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        let agent = support_member(server, "agent@example.com", "support").await;
        let refused = agent
            .get(server.url(stream_path))
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(
            refused.status(),
            StatusCode::FORBIDDEN,
            "support lacks alerts.read"
        );
        let (status, _) = page(&agent, server, "/staff/alerts").await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let admin = support_member(server, "admin@example.com", "security_admin").await;
        let mut stream = admin
            .get(server.url(stream_path))
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), StatusCode::OK);
        assert!(stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream"));

        verified_browser(server, "target@example.com").await;
        let target = account_id(server, "target@example.com").await;
        fail_sign_ins(
            server,
            &server.browser(),
            &vec!["target@example.com".to_owned(); 3],
        )
        .await;
        let seen = read_until(&mut stream, "account_failures").await;
        assert!(seen.contains("event: alert"), "{seen}");
        assert!(
            seen.contains(&format!("\"subject\":\"account:{target}\"")),
            "{seen}"
        );
        drop(stream);

        // Without JavaScript: the page lists it, with the script for the live part.
        let (status, listed) = page(&admin, server, "/staff/alerts").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            listed.contains("Many failed sign-ins for one account"),
            "{listed}"
        );
        assert!(listed.contains("target@example.com"));
        assert!(listed.contains("src=\"/alerts.js\""));
        let (_, elsewhere) = page(&admin, server, "/staff/team").await;
        assert!(
            !elsewhere.contains("/alerts.js"),
            "the script is the alerts page's only"
        );
        assert!(
            elsewhere.contains("href=\"/staff/alerts\""),
            "the console links it"
        );

        let alert = alerts_of(server, "account_failures").await[0]
            .id
            .to_string();
        let empty = post_form(
            &admin,
            server,
            "/api/staff/alerts/acknowledge",
            "/staff/alerts",
            &[("alert", &alert), ("note", " ")],
        )
        .await;
        assert_eq!(location(&empty), "/staff/alerts");
        let (_, refused_page) = page(&admin, server, "/staff/alerts").await;
        assert!(refused_page.contains("Give a reason."), "{refused_page}");
        let note = "Customer confirmed they forgot the password";
        let acknowledged = post_form(
            &admin,
            server,
            "/api/staff/alerts/acknowledge",
            "/staff/alerts",
            &[("alert", &alert), ("note", note)],
        )
        .await;
        assert_eq!(
            location(&acknowledged),
            format!("/staff/alerts?done=acknowledged#alert-{alert}")
        );
        let (_, listed) = page(&admin, server, "/staff/alerts?done=acknowledged").await;
        assert!(listed.contains("Acknowledged by"), "{listed}");
        assert!(listed.contains(note));
        let again = call_json(
            &admin,
            server,
            "/api/staff/alerts/acknowledge",
            &[("alert", &alert), ("note", "twice")],
        )
        .await;
        assert_eq!(again.status(), StatusCode::BAD_REQUEST);
        assert!(again
            .text()
            .await
            .unwrap()
            .contains("alert.already_acknowledged"));

        let admin_id = account_id(server, "admin@example.com").await;
        let pool = database(server).await;
        let entry = sqlx::query(
            "SELECT actor_id, subject_id, reason, details FROM audit_events WHERE kind = 'alert_acknowledged'",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        pool.close().await;
        assert_eq!(entry.len(), 1, "recorded once");
        assert_eq!(entry[0].get::<Option<i64>, _>("actor_id"), Some(admin_id));
        assert_eq!(entry[0].get::<Option<i64>, _>("subject_id"), Some(target));
        assert_eq!(
            entry[0].get::<Option<String>, _>("reason").as_deref(),
            Some(note)
        );
        let chain = latchkey(server, &["audit", "verify"]).await;
        assert!(
            chain.status.success(),
            "{}",
            String::from_utf8_lossy(&chain.stdout)
        );
    }
);

on_both_backends_with!(
    responding_to_a_compromise_takes_every_step,
    |settings| { (owned(&[("LATCHKEY_ALERT_ACCOUNT_FAILURES", "3")]), ()) },
    |server, _unit| {
        let customer = verified_browser(server, "breached@example.com").await;
        let id = account_id(server, "breached@example.com").await;
        assert_eq!(
            count(
                server,
                "SELECT COUNT(*) FROM known_devices WHERE user_id = $1",
                id
            )
            .await,
            1
        );
        let lead = support_member(server, "lead@example.com", "support_lead").await;
        let customer_page = format!("/staff/customers/{id}");
        let (_, file) = page(&lead, server, &customer_page).await;
        assert!(file.contains("Respond to compromise"), "{file}");

        let reason = "Ticket 99: password found in a breach corpus";
        let responded = post_form(
            &lead,
            server,
            "/api/staff/customer/respond-to-compromise",
            &customer_page,
            &[("customer", &id.to_string()), ("reason", reason)],
        )
        .await;
        assert_eq!(
            location(&responded),
            format!("{customer_page}?done=respond_to_compromise")
        );

        let gone = customer.get(server.url("/account")).send().await.unwrap();
        assert_eq!(
            location(&gone),
            "/login?next=/account",
            "every session ended"
        );
        assert_eq!(
            count(
                server,
                "SELECT COUNT(*) FROM known_devices WHERE user_id = $1",
                id
            )
            .await,
            0,
            "every browser forgotten"
        );
        assert_eq!(
            sign_in(
                server,
                &server.script(),
                "breached@example.com",
                PASSWORD,
                ""
            )
            .await
            .status(),
            StatusCode::BAD_REQUEST,
            "the old password no longer works"
        );
        let mail = server
            .mail_to("breached@example.com", "We secured your Latchkey account")
            .await;
        assert!(mail.contains(reason), "{mail}");
        assert!(
            mail.contains("/recover/reset?token="),
            "a link to choose a new password"
        );
        assert!(
            mail.contains("Change the password of this mailbox"),
            "what to do"
        );
        assert_eq!(
            count(server, "SELECT COUNT(*) FROM activity WHERE user_id = $1 AND kind = 'support_responded_to_compromise'", id).await,
            1
        );
        let lead_id = account_id(server, "lead@example.com").await;
        assert_eq!(
            count(
                server,
                &format!("SELECT COUNT(*) FROM audit_events WHERE subject_id = $1 AND kind = 'support_responded_to_compromise' AND actor_id = {lead_id}"),
                id
            )
            .await,
            1,
            "in the audit log with the staff member as its actor"
        );
        // The link works: a new password signs in again.
        reset_with(server, &server.browser(), &link_in(&mail)).await;

        // From an alert about the account, back to the alerts page.
        fail_sign_ins(
            server,
            &server.browser(),
            &vec!["breached@example.com".to_owned(); 3],
        )
        .await;
        let alert = alerts_of(server, "account_failures").await[0]
            .id
            .to_string();
        let admin = support_member(server, "admin@example.com", "security_admin").await;
        let (_, listed) = page(&admin, server, "/staff/alerts").await;
        assert!(listed.contains("Respond to compromise"), "{listed}");
        let customer = id.to_string();
        let respond = |reason: &'static str| {
            let form = [
                ("customer", customer.clone()),
                ("alert", alert.clone()),
                ("reason", reason.to_owned()),
            ];
            let admin = admin.clone();
            async move {
                admin
                    .post(server.url("/api/staff/customer/respond-to-compromise"))
                    .header("referer", server.url("/staff/alerts"))
                    .form(&form)
                    .send()
                    .await
                    .unwrap()
            }
        };
        assert_eq!(location(&respond("").await), "/staff/alerts");
        let (_, refused) = page(&admin, server, "/staff/alerts").await;
        assert!(refused.contains("Give a reason."), "{refused}");
        let from_alert = respond("Alert: guessing").await;
        assert_eq!(
            location(&from_alert),
            format!("/staff/alerts?done=responded#alert-{alert}")
        );
        assert_eq!(
            count(server, "SELECT COUNT(*) FROM activity WHERE user_id = $1 AND kind = 'support_responded_to_compromise'", id).await,
            2
        );
    }
);
