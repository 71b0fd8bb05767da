//! View models: everything a template shows, worked out in Rust from the form, the data,
//! its evaluation and the errors. Templates only print these; they make no decisions
//! about visibility, naming or wording.
//!
//! Every string here is plain text. Templates print them with auto-escaping on; nothing
//! in a view is markup.

use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;

use efa_core::model::{Field, FieldType, FormModel, Group, Item, Page, Text};
use efa_core::value::parse_date;
use efa_core::{Evaluation, FeeAmount, Form, ValidationError};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value as Json;

use crate::i18n::{messages, show_date, show_money, show_number, show_size, step_of};
use crate::paths::{
    element_id, input_name, page_of_form_check, page_of_pointer, pointer, pointer_tokens,
    ref_pointer,
};
use crate::Urls;

/// At most this many options are shown as radio buttons; more become a `<select>`.
pub(crate) const MAX_RADIOS: usize = 8;

/// A text from the form, with the language it is in when that differs from the page's
/// (WCAG 3.1.2: the template marks it with `lang`).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Txt {
    pub text: String,
    pub lang: Option<String>,
}

impl Txt {
    fn plain(text: impl Into<String>) -> Txt {
        Txt {
            text: text.into(),
            lang: None,
        }
    }
}

/// Picks a form text for the page language, falling back to the form's default language.
pub(crate) fn txt(text: &Text, lang: &str, default: &str) -> Txt {
    let found = text
        .entry(lang)
        .or_else(|| text.entry(default))
        .or_else(|| text.iter().next());
    match found {
        Some((l, s)) => Txt {
            text: s.to_owned(),
            lang: (l != lang).then(|| l.to_owned()),
        },
        None => Txt::plain(""),
    }
}

/// The parts every document shares: `<html lang>`, `<title>`, assets, header and footer.
#[derive(Debug, Serialize)]
pub(crate) struct Doc {
    pub lang: String,
    pub title: String,
    pub inline_css: Option<String>,
    pub stylesheet_url: Option<String>,
    pub script_url: Option<String>,
    pub home_url: Option<String>,
    pub service: Txt,
    pub service_url: Option<String>,
    pub publisher: Option<String>,
    pub version: Option<String>,
    pub languages: Vec<LangLink>,
}

/// A link of the language switcher.
#[derive(Debug, Serialize)]
pub(crate) struct LangLink {
    pub lang: String,
    pub name: String,
    pub url: String,
    pub current: bool,
}

impl Doc {
    pub(crate) fn new(lang: &str, title: String, urls: &Urls, css: &str) -> Doc {
        Doc {
            lang: lang.to_owned(),
            title,
            // The stylesheet is ours or a theme's, never a form's; it still must not end
            // its <style> element early.
            inline_css: urls.stylesheet.is_none().then(|| css.replace("</", "<\\/")),
            stylesheet_url: urls.stylesheet.clone(),
            script_url: urls.script.clone(),
            home_url: urls.home.clone(),
            service: Txt::plain(messages(lang).service_name),
            service_url: urls.home.clone(),
            publisher: None,
            version: None,
            languages: urls
                .languages
                .iter()
                .map(|(l, url)| LangLink {
                    lang: l.clone(),
                    name: crate::i18n::language_name(l),
                    url: url.clone(),
                    current: l == lang,
                })
                .collect(),
        }
    }

    pub(crate) fn for_form(
        lang: &str,
        title: String,
        urls: &Urls,
        css: &str,
        model: &FormModel,
    ) -> Doc {
        let mut doc = Doc::new(lang, title, urls, css);
        doc.service = txt(&model.title, lang, model.default_lang());
        doc.service_url = urls.start.clone().or_else(|| urls.home.clone());
        doc.publisher = Some(model.publisher.clone());
        doc.version = Some(model.version.clone());
        doc
    }
}

/// One entry of the error summary.
#[derive(Debug, Serialize)]
pub(crate) struct SummaryItem {
    pub message: String,
    pub href: Option<String>,
}

/// The step indicator.
#[derive(Debug, Serialize)]
pub(crate) struct Steps {
    /// "Schritt 2 von 7".
    pub caption: String,
    pub items: Vec<Step>,
}

/// One step.
#[derive(Debug, Serialize)]
pub(crate) struct Step {
    pub title: Txt,
    pub url: Option<String>,
    pub current: bool,
    pub done: bool,
}

/// A hidden input the server asked for (a CSRF token, a draft id).
#[derive(Debug, Serialize)]
pub(crate) struct Hidden {
    pub name: String,
    pub value: String,
}

/// The `<form>` element of a page.
#[derive(Debug, Serialize)]
pub(crate) struct FormView {
    pub action: Option<String>,
    pub multipart: bool,
    pub artifact_url: Option<String>,
    pub form_id: String,
    pub page_id: String,
    /// The day `today()` returned for this page, `YYYY-MM-DD`, so that the runtime in the
    /// browser works with the server's day, not the browser's clock.
    pub today: String,
    pub hidden: Vec<Hidden>,
    /// Whether the page has add/remove buttons: then a hidden default button comes
    /// first, so that Enter in a text field means "continue", not "add".
    pub has_actions: bool,
}

