//! `relkit rollout` as a user runs it, on an Argo Rollout and AnalysisTemplate.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rollout")
        .join(name)
        .display()
        .to_string()
}

fn relkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relkit"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn a_failing_metric_aborts_the_canary_and_sends_traffic_back() {
    let (s, a, m) = (
        fixture("rollout.yaml"),
        fixture("analysis.yaml"),
        fixture("metrics.csv"),
    );
    let out = relkit(&[
        "rollout",
        "simulate",
        "--strategy",
        &s,
        "--analysis",
        &a,
        "--metrics",
        &m,
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["outcome"], "aborted");
    assert_eq!(v["final_step"], 3);
    assert!(
        v["reason"].as_str().unwrap().contains("failure limit 1"),
        "{}",
        v["reason"]
    );
    let weights: Vec<(u64, u64)> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["t"].as_u64().unwrap(), e["weight"].as_u64().unwrap()))
        .collect();
    assert!(
        weights.contains(&(0, 20)) && weights.contains(&(60, 50)),
        "{weights:?}"
    );
    assert_eq!(
        weights.last(),
        Some(&(120, 0)),
        "two failed measurements (90 s, 120 s) exceed the limit of 1"
    );
}

#[test]
fn healthy_metrics_promote() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = dir.path().join("ok.csv");
    std::fs::write(
        &metrics,
        "time_seconds,metric,value\n0,success-rate,0.999\n",
    )
    .unwrap();
    let (s, a) = (fixture("rollout.yaml"), fixture("analysis.yaml"));
    let out = relkit(&[
        "rollout",
        "simulate",
        "--strategy",
        &s,
        "--analysis",
        &a,
        "--metrics",
        metrics.to_str().unwrap(),
        "--json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["outcome"], "promoted", "{v}");
    assert_eq!(
        v["timeline"].as_array().unwrap().last().unwrap()["weight"],
        100
    );
}

#[test]
fn check_rejects_a_weight_over_100_and_export_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(fixture("rollout.yaml"))
            .unwrap()
            .replace("setWeight: 50", "setWeight: 150"),
    )
    .unwrap();
    let out = relkit(&["rollout", "check", "--strategy", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("150"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = relkit(&["rollout", "check", "--strategy", &fixture("rollout.yaml")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = relkit(&[
        "rollout",
        "export",
        "--strategy",
        &fixture("rollout.yaml"),
        "--format",
        "argo",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exported = dir.path().join("exported.yaml");
    std::fs::write(&exported, &out.stdout).unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("kind: Rollout") && text.contains("setWeight: 50"),
        "{text}"
    );
    let again = relkit(&["rollout", "check", "--strategy", exported.to_str().unwrap()]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}
