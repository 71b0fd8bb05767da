//! Tests of efa-render (one test binary): snapshots of the pages of the forms in `forms/`
//! (empty, with the errors of every invalid sample, in English), the review page, the
//! receipt, the catalog and the error page; the XSS corpus; the structure every page
//! must have (labels point at controls, ids are unique, errors are described); the
//! repeat and conditional protocols; and theming.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use efa_core::model::{FormModel, Item};
use efa_core::{FeeAmount, Form, ValidateOptions, ValidationError};
use efa_render::{
    errors_for_page, CatalogContext, CatalogEntry, ErrorPageContext, PageContext, ReceiptContext,
    RenderError, Renderer, UnavailableForm, Urls,
};
use serde_json::{json, Value as Json};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn compile(path: &Path) -> Form {
    let source =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let model = efa_dsl::compile_str(&source)
        .unwrap_or_else(|d| panic!("{} does not compile: {d:?}", path.display()));
    Form::new(model).unwrap()
}

fn compile_str(source: &str) -> Form {
    Form::new(efa_dsl::compile_str(source).unwrap_or_else(|d| panic!("does not compile: {d:?}")))
        .unwrap()
}

fn pstu() -> Form {
    compile(&repo().join("forms/personenstandsurkunde/personenstandsurkunde.form"))
}

/// The URLs a server would give (so that snapshots show links and no inlined CSS).
fn server_urls(form: &Form, page: Option<&str>) -> Urls {
    let id = &form.model().id;
    let pages: Vec<&str> = form.model().pages.iter().map(|p| p.id.as_str()).collect();
    let back = page.and_then(|p| {
        let i = pages.iter().position(|x| *x == p)?;
        i.checked_sub(1)
            .map(|j| format!("/forms/{id}/pages/{}", pages[j]))
    });
    Urls {
        action: match page {
            Some(p) => format!("/forms/{id}/pages/{p}"),
            None => format!("/forms/{id}/submit"),
        },
        back,
        page: Some(format!("/forms/{id}/pages/{{page}}")),
        review: Some(format!("/forms/{id}/review")),
        start: Some(format!("/forms/{id}")),
        home: Some("/".to_owned()),
        stylesheet: Some("/static/efa.css".to_owned()),
        script: None,
        artifact: Some(format!("/forms/{id}.form.json")),
        languages: form
            .model()
            .languages
            .iter()
            .map(|l| (l.clone(), format!("?lang={l}")))
            .collect(),
    }
}

fn render_page(
    form: &Form,
    page: &str,
    lang: &str,
    data: &Json,
    errors: &[ValidationError],
) -> String {
    let urls = server_urls(form, Some(page));
    let hidden = vec![("_csrf".to_owned(), "token123".to_owned())];
    let mut ctx = PageContext::new(today());
    ctx.lang = lang;
    ctx.data = data;
    ctx.errors = errors;
    ctx.urls = &urls;
    ctx.hidden_inputs = &hidden;
    Renderer::new().render_page(form, page, &ctx).unwrap()
}

fn validate(form: &Form, data: &Json, lang: &str) -> Vec<ValidationError> {
    form.validate(
        data,
        &ValidateOptions {
            lang: Some(lang.to_owned()),
            today: today(),
        },
    )
    .errors
}

fn samples() -> Vec<(String, Json)> {
    let dir = repo().join("forms/personenstandsurkunde/samples");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let data: Json =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            out.push((name, data));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

// ---------------------------------------------------------------------------------------
// A small HTML scanner: enough to check the structure of our own output.

#[derive(Debug)]
struct Tag {
    name: String,
    attrs: BTreeMap<String, String>,
    closing: bool,
}

/// Splits a document into tags. Panics on anything that is not well-formed in the way
/// our templates write HTML (every attribute value double-quoted, no raw `<` in text).
fn scan(html: &str) -> Vec<Tag> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        if let Some(r) = rest.strip_prefix("!DOCTYPE html>") {
            rest = r;
            continue;
        }
        let end = rest.find('>').expect("unclosed tag");
        let inner = &rest[..end];
        rest = &rest[end + 1..];
        let closing = inner.starts_with('/');
        let inner = inner.trim_start_matches('/');
        let name_end = inner
            .find(|c: char| c.is_whitespace())
            .unwrap_or(inner.len());
        let name = inner[..name_end].to_owned();
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()),
            "not a tag name: {name:?} in <{inner}>"
        );
        let mut attrs = BTreeMap::new();
        let mut a = inner[name_end..].trim();
        while !a.is_empty() {
            let key_end = a
                .find(|c: char| c == '=' || c.is_whitespace())
                .unwrap_or(a.len());
            let key = a[..key_end].to_owned();
            assert!(
                !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "bad attribute name {key:?} in <{inner}>"
            );
            a = &a[key_end..];
            let value = if let Some(v) = a.strip_prefix("=\"") {
                let close = v.find('"').expect("unclosed attribute value");
                let value = v[..close].to_owned();
                a = &v[close + 1..];
                value
            } else {
                String::new()
            };
            assert!(
                !value.contains('<') && !value.contains('>'),
                "raw < or > in attribute {key}={value:?}"
            );
            assert!(
                attrs.insert(key.clone(), value).is_none(),
                "duplicate attribute {key} in <{inner}>"
            );
            a = a.trim_start();
        }
        // The stylesheet is raw text: skip to its end.
        if name == "style" && !closing {
            let close = rest.find("</style>").expect("unclosed style");
            rest = &rest[close..];
        }
        tags.push(Tag {
            name,
            attrs,
            closing,
        });
    }
    tags
}

