use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::passkeys::PasskeySection;
use super::{page_data, SignedIn};
use crate::api::{
    list_passkeys, ChangeEmail, ChangePassword, RemovePasskey, RenamePasskey, UserView,
};
use crate::components::{form_error, kept_value, ErrorSummary, Field, Submit};
use crate::i18n::{t, T};

/// `/account/security`: password and address changes, and passkeys.
#[component]
pub fn SecurityPage() -> impl IntoView {
    view! {
        <Title text=t(T::SecurityTitle) />
        <SignedIn content=|user: UserView| view! { <SecurityForms user /> } />
    }
}

#[component]
fn SecurityForms(user: UserView) -> impl IntoView {
    let data = page_data();
    let flash = data.flash_signal();
    let password = ServerAction::<ChangePassword>::new();
    let email = ServerAction::<ChangeEmail>::new();
    let rename_passkey = ServerAction::<RenamePasskey>::new();
    let remove_passkey = ServerAction::<RemovePasskey>::new();
    // Loaded with the page's other data: a resource started inside the
    // page's Suspense would hydrate out of step and draw the list twice.
    let passkeys = Resource::new(
        move || {
            (
                rename_passkey.version().get(),
                remove_passkey.version().get(),
            )
        },
        |_| list_passkeys(),
    );
    let password_error = form_error(password, flash, "password");
    let email_error = form_error(email, flash, "email");
    let query = use_query_map();
    let succeeded = move |action_ok: bool, code: &str| {
        action_ok || query.read().get("changed").as_deref() == Some(code)
    };
    let notices = move || {
        let password_ok = password.value().get().is_some_and(|r| r.is_ok());
        let email_ok = email.value().get().is_some_and(|r| r.is_ok());
        [
            succeeded(password_ok, "password").then_some(T::PasswordChangedNotice),
            succeeded(email_ok, "email_sent").then_some(T::EmailSentNotice),
            succeeded(false, "passkey_added").then_some(T::PasskeyAddedNotice),
            succeeded(false, "passkey_renamed").then_some(T::PasskeyRenamedNotice),
            succeeded(false, "passkey_removed").then_some(T::PasskeyRemovedNotice),
        ]
        .into_iter()
        .flatten()
        .map(|n| view! { <div class="alert alert-info" role="status"><p>{t(n)}</p></div> })
        .collect_view()
    };
    let expired = user.password_expired;
    view! {
        <section class="card">
            <h1>{t(T::SecurityTitle)}</h1>
            <p class="lead">{t(T::SecurityIntro)}</p>
            {expired.then(|| view! { <div class="alert alert-warning" role="status"><p>{t(T::PasswordExpiredNotice)}</p></div> })}
            {notices}
            <Suspense>
                {move || Suspend::new(async move {
                    let _ = data.flash.await;
                    let passkeys = passkeys.await;
                    view! {
                        <h2 id="password-heading">{t(T::ChangePasswordHeading)}</h2>
                        <p class="hint">{t(T::ChangePasswordHint)}</p>
                        <ErrorSummary error=password_error />
                        // Drawn again after every answer, so no password stays in the fields.
                        {move || { password.version().track(); view! {
                        <ActionForm action=password attr:novalidate="" attr:class="stack" attr:aria-labelledby="password-heading">
                            <Field name="current_password" label=T::CurrentPasswordLabel kind="password"
                                autocomplete="current-password" error=password_error required=true />
                            <Field name="password" label=T::NewPasswordLabel kind="password"
                                autocomplete="new-password" hint=T::PasswordHint error=password_error required=true />
                            <Field name="confirmation" label=T::ConfirmPasswordLabel kind="password"
                                autocomplete="new-password" error=password_error required=true />
                            <Submit label=T::ChangePasswordButton pending=password.pending().into() />
                        </ActionForm>
                        }}}
                        {(!expired).then(|| view! {
                            <h2 id="email-heading">{t(T::ChangeEmailHeading)}</h2>
                            <p class="hint">{t(T::ChangeEmailHint)}</p>
                            <ErrorSummary error=email_error />
                            <ActionForm action=email attr:novalidate="" attr:class="stack" attr:aria-labelledby="email-heading">
                                <Field name="email" label=T::NewEmailLabel kind="email" autocomplete="email" scope="change"
                                    value=kept_value(flash, "email", "email") error=email_error required=true />
                                <Submit label=T::ChangeEmailButton pending=email.pending().into() />
                            </ActionForm>
                            <PasskeySection list=passkeys.clone() can_add=user.email_verified
                                rename=rename_passkey remove=remove_passkey />
                        })}
                    }
                })}
            </Suspense>
        </section>
    }
}
