//! `efa diff`: compatibility reports, as data and end to end.
//!
//! Each `tests/cases/diff/NAME.case` holds sections introduced by `--- NAME` lines:
//!
//! - `old` and `new`: two versions of a form (`.form` or `.adapt.form` sources);
//! - `base`, `base2` (optional): form sources whose compiled artifacts the adaptations
//!   in `old` / `new` can name as `"base.form.json"` / `"base2.form.json"`;
//! - `expect`: one line per change, `CLASS KIND PATH` (in any order; a line appears as
//!   often as the change is reported: two texts of one field are two lines), plus optionally
//!   `version_ok false` and `base OLD_VERSION -> NEW_VERSION`. `#` starts a comment.
//!
//! Lines before the first section describe the case. Every change kind of
//! `efa_core::diff::KINDS` must be expected by at least one case.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use efa_forms::core::diff::{self, Class, KINDS};
use efa_forms::core::model::FormModel;
use efa_forms::core::Artifact;
use efa_forms::dsl::{self, BaseLoader, SourceMap};

struct MapLoader(HashMap<String, String>);

impl BaseLoader for MapLoader {
    fn load(&mut self, path: &str) -> Result<String, String> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| format!("no base {path:?} in this case"))
    }
}

fn compile(name: &str, src: &str, loader: &mut MapLoader) -> FormModel {
    let mut sources = SourceMap::new();
    let file = sources.add(name, src);
    let c = dsl::compile_with(&sources, file, loader);
    match c.model {
        Some(m) => m,
        None => panic!(
            "{name} does not compile:\n{}",
            c.diagnostics
                .iter()
                .map(|d| format!(
                    "{}: {}[{}]: {}",
                    sources.location(d.span),
                    d.severity.as_str(),
                    d.code.as_str(),
                    d.message
                ))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn sections(text: &str) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = HashMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("--- ") {
            current = Some(name.trim().to_owned());
            out.entry(name.trim().to_owned()).or_default();
        } else if let Some(name) = &current {
            let s = out.entry(name.clone()).or_default();
            s.push_str(line);
            s.push('\n');
        }
    }
    out
}

fn case_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/diff");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/cases/diff")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "case"))
        .collect();
    files.sort();
    files
}

/// What a case expects.
struct Expect {
    /// Each change with how often it is expected.
    changes: BTreeMap<(String, String, String), usize>,
    version_ok: bool,
    base: Option<String>,
}

fn expectations(text: &str, name: &str) -> Expect {
    let mut e = Expect {
        changes: BTreeMap::new(),
        version_ok: true,
        base: None,
    };
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if line == "version_ok false" {
            e.version_ok = false;
            continue;
        }
        if let Some(b) = line.strip_prefix("base ") {
            e.base = Some(b.to_owned());
            continue;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(parts.len(), 3, "{name}: bad expect line {line:?}");
        assert!(
            KINDS.iter().any(|k| k.kind == parts[1]),
            "{name}: unknown kind {}",
            parts[1]
        );
        let triple = (parts[0].into(), parts[1].into(), parts[2].into());
        *e.changes.entry(triple).or_default() += 1;
    }
    e
}

