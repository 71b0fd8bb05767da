//! The mapping from XDatenfelder to the language, written as canonically formatted
//! source: two spaces per level, one property per line, a blank line between the
//! header, each list and each page.
//!
//! | XDatenfelder | `.form` |
//! | --- | --- |
//! | Stammdatenschema / Datenfeldgruppe message / Datenfeld message | the form; its FIM id in the header |
//! | top-level Datenfeldgruppe | a page of its own holding the group |
//! | top-level Datenfelder | a page `angaben` (one per run between groups) |
//! | Datenfeldgruppe `1:1` | `group` |
//! | Datenfeldgruppe `0:1` | `group ... repeat 0..1` (its required fields only bind when it is filled in) |
//! | Datenfeldgruppe `M:N`, `M:*` | `group ... repeat M..N`, `repeat M..` |
//! | Datenfeld `1:1` / `0:1` | field `required` / optional |
//! | Datenfeld `M:N` (N > 1) | select: `multichoice` (counts as `minlength`/`maxlength`); else a repeated group `ID_liste` of the one field |
//! | Feldart `input` | a field of the Datentyp's type, `inhalt` as `default` |
//! | Feldart `select` | `choice(LIST)`; LIST from `werte`, a `--codelist` file, or empty with `codelist "URN" version "V"`; no list at all: `text` |
//! | Feldart `label` | `info` with `inhalt` (else the label) |
//! | Feldart `hidden` | not imported: a comment and a warning |
//! | Feldart `locked` | `value = INHALT` (computed, read-only); without `inhalt` an ordinary field, with a warning |
//! | Datentyp `text`, `text_latin` | `text`; `textarea` when `maxLength` > 200 |
//! | Datentyp `date` / `bool` | `date` / `boolean` |
//! | Datentyp `num` / `num_int` / `num_currency` | `decimal` / `integer` / `money` |
//! | Datentyp `time` / `datetime` | `text` with a `pattern` (HH:MM[:SS] / YYYY-MM-DDTHH:MM[:SS]) |
//! | Datentyp `file`, `obj` | `file` (`mediaType` as `accept`, `maxSize` as `maxsize`) |
//! | Praezisierung | `minlength`, `maxlength`, `pattern` (texts); `min`, `max` (numbers, dates) |
//! | Regel | a `//` comment at its element, and a warning |

use std::collections::HashSet;

use rust_decimal::Decimal;

use crate::ids::{ident_for, Namer};
use crate::read::{Datentyp, Doc, Element, Feldart, Field, Group, Meta, Root, Rule};
use crate::text::{clean, comment, lit, one_line, paragraphs};
use crate::xml::Pos;
use crate::{Options, Warning};

/// A text field longer than this becomes a `textarea`.
const TEXTAREA_FROM: u64 = 200;
const TIME_PATTERN: &str = "([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?";
const DATETIME_PATTERN: &str =
    "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?";

/// What [`emit`] produces.
pub(crate) struct Out {
    pub source: String,
    pub form_id: String,
    pub used_codelists: Vec<String>,
}

