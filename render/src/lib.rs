//! efa-render: accessible HTML for efa-forms.
//!
//! It owns the citizen-facing HTML: a form page (one page of the wizard, empty, filled in,
//! or with the errors of a submission), the review page ("check your answers"), the
//! receipt, the catalog of forms and an error page, and the default stylesheet. Every
//! document is complete and works without JavaScript; the browser runtime (another crate)
//! only enhances it.
//!
//! It must not know about HTTP, databases, files of forms or the command line: the host
//! (the `efa render` command, the `efa serve` server) loads the [`Form`], decides every URL
//! ([`Urls`]), validates and evaluates the data, and passes in what a page shows. The only
//! file access is reading a theme directory in [`Renderer::with_theme`].
//!
//! # Templates and theming
//!
//! The templates are files in `render/templates/` (`base.html`, `macros.html`,
//! `page.html`, `review.html`, `receipt.html`, `catalog.html`, `error.html`) and the
//! stylesheet is `render/static/efa.css`, all embedded at build time. A theme (a state's
//! corporate design) is a directory whose `*.html` files replace the embedded templates of
//! the same name (or add partials the replaced ones include) and whose `efa.css` replaces
//! the stylesheet. Templates only print view models worked out in Rust; they decide
//! nothing about visibility, naming or wording.
//!
//! Invariant: every text from a form (labels, hints, options, info texts, titles, check
//! messages) and every value a user entered is plain text and is HTML-escaped. The
//! environment escapes every template, whatever its name, and no template marks form or
//! user text `safe`: a form imported from another state cannot inject markup.
//!
//! # The HTML contract with a server
//!
//! - Inputs are named by their data path with dots (`anschrift.plz`, `kinder.1.name`);
//!   element ids are `f-` and the path with `-` (`f-anschrift-plz`). A hint has the id
//!   `ID-hint`, an error message `ID-error`.
//! - A `choice` with up to eight options is a set of radio buttons, with more a `<select>`;
//!   a `multichoice` is a set of checkboxes, each submitting its option key under the
//!   field's name (none checked: nothing is submitted).
//! - A `boolean` is one checkbox with the value `true`, preceded by a hidden input of the
//!   same name with the value `false`: the field is `true` when `true` is among the values
//!   submitted for the name, `false` when only `false` is.
//! - A `file` is `<input type="file">`; a page with one posts `multipart/form-data`.
//! - Every submit button is named `_action`: `next` continues (the main button, and a
//!   hidden default button first in the form so that Enter continues), `add:PATH` adds an
//!   entry to the repeated group at `PATH` (`add:kinder`), and `remove:PATH.INDEX` removes
//!   one (`remove:kinder.1`). A page shows at least `min` entries and as many as the data
//!   holds; the add button disappears at `max`, the remove buttons at `min`.
//! - A field whose visibility condition reads fields of the same page is rendered even
//!   while hidden (so that it can be filled in without JavaScript), marked
//!   `data-efa-conditional="POINTER"` with `data-efa-visible="false"` and a note "only
//!   if it applies to you"; one whose condition only reads earlier pages is left out
//!   while hidden. Visible conditional elements carry `data-efa-visible="true"`. The
//!   browser runtime replaces the class `efa-no-js` of `<html>` by `efa-js` and keeps
//!   `data-efa-visible` up to date: the stylesheet then hides the hidden ones and the
//!   notes. The `<form>` carries `data-efa-form` (form id), `data-efa-page` (page id),
//!   `data-efa-today` ([`PageContext::today`], so that the runtime's `today()` is the
//!   server's) and `data-efa-artifact` ([`Urls::artifact`]) for the runtime.
//! - The review page's form posts `_action=submit` to [`Urls::action`].
//! - Errors are shown where they belong: at the field of their path, a repeated group's
//!   count at the group, a failed `check` at the first field of this page its condition
//!   reads. [`errors_for_page`] picks the errors of one page from a validation result.
//! - [`apply_page_post`] is the inverse: it applies the posted name/value pairs of a page
//!   to the draft (and performs `add:`/`remove:`), so a host needs no knowledge of the
//!   naming.
//!
//! # Example
//!
//! ```
//! use efa_render::{errors_for_page, PageContext, Renderer, Urls};
//!
//! let model = efa_dsl::compile_str(r#"form hund { version "1.0.0" title "Hundesteuer"
//!     publisher "HE" page halter "Halter" { field name: text { label "Name" required } } }"#)
//!     .unwrap();
//! let form = efa_core::Form::new(model).unwrap();
//! let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
//! let data = serde_json::json!({ "name": "" });
//! let result = form.validate(&data, &efa_core::ValidateOptions::new(today));
//! let errors = errors_for_page(&form, "halter", &result.errors);
//! let urls = Urls { action: "/forms/hund/pages/halter".into(), ..Urls::default() };
//! let mut ctx = PageContext::new(today);
//! ctx.data = &data;
//! ctx.errors = &errors;
//! ctx.urls = &urls;
//! let html = Renderer::new().render_page(&form, "halter", &ctx)?;
//! assert!(html.contains("<title>Fehler: Halter – Hundesteuer</title>"));
//! assert!(html.contains(r##"<a class="efa-error-summary__link" href="#f-name">"##));
//! # Ok::<(), efa_render::RenderError>(())
//! ```

