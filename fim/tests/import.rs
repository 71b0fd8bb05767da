//! `efa import` (SPEC section 9) end to end through the library: every valid
//! XDatenfelder sample imports into a form that compiles, loads, renders and accepts a
//! generated submission; the generated sources are snapshotted; every invalid sample is
//! refused with the element and its line; mutated samples never make it panic.
//!
//! The samples are copies of `../shared/fim/` (EUPL-1.2 test data of
//! flxbe/xdatenfelder-xml, see `tests/samples/SOURCE.md`), so the tests do not depend on
//! the shared folder; `tests/cases/` holds documents written for these tests.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use efa_core::expr::{Expr, Lit};
use efa_core::model::{Field, FieldType, FormModel, Item, Required};
use efa_core::{Form, ValidateOptions};
use efa_fim::{import, parse_codelist, ImportError, Options};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const VALID: &[&str] = &[
    "v2/minimal",
    "v2/simple",
    "v2/select",
    "v2/rule",
    "v2/label",
    "v2/data-field-rule",
    "v2/data-group-rule",
    "v3/simple",
    "v3/input",
];

/// Each refused sample: (file, line, element, a part of the message).
const INVALID: &[(&str, u32, &str, &str)] = &[
    (
        "v2/unknown-namespace",
        2,
        "xdf:xdatenfelder.stammdatenschema.0102",
        "unknown namespace `urn:xoev-de:fim:standard:xdatenfelder_unknown`",
    ),
    (
        "v2/duplicate-optional-value",
        15,
        "xdf:beschreibung",
        "given twice in xdf:stammdatenschema (first at line 14)",
    ),
    (
        "v2/duplicate-required-value",
        13,
        "xdf:name",
        "given twice in xdf:stammdatenschema (first at line 12)",
    ),
    (
        "v3/unknown-namespace",
        2,
        "xdf:xdatenfelder.datenfeldgruppe.0103",
        "unknown namespace",
    ),
    (
        "v3/duplicate-id-node",
        11,
        "xdf:id",
        "given twice in xdf:identifikation",
    ),
    ("v3/empty-id-node", 10, "xdf:id", "empty"),
    (
        "v3/missing-id-node",
        9,
        "xdf:identifikation",
        "missing xdf:id",
    ),
    (
        "v3/invalid-freigabestatus",
        18,
        "code",
        "invalid code `10` for xdf:freigabestatus",
    ),
    (
        "v3/unexpected-node",
        11,
        "xdf:unknown",
        "unexpected element in xdf:identifikation",
    ),
];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

