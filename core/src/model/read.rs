//! Reading a model from its JSON value by hand: the same model, or the same error
//! message, as serde's derived `Deserialize` gives for that value
//! (`serde_json::from_value`).
//!
//! Why by hand: serde's derived decoding, instantiated for serde_json's `Value`, was the
//! largest part of the browser runtime, and it carries float parsing and printing along
//! (serde's messages can name a float). The derives stay: they write artifacts, and
//! natively they read a malformed artifact's text once more to say where the mistake
//! is. Tests hold the two readers equal: generated models round-trip through both, and
//! every artifact the repository builds, changed entry by entry, fails with the same
//! message on both (`tests/model_reader.rs`).
//!
//! One small function per type; the helpers reproduce serde's rules:
//! - a struct ([`Spec`]) visits its entries in order and reports an unknown key (where
//!   the type denies them) or a bad value as it meets it, then the first required field
//!   that is missing, in declaration order; it may also be given as an array of its
//!   fields in declaration order;
//! - an `Option` takes `null` for "absent";
//! - an enum is `"variant"` or `{"variant": value}` (a unit variant also takes
//!   `{"variant": null}`);
//! - an item is an object with a `"kind"` (see [`item`]);
//! - an integer is read from the number's text: where serde would name a float, the
//!   message is "invalid number", as serde_json's reader of integers from a value says.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Map, Value as Json};

use super::{
    BaseRef, Check, Codelist, Fee, Field, FieldType, FimRef, FormModel, Group, Info, Item, List,
    ListOption, Page, Param, Pattern, Repeat, Required, Text,
};
use crate::artifact::Artifact;
use crate::expr::{Aggregate, BinOp, Expr, Func, Lit, UnOp};

/// A result whose error is serde's message.
pub(crate) type R<T> = Result<T, String>;

// --- values ------------------------------------------------------------------------------

/// What serde_json calls a value in an "invalid type" message.
fn unexpected(v: &Json) -> String {
    match v {
        Json::Null => "null".to_owned(),
        Json::Bool(b) => format!("boolean `{b}`"),
        Json::Number(_) => "number".to_owned(),
        Json::String(s) => format!("string {s:?}"),
        Json::Array(_) => "sequence".to_owned(),
        Json::Object(_) => "map".to_owned(),
    }
}

fn invalid_type(v: &Json, expected: &str) -> String {
    format!("invalid type: {}, expected {expected}", unexpected(v))
}

/// Names as serde lists the expected ones: `` `a` ``, `` `a` or `b` ``, `` one of `a`, `b`, `c` ``.
fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [a] => a.clone(),
        [a, b] => format!("{a} or {b}"),
        _ => format!("one of {}", quoted.join(", ")),
    }
}

fn string(v: &Json) -> R<String> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| invalid_type(v, "a string"))
}

fn boolean(v: &Json) -> R<bool> {
    v.as_bool().ok_or_else(|| invalid_type(v, "a boolean"))
}

/// An unsigned integer from the number's text (`u32`, `u64`). `-0` is 0: every integer
/// of the model sits in an item, which serde's reader of items takes apart through a
/// copy of the value, and that copy writes `-0` as `0`.
fn unsigned<T: FromStr>(v: &Json, name: &str) -> R<T> {
    match v {
        Json::Number(n) => match n.as_str() {
            "-0" => "0",
            text => text,
        }
        .parse()
        .map_err(|_| "invalid number".to_owned()),
        _ => Err(invalid_type(v, name)),
    }
}

fn u32_(v: &Json) -> R<u32> {
    unsigned(v, "u32")
}

fn u64_(v: &Json) -> R<u64> {
    unsigned(v, "u64")
}

/// `null` is absent.
fn opt<T>(v: &Json, read: fn(&Json) -> R<T>) -> R<Option<T>> {
    if v.is_null() {
        Ok(None)
    } else {
        read(v).map(Some)
    }
}

fn seq<T>(v: &Json, read: fn(&Json) -> R<T>) -> R<Vec<T>> {
    match v {
        Json::Array(a) => {
            let mut items = Vec::with_capacity(a.len());
            for v in a {
                items.push(read(v)?);
            }
            Ok(items)
        }
        _ => Err(invalid_type(v, "a sequence")),
    }
}

/// A text: an object of language codes; a repeated language would be the last one.
fn text(v: &Json) -> R<Text> {
    let Json::Object(m) = v else {
        return Err(invalid_type(v, "a map"));
    };
    let mut t = Text::default();
    for (lang, s) in m {
        t.insert(lang.as_str(), string(s)?);
    }
    Ok(t)
}

// --- structs -----------------------------------------------------------------------------

/// A struct's value as serde visits it.
enum Entries<'a> {
    /// An object's entries, in order.
    Map(Vec<(&'a str, &'a Json)>),
    /// An array: the fields in declaration order.
    Seq(&'a [Json]),
}

fn entries(m: &Map<String, Json>) -> Entries<'_> {
    Entries::Map(m.iter().map(|(k, v)| (k.as_str(), v)).collect())
}

/// A struct as serde's derive reads it.
struct Spec {
    /// `struct Field`: what a value of the wrong type is said to miss.
    name: &'static str,
    /// Its entries, in declaration order (serde's `FIELDS`).
    fields: &'static [&'static str],
    /// Whether an unknown key is an error (`deny_unknown_fields`).
    deny_unknown: bool,
}

/// The setter of a struct's fields: gets the field's index and its value.
type Set<'s, 'a> = &'s mut dyn FnMut(usize, &'a Json) -> R<()>;

