//! `latchkey [serve]` runs the portal; `latchkey migrate` only applies
//! migrations; `latchkey staff …`, `latchkey roles`, `latchkey audit …` and
//! `latchkey reviews tick` are the operators' commands (see `server::cli`).

// The app's view types are laid out here too (see the library's limit).
#![recursion_limit = "256"]

use std::process::ExitCode;

use clap::Parser;
use server::cli::{Cli, Command};
use tracing_subscriber::EnvFilter;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    let operator = matches!(
        command,
        Command::Staff(_) | Command::Roles | Command::Audit(_) | Command::Reviews(_)
    );
    // An operator's command prints its answer on standard output (a new
    // member's link last); its log goes to standard error, warnings only.
    let default_filter = if operator { "warn" } else { "info,sqlx=warn" };
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter)),
        )
        .with_ansi(false);
    if operator {
        logs.with_writer(std::io::stderr).init();
    } else {
        logs.init();
    }
    let outcome = match command {
        Command::Serve => serve().await,
        Command::Migrate => migrate().await,
        Command::Staff(staff_command) => {
            operate(|staff| async move { server::cli::run_staff(&staff, staff_command).await })
                .await
        }
        Command::Roles => {
            operate(|staff| async move { server::cli::run_roles(&staff).await }).await
        }
        Command::Audit(audit_command) => return audit(audit_command).await,
        Command::Reviews(reviews_command) => reviews(reviews_command).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("latchkey: {message}");
            ExitCode::from(2)
        }
    }
}

async fn serve() -> Result<(), String> {
    let config = server::config::from_env().map_err(|e| e.to_string())?;
    let address = config.site_addr;
    let public = config.public_url.to_string();
    let prepared = server::prepare(config).await.map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| format!("LEPTOS_SITE_ADDR: cannot listen on {address}: {e}"))?;
    tracing::info!(%address, %public, "Latchkey is listening");
    prepared
        .serve(listener)
        .await
        .map_err(|e| format!("server stopped: {e}"))
}

async fn migrate() -> Result<(), String> {
    let config = server::config::from_env().map_err(|e| e.to_string())?;
    server::open_store(&config)
        .await
        .map_err(|e| e.to_string())?;
    println!("migrations applied");
    Ok(())
}

/// Runs an audit command: exit 0 with its answer, 1 when the chain is
/// broken (the answer names the first entry that fails), 2 on a refusal.
async fn audit(command: server::cli::AuditCommand) -> ExitCode {
    let answer = async {
        let config = server::config::from_env().map_err(|e| e.to_string())?;
        let audit = server::audit_services(&config)
            .await
            .map_err(|e| e.to_string())?;
        server::cli::run_audit(&audit, command).await
    };
    match answer.await {
        Ok(server::cli::AuditAnswer::Done(text)) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Ok(server::cli::AuditAnswer::Broken(text)) => {
            println!("{text}");
            ExitCode::from(1)
        }
        Err(message) => {
            eprintln!("latchkey: {message}");
            ExitCode::from(2)
        }
    }
}

/// Runs a reviews command and prints its answer.
async fn reviews(command: server::cli::ReviewsCommand) -> Result<(), String> {
    let config = server::config::from_env().map_err(|e| e.to_string())?;
    let reviews = server::review_services(&config)
        .await
        .map_err(|e| e.to_string())?;
    println!("{}", server::cli::run_reviews(&reviews, command).await?);
    Ok(())
}

/// Runs an operator's command against the deployment the environment
/// names, and prints its answer.
async fn operate<F, Fut>(command: F) -> Result<(), String>
where
    F: FnOnce(service::Staff) -> Fut,
    Fut: std::future::Future<Output = Result<String, String>>,
{
    let config = server::config::from_env().map_err(|e| e.to_string())?;
    let staff = server::operator_services(&config)
        .await
        .map_err(|e| e.to_string())?;
    println!("{}", command(staff).await?);
    Ok(())
}
