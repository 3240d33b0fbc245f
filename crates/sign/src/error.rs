//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong in `relkit-sign`.
///
/// Each message names the input (a file, a key, an envelope) and the problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read, written or synced.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("reading", "writing", ...).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A key (PEM, minisign, raw bytes) could not be decoded.
    #[error("{input} is not a usable key: {reason}")]
    Key {
        /// Which key (a path or a description).
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The key is encrypted and no passphrase was given.
    #[error("{input} is encrypted: a passphrase is needed")]
    PassphraseRequired {
        /// Which key.
        input: String,
    },
    /// The passphrase does not decrypt the key.
    #[error("{input}: wrong passphrase (or a damaged key)")]
    WrongPassphrase {
        /// Which key.
        input: String,
    },
    /// A signature file or value is malformed (wrong length, bad base64, bad structure).
    #[error("{input} is not a valid signature: {reason}")]
    MalformedSignature {
        /// Which signature.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A well-formed signature does not verify.
    #[error("signature {input} does not verify: {reason}")]
    BadSignature {
        /// Which signature (a path or a description).
        input: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A DSSE envelope is malformed.
    #[error("{input} is not a DSSE envelope: {reason}")]
    MalformedEnvelope {
        /// Which envelope.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A DSSE envelope's payloadType is not the one the policy expects.
    #[error("envelope payloadType is {found:?}, expected {expected:?}")]
    PayloadType {
        /// The expected payloadType.
        expected: String,
        /// The envelope's payloadType.
        found: String,
    },
    /// Too few distinct trusted keys signed the envelope.
    #[error("envelope is signed by {found} distinct trusted key(s), the policy needs {threshold}")]
    ThresholdNotMet {
        /// How many distinct trusted keys must sign.
        threshold: usize,
        /// How many did.
        found: usize,
    },
    /// A trust policy is unusable (no keys, a threshold of 0 or above the number of keys).
    #[error("invalid trust policy: {reason}")]
    Policy {
        /// What is wrong with it.
        reason: String,
    },
    /// An in-toto Statement (or its predicate) is malformed.
    #[error("{input} is not an in-toto Statement v1: {reason}")]
    Statement {
        /// Which statement.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file's digest matches no subject of an attestation.
    #[error("{path}: sha256 {sha256} matches no subject of the attestation")]
    SubjectMismatch {
        /// The file.
        path: PathBuf,
        /// Its SHA-256, hex.
        sha256: String,
    },
    /// The file changed while it was being signed (raw Ed25519 reads it twice).
    #[error("{path} changed while it was being signed")]
    Changed {
        /// The file.
        path: PathBuf,
    },
    /// The operating system's random source failed.
    #[error("the operating system's random source failed: {0}")]
    Random(String),
}

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn key(input: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Key {
            input: input.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn malformed_sig(input: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::MalformedSignature {
            input: input.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn bad_sig(input: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::BadSignature {
            input: input.into(),
            reason: reason.into(),
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
