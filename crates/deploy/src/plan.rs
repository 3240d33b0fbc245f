//! Every strategy compiled into one list of actions, which the common driver
//! ([`crate::Rollout`]) executes.

use std::time::Duration;

use crate::analysis::{AnalysisRef, CompiledMetric, Library};
use crate::duration::format_duration;
use crate::state::Replicas;
use crate::strategy::{
    BlueGreenSpec, CanaryScale, CanarySpec, CanaryStep, RollingSpec, RolloutSpec, ShadowSpec,
    Strategy, validate,
};
use crate::{Result, rolling_bounds};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    /// Set the desired state and go on at once.
    Set {
        weight: u32,
        mirror: u32,
        replicas: Replicas,
        available: u32,
        what: String,
    },
    /// Wait; `paused` says whether the phase shows as paused.
    Wait {
        duration: Duration,
        paused: bool,
        what: String,
    },
    /// Wait for a person to promote.
    Hold { what: String },
    /// Run an analysis and wait for it.
    Analysis {
        name: String,
        metrics: Vec<CompiledMetric>,
    },
    /// Start an analysis that runs beside the steps until the end.
    Background {
        name: String,
        metrics: Vec<CompiledMetric>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Planned {
    /// The step index a person sees (Argo's `currentStepIndex` for canaries).
    pub(crate) step: usize,
    pub(crate) action: Action,
}

/// The replicas of each side for a canary weight, as Argo Rollouts computes
/// them without a traffic router: the nearest whole number, ties up; while
/// both sides serve neither is dropped to zero (with one replica, both get
/// one: a surge pod). Returns `(stable, canary)`.
///
/// ```
/// use relkit_deploy::canary_replicas;
/// assert_eq!(canary_replicas(10, 25), (7, 3)); // 2.5 rounds up
/// assert_eq!(canary_replicas(10, 1), (9, 1)); // never 0 while both serve
/// assert_eq!(canary_replicas(10, 99), (1, 9));
/// assert_eq!(canary_replicas(1, 50), (1, 1));
/// ```
pub fn canary_replicas(replicas: u32, weight: u32) -> (u32, u32) {
    let n = u64::from(replicas);
    match weight {
        0 => (replicas, 0),
        w if w >= 100 => (0, replicas),
        _ if replicas == 0 => (0, 0),
        _ if replicas == 1 => (1, 1),
        w => {
            let c = (n * u64::from(w) + 50) / 100;
            let c = u32::try_from(c.clamp(1, n - 1)).unwrap_or(replicas);
            (replicas - c, c)
        }
    }
}

pub(crate) fn compile(spec: &RolloutSpec, library: &Library) -> Result<Vec<Planned>> {
    validate(spec)?;
    let n = spec.replicas;
    Ok(match &spec.strategy {
        Strategy::AllAtOnce => vec![Planned {
            step: 0,
            action: promoted(n, "replace every pod at once"),
        }],
        Strategy::Rolling(r) => rolling(n, r),
        Strategy::BlueGreen(b) => blue_green(spec, b, library)?,
        Strategy::Canary(c) => canary(spec, c, library)?,
        Strategy::CodeDeploy(p) => canary(spec, &p.to_canary(), library)?,
        Strategy::Shadow(s) => shadow(spec, s, library)?,
    })
}

/// The state after promotion: everything on the new version.
pub(crate) fn promoted(n: u32, what: &str) -> Action {
    Action::Set {
        weight: 100,
        mirror: 0,
        replicas: Replicas {
            stable: 0,
            canary: n,
        },
        available: n,
        what: what.to_owned(),
    }
}

fn analysis(
    library: &Library,
    r: &AnalysisRef,
    what: &str,
) -> Result<(String, Vec<CompiledMetric>)> {
    Ok((r.run_name(), library.compile(r, what)?))
}

fn rolling(n: u32, r: &RollingSpec) -> Vec<Planned> {
    let (surge, unavailable) = rolling_bounds(n, r.max_surge, r.max_unavailable);
    let min_available = n.saturating_sub(unavailable);
    let (mut old, mut new, mut ready) = (n, 0u32, 0u32);
    let mut out = Vec::new();
    let mut round = 0;
    while !(old == 0 && ready == n) {
        // Pods created in the previous round are ready now.
        ready = new;
        // Scale the old side down as far as availability allows...
        let excess = (old + ready).saturating_sub(min_available);
        old -= excess.min(old);
        // ...and the new side up as far as the surge allows.
        new = n.min(new + (n + surge).saturating_sub(old + new));
        let serving = old + ready;
        let weight = if serving == 0 {
            100
        } else {
            (u64::from(ready) * 100 + u64::from(serving) / 2) / u64::from(serving)
        };
        let weight = u32::try_from(weight).unwrap_or(100);
        out.push(Planned {
            step: round,
            action: Action::Set {
                weight,
                mirror: 0,
                replicas: Replicas { stable: old, canary: new },
                available: serving,
                what: format!("round {round}: {old} old and {new} new pods ({ready} ready); surge {surge}, unavailable {unavailable}"),
            },
        });
        if old == 0 && ready == n {
            break;
        }
        out.push(Planned {
            step: round,
            action: Action::Wait {
                duration: r.ready_after,
                paused: false,
                what: format!("round {round}: waiting for new pods to become ready"),
            },
        });
        round += 1;
    }
    out
}

fn blue_green(spec: &RolloutSpec, b: &BlueGreenSpec, library: &Library) -> Result<Vec<Planned>> {
    let n = spec.replicas;
    let name = &spec.name;
    let mut out = Vec::new();
    let mut push = |action| {
        let step = out.len();
        out.push(Planned { step, action });
    };
    let preview = b.preview_replica_count.unwrap_or(n);
    push(Action::Set {
        weight: 0,
        mirror: 0,
        replicas: Replicas {
            stable: n,
            canary: preview,
        },
        available: n + preview,
        what: format!("preview side up with {preview} pods; the active side serves all traffic"),
    });
    if let Some(r) = &b.pre_promotion_analysis {
        let (name, metrics) = analysis(
            library,
            r,
            &format!("rollout {name:?} prePromotionAnalysis"),
        )?;
        push(Action::Analysis { name, metrics });
    }
    if !b.auto_promotion_enabled {
        push(Action::Hold {
            what: "waiting for a person to promote (autoPromotionEnabled is false)".to_owned(),
        });
    } else if let Some(d) = b.auto_promotion_delay {
        push(Action::Wait {
            duration: d,
            paused: true,
            what: format!("automatic promotion after {}", format_duration(d)),
        });
    }
    push(Action::Set {
        weight: 100,
        mirror: 0,
        replicas: Replicas {
            stable: n,
            canary: n,
        },
        available: 2 * n,
        what: "active service switched to the new side; the old side is kept".to_owned(),
    });
    if let Some(r) = &b.post_promotion_analysis {
        let (name, metrics) = analysis(
            library,
            r,
            &format!("rollout {name:?} postPromotionAnalysis"),
        )?;
        push(Action::Analysis { name, metrics });
    }
    if !b.scale_down_delay.is_zero() {
        push(Action::Wait {
            duration: b.scale_down_delay,
            paused: false,
            what: format!(
                "scale-down delay of {} for the old side",
                format_duration(b.scale_down_delay)
            ),
        });
    }
    push(promoted(n, "old side scaled down"));
    Ok(out)
}

fn canary(spec: &RolloutSpec, c: &CanarySpec, library: &Library) -> Result<Vec<Planned>> {
    let n = spec.replicas;
    let name = &spec.name;
    let mut out = Vec::new();
    let mut weight = 0;
    let mut scale: Option<CanaryScale> = None;
    let background = match &c.analysis {
        Some(bg) => {
            let (run, metrics) = analysis(
                library,
                &bg.analysis(),
                &format!("rollout {name:?} background analysis"),
            )?;
            Some((bg.starting_step, run, metrics))
        }
        None => None,
    };
    let set = |weight: u32, scale: Option<CanaryScale>, what: String| {
        let (mut stable, mut canary) = canary_replicas(n, weight);
        match scale {
            Some(CanaryScale::Replicas(r)) => (stable, canary) = (n, r),
            Some(CanaryScale::Weight(w)) => {
                (stable, canary) = (
                    n,
                    u32::try_from((u64::from(n) * u64::from(w)).div_ceil(100)).unwrap_or(n),
                );
            }
            Some(CanaryScale::MatchTrafficWeight) | None => {}
        }
        Action::Set {
            weight,
            mirror: 0,
            replicas: Replicas { stable, canary },
            available: stable + canary,
            what,
        }
    };
    for (i, step) in c.steps.iter().enumerate() {
        if let Some((start, run, metrics)) = &background
            && *start == i
        {
            out.push(Planned {
                step: i,
                action: Action::Background {
                    name: run.clone(),
                    metrics: metrics.clone(),
                },
            });
        }
        let action = match step {
            CanaryStep::SetWeight(w) => {
                weight = *w;
                set(weight, scale, format!("setWeight {w}"))
            }
            CanaryStep::SetCanaryScale(s) => {
                scale = Some(*s).filter(|s| *s != CanaryScale::MatchTrafficWeight);
                set(weight, scale, format!("setCanaryScale {s:?}"))
            }
            CanaryStep::Pause(p) => match p.duration {
                Some(d) => Action::Wait {
                    duration: d,
                    paused: true,
                    what: format!("pause {}", format_duration(d)),
                },
                None => Action::Hold {
                    what: "pause until promoted".to_owned(),
                },
            },
            CanaryStep::Analysis(r) => {
                let (name, metrics) =
                    analysis(library, r, &format!("rollout {name:?} step {i} (analysis)"))?;
                Action::Analysis { name, metrics }
            }
        };
        out.push(Planned { step: i, action });
    }
    let last = c.steps.len();
    if let Some((start, run, metrics)) = background
        && start == last
    {
        out.push(Planned {
            step: last,
            action: Action::Background { name: run, metrics },
        });
    }
    out.push(Planned {
        step: last,
        action: promoted(n, "all steps done: promoted"),
    });
    Ok(out)
}

fn shadow(spec: &RolloutSpec, s: &ShadowSpec, library: &Library) -> Result<Vec<Planned>> {
    let n = spec.replicas;
    let shadow_pods = u32::try_from((u64::from(n) * u64::from(s.mirror_percent)).div_ceil(100))
        .unwrap_or(n)
        .max(1);
    let mut out = vec![Planned {
        step: 0,
        action: Action::Set {
            weight: 0,
            mirror: s.mirror_percent,
            replicas: Replicas {
                stable: n,
                canary: shadow_pods,
            },
            available: n + shadow_pods,
            what: format!(
                "mirroring {}% of requests to {shadow_pods} shadow pod(s); their answers are discarded",
                s.mirror_percent
            ),
        },
    }];
    if let Some(r) = &s.analysis {
        let (run, metrics) = analysis(
            library,
            r,
            &format!("rollout {:?} shadow analysis", spec.name),
        )?;
        out.push(Planned {
            step: 0,
            action: Action::Background { name: run, metrics },
        });
    }
    out.push(Planned {
        step: 1,
        action: Action::Wait {
            duration: s.duration,
            paused: false,
            what: format!("shadowing for {}", format_duration(s.duration)),
        },
    });
    if !s.auto_promote {
        out.push(Planned {
            step: 2,
            action: Action::Hold {
                what: "shadow period over: waiting for a person to promote".to_owned(),
            },
        });
    }
    out.push(Planned {
        step: 3,
        action: promoted(n, "shadow period over: promoted"),
    });
    Ok(out)
}
