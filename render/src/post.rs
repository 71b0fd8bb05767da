//! The inverse of a rendered page: what the browser posts back (the decoded name/value
//! pairs of `application/x-www-form-urlencoded` or of the text parts of
//! `multipart/form-data`) applied to the draft, and which button was pressed.
//!
//! It follows the HTML contract of the crate docs, so that the naming lives in one place:
//! names are dotted data paths, a boolean is `true` when `true` is among its values, a
//! multichoice collects all its values, numbers are read the German way or the English
//! way, and `_action` names the button.

use std::str::FromStr;

use efa_core::model::{Field, FieldType, Item, Page};
use efa_core::{Form, ValidateOptions};
use rust_decimal::Decimal;
use serde_json::{Map, Value as Json};

use crate::paths::pointer;

/// The button a page was submitted with (`_action`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageAction {
    /// "Weiter": validate the page and go on (also when no `_action` was sent).
    Next,
    /// The review page's "Antrag absenden".
    Submit,
    /// "Add another" for the repeated group at this dotted path (`kinder`,
    /// `eltern.0.kinder`); the entry was added to the data if the maximum allowed it.
    Add(String),
    /// "Remove" of an entry of a repeated group: its dotted path and index; the entry was
    /// removed from the data if the minimum allowed it.
    Remove(String, usize),
    /// Any other value (a button of a theme): left to the host.
    Other(String),
}

/// The result of [`apply_page_post`].
#[derive(Debug, Clone, PartialEq)]
pub struct PagePost {
    /// The draft with the page's values replaced by the posted ones.
    pub data: Json,
    /// The button pressed.
    pub action: PageAction,
}

/// Applies the fields posted from a form page to the draft data.
///
/// `fields` are the decoded pairs in the order posted (names may repeat). Only fields of
/// the page `page_id` are taken; other names, and names starting with `_`, are ignored
/// (the host handles its own, such as a CSRF token). Every field the page showed and
/// the browser did not send (an unchecked multichoice, an unselected radio group) is
/// cleared. Values are kept as typed when they do not fit the field's type, so that
/// validation reports them and the page shows them again; an empty value clears the
/// field. `file` fields are left alone: their metadata is the host's to set from the
/// upload. `add:`/`remove:` actions change the repeated group in the data.
///
/// Unknown page ids leave the data as it is.
pub fn apply_page_post(
    form: &Form,
    page_id: &str,
    draft: &Json,
    fields: &[(String, String)],
    today: chrono::NaiveDate,
) -> PagePost {
    let mut data = match draft {
        Json::Object(_) => draft.clone(),
        _ => Json::Object(Map::new()),
    };
    let action = fields
        .iter()
        .rev()
        .find(|(n, _)| n == "_action")
        .map_or(PageAction::Next, |(_, v)| parse_action(v));
    let Some(page) = form.model().pages.iter().find(|p| p.id == page_id) else {
        return PagePost { data, action };
    };
    // The fields the page showed: visible ones, and those whose visibility can change
    // on the page itself (see the crate docs).
    let eval = form.evaluate(&data, &ValidateOptions::new(today));
    let mut shown = Vec::new();
    collect_fields(page, &page.items, &data, &[], &eval, &mut shown);
    let mut posted: Vec<(Vec<String>, &Field, Vec<&str>)> = Vec::new();
    for (name, value) in fields {
        if name.starts_with('_') {
            continue;
        }
        let tokens: Vec<String> = name.split('.').map(str::to_owned).collect();
        // Only what the page showed: no entries beyond those shown, no fields left out.
        if !shown.iter().any(|(t, _)| *t == tokens) {
            continue;
        }
        let Some(field) = find_field(&page.items, &tokens) else {
            continue;
        };
        match posted.iter_mut().find(|(t, _, _)| *t == tokens) {
            Some((_, _, values)) => values.push(value),
            None => posted.push((tokens, field, vec![value])),
        }
    }
    for (tokens, field) in &shown {
        if field.value.is_some() || matches!(field.ty, FieldType::File) {
            continue;
        }
        if !posted.iter().any(|(t, _, _)| t == tokens) {
            remove(&mut data, tokens);
        }
    }
    for (tokens, field, values) in posted {
        if field.value.is_some() || matches!(field.ty, FieldType::File) {
            continue;
        }
        match read(field, &values) {
            Some(v) => set(&mut data, &tokens, v),
            None => remove(&mut data, &tokens),
        }
    }
    match &action {
        PageAction::Add(path) => {
            if let Some(max) = repeat_of(&page.items, path).map(|r| r.max) {
                let tokens: Vec<String> = path.split('.').map(str::to_owned).collect();
                let len = get(&data, &tokens)
                    .and_then(Json::as_array)
                    .map_or(0, Vec::len);
                let min = repeat_of(&page.items, path).map_or(0, |r| r.min as usize);
                if max.is_none_or(|m| len.max(min) < m as usize) {
                    // Entries shown but not in the data yet (up to `min`) come first.
                    let mut arr = get(&data, &tokens)
                        .and_then(Json::as_array)
                        .cloned()
                        .unwrap_or_default();
                    while arr.len() < min {
                        arr.push(Json::Object(Map::new()));
                    }
                    arr.push(Json::Object(Map::new()));
                    set(&mut data, &tokens, Json::Array(arr));
                }
            }
        }
        PageAction::Remove(path, index) => {
            if let Some(rep) = repeat_of(&page.items, path) {
                let tokens: Vec<String> = path.split('.').map(str::to_owned).collect();
                if let Some(Json::Array(arr)) = get_mut(&mut data, &tokens) {
                    if arr.len() > rep.min as usize && *index < arr.len() {
                        arr.remove(*index);
                    }
                }
            }
        }
        _ => {}
    }
    PagePost { data, action }
}

