//! Two-factor pages: the second step of signing in, re-authentication, the
//! authenticator app on the account, and the recovery codes shown once.

use crate::page_resource;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::passkeys::{PasskeyBlock, PASSKEY_TEXTS};
use super::{page_data, InAccount, SignedIn};
use crate::api::{
    passkey_offered, reauth_needs, stashed_recovery_codes, two_factor, CancelTwoFactorSetup,
    ConfirmTwoFactor, Reauthenticate, RecoveryCodesLeft, RecoveryCodesView,
    RegenerateRecoveryCodes, RemoveTwoFactor, SavedRecoveryCodes, StartTwoFactor,
    SubmitSecondFactor, TwoFactorView, UserView,
};
use crate::components::{
    flash_error, flash_of, post_path, shown, ErrorSummary, Field, FormSeed, FormState, PageCard,
    PostForm, SendForm, Submit, SuccessNotice,
};
use crate::error::AppError;
use crate::error::{Refusal, ShownError};
use crate::i18n::{t, word_space, T};

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

/// `/login/mfa`: the second step after a correct password. An app code by
/// default (a number pad on a phone); `?with=recovery` takes a recovery code.
#[component]
pub fn SecondFactorPage() -> impl IntoView {
    let data = page_data();
    let passkey = page_resource(|| (), |_| passkey_offered());
    let recovery = use_query_map().read_untracked().get("with").as_deref() == Some("recovery");
    let lead = if recovery {
        T::MfaRecoveryIntro
    } else {
        T::MfaIntro
    };
    view! {
        <PageCard title=T::MfaTitle lead>
            <Suspense>
                {move || Suspend::new(async move {
                    let _ = data.flash.await;
                    let flash = flash_of(data.flash_signal(), "mfa", &[&EXPIRED_TEXTS[..], &PASSKEY_TEXTS].concat());
                    let passkey = passkey.await.unwrap_or(false);
                    let next = next_value(&flash);
                    let other_href = second_step_path(!recovery, &next);
                    let other_text = if recovery { T::UseAppCodeLink } else { T::UseRecoveryCodeLink };
                    view! {
                        <SecondFactorForm next flash passkey recovery />
                        <ul class="form-links">
                            <li><a href=other_href>{t(other_text)}</a></li>
                            <li><a href="/login">{t(T::UseAnotherAccount)}</a></li>
                        </ul>
                    }
                })}
            </Suspense>
        </PageCard>
    }
}

/// The second step asking for a recovery code or an app code, keeping
/// where the sign-in goes next.
fn second_step_path(recovery: bool, next: &str) -> String {
    let mut query = Vec::new();
    if recovery {
        query.push("with=recovery".to_owned());
    }
    if !next.is_empty() {
        query.push(format!("next={}", crate::encode_query_value(next)));
    }
    if query.is_empty() {
        "/login/mfa".to_owned()
    } else {
        format!("/login/mfa?{}", query.join("&"))
    }
}

/// What the second step draws when its sign-in has expired.
const EXPIRED_TEXTS: [T; 2] = [T::MfaExpired, T::GoToSignIn];

/// The most characters an app code may take as typed ("123 456").
const APP_CODE_CHARS: usize = 7;
/// The most characters a recovery code may take as typed ("abcde-fghjk",
/// with room for spaces around the dash).
const RECOVERY_CODE_CHARS: usize = 16;

