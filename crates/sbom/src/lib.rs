//! CycloneDX SBOMs of Cargo workspaces: reproducible, with checksums, in CycloneDX 1.5 and 1.6.
//!
//! The pieces, each usable alone:
//!
//! - [`Lockfile`] reads (and writes) `Cargo.lock` formats 1 to 4, checksums included.
//! - [`WorkspaceGraph`] is the resolved graph, from `cargo metadata`
//!   ([`WorkspaceGraph::from_cargo`]) or from Cargo.lock alone, running no cargo at all
//!   ([`WorkspaceGraph::read_lockfile`]).
//! - [`generate`] turns a graph into CycloneDX JSON on the `cyclonedx-bom` model: purls,
//!   SHA-256 hashes, SPDX license expressions, external references, the dependency graph,
//!   the members as metadata component(s), and a serial number derived from the content,
//!   so that the same input at the same [`SbomOptions::timestamp`] gives the same bytes.
//! - [`SchemaValidator`] checks any CycloneDX JSON document against the official schemas.
//! - [`BomDocument`] and [`diff()`] compare two BOMs: added, removed, upgraded,
//!   downgraded, license changes.
//!
//! Time is passed in, never read from a clock: the caller decides (e.g. from
//! `SOURCE_DATE_EPOCH`).
//!
//! ```
//! use relkit_sbom::{BomDocument, Lockfile, SbomOptions, WorkspaceGraph, generate};
//!
//! let lock = Lockfile::parse(r#"version = 4
//!
//! [[package]]
//! name = "app"
//! version = "0.1.0"
//! dependencies = ["itoa"]
//!
//! [[package]]
//! name = "itoa"
//! version = "1.0.15"
//! source = "registry+https://github.com/rust-lang/crates.io-index"
//! checksum = "4a5f13b858c8d314ee3e8f639011f7ccefe71f97f96e50151fb991f267928e2c"
//! "#, "Cargo.lock")?;
//! let graph = WorkspaceGraph::from_lockfile(&lock, "app", "Cargo.lock")?;
//! let time = jiff::Timestamp::from_second(1_700_000_000)?;
//! let sboms = generate(&graph, &SbomOptions::new(time))?;
//!
//! let doc = BomDocument::from_json(&sboms[0].json, "app.cdx.json")?;
//! assert_eq!(doc.spec_version, "1.6");
//! assert_eq!(doc.components[0].purl.as_deref(), Some("pkg:cargo/itoa@1.0.15"));
//! // Same input, same time: same bytes.
//! assert_eq!(generate(&graph, &SbomOptions::new(time))?, sboms);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod diff;
mod error;
mod generate;
mod graph;
mod lockfile;
mod validate;
mod write;

pub use diff::{
    BomComponent, BomDocument, LicenseChange, SbomDiff, VersionChange, compare_versions, diff,
};
pub use error::{Error, Result};
pub use generate::{Sbom, SbomOptions, SpecVersion, generate, purl};
pub use graph::{DepKind, MetadataOptions, Package, Source, WorkspaceGraph};
pub use lockfile::{LockPackage, Lockfile};
pub use validate::{SchemaValidator, ValidationReport, Violation};
pub use write::write_atomic;

/// The README examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
