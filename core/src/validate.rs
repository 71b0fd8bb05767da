//! Validation of a submission (SPEC section 3): read the JSON against the form, work out
//! visibility and values, then walk the form in document order to report errors and
//! build the accepted data.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::eval::{Cell, Raw, Slot, State, VRef};
use crate::form::{check, Child, Form, NodeId, NodeKind, Read};
use crate::formats;
use crate::messages::{message, message_lang, MsgArgs};
use crate::model::FieldType;
use crate::value::{format_date, parse_date, round_money, FileValue, Value};

/// The error codes of SPEC section 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// A required field has no value.
    Required,
    /// The JSON value has the wrong type.
    Type,
    /// Below the minimum.
    Min,
    /// Above the maximum.
    Max,
    /// Too short.
    Minlength,
    /// Too long.
    Maxlength,
    /// Does not match the pattern.
    Pattern,
    /// Not a well-formed date, e-mail, phone number, IBAN or postcode.
    Format,
    /// Not an option of the list.
    Choice,
    /// Too few items in a repeated group.
    RepeatMin,
    /// Too many items in a repeated group.
    RepeatMax,
    /// A file of a media type that is not accepted.
    FileType,
    /// A file larger than allowed.
    FileSize,
    /// A key the form does not define at that place.
    Unknown,
    /// A failed `check`.
    Check,
}

impl ErrorCode {
    /// The code as it appears in results (`repeat_min`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Required => "required",
            ErrorCode::Type => "type",
            ErrorCode::Min => "min",
            ErrorCode::Max => "max",
            ErrorCode::Minlength => "minlength",
            ErrorCode::Maxlength => "maxlength",
            ErrorCode::Pattern => "pattern",
            ErrorCode::Format => "format",
            ErrorCode::Choice => "choice",
            ErrorCode::RepeatMin => "repeat_min",
            ErrorCode::RepeatMax => "repeat_max",
            ErrorCode::FileType => "file_type",
            ErrorCode::FileSize => "file_size",
            ErrorCode::Unknown => "unknown",
            ErrorCode::Check => "check",
        }
    }
}

/// How to validate.
#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// Language of the messages; the form's default if `None` or not offered.
    pub lang: Option<String>,
    /// The date `today()` returns.
    pub today: NaiveDate,
}

impl ValidateOptions {
    /// Options for a given day in the form's default language.
    pub fn new(today: NaiveDate) -> Self {
        ValidateOptions { lang: None, today }
    }
}

/// One problem with a submission.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidationError {
    /// JSON Pointer to the value (`/anschrift/plz`), `""` for the whole submission.
    pub path: String,
    /// The error code.
    pub code: ErrorCode,
    /// A message for the citizen in the requested language.
    pub message: String,
}

/// A fee worked out from the answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeeAmount {
    /// Fee id.
    pub id: String,
    /// Label in the requested language.
    pub label: String,
    /// Amount in euros, rounded to cents.
    #[serde(serialize_with = "ser_money")]
    pub amount: Decimal,
}

fn ser_money<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    decimal_json(*d, true).serialize(s)
}

/// The result of SPEC section 3.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidationResult {
    /// Whether there are no errors.
    pub valid: bool,
    /// The errors in document order.
    pub errors: Vec<ValidationError>,
    /// The fees that have a value.
    pub fees: Vec<FeeAmount>,
    /// The accepted data: hidden fields dropped, computed values and defaults filled.
    pub data: Json,
}

impl Form {
    /// Validates a submission: errors, fees and the accepted data (SPEC section 3).
    ///
    /// The accepted data is a copy; [`Form::validate_owned`] takes the submission
    /// instead and moves what it accepts, which is cheaper for a server that has just
    /// parsed it.
    pub fn validate(&self, data: &Json, opts: &ValidateOptions) -> ValidationResult {
        let (result, built) = self.run(data, opts, true);
        let data = match built {
            Built::Same => data.as_object().cloned().unwrap_or_default(),
            Built::Map(m) => m,
        };
        result.with_data(data)
    }

    /// Like [`Form::validate`], with the same result, but takes the submission: as far
    /// as it is accepted unchanged, its values move into the accepted data uncopied.
    pub fn validate_owned(&self, data: Json, opts: &ValidateOptions) -> ValidationResult {
        let (result, built) = self.run(&data, opts, true);
        let data = match (built, data) {
            (Built::Same, Json::Object(m)) => m,
            (Built::Same, _) => Map::new(),
            (Built::Map(m), _) => m,
        };
        result.with_data(data)
    }

