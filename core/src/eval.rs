//! The evaluation state of one submission and the expression evaluator.
//!
//! Instances: the form is one instance; each item of a repeated group is another, whose
//! parent is the instance holding the group. A reference resolves by walking up from
//! the current instance to the one of the referenced node's scope.

use chrono::{Days, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::expr::{Aggregate, BinOp, Func, UnOp};
use crate::form::{Form, NodeId, NodeKind, RExpr};
use crate::model::FieldType;
use crate::validate::ErrorCode;
use crate::value::{age, round_money, Value};

/// What was submitted for a node (a well-formed value itself is in [`Slot::value`]).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) enum Raw {
    /// Nothing, `null`, or an empty value.
    #[default]
    Absent,
    /// A well-formed value, held in [`Slot::value`] until evaluation decides.
    Given,
    /// Something that could not be read as the field's type.
    Bad(ErrorCode),
}

/// A value held in a slot: submitted text borrowed from the JSON (no copy), or a value.
#[derive(Debug)]
pub(crate) enum Cell<'d> {
    Text(&'d str),
    Val(Value),
}

impl Cell<'_> {
    /// A borrowed view for comparisons and checks.
    pub fn view(&self) -> VRef<'_> {
        match self {
            Cell::Text(t) => VRef::Text(t),
            Cell::Val(v) => VRef::of(v),
        }
    }

    /// An owned copy as a [`Value`].
    pub fn to_value(&self) -> Value {
        match self {
            Cell::Text(t) => Value::Text((*t).to_owned()),
            Cell::Val(v) => v.clone(),
        }
    }
}

/// A borrowed value; texts always as `Text`, whether submitted or computed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum VRef<'a> {
    Text(&'a str),
    /// Any value but `Value::Text`.
    Val(&'a Value),
}

impl<'a> VRef<'a> {
    pub fn of(v: &'a Value) -> VRef<'a> {
        match v {
            Value::Text(t) => VRef::Text(t),
            v => VRef::Val(v),
        }
    }

    /// As [`Value::loose_eq`].
    pub fn loose_eq(self, other: VRef<'_>) -> bool {
        match (self, other) {
            (VRef::Text(a), VRef::Text(b)) => a == b,
            (VRef::Val(a), VRef::Val(b)) => a.loose_eq(b),
            _ => false,
        }
    }

    /// As [`Value::compare`].
    pub fn compare(self, other: VRef<'_>) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (VRef::Text(a), VRef::Text(b)) => Some(a.cmp(b)),
            (VRef::Val(a), VRef::Val(b)) => a.compare(b),
            _ => None,
        }
    }
}

/// A result of [`State::eval_ref`]: borrowed where possible.
pub(crate) enum Held<'a> {
    Ref(VRef<'a>),
    Owned(Value),
}

impl Held<'_> {
    pub(crate) fn view(&self) -> VRef<'_> {
        match self {
            Held::Ref(r) => *r,
            Held::Owned(v) => VRef::of(v),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Slot<'d> {
    pub visible: bool,
    pub raw: Raw,
    /// The value: the submitted one until evaluation, then the accepted or computed one.
    pub value: Option<Cell<'d>>,
}

#[derive(Debug)]
pub(crate) struct Inst<'d> {
    pub scope: usize,
    pub parent: Option<usize>,
    pub slots: Vec<Slot<'d>>,
    /// Items of repeated groups held by this instance: (group node, item instances).
    pub items: Vec<(NodeId, Vec<usize>)>,
    /// The item was not a JSON object.
    pub bad_item: bool,
}

/// The state of one evaluation; `'d` is the submitted JSON, whose texts it borrows.
#[derive(Debug)]
pub(crate) struct State<'d> {
    pub insts: Vec<Inst<'d>>,
    /// Instances per scope, in creation (document) order.
    pub by_scope: Vec<Vec<usize>>,
    pub today: NaiveDate,
    /// Whether loading met a key the form does not define (if not, no container has one).
    pub unknown_keys: bool,
}

