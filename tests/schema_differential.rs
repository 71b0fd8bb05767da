//! Differential test of the JSON Schema export against the native validator.
//!
//! The property (see `efa_core::schema`): the schema is never stricter than the native
//! validator. Whenever the schema rejects a submission, the native validator rejects it
//! too. It is checked for the handwritten forms under `tests/cases/schema/` and for every
//! form under `forms/`, on submissions that proptest generates from the form's model:
//! mostly plausible values per field, mixed with wrong types, `null`, `""`, boundary
//! numbers, random and Unicode strings, real and impossible dates, extra keys, and
//! groups and repeated groups of random sizes. The valid samples under
//! `forms/*/samples/` must pass both validators, and mutations of them are checked too.
//!
//! The schema is checked twice: as the `jsonschema` crate validates by default (`format`
//! is an annotation) and with `format` asserted.
//!
//! `EFA_SCHEMA_CASES` sets the number of generated submissions per form (default 1000),
//! `EFA_SCHEMA_SEED` the seed of the random source (default 0: every run is the same).

use std::cell::Cell;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use efa_core::expr::{Expr, Lit, UnOp};
use efa_core::model::{Field, FieldType, FormModel, Item};
use efa_core::{Form, ValidateOptions};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::{json, Map, Value};

/// The date `today()` returns in every validation here (as in `tests/validate.rs`, which
/// the samples under `forms/` are written for).
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("a date")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Files under `dir` (recursively) whose name satisfies `keep`, sorted.
fn files(dir: &Path, keep: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p, keep));
        } else if p.file_name().and_then(|n| n.to_str()).is_some_and(keep) {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Compiles a handwritten form with `efa_dsl::compile_str`.
fn compile(path: &Path) -> Result<FormModel, String> {
    let src = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    efa_dsl::compile_str(&src).map_err(|d| {
        d.iter()
            .map(|d| format!("{d:?}"))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// A form with its schema, compiled both ways.
struct Checker {
    name: String,
    model: FormModel,
    form: Form,
    schema: Value,
    plain: jsonschema::Validator,
    formats: jsonschema::Validator,
    opts: ValidateOptions,
}

/// What the validators said about one submission.
struct Verdict {
    native: bool,
    schema: bool,
}

impl Checker {
    fn new(name: &str, model: FormModel) -> Checker {
        let schema = efa_core::schema::json_schema(&model);
        if let Err(e) = jsonschema::meta::validate(&schema) {
            panic!("{name}: the schema is not a valid draft 2020-12 schema: {e}");
        }
        let plain = jsonschema::validator_for(&schema)
            .unwrap_or_else(|e| panic!("{name}: the schema does not compile: {e}"));
        let formats = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap_or_else(|e| panic!("{name}: the schema does not compile: {e}"));
        let form = Form::new(model.clone())
            .unwrap_or_else(|e| panic!("{name}: the model does not load: {e}"));
        Checker {
            name: name.to_owned(),
            model,
            form,
            schema,
            plain,
            formats,
            opts: ValidateOptions {
                lang: None,
                today: today(),
            },
        }
    }

    /// Validates both ways; an error describes a submission the schema rejects but the
    /// native validator accepts.
    fn check(&self, data: &Value) -> Result<Verdict, String> {
        let native = self.form.validate(data, &self.opts).valid;
        let plain = self.plain.is_valid(data);
        let formats = self.formats.is_valid(data);
        if native && !(plain && formats) {
            let validator = if plain { &self.formats } else { &self.plain };
            let errors: Vec<String> = validator
                .iter_errors(data)
                .map(|e| format!("{} at {} ({})", e, e.instance_path(), e.schema_path()))
                .collect();
            return Err(format!(
                "{}: the schema{} rejects a submission the native validator accepts:\n{}\nschema errors:\n  {}",
                self.name,
                if plain { " (with formats asserted)" } else { "" },
                serde_json::to_string_pretty(data).unwrap_or_default(),
                errors.join("\n  ")
            ));
        }
        Ok(Verdict {
            native,
            schema: plain && formats,
        })
    }

    /// Runs the generated submissions (optionally mutations of `sample`) through
    /// [`Checker::check`]; returns how many the native validator and the schema accepted.
    fn run(&self, sample: Option<&Value>, cases: u32) -> (u32, u32, u32) {
        let gen = Gen { model: &self.model };
        let strategy = gen.root(sample);
        let config = Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        };
        let mut runner = TestRunner::new_with_rng(config, rng());
        let (total, native, schema) = (Cell::new(0), Cell::new(0), Cell::new(0));
        let result = runner.run(&strategy, |data| {
            let v = self.check(&data).map_err(TestCaseError::fail)?;
            total.set(total.get() + 1);
            native.set(native.get() + u32::from(v.native));
            schema.set(schema.get() + u32::from(v.schema));
            Ok(())
        });
        if let Err(e) = result {
            panic!("{e}");
        }
        (total.get(), native.get(), schema.get())
    }
}

/// The random source: fixed, so that a run can be repeated, unless `EFA_SCHEMA_SEED`
/// asks for another one.
fn rng() -> TestRng {
    let seed: u64 = std::env::var("EFA_SCHEMA_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

fn cases() -> u32 {
    std::env::var("EFA_SCHEMA_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000)
}

/// Builds proptest strategies for submissions of one form.
///
/// Each submission has a mutation rate: every field gets a value that is valid on its
/// own (edge cases included: `null`, `""`, bounds, Unicode, `3.0`), except with that
/// probability, when it gets anything at all (wrong types, near misses, junk). Low rates
/// give submissions the native validator accepts, which is where a too strict schema
/// shows; high rates exercise everything else.
struct Gen<'a> {
    model: &'a FormModel,
}

/// A key with a value, or no key.
type Entry = Option<(String, Value)>;

/// Mutation rates, in thousandths.
const RATES: [u32; 4] = [0, 30, 150, 500];

impl Gen<'_> {
    /// A submission: almost always an object of the form's fields.
    fn root(&self, sample: Option<&Value>) -> BoxedStrategy<Value> {
        let items: Vec<&Item> = self.model.pages.iter().flat_map(|p| &p.items).collect();
        let by_rate: Vec<(u32, BoxedStrategy<Value>)> = RATES
            .iter()
            .map(|&r| (10, self.object(&items, sample, r)))
            .chain([(1, junk())])
            .collect();
        proptest::strategy::Union::new_weighted(by_rate).boxed()
    }

    /// Either `valid` or, with the mutation rate, `mutated`.
    fn mutate<T: std::fmt::Debug + Clone + 'static>(
        rate: u32,
        valid: BoxedStrategy<T>,
        mutated: BoxedStrategy<T>,
    ) -> BoxedStrategy<T> {
        match rate {
            0 => valid,
            1000.. => mutated,
            r => prop_oneof![1000 - r => valid, r => mutated].boxed(),
        }
    }

    /// An object with the keys of these items (sometimes an unknown one).
    fn object(&self, items: &[&Item], sample: Option<&Value>, rate: u32) -> BoxedStrategy<Value> {
        let mut entries: Vec<BoxedStrategy<Entry>> = Vec::new();
        for item in items {
            let (key, valid, mutated, needed) = match item {
                Item::Field(f) => (
                    f.id.clone(),
                    self.valid_field(f),
                    self.field(f),
                    f.required.is_some() && f.default.is_none() && f.value.is_none(),
                ),
                Item::Group(g) => {
                    let inner: Vec<&Item> = g.items.iter().collect();
                    let sub = sample.and_then(|s| s.get(&g.id));
                    match g.repeat {
                        None => (
                            g.id.clone(),
                            self.object(&inner, sub, rate),
                            prop_oneof![
                                4 => self.object(&inner, sub, 500),
                                1 => Just(Value::Null),
                                1 => junk(),
                            ]
                            .boxed(),
                            true,
                        ),
                        Some(r) => {
                            let min = r.min as usize;
                            let max = r.max.map_or(min + 3, |m| m as usize);
                            let valid_items =
                                prop::collection::vec(self.object(&inner, None, rate), min..=max)
                                    .prop_map(Value::Array)
                                    .boxed();
                            let item = prop_oneof![
                                12 => self.object(&inner, None, 500),
                                1 => junk(),
                            ];
                            let mutated = prop_oneof![
                                10 => prop::collection::vec(item, 0..=max + 2).prop_map(Value::Array),
                                1 => Just(Value::Null),
                                1 => junk(),
                            ]
                            .boxed();
                            (g.id.clone(), valid_items, mutated, min > 0)
                        }
                    }
                }
                Item::Info(_) | Item::Check(_) => continue,
            };
            let valid = if needed {
                proptest::option::weighted(0.98, valid).boxed()
            } else {
                proptest::option::weighted(0.7, valid).boxed()
            };
            let valid = match sample.and_then(|s| s.get(&key)).cloned() {
                Some(v) => Just(Some(v)).boxed(),
                None => valid,
            };
            let mutated = proptest::option::weighted(0.85, mutated).boxed();
            let k = key.clone();
            entries.push(
                Self::mutate(rate, valid, mutated)
                    .prop_map(move |v| v.map(|v| (k.clone(), v)))
                    .boxed(),
            );
        }
        if rate > 0 {
            let extra =
                proptest::option::weighted(f64::from(rate) / 4000.0, ("[a-z_]{1,8}", junk()));
            entries.push(extra.boxed());
        }
        entries
            .prop_map(|es| Value::Object(es.into_iter().flatten().collect::<Map<_, _>>()))
            .boxed()
    }

    /// A constant number bound of a field (as the schema sees them).
    fn bound(&self, e: &Option<Expr>) -> Option<f64> {
        fn eval(model: &FormModel, e: &Expr) -> Option<f64> {
            match e {
                Expr::Lit(Lit::Number(d)) => d.to_string().parse().ok(),
                Expr::Param(n) => match &model.param(n)?.value {
                    Lit::Number(d) => d.to_string().parse().ok(),
                    _ => None,
                },
                Expr::Unary { op: UnOp::Neg, arg } => eval(model, arg).map(|x| -x),
                _ => None,
            }
        }
        eval(self.model, e.as_ref()?)
    }

    /// A value the native validator accepts for this field on its own (conditions,
    /// checks and bounds that are not constants aside).
    fn valid_field(&self, f: &Field) -> BoxedStrategy<Value> {
        let optional = f.required.is_none() || f.default.is_some() || f.visible.is_some();
        let unset: Vec<Value> = match &f.ty {
            t if t.is_string() => vec![Value::Null, json!("")],
            FieldType::Multichoice { .. } => vec![Value::Null, json!([])],
            _ => vec![Value::Null],
        };
        let value = match &f.ty {
            FieldType::Text | FieldType::Textarea => self.valid_text(f),
            FieldType::Email => prop_oneof![
                prop::sample::select(vec![
                    "name@example.de",
                    "a.b+c@sub.example.org",
                    "x!#$%&'*+/=?^_`{|}~-@a-b.cd",
                    "Name.Surname@EXAMPLE.COM",
                ])
                .prop_map(String::from),
                "[a-z0-9]{1,8}(\\.[a-z0-9_+-]{1,5})?@([a-z0-9]{1,6}\\.){1,2}[a-zA-Z]{2,5}",
            ]
            .boxed(),
            FieldType::Phone => "\\+?[ /()-]{0,2}([0-9][ /()-]?){6,20}".boxed(),
            FieldType::Iban => prop::sample::select(vec![
                "DE89370400440532013000",
                "DE89 3704 0044 0532 0130 00",
                "de89370400440532013000",
                "GB82WEST12345698765432",
                "gb82 west 1234 5698 7654 32",
                "NO9386011117947",
                "  DE89370400440532013000  ",
            ])
            .prop_map(String::from)
            .boxed(),
            FieldType::Postcode => match &f.pattern {
                Some(_) => self.matching_text(f),
                None => "[0-9]{5}".boxed(),
            },
            FieldType::Date => {
                let lo = date_bound(&f.min).unwrap_or((1900, 1, 1));
                let hi = date_bound(&f.max).unwrap_or((2026, 11, 25));
                prop_oneof![
                    (lo.0..=hi.0, 1u32..13, 1u32..29)
                        .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
                    Just(format!("{:04}-{:02}-{:02}", lo.0, lo.1, lo.2)),
                    Just(format!("{:04}-{:02}-{:02}", hi.0, hi.1, hi.2)),
                ]
                .boxed()
            }
            FieldType::Choice { list } => prop::sample::select(self.keys(list)).boxed(),
            FieldType::Multichoice { list } => {
                let keys = self.keys(list);
                let min = f.minlength.unwrap_or(1).max(1) as usize;
                let max = (f.maxlength.map_or(keys.len(), |m| m as usize)).min(keys.len());
                let min = min.min(max);
                return self.or_unset(
                    optional,
                    unset,
                    prop::sample::subsequence(keys, min..=max)
                        .prop_shuffle()
                        .prop_map(|v| json!(v))
                        .boxed(),
                );
            }
            FieldType::Integer | FieldType::Decimal | FieldType::Money => {
                return self.or_unset(optional, unset, self.valid_number(f));
            }
            FieldType::Boolean => {
                return self.or_unset(optional, unset, any::<bool>().prop_map(Value::from).boxed());
            }
            FieldType::File => return self.or_unset(optional, unset, self.valid_file(f)),
        };
        self.or_unset(optional, unset, value.prop_map(Value::from).boxed())
    }

    /// `value`, or (for fields that need not be set) sometimes a "not set" value.
    fn or_unset(
        &self,
        optional: bool,
        unset: Vec<Value>,
        value: BoxedStrategy<Value>,
    ) -> BoxedStrategy<Value> {
        if optional {
            prop_oneof![6 => value, 1 => prop::sample::select(unset)].boxed()
        } else {
            value
        }
    }

    /// Text within the field's lengths, matching its pattern where it has one.
    fn valid_text(&self, f: &Field) -> BoxedStrategy<String> {
        if f.pattern.is_some() {
            return self.matching_text(f);
        }
        let min = f.minlength.unwrap_or(0).max(1) as usize;
        let max = f.maxlength.map_or(min + 12, |m| m as usize).max(min);
        let chars = prop::sample::select(vec![
            'a', 'Z', '7', 'ä', 'ß', '😀', ' ', 'é', '\u{301}', '\n', '\t', '٣', '-', '.',
        ]);
        prop_oneof![
            3 => prop::collection::vec(chars.clone(), min..=max.min(min + 20))
                .prop_map(|v| v.into_iter().collect::<String>()),
            1 => (prop::sample::select(vec![min, max]), chars)
                .prop_map(|(n, c)| std::iter::repeat_n(c, n).collect::<String>()),
        ]
        .boxed()
    }

    /// Numbers within the field's constant bounds, edges and float spellings included.
    fn valid_number(&self, f: &Field) -> BoxedStrategy<Value> {
        let lo = self.bound(&f.min);
        let hi = self.bound(&f.max);
        let (a, b) = match (lo, hi) {
            (Some(a), Some(b)) => (a, b),
            (Some(a), None) => (a, a + 100.0),
            (None, Some(b)) => (b - 100.0, b),
            (None, None) => (-100.0, 100.0),
        };
        let ty = f.ty.clone();
        let mut specials: Vec<f64> = vec![a, b, 0.0, 0.07, 0.1, 0.3, 1.1, 19.99, 1234567.89, 3.0];
        specials.retain(|x| *x >= a && *x <= b);
        let integer = ty == FieldType::Integer;
        let cents = ((a * 100.0).ceil() as i64)..=((b * 100.0).floor() as i64);
        let whole = (a.ceil() as i64)..=(b.floor() as i64);
        prop_oneof![
            2 => whole.clone().prop_map(Value::from),
            2 => whole.prop_map(|i| Value::from(i as f64)),
            2 => cents.prop_map(move |c| {
                if integer {
                    Value::from((c / 100) as f64)
                } else {
                    Value::from(c as f64 / 100.0)
                }
            }),
            2 => prop::sample::select(specials).prop_map(move |x| {
                if integer {
                    Value::from(x.round())
                } else {
                    Value::from(x)
                }
            }),
            1 => (a..=b).prop_map(move |x| {
                if integer {
                    Value::from(x.round())
                } else if ty == FieldType::Money {
                    Value::from((x * 100.0).round() / 100.0)
                } else {
                    Value::from(x)
                }
            }),
        ]
        .boxed()
    }

    fn valid_file(&self, f: &Field) -> BoxedStrategy<Value> {
        let mut types: Vec<String> = Vec::new();
        for a in &f.accept {
            let a = a.trim();
            match a.strip_suffix("/*") {
                Some(p) => types.extend([
                    format!("{p}/png"),
                    format!(" {}/X-Y ; q=1", p.to_uppercase()),
                ]),
                None => types.extend([
                    a.to_owned(),
                    a.to_uppercase(),
                    format!("{a}; charset=utf-8"),
                ]),
            }
        }
        if types.is_empty() {
            types = vec!["application/pdf".into(), "x".into(), "ü/ä".into()];
        }
        let max = f.maxsize.unwrap_or(10_000_000);
        let hex = "0123456789abcdef".repeat(4);
        (
            prop::sample::select(vec!["a.pdf", "Ä b.png", "x"]),
            prop::sample::select(types),
            prop_oneof![Just(0), Just(max), 0..=max],
            prop::sample::select(vec![hex.clone(), hex.to_uppercase()]),
        )
            .prop_map(|(name, media_type, size, sha256)| {
                json!({ "name": name, "media_type": media_type, "size": size, "sha256": sha256 })
            })
            .boxed()
    }

    /// Values for one field: anything, often of the right type.
    fn field(&self, f: &Field) -> BoxedStrategy<Value> {
        let right = match &f.ty {
            FieldType::Text | FieldType::Textarea => self.text(f),
            FieldType::Email => prop_oneof![
                prop::sample::select(vec![
                    "name@example.de",
                    "a.b+c@sub.example.org",
                    "x@y.z",
                    "name@localhost",
                    "Ä@example.de",
                    "a..b@example.de",
                    ".a@example.de",
                    "a@-x.de",
                    "a@x-.de",
                    "a@x.d3",
                ])
                .prop_map(String::from),
                "[a-zA-Z0-9._%+!-]{1,8}@[a-z0-9-]{1,8}\\.[a-z]{2,4}",
                "[a-z0-9.@_+-]{0,14}",
                unicode_text(12),
            ]
            .boxed(),
            FieldType::Phone => prop_oneof![
                "\\+?[0-9 ]{6,22}",
                "[+0-9 /()-]{0,24}",
                Just("+49 361 123456".to_owned()),
                Just("٠٣٦١ ١٢٣٤٥٦".to_owned()),
                unicode_text(12),
            ]
            .boxed(),
            FieldType::Iban => prop_oneof![
                prop::sample::select(vec![
                    "DE89370400440532013000",
                    "DE89 3704 0044 0532 0130 00",
                    "de89370400440532013000",
                    "GB82WEST12345698765432",
                    "NO9386011117947",
                    " DE89370400440532013000 ",
                    "DE89370400440532013001",
                    "DE89\t370400440532013000",
                ])
                .prop_map(String::from),
                "[A-Za-z]{2}[0-9]{2}[A-Za-z0-9 ]{8,32}",
                "[A-Z0-9 ]{0,36}",
            ]
            .boxed(),
            FieldType::Postcode => prop_oneof![
                "[0-9]{5}",
                "[0-9]{3,7}",
                Just("٣٣٣٣٣".to_owned()),
                Just(" 99084".to_owned()),
                Just("９９０８４".to_owned()),
                self.pattern_text(f),
            ]
            .boxed(),
            FieldType::Date => prop_oneof![
                (1900u32..2101, 1u32..13, 1u32..32)
                    .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
                "[0-9]{4}-[0-9]{2}-[0-9]{2}",
                prop::sample::select(vec![
                    "2024-02-29",
                    "2023-02-29",
                    "2024-1-01",
                    "01.05.2024",
                    "+2024-01-01",
                    "２０２４-01-01",
                    "0000-01-01",
                    "9999-12-31",
                    "2024-01-01T00:00:00",
                    "2026-11-25",
                    "2026-11-26",
                ])
                .prop_map(String::from),
            ]
            .boxed(),
            FieldType::Choice { list } => {
                let keys = self.keys(list);
                prop_oneof![
                    6 => prop::sample::select(keys),
                    1 => "[a-z0-9]{0,6}",
                    1 => unicode_text(4),
                ]
                .boxed()
            }
            FieldType::Multichoice { list } => {
                let keys = self.keys(list);
                let n = f.maxlength.unwrap_or(3) as usize + 2;
                let item = prop_oneof![
                    8 => prop::sample::select(keys).prop_map(Value::from),
                    1 => "[a-z]{0,4}".prop_map(Value::from),
                    1 => junk(),
                ];
                return prop_oneof![
                    8 => prop::collection::vec(item, 0..=n).prop_map(Value::Array),
                    1 => Just(Value::Null),
                    1 => junk(),
                ]
                .boxed();
            }
            FieldType::Integer | FieldType::Decimal | FieldType::Money => {
                return prop_oneof![8 => self.number(f), 1 => junk()].boxed();
            }
            FieldType::Boolean => {
                return prop_oneof![
                    8 => any::<bool>().prop_map(Value::from),
                    1 => Just(Value::Null),
                    1 => junk(),
                ]
                .boxed();
            }
            FieldType::File => return prop_oneof![8 => self.file(f), 1 => junk()].boxed(),
        };
        prop_oneof![
            10 => right.prop_map(Value::from),
            1 => Just(Value::Null),
            1 => Just(Value::from("")),
            1 => junk(),
        ]
        .boxed()
    }

    fn keys(&self, list: &str) -> Vec<String> {
        let mut keys: Vec<String> = self
            .model
            .list(list)
            .map(|l| l.options.iter().map(|o| o.key.clone()).collect())
            .unwrap_or_default();
        if keys.is_empty() {
            keys = vec!["000".into(), "168".into(), "x".into(), " ".into()];
        }
        keys
    }

    /// Strings of a text field: random, around its lengths, and matching its pattern.
    fn text(&self, f: &Field) -> BoxedStrategy<String> {
        let mut lengths = vec![0usize, 1, 2, 5];
        for n in [f.minlength, f.maxlength].into_iter().flatten() {
            let n = n as usize;
            lengths.extend([n.saturating_sub(1), n, n + 1]);
        }
        let sized = (
            prop::sample::select(lengths),
            prop::sample::select(vec!['a', 'Z', '7', 'ä', '😀', ' ', 'é']),
        )
            .prop_map(|(n, c)| std::iter::repeat_n(c, n).collect::<String>());
        prop_oneof![
            3 => "[a-zA-Z0-9äöüß ._/-]{0,12}",
            3 => sized,
            2 => unicode_text(10),
            4 => self.pattern_text(f),
        ]
        .boxed()
    }

    /// Strings matching the field's pattern (in Rust's reading), or else random ones.
    fn matching_text(&self, f: &Field) -> BoxedStrategy<String> {
        f.pattern
            .as_ref()
            .and_then(|p| {
                let r = p.regex.trim_start_matches('^').trim_end_matches('$');
                proptest::string::string_regex(r).ok()
            })
            .map_or_else(|| unicode_text(10), |s| s.boxed())
    }

    /// Strings matching the field's pattern, some with a random tail.
    fn pattern_text(&self, f: &Field) -> BoxedStrategy<String> {
        let regex = f
            .pattern
            .as_ref()
            .map(|p| p.regex.trim_start_matches('^').trim_end_matches('$'));
        let generator = || regex.and_then(|r| proptest::string::string_regex(r).ok());
        match (generator(), generator()) {
            (Some(s), Some(matching)) => prop_oneof![
                4 => s.boxed(),
                1 => (matching.boxed(), unicode_text(2)).prop_map(|(a, b)| a + &b),
            ]
            .boxed(),
            _ => unicode_text(10),
        }
    }

    fn number(&self, f: &Field) -> BoxedStrategy<Value> {
        let mut specials: Vec<f64> = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            0.07,
            1.1,
            19.99,
            1234567.89,
            0.001,
            1e-7,
            3.0,
            1e20,
            -1e20,
            1e300,
            9007199254740993.0,
            0.1,
            0.2,
            0.3,
        ];
        for b in [self.bound(&f.min), self.bound(&f.max)]
            .into_iter()
            .flatten()
        {
            for d in [0.0, 0.01, -0.01, 0.001, -0.001, 0.5, -0.5, 1.0, -1.0] {
                specials.push(b + d);
            }
        }
        prop_oneof![
            3 => (-30i64..30).prop_map(Value::from),
            2 => (-100_000i64..100_000).prop_map(|c| Value::from(c as f64 / 100.0)),
            3 => prop::sample::select(specials).prop_map(Value::from),
            1 => prop::sample::select(vec![
                json!(u64::MAX),
                json!(i64::MIN),
                json!(i64::MAX),
                json!(2),
                json!(10),
            ]),
            1 => any::<f64>().prop_map(Value::from),
            1 => Just(Value::Null),
            1 => prop::sample::select(vec![json!("3"), json!(""), json!(true), json!([1])]),
        ]
        .boxed()
    }

    fn file(&self, f: &Field) -> BoxedStrategy<Value> {
        let mut types: Vec<String> = vec![
            "application/pdf".into(),
            "image/png".into(),
            "IMAGE/PNG; q=1".into(),
            " application/PDF ".into(),
            "text/html".into(),
            "image".into(),
            "".into(),
            "application/pdf;".into(),
            "*/*".into(),
        ];
        types.extend(f.accept.iter().cloned());
        let mut sizes = vec![
            json!(0),
            json!(1),
            json!(-1),
            json!(1.5),
            json!("1"),
            json!(4.0),
        ];
        if let Some(m) = f.maxsize {
            sizes.extend([json!(m), json!(m + 1), json!(m - 1)]);
        }
        let hex = "0123456789abcdef".repeat(4);
        let shas = vec![
            json!(hex),
            json!(hex.to_uppercase()),
            json!(&hex[1..]),
            json!(format!("{}g", &hex[1..])),
            json!(""),
        ];
        (
            prop::sample::select(vec![json!("a.pdf"), json!(""), json!(7), json!("ü")]),
            prop::sample::select(types).prop_map(Value::from),
            prop::sample::select(sizes),
            prop::sample::select(shas),
            0u8..12,
        )
            .prop_map(|(name, media_type, size, sha256, shape)| {
                let mut o = json!({
                    "name": name, "media_type": media_type, "size": size, "sha256": sha256,
                });
                let m = o.as_object_mut().expect("an object");
                match shape {
                    0 => {
                        m.remove("sha256");
                    }
                    1 => {
                        m.insert("extra".into(), json!(1));
                    }
                    _ => {}
                }
                o
            })
            .boxed()
    }
}

/// A constant date bound as (year, month, day).
fn date_bound(e: &Option<Expr>) -> Option<(i32, u32, u32)> {
    use chrono::Datelike;
    match e {
        Some(Expr::Lit(Lit::Date(d))) => Some((d.year(), d.month(), d.day())),
        _ => None,
    }
}

/// Random strings rich in what differs between regex dialects and Unicode handling.
fn unicode_text(max: usize) -> BoxedStrategy<String> {
    let chars = prop::sample::select(vec![
        'a', 'b', 'c', 'x', 'y', 'A', 'H', 'R', 'B', 'Z', '0', '1', '5', '9', '٣', '𝟗', '_', '-',
        ' ', '\t', '\n', '\r', '\u{85}', '\u{a0}', '\u{2028}', '\u{feff}', '\u{200d}', 'ä', 'é',
        '\u{301}', 'Ω', 'α', '.', '/', '(', ')', '+', '@', '#', ';', '😀',
    ]);
    prop::collection::vec(chars, 0..=max)
        .prop_map(|v| v.into_iter().collect())
        .boxed()
}

/// Values of any JSON type.
fn junk() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-5i64..5).prop_map(Value::from),
        Just(json!(2.5)),
        "[a-z]{0,3}".prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,3}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// The handwritten forms: each must compile, and the property must hold.
