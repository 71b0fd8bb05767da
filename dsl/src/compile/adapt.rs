//! Adaptations (SPEC section 6): another state's compiled form, adapted without forking.
//!
//! An adaptation compiles against the base *artifact*, never its source: the artifact's
//! hash and the version range are checked, then each statement is applied to a copy of the
//! base model. Every statement that no longer fits (a renamed field, a removed parameter,
//! a required field that was optional) is a diagnostic at its own line, which is how a
//! state learns what to change when the owner publishes a new version.

use std::collections::HashMap;

use efa_core::expr::{Expr as CExpr, Lit};
use efa_core::model::{BaseRef, Fee, Field, FieldType, FormModel, Group, Item};
use efa_core::Artifact;

use super::expr::{Ctx, Ty};
use super::scope::{did_you_mean, Sym, SymId, SymKind};
use super::{fit_lit, Compiled, Compiler};
use crate::ast::{self, AdaptItemKind, Ident, Placement};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;

/// Reads the base artifact an adaptation names. The compiler knows no files: the host
/// resolves the path (relative to the adaptation file) and returns the artifact's text.
pub trait BaseLoader {
    /// The text of the artifact at `path`, or a one-line reason why it cannot be read.
    fn load(&mut self, path: &str) -> Result<String, String>;
}

/// A loader for hosts without files: every base is missing.
pub struct NoBase;

impl BaseLoader for NoBase {
    fn load(&mut self, path: &str) -> Result<String, String> {
        Err(format!(
            "no base artifacts can be read here (asked for {path:?})"
        ))
    }
}

/// Compiles an adaptation against the base its loader provides.
pub fn compile_adapt(decl: &ast::AdaptDecl, loader: &mut dyn BaseLoader) -> Compiled {
    let mut c = Compiler::new();
    let model = c.adapt(decl, loader);
    c.finish(model)
}

