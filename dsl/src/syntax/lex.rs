//! A tiny hand-written scanner that runs before pest and helps describe its errors.
//!
//! It splits the source into coarse tokens, skipping strings and comments exactly like
//! the grammar does (a string ends at its closing quote or at the end of the line; a
//! comment runs from `//` to the end of the line). The error mapper uses it to name the
//! token at an error and the block around it. The pre-scan, which collects the comments
//! and bounds bracket nesting before pest recurses, reads strings and comments the same
//! way but skips everything else byte by byte.

use crate::ast::Comment;
use crate::diagnostic::{Code, Diagnostic};
use crate::span::{FileId, Span};

/// The most brackets `(`, `[` and `{` that may be open at once.
pub const MAX_NESTING: usize = 64;

/// A coarse token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    /// Letters (any alphabet), digits and `_`, starting with a letter or `_`.
    Word,
    /// Digits, possibly with `.` and `-` inside (`12.50`, `2024-05-01`).
    Number,
    /// `"..."`, up to the closing quote or the end of the line.
    Str,
    /// `// ...` up to the end of the line.
    Comment,
    /// A line break.
    Newline,
    /// Spaces and tabs.
    Space,
    /// A punctuation or operator token (`{`, `==`, `..`).
    Punct,
    /// Anything else: one character.
    Other,
}

/// Yields `(token, start, end)` from a byte offset onwards.
pub(crate) struct Lexer<'s> {
    src: &'s str,
    pos: usize,
}

impl<'s> Lexer<'s> {
    pub(crate) fn new(src: &'s str) -> Self {
        Lexer { src, pos: 0 }
    }

    pub(crate) fn at(src: &'s str, pos: usize) -> Self {
        Lexer { src, pos }
    }
}

fn is_word_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_word_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

impl Iterator for Lexer<'_> {
    type Item = (Tok, usize, usize);

    fn next(&mut self) -> Option<Self::Item> {
        let src = self.src;
        let bytes = src.as_bytes();
        let start = self.pos;
        let c = src.get(start..)?.chars().next()?;
        let mut end = start + c.len_utf8();
        let tok = match c {
            '\n' | '\r' => Tok::Newline,
            ' ' | '\t' => {
                while matches!(bytes.get(end), Some(b' ' | b'\t')) {
                    end += 1;
                }
                Tok::Space
            }
            '"' => {
                end = string_end(bytes, end);
                // `end` may sit inside a multi-byte character after an escape.
                while !src.is_char_boundary(end) {
                    end += 1;
                }
                Tok::Str
            }
            '/' if bytes.get(end) == Some(&b'/') => {
                end = line_end(bytes, end);
                Tok::Comment
            }
            '0'..='9' => {
                loop {
                    match bytes.get(end) {
                        Some(b'0'..=b'9') => end += 1,
                        Some(b'.') if matches!(bytes.get(end + 1), Some(b'0'..=b'9')) => end += 1,
                        // Only a date keeps its dashes: `2024-05-01`.
                        Some(b'-')
                            if matches!(end - start, 4 | 7)
                                && matches!(bytes.get(end + 1), Some(b'0'..=b'9')) =>
                        {
                            end += 1
                        }
                        _ => break,
                    }
                }
                Tok::Number
            }
            c if is_word_start(c) => {
                for ch in src[end..].chars() {
                    if !is_word_char(ch) {
                        break;
                    }
                    end += ch.len_utf8();
                }
                Tok::Word
            }
            '=' | '!' | '<' | '>' => {
                if bytes.get(end) == Some(&b'=') {
                    end += 1;
                }
                Tok::Punct
            }
            '.' => {
                if bytes.get(end) == Some(&b'.') {
                    end += 1;
                }
                Tok::Punct
            }
            '{' | '}' | '(' | ')' | '[' | ']' | ':' | ',' | '+' | '-' | '*' | '/' => Tok::Punct,
            _ => Tok::Other,
        };
        self.pos = end;
        Some((tok, start, end))
    }
}

/// What the pre-scan found.
pub(crate) struct PreScan {
    pub comments: Vec<Comment>,
}

/// Where a string whose body starts at `pos` ends: after its closing quote, or at the
/// end of the line (an unterminated string). Used by the [`Lexer`] and [`prescan`]
/// alike, so the two cannot read a string differently.
fn string_end(bytes: &[u8], mut pos: usize) -> usize {
    loop {
        match bytes.get(pos) {
            None | Some(b'\n' | b'\r') => return pos,
            Some(b'"') => return pos + 1,
            Some(b'\\') => {
                pos += 1;
                if !matches!(bytes.get(pos), None | Some(b'\n' | b'\r')) {
                    pos += 1;
                }
            }
            Some(_) => pos += 1,
        }
    }
}

/// Where the line containing `pos` ends (a comment runs to there).
pub(crate) fn line_end(bytes: &[u8], mut pos: usize) -> usize {
    while !matches!(bytes.get(pos), None | Some(b'\n' | b'\r')) {
        pos += 1;
    }
    pos
}

/// Where the line containing `pos` begins.
pub(crate) fn line_start(bytes: &[u8], pos: usize) -> usize {
    let mut start = pos.min(bytes.len());
    while start > 0 && !matches!(bytes[start - 1], b'\n' | b'\r') {
        start -= 1;
    }
    start
}

