//! The whole-history changelog of a large real history, in process.
//!
//! `cargo bench -p relkit-benches --bench changelog`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use relkit_changelog::{Commit, DEFAULT_HEADER, Options, ReleaseInput, build, markdown};
use relkit_git::{Repo, Walk};

fn bench(c: &mut Criterion) {
    let repo_dir = relkit_benches::corpus("nuxt").unwrap();
    let mut repo = Repo::open(&repo_dir).unwrap();
    let commits = repo.commits(&Walk::default()).unwrap();
    let mut g = c.benchmark_group("changelog");
    g.sample_size(10);
    g.bench_function(
        "classify+build+render/nuxt 18.8k commits as one release",
        |b| {
            b.iter(|| {
                let input = ReleaseInput {
                    commits: commits
                        .iter()
                        .map(|c| Commit::new(c.id.clone(), c.message.clone()))
                        .collect(),
                    ..ReleaseInput::default()
                };
                let log = build(&[input], &Options::default());
                black_box(markdown(&log, DEFAULT_HEADER, Some("Breaking Changes")).len())
            });
        },
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
