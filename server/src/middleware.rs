//! Layers every request passes: request id and client address, security
//! headers with a CSP nonce, the cross-site check on state-changing
//! requests, and moving tokens from mail links into a cookie.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use app::i18n::T;
use app::ssr::{
    locale_of, referring_page, ClientIp, CookiePolicy, CspNonce, RequestId, LINK_COOKIE,
};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use http::header::{
    HeaderName, HeaderValue, ACCEPT, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, LOCATION, ORIGIN,
    RETRY_AFTER, SET_COOKIE,
};
use http::{Method, StatusCode};
use ipnet::IpNet;
use rand::RngCore;

/// What the layers need to know, fixed at start-up.
#[derive(Clone)]
pub struct Guard {
    pub public_origin: Arc<str>,
    pub https: bool,
    pub trusted_proxies: Arc<[IpNet]>,
    pub cookies: CookiePolicy,
    pub link_cookie_secs: i64,
}

fn random_text(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

/// The client's address: the socket peer, unless that peer is a trusted
/// proxy, in which case the nearest untrusted hop of `X-Forwarded-For`.
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> = forwarded_for
        .unwrap_or_default()
        .split(',')
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    hops.iter()
        .rev()
        .find(|hop| !is_trusted(hop))
        .copied()
        .or_else(|| hops.first().copied())
        .unwrap_or(peer)
}

/// Request id and client address, for everything downstream.
pub async fn identify(State(guard): State<Guard>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let forwarded = request
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    let ip = client_ip(peer, forwarded, &guard.trusted_proxies);
    let request_id = random_text(9);
    request.extensions_mut().insert(ClientIp(ip));
    request
        .extensions_mut()
        .insert(RequestId(request_id.clone()));
    let span = tracing::info_span!("request", id = %request_id, method = %request.method(), path = %request.uri().path());
    let mut response = tracing::Instrument::instrument(next.run(request), span).await;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    response
}

/// Security headers on every response, with a fresh CSP nonce that the
/// app's shell puts on its scripts.
pub async fn security_headers(
    State(guard): State<Guard>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = random_text(18);
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let is_asset = request.uri().path().starts_with("/pkg/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    set("content-security-policy", &csp);
    set("referrer-policy", "same-origin");
    set("x-content-type-options", "nosniff");
    set("x-frame-options", "DENY");
    set("cross-origin-opener-policy", "same-origin");
    set(
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    );
    if guard.https {
        set(
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
    // Pages and answers are personal; only the static bundle may be cached.
    let cache = if is_asset { "no-cache" } else { "no-store" };
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// Refuses cross-site state-changing requests before any work: the
/// browser's `Sec-Fetch-Site` must say same-origin (or a user-typed
/// navigation), and where it is missing `Origin` must be ours.
pub async fn same_origin_only(
    State(guard): State<Guard>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let allowed = match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => headers.get(ORIGIN).and_then(|v| v.to_str().ok()) == Some(&*guard.public_origin),
    };
    if !allowed {
        tracing::warn!(path = %request.uri().path(), "cross-site request refused");
        return (
            StatusCode::FORBIDDEN,
            "Cross-site requests are not accepted.",
        )
            .into_response();
    }
    next.run(request).await
}

/// Answers 413 before reading a body whose declared length is over the
/// limit; bodies without a length are cut off by axum's body limit.
pub async fn limit_body(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > crate::MAX_BODY_BYTES) {
        return (StatusCode::PAYLOAD_TOO_LARGE, "The request is too large.").into_response();
    }
    next.run(request).await
}

/// Paths whose mail links carry a token in `?token=`.
const LINK_PATHS: &[&str] = &[
    "/verify-email",
    "/recover/reset",
    "/unlock",
    "/not-me",
    "/account/email/confirm",
    "/account/email/restore",
];

/// A mail link's GET moves its token into a short-lived HttpOnly cookie and
/// redirects to the same path without it, so the token leaves the address
/// bar and history, and nothing acts until the user presses the button.
pub async fn move_link_token(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if request.method() != Method::GET || !LINK_PATHS.contains(&path) {
        return next.run(request).await;
    }
    let token = request
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .map(str::to_owned);
    let Some(token) = token else {
        return next.run(request).await;
    };
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(location) = HeaderValue::from_str(path) {
        response.headers_mut().insert(LOCATION, location);
    }
    // Only token-shaped values are kept; anything else becomes "invalid link" on the page.
    let value = if token.len() <= 128
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        token
    } else {
        "invalid".to_owned()
    };
    let cookie = guard
        .cookies
        .set(LINK_COOKIE, &value, Some(guard.link_cookie_secs), true);
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    response
}

/// A browser that posted a form without JavaScript and was refused for
/// going too fast (429) or met a database outage (503) gets a readable page
/// in its language instead of the server function's JSON; the status and
/// `Retry-After` stay.
pub async fn readable_errors(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    let wants_page = request
        .headers()
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let locale = locale_of(request.headers(), guard.cookies);
    let back = referring_page(request.headers()).unwrap_or_else(|| "/".to_owned());
    let response = next.run(request).await;
    let status = response.status();
    let is_page = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if !wants_page
        || is_page
        || !matches!(
            status,
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
        )
    {
        return response;
    }
    let retry_after = response.headers().get(RETRY_AFTER).cloned();
    let text = |message: T| message.text(locale);
    let (title, body) = if status == StatusCode::TOO_MANY_REQUESTS {
        let wait = retry_after
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .unwrap_or("60");
        (
            text(T::TooManyTitle),
            format!(
                "{} <strong>{} {}</strong>",
                text(T::TooManyBody),
                digits_only(wait),
                text(T::Seconds)
            ),
        )
    } else {
        (
            text(T::UnavailableTitle),
            text(T::ErrUnavailable).to_owned(),
        )
    };
    let html = format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Latchkey</title><link rel=\"stylesheet\" href=\"/pkg/latchkey.css\"></head>\
         <body><header class=\"site-header\"><a class=\"brand\" href=\"/\">Latchkey</a></header>\
         <main id=\"main\"><section class=\"card narrow\"><h1>{title}</h1><p>{body}</p>\
         <p><a class=\"button\" href=\"{back}\">{go_back}</a></p></section></main></body></html>",
        lang = locale.tag(),
        go_back = text(T::GoBack),
    );
    let mut page = (status, html).into_response();
    let headers = page.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.remove(CONTENT_LENGTH);
    if let Some(retry_after) = retry_after {
        headers.insert(RETRY_AFTER, retry_after);
    }
    page
}

/// `Retry-After` as shown on the page: digits only, whatever the header held.
fn digits_only(value: &str) -> String {
    value.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untrusted_peers_are_the_client_whatever_they_claim() {
        let peer: IpAddr = "198.51.100.4".parse().unwrap();
        assert_eq!(client_ip(peer, Some("1.2.3.4"), &[]), peer);
    }

    #[test]
    fn behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        // A client-supplied first hop is ignored: only what our proxy appended counts.
        let ip = client_ip(proxy, Some("6.6.6.6, 203.0.113.5, 10.0.0.9"), &trusted);
        assert_eq!(ip, "203.0.113.5".parse::<IpAddr>().unwrap());
        assert_eq!(client_ip(proxy, None, &trusted), proxy);
        assert_eq!(client_ip(proxy, Some("garbage"), &trusted), proxy);
    }
}
