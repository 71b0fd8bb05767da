//! Compatibility of two versions of a form (SPEC section 6, `efa diff OLD NEW`).
//!
//! [`diff`] compares two models and lists every [`Change`] with its [`Class`]: *breaking*
//! when data that the old version accepted may be refused by the new one (or an
//! adaptation written against the old version may no longer compile), *compatible*
//! otherwise. Every change kind has a fixed class; [`KINDS`] lists them all.
//!
//! # Rules
//!
//! - **Fields and groups are matched by their data path** (`anschrift.plz`). Pages are
//!   layout only: a field that keeps its path but sits on another page is `field_moved`
//!   (compatible). A field whose path changed is removed and added.
//! - **Requirement.** A field is required when its page, its enclosing groups and the
//!   field itself are visible and its `required when` condition holds (or it is plainly
//!   `required`). A change is breaking when the new version requires the field *in more
//!   cases*: when the new conjunction of conditions does not provably imply the old one.
//!   The proof is structural ([`Expr`] equality, `and` / `or`, `not`, `in` lists that
//!   grow, comparisons with literals that narrow); when nothing can be proved the change
//!   counts as breaking. So removing `visible when` from a required field, widening it
//!   (`art == "ehe"` to `art in ["ehe", "geburt"]`) or adding `required` are breaking;
//!   narrowing a condition is `requirement_changed` or `visibility_changed` (compatible).
//! - **Existing data.** A condition that cannot hold for data of the old version — it
//!   tests only fields that are new (and have no default or computed value), such as
//!   `visible when neu == "ja"` or `is_set(neu)` — does not make a field required for
//!   that data. A new required field behind such a condition, or inside a new repeated
//!   group, is therefore a compatible `field_added`; a new field required whenever its
//!   place is shown is a breaking `required_field_added`. A field with a default or a
//!   computed value never fails `required` for existing data (the value fills it).
//! - **Limits.** `min` / `max` given as literal numbers or dates are compared: a higher
//!   minimum or a lower maximum is `limit_tightened`, the opposite `limit_loosened`; a
//!   new bound is tightened, a dropped one loosened. A bound that is an expression
//!   (`today()`, another field, a parameter) and changes is `limit_changed`
//!   (compatible: its effect cannot be compared); so is any limit of a field that is never
//!   shown in either version (`visible when false`, as `hide` writes it). `minlength`, `maxlength`, `maxsize`
//!   and a repeated group's bounds are compared as numbers; a changed `pattern` counts as
//!   tightened unless it is identical; `accept` is tightened when an old media type is no
//!   longer covered (`image/*` covers `image/png`).
//! - **Checks** (no ids) are matched within their page or group by equal conditions,
//!   then by the fields they test: a new condition that the old one provably implies is
//!   `check_loosened`, otherwise `check_tightened`; a new check is `check_added`
//!   (breaking), unless it provably holds for all data of the old version.
//! - **Parameters**: removing one or changing its type breaks adaptations that `set` it;
//!   a changed value is compatible. Fees, texts, defaults, computed values and metadata
//!   are compatible.
//!
//! # Versions
//!
//! "A breaking change without a new major version is reported as an error":
//! [`Report::version_ok`] is false when there is a breaking change and the new version
//! does not start a new major version of the old one. As in Cargo, for `0.x` versions the
//! minor number is the major one (`0.3.0` to `0.4.0` is a new major version), and for
//! `0.0.x` the patch number is.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::expr::{quote, Aggregate, BinOp, Expr, Func, Lit, UnOp};
use crate::model::{
    Check, Field, FieldType, FormModel, Group, Info, Item, List, Pattern, Repeat, Required, Text,
};

/// Whether a change can break existing data or adaptations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Data the old version accepted may be refused, or adaptations may stop compiling.
    Breaking,
    /// Everything valid before stays valid.
    Compatible,
}

impl Class {
    /// `breaking` or `compatible`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Compatible => "compatible",
        }
    }
}

/// One difference between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Breaking or compatible (fixed per kind, see [`KINDS`]).
    pub class: Class,
    /// A stable snake_case code such as `field_removed`.
    pub kind: &'static str,
    /// What changed: a dotted data path (`anschrift.plz`), or `page:ID`, `list:ID`,
    /// `list:ID.KEY`, `param:NAME`, `fee:ID`, or `form` for the form's own entries.
    pub path: String,
    /// One line for a person: `field anschrift.plz: maxlength 10 -> 5 (tightened)`.
    pub message: String,
}

/// The base of two adaptations, when it differs between them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaseChange {
    /// The base form's id.
    pub id: String,
    /// The base form's publisher.
    pub publisher: String,
    /// The base version the old adaptation was built on.
    pub old_version: String,
    /// The base version the new adaptation was built on.
    pub new_version: String,
}

/// The result of [`diff`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Version of the old form.
    pub old_version: String,
    /// Version of the new form.
    pub new_version: String,
    /// Whether any change is breaking.
    pub breaking: bool,
    /// False when a change is breaking and the new version is not a new major version.
    pub version_ok: bool,
    /// For two adaptations built on different versions of their base.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<BaseChange>,
    /// Every change, the breaking ones first.
    pub changes: Vec<Change>,
}

impl Report {
    /// How many changes are breaking.
    pub fn breaking_count(&self) -> usize {
        self.changes
            .iter()
            .filter(|c| c.class == Class::Breaking)
            .count()
    }

    /// The smallest version that would make the breaking changes acceptable (the next
    /// major version of the old one), if the old version is a semantic version.
    pub fn needed_version(&self) -> Option<String> {
        let (major, minor, patch) = semver_triple(&self.old_version)?;
        Some(if major > 0 {
            format!("{}.0.0", major.saturating_add(1))
        } else if minor > 0 {
            format!("0.{}.0", minor.saturating_add(1))
        } else {
            format!("0.0.{}", patch.saturating_add(1))
        })
    }
}

/// A change kind with its class and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindInfo {
    /// The code.
    pub kind: &'static str,
    /// Its class.
    pub class: Class,
    /// What it means.
    pub what: &'static str,
}

const fn k(kind: &'static str, class: Class, what: &'static str) -> KindInfo {
    KindInfo { kind, class, what }
}

use Class::{Breaking as B, Compatible as C};

