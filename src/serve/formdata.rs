//! From the flat inputs of a posted page to the nested data of SPEC section 3.
//!
//! Inputs are named by their data path with dots (`anschrift.plz`, `kinder.1.name`). The
//! form model gives each name its type: numbers are parsed from text (a German decimal
//! comma is accepted: `12,50`, `1.234,56`), a boolean is `true` when `true` is among its
//! values, a multichoice collects its repeated values, and an empty input means "no
//! value". Text that is not a number stays the string it was, so that validation reports
//! `type` and the page shows it again as entered.
//!
//! A page replaces the values of its own fields in the draft. A field that was shown but
//! sent nothing (no radio button chosen, no checkbox ticked) loses its value; one that
//! was hidden and sent nothing keeps it, so that nothing entered earlier is lost. A file
//! input without a new file keeps the file uploaded before.

use std::collections::{BTreeSet, HashMap};

use efa_forms::core::model::{Field, FieldType, FormModel, Group, Item, Page};
use efa_forms::core::Evaluation;
use serde_json::{Map, Number, Value as Json};

/// The most entries of a repeated group without a `max` a page post can create.
const MAX_ENTRIES: usize = 200;

/// What the citizen asked for with the button they pressed (`_action`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Continue (validate the page, go on).
    Next,
    /// Add an entry to the repeated group at this path (`add:kinder`).
    Add(Vec<String>),
    /// Remove the entry with this index from the repeated group at this path
    /// (`remove:kinder.1`).
    Remove(Vec<String>, usize),
}

impl Action {
    /// Reads the value of `_action`; anything not understood continues.
    pub fn parse(value: Option<&str>) -> Action {
        let Some(v) = value else {
            return Action::Next;
        };
        if let Some(path) = v.strip_prefix("add:") {
            return Action::Add(path.split('.').map(str::to_owned).collect());
        }
        if let Some(path) = v.strip_prefix("remove:") {
            let mut tokens: Vec<String> = path.split('.').map(str::to_owned).collect();
            if let Some(index) = tokens.pop().and_then(|i| i.parse::<usize>().ok()) {
                if !tokens.is_empty() {
                    return Action::Remove(tokens, index);
                }
            }
        }
        Action::Next
    }
}

/// A posted page: its values by input name, and its uploaded files (already stored),
/// each as the file object of the data.
#[derive(Debug, Default)]
pub(crate) struct Posted {
    values: HashMap<String, Vec<String>>,
    files: HashMap<String, Json>,
}

impl Posted {
    /// Adds a value posted under `name`.
    pub fn push(&mut self, name: String, value: String) {
        self.values.entry(name).or_default().push(value);
    }

    /// Adds an uploaded file posted under `name`.
    pub fn push_file(&mut self, name: String, file: Json) {
        self.files.insert(name, file);
    }

    /// The first value posted under `name`.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    /// The entry indices posted below the repeated group named `prefix` (below `cap`).
    fn entries_below(&self, prefix: &str, cap: usize) -> BTreeSet<usize> {
        let dotted = format!("{prefix}.");
        self.values
            .keys()
            .chain(self.files.keys())
            .filter_map(|k| k.strip_prefix(&dotted))
            .filter_map(|rest| rest.split('.').next()?.parse::<usize>().ok())
            .filter(|i| *i < cap)
            .collect()
    }
}

/// Reads an `application/x-www-form-urlencoded` body.
pub(crate) fn parse_urlencoded(body: &[u8]) -> Posted {
    let mut posted = Posted::default();
    for (k, v) in form_urlencoded::parse(body) {
        posted.push(k.into_owned(), v.into_owned());
    }
    posted
}

/// The draft after a page was posted: the page's fields replaced by what was sent.
/// `before` is the evaluation of the draft as the page was shown.
pub(crate) fn apply_page(
    model: &FormModel,
    page: &Page,
    posted: &Posted,
    draft: &Json,
    before: &Evaluation,
) -> Json {
    let old = draft.as_object();
    let mut out = old.cloned().unwrap_or_default();
    let cx = Cx {
        model,
        posted,
        before,
    };
    cx.items(&page.items, &[], old, &mut out);
    Json::Object(out)
}

struct Cx<'a> {
    model: &'a FormModel,
    posted: &'a Posted,
    before: &'a Evaluation,
}

/// What a posted input says about a field.
enum Input {
    /// A value.
    Value(Json),
    /// Sent empty: no value.
    Empty,
}

fn pointer(tokens: &[String]) -> String {
    tokens
        .iter()
        .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
        .collect()
}