/// A form page.
#[derive(Debug, Serialize)]
pub(crate) struct PageView {
    pub doc: Doc,
    pub summary: Vec<SummaryItem>,
    pub steps: Option<Steps>,
    pub back_url: Option<String>,
    pub title: Txt,
    pub form: FormView,
    pub items: Vec<ItemView>,
    pub is_last: bool,
}

/// Marks an element whose visibility depends on answers, for the browser runtime.
#[derive(Debug, Serialize)]
pub(crate) struct Conditional {
    /// JSON Pointer of the field or group.
    pub pointer: String,
    /// Whether it is visible for the data the page was rendered with.
    pub visible: bool,
}

/// An item of a page or group.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum ItemView {
    Field(Box<FieldView>),
    Group(GroupView),
    Repeat(RepeatView),
    /// An entry of a repeated group (only inside [`RepeatView::entries`]).
    Entry(EntryView),
    Info(InfoView),
}

/// A static paragraph.
#[derive(Debug, Serialize)]
pub(crate) struct InfoView {
    pub text: Txt,
    pub conditional: bool,
}

/// A field and its control.
#[derive(Debug, Serialize)]
pub(crate) struct FieldView {
    /// Element id of the control (for radios and checkboxes: of the first one).
    pub id: String,
    /// Input name: the dotted data path.
    pub name: String,
    pub label: Txt,
    pub hint: Option<Txt>,
    pub optional: bool,
    pub errors: Vec<String>,
    /// `hint` and error ids for `aria-describedby`, or `None`.
    pub describedby: Option<String>,
    pub hint_id: String,
    pub error_id: String,
    /// `input`, `textarea`, `select`, `radios`, `checkboxes`, `checkbox`, `file`, `output`.
    pub control: &'static str,
    /// For `input`: `text`, `email`, `tel`, `date`.
    pub input_type: &'static str,
    pub inputmode: Option<&'static str>,
    pub autocomplete: Option<&'static str>,
    /// `false` for codes and addresses that a spell checker would only mark wrong.
    pub spellcheck: Option<bool>,
    /// Width class suffix (`5`, `10`, `20`) for short values, `None` for full width.
    pub width: Option<&'static str>,
    pub value: String,
    pub checked: bool,
    pub options: Vec<OptionView>,
    pub accept: Option<String>,
    pub file: Option<String>,
    pub conditional: Option<Conditional>,
    /// For a control that is only there for the no-JavaScript case: the note saying so.
    pub conditional_note: bool,
}

/// An option of a choice.
#[derive(Debug, Serialize)]
pub(crate) struct OptionView {
    pub id: String,
    pub value: String,
    pub text: Txt,
    pub selected: bool,
}

/// A (not repeated) group: a fieldset.
#[derive(Debug, Serialize)]
pub(crate) struct GroupView {
    pub id: String,
    pub title: Txt,
    pub hint: Option<Txt>,
    pub hint_id: String,
    pub error_id: String,
    pub errors: Vec<String>,
    pub describedby: Option<String>,
    pub items: Vec<ItemView>,
    pub conditional: Option<Conditional>,
    pub conditional_note: bool,
}

/// A repeated group: a fieldset holding one fieldset per entry and the add button.
#[derive(Debug, Serialize)]
pub(crate) struct RepeatView {
    pub id: String,
    pub title: Txt,
    pub hint: Option<Txt>,
    pub hint_id: String,
    pub error_id: String,
    pub errors: Vec<String>,
    pub describedby: Option<String>,
    /// The entries, each an [`ItemView::Entry`] (so that templates recurse uniformly).
    pub entries: Vec<ItemView>,
    /// `add:PATH`, or `None` when the maximum is reached.
    pub add: Option<String>,
    pub add_label: &'static str,
    pub conditional: Option<Conditional>,
    pub conditional_note: bool,
}

/// One entry of a repeated group.
#[derive(Debug, Serialize)]
pub(crate) struct EntryView {
    pub id: String,
    /// "Kinder 2".
    pub legend: Txt,
    pub number: usize,
    pub errors: Vec<String>,
    pub error_id: String,
    pub items: Vec<ItemView>,
    /// `remove:PATH.INDEX`, or `None` when the minimum is reached.
    pub remove: Option<String>,
}

/// Input for [`build_page`].
pub(crate) struct PageInput<'a> {
    pub form: &'a Form,
    pub page: &'a Page,
    pub lang: &'a str,
    pub data: &'a Json,
    pub errors: &'a [ValidationError],
    pub eval: &'a Evaluation,
    pub urls: &'a Urls,
    pub hidden: &'a [(String, String)],
    pub show_steps: bool,
    pub css: &'a str,
    pub today: chrono::NaiveDate,
}

/// Where each error is shown: the JSON Pointer of the element it belongs to.
struct ErrorTargets {
    /// Per error, in order: its message and the pointer of the element it is shown at.
    list: Vec<(String, Option<String>)>,
}

impl ErrorTargets {
    fn messages_for(&self, ptr: &str) -> Vec<String> {
        self.list
            .iter()
            .filter(|(_, t)| t.as_deref() == Some(ptr))
            .map(|(m, _)| m.clone())
            .collect()
    }
}

struct Builder<'a> {
    model: &'a FormModel,
    lang: &'a str,
    default: &'a str,
    data: &'a Json,
    eval: &'a Evaluation,
    /// Top-level data keys of the current page.
    page_keys: HashSet<String>,
    targets: ErrorTargets,
    /// Pointers of the elements rendered (fields, groups, entries).
    rendered: HashSet<String>,
    multipart: bool,
    has_actions: bool,
}

