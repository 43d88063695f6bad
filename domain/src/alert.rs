//! The detection rules: when a run of security events is an incident worth
//! an alert, and when a later event belongs to an incident already raised.
//! Times are Unix milliseconds. The service gathers the numbers (from the
//! store) and asks these functions; nothing here reads a clock or a table.

use serde::{Deserialize, Serialize};

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AlertRule {
    /// One account failing many sign-ins (guessing against one account).
    AccountFailures,
    /// One network failing sign-ins for many different addresses, whether
    /// they have accounts or not (credential stuffing, password spraying).
    NetworkManyAddresses,
    /// A sign-in from a browser the account does not know, from a network
    /// other than the reset's, soon after a password reset.
    NewDeviceAfterReset,
    /// Two sign-ins to one account from different networks too close in
    /// time to be one person travelling.
    NetworkHop,
    /// One customer viewed by support many times.
    RepeatedSupportViews,
    /// A staff role granted outside working hours.
    OffHoursGrant,
    /// An access-review item left undecided past its due date: raised by
    /// the review campaigns (through `service::alerts::Alerts::raise`).
    ReviewItemOverdue,
}

impl AlertRule {
    pub const ALL: [AlertRule; 7] = [
        AlertRule::AccountFailures,
        AlertRule::NetworkManyAddresses,
        AlertRule::NewDeviceAfterReset,
        AlertRule::NetworkHop,
        AlertRule::RepeatedSupportViews,
        AlertRule::OffHoursGrant,
        AlertRule::ReviewItemOverdue,
    ];

    /// The stable name stored, sent to the webhook and shown to operators.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertRule::AccountFailures => "account_failures",
            AlertRule::NetworkManyAddresses => "network_many_addresses",
            AlertRule::NewDeviceAfterReset => "new_device_after_reset",
            AlertRule::NetworkHop => "network_hop",
            AlertRule::RepeatedSupportViews => "repeated_support_views",
            AlertRule::OffHoursGrant => "off_hours_grant",
            AlertRule::ReviewItemOverdue => "review_item_overdue",
        }
    }

    pub fn parse(name: &str) -> Option<AlertRule> {
        Self::ALL.into_iter().find(|rule| rule.as_str() == name)
    }
}

/// At least `count` events within `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Threshold {
    pub count: u32,
    pub window_secs: i64,
}

impl Threshold {
    /// Events before this instant are outside the window.
    pub fn since(&self, now_ms: i64) -> i64 {
        now_ms - self.window_secs * 1000
    }

    /// Whether `seen` events in the window make an incident; a count of 0
    /// turns the rule off.
    pub fn reached(&self, seen: u32) -> bool {
        self.count > 0 && seen >= self.count
    }
}

/// Days of the week (Monday = 0) and a span of the day, in minutes after
/// midnight, of one time zone (the service converts). An end before the
/// start spans midnight (`22:00-06:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingHours {
    /// Bit `d` set: day `d` (Monday = 0) is a working day.
    pub days: u8,
    pub start_minute: u32,
    pub end_minute: u32,
}

impl Default for WorkingHours {
    fn default() -> Self {
        WorkingHours {
            days: 0b001_1111,
            start_minute: 8 * 60,
            end_minute: 18 * 60,
        }
    }
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl WorkingHours {
    /// `Mon-Fri 08:00-18:00`: a day or a range of days (or several,
    /// comma-separated), a space, and a span of the day.
    pub fn parse(text: &str) -> Option<WorkingHours> {
        let (days_text, span) = text.trim().split_once(char::is_whitespace)?;
        let mut days = 0u8;
        for part in days_text.split(',') {
            let (first, last) = part.split_once('-').unwrap_or((part, part));
            let (first, last) = (day_index(first)?, day_index(last)?);
            let mut day = first;
            loop {
                days |= 1 << day;
                if day == last {
                    break;
                }
                day = (day + 1) % 7;
            }
        }
        let (start, end) = span.trim().split_once('-')?;
        let (start_minute, end_minute) = (minute_of_day(start)?, minute_of_day(end)?);
        (start_minute != end_minute).then_some(WorkingHours {
            days,
            start_minute,
            end_minute,
        })
    }

    /// Whether a moment, given as its weekday (Monday = 0) and minute of
    /// the day in the hours' zone, falls inside them. Past midnight, a span
    /// that started the evening before belongs to that evening's day.
    pub fn contains(&self, weekday: u32, minute: u32) -> bool {
        let working = |day: u32| self.days & (1 << (day % 7)) != 0;
        if self.start_minute < self.end_minute {
            working(weekday) && (self.start_minute..self.end_minute).contains(&minute)
        } else if minute >= self.start_minute {
            working(weekday)
        } else {
            minute < self.end_minute && working(weekday + 6)
        }
    }
}

fn day_index(name: &str) -> Option<u8> {
    let name = name.trim().to_ascii_lowercase();
    DAY_NAMES
        .iter()
        .position(|day| *day == name)
        .map(|i| i as u8)
}

fn minute_of_day(text: &str) -> Option<u32> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let (hours, minutes): (u32, u32) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours <= 24 && minutes < 60 && hours * 60 + minutes <= 24 * 60).then_some(hours * 60 + minutes)
}

