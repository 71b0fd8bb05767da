//! The JSON routes: the intake API for other programs, the back-office pickup API, and
//! the downloads another state needs to reuse a form (JSON Schema, artifact).
//!
//! Every answer is JSON; errors are `{ "error": CODE, "message": TEXT }` (a form that does
//! not compile adds `"diagnostics"`). The intake answers, in this order of checks: 404
//! unknown form, 503 form does not compile, 415 not `application/json`, 413 body over the
//! limit, 400 malformed JSON, 422 invalid (the result of SPEC section 3), 201 stored.

use std::sync::Arc;

use axum::extract::{Path, Request};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value as Json};

use super::catalog::{Entry, ReadyForm};
use super::db::{self, NewSubmission, Row, Write, Written};
use super::http::{self, json_error};
use super::web::etag_matches;
use super::{AppState, St};

/// The default and the largest page size of the back-office list.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

/// The served form with this id, or the JSON response that says why there is none.
fn lookup(st: &AppState, id: &str) -> Result<Arc<ReadyForm>, Response> {
    match st.catalog.get().forms.get(id) {
        Some(Entry::Ready(f)) => Ok(f.clone()),
        Some(Entry::Broken(b)) => Err(http::json(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({
                "error": "form_unavailable",
                "message": b.reason,
                "diagnostics": b.json,
            }),
        )),
        None => Err(json_error(
            StatusCode::NOT_FOUND,
            "not_found",
            &format!("there is no form `{id}`"),
        )),
    }
}

/// A public download: JSON, revalidated by its entity tag, readable from other origins.
fn download(headers: &HeaderMap, etag: String, body: &str) -> Response {
    let mut res = if etag_matches(headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_owned(),
        )
            .into_response()
    };
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    res
}

/// `GET /forms/ID.form.json`: the compiled artifact.
pub(crate) fn artifact(st: &AppState, id: &str, headers: &HeaderMap) -> Response {
    match lookup(st, id) {
        Ok(f) => download(headers, format!("\"{}\"", f.hash), &f.artifact_json),
        Err(res) => res,
    }
}

/// `GET /forms/ID/schema.json`: the JSON Schema of the form's data.
pub(crate) async fn schema(
    axum::extract::State(st): St,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    match lookup(&st, &id) {
        Ok(f) => download(&headers, format!("\"{}-schema\"", f.hash), &f.schema_json),
        Err(res) => res,
    }
}

/// The language of an API answer: `?lang=`, else the best of `Accept-Language`, among
/// the form's languages; else the form's default.
fn api_lang(f: &ReadyForm, uri: &Uri, headers: &HeaderMap) -> String {
    let model = f.form.model();
    let offered = |l: &str| model.languages.iter().any(|x| x == l);
    if let Some(l) = http::query_param(uri.query(), "lang").filter(|l| offered(l)) {
        return l;
    }
    http::accept_languages(headers)
        .into_iter()
        .find(|l| offered(l))
        .unwrap_or_else(|| model.default_lang().to_owned())
}

/// `POST /api/forms/ID/submissions`: validates a JSON submission and stores it.
pub(crate) async fn submit(
    axum::extract::State(st): St,
    Path(id): Path<String>,
    uri: Uri,
    req: Request,
) -> Response {
    let f = match lookup(&st, &id) {
        Ok(f) => f,
        Err(res) => return res,
    };
    let headers = req.headers().clone();
    if !http::content_type_is(&headers, "application/json") {
        return json_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the submission as Content-Type: application/json",
        );
    }
    let body = match http::read_body(&headers, req.into_body(), st.max_body).await {
        Ok(b) => b,
        Err(http::BodyError::TooLarge) => {
            return http::closing(json_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                &format!("the body is larger than {} bytes", st.max_body),
            ))
        }
        Err(http::BodyError::Failed) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "the body could not be read",
            )
        }
    };
    let data: Json = match serde_json::from_slice(&body) {
        Ok(d) => d,
        Err(e) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                &format!("the body is not valid JSON: {e}"),
            )
        }
    };
    let lang = api_lang(&f, &uri, &headers);
    let options = st.options(&lang);
    let result = f.form.validate_owned(data, &options);
    if !result.valid {
        let value = serde_json::to_value(&result).unwrap_or(Json::Null);
        return http::json(StatusCode::UNPROCESSABLE_ENTITY, &value);
    }
    let fees = serde_json::to_value(&result.fees).unwrap_or_else(|_| json!([]));
    let model = f.form.model();
    let sub = NewSubmission {
        form: f.id.clone(),
        version: model.version.clone(),
        hash: f.hash.clone(),
        publisher: model.publisher.clone(),
        lang,
        channel: "api",
        data: result.data.to_string(),
        fees: fees.to_string(),
    };
    let stored = match st.db.write(Write::Submit { sub, clear: None }).await {
        Ok(Written::Submission(s)) => s,
        Ok(Written::Done) => return store_failed("no reference"),
        Err(e) => return store_failed(e),
    };
    let received_at = stored
        .received_at
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut res = http::json(
        StatusCode::CREATED,
        &json!({ "id": stored.id, "received_at": received_at, "fees": fees }),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("/api/submissions/{}", stored.id)) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

