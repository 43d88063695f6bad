use crate::page_resource;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::activity::{device_text, When};
use super::{page_data, InAccount};
use crate::api::{account_overview, ChangeDisplayName, OverviewView, ResendVerification, UserView};
use crate::components::{
    flash_error, flash_of, post_path, shown, ErrorSummary, Field, FormSeed, FormState, PostForm,
    SendForm, Submit, SuccessNotice,
};
use crate::i18n::{t, use_locale, T};

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <Title text=t(T::AccountTitle) />
        <InAccount content=|user: UserView| view! { <AccountDetails user /> } />
    }
}

#[component]
fn AccountDetails(user: UserView) -> impl IntoView {
    let data = page_data();
    let flash = data.flash_signal();
    let error = flash_error(flash, "resend");
    let query = use_query_map();
    let resent = move || query.read().get("resent").is_some();
    let notice = move || {
        let query = query.read();
        if query.get("confirmed").is_some() {
            Some(T::ConfirmedWelcome)
        } else if query.get("email_changed").is_some() {
            Some(T::EmailChangedNotice)
        } else if query.get("name_changed").is_some() {
            Some(T::NameChangedNotice)
        } else {
            None
        }
    };
    let overview = page_resource(|| (), |_| account_overview());
    let verified = user.email_verified;
    let name = user.display_name.clone();
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
            {move || notice().map(|text| view! { <SuccessNotice text /> })}
            <Suspense>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(overview) => view! { <AtAGlance overview /> }.into_any(),
                        Err(error) => view! { <ErrorSummary error=shown(Some(error)) /> }.into_any(),
                    }
                })}
            </Suspense>
            <h2 id="profile-heading">{t(T::ProfileHeading)}</h2>
            <dl class="profile">
                <dt>{t(T::EmailLabel)}</dt>
                <dd>{user.email}</dd>
                <dt>{t(T::EmailStatus)}</dt>
                <dd>
                    <span class=if verified { "badge ok" } else { "badge warn" }>
                        {if verified { t(T::Confirmed) } else { t(T::NotConfirmed) }}
                    </span>
                </dd>
            </dl>
            <Suspense>
                {move || {
                    let name = name.clone();
                    Suspend::new(async move {
                        let _ = data.flash.await;
                        view! { <NameForm name flash=flash_of(flash, "name", &[]) /> }
                    })
                }}
            </Suspense>
        </section>
    }
}

/// Two-factor, passkeys, sessions and the sign-in before this one: what a
/// customer checks first, each with the way to change it.
#[component]
fn AtAGlance(overview: OverviewView) -> impl IntoView {
    let locale = use_locale();
    let count = |text: T, n: usize| t(text).replace("{n}", &n.to_string());
    let previous = overview.previous_sign_in.map(|sign_in| {
        let device = device_text(
            sign_in.browser.as_deref(),
            sign_in.system.as_deref(),
            locale,
        );
        view! {
            <When time=sign_in.time />
            <span class="glance-detail">{device} " · " {sign_in.ip}</span>
            <span class="glance-detail">{t(T::NotYouHint)}</span>
        }
    });
    view! {
        {overview.deletion_cancelled.then(|| view! {
            <SuccessNotice text=T::DeletionCancelledNotice />
        })}
        <h2>{t(T::GlanceHeading)}</h2>
        <dl class="glance">
            <div class="glance-item" class:glance-warn=!overview.two_factor_on>
                <dt>{t(T::NavTwoFactor)}</dt>
                <dd>
                    {if overview.two_factor_on {
                        view! {
                            <span class="badge ok">{t(T::StatusOn)}</span>
                            <a href="/account/two-factor">{t(T::ManageTwoFactorLink)}</a>
                        }.into_any()
                    } else {
                        view! {
                            <span class="badge warn">{t(T::StatusOff)}</span>
                            <span class="glance-detail">{t(T::TwoFactorNudge)}</span>
                            <a class="button" href="/account/two-factor">{t(T::TurnOnTwoFactorLink)}</a>
                        }.into_any()
                    }}
                </dd>
            </div>
            <div class="glance-item">
                <dt>{t(T::PasskeysHeading)}</dt>
                <dd>
                    {if overview.passkeys == 0 {
                        view! { <span class="glance-detail">{t(T::NoPasskeysYet)}</span> }.into_any()
                    } else {
                        view! { <span>{count(T::PasskeysCount, overview.passkeys)}</span> }.into_any()
                    }}
                    <a href="/account/security#passkeys">{t(T::ManagePasskeysLink)}</a>
                </dd>
            </div>
            <div class="glance-item">
                <dt>{t(T::BrowsersSignedIn)}</dt>
                <dd>
                    <span>
                        {if overview.sessions > 1 { count(T::BrowsersCount, overview.sessions) } else { t(T::OnlyThisBrowser).to_owned() }}
                    </span>
                    <a href="/account/sessions">{t(T::ReviewSessionsLink)}</a>
                </dd>
            </div>
            <div class="glance-item">
                <dt>{t(T::PreviousSignIn)}</dt>
                <dd>
                    {match previous {
                        Some(previous) => previous.into_any(),
                        None => view! { <span>{t(T::NoPreviousSignIn)}</span> }.into_any(),
                    }}
                </dd>
            </div>
        </dl>
    }
}

/// The name the account is greeted with, changed in place.
#[island(lazy)]
fn NameForm(name: String, flash: FormSeed) -> impl IntoView {
    let state = FormState::new(&flash);
    let error = state.error();
    let action = post_path::<ChangeDisplayName>();
    let kept = flash.value("display_name");
    let value = if flash.error.is_some() { kept } else { name };
    view! {
        <ErrorSummary error />
        <SendForm state action labelled_by="profile-heading">
            <Field name="display_name" label=T::NameLabel autocomplete="name" hint=T::NameHint
                value error required=true />
            <Submit label=T::SaveNameButton pending=state.pending() />
        </SendForm>
    }
}