/// Every change kind [`diff`] reports, with its class.
pub const KINDS: &[KindInfo] = &[
    k("id_changed", B, "the form's id changed"),
    k("field_removed", B, "a field is gone from the data"),
    k(
        "group_removed",
        B,
        "a group (and its fields) is gone from the data",
    ),
    k(
        "type_changed",
        B,
        "a field's type changed, or a group became repeated or not",
    ),
    k("made_required", B, "an optional field became required"),
    k(
        "required_widened",
        B,
        "a required field is required in more cases",
    ),
    k(
        "required_field_added",
        B,
        "a new field that existing data lacks is required",
    ),
    k(
        "required_group_added",
        B,
        "a new repeated group needs at least one item",
    ),
    k(
        "limit_tightened",
        B,
        "min up, max down, lengths, pattern, accept, maxsize, repeat bounds",
    ),
    k("option_removed", B, "a list lost an option"),
    k(
        "list_removed",
        B,
        "a list is gone (adaptations may name its options)",
    ),
    k(
        "list_restricted",
        B,
        "a list that accepted any code now has fixed options",
    ),
    k(
        "codelist_changed",
        B,
        "an open list now takes codes of another code list",
    ),
    k("check_added", B, "a new check that existing data may fail"),
    k(
        "check_tightened",
        B,
        "a check's condition changed and may fail more data",
    ),
    k(
        "param_removed",
        B,
        "a parameter is gone (adaptations set it)",
    ),
    k(
        "param_type_changed",
        B,
        "a parameter's type changed (adaptations set it)",
    ),
    k(
        "field_added",
        C,
        "a new optional field (or one existing data cannot be required to fill)",
    ),
    k("group_added", C, "a new group"),
    k("made_optional", C, "a required field became optional"),
    k(
        "requirement_changed",
        C,
        "a required field's condition changed, requiring it in no more cases",
    ),
    k(
        "visibility_changed",
        C,
        "a visibility condition changed, requiring no field in more cases",
    ),
    k(
        "limit_loosened",
        C,
        "min down, max up, lengths, pattern or accept dropped, maxsize or repeat bounds",
    ),
    k(
        "limit_changed",
        C,
        "a bound given as an expression changed, or a limit of a field never shown",
    ),
    k(
        "choice_list_changed",
        C,
        "a choice takes another list that accepts every old key",
    ),
    k("option_added", C, "a list gained an option"),
    k(
        "options_reordered",
        C,
        "a list's options are in another order",
    ),
    k("list_added", C, "a new list"),
    k(
        "list_opened",
        C,
        "a list with fixed options now accepts any code",
    ),
    k(
        "codelist_ref_changed",
        C,
        "a list's code list reference changed",
    ),
    k(
        "text_changed",
        C,
        "a label, hint, title, description, option text, info or check message",
    ),
    k("default_changed", C, "a default value changed"),
    k(
        "computed_changed",
        C,
        "a computed value changed, appeared or disappeared",
    ),
    k(
        "prefill_changed",
        C,
        "a prefill from the citizen account changed",
    ),
    k("fim_changed", C, "a FIM reference changed"),
    k(
        "field_moved",
        C,
        "a field moved to another page, keeping its data path",
    ),
    k(
        "group_moved",
        C,
        "a group moved to another page, keeping its data path",
    ),
    k("page_added", C, "a new page"),
    k(
        "page_removed",
        C,
        "a page is gone (its fields are reported on their own)",
    ),
    k("pages_reordered", C, "the pages are in another order"),
    k(
        "check_added_on_new_fields",
        C,
        "a new check that holds for all existing data",
    ),
    k(
        "check_loosened",
        C,
        "a check's condition changed and fails no more data",
    ),
    k("check_removed", C, "a check is gone"),
    k("param_added", C, "a new parameter"),
    k("param_changed", C, "a parameter's default value changed"),
    k("fee_added", C, "a new fee"),
    k("fee_removed", C, "a fee is gone"),
    k("fee_changed", C, "a fee's amount changed"),
    k("language_added", C, "a new language"),
    k("language_removed", C, "a language is gone"),
    k(
        "metadata_changed",
        C,
        "publisher, Leistungsschluessel or default language",
    ),
];

/// The class of a change kind (breaking for a kind not in [`KINDS`]).
pub fn class_of(kind: &str) -> Class {
    KINDS
        .iter()
        .find(|i| i.kind == kind)
        .map_or(Class::Breaking, |i| i.class)
}

/// Compares two versions of a form.
pub fn diff(old: &FormModel, new: &FormModel) -> Report {
    let o = Flat::new(old);
    let n = Flat::new(new);
    // Fields new in this version without a default or computed value: data of the old
    // version has no value for them.
    let unset: HashSet<String> = n
        .nodes
        .iter()
        .filter(|node| !o.index.contains_key(&node.path))
        .filter_map(|node| match node.node {
            NodeRef::Field(f) if f.default.is_none() && f.value.is_none() => {
                Some(node.path.clone())
            }
            _ => None,
        })
        .collect();
    let mut d = Diff {
        o: &o,
        n: &n,
        unset,
        lang: new.default_lang().to_owned(),
        changes: Vec::new(),
    };
    d.header();
    d.params();
    d.lists();
    d.pages();
    d.nodes();
    d.containers();
    d.fees();
    let mut changes = d.changes;
    changes.sort_by_key(|c| c.class);
    let breaking = changes.iter().any(|c| c.class == Class::Breaking);
    let version_ok = !breaking || is_new_major(&old.version, &new.version);
    let base = match (&old.base, &new.base) {
        (Some(a), Some(b)) if a != b => Some(BaseChange {
            id: b.id.clone(),
            publisher: b.publisher.clone(),
            old_version: a.version.clone(),
            new_version: b.version.clone(),
        }),
        _ => None,
    };
    Report {
        old_version: old.version.clone(),
        new_version: new.version.clone(),
        breaking,
        version_ok,
        base,
        changes,
    }
}

// ------------------------------------------------------------------ versions

/// `MAJOR.MINOR.PATCH` of a semantic version (pre-release and build ignored).
fn semver_triple(v: &str) -> Option<(u64, u64, u64)> {
    let core = v.trim().split(['-', '+']).next()?;
    let mut parts = core.split('.');
    let mut num = || -> Option<u64> {
        let p = parts.next()?;
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    let t = (num()?, num()?, num()?);
    parts.next().is_none().then_some(t)
}

/// The part of a version that must grow for a breaking change (Cargo's rule).
fn compat_key((major, minor, patch): (u64, u64, u64)) -> (u64, u64, u64) {
    if major > 0 {
        (major, 0, 0)
    } else if minor > 0 {
        (0, minor, 0)
    } else {
        (0, 0, patch)
    }
}

fn is_new_major(old: &str, new: &str) -> bool {
    match (semver_triple(old), semver_triple(new)) {
        (Some(o), Some(n)) => compat_key(n) > compat_key(o),
        _ => false,
    }
}

// ------------------------------------------------------------------ flattening

#[derive(Clone, Copy)]
enum NodeRef<'a> {
    Field(&'a Field),
    Group(&'a Group),
}

struct Node<'a> {
    path: String,
    node: NodeRef<'a>,
    page: &'a str,
    /// Index of the enclosing group.
    parent: Option<usize>,
    /// Visibility conditions of the page and the enclosing groups.
    conds: Vec<&'a Expr>,
    /// Index of the innermost enclosing repeated group.
    repeat: Option<usize>,
}

#[derive(Default)]
struct Container<'a> {
    infos: Vec<&'a Info>,
    checks: Vec<&'a Check>,
}

struct Flat<'a> {
    model: &'a FormModel,
    nodes: Vec<Node<'a>>,
    index: HashMap<String, usize>,
    containers: Vec<(String, Container<'a>)>,
}

impl<'a> Flat<'a> {
    fn new(model: &'a FormModel) -> Self {
        let mut f = Flat {
            model,
            nodes: Vec::new(),
            index: HashMap::new(),
            containers: Vec::new(),
        };
        for page in &model.pages {
            let conds: Vec<&Expr> = page.visible.iter().collect();
            let key = format!("page:{}", page.id);
            f.walk(&page.items, "", &page.id, None, &conds, None, key);
        }
        // The form's own checks (written at form level, or added by an adaptation), under
        // the path of the form's other changes.
        f.containers.push((
            "form".to_owned(),
            Container {
                infos: Vec::new(),
                checks: model.checks.iter().collect(),
            },
        ));
        f
    }

    #[allow(clippy::too_many_arguments)]
    fn walk(
        &mut self,
        items: &'a [Item],
        prefix: &str,
        page: &'a str,
        parent: Option<usize>,
        conds: &[&'a Expr],
        repeat: Option<usize>,
        container: String,
    ) {
        let slot = self.containers.len();
        self.containers.push((container, Container::default()));
        for item in items {
            match item {
                Item::Field(field) => {
                    let path = join(prefix, &field.id);
                    self.index.insert(path.clone(), self.nodes.len());
                    self.nodes.push(Node {
                        path,
                        node: NodeRef::Field(field),
                        page,
                        parent,
                        conds: conds.to_vec(),
                        repeat,
                    });
                }
                Item::Group(group) => {
                    let path = join(prefix, &group.id);
                    let idx = self.nodes.len();
                    self.index.insert(path.clone(), idx);
                    self.nodes.push(Node {
                        path: path.clone(),
                        node: NodeRef::Group(group),
                        page,
                        parent,
                        conds: conds.to_vec(),
                        repeat,
                    });
                    let mut inner = conds.to_vec();
                    inner.extend(group.visible.iter());
                    let inner_repeat = if group.repeat.is_some() {
                        Some(idx)
                    } else {
                        repeat
                    };
                    self.walk(
                        &group.items,
                        &path,
                        page,
                        Some(idx),
                        &inner,
                        inner_repeat,
                        path.clone(),
                    );
                }
                Item::Info(info) => self.containers[slot].1.infos.push(info),
                Item::Check(check) => self.containers[slot].1.checks.push(check),
            }
        }
    }

    fn get(&self, path: &str) -> Option<&Node<'a>> {
        self.index.get(path).map(|&i| &self.nodes[i])
    }

