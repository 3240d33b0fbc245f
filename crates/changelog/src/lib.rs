//! Release notes and CHANGELOG.md from classified commits.
//!
//! Pure: the caller reads the history (`relkit-git`) and the files; this
//! crate decides which commit belongs to which release, groups them into
//! sections, makes forge links, renders Keep a Changelog Markdown, JSON or a
//! user template, and updates an existing changelog without touching what
//! people wrote by hand.
//!
//! ```
//! use relkit_changelog::{build, markdown, Commit, Document, Options, ReleaseInput, Remote, DEFAULT_HEADER};
//!
//! let options = Options {
//!     remote: Some(Remote::parse("git@github.com:acme/app.git", None)?),
//!     ..Options::default()
//! };
//! let release = ReleaseInput {
//!     version: Some("1.2.0".parse().unwrap()),
//!     tag: Some("v1.2.0".into()),
//!     previous_tag: Some("v1.1.0".into()),
//!     date: Some(jiff::civil::date(2026, 1, 31)),
//!     commits: vec![Commit::new("3f2a1c9d".repeat(5), "feat(cli): add --json\n\nCloses #45")],
//! };
//! let log = build(&[release], &options);
//! let text = markdown(&log, DEFAULT_HEADER, Some("Breaking Changes"));
//! assert!(text.contains("## [1.2.0] - 2026-01-31\n\n### Features\n\n- **cli**: add --json ([3f2a1c9]("));
//! assert!(text.ends_with("[1.2.0]: https://github.com/acme/app/compare/v1.1.0...v1.2.0\n"));
//!
//! // An existing file keeps every hand edit; new releases go on top.
//! let old = "# Changelog\n\nHand-written intro.\n\n## [1.1.0] - 2026-01-01\n\n- old\n";
//! let doc = Document::parse(old);
//! let section = relkit_changelog::release_markdown(&log.releases[0], Some("Breaking Changes"));
//! let updated = doc.update(&[(Some("1.2.0".parse().unwrap()), section)], &[]);
//! assert!(updated.text.starts_with("# Changelog\n\nHand-written intro.\n\n## [1.2.0]"));
//! assert!(updated.text.ends_with("## [1.1.0] - 2026-01-01\n\n- old\n"));
//! # Ok::<(), relkit_changelog::Error>(())
//! ```
//!
//! # Features
#![doc = document_features::document_features!()]
#![forbid(unsafe_code)]

mod assign;
mod build;
mod document;
mod error;
mod forge;
mod model;
mod render;

pub use assign::{GraphNode, assign};
pub use build::{Group, Options, Order, build};
pub use document::{Block, Document, ParsedSection, Update};
pub use error::{Error, Result};
pub use forge::{Flavor, Remote};
pub use model::{
    BreakingNote, Changelog, Commit, CommitRef, Entry, Reference, Release, ReleaseInput, Section,
};
#[cfg(feature = "template")]
pub use render::template;
pub use render::{
    DEFAULT_HEADER, entry_text, heading, json, link_definitions, markdown, release_markdown,
};

/// The README examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