/// Builds the view of a form page.
pub(crate) fn build_page(input: &PageInput<'_>) -> PageView {
    let model = input.form.model();
    let lang = input.lang;
    let default = model.default_lang();
    let t = messages(lang);
    let page_keys: HashSet<String> = input
        .page
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Field(f) => Some(f.id.clone()),
            Item::Group(g) => Some(g.id.clone()),
            _ => None,
        })
        .collect();
    let targets = error_targets(model, input.page, input.errors, input.eval);
    let mut b = Builder {
        model,
        lang,
        default,
        data: input.data,
        eval: input.eval,
        page_keys,
        targets,
        rendered: HashSet::new(),
        multipart: false,
        has_actions: false,
    };
    let page_visible = input.eval.page_visible(&input.page.id);
    let items = b.items(&input.page.items, &[], !page_visible);
    let summary = b
        .targets
        .list
        .iter()
        .map(|(message, target)| SummaryItem {
            message: message.clone(),
            href: target
                .as_ref()
                .filter(|p| b.rendered.contains(*p))
                .map(|p| format!("#{}", element_id(&pointer_tokens(p)))),
        })
        .collect::<Vec<_>>();
    let title = txt(&input.page.title, lang, default);
    let form_title = txt(&model.title, lang, default);
    let doc_title = format!(
        "{}{} – {}",
        if summary.is_empty() {
            ""
        } else {
            t.error_prefix
        },
        title.text,
        form_title.text
    );
    // Steps: the visible pages (and the current one even if hidden), then the review.
    let visible: Vec<&Page> = model
        .pages
        .iter()
        .filter(|p| p.id == input.page.id || input.eval.page_visible(&p.id))
        .collect();
    let current = visible
        .iter()
        .position(|p| p.id == input.page.id)
        .unwrap_or(0);
    let is_last = current + 1 == visible.len();
    let steps = input.show_steps.then(|| {
        let mut items: Vec<Step> = visible
            .iter()
            .enumerate()
            .map(|(i, p)| Step {
                title: txt(&p.title, lang, default),
                url: if i == current {
                    None
                } else {
                    input.urls.page_url(&p.id)
                },
                current: i == current,
                done: i < current,
            })
            .collect();
        items.push(Step {
            title: Txt::plain(t.review_step),
            url: input.urls.review.clone(),
            current: false,
            done: false,
        });
        Steps {
            caption: step_of(lang, current + 1, items.len()),
            items,
        }
    });
    PageView {
        doc: Doc::for_form(lang, doc_title, input.urls, input.css, model),
        summary,
        steps,
        back_url: input.urls.back.clone(),
        title,
        form: FormView {
            action: non_empty(&input.urls.action),
            multipart: b.multipart,
            artifact_url: input.urls.artifact.clone(),
            form_id: model.id.clone(),
            page_id: input.page.id.clone(),
            today: input.today.format("%Y-%m-%d").to_string(),
            hidden: hidden_inputs(input.hidden),
            has_actions: b.has_actions,
        },
        items,
        is_last,
    }
}

pub(crate) fn hidden_inputs(hidden: &[(String, String)]) -> Vec<Hidden> {
    hidden
        .iter()
        .map(|(name, value)| Hidden {
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

pub(crate) fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// Works out where each error is shown. A field or group error is shown at its path.
/// A failed `check` is shown at the first field its condition reads that is visible on
/// this page (the citizen has to change one of those), else at its group.
fn error_targets(
    model: &FormModel,
    page: &Page,
    errors: &[ValidationError],
    eval: &Evaluation,
) -> ErrorTargets {
    let list = errors
        .iter()
        .map(|e| {
            if e.code != efa_core::ErrorCode::Check {
                let target = (!e.path.is_empty()).then(|| e.path.clone());
                return (e.message.clone(), target);
            }
            let context = pointer_tokens(&e.path);
            let checks: Vec<&efa_core::model::Check> = if e.path.is_empty() {
                let on_page = page.items.iter().any(
                    |i| matches!(i, Item::Check(c) if c.message.values().any(|m| m == e.message)),
                );
                let page = if on_page {
                    Some(page)
                } else {
                    page_of_form_check(model, &e.message)
                };
                let mut checks = page.map(|p| direct_checks(&p.items)).unwrap_or_default();
                checks.extend(model.checks.iter());
                checks
            } else {
                group_at(model, &context)
                    .map(|g| direct_checks(&g.items))
                    .unwrap_or_default()
            };
            let check = checks
                .into_iter()
                .find(|c| c.message.values().any(|m| m == e.message));
            // The first field it reads that is shown on this page, else the first
            // repeated group it counts.
            let mut fields = None;
            let mut groups = None;
            if let Some(c) = check {
                c.condition.for_each_ref(&mut |r| {
                    let p = pointer(&ref_pointer(r, &context));
                    if !eval.is_visible(&p) || !page_contains(page, &p) {
                        return;
                    }
                    let slot = if group_at(model, &pointer_tokens(&p)).is_some() {
                        &mut groups
                    } else {
                        &mut fields
                    };
                    if slot.is_none() {
                        *slot = Some(p);
                    }
                });
            }
            let target = fields.or(groups);
            let target = target.or_else(|| (!e.path.is_empty()).then(|| e.path.clone()));
            (e.message.clone(), target)
        })
        .collect();
    ErrorTargets { list }
}

fn page_contains(page: &Page, ptr: &str) -> bool {
    let tokens = pointer_tokens(ptr);
    tokens.first().is_some_and(|k| {
        page.items.iter().any(|i| match i {
            Item::Field(f) => &f.id == k,
            Item::Group(g) => &g.id == k,
            _ => false,
        })
    })
}

fn direct_checks(items: &[Item]) -> Vec<&efa_core::model::Check> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Check(c) => Some(c),
            _ => None,
        })
        .collect()
}

