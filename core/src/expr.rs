//! Expressions of the model: resolved and typed by the compiler, evaluated by
//! [`crate::Form`]. Operators carry no spans; diagnostics live in `efa-dsl`.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A literal value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lit {
    /// A text.
    Text(String),
    /// A number, kept exactly (serialised as a string such as `"12.50"`).
    Number(#[serde(with = "decimal_str")] Decimal),
    /// A calendar date (`"2024-05-01"`).
    Date(#[serde(with = "date_str")] NaiveDate),
    /// A truth value.
    Bool(bool),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnOp {
    /// `-x`.
    Neg,
    /// `not x`.
    Not,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinOp {
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `and`.
    And,
    /// `or`.
    Or,
}

impl BinOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }

    /// Whether it compares two values.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        )
    }
}

impl fmt::Display for BinOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// Built-in scalar functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Func {
    /// `today()`: the date passed in by the caller.
    Today,
    /// `age(DATE)`: whole years between DATE and today.
    Age,
    /// `len(TEXT_OR_LIST)`: characters of a text, entries of a multichoice.
    Len,
    /// `if(COND, A, B)`.
    If,
    /// `round(NUMBER, DIGITS)`: half away from zero.
    Round,
}

impl Func {
    /// The function's name.
    pub fn name(self) -> &'static str {
        match self {
            Func::Today => "today",
            Func::Age => "age",
            Func::Len => "len",
            Func::If => "if",
            Func::Round => "round",
        }
    }
}

/// Functions over the items of a repeated group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// `count(GROUP)`: number of items.
    Count,
    /// `sum(GROUP.FIELD)`: sum over the items that have a value.
    Sum,
    /// `any(GROUP, COND)`: some item satisfies COND.
    Any,
    /// `all(GROUP, COND)`: every item satisfies COND.
    All,
}

/// An expression of the model.
///
/// Field references are absolute dotted paths of the field in the data, without item
/// indices (`anschrift.plz`, `kinder.name`). Inside a repeated group, a path into that
/// group means the current item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    /// A literal.
    Lit(Lit),
    /// The value of a field.
    Field(String),
    /// The value of a parameter.
    Param(String),
    /// Whether a field has a value.
    IsSet(String),
    /// A unary operation.
    Unary {
        /// Operator.
        op: UnOp,
        /// Operand.
        arg: Box<Expr>,
    },
    /// A binary operation.
    Binary {
        /// Operator.
        op: BinOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `arg in list`: membership in a list literal or a multichoice value.
    In {
        /// The value.
        arg: Box<Expr>,
        /// The list.
        list: Box<Expr>,
    },
    /// A list literal (only as the right side of `in`).
    List(Vec<Expr>),
    /// A scalar function call.
    Call {
        /// The function.
        func: Func,
        /// Its arguments.
        args: Vec<Expr>,
    },
    /// A function over the items of a repeated group.
    Aggregate {
        /// The function.
        func: Aggregate,
        /// Dotted path of the repeated group.
        group: String,
        /// Evaluated per item (`sum`: the summed value; `any`/`all`: the condition).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expr: Option<Box<Expr>>,
    },
}

impl Expr {
    /// Calls `f` on every field path this expression reads, and on every repeated group it
    /// aggregates over.
    pub fn for_each_ref(&self, f: &mut dyn FnMut(&str)) {
        match self {
            Expr::Lit(_) | Expr::Param(_) => {}
            Expr::Field(p) | Expr::IsSet(p) => f(p),
            Expr::Unary { arg, .. } => arg.for_each_ref(f),
            Expr::Binary { lhs, rhs, .. } => {
                lhs.for_each_ref(f);
                rhs.for_each_ref(f);
            }
            Expr::In { arg, list } => {
                arg.for_each_ref(f);
                list.for_each_ref(f);
            }
            Expr::List(items) | Expr::Call { args: items, .. } => {
                for e in items {
                    e.for_each_ref(f);
                }
            }
            Expr::Aggregate { group, expr, .. } => {
                f(group);
                if let Some(e) = expr {
                    e.for_each_ref(f);
                }
            }
        }
    }
}

/// A text as written in a form: in double quotes, with `\"`, `\\`, `\n` and `\u{...}`
/// for other control characters (the formatter's and `efa diff`'s one spelling).
pub fn quote(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:X}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(crate) mod decimal_str {
    use std::str::FromStr;

    use rust_decimal::Decimal;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let s = String::deserialize(d)?;
        Decimal::from_str(&s).map_err(|_| D::Error::custom(format!("not a decimal number: {s:?}")))
    }
}

pub(crate) mod date_str {
    use chrono::{Datelike, NaiveDate};
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    /// A date literal as the artifact spells it: what chrono's `%Y-%m-%d` writes (without
    /// its formatting machinery), so a year outside `0..=9999` has its sign and at least
    /// four digits (`+12345-01-02`, `-0005-01-02`).
    pub fn text(d: NaiveDate) -> String {
        let y = d.year();
        if (0..=9999).contains(&y) {
            crate::value::format_date(d)
        } else {
            format!("{y:+05}-{:02}-{:02}", d.month(), d.day())
        }
    }

    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&text(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let s = String::deserialize(d)?;
        crate::value::parse_date(&s)
            .ok_or_else(|| D::Error::custom(format!("not a calendar date: {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    #[test]
    fn date_literals_are_spelled_as_chrono_formats_them() {
        let (min, max) = (NaiveDate::MIN, NaiveDate::MAX);
        for d in [min, max, min.succ_opt().unwrap(), max.pred_opt().unwrap()] {
            assert_eq!(super::date_str::text(d), d.format("%Y-%m-%d").to_string());
        }
        for y in -262_143..=262_142 {
            for (m, day) in [(1, 1), (2, 28), (9, 30), (12, 31)] {
                let Some(d) = NaiveDate::from_ymd_opt(y, m, day) else {
                    continue;
                };
                assert_eq!(super::date_str::text(d), d.format("%Y-%m-%d").to_string());
            }
        }
    }
}
