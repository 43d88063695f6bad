//! Two-factor pages: the second step of signing in, re-authentication, the
//! authenticator app on the account, and the recovery codes shown once.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::passkeys::{PasskeyBlock, PASSKEY_TEXTS};
use super::{page_data, SignedIn};
use crate::api::{
    passkey_offered, reauth_needs, take_recovery_codes, two_factor, ConfirmTwoFactor,
    Reauthenticate, RecoveryCodesLeft, RegenerateRecoveryCodes, RemoveTwoFactor, StartTwoFactor,
    SubmitSecondFactor, TwoFactorView, UserView,
};
use crate::components::{
    flash_error, flash_of, post_path, shown, ErrorSummary, Field, FormSeed, FormState, PageCard,
    PostForm, SendForm, Submit,
};
use crate::error::AppError;
use crate::error::ShownError;
use crate::i18n::{t, T};

/// The `next` a page was opened with, else what a failed no-JS post kept.
fn next_value(flash: &FormSeed) -> String {
    use_query_map()
        .read_untracked()
        .get("next")
        .unwrap_or_else(|| flash.value("next"))
}

/// The one field that takes an app code or a recovery code.
#[component]
fn CodeField(error: Signal<Option<ShownError>>) -> impl IntoView {
    view! {
        <Field name="code" label=T::CodeLabel autocomplete="one-time-code" hint=T::CodeHint
            error required=true />
    }
}

/// `/login/mfa`: the second step after a correct password.
#[component]
pub fn SecondFactorPage() -> impl IntoView {
    let data = page_data();
    let passkey = Resource::new(|| (), |_| passkey_offered());
    view! {
        <PageCard title=T::MfaTitle lead=T::MfaIntro>
            <Suspense>
                {move || Suspend::new(async move {
                    let _ = data.flash.await;
                    let flash = flash_of(data.flash_signal(), "mfa", &[&EXPIRED_TEXTS[..], &PASSKEY_TEXTS].concat());
                    let passkey = passkey.await.unwrap_or(false);
                    let next = next_value(&flash);
                    view! { <SecondFactorForm next flash passkey /> }
                })}
            </Suspense>
        </PageCard>
    }
}

/// What the second step draws when its sign-in has expired.
const EXPIRED_TEXTS: [T; 2] = [T::MfaExpired, T::GoToSignIn];

#[island(lazy)]
fn SecondFactorForm(next: String, flash: FormSeed, passkey: bool) -> impl IntoView {
    let state = FormState::new(&flash);
    let error = state.error();
    let action = post_path::<SubmitSecondFactor>();
    let expired = move || matches!(error.get(), Some(e) if e.error == AppError::TokenInvalid);
    let next = StoredValue::new(next);
    view! {
        <Show when=move || !expired() fallback=|| view! {
            <div class="alert alert-warning" role="alert"><p>{t(T::MfaExpired)}</p></div>
            <p><a class="button" href="/login">{t(T::GoToSignIn)}</a></p>
        }>
            <ErrorSummary error />
            <SendForm state action=action.clone()>
                <input type="hidden" name="next" value=next.get_value() />
                <CodeField error />
                <Submit label=T::VerifyCodeButton pending=state.pending() />
            </SendForm>
            {passkey.then(|| view! {
                <p class="divider"><span>{t(T::OrDivider)}</span></p>
                <PasskeyBlock purpose="second-factor" label=T::UsePasskeyButton next=next.get_value() />
            })}
        </Show>
    }
}

/// `/login/reauth?next=…`: proves the owner again before a sensitive change.
#[component]
pub fn ReauthPage() -> impl IntoView {
    view! {
        <Title text=t(T::ReauthTitle) />
        <SignedIn content=|_user: UserView| view! { <ReauthCard /> } />
    }
}

