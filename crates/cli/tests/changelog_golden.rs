//! Golden tests: each folder of `fixtures/changelog` holds `commit.sh` (run
//! by bash with the real git, after `preamble.sh`), `args` (the relkit
//! command line), optional input files, and `expected.md`: the output (or,
//! when `expected-file` names a file, that file after the run).
//! `RELKIT_BLESS=1 cargo test --test changelog_golden` rewrites the expected files.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::process::Command;

const SPECIAL: [&str; 4] = ["commit.sh", "args", "expected.md", "expected-file"];

fn run_case(dir: &Path) -> Result<(), String> {
    let tmp = tempfile::tempdir().unwrap();
    let root = dir.parent().unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}'; source '{}'",
            root.join("preamble.sh").display(),
            dir.join("commit.sh").display()
        ))
        .current_dir(tmp.path())
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(format!(
            "commit.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !SPECIAL.contains(&name.as_str()) {
            std::fs::copy(entry.path(), tmp.path().join(&name)).unwrap();
        }
    }
    let args = std::fs::read_to_string(dir.join("args")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_relkit"))
        .args(args.split_whitespace())
        .current_dir(tmp.path())
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1767830400") // 2026-01-08
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(format!(
            "relkit {args} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let actual = match std::fs::read_to_string(dir.join("expected-file")) {
        Ok(file) => std::fs::read_to_string(tmp.path().join(file.trim())).unwrap(),
        Err(_) => String::from_utf8(out.stdout).unwrap(),
    };
    let expected_path = dir.join("expected.md");
    if std::env::var_os("RELKIT_BLESS").is_some() {
        std::fs::write(&expected_path, &actual).unwrap();
        return Ok(());
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    if actual == expected {
        Ok(())
    } else {
        Err(format!(
            "output differs from {}:\n--- expected\n{expected}\n--- actual\n{actual}",
            expected_path.display()
        ))
    }
}

#[test]
fn changelog_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/changelog");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 8, "fixtures missing: {cases:?}");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            run_case(c)
                .err()
                .map(|e| format!("{}: {e}", c.file_name().unwrap().to_string_lossy()))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
