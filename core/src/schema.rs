//! JSON Schema (draft 2020-12) of a form's submission data.
//!
//! [`json_schema`] describes the shape of the data of SPEC section 3: pages are layout
//! only, groups are nested objects, repeated groups arrays of objects.
//!
//! Invariant: the schema is never stricter than the native validator ([`crate::Form`]).
//! Whatever the schema rejects, the native validator rejects too; the native validator
//! may reject more (real calendar dates, IBAN checksums, conditions, checks, `today()`).
//! Hence:
//!
//! - every value may be `null` ("not set"), and string-typed values may be `""`, unless
//!   the field is required without any condition;
//! - fields and groups that are visible only under a condition (their own, their page's
//!   or an enclosing group's) carry no constraint at all: the native validator drops
//!   their values unseen;
//! - computed fields carry no constraint: the native validator ignores what is sent;
//! - `min`/`max` become `minimum`/`maximum` only when the bound is a constant (a number
//!   or a parameter); bounds on dates and bounds that read `today()` or other fields are
//!   left out;
//! - a `pattern` is exported only when it can be written as an ECMA-262 regex with the
//!   same meaning (see [`ecma_pattern`]);
//! - money gets no `multipleOf: 0.01`: validators test it on binary floats, where it
//!   fails for amounts such as `0.07`;
//! - the built-in formats become patterns of their shape only: calendar dates (`format:
//!   date` is an annotation), IBAN country lengths and checksums, and the finer rules of
//!   e-mail addresses stay with the native validator.
//!
//! Patterns are written for ECMA-262 with the `u` flag, as JSON Schema validators (Ajv,
//! the `jsonschema` crate) read them.
//!
//! The differential property test `tests/schema_differential.rs` at the workspace root
//! checks the invariant against the native validator.

use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use crate::expr::{Expr, Lit, UnOp};
use crate::model::{Field, FieldType, FimRef, FormModel, Group, Item, List, Required, Text};

/// The `$schema` of every exported schema.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The JSON Schema (draft 2020-12) of the submission data of `model`.
///
/// Labels become `title`s and hints `description`s, in the form's default language.
/// Extra keywords, all annotations: `x-efa-fim` (FIM ids), `x-efa-visible-when` (the value
/// is validated only while a condition holds), `x-efa-accept` (media types of a file).
pub fn json_schema(model: &FormModel) -> Value {
    let cx = Cx {
        model,
        lang: model.default_lang(),
    };
    let mut root = Map::new();
    root.insert("$schema".into(), DIALECT.into());
    root.insert(
        "$id".into(),
        format!(
            "urn:efa-form:{}:{}:{}",
            model.publisher, model.id, model.version
        )
        .into(),
    );
    root.insert("title".into(), cx.text(&model.title).into());
    if let Some(d) = &model.description {
        root.insert("description".into(), cx.text(d).into());
    }
    if let Some(fim) = &model.fim {
        root.insert("x-efa-fim".into(), fim_json(fim));
    }
    if let Some(leika) = &model.leika {
        root.insert("x-efa-leika".into(), leika.as_str().into());
    }
    root.insert("type".into(), "object".into());
    let mut members = Members::default();
    for page in &model.pages {
        cx.add_items(&page.items, page.visible.is_some(), &mut members);
    }
    members.finish(&mut root, true);
    Value::Object(root)
}

/// Whether the native validator rejects a missing value of `field` no matter what the
/// rest of the data says: `required` without condition, no default, not computed, and
/// no visibility condition on the field or on anything around it (`conditional`).
pub fn unconditionally_required(field: &Field, conditional: bool) -> bool {
    !conditional
        && field.visible.is_none()
        && field.default.is_none()
        && field.value.is_none()
        && matches!(field.required, Some(Required::Always))
}

struct Cx<'a> {
    model: &'a FormModel,
    lang: &'a str,
}

/// Properties and required keys of one object being built.
#[derive(Default)]
struct Members {
    properties: Map<String, Value>,
    required: Vec<Value>,
}

impl Members {
    /// Writes `properties`, `required` and (if `closed`) `additionalProperties: false`.
    fn finish(self, out: &mut Map<String, Value>, closed: bool) {
        out.insert("properties".into(), Value::Object(self.properties));
        if closed {
            if !self.required.is_empty() {
                out.insert("required".into(), Value::Array(self.required));
            }
            out.insert("additionalProperties".into(), false.into());
        }
    }
}