/// The group at a pointer (item indices skipped).
fn group_at<'m>(model: &'m FormModel, tokens: &[String]) -> Option<&'m Group> {
    let mut items: Vec<&'m Item> = model.pages.iter().flat_map(|p| p.items.iter()).collect();
    let mut found = None;
    for tok in tokens {
        if tok.parse::<usize>().is_ok() {
            continue;
        }
        let g = items.iter().find_map(|i| match i {
            Item::Group(g) if &g.id == tok => Some(g),
            _ => None,
        })?;
        found = Some(g);
        items = g.items.iter().collect();
    }
    found
}

impl Builder<'_> {
    fn refers_to_page(&self, expr: &efa_core::expr::Expr) -> bool {
        let mut yes = false;
        expr.for_each_ref(&mut |r| {
            let first = r.split('.').next().unwrap_or(r);
            if self.page_keys.contains(first) {
                yes = true;
            }
        });
        yes
    }

    /// Decides whether an element is rendered, and how its visibility is marked.
    /// `forced`: inside something rendered although hidden (or an entry not yet in the
    /// data): render everything, marking own conditions.
    fn visibility(
        &self,
        cond: Option<&efa_core::expr::Expr>,
        ptr: &str,
        forced: bool,
    ) -> Option<(Option<Conditional>, bool)> {
        let visible = self.eval.is_visible(ptr);
        match cond {
            None => Some((None, false)),
            Some(_) if visible => Some((
                Some(Conditional {
                    pointer: ptr.to_owned(),
                    visible: true,
                }),
                false,
            )),
            Some(e) if forced || self.refers_to_page(e) => Some((
                Some(Conditional {
                    pointer: ptr.to_owned(),
                    visible: false,
                }),
                true,
            )),
            Some(_) => None,
        }
    }

    fn items(&mut self, items: &[Item], prefix: &[String], forced: bool) -> Vec<ItemView> {
        let mut out = Vec::new();
        for item in items {
            match item {
                Item::Field(f) => {
                    let mut tokens = prefix.to_vec();
                    tokens.push(f.id.clone());
                    if let Some(v) = self.field(f, &tokens, forced) {
                        out.push(ItemView::Field(Box::new(v)));
                    }
                }
                Item::Group(g) => {
                    let mut tokens = prefix.to_vec();
                    tokens.push(g.id.clone());
                    if let Some(v) = self.group(g, &tokens, forced) {
                        out.push(v);
                    }
                }
                Item::Info(i) => out.push(ItemView::Info(InfoView {
                    text: txt(&i.text, self.lang, self.default),
                    conditional: i.visible.is_some(),
                })),
                Item::Check(_) => {}
            }
        }
        out
    }

    fn group(&mut self, g: &Group, tokens: &[String], forced: bool) -> Option<ItemView> {
        let ptr = pointer(tokens);
        let (conditional, hidden_now) = self.visibility(g.visible.as_ref(), &ptr, forced)?;
        let forced = forced || hidden_now || (g.visible.is_none() && !self.eval.is_visible(&ptr));
        let id = element_id(tokens);
        self.rendered.insert(ptr.clone());
        let errors = self.targets.messages_for(&ptr);
        let hint = g.hint.as_ref().map(|h| txt(h, self.lang, self.default));
        let hint_id = format!("{id}-hint");
        let error_id = format!("{id}-error");
        let describedby = describedby(
            hint.is_some() || hidden_now,
            &hint_id,
            !errors.is_empty(),
            &error_id,
        );
        let title = txt(&g.title, self.lang, self.default);
        let Some(rep) = g.repeat else {
            let items = self.items(&g.items, tokens, forced);
            return Some(ItemView::Group(GroupView {
                id,
                title,
                hint,
                hint_id,
                error_id,
                errors,
                describedby,
                items,
                conditional,
                conditional_note: hidden_now,
            }));
        };
        self.has_actions = true;
        let in_data = self
            .data
            .pointer(&ptr)
            .and_then(Json::as_array)
            .map_or(0, Vec::len);
        let count = in_data.max(rep.min as usize);
        let name = input_name(tokens);
        let mut entries = Vec::with_capacity(count);
        for i in 0..count {
            let mut et = tokens.to_vec();
            et.push(i.to_string());
            let eptr = pointer(&et);
            self.rendered.insert(eptr.clone());
            let items = self.items(&g.items, &et, forced || i >= in_data);
            let eid = element_id(&et);
            entries.push(ItemView::Entry(EntryView {
                error_id: format!("{eid}-error"),
                id: eid,
                legend: Txt {
                    text: format!("{} {}", title.text, i + 1),
                    lang: title.lang.clone(),
                },
                number: i + 1,
                errors: self.targets.messages_for(&eptr),
                items,
                remove: (count > rep.min as usize).then(|| format!("remove:{name}.{i}")),
            }));
        }
        let add = rep
            .max
            .is_none_or(|max| count < max as usize)
            .then(|| format!("add:{name}"));
        let t = messages(self.lang);
        Some(ItemView::Repeat(RepeatView {
            id,
            title,
            hint,
            hint_id,
            error_id,
            errors,
            describedby,
            entries,
            add,
            add_label: if count == 0 {
                t.add_first_entry
            } else {
                t.add_entry
            },
            conditional,
            conditional_note: hidden_now,
        }))
    }

    fn field(&mut self, f: &Field, tokens: &[String], forced: bool) -> Option<FieldView> {
        let ptr = pointer(tokens);
        let (conditional, conditional_note) = self.visibility(f.visible.as_ref(), &ptr, forced)?;
        self.rendered.insert(ptr.clone());
        let id = element_id(tokens);
        let name = input_name(tokens);
        let errors = self.targets.messages_for(&ptr);
        let hint = f.hint.as_ref().map(|h| txt(h, self.lang, self.default));
        let hint_id = format!("{id}-hint");
        let error_id = format!("{id}-error");
        let describedby = describedby(
            hint.is_some() || conditional_note,
            &hint_id,
            !errors.is_empty(),
            &error_id,
        );
        let raw = self.data.pointer(&ptr).filter(|v| !is_empty(v));
        let computed = self.eval.computed.get(&ptr);
        let value_json = if f.value.is_some() {
            computed
        } else {
            raw.or(computed)
        };
        let mut v = FieldView {
            id: id.clone(),
            name,
            label: txt(&f.label, self.lang, self.default),
            hint,
            optional: f.required.is_none()
                && f.value.is_none()
                && !matches!(f.ty, FieldType::Boolean),
            errors,
            describedby,
            hint_id,
            error_id,
            control: "input",
            input_type: "text",
            inputmode: None,
            autocomplete: autocomplete(f, tokens),
            spellcheck: None,
            width: width(f),
            value: value_json.map(scalar_text).unwrap_or_default(),
            checked: false,
            options: Vec::new(),
            accept: None,
            file: None,
            conditional,
            conditional_note,
        };
        if f.value.is_some() {
            v.control = "output";
            v.optional = false;
            v.value = value_json
                .map(|j| self.show_value(f, j))
                .map(|t| t.text)
                .unwrap_or_default();
            return Some(v);
        }
        match &f.ty {
            FieldType::Text => {}
            FieldType::Textarea => v.control = "textarea",
            FieldType::Integer | FieldType::Postcode => v.inputmode = Some("numeric"),
            FieldType::Decimal | FieldType::Money => v.inputmode = Some("decimal"),
            FieldType::Date => {
                // A value the date control cannot hold stays visible as text.
                if v.value.is_empty() || parse_date(&v.value).is_some() {
                    v.input_type = "date";
                }
            }
            FieldType::Boolean => {
                v.control = "checkbox";
                v.checked = value_json == Some(&Json::Bool(true))
                    || value_json.and_then(Json::as_str) == Some("true");
                v.value = "true".to_owned();
            }
            FieldType::Choice { list } | FieldType::Multichoice { list } => {
                let multi = matches!(f.ty, FieldType::Multichoice { .. });
                let options = self
                    .model
                    .list(list)
                    .map(|l| l.options.as_slice())
                    .unwrap_or_default();
                if options.is_empty() {
                    // A code list whose values are not at hand: any code, typed in.
                    v.spellcheck = Some(false);
                    if multi {
                        v.value = value_json
                            .and_then(Json::as_array)
                            .map(|a| a.iter().map(scalar_text).collect::<Vec<_>>().join(", "))
                            .unwrap_or(v.value);
                    }
                } else {
                    let selected: Vec<String> = match value_json {
                        Some(Json::Array(a)) => a.iter().map(scalar_text).collect(),
                        Some(j) => vec![scalar_text(j)],
                        None => Vec::new(),
                    };
                    v.control = if multi {
                        "checkboxes"
                    } else if options.len() <= MAX_RADIOS {
                        "radios"
                    } else {
                        "select"
                    };
                    v.options = options
                        .iter()
                        .enumerate()
                        .map(|(i, o)| OptionView {
                            id: if i == 0 {
                                id.clone()
                            } else {
                                format!(
                                    "{id}--{}",
                                    element_id(std::slice::from_ref(&o.key))
                                        .trim_start_matches("f-")
                                )
                            },
                            value: o.key.clone(),
                            text: txt(&o.text, self.lang, self.default),
                            selected: selected.contains(&o.key),
                        })
                        .collect();
                }
            }
            FieldType::Email => {
                v.input_type = "email";
                v.spellcheck = Some(false);
            }
            FieldType::Phone => v.input_type = "tel",
            FieldType::Iban => v.spellcheck = Some(false),
            FieldType::File => {
                v.control = "file";
                self.multipart = true;
                v.accept = (!f.accept.is_empty()).then(|| f.accept.join(","));
                v.file = raw.and_then(|j| {
                    let name = j.get("name")?.as_str()?;
                    let size = j.get("size").and_then(Json::as_u64);
                    Some(match size {
                        Some(s) => format!("{name} ({})", show_size(self.lang, s)),
                        None => name.to_owned(),
                    })
                });
                v.value.clear();
            }
        }
        Some(v)
    }

    /// A value as the citizen reads it (review page, computed fields).
    fn show_value(&self, f: &Field, j: &Json) -> Txt {
        show_value(self.model, self.lang, f, j).unwrap_or_else(|| Txt::plain(""))
    }
}

