//! Alerts leaving the console: the signed webhook and the operators' mail
//! (sent by the alert delivery queue), and the live stream of new alerts
//! for the console page (server-sent events).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use app::ssr::AppContext;
use async_trait::async_trait;
use axum::extract::{Request, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use domain::Permission;
use futures::StreamExt;
use http::request::Parts;
use service::accounts::CurrentUser;
use service::alerts::{alert_mail, webhook_body, webhook_signature, AlertSender};
use service::mail::Mailer;
use service::ports::{AlertChannel, AlertDelivery, AlertRecord};

use crate::config::AlertWebhook;

/// How long a webhook receiver may take to answer.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// Sends an alert's delivery on its channel.
pub struct AlertSenders {
    webhook: Option<AlertWebhook>,
    mail: Option<(String, Arc<dyn Mailer>)>,
    public_url: String,
    client: reqwest::Client,
}

impl AlertSenders {
    pub fn new(
        webhook: Option<AlertWebhook>,
        mail_to: Option<String>,
        mailer: Arc<dyn Mailer>,
        public_url: &str,
    ) -> Result<AlertSenders, String> {
        let client = reqwest::Client::builder()
            .timeout(WEBHOOK_TIMEOUT)
            // A receiver answers itself; a redirect could lead anywhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the webhook client: {e}"))?;
        Ok(AlertSenders {
            webhook,
            mail: mail_to.map(|to| (to, mailer)),
            public_url: public_url.trim_end_matches('/').to_owned(),
            client,
        })
    }

    async fn post(&self, webhook: &AlertWebhook, alert: &AlertRecord) -> Result<String, String> {
        let body = webhook_body(alert, &self.public_url);
        let signature = webhook_signature(webhook.secret.as_bytes(), body.as_bytes());
        // The URL and the secret stay out of every message: a URL may carry
        // a token of its own.
        let answer = self
            .client
            .post(webhook.url.clone())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header("x-latchkey-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|e| format!("webhook unreachable: {}", e.without_url()))?;
        let status = answer.status();
        if status.is_success() {
            Ok(format!("webhook (HTTP {})", status.as_u16()))
        } else {
            Err(format!("webhook answered HTTP {}", status.as_u16()))
        }
    }
}

#[async_trait]
impl AlertSender for AlertSenders {
    async fn send(&self, delivery: &AlertDelivery) -> Result<String, String> {
        match delivery.channel {
            AlertChannel::Webhook => match &self.webhook {
                Some(webhook) => self.post(webhook, &delivery.alert).await,
                None => Err("no webhook is configured".to_owned()),
            },
            AlertChannel::Mail => match &self.mail {
                Some((to, mailer)) => {
                    mailer
                        .deliver(&alert_mail(delivery, to, &self.public_url))
                        .await
                }
                None => Err("no alert mail address is configured".to_owned()),
            },
        }
    }
}

/// How often the stream looks for new alerts (any instance may raise them).
const POLL: Duration = Duration::from_secs(1);
/// Every this many polls the reader's right to the stream is checked again:
/// a revoke, a sign-out or an expired session ends it.
const RECHECK_POLLS: u32 = 15;

/// The state of one reader's stream between events.
struct Stream {
    context: AppContext,
    parts: Parts,
    reader: CurrentUser,
    cursor: i64,
    ready: VecDeque<AlertRecord>,
    polls: u32,
    public_url: String,
}

impl Stream {
    /// The next new alert; `None` ends the stream (the right is gone).
    async fn next(mut self) -> Option<(Event, Stream)> {
        loop {
            if let Some(alert) = self.ready.pop_front() {
                let event = Event::default()
                    .event("alert")
                    .id(alert.id.to_string())
                    .data(webhook_body(&alert, &self.public_url));
                return Some((event, self));
            }
            tokio::time::sleep(POLL).await;
            self.polls += 1;
            if self.polls.is_multiple_of(RECHECK_POLLS) {
                self.reader = app::ssr::require_for_request(
                    self.parts.clone(),
                    self.context.clone(),
                    Permission::AlertsRead,
                )
                .await
                .ok()?;
            }
            match self.context.alerts.newer(&self.reader, self.cursor).await {
                Ok(alerts) => {
                    if let Some(last) = alerts.last() {
                        self.cursor = last.id;
                    }
                    self.ready.extend(alerts);
                }
                Err(error) => {
                    tracing::warn!(%error, "alert stream: cannot read new alerts");
                    return None;
                }
            }
        }
    }
}

/// `GET /api/staff/alerts/stream`: new alerts as server-sent events (event
/// `alert`, id the alert's, data the webhook's JSON), for a member holding
/// `alerts.read`, checked by the one authorization path (`ssr::require`)
/// at the start and again every 15 seconds. A reconnecting browser's
/// `Last-Event-ID` continues where it stopped.
pub async fn stream(
    State((context, public_url)): State<(AppContext, Arc<str>)>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let reader =
        match app::ssr::require_for_request(parts.clone(), context.clone(), Permission::AlertsRead)
            .await
        {
            Ok(reader) => reader,
            Err(error) => {
                return (app::ssr::status_of(&error), axum::Json(error)).into_response();
            }
        };
    let resumed = parts
        .headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok());
    let cursor = match resumed {
        Some(id) => id,
        None => match context.alerts.newest_id(&reader).await {
            Ok(id) => id,
            Err(error) => {
                let error = app::ssr::into_app_error(error);
                return (app::ssr::status_of(&error), axum::Json(error)).into_response();
            }
        },
    };
    let state = Stream {
        context,
        parts,
        reader,
        cursor,
        ready: VecDeque::new(),
        polls: 0,
        public_url: public_url.to_string(),
    };
    let events =
        futures::stream::unfold(state, Stream::next).map(Ok::<_, std::convert::Infallible>);
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}
