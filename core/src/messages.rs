//! Built-in validation messages in German and English. Other languages fall back to the
//! form's default language, then to German.

use crate::validate::ErrorCode;

/// What a message may mention.
#[derive(Debug, Default)]
pub(crate) struct MsgArgs<'a> {
    /// The field's label in the requested language.
    pub label: &'a str,
    /// The bound (min/max, lengths, repeat counts) as shown to a citizen.
    pub bound: String,
    /// Whether the field is a choice (for "please select").
    pub is_choice: bool,
    /// Whether the bound is a date ("before"/"after" instead of "at least").
    pub is_date: bool,
    /// Kind of format for `format` errors: `date`, `email`, `phone`, `iban`, `postcode`.
    pub format: &'static str,
}

/// Picks `de` or `en` for a requested language with the form's default as fallback.
pub(crate) fn message_lang(lang: &str, default: &str) -> &'static str {
    match lang {
        "en" => "en",
        "de" => "de",
        _ if default == "en" => "en",
        _ => "de",
    }
}

/// The message for an error code.
pub(crate) fn message(code: ErrorCode, lang: &str, a: &MsgArgs<'_>) -> String {
    let l = a.label;
    let b = &a.bound;
    let en = lang == "en";
    match code {
        ErrorCode::Required if a.is_choice => {
            if en {
                format!("Please select “{l}”.")
            } else {
                format!("Bitte wählen Sie „{l}“ aus.")
            }
        }
        ErrorCode::Required => {
            if en {
                format!("Please enter “{l}”.")
            } else {
                format!("Bitte geben Sie „{l}“ an.")
            }
        }
        ErrorCode::Type => {
            if en {
                format!("“{l}” has a value of the wrong kind.")
            } else {
                format!("„{l}“ enthält einen Wert der falschen Art.")
            }
        }
        ErrorCode::Min if a.is_date => {
            if en {
                format!("“{l}” must not be before {b}.")
            } else {
                format!("„{l}“ darf nicht vor dem {b} liegen.")
            }
        }
        ErrorCode::Max if a.is_date => {
            if en {
                format!("“{l}” must not be after {b}.")
            } else {
                format!("„{l}“ darf nicht nach dem {b} liegen.")
            }
        }
        ErrorCode::Min => {
            if en {
                format!("“{l}” must be at least {b}.")
            } else {
                format!("„{l}“ muss mindestens {b} sein.")
            }
        }
        ErrorCode::Max => {
            if en {
                format!("“{l}” must be at most {b}.")
            } else {
                format!("„{l}“ darf höchstens {b} sein.")
            }
        }
        ErrorCode::Minlength => {
            if en {
                format!("“{l}” must be at least {b} characters long.")
            } else {
                format!("„{l}“ muss mindestens {b} Zeichen lang sein.")
            }
        }
        ErrorCode::Maxlength => {
            if en {
                format!("“{l}” must be at most {b} characters long.")
            } else {
                format!("„{l}“ darf höchstens {b} Zeichen lang sein.")
            }
        }
        ErrorCode::Pattern => {
            if en {
                format!("“{l}” is not in the expected form.")
            } else {
                format!("„{l}“ hat nicht die erwartete Form.")
            }
        }
        ErrorCode::Format => {
            let (de, en_text) = match a.format {
                "date" => (
                    "ein gültiges Datum (JJJJ-MM-TT)",
                    "a valid date (YYYY-MM-DD)",
                ),
                "email" => (
                    "eine gültige E-Mail-Adresse wie name@beispiel.de",
                    "a valid e-mail address such as name@example.com",
                ),
                "phone" => (
                    "eine gültige Telefonnummer (6 bis 20 Ziffern)",
                    "a valid telephone number (6 to 20 digits)",
                ),
                "iban" => ("eine gültige IBAN", "a valid IBAN"),
                "postcode" => (
                    "eine Postleitzahl aus fünf Ziffern",
                    "a postcode of five digits",
                ),
                _ => ("einen gültigen Wert", "a valid value"),
            };
            if en {
                format!("Please enter {en_text} for “{l}”.")
            } else {
                format!("Bitte geben Sie für „{l}“ {de} an.")
            }
        }
        ErrorCode::Choice => {
            if en {
                format!("Please choose one of the offered options for “{l}”.")
            } else {
                format!("Bitte wählen Sie für „{l}“ eine der angebotenen Möglichkeiten.")
            }
        }
        ErrorCode::RepeatMin => {
            if en {
                format!("Please add at least {b} entries to “{l}”.")
            } else {
                format!("Bitte fügen Sie bei „{l}“ mindestens {b} Einträge hinzu.")
            }
        }
        ErrorCode::RepeatMax => {
            if en {
                format!("“{l}” allows at most {b} entries.")
            } else {
                format!("„{l}“ erlaubt höchstens {b} Einträge.")
            }
        }
        ErrorCode::FileType => {
            if en {
                format!("The file for “{l}” must be of type {b}.")
            } else {
                format!("Die Datei für „{l}“ muss vom Typ {b} sein.")
            }
        }
        ErrorCode::FileSize => {
            if en {
                format!("The file for “{l}” must not be larger than {b}.")
            } else {
                format!("Die Datei für „{l}“ darf höchstens {b} groß sein.")
            }
        }
        ErrorCode::Unknown => {
            if en {
                format!("“{l}” is not part of this form.")
            } else {
                format!("„{l}“ gehört nicht zu diesem Formular.")
            }
        }
        ErrorCode::Check => String::new(),
    }
}