#![deny(missing_docs)]

mod i18n;
mod paths;
mod post;
mod view;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use efa_core::model::FormModel;
use efa_core::{FeeAmount, Form, ValidateOptions, ValidationError};
use minijinja::value::{Serde, Value};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;
use serde_json::Value as Json;

pub use paths::{errors_for_page, page_of_pointer};
pub use post::{apply_page_post, PageAction, PagePost};

/// The embedded templates, by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("page.html", include_str!("../templates/page.html")),
    ("review.html", include_str!("../templates/review.html")),
    ("receipt.html", include_str!("../templates/receipt.html")),
    ("catalog.html", include_str!("../templates/catalog.html")),
    ("error.html", include_str!("../templates/error.html")),
];

/// The embedded default stylesheet.
const STYLESHEET: &str = include_str!("../static/efa.css");

/// The file name of the stylesheet in a theme directory.
pub const STYLESHEET_NAME: &str = "efa.css";

/// Why a document could not be rendered, or a theme not loaded.
#[derive(Debug)]
#[non_exhaustive]
pub enum RenderError {
    /// The form has no page with this id.
    UnknownPage {
        /// The id asked for.
        id: String,
        /// The ids of the form's pages, in order.
        known: Vec<String>,
    },
    /// A theme file could not be read.
    ThemeIo {
        /// The file or directory.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A theme file is not UTF-8 text.
    ThemeNotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// A template failed to compile or to render (a broken theme template).
    Template(Box<minijinja::Error>),
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::UnknownPage { id, known } => {
                write!(
                    f,
                    "the form has no page `{id}`; its pages are: {}",
                    known.join(", ")
                )
            }
            RenderError::ThemeIo { path, source } => {
                write!(f, "cannot read theme file {}: {source}", path.display())
            }
            RenderError::ThemeNotUtf8 { path } => {
                write!(f, "theme file {} is not UTF-8 text", path.display())
            }
            RenderError::Template(e) => {
                write!(f, "template error: {e}")?;
                let mut source = std::error::Error::source(&**e);
                while let Some(s) = source {
                    write!(f, ": {s}")?;
                    source = s.source();
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for RenderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RenderError::ThemeIo { source, .. } => Some(source),
            RenderError::Template(e) => Some(&**e),
            _ => None,
        }
    }
}

impl From<minijinja::Error> for RenderError {
    fn from(e: minijinja::Error) -> Self {
        RenderError::Template(Box::new(e))
    }
}

/// The URLs a document links to, and its assets. The host decides all of them; `None`
/// (or an empty `action`) leaves the link out.
#[derive(Debug, Clone, Default)]
pub struct Urls {
    /// Where the page's `<form>` posts (a form page: the page's POST route; the review
    /// page: the submit route). Empty: the document's own URL.
    pub action: String,
    /// The back link above the heading (the previous page).
    pub back: Option<String>,
    /// The URL of a form page, with `{page}` standing for the page id
    /// (`/forms/antrag/pages/{page}?lang=en`): the step indicator's links and the review
    /// page's change links.
    pub page: Option<String>,
    /// The review page (last step of the step indicator).
    pub review: Option<String>,
    /// The form's first page (the service name in the header links there).
    pub start: Option<String>,
    /// The catalog of all forms.
    pub home: Option<String>,
    /// The stylesheet. `None`: it is inlined in a `<style>` element, so that the
    /// document stands alone (the stylesheet's text is [`Renderer::stylesheet`]).
    pub stylesheet: Option<String>,
    /// The browser runtime's script, loaded as a module (`None`: no script).
    pub script: Option<String>,
    /// The compiled `.form.json`, for the browser runtime (`data-efa-artifact`).
    pub artifact: Option<String>,
    /// The language switcher: `(language, URL of this document in it)`, in order.
    pub languages: Vec<(String, String)>,
}

impl Urls {
    /// The URL of a form page from the [`Urls::page`] pattern (the id percent-encoded).
    pub fn page_url(&self, page_id: &str) -> Option<String> {
        self.page
            .as_ref()
            .map(|pattern| pattern.replace("{page}", &percent_encode(page_id)))
    }
}

fn percent_encode(s: &str) -> String {
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

static NO_URLS: Urls = Urls {
    action: String::new(),
    back: None,
    page: None,
    review: None,
    start: None,
    home: None,
    stylesheet: None,
    script: None,
    artifact: None,
    languages: Vec::new(),
};

static NO_DATA: Json = Json::Null;

/// What a form page (or the review page) shows.
#[derive(Debug, Clone)]
pub struct PageContext<'a> {
    /// The language asked for; one the form does not offer falls back to its default.
    pub lang: &'a str,
    /// The date `today()` returns.
    pub today: NaiveDate,
    /// The values to show: the data as submitted (wrong values too, so that nothing the
    /// user entered is lost), a JSON object in the shape of SPEC section 3.
    pub data: &'a Json,
    /// The errors to show (see [`errors_for_page`]); empty for a fresh page.
    pub errors: &'a [ValidationError],
    /// Links and assets.
    pub urls: &'a Urls,
    /// Extra hidden inputs of the `<form>` (a CSRF token): `(name, value)`.
    pub hidden_inputs: &'a [(String, String)],
    /// Whether to show the step indicator.
    pub show_step_indicator: bool,
}

impl<'a> PageContext<'a> {
    /// An empty page in the form's default language, without links, with the step
    /// indicator.
    pub fn new(today: NaiveDate) -> PageContext<'a> {
        PageContext {
            lang: "",
            today,
            data: &NO_DATA,
            errors: &[],
            urls: &NO_URLS,
            hidden_inputs: &[],
            show_step_indicator: true,
        }
    }
}

