//! The `efa` command: compile, check, build and run forms (SPEC section 4).
//! See `efa --help`; the commands live in `src/cli/`, one file each.

mod cli;
mod serve;

fn main() -> std::process::ExitCode {
    cli::main()
}