const ALLOWED_TAGS: &[&str] = &[
    "html", "head", "meta", "title", "style", "link", "script", "body", "a", "header", "div",
    "span", "nav", "ul", "ol", "li", "main", "footer", "p", "h1", "h2", "form", "input", "label",
    "button", "fieldset", "legend", "textarea", "select", "option", "output", "section", "dl",
    "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "strong", "br", "time",
    "pre",
];

/// Checks that a document holds only our own markup: known tags, no event handler
/// attributes, no `javascript:` URLs, unique ids, every `label for` and every
/// `aria-describedby` pointing at an existing id.
fn check_structure(html: &str) {
    let tags = scan(html);
    let mut ids = HashSet::new();
    for t in &tags {
        assert!(
            ALLOWED_TAGS.contains(&t.name.as_str()),
            "unexpected tag <{}>",
            t.name
        );
        for (k, v) in &t.attrs {
            assert!(!k.starts_with("on"), "event handler attribute {k}");
            let lower = v.to_ascii_lowercase();
            if matches!(k.as_str(), "href" | "src" | "action" | "formaction") {
                assert!(
                    !lower.trim_start().starts_with("javascript:"),
                    "javascript: URL in {k}"
                );
            }
        }
        if let Some(id) = t.attrs.get("id") {
            assert!(ids.insert(id.clone()), "duplicate id {id}");
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "unsafe id {id:?}"
            );
        }
    }
    assert_eq!(
        tags.iter()
            .filter(|t| t.name == "html" && !t.closing)
            .count(),
        1
    );
    assert!(tags
        .iter()
        .any(|t| t.name == "html" && t.attrs.get("lang").is_some_and(|l| !l.is_empty())));
    assert_eq!(
        tags.iter().filter(|t| t.name == "h1" && !t.closing).count(),
        1,
        "one h1"
    );
    for t in &tags {
        if let Some(target) = t.attrs.get("for") {
            assert!(ids.contains(target), "label for={target} has no element");
        }
        if let Some(list) = t.attrs.get("aria-describedby") {
            for id in list.split_whitespace() {
                assert!(ids.contains(id), "aria-describedby={id} has no element");
            }
        }
        if let Some(href) = t.attrs.get("href") {
            if let Some(id) = href.strip_prefix('#') {
                assert!(ids.contains(id), "link to #{id} has no target");
            }
        }
    }
    // Every control is labelled, and every invalid one is described by its error.
    for t in &tags {
        let is_control = matches!(t.name.as_str(), "select" | "textarea")
            || (t.name == "input" && t.attrs.get("type").is_some_and(|ty| ty != "hidden"));
        if is_control && !t.closing {
            let id = t.attrs.get("id").expect("control without id");
            assert!(
                tags.iter()
                    .any(|l| l.name == "label" && l.attrs.get("for") == Some(id)),
                "control {id} has no label"
            );
            assert!(t.attrs.contains_key("name"), "control {id} has no name");
            assert!(
                !t.attrs.contains_key("required"),
                "no HTML required attributes"
            );
        }
    }
    for t in &tags {
        if t.name == "form" && !t.closing {
            assert!(t.attrs.contains_key("novalidate"), "forms are novalidate");
        }
    }
}

/// The text of the `<title>`.
fn title(html: &str) -> &str {
    let start = html.find("<title>").unwrap() + "<title>".len();
    let end = html[start..].find("</title>").unwrap();
    &html[start..start + end]
}

// ---------------------------------------------------------------------------------------
// Snapshots.

#[test]
fn empty_pages_of_every_form() {
    for (name, form) in [("personenstandsurkunde", pstu())] {
        for page in &form.model().pages {
            let html = render_page(&form, &page.id, "de", &json!({}), &[]);
            check_structure(&html);
            insta::assert_snapshot!(format!("{name}__empty__{}", page.id), html);
        }
    }
}

