//! The chrome's own words (buttons, headings, step captions) in German and English, and
//! how values are shown to a citizen (dates, numbers, money). Any other language falls
//! back to German.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rust_decimal::Decimal;
use serde::Serialize;

/// The language of the chrome for a requested language: `en` or `de`.
pub(crate) fn chrome_lang(lang: &str) -> &'static str {
    if lang == "en" {
        "en"
    } else {
        "de"
    }
}

/// Every fixed text the templates use, in one language. Templates read them as
/// `t.NAME`; a theme may use them too.
#[derive(Debug, Serialize)]
pub(crate) struct Messages {
    pub skip_link: &'static str,
    pub back: &'static str,
    pub next: &'static str,
    pub submit: &'static str,
    pub error_prefix: &'static str,
    pub error_summary_title: &'static str,
    pub error_label: &'static str,
    pub optional: &'static str,
    pub progress: &'static str,
    pub review_step: &'static str,
    pub review_title: &'static str,
    pub review_intro: &'static str,
    pub change: &'static str,
    pub not_provided: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub fees_title: &'static str,
    pub fees_total: &'static str,
    pub fees_none: &'static str,
    pub fee_column: &'static str,
    pub amount_column: &'static str,
    pub submit_intro: &'static str,
    pub add_entry: &'static str,
    pub add_first_entry: &'static str,
    pub remove_entry: &'static str,
    pub no_entries: &'static str,
    pub select_placeholder: &'static str,
    pub uploaded_file: &'static str,
    pub conditional_note: &'static str,
    pub computed_note: &'static str,
    pub receipt_title: &'static str,
    pub receipt_reference: &'static str,
    pub receipt_received: &'static str,
    pub receipt_next_title: &'static str,
    pub receipt_next: &'static str,
    pub receipt_keep: &'static str,
    pub catalog_title: &'static str,
    pub catalog_intro: &'static str,
    pub catalog_empty: &'static str,
    pub catalog_publisher: &'static str,
    pub catalog_version: &'static str,
    pub catalog_leika: &'static str,
    pub catalog_languages: &'static str,
    pub catalog_start: &'static str,
    pub catalog_unavailable: &'static str,
    pub publisher: &'static str,
    pub version: &'static str,
    pub languages_nav: &'static str,
    pub home: &'static str,
    pub error_details: &'static str,
    pub service_name: &'static str,
}

const DE: Messages = Messages {
    skip_link: "Zum Inhalt springen",
    back: "Zurück",
    next: "Weiter",
    submit: "Antrag absenden",
    error_prefix: "Fehler: ",
    error_summary_title: "Es gibt ein Problem",
    error_label: "Fehler:",
    optional: "(optional)",
    progress: "Fortschritt",
    review_step: "Angaben prüfen",
    review_title: "Prüfen Sie Ihre Angaben",
    review_intro: "Bitte prüfen Sie Ihre Angaben, bevor Sie den Antrag absenden.",
    change: "Ändern",
    not_provided: "Nicht angegeben",
    yes: "Ja",
    no: "Nein",
    fees_title: "Gebühren",
    fees_total: "Gesamt",
    fees_none: "Für diesen Antrag fallen keine Gebühren an.",
    fee_column: "Gebühr",
    amount_column: "Betrag",
    submit_intro: "Mit dem Absenden übermitteln Sie Ihren Antrag an die zuständige Stelle.",
    add_entry: "Weiteren Eintrag hinzufügen",
    add_first_entry: "Eintrag hinzufügen",
    remove_entry: "Entfernen",
    no_entries: "Noch keine Einträge.",
    select_placeholder: "Bitte auswählen",
    uploaded_file: "Bereits hochgeladen:",
    conditional_note: "Nur ausfüllen, wenn es auf Sie zutrifft.",
    computed_note: "Wird automatisch berechnet.",
    receipt_title: "Antrag eingegangen",
    receipt_reference: "Ihr Aktenzeichen",
    receipt_received: "Eingegangen am",
    receipt_next_title: "Wie geht es weiter?",
    receipt_next: "Die zuständige Stelle bearbeitet Ihren Antrag. Wenn Angaben fehlen oder Fragen offen sind, meldet sie sich bei Ihnen.",
    receipt_keep: "Bitte notieren Sie Ihr Aktenzeichen. Sie brauchen es, wenn Sie sich zu diesem Antrag melden.",
    catalog_title: "Online-Anträge",
    catalog_intro: "Wählen Sie den Antrag, den Sie stellen möchten.",
    catalog_empty: "Zurzeit sind keine Anträge verfügbar.",
    catalog_publisher: "Herausgeber",
    catalog_version: "Version",
    catalog_leika: "Leistungsschlüssel",
    catalog_languages: "Sprachen",
    catalog_start: "Antrag starten",
    catalog_unavailable: "Zurzeit nicht verfügbar",
    publisher: "Herausgeber:",
    version: "Version",
    languages_nav: "Sprache",
    home: "Alle Anträge",
    error_details: "Einzelheiten",
    service_name: "Online-Antrag",
};

