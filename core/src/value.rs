//! Runtime values: what a field holds after its JSON has been read, and what expressions
//! compute. Numbers are exact decimals; dates are calendar dates.

use std::cmp::Ordering;

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

/// A value. "No value" is `Option::None` around it, never a variant.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text, including e-mail, phone, IBAN, postcode and choice keys.
    Text(String),
    /// Integer, decimal or money, exactly.
    Number(Decimal),
    /// A calendar date.
    Date(NaiveDate),
    /// A truth value.
    Bool(bool),
    /// Several keys (multichoice, list literals).
    List(Vec<String>),
    /// Metadata of an uploaded file (boxed: it is rare and large).
    File(Box<FileValue>),
}

/// Metadata of an uploaded file as submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileValue {
    /// File name.
    pub name: String,
    /// Media type (`application/pdf`).
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
}

impl Value {
    /// Equality as `==` sees it: numbers by value, otherwise same kind and content.
    pub fn loose_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Number(a), Value::Number(b)) => a == b,
            _ => self == other,
        }
    }

    /// Ordering for `<` and friends: numbers, dates and texts; `None` across kinds.
    pub fn compare(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::Number(a), Value::Number(b)) => Some(cmp_decimal(*a, *b)),
            (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
            (Value::Text(a), Value::Text(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// Orders two decimals; at equal scale the mantissas decide (cheaper than rescaling).
#[inline(always)]
pub(crate) fn cmp_decimal(a: Decimal, b: Decimal) -> Ordering {
    if a.scale() == b.scale() {
        a.mantissa().cmp(&b.mantissa())
    } else {
        a.cmp(&b)
    }
}

/// Parses `YYYY-MM-DD` strictly (four-digit year, two-digit month and day, a real date).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let &[y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = s.as_bytes() else {
        return None;
    };
    let digit = |c: u8| {
        let d = c.wrapping_sub(b'0');
        (d < 10).then_some(u32::from(d))
    };
    let year = ((digit(y0)? * 10 + digit(y1)?) * 10 + digit(y2)?) * 10 + digit(y3)?;
    let month = digit(m0)? * 10 + digit(m1)?;
    let day = digit(d0)? * 10 + digit(d1)?;
    NaiveDate::from_ymd_opt(year as i32, month, day)
}

/// The exact decimal of a JSON number's text (`-12`, `0.5`, `1.25e3`, `5E-2`), `None`
/// when it is not one or a decimal cannot hold it exactly.
pub fn parse_json_number(text: &str) -> Option<Decimal> {
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i64>().ok()?),
        None => (text, 0),
    };
    let mut d = Decimal::from_str_exact(mantissa).ok()?;
    if exp < 0 {
        // Dividing by a power of ten is raising the scale, exact up to 28 places.
        let scale = i64::from(d.scale()).checked_sub(exp)?;
        d.set_scale(u32::try_from(scale).ok().filter(|s| *s <= 28)?)
            .ok()?;
    } else if exp > 0 {
        // Dividing off the mantissa's own decimal places first keeps `1.5e1` at 15.
        let mut left = exp;
        while left > 0 && d.scale() > 0 {
            d.set_scale(d.scale() - 1).ok()?;
            left -= 1;
        }
        for _ in 0..left.min(29) {
            d = d.checked_mul(Decimal::TEN)?;
        }
        if left > 28 && !d.is_zero() {
            return None;
        }
    }
    Some(d)
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(d: NaiveDate) -> String {
    let y = d.year();
    if !(0..=9999).contains(&y) {
        return format!("{:04}-{:02}-{:02}", y, d.month(), d.day());
    }
    // The common case by hand: the formatting machinery costs more than the date.
    let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
    let (y, m, day) = (y as u32, d.month(), d.day());
    let mut s = String::with_capacity(10);
    for c in [
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        '-',
        digit(m / 10),
        digit(m),
        '-',
        digit(day / 10),
        digit(day),
    ] {
        s.push(c);
    }
    s
}

/// Whole years from `born` to `today` (negative if `born` lies in the future).
pub fn age(born: NaiveDate, today: NaiveDate) -> i64 {
    let mut years = i64::from(today.year()) - i64::from(born.year());
    if (today.month(), today.day()) < (born.month(), born.day()) {
        years -= 1;
    }
    years
}

/// Rounds money to cents, half away from zero (kaufmaennisches Runden).
pub fn round_money(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_text_round_trip() {
        for t in [
            "0000-01-01",
            "0099-12-31",
            "1990-05-01",
            "2024-02-29",
            "9999-12-31",
        ] {
            assert_eq!(format_date(parse_date(t).unwrap()), t);
        }
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(format_date(d(-5, 3, 4)), "-005-03-04");
        assert_eq!(format_date(d(12345, 3, 4)), "12345-03-04");
    }

    #[test]
    fn json_numbers_read_exactly() {
        let n = |t: &str| parse_json_number(t).map(|d| d.to_string());
        for (text, want) in [
            ("0", "0"),
            ("-12", "-12"),
            ("12.50", "12.50"),
            ("1.0000000000000001", "1.0000000000000001"),
            ("99999999999999.99", "99999999999999.99"),
            ("1.25e3", "1250"),
            ("1.5e1", "15"),
            ("125E+1", "1250"),
            ("5E-2", "0.05"),
            ("-1.5e-3", "-0.0015"),
            ("0e999", "0"),
            (
                "79228162514264337593543950335",
                "79228162514264337593543950335",
            ),
        ] {
            assert_eq!(n(text).as_deref(), Some(want), "{text}");
        }
        // Beyond a decimal: 29 places, a mantissa over 96 bits, a huge exponent.
        for text in [
            "0.00000000000000000000000000001",
            "1e-29",
            "79228162514264337593543950336",
            "1e29",
            "1e99999999999999999999",
            "",
            "-",
            "1e",
        ] {
            assert_eq!(n(text), None, "{text}");
        }
    }

    proptest::proptest! {
        /// A decimal's own text, and that text with the point moved into an exponent,
        /// read back as the same number.
        #[test]
        fn json_numbers_round_trip(m in proptest::num::i64::ANY, scale in 0u32..=18, shift in 0i64..=10) {
            let d = Decimal::new(m, scale);
            proptest::prop_assert_eq!(parse_json_number(&d.to_string()), Some(d));
            let n = d.normalize();
            let digits = n.mantissa().to_string();
            let exp = -i64::from(n.scale()) + shift;
            let scaled = Decimal::from_i128_with_scale(n.mantissa(), 0);
            let text = format!("{digits}e{exp}");
            let want = if exp >= 0 {
                (0..exp).try_fold(scaled, |acc, _| acc.checked_mul(Decimal::TEN))
            } else {
                Some(Decimal::from_i128_with_scale(n.mantissa(), u32::try_from(-exp).unwrap()))
            };
            let got = parse_json_number(&text);
            match want {
                Some(w) => proptest::prop_assert_eq!(got.map(|g| g.normalize()), Some(w.normalize())),
                None => proptest::prop_assert_eq!(got, None),
            }
        }
    }
}
