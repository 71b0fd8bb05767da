//! End-to-end tests of the `efa` binary: every command and every exit code path of
//! SPEC section 4, run as a separate process exactly as a user (or a CI script) would.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A small form with a parameter, a list, a group, a computed value using `age()`, a
/// `max today()` bound, a default and a fee.
const HUND: &str = r#"// Hundesteuer: a small test form.
form hundesteuer {
  version "1.0.0"
  title "Hundesteuer anmelden" en "Register a dog"
  publisher "HE"
  languages de, en

  param steuer: money = 90.00

  list rassen {
    mischling "Mischling" en "Mixed breed"
    dackel    "Dackel"    en "Dachshund"
  }

  page halter "Halter" en "Owner" {
    field name: text { label "Name" en "Name" required maxlength 50 }
    field geburtsdatum: date {
      label "Geburtsdatum" en "Date of birth"
      required
      max today()
    }
    field volljaehrig: boolean { label "Volljährig" en "Of age" value = age(geburtsdatum) >= 18 }
    group anschrift "Anschrift" en "Address" {
      field plz: postcode { label "Postleitzahl" en "Postcode" required }
    }
  }

  page hund "Hund" en "Dog" {
    field rasse: choice(rassen) { label "Rasse" en "Breed" required }
    field anzahl: integer { label "Anzahl" en "Number" required min 1 max 5 default 1 }
  }

  fee hundesteuer "Hundesteuer" en "Dog tax" = anzahl * steuer
}
"#;

/// Valid for [`HUND`] on 2026-06-01.
const VALID: &str = r#"{
  "name": "Erika Mustermann",
  "geburtsdatum": "2008-06-01",
  "anschrift": { "plz": "65183" },
  "rasse": "dackel",
  "anzahl": 2
}"#;

/// Two errors for [`HUND`]: no name, a postcode of four digits.
const INVALID: &str = r#"{
  "geburtsdatum": "1980-01-31",
  "anschrift": { "plz": "6518" },
  "rasse": "dackel"
}"#;

/// Three compile errors: an unknown type, an unknown list, an unknown field.
const BROKEN: &str = r#"form kaputt {
  version "1.0.0"
  title "Kaputt"
  publisher "HE"
  page p "Seite" {
    field a: txet { label "A" }
    field b: choice(farben) { label "B" }
    field c: integer { label "C" visible when d > 1 }
  }
}
"#;

// ------------------------------------------------------------------------- helpers

/// A fresh directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("efa-cli-test-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    /// Writes `text` to `name` in the directory and returns its path.
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write test file");
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn efa_command(args: &[&dyn AsRefOsStr]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_efa"));
    for a in args {
        cmd.arg(a.as_os());
    }
    cmd.env_remove("NO_COLOR");
    cmd
}

/// Runs `efa` with the arguments (stdin empty) and returns its output.
fn efa(args: &[&dyn AsRefOsStr]) -> Output {
    efa_command(args)
        .stdin(Stdio::null())
        .output()
        .expect("run efa")
}

/// Runs `efa` with `input` on stdin.
fn efa_stdin(args: &[&dyn AsRefOsStr], input: &str) -> Output {
    let mut child = efa_command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn efa");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait for efa")
}

