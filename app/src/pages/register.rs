use crate::page_resource;
use domain::{PasswordPolicy, PolicyIssue};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::page_data;

use crate::api::{
    get_password_policy, registration_sent_to, ChangeRegistrationAddress, Register,
    ResendRegistrationMail,
};
use crate::components::{
    flash_error, flash_of, post_path, ErrorSummary, Field, FormSeed, FormState, PageCard, PostForm,
    SendForm, Submit, SuccessNotice,
};
use crate::i18n::{policy_text, t, word_space, T};

#[component]
pub fn RegisterPage() -> impl IntoView {
    let data = page_data();
    let flash = data.flash_signal();
    let policy = page_resource(|| (), |_| get_password_policy());
    view! {
        <PageCard title=T::RegisterTitle lead=T::RegisterIntro>
            <Suspense>
                {move || Suspend::new(async move {
                    let _ = data.flash.await;
                    let policy = policy.await.unwrap_or_default();
                    view! { <RegisterForm flash=flash_of(flash, "register", &PolicyIssue::ALL.map(policy_text)) policy /> }
                })}
            </Suspense>
            <p class="aside">{t(T::HaveAccount)} {word_space()} <a href="/login">{t(T::NavSignIn)}</a></p>
        </PageCard>
    }
}

/// The form, with the password's rules checked as the user types (the same
/// rules the server enforces; the dictionary check runs on the server only).
#[island(lazy)]
fn RegisterForm(flash: FormSeed, policy: PasswordPolicy) -> impl IntoView {
    let state = FormState::new(&flash);
    let error = state.error();
    let action = post_path::<Register>();
    let typed_email = RwSignal::new(flash.value("email"));
    let typed_name = RwSignal::new(flash.value("display_name"));
    let typed_password = RwSignal::new(String::new());
    // Once the password is edited after a refusal, the live list replaces
    // the server's (now stale) list instead of repeating it.
    let edited_since_submit = RwSignal::new(false);
    Effect::new(move |_| {
        state.answers().track();
        edited_since_submit.set(false);
    });
    let field_error = Signal::derive(move || {
        let error = error.get();
        if edited_since_submit.get() {
            error.map(|e| e.without_field("password"))
        } else {
            error
        }
    });
    let broken_rules = Signal::derive(move || {
        let password = typed_password.get();
        if password.is_empty() || !edited_since_submit.get() {
            return Vec::new();
        }
        // The part before the last `@`, as the server takes it from a valid
        // address; an invalid one is refused on its own field anyway.
        let email = typed_email.get();
        let email_local = email.trim().rsplit_once('@').map(|(local, _)| local);
        live_check(
            &policy,
            &password,
            email_local.unwrap_or_default(),
            &typed_name.get(),
        )
        .into_iter()
        .map(|issue| t(policy_text(issue)))
        .collect()
    });
    view! {
        <ErrorSummary error />
        <SendForm state action>
            <Field name="email" label=T::EmailLabel kind="email" autocomplete="email"
                value=flash.value("email") error required=true
                on_input=move |v| typed_email.set(v) />
            <Field name="display_name" label=T::NameLabel autocomplete="name" hint=T::NameHint
                value=flash.value("display_name") error required=true
                on_input=move |v| typed_name.set(v) />
            <Field name="password" label=T::PasswordLabel kind="password" autocomplete="new-password"
                hint=T::PasswordHint error=field_error required=true live_check=broken_rules
                on_input=move |v| {
                    typed_password.set(v);
                    edited_since_submit.set(true);
                } />
            <Submit label=T::CreateAccountButton pending=state.pending() />
        </SendForm>
    }
}

/// The rules as the browser checks them while the user types: with the
/// browser's Unicode tables rather than a copy in the WASM.
fn live_check(
    policy: &PasswordPolicy,
    password: &str,
    email_local: &str,
    name: &str,
) -> Vec<PolicyIssue> {
    #[cfg(feature = "hydrate")]
    let letters = crate::browser::BrowserLetters::default();
    #[cfg(not(feature = "hydrate"))]
    let letters = domain::password::RustLetters;
    policy.check_with(&letters, password, email_local, name)
}

/// After registering: names the address the mail went to, so a typo shows,
/// and offers to send it again or to go back and correct the address. The
/// address comes from this browser's registration note, never the URL.
#[component]
pub fn RegisterSentPage() -> impl IntoView {
    let data = page_data();
    let error = flash_error(data.flash_signal(), "register_resend");
    let sent_to = page_resource(|| (), |_| registration_sent_to());
    let query = use_query_map();
    let resent = move || query.read().get("resent").is_some();
    view! {
        <PageCard title=T::CheckMailTitle>
            {move || resent().then(|| view! { <SuccessNotice text=T::MailResentNotice /> })}
            <Suspense>
                {move || Suspend::new(async move {
                    let _ = data.flash.await;
                    match sent_to.await.ok().flatten() {
                        Some(address) => {
                            let text = t(T::CheckMailSentTo);
                            let (before, after) = text.split_once("{email}").unwrap_or((text, ""));
                            view! {
                                <ErrorSummary error />
                                <p class="sent-to">{before}<strong class="address">{address}</strong>{after}</p>
                                <div class="check-mail-actions">
                                    <PostForm action={post_path::<ResendRegistrationMail>()}>
                                        <Submit label=T::ResendEmailButton />
                                    </PostForm>
                                    <PostForm action={post_path::<ChangeRegistrationAddress>()}>
                                        <button type="submit" class="button">{t(T::UseDifferentAddress)}</button>
                                    </PostForm>
                                </div>
                            }.into_any()
                        }
                        // The note is gone (expired, or another browser): no address to name.
                        None => view! { <p>{t(T::CheckMailBody)}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <p><a class="button" href="/login">{t(T::GoToSignIn)}</a></p>
        </PageCard>
    }
}