    fn list(&self, id: &str) -> Option<&'a List> {
        self.model.lists.iter().find(|l| l.id == id)
    }
}

fn join(prefix: &str, id: &str) -> String {
    if prefix.is_empty() {
        id.to_owned()
    } else {
        format!("{prefix}.{id}")
    }
}

// ------------------------------------------------------------------ comparing

struct Diff<'x, 'a> {
    o: &'x Flat<'a>,
    n: &'x Flat<'a>,
    unset: HashSet<String>,
    lang: String,
    changes: Vec<Change>,
}

/// `field x` or `group x`.
fn noun(node: &Node<'_>) -> String {
    match node.node {
        NodeRef::Field(_) => format!("field {}", node.path),
        NodeRef::Group(_) => format!("group {}", node.path),
    }
}

impl Diff<'_, '_> {
    fn push(&mut self, kind: &'static str, path: impl Into<String>, message: impl Into<String>) {
        debug_assert!(KINDS.iter().any(|i| i.kind == kind), "unknown kind {kind}");
        self.changes.push(Change {
            class: class_of(kind),
            kind,
            path: path.into(),
            message: message.into(),
        });
    }

    fn text(&self, t: &Text) -> String {
        quote(t.get(&self.lang, &self.lang))
    }

    /// Reports a changed text: `WHAT "old" -> "new"`, or `WHAT changed (translations)`.
    fn text_change(&mut self, path: &str, subject: &str, what: &str, old: &Text, new: &Text) {
        if old == new {
            return;
        }
        let (a, b) = (self.text(old), self.text(new));
        let message = if a != b {
            format!("{subject}: {what} {a} -> {b}")
        } else {
            format!("{subject}: {what} changed (translations)")
        };
        self.push("text_changed", path, message);
    }

    fn opt_text_change(
        &mut self,
        path: &str,
        subject: &str,
        what: &str,
        old: &Option<Text>,
        new: &Option<Text>,
    ) {
        let empty = Text::default();
        self.text_change(
            path,
            subject,
            what,
            old.as_ref().unwrap_or(&empty),
            new.as_ref().unwrap_or(&empty),
        );
    }

    fn header(&mut self) {
        let (o, n) = (self.o.model, self.n.model);
        if o.id != n.id {
            self.push(
                "id_changed",
                "form",
                format!("form id {} -> {}", o.id, n.id),
            );
        }
        self.text_change("form", "form", "title", &o.title, &n.title);
        self.opt_text_change(
            "form",
            "form",
            "description",
            &o.description,
            &n.description,
        );
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".to_owned());
        if o.publisher != n.publisher {
            self.push(
                "metadata_changed",
                "form",
                format!("form: publisher {} -> {}", o.publisher, n.publisher),
            );
        }
        if o.leika != n.leika {
            self.push(
                "metadata_changed",
                "form",
                format!("form: leika {} -> {}", show(&o.leika), show(&n.leika)),
            );
        }
        if o.fim != n.fim {
            self.push(
                "fim_changed",
                "form",
                format!("form: fim {} -> {}", fim(&o.fim), fim(&n.fim)),
            );
        }
        if o.default_lang() != n.default_lang() {
            self.push(
                "metadata_changed",
                "form",
                format!(
                    "form: default language {} -> {}",
                    o.default_lang(),
                    n.default_lang()
                ),
            );
        }
        for l in &n.languages {
            if !o.languages.contains(l) {
                self.push(
                    "language_added",
                    "form",
                    format!("form: language {l} added"),
                );
            }
        }
        for l in &o.languages {
            if !n.languages.contains(l) {
                self.push(
                    "language_removed",
                    "form",
                    format!("form: language {l} removed"),
                );
            }
        }
    }

    fn params(&mut self) {
        let (o, n) = (self.o.model, self.n.model);
        for p in &n.params {
            let path = format!("param:{}", p.name);
            match o.param(&p.name) {
                None => self.push(
                    "param_added",
                    path,
                    format!(
                        "param {}: added ({} = {})",
                        p.name,
                        p.ty.name(),
                        lit(&p.value)
                    ),
                ),
                Some(q) if q.ty != p.ty => self.push(
                    "param_type_changed",
                    path,
                    format!(
                        "param {}: type {} -> {} (adaptations set it)",
                        p.name,
                        q.ty.name(),
                        p.ty.name()
                    ),
                ),
                Some(q) if q.value != p.value => self.push(
                    "param_changed",
                    path,
                    format!("param {}: {} -> {}", p.name, lit(&q.value), lit(&p.value)),
                ),
                Some(_) => {}
            }
        }
        for q in &o.params {
            if n.param(&q.name).is_none() {
                self.push(
                    "param_removed",
                    format!("param:{}", q.name),
                    format!("param {}: removed (adaptations may set it)", q.name),
                );
            }
        }
    }

    fn lists(&mut self) {
        let (o, n) = (self.o.model, self.n.model);
        for l in &n.lists {
            let path = format!("list:{}", l.id);
            let Some(old) = o.list(&l.id) else {
                self.push("list_added", path, format!("list {}: added", l.id));
                continue;
            };
            let urn = |l: &List| l.codelist.as_ref().map(|c| c.urn.clone());
            if old.codelist != l.codelist {
                let open = old.options.is_empty() && l.options.is_empty();
                let show = |l: &List| match &l.codelist {
                    None => "none".to_owned(),
                    Some(c) => match &c.version {
                        Some(v) => format!("{} version {v}", c.urn),
                        None => c.urn.clone(),
                    },
                };
                let kind = if open && urn(old) != urn(l) {
                    "codelist_changed"
                } else {
                    "codelist_ref_changed"
                };
                self.push(
                    kind,
                    path.clone(),
                    format!("list {}: codelist {} -> {}", l.id, show(old), show(l)),
                );
            }
            match (old.options.is_empty(), l.options.is_empty()) {
                (true, true) => continue,
                (true, false) => {
                    self.push(
                        "list_restricted",
                        path,
                        format!(
                            "list {}: accepted any code, now only {} options",
                            l.id,
                            l.options.len()
                        ),
                    );
                    continue;
                }
                (false, true) => {
                    self.push(
                        "list_opened",
                        path,
                        format!("list {}: now accepts any code", l.id),
                    );
                    continue;
                }
                (false, false) => {}
            }
            for opt in &l.options {
                let opath = format!("list:{}.{}", l.id, opt.key);
                match old.options.iter().find(|x| x.key == opt.key) {
                    None => self.push(
                        "option_added",
                        opath,
                        format!("list {}: option {} added", l.id, opt.key),
                    ),
                    Some(x) => {
                        let subject = format!("list {}", l.id);
                        let what = format!("option {}", opt.key);
                        self.text_change(&opath, &subject, &what, &x.text, &opt.text);
                    }
                }
            }
            for x in &old.options {
                if !l.options.iter().any(|opt| opt.key == x.key) {
                    self.push(
                        "option_removed",
                        format!("list:{}.{}", l.id, x.key),
                        format!("list {}: option {} removed", l.id, x.key),
                    );
                }
            }
            let common_old: Vec<&str> = old
                .options
                .iter()
                .filter(|x| l.options.iter().any(|y| y.key == x.key))
                .map(|x| x.key.as_str())
                .collect();
            let common_new: Vec<&str> = l
                .options
                .iter()
                .filter(|y| old.options.iter().any(|x| x.key == y.key))
                .map(|y| y.key.as_str())
                .collect();
            if common_old != common_new {
                self.push(
                    "options_reordered",
                    path,
                    format!("list {}: options reordered", l.id),
                );
            }
        }
        for l in &o.lists {
            if n.list(&l.id).is_none() {
                self.push(
                    "list_removed",
                    format!("list:{}", l.id),
                    format!("list {}: removed", l.id),
                );
            }
        }
    }

