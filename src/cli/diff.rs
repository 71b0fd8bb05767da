//! `efa diff OLD NEW [--json]`: the compatibility report of two versions of a form
//! (SPEC section 6). Either side may be a `.form` source, an `.adapt.form` adaptation or
//! a compiled `.form.json` artifact.
//!
//! Human output, on stdout: for two adaptations built on different base versions first
//! `base TH personenstandsurkunde 1.2.0 -> 1.3.0`, then one aligned line per change
//!
//! ```text
//! breaking    field_removed    field vorname: removed
//! compatible  text_changed     field email: label "E-Mail" -> "E-Mail-Adresse"
//! ```
//!
//! and a summary `2 changes (1 breaking); version 1.2.0 -> 1.3.0`. A breaking change
//! without a new major version adds `: a breaking change needs a new major version
//! (2.0.0)` to the summary and an `error:` line on stderr. `--json` prints the report
//! (`efa_core::diff::Report`) instead.
//!
//! Exit 0 when no change is breaking, 1 when one is, 2 when a side cannot be loaded.

use std::io::Write;
use std::path::PathBuf;

use efa_forms::core::diff::{self, Report};

use super::{load, Ctx, Failure, Status};

/// Arguments of `efa diff`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The old version: a .form source, an .adapt.form adaptation or a .form.json artifact.
    #[arg(value_name = "OLD")]
    old: PathBuf,
    /// The new version.
    #[arg(value_name = "NEW")]
    new: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(ctx: &mut Ctx, args: Args) -> Result<Status, Failure> {
    let old = match load(ctx, &args.old, None)? {
        Ok(l) => l,
        Err(status) => return Ok(status),
    };
    let new = match load(ctx, &args.new, None)? {
        Ok(l) => l,
        Err(status) => return Ok(status),
    };
    let report = diff::diff(old.model(), new.model());
    if args.json {
        let text = serde_json::to_string_pretty(&report)?;
        writeln!(ctx.out, "{text}")?;
    } else {
        write_human(&mut ctx.out, &report)?;
    }
    if !report.version_ok {
        ctx.warn(format_args!("error: {}", version_error(&report)));
    }
    Ok(if report.breaking {
        Status::Failed
    } else {
        Status::Success
    })
}

/// `version 1.2.0 -> 1.3.0: a breaking change needs a new major version (2.0.0)`.
fn version_error(report: &Report) -> String {
    let needed = report
        .needed_version()
        .map(|v| format!(" ({v})"))
        .unwrap_or_default();
    format!(
        "version {} -> {}: a breaking change needs a new major version{needed}",
        report.old_version, report.new_version
    )
}

fn write_human(w: &mut dyn Write, report: &Report) -> std::io::Result<()> {
    if let Some(b) = &report.base {
        writeln!(
            w,
            "base {} {} {} -> {}",
            b.publisher, b.id, b.old_version, b.new_version
        )?;
    }
    let width = report
        .changes
        .iter()
        .map(|c| c.kind.len())
        .max()
        .unwrap_or(0);
    for c in &report.changes {
        writeln!(
            w,
            "{:<10}  {:<width$}  {}",
            c.class.as_str(),
            c.kind,
            super::one_line(&c.message)
        )?;
    }
    let n = report.changes.len();
    let counts = match n {
        0 => "no changes".to_owned(),
        1 => format!("1 change ({} breaking)", report.breaking_count()),
        n => format!("{n} changes ({} breaking)", report.breaking_count()),
    };
    if report.version_ok {
        writeln!(
            w,
            "{counts}; version {} -> {}",
            report.old_version, report.new_version
        )
    } else {
        writeln!(w, "{counts}; {}", version_error(report))
    }
}
