//! efa-fim: import FIM XDatenfelder documents as `.form` source text (SPEC section 9).
//!
//! The federal FIM building block publishes the data fields of a service as XDatenfelder
//! XML: a Stammdatenschema made of Datenfeldgruppen and Datenfelder with their types,
//! lengths, patterns, code lists, multiplicities and rules. This crate reads such a
//! document (XDatenfelder 2.0 or 3.0; a Stammdatenschema, Datenfeldgruppe or Datenfeld
//! message) and writes an equivalent `.form` source, formatted canonically, that
//! `efa_dsl::compile_str` accepts. What the language cannot express (free-text rules,
//! hidden fields, constraints that do not fit a type) is kept as `//` comments and
//! reported as [`Warning`]s; a malformed or unknown document is refused with an
//! [`ImportError`] that names the element and its line.
//!
//! It owns the XDatenfelder reader, the mapping to the language and the genericode
//! code-list reader ([`parse_codelist`]). It must not know about files, the command line
//! or rendering: callers hand it bytes and print what it returns. It produces source
//! text, never a model, so that the compiler stays the one judge of what a form means.
//!
//! XML is parsed with `roxmltree` into a read-only DOM: XDatenfelder documents are small
//! (a large Stammdatenschema is a few megabytes), a tree makes the structural checks and
//! the line/column positions simple, and input is bounded ([`MAX_INPUT_BYTES`], group
//! nesting [`MAX_GROUP_DEPTH`]). DTDs are refused, so no entity expansion can happen.
//!
//! # Example
//!
//! ```
//! let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
//! <xdf:xdatenfelder.datenfeldgruppe.0103 xmlns:xdf="urn:xoev-de:fim:standard:xdatenfelder_3.0.0">
//!   <xdf:header><xdf:nachrichtID>1</xdf:nachrichtID></xdf:header>
//!   <xdf:datenfeldgruppe>
//!     <xdf:identifikation><xdf:id>G1</xdf:id><xdf:version>1.0.0</xdf:version></xdf:identifikation>
//!     <xdf:name>Hund</xdf:name>
//!     <xdf:struktur>
//!       <xdf:anzahl>1:1</xdf:anzahl>
//!       <xdf:enthaelt>
//!         <xdf:datenfeld>
//!           <xdf:identifikation><xdf:id>F1</xdf:id></xdf:identifikation>
//!           <xdf:name>Name des Hundes</xdf:name>
//!           <xdf:feldart><code>input</code></xdf:feldart>
//!           <xdf:datentyp><code>text</code></xdf:datentyp>
//!         </xdf:datenfeld>
//!       </xdf:enthaelt>
//!     </xdf:struktur>
//!   </xdf:datenfeldgruppe>
//! </xdf:xdatenfelder.datenfeldgruppe.0103>"#;
//! let imported = efa_fim::import(xml.as_bytes(), &efa_fim::Options::default())?;
//! assert!(imported.source.contains("field name_des_hundes: text {"));
//! # Ok::<(), efa_fim::ImportError>(())
//! ```

#![deny(missing_docs)]

mod codelist;
mod emit;
mod ids;
mod read;
mod text;
mod xml;

use std::borrow::Cow;
use std::fmt;

pub use codelist::{parse_codelist, CodeList};

/// The largest document (or code list) accepted: 16 MiB.
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;

/// How deeply Datenfeldgruppen may nest in one another.
pub const MAX_GROUP_DEPTH: usize = 32;

/// Why a document was refused: the element, where it starts, and what is wrong.
///
/// Shown as `LINE:COL: ELEMENT: MESSAGE`; the command line puts the file name in front.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// 1-based line of the element (or of the XML syntax error).
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// The element as written in the document (`xdf:id`), or `xml` for a syntax error.
    pub element: String,
    /// What is wrong, in one line.
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.line, self.column, self.element, self.message
        )
    }
}

impl std::error::Error for ImportError {}

/// Something the import could not map and kept as a comment, or a choice it made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// 1-based line of the element it is about.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// What happened, in one line.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.line, self.message)
    }
}