/// Arguments may be `&str` or paths.
trait AsRefOsStr {
    fn as_os(&self) -> &std::ffi::OsStr;
}
impl AsRefOsStr for &str {
    fn as_os(&self) -> &std::ffi::OsStr {
        std::ffi::OsStr::new(self)
    }
}
impl AsRefOsStr for PathBuf {
    fn as_os(&self) -> &std::ffi::OsStr {
        self.as_os_str()
    }
}
impl AsRefOsStr for &Path {
    fn as_os(&self) -> &std::ffi::OsStr {
        self.as_os_str()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

#[track_caller]
fn assert_exit(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "exit code\n--- stdout\n{}\n--- stderr\n{}",
        stdout(o),
        stderr(o)
    );
    assert!(
        !stderr(o).contains("panicked"),
        "efa panicked:\n{}",
        stderr(o)
    );
}

/// Asserts stderr is exactly one non-empty line (the reason of an exit code 2).
#[track_caller]
fn assert_one_line_reason(o: &Output) {
    let err = stderr(o);
    assert_eq!(err.lines().count(), 1, "one line on stderr, got:\n{err}");
    assert!(err.starts_with("error: "), "got: {err}");
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// Is `line` of the shape `FILE:LINE:COL: error[EDDDD]: message`?
fn is_header(line: &str, file: &str, severity: &str) -> bool {
    let Some(rest) = line.strip_prefix(file).and_then(|r| r.strip_prefix(':')) else {
        return false;
    };
    let mut parts = rest.splitn(3, ':');
    let (Some(l), Some(c), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let Some(rest) = rest.strip_prefix(&format!(" {severity}[")) else {
        return false;
    };
    let code_ok = rest.len() > 8
        && rest.as_bytes()[0].is_ascii_uppercase()
        && numeric(&rest[1..5])
        && rest[5..].starts_with("]: ")
        && rest.len() > 8;
    numeric(l) && numeric(c) && code_ok
}

// ------------------------------------------------------------------------- check

#[test]
fn check_clean_form_exits_0_and_prints_no_diagnostics() {
    let dir = TempDir::new("check-clean");
    let form = dir.file("hund.form", HUND);
    let o = efa(&[&"check", &form]);
    assert_exit(&o, 0);
    assert_eq!(stdout(&o), "", "no diagnostics for a clean form");
    assert!(stderr(&o).contains("0 errors"), "summary: {}", stderr(&o));
}

#[test]
fn check_errors_exit_1_with_one_header_line_per_error() {
    let dir = TempDir::new("check-errors");
    let form = dir.file("kaputt.form", BROKEN);
    let o = efa(&[&"check", &form]);
    assert_exit(&o, 1);
    let out = stdout(&o);
    let name = form.display().to_string();
    let headers: Vec<&str> = out
        .lines()
        .filter(|l| is_header(l, &name, "error"))
        .collect();
    assert_eq!(headers.len(), 3, "all three errors are reported:\n{out}");
    assert!(
        out.contains("kaputt.form:6:"),
        "the unknown type on line 6:\n{out}"
    );
    assert!(
        out.contains("kaputt.form:7:"),
        "the unknown list on line 7:\n{out}"
    );
    assert!(
        out.contains("kaputt.form:8:"),
        "the unknown field on line 8:\n{out}"
    );
    // The first line of the output is a header, and a snippet follows it.
    assert!(is_header(out.lines().next().unwrap_or(""), &name, "error"));
    assert!(out.contains("txet"), "snippet shows the source:\n{out}");
    assert!(!out.contains('\u{1b}'), "no colour when piped:\n{out}");
    assert!(stderr(&o).contains("3 errors"), "summary: {}", stderr(&o));
}

#[test]
fn check_several_files_reports_all_and_fails_if_any_fails() {
    let dir = TempDir::new("check-several");
    let good = dir.file("hund.form", HUND);
    let bad = dir.file("kaputt.form", BROKEN);
    let o = efa(&[&"check", &good, &bad]);
    assert_exit(&o, 1);
    assert!(stderr(&o).contains("in 2 files"), "{}", stderr(&o));
    let o = efa(&[&"check", &good, &good]);
    assert_exit(&o, 0);
}

#[test]
fn check_unreadable_file_exits_2() {
    let dir = TempDir::new("check-missing");
    let missing = dir.path("nichtda.form");
    let o = efa(&[&"check", &missing]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("nichtda.form"), "{}", stderr(&o));
    // A directory cannot be read either.
    let o = efa(&[&"check", &dir.0.clone()]);
    assert_exit(&o, 2);
    // Unreadable wins over errors, and the other files are still checked.
    let bad = dir.file("kaputt.form", BROKEN);
    let o = efa(&[&"check", &bad, &missing]);
    assert_exit(&o, 2);
    assert!(stdout(&o).contains("error[E"), "{}", stdout(&o));
}

#[test]
fn check_refuses_files_over_16_mib() {
    let dir = TempDir::new("check-huge");
    let path = dir.path("riesig.form");
    let f = std::fs::File::create(&path).expect("create");
    f.set_len(17 * 1024 * 1024).expect("sparse file");
    let o = efa(&[&"check", &path]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("too large"), "{}", stderr(&o));
    assert_one_line_reason(&o);
}

#[test]
fn check_json_is_one_array_of_diagnostics() {
    let dir = TempDir::new("check-json");
    let bad = dir.file("kaputt.form", BROKEN);
    let good = dir.file("hund.form", HUND);
    let o = efa(&[&"check", &"--json", &good, &bad]);
    assert_exit(&o, 1);
    let v = json(&stdout(&o));
    let items = v.as_array().expect("an array");
    assert_eq!(items.len(), 3);
    let keys = [
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "severity",
        "code",
        "message",
        "labels",
        "hints",
    ];
    for d in items {
        let obj = d.as_object().expect("an object");
        let found: Vec<&str> = obj.keys().map(String::as_str).collect();
        assert_eq!(found, keys, "keys in order");
        assert_eq!(d["file"], bad.display().to_string());
        assert_eq!(d["severity"], "error");
        assert!(d["line"].as_u64().is_some_and(|l| (6..=8).contains(&l)));
        assert!(d["column"].as_u64().is_some_and(|c| c >= 1));
        assert!(d["end_line"].as_u64() >= d["line"].as_u64());
        let code = d["code"].as_str().expect("code");
        assert!(code.len() == 5 && code.starts_with('E'), "{code}");
        assert!(d["message"].as_str().is_some_and(|m| !m.is_empty()));
        for l in d["labels"].as_array().expect("labels") {
            let found: Vec<&str> = l
                .as_object()
                .expect("label")
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(
                found,
                [
                    "file",
                    "line",
                    "column",
                    "end_line",
                    "end_column",
                    "message"
                ]
            );
        }
        assert!(d["hints"].is_array());
    }
    // No summary in JSON mode, and a clean file gives an empty array.
    assert_eq!(stderr(&o), "");
    let o = efa(&[&"check", &"--json", &good]);
    assert_exit(&o, 0);
    assert_eq!(json(&stdout(&o)), serde_json::json!([]));
}

#[test]
fn check_accepts_artifacts_and_reports_a_tampered_one() {
    let dir = TempDir::new("check-artifact");
    let form = dir.file("hund.form", HUND);
    let art = dir.path("hund.form.json");
    assert_exit(&efa(&[&"build", &form, &"-o", &art]), 0);
    assert_exit(&efa(&[&"check", &art]), 0);

    let text = std::fs::read_to_string(&art).expect("artifact");
    let tampered = dir.file(
        "tampered.form.json",
        &text.replace("\"Hundesteuer anmelden\"", "\"Katzensteuer anmelden\""),
    );
    let o = efa(&[&"check", &tampered]);
    assert_exit(&o, 1);
    let out = stdout(&o);
    // At the artifact's "hash" entry, with the code of an artifact that does not load.
    let line = text
        .lines()
        .position(|l| l.trim_start().starts_with("\"hash\""))
        .expect("a hash entry")
        + 1;
    assert!(
        out.starts_with(&format!(
            "{}:{line}:3: error[E0024]: hash mismatch",
            tampered.display()
        )),
        "{out}"
    );
    let o = efa(&[&"check", &"--json", &tampered]);
    assert_exit(&o, 1);
    let v = json(&stdout(&o));
    assert_eq!(v[0]["severity"], "error");
    assert_eq!(v[0]["code"], "E0024");
    assert_eq!(v[0]["line"], line);
    assert_eq!(v[0]["column"], 3);
}

// ------------------------------------------------------------------------- build

#[test]
fn build_is_deterministic_and_the_artifact_loads_back() {
    let dir = TempDir::new("build");
    let form = dir.file("hund.form", HUND);
    let a = dir.path("a.form.json");
    let b = dir.path("b.form.json");
    let o = efa(&[&"build", &form, &"-o", &a]);
    assert_exit(&o, 0);
    assert_eq!(stdout(&o), "");
    assert_exit(&efa(&[&"build", &form, &"--output", &b]), 0);
    let a_bytes = std::fs::read(&a).expect("a");
    assert_eq!(
        a_bytes,
        std::fs::read(&b).expect("b"),
        "byte-identical builds"
    );

    // The artifact is the SPEC section 5 document.
    let v = json(&String::from_utf8(a_bytes.clone()).expect("UTF-8"));
    assert_eq!(v["format"], "efa-form/1");
    assert_eq!(v["id"], "hundesteuer");
    assert_eq!(v["version"], "1.0.0");
    assert_eq!(v["publisher"], "HE");
    assert!(v["hash"].as_str().is_some_and(|h| h.starts_with("sha256:")));
    assert!(v["model"].is_object());

    // Without -o the artifact goes to stdout, identical.
    let o = efa(&[&"build", &form]);
    assert_exit(&o, 0);
    assert_eq!(o.stdout, a_bytes);

    // Building from the artifact re-emits it unchanged.
    let c = dir.path("c.form.json");
    assert_exit(&efa(&[&"build", &a, &"-o", &c]), 0);
    assert_eq!(std::fs::read(&c).expect("c"), a_bytes);

    // Every command takes the artifact in place of the source.
    let data = dir.file("data.json", VALID);
    let from_source = efa(&[&"validate", &form, &data, &"--today", &"2026-06-01"]);
    let from_artifact = efa(&[&"validate", &a, &data, &"--today", &"2026-06-01"]);
    assert_exit(&from_artifact, 0);
    assert_eq!(from_source.stdout, from_artifact.stdout);
    assert_eq!(
        efa(&[&"schema", &form]).stdout,
        efa(&[&"schema", &a]).stdout
    );
}

#[test]
fn build_with_compile_errors_exits_1_and_writes_nothing() {
    let dir = TempDir::new("build-errors");
    let form = dir.file("kaputt.form", BROKEN);
    let out = dir.path("kaputt.form.json");
    let o = efa(&[&"build", &form, &"-o", &out]);
    assert_exit(&o, 1);
    assert!(!out.exists());
    assert_eq!(stdout(&o), "");
    let err = stderr(&o);
    let name = form.display().to_string();
    assert!(
        is_header(err.lines().next().unwrap_or(""), &name, "error"),
        "diagnostics on stderr:\n{err}"
    );
}

#[test]
fn build_of_a_missing_file_exits_2() {
    let dir = TempDir::new("build-missing");
    let o = efa(&[
        &"build",
        &dir.path("nichtda.form"),
        &"-o",
        &dir.path("x.form.json"),
    ]);
    assert_exit(&o, 2);
    assert_one_line_reason(&o);
}

#[test]
fn build_to_an_unwritable_place_exits_2() {
    let dir = TempDir::new("build-unwritable");
    let form = dir.file("hund.form", HUND);
    let out = dir.path("fehlt").join("hund.form.json");
    let o = efa(&[&"build", &form, &"-o", &out]);
    assert_exit(&o, 2);
    assert_one_line_reason(&o);
}

// ------------------------------------------------------------------------- artifacts

#[test]
fn tampered_artifact_is_refused_with_exit_2() {
    let dir = TempDir::new("tampered");
    let form = dir.file("hund.form", HUND);
    let art = dir.path("hund.form.json");
    assert_exit(&efa(&[&"build", &form, &"-o", &art]), 0);
    let text = std::fs::read_to_string(&art).expect("artifact");
    assert!(text.contains("\"Postleitzahl\""));
    let tampered = dir.file(
        "tampered.form.json",
        &text.replacen("\"Postleitzahl\"", "\"PLZ\"", 1),
    );
    let data = dir.file("data.json", VALID);
    let o = efa(&[&"validate", &tampered, &data, &"--today", &"2026-06-01"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("hash"), "{}", stderr(&o));
    assert_one_line_reason(&o);
    assert_eq!(stdout(&o), "");
}

#[test]
fn a_misspelt_entry_in_an_artifact_is_refused_saying_where() {
    let dir = TempDir::new("misspelt");
    let form = dir.file("hund.form", HUND);
    let art = dir.path("hund.form.json");
    assert_exit(&efa(&[&"build", &form, &"-o", &art]), 0);
    let text = std::fs::read_to_string(&art).expect("artifact");
    let broken = dir.file(
        "broken.form.json",
        &text.replacen(
            "\"kind\": \"field\",",
            "\"kind\": \"field\", \"colour\": 1,",
            1,
        ),
    );
    let data = dir.file("data.json", VALID);
    let o = efa(&[&"validate", &broken, &data, &"--today", &"2026-06-01"]);
    assert_exit(&o, 2);
    assert_one_line_reason(&o);
    let err = stderr(&o);
    assert!(err.contains("field `"), "which field: {err}");
    assert!(err.contains("unknown field `colour`"), "what: {err}");
    assert!(err.contains(" at line "), "where: {err}");
}

#[test]
fn unknown_artifact_format_is_refused() {
    let dir = TempDir::new("format");
    let form = dir.file("hund.form", HUND);
    let art = dir.path("hund.form.json");
    assert_exit(&efa(&[&"build", &form, &"-o", &art]), 0);
    let text = std::fs::read_to_string(&art).expect("artifact");
    let other = dir.file(
        "other.form.json",
        &text.replacen("\"efa-form/1\"", "\"efa-form/99\"", 1),
    );
    let data = dir.file("data.json", VALID);
    let o = efa(&[&"validate", &other, &data]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("efa-form/99"), "{}", stderr(&o));
    // Not an artifact at all.
    let junk = dir.file("junk.form.json", "{ \"hallo\": 1 }");
    assert_exit(&efa(&[&"validate", &junk, &data]), 2);
    let junk = dir.file("junk2.form.json", "kein JSON");
    assert_exit(&efa(&[&"validate", &junk, &data]), 2);
    // build and schema report a broken artifact like a broken form: exit 1.
    assert_exit(&efa(&[&"schema", &other]), 1);
    assert_exit(&efa(&[&"build", &other]), 1);
}

// ------------------------------------------------------------------------- schema

#[test]
fn schema_prints_a_draft_2020_12_schema() {
    let dir = TempDir::new("schema");
    let form = dir.file("hund.form", HUND);
    let o = efa(&[&"schema", &form]);
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(out.ends_with("}\n"));
    assert!(out.lines().count() > 10, "pretty-printed:\n{out}");
    let schema = json(&out);
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert!(schema["properties"]["anschrift"].is_object(), "{schema:#}");
    // The valid data passes the schema.
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    assert!(validator.is_valid(&json(VALID)));
}

#[test]
fn schema_of_a_broken_form_exits_1_with_diagnostics() {
    let dir = TempDir::new("schema-broken");
    let form = dir.file("kaputt.form", BROKEN);
    let o = efa(&[&"schema", &form]);
    assert_exit(&o, 1);
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).contains("error[E"), "{}", stderr(&o));
    let o = efa(&[&"schema", &dir.path("nichtda.form")]);
    assert_exit(&o, 2);
    assert_one_line_reason(&o);
}

// ------------------------------------------------------------------------- validate

#[test]
fn validate_valid_data_exits_0_with_the_section_3_result() {
    let dir = TempDir::new("validate-valid");
    let form = dir.file("hund.form", HUND);
    let data = dir.file("data.json", VALID);
    let o = efa(&[&"validate", &form, &data, &"--today", &"2026-06-01"]);
    assert_exit(&o, 0);
    let v = json(&stdout(&o));
    let keys: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["valid", "errors", "fees", "data"]);
    assert_eq!(v["valid"], true);
    assert_eq!(v["errors"], serde_json::json!([]));
    assert_eq!(v["fees"][0]["id"], "hundesteuer");
    assert_eq!(v["fees"][0]["amount"].as_f64(), Some(180.0));
    assert_eq!(v["data"]["anzahl"], 2);
    assert!(stdout(&o).lines().count() > 5, "pretty-printed");
}

#[test]
fn validate_invalid_data_exits_1_with_errors() {
    let dir = TempDir::new("validate-invalid");
    let form = dir.file("hund.form", HUND);
    let data = dir.file("data.json", INVALID);
    let o = efa(&[&"validate", &form, &data, &"--today", &"2026-06-01"]);
    assert_exit(&o, 1);
    let v = json(&stdout(&o));
    assert_eq!(v["valid"], false);
    let errors: Vec<(String, String)> = v["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap_or("").to_owned(),
                e["code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert!(
        errors.contains(&("/name".into(), "required".into())),
        "{errors:?}"
    );
    assert!(
        errors.contains(&("/anschrift/plz".into(), "format".into())),
        "{errors:?}"
    );
    // The default fills `anzahl`.
    assert_eq!(v["data"]["anzahl"], 1);
}

#[test]
fn validate_lang_selects_the_message_language() {
    let dir = TempDir::new("validate-lang");
    let form = dir.file("hund.form", HUND);
    let data = dir.file("data.json", INVALID);
    let message = |lang: Option<&str>| {
        let mut args: Vec<&dyn AsRefOsStr> =
            vec![&"validate", &form, &data, &"--today", &"2026-06-01"];
        if let Some(l) = &lang {
            args.push(&"--lang");
            args.push(l);
        }
        let o = efa(&args);
        assert_exit(&o, 1);
        let v = json(&stdout(&o));
        v["errors"][0]["message"].as_str().unwrap_or("").to_owned()
    };
    let de = message(None);
    let en = message(Some("en"));
    assert_ne!(de, en);
    assert!(en.contains("Name"), "{en}");
    assert_eq!(message(Some("de")), de);
    // An unknown language falls back to the default.
    assert_eq!(message(Some("fr")), de);
}

#[test]
fn validate_today_sets_today_and_age() {
    let dir = TempDir::new("validate-today");
    let form = dir.file("hund.form", HUND);
    let data = dir.file("data.json", VALID); // born 2008-06-01
    let run = |today: &str| {
        let o = efa(&[&"validate", &form, &data, &"--today", &today]);
        json(&stdout(&o))
    };
    assert_eq!(run("2026-06-01")["data"]["volljaehrig"], true);
    assert_eq!(run("2026-05-31")["data"]["volljaehrig"], false);
    // `max today()`: a birth date after the given day is an error.
    let v = run("2008-05-31");
    assert_eq!(v["valid"], false);
    assert_eq!(v["errors"][0]["path"], "/geburtsdatum");
    assert_eq!(v["errors"][0]["code"], "max");
    // Without --today the real date is used: 2008 is in the past.
    let o = efa(&[&"validate", &form, &data]);
    assert_exit(&o, 0);
}

#[test]
fn validate_reads_data_from_stdin() {
    let dir = TempDir::new("validate-stdin");
    let form = dir.file("hund.form", HUND);
    let o = efa_stdin(
        &[&"validate", &form, &"-", &"--today", &"2026-06-01"],
        VALID,
    );
    assert_exit(&o, 0);
    assert_eq!(json(&stdout(&o))["valid"], true);
    let o = efa_stdin(&[&"validate", &form, &"-"], "{ kaputt");
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("standard input"), "{}", stderr(&o));
}

#[test]
fn validate_could_not_run_exits_2_with_one_line() {
    let dir = TempDir::new("validate-2");
    let form = dir.file("hund.form", HUND);
    let data = dir.file("data.json", VALID);

    let bad_json = dir.file("bad.json", "{ \"name\": ");
    let o = efa(&[&"validate", &form, &bad_json]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("not valid JSON"), "{}", stderr(&o));
    assert_one_line_reason(&o);

    let o = efa(&[&"validate", &form, &dir.path("nichtda.json")]);
    assert_exit(&o, 2);
    assert_one_line_reason(&o);

    let o = efa(&[&"validate", &dir.path("nichtda.form"), &data]);
    assert_exit(&o, 2);
    assert_one_line_reason(&o);

    for today in [
        "2026-13-01",
        "2026-02-30",
        "heute",
        "2026-6-1",
        "+2026-06-01",
    ] {
        let o = efa(&[&"validate", &form, &data, &"--today", &today]);
        assert_exit(&o, 2);
        assert!(stderr(&o).contains("--today"), "{}", stderr(&o));
        assert_one_line_reason(&o);
    }

    let broken = dir.file("kaputt.form", BROKEN);
    let o = efa(&[&"validate", &broken, &data]);
    assert_exit(&o, 2);
    assert_one_line_reason(&o);
    assert!(stderr(&o).contains("does not compile"), "{}", stderr(&o));
    assert!(stderr(&o).contains("and 2 more errors"), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
}

#[test]
fn validate_non_object_data_is_invalid_not_a_crash() {
    let dir = TempDir::new("validate-shapes");
    let form = dir.file("hund.form", HUND);
    for text in ["[]", "null", "42", "\"text\"", "{\"anschrift\": [1, {}]}"] {
        let data = dir.file("data.json", text);
        let o = efa(&[&"validate", &form, &data, &"--today", &"2026-06-01"]);
        assert_exit(&o, 1);
        assert_eq!(json(&stdout(&o))["valid"], false);
    }
    // Deeply nested data is refused by the JSON reader, not by a stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let data = dir.file("deep.json", &deep);
    let o = efa(&[&"validate", &form, &data]);
    assert_exit(&o, 2);
}

// ------------------------------------------------------------------------- usage

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    // Bad arguments: exit 2 and one line on stderr, naming the help to read (SPEC §4).
    let cases: [(&[&dyn AsRefOsStr], &str); 7] = [
        (&[], "error: a command is required (see 'efa --help')"),
        (&[&"frobnicate"], "error: unrecognized subcommand 'frobnicate' (see 'efa --help')"),
        (&[&"check"], "error: the following required arguments were not provided: <FILE>... (see 'efa check --help')"),
        (&[&"validate", &"nur-eins.form"], "error: the following required arguments were not provided: <DATA.json> (see 'efa validate --help')"),
        (&[&"build", &"a.form", &"--gibtsnicht"], "error: unexpected argument '--gibtsnicht' found; to pass '--gibtsnicht' as a value, use '-- --gibtsnicht' (see 'efa build --help')"),
        (&[&"check", &"--jsn", &"a.form"], "error: unexpected argument '--jsn' found; a similar argument exists: '--json' (see 'efa check --help')"),
        (&[&"render", &"a.form", &"--page"], "error: a value is required for '--page <ID>' but none was supplied (see 'efa render --help')"),
    ];
    for (args, line) in cases {
        let o = efa(args);
        assert_exit(&o, 2);
        assert_one_line_reason(&o);
        assert_eq!(stderr(&o).trim_end(), line);
        assert_eq!(stdout(&o), "");
    }
    let o = efa(&[&"--help"]);
    assert_exit(&o, 0);
    for command in ["check", "build", "schema", "validate"] {
        assert!(stdout(&o).contains(command), "{}", stdout(&o));
    }
    let o = efa(&[&"--version"]);
    assert_exit(&o, 0);
    assert!(stdout(&o).starts_with("efa "), "{}", stdout(&o));
    assert_exit(&efa(&[&"validate", &"--help"]), 0);
}

#[test]
fn explain_prints_a_code_explanation() {
    let o = efa(&[&"explain", &"E0008"]);
    assert_exit(&o, 0);
    assert!(stdout(&o).starts_with("E0008 (error)"), "{}", stdout(&o));
    assert!(stdout(&o).contains("circle"), "{}", stdout(&o));
    let o = efa(&[&"explain", &"w0001"]);
    assert_exit(&o, 0);
    assert!(stdout(&o).starts_with("W0001 (warning)"), "{}", stdout(&o));
    let o = efa(&[&"explain"]);
    assert_exit(&o, 0);
    assert!(stdout(&o).lines().count() >= 20);
    let o = efa(&[&"explain", &"E9999"]);
    assert_exit(&o, 2);
    assert_one_line_reason(&o);
}

// ------------------------------------------------------------------------- pipes

/// A form whose schema and artifact are far larger than a pipe buffer.
fn big_form(fields: usize) -> String {
    let mut s = String::from(
        "form gross {\n  version \"1.0.0\"\n  title \"Gross\"\n  publisher \"HE\"\n  page p \"Seite\" {\n",
    );
    for i in 0..fields {
        s.push_str(&format!(
            "    field feld_{i}: text {{ label \"Ein recht langes Feld mit der Nummer {i}\" hint \"Mit einem Hinweis, der auch lang ist\" maxlength 100 }}\n"
        ));
    }
    s.push_str("  }\n}\n");
    s
}

/// `efa schema x | head -1`: the reader goes away early; efa must not panic.
#[test]
fn closed_stdout_does_not_panic() {
    let dir = TempDir::new("pipe");
    let form = dir.file("gross.form", &big_form(2000));
    for args in [vec!["schema"], vec!["build"], vec!["check"]] {
        let mut cmd = efa_command(&[]);
        cmd.args(&args).arg(&form);
        if args[0] == "check" {
            // Make check print a lot: many copies of a broken file.
            let broken = dir.file("kaputt.form", BROKEN);
            for _ in 0..2000 {
                cmd.arg(&broken);
            }
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn efa");
        // Read one line, like `head -1`, then close the pipe.
        let mut stdout = child.stdout.take().expect("stdout");
        let mut first = [0u8; 1];
        let _ = stdout.read(&mut first);
        drop(stdout);
        let mut err = String::new();
        child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut err)
            .expect("read stderr");
        let status = child.wait().expect("wait");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            matches!(status.code(), Some(0..=2)),
            "{args:?}: exit {status:?}, stderr: {err}"
        );
    }
}

