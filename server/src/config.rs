//! Configuration from the environment. Every setting has a documented
//! default (README, "Configuration"); a bad value stops start-up with one
//! line naming the setting.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use domain::alert::{AlertPolicy, Threshold, WorkingHours};
use domain::review::ReviewPolicy;
use ipnet::IpNet;
use service::config::{Argon2Params, RateLimit};
use service::ports::AlertChannel;
use service::Policy;
use store::Backend;
use url::Url;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub site_addr: SocketAddr,
    /// The base of every link in mail; never derived from a request.
    pub public_url: Url,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub outbox: PathBuf,
    /// `None` with SQLite: generate `data/secret.key` on first start.
    pub secret_key_file: Option<PathBuf>,
    pub trusted_proxies: Vec<IpNet>,
    pub site_root: String,
    /// Set when the bundle's file names carry a content hash (cargo-leptos'
    /// `hash-files`): the file listing the hashes (`hash.txt` beside the
    /// binary), from which the pages name the files; `/pkg/` then answers
    /// with year-long immutable caching.
    pub hash_file: Option<PathBuf>,
    pub policy: Policy,
    /// Where new alerts are posted, signed, if anywhere.
    pub alert_webhook: Option<AlertWebhook>,
    /// Where new alerts are mailed, if anywhere.
    pub alert_mail_to: Option<String>,
    /// The first back-off of a failed alert delivery (doubled after each
    /// failure), and the attempts before it is given up.
    pub alert_retry_secs: i64,
    pub alert_max_attempts: i64,
}

/// The alert webhook: its URL and the secret its bodies are signed with.
/// Neither is ever logged (a URL may carry a token of its own).
#[derive(Clone)]
pub struct AlertWebhook {
    pub url: Url,
    pub secret: String,
}

impl std::fmt::Debug for AlertWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AlertWebhook { .. }")
    }
}

/// Shortest webhook secret accepted, in bytes.
const MIN_WEBHOOK_SECRET_BYTES: usize = 16;

/// A setting that cannot be used, with the reason.
#[derive(Debug, thiserror::Error)]
#[error("{setting}: {reason}")]
pub struct ConfigError {
    pub setting: &'static str,
    pub reason: String,
}

fn error(setting: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        setting,
        reason: reason.into(),
    }
}

/// Reads settings through a lookup function, so tests need not touch the
/// process environment.
pub struct Settings<F: Fn(&str) -> Option<String>>(pub F);

impl<F: Fn(&str) -> Option<String>> Settings<F> {
    fn text(&self, name: &'static str, default: &str) -> String {
        (self.0)(name)
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| default.to_owned())
    }

    fn parsed<T: FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match (self.0)(name).filter(|v| !v.trim().is_empty()) {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse()
                .map_err(|e| error(name, format!("cannot read {raw:?}: {e}"))),
        }
    }

    fn positive(&self, name: &'static str, default: i64) -> Result<i64, ConfigError> {
        let value = self.parsed(name, default)?;
        if value <= 0 {
            return Err(error(name, "must be a positive number"));
        }
        Ok(value)
    }

    fn limit(
        &self,
        name: &'static str,
        max: u32,
        window_secs: i64,
    ) -> Result<RateLimit, ConfigError> {
        Ok(RateLimit {
            max: self.parsed(name, max)?,
            window_secs,
        })
    }
}

pub fn from_env() -> Result<Config, ConfigError> {
    from_settings(&Settings(|name| std::env::var(name).ok()))
}

