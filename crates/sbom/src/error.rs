//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong while reading, generating, validating, diffing or writing an SBOM.
///
/// Every message names the input (a file, a package, a document) and the problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// A Cargo.lock file is not valid TOML or does not have the shape Cargo writes.
    #[error("{origin}: not a Cargo.lock file: {reason}")]
    LockfileSyntax {
        /// Where the lock file came from (a path, or `<memory>`).
        origin: String,
        /// What is wrong.
        reason: String,
    },
    /// A Cargo.lock file has a `version` this crate does not read.
    #[error("{origin}: Cargo.lock version {version} is not supported (versions 1 to 4 are)")]
    LockfileVersion {
        /// Where the lock file came from.
        origin: String,
        /// The version found.
        version: i64,
    },
    /// A dependency listed in Cargo.lock names no package of the lock file, or more than one.
    #[error("{origin}: package {package}: dependency \"{dependency}\" {problem}")]
    LockfileDependency {
        /// Where the lock file came from.
        origin: String,
        /// The package whose dependency list holds the entry.
        package: String,
        /// The entry as written.
        dependency: String,
        /// `matches no package` or `is ambiguous`.
        problem: &'static str,
    },
    /// `cargo metadata` failed or printed something unusable.
    #[error("cargo metadata for {manifest}: {reason}")]
    CargoMetadata {
        /// The manifest given to cargo (or `the current directory`).
        manifest: String,
        /// What cargo said.
        reason: String,
    },
    /// An option cannot be honoured in the chosen mode.
    #[error("unsupported option: {0}")]
    Unsupported(String),
    /// The named workspace member does not exist.
    #[error("no workspace member named {0}")]
    NoSuchMember(String),
    /// The CycloneDX model could not be serialised.
    #[error("cannot serialise the SBOM of {subject}: {reason}")]
    Serialize {
        /// The SBOM's subject (workspace or member).
        subject: String,
        /// What went wrong.
        reason: String,
    },
    /// A document is not JSON, or not a CycloneDX BOM this crate can read.
    #[error("{origin}: not a CycloneDX JSON BOM: {reason}")]
    NotABom {
        /// Where the document came from.
        origin: String,
        /// What is wrong.
        reason: String,
    },
    /// A document declares a `specVersion` for which no schema is known.
    #[error("{origin}: specVersion \"{version}\" has no schema (known: 1.4, 1.5, 1.6, 1.7)")]
    UnknownSpecVersion {
        /// Where the document came from.
        origin: String,
        /// The version found.
        version: String,
    },
    /// A schema file is missing or cannot be compiled.
    #[error("schema {path}: {reason}")]
    Schema {
        /// The schema file or folder.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
