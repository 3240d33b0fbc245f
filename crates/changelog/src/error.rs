//! The one error type of this crate.

/// Everything that can go wrong while building or updating a changelog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A remote URL that no forge link can be made from.
    #[error("remote URL {url:?} is not understood: {reason}")]
    InvalidRemote {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A user template does not compile or fails while rendering.
    #[error("template {name}: {reason}")]
    Template {
        /// The template's name (its file name, usually).
        name: String,
        /// What minijinja reported, with the line.
        reason: String,
    },
    /// JSON output could not be written.
    #[error("JSON output: {0}")]
    Json(String),
    /// A version asked for is not in the changelog.
    #[error("version {version} is not in the changelog; it has: {available}")]
    VersionNotFound {
        /// The version asked for.
        version: String,
        /// The versions the changelog has, comma-separated.
        available: String,
    },
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