#[test]
fn schema_differential_handwritten_forms() {
    let forms = files(&root().join("tests/cases/schema"), &|n| {
        n.ends_with(".form")
    });
    assert!(!forms.is_empty(), "no forms under tests/cases/schema");
    for path in forms {
        let name = path.display().to_string();
        let model = compile(&path).unwrap_or_else(|e| panic!("{name} does not compile:\n{e}"));
        let c = Checker::new(&name, model);
        let (total, native, schema) = c.run(None, cases());
        eprintln!("{name}: {total} submissions, {native} valid natively, {schema} by the schema");
        assert!(
            native > 0 || total < 200,
            "{name}: no generated submission is valid natively; the test would prove nothing"
        );
    }
}

/// The forms and adaptations under `forms/` that load, as `efa` loads them.
fn example_forms() -> Vec<(PathBuf, Checker)> {
    let mut out = Vec::new();
    for path in files(&root().join("forms"), &|n| n.ends_with(".form")) {
        let name = path.display().to_string();
        match efa_forms::load_form(&path) {
            Ok(loaded) => {
                let c = Checker::new(&name, loaded.model().clone());
                out.push((path, c));
            }
            Err(e) => eprintln!("{name}: does not load, skipped: {e}"),
        }
    }
    out
}

/// Every form under `forms/` that loads, and mutations of its valid samples.
#[test]
fn schema_differential_example_forms() {
    for (path, c) in example_forms() {
        let name = path.display().to_string();
        let (total, native, schema) = c.run(None, cases());
        eprintln!("{name}: {total} submissions, {native} valid natively, {schema} by the schema");
        for sample in samples(&path, "valid-") {
            let data = read_json(&sample);
            let (total, native, schema) = c.run(Some(&data), cases() / 2);
            eprintln!(
                "{}: {total} mutations, {native} valid natively, {schema} by the schema",
                sample.display()
            );
        }
    }
}

/// The samples next to a form (`samples/PREFIX*.json`).
fn samples(form: &Path, prefix: &str) -> Vec<PathBuf> {
    let dir = form.parent().expect("a folder").join("samples");
    files(&dir, &|n| n.starts_with(prefix) && n.ends_with(".json"))
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The valid samples pass both validators; for the invalid ones the property holds.
#[test]
fn schema_accepts_valid_samples() {
    let mut seen = 0;
    for (_, c) in example_forms() {
        // The schema of a real form describes its fields.
        assert!(c.schema["properties"]
            .as_object()
            .is_some_and(|p| !p.is_empty()));
        for sample in samples(Path::new(&c.name), "") {
            let data = read_json(&sample);
            let name = sample.display();
            let v = c.check(&data).unwrap_or_else(|e| panic!("{name}: {e}"));
            let file_name = sample.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if file_name.starts_with("valid-") {
                assert!(
                    v.native,
                    "{name}: the native validator rejects a valid sample"
                );
                assert!(v.schema, "{name}: the schema rejects a valid sample");
                seen += 1;
            }
        }
    }
    assert!(seen > 0, "no valid samples under forms/");
    eprintln!("{seen} valid samples pass both validators");
}