/// What the receipt shows.
#[derive(Debug, Clone)]
pub struct ReceiptContext<'a> {
    /// The language asked for.
    pub lang: &'a str,
    /// The reference of the stored submission.
    pub reference: &'a str,
    /// When it was received, in the local time to show.
    pub received_at: NaiveDateTime,
    /// The fees of the submission.
    pub fees: &'a [FeeAmount],
    /// What happens next, if the host knows more than the general text.
    pub next_steps: Option<&'a str>,
    /// Links and assets.
    pub urls: &'a Urls,
}

/// A form in the catalog.
#[derive(Debug, Clone)]
pub struct CatalogEntry<'a> {
    /// Its model (title, publisher, version, Leistungsschluessel, languages).
    pub model: &'a FormModel,
    /// The URL of its first page.
    pub url: String,
}

/// A form the catalog cannot offer (it does not compile).
#[derive(Debug, Clone)]
pub struct UnavailableForm {
    /// Its name (file or id).
    pub name: String,
    /// A page that shows why (its diagnostics), if any.
    pub url: Option<String>,
}

/// What the catalog shows.
#[derive(Debug, Clone)]
pub struct CatalogContext<'a> {
    /// The language asked for (German or English chrome; form titles in it where offered).
    pub lang: &'a str,
    /// The heading; `None`: "Online-Anträge" / "Online applications".
    pub title: Option<&'a str>,
    /// The forms, in the order to show.
    pub entries: &'a [CatalogEntry<'a>],
    /// Forms that cannot be offered.
    pub unavailable: &'a [UnavailableForm],
    /// Links and assets.
    pub urls: &'a Urls,
}

