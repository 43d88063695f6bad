use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::activity::device_text;
use super::{page_data, SignedIn};
use crate::api::{list_sessions, RevokeOtherSessions, RevokeSession, SessionView, UserView};
use crate::components::{form_error, ErrorSummary, Submit};
use crate::i18n::{t, use_locale, T};

#[component]
pub fn SessionsPage() -> impl IntoView {
    view! {
        <Title text=t(T::SessionsTitle) />
        <SignedIn content=|_user: UserView| view! { <SessionList /> } />
    }
}

#[component]
fn SessionList() -> impl IntoView {
    let revoke = ServerAction::<RevokeSession>::new();
    let revoke_others = ServerAction::<RevokeOtherSessions>::new();
    let data = page_data();
    let flash = data.flash_signal();
    let flash_loaded = data.flash;
    let error = form_error(revoke, flash, "revoke");
    let others_error = form_error(revoke_others, flash, "revoke");
    let sessions = Resource::new(
        move || (revoke.version().get(), revoke_others.version().get()),
        |_| list_sessions(),
    );
    let query = use_query_map();
    let notice = move || match query.read().get("revoked").as_deref() {
        Some("others") => Some(T::OthersRevokedNotice),
        Some(_) => Some(T::SessionRevokedNotice),
        None => None,
    };
    let locale = use_locale();
    view! {
        <section class="card wide">
            <h1>{t(T::SessionsTitle)}</h1>
            <p class="lead">{t(T::SessionsIntro)}</p>
            {move || notice().map(|n| view! { <div class="alert alert-info" role="status"><p>{t(n)}</p></div> })}
            <Transition>
                {move || Suspend::new(async move {
                    // After the flash is read, so a no-JavaScript post's error shows.
                    let _ = flash_loaded.await;
                    let summary = view! { <ErrorSummary error=Signal::derive(move || error.get().or_else(|| others_error.get())) /> };
                    let list = match sessions.await {
                        Err(error) => view! { <ErrorSummary error=Signal::derive(move || Some(error.clone())) /> }.into_any(),
                        Ok(list) => {
                            let others = list.iter().filter(|s| !s.current).count();
                            view! {
                                <ul class="sessions">
                                    {list.into_iter().map(|session: SessionView| {
                                        let device = device_text(session.browser.as_deref(), session.system.as_deref(), locale);
                                        view! {
                                            <li class="session" class:current=session.current>
                                                <h2 class="session-device">
                                                    {device}
                                                    {session.current.then(|| view! { " " <span class="badge ok">{t(T::ThisDevice)}</span> })}
                                                </h2>
                                                <dl class="profile">
                                                    <dt>{t(T::ColIp)}</dt><dd>{session.ip.clone()}</dd>
                                                    <dt>{t(T::SignedInAt)}</dt><dd><time>{session.signed_in.clone()}</time></dd>
                                                    <dt>{t(T::LastActive)}</dt><dd><time>{session.last_active.clone()}</time></dd>
                                                </dl>
                                                {(!session.current).then(|| view! {
                                                    <ActionForm action=revoke>
                                                        <input type="hidden" name="session" value=session.id.to_string() />
                                                        <button type="submit" class="button">{t(T::SignOutSession)}</button>
                                                    </ActionForm>
                                                })}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                                {if others > 0 {
                                    view! {
                                        <ActionForm action=revoke_others>
                                            <Submit label=T::SignOutOthers pending=revoke_others.pending().into() />
                                        </ActionForm>
                                    }.into_any()
                                } else {
                                    view! { <p>{t(T::NoOtherSessions)}</p> }.into_any()
                                }}
                            }.into_any()
                        }
                    };
                    view! { {summary} {list} }
                })}
            </Transition>
        </section>
    }
}
