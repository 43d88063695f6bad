//! Latchkey's use cases: registration, sign-in, sessions, verification, and
//! the delivery of queued mail. Server-only; no HTTP or database types: the
//! storage is reached through the ports in [`ports`], implemented by `store`.

pub mod accounts;
pub mod alerts;
pub mod audit;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod csv;
pub mod error;
pub mod mail;
pub mod mfa;
pub mod passkeys;
pub mod password;
pub mod ports;
pub mod privacy;
pub mod reviews;
pub mod security;
pub mod staff;
pub mod support;
pub mod time_format;
pub mod totp;

pub use accounts::{Accounts, ClientInfo};
pub use alerts::Alerts;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Policy;
pub use crypto::ServerKey;
pub use error::{FieldIssue, ServiceError};
pub use reviews::Reviews;
pub use staff::{Actor, Staff};
pub use support::{Support, SupportAction};
