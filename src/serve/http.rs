//! HTTP pieces shared by the routes: responses, security headers, the session cookie,
//! the same-origin check, language negotiation and constant-time comparison.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

/// The cookie that finds a browser's drafts.
pub(crate) const SESSION_COOKIE: &str = "efa_session";

/// The Content Security Policy of every response: everything from this server only, no
/// inline script or style (the stylesheet is a file), no framing, forms post here only.
/// `wasm-unsafe-eval` lets the browser runtime compile its WebAssembly.
pub(crate) const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers to every response, and `Cache-Control: no-store` to those
/// that set no caching of their own (pages show personal data).
pub(crate) async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut HeaderMap, name: HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(h, header::CONTENT_SECURITY_POLICY, CSP);
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::CACHE_CONTROL, "no-store");
    res
}

/// An HTML document.
pub(crate) fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// A JSON document.
pub(crate) fn json(status: StatusCode, value: &Json) -> Response {
    let body = serde_json::to_string(value).unwrap_or_else(|_| "{}".into());
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A JSON error: `{ "error": CODE, "message": TEXT }`.
pub(crate) fn json_error(status: StatusCode, code: &str, message: &str) -> Response {
    json(
        status,
        &serde_json::json!({ "error": code, "message": message }),
    )
}

/// A plain-text response (for failures where nothing better can be rendered).
pub(crate) fn text(status: StatusCode, body: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body.into(),
    )
        .into_response()
}

/// A redirect to be followed with GET.
pub(crate) fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, v)],
            Body::empty(),
        )
            .into_response(),
        Err(_) => text(StatusCode::INTERNAL_SERVER_ERROR, "bad redirect"),
    }
}

/// Lower-case hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// SHA-256 of the bytes, in hexadecimal.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Compares two byte strings in time that depends only on their lengths, not on where
/// they differ (for the bearer token).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Whether the request carries `Authorization: Bearer TOKEN` with the server's token.
/// Without a configured token nothing is authorised.
pub(crate) fn authorised(headers: &HeaderMap, token: Option<&[u8]>) -> bool {
    let Some(token) = token else {
        return false;
    };
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut parts = given.trim().splitn(2, ' ');
    let scheme = parts.next().unwrap_or("");
    let value = parts.next().unwrap_or("").trim();
    if !scheme.eq_ignore_ascii_case("bearer") {
        return false;
    }
    // Compare digests: equal length whatever the token's, so no length leaks either.
    constant_time_eq(&Sha256::digest(value.as_bytes()), &Sha256::digest(token))
}

/// 401 with `WWW-Authenticate: Bearer`.
pub(crate) fn unauthorised(configured: bool) -> Response {
    let message = if configured {
        "this API needs `Authorization: Bearer TOKEN` with the server's token"
    } else {
        "no back-office token is configured (efa serve --token or EFA_TOKEN)"
    };
    let mut res = json_error(StatusCode::UNAUTHORIZED, "unauthorized", message);
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"efa\""),
    );
    res
}

/// A new random session id: 128 bits from the operating system, in hexadecimal.
pub(crate) fn new_session_id() -> Option<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).ok()?;
    Some(hex(&bytes))
}

/// The session id of the request's cookie, if it has a well-formed one.
pub(crate) fn session_from(headers: &HeaderMap) -> Option<String> {
    for value in headers.get_all(header::COOKIE) {
        let Ok(s) = value.to_str() else {
            continue;
        };
        for pair in s.split(';') {
            let Some((name, value)) = pair.trim().split_once('=') else {
                continue;
            };
            if name == SESSION_COOKIE
                && value.len() == 32
                && value.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return Some(value.to_ascii_lowercase());
            }
        }
    }
    None
}