fn read(rel: &str) -> Vec<u8> {
    let path = dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn sample(name: &str) -> Vec<u8> {
    read(&format!("samples/{name}.xml"))
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date")
}

/// Compiles, loads, renders the first page and validates a generated submission.
fn check_form(name: &str, source: &str) -> Form {
    let model = efa_dsl::compile_str(source).unwrap_or_else(|diags| {
        panic!("{name}: the imported form does not compile: {diags:#?}\n{source}")
    });
    let form = Form::new(model).unwrap_or_else(|e| panic!("{name}: does not load: {e}"));
    let first = form.model().pages[0].id.clone();
    let html = efa_render::Renderer::new()
        .render_page(&form, &first, &efa_render::PageContext::new(today()))
        .unwrap_or_else(|e| panic!("{name}: the first page does not render: {e}"));
    assert!(html.contains("<form"), "{name}: {html}");
    let data = submission(form.model());
    let result = form.validate(&data, &ValidateOptions::new(today()));
    assert!(
        result.valid,
        "{name}: the generated submission {data} is invalid: {:#?}",
        result.errors
    );
    form
}

// ------------------------------------------------------------------ a generic submission

/// A submission that fills every required field (and one entry of every repeated
/// group) with a valid value of its type.
fn submission(model: &FormModel) -> Value {
    let mut obj = Map::new();
    for page in &model.pages {
        fill(&page.items, model, &mut obj);
    }
    Value::Object(obj)
}

fn fill(items: &[Item], model: &FormModel, obj: &mut Map<String, Value>) {
    for item in items {
        match item {
            Item::Field(f) if f.value.is_none() && matches!(f.required, Some(Required::Always)) => {
                obj.insert(f.id.clone(), value_for(f, model));
            }
            Item::Group(g) => {
                let mut inner = Map::new();
                fill(&g.items, model, &mut inner);
                let value = match &g.repeat {
                    None => Value::Object(inner),
                    Some(r) => {
                        let n = r.min.max(1).min(r.max.unwrap_or(u32::MAX));
                        Value::Array((0..n).map(|_| Value::Object(inner.clone())).collect())
                    }
                };
                obj.insert(g.id.clone(), value);
            }
            _ => {}
        }
    }
}

fn number(e: &Option<Expr>) -> Option<String> {
    match e {
        Some(Expr::Lit(Lit::Number(d))) => Some(d.to_string()),
        Some(Expr::Lit(Lit::Date(d))) => Some(d.format("%Y-%m-%d").to_string()),
        _ => None,
    }
}

fn value_for(f: &Field, model: &FormModel) -> Value {
    let first_key = |list: &str| {
        model
            .list(list)
            .and_then(|l| l.options.first())
            .map_or_else(|| "000".to_owned(), |o| o.key.clone())
    };
    match &f.ty {
        FieldType::Text | FieldType::Textarea => {
            let min = f.minlength.unwrap_or(1).max(1);
            let max = f.maxlength.unwrap_or(u64::MAX);
            let mut candidates = vec!["x".repeat(usize::try_from(min).unwrap_or(1))];
            candidates
                .extend(["12345", "12:30", "2024-05-01T12:30", "+49 30 1234"].map(str::to_owned));
            let fits = |c: &String| {
                let n = c.chars().count() as u64;
                let pattern_ok = f
                    .pattern
                    .as_ref()
                    .is_none_or(|p| efa_core::pattern_matches(&p.regex, c).unwrap_or(false));
                n >= min && n <= max && pattern_ok
            };
            let pick = candidates.into_iter().find(fits);
            json!(pick.unwrap_or_else(|| panic!("no sample value for {}", f.id)))
        }
        FieldType::Integer | FieldType::Decimal | FieldType::Money => {
            let v = number(&f.min).unwrap_or_else(|| "1".to_owned());
            serde_json::from_str(&v).expect("a number")
        }
        FieldType::Date => json!(number(&f.min).unwrap_or_else(|| "2024-05-01".to_owned())),
        FieldType::Boolean => json!(true),
        FieldType::Choice { list } => json!(first_key(list)),
        FieldType::Multichoice { list } => json!([first_key(list)]),
        FieldType::Email => json!("a@example.org"),
        FieldType::Phone => json!("+49 30 123456"),
        FieldType::Iban => json!("DE89370400440532013000"),
        FieldType::Postcode => json!("12345"),
        FieldType::File => json!({
            "name": "nachweis.pdf",
            "media_type": f.accept.first().map_or("application/pdf", String::as_str),
            "size": 1000,
            "sha256": "0".repeat(64),
        }),
    }
}

// ------------------------------------------------------------------ the samples

#[test]
fn every_valid_sample_imports_into_a_working_form() {
    for name in VALID {
        let imported = import(&sample(name), &Options::default())
            .unwrap_or_else(|e| panic!("{name} is refused: {e}"));
        insta::assert_snapshot!(name.replace('/', "_"), imported.source);
        check_form(name, &imported.source);
        // The same document always gives the same source.
        let again = import(&sample(name), &Options::default()).expect("imports again");
        assert_eq!(again.source, imported.source, "{name}");
    }
}

#[test]
fn every_invalid_sample_is_refused_naming_element_and_line() {
    for (name, line, element, fragment) in INVALID {
        let e: ImportError = match import(&sample(name), &Options::default()) {
            Ok(i) => panic!("{name} was imported:\n{}", i.source),
            Err(e) => e,
        };
        assert_eq!(e.line, *line, "{name}: {e}");
        assert_eq!(e.element, *element, "{name}: {e}");
        assert!(e.message.contains(fragment), "{name}: {e}");
        assert_eq!(
            e.to_string(),
            format!("{}:{}: {}: {}", e.line, e.column, e.element, e.message)
        );
    }
}

#[test]
fn the_samples_are_the_shared_ones() {
    // CI lays shared/ beside the clone; without it there is nothing to compare.
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fim");
    if !shared.is_dir() {
        eprintln!("{} not found; comparison skipped", shared.display());
        return;
    }
    for name in VALID.iter().chain(INVALID.iter().map(|(n, ..)| n)) {
        let theirs = std::fs::read(shared.join(format!("{name}.xml"))).expect("shared sample");
        assert_eq!(sample(name), theirs, "{name} differs from shared/fim");
    }
}

#[test]
fn rules_become_comments_and_warnings() {
    let imported = import(&sample("v2/data-field-rule"), &Options::default()).expect("imports");
    assert!(imported
        .source
        .contains("    // Regel R60000037 version 1.2 \"MindestEineAngabe\": Eine Definition\n    //   script: function script() {}\n    field hinweis: text {"));
    let w = &imported.warnings[0];
    assert_eq!(w.line, 60);
    assert_eq!(
        w.message,
        "rule R60000037 \"MindestEineAngabe\" kept as a comment: Eine Definition"
    );

    let imported = import(&sample("v3/simple"), &Options::default()).expect("imports");
    let rules: Vec<_> = imported
        .warnings
        .iter()
        .filter(|w| w.message.starts_with("rule R60000000019"))
        .map(|w| w.line)
        .collect();
    assert_eq!(rules, [49, 145], "{:#?}", imported.warnings);
}

// ------------------------------------------------------------------ every Feldart and Datentyp

#[test]
fn every_feldart_and_datentyp_maps() {
    let doc = read("cases/v3-alle-typen.xml");
    let imported = import(&doc, &Options::default()).expect("imports");
    insta::assert_snapshot!("v3_alle_typen", imported.source);
    let form = check_form("v3-alle-typen", &imported.source);
    let warnings: Vec<String> = imported
        .warnings
        .iter()
        .map(|w| format!("{}: {}", w.line, w.message))
        .collect();
    insta::assert_snapshot!("v3_alle_typen_warnings", warnings.join("\n"));

    // Without the code list's values any non-empty code is accepted.
    let mut data = submission(form.model());
    data["halter"]["staatsangehoerigkeit"] = json!("999");
    assert!(form.validate(&data, &ValidateOptions::new(today())).valid);
}

#[test]
fn a_codelist_file_gives_the_values() {
    let list = parse_codelist(&read("cases/staat.gc.xml")).expect("a genericode list");
    assert_eq!(list.len(), 3);
    let options = Options {
        codelists: vec![list],
        publisher: Some("TH".to_owned()),
    };
    let imported = import(&read("cases/v3-alle-typen.xml"), &options).expect("imports");
    assert!(imported.source.contains(
        "  list staatsangehoerigkeit codelist \"urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat\" version \"2023-02-24\" {\n    000 \"Deutschland\"\n    121 \"Albanien\"\n    123 \"Andorra\"\n  }\n"
    ), "{}", imported.source);
    assert!(imported.source.contains("  publisher \"TH\"\n"));
    assert!(!imported.source.contains("placeholder"));
    assert_eq!(
        imported.used_codelists,
        ["urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat"]
    );
    let form = check_form("v3-alle-typen with code list", &imported.source);
    let mut data = submission(form.model());
    data["halter"]["staatsangehoerigkeit"] = json!("999");
    let result = form.validate(&data, &ValidateOptions::new(today()));
    assert!(!result.valid);
    assert_eq!(result.errors[0].path, "/halter/staatsangehoerigkeit");
}

// ------------------------------------------------------------------ what is refused

/// A 3.0 group message around `inner` (elements of a datenfeldgruppe).
fn group_message(inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<xdf:xdatenfelder.datenfeldgruppe.0103 xmlns:xdf="urn:xoev-de:fim:standard:xdatenfelder_3.0.0">
  <xdf:header><xdf:nachrichtID>1</xdf:nachrichtID></xdf:header>
  <xdf:datenfeldgruppe>
    <xdf:identifikation><xdf:id>G1</xdf:id><xdf:version>1.0.0</xdf:version></xdf:identifikation>
    <xdf:name>Gruppe</xdf:name>
{inner}
  </xdf:datenfeldgruppe>
</xdf:xdatenfelder.datenfeldgruppe.0103>"#
    )
}

