//! The next version: bump, scheme, `Release-As` and pre-release channels.

use semver::{BuildMetadata, Prerelease, Version};

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use crate::bump::{Bump, BumpPolicy, Summary, apply_bump};
use crate::calver::CalVer;
use crate::commit::Commit;
use crate::{Error, Result};

/// How versions are numbered.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Scheme {
    /// Semantic Versioning 2.0.0: the bump decides the number.
    #[default]
    SemVer,
    /// Calendar Versioning: the date decides, the bump only whether to release.
    CalVer {
        /// The format, e.g. `YYYY.MM.PATCH`.
        format: CalVer,
        /// Today, passed in (the library never reads a clock).
        today: jiff::civil::Date,
    },
}

/// What has been released already, as seen from the commit being released.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Released {
    /// The highest stable release reachable from HEAD, if any.
    pub stable: Option<Version>,
    /// The pre-releases reachable from HEAD above `stable`, on any channel.
    pub prereleases: Vec<Version>,
    /// The versions whose tags point at HEAD itself.
    pub at_head: Vec<Version>,
}

impl Released {
    /// The highest released pre-release on `channel` above the stable release.
    pub fn latest_on_channel(&self, channel: &str) -> Option<&Version> {
        self.prereleases
            .iter()
            .filter(|v| prerelease_channel(v) == Some(channel))
            .filter(|v| self.stable.as_ref().is_none_or(|s| base(v) > *s))
            .max()
    }
}

/// Options of [`next_version`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextOptions {
    /// Which commits bump what.
    pub policy: BumpPolicy,
    /// The pre-release channel (`alpha`, `beta`, `rc`, …); `None` for a stable release.
    pub channel: Option<String>,
    /// The first release when none exists yet (default 0.1.0). A Cargo
    /// package's manifest version is a good choice.
    pub initial: Version,
    /// SemVer (default) or CalVer.
    pub scheme: Scheme,
}

impl Default for NextOptions {
    fn default() -> Self {
        NextOptions {
            policy: BumpPolicy::default(),
            channel: None,
            initial: Version::new(0, 1, 0),
            scheme: Scheme::SemVer,
        }
    }
}

/// The answer of [`next_version`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Next {
    /// The current release on the requested channel: the stable release, or
    /// for a channel the latest pre-release on it when that is newer.
    pub current: Option<Version>,
    /// The version to release, or the current one when nothing is to be
    /// released. `None` only when nothing was ever released and there is
    /// no commit.
    pub version: Option<Version>,
    /// How far the version moves from the stable release, as applied (after
    /// the 0.x rules); [`Bump::None`] when nothing is to be released.
    pub bump: Bump,
    /// Whether a release is needed.
    pub release: bool,
    /// What the commits asked for.
    pub summary: Summary,
    /// Why: a sentence for a person.
    pub reason: String,
    /// Workspace dependencies whose new versions forced this release.
    pub forced_by: Vec<String>,
}

/// The channel of a pre-release version: its first pre-release identifier
/// (`rc` in `1.3.0-rc.2`); `None` for a stable version.
pub fn prerelease_channel(version: &Version) -> Option<&str> {
    if version.pre.is_empty() {
        return None;
    }
    version.pre.as_str().split('.').next()
}

/// The counter of a pre-release on its channel: 2 in `1.3.0-rc.2`, 0 in `1.3.0-rc`.
fn prerelease_counter(version: &Version) -> u64 {
    let mut ids = version.pre.as_str().split('.');
    ids.next();
    ids.next().and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// `major.minor.patch` of a version, without pre-release or build metadata.
pub fn base(version: &Version) -> Version {
    Version::new(version.major, version.minor, version.patch)
}

fn with_pre(base: &Version, channel: &str, counter: u64) -> Result<Version> {
    let pre =
        Prerelease::new(&format!("{channel}.{counter}")).map_err(|e| Error::InvalidChannel {
            channel: channel.to_owned(),
            reason: e.to_string(),
        })?;
    Ok(Version {
        pre,
        build: BuildMetadata::EMPTY,
        ..base.clone()
    })
}

/// Check a pre-release channel name.
///
/// # Errors
///
/// [`Error::InvalidChannel`] unless it is one SemVer identifier that is not
/// purely numeric (`rc`, `beta`, `alpha-2`).
pub fn validate_channel(channel: &str) -> Result<()> {
    let err = |reason: &str| Error::InvalidChannel {
        channel: channel.to_owned(),
        reason: reason.to_owned(),
    };
    if channel.is_empty() {
        return Err(err("it is empty"));
    }
    if !channel
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(err("only ASCII letters, digits and '-' are allowed"));
    }
    if channel.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err("a channel must not be a number"));
    }
    Ok(())
}

/// The bump that leads from `from` to `to` (their bases).
fn difference(from: Option<&Version>, to: &Version) -> Bump {
    let zero = Version::new(0, 0, 0);
    let from = from.unwrap_or(&zero);
    if to.major != from.major {
        Bump::Major
    } else if to.minor != from.minor {
        Bump::Minor
    } else if to.patch != from.patch {
        Bump::Patch
    } else {
        Bump::None
    }
}

