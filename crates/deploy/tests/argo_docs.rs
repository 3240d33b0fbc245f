//! The example manifests of Argo Rollouts' documentation (canary, blue-green,
//! analysis), written as tests: each simulates to the outcome the
//! documentation describes. The manifests are written for these tests from
//! the documented format; pod templates are left out where they change
//! nothing (`spec.template` is accepted and not interpreted).
#![cfg(feature = "serde")]
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

fn sim(yaml: &str, metrics: MetricSeries) -> Simulation {
    let loaded = load(yaml, "test.yaml").unwrap();
    let mut library = Library::new();
    for t in loaded.templates() {
        library.insert(t.clone());
    }
    let spec = loaded.rollouts().next().unwrap().clone();
    Simulation::new(spec, library, metrics).unwrap()
}

/// The getting-started rollout: 5 replicas; 20 %, an indefinite pause, then
/// 40/60/80 % with 10-second pauses. It waits at 20 % (one canary pod) until
/// promoted, then finishes by itself.
const GETTING_STARTED: &str = r"
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: rollouts-demo
spec:
  replicas: 5
  revisionHistoryLimit: 2
  selector:
    matchLabels:
      app: rollouts-demo
  template:
    metadata:
      labels:
        app: rollouts-demo
    spec:
      containers:
      - name: rollouts-demo
        image: argoproj/rollouts-demo:blue
  strategy:
    canary:
      steps:
      - setWeight: 20
      - pause: {}
      - setWeight: 40
      - pause: {duration: 10}
      - setWeight: 60
      - pause: {duration: 10}
      - setWeight: 80
      - pause: {duration: 10}
";

#[test]
fn getting_started_pauses_at_20_percent_until_promoted() {
    let report = sim(GETTING_STARTED, MetricSeries::new()).run();
    let Outcome::Paused { at, .. } = report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(at, Duration::ZERO);
    assert_eq!(report.final_step, 1);
    let last = report.timeline.last().unwrap();
    assert_eq!(last.weight, 20);
    assert_eq!(
        last.replicas,
        Replicas {
            stable: 4,
            canary: 1
        }
    );
}

#[test]
fn getting_started_finishes_after_promotion() {
    let report = sim(GETTING_STARTED, MetricSeries::new())
        .action(secs(100), ManualAction::Promote)
        .run();
    assert_eq!(report.outcome, Outcome::Promoted { at: secs(130) });
    assert_eq!(report.weight_at(secs(105)), 40);
    assert_eq!(report.weight_at(secs(115)), 60);
    assert_eq!(report.weight_at(secs(125)), 80);
    let last = report.timeline.last().unwrap();
    assert_eq!(
        (last.weight, last.replicas),
        (
            100,
            Replicas {
                stable: 0,
                canary: 5
            }
        )
    );
}

/// The canary page's example: 10 % for an hour, 20 % until resumed.
#[test]
fn canary_feature_page_example() {
    let yaml = r"
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: example-rollout
spec:
  replicas: 10
  selector:
    matchLabels: {app: nginx}
  template:
    metadata:
      labels: {app: nginx}
    spec:
      containers:
      - name: nginx
        image: nginx:1.15.4
  minReadySeconds: 30
  strategy:
    canary:
      steps:
      - setWeight: 10
      - pause:
          duration: 1h
      - setWeight: 20
      - pause: {}
";
    // minReadySeconds changes timing, which is not simulated: refused by name.
    let err = load(yaml, "example.yaml").unwrap_err().to_string();
    assert!(err.contains("spec.minReadySeconds"), "{err}");
    let report = sim(
        &yaml.replace("  minReadySeconds: 30\n", ""),
        MetricSeries::new(),
    )
    .run();
    assert!(matches!(report.outcome, Outcome::Paused { .. }));
    assert_eq!(report.weight_at(secs(3599)), 10);
    assert_eq!(report.timeline.last().unwrap().weight, 20);
    assert_eq!(report.timeline.last().unwrap().at, secs(3600));
    assert_eq!(
        report.timeline.last().unwrap().replicas,
        Replicas {
            stable: 8,
            canary: 2
        }
    );
}

const SUCCESS_RATE: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: success-rate
spec:
  args:
  - name: service-name
  metrics:
  - name: success-rate
    interval: 5m
    successCondition: result[0] >= 0.95
    failureLimit: 3
    provider:
      prometheus:
        address: http://prometheus.example.com:9090
        query: |
          sum(irate(istio_requests_total{reporter="source",destination_service=~"{{args.service-name}}",response_code!~"5.*"}[5m])) /
          sum(irate(istio_requests_total{reporter="source",destination_service=~"{{args.service-name}}"}[5m]))
