//! Rendering compile diagnostics at the edge: for people and as JSON.
//!
//! Human form, one block per diagnostic:
//!
//! ```text
//! hund.form:4:18: error[E0002]: unknown field `nmae`
//!   ┌─ hund.form:4:18
//!   │
//! 4 │     visible when nmae == "x"
//!   │                  ^^^^
//!   │
//!   = hint: did you mean `name`?
//!
//! ```
//!
//! The first line is exactly `FILE:LINE:COL: SEVERITY[CODE]: MESSAGE` (SPEC section 4);
//! the snippet below it is rendered by codespan-reporting, whose own header line is
//! replaced by ours. Lines and columns are 1-based, columns count characters.

use std::collections::HashMap;
use std::io::{self, Write};

use codespan_reporting::diagnostic::{
    Diagnostic as CsDiagnostic, Label as CsLabel, Severity as CsSeverity,
};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::termcolor::{Buffer, Color, ColorSpec, WriteColor};
use codespan_reporting::term::{self, Config};
use serde_json::{json, Map, Value};

use efa_forms::dsl::{Code, Diagnostic, FileId, Severity, SourceMap, Span};

use super::one_line;

/// `FILE:LINE:COL: error[CODE]: message` without colour.
pub(crate) fn header_plain(d: &Diagnostic, sources: &SourceMap) -> String {
    format!(
        "{}: {}[{}]: {}",
        sources.location(d.span),
        d.severity.as_str(),
        d.code.as_str(),
        one_line(&d.message)
    )
}

/// Writes diagnostics for people: our header line, then the codespan snippet with
/// labels and `= hint:` lines, coloured with ANSI escapes when `color`.
pub(crate) fn write_human(
    w: &mut dyn Write,
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    color: bool,
) -> io::Result<()> {
    let files = Files::new(sources, diagnostics);
    let config = Config::default();
    for d in diagnostics {
        let mut buf = if color {
            Buffer::ansi()
        } else {
            Buffer::no_color()
        };
        write_header(&mut buf, d, sources)?;
        let snippet = files.snippet(d, &config, color);
        buf.write_all(&snippet)?;
        w.write_all(buf.as_slice())?;
    }
    Ok(())
}

fn write_header(buf: &mut Buffer, d: &Diagnostic, sources: &SourceMap) -> io::Result<()> {
    let severity_color = match d.severity {
        Severity::Error => Color::Red,
        Severity::Warning => Color::Yellow,
    };
    buf.set_color(ColorSpec::new().set_bold(true))?;
    write!(buf, "{}: ", sources.location(d.span))?;
    buf.set_color(
        ColorSpec::new()
            .set_fg(Some(severity_color))
            .set_bold(true)
            .set_intense(true),
    )?;
    write!(buf, "{}[{}]", d.severity.as_str(), d.code.as_str())?;
    buf.set_color(ColorSpec::new().set_bold(true))?;
    write!(buf, ": {}", one_line(&d.message))?;
    buf.reset()?;
    writeln!(buf)
}

/// The sources in codespan's terms, built once for a batch of diagnostics.
struct Files<'a> {
    files: SimpleFiles<&'a str, &'a str>,
    ids: HashMap<FileId, usize>,
    texts: HashMap<FileId, &'a str>,
}

