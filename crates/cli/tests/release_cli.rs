//! `relkit release` on freshly made repositories: a dry run changes nothing;
//! two real releases tag, write the changelog, and sign what openssl and
//! `relkit verify-attestation` accept.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::process::{Command, Output};

use relkit_testkit::GitRepo;
use serde_json::Value;

fn relkit(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relkit"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Rel Kit")
        .env("GIT_AUTHOR_EMAIL", "rel@example.invalid")
        .env("GIT_COMMITTER_NAME", "Rel Kit")
        .env("GIT_COMMITTER_EMAIL", "rel@example.invalid")
        .env("SOURCE_DATE_EPOCH", "1767830400")
        .env_remove("RELKIT_SIGNING_KEY")
        .output()
        .unwrap()
}

fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn project() -> GitRepo {
    let g = GitRepo::new();
    g.write(
        "relkit.toml",
        "[release]\nbuild = \"mkdir -p out && git rev-parse HEAD > out/app.txt\"\nartifacts = [\"out/*.txt\"]\n",
    );
    g.write(".gitignore", "out/\n.relkit/\n*.pem*\n");
    g.commit_file("README.md", "app", "feat: first");
    g
}

fn openssl_verifies(public: &Path, file: &Path, sig: &Path) {
    let out = Command::new("openssl")
        .args(["pkeyutl", "-verify", "-pubin", "-inkey"])
        .arg(public)
        .arg("-rawin")
        .arg("-in")
        .arg(file)
        .arg("-sigfile")
        .arg(sig)
        .output();
    match out {
        Ok(o) => assert!(
            o.status.success(),
            "openssl rejects {}: {}",
            sig.display(),
            String::from_utf8_lossy(&o.stdout)
        ),
        Err(e) if std::env::var_os("CI").is_none() => eprintln!("note: openssl not run ({e})"),
        Err(e) => panic!("openssl is needed under CI: {e}"),
    }
}

