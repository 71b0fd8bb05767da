//! efa-core: the intermediate model of a compiled form and everything that runs on it.
//!
//! It owns the [`model`] (the serialisation contract of the `.form.json` artifact), the
//! expression evaluator, submission validation (SPEC section 3), the JSON Schema export
//! and loading/saving artifacts with their hash.
//!
//! It must not know about source text, files, clocks, terminals, HTML or browsers: the
//! date of `today()` is passed in by the caller, and everything here also builds for
//! `wasm32-unknown-unknown`.

#![deny(missing_docs)]

pub mod artifact;
pub mod diff;
mod eval;
mod evaluation;
pub mod expr;
mod form;
pub mod formats;
pub mod json;
mod messages;
pub mod model;
mod pattern;
pub mod schema;
mod validate;
pub mod value;

pub use artifact::{Artifact, ArtifactError};
pub use evaluation::Evaluation;
pub use form::{Form, ModelError};
pub use validate::{ErrorCode, FeeAmount, ValidateOptions, ValidationError, ValidationResult};

/// Checks a `pattern` the way loading a form does: it must be a valid regular expression
/// (`regex-lite` syntax: that of the `regex` crate with ASCII classes and no `\p{..}`),
/// matched against the whole value, and not too large.
pub fn check_pattern(regex: &str) -> Result<(), String> {
    pattern::compile_pattern(regex).map(|_| ())
}

/// Whether `text` as a whole matches `pattern`, as validation decides it; the error of
/// [`check_pattern`] if the pattern is not valid.
pub fn pattern_matches(pattern: &str, text: &str) -> Result<bool, String> {
    pattern::compile_pattern(pattern).map(|re| re.is_match(text))
}
