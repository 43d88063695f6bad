//! Pieces every form page shares.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use crate::api::FormFlash;
use crate::error::AppError;
use crate::i18n::{code_text, t, T};

/// The error to show for a form: the latest script-driven submission's, or,
/// before any, the one a no-JavaScript post left in the flash.
pub fn form_error<I>(
    action: ServerAction<I>,
    flash: Signal<Option<FormFlash>>,
    form: &'static str,
) -> Signal<Option<AppError>>
where
    I: leptos::server_fn::ServerFn<Output = (), Error = AppError> + Clone + Send + Sync + 'static,
{
    let from_flash = flash_error(flash, form);
    Signal::derive(move || {
        if action.version().get() > 0 {
            action.value().get().and_then(Result::err)
        } else {
            from_flash.get()
        }
    })
}

/// The error a no-JavaScript post of `form` left in the flash (also what a
/// plain form, which never runs as a script-driven action, shows).
pub fn flash_error(
    flash: Signal<Option<FormFlash>>,
    form: &'static str,
) -> Signal<Option<AppError>> {
    Signal::derive(move || flash.get().filter(|f| f.form == form).and_then(|f| f.error))
}

/// A value the user typed, restored from the flash after a no-JS redirect.
pub fn kept_value(
    flash: Signal<Option<FormFlash>>,
    form: &'static str,
    field: &'static str,
) -> String {
    flash
        .get_untracked()
        .filter(|f| f.form == form)
        .and_then(|f| f.values.get(field).cloned())
        .unwrap_or_default()
}

/// The page-level message for an error, announced to screen readers.
#[component]
pub fn ErrorSummary(error: Signal<Option<AppError>>) -> impl IntoView {
    let location = use_location();
    move || {
        error.get().map(|error| {
            let reference = match &error {
                AppError::Internal { request_id } => Some(request_id.clone()),
                _ => None,
            };
            // Without JavaScript the server redirects there itself; a
            // script-driven form gets the way to it here.
            let reauth = (error == AppError::ReauthRequired).then(|| {
                let here = location.pathname.get_untracked();
                view! {
                    " " <a href=format!("/login/reauth?next={}", crate::encode_query_value(&here))>{t(T::ReauthTitle)}</a>
                }
            });
            view! {
                <div class="alert alert-error" role="alert" id="form-error">
                    <p>{t(code_text(error.code()))} {reference.map(|id| view! { " " <code>{id}</code> })} {reauth}</p>
                </div>
            }
        })
    }
}

/// A labelled input whose rule failures are listed under it and tied to it
/// with `aria-describedby`.
#[component]
pub fn Field(
    name: &'static str,
    label: T,
    #[prop(default = "text")] kind: &'static str,
    autocomplete: &'static str,
    #[prop(optional)] hint: Option<T>,
    #[prop(optional)] value: String,
    error: Signal<Option<AppError>>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] on_input: Option<Callback<String>>,
    #[prop(optional)] children: Option<Children>,
    /// Tells apart the ids of same-named fields when a page has two forms.
    #[prop(optional)]
    scope: Option<&'static str>,
) -> impl IntoView {
    let id = match scope {
        Some(scope) => format!("field-{scope}-{name}"),
        None => format!("field-{name}"),
    };
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let codes =
        Signal::derive(move || error.get().map(|e| e.field_codes(name)).unwrap_or_default());
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if !codes.get().is_empty() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let show_password = RwSignal::new(false);
    let input_type = move || {
        if kind == "password" && show_password.get() {
            "text"
        } else {
            kind
        }
    };
    view! {
        <div class="field" class:field-invalid=move || !codes.get().is_empty()>
            <label for=id.clone()>{t(label)}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{t(hint)}</p> })}
            <input
                id=id.clone()
                name=name
                type=input_type
                autocomplete=autocomplete
                value=value
                required=required
                maxlength=if kind == "password" { "1024" } else { "320" }
                aria-invalid=move || (!codes.get().is_empty()).then_some("true")
                aria-describedby=described_by
                on:input=move |ev| {
                    if let Some(callback) = on_input {
                        callback.run(event_target_value(&ev));
                    }
                }
            />
            {(kind == "password")
                .then(|| {
                    let toggle_id = format!("{id}-show");
                    view! {
                        <div class="show-password">
                            <input
                                type="checkbox"
                                id=toggle_id.clone()
                                on:change=move |ev| show_password.set(event_target_checked(&ev))
                            />
                            <label for=toggle_id>{t(T::ShowPassword)}</label>
                        </div>
                    }
                })}
            {children.map(|c| c())}
            <ul class="field-errors" id=error_id.clone() aria-live="polite">
                {move || codes.get().into_iter().map(|code| view! { <li>{t(code_text(&code))}</li> }).collect_view()}
            </ul>
        </div>
    }
}

/// A submit button that says it is working while the request runs.
#[component]
pub fn Submit(label: T, pending: Signal<bool>) -> impl IntoView {
    view! {
        <button type="submit" class="button primary" aria-disabled=move || pending.get().then_some("true")>
            {move || if pending.get() { t(T::Working) } else { t(label) }}
        </button>
    }
}

/// A page's card: the document title, the heading, an optional lead line.
#[component]
pub fn PageCard(
    title: T,
    #[prop(optional)] lead: Option<T>,
    #[prop(default = "card narrow")] class: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <Title text=t(title) />
        <section class=class>
            <h1>{t(title)}</h1>
            {lead.map(|lead| view! { <p class="lead">{t(lead)}</p> })}
            {children()}
        </section>
    }
}
