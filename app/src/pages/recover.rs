use leptos::prelude::*;

use super::page_data;
use crate::api::{link_pending, reset_needs_code, RequestPasswordReset, ResetPassword};
use crate::components::{form_error, kept_value, ErrorSummary, Field, PageCard, Submit};
use crate::error::AppError;
use crate::i18n::{t, T};

/// `/recover`: asks for the address. The answer never says whether an
/// account exists.
#[component]
pub fn RecoverPage() -> impl IntoView {
    let data = page_data();
    let flash = data.flash_signal();
    let action = ServerAction::<RequestPasswordReset>::new();
    let error = form_error(action, flash, "recover");
    view! {
        <PageCard title=T::RecoverTitle lead=T::RecoverIntro>
            <Suspense>
                {move || Suspend::new(async move {
                    let _ = data.flash.await;
                    view! {
                        <ErrorSummary error />
                        <ActionForm action attr:novalidate="" attr:class="stack">
                            <Field name="email" label=T::EmailLabel kind="email" autocomplete="email"
                                value=kept_value(flash, "recover", "email") error required=true />
                            <Submit label=T::RecoverButton pending=action.pending().into() />
                        </ActionForm>
                    }
                })}
            </Suspense>
            <p class="aside"><a href="/login">{t(T::NavSignIn)}</a></p>
        </PageCard>
    }
}

#[component]
pub fn RecoverSentPage() -> impl IntoView {
    view! {
        <PageCard title=T::RecoverSentTitle>
            <p>{t(T::RecoverSentBody)}</p>
            <p><a href="/recover">{t(T::AskAgain)}</a></p>
            <p><a class="button" href="/login">{t(T::GoToSignIn)}</a></p>
        </PageCard>
    }
}

/// `/recover/reset`: where a reset link lands after the server moved its
/// token into a cookie. Dead links of every kind get one message and a way
/// to ask for a new one.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let data = page_data();
    let action = ServerAction::<ResetPassword>::new();
    let error = form_error(action, data.flash_signal(), "reset");
    let pending = Resource::new(|| (), |_| link_pending());
    let needs_code = Resource::new(|| (), |_| reset_needs_code());
    let link_dead = move || matches!(error.get(), Some(AppError::TokenInvalid));
    view! {
        <PageCard title=T::ResetTitle>
            <Suspense>
                {move || Suspend::new(async move {
                    let _ = data.flash.await;
                    let has_link = pending.await.unwrap_or(false);
                    let needs_code = needs_code.await.unwrap_or(false);
                    view! {
                        <ErrorSummary error />
                        <Show
                            when=move || has_link && !link_dead()
                            fallback=|| view! {
                                <p>{t(T::ResetNoLink)}</p>
                                <p><a class="button" href="/recover">{t(T::AskAgain)}</a></p>
                            }
                        >
                            <p class="lead">{t(T::ResetIntro)}</p>
                            <ActionForm action attr:novalidate="" attr:class="stack">
                                <Field name="password" label=T::NewPasswordLabel kind="password"
                                    autocomplete="new-password" hint=T::PasswordHint error required=true />
                                <Field name="confirmation" label=T::ConfirmPasswordLabel kind="password"
                                    autocomplete="new-password" error required=true />
                                {needs_code.then(|| view! {
                                    <Field name="code" label=T::CodeLabel autocomplete="one-time-code"
                                        hint=T::ResetCodeHint error required=true />
                                })}
                                <Submit label=T::ResetButton pending=action.pending().into() />
                            </ActionForm>
                        </Show>
                    }
                })}
            </Suspense>
        </PageCard>
    }
}
