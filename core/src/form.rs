//! The runtime form: a [`FormModel`] checked and indexed for evaluation.
//!
//! Loading resolves every field reference to a node, compiles patterns, and orders the
//! nodes so that everything a visibility condition, default or computed value reads is
//! worked out before it (a topological order; a cycle is a [`ModelError`]). Evaluation
//! then runs in that order without recursion over the form.
//!
//! Invariant: a [`Form`] only exists for a model whose references all resolve, whose
//! patterns compile, and whose dependencies have no cycle. Evaluation is total: a value
//! of an unexpected kind yields "no value", never a panic.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use crate::eval::Slot;
use crate::pattern::{compile_pattern, Regex};

use crate::expr::{Aggregate, BinOp, Expr, Func, Lit, UnOp};
use crate::model::{Field, FieldType, FormModel, Item, Repeat, Required, Text};
use crate::value::Value;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Index of a node (page, group or field) in document order.
pub(crate) type NodeId = usize;

/// Why a model cannot be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A reference to a field or group that does not exist.
    #[error("{context} refers to `{path}`, which the form does not define")]
    UnknownField {
        /// The path referred to.
        path: String,
        /// Where the reference is.
        context: String,
    },
    /// A reference to a parameter that does not exist.
    #[error("{context} refers to the parameter `{name}`, which the form does not define")]
    UnknownParam {
        /// The parameter.
        name: String,
        /// Where the reference is.
        context: String,
    },
    /// A field refers to a list that does not exist.
    #[error("field `{path}` uses the list `{list}`, which the form does not define")]
    UnknownList {
        /// The field.
        path: String,
        /// The list.
        list: String,
    },
    /// Two things with the same key at one place of the data.
    #[error("`{path}` is defined twice")]
    Duplicate {
        /// The duplicated path.
        path: String,
    },
    /// A pattern that is not a valid (or is too large a) regular expression.
    #[error("the pattern of `{path}` is invalid: {message}")]
    InvalidPattern {
        /// The field.
        path: String,
        /// What the regex engine said.
        message: String,
    },
    /// Values or conditions that depend on each other in a circle.
    #[error("these depend on each other in a circle: {}", .paths.join(" -> "))]
    Cycle {
        /// The nodes of the circle, in order, as `field x`, `group y`, `page z`.
        paths: Vec<String>,
    },
    /// A field of a repeated group used outside it without an aggregate.
    #[error("{context} uses `{path}`, which has one value per item of a repeated group; use count, sum, any or all")]
    RepeatScope {
        /// The path referred to.
        path: String,
        /// Where the reference is.
        context: String,
    },
    /// An aggregate over something that is not a repeated group.
    #[error("{context} aggregates over `{path}`, which is not a repeated group")]
    NotRepeated {
        /// The path referred to.
        path: String,
        /// Where the reference is.
        context: String,
    },
}

/// A runtime expression: like [`Expr`] with references resolved to nodes.
#[derive(Debug, Clone)]
pub(crate) enum RExpr {
    Lit(Value),
    Field(NodeId),
    IsSet(NodeId),
    Param(usize),
    Unary(UnOp, Box<RExpr>),
    Binary(BinOp, Box<RExpr>, Box<RExpr>),
    In(Box<RExpr>, Box<RExpr>),
    List(Vec<RExpr>),
    Call(Func, Vec<RExpr>),
    Aggregate(Aggregate, NodeId, Option<Box<RExpr>>),
}

#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one per node, built once per form
pub(crate) enum NodeKind {
    Page,
    Group {
        repeat: Option<Repeat>,
        /// The scope of the items, for a repeated group.
        child_scope: Option<usize>,
    },
    Field {
        field: Box<Field>,
        required_when: Option<RExpr>,
        default: Option<RExpr>,
        value: Option<RExpr>,
        /// What the value must keep to, if anything: an index into [`Form::limits`].
        limits: Option<usize>,
    },
}

/// What a field's value must keep to: bounds, lengths and pattern, worked out once per
/// form so that checking a value touches neither the node nor the model. (A file's
/// `accept` and `maxsize` are read from the field.)
#[derive(Debug)]
pub(crate) struct Limits {
    /// A check that can tell at a glance that the usual value keeps to these limits.
    pub quick: Quick,
    /// Whether there is a `min` or a `max`.
    pub bounded: bool,
    pub min: Bound,
    pub max: Bound,
    pub minlength: Option<u64>,
    pub maxlength: Option<u64>,
    pub pattern: Option<Regex>,
}

impl Limits {
    /// The bounds that are evaluated for each value.
    fn exprs(&self) -> impl Iterator<Item = &RExpr> {
        [self.min.expr(), self.max.expr()].into_iter().flatten()
    }
}

/// A check of the usual kinds of limits that can only tell "keeps to them": when it
/// says so, there is nothing to report; otherwise the value is checked in full. It
/// never decides an error, so it cannot word one differently.
#[derive(Debug)]
pub(crate) enum Quick {
    /// No quick check.
    None,
    /// Whole-number bounds of an integer field (the type's extremes where absent).
    Int(i64, i64),
    /// Bounds of a date field: a date or today, each where present.
    Date(DateBound, DateBound),
    /// A text's byte length keeps to its `maxlength` (at most as many characters as
    /// bytes; `usize::MAX` where absent), and the pattern matches, if there is one.
    Text(usize),
}

/// One side of [`Quick::Date`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum DateBound {
    None,
    Day(NaiveDate),
    Today,
}

