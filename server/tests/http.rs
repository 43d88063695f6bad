//! The real server on a random port against a fresh database, on SQLite and
//! on PostgreSQL, driven over HTTP as a browser (with and without
//! JavaScript) or an attacker would.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use store::testing::TestDatabase;
use store::Backend;

#[path = "../../store/tests/support/soft_passkey.rs"]
mod soft_passkey;
use soft_passkey::SoftPasskey;

struct TestServer {
    base: String,
    outbox: PathBuf,
    scratch: PathBuf,
    db_url: String,
    db: Option<TestDatabase>,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    async fn start(backend: Backend) -> Option<TestServer> {
        Self::start_with(backend, &[]).await
    }

    async fn start_with(backend: Backend, extra: &[(&str, &str)]) -> Option<TestServer> {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("warn")
            .with_test_writer()
            .try_init();
        let db = TestDatabase::fresh(backend).await?;
        let scratch = std::env::temp_dir().join(format!("latchkey-http-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&scratch).unwrap();
        std::fs::write(
            scratch.join("secret.key"),
            "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        )
        .unwrap();
        let mut server = Self::launch(db.url.clone(), scratch, extra).await;
        server.db = Some(db);
        Some(server)
    }

    /// A second process of the same deployment: same database, key and outbox.
    async fn another_instance(&self) -> TestServer {
        Self::launch(self.db_url.clone(), self.scratch.clone(), &[]).await
    }

    async fn launch(db_url: String, scratch: PathBuf, extra: &[(&str, &str)]) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let outbox = scratch.join("outbox");
        let mut settings: HashMap<String, String> = [
            ("DATABASE_URL", db_url.clone()),
            ("LATCHKEY_PUBLIC_URL", format!("http://localhost:{port}")),
            ("LATCHKEY_MAIL_OUTBOX", outbox.display().to_string()),
            (
                "LATCHKEY_SECRET_KEY_FILE",
                scratch.join("secret.key").display().to_string(),
            ),
            // Cheap hashing keeps the suite fast; the parameters' effect is tested in `service`.
            ("LATCHKEY_ARGON2_MEMORY_KIB", "256".to_owned()),
            ("LATCHKEY_ARGON2_ITERATIONS", "1".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        settings.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let config = server::config::from_settings(&server::config::Settings(move |name| {
            settings.get(name).cloned()
        }))
        .unwrap();
        let prepared = server::prepare(config).await.unwrap();
        let task = tokio::spawn(async move {
            prepared.serve(listener).await.unwrap();
        });
        TestServer {
            base: format!("http://localhost:{port}"),
            outbox,
            scratch,
            db_url,
            db: None,
            task,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser with JavaScript off: plain form posts that expect HTML.
    fn browser(&self) -> reqwest::Client {
        self.client("text/html,application/xhtml+xml")
    }

    /// The hydrated app's server-function client, which asks for JSON.
    fn script(&self) -> reqwest::Client {
        self.client("application/json")
    }

    fn client(&self, accept: &str) -> reqwest::Client {
        let mut headers = HeaderMap::new();
        headers.insert("accept", HeaderValue::from_str(accept).unwrap());
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        headers.insert(
            "user-agent",
            HeaderValue::from_static("Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0"),
        );
        client_builder()
            .cookie_store(true)
            .default_headers(headers)
            .build()
            .unwrap()
    }

    /// Waits for the mail worker to deliver a message to `to`, returning its text.
    async fn mail_to(&self, to: &str, containing: &str) -> String {
        for _ in 0..100 {
            if let Ok(entries) = std::fs::read_dir(&self.outbox) {
                let mut paths: Vec<_> = entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .collect();
                paths.sort();
                for path in paths.iter().rev() {
                    let text = std::fs::read_to_string(path).unwrap();
                    if text.contains(&format!("To: {to}")) && text.contains(containing) {
                        return text;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let found: Vec<_> = std::fs::read_dir(&self.outbox)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        panic!("no mail to {to} containing {containing:?}; the outbox holds {found:?}");
    }

    async fn stop(mut self) {
        self.task.abort();
        if let Some(db) = self.db.take() {
            db.remove().await;
        }
    }
}

/// A client that shows redirects instead of following them, and whose
/// stalled responses fail their test instead of holding CI until its deadline.
fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .redirect(Policy::none())
}

fn link_in(mail: &str) -> String {
    mail.split_whitespace()
        .find(|w| w.contains("token="))
        .expect("a link in the mail")
        .to_owned()
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

const PASSWORD: &str = "Tangerine-Kayak-Violet-72";

async fn post_form(
    client: &reqwest::Client,
    server: &TestServer,
    path: &str,
    page: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(server.url(path))
        .header("referer", server.url(page))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn register(
    server: &TestServer,
    client: &reqwest::Client,
    email: &str,
    name: &str,
) -> reqwest::Response {
    post_form(
        client,
        server,
        "/api/auth/register",
        "/register",
        &[
            ("email", email),
            ("display_name", name),
            ("password", PASSWORD),
        ],
    )
    .await
}

async fn sign_in(
    server: &TestServer,
    client: &reqwest::Client,
    email: &str,
    password: &str,
    next: &str,
) -> reqwest::Response {
    post_form(
        client,
        server,
        "/api/auth/login",
        "/login",
        &[("email", email), ("password", password), ("next", next)],
    )
    .await
}

async fn page(client: &reqwest::Client, server: &TestServer, path: &str) -> (StatusCode, String) {
    let response = client.get(server.url(path)).send().await.unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

macro_rules! on_both_backends {
    ($name:ident, |$server:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn run($server: &TestServer) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let Some(server) = TestServer::start(Backend::Sqlite).await else { return };
                run(&server).await;
                server.stop().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(server) = TestServer::start(Backend::Postgres).await else { return };
                run(&server).await;
                server.stop().await;
            }
        }
    };
}

on_both_backends!(the_whole_journey_without_javascript, |server| {
    let browser = server.browser();
    let registered = register(
        server,
        &browser,
        "Ada@Example.com",
        "Ada <script>alert(1)</script> & Co",
    )
    .await;
    assert_eq!(registered.status(), StatusCode::FOUND);
    assert_eq!(location(&registered), "/register/sent");

    let mail = server.mail_to("ada@example.com", "verify-email").await;
    let link = link_in(&mail);
    assert!(
        link.starts_with(&server.url("/verify-email?token=")),
        "{link}"
    );

    // Opening the link changes nothing yet: it only moves the token into a cookie.
    let opened = browser.get(&link).send().await.unwrap();
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&opened), "/verify-email");
    let cookie = opened
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Max-Age=600"),
        "{cookie}"
    );
    let (_, verify_page) = page(&browser, server, "/verify-email").await;
    assert!(verify_page.contains("Confirm my email"));
    let signed_in_first = sign_in(server, &browser, "ada@example.com", PASSWORD, "").await;
    assert_eq!(location(&signed_in_first), "/account");
    let (_, account) = page(&browser, server, "/account").await;
    assert!(
        account.contains("Not confirmed yet"),
        "the link alone verified nothing"
    );

    let confirmed = post_form(
        &browser,
        server,
        "/api/verify/confirm",
        "/verify-email",
        &[],
    )
    .await;
    assert_eq!(
        location(&confirmed),
        "/account",
        "signed in, so back to the account"
    );
    let (status, account) = page(&browser, server, "/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(account.contains("Confirmed") && !account.contains("Not confirmed yet"));
    assert!(
        account.contains("Ada &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"),
        "the name is shown escaped"
    );
    assert!(!account.contains("<script>alert(1)"));

    let (_, activity) = page(&browser, server, "/account/activity").await;
    for event in ["Account created", "Signed in", "Email address confirmed"] {
        assert!(
            activity.contains(event),
            "{event} missing from the activity page"
        );
    }
    assert!(
        activity.contains("127.0.0.1") && activity.contains("Firefox"),
        "IP and device are shown"
    );

    let signed_out = post_form(&browser, server, "/logout", "/account", &[]).await;
    assert_eq!(location(&signed_out), "/login?signed_out=1");
    let after = browser.get(server.url("/account")).send().await.unwrap();
    assert_eq!(
        location(&after),
        "/login?next=/account",
        "signed out means signed out"
    );

    let again = sign_in(server, &browser, "ada@example.com", PASSWORD, "").await;
    assert_eq!(location(&again), "/account");
    let (_, activity) = page(&browser, server, "/account/activity").await;
    assert!(activity.contains("Signed out"));
});

on_both_backends!(verification_links_work_once, |server| {
    let browser = server.browser();
    register(server, &browser, "bo@example.com", "Bo").await;
    let link = link_in(&server.mail_to("bo@example.com", "verify-email").await);
    browser.get(&link).send().await.unwrap();
    let first = post_form(
        &browser,
        server,
        "/api/verify/confirm",
        "/verify-email",
        &[],
    )
    .await;
    assert_eq!(
        location(&first),
        "/account?confirmed=1",
        "the browser that registered continues into the account"
    );

    let other = server.browser();
    other.get(&link).send().await.unwrap();
    let second = post_form(&other, server, "/api/verify/confirm", "/verify-email", &[]).await;
    assert_eq!(
        location(&second),
        "/verify-email",
        "back to the page, which explains"
    );
    let (_, shown) = page(&other, server, "/verify-email").await;
    assert!(
        shown.contains("invalid, has expired or was already used"),
        "{shown}"
    );

    // Opened on another device, the link confirms and leads to sign-in:
    // a mail link alone never signs in.
    register(server, &server.browser(), "cal@example.com", "Cal").await;
    let link = link_in(&server.mail_to("cal@example.com", "verify-email").await);
    let phone = server.browser();
    phone.get(&link).send().await.unwrap();
    let confirmed = post_form(&phone, server, "/api/verify/confirm", "/verify-email", &[]).await;
    assert_eq!(location(&confirmed), "/login?verified=1");
    let (status, _) = page(&phone, server, "/account").await;
    assert_ne!(status, StatusCode::OK, "no session on the phone");
});

on_both_backends!(no_account_enumeration, |server| {
    let browser = server.browser();
    let first = register(server, &browser, "cy@example.com", "Cy").await;
    let second = register(server, &server.browser(), "CY@example.com", "Someone Else").await;
    assert_eq!(
        (first.status(), location(&first)),
        (second.status(), location(&second))
    );
    let notice = server.mail_to("cy@example.com", "already have").await;
    assert!(
        !notice.contains("token="),
        "the owner's account is not touched"
    );

    let script = server.script();
    let wrong = sign_in(server, &script, "cy@example.com", "Wrong-Password-99!", "").await;
    let unknown = sign_in(
        server,
        &script,
        "nobody@example.com",
        "Wrong-Password-99!",
        "",
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert_eq!(unknown.status(), wrong.status());
    assert_eq!(unknown.text().await.unwrap(), wrong.text().await.unwrap());
});

on_both_backends!(script_client_gets_field_errors_as_codes, |server| {
    let script = server.script();
    let response = post_form(
        &script,
        server,
        "/api/auth/register",
        "/register",
        &[
            ("email", "not-an-address"),
            ("display_name", "Dee"),
            ("password", "Password123!"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("email.invalid") && body.contains("password.too_common"),
        "{body}"
    );
    assert!(
        !body.contains("Password123!"),
        "the password is never echoed"
    );
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_links_ignore_forged_host_headers() {
    let Some(server) = TestServer::start(Backend::Sqlite).await else {
        return;
    };
    let client = server.browser();
    let forged = client
        .post(server.url("/api/auth/register"))
        .header("host", "evil.test")
        .form(&[
            ("email", "eve@example.com"),
            ("display_name", "Eve"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::MISDIRECTED_REQUEST);
    client
        .post(server.url("/api/auth/register"))
        .header("x-forwarded-host", "evil.test")
        .header("x-forwarded-proto", "https")
        .form(&[
            ("email", "eve@example.com"),
            ("display_name", "Eve"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let link = link_in(&server.mail_to("eve@example.com", "verify-email").await);
    assert!(
        link.starts_with(&server.url("/verify-email?token=")),
        "{link}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_posts_are_refused_before_any_work() {
    let Some(server) = TestServer::start(Backend::Sqlite).await else {
        return;
    };
    let plain = client_builder().build().unwrap();
    let form = [
        ("email", "x@example.com"),
        ("display_name", "X"),
        ("password", PASSWORD),
    ];
    let cross_site = plain
        .post(server.url("/api/auth/register"))
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    let bad_origin = plain
        .post(server.url("/api/auth/register"))
        .header("origin", "https://evil.test")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(bad_origin.status(), StatusCode::FORBIDDEN);
    let neither = plain.post(server.url("/logout")).send().await.unwrap();
    assert_eq!(neither.status(), StatusCode::FORBIDDEN);
    let own_origin = plain
        .post(server.url("/api/auth/register"))
        .header("origin", server.base.as_str())
        .header("accept", "application/json")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(own_origin.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let mails = std::fs::read_dir(&server.outbox)
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(mails, 1, "only the same-origin registration did anything");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_fresh_http_only_cookies_and_next_stays_local() {
    let Some(server) = TestServer::start(Backend::Sqlite).await else {
        return;
    };
    let browser = server.browser();
    register(&server, &browser, "fay@example.com", "Fay").await;
    let first = sign_in(
        &server,
        &browser,
        "fay@example.com",
        PASSWORD,
        "//evil.test/phish",
    )
    .await;
    assert_eq!(location(&first), "/account", "an off-site next is ignored");
    let cookie = first
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.starts_with("lk_session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let home = browser.get(server.url("/")).send().await.unwrap();
    assert_eq!(
        location(&home),
        "/account",
        "the start page goes to the account when signed in"
    );
    let anonymous = server.browser().get(server.url("/")).send().await.unwrap();
    assert_eq!(location(&anonymous), "/login", "and to sign-in otherwise");
    let second = sign_in(
        &server,
        &browser,
        "fay@example.com",
        PASSWORD,
        "/account/activity",
    )
    .await;
    assert_eq!(
        location(&second),
        "/account/activity",
        "a local next is honoured"
    );
    let cookie2 = second
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_ne!(cookie, cookie2, "a new token at every sign-in");

    // Garbage, forged or stale session cookies read as signed out, never as an error.
    for forged in [
        "lk_session=garbage",
        "lk_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "lk_session=%00%ff",
    ] {
        let response = server
            .client("text/html")
            .get(server.url("/account"))
            .header("cookie", forged)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND, "{forged}");
        assert_eq!(location(&response), "/login?next=/account");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_carries_the_security_headers() {
    let Some(server) = TestServer::start(Backend::Sqlite).await else {
        return;
    };
    let response = server
        .browser()
        .get(server.url("/login"))
        .send()
        .await
        .unwrap();
    let headers = response.headers().clone();
    let csp = headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-ancestors 'none'")
            && csp.contains("'wasm-unsafe-eval'")
            && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(headers.get("referrer-policy").unwrap(), "same-origin");
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    assert!(
        headers.get("strict-transport-security").is_none(),
        "no HSTS over plain http"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_owned();
    let html = response.text().await.unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "scripts carry this response's nonce"
    );
    let next = server
        .browser()
        .get(server.url("/login"))
        .send()
        .await
        .unwrap();
    assert!(
        !next
            .headers()
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap()
            .contains(&nonce),
        "a fresh nonce per response"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn language_follows_the_browser_and_the_switch() {
    let Some(server) = TestServer::start(Backend::Sqlite).await else {
        return;
    };
    let browser = server.browser();
    let chinese = browser
        .get(server.url("/login"))
        .header("accept-language", "zh-CN,zh;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap();
    let html = chinese.text().await.unwrap();
    assert!(
        html.contains("<html lang=\"zh-CN\"") && html.contains("登录 Latchkey"),
        "{html}"
    );
    let switched = browser
        .get(server.url("/lang/en?next=/register"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&switched), "/register");
    let html = browser
        .get(server.url("/register"))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<html lang=\"en\"") && html.contains("Create your account"),
        "the choice beats the header"
    );
    let off_site = browser
        .get(server.url("/lang/zh-CN?next=https://evil.test"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&off_site), "/");
    server.stop().await;
}

/// A form island shows refusals as the server words them, in the page's
/// language: the browser carries no table of texts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_island_gets_its_refusal_in_the_page_language() {
    let Some(server) = TestServer::start(Backend::Sqlite).await else {
        return;
    };
    let script = server.script();
    let refused = script
        .post(server.url("/api/auth/register"))
        .header("referer", server.url("/register"))
        .header("accept-language", "zh-CN")
        .header("x-latchkey-shown-errors", "1")
        .form(&[
            ("email", "not-an-address"),
            ("display_name", "Li"),
            ("password", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let shown: serde_json::Value = refused.json().await.unwrap();
    let summary = shown["summary"].as_str().unwrap();
    assert!(!summary.is_empty() && !summary.is_ascii(), "{shown}");
    let fields = shown["fields"].as_array().unwrap();
    let email_messages: Vec<&str> = fields
        .iter()
        .filter(|f| f[0] == "email")
        .map(|f| f[1].as_str().unwrap())
        .collect();
    assert_eq!(email_messages.len(), 1, "{shown}");
    assert!(!email_messages[0].is_ascii(), "in Chinese: {shown}");
    assert!(fields.iter().any(|f| f[0] == "password"), "{shown}");
    // What the island decides on comes along, not the whole error.
    assert_eq!(shown["refusal"], "Other", "{shown}");

    // Without the header the answer is the plain error, for every other caller.
    let plain = post_form(
        &script,
        &server,
        "/api/auth/register",
        "/register",
        &[
            ("email", "not-an-address"),
            ("display_name", "Li"),
            ("password", "short"),
        ],
    )
    .await;
    let plain: serde_json::Value = plain.json().await.unwrap();
    assert!(plain["Validation"].is_array(), "{plain}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_cleanly() {
    let Some(server) = TestServer::start(Backend::Sqlite).await else {
        return;
    };
    let script = server.script();
    // Just over the 64 KiB limit: small enough that the client finishes sending
    // before the server answers, so the test sees the 413 rather than a reset.
    let huge = "x".repeat(80 * 1024);
    let oversized = post_form(
        &script,
        &server,
        "/api/auth/register",
        "/register",
        &[
            ("email", "a@example.com"),
            ("display_name", &huge),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(oversized.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let control = post_form(
        &script,
        &server,
        "/api/auth/register",
        "/register",
        &[
            ("email", "b@example.com"),
            ("display_name", "B\r\nBcc: x@evil.test"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(control.status(), StatusCode::BAD_REQUEST);
    assert!(control.text().await.unwrap().contains("name.invalid"));
    let missing = script
        .post(server.url("/api/auth/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![0xff, 0xfe, b'=', 0x80])
        .send()
        .await
        .unwrap();
    assert!(missing.status().is_client_error(), "{}", missing.status());
    let not_found = server
        .browser()
        .get(server.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(not_found.status(), StatusCode::NOT_FOUND);
    assert!(not_found.text().await.unwrap().contains("Page not found"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resending_the_link_is_rate_limited() {
    let Some(server) = TestServer::start_with(
        Backend::Sqlite,
        &[
            ("LATCHKEY_RESENDS_PER_ACCOUNT_PER_HOUR", "1"),
            ("LATCHKEY_REPEAT_WINDOW_SECS", "1"),
        ],
    )
    .await
    else {
        return;
    };
    let script = server.script();
    register(&server, &script, "gil@example.com", "Gil").await;
    sign_in(&server, &script, "gil@example.com", PASSWORD, "").await;
    let first = post_form(&script, &server, "/api/verify/resend", "/account", &[]).await;
    assert_eq!(first.status(), StatusCode::OK);
    // Past the double-tap window: a second request, not a repeat of the first.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = post_form(&script, &server, "/api/verify/resend", "/account", &[]).await;
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(second.headers().get("retry-after").is_some());
    let anonymous = post_form(
        &server.script(),
        &server,
        "/api/verify/resend",
        "/account",
        &[],
    )
    .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_readiness() {
    let Some(server) = TestServer::start(Backend::Sqlite).await else {
        return;
    };
    let client = client_builder().build().unwrap();
    assert_eq!(
        client
            .get(server.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        client
            .get(server.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    server.stop().await;
}

#[test]
fn bad_configuration_stops_start_up_with_one_line_naming_the_setting() {
    let cases = [
        ("DATABASE_URL", "mysql://localhost/x", "DATABASE_URL"),
        (
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/none",
            "LATCHKEY_SECRET_KEY_FILE",
        ),
        (
            "LATCHKEY_MAIL_OUTBOX",
            "/proc/latchkey-outbox",
            "LATCHKEY_MAIL_OUTBOX",
        ),
        (
            "LATCHKEY_PUBLIC_URL",
            "localhost:3000",
            "LATCHKEY_PUBLIC_URL",
        ),
    ];
    for (name, value, setting) in cases {
        let dir = std::env::temp_dir().join(format!("latchkey-config-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_latchkey"))
            .current_dir(&dir)
            .env(name, value)
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}={value}: {stderr}");
        let lines: Vec<_> = stderr
            .lines()
            .filter(|l| l.starts_with("latchkey:"))
            .collect();
        assert_eq!(lines.len(), 1, "{stderr}");
        assert!(lines[0].contains(setting), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn an_unreachable_database_is_named() {
    let dir = std::env::temp_dir().join(format!("latchkey-config-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("key"),
        "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .current_dir(&dir)
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")
        .env("LATCHKEY_SECRET_KEY_FILE", dir.join("key"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("DATABASE_URL") && stderr.contains("cannot connect"),
        "{stderr}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

on_both_backends!(password_recovery_without_javascript, |server| {
    let owner = server.browser();
    register(server, &owner, "hal@example.com", "Hal").await;
    assert_eq!(
        location(&sign_in(server, &owner, "hal@example.com", PASSWORD, "").await),
        "/account"
    );

    let forgetful = server.browser();
    let asked = ask_for_reset(&forgetful, server, "HAL@example.com").await;
    let unknown = ask_for_reset(&server.browser(), server, "nobody@example.com").await;
    assert_eq!(
        (asked.status(), location(&asked)),
        (StatusCode::FOUND, "/recover/sent".to_owned())
    );
    assert_eq!(
        (unknown.status(), location(&unknown)),
        (asked.status(), location(&asked)),
        "the same answer either way"
    );

    let link = link_in(&server.mail_to("hal@example.com", "recover/reset").await);
    assert!(
        link.starts_with(&server.url("/recover/reset?token=")),
        "{link}"
    );
    let opened = forgetful.get(&link).send().await.unwrap();
    assert_eq!(
        (opened.status(), location(&opened)),
        (StatusCode::SEE_OTHER, "/recover/reset".to_owned())
    );
    let (_, form) = page(&forgetful, server, "/recover/reset").await;
    assert!(
        form.contains("Choose a new password") && form.contains("autocomplete=\"new-password\"")
    );

    let mismatch = post_form(
        &forgetful,
        server,
        "/api/recover/reset",
        "/recover/reset",
        &[
            ("password", NEW_PASSWORD),
            ("confirmation", "Violet-Harbour-Lantern-59"),
        ],
    )
    .await;
    assert_eq!(location(&mismatch), "/recover/reset");
    let (_, shown) = page(&forgetful, server, "/recover/reset").await;
    assert!(
        shown.contains("The two passwords are not the same."),
        "{shown}"
    );
    assert!(
        shown.contains("href=\"#field-confirmation\""),
        "the summary links to the field, without JavaScript too"
    );

    let done = reset_to_new_password(&forgetful, server).await;
    assert_eq!(location(&done), "/login?reset=1");
    server.mail_to("hal@example.com", "was just changed").await;

    let kicked = owner.get(server.url("/account")).send().await.unwrap();
    assert_eq!(
        location(&kicked),
        "/login?next=/account",
        "every other session ended"
    );
    assert_eq!(
        sign_in(server, &server.script(), "hal@example.com", PASSWORD, "")
            .await
            .status(),
        StatusCode::BAD_REQUEST,
        "the old password is gone"
    );
    assert_eq!(
        location(&sign_in(server, &owner, "hal@example.com", NEW_PASSWORD, "").await),
        "/account"
    );
    let (_, account) = page(&owner, server, "/account").await;
    assert!(
        account.contains("Confirmed"),
        "the reset proved control of the address"
    );

    let replay = server.browser();
    replay.get(&link).send().await.unwrap();
    let again = post_form(
        &replay,
        server,
        "/api/recover/reset",
        "/recover/reset",
        &[
            ("password", "Another-Fresh-Pass-77"),
            ("confirmation", "Another-Fresh-Pass-77"),
        ],
    )
    .await;
    assert_eq!(location(&again), "/recover/reset");
    let (_, dead) = page(&replay, server, "/recover/reset").await;
    assert!(
        dead.contains("invalid, has expired or was already used")
            && dead.contains("href=\"/recover\""),
        "{dead}"
    );
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_links_ignore_forged_host_headers_and_leave_no_token_in_the_url() {
    let Some(server) = TestServer::start(Backend::Sqlite).await else {
        return;
    };
    let client = server.browser();
    register(&server, &client, "ivy@example.com", "Ivy").await;
    client
        .post(server.url("/api/recover/request"))
        .header("x-forwarded-host", "evil.test")
        .form(&[("email", "ivy@example.com")])
        .send()
        .await
        .unwrap();
    let link = link_in(&server.mail_to("ivy@example.com", "recover/reset").await);
    assert!(
        link.starts_with(&server.url("/recover/reset?token=")),
        "{link}"
    );
    let opened = client.get(&link).send().await.unwrap();
    assert_eq!(
        location(&opened),
        "/recover/reset",
        "the token leaves the address bar"
    );
    let page = client
        .get(server.url("/recover/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.headers().get("referrer-policy").unwrap(),
        "same-origin"
    );
    let html = page.text().await.unwrap();
    let token = link.split("token=").nth(1).unwrap();
    assert!(!html.contains(token), "the page never shows the token");
    for external in ["src=\"http", "href=\"http"] {
        assert!(
            !html.contains(external),
            "no third-party resource: {external}"
        );
    }
    server.stop().await;
}

/// Every mail in the outbox to `to` whose text contains `containing`.
fn mails_to(server: &TestServer, to: &str, containing: &str) -> Vec<String> {
    std::fs::read_dir(&server.outbox)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .filter(|text| text.contains(&format!("To: {to}")) && text.contains(containing))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_database_share_the_lock() {
    let Some(first) = TestServer::start(Backend::Postgres).await else {
        return;
    };
    let second = first.another_instance().await;
    let owner = first.browser();
    register(&first, &owner, "ida@example.com", "Ida").await;
    assert_eq!(
        location(&sign_in(&first, &owner, "ida@example.com", PASSWORD, "").await),
        "/account"
    );

    // A stranger's browser spreads its guesses over both processes.
    for (round, server) in [&first, &second, &first].into_iter().enumerate() {
        let guess = sign_in(
            server,
            &server.script(),
            "ida@example.com",
            "Wrong-Guess-42!x",
            "",
        )
        .await;
        assert_eq!(guess.status(), StatusCode::BAD_REQUEST, "guess {round}");
    }
    for server in [&first, &second] {
        let right = sign_in(server, &server.script(), "ida@example.com", PASSWORD, "").await;
        let answer = right.text().await.unwrap();
        assert!(
            answer.contains("SignInPaused"),
            "paused on every process: {answer}"
        );
    }
    let lock_mail = first.mail_to("ida@example.com", "/unlock?token=").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        mails_to(&first, "ida@example.com", "/unlock?token=").len(),
        1,
        "one mail per lock"
    );

    // The owner's own browser signed in before: the lock is not for it.
    let again = sign_in(&second, &owner, "ida@example.com", PASSWORD, "").await;
    assert_eq!(location(&again), "/account");

    // The unlock link asks for a press; the press works on the other process.
    let stranger = second.browser();
    let link = link_in(&lock_mail).replace(&first.base, &second.base);
    let opened = stranger.get(&link).send().await.unwrap();
    assert_eq!(location(&opened), "/unlock");
    let (_, confirm) = page(&stranger, &second, "/unlock").await;
    assert!(confirm.contains("Unlock my account"));
    let unlocked = post_form(&stranger, &second, "/api/account/unlock", "/unlock", &[]).await;
    assert_eq!(location(&unlocked), "/login?unlocked=1");
    let after = sign_in(&first, &stranger, "ida@example.com", PASSWORD, "").await;
    assert_eq!(location(&after), "/account");
    first.mail_to("ida@example.com", "/not-me?token=").await;

    second.task.abort();
    first.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_limit_a_form_post_gets_a_readable_429_page() {
    let Some(server) = TestServer::start_with(
        Backend::Sqlite,
        &[("LATCHKEY_SIGN_INS_PER_IP_PER_MINUTE", "2")],
    )
    .await
    else {
        return;
    };
    let browser = server.browser();
    for _ in 0..2 {
        sign_in(&server, &browser, "jo@example.com", "Whatever-Pass-1!", "").await;
    }
    let refused = browser
        .post(server.url("/api/auth/login"))
        .header("referer", server.url("/login"))
        .header("accept-language", "zh-CN,zh;q=0.9")
        .form(&[
            ("email", "jo@example.com"),
            ("password", "Whatever-Pass-1!"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    assert!(refused.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("尝试次数过多")
            && page.contains(&app::i18n::wait_text(wait as i64, domain::Locale::ZhCn)),
        "{page}"
    );
    assert!(page.contains("href=\"/login\""), "a way back to the form");

    let script = sign_in(&server, &server.script(), "jo@example.com", "x", "").await;
    assert_eq!(script.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        script.text().await.unwrap().contains("RateLimited"),
        "scripts still get JSON"
    );
    server.stop().await;
}

on_both_backends!(sessions_page_revokes_other_browsers, |server| {
    let laptop = server.browser();
    register(server, &laptop, "kai@example.com", "Kai").await;
    sign_in(server, &laptop, "kai@example.com", PASSWORD, "").await;
    let phone = server.browser();
    sign_in(server, &phone, "kai@example.com", PASSWORD, "").await;
    server.mail_to("kai@example.com", "/not-me?token=").await;

    let (status, list) = page(&laptop, server, "/account/sessions").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.matches("<li class=\"session").count(), 2, "{list}");
    assert!(list.contains("This browser") && list.contains("Firefox"));

    let revoked = post_form(
        &laptop,
        server,
        "/api/account/sessions/revoke-others",
        "/account/sessions",
        &[],
    )
    .await;
    assert_eq!(location(&revoked), "/account/sessions?revoked=others");
    let on_phone = phone
        .get(server.url("/account/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&on_phone),
        "/login?next=/account/sessions",
        "the phone is signed out at its next request"
    );
    let (_, on_laptop) = page(&laptop, server, "/account/activity").await;
    assert!(on_laptop.contains("All other sessions were signed out"));
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_exports_as_csv_for_spreadsheets() {
    let Some(server) = TestServer::start(Backend::Sqlite).await else {
        return;
    };
    let mut headers = HeaderMap::new();
    headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
    headers.insert("accept", HeaderValue::from_static("text/html"));
    headers.insert(
        "user-agent",
        HeaderValue::from_static("=HYPERLINK(\"http://evil\")"),
    );
    let hostile = client_builder()
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap();
    register(&server, &hostile, "lin@example.com", "Lin").await;
    sign_in(&server, &hostile, "lin@example.com", PASSWORD, "").await;

    let csv = hostile
        .get(server.url("/api/account/activity.csv"))
        .header("referer", server.url("/account/activity"))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let bytes = csv.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xef\xbb\xbf", "UTF-8 with a byte-order mark");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(
        !text.contains(",=HYPERLINK"),
        "no cell starts a formula: {text}"
    );

    let signed_in_only = hostile
        .get(server.url("/api/account/activity.csv?kind=signed_in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        signed_in_only.lines().count(),
        2,
        "header and the one sign-in: {signed_in_only}"
    );

    let export = hostile
        .get(server.url("/api/account/export"))
        .send()
        .await
        .unwrap();
    assert!(export.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let data: serde_json::Value = export.json().await.unwrap();
    assert_eq!(data["profile"]["email"], "lin@example.com");
    assert!(data["activity"].as_array().unwrap().len() >= 2);

    let anonymous = server
        .browser()
        .get(server.url("/api/account/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_gets_a_clear_503_and_passes() {
    let Some(server) = TestServer::start(Backend::Postgres).await else {
        return;
    };
    let browser = server.browser();
    register(&server, &browser, "max@example.com", "Max").await;
    let db = server.db.as_ref().unwrap();

    db.set_unreachable(true).await;
    let refused = sign_in(&server, &browser, "max@example.com", PASSWORD, "").await;
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("Briefly unavailable") && page.contains("try again"),
        "{page}"
    );

    db.set_unreachable(false).await;
    let signed_in = sign_in(&server, &browser, "max@example.com", PASSWORD, "").await;
    assert_eq!(
        location(&signed_in),
        "/account",
        "back to normal once it returns"
    );
    server.stop().await;
}

/// A registered, verified account signed in in a no-JavaScript browser.
async fn verified_browser(server: &TestServer, email: &str) -> reqwest::Client {
    let browser = server.browser();
    register(server, &browser, email, "Two Step").await;
    let link = link_in(&server.mail_to(email, "verify-email").await);
    browser.get(&link).send().await.unwrap();
    // Confirming in the browser that registered signs it in.
    let confirmed = post_form(
        &browser,
        server,
        "/api/verify/confirm",
        "/verify-email",
        &[],
    )
    .await;
    assert_eq!(location(&confirmed), "/account?confirmed=1");
    browser
}

fn app_code_from_page(page: &str, offset_steps: i64) -> String {
    let key = page
        .split("class=\"manual-key\"")
        .nth(1)
        .and_then(|rest| rest.split_once('>'))
        .and_then(|(_, rest)| rest.split('<').next())
        .unwrap_or_else(|| panic!("the manual key on the page: {page}"));
    let now_ms = service::Clock::now_ms(&service::SystemClock);
    service::totp::TotpSecret::from_base32(key)
        .unwrap()
        .code_at(now_ms + offset_steps * 30_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_factor_without_javascript_and_sudo_mode() {
    let Some(server) =
        TestServer::start_with(Backend::Postgres, &[("LATCHKEY_REAUTH_SECS", "1")]).await
    else {
        return;
    };
    let browser = verified_browser(&server, "nia@example.com").await;
    let started = post_form(
        &browser,
        &server,
        "/api/account/two-factor/start",
        "/account/two-factor",
        &[],
    )
    .await;
    assert_eq!(location(&started), "/account/two-factor");
    let (_, setup) = page(&browser, &server, "/account/two-factor").await;
    assert!(
        setup.contains("src=\"data:image/svg+xml;base64,"),
        "the QR code is in the page"
    );
    let confirmed = post_form(
        &browser,
        &server,
        "/api/account/two-factor/confirm",
        "/account/two-factor",
        &[("code", &app_code_from_page(&setup, 0))],
    )
    .await;
    assert_eq!(location(&confirmed), "/account/recovery-codes");
    let (_, codes_page) = page(&browser, &server, "/account/recovery-codes").await;
    assert_eq!(codes_page.matches("<li><code>").count(), 10);
    let recovery_code = codes_page
        .split("<li><code>")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_owned();

    // A second browser: the password alone opens no session.
    let other = server.browser();
    let first_step = sign_in(
        &server,
        &other,
        "nia@example.com",
        PASSWORD,
        "/account/activity",
    )
    .await;
    assert_eq!(location(&first_step), "/login/mfa?next=/account/activity");
    let pending_cookie = first_step.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(pending_cookie.starts_with("lk_pending=") && pending_cookie.contains("HttpOnly"));
    let account = other.get(server.url("/account")).send().await.unwrap();
    assert_eq!(
        location(&account),
        "/login?next=/account",
        "no session before the code"
    );
    let second_step = post_form(
        &other,
        &server,
        "/api/auth/second-factor",
        "/login/mfa?next=/account/activity",
        &[
            ("code", &app_code_from_page(&setup, 1)),
            ("next", "/account/activity"),
        ],
    )
    .await;
    assert_eq!(location(&second_step), "/account/activity");

    // Sudo mode has lapsed (one second here): the change waits for the owner.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let refused = post_form(
        &browser,
        &server,
        "/api/account/two-factor/new-codes",
        "/account/two-factor",
        &[],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&refused), "/login/reauth?next=/account/two-factor");
    let (_, reauth) = page(&browser, &server, "/login/reauth?next=/account/two-factor").await;
    assert!(reauth.contains("name=\"current_password\"") && reauth.contains("name=\"code\""));
    let confirmed = post_form(
        &browser,
        &server,
        "/api/auth/reauth",
        "/login/reauth?next=/account/two-factor",
        &[
            ("current_password", PASSWORD),
            // App codes up to the one just used are spent: a recovery code serves.
            ("code", &recovery_code),
            ("next", "/account/two-factor"),
        ],
    )
    .await;
    assert_eq!(location(&confirmed), "/account/two-factor");
    let fresh = post_form(
        &browser,
        &server,
        "/api/account/two-factor/new-codes",
        "/account/two-factor",
        &[],
    )
    .await;
    assert_eq!(
        location(&fresh),
        "/account/recovery-codes",
        "allowed right after"
    );

    // The new codes stay on their page until the owner says they are saved.
    let (_, first) = page(&browser, &server, "/account/recovery-codes").await;
    let (_, again) = page(&browser, &server, "/account/recovery-codes").await;
    assert_eq!(again.matches("<li><code>").count(), 10);
    let codes_of = |page: &str| {
        page.split("<ol")
            .nth(1)?
            .split("</ol>")
            .next()
            .map(str::to_owned)
    };
    assert_eq!(codes_of(&first), codes_of(&again));
    let saved = post_form(
        &browser,
        &server,
        "/api/account/recovery-codes/saved",
        "/account/recovery-codes",
        &[],
    )
    .await;
    assert_eq!(location(&saved), "/account/two-factor?saved=1");
    let (_, gone) = page(&browser, &server, "/account/recovery-codes").await;
    assert_eq!(gone.matches("<li><code>").count(), 0);

    // Turning the app off asks for the password, even in sudo mode.
    let refused = post_form(
        &browser,
        &server,
        "/api/account/two-factor/remove",
        "/account/two-factor?confirm=turn-off",
        &[("current_password", "Not-The-Password-1!")],
    )
    .await;
    assert_eq!(location(&refused), "/account/two-factor?confirm=turn-off");
    let (_, asked) = page(&browser, &server, "/account/two-factor?confirm=turn-off").await;
    assert!(
        asked.contains("This is not your current password."),
        "{asked}"
    );
    assert!(asked.contains("Two-factor sign-in is on."), "{asked}");
    let removed = post_form(
        &browser,
        &server,
        "/api/account/two-factor/remove",
        "/account/two-factor?confirm=turn-off",
        &[("current_password", PASSWORD)],
    )
    .await;
    assert_eq!(location(&removed), "/account/two-factor?removed=1");
    server.stop().await;
}

on_both_backends!(
    this_wasnt_me_ends_every_session_and_leads_to_a_new_password,
    |server| {
        let owner = server.browser();
        register(server, &owner, "oli@example.com", "Oli").await;
        sign_in(server, &owner, "oli@example.com", PASSWORD, "").await;
        let stranger = server.browser();
        sign_in(server, &stranger, "oli@example.com", PASSWORD, "").await;

        let link = link_in(&server.mail_to("oli@example.com", "/not-me?token=").await);
        let reader = server.browser();
        let opened = reader.get(&link).send().await.unwrap();
        assert_eq!(location(&opened), "/not-me");
        let (_, confirm) = page(&reader, server, "/not-me").await;
        assert!(confirm.contains("Sign out everywhere and change my password"));
        let pressed = post_form(&reader, server, "/api/account/not-me", "/not-me", &[]).await;
        assert_eq!(location(&pressed), "/recover/reset");
        let (_, reset) = page(&reader, server, "/recover/reset").await;
        assert!(
            reset.contains("autocomplete=\"new-password\""),
            "straight to a new password"
        );
        for browser in [&owner, &stranger] {
            let after = browser.get(server.url("/account")).send().await.unwrap();
            assert_eq!(
                location(&after),
                "/login?next=/account",
                "every session ended"
            );
        }
    }
);

/// Posts a form to a server function as the page's script does, asking
/// for JSON.
async fn call_json(
    client: &reqwest::Client,
    server: &TestServer,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(server.url(path))
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .unwrap()
}

/// A started ceremony's id and its options for the authenticator.
async fn ceremony(response: reqwest::Response) -> (String, String) {
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    (
        body["ceremony"].as_str().unwrap().to_owned(),
        body["options"].as_str().unwrap().to_owned(),
    )
}

/// Adds `passkey` to the signed-in account of `browser` under `name`.
async fn add_passkey(
    server: &TestServer,
    browser: &reqwest::Client,
    passkey: &mut SoftPasskey,
    name: &str,
) -> reqwest::Response {
    let (id, options) =
        ceremony(call_json(browser, server, "/api/account/passkeys/options", &[]).await).await;
    let answer = passkey.register(&options);
    call_json(
        browser,
        server,
        "/api/account/passkeys/add",
        &[("ceremony", &id), ("credential", &answer), ("name", name)],
    )
    .await
}

on_both_backends!(passkeys_over_http, |server| {
    let anonymous = server.script();
    let refused = call_json(&anonymous, server, "/api/account/passkeys/options", &[]).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    let browser = verified_browser(server, "pia@example.com").await;
    let mut passkey = SoftPasskey::new(&server.base, "localhost");
    let added = add_passkey(server, &browser, &mut passkey, "Desk <key>").await;
    assert_eq!(added.status(), StatusCode::OK);
    assert_eq!(
        added.json::<String>().await.unwrap(),
        "/account/recovery-codes",
        "the first second factor comes with recovery codes"
    );
    server.mail_to("pia@example.com", "was just added").await;
    let (_, security) = page(&browser, server, "/account/security").await;
    assert!(security.contains("Desk &lt;key&gt;"), "listed, escaped");

    // A second passkey of the same name is numbered, and no rename makes
    // two of one name.
    let mut spare = SoftPasskey::new(&server.base, "localhost");
    let added = add_passkey(server, &browser, &mut spare, "desk <KEY>").await;
    assert_eq!(added.status(), StatusCode::OK);
    let listed: serde_json::Value = call_json(&browser, server, "/api/account/passkeys", &[])
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"desk <KEY> 2"), "{names:?}");
    let second = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "desk <KEY> 2")
        .unwrap()["id"]
        .to_string();
    let renamed = call_json(
        &browser,
        server,
        "/api/account/passkeys/rename",
        &[("passkey", &second), ("name", " DESK <key>")],
    )
    .await;
    assert_eq!(renamed.status(), StatusCode::BAD_REQUEST);
    assert!(renamed.text().await.unwrap().contains("passkey.name_taken"));

    // Another browser signs in with the passkey alone.
    let elsewhere = server.script();
    let (id, options) = ceremony(
        call_json(
            &elsewhere,
            server,
            "/api/auth/passkey/options",
            &[("second_factor", "false")],
        )
        .await,
    )
    .await;
    let answer = passkey.sign(&options);
    let finish = [
        ("ceremony", id.as_str()),
        ("credential", answer.as_str()),
        ("second_factor", "false"),
        ("next", "/account/activity"),
    ];
    let signed_in = call_json(&elsewhere, server, "/api/auth/passkey", &finish).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let cookie = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("lk_session=") && v.contains("HttpOnly"));
    assert!(cookie, "a session cookie");
    assert_eq!(
        signed_in.json::<String>().await.unwrap(),
        "/account/activity"
    );
    let activity = elsewhere
        .get(server.url("/account/activity"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(activity.status(), StatusCode::OK, "the new session works");

    let replayed = call_json(&server.script(), server, "/api/auth/passkey", &finish).await;
    assert_eq!(replayed.status(), StatusCode::BAD_REQUEST);
    assert!(replayed.text().await.unwrap().contains("passkey.failed"));
});

on_both_backends!(
    the_edge_refuses_other_hosts_and_cross_site_downloads,
    |server| {
        let browser = server.browser();
        let rebound = browser
            .get(server.url("/login"))
            .header("host", "attacker.example")
            .send()
            .await
            .unwrap();
        assert_eq!(
            rebound.status(),
            StatusCode::MISDIRECTED_REQUEST,
            "a page asked for under another name is not served (DNS rebinding)"
        );
        let probe = browser
            .get(server.url("/healthz"))
            .header("host", "10.0.0.7:8080")
            .send()
            .await
            .unwrap();
        assert_eq!(
            probe.status(),
            StatusCode::OK,
            "probes by address still work"
        );

        register(server, &browser, "noor@example.com", "Noor").await;
        sign_in(server, &browser, "noor@example.com", PASSWORD, "").await;
        for site in ["cross-site", "same-site"] {
            let refused = browser
                .get(server.url("/api/account/export"))
                .header("sec-fetch-site", site)
                .send()
                .await
                .unwrap();
            assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{site}");
        }
        let (_, activity) = page(&browser, server, "/account/activity").await;
        assert!(
            !activity.contains("event-data_exported"),
            "a refused download leaves no trace"
        );
        let own = browser
            .get(server.url("/api/account/export"))
            .send()
            .await
            .unwrap();
        assert_eq!(own.status(), StatusCode::OK, "the page's own link works");
    }
);

on_both_backends!(delivered_mail_leaves_no_link_behind, |server| {
    let browser = server.browser();
    register(server, &browser, "ines@example.com", "Ines").await;
    server.mail_to("ines@example.com", "verify-email").await;
    let store = store::connect(&server.db_url).await.unwrap();
    let mut unblanked = 1;
    for _ in 0..50 {
        unblanked = store::testing::count(
            &store,
            "SELECT COUNT(*) FROM mail_queue WHERE sent_at IS NOT NULL AND body_text <> ''",
        )
        .await;
        if unblanked == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        unblanked, 0,
        "the body (and its link) is gone once delivered"
    );
    store.close().await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for entry in std::fs::read_dir(&server.outbox).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|x| x == "eml") {
                let mode = std::fs::metadata(&path).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{}", path.display());
            }
        }
    }
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readable_429_page_escapes_the_page_it_links_back_to() {
    let Some(server) = TestServer::start_with(
        Backend::Sqlite,
        &[("LATCHKEY_SIGN_INS_PER_IP_PER_MINUTE", "1")],
    )
    .await
    else {
        return;
    };
    let browser = server.browser();
    sign_in(&server, &browser, "jo@example.com", "Whatever-Pass-1!", "").await;
    let hostile = server.url("/login?x=\"><script>alert(1)</script>");
    let refused = browser
        .post(server.url("/api/auth/login"))
        .header("referer", hostile)
        .form(&[("email", "jo@example.com"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let page = refused.text().await.unwrap();
    assert!(!page.contains("<script>alert(1)"), "{page}");
    assert!(
        page.contains("href=\"/login?x=&quot;&gt;&lt;script&gt;"),
        "{page}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundle_goes_out_compressed_and_cached_and_stale_names_are_404() {
    let site = std::env::temp_dir().join(format!("latchkey-site-{}", rand::random::<u64>()));
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("latchkey.0a1b2c.js"), "console.log('plain');").unwrap();
    std::fs::write(pkg.join("latchkey.0a1b2c.js.br"), b"brotli bytes").unwrap();
    std::fs::write(pkg.join("latchkey.0a1b2c.js.gz"), b"gzip bytes").unwrap();
    let listing = site.join("hash.txt");
    std::fs::write(&listing, "js: 0a1b2c\nwasm: 0a1b2c\ncss: 3d4e5f\n").unwrap();
    let root = site.display().to_string();
    let listing = listing.display().to_string();
    let Some(server) = TestServer::start_with(
        Backend::Sqlite,
        &[
            ("LEPTOS_SITE_ROOT", &root),
            ("LEPTOS_HASH_FILE_NAME", &listing),
        ],
    )
    .await
    else {
        return;
    };
    let client = server.browser();
    let fetch = |encoding: &'static str, path: &'static str| {
        client
            .get(server.url(path))
            .header("accept-encoding", encoding)
            .send()
    };

    let brotli = fetch("gzip, deflate, br", "/pkg/latchkey.0a1b2c.js")
        .await
        .unwrap();
    assert_eq!(brotli.status(), StatusCode::OK);
    assert_eq!(brotli.headers()["content-encoding"], "br");
    assert_eq!(
        brotli.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(brotli.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));
    assert_eq!(brotli.bytes().await.unwrap().as_ref(), b"brotli bytes");

    let gzip = fetch("gzip", "/pkg/latchkey.0a1b2c.js").await.unwrap();
    assert_eq!(gzip.headers()["content-encoding"], "gzip");
    assert_eq!(gzip.bytes().await.unwrap().as_ref(), b"gzip bytes");

    let stale = fetch("br", "/pkg/latchkey.9f9f9f.js").await.unwrap();
    assert_eq!(stale.status(), StatusCode::NOT_FOUND);
    assert!(
        !stale.text().await.unwrap().contains("<html"),
        "a stale name is not answered with the app's page"
    );

    let login = fetch("br", "/login").await.unwrap();
    assert_eq!(login.headers()["cache-control"], "no-store");
    let html = login.text().await.unwrap();
    assert!(
        html.contains("/pkg/latchkey.3d4e5f.css") && html.contains("latchkey.0a1b2c.js"),
        "the page names the hashed files: {html}"
    );
    server.stop().await;
    std::fs::remove_dir_all(site).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_the_client_is_the_first_untrusted_hop_from_the_right() {
    let Some(server) = TestServer::start_with(
        Backend::Sqlite,
        &[("LATCHKEY_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")],
    )
    .await
    else {
        return;
    };
    let browser = server.browser();
    register(&server, &browser, "ravi@example.com", "Ravi").await;
    // The client wrote the first line; our proxies appended the rest.
    browser
        .post(server.url("/api/auth/login"))
        .header("referer", server.url("/login"))
        .header("x-forwarded-for", "6.6.6.6")
        .header("x-forwarded-for", "203.0.113.77:51000, 10.1.2.3")
        .form(&[("email", "ravi@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let (_, activity) = page(&browser, &server, "/account/activity").await;
    assert!(activity.contains("203.0.113.77"), "{activity}");
    assert!(!activity.contains("6.6.6.6"));
    server.stop().await;
}

/// The operators' CLI against a running server (after the macros it uses).
mod cli;

/// The staff console over HTTP.
mod console;

/// A sign-in as an island sends it, asking for the refusal in the page's words.
async fn shown_sign_in(server: &TestServer, email: &str, password: &str) -> (StatusCode, String) {
    let response = server
        .script()
        .post(server.url("/api/auth/login"))
        .header("referer", server.url("/login"))
        .header("x-latchkey-shown-errors", "1")
        .form(&[("email", email), ("password", password), ("next", "")])
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

on_both_backends!(
    a_lock_reads_the_same_with_and_without_an_account,
    |server| {
        register(server, &server.browser(), "lu@example.com", "Lu").await;
        let wrong = "Wrong-Password-99!";
        for attempt in 1..=4 {
            let real = shown_sign_in(server, "lu@example.com", wrong).await;
            let unknown = shown_sign_in(server, "nobody@example.com", wrong).await;
            assert_eq!(
                real, unknown,
                "attempt {attempt}: the same status and words"
            );
            let paused = real
                .1
                .contains("Sign-in is paused for 15 minutes for this address");
            assert_eq!(paused, attempt >= 3, "attempt {attempt}: {}", real.1);
        }
        let (status, body) = shown_sign_in(server, "lu@example.com", PASSWORD).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            body.contains("if it has an account, we emailed it an unlock link"),
            "the right password waits too: {body}"
        );
        server.mail_to("lu@example.com", "/unlock?token=").await;

        // Without JavaScript the sign-in page says the same.
        let browser = server.browser();
        let refused = sign_in(server, &browser, "nobody@example.com", wrong, "").await;
        assert_eq!(location(&refused), "/login");
        let (_, shown) = page(&browser, server, "/login").await;
        assert!(
            shown.contains("Sign-in is paused for 15 minutes"),
            "{shown}"
        );
    }
);

on_both_backends!(an_empty_password_is_not_a_guess, |server| {
    register(server, &server.browser(), "em@example.com", "Em").await;
    for _ in 0..5 {
        let (status, body) = shown_sign_in(server, "em@example.com", "").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("Enter your password."), "{body}");
        assert!(!body.contains("do not match"), "{body}");
    }
    let (_, body) = shown_sign_in(server, "", "").await;
    assert!(
        body.contains("Enter your email address.") && body.contains("Enter your password."),
        "{body}"
    );
    let browser = server.browser();
    assert_eq!(
        location(&sign_in(server, &browser, "em@example.com", PASSWORD, "").await),
        "/account",
        "no empty submit counted toward the lock"
    );
    let (_, activity) = page(&browser, server, "/account/activity").await;
    assert!(
        !activity.contains("event-sign_in_failed"),
        "no failed sign-in was recorded"
    );
});

/// Opens a mail link in `client` (the token moves into its cookie) and
/// returns the page it lands on.
async fn open_link(client: &reqwest::Client, server: &TestServer, link: &str) -> String {
    let opened = client.get(link).send().await.unwrap();
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    page(client, server, &location(&opened)).await.1
}

/// A password a reset sets, other than [`PASSWORD`].
const NEW_PASSWORD: &str = "Violet-Harbour-Lantern-58";

/// Asks for a reset link for `email`, as the recovery form posts it.
async fn ask_for_reset(
    client: &reqwest::Client,
    server: &TestServer,
    email: &str,
) -> reqwest::Response {
    post_form(
        client,
        server,
        "/api/recover/request",
        "/recover",
        &[("email", email)],
    )
    .await
}

/// Sets [`NEW_PASSWORD`] through the reset link `client` opened last.
async fn reset_to_new_password(client: &reqwest::Client, server: &TestServer) -> reqwest::Response {
    post_form(
        client,
        server,
        "/api/recover/reset",
        "/recover/reset",
        &[("password", NEW_PASSWORD), ("confirmation", NEW_PASSWORD)],
    )
    .await
}

on_both_backends!(dead_links_say_why_when_opened, |server| {
    let owner = server.browser();
    register(server, &owner, "di@example.com", "Di").await;
    let verify = link_in(&server.mail_to("di@example.com", "verify-email").await);
    // A scanner may open a link any number of times: it still works.
    for _ in 0..3 {
        let shown = open_link(&server.browser(), server, &verify).await;
        assert!(shown.contains("Confirm my email"), "{shown}");
    }
    open_link(&owner, server, &verify).await;
    let confirmed = post_form(&owner, server, "/api/verify/confirm", "/verify-email", &[]).await;
    assert_eq!(location(&confirmed), "/account?confirmed=1");
    let again = open_link(&server.browser(), server, &verify).await;
    assert!(
        again.contains("Your email address is already confirmed.")
            && again.contains("href=\"/account\"")
            && !again.contains("Confirm my email"),
        "{again}"
    );

    ask_for_reset(&server.browser(), server, "di@example.com").await;
    let reset = link_in(&server.mail_to("di@example.com", "recover/reset").await);
    let opener = server.browser();
    for _ in 0..3 {
        let shown = open_link(&opener, server, &reset).await;
        assert!(shown.contains("Choose a new password"), "{shown}");
        assert!(shown.contains("autocomplete=\"new-password\""), "{shown}");
    }
    let done = reset_to_new_password(&opener, server).await;
    assert_eq!(location(&done), "/login?reset=1", "the link still worked");
    let used = open_link(&server.browser(), server, &reset).await;
    assert!(
        used.contains("This link was already used")
            && used.contains("data-link-state=\"used\"")
            && used.contains("href=\"/recover\"")
            && !used.contains("autocomplete=\"new-password\""),
        "no form for a used link: {used}"
    );
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_links_say_so_when_opened() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        // A reset link of one second has expired by the time it is opened.
        let Some(server) =
            TestServer::start_with(backend, &[("LATCHKEY_RESET_LINK_SECS", "1")]).await
        else {
            continue;
        };
        register(&server, &server.browser(), "ex@example.com", "Ex").await;
        ask_for_reset(&server.browser(), &server, "ex@example.com").await;
        let reset = link_in(&server.mail_to("ex@example.com", "recover/reset").await);
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let shown = open_link(&server.browser(), &server, &reset).await;
        assert!(
            shown.contains("This link has expired.")
                && shown.contains("data-link-state=\"expired\"")
                && shown.contains("href=\"/recover\""),
            "{shown}"
        );
        server.stop().await;
    }
}

on_both_backends!(a_repeated_reset_request_mails_once, |server| {
    register(server, &server.browser(), "re@example.com", "Re").await;
    let asker = server.browser();
    let mut answers = Vec::new();
    for _ in 0..2 {
        let asked = ask_for_reset(&asker, server, "re@example.com").await;
        answers.push((asked.status(), location(&asked)));
    }
    assert_eq!(answers[0], answers[1], "the repeat is answered the same");
    assert_eq!(answers[0].1, "/recover/sent");
    let link = link_in(&server.mail_to("re@example.com", "recover/reset").await);
    // The mail worker has had time for a second message, were there one.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(mails_to(server, "re@example.com", "recover/reset").len(), 1);
    let opener = server.browser();
    open_link(&opener, server, &link).await;
    let done = reset_to_new_password(&opener, server).await;
    assert_eq!(location(&done), "/login?reset=1", "the first link works");
});

on_both_backends!(a_repeated_resend_keeps_the_first_link, |server| {
    let browser = server.browser();
    register(server, &browser, "rs@example.com", "Rs").await;
    sign_in(server, &browser, "rs@example.com", PASSWORD, "").await;
    for _ in 0..2 {
        let resent = post_form(&browser, server, "/api/verify/resend", "/account", &[]).await;
        assert_eq!(location(&resent), "/account?resent=1");
    }
    server.mail_to("rs@example.com", "verify-email").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mails = mails_to(server, "rs@example.com", "verify-email");
    assert_eq!(mails.len(), 2, "the registration's link and one resend");
    let mut live = 0;
    for mail in &mails {
        let shown = open_link(&server.browser(), server, &link_in(mail)).await;
        if shown.contains("Confirm my email") {
            live += 1;
        } else {
            assert!(shown.contains("data-link-state=\"voided\""), "{shown}");
        }
    }
    assert_eq!(
        live, 1,
        "the resend's link is live, the repeat voided nothing"
    );
});

on_both_backends!(
    the_home_shows_security_at_a_glance_and_the_name_changes,
    |server| {
        let first = verified_browser(server, "glen@example.com").await;
        let (_, home) = page(&first, server, "/account").await;
        assert!(home.contains("Your security at a glance"), "{home}");
        assert!(
            home.contains("Turn on two-factor sign-in"),
            "a nudge while it is off"
        );
        assert!(
            home.contains("None before this one."),
            "the first sign-in has none before it"
        );
        assert!(home.contains("Only this browser"));
        assert!(
            home.contains("aria-current=\"page\""),
            "the section navigation marks the page"
        );

        let second = server.browser();
        sign_in(server, &second, "glen@example.com", PASSWORD, "").await;
        let (_, home) = page(&second, server, "/account").await;
        assert!(
            !home.contains("None before this one."),
            "the first sign-in shows"
        );
        assert!(home.contains("2 browsers, this one included"));

        let refused = call_json(
            &second,
            server,
            "/api/account/name",
            &[("display_name", "  ")],
        )
        .await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        assert!(refused.text().await.unwrap().contains("name.required"));
        let renamed = call_json(
            &second,
            server,
            "/api/account/name",
            &[("display_name", "Glen Newman")],
        )
        .await;
        assert_eq!(renamed.status(), StatusCode::OK);
        let (_, home) = page(&second, server, "/account").await;
        assert!(home.contains("value=\"Glen Newman\""), "{home}");
        let (_, activity) = page(&second, server, "/account/activity").await;
        assert!(activity.contains("event-display_name_changed"));

        // Every field of the password form is judged at once; an empty new
        // password gets one message, not every rule it breaks.
        let empty = call_json(
            &second,
            server,
            "/api/account/password",
            &[
                ("current_password", ""),
                ("password", ""),
                ("confirmation", ""),
            ],
        )
        .await;
        assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
        let body = empty.text().await.unwrap();
        assert!(
            body.contains("password.current_required") && body.contains("password.new_required"),
            "{body}"
        );
        assert!(!body.contains("password.too_short"), "{body}");
    }
);

/// Waits until `count` mails to `to` contain `containing`.
async fn wait_for_mails(server: &TestServer, to: &str, containing: &str, count: usize) {
    for _ in 0..100 {
        if mails_to(server, to, containing).len() >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("fewer than {count} mails to {to} containing {containing:?}");
}

/// Presses a button of the "check your email" page; where it leads.
async fn press_on_check_page(
    server: &TestServer,
    client: &reqwest::Client,
    endpoint: &str,
) -> String {
    location(&post_form(client, server, endpoint, "/register/sent", &[]).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_your_email_page_names_the_address_resends_and_gives_it_back() {
    let Some(server) =
        TestServer::start_with(Backend::Sqlite, &[("LATCHKEY_REPEAT_WINDOW_SECS", "1")]).await
    else {
        return;
    };
    let address = "hana@example.com";
    let browser = server.browser();
    let registered = register(&server, &browser, address, "Hana Sato").await;
    assert_eq!(location(&registered), "/register/sent");
    let (status, sent) = page(&browser, &server, "/register/sent").await;
    assert_eq!(status, StatusCode::OK);
    assert!(sent.contains(address), "the page names the address");
    assert!(sent.contains("/api/register/resend") && sent.contains("/api/register/change"));
    server.mail_to(address, "verify-email").await;

    // Past the double-tap window, "Resend the email" mails a new link…
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        press_on_check_page(&server, &browser, "/api/register/resend").await,
        "/register/sent?resent=1"
    );
    wait_for_mails(&server, address, "verify-email", 2).await;
    // …and a double tap is answered the same and mails nothing more.
    assert_eq!(
        press_on_check_page(&server, &browser, "/api/register/resend").await,
        "/register/sent?resent=1"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(mails_to(&server, address, "verify-email").len(), 2);

    // Confirming in the browser that registered continues into the account.
    let link = link_in(&server.mail_to(address, "verify-email").await);
    browser.get(&link).send().await.unwrap();
    let confirmed = post_form(
        &browser,
        &server,
        "/api/verify/confirm",
        "/verify-email",
        &[],
    )
    .await;
    assert_eq!(location(&confirmed), "/account?confirmed=1");
    let (status, home) = page(&browser, &server, "/account?confirmed=1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("Welcome to your account.") && home.contains("alert-success"));
    assert!(home.contains("Hana Sato"));

    // Someone registering the address again sees the same page and the same
    // answer to a resend; the owner gets the "already registered" mail again.
    let stranger = server.browser();
    let again = register(&server, &stranger, address, "Someone Else").await;
    assert_eq!(location(&again), "/register/sent");
    let (_, stranger_sent) = page(&stranger, &server, "/register/sent").await;
    assert!(stranger_sent.contains(address));
    assert!(stranger_sent.contains("/api/register/resend"));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        press_on_check_page(&server, &stranger, "/api/register/resend").await,
        "/register/sent?resent=1"
    );
    wait_for_mails(&server, address, "You already have a Latchkey account", 2).await;

    // "Use a different address": back to the form with what was typed, by
    // a flash, not the URL; the note is forgotten.
    assert_eq!(
        press_on_check_page(&server, &stranger, "/api/register/change").await,
        "/register"
    );
    let (_, form) = page(&stranger, &server, "/register").await;
    assert!(
        form.contains(&format!("value=\"{address}\"")),
        "the address is kept"
    );
    assert!(form.contains("Someone Else"), "so is the name");
    let (_, after) = page(&stranger, &server, "/register/sent").await;
    assert!(!after.contains(address));
    server.stop().await;
}
