//! A simulator for tests: drive a rollout on a virtual clock with scripted
//! metric series and manual actions, and get its timeline.

use std::time::Duration;

use crate::Result;
use crate::analysis::{Library, Measurement, MeasurementPhase};
use crate::metrics::MetricSeries;
use crate::rollout::{Rollout, Update};
use crate::state::{DesiredState, Phase, Replicas};
use crate::strategy::RolloutSpec;

/// A simulation stops (as [`Outcome::Unfinished`]) once its timeline holds this many entries.
pub const MAX_ENTRIES: usize = 200_000;

/// A person's action, scripted at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ManualAction {
    /// Skip the current pause or accept an inconclusive analysis.
    Promote,
    /// Skip every remaining step.
    PromoteFull,
    /// Roll back.
    Abort,
    /// Start an aborted rollout again.
    Retry,
}

/// How a simulation ended. Exhaustive: a test handles every outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Everything on the new version.
    Promoted {
        /// When.
        at: Duration,
    },
    /// Rolled back.
    Aborted {
        /// When.
        at: Duration,
        /// Why (the failing analysis and metric, or the person's reason).
        reason: String,
    },
    /// Waiting for a person (a pause without duration, an inconclusive analysis).
    Paused {
        /// Since when.
        at: Duration,
        /// Why.
        reason: String,
    },
    /// Still progressing when the simulation's horizon (or [`MAX_ENTRIES`])
    /// was reached: an analysis that never ends, for instance.
    Unfinished {
        /// The horizon.
        at: Duration,
    },
}

impl Outcome {
    /// `promoted`, `aborted`, `paused` or `unfinished`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Promoted { .. } => "promoted",
            Self::Aborted { .. } => "aborted",
            Self::Paused { .. } => "paused",
            Self::Unfinished { .. } => "unfinished",
        }
    }
}

/// One moment of the timeline: the desired state, and the measurements taken then.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Entry {
    /// Time in seconds since the start.
    #[cfg_attr(
        feature = "serde",
        serde(rename = "t", with = "crate::analysis::secs_f64")
    )]
    pub at: Duration,
    /// The step index.
    pub step: usize,
    /// Percent of traffic on the new version.
    pub weight: u32,
    /// Percent of traffic copied to the new version (shadow).
    pub mirror: u32,
    /// Pods per side.
    pub replicas: Replicas,
    /// Pods serving.
    pub available: u32,
    /// The phase.
    pub phase: Phase,
    /// Why.
    pub reason: String,
    /// Measurements taken at this time.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub measurements: Vec<Measurement>,
}

impl Entry {
    fn of(s: &DesiredState, at: Duration, measurements: Vec<Measurement>) -> Self {
        Self {
            at,
            step: s.step,
            weight: s.weights.canary,
            mirror: s.mirror,
            replicas: s.replicas,
            available: s.available,
            phase: s.phase,
            reason: s.reason.clone(),
            measurements,
        }
    }
}

/// What a simulation produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// How it ended.
    pub outcome: Outcome,
    /// The step the rollout was at when it ended.
    pub final_step: usize,
    /// The final state's reason.
    pub reason: String,
    /// Every state change and measurement, in time order.
    pub timeline: Vec<Entry>,
}

impl Report {
    /// Every measurement of the timeline, in time order.
    pub fn measurements(&self) -> impl Iterator<Item = &Measurement> {
        self.timeline.iter().flat_map(|e| e.measurements.iter())
    }

    /// The canary weight at time `t` (the last entry at or before it).
    pub fn weight_at(&self, t: Duration) -> u32 {
        self.timeline
            .iter()
            .take_while(|e| e.at <= t)
            .last()
            .map_or(0, |e| e.weight)
    }

    /// As JSON: `outcome`, `final_step`, `reason`, `at` and `timeline`.
    #[cfg(feature = "serde")]
    pub fn to_json(&self) -> serde_json::Value {
        let at = match &self.outcome {
            Outcome::Promoted { at }
            | Outcome::Aborted { at, .. }
            | Outcome::Paused { at, .. }
            | Outcome::Unfinished { at } => *at,
        };
        serde_json::json!({
            "outcome": self.outcome.name(),
            "final_step": self.final_step,
            "reason": self.reason,
            "at": at.as_secs_f64(),
            "timeline": self.timeline,
        })
    }

