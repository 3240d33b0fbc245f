//! The common driver: executes any strategy's plan against the time and
//! observations the caller passes in.

use std::time::Duration;

use crate::analysis::{AnalysisPhase, AnalysisRun, Library, Measurement};
use crate::metrics::MetricSource;
use crate::plan::{self, Action, Planned};
use crate::state::{DesiredState, Phase, Replicas, Weights};
use crate::strategy::RolloutSpec;
use crate::{Error, Result};

/// Advances an analysis run to `t`, appending its measurements to `out`.
/// Returns its phase, when that phase was reached (the last new
/// measurement's time, else `t`) and its reason.
fn measure(
    run: &mut AnalysisRun,
    t: Duration,
    source: &dyn MetricSource,
    out: &mut Vec<Measurement>,
) -> (AnalysisPhase, Duration, String) {
    let before = out.len();
    let phase = run.advance(t, source, out);
    let at = out.get(before..).and_then(|m| m.last()).map_or(t, |m| m.at);
    (phase, at, run.reason().to_owned())
}

/// Largest replica count a spec may ask for (a bound on the plan's size).
pub const MAX_REPLICAS: u32 = 10_000;

/// What [`Rollout::advance`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// Every state the rollout went through, in time order (empty when nothing changed).
    pub states: Vec<DesiredState>,
    /// The measurements taken, in time order.
    pub measurements: Vec<Measurement>,
}

#[derive(Debug, Clone, PartialEq)]
enum Waiting {
    /// Running by itself.
    No,
    /// Waiting for a person; `restart_background` when the pause came from it.
    Person { restart_background: bool },
    /// Promoted or aborted.
    Done,
}

/// A rollout in progress: a pure state machine. It reads no clock and does
/// no I/O; the caller passes the time (any origin, as a [`Duration`]) and a
/// [`MetricSource`], and gets back the desired state.
///
/// ```
/// use std::time::Duration;
/// use relkit_deploy::*;
///
/// let strategy = Strategy::Canary(CanarySpec::with_steps(vec![
///     CanaryStep::SetWeight(20),
///     CanaryStep::Pause(Pause { duration: Some(Duration::from_secs(60)) }),
/// ]));
/// let spec = RolloutSpec::new("web", 10, strategy);
/// let mut r = Rollout::new(spec, &Library::new(), Duration::ZERO)?;
/// let no_metrics = |_: &Query<'_>| Observation::NoData;
/// r.advance(Duration::ZERO, &no_metrics);
/// assert_eq!(r.state().weights.canary, 20);
/// assert_eq!(r.state().replicas, Replicas { stable: 8, canary: 2 });
/// assert_eq!(r.next_wakeup(), Some(Duration::from_secs(60)));
/// r.advance(Duration::from_secs(60), &no_metrics);
/// assert_eq!(r.state().phase, Phase::Promoted);
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Rollout {
    spec: RolloutSpec,
    plan: Vec<Planned>,
    pos: usize,
    /// Whether the current action has been entered.
    started: bool,
    /// The latest time the rollout has been driven to; nothing happens before it.
    clock: Duration,
    /// When the current action started.
    entered: Duration,
    state: DesiredState,
    waiting: Waiting,
    step_run: Option<AnalysisRun>,
    background: Option<AnalysisRun>,
    /// The background analysis started by the plan, to restart after an inconclusive pause.
    background_source: Option<usize>,
}

impl Rollout {
    /// Checks the spec and its analysis references against `library`, and
    /// starts the rollout at `now` with all traffic on the stable version.
    pub fn new(spec: RolloutSpec, library: &Library, now: Duration) -> Result<Self> {
        if spec.replicas > MAX_REPLICAS {
            return Err(Error::invalid(
                format!("rollout {:?} replicas", spec.name),
                format!(
                    "{} is more than the {MAX_REPLICAS} this crate plans for",
                    spec.replicas
                ),
            ));
        }
        let plan = plan::compile(&spec, library)?;
        let state = Self::initial(&spec, now);
        Ok(Self {
            spec,
            plan,
            pos: 0,
            started: false,
            clock: now,
            entered: now,
            state,
            waiting: Waiting::No,
            step_run: None,
            background: None,
            background_source: None,
        })
    }

