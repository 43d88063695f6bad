//! The `latchkey` server: configuration, storage, router, middleware, mail
//! delivery and periodic jobs. `main.rs` is only the command line.

// The app's view types, rendered here, nest deeper than the default allows
// (a form's children are typed, not boxed).
#![recursion_limit = "256"]

mod alerts;
pub mod cli;
pub mod config;
pub mod mailer;
mod middleware;
mod secret;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use app::ssr::{AppContext, CookiePolicy, LANG_COOKIE};
use app::{shell, App};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use http::header::SET_COOKIE;
use http::StatusCode;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use service::alerts::run_alert_delivery;
use service::mail::{run_delivery, Mailer};
use service::ports::Health;
use service::{Accounts, Alerts, Clock, Reviews, Staff, Support, SystemClock};
use store::SqlStore;
use tokio::net::TcpListener;

pub use config::Config;
use middleware::Guard;

/// Why the server could not start; each message names the setting to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("{0}")]
    Database(#[from] store::ConnectError),
    #[error("{setting}: {reason}")]
    Setting {
        setting: &'static str,
        reason: String,
    },
}

/// Largest request body accepted; every form is far smaller.
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024;

/// Opens the database and applies migrations.
pub async fn open_store(config: &Config) -> Result<SqlStore, StartError> {
    if let Some(path) = config.database_url.strip_prefix("sqlite://") {
        let file = path.split('?').next().unwrap_or(path);
        if let Some(parent) = std::path::Path::new(file)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).map_err(|e| StartError::Setting {
                setting: "DATABASE_URL",
                reason: format!("cannot create {}: {e}", parent.display()),
            })?;
        }
    }
    let store = store::connect(&config.database_url).await?;
    store.migrate().await?;
    Ok(store)
}

/// The staff use cases over the deployment's database and server key, for
/// the operators' CLI: no mailer, jobs or listener, so it runs beside a
/// serving instance. Like the server, it creates the database and the key
/// on first use (an operator may add the first member before any start).
pub async fn operator_services(config: &Config) -> Result<Staff, StartError> {
    Ok(Staff::new(operator_accounts(config).await?))
}

/// The access reviews over the deployment's database, for `latchkey
/// reviews tick` (beside a serving instance, like the others).
pub async fn review_services(config: &Config) -> Result<Reviews, StartError> {
    Ok(Reviews::new(operator_accounts(config).await?))
}

async fn operator_accounts(config: &Config) -> Result<Arc<Accounts>, StartError> {
    let store = open_store(config).await?;
    let key = secret::load_or_create(config)?;
    let accounts = Accounts::new(
        Arc::new(store),
        Arc::new(SystemClock),
        key,
        config.policy.clone(),
        config.public_url.as_str(),
    )
    .map_err(|e| StartError::Setting {
        setting: "LATCHKEY_ARGON2_*",
        reason: e.to_string(),
    })?;
    Ok(Arc::new(accounts))
}

/// The audit chain over the deployment's database, for the operators'
/// `latchkey audit` commands (beside a serving instance, like the others).
pub async fn audit_services(config: &Config) -> Result<service::audit::Audit, StartError> {
    let store = open_store(config).await?;
    Ok(service::audit::Audit::new(
        Arc::new(store),
        Arc::new(SystemClock),
    ))
}

fn mailer(config: &Config) -> Result<Arc<dyn Mailer>, StartError> {
    let from = config.mail_from.parse().map_err(|e| StartError::Setting {
        setting: "LATCHKEY_MAIL_FROM",
        reason: format!("not a mail address: {e}"),
    })?;
    Ok(match &config.smtp_url {
        Some(url) => {
            Arc::new(
                mailer::Smtp::new(url, from).map_err(|reason| StartError::Setting {
                    setting: "LATCHKEY_SMTP_URL",
                    reason,
                })?,
            )
        }
        None => Arc::new(
            mailer::FileOutbox::open(&config.outbox, from).map_err(|reason| {
                StartError::Setting {
                    setting: "LATCHKEY_MAIL_OUTBOX",
                    reason,
                }
            })?,
        ),
    })
}

#[derive(Clone)]
struct ServerState {
    leptos: LeptosOptions,
    store: SqlStore,
    cookies: CookiePolicy,
}

impl axum::extract::FromRef<ServerState> for LeptosOptions {
    fn from_ref(state: &ServerState) -> Self {
        state.leptos.clone()
    }
}

