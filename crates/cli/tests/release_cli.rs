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
        // Each test repository builds into its own target/, never into a
        // shared one where another test's build could replace its binaries.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
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

/// HEAD, `git status` and the tags: what a release that does not happen
/// leaves as they were.
fn state(g: &GitRepo) -> (String, String, String) {
    (g.head(), g.git(&["status", "--porcelain"]), g.git(&["tag"]))
}

/// A signing key in `release.pem` (which the repositories' .gitignore ignores).
fn with_key(g: &GitRepo) {
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
}

/// `relkit release` with this key and config: its exit code and stderr.
fn release_with_config(g: &GitRepo, config: &str) -> (Option<i32>, String) {
    let out = relkit(
        g.path(),
        &["release", "--key", "release.pem", "--config", config],
    );
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code(), err)
}

/// An independent DSSE verifier written from the DSSE spec with Python's
/// `cryptography` (shared with relkit-sign's interop tests).
const DSSE_VERIFY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../sign/tests/dsse_verify.py");

/// A release's provenance: `relkit verify-attestation` accepts it for every
/// artifact, the independent Python verifier accepts the envelope, and the
/// subjects' digests are what `sha256sum` says. Returns the statement.
fn provenance_verifies(dir: &Path, v: &Value) -> Value {
    let envelope = v["attestation"].as_str().unwrap();
    let public = v["public_key"].as_str().unwrap();
    let mut args = vec!["verify-attestation", envelope, "--public-key", public];
    for a in v["artifacts"].as_array().unwrap() {
        args.extend(["--subject", a["path"].as_str().unwrap()]);
    }
    let out = relkit(dir, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    peer(&["python3", DSSE_VERIFY, envelope, "1", public], "1");
    let env: Value = serde_json::from_slice(&std::fs::read(dir.join(envelope)).unwrap()).unwrap();
    let payload = relkit_sign::dsse::decode_base64(env["payload"].as_str().unwrap()).unwrap();
    let statement: Value = serde_json::from_slice(&payload).unwrap();
    for (subject, a) in statement["subject"]
        .as_array()
        .unwrap()
        .iter()
        .zip(v["artifacts"].as_array().unwrap())
    {
        let sha = subject["digest"]["sha256"].as_str().unwrap();
        assert_eq!(a["sha256"], sha);
        peer(&["sha256sum", a["path"].as_str().unwrap()], sha);
    }
    statement
}

#[test]
fn a_dry_run_changes_nothing() {
    let g = project();
    let before = state(&g);
    let v = json_of(&relkit(g.path(), &["release", "--dry-run", "--json"]));
    assert_eq!(v["version"], "0.1.0");
    assert_eq!(v["tag"], "v0.1.0");
    assert_eq!(v["ephemeral_key"], true);
    assert_eq!(v["tag_created"], false);
    assert_eq!(v["artifacts"].as_array().unwrap().len(), 1);
    assert_eq!(state(&g), before);
    assert!(!g.path().join("CHANGELOG.md").exists());
    assert!(!g.path().join(".relkit").exists());
}

#[test]
fn two_releases_are_tagged_signed_and_attested() {
    let g = project();
    let before = state(&g);
    let out = relkit(g.path(), &["release"]);
    assert_eq!(out.status.code(), Some(2), "no key outside a dry run");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no signing key"));
    assert_eq!(
        state(&g),
        before,
        "a release that cannot sign does not start"
    );
    with_key(&g);

    let v1 = json_of(&relkit(
        g.path(),
        &["release", "--json", "--key", "release.pem"],
    ));
    assert_eq!(
        (v1["version"].as_str(), v1["tag_created"].as_bool()),
        (Some("0.1.0"), Some(true))
    );
    signatures_verify(g.path(), &v1);
    provenance_verifies(g.path(), &v1);
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
    let statement = provenance_verifies(g.path(), &v2);
    // A tampered artifact fails the attestation.
    let a = &v2["artifacts"][0];
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

/// A Cargo workspace of a library (`core`) and a binary that depends on it
/// (`app`), released per package.
fn workspace() -> GitRepo {
    let g = GitRepo::new();
    g.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n",
    );
    g.write(
        "crates/core/Cargo.toml",
        "[package]\nname = \"core\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    g.write("crates/core/src/lib.rs", "pub fn answer() -> u32 { 42 }\n");
    g.write(
        "crates/app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"1.0.0\"\nedition = \"2021\"\n\n[dependencies]\ncore = { path = \"../core\", version = \"0.1.0\" }\n",
    );
    g.write(
        "crates/app/src/main.rs",
        "fn main() { println!(\"{}\", core::answer()); }\n",
    );
    g.write(
        "relkit.toml",
        "[version]\ntag-pattern = \"{package}-v{version}\"\n",
    );
    let lock = Command::new("cargo")
        .args(["generate-lockfile", "--offline"])
        .current_dir(g.path())
        .output()
        .unwrap();
    assert!(
        lock.status.success(),
        "{}",
        String::from_utf8_lossy(&lock.stderr)
    );
    g.commit_file(
        ".gitignore",
        "target/\n.relkit/\n*.pem*\n",
        "chore: a workspace of two crates",
    );
    g.commit_file(
        "crates/core/src/lib.rs",
        "/// The answer.\npub fn answer() -> u32 { 42 }\n",
        "feat(core): the answer",
    );
    g.commit_file(
        "crates/app/src/main.rs",
        "fn main() {\n    println!(\"{}\", core::answer());\n}\n",
        "feat(app): print it",
    );
    with_key(&g);
    g
}

/// The released packages of a `--json` report, by name.
fn packages(v: &Value) -> Vec<(String, String)> {
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["package"].as_str().unwrap().to_owned(),
                p["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A package's release: openssl verifies its signatures, and its SBOM
/// describes the package at the released version.
fn signed_with_its_sbom(dir: &Path, p: &Value) {
    signatures_verify(dir, p);
    let sbom: Value =
        serde_json::from_slice(&std::fs::read(p["sbom"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(
        (
            &sbom["metadata"]["component"]["name"],
            &sbom["metadata"]["component"]["version"]
        ),
        (&p["package"], &p["version"]),
        "the SBOM describes the package"
    );
}

/// dev runs these releases of app and core, each in its package's store.
fn dev_runs(dir: &Path, app: &Value, core: &Value) {
    runs(dir, ".relkit/store/app", "dev", &app["store"]["digest"]);
    runs(dir, ".relkit/store/core", "dev", &core["store"]["digest"]);
}

/// The environment `env` of a package's store runs the digest `expected`.
fn runs(dir: &Path, store: &str, env: &str, expected: &Value) {
    let status = json_of(&relkit(
        dir,
        &["promote", "status", "--store", store, "--json"],
    ));
    assert_eq!(&status[env]["digest"], expected, "{store}: {status}");
}

#[test]
fn a_workspace_releases_each_changed_package_on_its_own() {
    let g = workspace();
    let release = |extra: &[&str]| {
        let mut args = vec!["release", "--json", "--key", "release.pem"];
        args.extend_from_slice(extra);
        json_of(&relkit(g.path(), &args))
    };

    // A dry run of the first release: both packages, nothing written.
    let before = state(&g);
    let dry = release(&["--dry-run"]);
    assert_eq!(
        packages(&dry),
        [
            ("app".into(), "1.0.0".into()),
            ("core".into(), "0.1.0".into())
        ],
        "the first release of each package is its manifest version"
    );
    assert_eq!(state(&g), before);
    assert!(!g.path().join("crates/core/CHANGELOG.md").exists());

    // The first release: one commit with both changelogs, a tag per package.
    let v1 = release(&[]);
    assert_eq!(packages(&v1), packages(&dry));
    assert_eq!(
        g.git(&["tag", "--list"]).lines().collect::<Vec<_>>(),
        ["app-v1.0.0", "core-v0.1.0"]
    );
    assert_eq!(
        g.git(&["log", "-1", "--format=%s"]).trim(),
        "chore(release): app-v1.0.0, core-v0.1.0"
    );
    let core_log = std::fs::read_to_string(g.path().join("crates/core/CHANGELOG.md")).unwrap();
    assert!(
        core_log.contains("## [0.1.0]") && core_log.contains("the answer"),
        "{core_log}"
    );
    assert!(
        !core_log.contains("print it"),
        "app's commit is not core's: {core_log}"
    );
    let app_log = std::fs::read_to_string(g.path().join("crates/app/CHANGELOG.md")).unwrap();
    assert!(
        app_log.contains("## [1.0.0]") && app_log.contains("print it"),
        "{app_log}"
    );

    // app ships its binary; core, a library, its sources. Every signature
    // verifies with openssl, and each package has its own store.
    let (app, core) = (&v1["packages"][0], &v1["packages"][1]);
    let app_files: Vec<&str> = app["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect();
    assert_eq!(app_files.len(), 1);
    assert_eq!(
        Path::new(app_files[0]),
        g.path().canonicalize().unwrap().join("target/release/app")
    );
    let archive = core["artifacts"][0]["path"].as_str().unwrap();
    assert!(archive.ends_with("core/0.1.0/core-0.1.0.tar.gz"), "{core}");
    let listing = Command::new("tar")
        .arg("tzf")
        .arg(archive)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&listing.stdout)
            .lines()
            .filter(|l| !l.ends_with('/'))
            .collect::<Vec<_>>(),
        [
            "core-0.1.0/crates/core/CHANGELOG.md",
            "core-0.1.0/crates/core/Cargo.toml",
            "core-0.1.0/crates/core/src/lib.rs"
        ],
        "core's files only, from the release commit (with its new CHANGELOG.md)"
    );
    for p in [app, core] {
        signed_with_its_sbom(g.path(), p);
        let statement = provenance_verifies(g.path(), p);
        let parameters = &statement["predicate"]["buildDefinition"]["externalParameters"];
        assert_eq!(parameters["package"], p["package"]);
        assert_eq!(parameters["tag"], p["tag"]);
    }
    dev_runs(g.path(), app, core);

    // A fix in app releases app alone.
    g.commit_file(
        "crates/app/src/main.rs",
        "fn main() { println!(\"answer: {}\", core::answer()); }\n",
        "fix(app): say what it prints",
    );
    let v2 = release(&[]);
    assert_eq!(packages(&v2), [("app".into(), "1.0.1".into())]);
    // Its manifest and Cargo.lock say so, in the release commit.
    let manifest = |p: &str| std::fs::read_to_string(g.path().join(p)).unwrap();
    assert!(manifest("crates/app/Cargo.toml").contains("version = \"1.0.1\""));
    assert!(manifest("Cargo.lock").contains("name = \"app\"\nversion = \"1.0.1\""));
    assert_eq!(
        g.git(&["show", "--name-only", "--format=%s", "HEAD"])
            .trim(),
        "chore(release): app-v1.0.1\n\nCargo.lock\ncrates/app/CHANGELOG.md\ncrates/app/Cargo.toml"
    );
    assert!(g.git(&["status", "--porcelain"]).trim().is_empty());
    assert_eq!(v2["skipped"][0]["package"], "core");
    signed_with_its_sbom(g.path(), &v2["packages"][0]);
    provenance_verifies(g.path(), &v2["packages"][0]);
    dev_runs(g.path(), &v2["packages"][0], core);

    // A breaking change in core breaks app's requirement (^0.1.0): app is
    // released with it, and its changelog says why.
    g.commit_file(
        "crates/core/src/lib.rs",
        "pub fn answer() -> u64 { 42 }\n",
        "feat(core)!: the answer is a u64",
    );
    let v3 = release(&[]);
    assert_eq!(
        packages(&v3),
        [
            ("app".into(), "1.0.2".into()),
            ("core".into(), "0.2.0".into())
        ]
    );
    assert_eq!(v3["packages"][0]["forced_by"][0], "core");
    for p in v3["packages"].as_array().unwrap() {
        signed_with_its_sbom(g.path(), p);
        provenance_verifies(g.path(), p);
    }
    assert!(manifest("crates/core/Cargo.toml").contains("version = \"0.2.0\""));
    assert!(
        manifest("crates/app/Cargo.toml")
            .contains("core = { path = \"../core\", version = \"0.2.0\" }"),
        "app's requirement on core follows it"
    );
    assert!(manifest("Cargo.lock").contains("name = \"core\"\nversion = \"0.2.0\""));
    let app_log = std::fs::read_to_string(g.path().join("crates/app/CHANGELOG.md")).unwrap();
    let section =
        &app_log[app_log.find("## [1.0.2]").unwrap()..app_log.find("## [1.0.1]").unwrap()];
    assert!(
        section.contains("### Dependencies\n\n- Released with core 0.2.0\n"),
        "{section}"
    );

    // --package releases only the packages named; nothing left here.
    g.commit_file("crates/core/src/extra.rs", "\n", "fix(core): a file");
    let v4 = release(&["--package", "core", "--dry-run"]);
    assert_eq!(packages(&v4), [("core".into(), "0.2.1".into())]);
    let out = relkit(g.path(), &["release", "--dry-run", "--package", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("core"),
        "the real packages are listed"
    );

    // The store of each package verifies, and core rolls back to 0.1.0.
    let out = relkit(
        g.path(),
        &["rollback", "dev", "--store", ".relkit/store/core"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    runs(
        g.path(),
        ".relkit/store/core",
        "dev",
        &core["store"]["digest"],
    );
    for store in [".relkit/store/app", ".relkit/store/core"] {
        let out = relkit(g.path(), &["promote", "verify", "--store", store]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn per_package_releases_need_package_tags_and_stores() {
    let g = workspace();
    // A tag pattern without {package} cannot tell the packages' tags apart.
    g.write("relkit.toml", "[version]\ntag-pattern = \"v{version}\"\n");
    let out = relkit(g.path(), &["release", "--dry-run", "--all-packages"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("relkit.toml") && err.contains("{package}"),
        "{err}"
    );
    // One store for all packages would mix what each environment runs.
    g.write(
        "relkit.toml",
        "[version]\ntag-pattern = \"{package}-v{version}\"\n[release]\nstore = \"store\"\n",
    );
    let out = relkit(g.path(), &["release", "--key", "release.pem"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("[release] store") && err.contains("{package}"),
        "{err}"
    );
    // Artifacts that name no package would be every package's.
    g.write(
        "relkit.toml",
        "[version]\ntag-pattern = \"{package}-v{version}\"\n[release]\nartifacts = [\"target/release/app\"]\n",
    );
    let out = relkit(g.path(), &["release", "--dry-run"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("[release] artifacts") && err.contains("{package}"),
        "{err}"
    );
}

#[test]
fn a_tag_that_head_does_not_contain_stops_the_release_before_it_starts() {
    let g = project();
    let main = g.git(&["rev-parse", "--abbrev-ref", "HEAD"]);
    g.git(&["checkout", "--quiet", "-b", "side"]);
    g.commit("fix: on a side branch");
    g.tag("v0.1.0");
    g.git(&["checkout", "--quiet", main.trim()]);
    let before = state(&g);
    let out = relkit(g.path(), &["release"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("tag v0.1.0 already exists") && err.contains("HEAD does not contain"),
        "{err}"
    );
    assert_eq!(state(&g), before, "nothing was written");
    assert!(!g.path().join(".relkit").exists());
}

#[test]
fn pre_releases_count_up_on_their_channel_then_leave_it() {
    let g = project();
    with_key(&g);
    let release = |extra: &[&str]| {
        let mut args = vec!["release", "--json", "--key", "release.pem"];
        args.extend_from_slice(extra);
        json_of(&relkit(g.path(), &args))
    };
    let rc1 = release(&["--pre", "rc"]);
    assert_eq!(
        (&rc1["version"], &rc1["tag"]),
        (&"0.1.0-rc.1".into(), &"v0.1.0-rc.1".into())
    );
    signatures_verify(g.path(), &rc1);
    g.commit_file("src.txt", "fixed", "fix: after the first candidate");
    let rc2 = release(&["--pre", "rc"]);
    assert_eq!(rc2["version"], "0.1.0-rc.2");
    let stable = release(&[]);
    assert_eq!(stable["version"], "0.1.0");
    assert_eq!(
        g.git(&["tag", "--list"]).lines().collect::<Vec<_>>(),
        ["v0.1.0", "v0.1.0-rc.1", "v0.1.0-rc.2"]
    );
    let log = std::fs::read_to_string(g.path().join("CHANGELOG.md")).unwrap();
    for heading in ["## [0.1.0] ", "## [0.1.0-rc.2] ", "## [0.1.0-rc.1] "] {
        assert!(log.contains(heading), "{heading} in {log}");
    }
    let out = relkit(g.path(), &["release", "--dry-run", "--pre", "r c"]);
    assert_eq!(out.status.code(), Some(2), "a channel is one identifier");
}

#[test]
fn a_failed_build_puts_the_manifests_lock_and_changelog_back() {
    let g = workspace();
    json_of(&relkit(
        g.path(),
        &["release", "--json", "--key", "release.pem"],
    ));
    g.commit_file(
        "crates/app/src/main.rs",
        "fn main() {}\n",
        "fix(app): print nothing",
    );
    let files = [
        "Cargo.lock",
        "crates/app/Cargo.toml",
        "crates/app/CHANGELOG.md",
    ];
    let snapshot = || {
        (
            g.head(),
            g.git(&["status", "--porcelain"]),
            g.git(&["tag"]),
            files.map(|f| std::fs::read(g.path().join(f)).unwrap()),
        )
    };
    let before = snapshot();
    // The build fails with 3 only if it sees the new version in the manifest
    // (its config is ignored by git, so the snapshot holds with it written).
    g.write(
        "target/failing.toml",
        "[version]\ntag-pattern = \"{package}-v{version}\"\n[release]\nbuild = \"grep -q 1.0.1 crates/app/Cargo.toml && exit 3\"\n",
    );
    let (code, err) = release_with_config(&g, "target/failing.toml");
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("failed: exit status: 3"), "{err}");
    assert_eq!(snapshot(), before, "every file is as it was");
    assert!(
        !g.path()
            .join(".relkit/releases/app/1.0.1/sbom.cdx.json")
            .exists()
    );
}

#[test]
fn a_refused_release_commit_leaves_nothing_staged_or_written() {
    let g = project();
    with_key(&g);
    let hook = g.path().join(".git/hooks/pre-commit");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::fs::write(&hook, "#!/bin/sh\necho 'not today' >&2\nexit 1\n").unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let before = state(&g);
    let out = relkit(g.path(), &["release", "--key", "release.pem"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("not today"), "git's message is shown: {err}");
    assert_eq!(state(&g), before);
    assert!(!g.path().join("CHANGELOG.md").exists());
}

#[test]
fn a_pipeline_that_cannot_be_read_stops_the_release_before_it_starts() {
    let g = project();
    with_key(&g);
    g.write(
        "out/bad.toml",
        "[release]\nbuild = \"true\"\nartifacts = [\"README.md\"]\npipeline = \"out/missing.toml\"\n",
    );
    let before = state(&g);
    let (code, err) = release_with_config(&g, "out/bad.toml");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("missing.toml"), "{err}");
    assert_eq!(state(&g), before);
    assert!(!g.path().join("CHANGELOG.md").exists());
}

#[test]
fn a_release_that_fails_after_its_commit_finishes_when_run_again() {
    let g = project();
    with_key(&g);
    // A file where the store should be: the push fails after the commit.
    g.write(
        "out/store.toml",
        "[release]\nbuild = \"true\"\nartifacts = [\"README.md\"]\nstore = \"out/store\"\n",
    );
    g.write("out/store", "not a directory");
    let args = [
        "release",
        "--json",
        "--key",
        "release.pem",
        "--config",
        "out/store.toml",
    ];
    let out = relkit(g.path(), &args);
    assert!(!out.status.success());
    assert_eq!(
        g.git(&["log", "-1", "--format=%s"]).trim(),
        "chore(release): v0.1.0"
    );
    assert_eq!(g.git(&["tag"]), "", "no tag yet");
    std::fs::remove_file(g.path().join("out/store")).unwrap();
    let v = json_of(&relkit(g.path(), &args));
    assert_eq!(
        (&v["version"], &v["tag_created"]),
        (&"0.1.0".into(), &true.into())
    );
    assert_eq!(
        g.git(&[
            "log",
            "--format=%s",
            "--grep=chore(release)",
            "--fixed-strings"
        ])
        .lines()
        .count(),
        1,
        "the release commit is reused"
    );
    assert_eq!(
        g.git(&["rev-parse", "v0.1.0^{commit}"]),
        g.git(&["rev-parse", "HEAD"])
    );
    signatures_verify(g.path(), &v);
}
