//! Bump levels and the policy that maps commits to them.

use std::collections::BTreeMap;
use std::fmt;

use semver::{BuildMetadata, Prerelease, Version};

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use crate::commit::{Classification, Commit};
use crate::{Error, Result};

/// How much a version moves. Ordered: `None < Patch < Minor < Major`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Bump {
    /// Nothing to release.
    #[default]
    None,
    /// A bug fix: `x.y.Z`.
    Patch,
    /// A new feature: `x.Y.0`.
    Minor,
    /// A breaking change: `X.0.0`.
    Major,
}

impl Bump {
    /// The lower-case name: `none`, `patch`, `minor` or `major`.
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }
}

impl fmt::Display for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bumps are read while the major version is 0 (`0.y.z`).
///
/// Cargo treats `0.y` as the compatibility boundary, so by default a
/// breaking change bumps the minor number and a feature bumps the patch
/// number. [`ZeroPolicy::AS_MAJOR`] keeps the ordinary rules (what git-cliff
/// does by default, where a breaking change leads to 1.0.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct ZeroPolicy {
    /// What a major bump becomes in `0.y.z` (default: [`Bump::Minor`]).
    pub breaking: Bump,
    /// What a minor bump becomes in `0.y.z` (default: [`Bump::Patch`]).
    pub feature: Bump,
}

impl ZeroPolicy {
    /// Cargo's reading of `0.y.z`: breaking → minor, feature → patch.
    pub const CARGO: ZeroPolicy = ZeroPolicy {
        breaking: Bump::Minor,
        feature: Bump::Patch,
    };
    /// No special rules for `0.y.z`: breaking → major (to 1.0.0), feature → minor.
    pub const AS_MAJOR: ZeroPolicy = ZeroPolicy {
        breaking: Bump::Major,
        feature: Bump::Minor,
    };
    /// git-cliff's defaults (`features_always_bump_minor` and
    /// `breaking_always_bump_major` both on), the same as [`ZeroPolicy::AS_MAJOR`].
    pub const GIT_CLIFF: ZeroPolicy = ZeroPolicy::AS_MAJOR;
    /// git-cliff with both options off: breaking → minor, feature → patch.
    pub const GIT_CLIFF_STRICT_ZERO: ZeroPolicy = ZeroPolicy::CARGO;

    /// The bump that actually applies to `version`.
    pub fn effective(&self, version: &Version, bump: Bump) -> Bump {
        if version.major != 0 {
            return bump;
        }
        match bump {
            Bump::Major => self.breaking,
            Bump::Minor => self.feature,
            other => other,
        }
    }
}

impl Default for ZeroPolicy {
    fn default() -> Self {
        ZeroPolicy::CARGO
    }
}

/// Which bump each kind of commit asks for.
///
/// The default: breaking → major, `feat` → minor, `fix` and `perf` → patch,
/// every other type and every non-conventional message → none.
///
/// ```
/// use relkit_version::{Bump, BumpPolicy};
///
/// let mut policy = BumpPolicy::default();
/// policy.types.insert("deps".into(), Bump::Patch);
/// assert_eq!(policy.type_bump("deps"), Bump::Patch);
/// assert_eq!(policy.type_bump("docs"), Bump::None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct BumpPolicy {
    /// Bump per commit type (lower-case). Types not listed bump nothing.
    pub types: BTreeMap<String, Bump>,
    /// Bump of a breaking commit of any type.
    pub breaking: Bump,
    /// Bump of a message that is not a Conventional Commit.
    pub other: Bump,
    /// The rules for `0.y.z`.
    pub zero: ZeroPolicy,
    /// Whether `Release-As: x.y.z` footers are honoured.
    pub release_as: bool,
}

impl Default for BumpPolicy {
    fn default() -> Self {
        let types = [
            ("feat", Bump::Minor),
            ("fix", Bump::Patch),
            ("perf", Bump::Patch),
        ]
        .into_iter()
        .map(|(t, b)| (t.to_owned(), b))
        .collect();
        BumpPolicy {
            types,
            breaking: Bump::Major,
            other: Bump::None,
            zero: ZeroPolicy::default(),
            release_as: true,
        }
    }
}

