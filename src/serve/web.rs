//! The browser routes: catalog, the page-by-page wizard with its server-side draft,
//! review, submit and receipt. Every page works without JavaScript.
//!
//! A browser's progress is a draft in the database, one per form, found by the session
//! cookie (a random 128-bit id; the database keeps only its SHA-256). Posting a page
//! always saves what was entered, valid or not, so nothing is lost on an error, a reload
//! or going back; then the page comes back with status 422 and its errors, or the
//! browser is sent (303) to the next visible page, and after the last to the review.

use std::sync::Arc;

use axum::extract::{FromRequest, Path, Request};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use efa_forms::core::model::FormModel;
use efa_forms::core::{FeeAmount, ValidationError};
use efa_render::{
    CatalogContext, CatalogEntry, ErrorPageContext, PageContext, ReceiptContext, UnavailableForm,
    Urls,
};
use serde_json::{Map, Value as Json};

use super::catalog::{Entry, ReadyForm};
use super::db::{self, Draft, NewSubmission, Write, Written};
use super::formdata::{self, Action, Posted};
use super::http::{self, html};
use super::{AppState, St};

/// German or English server texts (the chrome of the forms comes from the renderer).
fn tr(lang: &str, de: &'static str, en: &'static str) -> &'static str {
    if lang == "en" {
        en
    } else {
        de
    }
}

/// Percent-encodes a path segment.
pub(crate) fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Errors pages.

fn error_page(
    st: &AppState,
    status: StatusCode,
    lang: &str,
    title: &str,
    message: &str,
    details: &[String],
) -> Response {
    let urls = Urls {
        home: Some("/".into()),
        stylesheet: Some(stylesheet_url(st)),
        ..Urls::default()
    };
    let ctx = ErrorPageContext {
        lang,
        title,
        message,
        details,
        urls: &urls,
    };
    match st.renderer.render_error_page(&ctx) {
        Ok(body) => html(status, body),
        Err(e) => http::text(status, format!("{title}: {message}\n{e}")),
    }
}

fn render_failed(e: impl std::fmt::Display) -> Response {
    eprintln!("efa serve: cannot render a page: {e}");
    http::text(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Die Seite kann nicht angezeigt werden. / The page cannot be shown.",
    )
}

fn db_failed(st: &AppState, lang: &str, e: impl std::fmt::Display) -> Response {
    eprintln!("efa serve: database: {e}");
    error_page(
        st,
        StatusCode::SERVICE_UNAVAILABLE,
        lang,
        tr(lang, "Vorübergehend nicht verfügbar", "Temporarily unavailable"),
        tr(
            lang,
            "Ihre Angaben konnten gerade nicht gespeichert werden. Bitte versuchen Sie es in einigen Minuten noch einmal.",
            "Your answers could not be saved just now. Please try again in a few minutes.",
        ),
        &[],
    )
}

fn page_not_found(st: &AppState, lang: &str) -> Response {
    error_page(
        st,
        StatusCode::NOT_FOUND,
        lang,
        tr(lang, "Seite nicht gefunden", "Page not found"),
        tr(
            lang,
            "Diese Seite gibt es nicht. Prüfen Sie die Adresse oder beginnen Sie im Verzeichnis der Online-Anträge.",
            "There is no such page. Check the address or start from the list of online applications.",
        ),
        &[],
    )
}

fn forbidden(st: &AppState, lang: &str) -> Response {
    error_page(
        st,
        StatusCode::FORBIDDEN,
        lang,
        tr(lang, "Anfrage abgelehnt", "Request refused"),
        tr(
            lang,
            "Das Formular wurde von einer anderen Website aus abgeschickt und deshalb nicht angenommen.",
            "The form was sent from another website and has therefore not been accepted.",
        ),
        &[],
    )
}

/// Any route that does not exist: a 404 page, or JSON below `/api/`.
pub(crate) async fn not_found(axum::extract::State(st): St, uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return http::json_error(StatusCode::NOT_FOUND, "not_found", "no such route");
    }
    let lang = http::query_param(uri.query(), "lang").unwrap_or_default();
    page_not_found(&st, &lang)
}

