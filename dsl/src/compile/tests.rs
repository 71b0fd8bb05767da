use super::*;

const SPEC_EXAMPLE: &str = include_str!("../../tests/spec_example.form");

#[test]
fn spec_example_compiles() {
    let model = match compile_str(SPEC_EXAMPLE) {
        Ok(m) => m,
        Err(d) => panic!("{d:#?}"),
    };
    assert_eq!(model.id, "personenstandsurkunde");
    assert_eq!(model.languages, vec!["de", "en"]);
    let form = efa_core::Form::new(model).expect("loads");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let data = serde_json::json!({
        "vorname": "Anna", "geburtsdatum": "1990-01-01",
        "anschrift": {"strasse": "Weg 1", "plz": "9908", "ort": "Erfurt"},
        "art": "ehe", "anzahl": 5, "kinder": [{"name": "Ben"}],
        "extra": 1
    });
    let r = form.validate(&data, &efa_core::ValidateOptions::new(today));
    let got: Vec<(String, &str)> = r
        .errors
        .iter()
        .map(|e| (e.path.clone(), e.code.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("/anschrift/plz".to_owned(), "format"),
            ("/eheschliessung".to_owned(), "required"),
            ("/kinder/0/geboren".to_owned(), "required"),
            ("/extra".to_owned(), "unknown"),
            ("".to_owned(), "check"),
        ]
    );
    assert_eq!(r.fees[0].amount.to_string(), "60.00");
}

struct MemBase(String);

impl BaseLoader for MemBase {
    fn load(&mut self, _path: &str) -> Result<String, String> {
        Ok(self.0.clone())
    }
}

fn adapt(base_src: &str, adapt_src: &str) -> Compiled {
    let base = efa_core::Artifact::new(compile_str(base_src).expect("base compiles")).to_json();
    let mut sources = SourceMap::new();
    let file = sources.add("x.adapt.form", adapt_src);
    compile_with(&sources, file, &mut MemBase(base))
}

#[test]
fn spec_adaptation_compiles() {
    let c = adapt(
        SPEC_EXAMPLE,
        r#"adapt "../th/personenstandsurkunde.form.json" version "^1.2" {
  id personenstandsurkunde_he
  publisher "HE"
  set gebuehr_je_urkunde = 10.00
  set standesamt = "Standesamt Wiesbaden"
  label vorname "Rufname"
  hide zweck
  add to person after email {
    field telefon: phone { label "Telefon" }
  }
  add check anzahl <= 5 message "Hoechstens fuenf Urkunden je Antrag."
}"#,
    );
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    let m = c.model.expect("a model");
    assert_eq!(m.id, "personenstandsurkunde_he");
    assert_eq!(m.publisher, "HE");
    assert_eq!(m.base.as_ref().map(|b| b.publisher.as_str()), Some("TH"));
    let form = efa_core::Form::new(m).expect("loads");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let data = serde_json::json!({
        "vorname": "Anna", "geburtsdatum": "1990-01-01", "telefon": "+49 611 1234567",
        "anschrift": {"strasse": "Weg 1", "plz": "65183", "ort": "Wiesbaden"},
        "art": "geburt", "anzahl": 6, "zweck": "ignored"
    });
    let r = form.validate(&data, &efa_core::ValidateOptions::new(today));
    let got: Vec<(String, &str)> = r
        .errors
        .iter()
        .map(|e| (e.path.clone(), e.code.as_str()))
        .collect();
    // anzahl 6: the base's check (<= 3 or a reason) fails, and so does the added one;
    // zweck is hidden, so its value is dropped and cannot serve as the reason.
    assert_eq!(
        got,
        vec![("".to_owned(), "check"), ("".to_owned(), "check")]
    );
    assert_eq!(r.fees[0].amount.to_string(), "60.00");
    assert!(r.data.get("zweck").is_none());
}

#[test]
fn adaptation_errors_point_into_the_adaptation() {
    let c = adapt(
        SPEC_EXAMPLE,
        r#"adapt "base.form.json" version "^2.0" {
  publisher "HE"
  set gebuehr = 10.00
  set standesamt = 5
  label vorname2 "Rufname"
  hide vorname
  add to person {
    field email: email { label "E-Mail" }
  }
}"#,
    );
    let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(
        codes,
        vec!["E0022", "E0005", "E0006", "E0002", "E0023", "E0003"],
        "{:#?}",
        c.diagnostics
    );
    assert!(c.model.is_none());
}
