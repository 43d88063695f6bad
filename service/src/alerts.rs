//! Detection and alerts: the rules run where their events happen (a failed
//! or completed sign-in, a support view, a role grant), ask `domain::alert`
//! whether the numbers make an incident, and store it once per incident
//! (the store adds later events of the same rule and subject to the open
//! one). A new incident is queued for delivery (webhook, mail) in the same
//! transaction; [`run_alert_delivery`] sends the queue like the mail queue:
//! leased, retried with doubling back-off, kept across restarts.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{Datelike, SecondsFormat, TimeZone, Timelike, Utc};
use domain::alert::SignInAt;
use domain::network::network_of;
use domain::{ActivityKind, AlertRule, Permission, RoleError, UserId};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::accounts::{Accounts, CurrentUser};
use crate::clock::Clock;
use crate::error::{FieldIssue, ServiceError, StoreError};
use crate::mail::{drain_forever, retry_at, LEASE_MS};
use crate::ports::{
    Acknowledgement, AlertDelivery, AlertRecord, AlertRepo, FailedSignIn, NewAlert, Origin,
    QueuedMail,
};

/// Whom or what an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    Account(UserId),
    /// A client network, as the per-address limits key it.
    Network(&'a str),
    /// An access-review item, about the grantee's account: one incident
    /// per item, whatever else is open about the account.
    ReviewItem {
        item: i64,
        account: UserId,
    },
}

impl Subject<'_> {
    fn key(self) -> String {
        match self {
            Subject::Account(id) => format!("account:{}", id.0),
            Subject::Network(network) => format!("network:{network}"),
            Subject::ReviewItem { item, .. } => format!("review_item:{item}"),
        }
    }

    fn account(self) -> Option<UserId> {
        match self {
            Subject::Account(id) | Subject::ReviewItem { account: id, .. } => Some(id),
            Subject::Network(_) => None,
        }
    }
}

impl Accounts {
    /// Raises an alert of `rule` about `subject` now: a new incident, or one
    /// more event of the open one. The rules below raise through here; so
    /// do the use cases with rules of their own (the access-review
    /// campaigns raise [`AlertRule::ReviewItemOverdue`] for an item past
    /// its due date).
    pub async fn raise_alert(
        &self,
        rule: AlertRule,
        subject: Subject<'_>,
        ip: Option<&str>,
        observed: i64,
    ) -> Result<(), ServiceError> {
        self.raise_at(rule, subject, ip, observed, self.clock.now_ms())
            .await
    }

    async fn raise_at(
        &self,
        rule: AlertRule,
        subject: Subject<'_>,
        ip: Option<&str>,
        observed: i64,
        now: i64,
    ) -> Result<(), ServiceError> {
        let key = subject.key();
        let alert = NewAlert {
            rule,
            subject_key: &key,
            account: subject.account(),
            ip,
            observed,
            at_ms: now,
            open_since_ms: self.policy.alerts.open_since(rule, now),
        };
        let (id, new) = self
            .repo
            .raise_alert(&alert, &self.policy.alert_channels)
            .await?;
        if new {
            tracing::warn!(alert = id, rule = rule.as_str(), subject = %key, "alert raised");
        }
        Ok(())
    }

