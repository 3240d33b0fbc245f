//! The one error type of this crate.

/// Everything that can go wrong while reading, checking or running a rollout.
///
/// Each message names the input (a file, a field path, a step) and the
/// problem, so that it can be shown to a person as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A strategy or analysis is well-formed but not valid (a weight over
    /// 100, a missing template, a decreasing canary weight...).
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// What was being checked, such as `step 3 (setWeight)`.
        what: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An Argo Rollouts field that this crate does not support.
    #[error("{path}: {reason}")]
    Unsupported {
        /// Where the field is, such as `spec.strategy.canary.trafficRouting`.
        path: String,
        /// Why it is refused.
        reason: String,
    },
    /// A document could not be parsed (YAML, JSON, CSV, a duration, an expression).
    #[error("cannot parse {what}: {reason}")]
    Parse {
        /// What was being parsed, such as `metrics CSV line 4`.
        what: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A strategy cannot be expressed in the requested output format.
    #[error("cannot export {what}: {reason}")]
    Export {
        /// What was being exported.
        what: String,
        /// Why it cannot be.
        reason: String,
    },
    /// A manual action that does not apply to the rollout's current phase.
    #[error("cannot {action} the rollout: {reason}")]
    Action {
        /// The action, such as `retry`.
        action: &'static str,
        /// Why it does not apply now.
        reason: String,
    },
}

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn invalid(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            what: what.into(),
            reason: reason.into(),
        }
    }
    pub(crate) fn parse(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Parse {
            what: what.into(),
            reason: reason.into(),
        }
    }
    #[cfg(feature = "serde")]
    pub(crate) fn unsupported(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Unsupported {
            path: path.into(),
            reason: reason.into(),
        }
    }
}
