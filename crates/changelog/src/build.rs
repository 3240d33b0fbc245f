//! From classified commits to sections: grouping, reverts, folding,
//! breaking notes and links.

use std::collections::{BTreeMap, HashSet};

use relkit_version::{Classification, FooterSeparator};
use serde::{Deserialize, Serialize};

use crate::forge::Remote;
use crate::model::{
    BreakingNote, Changelog, Commit, CommitRef, Entry, Reference, Release, ReleaseInput, Section,
};

/// A section of the changelog and the commit types it collects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The title (`Features`).
    pub title: String,
    /// The commit types it collects (`["feat"]`), lower-case.
    pub types: Vec<String>,
}

impl Group {
    fn new(title: &str, types: &[&str]) -> Self {
        Group {
            title: title.to_owned(),
            types: types.iter().map(|t| (*t).to_owned()).collect(),
        }
    }
}

/// In which order entries of a section are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// The oldest commit first, as the history reads.
    #[default]
    Oldest,
    /// The newest commit first.
    Newest,
}

/// How a changelog is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The sections, in order. Types in no group are left out (by default
    /// `chore`, `ci`, `style`, `test` and `build`).
    pub groups: Vec<Group>,
    /// The title of the breaking-changes section, listed first; `None` to leave it out.
    pub breaking_title: Option<String>,
    /// The title of a section of non-conventional commits; `None` (the
    /// default) leaves them out.
    pub other_title: Option<String>,
    /// The forge, for links.
    pub remote: Option<Remote>,
    /// Drop a commit and its revert when both are in the same release.
    pub drop_reverted: bool,
    /// Fold commits with the same subject (cherry-picks) into one entry.
    pub fold_identical: bool,
    /// Order of entries within a section.
    pub order: Order,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            groups: vec![
                Group::new("Features", &["feat"]),
                Group::new("Bug Fixes", &["fix"]),
                Group::new("Performance", &["perf"]),
                Group::new("Reverts", &["revert"]),
                Group::new("Documentation", &["docs"]),
                Group::new("Refactoring", &["refactor"]),
            ],
            breaking_title: Some("Breaking Changes".to_owned()),
            other_title: None,
            remote: None,
            drop_reverted: true,
            fold_identical: true,
            order: Order::Oldest,
        }
    }
}

fn short(id: &str) -> String {
    id.get(..7).unwrap_or(id).to_owned()
}

fn commit_ref(id: &str, remote: Option<&Remote>) -> CommitRef {
    CommitRef {
        id: id.to_owned(),
        short: short(id),
        url: remote.map(|r| r.commit_url(id)),
    }
}

/// `#123` references in free text: `#` after a non-word character, then digits.
pub(crate) fn hash_refs(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let prev_ok = i == 0
            || bytes
                .get(i - 1)
                .is_some_and(|p| !p.is_ascii_alphanumeric() && *p != b'_' && *p != b'&');
        if b == b'#' && prev_ok {
            let digits: String = text
                .get(i + 1..)
                .unwrap_or_default()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let end = i + 1 + digits.len();
            let next_ok = bytes
                .get(end)
                .is_none_or(|n| !n.is_ascii_alphanumeric() && *n != b'_');
            if !digits.is_empty() && next_ok {
                i = end;
                out.push(digits);
                continue;
            }
        }
        i += 1;
    }
    out
}

/// What a revert commit reverts: commit ids (prefixes) and subjects.
struct Reverted {
    ids: Vec<String>,
    subjects: Vec<String>,
}

