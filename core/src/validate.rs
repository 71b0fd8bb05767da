//! Validation of a submission (SPEC section 3): read the JSON against the form, work out
//! visibility and values, then walk the form in document order to report errors and
//! build the accepted data.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::eval::{Cell, Raw, Slot, State, VRef};
use crate::form::{
    check, same_key, Bound, Child, Container, DateBound, Form, Limits, NodeId, NodeKind, Quick,
    Read,
};
use crate::formats;
use crate::messages::{message, message_lang, MsgArgs};
use crate::model::FieldType;
use crate::value::{
    cmp_decimal, format_date, parse_date, parse_json_number, round_money, FileValue, Value,
};
use std::cmp::Ordering;

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
        // A form whose expressions only read what comes before them is worked out as
        // the walk goes; any other is read and evaluated completely first.
        if !self.linear() {
            load(self, &mut st, None, 0, obj);
            st.evaluate(self);
        }
        let mut walk = Walk {
            form: self,
            st,
            build,
            found: Vec::new(),
            out: Report {
                form: self,
                lang,
                default_lang,
                msg_lang: message_lang(lang, default_lang),
                errors: Vec::new(),
                path: String::new(),
                leaf: None,
            },
        };
        if !data.is_object() {
            walk.out.errors.push(ValidationError {
                path: String::new(),
                code: ErrorCode::Type,
                message: if walk.out.msg_lang == "en" {
                    "The submission must be a JSON object.".to_owned()
                } else {
                    "Die Angaben müssen ein JSON-Objekt sein.".to_owned()
                },
            });
        }
        let built = walk.container(None, 0, obj);
        let errors = walk.out.errors;
        let fees = if build {
            self.fee_amounts(&walk.st, lang)
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

/// Reads the data of one container into instance `inst`, completely: every submitted
/// value, and the items of repeated groups with theirs.
pub(crate) fn load<'d>(
    form: &Form,
    st: &mut State<'d>,
    group: Option<NodeId>,
    inst: usize,
    obj: &'d Map<String, Json>,
) {
    let container = form.container(group);
    let mut next = 0;
    for (key, json) in obj {
        let Some(pos) = container.position(next, key) else {
            st.unknown_keys = true;
            continue;
        };
        let Some(child) = container.packed.get(pos) else {
            continue;
        };
        next = pos + 1;
        match take(form, st, child, inst, json) {
            Inner::Object(inner) => load(form, st, Some(child.node), inst, inner),
            Inner::Items(first, items) => {
                for (item_inst, item) in (first..).zip(items) {
                    if let Json::Object(inner) = item {
                        load(form, st, Some(child.node), item_inst, inner);
                    }
                }
            }
            Inner::None => {}
        }
    }
}

/// Puts what reading a submitted value gave ([`read_value`]) into its slot.
fn store<'d>(slot: &mut Slot<'d>, read: Result<Option<Cell<'d>>, ErrorCode>) {
    match read {
        Ok(None) => {}
        Ok(Some(v)) => {
            slot.raw = Raw::Given;
            slot.value = Some(v);
        }
        Err(code) => slot.raw = Raw::Bad(code),
    }
}