impl Quick {
    fn of(ty: &FieldType, l: &Limits) -> Quick {
        let date = |b: &Bound| match b {
            Bound::None => Some(DateBound::None),
            Bound::Date(d) => Some(DateBound::Day(*d)),
            Bound::Today => Some(DateBound::Today),
            _ => None,
        };
        match ty {
            FieldType::Integer => match (&l.min, &l.max) {
                (Bound::None | Bound::Num(_, Some(_)), Bound::None | Bound::Num(_, Some(_))) => {
                    let side = |b: &Bound, absent| match b {
                        Bound::Num(_, Some(i)) => *i,
                        _ => absent,
                    };
                    Quick::Int(side(&l.min, i64::MIN), side(&l.max, i64::MAX))
                }
                _ => Quick::None,
            },
            FieldType::Date => match (date(&l.min), date(&l.max)) {
                (Some(min), Some(max)) => Quick::Date(min, max),
                _ => Quick::None,
            },
            t if t.is_string() && !l.bounded && l.minlength.is_none() => Quick::Text(
                l.maxlength
                    .map_or(usize::MAX, |m| usize::try_from(m).unwrap_or(usize::MAX)),
            ),
            _ => Quick::None,
        }
    }
}

/// A `min` or `max`, folded where it does not depend on the submission.
#[derive(Debug)]
pub(crate) enum Bound {
    None,
    /// A literal or parameter number, and its value as an `i64` if it is a whole
    /// number that fits (to compare [`crate::eval::Cell::Int`] directly).
    Num(Decimal, Option<i64>),
    /// A literal or parameter date.
    Date(NaiveDate),
    /// Any other literal or parameter.
    Value(Box<Value>),
    /// `today()`.
    Today,
    /// Anything else: evaluated for each value.
    Expr(Box<RExpr>),
}

impl Bound {
    fn of(e: Option<RExpr>, params: &[Option<Value>]) -> Bound {
        let constant = |v: Value| match v {
            Value::Number(d) => Bound::Num(
                d,
                d.fract().is_zero().then(|| i64::try_from(d).ok()).flatten(),
            ),
            Value::Date(d) => Bound::Date(d),
            v => Bound::Value(Box::new(v)),
        };
        match e {
            None => Bound::None,
            Some(RExpr::Lit(v)) => constant(v),
            Some(RExpr::Param(i)) => match params.get(i).cloned().flatten() {
                Some(v) => constant(v),
                None => Bound::None,
            },
            Some(RExpr::Call(Func::Today, args)) if args.is_empty() => Bound::Today,
            Some(e) => Bound::Expr(Box::new(e)),
        }
    }

    /// The expression, for what it reads.
    pub fn expr(&self) -> Option<&RExpr> {
        match self {
            Bound::Expr(e) => Some(e),
            _ => None,
        }
    }

    fn is_some(&self) -> bool {
        !matches!(self, Bound::None)
    }
}

impl Node {
    /// The expressions worked out when the walk reaches the node: its condition and, for
    /// a field, `required when`, default and computed value (its bounds are in its
    /// [`Limits`]).
    fn exprs(&self) -> impl Iterator<Item = &RExpr> {
        let (required_when, default, value) = match &self.kind {
            NodeKind::Field {
                required_when,
                default,
                value,
                ..
            } => (required_when.as_ref(), default.as_ref(), value.as_ref()),
            _ => (None, None, None),
        };
        [self.visible.as_ref(), required_when, default, value]
            .into_iter()
            .flatten()
    }
}

#[derive(Debug)]
pub(crate) struct Node {
    pub kind: NodeKind,
    /// The enclosing page or group.
    pub parent: Option<NodeId>,
    /// The scope whose instances hold this node's slot.
    pub scope: usize,
    /// Index of the slot in an instance of `scope`.
    pub slot: usize,
    /// Key in the data (pages: the page id).
    pub key: String,
    /// The key escaped as a JSON Pointer token.
    pub pointer_key: String,
    /// Dotted path in the data (pages: empty).
    pub path: String,
    /// Label or title.
    pub label: Text,
    pub visible: Option<RExpr>,
}

/// A place that holds data: the form itself or a group.
#[derive(Debug, Default)]
pub(crate) struct Container {
    /// Fields and groups directly inside, in document order, as [`Form::new`] finds
    /// them; [`Container::pack`] turns them into `packed` and leaves this empty.
    children: Vec<NodeId>,
    /// The fields and groups directly inside, in document order, packed as validation
    /// reads them, each with its key: a [`Node`] spans several
    /// cache lines, and a submission touches every child.
    pub packed: Vec<Child>,
    /// Lookup by data key: the child's position in `packed`.
    pub by_key: rustc_hash::FxHashMap<String, usize>,
    /// Checks placed directly inside (for the form: at form or page level).
    pub checks: Vec<CheckRt>,
    /// For a linear form: the fields its instances read when the walk enters them,
    /// because an expression reads them before the walk reaches them ([`linear`]).
    pub early: Vec<Early>,
}

/// A child of a container as loading reads it (see [`Container::packed`]).
#[derive(Debug, Clone)]
pub(crate) struct Child {
    pub node: NodeId,
    /// The scope and index of the node's slot.
    pub scope: usize,
    pub slot: usize,
    /// The key in the data.
    key: Box<str>,
    pub read: Read,
    /// What the walk must look at, as [`check`] bits (fields only).
    pub checks: u8,
    /// The field's [`Limits`] (with [`check::CONSTRAINED`]): an index into
    /// [`Form::limits`].
    pub limits: usize,
    /// The page the child is on, if it is directly on one (children of the form).
    pub page: Option<NodeId>,
    /// The node's own visibility condition (as on its node, kept here for the walk).
    pub visible: Option<Box<RExpr>>,
}

/// The bits of [`Child::checks`].
pub(crate) mod check {
    /// A computed value.
    pub const COMPUTED: u8 = 1;
    /// Always required.
    pub const REQUIRED: u8 = 2;
    /// Required under a condition.
    pub const REQUIRED_WHEN: u8 = 4;
    /// Bounds, lengths, a pattern or file limits to check.
    pub const CONSTRAINED: u8 = 8;
    /// Always visible, and takes the submitted value (see [`super::Scope::template`]).
    pub const SIMPLE: u8 = 16;
    /// Read by some expression: its value must be kept in its slot.
    pub const STORED: u8 = 32;
    /// A field that holds what was submitted: no default, no computed value.
    pub const PLAIN: u8 = 64;
}

