use leptos::prelude::*;

use super::page_data;
use crate::api::{link_pending, ConfirmEmail};
use crate::components::{form_error, ErrorSummary, PageCard, Submit};
use crate::i18n::{t, T};

/// Where a verification link lands. The server has already moved the token
/// from the URL into a short-lived cookie; nothing happens until the button
/// is pressed, so mail scanners that open links change nothing.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let data = page_data();
    let action = ServerAction::<ConfirmEmail>::new();
    let error = form_error(action, data.flash_signal(), "verify");
    let pending = Resource::new(|| (), |_| link_pending());
    view! {
        <PageCard title=T::VerifyTitle>
            <Suspense>
                {move || Suspend::new(async move {
                    let _ = data.flash.await;
                    let has_link = pending.await.unwrap_or(false);
                    view! {
                        <ErrorSummary error />
                        {if has_link {
                            view! {
                                <p>{t(T::VerifyBody)}</p>
                                <ActionForm action>
                                    <Submit label=T::VerifyButton pending=action.pending().into() />
                                </ActionForm>
                            }.into_any()
                        } else {
                            view! { <p>{t(T::VerifyNoLink)}</p> }.into_any()
                        }}
                    }
                })}
            </Suspense>
        </PageCard>
    }
}
