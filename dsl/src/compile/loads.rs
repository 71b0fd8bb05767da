//! A cheap first answer to "will [`efa_core::Form::new`] accept this model?".
//!
//! The compiler loads every model it produces to find cycles between computed values and
//! visibility conditions (E0008). `Form::new` also indexes the whole form for evaluation
//! (copies of every field, compiled patterns, lookup tables), which costs more than the
//! rest of the compilation. [`surely_loads`] repeats only its checks, without building
//! anything: node ids in document order, duplicate keys, reference resolution in scopes,
//! lists, patterns and the dependency order. When it says yes, `Form::new` would have
//! succeeded; otherwise the caller runs `Form::new` itself, so every diagnostic, cycle
//! paths included, comes from the same place as before.
//!
//! Keep it in step with `Form::new` (core/src/form.rs): it may be stricter, never looser.

use rustc_hash::{FxHashMap, FxHashSet};

use efa_core::expr::Expr;
use efa_core::model::{FieldType, FormModel, Item, Required};

/// A page, group or field, numbered in document order like `Form::new`'s nodes.
struct Node {
    scope: usize,
    /// For a repeated group: the scope of its items.
    child_scope: Option<usize>,
    is_group: bool,
}

struct Check<'m> {
    model: &'m FormModel,
    nodes: Vec<Node>,
    /// Parent of each scope (scope 0 is the form).
    scopes: Vec<Option<usize>>,
    /// Dotted data path (through groups) to node.
    by_path: FxHashMap<String, usize>,
    /// Keys per container (`None`: the form): a second one is a duplicate.
    keys: FxHashSet<(Option<usize>, &'m str)>,
    /// What each node's evaluation reads (parents included).
    deps: Vec<Vec<usize>>,
    /// Expressions to resolve once every node is known: (node, expression, scope,
    /// whether it adds dependencies).
    exprs: Vec<(Option<usize>, &'m Expr, usize)>,
    lists_ok: bool,
}

/// Whether `Form::new(model)` surely succeeds. `pattern_ok` checks one pattern as
/// `Form::new` compiles it.
pub(super) fn surely_loads(model: &FormModel, pattern_ok: &mut dyn FnMut(&str) -> bool) -> bool {
    let mut c = Check {
        model,
        nodes: Vec::new(),
        scopes: vec![None],
        by_path: FxHashMap::default(),
        keys: FxHashSet::default(),
        deps: Vec::new(),
        exprs: Vec::new(),
        lists_ok: true,
    };
    for page in &model.pages {
        let id = c.node(None, 0, None, false);
        if let Some(e) = &page.visible {
            c.exprs.push((Some(id), e, 0));
        }
        if !c.items(&page.items, id, None, 0, "", pattern_ok) {
            return false;
        }
    }
    if !c.lists_ok {
        return false;
    }
    for check in &model.checks {
        c.exprs.push((None, &check.condition, 0));
    }
    for fee in &model.fees {
        c.exprs.push((None, &fee.amount, 0));
    }
    let exprs = std::mem::take(&mut c.exprs);
    for (dep_of, e, scope) in exprs {
        let mut deps = Vec::new();
        if !c.resolve(e, scope, &mut deps) {
            return false;
        }
        if let Some(id) = dep_of {
            c.deps[id].extend(deps);
        }
    }
    acyclic(&c.deps)
}

impl<'m> Check<'m> {
    fn node(
        &mut self,
        parent: Option<usize>,
        scope: usize,
        child_scope: Option<usize>,
        is_group: bool,
    ) -> usize {
        self.nodes.push(Node {
            scope,
            child_scope,
            is_group,
        });
        self.deps.push(parent.into_iter().collect());
        self.nodes.len() - 1
    }

    /// Registers a key in its container; false for a duplicate.
    fn register(
        &mut self,
        container: Option<usize>,
        key: &'m str,
        path: String,
        id: usize,
    ) -> bool {
        if !self.keys.insert((container, key)) {
            return false;
        }
        self.by_path.insert(path, id);
        true
    }

    fn items(
        &mut self,
        items: &'m [Item],
        parent: usize,
        container: Option<usize>,
        scope: usize,
        prefix: &str,
        pattern_ok: &mut dyn FnMut(&str) -> bool,
    ) -> bool {
        for item in items {
            match item {
                Item::Field(f) => {
                    let id = self.node(Some(parent), scope, None, false);
                    if !self.register(container, &f.id, join(prefix, &f.id), id) {
                        return false;
                    }
                    if let Some(e) = &f.visible {
                        self.exprs.push((Some(id), e, scope));
                    }
                    if let Some(Required::When(e)) = &f.required {
                        self.exprs.push((None, e, scope));
                    }
                    for e in [&f.min, &f.max].into_iter().flatten() {
                        self.exprs.push((None, e, scope));
                    }
                    for e in [&f.default, &f.value].into_iter().flatten() {
                        self.exprs.push((Some(id), e, scope));
                    }
                    if let Some(p) = &f.pattern {
                        if !pattern_ok(&p.regex) {
                            return false;
                        }
                    }
                    if let FieldType::Choice { list } | FieldType::Multichoice { list } = &f.ty {
                        self.lists_ok &= self.model.list(list).is_some();
                    }
                }
                Item::Group(g) => {
                    let path = join(prefix, &g.id);
                    let child_scope = g.repeat.map(|_| {
                        self.scopes.push(Some(scope));
                        self.scopes.len() - 1
                    });
                    let id = self.node(Some(parent), scope, child_scope, true);
                    if !self.register(container, &g.id, path.clone(), id) {
                        return false;
                    }
                    if let Some(e) = &g.visible {
                        self.exprs.push((Some(id), e, scope));
                    }
                    let inner = child_scope.unwrap_or(scope);
                    if !self.items(&g.items, id, Some(id), inner, &path, pattern_ok) {
                        return false;
                    }
                }
                Item::Info(_) => {}
                Item::Check(c) => {
                    let s = match container {
                        Some(g) => self.nodes[g].child_scope.unwrap_or(self.nodes[g].scope),
                        None => 0,
                    };
                    self.exprs.push((None, &c.condition, s));
                }
            }
        }
        true
    }

    fn is_ancestor_scope(&self, anc: usize, mut s: usize) -> bool {
        loop {
            if s == anc {
                return true;
            }
            match self.scopes[s] {
                Some(p) => s = p,
                None => return false,
            }
        }
    }

    /// The node at `path`, if it may be read from `scope`.
    fn lookup(&self, path: &str, scope: usize) -> Option<usize> {
        let id = *self.by_path.get(path)?;
        self.is_ancestor_scope(self.nodes[id].scope, scope)
            .then_some(id)
    }

    /// Whether `e` resolves in `scope`; collects the nodes it reads.
    fn resolve(&self, e: &Expr, scope: usize, deps: &mut Vec<usize>) -> bool {
        match e {
            Expr::Lit(_) => true,
            Expr::Field(p) | Expr::IsSet(p) => match self.lookup(p, scope) {
                Some(id) => {
                    deps.push(id);
                    true
                }
                None => false,
            },
            Expr::Param(name) => self.model.params.iter().any(|p| &p.name == name),
            Expr::Unary { arg, .. } => self.resolve(arg, scope, deps),
            Expr::Binary { lhs, rhs, .. } => {
                self.resolve(lhs, scope, deps) && self.resolve(rhs, scope, deps)
            }
            Expr::In { arg, list } => {
                self.resolve(arg, scope, deps) && self.resolve(list, scope, deps)
            }
            Expr::List(items) | Expr::Call { args: items, .. } => {
                items.iter().all(|i| self.resolve(i, scope, deps))
            }
            Expr::Aggregate { group, expr, .. } => {
                let Some(g) = self.lookup(group, scope) else {
                    return false;
                };
                let node = &self.nodes[g];
                let (true, Some(inner)) = (node.is_group, node.child_scope) else {
                    return false;
                };
                deps.push(g);
                expr.as_ref().is_none_or(|e| self.resolve(e, inner, deps))
            }
        }
    }
}

fn join(prefix: &str, id: &str) -> String {
    if prefix.is_empty() {
        id.to_owned()
    } else {
        format!("{prefix}.{id}")
    }
}

/// Whether the nodes can be ordered so that each comes after what it reads.
fn acyclic(deps: &[Vec<usize>]) -> bool {
    let n = deps.len();
    let mut indegree = vec![0usize; n];
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (id, ds) in deps.iter().enumerate() {
        for &d in ds {
            indegree[id] += 1;
            users[d].push(id);
        }
    }
    let mut ready: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut done = 0;
    while let Some(id) = ready.pop() {
        done += 1;
        for &u in &users[id] {
            indegree[u] -= 1;
            if indegree[u] == 0 {
                ready.push(u);
            }
        }
    }
    done == n
}
