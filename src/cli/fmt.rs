//! `efa fmt [--check] FILE...`: the canonical layout of `.form` and `.adapt.form` sources
//! (the rules are in `efa_dsl::fmt`).
//!
//! Without `--check`, every file that is not formatted is rewritten in place (files that
//! are already formatted are not touched; permissions are kept). With `--check`, nothing is
//! written: each file that would change is reported as `FILE: not formatted` with a short
//! excerpt of the change, and the exit code is 1. `-` reads standard input and writes the
//! formatted text to standard output; a directory stands for every `.form` file beneath it.
//!
//! A file that does not parse gets its syntax diagnostic on stderr; an unreadable one a
//! one-line reason. Either makes the exit code 2 (after the other files are done).

use std::io::Write;
use std::path::{Path, PathBuf};

use efa_forms::dsl::{format_source, SourceMap};

use super::{one_line, output, report, Ctx, Failure, Status};

/// Arguments of `efa fmt`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Do not write; report the files that are not formatted and exit 1 if there are any.
    #[arg(long)]
    check: bool,
    /// .form and .adapt.form sources, or directories (every .form file beneath them);
    /// `-` for standard input (formatted to standard output).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// What happened to one file.
enum Outcome {
    Unchanged,
    Changed,
    Broken,
}

pub(crate) fn run(ctx: &mut Ctx, args: Args) -> Result<Status, Failure> {
    let (mut changed, mut broken) = (false, false);
    let mut files = Vec::new();
    for path in &args.files {
        if path.is_dir() {
            sources_in(path, &mut files)
                .map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))?;
        } else {
            files.push(path.clone());
        }
    }
    for path in &files {
        match one(ctx, path, args.check)? {
            Outcome::Unchanged => {}
            Outcome::Changed => changed = true,
            Outcome::Broken => broken = true,
        }
    }
    Ok(if broken {
        Status::CouldNotRun
    } else if changed && args.check {
        Status::Failed
    } else {
        Status::Success
    })
}

fn one(ctx: &mut Ctx, path: &Path, check: bool) -> Result<Outcome, Failure> {
    let stdin = path.as_os_str() == "-";
    let name = if stdin {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    };
    if efa_forms::is_artifact_path(path) {
        ctx.warn(format_args!(
            "error: {name}: efa fmt formats .form sources, not compiled artifacts"
        ));
        return Ok(Outcome::Broken);
    }
    let read = if stdin {
        efa_forms::read_limited(std::io::stdin().lock(), Path::new("<stdin>"))
    } else {
        efa_forms::read_text(path)
    };
    let text = match read {
        Ok(t) => t,
        Err(e) => {
            ctx.warn(format_args!("error: {}", one_line(&e.to_string())));
            return Ok(Outcome::Broken);
        }
    };
    let formatted = match format_source(&text) {
        Ok(f) => f,
        Err(diagnostics) => {
            let mut sources = SourceMap::new();
            sources.add(name, text);
            let _ = ctx.out.flush();
            let color = output::color_for_stderr();
            report::write_human(&mut ctx.err, &diagnostics, &sources, color)?;
            return Ok(Outcome::Broken);
        }
    };
    let same = formatted == text;
    if check {
        if !same {
            writeln!(ctx.out, "{name}: not formatted")?;
            ctx.out.write_all(excerpt(&text, &formatted).as_bytes())?;
        }
    } else if stdin {
        ctx.out.write_all(formatted.as_bytes())?;
    } else if !same {
        if let Err(e) = write_in_place(path, &formatted) {
            ctx.warn(format_args!("error: cannot write {name}: {e}"));
            return Ok(Outcome::Broken);
        }
    }
    Ok(if same {
        Outcome::Unchanged
    } else {
        Outcome::Changed
    })
}

/// Every `.form` source under a directory (adaptations included), in name order;
/// hidden directories and `target` are skipped.
fn sources_in(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" {
                sources_in(&path, out)?;
            }
        } else if name.ends_with(".form") {
            out.push(path);
        }
    }
    Ok(())
}

/// Replaces the file's content through a temporary file beside it, so that a crash
/// never leaves half a source; the file keeps its permissions (and a symlink stays one).
fn write_in_place(path: &Path, text: &str) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let perms = std::fs::metadata(&target)?.permissions();
    let dir = target.parent().unwrap_or(Path::new("."));
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.efa-fmt-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        drop(f);
        std::fs::set_permissions(&tmp, perms)?;
        std::fs::rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A short unified-diff-like excerpt of the first change: `@@ line N @@`, up to six
/// removed and six added lines.
fn excerpt(old: &str, new: &str) -> String {
    const MAX: usize = 6;
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let removed = &a[prefix..a.len() - suffix];
    let added = &b[prefix..b.len() - suffix];
    let mut out = format!("@@ line {} @@\n", prefix + 1);
    for (sign, lines) in [('-', removed), ('+', added)] {
        for l in lines.iter().take(MAX) {
            out.push(sign);
            out.push_str(l);
            out.push('\n');
        }
        if lines.len() > MAX {
            out.push_str(&format!("{sign}... ({} more lines)\n", lines.len() - MAX));
        }
    }
    if removed.is_empty() && added.is_empty() {
        // Only line endings or the final newline differ.
        out.push_str("(line endings or the final newline)\n");
    }
    out
}
