//! Build once, promote the same bytes through environments.
//!
//! `relkit-promote` keeps artifacts in an [OCI image layout](https://github.com/opencontainers/image-spec/blob/main/image-layout.md)
//! (the directory `skopeo`, `umoci` and `oras` read and write), moves a
//! digest through environments (dev → staging → prod, or a fan-out) behind
//! gates, records every move in a hash-chained history, and rolls back.
//!
//! ```
//! use relkit_promote::{Pipeline, Promote, Outcome, PushOptions, Releases, Store};
//!
//! let dir = tempfile::tempdir()?;
//! let file = dir.path().join("app.tar.gz");
//! std::fs::write(&file, b"the build")?;
//!
//! // Push a file as an OCI 1.1 artifact, tagged v1.0.0.
//! let store = Store::create(dir.path().join("store"))?;
//! let pushed = store.push_files(&[file], &PushOptions { tag: Some("v1.0.0".into()), ..Default::default() })?;
//!
//! // Promote it to dev, then staging (the default pipeline: dev → staging → prod).
//! let releases = Releases::new(store, Pipeline::default());
//! let now = jiff::Timestamp::from_second(1_700_000_000)?;
//! for env in ["dev", "staging"] {
//!     let ask = Promote { reference: "v1.0.0".into(), environment: env.into(), actor: "ci".into(), ..Default::default() };
//!     assert!(matches!(releases.promote(&ask, now)?, Outcome::Promoted(_)));
//! }
//! // prod only takes what staging runs; the chain verifies.
//! assert_eq!(releases.state()?.current("staging").map(|d| d.digest), Some(pushed.digest));
//! releases.verify()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The decision itself is pure: [`evaluate`] takes the pipeline, the state
//! the history replays to, a [`Request`] and the time, and returns a
//! [`Decision`] listing every unmet requirement. [`Releases`] is the I/O edge
//! that gathers evidence from the store and appends records under a lock.
//!
//! # Features
#![doc = document_features::document_features!()]
#![forbid(unsafe_code)]

mod decision;
mod digest;
mod error;
mod fsutil;
pub mod json;
mod pipeline;
mod releases;
mod retention;
mod store;

pub use decision::{
    ChainError, CheckStatus, Decision, Deployed, Evidence, GENESIS, Record, RecordKind, Request,
    State, Unmet, evaluate, plan_rollback,
};
pub use digest::Digest;
pub use error::{Error, Result};
pub use oci_spec::image as oci;
pub use pipeline::{Environment, Pipeline, Requirements, Retention, SignedBy, parse_duration};
pub use releases::{Outcome, Promote, Releases, Verified};
pub use retention::{ArtifactInfo, RetentionPlan, plan_retention};
pub use store::{
    ARTIFACT_TYPE, AUTHORS, AttachmentKind, CREATED, EMPTY_CONFIG, Entry, GcPlan,
    MAX_MANIFEST_SIZE, Manifest, PushOptions, Pushed, REF_NAME, Referrer, Store, TITLE,
    decode_manifest, descriptor, descriptor_digest, validate_file_name, validate_tag,
};

/// The README examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