impl<'d> State<'d> {
    pub fn new(form: &Form, today: NaiveDate) -> State<'d> {
        let mut st = State {
            insts: Vec::new(),
            by_scope: vec![Vec::new(); form.scopes.len()],
            today,
            unknown_keys: false,
        };
        st.new_inst(form, 0, None);
        st
    }

    pub fn new_inst(&mut self, form: &Form, scope: usize, parent: Option<usize>) -> usize {
        let id = self.insts.len();
        let mut slots = Vec::new();
        slots.resize_with(form.scopes[scope].slots, Slot::default);
        self.insts.push(Inst {
            scope,
            parent,
            slots,
            items: Vec::new(),
            bad_item: false,
        });
        self.by_scope[scope].push(id);
        id
    }

    /// The instance holding `node`'s slot, seen from `inst`.
    pub fn owner(&self, form: &Form, node: NodeId, inst: usize) -> Option<usize> {
        self.owner_in(form.nodes[node].scope, inst)
    }

    /// The instance of `scope` that `inst` is (or is inside).
    fn owner_in(&self, scope: usize, mut inst: usize) -> Option<usize> {
        loop {
            let i = &self.insts[inst];
            if i.scope == scope {
                return Some(inst);
            }
            inst = i.parent?;
        }
    }

    pub fn slot(&self, form: &Form, node: NodeId, inst: usize) -> Option<&Slot<'d>> {
        let n = &form.nodes[node];
        self.slot_in(n.scope, n.slot, inst)
    }

    /// The slot `slot` of `scope`, seen from `inst`.
    pub fn slot_in(&self, scope: usize, slot: usize, inst: usize) -> Option<&Slot<'d>> {
        self.insts[self.owner_in(scope, inst)?].slots.get(slot)
    }

    pub fn items(&self, group: NodeId, inst: usize) -> &[usize] {
        self.insts[inst]
            .items
            .iter()
            .find(|(g, _)| *g == group)
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }

    /// Works out visibility and values of every node, in dependency order.
    pub fn evaluate(&mut self, form: &Form) {
        // Nodes that are always visible and hold the submitted value (already in place).
        for inst in &mut self.insts {
            for &slot_idx in &form.simple[inst.scope] {
                inst.slots[slot_idx].visible = true;
            }
        }
        for &node in &form.order {
            let scope = form.nodes[node].scope;
            let slot_idx = form.nodes[node].slot;
            for k in 0..self.by_scope[scope].len() {
                let inst = self.by_scope[scope][k];
                let (visible, computed) = self.compute(form, node, inst);
                let slot = &mut self.insts[inst].slots[slot_idx];
                slot.visible = visible;
                // `None`: the submitted value stands.
                if let Some(v) = computed {
                    slot.value = v.map(Cell::Val);
                }
            }
        }
    }

    /// Visibility, and the value if an expression decides it (`None`: the submitted one).
    fn compute(&self, form: &Form, node: NodeId, inst: usize) -> (bool, Option<Option<Value>>) {
        let n = &form.nodes[node];
        let parent_visible = match n.parent {
            Some(p) => self.slot(form, p, inst).is_some_and(|s| s.visible),
            None => true,
        };
        let visible = parent_visible
            && match &n.visible {
                Some(cond) => self.holds(form, cond, inst),
                None => true,
            };
        if !visible {
            return (false, Some(None));
        }
        let NodeKind::Field {
            field,
            default,
            value,
            ..
        } = &n.kind
        else {
            return (true, Some(None));
        };
        if let Some(expr) = value {
            return (true, Some(coerce(&field.ty, self.eval(form, expr, inst))));
        }
        match (&self.insts[inst].slots[n.slot].raw, default) {
            (Raw::Absent, Some(d)) => (true, Some(coerce(&field.ty, self.eval(form, d, inst)))),
            _ => (true, None),
        }
    }

    /// Evaluates an expression in the context of an instance.
    pub fn eval(&self, form: &Form, e: &RExpr, inst: usize) -> Option<Value> {
        match e {
            RExpr::Lit(v) => Some(v.clone()),
            RExpr::Field(n) => self
                .slot(form, *n, inst)
                .and_then(|s| s.value.as_ref())
                .map(Cell::to_value),
            RExpr::IsSet(n) => Some(Value::Bool(
                self.slot(form, *n, inst).is_some_and(|s| s.value.is_some()),
            )),
            RExpr::Param(i) => form.params.get(*i).cloned().flatten(),
            RExpr::Unary(UnOp::Neg, a) => match self.eval(form, a, inst)? {
                Value::Number(d) => Some(Value::Number(-d)),
                _ => None,
            },
            // Logical and comparison operators always give a bool.
            RExpr::Unary(UnOp::Not, _) | RExpr::Binary(BinOp::And | BinOp::Or, ..) => {
                Some(Value::Bool(self.holds(form, e, inst)))
            }
            RExpr::Binary(op, ..) if op.is_comparison() => {
                Some(Value::Bool(self.holds(form, e, inst)))
            }
            RExpr::Binary(op, a, b) => {
                let a = self.eval(form, a, inst);
                let b = self.eval(form, b, inst);
                binary(*op, a, b)
            }
            RExpr::In(a, list) => {
                let Some(a) = self.eval_ref(form, a, inst) else {
                    return Some(Value::Bool(false));
                };
                let a = a.view();
                let found = match &**list {
                    RExpr::List(items) => items.iter().any(|i| {
                        self.eval_ref(form, i, inst)
                            .is_some_and(|v| v.view().loose_eq(a))
                    }),
                    other => {
                        self.eval_ref(form, other, inst)
                            .is_some_and(|h| match (h.view(), a) {
                                (VRef::Val(Value::List(keys)), VRef::Text(t)) => {
                                    keys.iter().any(|k| k == t)
                                }
                                _ => false,
                            })
                    }
                };
                Some(Value::Bool(found))
            }
            RExpr::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    match self.eval(form, i, inst)? {
                        Value::Text(t) => out.push(t),
                        _ => return None,
                    }
                }
                Some(Value::List(out))
            }
            RExpr::Call(func, args) => self.call(form, *func, args, inst),
            RExpr::Aggregate(func, group, expr) => {
                let visible = self.slot(form, *group, inst).is_some_and(|s| s.visible);
                let owner = self.owner(form, *group, inst)?;
                let items: &[usize] = if visible {
                    self.items(*group, owner)
                } else {
                    &[]
                };
                match func {
                    Aggregate::Count => Some(Value::Number(Decimal::from(items.len()))),
                    Aggregate::Sum => {
                        let expr = expr.as_deref()?;
                        let mut total = Decimal::ZERO;
                        for &item in items {
                            if let Some(Value::Number(d)) = self.eval(form, expr, item) {
                                total = total.checked_add(d)?;
                            }
                        }
                        Some(Value::Number(total))
                    }
                    Aggregate::Any => {
                        let expr = expr.as_deref()?;
                        Some(Value::Bool(
                            items.iter().any(|&item| self.holds(form, expr, item)),
                        ))
                    }
                    Aggregate::All => {
                        let expr = expr.as_deref()?;
                        Some(Value::Bool(
                            items.iter().all(|&item| self.holds(form, expr, item)),
                        ))
                    }
                }
            }
        }
    }

    /// Whether a condition holds: only `true` does; no value does not. Logical and
    /// comparison operators are worked out without building values on the way.
    pub fn holds(&self, form: &Form, e: &RExpr, inst: usize) -> bool {
        match e {
            RExpr::Unary(UnOp::Not, a) => !self.holds(form, a, inst),
            RExpr::Binary(BinOp::And, a, b) => {
                self.holds(form, a, inst) && self.holds(form, b, inst)
            }
            RExpr::Binary(BinOp::Or, a, b) => {
                self.holds(form, a, inst) || self.holds(form, b, inst)
            }
            RExpr::Binary(op, a, b) if op.is_comparison() => {
                match (self.eval_ref(form, a, inst), self.eval_ref(form, b, inst)) {
                    (Some(a), Some(b)) => compare(*op, a.view(), b.view()),
                    _ => false,
                }
            }
            other => self
                .eval_ref(form, other, inst)
                .is_some_and(|v| matches!(v.view(), VRef::Val(Value::Bool(true)))),
        }
    }

    /// Like [`State::eval`], but borrows literals, parameters and field values.
    pub(crate) fn eval_ref<'a>(
        &'a self,
        form: &'a Form,
        e: &'a RExpr,
        inst: usize,
    ) -> Option<Held<'a>> {
        match e {
            RExpr::Lit(v) => Some(Held::Ref(VRef::of(v))),
            RExpr::Field(n) => self
                .slot(form, *n, inst)
                .and_then(|s| s.value.as_ref())
                .map(|c| Held::Ref(c.view())),
            RExpr::Param(i) => form
                .params
                .get(*i)
                .and_then(Option::as_ref)
                .map(|v| Held::Ref(VRef::of(v))),
            RExpr::Call(Func::Today, _) => Some(Held::Owned(Value::Date(self.today))),
            other => self.eval(form, other, inst).map(Held::Owned),
        }
    }

    fn call(&self, form: &Form, func: Func, args: &[RExpr], inst: usize) -> Option<Value> {
        let arg = |i: usize| args.get(i).and_then(|a| self.eval(form, a, inst));
        match func {
            Func::Today => Some(Value::Date(self.today)),
            Func::Age => match arg(0)? {
                Value::Date(d) => Some(Value::Number(Decimal::from(age(d, self.today)))),
                _ => None,
            },
            Func::Len => match arg(0) {
                None => Some(Value::Number(Decimal::ZERO)),
                Some(Value::Text(t)) => Some(Value::Number(Decimal::from(t.chars().count()))),
                Some(Value::List(l)) => Some(Value::Number(Decimal::from(l.len()))),
                Some(_) => None,
            },
            Func::If => {
                let cond = args.first().is_some_and(|c| self.holds(form, c, inst));
                arg(if cond { 1 } else { 2 })
            }
            Func::Round => match (arg(0)?, arg(1)?) {
                (Value::Number(x), Value::Number(dp)) => {
                    let dp = u32::try_from(dp.trunc().mantissa())
                        .ok()
                        .filter(|d| *d <= 20)?;
                    Some(Value::Number(x.round_dp_with_strategy(
                        dp,
                        RoundingStrategy::MidpointAwayFromZero,
                    )))
                }
                _ => None,
            },
        }
    }
}

