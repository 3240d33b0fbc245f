//! Store tests: push/pull, tags, bad input, referrers, gc.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::HashMap;

use common::file;
use relkit_promote::oci::{ImageManifestBuilder, MediaType};
use relkit_promote::{
    AttachmentKind, Digest, Error, Manifest, PushOptions, Store, decode_manifest, descriptor,
};

fn push(store: &Store, dir: &std::path::Path, tag: &str, content: &[u8]) -> relkit_promote::Pushed {
    let a = file(dir, "app.bin", content);
    let b = file(dir, "notes.txt", b"release notes\n");
    store
        .push_files(
            &[a, b],
            &PushOptions {
                tag: Some(tag.into()),
                ..Default::default()
            },
        )
        .unwrap()
}

#[test]
fn push_pull_round_trip_and_idempotence() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path().join("s")).unwrap();
    let p1 = push(&store, dir.path(), "v1", b"\x00\x01binary\xff");
    let p2 = push(&store, dir.path(), "v1", b"\x00\x01binary\xff");
    assert_eq!(p1, p2, "same files, same digest; tagging again is a no-op");
    assert_eq!(store.tags().unwrap().len(), 1);
    let out = dir.path().join("out");
    let files = store.pull("v1", &out).unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(
        std::fs::read(out.join("app.bin")).unwrap(),
        b"\x00\x01binary\xff"
    );
    assert_eq!(
        std::fs::read(out.join("notes.txt")).unwrap(),
        b"release notes\n"
    );
    // By digest too.
    let out2 = dir.path().join("out2");
    store.pull(&p1.digest.to_string(), &out2).unwrap();
    assert_eq!(
        std::fs::read(out2.join("app.bin")).unwrap(),
        b"\x00\x01binary\xff"
    );
    // The manifest is an OCI 1.1 artifact with titles.
    let Manifest::Image(m) = store.manifest(&p1.digest).unwrap() else {
        panic!()
    };
    assert_eq!(
        m.artifact_type().as_ref().unwrap().to_string(),
        relkit_promote::ARTIFACT_TYPE
    );
    assert_eq!(
        m.config().media_type().to_string(),
        "application/vnd.oci.empty.v1+json"
    );
    let titles: Vec<_> = m
        .layers()
        .iter()
        .map(|l| l.annotations().as_ref().unwrap()[relkit_promote::TITLE].clone())
        .collect();
    assert_eq!(titles, ["app.bin", "notes.txt"]);
    // index.json is canonical: sorted keys, compact.
    let text = std::fs::read_to_string(dir.path().join("s/index.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        String::from_utf8(relkit_promote::json::canonical(&v)).unwrap(),
        text
    );
    assert!(store.check().unwrap().is_empty());
}

#[test]
fn tags_never_move() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path().join("s")).unwrap();
    let p1 = push(&store, dir.path(), "v1", b"one");
    let p2 = file(dir.path(), "two.bin", b"two");
    let e = store
        .push_files(
            &[p2],
            &PushOptions {
                tag: Some("v1".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(matches!(e, Error::TagMoved { .. }), "{e}");
    assert!(e.to_string().contains("tags never move"), "{e}");
    assert_eq!(store.resolve("v1").unwrap().digest, p1.digest);
    // Two tags on one digest are fine.
    store.tag("latest-build", &p1.digest).unwrap();
    assert_eq!(store.tags().unwrap().len(), 2);
}

#[test]
fn bad_input_gets_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path().join("s")).unwrap();
    push(&store, dir.path(), "v1", b"one");
    // Malformed digests.
    for bad in [
        "sha256:../../etc/passwd",
        "sha256:ABCDEF",
        "sha512:00",
        "sha256:44136FA355B3678A1146AD16F7E8649E94FB4FC21FE77E8310C060F61CAAFF8A",
    ] {
        let e = store.resolve(bad).unwrap_err();
        assert!(matches!(e, Error::Digest { .. }), "{bad}: {e}");
        assert!(
            e.to_string().contains(&format!("{bad:?}")),
            "names the input: {e}"
        );
    }
    // Path-like tags.
    for bad in ["../x", "a/b", "..", ".hidden", "", "x y", "v1\n"] {
        let e = store.resolve(bad).unwrap_err();
        assert!(matches!(e, Error::Tag { .. }), "{bad:?}: {e}");
        let f = file(dir.path(), "f.bin", b"x");
        let e = store
            .push_files(
                &[f],
                &PushOptions {
                    tag: Some(bad.into()),
                    ..Default::default()
                },
            )
            .unwrap_err();
        assert!(matches!(e, Error::Tag { .. }), "{bad:?}: {e}");
    }
    // Unknown tag.
    let e = store.resolve("nope").unwrap_err();
    assert!(
        matches!(e, Error::NotFound { .. }) && e.to_string().contains("\"nope\""),
        "{e}"
    );
    // A manifest whose blobs are missing.
    let missing = Digest::of(b"never stored");
    let (cfg, size) = store.put_blob_bytes(b"{}").unwrap();
    let m = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .config(descriptor("application/vnd.oci.empty.v1+json", &cfg, size).unwrap())
        .layers(vec![
            descriptor("application/octet-stream", &missing, 12).unwrap(),
        ])
        .build()
        .unwrap();
    let e = store.put_manifest(&m, Some("broken")).unwrap_err();
    assert!(matches!(e, Error::BlobMissing { .. }), "{e}");
    assert!(e.to_string().contains(&missing.to_string()), "{e}");
    assert!(store.resolve("broken").is_err(), "nothing was added");
    // Undecodable manifests.
    for (bytes, want) in [
        (&b"not json"[..], "not JSON"),
        (br#"{"schemaVersion":1,"config":{},"layers":[]}"#, "schemaVersion"),
        (br#"{"schemaVersion":2,"mediaType":"text/plain"}"#, "mediaType"),
        (
            br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"a/b","size":2,"digest":"sha256:../../x"},"layers":[]}"#,
            "../../x",
        ),
    ] {
        let e = decode_manifest(bytes, "m.json").unwrap_err();
        assert!(e.to_string().starts_with("m.json: ") && e.to_string().contains(want), "{e}");
    }
    // A blob that does not hash to what it should.
    let e = store
        .put_blob_checked(&mut &b"abc"[..], Some(&Digest::of(b"abd")))
        .unwrap_err();
    assert!(matches!(e, Error::BlobCorrupt { .. }), "{e}");
    // Path-like file names in a pulled manifest are refused.
    let (blob, bsize) = store.put_blob_bytes(b"evil").unwrap();
    let mut layer = descriptor("application/octet-stream", &blob, bsize).unwrap();
    layer.set_annotations(Some(HashMap::from([(
        relkit_promote::TITLE.to_owned(),
        "../evil".to_owned(),
    )])));
    let m = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .config(descriptor("application/vnd.oci.empty.v1+json", &cfg, size).unwrap())
        .layers(vec![layer])
        .build()
        .unwrap();
    store.put_manifest(&m, Some("evil")).unwrap();
    let e = store.pull("evil", &dir.path().join("o")).unwrap_err();
    assert!(matches!(e, Error::FileName { .. }), "{e}");
    assert!(!dir.path().join("evil").exists());
    // Not a layout.
    let e = Store::open(dir.path()).unwrap_err();
    assert!(matches!(e, Error::Layout { .. }), "{e}");
}