impl Cx<'_> {
    fn text(&self, t: &Text) -> String {
        t.get(self.lang, self.lang).to_owned()
    }

    /// `title`, `description` and `x-efa-fim` of a field or group.
    fn annotations(
        &self,
        title: &Text,
        hint: Option<&Text>,
        fim: Option<&FimRef>,
    ) -> Map<String, Value> {
        let mut s = Map::new();
        s.insert("title".into(), self.text(title).into());
        if let Some(h) = hint {
            s.insert("description".into(), self.text(h).into());
        }
        if let Some(f) = fim {
            s.insert("x-efa-fim".into(), fim_json(f));
        }
        s
    }

    /// Adds the fields and groups of a page or group body. `conditional`: the body is
    /// visible only under some condition.
    fn add_items(&self, items: &[Item], conditional: bool, out: &mut Members) {
        for item in items {
            match item {
                Item::Field(f) => {
                    if unconditionally_required(f, conditional) {
                        out.required.push(f.id.as_str().into());
                    }
                    out.properties
                        .insert(f.id.clone(), self.field(f, conditional));
                }
                Item::Group(g) => {
                    let (schema, required) = self.group(g, conditional);
                    if required {
                        out.required.push(g.id.as_str().into());
                    }
                    out.properties.insert(g.id.clone(), schema);
                }
                Item::Info(_) | Item::Check(_) => {}
            }
        }
    }

    /// The schema of a group, and whether it must be present (a non-repeated group
    /// holding an unconditionally required field, or a repeated group with a minimum).
    fn group(&self, g: &Group, conditional: bool) -> (Value, bool) {
        let conditional = conditional || g.visible.is_some();
        let mut s = self.annotations(&g.title, g.hint.as_ref(), g.fim.as_ref());
        let mut members = Members::default();
        self.add_items(&g.items, conditional, &mut members);
        if conditional {
            // No constraint: the nested schemas below are annotations only.
            s.insert("x-efa-visible-when".into(), true.into());
            let mut inner = Map::new();
            members.finish(&mut inner, false);
            match g.repeat {
                Some(_) => {
                    s.insert("items".into(), Value::Object(inner));
                }
                None => s.extend(inner),
            }
            return (Value::Object(s), false);
        }
        match g.repeat {
            None => {
                let required = !members.required.is_empty();
                s.insert("type".into(), json!(["object", "null"]));
                members.finish(&mut s, true);
                (Value::Object(s), required)
            }
            Some(r) => {
                let mut item = Map::new();
                item.insert("type".into(), "object".into());
                members.finish(&mut item, true);
                s.insert("type".into(), json!(["array", "null"]));
                s.insert("items".into(), Value::Object(item));
                if r.min > 0 {
                    s.insert("minItems".into(), r.min.into());
                }
                if let Some(max) = r.max {
                    s.insert("maxItems".into(), max.into());
                }
                // A missing array has no items: fewer than a positive minimum.
                (Value::Object(s), r.min > 0)
            }
        }
    }

    /// The schema of a field.
    fn field(&self, f: &Field, conditional: bool) -> Value {
        let mut s = self.annotations(&f.label, f.hint.as_ref(), f.fim.as_ref());
        if let Some(d) = f.default.as_ref().and_then(const_lit) {
            s.insert("default".into(), d);
        }
        if conditional || f.visible.is_some() {
            s.insert("x-efa-visible-when".into(), true.into());
            return Value::Object(s);
        }
        if f.value.is_some() {
            s.insert("readOnly".into(), true.into());
            return Value::Object(s);
        }
        // `""` and `null` are "not set"; constraints may reject them only where the
        // native validator rejects a missing value anyway.
        let allow_empty = !unconditionally_required(f, conditional);
        // Constraints that `""` may fail (string types only).
        let mut nonempty: Vec<(&str, Value)> = Vec::new();
        match &f.ty {
            FieldType::Text | FieldType::Textarea => {
                s.insert("type".into(), json!(["string", "null"]));
            }
            FieldType::Email => {
                s.insert("type".into(), json!(["string", "null"]));
                nonempty.push(("pattern", EMAIL_PATTERN.into()));
            }
            FieldType::Phone => {
                s.insert("type".into(), json!(["string", "null"]));
                nonempty.push(("pattern", PHONE_PATTERN.into()));
            }
            FieldType::Iban => {
                s.insert("type".into(), json!(["string", "null"]));
                nonempty.push(("pattern", IBAN_PATTERN.into()));
            }
            FieldType::Postcode => {
                s.insert("type".into(), json!(["string", "null"]));
                nonempty.push(("pattern", POSTCODE_PATTERN.into()));
            }
            FieldType::Date => {
                s.insert("type".into(), json!(["string", "null"]));
                nonempty.push(("pattern", DATE_PATTERN.into()));
                nonempty.push(("format", "date".into()));
            }
            FieldType::Choice { list } => {
                s.insert("type".into(), json!(["string", "null"]));
                match self.model.list(list).filter(|l| !l.options.is_empty()) {
                    Some(l) => {
                        let mut keys = option_keys(l);
                        if allow_empty && !keys.contains(&Value::from("")) {
                            keys.push("".into());
                        }
                        keys.push(Value::Null);
                        s.insert("enum".into(), Value::Array(keys));
                    }
                    // Any non-empty code: with `""` allowed, any string.
                    None if allow_empty => {}
                    None => nonempty.push(("minLength", 1.into())),
                }
            }
            FieldType::Multichoice { list } => {
                let items = match self.model.list(list).filter(|l| !l.options.is_empty()) {
                    Some(l) => json!({ "type": "string", "enum": option_keys(l) }),
                    None => json!({ "type": "string", "minLength": 1 }),
                };
                s.insert("type".into(), json!(["array", "null"]));
                s.insert("items".into(), items);
                s.insert("uniqueItems".into(), true.into());
                if let Some(max) = f.maxlength {
                    s.insert("maxItems".into(), max.into());
                }
                if let Some(min) = f.minlength.filter(|&m| m > 0) {
                    if allow_empty {
                        // `[]` is "not set".
                        s.insert(
                            "anyOf".into(),
                            json!([{ "maxItems": 0 }, { "minItems": min }]),
                        );
                    } else {
                        s.insert("minItems".into(), min.into());
                    }
                }
            }
            FieldType::Integer | FieldType::Decimal | FieldType::Money => {
                let ty = if f.ty == FieldType::Integer {
                    "integer"
                } else {
                    "number"
                };
                s.insert("type".into(), json!([ty, "null"]));
                if let Some(min) = f.min.as_ref().and_then(|e| self.const_number(e)) {
                    s.insert("minimum".into(), number_json(min));
                }
                if let Some(max) = f.max.as_ref().and_then(|e| self.const_number(e)) {
                    s.insert("maximum".into(), number_json(max));
                }
            }
            FieldType::Boolean => {
                s.insert("type".into(), json!(["boolean", "null"]));
            }
            FieldType::File => {
                let mut size = json!({ "type": "integer", "minimum": 0 });
                if let Some(max) = f.maxsize {
                    size["maximum"] = max.into();
                }
                let mut media_type = json!({ "type": "string", "minLength": 1 });
                if !f.accept.is_empty() {
                    if let Some(p) = accept_pattern(&f.accept) {
                        media_type["pattern"] = p.into();
                    }
                    s.insert("x-efa-accept".into(), json!(f.accept));
                }
                s.insert("type".into(), json!(["object", "null"]));
                s.insert(
                    "properties".into(),
                    json!({
                        "name": { "type": "string", "minLength": 1 },
                        "media_type": media_type,
                        "size": size,
                        "sha256": { "type": "string", "pattern": SHA256_PATTERN },
                    }),
                );
                s.insert(
                    "required".into(),
                    json!(["name", "media_type", "size", "sha256"]),
                );
                s.insert("additionalProperties".into(), false.into());
            }
        }
        if f.ty.is_textual() {
            if let Some(max) = f.maxlength {
                s.insert("maxLength".into(), max.into());
            }
            if let Some(min) = f.minlength.filter(|&m| m > 0) {
                nonempty.push(("minLength", min.into()));
            }
            if let Some(p) = f.pattern.as_ref().and_then(|p| ecma_pattern(&p.regex)) {
                nonempty.push(("pattern", p.into()));
            }
        }
        if !nonempty.is_empty() {
            let c = merge_constraints(nonempty);
            if allow_empty {
                s.insert("anyOf".into(), json!([{ "const": "" }, c]));
            } else if let Value::Object(c) = c {
                s.extend(c);
            }
        }
        Value::Object(s)
    }

    /// The value of a bound that does not depend on the data: a number literal, a
    /// parameter, or the negation of one.
    fn const_number(&self, e: &Expr) -> Option<Decimal> {
        match e {
            Expr::Lit(Lit::Number(d)) => Some(*d),
            Expr::Param(name) => match &self.model.param(name)?.value {
                Lit::Number(d) => Some(*d),
                _ => None,
            },
            Expr::Unary { op: UnOp::Neg, arg } => Some(-self.const_number(arg)?),
            _ => None,
        }
    }
}