pub fn from_settings<F: Fn(&str) -> Option<String>>(
    env: &Settings<F>,
) -> Result<Config, ConfigError> {
    let database_url = env.text("DATABASE_URL", "sqlite://data/latchkey.db");
    let backend = Backend::from_url(&database_url)
        .ok_or_else(|| error("DATABASE_URL", "must start with sqlite:// or postgres://"))?;
    let site_addr = env.parsed("LEPTOS_SITE_ADDR", SocketAddr::from(([127, 0, 0, 1], 3000)))?;
    let public_url: Url = env.parsed(
        "LATCHKEY_PUBLIC_URL",
        Url::parse("http://localhost:3000").expect("valid default"),
    )?;
    if !matches!(public_url.scheme(), "http" | "https") || public_url.host_str().is_none() {
        return Err(error(
            "LATCHKEY_PUBLIC_URL",
            "must be an http:// or https:// URL with a host",
        ));
    }
    if public_url
        .host()
        .is_some_and(|h| matches!(h, url::Host::Ipv4(_) | url::Host::Ipv6(_)))
    {
        return Err(error(
            "LATCHKEY_PUBLIC_URL",
            "must name a host, not an IP address (WebAuthn refuses IP addresses)",
        ));
    }
    let secret_key_file = (env.0)("LATCHKEY_SECRET_KEY_FILE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    if backend == Backend::Postgres && secret_key_file.is_none() {
        return Err(error(
            "LATCHKEY_SECRET_KEY_FILE",
            "must be set with PostgreSQL, so that every instance shares one key",
        ));
    }
    let trusted_proxies = env
        .text("LATCHKEY_TRUSTED_PROXIES", "")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    error(
                        "LATCHKEY_TRUSTED_PROXIES",
                        format!("{entry:?} is not an address or CIDR"),
                    )
                })
        })
        .collect::<Result<_, _>>()?;

    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let defaults = Policy::default();
    let policy = Policy {
        argon2: Argon2Params {
            memory_kib: env.parsed("LATCHKEY_ARGON2_MEMORY_KIB", defaults.argon2.memory_kib)?,
            iterations: env.parsed("LATCHKEY_ARGON2_ITERATIONS", defaults.argon2.iterations)?,
            parallelism: env.parsed("LATCHKEY_ARGON2_PARALLELISM", defaults.argon2.parallelism)?,
        },
        // One core is left to everything else, so that pages stay quick
        // during a sign-in flood (on 2 cores, side by side, the activity
        // page's p99 went from 11-13 ms to 9 ms) and sign-ins queue longer.
        max_concurrent_hashes: env.parsed(
            "LATCHKEY_MAX_CONCURRENT_HASHES",
            cores.saturating_sub(1).max(1),
        )?,
        password: domain::PasswordPolicy {
            min_chars: env.parsed("LATCHKEY_PASSWORD_MIN_CHARS", defaults.password.min_chars)?,
            max_chars: defaults.password.max_chars,
            require_upper: env.parsed(
                "LATCHKEY_PASSWORD_REQUIRE_UPPER",
                defaults.password.require_upper,
            )?,
            require_lower: env.parsed(
                "LATCHKEY_PASSWORD_REQUIRE_LOWER",
                defaults.password.require_lower,
            )?,
            require_digit: env.parsed(
                "LATCHKEY_PASSWORD_REQUIRE_DIGIT",
                defaults.password.require_digit,
            )?,
            require_special: env.parsed(
                "LATCHKEY_PASSWORD_REQUIRE_SPECIAL",
                defaults.password.require_special,
            )?,
        },
        session: domain::SessionLifetime {
            idle_secs: env.positive("LATCHKEY_SESSION_IDLE_SECS", defaults.session.idle_secs)?,
            absolute_secs: env.positive(
                "LATCHKEY_SESSION_ABSOLUTE_SECS",
                defaults.session.absolute_secs,
            )?,
        },
        verification_link_secs: env.positive(
            "LATCHKEY_VERIFICATION_LINK_SECS",
            defaults.verification_link_secs,
        )?,
        reset_link_secs: env.positive("LATCHKEY_RESET_LINK_SECS", defaults.reset_link_secs)?,
        link_cookie_secs: defaults.link_cookie_secs,
        flash_secs: defaults.flash_secs,
        repeat_window_secs: env
            .positive("LATCHKEY_REPEAT_WINDOW_SECS", defaults.repeat_window_secs)?,
        sign_in_per_ip: env.limit(
            "LATCHKEY_SIGN_INS_PER_IP_PER_MINUTE",
            defaults.sign_in_per_ip.max,
            60,
        )?,
        registration_per_ip: env.limit(
            "LATCHKEY_REGISTRATIONS_PER_IP_PER_HOUR",
            defaults.registration_per_ip.max,
            3600,
        )?,
        resend_per_account: env.limit(
            "LATCHKEY_RESENDS_PER_ACCOUNT_PER_HOUR",
            defaults.resend_per_account.max,
            3600,
        )?,
        resend_per_ip: env.limit(
            "LATCHKEY_RESENDS_PER_IP_PER_HOUR",
            defaults.resend_per_ip.max,
            3600,
        )?,
        reset_per_ip: env.limit(
            "LATCHKEY_RESETS_PER_IP_PER_HOUR",
            defaults.reset_per_ip.max,
            3600,
        )?,
        reset_per_address: env.limit(
            "LATCHKEY_RESETS_PER_ADDRESS_PER_HOUR",
            defaults.reset_per_address.max,
            3600,
        )?,
        reset_per_address_global: env.limit(
            "LATCHKEY_RESETS_PER_ADDRESS_ALL_REQUESTERS_PER_HOUR",
            defaults.reset_per_address_global.max,
            3600,
        )?,
        reset_code_attempts: env
            .parsed("LATCHKEY_RESET_CODE_ATTEMPTS", defaults.reset_code_attempts)?,
        max_concurrent_stranger_sign_ins: env.parsed(
            "LATCHKEY_MAX_CONCURRENT_STRANGER_SIGN_INS",
            defaults.max_concurrent_stranger_sign_ins,
        )?,
        sign_in_per_account: env.limit(
            "LATCHKEY_SIGN_INS_PER_ACCOUNT_PER_HOUR",
            defaults.sign_in_per_account.max,
            3600,
        )?,
        account_changes_per_account: env.limit(
            "LATCHKEY_ACCOUNT_CHANGES_PER_HOUR",
            defaults.account_changes_per_account.max,
            3600,
        )?,
        lockout: domain::LockoutPolicy {
            max_failures: env.parsed("LATCHKEY_LOCKOUT_FAILURES", defaults.lockout.max_failures)?,
            lock_secs: env.positive("LATCHKEY_LOCKOUT_SECS", defaults.lockout.lock_secs)?,
            failure_memory_secs: env.positive(
                "LATCHKEY_LOCKOUT_FAILURE_MEMORY_SECS",
                defaults.lockout.failure_memory_secs,
            )?,
        },
        password_history: env.parsed("LATCHKEY_PASSWORD_HISTORY", defaults.password_history)?,
        customer_password_max_age_days: match env
            .parsed::<i64>("LATCHKEY_CUSTOMER_PASSWORD_MAX_AGE_DAYS", 0)?
        {
            0 => None,
            days if days > 0 => Some(days),
            _ => {
                return Err(error(
                    "LATCHKEY_CUSTOMER_PASSWORD_MAX_AGE_DAYS",
                    "must be 0 (off) or a positive number of days",
                ))
            }
        },
        staff_password_max_age_days: match env.parsed::<i64>(
            "LATCHKEY_STAFF_PASSWORD_MAX_AGE_DAYS",
            defaults.staff_password_max_age_days.unwrap_or(0),
        )? {
            0 => None,
            days if days > 0 => Some(days),
            _ => {
                return Err(error(
                    "LATCHKEY_STAFF_PASSWORD_MAX_AGE_DAYS",
                    "must be 0 (off) or a positive number of days",
                ))
            }
        },
        staff_session_idle_secs: env.positive(
            "LATCHKEY_STAFF_SESSION_IDLE_SECS",
            defaults.staff_session_idle_secs,
        )?,
        impersonation_secs: env
            .positive("LATCHKEY_IMPERSONATION_SECS", defaults.impersonation_secs)?,
        notify_impersonation: env.parsed(
            "LATCHKEY_NOTIFY_IMPERSONATION",
            defaults.notify_impersonation,
        )?,
        invite_link_secs: defaults.invite_link_secs,
        unlock_link_secs: defaults.unlock_link_secs,
        report_link_secs: defaults.report_link_secs,
        email_change_link_secs: defaults.email_change_link_secs,
        device_cookie_secs: defaults.device_cookie_secs,
        deletion_grace_secs: env
            .positive("LATCHKEY_DELETION_GRACE_SECS", defaults.deletion_grace_secs)?,
        reauth_secs: env.positive("LATCHKEY_REAUTH_SECS", defaults.reauth_secs)?,
        totp_issuer: env.text("LATCHKEY_TOTP_ISSUER", &defaults.totp_issuer),
        mail_max_attempts: defaults.mail_max_attempts,
        mail_retry_secs: defaults.mail_retry_secs,
        mail_retention_secs: env.parsed::<i64>(
            "LATCHKEY_MAIL_RETENTION_DAYS",
            defaults.mail_retention_secs / 86_400,
        )? * 86_400,
        pending_totp_secs: defaults.pending_totp_secs,
        alerts: alert_policy(env)?,
        alert_zone: {
            let zone = env.text("LATCHKEY_ALERT_TIME_ZONE", "UTC");
            zone.parse::<chrono_tz::Tz>().map_err(|_| {
                error(
                    "LATCHKEY_ALERT_TIME_ZONE",
                    format!("{zone:?} is not an IANA time zone (such as Europe/Berlin)"),
                )
            })?
        },
        alert_channels: Vec::new(),
        reviews: review_policy(env)?,
    };
    if policy.reset_code_attempts == 0 {
        return Err(error("LATCHKEY_RESET_CODE_ATTEMPTS", "must be at least 1"));
    }
    if policy.max_concurrent_stranger_sign_ins == 0 {
        return Err(error(
            "LATCHKEY_MAX_CONCURRENT_STRANGER_SIGN_INS",
            "must be at least 1",
        ));
    }
    if policy.mail_retention_secs < 0 {
        return Err(error("LATCHKEY_MAIL_RETENTION_DAYS", "must be 0 or more"));
    }
    if policy.password.min_chars < 8 {
        return Err(error("LATCHKEY_PASSWORD_MIN_CHARS", "must be at least 8"));
    }

    let alert_webhook = match (env.0)("LATCHKEY_ALERT_WEBHOOK_URL").filter(|v| !v.trim().is_empty())
    {
        None => None,
        Some(raw) => {
            let url = Url::parse(raw.trim())
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
                .ok_or_else(|| {
                    error(
                        "LATCHKEY_ALERT_WEBHOOK_URL",
                        "must be an http:// or https:// URL",
                    )
                })?;
            let secret = (env.0)("LATCHKEY_ALERT_WEBHOOK_SECRET").unwrap_or_default();
            if secret.len() < MIN_WEBHOOK_SECRET_BYTES {
                return Err(error(
                    "LATCHKEY_ALERT_WEBHOOK_SECRET",
                    format!("must be set to at least {MIN_WEBHOOK_SECRET_BYTES} bytes with LATCHKEY_ALERT_WEBHOOK_URL"),
                ));
            }
            Some(AlertWebhook { url, secret })
        }
    };
    let alert_mail_to = match (env.0)("LATCHKEY_ALERT_MAIL_TO").filter(|v| !v.trim().is_empty()) {
        None => None,
        Some(raw) => Some(
            domain::Email::parse(&raw)
                .map_err(|_| error("LATCHKEY_ALERT_MAIL_TO", "must be one mail address"))?
                .as_str()
                .to_owned(),
        ),
    };
    let mut policy = policy;
    policy.alert_channels = [
        alert_webhook.as_ref().map(|_| AlertChannel::Webhook),
        alert_mail_to.as_ref().map(|_| AlertChannel::Mail),
    ]
    .into_iter()
    .flatten()
    .collect();

    let smtp_url = (env.0)("LATCHKEY_SMTP_URL").filter(|v| !v.is_empty());
    if let Some(url) = &smtp_url {
        Url::parse(url).map_err(|e| error("LATCHKEY_SMTP_URL", format!("not a valid URL: {e}")))?;
    }
    Ok(Config {
        database_url,
        site_addr,
        public_url,
        smtp_url,
        mail_from: env.text("LATCHKEY_MAIL_FROM", "Latchkey <no-reply@localhost>"),
        outbox: PathBuf::from(env.text("LATCHKEY_MAIL_OUTBOX", "data/outbox")),
        secret_key_file,
        trusted_proxies,
        site_root: env.text("LEPTOS_SITE_ROOT", "target/site"),
        hash_file: hash_file(env)?,
        policy,
        alert_webhook,
        alert_mail_to,
        alert_retry_secs: env.positive("LATCHKEY_ALERT_RETRY_SECS", 30)?,
        alert_max_attempts: env.positive("LATCHKEY_ALERT_MAX_ATTEMPTS", 12)?,
    })
}