const EN: Messages = Messages {
    skip_link: "Skip to main content",
    back: "Back",
    next: "Continue",
    submit: "Submit application",
    error_prefix: "Error: ",
    error_summary_title: "There is a problem",
    error_label: "Error:",
    optional: "(optional)",
    progress: "Progress",
    review_step: "Check your answers",
    review_title: "Check your answers",
    review_intro: "Please check your answers before you submit the application.",
    change: "Change",
    not_provided: "Not provided",
    yes: "Yes",
    no: "No",
    fees_title: "Fees",
    fees_total: "Total",
    fees_none: "There is no fee for this application.",
    fee_column: "Fee",
    amount_column: "Amount",
    submit_intro: "By submitting you send your application to the responsible office.",
    add_entry: "Add another entry",
    add_first_entry: "Add an entry",
    remove_entry: "Remove",
    no_entries: "No entries yet.",
    select_placeholder: "Please select",
    uploaded_file: "Already uploaded:",
    conditional_note: "Only fill this in if it applies to you.",
    computed_note: "Calculated automatically.",
    receipt_title: "Application received",
    receipt_reference: "Your reference number",
    receipt_received: "Received on",
    receipt_next_title: "What happens next",
    receipt_next: "The responsible office will process your application. It will contact you if details are missing or it has questions.",
    receipt_keep: "Please note your reference number. You need it if you contact the office about this application.",
    catalog_title: "Online applications",
    catalog_intro: "Choose the application you want to make.",
    catalog_empty: "No applications are available at the moment.",
    catalog_publisher: "Publisher",
    catalog_version: "Version",
    catalog_leika: "Service key (LeiKa)",
    catalog_languages: "Languages",
    catalog_start: "Start application",
    catalog_unavailable: "Currently unavailable",
    publisher: "Publisher:",
    version: "Version",
    languages_nav: "Language",
    home: "All applications",
    error_details: "Details",
    service_name: "Online application",
};

/// The chrome's words for a language (German unless it is English).
pub(crate) fn messages(lang: &str) -> &'static Messages {
    if chrome_lang(lang) == "en" {
        &EN
    } else {
        &DE
    }
}

/// "Schritt 2 von 7" / "Step 2 of 7".
pub(crate) fn step_of(lang: &str, n: usize, total: usize) -> String {
    if chrome_lang(lang) == "en" {
        format!("Step {n} of {total}")
    } else {
        format!("Schritt {n} von {total}")
    }
}