#[test]
fn pages_with_the_errors_of_every_invalid_sample() {
    let form = pstu();
    let mut shown = 0;
    for (sample, data) in samples()
        .into_iter()
        .filter(|(n, _)| n.starts_with("invalid-"))
    {
        let errors = validate(&form, &data, "de");
        assert!(!errors.is_empty(), "{sample} is valid");
        for page in &form.model().pages {
            let on_page = errors_for_page(&form, &page.id, &errors);
            if on_page.is_empty() {
                continue;
            }
            shown += on_page.len();
            let html = render_page(&form, &page.id, "de", &data, &on_page);
            check_structure(&html);
            assert!(
                title(&html).starts_with("Fehler: "),
                "{sample}/{}: {}",
                page.id,
                title(&html)
            );
            assert!(html.contains("role=\"alert\""));
            for e in &on_page {
                assert!(
                    html.contains(&minijinja_escape(&e.message)),
                    "{sample}/{}: message {:?} not shown",
                    page.id,
                    e.message
                );
            }
            insta::assert_snapshot!(format!("{sample}__{}", page.id), html);
        }
    }
    assert!(shown > 10);
}

/// Escapes like the templates do (for looking messages up in the output).
fn minijinja_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

#[test]
fn english_page_with_errors() {
    let form = pstu();
    let data = json!({ "anschrift": { "plz": "123" }, "email": "nope" });
    let errors = errors_for_page(&form, "antragsteller", &validate(&form, &data, "en"));
    let html = render_page(&form, "antragsteller", "en", &data, &errors);
    check_structure(&html);
    assert!(html.contains("<html lang=\"en\""));
    assert!(
        title(&html).starts_with("Error: About you"),
        "{}",
        title(&html)
    );
    assert!(html.contains("There is a problem"));
    assert!(html.contains("Step 1 of 7"));
    assert!(html.contains(">Continue<"));
    insta::assert_snapshot!("personenstandsurkunde__en__antragsteller", html);
}

#[test]
fn review_receipt_catalog_and_error_page() {
    let form = pstu();
    let valid: Vec<(String, Json)> = samples()
        .into_iter()
        .filter(|(n, _)| n.starts_with("valid-"))
        .collect();
    assert!(!valid.is_empty());
    for (name, data) in &valid {
        assert!(validate(&form, data, "de").is_empty(), "{name} is valid");
    }
    // The sample with the most to show: a delivery address and three copies.
    let data = valid
        .iter()
        .find(|(n, _)| n.contains("lieferanschrift"))
        .map_or_else(|| valid[0].1.clone(), |(_, d)| d.clone());
    let urls = server_urls(&form, None);
    let mut ctx = PageContext::new(today());
    ctx.data = &data;
    ctx.urls = &urls;
    let renderer = Renderer::new();
    let review = renderer.render_review(&form, &ctx).unwrap();
    check_structure(&review);
    assert!(review
        .contains("Ändern<span class=\"efa-visually-hidden\">: Angaben zu Ihrer Person</span>"));
    assert!(review.contains("Gesamt"));
    insta::assert_snapshot!("personenstandsurkunde__review", review);

    // The review page after a failed final validation lists the errors with links into
    // the pages.
    let bad = json!({ "vorname": "Anna" });
    let errors = validate(&form, &bad, "de");
    ctx.data = &bad;
    ctx.errors = &errors;
    let review = renderer.render_review(&form, &ctx).unwrap();
    check_structure(&review);
    assert!(review.contains("href=\"&#x2f;forms&#x2f;personenstandsurkunde&#x2f;pages&#x2f;antragsteller#f-familienname\""));
    assert!(title(&review).starts_with("Fehler: "));

    let fees = form.validate(&data, &ValidateOptions::new(today())).fees;
    let receipt = renderer
        .render_receipt(
            &form,
            &ReceiptContext {
                lang: "de",
                reference: "PSU-2026-000042",
                received_at: today().and_hms_opt(8, 40, 0).unwrap(),
                fees: &fees,
                next_steps: None,
                urls: &urls,
            },
        )
        .unwrap();
    check_structure(&receipt);
    assert!(receipt.contains("PSU-2026-000042"));
    assert!(receipt.contains("23. November 2026, 08:40 Uhr"));
    insta::assert_snapshot!("personenstandsurkunde__receipt", receipt);

    let entries = [CatalogEntry {
        model: form.model(),
        url: "/forms/personenstandsurkunde".to_owned(),
    }];
    let unavailable = [UnavailableForm {
        name: "kaputt.form".to_owned(),
        url: Some("/forms/kaputt".to_owned()),
    }];
    let home = Urls {
        stylesheet: Some("/static/efa.css".to_owned()),
        languages: vec![
            ("de".to_owned(), "/?lang=de".to_owned()),
            ("en".to_owned(), "/?lang=en".to_owned()),
        ],
        ..Urls::default()
    };
    for lang in ["de", "en"] {
        let catalog = renderer
            .render_catalog(&CatalogContext {
                lang,
                title: None,
                entries: &entries,
                unavailable: &unavailable,
                urls: &home,
            })
            .unwrap();
        check_structure(&catalog);
        assert!(catalog.contains("99063006000000"));
        insta::assert_snapshot!(format!("catalog__{lang}"), catalog);
    }

    let details = vec![
        "kaputt.form:3:7: error[E0001]: expected a field, a group or `}`".to_owned(),
        "kaputt.form:9:1: error[E0003]: unknown list `<staat>`".to_owned(),
    ];
    let error = renderer
        .render_error_page(&ErrorPageContext {
            lang: "de",
            title: "Formular nicht verfügbar",
            message: "Dieses Formular enthält Fehler und kann zurzeit nicht ausgefüllt werden.",
            details: &details,
            urls: &home,
        })
        .unwrap();
    check_structure(&error);
    assert!(error.contains("unknown list `&lt;staat&gt;`"));
    insta::assert_snapshot!("error_page", error);
}

