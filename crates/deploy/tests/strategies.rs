//! Each strategy, the manual actions, the analysis checks and our own
//! formats, through the public API.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use relkit_deploy::*;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn run(spec: RolloutSpec) -> Report {
    Simulation::new(spec, Library::new(), MetricSeries::new())
        .unwrap()
        .run()
}

#[test]
fn canary_replicas_follow_argo_rounding() {
    // Nearest whole number, ties up.
    assert_eq!(canary_replicas(10, 15), (8, 2)); // 1.5 → 2
    assert_eq!(canary_replicas(10, 14), (9, 1));
    assert_eq!(canary_replicas(4, 50), (2, 2));
    assert_eq!(canary_replicas(3, 50), (1, 2)); // 1.5 → 2
    assert_eq!(canary_replicas(5, 20), (4, 1));
    // Neither side at zero while both serve.
    assert_eq!(canary_replicas(5, 5), (4, 1));
    assert_eq!(canary_replicas(5, 95), (1, 4));
    assert_eq!(canary_replicas(2, 1), (1, 1));
    assert_eq!(canary_replicas(10, 0), (10, 0));
    assert_eq!(canary_replicas(10, 100), (0, 10));
    assert_eq!(canary_replicas(0, 50), (0, 0));
}

#[test]
fn all_at_once() {
    let r = run(RolloutSpec::new("web", 4, Strategy::AllAtOnce));
    assert_eq!(r.outcome, Outcome::Promoted { at: Duration::ZERO });
    assert_eq!(
        r.timeline.last().unwrap().replicas,
        Replicas {
            stable: 0,
            canary: 4
        }
    );
}

#[test]
fn rolling_update_with_default_bounds() {
    // 10 replicas, 25 %/25 %: surge 3 (rounded up), unavailable 2 (rounded down).
    let r = run(RolloutSpec::new(
        "web",
        10,
        Strategy::Rolling(RollingSpec::default()),
    ));
    assert!(matches!(r.outcome, Outcome::Promoted { .. }));
    let first = &r.timeline[1];
    assert_eq!(
        first.replicas,
        Replicas {
            stable: 8,
            canary: 5
        }
    );
    assert_eq!(first.available, 8);
    for e in &r.timeline {
        assert!(e.replicas.stable + e.replicas.canary <= 13, "{e:?}");
        assert!(e.available >= 8, "{e:?}");
    }
    // Rounds every 10 s (ready_after).
    let Outcome::Promoted { at } = r.outcome else {
        unreachable!()
    };
    assert_eq!(at.as_secs() % 10, 0);
}

#[test]
fn rolling_with_zero_surge_and_zero_unavailable_uses_one() {
    let spec = RollingSpec {
        max_surge: IntOrPercent::Count(0),
        max_unavailable: IntOrPercent::Percent(10),
        ..RollingSpec::default()
    };
    let r = run(RolloutSpec::new("web", 3, Strategy::Rolling(spec)));
    assert!(matches!(r.outcome, Outcome::Promoted { .. }));
    for e in &r.timeline {
        assert!(e.replicas.stable + e.replicas.canary <= 3);
        assert!(e.available >= 2);
    }
    // One pod at a time: 3 rounds of 10 s.
    assert_eq!(r.outcome, Outcome::Promoted { at: secs(30) });
}

