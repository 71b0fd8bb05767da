//! pest errors in the form author's terms.
//!
//! pest reports the furthest position it reached and the set of rules it tried there.
//! Each rule is mapped to an [`Expect`]ation phrased for form authors; the phrases are
//! joined into `expected A, B or C, found X`, where X names the token at that place.
//! Hints add what a person would say next: a keyword that is one typo away, a property
//! written outside its field, `=` where `==` was meant.

use pest::error::{Error, ErrorVariant, InputLocation};

use super::lex::{self, Lexer, Tok, MAX_NESTING};
use super::Rule;
use crate::diagnostic::{Code, Diagnostic};
use crate::span::{FileId, Span};

/// Keywords that begin a form entry.
const FORM_KEYWORDS: &[&str] = &[
    "version",
    "title",
    "description",
    "leika",
    "fim",
    "publisher",
    "languages",
    "param",
    "list",
    "page",
    "fee",
    "check",
];

/// Keywords that begin an adaptation statement (SPEC section 6).
const ADAPT_KEYWORDS: &[&str] = &[
    "id",
    "publisher",
    "version",
    "title",
    "description",
    "set",
    "label",
    "hint",
    "option",
    "hide",
    "add",
];

/// Keywords that begin a page or group entry.
const BODY_KEYWORDS: &[&str] = &["field", "group", "info", "check", "visible", "hint", "fim"];

/// Keywords that begin a field property.
const PROP_KEYWORDS: &[&str] = &[
    "label",
    "hint",
    "required",
    "visible",
    "min",
    "max",
    "minlength",
    "maxlength",
    "pattern",
    "default",
    "value",
    "prefill",
    "fim",
    "accept",
    "maxsize",
];

/// Words reserved in expressions.
const RESERVED: &[&str] = &["and", "or", "not", "in", "true", "false"];

/// What the parser wanted at the error, in the author's terms. The order is the order
/// of the phrases in a message; weak expectations (ways an already complete thing
/// could go on) are mentioned only when nothing else was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Expect {
    FormKw,
    Id,
    TypeName,
    Unit,
    Str,
    Int,
    Colon,
    Assign,
    RParen,
    RBracket,
    Comma,
    DotDot,
    Message,
    Repeat,
    Codelist,
    Dot,
    AddWhat,
    Placement,
    Open,
    FormItem,
    AdaptItem,
    BodyItem,
    Prop,
    ListOption,
    Close,
    Eoi,
    Value,
    // weak
    When,
    LParen,
    Operator,
    Lang,
    CallOpen,
    FimVersion,
}

impl Expect {
    fn is_weak(self) -> bool {
        self >= Expect::When
    }

    /// Keywords an author may have misspelt when this was expected.
    fn keywords(self) -> &'static [&'static str] {
        match self {
            Expect::FormKw => &["form", "adapt"],
            Expect::FormItem => FORM_KEYWORDS,
            Expect::AdaptItem => ADAPT_KEYWORDS,
            Expect::AddWhat => &["to", "page", "check", "list", "fee"],
            Expect::Placement => &["before", "after"],
            Expect::BodyItem => BODY_KEYWORDS,
            Expect::Prop => PROP_KEYWORDS,
            Expect::When => &["when"],
            Expect::Message => &["message"],
            Expect::Repeat => &["repeat"],
            Expect::Codelist => &["codelist"],
            Expect::FimVersion => &["version"],
            Expect::Operator => &["and", "or", "in"],
            _ => &[],
        }
    }
}