/// An arithmetic operator (comparisons and logic are [`State::holds`]).
fn binary(op: BinOp, a: Option<Value>, b: Option<Value>) -> Option<Value> {
    let (a, b) = (a?, b?);
    match (op, a, b) {
        (BinOp::Add, Value::Number(x), Value::Number(y)) => x.checked_add(y).map(Value::Number),
        (BinOp::Sub, Value::Number(x), Value::Number(y)) => x.checked_sub(y).map(Value::Number),
        (BinOp::Mul, Value::Number(x), Value::Number(y)) => x.checked_mul(y).map(Value::Number),
        (BinOp::Div, Value::Number(x), Value::Number(y)) => x.checked_div(y).map(Value::Number),
        (BinOp::Add, Value::Text(x), Value::Text(y)) => Some(Value::Text(x + &y)),
        (BinOp::Add, Value::Date(d), Value::Number(n))
        | (BinOp::Add, Value::Number(n), Value::Date(d)) => shift_date(d, n),
        (BinOp::Sub, Value::Date(d), Value::Number(n)) => shift_date(d, -n),
        (BinOp::Sub, Value::Date(x), Value::Date(y)) => {
            Some(Value::Number(Decimal::from((x - y).num_days())))
        }
        _ => None,
    }
}

/// The result of a comparison operator on two values.
fn compare(op: BinOp, a: VRef<'_>, b: VRef<'_>) -> bool {
    match op {
        BinOp::Eq => a.loose_eq(b),
        BinOp::Ne => !a.loose_eq(b),
        BinOp::Lt => a.compare(b).is_some_and(|o| o.is_lt()),
        BinOp::Le => a.compare(b).is_some_and(|o| o.is_le()),
        BinOp::Gt => a.compare(b).is_some_and(|o| o.is_gt()),
        BinOp::Ge => a.compare(b).is_some_and(|o| o.is_ge()),
        _ => false,
    }
}

