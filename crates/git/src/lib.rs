//! Read release history from a git repository: the commits since the
//! current release, peeled tags, the paths each commit changed, and the
//! packages of a Cargo workspace. The thin I/O edge of
//! [`relkit_version`], built on gix (no `git` process, no libgit2).
//!
//! ```no_run
//! use relkit_git::{plan, Query, Repo};
//!
//! let mut repo = Repo::open(".")?;
//! let (_head, plans) = plan(&mut repo, &Query::default())?;
//! for p in &plans {
//!     let next = p.next.version.as_ref().map(ToString::to_string);
//!     println!("{:?} -> {:?} ({} commits read)", p.current_tag, next, p.commits_read);
//! }
//! # Ok::<(), relkit_git::Error>(())
//! ```
//!
//! Lower-level pieces: [`Repo::tags`] (lightweight and annotated, peeled),
//! [`Repo::commits`] with a [`Walk`] (from a commit, hiding releases,
//! first-parent or not, with changed paths), [`Repo::releases`] (the highest
//! reachable release by SemVer precedence), [`workspace_packages`], and
//! [`version_edits`] (the released versions written into the manifests,
//! every other byte kept).
#![forbid(unsafe_code)]

mod bump;
mod cargo;
mod error;
mod release;
mod repo;

pub use bump::{
    DeclaredVersion, ManifestEdit, NewVersions, VersionChanges, declared_version, edit_manifest,
    version_edits,
};
pub use cargo::{find_package, workspace_packages};
pub use error::{Error, Result};
pub use release::{Packages, Plan, Query, ReleaseTag, Releases, plan};
pub use repo::{CommitInfo, Head, Repo, Tag, Time, Walk};

/// The README examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
