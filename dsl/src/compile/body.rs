//! Pages, groups and fields: their properties checked against their types.

use efa_core::expr::Expr as CExpr;
use efa_core::model::Field;
use efa_core::model::{Check, FieldType, Group, Info, Item, Page, Pattern, Repeat, Required, Text};

use super::expr::{Ctx, Ty};
use super::scope::SymId;
use super::Compiler;
use crate::ast::{self, BodyItem, BodyItemKind, PropKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;

impl Compiler<'_> {
    pub(super) fn page(&mut self, p: &ast::PageDecl) -> Page {
        let title = self.text(&p.title);
        let (items, visible) = self.body(&p.items, None, &format!("page `{}`", p.id.name));
        Page {
            id: p.id.name.clone(),
            title,
            visible,
            items,
        }
    }

    /// Compiles a body; returns its items and its own `visible when`.
    pub(super) fn body(
        &mut self,
        items: &[BodyItem],
        container: Option<SymId>,
        owner: &str,
    ) -> (Vec<Item>, Option<CExpr>) {
        let ctx = Ctx { container };
        // At most one item per entry; items are large, so no regrowing.
        let mut out = Vec::with_capacity(items.len());
        let mut visible: Option<(CExpr, Span)> = None;
        for item in items {
            match &item.kind {
                BodyItemKind::Field(f) => {
                    if let Some(field) = self.field(f, container) {
                        out.push(Item::Field(field));
                    }
                }
                BodyItemKind::Group(g) => {
                    if let Some(group) = self.group(g) {
                        out.push(Item::Group(group));
                    }
                }
                BodyItemKind::Info(t) => out.push(Item::Info(Info {
                    text: self.text(t),
                    visible: None,
                })),
                BodyItemKind::Check(c) => {
                    let condition =
                        self.expr_expect(&c.condition, ctx, &Ty::Bool, "the condition of a check");
                    let message = self.text(&c.message);
                    out.push(Item::Check(Check { condition, message }));
                }
                BodyItemKind::VisibleWhen(e) => {
                    if let Some((_, first)) = &visible {
                        let first = *first;
                        self.error(
                            Diagnostic::new(
                                Code::DuplicateProperty,
                                item.span,
                                format!("`visible when` is given twice for the {owner}"),
                            )
                            .with_label(first, "first given here")
                            .with_hint("combine the conditions with `and` / `or`"),
                        );
                        continue;
                    }
                    // A group's own condition is evaluated outside it (once per enclosing entry).
                    let outer = Ctx {
                        container: container.and_then(|g| self.symbols.syms[g].parent),
                    };
                    let ctx_v = if container.is_some() { outer } else { ctx };
                    let c = self.expr_expect(e, ctx_v, &Ty::Bool, "a visibility condition");
                    visible = Some((c, item.span));
                }
                BodyItemKind::Hint(_) | BodyItemKind::Fim(_) => {
                    if container.is_none() {
                        let what = if matches!(item.kind, BodyItemKind::Hint(_)) {
                            "hint"
                        } else {
                            "fim"
                        };
                        self.error(Diagnostic::new(
                            Code::PropertyNotAllowed,
                            item.span,
                            format!("`{what}` belongs to a field or group, not to a page"),
                        ));
                    }
                }
            }
        }
        (out, visible.map(|(c, _)| c))
    }

    fn group(&mut self, g: &ast::GroupDecl) -> Option<Group> {
        let sym = *self.sym_of_span.get(&g.id.span)?;
        let title = match &g.title {
            Some(t) => self.text(t),
            None => Text::new(self.default_lang(), g.id.name.clone()),
        };
        let repeat = g.repeat.as_ref().and_then(|r| {
            let min = u32::try_from(r.min.value).ok();
            let max = r.max.as_ref().map(|m| u32::try_from(m.value).ok());
            match (min, max) {
                (Some(min), None) => Some(Repeat { min, max: None }),
                (Some(min), Some(Some(max))) if min <= max && max > 0 => Some(Repeat {
                    min,
                    max: Some(max),
                }),
                (Some(_), Some(Some(_))) => {
                    self.error(
                        Diagnostic::new(
                            Code::InvalidValue,
                            r.span,
                            "the least number of entries is above the most",
                        )
                        .with_hint("write repeat MIN..MAX with MIN <= MAX, e.g. repeat 0..5"),
                    );
                    None
                }
                _ => {
                    self.error(Diagnostic::new(
                        Code::InvalidValue,
                        r.span,
                        "this number of entries is too large",
                    ));
                    None
                }
            }
        });
        let mut hint = None;
        let mut fim = None;
        for item in &g.items {
            match &item.kind {
                BodyItemKind::Hint(t) => {
                    if hint.is_some() {
                        self.error(Diagnostic::new(
                            Code::DuplicateProperty,
                            item.span,
                            "`hint` is given twice",
                        ));
                    } else {
                        hint = Some(self.text(t));
                    }
                }
                BodyItemKind::Fim(f) => {
                    if fim.is_some() {
                        self.error(Diagnostic::new(
                            Code::DuplicateProperty,
                            item.span,
                            "`fim` is given twice",
                        ));
                    } else {
                        fim = Some(self.fim(f));
                    }
                }
                _ => {}
            }
        }
        let owner = format!("group `{}`", g.id.name);
        let (items, visible) = self.body(&g.items, Some(sym), &owner);
        Some(Group {
            id: g.id.name.clone(),
            title,
            hint,
            repeat,
            visible,
            fim,
            items,
        })
    }

    fn field(&mut self, f: &ast::FieldDecl, container: Option<SymId>) -> Option<Field> {
        let sym = *self.sym_of_span.get(&f.id.span)?;
        let super::scope::SymKind::Field(ty) = self.symbols.syms[sym].kind.clone() else {
            return None;
        };
        let ctx = Ctx { container };
        let vty = Ty::of_field(&ty);
        let mut field = Field {
            id: f.id.name.clone(),
            ty: ty.clone(),
            label: Text::default(),
            hint: None,
            required: None,
            visible: None,
            min: None,
            max: None,
            minlength: None,
            maxlength: None,
            pattern: None,
            default: None,
            value: None,
            prefill: None,
            fim: None,
            accept: Vec::new(),
            maxsize: None,
        };
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        let mut has_label = false;
        let mut min_lit: Option<(rust_decimal::Decimal, Span)> = None;
        let mut max_lit: Option<(rust_decimal::Decimal, Span)> = None;
        for prop in &f.props {
            let key = prop_key(&prop.kind);
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                let first = *first;
                self.error(
                    Diagnostic::new(
                        Code::DuplicateProperty,
                        prop.keyword,
                        format!("`{key}` is given twice for `{}`", f.id.name),
                    )
                    .with_label(first, "first given here"),
                );
                continue;
            }
            seen.push((key, prop.keyword));
            if !fits_prop(key, &ty) {
                let mut d = Diagnostic::new(
                    Code::PropertyNotAllowed,
                    prop.keyword,
                    format!("`{key}` does not fit a field of type `{}`", ty.name()),
                );
                if let Some(allowed) = allowed_for(key) {
                    d = d.with_hint(format!("`{key}` applies to {allowed}"));
                }
                self.error(d);
                continue;
            }
            let what = |w: &str| format!("the {w} of `{}`", f.id.name);
            match &prop.kind {
                PropKind::Label(t) => {
                    has_label = true;
                    field.label = self.text(t);
                }
                PropKind::Hint(t) => field.hint = Some(self.text(t)),
                PropKind::Required => field.required = Some(Required::Always),
                PropKind::RequiredWhen(e) => {
                    field.required = Some(Required::When(self.expr_expect(
                        e,
                        ctx,
                        &Ty::Bool,
                        "a `required when` condition",
                    )))
                }
                PropKind::VisibleWhen(e) => {
                    field.visible =
                        Some(self.expr_expect(e, ctx, &Ty::Bool, "a visibility condition"))
                }
                PropKind::Min(e) | PropKind::Max(e) => {
                    let is_min = matches!(prop.kind, PropKind::Min(_));
                    let want = match vty {
                        Ty::Date => Ty::Date,
                        Ty::Money => Ty::Money,
                        _ => Ty::Dec,
                    };
                    let ce = self.expr_expect(
                        e,
                        ctx,
                        &want,
                        &what(if is_min { "minimum" } else { "maximum" }),
                    );
                    if let CExpr::Lit(efa_core::expr::Lit::Number(d)) = &ce {
                        if is_min {
                            min_lit = Some((*d, e.span))
                        } else {
                            max_lit = Some((*d, e.span))
                        }
                    }
                    if is_min {
                        field.min = Some(ce)
                    } else {
                        field.max = Some(ce)
                    }
                }
                PropKind::MinLength(n) => field.minlength = Some(n.value),
                PropKind::MaxLength(n) => field.maxlength = Some(n.value),
                PropKind::Pattern { regex, message } => {
                    if let Err(msg) = self.check_pattern(&regex.value) {
                        self.error(
                            Diagnostic::new(Code::InvalidRegex, regex.span, format!("this pattern is not a valid regular expression: {msg}"))
                                .with_hint("patterns always match the whole value; \\d, \\w and \\s stand for ASCII digits, letters and white space; write \\\\ for a backslash inside quotes"),
                        );
                    }
                    let message = message.as_ref().map(|m| self.text(m));
                    field.pattern = Some(Pattern {
                        regex: regex.value.clone(),
                        message,
                    });
                }
                PropKind::Default(e) => {
                    field.default = Some(self.expr_expect(e, ctx, &vty, &what("default")))
                }
                PropKind::Value(e) => {
                    field.value = Some(self.expr_expect(e, ctx, &vty, &what("computed value")))
                }
                PropKind::Prefill(path) => {
                    let ok = path.len() == 2 && path[0].name == "account";
                    if ok {
                        field.prefill = Some(path[1].name.clone());
                    } else {
                        self.error(
                            Diagnostic::new(
                                Code::InvalidValue,
                                prop.span,
                                "prefill takes an attribute of the citizen account",
                            )
                            .with_hint("write e.g. `prefill account.given_name`"),
                        );
                    }
                }
                PropKind::Fim(fl) => field.fim = Some(self.fim(fl)),
                PropKind::Accept(types) => {
                    for t in types {
                        let v = t.value.trim();
                        let ok = v.split_once('/').is_some_and(|(a, b)| {
                            !a.is_empty() && !b.is_empty() && !v.contains(' ')
                        });
                        if !ok {
                            self.error(
                                Diagnostic::new(
                                    Code::InvalidValue,
                                    t.span,
                                    format!("\"{}\" is not a media type", t.value),
                                )
                                .with_hint("write e.g. \"application/pdf\" or \"image/*\""),
                            );
                        }
                    }
                    field.accept = types.iter().map(|t| t.value.trim().to_owned()).collect();
                }
                PropKind::MaxSize { size, unit } => {
                    let factor: u64 = match unit.name.as_str() {
                        "B" => 1,
                        "KB" => 1024,
                        "MB" => 1024 * 1024,
                        "GB" => 1024 * 1024 * 1024,
                        _ => {
                            self.error(
                                Diagnostic::new(
                                    Code::InvalidValue,
                                    unit.span,
                                    format!("`{}` is not a size unit", unit.name),
                                )
                                .with_hint("write KB or MB, e.g. maxsize 10 MB"),
                            );
                            continue;
                        }
                    };
                    match size.value.checked_mul(factor) {
                        Some(bytes) => field.maxsize = Some(bytes),
                        None => self.error(Diagnostic::new(
                            Code::InvalidValue,
                            size.span,
                            "this size is too large",
                        )),
                    }
                }
            }
        }
        if let (Some(lo), Some(hi)) = (field.minlength, field.maxlength) {
            if lo > hi {
                let span = f
                    .props
                    .iter()
                    .find(|p| matches!(p.kind, PropKind::MinLength(_)))
                    .map_or(f.id.span, |p| p.span);
                self.error(Diagnostic::new(
                    Code::InvalidValue,
                    span,
                    format!("`minlength {lo}` is above `maxlength {hi}`, so no value can be valid"),
                ));
            }
        }
        if let (Some((lo, span)), Some((hi, _))) = (min_lit, max_lit) {
            if lo > hi {
                self.error(Diagnostic::new(
                    Code::InvalidValue,
                    span,
                    format!("the minimum {lo} is above the maximum {hi}, so no value can be valid"),
                ));
            }
        }
        if field.value.is_some() {
            for key in ["default", "required"] {
                if let Some((_, span)) = seen.iter().find(|(k, _)| *k == key) {
                    self.error(Diagnostic::new(
                        Code::Unused,
                        *span,
                        format!(
                            "`{key}` has no effect on `{}`, whose value is computed",
                            f.id.name
                        ),
                    ));
                }
            }
        }
        if !has_label {
            self.error(
                Diagnostic::new(
                    Code::MissingLabel,
                    f.id.span,
                    format!("the field `{}` has no label", f.id.name),
                )
                .with_hint(format!(
                    "add e.g. `label \"{}\"`; citizens and screen readers need it",
                    capitalise(&f.id.name)
                )),
            );
            field.label = Text::new(self.default_lang(), f.id.name.clone());
        }
        Some(field)
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn prop_key(p: &PropKind) -> &'static str {
    match p {
        PropKind::Label(_) => "label",
        PropKind::Hint(_) => "hint",
        PropKind::Required | PropKind::RequiredWhen(_) => "required",
        PropKind::VisibleWhen(_) => "visible",
        PropKind::Min(_) => "min",
        PropKind::Max(_) => "max",
        PropKind::MinLength(_) => "minlength",
        PropKind::MaxLength(_) => "maxlength",
        PropKind::Pattern { .. } => "pattern",
        PropKind::Default(_) => "default",
        PropKind::Value(_) => "value",
        PropKind::Prefill(_) => "prefill",
        PropKind::Fim(_) => "fim",
        PropKind::Accept(_) => "accept",
        PropKind::MaxSize { .. } => "maxsize",
    }
}

/// For a property restricted to some types: `Some(description of those types)`.
fn allowed_for(key: &str) -> Option<&'static str> {
    match key {
        "min" | "max" => Some("integer, decimal, money and date fields"),
        "minlength" | "maxlength" => {
            Some("text, textarea, email, phone, iban, postcode and multichoice fields")
        }
        "pattern" => Some("text, textarea, email, phone, iban and postcode fields"),
        "accept" | "maxsize" => Some("file fields"),
        "default" | "value" => Some("every type but file"),
        _ => None,
    }
}

/// Whether a restricted property fits the type.
fn fits_prop(key: &str, ty: &FieldType) -> bool {
    match key {
        "min" | "max" => ty.is_numeric() || matches!(ty, FieldType::Date),
        "minlength" | "maxlength" => ty.is_textual() || matches!(ty, FieldType::Multichoice { .. }),
        "pattern" => ty.is_textual(),
        "accept" | "maxsize" => matches!(ty, FieldType::File),
        "default" | "value" => !matches!(ty, FieldType::File),
        _ => true,
    }
}
