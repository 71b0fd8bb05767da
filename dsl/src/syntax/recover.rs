//! Recovery after a syntax error, so that one run reports all errors of a file.
//!
//! pest stops at the first place the text leaves the grammar. To go on, the piece of
//! source around that place is blanked (every byte but line breaks becomes a space, so
//! every later line and column stays where it was) and the text is parsed again:
//!
//! - an error inside a field's `{ ... }` blanks the whole field, from the start of its
//!   header line to its closing `}`; a field whose `}` is missing ends before the first
//!   line that starts a new entry (`field`, `group`, `page` ...); a `}` inside a
//!   string left open (`label "Vorname }`) counts as the field's;
//! - elsewhere the line of the error is blanked; if the entry before the error is
//!   unfinished (`title` and then a line break), the line of that entry instead. A block
//!   opened on the blanked line goes with it up to its matching `}`, but a `}` that
//!   closes an outer block is never blanked;
//! - an entry that belongs to an outer block at the start of a line (`page` inside a
//!   page, `field` inside a field) means a `}` is missing: the space before the entry
//!   becomes that `}`, and nothing is blanked;
//! - at the top level, outside every block, nothing sensible is left to parse: recovery
//!   stops there.
//!
//! The words the blanked pieces declared ([`removed_names`]) let the compiler leave out
//! the errors that only follow from the blanking ("there is no field `x`" when `x` was
//! declared in a blanked line).

use std::ops::Range;

use rustc_hash::FxHashSet;

use super::lex::{self, BlockKind, Lexer, Tok};

/// Keywords that start an entry of a form, page or group: a line that starts with one
/// of them is not part of a field's properties.
const ENTRY_STARTS: &[&str] = &[
    "field", "group", "page", "info", "check", "list", "fee", "param",
];

/// Keywords that start an entry of a form (or an adaptation) but never one of a page,
/// group or list: found there at the start of a line, they say a `}` is missing.
const OUTER_STARTS: &[&str] = &["page", "list", "fee", "param", "add", "set", "hide"];

/// Keywords after which an entry names what it declares.
const DECLARING: &[&str] = &["field", "group", "page", "list", "param", "fee"];

/// How to get past a syntax error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Fix {
    /// Blank this piece of the source.
    Blank(Range<usize>),
    /// A `}` is missing before the entry at the error: turn the space before it, at
    /// this offset, into one.
    Close(usize),
}

/// How to get past a syntax error at `pos`, or `None` if nothing sensible would be left
/// to parse. `entry_expected`: whether a new entry (or a `}`) could have started at
/// `pos`, so that the entry before it was complete.
pub(super) fn fix(src: &str, pos: usize, entry_expected: bool) -> Option<Fix> {
    let block = lex::enclosing_block(src, pos)?;
    if let Some(at) = missing_close(src, pos, &block, entry_expected) {
        return Some(Fix::Close(at));
    }
    if block.kind == Some(BlockKind::Field) {
        return Some(Fix::Blank(field_region(
            src,
            block.header,
            block.brace,
            pos,
        )));
    }
    let bytes = src.as_bytes();
    let line = lex::line_start(bytes, pos);
    let first_on_line = src.get(line..pos).is_some_and(|s| s.trim().is_empty());
    let (start, end) = match lex::previous_tokens(src, pos)[1] {
        Some((tok, s, e))
            if first_on_line
                && !entry_expected
                && s > block.brace
                && s < line
                && !(tok == Tok::Punct && &src[s..e] == "}") =>
        {
            (line_begin(src, s), line)
        }
        _ => (line_begin(src, pos), lex::line_end(bytes, pos)),
    };
    Some(Fix::Blank(extend(src, start, end, pos)))
}

/// Where to put the `}` that is missing before `pos`: the entry there starts a line and
/// belongs to an outer block (`field` or `page` inside a field, `page` inside a page),
/// and a space precedes it.
fn missing_close(
    src: &str,
    pos: usize,
    block: &lex::OpenBlock,
    entry_expected: bool,
) -> Option<usize> {
    let (Tok::Word, start, end) = Lexer::at(src, pos).next()? else {
        return None;
    };
    let word = &src[start..end];
    let outer = match block.kind? {
        BlockKind::Field => ENTRY_STARTS.contains(&word) || OUTER_STARTS.contains(&word),
        BlockKind::Page | BlockKind::Group | BlockKind::List | BlockKind::AddTo => {
            OUTER_STARTS.contains(&word)
        }
        BlockKind::Form | BlockKind::Adapt => false,
    };
    let line = lex::line_start(src.as_bytes(), pos);
    let indented = pos > line && src[line..pos].bytes().all(|b| matches!(b, b' ' | b'\t'));
    (entry_expected && outer && indented).then_some(pos - 1)
}

/// How many `}` an unclosed string swallowed: `label "Vorname }` was most likely meant
/// to close before them.
fn swallowed(src: &str, tok: Tok, start: usize, end: usize) -> usize {
    let text = &src[start..end];
    if tok == Tok::Str && (text.len() < 2 || !text.ends_with('"')) {
        text.matches('}').count()
    } else {
        0
    }
}