impl Spec {
    /// The entries of a struct's value (an object, or an array of the fields).
    fn entries<'a>(&self, v: &'a Json) -> R<Entries<'a>> {
        match v {
            Json::Object(m) => Ok(entries(m)),
            Json::Array(a) => Ok(Entries::Seq(a)),
            _ => Err(invalid_type(v, self.name)),
        }
    }

    /// Hands every field given to `set`, in the order serde reads them.
    fn visit<'a>(&self, e: &Entries<'a>, set: Set<'_, 'a>) -> R<()> {
        match e {
            Entries::Map(m) => {
                for &(key, v) in m {
                    match self.fields.iter().position(|f| *f == key) {
                        Some(i) => set(i, v)?,
                        None if self.deny_unknown => {
                            return Err(format!(
                                "unknown field `{key}`, expected {}",
                                one_of(self.fields)
                            ))
                        }
                        None => {}
                    }
                }
            }
            Entries::Seq(a) => {
                for (i, v) in a.iter().take(self.fields.len()).enumerate() {
                    set(i, v)?;
                }
                if a.len() > self.fields.len() {
                    return Err(format!(
                        "invalid length {}, expected fewer elements in array",
                        a.len()
                    ));
                }
            }
        }
        Ok(())
    }

    /// A required field's value; called in declaration order, the first one missing is
    /// the error.
    #[inline]
    fn need<T>(&self, e: &Entries<'_>, i: usize, value: Option<T>) -> R<T> {
        value.ok_or_else(|| self.missing(e, i))
    }

    /// The message for the `i`th field missing.
    fn missing(&self, e: &Entries<'_>, i: usize) -> String {
        match e {
            Entries::Map(_) => format!("missing field `{}`", self.fields[i]),
            Entries::Seq(_) => {
                let n = self.fields.len();
                let s = if n == 1 { "" } else { "s" };
                format!(
                    "invalid length {i}, expected {} with {n} element{s}",
                    self.name
                )
            }
        }
    }
}

const ARTIFACT: Spec = Spec {
    name: "struct Artifact",
    fields: &[
        "format",
        "id",
        "version",
        "publisher",
        "hash",
        "base",
        "model",
    ],
    deny_unknown: false,
};

/// An artifact's entries (its format, consistency and hash are checked by the caller).
pub(crate) fn artifact(v: &Json) -> R<Artifact> {
    let e = ARTIFACT.entries(v)?;
    let mut s: [Option<String>; 5] = Default::default();
    let (mut base, mut model) = (None, None);
    ARTIFACT.visit(&e, &mut |i, v| {
        match i {
            5 => base = opt(v, base_ref)?,
            6 => model = Some(form_model(v)?),
            _ => s[i] = Some(string(v)?),
        }
        Ok(())
    })?;
    let [format, id, version, publisher, hash] = s;
    Ok(Artifact {
        format: ARTIFACT.need(&e, 0, format)?,
        id: ARTIFACT.need(&e, 1, id)?,
        version: ARTIFACT.need(&e, 2, version)?,
        publisher: ARTIFACT.need(&e, 3, publisher)?,
        hash: ARTIFACT.need(&e, 4, hash)?,
        base,
        model: ARTIFACT.need(&e, 6, model)?,
    })
}

const FORM_MODEL: Spec = Spec {
    name: "struct FormModel",
    fields: &[
        "id",
        "version",
        "title",
        "description",
        "leika",
        "fim",
        "publisher",
        "languages",
        "params",
        "lists",
        "pages",
        "fees",
        "checks",
        "base",
    ],
    deny_unknown: true,
};

/// A model (the `model` of an artifact).
pub(crate) fn form_model(v: &Json) -> R<FormModel> {
    let e = FORM_MODEL.entries(v)?;
    let (mut id, mut version, mut title, mut description) = (None, None, None, None);
    let (mut leika, mut fim, mut publisher, mut languages) = (None, None, None, None);
    let (mut params, mut lists, mut pages) = (Vec::new(), Vec::new(), None);
    let (mut fees, mut checks, mut base) = (Vec::new(), Vec::new(), None);
    FORM_MODEL.visit(&e, &mut |i, v| {
        match i {
            0 => id = Some(string(v)?),
            1 => version = Some(string(v)?),
            2 => title = Some(text(v)?),
            3 => description = opt(v, text)?,
            4 => leika = opt(v, string)?,
            5 => fim = opt(v, fim_ref)?,
            6 => publisher = Some(string(v)?),
            7 => languages = Some(seq(v, string)?),
            8 => params = seq(v, param)?,
            9 => lists = seq(v, list)?,
            10 => pages = Some(seq(v, page)?),
            11 => fees = seq(v, fee)?,
            12 => checks = seq(v, |v| check(&CHECK.entries(v)?))?,
            _ => base = opt(v, base_ref)?,
        }
        Ok(())
    })?;
    Ok(FormModel {
        id: FORM_MODEL.need(&e, 0, id)?,
        version: FORM_MODEL.need(&e, 1, version)?,
        title: FORM_MODEL.need(&e, 2, title)?,
        description,
        leika,
        fim,
        publisher: FORM_MODEL.need(&e, 6, publisher)?,
        languages: FORM_MODEL.need(&e, 7, languages)?,
        params,
        lists,
        pages: FORM_MODEL.need(&e, 10, pages)?,
        fees,
        checks,
        base,
    })
}

const FIM_REF: Spec = Spec {
    name: "struct FimRef",
    fields: &["id", "version"],
    deny_unknown: true,
};