/// The served form with this id, or the response that says why there is none: 404, or
/// 503 with the diagnostics of a form file that does not compile.
fn lookup(st: &AppState, id: &str, lang: &str) -> Result<Arc<ReadyForm>, Response> {
    let catalog = st.catalog.get();
    match catalog.forms.get(id) {
        Some(Entry::Ready(f)) => Ok(f.clone()),
        Some(Entry::Broken(b)) => Err(error_page(
            st,
            StatusCode::SERVICE_UNAVAILABLE,
            lang,
            tr(lang, "Formular nicht verfügbar", "Form not available"),
            &format!(
                "{} {}",
                tr(
                    lang,
                    "Dieses Formular kann zurzeit nicht angezeigt werden. Die Formulardatei enthält Fehler:",
                    "This form cannot be shown at the moment. Its file has errors:",
                ),
                b.file
            ),
            &b.details,
        )),
        None => Err(page_not_found(st, lang)),
    }
}

// ---------------------------------------------------------------------------------------
// Languages and URLs.

/// The language of a page: `?lang=` if the form offers it, else the form's default.
/// Returns the language and the query string that keeps it (`""` for the default).
fn page_lang(model: &FormModel, uri: &Uri) -> (String, String) {
    let asked = http::query_param(uri.query(), "lang").unwrap_or_default();
    let lang = efa_render::resolve_lang(model, &asked).to_owned();
    let q = lang_query(model, &lang);
    (lang, q)
}

fn lang_query(model: &FormModel, lang: &str) -> String {
    if lang == model.default_lang() {
        String::new()
    } else {
        format!("?lang={}", enc(lang))
    }
}

fn stylesheet_url(st: &AppState) -> String {
    format!("/static/efa.css?v={}", st.css_version)
}

/// The links of a document of form `f` in `lang`; `here` is the document's own path
/// (for the language switcher).
fn form_urls(st: &AppState, f: &ReadyForm, lang: &str, here: &str) -> Urls {
    let model = f.form.model();
    let q = lang_query(model, lang);
    let base = format!("/forms/{}", enc(&f.id));
    let home_q = if lang == "de" {
        String::new()
    } else {
        format!("?lang={}", enc(lang))
    };
    Urls {
        action: String::new(),
        back: None,
        page: Some(format!("{base}/pages/{{page}}{q}")),
        review: Some(format!("{base}/review{q}")),
        start: Some(format!("{base}{q}")),
        home: Some(format!("/{home_q}")),
        stylesheet: Some(stylesheet_url(st)),
        script: st
            .runtime
            .as_ref()
            .map(|_| "/static/runtime/efa-enhance.js".to_owned()),
        artifact: Some(format!("/forms/{}.form.json", enc(&f.id))),
        languages: if model.languages.len() > 1 {
            model
                .languages
                .iter()
                .map(|l| (l.clone(), format!("{here}{}", lang_query(model, l))))
                .collect()
        } else {
            Vec::new()
        },
    }
}

fn page_path(f: &ReadyForm, page: &str) -> String {
    format!("/forms/{}/pages/{}", enc(&f.id), enc(page))
}

