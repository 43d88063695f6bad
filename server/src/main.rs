//! `latchkey [serve]` runs the portal; `latchkey migrate` only applies migrations.

use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_ansi(false)
        .init();
    let command = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "serve".to_owned());
    let outcome = match command.as_str() {
        "serve" => serve().await,
        "migrate" => migrate().await,
        "help" | "--help" | "-h" => {
            println!("usage: latchkey [serve|migrate]\nConfiguration comes from the environment; see README.md.");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}; try `latchkey --help`")),
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
