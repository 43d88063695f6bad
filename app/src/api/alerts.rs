//! The console's alerts (`alerts.read`): the list, acknowledging one with a
//! note, and the response to a compromise taken from an alert or a
//! customer's page (`customer.force_reset`).

use domain::AlertRule;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::team::Gated;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr;

/// Who acknowledged an alert, when, and their note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcknowledgementView {
    pub by: String,
    pub at: String,
    pub note: String,
}

/// One alert as the console lists it; times in the reader's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertLine {
    pub id: i64,
    pub rule: AlertRule,
    /// The account it is about: its id and address.
    pub account: Option<(i64, String)>,
    /// The network it is about, for the rules about networks.
    pub network: Option<String>,
    pub ip: Option<String>,
    pub events: i64,
    pub observed: i64,
    pub first: String,
    pub last: String,
    pub acknowledged: Option<AcknowledgementView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertsView {
    pub alerts: Vec<AlertLine>,
    /// The cursor of the next (older) page, when there is one.
    pub older_than: Option<i64>,
    pub zone: String,
    /// The reader may respond to a compromise (`customer.force_reset`).
    pub may_respond: bool,
}

/// The alerts, newest first (older than `before`), for a member holding
/// `alerts.read`; anyone else gets the console's 403 page.
#[server(prefix = "/api", endpoint = "staff/alerts")]
pub async fn load_alerts(before: Option<i64>) -> Result<Gated<AlertsView>, AppError> {
    let user = ssr::require(domain::Permission::OwnView).await?;
    if let Err(refused) = super::team::gate(&user, &[domain::Permission::AlertsRead]).await {
        ssr::reject(AppError::Forbidden);
        return Ok(refused);
    }
    let page = ssr::ctx()?
        .alerts
        .page(&user, before)
        .await
        .map_err(ssr::into_app_error)?;
    let zone = ssr::request_zone();
    let time = |ms: i64| service::time_format::format_in_zone(ms, zone);
    let name = |id: &domain::UserId| page.accounts.get(id);
    Ok(Gated::Granted(AlertsView {
        alerts: page
            .alerts
            .iter()
            .map(|alert| AlertLine {
                id: alert.id,
                rule: alert.rule,
                account: alert.account.map(|id| {
                    let email = name(&id).map(|n| n.email.clone()).unwrap_or_default();
                    (id.0, email)
                }),
                network: alert
                    .subject_key
                    .strip_prefix("network:")
                    .map(str::to_owned),
                ip: alert.ip.clone(),
                events: alert.events,
                observed: alert.observed,
                first: time(alert.first_at),
                last: time(alert.last_at),
                acknowledged: alert.acknowledged.as_ref().map(|ack| AcknowledgementView {
                    by: name(&ack.by)
                        .map(|n| n.display_name.clone())
                        .unwrap_or_else(|| ack.by.0.to_string()),
                    at: time(ack.at_ms),
                    note: ack.note.clone(),
                }),
            })
            .collect(),
        older_than: page.older_than,
        zone: zone.name().to_owned(),
        may_respond: user.may(domain::Permission::CustomerForceReset),
    }))
}

/// The flash name of the acknowledgement forms (the alert's id is kept
/// with the note, so the refusal shows at the right one).
pub const ACK_FORM: &str = "alert_ack";
/// The flash name of the response forms on the alerts page.
pub const RESPOND_FORM: &str = "alert_respond";

/// Acknowledges an alert with a note, recorded in the audit log.
#[server(prefix = "/api", endpoint = "staff/alerts/acknowledge")]
pub async fn acknowledge_alert(alert: i64, note: Option<String>) -> Result<(), AppError> {
    let note = note.unwrap_or_default();
    let id = alert.to_string();
    let keep = [("note", note.as_str()), ("alert", id.as_str())];
    let typed = note.clone();
    super::staff::guarded(
        ACK_FORM,
        domain::Permission::AlertsRead,
        &keep,
        |user| async move {
            ssr::ctx()?
                .alerts
                .acknowledge(&user, alert, &typed)
                .await
                .map(|()| format!("/staff/alerts?done=acknowledged#alert-{alert}"))
                .map_err(Into::into)
        },
    )
    .await
}

/// "Respond to compromise" on a customer: every session ends, every known
/// browser is forgotten, a new password is required and the customer is
/// mailed what happened and what to do. From an alert (`alert`), back to
/// the alerts page; else to the customer's page.
#[server(prefix = "/api", endpoint = "staff/customer/respond-to-compromise")]
pub async fn support_respond_to_compromise(
    customer: i64,
    reason: Option<String>,
    alert: Option<i64>,
) -> Result<(), AppError> {
    let action = service::SupportAction::RespondToCompromise;
    match alert {
        None => super::staff::act(action, customer, reason).await,
        Some(alert) => {
            let id = alert.to_string();
            let next = format!("/staff/alerts?done=responded#alert-{alert}");
            super::staff::act_from(
                RESPOND_FORM,
                action,
                customer,
                reason,
                &[("alert", &id)],
                next,
            )
            .await
        }
    }
}