#[test]
fn standalone_documents_inline_the_stylesheet() {
    let form = pstu();
    let html = Renderer::new()
        .render_page(&form, "antragsteller", &PageContext::new(today()))
        .unwrap();
    check_structure(&html);
    assert!(html.contains("<style>/* efa-forms default stylesheet."));
    assert!(!html.contains("<link"));
    assert!(!html.contains("<script"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external assets"
    );
}

// ---------------------------------------------------------------------------------------
// Security: nothing from a form or a user becomes markup.

const PAYLOAD_FRAGMENTS: &[&str] = &[
    "<script",
    "<img",
    "<svg",
    "<b>",
    "<input type=checkbox",
    "\" onmouseover=\"",
    "' onfocus='",
    "</textarea><",
    "</title><",
    "</option><",
    "</select><",
    "</style><script",
    "<!-- kommentar",
];

fn assert_no_payload(html: &str, what: &str) {
    let body = html.split("</style>").last().unwrap();
    for p in PAYLOAD_FRAGMENTS {
        assert!(!body.contains(p), "{what}: raw payload {p:?} in the output");
    }
    check_structure(html);
    // Template syntax in a text is shown, not evaluated.
    assert!(
        !body.contains(">49<"),
        "{what}: a text was evaluated as a template"
    );
}

fn xss_form() -> Form {
    compile(&repo().join("render/tests/forms/xss.form"))
}

fn xss_data() -> Json {
    serde_json::from_str(
        &std::fs::read_to_string(repo().join("render/tests/forms/xss.data.json")).unwrap(),
    )
    .unwrap()
}

#[test]
fn xss_corpus_in_texts_and_values_stays_text() {
    let form = xss_form();
    let data = xss_data();
    let renderer = Renderer::new();
    for lang in ["de", "en"] {
        let errors = validate(&form, &data, lang);
        for page in &form.model().pages {
            let html = render_page(&form, &page.id, lang, &json!({}), &[]);
            assert_no_payload(&html, &format!("{} empty {lang}", page.id));
            let on_page = errors_for_page(&form, &page.id, &errors);
            let html = render_page(&form, &page.id, lang, &data, &on_page);
            assert_no_payload(&html, &format!("{} with data {lang}", page.id));
            assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
        }
        let urls = server_urls(&form, None);
        let mut ctx = PageContext::new(today());
        ctx.lang = lang;
        ctx.data = &data;
        ctx.errors = &errors;
        ctx.urls = &urls;
        let review = renderer.render_review(&form, &ctx).unwrap();
        assert_no_payload(&review, "review");
        let fees = vec![FeeAmount {
            id: "x".to_owned(),
            label: "<script>alert(1)</script>".to_owned(),
            amount: rust_decimal::Decimal::new(1000, 2),
        }];
        let receipt = renderer
            .render_receipt(
                &form,
                &ReceiptContext {
                    lang,
                    reference: "<img src=x onerror=alert(1)>",
                    received_at: today().and_hms_opt(8, 0, 0).unwrap(),
                    fees: &fees,
                    next_steps: Some("</p><script>alert(1)</script>"),
                    urls: &urls,
                },
            )
            .unwrap();
        assert_no_payload(&receipt, "receipt");
        let entries = [CatalogEntry {
            model: form.model(),
            url: "/forms/xss".to_owned(),
        }];
        let catalog = renderer
            .render_catalog(&CatalogContext {
                lang,
                title: Some("<script>alert(1)</script>"),
                entries: &entries,
                unavailable: &[UnavailableForm {
                    name: "<script>alert(1)</script>".to_owned(),
                    url: None,
                }],
                urls: &Urls::default(),
            })
            .unwrap();
        assert_no_payload(&catalog, "catalog");
        let error = renderer
            .render_error_page(&ErrorPageContext {
                lang,
                title: "<script>alert(1)</script>",
                message: "\" onmouseover=\"alert(1)",
                details: &["</pre><script>alert(1)</script>".to_owned()],
                urls: &Urls::default(),
            })
            .unwrap();
        assert_no_payload(&error, "error page");
    }
}

#[test]
fn hostile_ids_and_keys_from_a_hand_made_artifact_stay_text() {
    // An artifact from another state is checked for its hash, not for its taste: ids,
    // keys and page ids may hold anything the JSON can.
    let mut model: FormModel = xss_form().model().clone();
    let evil = "x\" onmouseover=\"alert(1)<script>";
    model.id = evil.to_owned();
    model.pages[1].id = format!("p{evil}");
    for item in &mut model.pages[0].items {
        if let Item::Field(f) = item {
            if f.id == "zahl" {
                // Referenced by `summe`: keep it.
                continue;
            }
            if f.id == "notiz" {
                f.id = format!("n{evil}");
            }
        }
    }
    model.languages.push(evil.to_owned());
    let form = Form::new(model).expect("the model still loads");
    let data = json!({ format!("n{evil}"): "</textarea><script>alert(1)</script>" });
    let html = render_page(&form, "seite1", "de", &data, &[]);
    assert_no_payload(&html, "hostile ids");
    let html = render_page(&form, &format!("p{evil}"), evil, &data, &[]);
    assert_no_payload(&html, "hostile page id");
}

// ---------------------------------------------------------------------------------------
// Protocols: repeats, booleans, conditionals, errors.

const FAMILY: &str = r#"form familie {
  version "1.0.0"
  title "Familie"
  publisher "HE"
  languages de, en
  page eltern "Eltern" {
    field alleinerziehend: boolean { label "Ich bin alleinerziehend" }
    field partner: text { label "Name des Partners" visible when alleinerziehend == false required }
  }
  page kinder_seite "Kinder" {
    field anzahl_geplant: integer { label "Anzahl" min 0 }
    group kinder "Kind" repeat 1..3 {
      field name: text { label "Name" required }
      field geboren: date { label "Geburtsdatum" }
    }
    field hinweis: text { label "Hinweis" visible when alleinerziehend == true }
    check count(kinder) <= 2 or anzahl_geplant > 0 message "Bitte geben Sie die geplante Anzahl an."
  }
}"#;