/// What an error page shows.
#[derive(Debug, Clone)]
pub struct ErrorPageContext<'a> {
    /// The language of the chrome.
    pub lang: &'a str,
    /// Heading and title ("Seite nicht gefunden", "Formular nicht verfügbar").
    pub title: &'a str,
    /// One or two sentences for the citizen.
    pub message: &'a str,
    /// Preformatted details (compiler diagnostics), shown as they are.
    pub details: &'a [String],
    /// Links and assets.
    pub urls: &'a Urls,
}

/// Renders documents from the embedded templates or a theme. Cheap to share between
/// threads (`Send + Sync`); build one and keep it.
#[derive(Debug)]
pub struct Renderer {
    env: Environment<'static>,
    css: String,
}

impl Default for Renderer {
    fn default() -> Self {
        Renderer::new()
    }
}

/// The template context: the chrome's words as `t`, the view's fields at the top level.
#[derive(Serialize)]
struct Ctx<'a, V: Serialize> {
    t: &'a i18n::Messages,
    #[serde(flatten)]
    view: &'a V,
}

impl Renderer {
    /// A renderer with the embedded templates and stylesheet.
    pub fn new() -> Renderer {
        Self::build(BTreeMap::new(), None).unwrap_or_else(|e| {
            // The embedded templates are compiled by the tests; this cannot happen.
            panic!("embedded templates do not compile: {e}")
        })
    }

