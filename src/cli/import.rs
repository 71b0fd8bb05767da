//! `efa import FILE.xml [-o OUT.form] [--codelist FILE.xml ...] [--publisher CODE]`:
//! turn a FIM XDatenfelder document (2.0 or 3.0) into a formatted `.form` source
//! (SPEC section 9).
//!
//! Writes `OUT` (or stdout without `-o`, or with `-o -`). What could not be mapped is
//! kept as comments in the source and reported on stderr as
//! `warning: FILE:LINE: message`; the exit code stays 0. A malformed or unknown document
//! (or code list) is refused with `error: FILE:LINE:COL: ELEMENT: message` and exit 1.
//! An unreadable file or bad arguments: exit 2.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use efa_fim::{ImportError, Options};

use super::{Ctx, Failure, Status};

/// Arguments of `efa import`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The XDatenfelder document: a Stammdatenschema, Datenfeldgruppe or Datenfeld message.
    #[arg(value_name = "FILE.xml")]
    file: PathBuf,
    /// Where to write the form source (default: standard output).
    #[arg(short, long, value_name = "OUT.form")]
    output: Option<PathBuf>,
    /// A code list in genericode that gives the values of the selects naming it
    /// (repeatable).
    #[arg(long = "codelist", value_name = "FILE.xml")]
    codelists: Vec<PathBuf>,
    /// The owning state written as `publisher` (default: the placeholder "FIM").
    #[arg(long, value_name = "CODE")]
    publisher: Option<String>,
}

pub(crate) fn run(ctx: &mut Ctx, args: Args) -> Result<Status, Failure> {
    let mut options = Options {
        publisher: args.publisher.clone(),
        ..Options::default()
    };
    for path in &args.codelists {
        let bytes = read_bytes(path)?;
        match efa_fim::parse_codelist(&bytes) {
            Ok(list) => options.codelists.push(list),
            Err(e) => return Ok(refused(ctx, path, &e)),
        }
    }
    let bytes = read_bytes(&args.file)?;
    let imported = match efa_fim::import(&bytes, &options) {
        Ok(imported) => imported,
        Err(e) => return Ok(refused(ctx, &args.file, &e)),
    };
    for w in &imported.warnings {
        ctx.warn(format_args!(
            "warning: {}:{}: {}",
            args.file.display(),
            w.line,
            w.message
        ));
    }
    for (path, list) in args.codelists.iter().zip(&options.codelists) {
        if !imported.used_codelists.contains(&list.canonical_uri) {
            ctx.warn(format_args!(
                "warning: {}: no select of the document refers to the code list {}",
                path.display(),
                list.canonical_uri
            ));
        }
    }
    match &args.output {
        Some(out) if out.as_os_str() != "-" => std::fs::write(out, &imported.source)
            .map_err(|e| Failure(format!("cannot write {}: {e}", out.display())))?,
        _ => ctx.out.write_all(imported.source.as_bytes())?,
    }
    Ok(Status::Success)
}

fn refused(ctx: &mut Ctx, path: &Path, e: &ImportError) -> Status {
    ctx.warn(format_args!(
        "error: {}:{}",
        path.display(),
        super::one_line(&e.to_string())
    ));
    Status::Failed
}

/// Reads a file of at most [`efa_fim::MAX_INPUT_BYTES`]; larger or unreadable files
/// cannot be imported (exit 2).
fn read_bytes(path: &Path) -> Result<Vec<u8>, Failure> {
    let cannot = |e: std::io::Error| Failure(format!("cannot read {}: {e}", path.display()));
    let file = File::open(path).map_err(cannot)?;
    let limit = efa_fim::MAX_INPUT_BYTES as u64;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > limit {
        return Err(Failure(format!(
            "{} is too large: more than 16 MiB",
            path.display()
        )));
    }
    Ok(bytes)
}
