use domain::{AlertPolicy, LockoutPolicy, PasswordPolicy, SessionLifetime};

use crate::ports::AlertChannel;

/// argon2id cost. The defaults are OWASP's recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Params {
    fn default() -> Self {
        Argon2Params {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// A fixed-window limit: at most `max` events per `window_secs` for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub max: u32,
    pub window_secs: i64,
}

/// Every tunable rule of the use cases, with documented defaults
/// (README, "Configuration"). The server fills it from the environment.
#[derive(Debug, Clone)]
pub struct Policy {
    pub argon2: Argon2Params,
    /// How many hashes may run at once; more wait. Bounds memory under a flood.
    pub max_concurrent_hashes: usize,
    pub password: PasswordPolicy,
    pub session: SessionLifetime,
    pub verification_link_secs: i64,
    pub reset_link_secs: i64,
    /// Tokens in mail links are moved into a cookie that lives this long.
    pub link_cookie_secs: i64,
    pub flash_secs: i64,
    /// A request that mails a link, repeated within this long (a double
    /// tap), is answered like the first and does nothing more; 0 lets
    /// every repeat through.
    pub repeat_window_secs: i64,
    pub sign_in_per_ip: RateLimit,
    pub registration_per_ip: RateLimit,
    pub resend_per_account: RateLimit,
    pub resend_per_ip: RateLimit,
    pub reset_per_ip: RateLimit,
    /// Reset requests for one address from one requester (IP or /64).
    pub reset_per_address: RateLimit,
    /// Reset requests for one address from everyone together: looser, so
    /// that a stranger's requests cannot use up the owner's.
    pub reset_per_address_global: RateLimit,
    /// Wrong second-factor entries one reset link survives; the next uses it up.
    pub reset_code_attempts: u32,
    /// Sign-ins from browsers unknown to the account that may wait for a
    /// hash at once, over every address: more get "busy", so that a flood
    /// from many addresses cannot starve the owners' known browsers.
    pub max_concurrent_stranger_sign_ins: usize,
    /// Sign-in attempts per address typed, from browsers that never signed
    /// in to that account (slows guessing without locking the owner out).
    pub sign_in_per_account: RateLimit,
    /// Password and email changes, deletions: per account.
    pub account_changes_per_account: RateLimit,
    pub lockout: LockoutPolicy,
    /// How many recent passwords (the current one included) a change may not reuse.
    pub password_history: u32,
    /// Days after which a customer's password must be changed; `None` is never.
    pub customer_password_max_age_days: Option<i64>,
    /// The same for staff (accounts holding a role); `None` is never.
    pub staff_password_max_age_days: Option<i64>,
    /// Staff sessions end after this long without a request (besides the
    /// general idle and absolute limits in `session`).
    pub staff_session_idle_secs: i64,
    /// How long a support view of a customer's portal lasts at most.
    pub impersonation_secs: i64,
    /// Whether the customer is mailed when a support view of their account starts.
    pub notify_impersonation: bool,
    /// The single-use link an invited staff member sets a password with.
    pub invite_link_secs: i64,
    pub unlock_link_secs: i64,
    /// "This wasn't me" links in new-device and email-changed mail.
    pub report_link_secs: i64,
    pub email_change_link_secs: i64,
    /// The device cookie that exempts a known browser from the account lock.
    pub device_cookie_secs: i64,
    /// Time between a deletion request and the erasure; signing in cancels.
    pub deletion_grace_secs: i64,
    /// How long a re-authentication (or a sign-in) allows sensitive changes.
    pub reauth_secs: i64,
    /// The issuer an authenticator app shows next to the account.
    pub totp_issuer: String,
    /// Mail delivery: attempts before a message is given up, and the first
    /// back-off (doubled after each failure).
    pub mail_max_attempts: i64,
    pub mail_retry_secs: i64,
    /// Delivered and abandoned mail is deleted this long after (its body,
    /// which may hold a live link, is blanked at once).
    pub mail_retention_secs: i64,
    /// An authenticator app set up but not confirmed is forgotten after this.
    pub pending_totp_secs: i64,
    /// The detection rules' thresholds.
    pub alerts: AlertPolicy,
    /// The zone the working hours of the off-hours rule are in.
    pub alert_zone: chrono_tz::Tz,
    /// Where a new alert is delivered besides the console (none: the
    /// console only).
    pub alert_channels: Vec<AlertChannel>,
    /// Access reviews: their period, due date, unused grants and training.
    pub reviews: domain::review::ReviewPolicy,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            argon2: Argon2Params::default(),
            max_concurrent_hashes: 2,
            password: PasswordPolicy::default(),
            session: SessionLifetime::default(),
            verification_link_secs: 24 * 60 * 60,
            reset_link_secs: 30 * 60,
            link_cookie_secs: 10 * 60,
            flash_secs: 5 * 60,
            repeat_window_secs: 10,
            sign_in_per_ip: RateLimit {
                max: 30,
                window_secs: 60,
            },
            registration_per_ip: RateLimit {
                max: 10,
                window_secs: 60 * 60,
            },
            resend_per_account: RateLimit {
                max: 3,
                window_secs: 60 * 60,
            },
            resend_per_ip: RateLimit {
                max: 10,
                window_secs: 60 * 60,
            },
            reset_per_ip: RateLimit {
                max: 10,
                window_secs: 60 * 60,
            },
            reset_per_address: RateLimit {
                max: 3,
                window_secs: 60 * 60,
            },
            reset_per_address_global: RateLimit {
                max: 20,
                window_secs: 60 * 60,
            },
            reset_code_attempts: 5,
            max_concurrent_stranger_sign_ins: 32,
            sign_in_per_account: RateLimit {
                max: 20,
                window_secs: 60 * 60,
            },
            account_changes_per_account: RateLimit {
                max: 10,
                window_secs: 60 * 60,
            },
            lockout: LockoutPolicy::default(),
            password_history: 5,
            customer_password_max_age_days: None,
            staff_password_max_age_days: Some(90),
            staff_session_idle_secs: 15 * 60,
            impersonation_secs: 15 * 60,
            notify_impersonation: true,
            invite_link_secs: 24 * 60 * 60,
            unlock_link_secs: 24 * 60 * 60,
            report_link_secs: 7 * 24 * 60 * 60,
            email_change_link_secs: 24 * 60 * 60,
            device_cookie_secs: 365 * 24 * 60 * 60,
            deletion_grace_secs: 14 * 24 * 60 * 60,
            reauth_secs: 5 * 60,
            totp_issuer: "Latchkey".to_owned(),
            mail_max_attempts: 8,
            mail_retry_secs: 30,
            mail_retention_secs: 7 * 24 * 60 * 60,
            pending_totp_secs: 10 * 60,
            alerts: AlertPolicy::default(),
            alert_zone: chrono_tz::Tz::UTC,
            alert_channels: Vec::new(),
            reviews: domain::review::ReviewPolicy::default(),
        }
    }
}
