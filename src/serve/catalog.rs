//! The forms a server offers: every `*.form`, `*.adapt.form` and `*.form.json` under the
//! served directory, compiled, and recompiled when a file changes.
//!
//! Watching is done by polling: once a second the directory is walked and every form
//! file's modification time and size are compared with the last walk. Polling needs no
//! platform-specific notification API, sees the rename-over writes of editors and
//! files on network mounts alike, and costs a few `stat` calls for a directory of forms.
//! When anything changed, *every* form is recompiled (a form compiles in milliseconds,
//! and an adaptation depends on its base artifact, so recompiling only the changed
//! file could miss a dependent one), and the new [`Catalog`] replaces the old one at once.
//!
//! A form that does not compile stays in the catalog as [`Entry::Broken`] under the id it
//! had when it last compiled (else its file name): its pages show the diagnostics, so an
//! author previewing an edit sees what is wrong, and the JSON API answers 503 with them.
//! The previous good version is deliberately not served any more: a submission must
//! never be accepted against a form that differs from the file on disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use efa_forms::core::{schema::json_schema, Artifact, Form};
use efa_forms::dsl::Severity;
use efa_forms::LoadError;
use serde_json::Value as Json;

use crate::cli::report;

/// At most this many form files are served from one directory.
const MAX_FILES: usize = 10_000;
/// Directories deeper than this below the served one are not walked.
const MAX_DEPTH: usize = 16;

/// A form that compiled, with everything the routes hand out precomputed.
#[derive(Debug)]
pub(crate) struct ReadyForm {
    /// The form's id (the model's).
    pub id: String,
    /// The file it came from, as shown to people.
    pub file: String,
    /// The runtime form.
    pub form: Form,
    /// The compiled artifact (`.form.json`).
    pub artifact_json: String,
    /// The JSON Schema of its data.
    pub schema_json: String,
    /// The artifact's hash (`sha256:...`).
    pub hash: String,
}

/// A form file that does not compile (or does not load).
#[derive(Debug)]
pub(crate) struct BrokenForm {
    /// The file, as shown to people.
    pub file: String,
    /// Each diagnostic as plain text, with its source snippet.
    pub details: Vec<String>,
    /// Each diagnostic as JSON (the shape of `efa check --json`).
    pub json: Vec<Json>,
    /// Why it is not served, in one line.
    pub reason: String,
}

/// A form id and what it stands for.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    /// Served.
    Ready(Arc<ReadyForm>),
    /// Known, but its file does not compile: routes show why.
    Broken(Arc<BrokenForm>),
}

/// Every form of the served directory at one moment.
#[derive(Debug, Default)]
pub(crate) struct Catalog {
    /// By id: the forms that compiled, and broken files under the id they would have.
    pub forms: BTreeMap<String, Entry>,
    /// Every file that is not served (does not compile, or repeats another's id), with
    /// the id under which [`Catalog::forms`] shows it, if any.
    pub unavailable: Vec<(Arc<BrokenForm>, Option<String>)>,
    /// The id each file had when it last compiled.
    last_ids: BTreeMap<PathBuf, String>,
}

impl Catalog {
    /// The forms that compiled, by id.
    pub fn ready(&self) -> impl Iterator<Item = &Arc<ReadyForm>> {
        self.forms.values().filter_map(|e| match e {
            Entry::Ready(f) => Some(f),
            Entry::Broken(_) => None,
        })
    }
}

/// The catalog shared by the request handlers and the watcher.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    current: RwLock<Arc<Catalog>>,
}

impl Shared {
    /// The catalog as it is now.
    pub fn get(&self) -> Arc<Catalog> {
        match self.current.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set(&self, catalog: Catalog) {
        let catalog = Arc::new(catalog);
        match self.current.write() {
            Ok(mut c) => *c = catalog,
            Err(poisoned) => *poisoned.into_inner() = catalog,
        }
    }
}

/// What the watcher compares between walks: each form file's path, modification time
/// and size.
type Fingerprint = Vec<(PathBuf, Option<SystemTime>, u64)>;

/// Whether a file name is a form file the server serves.
fn is_form_file(name: &str) -> bool {
    name.ends_with(".form") || name.ends_with(".form.json")
}

/// The id a form file would have by its name: the name without `.adapt.form`,
/// `.form.json` or `.form`.
fn id_from_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for suffix in [".adapt.form", ".form.json", ".form"] {
        if let Some(stem) = name.strip_suffix(suffix) {
            return stem.to_owned();
        }
    }
    name
}

/// Walks `dir` for form files, skipping hidden entries, sorted by path.
fn walk(dir: &Path) -> Fingerprint {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), 0usize)];
    while let Some((d, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            // Follow symbolic links to files, but not to directories (no loops).
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if depth < MAX_DEPTH {
                    stack.push((path, depth + 1));
                }
                continue;
            }
            if !is_form_file(&name) || out.len() >= MAX_FILES {
                continue;
            }
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if meta.is_file() {
                out.push((path, meta.modified().ok(), meta.len()));
            }
        }
    }
    out.sort_by_key(|f| order_key(&f.0));
    out
}

/// Sources come before artifacts of the same name, so that a form is served from its
/// source when its built artifact lies beside it.
fn order_key(path: &Path) -> (PathBuf, bool) {
    let is_artifact = efa_forms::is_artifact_path(path);
    (path.with_file_name(id_from_name(path)), is_artifact)
}

