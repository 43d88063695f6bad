use crate::page_resource;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::activity::{device_text, When};
use super::{page_data, InAccount};
use crate::api::{list_sessions, RevokeOtherSessions, RevokeSession, SessionView, UserView};
use crate::components::{
    flash_error, post_path, shown, ErrorSummary, PostForm, Submit, SuccessNotice,
};
use crate::i18n::{t, use_locale, T};

#[component]
pub fn SessionsPage() -> impl IntoView {
    view! {
        <Title text=t(T::SessionsTitle) />
        <InAccount content=|_user: UserView| view! { <SessionList /> } />
    }
}

#[component]
fn SessionList() -> impl IntoView {
    let data = page_data();
    let flash_loaded = data.flash;
    let error = flash_error(data.flash_signal(), "revoke");
    let sessions = page_resource(|| (), |_| list_sessions());
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
            {move || notice().map(|n| view! { <SuccessNotice text=n /> })}
            <Suspense>
                {move || Suspend::new(async move {
                    // After the flash is read, so a no-JavaScript post's error shows.
                    let _ = flash_loaded.await;
                    let summary = view! { <ErrorSummary error /> };
                    let list = match sessions.await {
                        Err(error) => view! { <ErrorSummary error=shown(Some(error)) /> }.into_any(),
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
                                                    <dt>{t(T::SignedInAt)}</dt><dd><When time=session.signed_in /></dd>
                                                    <dt>{t(T::LastActive)}</dt><dd><When time=session.last_active /></dd>
                                                </dl>
                                                {(!session.current).then(|| view! {
                                                    <PostForm action={post_path::<RevokeSession>()}>
                                                        <input type="hidden" name="session" value=session.id.to_string() />
                                                        <button type="submit" class="button">{t(T::SignOutSession)}</button>
                                                    </PostForm>
                                                })}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                                {if others > 0 {
                                    view! {
                                        <PostForm action={post_path::<RevokeOtherSessions>()}>
                                            <Submit label=T::SignOutOthers />
                                        </PostForm>
                                    }.into_any()
                                } else {
                                    view! { <p>{t(T::NoOtherSessions)}</p> }.into_any()
                                }}
                            }.into_any()
                        }
                    };
                    view! { {summary} {list} }
                })}
            </Suspense>
        </section>
    }
}
