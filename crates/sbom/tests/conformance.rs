//! Upstream's example BOMs get the verdict their names say, in Rust and in Python.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::PathBuf;

use relkit_sbom::{BomDocument, Error, diff};

fn examples() -> Vec<(PathBuf, bool)> {
    let mut out = Vec::new();
    for v in ["1.5", "1.6"] {
        let dir = PathBuf::from(common::EXAMPLES).join(v);
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !name.ends_with(".json") {
                continue;
            }
            let valid = name.starts_with("valid-");
            assert!(valid || name.starts_with("invalid-"), "{name}");
            out.push((path, valid));
        }
    }
    out.sort();
    out
}

#[test]
fn rust_validator_gives_every_example_its_verdict() {
    let list = examples();
    assert!(list.len() >= 128, "{}", list.len());
    let mut wrong = Vec::new();
    for (path, expected) in &list {
        let bytes = std::fs::read(path).unwrap();
        let origin = path.display().to_string();
        let verdict = match common::validator().validate_bytes(&bytes, &origin) {
            Ok(report) => {
                for v in &report.violations {
                    assert!(v.path.starts_with('/'), "{v}");
                }
                report.is_valid()
            }
            // Not JSON, or no specVersion: not valid either.
            Err(Error::NotABom { .. } | Error::UnknownSpecVersion { .. }) => false,
            Err(e) => panic!("{e}"),
        };
        if verdict != *expected {
            wrong.push(origin);
        }
    }
    assert!(wrong.is_empty(), "wrong verdicts: {wrong:#?}");
}

#[test]
fn python_jsonschema_gives_every_example_its_verdict() {
    let list = examples();
    let files: Vec<PathBuf> = list.iter().map(|(p, _)| p.clone()).collect();
    let Some(verdicts) = common::python_verdicts(&files) else {
        return;
    };
    for ((file, valid, _), (_, expected)) in verdicts.iter().zip(&list) {
        assert_eq!(valid, expected, "{file}");
    }
}

#[test]
fn violations_carry_json_paths() {
    let doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
        "components":[{"type":"library","name":"x","purl":3}],
        "metadata":{"timestamp":"yesterday"}}"#;
    let report = common::validator().validate_bytes(doc, "t.json").unwrap();
    let paths: Vec<&str> = report.violations.iter().map(|v| v.path.as_str()).collect();
    assert!(paths.contains(&"/components/0/purl"), "{paths:?}");
    assert!(paths.contains(&"/metadata/timestamp"), "{paths:?}");
    let e = common::validator()
        .validate_bytes(br#"{"specVersion":"9.9"}"#, "t.json")
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "t.json: specVersion \"9.9\" has no schema (known: 1.4, 1.5, 1.6, 1.7)"
    );
}

#[test]
fn reader_and_diff_take_every_valid_example() {
    for (path, valid) in examples() {
        let bytes = std::fs::read(&path).unwrap();
        match BomDocument::from_json(&bytes, &path.display().to_string()) {
            Ok(doc) => assert!(diff(&doc, &doc).is_empty()),
            Err(e) => assert!(!valid, "{e}"),
        }
    }
}

#[test]
fn bundled_schemas_are_the_official_files_and_judge_the_same() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/cyclonedx/schema");
    let bundled = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    for name in [
        "bom-1.5.schema.json",
        "bom-1.6.schema.json",
        "spdx.schema.json",
        "jsf-0.82.schema.json",
    ] {
        assert_eq!(
            std::fs::read(bundled.join(name)).unwrap(),
            std::fs::read(shared.join(name)).unwrap(),
            "{name} differs from the official copy"
        );
    }
    let v = relkit_sbom::SchemaValidator::bundled().unwrap();
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/cyclonedx/examples");
    let mut checked = 0;
    for version in ["1.5", "1.6"] {
        for entry in std::fs::read_dir(examples.join(version)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let report = v
                .validate_bytes(&std::fs::read(&path).unwrap(), &name)
                .unwrap();
            assert_eq!(
                report.is_valid(),
                name.starts_with("valid-"),
                "{name}: {report:?}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 128);
}