/// Compiles every file of a walk into a catalog. `previous` gives the ids files had.
fn build(files: &Fingerprint, previous: &Catalog) -> Catalog {
    let mut catalog = Catalog::default();
    let mut broken: Vec<(PathBuf, Arc<BrokenForm>)> = Vec::new();
    for (path, _, _) in files {
        let file = path.display().to_string();
        match efa_forms::load_form(path) {
            Ok(loaded) => {
                let model = loaded.form.model().clone();
                let id = model.id.clone();
                let schema_json = serde_json::to_string_pretty(&json_schema(&model))
                    .unwrap_or_else(|_| "{}".to_owned());
                let artifact = Artifact::new(model);
                let hash = artifact.hash.clone();
                let artifact_json = artifact.to_json();
                catalog.last_ids.insert(path.clone(), id.clone());
                match catalog.forms.get(&id) {
                    Some(Entry::Ready(other)) => {
                        if other.hash != hash {
                            let reason = format!(
                                "{file}: the form id `{id}` is already served from {}; this file is not served",
                                other.file
                            );
                            broken.push((
                                path.clone(),
                                Arc::new(BrokenForm {
                                    file: file.clone(),
                                    details: vec![reason.clone()],
                                    json: vec![report::file_problem_json(
                                        &file,
                                        Severity::Error,
                                        &reason,
                                    )],
                                    reason,
                                }),
                            ));
                        }
                        // The same hash: the built artifact of a served source.
                    }
                    _ => {
                        catalog.forms.insert(
                            id.clone(),
                            Entry::Ready(Arc::new(ReadyForm {
                                id,
                                file,
                                form: loaded.form,
                                artifact_json,
                                schema_json,
                                hash,
                            })),
                        );
                    }
                }
            }
            Err(e) => broken.push((path.clone(), Arc::new(broken_form(&file, e)))),
        }
    }
    for (path, b) in broken {
        let id = previous
            .last_ids
            .get(&path)
            .cloned()
            .unwrap_or_else(|| id_from_name(&path));
        if let Some(old) = previous.last_ids.get(&path) {
            catalog
                .last_ids
                .entry(path.clone())
                .or_insert_with(|| old.clone());
        }
        let key = if catalog.forms.contains_key(&id) {
            None
        } else {
            catalog.forms.insert(id.clone(), Entry::Broken(b.clone()));
            Some(id)
        };
        catalog.unavailable.push((b, key));
    }
    catalog
}

/// The diagnostics of a file that does not load, as text and as JSON.
fn broken_form(file: &str, error: LoadError) -> BrokenForm {
    match error {
        LoadError::Compile {
            diagnostics,
            sources,
            ..
        } => {
            let mut details = Vec::new();
            let mut json = Vec::new();
            for d in &diagnostics {
                let mut buf = Vec::new();
                let _ = report::write_human(&mut buf, std::slice::from_ref(d), &sources, false);
                details.push(String::from_utf8_lossy(&buf).trim_end().to_owned());
                json.push(report::to_json(d, &sources));
            }
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            let reason = format!(
                "{file} does not compile ({errors} error{})",
                if errors == 1 { "" } else { "s" }
            );
            BrokenForm {
                file: file.to_owned(),
                details,
                json,
                reason,
            }
        }
        other => {
            let message = crate::cli::one_line(&other.to_string());
            BrokenForm {
                file: file.to_owned(),
                details: vec![message.clone()],
                json: vec![report::file_problem_json(file, Severity::Error, &message)],
                reason: message,
            }
        }
    }
}

/// Compiles the directory once and returns the shared catalog with the walk it came from.
pub(crate) fn load(dir: &Path) -> (Arc<Shared>, Fingerprint) {
    let files = walk(dir);
    let shared = Arc::new(Shared::default());
    shared.set(build(&files, &Catalog::default()));
    (shared, files)
}

/// Starts the watcher: a thread that walks `dir` every `interval` and recompiles when
/// a form file was added, removed or changed. It prints one line per recompilation.
pub(crate) fn watch(
    dir: PathBuf,
    shared: Arc<Shared>,
    mut last: Fingerprint,
    interval: Duration,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("efa-watch".into())
        // Compiling hostile input recurses; as much room as the command itself has.
        .stack_size(64 * 1024 * 1024)
        .spawn(move || loop {
            std::thread::sleep(interval);
            let files = walk(&dir);
            if files == last {
                continue;
            }
            let previous = shared.get();
            let catalog = build(&files, &previous);
            eprintln!("efa serve: recompiled: {}", summary(&catalog));
            for (b, _) in &catalog.unavailable {
                eprintln!("efa serve: {}", b.reason);
            }
            shared.set(catalog);
            last = files;
        })
        .map(|_| ())
}

/// `3 forms`.
pub(crate) fn count(catalog: &Catalog) -> String {
    let n = catalog.ready().count();
    format!("{n} form{}", if n == 1 { "" } else { "s" })
}

/// `3 forms` or `3 forms, 1 file not served`.
pub(crate) fn summary(catalog: &Catalog) -> String {
    let mut s = count(catalog);
    match catalog.unavailable.len() {
        0 => {}
        1 => s.push_str(", 1 file not served"),
        n => s.push_str(&format!(", {n} files not served")),
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_file_names() {
        assert_eq!(id_from_name(Path::new("a/hund.form")), "hund");
        assert_eq!(id_from_name(Path::new("a/hund_he.adapt.form")), "hund_he");
        assert_eq!(id_from_name(Path::new("a/hund.form.json")), "hund");
        assert!(is_form_file("x.adapt.form"));
        assert!(!is_form_file("sample.json"));
    }

    #[test]
    fn sources_before_artifacts() {
        let mut v = [
            PathBuf::from("d/hund.form.json"),
            PathBuf::from("d/hund.form"),
        ];
        v.sort_by_key(|p| order_key(p));
        assert_eq!(v[0], PathBuf::from("d/hund.form"));
    }
}