    /// A readable timeline, one line per entry.
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        for e in &self.timeline {
            let _ = writeln!(
                out,
                "{:>8}  step {:<2} {:>3}% new  pods {}/{}{}  {:<11} {}",
                crate::format_duration(e.at),
                e.step,
                e.weight,
                e.replicas.stable,
                e.replicas.canary,
                if e.mirror > 0 {
                    format!("  mirror {}%", e.mirror)
                } else {
                    String::new()
                },
                e.phase.to_string(),
                e.reason
            );
            for m in &e.measurements {
                let _ = writeln!(
                    out,
                    "{:>8}    {}/{}: {:?} {} ({})",
                    "",
                    m.analysis,
                    m.metric,
                    m.phase,
                    m.value.as_deref().unwrap_or("-"),
                    m.reason
                );
            }
        }
        let _ = writeln!(
            out,
            "outcome: {} at step {}: {}",
            self.outcome.name(),
            self.final_step,
            self.reason
        );
        out
    }
}

/// A rollout, its templates, scripted metric series and scripted actions,
/// on a virtual clock starting at 0.
///
/// ```
/// use std::time::Duration;
/// use relkit_deploy::*;
///
/// let mut metric = Metric::new("success-rate");
/// metric.interval = Some(Duration::from_secs(60));
/// metric.success_condition = Some("result[0] >= 0.95".into());
/// let library = Library::new().with(AnalysisTemplate { name: "sr".into(), args: vec![], metrics: vec![metric] });
/// let mut canary = CanarySpec::with_steps(vec![
///     CanaryStep::SetWeight(20),
///     CanaryStep::Pause(Pause { duration: Some(Duration::from_secs(600)) }),
/// ]);
/// canary.analysis = Some(BackgroundAnalysis { templates: vec!["sr".into()], args: vec![], starting_step: 0 });
/// let spec = RolloutSpec::new("web", 5, Strategy::Canary(canary));
/// let metrics = MetricSeries::new().with("success-rate", 0, 0.99).with("success-rate", 240, 0.80);
///
/// let sim = Simulation::new(spec, library, metrics)?;
/// let report = sim.run();
/// assert!(matches!(report.outcome, Outcome::Aborted { .. }));
/// assert_eq!(report.timeline.last().unwrap().weight, 0);
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Simulation {
    rollout: Rollout,
    metrics: MetricSeries,
    actions: Vec<(Duration, ManualAction)>,
    horizon: Duration,
}

impl Simulation {
    /// Checks the spec against the templates; the clock starts at 0.
    pub fn new(spec: RolloutSpec, library: Library, metrics: MetricSeries) -> Result<Self> {
        Ok(Self {
            rollout: Rollout::new(spec, &library, Duration::ZERO)?,
            metrics,
            actions: Vec::new(),
            horizon: Duration::from_secs(7 * 86_400),
        })
    }

    /// Scripts a person's action at `at`.
    pub fn action(mut self, at: Duration, action: ManualAction) -> Self {
        let idx = self.actions.partition_point(|(t, _)| *t <= at);
        self.actions.insert(idx, (at, action));
        self
    }

    /// Stops the simulation at this time (default 7 days).
    pub fn horizon(mut self, horizon: Duration) -> Self {
        self.horizon = horizon;
        self
    }

