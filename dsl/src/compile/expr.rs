//! Typing expressions and lowering them to [`efa_core::expr::Expr`].
//!
//! Every expression is typed at compile time; errors are reported with the span of the
//! offending part and typing continues with an error type that silences follow-ups.

use std::str::FromStr;

use efa_core::expr::{Aggregate, BinOp, Expr as CExpr, Func, Lit, UnOp};
use efa_core::model::FieldType;
use rust_decimal::Decimal;

use super::scope::{did_you_mean, SymId, SymKind};
use super::Compiler;
use crate::ast::{Expr, ExprKind, Ident};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;

/// Static types of expressions.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ty {
    Text,
    Int,
    Dec,
    Money,
    Date,
    Bool,
    /// A key of a list.
    Key(String),
    /// Several keys of a list.
    Keys(String),
    File,
    /// A list literal with the type of its items.
    List(Box<Ty>),
    /// Already reported; accept anything.
    Error,
}

impl Ty {
    pub fn of_field(ty: &FieldType) -> Ty {
        match ty {
            FieldType::Text
            | FieldType::Textarea
            | FieldType::Email
            | FieldType::Phone
            | FieldType::Iban
            | FieldType::Postcode => Ty::Text,
            FieldType::Integer => Ty::Int,
            FieldType::Decimal => Ty::Dec,
            FieldType::Money => Ty::Money,
            FieldType::Date => Ty::Date,
            FieldType::Boolean => Ty::Bool,
            FieldType::Choice { list } => Ty::Key(list.clone()),
            FieldType::Multichoice { list } => Ty::Keys(list.clone()),
            FieldType::File => Ty::File,
        }
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Ty::Int | Ty::Dec | Ty::Money | Ty::Error)
    }

    fn is_textish(&self) -> bool {
        matches!(self, Ty::Text | Ty::Key(_) | Ty::Error)
    }

    /// How a form author would call this type.
    pub fn describe(&self) -> String {
        match self {
            Ty::Text => "a text".into(),
            Ty::Int => "a whole number".into(),
            Ty::Dec => "a decimal number".into(),
            Ty::Money => "an amount of money".into(),
            Ty::Date => "a date".into(),
            Ty::Bool => "true/false".into(),
            Ty::Key(l) => format!("an option of the list `{l}`"),
            Ty::Keys(l) => format!("several options of the list `{l}`"),
            Ty::File => "a file".into(),
            Ty::List(_) => "a list".into(),
            Ty::Error => "anything".into(),
        }
    }

    /// Whether a value of type `self` may be stored in a field of type `target`.
    pub fn fits(&self, target: &Ty) -> bool {
        match (self, target) {
            (Ty::Error, _) | (_, Ty::Error) => true,
            (Ty::Int, Ty::Dec | Ty::Money) | (Ty::Dec, Ty::Money) => true,
            (Ty::Key(_), Ty::Text) => true,
            (Ty::Text, Ty::Key(_)) => true,
            (Ty::List(item), Ty::Keys(_)) => matches!(**item, Ty::Text | Ty::Error),
            (a, b) => a == b,
        }
    }
}

/// Where an expression is evaluated: the innermost group (None: the form).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx {
    pub container: Option<SymId>,
}

/// The number of decimal places of a number literal (or a negated one).
fn literal_decimals(e: &Expr) -> Option<usize> {
    match &e.kind {
        ExprKind::Number(n) => Some(n.split_once('.').map_or(0, |(_, f)| f.len())),
        ExprKind::Unary { op: UnOp::Neg, arg } => literal_decimals(arg),
        _ => None,
    }
}

fn numeric_join(a: &Ty, b: &Ty) -> Ty {
    match (a, b) {
        (Ty::Error, _) | (_, Ty::Error) => Ty::Error,
        (Ty::Money, _) | (_, Ty::Money) => Ty::Money,
        (Ty::Dec, _) | (_, Ty::Dec) => Ty::Dec,
        _ => Ty::Int,
    }
}

