//! Parser tests: the SPEC example, precedence, literals, every syntax error phrase
//! (snapshotted), hostile input and property tests.

use efa_core::expr::{BinOp, UnOp};
use proptest::prelude::*;

use super::*;
use crate::ast::*;

/// SPEC section 2, verbatim.
const SPEC_EXAMPLE: &str = r#"// Comments run to the end of the line.
form personenstandsurkunde {
  version "1.2.0"                                  // semver, required
  title "Personenstandsurkunde beantragen" en "Request a civil status certificate"
  description "Geburts-, Ehe- oder Sterbeurkunde beim Standesamt anfordern."
  leika "99063006000000"                           // Leistungsschluessel (LeiKa / FIM Leistungen), optional
  fim "S00000092" version "1.0"                    // FIM Stammdatenschema this form implements, optional
  publisher "TH"                                   // owning state (German Land code), required
  languages de, en                                 // first one is the default; default: de

  param gebuehr_je_urkunde: money = 12.00          // extension point another state may set
  param standesamt: text = "Standesamt Erfurt"

  list urkundenart {
    geburt "Geburtsurkunde" en "Birth certificate"
    ehe    "Eheurkunde"     en "Marriage certificate"
    sterbe "Sterbeurkunde"  en "Death certificate"
  }

  page person "Angaben zur Person" en "About you" {
    field vorname: text {
      label "Vorname" en "Given name"
      hint "Wie im Ausweis" en "As in your ID card"
      required
      maxlength 100
      prefill account.given_name                   // from the citizen account (Nutzerkonto)
      fim "F60000227"
    }
    field geburtsdatum: date {
      label "Geburtsdatum"
      required
      max today()
    }
    field email: email { label "E-Mail-Adresse" }
    group anschrift "Anschrift" {                  // a group nests its fields in the data
      field strasse: text { label "Strasse und Hausnummer" required }
      field plz: postcode { label "Postleitzahl" required }
      field ort: text { label "Ort" required }
    }
  }

  page urkunde "Urkunde" {
    field art: choice(urkundenart) { label "Art der Urkunde" required }
    field anzahl: integer { label "Anzahl" required min 1 max 10 default 1 }
    field eheschliessung: date {
      label "Datum der Eheschliessung"
      visible when art == "ehe"
      required                                     // required only while visible
    }
    field zweck: textarea { label "Verwendungszweck" maxlength 500 }
    group kinder "Kinder" repeat 0..5 {            // repeated group: an array in the data
      field name: text { label "Name" required }
      field geboren: date { label "Geburtsdatum" required }
    }
    check anzahl <= 3 or zweck != "" message "Bitte begruenden Sie mehr als drei Urkunden."
  }

  fee urkunden "Gebuehr" = anzahl * gebuehr_je_urkunde
}
"#;

const F: FileId = FileId(0);

/// `LINE:COL: CODE message`, then labels and hints, one per line.
fn render(src: &str, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let start = (d.span.start as usize).min(src.len());
        let before = &src[..start];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        out.push_str(&format!("{line}:{col}: {} {}\n", d.code, d.message));
        for l in &d.labels {
            let s = &src[..(l.span.start as usize).min(src.len())];
            let line = s.matches('\n').count() + 1;
            let col = s.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            out.push_str(&format!("  label {line}:{col}: {}\n", l.message));
        }
        for h in &d.hints {
            out.push_str(&format!("  hint: {h}\n"));
        }
    }
    out
}

fn ok(src: &str) -> File {
    match parse(src, F) {
        Ok(f) => f,
        Err(d) => panic!("expected {src:?} to parse:\n{}", render(src, &d)),
    }
}

fn err(src: &str) -> String {
    match parse(src, F) {
        Ok(_) => panic!("expected {src:?} to fail"),
        Err(d) => render(src, &d),
    }
}

fn form(file: &File) -> &FormDecl {
    match &file.doc {
        Document::Form(f) => f,
        other => panic!("expected a form, got {other:?}"),
    }
}

fn pages(file: &File) -> Vec<&PageDecl> {
    form(file)
        .items
        .iter()
        .filter_map(|i| match &i.kind {
            FormItemKind::Page(p) => Some(p),
            _ => None,
        })
        .collect()
}

fn fields(items: &[BodyItem]) -> Vec<&FieldDecl> {
    items
        .iter()
        .filter_map(|i| match &i.kind {
            BodyItemKind::Field(f) => Some(f),
            _ => None,
        })
        .collect()
}

/// The fields of a one-page form `form f { page p "P" { BODY } }`.
fn body(src_body: &str) -> Vec<BodyItem> {
    let src = format!("form f {{ page p \"P\" {{ {src_body} }} }}");
    let file = ok(&src);
    pages(&file)[0].items.clone()
}

fn props(field_src: &str) -> Vec<PropKind> {
    let items = body(field_src);
    fields(&items)[0]
        .props
        .iter()
        .map(|p| p.kind.clone())
        .collect()
}

/// An expression as an S-expression: `(or (<= anzahl 3) (!= zweck ""))`.
fn sexp(e: &Expr) -> String {
    let list = |es: &[Expr]| es.iter().map(sexp).collect::<Vec<_>>().join(", ");
    match &e.kind {
        ExprKind::Number(n) => n.clone(),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Date(d) => format!("#{d}"),
        ExprKind::Path(ids) => ids
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>()
            .join("."),
        ExprKind::Call { name, args } => format!("{}({})", name.name, list(args)),
        ExprKind::Unary { op, arg } => {
            let op = match op {
                UnOp::Neg => "-",
                UnOp::Not => "not",
            };
            format!("({op} {})", sexp(arg))
        }
        ExprKind::Binary { op, lhs, rhs } => {
            format!("({} {} {})", op.symbol(), sexp(lhs), sexp(rhs))
        }
        ExprKind::In { arg, list } => format!("(in {} {})", sexp(arg), sexp(list)),
        ExprKind::List(items) => format!("[{}]", list(items)),
    }
}

fn expr_of(src_expr: &str) -> Expr {
    let src = format!("form f {{ param p: text = {src_expr} }}");
    let file = ok(&src);
    match &form(&file).items[0].kind {
        FormItemKind::Param(p) => p.value.clone(),
        other => panic!("{other:?}"),
    }
}

fn ex(src_expr: &str) -> String {
    sexp(&expr_of(src_expr))
}

// ---------------------------------------------------------------- the SPEC example