fn leptos_options(config: &Config) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(std::env::var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|_| "latchkey".to_owned()))
        .site_root(config.site_root.clone())
        .site_pkg_dir(PKG_DIR)
        .site_addr(config.site_addr)
        .hash_files(config.hash_file.is_some())
        .hash_file(
            config
                .hash_file
                .as_ref()
                .map(|path| path.display().to_string())
                .unwrap_or_else(|| "hash.txt".to_owned())
                .into(),
        )
        .build()
}

/// The stylesheet's path as the pages link it: with the hash the build
/// listed, when names are hashed.
fn stylesheet_href(config: &Config, options: &LeptosOptions) -> String {
    let hash = config
        .hash_file
        .as_ref()
        .and_then(|path| std::fs::read_to_string(path).ok())
        .and_then(|listing| {
            listing.lines().find_map(|line| {
                let (kind, hash) = line.split_once(':')?;
                (kind.trim() == "css").then(|| format!(".{}", hash.trim()))
            })
        })
        .unwrap_or_default();
    format!("/{PKG_DIR}/{}{hash}.css", options.output_name)
}

/// Where the bundle (WASM, JS, CSS) is served from, under the site root.
const PKG_DIR: &str = "pkg";

/// The bundle: the brotli or gzip file cargo-leptos wrote beside each one
/// when the browser takes it, and, when the names carry a content hash, a
/// year of caching (a new build has new names). A name that is not there
/// is a plain 404, never the app's page.
fn bundle_service(config: &Config) -> Router {
    let files =
        tower_http::services::ServeDir::new(std::path::Path::new(&config.site_root).join(PKG_DIR))
            .precompressed_br()
            .precompressed_gzip();
    let caching = if config.hash_file.is_some() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    Router::new().fallback_service(files).layer(
        tower_http::set_header::SetResponseHeaderLayer::overriding(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static(caching),
        ),
    )
}

/// Everything started and ready to accept connections.
pub struct Prepared {
    router: Router,
}

/// Builds the whole server from configuration: storage, key, mailer and
/// router, and starts the background jobs.
/// The app's routes, listed once per process. Listing them renders the app
/// with every resource load suppressed by a process-wide flag; a resource
/// that first polls while another instance in the same process lists its
/// routes would then never resolve (leptos-rs/leptos#4773). Listing once,
/// before any instance serves, keeps that window closed.
fn route_list() -> &'static [AxumRouteListing] {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App))
}

