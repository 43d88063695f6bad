use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{page_data, SignedIn};
use crate::api::{ResendVerification, UserView};
use crate::components::{flash_error, post_path, ErrorSummary, PostForm, Submit};
use crate::i18n::{t, T};

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <Title text=t(T::AccountTitle) />
        <SignedIn content=|user: UserView| view! { <AccountDetails user /> } />
    }
}

#[component]
fn AccountDetails(user: UserView) -> impl IntoView {
    let error = flash_error(page_data().flash_signal(), "resend");
    let query = use_query_map();
    let resent = move || query.read().get("resent").is_some();
    let verified = user.email_verified;
    view! {
        <section class="card">
            <h1>{t(T::AccountTitle)}</h1>
            {(!verified).then(|| view! {
                <div class="alert alert-warning" role="status">
                    <p>{t(T::UnverifiedBanner)}</p>
                    <ErrorSummary error />
                    {move || resent().then(|| view! { <p class="notice">{t(T::ResentNotice)}</p> })}
                    <PostForm action={post_path::<ResendVerification>()}>
                        <Submit label=T::ResendButton />
                    </PostForm>
                </div>
            })}
            <h2>{t(T::ProfileHeading)}</h2>
            <dl class="profile">
                <dt>{t(T::NameLabel)}</dt>
                <dd>{user.display_name}</dd>
                <dt>{t(T::EmailLabel)}</dt>
                <dd>{user.email}</dd>
                <dt>{t(T::EmailStatus)}</dt>
                <dd>
                    <span class=if verified { "badge ok" } else { "badge warn" }>
                        {if verified { t(T::Confirmed) } else { t(T::NotConfirmed) }}
                    </span>
                </dd>
            </dl>
            {move || query.read().get("email_changed").is_some().then(|| view! {
                <div class="alert alert-info" role="status"><p>{t(T::EmailChangedNotice)}</p></div>
            })}
            <h2>{t(T::AccountSections)}</h2>
            <ul class="section-links">
                <li><a href="/account/activity">{t(T::SeeActivity)}</a></li>
                <li><a href="/account/sessions">{t(T::NavSessions)}</a></li>
                <li><a href="/account/security">{t(T::NavSecurity)}</a></li>
                <li><a href="/account/two-factor">{t(T::NavTwoFactor)}</a></li>
                <li><a href="/account/privacy">{t(T::NavPrivacy)}</a></li>
            </ul>
        </section>
    }
}
