//! What only the browser does, once the page's islands are hydrated.

use std::time::Duration;

use domain::Locale;
use wasm_bindgen::JsCast;

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
