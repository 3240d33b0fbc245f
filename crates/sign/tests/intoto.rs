//! in-toto Statement v1 / SLSA Provenance v1: the shared examples parse; ours round-trip.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::testdata;
use relkit_sign::dsse::IN_TOTO_PAYLOAD_TYPE;
use relkit_sign::intoto::{SLSA_PROVENANCE_TYPE, subjects_for_files};
use relkit_sign::{
    Error, Provenance, ResourceDescriptor, SecretKey, Statement, TrustPolicy, verify_attestation,
};
use serde_json::{Value, json};

#[test]
fn every_shared_statement_parses() {
    let dir = testdata("in-toto/statements");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let st = Statement::from_json(&bytes, &path.display().to_string())
            .unwrap_or_else(|e| panic!("{e}"));
        // Re-serializing keeps every field: compare as JSON values.
        let original: Value = serde_json::from_slice(&bytes).unwrap();
        let ours: Value = serde_json::from_slice(&st.to_json()).unwrap();
        assert_eq!(original, ours, "{}", path.display());
        n += 1;
    }
    assert_eq!(n, 9);
}

#[test]
fn every_shared_resource_descriptor_parses() {
    for i in 1..=5 {
        let path = testdata(&format!(
            "in-toto/resource-descriptors/resource_descriptor-{i}.json"
        ));
        let original: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let rd: ResourceDescriptor = serde_json::from_value(original.clone()).unwrap();
        assert_eq!(serde_json::to_value(&rd).unwrap(), original);
    }
}

#[test]
fn slsa_example_parses_as_provenance() {
    let bytes = std::fs::read(testdata("in-toto/slsa-provenance-v1.example.json")).unwrap();
    let st = Statement::from_json(&bytes, "slsa example").unwrap();
    assert_eq!(st.predicate_type, SLSA_PROVENANCE_TYPE);
    let p = st.provenance().unwrap().unwrap();
    assert_eq!(
        p.build_definition.build_type,
        "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1"
    );
    assert_eq!(
        p.build_definition.resolved_dependencies[0].digest["gitCommit"],
        "c27d339ee6075c1f744c5d4b200f7901aad2c369"
    );
    assert_eq!(
        p.run_details
            .metadata
            .as_ref()
            .unwrap()
            .started_on
            .as_deref(),
        Some("2023-01-01T12:34:56Z")
    );
    assert_eq!(
        p.to_value(),
        serde_json::from_slice::<Value>(&bytes).unwrap()["predicate"]
    );
}

#[test]
fn rejects_bad_statements() {
    let bad = [
        json!({"_type": "https://in-toto.io/Statement/v0.1", "subject": [{"name": "a", "digest": {"sha256": "00"}}], "predicateType": "x"}),
        json!({"_type": "https://in-toto.io/Statement/v1", "subject": [], "predicateType": "x"}),
        json!({"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": "a"}], "predicateType": "x"}),
        json!({"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": "a", "digest": {"sha256": "00"}}]}),
    ];
    for b in bad {
        assert!(
            matches!(
                Statement::from_json(b.to_string().as_bytes(), "bad"),
                Err(Error::Statement { .. })
            ),
            "{b}"
        );
    }
}

fn provenance() -> Provenance {
    Provenance::new(
        "https://relkit.dev/build/cargo/v1",
        "https://ci.example.com/runner",
    )
    .with_external_parameter("ref", json!("refs/tags/v1.0.0"))
    .with_resolved_dependency(ResourceDescriptor::git_commit(
        "git+https://example.com/relkit@refs/tags/v1.0.0",
        "0123456789abcdef0123456789abcdef01234567",
    ))
    .with_invocation_id("run-42")
    .with_times(
        "2026-01-02T03:04:05Z".parse().unwrap(),
        "2026-01-02T03:14:05Z".parse().unwrap(),
    )
}

#[test]
fn provenance_is_deterministic_and_has_the_fields() {
    let st = Statement::slsa(vec![ResourceDescriptor::subject("a", "00")], &provenance());
    let a = st.to_json();
    let b = Statement::slsa(vec![ResourceDescriptor::subject("a", "00")], &provenance()).to_json();
    assert_eq!(a, b);
    let v: Value = serde_json::from_slice(&a).unwrap();
    assert_eq!(v["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(
        v["predicate"]["runDetails"]["metadata"]["startedOn"],
        "2026-01-02T03:04:05Z"
    );
    assert_eq!(
        v["predicate"]["runDetails"]["metadata"]["finishedOn"],
        "2026-01-02T03:14:05Z"
    );
    assert_eq!(
        v["predicate"]["runDetails"]["builder"]["id"],
        "https://ci.example.com/runner"
    );
    assert_eq!(
        v["predicate"]["buildDefinition"]["resolvedDependencies"][0]["digest"]["gitCommit"],
        "0123456789abcdef0123456789abcdef01234567"
    );
    assert_eq!(Statement::from_json(&a, "ours").unwrap(), st);
}

#[test]
fn attestation_verifies_against_files_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let f1 = dir.path().join("app.tar.gz");
    let f2 = dir.path().join("app.sha256");
    std::fs::write(&f1, b"the release").unwrap();
    std::fs::write(&f2, b"checksums").unwrap();
    let files = vec![f1.clone(), f2.clone()];
    let subjects = subjects_for_files(&files, &|_, _| {}).unwrap();
    assert_eq!(subjects[0].name.as_deref(), Some("app.tar.gz"));
    let key = SecretKey::generate().unwrap();
    let env = Statement::slsa(subjects, &provenance()).sign(&[&key]);
    let policy = TrustPolicy::new(
        vec![("ci".into(), key.public_key())],
        1,
        IN_TOTO_PAYLOAD_TYPE,
    )
    .unwrap();
    let ok = verify_attestation(&env, &policy, &files, &|_, _| {}).unwrap();
    assert_eq!(ok.signed_by, ["ci"]);
    // A changed file no longer matches.
    std::fs::write(&f2, b"checksumz").unwrap();
    assert!(matches!(
        verify_attestation(&env, &policy, &files, &|_, _| {}),
        Err(Error::SubjectMismatch { .. })
    ));
    // Another key's policy rejects it.
    let other = SecretKey::generate().unwrap();
    let policy2 = TrustPolicy::new(
        vec![("x".into(), other.public_key())],
        1,
        IN_TOTO_PAYLOAD_TYPE,
    )
    .unwrap();
    assert!(matches!(
        verify_attestation(&env, &policy2, &[f1], &|_, _| {}),
        Err(Error::ThresholdNotMet { .. })
    ));
}