/// The detection rules' thresholds (README, "Detection and alerts").
fn alert_policy<F: Fn(&str) -> Option<String>>(
    env: &Settings<F>,
) -> Result<AlertPolicy, ConfigError> {
    let defaults = AlertPolicy::default();
    let threshold = |count: &'static str, window: &'static str, default: Threshold| {
        Ok::<_, ConfigError>(Threshold {
            count: env.parsed(count, default.count)?,
            window_secs: env.positive(window, default.window_secs)?,
        })
    };
    let seconds = |name: &'static str, default: i64| {
        let value = env.parsed(name, default)?;
        if value < 0 {
            return Err(error(
                name,
                "must be 0 (off) or a positive number of seconds",
            ));
        }
        Ok(value)
    };
    let hours = env.text("LATCHKEY_ALERT_WORKING_HOURS", "Mon-Fri 08:00-18:00");
    Ok(AlertPolicy {
        account_failures: threshold(
            "LATCHKEY_ALERT_ACCOUNT_FAILURES",
            "LATCHKEY_ALERT_ACCOUNT_FAILURES_WINDOW_SECS",
            defaults.account_failures,
        )?,
        network_addresses: threshold(
            "LATCHKEY_ALERT_NETWORK_ADDRESSES",
            "LATCHKEY_ALERT_NETWORK_ADDRESSES_WINDOW_SECS",
            defaults.network_addresses,
        )?,
        reset_new_device_secs: seconds(
            "LATCHKEY_ALERT_RESET_NEW_DEVICE_SECS",
            defaults.reset_new_device_secs,
        )?,
        network_hop_secs: seconds("LATCHKEY_ALERT_NETWORK_HOP_SECS", defaults.network_hop_secs)?,
        support_views: threshold(
            "LATCHKEY_ALERT_SUPPORT_VIEWS",
            "LATCHKEY_ALERT_SUPPORT_VIEWS_WINDOW_SECS",
            defaults.support_views,
        )?,
        working_hours: if hours.trim().eq_ignore_ascii_case("off") {
            None
        } else {
            Some(WorkingHours::parse(&hours).ok_or_else(|| {
                error(
                    "LATCHKEY_ALERT_WORKING_HOURS",
                    format!("cannot read {hours:?}: write days and hours like \"Mon-Fri 08:00-18:00\", or \"off\""),
                )
            })?)
        },
    })
}