#[island(lazy)]
fn SecondFactorForm(next: String, flash: FormSeed, passkey: bool, recovery: bool) -> impl IntoView {
    let state = FormState::new(&flash);
    let error = state.error();
    let action = post_path::<SubmitSecondFactor>();
    let expired = move || matches!(error.get(), Some(e) if e.refusal == Refusal::TokenInvalid);
    let next = StoredValue::new(next);
    view! {
        <Show when=move || !expired() fallback=|| view! {
            <div class="alert alert-warning" role="alert"><p>{t(T::MfaExpired)}</p></div>
            <p><a class="button" href="/login">{t(T::GoToSignIn)}</a></p>
        }>
            <ErrorSummary error />
            <SendForm state action=action.clone()>
                <input type="hidden" name="next" value=next.get_value() />
                // Either, not a boxed view: see `SendForm`.
                {if recovery {
                    Either::Left(view! {
                        <Field name="code" label=T::RecoveryCodeLabel hint=T::RecoveryCodeHint autocomplete="off"
                            error required=true max_chars=RECOVERY_CODE_CHARS autofocus=true />
                    })
                } else {
                    Either::Right(view! { <AppCodeField error /> })
                }}
                <Submit label=T::VerifyCodeButton pending=state.pending() />
            </SendForm>
            {passkey.then(|| view! {
                <p class="divider"><span>{t(T::OrDivider)}</span></p>
                <PasskeyBlock purpose="second-factor" label=T::UsePasskeyButton next=next.get_value() />
            })}
        </Show>
    }
}

