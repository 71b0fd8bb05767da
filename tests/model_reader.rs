//! Loading an artifact reads its model by hand (`FormModel::from_value`) and checks the
//! hash over the model as written, natively and in the browser alike. Here, for every
//! form the repository builds (the forms under `forms/`, `tests/` and `wasm/tests/forms`,
//! and the form of every `tests/cases/validate/*.case`):
//!
//! - the artifact `efa build` writes loads, and the hash over its model as written is
//!   the hash over the typed model (so every artifact keeps its hash);
//! - the hand-written reader gives the model serde's derived `Deserialize` gives;
//! - changed entry by entry (an entry removed, an unknown one added, a value of every
//!   JSON kind put in its place, a struct written as an array), the model fails on both
//!   readers with the same message, or reads the same on both.

use std::path::{Path, PathBuf};

use efa_forms::core::artifact::{canonical_bytes, model_hash};
use efa_forms::core::model::FormModel;
use efa_forms::core::Artifact;
use serde_json::{json, Value as Json};

/// Every file below `dir` whose name ends with `suffix`, recursively, sorted.
fn files(dir: &Path, suffix: &str, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            files(&p, suffix, out);
        } else if p.to_string_lossy().ends_with(suffix) {
            out.push(p);
        }
    }
}

/// The form of a `.case` file (its `--- form` section).
fn case_form(text: &str) -> Option<String> {
    let mut form: Option<String> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("--- ") {
            if form.is_some() {
                break;
            }
            if name.trim() == "form" {
                form = Some(String::new());
            }
        } else if let Some(f) = form.as_mut() {
            f.push_str(line);
            f.push('\n');
        }
    }
    form
}

/// Every model the repository builds, by where it comes from. Sources that do not
/// compile (the diagnostics tests) have none.
fn models() -> Vec<(String, FormModel)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    for dir in ["forms", "tests", "wasm/tests/forms"] {
        files(&root.join(dir), ".form", &mut sources);
    }
    let mut out = Vec::new();
    for source in sources {
        if let Ok(loaded) = efa_forms::load_form(&source) {
            out.push((source.display().to_string(), loaded.model().clone()));
        }
    }
    let mut cases = Vec::new();
    files(&root.join("tests/cases/validate"), ".case", &mut cases);
    for case in cases {
        let text = std::fs::read_to_string(&case).expect("readable case");
        let Some(form) = case_form(&text) else {
            continue;
        };
        if let Ok(model) = efa_forms::dsl::compile_str(&form) {
            out.push((case.display().to_string(), model));
        }
    }
    assert!(out.len() >= 100, "only {} models", out.len());
    out
}

fn serde_read(v: &Json) -> Result<FormModel, String> {
    serde_json::from_value(v.clone()).map_err(|e| e.to_string())
}

#[test]
fn every_artifact_keeps_its_hash_and_reads_as_serde_reads_it() {
    for (name, model) in models() {
        let text = Artifact::new(model.clone()).to_json();
        let read = Artifact::read(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(read.artifact.model, model, "{name}");
        assert_eq!(
            read.model_json.as_bytes(),
            canonical_bytes(&model),
            "{name}"
        );
        assert_eq!(read.artifact.hash, model_hash(&model), "{name}");
        let raw: Json = serde_json::from_str(&text).expect("JSON");
        assert_eq!(FormModel::from_value(&raw["model"]), Ok(model), "{name}");
    }
}

/// Values of every JSON kind, put in place of an entry.
fn kinds() -> Vec<Json> {
    let n = |t: &str| Json::Number(t.parse().expect("a number"));
    vec![
        Json::Null,
        json!(true),
        n("7"),
        n("-0"),
        n("-3"),
        n("1.5"),
        n("1e2"),
        n("99999999999999999999"),
        json!("x"),
        json!("text"),
        json!("2024-02-30"),
        json!([]),
        json!({}),
        json!({ "a": 1, "b": 2 }),
    ]
}

/// One change of a model, made in place.
type Change<'a> = &'a dyn Fn(&mut Json);

/// The model with one change at one place: calls `f` on each.
fn mutations(v: &Json, f: &mut dyn FnMut(Change<'_>)) {
    fn paths(v: &Json, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        out.push(at.clone());
        match v {
            Json::Object(m) => {
                for (k, c) in m {
                    at.push(k.clone());
                    paths(c, at, out);
                    at.pop();
                }
            }
            Json::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    at.push(i.to_string());
                    paths(c, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    fn at<'v>(v: &'v mut Json, path: &[String]) -> &'v mut Json {
        path.iter().fold(v, |v, k| match v {
            Json::Object(m) => m.get_mut(k).expect("a key"),
            Json::Array(a) => &mut a[k.parse::<usize>().expect("an index")],
            _ => unreachable!(),
        })
    }
    let mut all = Vec::new();
    paths(v, &mut Vec::new(), &mut all);
    // Large models: a spread sample of their places.
    let step = all.len().div_ceil(150).max(1);
    for path in all.into_iter().step_by(step) {
        let target = at(&mut v.clone(), &path).clone();
        for kind in kinds() {
            f(&|m: &mut Json| *at(m, &path) = kind.clone());
        }
        if let Json::Object(obj) = &target {
            for key in obj.keys() {
                f(&|m: &mut Json| {
                    if let Json::Object(o) = at(m, &path) {
                        o.shift_remove(key);
                    }
                });
            }
            f(&|m: &mut Json| {
                if let Json::Object(o) = at(m, &path) {
                    o.insert("colour".into(), json!(1));
                }
            });
            // A struct as the array of its fields, also one short and one long.
            let values: Vec<Json> = obj.values().cloned().collect();
            for n in [values.len().saturating_sub(1), values.len()] {
                let arr = Json::Array(values[..n].to_vec());
                f(&|m: &mut Json| *at(m, &path) = arr.clone());
            }
            let mut longer = values.clone();
            longer.push(Json::Null);
            f(&|m: &mut Json| *at(m, &path) = Json::Array(longer.clone()));
        }
    }
}

#[test]
fn changed_models_fail_with_serde_messages_or_read_alike() {
    let (mut compared, mut failed) = (0, 0);
    for (name, model) in models() {
        let value = serde_json::to_value(&model).expect("JSON");
        mutations(&value, &mut |change| {
            let mut m = value.clone();
            change(&mut m);
            let ours = FormModel::from_value(&m);
            let serde = serde_read(&m);
            assert_eq!(ours, serde, "{name}: {m}");
            compared += 1;
            failed += usize::from(serde.is_err());
        });
    }
    assert!(
        compared > 10_000 && failed > compared / 2,
        "{compared} compared, {failed} failed"
    );
}
