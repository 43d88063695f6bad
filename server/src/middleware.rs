//! Layers every request passes: request id and client address, security
//! headers with a CSP nonce, the cross-site check on state-changing
//! requests, and moving tokens from mail links into a cookie.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use app::error::{AppError, ShownError, SHOWN_ERRORS_HEADER};
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
    /// `host[:port]` of the public URL, as browsers send it in `Host`.
    pub public_host: Arc<str>,
    /// The stylesheet's path, hashed name included, for pages built here.
    pub stylesheet: Arc<str>,
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
/// proxy. Then `X-Forwarded-For` (every header line, in order) is walked
/// from the right, the end our own proxies wrote, over trusted proxies to
/// the first hop that is not one. A hop that does not parse ends the walk
/// with the peer: what lies left of it was written by nobody we trust.
/// IPv4-mapped IPv6 addresses count as the IPv4 address.
pub fn client_ip(peer: IpAddr, forwarded_for: &[&str], trusted: &[IpNet]) -> IpAddr {
    let peer = peer.to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops = forwarded_for
        .iter()
        .flat_map(|line| line.split(','))
        .map(str::trim)
        .filter(|hop| !hop.is_empty());
    let mut nearest = peer;
    for hop in hops.collect::<Vec<_>>().into_iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            return peer;
        };
        nearest = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    nearest
}