impl Compiler<'_> {
    fn adapt(&mut self, decl: &ast::AdaptDecl, loader: &mut dyn BaseLoader) -> Option<FormModel> {
        let at = decl.base.span;
        let text = match loader.load(&decl.base.value) {
            Ok(t) => t,
            Err(reason) => {
                self.error(
                    Diagnostic::new(Code::BaseMissing, at, format!("cannot read the base form \"{}\": {reason}", decl.base.value))
                        .with_hint("the path is relative to this file; build the base with `efa build BASE.form -o BASE.form.json`"),
                );
                return None;
            }
        };
        let base = match Artifact::from_json(&text) {
            Ok(a) => a,
            Err(e) => {
                self.error(
                    Diagnostic::new(
                        Code::BaseInvalid,
                        at,
                        format!("the base form \"{}\" cannot be used: {e}", decl.base.value),
                    )
                    .with_hint("use the artifact exactly as the owning state published it"),
                );
                return None;
            }
        };
        if let Some(range) = &decl.range {
            match semver::VersionReq::parse(&range.value) {
                Err(_) => self.error(
                    Diagnostic::new(Code::InvalidVersion, range.span, format!("\"{}\" is not a version range", range.value))
                        .with_hint("write e.g. \"^1.2\" (1.2 or later, below 2.0) or \"~1.2.3\""),
                ),
                Ok(req) => match semver::Version::parse(&base.version) {
                    Ok(v) if req.matches(&v) => {}
                    _ => self.error(
                        Diagnostic::new(
                            Code::BaseVersion,
                            range.span,
                            format!("the base `{}` is version {}, outside the range \"{}\" this adaptation was written for", base.id, base.version, range.value),
                        )
                        .with_hint("see what changed with `efa diff OLD.form.json NEW.form.json`, update this adaptation, then widen the range"),
                    ),
                },
            }
        }
        let mut model = base.model.clone();
        self.seed(&model, at);

        let mut id = None;
        let mut publisher = None;
        let mut version = None;
        // A statement given twice is a mistake, as a header entry given twice is in a form.
        let mut seen: HashMap<String, Span> = HashMap::new();
        for item in &decl.items {
            let key = match &item.kind {
                AdaptItemKind::Id(_) => "id".to_owned(),
                AdaptItemKind::Publisher(_) => "publisher".to_owned(),
                AdaptItemKind::Version(_) => "version".to_owned(),
                AdaptItemKind::Description(_) => "description".to_owned(),
                AdaptItemKind::Title { target, .. } => format!("title {}", join(target.as_deref())),
                AdaptItemKind::Set { name, .. } => format!("set {}", name.name),
                AdaptItemKind::Label { target, .. } => format!("label {}", join(Some(target))),
                AdaptItemKind::Hint { target, .. } => format!("hint {}", join(Some(target))),
                AdaptItemKind::Option { list, key, .. } => {
                    format!("option {}.{}", list.name, key.value)
                }
                AdaptItemKind::Hide(target) => format!("hide {}", join(Some(target))),
                _ => continue,
            };
            if let Some(first) = seen.get(&key) {
                let first = *first;
                self.error(
                    Diagnostic::new(
                        Code::DuplicateProperty,
                        item.span,
                        format!("`{}` is given twice", key.trim_end()),
                    )
                    .with_label(first, "first given here")
                    .with_hint("keep one of them"),
                );
            } else {
                seen.insert(key, item.span);
            }
        }
        // Pass 1: identity, parameters and lists (additions may use them).
        for item in &decl.items {
            match &item.kind {
                AdaptItemKind::Id(i) => id = id.or(Some(i.name.clone())),
                AdaptItemKind::Publisher(p) => publisher = publisher.or(Some(p.value.clone())),
                AdaptItemKind::Version(v) => {
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
                    version = version.or(Some(v.value.clone()));
                }
                AdaptItemKind::Set { name, value }
                    if seen.get(&format!("set {}", name.name)) == Some(&item.span) =>
                {
                    self.set_param(&mut model, name, value);
                }
                AdaptItemKind::AddList(l) => {
                    if model.list(&l.id.name).is_some() {
                        self.error(
                            Diagnostic::new(
                                Code::Duplicate,
                                l.id.span,
                                format!("the base form already has a list `{}`", l.id.name),
                            )
                            .with_hint("choose another list id"),
                        );
                    } else if let Some(list) = self.list(l) {
                        model.lists.push(list);
                    }
                }
                _ => {}
            }
        }
        // Pass 2: declare every addition first, so additions may refer to each other in
        // any order (as in a form), then compile them in order.
        let mut targets: Vec<Option<(Option<SymId>, String)>> = Vec::new();
        for item in &decl.items {
            match &item.kind {
                AdaptItemKind::AddTo { target, items, .. } => {
                    let t = self.add_target(&model, target);
                    if let Some((container, prefix)) = &t {
                        self.declare(items, *container, prefix);
                    }
                    targets.push(t);
                }
                AdaptItemKind::AddPage { page, .. } => {
                    if model.pages.iter().any(|p| p.id == page.id.name) {
                        self.error(
                            Diagnostic::new(
                                Code::Duplicate,
                                page.id.span,
                                format!("the base form already has a page `{}`", page.id.name),
                            )
                            .with_hint("choose another page id"),
                        );
                    } else {
                        self.declare(&page.items, None, "");
                    }
                }
                _ => {}
            }
        }
        let mut targets = targets.into_iter();
        for item in &decl.items {
            match &item.kind {
                AdaptItemKind::AddTo {
                    target,
                    place,
                    items,
                } => {
                    if let Some(Some((container, prefix))) = targets.next() {
                        self.add_to(
                            &mut model,
                            target,
                            container,
                            &prefix,
                            place.as_ref(),
                            items,
                        );
                    }
                }
                AdaptItemKind::AddPage { page, place } => {
                    if model.pages.iter().any(|p| p.id == page.id.name) {
                        continue;
                    }
                    let new_page = self.page(page);
                    let index = match place {
                        None => Some(model.pages.len()),
                        Some((how, anchor)) => {
                            match model.pages.iter().position(|p| p.id == anchor.name) {
                                Some(i) => Some(if *how == Placement::After { i + 1 } else { i }),
                                None => {
                                    self.unknown_page(&model, anchor);
                                    None
                                }
                            }
                        }
                    };
                    if let Some(i) = index {
                        model.pages.insert(i, new_page);
                    }
                }
                AdaptItemKind::AddCheck(c) => {
                    let check = self.form_check(c);
                    model.checks.push(check);
                }
                AdaptItemKind::AddFee(f) => {
                    if model.fees.iter().any(|x| x.id == f.id.name) {
                        self.error(Diagnostic::new(
                            Code::Duplicate,
                            f.id.span,
                            format!("the base form already has a fee `{}`", f.id.name),
                        ));
                        continue;
                    }
                    let label = self.text(&f.label);
                    let amount = self.expr_expect(
                        &f.amount,
                        Ctx { container: None },
                        &Ty::Money,
                        &format!("the amount of the fee `{}`", f.id.name),
                    );
                    model.fees.push(Fee {
                        id: f.id.name.clone(),
                        label,
                        amount,
                    });
                }
                _ => {}
            }
        }
        // Pass 3: texts and hiding, which may also concern added items.
        for item in &decl.items {
            match &item.kind {
                AdaptItemKind::Title { target: None, text } => model.title = self.text(text),
                AdaptItemKind::Description(t) => model.description = Some(self.text(t)),
                AdaptItemKind::Title {
                    target: Some(path),
                    text,
                } => {
                    let t = self.text(text);
                    if path.len() == 1 {
                        if let Some(p) = model.pages.iter_mut().find(|p| p.id == path[0].name) {
                            p.title = t;
                            continue;
                        }
                    }
                    if let Some((sym, _)) = self.target(path, true) {
                        let sp = self.symbols.syms[sym].path.clone();
                        if let Some(g) = find_group(&mut model, &sp) {
                            g.title = t;
                        }
                    }
                }
                AdaptItemKind::Label { target, text } => {
                    let t = self.text(text);
                    if let Some((sym, is_field)) = self.target(target, false) {
                        let sp = self.symbols.syms[sym].path.clone();
                        if is_field {
                            if let Some(f) = find_field(&mut model, &sp) {
                                f.label = t;
                            }
                        } else if let Some(g) = find_group(&mut model, &sp) {
                            g.title = t;
                        }
                    }
                }
                AdaptItemKind::Hint { target, text } => {
                    let t = self.text(text);
                    if let Some((sym, is_field)) = self.target(target, false) {
                        let sp = self.symbols.syms[sym].path.clone();
                        if is_field {
                            if let Some(f) = find_field(&mut model, &sp) {
                                f.hint = Some(t);
                            }
                        } else if let Some(g) = find_group(&mut model, &sp) {
                            g.hint = Some(t);
                        }
                    }
                }
                AdaptItemKind::Option { list, key, text } => {
                    let t = self.text(text);
                    match model.lists.iter_mut().find(|l| l.id == list.name) {
                        None => {
                            let names: Vec<String> = self.list_keys.keys().cloned().collect();
                            let mut d = Diagnostic::new(
                                Code::UnknownList,
                                list.span,
                                format!("the base form has no list `{}`", list.name),
                            );
                            if let Some(s) =
                                did_you_mean(&list.name, names.iter().map(String::as_str))
                            {
                                d = d.with_hint(format!("did you mean `{s}`?"));
                            }
                            self.error(d);
                        }
                        Some(l) => match l.options.iter_mut().find(|o| o.key == key.value) {
                            Some(o) => o.text = t,
                            None => {
                                let keys: Vec<&str> =
                                    l.options.iter().map(|o| o.key.as_str()).collect();
                                let mut d = Diagnostic::new(
                                    Code::UnknownName,
                                    key.span,
                                    format!(
                                        "the list `{}` has no option `{}`",
                                        list.name, key.value
                                    ),
                                );
                                if let Some(s) = did_you_mean(&key.value, keys.iter().copied()) {
                                    d = d.with_hint(format!("did you mean `{s}`?"));
                                }
                                self.error(d);
                            }
                        },
                    }
                }
                AdaptItemKind::Hide(path) => self.hide(&mut model, path),
                _ => {}
            }
        }

        let Some(publisher) = publisher else {
            self.error(
                Diagnostic::new(
                    Code::MissingHeader,
                    decl.span,
                    "the adaptation has no `publisher`",
                )
                .with_hint("name the adopting state, e.g. `publisher \"HE\"`"),
            );
            return None;
        };
        model.id = id.unwrap_or_else(|| format!("{}_{}", base.id, publisher.to_lowercase()));
        model.publisher = publisher;
        if let Some(v) = version {
            model.version = v;
        }
        model.base = Some(BaseRef {
            id: base.id.clone(),
            version: base.version.clone(),
            publisher: base.publisher.clone(),
            hash: base.hash.clone(),
        });
        Some(model)
    }

    /// Seeds the compiler with the base model: languages, lists, parameters, fields.
    fn seed(&mut self, model: &FormModel, at: Span) {
        self.languages = model.languages.clone();
        self.base_span = Some(at);
        for l in &model.lists {
            self.list_keys.insert(
                l.id.clone(),
                l.options.iter().map(|o| o.key.clone()).collect(),
            );
        }
        for p in &model.params {
            self.param_types.insert(p.name.clone(), Ty::of_field(&p.ty));
        }
        for page in &model.pages {
            self.seed_items(&page.items, None, "", at);
        }
    }

    fn seed_items(&mut self, items: &[Item], container: Option<SymId>, prefix: &str, at: Span) {
        for item in items {
            let (id, kind, inner) = match item {
                Item::Field(f) => (&f.id, SymKind::Field(f.ty.clone()), None),
                Item::Group(g) => (
                    &g.id,
                    SymKind::Group {
                        repeated: g.repeat.is_some(),
                    },
                    Some(&g.items),
                ),
                _ => continue,
            };
            let path = if prefix.is_empty() {
                id.clone()
            } else {
                format!("{prefix}.{id}")
            };
            self.symbols.syms.push(Sym {
                kind,
                path: path.clone(),
                span: at,
                parent: container,
            });
            let sym = self.symbols.syms.len() - 1;
            self.symbols
                .children
                .entry(container)
                .or_default()
                .insert(id.clone(), sym);
            if let Some(inner) = inner {
                self.seed_items(inner, Some(sym), &path, at);
            }
        }
    }

    /// Resolves the target of a text replacement or `hide`: the symbol and whether it is a field.
    fn target(&mut self, path: &[Ident], groups_only: bool) -> Option<(SymId, bool)> {
        let mut container = None;
        let mut sym = None;
        for seg in path {
            match self.symbols.child(container, &seg.name) {
                Some(s) => {
                    sym = Some(s);
                    container = Some(s);
                }
                None => {
                    let names: Vec<String> = self
                        .symbols
                        .children
                        .get(&container)
                        .map(|m| m.keys().cloned().collect())
                        .unwrap_or_default();
                    let place = match container {
                        None => "the base form".to_owned(),
                        Some(c) => format!("the group `{}`", self.symbols.syms[c].path),
                    };
                    let what = if groups_only {
                        "page or group"
                    } else {
                        "field or group"
                    };
                    let mut d = Diagnostic::new(
                        Code::UnknownName,
                        seg.span,
                        format!("{place} has no {what} `{}`", seg.name),
                    );
                    if let Some(s) = did_you_mean(&seg.name, names.iter().map(String::as_str)) {
                        d = d.with_hint(format!("did you mean `{s}`?"));
                    }
                    self.error(d);
                    return None;
                }
            }
        }
        let sym = sym?;
        let is_field = matches!(self.symbols.syms[sym].kind, SymKind::Field(_));
        if groups_only && is_field {
            let span = path.last().map_or(Span::default(), |i| i.span);
            self.error(
                Diagnostic::new(
                    Code::TypeMismatch,
                    span,
                    format!(
                        "`{}` is a field, but this statement needs a page or group",
                        self.symbols.syms[sym].path
                    ),
                )
                .with_hint(
                    "`title` and `add to` name a page or group; use `label` for a field's text",
                ),
            );
            return None;
        }
        Some((sym, is_field))
    }

    fn set_param(&mut self, model: &mut FormModel, name: &Ident, value: &ast::Expr) {
        let Some(index) = model.params.iter().position(|p| p.name == name.name) else {
            let names: Vec<&str> = model.params.iter().map(|p| p.name.as_str()).collect();
            let mut d = Diagnostic::new(
                Code::UnknownParam,
                name.span,
                format!("the base form has no parameter `{}`", name.name),
            );
            d = match did_you_mean(&name.name, names.iter().copied()) {
                Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                None if names.is_empty() => d.with_hint("the base form offers no parameters"),
                None => d.with_hint(format!("its parameters are: {}", names.join(", "))),
            };
            self.error(d);
            return;
        };
        if self.constant(value).is_none() {
            self.error(
                Diagnostic::new(
                    Code::TypeMismatch,
                    value.span,
                    format!(
                        "the value of the parameter `{}` must be a constant",
                        name.name
                    ),
                )
                .with_hint("write a number, a text in quotes, a date or true/false"),
            );
            return;
        }
        let ty: FieldType = model.params[index].ty.clone();
        let before = self.diags.len();
        let ce = self.expr_expect(
            value,
            Ctx { container: None },
            &Ty::of_field(&ty),
            &format!("the value of `{}` ({})", name.name, ty.name()),
        );
        if self.diags.len() == before {
            if let CExpr::Lit(l) = ce {
                model.params[index].value = fit_lit(l, &ty);
            }
        }
    }

    fn hide(&mut self, model: &mut FormModel, path: &[Ident]) {
        let Some((sym, is_field)) = self.target(path, false) else {
            return;
        };
        let sp = self.symbols.syms[sym].path.clone();
        let span = path[0].span.to(path[path.len() - 1].span);
        let required = if is_field {
            find_field(model, &sp).is_some_and(|f| f.required.is_some())
        } else {
            find_group(model, &sp).is_some_and(|g| group_required(g))
        };
        if required {
            self.error(
                Diagnostic::new(Code::HideRequired, span, format!("`{sp}` is required in the base form, so it cannot be hidden"))
                    .with_hint("an adopting state may hide only optional fields; ask the owning state to make it optional"),
            );
            return;
        }
        let hidden = Some(CExpr::Lit(Lit::Bool(false)));
        if is_field {
            if let Some(f) = find_field(model, &sp) {
                f.visible = hidden;
            }
        } else if let Some(g) = find_group(model, &sp) {
            g.visible = hidden;
        }
    }

    /// Where an `add to` goes: the form (a page) or a group, with its data path.
    fn add_target(
        &mut self,
        model: &FormModel,
        target: &[Ident],
    ) -> Option<(Option<SymId>, String)> {
        if target.len() == 1 && model.pages.iter().any(|p| p.id == target[0].name) {
            return Some((None, String::new()));
        }
        let (sym, _) = self.target(target, true)?;
        Some((Some(sym), self.symbols.syms[sym].path.clone()))
    }

    fn add_to(
        &mut self,
        model: &mut FormModel,
        target: &[Ident],
        container: Option<SymId>,
        prefix: &str,
        place: Option<&(Placement, Ident)>,
        items: &[ast::BodyItem],
    ) {
        for item in items {
            let what = match item.kind {
                ast::BodyItemKind::VisibleWhen(_) => "when the base's page or group is visible",
                ast::BodyItemKind::Hint(_) => "the base's hint (use `hint PATH TEXT`)",
                ast::BodyItemKind::Fim(_) => "the base's FIM reference",
                _ => continue,
            };
            self.error(Diagnostic::new(
                Code::PropertyNotAllowed,
                item.span,
                format!("an addition cannot change {what}"),
            ));
        }
        let (new_items, _) = self.body(items, container, "addition");
        let list: &mut Vec<Item> = match container {
            None => match model.pages.iter_mut().find(|p| p.id == target[0].name) {
                Some(p) => &mut p.items,
                None => return,
            },
            Some(_) => match find_group(model, prefix) {
                Some(g) => &mut g.items,
                None => return,
            },
        };
        let index = match place {
            None => Some(list.len()),
            Some((how, anchor)) => match list
                .iter()
                .position(|i| item_id(i) == Some(anchor.name.as_str()))
            {
                Some(i) => Some(if *how == Placement::After { i + 1 } else { i }),
                None => {
                    let names: Vec<&str> = list.iter().filter_map(item_id).collect();
                    let mut d = Diagnostic::new(
                        Code::UnknownName,
                        anchor.span,
                        format!(
                            "`{}` has no field or group `{}`",
                            join(Some(target)),
                            anchor.name
                        ),
                    );
                    if let Some(s) = did_you_mean(&anchor.name, names.iter().copied()) {
                        d = d.with_hint(format!("did you mean `{s}`?"));
                    }
                    self.error(d);
                    None
                }
            },
        };
        if let Some(i) = index {
            for (k, item) in new_items.into_iter().enumerate() {
                list.insert(i + k, item);
            }
        }
    }

    fn unknown_page(&mut self, model: &FormModel, anchor: &Ident) {
        let names: Vec<&str> = model.pages.iter().map(|p| p.id.as_str()).collect();
        let mut d = Diagnostic::new(
            Code::UnknownName,
            anchor.span,
            format!("the base form has no page `{}`", anchor.name),
        );
        if let Some(s) = did_you_mean(&anchor.name, names.iter().copied()) {
            d = d.with_hint(format!("did you mean `{s}`?"));
        }
        self.error(d);
    }
}

