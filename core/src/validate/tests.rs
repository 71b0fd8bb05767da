//! The one-pass walk of a linear form ([`Form::linear`]) must report what reading and
//! evaluating the whole submission first reports: both are run on the real forms'
//! artifacts and on `testdata/linear.form` (defaults and computed values inside groups
//! and items, a bound that reads its own field) with generated submissions, and their
//! results compared.

use proptest::prelude::*;
use serde_json::{json, Map, Value as Json};

use crate::model::{FieldType, FormModel, Item};
use crate::{Artifact, Form, ValidateOptions};

fn artifacts() -> Vec<FormModel> {
    [
        include_str!("../../../forms/personenstandsurkunde/personenstandsurkunde.form.json"),
        include_str!("../../../forms/bewohnerparkausweis/bewohnerparkausweis.form.json"),
        include_str!("../../../forms/gewerbeanmeldung/gewerbeanmeldung.form.json"),
        include_str!("testdata/linear.form.json"),
    ]
    .into_iter()
    .map(|text| Artifact::from_json(text).expect("a valid artifact").model)
    .collect()
}

/// A small deterministic generator (xorshift), seeded by proptest.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn number(text: &str) -> Json {
    serde_json::from_str(text).expect("a number")
}

/// A value for a field: mostly of its type, sometimes of another or empty.
fn value(rng: &mut Rng, ty: &FieldType, model: &FormModel) -> Json {
    if rng.below(8) == 0 {
        return [
            Json::Null,
            json!(""),
            json!(true),
            json!([]),
            json!({}),
            number("1.5"),
        ][rng.below(6)]
        .clone();
    }
    let keys = |list: &str| -> Vec<String> {
        model
            .list(list)
            .map(|l| l.options.iter().map(|o| o.key.clone()).collect())
            .unwrap_or_default()
    };
    match ty {
        FieldType::Integer | FieldType::Decimal | FieldType::Money => {
            number(rng.pick(&["0", "1", "2", "3", "5", "11", "100", "-1", "2.5", "12.50"]))
        }
        FieldType::Date => json!(rng.pick(&[
            "2020-02-29",
            "1990-05-01",
            "2026-11-25",
            "2030-01-01",
            "1900-01-01",
            "2024-02-30"
        ])),
        FieldType::Boolean => json!(rng.below(2) == 0),
        FieldType::Choice { list } => {
            let keys = keys(list);
            match keys.len() {
                0 => json!("other"),
                n => json!(keys[rng.below(n + 1).min(n - 1)]),
            }
        }
        FieldType::Multichoice { list } => {
            let keys = keys(list);
            Json::Array(
                (0..rng.below(3))
                    .filter_map(|_| keys.get(rng.below(keys.len() + 1)).map(|k| json!(k)))
                    .collect(),
            )
        }
        FieldType::Email => json!(rng.pick(&["anna@example.de", "bad@", "a.b@c.org"])),
        FieldType::Phone => json!(rng.pick(&["+49 361 123456", "12"])),
        FieldType::Iban => json!(rng.pick(&["DE89370400440532013000", "DE00370400440532013000"])),
        FieldType::Postcode => json!(rng.pick(&["99084", "9908"])),
        FieldType::File => {
            json!({"name": "a.pdf", "media_type": rng.pick(&["application/pdf", "image/png"]),
            "size": rng.below(20_000_000), "sha256": "0".repeat(64)})
        }
        _ => json!(rng.pick(&["000", "Anna", "x", "Ä ö", "G 1234/1985", "sonstiges", "ehe"])),
    }
}

/// A submission for items of a form or group: fields left out, keys out of order,
/// groups of the wrong kind, unknown keys.
fn object(rng: &mut Rng, items: &[&Item], model: &FormModel) -> Json {
    let mut m = Map::new();
    for item in items {
        match item {
            Item::Field(f) if rng.below(8) != 0 => {
                m.insert(f.id.clone(), value(rng, &f.ty, model));
            }
            Item::Group(g) if rng.below(10) != 0 => {
                let inner: Vec<&Item> = g.items.iter().collect();
                let v = match (rng.below(12), g.repeat) {
                    (0, _) => json!("no object"),
                    (_, Some(_)) => Json::Array(
                        (0..rng.below(4))
                            .map(|_| match rng.below(10) {
                                0 => json!(3),
                                _ => object(rng, &inner, model),
                            })
                            .collect(),
                    ),
                    (_, None) => object(rng, &inner, model),
                };
                m.insert(g.id.clone(), v);
            }
            _ => {}
        }
    }
    if rng.below(8) == 0 {
        m.insert("unbekannt".into(), json!(1));
    }
    if rng.below(6) == 0 {
        let mut entries: Vec<(String, Json)> = m.into_iter().collect();
        for i in (1..entries.len()).rev() {
            entries.swap(i, rng.below(i + 1));
        }
        m = entries.into_iter().collect();
    }
    Json::Object(m)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn one_pass_reports_what_reading_everything_first_reports(seed in 1u64.., which in 0usize..4, en in any::<bool>()) {
        let model = artifacts().swap_remove(which);
        let one_pass = Form::new(model.clone()).expect("loads");
        let mut all_first = Form::new(model).expect("loads");
        prop_assert!(one_pass.linear, "the forms are linear");
        all_first.linear = false;
        let items: Vec<&Item> = one_pass.model().pages.iter().flat_map(|p| &p.items).collect();
        let mut rng = Rng(seed);
        let data = object(&mut rng, &items, one_pass.model());
        let opts = ValidateOptions {
            lang: en.then(|| "en".to_owned()),
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("a date"),
        };
        prop_assert_eq!(one_pass.validate(&data, &opts), all_first.validate(&data, &opts));
        prop_assert_eq!(one_pass.errors(&data, &opts), all_first.errors(&data, &opts));
    }
}