fn expect_of(rule: Rule) -> Option<Expect> {
    use Rule::*;
    Some(match rule {
        file | kw_form | form_decl | kw_adapt | adapt_decl => Expect::FormKw,
        adapt_item | a_id | a_publisher | a_version | a_title | a_description | a_set | a_label
        | a_hint | a_option | a_hide | a_add_to | a_add_page | a_add_check | a_add_list
        | a_add_fee | kw_id | kw_set | kw_option | kw_hide | kw_add => Expect::AdaptItem,
        kw_to => Expect::AddWhat,
        placement | place_before | place_after | kw_before | kw_after => Expect::Placement,
        dot => Expect::Dot,
        EOI => Expect::Eoi,
        form_item | f_version | f_title | f_description | f_leika | f_fim | f_publisher
        | f_languages | f_param | f_list | f_page | f_fee | f_check | kw_title | kw_description
        | kw_leika | kw_publisher | kw_languages | kw_param | kw_list | kw_page | kw_fee => {
            Expect::FormItem
        }
        body_item | b_field | b_group | b_info | b_check | b_visible | b_hint | b_fim
        | kw_field | kw_group | kw_info | kw_check => Expect::BodyItem,
        prop | p_label | p_hint | p_required | p_visible | p_min | p_max | p_minlength
        | p_maxlength | p_pattern | p_default | p_value | p_prefill | p_fim | p_accept
        | p_maxsize | kw_label | kw_required | kw_min | kw_max | kw_minlength | kw_maxlength
        | kw_pattern | kw_default | kw_value | kw_prefill | kw_accept | kw_maxsize => Expect::Prop,
        list_option | option_key | option_word => Expect::ListOption,
        id | dotted => Expect::Id,
        type_expr | type_name => Expect::TypeName,
        unit => Expect::Unit,
        string | text | list_text => Expect::Str,
        int => Expect::Int,
        colon => Expect::Colon,
        assign => Expect::Assign,
        lparen => Expect::LParen,
        rparen => Expect::RParen,
        rbracket => Expect::RBracket,
        comma => Expect::Comma,
        dotdot => Expect::DotDot,
        kw_when => Expect::When,
        kw_message => Expect::Message,
        repeat | kw_repeat => Expect::Repeat,
        codelist | kw_codelist => Expect::Codelist,
        lbrace => Expect::Open,
        rbrace => Expect::Close,
        expr | paren | list_lit | lbracket | date | number | bool | call | op_neg | op_not => {
            Expect::Value
        }
        op_or | op_and | op_in | op_eq | op_ne | op_le | op_lt | op_ge | op_gt | op_add
        | op_sub | op_mul | op_div => Expect::Operator,
        lang | translation | list_translation => Expect::Lang,
        call_open => Expect::CallOpen,
        kw_fim_version | kw_version => Expect::FimVersion,
        kw_fim | fim_lit => Expect::BodyItem,
        kw_hint | kw_visible => Expect::BodyItem,
        _ => return None,
    })
}

/// The token at an error.
struct Found {
    start: usize,
    end: usize,
    tok: Option<Tok>,
    text: String,
}

impl Found {
    fn at(src: &str, pos: usize) -> Found {
        match Lexer::at(src, pos).next() {
            None => Found {
                start: src.len(),
                end: src.len(),
                tok: None,
                text: String::new(),
            },
            Some((tok, start, end)) => Found {
                start,
                end,
                tok: Some(tok),
                text: src[start..end].to_string(),
            },
        }
    }

    fn is_word(&self) -> bool {
        self.tok == Some(Tok::Word)
    }

    fn is_reserved(&self) -> bool {
        self.is_word() && RESERVED.contains(&self.text.as_str())
    }

    fn describe(&self) -> String {
        match self.tok {
            None => "end of file".into(),
            Some(Tok::Newline) => "the end of the line".into(),
            Some(Tok::Space) => "a space".into(),
            Some(Tok::Word) if self.is_reserved() => format!("the reserved word `{}`", self.text),
            Some(Tok::Other) => {
                let c = self.text.chars().next().unwrap_or(' ');
                if c.is_control() || c.is_whitespace() || c == '`' {
                    format!("the character U+{:04X}", c as u32)
                } else {
                    format!("`{c}`")
                }
            }
            Some(_) => format!("`{}`", shorten(&self.text)),
        }
    }

    fn span(&self, file: FileId) -> Span {
        Span::new(file, self.start, self.end)
    }
}

fn shorten(s: &str) -> String {
    const MAX: usize = 32;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let head: String = s.chars().take(MAX - 2).collect();
        format!("{head}…")
    }
}

/// Where pest stopped: the byte offset a syntax error is reported at.
pub(super) fn error_pos(src: &str, err: &Error<Rule>) -> usize {
    match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    }
    .min(src.len())
}

