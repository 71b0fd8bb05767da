//! JSON text into a `serde_json::Value`, as `serde_json::from_str::<Value>` reads it:
//! the same value, the same errors at the same places.
//!
//! Why not `from_str::<Value>` itself: its visitor asks serde_json's reader for a
//! string where an object's first key is serde_json's private number token, and that
//! typed request carries serde's "invalid type" message, which can name a float, and so
//! all of Rust's float printing into the browser runtime (a sixth of its transfer size).
//! The visitor here asks the reader for nothing but "any value".
//!
//! The one difference is in that corner itself: an object whose first key is
//! `"$serde_json::private::Number"` and whose value is not a string is an error too,
//! with the same message placed after the value rather than at its start (or a syntax
//! error inside that value, which is found first).

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// The key under which serde_json's reader hands over a number's text
/// (`arbitrary_precision`).
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Reads JSON text into a value, exactly as `serde_json::from_str::<Value>` would.
pub fn parse(text: &str) -> Result<Value, serde_json::Error> {
    serde_json::from_str::<Parsed>(text).map(|p| p.0)
}

struct Parsed(Value);

impl<'de> de::Deserialize<'de> for Parsed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Any).map(Parsed)
    }
}

/// Any value: what serde_json's own value visitor builds from each call.
struct Any;

impl<'de> DeserializeSeed<'de> for Any {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Any {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Any)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let first = match map.next_key_seed(KeySeed)? {
            None => return Ok(Value::Object(Map::new())),
            // A number's text, or a text object written with the token as its first key.
            Some(Key::Token) => {
                return match map.next_value_seed(Any)? {
                    Value::String(s) => s.parse().map(Value::Number).map_err(de::Error::custom),
                    other => Err(de::Error::custom(format_args!(
                        "invalid type: {}, expected string containing a number",
                        unexpected(&other)
                    ))),
                }
            }
            Some(Key::Name(first)) => first,
        };
        let mut entries = Map::new();
        entries.insert(first, map.next_value_seed(Any)?);
        while let Some(key) = map.next_key_seed(KeySeed)? {
            entries.insert(key.into_string(), map.next_value_seed(Any)?);
        }
        Ok(Value::Object(entries))
    }
}

/// What serde_json's reader calls a value that is not a number's text: integers that
/// fit 64 bits by their value, other numbers as "number".
fn unexpected(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) => {
            let t = n.as_str();
            let integer = if t.starts_with('-') {
                t != "-0" && t.parse::<i64>().is_ok()
            } else {
                t.parse::<u64>().is_ok()
            };
            if integer {
                format!("integer `{t}`")
            } else {
                "number".to_owned()
            }
        }
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "sequence".to_owned(),
        Value::Object(_) => "map".to_owned(),
    }
}

/// An object's key: serde_json's number token is told apart before it is copied (the
/// reader hands every number over under it).
enum Key {
    Token,
    Name(String),
}

impl Key {
    fn into_string(self) -> String {
        match self {
            Key::Token => NUMBER_TOKEN.to_owned(),
            Key::Name(s) => s,
        }
    }
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E>(self, s: &str) -> Result<Key, E> {
        Ok(if s == NUMBER_TOKEN {
            Key::Token
        } else {
            Key::Name(s.to_owned())
        })
    }

    fn visit_string<E>(self, s: String) -> Result<Key, E> {
        Ok(if s == NUMBER_TOKEN {
            Key::Token
        } else {
            Key::Name(s)
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn theirs(text: &str) -> Result<Value, String> {
        serde_json::from_str::<Value>(text).map_err(|e| e.to_string())
    }

    fn ours(text: &str) -> Result<Value, String> {
        parse(text).map_err(|e| e.to_string())
    }

    /// Equal, or the one documented difference: where serde_json refuses a value that
    /// is not a string under the number token, an error too (the same message at another
    /// place, or a syntax error inside that value).
    fn alike(ours: &Result<Value, String>, theirs: &Result<Value, String>) -> bool {
        let corner = theirs
            .as_ref()
            .is_err_and(|e| e.contains("expected string containing a number"));
        ours == theirs || (corner && ours.is_err())
    }

    fn json() -> impl Strategy<Value = String> {
        let number = prop_oneof![
            "-?(0|[1-9][0-9]{0,25})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,4})?",
            Just("-0".to_owned()),
            Just("18446744073709551616".to_owned()),
            Just("-9223372036854775809".to_owned()),
        ];
        let string = prop_oneof![
            "\\PC{0,8}".prop_map(|s| serde_json::to_string(&s).unwrap_or_default()),
            Just(r#""\ud83d\ude00 \u00e4 \n \" \\ \/""#.to_owned()),
            Just(format!("{NUMBER_TOKEN:?}")),
        ];
        let leaf = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            Just("false".to_owned()),
            number,
            string.clone(),
        ];
        leaf.prop_recursive(5, 40, 4, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec((string.clone(), inner), 0..4).prop_map(|v| {
                    let entries: Vec<String> =
                        v.into_iter().map(|(k, v)| format!("{k} : {v}")).collect();
                    format!("{{ {} }}", entries.join(",\n"))
                }),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Well-formed texts, and texts cut short, with a character put in or taken out
        /// anywhere: the same value or the same error, at the same place.
        #[test]
        fn reads_as_serde_json_reads(text in json(), at in any::<prop::sample::Index>(), c in prop::sample::select(vec!["", "}", "]", ",", ":", "\"", "\\", "0", "-", "e", ".", " ", "x", "\u{1}", "\u{e4}"])) {
            prop_assert!(alike(&ours(&text), &theirs(&text)), "{}", text);
            let cut = at.index(text.len() + 1);
            if text.is_char_boundary(cut) {
                let (head, tail) = text.split_at(cut);
                prop_assert!(alike(&ours(head), &theirs(head)), "{}", head);
                let put = format!("{head}{c}{tail}");
                prop_assert!(alike(&ours(&put), &theirs(&put)), "{}", put);
                if let Some(next) = tail.chars().next() {
                    let taken = format!("{head}{}", &tail[next.len_utf8()..]);
                    prop_assert!(alike(&ours(&taken), &theirs(&taken)), "{}", taken);
                }
            }
        }
    }

    #[test]
    fn numbers_keep_their_text_and_the_number_token_reads_alike() {
        for text in [
            "1.50",
            "-0",
            "1e400",
            "[0.1, 1E+2, -12]",
            r#"{"$serde_json::private::Number": "12.50"}"#,
            r#"{"$serde_json::private::Number": "x"}"#,
            r#"{"$serde_json::private::Number": "1", "b": 2}"#,
            r#"{"a": 1, "$serde_json::private::Number": 2}"#,
            r#"{"a": 1, "a": 2}"#,
            "[1, 2,]",
            "\"\\ud800\"",
            "1 2",
        ] {
            assert_eq!(ours(text), theirs(text), "{text}");
        }
        // The one corner that differs: the message is the same, its place is not.
        for (text, what) in [
            (r#"{"$serde_json::private::Number": 5}"#, "integer `5`"),
            (r#"{"$serde_json::private::Number": -5}"#, "integer `-5`"),
            (r#"{"$serde_json::private::Number": 1.5}"#, "number"),
            (r#"{"$serde_json::private::Number": null}"#, "null"),
            (r#"{"$serde_json::private::Number": [1]}"#, "sequence"),
        ] {
            let want = format!("invalid type: {what}, expected string containing a number");
            assert!(theirs(text).unwrap_err().starts_with(&want), "{text}");
            assert!(ours(text).unwrap_err().starts_with(&want), "{text}");
        }
    }
}