    fn pages(&mut self) {
        let (o, n) = (self.o.model, self.n.model);
        for p in &n.pages {
            let path = format!("page:{}", p.id);
            let Some(q) = o.pages.iter().find(|q| q.id == p.id) else {
                self.push("page_added", path, format!("page {}: added", p.id));
                continue;
            };
            let subject = format!("page {}", p.id);
            self.text_change(&path, &subject, "title", &q.title, &p.title);
            if q.visible != p.visible {
                self.push(
                    "visibility_changed",
                    path,
                    format!(
                        "page {}: visible when {} -> {}",
                        p.id,
                        cond(&q.visible),
                        cond(&p.visible)
                    ),
                );
            }
        }
        for q in &o.pages {
            if !n.pages.iter().any(|p| p.id == q.id) {
                self.push(
                    "page_removed",
                    format!("page:{}", q.id),
                    format!("page {}: removed", q.id),
                );
            }
        }
        let order = |a: &FormModel, b: &FormModel| -> Vec<String> {
            a.pages
                .iter()
                .filter(|p| b.pages.iter().any(|q| q.id == p.id))
                .map(|p| p.id.clone())
                .collect()
        };
        if order(o, n) != order(n, o) {
            self.push(
                "pages_reordered",
                "form",
                format!("form: pages reordered ({})", order(n, o).join(", ")),
            );
        }
    }

    fn nodes(&mut self) {
        let (o, n) = (self.o, self.n);
        for node in &n.nodes {
            match o.get(&node.path) {
                None => self.added(node),
                Some(old) => match (old.node, node.node) {
                    (NodeRef::Field(a), NodeRef::Field(b)) => self.field(old, node, a, b),
                    (NodeRef::Group(a), NodeRef::Group(b)) => self.group(old, node, a, b),
                    (NodeRef::Field(_), NodeRef::Group(_)) => self.push(
                        "type_changed",
                        node.path.clone(),
                        format!("{}: was a field, is now a group", noun(node)),
                    ),
                    (NodeRef::Group(_), NodeRef::Field(_)) => self.push(
                        "type_changed",
                        node.path.clone(),
                        format!("{}: was a group, is now a field", noun(node)),
                    ),
                },
            }
        }
        for old in &o.nodes {
            if n.get(&old.path).is_some() {
                continue;
            }
            // Inside a removed group: the group is reported.
            if old
                .parent
                .is_some_and(|p| n.get(&o.nodes[p].path).is_none())
            {
                continue;
            }
            match old.node {
                NodeRef::Field(_) => self.push(
                    "field_removed",
                    old.path.clone(),
                    format!("field {}: removed", old.path),
                ),
                NodeRef::Group(g) => {
                    let fields = count_fields(&g.items);
                    let s = if fields == 1 { "" } else { "s" };
                    self.push(
                        "group_removed",
                        old.path.clone(),
                        format!("group {}: removed (with {fields} field{s})", old.path),
                    );
                }
            }
        }
    }

    /// Whether the node sits in a repeated group that the old version does not have
    /// (existing data has no items of it).
    fn in_new_repeat(&self, node: &Node<'_>) -> bool {
        node.repeat
            .is_some_and(|r| self.o.get(&self.n.nodes[r].path).is_none())
    }

    /// Whether one of the conditions cannot hold for data of the old version.
    fn never_for_old_data(&self, conds: &[&Expr]) -> bool {
        conds
            .iter()
            .any(|c| !maybe_truthy(abs_eval(c, &self.unset, 0)))
    }

    fn added(&mut self, node: &Node<'_>) {
        let path = node.path.clone();
        match node.node {
            NodeRef::Field(f) => {
                let Some(req) = requirement(node, f) else {
                    self.push("field_added", path, format!("field {}: added", node.path));
                    return;
                };
                if f.default.is_some() || f.value.is_some() {
                    self.push(
                        "field_added",
                        path,
                        format!(
                            "field {}: added, required but filled by its {}",
                            node.path,
                            if f.value.is_some() {
                                "computed value"
                            } else {
                                "default"
                            }
                        ),
                    );
                } else if self.in_new_repeat(node) {
                    self.push(
                        "field_added",
                        path,
                        format!(
                            "field {}: added, required in items of a new repeated group",
                            node.path
                        ),
                    );
                } else if self.never_for_old_data(&req) {
                    self.push(
                        "field_added",
                        path,
                        format!(
                            "field {}: added, required only when {} (never for existing data)",
                            node.path,
                            conj(&req)
                        ),
                    );
                } else {
                    let when = if req.is_empty() {
                        String::new()
                    } else {
                        format!(" when {}", conj(&req))
                    };
                    self.push(
                        "required_field_added",
                        path,
                        format!("field {}: added, required{when}", node.path),
                    );
                }
            }
            NodeRef::Group(g) => {
                let mut conds = node.conds.clone();
                conds.extend(g.visible.iter());
                match g.repeat {
                    Some(Repeat { min, .. })
                        if min > 0
                            && !self.in_new_repeat(node)
                            && !self.never_for_old_data(&conds) =>
                    {
                        self.push(
                            "required_group_added",
                            path,
                            format!(
                                "group {}: added, with at least {min} item{}",
                                node.path,
                                if min == 1 { "" } else { "s" }
                            ),
                        )
                    }
                    _ => self.push("group_added", path, format!("group {}: added", node.path)),
                }
            }
        }
    }

    fn moved(&mut self, old: &Node<'_>, new: &Node<'_>, kind: &'static str) {
        if new.parent.is_none() && old.page != new.page {
            self.push(
                kind,
                new.path.clone(),
                format!(
                    "{}: moved from page {} to page {}",
                    noun(new),
                    old.page,
                    new.page
                ),
            );
        }
    }

    fn group(&mut self, on: &Node<'_>, nn: &Node<'_>, a: &Group, b: &Group) {
        let path = nn.path.clone();
        let subject = noun(nn);
        self.moved(on, nn, "group_moved");
        self.text_change(&path, &subject, "title", &a.title, &b.title);
        self.opt_text_change(&path, &subject, "hint", &a.hint, &b.hint);
        if a.fim != b.fim {
            self.push(
                "fim_changed",
                path.clone(),
                format!("{subject}: fim {} -> {}", fim(&a.fim), fim(&b.fim)),
            );
        }
        if a.visible != b.visible {
            self.push(
                "visibility_changed",
                path.clone(),
                format!(
                    "{subject}: visible when {} -> {}",
                    cond(&a.visible),
                    cond(&b.visible)
                ),
            );
        }
        match (a.repeat, b.repeat) {
            (None, None) => {}
            (None, Some(r)) => self.push(
                "type_changed",
                path,
                format!(
                    "{subject}: now repeated {} (an array in the data)",
                    repeat(r)
                ),
            ),
            (Some(r), None) => self.push(
                "type_changed",
                path,
                format!("{subject}: no longer repeated (was {})", repeat(r)),
            ),
            (Some(x), Some(y)) => {
                self.bound(
                    &path,
                    &subject,
                    "repeat min",
                    Some(x.min),
                    Some(y.min),
                    true,
                );
                self.bound(&path, &subject, "repeat max", x.max, y.max, false);
            }
        }
    }

    /// Compares a numeric bound: a lower bound (`lower`) tightens when it grows, an upper
    /// one when it shrinks; a new bound tightens, a dropped one loosens.
    fn bound<T: Ord + std::fmt::Display>(
        &mut self,
        path: &str,
        subject: &str,
        what: &str,
        old: Option<T>,
        new: Option<T>,
        lower: bool,
    ) {
        let (kind, message) = match (old, new) {
            (None, None) => return,
            (None, Some(n)) => (
                "limit_tightened",
                format!("{subject}: new {what} {n} (tightened)"),
            ),
            (Some(o), None) => (
                "limit_loosened",
                format!("{subject}: {what} {o} removed (loosened)"),
            ),
            (Some(o), Some(n)) => {
                let tighter = match o.cmp(&n) {
                    Ordering::Equal => return,
                    Ordering::Less => lower,
                    Ordering::Greater => !lower,
                };
                if tighter {
                    (
                        "limit_tightened",
                        format!("{subject}: {what} {o} -> {n} (tightened)"),
                    )
                } else {
                    (
                        "limit_loosened",
                        format!("{subject}: {what} {o} -> {n} (loosened)"),
                    )
                }
            }
        };
        self.push(kind, path, message);
    }

