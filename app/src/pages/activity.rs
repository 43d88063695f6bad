use crate::page_resource;
use domain::{ActivityKind, Locale};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::InAccount;
use crate::api::{activity, ActivityRow, TimeView, UserView};
use crate::components::{shown, ErrorSummary, ZoneHint};
use crate::encode_query_value;
use crate::i18n::{age_text, t, use_locale, T};

pub fn event_text(kind: ActivityKind) -> T {
    match kind {
        ActivityKind::Registered => T::EvRegistered,
        ActivityKind::EmailVerified => T::EvEmailVerified,
        ActivityKind::VerificationResent => T::EvVerificationResent,
        ActivityKind::SignedIn => T::EvSignedIn,
        ActivityKind::SignedInNewDevice => T::EvSignedInNewDevice,
        ActivityKind::SignInFailed => T::EvSignInFailed,
        ActivityKind::SignInRefusedLocked => T::EvSignInRefusedLocked,
        ActivityKind::AccountLocked => T::EvAccountLocked,
        ActivityKind::AccountUnlocked => T::EvAccountUnlocked,
        ActivityKind::SignedOut => T::EvSignedOut,
        ActivityKind::SessionRevoked => T::EvSessionRevoked,
        ActivityKind::OtherSessionsRevoked => T::EvOtherSessionsRevoked,
        ActivityKind::ReportedNotMe => T::EvReportedNotMe,
        ActivityKind::PasswordResetRequested => T::EvPasswordResetRequested,
        ActivityKind::PasswordReset => T::EvPasswordReset,
        ActivityKind::PasswordChanged => T::EvPasswordChanged,
        ActivityKind::EmailChangeRequested => T::EvEmailChangeRequested,
        ActivityKind::EmailChanged => T::EvEmailChanged,
        ActivityKind::EmailRestored => T::EvEmailRestored,
        ActivityKind::DisplayNameChanged => T::EvDisplayNameChanged,
        ActivityKind::DataExported => T::EvDataExported,
        ActivityKind::DeletionRequested => T::EvDeletionRequested,
        ActivityKind::DeletionCancelled => T::EvDeletionCancelled,
        ActivityKind::TotpEnabled => T::EvTotpEnabled,
        ActivityKind::TotpRemoved => T::EvTotpRemoved,
        ActivityKind::RecoveryCodesRegenerated => T::EvRecoveryCodesRegenerated,
        ActivityKind::RecoveryCodeUsed => T::EvRecoveryCodeUsed,
        ActivityKind::SecondFactorFailed => T::EvSecondFactorFailed,
        ActivityKind::SecondFactorReplayed => T::EvSecondFactorReplayed,
        ActivityKind::Reauthenticated => T::EvReauthenticated,
        ActivityKind::PasskeyAdded => T::EvPasskeyAdded,
        ActivityKind::PasskeyRenamed => T::EvPasskeyRenamed,
        ActivityKind::PasskeyRemoved => T::EvPasskeyRemoved,
        ActivityKind::PasskeyUsed => T::EvPasskeyUsed,
        ActivityKind::PasskeyRefused => T::EvPasskeyRefused,
        ActivityKind::SupportUnlocked => T::EvSupportUnlocked,
        ActivityKind::SupportEndedSessions => T::EvSupportEndedSessions,
        ActivityKind::SupportDisabled => T::EvSupportDisabled,
        ActivityKind::SupportEnabled => T::EvSupportEnabled,
        ActivityKind::SupportRequiredPasswordReset => T::EvSupportRequiredPasswordReset,
        ActivityKind::SupportRemovedSecondFactors => T::EvSupportRemovedSecondFactors,
        ActivityKind::SupportViewed => T::EvSupportViewed,
        ActivityKind::SupportResentVerification => T::EvSupportResentVerification,
        ActivityKind::SupportRespondedToCompromise => T::EvSupportRespondedToCompromise,
    }
}

/// "Firefox on Linux" ("Linux 上的 Firefox"), from what the user agent told:
/// one phrase per language, since the word order differs.
pub fn device_text(browser: Option<&str>, system: Option<&str>, locale: Locale) -> String {
    match (browser, system) {
        (Some(browser), Some(system)) => T::DeviceOn
            .text(locale)
            .replace("{browser}", browser)
            .replace("{system}", system),
        (Some(one), None) | (None, Some(one)) => one.to_owned(),
        (None, None) => T::UnknownDevice.text(locale).to_owned(),
    }
}

/// A moment in the reader's zone, with its age beside it (past a week the
/// date alone says enough); the machine-readable time carries the offset.
#[component]
pub fn When(time: TimeView) -> impl IntoView {
    let age = age_text(time.age, use_locale());
    let class = if age.is_some() {
        "when has-age"
    } else {
        "when"
    };
    let title = time.local.clone();
    view! {
        <time datetime=time.iso title=title class=class>
            <span class="when-local">{time.local}</span>
            {age.map(|age| view! { " " <span class="when-age">{age}</span> })}
        </time>
    }
}

#[component]
pub fn ActivityPage() -> impl IntoView {
    view! {
        <Title text=t(T::ActivityTitle) />
        <InAccount content=|_user: UserView| view! { <ActivityList /> } />
    }
}