fn store_failed(e: impl std::fmt::Display) -> Response {
    eprintln!("efa serve: database: {e}");
    json_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "storage_unavailable",
        "the submission could not be stored; it was not received, please send it again",
    )
}

fn row_json(r: Row) -> Json {
    json!({
        "id": r.id,
        "form": r.form,
        "version": r.version,
        "hash": r.hash,
        "received_at": r.received_at,
        "lang": r.lang,
        "channel": r.channel,
        "data": r.data,
        "fees": r.fees,
    })
}

/// `GET /api/submissions?form=ID&after=REF&limit=N`: submissions oldest first, at most
/// `limit` (default 100, at most 1000); `has_more` says whether to ask again with
/// `after` set to the last one's id.
pub(crate) async fn list(axum::extract::State(st): St, uri: Uri, headers: HeaderMap) -> Response {
    if !http::authorised(&headers, st.token.as_deref()) {
        return http::unauthorised(st.token.is_some());
    }
    let q = uri.query();
    let form = http::query_param(q, "form").filter(|f| !f.is_empty());
    let limit = match http::query_param(q, "limit") {
        None => DEFAULT_LIMIT,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if n >= 1 => n.min(MAX_LIMIT),
            _ => {
                return json_error(
                    StatusCode::BAD_REQUEST,
                    "bad_limit",
                    "limit must be a whole number from 1 to 1000",
                )
            }
        },
    };
    let after = http::query_param(q, "after").filter(|a| !a.is_empty());
    let result = st
        .db
        .read(move |c| {
            let after_seq = match &after {
                Some(a) => match db::seq_of(c, a)? {
                    Some(seq) => seq,
                    None => return Ok(None),
                },
                None => 0,
            };
            db::list(c, form.as_deref(), after_seq, limit + 1).map(Some)
        })
        .await;
    match result {
        Ok(Some(mut rows)) => {
            let has_more = rows.len() > limit;
            rows.truncate(limit);
            let submissions: Vec<Json> = rows.into_iter().map(row_json).collect();
            http::json(
                StatusCode::OK,
                &json!({ "submissions": submissions, "has_more": has_more }),
            )
        }
        Ok(None) => json_error(
            StatusCode::BAD_REQUEST,
            "unknown_after",
            "`after` names no submission",
        ),
        Err(e) => store_failed(e),
    }
}

/// `GET /api/submissions/REF`: one submission.
pub(crate) async fn one(
    axum::extract::State(st): St,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !http::authorised(&headers, st.token.as_deref()) {
        return http::unauthorised(st.token.is_some());
    }
    match st.db.read(move |c| db::submission(c, &id)).await {
        Ok(Some(row)) => http::json(StatusCode::OK, &row_json(row)),
        Ok(None) => json_error(StatusCode::NOT_FOUND, "not_found", "no such submission"),
        Err(e) => store_failed(e),
    }
}

/// `GET /api/files/SHA256`: an uploaded file, as an attachment.
pub(crate) async fn file(
    axum::extract::State(st): St,
    Path(sha256): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !http::authorised(&headers, st.token.as_deref()) {
        return http::unauthorised(st.token.is_some());
    }
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return json_error(StatusCode::NOT_FOUND, "not_found", "no such file");
    }
    let key = sha256.to_ascii_lowercase();
    match st.db.read(move |c| db::file(c, &key)).await {
        Ok(Some((media_type, content))) => {
            let mut res = (StatusCode::OK, content).into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_str(&media_type)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            );
            h.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment"),
            );
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("sandbox; default-src 'none'"),
            );
            res
        }
        Ok(None) => json_error(StatusCode::NOT_FOUND, "not_found", "no such file"),
        Err(e) => store_failed(e),
    }
}
