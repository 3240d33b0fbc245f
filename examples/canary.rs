//! A canary strategy, tested in ordinary `#[test]`s with the simulator: the
//! way a team checks its rollout policy before a release ever uses it.
//!
//! `cargo test -p relkit-examples --example canary` runs the tests;
//! `cargo run -p relkit-examples --example canary` prints a timeline.

use relkit_deploy::{Library, MetricSeries, Report, Simulation, load};

const STRATEGY: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: checkout}
spec:
  replicas: 20
  strategy:
    canary:
      analysis: {templates: [{templateName: error-rate}], startingStep: 1}
      steps:
      - setWeight: 10
      - pause: {duration: 5m}
      - setWeight: 50
      - pause: {duration: 5m}
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: error-rate}
spec:
  metrics:
  - name: error-rate
    interval: 1m
    failureLimit: 1
    successCondition: result[0] < 0.01
    provider:
      prometheus: {address: "http://prometheus:9090", query: "sum(errors) / sum(requests)"}
"#;

/// Run the strategy against a scripted error rate (CSV: time_seconds,metric,value).
fn simulate(series: &str) -> Result<Report, Box<dyn std::error::Error>> {
    let loaded = load(STRATEGY, "checkout.yaml")?;
    let spec = loaded
        .rollouts()
        .next()
        .cloned()
        .ok_or("checkout.yaml has no Rollout")?;
    let library = loaded
        .templates()
        .cloned()
        .fold(Library::new(), Library::with);
    let metrics = MetricSeries::from_csv(&format!("time_seconds,metric,value\n{series}"))?;
    Ok(Simulation::new(spec, library, metrics)?.run())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let report = simulate("0,error-rate,0.001\n420,error-rate,0.05\n")?;
    println!("{}", report.to_text());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use relkit_deploy::Outcome;
    use std::time::Duration;

    #[test]
    fn a_healthy_canary_is_promoted() {
        let report = simulate("0,error-rate,0.001\n").unwrap();
        assert!(
            matches!(report.outcome, Outcome::Promoted { .. }),
            "{:?}",
            report.outcome
        );
        assert_eq!(report.timeline.last().unwrap().weight, 100);
    }

    #[test]
    fn errors_at_half_traffic_roll_back() {
        // Errors start at 7 minutes, while half the traffic is on the canary.
        let report = simulate("0,error-rate,0.001\n420,error-rate,0.05\n").unwrap();
        assert!(
            matches!(report.outcome, Outcome::Aborted { .. }),
            "{:?}",
            report.outcome
        );
        assert_eq!(report.weight_at(Duration::from_secs(400)), 50);
        assert_eq!(
            report.timeline.last().unwrap().weight,
            0,
            "all traffic back on stable"
        );
    }

    #[test]
    fn one_bad_minute_is_tolerated() {
        // failureLimit 1: a single failed measurement does not abort.
        let report =
            simulate("0,error-rate,0.001\n100,error-rate,0.05\n130,error-rate,0.001\n").unwrap();
        assert!(
            matches!(report.outcome, Outcome::Promoted { .. }),
            "{:?}",
            report.outcome
        );
    }
}
