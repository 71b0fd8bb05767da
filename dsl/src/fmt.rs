//! The canonical layout of `.form` and `.adapt.form` sources (`efa fmt`).
//!
//! [`format_source`] parses a source and prints it again from the syntax tree, putting
//! every comment back where it was. It never changes what a form means: the printed
//! source compiles to the same model (and so to the same artifact hash), and formatting
//! it again gives the same text.
//!
//! # Layout
//!
//! - Two spaces per level; one entry per line; entries keep the author's order (form
//!   header entries too).
//! - A field is written on one line, `field plz: postcode { label "PLZ" }`, when it has
//!   at most one property, no comment inside, and the line fits in 100 columns;
//!   otherwise one property per line. An empty block is written `{}`.
//! - List options: one per line, their texts aligned after the longest key. A key is
//!   written bare when it consists of letters, digits and `_`, else as a string.
//! - A blank line separates pages, groups, lists and the blocks of an adaptation
//!   (`add to`, `add page`, `add list`) from what comes before and after them in the same
//!   block. Other blank lines of the author are kept, at most one in a row, never at the
//!   start or end of a block.
//! - Comments: a comment on a line of its own stays on a line of its own, before the
//!   entry that followed it, indented like that entry (before a `}`: like the entries of
//!   the block). A comment after code stays at the end of the line that holds that code;
//!   the comments of consecutive lines of the same indentation are aligned, two spaces
//!   after the longest of them.
//!   Comment text is kept as written (trailing spaces dropped).
//! - Strings are re-escaped canonically: `\"`, `\\`, `\n`, and `\u{...}` for other
//!   control characters; everything else is written as is.
//! - Expressions: one space around binary operators, `not x`, `-x`, `f(a, b)`,
//!   `[a, b]`. Parentheses the author wrote around a (sub)expression are kept (one pair,
//!   even where precedence makes them redundant, because they often help the reader:
//!   `not (age(x) < 16)`); parentheses that precedence needs are added. Numbers and dates
//!   are written as the author wrote them.
//! - Long lines are never broken: texts and expressions stay on one line.

use std::fmt::Write as _;

use efa_core::expr::{quote, BinOp, UnOp};

use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::span::{FileId, Span};

/// Lines longer than this are not used for one-line fields.
const WIDTH: usize = 100;

/// Formats a `.form` or `.adapt.form` source. Returns the syntax errors of a source
/// that does not parse.
pub fn format_source(src: &str) -> Result<String, Vec<Diagnostic>> {
    let file = crate::syntax::parse(src, FileId(0))?;
    Ok(format_file(&file, src))
}

/// Formats a parsed file; `src` is the text it was parsed from (spans point into it).
pub fn format_file(file: &File, src: &str) -> String {
    let mut p = Printer {
        src,
        comments: &file.comments,
        lines: Vec::new(),
    };
    match &file.doc {
        Document::Form(f) => p.form(f),
        Document::Adapt(a) => p.adapt(a),
    }
    let lines = std::mem::take(&mut p.lines);
    assemble(src, &file.comments, lines)
}

// ------------------------------------------------------------------ lines

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A complete entry on one line.
    Leaf,
    /// A block header ending in `{`.
    Open,
    /// The `}` of a block.
    Close,
}

#[derive(Debug)]
struct Line {
    indent: usize,
    text: String,
    /// Where the entry starts in the source.
    start: usize,
    /// Where a leaf ends in the source (for an open or close line: `start`).
    end: usize,
    kind: Kind,
    /// A blank line must come before it (and before the comments that belong to it).
    blank_before: bool,
}

struct Printer<'s> {
    src: &'s str,
    comments: &'s [Comment],
    lines: Vec<Line>,
}

/// Does an entry of a block get blank lines around it?
trait Blocky {
    fn is_block(&self) -> bool;
}