    /// `min` / `max` as expressions: literals compared, anything else `limit_changed`.
    fn expr_bound(
        &mut self,
        path: &str,
        subject: &str,
        what: &str,
        old: &Option<Expr>,
        new: &Option<Expr>,
        lower: bool,
    ) {
        if old == new {
            return;
        }
        match (old, new) {
            (Some(a), Some(b)) => match (literal(a), literal(b)) {
                (Some(x), Some(y)) => match lit_cmp(&x, &y) {
                    Some(Ordering::Equal) => {}
                    Some(ord) => {
                        let tighter = (ord == Ordering::Less) == lower;
                        let (kind, how) = if tighter {
                            ("limit_tightened", "tightened")
                        } else {
                            ("limit_loosened", "loosened")
                        };
                        self.push(
                            kind,
                            path,
                            format!("{subject}: {what} {} -> {} ({how})", lit(&x), lit(&y)),
                        );
                    }
                    None => self.push(
                        "limit_changed",
                        path,
                        format!("{subject}: {what} {} -> {}", show(a), show(b)),
                    ),
                },
                _ => self.push(
                    "limit_changed",
                    path,
                    format!("{subject}: {what} {} -> {}", show(a), show(b)),
                ),
            },
            (None, Some(b)) => self.push(
                "limit_tightened",
                path,
                format!("{subject}: new {what} {} (tightened)", show(b)),
            ),
            (Some(a), None) => self.push(
                "limit_loosened",
                path,
                format!("{subject}: {what} {} removed (loosened)", show(a)),
            ),
            (None, None) => {}
        }
    }

    fn field(&mut self, on: &Node<'_>, nn: &Node<'_>, a: &Field, b: &Field) {
        let path = nn.path.clone();
        let subject = noun(nn);
        self.moved(on, nn, "field_moved");
        if a.ty != b.ty {
            self.field_type(&path, &subject, &a.ty, &b.ty);
        }
        self.requirement(on, nn, a, b);
        self.text_change(&path, &subject, "label", &a.label, &b.label);
        self.opt_text_change(&path, &subject, "hint", &a.hint, &b.hint);
        let limits = self.changes.len();
        self.expr_bound(&path, &subject, "min", &a.min, &b.min, true);
        self.expr_bound(&path, &subject, "max", &a.max, &b.max, false);
        self.bound(&path, &subject, "minlength", a.minlength, b.minlength, true);
        self.bound(
            &path,
            &subject,
            "maxlength",
            a.maxlength,
            b.maxlength,
            false,
        );
        self.bound(&path, &subject, "maxsize", a.maxsize, b.maxsize, false);
        self.pattern(&path, &subject, &a.pattern, &b.pattern);
        self.accept(&path, &subject, &a.accept, &b.accept);
        if never_shown(on, a) && never_shown(nn, b) {
            // A field that is never shown is never validated (an adaptation hid it).
            for c in &mut self.changes[limits..] {
                if matches!(c.kind, "limit_tightened" | "limit_loosened") {
                    c.kind = "limit_changed";
                    c.class = class_of(c.kind);
                    c.message.push_str(" (no effect: the field is never shown)");
                }
            }
        }
        if a.default != b.default {
            self.push(
                "default_changed",
                path.clone(),
                format!(
                    "{subject}: default {} -> {}",
                    opt_show(&a.default),
                    opt_show(&b.default)
                ),
            );
        }
        if a.value != b.value {
            self.push(
                "computed_changed",
                path.clone(),
                format!(
                    "{subject}: value = {} -> {}",
                    opt_show(&a.value),
                    opt_show(&b.value)
                ),
            );
        }
        if a.prefill != b.prefill {
            let p = |v: &Option<String>| {
                v.as_ref()
                    .map_or_else(|| "none".to_owned(), |s| format!("account.{s}"))
            };
            self.push(
                "prefill_changed",
                path.clone(),
                format!("{subject}: prefill {} -> {}", p(&a.prefill), p(&b.prefill)),
            );
        }
        if a.fim != b.fim {
            self.push(
                "fim_changed",
                path,
                format!("{subject}: fim {} -> {}", fim(&a.fim), fim(&b.fim)),
            );
        }
    }

    fn field_type(&mut self, path: &str, subject: &str, a: &FieldType, b: &FieldType) {
        let lists = match (a, b) {
            (FieldType::Choice { list: x }, FieldType::Choice { list: y })
            | (FieldType::Multichoice { list: x }, FieldType::Multichoice { list: y }) => {
                Some((x, y))
            }
            _ => None,
        };
        if let Some((x, y)) = lists {
            if let (Some(lx), Some(ly)) = (self.o.list(x), self.n.list(y)) {
                let lost: Vec<&str> = if lx.options.is_empty() {
                    if ly.options.is_empty() {
                        Vec::new()
                    } else {
                        vec!["(any code)"]
                    }
                } else {
                    lx.options
                        .iter()
                        .filter(|o| !ly.accepts(&o.key))
                        .map(|o| o.key.as_str())
                        .collect()
                };
                if lost.is_empty() {
                    self.push(
                        "choice_list_changed",
                        path,
                        format!(
                            "{subject}: {} -> {} (every old key accepted)",
                            a.name(),
                            b.name()
                        ),
                    );
                } else {
                    self.push(
                        "type_changed",
                        path,
                        format!(
                            "{subject}: {} -> {}; no longer accepted: {}",
                            a.name(),
                            b.name(),
                            lost.join(", ")
                        ),
                    );
                }
                return;
            }
        }
        self.push(
            "type_changed",
            path,
            format!("{subject}: type {} -> {}", a.name(), b.name()),
        );
    }

    fn requirement(&mut self, on: &Node<'_>, nn: &Node<'_>, a: &Field, b: &Field) {
        let path = nn.path.clone();
        let subject = noun(nn);
        let old = requirement(on, a);
        let new = requirement(nn, b);
        let own_req = a.required != b.required;
        let own_vis = a.visible != b.visible;
        // A default or a computed value fills the field when existing data lacks it.
        let filled = b.default.is_some() || b.value.is_some();
        let widened = match (&old, &new) {
            (_, None) => false,
            _ if filled => false,
            (None, Some(n)) => !self.never_for_old_data(n),
            (Some(o), Some(n)) => !implies_all(n, o) && !self.never_for_old_data(n),
        };
        let req_text = |r: &Option<Required>, vis: &Option<Expr>| -> String {
            let mut s = match r {
                None => "optional".to_owned(),
                Some(Required::Always) => "required".to_owned(),
                Some(Required::When(c)) => format!("required when {}", show(c)),
            };
            if let Some(v) = vis {
                let _ = write!(s, ", visible when {}", show(v));
            }
            s
        };
        if widened {
            let message = if own_req || own_vis {
                format!(
                    "{subject}: {} -> {}",
                    req_text(&a.required, &a.visible),
                    req_text(&b.required, &b.visible)
                )
            } else {
                format!(
                    "{subject}: required in more cases (the visibility of its page or group changed: {})",
                    new.as_deref().map_or_else(String::new, conj)
                )
            };
            let kind = if old.is_none() {
                "made_required"
            } else {
                "required_widened"
            };
            self.push(kind, path, message);
            return;
        }
        if own_req {
            // Not widened: optional now, or required in no case existing data reaches
            // beyond the old ones.
            let kind = if new.is_none() {
                "made_optional"
            } else {
                "requirement_changed"
            };
            self.push(
                kind,
                path.clone(),
                format!(
                    "{subject}: {} -> {}",
                    req_text(&a.required, &None),
                    req_text(&b.required, &None)
                ),
            );
        }
        if own_vis {
            self.push(
                "visibility_changed",
                path,
                format!(
                    "{subject}: visible when {} -> {}",
                    cond(&a.visible),
                    cond(&b.visible)
                ),
            );
        }
    }