fn field_struct(anzahl: &str, feldart: &str, datentyp: &str, extra: &str) -> String {
    format!(
        r#"    <xdf:struktur>
      <xdf:anzahl>{anzahl}</xdf:anzahl>
      <xdf:enthaelt>
        <xdf:datenfeld>
          <xdf:identifikation><xdf:id>F1</xdf:id></xdf:identifikation>
          <xdf:name>Feld</xdf:name>
          <xdf:feldart><code>{feldart}</code></xdf:feldart>
          <xdf:datentyp><code>{datentyp}</code></xdf:datentyp>{extra}
        </xdf:datenfeld>
      </xdf:enthaelt>
    </xdf:struktur>"#
    )
}

fn refused(xml: &str) -> ImportError {
    match import(xml.as_bytes(), &Options::default()) {
        Ok(i) => panic!("imported:\n{}", i.source),
        Err(e) => e,
    }
}

#[test]
fn broken_documents_are_refused() {
    let e = refused("<xdf:a xmlns:xdf=\"urn:xoev-de:fim:standard:xdatenfelder_2\">\n<b></xdf:a>");
    assert_eq!((e.line, e.element.as_str()), (2, "xml"), "{e}");
    assert!(e.message.starts_with("malformed XML"), "{e}");

    let e = refused("<x:foo xmlns:x=\"urn:xoev-de:fim:standard:xdatenfelder_2\"/>");
    assert!(e.message.starts_with("unknown message type"), "{e}");

    let e = refused("<foo/>");
    assert!(e.message.contains("no namespace"), "{e}");

    let e = refused("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x/>");
    assert!(e.message.contains("DTD"), "{e}");

    let e = refused(&group_message(&field_struct("1:1", "slider", "text", "")));
    assert_eq!((e.line, e.element.as_str()), (13, "code"), "{e}");
    assert!(
        e.message.contains("invalid code `slider` for xdf:feldart"),
        "{e}"
    );

    let e = refused(&group_message(&field_struct("1:1", "input", "string", "")));
    assert!(
        e.message.contains("invalid code `string` for xdf:datentyp"),
        "{e}"
    );

    for anzahl in ["1", "x:1", "2:1", "0:0", "1:-1", "99999999999:*"] {
        let e = refused(&group_message(&field_struct(anzahl, "input", "text", "")));
        assert_eq!((e.line, e.element.as_str()), (8, "xdf:anzahl"), "{e}");
    }

    let e = refused(&group_message(
        "    <xdf:struktur><xdf:anzahl>1:1</xdf:anzahl><xdf:enthaelt/></xdf:struktur>",
    ));
    assert!(
        e.message.starts_with("empty: expected one xdf:datenfeld"),
        "{e}"
    );

    let e = refused(&group_message(
        "    <xdf:struktur><xdf:anzahl>1:1</xdf:anzahl></xdf:struktur>",
    ));
    assert!(e.message.contains("missing xdf:enthaelt"), "{e}");

    let e = refused(&group_message(
        "    <xdf:feldart><code>input</code></xdf:feldart>",
    ));
    assert_eq!(e.element, "xdf:feldart", "{e}");
    assert!(
        e.message
            .contains("unexpected element in xdf:datenfeldgruppe"),
        "{e}"
    );

    let e = refused(&group_message(&field_struct(
        "1:1",
        "input",
        "text",
        "\n          <xdf:feldart><code>select</code></xdf:feldart>",
    )));
    assert!(e.message.contains("given twice"), "{e}");
}

