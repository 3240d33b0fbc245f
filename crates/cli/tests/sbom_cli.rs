//! `relkit sbom` as a user runs it: generate, validate, diff; output, files, exit codes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

#[path = "../../sbom/tests/common/mod.rs"]
mod sbom_common;

use sbom_common::{EXAMPLES, python_verdicts};

fn relkit(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relkit"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap()
}

fn ok(args: &[&str], dir: &Path) -> Vec<u8> {
    let out = relkit(args, dir);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn fails(args: &[&str], dir: &Path, code: i32, needle: &str) -> Output {
    let out = relkit(args, dir);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(code), "{args:?}: {all}");
    assert!(all.contains(needle), "{args:?}: {all:?} lacks {needle:?}");
    assert!(!all.contains("panicked"), "{all}");
    out
}

/// Valid in Rust (`relkit sbom validate`) and in Python's `jsonschema`.
fn valid_twice(file: &Path) {
    let out = ok(
        &["sbom", "validate", file.to_str().unwrap()],
        Path::new("."),
    );
    assert!(String::from_utf8_lossy(&out).contains(": valid CycloneDX 1."));
    if let Some(verdicts) = python_verdicts(&[file.to_path_buf()]) {
        for (name, valid, output) in verdicts {
            assert!(valid, "python jsonschema rejects {name}: {output}");
        }
    }
}

const LOCK: &str = r#"version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["itoa"]

[[package]]
name = "itoa"
version = "1.0.15"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "4a5f13b858c8d314ee3e8f639011f7ccefe71f97f96e50151fb991f267928e2c"
"#;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A workspace of two path-only members (cargo metadata works offline).
fn workspace() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path();
    write(
        &ws.join("Cargo.toml"),
        "[workspace]\nmembers = [\"a\", \"b\"]\nresolver = \"2\"\n",
    );
    write(
        &ws.join("a/Cargo.toml"),
        "[package]\nname = \"a\"\nversion = \"1.0.0\"\nedition = \"2021\"\nlicense = \"MIT\"\n[dependencies]\nb = { path = \"../b\" }\n",
    );
    write(&ws.join("a/src/lib.rs"), "");
    write(
        &ws.join("b/Cargo.toml"),
        "[package]\nname = \"b\"\nversion = \"2.0.0\"\nedition = \"2021\"\nlicense = \"Apache-2.0\"\n",
    );
    write(&ws.join("b/src/lib.rs"), "");
    t
}

#[test]
fn lockfile_only_to_stdout_and_to_a_file_reproducibly() {
    let t = tempfile::tempdir().unwrap();
    write(&t.path().join("Cargo.lock"), LOCK);
    let stdout = ok(&["sbom", "--lockfile-only"], t.path());
    let v: Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(v["specVersion"], "1.6");
    assert_eq!(v["components"][0]["purl"], "pkg:cargo/itoa@1.0.15");
    assert_eq!(v["metadata"]["timestamp"], "2023-11-14T22:13:20Z");
    ok(
        &[
            "sbom",
            "--lockfile-only",
            "--spec-version",
            "1.5",
            "-o",
            "out.cdx.json",
        ],
        t.path(),
    );
    let first = std::fs::read(t.path().join("out.cdx.json")).unwrap();
    ok(
        &[
            "sbom",
            "--lockfile-only",
            "--spec-version",
            "1.5",
            "-o",
            "out.cdx.json",
        ],
        t.path(),
    );
    assert_eq!(std::fs::read(t.path().join("out.cdx.json")).unwrap(), first);
    let v: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(v["specVersion"], "1.5");
    valid_twice(&t.path().join("out.cdx.json"));
    std::fs::write(t.path().join("stdout.cdx.json"), &stdout).unwrap();
    valid_twice(&t.path().join("stdout.cdx.json"));
}