    /// Only the errors of a submission, in the order [`Form::validate`] reports them;
    /// conditions and checks are evaluated alike, but no accepted data is built.
    pub fn errors(&self, data: &Json, opts: &ValidateOptions) -> Vec<ValidationError> {
        self.run(data, opts, false).0.errors
    }

    /// Validates; the accepted data is left out of the result and returned as built.
    fn run(&self, data: &Json, opts: &ValidateOptions, build: bool) -> (ValidationResult, Built) {
        let default_lang = self.model.default_lang();
        let lang = opts
            .lang
            .as_deref()
            .filter(|l| self.model.languages.iter().any(|x| x == l))
            .unwrap_or(default_lang);
        let mut st = State::new(self, opts.today);
        let obj = data.as_object().unwrap_or(&EMPTY);
        load(self, &mut st, None, 0, obj);
        st.evaluate(self);
        let mut out = Out {
            form: self,
            st: &st,
            lang,
            default_lang,
            msg_lang: message_lang(lang, default_lang),
            errors: Vec::new(),
            path: String::new(),
            leaf: None,
            build,
        };
        if !data.is_object() {
            out.errors.push(ValidationError {
                path: String::new(),
                code: ErrorCode::Type,
                message: if out.msg_lang == "en" {
                    "The submission must be a JSON object.".to_owned()
                } else {
                    "Die Angaben müssen ein JSON-Objekt sein.".to_owned()
                },
            });
        }
        let built = out.container(None, 0, obj);
        let errors = out.errors;
        let fees = if build {
            self.fee_amounts(&st, lang)
        } else {
            Vec::new()
        };
        let result = ValidationResult {
            valid: errors.is_empty(),
            errors,
            fees,
            data: Json::Null,
        };
        (result, built)
    }

    /// The fees that have a value, labelled in `lang`.
    pub(crate) fn fee_amounts(&self, st: &State, lang: &str) -> Vec<FeeAmount> {
        let default_lang = self.model.default_lang();
        self.model
            .fees
            .iter()
            .zip(&self.fees)
            .filter_map(|(fee, expr)| match st.eval(self, expr, 0) {
                Some(Value::Number(d)) => Some(FeeAmount {
                    id: fee.id.clone(),
                    label: fee.label.get(lang, default_lang).to_owned(),
                    amount: round_money(d),
                }),
                _ => None,
            })
            .collect()
    }
}

/// Reads the data of one container into instance `inst`.
pub(crate) fn load<'d>(
    form: &Form,
    st: &mut State<'d>,
    group: Option<NodeId>,
    inst: usize,
    obj: &'d Map<String, Json>,
) {
    let container = form.container(group);
    // Submissions usually list keys in form order: try the next child before hashing.
    let mut next = 0;
    for (key, json) in obj {
        let pos = match container.packed.get(next) {
            Some(c) if same_key(container.key(c), key.as_bytes()) => next,
            _ => match container.by_key.get(key) {
                Some(&node) => form.nodes[node].child_pos,
                None => {
                    st.unknown_keys = true;
                    continue;
                }
            },
        };
        let Some(child) = container.packed.get(pos) else {
            continue;
        };
        next = pos + 1;
        match (child.read, json) {
            (Read::Group | Read::Repeat(_), Json::Null) => {}
            (Read::Group, Json::Object(inner)) => load(form, st, Some(child.node), inst, inner),
            (Read::Repeat(scope), Json::Array(items)) => {
                let mut ids = Vec::with_capacity(items.len());
                for item in items {
                    let item_inst = st.new_inst(form, scope, Some(inst));
                    ids.push(item_inst);
                    match item {
                        Json::Object(inner) => load(form, st, Some(child.node), item_inst, inner),
                        _ => st.insts[item_inst].bad_item = true,
                    }
                }
                st.insts[inst].items.push((child.node, ids));
            }
            (Read::Group | Read::Repeat(_), _) => {
                st.insts[inst].slots[child.slot].raw = Raw::Bad(ErrorCode::Type);
            }
            (read, json) => {
                let slot = &mut st.insts[inst].slots[child.slot];
                match read_value(form, read, json) {
                    Ok(None) => {}
                    Ok(Some(v)) => {
                        slot.raw = Raw::Given;
                        slot.value = Some(v);
                    }
                    Err(code) => slot.raw = Raw::Bad(code),
                }
            }
        }
    }
}

