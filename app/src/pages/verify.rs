//! Where the links in our mail land. The server has already moved the token
//! from the URL into a short-lived cookie; nothing happens until the button
//! is pressed, so mail scanners that open links change nothing.

use leptos::prelude::*;

use super::page_data;
use crate::api::{
    link_account, ConfirmEmail, ConfirmEmailChange, LinkKind, ReportNotMe, RestoreEmail,
    UnlockAccount,
};
use crate::components::{flash_error, post_path, ErrorSummary, PageCard, PostForm, Submit};
use crate::error::{AppError, ShownError};
use crate::i18n::{t, T};

/// The page around a link's confirm button: the button only while this
/// browser holds a live link, with the (masked) account it acts on, else
/// how to get one.
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
    let account = Resource::new(|| (), move |_| link_account(kind));
    let link_dead = move || matches!(error.get(), Some(e) if e.error == AppError::TokenInvalid);
    view! {
        <PageCard title>
            <Suspense>
                {move || {
                    let children = children.clone();
                    Suspend::new(async move {
                        let _ = data.flash.await;
                        let account = account.await.ok().flatten();
                        let has_link = account.is_some();
                        view! {
                            <ErrorSummary error />
                            <Show when=move || has_link && !link_dead() fallback=move || view! { <p>{t(no_link)}</p> }>
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

/// Names the account a mail link acts on, so that a link someone sent for
/// their own account is not taken for one's own.
#[component]
pub fn LinkAccount(address: String) -> impl IntoView {
    view! {
        <p class="link-account">{t(T::LinkAccountIs)}" "<strong translate="no">{address}</strong></p>
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
