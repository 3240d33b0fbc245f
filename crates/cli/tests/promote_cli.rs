//! `relkit artifact …`, `relkit promote …` and `relkit rollback` as a user runs them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn relkit(args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relkit"))
        .args(args)
        .env_remove("RELKIT_NOW")
        .env("RELKIT_ACTOR", "tester")
        .envs(envs.iter().copied())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn ok(args: &[&str], envs: &[(&str, &str)]) -> String {
    let out = relkit(args, envs);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(args: &[&str], envs: &[(&str, &str)], code: i32, needles: &[&str]) -> String {
    let out = relkit(args, envs);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{args:?}: {n:?} not in {stderr}");
    }
    stderr
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.display().to_string()
}

#[test]
fn push_promote_status_history_rollback_verify() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store").display().to_string();
    let s = store.as_str();
    let app = write(dir.path(), "app.tar.gz", b"\x1f\x8bapp v1");
    let notes = write(dir.path(), "NOTES.md", b"# v1\n");
    let d1 = ok(
        &[
            "artifact", "push", &app, &notes, "--store", s, "--tag", "v1",
        ],
        &[],
    );
    let d1 = d1.trim().to_owned();
    assert!(d1.starts_with("sha256:") && d1.len() == 71, "{d1}");
    // Pull by tag and by digest, byte for byte.
    let out = dir.path().join("out").display().to_string();
    ok(
        &["artifact", "pull", "v1", "--store", s, "--out", &out],
        &[],
    );
    assert_eq!(
        std::fs::read(dir.path().join("out/app.tar.gz")).unwrap(),
        b"\x1f\x8bapp v1"
    );
    let out2 = dir.path().join("out2").display().to_string();
    ok(
        &["artifact", "pull", &d1, "--store", s, "--out", &out2],
        &[],
    );
    assert_eq!(
        std::fs::read(dir.path().join("out2/NOTES.md")).unwrap(),
        b"# v1\n"
    );
    // A tag never moves.
    let other = write(dir.path(), "app.tar.gz", b"\x1f\x8bapp v2");
    fails(
        &["artifact", "push", &other, "--store", s, "--tag", "v1"],
        &[],
        2,
        &["tags never move"],
    );
    let d2 = ok(
        &["artifact", "push", &other, "--store", s, "--tag", "v2"],
        &[],
    )
    .trim()
    .to_owned();

    // Default pipeline: dev → staging → prod.
    let denied = fails(
        &["promote", "v1", "--to", "prod", "--store", s],
        &[],
        1,
        &["denied", "not running in an upstream (staging)"],
    );
    assert!(denied.contains("promotion of v1 to prod"), "{denied}");
    for env in ["dev", "staging", "prod"] {
        ok(&["promote", "v1", "--to", env, "--store", s], &[]);
    }
    for env in ["dev", "staging", "prod"] {
        ok(&["promote", &d2, "--to", env, "--store", s], &[]);
    }
    let status: Value =
        serde_json::from_str(&ok(&["promote", "status", "--store", s, "--json"], &[])).unwrap();
    for env in ["dev", "staging", "prod"] {
        assert_eq!(status[env]["digest"], d2.as_str(), "{status}");
        assert_eq!(status[env]["tag"], "v2", "{status}");
    }
    let rb = ok(
        &["rollback", "prod", "--store", s, "--reason", "errors"],
        &[],
    );
    assert!(rb.contains(&d1), "{rb}");
    let status: Value =
        serde_json::from_str(&ok(&["promote", "status", "--store", s, "--json"], &[])).unwrap();
    assert_eq!(status["prod"]["digest"], d1.as_str());
    assert_eq!(status["prod"]["tag"], "v1");
    let hist = ok(&["promote", "history", "prod", "--store", s], &[]);
    let lines: Vec<&str> = hist.lines().collect();
    assert_eq!(lines.len(), 3, "{hist}");
    assert!(
        lines[2].contains("rollback") && lines[2].contains("(errors)"),
        "{hist}"
    );
    let hist: Value = serde_json::from_str(&ok(
        &["promote", "history", "prod", "--store", s, "--json"],
        &[],
    ))
    .unwrap();
    assert_eq!(hist[2]["kind"], "rollback");
    assert_eq!(hist[2]["previous"], d2.as_str());
    fails(
        &["promote", "history", "qa", "--store", s],
        &[],
        2,
        &["\"qa\" is not in the pipeline"],
    );
    assert!(ok(&["promote", "verify", "--store", s], &[]).starts_with("ok: 7 record(s)"));

    // Tampering: an edited record makes verify exit non-zero, naming the record.
    let hpath = dir.path().join("store/.relkit/history.jsonl");
    let text = std::fs::read_to_string(&hpath).unwrap();
    std::fs::write(
        &hpath,
        text.replacen("\"actor\":\"tester\"", "\"actor\":\"mallory\"", 1),
    )
    .unwrap();
    fails(
        &["promote", "verify", "--store", s],
        &[],
        1,
        &["does not verify", "record 1", "edited"],
    );
    std::fs::write(&hpath, &text).unwrap();
    ok(&["promote", "verify", "--store", s], &[]);
    // A corrupted blob too.
    let blob = dir
        .path()
        .join("store/blobs/sha256")
        .join(&d1["sha256:".len()..]);
    let saved = std::fs::read(&blob).unwrap();
    std::fs::write(&blob, b"{}").unwrap();
    fails(&["promote", "verify", "--store", s], &[], 1, &[&d1]);
    std::fs::write(&blob, saved).unwrap();

    // Bad input.
    fails(
        &[
            "artifact",
            "pull",
            "sha256:../../etc",
            "--store",
            s,
            "--out",
            &out,
        ],
        &[],
        2,
        &["digest \"sha256:../../etc\" is not valid"],
    );
    fails(
        &["artifact", "pull", "../x", "--store", s, "--out", &out],
        &[],
        2,
        &["tag \"../x\" is not valid"],
    );
    fails(
        &[
            "promote",
            "v1",
            "--to",
            "prod",
            "--store",
            "/nonexistent/store",
        ],
        &[],
        2,
        &["not a usable OCI image layout"],
    );
    fails(
        &[
            "promote", "v1", "--to", "prod", "--store", s, "--check", "tests",
        ],
        &[],
        2,
        &["NAME=pass"],
    );
}

