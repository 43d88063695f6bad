//! `/staff/alerts`: the security alerts, drawn on the server. Each alert
//! is acknowledged with a note, and one about an account offers the
//! response to a compromise; both are plain form posts. With JavaScript,
//! `public/alerts.js` (loaded on this page only) listens to the alerts'
//! event stream and adds new alerts to the top of the list.

use crate::page_resource;
use domain::AlertRule;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::team::{ConsolePage, GatedPanel, Refusal};
use crate::api::{
    load_alerts, AcknowledgeAlert, AlertLine, AlertsView, FormFlash, SupportRespondToCompromise,
    ACK_FORM, RESPOND_FORM,
};
use crate::components::{post_path, PostForm, Submit, SuccessNotice, ZoneHint};
use crate::error::ShownError;
use crate::i18n::{t, use_locale, T};

/// Where the page's script listens for new alerts.
const STREAM_PATH: &str = "/api/staff/alerts/stream";

#[component]
pub fn StaffAlertsPage() -> impl IntoView {
    view! { <ConsolePage title=T::AlertsTitle panel=|| view! { <AlertsPanel /> } /> }
}

#[component]
fn AlertsPanel() -> impl IntoView {
    let query = use_query_map();
    let before = query
        .read_untracked()
        .get("before")
        .and_then(|b| b.parse::<i64>().ok());
    let done = query.read_untracked().get("done");
    let alerts = page_resource(move || before, load_alerts);
    view! {
        <GatedPanel data=alerts draw=move |view, flash| {
            view! { <AlertsCard view flash done=done.clone() live=before.is_none() /> }.into_any()
        } />
    }
}

fn rule_text(rule: AlertRule) -> T {
    match rule {
        AlertRule::AccountFailures => T::RuleAccountFailures,
        AlertRule::NetworkManyAddresses => T::RuleNetworkManyAddresses,
        AlertRule::NewDeviceAfterReset => T::RuleNewDeviceAfterReset,
        AlertRule::NetworkHop => T::RuleNetworkHop,
        AlertRule::RepeatedSupportViews => T::RuleRepeatedSupportViews,
        AlertRule::OffHoursGrant => T::RuleOffHoursGrant,
        AlertRule::ReviewItemOverdue => T::RuleReviewItemOverdue,
    }
}

/// What the rule's measure counts.
fn observed_text(rule: AlertRule) -> T {
    match rule {
        AlertRule::AccountFailures => T::ObsFailures,
        AlertRule::NetworkManyAddresses => T::ObsAddresses,
        AlertRule::NewDeviceAfterReset => T::ObsSecondsAfterReset,
        AlertRule::NetworkHop => T::ObsSecondsApart,
        AlertRule::RepeatedSupportViews => T::ObsViews,
        AlertRule::OffHoursGrant => T::ObsGrants,
        AlertRule::ReviewItemOverdue => T::ObsOverdue,
    }
}

#[component]
fn AlertsCard(
    view: AlertsView,
    flash: Signal<Option<FormFlash>>,
    done: Option<String>,
    /// The first page: new alerts are added to it as they come.
    live: bool,
) -> impl IntoView {
    let notice = match done.as_deref() {
        Some("acknowledged") => Some(T::AcknowledgedNotice),
        Some("responded") => Some(T::RespondedNotice),
        _ => None,
    };
    let kept = flash.get_untracked();
    let locale = use_locale();
    let may_respond = view.may_respond;
    let empty = view.alerts.is_empty();
    view! {
        <section class="card wide">
            <h1>{t(T::AlertsTitle)}</h1>
            <p class="lead">{t(T::AlertsIntro)}</p>
            {notice.map(|text| view! { <SuccessNotice text /> })}
            {live.then(|| view! {
                <p id="alerts-live" class="hint" role="status" aria-live="polite"
                    data-stream=STREAM_PATH data-new-text=t(T::AlertsNewArrived)>
                    {t(T::AlertsLive)}
                </p>
            })}
            <ZoneHint zone=view.zone.clone() />
            {empty.then(|| view! { <p id="alerts-empty">{t(T::NoAlerts)}</p> })}
            <ol id="alerts-list" class="alerts">
                {view.alerts.into_iter().map(|alert| {
                    // A refused post of this alert's form, with what was typed.
                    let kept_for = |form: &str| kept.clone().filter(|f| f.form == form && f.value("alert") == alert.id.to_string());
                    let ack = kept_for(ACK_FORM);
                    let respond = kept_for(RESPOND_FORM);
                    view! { <AlertItem alert ack respond may_respond locale /> }
                }).collect_view()}
            </ol>
            <nav class="pager" aria-label=t(T::AlertsTitle)>
                {view.older_than.map(|older| view! { <a href=format!("/staff/alerts?before={older}")>{t(T::OlderAlerts)}</a> })}
            </nav>
        </section>
        {live.then(|| view! { <script src="/alerts.js" defer></script> })}
    }
}

