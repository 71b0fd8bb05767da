//! efa-forms: write a German public-sector online form once, let every state reuse it.
//!
//! This is the facade of the project. The work happens in two crates, re-exported here:
//!
//! - [`dsl`] (`efa-dsl`): the `.form` language — parser, compiler to the model, and
//!   diagnostics with stable codes;
//! - [`core`] (`efa-core`): the compiled model, submission validation, JSON Schema export
//!   and the hashed `.form.json` artifact.
//!
//! On top of them this crate offers the loader shared by the `efa` command and the server:
//! [`load_form`] takes a path to a `.form` source or a compiled `.form.json` artifact and
//! gives back a [`Loaded`] form ready to validate submissions, together with the warnings
//! and the [`SourceMap`] needed to show them.
//!
//! # Example
//!
//! Compile a small form, validate a submission and print the result of SPEC section 3:
//!
//! ```
//! use efa_forms::{core::ValidateOptions, Loaded};
//!
//! let source = r#"form hund { version "1.0.0" title "Hundesteuer" publisher "HE"
//!   page halter "Halter" { field name: text { label "Name des Hundes" required } } }"#;
//! let loaded = Loaded::from_source("hund.form", source.to_owned())?;
//! let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
//! let data = serde_json::json!({ "name": "Bello" });
//! let result = loaded.form.validate(&data, &ValidateOptions::new(today));
//! println!("{}", serde_json::to_string_pretty(&result)?);
//! assert!(result.valid);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

pub use efa_core as core;
pub use efa_dsl as dsl;

use efa_core::model::FormModel;
use efa_core::{Artifact, ArtifactError, Form, ModelError};
use efa_dsl::{Diagnostic, SourceMap};

/// The largest source, artifact or data file the loader reads: 16 MiB.
///
/// Larger inputs are refused before they are read, so a hostile file cannot exhaust memory.
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// Why a file could not be read as text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// The file is larger than [`MAX_INPUT_BYTES`].
    #[error("{} is too large: more than 16 MiB", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes, or, for a stream, the number of bytes read before giving up.
        size: u64,
    },
    /// The file is not UTF-8 text.
    #[error("{} is not UTF-8 text", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
}

/// Why a form could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The source has compile errors.
    #[error("{name} does not compile ({})", count_errors(.diagnostics))]
    Compile {
        /// The file name, as given.
        name: String,
        /// Every diagnostic of the compilation: the errors and any warnings.
        diagnostics: Vec<Diagnostic>,
        /// The sources the diagnostics point into.
        sources: SourceMap,
    },
    /// The file is not a valid artifact: malformed, of an unknown format, or its hash
    /// does not match its content.
    #[error("{name}: {source}")]
    Artifact {
        /// The file name, as given.
        name: String,
        /// What is wrong with it.
        source: ArtifactError,
    },
    /// The model is internally inconsistent (an artifact edited by hand, or a compiler bug).
    #[error("{name}: the compiled form is inconsistent: {source}")]
    Model {
        /// The file name, as given.
        name: String,
        /// What is wrong with it.
        source: ModelError,
    },
}

fn count_errors(diagnostics: &[Diagnostic]) -> String {
    let n = diagnostics.iter().filter(|d| d.is_error()).count();
    if n == 1 {
        "1 error".to_owned()
    } else {
        format!("{n} errors")
    }
}

/// Where a loaded form came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A `.form` source, compiled.
    Source,
    /// A compiled `.form.json` artifact, its hash checked.
    Artifact,
}

/// A form loaded from a source or an artifact, ready to validate submissions.
#[derive(Debug)]
pub struct Loaded {
    /// The form; [`Form::model`] gives its model.
    pub form: Form,
    /// Warnings of the compilation (empty for an artifact).
    pub warnings: Vec<Diagnostic>,
    /// The source texts the warnings point into (empty for an artifact).
    pub sources: SourceMap,
    /// Whether it was compiled from source or read from an artifact.
    pub origin: Origin,
}

impl Loaded {
    /// The compiled model.
    pub fn model(&self) -> &FormModel {
        self.form.model()
    }

