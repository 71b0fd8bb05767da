//! The intermediate model: what a compiled form *is*.
//!
//! This is the serialisation contract of the `.form.json` artifact (`efa-form/1`). Every
//! type here is plain data: names are resolved, expressions are typed and checked by the
//! compiler, and nothing refers back to source text. The runtime in [`crate::Form`]
//! re-checks the structural invariants on load, because an artifact may come from another
//! state and be hand-edited.

use serde::{Deserialize, Deserializer, Serialize};

use crate::expr::{Expr, Lit};

pub(crate) mod read;

/// A text in one or more languages, keyed by language code (`de`, `en`, ...).
///
/// The form's first language is the default; [`Text::get`] falls back to it. In JSON an
/// object with the language codes as keys, in their order (as a `BTreeMap` would write
/// it). Kept as a short sorted list: a text has one entry a language, and a map's code
/// would only make the browser runtime larger.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(Vec<(String, String)>);

impl Text {
    /// A text in one language.
    pub fn new(lang: &str, text: impl Into<String>) -> Self {
        Text(vec![(lang.to_owned(), text.into())])
    }

    /// The text in `lang`, else in `default`, else any text there is, else `""`.
    pub fn get<'a>(&'a self, lang: &str, default: &str) -> &'a str {
        self.entry(lang)
            .or_else(|| self.entry(default))
            .or_else(|| self.iter().next())
            .map_or("", |(_, t)| t)
    }

    /// The language and text of `lang`, if the text has that language.
    pub fn entry(&self, lang: &str) -> Option<(&str, &str)> {
        self.find(lang)
            .ok()
            .map(|i| (self.0[i].0.as_str(), self.0[i].1.as_str()))
    }

    /// Whether the text has `lang`.
    pub fn has(&self, lang: &str) -> bool {
        self.find(lang).is_ok()
    }

    /// Sets the text in `lang`, replacing what it was.
    pub fn insert(&mut self, lang: impl Into<String>, text: impl Into<String>) {
        let (lang, text) = (lang.into(), text.into());
        match self.find(&lang) {
            Ok(i) => self.0[i].1 = text,
            Err(i) => self.0.insert(i, (lang, text)),
        }
    }

    /// Every language and its text, by language code.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(l, t)| (l.as_str(), t.as_str()))
    }

    /// Every translation, by language code.
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(_, t)| t.as_str())
    }

    fn find(&self, lang: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(l, _)| l.as_str().cmp(lang))
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Langs;
        impl<'de> serde::de::Visitor<'de> for Langs {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                let mut text = Text::default();
                // A repeated language: the last one counts, as in a map.
                while let Some((lang, t)) = map.next_entry::<String, String>()? {
                    text.insert(lang, t);
                }
                Ok(text)
            }
        }
        d.deserialize_map(Langs)
    }
}

/// A compiled form: the `model` of an artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormModel {
    /// Identifier of the form (`personenstandsurkunde`).
    pub id: String,
    /// Semantic version of the form (`1.2.0`).
    pub version: String,
    /// Title shown to citizens.
    pub title: Text,
    /// Optional description for catalogs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// LeiKa Leistungsschluessel (14 digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leika: Option<String>,
    /// The FIM Stammdatenschema this form implements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fim: Option<FimRef>,
    /// Owning state (German Land code such as `TH`).
    pub publisher: String,
    /// Languages; the first is the default.
    pub languages: Vec<String>,
    /// Extension points another state may set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    /// Option lists for `choice` and `multichoice` fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lists: Vec<List>,
    /// Pages in order. Pages are layout only: their fields sit at the level of the form.
    pub pages: Vec<Page>,
    /// Fees computed from the answers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fees: Vec<Fee>,
    /// Checks of the whole form, evaluated whatever page is shown (an adaptation's
    /// `add check`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// For an adaptation: the artifact it adapts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<BaseRef>,
}

impl FormModel {
    /// Reads a model from its JSON value, as `serde_json::from_value` does with the
    /// derived `Deserialize`: the same model, or an error with the same message (an
    /// item's error names it: ``field `vorname`: unknown field `colour`, ...``). The
    /// browser runtime reads artifacts this way, without serde's generic decoding code.
    pub fn from_value(value: &serde_json::Value) -> Result<FormModel, String> {
        read::form_model(value)
    }

    /// The default language (the first one listed), `de` if none is.
    pub fn default_lang(&self) -> &str {
        self.languages.first().map(String::as_str).unwrap_or("de")
    }

    /// The list with this id.
    pub fn list(&self, id: &str) -> Option<&List> {
        self.lists.iter().find(|l| l.id == id)
    }

    /// The parameter with this name.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// A FIM reference: an id (`S00000092`, `G60000000088`, `F60000227`) and optionally its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FimRef {
    /// FIM id.
    pub id: String,
    /// FIM version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// The artifact an adaptation was compiled against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseRef {
    /// Id of the base form.
    pub id: String,
    /// Version of the base form.
    pub version: String,
    /// Publisher of the base form.
    pub publisher: String,
    /// Hash of the base artifact (`sha256:...`).
    pub hash: String,
}