fn describedby(hint: bool, hint_id: &str, error: bool, error_id: &str) -> Option<String> {
    match (hint, error) {
        (true, true) => Some(format!("{hint_id} {error_id}")),
        (true, false) => Some(hint_id.to_owned()),
        (false, true) => Some(error_id.to_owned()),
        (false, false) => None,
    }
}

fn is_empty(v: &Json) -> bool {
    match v {
        Json::Null => true,
        Json::String(s) => s.is_empty(),
        Json::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// A JSON scalar as the text of an input.
fn scalar_text(j: &Json) -> String {
    match j {
        Json::String(s) => s.clone(),
        Json::Number(n) => n.to_string(),
        Json::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// A width for values that are short by nature.
fn width(f: &Field) -> Option<&'static str> {
    match f.ty {
        FieldType::Postcode => return Some("5"),
        FieldType::Integer => return Some("5"),
        FieldType::Decimal | FieldType::Money => return Some("10"),
        FieldType::Phone => return Some("20"),
        FieldType::Iban => return Some("30"),
        FieldType::Text => {}
        _ => return None,
    }
    match f.maxlength {
        Some(n) if n <= 5 => Some("5"),
        Some(n) if n <= 12 => Some("10"),
        Some(n) if n <= 24 => Some("20"),
        _ => None,
    }
}

/// The `autocomplete` token of a field (WCAG 1.3.5), from its `prefill account.X`
/// attribute, else from its id when the field is the applicant's own (at the top level
/// or in an `anschrift`/`adresse` group). Fields about other people get none.
fn autocomplete(f: &Field, tokens: &[String]) -> Option<&'static str> {
    let textual = matches!(
        f.ty,
        FieldType::Text
            | FieldType::Email
            | FieldType::Phone
            | FieldType::Postcode
            | FieldType::Date
    );
    if !textual {
        return None;
    }
    let by_name = |name: &str| -> Option<&'static str> {
        Some(match name {
            "given_name" | "givenname" | "first_name" | "vorname" | "vornamen" => "given-name",
            "family_name" | "familyname" | "last_name" | "surname" | "familienname"
            | "nachname" => "family-name",
            "name" | "full_name" => "name",
            "birth_date" | "birthdate" | "bday" | "date_of_birth" | "geburtsdatum"
            | "geburtstag" => "bday",
            "street" | "street_address" | "strasse" | "address_line1" => "address-line1",
            "postal_code" | "postcode" | "zip" | "plz" | "postleitzahl" => "postal-code",
            "city" | "locality" | "town" | "ort" | "wohnort" | "stadt" => "address-level2",
            "country" | "country_name" | "staat" | "land" => "country-name",
            "email" | "e_mail" | "mail" => "email",
            "phone" | "tel" | "telephone" | "telefon" | "telefonnummer" | "mobil" | "mobile" => {
                "tel"
            }
            _ => return None,
        })
    };
    let token = if let Some(attr) = &f.prefill {
        by_name(attr.strip_prefix("account.").unwrap_or(attr))
    } else {
        let own = match tokens {
            [_] => true,
            [group, _] => matches!(
                group.as_str(),
                "anschrift" | "adresse" | "wohnanschrift" | "address"
            ),
            _ => false,
        };
        if !own {
            return None;
        }
        by_name(&f.id).or(match f.ty {
            FieldType::Email if tokens.len() == 1 => Some("email"),
            FieldType::Phone if tokens.len() == 1 => Some("tel"),
            _ => None,
        })
    }?;
    // A token must fit the control: a date input only takes `bday`, names only text.
    let fits = match f.ty {
        FieldType::Date => token == "bday",
        FieldType::Email => token == "email",
        FieldType::Phone => token == "tel",
        FieldType::Postcode => token == "postal-code",
        _ => !matches!(token, "bday" | "email" | "tel"),
    };
    fits.then_some(token)
}

/// A value as the citizen reads it, `None` when there is none.
pub(crate) fn show_value(model: &FormModel, lang: &str, f: &Field, j: &Json) -> Option<Txt> {
    if is_empty(j) {
        return None;
    }
    let default = model.default_lang();
    let t = messages(lang);
    let num = |j: &Json| -> Option<Decimal> {
        match j {
            Json::Number(n) => Decimal::from_str(&n.to_string())
                .or_else(|_| Decimal::from_scientific(&n.to_string()))
                .ok(),
            Json::String(s) => Decimal::from_str(s).ok(),
            _ => None,
        }
    };
    let option_text = |list: &str, key: &str| -> Txt {
        model
            .list(list)
            .and_then(|l| l.options.iter().find(|o| o.key == key))
            .map(|o| txt(&o.text, lang, default))
            .unwrap_or_else(|| Txt::plain(key))
    };
    Some(match &f.ty {
        FieldType::Boolean => match j {
            Json::Bool(true) => Txt::plain(t.yes),
            Json::Bool(false) => Txt::plain(t.no),
            other => Txt::plain(scalar_text(other)),
        },
        FieldType::Date => match j.as_str().and_then(parse_date) {
            Some(d) => Txt::plain(show_date(lang, d)),
            None => Txt::plain(scalar_text(j)),
        },
        FieldType::Money => match num(j) {
            Some(d) => Txt::plain(show_money(lang, d)),
            None => Txt::plain(scalar_text(j)),
        },
        FieldType::Integer | FieldType::Decimal => match num(j) {
            Some(d) => Txt::plain(show_number(lang, d)),
            None => Txt::plain(scalar_text(j)),
        },
        FieldType::Choice { list } => option_text(list, &scalar_text(j)),
        FieldType::Multichoice { list } => {
            let texts: Vec<String> = j
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|k| option_text(list, &scalar_text(k)).text)
                        .collect()
                })
                .unwrap_or_default();
            Txt::plain(texts.join(", "))
        }
        FieldType::File => {
            let name = j.get("name").and_then(Json::as_str).unwrap_or_default();
            match j.get("size").and_then(Json::as_u64) {
                Some(s) => Txt::plain(format!("{name} ({})", show_size(lang, s))),
                None => Txt::plain(name),
            }
        }
        _ => Txt::plain(scalar_text(j)),
    })
}

