//! What only the browser does, once the page's islands are hydrated.

use std::time::Duration;

use domain::Locale;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::error::{Refusal, ShownError, SHOWN_ERRORS_HEADER};

/// Runs after `hydrate_islands`: the loader hydrates the islands right after
/// this returns (in microtasks), so a zero timeout marks the page once they
/// are all interactive.
pub fn start() {
    remember_time_zone("lk_tz");
    leptos::prelude::set_timeout(mark_hydrated, Duration::ZERO);
}

/// The page language the server chose, read back from `<html lang>` so the
/// hydrated app renders exactly what the server did.
pub fn document_locale() -> Locale {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| e.get_attribute("lang"))
        .and_then(|tag| Locale::from_tag(&tag))
        .unwrap_or_default()
}

/// Tells the server the browser's time zone (an IANA name, not sensitive) so
/// activity times are shown in it.
fn remember_time_zone(cookie_base_name: &str) {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    let Some(zone) = js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()
        .and_then(|z| z.as_string())
    else {
        return;
    };
    if zone.is_empty()
        || !zone
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c))
    {
        return;
    }
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(html) = document.dyn_into::<web_sys::HtmlDocument>() else {
        return;
    };
    let secure = web_sys::window()
        .map(|w| w.location().protocol().ok().as_deref() == Some("https:"))
        .unwrap_or(false);
    // Mirrors the server's cookie policy: `__Host-` and Secure under https.
    let (name, attributes) = if secure {
        (format!("__Host-{cookie_base_name}"), "; Secure")
    } else {
        (cookie_base_name.to_owned(), "")
    };
    let _ = html.set_cookie(&format!(
        "{name}={zone}; Path=/; Max-Age=31536000; SameSite=Lax{attributes}"
    ));
}

/// Moves the focus to the error summary a refused form shows beside it, so
/// a keyboard or screen-reader user starts from what to fix.
/// It runs after the next paint, once the summary is drawn.
pub fn focus_error_summary(form: &web_sys::HtmlFormElement) {
    let form = form.clone();
    leptos::prelude::request_animation_frame(move || {
        let summary = form
            .parent_element()
            .and_then(|parent| parent.query_selector(".alert-error").ok().flatten())
            .and_then(|summary| summary.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(summary) = summary {
            let _ = summary.focus();
        }
    });
}

/// Marks the document as hydrated: styles may then show script-only
/// controls, and tests know the page is interactive.
fn mark_hydrated() {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}

/// Sends a form to its server function the way the server function's own
/// client does (urlencoded, answer in JSON), without a client per function:
/// one small path for every form island instead of one per form in the WASM.
/// `Ok(Some(path))` is where the server sends the browser next; a refusal
/// comes back already in the page's language, and `unreachable` is what to
/// say when no answer could be had or read.
/// The form's fields are read by the caller at the moment of submitting
/// (`passkeys.js` clears a passkey's answer right after it submits).
pub async fn post_form(
    data: web_sys::FormData,
    action: String,
    unreachable: &'static str,
) -> Result<Option<String>, ShownError> {
    let transport = |_: JsValue| ShownError {
        refusal: Refusal::Other,
        reference: None,
        summary: unreachable.to_owned(),
        fields: Vec::new(),
    };
    let body = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data)
        .map_err(transport)?
        .to_string();
    let headers = web_sys::Headers::new().map_err(transport)?;
    headers
        .set("Accept", "application/json")
        .map_err(transport)?;
    headers
        .set("Content-Type", "application/x-www-form-urlencoded")
        .map_err(transport)?;
    headers.set(SHOWN_ERRORS_HEADER, "1").map_err(transport)?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&body.into());
    let request = web_sys::Request::new_with_str_and_init(&action, &init).map_err(transport)?;
    let window = web_sys::window().ok_or_else(|| transport(JsValue::NULL))?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(transport)?
        .dyn_into()
        .map_err(transport)?;
    if response.ok() {
        // `leptos_axum::redirect` answers a script's request with this
        // header and the destination instead of a 3xx. (A refusal may carry
        // one too, for plain posts: the error is what a script shows.)
        let headers = response.headers();
        if headers.has("serverfnredirect").unwrap_or(false) {
            return Ok(headers.get("location").ok().flatten());
        }
        return Ok(None);
    }
    let text = JsFuture::from(response.text().map_err(transport)?)
        .await
        .map_err(transport)?
        .as_string()
        .unwrap_or_default();
    Err(serde_json::from_str(&text).unwrap_or_else(|_| transport(JsValue::NULL)))
}

/// Goes to a page as a whole new load.
pub fn go_to(path: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(path);
    }
}

/// The password rules' Unicode questions, answered by the browser's own
/// engine: Rust's case and letter tables would otherwise ride in the
/// registration island (several KB on the wire). The same properties as
/// `char::is_uppercase`, `is_lowercase` and `is_alphanumeric`.
pub struct BrowserLetters {
    upper: js_sys::RegExp,
    lower: js_sys::RegExp,
    letter_or_digit: js_sys::RegExp,
}

impl Default for BrowserLetters {
    fn default() -> Self {
        let class = |pattern: &str| js_sys::RegExp::new(pattern, "u");
        BrowserLetters {
            upper: class(r"^\p{Uppercase}$"),
            lower: class(r"^\p{Lowercase}$"),
            letter_or_digit: class(r"^[\p{Alphabetic}\p{N}]$"),
        }
    }
}

fn matches(pattern: &js_sys::RegExp, c: char) -> bool {
    pattern.test(c.encode_utf8(&mut [0; 4]))
}

impl domain::Letters for BrowserLetters {
    fn is_upper(&self, c: char) -> bool {
        matches(&self.upper, c)
    }

    fn is_lower(&self, c: char) -> bool {
        matches(&self.lower, c)
    }

    fn is_letter_or_digit(&self, c: char) -> bool {
        matches(&self.letter_or_digit, c)
    }

    fn lowercase(&self, text: &str) -> String {
        js_sys::JsString::from(text).to_lower_case().into()
    }
}
