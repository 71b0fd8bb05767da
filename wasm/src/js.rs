//! The JavaScript class `Form` (wasm32 only): newtype over [`efa_core::Form`], values in
//! and out as JSON text (see the crate docs), errors through [`convert_error`].

use chrono::NaiveDate;
use js_sys::{Reflect, JSON};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use efa_core::ValidateOptions;

#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** Options of `validate`, `errors` and `evaluate`. */
export interface ValidateOptions {
  /** Language of messages and labels (`"de"`, `"en"`); default and fallback: the form's first language. */
  lang?: string;
  /** The date `today()` returns, `YYYY-MM-DD`; default: the browser's local date. */
  today?: string;
}

/** One problem with a submission (SPEC section 3). */
export interface ValidationError {
  /** JSON Pointer to the value (`/anschrift/plz`), `""` for the whole submission. */
  path: string;
  code:
    | "required" | "type" | "min" | "max" | "minlength" | "maxlength" | "pattern"
    | "format" | "choice" | "repeat_min" | "repeat_max" | "file_type" | "file_size"
    | "unknown" | "check";
  /** The message for the citizen, in the requested language. */
  message: string;
}

/** A fee worked out from the answers. */
export interface Fee {
  id: string;
  label: string;
  /** Euros, rounded to cents. */
  amount: number;
}

/** The result of `validate`: the same JSON as `efa validate`. */
export interface ValidationResult {
  valid: boolean;
  errors: ValidationError[];
  fees: Fee[];
  /** The accepted data: hidden fields dropped, computed values and defaults filled. */
  data: Record<string, unknown>;
}

/** What a page needs while it is filled in. */
export interface Evaluation {
  /** Page id -> visible. */
  pages: Record<string, boolean>;
  /** JSON Pointer of every field and group instance -> visible. */
  visible: Record<string, boolean>;
  /** JSON Pointer -> value, for computed fields and fields whose default applies. */
  computed: Record<string, unknown>;
  /** The fees that have a value. */
  fees: Fee[];
}

/** A form text by language code. */
export type Text = Record<string, string>;

/** The compiled model of the artifact (`model` of a `.form.json`, format `efa-form/1`). */
export interface FormModel {
  id: string;
  version: string;
  title: Text;
  publisher: string;
  languages: string[];
  pages: Array<{ id: string; title: Text; visible?: unknown; items: unknown[] }>;
  params?: unknown[];
  lists?: Array<{ id: string; options: Array<{ key: string; text: Text }> }>;
  fees?: Array<{ id: string; label: Text; amount: unknown }>;
  [key: string]: unknown;
}
"#;

/// A compiled form, loaded with its hash checked, ready to validate and evaluate
/// submissions exactly as the server does.
#[wasm_bindgen]
pub struct Form(crate::Loaded);

/// Turns any error of this crate into a JavaScript `Error` with its message.
fn convert_error(e: impl Into<crate::Error>) -> JsValue {
    JsError::new(&e.into().to_string()).into()
}

/// `JSON.stringify(value)`, or `null` for `undefined` (which JSON cannot hold).
fn stringify(value: &JsValue) -> Result<String, JsValue> {
    let text =
        JSON::stringify(value).map_err(|e| convert_error(crate::Error::Js(js_message(&e))))?;
    Ok(text.as_string().unwrap_or_else(|| "null".to_owned()))
}

/// The message of a thrown JavaScript value.
fn js_message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "the value cannot be written as JSON".to_owned())
}

/// A result as a JavaScript value: `JSON.parse` of the text `serde_json` writes.
fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    JSON::parse(&crate::to_json(value, false))
}

/// A string option, `None` when absent.
fn string_option(options: &JsValue, name: &'static str) -> Result<Option<String>, JsValue> {
    let v = Reflect::get(options, &JsValue::from_str(name))?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_string().map(Some).ok_or_else(|| {
        convert_error(crate::Error::Option {
            name,
            message: "expected a string",
        })
    })
}

/// The browser's local date.
fn local_today() -> NaiveDate {
    let now = js_sys::Date::new_0();
    NaiveDate::from_ymd_opt(
        now.get_full_year() as i32,
        now.get_month() + 1,
        now.get_date(),
    )
    .unwrap_or_default()
}