/// Whether two keys are equal; keys are short, and inline beats a call to `memcmp`.
fn same_key(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Reads a submitted JSON value as a field's type: `Ok(None)` if absent.
fn read_value<'d>(form: &Form, read: Read, json: &'d Json) -> Result<Option<Cell<'d>>, ErrorCode> {
    use ErrorCode::{Choice, Format, Type};
    let val = |v| Ok(Some(Cell::Val(v)));
    if json.is_null() {
        return Ok(None);
    }
    if read.is_text() {
        let Some(s) = json.as_str() else {
            return Err(Type);
        };
        if s.is_empty() {
            return Ok(None);
        }
        let ok = match read {
            Read::Date => return parse_date(s).map_or(Err(Format), |d| val(Value::Date(d))),
            Read::Email => formats::is_email(s),
            Read::Phone => formats::is_phone(s),
            Read::Iban => formats::is_iban(s),
            Read::Postcode => formats::is_postcode(s),
            Read::Choice(list) => {
                if !form.model.lists.get(list).is_some_and(|l| l.accepts(s)) {
                    return Err(Choice);
                }
                true
            }
            _ => true,
        };
        return if ok {
            Ok(Some(Cell::Text(s)))
        } else {
            Err(Format)
        };
    }
    match read {
        // An i64 is already a normalized whole decimal.
        Read::Integer => match json.as_i64() {
            Some(i) => val(Value::Number(Decimal::from(i))),
            None => match json_decimal(json) {
                Some(d) if d.fract().is_zero() => val(Value::Number(d.normalize())),
                _ => Err(Type),
            },
        },
        Read::Decimal => json_decimal(json).map_or(Err(Type), |d| val(Value::Number(d))),
        Read::Money => match json_decimal(json) {
            Some(d) if d.normalize().scale() <= 2 => val(Value::Number(d)),
            _ => Err(Type),
        },
        Read::Boolean => json.as_bool().map_or(Err(Type), |b| val(Value::Bool(b))),
        Read::Multichoice(list) => {
            let Some(items) = json.as_array() else {
                return Err(Type);
            };
            if items.is_empty() {
                return Ok(None);
            }
            let list = form.model.lists.get(list);
            let mut keys: Vec<String> = Vec::with_capacity(items.len());
            let mut bad_choice = false;
            for item in items {
                let Some(k) = item.as_str() else {
                    return Err(Type);
                };
                if !list.is_some_and(|l| l.accepts(k)) || keys.iter().any(|x| x == k) {
                    bad_choice = true;
                }
                keys.push(k.to_owned());
            }
            if bad_choice {
                Err(Choice)
            } else {
                val(Value::List(keys))
            }
        }
        Read::File => read_file(json).map_or(Err(Type), |f| val(Value::File(Box::new(f)))),
        _ => Err(Type),
    }
}

fn read_file(json: &Json) -> Option<FileValue> {
    let obj = json.as_object()?;
    if obj.len() != 4 {
        return None;
    }
    let name = obj.get("name")?.as_str()?;
    let media_type = obj.get("media_type")?.as_str()?;
    let size = obj.get("size")?.as_u64()?;
    let sha256 = obj.get("sha256")?.as_str()?;
    if name.is_empty() || media_type.is_empty() || !formats::is_sha256_hex(sha256) {
        return None;
    }
    Some(FileValue {
        name: name.to_owned(),
        media_type: media_type.to_owned(),
        size,
        sha256: sha256.to_owned(),
    })
}

/// Whether a number is written as its accepted integer value would be: digits, maybe a
/// minus, no fraction or exponent (JSON has no leading zeros), and not `-0`.
fn is_plain_integer(json: &Json) -> bool {
    json.as_number().is_some_and(|n| {
        let t = n.as_str();
        let digits = t.strip_prefix('-').unwrap_or(t);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && t != "-0"
    })
}

/// A JSON number as an exact decimal, read from its text as submitted (serde_json keeps
/// the text: `arbitrary_precision`), so that no binary float stands in between. `None`
/// beyond what a decimal holds (28 decimal places, 96-bit mantissa): an error, never a
/// silently rounded value.
fn json_decimal(json: &Json) -> Option<Decimal> {
    crate::value::parse_json_number(json.as_number()?.as_str())
}

