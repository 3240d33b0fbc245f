//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong while reading a repository.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The directory does not exist.
    #[error("{}: no such directory", path.display())]
    NoSuchDirectory {
        /// The path as given.
        path: PathBuf,
    },
    /// The directory is not inside a git repository.
    #[error("{}: not a git repository (or any parent up to the file system root): {reason}", path.display())]
    NotARepository {
        /// The path as given.
        path: PathBuf,
        /// What git reported.
        reason: String,
    },
    /// HEAD points to a branch that has no commit yet.
    #[error("{}: the repository has no commits yet (HEAD is the unborn branch {branch:?})", path.display())]
    EmptyRepository {
        /// The repository.
        path: PathBuf,
        /// The unborn branch.
        branch: String,
    },
    /// A revision does not name a commit of the repository.
    #[error("{}: {rev:?} is not a commit of this repository: {reason}", path.display())]
    BadRevision {
        /// The repository.
        path: PathBuf,
        /// The revision as given.
        rev: String,
        /// Why it does not resolve.
        reason: String,
    },
    /// The history stops at a shallow boundary before any release tag.
    #[error(
        "{}: the repository is a shallow clone and no release tag is reachable in its {commits} commits; \
         fetch the whole history (git fetch --unshallow --tags) so the current release can be found",
        path.display()
    )]
    ShallowWithoutRelease {
        /// The repository.
        path: PathBuf,
        /// How many commits the shallow history holds from HEAD.
        commits: usize,
    },
    /// Reading the object database or the references failed.
    #[error("{}: {what}: {reason}", path.display())]
    Git {
        /// The repository.
        path: PathBuf,
        /// What was being read.
        what: String,
        /// What gix reported.
        reason: String,
    },
    /// A `Cargo.toml` could not be read or understood.
    #[error("{}: {reason}", path.display())]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Computing the version failed.
    #[error(transparent)]
    Version(relkit_version::Error),
    /// A package was asked for by name and does not exist.
    #[error("package {name:?} is not in the workspace at {}; its packages are: {}", root.display(), available.join(", "))]
    UnknownPackage {
        /// The name asked for.
        name: String,
        /// The workspace root.
        root: PathBuf,
        /// The names that exist.
        available: Vec<String>,
    },
}

/// Computing the version failed (a bad `Release-As`, channel, …).
impl From<relkit_version::Error> for Error {
    fn from(e: relkit_version::Error) -> Self {
        Error::Version(e)
    }
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
