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
use crate::value::{age, round_money, FileValue, Value};

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

/// A value held in a slot: submitted text borrowed from the JSON (no copy), numbers,
/// dates and truth values inline, anything else in [`State::owned`]. A cell is plain
/// data: slots are copied from a template and dropped without a look.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'d> {
    Text(&'d str),
    /// An integer field's value as submitted, when it fits (the usual case: compared
    /// and checked without decimal arithmetic).
    Int(i64),
    Num(Decimal),
    Date(NaiveDate),
    Bool(bool),
    /// A list of keys, a file, or a computed text: its index in [`State::owned`].
    Owned(usize),
}

/// A value as expressions and checks see it: small values by copy, the rest borrowed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum VRef<'a> {
    Text(&'a str),
    /// A whole number, as [`Cell::Int`]; the same number as `Num` of its value.
    Int(i64),
    Num(Decimal),
    Date(NaiveDate),
    Bool(bool),
    List(&'a [String]),
    File(&'a FileValue),
}

impl<'a> VRef<'a> {
    pub fn of(v: &'a Value) -> VRef<'a> {
        match v {
            Value::Text(t) => VRef::Text(t),
            Value::Number(d) => VRef::Num(*d),
            Value::Date(d) => VRef::Date(*d),
            Value::Bool(b) => VRef::Bool(*b),
            Value::List(l) => VRef::List(l),
            Value::File(f) => VRef::File(f),
        }
    }

    /// An owned copy.
    pub fn to_value(self) -> Value {
        match self {
            VRef::Text(t) => Value::Text(t.to_owned()),
            VRef::Int(i) => Value::Number(Decimal::from(i)),
            VRef::Num(d) => Value::Number(d),
            VRef::Date(d) => Value::Date(d),
            VRef::Bool(b) => Value::Bool(b),
            VRef::List(l) => Value::List(l.to_vec()),
            VRef::File(f) => Value::File(Box::new(f.clone())),
        }
    }

    /// Equality as `==` sees it ([`Value::loose_eq`]): numbers by value, otherwise the
    /// same kind and content.
    pub fn loose_eq(self, other: VRef<'_>) -> bool {
        match (self, other) {
            (VRef::Text(a), VRef::Text(b)) => a == b,
            (VRef::Int(a), VRef::Int(b)) => a == b,
            (VRef::Int(a), VRef::Num(b)) | (VRef::Num(b), VRef::Int(a)) => Decimal::from(a) == b,
            (VRef::Num(a), VRef::Num(b)) => a == b,
            (VRef::Date(a), VRef::Date(b)) => a == b,
            (VRef::Bool(a), VRef::Bool(b)) => a == b,
            (VRef::List(a), VRef::List(b)) => a == b,
            (VRef::File(a), VRef::File(b)) => a == b,
            _ => false,
        }
    }

    /// Ordering for `<` and friends ([`Value::compare`]): numbers, dates and texts;
    /// `None` across kinds.
    #[inline]
    pub fn compare(self, other: VRef<'_>) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (VRef::Int(a), VRef::Int(b)) => Some(a.cmp(&b)),
            (VRef::Int(a), VRef::Num(b)) => Some(crate::value::cmp_decimal(Decimal::from(a), b)),
            (VRef::Num(a), VRef::Int(b)) => Some(crate::value::cmp_decimal(a, Decimal::from(b))),
            (VRef::Num(a), VRef::Num(b)) => Some(crate::value::cmp_decimal(a, b)),
            (VRef::Date(a), VRef::Date(b)) => Some(a.cmp(&b)),
            (VRef::Text(a), VRef::Text(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Slot<'d> {
    pub visible: bool,
    /// For a page in a fused walk: whether its visibility is worked out.
    pub done: bool,
    pub raw: Raw,
    /// The value: the submitted one until evaluation, then the accepted or computed one.
    pub value: Option<Cell<'d>>,
}

#[derive(Debug)]
pub(crate) struct Inst {
    pub scope: usize,
    pub parent: Option<usize>,
    /// Where the instance's slots start in [`State::slots`].
    base: usize,
    /// Items of repeated groups held by this instance: (group node, item instances).
    pub items: Vec<(NodeId, Vec<usize>)>,
    /// The item was not a JSON object.
    pub bad_item: bool,
}

/// The state of one evaluation; `'d` is the submitted JSON, whose texts it borrows.
#[derive(Debug)]
pub(crate) struct State<'d> {
    pub insts: Vec<Inst>,
    /// The slots of all instances, each instance's side by side (one allocation).
    slots: Vec<Slot<'d>>,
    /// Instances per scope but the form's own (scope 0 has just instance 0), in
    /// creation (document) order.
    by_scope: Vec<Vec<usize>>,
    pub today: NaiveDate,
    /// Whether loading met a key the form does not define (if not, no container has one).
    pub unknown_keys: bool,
    /// The values of [`Cell::Owned`] cells.
    pub owned: Vec<Value>,
}

impl<'d> State<'d> {
    pub fn new(form: &Form, today: NaiveDate) -> State<'d> {
        let mut st = State {
            insts: Vec::with_capacity(1),
            slots: Vec::with_capacity(form.scopes[0].slots),
            by_scope: (1..form.scopes.len()).map(|_| Vec::new()).collect(),
            today,
            unknown_keys: false,
            owned: Vec::new(),
        };
        st.new_inst(form, 0, None);
        st
    }

    /// Adds an instance of `scope`, its slots as the scope's template has them.
    pub fn new_inst(&mut self, form: &Form, scope: usize, parent: Option<usize>) -> usize {
        let id = self.insts.len();
        let base = self.slots.len();
        self.slots.extend_from_slice(&form.scopes[scope].template);
        self.insts.push(Inst {
            scope,
            parent,
            base,
            items: Vec::new(),
            bad_item: false,
        });
        if let Some(list) = scope.checked_sub(1).and_then(|s| self.by_scope.get_mut(s)) {
            list.push(id);
        }
        id
    }

    /// A value as a cell (kept in [`State::owned`] unless it fits a cell).
    pub fn cell(&mut self, v: Value) -> Cell<'d> {
        match v {
            Value::Number(d) => Cell::Num(d),
            Value::Date(d) => Cell::Date(d),
            Value::Bool(b) => Cell::Bool(b),
            v => {
                self.owned.push(v);
                Cell::Owned(self.owned.len() - 1)
            }
        }
    }

    /// A cell's value, for comparisons and checks.
    pub fn view<'a>(&'a self, c: &Cell<'a>) -> VRef<'a> {
        match *c {
            Cell::Text(t) => VRef::Text(t),
            Cell::Int(i) => VRef::Int(i),
            Cell::Num(d) => VRef::Num(d),
            Cell::Date(d) => VRef::Date(d),
            Cell::Bool(b) => VRef::Bool(b),
            Cell::Owned(i) => self.owned.get(i).map_or(VRef::Bool(false), VRef::of),
        }
    }

    /// The instances of a scope, in creation order.
    fn insts_of(&self, scope: usize) -> &[usize] {
        match scope.checked_sub(1) {
            None => &[0],
            Some(s) => self.by_scope.get(s).map_or(&[], Vec::as_slice),
        }
    }

    /// The instance holding `node`'s slot, seen from `inst`.
    pub fn owner(&self, form: &Form, node: NodeId, inst: usize) -> Option<usize> {
        self.owner_in(form.place(node).0, inst)
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
        let (scope, slot) = form.place(node);
        self.slot_in(scope, slot, inst)
    }

    /// The slot `slot` of `scope`, seen from `inst`.
    pub fn slot_in(&self, scope: usize, slot: usize, inst: usize) -> Option<&Slot<'d>> {
        let owner = self.owner_in(scope, inst)?;
        self.slots.get(self.insts[owner].base + slot)
    }

    /// The slot `slot` of instance `inst` itself.
    pub fn slot_of(&self, inst: usize, slot: usize) -> Option<&Slot<'d>> {
        self.slots.get(self.insts[inst].base + slot)
    }

    /// The slot `slot` of instance `inst` itself, to write.
    pub fn slot_mut(&mut self, inst: usize, slot: usize) -> Option<&mut Slot<'d>> {
        self.slots.get_mut(self.insts[inst].base + slot)
    }

    pub fn items(&self, group: NodeId, inst: usize) -> &[usize] {
        self.insts[inst]
            .items
            .iter()
            .find(|(g, _)| *g == group)
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }

    /// Works out visibility and values of the nodes that need it, in dependency order
    /// (the others are visible from the start and hold the submitted value).
    pub fn evaluate(&mut self, form: &Form) {
        for &node in &form.order {
            let n = &form.nodes[node];
            for k in 0..self.insts_of(n.scope).len() {
                let inst = self.insts_of(n.scope)[k];
                let (visible, computed) = self.compute(form, node, inst);
                // `None`: the submitted value stands.
                let computed = computed.map(|v| v.map(|v| self.cell(v)));
                if let Some(slot) = self.slot_mut(inst, n.slot) {
                    slot.visible = visible;
                    if let Some(v) = computed {
                        slot.value = v;
                    }
                }
            }
        }
    }

    /// Visibility, and the value if an expression decides it (`None`: the submitted one).
    fn compute(&self, form: &Form, node: NodeId, inst: usize) -> (bool, Option<Option<Value>>) {
        if !self.visibility(form, node, inst) {
            return (false, Some(None));
        }
        (true, self.value_of(form, node, inst))
    }

    /// Whether a node is visible: its page or group is, and its own condition holds.
    pub fn visibility(&self, form: &Form, node: NodeId, inst: usize) -> bool {
        let n = &form.nodes[node];
        let parent_visible = match n.parent {
            Some(p) => self.slot(form, p, inst).is_some_and(|s| s.visible),
            None => true,
        };
        parent_visible
            && match &n.visible {
                Some(cond) => self.holds(form, cond, inst),
                None => true,
            }
    }

    /// The value of a visible node if an expression decides it: its computed value, or
    /// its default while nothing is submitted; `None`: the submitted one stands.
    pub fn value_of(&self, form: &Form, node: NodeId, inst: usize) -> Option<Option<Value>> {
        let n = &form.nodes[node];
        let NodeKind::Field {
            field,
            default,
            value,
            ..
        } = &n.kind
        else {
            return Some(None);
        };
        if let Some(expr) = value {
            return Some(coerce(&field.ty, self.eval(form, expr, inst)));
        }
        match (self.slot_of(inst, n.slot).map(|s| s.raw), default) {
            (Some(Raw::Absent), Some(d)) => Some(coerce(&field.ty, self.eval(form, d, inst))),
            _ => None,
        }
    }

    /// For a fused walk: a page's visibility, worked out the first time it is needed
    /// (everything its condition reads comes before the page).
    pub fn page_visible(&mut self, form: &Form, page: NodeId) -> bool {
        let slot = form.place(page).1;
        match self.slot_of(0, slot) {
            Some(s) if s.done => s.visible,
            _ => {
                let visible = self.visibility(form, page, 0);
                if let Some(s) = self.slot_mut(0, slot) {
                    s.visible = visible;
                    s.done = true;
                }
                visible
            }
        }
    }

    /// Evaluates an expression in the context of an instance.
    pub fn eval(&self, form: &Form, e: &RExpr, inst: usize) -> Option<Value> {
        match e {
            RExpr::Lit(v) => Some(v.clone()),
            RExpr::Field(n) => self
                .slot(form, *n, inst)
                .and_then(|s| s.value.as_ref())
                .map(|c| self.view(c).to_value()),
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
                let mut ta = None;
                let Some(a) = self.operand(form, a, inst, &mut ta) else {
                    return Some(Value::Bool(false));
                };
                let found = match &**list {
                    RExpr::List(items) => items.iter().any(|i| {
                        let mut t = None;
                        self.operand(form, i, inst, &mut t)
                            .is_some_and(|v| v.loose_eq(a))
                    }),
                    other => {
                        let mut t = None;
                        match (self.operand(form, other, inst, &mut t), a) {
                            (Some(VRef::List(keys)), VRef::Text(t)) => keys.iter().any(|k| k == t),
                            _ => false,
                        }
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
                // The usual shape, a field against a literal, without the general operands.
                if let (RExpr::Field(n), RExpr::Lit(v)) = (&**a, &**b) {
                    return match (self.slot(form, *n, inst).and_then(|s| s.value.as_ref()), v) {
                        (None, _) => false,
                        // Equal ordering is equal value, for numbers and texts alike.
                        (Some(Cell::Num(x)), Value::Number(y)) => {
                            ordering_holds(*op, crate::value::cmp_decimal(*x, *y))
                        }
                        (Some(Cell::Int(x)), Value::Number(y)) if y.scale() == 0 => {
                            ordering_holds(*op, i128::from(*x).cmp(&y.mantissa()))
                        }
                        (Some(Cell::Int(x)), Value::Number(y)) => {
                            ordering_holds(*op, crate::value::cmp_decimal(Decimal::from(*x), *y))
                        }
                        (Some(Cell::Text(x)), Value::Text(y)) => ordering_holds(*op, (*x).cmp(y)),
                        (Some(c), v) => compare(*op, self.view(c), VRef::of(v)),
                    };
                }
                let (mut ta, mut tb) = (None, None);
                match (
                    self.operand(form, a, inst, &mut ta),
                    self.operand(form, b, inst, &mut tb),
                ) {
                    (Some(a), Some(b)) => compare(*op, a, b),
                    _ => false,
                }
            }
            other => {
                let mut t = None;
                matches!(
                    self.operand(form, other, inst, &mut t),
                    Some(VRef::Bool(true))
                )
            }
        }
    }

    /// The value of an operand, without a copy where it can be: literals, parameters,
    /// `today()` and field values are borrowed; anything else is worked out into `tmp`.
    pub(crate) fn operand<'a>(
        &'a self,
        form: &'a Form,
        e: &'a RExpr,
        inst: usize,
        tmp: &'a mut Option<Value>,
    ) -> Option<VRef<'a>> {
        match e {
            RExpr::Lit(v) => Some(VRef::of(v)),
            RExpr::Field(n) => self
                .slot(form, *n, inst)?
                .value
                .as_ref()
                .map(|c| self.view(c)),
            RExpr::Param(i) => form.params.get(*i)?.as_ref().map(VRef::of),
            RExpr::Call(Func::Today, _) => Some(VRef::Date(self.today)),
            other => {
                *tmp = self.eval(form, other, inst);
                let tmp: &'a Option<Value> = tmp;
                tmp.as_ref().map(VRef::of)
            }
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

/// Whether a comparison operator holds for two values ordered as `ord` (equal ordering
/// being equal value).
fn ordering_holds(op: BinOp, ord: std::cmp::Ordering) -> bool {
    match op {
        BinOp::Eq => ord.is_eq(),
        BinOp::Ne => ord.is_ne(),
        BinOp::Lt => ord.is_lt(),
        BinOp::Le => ord.is_le(),
        BinOp::Gt => ord.is_gt(),
        BinOp::Ge => ord.is_ge(),
        _ => false,
    }
}

/// The result of a comparison operator on two values.
#[inline]
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
