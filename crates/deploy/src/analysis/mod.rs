//! Analysis with Argo Rollouts' semantics: templates of metrics, each
//! measured on a schedule and judged by conditions or by a statistical check.

pub(crate) mod burn;
pub(crate) mod expr;
pub(crate) mod mannwhitney;
mod measure;
mod run;

use std::collections::BTreeMap;
use std::time::Duration;

pub use burn::{BurnRate, BurnWindow};
pub use mannwhitney::{MannWhitney, mann_whitney_u};
pub(crate) use measure::CompiledMetric;
pub use run::AnalysisRun;

use crate::{Error, Result};

/// A named set of metrics, like an Argo Rollouts `AnalysisTemplate`.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct AnalysisTemplate {
    /// The name rollouts refer to.
    pub name: String,
    /// Declared arguments (kept for export; queries are not run by this crate).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub args: Vec<Arg>,
    /// The metrics, all measured in parallel.
    pub metrics: Vec<Metric>,
}

/// An argument of a template, or its value in a rollout's reference.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Arg {
    /// The argument name.
    pub name: String,
    /// Its value, if given.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub value: Option<String>,
}

/// One metric of a template.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Metric {
    /// The metric name; also the series it is read from unless [`Metric::check`] names others.
    pub name: String,
    /// Time between measurements. Without it the metric is measured `count` times at once (at most 1).
    #[cfg_attr(
        feature = "serde",
        serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "crate::duration::serde_dur::option"
        )
    )]
    pub interval: Option<Duration>,
    /// How many measurements; without it a metric with an interval runs until the rollout ends.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub count: Option<u32>,
    /// Wait this long after the analysis starts before the first measurement.
    #[cfg_attr(
        feature = "serde",
        serde(
            default,
            skip_serializing_if = "Duration::is_zero",
            with = "crate::duration::serde_dur"
        )
    )]
    pub initial_delay: Duration,
    /// Expression that makes a measurement successful (`result[0] >= 0.95`).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub success_condition: Option<String>,
    /// Expression that makes a measurement failed.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub failure_condition: Option<String>,
    /// The metric fails when failed measurements exceed this (default 0).
    #[cfg_attr(feature = "serde", serde(default))]
    pub failure_limit: u32,
    /// The metric is inconclusive when inconclusive (or no-data) measurements exceed this (default 0).
    #[cfg_attr(feature = "serde", serde(default))]
    pub inconclusive_limit: u32,
    /// The metric errs when consecutive errors exceed this (default 4).
    #[cfg_attr(feature = "serde", serde(default = "default_error_limit"))]
    pub consecutive_error_limit: u32,
    /// A statistical check instead of conditions.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub check: Option<Check>,
    /// Where the value comes from in production (kept for Argo export; the
    /// simulator reads the series named after the metric).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub provider: Option<Provider>,
}

fn default_error_limit() -> u32 {
    4
}

impl Metric {
    /// A metric measured once, successful when `success_condition` holds.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            interval: None,
            count: None,
            initial_delay: Duration::ZERO,
            success_condition: None,
            failure_condition: None,
            failure_limit: 0,
            inconclusive_limit: 0,
            consecutive_error_limit: default_error_limit(),
            check: None,
            provider: None,
        }
    }
}

/// A check that judges a measurement by itself, instead of conditions.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", deny_unknown_fields)
)]
pub enum Check {
    /// SLO burn rate over several windows.
    BurnRate(BurnRate),
    /// Canary against baseline with the Mann-Whitney U test.
    MannWhitney(MannWhitneyCheck),
}

/// Which change of the canary against the baseline is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Direction {
    /// Higher is worse (latency, error rate).
    #[default]
    Increase,
    /// Lower is worse (throughput, success rate).
    Decrease,
    /// Any significant difference is bad.
    Either,
}

/// Kayenta-style judgement: the canary's samples against the baseline's.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct MannWhitneyCheck {
    /// The canary's series.
    pub canary: String,
    /// The baseline's series.
    pub baseline: String,
    /// The samples taken in this window before each measurement are compared.
    #[cfg_attr(feature = "serde", serde(with = "crate::duration::serde_dur"))]
    pub window: Duration,
    /// Confidence needed to call a difference (default 0.95: p < 0.05).
    #[cfg_attr(feature = "serde", serde(default = "default_confidence"))]
    pub confidence: f64,
    /// Which difference fails the canary.
    #[cfg_attr(feature = "serde", serde(default))]
    pub direction: Direction,
    /// Fewer samples than this on either side gives no data (default 10).
    #[cfg_attr(feature = "serde", serde(default = "default_min_samples"))]
    pub min_samples: u32,
    /// A significant difference fails only if the medians differ by more
    /// than this fraction of the baseline's median (default 0).
    #[cfg_attr(feature = "serde", serde(default))]
    pub tolerance: f64,
}

fn default_confidence() -> f64 {
    0.95
}

fn default_min_samples() -> u32 {
    10
}