/// Runs one case; returns the kinds it expects.
fn run_case(path: &Path) -> Result<BTreeSet<String>, String> {
    let name = path
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let text = std::fs::read_to_string(path).expect("read case");
    let s = sections(&text);
    let mut bases = HashMap::new();
    for (section, file) in [("base", "base.form.json"), ("base2", "base2.form.json")] {
        if let Some(src) = s.get(section) {
            let model = compile(
                &format!("{name}:{section}"),
                src,
                &mut MapLoader(HashMap::new()),
            );
            bases.insert(file.to_owned(), Artifact::new(model).to_json());
        }
    }
    let mut loader = MapLoader(bases);
    let old = compile(&format!("{name}:old"), &s["old"], &mut loader);
    let new = compile(&format!("{name}:new"), &s["new"], &mut loader);
    let expect = expectations(s.get("expect").map_or("", String::as_str), &name);
    let report = diff::diff(&old, &new);
    let mut got: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for c in &report.changes {
        let triple = (
            c.class.as_str().to_owned(),
            c.kind.to_owned(),
            c.path.clone(),
        );
        *got.entry(triple).or_default() += 1;
    }
    let mut problems = Vec::new();
    for (c, &n) in &expect.changes {
        let have = got.get(c).copied().unwrap_or(0);
        if have < n {
            problems.push(format!(
                "missing:    {} {} {} ({} of {n})",
                c.0,
                c.1,
                c.2,
                n - have
            ));
        }
    }
    for (c, &n) in &got {
        let want = expect.changes.get(c).copied().unwrap_or(0);
        if n > want {
            let messages: Vec<&str> = report
                .changes
                .iter()
                .filter(|x| x.kind == c.1 && x.path == c.2)
                .map(|x| x.message.as_str())
                .collect();
            problems.push(format!(
                "unexpected: {} {} {}   ({})",
                c.0,
                c.1,
                c.2,
                messages.join("; ")
            ));
        }
    }
    if report.version_ok != expect.version_ok {
        problems.push(format!("version_ok is {}", report.version_ok));
    }
    let breaking = expect.changes.keys().any(|c| c.0 == "breaking");
    if report.breaking != breaking {
        problems.push(format!("breaking is {}", report.breaking));
    }
    let base = report
        .base
        .as_ref()
        .map(|b| format!("{} -> {}", b.old_version, b.new_version));
    if base != expect.base {
        problems.push(format!("base is {base:?}, expected {:?}", expect.base));
    }
    for c in &report.changes {
        assert!(!c.message.contains('\n'), "{name}: message on two lines");
    }
    if problems.is_empty() {
        Ok(expect.changes.into_keys().map(|c| c.1).collect())
    } else {
        Err(format!("{name}:\n  {}", problems.join("\n  ")))
    }
}