/// The next version after `released`, given the commits since the stable
/// release.
///
/// `commits` are those after the latest stable release (all of them when
/// there is none). The bump follows [`NextOptions::policy`]; the highest
/// `Release-As` footer sets the version explicitly; a channel gives
/// `base-channel.N`, counting on from the latest pre-release on the channel
/// while the base does not move.
///
/// ```
/// use relkit_version::{next_version, Commit, NextOptions, Released, Bump};
/// use semver::Version;
///
/// let released = Released { stable: Some(Version::new(1, 2, 3)), ..Default::default() };
/// let commits = [Commit::new("a1", "feat: add --json"), Commit::new("b2", "fix: typo")];
///
/// let next = next_version(&released, &commits, &NextOptions::default())?;
/// assert_eq!(next.version, Some(Version::new(1, 3, 0)));
/// assert_eq!(next.bump, Bump::Minor);
///
/// let rc = NextOptions { channel: Some("rc".into()), ..Default::default() };
/// let next = next_version(&released, &commits, &rc)?;
/// assert_eq!(next.version.unwrap().to_string(), "1.3.0-rc.1");
/// # Ok::<(), relkit_version::Error>(())
/// ```
///
/// # Errors
///
/// A malformed channel or `Release-As`, a `Release-As` not above the
/// current release, a pre-release that would sort below one already
/// released, a CalVer period without counter released already, or an
/// overflow.
pub fn next_version(
    released: &Released,
    commits: &[Commit],
    options: &NextOptions,
) -> Result<Next> {
    let channel = options.channel.as_deref();
    if let Some(c) = channel {
        validate_channel(c)?;
    }
    let summary = options.policy.summarize(commits)?;
    let stable = released.stable.as_ref();
    let latest_pre = channel.and_then(|c| released.latest_on_channel(c));
    let current = latest_pre.or(stable).cloned();
    let mut next = Next {
        current: current.clone(),
        version: current.clone(),
        bump: Bump::None,
        release: false,
        summary,
        reason: String::new(),
        forced_by: Vec::new(),
    };

    // HEAD already carries a release on this channel: nothing new to release.
    if let Some(v) = released
        .at_head
        .iter()
        .filter(|v| prerelease_channel(v) == channel)
        .max()
    {
        next.version = Some(v.clone());
        next.reason = format!("HEAD is already released as {v}");
        return Ok(next);
    }

    let target = if let Some((requested, commit)) = &next.summary.release_as {
        if let Some(s) = stable.filter(|s| requested <= *s) {
            return Err(Error::ReleaseAsNotNewer {
                commit: commit.clone(),
                requested: requested.clone(),
                current: s.clone(),
            });
        }
        next.reason = format!("commit {commit} asks for Release-As {requested}");
        if !requested.pre.is_empty() {
            // An explicit pre-release is taken as it is.
            next.bump = difference(stable, requested);
            next.version = Some(requested.clone());
            next.release = true;
            return Ok(next);
        }
        requested.clone()
    } else if next.summary.bump == Bump::None && (stable.is_some() || next.summary.commits == 0) {
        next.reason = match (&current, next.summary.commits) {
            (_, 0) => "no commits since the last release".to_owned(),
            (Some(c), n) => format!("none of the {n} commits since {c} calls for a release"),
            (None, n) => format!("none of the {n} commits calls for a release"),
        };
        return Ok(next);
    } else {
        match (&options.scheme, stable) {
            (Scheme::SemVer, None) => {
                next.reason = format!("first release, {} commits", next.summary.commits);
                base(&options.initial)
            }
            (Scheme::SemVer, Some(s)) => {
                let bump = next.summary.bump;
                next.reason = format!(
                    "{} commits since {s} call for a {} bump",
                    next.summary.commits,
                    options.policy.zero.effective(s, bump)
                );
                apply_bump(s, bump, &options.policy.zero)?
            }
            (Scheme::CalVer { format, today }, s) => {
                next.reason = format!("{} releasable commits, dated {today}", next.summary.commits);
                format.next(s, *today)?
            }
        }
    };

    let version = match channel {
        None => target,
        Some(c) => {
            let candidate = match latest_pre.filter(|p| base(p) >= target) {
                Some(p) => {
                    let counter =
                        prerelease_counter(p)
                            .checked_add(1)
                            .ok_or_else(|| Error::Overflow {
                                version: p.clone(),
                                part: "pre-release counter",
                            })?;
                    with_pre(&base(p), c, counter)?
                }
                None => with_pre(&target, c, 1)?,
            };
            if let Some(higher) = released
                .prereleases
                .iter()
                .filter(|p| base(p) == base(&candidate) && **p > candidate)
                .max()
            {
                return Err(Error::PreReleaseGoesBackwards {
                    candidate,
                    released: higher.clone(),
                    channel: c.to_owned(),
                });
            }
            candidate
        }
    };
    next.bump = difference(stable, &version);
    next.version = Some(version);
    next.release = true;
    Ok(next)
}
