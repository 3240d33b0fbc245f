//! Diffing two SBOMs: added, removed, upgraded, downgraded, license changes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use proptest::prelude::*;
use relkit_sbom::{BomDocument, Lockfile, SbomOptions, WorkspaceGraph, diff, generate};
use serde_json::json;

fn bom(components: &[(&str, &str, Option<&str>)]) -> BomDocument {
    let cs: Vec<_> = components
        .iter()
        .map(|(n, v, l)| {
            let mut c = json!({"type": "library", "name": n, "version": v,
                "purl": format!("pkg:cargo/{n}@{v}")});
            if let Some(l) = l {
                c["licenses"] = json!([{"expression": l}]);
            }
            c
        })
        .collect();
    let doc =
        json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": cs});
    BomDocument::from_json(&serde_json::to_vec(&doc).unwrap(), "test").unwrap()
}

#[test]
fn generated_sboms_before_and_after_an_update() {
    let old_text = common::small_lock(4);
    let new_text = old_text
        .replace("\"1.0.15\"", "\"1.0.16\"")
        .replace("1.0.219", "1.0.100")
        .replace("name = \"mygit\"", "name = \"othergit\"")
        .replace(" \"mygit\",", " \"othergit\",");
    let time = jiff::Timestamp::from_second(1_700_000_000).unwrap();
    let sbom = |text: &str| {
        let lock = Lockfile::parse(text, "Cargo.lock").unwrap();
        let g = WorkspaceGraph::from_lockfile(&lock, "app", "Cargo.lock").unwrap();
        generate(&g, &SbomOptions::new(time)).unwrap().remove(0)
    };
    let (old, new) = (sbom(&old_text), sbom(&new_text));
    common::assert_valid_twice(&[old.clone(), new.clone()]);
    let d = diff(
        &BomDocument::from_json(&old.json, "old").unwrap(),
        &BomDocument::from_json(&new.json, "new").unwrap(),
    );
    assert_eq!(d.upgraded.len(), 1);
    assert_eq!(
        (
            d.upgraded[0].name.as_str(),
            d.upgraded[0].old.as_str(),
            d.upgraded[0].new.as_str()
        ),
        ("itoa", "1.0.15", "1.0.16")
    );
    assert_eq!(d.downgraded.len(), 1);
    assert_eq!(d.downgraded[0].new, "1.0.100");
    assert_eq!(d.added.len(), 1);
    assert_eq!(d.added[0].name, "othergit");
    assert_eq!(d.removed[0].name, "mygit");
    let text = d.to_string();
    assert!(
        text.contains("upgraded    itoa 1.0.15 -> 1.0.16\n"),
        "{text}"
    );
    assert!(text.ends_with("1 added, 1 removed, 1 upgraded, 1 downgraded, 0 license changes\n"));
    let j = serde_json::to_value(&d).unwrap();
    assert_eq!(j["upgraded"][0]["new"], "1.0.16");
}

#[test]
fn license_changes_and_several_versions_of_one_crate() {
    let old = bom(&[
        ("syn", "1.0.109", Some("MIT")),
        ("syn", "2.0.10", Some("MIT")),
        ("left", "1.0.0", Some("MIT")),
    ]);
    let new = bom(&[
        ("syn", "1.0.109", Some("MIT OR Apache-2.0")),
        ("syn", "2.0.20", Some("MIT")),
        ("syn", "3.0.0", None),
    ]);
    let d = diff(&old, &new);
    assert_eq!(d.upgraded.len(), 1);
    assert_eq!(d.upgraded[0].old, "2.0.10");
    assert_eq!(d.upgraded[0].new, "2.0.20");
    assert_eq!(d.added.len(), 1);
    assert_eq!(d.added[0].version.as_deref(), Some("3.0.0"));
    assert_eq!(d.removed[0].name, "left");
    assert_eq!(d.license_changed.len(), 1);
    assert_eq!(d.license_changed[0].old.as_deref(), Some("MIT"));
    assert_eq!(
        d.license_changed[0].new.as_deref(),
        Some("MIT OR Apache-2.0")
    );
    assert!(d.downgraded.is_empty());
}

#[test]
fn not_a_bom_is_an_error_naming_the_file() {
    let e = BomDocument::from_json(b"{}", "x.json").unwrap_err();
    assert_eq!(
        e.to_string(),
        "x.json: not a CycloneDX JSON BOM: \"bomFormat\" is not \"CycloneDX\""
    );
    let e = BomDocument::from_json(b"[", "y.json").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("y.json: not a CycloneDX JSON BOM: ")
    );
}

fn components() -> impl Strategy<Value = Vec<(String, String, Option<String>)>> {
    proptest::collection::vec(
        (
            "[a-d]",
            "[0-3]\\.[0-3]\\.[0-3]",
            proptest::option::of(prop_oneof![
                Just("MIT".to_owned()),
                Just("Apache-2.0".to_owned())
            ]),
        ),
        0..10,
    )
}

fn to_bom(cs: &[(String, String, Option<String>)]) -> BomDocument {
    let v: Vec<(&str, &str, Option<&str>)> = cs
        .iter()
        .map(|(n, v, l)| (n.as_str(), v.as_str(), l.as_deref()))
        .collect();
    bom(&v)
}

proptest! {
    #[test]
    fn diff_invariants(a in components(), b in components()) {
        let (a, b) = (to_bom(&a), to_bom(&b));
        // Nothing changes between a BOM and itself.
        prop_assert!(diff(&a, &a).is_empty());
        let ab = diff(&a, &b);
        let ba = diff(&b, &a);
        // Symmetry: added <-> removed, upgraded <-> downgraded.
        prop_assert_eq!(&ab.added, &ba.removed);
        prop_assert_eq!(&ab.removed, &ba.added);
        prop_assert_eq!(ab.upgraded.len(), ba.downgraded.len());
        prop_assert_eq!(ab.downgraded.len(), ba.upgraded.len());
        prop_assert_eq!(ab.license_changed.len(), ba.license_changed.len());
        // Conservation: distinct (key, version) counts on each side.
        let distinct = |d: &BomDocument| {
            let mut v: Vec<(String, Option<String>)> = d.components.iter().map(|c| (c.key(), c.version.clone())).collect();
            v.sort(); v.dedup(); v.len()
        };
        let moved = ab.upgraded.len() + ab.downgraded.len();
        prop_assert_eq!(distinct(&a) - ab.removed.len() - moved, distinct(&b) - ab.added.len() - moved);
        for u in &ab.upgraded {
            prop_assert_eq!(relkit_sbom::compare_versions(&u.old, &u.new), std::cmp::Ordering::Less);
        }
    }

    #[test]
    fn reader_never_panics(text in "\\PC{0,300}") {
        let _ = BomDocument::from_json(text.as_bytes(), "random");
    }
}