/// How to read a child's JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Read {
    /// A text with no syntax of its own (`text`, `textarea`).
    Text,
    Date,
    Email,
    Phone,
    Iban,
    Postcode,
    /// A key of the model's list with this index.
    Choice(usize),
    Integer,
    Decimal,
    Money,
    Boolean,
    /// Keys of the model's list with this index.
    Multichoice(usize),
    File,
    /// A group: an object.
    Group,
    /// A repeated group: an array of objects, whose items live in this scope.
    Repeat(usize),
}

/// The index of a list of the model by its id (`usize::MAX` if there is none).
fn list_index(model: &FormModel) -> impl Fn(&str) -> usize + '_ {
    |id| {
        model
            .lists
            .iter()
            .position(|l| l.id == id)
            .unwrap_or(usize::MAX)
    }
}

impl Read {
    /// How to read a field of type `ty`; `list` gives the index of a list by id.
    fn of(ty: &FieldType, list: impl Fn(&str) -> usize) -> Read {
        match ty {
            FieldType::Text | FieldType::Textarea => Read::Text,
            FieldType::Date => Read::Date,
            FieldType::Email => Read::Email,
            FieldType::Phone => Read::Phone,
            FieldType::Iban => Read::Iban,
            FieldType::Postcode => Read::Postcode,
            FieldType::Choice { list: l } => Read::Choice(list(l)),
            FieldType::Integer => Read::Integer,
            FieldType::Decimal => Read::Decimal,
            FieldType::Money => Read::Money,
            FieldType::Boolean => Read::Boolean,
            FieldType::Multichoice { list: l } => Read::Multichoice(list(l)),
            FieldType::File => Read::File,
        }
    }

    /// Whether it reads a field (not a group).
    pub fn is_field(self) -> bool {
        !matches!(self, Read::Group | Read::Repeat(_))
    }

    /// Whether the JSON is a string (as [`FieldType::is_string`]).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Read::Text
                | Read::Date
                | Read::Email
                | Read::Phone
                | Read::Iban
                | Read::Postcode
                | Read::Choice(_)
        )
    }
}

impl Child {
    /// The key in the data, as bytes.
    pub fn key(&self) -> &[u8] {
        self.key.as_bytes()
    }
}

impl Container {
    /// The position among the children of a submitted `key`: submissions usually list
    /// keys in form order, so the child at `next` (after the last one found) is tried
    /// before hashing. `None`: the container defines no such key.
    #[inline]
    pub fn position(&self, next: usize, key: &str) -> Option<usize> {
        match self.packed.get(next) {
            Some(c) if same_key(c.key(), key.as_bytes()) => Some(next),
            _ => self.by_key.get(key).copied(),
        }
    }

    /// Marks the children that are always visible and take the submitted value (see
    /// [`Scope::template`]), and those that some expression reads.
    fn mark(&mut self, scopes: &[Scope], read: &[bool]) {
        for c in &mut self.packed {
            if scopes[c.scope]
                .template
                .get(c.slot)
                .is_some_and(|s| s.visible)
            {
                c.checks |= check::SIMPLE;
            }
            if read.get(c.node) == Some(&true) {
                c.checks |= check::STORED;
            }
        }
    }

    /// Fills `packed` from `children`. Runs once the nodes are complete: the check
    /// bits come from the field's resolved expressions and limits.
    fn pack(&mut self, nodes: &[Node], model: &FormModel) {
        let list = list_index(model);
        let children = std::mem::take(&mut self.children);
        self.packed = Vec::with_capacity(children.len());
        for id in children {
            let n = &nodes[id];
            let mut checks = 0;
            let mut limits_at = usize::MAX;
            if let NodeKind::Field {
                field,
                required_when,
                default,
                value,
                limits,
            } = &n.kind
            {
                limits_at = limits.unwrap_or(usize::MAX);
                let flags = [
                    (value.is_some(), check::COMPUTED),
                    (value.is_none() && default.is_none(), check::PLAIN),
                    (
                        matches!(field.required, Some(Required::Always)),
                        check::REQUIRED,
                    ),
                    (required_when.is_some(), check::REQUIRED_WHEN),
                    (
                        limits.is_some() || !field.accept.is_empty() || field.maxsize.is_some(),
                        check::CONSTRAINED,
                    ),
                ];
                for (on, bit) in flags {
                    if on {
                        checks |= bit;
                    }
                }
            }
            let read = match &n.kind {
                NodeKind::Field { field, .. } => Read::of(&field.ty, &list),
                NodeKind::Group {
                    child_scope: Some(scope),
                    ..
                } => Read::Repeat(*scope),
                // Pages are never children of a container (they hold no data).
                NodeKind::Group { .. } | NodeKind::Page => Read::Group,
            };
            self.packed.push(Child {
                node: id,
                scope: n.scope,
                slot: n.slot,
                key: n.key.as_str().into(),
                read,
                checks,
                limits: limits_at,
                page: n
                    .parent
                    .filter(|&p| matches!(nodes[p].kind, NodeKind::Page)),
                visible: n.visible.clone().map(Box::new),
            });
        }
    }
}

#[cfg(test)]
mod read_tests {
    use super::*;

    #[test]
    fn read_agrees_with_field_type_on_texts() {
        let list = || "l".to_owned();
        for ty in [
            FieldType::Text,
            FieldType::Textarea,
            FieldType::Integer,
            FieldType::Decimal,
            FieldType::Money,
            FieldType::Date,
            FieldType::Boolean,
            FieldType::Choice { list: list() },
            FieldType::Multichoice { list: list() },
            FieldType::Email,
            FieldType::Phone,
            FieldType::Iban,
            FieldType::Postcode,
            FieldType::File,
        ] {
            assert_eq!(Read::of(&ty, |_| 0).is_text(), ty.is_string(), "{ty:?}");
        }
    }
}

#[derive(Debug)]
pub(crate) struct CheckRt {
    /// The page or group whose visibility gates the check.
    pub gate: Option<NodeId>,
    pub condition: RExpr,
    pub message: Text,
}