/// Collects the comments and checks that brackets do not nest more than
/// [`MAX_NESTING`] levels deep. Linear in the source; never recurses.
///
/// It finds what the [`Lexer`] would: only strings, comments and brackets matter here,
/// and no other token contains a quote, a slash or a bracket (nor does any byte of a
/// multi-byte character), so the bytes in between are skipped one by one instead of
/// being split into tokens.
pub(crate) fn prescan(src: &str, file: FileId) -> Result<PreScan, Diagnostic> {
    let bytes = src.as_bytes();
    let mut comments = Vec::new();
    let mut depth = 0usize;
    let mut pos = 0;
    while let Some(&b) = bytes.get(pos) {
        match b {
            // A string, up to its closing quote or the end of the line, as `Lexer` reads it.
            b'"' => pos = string_end(bytes, pos + 1),
            b'/' if bytes.get(pos + 1) == Some(&b'/') => {
                let start = pos;
                pos = line_end(bytes, pos);
                comments.push(Comment {
                    text: src[start + 2..pos].to_string(),
                    span: Span::new(file, start, pos),
                });
            }
            b'{' | b'(' | b'[' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Diagnostic::new(
                        Code::TooComplex,
                        Span::new(file, pos, pos + 1),
                        format!("nested too deeply (more than {MAX_NESTING} levels)"),
                    )
                    .with_hint("split the expression or the groups into smaller parts"));
                }
                pos += 1;
            }
            b'}' | b')' | b']' => {
                depth = depth.saturating_sub(1);
                pos += 1;
            }
            _ => pos += 1,
        }
    }
    Ok(PreScan { comments })
}

/// The kinds of `{ ... }` blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockKind {
    Form,
    Page,
    Group,
    Field,
    List,
    Adapt,
    AddTo,
}

impl BlockKind {
    pub(crate) fn noun(self) -> &'static str {
        match self {
            BlockKind::Form => "form",
            BlockKind::Page => "page",
            BlockKind::Group => "group",
            BlockKind::Field => "field",
            BlockKind::List => "list",
            BlockKind::Adapt => "adaptation",
            BlockKind::AddTo => "addition to",
        }
    }
}

/// A `{ ... }` block open at some position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenBlock {
    /// What the block is, if its header says so.
    pub kind: Option<BlockKind>,
    /// The id after the block keyword.
    pub name: Option<String>,
    /// Where its `{` stands.
    pub brace: usize,
    /// Where its header begins: the block keyword, or the `{` if there is none.
    pub header: usize,
}

/// The innermost block open at `pos`: its kind and id, as far as they can be told.
pub(crate) fn enclosing_block(src: &str, pos: usize) -> Option<OpenBlock> {
    // For every open `{`: the block keyword and the word after it, taken from the
    // words since the last brace.
    let mut stack: Vec<OpenBlock> = Vec::new();
    let mut header: Option<(BlockKind, Option<String>, usize)> = None;
    let mut want_name = false;
    // Block keywords count only where an entry can start, not after `(`, `:`, `.` ...
    let mut after_punct = false;
    for (tok, start, end) in Lexer::new(src) {
        if start >= pos {
            break;
        }
        let text = &src[start..end];
        let was_after_punct = after_punct;
        after_punct = matches!(tok, Tok::Punct | Tok::Other) && !matches!(text, "{" | "}");
        if matches!(tok, Tok::Space | Tok::Newline | Tok::Comment) {
            after_punct = was_after_punct;
        }
        match tok {
            Tok::Word if was_after_punct => want_name = false,
            Tok::Word => {
                let kind = match text {
                    "form" => Some(BlockKind::Form),
                    "page" => Some(BlockKind::Page),
                    "group" => Some(BlockKind::Group),
                    "field" => Some(BlockKind::Field),
                    "list" => Some(BlockKind::List),
                    "adapt" => Some(BlockKind::Adapt),
                    "to" => Some(BlockKind::AddTo),
                    _ => None,
                };
                if want_name {
                    if let Some((_, name, _)) = header.as_mut() {
                        *name = Some(text.to_string());
                    }
                    want_name = false;
                } else if let Some(kind) = kind {
                    header = Some((kind, None, start));
                    want_name = true;
                }
            }
            Tok::Punct if text == "{" => {
                let (kind, name, head) = match header.take() {
                    Some((kind, name, head)) => (Some(kind), name, head),
                    None => (None, None, start),
                };
                stack.push(OpenBlock {
                    kind,
                    name,
                    brace: start,
                    header: head,
                });
                want_name = false;
            }
            Tok::Punct if text == "}" => {
                stack.pop();
                header = None;
                want_name = false;
            }
            Tok::Space | Tok::Newline | Tok::Comment => {}
            _ => want_name = false,
        }
    }
    stack.pop()
}

/// The last two tokens before `pos` that are not space, line breaks or comments:
/// `[before_last, last]`.
pub(crate) fn previous_tokens(src: &str, pos: usize) -> [Option<(Tok, usize, usize)>; 2] {
    let mut last = [None, None];
    for t in Lexer::new(src).take_while(|&(_, start, _)| start < pos) {
        if !matches!(t.0, Tok::Space | Tok::Newline | Tok::Comment) {
            last = [last[1], Some(t)];
        }
    }
    last
}