/// The access reviews' periods, in days.
fn review_policy<F: Fn(&str) -> Option<String>>(
    env: &Settings<F>,
) -> Result<ReviewPolicy, ConfigError> {
    let defaults = ReviewPolicy::default();
    let every_days = env.parsed("LATCHKEY_REVIEW_EVERY_DAYS", defaults.every_days)?;
    if every_days < 0 {
        return Err(error(
            "LATCHKEY_REVIEW_EVERY_DAYS",
            "must be 0 (off) or a positive number of days",
        ));
    }
    Ok(ReviewPolicy {
        every_days,
        due_days: env.positive("LATCHKEY_REVIEW_DUE_DAYS", defaults.due_days)?,
        unused_days: env.positive("LATCHKEY_REVIEW_UNUSED_DAYS", defaults.unused_days)?,
        training_valid_days: env
            .positive("LATCHKEY_TRAINING_VALID_DAYS", defaults.training_valid_days)?,
    })
}

/// The hash listing of a build with hashed file names: cargo-leptos writes
/// `hash.txt` beside the binary (`LEPTOS_HASH_FILE_NAME` names another file,
/// relative to the binary's folder or absolute). `LEPTOS_HASH_FILES` says
/// whether names are hashed; by default, whether the listing is there.
fn hash_file<F: Fn(&str) -> Option<String>>(
    env: &Settings<F>,
) -> Result<Option<PathBuf>, ConfigError> {
    let name = env.text("LEPTOS_HASH_FILE_NAME", "hash.txt");
    let path = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(&name)))
        .unwrap_or_else(|| PathBuf::from(&name));
    let hashed = env.parsed("LEPTOS_HASH_FILES", path.is_file())?;
    if hashed && !path.is_file() {
        return Err(error(
            "LEPTOS_HASH_FILES",
            format!(
                "hashed file names need {}, which is missing",
                path.display()
            ),
        ));
    }
    Ok(hashed.then_some(path))
}