/// One schema holding all constraints; a keyword given twice (two patterns) goes to an
/// `allOf`.
fn merge_constraints(cs: Vec<(&str, Value)>) -> Value {
    let mut first = Map::new();
    let mut rest = Vec::new();
    for (k, v) in cs {
        if first.contains_key(k) {
            rest.push(json!({ k: v }));
        } else {
            first.insert(k.to_owned(), v);
        }
    }
    if !rest.is_empty() {
        first.insert("allOf".into(), Value::Array(rest));
    }
    Value::Object(first)
}

/// The keys of a list, each once.
fn option_keys(l: &List) -> Vec<Value> {
    let mut keys: Vec<Value> = Vec::with_capacity(l.options.len());
    for o in &l.options {
        let k = Value::from(o.key.as_str());
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys
}

fn fim_json(f: &FimRef) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), f.id.as_str().into());
    if let Some(v) = &f.version {
        m.insert("version".into(), v.as_str().into());
    }
    Value::Object(m)
}

/// A literal default as JSON (annotation only).
fn const_lit(e: &Expr) -> Option<Value> {
    match e {
        Expr::Lit(Lit::Text(s)) => Some(s.as_str().into()),
        Expr::Lit(Lit::Number(d)) => Some(number_json(*d)),
        Expr::Lit(Lit::Date(d)) => Some(crate::value::format_date(*d).into()),
        Expr::Lit(Lit::Bool(b)) => Some((*b).into()),
        _ => None,
    }
}

/// A decimal as a JSON number, written exactly in its shortest form.
fn number_json(d: Decimal) -> Value {
    crate::validate::decimal_json(d, false)
}

/// `YYYY-MM-DD` (that it is a real date is left to `format` and the native validator).
pub const DATE_PATTERN: &str = r"^\d{4}-\d{2}-\d{2}$";
/// A German Postleitzahl.
pub const POSTCODE_PATTERN: &str = "^[0-9]{5}$";
/// A hex SHA-256 digest.
pub const SHA256_PATTERN: &str = "^[0-9a-fA-F]{64}$";
/// A telephone number: `+` only first, digits, spaces, `/`, `-`, `(`, `)`; 6 to 20 digits.
pub const PHONE_PATTERN: &str = r"^\+?[ /()\-]*(?:[0-9][ /()\-]*){6,20}$";
/// The syntax of an IBAN without country lengths and checksum: two letters, two digits,
/// then letters and digits, 15 to 34 in all, with spaces anywhere.
pub const IBAN_PATTERN: &str = "^ *[A-Za-z] *[A-Za-z] *[0-9] *[0-9](?: *[A-Za-z0-9]){11,30} *$";
/// The shape of an e-mail address the native validator accepts (it also limits lengths
/// and the placement of dots and hyphens).
pub const EMAIL_PATTERN: &str =
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]+@(?:[A-Za-z0-9\-]+\.)+[A-Za-z]{2,}$";

/// An ECMA-262 pattern for a media type accepted by `accept` (as in
/// [`crate::formats::media_type_accepted`]: ASCII case ignored, parameters after `;` and
/// surrounding white space allowed); `None` if any media type is.
pub fn accept_pattern(accept: &[String]) -> Option<String> {
    let mut alts = Vec::new();
    for a in accept {
        let a = a.trim().to_ascii_lowercase();
        if a == "*/*" {
            return None;
        }
        match a.strip_suffix("/*") {
            Some(prefix) => alts.push(format!("{}/[^;]*", caseless(prefix))),
            None => alts.push(caseless(&a)),
        }
    }
    Some(format!(
        "^[{WHITE_SPACE}]*(?:{})[{WHITE_SPACE}]*(?:;[\\s\\S]*)?$",
        alts.join("|")
    ))
}

