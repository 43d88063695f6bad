//! `/staff/audit`: the audit log for staff who hold `audit.read`, filtered
//! by who acted, which account, what happened and when; pages of 50,
//! newest first, and the filtered set as CSV or JSON lines.

use crate::page_resource;
use domain::audit::AuditKind;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::event_text;
use super::team::ConsolePage;
use crate::api::{audit_log, AuditQuery, AuditRow};
use crate::components::{shown, ErrorSummary};
use crate::error::AppError;
use crate::i18n::{t, T};

/// The words for an entry's kind (by its stored name), when it is known.
pub fn audit_kind_text(name: &str) -> Option<T> {
    Some(match AuditKind::parse(name)? {
        AuditKind::Activity(kind) => event_text(kind),
        AuditKind::RoleGranted => T::AuditRoleGranted,
        AuditKind::RoleRevoked => T::AuditRoleRevoked,
        AuditKind::StaffOffboarded => T::AuditStaffOffboarded,
        AuditKind::RoleSaved => T::AuditRoleSaved,
        AuditKind::SupportViewEnded => T::AuditSupportViewEnded,
        AuditKind::AccountErased => T::AuditAccountErased,
        AuditKind::LogArchived => T::AuditLogArchived,
        AuditKind::AlertAcknowledged => T::AuditAlertAcknowledged,
        AuditKind::ReviewCampaignOpened => T::AuditReviewCampaignOpened,
        AuditKind::ReviewCampaignClosed => T::AuditReviewCampaignClosed,
        AuditKind::ReviewKept => T::AuditReviewKept,
        AuditKind::ReviewRevoked => T::AuditReviewRevoked,
        AuditKind::TrainingRecorded => T::AuditTrainingRecorded,
        AuditKind::AlertRaised => T::AuditAlertRaised,
        AuditKind::LogExported => T::AuditLogExported,
    })
}

#[component]
pub fn StaffAuditPage() -> impl IntoView {
    view! { <ConsolePage title=T::AuditTitle panel=|| view! { <AuditPanel /> } /> }
}

