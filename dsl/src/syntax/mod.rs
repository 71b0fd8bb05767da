//! Source text to the owned [`ast`](crate::ast): the only place that knows about pest.
//!
//! [`parse`] runs in three steps:
//!
//! 1. a linear pre-scan ([`lex`]) rejects oversized input, bounds bracket nesting before
//!    pest recurses, and collects the `//` comments for the formatter;
//! 2. pest matches the grammar in `form.pest`;
//! 3. pest's tokens are flattened into one array (`tree.rs`) and converted at once into
//!    the owned AST (`lower.rs`), which arranges operators by precedence (Pratt parsing).
//!
//! Syntax errors are described in the form author's terms (`errors.rs`): what was
//! expected there, the token that was found, and a hint where one helps. pest rule
//! names never reach a message.
//!
//! Invariant: nothing here panics, loops or recurses without bound on any input. The
//! source is at most [`MAX_SOURCE_BYTES`]; brackets nest at most [`MAX_NESTING`](lex::MAX_NESTING)
//! (64) deep, prefix operators chain at most as deep, and an expression tree is at most
//! [`MAX_EXPR_DEPTH`](lower::MAX_EXPR_DEPTH) (256) levels deep.

mod errors;
mod lex;
mod lower;
mod tree;

#[cfg(test)]
mod tests;

use pest::Parser as _;

use crate::ast;
use crate::diagnostic::{Code, Diagnostic};
use crate::span::{FileId, Span};

/// The largest source accepted, in bytes (8 MiB).
pub const MAX_SOURCE_BYTES: usize = 8 * 1024 * 1024;

/// The pest parser; private so that no pest type leaves this module.
mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "syntax/form.pest"]
    pub(super) struct FormParser;
}

use grammar::{FormParser, Rule};

/// Parses a `.form` source into its syntax tree.
///
/// Returns every comment in [`ast::File::comments`]. On failure, returns the syntax
/// error (`E0001`) at the first place the text stops following the language, or
/// `E0019` if the input is too large or nested too deeply; escape and number errors
/// found while building the tree are all reported together.
pub fn parse(source: &str, file: FileId) -> Result<ast::File, Vec<Diagnostic>> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(vec![Diagnostic::new(
            Code::TooComplex,
            Span::new(file, 0, 0),
            format!(
                "the source is too large ({} bytes; at most {} MiB)",
                source.len(),
                MAX_SOURCE_BYTES / (1024 * 1024)
            ),
        )
        .with_hint("split the form into smaller forms")]);
    }
    let scan = lex::prescan(source, file).map_err(|d| vec![d])?;
    let pairs = FormParser::parse(Rule::file, source)
        .map_err(|e| vec![errors::syntax_error(source, file, &e)])?;
    let doc = lower::lower_file(pairs, source, file)?;
    Ok(ast::File {
        doc,
        comments: scan.comments,
    })
}
