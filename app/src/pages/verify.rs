//! Where the links in our mail land. The server has already moved the token
//! from the URL into a short-lived cookie; nothing happens until the button
//! is pressed, so mail scanners that open links change nothing.

use crate::page_resource;
use leptos::prelude::*;

use super::page_data;
use crate::api::{
    link_state, ConfirmEmail, ConfirmEmailChange, LinkKind, LinkView, ReportNotMe, RestoreEmail,
    UnlockAccount,
};
use crate::components::{flash_error, post_path, ErrorSummary, PageCard, PostForm, Submit};
use crate::error::{Refusal, ShownError};
use crate::i18n::{t, word_space, T};

/// The page around a link's confirm button: the button only while this
/// browser holds a live link, with the (masked) account it acts on; else,
/// said at once when the page opens, why the link is dead and the one way
/// on.
#[component]
fn LinkConfirm(
    kind: LinkKind,
    title: T,
    body: T,
    no_link: T,
    error: Signal<Option<ShownError>>,
    children: ChildrenFn,
) -> impl IntoView {
    let data = page_data();
    let state = page_resource(|| (), move |_| link_state(kind));
    let link_dead = move || matches!(error.get(), Some(e) if e.refusal == Refusal::TokenInvalid);
    view! {
        <PageCard title>
            <Suspense>
                {move || {
                    let children = children.clone();
                    Suspend::new(async move {
                        let _ = data.flash.await;
                        let state = state.await.unwrap_or(LinkView::Unknown);
                        let account = match &state {
                            LinkView::Live(account) => Some(account.clone()),
                            _ => None,
                        };
                        let has_link = account.is_some();
                        view! {
                            <ErrorSummary error />
                            <Show when=move || has_link && !link_dead() fallback=move || view! { <DeadLink kind state=state.clone() no_link /> }>
                                <LinkAccount address=account.clone().unwrap_or_default() />
                                <p>{t(body)}</p>
                                {children()}
                            </Show>
                        }
                    })
                }}
            </Suspense>
        </PageCard>
    }
}

/// Why a mail link no longer works, and the one way on: a new link, or
/// for an address confirmed by now, on to the account (which asks to sign
/// in first when needed). `no_link` is for a page opened without a link.
#[component]
pub fn DeadLink(kind: LinkKind, state: LinkView, no_link: T) -> impl IntoView {
    let (name, message) = match state {
        LinkView::Used => ("used", T::LinkUsedBody),
        LinkView::Voided => ("voided", T::LinkVoidedBody),
        LinkView::Expired => ("expired", T::LinkExpiredBody),
        LinkView::AlreadyConfirmed => {
            return view! {
                <div class="alert alert-info" role="status" data-link-state="confirmed">
                    <p>{t(T::AlreadyConfirmedBody)}</p>
                </div>
                <p><a class="button primary" href="/account">{t(T::ContinueButton)}</a></p>
            }
            .into_any();
        }
        LinkView::Live(_) | LinkView::Unknown => return view! { <p>{t(no_link)}</p> }.into_any(),
    };
    let (href, label) = match kind {
        LinkKind::VerifyEmail => ("/account", T::GetNewLink),
        LinkKind::ResetPassword => ("/recover", T::AskAgain),
        LinkKind::Unlock => ("/login", T::GoToSignIn),
        LinkKind::ChangeEmail => ("/account/security", T::ChangeEmailHeading),
        LinkKind::NotMe | LinkKind::RestoreEmail => ("/recover", T::RecoverTitle),
    };
    view! {
        <div class="alert alert-info" role="status" data-link-state=name>
            <p>{t(message)}</p>
        </div>
        <p><a class="button primary" href=href>{t(label)}</a></p>
    }
    .into_any()
}

/// Names the account a mail link acts on, so that a link someone sent for
/// their own account is not taken for one's own.
#[component]
pub fn LinkAccount(address: String) -> impl IntoView {
    view! {
        <p class="link-account">{t(T::LinkAccountIs)}{word_space()}<strong translate="no">{address}</strong></p>
    }
}

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let error = flash_error(page_data().flash_signal(), "verify");
    view! {
        <LinkConfirm kind=LinkKind::VerifyEmail title=T::VerifyTitle body=T::VerifyBody no_link=T::VerifyNoLink error>
            <PostForm action={post_path::<ConfirmEmail>()}>
                <Submit label=T::VerifyButton />
            </PostForm>
        </LinkConfirm>
    }
}

#[component]
pub fn UnlockPage() -> impl IntoView {
    let error = flash_error(page_data().flash_signal(), "unlock");
    view! {
        <LinkConfirm kind=LinkKind::Unlock title=T::UnlockTitle body=T::UnlockBody no_link=T::MailLinkNeeded error>
            <PostForm action={post_path::<UnlockAccount>()}>
                <Submit label=T::UnlockButton />
            </PostForm>
            <p class="aside"><a href="/recover">{t(T::ChooseNewPassword)}</a></p>
        </LinkConfirm>
    }
}

#[component]
pub fn NotMePage() -> impl IntoView {
    let error = flash_error(page_data().flash_signal(), "not_me");
    view! {
        <LinkConfirm kind=LinkKind::NotMe title=T::NotMeTitle body=T::NotMeBody no_link=T::MailLinkNeeded error>
            <PostForm action={post_path::<ReportNotMe>()}>
                <Submit label=T::NotMeButton />
            </PostForm>
        </LinkConfirm>
    }
}

#[component]
pub fn ConfirmEmailChangePage() -> impl IntoView {
    let error = flash_error(page_data().flash_signal(), "email_confirm");
    view! {
        <LinkConfirm kind=LinkKind::ChangeEmail title=T::ConfirmEmailTitle body=T::ConfirmEmailBody no_link=T::MailLinkNeeded error>
            <PostForm action={post_path::<ConfirmEmailChange>()}>
                <Submit label=T::ConfirmEmailButton />
            </PostForm>
        </LinkConfirm>
    }
}

#[component]
pub fn RestoreEmailPage() -> impl IntoView {
    let error = flash_error(page_data().flash_signal(), "restore");
    view! {
        <LinkConfirm kind=LinkKind::RestoreEmail title=T::RestoreEmailTitle body=T::RestoreEmailBody no_link=T::MailLinkNeeded error>
            <PostForm action={post_path::<RestoreEmail>()}>
                <Submit label=T::RestoreEmailButton />
            </PostForm>
        </LinkConfirm>
    }
}