fn reverted(c: &Commit) -> Option<Reverted> {
    let subject = c.subject();
    let git_revert = subject
        .strip_prefix("Revert \"")
        .and_then(|s| s.strip_suffix('"'));
    let conventional = c
        .classification
        .conventional()
        .filter(|cc| cc.kind == "revert");
    if git_revert.is_none() && conventional.is_none() {
        return None;
    }
    let mut ids = Vec::new();
    for line in c.message.lines() {
        if let Some(rest) = line.trim().strip_prefix("This reverts commit ") {
            let id: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
            if id.len() >= 7 {
                ids.push(id.to_ascii_lowercase());
            }
        }
    }
    let mut subjects = Vec::new();
    if let Some(s) = git_revert {
        subjects.push(s.to_owned());
    }
    if let Some(cc) = conventional {
        subjects.push(cc.description.clone());
        for value in cc.footer_values("Refs") {
            for word in value.split(|ch: char| ch == ',' || ch.is_whitespace()) {
                if word.len() >= 7 && word.chars().all(|ch| ch.is_ascii_hexdigit()) {
                    ids.push(word.to_ascii_lowercase());
                }
            }
        }
    }
    Some(Reverted { ids, subjects })
}

/// The commits of a release left after reverts inside it are dropped.
fn without_reverted(commits: &[Commit]) -> Vec<&Commit> {
    let mut dropped: HashSet<usize> = HashSet::new();
    for (i, c) in commits.iter().enumerate() {
        let Some(r) = reverted(c) else { continue };
        let target = commits.iter().enumerate().find(|(j, other)| {
            *j != i
                && !dropped.contains(j)
                && (r.ids.iter().any(|id| other.id.starts_with(id.as_str()))
                    || r.subjects.iter().any(|s| s == other.subject()))
        });
        if let Some((j, _)) = target {
            dropped.insert(i);
            dropped.insert(j);
        }
    }
    commits
        .iter()
        .enumerate()
        .filter(|(i, _)| !dropped.contains(i))
        .map(|(_, c)| c)
        .collect()
}

fn references(c: &Commit, remote: Option<&Remote>) -> Vec<Reference> {
    let mut refs: Vec<Reference> = Vec::new();
    let mut push = |number: String, action: Option<String>| {
        if !refs.iter().any(|r| r.number == number) {
            refs.push(Reference {
                url: remote.map(|r| r.issue_url(&number)),
                number,
                action,
            });
        }
    };
    let description = match &c.classification {
        Classification::Conventional(cc) => cc.description.as_str(),
        Classification::Other { subject, .. } => subject.as_str(),
    };
    for n in hash_refs(description) {
        push(n, None);
    }
    if let Some(cc) = c.classification.conventional() {
        for f in cc.footers.iter().filter(|f| !f.is_breaking()) {
            let numbers = match f.separator {
                FooterSeparator::Hash => {
                    let n: String = f.value.chars().take_while(char::is_ascii_digit).collect();
                    if n.is_empty() { vec![] } else { vec![n] }
                }
                FooterSeparator::Colon => hash_refs(&f.value),
            };
            for n in numbers {
                push(n, Some(f.token.clone()));
            }
        }
    }
    refs
}

/// The entry a commit makes: type, scope, description.
fn entry_of(c: &Commit, remote: Option<&Remote>) -> Entry {
    let (kind, scope, description, breaking, body) = match &c.classification {
        Classification::Conventional(cc) => (
            cc.kind.clone(),
            cc.scope.clone(),
            cc.description.clone(),
            cc.breaking,
            cc.body.clone(),
        ),
        Classification::Other { subject, .. } => {
            match subject
                .strip_prefix("Revert \"")
                .and_then(|s| s.strip_suffix('"'))
            {
                Some(inner) => ("revert".to_owned(), None, inner.to_owned(), false, None),
                None => ("other".to_owned(), None, subject.clone(), false, None),
            }
        }
    };
    Entry {
        kind,
        scope,
        description,
        breaking,
        body,
        commits: vec![commit_ref(&c.id, remote)],
        references: references(c, remote),
    }
}

