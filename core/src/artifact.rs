//! The portable artifact (`.form.json`, format `efa-form/1`): the model plus the hash
//! that lets another state check it received exactly what the owner published.
//!
//! Invariant: the hash is `sha256:` + hex SHA-256 over the canonical serialisation of
//! the model, which is compact `serde_json` output of [`FormModel`] (struct fields in
//! declaration order, maps sorted by key). The same model always gives the same bytes.
//!
//! Reading checks the hash over the model as it stands in the artifact: the compact
//! JSON of its value as read (serde_json keeps the order of keys and the text of
//! numbers). For every artifact `efa build` writes, those are the canonical bytes; the
//! reader never serialises the typed model, so the browser runtime carries no code for
//! it. (A hand-edited artifact whose keys were reordered no longer matches its hash.)

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{BaseRef, FormModel};

/// The artifact format this crate reads and writes.
pub const FORMAT: &str = "efa-form/1";

/// Why an artifact could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArtifactError {
    /// Not JSON, or not shaped like an artifact.
    #[error("not a valid form artifact: {message}")]
    Malformed {
        /// What is wrong.
        message: String,
        /// Where in the text (1-based line and column), when that is known.
        at: Option<(usize, usize)>,
    },
    /// A `format` this version does not know.
    #[error("unknown artifact format {found:?} (this efa reads {FORMAT:?})")]
    UnknownFormat {
        /// What the file says.
        found: String,
    },
    /// The model was changed after the hash was computed.
    #[error("hash mismatch: the artifact says {declared} but its model hashes to {actual}; it was changed after it was built")]
    HashMismatch {
        /// The hash in the file.
        declared: String,
        /// The hash of the model as found.
        actual: String,
    },
    /// Top-level `id`, `version`, `publisher` or `base` disagree with the model.
    #[error("the artifact's {field} ({outer:?}) does not match its model ({inner:?})")]
    Inconsistent {
        /// Which entry.
        field: &'static str,
        /// Top-level value.
        outer: String,
        /// Model value.
        inner: String,
    },
}

impl ArtifactError {
    /// A JSON error, with its place in the text when the reader knows it (serde_json
    /// says line 0 for errors found in an already parsed value; a column of 0 is the
    /// start of a line).
    fn malformed(e: &serde_json::Error) -> Self {
        ArtifactError::Malformed {
            message: e.to_string(),
            at: (e.line() > 0).then(|| (e.line(), e.column().max(1))),
        }
    }
}

/// A compiled form as shipped between states.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    /// Always [`FORMAT`].
    pub format: String,
    /// The form id.
    pub id: String,
    /// The form version.
    pub version: String,
    /// The publishing state.
    pub publisher: String,
    /// `sha256:...` over the canonical model.
    pub hash: String,
    /// For adaptations: what was adapted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<BaseRef>,
    /// The validated model.
    pub model: FormModel,
}

/// The canonical bytes of a model (what the hash is computed over).
pub fn canonical_bytes(model: &FormModel) -> Vec<u8> {
    // Serialising plain structs, strings and texts cannot fail.
    serde_json::to_vec(model).unwrap_or_default()
}

/// `sha256:` + hex digest of the canonical model.
pub fn model_hash(model: &FormModel) -> String {
    hash_of(&canonical_bytes(model))
}

/// `sha256:` + hex digest of some bytes.
fn hash_of(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest {
        out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        out.push(char::from_digit(u32::from(b & 15), 16).unwrap_or('0'));
    }
    out
}

impl Artifact {
    /// Wraps a model, computing its hash.
    pub fn new(model: FormModel) -> Self {
        Artifact {
            format: FORMAT.to_owned(),
            id: model.id.clone(),
            version: model.version.clone(),
            publisher: model.publisher.clone(),
            hash: model_hash(&model),
            base: model.base.clone(),
            model,
        }
    }

    /// The artifact as a file: pretty JSON with a final newline, byte-identical for the same model.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Reads an artifact, checking its format, consistency and hash.
    pub fn from_json(text: &str) -> Result<Artifact, ArtifactError> {
        Artifact::read(text).map(|read| read.artifact)
    }