/// A parameter: a named constant that an adapting state may set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    /// Name, shared namespace with field ids.
    pub name: String,
    /// Type of the value.
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// The value.
    pub value: Lit,
}

/// An option list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct List {
    /// List id (own namespace).
    pub id: String,
    /// The XRepository code list it comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codelist: Option<Codelist>,
    /// Options in display order. Empty for a code list whose values are not at hand:
    /// then any non-empty code is accepted.
    pub options: Vec<ListOption>,
}

impl List {
    /// Whether `key` is acceptable for a choice from this list.
    pub fn accepts(&self, key: &str) -> bool {
        if self.options.is_empty() {
            !key.is_empty()
        } else {
            self.options.iter().any(|o| o.key == key)
        }
    }
}

/// An XRepository code list reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Codelist {
    /// The code list URN.
    pub urn: String,
    /// The code list version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// One option of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListOption {
    /// The key submitted as data.
    pub key: String,
    /// The text shown.
    pub text: Text,
}

/// A page: layout only, its fields sit at the level of the form in the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// Page id (own namespace; used in URLs).
    pub id: String,
    /// Page title.
    pub title: Text,
    /// The page and all of its fields are shown only while this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible: Option<Expr>,
    /// Content in order.
    pub items: Vec<Item>,
}

/// Content of a page or group: an object with `"kind": "field" | "group" | "info" |
/// "check"` beside the entries of the variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // plain data, built once; boxing would only burden users
pub enum Item {
    /// A data field.
    Field(Field),
    /// A group (nested object) or repeated group (array of objects).
    Group(Group),
    /// A static paragraph.
    Info(Info),
    /// A cross-field check.
    Check(Check),
}

/// Read through a JSON value rather than serde's derived, buffered form of an internally
/// tagged enum: that would decode every item type a second time, which is most of the
/// browser runtime's decoding code. Same representation, same error texts.
impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        const KINDS: &[&str] = &["field", "group", "info", "check"];
        let mut value = serde_json::Value::deserialize(deserializer)?;
        let Some(map) = value.as_object_mut() else {
            return Err(D::Error::custom(
                "invalid type: expected an item object with a \"kind\"",
            ));
        };
        let kind = match map.remove("kind") {
            Some(serde_json::Value::String(kind)) => kind,
            Some(_) => return Err(D::Error::custom("invalid type: \"kind\" must be a string")),
            None => return Err(D::Error::missing_field("kind")),
        };
        // Which item, for the error: a field or group by its id.
        let id = map.get("id").and_then(|id| id.as_str()).map(str::to_owned);
        let item = match kind.as_str() {
            "field" => serde_json::from_value(value).map(Item::Field),
            "group" => serde_json::from_value(value).map(Item::Group),
            "info" => serde_json::from_value(value).map(Item::Info),
            "check" => serde_json::from_value(value).map(Item::Check),
            other => return Err(D::Error::unknown_variant(other, KINDS)),
        };
        item.map_err(|e| match id {
            Some(id) => D::Error::custom(format_args!("{kind} `{id}`: {e}")),
            None => D::Error::custom(format_args!("{kind}: {e}")),
        })
    }
}

/// A group nests its fields under its id in the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Key in the data.
    pub id: String,
    /// Legend.
    pub title: Text,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    /// For a repeated group: how many items are allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<Repeat>,
    /// Shown only while this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible: Option<Expr>,
    /// FIM Datenfeldgruppe id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fim: Option<FimRef>,
    /// Content in order.
    pub items: Vec<Item>,
}

/// Bounds of a repeated group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repeat {
    /// Least number of items.
    pub min: u32,
    /// Most number of items; `None` is unbounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
}

/// A static paragraph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Info {
    /// The paragraph (plain text).
    pub text: Text,
    /// Shown only while this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible: Option<Expr>,
}

/// A cross-field check: fails when its condition does not hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// The condition that must hold.
    pub condition: Expr,
    /// The message shown when it does not.
    pub message: Text,
}

/// A fee computed from the answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    /// Fee id.
    pub id: String,
    /// Label shown with the amount.
    pub label: Text,
    /// The amount (money).
    pub amount: Expr,
}

/// The type of a field or parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// One-line text.
    Text,
    /// Multi-line text.
    Textarea,
    /// Whole number.
    Integer,
    /// Decimal number.
    Decimal,
    /// Amount of money, at most two decimal places.
    Money,
    /// Calendar date.
    Date,
    /// Yes or no.
    Boolean,
    /// One key of a list.
    Choice {
        /// The list id.
        list: String,
    },
    /// Several keys of a list, no repeats.
    Multichoice {
        /// The list id.
        list: String,
    },
    /// E-mail address.
    Email,
    /// Telephone number.
    Phone,
    /// International bank account number.
    Iban,
    /// German postcode.
    Postcode,
    /// An uploaded file's metadata.
    File,
}