impl Blocky for FormItem {
    fn is_block(&self) -> bool {
        matches!(self.kind, FormItemKind::Page(_) | FormItemKind::List(_))
    }
}

impl Blocky for BodyItem {
    fn is_block(&self) -> bool {
        matches!(self.kind, BodyItemKind::Group(_))
    }
}

impl Blocky for AdaptItem {
    fn is_block(&self) -> bool {
        matches!(
            self.kind,
            AdaptItemKind::AddTo { .. } | AdaptItemKind::AddPage { .. } | AdaptItemKind::AddList(_)
        )
    }
}

impl Blocky for OptionDecl {
    fn is_block(&self) -> bool {
        false
    }
}

impl<'s> Printer<'s> {
    fn leaf(&mut self, indent: usize, text: String, span: Span) {
        let end = self.code_end(span);
        self.lines.push(Line {
            indent,
            text,
            start: span.start as usize,
            end,
            kind: Kind::Leaf,
            blank_before: false,
        });
    }

    fn open(&mut self, indent: usize, text: String, start: usize) {
        self.lines.push(Line {
            indent,
            text,
            start,
            end: start,
            kind: Kind::Open,
            blank_before: false,
        });
    }

    fn close(&mut self, indent: usize, span: Span) {
        let pos = self.code_end(span).saturating_sub(1);
        self.lines.push(Line {
            indent,
            text: "}".to_owned(),
            start: pos,
            end: pos,
            kind: Kind::Close,
            blank_before: false,
        });
    }

    /// Where the code of an entry ends: the parser's span of an entry that ends in an
    /// optional or repeated part (`text`, `expr`, `pattern ... [message ...]`) also
    /// covers the spaces and comments after it.
    fn code_end(&self, span: Span) -> usize {
        let start = span.start as usize;
        let mut end = (span.end as usize).min(self.src.len());
        loop {
            let code = self.src[start..end].trim_end_matches([' ', '\t', '\n', '\r']);
            end = start + code.len();
            // A comment that this end falls in or just after.
            let i = self
                .comments
                .partition_point(|c| (c.span.start as usize) < end);
            match i.checked_sub(1).map(|i| &self.comments[i]) {
                Some(c) if c.span.start as usize >= start && c.span.end as usize >= end => {
                    end = c.span.start as usize;
                }
                _ => return end,
            }
        }
    }

    /// Whether a comment starts inside the span.
    fn has_comment(&self, span: Span) -> bool {
        let (start, end) = (span.start, span.end);
        let i = self.comments.partition_point(|c| c.span.start <= start);
        self.comments.get(i).is_some_and(|c| c.span.start < end)
    }

    /// A block: `HEADER {}` when it is empty and holds no comment, else `HEADER {`,
    /// the body one level deeper, `}`.
    fn block(
        &mut self,
        indent: usize,
        header: String,
        span: Span,
        empty: bool,
        body: impl FnOnce(&mut Self),
    ) {
        if empty && !self.has_comment(span) {
            self.leaf(indent, format!("{header} {{}}"), span);
        } else {
            self.open(indent, format!("{header} {{"), span.start as usize);
            body(self);
            self.close(indent, span);
        }
    }

    /// Entries of a block, with blank lines around block entries.
    fn entries<T: Blocky>(
        &mut self,
        items: &[T],
        indent: usize,
        mut emit: impl FnMut(&mut Self, &T, usize),
    ) {
        let mut prev_block = false;
        for (i, item) in items.iter().enumerate() {
            let first = self.lines.len();
            emit(self, item, indent);
            let block = item.is_block();
            if i > 0 && (block || prev_block) {
                if let Some(line) = self.lines.get_mut(first) {
                    line.blank_before = true;
                }
            }
            prev_block = block;
        }
    }

    // -------------------------------------------------------------- forms

    fn form(&mut self, f: &FormDecl) {
        let header = format!("form {}", f.id.name);
        self.block(0, header, f.span, f.items.is_empty(), |p| {
            p.entries(&f.items, 1, |p, item, ind| p.form_item(item, ind));
        });
    }