fn fim_ref(v: &Json) -> R<FimRef> {
    let e = FIM_REF.entries(v)?;
    let (mut id, mut version) = (None, None);
    FIM_REF.visit(&e, &mut |i, v| {
        match i {
            0 => id = Some(string(v)?),
            _ => version = opt(v, string)?,
        }
        Ok(())
    })?;
    Ok(FimRef {
        id: FIM_REF.need(&e, 0, id)?,
        version,
    })
}

const BASE_REF: Spec = Spec {
    name: "struct BaseRef",
    fields: &["id", "version", "publisher", "hash"],
    deny_unknown: true,
};

fn base_ref(v: &Json) -> R<BaseRef> {
    let e = BASE_REF.entries(v)?;
    let mut s: [Option<String>; 4] = Default::default();
    BASE_REF.visit(&e, &mut |i, v| {
        s[i] = Some(string(v)?);
        Ok(())
    })?;
    let [id, version, publisher, hash] = s;
    Ok(BaseRef {
        id: BASE_REF.need(&e, 0, id)?,
        version: BASE_REF.need(&e, 1, version)?,
        publisher: BASE_REF.need(&e, 2, publisher)?,
        hash: BASE_REF.need(&e, 3, hash)?,
    })
}

const PARAM: Spec = Spec {
    name: "struct Param",
    fields: &["name", "type", "value"],
    deny_unknown: true,
};

fn param(v: &Json) -> R<Param> {
    let e = PARAM.entries(v)?;
    let (mut name, mut ty, mut value) = (None, None, None);
    PARAM.visit(&e, &mut |i, v| {
        match i {
            0 => name = Some(string(v)?),
            1 => ty = Some(field_type(v)?),
            _ => value = Some(lit(v)?),
        }
        Ok(())
    })?;
    Ok(Param {
        name: PARAM.need(&e, 0, name)?,
        ty: PARAM.need(&e, 1, ty)?,
        value: PARAM.need(&e, 2, value)?,
    })
}

const LIST: Spec = Spec {
    name: "struct List",
    fields: &["id", "codelist", "options"],
    deny_unknown: true,
};

fn list(v: &Json) -> R<List> {
    let e = LIST.entries(v)?;
    let (mut id, mut codelist, mut options) = (None, None, None);
    LIST.visit(&e, &mut |i, v| {
        match i {
            0 => id = Some(string(v)?),
            1 => codelist = opt(v, code_list)?,
            _ => options = Some(seq(v, list_option)?),
        }
        Ok(())
    })?;
    Ok(List {
        id: LIST.need(&e, 0, id)?,
        codelist,
        options: LIST.need(&e, 2, options)?,
    })
}

const CODELIST: Spec = Spec {
    name: "struct Codelist",
    fields: &["urn", "version"],
    deny_unknown: true,
};

fn code_list(v: &Json) -> R<Codelist> {
    let e = CODELIST.entries(v)?;
    let (mut urn, mut version) = (None, None);
    CODELIST.visit(&e, &mut |i, v| {
        match i {
            0 => urn = Some(string(v)?),
            _ => version = opt(v, string)?,
        }
        Ok(())
    })?;
    Ok(Codelist {
        urn: CODELIST.need(&e, 0, urn)?,
        version,
    })
}

const LIST_OPTION: Spec = Spec {
    name: "struct ListOption",
    fields: &["key", "text"],
    deny_unknown: true,
};

fn list_option(v: &Json) -> R<ListOption> {
    let e = LIST_OPTION.entries(v)?;
    let (mut key, mut txt) = (None, None);
    LIST_OPTION.visit(&e, &mut |i, v| {
        match i {
            0 => key = Some(string(v)?),
            _ => txt = Some(text(v)?),
        }
        Ok(())
    })?;
    Ok(ListOption {
        key: LIST_OPTION.need(&e, 0, key)?,
        text: LIST_OPTION.need(&e, 1, txt)?,
    })
}

const PAGE: Spec = Spec {
    name: "struct Page",
    fields: &["id", "title", "visible", "items"],
    deny_unknown: true,
};

fn page(v: &Json) -> R<Page> {
    let e = PAGE.entries(v)?;
    let (mut id, mut title, mut visible, mut items) = (None, None, None, None);
    PAGE.visit(&e, &mut |i, v| {
        match i {
            0 => id = Some(string(v)?),
            1 => title = Some(text(v)?),
            2 => visible = opt(v, expr)?,
            _ => items = Some(seq(v, item)?),
        }
        Ok(())
    })?;
    Ok(Page {
        id: PAGE.need(&e, 0, id)?,
        title: PAGE.need(&e, 1, title)?,
        visible,
        items: PAGE.need(&e, 3, items)?,
    })
}

const KINDS: &[&str] = &["field", "group", "info", "check"];

/// An item: an object with `"kind"` beside the entries of its struct; an error names the
/// item (`field `vorname`: ...`), as the model's own `Deserialize` for [`Item`] does.
fn item(v: &Json) -> R<Item> {
    let Json::Object(m) = v else {
        return Err("invalid type: expected an item object with a \"kind\"".to_owned());
    };
    let kind = match m.get("kind") {
        Some(Json::String(kind)) => kind.as_str(),
        Some(_) => return Err("invalid type: \"kind\" must be a string".to_owned()),
        None => return Err("missing field `kind`".to_owned()),
    };
    let mut rest: Vec<(&str, &Json)> = m.iter().map(|(k, v)| (k.as_str(), v)).collect();
    // Without `kind`, in the order serde's reader sees the rest: it removes `kind` from
    // its copy of the object with a `swap_remove`, which puts the last entry there.
    if let Some(at) = rest.iter().position(|(k, _)| *k == "kind") {
        rest.swap_remove(at);
    }
    let rest = Entries::Map(rest);
    let read = match kind {
        "field" => field(&rest).map(Item::Field),
        "group" => group(&rest).map(Item::Group),
        "info" => info(&rest).map(Item::Info),
        "check" => check(&rest).map(Item::Check),
        other => {
            return Err(format!(
                "unknown variant `{other}`, expected {}",
                one_of(KINDS)
            ))
        }
    };
    read.map_err(|e| match m.get("id").and_then(Json::as_str) {
        Some(id) => format!("{kind} `{id}`: {e}"),
        None => format!("{kind}: {e}"),
    })
}

