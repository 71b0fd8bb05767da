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
            // At equal scale the mantissas decide (cheaper than rescaling).
            (Value::Number(a), Value::Number(b)) if a.scale() == b.scale() => {
                Some(a.mantissa().cmp(&b.mantissa()))
            }
            (Value::Number(a), Value::Number(b)) => Some(a.cmp(b)),
            (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
            (Value::Text(a), Value::Text(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// Parses `YYYY-MM-DD` strictly (four-digit year, two-digit month and day, a real date).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[r];
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let y = digits(0..4)?;
    let m = digits(5..7)?;
    let d = digits(8..10)?;
    NaiveDate::from_ymd_opt(y as i32, m, d)
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
}
