//! Property tests of the state machines: the invariants issue 7 lists.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use proptest::prelude::{Just, any, prop_assert, prop_assert_eq, prop_oneof, proptest};
use proptest::strategy::Strategy as Gen;
use relkit_deploy::*;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn library() -> Library {
    let mut m = Metric::new("m");
    m.interval = Some(secs(30));
    m.count = Some(3);
    m.success_condition = Some("result >= 0.5".into());
    m.failure_limit = 1;
    let mut bg = Metric::new("bg");
    bg.interval = Some(secs(45));
    bg.success_condition = Some("result >= 0.2".into());
    bg.failure_condition = Some("result < 0.1".into());
    bg.inconclusive_limit = 1;
    Library::new()
        .with(AnalysisTemplate {
            name: "step".into(),
            args: vec![],
            metrics: vec![m],
        })
        .with(AnalysisTemplate {
            name: "bg".into(),
            args: vec![],
            metrics: vec![bg],
        })
}

fn quantity() -> impl Gen<Value = IntOrPercent> {
    prop_oneof![
        (0u32..6).prop_map(IntOrPercent::Count),
        (0u32..=100).prop_map(IntOrPercent::Percent)
    ]
}

fn canary_strategy() -> impl Gen<Value = Strategy> {
    let step = prop_oneof![
        (0u32..=100).prop_map(CanaryStep::SetWeight),
        proptest::option::of(1u64..600).prop_map(|d| CanaryStep::Pause(Pause {
            duration: d.map(Duration::from_secs)
        })),
        Just(CanaryStep::Analysis(AnalysisRef::template("step"))),
        (0u32..12).prop_map(|r| CanaryStep::SetCanaryScale(CanaryScale::Replicas(r))),
        Just(CanaryStep::SetCanaryScale(CanaryScale::MatchTrafficWeight)),
    ];
    (
        proptest::collection::vec(step, 0..10),
        proptest::option::of(0usize..4),
    )
        .prop_map(|(mut steps, bg)| {
            // Weights in a valid canary never decrease: sort them in place.
            let mut weights: Vec<u32> = steps
                .iter()
                .filter_map(|s| {
                    if let CanaryStep::SetWeight(w) = s {
                        Some(*w)
                    } else {
                        None
                    }
                })
                .collect();
            weights.sort_unstable();
            let mut it = weights.into_iter();
            for s in &mut steps {
                if let CanaryStep::SetWeight(w) = s {
                    *w = it.next().unwrap();
                }
            }
            let n = steps.len();
            let mut c = CanarySpec::with_steps(steps);
            c.analysis = bg.map(|s| BackgroundAnalysis {
                templates: vec!["bg".into()],
                args: vec![],
                starting_step: s.min(n),
            });
            Strategy::Canary(c)
        })
}

fn any_strategy() -> impl Gen<Value = Strategy> {
    prop_oneof![
        canary_strategy(),
        (quantity(), quantity(), 1u64..60).prop_map(|(s, u, r)| Strategy::Rolling(RollingSpec {
            max_surge: s,
            max_unavailable: u,
            ready_after: secs(r)
        })),
        (
            any::<bool>(),
            proptest::option::of(0u64..300),
            0u64..120,
            any::<bool>(),
            any::<bool>()
        )
            .prop_map(|(auto, delay, down, pre, post)| Strategy::BlueGreen(
                BlueGreenSpec {
                    auto_promotion_enabled: auto,
                    auto_promotion_delay: delay.map(secs),
                    scale_down_delay: secs(down),
                    pre_promotion_analysis: pre.then(|| AnalysisRef::template("step")),
                    post_promotion_analysis: post.then(|| AnalysisRef::template("step")),
                    ..BlueGreenSpec::default()
                }
            )),
        (1u32..=100, 1u64..900, any::<bool>(), any::<bool>()).prop_map(|(p, d, a, auto)| {
            Strategy::Shadow(ShadowSpec {
                mirror_percent: p,
                duration: secs(d),
                analysis: a.then(|| AnalysisRef::template("bg")),
                auto_promote: auto,
            })
        }),
        proptest::sample::select(CodeDeployPreset::ALL.to_vec()).prop_map(Strategy::CodeDeploy),
        Just(Strategy::AllAtOnce),
    ]
}

fn series() -> impl Gen<Value = MetricSeries> {
    proptest::collection::vec((0u64..3000, 0.0f64..1.0, any::<bool>()), 0..12).prop_map(|points| {
        let mut s = MetricSeries::new().with("m", 0, 0.9).with("bg", 0, 0.9);
        for (t, v, which) in points {
            s.push(
                if which { "m" } else { "bg" },
                secs(t),
                Observation::Scalar(v),
            );
        }
        s
    })
}

fn actions() -> impl Gen<Value = Vec<(u64, ManualAction)>> {
    let action = prop_oneof![
        Just(ManualAction::Promote),
        Just(ManualAction::PromoteFull),
        Just(ManualAction::Abort),
        Just(ManualAction::Retry)
    ];
    proptest::collection::vec((0u64..3000, action), 0..5)
}

fn simulate(spec: &RolloutSpec, metrics: &MetricSeries, acts: &[(u64, ManualAction)]) -> Report {
    let mut sim = Simulation::new(spec.clone(), library(), metrics.clone())
        .unwrap()
        .horizon(secs(86_400));
    for (t, a) in acts {
        sim = sim.action(secs(*t), *a);
    }
    sim.run()
}

