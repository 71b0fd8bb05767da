//! `efa fmt`: the formatter's invariants, on every real source and on generated ones.
//!
//! For every input: formatting succeeds, is idempotent (`fmt(fmt(x)) == fmt(x)`), keeps
//! the syntax tree (compared without spans), keeps every comment's text, and — when the
//! input compiles — compiles to the same model and artifact hash. Inputs: every `.form`
//! and `.adapt.form` under `forms/` and `tests/`, and forms and adaptations generated
//! from random seeds with random fields, types, properties, groups, repeats, conditions,
//! comments and whitespace. Finally `efa fmt --check` must find `forms/` clean, and the
//! command's exit codes and in-place rewriting are checked.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use efa_forms::core::artifact::model_hash;
use efa_forms::core::model::FormModel;
use efa_forms::core::Artifact;
use efa_forms::dsl::{self, format_source, BaseLoader, FileId, SourceMap};
use proptest::prelude::*;

// ------------------------------------------------------------------ invariants

/// The `Debug` text of a syntax tree with every `Span { .. }` replaced by `_`.
fn without_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(i) = rest.find("Span {") {
        out.push_str(&rest[..i]);
        out.push('_');
        let after = &rest[i..];
        let close = after.find('}').map_or(after.len(), |j| j + 1);
        rest = &after[close..];
    }
    out.push_str(rest);
    out
}

fn tree(src: &str) -> String {
    let file = dsl::parse(src, FileId(0)).expect("parses");
    without_spans(&format!("{:?}", file.doc))
}

fn comment_texts(src: &str) -> Vec<String> {
    let file = dsl::parse(src, FileId(0)).expect("parses");
    let mut texts: Vec<String> = file
        .comments
        .iter()
        .map(|c| c.text.trim_end().to_owned())
        .collect();
    texts.sort();
    texts
}

/// Bases for adaptations, by the path the adaptation names.
struct MapLoader(HashMap<String, String>);

impl BaseLoader for MapLoader {
    fn load(&mut self, path: &str) -> Result<String, String> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| format!("no base {path:?}"))
    }
}

fn compile(src: &str, loader: &mut dyn BaseLoader) -> Result<FormModel, Vec<String>> {
    let mut sources = SourceMap::new();
    let file = sources.add("<input>", src);
    let c = dsl::compile_with(&sources, file, loader);
    c.model.ok_or_else(|| {
        c.diagnostics
            .iter()
            .map(|d| format!("{} {}", d.code.as_str(), d.message))
            .collect()
    })
}

/// Checks every invariant for one source; `what` names it in failures.
fn check_invariants(what: &str, src: &str, loader: &mut dyn BaseLoader) -> Result<(), String> {
    let once = format_source(src).map_err(|d| format!("{what}: does not format: {d:?}"))?;
    let twice = format_source(&once)
        .map_err(|d| format!("{what}: the formatted text does not parse: {d:?}\n{once}"))?;
    if once != twice {
        let a: Vec<&str> = once.lines().collect();
        let b: Vec<&str> = twice.lines().collect();
        let i = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
        let from = i.saturating_sub(4);
        return Err(format!(
            "{what}: not idempotent at line {}\n--- once\n{}\n--- twice\n{}",
            i + 1,
            a[from..(i + 4).min(a.len())].join("\n"),
            b[from..(i + 4).min(b.len())].join("\n"),
        ));
    }
    if tree(src) != tree(&once) {
        return Err(format!("{what}: the syntax tree changed\n{once}"));
    }
    if comment_texts(src) != comment_texts(&once) {
        return Err(format!(
            "{what}: comments changed: {:?} -> {:?}\n{once}",
            comment_texts(src),
            comment_texts(&once)
        ));
    }
    if once.lines().any(|l| l.ends_with([' ', '\t'])) || !once.ends_with('\n') {
        return Err(format!(
            "{what}: trailing spaces or no final newline\n{once}"
        ));
    }
    match (compile(src, loader), compile(&once, loader)) {
        (Ok(a), Ok(b)) => {
            if model_hash(&a) != model_hash(&b) || a != b {
                return Err(format!("{what}: the compiled model changed\n{once}"));
            }
        }
        (Err(a), Err(b)) => {
            if a != b {
                return Err(format!("{what}: other diagnostics: {a:?} -> {b:?}\n{once}"));
            }
        }
        (Ok(_), Err(e)) => return Err(format!("{what}: no longer compiles: {e:?}\n{once}")),
        (Err(e), Ok(_)) => return Err(format!("{what}: compiles only after formatting: {e:?}")),
    }
    Ok(())
}

