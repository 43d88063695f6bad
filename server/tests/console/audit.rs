//! `/staff/audit` over HTTP: an auditor filters the log and exports what
//! they see, as CSV and as JSON lines whose hashes chain; others are refused.

use super::access::customer_id;
use super::*;

on_both_backends!(an_auditor_filters_and_exports_the_log, |server| {
    let customer = verified_browser(server, "audited@example.com").await;
    let customer_id = customer_id(server, "audited@example.com").await;
    // Two failed sign-ins: the history an auditor reads.
    for _ in 0..2 {
        sign_in(
            server,
            &server.browser(),
            "audited@example.com",
            "Wrong-Password-99!",
            "",
        )
        .await;
    }
    let auditor = support_member(server, "auditor@example.com", "auditor").await;

    // Without the permission: no log, and no export.
    let (status, body) = page(&customer, server, "/staff/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(!body.contains("audited@example.com"), "{body}");
    let refused = customer
        .get(server.url("/api/staff/audit.jsonl"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // By the account concerned and the event, in the page without scripts.
    let (status, body) = page(
        &auditor,
        server,
        "/staff/audit?subject=AUDITED%40example.com&kind=sign_in_failed",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let rows = body.matches("<tr>").count() - 1;
    assert_eq!(rows, 2, "two failed sign-ins: {body}");
    assert!(body.contains("audited@example.com"));
    assert!(!body.contains("auditor@example.com</td>"), "{body}");

    // A day that is not a day is named at its field; the typed text stays.
    let (_, body) = page(&auditor, server, "/staff/audit?from=yesterday").await;
    assert!(body.contains("Enter a day like 2026-11-26."), "{body}");
    assert!(body.contains("value=\"yesterday\""), "{body}");

    // An address nobody has matches nothing (and says so).
    let (_, body) = page(&auditor, server, "/staff/audit?actor=nobody%40example.com").await;
    assert!(body.contains("No account has that address"), "{body}");

    // The export: the same filter, as CSV for spreadsheets...
    let csv = auditor
        .get(server.url(&format!("/api/staff/audit.csv?subject={customer_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("latchkey-audit.csv"));
    let csv = csv.text().await.unwrap();
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert!(lines[0].starts_with("\u{feff}id,"), "{csv}");
    assert!(
        lines.len() >= 4,
        "registration, verification, two failures: {csv}"
    );
    assert!(
        lines[1..]
            .iter()
            .all(|line| line.contains("audited@example.com")),
        "{csv}"
    );

    // ...and as JSON lines, newest first, whose hashes link each entry to
    // the one before it.
    let jsonl = auditor
        .get(server.url("/api/staff/audit.jsonl"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let entries: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert!(entries.len() > lines.len() - 1, "the whole log: {jsonl}");
    for pair in entries.windows(2) {
        assert_eq!(
            pair[0]["id"].as_i64().unwrap(),
            pair[1]["id"].as_i64().unwrap() + 1
        );
        assert_eq!(pair[0]["prev_hash"], pair[1]["hash"], "{pair:?}");
    }

    // Each export is an entry of its own: who took what, in which format.
    let auditor_id = super::access::customer_id(server, "auditor@example.com").await;
    let exports: Vec<(String, String, String)> = entries
        .iter()
        .filter(|entry| entry["kind"] == "log_exported")
        .map(|entry| {
            let details: serde_json::Value =
                serde_json::from_str(entry["details"].as_str().unwrap()).unwrap();
            (
                entry["actor"].to_string(),
                details["format"].to_string(),
                details["subject"].to_string(),
            )
        })
        .collect();
    let export = |format: &str, subject: &str| {
        (
            auditor_id.clone(),
            format!("\"{format}\""),
            subject.to_owned(),
        )
    };
    assert_eq!(
        exports,
        [export("jsonl", "null"), export("csv", &customer_id)]
    );
});