fn parse_action(v: &str) -> PageAction {
    if v == "next" {
        return PageAction::Next;
    }
    if v == "submit" {
        return PageAction::Submit;
    }
    if let Some(path) = v.strip_prefix("add:") {
        return PageAction::Add(path.to_owned());
    }
    if let Some(rest) = v.strip_prefix("remove:") {
        if let Some((path, idx)) = rest.rsplit_once('.') {
            if let Ok(i) = idx.parse() {
                return PageAction::Remove(path.to_owned(), i);
            }
        }
    }
    PageAction::Other(v.to_owned())
}

/// The field a dotted name (with entry indices) names among a page's items.
fn find_field<'m>(items: &'m [Item], tokens: &[String]) -> Option<&'m Field> {
    let (first, rest) = tokens.split_first()?;
    for item in items {
        match item {
            Item::Field(f) if &f.id == first && rest.is_empty() => return Some(f),
            Item::Group(g) if &g.id == first => {
                return if g.repeat.is_some() {
                    let (idx, rest) = rest.split_first()?;
                    idx.parse::<usize>().ok()?;
                    find_field(&g.items, rest)
                } else {
                    find_field(&g.items, rest)
                };
            }
            _ => {}
        }
    }
    None
}

/// The repeat bounds of the group at a dotted path (with entry indices) on a page.
fn repeat_of(items: &[Item], path: &str) -> Option<efa_core::model::Repeat> {
    let tokens: Vec<&str> = path.split('.').collect();
    let mut items = items;
    let mut i = 0;
    loop {
        let tok = tokens.get(i)?;
        let g = items.iter().find_map(|it| match it {
            Item::Group(g) if g.id == *tok => Some(g),
            _ => None,
        })?;
        i += 1;
        if i == tokens.len() {
            return g.repeat;
        }
        if g.repeat.is_some() {
            tokens.get(i)?.parse::<usize>().ok()?;
            i += 1;
        }
        items = &g.items;
    }
}

/// The fields a page shows for this data (their paths as tokens).
fn collect_fields<'m>(
    page: &Page,
    items: &'m [Item],
    data: &Json,
    prefix: &[String],
    eval: &efa_core::Evaluation,
    out: &mut Vec<(Vec<String>, &'m Field)>,
) {
    let on_page = |e: &efa_core::expr::Expr| {
        let mut yes = false;
        e.for_each_ref(&mut |r| {
            let first = r.split('.').next().unwrap_or(r);
            yes |= page.items.iter().any(|i| match i {
                Item::Field(f) => f.id == first,
                Item::Group(g) => g.id == first,
                _ => false,
            });
        });
        yes
    };
    for item in items {
        match item {
            Item::Field(f) => {
                let mut t = prefix.to_vec();
                t.push(f.id.clone());
                let in_hidden_container = !prefix.is_empty() && !eval.is_visible(&pointer(prefix));
                if eval.is_visible(&pointer(&t))
                    || f.visible.as_ref().is_some_and(on_page)
                    || in_hidden_container
                {
                    out.push((t, f));
                }
            }
            Item::Group(g) => {
                let mut t = prefix.to_vec();
                t.push(g.id.clone());
                let ptr = pointer(&t);
                if !(eval.is_visible(&ptr) || g.visible.as_ref().is_some_and(on_page)) {
                    continue;
                }
                match g.repeat {
                    None => collect_fields(page, &g.items, data, &t, eval, out),
                    Some(rep) => {
                        let len = data
                            .pointer(&ptr)
                            .and_then(Json::as_array)
                            .map_or(0, Vec::len);
                        for i in 0..len.max(rep.min as usize) {
                            let mut et = t.clone();
                            et.push(i.to_string());
                            collect_fields(page, &g.items, data, &et, eval, out);
                        }
                    }
                }
            }
            Item::Info(_) | Item::Check(_) => {}
        }
    }
}