"#;

/// Background analysis: 20 % more every 10 minutes while success-rate is
/// measured every 5 minutes; the run fails once failures exceed
/// failureLimit, which aborts and sets the canary weight back to zero.
fn background(extra: &str) -> String {
    format!(
        r"
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: guestbook
spec:
  replicas: 5
  strategy:
    canary:
      analysis:
        templates:
        - templateName: success-rate
{extra}        args:
        - name: service-name
          value: guestbook-svc.default.svc.cluster.local
      steps:
      - setWeight: 20
      - pause: {{duration: 10m}}
      - setWeight: 40
      - pause: {{duration: 10m}}
      - setWeight: 60
      - pause: {{duration: 10m}}
      - setWeight: 80
      - pause: {{duration: 10m}}
---
{SUCCESS_RATE}"
    )
}

#[test]
fn background_analysis_healthy_canary_is_promoted() {
    let m = MetricSeries::new().with("success-rate", 0, 0.99);
    let report = sim(&background(""), m).run();
    assert_eq!(report.outcome, Outcome::Promoted { at: secs(2400) });
    // Measured at 0, 5m, ..., 40m: a measurement due when the last pause
    // ends is taken before the rollout completes (a failure then still
    // aborts); then the run stops.
    assert_eq!(report.measurements().count(), 9);
    assert!(
        report
            .measurements()
            .all(|m| m.phase == MeasurementPhase::Successful)
    );
}

#[test]
fn background_analysis_failure_aborts_to_stable() {
    // The success rate drops at 12 minutes: failures at 15, 20, 25 and 30
    // minutes; the 4th exceeds failureLimit 3.
    let m = MetricSeries::new()
        .with("success-rate", 0, 0.99)
        .with("success-rate", 720, 0.90);
    let report = sim(&background(""), m).run();
    let Outcome::Aborted { at, reason } = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(*at, secs(1800));
    assert!(reason.contains("failure limit 3"), "{reason}");
    let last = report.timeline.last().unwrap();
    assert_eq!(
        (last.weight, last.replicas),
        (
            0,
            Replicas {
                stable: 5,
                canary: 0
            }
        )
    );
    assert_eq!(
        report
            .measurements()
            .filter(|m| m.phase == MeasurementPhase::Failed)
            .count(),
        4
    );
}

#[test]
fn background_analysis_with_starting_step() {
    // startingStep: 2 delays the analysis until the third step (40 %), at 10 minutes.
    let m = MetricSeries::new()
        .with("success-rate", 0, 0.5)
        .with("success-rate", 600, 0.99);
    let report = sim(&background("        startingStep: 2\n"), m).run();
    assert!(
        matches!(report.outcome, Outcome::Promoted { .. }),
        "{:?}",
        report.outcome
    );
    assert_eq!(report.measurements().next().unwrap().at, secs(600));
}

/// An analysis step: the rollout does not go past it until the run ends.
fn inline(count: u32) -> String {
    format!(
        r"
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: guestbook
spec:
  replicas: 5
  strategy:
    canary:
      steps:
      - setWeight: 20
      - pause: {{duration: 5m}}
      - analysis:
          templates:
          - templateName: success-rate
          args:
          - name: service-name
            value: guestbook-svc.default.svc.cluster.local
      - setWeight: 50
---
{}",
        SUCCESS_RATE.replace(
            "    interval: 5m\n",
            &format!("    interval: 1m\n    count: {count}\n")
        )
    )
}

#[test]
fn inline_analysis_blocks_then_continues() {
    let m = MetricSeries::new().with("success-rate", 0, 0.97);
    let report = sim(&inline(3), m).run();
    // Measurements at 5, 6 and 7 minutes; then 50 %, then promoted.
    assert_eq!(report.outcome, Outcome::Promoted { at: secs(420) });
    let times: Vec<u64> = report.measurements().map(|m| m.at.as_secs()).collect();
    assert_eq!(times, [300, 360, 420]);
    assert_eq!(report.weight_at(secs(419)), 20);
}

