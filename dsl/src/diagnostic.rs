//! Diagnostics are data: a code, a message, a span, labels and hints. Rendering with
//! source snippets happens at the edge (the CLI), never here.

use std::fmt;

use crate::span::Span;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The form does not compile.
    Error,
    /// The form compiles, but something is likely wrong.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Stable diagnostic codes. A code never changes meaning once released; new codes are
/// appended. `efa explain CODE` prints the long explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Code {
    /// E0001: the text is not valid form syntax.
    Syntax,
    /// E0002: a name that refers to nothing.
    UnknownName,
    /// E0003: an id defined twice in one namespace.
    Duplicate,
    /// E0004: a list that does not exist.
    UnknownList,
    /// E0005: a parameter that does not exist.
    UnknownParam,
    /// E0006: an expression or value of the wrong type.
    TypeMismatch,
    /// E0007: a property that does not fit the field's type.
    PropertyNotAllowed,
    /// E0008: computed values or visibility conditions that depend on each other in a circle.
    Cycle,
    /// E0009: an invalid regular expression.
    InvalidRegex,
    /// E0010: an invalid semantic version.
    InvalidVersion,
    /// E0011: a required header entry is missing.
    MissingHeader,
    /// E0012: an unknown field type.
    UnknownType,
    /// E0013: a property or header entry given twice.
    DuplicateProperty,
    /// E0014: a value that is out of range or malformed (keys, bounds, sizes).
    InvalidValue,
    /// E0015: a text in a language the form does not declare.
    UnknownLanguage,
    /// E0016: an unknown function or wrong number of arguments.
    UnknownFunction,
    /// E0017: an invalid date literal.
    InvalidDate,
    /// E0018: a reference into a repeated group from outside it, without an aggregate.
    RepeatScope,
    /// E0019: input too large or nested too deeply.
    TooComplex,
    /// E0020: the base artifact of an adaptation cannot be read.
    BaseMissing,
    /// E0021: the base artifact is not a valid artifact (hash mismatch, unknown format).
    BaseInvalid,
    /// E0022: the base's version is outside the adaptation's version range.
    BaseVersion,
    /// E0023: an adaptation hides a required field.
    HideRequired,
    /// E0024: a compiled artifact (`.form.json`) does not load.
    ArtifactInvalid,
    /// W0001: a field can never be shown or can never be filled in usefully.
    Unused,
    /// W0002: a field without a label.
    MissingLabel,
    /// W0003: a form without a title.
    MissingTitle,
}