#[test]
fn code_deploy_presets() {
    let r = run(RolloutSpec::new(
        "fn",
        10,
        Strategy::CodeDeploy(CodeDeployPreset::Canary10Percent5Minutes),
    ));
    assert_eq!(r.weight_at(secs(0)), 10);
    assert_eq!(r.weight_at(secs(299)), 10);
    assert_eq!(r.outcome, Outcome::Promoted { at: secs(300) });

    let r = run(RolloutSpec::new(
        "fn",
        10,
        Strategy::CodeDeploy(CodeDeployPreset::Linear10PercentEvery1Minute),
    ));
    for minute in 0..9 {
        assert_eq!(
            r.weight_at(secs(minute * 60 + 30)),
            u32::try_from(minute + 1).unwrap() * 10
        );
    }
    assert_eq!(r.outcome, Outcome::Promoted { at: secs(540) });
    assert_eq!(
        CodeDeployPreset::from_name("CodeDeployDefault.ECSLinear10PercentEvery1Minutes").unwrap(),
        CodeDeployPreset::Linear10PercentEvery1Minute
    );
    assert_eq!(
        CodeDeployPreset::from_name("CodeDeployDefault.LambdaCanary10Percent30Minutes").unwrap(),
        CodeDeployPreset::Canary10Percent30Minutes
    );
    assert!(CodeDeployPreset::from_name("Canary50Percent").is_err());
}

#[test]
fn shadow_serves_nothing_then_promotes() {
    let spec = ShadowSpec {
        mirror_percent: 25,
        duration: secs(600),
        analysis: None,
        auto_promote: true,
    };
    let r = run(RolloutSpec::new("api", 8, Strategy::Shadow(spec)));
    let shadowing = &r.timeline[1];
    assert_eq!((shadowing.weight, shadowing.mirror), (0, 25));
    assert_eq!(
        shadowing.replicas,
        Replicas {
            stable: 8,
            canary: 2
        }
    );
    assert_eq!(r.outcome, Outcome::Promoted { at: secs(600) });
    assert_eq!(r.timeline.last().unwrap().mirror, 0);
}

fn latency_library() -> Library {
    let mut m = Metric::new("latency-judge");
    m.interval = Some(secs(60));
    m.count = Some(3);
    // The first minute of samples is collected before the first judgement.
    m.initial_delay = secs(60);
    m.check = Some(Check::MannWhitney(MannWhitneyCheck::new(
        "canary-latency",
        "baseline-latency",
        secs(60),
    )));
    Library::new().with(AnalysisTemplate {
        name: "latency".into(),
        args: vec![],
        metrics: vec![m],
    })
}

fn latency_series(canary_shift: f64) -> MetricSeries {
    let mut s = MetricSeries::new();
    for i in 0..200u64 {
        // Deterministic spread of values, one sample per second.
        let noise = ((i * 37) % 23) as f64;
        s.push(
            "baseline-latency",
            secs(i),
            Observation::Scalar(100.0 + noise),
        );
        s.push(
            "canary-latency",
            secs(i),
            Observation::Scalar(100.0 + noise + canary_shift),
        );
    }
    s
}

fn shadow_with_latency(shift: f64) -> Report {
    let spec = ShadowSpec {
        mirror_percent: 10,
        duration: secs(180),
        analysis: Some(AnalysisRef::template("latency")),
        auto_promote: true,
    };
    Simulation::new(
        RolloutSpec::new("api", 4, Strategy::Shadow(spec)),
        latency_library(),
        latency_series(shift),
    )
    .unwrap()
    .run()
}

#[test]
fn mann_whitney_judges_shadow_against_baseline() {
    let same = shadow_with_latency(0.0);
    assert!(
        matches!(same.outcome, Outcome::Promoted { .. }),
        "{:?}",
        same.outcome
    );
    let slower = shadow_with_latency(15.0);
    let Outcome::Aborted { reason, .. } = &slower.outcome else {
        panic!("{:?}", slower.outcome)
    };
    assert!(reason.contains("latency-judge"), "{reason}");
    let m = slower.measurements().next().unwrap();
    assert_eq!(m.phase, MeasurementPhase::Failed);
    assert!(m.reason.contains("significantly higher"), "{}", m.reason);
    // Faster is not a failure when only an increase is bad.
    assert!(matches!(
        shadow_with_latency(-15.0).outcome,
        Outcome::Promoted { .. }
    ));
}

