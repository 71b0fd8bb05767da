//! `efa serve DIR [--port P] [--db FILE] [--token T]`: serve every form under DIR for
//! preview and submission (SPEC section 7; the server is `src/serve/`).
//!
//! Defaults: 127.0.0.1 port 8080 (`--port 0` picks a free port), the database
//! `efa.sqlite3` in the working directory, the back-office token from `--token` or the
//! environment variable `EFA_TOKEN` (without one the back-office API answers 401). One
//! line on stderr says where it listens: `efa serve: 3 forms at http://127.0.0.1:8080/
//! (db efa.sqlite3)`. It runs until SIGTERM or Ctrl-C and then exits 0; it exits 2 when
//! it cannot start (DIR is no directory, the port is taken, the database cannot be opened).

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::{Ctx, Failure, Status};
use crate::serve::{self, Config};

/// Arguments of `efa serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The directory whose forms (.form, .adapt.form, .form.json, searched recursively)
    /// are served.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// The port to listen on (0: any free port, printed at start).
    #[arg(long, value_name = "P", default_value_t = 8080)]
    port: u16,
    /// The address to listen on (0.0.0.0 for every interface).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    host: IpAddr,
    /// The SQLite database of submissions and drafts (created if missing).
    #[arg(long, value_name = "FILE", default_value = "efa.sqlite3")]
    db: PathBuf,
    /// The bearer token of the back-office API (default: $EFA_TOKEN).
    #[arg(long, value_name = "T")]
    token: Option<String>,
    /// The largest JSON or form body in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024)]
    max_body: usize,
    /// The largest page post with file uploads in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024 * 1024)]
    max_upload: usize,
    /// A theme directory whose templates and efa.css replace the built-in ones.
    #[arg(long, value_name = "DIR")]
    theme: Option<PathBuf>,
    /// Mark the session cookie Secure (when served through an HTTPS proxy).
    #[arg(long)]
    secure_cookie: bool,
    /// The built browser runtime (default: `wasm/pkg` of the working directory, else of
    /// the checkout efa was built from, when `wasm/build.sh` has built it).
    #[arg(long, value_name = "DIR")]
    runtime: Option<PathBuf>,
    /// Pretend that today is this day (`YYYY-MM-DD`), for previews and reproducible tests
    /// of forms with date limits such as `min today()` (default: each day's local date).
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<String>,
}

pub(crate) fn run(_ctx: &mut Ctx, args: Args) -> Result<Status, Failure> {
    // Without --today each request takes its own day, so none is fixed here.
    let today = args
        .today
        .as_deref()
        .map(|day| super::today(Some(day)))
        .transpose()?;
    let config = Config {
        dir: args.dir,
        host: args.host,
        port: args.port,
        db: args.db,
        token: args.token.or_else(|| std::env::var("EFA_TOKEN").ok()),
        max_body: args.max_body,
        max_upload: args.max_upload.max(args.max_body),
        theme: args.theme,
        secure_cookie: args.secure_cookie,
        poll: Duration::from_secs(1),
        runtime: runtime_dir(args.runtime),
        today,
    };
    serve::run(config).map_err(Failure)?;
    Ok(Status::Success)
}

/// Where the built browser runtime is: the given directory, or `wasm/pkg` below the
/// working directory or below the checkout this binary was built from (so that `efa serve`
/// finds it from anywhere after `wasm/build.sh`). Pages link the runtime only when it was
/// built; without it they work as they are, without JavaScript.
fn runtime_dir(given: Option<PathBuf>) -> Option<PathBuf> {
    let built = |dir: &PathBuf| dir.join("efa-enhance.js").is_file();
    match given {
        Some(dir) if built(&dir) => Some(dir),
        Some(dir) => {
            eprintln!(
                "warning: no built runtime in {} (run wasm/build.sh); pages are served without it",
                dir.display()
            );
            None
        }
        None => [
            PathBuf::from("wasm/pkg"),
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("wasm/pkg"),
        ]
        .into_iter()
        .find(built),
    }
}