#[test]
fn repeated_groups_work_without_javascript() {
    let form = compile_str(FAMILY);
    // No data: the minimum of one entry, with add but no remove.
    let html = render_page(&form, "kinder_seite", "de", &json!({}), &[]);
    check_structure(&html);
    assert!(html.contains("name=\"kinder.0.name\""));
    assert!(!html.contains("kinder.1.name"));
    assert!(html.contains("value=\"add:kinder\""));
    assert!(!html.contains("value=\"remove:"));
    assert!(html.contains(
        "<legend class=\"efa-fieldset__legend efa-fieldset__legend--s\">Kind 1</legend>"
    ));
    // The hidden default button comes before every other submit button.
    let first_submit = html.find("type=\"submit\"").unwrap();
    assert!(html[first_submit..].starts_with("type=\"submit\" name=\"_action\" value=\"next\""));

    // Three entries: remove buttons on each, no add (max reached).
    let data = json!({ "kinder": [ {"name": "A"}, {"name": "B"}, {"name": "C", "geboren": "2020-02-30"} ] });
    let errors = errors_for_page(&form, "kinder_seite", &validate(&form, &data, "de"));
    let html = render_page(&form, "kinder_seite", "de", &data, &errors);
    check_structure(&html);
    assert!(html.contains("value=\"remove:kinder.2\""));
    assert!(!html.contains("value=\"add:kinder\""));
    // The invalid date stays visible as text.
    assert!(html.contains("type=\"text\" id=\"f-kinder-2-geboren\" name=\"kinder.2.geboren\""));
    assert!(html.contains("value=\"2020-02-30\""));
    // The failed page check is shown at the field it reads on this page.
    assert!(html.contains("href=\"#f-anzahl_geplant\">Bitte geben Sie die geplante Anzahl an.</a>"));
    insta::assert_snapshot!("familie__kinder_three_with_errors", html);
}

#[test]
fn boolean_checkbox_posts_false_when_unchecked() {
    let form = compile_str(FAMILY);
    let html = render_page(
        &form,
        "eltern",
        "de",
        &json!({ "alleinerziehend": true }),
        &[],
    );
    let hidden = html
        .find("<input type=\"hidden\" name=\"alleinerziehend\" value=\"false\">")
        .unwrap();
    let checkbox = html
        .find("type=\"checkbox\" id=\"f-alleinerziehend\" name=\"alleinerziehend\"")
        .unwrap();
    assert!(hidden < checkbox, "the hidden false comes first");
    assert!(html.contains("value=\"true\" checked>"));
}