#[test]
fn burn_rate_check_with_workbook_windows() {
    let mut m = Metric::new("slo");
    m.interval = Some(secs(300));
    m.check = Some(Check::BurnRate(BurnRate::new("error-ratio", 0.999)));
    let library = Library::new().with(AnalysisTemplate {
        name: "slo".into(),
        args: vec![],
        metrics: vec![m],
    });
    let mut canary = CanarySpec::with_steps(vec![
        CanaryStep::SetWeight(10),
        CanaryStep::Pause(Pause {
            duration: Some(secs(7200)),
        }),
    ]);
    canary.analysis = Some(BackgroundAnalysis {
        templates: vec!["slo".into()],
        args: vec![],
        starting_step: 0,
    });
    let spec = RolloutSpec::new("web", 10, Strategy::Canary(canary));

    // 0.05 % errors: burn rate 0.5 on every window.
    let run = |series: MetricSeries| {
        Simulation::new(spec.clone(), library.clone(), series)
            .unwrap()
            .run()
    };
    let r = run(MetricSeries::new().with("error-ratio", 0, 0.0005));
    assert!(
        matches!(r.outcome, Outcome::Promoted { .. }),
        "{:?}",
        r.outcome
    );
    assert_eq!(r.measurements().count(), 25);

    // A fast burn, 20 % errors from 30 minutes on. At 35 m the 1 h window
    // (clamped to the 35 minutes of data) holds (1800 × 0.0005 + 300 × 0.2) / 2100
    // = 2.9 % → burn 29 > 14.4, and the 5 m window 200 > 14.4: the page fires.
    let r = run(MetricSeries::new()
        .with("error-ratio", 0, 0.0005)
        .with("error-ratio", 1800, 0.2));
    let Outcome::Aborted { at, reason } = &r.outcome else {
        panic!("{:?}", r.outcome)
    };
    assert_eq!(*at, secs(2100));
    assert!(
        reason.contains("over 1h") && reason.contains("exceed 14.4"),
        "{reason}"
    );

    // A slow burn, 0.4 % errors from 30 minutes on: burn 4 over the short
    // windows, but the long windows only pass 1 (the 3-day ticket rule, whose
    // windows also hold just the data there is) at 35 m: (0.9 + 1.2) / 2100 = 0.1 % → 1.0;
    // at 40 m: (0.9 + 2.4) / 2400 = 0.1375 % → 1.375 > 1.
    let r =
        run(MetricSeries::new()
            .with("error-ratio", 0, 0.0005)
            .with("error-ratio", 1800, 0.004));
    let Outcome::Aborted { at, reason } = &r.outcome else {
        panic!("{:?}", r.outcome)
    };
    assert_eq!(*at, secs(2400));
    assert!(
        reason.contains("over 3d") && reason.contains("exceed 1 "),
        "{reason}"
    );
}

#[test]
fn manual_actions() {
    let spec = RolloutSpec::new(
        "web",
        10,
        Strategy::Canary(CanarySpec::with_steps(vec![
            CanaryStep::SetWeight(30),
            CanaryStep::Pause(Pause::default()),
            CanaryStep::SetWeight(60),
            CanaryStep::Pause(Pause::default()),
        ])),
    );
    let no_data = |_: &Query<'_>| Observation::NoData;
    let mut r = Rollout::new(spec.clone(), &Library::new(), Duration::ZERO).unwrap();
    r.advance(secs(0), &no_data);
    assert_eq!(
        (r.state().phase, r.state().weights.canary),
        (Phase::Paused, 30)
    );
    assert!(r.needs_person());
    r.abort(secs(5), "bad dashboards").unwrap();
    assert_eq!(r.state().phase, Phase::Aborted);
    assert_eq!(
        r.state().weights,
        Weights {
            stable: 100,
            canary: 0
        }
    );
    assert!(r.promote(secs(6)).is_err());
    r.retry(secs(10)).unwrap();
    r.advance(secs(10), &no_data);
    assert_eq!(
        (r.state().phase, r.state().weights.canary),
        (Phase::Paused, 30)
    );
    r.promote(secs(20)).unwrap();
    r.advance(secs(20), &no_data);
    assert_eq!(
        (r.state().phase, r.state().weights.canary, r.state().step),
        (Phase::Paused, 60, 3)
    );
    r.promote_full(secs(30)).unwrap();
    assert_eq!(r.state().phase, Phase::Promoted);
    assert!(r.retry(secs(31)).is_err());
    assert!(r.abort(secs(31), "late").is_err());

    let report = Simulation::new(spec, Library::new(), MetricSeries::new())
        .unwrap()
        .action(secs(10), ManualAction::Abort)
        .action(secs(20), ManualAction::Retry)
        .action(secs(30), ManualAction::PromoteFull)
        .run();
    assert_eq!(report.outcome, Outcome::Promoted { at: secs(30) });
}

