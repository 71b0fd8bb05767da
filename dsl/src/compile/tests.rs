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