    fn initial(spec: &RolloutSpec, now: Duration) -> DesiredState {
        DesiredState {
            at: now,
            step: 0,
            weights: Weights::canary(0),
            mirror: 0,
            replicas: Replicas {
                stable: spec.replicas,
                canary: 0,
            },
            available: spec.replicas,
            phase: Phase::Progressing,
            reason: "rollout started".to_owned(),
        }
    }

    /// The spec this rollout runs.
    pub fn spec(&self) -> &RolloutSpec {
        &self.spec
    }

    /// The current desired state.
    pub fn state(&self) -> &DesiredState {
        &self.state
    }

    /// The analysis the current step waits for, if any.
    pub fn step_analysis(&self) -> Option<&AnalysisRun> {
        self.step_run.as_ref()
    }

    /// The background analysis, if one is running.
    pub fn background_analysis(&self) -> Option<&AnalysisRun> {
        self.background.as_ref()
    }

    /// Whether the rollout waits for a person (promote or abort).
    pub fn needs_person(&self) -> bool {
        matches!(self.waiting, Waiting::Person { .. })
    }

    /// When the rollout next has something to do by itself: a pause ends,
    /// a measurement is due. While it waits for a person only background
    /// measurements are due; `None` when it is done.
    pub fn next_wakeup(&self) -> Option<Duration> {
        let bg = self.background.as_ref().and_then(AnalysisRun::next_due);
        match self.waiting {
            Waiting::No => {}
            // A background analysis goes on while a person decides, as in
            // Argo: a failure then still aborts.
            Waiting::Person { .. } => return bg.map(|t| t.max(self.clock)),
            Waiting::Done => return None,
        }
        let action = if self.started {
            match self.plan.get(self.pos).map(|p| &p.action) {
                Some(Action::Wait { duration, .. }) => Some(self.entered.saturating_add(*duration)),
                Some(Action::Analysis { .. }) => {
                    self.step_run.as_ref().and_then(AnalysisRun::next_due)
                }
                Some(Action::Hold { .. }) => None,
                Some(Action::Set { .. } | Action::Background { .. }) | None => Some(self.entered),
            }
        } else {
            Some(self.entered)
        };
        let next = match (action, bg) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // A timer that ran out while a person decided fires on resuming.
        next.map(|t| t.max(self.clock))
    }

    /// Does everything due at or before `now`, in time order, and returns
    /// the states it went through and the measurements it took.
    pub fn advance(&mut self, now: Duration, source: &dyn MetricSource) -> Update {
        let mut up = Update {
            states: Vec::new(),
            measurements: Vec::new(),
        };
        while let Some(t) = self.next_wakeup().filter(|t| *t <= now) {
            self.clock = t;
            // Background measurements due first, then the step's own work.
            let bg_due = self
                .background
                .as_ref()
                .and_then(AnalysisRun::next_due)
                .is_some_and(|b| b <= t);
            if bg_due {
                if let Some(run) = self.background.as_mut() {
                    let (phase, at, reason) = measure(run, t, source, &mut up.measurements);
                    self.on_analysis(phase, at, reason, true, &mut up);
                }
                continue;
            }
            if self.waiting != Waiting::No {
                break;
            }
            if self.started {
                self.run_action(t, source, &mut up);
            } else {
                self.enter(t, &mut up);
            }
        }
        up
    }

    /// Moves to the next action, which starts at `t`.
    fn next_action(&mut self, t: Duration) {
        self.pos += 1;
        self.started = false;
        self.entered = t;
    }

