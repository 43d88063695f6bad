//! The staff console: finding a customer, and their account with the
//! actions support may take on it. Drawn on the server; every action is a
//! plain form post (a `PostForm`), so it all works without JavaScript.

use crate::page_resource;
use domain::{PasskeyKind, Permission};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::activity::{device_text, ActivityTable, When};
use super::team::{ConsoleNav, Refusal};
use super::{page_data, SignedIn};
use crate::api::{
    console_access, customer_file, find_customers, CustomerFileView, CustomerHit, FormFlash,
    StaffAccess, StartSupportView, SupportDisable, SupportEnable, SupportEndSessions,
    SupportRemoveSecondFactors, SupportRequirePasswordReset, SupportResendVerification,
    SupportRespondToCompromise, SupportUnlock, UserView,
};
use crate::components::{
    flash_error, flash_of, post_path, shown, ErrorSummary, Field, PageCard, PostForm, Submit,
    SuccessNotice, ZoneHint,
};
use crate::encode_query_value;
use crate::error::AppError;
use crate::i18n::{t, use_locale, T};

/// `/staff`: the customer search.
#[component]
pub fn StaffConsolePage() -> impl IntoView {
    view! {
        <Title text=t(T::ConsoleTitle) />
        <SignedIn content=|user: UserView| view! { <ConsoleGate><ConsoleNav links=user.console.clone() /><CustomerSearch /></ConsoleGate> } />
    }
}

/// `/staff/customers/{id}`: one customer's account.
#[component]
pub fn StaffCustomerPage() -> impl IntoView {
    view! {
        <Title text=t(T::CustomerTitle) />
        <SignedIn content=|user: UserView| view! { <ConsoleGate><ConsoleNav links=user.console.clone() /><CustomerPanel /></ConsoleGate> } />
    }
}

/// Answers the page with HTTP 403: the console is refused to this account.
fn refuse() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::FORBIDDEN);
    }
}

/// The 403 page of a console page the reader may not open: a staff member
/// without a second factor is told how to get one.
pub(super) fn gate_refusal(access: StaffAccess) -> AnyView {
    match access {
        StaffAccess::Granted => ().into_any(),
        StaffAccess::NeedsSecondFactor => {
            refuse();
            view! {
                <PageCard title=T::ConsoleNeedsFactorTitle class="card">
                    <p>{t(T::ConsoleNeedsFactorBody)}</p>
                    <p><a href="/account/two-factor">{t(T::ConsoleNeedsFactorLink)}</a></p>
                </PageCard>
            }
            .into_any()
        }
        StaffAccess::Refused => {
            refuse();
            view! {
                <PageCard title=T::ForbiddenTitle class="card">
                    <p>{t(T::ForbiddenBody)}</p>
                    <p><a href="/account">{t(T::GoToAccount)}</a></p>
                </PageCard>
            }
            .into_any()
        }
    }
}