const GROUP: Spec = Spec {
    name: "struct Group",
    fields: &["id", "title", "hint", "repeat", "visible", "fim", "items"],
    deny_unknown: true,
};

fn group(e: &Entries<'_>) -> R<Group> {
    let (mut id, mut title, mut hint, mut repeat) = (None, None, None, None);
    let (mut visible, mut fim, mut items) = (None, None, None);
    GROUP.visit(e, &mut |i, v| {
        match i {
            0 => id = Some(string(v)?),
            1 => title = Some(text(v)?),
            2 => hint = opt(v, text)?,
            3 => repeat = opt(v, repeat_of)?,
            4 => visible = opt(v, expr)?,
            5 => fim = opt(v, fim_ref)?,
            _ => items = Some(seq(v, item)?),
        }
        Ok(())
    })?;
    Ok(Group {
        id: GROUP.need(e, 0, id)?,
        title: GROUP.need(e, 1, title)?,
        hint,
        repeat,
        visible,
        fim,
        items: GROUP.need(e, 6, items)?,
    })
}

const REPEAT: Spec = Spec {
    name: "struct Repeat",
    fields: &["min", "max"],
    deny_unknown: true,
};

fn repeat_of(v: &Json) -> R<Repeat> {
    let e = REPEAT.entries(v)?;
    let (mut min, mut max) = (None, None);
    REPEAT.visit(&e, &mut |i, v| {
        match i {
            0 => min = Some(u32_(v)?),
            _ => max = opt(v, u32_)?,
        }
        Ok(())
    })?;
    Ok(Repeat {
        min: REPEAT.need(&e, 0, min)?,
        max,
    })
}

const INFO: Spec = Spec {
    name: "struct Info",
    fields: &["text", "visible"],
    deny_unknown: true,
};

fn info(e: &Entries<'_>) -> R<Info> {
    let (mut txt, mut visible) = (None, None);
    INFO.visit(e, &mut |i, v| {
        match i {
            0 => txt = Some(text(v)?),
            _ => visible = opt(v, expr)?,
        }
        Ok(())
    })?;
    Ok(Info {
        text: INFO.need(e, 0, txt)?,
        visible,
    })
}

const CHECK: Spec = Spec {
    name: "struct Check",
    fields: &["condition", "message"],
    deny_unknown: true,
};

fn check(e: &Entries<'_>) -> R<Check> {
    let (mut condition, mut message) = (None, None);
    CHECK.visit(e, &mut |i, v| {
        match i {
            0 => condition = Some(expr(v)?),
            _ => message = Some(text(v)?),
        }
        Ok(())
    })?;
    Ok(Check {
        condition: CHECK.need(e, 0, condition)?,
        message: CHECK.need(e, 1, message)?,
    })
}

const FEE: Spec = Spec {
    name: "struct Fee",
    fields: &["id", "label", "amount"],
    deny_unknown: true,
};

fn fee(v: &Json) -> R<Fee> {
    let e = FEE.entries(v)?;
    let (mut id, mut label, mut amount) = (None, None, None);
    FEE.visit(&e, &mut |i, v| {
        match i {
            0 => id = Some(string(v)?),
            1 => label = Some(text(v)?),
            _ => amount = Some(expr(v)?),
        }
        Ok(())
    })?;
    Ok(Fee {
        id: FEE.need(&e, 0, id)?,
        label: FEE.need(&e, 1, label)?,
        amount: FEE.need(&e, 2, amount)?,
    })
}

const PATTERN: Spec = Spec {
    name: "struct Pattern",
    fields: &["regex", "message"],
    deny_unknown: true,
};

fn pattern(v: &Json) -> R<Pattern> {
    let e = PATTERN.entries(v)?;
    let (mut regex, mut message) = (None, None);
    PATTERN.visit(&e, &mut |i, v| {
        match i {
            0 => regex = Some(string(v)?),
            _ => message = opt(v, text)?,
        }
        Ok(())
    })?;
    Ok(Pattern {
        regex: PATTERN.need(&e, 0, regex)?,
        message,
    })
}

const FIELD: Spec = Spec {
    name: "struct Field",
    fields: &[
        "id",
        "type",
        "label",
        "hint",
        "required",
        "visible",
        "min",
        "max",
        "minlength",
        "maxlength",
        "pattern",
        "default",
        "value",
        "prefill",
        "fim",
        "accept",
        "maxsize",
    ],
    deny_unknown: true,
};