    /// Starts the current action at `t`.
    fn enter(&mut self, t: Duration, up: &mut Update) {
        self.entered = t;
        self.started = true;
        let Some(planned) = self.plan.get(self.pos) else {
            self.finish(t, up);
            return;
        };
        let step = planned.step;
        match &planned.action {
            Action::Set {
                weight,
                mirror,
                replicas,
                available,
                what,
            } => {
                let s = DesiredState {
                    at: t,
                    step,
                    weights: Weights::canary(*weight),
                    mirror: *mirror,
                    replicas: *replicas,
                    available: *available,
                    phase: Phase::Progressing,
                    reason: what.clone(),
                };
                self.next_action(t);
                self.set(s, up);
            }
            Action::Background { name, metrics } => {
                self.background = Some(AnalysisRun::new(name.clone(), metrics.clone(), t));
                self.background_source = Some(self.pos);
                self.next_action(t);
            }
            Action::Wait {
                duration,
                paused,
                what,
            } => {
                if duration.is_zero() {
                    self.next_action(t);
                } else {
                    let phase = if *paused {
                        Phase::Paused
                    } else {
                        Phase::Progressing
                    };
                    let s = DesiredState {
                        at: t,
                        step,
                        phase,
                        reason: what.clone(),
                        ..self.state.clone()
                    };
                    self.set(s, up);
                }
            }
            Action::Hold { what } => {
                let what = what.clone();
                self.hold(t, step, what, false, up);
            }
            Action::Analysis { name, metrics } => {
                self.step_run = Some(AnalysisRun::new(name.clone(), metrics.clone(), t));
                let reason = format!("analysis {name:?} running");
                let s = DesiredState {
                    at: t,
                    step,
                    phase: Phase::Progressing,
                    reason,
                    ..self.state.clone()
                };
                self.set(s, up);
            }
        }
    }

    /// Continues the current, started action at `t`.
    fn run_action(&mut self, t: Duration, source: &dyn MetricSource, up: &mut Update) {
        match self.plan.get(self.pos).map(|p| &p.action) {
            Some(Action::Wait { duration, .. }) => {
                let end = self.entered.saturating_add(*duration);
                self.next_action(end.clamp(self.clock.min(t), t));
            }
            Some(Action::Analysis { .. }) => {
                if let Some(run) = self.step_run.as_mut() {
                    let (phase, at, reason) = measure(run, t, source, &mut up.measurements);
                    self.on_analysis(phase, at, reason, false, up);
                }
            }
            Some(Action::Set { .. } | Action::Background { .. } | Action::Hold { .. }) | None => {
                self.enter(t, up)
            }
        }
    }

    fn on_analysis(
        &mut self,
        phase: AnalysisPhase,
        at: Duration,
        reason: String,
        background: bool,
        up: &mut Update,
    ) {
        match phase {
            AnalysisPhase::Running => {}
            AnalysisPhase::Successful if background => self.background = None,
            AnalysisPhase::Successful => {
                self.step_run = None;
                self.next_action(at);
            }
            AnalysisPhase::Failed | AnalysisPhase::Error => {
                self.abort_at(at, format!("{reason}: rolled back"), up)
            }
            AnalysisPhase::Inconclusive => {
                let step = self.state.step;
                if background {
                    self.background = None;
                } else {
                    self.step_run = None;
                }
                self.hold(
                    at,
                    step,
                    format!("{reason}: a person must promote or abort"),
                    background,
                    up,
                );
            }
        }
    }

    fn hold(
        &mut self,
        t: Duration,
        step: usize,
        reason: String,
        restart_background: bool,
        up: &mut Update,
    ) {
        self.waiting = Waiting::Person { restart_background };
        // A step's analysis is interrupted by the pause; it starts again on resuming.
        self.step_run = None;
        let s = DesiredState {
            at: t,
            step,
            phase: Phase::Paused,
            reason,
            ..self.state.clone()
        };
        self.set(s, up);
    }

    fn finish(&mut self, t: Duration, up: &mut Update) {
        let n = self.spec.replicas;
        let step = self.plan.last().map_or(0, |p| p.step);
        self.step_run = None;
        self.background = None;
        self.waiting = Waiting::Done;
        let reason = match self.plan.last().map(|p| &p.action) {
            Some(Action::Set { what, .. }) if self.state.weights.canary == 100 => what.clone(),
            _ => "all steps done: promoted".to_owned(),
        };
        let s = DesiredState {
            at: t,
            step,
            weights: Weights::canary(100),
            mirror: 0,
            replicas: Replicas {
                stable: 0,
                canary: n,
            },
            available: n,
            phase: Phase::Promoted,
            reason,
        };
        self.set(s, up);
    }

    fn abort_at(&mut self, t: Duration, reason: String, up: &mut Update) {
        self.step_run = None;
        self.background = None;
        self.waiting = Waiting::Done;
        let s = DesiredState {
            at: t,
            step: self.state.step,
            weights: Weights::canary(0),
            mirror: 0,
            replicas: Replicas {
                stable: self.spec.replicas,
                canary: 0,
            },
            available: self.spec.replicas,
            phase: Phase::Aborted,
            reason,
        };
        self.set(s, up);
    }

