use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::page_data;
use super::passkeys::PasskeyBlock;
use crate::api::SignIn;
use crate::components::{
    flash_of, post_path, ErrorSummary, Field, FormSeed, FormState, PageCard, SendForm, Submit,
    SuccessNotice,
};
use crate::i18n::{t, word_space, T};

#[component]
pub fn LoginPage() -> impl IntoView {
    let data = page_data();
    let flash = data.flash_signal();
    let query = use_query_map();
    let notice = move || {
        let query = query.read();
        if query.get("verified").is_some() {
            Some(T::VerifiedNotice)
        } else if query.get("signed_out").is_some() {
            Some(T::SignedOutNotice)
        } else if query.get("reset").is_some() {
            Some(T::ResetDoneNotice)
        } else if query.get("unlocked").is_some() {
            Some(T::UnlockedNotice)
        } else if query.get("email_changed").is_some() {
            Some(T::EmailChangedNotice)
        } else if query.get("restore").is_some() {
            Some(T::RestoreNotice)
        } else {
            None
        }
    };
    view! {
        <PageCard title=T::LoginTitle lead=T::LoginIntro>
            {move || notice().map(|n| view! { <SuccessNotice text=n /> })}
            <Suspense>
                {move || Suspend::new(async move {
                    let _ = data.flash.await;
                    let flash = flash_of(flash, "login", &[]);
                    let next = query.read_untracked().get("next").unwrap_or_else(|| flash.value("next"));
                    view! {
                        <LoginForm next=next.clone() flash />
                        <p class="divider"><span>{t(T::OrDivider)}</span></p>
                        <PasskeyBlock purpose="sign-in" label=T::SignInWithPasskey next />
                    }
                })}
            </Suspense>
            <p class="aside">{t(T::NewHere)} {word_space()} <a href="/register">{t(T::CreateAccountLink)}</a></p>
        </PageCard>
    }
}

#[island(lazy)]
fn LoginForm(next: String, flash: FormSeed) -> impl IntoView {
    let state = FormState::new(&flash);
    let error = state.error();
    let action = post_path::<SignIn>();
    view! {
        <ErrorSummary error />
        <SendForm state action>
            <input type="hidden" name="next" value=next />
            // `webauthn` lets the browser offer passkeys in the address field.
            <Field name="email" label=T::EmailLabel kind="email" autocomplete="username webauthn"
                value=flash.value("email") error required=true />
            <Field name="password" label=T::PasswordLabel kind="password" autocomplete="current-password"
                error required=true label_link=(T::ForgotPassword, "/recover") />
            <Submit label=T::SignInButton pending=state.pending() />
        </SendForm>
    }
}
