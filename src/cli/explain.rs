//! `efa explain [CODE]`: the long explanation of a diagnostic code (`E0008`), or a list
//! of all codes with the first sentence of each.

use std::io::Write;

use efa_forms::dsl::Code;

use super::{Ctx, Failure, Status};

/// Arguments of `efa explain`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A diagnostic code such as E0008; without it, all codes are listed.
    #[arg(value_name = "CODE")]
    code: Option<String>,
}

pub(crate) fn run(ctx: &mut Ctx, args: Args) -> Result<Status, Failure> {
    let Some(code) = args.code else {
        for code in Code::ALL {
            writeln!(
                ctx.out,
                "{}  {:<7}  {}",
                code.as_str(),
                code.severity().as_str(),
                first_sentence(code.explain())
            )?;
        }
        return Ok(Status::Success);
    };
    let Some(code) = Code::parse(code.trim()) else {
        return Err(Failure(format!(
            "unknown diagnostic code `{code}`; `efa explain` lists them all"
        )));
    };
    writeln!(ctx.out, "{} ({})", code.as_str(), code.severity().as_str())?;
    writeln!(ctx.out)?;
    for line in wrap(code.explain(), 80) {
        writeln!(ctx.out, "{line}")?;
    }
    Ok(Status::Success)
}

fn first_sentence(text: &str) -> &str {
    match text.find(". ") {
        Some(i) => &text[..=i],
        None => text,
    }
}

/// Greedy word wrap to `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