// ------------------------------------------------------------------------- hostile input

/// Whatever the file holds, `check`, `build`, `schema` and `validate` end with 1 or 2
/// (never a panic, never a stack overflow).
#[test]
fn hostile_sources_never_crash() {
    let dir = TempDir::new("hostile");
    let data = dir.file("data.json", "{}");
    let mut inputs: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("only-form", b"form".to_vec()),
        ("not-utf8", vec![0x66, 0x6f, 0x72, 0x6d, 0xff, 0xfe, 0x00]),
        ("nul", b"form a {\0}".to_vec()),
        ("braces", "{".repeat(100_000).into_bytes()),
        ("parens", format!("form a {{ version \"1.0.0\" title \"A\" publisher \"HE\" fee f \"F\" = {}1 }}", "(".repeat(100_000)).into_bytes()),
        ("operators", format!("form a {{ version \"1.0.0\" title \"A\" publisher \"HE\" fee f \"F\" = 1{} }}", " + 1".repeat(50_000)).into_bytes()),
        ("nots", format!("form a {{ version \"1.0.0\" title \"A\" publisher \"HE\" page p \"P\" {{ visible when {}true }} }}", "not ".repeat(50_000)).into_bytes()),
        ("minus", format!("form a {{ version \"1.0.0\" title \"A\" publisher \"HE\" fee f \"F\" = {}1 }}", "-".repeat(100_000)).into_bytes()),
        ("string", format!("form a {{ title \"{}", "x".repeat(1_000_000)).into_bytes()),
        ("unicode", "form ä { version \"1.0.0\" title \"🙂\" publisher \"HE\" page ü \"Ü\" { field ß: text { label \"\u{202e}\" } } }".as_bytes().to_vec()),
        ("big-number", b"form a { version \"1.0.0\" title \"A\" publisher \"HE\" fee f \"F\" = 99999999999999999999999999999999999999999999 }".to_vec()),
    ];
    inputs.push(("bom", "\u{feff}form a {".as_bytes().to_vec()));
    for (name, bytes) in inputs {
        let path = dir.path(&format!("{name}.form"));
        std::fs::write(&path, &bytes).expect("write");
        for args in [
            vec![&"check" as &dyn AsRefOsStr, &path],
            vec![&"check", &"--json", &path],
            vec![&"build", &path],
            vec![&"schema", &path],
            vec![&"validate", &path, &data],
        ] {
            let o = efa(&args);
            assert!(
                matches!(o.status.code(), Some(1 | 2)),
                "{name} {:?}: exit {:?}\n{}",
                args.iter()
                    .map(|a| a.as_os().to_string_lossy().into_owned())
                    .collect::<Vec<_>>(),
                o.status,
                stderr(&o)
            );
            assert!(!stderr(&o).contains("panicked"), "{name}: {}", stderr(&o));
        }
    }
}
