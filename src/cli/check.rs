//! `efa check FILE... [--json]`: compile every file and report all diagnostics.
//!
//! Diagnostics are the command's output and go to stdout; the summary line
//! (`2 errors, 1 warning in 1 file`) goes to stderr. Exit 0 when no file has errors
//! (warnings allowed), 1 when any has, 2 when a file cannot be read (the others are
//! still checked).

use std::io::Write;
use std::path::PathBuf;

use efa_forms::dsl::{Diagnostic, Severity, SourceMap};
use efa_forms::{LoadError, Loaded};

use super::{one_line, output, report, Ctx, Failure, Status};

/// Arguments of `efa check`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Form sources (.form) or compiled artifacts (.form.json).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print one JSON array of all diagnostics instead of text.
    #[arg(long)]
    json: bool,
}

/// What checking one file found.
enum Found {
    /// Compiler diagnostics (errors and warnings) with their sources.
    Diagnostics(Vec<Diagnostic>, SourceMap),
    /// A problem with the whole file (an artifact that does not load, an inconsistent model).
    FileProblem(String),
}

pub(crate) fn run(ctx: &mut Ctx, args: Args) -> Result<Status, Failure> {
    let color = !args.json && output::color_for_stdout();
    let mut json = Vec::new();
    let (mut errors, mut warnings, mut checked, mut unreadable) = (0usize, 0usize, 0usize, false);
    for path in &args.files {
        let name = path.display().to_string();
        let found = match efa_forms::load_form(path) {
            Ok(Loaded {
                warnings, sources, ..
            }) => Found::Diagnostics(warnings, sources),
            Err(LoadError::Read(e)) => {
                ctx.warn(format_args!("error: {}", one_line(&e.to_string())));
                unreadable = true;
                continue;
            }
            Err(LoadError::Compile {
                diagnostics,
                sources,
                ..
            }) => Found::Diagnostics(diagnostics, sources),
            Err(e @ (LoadError::Artifact { .. } | LoadError::Model { .. })) => {
                // The error's text starts with the file name already.
                let text = e.to_string();
                let message = text
                    .strip_prefix(&format!("{name}: "))
                    .unwrap_or(&text)
                    .to_owned();
                Found::FileProblem(message)
            }
            Err(e) => Found::FileProblem(e.to_string()),
        };
        checked += 1;
        match found {
            Found::Diagnostics(mut diagnostics, sources) => {
                diagnostics.sort_by_key(|d| (d.span.file, d.span.start));
                for d in &diagnostics {
                    match d.severity {
                        Severity::Error => errors += 1,
                        Severity::Warning => warnings += 1,
                    }
                }
                if args.json {
                    json.extend(diagnostics.iter().map(|d| report::to_json(d, &sources)));
                } else {
                    report::write_human(&mut ctx.out, &diagnostics, &sources, color)?;
                }
            }
            Found::FileProblem(message) => {
                errors += 1;
                if args.json {
                    json.push(report::file_problem_json(&name, Severity::Error, &message));
                } else {
                    writeln!(ctx.out, "{name}: error: {}", one_line(&message))?;
                }
            }
        }
    }
    if args.json {
        let text = serde_json::to_string_pretty(&json)?;
        writeln!(ctx.out, "{text}")?;
    } else if !unreadable {
        // With an unreadable file the reasons alone are on stderr (exit 2).
        ctx.warn(summary(errors, warnings, checked));
    }
    Ok(if unreadable {
        Status::CouldNotRun
    } else if errors > 0 {
        Status::Failed
    } else {
        Status::Success
    })
}

/// `2 errors, 1 warning in 1 file`.
fn summary(errors: usize, warnings: usize, files: usize) -> String {
    let plural = |n: usize, what: &str| {
        if n == 1 {
            format!("1 {what}")
        } else {
            format!("{n} {what}s")
        }
    };
    format!(
        "{}, {} in {}",
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(files, "file")
    )
}
