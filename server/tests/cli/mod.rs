//! The operators' CLI: the built `latchkey` binary run against the
//! database of a running server, as an operator would beside it.

use std::process::Output;

use super::*;

/// Runs `latchkey` with the server's environment (and nothing else).
pub(super) async fn latchkey(server: &TestServer, args: &[&str]) -> Output {
    latchkey_with(server, args, &[]).await
}

/// [`latchkey`] with more settings (say, the alerts' working hours).
pub(super) async fn latchkey_with(
    server: &TestServer,
    args: &[&str],
    settings: &[(&str, &str)],
) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_latchkey"));
    command
        .args(args)
        .env_clear()
        .current_dir(&server.scratch)
        .env("DATABASE_URL", &server.db_url)
        .env("LATCHKEY_PUBLIC_URL", &server.base)
        .env(
            "LATCHKEY_SECRET_KEY_FILE",
            server.scratch.join("secret.key"),
        )
        .env("LATCHKEY_MAIL_OUTBOX", &server.outbox)
        .env("LATCHKEY_ARGON2_MEMORY_KIB", "256")
        .env("LATCHKEY_ARGON2_ITERATIONS", "1")
        .envs(settings.iter().copied());
    tokio::task::spawn_blocking(move || command.output().expect("the latchkey binary runs"))
        .await
        .unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "latchkey failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// A refusal: a non-zero exit and exactly one line on standard error.
fn refusal(output: &Output) -> String {
    assert!(!output.status.success(), "expected a refusal");
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    stderr.trim_end().to_owned()
}

on_both_backends!(
    operators_add_list_and_offboard_staff_beside_a_running_server,
    |server| {
        let roles = stdout(&latchkey(server, &["roles"]).await);
        assert!(roles.contains("\nsecurity_admin (built-in): "), "{roles}");
        assert!(roles.contains("\n    support_lead (built-in): "), "{roles}");
        assert!(
        roles.contains("  effective: customer.read, customer.impersonate, customer.unlock, customer.sessions\n"),
        "{roles}"
    );

        // Refusals, each one line, and nothing written.
        let bad_role = latchkey(
            server,
            &[
                "staff",
                "add",
                "--email",
                "nova@example.com",
                "--role",
                "wizard",
                "--reason",
                "hired",
            ],
        )
        .await;
        assert_eq!(
            refusal(&bad_role),
            "latchkey: unknown role \"wizard\"; `latchkey roles` lists the roles"
        );
        let no_reason = latchkey(
            server,
            &[
                "staff",
                "add",
                "--email",
                "nova@example.com",
                "--role",
                "support",
            ],
        )
        .await;
        assert_eq!(
            refusal(&no_reason),
            "latchkey: a reason is required (--reason)"
        );
        let blank_reason = latchkey(
            server,
            &[
                "staff",
                "add",
                "--email",
                "nova@example.com",
                "--role",
                "support",
                "--reason",
                " ",
            ],
        )
        .await;
        assert_eq!(
            refusal(&blank_reason),
            "latchkey: a reason is required (--reason)"
        );
        let nobody = latchkey(
            server,
            &[
                "staff",
                "offboard",
                "--email",
                "ghost@example.com",
                "--reason",
                "left",
            ],
        )
        .await;
        assert_eq!(
            refusal(&nobody),
            "latchkey: no account has the address ghost@example.com"
        );
        assert_eq!(
            stdout(&latchkey(server, &["staff", "list"]).await).trim(),
            "no account holds a role"
        );

        // A new member: the last line is the link that sets the password.
        let added = stdout(
            &latchkey(
                server,
                &[
                    "staff",
                    "add",
                    "--email",
                    "Nova@Example.com",
                    "--role",
                    "support",
                    "--reason",
                    "hired, ticket 12",
                    "--name",
                    "Nova Li",
                ],
            )
            .await,
        );
        let link = added.lines().last().unwrap().to_owned();
        assert!(
            link.starts_with(&server.url("/recover/reset?token=")),
            "{added}"
        );
        assert_eq!(added.matches("token=").count(), 1, "printed once");

        let again = stdout(
            &latchkey(
                server,
                &[
                    "staff",
                    "add",
                    "--email",
                    "nova@example.com",
                    "--role",
                    "support",
                    "--reason",
                    "again",
                ],
            )
            .await,
        );
        assert!(
            again.contains("already holds support") && !again.contains("token="),
            "{again}"
        );

        // The member opens the link and sets a password on the reset page.
        let nova = server.browser();
        let opened = nova.get(&link).send().await.unwrap();
        assert_eq!(location(&opened), "/recover/reset");
        let (_, form) = page(&nova, server, "/recover/reset").await;
        assert!(form.contains("Choose a new password"), "{form}");
        assert!(
            form.contains(&domain::email::masked("nova@example.com")),
            "the page names the account"
        );
        let chosen = "Copper-Meadow-Lantern-61";
        let set = post_form(
            &nova,
            server,
            "/api/recover/reset",
            "/recover/reset",
            &[("password", chosen), ("confirmation", chosen)],
        )
        .await;
        assert_eq!(location(&set), "/login?reset=1");
        assert_eq!(
            location(&sign_in(server, &nova, "nova@example.com", chosen, "").await),
            "/account"
        );
        assert_eq!(page(&nova, server, "/account").await.0, StatusCode::OK);

        let team = stdout(&latchkey(server, &["staff", "list"]).await);
        let row = team
            .lines()
            .find(|l| l.starts_with("nova@example.com\t"))
            .expect(&team);
        let columns: Vec<&str> = row.split('\t').collect();
        assert_eq!(&columns[..3], ["nova@example.com", "Nova Li", "support"]);
        assert_ne!(columns[3], "never", "the sign-in is listed");
        assert_eq!(
            &columns[4..],
            ["no", "no"],
            "no second factor yet, not disabled"
        );

        // Offboarding ends the open session at once; the password stops working.
        let offboarded = stdout(
            &latchkey(
                server,
                &[
                    "staff",
                    "offboard",
                    "--email",
                    "nova@example.com",
                    "--reason",
                    "left the company",
                ],
            )
            .await,
        );
        assert!(
            offboarded.contains("roles revoked: support"),
            "{offboarded}"
        );
        let kicked = nova.get(server.url("/account")).send().await.unwrap();
        assert_eq!(location(&kicked), "/login?next=/account");
        let refused = sign_in(server, &nova, "nova@example.com", chosen, "").await;
        assert_eq!(location(&refused), "/login");
        let (_, login) = page(&nova, server, "/login").await;
        assert!(login.contains("This account is disabled"), "{login}");
        let script = sign_in(server, &server.script(), "nova@example.com", chosen, "").await;
        assert_eq!(script.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            stdout(&latchkey(server, &["staff", "list"]).await).trim(),
            "no account holds a role"
        );
    }
);

mod audit;
