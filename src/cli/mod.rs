//! The `efa` command line (SPEC section 4). One file per command; shared pieces:
//! [`output`] (stdout/stderr that survive closed pipes, colour detection) and
//! [`report`] (compile diagnostics, human and JSON).
//!
//! Exit codes: [`Status`]. A command returns `Ok(status)` for its own outcome (0 or 1,
//! with the meaning the command table gives them) or `Err(Failure)` when it could not
//! run; `main` prints the failure's one-line reason on stderr and exits with 2.

mod build;
mod check;
mod diff;
mod explain;
mod fmt;
mod import;
mod output;
mod render;
pub(crate) mod report;
mod schema;
mod serve;
mod validate;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use efa_forms::{LoadError, Loaded};
use output::Sink;

/// The `efa` command.
#[derive(Debug, Parser)]
#[command(
    name = "efa",
    version,
    about = "Compile, check and run German public-sector online forms (EfA).",
    long_about = None,
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// `efa check`: compile forms and print all diagnostics.
    #[command(
        about = "Compile forms and print all diagnostics as FILE:LINE:COL: error[CODE]: message"
    )]
    Check(check::Args),
    /// Compile a form to the portable .form.json artifact.
    Build(build::Args),
    /// Print the JSON Schema (draft 2020-12) of a form's submission data.
    Schema(schema::Args),
    /// Validate a submission and print the result as JSON.
    Validate(validate::Args),
    /// Print one page of a form as a complete HTML document (with --data: filled in, with its errors).
    Render(render::Args),
    /// Explain a diagnostic code such as E0008 (without CODE: list all codes).
    Explain(explain::Args),
    /// Compare two versions of a form: every change, breaking or compatible (exit 1 if breaking).
    Diff(diff::Args),
    /// Format .form and .adapt.form sources in the canonical layout (--check: only report).
    Fmt(fmt::Args),
    /// Turn a FIM XDatenfelder document (2.0 or 3.0) into a formatted .form source.
    Import(import::Args),
    /// Serve every form under DIR for preview and submission (catalog, wizard, JSON API).
    Serve(serve::Args),
}

/// How a command ended (its exit code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// 0: clean, built, valid.
    Success = 0,
    /// 1: errors found, does not compile, invalid.
    Failed = 1,
    /// 2: the command could not run.
    CouldNotRun = 2,
}

/// Why a command could not run: a one-line reason, exit code 2.
#[derive(Debug)]
pub(crate) struct Failure(pub String);

impl<E: std::error::Error> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

/// The day `today()` returns: the `--today` given as `YYYY-MM-DD`, else today's local date.
pub(crate) fn today(given: Option<&str>) -> Result<chrono::NaiveDate, Failure> {
    match given {
        Some(s) => efa_forms::core::value::parse_date(s).ok_or_else(|| {
            Failure(format!(
                "invalid --today `{s}`: expected a calendar date as YYYY-MM-DD"
            ))
        }),
        None => Ok(chrono::Local::now().date_naive()),
    }
}

/// What every command gets: the two output streams.
pub(crate) struct Ctx {
    /// Standard output (buffered; survives a closed pipe).
    pub out: Sink,
    /// Standard error.
    pub err: Sink,
}

impl Ctx {
    /// Writes a one-line message to stderr, ignoring failures (there is nowhere else).
    pub fn warn(&mut self, line: impl std::fmt::Display) {
        let _ = self.out.flush();
        let _ = writeln!(self.err, "{line}");
    }
}

/// clap's several-line usage error (message, indented details, tips, usage, a pointer to
/// `--help`) as one line without the `error:` prefix: `the following required arguments
/// were not provided: <DATA.json> (see 'efa validate --help')`. `command` names the
/// command where clap's usage line does not.
fn usage_error_line(rendered: &str, command: &str) -> String {
    let mut message = String::new();
    let mut tips = Vec::new();
    let mut command = command.to_owned();
    for line in rendered.lines().map(str::trim) {
        if let Some(usage) = line.strip_prefix("Usage:") {
            // `Usage: efa check --json <FILE>...`: the words naming the command.
            let words: Vec<&str> = usage
                .split_whitespace()
                .take_while(|w| !w.starts_with(['<', '[', '-']))
                .collect();
            if !words.is_empty() {
                command = words.join(" ");
            }
            break;
        }
        if line.is_empty() || line.starts_with("For more information") {
            continue;
        }
        if let Some(tip) = line.strip_prefix("tip:") {
            tips.push(tip.trim().to_owned());
            continue;
        }
        let line = line.strip_prefix("error:").map_or(line, str::trim);
        if !message.is_empty() {
            message.push(' ');
        }
        message.push_str(line);
    }
    if message.is_empty() {
        message = "the arguments are not valid".to_owned();
    }
    for tip in tips {
        message.push_str("; ");
        message.push_str(&tip);
    }
    format!("{message} (see '{command} --help')")
}

