//! Strategies: what a rollout does, step by step, as data.

use std::fmt;
use std::time::Duration;

use crate::analysis::AnalysisRef;
use crate::{Error, IntOrPercent, Result};

/// A rollout: how many replicas, and the strategy that moves them from the
/// stable version to the new one.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct RolloutSpec {
    /// A name, used in messages and on export.
    pub name: String,
    /// Desired number of pods (default 1, as in Kubernetes).
    #[cfg_attr(feature = "serde", serde(default = "one"))]
    pub replicas: u32,
    /// The strategy.
    pub strategy: Strategy,
}

#[cfg(feature = "serde")]
fn one() -> u32 {
    1
}

impl RolloutSpec {
    /// A spec with a name, a replica count and a strategy.
    pub fn new(name: impl Into<String>, replicas: u32, strategy: Strategy) -> Self {
        Self {
            name: name.into(),
            replicas,
            strategy,
        }
    }
}

/// How the new version replaces the stable one.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", deny_unknown_fields)
)]
pub enum Strategy {
    /// Replace everything at once (Kubernetes' `Recreate`).
    AllAtOnce,
    /// Kubernetes' rolling update.
    Rolling(RollingSpec),
    /// Blue-green: bring up the new side beside the old, then switch.
    BlueGreen(BlueGreenSpec),
    /// Canary with steps, as Argo Rollouts does without a traffic router.
    Canary(CanarySpec),
    /// One of AWS CodeDeploy's predefined traffic-shifting configurations.
    CodeDeploy(CodeDeployPreset),
    /// Mirror traffic to the new version and serve none of its answers.
    Shadow(ShadowSpec),
}

impl Strategy {
    /// The kind of strategy, for messages (`canary`, `blue-green`...).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::AllAtOnce => "all-at-once",
            Self::Rolling(_) => "rolling",
            Self::BlueGreen(_) => "blue-green",
            Self::Canary(_) => "canary",
            Self::CodeDeploy(_) => "CodeDeploy preset",
            Self::Shadow(_) => "shadow",
        }
    }
}

fn quarter() -> IntOrPercent {
    IntOrPercent::Percent(25)
}

fn ten_secs() -> Duration {
    Duration::from_secs(10)
}

fn thirty_secs() -> Duration {
    Duration::from_secs(30)
}

#[cfg(feature = "serde")]
fn yes() -> bool {
    true
}

/// Kubernetes' rolling update.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct RollingSpec {
    /// Pods above the desired count during the update (default 25 %, rounded up).
    #[cfg_attr(feature = "serde", serde(default = "quarter"))]
    pub max_surge: IntOrPercent,
    /// Pods below the desired count during the update (default 25 %, rounded down).
    #[cfg_attr(feature = "serde", serde(default = "quarter"))]
    pub max_unavailable: IntOrPercent,
    /// How long a new pod takes to become ready (default 10 s): one round.
    #[cfg_attr(
        feature = "serde",
        serde(default = "ten_secs", with = "crate::duration::serde_dur")
    )]
    pub ready_after: Duration,
}

impl Default for RollingSpec {
    fn default() -> Self {
        Self {
            max_surge: quarter(),
            max_unavailable: quarter(),
            ready_after: ten_secs(),
        }
    }
}

/// Blue-green, as Argo Rollouts' `blueGreen` strategy.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct BlueGreenSpec {
    /// Promote without a person (default true). When false the rollout
    /// pauses before the switch until promoted.
    #[cfg_attr(feature = "serde", serde(default = "yes"))]
    pub auto_promotion_enabled: bool,
    /// With automatic promotion, wait this long before switching.
    #[cfg_attr(
        feature = "serde",
        serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "crate::duration::serde_dur::option"
        )
    )]
    pub auto_promotion_delay: Option<Duration>,
    /// Keep the old side this long after the switch (default 30 s).
    #[cfg_attr(
        feature = "serde",
        serde(default = "thirty_secs", with = "crate::duration::serde_dur")
    )]
    pub scale_down_delay: Duration,
    /// Run the preview side with this many pods until promotion (default: all).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub preview_replica_count: Option<u32>,
    /// Analysis of the preview, before the switch.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub pre_promotion_analysis: Option<AnalysisRef>,
    /// Analysis after the switch; failure switches back.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub post_promotion_analysis: Option<AnalysisRef>,
    /// The active Service's name (kept for Argo export).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub active_service: Option<String>,
    /// The preview Service's name (kept for Argo export).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub preview_service: Option<String>,
}

