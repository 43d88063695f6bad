use domain::ActivityKind;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::SignedIn;
use crate::api::{activity, ActivityRow, UserView};
use crate::components::ErrorSummary;
use crate::i18n::{t, T};

fn event_text(kind: ActivityKind) -> T {
    match kind {
        ActivityKind::Registered => T::EvRegistered,
        ActivityKind::EmailVerified => T::EvEmailVerified,
        ActivityKind::VerificationResent => T::EvVerificationResent,
        ActivityKind::SignedIn => T::EvSignedIn,
        ActivityKind::SignInFailed => T::EvSignInFailed,
        ActivityKind::SignedOut => T::EvSignedOut,
        ActivityKind::PasswordResetRequested => T::EvPasswordResetRequested,
        ActivityKind::PasswordReset => T::EvPasswordReset,
    }
}

fn device_text(row: &ActivityRow) -> String {
    match (&row.browser, &row.system) {
        (Some(browser), Some(system)) => format!("{browser} {} {system}", t(T::On)),
        (Some(one), None) | (None, Some(one)) => one.clone(),
        (None, None) => t(T::UnknownDevice).to_owned(),
    }
}

#[component]
pub fn ActivityPage() -> impl IntoView {
    view! {
        <Title text=t(T::ActivityTitle) />
        <SignedIn content=|_user: UserView| view! { <ActivityList /> } />
    }
}

#[component]
fn ActivityList() -> impl IntoView {
    let query = use_query_map();
    let before = move || {
        query
            .read()
            .get("before")
            .and_then(|b| b.parse::<i64>().ok())
    };
    let page = Resource::new(before, activity);
    view! {
        <section class="card wide">
            <h1>{t(T::ActivityTitle)}</h1>
            <p class="lead">{t(T::ActivityIntro)}</p>
            <Transition>
                {move || Suspend::new(async move {
                    match page.await {
                        Err(error) => view! { <ErrorSummary error=Signal::derive(move || Some(error.clone())) /> }.into_any(),
                        Ok(page) if page.rows.is_empty() => view! { <p>{t(T::NoActivity)}</p> }.into_any(),
                        Ok(page) => view! {
                            <p class="hint">{t(T::TimesShownIn)} " " {page.zone.clone()}</p>
                            <div class="table-scroll">
                                <table class="activity">
                                    <thead>
                                        <tr>
                                            <th scope="col">{t(T::ColTime)}</th>
                                            <th scope="col">{t(T::ColEvent)}</th>
                                            <th scope="col">{t(T::ColIp)}</th>
                                            <th scope="col">{t(T::ColDevice)}</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {page.rows.iter().map(|row| view! {
                                            <tr class=format!("event-{}", row.kind.as_str())>
                                                <td data-label=t(T::ColTime)><time>{row.time.clone()}</time></td>
                                                <td data-label=t(T::ColEvent)>{t(event_text(row.kind))}</td>
                                                <td data-label=t(T::ColIp)>{row.ip.clone()}</td>
                                                <td data-label=t(T::ColDevice)>{device_text(row)}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <nav class="pager" aria-label=t(T::ActivityTitle)>
                                {before().map(|_| view! { <a href="/account/activity">{t(T::NewestEvents)}</a> })}
                                {page.older_than.map(|id| view! {
                                    <a href=format!("/account/activity?before={id}")>{t(T::OlderEvents)}</a>
                                })}
                            </nav>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