/// Run a peer program and check its output holds `needle`; a missing peer
/// fails under CI.
fn peer(args: &[&str], needle: &str) {
    match Command::new(args[0]).args(&args[1..]).output() {
        Ok(o) => {
            let text = String::from_utf8_lossy(&o.stdout);
            assert!(
                o.status.success() && text.contains(needle),
                "{args:?}: {text}{}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        Err(e) if std::env::var_os("CI").is_none() => eprintln!("note: {} not run ({e})", args[0]),
        Err(e) => panic!("{} is needed under CI: {e}", args[0]),
    }
}

/// Every artifact's signature verifies with openssl (right after its release:
/// the next build writes the same paths).
fn signatures_verify(dir: &Path, v: &Value) {
    let public = dir.join(v["public_key"].as_str().unwrap());
    for a in v["artifacts"].as_array().unwrap() {
        openssl_verifies(
            &public,
            &dir.join(a["path"].as_str().unwrap()),
            &dir.join(a["signature"].as_str().unwrap()),
        );
    }
}

#[test]
fn a_dry_run_changes_nothing() {
    let g = project();
    let before = (g.head(), g.git(&["status", "--porcelain"]), g.git(&["tag"]));
    let v = json_of(&relkit(g.path(), &["release", "--dry-run", "--json"]));
    assert_eq!(v["version"], "0.1.0");
    assert_eq!(v["tag"], "v0.1.0");
    assert_eq!(v["ephemeral_key"], true);
    assert_eq!(v["tag_created"], false);
    assert_eq!(v["artifacts"].as_array().unwrap().len(), 1);
    assert_eq!(
        (g.head(), g.git(&["status", "--porcelain"]), g.git(&["tag"])),
        before
    );
    assert!(!g.path().join("CHANGELOG.md").exists());
    assert!(!g.path().join(".relkit").exists());
}

#[test]
fn two_releases_are_tagged_signed_and_attested() {
    let g = project();
    let out = relkit(g.path(), &["release"]);
    assert_eq!(out.status.code(), Some(2), "no key outside a dry run");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no signing key"));
    let key = g.path().join("release.pem");
    let out = relkit(
        g.path(),
        &["key", "generate", "--out", key.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let v1 = json_of(&relkit(
        g.path(),
        &["release", "--json", "--key", "release.pem"],
    ));
    assert_eq!(
        (v1["version"].as_str(), v1["tag_created"].as_bool()),
        (Some("0.1.0"), Some(true))
    );
    signatures_verify(g.path(), &v1);
    assert_eq!(
        g.git(&["cat-file", "-t", "v0.1.0"]).trim(),
        "tag",
        "an annotated tag"
    );
    assert_eq!(
        g.git(&["log", "-1", "--format=%s", "v0.1.0"]).trim(),
        "chore(release): v0.1.0"
    );
    assert!(
        g.git(&["status", "--porcelain"]).trim().is_empty(),
        "the release commit holds the changelog"
    );

    g.commit_file("src.txt", "x", "feat(api): second\n\nCloses #7");
    g.commit_file("fix.txt", "y", "fix: third");
    let v2 = json_of(&relkit(
        g.path(),
        &["release", "--json", "--key", "release.pem"],
    ));
    assert_eq!(v2["version"], "0.1.1", "feat in 0.x bumps the patch number");
    assert_eq!(v2["previous"], "0.1.0");
    let changelog = std::fs::read_to_string(g.path().join("CHANGELOG.md")).unwrap();
    let at_v2 = changelog.find("## [0.1.1]").unwrap();
    let at_v1 = changelog.find("## [0.1.0]").unwrap();
    assert!(at_v2 < at_v1, "{changelog}");
    assert!(changelog.contains("- **api**: second"), "{changelog}");

    signatures_verify(g.path(), &v2);
    let a = &v2["artifacts"][0];
    let out = relkit(
        g.path(),
        &[
            "verify-attestation",
            v2["attestation"].as_str().unwrap(),
            "--public-key",
            v2["public_key"].as_str().unwrap(),
            "--subject",
            a["path"].as_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A tampered artifact fails the attestation.
    std::fs::write(g.path().join(a["path"].as_str().unwrap()), "tampered").unwrap();
    let out = relkit(
        g.path(),
        &[
            "verify-attestation",
            v2["attestation"].as_str().unwrap(),
            "--public-key",
            v2["public_key"].as_str().unwrap(),
            "--subject",
            a["path"].as_str().unwrap(),
        ],
    );
    assert!(!out.status.success(), "a tampered artifact must fail");
    let out = relkit(g.path(), &["release", "--dry-run", "--json"]);
    assert!(out.status.success());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let statement: Value = {
        assert!(out.status.success());
        let env: Value = serde_json::from_str(
            &std::fs::read_to_string(g.path().join(v2["attestation"].as_str().unwrap())).unwrap(),
        )
        .unwrap();
        let payload = env["payload"].as_str().unwrap();
        let bytes = relkit_sign::dsse::decode_base64(payload).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    };
    let dep = &statement["predicate"]["buildDefinition"]["resolvedDependencies"][0];
    assert_eq!(
        dep["digest"]["gitCommit"].as_str().unwrap(),
        g.git(&["rev-parse", "v0.1.1^{commit}"]).trim()
    );

    // The store holds both releases with their referrers; dev runs v0.1.1.
    let store = g.path().join(".relkit/store");
    let store_arg = store.to_str().unwrap();
    assert_eq!(v2["store"]["environment"], "dev");
    assert_eq!(
        v2["store"]["referrers"].as_array().unwrap().len(),
        2,
        "signature and attestation"
    );
    let status = json_of(&relkit(
        g.path(),
        &["promote", "status", "--store", store_arg, "--json"],
    ));
    assert_eq!(status["dev"]["digest"], v2["store"]["digest"]);
    assert_eq!(status["dev"]["tag"], "v0.1.1");
    // Promote v0.1.1 to staging, roll dev back to v0.1.0, and check the whole state.
    let out = relkit(
        g.path(),
        &["promote", "v0.1.1", "--to", "staging", "--store", store_arg],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = relkit(
        g.path(),
        &["promote", "v0.1.1", "--to", "prod", "--store", store_arg],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = relkit(g.path(), &["rollback", "dev", "--store", store_arg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = json_of(&relkit(
        g.path(),
        &["promote", "status", "--store", store_arg, "--json"],
    ));
    assert_eq!(
        (
            status["dev"]["digest"].clone(),
            status["dev"]["tag"].clone()
        ),
        (v1["store"]["digest"].clone(), Value::from("v0.1.0"))
    );
    assert_eq!(status["staging"]["digest"], v2["store"]["digest"]);
    assert_eq!(status["prod"]["digest"], v2["store"]["digest"]);
    let out = relkit(g.path(), &["promote", "verify", "--store", store_arg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The peers read the store: skopeo sees the exact manifest, umoci the tags.
    peer(
        &[
            "skopeo",
            "inspect",
            "--raw",
            &format!("oci:{store_arg}:v0.1.1"),
        ],
        "application/vnd.relkit.artifact.v1",
    );
    peer(&["umoci", "ls", "--layout", store_arg], "v0.1.0\nv0.1.1");

    // Nothing new: nothing to release.
    let v3 = json_of(&relkit(
        g.path(),
        &["release", "--json", "--key", "release.pem"],
    ));
    assert_eq!(v3["release"], false);
}