impl Default for BlueGreenSpec {
    fn default() -> Self {
        Self {
            auto_promotion_enabled: true,
            auto_promotion_delay: None,
            scale_down_delay: thirty_secs(),
            preview_replica_count: None,
            pre_promotion_analysis: None,
            post_promotion_analysis: None,
            active_service: None,
            preview_service: None,
        }
    }
}

/// Canary with steps, as Argo Rollouts' `canary` strategy.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct CanarySpec {
    /// The steps, in order. After the last one the rollout is promoted.
    pub steps: Vec<CanaryStep>,
    /// Analysis that runs in the background from a step on, until the end.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub analysis: Option<BackgroundAnalysis>,
    /// Argo's `maxSurge` (default 25 %); kept for export and used for one replica.
    #[cfg_attr(feature = "serde", serde(default = "quarter"))]
    pub max_surge: IntOrPercent,
    /// Argo's `maxUnavailable` (default 25 %); kept for export.
    #[cfg_attr(feature = "serde", serde(default = "quarter"))]
    pub max_unavailable: IntOrPercent,
    /// The canary Service's name (kept for Argo export).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub canary_service: Option<String>,
    /// The stable Service's name (kept for Argo export).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub stable_service: Option<String>,
}

impl CanarySpec {
    /// A canary with these steps and the defaults.
    pub fn with_steps(steps: Vec<CanaryStep>) -> Self {
        Self {
            steps,
            analysis: None,
            max_surge: quarter(),
            max_unavailable: quarter(),
            canary_service: None,
            stable_service: None,
        }
    }
}

/// Background analysis of a canary.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct BackgroundAnalysis {
    /// Template names; their metrics are merged into one run.
    pub templates: Vec<String>,
    /// Argument values.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub args: Vec<crate::analysis::Arg>,
    /// The step index from which it runs (default 0: from the start).
    #[cfg_attr(feature = "serde", serde(default))]
    pub starting_step: usize,
}

impl BackgroundAnalysis {
    /// The templates and arguments as a reference.
    pub fn analysis(&self) -> AnalysisRef {
        AnalysisRef {
            templates: self.templates.clone(),
            args: self.args.clone(),
        }
    }
}

/// One step of a canary.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", deny_unknown_fields)
)]
pub enum CanaryStep {
    /// Send this percentage of traffic to the canary.
    SetWeight(u32),
    /// Pause for a duration, or until promoted when there is none.
    Pause(Pause),
    /// Run an analysis and wait for its result.
    Analysis(AnalysisRef),
    /// Scale the canary independently of its weight.
    SetCanaryScale(CanaryScale),
}

/// A pause step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Pause {
    /// How long; without it, until a person promotes.
    #[cfg_attr(
        feature = "serde",
        serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "crate::duration::serde_dur::option"
        )
    )]
    pub duration: Option<Duration>,
}

/// A `setCanaryScale` step: one of its three forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", deny_unknown_fields)
)]
pub enum CanaryScale {
    /// Exactly this many canary pods.
    Replicas(u32),
    /// This percentage of the desired replicas, rounded up.
    Weight(u32),
    /// Back to following the traffic weight.
    MatchTrafficWeight,
}

/// Shadow: mirror a percentage of traffic to the new version, whose answers
/// are thrown away; then promote.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct ShadowSpec {
    /// Percentage of requests copied to the new version.
    pub mirror_percent: u32,
    /// How long to shadow.
    #[cfg_attr(feature = "serde", serde(with = "crate::duration::serde_dur"))]
    pub duration: Duration,
    /// Analysis during the shadow period; failure aborts.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub analysis: Option<AnalysisRef>,
    /// Promote when the period ends (default true); otherwise wait for a person.
    #[cfg_attr(feature = "serde", serde(default = "yes"))]
    pub auto_promote: bool,
}

