//! `efa schema FORM`: print the JSON Schema (draft 2020-12) of the form's submission
//! data, pretty-printed. A form that does not compile: diagnostics on stderr, exit 1.

use std::io::Write;
use std::path::PathBuf;

use efa_forms::core::schema::json_schema;

use super::{load, Ctx, Failure, Status};

/// Arguments of `efa schema`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The form: a .form source or a .form.json artifact.
    #[arg(value_name = "FORM")]
    form: PathBuf,
}

pub(crate) fn run(ctx: &mut Ctx, args: Args) -> Result<Status, Failure> {
    let loaded = match load(ctx, &args.form, Some(Status::Failed))? {
        Ok(loaded) => loaded,
        Err(status) => return Ok(status),
    };
    let schema = json_schema(loaded.model());
    let text = serde_json::to_string_pretty(&schema)?;
    writeln!(ctx.out, "{text}")?;
    Ok(Status::Success)
}