// ------------------------------------------------------------------ real sources

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sources_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            sources_under(&p, out);
        } else if p.to_string_lossy().ends_with(".form") {
            out.push(p);
        }
    }
}

/// Reads bases from files relative to a directory.
struct DirLoader(PathBuf);

impl BaseLoader for DirLoader {
    fn load(&mut self, path: &str) -> Result<String, String> {
        std::fs::read_to_string(self.0.join(path)).map_err(|e| e.to_string())
    }
}

#[test]
fn every_real_source_keeps_its_meaning() {
    let mut files = Vec::new();
    sources_under(&root().join("forms"), &mut files);
    sources_under(&root().join("tests"), &mut files);
    assert!(!files.is_empty(), "no sources found");
    let mut failures = Vec::new();
    for path in &files {
        let src = std::fs::read_to_string(path).expect("read");
        if dsl::parse(&src, FileId(0)).is_err() {
            // Syntax-error test data: the formatter must refuse it, nothing more.
            assert!(format_source(&src).is_err(), "{}", path.display());
            continue;
        }
        let mut loader = DirLoader(path.parent().expect("dir").to_path_buf());
        if let Err(e) = check_invariants(&path.display().to_string(), &src, &mut loader) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn efa(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_efa"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run efa")
}

#[test]
fn forms_are_formatted() {
    let out = efa(&["fmt", "--check", "forms"], &root());
    assert_eq!(
        out.status.code(),
        Some(0),
        "run `efa fmt forms` to format them:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

// ------------------------------------------------------------------ the command

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("efa-fmt-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const UGLY: &str = "form x{version \"1.0.0\" title \"X\" publisher \"HE\" // p\n page p \"P\" { field a: text { label \"A\" } } }\n";

#[test]
fn fmt_check_reports_rewrites_and_exits_by_the_spec() {
    let tmp = TempDir::new("cli");
    let file = tmp.0.join("x.form");
    std::fs::write(&file, UGLY).expect("write");
    let good = format_source(UGLY).expect("formats");

    // --check: reported, exit 1, nothing written.
    let out = efa(&["fmt", "--check", "x.form"], &tmp.0);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("x.form: not formatted\n@@ line 1 @@\n"),
        "{stdout}"
    );
    assert_eq!(std::fs::read_to_string(&file).expect("read"), UGLY);

    // Rewritten in place, permissions kept; then clean.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    }
    let out = efa(&["fmt", "x.form"], &tmp.0);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&file).expect("read"), good);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }
    let out = efa(&["fmt", "--check", "x.form"], &tmp.0);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());

    // A directory means every source beneath it.
    std::fs::create_dir_all(tmp.0.join("sub")).expect("mkdir");
    std::fs::write(tmp.0.join("sub/y.form"), UGLY).expect("write");
    let out = efa(&["fmt", "--check", "."], &tmp.0);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("sub/y.form: not formatted"));

    // A syntax error: its diagnostic on stderr, exit 2, the file untouched.
    std::fs::write(tmp.0.join("bad.form"), "form x {\n  page\n").expect("write");
    let out = efa(&["fmt", "bad.form"], &tmp.0);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.form:") && stderr.contains("error[E0001]"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(tmp.0.join("bad.form")).expect("read"),
        "form x {\n  page\n"
    );

    // A missing file: one line, exit 2.
    let out = efa(&["fmt", "missing.form"], &tmp.0);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
}

#[test]
fn fmt_dash_reads_stdin_and_writes_stdout() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_efa"))
        .args(["fmt", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(UGLY.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format_source(UGLY).expect("formats")
    );
}

// ------------------------------------------------------------------ generated sources

/// A small deterministic generator (xorshift64*), driven by a proptest seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ty {
    Text,
    Int,
    Bool,
    Date,
    Choice,
    /// Not referred to by generated conditions.
    Multi,
}

