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
//! names never reach a message. After an error, parsing goes on (`recover.rs`): the piece
//! around it is blanked and the text parsed again, so a file's syntax errors come in one
//! run, and the compiler still sees the rest ([`parse_recovering`]).
//!
//! Invariant: nothing here panics, loops or recurses without bound on any input (recovery
//! parses again at most [`MAX_SYNTAX_ERRORS`] times and within a fixed budget of bytes). The
//! source is at most [`MAX_SOURCE_BYTES`]; brackets nest at most [`MAX_NESTING`](lex::MAX_NESTING)
//! (64) deep, prefix operators chain at most as deep, and an expression tree is at most
//! [`MAX_EXPR_DEPTH`](lower::MAX_EXPR_DEPTH) (256) levels deep.

mod errors;
mod lex;
mod lower;
mod recover;
mod tree;

#[cfg(test)]
mod tests;

use std::borrow::Cow;

use pest::Parser as _;
use rustc_hash::FxHashSet;

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

/// At most this many syntax errors are reported for one file.
pub const MAX_SYNTAX_ERRORS: usize = 50;

/// Recovery parses the text again after each syntax error; it stops once this many
/// bytes have been parsed in all, so a large hostile file costs a bounded multiple of
/// one parse (64 MiB: 50 errors of a 1 MiB file, 8 of an 8 MiB one).
const MAX_RECOVERY_WORK: usize = 64 * 1024 * 1024;

/// Parses a `.form` source into its syntax tree.
///
/// Returns every comment in [`ast::File::comments`]. On failure, returns every syntax
/// error (`E0001`: after each one, parsing goes on past the piece around it), or `E0019` if the input is too large or
/// nested too deeply; escape and number errors found while building the tree are all
/// reported together.
pub fn parse(source: &str, file: FileId) -> Result<ast::File, Vec<Diagnostic>> {
    let parsed = parse_recovering(source, file);
    match parsed.file {
        Some(f) if parsed.diagnostics.is_empty() => Ok(f),
        _ => Err(parsed.diagnostics),
    }
}

/// What [`parse_recovering`] made of a source.
pub(crate) struct Parsed {
    /// The tree of what parsed, once the pieces with syntax errors were blanked; `None`
    /// if even that failed (or the input was refused).
    pub file: Option<ast::File>,
    /// Every syntax error, in the order found, then the errors of building the tree.
    pub diagnostics: Vec<Diagnostic>,
    /// The names the blanked pieces declared: errors that only say these are missing
    /// follow from the blanking.
    pub removed: FxHashSet<String>,
}

/// Parses a source, going on after syntax errors (`recover.rs`): the piece around each
/// error is blanked and the rest parsed again, up to [`MAX_SYNTAX_ERRORS`] errors.
pub(crate) fn parse_recovering(source: &str, file: FileId) -> Parsed {
    let refused = |d: Diagnostic| Parsed {
        file: None,
        diagnostics: vec![d],
        removed: FxHashSet::default(),
    };
    if source.len() > MAX_SOURCE_BYTES {
        return refused(
            Diagnostic::new(
                Code::TooComplex,
                Span::new(file, 0, 0),
                format!(
                    "the source is too large ({} bytes; at most {} MiB)",
                    source.len(),
                    MAX_SOURCE_BYTES / (1024 * 1024)
                ),
            )
            .with_hint("split the form into smaller forms"),
        );
    }
    let scan = match lex::prescan(source, file) {
        Ok(scan) => scan,
        Err(d) => return refused(d),
    };
    let mut text = Cow::Borrowed(source);
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut at: Vec<usize> = Vec::new();
    let mut blanked = Vec::new();
    let mut work = 0usize;
    let mut doc = None;
    loop {
        work += text.len();
        match FormParser::parse(Rule::file, &text) {
            Ok(pairs) => {
                match lower::lower_file(pairs, &text, file) {
                    Ok(d) => doc = Some(d),
                    Err(errs) => diagnostics.extend(errs),
                }
                break;
            }
            Err(e) => {
                let pos = errors::error_pos(&text, &e);
                // The same place again: blanking did not get past it.
                if at.contains(&pos) {
                    break;
                }
                let d = errors::syntax_error(&text, file, &e);
                let fatal = d.code != Code::Syntax;
                diagnostics.push(d);
                at.push(pos);
                if fatal || diagnostics.len() >= MAX_SYNTAX_ERRORS || work >= MAX_RECOVERY_WORK {
                    break;
                }
                let Some(fix) = recover::fix(&text, pos, errors::entry_expected(&e)) else {
                    break;
                };
                if !recover::apply(text.to_mut(), &fix) {
                    break;
                }
                if let recover::Fix::Blank(range) = fix {
                    blanked.push(range);
                }
            }
        }
    }
    let removed = recover::removed_names(source, &blanked);
    Parsed {
        // A tree only from a text that parsed as a whole, or from one that recovered.
        file: doc.map(|doc| ast::File {
            doc,
            comments: scan.comments,
        }),
        diagnostics,
        removed,
    }
}
