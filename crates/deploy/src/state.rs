//! The desired state a rollout answers with at every step.

use std::fmt;
use std::time::Duration;

/// Pods per side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Replicas {
    /// Pods of the stable (old) version.
    pub stable: u32,
    /// Pods of the new version (canary, preview, green, shadow).
    pub canary: u32,
}

/// Traffic split in percent; the two always sum to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Weights {
    /// Percent of requests served by the stable version.
    pub stable: u32,
    /// Percent of requests served by the new version.
    pub canary: u32,
}

impl Weights {
    /// `canary` percent on the new version (clamped to 100), the rest on stable.
    pub fn canary(canary: u32) -> Self {
        let canary = canary.min(100);
        Self {
            stable: 100 - canary,
            canary,
        }
    }
}

/// Where a rollout is. Exhaustive: callers handle every phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Phase {
    /// Moving on by itself (waiting for pods, analysis or a scale-down delay).
    Progressing,
    /// Paused: for a duration, or until a person promotes or aborts.
    Paused,
    /// Done: all traffic and pods on the new version.
    Promoted,
    /// Rolled back: all traffic on the stable version, the new one scaled to zero.
    Aborted,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Progressing => "progressing",
            Self::Paused => "paused",
            Self::Promoted => "promoted",
            Self::Aborted => "aborted",
        })
    }
}

/// What the rollout wants now: the answer to every step.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DesiredState {
    /// When this state was decided.
    #[cfg_attr(
        feature = "serde",
        serde(rename = "t", with = "crate::analysis::secs_f64")
    )]
    pub at: Duration,
    /// The current step index (Argo's `currentStepIndex` for a canary).
    pub step: usize,
    /// Traffic split.
    pub weights: Weights,
    /// Percent of requests copied to the new version (shadow), not served by it.
    pub mirror: u32,
    /// Pods per side.
    pub replicas: Replicas,
    /// Pods ready to serve, on both sides.
    pub available: u32,
    /// The phase.
    pub phase: Phase,
    /// Why: the step or event that led here.
    pub reason: String,
}