fn field(e: &Entries<'_>) -> R<Field> {
    let (mut id, mut ty, mut label, mut hint) = (None, None, None, None);
    let (mut required, mut visible, mut min, mut max) = (None, None, None, None);
    let (mut minlength, mut maxlength, mut pattern_, mut default) = (None, None, None, None);
    let (mut value, mut prefill, mut fim) = (None, None, None);
    let (mut accept, mut maxsize) = (Vec::new(), None);
    FIELD.visit(e, &mut |i, v| {
        match i {
            0 => id = Some(string(v)?),
            1 => ty = Some(field_type(v)?),
            2 => label = Some(text(v)?),
            3 => hint = opt(v, text)?,
            4 => required = opt(v, required_of)?,
            5 => visible = opt(v, expr)?,
            6 => min = opt(v, expr)?,
            7 => max = opt(v, expr)?,
            8 => minlength = opt(v, u64_)?,
            9 => maxlength = opt(v, u64_)?,
            10 => pattern_ = opt(v, pattern)?,
            11 => default = opt(v, expr)?,
            12 => value = opt(v, expr)?,
            13 => prefill = opt(v, string)?,
            14 => fim = opt(v, fim_ref)?,
            15 => accept = seq(v, string)?,
            _ => maxsize = opt(v, u64_)?,
        }
        Ok(())
    })?;
    Ok(Field {
        id: FIELD.need(e, 0, id)?,
        ty: FIELD.need(e, 1, ty)?,
        label: FIELD.need(e, 2, label)?,
        hint,
        required,
        visible,
        min,
        max,
        minlength,
        maxlength,
        pattern: pattern_,
        default,
        value,
        prefill,
        fim,
        accept,
        maxsize,
    })
}

// --- enums -------------------------------------------------------------------------------

/// An enum's variant (its index in `variants`) and the value beside it: `"variant"` has
/// none, `{"variant": value}` has one.
fn variant<'a>(v: &'a Json, variants: &[&str]) -> R<(usize, Option<&'a Json>)> {
    let (name, value) = match v {
        Json::String(name) => (name, None),
        Json::Object(m) => {
            let mut it = m.iter();
            match (it.next(), it.next()) {
                (Some((name, value)), None) => (name, Some(value)),
                _ => return Err("invalid value: map, expected map with a single key".to_owned()),
            }
        }
        _ => return Err(invalid_type(v, "string or map")),
    };
    match variants.iter().position(|n| n == name) {
        Some(i) => Ok((i, value)),
        None => Err(format!(
            "unknown variant `{name}`, expected {}",
            one_of(variants)
        )),
    }
}

/// What a variant without data takes beside it: nothing or `null`.
fn unit(value: Option<&Json>) -> R<()> {
    match value {
        None | Some(Json::Null) => Ok(()),
        Some(v) => Err(invalid_type(v, "unit")),
    }
}

/// The value of a variant with one value.
fn newtype(value: Option<&Json>) -> R<&Json> {
    value.ok_or_else(|| "invalid type: unit variant, expected newtype variant".to_owned())
}

/// The entries of a variant with named fields (an object; unknown keys are ignored).
fn struct_variant(value: Option<&Json>) -> R<Entries<'_>> {
    match value {
        Some(Json::Object(m)) => Ok(entries(m)),
        Some(v) => Err(invalid_type(v, "struct variant")),
        None => Err("invalid type: unit variant, expected struct variant".to_owned()),
    }
}

/// An enum whose variants carry no data.
fn unit_enum<T: Copy>(v: &Json, names: &[&str], values: &[T]) -> R<T> {
    let (i, value) = variant(v, names)?;
    unit(value)?;
    Ok(values[i])
}

const FIELD_TYPES: &[&str] = &[
    "text",
    "textarea",
    "integer",
    "decimal",
    "money",
    "date",
    "boolean",
    "choice",
    "multichoice",
    "email",
    "phone",
    "iban",
    "postcode",
    "file",
];

const LIST_OF: Spec = variant_spec(&["list"]);

fn field_type(v: &Json) -> R<FieldType> {
    let (i, value) = variant(v, FIELD_TYPES)?;
    if let 7 | 8 = i {
        let e = struct_variant(value)?;
        let mut list = None;
        LIST_OF.visit(&e, &mut |_, v| {
            list = Some(string(v)?);
            Ok(())
        })?;
        let list = LIST_OF.need(&e, 0, list)?;
        return Ok(if i == 7 {
            FieldType::Choice { list }
        } else {
            FieldType::Multichoice { list }
        });
    }
    unit(value)?;
    Ok(match i {
        0 => FieldType::Text,
        1 => FieldType::Textarea,
        2 => FieldType::Integer,
        3 => FieldType::Decimal,
        4 => FieldType::Money,
        5 => FieldType::Date,
        6 => FieldType::Boolean,
        9 => FieldType::Email,
        10 => FieldType::Phone,
        11 => FieldType::Iban,
        12 => FieldType::Postcode,
        _ => FieldType::File,
    })
}

fn required_of(v: &Json) -> R<Required> {
    match variant(v, &["always", "when"])? {
        (0, value) => unit(value).map(|()| Required::Always),
        (_, value) => expr(newtype(value)?).map(Required::When),
    }
}

fn lit(v: &Json) -> R<Lit> {
    let (i, value) = variant(v, &["text", "number", "date", "bool"])?;
    let v = newtype(value)?;
    match i {
        0 => string(v).map(Lit::Text),
        1 => {
            let s = string(v)?;
            Decimal::from_str(&s)
                .map(Lit::Number)
                .map_err(|_| format!("not a decimal number: {s:?}"))
        }
        2 => {
            let s = string(v)?;
            crate::value::parse_date(&s)
                .map(Lit::Date)
                .ok_or_else(|| format!("not a calendar date: {s:?}"))
        }
        _ => boolean(v).map(Lit::Bool),
    }
}

const EXPRS: &[&str] = &[
    "lit",
    "field",
    "param",
    "is_set",
    "unary",
    "binary",
    "in",
    "list",
    "call",
    "aggregate",
];