/// What the import may use besides the document.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Code lists (genericode) that give the values of `select` fields, matched by their
    /// canonical URI. A select whose list is not given keeps an empty list naming its
    /// code list, which accepts any non-empty code.
    pub codelists: Vec<CodeList>,
    /// The owning state written as `publisher` (default `"FIM"`, a placeholder).
    pub publisher: Option<String>,
}

/// The result of an import.
#[derive(Debug, Clone)]
pub struct Import {
    /// The `.form` source, formatted canonically, ending in a newline.
    pub source: String,
    /// The id of the generated form (the file name it would naturally get).
    pub form_id: String,
    /// What was kept as comments or decided, in document order.
    pub warnings: Vec<Warning>,
    /// The canonical URIs of the given code lists that some select used.
    pub used_codelists: Vec<String>,
}

/// Imports an XDatenfelder document given as bytes (UTF-8, or ISO-8859-1 /
/// windows-1252 when its XML declaration says so).
pub fn import(bytes: &[u8], options: &Options) -> Result<Import, ImportError> {
    let text = decode(bytes)?;
    import_str(&text, options)
}

/// Imports an XDatenfelder document given as text.
pub fn import_str(text: &str, options: &Options) -> Result<Import, ImportError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(too_large());
    }
    let doc = xml::parse(text)?;
    let mut warnings = Vec::new();
    let parsed = read::read(&doc, &mut warnings)?;
    let out = emit::emit(&parsed, options, &mut warnings);
    warnings.sort_by_key(|w| (w.line, w.column));
    // The canonical layout is `efa fmt`'s; should the formatter ever refuse the source
    // (it cannot, short of a bug), the emitter's own layout is kept.
    let source = efa_dsl::format_source(&out.source).unwrap_or(out.source);
    Ok(Import {
        source,
        form_id: out.form_id,
        warnings,
        used_codelists: out.used_codelists,
    })
}

fn too_large() -> ImportError {
    ImportError {
        line: 1,
        column: 1,
        element: "xml".to_owned(),
        message: "the document is larger than 16 MiB".to_owned(),
    }
}

/// Turns the bytes of an XML document into text: UTF-8 (a byte order mark is skipped),
/// or ISO-8859-1 / windows-1252 when the XML declaration names that encoding.
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, ImportError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(too_large());
    }
    let refuse = |message: String| ImportError {
        line: 1,
        column: 1,
        element: "xml".to_owned(),
        message,
    };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(refuse(
            "the document is UTF-16; save it as UTF-8".to_owned(),
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let encoding = declared_encoding(bytes).map(|e| e.to_ascii_lowercase());
    match encoding.as_deref() {
        None | Some("utf-8" | "utf8") => match std::str::from_utf8(bytes) {
            Ok(s) => Ok(Cow::Borrowed(s)),
            Err(e) => {
                let at = e.valid_up_to();
                let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
                Err(ImportError {
                    line: u32::try_from(line).unwrap_or(u32::MAX),
                    column: 1,
                    element: "xml".to_owned(),
                    message: format!("the document is not valid UTF-8 (byte {at})"),
                })
            }
        },
        Some("iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "l1") => {
            Ok(Cow::Owned(bytes.iter().map(|b| char::from(*b)).collect()))
        }
        Some("iso-8859-15" | "latin-9" | "latin9") => Ok(Cow::Owned(
            bytes.iter().map(|b| text::iso_8859_15(*b)).collect(),
        )),
        Some("windows-1252" | "cp1252") => Ok(Cow::Owned(
            bytes.iter().map(|b| text::windows_1252(*b)).collect(),
        )),
        Some(other) => Err(refuse(format!(
            "the encoding `{other}` is not supported; use UTF-8"
        ))),
    }
}

/// The `encoding` of the XML declaration, if the document starts with one.
fn declared_encoding(bytes: &[u8]) -> Option<&str> {
    let head = bytes.get(..bytes.len().min(256))?;
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let rest = &decl[decl.find("encoding")? + "encoding".len()..];
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next()?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let value = &rest[1..];
    Some(&value[..value.find(quote)?])
}
