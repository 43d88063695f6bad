//! The staff console over HTTP, with JavaScript off (plain form posts) and
//! as the hydrated app's server-function client: who gets in, the search,
//! and an action refused without a reason or a permission, then taken.

use super::cli::{latchkey, latchkey_with};
use super::*;

mod alerts;
mod audit;
mod reviews;
mod team;

/// Turns the authenticator app on for a signed-in browser; returns the
/// setup page, whose key gives the codes.
async fn enroll_app(server: &TestServer, browser: &reqwest::Client) -> String {
    post_form(
        browser,
        server,
        "/api/account/two-factor/start",
        "/account/two-factor",
        &[],
    )
    .await;
    let (_, setup) = page(browser, server, "/account/two-factor").await;
    let confirmed = post_form(
        browser,
        server,
        "/api/account/two-factor/confirm",
        "/account/two-factor",
        &[("code", &app_code_from_page(&setup, 0))],
    )
    .await;
    assert_eq!(location(&confirmed), "/account/recovery-codes");
    setup
}

/// Grants the role with the operators' CLI (which ends the member's
/// sessions: new privileges, new session), within working hours: at any
/// time of day, so that the off-hours rule stays out of the tests that
/// are not about it.
async fn grant(server: &TestServer, email: &str, role: &str) {
    let output = latchkey_with(
        server,
        &[
            "staff",
            "add",
            "--email",
            email,
            "--role",
            role,
            "--reason",
            "joined the team",
        ],
        &[("LATCHKEY_ALERT_WORKING_HOURS", ALL_DAY)],
    )
    .await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Working hours that take in every moment of the week.
const ALL_DAY: &str = "Mon-Sun 00:00-24:00";

/// A member holding `role` with an authenticator app, signed in with both
/// factors in a browser without JavaScript.
async fn support_member(server: &TestServer, email: &str, role: &str) -> reqwest::Client {
    let browser = verified_browser(server, email).await;
    let setup = enroll_app(server, &browser).await;
    grant(server, email, role).await;
    let first = sign_in(server, &browser, email, PASSWORD, "/staff").await;
    assert_eq!(location(&first), "/login/mfa?next=/staff");
    let second = post_form(
        &browser,
        server,
        "/api/auth/second-factor",
        "/login/mfa?next=/staff",
        &[("code", &app_code_from_page(&setup, 1)), ("next", "/staff")],
    )
    .await;
    assert_eq!(location(&second), "/staff");
    browser
}

/// The id of the first customer a console search finds, and the results page.
async fn found_customer(
    browser: &reqwest::Client,
    server: &TestServer,
    query: &str,
) -> (String, String) {
    let (status, found) = page(browser, server, &format!("/staff?q={query}")).await;
    assert_eq!(status, StatusCode::OK);
    let id = found
        .split("href=\"/staff/customers/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("a link to the customer: {found}"))
        .to_owned();
    (id, found)
}

on_both_backends!(
    the_console_admits_staff_and_records_a_reasoned_unlock,
    |server| {
        let anonymous = server.browser();
        let away = anonymous.get(server.url("/staff")).send().await.unwrap();
        assert_eq!(location(&away), "/login?next=/staff");

        let customer = verified_browser(server, "cus@example.com").await;
        let (status, body) = page(&customer, server, "/staff").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(body.contains("Access refused"), "{body}");
        let script = server.script();
        sign_in(server, &script, "cus@example.com", PASSWORD, "").await;
        for (path, form) in [
            ("/api/staff/customers", vec![("q", "cus")]),
            ("/api/staff/customer", vec![("id", "1")]),
            (
                "/api/staff/customer/unlock",
                vec![("customer", "1"), ("reason", "try")],
            ),
        ] {
            let refused = call_json(&script, server, path, &form).await;
            assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
        }

        // A role without a second factor grants nothing yet: the page says why.
        let bare = verified_browser(server, "bare@example.com").await;
        grant(server, "bare@example.com", "support").await;
        sign_in(server, &bare, "bare@example.com", PASSWORD, "").await;
        let (status, body) = page(&bare, server, "/staff").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(body.contains("href=\"/account/two-factor\""), "{body}");

        let agent = support_member(server, "agent@example.com", "support").await;
        let (id, found) = found_customer(&agent, server, "CUS%40").await;
        assert!(found.contains("cus@example.com"));
        assert!(
            !found.contains("agent@example.com"),
            "staff are not customers"
        );
        let customer_page = format!("/staff/customers/{id}");

        // Locked out by a stranger's guesses.
        let stranger = server.browser();
        for _ in 0..3 {
            sign_in(
                server,
                &stranger,
                "cus@example.com",
                "Wrong-Password-123!",
                "",
            )
            .await;
        }
        let (_, file) = page(&agent, server, &customer_page).await;
        assert!(file.contains("Locked until"), "{file}");

        let no_reason = post_form(
            &agent,
            server,
            "/api/staff/customer/unlock",
            &customer_page,
            &[("customer", &id), ("reason", " ")],
        )
        .await;
        assert_eq!(location(&no_reason), customer_page, "back to the form");
        let (_, file) = page(&agent, server, &customer_page).await;
        assert!(file.contains("Give a reason."), "{file}");
        assert!(file.contains("Locked until"), "nothing changed");

        let beyond = post_form(
            &agent,
            server,
            "/api/staff/customer/disable",
            &customer_page,
            &[("customer", &id), ("reason", "ticket 7")],
        )
        .await;
        assert_eq!(location(&beyond), customer_page, "support does not disable");
        let (_, file) = page(&agent, server, &customer_page).await;
        assert!(file.contains("You are not allowed to do that."), "{file}");
        assert!(!file.contains("Disabled since"), "nothing changed");
        let beyond = call_json(
            &agent,
            server,
            "/api/staff/customer/disable",
            &[("customer", &id), ("reason", "ticket 7")],
        )
        .await;
        assert_eq!(beyond.status(), StatusCode::FORBIDDEN);

        let unlocked = post_form(
            &agent,
            server,
            "/api/staff/customer/unlock",
            &customer_page,
            &[
                ("customer", &id),
                ("reason", "Ticket 4521: locked out abroad"),
            ],
        )
        .await;
        assert_eq!(location(&unlocked), format!("{customer_page}?done=unlock"));
        server
            .mail_to("cus@example.com", "Ticket 4521: locked out abroad")
            .await;
        let (_, file) = page(&agent, server, &customer_page).await;
        assert!(file.contains("Not locked"), "{file}");

        let signed_in = sign_in(server, &stranger, "cus@example.com", PASSWORD, "").await;
        assert_eq!(
            location(&signed_in),
            "/account",
            "the customer signs in again"
        );
        let (_, history) = page(&stranger, server, "/account/activity").await;
        assert!(
            history.contains("Support unlocked your account"),
            "{history}"
        );
        assert!(history.contains("Reason: Ticket 4521: locked out abroad"));
        assert!(
            history.contains("Staff member: Two Step"),
            "the staff member's name"
        );

        // A reason is free text that reaches the customer's CSV: defused there.
        let ended = post_form(
            &agent,
            server,
            "/api/staff/customer/end-sessions",
            &customer_page,
            &[
                ("customer", &id),
                ("reason", "=HYPERLINK(\"http://evil.example\",\"ticket\")"),
            ],
        )
        .await;
        assert_eq!(
            location(&ended),
            format!("{customer_page}?done=end_sessions")
        );
        let gone = stranger
            .get(server.url("/account/activity"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            location(&gone),
            "/login?next=/account/activity",
            "the customer's sessions ended"
        );
        sign_in(server, &stranger, "cus@example.com", PASSWORD, "").await;
        let csv = stranger
            .get(server.url("/api/account/activity.csv"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            csv.contains(
                ",Two Step,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"ticket\"\")\"\r\n"
            ),
            "{csv}"
        );
    }
);

mod access;
