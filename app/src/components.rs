//! Pieces every form page shares.

use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos_meta::Title;

use crate::api::FormFlash;
use crate::error::{AppError, Refusal, ShownError};
use crate::i18n::{t, word_space, Texts, T};

/// What a form island knows of its form: the error to show (at first the
/// one the page was drawn with), whether a request runs, and how many
/// answers came back.
#[derive(Clone, Copy)]
pub struct FormState {
    error: RwSignal<Option<ShownError>>,
    pending: RwSignal<bool>,
    answers: RwSignal<u32>,
    /// The form's fields as (name, element id), so the error summary can
    /// link each message to its field.
    fields: StoredValue<Vec<(&'static str, String)>>,
}

impl FormState {
    /// The state of the form an island draws from `seed`; the island's
    /// texts, and the state itself, are provided to everything inside it.
    pub fn new(seed: &FormSeed) -> Self {
        seed.texts.clone().provide();
        let state = FormState {
            error: RwSignal::new(seed.error.clone()),
            pending: RwSignal::new(false),
            answers: RwSignal::new(0),
            fields: StoredValue::new(Vec::new()),
        };
        provide_context(state);
        state
    }

    /// The element id of the form's field `name`, if the form has one.
    fn field_id(self, name: &str) -> Option<String> {
        self.fields.with_value(|fields| {
            fields
                .iter()
                .find(|(field, _)| *field == name)
                .map(|(_, id)| id.clone())
        })
    }

    pub fn error(self) -> Signal<Option<ShownError>> {
        self.error.into()
    }

    pub fn pending(self) -> Signal<bool> {
        self.pending.into()
    }

    pub fn answers(self) -> Signal<u32> {
        self.answers.into()
    }
}

/// A form inside an island, posting to a server function's `action` path. Without
/// JavaScript the browser posts it; with JavaScript it is sent in the
/// background: an error shows in place with what was typed kept, a success
/// is the server's redirect, followed as a whole new page, and a second
/// press while one request runs sends nothing.
///
/// Its children are typed rather than boxed as `Children`: a boxed view
/// carries the code to hydrate it asynchronously, which an island never
/// does, and that code was a large part of every form's download.
#[component]
pub fn SendForm<C>(
    state: FormState,
    action: String,
    #[prop(optional)] id: Option<&'static str>,
    #[prop(optional)] labelled_by: Option<&'static str>,
    children: TypedChildren<C>,
) -> impl IntoView
where
    C: IntoView + 'static,
{
    let on_submit = send_in_background(state, action.clone());
    view! {
        <form method="post" action=action novalidate="" class="stack" id=id aria-labelledby=labelled_by on:submit=on_submit>
            {children.into_inner()()}
        </form>
    }
}

/// What a [`SendForm`] does when submitted; outside the generic component so
/// that every form island shares one copy of it.
fn send_in_background(
    state: FormState,
    action: String,
) -> impl Fn(leptos::ev::SubmitEvent) + 'static {
    // Read while the island's texts are in reach: an event handler runs
    // outside the island's owner.
    let unreachable = t(T::ErrTransport);
    move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if state.pending.get_untracked() {
            return;
        }
        #[cfg(feature = "hydrate")]
        {
            let form = event_target::<leptos::web_sys::HtmlFormElement>(&event);
            // Read now, as the browser would have sent it, before the
            // button is disabled.
            let Ok(data) = leptos::web_sys::FormData::new_with_form(&form) else {
                return;
            };
            state.pending.set(true);
            let action = action.clone();
            leptos::task::spawn_local(async move {
                match crate::browser::post_form(data, action, unreachable).await {
                    Ok(Some(next)) => crate::browser::go_to(&next),
                    answer => {
                        let refused = answer.is_err();
                        state.error.set(answer.err());
                        state.answers.update(|n| *n += 1);
                        state.pending.set(false);
                        if refused {
                            crate::browser::focus_error_summary(&form);
                        }
                    }
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&action, unreachable);
    }
}

/// The error a no-JavaScript post of `form` left in the flash, in the
/// page's language.
pub fn flash_error(
    flash: Signal<Option<FormFlash>>,
    form: &'static str,
) -> Signal<Option<ShownError>> {
    let locale = crate::i18n::use_locale();
    Signal::derive(move || {
        flash
            .get()
            .filter(|f| f.form == form)
            .and_then(|f| f.error)
            .map(|error| ShownError::new(error, locale))
    })
}

/// An error the server already has, as a page draws it, in the page's language.
pub fn shown(error: Option<AppError>) -> Signal<Option<ShownError>> {
    let locale = crate::i18n::use_locale();
    let error = error.map(|error| ShownError::new(error, locale));
    Signal::derive(move || error.clone())
}

/// What a form island starts from: what a no-JavaScript post of its form
/// left (the typed values, the error in the page's language) and the texts
/// it shows while it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FormSeed {
    values: std::collections::BTreeMap<String, String>,
    pub error: Option<ShownError>,
    texts: Texts,
}

impl FormSeed {
    /// A value the user typed, to draw the form with again.
    pub fn value(&self, field: &str) -> String {
        self.values.get(field).cloned().unwrap_or_default()
    }
}

/// The texts every form island may show while it runs: the summary of a
/// request that could not reach the server, and the way to re-authenticate.
const FORM_TEXTS: [T; 2] = [T::ErrTransport, T::ReauthTitle];

/// The seed of a form island for `form`, with the texts it shows while it
/// runs besides every form's own (`texts`).
pub fn flash_of(flash: Signal<Option<FormFlash>>, form: &'static str, texts: &[T]) -> FormSeed {
    let flash = flash
        .get_untracked()
        .filter(|f| f.form == form)
        .unwrap_or_default();
    let locale = crate::i18n::use_locale();
    FormSeed {
        values: flash.values,
        error: flash.error.map(|error| ShownError::new(error, locale)),
        texts: Texts::of(&[&FORM_TEXTS[..], texts].concat()),
    }
}

/// The path of the page, on the server and in an island alike (islands
/// have no router).
fn current_path() -> String {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.location().pathname().ok())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        leptos_router::hooks::use_location()
            .pathname
            .get_untracked()
    }
}