// ---------------------------------------------------------------------------------------
// The review page.

/// The review page ("check your answers").
#[derive(Debug, Serialize)]
pub(crate) struct ReviewView {
    pub doc: Doc,
    pub summary: Vec<SummaryItem>,
    pub steps: Option<Steps>,
    pub back_url: Option<String>,
    pub form: FormView,
    pub sections: Vec<ReviewSection>,
    pub fees: Option<FeesView>,
}

/// The answers of one page.
#[derive(Debug, Serialize)]
pub(crate) struct ReviewSection {
    pub id: String,
    pub title: Txt,
    pub change_url: Option<String>,
    pub rows: Vec<ReviewRow>,
}

/// A row of answers: a field (label and value) or a group heading with nested rows.
#[derive(Debug, Serialize)]
pub(crate) struct ReviewRow {
    pub label: Txt,
    pub value: Option<Txt>,
    pub multiline: bool,
    pub rows: Vec<ReviewRow>,
    pub is_group: bool,
}

/// The fees and their total.
#[derive(Debug, Serialize)]
pub(crate) struct FeesView {
    pub rows: Vec<FeeRow>,
    pub total: String,
}

/// One fee.
#[derive(Debug, Serialize)]
pub(crate) struct FeeRow {
    pub label: String,
    pub amount: String,
}

