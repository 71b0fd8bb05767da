//! `efa check FILE... [--json]`: compile every file and report all diagnostics.
//!
//! Diagnostics are the command's output and go to stdout; the summary line
//! (`2 errors, 1 warning in 1 file`) goes to stderr. Exit 0 when no file has errors
//! (warnings allowed), 1 when any has, 2 when a file cannot be read (the others are
//! still checked).

use std::io::Write;
use std::path::PathBuf;

use efa_forms::core::ArtifactError;
use efa_forms::dsl::{Code, Diagnostic, Severity, SourceMap};
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
    /// A compiled artifact that does not load (malformed, unknown format, hash mismatch,
    /// inconsistent model): the message and the line and column it is about.
    FileProblem(String, (usize, usize)),
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
                let source = std::fs::read_to_string(path).unwrap_or_default();
                Found::FileProblem(message, artifact_position(&source, &e))
            }
            Err(e) => Found::FileProblem(e.to_string(), (1, 1)),
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
            Found::FileProblem(message, (line, column)) => {
                errors += 1;
                let code = Code::ArtifactInvalid;
                if args.json {
                    json.push(report::artifact_problem_json(
                        &name,
                        (line, column),
                        code,
                        &message,
                    ));
                } else {
                    writeln!(
                        ctx.out,
                        "{name}:{line}:{column}: error[{}]: {}",
                        code.as_str(),
                        one_line(&message)
                    )?;
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

/// Where in an artifact's text its problem is (1-based line and column): where the JSON
/// reader found it, else the entry the problem is about (`"hash"`, `"format"`, ...), else
/// the start of the file.
fn artifact_position(text: &str, e: &LoadError) -> (usize, usize) {
    let key = match e {
        LoadError::Artifact { source, .. } => match source {
            ArtifactError::Malformed { at: Some(at), .. } => return *at,
            ArtifactError::Malformed { at: None, .. } | ArtifactError::UnknownFormat { .. } => {
                "format"
            }
            ArtifactError::HashMismatch { .. } => "hash",
            ArtifactError::Inconsistent { field, .. } => field,
            _ => "model",
        },
        _ => "model",
    };
    let needle = format!("\"{key}\"");
    let Some(at) = text.find(&needle) else {
        return (1, 1);
    };
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..at].matches('\n').count() + 1;
    (line, text[line_start..at].chars().count() + 1)
}
