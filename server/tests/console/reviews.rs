//! Access reviews and staff training over HTTP, on both backends: a
//! campaign runs to its report, the grantee cannot decide their own item,
//! a revocation takes effect on the member's next request, overdue items
//! raise one alert each, the job opens one campaign per period however
//! many processes run it, and out-of-date training is flagged.

use sqlx::Row;

use super::access::database;
use super::*;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The review items of a campaign: id, grantee's address, role, reviewer's address.
async fn items(server: &TestServer, campaign: i64) -> Vec<(i64, String, String, Option<String>)> {
    let pool = database(server).await;
    sqlx::query(
        "SELECT review_items.id AS id, grantee.email AS grantee, review_items.role AS role, \
           reviewer.email AS reviewer \
         FROM review_items JOIN users grantee ON grantee.id = review_items.grantee_id \
         LEFT JOIN users reviewer ON reviewer.id = review_items.reviewer_id \
         WHERE review_items.campaign_id = $1 ORDER BY review_items.id",
    )
    .bind(campaign)
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|row| {
        (
            row.try_get("id").unwrap(),
            row.try_get("grantee").unwrap(),
            row.try_get("role").unwrap(),
            row.try_get("reviewer").unwrap(),
        )
    })
    .collect()
}

async fn count(server: &TestServer, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&database(server).await)
        .await
        .unwrap()
}

/// Decides an item as a browser without JavaScript; the answer's location.
async fn decide(
    browser: &reqwest::Client,
    server: &TestServer,
    campaign: i64,
    item: i64,
    decision: &str,
    reason: &str,
) -> String {
    let (campaign, item) = (campaign.to_string(), item.to_string());
    let answer = post_form(
        browser,
        server,
        "/api/staff/reviews/decide",
        &format!("/staff/reviews?campaign={campaign}"),
        &[
            ("campaign", &campaign),
            ("item", &item),
            ("decision", decision),
            ("reason", reason),
        ],
    )
    .await;
    location(&answer)
}

