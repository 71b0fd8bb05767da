//! Adaptations as data (SPEC section 6).
//!
//! - `tests/cases/adapt/NAME/`: `base.form`, `x.adapt.form` and `expect` (`LINE:COL CODE`
//!   lines in reported order, or `ok`). The base is built into `base.form.json` in a temp
//!   copy of the folder first; a committed `*.form.json` in the folder (e.g. a tampered one)
//!   is used as it is.
//! - `tests/cases/upgrade/`: an adaptation written for 1.0 re-checked against 1.1
//!   (compatible) and 2.0 (breaking): `expect-1.1`, `expect-2.0`.

use std::path::{Path, PathBuf};

use efa_forms::core::Artifact;

fn temp_copy(dir: &Path, tag: &str) -> PathBuf {
    let to = std::env::temp_dir().join(format!(
        "efa-adapt-{}-{}-{tag}",
        std::process::id(),
        dir.file_name().unwrap_or_default().to_string_lossy()
    ));
    let _ = std::fs::remove_dir_all(&to);
    std::fs::create_dir_all(&to).expect("temp dir");
    for e in std::fs::read_dir(dir).expect("case folder").flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
        }
    }
    to
}

fn build(source: &Path, out: &Path) {
    let text = std::fs::read_to_string(source).expect("readable base");
    let model = efa_forms::dsl::compile_str(&text)
        .unwrap_or_else(|d| panic!("{} does not compile: {d:#?}", source.display()));
    std::fs::write(out, Artifact::new(model).to_json()).expect("write artifact");
}

/// `LINE:COL CODE` of each diagnostic, or `ok`.
fn outcome(adapt: &Path) -> Vec<String> {
    match efa_forms::load_form(adapt) {
        Ok(l) => {
            let mut v: Vec<String> = l
                .warnings
                .iter()
                .map(|d| {
                    let (line, col) = l.sources.line_col(d.span.file, d.span.start as usize);
                    format!("{line}:{col} {}", d.code)
                })
                .collect();
            if v.is_empty() {
                v.push("ok".to_owned());
            }
            v
        }
        Err(efa_forms::LoadError::Compile {
            diagnostics,
            sources,
            ..
        }) => diagnostics
            .iter()
            .map(|d| {
                let (line, col) = sources.line_col(d.span.file, d.span.start as usize);
                format!("{line}:{col} {}", d.code)
            })
            .collect(),
        Err(e) => vec![format!("load error: {e}")],
    }
}

fn expect_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|_| panic!("missing {}", path.display()))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn adaptation_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/adapt");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    assert!(
        dirs.len() >= 10,
        "expected adaptation cases in {}",
        root.display()
    );
    let mut failures = Vec::new();
    for dir in &dirs {
        let tmp = temp_copy(dir, "case");
        if tmp.join("base.form").exists() && !tmp.join("base.form.json").exists() {
            build(&tmp.join("base.form"), &tmp.join("base.form.json"));
        }
        let have = outcome(&tmp.join("x.adapt.form"));
        let want = expect_lines(&dir.join("expect"));
        if have != want {
            failures.push(format!(
                "{}:\n  expected {want:?}\n  got      {have:?}",
                dir.display()
            ));
        }
        let _ = std::fs::remove_dir_all(&tmp);
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}

#[test]
fn upgrade_compatible_then_breaking() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/upgrade");
    for (version, expect) in [
        ("v1.0.form", None),
        ("v1.1.form", Some("expect-1.1")),
        ("v2.0.form", Some("expect-2.0")),
    ] {
        let tmp = temp_copy(&dir, version);
        build(&tmp.join(version), &tmp.join("base.form.json"));
        let have = outcome(&tmp.join("adapter.adapt.form"));
        let want = match expect {
            Some(e) => expect_lines(&dir.join(e)),
            None => vec!["ok".to_owned()],
        };
        assert_eq!(have, want, "adapter against {version}");
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