/// A scope: the form, or the items of one repeated group.
#[derive(Debug)]
pub(crate) struct Scope {
    pub parent: Option<usize>,
    pub slots: usize,
    /// The slots of a new instance. A node that is always visible and takes no default
    /// or computed value depends on nothing: its slot starts out visible, holding the
    /// submitted value, and evaluation leaves it alone. All others start out hidden.
    pub template: Vec<Slot<'static>>,
}

/// A form ready to validate and evaluate submissions.
#[derive(Debug)]
pub struct Form {
    pub(crate) model: FormModel,
    pub(crate) nodes: Vec<Node>,
    pub(crate) scopes: Vec<Scope>,
    /// Container of the form itself.
    pub(crate) root: Container,
    /// Containers of groups, by node.
    pub(crate) groups: HashMap<NodeId, Container>,
    /// Evaluation order of the nodes that need the general evaluation (the others are
    /// visible in [`Scope::template`]).
    pub(crate) order: Vec<NodeId>,
    /// Whether every expression only reads what the validation walk, in document order,
    /// has finished when it evaluates the expression; then the walk works out each node
    /// as it reaches it, in one pass ([`linear`]).
    pub(crate) linear: bool,
    pub(crate) params: Vec<Option<Value>>,
    pub(crate) fees: Vec<RExpr>,
    /// The limits of the fields that have any (see [`Child::limits`]).
    pub(crate) limits: Vec<Limits>,
    /// Per node: the scope and index of its slot, side by side (a [`Node`] spans
    /// several cache lines, and expressions look up slots often).
    places: Vec<(u32, u32)>,
    /// The keys of each list of the model, by index, as choices are checked.
    pub(crate) keys: Vec<Keys>,
}