impl Cx<'_> {
    fn items(
        &self,
        items: &[Item],
        prefix: &[String],
        old: Option<&Map<String, Json>>,
        out: &mut Map<String, Json>,
    ) {
        for item in items {
            match item {
                Item::Field(f) if f.value.is_none() => {
                    let mut tokens = prefix.to_vec();
                    tokens.push(f.id.clone());
                    match self.field(f, &tokens) {
                        Some(Input::Value(v)) => {
                            out.insert(f.id.clone(), v);
                        }
                        Some(Input::Empty) => {
                            out.remove(&f.id);
                        }
                        None => {
                            // Shown but nothing sent: no value. Hidden: keep what it had.
                            if !matches!(f.ty, FieldType::File)
                                && self.before.is_visible(&pointer(&tokens))
                            {
                                out.remove(&f.id);
                            }
                        }
                    }
                }
                Item::Group(g) => {
                    let mut tokens = prefix.to_vec();
                    tokens.push(g.id.clone());
                    let value = if g.repeat.is_some() {
                        self.repeat(g, &tokens, old.and_then(|m| m.get(&g.id)))
                    } else {
                        let old_sub = old.and_then(|m| m.get(&g.id)).and_then(Json::as_object);
                        let mut sub = old_sub.cloned().unwrap_or_default();
                        self.items(&g.items, &tokens, old_sub, &mut sub);
                        (!sub.is_empty()).then_some(Json::Object(sub))
                    };
                    match value {
                        Some(v) => out.insert(g.id.clone(), v),
                        None => out.remove(&g.id),
                    };
                }
                _ => {}
            }
        }
    }

    /// A repeated group: the entries the draft had and those posted, in order of their
    /// index, without gaps (an index that was neither in the draft nor posted is no
    /// entry). `None` when there are none.
    fn repeat(&self, g: &Group, tokens: &[String], old: Option<&Json>) -> Option<Json> {
        let old_entries: &[Json] = old.and_then(Json::as_array).map_or(&[], Vec::as_slice);
        let cap = g
            .repeat
            .and_then(|r| r.max)
            .map_or(MAX_ENTRIES, |m| m as usize)
            .max(old_entries.len());
        let mut indices = self.posted.entries_below(&tokens.join("."), cap);
        indices.extend(0..old_entries.len());
        if indices.is_empty() {
            return None;
        }
        let entries = indices
            .into_iter()
            .map(|i| {
                let mut et = tokens.to_vec();
                et.push(i.to_string());
                let old_entry = old_entries.get(i).and_then(Json::as_object);
                let mut entry = old_entry.cloned().unwrap_or_default();
                self.items(&g.items, &et, old_entry, &mut entry);
                Json::Object(entry)
            })
            .collect();
        Some(Json::Array(entries))
    }

    /// What was posted for a field, `None` when nothing was.
    fn field(&self, f: &Field, tokens: &[String]) -> Option<Input> {
        let name = tokens.join(".");
        if matches!(f.ty, FieldType::File) {
            return self.posted.files.get(&name).cloned().map(Input::Value);
        }
        let values = self.posted.values.get(&name)?;
        Some(match &f.ty {
            FieldType::Multichoice { list } => {
                let typed = self.model.list(list).is_none_or(|l| l.options.is_empty());
                let mut keys: Vec<String> = Vec::new();
                for v in values {
                    // A code list without options is typed in, comma-separated.
                    let parts: Vec<&str> = if typed {
                        v.split(',').collect()
                    } else {
                        vec![v.as_str()]
                    };
                    for p in parts {
                        let p = p.trim();
                        if !p.is_empty() && !keys.iter().any(|k| k == p) {
                            keys.push(p.to_owned());
                        }
                    }
                }
                if keys.is_empty() {
                    Input::Empty
                } else {
                    Input::Value(Json::Array(keys.into_iter().map(Json::String).collect()))
                }
            }
            FieldType::Boolean => {
                let has = |words: &[&str]| {
                    values
                        .iter()
                        .any(|v| words.iter().any(|w| v.trim().eq_ignore_ascii_case(w)))
                };
                if has(&["true", "on", "1", "yes", "ja"]) {
                    Input::Value(Json::Bool(true))
                } else if has(&["false", "off", "0", "no", "nein"]) {
                    Input::Value(Json::Bool(false))
                } else {
                    match values.iter().map(|v| v.trim()).find(|v| !v.is_empty()) {
                        Some(v) => Input::Value(Json::String(v.to_owned())),
                        None => Input::Empty,
                    }
                }
            }
            ty => {
                let raw = values.last().map(String::as_str).unwrap_or("");
                let text = if matches!(ty, FieldType::Textarea) {
                    raw.replace("\r\n", "\n")
                } else {
                    raw.trim().to_owned()
                };
                if text.trim().is_empty() {
                    Input::Empty
                } else if ty.is_numeric() {
                    Input::Value(parse_number(&text, ty))
                } else {
                    Input::Value(Json::String(text))
                }
            }
        })
    }
}

