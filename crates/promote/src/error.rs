//! The one error type of the crate.

use std::path::PathBuf;

/// What went wrong. Every message names the input (a digest, a tag, a file, a
/// record) and the problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A digest that is not `sha256:` followed by 64 lowercase hex digits.
    #[error("digest {input:?} is not valid: {reason}")]
    Digest {
        /// The text given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A tag that is not a plain name (`[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`).
    #[error("tag {input:?} is not valid: {reason}")]
    Tag {
        /// The text given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file name that cannot be stored or restored safely.
    #[error("file name {input:?} is not valid: {reason}")]
    FileName {
        /// The name given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The directory is not an OCI image layout, or one we can use.
    #[error("{}: not a usable OCI image layout: {reason}", path.display())]
    Layout {
        /// The layout directory.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A JSON document (manifest, index, record, pipeline) that does not decode.
    #[error("{input}: {reason}")]
    Decode {
        /// What was being decoded (a file or a digest).
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A blob that a manifest or the index refers to is not in the store.
    #[error("blob {digest} (referenced by {referenced_by}) is missing from {}", store.display())]
    BlobMissing {
        /// The missing blob.
        digest: String,
        /// What refers to it.
        referenced_by: String,
        /// The store.
        store: PathBuf,
    },
    /// A blob whose content does not hash to its name, or has the wrong size.
    #[error("blob {digest} is corrupt: {reason}")]
    BlobCorrupt {
        /// The blob's name.
        digest: String,
        /// What was found instead.
        reason: String,
    },
    /// A tag or digest that is not in the store.
    #[error("{reference:?} is not in the store {}", store.display())]
    NotFound {
        /// The tag or digest asked for.
        reference: String,
        /// The store.
        store: PathBuf,
    },
    /// A tag that already names another digest: tags never move.
    #[error("tag {tag:?} already names {existing}; tags never move, so it cannot name {requested}")]
    TagMoved {
        /// The tag.
        tag: String,
        /// The digest it names.
        existing: String,
        /// The digest asked for.
        requested: String,
    },
    /// A pipeline definition that is not valid.
    #[error("pipeline {input}: {reason}")]
    Pipeline {
        /// The file (or `default`).
        input: String,
        /// What is wrong.
        reason: String,
    },
    /// The promotion history does not verify: a record was edited, dropped or reordered.
    #[error("history {}: record {seq}: {reason}", path.display())]
    History {
        /// The history file.
        path: PathBuf,
        /// The record's sequence number (1-based; 0 for the file as a whole).
        seq: u64,
        /// What does not verify.
        reason: String,
    },
    /// A rollback that cannot be done.
    #[error("rollback of {environment:?}: {reason}")]
    Rollback {
        /// The environment.
        environment: String,
        /// Why not.
        reason: String,
    },
    /// `verify` found problems; each names the blob, manifest or record.
    #[error("{} does not verify: {}", store.display(), problems.join("; "))]
    Verify {
        /// The store.
        store: PathBuf,
        /// Every problem found.
        problems: Vec<String>,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn decode(input: impl std::fmt::Display, reason: impl std::fmt::Display) -> Self {
        Error::Decode {
            input: input.to_string(),
            reason: reason.to_string(),
        }
    }
}