#[test]
fn gates_force_attach_and_gc() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store").display().to_string();
    let s = store.as_str();
    let pipeline = write(
        dir.path(),
        "pipeline.toml",
        b"[environments.staging]\n[environments.prod]\nupstream = [\"staging\"]\nsoak = \"1h\"\napprovals = 2\nchecks = [\"tests\", \"scan\"]\nsbom = true\n",
    );
    let p = pipeline.as_str();
    let app = write(dir.path(), "app.bin", b"app");
    ok(
        &[
            "artifact", "push", &app, "--store", s, "--tag", "v1", "--author", "alice",
        ],
        &[],
    );
    let t0 = [("RELKIT_NOW", "2026-01-01T00:00:00Z")];
    ok(
        &[
            "promote",
            "v1",
            "--to",
            "staging",
            "--store",
            s,
            "--pipeline",
            p,
        ],
        &t0,
    );
    let t1 = [("RELKIT_NOW", "2026-01-01T00:10:00Z")];
    fails(
        &[
            "promote",
            "v1",
            "--to",
            "prod",
            "--store",
            s,
            "--pipeline",
            p,
            "--approve",
            "alice",
            "--approve",
            "bob",
            "--check",
            "tests=pass",
            "--check",
            "scan=fail",
        ],
        &t1,
        1,
        &[
            "soak time: 10m in staging, 1h required",
            "no SBOM is attached",
            "approvals: 1 of 2",
            "author \"alice\" cannot approve",
            "check \"scan\" failed",
        ],
    );
    fails(
        &[
            "promote",
            "v1",
            "--to",
            "prod",
            "--store",
            s,
            "--pipeline",
            p,
            "--force",
        ],
        &t1,
        1,
        &["a forced promotion needs a reason"],
    );
    let forced = ok(
        &[
            "promote",
            "v1",
            "--to",
            "prod",
            "--store",
            s,
            "--pipeline",
            p,
            "--force",
            "--reason",
            "incident 7",
            "--json",
        ],
        &t1,
    );
    let rec: Value = serde_json::from_str(&forced).unwrap();
    assert_eq!(rec["kind"], "forced");
    assert_eq!(rec["reason"], "incident 7");
    assert_eq!(rec["evidence"]["overridden"].as_array().unwrap().len(), 5);

    // An SBOM attached and every requirement met: a normal promotion.
    let app2 = write(dir.path(), "app.bin", b"app 2");
    ok(
        &[
            "artifact", "push", &app2, "--store", s, "--tag", "v2", "--author", "alice",
        ],
        &[],
    );
    let sbom = write(
        dir.path(),
        "sbom.cdx.json",
        br#"{"bomFormat":"CycloneDX","specVersion":"1.6"}"#,
    );
    ok(
        &[
            "artifact", "attach", "v2", &sbom, "--store", s, "--type", "sbom",
        ],
        &[],
    );
    ok(
        &[
            "promote",
            "v2",
            "--to",
            "staging",
            "--store",
            s,
            "--pipeline",
            p,
        ],
        &t0,
    );
    let t2 = [("RELKIT_NOW", "2026-01-01T01:00:00Z")];
    let rec: Value = serde_json::from_str(&ok(
        &[
            "promote",
            "v2",
            "--to",
            "prod",
            "--store",
            s,
            "--pipeline",
            p,
            "--approve",
            "bob",
            "--approve",
            "carol",
            "--check",
            "tests=pass",
            "--check",
            "scan=pass",
            "--json",
        ],
        &t2,
    ))
    .unwrap();
    assert_eq!(rec["kind"], "promotion");
    assert_eq!(rec["evidence"]["checks"]["scan"], "pass");
    assert_eq!(rec["evidence"]["sboms"].as_array().unwrap().len(), 1);

    // gc: an orphan blob goes; everything referenced stays.
    std::fs::write(
        dir.path().join("store/blobs/sha256").join("0".repeat(64)),
        b"orphan",
    )
    .unwrap();
    let dry = ok(
        &[
            "artifact",
            "gc",
            "--store",
            s,
            "--dry-run",
            "--min-age",
            "0s",
        ],
        &[],
    );
    assert!(dry.contains("would remove blob sha256:0000"), "{dry}");
    ok(&["artifact", "gc", "--store", s, "--min-age", "0s"], &[]);
    assert!(
        !dir.path()
            .join("store/blobs/sha256")
            .join("0".repeat(64))
            .exists()
    );
    ok(&["promote", "verify", "--store", s, "--pipeline", p], &[]);
}