pub async fn prepare(config: Config) -> Result<Prepared, StartError> {
    let store = open_store(&config).await?;
    let key = secret::load_or_create(&config)?;
    let mailer = mailer(&config)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let repository = Arc::new(store.clone());
    let accounts = Arc::new(
        Accounts::new(
            repository.clone(),
            clock.clone(),
            key,
            config.policy.clone(),
            config.public_url.as_str(),
        )
        .map_err(|e| StartError::Setting {
            setting: "LATCHKEY_ARGON2_*",
            reason: e.to_string(),
        })?,
    );
    let senders = alerts::AlertSenders::new(
        config.alert_webhook.clone(),
        config.alert_mail_to.clone(),
        mailer.clone(),
        config.public_url.as_str(),
    )
    .map_err(|reason| StartError::Setting {
        setting: "LATCHKEY_ALERT_WEBHOOK_URL",
        reason,
    })?;
    tokio::spawn(run_alert_delivery(
        repository.clone(),
        Arc::new(senders),
        clock.clone(),
        config.alert_retry_secs,
        config.alert_max_attempts,
        Duration::from_millis(500),
    ));
    tokio::spawn(run_delivery(
        repository,
        mailer,
        clock,
        config.policy.mail_retry_secs,
        config.policy.mail_max_attempts,
        Duration::from_millis(500),
    ));
    tokio::spawn(purge_periodically(accounts.clone()));
    let reviews = Arc::new(Reviews::new(accounts.clone()));
    tokio::spawn(review_periodically(reviews.clone()));

    let cookies = CookiePolicy {
        secure: config.is_https(),
    };
    let leptos = leptos_options(&config);
    let guard = Guard {
        public_origin: config.public_origin().into(),
        public_host: config.public_host().into(),
        stylesheet: stylesheet_href(&config, &leptos).into(),
        https: config.is_https(),
        trusted_proxies: config.trusted_proxies.clone().into(),
        cookies,
        link_cookie_secs: config.policy.link_cookie_secs,
    };
    let routes = route_list().to_vec();
    let support = Arc::new(Support::new(accounts.clone()));
    let alert_list = Arc::new(Alerts::new(accounts.clone()));
    let context = AppContext {
        accounts,
        support,
        alerts: alert_list,
        reviews,
        cookies,
    };
    let stream_state = (
        context.clone(),
        Arc::<str>::from(config.public_url.as_str()),
    );
    let state = ServerState {
        leptos: leptos.clone(),
        store,
        cookies,
    };
    let provide = move || {
        provide_context(context.clone());
        provide_context(app::ssr::RequestUser::default());
    };
    let router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/lang/{tag}", get(set_language))
        .route(
            "/api/staff/alerts/stream",
            get(alerts::stream).with_state(stream_state),
        )
        .nest_service(&format!("/{PKG_DIR}"), bundle_service(&config))
        .leptos_routes_with_context(&state, routes, provide.clone(), {
            let leptos = leptos.clone();
            move || shell(leptos.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            ServerState,
            _,
        >(provide, shell))
        .with_state(state)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(middleware::limit_body))
        .layer(axum::middleware::from_fn_with_state(
            guard.clone(),
            middleware::move_link_token,
        ))
        .layer(axum::middleware::from_fn_with_state(
            guard.clone(),
            middleware::same_origin_only,
        ))
        .layer(axum::middleware::from_fn_with_state(
            guard.clone(),
            middleware::readable_errors,
        ))
        .layer(axum::middleware::from_fn_with_state(
            guard.clone(),
            middleware::shown_errors,
        ))
        .layer(axum::middleware::from_fn_with_state(
            guard.clone(),
            middleware::public_host_only,
        ))
        .layer(axum::middleware::from_fn_with_state(
            guard.clone(),
            middleware::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            guard,
            middleware::identify,
        ));
    Ok(Prepared { router })
}

impl Prepared {
    /// Serves until the process is asked to stop.
    pub async fn serve(self, listener: TcpListener) -> std::io::Result<()> {
        use axum::serve::ListenerExt;
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        // A page goes out in several writes as its parts resolve; with
        // Nagle's algorithm on, each later write waits for the client's
        // delayed acknowledgement of the one before (about 40 ms): the
        // activity page's p99 of 45 ms against a p50 of 3 ms.
        let listener = listener.tap_io(|connection| {
            if let Err(error) = connection.set_nodelay(true) {
                tracing::warn!(%error, "cannot turn Nagle's algorithm off on a connection");
            }
        });
        axum::serve(listener, service)
            .with_graceful_shutdown(shutdown_signal())
            .await
    }
}

async fn readyz(State(state): State<ServerState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(error) => {
            tracing::warn!(%error, "not ready: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

#[derive(serde::Deserialize)]
struct LanguageQuery {
    next: Option<String>,
}

/// `/lang/zh-CN?next=/account`: remembers the language and goes back.
async fn set_language(
    State(state): State<ServerState>,
    Path(tag): Path<String>,
    Query(query): Query<LanguageQuery>,
) -> Response {
    let back = query
        .next
        .as_deref()
        .and_then(domain::safe_local_path)
        .unwrap_or("/")
        .to_owned();
    let Some(locale) = domain::Locale::from_tag(&tag) else {
        return Redirect::to(&back).into_response();
    };
    let cookie = state
        .cookies
        .set(LANG_COOKIE, locale.tag(), Some(365 * 24 * 60 * 60), true);
    ([(SET_COOKIE, cookie)], Redirect::to(&back)).into_response()
}

async fn purge_periodically(accounts: Arc<Accounts>) {
    let mut interval = tokio::time::interval(Duration::from_secs(600));
    loop {
        interval.tick().await;
        if let Err(error) = accounts.purge_expired().await {
            tracing::warn!(%error, "purging expired rows failed; will retry");
        }
    }
}

/// Opens the next access review when it is due and raises the alerts of
/// overdue items. Every process runs it; the store lets only one open a
/// campaign, and an item's alert joins its open incident.
async fn review_periodically(reviews: Arc<Reviews>) {
    let mut interval = tokio::time::interval(Duration::from_secs(300));
    loop {
        interval.tick().await;
        if let Err(error) = reviews.tick().await {
            tracing::warn!(%error, "the access-review job failed; will retry");
        }
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
}
