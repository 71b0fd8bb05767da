//! `efa serve`: the intake server of SPEC section 7.
//!
//! Citizens fill in forms page by page without JavaScript (the wizard in [`web`]), other
//! programs post JSON (the intake API in [`api`]), and the back office picks up what
//! arrived. Everything lives in one embedded SQLite file ([`db`]); the forms are compiled
//! from a directory and recompiled when a file changes ([`catalog`]).
//!
//! Routes:
//!
//! | route | does |
//! | --- | --- |
//! | `GET /` | the catalog (and the forms that do not compile, with their diagnostics) |
//! | `GET /forms/ID` | the first page (`?lang=en` for another language) |
//! | `GET /forms/ID/pages/PAGE`, `POST` the same | a page; posting it saves the draft, then 422 with the errors or 303 to the next visible page |
//! | `GET /forms/ID/review` | all answers with a change link per page, and the fees |
//! | `POST /forms/ID/submit` | validates, stores, shows the receipt |
//! | `POST /api/forms/ID/submissions` | JSON intake: 201, 422, 400, 413, 415, 404, 503 |
//! | `GET /api/submissions?form=&after=&limit=` | back office, `Authorization: Bearer T` |
//! | `GET /api/submissions/REF`, `GET /api/files/SHA256` | one submission, one uploaded file (back office) |
//! | `GET /forms/ID/schema.json`, `GET /forms/ID.form.json` | JSON Schema and artifact |
//! | `GET /static/efa.css` | the stylesheet |
//! | `GET /static/runtime/FILE` | the browser runtime (WASM + page script), when built |
//!
//! Decisions, each explained where it is made: references are `TH-2026-000123` ([`db`]);
//! CSRF protection is the `SameSite=Lax` session cookie plus an `Origin` check
//! ([`http::same_origin`]); a form file that stops compiling is not served from its last
//! good version but shows its diagnostics ([`catalog`]).

// Handlers return `Result<_, Response>`: the early answer is the error, and an axum
// `Response` is 128 bytes, which this lint counts against.
#![allow(clippy::result_large_err)]

mod api;
mod catalog;
mod db;
mod formdata;
mod http;
mod web;

use std::future::IntoFuture;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use efa_forms::core::ValidateOptions;
use efa_render::Renderer;

/// How the server runs (the options of `efa serve`).
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// The directory whose forms are served.
    pub dir: PathBuf,
    /// The address to listen on.
    pub host: IpAddr,
    /// The port; 0 picks a free one.
    pub port: u16,
    /// The database file.
    pub db: PathBuf,
    /// The back-office token; `None`: the back-office API always answers 401.
    pub token: Option<String>,
    /// The largest JSON or urlencoded body.
    pub max_body: usize,
    /// The largest page post with files (multipart).
    pub max_upload: usize,
    /// A theme directory for the renderer.
    pub theme: Option<PathBuf>,
    /// Mark the session cookie `Secure` (behind an HTTPS proxy).
    pub secure_cookie: bool,
    /// How often the directory is checked for changed forms.
    pub poll: Duration,
    /// The built browser runtime (`wasm/pkg`, from `wasm/build.sh`); `None`: pages are
    /// served without it (they work without JavaScript).
    pub runtime: Option<PathBuf>,
    /// The day `today()` returns; `None`: each request's local date.
    pub today: Option<NaiveDate>,
}

/// What every handler shares.
pub(crate) struct AppState {
    catalog: Arc<catalog::Shared>,
    renderer: Renderer,
    db: Arc<db::Db>,
    token: Option<Vec<u8>>,
    max_body: usize,
    secure_cookie: bool,
    /// A short hash of the stylesheet, for cache-busting URLs.
    css_version: String,
    /// The directory of the browser runtime, if it was built.
    runtime: Option<PathBuf>,
    /// The fixed day of `--today`, if one was given.
    today: Option<NaiveDate>,
}

impl AppState {
    /// The day `today()` returns for this request.
    fn today(&self) -> NaiveDate {
        self.today
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }

    /// Validation options for a request in `lang`.
    fn options(&self, lang: &str) -> ValidateOptions {
        ValidateOptions {
            lang: Some(lang.to_owned()),
            today: self.today(),
        }
    }
}

type St = axum::extract::State<Arc<AppState>>;