fn build_release(input: &ReleaseInput, options: &Options) -> Release {
    let remote = options.remote.as_ref();
    let kept: Vec<&Commit> = if options.drop_reverted {
        without_reverted(&input.commits)
    } else {
        input.commits.iter().collect()
    };
    let mut ordered = kept;
    if options.order == Order::Oldest {
        ordered.reverse();
    }

    let mut breaking = Vec::new();
    // Entries per group index; the "other" section is groups.len().
    let mut buckets: BTreeMap<usize, Vec<Entry>> = BTreeMap::new();
    let mut seen_subjects: BTreeMap<(usize, String), usize> = BTreeMap::new();
    for c in ordered {
        if let Some(cc) = c.classification.conventional()
            && cc.breaking
        {
            breaking.push(BreakingNote {
                scope: cc.scope.clone(),
                description: cc
                    .breaking_description
                    .clone()
                    .unwrap_or_else(|| cc.description.clone()),
                commit: commit_ref(&c.id, remote),
            });
        }
        let entry = entry_of(c, remote);
        let group = if entry.kind == "other" {
            if options.other_title.is_none() {
                continue;
            }
            options.groups.len()
        } else {
            match options
                .groups
                .iter()
                .position(|g| g.types.iter().any(|t| t == &entry.kind))
            {
                Some(g) => g,
                None => continue,
            }
        };
        let bucket = buckets.entry(group).or_default();
        if options.fold_identical {
            let key = (group, c.subject().to_owned());
            if let Some(&at) = seen_subjects.get(&key)
                && let Some(existing) = bucket.get_mut(at)
            {
                existing.commits.extend(entry.commits);
                for r in entry.references {
                    if !existing.references.iter().any(|e| e.number == r.number) {
                        existing.references.push(r);
                    }
                }
                continue;
            }
            seen_subjects.insert(key, bucket.len());
        }
        bucket.push(entry);
    }
    let mut sections = Vec::new();
    for (g, entries) in buckets {
        let title = match options.groups.get(g) {
            Some(group) => group.title.clone(),
            None => options.other_title.clone().unwrap_or_default(),
        };
        sections.push(Section { title, entries });
    }
    if options.breaking_title.is_none() {
        breaking.clear();
    }
    let compare_url = match (remote, &input.previous_tag) {
        (Some(r), Some(prev)) => Some(r.compare_url(prev, input.tag.as_deref().unwrap_or("HEAD"))),
        _ => None,
    };
    Release {
        version: input.version.as_ref().map(ToString::to_string),
        title: input
            .version
            .as_ref()
            .map_or_else(|| "Unreleased".to_owned(), ToString::to_string),
        tag: input.tag.clone(),
        date: input.date.map(|d| d.to_string()),
        previous_tag: input.previous_tag.clone(),
        compare_url,
        breaking,
        sections,
        commit_count: input.commits.len(),
    }
}

/// Build the changelog of `releases`: newest first (Unreleased on top, then
/// by SemVer precedence, never as text), each with its sections.
///
/// ```
/// use relkit_changelog::{build, Commit, Options, ReleaseInput};
///
/// let release = ReleaseInput {
///     version: Some("1.2.0".parse()?),
///     commits: vec![
///         Commit::new("b".repeat(40), "fix(parser): handle empty input\n\nCloses #45"),
///         Commit::new("a".repeat(40), "feat!: drop the v1 API"),
///         Commit::new("c".repeat(40), "chore: tidy"),
///     ],
///     ..Default::default()
/// };
/// let log = build(&[release], &Options::default());
/// let r = &log.releases[0];
/// assert_eq!(r.breaking[0].description, "drop the v1 API");
/// let titles: Vec<&str> = r.sections.iter().map(|s| s.title.as_str()).collect();
/// assert_eq!(titles, ["Features", "Bug Fixes"]); // chore is hidden
/// assert_eq!(r.sections[1].entries[0].references[0].number, "45");
/// # Ok::<(), semver::Error>(())
/// ```
pub fn build(releases: &[ReleaseInput], options: &Options) -> Changelog {
    let mut order: Vec<&ReleaseInput> = releases.iter().collect();
    order.sort_by(|a, b| match (&a.version, &b.version) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => y.cmp_precedence(x).then_with(|| b.tag.cmp(&a.tag)),
    });
    Changelog {
        schema: 1,
        releases: order
            .into_iter()
            .map(|r| build_release(r, options))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_references() {
        assert_eq!(
            hash_refs("fix #12 and (#3), not a#4 or #5x or &#39;"),
            ["12", "3"]
        );
        assert_eq!(hash_refs("#1"), ["1"]);
        assert!(hash_refs("# heading").is_empty());
    }
}