/// What a group's JSON holds for the reading of its content.
enum Inner<'d> {
    None,
    Object(&'d Map<String, Json>),
    /// The items of a repeated group: their instances are made, one after the other
    /// from the first.
    Items(usize, &'d [Json]),
}

/// Reads one submitted value into the slot of a child of instance `inst`: a field's
/// value (or the error it has), whether a group's JSON is of the right kind, and for a
/// repeated group an instance per item. A group's content is read by the caller.
fn take<'d>(
    form: &Form,
    st: &mut State<'d>,
    child: &Child,
    inst: usize,
    json: &'d Json,
) -> Inner<'d> {
    match (child.read, json) {
        (Read::Group | Read::Repeat(_), Json::Null) => Inner::None,
        (Read::Group, Json::Object(inner)) => Inner::Object(inner),
        (Read::Repeat(scope), Json::Array(items)) => {
            let first = st.insts.len();
            let mut ids = Vec::with_capacity(items.len());
            for item in items {
                let item_inst = st.new_inst(form, scope, Some(inst));
                ids.push(item_inst);
                if !item.is_object() {
                    st.insts[item_inst].bad_item = true;
                }
            }
            st.insts[inst].items.push((child.node, ids));
            Inner::Items(first, items)
        }
        (Read::Group | Read::Repeat(_), _) => {
            if let Some(slot) = st.slot_mut(inst, child.slot) {
                slot.raw = Raw::Bad(ErrorCode::Type);
            }
            Inner::None
        }
        (read, json) => {
            let read = read_value(form, read, json, &mut st.owned);
            if let Some(slot) = st.slot_mut(inst, child.slot) {
                store(slot, read);
            }
            Inner::None
        }
    }
}

/// Reads a submitted JSON value as a field's type: `Ok(None)` if absent.
#[cfg_attr(not(target_arch = "wasm32"), inline(always))]
/// Lists and files go into `owned` (see [`Cell::Owned`]).
fn read_value<'d>(
    form: &Form,
    read: Read,
    json: &'d Json,
    owned: &mut Vec<Value>,
) -> Result<Option<Cell<'d>>, ErrorCode> {
    let mut own = |v| {
        owned.push(v);
        Ok(Some(Cell::Owned(owned.len() - 1)))
    };
    use ErrorCode::{Choice, Type};
    match (read, json) {
        (_, Json::Null) => Ok(None),
        (Read::Text, Json::String(s)) => Ok((!s.is_empty()).then_some(Cell::Text(s))),
        (read, Json::String(s)) if read.is_text() => read_text(form, read, s),
        (Read::Integer, Json::Number(n)) => match small_integer(n.as_str()) {
            // An i64 is already a normalized whole decimal.
            Some(i) => Ok(Some(Cell::Int(i))),
            None => match parse_json_number(n.as_str()) {
                Some(d) if d.fract().is_zero() => Ok(Some(Cell::Num(d.normalize()))),
                _ => Err(Type),
            },
        },
        (Read::Decimal, Json::Number(n)) => parse_json_number(n.as_str())
            .map(|d| Some(Cell::Num(d)))
            .ok_or(Type),
        (Read::Money, Json::Number(n)) => match parse_json_number(n.as_str()) {
            Some(d) if d.normalize().scale() <= 2 => Ok(Some(Cell::Num(d))),
            _ => Err(Type),
        },
        (Read::Boolean, Json::Bool(b)) => Ok(Some(Cell::Bool(*b))),
        (Read::Multichoice(_), Json::Array(items)) if items.is_empty() => Ok(None),
        (Read::Multichoice(list), Json::Array(items)) => {
            let list = form.keys.get(list);
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
                own(Value::List(keys))
            }
        }
        (Read::File, json) => match read_file(json) {
            Some(f) => own(Value::File(Box::new(f))),
            None => Err(Type),
        },
        _ => Err(Type),
    }
}

/// Reads a submitted string as a field of a text kind with a syntax of its own.
#[cfg_attr(not(target_arch = "wasm32"), inline(always))]
fn read_text<'d>(form: &Form, read: Read, s: &'d str) -> Result<Option<Cell<'d>>, ErrorCode> {
    if s.is_empty() {
        return Ok(None);
    }
    let ok = match read {
        Read::Date => {
            return parse_date(s)
                .map(|d| Some(Cell::Date(d)))
                .ok_or(ErrorCode::Format)
        }
        Read::Email => formats::is_email(s),
        Read::Phone => formats::is_phone(s),
        Read::Iban => formats::is_iban(s),
        Read::Postcode => formats::is_postcode(s),
        Read::Choice(list) => {
            if !form.keys.get(list).is_some_and(|l| l.accepts(s)) {
                return Err(ErrorCode::Choice);
            }
            true
        }
        _ => true,
    };
    if ok {
        Ok(Some(Cell::Text(s)))
    } else {
        Err(ErrorCode::Format)
    }
}

