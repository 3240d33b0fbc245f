//! The next version of large histories, in process.
//!
//! `cargo bench -p relkit-benches --bench version`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use relkit_git::{Query, Repo, Walk, plan};
use relkit_version::{BumpPolicy, Commit, NextOptions, Released, next_version};

fn bench(c: &mut Criterion) {
    let hist = relkit_benches::history(100_000).unwrap();
    let mut g = c.benchmark_group("version");
    g.sample_size(20);

    // The whole job: open, tags, current release, commits since, next version.
    g.bench_function("next/history-100k (510 commits since v10.0.0)", |b| {
        b.iter(|| {
            let mut repo = Repo::open(&hist).unwrap();
            black_box(plan(&mut repo, &Query::default()).unwrap())
        });
    });

    // The worst case: no release tag, every one of the 102,000 commits is read.
    let mut repo = Repo::open(&hist).unwrap();
    let all = repo.commits(&Walk::default()).unwrap();
    g.throughput(Throughput::Elements(all.len() as u64));
    g.bench_function("walk/all 102k commits", |b| {
        b.iter(|| black_box(repo.commits(&Walk::default()).unwrap().len()));
    });

    // The pure core: classify and bump 102k messages.
    g.bench_function("classify+next/102k messages", |b| {
        b.iter(|| {
            let commits: Vec<Commit> = all.iter().map(|c| Commit::new(&c.id, &c.message)).collect();
            let released = Released::default();
            black_box(next_version(&released, &commits, &NextOptions::default()).unwrap())
        });
    });
    let commits: Vec<Commit> = all.iter().map(|c| Commit::new(&c.id, &c.message)).collect();
    g.bench_function("bump/102k classified", |b| {
        b.iter(|| black_box(BumpPolicy::default().summarize(&commits).unwrap()));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
