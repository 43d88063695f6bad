//! The audit log for staff who hold `audit.read`: filtered pages for the
//! console, and the filtered set as a CSV for spreadsheets and as JSON lines
//! with the hashes, for checking the chain elsewhere.

use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, StreamingText, TextStream};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr;

/// Entries per page of `/staff/audit`.
pub const AUDIT_PAGE_SIZE: u32 = 50;

/// The filter as the page's form sends it. Accounts by address or id; days
/// as `2026-11-26`, in the reader's time zone, both ends included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub actor: String,
    pub subject: String,
    pub kind: String,
    pub from: String,
    pub until: String,
}

impl AuditQuery {
    /// The query string of the filter, for links to more pages and exports.
    pub fn to_query(&self) -> String {
        [
            ("actor", &self.actor),
            ("subject", &self.subject),
            ("kind", &self.kind),
            ("from", &self.from),
            ("until", &self.until),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{name}={}", crate::encode_query_value(value)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// One entry as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    /// In the reader's zone.
    pub time: String,
    /// The account's address, `#id` once it is erased, or nothing for the system.
    pub actor: Option<String>,
    pub subject: Option<String>,
    /// The kind's stored name, translated by the page.
    pub kind: String,
    pub reason: Option<String>,
    pub ip: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLogView {
    pub rows: Vec<AuditRow>,
    /// The cursor of the next (older) page, when there is one.
    pub older_than: Option<i64>,
    /// The filter names an address no account has: nothing can match.
    pub unknown_account: bool,
}

impl AuditQuery {
    /// The filter from its parts, each missing one matching everything.
    pub fn of(
        actor: Option<String>,
        subject: Option<String>,
        kind: Option<String>,
        from: Option<String>,
        until: Option<String>,
    ) -> AuditQuery {
        AuditQuery {
            actor: actor.unwrap_or_default(),
            subject: subject.unwrap_or_default(),
            kind: kind.unwrap_or_default(),
            from: from.unwrap_or_default(),
            until: until.unwrap_or_default(),
        }
    }
}

/// One page of the log, newest first, below the entry `before`.
#[server(prefix = "/api", endpoint = "staff/audit")]
pub async fn audit_log(
    actor: Option<String>,
    subject: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    until: Option<String>,
    before: Option<i64>,
) -> Result<AuditLogView, AppError> {
    let query = AuditQuery::of(actor, subject, kind, from, until);
    let user = ssr::require(domain::Permission::AuditRead).await?;
    let support = ssr::ctx()?.support;
    let actor = service::Actor::member(&user);
    let zone = ssr::request_zone();
    let Some(filter) = audit_filter(&support, &actor, &query, zone).await? else {
        return Ok(AuditLogView {
            rows: Vec::new(),
            older_than: None,
            unknown_account: true,
        });
    };
    let page = support
        .audit_log(&actor, &filter, before, AUDIT_PAGE_SIZE + 1)
        .await
        .map_err(ssr::into_app_error)?;
    let has_more = page.entries.len() > AUDIT_PAGE_SIZE as usize;
    let name = |id: Option<i64>| account_name(&page.addresses, id);
    let rows: Vec<AuditRow> = page
        .entries
        .iter()
        .take(AUDIT_PAGE_SIZE as usize)
        .map(|entry| AuditRow {
            id: entry.id,
            time: service::time_format::format_in_zone(entry.at_ms, zone),
            actor: name(entry.actor),
            subject: name(entry.subject),
            kind: entry.kind.clone(),
            reason: entry.reason.clone(),
            ip: entry.personal.ip.clone(),
        })
        .collect();
    Ok(AuditLogView {
        older_than: has_more.then(|| rows.last().map(|r| r.id)).flatten(),
        rows,
        unknown_account: false,
    })
}

/// The filtered log as a CSV file, for spreadsheets.
#[server(prefix = "/api", endpoint = "staff/audit.csv", input = GetUrl, output = StreamingText)]
pub async fn export_audit_csv(
    actor: Option<String>,
    subject: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    until: Option<String>,
) -> Result<TextStream<AppError>, AppError> {
    let query = AuditQuery::of(actor, subject, kind, from, until);
    export_audit(query, ExportFormat::Csv).await
}

/// The filtered log as JSON lines, one entry each with its hashes, for
/// programs that check the chain.
#[server(prefix = "/api", endpoint = "staff/audit.jsonl", input = GetUrl, output = StreamingText)]
pub async fn export_audit_jsonl(
    actor: Option<String>,
    subject: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    until: Option<String>,
) -> Result<TextStream<AppError>, AppError> {
    let query = AuditQuery::of(actor, subject, kind, from, until);
    export_audit(query, ExportFormat::JsonLines).await
}

#[cfg(feature = "ssr")]
#[derive(Clone, Copy, PartialEq, Eq)]
enum ExportFormat {
    Csv,
    JsonLines,
}

#[cfg(feature = "ssr")]
impl ExportFormat {
    /// As the audit entry of the export names it.
    fn name(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::JsonLines => "jsonl",
        }
    }
}

/// Entries read per step of an export, so that a large log streams out
/// instead of filling the server's memory.
#[cfg(feature = "ssr")]
const EXPORT_BATCH: u32 = 1000;

#[cfg(feature = "ssr")]
async fn export_audit(
    query: AuditQuery,
    format: ExportFormat,
) -> Result<TextStream<AppError>, AppError> {
    use crate::i18n::T;
    use futures::StreamExt;

    let user = ssr::require(domain::Permission::AuditRead).await?;
    let support = ssr::ctx()?.support;
    let actor = service::Actor::member(&user);
    let zone = ssr::request_zone();
    let locale = ssr::request_locale();
    // An address no account has matches nothing: an empty file.
    let filter = audit_filter(&support, &actor, &query, zone).await?;
    if let Some(filter) = &filter {
        support
            .record_audit_export(&actor, filter, format.name())
            .await
            .map_err(ssr::into_app_error)?;
    }
    let filter = filter.map(|filter| (filter, None::<i64>));
    let header = match format {
        ExportFormat::Csv => service::csv::to_csv(
            &[
                "id",
                T::ColTime.text(locale),
                T::AuditActorLabel.text(locale),
                T::AuditSubjectLabel.text(locale),
                T::ColEvent.text(locale),
                T::ReasonLabel.text(locale),
                T::ColIp.text(locale),
            ],
            Vec::<Vec<String>>::new(),
        ),
        ExportFormat::JsonLines => String::new(),
    };
    let batches = futures::stream::unfold(filter, move |state| {
        let support = support.clone();
        async move {
            let (filter, before) = state?;
            let page = match support
                .audit_log(&actor, &filter, before, EXPORT_BATCH)
                .await
            {
                Ok(page) => page,
                Err(error) => return Some((Err(ssr::into_app_error(error)), None)),
            };
            let last = page.entries.last().map(|entry| entry.id)?;
            let text = match format {
                ExportFormat::Csv => csv_rows(&page, zone, locale),
                ExportFormat::JsonLines => json_lines(&page),
            };
            let more = page.entries.len() == EXPORT_BATCH as usize;
            Some((Ok(text), more.then_some((filter, Some(last)))))
        }
    });
    let body = futures::stream::once(async move { Ok(header) }).chain(batches);
    let (name, content_type) = match format {
        ExportFormat::Csv => ("latchkey-audit.csv", "text/csv; charset=utf-8"),
        ExportFormat::JsonLines => ("latchkey-audit.jsonl", "application/jsonl; charset=utf-8"),
    };
    Ok(ssr::download_stream(name, content_type, body))
}

/// The CSV rows of a batch (no header: the export writes it once).
#[cfg(feature = "ssr")]
fn csv_rows(
    page: &service::support::AuditLogPage,
    zone: service::time_format::Tz,
    locale: domain::Locale,
) -> String {
    let name = |id: Option<i64>| account_name(&page.addresses, id).unwrap_or_default();
    let rows = page.entries.iter().map(|entry| {
        vec![
            entry.id.to_string(),
            service::time_format::format_in_zone(entry.at_ms, zone),
            name(entry.actor),
            name(entry.subject),
            crate::pages::audit_kind_text(&entry.kind)
                .map(|text| text.text(locale).to_owned())
                .unwrap_or_else(|| entry.kind.clone()),
            entry.reason.clone().unwrap_or_default(),
            entry.personal.ip.clone().unwrap_or_default(),
        ]
    });
    service::csv::csv_rows(rows)
}

/// Each entry of a batch as one JSON line, as stored: hashes, the personal
/// fields (blank once erased) and their commitment.
#[cfg(feature = "ssr")]
fn json_lines(page: &service::support::AuditLogPage) -> String {
    page.entries
        .iter()
        .map(|entry| {
            let line = serde_json::json!({
                "id": entry.id,
                "at": service::time_format::iso_utc(entry.at_ms),
                "at_ms": entry.at_ms,
                "actor": entry.actor,
                "subject": entry.subject,
                "kind": entry.kind,
                "reason": entry.reason,
                "details": entry.details,
                "address": entry.personal.address,
                "ip": entry.personal.ip,
                "user_agent": entry.personal.user_agent,
                "personal_salt": entry.personal_salt,
                "personal_hash": entry.personal_hash,
                "erased_at": entry.erased_at,
                "prev_hash": entry.prev_hash,
                "hash": entry.hash,
            });
            format!("{line}\n")
        })
        .collect()
}

/// The address of an account the page names, `#id` once erased.
#[cfg(feature = "ssr")]
fn account_name(addresses: &[(i64, String)], id: Option<i64>) -> Option<String> {
    let id = id?;
    Some(
        addresses
            .iter()
            .find(|(known, _)| *known == id)
            .map_or_else(|| format!("#{id}"), |(_, address)| address.clone()),
    )
}

/// The service's filter for the form's, or `None` when it names an address
/// no account has. Unreadable days and kinds are refused as a field error.
#[cfg(feature = "ssr")]
async fn audit_filter(
    support: &service::support::Support,
    actor: &service::Actor,
    query: &AuditQuery,
    zone: service::time_format::Tz,
) -> Result<Option<service::ports::AuditFilter>, AppError> {
    use crate::error::FieldError;
    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    let mut refused = Vec::new();
    let mut day = |field: &str, value: &str| {
        if value.trim().is_empty() {
            return None;
        }
        let start = service::time_format::day_start_ms(value, zone);
        if start.is_none() {
            refused.push(FieldError {
                field: field.to_owned(),
                code: "audit.day_invalid".to_owned(),
            });
        }
        start
    };
    let from_ms = day("from", &query.from);
    // The whole last day is included.
    let until_ms = day("until", &query.until).map(|start| start + DAY_MS);
    let kind = Some(query.kind.trim())
        .filter(|kind| !kind.is_empty())
        .map(str::to_owned);
    if kind
        .as_deref()
        .is_some_and(|kind| domain::audit::AuditKind::parse(kind).is_none())
    {
        refused.push(FieldError {
            field: "kind".to_owned(),
            code: "audit.kind_unknown".to_owned(),
        });
    }
    if !refused.is_empty() {
        return Err(ssr::reject(AppError::Validation(refused)));
    }
    let account = |term: String| async move {
        if term.trim().is_empty() {
            return Ok(Some(None));
        }
        support
            .audit_account(actor, &term)
            .await
            .map(|found| found.map(Some))
            .map_err(ssr::into_app_error)
    };
    let Some(actor_id) = account(query.actor.clone()).await? else {
        return Ok(None);
    };
    let Some(subject) = account(query.subject.clone()).await? else {
        return Ok(None);
    };
    Ok(Some(service::ports::AuditFilter {
        actor: actor_id,
        subject,
        kind,
        from_ms,
        until_ms,
    }))
}