    fn pattern(&mut self, path: &str, subject: &str, a: &Option<Pattern>, b: &Option<Pattern>) {
        match (a, b) {
            (None, None) => {}
            (None, Some(p)) => self.push(
                "limit_tightened",
                path,
                format!("{subject}: new pattern {} (tightened)", quote(&p.regex)),
            ),
            (Some(p), None) => self.push(
                "limit_loosened",
                path,
                format!("{subject}: pattern {} removed (loosened)", quote(&p.regex)),
            ),
            (Some(p), Some(q)) => {
                if p.regex != q.regex {
                    self.push(
                        "limit_tightened",
                        path,
                        format!(
                            "{subject}: pattern {} -> {} (a changed pattern counts as tightened)",
                            quote(&p.regex),
                            quote(&q.regex)
                        ),
                    );
                }
                self.opt_text_change(path, subject, "pattern message", &p.message, &q.message);
            }
        }
    }

    fn accept(&mut self, path: &str, subject: &str, a: &[String], b: &[String]) {
        if a == b {
            return;
        }
        let show = |v: &[String]| {
            if v.is_empty() {
                "any type".to_owned()
            } else {
                v.join(", ")
            }
        };
        // An empty list accepts every media type.
        let covers = |set: &[String], t: &str| {
            set.is_empty()
                || set.iter().any(|s| {
                    s == t
                        || s == "*/*"
                        || s.strip_suffix("/*")
                            .is_some_and(|major| t.split('/').next() == Some(major))
                })
        };
        let narrowed = if a.is_empty() {
            !b.is_empty()
        } else {
            a.iter().any(|t| !covers(b, t))
        };
        let widened = if b.is_empty() {
            !a.is_empty()
        } else {
            b.iter().any(|t| !covers(a, t))
        };
        let (kind, how) = if narrowed {
            ("limit_tightened", "tightened")
        } else if widened {
            ("limit_loosened", "loosened")
        } else {
            // Same coverage, written differently.
            ("limit_loosened", "same types")
        };
        self.push(
            kind,
            path,
            format!("{subject}: accept {} -> {} ({how})", show(a), show(b)),
        );
    }

    fn containers(&mut self) {
        let (o, n) = (self.o, self.n);
        let empty = Container::default();
        let mut keys: Vec<&str> = n.containers.iter().map(|(k, _)| k.as_str()).collect();
        for (k, _) in &o.containers {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
        for key in keys {
            let find = |f: &'_ Flat<'_>| f.containers.iter().position(|(k, _)| k == key);
            let oc = find(o).map_or(&empty, |i| &o.containers[i].1);
            let nc = find(n).map_or(&empty, |i| &n.containers[i].1);
            let subject = match key.strip_prefix("page:") {
                Some(p) => format!("page {p}"),
                None if key == "form" => "form".to_owned(),
                None => format!("group {key}"),
            };
            if oc.infos != nc.infos {
                self.push(
                    "text_changed",
                    key,
                    format!("{subject}: info texts changed"),
                );
            }
            self.checks(key, &subject, &oc.checks, &nc.checks);
        }
    }

    fn checks(&mut self, key: &str, subject: &str, old: &[&Check], new: &[&Check]) {
        let mut old_left: Vec<&Check> = old.to_vec();
        let mut new_left: Vec<&Check> = Vec::new();
        for c in new {
            match old_left.iter().position(|o| o.condition == c.condition) {
                Some(i) => {
                    let o = old_left.remove(i);
                    if o.message != c.message {
                        let what = format!("check {} message", show(&c.condition));
                        self.text_change(key, subject, &what, &o.message, &c.message);
                    }
                }
                None => new_left.push(c),
            }
        }
        // A changed check: an old and a new one that test the same fields, in order.
        for c in new_left {
            let refs = refs_of(&c.condition);
            match old_left.iter().position(|o| refs_of(&o.condition) == refs) {
                Some(i) => {
                    let o = old_left.remove(i);
                    let message = format!(
                        "{subject}: check {} -> {}",
                        show(&o.condition),
                        show(&c.condition)
                    );
                    if implies(&o.condition, &c.condition, 0) {
                        self.push("check_loosened", key, message);
                    } else {
                        self.push("check_tightened", key, message);
                    }
                }
                None if always_for_old_data(&c.condition, &self.unset) => self.push(
                    "check_added_on_new_fields",
                    key,
                    format!(
                        "{subject}: new check {} (holds for existing data)",
                        show(&c.condition)
                    ),
                ),
                None => self.push(
                    "check_added",
                    key,
                    format!("{subject}: new check {}", show(&c.condition)),
                ),
            }
        }
        for o in old_left {
            self.push(
                "check_removed",
                key,
                format!("{subject}: check {} removed", show(&o.condition)),
            );
        }
    }

    fn fees(&mut self) {
        let (o, n) = (self.o.model, self.n.model);
        for f in &n.fees {
            let path = format!("fee:{}", f.id);
            let subject = format!("fee {}", f.id);
            match o.fees.iter().find(|g| g.id == f.id) {
                None => self.push(
                    "fee_added",
                    path,
                    format!("fee {}: added = {}", f.id, show(&f.amount)),
                ),
                Some(g) => {
                    self.text_change(&path, &subject, "label", &g.label, &f.label);
                    if g.amount != f.amount {
                        self.push(
                            "fee_changed",
                            path,
                            format!("fee {}: {} -> {}", f.id, show(&g.amount), show(&f.amount)),
                        );
                    }
                }
            }
        }
        for g in &o.fees {
            if !n.fees.iter().any(|f| f.id == g.id) {
                self.push(
                    "fee_removed",
                    format!("fee:{}", g.id),
                    format!("fee {}: removed", g.id),
                );
            }
        }
    }
}

/// The fields (and groups) an expression reads, sorted.
fn refs_of(e: &Expr) -> Vec<String> {
    let mut refs = Vec::new();
    e.for_each_ref(&mut |p| refs.push(p.to_owned()));
    refs.sort();
    refs.dedup();
    refs
}

/// Whether a field can never be shown: a condition on it or around it is `false` (as an
/// adaptation's `hide` writes it).
fn never_shown(node: &Node<'_>, f: &Field) -> bool {
    let none = HashSet::new();
    node.conds
        .iter()
        .copied()
        .chain(f.visible.iter())
        .any(|c| !maybe_truthy(abs_eval(c, &none, 0)))
}

/// The conditions under which a field is required (all must hold), `None` if never.
fn requirement<'a>(node: &Node<'a>, f: &'a Field) -> Option<Vec<&'a Expr>> {
    let r = f.required.as_ref()?;
    let mut conds = node.conds.clone();
    conds.extend(f.visible.iter());
    if let Required::When(c) = r {
        conds.push(c);
    }
    Some(conds)
}

fn count_fields(items: &[Item]) -> usize {
    items
        .iter()
        .map(|i| match i {
            Item::Field(_) => 1,
            Item::Group(g) => count_fields(&g.items),
            _ => 0,
        })
        .sum()
}

// ------------------------------------------------------------------ reasoning about conditions

/// How deep the structural reasoning goes before giving up (expressions are bounded by
/// the parser, but artifacts may come from elsewhere).
const MAX_DEPTH: usize = 64;

/// What is known about a condition's value for data of the old version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Abs {
    /// Certainly no value.
    NoValue,
    /// Certainly true.
    True,
    /// Certainly false.
    False,
    /// Anything.
    Unknown,
}

fn maybe_truthy(a: Abs) -> bool {
    !matches!(a, Abs::NoValue | Abs::False)
}