/// AWS CodeDeploy's predefined configurations (Lambda and ECS), as canary steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum CodeDeployPreset {
    /// Everything at once.
    AllAtOnce,
    /// 10 % first, the rest 5 minutes later.
    Canary10Percent5Minutes,
    /// 10 % first, the rest 10 minutes later.
    Canary10Percent10Minutes,
    /// 10 % first, the rest 15 minutes later.
    Canary10Percent15Minutes,
    /// 10 % first, the rest 30 minutes later.
    Canary10Percent30Minutes,
    /// 10 % more every minute.
    Linear10PercentEvery1Minute,
    /// 10 % more every 2 minutes.
    Linear10PercentEvery2Minutes,
    /// 10 % more every 3 minutes.
    Linear10PercentEvery3Minutes,
    /// 10 % more every 10 minutes.
    Linear10PercentEvery10Minutes,
}

impl CodeDeployPreset {
    /// Every preset.
    pub const ALL: [Self; 9] = [
        Self::AllAtOnce,
        Self::Canary10Percent5Minutes,
        Self::Canary10Percent10Minutes,
        Self::Canary10Percent15Minutes,
        Self::Canary10Percent30Minutes,
        Self::Linear10PercentEvery1Minute,
        Self::Linear10PercentEvery2Minutes,
        Self::Linear10PercentEvery3Minutes,
        Self::Linear10PercentEvery10Minutes,
    ];

    /// The name without prefix, such as `Canary10Percent5Minutes`.
    pub fn name(self) -> &'static str {
        match self {
            Self::AllAtOnce => "AllAtOnce",
            Self::Canary10Percent5Minutes => "Canary10Percent5Minutes",
            Self::Canary10Percent10Minutes => "Canary10Percent10Minutes",
            Self::Canary10Percent15Minutes => "Canary10Percent15Minutes",
            Self::Canary10Percent30Minutes => "Canary10Percent30Minutes",
            Self::Linear10PercentEvery1Minute => "Linear10PercentEvery1Minute",
            Self::Linear10PercentEvery2Minutes => "Linear10PercentEvery2Minutes",
            Self::Linear10PercentEvery3Minutes => "Linear10PercentEvery3Minutes",
            Self::Linear10PercentEvery10Minutes => "Linear10PercentEvery10Minutes",
        }
    }

    /// Reads a name as CodeDeploy writes it, with or without
    /// `CodeDeployDefault.` and `Lambda`/`ECS`: `CodeDeployDefault.ECSLinear10PercentEvery1Minutes`.
    pub fn from_name(name: &str) -> Result<Self> {
        let n = name.trim();
        let n = n.strip_prefix("CodeDeployDefault.").unwrap_or(n);
        let n = n
            .strip_prefix("Lambda")
            .or_else(|| n.strip_prefix("ECS"))
            .unwrap_or(n);
        let n = if n == "Linear10PercentEvery1Minutes" {
            "Linear10PercentEvery1Minute"
        } else {
            n
        };
        Self::ALL
            .into_iter()
            .find(|p| p.name() == n)
            .ok_or_else(|| {
                let known: Vec<&str> = Self::ALL.iter().map(|p| p.name()).collect();
                Error::parse(
                    format!("CodeDeploy configuration {name:?}"),
                    format!("unknown; known: {}", known.join(", ")),
                )
            })
    }

    /// The equivalent canary: `setWeight` and timed `pause` steps.
    pub fn to_canary(self) -> CanarySpec {
        let pause = |mins: u64| {
            CanaryStep::Pause(Pause {
                duration: Some(Duration::from_secs(mins * 60)),
            })
        };
        let canary = |mins| vec![CanaryStep::SetWeight(10), pause(mins)];
        let linear = |mins| {
            (1..10)
                .flat_map(|i| [CanaryStep::SetWeight(i * 10), pause(mins)])
                .collect::<Vec<_>>()
        };
        CanarySpec::with_steps(match self {
            Self::AllAtOnce => Vec::new(),
            Self::Canary10Percent5Minutes => canary(5),
            Self::Canary10Percent10Minutes => canary(10),
            Self::Canary10Percent15Minutes => canary(15),
            Self::Canary10Percent30Minutes => canary(30),
            Self::Linear10PercentEvery1Minute => linear(1),
            Self::Linear10PercentEvery2Minutes => linear(2),
            Self::Linear10PercentEvery3Minutes => linear(3),
            Self::Linear10PercentEvery10Minutes => linear(10),
        })
    }
}