    /// Reads an artifact like [`Artifact::from_json`], and keeps the text of its model
    /// that the hash was checked over.
    pub fn read(text: &str) -> Result<ReadArtifact, ArtifactError> {
        let raw = crate::json::parse(text).map_err(|e| ArtifactError::malformed(&e))?;
        match raw.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT) => {}
            Some(other) => {
                return Err(ArtifactError::UnknownFormat {
                    found: other.to_owned(),
                })
            }
            None => {
                return Err(ArtifactError::Malformed {
                    message: "it has no \"format\" entry".to_owned(),
                    at: None,
                })
            }
        }
        let art = crate::model::read::artifact(&raw).map_err(|message| {
            // Natively, read the text once more with serde's derived code to say where a
            // mistake in a hand-edited artifact is (line and column); it fails alike. The
            // browser runtime keeps the message without them rather than that code.
            #[cfg(not(target_arch = "wasm32"))]
            if let Err(positioned) = serde_json::from_str::<Artifact>(text) {
                return ArtifactError::malformed(&positioned);
            }
            ArtifactError::Malformed { message, at: None }
        })?;
        // Serialising a value that was parsed from JSON cannot fail.
        let model_json = raw
            .get("model")
            .and_then(|m| serde_json::to_string(m).ok())
            .unwrap_or_default();
        let actual = hash_of(model_json.as_bytes());
        if actual != art.hash {
            return Err(ArtifactError::HashMismatch {
                declared: art.hash,
                actual,
            });
        }
        let m = &art.model;
        for (field, outer, inner) in [
            ("id", &art.id, &m.id),
            ("version", &art.version, &m.version),
            ("publisher", &art.publisher, &m.publisher),
        ] {
            if outer != inner {
                return Err(ArtifactError::Inconsistent {
                    field,
                    outer: outer.clone(),
                    inner: inner.clone(),
                });
            }
        }
        if art.base != m.base {
            return Err(ArtifactError::Inconsistent {
                field: "base",
                outer: format!("{:?}", art.base),
                inner: format!("{:?}", m.base),
            });
        }
        Ok(ReadArtifact {
            artifact: art,
            model_json,
        })
    }
}

/// An artifact as read by [`Artifact::read`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ReadArtifact {
    /// The artifact, its format, consistency and hash checked.
    pub artifact: Artifact,
    /// Its model as compact JSON, the text the hash was checked over: for an artifact
    /// `efa build` wrote, [`canonical_bytes`] of the model.
    pub model_json: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Text;

    fn model() -> FormModel {
        FormModel {
            id: "t".into(),
            version: "1.0.0".into(),
            title: Text::new("de", "T"),
            description: None,
            leika: None,
            fim: None,
            publisher: "TH".into(),
            languages: vec!["de".into()],
            params: Vec::new(),
            lists: Vec::new(),
            pages: Vec::new(),
            fees: Vec::new(),
            checks: Vec::new(),
            base: None,
        }
    }

    #[test]
    fn reading_keeps_the_model_text_the_hash_was_checked_over() {
        let text = Artifact::new(model()).to_json();
        let read = Artifact::read(&text).expect("loads");
        assert_eq!(read.artifact, Artifact::new(model()));
        assert_eq!(read.model_json.as_bytes(), canonical_bytes(&model()));
    }

    /// The hash is checked over the model as written: the same model with its keys in
    /// another order is another text, and no longer matches.
    #[test]
    fn a_model_with_reordered_keys_fails_its_hash() {
        let text = Artifact::new(model()).to_json();
        let reordered = text.replacen(
            "\"id\": \"t\",\n    \"version\": \"1.0.0\",",
            "\"version\": \"1.0.0\",\n    \"id\": \"t\",",
            1,
        );
        assert_ne!(reordered, text);
        let raw: serde_json::Value = serde_json::from_str(&reordered).expect("JSON");
        let typed: FormModel = serde_json::from_value(raw["model"].clone()).expect("a model");
        assert_eq!(typed, model());
        assert!(matches!(
            Artifact::from_json(&reordered),
            Err(ArtifactError::HashMismatch { .. })
        ));
    }

    #[test]
    fn a_malformed_artifact_says_what_is_wrong_and_where() {
        let text = Artifact::new(model())
            .to_json()
            .replace("\"languages\"", "\"langs\"");
        let Err(ArtifactError::Malformed { message, at }) = Artifact::from_json(&text) else {
            panic!("malformed");
        };
        assert!(message.starts_with("unknown field `langs`"), "{message}");
        // Natively, where serde's derive found it in the text.
        assert!(at.is_some_and(|(line, _)| line > 1), "{at:?}");
    }
}