/// Parses the arguments, runs the command and returns its exit code.
pub fn main() -> ExitCode {
    // Compiling hostile input recurses; give it more room than the main thread has.
    let code = std::thread::Builder::new()
        .name("efa".into())
        .stack_size(64 * 1024 * 1024)
        .spawn(run)
        .map_or_else(|_| run(), |h| h.join().unwrap_or(101));
    ExitCode::from(code)
}

fn run() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // Help and version go to stdout with 0.
            let _ = e.print();
            return Status::Success as u8;
        }
        Err(e) => {
            // Bad arguments: one line on stderr and 2 (SPEC section 4).
            // The command the arguments were for, where clap's message does not say.
            let command = std::env::args()
                .nth(1)
                .filter(|name| {
                    <Cli as clap::CommandFactory>::command()
                        .find_subcommand(name)
                        .is_some()
                })
                .map_or_else(|| "efa".to_owned(), |name| format!("efa {name}"));
            let line =
                if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                    // `efa` alone: clap would print the whole help.
                    usage_error_line("error: a command is required", &command)
                } else {
                    usage_error_line(&e.render().to_string(), &command)
                };
            let prefix = if output::color_for_stderr() {
                "\x1b[1;31merror:\x1b[0m"
            } else {
                "error:"
            };
            let _ = writeln!(std::io::stderr(), "{prefix} {line}");
            return Status::CouldNotRun as u8;
        }
    };
    let mut ctx = Ctx {
        out: Sink::stdout(),
        err: Sink::stderr(),
    };
    let result = match cli.command {
        Command::Check(args) => check::run(&mut ctx, args),
        Command::Build(args) => build::run(&mut ctx, args),
        Command::Schema(args) => schema::run(&mut ctx, args),
        Command::Validate(args) => validate::run(&mut ctx, args),
        Command::Render(args) => render::run(&mut ctx, args),
        Command::Explain(args) => explain::run(&mut ctx, args),
        Command::Diff(args) => diff::run(&mut ctx, args),
        Command::Fmt(args) => fmt::run(&mut ctx, args),
        Command::Serve(args) => serve::run(&mut ctx, args),
        Command::Import(args) => import::run(&mut ctx, args),
    };
    let mut status = match result {
        Ok(status) => status,
        Err(Failure(reason)) => {
            ctx.warn(format_args!("error: {}", one_line(&reason)));
            Status::CouldNotRun
        }
    };
    let _ = ctx.out.flush();
    if let Some(e) = ctx.out.take_error() {
        let _ = writeln!(ctx.err, "error: cannot write to standard output: {e}");
        status = Status::CouldNotRun;
    }
    status as u8
}

/// Collapses a message to one line.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Loads the form a command works on. When the form itself is broken (compile errors,
/// a bad artifact), `broken` decides: `None` makes it a [`Failure`] (exit 2) with a
/// one-line reason; `Some(status)` prints the full diagnostics on stderr and ends the
/// command with that status. An unreadable file is always a [`Failure`].
pub(crate) fn load(
    ctx: &mut Ctx,
    path: &Path,
    broken: Option<Status>,
) -> Result<Result<Loaded, Status>, Failure> {
    let error = match efa_forms::load_form(path) {
        Ok(loaded) => return Ok(Ok(loaded)),
        Err(e) => e,
    };
    match (error, broken) {
        (LoadError::Read(e), _) => Err(e.into()),
        (
            LoadError::Compile {
                name,
                diagnostics,
                sources,
            },
            None,
        ) => {
            let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
            let first = errors
                .first()
                .map(|d| format!(": {}", report::header_plain(d, &sources)))
                .unwrap_or_default();
            let more = match errors.len() {
                0 | 1 => String::new(),
                2 => " (and 1 more error)".to_owned(),
                n => format!(" (and {} more errors)", n - 1),
            };
            Err(Failure(format!("{name} does not compile{first}{more}")))
        }
        (
            LoadError::Compile {
                diagnostics,
                sources,
                ..
            },
            Some(status),
        ) => {
            let _ = ctx.out.flush();
            let color = output::color_for_stderr();
            report::write_human(&mut ctx.err, &diagnostics, &sources, color)?;
            Ok(Err(status))
        }
        (e, None) => Err(e.into()),
        (e, Some(status)) => {
            ctx.warn(format_args!("error: {}", one_line(&e.to_string())));
            Ok(Err(status))
        }
    }
}