/// Whether a new entry (a form entry, a page or group entry, a property, an
/// adaptation statement, a list option) or a closing `}` could have started at the
/// error: then what came before was complete, and the fault lies at the error itself.
/// Otherwise the entry before the error is unfinished.
pub(super) fn entry_expected(err: &Error<Rule>) -> bool {
    match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.iter().any(|&r| {
            matches!(
                expect_of(r),
                Some(
                    Expect::FormItem
                        | Expect::AdaptItem
                        | Expect::BodyItem
                        | Expect::Prop
                        | Expect::ListOption
                        | Expect::Close
                )
            )
        }),
        ErrorVariant::CustomError { .. } => false,
    }
}

/// Converts a pest error into one diagnostic.
pub(super) fn syntax_error(src: &str, file: FileId, err: &Error<Rule>) -> Diagnostic {
    let pos = error_pos(src, err);
    let found = Found::at(src, pos);
    let positives = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => positives,
        ErrorVariant::CustomError { .. } => {
            // pest's own call or stack limit: only very deep input gets here.
            return Diagnostic::new(
                Code::TooComplex,
                found.span(file),
                format!("nested too deeply (more than {MAX_NESTING} levels)"),
            );
        }
    };

    if positives.contains(&Rule::str_close) {
        return unclosed_string(src, file, pos, &found);
    }
    if let Some(d) = umlaut_id(src, file, pos, positives) {
        return d;
    }

    let mut expects: Vec<Expect> = positives.iter().filter_map(|&r| expect_of(r)).collect();
    if expects.contains(&Expect::AddWhat) {
        expects.retain(|e| !matches!(e, Expect::FormItem | Expect::BodyItem));
    }
    expects.sort();
    expects.dedup();
    let all = expects.clone();
    // Where a value is expected, `(`, `[`, strings and names are parts of it.
    if expects.contains(&Expect::Value) {
        expects.retain(|e| !matches!(e, Expect::LParen | Expect::Str | Expect::Id | Expect::Int));
    }
    if expects.iter().any(|e| !e.is_weak()) {
        expects.retain(|e| !e.is_weak());
    }

    let block = if expects.contains(&Expect::Close) {
        lex::enclosing_block(src, pos)
    } else {
        None
    };
    let prev = lex::previous_tokens(src, pos);
    let prev_word = |i: usize| -> Option<&str> {
        prev[i]
            .filter(|t| t.0 == Tok::Word)
            .map(|(_, s, e)| &src[s..e])
    };
    let prev_text = |i: usize| -> Option<&str> { prev[i].map(|(_, s, e)| &src[s..e]) };

    let phrases: Vec<String> = expects
        .iter()
        .map(|e| phrase(*e, block.as_ref(), prev_word(1).or(prev_text(1))))
        .collect();
    let expected = if phrases.is_empty() {
        "something else here".to_string()
    } else {
        join_or(&phrases)
    };
    let mut diag = Diagnostic::new(
        Code::Syntax,
        found.span(file),
        format!("expected {expected}, found {}", found.describe()),
    );
    if let Some(b) = &block {
        if found.tok.is_none() {
            let what = match (b.kind, &b.name) {
                (Some(k), Some(n)) => format!("the {} `{n}` opens here", k.noun()),
                (Some(k), None) => format!("the {} opens here", k.noun()),
                _ => "this `{` is not closed".to_string(),
            };
            diag = diag.with_label(Span::new(file, b.brace, b.brace + 1), what);
        }
    }

    // ---- hints
    let word = found.is_word().then_some(found.text.as_str());
    if let Some(w) = word {
        if found.is_reserved() && all.contains(&Expect::Id) {
            diag = diag.with_hint(
                "`and`, `or`, `not`, `in`, `true` and `false` are reserved words; choose another id",
            );
        } else if let Some(h) = wrong_place(w, &all, block.as_ref()) {
            diag = diag.with_hint(h);
        } else if let Some(s) = suggest(w, &all) {
            diag = diag.with_hint(format!("did you mean `{s}`?"));
        } else if all.contains(&Expect::Lang)
            && Lexer::at(src, found.end)
                .find(|t| !matches!(t.0, Tok::Space))
                .is_some_and(|t| t.0 == Tok::Str)
        {
            diag = diag.with_hint(
                "a translation is a 2 or 3 letter language code and a text, such as `en \"...\"`",
            );
        } else if all.contains(&Expect::Comma) && !all.contains(&Expect::Value) {
            diag = diag.with_hint("separate the entries with `,`");
        }
    } else if ["'", "„", "“", "”", "‚", "‘", "’", "«", "»"].contains(&found.text.as_str())
        && all.contains(&Expect::Str)
    {
        diag = diag.with_hint("write texts in straight double quotes: `\"...\"`");
    } else if found.tok == Some(Tok::Number) && expects == [Expect::Str] {
        diag = diag.with_hint(format!(
            "write it in double quotes: `\"{}\"`",
            shorten(&found.text)
        ));
    } else if found.text == "}" && expects == [Expect::Eoi] {
        diag = diag.with_hint("this `}` has no matching `{`");
    } else if found.text == "=" && all.contains(&Expect::Operator) {
        diag = diag.with_hint("to compare two values, write `==`");
    } else if found.tok == Some(Tok::Str) && all.contains(&Expect::Int) {
        diag = diag.with_hint("write the number without quotes");
    } else if found.tok == Some(Tok::Number) && all.contains(&Expect::Int) {
        diag = diag.with_hint("write a whole number, without a decimal point");
    } else if found.tok == Some(Tok::Str)
        && all.contains(&Expect::Comma)
        && !all.contains(&Expect::Value)
    {
        diag = diag.with_hint("separate the entries with `,`");
    } else if found.tok == Some(Tok::Punct)
        && found.text == "{"
        && expects == [Expect::Str]
        && prev_word(0) == Some("page")
    {
        diag = diag.with_hint("a page needs a title: `page person \"Angaben zur Person\" { ... }`");
    } else if found.tok == Some(Tok::Punct) && found.text == "{" && expects.contains(&Expect::Colon)
    {
        diag = diag.with_hint("every field has a type: `field vorname: text { ... }`");
    } else if expects == [Expect::Str] && prev_word(1).is_some_and(is_lang_like) {
        diag = diag.with_hint("a translation is a language code followed by a text: `en \"...\"`");
    } else if found.tok == Some(Tok::Newline) && expects == [Expect::Str] {
        diag =
            diag.with_hint("in a list, each option's key and text stay on one line: `b \"Text\"`");
    } else if found.tok.is_none() && expects.contains(&Expect::Close) {
        diag = diag.with_hint("every `{` needs a matching `}`");
    }
    diag
}