/// A field that later conditions may refer to.
#[derive(Clone)]
struct Known {
    id: String,
    ty: Ty,
}

/// Writes tokens with random whitespace and comments between them.
struct Gen {
    rng: Rng,
    out: String,
    comments: u64,
    next_comment: usize,
    next_id: usize,
    /// Top-level fields declared so far (conditions refer only backwards: no cycles).
    known: Vec<Known>,
}

const COMMENT_TEXTS: &[&str] = &[
    " note",
    " Anmerkung zur Gebühr: § 12 ThürVwKostOIM",
    "",
    " trailing spaces   ",
    " \"quoted\" { ( [",
    "// nested slashes",
    " ✓ unicode ü ß",
];

const STRINGS: &[&str] = &[
    "Vorname",
    "Straße und Hausnummer",
    "a \"quoted\" word",
    "back\\slash",
    "two\nlines",
    "tab\there",
    "",
    "ü",
];

impl Gen {
    fn new(seed: u64, comments: u64) -> Gen {
        Gen {
            rng: Rng(seed | 1),
            out: String::new(),
            comments,
            next_comment: 0,
            next_id: 0,
            known: Vec::new(),
        }
    }

    fn comment(&mut self) -> String {
        self.next_comment += 1;
        let text = *self.rng.pick(COMMENT_TEXTS);
        format!("//{text} #{}", self.next_comment)
    }

    /// Random separation: spaces, tabs, line breaks (LF or CRLF), blank lines, comments.
    fn sep(&mut self) {
        if self.rng.chance(self.comments) {
            let c = self.comment();
            if self.rng.chance(50) {
                self.out.push(' ');
                self.out.push_str(&c);
                self.out.push('\n');
            } else {
                self.out.push_str("\n  ");
                self.out.push_str(&c);
                self.out.push('\n');
            }
        }
        let ws = *self.rng.pick(&[
            " ", " ", " ", " ", "  ", "\t", "\n", "\n  ", "\n\n", "\n\n\n", "\r\n",
        ]);
        self.out.push_str(ws);
    }

