//! `efa render FORM [--page ID] [--data DATA.json] [--lang L] [--today YYYY-MM-DD]`:
//! print one page of a form as a complete, self-contained HTML document (the stylesheet
//! inlined), the first page unless `--page` names another; `--review` prints the review
//! page ("check your answers") instead.
//!
//! With `--data`, the page is filled with those values and shows the errors a server
//! shows after that page was submitted: the data is validated as a whole and the errors
//! that belong to the page are kept ([`efa_render::errors_for_page`]: errors inside the
//! page's fields and groups, failed checks placed on the page, and failed checks of the
//! whole form whose last field is on the page). Errors of other pages
//! and of keys the form does not define are not shown. The review page shows all errors.
//!
//! Exit 0 when the page was printed (with or without errors on it), 1 when the form does
//! not compile (diagnostics on stderr), 2 when the command could not run (an unknown page,
//! an unreadable or malformed data file, a bad theme).

use std::io::Write;
use std::path::{Path, PathBuf};

use efa_forms::core::{ValidateOptions, ValidationError};
use efa_render::{PageContext, Renderer};

use super::{load, Ctx, Failure, Status};

/// Arguments of `efa render`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The form: a .form source or a .form.json artifact.
    #[arg(value_name = "FORM")]
    form: PathBuf,
    /// The page to render (default: the first).
    #[arg(long, value_name = "ID", conflicts_with = "review")]
    page: Option<String>,
    /// Render the review page ("check your answers") instead of a form page.
    #[arg(long)]
    review: bool,
    /// Values to fill in, as a submission (JSON file, or `-` for standard input); their
    /// errors on the page are shown as after a submission.
    #[arg(long, value_name = "DATA.json")]
    data: Option<PathBuf>,
    /// Language of the page (default: the form's first language).
    #[arg(long, value_name = "L")]
    lang: Option<String>,
    /// The date `today()` returns (default: today's local date).
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<String>,
    /// A theme directory whose templates and efa.css replace the built-in ones.
    #[arg(long, value_name = "DIR")]
    theme: Option<PathBuf>,
}

pub(crate) fn run(ctx: &mut Ctx, args: Args) -> Result<Status, Failure> {
    let today = super::today(args.today.as_deref())?;
    let renderer = match &args.theme {
        Some(dir) => Renderer::with_theme(dir)?,
        None => Renderer::new(),
    };
    let loaded = match load(ctx, &args.form, Some(Status::Failed))? {
        Ok(loaded) => loaded,
        Err(status) => return Ok(status),
    };
    let form = &loaded.form;
    let model = form.model();
    let page = match &args.page {
        Some(id) => id.clone(),
        None => model
            .pages
            .first()
            .map(|p| p.id.clone())
            .ok_or_else(|| Failure(format!("{} has no pages", args.form.display())))?,
    };
    if !args.review && !model.pages.iter().any(|p| p.id == page) {
        let known: Vec<&str> = model.pages.iter().map(|p| p.id.as_str()).collect();
        return Err(Failure(format!(
            "the form has no page `{page}`; its pages are: {}",
            known.join(", ")
        )));
    }
    let data = match &args.data {
        Some(path) => read_data(path)?,
        None => serde_json::Value::Object(serde_json::Map::new()),
    };
    let lang = args.lang.clone().unwrap_or_default();
    let errors: Vec<ValidationError> = if args.data.is_some() {
        let options = ValidateOptions {
            lang: Some(efa_render::resolve_lang(model, &lang).to_owned()),
            today,
        };
        let all = form.errors(&data, &options);
        if args.review {
            all
        } else {
            efa_render::errors_for_page(form, &page, &all)
        }
    } else {
        Vec::new()
    };
    let mut page_ctx = PageContext::new(today);
    page_ctx.lang = &lang;
    page_ctx.data = &data;
    page_ctx.errors = &errors;
    let html = if args.review {
        renderer.render_review(form, &page_ctx)?
    } else {
        renderer.render_page(form, &page, &page_ctx)?
    };
    ctx.out.write_all(html.as_bytes())?;
    Ok(Status::Success)
}

/// Reads the `--data` file (or standard input for `-`): a JSON object.
fn read_data(path: &Path) -> Result<serde_json::Value, Failure> {
    let stdin = path.as_os_str() == "-";
    let name = if stdin {
        "standard input".to_owned()
    } else {
        path.display().to_string()
    };
    let text = if stdin {
        efa_forms::read_limited(std::io::stdin().lock(), Path::new("standard input"))?
    } else {
        efa_forms::read_text(path)?
    };
    let data: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Failure(format!("{name} is not valid JSON: {e}")))?;
    if !data.is_object() {
        return Err(Failure(format!("{name} is not a JSON object")));
    }
    Ok(data)
}