    /// A renderer whose templates and stylesheet are overridden by the files of a theme
    /// directory: every `NAME.html` replaces (or adds) the template `NAME.html`, and
    /// `efa.css` replaces the stylesheet. Other files are ignored.
    pub fn with_theme(dir: &Path) -> Result<Renderer, RenderError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| RenderError::ThemeIo { path, source }
        };
        let mut overrides = BTreeMap::new();
        let mut css = None;
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let entry = entry.map_err(io(dir))?;
            let path = entry.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
                continue;
            };
            let is_template = name.ends_with(".html");
            if !is_template && name != STYLESHEET_NAME {
                continue;
            }
            if !path.is_file() {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| RenderError::ThemeNotUtf8 { path: path.clone() })?;
            if is_template {
                overrides.insert(name, text);
            } else {
                css = Some(text);
            }
        }
        Self::build(overrides, css)
    }

    fn build(
        overrides: BTreeMap<String, String>,
        css: Option<String>,
    ) -> Result<Renderer, RenderError> {
        let mut env = Environment::new();
        // Escape everything, whatever a theme names its files.
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_recursion_limit(200);
        for (name, source) in TEMPLATES {
            if !overrides.contains_key(*name) {
                env.add_template(name, source)?;
            }
        }
        for (name, source) in overrides {
            env.add_template_owned(name, source)?;
        }
        Ok(Renderer {
            env,
            css: css.unwrap_or_else(|| STYLESHEET.to_owned()),
        })
    }

    /// The stylesheet (the theme's, or the default), for a host that serves it at
    /// [`Urls::stylesheet`].
    pub fn stylesheet(&self) -> &str {
        &self.css
    }

    fn render<V: Serialize>(
        &self,
        template: &str,
        lang: &str,
        view: &V,
    ) -> Result<String, RenderError> {
        let ctx = Ctx {
            t: i18n::messages(lang),
            view,
        };
        let html = self
            .env
            .get_template(template)?
            .render(Value::from(Serde(&ctx)))?;
        Ok(html)
    }

    /// A form page as a complete HTML document: step indicator, error summary, every
    /// field of the page with its label, hint, errors and value, and the buttons.
    pub fn render_page(
        &self,
        form: &Form,
        page_id: &str,
        ctx: &PageContext<'_>,
    ) -> Result<String, RenderError> {
        let model = form.model();
        let page = model
            .pages
            .iter()
            .find(|p| p.id == page_id)
            .ok_or_else(|| RenderError::UnknownPage {
                id: page_id.to_owned(),
                known: model.pages.iter().map(|p| p.id.clone()).collect(),
            })?;
        let lang = resolve_lang(model, ctx.lang);
        let eval = form.evaluate(ctx.data, &options(lang, ctx.today));
        let view = view::build_page(&view::PageInput {
            form,
            page,
            lang,
            data: ctx.data,
            errors: ctx.errors,
            eval: &eval,
            urls: ctx.urls,
            hidden: ctx.hidden_inputs,
            show_steps: ctx.show_step_indicator,
            css: &self.css,
            today: ctx.today,
        });
        self.render("page.html", lang, &view)
    }

    /// The review page ("check your answers"): every visible answer page by page, each
    /// page with a change link ([`Urls::page`]), the fees with their total, and the
    /// submit button posting to [`Urls::action`]. Errors given (a failed final
    /// validation) are listed at the top, each linking to the field on its page.
    pub fn render_review(&self, form: &Form, ctx: &PageContext<'_>) -> Result<String, RenderError> {
        let model = form.model();
        let lang = resolve_lang(model, ctx.lang);
        let eval = form.evaluate(ctx.data, &options(lang, ctx.today));
        let view = view::build_review(&view::ReviewInput {
            form,
            lang,
            data: ctx.data,
            errors: ctx.errors,
            eval: &eval,
            urls: ctx.urls,
            hidden: ctx.hidden_inputs,
            show_steps: ctx.show_step_indicator,
            css: &self.css,
        });
        self.render("review.html", lang, &view)
    }

    /// The receipt after a submission: its reference, when it was received, the fees and
    /// what happens next.
    pub fn render_receipt(
        &self,
        form: &Form,
        ctx: &ReceiptContext<'_>,
    ) -> Result<String, RenderError> {
        let model = form.model();
        let lang = resolve_lang(model, ctx.lang);
        let t = i18n::messages(lang);
        let title = format!(
            "{} – {}",
            t.receipt_title,
            view::txt(&model.title, lang, model.default_lang()).text
        );
        let view = view::ReceiptView {
            doc: view::Doc::for_form(lang, title, ctx.urls, &self.css, model),
            reference: ctx.reference.to_owned(),
            received_at: i18n::show_datetime(lang, ctx.received_at),
            received_at_iso: ctx.received_at.format("%Y-%m-%dT%H:%M").to_string(),
            fees: view::fees_view(lang, ctx.fees, !ctx.fees.is_empty()),
            next_steps: ctx.next_steps.map(str::to_owned),
        };
        self.render("receipt.html", lang, &view)
    }

    /// The catalog: every form with title, description, publisher, version,
    /// Leistungsschluessel, languages and a link to start it.
    pub fn render_catalog(&self, ctx: &CatalogContext<'_>) -> Result<String, RenderError> {
        let lang = i18n::chrome_lang(ctx.lang);
        let t = i18n::messages(lang);
        let title = ctx.title.unwrap_or(t.catalog_title).to_owned();
        let view = view::CatalogView {
            doc: view::Doc::new(lang, title.clone(), ctx.urls, &self.css),
            title,
            entries: ctx
                .entries
                .iter()
                .map(|e| view::catalog_entry(e.model, &e.url, lang))
                .collect(),
            unavailable: ctx
                .unavailable
                .iter()
                .map(|u| view::UnavailableView {
                    name: u.name.clone(),
                    url: u.url.clone(),
                })
                .collect(),
        };
        self.render("catalog.html", lang, &view)
    }

    /// An error page: a heading, a message and preformatted details (for example the
    /// diagnostics of a form that does not compile).
    pub fn render_error_page(&self, ctx: &ErrorPageContext<'_>) -> Result<String, RenderError> {
        let lang = i18n::chrome_lang(ctx.lang);
        let view = view::ErrorView {
            doc: view::Doc::new(lang, ctx.title.to_owned(), ctx.urls, &self.css),
            heading: ctx.title.to_owned(),
            message: ctx.message.to_owned(),
            details: ctx.details.to_vec(),
        };
        self.render("error.html", lang, &view)
    }
}

/// The language a form is shown in: the one asked for if the form offers it, else the
/// form's default.
pub fn resolve_lang<'m>(model: &'m FormModel, requested: &str) -> &'m str {
    model
        .languages
        .iter()
        .find(|l| *l == requested)
        .map(String::as_str)
        .unwrap_or_else(|| model.default_lang())
}

fn options(lang: &str, today: NaiveDate) -> ValidateOptions {
    ValidateOptions {
        lang: Some(lang.to_owned()),
        today,
    }
}
