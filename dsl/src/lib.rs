//! efa-dsl: the `.form` language.
//!
//! It owns the pest grammar (confined to one private module), the owned [`ast`] with spans, the
//! compiler from AST to the [`efa_core::model`], and [`diagnostic`]s. It must not know
//! about files on disk, terminals or HTML: callers hand it source text and render the
//! diagnostics themselves.

#![deny(missing_docs)]

pub mod ast;
mod compile;
pub mod diagnostic;
pub mod fmt;
mod source;
pub mod span;
mod syntax;

pub use compile::{
    compile, compile_adapt, compile_form, compile_str, compile_with, BaseLoader, Compiled, NoBase,
};
pub use diagnostic::{Code, Diagnostic, Label, Severity};
pub use fmt::format_source;
pub use source::SourceMap;
pub use span::{FileId, Span};
pub use syntax::parse;
