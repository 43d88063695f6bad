//! Latchkey's pages, components and server functions. Compiled twice: with
//! `ssr` into the server, with `hydrate` into the browser's WASM.

// Leptos view types nest deeply in release builds (no type erasure there).
#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "hydrate")]
pub mod browser;
pub mod components;
pub mod error;
pub mod i18n;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use domain::Locale;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::hooks::use_location;
use leptos_router::{path, SsrMode};

use crate::api::{
    current_user, take_form_flash, EndSupportView, FormFlash, SignOut, UserView, ViewBanner,
};
use crate::i18n::{t, use_locale, word_space, T};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(nonce) = use_context::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<ssr::CspNonce>().cloned())
        {
            provide_context(leptos::nonce::Nonce::from_value(nonce.0));
        }
        provide_context(ssr::request_locale());
    }
    let locale = use_locale();
    view! {
        <!DOCTYPE html>
        <html lang=locale.tag()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                // The bundle's names follow its content hash in release builds.
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options islands=true />
                <noscript><link rel="stylesheet" href="/noscript.css" /></noscript>
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Shared by every page: who is signed in (re-read on every navigation, so
/// signing in or out shows at once) and what a no-JavaScript form post left.
#[derive(Clone, Copy)]
pub struct PageData {
    pub user: Resource<Result<Option<UserView>, error::AppError>>,
    pub flash: Resource<Result<Option<FormFlash>, error::AppError>>,
}

impl PageData {
    pub fn flash_signal(self) -> Signal<Option<FormFlash>> {
        Signal::derive(move || self.flash.get().and_then(Result::ok).flatten())
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Title formatter=|page: String| if page.contains("Latchkey") { page } else { format!("{page} · Latchkey") } />
        <Router>
            <Layout />
        </Router>
    }
}

/// A page's data: `Resource::new`, with the load holding the page's
/// reactive owners until it finishes (on the server).
///
/// A resource's load runs as its own task, on any runtime thread; the page's
/// owners belong to the request. When the request is done with them first
/// (its client went away), reactive_graph 0.2 can drop the last of them
/// inside a context lookup of the load, while holding a lock that the drop
/// needs: that runtime thread then waits forever (seen under load, one
/// worker thread at a time, until the server stopped answering). Holding the
/// owners makes the load drop them last, after its lookups and outside any
/// lock. reactive_graph 0.3 fixes the lookup itself; Leptos 0.8 cannot use
/// it. `Resource::new` is refused elsewhere (clippy.toml), so no page forgets.
#[allow(clippy::disallowed_methods)]
pub fn page_resource<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    load: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    Resource::new(source, move |key| held_by_page(load(key)))
}

#[cfg(feature = "ssr")]
fn held_by_page<F>(load: F) -> impl std::future::Future<Output = F::Output> + Send + 'static
where
    F: std::future::Future + Send + 'static,
{
    let owners: Vec<Owner> = std::iter::successors(Owner::current(), Owner::parent).collect();
    async move {
        // Dropped when the load is done (or dropped itself), not before.
        let _owners = owners;
        load.await
    }
}

/// In the browser there is one thread and nothing to hold.
#[cfg(not(feature = "ssr"))]
fn held_by_page<F: std::future::Future>(load: F) -> F {
    load
}

#[component]
fn Layout() -> impl IntoView {
    let location = use_location();
    let user = page_resource(move || location.pathname.get(), |_| current_user());
    let flash = page_resource(|| (), |_| take_form_flash());
    provide_context(PageData { user, flash });

    view! {
        <a class="skip-link" href="#main">{t(T::SkipToContent)}</a>
        <header class="site-header">
            <a class="brand" href="/">"Latchkey"</a>
            <nav aria-label=t(T::MainNavigation)>
                <Transition>
                    {move || Suspend::new(async move {
                        match user.await.ok().flatten() {
                            Some(user) => view! { <SignedInNav staff=user.staff /> }.into_any(),
                            None => view! { <SignedOutNav /> }.into_any(),
                        }
                    })}
                </Transition>
            </nav>
            <LanguageSwitch />
        </header>
        <Transition>
            {move || Suspend::new(async move {
                user.await
                    .ok()
                    .flatten()
                    .and_then(|user| user.support_view)
                    .map(|banner| view! { <SupportViewBanner banner /> })
            })}
        </Transition>
        <main id="main" tabindex="-1">
            <Routes fallback=pages::NotFound>
                <Route path=path!("/") view=pages::Home ssr=SsrMode::Async />
                <Route path=path!("/login") view=pages::LoginPage ssr=SsrMode::Async />
                <Route path=path!("/register") view=pages::RegisterPage ssr=SsrMode::Async />
                <Route path=path!("/register/sent") view=pages::RegisterSentPage ssr=SsrMode::Async />
                <Route path=path!("/verify-email") view=pages::VerifyEmailPage ssr=SsrMode::Async />
                <Route path=path!("/recover") view=pages::RecoverPage ssr=SsrMode::Async />
                <Route path=path!("/recover/sent") view=pages::RecoverSentPage ssr=SsrMode::Async />
                <Route path=path!("/recover/reset") view=pages::ResetPasswordPage ssr=SsrMode::Async />
                <Route path=path!("/account") view=pages::AccountPage ssr=SsrMode::Async />
                <Route path=path!("/account/activity") view=pages::ActivityPage ssr=SsrMode::Async />
                <Route path=path!("/account/sessions") view=pages::SessionsPage ssr=SsrMode::Async />
                <Route path=path!("/account/security") view=pages::SecurityPage ssr=SsrMode::Async />
                <Route path=path!("/account/privacy") view=pages::PrivacyPage ssr=SsrMode::Async />
                <Route path=path!("/account-closed") view=pages::AccountClosedPage ssr=SsrMode::Async />
                <Route path=path!("/account/email/confirm") view=pages::ConfirmEmailChangePage ssr=SsrMode::Async />
                <Route path=path!("/account/email/restore") view=pages::RestoreEmailPage ssr=SsrMode::Async />
                <Route path=path!("/account/two-factor") view=pages::TwoFactorPage ssr=SsrMode::Async />
                <Route path=path!("/account/recovery-codes") view=pages::RecoveryCodesPage ssr=SsrMode::Async />
                <Route path=path!("/login/mfa") view=pages::SecondFactorPage ssr=SsrMode::Async />
                <Route path=path!("/login/reauth") view=pages::ReauthPage ssr=SsrMode::Async />
                <Route path=path!("/unlock") view=pages::UnlockPage ssr=SsrMode::Async />
                <Route path=path!("/not-me") view=pages::NotMePage ssr=SsrMode::Async />
                <Route path=path!("/staff") view=pages::StaffConsolePage ssr=SsrMode::Async />
                <Route path=path!("/staff/customers/:id") view=pages::StaffCustomerPage ssr=SsrMode::Async />
                <Route path=path!("/staff/team") view=pages::StaffTeamPage ssr=SsrMode::Async />
                <Route path=path!("/staff/roles") view=pages::StaffRolesPage ssr=SsrMode::Async />
                <Route path=path!("/staff/audit") view=pages::StaffAuditPage ssr=SsrMode::Async />
                <Route path=path!("/staff/alerts") view=pages::StaffAlertsPage ssr=SsrMode::Async />
                <Route path=path!("/staff/reviews") view=pages::StaffReviewsPage ssr=SsrMode::Async />
            </Routes>
        </main>
    }
}

/// `staff`: the account holds a role, so the console is linked.
#[component]
fn SignedInNav(staff: bool) -> impl IntoView {
    let sign_out_path = <SignOut as leptos::server_fn::ServerFn>::PATH;
    view! {
        <ul class="nav">
            <li><A href="/account">{t(T::NavAccount)}</A></li>
            {staff.then(|| view! { <li><A href="/staff">{t(T::NavConsole)}</A></li> })}
            <li>
                // A plain form even with scripts on: signing out reloads the
                // page, so no client state of the account outlives the session.
                <form method="post" action=sign_out_path class="inline-form">
                    <button type="submit" class="link-button">{t(T::SignOut)}</button>
                </form>
            </li>
        </ul>
    }
}

/// On every page of a support view: whose account, who views it, until
/// when, and the way out. A plain form, like signing out: ending the view
/// reloads, so nothing of the customer's pages stays in the browser.
#[component]
fn SupportViewBanner(banner: ViewBanner) -> impl IntoView {
    let end_path = <EndSupportView as leptos::server_fn::ServerFn>::PATH;
    let locale = use_locale();
    let minutes = banner.minutes_left;
    let left = match locale {
        Locale::En => format!("({minutes} min left)"),
        Locale::ZhCn => format!("（剩余 {minutes} 分钟）"),
    };
    view! {
        <aside class="support-view-banner" aria-label=t(T::ViewBannerTitle)>
            <p class="support-view-title"><strong>{t(T::ViewBannerTitle)}</strong></p>
            <dl class="support-view-facts">
                <div><dt>{t(T::CustomerLabel)}</dt><dd>{banner.customer_email}</dd></div>
                <div><dt>{t(T::StaffMemberLabel)}</dt><dd>{banner.staff_name}</dd></div>
                <div><dt>{t(T::ViewEndsLabel)}</dt><dd><time>{banner.ends_at}</time> {word_space()} {left}</dd></div>
            </dl>
            <form method="post" action=end_path class="inline-form">
                <button type="submit" class="button">{t(T::EndView)}</button>
            </form>
        </aside>
    }
}

#[component]
fn SignedOutNav() -> impl IntoView {
    view! {
        <ul class="nav">
            <li><A href="/login">{t(T::NavSignIn)}</A></li>
            <li><A href="/register">{t(T::NavRegister)}</A></li>
        </ul>
    }
}

/// Plain links, so switching works without JavaScript; the server remembers
/// the choice in a cookie and sends the reader back to the same page.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let location = use_location();
    let current = use_locale();
    let back = move || {
        let path = location.pathname.get();
        let query = location.search.get();
        let full = if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        };
        encode_query_value(&full)
    };
    view! {
        <nav class="language" aria-label=t(T::LanguageLabel)>
            <ul>
                {Locale::ALL
                    .into_iter()
                    .map(|locale| {
                        let is_current = locale == current;
                        view! {
                            <li>
                                <a
                                    href=move || format!("/lang/{}?next={}", locale.tag(), back())
                                    hreflang=locale.tag()
                                    lang=locale.tag()
                                    rel="external"
                                    aria-current=is_current.then_some("true")
                                >
                                    {locale.native_name()}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

/// Percent-encodes a value for a query string (RFC 3986 unreserved kept).
pub fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use leptos::reactive::owner::with_context;
    use std::future::Future;
    use std::sync::{mpsc, Arc, Mutex};
    use std::task::{Context, Poll, Waker};
    use std::time::Duration;

    struct RequestData;

    #[test]
    fn a_load_outlives_the_request_that_let_go_of_its_page() {
        let (answer, answered) = mpsc::channel();
        // On its own thread: without the fix, the lookup below never returns.
        std::thread::spawn(move || {
            let page = Owner::new();
            page.with(|| provide_context(RequestData));
            let load_owner = page.child();
            // The request's handle on the page; the load's owner only points up to it.
            let request = Arc::new(Mutex::new(Some(page)));
            let load = load_owner.with(|| {
                let request = Arc::clone(&request);
                held_by_page(async move {
                    // The request lets go of the page during the load's lookup.
                    with_context::<RequestData, _>(|_| {
                        drop(request.lock().map(|mut page| page.take()));
                    })
                    .is_some()
                })
            });
            let mut load = std::pin::pin!(load);
            let polled =
                load_owner.with(|| load.as_mut().poll(&mut Context::from_waker(Waker::noop())));
            let _ = answer.send(polled);
        });
        assert_eq!(
            answered.recv_timeout(Duration::from_secs(5)),
            Ok(Poll::Ready(true))
        );
    }
}