    fn set(&mut self, s: DesiredState, up: &mut Update) {
        let same = self.state.weights == s.weights
            && self.state.replicas == s.replicas
            && self.state.phase == s.phase
            && self.state.step == s.step
            && self.state.mirror == s.mirror
            && self.state.reason == s.reason;
        self.state = s;
        if !same {
            up.states.push(self.state.clone());
        }
    }

    fn check_open(&self, action: &'static str) -> Result<()> {
        match self.state.phase {
            Phase::Promoted => Err(Error::Action {
                action,
                reason: "it is already promoted".to_owned(),
            }),
            Phase::Aborted => Err(Error::Action {
                action,
                reason: "it was aborted (retry it first)".to_owned(),
            }),
            Phase::Progressing | Phase::Paused => Ok(()),
        }
    }

    /// A person promotes: skip the current pause (or accept an inconclusive
    /// analysis) and go on with the next step. Like every manual action, it
    /// is meant to be called after [`Rollout::advance`] to the same time.
    pub fn promote(&mut self, now: Duration) -> Result<Update> {
        self.check_open("promote")?;
        self.clock = self.clock.max(now);
        let mut up = Update {
            states: Vec::new(),
            measurements: Vec::new(),
        };
        let restart = matches!(
            self.waiting,
            Waiting::Person {
                restart_background: true
            }
        );
        let skip = match self.plan.get(self.pos).map(|p| &p.action) {
            Some(Action::Hold { .. }) => true,
            Some(Action::Wait { paused: true, .. } | Action::Analysis { .. }) => !restart,
            _ => false,
        };
        if skip {
            self.step_run = None;
            self.next_action(now);
        } else if matches!(
            self.plan.get(self.pos).map(|p| &p.action),
            Some(Action::Analysis { .. })
        ) {
            // Resuming an interrupted analysis step: a new run from now.
            self.started = false;
            self.entered = now;
        }
        if restart
            && let Some(Planned {
                action: Action::Background { name, metrics },
                ..
            }) = self.background_source.and_then(|i| self.plan.get(i))
        {
            self.background = Some(AnalysisRun::new(name.clone(), metrics.clone(), now));
        }
        self.waiting = Waiting::No;
        let s = DesiredState {
            at: now,
            phase: Phase::Progressing,
            reason: "promoted by a person".to_owned(),
            ..self.state.clone()
        };
        self.set(s, &mut up);
        Ok(up)
    }

    /// A person promotes fully: skip every remaining step and analysis.
    pub fn promote_full(&mut self, now: Duration) -> Result<Update> {
        self.check_open("fully promote")?;
        self.clock = self.clock.max(now);
        let mut up = Update {
            states: Vec::new(),
            measurements: Vec::new(),
        };
        self.pos = self.plan.len();
        self.finish(now, &mut up);
        if let Some(s) = up.states.last_mut() {
            s.reason = "fully promoted by a person".to_owned();
            self.state.reason = s.reason.clone();
        }
        Ok(up)
    }

    /// A person aborts: all traffic back to stable, the new version scaled to zero.
    pub fn abort(&mut self, now: Duration, reason: &str) -> Result<Update> {
        self.check_open("abort")?;
        self.clock = self.clock.max(now);
        let mut up = Update {
            states: Vec::new(),
            measurements: Vec::new(),
        };
        self.abort_at(now, format!("aborted by a person: {reason}"), &mut up);
        Ok(up)
    }

    /// Starts an aborted rollout again from its first step.
    pub fn retry(&mut self, now: Duration) -> Result<Update> {
        if self.state.phase != Phase::Aborted {
            return Err(Error::Action {
                action: "retry",
                reason: format!("it is {}, not aborted", self.state.phase),
            });
        }
        let mut up = Update {
            states: Vec::new(),
            measurements: Vec::new(),
        };
        self.clock = self.clock.max(now);
        self.pos = 0;
        self.started = false;
        self.entered = now;
        self.waiting = Waiting::No;
        self.step_run = None;
        self.background = None;
        let mut s = Self::initial(&self.spec, now);
        s.reason = "retried".to_owned();
        self.set(s, &mut up);
        Ok(up)
    }
}