#[test]
fn concurrent_cli_processes_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store").display().to_string();
    ok(
        &[
            "artifact",
            "push",
            &write(dir.path(), "seed", b"seed"),
            "--store",
            &store,
            "--tag",
            "seed",
        ],
        &[],
    );
    let exe = env!("CARGO_BIN_EXE_relkit");
    let workers = 4;
    let per = 4;
    let children: Vec<_> = (0..workers)
        .map(|w| {
            let mut script = String::from("set -e\n");
            for i in 0..per {
                let f = dir.path().join(format!("w{w}-{i}.bin"));
                std::fs::write(&f, format!("worker {w} item {i}")).unwrap();
                script.push_str(&format!(
                    "\"{exe}\" artifact push \"{}\" --store \"{store}\" --tag w{w}-{i} >/dev/null\n\"{exe}\" promote w{w}-{i} --to dev --store \"{store}\" >/dev/null\n",
                    f.display()
                ));
            }
            Command::new("sh")
                .arg("-c")
                .arg(script)
                .env("RELKIT_ACTOR", format!("w{w}"))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let hist: Value = serde_json::from_str(&ok(
        &["promote", "history", "dev", "--store", &store, "--json"],
        &[],
    ))
    .unwrap();
    assert_eq!(
        hist.as_array().unwrap().len(),
        workers * per,
        "no promotion lost"
    );
    let verified = ok(&["promote", "verify", "--store", &store], &[]);
    assert!(
        verified.starts_with(&format!("ok: {} record(s)", workers * per)),
        "{verified}"
    );
    let index: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("store/index.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        index["manifests"].as_array().unwrap().len(),
        workers * per + 1,
        "no push lost"
    );
}