proptest! {
    // 256 cases each by default; set PROPTEST_CASES for more.

    #[test]
    fn timeline_invariants(
        replicas in 0u32..40,
        strategy in any_strategy(),
        metrics in series(),
        acts in actions(),
    ) {
        let spec = RolloutSpec::new("p", replicas, strategy.clone());
        let report = simulate(&spec, &metrics, &acts);

        // The same inputs always give the same timeline.
        prop_assert_eq!(&report, &simulate(&spec, &metrics, &acts));

        let mut last_weight = 0;
        let mut last_t = Duration::ZERO;
        for e in &report.timeline {
            // Weights within 0..=100 (the stable side gets the rest: see the next property).
            prop_assert!(e.weight <= 100 && e.mirror <= 100);
            prop_assert!(e.at >= last_t, "time goes forward");
            last_t = e.at;
            match e.phase {
                // Abort always ends with 0 % on the canary, and no canary pods.
                Phase::Aborted => {
                    prop_assert_eq!((e.weight, e.replicas.canary, e.mirror), (0, 0, 0));
                    prop_assert_eq!(e.replicas.stable, replicas);
                    last_weight = 0;
                }
                Phase::Promoted => {
                    prop_assert_eq!((e.weight, e.replicas.canary, e.replicas.stable), (100, replicas, 0));
                }
                // The weight never decreases until promotion or abort (a retry starts over at 0).
                Phase::Progressing | Phase::Paused => {
                    if e.reason == "retried" {
                        last_weight = 0;
                    }
                    prop_assert!(e.weight >= last_weight, "weight fell from {} to {} at {:?}", last_weight, e.weight, e.at);
                    last_weight = e.weight;
                }
            }
        }
        match &report.outcome {
            Outcome::Aborted { .. } => prop_assert_eq!(report.timeline.last().unwrap().weight, 0),
            Outcome::Promoted { .. } => prop_assert_eq!(report.timeline.last().unwrap().weight, 100),
            Outcome::Paused { .. } | Outcome::Unfinished { .. } => {}
        }
        if acts.is_empty() {
            let unfinished = matches!(report.outcome, Outcome::Unfinished { .. });
            prop_assert!(!unfinished, "every strategy here ends by itself");
        }
    }

    #[test]
    fn rolling_stays_within_bounds(replicas in 0u32..200, surge in quantity(), unavailable in quantity()) {
        let spec = RolloutSpec::new("r", replicas, Strategy::Rolling(RollingSpec {
            max_surge: surge, max_unavailable: unavailable, ready_after: secs(5),
        }));
        let report = simulate(&spec, &MetricSeries::new(), &[]);
        let (s, u) = rolling_bounds(replicas, surge, unavailable);
        let promoted = matches!(report.outcome, Outcome::Promoted { .. });
        prop_assert!(promoted);
        for e in &report.timeline {
            prop_assert!(e.replicas.stable + e.replicas.canary <= replicas + s, "{:?} over surge {}", e, s);
            prop_assert!(e.available + u >= replicas, "{:?} under unavailable {}", e, u);
        }
    }

    #[test]
    fn desired_states_weights_sum_to_100_and_polling_does_not_matter(
        replicas in 0u32..30,
        strategy in any_strategy(),
        metrics in series(),
        poll in 1u64..90,
    ) {
        let spec = RolloutSpec::new("p", replicas, strategy);
        // Drive by hand, polling at a fixed cadence instead of at wake-ups.
        let mut r = Rollout::new(spec.clone(), &library(), Duration::ZERO).unwrap();
        let mut states = Vec::new();
        let mut t = Duration::ZERO;
        while r.next_wakeup().is_some() && t <= secs(86_400) {
            let up = r.advance(t, &metrics);
            states.extend(up.states);
            t += secs(poll);
        }
        for s in &states {
            prop_assert_eq!(s.weights.stable + s.weights.canary, 100);
        }
        let report = simulate(&spec, &metrics, &[]);
        let last = report.timeline.last().unwrap();
        if matches!(report.outcome, Outcome::Promoted { .. } | Outcome::Aborted { .. }) {
            prop_assert_eq!((r.state().at, r.state().phase, r.state().weights.canary), (last.at, last.phase, last.weight));
        }
        let polled: Vec<(Duration, u32, Phase)> =
            states.iter().filter(|s| s.at <= last.at).map(|s| (s.at, s.weights.canary, s.phase)).collect();
        let simulated: Vec<(Duration, u32, Phase)> = report.timeline.iter().skip(1).map(|e| (e.at, e.weight, e.phase)).collect();
        // Every state the poller saw is in the simulated timeline, in order.
        let mut it = simulated.iter();
        for p in &polled {
            prop_assert!(it.any(|s| s == p), "polled state {:?} missing from the simulation", p);
        }
    }

    #[test]
    fn canary_replicas_never_drop_a_serving_side(replicas in 0u32..500, weight in 0u32..=100) {
        let (stable, canary) = canary_replicas(replicas, weight);
        if replicas > 0 && weight > 0 && weight < 100 {
            prop_assert!(stable >= 1 && canary >= 1);
        }
        if replicas > 1 {
            prop_assert_eq!(stable + canary, replicas);
            // Nearest whole number, unless clamped to keep a side serving.
            let exact = f64::from(replicas) * f64::from(weight) / 100.0;
            prop_assert!((f64::from(canary) - exact).abs() <= 0.5 || canary == 1 || stable == 1);
        }
    }
}
