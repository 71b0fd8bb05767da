//! efa-wasm: the efa-forms runtime for the browser (SPEC section 8).
//!
//! A thin layer over [`efa_core`]: the browser loads the very same artifact, validator
//! and evaluator as the server, so the two cannot disagree. This crate adds no logic of
//! its own, only conversion:
//!
//! - this module (built on every target, tested on the host): loading an artifact,
//!   reading the options and the data, and writing results as JSON text;
//! - `js` (only on `wasm32`): the `wasm-bindgen` class `Form` that JavaScript sees, one
//!   `convert_error`, and `JSON.stringify`/`JSON.parse` at the boundary.
//!
//! Invariant: values cross the boundary as JSON text, parsed and written by `serde_json`
//! exactly as `efa validate` does (data in: `JSON.stringify` then serde_json's reader,
//! through [`efa_core::json::parse`], which reads as `serde_json::from_str` does without
//! its float code; results out: `serde_json` then `JSON.parse`). So `Form.validate` in the browser returns the
//! same JSON as the command line for the same data, number formatting included; the
//! `validateJson` method returns the very text. (This is why the crate does not use
//! `serde-wasm-bindgen`: it would build JavaScript values directly and round numbers
//! differently from `serde_json`.)
//!
//! The npm package `efa-forms` (`import init, { Form } from "efa-forms"`) is built from
//! this crate by `wasm/build.sh`; `wasm/js/efa-enhance.js` is the script that enhances
//! the pages `efa-render` produces.

#![deny(missing_docs)]

use chrono::NaiveDate;
use efa_core::{Artifact, ArtifactError, ModelError, ValidateOptions};
use serde::Serialize;
use serde_json::Value as Json;

#[cfg(target_arch = "wasm32")]
mod js;

/// Why a call failed; JavaScript sees it as an `Error` with this message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The artifact is not one (malformed, unknown format, hash mismatch, inconsistent).
    #[error("{0}")]
    Artifact(#[from] ArtifactError),
    /// The artifact's model does not load (it was not built by `efa build`).
    #[error("the artifact's model cannot be loaded: {0}")]
    Model(#[from] ModelError),
    /// The submission given as JSON text is not JSON.
    #[error("the data is not valid JSON: {0}")]
    Data(serde_json::Error),
    /// An option of the wrong type or form.
    #[error("invalid option {name}: {message}")]
    Option {
        /// `lang` or `today`.
        name: &'static str,
        /// What is wrong with it.
        message: &'static str,
    },
    /// A value JavaScript cannot turn into JSON (a `BigInt`, a cycle).
    #[error("{0}")]
    Js(String),
}

/// A loaded form, with its hash and the text of its model as the artifact has them.
#[derive(Debug)]
pub struct Loaded {
    /// The form, indexed for evaluation.
    pub form: efa_core::Form,
    /// The artifact's hash (`sha256:...`).
    pub hash: String,
    /// The artifact's model as compact JSON (what `Form.model()` returns, parsed): the
    /// runtime never serialises the typed model.
    pub model_json: String,
}

/// Loads a compiled artifact (`.form.json` text): format, consistency and hash checked
/// (SPEC section 5), then the model indexed for evaluation.
pub fn load(artifact_json: &str) -> Result<Loaded, Error> {
    let read = Artifact::read(artifact_json)?;
    Ok(Loaded {
        form: efa_core::Form::new(read.artifact.model)?,
        hash: read.artifact.hash,
        model_json: read.model_json,
    })
}

/// The options of a call: `lang` as given (the core falls back to the form's default
/// language), `today` as `YYYY-MM-DD` or, when absent, `default_today`.
pub fn options(
    lang: Option<String>,
    today: Option<&str>,
    default_today: NaiveDate,
) -> Result<ValidateOptions, Error> {
    let today = match today {
        None => default_today,
        Some(s) => efa_core::value::parse_date(s).ok_or(Error::Option {
            name: "today",
            message: "expected a calendar date as YYYY-MM-DD",
        })?,
    };
    Ok(ValidateOptions { lang, today })
}

/// Reads a submission given as JSON text, as `efa validate` reads its file.
pub fn parse_data(text: &str) -> Result<Json, Error> {
    efa_core::json::parse(text).map_err(Error::Data)
}

/// A result as JSON text: compact, or pretty exactly as `efa validate` prints it (without
/// the final newline).
pub fn to_json<T: Serialize + ?Sized>(value: &T, pretty: bool) -> String {
    // The results of efa-core are plain data with string keys: serialising cannot fail.
    if pretty {
        serde_json::to_string_pretty(value).unwrap_or_default()
    } else {
        serde_json::to_string(value).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: &str = r#"{"format":"efa-form/1","id":"t","version":"1.0.0","publisher":"TH","hash":"HASH","model":{"id":"t","version":"1.0.0","title":{"de":"T"},"publisher":"TH","languages":["de","en"],"pages":[{"id":"p","title":{"de":"P"},"items":[{"kind":"field","id":"n","type":"integer","label":{"de":"N","en":"N"},"required":"always"}]}]}}"#;

    fn artifact() -> String {
        let raw: serde_json::Value = serde_json::from_str(FORM).expect("json");
        let model: efa_core::model::FormModel =
            serde_json::from_value(raw["model"].clone()).expect("a model");
        Artifact::new(model).to_json()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date")
    }

    #[test]
    fn loads_and_validates_like_the_cli() {
        let loaded = load(&artifact()).expect("loads");
        let form = &loaded.form;
        assert_eq!(
            loaded.model_json,
            serde_json::to_string(form.model()).expect("json")
        );
        assert_eq!(loaded.hash, efa_core::artifact::model_hash(form.model()));
        let opts = options(Some("en".into()), Some("2026-11-23"), today()).expect("options");
        let data = parse_data(r#"{"n": 1.0, "x": true}"#).expect("json");
        let text = to_json(&form.validate(&data, &opts), true);
        assert_eq!(
            text,
            serde_json::to_string_pretty(&form.validate(&data, &opts)).expect("json")
        );
        assert!(text.contains("\"unknown\""), "{text}");
    }

    #[test]
    fn a_tampered_artifact_is_refused_naming_the_hash() {
        let changed = artifact().replace("\"N\"", "\"M\"");
        let e = load(&changed).expect_err("tampered");
        assert!(e.to_string().contains("hash"), "{e}");
    }

    #[test]
    fn options_are_checked() {
        assert!(options(None, Some("2026-02-30"), today()).is_err());
        assert!(options(None, Some("23.11.2026"), today()).is_err());
        let o = options(None, None, today()).expect("defaults");
        assert_eq!(o.today, today());
        assert_eq!(o.lang, None);
        assert!(parse_data("{").is_err());
    }
}
