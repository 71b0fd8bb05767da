//! Texts: whitespace as FIM editors leave it, string literals of the language, and the
//! single-byte encodings some XDatenfelder files still use.

/// Collapses every run of whitespace to one space and trims: labels, hints, titles.
pub(crate) fn clean(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Like [`clean`], but keeps paragraphs (text separated by a blank line) apart with a
/// line break between them: the text of a `label` field.
pub(crate) fn paragraphs(s: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in s.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(clean(&current.join(" ")));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        out.push(clean(&current.join(" ")));
    }
    out.join("\n\n")
}

/// A text on one line for a comment or a message, cut after `max` characters.
pub(crate) fn one_line(s: &str, max: usize) -> String {
    let s = clean(s);
    if s.chars().count() <= max {
        return s;
    }
    let mut cut: String = s.chars().take(max).collect();
    cut.push_str("...");
    cut
}

/// A string literal of the language: `"..."` with `\"`, `\\`, `\n` and `\u{...}` for
/// other control characters.
pub(crate) fn lit(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:X}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A comment's text: one line, no control characters.
pub(crate) fn comment(s: &str) -> String {
    clean(s)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Decodes one windows-1252 byte.
pub(crate) fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{2C6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}',
        '\u{8F}', '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}',
        '\u{2014}', '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}', '\u{17E}',
        '\u{178}',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// Decodes one ISO-8859-15 byte (Latin-1 with the euro sign and a few letters).
pub(crate) fn iso_8859_15(b: u8) -> char {
    match b {
        0xA4 => '\u{20AC}',
        0xA6 => '\u{160}',
        0xA8 => '\u{161}',
        0xB4 => '\u{17D}',
        0xB8 => '\u{17E}',
        0xBC => '\u{152}',
        0xBD => '\u{153}',
        0xBE => '\u{178}',
        _ => char::from(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_what_the_grammar_needs() {
        assert_eq!(lit(r#"a "b" \ c"#), r#""a \"b\" \\ c""#);
        assert_eq!(lit("x\ny\u{1}"), r#""x\ny\u{1}""#);
    }

    #[test]
    fn paragraphs_survive_cleaning() {
        assert_eq!(
            paragraphs("  Erster\n   Absatz\n\n  Zweiter  "),
            "Erster Absatz\n\nZweiter"
        );
    }
}