/// The value of a JSON number written as a plain integer of at most 18 digits (the
/// usual case, read without the general decimal parser); `None` for anything else.
#[cfg_attr(not(target_arch = "wasm32"), inline(always))]
fn small_integer(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut n: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(b - b'0');
    }
    Some(if negative { -n } else { n })
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

impl Read {
    /// Whether the accepted data repeats a submitted JSON value of this kind as it is
    /// (integers: when written as their value is written back).
    fn as_is(self, json: &Json) -> bool {
        match self {
            Read::Integer => is_plain_integer(json),
            Read::Boolean | Read::Multichoice(_) => true,
            read => read.is_text(),
        }
    }
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

/// The JSON of a slot's value of a field's type.
pub(crate) fn cell_json(st: &State<'_>, ty: &FieldType, c: &Cell<'_>) -> Json {
    match st.view(c) {
        VRef::Text(s) => Json::String(s.to_owned()),
        // As a decimal's text: an integer's digits.
        VRef::Int(i) => Json::Number(i.into()),
        VRef::Num(d) => decimal_json(d, matches!(ty, FieldType::Money)),
        VRef::Date(d) => Json::String(format_date(d)),
        VRef::Bool(b) => Json::Bool(b),
        VRef::List(l) => Json::Array(l.iter().cloned().map(Json::String).collect()),
        VRef::File(f) => serde_json::json!({
            "name": f.name, "media_type": f.media_type, "size": f.size, "sha256": f.sha256,
        }),
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

/// The walk over the form in document order that reports errors and builds the
/// accepted data. In fused mode ([`Form::linear`]) it also works out each child's slot
/// as it reaches it; otherwise every slot was worked out before.
struct Walk<'a, 'd> {
    form: &'a Form,
    st: State<'d>,
    /// Whether to build the accepted data (not needed by [`Form::errors`]).
    build: bool,
    /// Fused mode: the submitted values of the children of the containers being
    /// walked, by position, each container's above its parent's (a reused buffer).
    found: Vec<Option<&'d Json>>,
    out: Report<'a>,
}

/// The errors found so far, and what their messages and paths need.
struct Report<'a> {
    form: &'a Form,
    lang: &'a str,
    default_lang: &'a str,
    msg_lang: &'static str,
    errors: Vec<ValidationError>,
    /// The JSON Pointer of the container being looked at (a reused buffer).
    path: String,
    /// The field being looked at within it, if any: its pointer token is added to
    /// `path` only when an error is written.
    leaf: Option<NodeId>,
}

/// What an error message needs besides the field's label.
#[derive(Default)]
struct Detail {
    bound: String,
}

/// How the fused walk finds a container's submitted values (see [`Walk::container`]).
enum Find<'d> {
    /// The entries not met yet, while they come in form order with none left out.
    InOrder(serde_json::map::Iter<'d>),
    /// Looked up by [`Walk::scan`]: where they are in `found`, and whether there is
    /// an unknown key.
    Scanned { at: usize, unknown: bool },
}

impl<'a, 'd> Walk<'a, 'd> {
    /// Whether slots are worked out as the walk goes (never in the browser runtime:
    /// see [`Form::linear`]).
    fn fused(&self) -> bool {
        self.form.linear()
    }

    /// Fused mode: finds the submitted values of a container's children from position
    /// `from` on, in one pass over the submitted entries not met yet (which usually
    /// come in form order, so the next child is tried before hashing), and puts them
    /// above `found`'s current end, by position. Returns where they start, and whether
    /// an entry has a key the container does not define.
    fn scan(
        &mut self,
        container: &Container,
        from: usize,
        entries: serde_json::map::Iter<'d>,
    ) -> (usize, bool) {
        let base = self.found.len();
        self.found.resize(base + container.packed.len(), None);
        let mut next = from;
        let mut unknown = false;
        for (key, json) in entries {
            let Some(pos) = container.position(next, key) else {
                unknown = true;
                continue;
            };
            if let Some(slot) = self.found.get_mut(base + pos) {
                *slot = Some(json);
            }
            next = pos + 1;
        }
        (base, unknown)
    }

    /// Fused mode: works out a child's slot in instance `inst` as the walk reaches it:
    /// its visibility, then (if visible) its submitted value `json` and any computed
    /// or default value. Everything its expressions read comes before it
    /// ([`Form::linear`]), so it is already worked out.
    #[inline(never)]
    fn visit(&mut self, c: &Child, inst: usize, json: Option<&'d Json>) {
        let simple = c.checks & check::SIMPLE != 0;
        // Slots of nodes that are not simple start out hidden.
        if !simple && !self.visible_now(c, inst) {
            return;
        }
        let (form, st) = (self.form, &mut self.st);
        if let Some(json) = json {
            take(form, st, c, inst, json);
        }
        let value = if simple {
            None
        } else {
            st.value_of(form, c.node, inst)
        };
        let value = value.map(|v| v.map(|v| st.cell(v)));
        if let Some(slot) = st.slot_mut(inst, c.slot) {
            slot.visible = true;
            if let Some(v) = value {
                slot.value = v;
            }
        }
    }

    /// Fused mode, entering a container instance whose object is `obj`: reads the
    /// fields that expressions read before the walk reaches them
    /// ([`Container::early`]). Inside the container (which the walk enters only while
    /// it is visible) they are visible and hold what was submitted; a group on the way
    /// that is not an object holds nothing.
    fn read_early(&mut self, container: &Container, inst: usize, obj: &'d Map<String, Json>) {
        let form = self.form;
        for e in &container.early {
            let Some((last, groups)) = e.path.split_last() else {
                continue;
            };
            let mut at = Some(obj);
            for key in groups {
                at = at.and_then(|o| o.get(&**key)).and_then(Json::as_object);
            }
            let Some(json) = at.and_then(|o| o.get(&**last)) else {
                continue;
            };
            let read = read_value(form, e.read, json, &mut self.st.owned);
            if let Some(slot) = self.st.slot_mut(inst, e.slot) {
                slot.visible = true;
                store(slot, read);
            }
        }
    }

    /// Fused mode: whether a node is visible, worked out now (everything its condition
    /// reads comes before it).
    fn visible_now(&mut self, c: &Child, inst: usize) -> bool {
        let form = self.form;
        // The walk only enters visible groups: a child's group is visible, and a page's
        // visibility is worked out when first asked for.
        if let Some(page) = c.page {
            if !self.st.page_visible(form, page) {
                return false;
            }
        }
        let visible = match &c.visible {
            Some(cond) => self.st.holds(form, cond, inst),
            None => true,
        };
        debug_assert_eq!(visible, self.st.visibility(form, c.node, inst));
        visible
    }

    /// Fused mode, a visible field that holds what was submitted (no default, no
    /// computed value): reads its value, reports its errors and takes it into the
    /// accepted data, in one go. Its slot is written only if an expression reads it.
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    fn plain_field(&mut self, c: &Child, inst: usize, json: Option<&'d Json>, data: &mut Data<'_>) {
        let got = match json {
            Some(j) => read_value(self.form, c.read, j, &mut self.st.owned),
            None => Ok(None),
        };
        let cell = match got {
            Ok(Some(cell)) => cell,
            Ok(None) => {
                let required = c.checks & check::REQUIRED != 0
                    || (c.checks & check::REQUIRED_WHEN != 0
                        && self.out.required_when(&self.st, c.node, inst));
                if required {
                    self.out.leaf = Some(c.node);
                    self.out
                        .push(Some(c.node), "", ErrorCode::Required, Detail::default());
                    self.out.leaf = None;
                }
                return;
            }
            Err(code) => {
                self.out.leaf = Some(c.node);
                self.out.push(Some(c.node), "", code, Detail::default());
                self.out.leaf = None;
                return;
            }
        };
        // Stored before its limits are checked: a bound may read the field itself.
        if c.checks & check::STORED != 0 {
            if let Some(slot) = self.st.slot_mut(inst, c.slot) {
                slot.visible = true;
                slot.raw = Raw::Given;
                slot.value = Some(cell);
            }
        }
        if c.checks & check::CONSTRAINED != 0 && !self.quick_ok(c, &cell) {
            self.out.leaf = Some(c.node);
            let value = self.st.view(&cell);
            self.out.constraints(&self.st, c, inst, value);
            self.out.leaf = None;
        }
        if !data.keep(c.key(), |j| c.read.as_is(j)) {
            let ty = field_type(self.form, c.node);
            data.insert(&self.form.nodes[c.node].key, || {
                cell_json(&self.st, ty, &cell)
            });
        }
    }

    /// Whether a value keeps to its field's limits by their quick check ([`Quick`]);
    /// `false` means "check in full".
    #[inline]
    fn quick_ok(&self, c: &Child, cell: &Cell<'_>) -> bool {
        let Some(l) = self.form.limits.get(c.limits) else {
            return false;
        };
        let today = self.st.today;
        let within = |b: DateBound, d: NaiveDate, ok: fn(Ordering) -> bool| match b {
            DateBound::None => true,
            DateBound::Day(b) => ok(d.cmp(&b)),
            DateBound::Today => ok(d.cmp(&today)),
        };
        match (&l.quick, cell) {
            (Quick::Int(min, max), Cell::Int(v)) => min <= v && v <= max,
            (Quick::Date(min, max), Cell::Date(d)) => {
                within(*min, *d, Ordering::is_ge) && within(*max, *d, Ordering::is_le)
            }
            (Quick::Text(max), Cell::Text(t)) => {
                t.len() <= *max && l.pattern.as_ref().is_none_or(|re| re.is_match(t))
            }
            _ => false,
        }
    }

    /// Reports the errors of a container instance (at the current path) and returns its
    /// accepted data.
    fn container(
        &mut self,
        group: Option<NodeId>,
        inst: usize,
        obj: &'d Map<String, Json>,
    ) -> Built {
        let container = self.form.container(group);
        let mut data = Data {
            on: self.build,
            capacity: container.packed.len(),
            obj,
            rest: obj.iter(),
            same: 0,
            map: None,
        };
        // Fused mode: while the submission lists the children's keys in form order
        // with none left out, each child's value is the next entry; at the first
        // difference the rest are looked up at once.
        let mut find = Find::InOrder(obj.iter());
        if !self.fused() {
            for c in &container.packed {
                self.child(c, inst, None, obj, &mut data);
            }
        } else {
            if !container.early.is_empty() {
                self.read_early(container, inst, obj);
            }
            for (pos, c) in container.packed.iter().enumerate() {
                let json = match &mut find {
                    Find::InOrder(rest) => match rest.clone().next() {
                        Some((k, v)) if same_key(k.as_bytes(), c.key()) => {
                            rest.next();
                            Some(v)
                        }
                        None => None,
                        Some(_) => {
                            let (at, unknown) = self.scan(container, pos, rest.clone());
                            find = Find::Scanned { at, unknown };
                            self.found.get(at + pos).copied().flatten()
                        }
                    },
                    Find::Scanned { at, .. } => self.found.get(*at + pos).copied().flatten(),
                };
                if c.checks & check::PLAIN != 0 {
                    if c.checks & check::SIMPLE == 0 && !self.visible_now(c, inst) {
                        continue;
                    }
                    self.plain_field(c, inst, json, &mut data);
                    continue;
                }
                self.visit(c, inst, json);
                self.child(c, inst, json, obj, &mut data);
            }
        }
        let unknown = match find {
            _ if !self.fused() => self.st.unknown_keys,
            // Entries after the last child's are unknown keys.
            Find::InOrder(rest) => rest.len() > 0,
            Find::Scanned { at, unknown } => {
                self.found.truncate(at);
                unknown
            }
        };
        if unknown || !container.checks.is_empty() {
            self.finish(container, inst, obj, unknown);
        }
        data.finish()
    }

    /// Reports a child whose slot is worked out (all but the plain fields of a fused
    /// walk): a field's errors, or a group's with its content, and takes its accepted
    /// data. `json` is the child's submitted value (fused mode; else it is looked up).
    #[inline(never)]
    fn child(
        &mut self,
        c: &Child,
        inst: usize,
        json: Option<&'d Json>,
        obj: &'d Map<String, Json>,
        data: &mut Data<'_>,
    ) {
        let form = self.form;
        let node = c.node;
        // A container's children live in the container's own instance.
        debug_assert_eq!(self.st.insts[inst].scope, c.scope);
        let Some(slot) = self.st.slot_of(inst, c.slot) else {
            return;
        };
        if !slot.visible {
            return;
        }
        if c.read.is_field() {
            self.out.leaf = Some(node);
            let accepted = self.out.field(&self.st, c, slot, inst);
            self.out.leaf = None;
            if let Some(cell) = accepted {
                // A value as submitted: the accepted data repeats its JSON when that is
                // how the value is written back (integers: if i64).
                let given = c.checks & check::COMPUTED == 0 && matches!(slot.raw, Raw::Given);
                if !(given && data.keep(c.key(), |j| c.read.as_is(j))) {
                    let ty = field_type(form, node);
                    data.insert(&form.nodes[node].key, || cell_json(&self.st, ty, cell));
                }
            }
            return;
        }
        let raw = slot.raw;
        let n = &form.nodes[node];
        let NodeKind::Group { repeat, .. } = &n.kind else {
            // Pages are never children.
            return;
        };
        let base = self.out.path.len();
        self.out.path.push('/');
        self.out.path.push_str(&n.pointer_key);
        if let Raw::Bad(code) = raw {
            self.out.push(Some(node), "", code, Detail::default());
            if repeat.is_none() {
                self.settle(node, inst);
            }
        } else {
            let sub = if self.fused() { json } else { obj.get(&n.key) };
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
        self.out.path.truncate(base);
    }

    /// Fused mode: works out the slots of a group instance whose submitted value is not
    /// an object, as for an empty one, so that the defaults and computed values in it
    /// are there for the conditions, checks and fees that read them (as
    /// `State::evaluate` has them for the read-all walk). Nothing in it is reported or
    /// accepted: its `type` error says it all.
    fn settle(&mut self, group: NodeId, inst: usize) {
        if !self.fused() {
            return;
        }
        let (errors, build) = (self.out.errors.len(), self.build);
        self.build = false;
        self.container(Some(group), inst, &EMPTY);
        self.out.errors.truncate(errors);
        self.build = build;
    }

    /// The end of a container instance: its unknown keys (if `unknown`), then its
    /// checks.
    #[inline(never)]
    fn finish(
        &mut self,
        container: &Container,
        inst: usize,
        obj: &Map<String, Json>,
        unknown: bool,
    ) {
        let form = self.form;
        let base = self.out.path.len();
        if unknown {
            for key in obj.keys() {
                if !container.by_key.contains_key(key) {
                    self.out.path.push('/');
                    self.out.path.push_str(&pointer_token(key));
                    self.out
                        .push(None, key, ErrorCode::Unknown, Detail::default());
                    self.out.path.truncate(base);
                }
            }
        }
        for check in &container.checks {
            let gate_visible = match check.gate {
                Some(g) => {
                    if self.fused() && form.is_page(g) {
                        self.st.page_visible(form, g);
                    }
                    self.st.slot(form, g, inst).is_some_and(|s| s.visible)
                }
                None => true,
            };
            if gate_visible && !self.st.holds(form, &check.condition, inst) {
                self.out.push_text(ErrorCode::Check, &check.message);
            }
        }
    }

    /// Reports the errors of a visible repeated group (at the current path) and its items.
    fn repeat(
        &mut self,
        node: NodeId,
        inst: usize,
        rep: crate::model::Repeat,
        sub: Option<&'d Json>,
    ) -> Vec<Json> {
        let owner = self.st.owner(self.form, node, inst).unwrap_or(inst);
        let items = self.st.items(node, owner).to_vec();
        let count = items.len() as u64;
        if count < u64::from(rep.min) {
            self.out.push(
                Some(node),
                "",
                ErrorCode::RepeatMin,
                Detail {
                    bound: rep.min.to_string(),
                },
            );
        }
        if let Some(max) = rep.max.filter(|m| count > u64::from(*m)) {
            self.out.push(
                Some(node),
                "",
                ErrorCode::RepeatMax,
                Detail {
                    bound: max.to_string(),
                },
            );
        }
        let arr = sub.and_then(Json::as_array);
        let base = self.out.path.len();
        let mut out = Vec::with_capacity(items.len());
        for (i, &item) in items.iter().enumerate() {
            self.out.path.push('/');
            self.out.path.push_str(&i.to_string());
            if self.st.insts[item].bad_item {
                self.out
                    .push(Some(node), "", ErrorCode::Type, Detail::default());
                self.settle(node, item);
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
            self.out.path.truncate(base);
        }
        out
    }
}

impl<'a> Report<'a> {
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

    /// Reports the errors of a visible field (at the current path) and returns its
    /// accepted value.
    fn field<'s, 'd>(
        &mut self,
        st: &'s State<'d>,
        c: &Child,
        slot: &'s Slot<'d>,
        inst: usize,
    ) -> Option<&'s Cell<'d>> {
        let computed = c.checks & check::COMPUTED != 0;
        if !computed {
            if let Raw::Bad(code) = slot.raw {
                self.push(Some(c.node), "", code, Detail::default());
                return None;
            }
        }
        let Some(cell) = &slot.value else {
            let required = c.checks & check::REQUIRED != 0
                || (c.checks & check::REQUIRED_WHEN != 0 && self.required_when(st, c.node, inst));
            if required && !computed {
                self.push(Some(c.node), "", ErrorCode::Required, Detail::default());
            }
            return None;
        };
        if !computed && c.checks & check::CONSTRAINED != 0 {
            self.constraints(st, c, inst, st.view(cell));
        }
        Some(cell)
    }

    /// Whether the condition of a field's `required when` holds.
    fn required_when(&self, st: &State<'_>, node: NodeId, inst: usize) -> bool {
        match &self.form.nodes[node].kind {
            NodeKind::Field {
                required_when: Some(c),
                ..
            } => st.holds(self.form, c, inst),
            _ => false,
        }
    }

    /// Reports a value below `min` or above `max`.
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    fn bounds(&mut self, st: &State<'_>, node: NodeId, inst: usize, value: VRef<'_>, l: &Limits) {
        self.bound(st, node, inst, value, &l.min, ErrorCode::Min);
        self.bound(st, node, inst, value, &l.max, ErrorCode::Max);
    }

    /// Reports a value beyond one bound: below it for `min`, above it for `max`.
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    fn bound(
        &mut self,
        st: &State<'_>,
        node: NodeId,
        inst: usize,
        value: VRef<'_>,
        bound: &Bound,
        code: ErrorCode,
    ) {
        let beyond = if code == ErrorCode::Min {
            Ordering::Less
        } else {
            Ordering::Greater
        };
        // Constant bounds of a value of their own kind, without the general comparison.
        let ord = match (bound, value) {
            (Bound::None, _) => return,
            (Bound::Num(_, Some(b)), VRef::Int(v)) => v.cmp(b),
            (Bound::Num(b, _), VRef::Num(v)) => cmp_decimal(v, *b),
            (Bound::Date(b), VRef::Date(v)) => v.cmp(b),
            (Bound::Today, VRef::Date(v)) => v.cmp(&st.today),
            _ => {
                let mut tmp = None;
                let b = match bound {
                    Bound::Num(d, _) => Some(VRef::Num(*d)),
                    Bound::Date(d) => Some(VRef::Date(*d)),
                    Bound::Value(v) => Some(VRef::of(v)),
                    Bound::Today => Some(VRef::Date(st.today)),
                    Bound::Expr(e) => st.operand(self.form, e, inst, &mut tmp),
                    Bound::None => None,
                };
                if let Some(b) = b.filter(|&b| value.compare(b) == Some(beyond)) {
                    self.bound_error(node, code, b);
                }
                return;
            }
        };
        if ord == beyond {
            let b = match bound {
                Bound::Num(d, _) => VRef::Num(*d),
                Bound::Date(d) => VRef::Date(*d),
                _ => VRef::Date(st.today),
            };
            self.bound_error(node, code, b);
        }
    }

    #[cold]
    fn bound_error(&mut self, node: NodeId, code: ErrorCode, bound: VRef<'_>) {
        let bound = show_bound(bound, field_type(self.form, node), self.msg_lang);
        self.push(Some(node), "", code, Detail { bound });
    }

    /// Reports a value of a field that breaks its bounds, lengths, pattern or file limits.
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    fn constraints(&mut self, st: &State<'_>, c: &Child, inst: usize, value: VRef<'_>) {
        let node = c.node;
        if let Some(l) = self.form.limits.get(c.limits) {
            if l.bounded {
                self.bounds(st, node, inst, value, l);
            }
            let len = match value {
                // At most as many characters as bytes: only count when it can matter.
                VRef::Text(t)
                    if l.minlength.is_some() || l.maxlength.is_some_and(|m| t.len() as u64 > m) =>
                {
                    Some(t.chars().count() as u64)
                }
                VRef::List(l) => Some(l.len() as u64),
                _ => None,
            };
            if let Some(len) = len {
                if let Some(m) = l.minlength.filter(|m| len < *m) {
                    self.push(
                        Some(node),
                        "",
                        ErrorCode::Minlength,
                        Detail {
                            bound: m.to_string(),
                        },
                    );
                }
                if let Some(m) = l.maxlength.filter(|m| len > *m) {
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
            if let (Some(re), VRef::Text(t)) = (&l.pattern, value) {
                if !re.is_match(t) {
                    let message = match &self.form.nodes[node].kind {
                        NodeKind::Field { field, .. } => {
                            field.pattern.as_ref().and_then(|p| p.message.as_ref())
                        }
                        _ => None,
                    };
                    match message {
                        Some(text) => self.push_text(ErrorCode::Pattern, text),
                        None => self.push(Some(node), "", ErrorCode::Pattern, Detail::default()),
                    }
                }
            }
        }
        if let (VRef::File(f), NodeKind::Field { field, .. }) = (value, &self.form.nodes[node].kind)
        {
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

/// The type of a field node (`text` for any other node).
fn field_type(form: &Form, node: NodeId) -> &FieldType {
    match &form.nodes[node].kind {
        NodeKind::Field { field, .. } => &field.ty,
        _ => &FieldType::Text,
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
        VRef::Int(i) => VRef::Num(Decimal::from(i)),
        v => v,
    };
    match v {
        VRef::Text(t) => t.to_owned(),
        VRef::Date(d) if lang == "de" => format!("{}.{}.{}", d.day(), d.month(), d.year()),
        VRef::Date(d) => format_date(d),
        VRef::Num(d) if matches!(ty, FieldType::Money) => {
            let s = round_money(d).to_string();
            if lang == "de" {
                format!("{} €", s.replace('.', ","))
            } else {
                format!("€{s}")
            }
        }
        VRef::Num(d) if lang == "de" => d.normalize().to_string().replace('.', ","),
        VRef::Num(d) => d.normalize().to_string(),
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

#[cfg(test)]
mod tests;
