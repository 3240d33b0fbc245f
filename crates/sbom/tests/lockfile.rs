//! Cargo.lock formats 3 and 4, checksums, and SBOMs made from Cargo.lock alone.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use proptest::prelude::*;
use relkit_sbom::{
    BomDocument, Error, LockPackage, Lockfile, SbomOptions, SpecVersion, WorkspaceGraph, generate,
};
use serde_json::Value;

fn time() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_700_000_000).unwrap()
}

fn sbom_json(lock_text: &str, spec: SpecVersion) -> (relkit_sbom::Sbom, Value) {
    let lock = Lockfile::parse(lock_text, "Cargo.lock").unwrap();
    let graph = WorkspaceGraph::from_lockfile(&lock, "app", "Cargo.lock").unwrap();
    let mut opts = SbomOptions::new(time());
    opts.spec_version = spec;
    let mut sboms = generate(&graph, &opts).unwrap();
    assert_eq!(sboms.len(), 1);
    let s = sboms.remove(0);
    let v: Value = serde_json::from_slice(&s.json).unwrap();
    (s, v)
}

fn component<'a>(v: &'a Value, purl: &str) -> &'a Value {
    v["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["purl"] == purl)
        .unwrap_or_else(|| panic!("no component {purl} in {v:#}"))
}

#[test]
fn v3_and_v4_keep_checksums_as_sha256_hashes() {
    let mut all = Vec::new();
    for version in [3, 4] {
        let lock = Lockfile::parse(&common::small_lock(version), "Cargo.lock").unwrap();
        assert_eq!(lock.version, version);
        assert_eq!(lock.packages.len(), 7);
        for spec in [SpecVersion::V1_5, SpecVersion::V1_6] {
            let (s, v) = sbom_json(&common::small_lock(version), spec);
            assert_eq!(v["specVersion"], spec.as_str());
            let itoa = component(&v, "pkg:cargo/itoa@1.0.15");
            assert_eq!(itoa["hashes"][0]["alg"], "SHA-256");
            assert_eq!(
                itoa["hashes"][0]["content"],
                "4a5f13b858c8d314ee3e8f639011f7ccefe71f97f96e50151fb991f267928e2c"
            );
            all.push(s);
        }
    }
    common::assert_valid_twice(&all);
}

#[test]
fn purls_for_crates_io_other_registries_git_and_paths() {
    let (_, v) = sbom_json(&common::small_lock(4), SpecVersion::V1_6);
    // sparse crates.io is crates.io.
    component(&v, "pkg:cargo/syn@1.0.109");
    component(
        &v,
        "pkg:cargo/syn@2.0.104?repository_url=https://my.registry.example/index/",
    );
    // '+' in a version is percent-encoded; the git commit goes into vcs_url.
    let git = component(
        &v,
        "pkg:cargo/mygit@0.3.0-beta.1%2Bbuild.5?vcs_url=git%2Bhttps://github.com/example/mygit%400123456789abcdef0123456789abcdef01234567",
    );
    assert!(git.get("hashes").is_none());
    // Path packages: every package in the lock file is a component, the members under metadata.
    let members = v["metadata"]["component"]["components"].as_array().unwrap();
    let names: Vec<&str> = members
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["app", "helper"]);
    assert_eq!(v["components"].as_array().unwrap().len(), 5);
    assert_eq!(v["metadata"]["component"]["name"], "app");
    assert_eq!(
        v["metadata"]["tools"]["components"][0]["name"],
        "relkit-sbom"
    );
    assert_eq!(v["metadata"]["timestamp"], "2023-11-14T22:13:20Z");
}

