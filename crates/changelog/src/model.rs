//! What a changelog holds: the input commits and releases, and the output
//! model that every renderer (and the JSON schema) shares.

use jiff::civil::Date;
use relkit_version::{Classification, classify};
use semver::Version;
use serde::{Deserialize, Serialize};

/// A commit as the changelog needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// The full commit id.
    pub id: String,
    /// The whole message.
    pub message: String,
    /// The message, classified.
    pub classification: Classification,
}

impl Commit {
    /// Classify `message` as the commit `id`.
    pub fn new(id: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        let classification = classify(&message);
        Commit {
            id: id.into(),
            message,
            classification,
        }
    }

    /// The first line of the message.
    pub fn subject(&self) -> &str {
        self.message.lines().next().unwrap_or_default().trim_end()
    }
}

/// One release to write: a version (or Unreleased) and its commits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReleaseInput {
    /// The version; `None` for the Unreleased section.
    pub version: Option<Version>,
    /// The tag of the release (for compare links), if it has one.
    pub tag: Option<String>,
    /// The date of the release.
    pub date: Option<Date>,
    /// The tag of the release before it, for the compare link.
    pub previous_tag: Option<String>,
    /// Its commits, newest first.
    pub commits: Vec<Commit>,
}

/// The whole changelog, newest release first. This is also the JSON
/// output and the context of templates (schema version 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changelog {
    /// The schema version of this JSON: 1.
    pub schema: u32,
    /// Newest release first.
    pub releases: Vec<Release>,
}

/// One release in the changelog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    /// `"1.2.0"`, or `null` for Unreleased.
    pub version: Option<String>,
    /// The heading: the version, or `Unreleased`.
    pub title: String,
    /// The release tag, if any.
    pub tag: Option<String>,
    /// `YYYY-MM-DD`, if known.
    pub date: Option<String>,
    /// The tag of the release before.
    pub previous_tag: Option<String>,
    /// The forge page comparing `previous_tag` with this release (or HEAD).
    pub compare_url: Option<String>,
    /// Breaking changes, each with its `BREAKING CHANGE` text.
    pub breaking: Vec<BreakingNote>,
    /// Sections in their configured order; empty ones left out.
    pub sections: Vec<Section>,
    /// How many commits the release has, shown or not.
    pub commit_count: usize,
}

/// A group of entries under one title (`Features`, `Bug Fixes`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// The title.
    pub title: String,
    /// The entries.
    pub entries: Vec<Entry>,
}

/// One line of the changelog: a commit, or several with the same message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The commit type (`feat`, …), or `other` for a non-conventional commit.
    #[serde(rename = "type")]
    pub kind: String,
    /// The scope, if any.
    pub scope: Option<String>,
    /// The description (the subject of a non-conventional commit).
    pub description: String,
    /// Whether it is a breaking change.
    pub breaking: bool,
    /// The body, if any.
    pub body: Option<String>,
    /// The commits (more than one when identical messages were folded).
    pub commits: Vec<CommitRef>,
    /// Issues and pull requests it names (`#12`, `Closes #45`).
    pub references: Vec<Reference>,
}

/// A commit named by an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitRef {
    /// The full id.
    pub id: String,
    /// The first seven digits.
    pub short: String,
    /// The forge page, when the remote is known.
    pub url: Option<String>,
}

/// An issue or pull request reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// The number, without `#`.
    pub number: String,
    /// The footer that named it (`Closes`, `Fixes`, `Refs`), or `null` when
    /// it was named in the description.
    pub action: Option<String>,
    /// The forge page, when the remote is known.
    pub url: Option<String>,
}

/// A breaking change with what breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakingNote {
    /// The scope, if any.
    pub scope: Option<String>,
    /// The `BREAKING CHANGE` text, or the description when only `!` marks it.
    pub description: String,
    /// The commit.
    pub commit: CommitRef,
}