/// Evaluates a condition knowing only that the fields in `unset` have no value, with the
/// evaluator's rules: comparisons with no value are false, arithmetic with no value has
/// none, only `true` is truthy.
fn abs_eval(e: &Expr, unset: &HashSet<String>, depth: usize) -> Abs {
    if depth > MAX_DEPTH {
        return Abs::Unknown;
    }
    let ev = |x: &Expr| abs_eval(x, unset, depth + 1);
    match e {
        Expr::Lit(Lit::Bool(true)) => Abs::True,
        Expr::Lit(Lit::Bool(false)) => Abs::False,
        Expr::Lit(_) | Expr::Param(_) | Expr::List(_) | Expr::Aggregate { .. } => Abs::Unknown,
        Expr::Field(p) if unset.contains(p) => Abs::NoValue,
        Expr::IsSet(p) if unset.contains(p) => Abs::False,
        Expr::Field(_) | Expr::IsSet(_) => Abs::Unknown,
        Expr::Unary { op: UnOp::Not, arg } => match ev(arg) {
            Abs::True => Abs::False,
            Abs::False | Abs::NoValue => Abs::True,
            Abs::Unknown => Abs::Unknown,
        },
        Expr::Unary { op: UnOp::Neg, arg } => match ev(arg) {
            Abs::NoValue => Abs::NoValue,
            _ => Abs::Unknown,
        },
        Expr::Binary {
            op: BinOp::And,
            lhs,
            rhs,
        } => {
            let (a, b) = (ev(lhs), ev(rhs));
            if !maybe_truthy(a) || !maybe_truthy(b) {
                Abs::False
            } else if a == Abs::True && b == Abs::True {
                Abs::True
            } else {
                Abs::Unknown
            }
        }
        Expr::Binary {
            op: BinOp::Or,
            lhs,
            rhs,
        } => {
            let (a, b) = (ev(lhs), ev(rhs));
            if a == Abs::True || b == Abs::True {
                Abs::True
            } else if !maybe_truthy(a) && !maybe_truthy(b) {
                Abs::False
            } else {
                Abs::Unknown
            }
        }
        Expr::Binary { op, lhs, rhs } => {
            let none = ev(lhs) == Abs::NoValue || ev(rhs) == Abs::NoValue;
            match (none, op.is_comparison()) {
                (true, true) => Abs::False,
                (true, false) => Abs::NoValue,
                _ => Abs::Unknown,
            }
        }
        Expr::In { arg, .. } => match ev(arg) {
            Abs::NoValue => Abs::False,
            _ => Abs::Unknown,
        },
        Expr::Call { func, args } => match func {
            Func::Age | Func::Round if args.first().is_some_and(|a| ev(a) == Abs::NoValue) => {
                Abs::NoValue
            }
            _ => Abs::Unknown,
        },
    }
}

/// Whether a check's condition holds for every submission of the old version.
fn always_for_old_data(e: &Expr, unset: &HashSet<String>) -> bool {
    abs_eval(e, unset, 0) == Abs::True
}

/// Whether the conjunction `new` implies every condition of `old`.
fn implies_all(new: &[&Expr], old: &[&Expr]) -> bool {
    old.iter().all(|o| new.iter().any(|n| implies(n, o, 0)))
}

/// Whether `a` holding means `b` holds, as far as the structure shows (sound, not
/// complete: `false` means "not proved").
fn implies(a: &Expr, b: &Expr, depth: usize) -> bool {
    if a == b {
        return true;
    }
    if depth > MAX_DEPTH {
        return false;
    }
    let d = depth + 1;
    if matches!(b, Expr::Lit(Lit::Bool(true))) || matches!(a, Expr::Lit(Lit::Bool(false))) {
        return true;
    }
    if let Expr::Binary {
        op: BinOp::And,
        lhs,
        rhs,
    } = b
    {
        return implies(a, lhs, d) && implies(a, rhs, d);
    }
    if let Expr::Binary {
        op: BinOp::Or,
        lhs,
        rhs,
    } = a
    {
        return implies(lhs, b, d) && implies(rhs, b, d);
    }
    if let Expr::Binary {
        op: BinOp::And,
        lhs,
        rhs,
    } = a
    {
        if implies(lhs, b, d) || implies(rhs, b, d) {
            return true;
        }
    }
    if let Expr::Binary {
        op: BinOp::Or,
        lhs,
        rhs,
    } = b
    {
        if implies(a, lhs, d) || implies(a, rhs, d) {
            return true;
        }
    }
    if let (
        Expr::Unary {
            op: UnOp::Not,
            arg: x,
        },
        Expr::Unary {
            op: UnOp::Not,
            arg: y,
        },
    ) = (a, b)
    {
        return implies(y, x, d);
    }
    match (atom(a), atom(b)) {
        (Some((sa, ca)), Some((sb, cb))) if sa == sb => constraint_implies(&ca, &cb),
        _ => false,
    }
}

/// A comparison of some subject with literals.
#[derive(Debug)]
enum Constraint {
    Cmp(BinOp, Lit),
    In(Vec<Lit>),
}

/// `subject OP literal` (either side), or `subject in [literals]`.
fn atom(e: &Expr) -> Option<(&Expr, Constraint)> {
    match e {
        Expr::Binary { op, lhs, rhs } if op.is_comparison() => {
            if let Some(l) = literal(rhs) {
                Some((lhs, Constraint::Cmp(*op, l)))
            } else {
                let l = literal(lhs)?;
                let flipped = match op {
                    BinOp::Lt => BinOp::Gt,
                    BinOp::Le => BinOp::Ge,
                    BinOp::Gt => BinOp::Lt,
                    BinOp::Ge => BinOp::Le,
                    other => *other,
                };
                Some((rhs, Constraint::Cmp(flipped, l)))
            }
        }
        Expr::In { arg, list } => match &**list {
            Expr::List(items) => {
                let lits: Option<Vec<Lit>> = items.iter().map(literal).collect();
                Some((arg, Constraint::In(lits?)))
            }
            _ => None,
        },
        _ => None,
    }
}

fn constraint_implies(a: &Constraint, b: &Constraint) -> bool {
    use BinOp::{Eq, Ge, Gt, Le, Lt, Ne};
    let same = |x: &Lit, y: &Lit| lit_cmp(x, y) == Some(Ordering::Equal);
    let differ = |x: &Lit, y: &Lit| match lit_cmp(x, y) {
        Some(o) => o != Ordering::Equal,
        None => std::mem::discriminant(x) == std::mem::discriminant(y) && x != y,
    };
    match (a, b) {
        (Constraint::In(xs), Constraint::In(ys)) => {
            xs.iter().all(|x| ys.iter().any(|y| same(x, y)))
        }
        (Constraint::In(xs), Constraint::Cmp(Eq, y)) => {
            !xs.is_empty() && xs.iter().all(|x| same(x, y))
        }
        (Constraint::In(xs), Constraint::Cmp(Ne, y)) => xs.iter().all(|x| differ(x, y)),
        (Constraint::Cmp(Eq, x), Constraint::In(ys)) => ys.iter().any(|y| same(x, y)),
        (Constraint::Cmp(Eq, x), Constraint::Cmp(op, y)) => {
            let Some(ord) = lit_cmp(x, y) else {
                return *op == Ne && differ(x, y);
            };
            match op {
                Eq => ord == Ordering::Equal,
                Ne => ord != Ordering::Equal,
                Lt => ord == Ordering::Less,
                Le => ord != Ordering::Greater,
                Gt => ord == Ordering::Greater,
                Ge => ord != Ordering::Less,
                _ => false,
            }
        }
        (Constraint::Cmp(opa, x), Constraint::Cmp(opb, y)) => {
            let Some(ord) = lit_cmp(x, y) else {
                return false;
            };
            // x OPA v implies v OPB y, for the ranges of v.
            match (opa, opb) {
                (Gt, Gt) | (Gt, Ge) | (Ge, Ge) => ord != Ordering::Less,
                (Ge, Gt) => ord == Ordering::Greater,
                (Lt, Lt) | (Lt, Le) | (Le, Le) => ord != Ordering::Greater,
                (Le, Lt) => ord == Ordering::Less,
                (Gt, Ne) => ord != Ordering::Less,
                (Ge, Ne) => ord == Ordering::Greater,
                (Lt, Ne) => ord != Ordering::Greater,
                (Le, Ne) => ord == Ordering::Less,
                _ => false,
            }
        }
        _ => false,
    }
}

/// A literal value, including a negated number.
fn literal(e: &Expr) -> Option<Lit> {
    match e {
        Expr::Lit(l) => Some(l.clone()),
        Expr::Unary { op: UnOp::Neg, arg } => match &**arg {
            Expr::Lit(Lit::Number(n)) => Some(Lit::Number(-*n)),
            _ => None,
        },
        _ => None,
    }
}