#[test]
fn diff_cases() {
    let files = case_files();
    assert!(!files.is_empty());
    let mut covered = BTreeSet::new();
    let mut failures = Vec::new();
    for path in &files {
        match run_case(path) {
            Ok(kinds) => covered.extend(kinds),
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    let uncovered: Vec<&str> = KINDS
        .iter()
        .map(|k| k.kind)
        .filter(|k| !covered.contains(*k))
        .collect();
    assert!(uncovered.is_empty(), "no case expects: {uncovered:?}");
}

#[test]
fn every_kind_has_a_fixed_class_and_is_listed_once() {
    let mut seen = BTreeSet::new();
    for k in KINDS {
        assert!(seen.insert(k.kind), "{} listed twice", k.kind);
        assert!(k.kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        assert_eq!(diff::class_of(k.kind), k.class);
    }
    assert!(KINDS.iter().any(|k| k.class == Class::Breaking));
    assert!(KINDS.iter().any(|k| k.class == Class::Compatible));
}

#[test]
fn a_form_compared_with_itself_has_no_changes() {
    for entry in ["forms/personenstandsurkunde/personenstandsurkunde.form"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(entry);
        let Ok(src) = std::fs::read_to_string(&path) else {
            continue;
        };
        let model = compile(entry, &src, &mut MapLoader(HashMap::new()));
        let report = diff::diff(&model, &model);
        assert!(report.changes.is_empty(), "{:?}", report.changes);
        assert!(report.version_ok && !report.breaking);
    }
}

// ------------------------------------------------------------------ the command

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("efa-diff-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).expect("write");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn efa(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_efa"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run efa")
}

fn form(version: &str, fields: &str) -> String {
    format!(
        "form hund {{\n  version \"{version}\"\n  title \"Hund\"\n  publisher \"HE\"\n  page p \"P\" {{\n{fields}\n  }}\n}}\n"
    )
}

const NAME: &str = "    field name: text { label \"Name\" }";
const NAME_RASSE: &str =
    "    field name: text { label \"Name des Hundes\" }\n    field rasse: text { label \"Rasse\" }";
const RASSE: &str = "    field rasse: text { label \"Rasse\" }";

#[test]
fn diff_exit_codes_and_human_output() {
    let tmp = TempDir::new("cli");
    tmp.file("v1.form", &form("1.2.0", NAME));
    tmp.file("v1_1.form", &form("1.3.0", NAME_RASSE));
    tmp.file("v2_minor.form", &form("1.3.0", RASSE));
    tmp.file("v2.form", &form("2.0.0", RASSE));

    // Compatible: exit 0, one line per change, then the summary.
    let out = efa(&["diff", "v1.form", "v1_1.form"], &tmp.0);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert_eq!(
        lines[0],
        "compatible  text_changed  field name: label \"Name\" -> \"Name des Hundes\""
    );
    assert_eq!(lines[1], "compatible  field_added   field rasse: added");
    assert_eq!(lines[2], "2 changes (0 breaking); version 1.2.0 -> 1.3.0");
    assert!(out.stderr.is_empty());

    // Breaking without a new major version: exit 1 and an error.
    let out = efa(&["diff", "v1.form", "v2_minor.form"], &tmp.0);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("breaking    field_removed  field name: removed\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with(
        "2 changes (1 breaking); version 1.2.0 -> 1.3.0: a breaking change needs a new major version (2.0.0)\n"
    ), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "error: version 1.2.0 -> 1.3.0: a breaking change needs a new major version (2.0.0)\n"
    );

    // Breaking with a new major version: still exit 1, but no error.
    let out = efa(&["diff", "v1.form", "v2.form"], &tmp.0);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stderr.is_empty());
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("version 1.2.0 -> 2.0.0\n"));

    // The same form: no changes.
    let out = efa(&["diff", "v1.form", "v1.form"], &tmp.0);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "no changes; version 1.2.0 -> 1.2.0\n"
    );

    // A side that cannot be loaded: exit 2 with one line.
    tmp.file("broken.form", "form x {");
    for args in [
        ["diff", "v1.form", "missing.form"],
        ["diff", "broken.form", "v1.form"],
    ] {
        let out = efa(&args, &tmp.0);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn diff_json_and_artifacts_on_either_side() {
    let tmp = TempDir::new("json");
    tmp.file("v1.form", &form("1.2.0", NAME));
    tmp.file("v2.form", &form("1.3.0", RASSE));
    let out = efa(&["build", "v1.form", "-o", "v1.form.json"], &tmp.0);
    assert_eq!(out.status.code(), Some(0));

    let out = efa(&["diff", "v1.form.json", "v2.form", "--json"], &tmp.0);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["old_version"], "1.2.0");
    assert_eq!(v["new_version"], "1.3.0");
    assert_eq!(v["breaking"], true);
    assert_eq!(v["version_ok"], false);
    let changes = v["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 2);
    assert_eq!(
        changes[0],
        serde_json::json!({
            "class": "breaking",
            "kind": "field_removed",
            "path": "name",
            "message": "field name: removed"
        })
    );
    assert_eq!(changes[1]["class"], "compatible");
    assert_eq!(changes[1]["kind"], "field_added");
    assert!(v.get("base").is_none());
}

#[test]
fn diff_of_two_adaptations_names_the_base_versions() {
    let tmp = TempDir::new("adapt");
    std::fs::create_dir_all(tmp.0.join("th")).expect("mkdir");
    std::fs::create_dir_all(tmp.0.join("he")).expect("mkdir");
    let th = |version, fields| form(version, fields).replace("\"HE\"", "\"TH\"");
    tmp.file("th/v1.form", &th("1.2.0", NAME));
    tmp.file("th/v2.form", &th("1.3.0", NAME_RASSE));
    for v in ["v1", "v2"] {
        let out = efa(
            &[
                "build",
                &format!("th/{v}.form"),
                "-o",
                &format!("th/{v}.form.json"),
            ],
            &tmp.0,
        );
        assert_eq!(out.status.code(), Some(0));
    }
    let adapt = |base: &str| {
        format!(
            "adapt \"../th/{base}.form.json\" version \"^1.2\" {{\n  publisher \"HE\"\n  label name \"Rufname\"\n}}\n"
        )
    };
    tmp.file("he/old.adapt.form", &adapt("v1"));
    tmp.file("he/new.adapt.form", &adapt("v2"));
    let out = efa(&["diff", "he/old.adapt.form", "he/new.adapt.form"], &tmp.0);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "base TH hund 1.2.0 -> 1.3.0", "{stdout}");
    // The adapted label stays; only the new field shows.
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[1].ends_with("field rasse: added"));

    let out = efa(
        &["diff", "he/old.adapt.form", "he/new.adapt.form", "--json"],
        &tmp.0,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        v["base"],
        serde_json::json!({"id": "hund", "publisher": "TH", "old_version": "1.2.0", "new_version": "1.3.0"})
    );
}