/// A decimal as a JSON number, written exactly: money with two decimal places (`24.00`),
/// any other number in its shortest form (`3`, `2.5`).
pub(crate) fn decimal_json(d: Decimal, money: bool) -> Json {
    let text = if money {
        round_money(d).to_string()
    } else {
        d.normalize().to_string()
    };
    // A decimal's text is always a JSON number; with `arbitrary_precision` the Number
    // keeps it as it is.
    text.parse().map_or(Json::Null, Json::Number)
}

/// The JSON of a value of a field's type.
pub(crate) fn value_json(ty: &FieldType, v: &Value) -> Json {
    match v {
        Value::Text(s) => Json::String(s.clone()),
        Value::Number(d) => decimal_json(*d, matches!(ty, FieldType::Money)),
        Value::Date(d) => Json::String(format_date(*d)),
        Value::Bool(b) => Json::Bool(*b),
        Value::List(l) => Json::Array(l.iter().cloned().map(Json::String).collect()),
        Value::File(f) => serde_json::json!({
            "name": f.name, "media_type": f.media_type, "size": f.size, "sha256": f.sha256,
        }),
    }
}

/// The JSON of a slot's value of a field's type.
pub(crate) fn cell_json(ty: &FieldType, c: &Cell<'_>) -> Json {
    match c {
        Cell::Text(s) => Json::String((*s).to_owned()),
        Cell::Val(v) => value_json(ty, v),
    }
}

impl ValidationResult {
    fn with_data(mut self, data: Map<String, Json>) -> Self {
        self.data = Json::Object(data);
        self
    }
}

/// Escapes a key for a JSON Pointer.
pub(crate) fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The accepted data of a container.
enum Built {
    /// Equal to the submitted object, entry by entry and in order.
    Same,
    Map(Map<String, Json>),
}

/// Builds the accepted data of a container lazily: as long as it repeats the submitted
/// object entry by entry, nothing is copied (and no key hashed); at the first
/// difference the entries so far are copied from the submission.
struct Data<'o> {
    /// Whether to build at all (not for [`Form::errors`]).
    on: bool,
    capacity: usize,
    obj: &'o Map<String, Json>,
    /// The submitted entries after the first `same`.
    rest: serde_json::map::Iter<'o>,
    same: usize,
    map: Option<Map<String, Json>>,
}

impl Data<'_> {
    /// Takes the next submitted entry as the accepted one if it is `key` and its JSON
    /// is what the accepted data would hold (`as_is`); false if `insert` must follow.
    fn keep(&mut self, key: &[u8], as_is: impl FnOnce(&Json) -> bool) -> bool {
        if !self.on {
            return true;
        }
        if self.map.is_some() {
            return false;
        }
        match self.rest.clone().next() {
            Some((k, v)) if same_key(k.as_bytes(), key) && as_is(v) => {
                self.rest.next();
                self.same += 1;
                true
            }
            _ => false,
        }
    }

    fn map(&mut self) -> &mut Map<String, Json> {
        let (obj, same, capacity) = (self.obj, self.same, self.capacity);
        self.map.get_or_insert_with(|| {
            let mut m = Map::with_capacity(capacity);
            for (k, v) in obj.iter().take(same) {
                m.insert(k.clone(), v.clone());
            }
            m
        })
    }

    fn insert(&mut self, key: &str, value: impl FnOnce() -> Json) {
        if self.on {
            let value = value();
            self.map().insert(key.to_owned(), value);
        }
    }

    fn finish(mut self) -> Built {
        if !self.on {
            return Built::Map(Map::new());
        }
        if self.map.is_none() && self.same == self.obj.len() {
            return Built::Same;
        }
        Built::Map(std::mem::take(self.map()))
    }
}

struct Out<'a, 'd> {
    form: &'a Form,
    st: &'a State<'d>,
    lang: &'a str,
    default_lang: &'a str,
    msg_lang: &'static str,
    errors: Vec<ValidationError>,
    /// The JSON Pointer of the container being looked at (a reused buffer).
    path: String,
    /// The field being looked at within it, if any: its pointer token is added to
    /// `path` only when an error is written.
    leaf: Option<NodeId>,
    /// Whether to build the accepted data (not needed by [`Form::errors`]).
    build: bool,
}

/// What an error message needs besides the field's label.
#[derive(Default)]
struct Detail {
    bound: String,
}