/// A literal text matching either ASCII case.
fn caseless(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphabetic() {
            out.push('[');
            out.push(c.to_ascii_uppercase());
            out.push(c.to_ascii_lowercase());
            out.push(']');
        } else {
            crate::pattern::push_ecma_literal(&mut out, c);
        }
    }
    out
}

/// Unicode `White_Space` (Rust's `\s` and `str::trim`), as the inside of an ECMA-262 class.
const WHITE_SPACE: &str =
    r"\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// Translates a form pattern into an ECMA-262 pattern `^(?:...)$` that accepts the same
/// strings under the `u` flag; `None` when it cannot be written with the same meaning.
/// Translated are literals and escapes, `.`, classes with ranges, `\d \D \s \S \w \W \b
/// \B`, groups, alternation and repetition; flags, class set operations and POSIX classes
/// are not, and leave the pattern out of the schema rather than risk a stricter meaning.
pub fn ecma_pattern(pattern: &str) -> Option<String> {
    crate::pattern::ecma(pattern)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{json, Value};

    use super::*;
    use crate::formats;

    /// A model from its pages (and lists and params), as JSON.
    fn model(pages: Value, lists: Value, params: Value) -> FormModel {
        serde_json::from_value(json!({
            "id": "antrag",
            "version": "1.0.0",
            "title": { "de": "Antrag", "en": "Application" },
            "publisher": "TH",
            "languages": ["de", "en"],
            "params": params,
            "lists": lists,
            "pages": pages,
        }))
        .expect("model")
    }

    /// A one-page model with these items.
    fn items(items: Value) -> FormModel {
        model(
            json!([{ "id": "p", "title": { "de": "Seite" }, "items": items }]),
            json!([
                { "id": "farben", "options": [
                    { "key": "rot", "text": { "de": "Rot" } },
                    { "key": "gruen", "text": { "de": "Gruen" } },
                ] },
                { "id": "staat", "codelist": { "urn": "urn:x" }, "options": [] },
            ]),
            json!([
                { "name": "hoechstens", "type": "integer", "value": { "number": "10" } },
                { "name": "titel", "type": "text", "value": { "text": "x" } },
            ]),
        )
    }

    /// A field as JSON, with extra properties.
    fn field(id: &str, ty: Value, extra: Value) -> Value {
        let mut f =
            json!({ "kind": "field", "id": id, "type": ty, "label": { "de": id.to_uppercase() } });
        f.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        f
    }

    /// The schema of a one-field form, and that field's schema.
    fn one(ty: Value, extra: Value) -> (Value, Value) {
        let s = json_schema(&items(json!([field("f", ty, extra)])));
        let f = s["properties"]["f"].clone();
        (s, f)
    }

    fn validator(schema: &Value) -> jsonschema::Validator {
        jsonschema::validator_for(schema).expect("schema compiles")
    }

    /// Whether `{"f": value}` is valid against the one-field schema `s`.
    fn accepts(s: &Value, value: Value) -> bool {
        validator(s).is_valid(&json!({ "f": value }))
    }

    #[test]
    fn root() {
        let s = json_schema(&items(json!([field(
            "f",
            json!("text"),
            json!({ "required": "always" })
        )])));
        assert_eq!(s["$schema"], DIALECT);
        assert_eq!(s["$id"], "urn:efa-form:TH:antrag:1.0.0");
        assert_eq!(s["title"], "Antrag");
        assert_eq!(s["type"], "object");
        assert_eq!(s["additionalProperties"], false);
        assert_eq!(s["required"], json!(["f"]));
        assert_eq!(s["properties"]["f"]["title"], "F");
        let v = validator(&s);
        assert!(v.is_valid(&json!({ "f": "x" })));
        assert!(!v.is_valid(&json!({})));
        assert!(!v.is_valid(&json!({ "f": "x", "g": 1 })));
        assert!(!v.is_valid(&json!([])));
        assert!(!v.is_valid(&json!("x")));
        jsonschema::meta::validate(&s).expect("valid against the meta-schema");
    }

    #[test]
    fn pages_are_layout_only() {
        let m = model(
            json!([
                { "id": "a", "title": { "de": "A" }, "items": [field("x", json!("text"), json!({}))] },
                { "id": "b", "title": { "de": "B" }, "items": [field("y", json!("boolean"), json!({}))] },
            ]),
            json!([]),
            json!([]),
        );
        let s = json_schema(&m);
        let keys: Vec<&String> = s["properties"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["x", "y"]);
        assert!(s.get("required").is_none());
    }

    #[test]
    fn text_lengths_and_empty() {
        let (s, f) = one(
            json!("text"),
            json!({ "minlength": 2, "maxlength": 4, "hint": { "de": "Hilfe" } }),
        );
        assert_eq!(f["type"], json!(["string", "null"]));
        assert_eq!(f["description"], "Hilfe");
        assert_eq!(f["maxLength"], 4);
        assert!(accepts(&s, json!("")), "\"\" is not set");
        assert!(accepts(&s, Value::Null));
        assert!(accepts(&s, json!("ab")));
        assert!(!accepts(&s, json!("a")));
        assert!(!accepts(&s, json!("abcde")));
        assert!(!accepts(&s, json!(5)));
        // Required without condition: "" may fail the constraints.
        let (s, _) = one(
            json!("text"),
            json!({ "minlength": 2, "required": "always" }),
        );
        assert!(!accepts(&s, json!("")));
        assert!(!validator(&s).is_valid(&json!({})));
        assert!(accepts(&s, json!("äöü")), "lengths count characters");
    }

    #[test]
    fn required_when_and_defaults_are_not_required() {
        let m = items(json!([
            field(
                "a",
                json!("text"),
                json!({ "required": { "when": { "lit": { "bool": true } } } })
            ),
            field(
                "b",
                json!("text"),
                json!({ "required": "always", "default": { "lit": { "text": "x" } } })
            ),
            field(
                "c",
                json!("text"),
                json!({ "required": "always", "value": { "lit": { "text": "x" } } })
            ),
            field("d", json!("text"), json!({ "required": "always" })),
        ]));
        let s = json_schema(&m);
        assert_eq!(s["required"], json!(["d"]));
        assert_eq!(s["properties"]["b"]["default"], "x");
        assert_eq!(s["properties"]["c"]["readOnly"], true);
        assert!(s["properties"]["c"].get("type").is_none());
    }

    #[test]
    fn patterns() {
        let (s, f) = one(
            json!("text"),
            json!({ "pattern": { "regex": r"[A-Z]{2}\d+" } }),
        );
        assert_eq!(f["anyOf"][1]["pattern"], r"^(?:[A-Z]{2}\d+)$");
        assert!(accepts(&s, json!("AB12")));
        assert!(accepts(&s, json!("")));
        assert!(!accepts(&s, json!("xAB12")), "anchored");
        assert!(!accepts(&s, json!("AB12x")), "anchored");
        // Rust-only syntax is left out.
        let (s, f) = one(json!("text"), json!({ "pattern": { "regex": r"(?i)ab" } }));
        assert!(f.get("anyOf").is_none() && f.get("pattern").is_none());
        assert!(accepts(&s, json!("zz")));
        // A postcode with a pattern of its own keeps both.
        let (s, f) = one(
            json!("postcode"),
            json!({ "required": "always", "pattern": { "regex": "9.*" } }),
        );
        assert_eq!(f["pattern"], POSTCODE_PATTERN);
        assert_eq!(f["allOf"][0]["pattern"], "^(?:9[^\\n]*)$");
        assert!(accepts(&s, json!("99084")));
        assert!(!accepts(&s, json!("89084")));
        assert!(!accepts(&s, json!("9908")));
    }

    #[test]
    fn ecma_translation() {
        let ok = [
            ("abc", "^(?:abc)$"),
            (r"\d{5}", r"^(?:\d{5})$"),
            (r"\w+\W\bx\B", r"^(?:\w+\W\bx\B)$"),
            (r"\s\S", r"^(?:[\t\n\u000B\f\r ][^\t\n\u000B\f\r ])$"),
            (r"[\W]", r"^(?:[\W])$"),
            (r"[0-9]{2,}-x?", "^(?:[0-9]{2,}-x?)$"),
            ("a.b", r"^(?:a[^\n]b)$"),
            (r"(?P<n>a|b)+?", "^(?:(?:a|b)+?)$"),
            ("(?<n>a)(?:b)", "^(?:(?:a)(?:b))$"),
            (r"[^\s\d]", r"^(?:[^\t\n\u000B\f\r \d])$"),
            (r"[]a-]", r"^(?:[\]a\-])$"),
            (r"\A\.\z", r"^(?:^\.$)$"),
            (r"[&\&~]", r"^(?:[\u0026\u0026\u007E])$"),
            (r"\x41\u{263A}", "^(?:A☺)$"),
            ("a{3}b{1,}c{0,2}", "^(?:a{3}b{1,}c{0,2})$"),
            ("/", r"^(?:\/)$"),
            ("", "^(?:)$"),
        ];
        for (rust, ecma) in ok {
            assert_eq!(ecma_pattern(rust).as_deref(), Some(ecma), "{rust}");
        }
        let skipped = [
            "(?i)a",
            "(?i:a)",
            r"\pL",
            r"\p{Greek}",
            "[[:alpha:]]",
            "[a-z&&[^aeiou]]",
            "[a--b]",
            "[a~~b]",
            r"\<a",
            "a**",
            "*a",
            "(a",
            "a)",
            "[a",
            r"[\w-z]",
            r"[a-\d]",
            "x{2,1}",
            r"\1",
            "[z-a]",
            "^*",
            r"[\S]",
        ];
        for rust in skipped {
            assert_eq!(ecma_pattern(rust), None, "{rust}");
        }
    }

    /// Checks with format assertion on: whether `pattern` is valid ECMA-262 syntax.
    fn ecma_syntax_ok(pattern: &str) -> bool {
        jsonschema::options()
            .should_validate_formats(true)
            .build(&json!({ "format": "regex" }))
            .unwrap()
            .is_valid(&json!(pattern))
    }

    #[test]
    fn built_in_patterns_are_ecma() {
        for p in [
            DATE_PATTERN,
            POSTCODE_PATTERN,
            SHA256_PATTERN,
            PHONE_PATTERN,
            IBAN_PATTERN,
            EMAIL_PATTERN,
        ] {
            assert!(ecma_syntax_ok(p), "{p}");
        }
        let accept = accept_pattern(&["application/pdf".into(), "image/*".into()]).unwrap();
        assert!(ecma_syntax_ok(&accept), "{accept}");
    }

    const PATTERNS: &[&str] = &[
        r"\d{2,4}",
        r"[A-Z]\w*",
        r"\S+",
        r"\s*x\s*",
        r"a.c",
        r"[^a-c\d]+",
        r"\W?\D",
        r"(ab|a)(b|)",
        r"[]x]+[-]",
        r"[^\s]+",
        r"x+?y*?z??",
        r"\.\*\+\?\(\)\[\]\{\}\|\^\$\\\-\#\&\~",
        r"\x41\u00e4\t\n",
        r"[&\&a-c~]*",
    ];

    fn text_strategy() -> impl Strategy<Value = String> {
        let chars = prop::sample::select(vec![
            'a', 'b', 'c', 'x', 'y', 'z', 'A', 'Z', '0', '5', '9', '٣', '𝟗', '_', '-', ' ', '\t',
            '\n', '\r', '\u{85}', '\u{a0}', '\u{2028}', '\u{feff}', '\u{200d}', 'ä', 'é',
            '\u{301}', 'Ω', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '^', '$', '\\',
            '#', '&', '~', ';', '/', '😀',
        ]);
        prop::collection::vec(chars, 0..8).prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// The translated pattern, as the `jsonschema` crate reads it, accepts exactly what
        /// the native validator's regex does.
        #[test]
        fn translated_patterns_mean_the_same(i in 0..PATTERNS.len(), s in text_strategy()) {
            let rust = PATTERNS[i];
            let native = crate::pattern::compile_pattern(rust).unwrap();
            let ecma = ecma_pattern(rust).expect(rust);
            prop_assert!(ecma_syntax_ok(&ecma), "{}", ecma);
            let schema = validator(&json!({ "pattern": ecma }));
            prop_assert_eq!(native.is_match(&s), schema.is_valid(&json!(s)), "{} / {} on {:?}", rust, ecma, s);
        }

        /// The built-in format patterns never reject what the native checks accept.
        #[test]
        fn format_patterns_are_not_stricter(s in text_strategy(), digits in "[0-9 /()+-]{0,24}", iban in "[A-Za-z0-9 ]{0,36}") {
            let v = |p: &str, s: &str| validator(&json!({ "pattern": p })).is_valid(&json!(s));
            for s in [s.as_str(), digits.as_str(), iban.as_str()] {
                prop_assert_eq!(formats::is_phone(s), v(PHONE_PATTERN, s), "phone {:?}", s);
                prop_assert_eq!(formats::is_postcode(s), v(POSTCODE_PATTERN, s), "postcode {:?}", s);
                prop_assert!(!formats::is_email(s) || v(EMAIL_PATTERN, s), "email {:?}", s);
                prop_assert!(!formats::is_iban(s) || v(IBAN_PATTERN, s), "iban {:?}", s);
                prop_assert_eq!(formats::is_sha256_hex(s), v(SHA256_PATTERN, s), "sha {:?}", s);
            }
        }

        /// The media type pattern accepts exactly what the native check does.
        #[test]
        fn accept_pattern_means_the_same(
            mt in "[ \t]?(?:[Ii]mage|[Aa]pplication|text|\\*)?/?(?:pdf|PNG|x|\\*)?[ ]?(?:;[ a-z=]*)?",
            i in 0..4usize,
        ) {
            let accepts: [&[&str]; 4] = [
                &["application/pdf"],
                &["image/*", "Application/PDF "],
                &["text/x", "*/pdf"],
                &["/*"],
            ];
            let accept: Vec<String> = accepts[i].iter().map(|s| s.to_string()).collect();
            let native = formats::media_type_accepted(&mt, &accept);
            let p = accept_pattern(&accept).unwrap();
            prop_assert_eq!(native, validator(&json!({ "pattern": p })).is_valid(&json!(mt)), "{:?} {:?}", mt, accept);
        }
    }

    #[test]
    fn email_examples() {
        let v = validator(&json!({ "pattern": EMAIL_PATTERN }));
        for ok in [
            "name@example.de",
            "a.b+c@sub.example.org",
            "x!#$%&'*+/=?^_`{|}~-@a-b.cd",
        ] {
            assert!(formats::is_email(ok) && v.is_valid(&json!(ok)), "{ok}");
        }
        for bad in ["name@localhost", "a@b.d", "a b@c.de", "@c.de"] {
            assert!(!v.is_valid(&json!(bad)), "{bad}");
        }
        let v = validator(&json!({ "pattern": IBAN_PATTERN }));
        for ok in [
            "DE89370400440532013000",
            "de89 3704 0044 0532 0130 00",
            "NO9386011117947",
        ] {
            assert!(formats::is_iban(ok) && v.is_valid(&json!(ok)), "{ok}");
        }
    }

    #[test]
    fn choices() {
        let (s, f) = one(json!({ "choice": { "list": "farben" } }), json!({}));
        assert_eq!(f["enum"], json!(["rot", "gruen", "", null]));
        assert!(accepts(&s, json!("rot")));
        assert!(accepts(&s, json!("")));
        assert!(!accepts(&s, json!("blau")));
        let (s, f) = one(
            json!({ "choice": { "list": "farben" } }),
            json!({ "required": "always" }),
        );
        assert_eq!(f["enum"], json!(["rot", "gruen", null]));
        assert!(!accepts(&s, json!("")));
        // A code list without options: any non-empty code.
        let (s, f) = one(
            json!({ "choice": { "list": "staat" } }),
            json!({ "required": "always" }),
        );
        assert_eq!(f["minLength"], 1);
        assert!(accepts(&s, json!("000")));
        assert!(!accepts(&s, json!("")));
        let (s, _) = one(json!({ "choice": { "list": "staat" } }), json!({}));
        assert!(accepts(&s, json!("")));
    }

    #[test]
    fn multichoice() {
        let (s, f) = one(
            json!({ "multichoice": { "list": "farben" } }),
            json!({ "minlength": 2, "maxlength": 2 }),
        );
        assert_eq!(f["type"], json!(["array", "null"]));
        assert_eq!(f["uniqueItems"], true);
        assert!(accepts(&s, json!(["rot", "gruen"])));
        assert!(accepts(&s, json!([])), "[] is not set");
        assert!(!accepts(&s, json!(["rot"])));
        assert!(!accepts(&s, json!(["rot", "rot"])));
        assert!(!accepts(&s, json!(["rot", "blau"])));
        assert!(!accepts(&s, json!("rot")));
        let (s, _) = one(json!({ "multichoice": { "list": "staat" } }), json!({}));
        assert!(accepts(&s, json!(["a", "b"])));
        assert!(!accepts(&s, json!([""])));
    }

    #[test]
    fn numbers_and_bounds() {
        let (s, f) = one(
            json!("integer"),
            json!({ "min": { "unary": { "op": "neg", "arg": { "lit": { "number": "2" } } } }, "max": { "param": "hoechstens" } }),
        );
        assert_eq!(f["type"], json!(["integer", "null"]));
        assert_eq!(f["minimum"], -2);
        assert_eq!(f["maximum"], 10);
        assert!(accepts(&s, json!(10)));
        assert!(accepts(&s, json!(3.0)));
        assert!(!accepts(&s, json!(11)));
        assert!(!accepts(&s, json!(1.5)));
        assert!(!accepts(&s, json!("3")));
        let (s, f) = one(
            json!("money"),
            json!({ "min": { "lit": { "number": "0.10" } }, "max": { "call": { "func": "today", "args": [] } } }),
        );
        assert_eq!(f["type"], json!(["number", "null"]));
        assert_eq!(f["minimum"], 0.1);
        assert!(f.get("maximum").is_none(), "only constant bounds");
        assert!(f.get("multipleOf").is_none());
        assert!(accepts(&s, json!(0.1)));
        assert!(accepts(&s, json!(19.99)));
        assert!(!accepts(&s, json!(0.09)));
        let (_, f) = one(json!("decimal"), json!({ "max": { "field": "x" } }));
        assert!(f.get("maximum").is_none());
        let (s, _) = one(json!("boolean"), json!({}));
        assert!(
            accepts(&s, json!(true)) && accepts(&s, Value::Null) && !accepts(&s, json!("true"))
        );
    }

    #[test]
    fn dates() {
        let (s, f) = one(
            json!("date"),
            json!({ "max": { "call": { "func": "today", "args": [] } } }),
        );
        assert_eq!(f["anyOf"][1]["pattern"], DATE_PATTERN);
        assert_eq!(f["anyOf"][1]["format"], "date");
        assert!(f.get("maximum").is_none());
        assert!(accepts(&s, json!("2024-02-29")));
        assert!(accepts(&s, json!("")));
        assert!(!accepts(&s, json!("1.5.2024")));
        assert!(!accepts(&s, json!("2024-5-1")));
        let (s, f) = one(json!("date"), json!({ "required": "always" }));
        assert_eq!(f["pattern"], DATE_PATTERN);
        assert!(!accepts(&s, json!("")));
    }

    #[test]
    fn files() {
        let (s, f) = one(
            json!("file"),
            json!({ "accept": ["application/pdf", "image/*"], "maxsize": 1024 }),
        );
        assert_eq!(
            f["required"],
            json!(["name", "media_type", "size", "sha256"])
        );
        assert_eq!(f["additionalProperties"], false);
        let file = |mt: &str, size: u64| json!({ "name": "a.pdf", "media_type": mt, "size": size, "sha256": "ab".repeat(32) });
        assert!(accepts(&s, file("application/pdf", 1024)));
        assert!(accepts(&s, file("IMAGE/png; q=1", 0)));
        assert!(!accepts(&s, file("text/html", 1)));
        assert!(!accepts(&s, file("application/pdf", 1025)));
        assert!(!accepts(&s, json!({ "name": "a" })));
        assert!(!accepts(&s, json!("a.pdf")));
        let mut extra = file("application/pdf", 1);
        extra["x"] = json!(1);
        assert!(!accepts(&s, extra));
        let (_, f) = one(json!("file"), json!({ "accept": ["*/*"] }));
        assert!(f["properties"]["media_type"].get("pattern").is_none());
    }

    #[test]
    fn groups_and_repeats() {
        let m = items(json!([
            { "kind": "group", "id": "anschrift", "title": { "de": "Anschrift" }, "fim": { "id": "G1" }, "items": [
                field("plz", json!("postcode"), json!({ "required": "always" })),
                { "kind": "group", "id": "zusatz", "title": { "de": "Z" }, "items": [field("z", json!("text"), json!({}))] },
            ] },
            { "kind": "group", "id": "kinder", "title": { "de": "Kinder" }, "repeat": { "min": 0, "max": 2 }, "items": [
                field("name", json!("text"), json!({ "required": "always" })),
            ] },
            { "kind": "group", "id": "belege", "title": { "de": "Belege" }, "repeat": { "min": 1 }, "items": [] },
        ]));
        let s = json_schema(&m);
        assert_eq!(s["required"], json!(["anschrift", "belege"]));
        let a = &s["properties"]["anschrift"];
        assert_eq!(a["type"], json!(["object", "null"]));
        assert_eq!(a["required"], json!(["plz"]));
        assert_eq!(a["x-efa-fim"], json!({ "id": "G1" }));
        assert!(a["properties"]["zusatz"].get("required").is_none());
        let k = &s["properties"]["kinder"];
        assert_eq!(k["type"], json!(["array", "null"]));
        assert_eq!(k["maxItems"], 2);
        assert!(k.get("minItems").is_none());
        assert_eq!(k["items"]["required"], json!(["name"]));
        assert_eq!(s["properties"]["belege"]["minItems"], 1);
        let v = validator(&s);
        let base = json!({ "anschrift": { "plz": "99084" }, "belege": [{}] });
        assert!(v.is_valid(&base));
        let with = |k: &str, x: Value| {
            let mut d = base.clone();
            d[k] = x;
            v.is_valid(&d)
        };
        assert!(with("kinder", json!([{ "name": "A" }, { "name": "B" }])));
        assert!(!with(
            "kinder",
            json!([{ "name": "A" }, { "name": "B" }, { "name": "C" }])
        ));
        assert!(!with("kinder", json!([{}])));
        assert!(!with("kinder", json!([null])));
        assert!(!with("kinder", json!({ "name": "A" })));
        assert!(!with("belege", json!([])));
        assert!(!with("anschrift", json!({ "plz": "99084", "x": 1 })));
        assert!(!with("anschrift", json!("x")));
    }

    #[test]
    fn conditional_parts_have_no_constraints() {
        let cond = json!({ "field": "a" });
        let m = model(
            json!([
                { "id": "p", "title": { "de": "P" }, "items": [
                    field("a", json!("boolean"), json!({})),
                    field("b", json!("integer"), json!({ "visible": cond, "required": "always", "min": { "lit": { "number": "1" } } })),
                    { "kind": "group", "id": "g", "title": { "de": "G" }, "visible": cond, "items": [
                        field("c", json!("date"), json!({ "required": "always" })),
                        { "kind": "group", "id": "r", "title": { "de": "R" }, "repeat": { "min": 1, "max": 1 }, "items": [
                            field("d", json!("text"), json!({ "required": "always" })),
                        ] },
                    ] },
                ] },
                { "id": "q", "title": { "de": "Q" }, "visible": cond, "items": [
                    field("e", json!("postcode"), json!({ "required": "always" })),
                ] },
            ]),
            json!([]),
            json!([]),
        );
        let s = json_schema(&m);
        assert!(s.get("required").is_none());
        for k in ["b", "g", "e"] {
            let p = &s["properties"][k];
            assert_eq!(p["x-efa-visible-when"], true, "{k}");
            assert!(
                p.get("type").is_none() && p.get("required").is_none(),
                "{k}"
            );
        }
        assert!(s["properties"]["g"].get("additionalProperties").is_none());
        assert!(s["properties"]["g"]["properties"]["r"]
            .get("minItems")
            .is_none());
        let v = validator(&s);
        assert!(v.is_valid(&json!({ "b": "x", "g": 5, "e": [1] })));
        assert!(v.is_valid(&json!({ "g": { "c": 1, "zz": 2, "r": [1, 2, 3] } })));
        assert!(!v.is_valid(&json!({ "zz": 1 })));
    }

    /// A form with every field type, as in SPEC section 2.
    fn every_type() -> FormModel {
        let mut m = items(json!([
            field("vorname", json!("text"), json!({ "required": "always", "maxlength": 100, "hint": { "de": "Wie im Ausweis" }, "fim": { "id": "F60000227", "version": "1.2" } })),
            field("zweck", json!("textarea"), json!({ "minlength": 10, "maxlength": 500 })),
            field("anzahl", json!("integer"), json!({ "required": "always", "default": { "lit": { "number": "1" } }, "min": { "lit": { "number": "1" } }, "max": { "param": "hoechstens" } })),
            field("betrag", json!("decimal"), json!({})),
            field("gebuehr", json!("money"), json!({ "value": { "lit": { "number": "12.00" } } })),
            field("geburtsdatum", json!("date"), json!({ "required": "always", "max": { "call": { "func": "today", "args": [] } } })),
            field("einverstanden", json!("boolean"), json!({})),
            field("farbe", json!({ "choice": { "list": "farben" } }), json!({})),
            field("farben", json!({ "multichoice": { "list": "farben" } }), json!({ "maxlength": 2 })),
            field("staat", json!({ "choice": { "list": "staat" } }), json!({})),
            field("email", json!("email"), json!({})),
            field("telefon", json!("phone"), json!({})),
            field("iban", json!("iban"), json!({})),
            field("plz", json!("postcode"), json!({ "required": "always", "pattern": { "regex": "9\\d*" } })),
            field("nachweis", json!("file"), json!({ "accept": ["application/pdf"], "maxsize": 2_097_152 })),
            { "kind": "group", "id": "kinder", "title": { "de": "Kinder" }, "repeat": { "min": 0, "max": 5 }, "items": [
                field("name", json!("text"), json!({ "required": "always" })),
                field("geboren", json!("date"), json!({ "visible": { "is_set": "kinder.name" } })),
            ] },
            { "kind": "info", "text": { "de": "Hinweis" } },
        ]));
        m.fim = Some(FimRef {
            id: "S00000092".into(),
            version: Some("1.0".into()),
        });
        m.description = Some(Text::new("de", "Beschreibung"));
        m
    }

    #[test]
    fn snapshot_every_type() {
        let s = json_schema(&every_type());
        jsonschema::meta::validate(&s).expect("valid against the meta-schema");
        validator(&s);
        // As `efa schema` writes it: serde_json keeps a number's text, which another
        // serializer (insta's) would not see.
        let text = serde_json::to_string_pretty(&s).expect("serialisable");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn deterministic() {
        let m = every_type();
        assert_eq!(
            serde_json::to_string(&json_schema(&m)).unwrap(),
            serde_json::to_string(&json_schema(&m)).unwrap()
        );
    }
}