#[test]
fn inline_analysis_failure_aborts() {
    let m = MetricSeries::new().with("success-rate", 0, 0.5);
    let report = sim(&inline(5), m).run();
    let Outcome::Aborted { at, .. } = report.outcome else {
        panic!("{:?}", report.outcome)
    };
    // failureLimit 3: the 4th failed measurement, at 8 minutes.
    assert_eq!(at, secs(480));
    assert_eq!(report.timeline.last().unwrap().weight, 0);
}

/// The blue-green example: with autoPromotionEnabled false the rollout waits
/// with the preview up and the active side serving.
const BLUE_GREEN: &str = r"
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: rollout-bluegreen
spec:
  replicas: 2
  revisionHistoryLimit: 2
  selector:
    matchLabels:
      app: rollout-bluegreen
  template:
    metadata:
      labels:
        app: rollout-bluegreen
    spec:
      containers:
      - name: rollouts-demo
        image: argoproj/rollouts-demo:blue
  strategy:
    blueGreen:
      activeService: rollout-bluegreen-active
      previewService: rollout-bluegreen-preview
      autoPromotionEnabled: false
";

#[test]
fn blue_green_waits_for_promotion() {
    let report = sim(BLUE_GREEN, MetricSeries::new()).run();
    assert!(matches!(report.outcome, Outcome::Paused { .. }));
    let last = report.timeline.last().unwrap();
    assert_eq!(
        (last.weight, last.replicas),
        (
            0,
            Replicas {
                stable: 2,
                canary: 2
            }
        )
    );
}

#[test]
fn blue_green_promotion_switches_then_scales_down_after_delay() {
    let report = sim(BLUE_GREEN, MetricSeries::new())
        .action(secs(60), ManualAction::Promote)
        .run();
    // scaleDownDelaySeconds defaults to 30.
    assert_eq!(report.outcome, Outcome::Promoted { at: secs(90) });
    let switched = report.timeline.iter().find(|e| e.weight == 100).unwrap();
    assert_eq!(
        (switched.at, switched.replicas),
        (
            secs(60),
            Replicas {
                stable: 2,
                canary: 2
            }
        )
    );
    assert_eq!(
        report.timeline.last().unwrap().replicas,
        Replicas {
            stable: 0,
            canary: 2
        }
    );
}

fn blue_green_analysis(kind: &str, metric_value: f64) -> Report {
    let yaml = format!(
        r"
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: guestbook
spec:
  replicas: 3
  strategy:
    blueGreen:
      activeService: active-svc
      previewService: preview-svc
      {kind}:
        templates:
        - templateName: smoke-tests
        args:
        - name: service-name
          value: preview-svc.default.svc.cluster.local
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: smoke-tests
spec:
  args:
  - name: service-name
  metrics:
  - name: smoke-tests
    successCondition: result == 1
    provider:
      web:
        url: http://{{{{args.service-name}}}}/health
        jsonPath: $.ok
"
    );
    sim(
        &yaml,
        MetricSeries::new().with("smoke-tests", 0, metric_value),
    )
    .run()
}

#[test]
fn blue_green_pre_promotion_analysis() {
    let ok = blue_green_analysis("prePromotionAnalysis", 1.0);
    assert_eq!(ok.outcome, Outcome::Promoted { at: secs(30) });
    let bad = blue_green_analysis("prePromotionAnalysis", 0.0);
    assert!(matches!(bad.outcome, Outcome::Aborted { .. }));
    // The active service never switched.
    assert!(bad.timeline.iter().all(|e| e.weight == 0));
}

#[test]
fn blue_green_post_promotion_failure_switches_back() {
    let bad = blue_green_analysis("postPromotionAnalysis", 0.0);
    assert!(matches!(bad.outcome, Outcome::Aborted { .. }));
    assert!(bad.timeline.iter().any(|e| e.weight == 100));
    let last = bad.timeline.last().unwrap();
    assert_eq!(
        (last.weight, last.replicas),
        (
            0,
            Replicas {
                stable: 3,
                canary: 0
            }
        )
    );
}

/// The analysis page's inconclusive example: success at 0.9 and above,
/// failure below 0.5; in between, the run is inconclusive and the rollout
/// pauses for a person.
#[test]
fn inconclusive_analysis_pauses() {
    let yaml = r"
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: guestbook}
spec:
  replicas: 4
  strategy:
    canary:
      steps:
      - setWeight: 25
      - analysis:
          templates: [{templateName: success-rate}]
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: success-rate}
spec:
  metrics:
  - name: success-rate
    successCondition: result[0] >= 0.90
    failureCondition: result[0] < 0.50
    provider:
      prometheus:
        address: http://prometheus.example.com:9090
        query: sum(rate(ok[5m])) / sum(rate(all[5m]))
