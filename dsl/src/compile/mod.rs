//! The compiler: AST -> [`efa_core::model::FormModel`], with every problem reported as a
//! [`Diagnostic`] and compilation continuing past errors so a file's errors come at once.
//!
//! Passes: header and languages; lists; parameters; declaration of every field and group
//! (so references may point forwards); then pages, fields and expressions, typed; then
//! fees; finally the model is checked as [`efa_core::Form::new`] would load it (`loads.rs`,
//! without building the runtime index) and, only if that finds a problem, loaded by it,
//! whose dependency order reports cycles between computed values and visibility conditions.

mod adapt;
mod body;
mod expr;
mod loads;
mod scope;

pub use adapt::{compile_adapt, BaseLoader, NoBase};

use std::collections::HashMap;

use efa_core::expr::{Expr as CExpr, Lit, UnOp};
use efa_core::model::{
    Check, Codelist, Fee, FieldType, FimRef, FormModel, List, ListOption, Param, Text,
};
use rustc_hash::{FxHashMap, FxHashSet};

use self::expr::{Ctx, Ty};
use self::scope::{did_you_mean, Sym, SymId, SymKind, Symbols};
use crate::ast::{self, BodyItem, BodyItemKind, ExprKind, FormItemKind, TextLit};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::SourceMap;
use crate::span::{FileId, Span};

/// The outcome of compiling one file.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The model, if there were no errors (warnings may accompany it).
    pub model: Option<FormModel>,
    /// Every error and warning, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Compiles the file `file` of `sources`. Adaptations need their base artifact: use
/// [`compile_with`] to provide it.
pub fn compile(sources: &SourceMap, file: FileId) -> Compiled {
    compile_with(sources, file, &mut NoBase)
}

/// Compiles the file `file` of `sources`; an adaptation's base is read through `loader`.
pub fn compile_with(sources: &SourceMap, file: FileId, loader: &mut dyn BaseLoader) -> Compiled {
    compile_text(sources.text(file), file, loader)
}

/// Compiles a source text on its own (its diagnostics refer to `FileId(0)`); handy in
/// tests and examples.
pub fn compile_str(source: &str) -> Result<FormModel, Vec<Diagnostic>> {
    // `FileId(0)` is the id `SourceMap::add` gives a first file. The map itself is not
    // needed: nothing is shown here, and it would copy the text and index its lines.
    let c = compile_text(source, FileId(0), &mut NoBase);
    c.model.ok_or(c.diagnostics)
}

/// Compiles `text` as the file `file`; an adaptation's base is read through `loader`.
///
/// After syntax errors, what parsed around them is compiled too, so that one run shows
/// all errors; errors that only follow from the pieces the parser skipped are left out.
fn compile_text(text: &str, file: FileId, loader: &mut dyn BaseLoader) -> Compiled {
    let parsed = crate::syntax::parse_recovering(text, file);
    let Some(tree) = parsed.file else {
        return Compiled {
            model: None,
            diagnostics: parsed.diagnostics,
        };
    };
    let compiled = match &tree.doc {
        ast::Document::Form(form) => compile_form(form),
        ast::Document::Adapt(decl) => compile_adapt(decl, loader),
    };
    if parsed.diagnostics.is_empty() {
        return compiled;
    }
    let mut diagnostics = parsed.diagnostics;
    diagnostics.extend(
        compiled
            .diagnostics
            .into_iter()
            .filter(|d| !follows_from_skipping(text, &parsed.removed, d)),
    );
    // Stable: at one place, the syntax error comes first.
    diagnostics.sort_by_key(|d| (d.span.file, d.span.start));
    Compiled {
        model: None,
        diagnostics,
    }
}

/// Whether `d` only reports what the parser skipped after a syntax error: a name, list,
/// parameter or option declared in a skipped piece, a header entry or the languages
/// line that was skipped. `removed` holds the names of the skipped pieces.
fn follows_from_skipping(text: &str, removed: &FxHashSet<String>, d: &Diagnostic) -> bool {
    let named = || {
        text.get(d.span.range())
            .unwrap_or("")
            .trim_matches('"')
            .split('.')
            .any(|seg| removed.contains(seg))
    };
    match d.code {
        Code::UnknownName | Code::UnknownList | Code::UnknownParam => named(),
        Code::InvalidValue => d.message.contains("is not an option") && named(),
        // "the form `x` has no `title`", "... has no page"
        Code::MissingHeader | Code::MissingTitle => d
            .message
            .rsplit(' ')
            .next()
            .is_some_and(|w| removed.contains(w.trim_matches('`'))),
        Code::UnknownLanguage => removed.contains("languages"),
        _ => false,
    }
}

