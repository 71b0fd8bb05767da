//! What a page needs to know about a submission while it is being filled in: which
//! pages, groups and fields are visible, what computed values and defaults come to, and
//! the fees. The same for the server's renderer and the browser runtime.

use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::eval::State;
use crate::form::{Form, NodeId, NodeKind};
use crate::validate::{cell_json, FeeAmount, ValidateOptions};

/// Visibility and values of one submission.
///
/// The maps are JSON objects in document order (`serde_json::Map`, whose code the
/// browser runtime has anyway, rather than a `BTreeMap` of each kind); visibility is a
/// JSON boolean, read it with [`Evaluation::is_visible`] and
/// [`Evaluation::page_visible`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Page id -> visible (`true` or `false`).
    pub pages: Map<String, Json>,
    /// JSON Pointer of every field and group instance -> visible (`true` or `false`).
    pub visible: Map<String, Json>,
    /// JSON Pointer -> value, for fields whose value is computed or comes from a default.
    pub computed: Map<String, Json>,
    /// The fees that have a value.
    pub fees: Vec<FeeAmount>,
}

impl Evaluation {
    /// Whether the field or group at this JSON Pointer is shown (unknown pointers: false).
    pub fn is_visible(&self, pointer: &str) -> bool {
        self.visible
            .get(pointer)
            .and_then(Json::as_bool)
            .unwrap_or(false)
    }

    /// Whether the page is shown.
    pub fn page_visible(&self, page: &str) -> bool {
        self.pages
            .get(page)
            .and_then(Json::as_bool)
            .unwrap_or(false)
    }
}

impl Form {
    /// Works out visibility, computed values and fees for (possibly incomplete) data.
    pub fn evaluate(&self, data: &Json, opts: &ValidateOptions) -> Evaluation {
        let default_lang = self.model.default_lang();
        let lang = opts
            .lang
            .as_deref()
            .filter(|l| self.model.languages.iter().any(|x| x == l))
            .unwrap_or(default_lang);
        let mut st = State::new(self, opts.today);
        let empty = Map::new();
        crate::validate::load(self, &mut st, None, 0, data.as_object().unwrap_or(&empty));
        st.evaluate(self);
        let mut ev = Evaluation {
            pages: Map::with_capacity(self.model.pages.len()),
            visible: Map::with_capacity(self.nodes.len()),
            computed: Map::new(),
            fees: Vec::new(),
        };
        for (id, node) in self.nodes.iter().enumerate() {
            if matches!(node.kind, NodeKind::Page) {
                let vis = st.slot(self, id, 0).is_some_and(|s| s.visible);
                ev.pages.insert(node.key.clone(), Json::Bool(vis));
            }
        }
        self.walk(&st, None, 0, &mut String::new(), &mut ev);
        ev.fees = self.fee_amounts(&st, lang);
        ev
    }

    /// Records the nodes of a container instance whose JSON Pointer is `ptr` (a
    /// buffer that comes back as it was given).
    fn walk(
        &self,
        st: &State<'_>,
        group: Option<NodeId>,
        inst: usize,
        ptr: &mut String,
        ev: &mut Evaluation,
    ) {
        let base = ptr.len();
        for node in self.container(group).packed.iter().map(|c| c.node) {
            let n = &self.nodes[node];
            let Some(slot) = st.slot(self, node, inst) else {
                continue;
            };
            ptr.truncate(base);
            ptr.push('/');
            ptr.push_str(&n.pointer_key);
            ev.visible.insert(ptr.clone(), Json::Bool(slot.visible));
            match &n.kind {
                NodeKind::Field {
                    field,
                    value,
                    default,
                    ..
                } => {
                    let from_expr = value.is_some()
                        || (default.is_some() && matches!(slot.raw, crate::eval::Raw::Absent));
                    if let (true, Some(v)) = (from_expr, &slot.value) {
                        ev.computed.insert(ptr.clone(), cell_json(st, &field.ty, v));
                    }
                }
                NodeKind::Group {
                    repeat: Some(_), ..
                } => {
                    let owner = st.owner(self, node, inst).unwrap_or(inst);
                    let group_end = ptr.len();
                    for (i, &item) in st.items(node, owner).iter().enumerate() {
                        ptr.truncate(group_end);
                        ptr.push('/');
                        ptr.push_str(&i.to_string());
                        self.walk(st, Some(node), item, ptr, ev);
                    }
                }
                NodeKind::Group { .. } => self.walk(st, Some(node), inst, ptr, ev),
                NodeKind::Page => {}
            }
        }
        ptr.truncate(base);
    }
}