#[test]
fn invalid_specs_are_explained() {
    let over = RolloutSpec::new(
        "web",
        10,
        Strategy::Canary(CanarySpec::with_steps(vec![CanaryStep::SetWeight(120)])),
    );
    let err = validate(&over).unwrap_err().to_string();
    assert_eq!(
        err,
        "invalid rollout \"web\" step 0 (setWeight): weight 120 is over 100"
    );
    let down = RolloutSpec::new(
        "web",
        10,
        Strategy::Canary(CanarySpec::with_steps(vec![
            CanaryStep::SetWeight(50),
            CanaryStep::SetWeight(20),
        ])),
    );
    assert!(
        validate(&down)
            .unwrap_err()
            .to_string()
            .contains("never decreases")
    );
    let missing = RolloutSpec::new(
        "web",
        10,
        Strategy::Canary(CanarySpec::with_steps(vec![CanaryStep::Analysis(
            AnalysisRef::template("nope"),
        )])),
    );
    let err = Rollout::new(missing, &Library::new(), Duration::ZERO)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("analysis template \"nope\" is not given"),
        "{err}"
    );
    let mut bad = Metric::new("m");
    bad.success_condition = Some("result >".into());
    let lib = Library::new().with(AnalysisTemplate {
        name: "t".into(),
        args: vec![],
        metrics: vec![bad],
    });
    assert!(
        lib.validate()
            .unwrap_err()
            .to_string()
            .contains("metric \"m\" of analysis template \"t\"")
    );
    let huge = RolloutSpec::new("web", MAX_REPLICAS + 1, Strategy::AllAtOnce);
    assert!(Rollout::new(huge, &Library::new(), Duration::ZERO).is_err());
}

#[cfg(feature = "serde")]
mod formats {
    use super::*;

    const OURS: &str = r"
name: checkout
replicas: 10
strategy:
  canary:
    max_surge: 1
    analysis:
      templates: [success-rate]
      starting_step: 1
    steps:
      - set_weight: 10
      - pause: {duration: 5m}
      - analysis: {templates: [success-rate]}
      - set_canary_scale: {replicas: 4}
      - set_weight: 50
      - pause: {}
---
name: success-rate
metrics:
  - name: success-rate
    interval: 1m
    count: 3
    success_condition: result >= 0.95
    failure_limit: 1
  - name: slo
    interval: 5m
    check:
      burn_rate: {series: errors, objective: 0.999}
";