#[component]
fn ActivityList() -> impl IntoView {
    // Read once, into plain values: the page is drawn on the server for this
    // one request (it is no island), and a closure over the query could still
    // run after a client that hung up has let go of the page.
    let (before, kind) = use_query_map().with_untracked(|query| {
        (
            query.get("before").and_then(|b| b.parse::<i64>().ok()),
            query.get("kind").and_then(|k| ActivityKind::parse(&k)),
        )
    });
    let page = page_resource(
        move || (before, kind),
        |(before, kind)| activity(before, kind.map(|k| k.as_str().to_owned())),
    );
    let kind_query = kind
        .map(|k| format!("kind={}", encode_query_value(k.as_str())))
        .unwrap_or_default();
    // Looked up once: the filter and the table ask for dozens of texts.
    let locale = use_locale();
    view! {
        <section class="card wide">
            <h1>{t(T::ActivityTitle)}</h1>
            <p class="lead">{t(T::ActivityIntro)}</p>
            // A plain GET form: filtering works the same with scripts off.
            <form method="get" action="/account/activity" class="filter">
                <label for="activity-kind">{t(T::FilterLabel)}</label>
                <select id="activity-kind" name="kind">
                    <option value="" selected=kind.is_none()>{t(T::AllEvents)}</option>
                    {ActivityKind::ALL
                        .into_iter()
                        .map(|k| view! {
                            <option value=k.as_str() selected=kind == Some(k)>{event_text(k).text(locale)}</option>
                        })
                        .collect_view()}
                </select>
                <button type="submit" class="button">{t(T::FilterButton)}</button>
            </form>
            <p>
                <a href=format!("/api/account/activity.csv?{kind_query}") download="latchkey-activity.csv" rel="external">
                    {t(T::DownloadCsv)}
                </a>
            </p>
            <Transition>
                {move || {
                    let kind_query = kind_query.clone();
                    Suspend::new(async move {
                        match page.await {
                            Err(error) => view! { <ErrorSummary error=shown(Some(error)) /> }.into_any(),
                            Ok(page) if page.rows.is_empty() => view! { <p>{t(T::NoActivity)}</p> }.into_any(),
                            Ok(page) => view! {
                                <ZoneHint zone=page.zone />
                                <ActivityTable rows=page.rows />
                                <nav class="pager" aria-label=t(T::ActivityTitle)>
                                    {before.map(|_| view! { <a href=format!("/account/activity?{kind_query}")>{t(T::NewestEvents)}</a> })}
                                    {page.older_than.map(|id| view! {
                                        <a href=format!("/account/activity?before={id}&{kind_query}")>{t(T::OlderEvents)}</a>
                                    })}
                                </nav>
                            }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

/// The history's rows; what staff did names the staff member and the reason.
#[component]
pub fn ActivityTable(rows: Vec<ActivityRow>) -> impl IntoView {
    // Looked up once, not for each of the rows' cells.
    let locale = use_locale();
    let [time_label, event_label, ip_label, device_label] =
        [T::ColTime, T::ColEvent, T::ColIp, T::ColDevice].map(|label| label.text(locale));
    let table = view! {
        <table class="activity">
            <thead>
                <tr>
                    <th scope="col">{time_label}</th>
                    <th scope="col">{event_label}</th>
                    <th scope="col">{ip_label}</th>
                    <th scope="col">{device_label}</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|row: ActivityRow| view! {
                    <tr class=format!("event-{}", row.kind.as_str())>
                        <td class="col-time" data-label=time_label><When time=row.time /></td>
                        <td class="col-event" data-label=event_label>
                            {event_text(row.kind).text(locale)}
                            {row.staff.map(|staff| view! {
                                <span class="event-detail">{format!("{}: {staff}", T::StaffMemberLabel.text(locale))}</span>
                            })}
                            {row.reason.map(|reason| view! {
                                <span class="event-detail">{format!("{}: {reason}", T::ReasonLabel.text(locale))}</span>
                            })}
                            {row.until.map(|until| view! {
                                <span class="event-detail">{T::ViewedUntilLabel.text(locale)} ": " <time>{until}</time></span>
                            })}
                        </td>
                        <td class="col-ip" data-label=ip_label>{row.ip}</td>
                        <td class="col-device" data-label=device_label>{device_text(row.browser.as_deref(), row.system.as_deref(), locale)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    };
    // Written out here in one pass, escaped as any view is: the table is only
    // ever drawn on the server (it is no island), and inside the page's
    // suspense each of its hundreds of elements would otherwise be written
    // into a buffer of its own, which cost a tenth of the page's work.
    view! { <div class="table-scroll" inner_html=table.to_html()></div> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_is_one_phrase_in_each_language() {
        let chrome = Some("Headless Chrome");
        let linux = Some("Linux");
        assert_eq!(
            device_text(chrome, linux, Locale::En),
            "Headless Chrome on Linux"
        );
        assert_eq!(
            device_text(chrome, linux, Locale::ZhCn),
            "Linux 上的 Headless Chrome"
        );
        assert_eq!(device_text(None, linux, Locale::ZhCn), "Linux");
        assert_eq!(device_text(None, None, Locale::ZhCn), "未知设备");
    }
}
