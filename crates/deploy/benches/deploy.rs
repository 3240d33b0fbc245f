//! Benchmarks: simulated steps per second, and the Mann-Whitney U test on
//! 100 000 against 100 000 samples.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use relkit_deploy::{
    AnalysisTemplate, BackgroundAnalysis, CanaryStep, CodeDeployPreset, Library, Metric,
    MetricSeries, Observation, RolloutSpec, Simulation, Strategy, mann_whitney_u,
};

/// A deterministic stream of numbers in [0, 1) (a 64-bit LCG), so that runs compare.
fn samples(n: usize, seed: u64, shift: f64) -> Vec<f64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 11) as f64 / (1u64 << 53) as f64 + shift
        })
        .collect()
}

fn simulation() -> Simulation {
    // Linear10PercentEvery10Minutes as explicit steps, with a background
    // analysis measured every 10 s: 90 minutes, 541 measurements, 19 steps.
    let mut canary = CodeDeployPreset::Linear10PercentEvery10Minutes.to_canary();
    canary.analysis = Some(BackgroundAnalysis {
        templates: vec!["sr".into()],
        args: vec![],
        starting_step: 0,
    });
    assert!(
        canary
            .steps
            .iter()
            .any(|s| matches!(s, CanaryStep::Pause(_)))
    );
    let mut m = Metric::new("success-rate");
    m.interval = Some(Duration::from_secs(10));
    m.success_condition = Some("result[0] >= 0.95 && !isNaN(result[0])".into());
    m.failure_limit = 3;
    let library = Library::new().with(AnalysisTemplate {
        name: "sr".into(),
        args: vec![],
        metrics: vec![m],
    });
    let mut series = MetricSeries::new();
    for (i, v) in samples(540, 7, 0.96).into_iter().enumerate() {
        series.push(
            "success-rate",
            Duration::from_secs(i as u64 * 10),
            Observation::Scalar(v.min(1.0)),
        );
    }
    Simulation::new(
        RolloutSpec::new("bench", 100, Strategy::Canary(canary)),
        library,
        series,
    )
    .unwrap()
}

fn bench_simulation(c: &mut Criterion) {
    let sim = simulation();
    let report = sim.run();
    // A simulated step: one entry of the timeline (a state change or a measurement time).
    let steps = report.timeline.len() as u64;
    let mut group = c.benchmark_group("simulate");
    group.throughput(Throughput::Elements(steps));
    group.bench_function("linear10every10m_background_10s", |b| {
        b.iter(|| black_box(sim.run()))
    });
    group.finish();
}

fn bench_mann_whitney(c: &mut Criterion) {
    let canary = samples(100_000, 1, 0.001);
    let baseline = samples(100_000, 2, 0.0);
    let mut group = c.benchmark_group("mann_whitney");
    group.sample_size(30);
    group.bench_function("100k_vs_100k", |b| {
        b.iter(|| black_box(mann_whitney_u(black_box(&canary), black_box(&baseline))))
    });
    group.finish();
}

criterion_group!(benches, bench_simulation, bench_mann_whitney);
criterion_main!(benches);