#[component]
fn AuditPanel() -> impl IntoView {
    let query_map = use_query_map();
    let query = move || {
        let map = query_map.read();
        AuditQuery::of(
            map.get("actor"),
            map.get("subject"),
            map.get("kind"),
            map.get("from"),
            map.get("until"),
        )
    };
    let before = move || {
        query_map
            .read()
            .get("before")
            .and_then(|b| b.parse::<i64>().ok())
    };
    let page = page_resource(
        move || (query(), before()),
        |(query, before)| {
            let AuditQuery {
                actor,
                subject,
                kind,
                from,
                until,
            } = query;
            let given = |value: String| Some(value).filter(|v| !v.is_empty());
            audit_log(
                given(actor),
                given(subject),
                given(kind),
                given(from),
                given(until),
                before,
            )
        },
    );
    view! {
        <section class="card wide">
            <h1>{t(T::AuditTitle)}</h1>
            <Transition>
                {move || Suspend::new(async move {
                    let query = query();
                    match page.await {
                        // Without the permission, the page says why and shows nothing else.
                        Err(error @ (AppError::Forbidden | AppError::Unauthenticated)) => {
                            view! { <ErrorSummary error=shown(Some(error)) /> }.into_any()
                        }
                        answer => view! {
                            <p class="lead">{t(T::AuditIntro)}</p>
                            <AuditFilter query=query.clone() error=answer.as_ref().err().cloned() />
                            {match answer {
                                Err(_) => ().into_any(),
                                Ok(log) => {
                                    let filter = query.to_query();
                                    view! {
                                        <AuditExports filter=filter.clone() />
                                        {log.unknown_account.then(|| view! { <p>{t(T::AuditUnknownAccount)}</p> })}
                                        {(log.rows.is_empty() && !log.unknown_account)
                                            .then(|| view! { <p>{t(T::AuditNoEntries)}</p> })}
                                        {(!log.rows.is_empty()).then(|| view! { <AuditTable rows=log.rows.clone() /> })}
                                        <nav class="pager" aria-label=t(T::AuditTitle)>
                                            {before().map(|_| view! { <a href=format!("/staff/audit?{filter}")>{t(T::AuditNewest)}</a> })}
                                            {log.older_than.map(|id| view! {
                                                <a href=format!("/staff/audit?before={id}&{filter}")>{t(T::AuditOlder)}</a>
                                            })}
                                        </nav>
                                    }.into_any()
                                }
                            }}
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The filter: a plain GET form, so it works the same with scripts off and
/// its result can be bookmarked.
#[component]
fn AuditFilter(query: AuditQuery, error: Option<AppError>) -> impl IntoView {
    let error = shown(error);
    let messages = move |field: &'static str| {
        error
            .get()
            .map(|e| e.field_texts(field))
            .unwrap_or_default()
    };
    let field = move |name: &'static str,
                      label: T,
                      kind: &'static str,
                      value: String,
                      hint: Option<T>| {
        let id = format!("audit-{name}");
        let hint_id = format!("{id}-hint");
        let error_id = format!("{id}-error");
        let errors = messages(name);
        let invalid = !errors.is_empty();
        let described_by = [
            hint.map(|_| hint_id.clone()),
            invalid.then(|| error_id.clone()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        view! {
            <div class="field" class:field-invalid=invalid>
                <label for=id.clone()>{t(label)}</label>
                {hint.map(|hint| view! { <p class="hint" id=hint_id>{t(hint)}</p> })}
                <input id=id name=name type=kind value=value autocomplete="off"
                    aria-invalid=invalid.then_some("true")
                    aria-describedby=(!described_by.is_empty()).then_some(described_by) />
                <ul class="field-errors" id=error_id>
                    {errors.into_iter().map(|message| view! { <li>{message}</li> }).collect_view()}
                </ul>
            </div>
        }
    };
    let kind_errors = messages("kind");
    let kind_invalid = !kind_errors.is_empty();
    let chosen = query.kind.clone();
    view! {
        <form method="get" action="/staff/audit" class="audit-filter">
            {field("actor", T::AuditActorLabel, "text", query.actor.clone(), Some(T::AuditActorHint))}
            {field("subject", T::AuditSubjectLabel, "text", query.subject.clone(), Some(T::AuditActorHint))}
            <div class="field" class:field-invalid=kind_invalid>
                <label for="audit-kind">{t(T::AuditKindLabel)}</label>
                <select id="audit-kind" name="kind">
                    <option value="" selected=chosen.is_empty()>{t(T::AuditAnyKind)}</option>
                    {AuditKind::all()
                        .filter_map(|kind| Some((kind.as_str(), audit_kind_text(kind.as_str())?)))
                        .map(|(name, text)| view! {
                            <option value=name selected=chosen == name>{t(text)}</option>
                        })
                        .collect_view()}
                </select>
                <ul class="field-errors">
                    {kind_errors.into_iter().map(|message| view! { <li>{message}</li> }).collect_view()}
                </ul>
            </div>
            {field("from", T::AuditFromLabel, "date", query.from.clone(), None)}
            {field("until", T::AuditUntilLabel, "date", query.until.clone(), None)}
            <p class="actions">
                <button type="submit" class="button primary">{t(T::AuditFilterButton)}</button>
                " "
                <a href="/staff/audit">{t(T::AuditClearFilter)}</a>
            </p>
        </form>
    }
}

/// Downloads of the filtered set.
#[component]
fn AuditExports(filter: String) -> impl IntoView {
    view! {
        <p class="exports">
            <a href=format!("/api/staff/audit.csv?{filter}") download="latchkey-audit.csv" rel="external">
                {t(T::AuditExportCsv)}
            </a>
            " · "
            <a href=format!("/api/staff/audit.jsonl?{filter}") download="latchkey-audit.jsonl" rel="external">
                {t(T::AuditExportJsonl)}
            </a>
        </p>
    }
}

#[component]
fn AuditTable(rows: Vec<AuditRow>) -> impl IntoView {
    let system = t(T::AuditSystem);
    view! {
        <div class="table-scroll">
            <table class="activity audit">
                <thead>
                    <tr>
                        <th scope="col">{t(T::ColId)}</th>
                        <th scope="col">{t(T::ColTime)}</th>
                        <th scope="col">{t(T::ColEvent)}</th>
                        <th scope="col">{t(T::AuditActorLabel)}</th>
                        <th scope="col">{t(T::AuditSubjectLabel)}</th>
                        <th scope="col">{t(T::ColIp)}</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|row| {
                        let event = audit_kind_text(&row.kind).map_or(row.kind.clone(), |text| t(text).to_owned());
                        view! {
                            <tr>
                                <td data-label=t(T::ColId)>{row.id}</td>
                                <td data-label=t(T::ColTime)><time>{row.time}</time></td>
                                <td data-label=t(T::ColEvent)>
                                    {event}
                                    {row.reason.map(|reason| view! {
                                        <span class="event-detail">{format!("{}: {reason}", t(T::ReasonLabel))}</span>
                                    })}
                                </td>
                                <td data-label=t(T::AuditActorLabel) translate="no">{row.actor.unwrap_or_else(|| system.to_owned())}</td>
                                <td data-label=t(T::AuditSubjectLabel) translate="no">{row.subject.unwrap_or_default()}</td>
                                <td data-label=t(T::ColIp)>{row.ip.unwrap_or_default()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
