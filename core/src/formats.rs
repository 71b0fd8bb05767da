//! Built-in syntax checks of SPEC section 2: e-mail, phone, IBAN, postcode, file hashes.
//! Each takes the submitted string as is and answers whether it is well-formed.

/// An e-mail address: `local@domain` with a dotted domain of letters, digits and hyphens.
pub fn is_email(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() > 254 {
        return false;
    }
    // Local part: allowed characters, dots neither first, last nor doubled. No class
    // admits `@`, so the local part ends at the first byte outside its class, which must
    // be the one `@` of the address. Bytes other than dots take one table test each.
    let mut at = 0;
    let mut prev = b'.';
    while let Some(&c) = b.get(at) {
        let class = EMAIL_CLASS[usize::from(c)];
        if class & LOCAL_NOT_DOT == 0 {
            if c != b'.' {
                break;
            }
            if prev == b'.' {
                return false;
            }
        }
        prev = c;
        at += 1;
    }
    if b.get(at) != Some(&b'@') || at == 0 || at > 64 || prev == b'.' {
        return false;
    }
    let domain = &b[at + 1..];
    if domain.len() > 253 {
        return false;
    }
    // Domain: at least two dot-separated labels of letters, digits and inner hyphens,
    // at most 63 long; the last (the top-level domain) two or more letters. One pass:
    // `start` is where the current label began; `all` is the classes of its bytes ANDed,
    // so `all & LETTER` says whether it is letters only.
    let mut labels = 0;
    let mut start = 0;
    let mut all = u8::MAX;
    let mut i = 0;
    while let Some(&c) = domain.get(i) {
        let class = EMAIL_CLASS[usize::from(c)];
        i += 1;
        if class & LABEL != 0 {
            all &= class;
            continue;
        }
        if c != b'.' || !label_ok(&domain[start..i - 1]) {
            return false;
        }
        labels += 1;
        start = i;
        all = u8::MAX;
    }
    let tld = &domain[start..];
    labels >= 1 && label_ok(tld) && tld.len() >= 2 && all & LETTER != 0
}

/// A domain label's length and hyphens (its characters are checked by the caller).
fn label_ok(label: &[u8]) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label.first() != Some(&b'-')
        && label.last() != Some(&b'-')
}

/// [`EMAIL_CLASS`] bit: allowed in the local part of an e-mail address.
const LOCAL: u8 = 1;
/// [`EMAIL_CLASS`] bit: allowed in a domain label (letters, digits, `-`).
const LABEL: u8 = 2;
/// [`EMAIL_CLASS`] bit: an ASCII letter.
const LETTER: u8 = 4;
/// [`EMAIL_CLASS`] bit: allowed in the local part, and not a dot.
const LOCAL_NOT_DOT: u8 = 8;

/// What each byte may be in an e-mail address, as bits.
static EMAIL_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphabetic() {
            t[c] = LOCAL | LABEL | LETTER;
        } else if b.is_ascii_digit() {
            t[c] = LOCAL | LABEL;
        }
        c += 1;
    }
    t[b'-' as usize] = LOCAL | LABEL;
    let specials = b"!#$%&'*+/=?^_`{|}~.";
    let mut i = 0;
    while i < specials.len() {
        t[specials[i] as usize] = LOCAL;
        i += 1;
    }
    let mut c = 0;
    while c < 256 {
        if t[c] & LOCAL != 0 && c != b'.' as usize {
            t[c] |= LOCAL_NOT_DOT;
        }
        c += 1;
    }
    t
};

/// A telephone number: `+` (only first), digits, spaces, `/`, `-`, `(`, `)`; 6 to 20 digits.
pub fn is_phone(s: &str) -> bool {
    let mut digits = 0;
    for (i, c) in s.chars().enumerate() {
        match c {
            '0'..='9' => digits += 1,
            '+' if i == 0 => {}
            ' ' | '/' | '-' | '(' | ')' => {}
            _ => return false,
        }
    }
    (6..=20).contains(&digits)
}

/// A German Postleitzahl: exactly five digits.
pub fn is_postcode(s: &str) -> bool {
    s.len() == 5 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Lengths of the IBAN in each country of the SWIFT IBAN registry.
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BI", 27),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DJ", 27),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FK", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HN", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("LY", 25),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MN", 20),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NI", 28),
    ("NL", 18),
    ("NO", 15),
    ("OM", 23),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("RU", 33),
    ("SA", 24),
    ("SC", 31),
    ("SD", 18),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("SO", 23),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
    ("YE", 30),
];