#[test]
fn conditional_fields_on_the_same_page_render_hidden_ones_marked() {
    let form = compile_str(FAMILY);
    // `partner` depends on a field of its own page: rendered while hidden, marked.
    let html = render_page(
        &form,
        "eltern",
        "de",
        &json!({ "alleinerziehend": true }),
        &[],
    );
    assert!(html.contains("data-efa-conditional=\"&#x2f;partner\" data-efa-visible=\"false\""));
    assert!(html.contains("Nur ausfüllen, wenn es auf Sie zutrifft."));
    let html = render_page(
        &form,
        "eltern",
        "de",
        &json!({ "alleinerziehend": false }),
        &[],
    );
    assert!(html.contains("data-efa-conditional=\"&#x2f;partner\" data-efa-visible=\"true\""));
    assert!(!html.contains("Nur ausfüllen"));
    // `hinweis` depends on an earlier page only: left out while hidden, shown when visible.
    let html = render_page(
        &form,
        "kinder_seite",
        "de",
        &json!({ "alleinerziehend": false }),
        &[],
    );
    assert!(!html.contains("name=\"hinweis\""));
    let html = render_page(
        &form,
        "kinder_seite",
        "de",
        &json!({ "alleinerziehend": true }),
        &[],
    );
    assert!(html.contains("name=\"hinweis\""));
}

#[test]
fn errors_are_mapped_to_their_page() {
    let form = pstu();
    let data = json!({ "unbekannt": 1, "anschrift": { "plz": "1" }, "anzahl": 99 });
    let errors = validate(&form, &data, "de");
    let p1 = errors_for_page(&form, "antragsteller", &errors);
    assert!(p1.iter().any(|e| e.path == "/anschrift/plz"));
    assert!(p1
        .iter()
        .any(|e| e.path.is_empty() && e.code == efa_core::ErrorCode::Check));
    assert!(p1
        .iter()
        .all(|e| e.path != "/unbekannt" && e.path != "/anzahl"));
    let p2 = errors_for_page(&form, "urkunde", &errors);
    assert!(p2.iter().any(|e| e.path == "/anzahl"));
    assert!(p2.iter().all(|e| !e.path.starts_with("/anschrift")));
    assert_eq!(
        efa_render::page_of_pointer(&form, "/eintrag/datum"),
        Some("angaben_eintrag")
    );
    assert_eq!(efa_render::page_of_pointer(&form, ""), None);
}

#[test]
fn unknown_page_is_an_error() {
    let form = pstu();
    let err = Renderer::new()
        .render_page(&form, "nope", &PageContext::new(today()))
        .unwrap_err();
    assert!(matches!(err, RenderError::UnknownPage { .. }));
    assert!(err.to_string().contains("antragsteller, urkunde"));
}

#[test]
fn autocomplete_and_input_modes() {
    let form = pstu();
    let html = render_page(&form, "antragsteller", "de", &json!({}), &[]);
    for (name, token) in [
        ("vorname", "given-name"),
        ("familienname", "family-name"),
        ("geburtsdatum", "bday"),
        ("anschrift.strasse", "address-line1"),
        ("anschrift.plz", "postal-code"),
        ("anschrift.ort", "address-level2"),
        ("email", "email"),
        ("telefon", "tel"),
    ] {
        let at = html
            .find(&format!("name=\"{name}\""))
            .unwrap_or_else(|| panic!("{name}"));
        let tag_end = at + html[at..].find('>').unwrap();
        assert!(
            html[at..tag_end].contains(&format!("autocomplete=\"{token}\"")),
            "{name}: {}",
            &html[at..tag_end]
        );
    }
    assert!(html.contains("type=\"date\" id=\"f-geburtsdatum\""));
    assert!(html.contains("type=\"email\" id=\"f-email\""));
    assert!(html.contains("type=\"tel\" id=\"f-telefon\""));
    assert!(html.contains("inputmode=\"numeric\" autocomplete=\"postal-code\""));
    // Data about another person gets no autocomplete token.
    let html = render_page(&form, "angaben_eintrag", "de", &json!({}), &[]);
    assert!(!html.contains("autocomplete="));
    let html = render_page(&form, "urkunde", "de", &json!({}), &[]);
    assert!(html.contains(
        "name=\"anzahl\" aria-describedby=\"f-anzahl-hint\" value=\"1\" inputmode=\"numeric\""
    ));
}

// ---------------------------------------------------------------------------------------
// Theming.