fn join(path: Option<&[Ident]>) -> String {
    path.map(|p| {
        p.iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>()
            .join(".")
    })
    .unwrap_or_default()
}

fn item_id(i: &Item) -> Option<&str> {
    match i {
        Item::Field(f) => Some(&f.id),
        Item::Group(g) => Some(&g.id),
        _ => None,
    }
}

fn has_required(items: &[Item]) -> bool {
    items.iter().any(|i| match i {
        Item::Field(f) => f.required.is_some(),
        Item::Group(g) => group_required(g),
        _ => false,
    })
}

/// Whether a submission must hold something of the group: a repeated group when it needs
/// items (what its items require applies per item only), else when it holds a required
/// field.
fn group_required(g: &Group) -> bool {
    match g.repeat {
        Some(r) => r.min > 0,
        None => has_required(&g.items),
    }
}

fn find_items<'a>(items: &'a mut [Item], path: &[&str]) -> Option<&'a mut Item> {
    let (first, rest) = path.split_first()?;
    for item in items.iter_mut() {
        let matches = item_id(item) == Some(*first);
        if !matches {
            continue;
        }
        if rest.is_empty() {
            return Some(item);
        }
        return match item {
            Item::Group(g) => find_items(&mut g.items, rest),
            _ => None,
        };
    }
    None
}

fn find_item<'a>(model: &'a mut FormModel, path: &str) -> Option<&'a mut Item> {
    let segs: Vec<&str> = path.split('.').collect();
    // Ids are unique at each level across pages, so the first hit is the one.
    model
        .pages
        .iter_mut()
        .find_map(|page| find_items(&mut page.items, &segs))
}

fn find_field<'a>(model: &'a mut FormModel, path: &str) -> Option<&'a mut Field> {
    match find_item(model, path)? {
        Item::Field(f) => Some(f),
        _ => None,
    }
}

fn find_group<'a>(model: &'a mut FormModel, path: &str) -> Option<&'a mut Group> {
    match find_item(model, path)? {
        Item::Group(g) => Some(g),
        _ => None,
    }
}