/// Writes the form.
pub(crate) fn emit(doc: &Doc, options: &Options, warnings: &mut Vec<Warning>) -> Out {
    let mut e = Emitter {
        options,
        warnings,
        lists: Vec::new(),
        list_names: Namer::default(),
        used: Vec::new(),
    };
    let (kind, meta, children, art): (&str, &Meta, Vec<ChildRef<'_>>, Option<&str>) =
        match &doc.root {
            Root::Schema { meta, children } => (
                "Stammdatenschema",
                meta,
                children.iter().map(ChildRef::of).collect(),
                None,
            ),
            Root::Group(g) => (
                "Datenfeldgruppe",
                &g.meta,
                g.children.iter().map(ChildRef::of).collect(),
                g.art.as_deref(),
            ),
            Root::Field(f) => (
                "Datenfeld",
                &f.meta,
                vec![ChildRef {
                    min: 0,
                    max: Some(1),
                    element: ElementRef::Field(f),
                }],
                None,
            ),
        };
    let form_id = ident_for(&meta.name, &meta.id, "formular");
    let mut out = Vec::new();
    out.push(format!(
        "// Imported by `efa import` from XDatenfelder {}: {kind} {}{} \"{}\".",
        if doc.v3 { "3.0" } else { "2.0" },
        meta.id,
        meta.version
            .as_deref()
            .map(|v| format!(" version {v}"))
            .unwrap_or_default(),
        comment(&meta.name)
    ));
    let publisher = options
        .publisher
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    if publisher.is_none() {
        out.push(
            "// The publisher \"FIM\" is a placeholder: write the code of the owning state (e.g. \"TH\")."
                .to_owned(),
        );
    }
    out.push(format!("form {form_id} {{"));
    let version = match meta.version.as_deref().and_then(semver) {
        Some(v) => v,
        None => {
            let said = match &meta.version {
                Some(v) => format!("the version `{v}` is not MAJOR.MINOR[.PATCH]"),
                None => "the document has no version".to_owned(),
            };
            e.warn(
                meta.pos,
                format!("{said}; the form starts at version 1.0.0"),
            );
            "1.0.0".to_owned()
        }
    };
    push(&mut out, 1, format!("version {}", lit(&version)));
    push(&mut out, 1, format!("title {}", lit(&clean(meta.label()))));
    if let Some(hint) = &meta.hint {
        push(&mut out, 1, format!("description {}", lit(&clean(hint))));
    }
    push(&mut out, 1, fim(meta));
    push(
        &mut out,
        1,
        format!("publisher {}", lit(publisher.unwrap_or("FIM"))),
    );

    let mut notes = Vec::new();
    if let Some(art) = art {
        push(
            &mut notes,
            1,
            format!("// Datenfeldgruppe art {}", comment(art)),
        );
    }
    e.rules(&meta.rules, 1, &mut notes);

    // Pages: each top-level group on a page of its own, runs of fields on `angaben`.
    let mut form_names = Namer::default();
    let mut page_names = Namer::default();
    let mut pages: Vec<Page> = Vec::new();
    for child in &children {
        match child.element {
            ElementRef::Group(g) => {
                let id = form_names.take(&ident_for(&g.meta.name, &g.meta.id, "gruppe"));
                let mut lines = Vec::new();
                e.group(g, &id, child.min, child.max, 2, &mut lines);
                pages.push(Page {
                    id: page_names.take(&id),
                    title: clean(g.meta.label()),
                    lines,
                    fields: false,
                });
            }
            ElementRef::Field(f) => {
                if !pages.last().is_some_and(|p| p.fields) {
                    pages.push(Page {
                        id: page_names.take("angaben"),
                        title: "Angaben".to_owned(),
                        lines: Vec::new(),
                        fields: true,
                    });
                }
                if let Some(page) = pages.last_mut() {
                    let mut lines = std::mem::take(&mut page.lines);
                    e.field(f, child.min, child.max, &mut form_names, 2, &mut lines);
                    if let Some(page) = pages.last_mut() {
                        page.lines = lines;
                    }
                }
            }
        }
    }
    if pages.is_empty() {
        pages.push(Page {
            id: "angaben".to_owned(),
            title: "Angaben".to_owned(),
            lines: Vec::new(),
            fields: true,
        });
        e.warn(
            meta.pos,
            format!(
                "{kind} {} has no fields; the form has one empty page",
                meta.id
            ),
        );
    }

    if !notes.is_empty() {
        out.push(String::new());
        out.extend(notes);
    }
    for list in &e.lists {
        out.push(String::new());
        let codelist = match &list.codelist {
            Some((urn, Some(v))) => format!(" codelist {} version {}", lit(urn), lit(v)),
            Some((urn, None)) => format!(" codelist {}", lit(urn)),
            None => String::new(),
        };
        let head = format!("list {}{codelist} {{", list.id);
        if list.options.is_empty() {
            push(&mut out, 1, format!("{head}}}"));
            continue;
        }
        push(&mut out, 1, head);
        for (key, text) in &list.options {
            push(&mut out, 2, format!("{} {}", option_key(key), lit(text)));
        }
        push(&mut out, 1, "}");
    }
    for page in pages {
        out.push(String::new());
        let head = format!("page {} {} {{", page.id, lit(&page.title));
        if page.lines.is_empty() {
            push(&mut out, 1, format!("{head}}}"));
            continue;
        }
        push(&mut out, 1, head);
        out.extend(page.lines);
        push(&mut out, 1, "}");
    }
    out.push("}".to_owned());
    let mut source = out.join("\n");
    source.push('\n');
    Out {
        source,
        form_id,
        used_codelists: e.used,
    }
}

struct Page {
    id: String,
    title: String,
    lines: Vec<String>,
    /// A page of top-level fields (more may follow on it).
    fields: bool,
}

#[derive(Clone, Copy)]
enum ElementRef<'a> {
    Group(&'a Group),
    Field(&'a Field),
}

struct ChildRef<'a> {
    min: u32,
    max: Option<u32>,
    element: ElementRef<'a>,
}

impl<'a> ChildRef<'a> {
    fn of(c: &'a crate::read::Child) -> Self {
        ChildRef {
            min: c.min,
            max: c.max,
            element: match &c.element {
                Element::Group(g) => ElementRef::Group(g),
                Element::Field(f) => ElementRef::Field(f),
            },
        }
    }
}

struct ListDecl {
    id: String,
    codelist: Option<(String, Option<String>)>,
    options: Vec<(String, String)>,
    /// Made from a code-list reference (and so shared by every select that names it).
    shared: bool,
}

/// The kind of field the mapping chose, for deciding which properties fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Textarea,
    Integer,
    Decimal,
    Money,
    Date,
    Boolean,
    Choice,
    Multichoice,
    File,
}

