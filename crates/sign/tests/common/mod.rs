//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;
use std::process::Command;

/// A file of the shared conformance data, read where it is (never copied).
pub fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata"
    ))
    .join(rel)
}

pub fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length: {s}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Whether the peer program `name` can be run (probed with `probe_args`). When it
/// cannot: with `CI` set the test fails; otherwise it prints a note and the caller skips.
pub fn peer(name: &str, probe_args: &[&str]) -> bool {
    let ok = Command::new(name)
        .args(probe_args)
        .output()
        .map(|o| o.status.success() || !o.stdout.is_empty() || !o.stderr.is_empty())
        .unwrap_or(false);
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!(
                "peer program `{name}` is missing and CI is set: install it (see crates/sign/README.md)"
            );
        }
        eprintln!("note: `{name}` not found; skipping this interop test (set CI to make it fail)");
    }
    ok
}

/// Whether `python3 -c "import MODULE"` works (same CI rule as [`peer`]).
pub fn python_module(module: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!("python3 module `{module}` is missing and CI is set: pip install it");
        }
        eprintln!("note: python3 `{module}` not found; skipping (set CI to make it fail)");
    }
    ok
}

/// Run a command, asserting success; returns stdout.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