/// Every threshold of the rules, with the documented defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertPolicy {
    /// Failed sign-ins for one address (an account's) in the window.
    pub account_failures: Threshold,
    /// Distinct addresses failing from one network in the window.
    pub network_addresses: Threshold,
    /// How long after a password reset a sign-in from a new browser on
    /// another network raises an alert; 0 turns the rule off.
    pub reset_new_device_secs: i64,
    /// Two sign-ins from different networks closer than this raise an
    /// alert; 0 turns the rule off.
    pub network_hop_secs: i64,
    /// Support views of one customer in the window.
    pub support_views: Threshold,
    /// Outside these, a role grant raises an alert; `None` turns it off.
    pub working_hours: Option<WorkingHours>,
}

impl Default for AlertPolicy {
    fn default() -> Self {
        AlertPolicy {
            account_failures: Threshold {
                count: 20,
                window_secs: 60 * 60,
            },
            network_addresses: Threshold {
                count: 10,
                window_secs: 10 * 60,
            },
            reset_new_device_secs: 24 * 60 * 60,
            network_hop_secs: 5 * 60,
            support_views: Threshold {
                count: 5,
                window_secs: 24 * 60 * 60,
            },
            working_hours: Some(WorkingHours::default()),
        }
    }
}

/// A sign-in, as the rules about sign-ins see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInAt<'a> {
    /// [`crate::network::network_of`] of its address.
    pub network: &'a str,
    pub at_ms: i64,
}

impl AlertPolicy {
    /// A sign-in from a browser the account does not know, within the
    /// period after a reset, from another network than the reset's: the
    /// owner's own browser after their reset is on their network.
    pub fn new_device_after_reset(
        &self,
        known_browser: bool,
        reset: Option<SignInAt<'_>>,
        now: SignInAt<'_>,
    ) -> bool {
        let Some(reset) = reset else {
            return false;
        };
        self.reset_new_device_secs > 0
            && !known_browser
            && now.at_ms - reset.at_ms <= self.reset_new_device_secs * 1000
            && reset.network != now.network
    }

    /// Two sign-ins, the earlier one `previous`, from different networks
    /// closer in time than the rule allows.
    pub fn network_hop(&self, previous: Option<SignInAt<'_>>, now: SignInAt<'_>) -> bool {
        let Some(previous) = previous else {
            return false;
        };
        self.network_hop_secs > 0
            && previous.network != now.network
            && now.at_ms - previous.at_ms < self.network_hop_secs * 1000
    }

    /// Whether a grant at this moment (weekday, Monday = 0, and minute of
    /// the day in the working hours' zone) is outside working hours.
    pub fn off_hours(&self, weekday: u32, minute: u32) -> bool {
        self.working_hours
            .is_some_and(|hours| !hours.contains(weekday, minute))
    }

    /// The incidents of the rule whose last event is at or after this are
    /// open: a new event of the same rule and subject joins the open one
    /// instead of raising another.
    pub fn open_since(&self, rule: AlertRule, now_ms: i64) -> i64 {
        now_ms - self.window_secs(rule) * 1000
    }

    /// How long an incident of the rule stays open after its last event.
    pub fn window_secs(&self, rule: AlertRule) -> i64 {
        match rule {
            AlertRule::AccountFailures => self.account_failures.window_secs,
            AlertRule::NetworkManyAddresses => self.network_addresses.window_secs,
            AlertRule::NewDeviceAfterReset => self.reset_new_device_secs,
            AlertRule::NetworkHop => self.network_hop_secs.max(60 * 60),
            AlertRule::RepeatedSupportViews => self.support_views.window_secs,
            AlertRule::OffHoursGrant => 60 * 60,
            AlertRule::ReviewItemOverdue => 24 * 60 * 60,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn at(network: &str, at_ms: i64) -> SignInAt<'_> {
        SignInAt { network, at_ms }
    }

    #[test]
    fn names_round_trip_and_are_unique() {
        for rule in AlertRule::ALL {
            assert_eq!(AlertRule::parse(rule.as_str()), Some(rule));
        }
        let mut names: Vec<_> = AlertRule::ALL.iter().map(|r| r.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), AlertRule::ALL.len());
    }