/// Whether two keys are equal; keys are short, and inline beats a call to `memcmp`.
#[inline]
pub(crate) fn same_key(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// The keys a choice from a list accepts ([`crate::model::List::accepts`]), side by
/// side for checking many values, compared by length first.
#[derive(Debug)]
pub(crate) enum Keys {
    /// A code list without its options: any key that is not empty.
    Any,
    Listed(Box<[Box<str>]>),
}

impl Keys {
    fn of(list: &crate::model::List) -> Keys {
        if list.options.is_empty() {
            Keys::Any
        } else {
            Keys::Listed(list.options.iter().map(|o| o.key.as_str().into()).collect())
        }
    }

    /// Whether `key` is one of them.
    pub fn accepts(&self, key: &str) -> bool {
        match self {
            Keys::Any => !key.is_empty(),
            Keys::Listed(keys) => keys.iter().any(|k| same_key(k.as_bytes(), key.as_bytes())),
        }
    }
}

impl Form {
    /// Checks and indexes a model.
    pub fn new(model: FormModel) -> Result<Form, ModelError> {
        let mut b = Builder {
            nodes: Vec::new(),
            scopes: vec![Scope {
                parent: None,
                slots: 0,
                template: Vec::new(),
            }],
            root: Container::default(),
            groups: HashMap::new(),
            by_path: HashMap::new(),
            pending: Vec::new(),
        };
        for page in &model.pages {
            let id = b.add_node(
                NodeKind::Page,
                None,
                0,
                page.id.clone(),
                String::new(),
                page.title.clone(),
            );
            b.pending.push(Pending::Visible(id, page.visible.clone()));
            b.add_items(&page.items, Some(id), None, 0, "")?;
        }
        for c in &model.checks {
            b.pending.push(Pending::Check {
                container: None,
                gate: None,
                condition: c.condition.clone(),
                message: c.message.clone(),
            });
        }
        let Builder {
            mut nodes,
            mut scopes,
            mut root,
            mut groups,
            by_path,
            pending,
        } = b;
        let resolver = Resolver {
            model: &model,
            nodes: &nodes,
            scopes: &scopes,
            by_path: &by_path,
        };
        // What each node reads (and its parent); sorted and without repeats before use.
        let mut deps: Vec<Vec<NodeId>> = vec![Vec::new(); nodes.len()];
        for (id, node) in nodes.iter().enumerate() {
            if let Some(p) = node.parent {
                deps[id].push(p);
            }
        }
        let mut resolved_visible: Vec<(NodeId, RExpr)> = Vec::new();
        // Forms repeat the same pattern on many fields; compile each one once.
        let mut patterns: HashMap<&str, Regex> = HashMap::new();
        let mut field_exprs: Vec<(NodeId, FieldExprs)> = Vec::new();
        for p in pending {
            match p {
                Pending::Visible(id, Some(e)) => {
                    let scope = resolver.expr_scope_of(id);
                    let ctx = format!("the visibility condition of {}", resolver.describe(id));
                    let r = resolver.resolve(&e, scope, &ctx)?;
                    collect_deps(&r, &mut deps[id]);
                    resolved_visible.push((id, r));
                }
                Pending::Visible(_, None) => {}
                Pending::Field(id) => {
                    let NodeKind::Field { field, .. } = &nodes[id].kind else {
                        continue;
                    };
                    let scope = nodes[id].scope;
                    let ctx = |what: &str| format!("the {what} of {}", resolver.describe(id));
                    let r = |e: &Option<Expr>, what: &str| -> Result<Option<RExpr>, ModelError> {
                        e.as_ref()
                            .map(|e| resolver.resolve(e, scope, &ctx(what)))
                            .transpose()
                    };
                    let fe = FieldExprs {
                        required_when: match &field.required {
                            Some(Required::When(e)) => {
                                Some(resolver.resolve(e, scope, &ctx("required condition"))?)
                            }
                            _ => None,
                        },
                        min: r(&field.min, "minimum")?,
                        max: r(&field.max, "maximum")?,
                        default: r(&field.default, "default")?,
                        value: r(&field.value, "computed value")?,
                        pattern: match &field.pattern {
                            Some(p) => Some(match patterns.get(p.regex.as_str()) {
                                Some(re) => re.clone(),
                                None => {
                                    let re = compile_pattern(&p.regex).map_err(|message| {
                                        ModelError::InvalidPattern {
                                            path: nodes[id].path.clone(),
                                            message,
                                        }
                                    })?;
                                    patterns.insert(p.regex.as_str(), re.clone());
                                    re
                                }
                            }),
                            None => None,
                        },
                    };
                    if let Some(e) = &fe.default {
                        collect_deps(e, &mut deps[id]);
                    }
                    if let Some(e) = &fe.value {
                        collect_deps(e, &mut deps[id]);
                    }
                    if let FieldType::Choice { list } | FieldType::Multichoice { list } = &field.ty
                    {
                        if model.list(list).is_none() {
                            return Err(ModelError::UnknownList {
                                path: nodes[id].path.clone(),
                                list: list.clone(),
                            });
                        }
                    }
                    field_exprs.push((id, fe));
                }
                Pending::Check {
                    container,
                    gate,
                    condition,
                    message,
                } => {
                    let scope = match container {
                        Some(g) => resolver.inner_scope_of(g),
                        None => 0,
                    };
                    let ctx = match container {
                        Some(g) => format!("a check in {}", resolver.describe(g)),
                        None => "a check of the form".to_owned(),
                    };
                    let condition = resolver.resolve(&condition, scope, &ctx)?;
                    let c = CheckRt {
                        gate,
                        condition,
                        message,
                    };
                    match container {
                        Some(g) => groups.entry(g).or_default().checks.push(c),
                        None => root.checks.push(c),
                    }
                }
            }
        }
        let fees = model
            .fees
            .iter()
            .map(|f| resolver.resolve(&f.amount, 0, &format!("the fee `{}`", f.id)))
            .collect::<Result<Vec<_>, _>>()?;
        let params: Vec<Option<Value>> = model
            .params
            .iter()
            .map(|p| Some(lit_value(&p.value)))
            .collect();
        for (id, r) in resolved_visible {
            nodes[id].visible = Some(r);
        }
        let mut all_limits = Vec::new();
        for (id, fe) in field_exprs {
            if let NodeKind::Field {
                field,
                required_when,
                default,
                value,
                limits,
            } = &mut nodes[id].kind
            {
                *required_when = fe.required_when;
                *default = fe.default;
                *value = fe.value;
                let (min, max) = (Bound::of(fe.min, &params), Bound::of(fe.max, &params));
                let mut l = Limits {
                    quick: Quick::None,
                    bounded: min.is_some() || max.is_some(),
                    min,
                    max,
                    minlength: field.minlength,
                    maxlength: field.maxlength,
                    pattern: fe.pattern,
                };
                l.quick = Quick::of(&field.ty, &l);
                if l.bounded
                    || l.minlength.is_some()
                    || l.maxlength.is_some()
                    || l.pattern.is_some()
                {
                    *limits = Some(all_limits.len());
                    all_limits.push(l);
                }
            }
        }
        root.pack(&nodes, &model);
        for (_, g) in groups.iter_mut() {
            g.pack(&nodes, &model);
        }
        for d in &mut deps {
            d.sort_unstable();
            d.dedup();
        }
        let full_order = topo_order(&nodes, &deps)?;
        // Parents come before their children in `full_order` (a parent is a dependency).
        let mut always_visible = vec![false; nodes.len()];
        for scope in &mut scopes {
            scope.template = vec![Slot::default(); scope.slots];
        }
        let mut order = Vec::with_capacity(full_order.len());
        for id in full_order {
            let n = &nodes[id];
            always_visible[id] = n.visible.is_none() && n.parent.is_none_or(|p| always_visible[p]);
            let plain = match &n.kind {
                NodeKind::Field { default, value, .. } => default.is_none() && value.is_none(),
                _ => true,
            };
            if always_visible[id] && plain {
                scopes[n.scope].template[n.slot].visible = true;
            } else {
                order.push(id);
            }
        }
        // The one-pass walk is for native builds: the browser runtime, whose size
        // counts, reads everything first, with the same results (the native/WASM
        // parity test compares the two ways on every case).
        let early = if cfg!(target_arch = "wasm32") {
            None
        } else {
            linear(&nodes, &all_limits, &groups, |n| match &n.kind {
                NodeKind::Field { field, .. } => Some(Read::of(&field.ty, list_index(&model))),
                _ => None,
            })
        };
        if early.is_some() {
            let read = read_nodes(&nodes, &all_limits, &root, &groups, &fees);
            root.mark(&scopes, &read);
            for g in groups.values_mut() {
                g.mark(&scopes, &read);
            }
        }
        let linear = early.is_some();
        for (container, fields) in early.unwrap_or_default() {
            match container {
                None => root.early = fields,
                Some(g) => groups.entry(g).or_default().early = fields,
            }
        }
        Ok(Form {
            keys: model.lists.iter().map(Keys::of).collect(),
            model,
            scopes,
            root,
            groups,
            order,
            linear,
            params,
            fees,
            limits: all_limits,
            places: nodes
                .iter()
                .map(|n| (n.scope as u32, n.slot as u32))
                .collect(),
            nodes,
        })
    }

    /// The model this form was built from.
    pub fn model(&self) -> &FormModel {
        &self.model
    }

    /// Gives the model back (after [`Form::new`] has checked it), without a copy.
    pub fn into_model(self) -> FormModel {
        self.model
    }

    /// The scope and slot index of a node.
    pub(crate) fn place(&self, node: NodeId) -> (usize, usize) {
        let (scope, slot) = self.places[node];
        (scope as usize, slot as usize)
    }

    /// Whether validation works each node out as its walk reaches it (see [`linear`]);
    /// never in the browser runtime.
    pub(crate) fn linear(&self) -> bool {
        cfg!(not(target_arch = "wasm32")) && self.linear
    }

    /// Whether a node is a page.
    pub(crate) fn is_page(&self, node: NodeId) -> bool {
        matches!(self.nodes[node].kind, NodeKind::Page)
    }

    pub(crate) fn container(&self, group: Option<NodeId>) -> &Container {
        match group {
            None => &self.root,
            Some(g) => self.groups.get(&g).unwrap_or(&EMPTY_CONTAINER),
        }
    }
}

static EMPTY_CONTAINER: std::sync::LazyLock<Container> =
    std::sync::LazyLock::new(Container::default);

struct FieldExprs {
    required_when: Option<RExpr>,
    min: Option<RExpr>,
    max: Option<RExpr>,
    default: Option<RExpr>,
    value: Option<RExpr>,
    pattern: Option<Regex>,
}

pub(crate) fn lit_value(l: &Lit) -> Value {
    match l {
        Lit::Text(s) => Value::Text(s.clone()),
        Lit::Number(d) => Value::Number(*d),
        Lit::Date(d) => Value::Date(*d),
        Lit::Bool(b) => Value::Bool(*b),
    }
}

enum Pending {
    Visible(NodeId, Option<Expr>),
    Field(NodeId),
    Check {
        container: Option<NodeId>,
        gate: Option<NodeId>,
        condition: Expr,
        message: Text,
    },
}

struct Builder {
    nodes: Vec<Node>,
    scopes: Vec<Scope>,
    root: Container,
    groups: HashMap<NodeId, Container>,
    by_path: HashMap<String, NodeId>,
    pending: Vec<Pending>,
}

impl Builder {
    fn add_node(
        &mut self,
        kind: NodeKind,
        parent: Option<NodeId>,
        scope: usize,
        key: String,
        path: String,
        label: Text,
    ) -> NodeId {
        let slot = self.scopes[scope].slots;
        self.scopes[scope].slots += 1;
        self.nodes.push(Node {
            kind,
            parent,
            scope,
            slot,
            pointer_key: crate::validate::pointer_token(&key),
            key,
            path,
            label,
            visible: None,
        });
        self.nodes.len() - 1
    }

    /// Adds the items of a page or group.
    /// `parent`: the page or group node; `container`: the group holding data (None: form).
    fn add_items(
        &mut self,
        items: &[Item],
        parent: Option<NodeId>,
        container: Option<NodeId>,
        scope: usize,
        prefix: &str,
    ) -> Result<(), ModelError> {
        for item in items {
            match item {
                Item::Field(f) => {
                    let path = join(prefix, &f.id);
                    let id = self.add_node(
                        NodeKind::Field {
                            field: Box::new(f.clone()),
                            required_when: None,
                            default: None,
                            value: None,
                            limits: None,
                        },
                        parent,
                        scope,
                        f.id.clone(),
                        path.clone(),
                        f.label.clone(),
                    );
                    self.register(container, &f.id, path, id)?;
                    self.pending.push(Pending::Visible(id, f.visible.clone()));
                    self.pending.push(Pending::Field(id));
                }
                Item::Group(g) => {
                    let path = join(prefix, &g.id);
                    let child_scope = g.repeat.map(|_| {
                        self.scopes.push(Scope {
                            parent: Some(scope),
                            slots: 0,
                            template: Vec::new(),
                        });
                        self.scopes.len() - 1
                    });
                    let id = self.add_node(
                        NodeKind::Group {
                            repeat: g.repeat,
                            child_scope,
                        },
                        parent,
                        scope,
                        g.id.clone(),
                        path.clone(),
                        g.title.clone(),
                    );
                    self.register(container, &g.id, path.clone(), id)?;
                    self.groups.entry(id).or_default();
                    self.pending.push(Pending::Visible(id, g.visible.clone()));
                    self.add_items(
                        &g.items,
                        Some(id),
                        Some(id),
                        child_scope.unwrap_or(scope),
                        &path,
                    )?;
                }
                Item::Info(_) => {}
                Item::Check(c) => self.pending.push(Pending::Check {
                    container,
                    gate: parent,
                    condition: c.condition.clone(),
                    message: c.message.clone(),
                }),
            }
        }
        Ok(())
    }

    fn register(
        &mut self,
        container: Option<NodeId>,
        key: &str,
        path: String,
        id: NodeId,
    ) -> Result<(), ModelError> {
        let c = match container {
            None => &mut self.root,
            Some(g) => self.groups.entry(g).or_default(),
        };
        // `pack` makes `packed` from `children` in this order: the position indexes both.
        if c.by_key.insert(key.to_owned(), c.children.len()).is_some() {
            return Err(ModelError::Duplicate { path });
        }
        c.children.push(id);
        self.by_path.insert(path, id);
        Ok(())
    }
}

fn join(prefix: &str, id: &str) -> String {
    if prefix.is_empty() {
        id.to_owned()
    } else {
        format!("{prefix}.{id}")
    }
}

struct Resolver<'a> {
    model: &'a FormModel,
    nodes: &'a [Node],
    scopes: &'a [Scope],
    by_path: &'a HashMap<String, NodeId>,
}

