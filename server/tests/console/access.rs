//! Who may call what, over HTTP: every built-in role against every server
//! function that needs a staff permission (allowed or refused as declared
//! in `app::api::ENDPOINTS`), and the support view, which shows the
//! customer's portal and refuses every change, leaving the database as it
//! was.

use app::api::{Access, ENDPOINTS};
use domain::role::BASELINE;
use domain::Permission::{self, *};
use sqlx::Row;

use super::*;

/// The built-in roles as issue 12 specifies them, beside what every
/// account holds (`own.view`, `own.change`); "customer" holds no role.
fn specified(role: &str) -> Vec<Permission> {
    let support = vec![
        CustomerRead,
        CustomerImpersonate,
        CustomerUnlock,
        CustomerSessions,
    ];
    let lead = [
        support.clone(),
        vec![
            CustomerForceReset,
            CustomerResetSecondFactor,
            CustomerDisable,
        ],
    ]
    .concat();
    match role {
        "support" => support,
        "support_lead" => lead,
        "auditor" => vec![AuditRead, CustomerRead],
        "security_admin" => [
            lead,
            vec![
                StaffManage,
                RoleAssign,
                RoleManage,
                AuditRead,
                AlertsRead,
                ReviewManage,
            ],
        ]
        .concat(),
        _ => Vec::new(),
    }
}

/// Arguments that carry a call through its argument parsing to the
/// permission check and, when allowed, do as little as they can: unknown
/// ids, wrong passwords, codes that are not codes.
fn sample_args(path: &str, customer: &str) -> Vec<(&'static str, String)> {
    let reason = || ("reason", "Checking the permission table".to_owned());
    let wrong_password = || ("current_password", "Not-The-Password-1".to_owned());
    match path {
        "/api/staff/customers" => vec![("q", "nobody-matches-this".to_owned())],
        "/api/staff/customer" => vec![("id", customer.to_owned())],
        p if p.starts_with("/api/staff/customer/") => {
            vec![("customer", customer.to_owned()), reason()]
        }
        // A role nobody has, a member nobody is: refused after the check.
        "/api/staff/team/invite" => vec![
            ("email", "never-invited@example.com".to_owned()),
            ("role", "no_such_role".to_owned()),
            reason(),
        ],
        "/api/staff/team/grant" | "/api/staff/team/revoke" => vec![
            ("member", "nobody@example.com".to_owned()),
            ("role", "no_such_role".to_owned()),
            reason(),
        ],
        "/api/staff/team/offboard" => vec![("member", "nobody@example.com".to_owned()), reason()],
        // An alert nobody raised: refused after the check.
        "/api/staff/alerts/acknowledge" => vec![
            ("alert", "999999".to_owned()),
            ("note", "Checking the permission table".to_owned()),
        ],
        // A campaign and an item nobody opened: refused after the check.
        "/api/staff/reviews/decide" => vec![
            ("campaign", "999999".to_owned()),
            ("item", "999999".to_owned()),
            ("decision", "keep".to_owned()),
            reason(),
        ],
        "/api/staff/reviews/close" | "/api/staff/reviews/report.csv" => {
            vec![("campaign", "999999".to_owned()), reason()]
        }
        "/api/staff/training" => vec![
            ("course", "Checking the permission table".to_owned()),
            ("completed_on", "not a day".to_owned()),
        ],
        "/api/staff/roles/save" => vec![
            ("form", "new".to_owned()),
            ("name", "Not A Valid Name".to_owned()),
        ],
        "/api/account/passkeys/add" => vec![
            ("ceremony", "none".to_owned()),
            ("credential", "{}".to_owned()),
            ("name", "Key".to_owned()),
        ],
        "/api/account/passkeys/rename" => {
            vec![("passkey", "999999".to_owned()), ("name", "Key".to_owned())]
        }
        "/api/account/passkeys/remove" => vec![("passkey", "999999".to_owned())],
        "/api/auth/reauth/passkey" => vec![
            wrong_password(),
            ("ceremony", "none".to_owned()),
            ("credential", "{}".to_owned()),
        ],
        "/api/account/sessions/revoke" => vec![("session", "999999".to_owned())],
        "/api/account/password" => vec![
            wrong_password(),
            ("password", "Another-Long-Passw0rd!".to_owned()),
            ("confirmation", "Another-Long-Passw0rd!".to_owned()),
        ],
        "/api/account/email" => vec![("email", "elsewhere@example.com".to_owned())],
        // An empty name: refused after the check, nothing renamed.
        "/api/account/name" => vec![("display_name", String::new())],
        "/api/account/delete" | "/api/auth/reauth" | "/api/account/two-factor/remove" => {
            vec![wrong_password()]
        }
        "/api/account/two-factor/confirm" => vec![("code", "not-a-code".to_owned())],
        _ => Vec::new(),
    }
}