#[component]
fn ReauthCard() -> impl IntoView {
    let data = page_data();
    let needs = Resource::new(|| (), |_| reauth_needs());
    view! {
        <section class="card narrow">
            <h1>{t(T::ReauthTitle)}</h1>
            <p class="lead">{t(T::ReauthIntro)}</p>
            <Suspense>
                {move || Suspend::new(async move {
                    let _ = data.flash.await;
                    let flash = flash_of(data.flash_signal(), "reauth", &[]);
                    let needs = needs.await.unwrap_or_default();
                    let next = next_value(&flash);
                    view! {
                        <ReauthForm next=next.clone() flash code=needs.code />
                        {needs.passkey.then(|| view! {
                            <p class="divider"><span>{t(T::OrDivider)}</span></p>
                            <p class="hint">{t(T::ReauthPasskeyHint)}</p>
                            <PasskeyBlock purpose="reauth" label=T::UsePasskeyButton next />
                        })}
                    }
                })}
            </Suspense>
        </section>
    }
}

/// `code`: the account has an app or recovery codes to ask for.
#[island(lazy)]
fn ReauthForm(next: String, flash: FormSeed, code: bool) -> impl IntoView {
    let state = FormState::new(&flash);
    let error = state.error();
    let action = post_path::<Reauthenticate>();
    view! {
        <ErrorSummary error />
        <SendForm state action=action.clone() id="reauth-form">
            <input type="hidden" name="next" value=next />
            <Field name="current_password" label=T::CurrentPasswordLabel kind="password"
                autocomplete="current-password" error required=true />
            {code.then(|| view! { <CodeField error /> })}
            <Submit label=T::ReauthButton pending=state.pending() />
        </SendForm>
    }
}

/// `/account/two-factor`: turn the authenticator app on or off, and the
/// recovery codes.
#[component]
pub fn TwoFactorPage() -> impl IntoView {
    view! {
        <Title text=t(T::TwoFactorTitle) />
        <SignedIn content=|_user: UserView| view! { <TwoFactorSettings /> } />
    }
}

#[component]
fn TwoFactorSettings() -> impl IntoView {
    let data = page_data();
    let flash = data.flash_signal();
    let errors = [
        flash_error(flash, "totp_start"),
        flash_error(flash, "totp_codes"),
        flash_error(flash, "totp_remove"),
    ];
    let error = Signal::derive(move || errors.iter().find_map(|e| e.get()));
    let state = Resource::new(|| (), |_| two_factor());
    let removed = move || use_query_map().read().get("removed").is_some();
    let enabled = move || use_query_map().read().get("enabled").is_some();
    view! {
        <section class="card">
            <h1>{t(T::TwoFactorTitle)}</h1>
            <p class="lead">{t(T::TwoFactorIntro)}</p>
            {move || removed().then(|| view! { <div class="alert alert-info" role="status"><p>{t(T::TwoFactorRemovedNotice)}</p></div> })}
            {move || enabled().then(|| view! { <div class="alert alert-info" role="status"><p>{t(T::TwoFactorEnabledNotice)}</p></div> })}
            <Suspense>
                {move || Suspend::new(async move {
                    // After the flash is read, so a no-JavaScript post's error shows.
                    let _ = data.flash.await;
                    let summary = view! { <ErrorSummary error /> };
                    let state = match state.await {
                        Err(error) => view! { <ErrorSummary error=shown(Some(error)) /> }.into_any(),
                        Ok(TwoFactorView::Off { can_start, passkey_codes }) => view! {
                            <p>{t(if passkey_codes.is_some() { T::TwoFactorPasskeysOnly } else { T::TwoFactorOff })}</p>
                            {passkey_codes.map(|codes| view! { <CodesLeft codes /> })}
                            {if can_start {
                                view! {
                                    <PostForm action={post_path::<StartTwoFactor>()}>
                                        <Submit label=T::StartTwoFactorButton />
                                    </PostForm>
                                }.into_any()
                            } else {
                                view! { <p class="alert alert-warning">{t(T::TwoFactorNeedsVerified)}</p> }.into_any()
                            }}
                        }.into_any(),
                        Ok(TwoFactorView::Pending { qr_image, manual_key, otpauth_uri }) => view! {
                            <h2>{t(T::ScanTitle)}</h2>
                            <p><img class="qr" src=qr_image alt=t(T::QrAlt) width="220" height="220" data-otpauth=otpauth_uri /></p>
                            <p>{t(T::ManualKeyLabel)}</p>
                            <p><code class="manual-key" translate="no">{manual_key}</code></p>
                            <h2 id="first-code">{t(T::EnterFirstCode)}</h2>
                            <ConfirmTwoFactorForm flash=flash_of(flash, "totp_confirm", &[]) />
                        }.into_any(),
                        Ok(TwoFactorView::On(codes)) => view! {
                            <p><span class="badge ok">{t(T::TwoFactorOn)}</span></p>
                            <CodesLeft codes />
                            <PostForm action={post_path::<RemoveTwoFactor>()}>
                                <Submit label=T::RemoveTwoFactorButton danger=true />
                            </PostForm>
                        }.into_any(),
                    };
                    view! { {summary} {state} }
                })}
            </Suspense>
        </section>
    }
}

