//! `relkit key/sign/verify/attest/verify-attestation` as a user runs them, against the
//! real `openssl` and `minisign`. With `CI` set a missing peer fails the test; without
//! it the peer part is skipped with a note.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn relkit(args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relkit"))
        .args(args)
        .env_remove("RELKIT_KEY_PASSPHRASE")
        .env_remove("SOURCE_DATE_EPOCH")
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

fn fails(args: &[&str], envs: &[(&str, &str)], code: i32, needle: &str) {
    let out = relkit(args, envs);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    assert!(
        stderr.contains(needle),
        "{args:?}: {stderr:?} lacks {needle:?}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

fn peer(name: &str, probe: &[&str]) -> bool {
    let found = Command::new(name).args(probe).output().is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "`{name}` is missing and CI is set: apt-get install -y {name}"
        );
        eprintln!("note: `{name}` not found; skipping its part of this test");
    }
    found
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn pkcs8_keys_raw_signatures_and_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = d.join("release.pem");
    let file = d.join("app.tar.gz");
    std::fs::write(&file, vec![7u8; 100_000]).unwrap();
    let key_id = ok(&["key", "generate", "--out", s(&key)], &[]);
    assert_eq!(key_id.trim().len(), 64);
    #[cfg(unix)]
    assert_eq!(mode(&key), 0o600);
    let pub_key = d.join("release.pem.pub");
    assert!(
        std::fs::read_to_string(&pub_key)
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    // The key file is never printed.
    assert!(!key_id.contains("PRIVATE"));
    fails(&["key", "generate", "--out", s(&key)], &[], 2, "exists");

    ok(&["sign", s(&file), "--key", s(&key)], &[]);
    let sig = d.join("app.tar.gz.sig");
    assert_eq!(std::fs::read(&sig).unwrap().len(), 64);
    ok(
        &[
            "verify",
            s(&file),
            "--signature",
            s(&sig),
            "--public-key",
            s(&pub_key),
        ],
        &[],
    );

    // A changed file does not verify: exit 1.
    let other = d.join("other");
    std::fs::write(&other, b"x").unwrap();
    fails(
        &[
            "verify",
            s(&other),
            "--signature",
            s(&sig),
            "--public-key",
            s(&pub_key),
        ],
        &[],
        1,
        "does not verify",
    );

    if !peer("openssl", &["version"]) {
        return;
    }
    // openssl verifies ours.
    let out = Command::new("openssl")
        .args([
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            s(&pub_key),
            "-rawin",
            "-in",
            s(&file),
            "-sigfile",
            s(&sig),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // We sign with an openssl key (encrypted, from an environment variable) and openssl's signature verifies with us.
    let okey = d.join("o.pem");
    assert!(
        Command::new("openssl")
            .args([
                "genpkey",
                "-algorithm",
                "ed25519",
                "-aes256",
                "-pass",
                "pass:pw",
                "-out",
                s(&okey)
            ])
            .status()
            .unwrap()
            .success()
    );
    let opub = d.join("o.pub.pem");
    assert!(
        Command::new("openssl")
            .args([
                "pkey",
                "-in",
                s(&okey),
                "-passin",
                "pass:pw",
                "-pubout",
                "-out",
                s(&opub)
            ])
            .status()
            .unwrap()
            .success()
    );
    let pem = std::fs::read_to_string(&okey).unwrap();
    fails(
        &["sign", s(&file), "--key", "env:SIGNING_KEY"],
        &[("SIGNING_KEY", &pem)],
        2,
        "passphrase",
    );
    let osig = d.join("ours-with-openssl-key.sig");
    ok(
        &[
            "sign",
            s(&file),
            "--key",
            "env:SIGNING_KEY",
            "--passphrase-env",
            "PW",
            "--output",
            s(&osig),
        ],
        &[("SIGNING_KEY", &pem), ("PW", "pw")],
    );
    let theirs = d.join("openssl.sig");
    assert!(
        Command::new("openssl")
            .args([
                "pkeyutl",
                "-sign",
                "-inkey",
                s(&okey),
                "-passin",
                "pass:pw",
                "-rawin",
                "-in",
                s(&file),
                "-out",
                s(&theirs)
            ])
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(
        std::fs::read(&osig).unwrap(),
        std::fs::read(&theirs).unwrap()
    );
    ok(
        &[
            "verify",
            s(&file),
            "--signature",
            s(&theirs),
            "--public-key",
            s(&opub),
        ],
        &[],
    );
}

#[test]
fn minisign_keys_and_signatures_with_minisign() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = d.join("m.key");
    let file = d.join("app.tar.gz");
    std::fs::write(&file, vec![1u8; 50_000]).unwrap();
    ok(
        &["key", "generate", "--out", s(&key), "--format", "minisign"],
        &[],
    );
    let pub_key = d.join("m.key.pub");
    assert!(
        std::fs::read_to_string(&pub_key)
            .unwrap()
            .starts_with("untrusted comment: minisign public key ")
    );
    ok(
        &["sign", s(&file), "--key", s(&key), "--format", "minisign"],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
    let sig = d.join("app.tar.gz.minisig");
    let out = ok(
        &[
            "verify",
            s(&file),
            "--signature",
            s(&sig),
            "--public-key",
            s(&pub_key),
        ],
        &[],
    );
    assert!(out.contains("trusted comment: timestamp:"), "{out}");

    if !peer("minisign", &["-v"]) {
        return;
    }
    let status = Command::new("minisign")
        .args(["-V", "-q", "-p", s(&pub_key), "-m", s(&file), "-x", s(&sig)])
        .status()
        .unwrap();
    assert!(status.success(), "minisign rejects our signature");
    // minisign's keys and signatures work with relkit.
    let mkey = d.join("theirs.key");
    let mpub = d.join("theirs.pub");
    assert!(
        Command::new("minisign")
            .args(["-G", "-W", "-p", s(&mpub), "-s", s(&mkey)])
            .output()
            .unwrap()
            .status
            .success()
    );
    let msig = d.join("theirs.minisig");
    assert!(
        Command::new("minisign")
            .args(["-S", "-W", "-s", s(&mkey), "-m", s(&file), "-x", s(&msig)])
            .output()
            .unwrap()
            .status
            .success()
    );
    ok(
        &[
            "verify",
            s(&file),
            "--signature",
            s(&msig),
            "--public-key",
            s(&mpub),
        ],
        &[],
    );
    let ours = d.join("ours.minisig");
    ok(
        &[
            "sign",
            s(&file),
            "--key",
            s(&mkey),
            "--format",
            "minisign",
            "--output",
            s(&ours),
        ],
        &[],
    );
    assert!(
        Command::new("minisign")
            .args(["-V", "-q", "-p", s(&mpub), "-m", s(&file), "-x", s(&ours)])
            .status()
            .unwrap()
            .success()
    );
    fails(
        &[
            "verify",
            s(&file),
            "--signature",
            s(&msig),
            "--public-key",
            s(&pub_key),
        ],
        &[],
        1,
        "key id",
    );
}

#[test]
fn attest_and_verify_attestation() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (k1, k2) = (d.join("a.pem"), d.join("b.key"));
    ok(&["key", "generate", "--out", s(&k1)], &[]);
    ok(
        &["key", "generate", "--out", s(&k2), "--format", "minisign"],
        &[],
    );
    let f1 = d.join("app.tar.gz");
    let f2 = d.join("app.zip");
    std::fs::write(&f1, b"tarball").unwrap();
    std::fs::write(&f2, b"zip").unwrap();
    let attest = [
        "attest",
        s(&f1),
        s(&f2),
        "--key",
        s(&k1),
        "--key",
        s(&k2),
        "--git-commit",
        "0123456789abcdef0123456789abcdef01234567",
        "--git-uri",
        "git+https://example.com/app@refs/tags/v1.0.0",
        "--started-on",
        "2026-01-01T00:00:00Z",
        "--external-parameter",
        "ref=refs/tags/v1.0.0",
    ];
    let epoch = [("SOURCE_DATE_EPOCH", "1767225600")];
    let env = ok(&attest, &epoch);
    let v: Value = serde_json::from_str(&env).unwrap();
    assert_eq!(v["payloadType"], "application/vnd.in-toto+json");
    assert_eq!(v["signatures"].as_array().unwrap().len(), 2);
    let path = d.join("app.intoto.json");
    std::fs::write(&path, &env).unwrap();
    let (p1, p2) = (d.join("a.pem.pub"), d.join("b.key.pub"));

    let out = ok(
        &[
            "verify-attestation",
            s(&path),
            "--public-key",
            s(&p1),
            "--public-key",
            s(&p2),
            "--threshold",
            "2",
            "--subject",
            s(&f1),
            "--subject",
            s(&f2),
        ],
        &[],
    );
    let st: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(st["predicateType"], "https://slsa.dev/provenance/v1");
    assert_eq!(st["subject"][0]["name"], "app.tar.gz");
    let p = &st["predicate"];
    assert_eq!(
        p["runDetails"]["metadata"]["startedOn"],
        "2026-01-01T00:00:00Z"
    );
    assert_eq!(
        p["runDetails"]["metadata"]["finishedOn"],
        "2026-01-01T00:00:00Z"
    );
    assert_eq!(
        p["buildDefinition"]["externalParameters"]["ref"],
        "refs/tags/v1.0.0"
    );
    assert_eq!(
        p["buildDefinition"]["resolvedDependencies"][0]["digest"]["gitCommit"],
        "0123456789abcdef0123456789abcdef01234567"
    );
    // Same inputs, same SOURCE_DATE_EPOCH: the same envelope, byte for byte.
    let again = ok(&attest, &epoch);
    assert_eq!(env, again);

    // One key listed twice does not make a threshold of 2.
    fails(
        &[
            "verify-attestation",
            s(&path),
            "--public-key",
            s(&p1),
            "--public-key",
            s(&p1),
            "--threshold",
            "2",
        ],
        &[],
        2,
        "threshold",
    );
    // A file that is not a subject.
    let f3 = d.join("other");
    std::fs::write(&f3, b"other").unwrap();
    fails(
        &[
            "verify-attestation",
            s(&path),
            "--public-key",
            s(&p1),
            "--subject",
            s(&f3),
        ],
        &[],
        1,
        "matches no subject",
    );
    // An untrusted key.
    let k3 = d.join("c.pem");
    ok(&["key", "generate", "--out", s(&k3)], &[]);
    fails(
        &[
            "verify-attestation",
            s(&path),
            "--public-key",
            s(&d.join("c.pem.pub")),
        ],
        &[],
        1,
        "distinct trusted key",
    );
}
