use leptos::prelude::*;
use leptos_meta::Title;

use super::{page_data, SignedIn};
use crate::api::{deletion_grace_days, DeleteAccount, ExportData, UserView};
use crate::components::{
    flash_of, post_path, ErrorSummary, Field, FormSeed, FormState, SendForm, Submit,
};
use crate::i18n::{t, T};

/// `/account/privacy`: download everything, or close the account.
#[component]
pub fn PrivacyPage() -> impl IntoView {
    view! {
        <Title text=t(T::PrivacyTitle) />
        <SignedIn content=|_user: UserView| view! { <PrivacyControls /> } />
    }
}

#[component]
fn PrivacyControls() -> impl IntoView {
    let data = page_data();
    let flash = data.flash_signal();
    let grace = Resource::new(|| (), |_| deletion_grace_days());
    let export_path = <ExportData as leptos::server_fn::ServerFn>::PATH;
    view! {
        <section class="card">
            <h1>{t(T::PrivacyTitle)}</h1>
            <h2>{t(T::ExportHeading)}</h2>
            <p>{t(T::ExportBody)}</p>
            <p><a class="button" href=export_path download="latchkey-data.json" rel="external">{t(T::ExportButton)}</a></p>
            <h2 id="delete-heading">{t(T::DeleteHeading)}</h2>
            <Suspense>
                {move || Suspend::new(async move {
                    let _ = data.flash.await;
                    let days = grace.await.unwrap_or_default();
                    view! {
                        <div class="alert alert-warning"><p>{t(T::DeleteWarning).replace("{days}", &days.to_string())}</p></div>
                        <DeleteForm flash=flash_of(flash, "delete", &[]) />
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Deleting ends in a whole new page (the redirect of an island's form is a
/// browser navigation), so nothing of the closed account stays on screen.
#[island(lazy)]
fn DeleteForm(flash: FormSeed) -> impl IntoView {
    let state = FormState::new(&flash);
    let error = state.error();
    let action = post_path::<DeleteAccount>();
    view! {
        <ErrorSummary error />
        <SendForm state action labelled_by="delete-heading">
            <Field name="current_password" label=T::CurrentPasswordLabel kind="password"
                autocomplete="current-password" error required=true />
            <Submit label=T::DeleteButton pending=state.pending() danger=true />
        </SendForm>
    }
}