impl<'a> Files<'a> {
    fn new(sources: &'a SourceMap, diagnostics: &[Diagnostic]) -> Files<'a> {
        let mut files = SimpleFiles::new();
        let mut ids = HashMap::new();
        let mut texts = HashMap::new();
        let spans = diagnostics
            .iter()
            .flat_map(|d| std::iter::once(d.span).chain(d.labels.iter().map(|l| l.span)));
        for span in spans {
            ids.entry(span.file).or_insert_with(|| {
                let text = sources.text(span.file);
                texts.insert(span.file, text);
                files.add(sources.name(span.file), text)
            });
        }
        Files { files, ids, texts }
    }

    /// A span as a byte range that is safe to hand to codespan: inside the text and on
    /// character boundaries.
    fn range(&self, span: Span) -> Option<(usize, std::ops::Range<usize>)> {
        let id = *self.ids.get(&span.file)?;
        let text = self.texts.get(&span.file)?;
        let clamp = |mut i: usize| {
            i = i.min(text.len());
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let start = clamp(span.start as usize);
        let end = clamp(span.end as usize).max(start);
        Some((id, start..end))
    }

    /// The codespan rendering of `d` without its first (header) line.
    fn snippet(&self, d: &Diagnostic, config: &Config, color: bool) -> Vec<u8> {
        let mut labels = Vec::new();
        if let Some((id, range)) = self.range(d.span) {
            labels.push(CsLabel::primary(id, range));
        }
        for l in &d.labels {
            if let Some((id, range)) = self.range(l.span) {
                labels.push(CsLabel::secondary(id, range).with_message(one_line(&l.message)));
            }
        }
        let severity = match d.severity {
            Severity::Error => CsSeverity::Error,
            Severity::Warning => CsSeverity::Warning,
        };
        let cs = CsDiagnostic::new(severity)
            .with_code(d.code.as_str())
            .with_message(one_line(&d.message))
            .with_labels(labels)
            .with_notes(d.hints.iter().map(|h| format!("hint: {h}")).collect());
        let mut buf = if color {
            Buffer::ansi()
        } else {
            Buffer::no_color()
        };
        if term::emit_to_write_style(&mut buf, config, &self.files, &cs).is_err() {
            // Unreachable with clamped ranges; the header line alone still says it all.
            return Vec::new();
        }
        let bytes = buf.into_inner();
        match bytes.iter().position(|&b| b == b'\n') {
            Some(i) => bytes[i + 1..].to_vec(),
            None => Vec::new(),
        }
    }
}

/// One diagnostic as JSON: `{ file, line, column, end_line, end_column, severity, code,
/// message, labels: [{ file, line, column, end_line, end_column, message }], hints }`.
/// Positions are 1-based; the end is the position just after the span.
pub(crate) fn to_json(d: &Diagnostic, sources: &SourceMap) -> Value {
    let mut obj = position(d.span, sources);
    obj.insert("severity".into(), d.severity.as_str().into());
    obj.insert("code".into(), d.code.as_str().into());
    obj.insert("message".into(), d.message.clone().into());
    let labels: Vec<Value> = d
        .labels
        .iter()
        .map(|l| {
            let mut o = position(l.span, sources);
            o.insert("message".into(), l.message.clone().into());
            Value::Object(o)
        })
        .collect();
    obj.insert("labels".into(), labels.into());
    obj.insert("hints".into(), d.hints.clone().into());
    Value::Object(obj)
}

/// A problem with a whole file (a form that cannot be served), in the JSON shape of a
/// diagnostic without position or code.
pub(crate) fn file_problem_json(file: &str, severity: Severity, message: &str) -> Value {
    json!({
        "file": file,
        "line": null,
        "column": null,
        "end_line": null,
        "end_column": null,
        "severity": severity.as_str(),
        "code": null,
        "message": message,
        "labels": [],
        "hints": [],
    })
}

/// A compiled artifact that does not load, in the JSON shape of a diagnostic: at the
/// line and column it is about, without labels.
pub(crate) fn artifact_problem_json(
    file: &str,
    (line, column): (usize, usize),
    code: Code,
    message: &str,
) -> Value {
    json!({
        "file": file,
        "line": line,
        "column": column,
        "end_line": line,
        "end_column": column,
        "severity": code.severity().as_str(),
        "code": code.as_str(),
        "message": message,
        "labels": [],
        "hints": [],
    })
}

fn position(span: Span, sources: &SourceMap) -> Map<String, Value> {
    let (line, column) = sources.line_col(span.file, span.start as usize);
    let (end_line, end_column) = sources.line_col(span.file, span.end.max(span.start) as usize);
    let mut obj = Map::new();
    obj.insert("file".into(), sources.name(span.file).into());
    obj.insert("line".into(), line.into());
    obj.insert("column".into(), column.into());
    obj.insert("end_line".into(), end_line.into());
    obj.insert("end_column".into(), end_column.into());
    obj
}