/// Calls a server function as the hydrated app does (GET for the
/// downloads, a form post for the rest).
async fn call(
    client: &reqwest::Client,
    server: &TestServer,
    path: &str,
    args: &[(&'static str, String)],
) -> reqwest::Response {
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    if path.ends_with("/export") || path.ends_with(".csv") || path.ends_with(".jsonl") {
        client
            .get(server.url(path))
            .header("accept", "application/json")
            .query(&args)
            .send()
            .await
            .unwrap()
    } else {
        call_json(client, server, path, &args).await
    }
}

/// The error code a refused call answered with, if it was refused.
async fn refusal(response: reqwest::Response) -> Option<String> {
    if response.status() != StatusCode::FORBIDDEN {
        return None;
    }
    let body = response.text().await.unwrap();
    let error: app::error::AppError =
        serde_json::from_str(&body).unwrap_or_else(|_| panic!("an error in JSON: {body}"));
    Some(error.code().to_owned())
}

/// The staff permission an endpoint needs (not what every account holds).
fn staff_endpoints() -> impl Iterator<Item = (&'static str, Permission)> {
    ENDPOINTS.iter().filter_map(|(path, access)| match access {
        Access::Needs(p) if !BASELINE.contains(p) => Some((*path, *p)),
        _ => None,
    })
}

on_both_backends!(every_role_reaches_exactly_what_it_holds, |server| {
    verified_browser(server, "table-customer@example.com").await;
    let customer = customer_id(server, "table-customer@example.com").await;
    for role in [
        "customer",
        "support",
        "support_lead",
        "auditor",
        "security_admin",
    ] {
        let email = format!("{role}@example.com");
        let member = if role == "customer" {
            verified_browser(server, &email).await
        } else {
            support_member(server, &email, role).await
        };
        let holds = specified(role);
        for (path, needed) in staff_endpoints() {
            let args = sample_args(path, &customer);
            let answer = call(&member, server, path, &args).await;
            let status = answer.status();
            let refused = refusal(answer).await;
            if holds.contains(&needed) {
                assert_ne!(
                    refused.as_deref(),
                    Some("error.forbidden"),
                    "{role} holds {needed:?} for {path}"
                );
            } else {
                assert_eq!(
                    refused.as_deref(),
                    Some("error.forbidden"),
                    "{role} lacks {needed:?} for {path}, answered {status}"
                );
            }
            // A view started by an allowed call ends before the next one.
            call_json(&member, server, "/api/staff/view/end", &[]).await;
        }
        let own = call_json(&member, server, "/api/account/activity", &[]).await;
        assert_eq!(own.status(), StatusCode::OK, "{role} reads its own history");
    }
});

/// The account id of an address, from the database.
pub(super) async fn customer_id(server: &TestServer, email: &str) -> String {
    let pool = database(server).await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&pool)
        .await
        .unwrap();
    id.to_string()
}

pub(super) async fn database(server: &TestServer) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&server.db_url)
        .await
        .unwrap()
}

/// What a change to the customer's account would alter: every row count
/// that belongs to accounts, and the customer's own fields.
async fn snapshot(server: &TestServer, customer: &str) -> Vec<String> {
    let pool = database(server).await;
    let mut state = Vec::new();
    for table in [
        "users",
        "tokens",
        "sessions",
        "activity",
        "sign_in_failures",
        "known_devices",
        "password_history",
        "totp_factors",
        "recovery_codes",
        "passkeys",
        "webauthn_ceremonies",
        "role_grants",
        "support_views",
        "flash",
    ] {
        let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&pool)
            .await
            .unwrap();
        state.push(format!("{table}: {count}"));
    }
    let row = sqlx::query(
        "SELECT email, display_name, password_hash, \
         CAST(email_verified_at AS TEXT) AS verified, CAST(disabled_at AS TEXT) AS disabled \
         FROM users WHERE id = $1",
    )
    .bind(customer.parse::<i64>().unwrap())
    .fetch_one(&pool)
    .await
    .unwrap();
    for column in [
        "email",
        "display_name",
        "password_hash",
        "verified",
        "disabled",
    ] {
        let value: Option<String> = row.try_get(column).unwrap();
        state.push(format!("{column}: {value:?}"));
    }
    let sessions: Vec<String> = sqlx::query(
        "SELECT CAST(last_seen_at AS TEXT) AS seen, ip FROM sessions WHERE user_id = $1 ORDER BY id",
    )
    .bind(customer.parse::<i64>().unwrap())
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|r| format!("{:?} {:?}", r.try_get::<String, _>("seen").ok(), r.try_get::<String, _>("ip").ok()))
    .collect();
    state.push(format!("customer sessions: {sessions:?}"));
    state
}