/// A posted value as JSON for the field's type; `None` for "no value".
fn read(field: &Field, values: &[&str]) -> Option<Json> {
    let last = values.iter().rev().find(|v| !v.is_empty()).copied();
    match &field.ty {
        FieldType::Boolean => Some(Json::Bool(values.contains(&"true"))),
        FieldType::Multichoice { .. } => {
            let mut keys: Vec<Json> = Vec::new();
            for v in values {
                for part in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    let key = Json::String(part.to_owned());
                    if !keys.contains(&key) {
                        keys.push(key);
                    }
                }
            }
            (!keys.is_empty()).then_some(Json::Array(keys))
        }
        FieldType::Textarea => last.map(|v| Json::String(v.replace("\r\n", "\n"))),
        FieldType::Integer => {
            let v = last?.trim();
            if v.is_empty() {
                return None;
            }
            Some(number(v, true).unwrap_or_else(|| Json::String(v.to_owned())))
        }
        FieldType::Decimal | FieldType::Money => {
            let v = last?.trim();
            if v.is_empty() {
                return None;
            }
            Some(number(v, false).unwrap_or_else(|| Json::String(v.to_owned())))
        }
        FieldType::File => None,
        _ => {
            let v = last?.trim();
            (!v.is_empty()).then(|| Json::String(v.to_owned()))
        }
    }
}

/// Reads `1234`, `-12,50`, `1.234,50` (German) or `1,234.50` / `12.5` (English).
fn number(v: &str, integer: bool) -> Option<Json> {
    let v: String = v
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    let v = v.trim_end_matches('€').trim_start_matches('€').to_owned();
    let normal = if v.contains(',') && v.contains('.') {
        if v.rfind(',') > v.rfind('.') {
            v.replace('.', "").replace(',', ".")
        } else {
            v.replace(',', "")
        }
    } else if v.contains(',') {
        v.replace(',', ".")
    } else if integer && v.contains('.') && v.split('.').skip(1).all(|g| g.len() == 3) {
        // `1.000` in an integer field is a thousand.
        v.replace('.', "")
    } else {
        v
    };
    let d = Decimal::from_str(&normal).ok()?;
    if integer && !d.fract().is_zero() {
        return None;
    }
    serde_json::from_str::<Json>(&d.normalize().to_string())
        .ok()
        .filter(Json::is_number)
}

fn get<'a>(data: &'a Json, tokens: &[String]) -> Option<&'a Json> {
    data.pointer(&pointer(tokens))
}

fn get_mut<'a>(data: &'a mut Json, tokens: &[String]) -> Option<&'a mut Json> {
    data.pointer_mut(&pointer(tokens))
}

/// Sets a value, creating objects and array entries on the way.
fn set(data: &mut Json, tokens: &[String], value: Json) {
    let Some((last, parents)) = tokens.split_last() else {
        return;
    };
    let mut cur = data;
    for (i, tok) in parents.iter().enumerate() {
        let next_is_index = tokens
            .get(i + 1)
            .is_some_and(|t| t.parse::<usize>().is_ok());
        let empty = || {
            if next_is_index {
                Json::Array(Vec::new())
            } else {
                Json::Object(Map::new())
            }
        };
        cur = match cur {
            Json::Object(map) => {
                let slot = map.entry(tok.clone()).or_insert_with(empty);
                if !(slot.is_object() || slot.is_array()) {
                    *slot = empty();
                }
                slot
            }
            Json::Array(arr) => {
                let Ok(idx) = tok.parse::<usize>() else {
                    return;
                };
                if idx > 10_000 {
                    return;
                }
                while arr.len() <= idx {
                    arr.push(Json::Object(Map::new()));
                }
                if !(arr[idx].is_object() || arr[idx].is_array()) {
                    arr[idx] = empty();
                }
                &mut arr[idx]
            }
            _ => return,
        };
    }
    match cur {
        Json::Object(map) => {
            map.insert(last.clone(), value);
        }
        Json::Array(arr) => {
            if let Ok(idx) = last.parse::<usize>() {
                if idx <= 10_000 {
                    while arr.len() <= idx {
                        arr.push(Json::Object(Map::new()));
                    }
                    arr[idx] = value;
                }
            }
        }
        _ => {}
    }
}

/// Removes a value (a missing path is fine).
fn remove(data: &mut Json, tokens: &[String]) {
    let Some((last, parents)) = tokens.split_last() else {
        return;
    };
    if let Some(Json::Object(map)) = data.pointer_mut(&pointer(parents)) {
        map.remove(last);
    }
}
