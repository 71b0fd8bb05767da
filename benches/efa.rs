//! Benchmarks with in-process baselines (issue 2):
//!
//! - `validate_50`: validating a 50-field submission natively (conditions, checks and fees
//!   included) vs the `jsonschema` crate on the exported schema. Target: native <= 0.5x.
//!   Three ways: `validate` (borrows the submission, copies the accepted data),
//!   `validate_owned` (takes it, as a server does after parsing), `errors` (no data).
//! - `compile_1000`: compiling a generated 1,000-field form from source vs `serde_json`
//!   deserialising its artifact. Target: compile <= 3x.
//! - `render_50`: rendering a 50-field page with values and errors (pages/s), vs
//!   `serde_json` writing the same page's model and data (a floor for any templating).

use std::fmt::Write;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use efa_forms::core::{schema::json_schema, Artifact, Form, ValidateOptions};

/// A form with `n` fields of mixed types, spread over pages of 10, with conditions.
fn generated_form(n: usize) -> String {
    generated_form_paged(n, 10)
}

/// A form with `n` fields of mixed types, `per_page` to a page, with conditions.
fn generated_form_paged(n: usize, per_page: usize) -> String {
    let mut s = String::from(
        "form gen {\n  version \"1.0.0\"\n  title \"Generiert\" en \"Generated\"\n  publisher \"TH\"\n  languages de, en\n  param gebuehr: money = 12.00\n  list art { a \"A\" en \"A\"\n b \"B\" en \"B\"\n c \"C\" en \"C\" }\n",
    );
    for p in 0..n.div_ceil(per_page) {
        let _ = writeln!(s, "  page p{p} \"Seite {p}\" en \"Page {p}\" {{");
        for i in p * per_page..(p * per_page + per_page).min(n) {
            let cond = if i % 5 == 4 {
                format!("\n      visible when f{} > 3", i - 4 - (i - 4) % 5)
            } else {
                String::new()
            };
            let (ty, props) = match i % 5 {
                0 => ("integer", " min 0 max 100".to_owned()),
                1 => ("text", " maxlength 100 pattern \"[A-Za-z ]+\"".to_owned()),
                2 => ("choice(art)", String::new()),
                3 => ("date", " max today()".to_owned()),
                _ => ("email", String::new()),
            };
            let _ = writeln!(
                s,
                "    field f{i}: {ty} {{\n      label \"Feld {i}\" en \"Field {i}\"\n      hint \"Hinweis\"{props}{cond}\n      required\n    }}"
            );
        }
        let _ = writeln!(s, "  }}");
    }
    let _ = writeln!(s, "  fee g \"Gebuehr\" = f0 * gebuehr\n}}");
    s
}

fn submission(n: usize) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for i in 0..n {
        let v = match i % 5 {
            0 => serde_json::json!(7),
            1 => serde_json::json!("Anna Schmidt"),
            2 => serde_json::json!("b"),
            3 => serde_json::json!("1990-05-01"),
            _ => serde_json::json!("anna@example.de"),
        };
        m.insert(format!("f{i}"), v);
    }
    serde_json::Value::Object(m)
}

fn validate_50(c: &mut Criterion) {
    let model = efa_forms::dsl::compile_str(&generated_form(50)).expect("compiles");
    let schema = json_schema(&model);
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let form = Form::new(model).expect("loads");
    let data = submission(50);
    let opts = ValidateOptions::new(chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("date"));
    assert!(form.validate(&data, &opts).valid);
    assert!(validator.is_valid(&data));
    let mut g = c.benchmark_group("validate_50");
    g.bench_function("efa_validate", |b| {
        b.iter(|| black_box(form.validate(black_box(&data), &opts)))
    });
    // What a server does with the submission it has just parsed: hand it over. The copy
    // of the submission for each run is made, and the result dropped, outside the timing;
    // batches of 64 copies stay in cache as a just-parsed submission would.
    g.bench_function("efa_validate_owned", |b| {
        b.iter_batched(
            || data.clone(),
            |d| form.validate_owned(black_box(d), &opts),
            criterion::BatchSize::NumIterations(64),
        )
    });
    g.bench_function("efa_errors", |b| {
        b.iter(|| black_box(form.errors(black_box(&data), &opts)))
    });
    g.bench_function("jsonschema_baseline", |b| {
        b.iter(|| black_box(validator.iter_errors(black_box(&data)).count()))
    });
    g.finish();
}

fn compile_1000(c: &mut Criterion) {
    let source = generated_form(1000);
    let artifact = Artifact::new(efa_forms::dsl::compile_str(&source).expect("compiles")).to_json();
    let mut g = c.benchmark_group("compile_1000");
    g.sample_size(20);
    g.bench_function("efa_compile", |b| {
        b.iter(|| black_box(efa_forms::dsl::compile_str(black_box(&source)).is_ok()))
    });
    g.bench_function("serde_json_artifact_baseline", |b| {
        b.iter(|| black_box(serde_json::from_str::<Artifact>(black_box(&artifact)).is_ok()))
    });
    g.finish();
}

fn render_50(c: &mut Criterion) {
    // One page of 50 fields: the generated form with pages of 50.
    let source = generated_form_paged(50, 50);
    let model = efa_forms::dsl::compile_str(&source).expect("compiles");
    let form = Form::new(model).expect("loads");
    let renderer = efa_render::Renderer::new();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    let mut data = submission(50);
    data["f0"] = serde_json::json!(500); // one error to show
    let errors = form.validate(&data, &ValidateOptions::new(today)).errors;
    let page = form.model().pages[0].id.clone();
    let mut ctx = efa_render::PageContext::new(today);
    ctx.data = &data;
    ctx.errors = &errors;
    let html = renderer.render_page(&form, &page, &ctx).expect("renders");
    assert!(html.contains("aria-invalid"));
    let mut g = c.benchmark_group("render_50");
    g.throughput(criterion::Throughput::Elements(1));
    g.bench_function("efa_render_page", |b| {
        b.iter(|| black_box(renderer.render_page(&form, &page, &ctx).map(|h| h.len())))
    });
    g.bench_function("serde_json_page_baseline", |b| {
        b.iter(|| {
            black_box(serde_json::to_string(&(&form.model().pages[0], &data)).map(|s| s.len()))
        })
    });
    g.finish();
}

criterion_group!(benches, validate_50, compile_1000, render_50);
criterion_main!(benches);