/// Runs the server until SIGTERM or Ctrl-C. `Err` is a one-line reason it could not start.
pub(crate) fn run(config: Config) -> Result<(), String> {
    if !config.dir.is_dir() {
        return Err(format!("{} is not a directory", config.dir.display()));
    }
    let renderer = match &config.theme {
        Some(dir) => Renderer::with_theme(dir).map_err(|e| e.to_string())?,
        None => Renderer::new(),
    };
    let db = db::Db::open(&config.db).map_err(|e| e.0)?;
    let (shared, fingerprint) = catalog::load(&config.dir);
    let css_version = http::sha256_hex(renderer.stylesheet().as_bytes())[..12].to_owned();
    let token = config
        .token
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(|t| t.as_bytes().to_vec());
    let state = Arc::new(AppState {
        catalog: shared.clone(),
        renderer,
        db: db.clone(),
        token,
        max_body: config.max_body,
        secure_cookie: config.secure_cookie,
        css_version,
        runtime: config.runtime.clone(),
        today: config.today,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("efa-serve")
        .build()
        .map_err(|e| format!("cannot start the server runtime: {e}"))?;
    let result = runtime.block_on(async {
        let addr = SocketAddr::new(config.host, config.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let local = listener
            .local_addr()
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let current = shared.get();
        eprintln!(
            "efa serve: {} at http://{local}/ (db {})",
            catalog::count(&current),
            config.db.display()
        );
        for (b, _) in &current.unavailable {
            eprintln!("efa serve: {}", b.reason);
        }
        match &config.runtime {
            Some(dir) => eprintln!("efa serve: browser runtime from {}", dir.display()),
            None => eprintln!(
                "efa serve: no browser runtime built (wasm/build.sh): pages work without JavaScript"
            ),
        }
        if state.token.is_none() {
            eprintln!(
                "efa serve: no back-office token (--token or EFA_TOKEN): /api/submissions answers 401"
            );
        }
        drop(current);
        catalog::watch(config.dir.clone(), shared.clone(), fingerprint, config.poll)
            .map_err(|e| format!("cannot start watching {}: {e}", config.dir.display()))?;
        tokio::spawn(purge_drafts(db.clone()));
        let app = router(state.clone(), config.max_upload);
        // After the signal, open requests get 10 seconds to finish.
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        });
        let deadline = async move {
            if stopped.changed().await.is_ok() {
                tokio::time::sleep(Duration::from_secs(10)).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            r = server.into_future() => r.map_err(|e| format!("the server failed: {e}")),
            () = deadline => {
                eprintln!("efa serve: requests still open after 10 s; closing them");
                Ok(())
            }
        }
    });
    // Wait for queued writes to commit, then close the database.
    runtime.shutdown_timeout(Duration::from_secs(5));
    db.close();
    if result.is_ok() {
        eprintln!("efa serve: stopped");
    }
    result
}

fn router(state: Arc<AppState>, max_upload: usize) -> Router {
    Router::new()
        .route("/", get(web::catalog))
        .route("/static/efa.css", get(web::stylesheet))
        .route("/static/runtime/{file}", get(web::runtime_file))
        .route("/forms/{id}", get(web::start))
        .route(
            "/forms/{id}/pages/{page}",
            get(web::page).post(web::post_page),
        )
        .route("/forms/{id}/review", get(web::review))
        .route("/forms/{id}/submit", post(web::submit))
        .route("/forms/{id}/schema.json", get(api::schema))
        .route("/api/forms/{id}/submissions", post(api::submit))
        .route("/api/submissions", get(api::list))
        .route("/api/submissions/{id}", get(api::one))
        .route("/api/files/{sha256}", get(api::file))
        .fallback(web::not_found)
        // Page posts with files; JSON and urlencoded bodies are limited by `max_body`.
        .layer(DefaultBodyLimit::max(max_upload))
        .layer(axum::middleware::from_fn(http::security_headers))
        .with_state(state)
}

/// Deletes drafts untouched for 30 days, at start and then hourly.
async fn purge_drafts(db: Arc<db::Db>) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let before = (chrono::Utc::now() - chrono::Duration::days(30))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        if let Err(e) = db.write(db::Write::PurgeDrafts { before }).await {
            eprintln!("efa serve: cannot purge old drafts: {e}");
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    eprintln!("efa serve: shutting down");
}
