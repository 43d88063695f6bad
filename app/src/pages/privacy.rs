use crate::page_resource;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{page_data, InAccount};
use crate::api::{deletion_grace_days, DeleteAccount, ExportData, UserView};
use crate::components::{
    flash_of, post_path, ErrorSummary, Field, FormSeed, FormState, PageCard, SendForm, Submit,
};
use crate::i18n::{t, T};

/// `/account/privacy`: download everything, or close the account.
#[component]
pub fn PrivacyPage() -> impl IntoView {
    view! {
        <Title text=t(T::PrivacyTitle) />
        <InAccount content=|_user: UserView| view! { <PrivacyControls /> } />
    }
}

#[component]
fn PrivacyControls() -> impl IntoView {
    let data = page_data();
    let flash = data.flash_signal();
    let grace = page_resource(|| (), |_| deletion_grace_days());
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

/// `/account-closed`: where the deletion ends, signed out. The erasure day
/// comes in the query; anything but a plain date is not shown.
#[component]
pub fn AccountClosedPage() -> impl IntoView {
    let query = use_query_map();
    let erase_on = query
        .read_untracked()
        .get("erase_on")
        .filter(|day| is_plain_date(day));
    let body = match erase_on {
        Some(day) => t(T::ClosedBody).replace("{date}", &day),
        None => t(T::ClosedBodyLater).to_owned(),
    };
    view! {
        <PageCard title=T::ClosedTitle>
            <div class="alert alert-warning" role="status"><p>{body}</p></div>
            <p>{t(T::ChangedYourMind)}</p>
            <p><a class="button" href="/login?restore=1">{t(T::CancelDeletionButton)}</a></p>
        </PageCard>
    }
}

/// `2026-12-31`: the only shape an erasure day takes.
fn is_plain_date(text: &str) -> bool {
    text.len() == 10
        && text.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            _ => c.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::is_plain_date;

    #[test]
    fn only_a_plain_date_is_shown() {
        assert!(is_plain_date("2026-12-31"));
        assert!(!is_plain_date("2026-12-3"));
        assert!(!is_plain_date("<b>2026</b>"));
        assert!(!is_plain_date("tomorrow!!"));
    }
}