fn is_lang_like(w: &str) -> bool {
    (2..=3).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_lowercase())
}

/// The phrase for one expectation.
fn phrase(e: Expect, block: Option<&lex::OpenBlock>, prev: Option<&str>) -> String {
    match e {
        Expect::FormKw => "`form` to begin the form, as in `form antrag { ... }`".into(),
        Expect::AdaptItem => {
            "an adaptation entry such as `set`, `label`, `hide` or `add`".into()
        }
        Expect::AddWhat => "`to`, `page`, `check`, `list` or `fee` after `add`".into(),
        Expect::Placement => "`before` or `after` and an id".into(),
        Expect::Dot => "`.` and an option key, as in `urkundenart.ehe`".into(),
        Expect::FormItem => {
            "a form entry such as `title`, `param`, `list`, `page` or `fee`".into()
        }
        Expect::BodyItem => "an entry such as `field`, `group`, `info` or `check`".into(),
        Expect::Prop => "a property such as `label`, `required` or `maxlength`".into(),
        Expect::ListOption => "an option such as `geburt \"Geburtsurkunde\"`".into(),
        Expect::Id => match prev {
            Some("form") => "an id for the form, such as `antrag`".into(),
            Some("page") => "a page id such as `person`".into(),
            Some("group") => "a group id such as `anschrift`".into(),
            Some("field") => "a field id such as `vorname`".into(),
            Some("list") => "a list id such as `urkundenart`".into(),
            Some("param") | Some("set") => "a parameter name such as `gebuehr`".into(),
            Some("hide") | Some("label") | Some("hint") => {
                "a field id such as `vorname` or a path such as `anschrift.plz`".into()
            }
            Some("to") => "a page id or a group path such as `person.anschrift`".into(),
            Some("id") => "the adapted form's new id, such as `antrag_he`".into(),
            Some("option") => "a list id such as `urkundenart`".into(),
            Some("fee") => "a fee id such as `gebuehr`".into(),
            Some("languages") | Some(",") => "a language code such as `de` or `en`".into(),
            Some("(") => "a list id such as `urkundenart`".into(),
            Some("prefill") => "an attribute such as `account.given_name`".into(),
            Some(".") => "a name after the `.`".into(),
            _ => "an id".into(),
        },
        Expect::TypeName => "a field type such as `text` or `date`".into(),
        Expect::Unit => "a size unit: `KB` or `MB`".into(),
        Expect::Str => "a text in double quotes".into(),
        Expect::Int => "a whole number such as `100`".into(),
        Expect::Colon => "`:` and a type, as in `vorname: text`".into(),
        Expect::Assign => "`=` and a value".into(),
        Expect::LParen => "`(`".into(),
        Expect::RParen => "`)`".into(),
        Expect::RBracket => "`]`".into(),
        Expect::Comma => "`,`".into(),
        Expect::DotDot => "`..` as in `repeat 0..5`".into(),
        Expect::When => "`when` and a condition".into(),
        Expect::Message => "`message` and a text".into(),
        Expect::Repeat => "`repeat`".into(),
        Expect::Codelist => "`codelist`".into(),
        Expect::Open => "`{`".into(),
        Expect::Close => match block {
            Some(lex::OpenBlock {
                kind: Some(k),
                name: Some(n),
                ..
            }) => format!("`}}` to close the {} `{n}`", k.noun()),
            Some(lex::OpenBlock { kind: Some(k), .. }) => {
                format!("`}}` to close the {}", k.noun())
            }
            _ => "`}`".into(),
        },
        Expect::Eoi => "the end of the file after the form's closing `}`".into(),
        Expect::Value => {
            "a value: a number, a text in quotes, a date like 2024-05-01, a field name or a function"
                .into()
        }
        Expect::Operator => "an operator such as `+`, `==` or `and`".into(),
        Expect::Lang => "a translation such as `en \"...\"`".into(),
        Expect::CallOpen => "`(`".into(),
        Expect::FimVersion => "`version`".into(),
    }
}

