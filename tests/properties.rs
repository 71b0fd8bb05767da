//! Property tests of the foundation: the compiler never panics on mutated real forms,
//! the validator never panics on arbitrary JSON, and building is deterministic.

use std::path::Path;

use efa_forms::core::{Artifact, Form, ValidateOptions};
use proptest::prelude::*;

fn real_forms() -> Vec<String> {
    let mut out = vec![include_str!("../dsl/tests/spec_example.form").to_owned()];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("forms");
    for dir in std::fs::read_dir(root).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let p = f.path();
            if p.extension().is_some_and(|e| e == "form") {
                out.push(std::fs::read_to_string(p).expect("readable form"));
            }
        }
    }
    out
}

/// Arbitrary JSON, nested a few levels, with keys drawn partly from the form's own ids.
fn arb_json(keys: Vec<String>) -> impl Strategy<Value = serde_json::Value> {
    let key = prop_oneof![proptest::sample::select(keys), "[a-z_]{1,8}",];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number)),
        "\\PC{0,20}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("2024-02-29")),
        Just(serde_json::Value::from("ehe")),
        Just(serde_json::Value::from("99084")),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn ids_of(source: &str) -> Vec<String> {
    source
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| w.len() > 1 && w.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        .map(str::to_owned)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// Deleting, duplicating or replacing a slice of a real form never panics the compiler.
    #[test]
    fn compiler_never_panics_on_mutated_forms(
        which in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        len in 0usize..40,
        op in 0u8..3,
        insert in "[ -~\n]{0,12}",
    ) {
        let forms = real_forms();
        let src = &forms[which.index(forms.len())];
        let mut bytes = src.as_bytes().to_vec();
        let start = at.index(bytes.len());
        let end = (start + len).min(bytes.len());
        match op {
            0 => { bytes.drain(start..end); }
            1 => { let dup: Vec<u8> = bytes[start..end].to_vec(); bytes.splice(start..start, dup); }
            _ => { bytes.splice(start..end, insert.bytes()); }
        }
        let mutated = String::from_utf8_lossy(&bytes);
        let _ = efa_forms::dsl::compile_str(&mutated);
    }

    /// The validator (and the evaluation for pages) never panics on arbitrary JSON.
    #[test]
    fn validator_never_panics(data in arb_json(ids_of(include_str!("../forms/personenstandsurkunde/personenstandsurkunde.form")))) {
        let model = efa_forms::dsl::compile_str(include_str!("../forms/personenstandsurkunde/personenstandsurkunde.form"))
            .expect("the real form compiles");
        let form = Form::new(model).expect("loads");
        let opts = ValidateOptions::new(chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("date"));
        let r = form.validate(&data, &opts);
        prop_assert_eq!(r.valid, r.errors.is_empty());
        prop_assert_eq!(&form.validate_owned(data.clone(), &opts), &r);
        let _ = form.evaluate(&data, &opts);
    }
}

#[test]
fn build_is_deterministic_and_round_trips() {
    for src in real_forms() {
        let a = Artifact::new(efa_forms::dsl::compile_str(&src).expect("compiles")).to_json();
        let b = Artifact::new(efa_forms::dsl::compile_str(&src).expect("compiles")).to_json();
        assert_eq!(a, b, "two builds differ");
        let loaded = Artifact::from_json(&a).expect("loads back");
        assert_eq!(loaded.to_json(), a, "load and save changes the artifact");
    }
}

#[test]
fn tampered_artifacts_are_refused() {
    let src = include_str!("../dsl/tests/spec_example.form");
    let json = Artifact::new(efa_forms::dsl::compile_str(src).expect("compiles")).to_json();
    let tampered = json.replacen("Vorname", "Rufname", 1);
    assert!(matches!(
        Artifact::from_json(&tampered),
        Err(efa_forms::core::ArtifactError::HashMismatch { .. })
    ));
    let other_format = json.replacen("efa-form/1", "efa-form/9", 1);
    assert!(matches!(
        Artifact::from_json(&other_format),
        Err(efa_forms::core::ArtifactError::UnknownFormat { .. })
    ));
}

#[test]
fn deep_and_large_submissions_are_answered() {
    let model = efa_forms::dsl::compile_str(include_str!("../dsl/tests/spec_example.form"))
        .expect("compiles");
    let form = Form::new(model).expect("loads");
    let opts = ValidateOptions::new(chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("date"));
    // 100,000 repeat items: an answer (repeat_max), quickly.
    let items: Vec<serde_json::Value> = (0..100_000)
        .map(|i| serde_json::json!({"name": format!("K{i}"), "geboren": "2020-01-01"}))
        .collect();
    let r = form.validate(&serde_json::json!({ "kinder": items }), &opts);
    assert!(r.errors.iter().any(|e| e.code.as_str() == "repeat_max"));
    // 100,000 unknown keys.
    let wide: serde_json::Map<String, serde_json::Value> = (0..100_000)
        .map(|i| (format!("k{i}"), serde_json::Value::Null))
        .collect();
    let r = form.validate(&serde_json::Value::Object(wide), &opts);
    assert!(
        r.errors
            .iter()
            .filter(|e| e.code.as_str() == "unknown")
            .count()
            == 100_000
    );
}
