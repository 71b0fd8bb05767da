//! `efa validate FORM DATA.json [--lang L] [--today YYYY-MM-DD]`: validate a submission
//! and print the result of SPEC section 3 (pretty JSON, keys `valid`, `errors`, `fees`,
//! `data`). Exit 0 valid, 1 invalid, 2 when the form does not load or the data is not
//! JSON. `DATA` may be `-` for standard input.

use std::io::Write;
use std::path::{Path, PathBuf};

use efa_forms::core::ValidateOptions;

use super::{load, Ctx, Failure, Status};

/// Arguments of `efa validate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The form: a .form source or a .form.json artifact.
    #[arg(value_name = "FORM")]
    form: PathBuf,
    /// The submission: a JSON file, or `-` for standard input.
    #[arg(value_name = "DATA.json")]
    data: PathBuf,
    /// Language of the messages (default: the form's first language).
    #[arg(long, value_name = "L")]
    lang: Option<String>,
    /// The date `today()` returns (default: today's local date).
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<String>,
}

pub(crate) fn run(ctx: &mut Ctx, args: Args) -> Result<Status, Failure> {
    let today = super::today(args.today.as_deref())?;
    let loaded = match load(ctx, &args.form, None)? {
        Ok(loaded) => loaded,
        Err(status) => return Ok(status),
    };
    let text = if args.data.as_os_str() == "-" {
        efa_forms::read_limited(std::io::stdin().lock(), Path::new("standard input"))?
    } else {
        efa_forms::read_text(&args.data)?
    };
    let data: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        let name = if args.data.as_os_str() == "-" {
            "standard input".to_owned()
        } else {
            args.data.display().to_string()
        };
        Failure(format!("{name} is not valid JSON: {e}"))
    })?;
    let options = ValidateOptions {
        lang: args.lang,
        today,
    };
    let result = loaded.form.validate_owned(data, &options);
    let text = serde_json::to_string_pretty(&result)?;
    writeln!(ctx.out, "{text}")?;
    Ok(if result.valid {
        Status::Success
    } else {
        Status::Failed
    })
}
