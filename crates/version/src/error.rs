//! The one error type of this crate.

use semver::Version;

/// Everything that can go wrong while computing a version.
///
/// Each message names the input and the problem, so that it can be shown to a
/// person as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A tag pattern such as `{package}-v{version}` is malformed.
    #[error("tag pattern {pattern:?} is invalid: {reason}")]
    InvalidTagPattern {
        /// The pattern as given.
        pattern: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A CalVer format such as `YYYY.MM.PATCH` is malformed.
    #[error("CalVer format {format:?} is invalid: {reason}")]
    InvalidCalVerFormat {
        /// The format as given.
        format: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A pre-release channel name is not a valid SemVer identifier.
    #[error("pre-release channel {channel:?} is invalid: {reason}")]
    InvalidChannel {
        /// The channel as given.
        channel: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A version number would exceed `u64::MAX`.
    #[error("cannot bump {version}: the {part} number would overflow")]
    Overflow {
        /// The version that cannot be bumped.
        version: Version,
        /// `major`, `minor`, `patch` or the pre-release counter.
        part: &'static str,
    },
    /// A `Release-As:` footer holds something that is not a SemVer version.
    #[error("commit {commit}: Release-As footer {value:?} is not SemVer: {reason}")]
    InvalidReleaseAs {
        /// The commit that carries the footer.
        commit: String,
        /// The footer value.
        value: String,
        /// Why it does not parse.
        reason: String,
    },
    /// A `Release-As:` footer asks for a version that is not above the current one.
    #[error(
        "commit {commit}: Release-As {requested} is not greater than the current release {current}"
    )]
    ReleaseAsNotNewer {
        /// The commit that carries the footer.
        commit: String,
        /// The requested version.
        requested: Version,
        /// The current release.
        current: Version,
    },
    /// The next pre-release would sort below one that was already released.
    #[error(
        "next pre-release {candidate} would sort below the released {released}: \
         channel {channel:?} sorts before it; use a later channel, or release without one"
    )]
    PreReleaseGoesBackwards {
        /// The version that would be released.
        candidate: Version,
        /// The higher pre-release that exists already.
        released: Version,
        /// The requested channel.
        channel: String,
    },
    /// The CalVer format has no counter and this period is released already.
    #[error(
        "CalVer format {format:?} has no PATCH counter and {version} is already released for this date"
    )]
    CalVerExhausted {
        /// The format.
        format: String,
        /// The version released for the same date.
        version: Version,
    },
    /// A date does not fit the CalVer format (e.g. a year before 2000 with `YY`).
    #[error("CalVer format {format:?} cannot represent the date {date}")]
    CalVerDate {
        /// The format.
        format: String,
        /// The date.
        date: String,
    },
    /// A package named as a dependency or in a plan does not exist.
    #[error("package {name:?} is not part of the workspace")]
    UnknownPackage {
        /// The name that was not found.
        name: String,
    },
    /// The number of plans does not match the number of packages.
    #[error("{plans} version plans were given for {packages} packages")]
    PlanMismatch {
        /// How many plans.
        plans: usize,
        /// How many packages.
        packages: usize,
    },
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