fn shift_date(d: NaiveDate, days: Decimal) -> Option<Value> {
    if !days.fract().is_zero() {
        return None;
    }
    let days = i64::try_from(days).ok()?;
    let shifted = if days >= 0 {
        d.checked_add_days(Days::new(days.unsigned_abs()))
    } else {
        d.checked_sub_days(Days::new(days.unsigned_abs()))
    };
    shifted.map(Value::Date)
}

/// Fits a computed or default value to a field's type; `None` if it does not fit.
pub(crate) fn coerce(ty: &FieldType, v: Option<Value>) -> Option<Value> {
    let v = v?;
    match (ty, v) {
        (FieldType::Integer, Value::Number(d)) if d.fract().is_zero() => {
            Some(Value::Number(d.normalize()))
        }
        (FieldType::Integer, _) => None,
        (FieldType::Money, Value::Number(d)) => Some(Value::Number(round_money(d))),
        (FieldType::Decimal, Value::Number(d)) => Some(Value::Number(d)),
        (FieldType::Date, Value::Date(d)) => Some(Value::Date(d)),
        (FieldType::Boolean, Value::Bool(b)) => Some(Value::Bool(b)),
        (FieldType::Multichoice { .. }, Value::List(l)) => Some(Value::List(l)),
        (FieldType::File, Value::File(f)) => Some(Value::File(f)),
        (t, Value::Text(s)) if t.is_string() && !matches!(t, FieldType::Date) => {
            Some(Value::Text(s))
        }
        _ => None,
    }
}