#[test]
fn referrers_follow_copies_and_gc() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path().join("s")).unwrap();
    let p = push(&store, dir.path(), "v1", b"one");
    let sbom = file(dir.path(), "sbom.cdx.json", br#"{"bomFormat":"CycloneDX"}"#);
    let att = file(dir.path(), "provenance.json", br#"{"_type":"x"}"#);
    let s = store
        .attach("v1", &sbom, AttachmentKind::Sbom, None)
        .unwrap();
    let a = store
        .attach(
            &p.digest.to_string(),
            &att,
            AttachmentKind::Attestation,
            None,
        )
        .unwrap();
    let refs = store.referrers(&p.digest).unwrap();
    assert_eq!(refs.len(), 2);
    assert_eq!(refs[0].digest, s.digest);
    assert_eq!(refs[0].kind, Some(AttachmentKind::Sbom));
    assert_eq!(refs[1].digest, a.digest);
    // Copy into another store: same digest, referrers come along.
    let other = Store::create(dir.path().join("o")).unwrap();
    let copied = store.copy_to("v1", &other, Some("v1")).unwrap();
    assert_eq!(copied.digest, p.digest);
    let refs2 = other.referrers(&p.digest).unwrap();
    assert_eq!(refs2.len(), 2);
    assert!(other.check().unwrap().is_empty());
    // gc: an orphan blob goes, everything reachable stays.
    let (orphan, _) = store.put_blob_bytes(b"orphan").unwrap();
    let plan = store.gc_plan(std::time::Duration::ZERO).unwrap();
    assert_eq!(
        plan.blobs.iter().map(|b| b.0).collect::<Vec<_>>(),
        vec![orphan]
    );
    let done = store.gc_apply(&plan).unwrap();
    assert_eq!(done.blobs.len(), 1);
    assert!(!store.has_blob(&orphan));
    assert!(store.check().unwrap().is_empty());
    // A young blob is not collected (a push may be in flight).
    store.put_blob_bytes(b"young").unwrap();
    assert!(
        store
            .gc_plan(std::time::Duration::from_secs(3600))
            .unwrap()
            .blobs
            .is_empty()
    );
}

#[test]
fn check_finds_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path().join("s")).unwrap();
    let p = push(&store, dir.path(), "v1", b"one");
    let (_, layer) = &p.files[0];
    std::fs::write(store.blob_path(layer), b"two").unwrap();
    let problems = store.check().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains(&layer.to_string()) && problems[0].contains("corrupt"),
        "{problems:?}"
    );
    std::fs::remove_file(store.blob_path(layer)).unwrap();
    let problems = store.check().unwrap();
    assert!(problems[0].contains("missing"), "{problems:?}");
}

#[test]
fn pushing_reports_progress_per_file_up_to_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path().join("s")).unwrap();
    // Larger than one read buffer, so the progress comes in several steps.
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let files = [
        common::file(dir.path(), "big.bin", &big),
        common::file(dir.path(), "small.txt", b"small"),
    ];
    let mut seen: Vec<(usize, u64)> = Vec::new();
    let pushed = store
        .push_files_with_progress(&files, &PushOptions::default(), &mut |i, n| {
            seen.push((i, n))
        })
        .unwrap();
    for (i, size) in [(0, big.len() as u64), (1, 5)] {
        let steps: Vec<u64> = seen.iter().filter(|s| s.0 == i).map(|s| s.1).collect();
        assert!(
            steps.windows(2).all(|w| w[0] <= w[1]),
            "never backwards: {steps:?}"
        );
        assert_eq!(steps.last(), Some(&size), "file {i} ends at its size");
    }
    assert!(seen.iter().filter(|s| s.0 == 0).count() > 1, "{seen:?}");
    // The same artifact as without progress.
    let again = store.push_files(&files, &PushOptions::default()).unwrap();
    assert_eq!(again.digest, pushed.digest);
}