fn read_options(options: Option<JsValue>) -> Result<ValidateOptions, JsValue> {
    let (lang, today) = match options {
        Some(o) if o.is_object() => (string_option(&o, "lang")?, string_option(&o, "today")?),
        Some(o) if !o.is_undefined() && !o.is_null() => {
            return Err(convert_error(crate::Error::Option {
                name: "options",
                message: "expected an object { lang, today }",
            }))
        }
        _ => (None, None),
    };
    crate::options(lang, today.as_deref(), local_today()).map_err(convert_error)
}

fn read_data(data: &JsValue) -> Result<serde_json::Value, JsValue> {
    crate::parse_data(&stringify(data)?).map_err(convert_error)
}

#[wasm_bindgen]
impl Form {
    /// Loads a compiled form: the text of a `.form.json`, or the object it parses to.
    /// Throws an `Error` when it is not an artifact, its format is unknown, or its hash
    /// does not match its model ("hash mismatch: ...").
    pub fn load(
        #[wasm_bindgen(unchecked_param_type = "string | object")] artifact: JsValue,
    ) -> Result<Form, JsValue> {
        let text = match artifact.as_string() {
            Some(s) => s,
            None => stringify(&artifact)?,
        };
        crate::load(&text).map(Form).map_err(convert_error)
    }

    /// The form's id.
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> String {
        self.0.form.model().id.clone()
    }

    /// The form's version (semver).
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> String {
        self.0.form.model().version.clone()
    }

    /// The publishing state (`"TH"`).
    #[wasm_bindgen(getter)]
    pub fn publisher(&self) -> String {
        self.0.form.model().publisher.clone()
    }

    /// The artifact's hash (`sha256:...`).
    #[wasm_bindgen(getter)]
    pub fn hash(&self) -> String {
        self.0.hash.clone()
    }

    /// The form's languages; the first is the default.
    #[wasm_bindgen(getter)]
    pub fn languages(&self) -> Vec<String> {
        self.0.form.model().languages.clone()
    }

    /// Validates a submission: the same JSON as `efa validate` (SPEC section 3).
    #[wasm_bindgen(unchecked_return_type = "ValidationResult")]
    pub fn validate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "unknown")] data: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ValidateOptions")] options: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let opts = read_options(options)?;
        to_js(&self.0.form.validate_owned(read_data(&data)?, &opts))
    }

    /// Validates a submission given as JSON text and returns the result as the JSON text
    /// `serde_json` writes: with `pretty`, byte for byte what `efa validate` prints
    /// (without its final newline); otherwise compact.
    #[wasm_bindgen(js_name = validateJson)]
    pub fn validate_json(
        &self,
        data: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "ValidateOptions")] options: Option<JsValue>,
        #[wasm_bindgen(unchecked_optional_param_type = "boolean")] pretty: Option<bool>,
    ) -> Result<String, JsValue> {
        let opts = read_options(options)?;
        let data = crate::parse_data(data).map_err(convert_error)?;
        Ok(crate::to_json(
            &self.0.form.validate_owned(data, &opts),
            pretty.unwrap_or(false),
        ))
    }

    /// Only the errors of a submission, as `validate` reports them.
    #[wasm_bindgen(unchecked_return_type = "ValidationError[]")]
    pub fn errors(
        &self,
        #[wasm_bindgen(unchecked_param_type = "unknown")] data: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ValidateOptions")] options: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let opts = read_options(options)?;
        to_js(&self.0.form.errors(&read_data(&data)?, &opts))
    }

    /// Visibility of pages, fields and groups, computed values and fees for (possibly
    /// incomplete) data.
    #[wasm_bindgen(unchecked_return_type = "Evaluation")]
    pub fn evaluate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "unknown")] data: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ValidateOptions")] options: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let opts = read_options(options)?;
        to_js(&self.0.form.evaluate(&read_data(&data)?, &opts))
    }

    /// The compiled model (pages, fields and their types, lists, expressions), as in the
    /// artifact's `model`.
    #[wasm_bindgen(unchecked_return_type = "FormModel")]
    pub fn model(&self) -> Result<JsValue, JsValue> {
        JSON::parse(&self.0.model_json)
    }
}
