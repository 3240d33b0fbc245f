//! Deployment strategies as pure state machines, with Argo Rollouts-style
//! analysis, automatic rollback, and a simulator for ordinary `#[test]`s.
//!
//! Nothing here reads a clock or does I/O: the caller passes the time and a
//! [`MetricSource`]; a [`Rollout`] answers with the [`DesiredState`] (traffic
//! weights, replicas per side, [`Phase`], reason). The [`Simulation`] drives
//! one on a virtual clock with scripted metric series.
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! use std::time::Duration;
//! use relkit_deploy::*;
//!
//! // An Argo Rollouts canary with background analysis...
//! let yaml = r#"
//! apiVersion: argoproj.io/v1alpha1
//! kind: Rollout
//! metadata: {name: checkout}
//! spec:
//!   replicas: 10
//!   strategy:
//!     canary:
//!       analysis: {templates: [{templateName: success-rate}]}
//!       steps:
//!       - setWeight: 25
//!       - pause: {duration: 10m}
//!       - setWeight: 50
//!       - pause: {duration: 10m}
//! ---
//! apiVersion: argoproj.io/v1alpha1
//! kind: AnalysisTemplate
//! metadata: {name: success-rate}
//! spec:
//!   metrics:
//!   - name: success-rate
//!     interval: 1m
//!     successCondition: result[0] >= 0.95
//!     failureLimit: 2
//!     provider:
//!       prometheus: {address: "http://prometheus:9090", query: "sum(ok) / sum(all)"}
//! "#;
//! let loaded = load(yaml, "checkout.yaml")?;
//! let spec = loaded.rollouts().next().unwrap().clone();
//! let library = loaded.templates().cloned().fold(Library::new(), Library::with);
//!
//! // ...whose success rate drops after 12 minutes.
//! let metrics = MetricSeries::from_csv(
//!     "time_seconds,metric,value\n0,success-rate,0.99\n720,success-rate,0.80\n",
//! )?;
//! let report = Simulation::new(spec, library, metrics)?.run();
//!
//! // Three failed measurements (12, 13 and 14 minutes) exceed failureLimit 2:
//! // the rollout aborts and all traffic goes back to the stable side.
//! assert!(matches!(report.outcome, Outcome::Aborted { .. }));
//! assert_eq!(report.timeline.last().unwrap().weight, 0);
//! assert_eq!(report.weight_at(Duration::from_secs(660)), 50);
//! # }
//! # Ok::<(), relkit_deploy::Error>(())
//! ```
//!
//! What it covers:
//!
//! - Strategies ([`Strategy`]): all-at-once, rolling ([`RollingSpec`], with
//!   Kubernetes' rounding, [`rolling_bounds`]), blue-green ([`BlueGreenSpec`]),
//!   canary steps ([`CanarySpec`], Argo's replica math: [`canary_replicas`]),
//!   AWS CodeDeploy's presets ([`CodeDeployPreset`]) and shadow ([`ShadowSpec`]).
//! - A common driver ([`Rollout`]): promote, full promote, abort, retry.
//! - Analysis ([`AnalysisTemplate`], [`Metric`]) with Argo's limits and
//!   measurement phases, its condition language ([`Expr`]), SLO burn rates
//!   ([`BurnRate`]) and a Mann-Whitney judgement ([`MannWhitneyCheck`],
//!   [`mann_whitney_u`]).
//! - A [`Simulation`] giving a [`Report`] with an [`Outcome`] and a timeline.
//! - Formats (feature `serde`): our YAML/JSON, Argo Rollouts `Rollout` and
//!   `AnalysisTemplate` import ([`load`]) and export ([`export_rollout`],
//!   [`export_analysis_template`]), metric series as CSV or JSON ([`MetricSeries`]).
//!
//! # Features
#![doc = document_features::document_features!()]
#![forbid(unsafe_code)]

mod analysis;
#[cfg(feature = "serde")]
mod argo;
mod duration;
mod error;
mod explain;
mod metrics;
mod plan;
mod quantity;
mod rollout;
mod sim;
mod state;
mod strategy;

pub use analysis::expr::{Expr, Value};
pub use analysis::{
    AnalysisPhase, AnalysisRef, AnalysisRun, AnalysisTemplate, Arg, BurnRate, BurnWindow, Check,
    Direction, Library, MannWhitney, MannWhitneyCheck, Measurement, MeasurementPhase, Metric,
    Provider, mann_whitney_u,
};
#[cfg(feature = "serde")]
pub use argo::{
    API_VERSION, Document, Loaded, export_analysis_template, export_rollout, load, to_yaml,
};
pub use duration::{format_duration, parse_duration};
pub use error::{Error, Result};
pub use metrics::{Aggregate, MetricSeries, MetricSource, Observation, Point, Query};
pub use plan::canary_replicas;
pub use quantity::{IntOrPercent, rolling_bounds};
pub use rollout::{MAX_REPLICAS, Rollout, Update};
pub use sim::{Entry, MAX_ENTRIES, ManualAction, Outcome, Report, Simulation};
pub use state::{DesiredState, Phase, Replicas, Weights};
/// The README's example, compiled and run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use strategy::{
    BackgroundAnalysis, BlueGreenSpec, CanaryScale, CanarySpec, CanaryStep, CodeDeployPreset,
    Pause, RollingSpec, RolloutSpec, ShadowSpec, Strategy, validate,
};
