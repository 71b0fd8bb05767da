//! Writes the documents that `efa render` does not print (the catalog, a receipt per
//! form, an error page) into a directory, for the browser checks in `tests/browser/`.
//!
//! ```text
//! cargo run -p efa-render --example a11y_pages -- OUT_DIR FORM.form.json...
//! ```

use std::path::PathBuf;

use chrono::NaiveDate;
use efa_core::{Artifact, Form, ValidateOptions};
use efa_render::{
    CatalogContext, CatalogEntry, ErrorPageContext, ReceiptContext, Renderer, UnavailableForm, Urls,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let out = PathBuf::from(
        args.next()
            .ok_or("usage: a11y_pages OUT_DIR FORM.form.json...")?,
    );
    std::fs::create_dir_all(&out)?;
    let renderer = Renderer::new();
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).ok_or("date")?;
    let mut forms = Vec::new();
    for path in args {
        let path = PathBuf::from(path);
        let artifact = Artifact::from_json(&std::fs::read_to_string(&path)?)?;
        forms.push(Form::new(artifact.model)?);
    }
    let urls = Urls::default();
    let entries: Vec<CatalogEntry<'_>> = forms
        .iter()
        .map(|f| CatalogEntry {
            model: f.model(),
            url: format!("/forms/{}", f.model().id),
        })
        .collect();
    let unavailable = [UnavailableForm {
        name: "kaputt.form".to_owned(),
        url: Some("/forms/kaputt".to_owned()),
    }];
    for lang in ["de", "en"] {
        let html = renderer.render_catalog(&CatalogContext {
            lang,
            title: None,
            entries: &entries,
            unavailable: &unavailable,
            urls: &urls,
        })?;
        std::fs::write(out.join(format!("catalog--{lang}.html")), html)?;
    }
    for form in &forms {
        let model = form.model();
        let fees = form
            .evaluate(&serde_json::json!({}), &ValidateOptions::new(today))
            .fees;
        for lang in &model.languages {
            let html = renderer.render_receipt(
                form,
                &ReceiptContext {
                    lang,
                    reference: "EFA-2026-000042",
                    received_at: today.and_hms_opt(8, 40, 0).ok_or("time")?,
                    fees: &fees,
                    next_steps: None,
                    urls: &urls,
                },
            )?;
            std::fs::write(
                out.join(format!("{}--{lang}--receipt.html", model.id)),
                html,
            )?;
        }
    }
    let details = vec![
        "kaputt.form:3:7: error[E0001]: expected a field, a group or `}`".to_owned(),
        "kaputt.form:9:1: error[E0003]: unknown list `staat`".to_owned(),
    ];
    let html = renderer.render_error_page(&ErrorPageContext {
        lang: "de",
        title: "Formular nicht verfügbar",
        message: "Dieses Formular enthält Fehler und kann zurzeit nicht ausgefüllt werden.",
        details: &details,
        urls: &urls,
    })?;
    std::fs::write(out.join("error-page--de.html"), html)?;
    Ok(())
}