/// The name of a language in itself, for the language switcher.
pub(crate) fn language_name(lang: &str) -> String {
    match lang {
        "de" => "Deutsch".to_owned(),
        "en" => "English".to_owned(),
        "fr" => "Français".to_owned(),
        "pl" => "Polski".to_owned(),
        "tr" => "Türkçe".to_owned(),
        "uk" => "Українська".to_owned(),
        "ru" => "Русский".to_owned(),
        "ar" => "العربية".to_owned(),
        "es" => "Español".to_owned(),
        "it" => "Italiano".to_owned(),
        other => other.to_owned(),
    }
}

const MONTHS_DE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date as a citizen reads it: `12. April 1990` / `12 April 1990`.
pub(crate) fn show_date(lang: &str, d: NaiveDate) -> String {
    let m = d.month0() as usize;
    if chrome_lang(lang) == "en" {
        format!("{} {} {}", d.day(), MONTHS_EN[m], d.year())
    } else {
        format!("{}. {} {}", d.day(), MONTHS_DE[m], d.year())
    }
}

/// A point in time: `25. November 2026, 08:40 Uhr` / `25 November 2026, 08:40`.
pub(crate) fn show_datetime(lang: &str, t: NaiveDateTime) -> String {
    let date = show_date(lang, t.date());
    if chrome_lang(lang) == "en" {
        format!("{date}, {:02}:{:02}", t.hour(), t.minute())
    } else {
        format!("{date}, {:02}:{:02} Uhr", t.hour(), t.minute())
    }
}

/// A number with the decimal separator of the language (`12,5` / `12.5`).
pub(crate) fn show_number(lang: &str, d: Decimal) -> String {
    let s = d.normalize().to_string();
    if chrome_lang(lang) == "en" {
        s
    } else {
        s.replace('.', ",")
    }
}

/// An amount of money: `1.234,50 €` / `€1,234.50`.
pub(crate) fn show_money(lang: &str, d: Decimal) -> String {
    let rounded = d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let s = format!("{:.2}", rounded.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let en = chrome_lang(lang) == "en";
    let sep = if en { ',' } else { '.' };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(sep);
        }
        grouped.push(c);
    }
    let sign = if negative { "-" } else { "" };
    if en {
        format!("{sign}€{grouped}.{frac}")
    } else {
        format!("{sign}{grouped},{frac} €")
    }
}

/// A file size: `1,5 MB`, `300 KB`, `12 Bytes`.
pub(crate) fn show_size(lang: &str, bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    let one_decimal = |n: u64, unit: u64| {
        let tenths = (n * 10 + unit / 2) / unit;
        let s = format!("{}.{}", tenths / 10, tenths % 10);
        let s = s.strip_suffix(".0").map(str::to_owned).unwrap_or(s);
        if chrome_lang(lang) == "en" {
            s
        } else {
            s.replace('.', ",")
        }
    };
    if bytes >= MB {
        format!("{} MB", one_decimal(bytes, MB))
    } else if bytes >= KB {
        format!("{} KB", one_decimal(bytes, KB))
    } else {
        format!("{bytes} Bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn money() {
        let d = |s| Decimal::from_str(s).unwrap();
        assert_eq!(show_money("de", d("1234.5")), "1.234,50 €");
        assert_eq!(show_money("en", d("1234.5")), "€1,234.50");
        assert_eq!(show_money("de", d("12")), "12,00 €");
        assert_eq!(show_money("de", d("0")), "0,00 €");
        assert_eq!(show_money("de", d("-5.5")), "-5,50 €");
        assert_eq!(show_money("de", d("1000000")), "1.000.000,00 €");
    }

    #[test]
    fn sizes_and_dates() {
        assert_eq!(show_size("de", 1536 * 1024), "1,5 MB");
        assert_eq!(show_size("en", 300 * 1024), "300 KB");
        assert_eq!(show_size("de", 12), "12 Bytes");
        let d = NaiveDate::from_ymd_opt(1990, 4, 12).unwrap();
        assert_eq!(show_date("de", d), "12. April 1990");
        assert_eq!(show_date("en", d), "12 April 1990");
    }
}
