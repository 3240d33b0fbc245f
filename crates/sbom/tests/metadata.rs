//! SBOMs from `cargo metadata`: scopes (normal, build, dev), target filter, members.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;

use relkit_sbom::{
    BomDocument, Error, MetadataOptions, Sbom, SbomOptions, SpecVersion, WorkspaceGraph, generate,
};
use serde_json::Value;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn krate(dir: &Path, name: &str, extra: &str) {
    write(
        &dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\n{extra}"
        ),
    );
    write(&dir.join("src/lib.rs"), "");
}

/// A workspace of path crates only (no network): `app` (a binary) and `lib` are members;
/// vendor/ crates outside the workspace are normal, build, dev and windows-only dependencies.
fn fixture() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    let v = t.path().join("vendor");
    write(
        &ws.join("Cargo.toml"),
        "[workspace]\nmembers = [\"app\", \"lib\"]\nresolver = \"2\"\n",
    );
    write(
        &ws.join("app/Cargo.toml"),
        r#"[package]
name = "app"
version = "1.2.3"
edition = "2021"
license = "MIT OR Apache-2.0"
description = """The app.
Two lines."""
repository = "https://github.com/example/app"
documentation = "https://docs.rs/app"

[dependencies]
lib = { path = "../lib" }
normaldep = { path = "../../vendor/normaldep" }

[build-dependencies]
builddep = { path = "../../vendor/builddep" }

[dev-dependencies]
devdep = { path = "../../vendor/devdep" }

[target.'cfg(windows)'.dependencies]
windep = { path = "../../vendor/windep" }
"#,
    );
    write(&ws.join("app/src/main.rs"), "fn main() {}\n");
    write(
        &ws.join("lib/Cargo.toml"),
        "[package]\nname = \"lib\"\nversion = \"0.4.0\"\nedition = \"2021\"\nlicense = \"MIT/Apache-2.0\"\n\n[dependencies]\nnormaldep = { path = \"../../vendor/normaldep\" }\n",
    );
    write(&ws.join("lib/src/lib.rs"), "");
    krate(&v.join("normaldep"), "normaldep", "");
    krate(
        &v.join("builddep"),
        "builddep",
        "[dependencies]\nbuildsub = { path = \"../buildsub\" }\n",
    );
    krate(&v.join("buildsub"), "buildsub", "");
    krate(&v.join("devdep"), "devdep", "");
    krate(&v.join("windep"), "windep", "");
    t
}

fn graph(t: &tempfile::TempDir, target: Option<&str>) -> WorkspaceGraph {
    WorkspaceGraph::from_cargo(&MetadataOptions {
        manifest_path: Some(t.path().join("ws/Cargo.toml")),
        offline: true,
        target: target.map(str::to_owned),
        ..MetadataOptions::default()
    })
    .unwrap()
}

fn opts(f: impl FnOnce(&mut SbomOptions)) -> SbomOptions {
    let mut o = SbomOptions::new(jiff::Timestamp::from_second(1_700_000_000).unwrap());
    f(&mut o);
    o
}

fn names(s: &Sbom) -> Vec<String> {
    let doc = BomDocument::from_json(&s.json, &s.subject).unwrap();
    doc.components.into_iter().map(|c| c.name).collect()
}