/// A number typed by a person: `12`, `12,50`, `1.234,56`, `-3.5`, `12,50 €`. What cannot
/// be read as a number stays the text it was.
pub(crate) fn parse_number(text: &str, ty: &FieldType) -> Json {
    let raw = || Json::String(text.to_owned());
    let mut s: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202f}' && *c != '\'')
        .collect();
    if matches!(ty, FieldType::Money) {
        for suffix in ["€", "EUR", "eur"] {
            if let Some(rest) = s.strip_suffix(suffix) {
                s = rest.to_owned();
                break;
            }
        }
    }
    if s.contains(',') {
        if s.matches(',').count() > 1 {
            return raw();
        }
        // German: the comma is the decimal mark, dots group thousands.
        s = s.replace('.', "").replace(',', ".");
    }
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(&s);
    let (int, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) || int.len() > 15 {
        return raw();
    }
    let negative = s.starts_with('-');
    let sign = if negative { "-" } else { "" };
    // Integers stay integers (`3,0` is 3); a fraction makes a decimal number.
    let frac = frac
        .map(|f| f.trim_end_matches('0'))
        .filter(|f| !f.is_empty());
    if frac.is_none() {
        if let Ok(i) = format!("{sign}{int}").parse::<i64>() {
            return Json::Number(Number::from(i));
        }
    }
    let normal = match frac {
        Some(f) => format!("{sign}{int}.{f}"),
        None => format!("{sign}{int}"),
    };
    match serde_json::from_str::<Json>(&normal) {
        Ok(n @ Json::Number(_)) => n,
        _ => raw(),
    }
}

/// Applies an add or remove button to the draft. Only repeated groups of `page` can be
/// changed; `min` and `max` are kept. Returns whether anything changed.
pub(crate) fn apply_action(
    model: &FormModel,
    page: &Page,
    draft: &mut Json,
    action: &Action,
) -> bool {
    let (path, index) = match action {
        Action::Next => return false,
        Action::Add(path) => (path, None),
        Action::Remove(path, i) => (path, Some(*i)),
    };
    let Some(group) = repeated_group(page, path) else {
        return false;
    };
    let Some(rep) = group.repeat else {
        return false;
    };
    let _ = model;
    // Walk to the array, creating objects and the array on the way.
    let mut cur = draft;
    for (i, tok) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        cur = match cur {
            Json::Object(m) => {
                let fresh = if last {
                    Json::Array(Vec::new())
                } else if path.get(i + 1).is_some_and(|t| t.parse::<usize>().is_ok()) {
                    return false; // an entry that does not exist yet
                } else {
                    Json::Object(Map::new())
                };
                let slot = m.entry(tok.clone()).or_insert(fresh);
                if slot.is_null() {
                    *slot = if last {
                        Json::Array(Vec::new())
                    } else {
                        Json::Object(Map::new())
                    };
                }
                slot
            }
            Json::Array(a) => match tok.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(v) => v,
                None => return false,
            },
            _ => return false,
        };
    }
    let Json::Array(entries) = cur else {
        return false;
    };
    match index {
        None => {
            let full = rep.max.is_some_and(|m| entries.len() >= m as usize)
                || entries.len() >= MAX_ENTRIES;
            if full {
                return false;
            }
            while entries.len() < rep.min as usize {
                entries.push(Json::Object(Map::new()));
            }
            entries.push(Json::Object(Map::new()));
            true
        }
        Some(i) => {
            if i >= entries.len() || entries.len() <= rep.min as usize {
                return false;
            }
            entries.remove(i);
            true
        }
    }
}