impl Config {
    /// `scheme://host[:port]`, what a browser sends as `Origin`.
    pub fn public_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }

    /// `host[:port]` of the public URL, as a browser sends it in `Host`
    /// (no port when it is the scheme's default).
    pub fn public_host(&self) -> String {
        let host = self.public_url.host_str().unwrap_or_default();
        match self.public_url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }

    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        from_settings(&Settings(move |name| map.get(name).cloned()))
    }

    #[test]
    fn defaults_are_the_embedded_set_up() {
        let config = config(&[]).unwrap();
        assert_eq!(config.database_url, "sqlite://data/latchkey.db");
        assert_eq!(config.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(config.public_origin(), "http://localhost:3000");
        assert_eq!(config.outbox, PathBuf::from("data/outbox"));
        assert!(!config.is_https());
        assert_eq!(config.policy.argon2, Argon2Params::default());
        assert_eq!(config.policy.staff_password_max_age_days, Some(90));
        assert_eq!(config.policy.staff_session_idle_secs, 900);
        assert_eq!(config.policy.impersonation_secs, 900);
        assert!(config.policy.notify_impersonation);
        assert_eq!(config.policy.customer_password_max_age_days, None);
    }

    #[test]
    fn staff_password_age_can_be_turned_off() {
        let off = config(&[("LATCHKEY_STAFF_PASSWORD_MAX_AGE_DAYS", "0")]).unwrap();
        assert_eq!(off.policy.staff_password_max_age_days, None);
        let month = config(&[("LATCHKEY_STAFF_PASSWORD_MAX_AGE_DAYS", "30")]).unwrap();
        assert_eq!(month.policy.staff_password_max_age_days, Some(30));
    }

    #[test]
    fn errors_name_the_setting() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("DATABASE_URL", "mysql://x")], "DATABASE_URL"),
            (
                &[("LATCHKEY_PUBLIC_URL", "not a url")],
                "LATCHKEY_PUBLIC_URL",
            ),
            (
                &[("LATCHKEY_PUBLIC_URL", "http://127.0.0.1:3000")],
                "LATCHKEY_PUBLIC_URL",
            ),
            (&[("LEPTOS_SITE_ADDR", "localhost")], "LEPTOS_SITE_ADDR"),
            (
                &[("LATCHKEY_TRUSTED_PROXIES", "10.0.0.0/8, nope")],
                "LATCHKEY_TRUSTED_PROXIES",
            ),
            (
                &[("DATABASE_URL", "postgres://localhost/db")],
                "LATCHKEY_SECRET_KEY_FILE",
            ),
            (
                &[("LATCHKEY_SESSION_IDLE_SECS", "0")],
                "LATCHKEY_SESSION_IDLE_SECS",
            ),
            (&[("LATCHKEY_SMTP_URL", "::")], "LATCHKEY_SMTP_URL"),
            (
                &[("LATCHKEY_STAFF_PASSWORD_MAX_AGE_DAYS", "-1")],
                "LATCHKEY_STAFF_PASSWORD_MAX_AGE_DAYS",
            ),
            (
                &[("LATCHKEY_STAFF_SESSION_IDLE_SECS", "0")],
                "LATCHKEY_STAFF_SESSION_IDLE_SECS",
            ),
            (
                &[("LATCHKEY_ALERT_WEBHOOK_URL", "https://hooks.example.com/x")],
                "LATCHKEY_ALERT_WEBHOOK_SECRET",
            ),
            (
                &[("LATCHKEY_ALERT_WEBHOOK_URL", "ftp://hooks.example.com/x")],
                "LATCHKEY_ALERT_WEBHOOK_URL",
            ),
            (
                &[("LATCHKEY_ALERT_MAIL_TO", "not an address")],
                "LATCHKEY_ALERT_MAIL_TO",
            ),
            (
                &[("LATCHKEY_ALERT_WORKING_HOURS", "weekdays")],
                "LATCHKEY_ALERT_WORKING_HOURS",
            ),
            (
                &[("LATCHKEY_ALERT_TIME_ZONE", "Mars/Olympus")],
                "LATCHKEY_ALERT_TIME_ZONE",
            ),
            (
                &[("LATCHKEY_ALERT_NETWORK_HOP_SECS", "-1")],
                "LATCHKEY_ALERT_NETWORK_HOP_SECS",
            ),
            (
                &[("LATCHKEY_REVIEW_EVERY_DAYS", "-1")],
                "LATCHKEY_REVIEW_EVERY_DAYS",
            ),
            (
                &[("LATCHKEY_REVIEW_DUE_DAYS", "0")],
                "LATCHKEY_REVIEW_DUE_DAYS",
            ),
            (
                &[("LATCHKEY_TRAINING_VALID_DAYS", "soon")],
                "LATCHKEY_TRAINING_VALID_DAYS",
            ),
        ];
        for (pairs, setting) in cases {
            let err = config(pairs).unwrap_err();
            assert_eq!(err.setting, *setting, "{err}");
        }
    }

    #[test]
    fn alerts_go_where_they_are_configured_and_the_secret_stays_out_of_debug() {
        let quiet = config(&[]).unwrap();
        assert!(quiet.policy.alert_channels.is_empty());
        assert_eq!(quiet.policy.alerts, AlertPolicy::default());
        assert_eq!(quiet.policy.reviews, ReviewPolicy::default());
        let both = config(&[
            ("LATCHKEY_ALERT_WEBHOOK_URL", "https://hooks.example.com/x"),
            ("LATCHKEY_ALERT_WEBHOOK_SECRET", "a-long-enough-secret"),
            ("LATCHKEY_ALERT_MAIL_TO", "SOC@example.com"),
            ("LATCHKEY_ALERT_WORKING_HOURS", "off"),
            ("LATCHKEY_ALERT_TIME_ZONE", "Asia/Shanghai"),
        ])
        .unwrap();
        assert_eq!(
            both.policy.alert_channels,
            [AlertChannel::Webhook, AlertChannel::Mail]
        );
        assert_eq!(both.alert_mail_to.as_deref(), Some("soc@example.com"));
        assert_eq!(both.policy.alerts.working_hours, None);
        assert_eq!(both.policy.alert_zone, chrono_tz::Tz::Asia__Shanghai);
        assert!(!format!("{both:?}").contains("a-long-enough-secret"));
    }

    #[test]
    fn trusted_proxies_take_addresses_and_networks() {
        let config = config(&[("LATCHKEY_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7")]).unwrap();
        assert_eq!(config.trusted_proxies.len(), 2);
    }
}