impl MannWhitneyCheck {
    /// A check with the defaults: 95 % confidence, higher is worse, 10 samples.
    pub fn new(canary: impl Into<String>, baseline: impl Into<String>, window: Duration) -> Self {
        Self {
            canary: canary.into(),
            baseline: baseline.into(),
            window,
            confidence: default_confidence(),
            direction: Direction::Increase,
            min_samples: default_min_samples(),
            tolerance: 0.0,
        }
    }
}

/// Where a metric's value comes from in production, kept so that an
/// imported template exports again. Only the string fields of the provider
/// are kept; see the crate README for the providers accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Provider {
    /// The provider, as Argo names it: `prometheus`, `datadog`, `newRelic`, `web`...
    pub kind: String,
    /// Its fields (`address`, `query`...), sorted.
    pub fields: BTreeMap<String, String>,
}

/// A rollout's reference to analysis templates, with argument values.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct AnalysisRef {
    /// Template names; their metrics are merged into one run.
    pub templates: Vec<String>,
    /// Argument values.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub args: Vec<Arg>,
}

impl AnalysisRef {
    /// A reference to one template.
    pub fn template(name: impl Into<String>) -> Self {
        Self {
            templates: vec![name.into()],
            args: Vec::new(),
        }
    }

    /// The name of a run of these templates (`a+b`).
    pub fn run_name(&self) -> String {
        self.templates.join("+")
    }
}

/// The templates a rollout may refer to, by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Library {
    templates: BTreeMap<String, AnalysisTemplate>,
}

impl Library {
    /// An empty library.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a template.
    pub fn insert(&mut self, template: AnalysisTemplate) -> &mut Self {
        self.templates.insert(template.name.clone(), template);
        self
    }

    /// Adds a template (builder style).
    pub fn with(mut self, template: AnalysisTemplate) -> Self {
        self.insert(template);
        self
    }

    /// The template of that name.
    pub fn get(&self, name: &str) -> Option<&AnalysisTemplate> {
        self.templates.get(name)
    }

    /// The templates, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = &AnalysisTemplate> {
        self.templates.values()
    }

    /// Checks and compiles the metrics a reference names.
    pub(crate) fn compile(&self, r: &AnalysisRef, what: &str) -> Result<Vec<CompiledMetric>> {
        if r.templates.is_empty() {
            return Err(Error::invalid(
                what,
                "an analysis needs at least one template",
            ));
        }
        let mut out: Vec<CompiledMetric> = Vec::new();
        for name in &r.templates {
            let t = self.get(name).ok_or_else(|| {
                Error::invalid(what, format!("analysis template {name:?} is not given (pass it with --analysis, or define it)"))
            })?;
            if t.metrics.is_empty() {
                return Err(Error::invalid(
                    format!("analysis template {name:?}"),
                    "it has no metrics",
                ));
            }
            for m in &t.metrics {
                if out.iter().any(|c| c.metric.name == m.name) {
                    return Err(Error::invalid(
                        what,
                        format!("metric {:?} appears in more than one template", m.name),
                    ));
                }
                out.push(CompiledMetric::new(name, m)?);
            }
        }
        Ok(out)
    }

    /// Checks every metric of every template.
    pub fn validate(&self) -> Result<()> {
        for t in self.iter() {
            for m in &t.metrics {
                CompiledMetric::new(&t.name, m)?;
            }
        }
        Ok(())
    }
}

/// What one measurement found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum MeasurementPhase {
    /// The success condition held (or the failure condition did not).
    Successful,
    /// The failure condition held (or the success condition did not).
    Failed,
    /// Both conditions are set and neither held.
    Inconclusive,
    /// The provider failed or the condition could not be evaluated.
    Error,
    /// The provider had no data. Counts toward the inconclusive limit.
    NoData,
}

/// The state of an analysis run or of one of its metrics. Ordered from best
/// to worst: across metrics the worst wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum AnalysisPhase {
    /// Still measuring.
    Running,
    /// Every metric finished successfully.
    Successful,
    /// Inconclusive measurements exceeded the limit: a person decides.
    Inconclusive,
    /// Consecutive errors exceeded the limit.
    Error,
    /// Failed measurements exceeded the limit.
    Failed,
}

/// One measurement, with its numbers and reason.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Measurement {
    /// When it was taken.
    #[cfg_attr(feature = "serde", serde(rename = "t", with = "secs_f64"))]
    pub at: Duration,
    /// The analysis run (its template names).
    pub analysis: String,
    /// The metric.
    pub metric: String,
    /// What it found.
    pub phase: MeasurementPhase,
    /// The measured value as text (`[0.97]`, `U=12 p=0.003`), if any.
    pub value: Option<String>,
    /// Why this phase.
    pub reason: String,
}

#[cfg(feature = "serde")]
pub(crate) mod secs_f64 {
    //! A `Duration` as a number of seconds.
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        if d.subsec_nanos() == 0 {
            s.serialize_u64(d.as_secs())
        } else {
            s.serialize_f64(d.as_secs_f64())
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let f = f64::deserialize(d)?;
        Duration::try_from_secs_f64(f).map_err(serde::de::Error::custom)
    }
}