pub(crate) fn fees_view(lang: &str, fees: &[FeeAmount], model_has_fees: bool) -> Option<FeesView> {
    if !model_has_fees && fees.is_empty() {
        return None;
    }
    let total: Decimal = fees.iter().map(|f| f.amount).sum();
    // A fee of nothing (postage abroad for a letter at home) is no news to the citizen.
    Some(FeesView {
        rows: fees
            .iter()
            .filter(|f| !f.amount.is_zero())
            .map(|f| FeeRow {
                label: f.label.clone(),
                amount: show_money(lang, f.amount),
            })
            .collect(),
        total: show_money(lang, total),
    })
}

/// Input for [`build_review`].
pub(crate) struct ReviewInput<'a> {
    pub form: &'a Form,
    pub lang: &'a str,
    pub data: &'a Json,
    pub errors: &'a [ValidationError],
    pub eval: &'a Evaluation,
    pub urls: &'a Urls,
    pub hidden: &'a [(String, String)],
    pub show_steps: bool,
    pub css: &'a str,
}

/// Builds the review page.
pub(crate) fn build_review(input: &ReviewInput<'_>) -> ReviewView {
    let model = input.form.model();
    let lang = input.lang;
    let default = model.default_lang();
    let t = messages(lang);
    let visible: Vec<&Page> = model
        .pages
        .iter()
        .filter(|p| input.eval.page_visible(&p.id))
        .collect();
    let mut sections = Vec::new();
    for p in &visible {
        let rows = review_rows(model, lang, input.data, input.eval, &p.items, &[]);
        if rows.is_empty() {
            continue;
        }
        sections.push(ReviewSection {
            id: format!(
                "section-{}",
                element_id(std::slice::from_ref(&p.id)).trim_start_matches("f-")
            ),
            title: txt(&p.title, lang, default),
            change_url: input.urls.page_url(&p.id),
            rows,
        });
    }
    let summary = input
        .errors
        .iter()
        .map(|e| {
            let page = if e.path.is_empty() {
                page_of_form_check(model, &e.message).map(|p| p.id.as_str())
            } else {
                page_of_pointer(input.form, &e.path)
            };
            let href = page.and_then(|p| input.urls.page_url(p)).map(|u| {
                if e.path.is_empty() {
                    u
                } else {
                    format!("{u}#{}", element_id(&pointer_tokens(&e.path)))
                }
            });
            SummaryItem {
                message: e.message.clone(),
                href,
            }
        })
        .collect::<Vec<_>>();
    let form_title = txt(&model.title, lang, default);
    let doc_title = format!(
        "{}{} – {}",
        if summary.is_empty() {
            ""
        } else {
            t.error_prefix
        },
        t.review_title,
        form_title.text
    );
    let steps = input.show_steps.then(|| {
        let mut items: Vec<Step> = visible
            .iter()
            .map(|p| Step {
                title: txt(&p.title, lang, default),
                url: input.urls.page_url(&p.id),
                current: false,
                done: true,
            })
            .collect();
        items.push(Step {
            title: Txt::plain(t.review_step),
            url: None,
            current: true,
            done: false,
        });
        Steps {
            caption: step_of(lang, items.len(), items.len()),
            items,
        }
    });
    ReviewView {
        doc: Doc::for_form(lang, doc_title, input.urls, input.css, model),
        summary,
        steps,
        back_url: input.urls.back.clone(),
        form: FormView {
            action: non_empty(&input.urls.action),
            multipart: false,
            artifact_url: None,
            form_id: model.id.clone(),
            page_id: String::new(),
            today: String::new(),
            hidden: hidden_inputs(input.hidden),
            has_actions: false,
        },
        sections,
        fees: fees_view(lang, &input.eval.fees, !model.fees.is_empty()),
    }
}