impl Resolver<'_> {
    fn describe(&self, id: NodeId) -> String {
        let n = &self.nodes[id];
        match n.kind {
            NodeKind::Page => format!("page `{}`", n.key),
            NodeKind::Group { .. } => format!("group `{}`", n.path),
            NodeKind::Field { .. } => format!("field `{}`", n.path),
        }
    }

    /// The scope in which a node's own visibility condition is evaluated.
    fn expr_scope_of(&self, id: NodeId) -> usize {
        self.nodes[id].scope
    }

    /// The scope of the content of a group (its items' scope if repeated).
    fn inner_scope_of(&self, group: NodeId) -> usize {
        match self.nodes[group].kind {
            NodeKind::Group {
                child_scope: Some(s),
                ..
            } => s,
            _ => self.nodes[group].scope,
        }
    }

    fn is_ancestor_scope(&self, anc: usize, mut s: usize) -> bool {
        loop {
            if s == anc {
                return true;
            }
            match self.scopes[s].parent {
                Some(p) => s = p,
                None => return false,
            }
        }
    }

    fn node(&self, path: &str, scope: usize, ctx: &str) -> Result<NodeId, ModelError> {
        let id = *self
            .by_path
            .get(path)
            .ok_or_else(|| ModelError::UnknownField {
                path: path.to_owned(),
                context: ctx.to_owned(),
            })?;
        if !self.is_ancestor_scope(self.nodes[id].scope, scope) {
            return Err(ModelError::RepeatScope {
                path: path.to_owned(),
                context: ctx.to_owned(),
            });
        }
        Ok(id)
    }

    fn resolve(&self, e: &Expr, scope: usize, ctx: &str) -> Result<RExpr, ModelError> {
        let r = |e: &Expr| self.resolve(e, scope, ctx);
        Ok(match e {
            Expr::Lit(l) => RExpr::Lit(lit_value(l)),
            Expr::Field(p) => RExpr::Field(self.node(p, scope, ctx)?),
            Expr::IsSet(p) => RExpr::IsSet(self.node(p, scope, ctx)?),
            Expr::Param(name) => RExpr::Param(
                self.model
                    .params
                    .iter()
                    .position(|p| &p.name == name)
                    .ok_or_else(|| ModelError::UnknownParam {
                        name: name.clone(),
                        context: ctx.to_owned(),
                    })?,
            ),
            Expr::Unary { op, arg } => RExpr::Unary(*op, Box::new(r(arg)?)),
            Expr::Binary { op, lhs, rhs } => {
                RExpr::Binary(*op, Box::new(r(lhs)?), Box::new(r(rhs)?))
            }
            Expr::In { arg, list } => RExpr::In(Box::new(r(arg)?), Box::new(r(list)?)),
            Expr::List(items) => RExpr::List(items.iter().map(r).collect::<Result<_, _>>()?),
            Expr::Call { func, args } => {
                RExpr::Call(*func, args.iter().map(r).collect::<Result<_, _>>()?)
            }
            Expr::Aggregate { func, group, expr } => {
                let g = self.node(group, scope, ctx)?;
                let NodeKind::Group {
                    child_scope: Some(inner),
                    ..
                } = self.nodes[g].kind
                else {
                    return Err(ModelError::NotRepeated {
                        path: group.clone(),
                        context: ctx.to_owned(),
                    });
                };
                let expr = match expr {
                    Some(e) => Some(Box::new(self.resolve(e, inner, ctx)?)),
                    None => None,
                };
                RExpr::Aggregate(*func, g, expr)
            }
        })
    }
}

