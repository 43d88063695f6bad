use domain::{PasswordPolicy, SessionLifetime};

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
    pub sign_in_per_ip: RateLimit,
    pub registration_per_ip: RateLimit,
    pub resend_per_account: RateLimit,
    pub resend_per_ip: RateLimit,
    pub reset_per_ip: RateLimit,
    pub reset_per_address: RateLimit,
    /// Mail delivery: attempts before a message is given up, and the first
    /// back-off (doubled after each failure).
    pub mail_max_attempts: i64,
    pub mail_retry_secs: i64,
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
            mail_max_attempts: 8,
            mail_retry_secs: 30,
        }
    }
}
