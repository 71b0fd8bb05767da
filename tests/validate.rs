//! Validation as data: every `tests/cases/validate/*.case` file (form, data, options,
//! expected errors) and every sample submission under `forms/` (valid-*.json must be
//! valid, invalid-*.json must report exactly the errors listed in invalid-*.expect).

use std::path::{Path, PathBuf};

use efa_forms::core::{Form, ValidateOptions, ValidationResult};

/// The day the samples are written for (tests/browser/complete.mjs serves them on it too).
fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("a date")
}

/// The sections of a `.case` file: `--- NAME` lines start one.
fn sections(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("--- ") {
            out.push((name.trim().to_owned(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

/// Expected `PATH CODE` lines (`""` is the empty path), or `valid`.
fn expected(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && *l != "valid")
        .map(|l| {
            let (path, code) = l.rsplit_once(' ').unwrap_or((l, ""));
            let path = if path.trim() == "\"\"" {
                ""
            } else {
                path.trim()
            };
            (path.to_owned(), code.trim().to_owned())
        })
        .collect()
}

fn got(r: &ValidationResult) -> Vec<(String, String)> {
    r.errors
        .iter()
        .map(|e| (e.path.clone(), e.code.as_str().to_owned()))
        .collect()
}

fn compile(source: &str, what: &Path) -> Form {
    let model = efa_forms::dsl::compile_str(source)
        .unwrap_or_else(|d| panic!("{}: the form does not compile: {d:#?}", what.display()));
    Form::new(model).unwrap_or_else(|e| panic!("{}: {e}", what.display()))
}

fn files(dir: &Path, pred: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.retain(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(pred));
    out.sort();
    out
}

#[test]
fn validation_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/validate");
    let cases = files(&dir, &|n| n.ends_with(".case"));
    assert!(
        cases.len() >= 20,
        "expected the validation cases in {}",
        dir.display()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let text = std::fs::read_to_string(case).expect("readable case");
        let secs = sections(&text);
        let get = |name: &str| {
            secs.iter()
                .find(|(n, _)| n == name)
                .map(|(_, b)| b.as_str())
        };
        let form = compile(get("form").expect("a form section"), case);
        let data: serde_json::Value =
            serde_json::from_str(get("data").expect("a data section")).expect("JSON data");
        let mut opts = ValidateOptions::new(today());
        if let Some(o) = get("options") {
            let o: serde_json::Value = serde_json::from_str(o).expect("JSON options");
            if let Some(l) = o.get("lang").and_then(|l| l.as_str()) {
                opts.lang = Some(l.to_owned());
            }
            if let Some(t) = o.get("today").and_then(|t| t.as_str()) {
                opts.today = efa_forms::core::value::parse_date(t).expect("a date in options");
            }
        }
        let want = expected(get("expect").expect("an expect section"));
        let result = form.validate(&data, &opts);
        assert_eq!(
            form.validate_owned(data.clone(), &opts),
            result,
            "{}: validate_owned differs from validate",
            case.display()
        );
        let have = got(&result);
        if have != want || result.valid != want.is_empty() {
            failures.push(format!(
                "{}:\n  expected {want:?}\n  got      {have:?}",
                case.file_name().unwrap_or_default().to_string_lossy()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Every `.form` and `.adapt.form` below `dir`, recursively.
fn form_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for p in files(dir, &|_| true) {
        if p.is_dir() {
            form_files(&p, out);
        } else if p.to_string_lossy().ends_with(".form") {
            out.push(p);
        }
    }
}

#[test]
fn forms_compile_and_samples_validate_as_marked() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("forms");
    let mut sources = Vec::new();
    form_files(&root, &mut sources);
    assert!(!sources.is_empty(), "no forms under {}", root.display());
    // The test forms of efa-core, whose artifacts beside them its unit tests read.
    form_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("core/src/validate/testdata"),
        &mut sources,
    );
    let mut checked = 0;
    let mut failures = Vec::new();
    for source in &sources {
        let loaded = match efa_forms::load_form(source) {
            Ok(l) => l,
            Err(e) => {
                failures.push(format!("{}: {e}", source.display()));
                continue;
            }
        };
        // A published base has its artifact beside it, and it must be up to date.
        let artifact = source.with_extension("form.json");
        if artifact.exists() {
            let built = efa_forms::core::Artifact::new(loaded.model().clone()).to_json();
            let committed = std::fs::read_to_string(&artifact).expect("readable artifact");
            if built != committed {
                failures.push(format!(
                    "{} is out of date: run `efa build {} -o {}`",
                    artifact.display(),
                    source.display(),
                    artifact.display()
                ));
            }
        }
        let samples = source.parent().expect("a folder").join("samples");
        for sample in files(&samples, &|n| n.ends_with(".json")) {
            let name = sample
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let data: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&sample).expect("readable"))
                    .expect("JSON sample");
            let r = loaded.form.validate(&data, &ValidateOptions::new(today()));
            assert_eq!(
                loaded
                    .form
                    .validate_owned(data.clone(), &ValidateOptions::new(today())),
                r,
                "{}: validate_owned differs from validate",
                sample.display()
            );
            checked += 1;
            if name.starts_with("valid-") {
                if !r.valid {
                    failures.push(format!(
                        "{}: expected valid, got {:?}",
                        sample.display(),
                        got(&r)
                    ));
                }
            } else if name.starts_with("invalid-") {
                let expect = sample.with_extension("expect");
                let want = std::fs::read_to_string(&expect)
                    .map(|t| expected(&t))
                    .unwrap_or_default();
                if r.valid || (!want.is_empty() && got(&r) != want) {
                    failures.push(format!(
                        "{}: expected {want:?}, got {:?}",
                        sample.display(),
                        got(&r)
                    ));
                }
            }
        }
    }
    assert!(checked > 0, "no samples found under forms/");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