/// `a`, `a or b`, `a, b or c`; with a comma before the last `or` when a phrase
/// has an `or` of its own (`a property such as `x` or `y`, or `}``).
fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => {
            let sep = if items.iter().any(|p| p.contains(" or ")) {
                ", or "
            } else {
                " or "
            };
            format!("{}{sep}{last}", init.join(", "))
        }
    }
}

/// A keyword that is right, but in the wrong place.
fn wrong_place(word: &str, expects: &[Expect], block: Option<&lex::OpenBlock>) -> Option<String> {
    let has = |e| expects.contains(&e);
    let in_body = has(Expect::BodyItem);
    let in_field = has(Expect::Prop);
    let in_form = has(Expect::FormItem);
    let block_name = || match block {
        Some(lex::OpenBlock {
            kind: Some(k),
            name: Some(n),
            ..
        }) => format!("the {} `{n}`", k.noun()),
        Some(lex::OpenBlock { kind: Some(k), .. }) => format!("the {}", k.noun()),
        _ => "the block above".to_string(),
    };
    if word == "version" && (in_body || in_field) {
        return Some(
            "a FIM version goes on the line of its id: `fim \"F60000227\" version \"1.0\"`".into(),
        );
    }
    if in_body && !BODY_KEYWORDS.contains(&word) && PROP_KEYWORDS.contains(&word) {
        return Some(format!(
            "`{word}` is a property of a field: it goes inside the field's `{{ ... }}`"
        ));
    }
    if has(Expect::AdaptItem) {
        if ["field", "group", "info"].contains(&word) {
            return Some("in an adaptation, new fields go inside `add to PAGE { ... }`".into());
        }
        if ["check", "page", "list", "fee"].contains(&word) {
            return Some(format!("in an adaptation, write `add {word}` to add one"));
        }
    }
    if in_form && ["field", "group", "info"].contains(&word) {
        return Some(
            "fields, groups and infos go inside a page: `page ID \"Title\" { ... }`".into(),
        );
    }
    if (in_field && !PROP_KEYWORDS.contains(&word) && BODY_KEYWORDS.contains(&word))
        || ((in_field || in_body)
            && !in_form
            && !has(Expect::AdaptItem)
            && FORM_KEYWORDS.contains(&word)
            && !BODY_KEYWORDS.contains(&word)
            && !PROP_KEYWORDS.contains(&word))
    {
        return Some(format!("is a `}}` missing to close {}?", block_name()));
    }
    None
}