#[test]
fn nesting_and_size_are_bounded() {
    let mut inner = field_struct("1:1", "input", "text", "");
    for i in 0..40 {
        inner = format!(
            "<xdf:struktur><xdf:anzahl>1:1</xdf:anzahl><xdf:enthaelt><xdf:datenfeldgruppe>\
             <xdf:identifikation><xdf:id>G{i}</xdf:id></xdf:identifikation><xdf:name>G</xdf:name>\
             {inner}</xdf:datenfeldgruppe></xdf:enthaelt></xdf:struktur>"
        );
    }
    let e = refused(&group_message(&inner));
    assert!(e.message.contains("nested deeper than 32"), "{e}");

    let big = vec![b' '; efa_fim::MAX_INPUT_BYTES + 1];
    let e = import(&big, &Options::default()).expect_err("too large");
    assert!(e.message.contains("16 MiB"), "{e}");
}

#[test]
fn latin1_documents_are_read() {
    let xml = group_message(&field_struct("1:1", "input", "text", ""))
        .replace("UTF-8", "ISO-8859-1")
        .replace(
            "<xdf:name>Feld</xdf:name>",
            "<xdf:name>Gr\u{f6}\u{df}e</xdf:name>",
        );
    let bytes: Vec<u8> = xml
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("latin-1"))
        .collect();
    let imported = import(&bytes, &Options::default()).expect("imports");
    assert!(
        imported.source.contains("field groesse: text {"),
        "{}",
        imported.source
    );
    assert!(imported.source.contains("label \"Größe\""));
}

