//! The team and roles pages, and resending a customer's confirmation link,
//! over HTTP: each new server function allowed with its permission and
//! refused (403) without; the service's refusals (one's own roles, beyond
//! one's own permissions, a cycle, a built-in role, a confirmed address)
//! said in place after a plain form post.

use super::*;

/// Every server function of the team and roles pages, with a form.
const TEAM_FUNCTIONS: [(&str, &[(&str, &str)]); 8] = [
    ("/api/staff/team", &[]),
    ("/api/staff/team/invitation", &[]),
    (
        "/api/staff/team/invite",
        &[
            ("email", "x@example.com"),
            ("role", "support"),
            ("reason", "r"),
        ],
    ),
    (
        "/api/staff/team/grant",
        &[("member", "1"), ("role", "support"), ("reason", "r")],
    ),
    (
        "/api/staff/team/revoke",
        &[("member", "1"), ("role", "support"), ("reason", "r")],
    ),
    (
        "/api/staff/team/offboard",
        &[("member", "1"), ("reason", "r")],
    ),
    ("/api/staff/roles", &[]),
    (
        "/api/staff/roles/save",
        &[
            ("form", ""),
            ("name", "tier9"),
            ("permissions[]", "customer.read"),
        ],
    ),
];

/// The member's id, read from the team as the JSON client gets it.
async fn member_id(admin: &reqwest::Client, server: &TestServer, email: &str) -> String {
    let team = call_json(admin, server, "/api/staff/team", &[]).await;
    assert_eq!(team.status(), StatusCode::OK);
    let team: serde_json::Value = team.json().await.unwrap();
    team["Granted"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == email)
        .unwrap_or_else(|| panic!("{email} in {team}"))["id"]
        .to_string()
}

/// Posts a team-page form as a browser without JavaScript; returns where it went.
async fn team_post(
    browser: &reqwest::Client,
    server: &TestServer,
    path: &str,
    page: &str,
    form: &[(&str, &str)],
) -> String {
    location(&post_form(browser, server, path, page, form).await)
}

/// Posts a form as a browser without JavaScript and expects it refused:
/// back on its page, which says why.
async fn refused_in_words(
    browser: &reqwest::Client,
    server: &TestServer,
    path: &str,
    page_path: &str,
    form: &[(&str, &str)],
    message: &str,
) {
    let went = team_post(browser, server, path, page_path, form).await;
    assert_eq!(went, page_path, "back to the form");
    let (_, body) = page(browser, server, page_path).await;
    assert!(body.contains(message), "{message}: {body}");
}

