//! `relkit changelog` as a user runs it: notes, errors, atomic writes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use relkit_testkit::GitRepo;

fn relkit(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relkit"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn repo() -> GitRepo {
    let g = GitRepo::new();
    g.commit("feat: one");
    g.tag("v1.0.0");
    g.commit("fix: two");
    g
}

#[test]
fn notes_of_one_version() {
    let g = repo();
    g.tag("v1.0.1");
    let out = relkit(
        g.path(),
        &["changelog", "--all", "--output", "CHANGELOG.md"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = relkit(g.path(), &["changelog", "notes", "v1.0.1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let notes = String::from_utf8(out.stdout).unwrap();
    assert!(notes.starts_with("### Bug Fixes\n\n- two ("), "{notes}");
    let out = relkit(g.path(), &["changelog", "notes", "9.9.9"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("CHANGELOG.md") && err.contains("9.9.9") && err.contains("1.0.1, 1.0.0"),
        "{err}"
    );
    let out = relkit(
        g.path(),
        &["changelog", "notes", "1.0.0", "--file", "nope.md"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.md"));
}

#[test]
fn bad_arguments_are_named() {
    let g = repo();
    for (args, needle) in [
        (&["changelog", "--range", "v1.0.0"][..], "expected A..B"),
        (&["changelog", "--range", "nope..HEAD"][..], "\"nope\""),
        (
            &["changelog", "--all", "--unreleased"][..],
            "cannot be used with",
        ),
        (&["changelog", "--package", "x"][..], "Cargo.toml"),
        (&["changelog", "--template", "missing.j2"][..], "missing.j2"),
        (
            &["changelog", "--output", "no/such/dir/CHANGELOG.md"][..],
            "does not exist",
        ),
    ] {
        let out = relkit(g.path(), args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    std::fs::write(
        g.path().join("bad.j2"),
        "{% for r in releases %}{{ r.nope }}{% endfor %}",
    )
    .unwrap();
    let out = relkit(g.path(), &["changelog", "--template", "bad.j2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.j2"));
}

#[test]
fn range_between_two_tags() {
    let g = repo();
    g.tag("v1.0.1");
    g.commit("feat: three");
    let out = relkit(g.path(), &["changelog", "--range", "v1.0.0..v1.0.1"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("## [1.0.1] - "), "{text}");
    assert!(
        text.contains("- two (") && !text.contains("three"),
        "{text}"
    );
}

#[test]
fn prepend_is_atomic_when_killed() {
    let g = repo();
    let old = "# Changelog\n\nHand-written.\n\n## [1.0.0] - 2026-01-01\n\n- one\n";
    let path = g.path().join("CHANGELOG.md");
    std::fs::write(&path, old).unwrap();
    // The new content, from an undisturbed run on a copy.
    let copy = g.path().join("copy.md");
    std::fs::write(&copy, old).unwrap();
    let out = relkit(
        g.path(),
        &["changelog", "--unreleased", "--prepend", "copy.md"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let new = std::fs::read_to_string(&copy).unwrap();
    assert_ne!(new, old);
    let mut saw_old = 0;
    for i in 0..12u64 {
        std::fs::write(&path, old).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_relkit"))
            .args(["changelog", "--unreleased", "--prepend", "CHANGELOG.md"])
            .current_dir(g.path())
            .env("RELKIT_FAILPOINT_WRITE_DELAY_MS", "150")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill at different moments: before, during and after the write.
        std::thread::sleep(Duration::from_millis(i * 25));
        let _ = child.kill();
        let _ = child.wait();
        let now = std::fs::read_to_string(&path).unwrap();
        assert!(
            now == old || now == new,
            "after a kill at {} ms the file is a mix:\n{now}",
            i * 25
        );
        saw_old += usize::from(now == old);
    }
    assert!(saw_old > 0, "no kill landed before the rename");
}