    /// Compiles a `.form` source. `name` is used in diagnostics (usually the path). An
    /// adaptation's base is looked up relative to the working directory; use
    /// [`Loaded::from_source_in`] to name the adaptation's own directory.
    pub fn from_source(name: &str, text: String) -> Result<Loaded, LoadError> {
        Loaded::from_source_in(name, text, Path::new("."))
    }

    /// Compiles a `.form` or `.adapt.form` source whose relative paths (an adaptation's
    /// base artifact) start at `dir`.
    pub fn from_source_in(name: &str, text: String, dir: &Path) -> Result<Loaded, LoadError> {
        let mut sources = SourceMap::new();
        let file = sources.add(name, text);
        let mut loader = DirBaseLoader {
            dir: dir.to_path_buf(),
        };
        let compiled = efa_dsl::compile_with(&sources, file, &mut loader);
        let Some(model) = compiled.model else {
            return Err(LoadError::Compile {
                name: name.to_owned(),
                diagnostics: compiled.diagnostics,
                sources,
            });
        };
        let form = Form::new(model).map_err(|source| LoadError::Model {
            name: name.to_owned(),
            source,
        })?;
        Ok(Loaded {
            form,
            warnings: compiled.diagnostics,
            sources,
            origin: Origin::Source,
        })
    }

    /// Reads a compiled `.form.json` artifact, checking its format and hash.
    pub fn from_artifact(name: &str, text: &str) -> Result<Loaded, LoadError> {
        let artifact = Artifact::from_json(text).map_err(|source| LoadError::Artifact {
            name: name.to_owned(),
            source,
        })?;
        let form = Form::new(artifact.model).map_err(|source| LoadError::Model {
            name: name.to_owned(),
            source,
        })?;
        Ok(Loaded {
            form,
            warnings: Vec::new(),
            sources: SourceMap::new(),
            origin: Origin::Artifact,
        })
    }
}

/// Reads adaptation bases from files, relative to a directory.
#[derive(Debug, Clone)]
pub struct DirBaseLoader {
    /// The directory relative paths start at (the adaptation file's).
    pub dir: PathBuf,
}

impl efa_dsl::BaseLoader for DirBaseLoader {
    fn load(&mut self, path: &str) -> Result<String, String> {
        let full = self.dir.join(path);
        read_text(&full).map_err(|e| e.to_string())
    }
}

/// Whether a path names a compiled artifact rather than a source: it ends in `.json`.
pub fn is_artifact_path(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json"))
}

/// Loads a form from a `.form` source or a compiled `.form.json` artifact (decided by the
/// extension `.json`, see [`is_artifact_path`]).
///
/// Sources are compiled, artifacts have their format and hash checked, and either way the
/// model is checked by [`Form::new`]. Diagnostics name the file as `path` displays.
pub fn load_form(path: &Path) -> Result<Loaded, LoadError> {
    let text = read_text(path)?;
    let name = path.display().to_string();
    if is_artifact_path(path) {
        Loaded::from_artifact(&name, &text)
    } else {
        let dir = path.parent().unwrap_or(Path::new("."));
        Loaded::from_source_in(&name, text, dir)
    }
}

/// Reads a UTF-8 text file of at most [`MAX_INPUT_BYTES`], dropping a leading byte order
/// mark. Too large a file is refused before it is read.
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    let io_err = |source| ReadError::Io {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    let size = file.metadata().map_err(io_err)?.len();
    if size > MAX_INPUT_BYTES {
        return Err(ReadError::TooLarge {
            path: path.to_owned(),
            size,
        });
    }
    read_limited(file, path)
}

/// Reads UTF-8 text of at most [`MAX_INPUT_BYTES`] from a reader (for example standard
/// input), dropping a leading byte order mark. `path` names the input in errors.
pub fn read_limited(reader: impl Read, path: &Path) -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| ReadError::Io {
            path: path.to_owned(),
            source,
        })?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(ReadError::TooLarge {
            path: path.to_owned(),
            size: bytes.len() as u64,
        });
    }
    let mut text = String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8 {
        path: path.to_owned(),
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}