#[component]
fn AlertItem(
    alert: AlertLine,
    ack: Option<FormFlash>,
    respond: Option<FormFlash>,
    may_respond: bool,
    locale: domain::Locale,
) -> impl IntoView {
    let id = alert.id;
    let subject = match (&alert.account, &alert.network) {
        (Some((account, email)), _) => view! {
            <a href=format!("/staff/customers/{account}")>{if email.is_empty() { account.to_string() } else { email.clone() }}</a>
        }
        .into_any(),
        (None, Some(network)) => view! { {t(T::AlertNetwork)} " " {network.clone()} }.into_any(),
        (None, None) => "—".into_any(),
    };
    let state = match alert.acknowledged.clone() {
        Some(ack) => view! {
            {t(T::AlertAcknowledgedBy)} " " {ack.by} " · " <time>{ack.at}</time>
            <br />{t(T::AlertNote)} ": " {ack.note}
        }
        .into_any(),
        None => t(T::AlertOpen).into_any(),
    };
    let shown = |kept: &Option<FormFlash>| {
        kept.as_ref()
            .and_then(|f| f.error.clone())
            .map(|error| ShownError::new(error, locale))
    };
    let ack_form = alert.acknowledged.is_none().then(|| {
        let error = shown(&ack);
        let typed = ack.as_ref().map(|f| f.value("note")).unwrap_or_default();
        let action = post_path::<AcknowledgeAlert>();
        view! {
            <PostForm action form_class="stack alert-action">
                <h3>{t(T::AckHeading)}</h3>
                <input type="hidden" name="alert" value=id.to_string() />
                <OneLine name="note" id=format!("alert-{id}-note") label=T::NoteLabel hint=T::NoteHint value=typed error />
                <Submit label=T::AckButton />
            </PostForm>
        }
    });
    let respond_form = alert.account.clone().filter(|_| may_respond).map(|(account, _)| {
        let error = shown(&respond);
        let typed = respond.as_ref().map(|f| f.value("reason")).unwrap_or_default();
        let action = post_path::<SupportRespondToCompromise>();
        view! {
            <PostForm action form_class="stack alert-action">
                <h3>{t(T::ActRespondToCompromise)}</h3>
                <p class="hint">{t(T::RespondHint)}</p>
                <input type="hidden" name="customer" value=account.to_string() />
                <input type="hidden" name="alert" value=id.to_string() />
                <OneLine name="reason" id=format!("alert-{id}-reason") label=T::ReasonLabel hint=T::ReasonHint value=typed error />
                <Submit label=T::ActRespondToCompromise danger=true />
            </PostForm>
        }
    });
    view! {
        <li id=format!("alert-{id}") class="alert-item" data-alert=id.to_string()>
            <h2>{t(rule_text(alert.rule))}</h2>
            <dl class="profile">
                <dt>{t(T::AlertSubject)}</dt><dd>{subject}</dd>
                <dt>{t(T::AlertAddress)}</dt><dd>{alert.ip.clone().unwrap_or_else(|| "—".to_owned())}</dd>
                <dt>{t(T::AlertEvents)}</dt><dd>{alert.events}</dd>
                <dt>{t(observed_text(alert.rule))}</dt><dd>{alert.observed}</dd>
                <dt>{t(T::AlertFirst)}</dt><dd><time>{alert.first.clone()}</time></dd>
                <dt>{t(T::AlertLast)}</dt><dd><time>{alert.last.clone()}</time></dd>
                <dt>{t(T::AlertState)}</dt><dd>{state}</dd>
            </dl>
            {ack_form}
            {respond_form}
        </li>
    }
}

/// A one-line text input for a note or a reason, with its own id (a page
/// of alerts has one per alert) and the refusal of a post without
/// JavaScript said under it.
#[component]
pub(super) fn OneLine(
    name: &'static str,
    id: String,
    label: T,
    hint: T,
    value: String,
    error: Option<ShownError>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let messages = error
        .as_ref()
        .map(|e| e.field_texts(name))
        .unwrap_or_default();
    let other = error.filter(|_| messages.is_empty());
    let invalid = !messages.is_empty();
    let described_by = if invalid {
        format!("{hint_id} {error_id}")
    } else {
        hint_id.clone()
    };
    view! {
        {other.map(|error| view! { <Refusal error=Signal::stored(Some(error)) /> })}
        <div class="field" class:field-invalid=invalid>
            <label for=id.clone()>{t(label)}</label>
            <p class="hint" id=hint_id>{t(hint)}</p>
            <input id=id name=name type="text" autocomplete="off" value=value required=true
                maxlength=domain::reason::MAX_REASON_CHARS.to_string()
                aria-invalid=invalid.then_some("true") aria-describedby=described_by />
            <ul class="field-errors" id=error_id>
                {messages.into_iter().map(|message| view! { <li>{message}</li> }).collect_view()}
            </ul>
        </div>
    }
}
