//! Ids of the language from FIM names: `Straße` -> `strasse`, `Größe` -> `groesse`.

use std::collections::HashSet;

/// The longest id made from a name (longer names are cut at a word boundary).
const MAX_LEN: usize = 60;

/// Words an id must not be: the reserved words, the keywords, the type and function
/// names of the language, and `account` (of `prefill account.X`).
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "true",
    "false",
    "form",
    "version",
    "title",
    "description",
    "leika",
    "fim",
    "publisher",
    "languages",
    "param",
    "list",
    "codelist",
    "page",
    "fee",
    "field",
    "group",
    "repeat",
    "info",
    "check",
    "message",
    "visible",
    "when",
    "hint",
    "label",
    "required",
    "min",
    "max",
    "minlength",
    "maxlength",
    "pattern",
    "default",
    "value",
    "prefill",
    "accept",
    "maxsize",
    "text",
    "textarea",
    "integer",
    "decimal",
    "money",
    "date",
    "boolean",
    "choice",
    "multichoice",
    "email",
    "phone",
    "iban",
    "postcode",
    "file",
    "today",
    "age",
    "len",
    "count",
    "sum",
    "any",
    "all",
    "if",
    "is_set",
    "account",
];

/// The id for a FIM name, or `None` if the name has no letter or digit to keep.
///
/// Lower case; ä ö ü ß as ae oe ue ss, accented Latin letters without their accent;
/// every other run of characters one `_`, none at the ends; a leading digit gets a `_`
/// in front, a keyword a `_` behind.
pub(crate) fn ident(name: &str) -> Option<String> {
    let mut out = String::new();
    let mut gap = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        let mapped: &str = match c {
            'a'..='z' | '0'..='9' => {
                if gap && !out.is_empty() {
                    out.push('_');
                }
                gap = false;
                out.push(c);
                continue;
            }
            'ä' | 'æ' => "ae",
            'ö' | 'œ' => "oe",
            'ü' => "ue",
            'ß' | 'ẞ' => "ss",
            'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' | 'ă' | 'ą' => "a",
            'ç' | 'ć' | 'č' => "c",
            'ď' | 'đ' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
            'ğ' => "g",
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
            'ł' | 'ľ' | 'ĺ' => "l",
            'ñ' | 'ń' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ø' | 'ō' | 'ő' => "o",
            'ř' | 'ŕ' => "r",
            'ś' | 'š' | 'ş' | 'ș' => "s",
            'ť' | 'ţ' | 'ț' => "t",
            'ù' | 'ú' | 'û' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
            'ý' | 'ÿ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            _ => {
                gap = true;
                continue;
            }
        };
        if gap && !out.is_empty() {
            out.push('_');
        }
        gap = false;
        out.push_str(mapped);
    }
    if out.is_empty() {
        return None;
    }
    if out.len() > MAX_LEN {
        let cut = out[..MAX_LEN].rfind('_').filter(|i| *i >= MAX_LEN / 2);
        out.truncate(cut.unwrap_or(MAX_LEN));
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    Some(out)
}

/// The id for an element: from its name, else from its FIM id (`F60000000243` ->
/// `f60000000243`), else `fallback`.
pub(crate) fn ident_for(name: &str, fim_id: &str, fallback: &str) -> String {
    ident(name)
        .or_else(|| ident(fim_id))
        .unwrap_or_else(|| fallback.to_owned())
}

/// Hands out ids unique within one namespace: the second `name` is `name_2`.
#[derive(Debug, Default)]
pub(crate) struct Namer {
    taken: HashSet<String>,
}

impl Namer {
    /// `base`, or `base_2`, `base_3` ... if taken.
    pub fn take(&mut self, base: &str) -> String {
        if self.taken.insert(base.to_owned()) {
            return base.to_owned();
        }
        let mut n = 2u32;
        loop {
            let candidate = format!("{base}_{n}");
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_ids() {
        assert_eq!(ident("Straße").as_deref(), Some("strasse"));
        assert_eq!(ident("Größe").as_deref(), Some("groesse"));
        assert_eq!(
            ident("Natürliche Person (abstrakt, umfassend)").as_deref(),
            Some("natuerliche_person_abstrakt_umfassend")
        );
        assert_eq!(ident("  --Ort--  ").as_deref(), Some("ort"));
        assert_eq!(ident("1. Antrag").as_deref(), Some("_1_antrag"));
        assert_eq!(ident("Text").as_deref(), Some("text_"));
        assert_eq!(ident("René Çelik").as_deref(), Some("rene_celik"));
        assert_eq!(ident("—"), None);
    }

    #[test]
    fn clashes_get_a_number() {
        let mut n = Namer::default();
        assert_eq!(n.take("name"), "name");
        assert_eq!(n.take("name"), "name_2");
        assert_eq!(n.take("name"), "name_3");
    }
}
