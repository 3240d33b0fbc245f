//! An analysis run: the metrics of one or more templates, measured on their
//! schedules, assessed with Argo Rollouts' limits.

use std::time::Duration;

use super::{AnalysisPhase, CompiledMetric, Measurement, MeasurementPhase};
use crate::metrics::MetricSource;

#[derive(Debug, Clone, PartialEq)]
struct MetricState {
    metric: CompiledMetric,
    taken: u32,
    failed: u32,
    inconclusive: u32,
    consecutive_errors: u32,
    next_at: Duration,
    phase: AnalysisPhase,
    reason: String,
}

/// A running analysis. Measurements are taken at their scheduled times
/// (start + initial delay, then every interval), whatever the times at
/// which [`AnalysisRun::advance`] is called.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisRun {
    name: String,
    metrics: Vec<MetricState>,
    phase: AnalysisPhase,
    reason: String,
}

impl AnalysisRun {
    pub(crate) fn new(name: String, metrics: Vec<CompiledMetric>, start: Duration) -> Self {
        let metrics = metrics
            .into_iter()
            .map(|metric| MetricState {
                next_at: start.saturating_add(metric.metric.initial_delay),
                metric,
                taken: 0,
                failed: 0,
                inconclusive: 0,
                consecutive_errors: 0,
                phase: AnalysisPhase::Running,
                reason: String::new(),
            })
            .collect();
        Self {
            name,
            metrics,
            phase: AnalysisPhase::Running,
            reason: String::new(),
        }
    }

    /// The run's name (its templates, joined with `+`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The run's phase: the worst of its metrics once one has ended badly
    /// or all have ended.
    pub fn phase(&self) -> AnalysisPhase {
        self.phase
    }

    /// Why the run is in its phase.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// When the next measurement is due, if any.
    pub fn next_due(&self) -> Option<Duration> {
        if self.phase != AnalysisPhase::Running {
            return None;
        }
        self.metrics
            .iter()
            .filter(|m| m.phase == AnalysisPhase::Running)
            .map(|m| m.next_at)
            .min()
    }

    /// Takes every measurement due at or before `now`, in time order, and
    /// returns the run's phase. Measurements are appended to `out`.
    pub fn advance(
        &mut self,
        now: Duration,
        source: &dyn MetricSource,
        out: &mut Vec<Measurement>,
    ) -> AnalysisPhase {
        while let Some(due) = self.next_due().filter(|d| *d <= now) {
            for m in self
                .metrics
                .iter_mut()
                .filter(|m| m.phase == AnalysisPhase::Running && m.next_at == due)
            {
                let j = m.metric.measure(source, due);
                m.taken += 1;
                match j.phase {
                    MeasurementPhase::Successful => m.consecutive_errors = 0,
                    MeasurementPhase::Failed => {
                        m.failed += 1;
                        m.consecutive_errors = 0;
                    }
                    MeasurementPhase::Inconclusive | MeasurementPhase::NoData => {
                        m.inconclusive += 1;
                        m.consecutive_errors = 0;
                    }
                    MeasurementPhase::Error => m.consecutive_errors += 1,
                }
                let last = j.reason.clone();
                out.push(Measurement {
                    at: due,
                    analysis: self.name.clone(),
                    metric: m.metric.metric.name.clone(),
                    phase: j.phase,
                    value: j.value,
                    reason: j.reason,
                });
                let spec = &m.metric.metric;
                let name = &spec.name;
                (m.phase, m.reason) = if m.failed > spec.failure_limit {
                    (
                        AnalysisPhase::Failed,
                        format!(
                            "metric {name:?}: {} failed measurement(s), more than the failure limit {} (last: {last})",
                            m.failed, spec.failure_limit
                        ),
                    )
                } else if m.inconclusive > spec.inconclusive_limit {
                    (
                        AnalysisPhase::Inconclusive,
                        format!(
                            "metric {name:?}: {} inconclusive measurement(s), more than the inconclusive limit {} (last: {last})",
                            m.inconclusive, spec.inconclusive_limit
                        ),
                    )
                } else if m.consecutive_errors > spec.consecutive_error_limit {
                    (
                        AnalysisPhase::Error,
                        format!(
                            "metric {name:?}: {} consecutive errors, more than the limit {} (last: {last})",
                            m.consecutive_errors, spec.consecutive_error_limit
                        ),
                    )
                } else if m.metric.count().is_some_and(|c| m.taken >= c) {
                    (
                        AnalysisPhase::Successful,
                        format!(
                            "metric {name:?}: {} measurement(s) within the limits",
                            m.taken
                        ),
                    )
                } else {
                    m.next_at = due.saturating_add(spec.interval.unwrap_or(Duration::from_secs(1)));
                    (AnalysisPhase::Running, String::new())
                };
            }
            self.assess();
        }
        self.phase
    }

