//! The symbol table: every field and group of a form, by container, so names resolve
//! lexically (innermost group first, then outwards to the form, then parameters).

use efa_core::model::FieldType;
use rustc_hash::FxHashMap;

use crate::span::Span;

/// Index of a symbol.
pub(crate) type SymId = usize;

#[derive(Debug, Clone)]
pub(crate) enum SymKind {
    Field(FieldType),
    Group { repeated: bool },
}

#[derive(Debug, Clone)]
pub(crate) struct Sym {
    pub kind: SymKind,
    /// Dotted data path.
    pub path: String,
    /// The id where it is declared.
    pub span: Span,
    /// The enclosing group.
    pub parent: Option<SymId>,
}

/// All fields and groups; containers map keys to symbols.
#[derive(Debug, Default)]
pub(crate) struct Symbols {
    pub syms: Vec<Sym>,
    /// Children of the form (key `None`) and of each group.
    pub children: FxHashMap<Option<SymId>, FxHashMap<String, SymId>>,
}

impl Symbols {
    pub fn child(&self, container: Option<SymId>, key: &str) -> Option<SymId> {
        self.children.get(&container)?.get(key).copied()
    }

    /// The chain of containers from `inner` outwards, ending with the form (`None`).
    pub fn chain(&self, inner: Option<SymId>) -> Vec<Option<SymId>> {
        let mut out = vec![inner];
        let mut cur = inner;
        while let Some(c) = cur {
            cur = self.syms[c].parent;
            out.push(cur);
        }
        out
    }

    /// Whether `group` is `inner` or encloses it.
    pub fn encloses(&self, group: SymId, inner: Option<SymId>) -> bool {
        let mut cur = inner;
        while let Some(c) = cur {
            if c == group {
                return true;
            }
            cur = self.syms[c].parent;
        }
        false
    }

    /// The innermost repeated group enclosing `sym` (or being it).
    pub fn repeated_ancestor(&self, sym: SymId) -> Option<SymId> {
        let mut cur = Some(sym);
        while let Some(c) = cur {
            if matches!(self.syms[c].kind, SymKind::Group { repeated: true }) {
                return Some(c);
            }
            cur = self.syms[c].parent;
        }
        None
    }

    /// All names in a container chain, for "did you mean" hints.
    pub fn names_in(&self, chain: &[Option<SymId>]) -> Vec<String> {
        let mut out = Vec::new();
        for c in chain {
            if let Some(m) = self.children.get(c) {
                out.extend(m.keys().cloned());
            }
        }
        out
    }
}

/// The closest candidate within a small edit distance, for hints.
pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(name, c);
        let limit = (name.chars().count().max(3) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
