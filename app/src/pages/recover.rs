use crate::page_resource;
use leptos::prelude::*;

use super::page_data;
use super::passkeys::{PasskeyBlock, PASSKEY_TEXTS};
use super::verify::{DeadLink, LinkAccount};
use crate::api::{
    link_state, reset_factors, LinkKind, LinkView, RequestPasswordReset, ResetFactorsView,
    ResetPassword,
};
use crate::components::{
    flash_of, post_path, ErrorSummary, Field, FormSeed, FormState, PageCard, SendForm, Submit,
};
use crate::error::Refusal;
use crate::i18n::{t, T};

/// `/recover`: asks for the address. The answer never says whether an
/// account exists.
#[component]
pub fn RecoverPage() -> impl IntoView {
    let data = page_data();
    let flash = data.flash_signal();
    view! {
        <PageCard title=T::RecoverTitle lead=T::RecoverIntro>
            <Suspense>
                {move || Suspend::new(async move {
                    let _ = data.flash.await;
                    view! { <RecoverForm flash=flash_of(flash, "recover", &[]) /> }
                })}
            </Suspense>
            <p class="aside"><a href="/login">{t(T::NavSignIn)}</a></p>
        </PageCard>
    }
}

#[island(lazy)]
fn RecoverForm(flash: FormSeed) -> impl IntoView {
    let state = FormState::new(&flash);
    let error = state.error();
    let action = post_path::<RequestPasswordReset>();
    view! {
        <ErrorSummary error />
        <SendForm state action>
            <Field name="email" label=T::EmailLabel kind="email" autocomplete="email"
                value=flash.value("email") error required=true />
            <Submit label=T::RecoverButton pending=state.pending() />
        </SendForm>
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
/// token into a cookie. It names the account and its second factors, so
/// that the owner can drop passkeys they did not add with the same
/// confirmation. Dead links of every kind get one message and a way to ask
/// for a new one.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let data = page_data();
    let flash = data.flash_signal();
    let factors = page_resource(|| (), |_| reset_factors());
    let state = page_resource(|| (), |_| link_state(LinkKind::ResetPassword));
    view! {
        <PageCard title=T::ResetTitle>
            <Suspense>
                {move || Suspend::new(async move {
                    let _ = data.flash.await;
                    let flash = flash_of(flash, "reset", &[&DEAD_LINK_TEXTS[..], &PASSKEY_TEXTS].concat());
                    match (factors.await.ok().flatten(), state.await.unwrap_or(LinkView::Unknown)) {
                        (Some(factors), _) => view! { <ResetForm flash factors /> }.into_any(),
                        (None, LinkView::Unknown | LinkView::Live(_)) => view! {
                            <ErrorSummary error=Signal::stored(flash.error) /> <NoResetLink />
                        }.into_any(),
                        // A dead link says why at once, before anything is typed.
                        (None, state) => view! {
                            <DeadLink kind=LinkKind::ResetPassword state no_link=T::ResetNoLink />
                        }.into_any(),
                    }
                })}
            </Suspense>
        </PageCard>
    }
}

#[component]
fn NoResetLink() -> impl IntoView {
    view! {
        <p>{t(T::ResetNoLink)}</p>
        <p><a class="button" href="/recover">{t(T::AskAgain)}</a></p>
    }
}

/// What the reset form draws when its link turns out to be dead.
const DEAD_LINK_TEXTS: [T; 2] = [T::ResetNoLink, T::AskAgain];

#[island(lazy)]
fn ResetForm(flash: FormSeed, factors: ResetFactorsView) -> impl IntoView {
    let state = FormState::new(&flash);
    let error = state.error();
    let link_dead = move || matches!(error.get(), Some(e) if e.refusal == Refusal::TokenInvalid);
    // Both are drawn, and one hidden, rather than one chosen: the fields
    // must exist before the summary renders for it to link to them.
    view! {
        <ErrorSummary error />
        <div hidden=link_dead>
            <ResetFields state factors />
        </div>
        <div hidden=move || !link_dead()>
            <NoResetLink />
        </div>
    }
}

#[component]
fn ResetFields(state: FormState, factors: ResetFactorsView) -> impl IntoView {
    let error = state.error();
    let has_factors = factors.app || !factors.passkeys.is_empty();
    let has_passkeys = !factors.passkeys.is_empty();
    view! {
        <LinkAccount address=factors.masked_email />
        <p class="lead">{t(T::ResetIntro)}</p>
        <SendForm state action={post_path::<ResetPassword>()} id="reset-form">
            // A passkey's answer, filled in by passkeys.js when one is used.
            <input type="hidden" name="ceremony" value="" />
            <input type="hidden" name="credential" value="" />
            <Field name="password" label=T::NewPasswordLabel kind="password"
                autocomplete="new-password" hint=T::PasswordHint error required=true />
            <Field name="confirmation" label=T::ConfirmPasswordLabel kind="password"
                autocomplete="new-password" error required=true />
            {has_factors.then(|| view! {
                <fieldset class="reset-factors">
                    <legend>{t(T::ResetFactorsLegend)}</legend>
                    <ul class="plain">
                        {factors.app.then(|| view! { <li>{t(T::ResetFactorApp)}</li> })}
                        {factors.passkeys.into_iter().map(|(id, name)| view! {
                            <li>
                                <label class="check">
                                    <input type="checkbox" name="remove_passkeys[]" value=id.to_string() />
                                    " "{t(T::ResetRemovePasskey)}" "<strong>{name}</strong>
                                </label>
                            </li>
                        }).collect_view()}
                    </ul>
                    <p class="hint">{t(T::ResetFactorsHint)}</p>
                </fieldset>
            })}
            {factors.needs_code.then(|| view! {
                <Field name="code" label=T::CodeLabel autocomplete="one-time-code"
                    hint=T::ResetCodeHint error required=true />
            })}
            <Submit label=T::ResetButton pending=state.pending() />
        </SendForm>
        {has_passkeys.then(|| view! {
            <p class="divider"><span>{t(T::OrDivider)}</span></p>
            <p class="hint">{t(T::ResetPasskeyHint)}</p>
            <PasskeyBlock purpose="reset" label=T::UsePasskeyButton />
        })}
    }
}
