//! A promotion decision with 10k records of history: replaying (and
//! verifying) the chain, and `evaluate` on the replayed state.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use relkit_promote::{
    Decision, Digest, Evidence, Pipeline, Record, RecordKind, Request, State, evaluate,
};

fn history(n: usize) -> Vec<Record> {
    let envs = ["dev", "staging", "prod"];
    let mut state = State::default();
    let mut records = Vec::with_capacity(n);
    let t0 = jiff::Timestamp::from_second(1_700_000_000).unwrap();
    let triples = n / envs.len();
    for i in 0..=triples {
        let digest = Digest::of(&i.to_le_bytes());
        // The last artifact reaches staging only: prod is asked to take it.
        let last = i == triples;
        for (k, env) in envs.iter().enumerate() {
            if last && *env == "prod" {
                break;
            }
            let mut ev = Evidence::default();
            ev.approvals.insert("bob".into());
            let r = state.next_record(
                env,
                digest,
                Some(format!("v{i}")),
                t0 + jiff::SignedDuration::from_secs((i * 10 + k) as i64),
                "ci",
                RecordKind::Promotion,
                None,
                ev,
            );
            state.apply(&r).unwrap();
            records.push(r);
        }
    }
    records
}

fn bench(c: &mut Criterion) {
    let records = history(10_000);
    let state = State::replay(&records).unwrap();
    let pipeline = Pipeline::from_toml(
        "[environments.dev]\n[environments.staging]\nupstream=[\"dev\"]\nsoak=\"1h\"\n[environments.prod]\nupstream=[\"staging\"]\napprovals=1\nchecks=[\"tests\"]\n",
        "bench",
    )
    .unwrap();
    let candidate = state.current("staging").unwrap().clone();
    let mut evidence = Evidence::default();
    evidence.approvals.insert("bob".into());
    evidence
        .checks
        .insert("tests".into(), relkit_promote::CheckStatus::Pass);
    let req = Request {
        environment: "prod".into(),
        digest: candidate.digest,
        tag: candidate.tag.clone(),
        actor: "ci".into(),
        author: Some("alice".into()),
        evidence,
        force: false,
        reason: None,
    };
    let now = candidate.since + jiff::SignedDuration::from_hours(2);
    assert!(records.len() >= 10_000);
    assert!(matches!(
        evaluate(&pipeline, &state, &req, now),
        Decision::Allow { .. }
    ));
    c.bench_function("evaluate (10k-record history, state replayed)", |b| {
        b.iter(|| {
            evaluate(
                black_box(&pipeline),
                black_box(&state),
                black_box(&req),
                now,
            )
        })
    });
    c.bench_function("replay + verify 10k records, then evaluate", |b| {
        b.iter(|| {
            let s = State::replay(black_box(&records)).unwrap();
            evaluate(&pipeline, &s, &req, now)
        })
    });
    let text: String = records
        .iter()
        .map(|r| {
            String::from_utf8(relkit_promote::json::to_canonical(r, "r").unwrap()).unwrap() + "\n"
        })
        .collect();
    c.bench_function(
        "parse + replay + verify 10k records (history.jsonl), then evaluate",
        |b| {
            b.iter(|| {
                let mut s = State::default();
                for line in black_box(&text).lines() {
                    let r: Record = serde_json::from_str(line).unwrap();
                    s.apply(&r).unwrap();
                }
                evaluate(&pipeline, &s, &req, now)
            })
        },
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