fn expr(v: &Json) -> R<Expr> {
    let (i, value) = variant(v, EXPRS)?;
    match i {
        0 => lit(newtype(value)?).map(Expr::Lit),
        1 => string(newtype(value)?).map(Expr::Field),
        2 => string(newtype(value)?).map(Expr::Param),
        3 => string(newtype(value)?).map(Expr::IsSet),
        4 => unary(&struct_variant(value)?),
        5 => binary(&struct_variant(value)?),
        6 => in_list(&struct_variant(value)?),
        7 => seq(newtype(value)?, expr).map(Expr::List),
        8 => call(&struct_variant(value)?),
        _ => aggregate(&struct_variant(value)?),
    }
}

fn boxed(v: &Json) -> R<Box<Expr>> {
    expr(v).map(Box::new)
}

/// The named fields of a variant of [`Expr`] (unknown ones are ignored).
const fn variant_spec(fields: &'static [&'static str]) -> Spec {
    Spec {
        name: "struct variant",
        fields,
        deny_unknown: false,
    }
}

const UNARY: Spec = variant_spec(&["op", "arg"]);

fn unary(e: &Entries<'_>) -> R<Expr> {
    let (mut op, mut arg) = (None, None);
    UNARY.visit(e, &mut |i, v| {
        match i {
            0 => op = Some(unit_enum(v, &["neg", "not"], &[UnOp::Neg, UnOp::Not])?),
            _ => arg = Some(boxed(v)?),
        }
        Ok(())
    })?;
    Ok(Expr::Unary {
        op: UNARY.need(e, 0, op)?,
        arg: UNARY.need(e, 1, arg)?,
    })
}

const BINARY: Spec = variant_spec(&["op", "lhs", "rhs"]);

const BIN_OPS: &[&str] = &[
    "add", "sub", "mul", "div", "eq", "ne", "lt", "le", "gt", "ge", "and", "or",
];

fn binary(e: &Entries<'_>) -> R<Expr> {
    use BinOp::*;
    let (mut op, mut lhs, mut rhs) = (None, None, None);
    BINARY.visit(e, &mut |i, v| {
        match i {
            0 => {
                let ops = [Add, Sub, Mul, Div, Eq, Ne, Lt, Le, Gt, Ge, And, Or];
                op = Some(unit_enum(v, BIN_OPS, &ops)?);
            }
            1 => lhs = Some(boxed(v)?),
            _ => rhs = Some(boxed(v)?),
        }
        Ok(())
    })?;
    Ok(Expr::Binary {
        op: BINARY.need(e, 0, op)?,
        lhs: BINARY.need(e, 1, lhs)?,
        rhs: BINARY.need(e, 2, rhs)?,
    })
}

const IN: Spec = variant_spec(&["arg", "list"]);

fn in_list(e: &Entries<'_>) -> R<Expr> {
    let (mut arg, mut list) = (None, None);
    IN.visit(e, &mut |i, v| {
        match i {
            0 => arg = Some(boxed(v)?),
            _ => list = Some(boxed(v)?),
        }
        Ok(())
    })?;
    Ok(Expr::In {
        arg: IN.need(e, 0, arg)?,
        list: IN.need(e, 1, list)?,
    })
}

const CALL: Spec = variant_spec(&["func", "args"]);

fn call(e: &Entries<'_>) -> R<Expr> {
    use Func::*;
    let (mut func, mut args) = (None, None);
    CALL.visit(e, &mut |i, v| {
        match i {
            0 => {
                let names = &["today", "age", "len", "if", "round"];
                func = Some(unit_enum(v, names, &[Today, Age, Len, If, Round])?);
            }
            _ => args = Some(seq(v, expr)?),
        }
        Ok(())
    })?;
    Ok(Expr::Call {
        func: CALL.need(e, 0, func)?,
        args: CALL.need(e, 1, args)?,
    })
}

const AGGREGATE: Spec = variant_spec(&["func", "group", "expr"]);