fn collect_deps(e: &RExpr, out: &mut Vec<NodeId>) {
    each_read(e, &mut |n, _| out.push(n));
}

/// Whether the validation walk can work out every node as it reaches it: whether each
/// expression only reads what a walk in document order has finished by the time it is
/// evaluated. Node ids are in document order (a group before what it holds). If so,
/// returns the fields read ahead of the walk, per scope (see [`Form::early`]).
///
/// - A node's condition, default, computed value, `required when` and bounds are
///   evaluated when the walk reaches the node: a field read must come before it (or be
///   the node itself, for the checks of its own value), an aggregated repeated group
///   must be finished.
/// - A group's checks are evaluated when its instance is finished: a field read must
///   lie before the group's end; an aggregated group must be inside it (its items in
///   this instance are finished) or finished before the group starts.
/// - The form's own checks and the fees come after everything.
/// - A field read ahead of the walk is fine when it holds what was submitted and
///   nothing between it and a container the reader is in can hide it ([`ahead`]): the
///   walk reads it when it enters that container. (An address whose postcode depends
///   on the country asked for after it.)
fn linear(
    nodes: &[Node],
    limits: &[Limits],
    groups: &HashMap<NodeId, Container>,
    read_of: impl Fn(&Node) -> Option<Read>,
) -> Option<HashMap<Option<NodeId>, Vec<Early>>> {
    // end[n]: the last node inside n (n itself for a field or page: pages hold no data).
    let mut end: Vec<NodeId> = (0..nodes.len()).collect();
    for id in (0..nodes.len()).rev() {
        if let Some(p) = nodes[id].parent {
            end[p] = end[p].max(end[id]);
        }
    }
    // The fields read ahead of the walk, and the container whose start reads each.
    let mut early: Vec<(Option<NodeId>, NodeId)> = Vec::new();
    // Whether a direct read of `d` by what is evaluated at `at`, inside `reader` (a
    // node, or a group for its checks), is fine.
    let mut read_ok = |d: NodeId, at: NodeId, reader: NodeId| {
        if end[d] <= at {
            return true;
        }
        match ahead(nodes, d, reader) {
            Some(c) => {
                early.push((c, d));
                true
            }
            None => false,
        }
    };
    let mut reads = Vec::new();
    for (id, n) in nodes.iter().enumerate() {
        reads.clear();
        let bounds = match n.kind {
            NodeKind::Field {
                limits: Some(l), ..
            } => limits.get(l),
            _ => None,
        };
        for e in n.exprs().chain(bounds.into_iter().flat_map(Limits::exprs)) {
            collect_reads(e, &mut reads);
        }
        for &(d, all) in &reads {
            if !(if all { end[d] < id } else { read_ok(d, id, id) }) {
                return None;
            }
        }
    }
    // The form's own checks run after everything.
    for (&g, c) in groups {
        for check in &c.checks {
            reads.clear();
            collect_reads(&check.condition, &mut reads);
            for &(d, all) in &reads {
                let ok = if all {
                    (d > g && end[d] <= end[g]) || end[d] < g
                } else {
                    read_ok(d, end[g], g)
                };
                if !ok {
                    return None;
                }
            }
        }
    }
    let mut found: HashMap<Option<NodeId>, Vec<Early>> = HashMap::new();
    for (container, d) in early {
        let n = &nodes[d];
        // Read once a container, however many expressions read it ahead.
        if found
            .get(&container)
            .is_some_and(|fields| fields.iter().any(|e| e.slot == n.slot))
        {
            continue;
        }
        // The keys from the container's object down to the field.
        let mut path = vec![n.key.as_str().into()];
        let mut at = n.parent;
        while let Some(p) = at.filter(|&p| Some(p) != container) {
            if matches!(nodes[p].kind, NodeKind::Group { .. }) {
                path.push(nodes[p].key.as_str().into());
            }
            at = nodes[p].parent;
        }
        path.reverse();
        if let Some(read) = read_of(n) {
            found.entry(container).or_default().push(Early {
                slot: n.slot,
                read,
                path: path.into(),
            });
        }
    }
    Some(found)
}