#[test]
fn cargo_metadata_per_member() {
    let t = workspace();
    ok(
        &["sbom", "--offline", "--per-member", "--output", "boms"],
        t.path(),
    );
    for (m, deps) in [("a", 1), ("b", 0)] {
        let file = t.path().join(format!("boms/{m}.cdx.json"));
        let v: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        assert_eq!(v["metadata"]["component"]["name"], m);
        assert_eq!(v["components"].as_array().unwrap().len(), deps);
        valid_twice(&file);
    }
    let whole = t.path().join("whole.cdx.json");
    ok(
        &[
            "sbom",
            "--manifest-path",
            t.path().join("Cargo.toml").to_str().unwrap(),
            "--offline",
            "--target",
            "x86_64-unknown-linux-gnu",
            "--include-dev",
            "--include-build",
            "-o",
            whole.to_str().unwrap(),
        ],
        Path::new("."),
    );
    valid_twice(&whole);
}

#[test]
fn usage_and_input_errors() {
    let t = tempfile::tempdir().unwrap();
    fails(&["sbom", "--per-member"], t.path(), 2, "--output");
    fails(&["sbom", "--spec-version", "1.4"], t.path(), 2, "1.4");
    fails(
        &["sbom", "--lockfile-only", "--include-dev"],
        t.path(),
        2,
        "cannot be used with",
    );
    fails(&["sbom", "--lockfile-only"], t.path(), 2, "Cargo.lock");
    fails(&["sbom", "--offline"], t.path(), 2, "cargo metadata");
}

#[test]
fn validate_prints_every_violation_with_its_path() {
    let dir = PathBuf::from(EXAMPLES).join("1.6");
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let out = relkit(
            &["sbom", "validate", path.to_str().unwrap()],
            Path::new("."),
        );
        if name.starts_with("valid-") {
            assert_eq!(out.status.code(), Some(0), "{name}");
        } else {
            assert_ne!(out.status.code(), Some(0), "{name}");
        }
    }
    let bad = dir.join("invalid-metadata-timestamp-1.6.json");
    let out = fails(
        &["sbom", "validate", bad.to_str().unwrap()],
        Path::new("."),
        1,
        "not valid CycloneDX 1.6",
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(": /metadata/timestamp: "));
    let t = tempfile::tempdir().unwrap();
    write(&t.path().join("x.json"), "not json");
    fails(
        &["sbom", "validate", "x.json"],
        t.path(),
        2,
        "x.json: not a CycloneDX JSON BOM",
    );
    fails(
        &["sbom", "validate", "missing.json"],
        t.path(),
        2,
        "missing.json",
    );
}

#[test]
fn diff_as_text_and_json() {
    let t = tempfile::tempdir().unwrap();
    write(&t.path().join("Cargo.lock"), LOCK);
    let old = ok(&["sbom", "--lockfile-only"], t.path());
    write(
        &t.path().join("Cargo.lock"),
        &LOCK.replace("1.0.15", "1.0.16"),
    );
    let new = ok(&["sbom", "--lockfile-only"], t.path());
    std::fs::write(t.path().join("old.json"), old).unwrap();
    std::fs::write(t.path().join("new.json"), new).unwrap();
    let text = String::from_utf8(ok(&["sbom", "diff", "old.json", "new.json"], t.path())).unwrap();
    assert_eq!(
        text,
        "upgraded    itoa 1.0.15 -> 1.0.16\n0 added, 0 removed, 1 upgraded, 0 downgraded, 0 license changes\n"
    );
    let j: Value = serde_json::from_slice(&ok(
        &["sbom", "diff", "old.json", "new.json", "--json"],
        t.path(),
    ))
    .unwrap();
    assert_eq!(j["upgraded"][0]["old"], "1.0.15");
    assert_eq!(j["added"], Value::Array(vec![]));
    fails(
        &["sbom", "diff", "old.json", "nope.json"],
        t.path(),
        2,
        "nope.json",
    );
}