#[test]
fn ids_do_not_clash_with_each_other_or_keywords() {
    let fields = [
        field_struct("1:1", "input", "text", ""),
        field_struct("1:1", "input", "text", ""),
    ]
    .join("\n")
    .replace(
        "<xdf:name>Feld</xdf:name>",
        "<xdf:name>Größe / Maß</xdf:name>",
    );
    let keyword = field_struct("0:1", "input", "text", "").replace("Feld", "Required");
    let imported = import(
        group_message(&format!("{fields}\n{keyword}")).as_bytes(),
        &Options::default(),
    )
    .expect("imports");
    for id in [
        "field groesse_mass: text",
        "field groesse_mass_2: text",
        "field required_: text",
    ] {
        assert!(imported.source.contains(id), "{id}\n{}", imported.source);
    }
    check_form("ids", &imported.source);
}

// ------------------------------------------------------------------ hostile input

fn all_samples() -> Vec<Vec<u8>> {
    VALID
        .iter()
        .chain(INVALID.iter().map(|(n, ..)| n))
        .map(|n| sample(n))
        .chain([read("cases/v3-alle-typen.xml")])
        .collect()
}

proptest! {
    // 256 cases by default; PROPTEST_CASES=N runs more.

    /// Byte mutations of the samples: the import never panics, and whatever it accepts
    /// compiles.
    #[test]
    fn mutated_samples_never_panic(
        which in 0usize..19,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let samples = all_samples();
        let mut bytes = samples[which % samples.len()].clone();
        for (at, byte, how) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match how {
                0 => bytes[i] = byte,
                1 => { bytes.remove(i); }
                _ => bytes.insert(i, byte),
            }
        }
        if let Ok(imported) = import(&bytes, &Options::default()) {
            let compiled = efa_dsl::compile_str(&imported.source);
            prop_assert!(compiled.is_ok(), "{:#?}\n{}", compiled.err(), imported.source);
        }
    }
}