#[test]
fn dependency_graph_uses_bom_refs_sorted() {
    let (_, v) = sbom_json(&common::small_lock(3), SpecVersion::V1_6);
    let deps = v["dependencies"].as_array().unwrap();
    let refs: Vec<&str> = deps.iter().map(|d| d["ref"].as_str().unwrap()).collect();
    let mut sorted = refs.clone();
    sorted.sort_unstable();
    assert_eq!(refs, sorted);
    let app = deps
        .iter()
        .find(|d| d["ref"] == "pkg:cargo/app@0.1.0")
        .unwrap();
    let on: Vec<&str> = app["dependsOn"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(on.len(), 6);
    assert!(on.contains(&"pkg:cargo/syn@1.0.109"));
    let ws = deps.iter().find(|d| d["ref"] == "workspace:app").unwrap();
    assert_eq!(ws["dependsOn"].as_array().unwrap().len(), 2);
    // Every ref names a component or the metadata component(s).
    let mut known: Vec<String> = v["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap().to_owned())
        .collect();
    known.push("workspace:app".to_owned());
    for m in v["metadata"]["component"]["components"].as_array().unwrap() {
        known.push(m["bom-ref"].as_str().unwrap().to_owned());
    }
    for d in deps {
        assert!(known.contains(&d["ref"].as_str().unwrap().to_owned()));
        // An empty dependsOn is left out.
        for t in d["dependsOn"].as_array().into_iter().flatten() {
            assert!(known.contains(&t.as_str().unwrap().to_owned()), "{t}");
        }
    }
}

#[test]
fn same_input_same_time_same_bytes_and_serial_changes_with_time() {
    let (a, va) = sbom_json(&common::small_lock(4), SpecVersion::V1_6);
    let (b, _) = sbom_json(&common::small_lock(4), SpecVersion::V1_6);
    assert_eq!(a.json, b.json);
    let serial = va["serialNumber"].as_str().unwrap();
    assert!(serial.starts_with("urn:uuid:"), "{serial}");
    // Package order in Cargo.lock does not matter.
    let mut lock = Lockfile::parse(&common::small_lock(4), "Cargo.lock").unwrap();
    lock.packages.reverse();
    let graph = WorkspaceGraph::from_lockfile(&lock, "app", "Cargo.lock").unwrap();
    let c = generate(&graph, &SbomOptions::new(time())).unwrap();
    assert_eq!(c[0].json, a.json);
    // Another time: another timestamp and serial number.
    let later = jiff::Timestamp::from_second(1_800_000_000).unwrap();
    let d = generate(&graph, &SbomOptions::new(later)).unwrap();
    let vd: Value = serde_json::from_slice(&d[0].json).unwrap();
    assert_ne!(vd["serialNumber"], va["serialNumber"]);
}

#[test]
fn per_member_sboms_hold_what_each_member_reaches() {
    let lock = Lockfile::parse(&common::small_lock(4), "Cargo.lock").unwrap();
    let graph = WorkspaceGraph::from_lockfile(&lock, "app", "Cargo.lock").unwrap();
    let mut opts = SbomOptions::new(time());
    opts.per_member = true;
    let sboms = generate(&graph, &opts).unwrap();
    let subjects: Vec<&str> = sboms.iter().map(|s| s.subject.as_str()).collect();
    assert_eq!(subjects, ["app", "helper"]);
    let helper = BomDocument::from_json(&sboms[1].json, "helper").unwrap();
    let purls: Vec<_> = helper
        .components
        .iter()
        .map(|c| c.purl.clone().unwrap())
        .collect();
    assert_eq!(purls, ["pkg:cargo/itoa@1.0.15"]);
    let app = BomDocument::from_json(&sboms[0].json, "app").unwrap();
    assert_eq!(app.components.len(), 6); // helper is a component of app
    common::assert_valid_twice(&sboms);
}

#[test]
fn dev_and_build_kinds_need_cargo_metadata() {
    let lock = Lockfile::parse(&common::small_lock(4), "Cargo.lock").unwrap();
    let graph = WorkspaceGraph::from_lockfile(&lock, "app", "Cargo.lock").unwrap();
    let mut opts = SbomOptions::new(time());
    opts.include_dev = true;
    assert!(matches!(
        generate(&graph, &opts),
        Err(Error::Unsupported(_))
    ));
}

#[test]
fn errors_name_the_file_and_the_problem() {
    let e = Lockfile::parse("version = 4\n[[package]]\nname = 1\n", "w/Cargo.lock").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("w/Cargo.lock: not a Cargo.lock file: "),
        "{e}"
    );
    let bad_sum = "version = 4\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+x\"\nchecksum = \"zz\"\n";
    let e = Lockfile::parse(bad_sum, "w/Cargo.lock").unwrap_err();
    assert_eq!(
        e.to_string(),
        "w/Cargo.lock: not a Cargo.lock file: package a 1.0.0: checksum \"zz\" is not 64 hex digits"
    );
    let dangling =
        "version = 3\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\ndependencies = [\"b\"]\n";
    let lock = Lockfile::parse(dangling, "w/Cargo.lock").unwrap();
    let e = WorkspaceGraph::from_lockfile(&lock, "w", "w/Cargo.lock").unwrap_err();
    assert_eq!(
        e.to_string(),
        "w/Cargo.lock: package a 1.0.0: dependency \"b\" matches no package"
    );
}

#[test]
fn renders_what_cargo_writes() {
    let text = common::small_lock(4);
    let lock = Lockfile::parse(&text, "Cargo.lock").unwrap();
    assert_eq!(lock.render(), text);
}

#[test]
fn reads_the_large_real_lock_files_of_the_corpus() {
    // The skeleton tarballs hold them; the unpacked copy is made by benches/peers.sh.
    // Here: this repository's own Cargo.lock, whatever its size.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock");
    let text = std::fs::read_to_string(path).unwrap();
    let lock = Lockfile::parse(&text, path).unwrap();
    assert!(lock.packages.len() > 50);
    assert_eq!(Lockfile::parse(&lock.render(), "rendered").unwrap(), lock);
    let graph = WorkspaceGraph::from_lockfile(&lock, "relkit", path).unwrap();
    let sboms = generate(&graph, &SbomOptions::new(time())).unwrap();
    let doc = BomDocument::from_json(&sboms[0].json, "relkit").unwrap();
    let with_source = lock.packages.iter().filter(|p| p.source.is_some()).count();
    assert_eq!(doc.components.len(), with_source);
    common::assert_valid_twice(&sboms);
}

fn package() -> impl Strategy<Value = LockPackage> {
    (
        "[a-z][a-z0-9_-]{0,12}",
        "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}(-[a-z0-9.]{1,8})?(\\+[a-z0-9.]{1,8})?",
        proptest::option::of(prop_oneof![
            Just("registry+https://github.com/rust-lang/crates.io-index".to_owned()),
            Just("sparse+https://index.crates.io/".to_owned()),
            "git\\+https://[a-z]{1,8}\\.example/[a-z\"\\\\ ]{1,8}\\?rev=[a-f0-9]{7}#[a-f0-9]{40}",
        ]),
        proptest::option::of("[a-f0-9]{64}"),
        proptest::collection::vec("[a-z][a-z0-9_-]{0,12}( [0-9]\\.[0-9]\\.[0-9])?", 0..4),
    )
        .prop_map(
            |(name, version, source, checksum, dependencies)| LockPackage {
                name,
                version,
                source,
                checksum,
                dependencies,
            },
        )
}

proptest! {
    #[test]
    fn render_then_parse_is_identity(
        version in 3u32..=4,
        packages in proptest::collection::vec(package(), 0..12),
    ) {
        let lock = Lockfile { version, packages };
        let text = lock.render();
        let back = Lockfile::parse(&text, "rendered").unwrap();
        prop_assert_eq!(&back, &lock);
        prop_assert_eq!(back.render(), text);
    }

    #[test]
    fn parse_never_panics(text in "\\PC{0,400}") {
        let _ = Lockfile::parse(&text, "random");
    }
}