/// An IBAN: a known country code, that country's length, letters and digits only, and
/// the ISO 7064 mod-97 checksum. Spaces anywhere are ignored; letters may be lower case.
pub fn is_iban(s: &str) -> bool {
    let compact: Vec<u8> = s
        .bytes()
        .filter(|b| *b != b' ')
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if compact.len() < 5 || !compact.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let (country, check) = (&compact[..2], &compact[2..4]);
    if !country.iter().all(u8::is_ascii_uppercase) || !check.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let Some(&(_, len)) = IBAN_LENGTHS.iter().find(|(c, _)| c.as_bytes() == country) else {
        return false;
    };
    if compact.len() != len {
        return false;
    }
    // Move the first four characters to the end, letters become 10..35, then mod 97.
    let mut rem: u32 = 0;
    for &b in compact[4..].iter().chain(&compact[..4]) {
        let v = if b.is_ascii_digit() {
            u32::from(b - b'0')
        } else {
            u32::from(b - b'A') + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

/// A hex SHA-256 digest (64 hex digits).
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether a media type is accepted by a list such as `["application/pdf", "image/*"]`.
pub fn media_type_accepted(media_type: &str, accept: &[String]) -> bool {
    let mt = media_type.trim().to_ascii_lowercase();
    let mt = mt.split(';').next().unwrap_or("").trim();
    accept.iter().any(|a| {
        let a = a.trim().to_ascii_lowercase();
        if a == "*/*" {
            return mt.contains('/');
        }
        match a.strip_suffix("/*") {
            Some(prefix) => mt.split('/').next() == Some(prefix) && mt.contains('/'),
            None => a == mt,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The e-mail rule as first written, clause by clause: the reference for the
    /// one-pass [`is_email`].
    fn is_email_reference(s: &str) -> bool {
        if s.len() > 254 {
            return false;
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return false;
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&c));
        if !local_ok || domain.len() > 253 {
            return false;
        }
        let labels: Vec<&str> = domain.split('.').collect();
        labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
            })
            && labels
                .last()
                .is_some_and(|t| t.len() >= 2 && t.bytes().all(|c| c.is_ascii_alphabetic()))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]

        #[test]
        fn email_matches_its_reference(
            s in "[a.@\\-1Z!ä_]{0,12}(@[a.\\-1]{0,6}(\\.[a-z]{0,3})?)?",
            label in prop::sample::select(vec![0usize, 1, 62, 63, 64]),
            long in prop::sample::select(vec![0usize, 60, 64, 65, 250]),
        ) {
            let padded = format!("{}{s}", "x".repeat(long));
            prop_assert_eq!(is_email(&s), is_email_reference(&s), "{:?}", s);
            prop_assert_eq!(is_email(&padded), is_email_reference(&padded), "{:?}", padded);
            // Domain labels and domains at their length limits.
            let domain = format!("a@{}.{}.de", "b".repeat(label), "c".repeat(label * 3));
            prop_assert_eq!(is_email(&domain), is_email_reference(&domain), "{:?}", domain);
            let near = format!("{s}@{}.de", "d".repeat(long.min(63)));
            prop_assert_eq!(is_email(&near), is_email_reference(&near), "{:?}", near);
        }
    }

    #[test]
    fn iban() {
        assert!(is_iban("DE89370400440532013000"));
        assert!(is_iban("DE89 3704 0044 0532 0130 00"));
        assert!(is_iban("de89370400440532013000"));
        assert!(is_iban("GB82WEST12345698765432"));
        assert!(!is_iban("DE89370400440532013001"));
        assert!(!is_iban("DE8937040044053201300"));
        assert!(!is_iban("XX89370400440532013000"));
        assert!(!is_iban(""));
    }

    #[test]
    fn email() {
        assert!(is_email("name@example.de"));
        assert!(is_email("a.b+c@sub.example.org"));
        assert!(!is_email("name@localhost"));
        assert!(!is_email("name.example.de"));
        assert!(!is_email("a@@b.de"));
        assert!(!is_email(".a@b.de"));
        assert!(!is_email("a@b.d"));
    }

    #[test]
    fn phone() {
        assert!(is_phone("+49 361 123456"));
        assert!(is_phone("(0361) 12-34/56"));
        assert!(!is_phone("12ab"));
        assert!(!is_phone("123"));
        assert!(!is_phone("49+361123456"));
        assert!(!is_phone("123456789012345678901"));
    }

    #[test]
    fn postcode() {
        assert!(is_postcode("99084"));
        assert!(!is_postcode("9908"));
        assert!(!is_postcode("99084a"));
        assert!(!is_postcode("９９０８４"));
    }

    #[test]
    fn media() {
        let acc = vec!["application/pdf".to_owned(), "image/*".to_owned()];
        assert!(media_type_accepted("application/pdf", &acc));
        assert!(media_type_accepted("image/png", &acc));
        assert!(!media_type_accepted("text/html", &acc));
        assert!(!media_type_accepted("image", &acc));
        assert!(media_type_accepted("text/html", &["*/*".to_owned()]));
    }
}