impl BumpPolicy {
    /// The bump of a commit type (case-insensitive), ignoring breaking changes.
    pub fn type_bump(&self, kind: &str) -> Bump {
        if let Some(b) = self.types.get(kind) {
            return *b;
        }
        if kind.bytes().any(|b| b.is_ascii_uppercase()) {
            let lower = kind.to_ascii_lowercase();
            return self.types.get(&lower).copied().unwrap_or(Bump::None);
        }
        Bump::None
    }

    /// The bump one classified message asks for.
    pub fn bump_of(&self, classification: &Classification) -> Bump {
        match classification {
            Classification::Conventional(c) => {
                let by_type = self.type_bump(&c.kind);
                if c.breaking {
                    by_type.max(self.breaking)
                } else {
                    by_type
                }
            }
            Classification::Other { .. } => self.other,
        }
    }

    /// The largest bump of a set of commits, with what was counted.
    ///
    /// The result does not depend on the order of the commits.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidReleaseAs`] when a `Release-As` footer is not SemVer
    /// (only when [`BumpPolicy::release_as`] is on).
    pub fn summarize<'a>(&self, commits: impl IntoIterator<Item = &'a Commit>) -> Result<Summary> {
        let mut s = Summary::default();
        for commit in commits {
            s.commits += 1;
            let bump = self.bump_of(&commit.classification);
            s.bump = s.bump.max(bump);
            match &commit.classification {
                Classification::Conventional(c) => {
                    s.conventional += 1;
                    if c.breaking {
                        s.breaking += 1;
                    }
                    let requested = if self.release_as {
                        commit.release_as()?
                    } else {
                        None
                    };
                    if let Some(v) = requested
                        && s.release_as.as_ref().is_none_or(|(old, _)| v > *old)
                    {
                        s.release_as = Some((v, commit.id.clone()));
                    }
                }
                Classification::Other { .. } => s.other += 1,
            }
        }
        Ok(s)
    }
}

/// What a set of commits asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Summary {
    /// The largest bump.
    pub bump: Bump,
    /// How many commits were read.
    pub commits: usize,
    /// How many were Conventional Commits.
    pub conventional: usize,
    /// How many were breaking.
    pub breaking: usize,
    /// How many were something else (merge subjects, "WIP", …).
    pub other: usize,
    /// The highest `Release-As` version, with the commit that asked for it.
    pub release_as: Option<(Version, String)>,
}

/// Apply `bump` to `version` under `zero`, dropping pre-release and build metadata.
///
/// ```
/// use relkit_version::{apply_bump, Bump, ZeroPolicy};
/// use semver::Version;
///
/// let v = Version::new(0, 4, 2);
/// assert_eq!(apply_bump(&v, Bump::Major, &ZeroPolicy::CARGO)?, Version::new(0, 5, 0));
/// assert_eq!(apply_bump(&v, Bump::Major, &ZeroPolicy::AS_MAJOR)?, Version::new(1, 0, 0));
/// # Ok::<(), relkit_version::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Overflow`] when a number would pass `u64::MAX`.
pub fn apply_bump(version: &Version, bump: Bump, zero: &ZeroPolicy) -> Result<Version> {
    let overflow = |part| Error::Overflow {
        version: version.clone(),
        part,
    };
    let (major, minor, patch) = (version.major, version.minor, version.patch);
    let (major, minor, patch) = match zero.effective(version, bump) {
        Bump::None => (major, minor, patch),
        Bump::Patch => (
            major,
            minor,
            patch.checked_add(1).ok_or_else(|| overflow("patch"))?,
        ),
        Bump::Minor => (
            major,
            minor.checked_add(1).ok_or_else(|| overflow("minor"))?,
            0,
        ),
        Bump::Major => (major.checked_add(1).ok_or_else(|| overflow("major"))?, 0, 0),
    };
    Ok(Version {
        major,
        minor,
        patch,
        pre: Prerelease::EMPTY,
        build: BuildMetadata::EMPTY,
    })
}
