//! Taking one measurement of a metric and judging it.

use std::time::Duration;

use super::{Check, Direction, MeasurementPhase, Metric, mann_whitney_u};
use crate::metrics::{Aggregate, MetricSource, Observation, Query};
use crate::{Error, Expr, Result, Value};

/// A metric whose expressions are parsed and whose settings are checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CompiledMetric {
    pub(crate) metric: Metric,
    success: Option<Expr>,
    failure: Option<Expr>,
}

pub(crate) struct Judgement {
    pub(crate) phase: MeasurementPhase,
    pub(crate) value: Option<String>,
    pub(crate) reason: String,
}

fn judged(phase: MeasurementPhase, value: Option<String>, reason: impl Into<String>) -> Judgement {
    Judgement {
        phase,
        value,
        reason: reason.into(),
    }
}

impl CompiledMetric {
    pub(crate) fn new(template: &str, m: &Metric) -> Result<Self> {
        let what = || format!("metric {:?} of analysis template {template:?}", m.name);
        if m.name.trim().is_empty() {
            return Err(Error::invalid(
                format!("analysis template {template:?}"),
                "a metric has an empty name",
            ));
        }
        if m.count.unwrap_or(0) > 1 && m.interval.is_none() {
            return Err(Error::invalid(
                what(),
                "count is above 1 but no interval is set",
            ));
        }
        if m.interval.is_some_and(|i| i < Duration::from_secs(1)) {
            return Err(Error::invalid(what(), "interval must be at least 1s"));
        }
        let parse = |c: &Option<String>| c.as_deref().map(Expr::parse).transpose();
        let success =
            parse(&m.success_condition).map_err(|e| Error::invalid(what(), e.to_string()))?;
        let failure =
            parse(&m.failure_condition).map_err(|e| Error::invalid(what(), e.to_string()))?;
        match &m.check {
            Some(_) if success.is_some() || failure.is_some() => {
                return Err(Error::invalid(
                    what(),
                    "a metric has either a check or conditions, not both",
                ));
            }
            Some(Check::BurnRate(b)) => {
                if b.objective.is_nan() || b.objective <= 0.0 || b.objective >= 1.0 {
                    return Err(Error::invalid(
                        what(),
                        format!(
                            "SLO objective {} is not between 0 and 1 (use 0.999 for 99.9%)",
                            b.objective
                        ),
                    ));
                }
                if b.windows.is_empty() {
                    return Err(Error::invalid(
                        what(),
                        "a burn-rate check needs at least one window",
                    ));
                }
                if let Some(w) = b.windows.iter().find(|w| {
                    w.factor.is_nan() || w.factor <= 0.0 || w.short > w.long || w.short.is_zero()
                }) {
                    return Err(Error::invalid(
                        what(),
                        format!("burn window {w:?} needs a factor above 0 and 0 < short ≤ long"),
                    ));
                }
            }
            Some(Check::MannWhitney(c)) => {
                if c.confidence.is_nan() || c.confidence <= 0.0 || c.confidence >= 1.0 {
                    return Err(Error::invalid(
                        what(),
                        format!(
                            "confidence {} is not between 0 and 1 (use 0.95)",
                            c.confidence
                        ),
                    ));
                }
                if c.window.is_zero() {
                    return Err(Error::invalid(
                        what(),
                        "the sample window must be above zero",
                    ));
                }
                if c.tolerance.is_nan() || c.tolerance < 0.0 {
                    return Err(Error::invalid(what(), "the tolerance must be 0 or more"));
                }
            }
            None => {}
        }
        Ok(Self {
            metric: m.clone(),
            success,
            failure,
        })
    }

    /// How many measurements the metric takes (`None`: until stopped).
    pub(crate) fn count(&self) -> Option<u32> {
        match (self.metric.count, self.metric.interval) {
            (Some(n), _) if n > 0 => Some(n),
            (_, Some(_)) => None,
            _ => Some(1),
        }
    }

    pub(crate) fn measure(&self, source: &dyn MetricSource, at: Duration) -> Judgement {
        match &self.metric.check {
            None => self.by_conditions(source, at),
            Some(Check::BurnRate(b)) => burn_rate(b, source, at),
            Some(Check::MannWhitney(c)) => mann_whitney(c, source, at),
        }
    }

    fn by_conditions(&self, source: &dyn MetricSource, at: Duration) -> Judgement {
        let q = Query {
            series: &self.metric.name,
            aggregate: Aggregate::Latest,
            now: at,
        };
        let result = match source.observe(&q) {
            Observation::Scalar(x) => Value::Number(x),
            Observation::Vector(xs) => Value::List(xs.into_iter().map(Value::Number).collect()),
            Observation::Error(e) => {
                return judged(
                    MeasurementPhase::Error,
                    None,
                    format!("the provider failed: {e}"),
                );
            }
            Observation::NoData => {
                return judged(
                    MeasurementPhase::NoData,
                    None,
                    format!("no data for {:?}", self.metric.name),
                );
            }
        };
        let value = Some(result.to_string());
        let eval = |e: &Option<Expr>| e.as_ref().map(|e| e.eval_bool(&result)).transpose();
        let (success, failure) = match (eval(&self.success), eval(&self.failure)) {
            (Ok(s), Ok(f)) => (s, f),
            (Err(e), _) | (_, Err(e)) => return judged(MeasurementPhase::Error, value, e),
        };
        let text = |e: &Option<Expr>| e.as_ref().map_or("", Expr::source).to_owned();
        // Argo's rules: a missing condition is the negation of the other one.
        match (success, failure) {
            (None, None) => judged(
                MeasurementPhase::Successful,
                value,
                "no condition: every measurement succeeds",
            ),
            (_, Some(true)) => judged(
                MeasurementPhase::Failed,
                value,
                format!("failure condition `{}` holds", text(&self.failure)),
            ),
            (Some(true), _) => judged(
                MeasurementPhase::Successful,
                value,
                format!("success condition `{}` holds", text(&self.success)),
            ),
            (Some(false), None) => judged(
                MeasurementPhase::Failed,
                value,
                format!("success condition `{}` does not hold", text(&self.success)),
            ),
            (None, Some(false)) => judged(
                MeasurementPhase::Successful,
                value,
                format!("failure condition `{}` does not hold", text(&self.failure)),
            ),
            (Some(false), Some(false)) => judged(
                MeasurementPhase::Inconclusive,
                value,
                format!(
                    "neither `{}` nor `{}` holds",
                    text(&self.success),
                    text(&self.failure)
                ),
            ),
        }
    }
}