/// Where a field read ahead of the walk can be read: the container (`None`: the form)
/// whose start reads it, if there is one that the reader is inside. The field must
/// hold what was submitted, and nothing between that container and the field may hide
/// it: then, once the walk is inside the container (which it enters only while it is
/// visible), the field is visible and its value is the submitted one.
fn ahead(nodes: &[Node], d: NodeId, reader: NodeId) -> Option<Option<NodeId>> {
    let n = &nodes[d];
    let plain = matches!(
        &n.kind,
        NodeKind::Field {
            default: None,
            value: None,
            ..
        }
    );
    if !plain || n.visible.is_some() {
        return None;
    }
    // Whether the reader is inside group `g` (or is it).
    let inside = |g: NodeId| {
        let mut at = Some(reader);
        while let Some(x) = at {
            if x == g {
                return true;
            }
            at = nodes[x].parent;
        }
        false
    };
    let mut at = n.parent;
    loop {
        match at {
            // The form: the field's page, if any, must always be shown.
            None => return Some(None),
            Some(p) => match &nodes[p].kind {
                NodeKind::Page if nodes[p].visible.is_none() => at = nodes[p].parent,
                NodeKind::Group { .. } if inside(p) => return Some(Some(p)),
                // Climb out of a group only if it is always shown, and not repeated
                // (its items are instances of their own).
                NodeKind::Group {
                    repeat: None,
                    child_scope: None,
                } if nodes[p].visible.is_none() => at = nodes[p].parent,
                _ => return None,
            },
        }
    }
}

/// A field that an expression reads before the walk reaches it (see [`linear`]).
#[derive(Debug)]
pub(crate) struct Early {
    pub slot: usize,
    pub read: Read,
    /// The keys from its container's object to its value.
    pub path: Box<[Box<str>]>,
}

/// Which nodes some expression reads (conditions, values, bounds, checks, fees).
fn read_nodes(
    nodes: &[Node],
    limits: &[Limits],
    root: &Container,
    groups: &HashMap<NodeId, Container>,
    fees: &[RExpr],
) -> Vec<bool> {
    let checks = std::iter::once(root)
        .chain(groups.values())
        .flat_map(|c| c.checks.iter().map(|check| &check.condition));
    let exprs = nodes
        .iter()
        .flat_map(Node::exprs)
        .chain(limits.iter().flat_map(Limits::exprs))
        .chain(checks)
        .chain(fees);
    let mut read = vec![false; nodes.len()];
    for e in exprs {
        each_read(e, &mut |n, _| {
            if let Some(r) = read.get_mut(n) {
                *r = true;
            }
        });
    }
    read
}

/// The nodes an expression reads, each with whether it reads all the items of a
/// repeated group (an aggregate) rather than one value.
fn collect_reads(e: &RExpr, out: &mut Vec<(NodeId, bool)>) {
    each_read(e, &mut |n, all| out.push((n, all)));
}

/// Calls `f` with every node an expression reads, and whether it reads all the items
/// of a repeated group (an aggregate) rather than one value.
fn each_read(e: &RExpr, f: &mut impl FnMut(NodeId, bool)) {
    match e {
        RExpr::Lit(_) | RExpr::Param(_) => {}
        RExpr::Field(n) | RExpr::IsSet(n) => f(*n, false),
        RExpr::Unary(_, a) => each_read(a, f),
        RExpr::Binary(_, a, b) | RExpr::In(a, b) => {
            each_read(a, f);
            each_read(b, f);
        }
        RExpr::List(items) | RExpr::Call(_, items) => {
            for i in items {
                each_read(i, f);
            }
        }
        RExpr::Aggregate(_, g, e) => {
            f(*g, true);
            if let Some(e) = e {
                each_read(e, f);
            }
        }
    }
}

/// Orders nodes so that each comes after everything it depends on (document order
/// where free); reports a cycle otherwise.
fn topo_order(nodes: &[Node], deps: &[Vec<NodeId>]) -> Result<Vec<NodeId>, ModelError> {
    let n = nodes.len();
    let mut indegree = vec![0usize; n];
    let mut users: Vec<Vec<NodeId>> = vec![Vec::new(); n];
    for (id, ds) in deps.iter().enumerate() {
        for &d in ds {
            indegree[id] += 1;
            users[d].push(id);
        }
    }
    // The ready nodes, smallest (earliest in the document) first.
    let mut ready: BinaryHeap<Reverse<NodeId>> =
        (0..n).filter(|&i| indegree[i] == 0).map(Reverse).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse(id)) = ready.pop() {
        order.push(id);
        for &u in &users[id] {
            indegree[u] -= 1;
            if indegree[u] == 0 {
                ready.push(Reverse(u));
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Find a cycle among the remaining nodes: walk dependencies until one repeats.
    let start = (0..n).find(|&i| indegree[i] > 0).unwrap_or(0);
    let mut seen: HashMap<NodeId, usize> = HashMap::new();
    let mut path = Vec::new();
    let mut cur = start;
    loop {
        if let Some(&pos) = seen.get(&cur) {
            let cycle: Vec<String> = path[pos..]
                .iter()
                .rev()
                .map(|&id: &NodeId| describe_node(&nodes[id]))
                .collect();
            let mut cycle = cycle;
            if let Some(first) = cycle.first().cloned() {
                cycle.push(first);
            }
            return Err(ModelError::Cycle { paths: cycle });
        }
        seen.insert(cur, path.len());
        path.push(cur);
        match deps[cur].iter().find(|&&d| indegree[d] > 0) {
            Some(&d) => cur = d,
            None => {
                return Err(ModelError::Cycle {
                    paths: vec![describe_node(&nodes[cur])],
                })
            }
        }
    }
}

fn describe_node(n: &Node) -> String {
    match n.kind {
        NodeKind::Page => format!("page {}", n.key),
        NodeKind::Group { .. } => format!("group {}", n.path),
        NodeKind::Field { .. } => format!("field {}", n.path),
    }
}