    fn tok(&mut self, t: &str) {
        self.sep();
        self.out.push_str(t);
    }

    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{}", self.next_id)
    }

    /// A string literal, with escapes written in one of the accepted ways.
    fn string(&mut self) -> String {
        let s = *self.rng.pick(STRINGS);
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' if self.rng.chance(50) => out.push_str("\\\""),
                '"' => out.push_str("\\u{22}"),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\u{9}"),
                'ü' if self.rng.chance(50) => out.push_str("\\u{fc}"),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    /// A text: a string, maybe an English translation (tokens apart).
    fn text(&mut self) {
        let s = self.string();
        self.tok(&s);
        if self.rng.chance(40) {
            self.tok("en");
            let s = self.string();
            self.tok(&s);
        }
    }

    fn known_of(&mut self, ty: Ty) -> Option<String> {
        let ids: Vec<String> = self
            .known
            .iter()
            .filter(|k| k.ty == ty)
            .map(|k| k.id.clone())
            .collect();
        (!ids.is_empty()).then(|| self.rng.pick(&ids).clone())
    }

    fn paren(&mut self, f: impl FnOnce(&mut Self)) {
        self.tok("(");
        f(self);
        self.tok(")");
    }

    /// An integer expression.
    fn num(&mut self, depth: u32) {
        let choice = if depth > 2 {
            self.rng.below(3)
        } else {
            self.rng.below(9)
        };
        match choice {
            0 => {
                let n = self.rng.below(100).to_string();
                self.tok(&n);
            }
            1 => match self.known_of(Ty::Int) {
                Some(id) => self.tok(&id),
                None => self.tok("p_zahl"),
            },
            2 => self.tok("p_zahl"),
            3 => {
                self.num(depth + 1);
                let op = *self.rng.pick(&["+", "-", "*"]);
                self.tok(op);
                self.num(depth + 1);
            }
            4 => {
                self.tok("-");
                self.num(depth + 1);
            }
            5 => self.paren(|g| g.num(depth + 1)),
            6 => match self.known_of(Ty::Text) {
                Some(id) => {
                    self.tok("len");
                    self.paren(|g| g.tok(&id));
                }
                None => self.tok("7"),
            },
            7 => {
                self.tok("if");
                self.tok("(");
                self.cond(depth + 1);
                self.tok(",");
                self.num(depth + 1);
                self.tok(",");
                self.num(depth + 1);
                self.tok(")");
            }
            _ => match self.known_of(Ty::Date) {
                Some(id) => {
                    self.tok("age");
                    self.paren(|g| g.tok(&id));
                }
                None => self.tok("3"),
            },
        }
    }

    /// A condition.
    fn cond(&mut self, depth: u32) {
        let choice = if depth > 2 {
            self.rng.below(4)
        } else {
            self.rng.below(11)
        };
        match choice {
            0 => {
                self.num(depth + 1);
                let op = *self.rng.pick(&["==", "!=", "<", "<=", ">", ">="]);
                self.tok(op);
                self.num(depth + 1);
            }
            1 => match self.known_of(Ty::Text) {
                Some(id) => {
                    self.tok(&id);
                    let op = *self.rng.pick(&["==", "!="]);
                    self.tok(op);
                    let s = self.string();
                    self.tok(&s);
                }
                None => self.tok("true"),
            },
            2 => match self.known_of(Ty::Choice) {
                Some(id) => {
                    self.tok(&id);
                    self.tok("in");
                    self.tok("[");
                    self.tok("\"rot\"");
                    self.tok(",");
                    self.tok("\"gruen\"");
                    if self.rng.chance(30) {
                        self.tok(",");
                    }
                    self.tok("]");
                }
                None => self.tok("false"),
            },
            3 => match self.known.is_empty() {
                false => {
                    let id = self.rng.pick(&self.known).id.clone();
                    self.tok("is_set");
                    self.paren(|g| g.tok(&id));
                }
                true => self.tok("true"),
            },
            4 => {
                self.tok("not");
                self.cond(depth + 1);
            }
            5 | 6 => {
                self.cond(depth + 1);
                let op = *self.rng.pick(&["and", "or"]);
                self.tok(op);
                self.cond(depth + 1);
            }
            7 => self.paren(|g| g.cond(depth + 1)),
            8 => match self.known_of(Ty::Bool) {
                Some(id) => {
                    self.tok(&id);
                    self.tok("==");
                    self.tok("true");
                }
                None => self.tok("true"),
            },
            9 => match self.known_of(Ty::Date) {
                Some(id) => {
                    self.tok(&id);
                    self.tok("<=");
                    self.tok("today");
                    self.tok("(");
                    self.tok(")");
                }
                None => self.tok("false"),
            },
            _ => {
                self.tok("p_text");
                self.tok("!=");
                self.tok("\"\"");
            }
        }
    }

    /// `field ID: TYPE { PROPS }`; `top` fields become known to later conditions.
    fn field(&mut self, top: bool) {
        let id = self.id("feld");
        let (ty_tokens, ty): (&[&str], Ty) = match self.rng.below(11) {
            0 => (&["text"], Ty::Text),
            1 => (&["textarea"], Ty::Text),
            2 | 3 => (&["integer"], Ty::Int),
            4 => (&["boolean"], Ty::Bool),
            5 => (&["date"], Ty::Date),
            6 => (&["choice", "(", "farbe", ")"], Ty::Choice),
            7 => (&["email"], Ty::Text),
            8 => (&["postcode"], Ty::Text),
            9 => (&["file"], Ty::Multi),
            _ => (&["multichoice", "(", "farbe", ")"], Ty::Multi),
        };
        let is_file = ty_tokens[0] == "file";
        self.tok("field");
        self.tok(&id);
        self.tok(":");
        for t in ty_tokens {
            self.tok(t);
        }
        self.tok("{");
        // Properties that fit the type, each at most once, in random order.
        let mut props: Vec<u8> = vec![0, 1, 2, 3];
        match ty {
            Ty::Multi if is_file => props.extend([10, 11]),
            Ty::Text => props.extend([4, 5, 6, 7, 8]),
            Ty::Int => props.extend([20, 21, 22, 23]),
            Ty::Date => props.extend([30, 31]),
            Ty::Choice => props.push(40),
            Ty::Bool => props.push(50),
            Ty::Multi => {}
        }
        // Always a label (a field without one is a warning).
        let mut chosen: Vec<u8> = props
            .into_iter()
            .filter(|p| *p == 0 || self.rng.chance(45))
            .collect();
        for i in (1..chosen.len()).rev() {
            let j = self.rng.below(i + 1);
            chosen.swap(i, j);
        }
        // A computed value excludes `required` and `default`.
        if chosen.contains(&23) {
            chosen.retain(|p| !matches!(p, 2 | 3 | 22));
        }
        if chosen.contains(&2) {
            chosen.retain(|p| *p != 3);
        }
        for p in chosen {
            match p {
                0 => {
                    self.tok("label");
                    self.text();
                }
                1 => {
                    self.tok("visible");
                    self.tok("when");
                    self.cond(0);
                }
                2 => self.tok("required"),
                3 => {
                    self.tok("required");
                    self.tok("when");
                    self.cond(0);
                }
                4 => {
                    self.tok("hint");
                    self.text();
                }
                5 => {
                    self.tok("minlength");
                    let n = self.rng.below(5).to_string();
                    self.tok(&n);
                }
                6 => {
                    self.tok("maxlength");
                    let n = (10 + self.rng.below(90)).to_string();
                    self.tok(&n);
                }
                7 => {
                    self.tok("pattern");
                    self.tok("\"[A-Za-z ]+\"");
                    if self.rng.chance(50) {
                        self.tok("message");
                        self.text();
                    }
                }
                8 => {
                    self.tok("prefill");
                    self.tok("account.given_name");
                }
                10 => {
                    self.tok("accept");
                    self.tok("\"application/pdf\"");
                    self.tok(",");
                    self.tok("\"image/*\"");
                }
                11 => {
                    self.tok("maxsize");
                    self.tok("5");
                    self.tok("MB");
                }
                20 => {
                    self.tok("min");
                    let n = self.rng.below(5).to_string();
                    self.tok(&n);
                }
                21 => {
                    self.tok("max");
                    let n = (10 + self.rng.below(90)).to_string();
                    self.tok(&n);
                }
                22 => {
                    self.tok("default");
                    self.tok("5");
                }
                23 => {
                    self.tok("value");
                    self.tok("=");
                    self.num(0);
                }
                30 => {
                    self.tok("min");
                    self.tok("2000-01-01");
                }
                31 => {
                    self.tok("max");
                    self.tok("today");
                    self.tok("(");
                    self.tok(")");
                }
                40 => {
                    self.tok("default");
                    self.tok("\"rot\"");
                }
                _ => {
                    self.tok("fim");
                    self.out.push_str(" \"F60000227\" version \"1.2\"");
                }
            }
        }
        self.tok("}");
        if top {
            self.known.push(Known { id, ty });
        }
    }

    fn check(&mut self) {
        self.tok("check");
        self.cond(0);
        self.tok("message");
        self.text();
    }

    fn group(&mut self, depth: u32) {
        let id = self.id("gruppe");
        self.tok("group");
        self.tok(&id);
        if self.rng.chance(70) {
            self.text();
        }
        if self.rng.chance(40) {
            self.tok("repeat");
            self.tok("0");
            self.tok("..");
            if self.rng.chance(60) {
                self.tok("3");
            }
        }
        self.tok("{");
        if self.rng.chance(25) {
            self.tok("visible");
            self.tok("when");
            self.cond(0);
        }
        if self.rng.chance(25) {
            self.tok("hint");
            self.text();
        }
        for _ in 0..self.rng.below(4) {
            match self.rng.below(6) {
                0 if depth < 2 => self.group(depth + 1),
                1 => {
                    self.tok("info");
                    self.text();
                }
                2 => self.check(),
                _ => self.field(false),
            }
        }
        self.tok("}");
    }

    fn page(&mut self, fields: usize) -> String {
        let id = self.id("seite");
        self.tok("page");
        self.tok(&id);
        self.text();
        self.tok("{");
        if self.rng.chance(15) {
            self.tok("visible");
            self.tok("when");
            self.cond(0);
        }
        for _ in 0..fields {
            match self.rng.below(8) {
                0 => self.group(0),
                1 => {
                    self.tok("info");
                    self.text();
                }
                2 => self.check(),
                _ => self.field(true),
            }
        }
        self.tok("}");
        id
    }

    /// A whole form: header, parameters, a list, pages, a fee.
    fn form(&mut self, pages: usize, fields: usize) -> Vec<(String, Vec<String>)> {
        if self.rng.chance(50) {
            let c = self.comment();
            self.out.push_str(&c);
            self.out.push('\n');
        }
        self.tok("form");
        self.tok("basis");
        self.tok("{");
        self.tok("version");
        self.tok("\"1.0.0\"");
        self.tok("title");
        self.text();
        self.tok("publisher");
        self.tok("\"TH\"");
        self.tok("languages");
        self.tok("de");
        self.tok(",");
        self.tok("en");
        self.sep();
        self.out.push_str("fim \"S00000092\" version \"1.0\"");
        self.tok("param");
        self.tok("p_zahl");
        self.tok(":");
        self.tok("integer");
        self.tok("=");
        self.tok("3");
        self.tok("param");
        self.tok("p_text");
        self.tok(":");
        self.tok("text");
        self.tok("=");
        let s = self.string();
        self.tok(&s);
        self.tok("param");
        self.tok("p_geld");
        self.tok(":");
        self.tok("money");
        self.tok("=");
        self.tok("12.50");
        self.tok("list");
        self.tok("farbe");
        self.tok("{");
        self.sep();
        self.out.push_str("rot \"Rot\" en \"Red\"");
        self.sep();
        self.out.push_str("gruen \"Grün\"");
        self.sep();
        self.out.push_str("\"0 7\" \"Null sieben\"");
        self.tok("}");
        let mut out = Vec::new();
        for _ in 0..pages {
            let before = self.known.len();
            let id = self.page(fields);
            let ids = self.known[before..].iter().map(|k| k.id.clone()).collect();
            out.push((id, ids));
        }
        self.tok("fee");
        self.tok("gebuehr");
        self.text();
        self.tok("=");
        self.tok("p_geld");
        if self.rng.chance(50) {
            self.tok("*");
            self.tok("2");
        }
        self.tok("}");
        if self.rng.chance(50) {
            self.out.push(' ');
            let c = self.comment();
            self.out.push_str(&c);
        }
        self.out.push('\n');
        out
    }

    /// An adaptation of the generated base `pages` (page ids and their top-level fields).
    fn adapt(&mut self, pages: &[(String, Vec<String>)]) {
        self.tok("adapt");
        self.tok("\"base.form.json\"");
        self.tok("version");
        self.tok("\"^1.0\"");
        self.tok("{");
        self.tok("id");
        self.tok("basis_he");
        self.tok("publisher");
        self.tok("\"HE\"");
        let fields: Vec<&String> = pages.iter().flat_map(|(_, f)| f).collect();
        // Statements that may be given once only are drawn once at most.
        let mut used = [false; 10];
        for _ in 0..1 + self.rng.below(8) {
            let kind = self.rng.below(10);
            if matches!(kind, 0 | 1 | 3 | 4) && std::mem::replace(&mut used[kind], true) {
                continue;
            }
            match kind {
                0 => {
                    self.tok("set");
                    self.tok("p_zahl");
                    self.tok("=");
                    self.tok("-");
                    self.tok("4");
                }
                1 => {
                    self.tok("set");
                    self.tok("p_geld");
                    self.tok("=");
                    self.tok("10.00");
                }
                2 if !fields.is_empty() && !used[2] => {
                    used[2] = true;
                    let f = self.rng.pick(&fields).to_string();
                    let what = *self.rng.pick(&["label", "hint"]);
                    self.tok(what);
                    self.tok(&f);
                    self.text();
                }
                3 => {
                    self.tok("option");
                    self.tok("farbe");
                    self.tok(".");
                    self.tok("rot");
                    self.text();
                }
                4 => {
                    self.tok("title");
                    self.text();
                }
                5 if !pages.is_empty() => {
                    let (page, ids) = self.rng.pick(pages).clone();
                    self.tok("add");
                    self.tok("to");
                    self.tok(&page);
                    if let Some(after) = ids.first() {
                        let place = *self.rng.pick(&["before", "after"]);
                        self.tok(place);
                        self.tok(after);
                    }
                    self.tok("{");
                    let id = self.id("neu");
                    self.tok("field");
                    self.tok(&id);
                    self.tok(":");
                    self.tok("phone");
                    self.tok("{");
                    self.tok("label");
                    self.text();
                    self.tok("}");
                    self.tok("}");
                }
                6 => {
                    let id = self.id("extra");
                    self.tok("add");
                    self.tok("page");
                    self.tok(&id);
                    self.text();
                    self.tok("{");
                    let f = self.id("neu");
                    self.tok("field");
                    self.tok(&f);
                    self.tok(":");
                    self.tok("integer");
                    self.tok("{");
                    self.tok("min");
                    self.tok("1");
                    self.tok("}");
                    self.tok("}");
                }
                7 => {
                    self.tok("add");
                    self.tok("check");
                    self.tok("p_zahl");
                    self.tok(">=");
                    self.tok("0");
                    self.tok("message");
                    self.text();
                }
                8 => {
                    let id = self.id("liste");
                    self.tok("add");
                    self.tok("list");
                    self.tok(&id);
                    self.tok("{");
                    self.sep();
                    self.out.push_str("a \"A\"");
                    self.tok("}");
                }
                _ => {
                    let id = self.id("fee");
                    self.tok("add");
                    self.tok("fee");
                    self.tok(&id);
                    self.text();
                    self.tok("=");
                    self.tok("p_geld");
                }
            }
        }
        self.tok("}");
        self.out.push('\n');
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_forms_keep_their_meaning(
        seed in any::<u64>(),
        pages in 1usize..4,
        fields in 0usize..7,
        comments in 0u64..40,
    ) {
        let mut g = Gen::new(seed, comments);
        g.form(pages, fields);
        let src = g.out;
        let result = check_invariants("generated form", &src, &mut dsl::NoBase);
        prop_assert!(result.is_ok(), "{}\n--- source\n{}", result.unwrap_err(), src);
    }

    #[test]
    fn generated_adaptations_keep_their_meaning(
        seed in any::<u64>(),
        fields in 1usize..5,
        comments in 0u64..40,
    ) {
        let mut g = Gen::new(seed, 0);
        let pages = g.form(2, fields);
        let base = g.out.clone();
        let Ok(model) = dsl::compile_str(&base) else {
            // Only compiling bases can be adapted; generated forms mostly compile (see below).
            return Ok(());
        };
        let mut loader = MapLoader(HashMap::from([(
            "base.form.json".to_owned(),
            Artifact::new(model).to_json(),
        )]));
        g.out.clear();
        g.comments = comments;
        g.adapt(&pages);
        let src = g.out;
        let result = check_invariants("generated adaptation", &src, &mut loader);
        prop_assert!(result.is_ok(), "{}\n--- source\n{}\n--- base\n{}", result.unwrap_err(), src, base);
    }
}

/// The generator is only useful if most of what it writes compiles, so that the hash
/// comparison runs.
#[test]
fn most_generated_forms_and_adaptations_compile() {
    let (mut forms, mut adapts, mut adapts_tried) = (0, 0, 0);
    let mut errors: HashMap<String, usize> = HashMap::new();
    for seed in 1..=200u64 {
        let mut g = Gen::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15), 10);
        let pages = g.form(2, 4);
        match dsl::compile_str(&g.out) {
            Ok(model) => {
                forms += 1;
                let mut loader = MapLoader(HashMap::from([(
                    "base.form.json".to_owned(),
                    Artifact::new(model).to_json(),
                )]));
                g.out.clear();
                g.adapt(&pages);
                adapts_tried += 1;
                match compile(&g.out, &mut loader) {
                    Ok(_) => adapts += 1,
                    Err(e) => *errors.entry(e.join("; ")).or_default() += 1,
                }
            }
            Err(d) => {
                let first = d.first().map(|d| d.message.clone()).unwrap_or_default();
                *errors.entry(first).or_default() += 1;
            }
        }
    }
    assert!(
        forms >= 180,
        "only {forms} of 200 generated forms compile: {errors:#?}"
    );
    assert!(
        adapts * 10 >= adapts_tried * 7,
        "only {adapts} of {adapts_tried} generated adaptations compile: {errors:#?}"
    );
}
