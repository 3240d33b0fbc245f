//! The next release version of a project, from its Conventional Commits and
//! the versions it has released.
//!
//! This crate is pure: no git, no file system, no clock. A caller (such as
//! `relkit-git` and the `relkit` binary) reads tags and commit messages and
//! passes them in; the answer comes back as values.
//!
//! ```
//! use relkit_version::{next_version, Commit, NextOptions, Released, TagPattern};
//!
//! // The tags of the repository, read through a pattern: non-releases are skipped.
//! let pattern = TagPattern::v_prefixed();
//! let stable = ["v1.1.0", "v1.2.3", "nightly", "v1.10.0-beta.1"]
//!     .iter()
//!     .filter_map(|t| pattern.parse(t))
//!     .map(|t| t.version)
//!     .filter(|v| v.pre.is_empty())
//!     .max(); // highest precedence, not the newest by date
//!
//! // The commits since that release, newest first.
//! let commits = [
//!     Commit::new("9f1c2d3", "feat(cli)!: rename --out to --output"),
//!     Commit::new("4b5a6e7", "Merge branch 'topic'"),
//!     Commit::new("1a2b3c4", "fix: handle an empty history"),
//! ];
//!
//! let released = Released { stable, ..Default::default() };
//! let next = next_version(&released, &commits, &NextOptions::default())?;
//! assert_eq!(next.version.unwrap().to_string(), "2.0.0");
//! assert_eq!(next.summary.other, 1); // the merge subject is counted, not fatal
//! # Ok::<(), relkit_version::Error>(())
//! ```
//!
//! What it covers:
//!
//! - [`classify`]: a message as a [`ConventionalCommit`] (type, scope,
//!   breaking, description, body, footers) or as [`Classification::Other`].
//! - [`BumpPolicy`]: which type bumps what, the `0.y.z` rules
//!   ([`ZeroPolicy`]), and `Release-As: x.y.z` footers.
//! - [`next_version`]: stable releases and pre-release channels
//!   (`1.3.0-rc.1`, `1.3.0-rc.2`, then `1.3.0`), under SemVer or a
//!   [`CalVer`] scheme ([`Scheme`]).
//! - [`TagPattern`]: `v{version}`, `{package}-v{version}`,
//!   `{package}@{version}` and the like, both ways.
//! - Monorepos: [`Package`], [`touched_packages`] and [`propagate`] for
//!   releases forced by a dependency.
//!
//! # Features
#![doc = document_features::document_features!()]
#![forbid(unsafe_code)]

mod bump;
mod calver;
mod commit;
mod error;
mod monorepo;
mod next;
mod tag;

pub use bump::{Bump, BumpPolicy, Summary, ZeroPolicy, apply_bump};
pub use calver::CalVer;
pub use commit::{Classification, Commit, ConventionalCommit, Footer, FooterSeparator, classify};
pub use error::{Error, Result};
pub use monorepo::{Dependency, Package, Propagation, owner, propagate, touched_packages};
pub use next::{
    Next, NextOptions, Released, Scheme, base, next_version, prerelease_channel, validate_channel,
};
pub use tag::{ParsedTag, TagPattern};

/// The `semver` crate this API speaks, re-exported so that callers use the same version.
pub use semver;

/// The README examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