impl Compiler<'_> {
    fn type_error(&mut self, span: Span, msg: String) -> (CExpr, Ty) {
        self.error(Diagnostic::new(Code::TypeMismatch, span, msg));
        (CExpr::Lit(Lit::Bool(false)), Ty::Error)
    }

    /// Types an expression that must have (or fit) `want`.
    pub(crate) fn expr_expect(&mut self, e: &Expr, ctx: Ctx, want: &Ty, what: &str) -> CExpr {
        let (ce, ty) = self.expr(e, ctx);
        if !ty.fits(want) {
            let mut d = Diagnostic::new(
                Code::TypeMismatch,
                e.span,
                format!(
                    "{what} must be {}, but this is {}",
                    want.describe(),
                    ty.describe()
                ),
            );
            if matches!(want, Ty::Int) && matches!(ty, Ty::Dec) {
                d = d.with_hint("use round(..., 0) to get a whole number");
            }
            if matches!(want, Ty::Bool) {
                d = d.with_hint(
                    "a condition compares values, e.g. `anzahl > 3` or `art == \"ehe\"`",
                );
            }
            self.error(d);
        } else if let (Ty::Money, Some(digits)) = (want, literal_decimals(e)) {
            if digits > 2 {
                self.error(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        e.span,
                        format!(
                            "{what} is an amount of money, which has at most two decimal places"
                        ),
                    )
                    .with_hint("write cents, e.g. 12.50"),
                );
            }
        } else if let (Ty::Key(list), ExprKind::Str(s)) = (want, &e.kind) {
            self.check_key(list, s, e.span);
        } else if let (Ty::Keys(list), ExprKind::List(items)) = (want, &e.kind) {
            for i in items {
                if let ExprKind::Str(s) = &i.kind {
                    self.check_key(list, s, i.span);
                }
            }
        }
        ce
    }

    /// Reports a string that is not a key of `list`.
    pub(crate) fn check_key(&mut self, list: &str, key: &str, span: Span) {
        let Some(keys) = self.list_keys.get(list) else {
            return;
        };
        if keys.is_empty() || keys.iter().any(|k| k == key) {
            return;
        }
        let mut d = Diagnostic::new(
            Code::InvalidValue,
            span,
            format!("\"{key}\" is not an option of the list `{list}`"),
        );
        match did_you_mean(key, keys.iter().map(String::as_str)) {
            Some(s) => d = d.with_hint(format!("did you mean \"{s}\"?")),
            None => {
                d = d.with_hint(format!(
                    "the options are: {}",
                    keys.iter()
                        .map(|k| format!("\"{k}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
        }
        self.error(d);
    }

    /// Types an expression.
    pub(crate) fn expr(&mut self, e: &Expr, ctx: Ctx) -> (CExpr, Ty) {
        match &e.kind {
            ExprKind::Number(text) => match Decimal::from_str(text) {
                Ok(d) => (
                    CExpr::Lit(Lit::Number(d)),
                    if text.contains('.') { Ty::Dec } else { Ty::Int },
                ),
                Err(_) => {
                    self.error(Diagnostic::new(
                        Code::InvalidValue,
                        e.span,
                        format!("the number {text} is too large or has too many digits"),
                    ));
                    (CExpr::Lit(Lit::Number(Decimal::ZERO)), Ty::Error)
                }
            },
            ExprKind::Str(s) => (CExpr::Lit(Lit::Text(s.clone())), Ty::Text),
            ExprKind::Bool(b) => (CExpr::Lit(Lit::Bool(*b)), Ty::Bool),
            ExprKind::Date(text) => match efa_core::value::parse_date(text) {
                Some(d) => (CExpr::Lit(Lit::Date(d)), Ty::Date),
                None => {
                    self.error(
                        Diagnostic::new(
                            Code::InvalidDate,
                            e.span,
                            format!("{text} is not a calendar date"),
                        )
                        .with_hint("dates are written YYYY-MM-DD, e.g. 2024-05-01"),
                    );
                    (CExpr::Lit(Lit::Bool(false)), Ty::Error)
                }
            },
            ExprKind::Path(segs) => self.path_value(segs, e.span, ctx),
            ExprKind::Unary { op: UnOp::Neg, arg } if matches!(arg.kind, ExprKind::Number(_)) => {
                // A negative number literal is a constant (parameters need constants).
                match self.expr(arg, ctx) {
                    (CExpr::Lit(Lit::Number(d)), t) => (CExpr::Lit(Lit::Number(-d)), t),
                    other => other,
                }
            }
            ExprKind::Unary { op, arg } => {
                let (a, t) = self.expr(arg, ctx);
                let ok = match op {
                    UnOp::Neg => t.is_numeric(),
                    UnOp::Not => matches!(t, Ty::Bool | Ty::Error),
                };
                if !ok {
                    let msg = match op {
                        UnOp::Neg => format!("`-` needs a number, but this is {}", t.describe()),
                        UnOp::Not => format!("`not` needs a condition (true/false), but this is {}", t.describe()),
                    };
                    return self.type_error(arg.span, msg);
                }
                let ty = if *op == UnOp::Not { Ty::Bool } else { t };
                (CExpr::Unary { op: *op, arg: Box::new(a) }, ty)
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e.span, ctx),
            ExprKind::In { arg, list } => {
                let (a, at) = self.expr(arg, ctx);
                let (l, lt) = match &list.kind {
                    ExprKind::List(items) => {
                        let mut out = Vec::new();
                        for i in items {
                            let (ci, it) = self.expr(i, ctx);
                            let comparable = match (&at, &it) {
                                (Ty::Key(list), Ty::Text) => {
                                    if let ExprKind::Str(s) = &i.kind {
                                        self.check_key(list, s, i.span);
                                    }
                                    true
                                }
                                (a, b) if a.is_numeric() && b.is_numeric() => true,
                                (a, b) => a.fits(b) || b.fits(a),
                            };
                            if !comparable {
                                self.type_error(
                                    i.span,
                                    format!("this list entry is {}, but the value before `in` is {}", it.describe(), at.describe()),
                                );
                            }
                            out.push(ci);
                        }
                        (CExpr::List(out), Ty::List(Box::new(at.clone())))
                    }
                    _ => {
                        let (l, lt) = self.expr(list, ctx);
                        match (&lt, &at) {
                            (Ty::Keys(list_id), Ty::Text) => {
                                if let ExprKind::Str(s) = &arg.kind {
                                    let list_id = list_id.clone();
                                    self.check_key(&list_id, s, arg.span);
                                }
                            }
                            (Ty::Keys(_) | Ty::Error, _) | (_, Ty::Error) => {}
                            _ => {
                                return self.type_error(
                                    list.span,
                                    format!("after `in` comes a list such as [\"a\", \"b\"] or a multichoice field, but this is {}", lt.describe()),
                                )
                            }
                        }
                        (l, lt)
                    }
                };
                let _ = lt;
                (CExpr::In { arg: Box::new(a), list: Box::new(l) }, Ty::Bool)
            }
            ExprKind::List(_) => self.type_error(
                e.span,
                "a list in brackets can only stand after `in` or as the default of a multichoice field".into(),
            ),
            ExprKind::Call { name, args } => self.call(name, args, e.span, ctx),
        }
    }

    fn binary(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr, span: Span, ctx: Ctx) -> (CExpr, Ty) {
        let (l, lt) = self.expr(lhs, ctx);
        let (r, rt) = self.expr(rhs, ctx);
        let mk = |l, r| CExpr::Binary {
            op,
            lhs: Box::new(l),
            rhs: Box::new(r),
        };
        let mismatch = |this: &mut Self| {
            this.type_error(
                span,
                format!(
                    "`{}` cannot combine {} and {}",
                    op.symbol(),
                    lt.describe(),
                    rt.describe()
                ),
            )
        };
        if lt == Ty::Error || rt == Ty::Error {
            let ty = match op {
                BinOp::And | BinOp::Or => Ty::Bool,
                o if o.is_comparison() => Ty::Bool,
                _ => Ty::Error,
            };
            return (mk(l, r), ty);
        }
        let ty = match op {
            BinOp::And | BinOp::Or => {
                for (t, e) in [(&lt, lhs), (&rt, rhs)] {
                    if *t != Ty::Bool {
                        self.error(
                            Diagnostic::new(
                                Code::TypeMismatch,
                                e.span,
                                format!("`{}` needs conditions (true/false) on both sides, but this is {}", op.symbol(), t.describe()),
                            )
                            .with_hint("write a comparison, e.g. `anzahl > 3`"),
                        );
                    }
                }
                Ty::Bool
            }
            BinOp::Eq | BinOp::Ne => {
                let ok = match (&lt, &rt) {
                    (a, b) if a.is_numeric() && b.is_numeric() => true,
                    (Ty::Key(list), Ty::Text) | (Ty::Text, Ty::Key(list)) => {
                        let lit = if matches!(lt, Ty::Key(_)) { rhs } else { lhs };
                        if let ExprKind::Str(s) = &lit.kind {
                            let list = list.clone();
                            self.check_key(&list, s, lit.span);
                        }
                        true
                    }
                    (Ty::Key(a), Ty::Key(b)) => a == b,
                    (a, b) => a == b && !matches!(a, Ty::List(_)),
                };
                if !ok {
                    return mismatch(self);
                }
                Ty::Bool
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let ok = (lt.is_numeric() && rt.is_numeric())
                    || (lt == Ty::Date && rt == Ty::Date)
                    || (lt.is_textish() && rt.is_textish());
                if !ok {
                    return mismatch(self);
                }
                Ty::Bool
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => match (op, &lt, &rt) {
                (BinOp::Add, Ty::Text, Ty::Text) => Ty::Text,
                (BinOp::Add, Ty::Date, Ty::Int) | (BinOp::Add, Ty::Int, Ty::Date) => Ty::Date,
                (BinOp::Sub, Ty::Date, Ty::Int) => Ty::Date,
                (BinOp::Sub, Ty::Date, Ty::Date) => Ty::Int,
                (BinOp::Add | BinOp::Sub, a, b) if a.is_numeric() && b.is_numeric() => {
                    numeric_join(a, b)
                }
                (BinOp::Mul, Ty::Money, Ty::Money) => return mismatch(self),
                (BinOp::Mul, a, b) if a.is_numeric() && b.is_numeric() => numeric_join(a, b),
                (BinOp::Div, Ty::Money, Ty::Money) => Ty::Dec,
                (BinOp::Div, Ty::Money, b) if b.is_numeric() => Ty::Money,
                (BinOp::Div, a, Ty::Money) if a.is_numeric() => return mismatch(self),
                (BinOp::Div, a, b) if a.is_numeric() && b.is_numeric() => Ty::Dec,
                _ => return mismatch(self),
            },
        };
        (mk(l, r), ty)
    }

    /// Resolves a dotted path from `ctx`: the symbol and the repeated group (not enclosing
    /// `ctx`) that the path enters, if any.
    pub(crate) fn resolve_path(
        &mut self,
        segs: &[Ident],
        ctx: Ctx,
    ) -> Option<(SymId, Option<SymId>)> {
        let first = &segs[0];
        let chain = self.symbols.chain(ctx.container);
        let mut cur = chain
            .iter()
            .find_map(|c| self.symbols.child(*c, &first.name));
        let Some(mut sym) = cur.take() else {
            let names = self.symbols.names_in(&chain);
            let mut d = Diagnostic::new(
                Code::UnknownName,
                first.span,
                format!("there is no field or parameter `{}`", first.name),
            );
            let params: Vec<String> = self.param_types.keys().cloned().collect();
            if let Some(s) =
                did_you_mean(&first.name, names.iter().chain(&params).map(String::as_str))
            {
                d = d.with_hint(format!("did you mean `{s}`?"));
            }
            self.error(d);
            return None;
        };
        let mut entered: Option<SymId> = None;
        let check_enter = |this: &Self, s: SymId, entered: &mut Option<SymId>| {
            if let SymKind::Group { repeated: true } = this.symbols.syms[s].kind {
                if !this.symbols.encloses(s, ctx.container) && entered.is_none() {
                    *entered = Some(s);
                }
            }
        };
        check_enter(self, sym, &mut entered);
        for seg in &segs[1..] {
            match self.symbols.syms[sym].kind {
                SymKind::Group { .. } => {}
                SymKind::Field(_) => {
                    self.error(Diagnostic::new(
                        Code::UnknownName,
                        seg.span,
                        format!(
                            "`{}` is a field, so it has no part `{}`",
                            self.symbols.syms[sym].path, seg.name
                        ),
                    ));
                    return None;
                }
            }
            match self.symbols.child(Some(sym), &seg.name) {
                Some(s) => {
                    sym = s;
                    check_enter(self, sym, &mut entered);
                }
                None => {
                    let names: Vec<String> = self
                        .symbols
                        .children
                        .get(&Some(sym))
                        .map(|m| m.keys().cloned().collect())
                        .unwrap_or_default();
                    let mut d = Diagnostic::new(
                        Code::UnknownName,
                        seg.span,
                        format!(
                            "the group `{}` has no field `{}`",
                            self.symbols.syms[sym].path, seg.name
                        ),
                    );
                    if let Some(s) = did_you_mean(&seg.name, names.iter().map(String::as_str)) {
                        d = d.with_hint(format!("did you mean `{s}`?"));
                    }
                    self.error(d);
                    return None;
                }
            }
        }
        Some((sym, entered))
    }

    fn path_value(&mut self, segs: &[Ident], span: Span, ctx: Ctx) -> (CExpr, Ty) {
        // A parameter: a single name not shadowed by a field in scope.
        if segs.len() == 1 {
            let chain = self.symbols.chain(ctx.container);
            let shadowed = chain
                .iter()
                .any(|c| self.symbols.child(*c, &segs[0].name).is_some());
            if !shadowed {
                if let Some(ty) = self.param_types.get(&segs[0].name) {
                    return (CExpr::Param(segs[0].name.clone()), ty.clone());
                }
            }
        }
        let Some((sym, entered)) = self.resolve_path(segs, ctx) else {
            return (CExpr::Lit(Lit::Bool(false)), Ty::Error);
        };
        let s = &self.symbols.syms[sym];
        if let Some(g) = entered {
            let gpath = self.symbols.syms[g].path.clone();
            self.error(
                Diagnostic::new(
                    Code::RepeatScope,
                    span,
                    format!("`{}` has one value per entry of the repeated group `{gpath}`, so it cannot be used here on its own", s.path),
                )
                .with_hint(format!("use count({gpath}), sum({gpath}.FIELD), any({gpath}, CONDITION) or all({gpath}, CONDITION)")),
            );
            return (CExpr::Lit(Lit::Bool(false)), Ty::Error);
        }
        match &s.kind {
            SymKind::Field(ft) => (CExpr::Field(s.path.clone()), Ty::of_field(ft)),
            SymKind::Group { repeated } => {
                let hint = if *repeated {
                    format!("use count({0}) for the number of entries", s.path)
                } else {
                    format!("use one of its fields, e.g. `{0}.FIELD`", s.path)
                };
                let msg = format!("`{}` is a group, which has no value of its own", s.path);
                self.error(Diagnostic::new(Code::TypeMismatch, span, msg).with_hint(hint));
                (CExpr::Lit(Lit::Bool(false)), Ty::Error)
            }
        }
    }

    /// Resolves the first argument of an aggregate to a repeated group reachable from ctx.
    fn repeated_group(&mut self, e: &Expr, ctx: Ctx, fname: &str) -> Option<SymId> {
        let ExprKind::Path(segs) = &e.kind else {
            self.error(Diagnostic::new(
                Code::TypeMismatch,
                e.span,
                format!("{fname}(...) needs the name of a repeated group here"),
            ));
            return None;
        };
        let (sym, _) = self.resolve_path(segs, ctx)?;
        match self.symbols.syms[sym].kind {
            SymKind::Group { repeated: true } => Some(sym),
            _ => {
                self.error(Diagnostic::new(
                    Code::TypeMismatch,
                    e.span,
                    format!(
                        "`{}` is not a repeated group, so {fname}(...) cannot go over its entries",
                        self.symbols.syms[sym].path
                    ),
                ));
                None
            }
        }
    }

    fn call(&mut self, name: &Ident, args: &[Expr], span: Span, ctx: Ctx) -> (CExpr, Ty) {
        const FUNCS: &[(&str, usize)] = &[
            ("today", 0),
            ("age", 1),
            ("len", 1),
            ("count", 1),
            ("sum", 1),
            ("any", 2),
            ("all", 2),
            ("if", 3),
            ("is_set", 1),
            ("round", 2),
        ];
        let Some(&(_, arity)) = FUNCS.iter().find(|(n, _)| *n == name.name) else {
            let mut d = Diagnostic::new(
                Code::UnknownFunction,
                name.span,
                format!("there is no function `{}`", name.name),
            );
            // German authors often reach for the German word first.
            const GERMAN: &[(&str, &str)] = &[
                ("alter", "age"),
                ("heute", "today"),
                ("anzahl", "count"),
                ("summe", "sum"),
                ("wenn", "if"),
                ("laenge", "len"),
                ("runden", "round"),
                ("gesetzt", "is_set"),
                ("irgendein", "any"),
                ("alle", "all"),
            ];
            let german = GERMAN
                .iter()
                .find(|(de, _)| *de == name.name.to_lowercase())
                .map(|(_, en)| *en);
            d = match german.or_else(|| did_you_mean(&name.name, FUNCS.iter().map(|(n, _)| *n))) {
                Some(s) => d.with_hint(format!("did you mean `{s}(...)`?")),
                None => d.with_hint(format!(
                    "the functions are: {}",
                    FUNCS
                        .iter()
                        .map(|(n, _)| format!("{n}()"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            self.error(d);
            return (CExpr::Lit(Lit::Bool(false)), Ty::Error);
        };
        if args.len() != arity {
            self.error(Diagnostic::new(
                Code::UnknownFunction,
                span,
                format!(
                    "`{}` takes {arity} argument{}, but {} {} given",
                    name.name,
                    if arity == 1 { "" } else { "s" },
                    args.len(),
                    if args.len() == 1 { "is" } else { "are" }
                ),
            ));
            return (CExpr::Lit(Lit::Bool(false)), Ty::Error);
        }
        let err = (CExpr::Lit(Lit::Bool(false)), Ty::Error);
        match name.name.as_str() {
            "today" => (
                CExpr::Call {
                    func: Func::Today,
                    args: vec![],
                },
                Ty::Date,
            ),
            "age" => {
                let a = self.expr_expect(&args[0], ctx, &Ty::Date, "the argument of age(...)");
                (
                    CExpr::Call {
                        func: Func::Age,
                        args: vec![a],
                    },
                    Ty::Int,
                )
            }
            "len" => {
                let (a, t) = self.expr(&args[0], ctx);
                if !matches!(t, Ty::Text | Ty::Key(_) | Ty::Keys(_) | Ty::Error) {
                    return self.type_error(args[0].span, format!("len(...) counts the characters of a text or the choices of a multichoice field, but this is {}", t.describe()));
                }
                (
                    CExpr::Call {
                        func: Func::Len,
                        args: vec![a],
                    },
                    Ty::Int,
                )
            }
            "is_set" => {
                let ExprKind::Path(segs) = &args[0].kind else {
                    return self
                        .type_error(args[0].span, "is_set(...) needs the name of a field".into());
                };
                let Some((sym, entered)) = self.resolve_path(segs, ctx) else {
                    return err;
                };
                if entered.is_some() {
                    let (_, t) = self.path_value(segs, args[0].span, ctx);
                    let _ = t;
                    return err;
                }
                match self.symbols.syms[sym].kind {
                    SymKind::Field(_) => {
                        (CExpr::IsSet(self.symbols.syms[sym].path.clone()), Ty::Bool)
                    }
                    SymKind::Group { .. } => self.type_error(
                        args[0].span,
                        format!(
                            "is_set(...) needs a field, but `{}` is a group",
                            self.symbols.syms[sym].path
                        ),
                    ),
                }
            }
            "if" => {
                let c = self.expr_expect(&args[0], ctx, &Ty::Bool, "the condition of if(...)");
                let (a, at) = self.expr(&args[1], ctx);
                let (b, bt) = self.expr(&args[2], ctx);
                let ty = if at.is_numeric() && bt.is_numeric() {
                    numeric_join(&at, &bt)
                } else if at.fits(&bt) {
                    bt.clone()
                } else if bt.fits(&at) {
                    at.clone()
                } else {
                    return self.type_error(span, format!("both results of if(...) must be of one kind, but one is {} and the other {}", at.describe(), bt.describe()));
                };
                (
                    CExpr::Call {
                        func: Func::If,
                        args: vec![c, a, b],
                    },
                    ty,
                )
            }
            "round" => {
                let (a, t) = self.expr(&args[0], ctx);
                if !t.is_numeric() {
                    return self.type_error(
                        args[0].span,
                        format!("round(...) needs a number, but this is {}", t.describe()),
                    );
                }
                let digits_zero = matches!(&args[1].kind, ExprKind::Number(n) if n == "0");
                let d = self.expr_expect(&args[1], ctx, &Ty::Int, "the number of decimal places");
                let ty = match t {
                    Ty::Money => Ty::Money,
                    Ty::Error => Ty::Error,
                    _ if digits_zero => Ty::Int,
                    _ => Ty::Dec,
                };
                (
                    CExpr::Call {
                        func: Func::Round,
                        args: vec![a, d],
                    },
                    ty,
                )
            }
            "count" => {
                let Some(g) = self.repeated_group(&args[0], ctx, "count") else {
                    return err;
                };
                let group = self.symbols.syms[g].path.clone();
                (
                    CExpr::Aggregate {
                        func: Aggregate::Count,
                        group,
                        expr: None,
                    },
                    Ty::Int,
                )
            }
            "sum" => {
                let ExprKind::Path(segs) = &args[0].kind else {
                    return self.type_error(
                        args[0].span,
                        "sum(...) needs a field of a repeated group, e.g. sum(kinder.betrag)"
                            .into(),
                    );
                };
                // Find the repeated group the path enters; the rest is read per entry.
                let Some((sym, entered)) = self.resolve_path(segs, ctx) else {
                    return err;
                };
                let Some(g) = entered else {
                    return self.type_error(args[0].span, format!("sum(...) adds up a field over the entries of a repeated group, but `{}` is not inside one", self.symbols.syms[sym].path));
                };
                let SymKind::Field(ft) = &self.symbols.syms[sym].kind else {
                    return self.type_error(
                        args[0].span,
                        format!(
                            "sum(...) needs a field, but `{}` is a group",
                            self.symbols.syms[sym].path
                        ),
                    );
                };
                let ty = Ty::of_field(ft);
                if !ty.is_numeric() {
                    return self.type_error(
                        args[0].span,
                        format!(
                            "sum(...) adds up numbers, but `{}` is {}",
                            self.symbols.syms[sym].path,
                            ty.describe()
                        ),
                    );
                }
                if let Some(inner) = self.symbols.repeated_ancestor(sym).filter(|r| *r != g) {
                    return self.type_error(
                        args[0].span,
                        format!(
                            "`{}` lies in two nested repeated groups; sum(...) can go over one",
                            self.symbols.syms[inner].path
                        ),
                    );
                }
                let group = self.symbols.syms[g].path.clone();
                let expr = Some(Box::new(CExpr::Field(self.symbols.syms[sym].path.clone())));
                (
                    CExpr::Aggregate {
                        func: Aggregate::Sum,
                        group,
                        expr,
                    },
                    ty,
                )
            }
            "any" | "all" => {
                let Some(g) = self.repeated_group(&args[0], ctx, &name.name) else {
                    return err;
                };
                let inner = Ctx { container: Some(g) };
                let what = format!("the condition of {}(...)", name.name);
                let c = self.expr_expect(&args[1], inner, &Ty::Bool, &what);
                let func = if name.name == "any" {
                    Aggregate::Any
                } else {
                    Aggregate::All
                };
                let group = self.symbols.syms[g].path.clone();
                (
                    CExpr::Aggregate {
                        func,
                        group,
                        expr: Some(Box::new(c)),
                    },
                    Ty::Bool,
                )
            }
            _ => err,
        }
    }
}