impl Kind {
    fn textual(self) -> bool {
        matches!(self, Kind::Text | Kind::Textarea)
    }
    fn numeric(self) -> bool {
        matches!(self, Kind::Integer | Kind::Decimal | Kind::Money)
    }
}

#[derive(Default)]
struct Props {
    min: Option<String>,
    max: Option<String>,
    minlength: Option<u64>,
    maxlength: Option<u64>,
    pattern: Option<String>,
    default: Option<String>,
    value: Option<String>,
    accept: Vec<String>,
    maxsize: Option<String>,
}

struct Emitter<'a> {
    options: &'a Options,
    warnings: &'a mut Vec<Warning>,
    lists: Vec<ListDecl>,
    list_names: Namer,
    used: Vec<String>,
}

fn push(out: &mut Vec<String>, indent: usize, line: impl AsRef<str>) {
    out.push(format!("{}{}", "  ".repeat(indent), line.as_ref()));
}

/// `fim "ID" version "V"`.
fn fim(meta: &Meta) -> String {
    match &meta.version {
        Some(v) => format!("fim {} version {}", lit(&meta.id), lit(v)),
        None => format!("fim {}", lit(&meta.id)),
    }
}

/// An option key: a bare word where the grammar allows one, else a string.
fn option_key(key: &str) -> String {
    if !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        key.to_owned()
    } else {
        lit(key)
    }
}

/// `1.2` -> `1.2.0`; `None` if the version is not one to three numbers.
fn semver(v: &str) -> Option<String> {
    let parts: Vec<&str> = v.trim().split('.').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut nums = Vec::new();
    for p in &parts {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        nums.push(p.parse::<u64>().ok()?);
    }
    nums.resize(3, 0);
    Some(format!("{}.{}.{}", nums[0], nums[1], nums[2]))
}

/// A number literal of the language (`-12.5`), from `12,5`, `+3`, ` 7 `.
fn number_lit(s: &str) -> Option<String> {
    let s = s.trim().replace(',', ".");
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(&s)),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let ok = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !ok(int) || frac.is_some_and(|f| !ok(f)) || int.len() > 20 {
        return None;
    }
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let body = match frac {
        Some(f) => format!("{int}.{f}"),
        None => int.to_owned(),
    };
    // The evaluator computes with rust_decimal: the literal must fit it.
    body.parse::<Decimal>().ok()?;
    Some(if neg && body.bytes().any(|b| b != b'0' && b != b'.') {
        format!("-{body}")
    } else {
        body
    })
}

/// A date literal (`2024-05-01`) from ISO or German (`01.05.2024`) notation.
fn date_lit(s: &str) -> Option<String> {
    let s = s.trim();
    let date = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%d.%m.%Y"))
        .ok()?;
    let text = date.format("%Y-%m-%d").to_string();
    (text.len() == 10).then_some(text)
}

fn bool_lit(s: &str) -> Option<&'static str> {
    match s.trim().to_lowercase().as_str() {
        "true" | "1" | "ja" | "wahr" => Some("true"),
        "false" | "0" | "nein" | "falsch" => Some("false"),
        _ => None,
    }
}