    fn assess(&mut self) {
        let worst = self
            .metrics
            .iter()
            .filter(|m| m.phase != AnalysisPhase::Running)
            .max_by_key(|m| m.phase);
        match worst {
            Some(w) if w.phase > AnalysisPhase::Successful => {
                self.phase = w.phase;
                self.reason = format!("analysis {:?}: {}", self.name, w.reason);
            }
            _ if self
                .metrics
                .iter()
                .all(|m| m.phase == AnalysisPhase::Successful) =>
            {
                self.phase = AnalysisPhase::Successful;
                self.reason = format!("analysis {:?}: every metric succeeded", self.name);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Metric;
    use crate::metrics::{Observation, Query};

    fn run_with(
        metric: Metric,
        values: Vec<Observation>,
        until: u64,
    ) -> (AnalysisPhase, Vec<Measurement>) {
        let c = CompiledMetric::new("t", &metric).unwrap();
        let mut run = AnalysisRun::new("t".into(), vec![c], Duration::ZERO);
        let source = move |q: &Query<'_>| {
            let i = usize::try_from(q.now.as_secs() / 10).unwrap();
            values.get(i).cloned().unwrap_or(Observation::NoData)
        };
        let mut out = Vec::new();
        let phase = run.advance(Duration::from_secs(until), &source, &mut out);
        (phase, out)
    }

    fn metric() -> Metric {
        let mut m = Metric::new("m");
        m.interval = Some(Duration::from_secs(10));
        m.count = Some(5);
        m.success_condition = Some("result >= 0.9".into());
        m
    }

    #[test]
    fn failure_limit_is_exceeded_not_reached() {
        let mut m = metric();
        m.failure_limit = 2;
        let s = Observation::Scalar;
        let (phase, out) = run_with(
            m.clone(),
            vec![s(0.5), s(0.95), s(0.5), s(0.95), s(0.95)],
            100,
        );
        assert_eq!(phase, AnalysisPhase::Successful);
        assert_eq!(out.len(), 5);
        assert_eq!(
            out.first().unwrap().at,
            Duration::ZERO,
            "the first measurement is taken at the start"
        );
        let (phase, out) = run_with(m, vec![s(0.5), s(0.5), s(0.5), s(0.95), s(0.95)], 100);
        assert_eq!(phase, AnalysisPhase::Failed);
        assert_eq!(out.len(), 3, "the run stops at the third failure");
    }

    #[test]
    fn consecutive_errors_and_inconclusive() {
        let e = || Observation::Error("timeout".into());
        let mut m = metric();
        m.count = Some(4);
        let (phase, out) = run_with(m, vec![e(), e(), e(), e()], 100);
        assert_eq!(
            phase,
            AnalysisPhase::Successful,
            "4 errors do not exceed the limit of 4"
        );
        assert_eq!(out.len(), 4);
        let (phase, out) = run_with(metric(), vec![e(), e(), e(), e(), e()], 100);
        assert_eq!(
            phase,
            AnalysisPhase::Error,
            "the 5th consecutive error exceeds 4"
        );
        assert_eq!(out.len(), 5);
        let mut m = metric();
        m.failure_condition = Some("result < 0.5".into());
        let (phase, out) = run_with(m, vec![Observation::Scalar(0.7)], 100);
        assert_eq!(phase, AnalysisPhase::Inconclusive);
        assert_eq!(out.first().unwrap().phase, MeasurementPhase::Inconclusive);
    }

    #[test]
    fn initial_delay_and_single_measurement() {
        let mut m = Metric::new("m");
        m.initial_delay = Duration::from_secs(20);
        m.success_condition = Some("result > 0".into());
        let (phase, out) = run_with(
            m,
            vec![
                Observation::Scalar(0.0),
                Observation::Scalar(0.0),
                Observation::Scalar(1.0),
            ],
            100,
        );
        assert_eq!(phase, AnalysisPhase::Successful);
        assert_eq!(out.len(), 1);
        assert_eq!(out.first().unwrap().at, Duration::from_secs(20));
    }
}