/// One `X-Forwarded-For` hop: an address, with or without a port
/// (`203.0.113.5:4711`, `[2001:db8::1]:443`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|socket| socket.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// Request id and client address, for everything downstream.
pub async fn identify(State(guard): State<Guard>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let forwarded: Vec<&str> = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.to_str().unwrap_or("unreadable"))
        .collect();
    let ip = client_ip(peer, &forwarded, &guard.trusted_proxies);
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
    // Pages and answers are personal; only the static bundle may be cached,
    // as its service says.
    if !is_asset {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Paths a load balancer probes by address, whatever `Host` it sends.
const PROBES: &[&str] = &["/healthz", "/readyz"];

/// Answers only requests for the public host: a page fetched under another
/// name (DNS rebinding: an attacker's name pointed at this server) would
/// otherwise run in the attacker's origin with the server's answers.
pub async fn public_host_only(
    State(guard): State<Guard>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    let ours = host.is_some_and(|host| host.eq_ignore_ascii_case(&guard.public_host));
    if ours || PROBES.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    tracing::warn!(
        host = host.unwrap_or(""),
        "request for another host refused"
    );
    (
        StatusCode::MISDIRECTED_REQUEST,
        format!("This server answers as {}.", guard.public_origin),
    )
        .into_response()
}

/// Refuses cross-site requests that act before any work: a state-changing
/// request needs the browser's `Sec-Fetch-Site` to say same-origin (or a
/// user-typed navigation), and where it is missing `Origin` must be ours.
/// Downloads (the GET server functions under `/api/`) write to the history
/// and carry personal data, so a link on another site must not fetch them:
/// they need `Sec-Fetch-Site` itself.
pub async fn same_origin_only(
    State(guard): State<Guard>,
    request: Request,
    next: Next,
) -> Response {
    let safe_method = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let is_download = request.uri().path().starts_with("/api/");
    if safe_method && !is_download {
        return next.run(request).await;
    }
    let headers = request.headers();
    let allowed = match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None if safe_method => false,
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
/// going too fast (429), was not allowed (403: a support view's read-only
/// rule, a missing permission) or met a database outage (503) gets a
/// readable page in its language instead of the server function's JSON;
/// the status and `Retry-After` stay.
pub async fn readable_errors(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    let wants_page = request
        .headers()
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let locale = locale_of(request.headers(), guard.cookies);
    let back = escape_html(&referring_page(request.headers()).unwrap_or_else(|| "/".to_owned()));
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
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE | StatusCode::FORBIDDEN
        )
    {
        return response;
    }
    let retry_after = response.headers().get(RETRY_AFTER).cloned();
    let text = |message: T| message.text(locale);
    let (title, body) = match status {
        StatusCode::TOO_MANY_REQUESTS => {
            let wait = retry_after
                .as_ref()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(60);
            (
                text(T::TooManyTitle),
                format!(
                    "{} <strong>{}</strong>",
                    text(T::TooManyBody),
                    app::i18n::wait_text(wait, locale)
                ),
            )
        }
        StatusCode::FORBIDDEN => {
            // A form posted without JavaScript was refused: say why (a
            // support view's read-only rule, a missing permission) in words.
            let error = axum::body::to_bytes(response.into_body(), 16 * 1024)
                .await
                .ok()
                .and_then(|body| serde_json::from_slice::<AppError>(&body).ok())
                .unwrap_or(AppError::Forbidden);
            (
                text(T::NotDoneTitle),
                text(app::i18n::code_text(error.code())).to_owned(),
            )
        }
        _ => (
            text(T::UnavailableTitle),
            text(T::ErrUnavailable).to_owned(),
        ),
    };
    let html = format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Latchkey</title><link rel=\"stylesheet\" href=\"{stylesheet}\"></head>\
         <body><header class=\"site-header\"><a class=\"brand\" href=\"/\">Latchkey</a></header>\
         <main id=\"main\"><section class=\"card narrow\"><h1>{title}</h1><p>{body}</p>\
         <p><a class=\"button\" href=\"{back}\">{go_back}</a></p></section></main></body></html>",
        lang = locale.tag(),
        stylesheet = guard.stylesheet,
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

/// A form island's refusal, answered in the page's language: the island
/// shows the texts as they come instead of carrying a table of both
/// languages in the browser.
pub async fn shown_errors(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    if !request.headers().contains_key(SHOWN_ERRORS_HEADER) {
        return next.run(request).await;
    }
    let locale = locale_of(request.headers(), guard.cookies);
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if response.status().is_success() || !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let error = axum::body::to_bytes(body, 64 * 1024)
        .await
        .ok()
        .and_then(|body| serde_json::from_slice::<AppError>(&body).ok())
        .unwrap_or(AppError::Internal {
            request_id: String::new(),
        });
    let shown = serde_json::to_vec(&ShownError::new(error, locale)).unwrap_or_default();
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(shown))
}

/// Text made safe for HTML, attribute values included.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn escaped_text_cannot_leave_an_attribute() {
        assert_eq!(
            escape_html("/a\"><script>x</script>'&"),
            "/a&quot;&gt;&lt;script&gt;x&lt;/script&gt;&#39;&amp;"
        );
    }

    #[test]
    fn untrusted_peers_are_the_client_whatever_they_claim() {
        let peer = ip("198.51.100.4");
        assert_eq!(client_ip(peer, &["1.2.3.4"], &[]), peer);
        assert_eq!(client_ip(ip("::ffff:198.51.100.4"), &[], &[]), peer);
    }

    #[test]
    fn behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let proxy = ip("10.0.0.2");
        // A client-supplied first hop is ignored: only what our proxy appended counts.
        let client = client_ip(proxy, &["6.6.6.6, 203.0.113.5, 10.0.0.9"], &trusted);
        assert_eq!(client, ip("203.0.113.5"));
        assert_eq!(client_ip(proxy, &[], &trusted), proxy);
        assert_eq!(client_ip(proxy, &["garbage"], &trusted), proxy);
    }

    #[test]
    fn every_forwarded_for_line_counts_in_order() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let proxy = ip("10.0.0.2");
        // The client wrote the first line; the proxies appended the second.
        let client = client_ip(proxy, &["6.6.6.6", "203.0.113.5, 10.0.0.9"], &trusted);
        assert_eq!(client, ip("203.0.113.5"));
    }

    #[test]
    fn hops_with_ports_are_addresses() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let proxy = ip("10.0.0.2");
        assert_eq!(
            client_ip(proxy, &["6.6.6.6, 203.0.113.5:4711, 10.0.0.9:80"], &trusted),
            ip("203.0.113.5")
        );
        assert_eq!(
            client_ip(proxy, &["[2001:db8::7]:443"], &trusted),
            ip("2001:db8::7")
        );
    }

    #[test]
    fn a_hop_that_does_not_parse_ends_the_walk_with_the_peer() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let proxy = ip("10.0.0.2");
        // Skipping "unknown" would let the client's own 6.6.6.6 through.
        assert_eq!(
            client_ip(proxy, &["6.6.6.6, unknown, 10.0.0.9"], &trusted),
            proxy
        );
    }
}