    fn form_item(&mut self, item: &FormItem, ind: usize) {
        let span = item.span;
        let text = match &item.kind {
            FormItemKind::Version(s) => format!("version {}", quote(&s.value)),
            FormItemKind::Title(t) => format!("title {}", text(t)),
            FormItemKind::Description(t) => format!("description {}", text(t)),
            FormItemKind::Leika(s) => format!("leika {}", quote(&s.value)),
            FormItemKind::Fim(f) => fim(f),
            FormItemKind::Publisher(s) => format!("publisher {}", quote(&s.value)),
            FormItemKind::Languages(ids) => format!(
                "languages {}",
                ids.iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            FormItemKind::Param(p) => format!(
                "param {}: {} = {}",
                p.name.name,
                ty(&p.ty),
                self.expr(&p.value)
            ),
            FormItemKind::Fee(f) => self.fee(f),
            FormItemKind::Check(c) => self.check(c),
            FormItemKind::List(l) => return self.list(l, "list", span, ind),
            FormItemKind::Page(page) => {
                let header = format!("page {} {}", page.id.name, text(&page.title));
                return self.block(ind, header, span, page.items.is_empty(), |p| {
                    p.body(&page.items, ind + 1)
                });
            }
        };
        self.leaf(ind, text, span);
    }

    fn fee(&self, f: &FeeDecl) -> String {
        format!(
            "fee {} {} = {}",
            f.id.name,
            text(&f.label),
            self.expr(&f.amount)
        )
    }

    fn list(&mut self, l: &ListDecl, keyword: &str, span: Span, ind: usize) {
        let mut header = format!("{keyword} {}", l.id.name);
        if let Some(urn) = &l.codelist {
            let _ = write!(header, " codelist {}", quote(&urn.value));
            if let Some(v) = &l.codelist_version {
                let _ = write!(header, " version {}", quote(&v.value));
            }
        }
        let keys: Vec<String> = l.options.iter().map(|o| option_key(&o.key.value)).collect();
        let width = keys.iter().map(|k| k.chars().count()).max().unwrap_or(0);
        self.block(ind, header, span, l.options.is_empty(), |p| {
            let mut keys = keys.into_iter();
            p.entries(&l.options, ind + 1, |p, o, ind| {
                let key = keys.next().unwrap_or_default();
                p.leaf(ind, format!("{key:<width$} {}", text(&o.text)), o.span);
            });
        });
    }

    // -------------------------------------------------------------- pages and groups

    fn body(&mut self, items: &[BodyItem], ind: usize) {
        self.entries(items, ind, |p, item, ind| p.body_item(item, ind));
    }

    fn body_item(&mut self, item: &BodyItem, ind: usize) {
        let span = item.span;
        let text = match &item.kind {
            BodyItemKind::Field(f) => return self.field(f, span, ind),
            BodyItemKind::Group(g) => {
                let mut header = format!("group {}", g.id.name);
                if let Some(t) = &g.title {
                    let _ = write!(header, " {}", text(t));
                }
                if let Some(r) = &g.repeat {
                    let _ = write!(header, " repeat {}..", r.min.value);
                    if let Some(max) = &r.max {
                        let _ = write!(header, "{}", max.value);
                    }
                }
                return self.block(ind, header, span, g.items.is_empty(), |p| {
                    p.body(&g.items, ind + 1)
                });
            }
            BodyItemKind::Info(t) => format!("info {}", text(t)),
            BodyItemKind::Check(c) => self.check(c),
            BodyItemKind::VisibleWhen(e) => format!("visible when {}", self.expr(e)),
            BodyItemKind::Hint(t) => format!("hint {}", text(t)),
            BodyItemKind::Fim(f) => fim(f),
        };
        self.leaf(ind, text, span);
    }

    fn check(&self, c: &CheckDecl) -> String {
        format!(
            "check {} message {}",
            self.expr(&c.condition),
            text(&c.message)
        )
    }

    fn field(&mut self, f: &FieldDecl, span: Span, ind: usize) {
        let header = format!("field {}: {}", f.id.name, ty(&f.ty));
        if f.props.len() <= 1 && !self.has_comment(span) {
            let line = match f.props.first() {
                None => format!("{header} {{}}"),
                Some(prop) => format!("{header} {{ {} }}", self.prop(prop)),
            };
            if ind * 2 + line.chars().count() <= WIDTH {
                return self.leaf(ind, line, span);
            }
        }
        self.open(ind, format!("{header} {{"), span.start as usize);
        for prop in &f.props {
            let text = self.prop(prop);
            self.leaf(ind + 1, text, prop.span);
        }
        self.close(ind, span);
    }

    fn prop(&self, prop: &Prop) -> String {
        match &prop.kind {
            PropKind::Label(t) => format!("label {}", text(t)),
            PropKind::Hint(t) => format!("hint {}", text(t)),
            PropKind::Required => "required".to_owned(),
            PropKind::RequiredWhen(e) => format!("required when {}", self.expr(e)),
            PropKind::VisibleWhen(e) => format!("visible when {}", self.expr(e)),
            PropKind::Min(e) => format!("min {}", self.expr(e)),
            PropKind::Max(e) => format!("max {}", self.expr(e)),
            PropKind::MinLength(n) => format!("minlength {}", n.value),
            PropKind::MaxLength(n) => format!("maxlength {}", n.value),
            PropKind::Pattern { regex, message } => {
                let mut s = format!("pattern {}", quote(&regex.value));
                if let Some(m) = message {
                    let _ = write!(s, " message {}", text(m));
                }
                s
            }
            PropKind::Default(e) => format!("default {}", self.expr(e)),
            PropKind::Value(e) => format!("value = {}", self.expr(e)),
            PropKind::Prefill(path) => format!("prefill {}", dotted(path)),
            PropKind::Fim(f) => fim(f),
            PropKind::Accept(types) => format!(
                "accept {}",
                types
                    .iter()
                    .map(|t| quote(&t.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            PropKind::MaxSize { size, unit } => format!("maxsize {} {}", size.value, unit.name),
        }
    }

    // -------------------------------------------------------------- adaptations

    fn adapt(&mut self, a: &AdaptDecl) {
        let mut header = format!("adapt {}", quote(&a.base.value));
        if let Some(r) = &a.range {
            let _ = write!(header, " version {}", quote(&r.value));
        }
        self.block(0, header, a.span, a.items.is_empty(), |p| {
            p.entries(&a.items, 1, |p, item, ind| p.adapt_item(item, ind));
        });
    }

    fn adapt_item(&mut self, item: &AdaptItem, ind: usize) {
        let span = item.span;
        let text = match &item.kind {
            AdaptItemKind::Id(i) => format!("id {}", i.name),
            AdaptItemKind::Publisher(s) => format!("publisher {}", quote(&s.value)),
            AdaptItemKind::Version(s) => format!("version {}", quote(&s.value)),
            AdaptItemKind::Title { target, text: t } => match target {
                Some(path) => format!("title {} {}", dotted(path), text(t)),
                None => format!("title {}", text(t)),
            },
            AdaptItemKind::Description(t) => format!("description {}", text(t)),
            AdaptItemKind::Set { name, value } => {
                format!("set {} = {}", name.name, self.expr(value))
            }
            AdaptItemKind::Label { target, text: t } => {
                format!("label {} {}", dotted(target), text(t))
            }
            AdaptItemKind::Hint { target, text: t } => {
                format!("hint {} {}", dotted(target), text(t))
            }
            AdaptItemKind::Option { list, key, text: t } => format!(
                "option {}.{} {}",
                list.name,
                option_key(&key.value),
                text(t)
            ),
            AdaptItemKind::Hide(path) => format!("hide {}", dotted(path)),
            AdaptItemKind::AddTo {
                target,
                place,
                items,
            } => {
                let header = format!("add to {}{}", dotted(target), placement(place));
                return self.block(ind, header, span, items.is_empty(), |p| {
                    p.body(items, ind + 1)
                });
            }
            AdaptItemKind::AddPage { page, place } => {
                let header = format!(
                    "add page {} {}{}",
                    page.id.name,
                    text(&page.title),
                    placement(place)
                );
                return self.block(ind, header, span, page.items.is_empty(), |p| {
                    p.body(&page.items, ind + 1)
                });
            }
            AdaptItemKind::AddCheck(c) => format!("add {}", self.check(c)),
            AdaptItemKind::AddList(l) => return self.list(l, "add list", span, ind),
            AdaptItemKind::AddFee(f) => format!("add {}", self.fee(f)),
        };
        self.leaf(ind, text, span);
    }

    // -------------------------------------------------------------- expressions

    fn expr(&self, e: &Expr) -> String {
        let mut out = String::new();
        self.write_expr(&mut out, e, 0);
        out
    }

    /// Writes `e` where an expression binding at least as tightly as `min` is expected.
    fn write_expr(&self, out: &mut String, e: &Expr, min: u8) {
        let lv = level(e);
        let paren = lv < min || wrapped(self.src, e.span);
        if paren {
            out.push('(');
        }
        match &e.kind {
            ExprKind::Number(s) | ExprKind::Date(s) => out.push_str(s),
            ExprKind::Str(s) => out.push_str(&quote(s)),
            ExprKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            ExprKind::Path(ids) => out.push_str(&dotted(ids)),
            ExprKind::Call { name, args } => {
                out.push_str(&name.name);
                out.push('(');
                self.list_of(out, args);
                out.push(')');
            }
            ExprKind::Unary { op, arg } => {
                out.push_str(match op {
                    UnOp::Not => "not ",
                    UnOp::Neg => "-",
                });
                self.write_expr(out, arg, lv);
            }
            ExprKind::Binary { op, lhs, rhs } => {
                self.write_expr(out, lhs, lv);
                let _ = write!(out, " {} ", op.symbol());
                self.write_expr(out, rhs, lv + 1);
            }
            ExprKind::In { arg, list } => {
                self.write_expr(out, arg, lv);
                out.push_str(" in ");
                self.write_expr(out, list, lv + 1);
            }
            ExprKind::List(items) => {
                out.push('[');
                self.list_of(out, items);
                out.push(']');
            }
        }
        if paren {
            out.push(')');
        }
    }

    fn list_of(&self, out: &mut String, items: &[Expr]) {
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.write_expr(out, x, 0);
        }
    }
}

/// Binding strength as the parser reads it, loosest first: `or`, `and`, `not`,
/// comparisons and `in`, `+ -`, `* /`, unary `-`, operands.
fn level(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary { op, .. } => match op {
            BinOp::Or => 0,
            BinOp::And => 1,
            BinOp::Add | BinOp::Sub => 4,
            BinOp::Mul | BinOp::Div => 5,
            _ => 3,
        },
        ExprKind::Unary { op: UnOp::Not, .. } => 2,
        ExprKind::In { .. } => 3,
        ExprKind::Unary { op: UnOp::Neg, .. } => 6,
        _ => 7,
    }
}

/// Whether the author wrote parentheses around exactly this expression: its span starts
/// with `(` whose matching `)` ends it. (The parser gives a parenthesised operand the
/// span of its parentheses.)
fn wrapped(src: &str, span: Span) -> bool {
    let bytes = src.as_bytes();
    let (start, end) = (span.start as usize, span.end as usize);
    if end <= start + 1 || bytes.get(start) != Some(&b'(') || bytes.get(end - 1) != Some(&b')') {
        return false;
    }
    let mut depth = 0usize;
    let mut i = start;
    while i < end {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < end && !matches!(bytes[i], b'"' | b'\n' | b'\r') {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < end && !matches!(bytes[i], b'\n' | b'\r') {
                    i += 1;
                }
                continue;
            }
            b'(' => depth += 1,
            b')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i == end - 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    false
}

// ------------------------------------------------------------------ small pieces

fn text(t: &TextLit) -> String {
    let mut s = quote(&t.default.value);
    for (lang, tr) in &t.translations {
        let _ = write!(s, " {} {}", lang.name, quote(&tr.value));
    }
    s
}

/// An option key: bare when it is letters, digits and `_`, else a string.
fn option_key(key: &str) -> String {
    if !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        key.to_owned()
    } else {
        quote(key)
    }
}

fn dotted(ids: &[Ident]) -> String {
    ids.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

fn ty(t: &TypeExpr) -> String {
    match &t.list {
        Some(l) => format!("{}({})", t.name.name, l.name),
        None => t.name.name.clone(),
    }
}

fn fim(f: &FimLit) -> String {
    match &f.version {
        Some(v) => format!("fim {} version {}", quote(&f.id.value), quote(&v.value)),
        None => format!("fim {}", quote(&f.id.value)),
    }
}

fn placement(place: &Option<(Placement, Ident)>) -> String {
    match place {
        Some((Placement::Before, id)) => format!(" before {}", id.name),
        Some((Placement::After, id)) => format!(" after {}", id.name),
        None => String::new(),
    }
}

// ------------------------------------------------------------------ comments and blank lines

/// What stands on its own line before an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Extra {
    Blank,
    Comment(String),
}

/// Start offsets of the lines that hold nothing but spaces.
fn blank_lines(src: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let bytes = src.as_bytes();
    let mut line_start = 0;
    let mut only_space = true;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' | b'\r' => {
                if only_space {
                    out.push(line_start);
                }
                if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                line_start = i + 1;
                only_space = true;
            }
            b' ' | b'\t' => {}
            _ => only_space = false,
        }
        i += 1;
    }
    out
}