impl<'a, 'd> Out<'a, 'd> {
    /// Records an error at the current path, about `node` (or about a key, for `unknown`).
    fn push(&mut self, node: Option<NodeId>, key: &str, code: ErrorCode, detail: Detail) {
        let (label, ty) = match node {
            Some(n) => (
                self.form.nodes[n].label.get(self.lang, self.default_lang),
                match &self.form.nodes[n].kind {
                    NodeKind::Field { field, .. } => Some(&field.ty),
                    _ => None,
                },
            ),
            None => (key, None),
        };
        let args = MsgArgs {
            label,
            bound: detail.bound,
            is_choice: matches!(
                ty,
                Some(FieldType::Choice { .. } | FieldType::Multichoice { .. } | FieldType::Boolean)
            ),
            is_date: matches!(ty, Some(FieldType::Date)),
            format: ty.map_or("", format_kind),
        };
        self.errors.push(ValidationError {
            path: self.here(),
            code,
            message: message(code, self.msg_lang, &args),
        });
    }

    /// The JSON Pointer of the value being looked at.
    fn here(&self) -> String {
        match self.leaf.map(|n| self.form.nodes[n].pointer_key.as_str()) {
            Some(leaf) => {
                let mut p = String::with_capacity(self.path.len() + 1 + leaf.len());
                p.push_str(&self.path);
                p.push('/');
                p.push_str(leaf);
                p
            }
            None => self.path.clone(),
        }
    }

    /// Records an error with a message of the form's own (checks, pattern messages).
    fn push_text(&mut self, code: ErrorCode, text: &crate::model::Text) {
        self.errors.push(ValidationError {
            path: self.here(),
            code,
            message: text.get(self.lang, self.default_lang).to_owned(),
        });
    }

    /// Reports the errors of a container instance (at the current path) and returns its
    /// accepted data.
    fn container(&mut self, group: Option<NodeId>, inst: usize, obj: &Map<String, Json>) -> Built {
        let form = self.form;
        let container = form.container(group);
        let mut data = Data {
            on: self.build,
            capacity: container.packed.len(),
            obj,
            rest: obj.iter(),
            same: 0,
            map: None,
        };
        let base = self.path.len();
        for c in &container.packed {
            let node = c.node;
            let Some(slot) = self.st.slot_in(c.scope, c.slot, inst) else {
                continue;
            };
            if !slot.visible {
                continue;
            }
            if !matches!(c.read, Read::Group | Read::Repeat(_)) {
                self.leaf = Some(node);
                let accepted = self.field(c, slot, inst);
                self.leaf = None;
                if let Some(cell) = accepted {
                    // A value as submitted: the accepted data repeats its JSON when
                    // that is how the value is written back (integers: if i64).
                    let given = c.checks & check::COMPUTED == 0 && matches!(slot.raw, Raw::Given);
                    let as_is = |j: &Json| match c.read {
                        Read::Integer => is_plain_integer(j),
                        Read::Boolean | Read::Multichoice(_) => true,
                        read => read.is_text(),
                    };
                    if !(given && data.keep(container.key(c), as_is)) {
                        let n = &form.nodes[node];
                        let ty = match &n.kind {
                            NodeKind::Field { field, .. } => &field.ty,
                            _ => &FieldType::Text,
                        };
                        data.insert(&n.key, || cell_json(ty, cell));
                    }
                }
                continue;
            }
            let n = &form.nodes[node];
            match &n.kind {
                NodeKind::Group { repeat, .. } => {
                    self.path.push('/');
                    self.path.push_str(&n.pointer_key);
                    if let Raw::Bad(code) = slot.raw {
                        self.push(Some(node), "", code, Detail::default());
                    } else {
                        let sub = obj.get(&n.key);
                        match repeat {
                            None => {
                                let inner = sub.and_then(Json::as_object).unwrap_or(&EMPTY);
                                match self.container(Some(node), inst, inner) {
                                    Built::Same if inner.is_empty() => {}
                                    Built::Same => {
                                        if !data.keep(n.key.as_bytes(), |_| true) {
                                            data.insert(&n.key, || Json::Object(inner.clone()));
                                        }
                                    }
                                    Built::Map(d) if d.is_empty() => {}
                                    Built::Map(d) => data.insert(&n.key, || Json::Object(d)),
                                }
                            }
                            Some(rep) => {
                                let items = self.repeat(node, inst, *rep, sub);
                                if !items.is_empty() {
                                    data.insert(&n.key, || Json::Array(items));
                                }
                            }
                        }
                    }
                }
                // Fields were done above; pages are never children.
                NodeKind::Field { .. } | NodeKind::Page => {}
            }
            self.path.truncate(base);
        }
        // `load` has looked up every key of every object this walk reaches.
        if self.st.unknown_keys {
            for key in obj.keys() {
                if !container.by_key.contains_key(key) {
                    self.path.push('/');
                    self.path.push_str(&pointer_token(key));
                    self.push(None, key, ErrorCode::Unknown, Detail::default());
                    self.path.truncate(base);
                }
            }
        }
        for check in &container.checks {
            let gate_visible = match check.gate {
                Some(g) => self.st.slot(form, g, inst).is_some_and(|s| s.visible),
                None => true,
            };
            if gate_visible && !self.st.holds(form, &check.condition, inst) {
                self.push_text(ErrorCode::Check, &check.message);
            }
        }
        data.finish()
    }