/// A code from the authenticator app: a number pad on a phone, focused,
/// and filled in by the phone from a text message or the app where it can.
#[component]
fn AppCodeField(error: Signal<Option<ShownError>>) -> impl IntoView {
    view! {
        <Field name="code" label=T::CodeLabel hint=T::AppCodeHint autocomplete="one-time-code"
            inputmode="numeric" error required=true max_chars=APP_CODE_CHARS autofocus=true />
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
    let needs = page_resource(|| (), |_| reauth_needs());
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
/// recovery codes. Making new codes and turning the app off each ask first
/// (`?confirm=new-codes`, `?confirm=turn-off`), saying what will happen.
#[component]
pub fn TwoFactorPage() -> impl IntoView {
    view! {
        <Title text=t(T::TwoFactorTitle) />
        <InAccount content=|_user: UserView| view! { <TwoFactorSettings /> } />
    }
}

/// What the page says after the change named in its query.
const NOTICES: [(&str, T); 4] = [
    ("removed", T::TwoFactorRemovedNotice),
    ("enabled", T::TwoFactorEnabledNotice),
    ("cancelled", T::SetupCancelledNotice),
    ("saved", T::CodesSavedNotice),
];

#[component]
fn TwoFactorSettings() -> impl IntoView {
    let data = page_data();
    let flash = data.flash_signal();
    let errors = [
        flash_error(flash, "totp_start"),
        flash_error(flash, "totp_codes"),
        flash_error(flash, "totp_cancel"),
    ];
    let error = Signal::derive(move || errors.iter().find_map(|e| e.get()));
    let state = page_resource(|| (), |_| two_factor());
    let query = use_query_map();
    let notice = NOTICES
        .into_iter()
        .find(|(key, _)| query.read_untracked().get(key).is_some())
        .map(|(_, text)| text);
    let confirm = query.read_untracked().get("confirm");
    view! {
        <section class="card">
            <h1>{t(T::TwoFactorTitle)}</h1>
            <p class="lead">{t(T::TwoFactorIntro)}</p>
            {notice.map(|text| view! { <SuccessNotice text /> })}
            <Suspense>
                {move || {
                    let confirm = confirm.clone();
                    Suspend::new(async move {
                        // After the flash is read, so a no-JavaScript post's error shows.
                        let _ = data.flash.await;
                        let summary = view! { <ErrorSummary error /> };
                        let state = match state.await {
                            Err(error) => view! { <ErrorSummary error=shown(Some(error)) /> }.into_any(),
                            Ok(TwoFactorView::Off { can_start, passkey_codes }) => view! {
                                <p>{t(if passkey_codes.is_some() { T::TwoFactorPasskeysOnly } else { T::TwoFactorOff })}</p>
                                {passkey_codes.map(|codes| view! { <CodesPanel codes confirming=confirm.as_deref() == Some("new-codes") /> })}
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
                                <p><img class="qr" src=qr_image alt=t(T::QrAlt) width="220" height="220" data-otpauth=otpauth_uri.clone() /></p>
                                <p class="hint">{t(T::OpenInAppHint)}</p>
                                <p><a class="button secondary" href=otpauth_uri rel="external">{t(T::OpenInAppLink)}</a></p>
                                <p>{t(T::ManualKeyLabel)}</p>
                                <p class="copyable">
                                    <code class="manual-key" translate="no">{manual_key.clone()}</code>
                                    <CopyButton text=manual_key label=T::CopyKeyButton />
                                </p>
                                <h2 id="first-code">{t(T::EnterFirstCode)}</h2>
                                <ConfirmTwoFactorForm flash=flash_of(flash, "totp_confirm", &[]) />
                                <PostForm action={post_path::<CancelTwoFactorSetup>()} form_class="secondary-action">
                                    <button type="submit" class="button secondary">{t(T::CancelSetupButton)}</button>
                                </PostForm>
                            }.into_any(),
                            Ok(TwoFactorView::On(codes)) => {
                                let turning_off = confirm.as_deref() == Some("turn-off");
                                view! {
                                    <p><span class="badge ok">{t(T::TwoFactorOn)}</span></p>
                                    <CodesPanel codes confirming=confirm.as_deref() == Some("new-codes") />
                                    <section class="danger-zone" id="turn-off" aria-labelledby="turn-off-heading">
                                        <h2 id="turn-off-heading">{t(if turning_off { T::TurnOffConfirmTitle } else { T::RemoveTwoFactorButton })}</h2>
                                        {if turning_off {
                                            view! {
                                                <p>{t(T::TurnOffConfirmBody)}</p>
                                                <TurnOffForm flash=flash_of(flash, "totp_remove", &[]) />
                                                <p><a href="/account/two-factor">{t(T::CancelLink)}</a></p>
                                            }.into_any()
                                        } else {
                                            view! {
                                                <p><a class="button danger-outline" href="/account/two-factor?confirm=turn-off#turn-off">{t(T::TurnOffLink)}</a></p>
                                            }.into_any()
                                        }}
                                    </section>
                                }.into_any()
                            }
                        };
                        view! { {summary} {state} }
                    })
                }}
            </Suspense>
            <script src="/copy.js" defer=""></script>
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
            <AppCodeField error />
            <Submit label=T::TurnOnButton pending=state.pending() />
        </SendForm>
    }
}

/// Turning the app off asks for the password, as closing the account does.
#[island(lazy)]
fn TurnOffForm(flash: FormSeed) -> impl IntoView {
    let state = FormState::new(&flash);
    let error = state.error();
    let action = post_path::<RemoveTwoFactor>();
    view! {
        <ErrorSummary error />
        <SendForm state action labelled_by="turn-off-heading">
            <Field name="current_password" label=T::CurrentPasswordLabel kind="password"
                autocomplete="current-password" error required=true />
            <Submit label=T::RemoveTwoFactorButton pending=state.pending() danger=true />
        </SendForm>
    }
}

/// How many recovery codes are left, a warning when few, and the way to
/// new ones: a link first, then (`confirming`) what making them does.
#[component]
fn CodesPanel(codes: RecoveryCodesLeft, confirming: bool) -> impl IntoView {
    view! {
        <section class="codes-panel" id="new-codes" aria-labelledby="codes-heading">
            <h2 id="codes-heading">{t(if confirming { T::NewCodesConfirmTitle } else { T::RecoveryCodesHeading })}</h2>
            <p>{t(T::CodesLeft)} {word_space()} <strong class="codes-left">{codes.left}</strong></p>
            {codes.few.then(|| view! { <div class="alert alert-warning" role="status"><p>{t(T::FewCodesWarning)}</p></div> })}
            {if confirming {
                view! {
                    <div class="alert alert-warning"><p>{t(T::NewCodesConfirmBody)}</p></div>
                    <PostForm action={post_path::<RegenerateRecoveryCodes>()}>
                        <Submit label=T::NewCodesConfirmButton />
                    </PostForm>
                    <p><a href="/account/two-factor">{t(T::CancelLink)}</a></p>
                }.into_any()
            } else {
                view! {
                    <p><a class="button secondary" href="/account/two-factor?confirm=new-codes#new-codes">{t(T::NewCodesLink)}</a></p>
                }.into_any()
            }}
        </section>
    }
}

/// A button that copies `text`; drawn hidden, shown by `public/copy.js`
/// (a page without JavaScript cannot copy, so it offers nothing).
#[component]
fn CopyButton(text: String, label: T) -> impl IntoView {
    view! {
        <button type="button" class="button secondary copy" hidden=true data-copy=text data-copied=t(T::CopiedNotice)>
            {t(label)}
        </button>
        <span class="copy-status" role="status"></span>
    }
}

/// `/account/recovery-codes`: new codes, shown until the owner says they
/// are saved, with a download, a copy and a print.
#[component]
pub fn RecoveryCodesPage() -> impl IntoView {
    let codes = page_resource(|| (), |_| stashed_recovery_codes());
    view! {
        <Title text=t(T::RecoveryCodesTitle) />
        <InAccount content=move |user: UserView| view! { <RecoveryCodes codes email=user.email /> } />
    }
}

/// The codes as a text file in the page's language, naming the account
/// and the day; its name says the same.
fn codes_file(view: &RecoveryCodesView, email: &str) -> (String, String) {
    let text = format!(
        "Latchkey · {title}\r\n{account}: {email}\r\n{made}: {day}\r\n\r\n{codes}\r\n\r\n{note}\r\n",
        title = t(T::RecoveryCodesTitle),
        account = t(T::CodesAccountLabel),
        made = t(T::CodesMadeOnLabel),
        day = view.made_on,
        codes = view.codes.join("\r\n"),
        note = t(T::CodesFileNote),
    );
    let name = format!("latchkey-recovery-codes-{email}-{}.txt", view.made_on);
    (text, name)
}

#[component]
fn RecoveryCodes(
    codes: Resource<Result<Option<RecoveryCodesView>, AppError>>,
    email: String,
) -> impl IntoView {
    view! {
        <section class="card narrow">
            <h1>{t(T::RecoveryCodesTitle)}</h1>
            <Suspense>
                {move || {
                    let email = email.clone();
                    Suspend::new(async move {
                        match codes.await.ok().flatten() {
                            None => view! {
                                <p>{t(T::CodesGone)}</p>
                                <p><a href="/account/two-factor">{t(T::BackToTwoFactor)}</a></p>
                            }.into_any(),
                            Some(view) => {
                                let (file, name) = codes_file(&view, &email);
                                let href = format!("data:text/plain;charset=utf-8,{}", crate::encode_query_value(&file));
                                view! {
                                    <p class="lead">{t(T::RecoveryCodesIntro)}</p>
                                    <dl class="profile">
                                        <dt>{t(T::CodesAccountLabel)}</dt><dd>{email.clone()}</dd>
                                        <dt>{t(T::CodesMadeOnLabel)}</dt><dd><time>{view.made_on.clone()}</time></dd>
                                    </dl>
                                    <ol class="recovery-codes" translate="no">
                                        {view.codes.iter().map(|code| view! { <li><code>{code.clone()}</code></li> }).collect_view()}
                                    </ol>
                                    <p class="code-actions">
                                        <a class="button secondary" href=href download=name rel="external">{t(T::DownloadCodes)}</a>
                                        <CopyButton text=view.codes.join("\n") label=T::CopyCodesButton />
                                        <button type="button" class="button secondary" hidden=true data-print="">{t(T::PrintCodesButton)}</button>
                                    </p>
                                    <PostForm action={post_path::<SavedRecoveryCodes>()}>
                                        <Submit label=T::SavedCodes />
                                    </PostForm>
                                    <script src="/copy.js" defer=""></script>
                                }.into_any()
                            }
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}