/// Draws `children` for an account that may use the console; otherwise a
/// 403 page, which tells a staff member without a second factor how to
/// get one. The server functions behind the console check on their own.
#[component]
fn ConsoleGate(children: ChildrenFn) -> impl IntoView {
    let access = page_resource(|| (), |_| console_access());
    view! {
        <Suspense>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match access.await {
                        Ok(StaffAccess::Granted) => children().into_any(),
                        Ok(refused) => gate_refusal(refused),
                        Err(error) => view! {
                            <section class="card narrow">
                                <ErrorSummary error=shown(Some(error)) />
                            </section>
                        }
                        .into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn CustomerSearch() -> impl IntoView {
    let query = use_query_map();
    let term = move || query.read().get("q").unwrap_or_default();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let results = page_resource(
        move || (term(), page()),
        |(term, page)| async move {
            if term.trim().is_empty() {
                Ok(None)
            } else {
                find_customers(term, Some(page)).await.map(Some)
            }
        },
    );
    let page_link =
        move |page: u32| format!("/staff?q={}&page={page}", encode_query_value(&term()));
    view! {
        <section class="card wide">
            <h1>{t(T::ConsoleTitle)}</h1>
            <p class="lead">{t(T::ConsoleIntro)}</p>
            // A plain GET form: searching works the same with scripts off.
            <form method="get" action="/staff" class="filter" role="search">
                <label for="customer-search">{t(T::SearchLabel)}</label>
                <input id="customer-search" type="search" name="q" value=term maxlength="320" autocomplete="off" />
                <button type="submit" class="button primary">{t(T::SearchButton)}</button>
            </form>
            <Transition>
                {move || Suspend::new(async move {
                    match results.await {
                        Err(error) => view! { <ErrorSummary error=shown(Some(error)) /> }.into_any(),
                        Ok(None) => ().into_any(),
                        Ok(Some(found)) if found.hits.is_empty() => view! { <p>{t(T::NoCustomersFound)}</p> }.into_any(),
                        Ok(Some(found)) => {
                            let page = page();
                            view! {
                                <div class="table-scroll">
                                    <table class="customers">
                                        <thead>
                                            <tr>
                                                <th scope="col">{t(T::ColEmail)}</th>
                                                <th scope="col">{t(T::ColName)}</th>
                                                <th scope="col">{t(T::ColAccountId)}</th>
                                                <th scope="col">{t(T::ColCreated)}</th>
                                                <th scope="col">{t(T::ColState)}</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {found.hits.into_iter().map(|hit: CustomerHit| view! {
                                                <tr>
                                                    <td data-label=t(T::ColEmail)><a href=format!("/staff/customers/{}", hit.id)>{hit.email}</a></td>
                                                    <td data-label=t(T::ColName)>{hit.display_name}</td>
                                                    <td data-label=t(T::ColAccountId)>{hit.id}</td>
                                                    <td data-label=t(T::ColCreated)><time>{hit.created}</time></td>
                                                    <td data-label=t(T::ColState)>{t(if hit.disabled { T::StateDisabled } else { T::StateActive })}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                <nav class="pager" aria-label=t(T::ConsoleTitle)>
                                    {(page > 0).then(|| view! { <a href=page_link(page - 1)>{t(T::EarlierResults)}</a> })}
                                    {found.has_more.then(|| view! { <a href=page_link(page + 1)>{t(T::MoreResults)}</a> })}
                                </nav>
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn CustomerPanel() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let before = move || {
        query
            .read()
            .get("before")
            .and_then(|b| b.parse::<i64>().ok())
    };
    let file = page_resource(
        move || (id(), before()),
        |(id, before)| async move {
            match id {
                Some(id) => customer_file(id, before).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let data = page_data();
    let flash = data.flash_signal();
    let done = move || query.read().get("done").is_some();
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                // After the flash is read, so a no-JavaScript post's error shows.
                let _ = data.flash.await;
                match file.await {
                    Err(error) => view! {
                        <section class="card narrow">
                            <ErrorSummary error=shown(Some(error)) />
                            <p><a href="/staff">{t(T::BackToSearch)}</a></p>
                        </section>
                    }
                    .into_any(),
                    Ok(file) => view! { <CustomerCard file flash done=done() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn yes_no(value: bool) -> &'static str {
    t(if value { T::Yes } else { T::No })
}

#[component]
fn CustomerCard(
    file: CustomerFileView,
    flash: Signal<Option<FormFlash>>,
    done: bool,
) -> impl IntoView {
    let locale = use_locale();
    let factors = {
        let mut factors: Vec<String> = Vec::new();
        if file.authenticator_app {
            factors.push(t(T::FactorAuthenticatorApp).to_owned());
        }
        for passkey in &file.passkeys {
            let kind = match passkey.kind {
                PasskeyKind::Platform => T::PasskeyTypePlatform,
                PasskeyKind::SecurityKey => T::PasskeyTypeKey,
            };
            factors.push(format!("{} ({})", passkey.name, t(kind)));
        }
        factors
    };
    let has_factors = !factors.is_empty();
    let actions = SupportForms {
        customer: file.id,
        flash,
    };
    let locked = file.locked_until.is_some();
    let disabled = file.disabled_since.is_some();
    let has_sessions = !file.sessions.is_empty();
    let id = file.id;
    // The actions that fit the account's state and that the reader may take.
    let offered: Vec<Offer> = [
        Some(Offer::new(
            "support_view",
            post_path::<StartSupportView>(),
            Permission::CustomerImpersonate,
            T::ViewAsCustomer,
            false,
        )),
        locked.then(|| {
            Offer::new(
                "support_unlock",
                post_path::<SupportUnlock>(),
                Permission::CustomerUnlock,
                T::ActUnlock,
                false,
            )
        }),
        (!file.email_verified).then(|| {
            Offer::new(
                "support_resend_verification",
                post_path::<SupportResendVerification>(),
                Permission::CustomerUnlock,
                T::ActResendVerification,
                false,
            )
        }),
        has_sessions.then(|| {
            Offer::new(
                "support_end_sessions",
                post_path::<SupportEndSessions>(),
                Permission::CustomerSessions,
                T::ActEndSessions,
                false,
            )
        }),
        Some(Offer::new(
            "support_require_password_reset",
            post_path::<SupportRequirePasswordReset>(),
            Permission::CustomerForceReset,
            T::ActRequireReset,
            true,
        )),
        Some(Offer::new(
            "support_respond_to_compromise",
            post_path::<SupportRespondToCompromise>(),
            Permission::CustomerForceReset,
            T::ActRespondToCompromise,
            true,
        )),
        has_factors.then(|| {
            Offer::new(
                "support_remove_second_factors",
                post_path::<SupportRemoveSecondFactors>(),
                Permission::CustomerResetSecondFactor,
                T::ActRemoveFactors,
                true,
            )
        }),
        Some(if disabled {
            Offer::new(
                "support_enable",
                post_path::<SupportEnable>(),
                Permission::CustomerDisable,
                T::ActEnable,
                false,
            )
        } else {
            Offer::new(
                "support_disable",
                post_path::<SupportDisable>(),
                Permission::CustomerDisable,
                T::ActDisable,
                true,
            )
        }),
    ]
    .into_iter()
    .flatten()
    .filter(|offer| file.may.contains(&offer.permission))
    .collect();
    // A refused post of a form this page does not draw (a permission the
    // reader lacks, a state that changed meanwhile) is said at the top.
    let unoffered_refusal = flash
        .get_untracked()
        .filter(|f| f.form.starts_with("support_") && !offered.iter().any(|o| o.form == f.form))
        .and_then(|f| f.error);
    view! {
        <section class="card wide">
            <h1>{t(T::CustomerTitle)}</h1>
            <p><a href="/staff">{t(T::BackToSearch)}</a></p>
            {done.then(|| view! { <SuccessNotice text=T::ActionDoneNotice /> })}
            <dl class="profile">
                <dt>{t(T::ColEmail)}</dt><dd>{file.email}</dd>
                <dt>{t(T::ColName)}</dt><dd>{file.display_name}</dd>
                <dt>{t(T::ColAccountId)}</dt><dd>{file.id}</dd>
                <dt>{t(T::AddressConfirmed)}</dt><dd>{yes_no(file.email_verified)}</dd>
                <dt>{t(T::ColCreated)}</dt><dd><time>{file.created}</time></dd>
                <dt>{t(T::SignInLock)}</dt>
                <dd>{match file.locked_until {
                    Some(until) => view! { {t(T::LockedUntil)} " " <time>{until}</time> }.into_any(),
                    None => t(T::NotLocked).into_any(),
                }}</dd>
                <dt>{t(T::AccountState)}</dt>
                <dd>{match file.disabled_since {
                    Some(since) => view! { {t(T::DisabledSince)} " " <time>{since}</time> }.into_any(),
                    None => t(T::StateActive).into_any(),
                }}</dd>
                <dt>{t(T::SecondFactorsHeading)}</dt>
                <dd>{if has_factors { factors.join(", ") } else { t(T::NoSecondFactors).to_owned() }}</dd>
            </dl>

            <h2>{t(T::CustomerSessionsHeading)}</h2>
            {if has_sessions {
                view! {
                    <ul class="sessions">
                        {file.sessions.into_iter().map(|session| view! {
                            <li class="session">
                                <h3 class="session-device">{device_text(session.browser.as_deref(), session.system.as_deref(), locale)}</h3>
                                <dl class="profile">
                                    <dt>{t(T::ColIp)}</dt><dd>{session.ip}</dd>
                                    <dt>{t(T::LastActive)}</dt><dd><When time=session.last_seen /></dd>
                                </dl>
                            </li>
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            } else {
                view! { <p>{t(T::NoSessions)}</p> }.into_any()
            }}

            <h2>{t(T::ActionsHeading)}</h2>
            <p>{t(T::ActionsIntro)}</p>
            {unoffered_refusal.map(|error| view! { <Refusal error=shown(Some(error)) /> })}
            {offered.into_iter().map(|offer| actions.form(offer)).collect_view()}

            <h2>{t(T::NavActivity)}</h2>
            {if file.activity.rows.is_empty() {
                view! { <p>{t(T::NoActivity)}</p> }.into_any()
            } else {
                view! {
                    <ZoneHint zone=file.activity.zone.clone() />
                    <ActivityTable rows=file.activity.rows.clone() />
                    <nav class="pager" aria-label=t(T::NavActivity)>
                        {file.activity.older_than.map(|older| view! {
                            <a href=format!("/staff/customers/{id}?before={older}")>{t(T::OlderEvents)}</a>
                        })}
                    </nav>
                }
                .into_any()
            }}
        </section>
    }
}

/// One action a customer's page offers.
struct Offer {
    /// The flash name its server function uses.
    form: &'static str,
    action: String,
    permission: Permission,
    label: T,
    danger: bool,
}

impl Offer {
    fn new(
        form: &'static str,
        action: String,
        permission: Permission,
        label: T,
        danger: bool,
    ) -> Offer {
        Offer {
            form,
            action,
            permission,
            label,
            danger,
        }
    }
}

/// The action forms of one customer's page.
struct SupportForms {
    customer: i64,
    flash: Signal<Option<FormFlash>>,
}

impl SupportForms {
    /// One action's form: the reason (kept, with the refusal, when a post
    /// without JavaScript is refused) and the button.
    fn form(&self, offer: Offer) -> impl IntoView {
        let Offer {
            form,
            action,
            label,
            danger,
            ..
        } = offer;
        let error = flash_error(self.flash, form);
        let typed = flash_of(self.flash, form, &[]).value("reason");
        let customer = self.customer.to_string();
        view! {
            <PostForm action form_class="stack support-action">
                <h3>{t(label)}</h3>
                <Refusal error inline=&["reason"] />
                <input type="hidden" name="customer" value=customer />
                <Field name="reason" label=T::ReasonLabel hint=T::ReasonHint autocomplete="off"
                    value=typed error required=true scope=form max_chars=domain::reason::MAX_REASON_CHARS />
                <Submit label danger />
            </PostForm>
        }
    }
}