/// The keyword closest to `word` among those expected, if it is a likely typo.
fn suggest(word: &str, expects: &[Expect]) -> Option<&'static str> {
    let lower = word.to_ascii_lowercase();
    let mut best: Option<(usize, &'static str)> = None;
    for e in expects {
        for &k in e.keywords() {
            if k == word {
                return None;
            }
            let d = if lower == k {
                0
            } else {
                edit_distance(&lower, k)
            };
            let limit = if k.len() <= 6 { 1 } else { 2 };
            if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, k));
            }
        }
    }
    best.map(|(_, k)| k)
}

/// Optimal string alignment distance (Levenshtein plus adjacent swaps), on chars.
/// Gives up early on long words: no keyword is longer than 12 letters.
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().take(64).collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

/// A string that runs into the end of its line or of the file.
fn unclosed_string(src: &str, file: FileId, pos: usize, found: &Found) -> Diagnostic {
    // Strings never cross lines, so the string's opening quote is on this line.
    let line_start = src[..pos].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let open = Lexer::at(src, line_start)
        .take_while(|t| t.1 < pos)
        .filter(|t| t.0 == Tok::Str)
        .last()
        .map_or(pos, |t| t.1);
    let span = Span::new(file, open, pos.max(open + 1).min(src.len()));
    if found.tok.is_none() {
        Diagnostic::new(
            Code::Syntax,
            span,
            "expected `\"` to close this text, found end of file",
        )
    } else {
        Diagnostic::new(
            Code::Syntax,
            span,
            "this text is not closed: strings end on the same line; write \\n for a line break",
        )
        .with_hint("close the text with `\"` before the end of the line")
    }
}

/// An id with letters outside a-z, such as `größe`.
fn umlaut_id(src: &str, file: FileId, pos: usize, positives: &[Rule]) -> Option<Diagnostic> {
    let c = src[pos..].chars().next()?;
    if c.is_ascii() || !c.is_alphabetic() {
        return None;
    }
    let before = src[..pos].chars().next_back();
    let mid_word = before.is_some_and(|b| b.is_ascii_alphanumeric() || b == '_');
    let wants_id = positives.iter().any(|r| {
        matches!(
            r,
            Rule::id
                | Rule::dotted
                | Rule::type_name
                | Rule::type_expr
                | Rule::unit
                | Rule::option_key
                | Rule::option_word
                | Rule::list_option
                | Rule::expr
        )
    });
    if !mid_word && !wants_id {
        return None;
    }
    let start = if mid_word {
        src[..pos]
            .char_indices()
            .rev()
            .take_while(|(_, ch)| ch.is_alphanumeric() || *ch == '_')
            .last()
            .map_or(pos, |(i, _)| i)
    } else {
        pos
    };
    let end = src[start..]
        .char_indices()
        .find(|(_, ch)| !(ch.is_alphanumeric() || *ch == '_'))
        .map_or(src.len(), |(i, _)| start + i);
    let word = &src[start..end];
    let ascii: String = word
        .chars()
        .map(|ch| match ch {
            'ä' => "ae".to_string(),
            'ö' => "oe".to_string(),
            'ü' => "ue".to_string(),
            'Ä' => "Ae".to_string(),
            'Ö' => "Oe".to_string(),
            'Ü' => "Ue".to_string(),
            'ß' => "ss".to_string(),
            other => other.to_string(),
        })
        .collect();
    let mut d = Diagnostic::new(
        Code::Syntax,
        Span::new(file, start, end),
        format!(
            "`{}` is not a valid id: ids use the letters a-z, digits and _; write ae/oe/ue/ss for umlauts",
            shorten(word)
        ),
    );
    if ascii
        .chars()
        .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        && ascii != word
    {
        d = d.with_hint(format!("write `{ascii}`"));
    }
    Some(d)
}