#[test]
fn a_theme_overrides_templates_and_stylesheet() {
    let dir = std::env::temp_dir().join(format!("efa-render-theme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("efa.css"), "body { color: #123456 }").unwrap();
    std::fs::write(
        dir.join("base.html"),
        "{% import \"macros.html\" as m %}<!DOCTYPE html><html lang=\"{{ doc.lang }}\"><head><title>{{ doc.title }}</title>\
         <style>{{ doc.inline_css | safe }}</style></head><body><header>Hessen</header><main id=\"main\">{% block content %}{% endblock %}</main></body></html>",
    )
    .unwrap();
    // A theme file named .txt-like is escaped too: escaping does not depend on names.
    std::fs::write(dir.join("notes.txt"), "ignored").unwrap();
    let renderer = Renderer::with_theme(&dir).unwrap();
    assert_eq!(renderer.stylesheet(), "body { color: #123456 }");
    let form = xss_form();
    let html = renderer
        .render_page(&form, "seite1", &PageContext::new(today()))
        .unwrap();
    assert!(html.contains("<header>Hessen</header>"));
    assert!(html.contains("body { color: #123456 }"));
    assert!(html.contains("&lt;script&gt;alert(1)"), "still escaped");
    assert!(!html.contains("<script>alert"));

    std::fs::write(dir.join("page.html"), "{% if %}").unwrap();
    let err = Renderer::with_theme(&dir).unwrap_err();
    assert!(matches!(err, RenderError::Template(_)), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(matches!(
        Renderer::with_theme(&dir).unwrap_err(),
        RenderError::ThemeIo { .. }
    ));
}

#[test]
fn renderer_is_shareable() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Renderer>();
}

// ---------------------------------------------------------------------------------------
// Posting a page back.

use efa_render::{apply_page_post, PageAction};

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

/// What a browser posts for a rendered page when the "Weiter" button is pressed.
fn posted_pairs(html: &str) -> Vec<(String, String)> {
    let form_start = html.find("<form").unwrap();
    let form = &html[form_start..html.find("</form>").unwrap()];
    let tags = scan(form);
    let mut pairs = Vec::new();
    let mut select: Option<String> = None;
    for t in &tags {
        let name = t.attrs.get("name").map(|n| unescape(n));
        match (t.name.as_str(), t.closing) {
            ("input", false) => {
                let ty = t.attrs.get("type").map(String::as_str).unwrap_or("text");
                let Some(name) = name else { continue };
                let value = unescape(t.attrs.get("value").map(String::as_str).unwrap_or(""));
                match ty {
                    "checkbox" | "radio" if !t.attrs.contains_key("checked") => {}
                    "file" => {}
                    _ => pairs.push((name, value)),
                }
            }
            ("textarea", false) => {
                let id = t.attrs.get("id").unwrap();
                let open = form.find(&format!("id=\"{id}\"")).unwrap();
                let start = open + form[open..].find('>').unwrap() + 1;
                let end = start + form[start..].find("</textarea>").unwrap();
                let text = form[start..end]
                    .strip_prefix('\n')
                    .unwrap_or(&form[start..end]);
                pairs.push((name.unwrap(), unescape(text)));
            }
            ("select", false) => select = name,
            ("select", true) => select = None,
            ("option", false) if t.attrs.contains_key("selected") => {
                pairs.push((select.clone().unwrap(), unescape(&t.attrs["value"])));
            }
            _ => {}
        }
    }
    pairs.push(("_action".to_owned(), "next".to_owned()));
    pairs
}

#[test]
fn posting_a_rendered_page_gives_back_its_data() {
    let form = pstu();
    let opts = ValidateOptions::new(today());
    for (name, sample) in samples()
        .into_iter()
        .filter(|(n, _)| n.starts_with("valid-"))
    {
        let expected = form.validate(&sample, &opts).data;
        // Start from the sample (files are uploaded separately) with every posted field
        // of each page cleared first: the post alone must bring the values back.
        let mut draft = sample.clone();
        for page in &form.model().pages {
            let html = render_page(&form, &page.id, "de", &sample, &[]);
            let pairs = posted_pairs(&html);
            let post = apply_page_post(&form, &page.id, &draft, &pairs, today());
            assert_eq!(post.action, PageAction::Next);
            draft = post.data;
        }
        let got = form.validate(&draft, &opts);
        assert!(got.valid, "{name}: {:?}", got.errors);
        assert_eq!(got.data, expected, "{name}");
    }
}

#[test]
fn posted_values_are_read_by_type() {
    let form = compile_str(FAMILY);
    let pairs = |p: &[(&str, &str)]| -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    };
    // Booleans: the hidden `false` and the checkbox's `true`.
    let post = apply_page_post(
        &form,
        "eltern",
        &json!({}),
        &pairs(&[
            ("alleinerziehend", "false"),
            ("alleinerziehend", "true"),
            ("_csrf", "x"),
        ]),
        today(),
    );
    assert_eq!(post.data, json!({ "alleinerziehend": true }));
    let post = apply_page_post(
        &form,
        "eltern",
        &json!({ "alleinerziehend": true }),
        &pairs(&[("alleinerziehend", "false"), ("partner", " Bob ")]),
        today(),
    );
    // `partner` is shown while hidden (its condition reads this page), so it is taken.
    assert_eq!(
        post.data,
        json!({ "alleinerziehend": false, "partner": "Bob" })
    );

    // Numbers the German way, entries within those shown, add and remove.
    let draft = json!({ "kinder": [ { "name": "A" } ], "alleinerziehend": false });
    let post = apply_page_post(
        &form,
        "kinder_seite",
        &draft,
        &pairs(&[
            ("anzahl_geplant", "1.000"),
            ("kinder.0.name", "B"),
            ("kinder.0.geboren", ""),
            ("kinder.5.name", "ignored"),
            ("vorname", "not on this page"),
            ("_action", "add:kinder"),
        ]),
        today(),
    );
    assert_eq!(post.action, PageAction::Add("kinder".to_owned()));
    assert_eq!(
        post.data,
        json!({ "kinder": [ { "name": "B" }, {} ], "alleinerziehend": false, "anzahl_geplant": 1000 })
    );
    let post = apply_page_post(
        &form,
        "kinder_seite",
        &post.data,
        &pairs(&[
            ("anzahl_geplant", "zwei"),
            ("kinder.0.name", "B"),
            ("kinder.1.name", "C"),
            ("_action", "remove:kinder.0"),
        ]),
        today(),
    );
    assert_eq!(post.action, PageAction::Remove("kinder".to_owned(), 0));
    assert_eq!(
        post.data,
        json!({ "kinder": [ { "name": "C" } ], "alleinerziehend": false, "anzahl_geplant": "zwei" })
    );
    // The minimum stays: the last entry cannot be removed.
    let post = apply_page_post(
        &form,
        "kinder_seite",
        &post.data,
        &pairs(&[("kinder.0.name", "C"), ("_action", "remove:kinder.0")]),
        today(),
    );
    assert_eq!(post.data["kinder"], json!([ { "name": "C" } ]));
}

#[test]
fn unposted_choices_are_cleared_and_money_is_read() {
    let form = compile_str(
        r#"form m { version "1.0.0" title "M" publisher "HE"
          list l { a "A" b "B" }
          page p "P" {
            field wahl: choice(l) { label "Wahl" }
            field viele: multichoice(l) { label "Viele" }
            field betrag: money { label "Betrag" }
          } }"#,
    );
    let post = apply_page_post(
        &form,
        "p",
        &json!({ "wahl": "a", "viele": ["a", "b"] }),
        &[("betrag".to_owned(), "1.234,50 €".to_owned())],
        today(),
    );
    assert_eq!(post.data, json!({ "betrag": 1234.5 }));
    let post = apply_page_post(
        &form,
        "p",
        &json!({}),
        &[
            ("viele".to_owned(), "b".to_owned()),
            ("viele".to_owned(), "a".to_owned()),
            ("betrag".to_owned(), "12.5".to_owned()),
        ],
        today(),
    );
    assert_eq!(post.data, json!({ "viele": ["b", "a"], "betrag": 12.5 }));
}

#[test]
fn a_check_of_the_whole_form_shows_on_the_last_page_it_reads() {
    // An adaptation's `add check` becomes a check of the whole form.
    let mut model = efa_dsl::compile_str(FAMILY).unwrap();
    let extra = efa_dsl::compile_str(
        r#"form x { version "1.0.0" title "X" publisher "HE"
          page p "P" { field alleinerziehend: boolean { label "A" }
                       field anzahl_geplant: integer { label "B" }
                       check not (alleinerziehend == true and anzahl_geplant > 3)
                         message "Höchstens drei geplante Kinder." } }"#,
    )
    .unwrap();
    let Some(Item::Check(check)) = extra.pages[0].items.last().cloned() else {
        panic!("no check");
    };
    model.checks.push(check);
    let form = Form::new(model).unwrap();
    let data = json!({ "alleinerziehend": true, "anzahl_geplant": 4, "kinder": [{ "name": "A" }] });
    let errors = validate(&form, &data, "de");
    assert!(errors
        .iter()
        .any(|e| e.message == "Höchstens drei geplante Kinder."));
    assert!(errors_for_page(&form, "eltern", &errors).is_empty());
    let on_page = errors_for_page(&form, "kinder_seite", &errors);
    assert_eq!(on_page.len(), 1);
    let html = render_page(&form, "kinder_seite", "de", &data, &on_page);
    check_structure(&html);
    assert!(html.contains("href=\"#f-anzahl_geplant\">Höchstens drei geplante Kinder.</a>"));
}