fn find<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn scopes_kinds_targets_and_members() {
    let t = fixture();
    let all = graph(&t, None);
    let linux = graph(&t, Some("x86_64-unknown-linux-gnu"));
    let mut produced = Vec::new();

    // Default: normal dependencies only, all platforms.
    let s = generate(&all, &opts(|_| {})).unwrap().remove(0);
    assert_eq!(names(&s), ["normaldep", "windep"]);
    let v: Value = serde_json::from_slice(&s.json).unwrap();
    let members = &v["metadata"]["component"]["components"];
    assert_eq!(members[0]["name"], "app");
    assert_eq!(members[0]["type"], "application");
    assert_eq!(members[0]["licenses"][0]["expression"], "MIT OR Apache-2.0");
    assert_eq!(members[0]["description"], "The app. Two lines.");
    assert_eq!(
        members[0]["purl"],
        "pkg:cargo/app@1.2.3?download_url=file://app"
    );
    let refs = members[0]["externalReferences"].as_array().unwrap();
    assert_eq!(refs[0]["type"], "vcs");
    assert_eq!(refs[0]["url"], "https://github.com/example/app");
    assert_eq!(refs[1]["type"], "documentation");
    assert_eq!(members[1]["name"], "lib");
    assert_eq!(members[1]["type"], "library");
    // Cargo's legacy `/` becomes SPDX `OR`.
    assert_eq!(members[1]["licenses"][0]["expression"], "MIT OR Apache-2.0");
    let normal = find(&v, "normaldep");
    assert_eq!(normal["scope"], "required");
    assert!(normal.get("properties").is_none());
    assert!(
        normal["purl"]
            .as_str()
            .unwrap()
            .contains("download_url=file:///")
    );
    produced.push(s);

    // Build dependencies on request, transitive ones too, marked as build.
    let s = generate(&all, &opts(|o| o.include_build = true))
        .unwrap()
        .remove(0);
    assert_eq!(names(&s), ["builddep", "buildsub", "normaldep", "windep"]);
    let v: Value = serde_json::from_slice(&s.json).unwrap();
    for n in ["builddep", "buildsub"] {
        let c = find(&v, n);
        assert_eq!(c["scope"], "excluded");
        assert_eq!(c["properties"][0]["name"], "relkit:dependency-kind");
        assert_eq!(c["properties"][0]["value"], "build");
    }
    produced.push(s);

    // Dev dependencies on request, marked as dev.
    let s = generate(&all, &opts(|o| o.include_dev = true))
        .unwrap()
        .remove(0);
    assert_eq!(names(&s), ["devdep", "normaldep", "windep"]);
    let v: Value = serde_json::from_slice(&s.json).unwrap();
    assert_eq!(find(&v, "devdep")["properties"][0]["value"], "dev");
    produced.push(s);

    // Only what is compiled for one target.
    let s = generate(&linux, &opts(|o| o.spec_version = SpecVersion::V1_5))
        .unwrap()
        .remove(0);
    assert_eq!(names(&s), ["normaldep"]);
    produced.push(s);

    // One SBOM per member; a member another one uses is a component there.
    let per = generate(&all, &opts(|o| o.per_member = true)).unwrap();
    assert_eq!(per.len(), 2);
    assert_eq!(per[0].subject, "app");
    assert_eq!(names(&per[0]), ["lib", "normaldep", "windep"]);
    assert_eq!(names(&per[1]), ["normaldep"]);
    let v: Value = serde_json::from_slice(&per[0].json).unwrap();
    assert_eq!(v["metadata"]["component"]["name"], "app");
    assert_eq!(
        find(&v, "lib")["purl"],
        "pkg:cargo/lib@0.4.0?download_url=file://lib"
    );
    produced.extend(per);

    // Deterministic across runs of cargo too.
    let again = generate(&graph(&t, None), &opts(|_| {})).unwrap().remove(0);
    assert_eq!(again.json, produced[0].json);

    common::assert_valid_twice(&produced);
}

#[test]
fn this_repository() {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml");
    let g = WorkspaceGraph::from_cargo(&MetadataOptions {
        manifest_path: Some(manifest.into()),
        offline: true,
        ..MetadataOptions::default()
    })
    .unwrap();
    assert!(g.members().any(|m| m.name == "relkit-sbom"));
    let mut produced = generate(&g, &opts(|o| o.include_build = true)).unwrap();
    produced.extend(generate(&g, &opts(|o| o.per_member = true)).unwrap());
    let whole = BomDocument::from_json(&produced[0].json, "relkit").unwrap();
    assert!(whole.components.len() > 50);
    // Checksums come from Cargo.lock: every crates.io component has one.
    let v: Value = serde_json::from_slice(&produced[0].json).unwrap();
    for c in v["components"].as_array().unwrap() {
        if !c["purl"].as_str().unwrap().contains('?') {
            assert_eq!(c["hashes"][0]["alg"], "SHA-256", "{c}");
        }
    }
    common::assert_valid_twice(&produced);
}

#[test]
fn cargo_failure_names_the_manifest() {
    let e = WorkspaceGraph::from_cargo(&MetadataOptions {
        manifest_path: Some("/nonexistent/Cargo.toml".into()),
        offline: true,
        ..MetadataOptions::default()
    })
    .unwrap_err();
    assert!(matches!(e, Error::CargoMetadata { .. }));
    assert!(
        e.to_string()
            .starts_with("cargo metadata for /nonexistent/Cargo.toml: "),
        "{e}"
    );
}