#[island(lazy)]
fn ConfirmTwoFactorForm(flash: FormSeed) -> impl IntoView {
    let state = FormState::new(&flash);
    let error = state.error();
    let action = post_path::<ConfirmTwoFactor>();
    view! {
        <ErrorSummary error />
        <SendForm state action=action.clone() labelled_by="first-code">
            <Field name="code" label=T::CodeLabel autocomplete="one-time-code" error required=true />
            <Submit label=T::TurnOnButton pending=state.pending() />
        </SendForm>
    }
}

/// How many recovery codes are left, a warning when few, and new ones.
#[component]
fn CodesLeft(codes: RecoveryCodesLeft) -> impl IntoView {
    view! {
        <p>{t(T::CodesLeft)} " " <strong class="codes-left">{codes.left}</strong></p>
        {codes.few.then(|| view! { <div class="alert alert-warning" role="status"><p>{t(T::FewCodesWarning)}</p></div> })}
        <PostForm action={post_path::<RegenerateRecoveryCodes>()}>
            <Submit label=T::NewCodesButton />
        </PostForm>
    }
}

/// `/account/recovery-codes`: new codes, shown this once, with a download.
#[component]
pub fn RecoveryCodesPage() -> impl IntoView {
    // Created once for the page: reading the codes uses them up, so the
    // signed-in content (which may be drawn more than once) only reads it.
    let codes = Resource::new(|| (), |_| take_recovery_codes());
    view! {
        <Title text=t(T::RecoveryCodesTitle) />
        <SignedIn content=move |_user: UserView| view! { <RecoveryCodes codes /> } />
    }
}

#[component]
fn RecoveryCodes(codes: Resource<Result<Option<Vec<String>>, AppError>>) -> impl IntoView {
    view! {
        <section class="card narrow">
            <h1>{t(T::RecoveryCodesTitle)}</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    match codes.await.ok().flatten() {
                        None => view! { <p>{t(T::CodesGone)}</p> }.into_any(),
                        Some(codes) => {
                            let file = format!("Latchkey recovery codes\r\n\r\n{}\r\n", codes.join("\r\n"));
                            let href = format!("data:text/plain;charset=utf-8,{}", crate::encode_query_value(&file));
                            view! {
                                <p class="lead">{t(T::RecoveryCodesIntro)}</p>
                                <ol class="recovery-codes" translate="no">
                                    {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
                                </ol>
                                <p><a class="button" href=href download="latchkey-recovery-codes.txt" rel="external">{t(T::DownloadCodes)}</a></p>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
            <p><a href="/account/two-factor">{t(T::SavedCodes)}</a></p>
        </section>
    }
}