impl fmt::Display for CodeDeployPreset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for CodeDeployPreset {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for CodeDeployPreset {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::from_name(&s).map_err(serde::de::Error::custom)
    }
}

/// Checks a spec without running it: weights within 0..=100 and never
/// decreasing, a background analysis step that exists, a mirror percentage
/// within 1..=100. Analysis references are checked by
/// [`Rollout::new`](crate::Rollout::new), which has the templates.
pub fn validate(spec: &RolloutSpec) -> Result<()> {
    let name = &spec.name;
    match &spec.strategy {
        Strategy::AllAtOnce | Strategy::CodeDeploy(_) | Strategy::Rolling(_) => Ok(()),
        Strategy::Canary(c) => validate_canary(name, c),
        Strategy::BlueGreen(b) => {
            if b.preview_replica_count.is_some_and(|p| p > spec.replicas) {
                return Err(Error::invalid(
                    format!("rollout {name:?} blue-green previewReplicaCount"),
                    format!(
                        "{} is more than the {} replicas",
                        b.preview_replica_count.unwrap_or(0),
                        spec.replicas
                    ),
                ));
            }
            Ok(())
        }
        Strategy::Shadow(s) => {
            if s.mirror_percent == 0 || s.mirror_percent > 100 {
                return Err(Error::invalid(
                    format!("rollout {name:?} shadow mirror_percent"),
                    format!("{} is not within 1..=100", s.mirror_percent),
                ));
            }
            Ok(())
        }
    }
}

fn validate_canary(name: &str, c: &CanarySpec) -> Result<()> {
    let mut last = 0;
    for (i, step) in c.steps.iter().enumerate() {
        let what = |kind: &str| format!("rollout {name:?} step {i} ({kind})");
        match step {
            CanaryStep::SetWeight(w) if *w > 100 => {
                return Err(Error::invalid(
                    what("setWeight"),
                    format!("weight {w} is over 100"),
                ));
            }
            CanaryStep::SetWeight(w) if *w < last => {
                return Err(Error::invalid(
                    what("setWeight"),
                    format!(
                        "weight {w} is lower than the previous weight {last}; a canary's weight never decreases (abort instead)"
                    ),
                ));
            }
            CanaryStep::SetWeight(w) => last = *w,
            CanaryStep::SetCanaryScale(CanaryScale::Weight(w)) if *w > 100 => {
                return Err(Error::invalid(
                    what("setCanaryScale"),
                    format!("weight {w} is over 100"),
                ));
            }
            CanaryStep::Analysis(r) if r.templates.is_empty() => {
                return Err(Error::invalid(what("analysis"), "no template is named"));
            }
            CanaryStep::Pause(_) | CanaryStep::Analysis(_) | CanaryStep::SetCanaryScale(_) => {}
        }
    }
    if let Some(bg) = &c.analysis {
        if bg.starting_step > c.steps.len() {
            return Err(Error::invalid(
                format!("rollout {name:?} background analysis"),
                format!(
                    "startingStep {} is past the last step ({} steps)",
                    bg.starting_step,
                    c.steps.len()
                ),
            ));
        }
        if bg.templates.is_empty() {
            return Err(Error::invalid(
                format!("rollout {name:?} background analysis"),
                "no template is named",
            ));
        }
    }
    Ok(())
}