fn aggregate(e: &Entries<'_>) -> R<Expr> {
    use Aggregate::*;
    let (mut func, mut group, mut over) = (None, None, None);
    AGGREGATE.visit(e, &mut |i, v| {
        match i {
            0 => {
                let names = &["count", "sum", "any", "all"];
                func = Some(unit_enum(v, names, &[Count, Sum, Any, All])?);
            }
            1 => group = Some(string(v)?),
            _ => over = opt(v, boxed)?,
        }
        Ok(())
    })?;
    Ok(Expr::Aggregate {
        func: AGGREGATE.need(e, 0, func)?,
        group: AGGREGATE.need(e, 1, group)?,
        expr: over,
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use proptest::prelude::*;
    use proptest::strategy::Union;
    use serde_json::json;

    use super::*;

    /// serde's derived reading of the same value.
    fn serde_model(v: &Json) -> R<FormModel> {
        serde_json::from_value(v.clone()).map_err(|e| e.to_string())
    }

    fn serde_artifact(v: &Json) -> R<Artifact> {
        serde_json::from_value(v.clone()).map_err(|e| e.to_string())
    }

    fn name() -> impl Strategy<Value = String> {
        // Mostly identifiers, sometimes anything (quotes, escapes, other scripts).
        prop_oneof![4 => "[a-z_]{1,6}", 1 => "\\PC{0,6}"]
    }

    fn text() -> impl Strategy<Value = Text> {
        prop::collection::vec(("[a-z]{2}", "\\PC{0,8}"), 0..3).prop_map(|entries| {
            let mut t = Text::default();
            for (lang, s) in entries {
                t.insert(lang, s);
            }
            t
        })
    }

    fn lit() -> impl Strategy<Value = Lit> {
        prop_oneof![
            "\\PC{0,6}".prop_map(Lit::Text),
            (any::<i64>(), 0u32..=12).prop_map(|(m, s)| Lit::Number(Decimal::new(m, s))),
            // The years a date literal can have (`YYYY-MM-DD`).
            (0i32..=9999, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| Lit::Date(
                NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
            )),
            any::<bool>().prop_map(Lit::Bool),
        ]
    }

    fn expr() -> impl Strategy<Value = Expr> {
        use Aggregate::*;
        use BinOp::*;
        let leaf = prop_oneof![
            lit().prop_map(Expr::Lit),
            name().prop_map(Expr::Field),
            name().prop_map(Expr::Param),
            name().prop_map(Expr::IsSet),
        ];
        leaf.prop_recursive(4, 24, 3, |e| {
            let ops = [Add, Sub, Mul, Div, Eq, Ne, Lt, Le, Gt, Ge, And, Or];
            let b = || e.clone().prop_map(Box::new);
            Union::new(vec![
                (prop::sample::select(vec![UnOp::Neg, UnOp::Not]), b())
                    .prop_map(|(op, arg)| Expr::Unary { op, arg })
                    .boxed(),
                (prop::sample::select(ops.to_vec()), b(), b())
                    .prop_map(|(op, lhs, rhs)| Expr::Binary { op, lhs, rhs })
                    .boxed(),
                (b(), b())
                    .prop_map(|(arg, list)| Expr::In { arg, list })
                    .boxed(),
                prop::collection::vec(e.clone(), 0..3)
                    .prop_map(Expr::List)
                    .boxed(),
                (
                    prop::sample::select(vec![
                        Func::Today,
                        Func::Age,
                        Func::Len,
                        Func::If,
                        Func::Round,
                    ]),
                    prop::collection::vec(e.clone(), 0..3),
                )
                    .prop_map(|(func, args)| Expr::Call { func, args })
                    .boxed(),
                (
                    prop::sample::select(vec![Count, Sum, Any, All]),
                    name(),
                    prop::option::of(b()),
                )
                    .prop_map(|(func, group, expr)| Expr::Aggregate { func, group, expr })
                    .boxed(),
            ])
        })
    }

    fn field_type() -> impl Strategy<Value = FieldType> {
        use FieldType::*;
        prop_oneof![
            prop::sample::select(vec![
                Text, Textarea, Integer, Decimal, Money, Date, Boolean, Email, Phone, Iban,
                Postcode, File,
            ]),
            name().prop_map(|list| Choice { list }),
            name().prop_map(|list| Multichoice { list }),
        ]
    }

    fn fim() -> impl Strategy<Value = Option<FimRef>> {
        prop::option::of(
            (name(), prop::option::of(name())).prop_map(|(id, version)| FimRef { id, version }),
        )
    }

    fn opt_expr() -> impl Strategy<Value = Option<Expr>> {
        prop::option::of(expr())
    }

    fn field() -> impl Strategy<Value = Field> {
        let head = (
            name(),
            field_type(),
            text(),
            prop::option::of(text()),
            prop::option::of(prop_oneof![
                Just(Required::Always),
                expr().prop_map(Required::When)
            ]),
            opt_expr(),
            opt_expr(),
            opt_expr(),
        );
        let tail = (
            prop::option::of(any::<u64>()),
            prop::option::of(any::<u64>()),
            prop::option::of(
                (name(), prop::option::of(text()))
                    .prop_map(|(regex, message)| Pattern { regex, message }),
            ),
            opt_expr(),
            opt_expr(),
            prop::option::of(name()),
            fim(),
            prop::collection::vec(name(), 0..2),
            prop::option::of(any::<u64>()),
        );
        (head, tail).prop_map(
            |(
                (id, ty, label, hint, required, visible, min, max),
                (minlength, maxlength, pattern, default, value, prefill, fim, accept, maxsize),
            )| Field {
                id,
                ty,
                label,
                hint,
                required,
                visible,
                min,
                max,
                minlength,
                maxlength,
                pattern,
                default,
                value,
                prefill,
                fim,
                accept,
                maxsize,
            },
        )
    }

    fn check() -> impl Strategy<Value = Check> {
        (expr(), text()).prop_map(|(condition, message)| Check { condition, message })
    }

    fn items() -> impl Strategy<Value = Vec<Item>> {
        let leaf = prop_oneof![
            field().prop_map(Item::Field),
            (text(), opt_expr()).prop_map(|(text, visible)| Item::Info(Info { text, visible })),
            check().prop_map(Item::Check),
        ];
        let item = leaf.prop_recursive(3, 16, 3, |inner| {
            (
                name(),
                text(),
                prop::option::of(text()),
                prop::option::of(
                    (any::<u32>(), prop::option::of(any::<u32>()))
                        .prop_map(|(min, max)| Repeat { min, max }),
                ),
                opt_expr(),
                fim(),
                prop::collection::vec(inner, 0..3),
            )
                .prop_map(|(id, title, hint, repeat, visible, fim, items)| {
                    Item::Group(Group {
                        id,
                        title,
                        hint,
                        repeat,
                        visible,
                        fim,
                        items,
                    })
                })
        });
        prop::collection::vec(item, 0..4)
    }

    fn base() -> impl Strategy<Value = Option<BaseRef>> {
        prop::option::of((name(), name(), name(), name()).prop_map(
            |(id, version, publisher, hash)| BaseRef {
                id,
                version,
                publisher,
                hash,
            },
        ))
    }

    fn model() -> impl Strategy<Value = FormModel> {
        let head = (
            name(),
            name(),
            text(),
            prop::option::of(text()),
            prop::option::of(name()),
            fim(),
            name(),
            prop::collection::vec("[a-z]{2}", 0..3),
        );
        let param =
            (name(), field_type(), lit()).prop_map(|(name, ty, value)| Param { name, ty, value });
        let list = (
            name(),
            prop::option::of(
                (name(), prop::option::of(name()))
                    .prop_map(|(urn, version)| Codelist { urn, version }),
            ),
            prop::collection::vec(
                (name(), text()).prop_map(|(key, text)| ListOption { key, text }),
                0..3,
            ),
        )
            .prop_map(|(id, codelist, options)| List {
                id,
                codelist,
                options,
            });
        let page =
            (name(), text(), opt_expr(), items()).prop_map(|(id, title, visible, items)| Page {
                id,
                title,
                visible,
                items,
            });
        let fee =
            (name(), text(), expr()).prop_map(|(id, label, amount)| Fee { id, label, amount });
        let tail = (
            prop::collection::vec(param, 0..2),
            prop::collection::vec(list, 0..2),
            prop::collection::vec(page, 0..3),
            prop::collection::vec(fee, 0..2),
            prop::collection::vec(check(), 0..2),
            base(),
        );
        (head, tail).prop_map(
            |(
                (id, version, title, description, leika, fim, publisher, languages),
                (params, lists, pages, fees, checks, base),
            )| FormModel {
                id,
                version,
                title,
                description,
                leika,
                fim,
                publisher,
                languages,
                params,
                lists,
                pages,
                fees,
                checks,
                base,
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Generated models, written by serde, read back by hand as serde reads them.
        #[test]
        fn models_round_trip(m in model()) {
            let v = serde_json::to_value(&m).expect("JSON");
            prop_assert_eq!(form_model(&v), Ok(m.clone()));
            prop_assert_eq!(serde_model(&v), Ok(m));
        }
    }

    fn small_artifact() -> Json {
        let model = FormModel {
            id: "t".into(),
            version: "1.0.0".into(),
            title: Text::new("de", "T"),
            description: None,
            leika: None,
            fim: None,
            publisher: "TH".into(),
            languages: vec!["de".into()],
            params: Vec::new(),
            lists: Vec::new(),
            pages: Vec::new(),
            fees: Vec::new(),
            checks: Vec::new(),
            base: None,
        };
        serde_json::to_value(Artifact::new(model)).expect("JSON")
    }

    #[test]
    fn artifacts_read_as_serde_reads_them() {
        let good = small_artifact();
        assert_eq!(artifact(&good), serde_artifact(&good));
        assert!(artifact(&good).is_ok());
        let Json::Object(entries) = &good else {
            panic!("an object")
        };
        let mut cases = vec![good.clone(), json!(null), json!([]), json!("x")];
        for key in entries.keys() {
            let mut without = entries.clone();
            without.shift_remove(key);
            cases.push(Json::Object(without));
            for kind in [json!(null), json!(1), json!("x"), json!([]), json!({})] {
                let mut changed = entries.clone();
                changed.insert(key.clone(), kind);
                cases.push(Json::Object(changed));
            }
        }
        let mut extra = entries.clone();
        extra.insert("note".into(), json!({"any": "thing"}));
        cases.push(Json::Object(extra));
        let values: Vec<Json> = entries.values().cloned().collect();
        for n in 0..=values.len() {
            cases.push(Json::Array(values[..n].to_vec()));
        }
        let mut longer = values.clone();
        longer.push(json!(1));
        cases.push(Json::Array(longer));
        for case in cases {
            assert_eq!(artifact(&case), serde_artifact(&case), "{case}");
        }
    }

    #[test]
    fn messages_are_serde_messages() {
        let field = |extra: Json| {
            let mut f = json!({"kind": "field", "id": "a", "type": "text", "label": {"de": "A"}});
            if let (Json::Object(f), Json::Object(extra)) = (&mut f, extra) {
                f.extend(extra);
            }
            let mut v = serde_json::to_value(
                serde_json::from_value::<Artifact>(small_artifact())
                    .expect("an artifact")
                    .model,
            )
            .expect("JSON");
            v["pages"] = json!([{"id": "p", "title": {}, "items": [f]}]);
            v
        };
        for (extra, want) in [
            (json!({"colour": 1}), "field `a`: unknown field `colour`, expected one of `id`, `type`, `label`, `hint`, `required`, `visible`, `min`, `max`, `minlength`, `maxlength`, `pattern`, `default`, `value`, `prefill`, `fim`, `accept`, `maxsize`"),
            (json!({"type": "colour"}), "field `a`: unknown variant `colour`, expected one of `text`, `textarea`, `integer`, `decimal`, `money`, `date`, `boolean`, `choice`, `multichoice`, `email`, `phone`, `iban`, `postcode`, `file`"),
            (json!({"type": "choice"}), "field `a`: invalid type: unit variant, expected struct variant"),
            (json!({"type": {"choice": {}}}), "field `a`: missing field `list`"),
            (json!({"label": "A"}), "field `a`: invalid type: string \"A\", expected a map"),
            (json!({"minlength": -1}), "field `a`: invalid number"),
            (json!({"minlength": "1"}), "field `a`: invalid type: string \"1\", expected u64"),
            (json!({"required": "sometimes"}), "field `a`: unknown variant `sometimes`, expected `always` or `when`"),
            (json!({"visible": {"lit": {"number": "1,5"}}}), "field `a`: not a decimal number: \"1,5\""),
            (json!({"visible": {"unary": {"op": "neg"}}}), "field `a`: missing field `arg`"),
            (json!({"visible": {"lit": {}}}), "field `a`: invalid value: map, expected map with a single key"),
            (json!({"id": 5}), "field: invalid type: number, expected a string"),
        ] {
            let v = field(extra);
            assert_eq!(form_model(&v), serde_model(&v), "{v}");
            assert_eq!(form_model(&v).unwrap_err(), want);
        }
    }
}