/// Takes a summary's link to its field: the field gets the focus (a link
/// to it alone would only scroll), with its label in view.
fn focus_field(event: leptos::ev::MouseEvent, id: &str) {
    #[cfg(feature = "hydrate")]
    {
        let field = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|field| field.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(field) = field {
            event.prevent_default();
            let _ = field.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (event, id);
}

/// The page-level message for an error, announced to screen readers.
#[component]
pub fn ErrorSummary(error: Signal<Option<ShownError>>) -> impl IntoView {
    move || {
        error.get().map(|ShownError { refusal, reference, summary, fields }| {
            // Without JavaScript the server redirects there itself; a
            // script-driven form gets the way to it here.
            let reauth = (refusal == Refusal::ReauthRequired).then(|| {
                let here = current_path();
                view! {
                    {word_space()} <a href=format!("/login/reauth?next={}", crate::encode_query_value(&here))>{t(T::ReauthTitle)}</a>
                }
            });
            // Each message links to its field, where the form has it.
            let form = use_context::<FormState>();
            let links = fields
                .into_iter()
                .filter_map(|(name, text)| {
                    let id = form?.field_id(&name)?;
                    let target = id.clone();
                    Some(view! {
                        <li><a href=format!("#{id}") on:click=move |event| focus_field(event, &target)>{text}</a></li>
                    })
                })
                .collect::<Vec<_>>();
            let links = (!links.is_empty()).then(|| view! { <ul class="error-links">{links}</ul> });
            // Focused when a page arrives with it (a form posted without
            // JavaScript); a script-driven form moves the focus itself.
            view! {
                <div class="alert alert-error" role="alert" id="form-error" tabindex="-1" autofocus="">
                    <p>{summary} {reference.map(|id| view! { " " <code>{id}</code> })} {reauth}</p>
                    {links}
                </div>
            }
        })
    }
}

/// Names the zone a page's times are in (the reader's, or UTC).
#[component]
pub fn ZoneHint(#[prop(into)] zone: String) -> impl IntoView {
    view! { <p class="hint">{t(T::TimesShownIn).replace("{zone}", &zone)}</p> }
}

/// What was asked for is done: green, so it reads as success and not as
/// advice, and announced politely.
#[component]
pub fn SuccessNotice(text: T) -> impl IntoView {
    view! { <div class="alert alert-success" role="status"><p>{t(text)}</p></div> }
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
    error: Signal<Option<ShownError>>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] on_input: Option<Callback<String>>,
    /// The rules the typed value breaks, checked as the user types, listed
    /// under the field.
    #[prop(optional, into)]
    live_check: Option<Signal<Vec<&'static str>>>,
    /// Tells apart the ids of same-named fields when a page has two forms.
    #[prop(optional)]
    scope: Option<&'static str>,
    /// The most characters the rule allows, where it differs from an
    /// address's (passwords allow more, for the server to judge).
    #[prop(optional)]
    max_chars: Option<usize>,
    /// The keyboard a phone shows (`numeric` for a code).
    #[prop(optional)]
    inputmode: Option<&'static str>,
    /// The one field a page is for (a code to type), focused on load.
    #[prop(optional)]
    autofocus: bool,
    /// A way out beside the label, where the eye is when the field is hard
    /// ("Forgot your password?").
    #[prop(optional)]
    label_link: Option<(T, &'static str)>,
) -> impl IntoView {
    let id = match scope {
        Some(scope) => format!("field-{scope}-{name}"),
        None => format!("field-{name}"),
    };
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let form = use_context::<FormState>();
    if let Some(form) = form {
        form.fields
            .update_value(|fields| fields.push((name, id.clone())));
    }
    // A message is about what was sent: once the field is changed it no
    // longer applies, until the next answer judges the new value.
    let edited_since = RwSignal::new(None::<u32>);
    let answers = move || form.map(|form| form.answers.get());
    let messages = Signal::derive(move || {
        if edited_since.get().is_some() && edited_since.get() == answers() {
            return Vec::new();
        }
        error.get().map(|e| e.field_texts(name)).unwrap_or_default()
    });
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if !messages.get().is_empty() {
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
        <div class="field" class:field-invalid=move || !messages.get().is_empty()>
            <div class="label-row">
                <label for=id.clone()>{t(label)}</label>
                {label_link.map(|(text, href)| view! { <a class="label-link" href=href>{t(text)}</a> })}
            </div>
            {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{t(hint)}</p> })}
            <input
                id=id.clone()
                name=name
                type=input_type
                autocomplete=autocomplete
                value=value
                required=required
                maxlength=match max_chars {
                    Some(max) => max.to_string(),
                    None if kind == "password" => "1024".to_owned(),
                    None => "320".to_owned(),
                }
                inputmode=inputmode
                autofocus=autofocus
                aria-invalid=move || (!messages.get().is_empty()).then_some("true")
                aria-describedby=described_by
                on:input=move |ev| {
                    edited_since.set(Some(form.map_or(0, |form| form.answers.get_untracked())));
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
            {live_check.map(|broken| view! {
                <ul class="live-check" aria-live="polite">
                    {move || broken.get().into_iter().map(|rule| view! { <li>{rule}</li> }).collect_view()}
                </ul>
            })}
            <ul class="field-errors" id=error_id.clone() aria-live="polite">
                {move || messages.get().into_iter().map(|message| view! { <li>{message}</li> }).collect_view()}
            </ul>
        </div>
    }
}

/// A submit button that says it is working while the request runs, and is
/// disabled meanwhile (a second tap sends nothing). Both words are drawn by
/// the server and one is hidden, so an island needs neither text to switch
/// them.
#[component]
pub fn Submit(
    label: T,
    #[prop(optional, into)] pending: Signal<bool>,
    /// Styled as an action that destroys something.
    #[prop(optional)]
    danger: bool,
) -> impl IntoView {
    view! {
        <button type="submit" class=if danger { "button danger" } else { "button primary" } disabled=move || pending.get()>
            <span hidden=move || pending.get()>{t(label)}</span>
            <span hidden=move || !pending.get()>{t(T::Working)}</span>
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

/// Where a server function takes a plain form post.
pub fn post_path<S: leptos::server_fn::ServerFn>() -> String {
    S::PATH.to_owned()
}

/// A form of buttons only (confirm a link, end a session): posted by the
/// browser itself, with and without JavaScript, so the answer is a whole new
/// page. With JavaScript its buttons say they are working and are disabled,
/// so a second press sends nothing.
#[island(lazy)]
pub fn PostForm(
    action: String,
    #[prop(optional, into)] form_class: Option<String>,
    children: Children,
) -> impl IntoView {
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        let form = event_target::<leptos::web_sys::HtmlFormElement>(&event);
        if form.has_attribute("data-sending") {
            event.prevent_default();
            return;
        }
        let _ = form.set_attribute("data-sending", "");
        // The browser reads the form after this handler, and leaves out a
        // disabled button: a named one's value goes along in a hidden field.
        if let Some(button) = event.submitter() {
            let name = button.get_attribute("name").unwrap_or_default();
            let document = form.owner_document();
            if let (false, Some(document)) = (name.is_empty(), document) {
                if let Ok(field) = document.create_element("input") {
                    let _ = field.set_attribute("type", "hidden");
                    let _ = field.set_attribute("name", &name);
                    let value = button.get_attribute("value").unwrap_or_default();
                    let _ = field.set_attribute("value", &value);
                    let _ = form.append_child(&field);
                }
            }
        }
        let working = form
            .query_selector("[data-working]")
            .ok()
            .flatten()
            .and_then(|words| words.text_content())
            .unwrap_or_default();
        if let Ok(buttons) = form.query_selector_all("button[type=submit]") {
            for index in 0..buttons.length() {
                let button = buttons
                    .get(index)
                    .and_then(|node| node.dyn_into::<leptos::web_sys::Element>().ok());
                if let Some(button) = button {
                    button.set_text_content(Some(&working));
                    let _ = button.set_attribute("disabled", "");
                }
            }
        }
    };
    view! {
        <form method="post" action=action class=form_class on:submit=on_submit>
            // The "Working…" the buttons switch to, drawn by the server in
            // the page's language (hydration keeps text as it was drawn).
            <span hidden=true data-working="">{t(T::Working)}</span>
            {children()}
        </form>
    }
}