impl Code {
    /// Every code, in order.
    pub const ALL: &'static [Code] = &[
        Code::Syntax,
        Code::UnknownName,
        Code::Duplicate,
        Code::UnknownList,
        Code::UnknownParam,
        Code::TypeMismatch,
        Code::PropertyNotAllowed,
        Code::Cycle,
        Code::InvalidRegex,
        Code::InvalidVersion,
        Code::MissingHeader,
        Code::UnknownType,
        Code::DuplicateProperty,
        Code::InvalidValue,
        Code::UnknownLanguage,
        Code::UnknownFunction,
        Code::InvalidDate,
        Code::RepeatScope,
        Code::TooComplex,
        Code::BaseMissing,
        Code::BaseInvalid,
        Code::BaseVersion,
        Code::HideRequired,
        Code::ArtifactInvalid,
        Code::Unused,
        Code::MissingLabel,
        Code::MissingTitle,
    ];

    /// The stable code (`E0001`).
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Syntax => "E0001",
            Code::UnknownName => "E0002",
            Code::Duplicate => "E0003",
            Code::UnknownList => "E0004",
            Code::UnknownParam => "E0005",
            Code::TypeMismatch => "E0006",
            Code::PropertyNotAllowed => "E0007",
            Code::Cycle => "E0008",
            Code::InvalidRegex => "E0009",
            Code::InvalidVersion => "E0010",
            Code::MissingHeader => "E0011",
            Code::UnknownType => "E0012",
            Code::DuplicateProperty => "E0013",
            Code::InvalidValue => "E0014",
            Code::UnknownLanguage => "E0015",
            Code::UnknownFunction => "E0016",
            Code::InvalidDate => "E0017",
            Code::RepeatScope => "E0018",
            Code::TooComplex => "E0019",
            Code::BaseMissing => "E0020",
            Code::BaseInvalid => "E0021",
            Code::BaseVersion => "E0022",
            Code::HideRequired => "E0023",
            Code::ArtifactInvalid => "E0024",
            Code::Unused => "W0001",
            Code::MissingLabel => "W0002",
            Code::MissingTitle => "W0003",
        }
    }

    /// The code for a string such as `E0008` (case-insensitive).
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
    }

    /// The severity diagnostics with this code have.
    pub fn severity(self) -> Severity {
        if self.as_str().starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        }
    }

    /// A short explanation for form authors (`efa explain`).
    pub fn explain(self) -> &'static str {
        match self {
            Code::Syntax => "The text does not follow the form language at this place. The message says what was expected there, for example a field type such as `text` or `date`, or a closing `}`.",
            Code::UnknownName => "An expression names a field or parameter that the form does not define. Check the spelling; a field inside a group is written with the group's id first: `anschrift.plz`.",
            Code::Duplicate => "Two things share one id. Fields and parameters share one namespace for the whole form (pages do not nest data, so two pages cannot both define `vorname`); inside a group, ids must differ among its fields. Lists, pages and fees each have a namespace of their own.",
            Code::UnknownList => "A `choice(...)` or `multichoice(...)` field names a list that is not declared with `list ID { ... }`.",
            Code::UnknownParam => "A parameter is set or used that the form does not declare with `param`.",
            Code::TypeMismatch => "A value or expression has the wrong type here: for example a text where a number is needed, a condition that is not true/false, or a default that does not fit the field.",
            Code::PropertyNotAllowed => "The property does not fit the field's type: `minlength` applies to texts, `min`/`max` to numbers, money and dates, `accept`/`maxsize` to files, and so on.",
            Code::Cycle => "Computed values, defaults or visibility conditions depend on each other in a circle, so none of them can be worked out first. Break the circle.",
            Code::InvalidRegex => "The `pattern` is not a valid regular expression, or it is too large. Patterns use the syntax of the Rust `regex` crate as `regex-lite` reads it (the same engine runs in the browser): they always match the whole value, `\\d`, `\\w` and `\\s` are ASCII (`[0-9]`, `[0-9A-Za-z_]`, `[\\t\\n\\v\\f\\r ]`), `(?i)` ignores ASCII case only, and Unicode classes such as `\\p{L}` are not available: write the characters out, e.g. `[A-Za-zÄÖÜäöüß]`.",
            Code::InvalidVersion => "The version is not a semantic version such as `1.2.0`.",
            Code::MissingHeader => "Every form needs a `version`, a `title` and a `publisher`.",
            Code::UnknownType => "The field type is not one of text, textarea, integer, decimal, money, date, boolean, choice(LIST), multichoice(LIST), email, phone, iban, postcode, file.",
            Code::DuplicateProperty => "A property or header entry is given twice; keep one.",
            Code::InvalidValue => "A value is malformed or out of range: a Leistungsschluessel that is not 14 digits, a `repeat` whose minimum exceeds its maximum, `minlength` above `maxlength`, a repeated option key, an unknown size unit.",
            Code::UnknownLanguage => "A text is given in a language that the form does not list in `languages`.",
            Code::UnknownFunction => "The function does not exist or is called with the wrong number of arguments. Functions: today(), age(DATE), len(X), count(GROUP), sum(GROUP.FIELD), any(GROUP, COND), all(GROUP, COND), if(COND, A, B), is_set(FIELD), round(NUMBER, DIGITS).",
            Code::InvalidDate => "A date literal is not a real calendar date in the form YYYY-MM-DD.",
            Code::RepeatScope => "A field inside a repeated group has one value per item, so outside the group it can only be used through count, sum, any or all.",
            Code::TooComplex => "The source is too large or nested too deeply to be processed safely.",
            Code::BaseMissing => "An adaptation names the compiled base form it adapts (`adapt \"../th/form.form.json\"`), relative to the adaptation file, and that file cannot be read. Build the base with `efa build` or correct the path.",
            Code::BaseInvalid => "The base artifact is not a valid efa artifact: its hash does not match its content (it was changed after it was built), or its format is unknown. Ask the owning state for the published artifact.",
            Code::BaseVersion => "The base form's version is outside the range the adaptation was written for (`version \"^1.2\"`). Check what changed with `efa diff OLD NEW`, adjust the adaptation, then widen the range.",
            Code::HideRequired => "An adaptation may hide only optional fields: hiding a required field would make every submission fail or drop data the owner needs.",
            Code::ArtifactInvalid => "A compiled form (`.form.json`) does not load: it is not JSON or not shaped like an artifact, its `format` is unknown, its `hash` does not match its model (it was changed after it was built), or its entries disagree with its model. Build it again with `efa build`, or ask the owning state for the published artifact.",
            Code::Unused => "Something will never have an effect, for example a default on a computed field.",
            Code::MissingLabel => "A field has no `label`, so citizens (and screen readers) see only its id. Give every field a label.",
            Code::MissingTitle => "The form has no `title`, so the catalog, the browser tab and the page heading show only its id. Give the form a title in each of its languages.",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary span with a note.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to see there.
    pub message: String,
}

/// One compile diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The stable code.
    pub code: Code,
    /// One line, for a form author.
    pub message: String,
    /// Where the problem is.
    pub span: Span,
    /// Related places.
    pub labels: Vec<Label>,
    /// What to do about it.
    pub hints: Vec<String>,
}

impl Diagnostic {
    /// A diagnostic with the code's severity.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: code.severity(),
            code,
            message: message.into(),
            span,
            labels: Vec::new(),
            hints: Vec::new(),
        }
    }

    /// Adds a related place.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// Whether it stops compilation.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