on_both_backends!(
    a_support_view_shows_the_portal_and_changes_nothing,
    |server| {
        let owner = verified_browser(server, "viewed@example.com").await;
        enroll_app(server, &owner).await;
        let customer = customer_id(server, "viewed@example.com").await;
        let agent = support_member(server, "viewer@example.com", "support").await;
        let customer_page = format!("/staff/customers/{customer}");

        let no_reason = post_form(
            &agent,
            server,
            "/api/staff/customer/view",
            &customer_page,
            &[("customer", &customer), ("reason", "")],
        )
        .await;
        assert_eq!(location(&no_reason), customer_page, "a view needs a reason");
        let (_, home) = page(&agent, server, "/account").await;
        assert!(!home.contains("End view"), "no view without a reason");

        let started = post_form(
            &agent,
            server,
            "/api/staff/customer/view",
            &customer_page,
            &[
                ("customer", &customer),
                ("reason", "Ticket 88: cannot find the <b>sessions</b> page"),
            ],
        )
        .await;
        assert_eq!(location(&started), "/account");
        server
            .mail_to(
                "viewed@example.com",
                "Ticket 88: cannot find the <b>sessions</b> page",
            )
            .await;

        // The customer's portal, as the customer sees it, under the banner.
        for path in [
            "/account",
            "/account/activity",
            "/account/sessions",
            "/account/security",
            "/account/two-factor",
            "/account/privacy",
        ] {
            let (status, body) = page(&agent, server, path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert!(body.contains("Support view: read-only"), "{path}: {body}");
            assert!(body.contains("viewed@example.com"), "{path}");
            assert!(body.contains("End view"), "{path}");
            assert!(
                !body.contains("viewer@example.com"),
                "{path}: the customer's pages, not the staff member's"
            );
        }
        let (_, two_factor) = page(&agent, server, "/account/two-factor").await;
        assert!(!two_factor.contains("otpauth://"), "no secret in a view");
        let (status, _) = page(&agent, server, "/staff").await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "the console waits until the view ends"
        );

        // Every change, and every staff function, is refused and changes nothing.
        let before = snapshot(server, &customer).await;
        let mut refused = Vec::new();
        for (path, access) in ENDPOINTS {
            let Access::Needs(needed) = access else {
                continue;
            };
            if *needed == OwnView {
                continue;
            }
            let answer = call(&agent, server, path, &sample_args(path, &customer)).await;
            assert_eq!(
                refusal(answer).await.as_deref(),
                Some("error.read_only_view"),
                "{path} during a view"
            );
            refused.push(*path);
        }
        for changing in [
            "/api/account/password",
            "/api/account/delete",
            "/api/account/two-factor/remove",
            "/api/account/export",
            "/api/staff/customer/unlock",
            "/api/staff/customer/view",
        ] {
            assert!(refused.contains(&changing), "{changing} was tried");
        }
        let plain = post_form(
            &agent,
            server,
            "/api/account/sessions/revoke-others",
            "/account/sessions",
            &[],
        )
        .await;
        assert_eq!(plain.status(), StatusCode::FORBIDDEN);
        let page_text = plain.text().await.unwrap();
        assert!(
            page_text.contains("Support view is read-only"),
            "{page_text}"
        );
        assert_eq!(snapshot(server, &customer).await, before, "nothing changed");

        // Signing out ends the view only; the customer sees the view with its reason.
        let out = post_form(&agent, server, "/logout", "/account", &[]).await;
        assert_eq!(location(&out), customer_page);
        let (status, file) = page(&agent, server, &customer_page).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "still signed in, back in the console"
        );
        assert!(!file.contains("Support view: read-only"));

        let (_, history) = page(&owner, server, "/account/activity").await;
        assert!(history.contains("Support viewed your account"), "{history}");
        // The reason is the staff member's free text: shown, never run as markup.
        assert!(
            history.contains("Reason: Ticket 88: cannot find the &lt;b&gt;sessions&lt;/b&gt; page"),
            "{history}"
        );
        assert!(!history.contains("<b>sessions</b>"), "{history}");
        assert!(history.contains("Viewed until"), "{history}");
    }
);

on_both_backends!(a_view_expires_on_its_own, |server| {
    verified_browser(server, "brief@example.com").await;
    let customer = customer_id(server, "brief@example.com").await;
    let agent = support_member(server, "brief-agent@example.com", "support").await;
    let started = post_form(
        &agent,
        server,
        "/api/staff/customer/view",
        "/staff",
        &[("customer", &customer), ("reason", "Ticket 9")],
    )
    .await;
    assert_eq!(location(&started), "/account");
    let (_, home) = page(&agent, server, "/account").await;
    assert!(home.contains("brief@example.com"));
    // Expire the view as time would (LATCHKEY_IMPERSONATION_SECS elapsing).
    let pool = database(server).await;
    sqlx::query("UPDATE support_views SET expires_at = started_at")
        .execute(&pool)
        .await
        .unwrap();
    let (_, home) = page(&agent, server, "/account").await;
    assert!(!home.contains("Support view: read-only"), "{home}");
    assert!(
        home.contains("brief-agent@example.com"),
        "the member's own account again"
    );
});
