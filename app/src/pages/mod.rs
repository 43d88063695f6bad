mod account;
mod activity;
mod alerts;
mod audit;
mod login;
mod passkeys;
mod privacy;
mod recover;
mod register;
mod reviews;
mod security;
mod sessions;
mod staff;
mod team;
mod two_factor;
mod verify;

pub use account::AccountPage;
pub use activity::{device_text, event_text, ActivityPage};
pub use alerts::StaffAlertsPage;
pub use audit::{audit_kind_text, StaffAuditPage};
pub use login::LoginPage;
pub use privacy::{AccountClosedPage, PrivacyPage};
pub use recover::{RecoverPage, RecoverSentPage, ResetPasswordPage};
pub use register::{RegisterPage, RegisterSentPage};
pub use reviews::StaffReviewsPage;
pub use security::SecurityPage;
pub use sessions::SessionsPage;
pub use staff::{StaffConsolePage, StaffCustomerPage};
pub use team::{StaffRolesPage, StaffTeamPage};
pub use two_factor::{ReauthPage, RecoveryCodesPage, SecondFactorPage, TwoFactorPage};
pub use verify::{
    ConfirmEmailChangePage, NotMePage, RestoreEmailPage, UnlockPage, VerifyEmailPage,
};

use leptos::prelude::*;

use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use crate::api::UserView;
use crate::components::{shown, ErrorSummary, PageCard};
use crate::i18n::{t, T};
use crate::{encode_query_value, PageData};

pub fn page_data() -> PageData {
    expect_context::<PageData>()
}

/// `/`: the account when signed in, else the sign-in page.
#[component]
pub fn Home() -> impl IntoView {
    let user = page_data().user;
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let signed_in = user.await.ok().flatten().is_some();
                view! { <Redirect path=if signed_in { "/account" } else { "/login" } /> }
            })}
        </Suspense>
    }
}

/// The one page an account with an expired password may see.
const PASSWORD_CHANGE_PATH: &str = "/account/security";

/// Renders `content` for the signed-in account, or sends the visitor to
/// sign in and back here afterwards (and an expired password to its change).
#[component]
pub fn SignedIn<F, V>(content: F) -> impl IntoView
where
    F: Fn(UserView) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let user = page_data().user;
    let location = use_location();
    view! {
        <Suspense>
            {move || {
                let content = content.clone();
                Suspend::new(async move {
                    match user.await {
                        // Not knowing (the database is away) is not "signed out".
                        Err(error) => view! {
                            <section class="card narrow">
                                <ErrorSummary error=shown(Some(error)) />
                            </section>
                        }.into_any(),
                        Ok(Some(user)) if user.password_expired && location.pathname.get_untracked() != PASSWORD_CHANGE_PATH => {
                            view! { <Redirect path=format!("{PASSWORD_CHANGE_PATH}?expired=1") /> }.into_any()
                        }
                        Ok(Some(user)) => content(user).into_any(),
                        Ok(None) => {
                            let here = location.pathname.get_untracked();
                            let search = location.search.get_untracked();
                            let back = if search.is_empty() { here } else { format!("{here}?{search}") };
                            view! { <Redirect path=format!("/login?next={}", encode_query_value(&back)) /> }.into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

/// The customer's own pages, in the order the section navigation lists them.
const ACCOUNT_SECTIONS: [(&str, T); 6] = [
    ("/account", T::SectionOverview),
    ("/account/activity", T::NavActivity),
    ("/account/sessions", T::SectionSessions),
    ("/account/security", T::SecurityTitle),
    ("/account/two-factor", T::NavTwoFactor),
    ("/account/privacy", T::NavPrivacy),
];

/// The section a path belongs to: its own, or the one its page was
/// reached from (the recovery codes belong to two-factor).
fn account_section(path: &str) -> Option<&'static str> {
    if path.starts_with("/account/recovery-codes") {
        return Some("/account/two-factor");
    }
    if path.starts_with("/account/email/") {
        return Some("/account/security");
    }
    ACCOUNT_SECTIONS
        .iter()
        .map(|(href, _)| *href)
        .find(|href| path == *href)
}

/// A page of the customer's own account: signed in, with the section
/// navigation beside it (above it on a phone), marking where you are.
#[component]
pub fn InAccount<F, V>(content: F) -> impl IntoView
where
    F: Fn(UserView) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let here = account_section(&use_location().pathname.get_untracked());
    view! {
        <SignedIn content=move |user: UserView| {
            let content = content.clone();
            view! {
                <div class="account-layout">
                    <nav class="section-nav" aria-label=t(T::SectionNavigation)>
                        <ul>
                            {ACCOUNT_SECTIONS.iter().map(|(href, text)| view! {
                                <li>
                                    <a href=*href aria-current=(here == Some(*href)).then_some("page")>{t(*text)}</a>
                                </li>
                            }).collect_view()}
                        </ul>
                    </nav>
                    // Erased, so every account page's type stays shallow.
                    <div class="account-content">{content(user).into_any()}</div>
                </div>
            }
            .into_any()
        } />
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <PageCard title=T::NotFoundTitle class="card">
            <p>{t(T::NotFoundBody)}</p>
            <p><a href="/">{t(T::GoHome)}</a></p>
        </PageCard>
    }
}
