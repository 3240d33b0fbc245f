//! Sign release artifacts and attest how they were built, in formats existing verifiers accept.
//!
//! - **Keys**: Ed25519 ([`SecretKey`], [`PublicKey`]) as PKCS#8 / SPKI PEM (what
//!   `openssl genpkey -algorithm ed25519` writes, optionally passphrase-encrypted) or as
//!   minisign key files ([`minisign`]).
//! - **Digests**: streaming SHA-256 / SHA-512 of files of any size ([`digest`]).
//! - **Detached signatures**: raw Ed25519 over a file's bytes ([`raw`], the 64 bytes
//!   `openssl pkeyutl -sign -rawin` writes) and minisign signatures ([`minisign`]).
//! - **DSSE** envelopes with a threshold [`TrustPolicy`] ([`dsse`]).
//! - **in-toto** Statement v1 with a SLSA Provenance v1 predicate ([`intoto`]).
//!
//! Verification is strict everywhere (`verify_strict`: non-canonical signatures and
//! small-order keys are rejected).
//!
//! ```
//! use relkit_sign::{SecretKey, Statement, Provenance, ResourceDescriptor, TrustPolicy};
//! use relkit_sign::dsse::IN_TOTO_PAYLOAD_TYPE;
//!
//! let key = SecretKey::generate()?;
//! // A SLSA provenance statement about one artifact, signed as a DSSE envelope.
//! let provenance = Provenance::new("https://example.com/build/v1", "https://example.com/ci")
//!     .with_resolved_dependency(ResourceDescriptor::git_commit(
//!         "git+https://example.com/repo@refs/tags/v1.0.0",
//!         "c27d339ee6075c1f744c5d4b200f7901aad2c369",
//!     ));
//! let sha = relkit_sign::digest::digest_bytes(relkit_sign::HashAlgorithm::Sha256, b"release");
//! let statement = Statement::slsa(
//!     vec![ResourceDescriptor::subject("app.tar.gz", &sha.to_hex())],
//!     &provenance,
//! );
//! let envelope = statement.sign(&[&key]);
//! let json = envelope.to_json(true);
//!
//! // A verifier trusts the public key, one signature is enough.
//! let policy = TrustPolicy::new(vec![("ci".into(), key.public_key())], 1, IN_TOTO_PAYLOAD_TYPE)?;
//! let parsed = relkit_sign::Envelope::from_json(json.as_bytes(), "envelope")?;
//! let verified = policy.verify(&parsed)?;
//! assert_eq!(verified.signed_by, ["ci"]);
//! # Ok::<(), relkit_sign::Error>(())
//! ```
//!
//! # Features
#![doc = document_features::document_features!()]
#![forbid(unsafe_code)]

pub mod digest;
pub mod dsse;
mod error;
mod fsutil;
pub mod intoto;
mod keyfile;
mod keys;
pub mod minisign;
pub mod raw;

pub use digest::{Digest, HashAlgorithm};
pub use dsse::{Envelope, EnvelopeSignature, TrustPolicy, Verified};
pub use error::{Error, Result};
pub use fsutil::{FileMode, write_atomic};
pub use intoto::{
    BuildDefinition, BuildMetadata, Builder, Provenance, ResourceDescriptor, RunDetails, Statement,
    VerifiedAttestation, verify_attestation,
};
pub use keyfile::{
    AnyPublicKey, KeyFormat, parse_public_key, parse_secret_key, public_key_path, read_public_key,
    read_secret_key, write_key_pair,
};
pub use keys::{KeyId, PublicKey, SecretKey, Signature, verify_batch};
pub use minisign::{MinisignPublicKey, MinisignSignature};

/// The README examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
