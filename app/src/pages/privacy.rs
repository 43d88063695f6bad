use leptos::prelude::*;
use leptos_meta::Title;

use super::{page_data, SignedIn};
use crate::api::{deletion_grace_days, DeleteAccount, ExportData, UserView};
use crate::components::{flash_error, ErrorSummary, Field};
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
    let error = flash_error(data.flash_signal(), "delete");
    let grace = Resource::new(|| (), |_| deletion_grace_days());
    let export_path = <ExportData as leptos::server_fn::ServerFn>::PATH;
    let delete_path = <DeleteAccount as leptos::server_fn::ServerFn>::PATH;
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
                        <ErrorSummary error />
                        // A full page load after deleting: nothing of the closed account stays on screen.
                        <form method="post" action=delete_path class="stack" novalidate="" aria-labelledby="delete-heading">
                            <Field name="current_password" label=T::CurrentPasswordLabel kind="password"
                                autocomplete="current-password" error required=true />
                            <button type="submit" class="button danger">{t(T::DeleteButton)}</button>
                        </form>
                    }
                })}
            </Suspense>
        </section>
    }
}