";
    let report = sim(yaml, MetricSeries::new().with("success-rate", 0, 0.7)).run();
    let Outcome::Paused { reason, .. } = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert!(reason.contains("inconclusive"), "{reason}");
    assert_eq!(report.timeline.last().unwrap().weight, 25);
    // A person accepts it: the rollout goes on.
    let report = sim(yaml, MetricSeries::new().with("success-rate", 0, 0.7))
        .action(secs(10), ManualAction::Promote)
        .run();
    assert_eq!(report.outcome, Outcome::Promoted { at: secs(10) });
}

/// consecutiveErrorLimit: the run errs once consecutive errors exceed it,
/// which aborts like a failure.
#[test]
fn consecutive_errors_abort() {
    let yaml = r"
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: guestbook}
spec:
  replicas: 4
  strategy:
    canary:
      analysis:
        templates: [{templateName: error-rate}]
      steps:
      - setWeight: 50
      - pause: {duration: 1h}
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: error-rate}
spec:
  metrics:
  - name: error-rate
    interval: 1m
    consecutiveErrorLimit: 2
    successCondition: result[0] < 0.01
    provider:
      datadog:
        query: sum:requests.error.rate{service:guestbook}
";
    let csv = "time_seconds,metric,value\n0,error-rate,0.001\n120,error-rate,error: timeout\n";
    let report = sim(yaml, MetricSeries::from_csv(csv).unwrap()).run();
    let Outcome::Aborted { at, reason } = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    // Errors at 2, 3 and 4 minutes; the third exceeds the limit of 2.
    assert_eq!(*at, secs(240));
    assert!(reason.contains("consecutive errors"), "{reason}");
}

/// setCanaryScale without a traffic router: the canary's pods follow the step.
#[test]
fn set_canary_scale_steps() {
    let yaml = r"
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 10
  strategy:
    canary:
      steps:
      - setCanaryScale: {replicas: 3}
      - pause: {duration: 1m}
      - setWeight: 40
      - setCanaryScale: {weight: 25}
      - pause: {duration: 1m}
      - setCanaryScale: {matchTrafficWeight: true}
      - pause: {duration: 1m}
";
    let report = sim(yaml, MetricSeries::new()).run();
    let at = |t| {
        report
            .timeline
            .iter()
            .take_while(|e| e.at <= secs(t))
            .last()
            .unwrap()
            .replicas
    };
    assert_eq!(
        at(30),
        Replicas {
            stable: 10,
            canary: 3
        }
    );
    assert_eq!(
        at(90),
        Replicas {
            stable: 10,
            canary: 3
        }
    );
    assert_eq!(
        at(150),
        Replicas {
            stable: 6,
            canary: 4
        }
    );
    assert_eq!(report.outcome, Outcome::Promoted { at: secs(180) });
}

#[test]
fn traffic_routing_is_refused_by_path() {
    let yaml = r"
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 10
  strategy:
    canary:
      canaryService: canary
      stableService: stable
      trafficRouting:
        nginx:
          stableIngress: web
      steps:
      - setWeight: 5
";
    let err = load(yaml, "r.yaml").unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }));
    assert!(
        err.to_string()
            .starts_with("spec.strategy.canary.trafficRouting: traffic routers are not supported"),
        "{err}"
    );
}

/// A background analysis keeps measuring while the rollout waits at an
/// indefinite pause, and a failure then still aborts.
#[test]
fn background_analysis_runs_during_an_indefinite_pause() {
    let yaml = background("").replace(
        "      - pause: {duration: 10m}\n      - setWeight: 40",
        "      - pause: {}\n      - setWeight: 40",
    );
    let healthy = sim(
        &yaml,
        MetricSeries::new()
            .with("success-rate", 0, 0.99)
            .with("success-rate", 3600, 0.99),
    )
    .run();
    assert!(
        matches!(healthy.outcome, Outcome::Paused { .. }),
        "{:?}",
        healthy.outcome
    );
    let failing = sim(
        &yaml,
        MetricSeries::new()
            .with("success-rate", 0, 0.99)
            .with("success-rate", 3600, 0.5),
    )
    .run();
    let Outcome::Aborted { at, .. } = failing.outcome else {
        panic!("{:?}", failing.outcome)
    };
    // Failures at 60, 65, 70 and 75 minutes.
    assert_eq!(at, secs(4500));
}