    /// After every failed sign-in (a wrong password, a locked account, an
    /// address without an account): notes it by network and typed address
    /// (`address_key`, keyed), then the rules on both. The same calls for
    /// an address with or without an account.
    pub(crate) async fn detect_failed_sign_in(
        &self,
        address_key: &str,
        account: Option<UserId>,
        origin: &Origin,
        now: i64,
    ) -> Result<(), ServiceError> {
        let rules = self.policy.alerts;
        let network = origin.network();
        let counts = self
            .repo
            .note_failed_sign_in(
                &FailedSignIn {
                    network: &network,
                    address_key,
                    at_ms: now,
                },
                rules.network_addresses.since(now),
                rules.account_failures.since(now),
            )
            .await?;
        if rules
            .network_addresses
            .reached(counts.addresses_from_network)
        {
            self.raise_at(
                AlertRule::NetworkManyAddresses,
                Subject::Network(&network),
                Some(&origin.ip),
                counts.addresses_from_network.into(),
                now,
            )
            .await?;
        }
        if let Some(account) =
            account.filter(|_| rules.account_failures.reached(counts.failures_for_address))
        {
            self.raise_at(
                AlertRule::AccountFailures,
                Subject::Account(account),
                Some(&origin.ip),
                counts.failures_for_address.into(),
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// Before a completed sign-in is stored: a hop between networks since
    /// the account's previous sign-in, and a new browser on another network
    /// soon after a password reset.
    pub(crate) async fn detect_sign_in(
        &self,
        user: UserId,
        known_browser: bool,
        origin: &Origin,
        now: i64,
    ) -> Result<(), ServiceError> {
        let rules = self.policy.alerts;
        let network = network_of(&origin.ip);
        let here = SignInAt {
            network: &network,
            at_ms: now,
        };
        if rules.network_hop_secs > 0 {
            let previous = self.latest(user, ActivityKind::SignedIn).await?;
            let previous = previous.as_ref().map(|(network, at_ms)| SignInAt {
                network,
                at_ms: *at_ms,
            });
            if rules.network_hop(previous, here) {
                let apart = previous.map_or(0, |p| (now - p.at_ms) / 1000);
                self.raise_at(
                    AlertRule::NetworkHop,
                    Subject::Account(user),
                    Some(&origin.ip),
                    apart,
                    now,
                )
                .await?;
            }
        }
        if rules.reset_new_device_secs > 0 && !known_browser {
            let reset = self.latest(user, ActivityKind::PasswordReset).await?;
            let reset = reset.as_ref().map(|(network, at_ms)| SignInAt {
                network,
                at_ms: *at_ms,
            });
            if rules.new_device_after_reset(known_browser, reset, here) {
                let after = reset.map_or(0, |r| (now - r.at_ms) / 1000);
                self.raise_at(
                    AlertRule::NewDeviceAfterReset,
                    Subject::Account(user),
                    Some(&origin.ip),
                    after,
                    now,
                )
                .await?;
            }
        }
        Ok(())
    }

    /// The network and time of the account's latest event of this kind (a
    /// sign-in counts with or without a new device).
    async fn latest(
        &self,
        user: UserId,
        kind: ActivityKind,
    ) -> Result<Option<(String, i64)>, ServiceError> {
        let kinds: &[ActivityKind] = if kind == ActivityKind::SignedIn {
            &[ActivityKind::SignedIn, ActivityKind::SignedInNewDevice]
        } else {
            &[kind]
        };
        let latest = self.repo.list_activity(user, kinds, None, 1).await?;
        Ok(latest
            .into_iter()
            .next()
            .map(|a| (network_of(&a.origin.ip), a.at_ms)))
    }

    /// After a support view of `customer` started: how many there were in
    /// the rule's window.
    pub(crate) async fn detect_support_view(
        &self,
        customer: UserId,
        origin: &Origin,
        now: i64,
    ) -> Result<(), ServiceError> {
        let rule = self.policy.alerts.support_views;
        if rule.count == 0 {
            return Ok(());
        }
        let views = self.repo.views_of(customer, rule.since(now)).await?.len();
        let views = u32::try_from(views).unwrap_or(u32::MAX);
        if rule.reached(views) {
            self.raise_at(
                AlertRule::RepeatedSupportViews,
                Subject::Account(customer),
                Some(&origin.ip),
                views.into(),
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// After a role was granted to `target` at `now`: outside working
    /// hours (in the configured zone), an alert.
    pub(crate) async fn detect_grant(&self, target: UserId, now: i64) -> Result<(), ServiceError> {
        let Some(local) = self.policy.alert_zone.timestamp_millis_opt(now).single() else {
            return Ok(());
        };
        let minute = local.hour() * 60 + local.minute();
        if self
            .policy
            .alerts
            .off_hours(local.weekday().num_days_from_monday(), minute)
        {
            self.raise_at(
                AlertRule::OffHoursGrant,
                Subject::Account(target),
                None,
                1,
                now,
            )
            .await?;
        }
        Ok(())
    }
}

/// Alerts per page of the console's list.
pub const ALERTS_PAGE_SIZE: u32 = 50;

/// An account an alert names: its address and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountName {
    pub email: String,
    pub display_name: String,
}

/// One page of alerts, newest first, with the accounts they name (their
/// subjects and whoever acknowledged them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertPage {
    pub alerts: Vec<AlertRecord>,
    /// The cursor of the next (older) page, when there is one.
    pub older_than: Option<i64>,
    pub accounts: BTreeMap<UserId, AccountName>,
}

/// The console's alerts, for members holding `alerts.read`.
pub struct Alerts {
    accounts: Arc<Accounts>,
}

impl Alerts {
    pub fn new(accounts: Arc<Accounts>) -> Alerts {
        Alerts { accounts }
    }

    fn check(reader: &CurrentUser) -> Result<(), ServiceError> {
        if reader.may(Permission::AlertsRead) {
            Ok(())
        } else {
            Err(RoleError::NotPermitted(Permission::AlertsRead).into())
        }
    }

    /// Newest first, older than `before` when given.
    pub async fn page(
        &self,
        reader: &CurrentUser,
        before: Option<i64>,
    ) -> Result<AlertPage, ServiceError> {
        Self::check(reader)?;
        let repo = &self.accounts.repo;
        let mut alerts = repo.alerts_page(before, ALERTS_PAGE_SIZE + 1).await?;
        let older_than = (alerts.len() > ALERTS_PAGE_SIZE as usize).then(|| {
            alerts.truncate(ALERTS_PAGE_SIZE as usize);
            alerts.last().map_or(0, |a| a.id)
        });
        let mut named: Vec<UserId> = Vec::new();
        for alert in &alerts {
            named.extend(alert.account);
            named.extend(alert.acknowledged.as_ref().map(|ack| ack.by));
        }
        named.sort_unstable_by_key(|id| id.0);
        named.dedup();
        let mut accounts = BTreeMap::new();
        for id in named {
            if let Some(user) = repo.find_user(id).await? {
                accounts.insert(
                    id,
                    AccountName {
                        email: user.email,
                        display_name: user.display_name,
                    },
                );
            }
        }
        Ok(AlertPage {
            alerts,
            older_than,
            accounts,
        })
    }

    /// The newest alert's id (0 when there is none): where a live list starts.
    pub async fn newest_id(&self, reader: &CurrentUser) -> Result<i64, ServiceError> {
        Self::check(reader)?;
        let newest = self.accounts.repo.alerts_page(None, 1).await?;
        Ok(newest.first().map_or(0, |a| a.id))
    }

    /// Alerts raised after `after_id`, oldest first.
    pub async fn newer(
        &self,
        reader: &CurrentUser,
        after_id: i64,
    ) -> Result<Vec<AlertRecord>, ServiceError> {
        Self::check(reader)?;
        Ok(self
            .accounts
            .repo
            .alerts_after(after_id, ALERTS_PAGE_SIZE)
            .await?)
    }

    /// Acknowledges the alert with a note (one line, like a staff reason),
    /// recorded in the audit log with the member as its actor.
    pub async fn acknowledge(
        &self,
        reader: &CurrentUser,
        id: i64,
        note: &str,
    ) -> Result<(), ServiceError> {
        Self::check(reader)?;
        let note = domain::Reason::parse(note)
            .map_err(|e| ServiceError::Validation(vec![FieldIssue::new("note", e.code())]))?;
        let repo = &self.accounts.repo;
        let Some(alert) = repo.find_alert(id).await? else {
            return Err(ServiceError::NotFound(format!("no alert has the id {id}")));
        };
        if alert.acknowledged.is_some() {
            return Err(ServiceError::Validation(vec![FieldIssue::new(
                "note",
                ALREADY_ACKNOWLEDGED,
            )]));
        }
        let acknowledgement = Acknowledgement {
            by: reader.id,
            at_ms: self.accounts.clock.now_ms(),
            note: note.as_str().to_owned(),
        };
        if !repo.acknowledge_alert(id, &acknowledgement).await? {
            return Err(ServiceError::Validation(vec![FieldIssue::new(
                "note",
                ALREADY_ACKNOWLEDGED,
            )]));
        }
        // The note stays out of the log: it is free text, kept with the alert.
        tracing::info!(staff = %reader.id, alert = id, "alert acknowledged");
        Ok(())
    }
}

/// The code of an acknowledgement refused because another came first.
pub const ALREADY_ACKNOWLEDGED: &str = "alert.already_acknowledged";

/// Sends one delivery of an alert on its channel; the answer says where it
/// went (for the log), or why not.
#[async_trait]
pub trait AlertSender: Send + Sync {
    async fn send(&self, delivery: &AlertDelivery) -> Result<String, String>;
}

/// Delivers queued alerts until the process ends, like [`crate::mail::run_delivery`].
pub async fn run_alert_delivery(
    queue: Arc<dyn AlertRepo>,
    sender: Arc<dyn AlertSender>,
    clock: Arc<dyn Clock>,
    retry_secs: i64,
    max_attempts: i64,
    idle_poll: Duration,
) {
    drain_forever("alerts", idle_poll, || {
        deliver_next_alert(
            queue.as_ref(),
            sender.as_ref(),
            clock.as_ref(),
            retry_secs,
            max_attempts,
        )
    })
    .await
}

/// Delivers one due alert; `Ok(false)` when none is due.
pub async fn deliver_next_alert(
    queue: &dyn AlertRepo,
    sender: &dyn AlertSender,
    clock: &dyn Clock,
    retry_secs: i64,
    max_attempts: i64,
) -> Result<bool, StoreError> {
    let now = clock.now_ms();
    let Some(delivery) = queue.claim_alert_delivery(now, now + LEASE_MS).await? else {
        return Ok(false);
    };
    let channel = delivery.channel.as_str();
    match sender.send(&delivery).await {
        Ok(place) => {
            queue
                .mark_alert_delivered(delivery.id, clock.now_ms())
                .await?;
            tracing::info!(alert = delivery.alert.id, channel, delivered_to = %place, "alert delivered");
        }
        Err(error) => {
            let next = retry_at(clock.now_ms(), retry_secs, delivery.attempts, max_attempts);
            tracing::warn!(alert = delivery.alert.id, channel, attempts = delivery.attempts, gave_up = next.is_none(), %error, "alert delivery failed");
            queue
                .mark_alert_delivery_failed(delivery.id, next, &error)
                .await?;
        }
    }
    Ok(true)
}

/// RFC 3339 in UTC, with milliseconds.
fn rfc3339(at_ms: i64) -> String {
    Utc.timestamp_millis_opt(at_ms)
        .single()
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// Where the console shows the alert.
pub fn alert_link(public_url: &str, id: i64) -> String {
    format!(
        "{}/staff/alerts#alert-{id}",
        public_url.trim_end_matches('/')
    )
}

/// The webhook's JSON body: the rule, its subject, the address of the
/// latest event, the counts, the first and last time, and the link.
pub fn webhook_body(alert: &AlertRecord, public_url: &str) -> String {
    serde_json::json!({
        "id": alert.id,
        "rule": alert.rule.as_str(),
        "subject": alert.subject_key,
        "account_id": alert.account.map(|a| a.0),
        "ip": alert.ip,
        "events": alert.events,
        "observed": alert.observed,
        "first_at": rfc3339(alert.first_at),
        "last_at": rfc3339(alert.last_at),
        "link": alert_link(public_url, alert.id),
    })
    .to_string()
}

/// `sha256=` and the hex HMAC-SHA-256 of the raw body under the secret:
/// the `X-Latchkey-Signature` header.
pub fn webhook_signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// What a rule means, in the operators' mail.
fn rule_text(rule: AlertRule) -> &'static str {
    match rule {
        AlertRule::AccountFailures => "one account is failing many sign-ins",
        AlertRule::NetworkManyAddresses => {
            "one network is failing sign-ins for many different addresses (credential stuffing or password spraying)"
        }
        AlertRule::NewDeviceAfterReset => {
            "a new browser on another network signed in soon after a password reset"
        }
        AlertRule::NetworkHop => {
            "one account signed in from two networks too close in time"
        }
        AlertRule::RepeatedSupportViews => "support viewed one customer's account many times",
        AlertRule::OffHoursGrant => "a staff role was granted outside working hours",
        AlertRule::ReviewItemOverdue => "an access-review item is past its due date",
    }
}

/// The mail an alert sends to the operators' address (English: it goes to
/// the team, not a customer).
pub fn alert_mail(delivery: &AlertDelivery, to: &str, public_url: &str) -> QueuedMail {
    let alert = &delivery.alert;
    let body = format!(
        "Latchkey raised an alert: {what}.\n\nRule: {rule}\nSubject: {subject}\nAddress of the latest event: {ip}\nEvents: {events}\nObserved: {observed}\nFirst: {first}\nLast: {last}\n\nOpen it in the console:\n\n{link}\n",
        what = rule_text(alert.rule),
        rule = alert.rule.as_str(),
        subject = alert.subject_key,
        ip = alert.ip.as_deref().unwrap_or("-"),
        events = alert.events,
        observed = alert.observed,
        first = rfc3339(alert.first_at),
        last = rfc3339(alert.last_at),
        link = alert_link(public_url, alert.id),
    );
    QueuedMail {
        id: delivery.id,
        to: to.to_owned(),
        subject: format!("Latchkey alert: {}", alert.rule.as_str()),
        body_text: body,
        attempts: delivery.attempts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert() -> AlertRecord {
        AlertRecord {
            id: 7,
            rule: AlertRule::NetworkManyAddresses,
            subject_key: "network:203.0.113.7".to_owned(),
            account: None,
            ip: Some("203.0.113.7".to_owned()),
            events: 3,
            observed: 12,
            first_at: 1_764_633_600_000,
            last_at: 1_764_633_660_500,
            acknowledged: None,
        }
    }

    #[test]
    fn the_webhook_body_names_rule_subject_counts_times_and_link() {
        let body: serde_json::Value =
            serde_json::from_str(&webhook_body(&alert(), "https://id.example.com/")).unwrap();
        assert_eq!(body["rule"], "network_many_addresses");
        assert_eq!(body["subject"], "network:203.0.113.7");
        assert_eq!(body["ip"], "203.0.113.7");
        assert_eq!(
            (body["events"].clone(), body["observed"].clone()),
            (3.into(), 12.into())
        );
        assert_eq!(body["first_at"], "2025-12-02T00:00:00.000Z");
        assert_eq!(body["last_at"], "2025-12-02T00:01:00.500Z");
        assert_eq!(body["link"], "https://id.example.com/staff/alerts#alert-7");
    }

    #[test]
    fn the_signature_is_the_hex_hmac_sha256_of_the_body() {
        // RFC 4231, test case 2.
        assert_eq!(
            webhook_signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_operators_mail_links_the_alert() {
        let delivery = AlertDelivery {
            id: 1,
            channel: crate::ports::AlertChannel::Mail,
            attempts: 1,
            alert: alert(),
        };
        let mail = alert_mail(&delivery, "soc@example.com", "http://localhost:3000");
        assert_eq!(mail.to, "soc@example.com");
        assert!(mail
            .body_text
            .contains("http://localhost:3000/staff/alerts#alert-7"));
        assert!(mail.body_text.contains("credential stuffing"));
    }
}