/// A non-negative count (`minLength`).
fn count(s: &str) -> Option<u64> {
    let s = s.trim();
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

impl Emitter<'_> {
    fn warn(&mut self, pos: Pos, message: String) {
        self.warnings.push(Warning {
            line: pos.line,
            column: pos.column,
            message,
        });
    }

    /// The rules of an element as comments, each with a warning.
    fn rules(&mut self, rules: &[Rule], indent: usize, out: &mut Vec<String>) {
        for r in rules {
            let version = r
                .version
                .as_deref()
                .map(|v| format!(" version {}", comment(v)))
                .unwrap_or_default();
            let mut head = format!(
                "// Regel {}{version} \"{}\"",
                comment(&r.id),
                comment(&r.name)
            );
            if let Some(text) = &r.text {
                head.push_str(": ");
                head.push_str(&comment(text));
            }
            push(out, indent, head);
            if let Some(script) = &r.script {
                push(out, indent, format!("//   script: {}", comment(script)));
            }
            let said = r
                .text
                .as_deref()
                .or(r.script.as_deref())
                .map_or_else(|| "(no text)".to_owned(), |t| one_line(t, 160));
            self.warn(
                r.pos,
                format!(
                    "rule {} \"{}\" kept as a comment: {said}",
                    r.id,
                    clean(&r.name)
                ),
            );
        }
    }

    fn group(
        &mut self,
        g: &Group,
        id: &str,
        min: u32,
        max: Option<u32>,
        indent: usize,
        out: &mut Vec<String>,
    ) {
        let repeat = match max {
            Some(1) if min >= 1 => String::new(),
            Some(1) => " repeat 0..1".to_owned(),
            Some(max) => format!(" repeat {min}..{max}"),
            None => format!(" repeat {min}.."),
        };
        push(
            out,
            indent,
            format!("group {id} {}{repeat} {{", lit(&clean(g.meta.label()))),
        );
        let inner = indent + 1;
        if let Some(hint) = &g.meta.hint {
            push(out, inner, format!("hint {}", lit(&clean(hint))));
        }
        push(out, inner, fim(&g.meta));
        if let Some(art) = &g.art {
            push(
                out,
                inner,
                format!("// Datenfeldgruppe art {}", comment(art)),
            );
        }
        self.rules(&g.meta.rules, inner, out);
        let mut names = Namer::default();
        for child in &g.children {
            match &child.element {
                Element::Group(sub) => {
                    let sub_id = names.take(&ident_for(&sub.meta.name, &sub.meta.id, "gruppe"));
                    self.group(sub, &sub_id, child.min, child.max, inner, out);
                }
                Element::Field(f) => self.field(f, child.min, child.max, &mut names, inner, out),
            }
        }
        push(out, indent, "}");
    }

    fn field(
        &mut self,
        f: &Field,
        min: u32,
        max: Option<u32>,
        names: &mut Namer,
        indent: usize,
        out: &mut Vec<String>,
    ) {
        let m = &f.meta;
        let what = format!("{} \"{}\"", m.id, clean(&m.name));
        match f.feldart {
            Feldart::Label => {
                let v = m
                    .version
                    .as_deref()
                    .map(|v| format!(" version {}", comment(v)))
                    .unwrap_or_default();
                push(
                    out,
                    indent,
                    format!(
                        "// Feldart label {}{v} \"{}\"",
                        comment(&m.id),
                        comment(&m.name)
                    ),
                );
                self.rules(&m.rules, indent, out);
                let text = f
                    .inhalt
                    .as_deref()
                    .map(paragraphs)
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| clean(m.label()));
                push(out, indent, format!("info {}", lit(&text)));
                return;
            }
            Feldart::Hidden => {
                let v = m
                    .version
                    .as_deref()
                    .map(|v| format!(" version {}", comment(v)))
                    .unwrap_or_default();
                let value = f
                    .inhalt
                    .as_deref()
                    .map(|i| format!(", inhalt \"{}\"", comment(i)))
                    .unwrap_or_default();
                push(
                    out,
                    indent,
                    format!(
                        "// Feldart hidden {}{v} \"{}\" (Datentyp {}{value}): not imported, efa has no hidden fields",
                        comment(&m.id),
                        comment(&m.name),
                        f.datentyp.code()
                    ),
                );
                self.rules(&m.rules, indent, out);
                self.warn(
                    m.pos,
                    format!("hidden field {what} not imported; kept as a comment"),
                );
                return;
            }
            Feldart::Input | Feldart::Select | Feldart::Locked => {}
        }

        let base = ident_for(&m.name, &m.id, "feld");
        let repeated = max != Some(1);
        let mut notes: Vec<String> = Vec::new();
        let mut props = Props::default();

        // The type.
        let mut list = None;
        if f.feldart == Feldart::Select {
            list = self.list_for(f, &base);
            if list.is_none() {
                notes.push(
                    "Feldart select without a code list or values: imported as text".to_owned(),
                );
                self.warn(
                    m.pos,
                    format!("select field {what} has no code list and no values; imported as a text field"),
                );
            }
        }
        let mut kind = match (&list, f.datentyp) {
            (Some(_), _) if repeated => Kind::Multichoice,
            (Some(_), _) => Kind::Choice,
            (None, Datentyp::Text | Datentyp::TextLatin | Datentyp::Time | Datentyp::DateTime) => {
                Kind::Text
            }
            (None, Datentyp::Date) => Kind::Date,
            (None, Datentyp::Bool) => Kind::Boolean,
            (None, Datentyp::Num) => Kind::Decimal,
            (None, Datentyp::NumInt) => Kind::Integer,
            (None, Datentyp::NumCurrency) => Kind::Money,
            (None, Datentyp::File | Datentyp::Obj) => Kind::File,
        };
        if list.is_none() {
            match f.datentyp {
                Datentyp::TextLatin => notes.push(
                    "Datentyp text_latin: Latin characters after DIN SPEC 91379 are meant (not checked)"
                        .to_owned(),
                ),
                Datentyp::Time => {
                    notes.push("Datentyp time: a time of day as HH:MM or HH:MM:SS".to_owned())
                }
                Datentyp::DateTime => notes.push(
                    "Datentyp datetime: a point in time as YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS"
                        .to_owned(),
                ),
                Datentyp::Obj => {
                    notes.push("Datentyp obj (a binary object): imported as a file".to_owned())
                }
                _ => {}
            }
        }
        if kind == Kind::Text
            && f.praez
                .max_length
                .as_deref()
                .and_then(count)
                .is_some_and(|n| n > TEXTAREA_FROM)
        {
            kind = Kind::Textarea;
        }

        self.praezisierung(f, kind, &what, &mut props, &mut notes);
        if list.is_none() && props.pattern.is_none() {
            match f.datentyp {
                Datentyp::Time => props.pattern = Some(TIME_PATTERN.to_owned()),
                Datentyp::DateTime => props.pattern = Some(DATETIME_PATTERN.to_owned()),
                _ => {}
            }
        }
        self.inhalt(f, kind, list.as_deref(), &what, &mut props, &mut notes);
        self.file_parts(f, kind, &what, &mut props, &mut notes);
        if let Some(p) = &f.prefill {
            notes.push(format!(
                "vorbefuellung {p}: to be prefilled by the system; name the account attribute with `prefill account.ATTRIBUTE`"
            ));
        }

        // The type as written.
        let ty = match (kind, &list) {
            (Kind::Choice, Some(l)) => format!("choice({l})"),
            (Kind::Multichoice, Some(l)) => format!("multichoice({l})"),
            (Kind::Text | Kind::Choice | Kind::Multichoice, _) => "text".to_owned(),
            (Kind::Textarea, _) => "textarea".to_owned(),
            (Kind::Integer, _) => "integer".to_owned(),
            (Kind::Decimal, _) => "decimal".to_owned(),
            (Kind::Money, _) => "money".to_owned(),
            (Kind::Date, _) => "date".to_owned(),
            (Kind::Boolean, _) => "boolean".to_owned(),
            (Kind::File, _) => "file".to_owned(),
        };

        // Multiplicity.
        let wrap = repeated && kind != Kind::Multichoice;
        let required = if wrap {
            true
        } else {
            if kind == Kind::Multichoice {
                if min >= 2 {
                    props.minlength = Some(u64::from(min));
                }
                if let Some(max) = max {
                    props.maxlength = Some(u64::from(max));
                }
            }
            min >= 1
        };
        let required = required && props.value.is_none();

        let mut body = Vec::new();
        body.push(format!("label {}", lit(&clean(m.label()))));
        if let Some(hint) = &m.hint {
            body.push(format!("hint {}", lit(&clean(hint))));
        }
        if required {
            body.push("required".to_owned());
        }
        if let Some(v) = &props.min {
            body.push(format!("min {v}"));
        }
        if let Some(v) = &props.max {
            body.push(format!("max {v}"));
        }
        if let Some(v) = props.minlength {
            body.push(format!("minlength {v}"));
        }
        if let Some(v) = props.maxlength {
            body.push(format!("maxlength {v}"));
        }
        if let Some(p) = &props.pattern {
            body.push(format!("pattern {}", lit(p)));
        }
        if let Some(d) = &props.default {
            body.push(format!("default {d}"));
        }
        if let Some(v) = &props.value {
            body.push(format!("value = {v}"));
        }
        if !props.accept.is_empty() {
            let types: Vec<String> = props.accept.iter().map(|t| lit(t)).collect();
            body.push(format!("accept {}", types.join(", ")));
        }
        if let Some(s) = &props.maxsize {
            body.push(format!("maxsize {s}"));
        }
        body.push(fim(m));

        let mut indent = indent;
        let id = if wrap {
            let gid = names.take(&format!("{base}_liste"));
            let repeat = match max {
                Some(max) => format!("{min}..{max}"),
                None => format!("{min}.."),
            };
            push(
                out,
                indent,
                format!("group {gid} {} repeat {repeat} {{", lit(&clean(m.label()))),
            );
            indent += 1;
            base
        } else {
            names.take(&base)
        };
        self.rules(&m.rules, indent, out);
        for note in &notes {
            push(out, indent, format!("// {}", comment(note)));
        }
        push(out, indent, format!("field {id}: {ty} {{"));
        for line in body {
            push(out, indent + 1, line);
        }
        push(out, indent, "}");
        if wrap {
            push(out, indent - 1, "}");
        }
    }

    /// Praezisierung: what fits the kind becomes a property; the rest a note and a
    /// warning (a select's lengths and pattern only a note: its list decides).
    fn praezisierung(
        &mut self,
        f: &Field,
        kind: Kind,
        what: &str,
        props: &mut Props,
        notes: &mut Vec<String>,
    ) {
        let p = &f.praez;
        let pos = p.pos;
        let select = matches!(kind, Kind::Choice | Kind::Multichoice);
        let mut dropped: Vec<String> = Vec::new();

        // Lengths.
        let mut lengths = [(&p.min_length, "minLength"), (&p.max_length, "maxLength")]
            .map(|(v, name)| v.as_deref().map(|v| (v, name)));
        if kind.textual() {
            let mut parsed = [None, None];
            for (i, entry) in lengths.iter_mut().enumerate() {
                if let Some((v, name)) = entry {
                    match count(v) {
                        Some(n) => parsed[i] = Some(n),
                        None => dropped.push(format!("{name} \"{v}\" (not a count)")),
                    }
                    *entry = None;
                }
            }
            match parsed {
                [Some(lo), Some(hi)] if lo > hi => {
                    dropped.push(format!("minLength {lo} above maxLength {hi}"));
                }
                [lo, hi] => {
                    props.minlength = lo.filter(|n| *n > 0);
                    props.maxlength = hi;
                }
            }
        }
        for (v, name) in lengths.into_iter().flatten() {
            if select {
                notes.push(format!(
                    "Praezisierung {name} {v} not applied: the list decides"
                ));
            } else {
                dropped.push(format!(
                    "{name} {v} (does not fit a {} field)",
                    kind_name(kind)
                ));
            }
        }

        // Values.
        let values = [(&p.min_value, "minValue"), (&p.max_value, "maxValue")];
        if kind.numeric() || kind == Kind::Date {
            let mut parsed: [Option<String>; 2] = [None, None];
            for (i, (v, name)) in values.iter().enumerate() {
                let Some(v) = v.as_deref() else { continue };
                let lit = if kind == Kind::Date {
                    date_lit(v)
                } else {
                    number_lit(v)
                };
                match lit {
                    Some(l) => parsed[i] = Some(l),
                    None => dropped.push(format!(
                        "{name} \"{v}\" (not a {})",
                        if kind == Kind::Date { "date" } else { "number" }
                    )),
                }
            }
            let inverted = match (&parsed[0], &parsed[1]) {
                (Some(lo), Some(hi)) if kind == Kind::Date => lo > hi,
                (Some(lo), Some(hi)) => match (lo.parse::<Decimal>(), hi.parse::<Decimal>()) {
                    (Ok(lo), Ok(hi)) => lo > hi,
                    _ => true,
                },
                _ => false,
            };
            if inverted {
                dropped.push(format!(
                    "minValue {} above maxValue {}",
                    parsed[0].as_deref().unwrap_or_default(),
                    parsed[1].as_deref().unwrap_or_default()
                ));
            } else {
                let [lo, hi] = parsed;
                props.min = lo;
                props.max = hi;
            }
        } else {
            for (v, name) in values {
                if let Some(v) = v {
                    if select {
                        notes.push(format!(
                            "Praezisierung {name} {v} not applied: the list decides"
                        ));
                    } else {
                        dropped.push(format!(
                            "{name} {v} (does not fit a {} field)",
                            kind_name(kind)
                        ));
                    }
                }
            }
        }

        // Pattern.
        if let Some(pattern) = &p.pattern {
            if kind.textual() {
                match efa_core::check_pattern(pattern) {
                    Ok(()) => props.pattern = Some(pattern.clone()),
                    Err(_) => dropped.push(format!(
                        "pattern \"{}\" (not a regular expression efa can check)",
                        pattern
                    )),
                }
            } else if select {
                notes.push(format!(
                    "Praezisierung pattern \"{pattern}\" not applied: the list decides"
                ));
            } else {
                dropped.push(format!(
                    "pattern \"{pattern}\" (does not fit a {} field)",
                    kind_name(kind)
                ));
            }
        }

        for d in dropped {
            notes.push(format!("Praezisierung not applied: {d}"));
            self.warn(
                pos,
                format!(
                    "field {what}: praezisierung not applied: {}",
                    one_line(&d, 160)
                ),
            );
        }
    }

    /// `inhalt`: the default of an input, the computed value of a locked field.
    fn inhalt(
        &mut self,
        f: &Field,
        kind: Kind,
        list: Option<&str>,
        what: &str,
        props: &mut Props,
        notes: &mut Vec<String>,
    ) {
        let locked = f.feldart == Feldart::Locked;
        let Some(raw) = f.inhalt.as_deref() else {
            if locked {
                notes.push(
                    "Feldart locked (read-only) without inhalt: imported as an ordinary field"
                        .to_owned(),
                );
                self.warn(
                    f.meta.pos,
                    format!("locked field {what} has no inhalt; imported as an ordinary field"),
                );
            }
            return;
        };
        let v = raw.trim();
        let literal = match kind {
            Kind::Text | Kind::Textarea => fits_text(v, props).then(|| lit(v)),
            Kind::Integer => number_lit(v).filter(|n| !n.contains('.')),
            Kind::Decimal => number_lit(v),
            Kind::Money => {
                number_lit(v).filter(|n| n.split_once('.').is_none_or(|(_, frac)| frac.len() <= 2))
            }
            Kind::Date => date_lit(v),
            Kind::Boolean => bool_lit(v).map(str::to_owned),
            Kind::Choice => {
                let known = list
                    .and_then(|id| self.lists.iter().find(|l| l.id == id))
                    .is_some_and(|l| l.options.iter().any(|(k, _)| k == v));
                known.then(|| lit(v))
            }
            Kind::Multichoice | Kind::File => None,
        };
        match (literal, locked) {
            (Some(l), true) => props.value = Some(l),
            (Some(l), false) => props.default = Some(l),
            (None, _) => {
                let role = if locked { "value" } else { "default" };
                notes.push(format!(
                    "inhalt \"{}\" not applied as the {role}: it is not a valid value of this {} field",
                    comment(v),
                    kind_name(kind)
                ));
                self.warn(
                    f.meta.pos,
                    format!(
                        "field {what}: inhalt \"{}\" is not a valid value of this {} field; kept as a comment",
                        one_line(v, 60),
                        kind_name(kind)
                    ),
                );
            }
        }
    }

    /// `mediaType` and `maxSize` (3.0): `accept` and `maxsize` of a file field.
    fn file_parts(
        &mut self,
        f: &Field,
        kind: Kind,
        what: &str,
        props: &mut Props,
        notes: &mut Vec<String>,
    ) {
        let mut dropped = Vec::new();
        if kind == Kind::File {
            for t in &f.media_types {
                let ok = t.split_once('/').is_some_and(|(a, b)| {
                    !a.is_empty()
                        && !b.is_empty()
                        && !t.contains(char::is_whitespace)
                        && !t.contains('"')
                });
                if ok {
                    if !props.accept.contains(t) {
                        props.accept.push(t.clone());
                    }
                } else {
                    dropped.push(format!("mediaType \"{t}\" (not a media type)"));
                }
            }
            if let Some(size) = &f.max_size {
                // Up to 1 TiB, so that the size in KB or MB always fits the compiler.
                match count(size).filter(|n| *n > 0 && *n <= 1 << 40) {
                    Some(bytes) if bytes % (1024 * 1024) == 0 => {
                        props.maxsize = Some(format!("{} MB", bytes / (1024 * 1024)));
                    }
                    Some(bytes) => props.maxsize = Some(format!("{} KB", bytes.div_ceil(1024))),
                    None => dropped.push(format!("maxSize \"{size}\" (not a number of bytes)")),
                }
            }
        } else {
            for t in &f.media_types {
                dropped.push(format!("mediaType \"{t}\" (only for files)"));
            }
            if let Some(size) = &f.max_size {
                dropped.push(format!("maxSize {size} (only for files)"));
            }
        }
        for d in dropped {
            notes.push(format!("not applied: {d}"));
            self.warn(
                f.meta.pos,
                format!("field {what}: not applied: {}", one_line(&d, 160)),
            );
        }
    }

    /// The list of a select: its 3.0 values, else its code list (values from a given
    /// genericode file, else none). `None` when there is neither.
    fn list_for(&mut self, f: &Field, base: &str) -> Option<String> {
        let reference = f.codelist.as_ref().and_then(|r| {
            r.urn
                .clone()
                .map(|urn| (urn, r.version.clone(), r.version_uri.clone()))
        });
        if !f.werte.is_empty() {
            let mut seen = HashSet::new();
            let mut options = Vec::new();
            for w in &f.werte {
                if w.code.is_empty() {
                    self.warn(w.pos, "a value without a code is skipped".to_owned());
                    continue;
                }
                if !seen.insert(w.code.clone()) {
                    self.warn(
                        w.pos,
                        format!(
                            "the code `{}` is given twice; the second is skipped",
                            w.code
                        ),
                    );
                    continue;
                }
                let text = w.name.as_deref().map(clean).filter(|t| !t.is_empty());
                options.push((w.code.clone(), text.unwrap_or_else(|| w.code.clone())));
            }
            if !options.is_empty() || reference.is_some() {
                let id = self.list_names.take(base);
                self.lists.push(ListDecl {
                    id: id.clone(),
                    codelist: reference.map(|(u, v, _)| (u, v)),
                    options,
                    shared: false,
                });
                return Some(id);
            }
            return None;
        }
        let (urn, version, version_uri) = reference?;
        let key = Some((urn.clone(), version.clone()));
        if let Some(l) = self.lists.iter().find(|l| l.shared && l.codelist == key) {
            return Some(l.id.clone());
        }
        let given = self.options.codelists.iter().find(|c| {
            c.canonical_uri == urn
                || (version_uri.is_some() && c.canonical_version_uri == version_uri)
        });
        let what = format!(
            "code list {urn}{}",
            version
                .as_deref()
                .map(|v| format!(" version {v}"))
                .unwrap_or_default()
        );
        let options = match given {
            Some(c) => {
                if let (Some(want), Some(have)) = (&version, &c.version) {
                    if want != have {
                        self.warn(
                            f.meta.pos,
                            format!("{what}: the given code list has version {have}; its values are used"),
                        );
                    }
                }
                if !self.used.contains(&c.canonical_uri) {
                    self.used.push(c.canonical_uri.clone());
                }
                let mut seen = HashSet::new();
                let mut options = Vec::new();
                for (code, name) in c.options(f.code_key.as_deref(), f.name_key.as_deref()) {
                    if code.is_empty() || !seen.insert(code.clone()) {
                        continue;
                    }
                    let text = if name.is_empty() { code.clone() } else { name };
                    options.push((code, text));
                }
                options
            }
            None => {
                self.warn(
                    f.meta.pos,
                    format!("{what}: no values at hand, so the list accepts any non-empty code (give its genericode file with --codelist)"),
                );
                Vec::new()
            }
        };
        let id = self.list_names.take(base);
        self.lists.push(ListDecl {
            id: id.clone(),
            codelist: key,
            options,
            shared: true,
        });
        Some(id)
    }
}