/// The repeated group a button's path names on a page (`kinder`, `eltern.0.kinder`).
fn repeated_group<'m>(page: &'m Page, path: &[String]) -> Option<&'m Group> {
    let mut items: &[Item] = &page.items;
    let mut found: Option<&Group> = None;
    let mut expect_index = false;
    for tok in path {
        if expect_index {
            tok.parse::<usize>().ok()?;
            expect_index = false;
            continue;
        }
        let g = items.iter().find_map(|i| match i {
            Item::Group(g) if &g.id == tok => Some(g),
            _ => None,
        })?;
        expect_index = g.repeat.is_some();
        items = &g.items;
        found = Some(g);
    }
    // The path must end at a repeated group, not inside one of its entries.
    found.filter(|g| g.repeat.is_some() && expect_index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use efa_forms::core::ValidateOptions;
    use efa_forms::Loaded;
    use serde_json::json;

    const FORM: &str = r#"form t { version "1.0.0" title "T" publisher "HE"
      list farben { rot "Rot" gruen "Gruen" blau "Blau" }
      page p "P" {
        field name: text { label "Name" required }
        field anzahl: integer { label "Anzahl" }
        field betrag: money { label "Betrag" }
        field ok: boolean { label "OK" }
        field farben: multichoice(farben) { label "Farben" }
        field farbe: choice(farben) { label "Farbe" }
        field notiz: textarea { label "Notiz" }
        group anschrift "Anschrift" { field plz: postcode { label "PLZ" } }
        group kinder "Kinder" repeat 0..3 { field name: text { label "Name" required } }
      }
      page q "Q" { field later: text { label "L" } }
    }"#;

    fn form() -> Loaded {
        Loaded::from_source("t.form", FORM.to_owned()).unwrap()
    }

    fn post(pairs: &[(&str, &str)]) -> Posted {
        let mut p = Posted::default();
        for (k, v) in pairs {
            p.push((*k).to_owned(), (*v).to_owned());
        }
        p
    }

    fn apply(l: &Loaded, draft: Json, pairs: &[(&str, &str)]) -> Json {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let ev = l.form.evaluate(&draft, &ValidateOptions::new(today));
        apply_page(l.model(), &l.model().pages[0], &post(pairs), &draft, &ev)
    }

    #[test]
    fn flat_names_become_nested_typed_data() {
        let l = form();
        let data = apply(
            &l,
            json!({"later": "kept"}),
            &[
                ("name", " Anna "),
                ("anzahl", "3"),
                ("betrag", "12,50"),
                ("ok", "false"),
                ("ok", "true"),
                ("farben", "rot"),
                ("farben", "blau"),
                ("notiz", "a\r\nb"),
                ("anschrift.plz", "99084"),
                ("kinder.0.name", "Ben"),
                ("kinder.1.name", ""),
            ],
        );
        assert_eq!(
            data,
            json!({"later": "kept", "name": "Anna", "anzahl": 3, "betrag": 12.5, "ok": true,
                   "farben": ["rot", "blau"], "notiz": "a\nb", "anschrift": {"plz": "99084"},
                   "kinder": [{"name": "Ben"}, {}]})
        );
    }

    #[test]
    fn empty_and_unsent_inputs_clear_shown_fields() {
        let l = form();
        let draft = json!({"name": "A", "farbe": "rot", "farben": ["rot"], "anzahl": 2});
        let data = apply(
            &l,
            draft,
            &[("name", ""), ("ok", "false"), ("anzahl", "zwei")],
        );
        assert_eq!(data, json!({"anzahl": "zwei", "ok": false}));
    }

    #[test]
    fn numbers_as_people_type_them() {
        let int = FieldType::Integer;
        let money = FieldType::Money;
        assert_eq!(parse_number("12", &int), json!(12));
        assert_eq!(parse_number("3,0", &int), json!(3));
        assert_eq!(parse_number("-7", &int), json!(-7));
        assert_eq!(parse_number("1.234,56", &money), json!(1234.56));
        assert_eq!(parse_number("12,50 €", &money), json!(12.5));
        assert_eq!(parse_number("12.5", &FieldType::Decimal), json!(12.5));
        assert_eq!(parse_number("3.5", &int), json!(3.5));
        assert_eq!(parse_number("zwölf", &int), json!("zwölf"));
        assert_eq!(parse_number("1,2,3", &money), json!("1,2,3"));
        assert_eq!(parse_number("1e5", &int), json!("1e5"));
    }

    #[test]
    fn add_and_remove_entries() {
        let l = form();
        let page = &l.model().pages[0];
        let mut d = json!({});
        let add = Action::parse(Some("add:kinder"));
        assert!(apply_action(l.model(), page, &mut d, &add));
        assert!(apply_action(l.model(), page, &mut d, &add));
        assert!(apply_action(l.model(), page, &mut d, &add));
        assert!(!apply_action(l.model(), page, &mut d, &add), "max 3");
        assert_eq!(d["kinder"].as_array().unwrap().len(), 3);
        let remove = Action::parse(Some("remove:kinder.1"));
        assert_eq!(remove, Action::Remove(vec!["kinder".into()], 1));
        assert!(apply_action(l.model(), page, &mut d, &remove));
        assert_eq!(d["kinder"].as_array().unwrap().len(), 2);
        let bogus = Action::parse(Some("add:name"));
        assert!(!apply_action(l.model(), page, &mut d, &bogus));
        assert_eq!(Action::parse(Some("next")), Action::Next);
        assert_eq!(Action::parse(None), Action::Next);
    }

    #[test]
    fn hostile_indices_are_bounded() {
        let l = form();
        let data = apply(&l, json!({}), &[("kinder.99999999.name", "x")]);
        assert_eq!(data.get("kinder"), None);
        let data = apply(&l, json!({}), &[("kinder.2.name", "x")]);
        assert_eq!(
            data["kinder"],
            json!([{"name": "x"}]),
            "no entries for gaps"
        );
    }
}
