//! Latchkey's rules and typed values.
//!
//! Nothing here knows about HTTP, databases, async runtimes or the UI, so every
//! rule can be unit-tested on its own and the browser can reuse the same
//! validation the server enforces.

pub mod activity;
pub mod age;
pub mod alert;
pub mod audit;
pub mod email;
pub mod ids;
pub mod locale;
pub mod lockout;
pub mod mfa;
pub mod name;
pub mod network;
pub mod passkey;
pub mod password;
pub mod reason;
pub mod redirect;
pub mod review;
pub mod role;
pub mod session;
pub mod support_view;
pub mod text;
pub mod user_agent;

pub use activity::ActivityKind;
pub use age::Age;
pub use alert::{AlertPolicy, AlertRule};
pub use email::{Email, EmailError};
pub use ids::UserId;
pub use locale::Locale;
pub use lockout::{FailureCount, LockoutPolicy};
pub use mfa::SecondFactorInput;
pub use name::{DisplayName, NameError};
pub use passkey::PasskeyKind;
pub use password::{Letters, PasswordPolicy, PolicyIssue};
pub use reason::{Reason, ReasonError};
pub use redirect::safe_local_path;
pub use role::{Permission, Permissions, RoleCatalog, RoleDefinition, RoleError};
pub use session::SessionLifetime;
pub use support_view::ViewWindow;
pub use user_agent::{describe_user_agent, AgentDescriber};