/// The `Set-Cookie` value of a session: HttpOnly, SameSite=Lax, for the whole site, for
/// 30 days (the drafts' lifetime).
pub(crate) fn session_cookie(id: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The database key of a session: the SHA-256 of its id, so that the database alone
/// does not let anyone take over a draft.
pub(crate) fn session_key(id: &str) -> String {
    sha256_hex(id.as_bytes())
}

/// The same-origin check for posts from the browser (CSRF): a request that says where it
/// comes from (`Origin`, else `Sec-Fetch-Site`) must come from this site. Requests that
/// say nothing (other programs) pass; browsers always send `Origin` with a POST. With the
/// session cookie's `SameSite=Lax`, a cross-site form never carries the cookie either.
pub(crate) fn same_origin(method: &Method, headers: &HeaderMap) -> bool {
    if method == Method::GET || method == Method::HEAD {
        return true;
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        let Some(origin_host) = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
        else {
            return false; // `null` and anything else
        };
        let hosts = [headers.get("x-forwarded-host"), headers.get(header::HOST)];
        return hosts
            .into_iter()
            .flatten()
            .filter_map(|h| h.to_str().ok())
            .any(|h| h.eq_ignore_ascii_case(origin_host));
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site != "cross-site",
        None => true,
    }
}

/// The languages of an `Accept-Language` header, best first.
pub(crate) fn accept_languages(headers: &HeaderMap) -> Vec<String> {
    let Some(value) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Vec::new();
    };
    let mut langs: Vec<(f32, usize, String)> = value
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut it = part.split(';');
            let tag = it.next()?.trim();
            let q = it
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next()?.to_ascii_lowercase();
            (q > 0.0 && !primary.is_empty() && primary != "*").then_some((q, i, primary))
        })
        .collect();
    langs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    langs.into_iter().map(|(_, _, l)| l).collect()
}

/// The query parameter `name` of a request.
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Whether a header says the body is of the media type `expected` (`application/json`
/// matches `application/json; charset=utf-8`).
pub(crate) fn content_type_is(headers: &HeaderMap, expected: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case(expected))
}

/// The declared body length, if any.
pub(crate) fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// A body larger than its limit is read on and dropped up to this many bytes (for at
/// most [`DRAIN_TIME`]), so that a client still sending it receives the 413 instead of a
/// reset connection.
const DRAIN_LIMIT: u64 = 64 * 1024 * 1024;
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(5);

/// Why a body could not be read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// Over the limit: answer 413.
    TooLarge,
    /// The connection failed.
    Failed,
}

/// Reads a request body of at most `limit` bytes.
pub(crate) async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    use axum::body::HttpBody;
    use std::pin::Pin;
    if content_length(headers).is_some_and(|n| n > DRAIN_LIMIT) {
        return Err(BodyError::TooLarge);
    }
    let mut body = body;
    let mut buf = Vec::new();
    let mut total: u64 = 0;
    let mut drain_until = None;
    loop {
        let next = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx));
        let frame = match drain_until {
            None => next.await,
            Some(deadline) => match tokio::time::timeout_at(deadline, next).await {
                Ok(frame) => frame,
                Err(_) => return Err(BodyError::TooLarge),
            },
        };
        let frame = match frame {
            None => break,
            Some(Ok(frame)) => frame,
            Some(Err(_)) if total > limit as u64 => return Err(BodyError::TooLarge),
            Some(Err(_)) => return Err(BodyError::Failed),
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total += data.len() as u64;
        if total <= limit as u64 {
            buf.extend_from_slice(&data);
        } else if total > DRAIN_LIMIT {
            return Err(BodyError::TooLarge);
        } else if drain_until.is_none() {
            buf = Vec::new();
            drain_until = Some(tokio::time::Instant::now() + DRAIN_TIME);
        }
    }
    if total > limit as u64 {
        Err(BodyError::TooLarge)
    } else {
        Ok(buf)
    }
}

/// Marks a response as the last on its connection.
pub(crate) fn closing(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }

    #[test]
    fn bearer_tokens() {
        let mut h = HeaderMap::new();
        assert!(!authorised(&h, Some(b"s3cret")));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3cret"),
        );
        assert!(authorised(&h, Some(b"s3cret")));
        assert!(!authorised(&h, Some(b"other")));
        assert!(!authorised(&h, None));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic s3cret"),
        );
        assert!(!authorised(&h, Some(b"s3cret")));
    }

    #[test]
    fn sessions_from_cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=b; efa_session=0123456789abcdef0123456789ABCDEF"),
        );
        assert_eq!(
            session_from(&h).as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("efa_session=nothex"),
        );
        assert_eq!(session_from(&h), None);
        let id = new_session_id().unwrap();
        assert_eq!(id.len(), 32);
    }

    #[test]
    fn origins() {
        let post = Method::POST;
        let mut h = HeaderMap::new();
        assert!(same_origin(&post, &h), "programs send no Origin");
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&post, &h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&post, &h));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&post, &h));
        h.remove(header::ORIGIN);
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&post, &h));
        assert!(same_origin(&Method::GET, &h));
    }

    #[test]
    fn accept_language_order() {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("fr;q=0.5, en-GB, de;q=0.9, *;q=0.1"),
        );
        assert_eq!(accept_languages(&h), ["en", "de", "fr"]);
    }
}