/// Whether only spaces (or a byte order mark) precede the position on its line.
fn starts_line(src: &str, pos: usize) -> bool {
    let before = &src[..pos.min(src.len())];
    let line = match before.rfind(['\n', '\r']) {
        Some(i) => &before[i + 1..],
        None => before,
    };
    line.chars().all(|c| matches!(c, ' ' | '\t' | '\u{feff}'))
}

/// Puts comments and blank lines between the printed lines and renders the result.
fn assemble(src: &str, comments: &[Comment], lines: Vec<Line>) -> String {
    let mut before: Vec<Vec<Extra>> = vec![Vec::new(); lines.len()];
    let mut trailing: Vec<Option<String>> = vec![None; lines.len()];
    let mut tail: Vec<Extra> = Vec::new();

    // Events in source order: blank lines and comments.
    enum Ev<'c> {
        Blank,
        Comment(&'c Comment),
    }
    let mut events: Vec<(usize, Ev<'_>)> = blank_lines(src)
        .into_iter()
        .map(|b| (b, Ev::Blank))
        .collect();
    events.extend(
        comments
            .iter()
            .map(|c| (c.span.start as usize, Ev::Comment(c))),
    );
    events.sort_by_key(|(pos, _)| *pos);

    // The first line starting after `pos`; the last starting at or before it.
    let next_after = |pos: usize| lines.partition_point(|l| l.start <= pos);
    let inside_leaf = |pos: usize| -> Option<usize> {
        let i = next_after(pos).checked_sub(1)?;
        let l = &lines[i];
        (l.kind == Kind::Leaf && l.start < pos && pos < l.end).then_some(i)
    };
    let mut put = |at: usize, extra: Extra, before: &mut Vec<Vec<Extra>>| match before.get_mut(at) {
        Some(v) => v.push(extra),
        None => tail.push(extra),
    };

    for (pos, ev) in events {
        match ev {
            Ev::Blank => {
                if inside_leaf(pos).is_none() {
                    put(next_after(pos), Extra::Blank, &mut before);
                }
            }
            Ev::Comment(c) => {
                let text = format!("//{}", c.text.trim_end());
                if starts_line(src, pos) {
                    let at = inside_leaf(pos).unwrap_or_else(|| next_after(pos));
                    put(at, Extra::Comment(text), &mut before);
                } else {
                    match next_after(pos).checked_sub(1) {
                        Some(i) if trailing[i].is_none() => trailing[i] = Some(text),
                        _ => put(next_after(pos), Extra::Comment(text), &mut before),
                    }
                }
            }
        }
    }

    // Output rows: blank, or indented text with its kind and trailing comment.
    struct Row {
        blank: bool,
        indent: usize,
        text: String,
        kind: Kind,
        trailing: Option<String>,
    }
    let blank = || Row {
        blank: true,
        indent: 0,
        text: String::new(),
        kind: Kind::Leaf,
        trailing: None,
    };
    let mut rows: Vec<Row> = Vec::new();
    let emit = |rows: &mut Vec<Row>, extras: Vec<Extra>, indent: usize| {
        for e in extras {
            match e {
                Extra::Blank => rows.push(blank()),
                Extra::Comment(text) => rows.push(Row {
                    blank: false,
                    indent,
                    text,
                    kind: Kind::Leaf,
                    trailing: None,
                }),
            }
        }
    };
    for ((line, mut extras), trail) in lines.into_iter().zip(before).zip(trailing) {
        if line.blank_before && !extras.contains(&Extra::Blank) {
            extras.insert(0, Extra::Blank);
        }
        let indent = if line.kind == Kind::Close {
            line.indent + 1
        } else {
            line.indent
        };
        emit(&mut rows, extras, indent);
        rows.push(Row {
            blank: false,
            indent: line.indent,
            text: line.text,
            kind: line.kind,
            trailing: trail,
        });
    }
    emit(&mut rows, tail, 0);

    // Blank lines: at most one in a row, none at the start or end of the file or of a
    // block.
    let mut kept: Vec<Row> = Vec::with_capacity(rows.len());
    let mut rows = rows.into_iter().peekable();
    while let Some(row) = rows.next() {
        if row.blank {
            while rows.peek().is_some_and(|r| r.blank) {
                rows.next();
            }
            let after_open_or_start = kept.last().is_none_or(|r| r.kind == Kind::Open);
            let before_close_or_end = rows.peek().is_none_or(|r| r.kind == Kind::Close);
            if after_open_or_start || before_close_or_end {
                continue;
            }
        }
        kept.push(row);
    }

    // Render, aligning the trailing comments of consecutive lines.
    let mut out = String::new();
    let mut i = 0;
    while i < kept.len() {
        let width = |r: &Row| r.indent * 2 + r.text.chars().count();
        if kept[i].trailing.is_some() {
            let mut j = i;
            while j < kept.len() && kept[j].trailing.is_some() && kept[j].indent == kept[i].indent {
                j += 1;
            }
            let col = kept[i..j].iter().map(width).max().unwrap_or(0) + 2;
            for r in &kept[i..j] {
                let pad = col - width(r);
                let _ = writeln!(
                    out,
                    "{}{}{}{}",
                    "  ".repeat(r.indent),
                    r.text,
                    " ".repeat(pad),
                    r.trailing.as_deref().unwrap_or_default()
                );
            }
            i = j;
            continue;
        }
        let r = &kept[i];
        if r.blank {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{}{}", "  ".repeat(r.indent), r.text);
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(src: &str) -> String {
        match format_source(src) {
            Ok(s) => s,
            Err(d) => panic!("does not parse: {d:?}\n{src}"),
        }
    }

    #[test]
    fn lays_out_a_small_form() {
        let src = "// top\nform x{version \"1.0.0\" title \"X\"   publisher \"HE\"\n\n\n list l { a \"A\" en \"a\"\n bbb \"B\" }\n page p \"P\" { field n: text { label \"N\" required } field m: text {label \"M\"}\n group g \"G\" repeat 0.. { field k: integer { min (1) max 2 * (3 + 4) } } } }";
        let want = r#"// top
form x {
  version "1.0.0"
  title "X"
  publisher "HE"

  list l {
    a   "A" en "a"
    bbb "B"
  }

  page p "P" {
    field n: text {
      label "N"
      required
    }
    field m: text { label "M" }

    group g "G" repeat 0.. {
      field k: integer {
        min (1)
        max 2 * (3 + 4)
      }
    }
  }
}
"#;
        assert_eq!(fmt(src), want);
        assert_eq!(fmt(want), want);
    }

    #[test]
    fn keeps_comments_in_place() {
        let src = r#"form x { // after the brace
  version "1.0.0"   // trailing
  // own line before title
  title "X"
    en "Y" // inside a text
  publisher "HE"
  page p "P" {
    field a: text {
      // before the label
      label "A"
    }
    // before the closing brace
  }
}
// at the end
"#;
        let out = fmt(src);
        let want = r#"form x {  // after the brace
  version "1.0.0"  // trailing
  // own line before title
  title "X" en "Y"  // inside a text
  publisher "HE"

  page p "P" {
    field a: text {
      // before the label
      label "A"
    }
    // before the closing brace
  }
}
// at the end
"#;
        assert_eq!(out, want);
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn comments_after_expressions_stay_with_what_follows() {
        let src = "form x {\n  // about a\n  param a: money = 12.00\n\n  // about b\n  param b: money = 5.00  // b's own\n  // about the title\n  title \"T\" en \"t\"\n\n  // about c\n  param c: text = \"x\"\n}\n";
        assert_eq!(fmt(src), src);
    }

    #[test]
    fn escapes_strings_canonically() {
        let src = "form x { title \"a\\u{22}b\\\\c\\nd\\u{9}e\\u{e4}\" }";
        assert_eq!(
            fmt(src),
            "form x {\n  title \"a\\\"b\\\\c\\nd\\u{9}e\u{e4}\"\n}\n"
        );
    }

    #[test]
    fn expressions_keep_needed_and_written_parentheses() {
        let src = "form x { page p \"P\" { check not (a < 1) and (b or c) and -(d + 1) * 2 > e - (f - g) message \"m\" } }";
        let out = fmt(src);
        assert!(
            out.contains(
                "check not (a < 1) and (b or c) and -(d + 1) * 2 > e - (f - g) message \"m\""
            ),
            "{out}"
        );
    }

    #[test]
    fn formats_adaptations() {
        let src = "adapt \"../a.form.json\" version \"^1.2\" { id x_he publisher \"HE\" set gebuehr = 10.00 label vorname \"Rufname\" hide zweck\n add to person after email { field telefon: phone { label \"Telefon\" } } add check anzahl <= 5 message \"M\" option urkundenart.\"0 1\" \"Null\" }";
        let want = r#"adapt "../a.form.json" version "^1.2" {
  id x_he
  publisher "HE"
  set gebuehr = 10.00
  label vorname "Rufname"
  hide zweck

  add to person after email {
    field telefon: phone { label "Telefon" }
  }

  add check anzahl <= 5 message "M"
  option urkundenart."0 1" "Null"
}
"#;
        assert_eq!(fmt(src), want);
        assert_eq!(fmt(want), want);
    }

    #[test]
    fn reports_syntax_errors() {
        assert!(format_source("form x {").is_err());
    }
}