on_both_backends!(a_campaign_runs_to_its_report, |server| {
    let first = support_member(server, "first-admin@example.com", "security_admin").await;
    let second = support_member(server, "second-admin@example.com", "security_admin").await;
    let agent = support_member(server, "agent@example.com", "support").await;

    // A staff permission exercised marks its grant used; the day's second use writes nothing new.
    let (status, _) = page(&agent, server, "/staff?q=nobody").await;
    assert_eq!(status, StatusCode::OK);
    let used = "SELECT COUNT(*) FROM role_grants WHERE last_used_at IS NOT NULL";
    assert_eq!(count(server, used).await, 1, "the agent's support grant");
    let last_used = "SELECT MAX(last_used_at) FROM role_grants";
    let noted = count(server, last_used).await;
    page(&agent, server, "/staff?q=again").await;
    assert_eq!(count(server, last_used).await, noted, "once a day");

    let opened = post_form(
        &first,
        server,
        "/api/staff/reviews/open",
        "/staff/reviews",
        &[],
    )
    .await;
    let opened = location(&opened);
    assert!(opened.starts_with("/staff/reviews?campaign="), "{opened}");
    let campaign: i64 = count(server, "SELECT MAX(id) FROM review_campaigns").await;
    let again = post_form(
        &second,
        server,
        "/api/staff/reviews/open",
        "/staff/reviews",
        &[],
    )
    .await;
    assert_eq!(location(&again), "/staff/reviews", "one campaign at a time");
    let (_, refused) = page(&second, server, "/staff/reviews").await;
    assert!(refused.contains("A review is still running"), "{refused}");

    // Every grant is an item, never for its own grantee.
    let listed = items(server, campaign).await;
    assert_eq!(listed.len(), 3, "{listed:?}");
    for (_, grantee, _, reviewer) in &listed {
        let reviewer = reviewer.as_deref().expect("a reviewer");
        assert_ne!(reviewer, grantee);
        assert!(reviewer.ends_with("-admin@example.com"), "{reviewer}");
    }
    let item_of = |email: &str| listed.iter().find(|i| i.1 == email).unwrap().0;
    let (first_item, second_item, agent_item) = (
        item_of("first-admin@example.com"),
        item_of("second-admin@example.com"),
        item_of("agent@example.com"),
    );
    let (status, body) = page(
        &first,
        server,
        &format!("/staff/reviews?campaign={campaign}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("Your own role: another reviewer decides it."),
        "{body}"
    );
    assert!(
        body.contains("None recorded"),
        "training flagged in the campaign"
    );

    // Not finished: no report yet.
    let early = first
        .get(server.url(&format!(
            "/api/staff/reviews/report.csv?campaign={campaign}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(early.status(), StatusCode::BAD_REQUEST);

    // The grantee's own item is refused by the service, whatever the page offers.
    let own = call_json(
        &first,
        server,
        "/api/staff/reviews/decide",
        &[
            ("campaign", &campaign.to_string()),
            ("item", &first_item.to_string()),
            ("decision", "keep"),
            ("reason", "Still the administrator"),
        ],
    )
    .await;
    assert_eq!(own.status(), StatusCode::BAD_REQUEST);
    assert!(own.text().await.unwrap().contains("role.own_roles"));
    assert_eq!(
        count(
            server,
            "SELECT COUNT(*) FROM review_items WHERE decided_at IS NOT NULL"
        )
        .await,
        0
    );
    let back = decide(&first, server, campaign, first_item, "keep", "Mine").await;
    assert_eq!(back, format!("/staff/reviews?campaign={campaign}"));
    let (_, body) = page(
        &first,
        server,
        &format!("/staff/reviews?campaign={campaign}"),
    )
    .await;
    assert!(
        body.contains("Nobody grants or revokes their own roles"),
        "{body}"
    );

    // A reason is required.
    let missing = decide(&first, server, campaign, second_item, "keep", " ").await;
    assert_eq!(missing, format!("/staff/reviews?campaign={campaign}"));

    for (reviewer, item, reason) in [
        (&first, second_item, "=SUM(1) still on call"),
        (&second, first_item, "Leads security"),
    ] {
        let kept = decide(reviewer, server, campaign, item, "keep", reason).await;
        assert!(kept.contains("done=decided"), "{kept}");
    }
    let twice = decide(
        &second,
        server,
        campaign,
        first_item,
        "revoke",
        "Changed my mind",
    )
    .await;
    assert_eq!(
        twice,
        format!("/staff/reviews?campaign={campaign}"),
        "decided already"
    );

    // A revocation takes effect at once: the agent's next request is refused.
    let (status, _) = page(&agent, server, "/staff").await;
    assert_eq!(status, StatusCode::OK);
    let revoked = decide(
        &first,
        server,
        campaign,
        agent_item,
        "revoke",
        "Moved to sales",
    )
    .await;
    assert!(revoked.contains("done=decided"), "{revoked}");
    let (status, _) = page(&agent, server, "/staff").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the role is gone");
    assert_eq!(count(server, "SELECT COUNT(*) FROM role_grants").await, 2);
    assert_eq!(
        count(
            server,
            "SELECT COUNT(*) FROM role_grant_log WHERE action = 'revoke'"
        )
        .await,
        1,
        "logged as a revoke"
    );
    for kind in [
        "review_campaign_opened",
        "review_kept",
        "review_revoked",
        "role_revoked",
    ] {
        let entries = count(
            server,
            &format!("SELECT COUNT(*) FROM audit_events WHERE kind = '{kind}'"),
        )
        .await;
        assert!(entries >= 1, "{kind} in the audit chain");
    }
    let verified = latchkey(server, &["audit", "verify"]).await;
    assert!(verified.status.success(), "the chain holds");

    // Finished: the report names every decision, reviewer, reason and time.
    let report = first
        .get(server.url(&format!(
            "/api/staff/reviews/report.csv?campaign={campaign}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), StatusCode::OK);
    assert!(report
        .headers()
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("attachment"));
    let csv = report.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'), "{csv}");
    assert_eq!(csv.lines().count(), 4, "a header and three items: {csv}");
    assert!(csv.contains(",agent@example.com,support,"), "{csv}");
    assert!(
        csv.contains(",Revoked,first-admin@example.com,Moved to sales,"),
        "{csv}"
    );
    assert!(
        csv.contains(",Kept,second-admin@example.com,Leads security,"),
        "{csv}"
    );
    assert!(csv.contains(",'=SUM(1) still on call,"), "defused: {csv}");
    // Another site cannot start the download.
    let cross = client_builder()
        .build()
        .unwrap()
        .get(server.url(&format!(
            "/api/staff/reviews/report.csv?campaign={campaign}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
});

/// Runs the review job in two processes at once; their outputs.
async fn tick_twice(server: &TestServer) -> (String, String) {
    let (a, b) = tokio::join!(
        latchkey(server, &["reviews", "tick"]),
        latchkey(server, &["reviews", "tick"])
    );
    let text = |output: std::process::Output| {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    (text(a), text(b))
}

on_both_backends!(
    the_job_opens_one_campaign_a_period_and_overdue_items_alert_once,
    |server| {
        let admin = support_member(server, "sec@example.com", "security_admin").await;
        support_member(server, "helper@example.com", "support").await;
        let (first, second) = tick_twice(server).await;
        assert!(first.contains("no campaign due") && second.contains("no campaign due"));

        // The grants are a period old: one campaign opens, however many processes tick.
        let pool = database(server).await;
        sqlx::query("UPDATE role_grants SET created_at = created_at - $1")
            .bind(91 * DAY_MS)
            .execute(&pool)
            .await
            .unwrap();
        let (first, second) = tick_twice(server).await;
        let opened = [&first, &second]
            .iter()
            .filter(|out| out.contains("opened campaign"))
            .count();
        assert_eq!(opened, 1, "{first} / {second}");
        assert_eq!(
            count(server, "SELECT COUNT(*) FROM review_campaigns").await,
            1
        );
        let campaign = count(server, "SELECT MAX(id) FROM review_campaigns").await;
        assert_eq!(items(server, campaign).await.len(), 2);
        assert_eq!(
            count(
                server,
                "SELECT COUNT(*) FROM review_items WHERE removal_candidate = 1"
            )
            .await,
            2,
            "granted a period ago and never used"
        );

        // Past the due date: one alert per undecided item, however often the job runs.
        sqlx::query("UPDATE review_campaigns SET due_at = opened_at")
            .execute(&pool)
            .await
            .unwrap();
        tick_twice(server).await;
        tick_twice(server).await;
        let alerts = "SELECT COUNT(*) FROM alerts WHERE rule = 'review_item_overdue'";
        assert_eq!(count(server, alerts).await, 2);
        let (_, listed) = page(&admin, server, "/staff/alerts").await;
        assert!(listed.contains("Access-review item overdue"), "{listed}");
        let (_, shown) = page(&admin, server, "/staff/reviews").await;
        assert!(shown.contains("Overdue"), "{shown}");

        // Closed, and a period later: the next campaign, again only one.
        let closed = post_form(
            &admin,
            server,
            "/api/staff/reviews/close",
            "/staff/reviews",
            &[
                ("campaign", &campaign.to_string()),
                ("reason", "Superseded by the audit"),
            ],
        )
        .await;
        assert!(
            location(&closed).contains("done=closed"),
            "{}",
            location(&closed)
        );
        let (first, second) = tick_twice(server).await;
        assert!(!first.contains("opened campaign") && !second.contains("opened campaign"));
        sqlx::query("UPDATE review_campaigns SET opened_at = opened_at - $1")
            .bind(90 * DAY_MS)
            .execute(&pool)
            .await
            .unwrap();
        tick_twice(server).await;
        assert_eq!(
            count(server, "SELECT COUNT(*) FROM review_campaigns").await,
            2
        );
        assert_eq!(
            count(
                server,
                "SELECT COUNT(*) FROM audit_events WHERE kind = 'review_campaign_opened' AND actor_id IS NULL"
            )
            .await,
            2,
            "opened by the system"
        );
        // A closed campaign's report is final.
        let report = admin
            .get(server.url(&format!(
                "/api/staff/reviews/report.csv?campaign={campaign}"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(report.status(), StatusCode::OK);
        assert!(report.text().await.unwrap().contains(",Undecided,"));
    }
);

on_both_backends!(out_of_date_training_is_flagged, |server| {
    let admin = support_member(server, "lead@example.com", "security_admin").await;
    let agent = support_member(server, "trainee@example.com", "support").await;
    let (status, body) = page(&agent, server, "/staff/reviews").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "every staff member records their own"
    );
    assert!(
        body.contains("No security training recorded yet."),
        "{body}"
    );
    assert!(
        !body.contains("Open a review"),
        "reviews need review.manage"
    );

    let record = |day: &'static str| {
        let agent = agent.clone();
        async move {
            let answer = post_form(
                &agent,
                server,
                "/api/staff/training",
                "/staff/reviews",
                &[("course", "Phishing and you 2026"), ("completed_on", day)],
            )
            .await;
            location(&answer)
        }
    };
    assert_eq!(
        record("2999-01-01").await,
        "/staff/reviews",
        "not in the future"
    );
    let (_, body) = page(&agent, server, "/staff/reviews").await;
    assert!(body.contains("That day has not come yet."), "{body}");

    assert_eq!(record("2020-01-01").await, "/staff/reviews?done=trained");
    let (_, body) = page(&agent, server, "/staff/reviews").await;
    assert!(body.contains("Out of date: last completed on"), "{body}");
    let (_, team) = page(&admin, server, "/staff/team").await;
    let row = team.split("trainee@example.com").nth(1).unwrap();
    assert!(row.contains("Out of date"), "{team}");

    // Today's course counts.
    let now: i64 = count(server, "SELECT MAX(created_at) FROM staff_training").await;
    let today = &service::time_format::iso_utc(now)[..10];
    let answer = post_form(
        &agent,
        server,
        "/api/staff/training",
        "/staff/reviews",
        &[("course", "Security basics"), ("completed_on", today)],
    )
    .await;
    assert_eq!(location(&answer), "/staff/reviews?done=trained");
    let (_, body) = page(&agent, server, "/staff/reviews").await;
    assert!(body.contains("Up to date: completed on"), "{body}");
    let (_, team) = page(&admin, server, "/staff/team").await;
    let row = team.split("trainee@example.com").nth(1).unwrap();
    assert!(
        !row.split("</tr>").next().unwrap().contains("Out of date"),
        "{team}"
    );
    assert_eq!(
        count(
            server,
            "SELECT COUNT(*) FROM audit_events WHERE kind = 'training_recorded'"
        )
        .await,
        2
    );

    // An account without a role has no training to record.
    let customer = verified_browser(server, "plain@example.com").await;
    let refused = call_json(
        &customer,
        server,
        "/api/staff/training",
        &[("course", "Anything"), ("completed_on", "2020-01-01")],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
});
