use crate::page_resource;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::passkeys::PasskeySection;
use super::{page_data, InAccount};
use crate::api::{list_passkeys, ChangeEmail, ChangePassword, UserView};
use crate::components::{
    flash_of, post_path, ErrorSummary, Field, FormSeed, FormState, SendForm, Submit, SuccessNotice,
};
use crate::i18n::{t, T};

/// `/account/security`: password and address changes, and passkeys.
#[component]
pub fn SecurityPage() -> impl IntoView {
    view! {
        <Title text=t(T::SecurityTitle) />
        <InAccount content=|user: UserView| view! { <SecurityForms user /> } />
    }
}

#[component]
fn SecurityForms(user: UserView) -> impl IntoView {
    let data = page_data();
    let flash = data.flash_signal();
    // Loaded with the page's other data, so one Suspense waits for both.
    let passkeys = page_resource(|| (), |_| list_passkeys());
    let query = use_query_map();
    // Each notice stands in the section of what changed.
    let notice = move |codes: &'static [(&'static str, T)]| {
        move || {
            let changed = query.read().get("changed");
            codes
                .iter()
                .filter(|(code, _)| changed.as_deref() == Some(*code))
                .map(|(_, text)| view! { <SuccessNotice text=*text /> })
                .collect_view()
        }
    };
    let expired = user.password_expired;
    view! {
        <section class="card">
            <h1>{t(T::SecurityTitle)}</h1>
            <p class="lead">{t(T::SecurityIntro)}</p>
            {expired.then(|| view! { <div class="alert alert-warning" role="status"><p>{t(T::PasswordExpiredNotice)}</p></div> })}
            <Suspense>
                {move || Suspend::new(async move {
                    let _ = data.flash.await;
                    let passkeys = passkeys.await;
                    view! {
                        <section class="task" aria-labelledby="password-heading">
                            <h2 id="password-heading">{t(T::ChangePasswordHeading)}</h2>
                            {notice(&[("password", T::PasswordChangedNotice)])}
                            <p class="hint">{t(T::ChangePasswordHint)}</p>
                            <PasswordChangeForm flash=flash_of(flash, "password", &[]) />
                        </section>
                        {(!expired).then(|| view! {
                            <section class="task" aria-labelledby="email-heading">
                                <h2 id="email-heading">{t(T::ChangeEmailHeading)}</h2>
                                {notice(&[("email_sent", T::EmailSentNotice)])}
                                <p class="hint">{t(T::ChangeEmailHint)}</p>
                                <EmailChangeForm flash=flash_of(flash, "email", &[]) />
                            </section>
                            <section class="task" aria-labelledby="passkeys">
                                <PasskeySection list=passkeys.clone() can_add=user.email_verified
                                    notice=notice(&[
                                        ("passkey_added", T::PasskeyAddedNotice),
                                        ("passkey_renamed", T::PasskeyRenamedNotice),
                                        ("passkey_removed", T::PasskeyRemovedNotice),
                                    ]) />
                            </section>
                        })}
                    }
                })}
            </Suspense>
        </section>
    }
}

#[island(lazy)]
fn PasswordChangeForm(flash: FormSeed) -> impl IntoView {
    let state = FormState::new(&flash);
    let error = state.error();
    let action = post_path::<ChangePassword>();
    view! {
        // Drawn again after every answer, so no password stays in the fields
        // (the summary with them, to link to the fields drawn now).
        {move || { state.answers().track(); view! {
        <ErrorSummary error />
        <SendForm state action=action.clone() labelled_by="password-heading">
            <Field name="current_password" label=T::CurrentPasswordLabel kind="password"
                autocomplete="current-password" error required=true />
            <Field name="password" label=T::NewPasswordLabel kind="password"
                autocomplete="new-password" hint=T::PasswordHint error required=true />
            <Field name="confirmation" label=T::ConfirmPasswordLabel kind="password"
                autocomplete="new-password" error required=true />
            <Submit label=T::ChangePasswordButton pending=state.pending() />
        </SendForm>
        }}}
    }
}

#[island(lazy)]
fn EmailChangeForm(flash: FormSeed) -> impl IntoView {
    let state = FormState::new(&flash);
    let error = state.error();
    let action = post_path::<ChangeEmail>();
    view! {
        <ErrorSummary error />
        <SendForm state action=action.clone() labelled_by="email-heading">
            <Field name="email" label=T::NewEmailLabel kind="email" autocomplete="email" scope="change"
                value=flash.value("email") error required=true />
            <Submit label=T::ChangeEmailButton pending=state.pending() />
        </SendForm>
    }
}