    /// Reports the errors of a visible repeated group (at the current path) and its items.
    fn repeat(
        &mut self,
        node: NodeId,
        inst: usize,
        rep: crate::model::Repeat,
        sub: Option<&Json>,
    ) -> Vec<Json> {
        let owner = self.st.owner(self.form, node, inst).unwrap_or(inst);
        let items = self.st.items(node, owner);
        let count = items.len() as u64;
        if count < u64::from(rep.min) {
            self.push(
                Some(node),
                "",
                ErrorCode::RepeatMin,
                Detail {
                    bound: rep.min.to_string(),
                },
            );
        }
        if let Some(max) = rep.max.filter(|m| count > u64::from(*m)) {
            self.push(
                Some(node),
                "",
                ErrorCode::RepeatMax,
                Detail {
                    bound: max.to_string(),
                },
            );
        }
        let arr = sub.and_then(Json::as_array);
        let base = self.path.len();
        let mut out = Vec::with_capacity(items.len());
        for (i, &item) in items.iter().enumerate() {
            self.path.push('/');
            self.path.push_str(&i.to_string());
            if self.st.insts[item].bad_item {
                self.push(Some(node), "", ErrorCode::Type, Detail::default());
                out.push(Json::Object(Map::new()));
            } else {
                let inner = arr
                    .and_then(|a| a.get(i))
                    .and_then(Json::as_object)
                    .unwrap_or(&EMPTY);
                out.push(Json::Object(
                    match self.container(Some(node), item, inner) {
                        Built::Same => inner.clone(),
                        Built::Map(m) => m,
                    },
                ));
            }
            self.path.truncate(base);
        }
        out
    }

    /// Reports a value below `min` or above `max`.
    fn bounds(
        &mut self,
        node: NodeId,
        inst: usize,
        value: VRef<'_>,
        min: Option<&crate::form::RExpr>,
        max: Option<&crate::form::RExpr>,
        ty: &FieldType,
    ) {
        let (form, st) = (self.form, self.st);
        let beyond = |expr: Option<&crate::form::RExpr>, bad: fn(std::cmp::Ordering) -> bool| {
            let b = st.eval_ref(form, expr?, inst)?;
            let b = b.view();
            bad(value.compare(b)?).then(|| show_bound(b, ty, self.msg_lang))
        };
        let below = beyond(min, std::cmp::Ordering::is_lt);
        let above = beyond(max, std::cmp::Ordering::is_gt);
        if let Some(bound) = below {
            self.push(Some(node), "", ErrorCode::Min, Detail { bound });
        }
        if let Some(bound) = above {
            self.push(Some(node), "", ErrorCode::Max, Detail { bound });
        }
    }

    /// Reports the errors of a visible field (at the current path) and returns its
    /// accepted value.
    fn field(&mut self, c: &Child, slot: &'a Slot<'d>, inst: usize) -> Option<&'a Cell<'d>> {
        let computed = c.checks & check::COMPUTED != 0;
        if !computed {
            if let Raw::Bad(code) = slot.raw {
                self.push(Some(c.node), "", code, Detail::default());
                return None;
            }
        }
        let Some(cell) = &slot.value else {
            let required = c.checks & check::REQUIRED != 0
                || (c.checks & check::REQUIRED_WHEN != 0 && self.required_when(c.node, inst));
            if required && !computed {
                self.push(Some(c.node), "", ErrorCode::Required, Detail::default());
            }
            return None;
        };
        if !computed && c.checks & check::CONSTRAINED != 0 {
            self.constraints(c.node, inst, cell.view());
        }
        Some(cell)
    }