/// Whether a text meets the lengths and pattern the field got, so that a default never
/// makes an untouched form invalid.
fn fits_text(v: &str, props: &Props) -> bool {
    let len = v.chars().count() as u64;
    if props.minlength.is_some_and(|n| len < n) || props.maxlength.is_some_and(|n| len > n) {
        return false;
    }
    match &props.pattern {
        None => true,
        Some(p) => efa_core::pattern_matches(p, v).unwrap_or(false),
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Text => "text",
        Kind::Textarea => "textarea",
        Kind::Integer => "integer",
        Kind::Decimal => "decimal",
        Kind::Money => "money",
        Kind::Date => "date",
        Kind::Boolean => "boolean",
        Kind::Choice => "choice",
        Kind::Multichoice => "multichoice",
        Kind::File => "file",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_become_semver() {
        assert_eq!(semver("1.2").as_deref(), Some("1.2.0"));
        assert_eq!(semver("1.2.0").as_deref(), Some("1.2.0"));
        assert_eq!(semver("01").as_deref(), Some("1.0.0"));
        assert_eq!(semver("1.2.3.4"), None);
        assert_eq!(semver("2020-01-01"), None);
    }

    #[test]
    fn literals() {
        assert_eq!(number_lit("12,50").as_deref(), Some("12.50"));
        assert_eq!(number_lit("-007").as_deref(), Some("-7"));
        assert_eq!(number_lit("-0").as_deref(), Some("0"));
        assert_eq!(number_lit("1e5"), None);
        assert_eq!(date_lit("31.01.2024").as_deref(), Some("2024-01-31"));
        assert_eq!(date_lit("2024-02-30"), None);
    }
}