    #[test]
    fn our_yaml_round_trips_and_exports() {
        let loaded = load(OURS, "ours.yaml").unwrap();
        let spec = loaded.rollouts().next().unwrap().clone();
        let template = loaded.templates().next().unwrap().clone();
        let Strategy::Canary(c) = &spec.strategy else {
            panic!()
        };
        assert_eq!(c.max_surge, IntOrPercent::Count(1));
        assert_eq!(c.steps.len(), 6);
        let Some(Check::BurnRate(b)) = &template.metrics[1].check else {
            panic!()
        };
        assert_eq!(b.windows.len(), 3);

        // YAML and JSON give the same spec back.
        let yaml = to_yaml(&spec).unwrap();
        assert_eq!(
            load(&yaml, "again.yaml")
                .unwrap()
                .rollouts()
                .next()
                .unwrap(),
            &spec
        );
        let json = serde_json::to_string(&spec).unwrap();
        assert_eq!(
            load(&json, "again.json")
                .unwrap()
                .rollouts()
                .next()
                .unwrap(),
            &spec
        );

        // Export to Argo and import again: the same strategy.
        let argo = export_rollout(&spec).unwrap();
        assert!(argo.contains("apiVersion: argoproj.io/v1alpha1"));
        assert!(argo.contains("setCanaryScale"));
        let back = load(&argo, "argo.yaml").unwrap();
        assert_eq!(back.rollouts().next().unwrap(), &spec);
        assert!(back.notes.iter().any(|n| n.contains("workloadRef")));

        // The burn-rate check has no Argo form.
        assert!(matches!(
            export_analysis_template(&template),
            Err(Error::Export { .. })
        ));
        let mut plain = template.clone();
        plain.metrics.truncate(1);
        let exported = export_analysis_template(&plain).unwrap();
        assert_eq!(
            load(&exported, "t.yaml")
                .unwrap()
                .templates()
                .next()
                .unwrap(),
            &plain
        );
    }

    #[test]
    fn unknown_fields_are_rejected_in_our_format_too() {
        let err = load(
            "name: a\nstrategy: {canary: {steps: [], surge: 1}}\n",
            "x.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown field `surge`"), "{err}");
        let err = load(
            "name: a\nstrategy: {canary: {steps: [{set_weight: 10, pause: {}}]}}\n",
            "x.yaml",
        )
        .unwrap_err();
        assert!(matches!(err, Error::Parse { .. }));
        assert!(
            load("just: text\n", "x.yaml")
                .unwrap_err()
                .to_string()
                .contains("neither a strategy")
        );
        assert!(load("", "x.yaml").is_err());
    }

    #[test]
    fn blue_green_shadow_and_presets_in_our_format() {
        let yaml = "name: a\nreplicas: 3\nstrategy:\n  blue_green:\n    auto_promotion_delay: 2m\n    scale_down_delay: 0s\n";
        let spec = load(yaml, "bg.yaml")
            .unwrap()
            .rollouts()
            .next()
            .unwrap()
            .clone();
        let r = Simulation::new(spec.clone(), Library::new(), MetricSeries::new())
            .unwrap()
            .run();
        assert_eq!(r.outcome, Outcome::Promoted { at: secs(120) });
        let argo = export_rollout(&spec).unwrap();
        assert!(argo.contains("autoPromotionSeconds: 120"), "{argo}");

        let preset = load("name: f\nstrategy: {code_deploy: CodeDeployDefault.LambdaLinear10PercentEvery2Minutes}\n", "p.yaml").unwrap();
        assert_eq!(
            preset.rollouts().next().unwrap().strategy,
            Strategy::CodeDeploy(CodeDeployPreset::Linear10PercentEvery2Minutes)
        );
        let shadow = load(
            "name: s\nstrategy: {shadow: {mirror_percent: 10, duration: 1h}}\n",
            "s.yaml",
        )
        .unwrap();
        assert!(matches!(
            export_rollout(shadow.rollouts().next().unwrap()),
            Err(Error::Export { .. })
        ));
        let all = load("name: s\nstrategy: all_at_once\n", "s.yaml").unwrap();
        assert_eq!(all.rollouts().next().unwrap().strategy, Strategy::AllAtOnce);
    }

    #[test]
    fn report_json_shape() {
        let spec = RolloutSpec::new(
            "web",
            10,
            Strategy::CodeDeploy(CodeDeployPreset::Canary10Percent5Minutes),
        );
        let report = Simulation::new(spec, Library::new(), MetricSeries::new())
            .unwrap()
            .run();
        let j = report.to_json();
        assert_eq!(j["outcome"], "promoted");
        assert_eq!(j["final_step"], 2);
        assert_eq!(j["timeline"][1]["t"], 0);
        assert_eq!(j["timeline"][1]["weight"], 10);
        assert_eq!(
            j["timeline"].as_array().unwrap().last().unwrap()["weight"],
            100
        );
        assert!(report.to_text().contains("outcome: promoted"));
    }

    #[test]
    fn argo_import_errors_name_the_field() {
        let base = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: a}\nspec:\n  strategy:\n    canary:\n      steps:\n";
        let cases = [
            (
                "      - experiment: {duration: 1h}\n",
                "spec.strategy.canary.steps[0].experiment: experiment steps are not supported",
            ),
            (
                "      - setWeight: 10\n        pause: {}\n",
                "a step has exactly one kind",
            ),
            (
                "      - pause: {duration: 10x}\n",
                "spec.strategy.canary.steps[0].pause.duration",
            ),
            (
                "      - setWeight: -5\n",
                "spec.strategy.canary.steps[0].setWeight",
            ),
            (
                "      - analysis: {templates: [{templateName: a}], args: [{name: x, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]}\n",
                "valueFrom: arguments from field or secret references",
            ),
            (
                "      - setMirrorRoute: {name: m}\n",
                "need a traffic router",
            ),
        ];
        for (step, expected) in cases {
            let err = load(&format!("{base}{step}"), "r.yaml")
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{err} does not contain {expected}");
        }
        let t = "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t}\nspec:\n  metrics:\n  - name: m\n    provider:\n      job: {spec: {}}\n";
        assert!(
            load(t, "t.yaml")
                .unwrap_err()
                .to_string()
                .contains("spec.metrics[0].provider.job: this provider is not supported")
        );
        let t2 = "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t}\nspec:\n  dryRun: [{metricName: m}]\n  metrics:\n  - name: m\n";
        assert!(
            load(t2, "t.yaml")
                .unwrap_err()
                .to_string()
                .contains("spec.dryRun")
        );
        let exp =
            "apiVersion: argoproj.io/v1alpha1\nkind: Experiment\nmetadata: {name: e}\nspec: {}\n";
        assert!(
            load(exp, "e.yaml")
                .unwrap_err()
                .to_string()
                .contains("\"Experiment\" is not supported")
        );
    }
}