/// The whole field whose `{` is at `brace` and whose header starts at `header`.
fn field_region(src: &str, header: usize, brace: usize, pos: usize) -> Range<usize> {
    let bytes = src.as_bytes();
    let start = line_begin(src, header);
    // Ends an unclosed field before the line at `at`, but never before its header line.
    let before_line = |at: usize| {
        let line = lex::line_start(bytes, at);
        if line > brace {
            start..line
        } else {
            start..lex::line_end(bytes, brace)
        }
    };
    for (tok, ts, te, first) in significant(src, brace + 1, false) {
        if swallowed(src, tok, ts, te) > 0 {
            return start..te;
        }
        match (tok, &src[ts..te]) {
            (Tok::Punct, "}") => return start..te,
            (Tok::Punct, "{") => return before_line(ts),
            (Tok::Word, w) if first && ENTRY_STARTS.contains(&w) => return before_line(ts),
            _ => {}
        }
    }
    start..lex::line_end(bytes, pos.max(brace))
}

/// Where the entry on the line of `at` begins: the start of the line, or just after the
/// last brace before `at` on it (`page p "P" { check ...` on one line).
fn line_begin(src: &str, at: usize) -> usize {
    let line = lex::line_start(src.as_bytes(), at);
    Lexer::at(src, line)
        .take_while(|t| t.1 < at)
        .filter(|&(tok, s, e)| tok == Tok::Punct && matches!(&src[s..e], "{" | "}"))
        .last()
        .map_or(line, |t| t.2)
}

/// Extends `start..end` over every block opened in it, up to the block's `}`; narrows it
/// so that it never takes a `}` that closes a block opened before it. A `}` swallowed
/// by an unclosed string counts as written.
fn extend(src: &str, start: usize, end: usize, pos: usize) -> Range<usize> {
    let mut start = start;
    let mut depth = 0usize;
    for (tok, ts, te) in Lexer::at(src, start) {
        if ts >= end && depth == 0 {
            break;
        }
        let closes = match (tok, &src[ts..te]) {
            (Tok::Punct, "{") => {
                depth += 1;
                0
            }
            (Tok::Punct, "}") => 1,
            _ => swallowed(src, tok, ts, te),
        };
        for _ in 0..closes {
            if depth == 0 {
                // It closes a block opened before the piece: keep it.
                if te <= pos {
                    start = te;
                } else {
                    return start..ts.max(start);
                }
            } else {
                depth -= 1;
                if depth == 0 && ts >= end {
                    return start..te;
                }
            }
        }
    }
    start..end.max(start)
}

/// The tokens from `pos` on without spaces, comments and line breaks, each with whether
/// it is the first on its line (`line_begins`: whether the token at `pos` counts as one).
fn significant(
    src: &str,
    pos: usize,
    line_begins: bool,
) -> impl Iterator<Item = (Tok, usize, usize, bool)> + '_ {
    Lexer::at(src, pos)
        .scan(line_begins, |line_begins, (tok, s, e)| {
            Some(match tok {
                Tok::Newline => {
                    *line_begins = true;
                    None
                }
                Tok::Space | Tok::Comment => None,
                _ => Some((tok, s, e, std::mem::replace(line_begins, false))),
            })
        })
        .flatten()
}

/// Applies `fix` to `text`; returns whether it changed anything but spacing (whether
/// the parse can make progress).
pub(super) fn apply(text: &mut String, fix: &Fix) -> bool {
    match fix {
        Fix::Blank(range) => blank(text, range.clone()),
        Fix::Close(at) => {
            if text
                .as_bytes()
                .get(*at)
                .is_some_and(|b| matches!(b, b' ' | b'\t'))
            {
                text.replace_range(*at..*at + 1, "}");
                true
            } else {
                false
            }
        }
    }
}

/// Blanks `range` of `text`: every byte but line breaks becomes a space. Returns
/// whether anything but spacing was blanked.
fn blank(text: &mut String, range: Range<usize>) -> bool {
    if range.start >= range.end
        || range.end > text.len()
        || !text.is_char_boundary(range.start)
        || !text.is_char_boundary(range.end)
    {
        return false;
    }
    let piece = &text[range.clone()];
    if piece.trim().is_empty() {
        return false;
    }
    // Whole characters become spaces, so the text stays UTF-8 and offsets stay put.
    let blanked: String = piece
        .bytes()
        .map(|b| {
            if matches!(b, b'\n' | b'\r') {
                b as char
            } else {
                ' '
            }
        })
        .collect();
    text.replace_range(range, &blanked);
    true
}

/// The names the blanked pieces of `src` declared or started a line with: the id after
/// `field`, `group`, `list` ... or before a `:`, and the first word of every blanked line
/// (an option key, a header keyword such as `title`).
pub(super) fn removed_names(src: &str, ranges: &[Range<usize>]) -> FxHashSet<String> {
    let mut names = FxHashSet::default();
    for r in ranges {
        let mut declaring = false;
        let mut last_word: Option<&str> = None;
        for (tok, ts, te, first) in significant(src, r.start, true).take_while(|t| t.1 < r.end) {
            let text = src[ts..te].trim_matches('"');
            if (first || declaring) && matches!(tok, Tok::Word | Tok::Str | Tok::Number) {
                names.insert(text.to_owned());
            }
            declaring = tok == Tok::Word && DECLARING.contains(&text);
            // `feild c: text`: the id before a type is declared, however misspelt.
            if text == ":" {
                if let Some(w) = last_word {
                    names.insert(w.to_owned());
                }
            }
            last_word = (tok == Tok::Word).then_some(text);
        }
    }
    names
}