/// Compiles a parsed form declaration.
pub fn compile_form(form: &ast::FormDecl) -> Compiled {
    let mut c = Compiler::new();
    let model = c.form(form);
    c.finish(model)
}

pub(crate) struct Compiler<'a> {
    diags: Vec<Diagnostic>,
    symbols: Symbols,
    param_types: FxHashMap<String, Ty>,
    list_keys: FxHashMap<String, Vec<String>>,
    languages: Vec<String>,
    /// Where each page of the form is first declared, by id: finds duplicate pages, and
    /// places cycle reports.
    page_spans: FxHashMap<String, Span>,
    /// The symbol declared at an id's span.
    sym_of_span: FxHashMap<Span, SymId>,
    /// For an adaptation: where the base is named (symbols of the base point here).
    base_span: Option<Span>,
    /// Each distinct pattern checked so far: forms repeat the same few patterns on many
    /// fields, and building a regex costs more than compiling the field around it.
    patterns: FxHashMap<String, Result<(), String>>,
    _life: std::marker::PhantomData<&'a ()>,
}

const TYPES: &[&str] = &[
    "text",
    "textarea",
    "integer",
    "decimal",
    "money",
    "date",
    "boolean",
    "choice",
    "multichoice",
    "email",
    "phone",
    "iban",
    "postcode",
    "file",
];

