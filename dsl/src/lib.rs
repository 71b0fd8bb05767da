//! efa-dsl: the `.form` language.
//!
//! It owns the pest grammar (confined to [`syntax`]), the owned [`ast`] with spans, the
//! compiler from AST to the [`efa_core::model`], and [`diagnostic`]s. It must not know
//! about files on disk, terminals or HTML: callers hand it source text and render the
//! diagnostics themselves.

#![deny(missing_docs)]

pub mod ast;
pub mod diagnostic;
pub mod span;

pub use diagnostic::{Code, Diagnostic, Label, Severity};
pub use span::{FileId, Span};