    /// Whether the condition of a field's `required when` holds.
    fn required_when(&self, node: NodeId, inst: usize) -> bool {
        match &self.form.nodes[node].kind {
            NodeKind::Field {
                required_when: Some(c),
                ..
            } => self.st.holds(self.form, c, inst),
            _ => false,
        }
    }

    /// Reports a value of a field that breaks its bounds, lengths, pattern or file limits.
    fn constraints(&mut self, node: NodeId, inst: usize, value: VRef<'_>) {
        let form = self.form;
        let NodeKind::Field {
            field,
            min,
            max,
            pattern,
            ..
        } = &form.nodes[node].kind
        else {
            return;
        };
        if min.is_some() || max.is_some() {
            self.bounds(node, inst, value, min.as_ref(), max.as_ref(), &field.ty);
        }
        let len = match value {
            // At most as many characters as bytes: only count when it can matter.
            VRef::Text(t)
                if field.minlength.is_some()
                    || field.maxlength.is_some_and(|m| t.len() as u64 > m) =>
            {
                Some(t.chars().count() as u64)
            }
            VRef::Val(Value::List(l)) => Some(l.len() as u64),
            _ => None,
        };
        if let Some(len) = len {
            if let Some(m) = field.minlength.filter(|m| len < *m) {
                self.push(
                    Some(node),
                    "",
                    ErrorCode::Minlength,
                    Detail {
                        bound: m.to_string(),
                    },
                );
            }
            if let Some(m) = field.maxlength.filter(|m| len > *m) {
                self.push(
                    Some(node),
                    "",
                    ErrorCode::Maxlength,
                    Detail {
                        bound: m.to_string(),
                    },
                );
            }
        }
        if let (Some(re), VRef::Text(t)) = (pattern, value) {
            if !re.is_match(t) {
                match field.pattern.as_ref().and_then(|p| p.message.as_ref()) {
                    Some(text) => self.push_text(ErrorCode::Pattern, text),
                    None => self.push(Some(node), "", ErrorCode::Pattern, Detail::default()),
                }
            }
        }
        if let VRef::Val(Value::File(f)) = value {
            if !field.accept.is_empty()
                && !formats::media_type_accepted(&f.media_type, &field.accept)
            {
                self.push(
                    Some(node),
                    "",
                    ErrorCode::FileType,
                    Detail {
                        bound: field.accept.join(", "),
                    },
                );
            }
            if let Some(max) = field.maxsize.filter(|m| f.size > *m) {
                self.push(
                    Some(node),
                    "",
                    ErrorCode::FileSize,
                    Detail {
                        bound: show_size(max),
                    },
                );
            }
        }
    }
}

static EMPTY: std::sync::LazyLock<Map<String, Json>> = std::sync::LazyLock::new(Map::new);

fn format_kind(ty: &FieldType) -> &'static str {
    match ty {
        FieldType::Date => "date",
        FieldType::Email => "email",
        FieldType::Phone => "phone",
        FieldType::Iban => "iban",
        FieldType::Postcode => "postcode",
        _ => "",
    }
}

/// A bound as shown in a message: dates as `1.5.2024` (de) or `2024-05-01` (en).
fn show_bound(v: VRef<'_>, ty: &FieldType, lang: &str) -> String {
    use chrono::Datelike;
    let v = match v {
        VRef::Text(t) => return t.to_owned(),
        VRef::Val(v) => v,
    };
    match v {
        Value::Date(d) if lang == "de" => format!("{}.{}.{}", d.day(), d.month(), d.year()),
        Value::Date(d) => format_date(*d),
        Value::Number(d) if matches!(ty, FieldType::Money) => {
            let s = round_money(*d).to_string();
            if lang == "de" {
                format!("{} €", s.replace('.', ","))
            } else {
                format!("€{s}")
            }
        }
        Value::Number(d) if lang == "de" => d.normalize().to_string().replace('.', ","),
        Value::Number(d) => d.normalize().to_string(),
        _ => String::new(),
    }
}

fn show_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0 {
        format!("{} MB", bytes / (1024 * 1024))
    } else if bytes >= 1024 && bytes % 1024 == 0 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} B")
    }
}