fn review_rows(
    model: &FormModel,
    lang: &str,
    data: &Json,
    eval: &Evaluation,
    items: &[Item],
    prefix: &[String],
) -> Vec<ReviewRow> {
    let default = model.default_lang();
    let mut rows = Vec::new();
    for item in items {
        match item {
            Item::Field(f) => {
                let mut tokens = prefix.to_vec();
                tokens.push(f.id.clone());
                let ptr = pointer(&tokens);
                if !eval.is_visible(&ptr) {
                    continue;
                }
                let raw = data.pointer(&ptr).filter(|v| !is_empty(v));
                let computed = eval.computed.get(&ptr);
                let j = if f.value.is_some() {
                    computed
                } else {
                    raw.or(computed)
                };
                rows.push(ReviewRow {
                    label: txt(&f.label, lang, default),
                    value: j.and_then(|j| show_value(model, lang, f, j)),
                    multiline: matches!(f.ty, FieldType::Textarea),
                    rows: Vec::new(),
                    is_group: false,
                });
            }
            Item::Group(g) => {
                let mut tokens = prefix.to_vec();
                tokens.push(g.id.clone());
                let ptr = pointer(&tokens);
                if !eval.is_visible(&ptr) {
                    continue;
                }
                let title = txt(&g.title, lang, default);
                if g.repeat.is_some() {
                    let n = data
                        .pointer(&ptr)
                        .and_then(Json::as_array)
                        .map_or(0, Vec::len);
                    if n == 0 {
                        rows.push(ReviewRow {
                            label: title.clone(),
                            value: None,
                            multiline: false,
                            rows: Vec::new(),
                            is_group: false,
                        });
                    }
                    for i in 0..n {
                        let mut et = tokens.clone();
                        et.push(i.to_string());
                        rows.push(ReviewRow {
                            label: Txt {
                                text: format!("{} {}", title.text, i + 1),
                                lang: title.lang.clone(),
                            },
                            value: None,
                            multiline: false,
                            rows: review_rows(model, lang, data, eval, &g.items, &et),
                            is_group: true,
                        });
                    }
                } else {
                    rows.push(ReviewRow {
                        label: title,
                        value: None,
                        multiline: false,
                        rows: review_rows(model, lang, data, eval, &g.items, &tokens),
                        is_group: true,
                    });
                }
            }
            Item::Info(_) | Item::Check(_) => {}
        }
    }
    rows
}

// ---------------------------------------------------------------------------------------
// Receipt, catalog, error page.

/// The receipt after a submission.
#[derive(Debug, Serialize)]
pub(crate) struct ReceiptView {
    pub doc: Doc,
    pub reference: String,
    pub received_at: String,
    pub received_at_iso: String,
    pub fees: Option<FeesView>,
    pub next_steps: Option<String>,
}

/// The catalog of forms.
#[derive(Debug, Serialize)]
pub(crate) struct CatalogView {
    pub doc: Doc,
    pub title: String,
    pub entries: Vec<CatalogEntryView>,
    pub unavailable: Vec<UnavailableView>,
}

/// One form of the catalog.
#[derive(Debug, Serialize)]
pub(crate) struct CatalogEntryView {
    pub id: String,
    pub title: Txt,
    pub description: Option<Txt>,
    pub publisher: String,
    pub version: String,
    pub leika: Option<String>,
    pub languages: String,
    pub url: String,
}

/// A form of the catalog that cannot be offered (it does not compile).
#[derive(Debug, Serialize)]
pub(crate) struct UnavailableView {
    pub name: String,
    pub url: Option<String>,
}

/// An error page.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorView {
    pub doc: Doc,
    pub heading: String,
    pub message: String,
    pub details: Vec<String>,
}

/// The fields of a catalog entry, shown in a language.
pub(crate) fn catalog_entry(model: &FormModel, url: &str, lang: &str) -> CatalogEntryView {
    let default = model.default_lang();
    let languages: BTreeMap<usize, String> = model
        .languages
        .iter()
        .enumerate()
        .map(|(i, l)| (i, crate::i18n::language_name(l)))
        .collect();
    CatalogEntryView {
        id: element_id(std::slice::from_ref(&model.id)),
        title: txt(&model.title, lang, default),
        description: model.description.as_ref().map(|d| txt(d, lang, default)),
        publisher: model.publisher.clone(),
        version: model.version.clone(),
        leika: model.leika.clone(),
        languages: languages.into_values().collect::<Vec<_>>().join(", "),
        url: url.to_owned(),
    }
}