    /// Runs to the end: the rollout is promoted or aborted; or it waits for
    /// a person, no scripted input (metric point or action) is left and any
    /// background analysis has found the last values fine; or the horizon
    /// (or [`MAX_ENTRIES`]) is reached. The same simulation always gives the same report.
    pub fn run(&self) -> Report {
        let mut r = self.rollout.clone();
        let mut timeline = vec![Entry::of(r.state(), Duration::ZERO, Vec::new())];
        let mut actions = self.actions.iter().peekable();
        let mut clock = Duration::ZERO;
        let mut settled_at: Option<Duration> = None;
        // After the last input, a rollout waiting for a person stays as it is.
        let last_input = self
            .metrics
            .names()
            .filter_map(|n| self.metrics.points(n).last().map(|p| p.at))
            .chain(self.actions.last().map(|(t, _)| *t))
            .max()
            .unwrap_or(Duration::ZERO);
        loop {
            let auto = r.next_wakeup();
            let manual = actions.peek().map(|(t, _)| *t);
            let t = match (auto, manual) {
                (Some(a), Some(m)) => a.min(m),
                (Some(a), None) => a,
                (None, Some(m)) => m,
                (None, None) => break,
            };
            // Waiting for a person with no input left, the background
            // analysis would go on measuring constant values: stop once it
            // has measured them and found them fine (failures go on to their limit).
            let settled = settled_at.is_some_and(|at| at >= last_input);
            if t > self.horizon
                || timeline.len() >= MAX_ENTRIES
                || (r.needs_person() && actions.peek().is_none() && settled)
            {
                break;
            }
            clock = clock.max(t);
            if auto.is_some_and(|a| a <= t) {
                let up = r.advance(t, &self.metrics);
                if let Some(last) = up.measurements.last() {
                    let ok = up
                        .measurements
                        .iter()
                        .filter(|m| m.at == last.at)
                        .all(|m| m.phase == MeasurementPhase::Successful);
                    settled_at = ok.then_some(last.at);
                }
                record(&mut timeline, &r, up);
                continue;
            }
            if let Some((at, action)) = actions.next() {
                let result = match action {
                    ManualAction::Promote => r.promote(*at),
                    ManualAction::PromoteFull => r.promote_full(*at),
                    ManualAction::Abort => r.abort(*at, "scripted abort"),
                    ManualAction::Retry => r.retry(*at),
                };
                // An action that does not apply (promoting a finished
                // rollout) changes nothing, as with a person's click.
                if let Ok(up) = result {
                    record(&mut timeline, &r, up);
                }
            }
        }
        let s = r.state();
        let outcome = match s.phase {
            Phase::Promoted => Outcome::Promoted { at: s.at },
            Phase::Aborted => Outcome::Aborted {
                at: s.at,
                reason: s.reason.clone(),
            },
            Phase::Paused | Phase::Progressing if r.needs_person() => Outcome::Paused {
                at: s.at,
                reason: s.reason.clone(),
            },
            Phase::Paused | Phase::Progressing => Outcome::Unfinished { at: clock },
        };
        Report {
            outcome,
            final_step: s.step,
            reason: s.reason.clone(),
            timeline,
        }
    }
}

fn record(timeline: &mut Vec<Entry>, r: &Rollout, up: Update) {
    let mut measurements = up.measurements.into_iter().peekable();
    let mut states = up.states.iter().peekable();
    while let Some(s) = states.next() {
        let current = timeline.last().map_or_else(|| r.state().clone(), state_of);
        flush(timeline, &mut measurements, Some(s.at), &current);
        let mut entry = Entry::of(s, s.at, Vec::new());
        // Measurements belong to the last state of their time (the one they caused, if any).
        if states.peek().is_none_or(|next| next.at != s.at) {
            while let Some(m) = measurements.next_if(|m| m.at == s.at) {
                entry.measurements.push(m);
            }
        }
        timeline.push(entry);
    }
    flush(timeline, &mut measurements, None, r.state());
}

/// Adds the measurements taken before `bound` as entries of the state `current`.
fn flush(
    timeline: &mut Vec<Entry>,
    measurements: &mut std::iter::Peekable<std::vec::IntoIter<Measurement>>,
    bound: Option<Duration>,
    current: &DesiredState,
) {
    while let Some(t) = measurements
        .peek()
        .map(|m| m.at)
        .filter(|t| bound.is_none_or(|b| *t < b))
    {
        let mut group = Vec::new();
        while let Some(m) = measurements.next_if(|m| m.at == t) {
            group.push(m);
        }
        timeline.push(Entry::of(current, t, group));
    }
}

fn state_of(e: &Entry) -> DesiredState {
    DesiredState {
        at: e.at,
        step: e.step,
        weights: crate::state::Weights::canary(e.weight),
        mirror: e.mirror,
        replicas: e.replicas,
        available: e.available,
        phase: e.phase,
        reason: e.reason.clone(),
    }
}