/// A timer that runs out while a person decides fires when they resume, at
/// the time of the resume, never in the past.
#[test]
fn timer_expiring_during_a_persons_decision() {
    let mut bg = Metric::new("bg");
    bg.interval = Some(secs(45));
    bg.success_condition = Some("result >= 0.2".into());
    bg.failure_condition = Some("result < 0.1".into());
    bg.inconclusive_limit = 1;
    let library = Library::new().with(AnalysisTemplate {
        name: "bg".into(),
        args: vec![],
        metrics: vec![bg],
    });
    let spec = ShadowSpec {
        mirror_percent: 1,
        duration: secs(225),
        analysis: Some(AnalysisRef::template("bg")),
        auto_promote: false,
    };
    let metrics = MetricSeries::new().with("bg", 0, 0.15);
    let report = Simulation::new(
        RolloutSpec::new("s", 0, Strategy::Shadow(spec)),
        library,
        metrics,
    )
    .unwrap()
    .action(secs(226), ManualAction::Promote)
    .run();
    assert!(
        report.timeline.windows(2).all(|w| w[0].at <= w[1].at),
        "{:#?}",
        report.timeline
    );
    // Inconclusive at 45 s (two in a row, limit 1); the person accepts it at
    // 226 s, after the 225 s shadow period: the rollout then waits for the
    // promotion that auto_promote: false asks for.
    assert!(
        matches!(report.outcome, Outcome::Paused { .. }),
        "{:?}",
        report.outcome
    );
    assert!(
        report.timeline.iter().any(|e| e.at == secs(226)
            && e.reason == "shadow period over: waiting for a person to promote")
    );
}