on_both_backends!(team_and_roles_need_their_permissions, |server| {
    // A customer: every one refused.
    verified_browser(server, "cus@example.com").await;
    let script = server.script();
    sign_in(server, &script, "cus@example.com", PASSWORD, "").await;
    for (path, form) in TEAM_FUNCTIONS.iter().chain(
        [(
            "/api/staff/customer/resend-verification",
            &[("customer", "1"), ("reason", "r")][..],
        )]
        .iter(),
    ) {
        let refused = call_json(&script, server, path, form).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
    }

    // Support: the customer's link, not the team.
    let agent = support_member(server, "agent@example.com", "support").await;
    for (path, form) in TEAM_FUNCTIONS {
        let refused = call_json(&agent, server, path, form).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let (status, body) = page(&agent, server, "/staff/team").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("Access refused"), "{body}");
    let (status, _) = page(&agent, server, "/staff/roles").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let newcomer = server.browser();
    register(server, &newcomer, "new@example.com", "New Customer").await;
    let first = link_in(&server.mail_to("new@example.com", "verify-email").await);
    let (id, _) = found_customer(&agent, server, "new%40example").await;
    let customer_page = format!("/staff/customers/{id}");
    let (_, file) = page(&agent, server, &customer_page).await;
    assert!(file.contains("Resend the confirmation link"), "{file}");
    let resend = "/api/staff/customer/resend-verification";
    let no_reason = [("customer", id.as_str()), ("reason", "")];
    refused_in_words(
        &agent,
        server,
        resend,
        &customer_page,
        &no_reason,
        "Give a reason.",
    )
    .await;
    let resent = team_post(
        &agent,
        server,
        "/api/staff/customer/resend-verification",
        &customer_page,
        &[("customer", &id), ("reason", "Ticket 88: no mail came")],
    )
    .await;
    assert_eq!(resent, format!("{customer_page}?done=resend_verification"));
    let mut fresh = first.clone();
    for _ in 0..50 {
        fresh = link_in(&server.mail_to("new@example.com", "verify-email").await);
        if fresh != first {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_ne!(fresh, first, "a new link was mailed");
    let (_, file) = page(&agent, server, &customer_page).await;
    assert!(
        file.contains("Support sent a new confirmation link"),
        "{file}"
    );
    assert!(file.contains("Ticket 88: no mail came"), "{file}");
    // Confirmed now: the action is not offered, and a post is refused in words.
    newcomer.get(&fresh).send().await.unwrap();
    post_form(
        &newcomer,
        server,
        "/api/verify/confirm",
        "/verify-email",
        &[],
    )
    .await;
    let (_, file) = page(&agent, server, &customer_page).await;
    assert!(!file.contains("Resend the confirmation link"), "{file}");
    let again = [("customer", id.as_str()), ("reason", "again")];
    let confirmed = "This address is confirmed already";
    refused_in_words(&agent, server, resend, &customer_page, &again, confirmed).await;

    // A security admin: the team and the roles.
    let admin = support_member(server, "admin@example.com", "security_admin").await;
    let (status, team) = page(&admin, server, "/staff/team").await;
    assert_eq!(status, StatusCode::OK);
    assert!(team.contains("agent@example.com") && team.contains("Authenticator app"));
    assert!(
        team.contains("href=\"/staff/roles\""),
        "the console links its parts"
    );
    let (status, _) = page(&admin, server, "/staff/roles").await;
    assert_eq!(status, StatusCode::OK);

    let invited = team_post(
        &admin,
        server,
        "/api/staff/team/invite",
        "/staff/team",
        &[
            ("email", "newbie@example.com"),
            ("display_name", "Nia Newbie"),
            ("role", "support"),
            ("reason", "joins support on Monday"),
        ],
    )
    .await;
    assert_eq!(invited, "/staff/team?done=invited");
    let (_, shown) = page(&admin, server, "/staff/team?done=invited").await;
    assert!(shown.contains("/recover/reset?token="), "{shown}");
    let (_, again) = page(&admin, server, "/staff/team?done=invited").await;
    assert!(!again.contains("/recover/reset?token="), "shown once");

    let me = member_id(&admin, server, "admin@example.com").await;
    let own = [
        ("member", me.as_str()),
        ("role", "auditor"),
        ("reason", "why not"),
    ];
    let message = "Nobody grants or revokes their own roles.";
    refused_in_words(
        &admin,
        server,
        "/api/staff/team/grant",
        "/staff/team",
        &own,
        message,
    )
    .await;

    let agent_id = member_id(&admin, server, "agent@example.com").await;
    for (path, done) in [
        ("/api/staff/team/grant", "granted"),
        ("/api/staff/team/revoke", "revoked"),
    ] {
        let went = team_post(
            &admin,
            server,
            path,
            "/staff/team",
            &[
                ("member", &agent_id),
                ("role", "auditor"),
                ("reason", "audit week"),
            ],
        )
        .await;
        assert_eq!(went, format!("/staff/team?done={done}"));
    }

    // A custom role, then a member who holds it and tries to grant more.
    let saved = team_post(
        &admin,
        server,
        "/api/staff/roles/save",
        "/staff/roles",
        &[
            ("form", ""),
            ("name", "recruiter"),
            ("description", "Brings people in"),
            ("permissions[]", "staff.manage"),
            ("permissions[]", "role.assign"),
            ("permissions[]", "customer.read"),
        ],
    )
    .await;
    assert_eq!(saved, "/staff/roles?saved=recruiter");
    let (_, roles) = page(&admin, server, "/staff/roles").await;
    assert!(roles.contains("Brings people in"), "{roles}");
    let recruiter = support_member(server, "rec@example.com", "recruiter").await;
    let newbie = member_id(&recruiter, server, "newbie@example.com").await;
    let beyond = [
        ("member", newbie.as_str()),
        ("role", "support_lead"),
        ("reason", "promotion"),
    ];
    let message = "This role carries permissions you do not hold.";
    let grant = "/api/staff/team/grant";
    refused_in_words(&recruiter, server, grant, "/staff/team", &beyond, message).await;
    let (status, _) = page(&recruiter, server, "/staff/roles").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no role.manage");

    // A cycle and a built-in role are refused in words.
    for (form, name, include) in [("", "tier_a", None), ("", "tier_b", Some("tier_a"))] {
        let mut fields = vec![
            ("form", form),
            ("name", name),
            ("permissions[]", "customer.read"),
        ];
        if let Some(include) = include {
            fields.push(("includes[]", include));
        }
        let went = team_post(
            &admin,
            server,
            "/api/staff/roles/save",
            "/staff/roles",
            &fields,
        )
        .await;
        assert_eq!(went, format!("/staff/roles?saved={name}"));
    }
    for (fields, message) in [
        (
            vec![
                ("form", "tier_a"),
                ("name", "tier_a"),
                ("includes[]", "tier_b"),
            ],
            "A role cannot include itself, even through other roles.",
        ),
        (
            vec![("form", "support"), ("name", "support")],
            "Built-in roles cannot be changed.",
        ),
    ] {
        let save = "/api/staff/roles/save";
        refused_in_words(&admin, server, save, "/staff/roles", &fields, message).await;
    }

    // Offboarding ends the member's open session at once.
    let (status, _) = page(&recruiter, server, "/staff/team").await;
    assert_eq!(status, StatusCode::OK);
    let rec_id = member_id(&admin, server, "rec@example.com").await;
    let went = team_post(
        &admin,
        server,
        "/api/staff/team/offboard",
        "/staff/team",
        &[("member", &rec_id), ("reason", "left the company")],
    )
    .await;
    assert_eq!(went, "/staff/team?done=offboarded");
    let gone = recruiter
        .get(server.url("/staff/team"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&gone), "/login?next=/staff/team");
    let (_, team) = page(&admin, server, "/staff/team").await;
    assert!(!team.contains("rec@example.com"), "no role is left");
});
