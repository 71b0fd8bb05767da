//! Diagnostics as data: one small form per diagnostic code in `tests/diagnostics/`.
//!
//! - `err_*.form` starts with `// expect: CODE[, CODE...]`. `efa check` must report every
//!   expected code, exit 1 (0 when only warnings are expected), and its plain output is
//!   snapshotted in `tests/diagnostics/snapshots/`, so a change of wording or position is
//!   seen in review.
//! - `ok_*.form` must compile without any diagnostic.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `efa check FILE` inside `tests/diagnostics`, so file names in the output are
/// short and the snapshots do not depend on where the repository lives.
fn check(path: &Path) -> Output {
    let dir = path.parent().expect("a directory");
    let name = path.file_name().expect("a file name");
    Command::new(env!("CARGO_BIN_EXE_efa"))
        .arg("check")
        .arg(name)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("run efa")
}

/// The codes listed in the first line: `// expect: E0008, E0002`.
fn expected_codes(source: &str, path: &Path) -> Vec<String> {
    let first = source.lines().next().unwrap_or("");
    let list = first
        .strip_prefix("// expect:")
        .unwrap_or_else(|| panic!("{}: first line must be `// expect: CODE`", path.display()));
    let codes: Vec<String> = list
        .split(',')
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    assert!(!codes.is_empty(), "{}: no expected code", path.display());
    codes
}

#[test]
fn err_files_report_their_code() {
    insta::with_settings!({
        snapshot_path => "diagnostics/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::glob!("diagnostics/err_*.form", |path| {
            let source = std::fs::read_to_string(path).expect("read the test form");
            let codes = expected_codes(&source, path);
            let output = check(path);
            let stdout = String::from_utf8(output.stdout).expect("UTF-8");
            let stderr = String::from_utf8(output.stderr).expect("UTF-8");
            let only_warnings = codes.iter().all(|c| c.starts_with('W'));
            let expected_exit = if only_warnings { 0 } else { 1 };
            assert_eq!(
                output.status.code(),
                Some(expected_exit),
                "{}:\n{stdout}\n{stderr}",
                path.display()
            );
            for code in &codes {
                let severity = if code.starts_with('W') { "warning" } else { "error" };
                assert!(
                    stdout.contains(&format!("{severity}[{code}]: ")),
                    "{}: expected {severity}[{code}] in:\n{stdout}",
                    path.display()
                );
            }
            assert!(!stdout.contains('\u{1b}'), "no colour when piped");
            insta::assert_snapshot!(stdout);
        });
    });
}

#[test]
fn ok_files_compile_cleanly() {
    insta::glob!("diagnostics/ok_*.form", |path| {
        let output = check(path);
        let stdout = String::from_utf8(output.stdout).expect("UTF-8");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}:\n{stdout}",
            path.display()
        );
        assert_eq!(stdout, "", "{}: no diagnostics expected", path.display());
    });
}
