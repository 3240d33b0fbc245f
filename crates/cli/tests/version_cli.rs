//! `relkit version` as a user runs it: output, JSON, exit codes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::{Command, Output};

use relkit_testkit::GitRepo;
use serde_json::Value;

fn relkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relkit"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = relkit(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(args: &[&str], code: i32, needle: &str) {
    let out = relkit(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    assert!(
        stderr.contains(needle),
        "{args:?}: {stderr:?} lacks {needle:?}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

fn repo() -> GitRepo {
    let g = GitRepo::new();
    g.commit("feat: a");
    g.tag("v1.2.3");
    g.commit("fix: b");
    g.commit("Merge branch 'x'");
    g.commit("feat(cli): c");
    g
}

#[test]
fn next_prints_the_version_alone_on_the_last_line() {
    let g = repo();
    let dir = g.path().to_str().unwrap();
    assert_eq!(ok(&["version", "next", "--repo", dir]), "1.3.0\n");
    assert_eq!(ok(&["version", "current", "--repo", dir]), "1.2.3\n");
    assert_eq!(
        ok(&["version", "next", "--repo", dir, "--pre", "rc"]),
        "1.3.0-rc.1\n"
    );
}

#[test]
fn next_json() {
    let g = repo();
    let out = ok(&[
        "version",
        "next",
        "--repo",
        g.path().to_str().unwrap(),
        "--json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["current"], "1.2.3");
    assert_eq!(v["next"], "1.3.0");
    assert_eq!(v["bump"], "minor");
    assert_eq!(v["tag"], "v1.3.0");
    assert_eq!(v["commits"], 3);
    assert_eq!(v["other"], 1);
    assert_eq!(v["release"], true);
}

#[test]
fn custom_tag_pattern() {
    let g = GitRepo::new();
    g.commit("feat: a");
    g.tag("release/1.0.0");
    g.commit("feat!: b");
    let dir = g.path().to_str().unwrap();
    let out = ok(&[
        "version",
        "next",
        "--repo",
        dir,
        "--tag-pattern",
        "release/{version}",
        "--json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["next"].as_str(), v["tag"].as_str()),
        (Some("2.0.0"), Some("release/2.0.0"))
    );
}

#[test]
fn all_packages_json_has_one_object_per_package() {
    let g = GitRepo::new();
    g.write("Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\n");
    g.write(
        "a/Cargo.toml",
        "[package]\nname = \"a\"\nversion = \"0.1.0\"\n",
    );
    g.write(
        "b/Cargo.toml",
        "[package]\nname = \"b\"\nversion = \"2.0.0\"\n",
    );
    g.commit_file("x", "", "chore: init");
    g.tag("a-v0.1.0");
    g.tag("b-v2.0.0");
    g.commit_file("b/src/lib.rs", "", "feat(b): new");
    let dir = g.path().to_str().unwrap();
    let v: Value = serde_json::from_str(&ok(&[
        "version",
        "next",
        "--repo",
        dir,
        "--all-packages",
        "--json",
    ]))
    .unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(
        (
            list[0]["package"].as_str(),
            list[0]["next"].as_str(),
            list[0]["bump"].as_str()
        ),
        (Some("a"), Some("0.1.0"), Some("none"))
    );
    assert_eq!(
        (
            list[1]["package"].as_str(),
            list[1]["next"].as_str(),
            list[1]["tag"].as_str()
        ),
        (Some("b"), Some("2.1.0"), Some("b-v2.1.0"))
    );
    assert_eq!(
        ok(&["version", "next", "--repo", dir, "--package", "b"]),
        "2.1.0\n"
    );
    assert_eq!(
        ok(&["version", "current", "--repo", dir, "--package", "a"]),
        "0.1.0\n"
    );
    fails(
        &["version", "next", "--repo", dir, "--package", "c"],
        2,
        "package \"c\" is not in the workspace",
    );
}

#[test]
fn bad_input_exits_2_with_a_message_naming_it() {
    fails(
        &["version", "next", "--repo", "/nonexistent/x"],
        2,
        "/nonexistent/x: no such directory",
    );
    let empty = GitRepo::new();
    fails(
        &["version", "next", "--repo", empty.path().to_str().unwrap()],
        2,
        "no commits yet",
    );
    let g = repo();
    let dir = g.path().to_str().unwrap();
    fails(
        &["version", "next", "--repo", dir, "--tag-pattern", "v{ver}"],
        2,
        "unknown placeholder {ver}",
    );
    fails(
        &["version", "next", "--repo", dir, "--pre", "r c"],
        2,
        "channel \"r c\" is invalid",
    );
    fails(&["version", "nxt"], 2, "unrecognized subcommand");
    let plain = tempfile::tempdir().unwrap();
    fails(
        &["version", "next", "--repo", plain.path().to_str().unwrap()],
        2,
        "not a git repository",
    );
}

#[test]
fn release_as_error_names_the_commit() {
    let g = repo();
    g.commit("chore: pin\n\nRelease-As: 1.0.0");
    fails(
        &["version", "next", "--repo", g.path().to_str().unwrap()],
        2,
        "Release-As 1.0.0 is not greater than the current release 1.2.3",
    );
}

#[test]
fn relkit_toml_sets_the_policy_and_scheme() {
    let g = GitRepo::new();
    g.commit("feat: a");
    g.tag("2026.10.4");
    g.commit("deps: bump serde");
    g.write(
        "relkit.toml",
        "[version]\ntag-pattern = \"{version}\"\nscheme = \"calver\"\ncalver = \"YYYY.MM.PATCH\"\n\n[version.types]\ndeps = \"patch\"\n",
    );
    let dir = g.path().to_str().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_relkit"))
        .args(["version", "next", "--repo", dir])
        .env("SOURCE_DATE_EPOCH", "1795910400") // 2026-11-28
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "2026.11.0\n");

    g.write("relkit.toml", "[version]\ntag-patern = \"{version}\"\n");
    fails(&["version", "next", "--repo", dir], 2, "relkit.toml");
    fails(&["version", "next", "--repo", dir], 2, "tag-patern");
    let other = g.path().join("other.toml");
    std::fs::write(&other, "[version.types]\ndeps = \"major\"\n").unwrap();
    fails(
        &[
            "version",
            "next",
            "--repo",
            dir,
            "--config",
            "/nonexistent.toml",
        ],
        2,
        "/nonexistent.toml",
    );
    let out = ok(&[
        "version",
        "next",
        "--repo",
        dir,
        "--config",
        other.to_str().unwrap(),
        "--tag-pattern",
        "{version}",
    ]);
    assert_eq!(out, "2027.0.0\n");
}