impl FieldType {
    /// The name as written in a form (`choice(urkundenart)`).
    pub fn name(&self) -> String {
        match self {
            FieldType::Choice { list } => format!("choice({list})"),
            FieldType::Multichoice { list } => format!("multichoice({list})"),
            other => other.keyword().to_owned(),
        }
    }

    /// The keyword of the type, without its list.
    pub fn keyword(&self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Textarea => "textarea",
            FieldType::Integer => "integer",
            FieldType::Decimal => "decimal",
            FieldType::Money => "money",
            FieldType::Date => "date",
            FieldType::Boolean => "boolean",
            FieldType::Choice { .. } => "choice",
            FieldType::Multichoice { .. } => "multichoice",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::Iban => "iban",
            FieldType::Postcode => "postcode",
            FieldType::File => "file",
        }
    }

    /// Whether the JSON value is a string.
    pub fn is_string(&self) -> bool {
        matches!(
            self,
            FieldType::Text
                | FieldType::Textarea
                | FieldType::Date
                | FieldType::Choice { .. }
                | FieldType::Email
                | FieldType::Phone
                | FieldType::Iban
                | FieldType::Postcode
        )
    }

    /// Whether the value is a number.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            FieldType::Integer | FieldType::Decimal | FieldType::Money
        )
    }

    /// Whether the value is free text (lengths and patterns apply).
    pub fn is_textual(&self) -> bool {
        matches!(
            self,
            FieldType::Text
                | FieldType::Textarea
                | FieldType::Email
                | FieldType::Phone
                | FieldType::Iban
                | FieldType::Postcode
        )
    }
}

/// Whether a field must be filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Required {
    /// Always, while visible.
    Always,
    /// While visible and the condition holds.
    When(Expr),
}

/// A `pattern` with its optional message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pattern {
    /// The regular expression (Rust `regex` syntax); it must match the whole value.
    pub regex: String,
    /// The message shown when it does not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Text>,
}

/// A data field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Key in the data.
    pub id: String,
    /// Type of the value.
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Label.
    pub label: Text,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    /// Whether it must be filled in (while visible).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<Required>,
    /// Shown only while this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible: Option<Expr>,
    /// Lower bound (numbers, money, dates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Expr>,
    /// Upper bound (numbers, money, dates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Expr>,
    /// Least number of characters (or of choices for `multichoice`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minlength: Option<u64>,
    /// Most number of characters (or of choices for `multichoice`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maxlength: Option<u64>,
    /// A regular expression the whole value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<Pattern>,
    /// Value used while none is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Expr>,
    /// Computed, read-only value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Expr>,
    /// Citizen-account attribute to prefill from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<String>,
    /// FIM Datenfeld id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fim: Option<FimRef>,
    /// Accepted media types (files); `image/*` style wildcards allowed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accept: Vec<String>,
    /// Largest file size in bytes (files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maxsize: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(json: &str) -> Result<Item, String> {
        serde_json::from_str::<Item>(json).map_err(|e| e.to_string())
    }

    #[test]
    fn items_read_by_their_kind_and_round_trip() {
        let text = r#"[
            {"kind":"field","id":"a","type":"text","label":{"de":"A"}},
            {"kind":"group","id":"g","title":{"de":"G"},"repeat":{"min":1},"items":[
                {"kind":"info","text":{"de":"I"}},
                {"kind":"check","condition":{"lit":{"bool":true}},"message":{"de":"M"}}
            ]}
        ]"#;
        let items: Vec<Item> = serde_json::from_str(text).expect("items");
        assert!(matches!(&items[0], Item::Field(f) if f.id == "a"));
        assert!(matches!(&items[1], Item::Group(g) if g.items.len() == 2));
        let again: Vec<Item> =
            serde_json::from_str(&serde_json::to_string(&items).expect("json")).expect("items");
        assert_eq!(items, again);
    }

    #[test]
    fn bad_items_say_what_is_wrong() {
        let e = item(r#"{"kind":"widget","id":"a"}"#).unwrap_err();
        assert!(
            e.contains("unknown variant `widget`") && e.contains("`field`"),
            "{e}"
        );
        let e = item(r#"{"id":"a","type":"text","label":{"de":"A"}}"#).unwrap_err();
        assert!(e.contains("missing field `kind`"), "{e}");
        let e = item(r#"{"kind":"field","id":"a","type":"text","label":{"de":"A"},"colour":1}"#)
            .unwrap_err();
        assert!(e.starts_with("field `a`: unknown field `colour`"), "{e}");
        let e = item(r#"{"kind":3}"#).unwrap_err();
        assert!(e.contains("\"kind\" must be a string"), "{e}");
        let e = item("[1]").unwrap_err();
        assert!(e.contains("expected an item object"), "{e}");
    }
}