#[test]
fn spec_example_parses_into_the_expected_structure() {
    let file = ok(SPEC_EXAMPLE);
    let form = form(&file);
    assert_eq!(form.id.name, "personenstandsurkunde");
    assert_eq!(&SPEC_EXAMPLE[form.span.range()][..4], "form");
    assert!(SPEC_EXAMPLE[form.span.range()].ends_with('}'));

    let kinds: Vec<&str> = form
        .items
        .iter()
        .map(|i| match &i.kind {
            FormItemKind::Version(_) => "version",
            FormItemKind::Title(_) => "title",
            FormItemKind::Description(_) => "description",
            FormItemKind::Leika(_) => "leika",
            FormItemKind::Fim(_) => "fim",
            FormItemKind::Publisher(_) => "publisher",
            FormItemKind::Languages(_) => "languages",
            FormItemKind::Param(_) => "param",
            FormItemKind::List(_) => "list",
            FormItemKind::Page(_) => "page",
            FormItemKind::Fee(_) => "fee",
            FormItemKind::Check(_) => "check",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "version",
            "title",
            "description",
            "leika",
            "fim",
            "publisher",
            "languages",
            "param",
            "param",
            "list",
            "page",
            "page",
            "fee"
        ]
    );
    let item = |n: usize| &form.items[n].kind;
    assert!(matches!(item(0), FormItemKind::Version(s) if s.value == "1.2.0"));
    match item(1) {
        FormItemKind::Title(t) => {
            assert_eq!(t.default.value, "Personenstandsurkunde beantragen");
            assert_eq!(t.translations.len(), 1);
            assert_eq!(t.translations[0].0.name, "en");
            assert_eq!(
                t.translations[0].1.value,
                "Request a civil status certificate"
            );
        }
        other => panic!("{other:?}"),
    }
    match item(4) {
        FormItemKind::Fim(f) => {
            assert_eq!(f.id.value, "S00000092");
            assert_eq!(f.version.as_ref().map(|v| v.value.as_str()), Some("1.0"));
        }
        other => panic!("{other:?}"),
    }
    match item(6) {
        FormItemKind::Languages(l) => {
            assert_eq!(
                l.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(),
                ["de", "en"]
            )
        }
        other => panic!("{other:?}"),
    }
    match item(7) {
        FormItemKind::Param(p) => {
            assert_eq!(p.name.name, "gebuehr_je_urkunde");
            assert_eq!(p.ty.name.name, "money");
            assert_eq!(p.ty.list, None);
            assert_eq!(sexp(&p.value), "12.00");
        }
        other => panic!("{other:?}"),
    }
    match item(9) {
        FormItemKind::List(l) => {
            assert_eq!(l.id.name, "urkundenart");
            assert_eq!(l.codelist, None);
            let keys: Vec<&str> = l.options.iter().map(|o| o.key.value.as_str()).collect();
            assert_eq!(keys, ["geburt", "ehe", "sterbe"]);
            assert_eq!(l.options[1].text.default.value, "Eheurkunde");
            assert_eq!(
                l.options[1].text.translations[0].1.value,
                "Marriage certificate"
            );
        }
        other => panic!("{other:?}"),
    }

    let pages = pages(&file);
    assert_eq!(pages[0].id.name, "person");
    assert_eq!(pages[0].title.translations[0].1.value, "About you");
    let person = fields(&pages[0].items);
    assert_eq!(
        person
            .iter()
            .map(|f| f.id.name.as_str())
            .collect::<Vec<_>>(),
        ["vorname", "geburtsdatum", "email"]
    );
    let vorname = &person[0];
    assert_eq!(vorname.ty.name.name, "text");
    assert_eq!(vorname.props.len(), 6);
    assert!(matches!(&vorname.props[0].kind, PropKind::Label(t) if t.default.value == "Vorname"));
    assert!(
        matches!(&vorname.props[1].kind, PropKind::Hint(t) if t.translations[0].1.value == "As in your ID card")
    );
    assert_eq!(vorname.props[2].kind, PropKind::Required);
    assert!(matches!(&vorname.props[3].kind, PropKind::MaxLength(n) if n.value == 100));
    match &vorname.props[4].kind {
        PropKind::Prefill(path) => {
            assert_eq!(
                path.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(),
                ["account", "given_name"]
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(&vorname.props[5].kind, PropKind::Fim(f) if f.id.value == "F60000227" && f.version.is_none())
    );
    // Keyword spans cover the keyword alone; property spans the whole property.
    assert_eq!(&SPEC_EXAMPLE[vorname.props[3].keyword.range()], "maxlength");
    assert_eq!(
        &SPEC_EXAMPLE[vorname.props[3].span.range()],
        "maxlength 100"
    );
    assert_eq!(&SPEC_EXAMPLE[vorname.props[5].keyword.range()], "fim");
    assert!(matches!(&person[1].props[2].kind, PropKind::Max(e) if sexp(e) == "today()"));

    let group = pages[0]
        .items
        .iter()
        .find_map(|i| match &i.kind {
            BodyItemKind::Group(g) => Some(g),
            _ => None,
        })
        .unwrap();
    assert_eq!(group.id.name, "anschrift");
    assert_eq!(group.title.as_ref().unwrap().default.value, "Anschrift");
    assert_eq!(group.repeat, None);
    assert_eq!(fields(&group.items)[1].ty.name.name, "postcode");

    let urkunde = &pages[1];
    let uf = fields(&urkunde.items);
    assert_eq!(uf[0].ty.name.name, "choice");
    assert_eq!(uf[0].ty.list.as_ref().unwrap().name, "urkundenart");
    assert_eq!(&SPEC_EXAMPLE[uf[0].ty.span.range()], "choice(urkundenart)");
    let anzahl: Vec<String> = uf[1]
        .props
        .iter()
        .map(|p| match &p.kind {
            PropKind::Min(e) => format!("min {}", sexp(e)),
            PropKind::Max(e) => format!("max {}", sexp(e)),
            PropKind::Default(e) => format!("default {}", sexp(e)),
            PropKind::Label(_) => "label".into(),
            PropKind::Required => "required".into(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        anzahl,
        ["label", "required", "min 1", "max 10", "default 1"]
    );
    assert!(
        matches!(&uf[2].props[1].kind, PropKind::VisibleWhen(e) if sexp(e) == "(== art \"ehe\")")
    );

    let kinder = urkunde
        .items
        .iter()
        .find_map(|i| match &i.kind {
            BodyItemKind::Group(g) => Some(g),
            _ => None,
        })
        .unwrap();
    let repeat = kinder.repeat.as_ref().unwrap();
    assert_eq!(
        (repeat.min.value, repeat.max.as_ref().map(|m| m.value)),
        (0, Some(5))
    );
    assert_eq!(&SPEC_EXAMPLE[repeat.span.range()], "repeat 0..5");
    assert_eq!(fields(&kinder.items)[0].id.name, "name");

    let check = urkunde
        .items
        .iter()
        .find_map(|i| match &i.kind {
            BodyItemKind::Check(c) => Some(c),
            _ => None,
        })
        .unwrap();
    assert_eq!(sexp(&check.condition), "(or (<= anzahl 3) (!= zweck \"\"))");
    assert_eq!(
        &SPEC_EXAMPLE[check.condition.span.range()],
        "anzahl <= 3 or zweck != \"\""
    );
    assert_eq!(
        check.message.default.value,
        "Bitte begruenden Sie mehr als drei Urkunden."
    );

    match &form.items[12].kind {
        FormItemKind::Fee(f) => {
            assert_eq!(f.id.name, "urkunden");
            assert_eq!(f.label.default.value, "Gebuehr");
            assert_eq!(sexp(&f.amount), "(* anzahl gebuehr_je_urkunde)");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn spec_example_comments_are_collected_in_order() {
    let file = ok(SPEC_EXAMPLE);
    let texts: Vec<&str> = file.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts[0], " Comments run to the end of the line.");
    assert_eq!(texts[1], " semver, required");
    assert_eq!(texts[9], " required only while visible");
    assert_eq!(
        texts.last().unwrap(),
        &" repeated group: an array in the data"
    );
    assert_eq!(texts.len(), 11);
    for c in &file.comments {
        let s = &SPEC_EXAMPLE[c.span.range()];
        assert!(s.starts_with("//") && !s.contains('\n'), "{s:?}");
    }
    assert!(file
        .comments
        .windows(2)
        .all(|w| w[0].span.start < w[1].span.start));
}

#[test]
fn comments_inside_strings_are_not_comments() {
    let file = ok("form f { title \"http://example.org\" // real\n}");
    assert_eq!(file.comments.len(), 1);
    assert_eq!(file.comments[0].text, " real");
    match &form(&file).items[0].kind {
        FormItemKind::Title(t) => assert_eq!(t.default.value, "http://example.org"),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------- expressions

#[test]
fn precedence_from_loosest_to_tightest() {
    assert_eq!(ex("a or b and c"), "(or a (and b c))");
    assert_eq!(ex("a and b or c"), "(or (and a b) c)");
    assert_eq!(ex("not a and b"), "(and (not a) b)");
    assert_eq!(ex("not a == b"), "(not (== a b))");
    assert_eq!(ex("not a or b"), "(or (not a) b)");
    assert_eq!(ex("a == b + c"), "(== a (+ b c))");
    assert_eq!(ex("a + b * c"), "(+ a (* b c))");
    assert_eq!(ex("a * b + c"), "(+ (* a b) c)");
    assert_eq!(ex("-a * b"), "(* (- a) b)");
    assert_eq!(ex("- a + b"), "(+ (- a) b)");
    assert_eq!(ex("(a + b) * c"), "(* (+ a b) c)");
    assert_eq!(ex("a < b and c >= d"), "(and (< a b) (>= c d))");
    assert_eq!(ex("a + 1 in [1, 2] or b"), "(or (in (+ a 1) [1, 2]) b)");
    assert_eq!(
        ex("art in [\"ehe\", \"geburt\"]"),
        "(in art [\"ehe\", \"geburt\"])"
    );
    assert_eq!(ex("not not a"), "(not (not a))");
    assert_eq!(ex("- - 1"), "(- (- 1))");
    assert_eq!(ex("a == not b"), "(== a (not b))");
}

#[test]
fn binary_operators_associate_to_the_left() {
    assert_eq!(ex("a - b - c"), "(- (- a b) c)");
    assert_eq!(ex("a / b / c"), "(/ (/ a b) c)");
    assert_eq!(ex("a / b * c"), "(* (/ a b) c)");
    assert_eq!(ex("a or b or c"), "(or (or a b) c)");
    assert_eq!(ex("a == b == c"), "(== (== a b) c)");
    assert_eq!(ex("a != b"), "(!= a b)");
    assert_eq!(ex("a <= b"), "(<= a b)");
    assert_eq!(ex("a > b"), "(> a b)");
}

#[test]
fn operands() {
    assert_eq!(ex("12"), "12");
    assert_eq!(ex("12.50"), "12.50");
    assert_eq!(ex("\"x\""), "\"x\"");
    assert_eq!(ex("true and false"), "(and true false)");
    assert_eq!(ex("today()"), "today()");
    assert_eq!(ex("if(a, 1, 2)"), "if(a, 1, 2)");
    assert_eq!(ex("sum(kinder.betrag)"), "sum(kinder.betrag)");
    assert_eq!(ex("any(kinder, alter < 18)"), "any(kinder, (< alter 18))");
    assert_eq!(ex("anschrift.plz"), "anschrift.plz");
    assert_eq!(ex("a.b.c"), "a.b.c");
    assert_eq!(ex("[]"), "[]");
    assert_eq!(ex("[1, 2,]"), "[1, 2]");
    assert_eq!(ex("((a))"), "a");
    // Words that only start like a keyword are names.
    assert_eq!(
        ex("notiz or order and india"),
        "(or notiz (and order india))"
    );
    assert_eq!(ex("truthy"), "truthy");
    // A comment between operands.
    assert_eq!(ex("a + // comment\n b"), "(+ a b)");
}

#[test]
fn expression_spans() {
    let e = expr_of("a + b * (c - 1)");
    let src = "form f { param p: text = a + b * (c - 1) }";
    assert_eq!(&src[e.span.range()], "a + b * (c - 1)");
    match &e.kind {
        ExprKind::Binary { op, rhs, .. } => {
            assert_eq!(*op, BinOp::Add);
            assert_eq!(&src[rhs.span.range()], "b * (c - 1)");
            match &rhs.kind {
                ExprKind::Binary { rhs, .. } => assert_eq!(&src[rhs.span.range()], "(c - 1)"),
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }
    let e = expr_of("not x");
    assert_eq!(e.span.end - e.span.start, 5);
}

#[test]
fn date_literal_versus_subtraction() {
    assert_eq!(ex("2024-05-01"), "#2024-05-01");
    assert_eq!(ex("a - 1"), "(- a 1)");
    assert_eq!(ex("a-1"), "(- a 1)");
    assert_eq!(ex("2024 - 05 - 01"), "(- (- 2024 05) 01)");
    assert_eq!(ex("2024-05-01 - 1"), "(- #2024-05-01 1)");
    assert_eq!(
        ex("geburtsdatum < 2024-05-01"),
        "(< geburtsdatum #2024-05-01)"
    );
    // Not exactly NNNN-NN-NN: numbers and subtraction.
    assert_eq!(ex("2024-5-1"), "(- (- 2024 5) 1)");
    assert_eq!(ex("202-05-01"), "(- (- 202 05) 01)");
    assert_eq!(ex("2024-05-011"), "(- (- 2024 05) 011)");
    assert_eq!(ex("-2024-05-01"), "(- #2024-05-01)");
}

#[test]
fn expressions_end_where_the_next_property_starts() {
    let p = props("field anzahl: integer { min 1 max 10 default 1 }");
    assert_eq!(p.len(), 3);
    assert!(matches!(&p[0], PropKind::Min(e) if sexp(e) == "1"));
    assert!(matches!(&p[1], PropKind::Max(e) if sexp(e) == "10"));
    assert!(matches!(&p[2], PropKind::Default(e) if sexp(e) == "1"));

    let p = props("field d: date { max today() required min 2000-01-01 }");
    assert!(matches!(&p[0], PropKind::Max(e) if sexp(e) == "today()"));
    assert_eq!(p[1], PropKind::Required);
    assert!(matches!(&p[2], PropKind::Min(e) if sexp(e) == "#2000-01-01"));

    let p = props("field s: money { value = a * 2\n visible when b\n required when c or d }");
    assert!(matches!(&p[0], PropKind::Value(e) if sexp(e) == "(* a 2)"));
    assert!(matches!(&p[1], PropKind::VisibleWhen(e) if sexp(e) == "b"));
    assert!(matches!(&p[2], PropKind::RequiredWhen(e) if sexp(e) == "(or c d)"));

    let items = body("check a > 1 message \"m\" visible when x field f: text {}");
    assert!(matches!(&items[0].kind, BodyItemKind::Check(c) if sexp(&c.condition) == "(> a 1)"));
    assert!(matches!(&items[1].kind, BodyItemKind::VisibleWhen(e) if sexp(e) == "x"));
    assert!(matches!(&items[2].kind, BodyItemKind::Field(_)));
}

// ---------------------------------------------------------------- keywords as ids

#[test]
fn property_keywords_are_ordinary_ids_elsewhere() {
    // Field ids may be any word but the six expression keywords.
    let items = body(
        "field name: text {} field value: integer { value = value + 1 } \
         field label: text { label \"Label\" } field min: integer { max min } \
         field required: boolean {} field when: text { visible when when == \"x\" }",
    );
    let f = fields(&items);
    assert_eq!(
        f.iter().map(|f| f.id.name.as_str()).collect::<Vec<_>>(),
        ["name", "value", "label", "min", "required", "when"]
    );
    assert!(matches!(&f[1].props[0].kind, PropKind::Value(e) if sexp(e) == "(+ value 1)"));
    assert!(matches!(&f[3].props[0].kind, PropKind::Max(e) if sexp(e) == "min"));
    assert!(
        matches!(&f[5].props[0].kind, PropKind::VisibleWhen(e) if sexp(e) == "(== when \"x\")")
    );
    // Path segments too.
    assert_eq!(
        ex("person.label + gruppe.value"),
        "(+ person.label gruppe.value)"
    );
    // `required` alone, then `visible when`: two properties.
    let p = props("field a: text { required visible when b }");
    assert_eq!(p.len(), 2);
}

#[test]
fn expression_keywords_are_not_ids() {
    for kw in ["and", "or", "not", "in", "true", "false"] {
        let out = err(&format!(
            "form f {{ page p \"P\" {{ field {kw}: text {{}} }} }}"
        ));
        assert!(
            out.contains(&format!("found the reserved word `{kw}`")),
            "{out}"
        );
    }
    let out = err("form f { param x: integer = a + and }");
    assert!(out.contains("expected a value"), "{out}");
}

#[test]
fn translations_do_not_eat_keywords() {
    // `fim`, `min` and `max` take strings but are never languages.
    let p = props("field a: text { label \"A\" fim \"F1\" }");
    assert!(matches!(&p[0], PropKind::Label(t) if t.translations.is_empty()));
    assert!(matches!(&p[1], PropKind::Fim(f) if f.id.value == "F1"));
    let p = props("field a: text { label \"A\" en \"B\" tr \"C\" max \"Z\" }");
    assert!(
        matches!(&p[0], PropKind::Label(t) if t.translations.len() == 2 && t.translations[1].0.name == "tr")
    );
    assert!(matches!(&p[1], PropKind::Max(e) if sexp(e) == "\"Z\""));
    // A translation may go on the next line outside lists.
    let file = ok("form f {\n  title \"Titel\"\n    en \"Title\"\n  fim \"S1\"\n}");
    match &form(&file).items[0].kind {
        FormItemKind::Title(t) => assert_eq!(t.translations[0].1.value, "Title"),
        other => panic!("{other:?}"),
    }
    // Words longer than three letters or with capitals are not languages.
    let out = err("form f { title \"T\" english \"E\" }");
    assert!(out.contains("found `english`"), "{out}");
}

// ---------------------------------------------------------------- header entries, lists, pages

#[test]
fn fim_version_stays_on_the_line_of_the_id() {
    let file = ok("form f {\n  fim \"S1\"\n  version \"1.2.0\"\n}");
    let items = &form(&file).items;
    assert!(matches!(&items[0].kind, FormItemKind::Fim(f) if f.version.is_none()));
    assert!(matches!(&items[1].kind, FormItemKind::Version(v) if v.value == "1.2.0"));
    let file = ok("form f { fim \"S1\" version \"1.0\" version \"1.2.0\" }");
    let items = &form(&file).items;
    assert!(
        matches!(&items[0].kind, FormItemKind::Fim(f) if f.version.as_ref().unwrap().value == "1.0")
    );
    assert_eq!(items.len(), 2);
}

#[test]
fn lists_with_codelists_and_keys() {
    let file = ok(concat!(
        "form f {\n",
        "  list staat codelist \"urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat\" version \"2023-02-24\" {\n",
        "    000 \"deutsch\" en \"German\"\n",
        "    \"121\" \"albanisch\"\n",
        "    ehe \"Ehe\"\n",
        "    tr \"Tuerkei\" // a key that looks like a language\n",
        "  }\n",
        "  list leer codelist \"urn:x\" {}\n",
        "  list ja_nein { ja \"Ja\" nein \"Nein\" }\n",
        "}",
    ));
    let lists: Vec<&ListDecl> = form(&file)
        .items
        .iter()
        .filter_map(|i| match &i.kind {
            FormItemKind::List(l) => Some(l),
            _ => None,
        })
        .collect();
    let staat = lists[0];
    assert_eq!(
        staat.codelist.as_ref().unwrap().value,
        "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat"
    );
    assert_eq!(staat.codelist_version.as_ref().unwrap().value, "2023-02-24");
    let keys: Vec<&str> = staat.options.iter().map(|o| o.key.value.as_str()).collect();
    assert_eq!(keys, ["000", "121", "ehe", "tr"]);
    assert_eq!(staat.options[0].text.translations[0].1.value, "German");
    assert!(staat.options[2].text.translations.is_empty());
    assert!(lists[1].options.is_empty() && lists[1].codelist_version.is_none());
    assert_eq!(lists[2].options.len(), 2);
}

#[test]
fn groups_and_page_entries() {
    let items = body(concat!(
        "info \"Hinweis\" en \"Note\"\n",
        "group a { field x: text {} }\n",
        "group b \"B\" repeat 1.. { hint \"h\" fim \"G1\" version \"2\" visible when x group c repeat 0..3 { } }\n",
        "group d repeat 2..2 {}\n",
    ));
    assert!(matches!(&items[0].kind, BodyItemKind::Info(t) if t.translations[0].1.value == "Note"));
    let groups: Vec<&GroupDecl> = items
        .iter()
        .filter_map(|i| match &i.kind {
            BodyItemKind::Group(g) => Some(g),
            _ => None,
        })
        .collect();
    assert!(groups[0].title.is_none() && groups[0].repeat.is_none());
    let b = groups[1];
    let r = b.repeat.as_ref().unwrap();
    assert_eq!((r.min.value, r.max.is_none()), (1, true));
    assert!(matches!(&b.items[0].kind, BodyItemKind::Hint(_)));
    assert!(
        matches!(&b.items[1].kind, BodyItemKind::Fim(f) if f.version.as_ref().unwrap().value == "2")
    );
    assert!(matches!(&b.items[2].kind, BodyItemKind::VisibleWhen(_)));
    assert!(
        matches!(&b.items[3].kind, BodyItemKind::Group(g) if g.repeat.as_ref().unwrap().max.as_ref().unwrap().value == 3)
    );
    assert!(groups[2].repeat.as_ref().unwrap().max.is_some());
}

#[test]
fn all_field_properties() {
    let p = props(concat!(
        "field a: file {\n",
        "  label \"A\" hint \"H\" required when x\n",
        "  minlength 1 maxlength 20\n",
        "  pattern \"[0-9]+\" message \"Nur Ziffern\" en \"Digits only\"\n",
        "  pattern \"x\"\n",
        "  prefill account.address.street\n",
        "  fim \"F1\" version \"1.1\"\n",
        "  accept \"application/pdf\", \"image/png\"\n",
        "  maxsize 10 MB maxsize 5KB\n",
        "}",
    ));
    assert!(matches!(&p[2], PropKind::RequiredWhen(e) if sexp(e) == "x"));
    assert!(matches!(&p[3], PropKind::MinLength(n) if n.value == 1));
    assert!(matches!(&p[4], PropKind::MaxLength(n) if n.value == 20));
    assert!(
        matches!(&p[5], PropKind::Pattern { regex, message: Some(m) } if regex.value == "[0-9]+" && m.translations.len() == 1)
    );
    assert!(matches!(&p[6], PropKind::Pattern { message: None, .. }));
    assert!(matches!(&p[7], PropKind::Prefill(path) if path.len() == 3));
    assert!(matches!(&p[8], PropKind::Fim(f) if f.version.is_some()));
    assert!(matches!(&p[9], PropKind::Accept(a) if a.len() == 2 && a[1].value == "image/png"));
    assert!(
        matches!(&p[10], PropKind::MaxSize { size, unit } if size.value == 10 && unit.name == "MB")
    );
    assert!(
        matches!(&p[11], PropKind::MaxSize { size, unit } if size.value == 5 && unit.name == "KB")
    );
    // An empty body, and a type with a list.
    let items = body("field x: multichoice(staaten) {}");
    let f = fields(&items);
    assert!(f[0].props.is_empty());
    assert_eq!(f[0].ty.list.as_ref().unwrap().name, "staaten");
    // Unknown type names are the compiler's business.
    let items = body("field x: txt {}");
    assert_eq!(fields(&items)[0].ty.name.name, "txt");
}

#[test]
fn header_entries_in_any_order_and_a_byte_order_mark() {
    let file = ok("\u{feff}form f { publisher \"TH\" leika \"99063006000000\" description \"D\" version \"1.0.0\" languages de }");
    assert_eq!(form(&file).items.len(), 5);
    let file = ok("form f {}");
    assert!(form(&file).items.is_empty());
}

// ---------------------------------------------------------------- adaptations

/// SPEC section 6, verbatim.
const ADAPT_EXAMPLE: &str = r#"adapt "../th/personenstandsurkunde.form.json" version "^1.2" {
  id personenstandsurkunde_he
  publisher "HE"
  set gebuehr_je_urkunde = 10.00
  set standesamt = "Standesamt Wiesbaden"
  label vorname "Rufname"                 // replace texts (label, hint, title, option texts)
  hide zweck                              // hide an optional field; a required one is an error
  add to person after email {             // state-local additions, placed in a page or group
    field telefon: phone { label "Telefon" }
  }
  add check anzahl <= 5 message "Hoechstens fuenf Urkunden je Antrag."
}
"#;

#[test]
fn spec_adaptation_example_parses() {
    let file = ok(ADAPT_EXAMPLE);
    let Document::Adapt(a) = &file.doc else {
        panic!("expected an adaptation");
    };
    assert_eq!(a.base.value, "../th/personenstandsurkunde.form.json");
    assert_eq!(a.range.as_ref().unwrap().value, "^1.2");
    let kinds: Vec<String> = a
        .items
        .iter()
        .map(|i| match &i.kind {
            AdaptItemKind::Id(id) => format!("id {}", id.name),
            AdaptItemKind::Publisher(p) => format!("publisher {}", p.value),
            AdaptItemKind::Set { name, value } => format!("set {} = {}", name.name, sexp(value)),
            AdaptItemKind::Label { target, text } => {
                format!("label {} {:?}", target[0].name, text.default.value)
            }
            AdaptItemKind::Hide(path) => format!("hide {}", path[0].name),
            AdaptItemKind::AddTo {
                target,
                place,
                items,
            } => format!(
                "add to {} {:?} {} {}",
                target[0].name,
                place.as_ref().unwrap().0,
                place.as_ref().unwrap().1.name,
                fields(items)[0].id.name
            ),
            AdaptItemKind::AddCheck(c) => format!("add check {}", sexp(&c.condition)),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "id personenstandsurkunde_he",
            "publisher HE",
            "set gebuehr_je_urkunde = 10.00",
            "set standesamt = \"Standesamt Wiesbaden\"",
            "label vorname \"Rufname\"",
            "hide zweck",
            "add to person After email telefon",
            "add check (<= anzahl 5)",
        ]
    );
    assert_eq!(file.comments.len(), 3);
}

#[test]
fn adaptation_statements() {
    let file = ok(concat!(
        "adapt \"base.form.json\" {\n",
        "  version \"2.0.0\"\n",
        "  title \"Neu\" en \"New\"\n",
        "  title person \"Person\"\n",
        "  title person.anschrift \"Adresse\"\n",
        "  description \"D\"\n",
        "  hint anschrift.plz \"5 Ziffern\"\n",
        "  option urkundenart.ehe \"Ehe\"\n",
        "  option staat.\"000\" \"deutsch\"\n",
        "  option staat.121 \"albanisch\"\n",
        "  add page extra \"Extra\" before urkunde { info \"x\" }\n",
        "  add list farben { rot \"Rot\" }\n",
        "  add fee porto \"Porto\" = 2.50\n",
        "}",
    ));
    let Document::Adapt(a) = &file.doc else {
        panic!("expected an adaptation");
    };
    assert!(a.range.is_none());
    assert_eq!(a.items.len(), 12);
    assert!(
        matches!(&a.items[1].kind, AdaptItemKind::Title { target: None, text } if text.translations.len() == 1)
    );
    assert!(
        matches!(&a.items[3].kind, AdaptItemKind::Title { target: Some(t), .. } if t.len() == 2)
    );
    assert!(
        matches!(&a.items[6].kind, AdaptItemKind::Option { list, key, .. } if list.name == "urkundenart" && key.value == "ehe")
    );
    assert!(matches!(&a.items[7].kind, AdaptItemKind::Option { key, .. } if key.value == "000"));
    assert!(matches!(&a.items[8].kind, AdaptItemKind::Option { key, .. } if key.value == "121"));
    assert!(
        matches!(&a.items[9].kind, AdaptItemKind::AddPage { page, place: Some((Placement::Before, p)) } if page.id.name == "extra" && p.name == "urkunde")
    );
    assert!(matches!(&a.items[10].kind, AdaptItemKind::AddList(l) if l.options.len() == 1));
    assert!(matches!(&a.items[11].kind, AdaptItemKind::AddFee(f) if sexp(&f.amount) == "2.50"));
}

// ---------------------------------------------------------------- strings

fn title_of(src_string: &str) -> Result<String, String> {
    let src = format!("form f {{ title {src_string} }}");
    match parse(&src, F) {
        Ok(file) => match &form(&file).items[0].kind {
            FormItemKind::Title(t) => Ok(t.default.value.clone()),
            other => panic!("{other:?}"),
        },
        Err(d) => Err(render(&src, &d)),
    }
}

#[test]
fn string_escapes() {
    assert_eq!(title_of(r#""a \"b\" c""#).unwrap(), "a \"b\" c");
    assert_eq!(title_of(r#""back\\slash""#).unwrap(), "back\\slash");
    assert_eq!(title_of(r#""line\nbreak""#).unwrap(), "line\nbreak");
    assert_eq!(title_of(r#""\u{e4}\u{00DF}\u{1F600}""#).unwrap(), "äß😀");
    assert_eq!(title_of(r#""\u{10FFFF}""#).unwrap(), "\u{10FFFF}");
    assert_eq!(title_of("\"Grüße, Straße\"").unwrap(), "Grüße, Straße");
    assert_eq!(title_of(r#""""#).unwrap(), "");
    assert_eq!(
        title_of("\"<b>not markup</b> & tab\there\"").unwrap(),
        "<b>not markup</b> & tab\there"
    );
}

#[test]
fn bad_escapes_are_reported_at_the_escape_and_all_together() {
    let out = title_of(r#""a \t b \q \u{D800} \u{1234567} \u12 \\ ok""#).unwrap_err();
    insta::assert_snapshot!(out, @r#"
    1:19: E0001 unknown escape `\t` in a text
      hint: texts take the escapes `\"`, `\\`, `\n` and `\u{...}`; write `\\` for a backslash
    1:24: E0001 unknown escape `\q` in a text
      hint: texts take the escapes `\"`, `\\`, `\n` and `\u{...}`; write `\\` for a backslash
    1:27: E0001 `\u{D800}` is not a valid character code
      hint: character codes are Unicode scalar values, at most 10FFFF and not D800 to DFFF
    1:36: E0001 expected a character code in braces after `\u`, such as `\u{00E4}`
      hint: write 1 to 6 hexadecimal digits between `{` and `}`
    1:48: E0001 expected a character code in braces after `\u`, such as `\u{00E4}`
      hint: write 1 to 6 hexadecimal digits between `{` and `}`
    "#);
    // The escape's span covers the escape.
    let src = r#"form f { title "ab\zcd" }"#;
    let d = parse(src, F).unwrap_err();
    assert_eq!(&src[d[0].span.range()], "\\z");
}

#[test]
fn strings_end_on_their_line() {
    let out = err("form f {\n  title \"Zeile eins\nZeile zwei\"\n}");
    assert!(
        out.contains("strings end on the same line; write \\n for a line break"),
        "{out}"
    );
    assert!(out.starts_with("2:9:"), "{out}");
    let src = "form f { title \"offen";
    let d = parse(src, F).unwrap_err();
    assert!(d[0].message.contains("found end of file"));
    assert_eq!(&src[d[0].span.range()], "\"offen");
}

// ---------------------------------------------------------------- syntax error phrases

const MISTAKES: &[(&str, &str)] = &[
    ("empty file", ""),
    ("misspelt form", "from antrag {}"),
    ("text after the form", "form f { }\nextra"),
    (
        "misspelt field",
        "form f {\n  page person \"Person\" {\n    fied vorname: text {}\n  }\n}",
    ),
    (
        "field outside a page",
        "form f {\n  field vorname: text {}\n}",
    ),
    (
        "missing colon",
        "form f { page p \"P\" { field vorname text {} } }",
    ),
    (
        "missing type",
        "form f { page p \"P\" { field vorname: {} } }",
    ),
    (
        "misspelt property",
        "form f { page p \"P\" { field vorname: text { lable \"Vorname\" } } }",
    ),
    (
        "text without quotes",
        "form f { page p \"P\" { field vorname: text { label Vorname } } }",
    ),
    (
        "unclosed field at end of file",
        "form f {\n  page p \"P\" {\n    field vorname: text {\n      label \"Vorname\"\n",
    ),
    (
        "umlaut in an id",
        "form f { page p \"P\" { field größe: text {} } }",
    ),
    (
        "reserved word as id",
        "form f { page p \"P\" { field not: text {} } }",
    ),
    (
        "missing value",
        "form f { page p \"P\" { field a: integer { min 1 max } } }",
    ),
    (
        "dangling operator",
        "form f { page p \"P\" { field a: integer { value = a + } } }",
    ),
    (
        "single equals in a condition",
        "form f { page p \"P\" { field a: text { visible when art = \"ehe\" } } }",
    ),
    (
        "check without message",
        "form f { page p \"P\" { check a > 1 } }",
    ),
    (
        "misspelt message",
        "form f { page p \"P\" { check a > 1 mesage \"x\" } }",
    ),
    (
        "number in quotes",
        "form f { page p \"P\" { field a: text { maxlength \"10\" } } }",
    ),
    (
        "decimal where a whole number is needed",
        "form f { page p \"P\" { field a: text { minlength 1.5 } } }",
    ),
    (
        "number too large",
        "form f { page p \"P\" { field a: text { maxlength 99999999999999999999999 } } }",
    ),
    (
        "property outside a field",
        "form f { page p \"P\" {\n  label \"Vorname\"\n} }",
    ),
    ("page without title", "form f { page p { } }"),
    ("languages without comma", "form f { languages de en }"),
    (
        "repeat with a dash",
        "form f { page p \"P\" { group g \"G\" repeat 0-5 { } } }",
    ),
    (
        "fim version on the next line",
        "form f { page p \"P\" { field a: text {\n  fim \"F1\"\n  version \"1.0\"\n} } }",
    ),
    (
        "missing closing brace before the next page",
        "form f {\n  page a \"A\" {\n    field x: text { label \"X\"\n  }\n  page b \"B\" { }\n}",
    ),
    (
        "long word as a language",
        "form f { page p \"P\" { field a: text { label \"x\" english \"y\" } } }",
    ),
    ("dangling language", "form f { title \"Titel\" en }"),
    (
        "list option without text",
        "form f { list l {\n  a \"A\"\n  b\n} }",
    ),
    (
        "misspelt codelist",
        "form f { list l codelst \"urn:x\" { } }",
    ),
    (
        "visible without when",
        "form f { page p \"P\" { visible art == 1 } }",
    ),
    (
        "media types without comma",
        "form f { page p \"P\" { field a: file { accept \"a/b\" \"c/d\" } } }",
    ),
    (
        "unclosed choice",
        "form f { page p \"P\" { field a: choice(x { } } }",
    ),
    (
        "unclosed list literal",
        "form f { page p \"P\" { field a: text { default [1, } } }",
    ),
    (
        "unclosed call",
        "form f { page p \"P\" { field a: date { max today( } } }",
    ),
    (
        "semicolon",
        "form f { page p \"P\" { field a: text { required; } } }",
    ),
    ("unclosed string", "form f { title \"Antrag\n}"),
    ("bad escape", "form f { title \"C:\\temp\" }"),
    (
        "missing unit",
        "form f { page p \"P\" { field a: file { maxsize 10 } } }",
    ),
    (
        "prefill without attribute",
        "form f { page p \"P\" { field a: text { prefill account. } } }",
    ),
    ("param without value", "form f { param gebuehr: money }"),
    ("fee without equals", "form f { fee g \"Gebuehr\" 12 }"),
    (
        "group with misspelt repeat",
        "form f { page p \"P\" { group g \"G\" repaet 1..2 { } } }",
    ),
    (
        "adaptation: misspelt statement",
        "adapt \"base.form.json\" {\n  lable vorname \"Rufname\"\n}",
    ),
    (
        "adaptation: add without what",
        "adapt \"base.form.json\" { add zweck }",
    ),
    (
        "adaptation: field without add",
        "adapt \"base.form.json\" { field x: text {} }",
    ),
    (
        "adaptation: unclosed addition",
        "adapt \"base.form.json\" {\n  add to person {\n    field telefon: phone { }\n",
    ),
    (
        "adaptation: option without key",
        "adapt \"base.form.json\" { option urkundenart \"Ehe\" }",
    ),
    ("version without quotes", "form f { version 1.2.0 }"),
    ("one brace too many", "form f { }\n}"),
    ("typographic quotes", "form f { title „Antrag“ }"),
];

#[test]
fn syntax_error_phrases() {
    let mut out = String::new();
    for (name, src) in MISTAKES {
        let rendered = err(src);
        out.push_str(&format!("--- {name}\n{src}\n{rendered}\n"));
    }
    insta::assert_snapshot!("syntax_errors", out);
}

#[test]
fn no_message_leaks_pest_rule_names() {
    let names = [
        "kw_",
        "f_",
        "b_",
        "p_",
        "str_",
        "op_",
        "lbrace",
        "rbrace",
        "EOI",
        "SOI",
        "body_item",
        "form_item",
        "dotted",
        "call_open",
        "option_key",
    ];
    for (_, src) in MISTAKES {
        let d = parse(src, F).unwrap_err();
        for d in &d {
            let text = format!("{} {}", d.message, d.hints.join(" "));
            for n in names {
                assert!(!text.contains(n), "{n} in {text:?}");
            }
        }
    }
}

#[test]
fn error_spans_point_at_the_offending_token() {
    for (name, src) in MISTAKES {
        let d = parse(src, F).unwrap_err();
        let s = d[0].span;
        assert!(s.start <= s.end && s.end as usize <= src.len(), "{name}");
        if (s.start as usize) < src.len() {
            assert!(s.end > s.start, "{name}: empty span before the end");
        }
        assert!(src.is_char_boundary(s.start as usize) && src.is_char_boundary(s.end as usize));
    }
    let src = "form f { page p \"P\" { fied x: text {} } }";
    let d = parse(src, F).unwrap_err();
    assert_eq!(&src[d[0].span.range()], "fied");
    let src = "form f { page p \"P\" {";
    let d = parse(src, F).unwrap_err();
    assert_eq!(d[0].span.range(), src.len()..src.len());
}

#[test]
fn edit_distance_counts_swaps_once() {
    use super::errors::edit_distance;
    assert_eq!(edit_distance("field", "field"), 0);
    assert_eq!(edit_distance("fied", "field"), 1);
    assert_eq!(edit_distance("fiedl", "field"), 1);
    assert_eq!(edit_distance("lable", "label"), 1);
    assert_eq!(edit_distance("", "abc"), 3);
    assert_eq!(edit_distance("kitten", "sitting"), 3);
}

// ---------------------------------------------------------------- hostile input

fn codes(src: &str) -> Vec<Code> {
    match parse(src, F) {
        Ok(_) => Vec::new(),
        Err(d) => d.iter().map(|d| d.code).collect(),
    }
}

#[test]
fn oversized_source_is_rejected_before_parsing() {
    let src = "x".repeat(MAX_SOURCE_BYTES + 1);
    assert_eq!(codes(&src), [Code::TooComplex]);
}

#[test]
fn deep_brackets_are_rejected_by_the_pre_scan() {
    for open in ["(", "[", "{"] {
        let src = format!("form f {{ param p: integer = {} }}", open.repeat(100_000));
        let d = parse(&src, F).unwrap_err();
        assert_eq!(d[0].code, Code::TooComplex, "{open}");
        assert_eq!(d[0].message, "nested too deeply (more than 64 levels)");
        assert_eq!(&src[d[0].span.range()], open);
    }
    // 60 levels are fine.
    let src = format!(
        "form f {{ param p: integer = {}1{} }}",
        "(".repeat(60),
        ")".repeat(60)
    );
    assert_eq!(ex(&format!("{}1{}", "(".repeat(60), ")".repeat(60))), "1");
    ok(&src);
    // Brackets inside strings and comments do not count.
    let src = format!(
        "form f {{ title \"{}\" // {}\n }}",
        "(".repeat(1000),
        "{".repeat(1000)
    );
    ok(&src);
}

#[test]
fn long_prefix_chains_are_rejected() {
    for op in ["not ", "- ", "-"] {
        let src = format!("form f {{ param p: integer = {}1 }}", op.repeat(100_000));
        let d = parse(&src, F).unwrap_err();
        assert_eq!(d[0].code, Code::TooComplex, "{op:?}");
    }
    assert_eq!(
        ex(&format!("{}a", "not ".repeat(30)))
            .matches("not")
            .count(),
        30
    );
}

#[test]
fn long_operator_chains_stay_shallow() {
    let long = vec!["a"; 100_000].join(" + ");
    let d = parse(&format!("form f {{ param p: integer = {long} }}"), F).unwrap_err();
    assert_eq!(d[0].code, Code::TooComplex);
    let fine = vec!["a"; 200].join(" or ");
    assert!(ex(&fine).starts_with("(or (or"));
    let list = vec!["1"; 100_000].join(", ");
    ok(&format!("form f {{ param p: integer = x in [{list}] }}"));
}

#[test]
fn many_fields_parse_quickly() {
    let mut src = String::from("form gross {\n  version \"1.0.0\"\n  page p \"P\" {\n");
    let mut i = 0;
    while src.len() < 1_000_000 {
        src.push_str(&format!(
            "    field feld_{i}: text {{ label \"Feld {i}\" en \"Field {i}\" required maxlength 100 visible when feld_0 != \"x\" and {i} > 0 }} // {i}\n"
        ));
        i += 1;
    }
    src.push_str("  }\n}\n");
    let start = std::time::Instant::now();
    let file = ok(&src);
    let took = start.elapsed();
    assert_eq!(fields(&pages(&file)[0].items).len(), i);
    assert_eq!(file.comments.len(), i);
    eprintln!("parsed {i} fields, {} bytes, in {took:?}", src.len());
    // Generous for unoptimised test builds; release builds take a few milliseconds.
    assert!(took.as_secs() < 5, "{took:?}");
}

// ---------------------------------------------------------------- property tests

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_arbitrary_text(s in "\\PC{0,200}") {
        let _ = parse(&s, F);
    }

    #[test]
    fn never_panics_on_form_like_text(s in "(form|page|field|group|list|\\{|\\}|\\(|\\)|\\[|\\]|\"|\\\\|:|=|==|-|not|and|in|[a-z]{1,4}|[0-9]{1,5}|\\.|,| |\n|//|ä|\\\\u\\{|2024-05-01){0,60}") {
        let _ = parse(&s, F);
    }

    #[test]
    fn never_panics_on_mutations_of_the_spec_example(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8)
    ) {
        let mut bytes = SPEC_EXAMPLE.as_bytes().to_vec();
        for (at, byte, how) in edits {
            let i = at.index(bytes.len().max(1));
            match how {
                0 if !bytes.is_empty() => { bytes.remove(i.min(bytes.len() - 1)); }
                1 => bytes.insert(i.min(bytes.len()), byte),
                _ if !bytes.is_empty() => { let j = i.min(bytes.len() - 1); bytes[j] = byte; }
                _ => {}
            }
        }
        let src = String::from_utf8_lossy(&bytes);
        if let Err(diags) = parse(&src, F) {
            prop_assert!(!diags.is_empty());
            for d in diags {
                prop_assert!(d.span.start <= d.span.end && (d.span.end as usize) <= src.len());
                prop_assert!(!d.message.contains("kw_") && !d.message.contains("EOI"));
            }
        }
    }

    /// Recovery: mutated input yields a bounded number of syntax errors, each at a
    /// place of its own, and the compiler never panics on what was recovered.
    #[test]
    fn recovery_is_bounded_on_mutations(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), prop_oneof![Just(b'{'), Just(b'}'), Just(b'"'), Just(b'\n'), any::<u8>()]), 1..12)
    ) {
        let mut bytes = SPEC_EXAMPLE.as_bytes().to_vec();
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let src = String::from_utf8_lossy(&bytes);
        let parsed = parse_recovering(&src, F);
        prop_assert!(parsed.diagnostics.len() <= MAX_SYNTAX_ERRORS + 64);
        let mut starts: Vec<u32> = parsed.diagnostics.iter().filter(|d| d.code == Code::Syntax).map(|d| d.span.start).collect();
        let n = starts.len();
        starts.sort_unstable();
        starts.dedup();
        prop_assert_eq!(starts.len(), n, "one error per place");
        prop_assert!(parsed.file.is_some() || !parsed.diagnostics.is_empty());
        let _ = crate::compile_str(&src);
    }

    /// Every broken field put between the fields of a page is reported, at its line,
    /// and nothing else.
    #[test]
    fn recovery_finds_every_broken_field(picks in proptest::collection::btree_set(0usize..40, 1..6)) {
        let mut lines: Vec<String> = SPEC_EXAMPLE.lines().map(str::to_owned).collect();
        let slots: Vec<usize> = lines.iter().enumerate()
            .filter(|(_, l)| l.starts_with("    field ") || l.starts_with("    group "))
            .map(|(i, _)| i)
            .collect();
        let chosen: std::collections::BTreeSet<usize> = picks.iter().map(|p| slots[p % slots.len()]).collect();
        for &i in chosen.iter().rev() {
            lines.insert(i, format!("    field broken{i}: text {{ label \"B\" maxlength }}"));
        }
        let src = lines.join("\n");
        let expected: Vec<usize> = chosen.iter().enumerate().map(|(k, &i)| i + k + 1).collect();
        prop_assert_eq!(error_lines(&src), expected);
    }
}

/// The lines (1-based) of the syntax errors in `src`.
fn error_lines(src: &str) -> Vec<usize> {
    match parse(src, F) {
        Ok(_) => Vec::new(),
        Err(diags) => diags
            .iter()
            .map(|d| src[..d.span.start as usize].matches('\n').count() + 1)
            .collect(),
    }
}

#[test]
fn recovery_reports_each_broken_entry_once() {
    let src = "form a {\n  version \"1.0.0\"\n  title\n  publisher \"HE\"\n  list l {\n    x \"X\"\n    y Y\n  }\n  page p \"P\" {\n    field a: text { label \"A\" maxlength }\n    field b: integer {\n      label \"B\"\n      min\n    }\n    feild c: text { label \"C\" }\n    field d: text { label \"D\"\n    info \"i\"\n    check a == message \"m\"\n  }\n  page q {\n    field e: text { label \"E }\n  }\n}\n";
    assert_eq!(error_lines(src), [4, 7, 10, 14, 15, 17, 18, 20]);
    // What follows a skipped piece is read as before, also the form's `}` after a field
    // whose `}` sits inside an unclosed string.
    let parsed = parse_recovering(src, F);
    assert!(parsed.file.is_some());
    for name in ["a", "b", "c", "e", "title", "q", "y"] {
        assert!(parsed.removed.contains(name), "{name} was skipped");
    }
    // The field `d` lacks only its `}`: it is closed before `info`, and kept.
    assert!(!parsed.removed.contains("d"));
}

#[test]
fn recovery_stops_where_nothing_sensible_is_left() {
    // At the top level, and at a missing `}` at the end: one error each.
    assert_eq!(
        error_lines("form a version {\n  page p \"P\" { x }\n}\n"),
        [1]
    );
    assert_eq!(
        error_lines("form a {\n  page p \"P\" {\n    field a: text { label \"A\" }\n}\n"),
        [5]
    );
    assert_eq!(error_lines("form a {\n}\n}\n"), [3]);
    // A `}` that closes an outer block is kept: the page still ends where it did.
    assert_eq!(
        error_lines("form a {\n  page p \"P\" {\n    check x > }\n  titel \"T\"\n}\n"),
        [3, 4]
    );
}

#[test]
fn example_forms_parse() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../forms");
    let Ok(dirs) = std::fs::read_dir(&root) else {
        return;
    };
    for dir in dirs.flatten() {
        let Ok(files) = std::fs::read_dir(dir.path()) else {
            continue;
        };
        for f in files.flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            if name.ends_with(".form") && !name.ends_with(".adapt.form") {
                let src = std::fs::read_to_string(f.path()).unwrap();
                if let Err(d) = parse(&src, F) {
                    panic!("{name}:\n{}", render(&src, &d));
                }
            }
        }
    }
}

/// The pre-scan skips bytes instead of splitting tokens: it must find the comments and
/// bracket depth the lexer finds, also around strings, escapes and multi-byte characters.
#[test]
fn prescan_agrees_with_the_lexer() {
    let sources = [
        SPEC_EXAMPLE,
        "a // one\n\"// not a comment\" // two\r\n//three",
        "\"open string // still a string\n// a comment",
        "\"\\\" // escaped quote\" // after\n",
        "\"\\€\" //ü€𝄞 x\n\"\\\n// after an escape at the end of a line",
        "x / y // z\n/",
        "( [ { \"(\" } ] ) // (",
        "",
    ];
    for src in sources {
        let lexed: Vec<(usize, usize)> = lex::Lexer::new(src)
            .filter(|t| t.0 == lex::Tok::Comment)
            .map(|(_, start, end)| (start, end))
            .collect();
        let scan = lex::prescan(src, FileId(0)).expect("shallow");
        let found: Vec<(usize, usize)> = scan
            .comments
            .iter()
            .map(|c| (c.span.start as usize, c.span.end as usize))
            .collect();
        assert_eq!(found, lexed, "{src:?}");
    }
    // The 65th open bracket is the one reported, wherever strings and comments hide others.
    let deep = format!("\"(\" // (\n{}", "[".repeat(65));
    let err = lex::prescan(&deep, FileId(0)).err().expect("too deep");
    assert_eq!(err.span.start as usize, deep.len() - 1);
}