fn scalar(o: Observation) -> Result<Option<f64>, String> {
    match o {
        Observation::Scalar(x) if x.is_nan() => Ok(None),
        Observation::Scalar(x) => Ok(Some(x)),
        Observation::Vector(xs) if xs.is_empty() => Ok(None),
        Observation::Vector(xs) => Ok(Some(xs.iter().sum::<f64>() / xs.len() as f64)),
        Observation::Error(e) => Err(e),
        Observation::NoData => Ok(None),
    }
}

fn burn_rate(b: &super::BurnRate, source: &dyn MetricSource, at: Duration) -> Judgement {
    use crate::duration::format_duration as fd;
    let mean = |w| {
        scalar(source.observe(&Query {
            series: &b.series,
            aggregate: Aggregate::Mean(w),
            now: at,
        }))
    };
    let mut parts = Vec::new();
    let mut any_data = false;
    for w in &b.windows {
        let (long, short) = match (mean(w.long), mean(w.short)) {
            (Ok(l), Ok(s)) => (l, s),
            (Err(e), _) | (_, Err(e)) => {
                return judged(
                    MeasurementPhase::Error,
                    None,
                    format!("the provider failed for {:?}: {e}", b.series),
                );
            }
        };
        let (Some(long), Some(short)) = (long, short) else {
            continue;
        };
        any_data = true;
        let (bl, bs) = (b.burn(long), b.burn(short));
        parts.push(format!("{}/{}: {bl:.2}/{bs:.2}", fd(w.long), fd(w.short)));
        if bl > w.factor && bs > w.factor {
            return judged(
                MeasurementPhase::Failed,
                Some(parts.join(", ")),
                format!(
                    "burn rate {bl:.2} over {} and {bs:.2} over {} both exceed {} (objective {})",
                    fd(w.long),
                    fd(w.short),
                    w.factor,
                    b.objective
                ),
            );
        }
    }
    if !any_data {
        return judged(
            MeasurementPhase::NoData,
            None,
            format!("no error-ratio data for {:?}", b.series),
        );
    }
    judged(
        MeasurementPhase::Successful,
        Some(parts.join(", ")),
        "no burn-rate window exceeds its factor",
    )
}

fn mann_whitney(c: &super::MannWhitneyCheck, source: &dyn MetricSource, at: Duration) -> Judgement {
    let samples = |series: &str| match source.observe(&Query {
        series,
        aggregate: Aggregate::Samples(c.window),
        now: at,
    }) {
        Observation::Scalar(x) => Ok(vec![x]),
        Observation::Vector(xs) => Ok(xs),
        Observation::NoData => Ok(Vec::new()),
        Observation::Error(e) => Err(format!("the provider failed for {series:?}: {e}")),
    };
    let (canary, baseline) = match (samples(&c.canary), samples(&c.baseline)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return judged(MeasurementPhase::Error, None, e),
    };
    let Some(t) = mann_whitney_u(&canary, &baseline)
        .filter(|t| t.n_canary >= c.min_samples as usize && t.n_baseline >= c.min_samples as usize)
    else {
        return judged(
            MeasurementPhase::NoData,
            None,
            format!(
                "{} canary and {} baseline samples; at least {} of each are needed",
                canary.len(),
                baseline.len(),
                c.min_samples
            ),
        );
    };
    let value = Some(format!(
        "U={} z={:.3} p={:.4} median canary={} baseline={}",
        t.u, t.z, t.p_value, t.median_canary, t.median_baseline
    ));
    let alpha = 1.0 - c.confidence;
    let higher = t.z > 0.0;
    let bad_direction = match c.direction {
        Direction::Increase => higher,
        Direction::Decrease => !higher,
        Direction::Either => true,
    };
    let effect = if t.median_baseline == 0.0 {
        if t.median_canary == 0.0 {
            0.0
        } else {
            f64::INFINITY
        }
    } else {
        ((t.median_canary - t.median_baseline) / t.median_baseline).abs()
    };
    if t.p_value < alpha && bad_direction && effect > c.tolerance {
        judged(
            MeasurementPhase::Failed,
            value,
            format!(
                "the canary is significantly {} than the baseline (p = {:.4} < {alpha:.4})",
                if higher { "higher" } else { "lower" },
                t.p_value
            ),
        )
    } else if t.p_value < alpha && bad_direction {
        judged(
            MeasurementPhase::Successful,
            value,
            format!(
                "significant, but the medians differ by {:.1}%, within the tolerance",
                effect * 100.0
            ),
        )
    } else {
        judged(
            MeasurementPhase::Successful,
            value,
            format!(
                "no significant harmful difference (p = {:.4}, α = {alpha:.4})",
                t.p_value
            ),
        )
    }
}