    #[test]
    fn thresholds_count_within_their_window_and_zero_is_off() {
        let policy = AlertPolicy::default();
        assert!(!policy.network_addresses.reached(9));
        assert!(policy.network_addresses.reached(10));
        assert_eq!(policy.network_addresses.since(60 * MIN), 50 * MIN);
        let off = Threshold {
            count: 0,
            window_secs: 60,
        };
        assert!(!off.reached(1_000));
    }

    #[test]
    fn a_new_browser_on_another_network_soon_after_a_reset_is_suspicious() {
        let policy = AlertPolicy::default();
        let reset = Some(at("203.0.113.0/24", 0));
        let day = 24 * 60 * MIN;
        assert!(policy.new_device_after_reset(false, reset, at("198.51.100.0/24", 60 * MIN)));
        assert!(
            !policy.new_device_after_reset(false, reset, at("203.0.113.0/24", 60 * MIN)),
            "the owner's own network"
        );
        assert!(!policy.new_device_after_reset(true, reset, at("198.51.100.0/24", 60 * MIN)));
        assert!(!policy.new_device_after_reset(false, reset, at("198.51.100.0/24", day + 1)));
        assert!(!policy.new_device_after_reset(false, None, at("198.51.100.0/24", 1)));
    }

    #[test]
    fn two_networks_too_close_in_time_hop() {
        let policy = AlertPolicy::default();
        let before = Some(at("203.0.113.0/24", 0));
        assert!(policy.network_hop(before, at("198.51.100.0/24", 4 * MIN)));
        assert!(!policy.network_hop(before, at("198.51.100.0/24", 5 * MIN)));
        assert!(!policy.network_hop(before, at("203.0.113.0/24", MIN)));
        assert!(!policy.network_hop(None, at("203.0.113.0/24", MIN)));
        let off = AlertPolicy {
            network_hop_secs: 0,
            ..policy
        };
        assert!(!off.network_hop(before, at("198.51.100.0/24", MIN)));
    }

    #[test]
    fn working_hours_parse_and_span_midnight() {
        let office = WorkingHours::parse("Mon-Fri 08:00-18:00").unwrap();
        assert_eq!(office, WorkingHours::default());
        assert!(office.contains(0, 8 * 60));
        assert!(!office.contains(0, 18 * 60));
        assert!(!office.contains(5, 12 * 60), "Saturday");
        let night = WorkingHours::parse("sun,mon 22:00-06:00").unwrap();
        assert!(night.contains(6, 23 * 60), "Sunday evening");
        assert!(night.contains(0, 60), "early Monday: Sunday's shift");
        assert!(night.contains(1, 60), "early Tuesday: Monday's shift");
        assert!(!night.contains(2, 60), "early Wednesday: no Tuesday shift");
        assert!(!night.contains(0, 12 * 60));
        let weekend = WorkingHours::parse("Sat-Sun 00:00-24:00").unwrap();
        assert!(weekend.contains(6, 23 * 60 + 59) && !weekend.contains(0, 0));
        for bad in [
            "",
            "Mon-Fri",
            "Someday 08:00-18:00",
            "Mon 8-18",
            "Mon 08:00-08:00",
            "Mon 25:00-26:00",
        ] {
            assert_eq!(WorkingHours::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn grants_outside_the_hours_are_flagged_unless_the_rule_is_off() {
        let policy = AlertPolicy::default();
        assert!(policy.off_hours(2, 3 * 60));
        assert!(!policy.off_hours(2, 10 * 60));
        let off = AlertPolicy {
            working_hours: None,
            ..policy
        };
        assert!(!off.off_hours(6, 3 * 60));
    }

    #[test]
    fn an_incident_stays_open_for_its_rules_window_after_its_last_event() {
        let policy = AlertPolicy::default();
        let now = 100 * MIN;
        assert_eq!(
            policy.open_since(AlertRule::NetworkManyAddresses, now),
            90 * MIN
        );
        assert_eq!(policy.open_since(AlertRule::AccountFailures, now), 40 * MIN);
        assert_eq!(
            policy.open_since(AlertRule::NetworkHop, now),
            40 * MIN,
            "hops of one account within an hour are one incident"
        );
    }
}