/// The ids of the pages shown for this data, in order.
fn visible_pages(st: &AppState, f: &ReadyForm, data: &Json, lang: &str) -> Vec<String> {
    let eval = f.form.evaluate(data, &st.options(lang));
    f.form
        .model()
        .pages
        .iter()
        .filter(|p| eval.page_visible(&p.id))
        .map(|p| p.id.clone())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Sessions and drafts.

/// A browser session: its id (the cookie) and whether the cookie must still be set.
struct Session {
    id: String,
    new: bool,
}

impl Session {
    fn of(headers: &HeaderMap) -> Option<Session> {
        http::session_from(headers).map(|id| Session { id, new: false })
    }

    fn of_or_new(headers: &HeaderMap) -> Option<Session> {
        Session::of(headers).or_else(|| http::new_session_id().map(|id| Session { id, new: true }))
    }

    fn key(&self) -> String {
        http::session_key(&self.id)
    }

    /// Adds the cookie to a response when it is new.
    fn apply(&self, st: &AppState, mut res: Response) -> Response {
        if self.new {
            res.headers_mut().append(
                header::SET_COOKIE,
                http::session_cookie(&self.id, st.secure_cookie),
            );
        }
        res
    }
}

fn empty_draft() -> Draft {
    Draft {
        data: Json::Object(Map::new()),
        submitted: None,
    }
}

async fn load_draft(st: &AppState, session: Option<&Session>, form: &str) -> Result<Draft, String> {
    let Some(s) = session.filter(|s| !s.new) else {
        return Ok(empty_draft());
    };
    let key = s.key();
    let form = form.to_owned();
    st.db
        .read(move |c| db::draft(c, &key, &form))
        .await
        .map(|d| d.unwrap_or_else(empty_draft))
        .map_err(|e| e.0)
}

async fn save_draft(
    st: &AppState,
    session: &Session,
    form: &str,
    data: &Json,
) -> Result<(), String> {
    st.db
        .write(Write::SaveDraft {
            session: session.key(),
            form: form.to_owned(),
            data: data.to_string(),
        })
        .await
        .map(|_| ())
        .map_err(|e| e.0)
}

// ---------------------------------------------------------------------------------------
// Catalog and stylesheet.

/// `GET /`: every form, and the files that are not served with a link to why.
pub(crate) async fn catalog(axum::extract::State(st): St, uri: Uri) -> Response {
    let lang = http::query_param(uri.query(), "lang").unwrap_or_else(|| "de".into());
    let catalog = st.catalog.get();
    let ready: Vec<&Arc<ReadyForm>> = catalog.ready().collect();
    let entries: Vec<CatalogEntry<'_>> = ready
        .iter()
        .map(|f| CatalogEntry {
            model: f.form.model(),
            url: format!(
                "/forms/{}{}",
                enc(&f.id),
                if f.form.model().languages.contains(&lang) {
                    lang_query(f.form.model(), &lang)
                } else {
                    String::new()
                }
            ),
        })
        .collect();
    let unavailable: Vec<UnavailableForm> = catalog
        .unavailable
        .iter()
        .map(|(b, key)| UnavailableForm {
            name: b.reason.clone(),
            url: key.as_ref().map(|k| format!("/forms/{}", enc(k))),
        })
        .collect();
    let urls = Urls {
        home: Some("/".into()),
        stylesheet: Some(stylesheet_url(&st)),
        languages: vec![("de".into(), "/".into()), ("en".into(), "/?lang=en".into())],
        ..Urls::default()
    };
    let ctx = CatalogContext {
        lang: &lang,
        title: None,
        entries: &entries,
        unavailable: &unavailable,
        urls: &urls,
    };
    let mut res = match st.renderer.render_catalog(&ctx) {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => return render_failed(e),
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// `GET /static/efa.css`: cached for a year when asked for with its version (`?v=`).
pub(crate) async fn stylesheet(
    axum::extract::State(st): St,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let etag = format!("\"{}\"", st.css_version);
    let versioned = http::query_param(uri.query(), "v").is_some_and(|v| v == st.css_version);
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    let mut res = if etag_matches(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
            st.renderer.stylesheet().to_owned(),
        )
            .into_response()
    };
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    res
}

/// `GET /static/runtime/FILE`: the files of the browser runtime (`wasm/pkg`), by a fixed
/// list of names; revalidated on every use, since the script imports its neighbours.
pub(crate) async fn runtime_file(
    axum::extract::State(st): St,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Response {
    const FILES: &[(&str, &str)] = &[
        ("efa-enhance.js", "text/javascript; charset=utf-8"),
        ("efa_forms.js", "text/javascript; charset=utf-8"),
        ("index.js", "text/javascript; charset=utf-8"),
        ("efa_forms_bg.wasm", "application/wasm"),
    ];
    let (Some(dir), Some((name, mime))) =
        (st.runtime.as_ref(), FILES.iter().find(|(n, _)| *n == file))
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let path = dir.join(name);
    match tokio::task::spawn_blocking(move || std::fs::read(path))
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    {
        Ok(bytes) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Whether `If-None-Match` names this entity tag.
pub(crate) fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

// ---------------------------------------------------------------------------------------
// The wizard.

/// `GET /forms/ID`: the first page; `GET /forms/ID.form.json`: the artifact.
pub(crate) async fn start(
    state: St,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Some(form_id) = id.strip_suffix(".form.json") {
        return super::api::artifact(&state.0, form_id, &headers);
    }
    let st = state.0;
    let lang_asked = http::query_param(uri.query(), "lang").unwrap_or_default();
    let f = match lookup(&st, &id, &lang_asked) {
        Ok(f) => f,
        Err(res) => return res,
    };
    let Some(first) = f.form.model().pages.first().map(|p| p.id.clone()) else {
        return page_not_found(&st, &lang_asked);
    };
    show_page(&st, &f, &first, &uri, &headers).await
}

/// `GET /forms/ID/pages/PAGE`: a page, filled with the draft.
pub(crate) async fn page(
    axum::extract::State(st): St,
    Path((id, page)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let lang_asked = http::query_param(uri.query(), "lang").unwrap_or_default();
    let f = match lookup(&st, &id, &lang_asked) {
        Ok(f) => f,
        Err(res) => return res,
    };
    show_page(&st, &f, &page, &uri, &headers).await
}

async fn show_page(
    st: &AppState,
    f: &ReadyForm,
    page: &str,
    uri: &Uri,
    headers: &HeaderMap,
) -> Response {
    let (lang, _) = page_lang(f.form.model(), uri);
    if !f.form.model().pages.iter().any(|p| p.id == page) {
        return page_not_found(st, &lang);
    }
    let Some(session) = Session::of_or_new(headers) else {
        return render_failed("no random numbers for a session id");
    };
    let draft = match load_draft(st, Some(&session), &f.id).await {
        Ok(d) => d,
        Err(e) => return db_failed(st, &lang, e),
    };
    let res = render_page(st, f, page, &lang, &draft.data, &[], StatusCode::OK);
    session.apply(st, res)
}

/// Renders a form page with its links: the form posts to the page's own route, the back
/// link goes to the previous visible page (the catalog from the first).
fn render_page(
    st: &AppState,
    f: &ReadyForm,
    page: &str,
    lang: &str,
    data: &Json,
    errors: &[ValidationError],
    status: StatusCode,
) -> Response {
    let model = f.form.model();
    let q = lang_query(model, lang);
    let here = page_path(f, page);
    let mut urls = form_urls(st, f, lang, &here);
    urls.action = format!("{here}{q}");
    let visible = visible_pages(st, f, data, lang);
    let pos = model.pages.iter().position(|p| p.id == page).unwrap_or(0);
    let previous = model.pages[..pos]
        .iter()
        .rev()
        .find(|p| visible.contains(&p.id))
        .map(|p| format!("{}{q}", page_path(f, &p.id)));
    urls.back = previous.or_else(|| urls.home.clone());
    let mut ctx = PageContext::new(st.today());
    ctx.lang = lang;
    ctx.data = data;
    ctx.errors = errors;
    ctx.urls = &urls;
    match st.renderer.render_page(&f.form, page, &ctx) {
        Ok(body) => html(status, body),
        Err(e) => render_failed(e),
    }
}

/// Reads a page post: urlencoded (at most `max_body`) or multipart with files (stored
/// at once, at most the upload limit). `Err` is the response for a body that is too
/// large or of another type.
async fn read_post(st: &AppState, lang: &str, req: Request) -> Result<Posted, Response> {
    let headers = req.headers().clone();
    if http::content_type_is(&headers, "multipart/form-data") {
        let mut multipart = match axum::extract::Multipart::from_request(req, &()).await {
            Ok(m) => m,
            Err(e) => return Err(e.into_response()),
        };
        let mut posted = Posted::default();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(e) => {
                    return Err(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        too_large(st, lang)
                    } else {
                        e.into_response()
                    })
                }
            };
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let claimed = field.content_type().map(str::to_owned);
            let bytes = match field.bytes().await {
                Ok(b) => b,
                Err(e) => {
                    return Err(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        too_large(st, lang)
                    } else {
                        e.into_response()
                    })
                }
            };
            match file_name {
                Some(file_name) => {
                    if file_name.is_empty() && bytes.is_empty() {
                        continue; // no file chosen
                    }
                    let sha256 = http::sha256_hex(&bytes);
                    let media_type = sniff(&bytes, claimed.as_deref());
                    let value = serde_json::json!({
                        "name": clean_file_name(&file_name),
                        "media_type": media_type,
                        "size": bytes.len(),
                        "sha256": sha256,
                    });
                    let stored = st
                        .db
                        .write(Write::PutFile {
                            sha256,
                            media_type,
                            content: bytes.to_vec(),
                        })
                        .await;
                    if let Err(e) = stored {
                        return Err(db_failed(st, lang, e));
                    }
                    posted.push_file(name, value);
                }
                None => posted.push(name, String::from_utf8_lossy(&bytes).into_owned()),
            }
        }
        return Ok(posted);
    }
    if !http::content_type_is(&headers, "application/x-www-form-urlencoded") {
        return Err(error_page(
            st,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            lang,
            tr(lang, "Falsches Format", "Wrong format"),
            tr(
                lang,
                "Formularseiten werden als application/x-www-form-urlencoded oder multipart/form-data gesendet.",
                "Form pages are sent as application/x-www-form-urlencoded or multipart/form-data.",
            ),
            &[],
        ));
    }
    match http::read_body(&headers, req.into_body(), st.max_body).await {
        Ok(body) => Ok(formdata::parse_urlencoded(&body)),
        Err(_) => Err(too_large(st, lang)),
    }
}

fn too_large(st: &AppState, lang: &str) -> Response {
    http::closing(error_page(
        st,
        StatusCode::PAYLOAD_TOO_LARGE,
        lang,
        tr(lang, "Zu große Datenmenge", "Too much data"),
        tr(
            lang,
            "Die gesendeten Angaben oder Dateien sind zu groß. Bitte gehen Sie zurück und verkleinern Sie die Datei.",
            "The answers or files sent are too large. Please go back and make the file smaller.",
        ),
        &[],
    ))
}

/// The media type of an upload: by its first bytes for the common document and image
/// types (so that `accept` cannot be fooled by a wrong extension), else as the browser
/// said, else `application/octet-stream`.
fn sniff(bytes: &[u8], claimed: Option<&str>) -> String {
    let magic: &[(&[u8], &str)] = &[
        (b"%PDF-", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
    ];
    if let Some((_, t)) = magic.iter().find(|(m, _)| bytes.starts_with(m)) {
        return (*t).to_owned();
    }
    claimed
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| {
            c.contains('/')
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/.+-".contains(&b))
        })
        .unwrap_or_else(|| "application/octet-stream".to_owned())
}

/// The last component of an uploaded file's name, without control characters.
fn clean_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = last.chars().filter(|c| !c.is_control()).take(255).collect();
    if clean.is_empty() {
        "upload".into()
    } else {
        clean
    }
}

/// The form a POST is for, once the request is known to come from our own pages; the
/// error page (403, 404, 503) otherwise.
fn posted_form(
    st: &AppState,
    id: &str,
    uri: &Uri,
    req: &Request,
) -> Result<Arc<ReadyForm>, Response> {
    let lang_asked = http::query_param(uri.query(), "lang").unwrap_or_default();
    if !http::same_origin(req.method(), req.headers()) {
        return Err(forbidden(st, &lang_asked));
    }
    lookup(st, id, &lang_asked)
}

/// `POST /forms/ID/pages/PAGE`: saves the page's answers in the draft; then an add or
/// remove button shows the page again (200), errors on the page show it with them (422),
/// and otherwise the browser goes on to the next visible page or the review (303).
pub(crate) async fn post_page(
    axum::extract::State(st): St,
    Path((id, page)): Path<(String, String)>,
    uri: Uri,
    req: Request,
) -> Response {
    let f = match posted_form(&st, &id, &uri, &req) {
        Ok(f) => f,
        Err(res) => return res,
    };
    let model = f.form.model();
    let (lang, q) = page_lang(model, &uri);
    let Some(page_model) = model.pages.iter().find(|p| p.id == page) else {
        return page_not_found(&st, &lang);
    };
    let Some(session) = Session::of_or_new(req.headers()) else {
        return render_failed("no random numbers for a session id");
    };
    let posted = match read_post(&st, &lang, req).await {
        Ok(p) => p,
        Err(res) => return res,
    };
    let draft = match load_draft(&st, Some(&session), &f.id).await {
        Ok(d) => d,
        Err(e) => return db_failed(&st, &lang, e),
    };
    let before = f.form.evaluate(&draft.data, &st.options(&lang));
    let mut data = formdata::apply_page(model, page_model, &posted, &draft.data, &before);
    let action = Action::parse(posted.first("_action"));
    if action != Action::Next {
        formdata::apply_action(model, page_model, &mut data, &action);
    }
    if let Err(e) = save_draft(&st, &session, &f.id, &data).await {
        return db_failed(&st, &lang, e);
    }
    if action != Action::Next {
        let res = render_page(&st, &f, &page, &lang, &data, &[], StatusCode::OK);
        return session.apply(&st, res);
    }
    let all = f.form.errors(&data, &st.options(&lang));
    let errors = efa_render::errors_for_page(&f.form, &page, &all);
    if !errors.is_empty() {
        let res = render_page(
            &st,
            &f,
            &page,
            &lang,
            &data,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        return session.apply(&st, res);
    }
    let visible = visible_pages(&st, &f, &data, &lang);
    let pos = model.pages.iter().position(|p| p.id == page).unwrap_or(0);
    let next = model.pages[pos + 1..]
        .iter()
        .find(|p| visible.contains(&p.id));
    let location = match next {
        Some(p) => format!("{}{q}", page_path(&f, &p.id)),
        None => format!("/forms/{}/review{q}", enc(&f.id)),
    };
    session.apply(&st, http::see_other(&location))
}

/// `GET /forms/ID/review`: every answer, a change link per page, and the fees.
pub(crate) async fn review(
    axum::extract::State(st): St,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let lang_asked = http::query_param(uri.query(), "lang").unwrap_or_default();
    let f = match lookup(&st, &id, &lang_asked) {
        Ok(f) => f,
        Err(res) => return res,
    };
    let (lang, _) = page_lang(f.form.model(), &uri);
    let Some(session) = Session::of_or_new(&headers) else {
        return render_failed("no random numbers for a session id");
    };
    let draft = match load_draft(&st, Some(&session), &f.id).await {
        Ok(d) => d,
        Err(e) => return db_failed(&st, &lang, e),
    };
    let res = render_review(&st, &f, &lang, &draft.data, &[], StatusCode::OK);
    session.apply(&st, res)
}

fn render_review(
    st: &AppState,
    f: &ReadyForm,
    lang: &str,
    data: &Json,
    errors: &[ValidationError],
    status: StatusCode,
) -> Response {
    let model = f.form.model();
    let q = lang_query(model, lang);
    let here = format!("/forms/{}/review", enc(&f.id));
    let mut urls = form_urls(st, f, lang, &here);
    urls.action = format!("/forms/{}/submit{q}", enc(&f.id));
    urls.back = visible_pages(st, f, data, lang)
        .last()
        .map(|p| format!("{}{q}", page_path(f, p)));
    let mut ctx = PageContext::new(st.today());
    ctx.lang = lang;
    ctx.data = data;
    ctx.errors = errors;
    ctx.urls = &urls;
    match st.renderer.render_review(&f.form, &ctx) {
        Ok(body) => html(status, body),
        Err(e) => render_failed(e),
    }
}

/// `POST /forms/ID/submit`: validates the whole draft; invalid: the review with every
/// error linking to its page (422); valid: stores it (committed before the answer),
/// marks the draft submitted and shows the receipt. Posting again (a reload) shows the
/// same receipt instead of a second submission.
pub(crate) async fn submit(
    axum::extract::State(st): St,
    Path(id): Path<String>,
    uri: Uri,
    req: Request,
) -> Response {
    let f = match posted_form(&st, &id, &uri, &req) {
        Ok(f) => f,
        Err(res) => return res,
    };
    let (lang, _) = page_lang(f.form.model(), &uri);
    let session = Session::of(req.headers());
    // The body holds only the button; read it (bounded) and let it go.
    let headers = req.headers().clone();
    if http::read_body(&headers, req.into_body(), st.max_body)
        .await
        .is_err()
    {
        return too_large(&st, &lang);
    }
    let draft = match load_draft(&st, session.as_ref(), &f.id).await {
        Ok(d) => d,
        Err(e) => return db_failed(&st, &lang, e),
    };
    let untouched = draft.data.as_object().is_none_or(Map::is_empty);
    if let (Some(reference), true) = (&draft.submitted, untouched) {
        return show_receipt_again(&st, &f, &lang, reference.clone()).await;
    }
    let result = f.form.validate(&draft.data, &st.options(&lang));
    if !result.valid {
        return render_review(
            &st,
            &f,
            &lang,
            &draft.data,
            &result.errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let model = f.form.model();
    let sub = NewSubmission {
        form: f.id.clone(),
        version: model.version.clone(),
        hash: f.hash.clone(),
        publisher: model.publisher.clone(),
        lang: lang.clone(),
        channel: "web",
        data: result.data.to_string(),
        fees: serde_json::to_string(&result.fees).unwrap_or_else(|_| "[]".into()),
    };
    let clear = session.as_ref().map(|s| (s.key(), f.id.clone()));
    let stored = match st.db.write(Write::Submit { sub, clear }).await {
        Ok(Written::Submission(s)) => s,
        Ok(Written::Done) => return db_failed(&st, &lang, "no reference"),
        Err(e) => return db_failed(&st, &lang, e),
    };
    let received = stored
        .received_at
        .with_timezone(&chrono::Local)
        .naive_local();
    render_receipt(&st, &f, &lang, &stored.id, received, &result.fees)
}

async fn show_receipt_again(
    st: &AppState,
    f: &ReadyForm,
    lang: &str,
    reference: String,
) -> Response {
    let row = match st.db.read(move |c| db::submission(c, &reference)).await {
        Ok(Some(row)) => row,
        Ok(None) => return page_not_found(st, lang),
        Err(e) => return db_failed(st, lang, e),
    };
    let received = chrono::DateTime::parse_from_rfc3339(&row.received_at)
        .map(|t| t.with_timezone(&chrono::Local).naive_local())
        .unwrap_or_default();
    let fees: Vec<FeeAmount> = row
        .fees
        .as_array()
        .map(|a| a.iter().filter_map(fee_from_json).collect())
        .unwrap_or_default();
    render_receipt(st, f, lang, &row.id, received, &fees)
}

fn fee_from_json(j: &Json) -> Option<FeeAmount> {
    let amount = j.get("amount")?;
    let amount = match amount {
        Json::Number(n) => n.to_string().parse().ok()?,
        Json::String(s) => s.parse().ok()?,
        _ => return None,
    };
    Some(FeeAmount {
        id: j.get("id")?.as_str()?.to_owned(),
        label: j.get("label")?.as_str()?.to_owned(),
        amount,
    })
}

fn render_receipt(
    st: &AppState,
    f: &ReadyForm,
    lang: &str,
    reference: &str,
    received_at: chrono::NaiveDateTime,
    fees: &[FeeAmount],
) -> Response {
    let here = format!("/forms/{}", enc(&f.id));
    let mut urls = form_urls(st, f, lang, &here);
    urls.languages.clear();
    urls.page = None;
    urls.review = None;
    let ctx = ReceiptContext {
        lang,
        reference,
        received_at,
        fees,
        next_steps: None,
        urls: &urls,
    };
    match st.renderer.render_receipt(&f.form, &ctx) {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => render_failed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_sniffed_and_named() {
        assert_eq!(sniff(b"%PDF-1.7 ...", Some("text/html")), "application/pdf");
        assert_eq!(
            sniff(b"hello", Some("text/plain; charset=utf-8")),
            "text/plain"
        );
        assert_eq!(sniff(b"hello", Some("<bad>")), "application/octet-stream");
        assert_eq!(
            clean_file_name("C:\\Users\\a\\voll macht.pdf"),
            "voll macht.pdf"
        );
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name(""), "upload");
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(enc("personenstandsurkunde"), "personenstandsurkunde");
        assert_eq!(enc("a b/c"), "a%20b%2Fc");
    }
}