/// Order of two numbers or two dates; equality of two texts or truth values.
fn lit_cmp(a: &Lit, b: &Lit) -> Option<Ordering> {
    match (a, b) {
        (Lit::Number(x), Lit::Number(y)) => Some(x.cmp(y)),
        (Lit::Date(x), Lit::Date(y)) => Some(x.cmp(y)),
        (Lit::Text(x), Lit::Text(y)) if x == y => Some(Ordering::Equal),
        (Lit::Bool(x), Lit::Bool(y)) if x == y => Some(Ordering::Equal),
        _ => None,
    }
}

// ------------------------------------------------------------------ showing

fn lit(l: &Lit) -> String {
    match l {
        Lit::Text(s) => quote(s),
        Lit::Number(n) => n.to_string(),
        Lit::Date(d) => crate::expr::date_str::text(*d),
        Lit::Bool(b) => b.to_string(),
    }
}

fn fim(f: &Option<crate::model::FimRef>) -> String {
    match f {
        None => "none".to_owned(),
        Some(f) => match &f.version {
            Some(v) => format!("{} version {v}", f.id),
            None => f.id.clone(),
        },
    }
}

fn repeat(r: Repeat) -> String {
    match r.max {
        Some(max) => format!("{}..{max}", r.min),
        None => format!("{}..", r.min),
    }
}

fn cond(e: &Option<Expr>) -> String {
    e.as_ref().map_or_else(|| "(always)".to_owned(), show)
}

fn opt_show(e: &Option<Expr>) -> String {
    e.as_ref().map_or_else(|| "none".to_owned(), show)
}

fn conj(conds: &[&Expr]) -> String {
    if conds.is_empty() {
        return "true".to_owned();
    }
    conds
        .iter()
        .map(|c| {
            let s = show(c);
            if conds.len() > 1 && level(c) < 1 {
                format!("({s})")
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Binding strength, loosest first: `or`, `and`, `not`, comparisons and `in`, `+ -`,
/// `* /`, unary `-`, atoms (as the parser reads them).
fn level(e: &Expr) -> u8 {
    match e {
        Expr::Binary { op, .. } => match op {
            BinOp::Or => 0,
            BinOp::And => 1,
            BinOp::Add | BinOp::Sub => 4,
            BinOp::Mul | BinOp::Div => 5,
            _ => 3,
        },
        Expr::Unary { op: UnOp::Not, .. } => 2,
        Expr::In { .. } => 3,
        Expr::Unary { op: UnOp::Neg, .. } => 6,
        _ => 7,
    }
}

/// An expression as a form author would write it.
pub fn show(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, e, 0, 0);
    out
}

fn write_expr(out: &mut String, e: &Expr, min: u8, depth: usize) {
    if depth > MAX_DEPTH {
        out.push_str("...");
        return;
    }
    let d = depth + 1;
    let lv = level(e);
    let paren = lv < min;
    if paren {
        out.push('(');
    }
    match e {
        Expr::Lit(l) => out.push_str(&lit(l)),
        Expr::Field(p) | Expr::Param(p) => out.push_str(p),
        Expr::IsSet(p) => {
            let _ = write!(out, "is_set({p})");
        }
        Expr::Unary { op, arg } => {
            out.push_str(match op {
                UnOp::Not => "not ",
                UnOp::Neg => "-",
            });
            write_expr(out, arg, lv, d);
        }
        Expr::Binary { op, lhs, rhs } => {
            write_expr(out, lhs, lv, d);
            let _ = write!(out, " {} ", op.symbol());
            write_expr(out, rhs, lv + 1, d);
        }
        Expr::In { arg, list } => {
            write_expr(out, arg, lv, d);
            out.push_str(" in ");
            write_expr(out, list, lv + 1, d);
        }
        Expr::List(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, x, 0, d);
            }
            out.push(']');
        }
        Expr::Call { func, args } => {
            out.push_str(func.name());
            out.push('(');
            for (i, x) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, x, 0, d);
            }
            out.push(')');
        }
        Expr::Aggregate { func, group, expr } => {
            let name = match func {
                Aggregate::Count => "count",
                Aggregate::Sum => "sum",
                Aggregate::Any => "any",
                Aggregate::All => "all",
            };
            let _ = write!(out, "{name}(");
            match (func, expr) {
                (Aggregate::Sum, Some(x)) => write_expr(out, x, 0, d),
                (_, Some(x)) => {
                    let _ = write!(out, "{group}, ");
                    write_expr(out, x, 0, d);
                }
                (_, None) => out.push_str(group),
            }
            out.push(')');
        }
    }
    if paren {
        out.push(')');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_follow_cargo() {
        assert!(is_new_major("1.2.0", "2.0.0"));
        assert!(!is_new_major("1.2.0", "1.3.0"));
        assert!(is_new_major("0.3.1", "0.4.0"));
        assert!(!is_new_major("0.3.1", "0.3.2"));
        assert!(is_new_major("0.0.3", "0.0.4"));
        assert!(is_new_major("1.9.9", "2.0.0-rc.1"));
        assert!(!is_new_major("1.0", "2.0"));
        assert!(!is_new_major("2.0.0", "1.0.0"));
    }

    fn f(p: &str) -> Expr {
        Expr::Field(p.into())
    }
    fn t(s: &str) -> Expr {
        Expr::Lit(Lit::Text(s.into()))
    }
    fn n(v: i64) -> Expr {
        Expr::Lit(Lit::Number(v.into()))
    }
    fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
        Expr::Binary {
            op,
            lhs: Box::new(a),
            rhs: Box::new(b),
        }
    }

    #[test]
    fn implication_is_structural_and_sound() {
        let ehe = bin(BinOp::Eq, f("art"), t("ehe"));
        let geb = bin(BinOp::Eq, f("art"), t("geburt"));
        let either = Expr::In {
            arg: Box::new(f("art")),
            list: Box::new(Expr::List(vec![t("ehe"), t("geburt")])),
        };
        assert!(implies(&ehe, &either, 0));
        assert!(!implies(&either, &ehe, 0));
        assert!(implies(&bin(BinOp::And, ehe.clone(), geb.clone()), &ehe, 0));
        assert!(!implies(&bin(BinOp::Or, ehe.clone(), geb.clone()), &ehe, 0));
        assert!(implies(&ehe, &bin(BinOp::Or, geb.clone(), ehe.clone()), 0));
        assert!(implies(&ehe, &bin(BinOp::Ne, f("art"), t("sterbe")), 0));
        let gt5 = bin(BinOp::Gt, f("x"), n(5));
        let ge3 = bin(BinOp::Ge, f("x"), n(3));
        assert!(implies(&gt5, &ge3, 0));
        assert!(!implies(&ge3, &gt5, 0));
        // 3 < x is x > 3.
        assert!(implies(&gt5, &bin(BinOp::Lt, n(3), f("x")), 0));
    }

    #[test]
    fn new_fields_have_no_value_in_old_data() {
        let unset: HashSet<String> = ["neu".to_owned()].into();
        let c = bin(BinOp::Eq, f("neu"), t("ja"));
        assert!(!maybe_truthy(abs_eval(&c, &unset, 0)));
        let not_set = Expr::Unary {
            op: UnOp::Not,
            arg: Box::new(Expr::IsSet("neu".into())),
        };
        assert_eq!(abs_eval(&not_set, &unset, 0), Abs::True);
        assert_eq!(
            abs_eval(&bin(BinOp::Eq, f("alt"), t("ja")), &unset, 0),
            Abs::Unknown
        );
    }

    #[test]
    fn shows_expressions_with_needed_parentheses() {
        let e = bin(
            BinOp::Mul,
            bin(BinOp::Add, f("a"), n(1)),
            Expr::Unary {
                op: UnOp::Neg,
                arg: Box::new(f("b")),
            },
        );
        assert_eq!(show(&e), "(a + 1) * -b");
        let e = Expr::Unary {
            op: UnOp::Not,
            arg: Box::new(bin(BinOp::Or, f("a"), f("b"))),
        };
        assert_eq!(show(&e), "not (a or b)");
        assert_eq!(
            show(&bin(BinOp::Sub, f("a"), bin(BinOp::Sub, f("b"), f("c")))),
            "a - (b - c)"
        );
    }
}
