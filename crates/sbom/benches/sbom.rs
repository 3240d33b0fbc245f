//! Hot paths of relkit-sbom on a synthetic 1,000-package Cargo.lock (the size of nushell's)
//! and on this repository's own Cargo.lock.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use relkit_sbom::{
    BomDocument, Lockfile, SbomOptions, SchemaValidator, WorkspaceGraph, diff, generate,
};

/// 1,000 crates.io packages, each depending on up to 5 earlier ones, plus one member.
fn synthetic_lock(n: usize) -> String {
    let mut s = String::from("version = 4\n");
    let _ = write!(
        s,
        "\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\n"
    );
    for i in (0..n).step_by(7) {
        let _ = writeln!(s, " \"crate-{i}\",");
    }
    s.push_str("]\n");
    for i in 0..n {
        let _ = write!(
            s,
            "\n[[package]]\nname = \"crate-{i}\"\nversion = \"1.{}.{}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{:064x}\"\n",
            i % 13,
            i % 7,
            i * 7919 + 1
        );
        let deps: Vec<usize> = (1..=5).filter(|d| i >= d * 3).map(|d| i - d * 3).collect();
        if !deps.is_empty() {
            s.push_str("dependencies = [\n");
            for d in deps {
                let _ = writeln!(s, " \"crate-{d}\",");
            }
            s.push_str("]\n");
        }
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = synthetic_lock(1_000);
    let own =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock")).unwrap();
    let time = jiff::Timestamp::from_second(1_700_000_000).unwrap();

    c.bench_function("lockfile/parse 1000 packages", |b| {
        b.iter(|| Lockfile::parse(black_box(&text), "bench").unwrap());
    });
    c.bench_function("lockfile/parse relkit Cargo.lock", |b| {
        b.iter(|| Lockfile::parse(black_box(&own), "bench").unwrap());
    });
    let lock = Lockfile::parse(&text, "bench").unwrap();
    c.bench_function("lockfile/render 1000 packages", |b| {
        b.iter(|| black_box(&lock).render())
    });
    let graph = WorkspaceGraph::from_lockfile(&lock, "app", "bench").unwrap();
    let opts = SbomOptions::new(time);
    c.bench_function("generate/1000 components (CycloneDX 1.6 JSON)", |b| {
        b.iter(|| generate(black_box(&graph), &opts).unwrap());
    });
    c.bench_function("end-to-end/lockfile-only 1000 packages", |b| {
        b.iter(|| {
            let lock = Lockfile::parse(black_box(&text), "bench").unwrap();
            let g = WorkspaceGraph::from_lockfile(&lock, "app", "bench").unwrap();
            generate(&g, &opts).unwrap()
        });
    });
    let sbom = generate(&graph, &opts).unwrap().remove(0);
    let doc = BomDocument::from_json(&sbom.json, "bench").unwrap();
    c.bench_function("reader/1000 components", |b| {
        b.iter(|| BomDocument::from_json(black_box(&sbom.json), "bench").unwrap());
    });
    let other = {
        let t = text.replace("version = \"1.3.", "version = \"1.4.");
        let l = Lockfile::parse(&t, "bench").unwrap();
        let g = WorkspaceGraph::from_lockfile(&l, "app", "bench").unwrap();
        BomDocument::from_json(&generate(&g, &opts).unwrap()[0].json, "bench").unwrap()
    };
    c.bench_function("diff/1000 vs 1000 components", |b| {
        b.iter(|| diff(black_box(&doc), &other))
    });
    let validator = SchemaValidator::from_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/cyclonedx/schema"
    ))
    .unwrap();
    let _ = validator.validate_bytes(&sbom.json, "warm-up").unwrap();
    c.bench_function("validate/1000 components against bom-1.6", |b| {
        b.iter(|| {
            validator
                .validate_bytes(black_box(&sbom.json), "bench")
                .unwrap()
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
