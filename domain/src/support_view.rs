//! The support view: a staff member sees a customer's portal as the
//! customer sees it, read-only and for a limited time, inside the staff
//! member's own session.

use crate::role::{Permission, Permissions};

/// All a request may do on the customer's account while a view runs: read.
/// Every other permission (the customer's changes, and the staff member's
/// own console) is refused until the view ends.
pub fn view_permissions() -> Permissions {
    [Permission::OwnView].into_iter().collect()
}

/// When a view started and until when it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewWindow {
    pub started_at: i64,
    pub expires_at: i64,
    /// Set when "End view" (or signing out) ended it early.
    pub ended_at: Option<i64>,
}

impl ViewWindow {
    /// A view starting now and lasting `length_secs`.
    pub fn starting(now_ms: i64, length_secs: i64) -> ViewWindow {
        ViewWindow {
            started_at: now_ms,
            expires_at: now_ms + length_secs.max(0) * 1000,
            ended_at: None,
        }
    }

    pub fn is_live(&self, now_ms: i64) -> bool {
        self.ended_at.is_none() && now_ms < self.expires_at
    }

    /// When the view stopped (or will stop, if it still runs): ending
    /// early or the expiry, whichever came first.
    pub fn ends_at(&self) -> i64 {
        self.ended_at
            .map_or(self.expires_at, |ended| ended.min(self.expires_at))
    }

    /// Whole seconds left, 0 once it stopped.
    pub fn seconds_left(&self, now_ms: i64) -> i64 {
        if self.is_live(now_ms) {
            (self.expires_at - now_ms + 999) / 1000
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_only_reads() {
        let allowed = view_permissions();
        assert!(allowed.contains(&Permission::OwnView));
        for permission in Permission::ALL {
            if permission != Permission::OwnView {
                assert!(!allowed.contains(&permission), "{permission:?} in a view");
            }
        }
    }

    #[test]
    fn a_view_runs_until_it_expires_or_is_ended() {
        let window = ViewWindow::starting(1_000_000, 900);
        assert!(window.is_live(1_000_000));
        assert!(window.is_live(1_000_000 + 899_999));
        assert!(!window.is_live(1_000_000 + 900_000));
        assert_eq!(window.seconds_left(1_000_000 + 899_001), 1);
        assert_eq!(window.seconds_left(1_000_000 + 900_000), 0);
        assert_eq!(window.ends_at(), 1_900_000);

        let ended = ViewWindow {
            ended_at: Some(1_060_000),
            ..window
        };
        assert!(!ended.is_live(1_060_000));
        assert_eq!(ended.seconds_left(1_030_000), 0);
        assert_eq!(ended.ends_at(), 1_060_000);
    }

    #[test]
    fn ending_after_the_expiry_does_not_lengthen_it() {
        let window = ViewWindow {
            ended_at: Some(5_000_000),
            ..ViewWindow::starting(1_000_000, 900)
        };
        assert_eq!(window.ends_at(), 1_900_000);
    }
}
