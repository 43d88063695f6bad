//! `latchkey audit verify|checkpoint|archive` against a running server's
//! database, edited behind the server's back as an attacker with write
//! access to it would.

use super::*;

/// The answer of an audit command: its exit code and standard output.
async fn audit(server: &TestServer, args: &[&str]) -> (i32, String) {
    let mut all = vec!["audit"];
    all.extend_from_slice(args);
    let output = latchkey(server, &all).await;
    (
        output.status.code().expect("an exit code"),
        String::from_utf8(output.stdout).unwrap(),
    )
}

/// Runs statements on the server's database, beside it.
async fn tamper(server: &TestServer, statements: &[&str]) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&server.db_url).await.unwrap();
    for sql in statements {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;
}

/// Granted within working hours whenever the test runs: an off-hours grant
/// would raise an alert, one more entry in the chain.
async fn add_member(server: &TestServer, email: &str) {
    stdout(
        &latchkey_with(
            server,
            &[
                "staff", "add", "--email", email, "--role", "support", "--reason", "hired",
            ],
            &[("LATCHKEY_ALERT_WORKING_HOURS", "Mon-Sun 00:00-24:00")],
        )
        .await,
    );
}

on_both_backends!(
    operators_verify_checkpoint_and_archive_the_audit_log,
    |server| {
        assert_eq!(
            audit(server, &["verify"]).await,
            (
                0,
                format!(
                    "audit log intact: 0 entries checked\nhead 0:{}\n",
                    domain::audit::GENESIS_HASH
                )
            )
        );
        // Five entries: three grants, then an offboarding (its revoke, itself).
        for email in ["a@example.com", "b@example.com", "c@example.com"] {
            add_member(server, email).await;
        }
        stdout(
            &latchkey(
                server,
                &[
                    "staff",
                    "offboard",
                    "--email",
                    "c@example.com",
                    "--reason",
                    "left",
                ],
            )
            .await,
        );
        let (code, verified) = audit(server, &["verify"]).await;
        assert_eq!(code, 0, "{verified}");
        let (code, checkpoint) = audit(server, &["checkpoint"]).await;
        assert_eq!(code, 0);
        let checkpoint = checkpoint.trim().to_owned();
        assert!(checkpoint.starts_with("5:"), "{checkpoint}");
        assert_eq!(
            verified,
            format!("audit log intact: 5 entries checked\nhead {checkpoint}\n")
        );
        let (code, proved) = audit(server, &["verify", "--checkpoint", &checkpoint]).await;
        assert_eq!(code, 0, "{proved}");
        assert!(
            proved.contains(&format!("checkpoint {checkpoint} holds")),
            "{proved}"
        );
        assert_eq!(
            refusal(&latchkey(server, &["audit", "verify", "--checkpoint", "5"]).await),
            "latchkey: --checkpoint must be COUNT:HASH, as `latchkey audit checkpoint` prints it"
        );

        // An edit of entry 3's reason.
        tamper(
            server,
            &["UPDATE audit_events SET reason = 'nothing to see' WHERE id = 3"],
        )
        .await;
        let (code, found) = audit(server, &["verify"]).await;
        assert_eq!(code, 1, "{found}");
        assert!(
            found.starts_with("audit log broken at entry 3: "),
            "{found}"
        );
        assert_eq!(
            audit(server, &["checkpoint"]).await.0,
            1,
            "no checkpoint of a broken log"
        );
        tamper(
            server,
            &["UPDATE audit_events SET reason = 'hired' WHERE id = 3"],
        )
        .await;
        assert_eq!(audit(server, &["verify"]).await.0, 0, "restored");

        // A swap of entries 2 and 4.
        let swap = [
            "UPDATE audit_events SET id = -4 WHERE id = 4",
            "UPDATE audit_events SET id = 4 WHERE id = 2",
            "UPDATE audit_events SET id = 2 WHERE id = -4",
        ];
        tamper(server, &swap).await;
        let (code, found) = audit(server, &["verify"]).await;
        assert_eq!(code, 1, "{found}");
        assert!(
            found.starts_with("audit log broken at entry 2: "),
            "{found}"
        );
        tamper(server, &swap).await;
        assert_eq!(audit(server, &["verify"]).await.0, 0, "swapped back");

        // A checkpoint the log no longer ends with.
        let head_hash = checkpoint.split_once(':').unwrap().1;
        let (code, found) = audit(
            server,
            &["verify", "--checkpoint", &format!("4:{head_hash}")],
        )
        .await;
        assert_eq!(code, 1, "{found}");
        assert!(
            found.starts_with("audit log broken at entry 4: "),
            "{found}"
        );

        // Archive everything so far; the log continues from its last entry.
        let file = server.scratch.join("audit-archive.jsonl");
        let file_arg = file.to_str().unwrap();
        let (code, archived) = audit(
            server,
            &["archive", "--older-than-days", "0", "--out", file_arg],
        )
        .await;
        assert_eq!(code, 0, "{archived}");
        assert!(
            archived.contains(&format!("archived 5 entries to {file_arg}")),
            "{archived}"
        );
        let lines: Vec<serde_json::Value> = std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines.len(), 5);
        assert_eq!(lines[4]["hash"].as_str(), Some(head_hash));
        assert_eq!(lines[0]["kind"].as_str(), Some("role_granted"));
        let again = latchkey(
            server,
            &[
                "audit",
                "archive",
                "--older-than-days",
                "0",
                "--out",
                file_arg,
            ],
        )
        .await;
        assert!(refusal(&again).starts_with("latchkey: --out: cannot create"));
        assert_eq!(
            std::fs::read_to_string(&file).unwrap().lines().count(),
            5,
            "untouched"
        );

        add_member(server, "d@example.com").await;
        let (code, verified) = audit(server, &["verify", "--checkpoint", &checkpoint]).await;
        assert_eq!(code, 0, "{verified}");
        assert!(
            verified.starts_with("audit log intact: 2 entries checked\n"),
            "the archive's own entry and the grant: {verified}"
        );
        assert!(verified.contains("\nhead 7:"), "{verified}");

        // A deletion after the archive.
        tamper(server, &["DELETE FROM audit_events WHERE id = 6"]).await;
        let (code, found) = audit(server, &["verify"]).await;
        assert_eq!(code, 1, "{found}");
        assert!(
            found.starts_with("audit log broken at entry 6: "),
            "{found}"
        );
    }
);