impl Compiler<'_> {
    fn new() -> Self {
        Compiler {
            diags: Vec::new(),
            symbols: Symbols::default(),
            param_types: FxHashMap::default(),
            list_keys: FxHashMap::default(),
            languages: Vec::new(),
            page_spans: FxHashMap::default(),
            sym_of_span: FxHashMap::default(),
            base_span: None,
            patterns: FxHashMap::default(),
            _life: std::marker::PhantomData,
        }
    }

    /// Checks the model as the runtime will load it (cycles), and packs the result.
    fn finish(mut self, model: Option<FormModel>) -> Compiled {
        // Cycles are looked for even when there are other errors, so that all errors of a
        // file come in one run; erroneous expressions were lowered to constants.
        let model = model.and_then(|m| self.load_check(m));
        let mut diagnostics = self.diags;
        diagnostics.sort_by_key(|d| (d.span.file, d.span.start));
        let failed = diagnostics.iter().any(Diagnostic::is_error);
        Compiled {
            model: if failed { None } else { model },
            diagnostics,
        }
    }

    /// [`efa_core::check_pattern`], once per distinct pattern.
    pub(crate) fn check_pattern(&mut self, regex: &str) -> Result<(), String> {
        if let Some(r) = self.patterns.get(regex) {
            return r.clone();
        }
        let r = efa_core::check_pattern(regex);
        self.patterns.insert(regex.to_owned(), r.clone());
        r
    }

    pub(crate) fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn default_lang(&self) -> &str {
        self.languages.first().map_or("de", String::as_str)
    }

    /// A check at form level, in the form or added by an adaptation: its condition is
    /// typed without a container, and its errors have the path `""`.
    pub(crate) fn form_check(&mut self, c: &ast::CheckDecl) -> Check {
        let condition = self.expr_expect(
            &c.condition,
            Ctx { container: None },
            &Ty::Bool,
            "the condition of a check",
        );
        let message = self.text(&c.message);
        Check { condition, message }
    }

    fn text(&mut self, t: &TextLit) -> Text {
        let mut text = Text::new(self.default_lang(), t.default.value.clone());
        for (lang, s) in &t.translations {
            if !self.languages.iter().any(|l| l == &lang.name) {
                let mut d = Diagnostic::new(
                    Code::UnknownLanguage,
                    lang.span,
                    format!("the form does not list the language `{}`", lang.name),
                )
                .with_hint(format!(
                    "add it to `languages` (now: {})",
                    self.languages.join(", ")
                ));
                if self.languages.len() == 1 && lang.name == "en" {
                    d = d.with_hint("languages de, en");
                }
                self.error(d);
                continue;
            }
            if text.has(&lang.name) {
                self.error(Diagnostic::new(
                    Code::DuplicateProperty,
                    lang.span,
                    format!("this text is given twice in `{}`", lang.name),
                ));
                continue;
            }
            text.insert(lang.name.clone(), s.value.clone());
        }
        text
    }

    fn fim(&mut self, f: &ast::FimLit) -> FimRef {
        FimRef {
            id: f.id.value.clone(),
            version: f.version.as_ref().map(|v| v.value.clone()),
        }
    }

    fn form(&mut self, form: &ast::FormDecl) -> Option<FormModel> {
        // Pass 1: header, languages first since texts depend on them.
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        let mut dup = |c: &mut Self, key: &'static str, span: Span| -> bool {
            if let Some(first) = seen.get(key) {
                c.error(
                    Diagnostic::new(
                        Code::DuplicateProperty,
                        span,
                        format!("`{key}` is given twice"),
                    )
                    .with_label(*first, "first given here"),
                );
                return true;
            }
            seen.insert(key, span);
            false
        };
        for item in &form.items {
            if let FormItemKind::Languages(langs) = &item.kind {
                if dup(self, "languages", item.span) {
                    continue;
                }
                for l in langs {
                    let valid = (2..=3).contains(&l.name.len())
                        && l.name.bytes().all(|b| b.is_ascii_lowercase());
                    if !valid {
                        self.error(
                            Diagnostic::new(
                                Code::InvalidValue,
                                l.span,
                                format!("`{}` is not a language code", l.name),
                            )
                            .with_hint("use two-letter codes such as de, en, tr, uk"),
                        );
                    } else if self.languages.contains(&l.name) {
                        self.error(Diagnostic::new(
                            Code::DuplicateProperty,
                            l.span,
                            format!("the language `{}` is listed twice", l.name),
                        ));
                    } else {
                        self.languages.push(l.name.clone());
                    }
                }
            }
        }
        if self.languages.is_empty() {
            self.languages.push("de".to_owned());
        }
        let mut version = None;
        let mut title = None;
        let mut description = None;
        let mut leika = None;
        let mut fim = None;
        let mut publisher = None;
        for item in &form.items {
            match &item.kind {
                FormItemKind::Version(v) => {
                    if dup(self, "version", item.span) {
                        continue;
                    }
                    if semver::Version::parse(&v.value).is_err() {
                        self.error(
                            Diagnostic::new(
                                Code::InvalidVersion,
                                v.span,
                                format!("\"{}\" is not a semantic version", v.value),
                            )
                            .with_hint("write MAJOR.MINOR.PATCH, e.g. \"1.2.0\""),
                        );
                    }
                    version = Some(v.value.clone());
                }
                FormItemKind::Title(t) if !dup(self, "title", item.span) => {
                    title = Some(self.text(t));
                }
                FormItemKind::Description(t) if !dup(self, "description", item.span) => {
                    description = Some(self.text(t));
                }
                FormItemKind::Leika(l) => {
                    if dup(self, "leika", item.span) {
                        continue;
                    }
                    if l.value.len() != 14 || !l.value.bytes().all(|b| b.is_ascii_digit()) {
                        self.error(
                            Diagnostic::new(
                                Code::InvalidValue,
                                l.span,
                                format!("\"{}\" is not a Leistungsschluessel", l.value),
                            )
                            .with_hint("a LeiKa key has 14 digits, e.g. \"99063006000000\""),
                        );
                    }
                    leika = Some(l.value.clone());
                }
                FormItemKind::Fim(f) if !dup(self, "fim", item.span) => {
                    fim = Some(self.fim(f));
                }
                FormItemKind::Publisher(p) => {
                    if dup(self, "publisher", item.span) {
                        continue;
                    }
                    if p.value.trim().is_empty() {
                        self.error(
                            Diagnostic::new(Code::InvalidValue, p.span, "the publisher is empty")
                                .with_hint("name the owning state, e.g. \"TH\""),
                        );
                    }
                    publisher = Some(p.value.clone());
                }
                _ => {}
            }
        }
        // SPEC section 2 requires `version` and `publisher`; a missing title is a warning
        // (like a missing label) and the form's id stands in for it.
        let title = title.unwrap_or_else(|| {
            self.error(
                Diagnostic::new(
                    Code::MissingTitle,
                    form.id.span,
                    format!("the form `{}` has no `title`", form.id.name),
                )
                .with_hint(format!(
                    "add e.g. `title \"Antrag auf ...\"`; until then citizens see `{}`",
                    form.id.name
                )),
            );
            Text::new(self.default_lang(), form.id.name.clone())
        });
        for (name, missing) in [
            ("version", version.is_none()),
            ("publisher", publisher.is_none()),
        ] {
            if missing {
                let example = match name {
                    "version" => "version \"1.0.0\"",
                    _ => "publisher \"TH\"",
                };
                self.error(
                    Diagnostic::new(
                        Code::MissingHeader,
                        form.id.span,
                        format!("the form `{}` has no `{name}`", form.id.name),
                    )
                    .with_hint(format!("add `{example}` to the form")),
                );
            }
        }

        // Pass 2: lists.
        let mut lists = Vec::new();
        let mut list_spans: HashMap<String, Span> = HashMap::new();
        for item in &form.items {
            let FormItemKind::List(l) = &item.kind else {
                continue;
            };
            if let Some(first) = list_spans.get(&l.id.name) {
                self.error(
                    Diagnostic::new(
                        Code::Duplicate,
                        l.id.span,
                        format!("the list `{}` is defined twice", l.id.name),
                    )
                    .with_label(*first, "first defined here"),
                );
                continue;
            }
            list_spans.insert(l.id.name.clone(), l.id.span);
            if let Some(list) = self.list(l) {
                lists.push(list);
            }
        }

        // Pass 3: parameter types (values are typed below, once fields are declared).
        let mut param_spans: HashMap<String, Span> = HashMap::new();
        let mut param_decls = Vec::new();
        for item in &form.items {
            let FormItemKind::Param(p) = &item.kind else {
                continue;
            };
            if let Some(first) = param_spans.get(&p.name.name) {
                self.error(
                    Diagnostic::new(
                        Code::Duplicate,
                        p.name.span,
                        format!("the parameter `{}` is defined twice", p.name.name),
                    )
                    .with_label(*first, "first defined here"),
                );
                continue;
            }
            param_spans.insert(p.name.name.clone(), p.name.span);
            let Some(ft) = self.field_type(&p.ty) else {
                continue;
            };
            if matches!(ft, FieldType::Multichoice { .. } | FieldType::File) {
                self.error(Diagnostic::new(
                    Code::TypeMismatch,
                    p.ty.span,
                    format!("a parameter cannot be of type `{}`", ft.name()),
                ));
                continue;
            }
            self.param_types
                .insert(p.name.name.clone(), Ty::of_field(&ft));
            param_decls.push((p, ft));
        }

        // Pass 4: declare every field and group so references may point forwards.
        for item in &form.items {
            let FormItemKind::Page(p) = &item.kind else {
                continue;
            };
            if let Some(first) = self.page_spans.get(&p.id.name) {
                self.error(
                    Diagnostic::new(
                        Code::Duplicate,
                        p.id.span,
                        format!("the page `{}` is defined twice", p.id.name),
                    )
                    .with_label(*first, "first defined here"),
                );
            } else {
                self.page_spans.insert(p.id.name.clone(), p.id.span);
            }
            self.declare(&p.items, None, "");
        }
        for (name, span) in &param_spans {
            if let Some(sym) = self.symbols.child(None, name) {
                let field_span = self.symbols.syms[sym].span;
                let (first, second) = if field_span < *span {
                    (field_span, *span)
                } else {
                    (*span, field_span)
                };
                self.error(
                    Diagnostic::new(
                        Code::Duplicate,
                        second,
                        format!("`{name}` is both a parameter and a field"),
                    )
                    .with_label(first, "also defined here")
                    .with_hint("fields and parameters share one namespace; rename one of them"),
                );
            }
        }

        // Pass 5: parameter values, pages, fees.
        let mut params = Vec::new();
        for (p, ft) in param_decls {
            let want = Ty::of_field(&ft);
            let value = match self.constant(&p.value) {
                Some(_) => {
                    let ce = self.expr_expect(
                        &p.value,
                        Ctx { container: None },
                        &want,
                        &format!("the value of `{}`", p.name.name),
                    );
                    match ce {
                        CExpr::Lit(l) => Some(fit_lit(l, &ft)),
                        _ => None,
                    }
                }
                None => {
                    self.error(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            p.value.span,
                            format!(
                                "the value of the parameter `{}` must be a constant",
                                p.name.name
                            ),
                        )
                        .with_hint("write a number, a text in quotes, a date or true/false"),
                    );
                    None
                }
            };
            if let Some(value) = value {
                params.push(Param {
                    name: p.name.name.clone(),
                    ty: ft,
                    value,
                });
            }
        }
        let mut pages = Vec::new();
        for item in &form.items {
            if let FormItemKind::Page(p) = &item.kind {
                pages.push(self.page(p));
            }
        }
        if pages.is_empty() {
            self.error(
                Diagnostic::new(
                    Code::MissingHeader,
                    form.id.span,
                    format!("the form `{}` has no page", form.id.name),
                )
                .with_hint("add a page: page antrag \"Antrag\" { field ... }"),
            );
        }
        let mut fees = Vec::new();
        let mut fee_spans: HashMap<String, Span> = HashMap::new();
        for item in &form.items {
            let FormItemKind::Fee(f) = &item.kind else {
                continue;
            };
            if let Some(first) = fee_spans.get(&f.id.name) {
                self.error(
                    Diagnostic::new(
                        Code::Duplicate,
                        f.id.span,
                        format!("the fee `{}` is defined twice", f.id.name),
                    )
                    .with_label(*first, "first defined here"),
                );
                continue;
            }
            fee_spans.insert(f.id.name.clone(), f.id.span);
            let label = self.text(&f.label);
            let amount = self.expr_expect(
                &f.amount,
                Ctx { container: None },
                &Ty::Money,
                &format!("the amount of the fee `{}`", f.id.name),
            );
            fees.push(Fee {
                id: f.id.name.clone(),
                label,
                amount,
            });
        }
        // Checks at form level: their errors have the path "" (SPEC section 3).
        let mut checks = Vec::new();
        for item in &form.items {
            let FormItemKind::Check(c) = &item.kind else {
                continue;
            };
            checks.push(self.form_check(c));
        }

        let model = FormModel {
            id: form.id.name.clone(),
            version: version.unwrap_or_default(),
            title,
            description,
            leika,
            fim,
            publisher: publisher.unwrap_or_default(),
            languages: self.languages.clone(),
            params,
            lists,
            pages,
            fees,
            checks,
            base: None,
        };
        Some(model)
    }

    /// Loads the model as the runtime will; reports a cycle (E0008) where it starts.
    fn load_check(&mut self, model: FormModel) -> Option<FormModel> {
        // Indexing the whole form costs more than compiling it: check cheaply first, and
        // load it only to find out what is wrong.
        if loads::surely_loads(&model, &mut |re| self.check_pattern(re).is_ok()) {
            // Never looser than the real thing: every test run checks it.
            debug_assert!(efa_core::Form::new(model.clone()).is_ok());
            return Some(model);
        }
        let at = self.base_span.unwrap_or_default();
        match efa_core::Form::new(model) {
            Ok(form) => Some(form.into_model()),
            Err(efa_core::ModelError::Cycle { paths }) => {
                let spans: Vec<Span> = paths.iter().filter_map(|p| self.declared_at(p)).collect();
                let at = spans.first().copied().unwrap_or(at);
                let mut d = Diagnostic::new(
                    Code::Cycle,
                    at,
                    format!("these depend on each other in a circle: {}", paths.join(" -> ")),
                )
                .with_hint("a computed value, default or visibility condition cannot depend on itself, directly or through others");
                let mut labelled = vec![at];
                for s in spans.iter().skip(1) {
                    if !labelled.contains(s) {
                        labelled.push(*s);
                        d = d.with_label(*s, "part of the circle");
                    }
                }
                self.error(d);
                None
            }
            Err(other) => {
                // With earlier errors this is a consequence of them (a duplicate id, say).
                if !self.diags.iter().any(Diagnostic::is_error) {
                    self.error(Diagnostic::new(Code::TypeMismatch, at, other.to_string()));
                }
                None
            }
        }
    }

    /// Where the page, group or field of a cycle report (`page p`, `field a.b`) is first
    /// declared in the source; `None` for what comes from an adaptation's base. Looked up
    /// only when there is a cycle to report.
    fn declared_at(&self, what: &str) -> Option<Span> {
        let (kind, path) = what.split_once(' ')?;
        if kind == "page" {
            return self.page_spans.get(path).copied();
        }
        // Symbols seeded from a base carry the base's span; the first declared is meant.
        self.symbols
            .syms
            .iter()
            .find(|s| {
                let is_field = matches!(s.kind, SymKind::Field(_));
                let kind_fits = if kind == "field" {
                    is_field
                } else {
                    kind == "group" && !is_field
                };
                kind_fits && s.path == path && Some(s.span) != self.base_span
            })
            .map(|s| s.span)
    }

    /// Compiles a list declaration (its id is checked for duplicates by the caller).
    fn list(&mut self, l: &ast::ListDecl) -> Option<List> {
        let mut options: Vec<ListOption> = Vec::new();
        let mut key_spans: HashMap<String, Span> = HashMap::new();
        for o in &l.options {
            if let Some(first) = key_spans.get(&o.key.value) {
                self.error(
                    Diagnostic::new(
                        Code::Duplicate,
                        o.key.span,
                        format!(
                            "the option `{}` appears twice in the list `{}`",
                            o.key.value, l.id.name
                        ),
                    )
                    .with_label(*first, "first here"),
                );
                continue;
            }
            if o.key.value.is_empty() {
                self.error(Diagnostic::new(
                    Code::InvalidValue,
                    o.key.span,
                    "an option key must not be empty",
                ));
            }
            key_spans.insert(o.key.value.clone(), o.key.span);
            let text = self.text(&o.text);
            options.push(ListOption {
                key: o.key.value.clone(),
                text,
            })
        }
        if options.is_empty() && l.codelist.is_none() {
            self.error(
                Diagnostic::new(Code::InvalidValue, l.id.span, format!("the list `{}` has no options", l.id.name))
                    .with_hint("add options, or name the code list they come from: list ID codelist \"urn:...\" { }"),
            );
        }
        self.list_keys.insert(
            l.id.name.clone(),
            options.iter().map(|o| o.key.clone()).collect(),
        );
        Some(List {
            id: l.id.name.clone(),
            codelist: l.codelist.as_ref().map(|u| Codelist {
                urn: u.value.clone(),
                version: l.codelist_version.as_ref().map(|v| v.value.clone()),
            }),
            options,
        })
    }

    /// Whether an expression is a constant (literal, or a negated number).
    fn constant(&self, e: &ast::Expr) -> Option<()> {
        match &e.kind {
            ExprKind::Number(_) | ExprKind::Str(_) | ExprKind::Bool(_) | ExprKind::Date(_) => {
                Some(())
            }
            ExprKind::Unary { op: UnOp::Neg, arg } if matches!(arg.kind, ExprKind::Number(_)) => {
                Some(())
            }
            _ => None,
        }
    }

    fn field_type(&mut self, t: &ast::TypeExpr) -> Option<FieldType> {
        let name = t.name.name.as_str();
        let needs_list = matches!(name, "choice" | "multichoice");
        if !TYPES.contains(&name) {
            let mut d = Diagnostic::new(
                Code::UnknownType,
                t.name.span,
                format!("there is no field type `{name}`"),
            );
            if let Some(s) = did_you_mean(name, TYPES.iter().copied()) {
                d = d.with_hint(format!("did you mean `{s}`?"));
            } else {
                d = d.with_hint("field types are text, textarea, integer, decimal, money, date, boolean, choice(LIST), multichoice(LIST), email, phone, iban, postcode, file");
            }
            self.error(d);
            return None;
        }
        match (&t.list, needs_list) {
            (None, true) => {
                self.error(
                    Diagnostic::new(Code::UnknownType, t.span, format!("`{name}` needs a list"))
                        .with_hint(format!(
                            "write {name}(LIST), naming a list declared with `list LIST {{ ... }}`"
                        )),
                );
                return None;
            }
            (Some(l), false) => {
                self.error(Diagnostic::new(
                    Code::UnknownType,
                    l.span,
                    format!("`{name}` takes no list"),
                ));
                return None;
            }
            (Some(l), true) if !self.list_keys.contains_key(&l.name) => {
                let mut d = Diagnostic::new(
                    Code::UnknownList,
                    l.span,
                    format!("there is no list `{}`", l.name),
                );
                if let Some(s) = did_you_mean(&l.name, self.list_keys.keys().map(String::as_str)) {
                    d = d.with_hint(format!("did you mean `{s}`?"));
                } else {
                    d = d.with_hint(format!(
                        "declare it: list {} {{ key \"Text\" ... }}",
                        l.name
                    ));
                }
                self.error(d);
                return None;
            }
            _ => {}
        }
        Some(match name {
            "text" => FieldType::Text,
            "textarea" => FieldType::Textarea,
            "integer" => FieldType::Integer,
            "decimal" => FieldType::Decimal,
            "money" => FieldType::Money,
            "date" => FieldType::Date,
            "boolean" => FieldType::Boolean,
            "choice" => FieldType::Choice {
                list: t.list.as_ref()?.name.clone(),
            },
            "multichoice" => FieldType::Multichoice {
                list: t.list.as_ref()?.name.clone(),
            },
            "email" => FieldType::Email,
            "phone" => FieldType::Phone,
            "iban" => FieldType::Iban,
            "postcode" => FieldType::Postcode,
            _ => FieldType::File,
        })
    }

    /// Declares the fields and groups of a body in `container`.
    fn declare(&mut self, items: &[BodyItem], container: Option<SymId>, prefix: &str) {
        for item in items {
            let (id, kind, inner) = match &item.kind {
                BodyItemKind::Field(f) => {
                    let kind = match self.field_type(&f.ty) {
                        Some(ft) => SymKind::Field(ft),
                        None => SymKind::Field(FieldType::Text),
                    };
                    (&f.id, kind, None)
                }
                BodyItemKind::Group(g) => (
                    &g.id,
                    SymKind::Group {
                        repeated: g.repeat.is_some(),
                    },
                    Some(&g.items),
                ),
                _ => continue,
            };
            let path = if prefix.is_empty() {
                id.name.clone()
            } else {
                format!("{prefix}.{}", id.name)
            };
            if container.is_none()
                && self.base_span.is_some()
                && self.param_types.contains_key(&id.name)
            {
                self.error(
                    Diagnostic::new(
                        Code::Duplicate,
                        id.span,
                        format!("the base form has a parameter `{}`", id.name),
                    )
                    .with_hint("fields and parameters share one namespace; choose another id"),
                );
            }
            if let Some(existing) = self.symbols.child(container, &id.name) {
                let first = self.symbols.syms[existing].span;
                let place = match container {
                    None => "in this form".to_owned(),
                    Some(g) => format!("in the group `{}`", self.symbols.syms[g].path),
                };
                let from_base = Some(first) == self.base_span;
                let mut d = if from_base {
                    Diagnostic::new(
                        Code::Duplicate,
                        id.span,
                        format!("the base form already has `{}` {place}", id.name),
                    )
                    .with_hint(format!(
                        "an added id must not collide with the base; choose another, e.g. `{}_2`",
                        id.name
                    ))
                } else {
                    Diagnostic::new(
                        Code::Duplicate,
                        id.span,
                        format!("`{}` is defined twice {place}", id.name),
                    )
                    .with_label(first, "first defined here")
                };
                if container.is_none() && !from_base {
                    d = d.with_hint("pages do not nest data: all fields of all pages share one namespace; rename one, or put it in a group");
                }
                self.error(d);
                // Keep declaring what is inside, against a fresh symbol, to find more errors.
            }
            self.symbols.syms.push(Sym {
                kind,
                path: path.clone(),
                span: id.span,
                parent: container,
            });
            let sym = self.symbols.syms.len() - 1;
            self.symbols
                .children
                .entry(container)
                .or_default()
                .entry(id.name.clone())
                .or_insert(sym);
            self.sym_of_span.insert(id.span, sym);
            if let Some(inner) = inner {
                self.declare(inner, Some(sym), &path);
            }
        }
    }
}

fn fit_lit(l: Lit, ft: &FieldType) -> Lit {
    match (l, ft) {
        (Lit::Number(d), FieldType::Money) => Lit::Number(efa_core::value::round_money(d)),
        (l, _) => l,
    }
}

#[cfg(test)]
mod tests;
