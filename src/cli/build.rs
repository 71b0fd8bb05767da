//! `efa build FILE [-o OUT.form.json]`: compile a form to the portable artifact.
//!
//! Writes `OUT` (or stdout without `-o`, or with `-o -`). A `.form.json` input is
//! checked and written again. Compile errors go to stderr with exit 1; warnings go to
//! stderr too and do not stop the build.

use std::io::Write;
use std::path::PathBuf;

use efa_forms::core::Artifact;

use super::{load, output, report, Ctx, Failure, Status};

/// Arguments of `efa build`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The form: a .form source or a .form.json artifact.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Where to write the artifact (default: standard output).
    #[arg(short, long, value_name = "OUT.form.json")]
    output: Option<PathBuf>,
}

pub(crate) fn run(ctx: &mut Ctx, args: Args) -> Result<Status, Failure> {
    let loaded = match load(ctx, &args.file, Some(Status::Failed))? {
        Ok(loaded) => loaded,
        Err(status) => return Ok(status),
    };
    if !loaded.warnings.is_empty() {
        let color = output::color_for_stderr();
        report::write_human(&mut ctx.err, &loaded.warnings, &loaded.sources, color)?;
    }
    let text = Artifact::new(loaded.model().clone()).to_json();
    match &args.output {
        Some(out) if out.as_os_str() != "-" => std::fs::write(out, text)
            .map_err(|e| Failure(format!("cannot write {}: {e}", out.display())))?,
        _ => ctx.out.write_all(text.as_bytes())?,
    }
    Ok(Status::Success)
}