#[test]
fn a_form_read_ahead_of_the_walk_is_linear_and_one_that_aggregates_ahead_is_not() {
    let model = |postcode_visible: &str| -> FormModel {
        serde_json::from_value(json!({
            "id": "f", "version": "1.0.0", "title": {"de": "F"}, "publisher": "TH", "languages": ["de"],
            "pages": [{"id": "p", "title": {"de": "P"}, "items": [
                {"kind": "group", "id": "anschrift", "title": {"de": "A"}, "items": [
                    {"kind": "field", "id": "plz", "type": "postcode", "label": {"de": "PLZ"},
                     "required": "always", "visible": serde_json::from_str::<Json>(postcode_visible).expect("json")},
                    {"kind": "field", "id": "staat", "type": "text", "label": {"de": "Staat"}}
                ]},
                {"kind": "group", "id": "kinder", "title": {"de": "K"}, "repeat": {"min": 0},
                 "items": [{"kind": "field", "id": "name", "type": "text", "label": {"de": "N"}}]}
            ]}]
        }))
        .expect("a model")
    };
    let reads_later_field = r#"{"binary": {"op": "eq", "lhs": {"field": "anschrift.staat"}, "rhs": {"lit": {"text": "000"}}}}"#;
    let counts_later_group = r#"{"binary": {"op": "eq", "lhs": {"aggregate": {"func": "count", "group": "kinder"}}, "rhs": {"lit": {"number": "0"}}}}"#;
    let ahead = Form::new(model(reads_later_field)).expect("loads");
    assert!(ahead.linear);
    assert_eq!(
        ahead
            .container(ahead.nodes.iter().position(|n| n.key == "anschrift"))
            .early
            .len(),
        1
    );
    let opts = ValidateOptions::new(chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("a date"));
    let errors = |data: Json| -> Vec<String> {
        ahead
            .errors(&data, &opts)
            .into_iter()
            .map(|e| format!("{} {}", e.path, e.code.as_str()))
            .collect()
    };
    assert_eq!(
        errors(json!({"anschrift": {"staat": "000"}})),
        ["/anschrift/plz required"]
    );
    assert_eq!(
        errors(json!({"anschrift": {"staat": "040"}})),
        Vec::<String>::new()
    );
    assert!(!Form::new(model(counts_later_group)).expect("loads").linear);
}

/// Both walks on `testdata/linear.form`, with the result of the one-pass walk.
fn both(data: Json) -> crate::ValidationResult {
    let model = artifacts().swap_remove(3);
    let one_pass = Form::new(model.clone()).expect("loads");
    let mut all_first = Form::new(model).expect("loads");
    assert!(one_pass.linear);
    all_first.linear = false;
    let opts = ValidateOptions::new(chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("a date"));
    let r = one_pass.validate(&data, &opts);
    assert_eq!(r, all_first.validate(&data, &opts), "{data}");
    r
}

fn codes(r: &crate::ValidationResult) -> Vec<String> {
    r.errors
        .iter()
        .map(|e| format!("{} {}", e.path, e.code.as_str()))
        .collect()
}

#[test]
fn a_group_that_is_no_object_keeps_the_defaults_and_computed_values_inside() {
    // g.a defaults to 5 and g.c = a * 2 = 10: b is visible (and kept), page zwei is
    // shown, the fee is 5.00; only the group's type error is reported for it.
    let r = both(json!({"g": "x", "b": 1}));
    assert_eq!(codes(&r), ["/g type", "/q required"]);
    assert_eq!(r.data, json!({"b": 1}));
    assert_eq!(r.fees[0].amount.to_string(), "5.00");
}

#[test]
fn an_item_that_is_no_object_keeps_the_defaults_and_computed_values_inside() {
    // The bad item's k defaults to 1 (b2 visible, sum 1 + 3 > 3) and its d = 2 (fee).
    let r = both(json!({"g": {}, "b": 1, "q": "x",
        "kinder": [3, {"name": "A", "k": 3, "inner": {"w": "w"}}], "b2": 7}));
    assert_eq!(codes(&r), ["/kinder/0 type", " check"]);
    assert_eq!(r.data["b2"], json!(7));
    assert_eq!(r.fees[0].amount.to_string(), "7.00");
    // A nested group that is no object: its z defaults to 2 for the check of page zwei.
    let r = both(json!({"g": {}, "b": 1, "q": "x", "kinder": [{"name": "A", "inner": 7}]}));
    assert_eq!(codes(&r), ["/kinder/0/inner type"]);
}

#[test]
fn a_bound_that_reads_its_own_field_sees_the_value() {
    // max if(n > 10, 20, 100)
    assert_eq!(codes(&both(json!({"b": 1, "q": "x", "n": 25}))), ["/n max"]);
    assert_eq!(
        codes(&both(json!({"b": 1, "q": "x", "n": 15}))),
        Vec::<String>::new()
    );
    assert_eq!(codes(&both(json!({"b": 1, "q": "x", "n": 0}))), ["/n min"]);
}
