//! Reading an existing CHANGELOG.md, and updating it without touching what
//! people wrote by hand.

use std::ops::Range;

use semver::Version;

use crate::{Error, Result};

/// A release section found in a changelog file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The heading's title: the version as written, or `Unreleased`.
    pub title: String,
    /// The version (a leading `v` dropped); `None` for Unreleased.
    pub version: Option<Version>,
    /// A `YYYY-MM-DD` date on the heading line, if any.
    pub date: Option<String>,
    /// Byte range of the heading line (without its newline).
    pub heading: Range<usize>,
    /// Byte range of the whole section: from its heading to the next
    /// release heading (or the link definitions, or the end).
    pub range: Range<usize>,
}

/// A section of a release as parsed back: its title and its list items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSection {
    /// `Features`, `Bug Fixes`, …
    pub title: String,
    /// The text of each item, without `- `; continuation lines joined with `\n`.
    pub items: Vec<String>,
}

/// A changelog file, parsed: the header, the release sections, the link
/// definitions at the end. Everything else is kept as it is.
///
/// ```
/// use relkit_changelog::Document;
///
/// let text = concat!(
///     "# Changelog\n\n## [Unreleased]\n\n## [1.10.0] - 2026-02-01\n\n### Features\n\n- a\n\n",
///     "## [1.9.0] - 2026-01-01\n\n- b\n\n[1.10.0]: https://x/compare/v1.9.0...v1.10.0\n",
/// );
/// let doc = Document::parse(text);
/// let titles: Vec<&str> = doc.blocks().iter().map(|b| b.title.as_str()).collect();
/// assert_eq!(titles, ["Unreleased", "1.10.0", "1.9.0"]);
/// assert_eq!(doc.notes("1.10.0")?, "### Features\n\n- a");
/// # Ok::<(), relkit_changelog::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document<'a> {
    text: &'a str,
    header_end: usize,
    blocks: Vec<Block>,
    links: Option<Range<usize>>,
}

/// Lines of `text` with their byte ranges (without the line break).
fn lines_with_ranges(text: &str) -> Vec<(Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for piece in text.split_inclusive('\n') {
        let end = start + piece.len();
        let line = piece.strip_suffix('\n').unwrap_or(piece);
        let line = line.strip_suffix('\r').unwrap_or(line);
        out.push((start..start + line.len(), line));
        start = end;
    }
    out
}

/// A fence opener or closer: up to three spaces, then three or more of
/// the same `` ` `` or `~`. Returns the character and the run's length.
fn fence(line: &str) -> Option<(u8, usize)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = line.get(indent..)?;
    let c = *rest.as_bytes().first()?;
    if c != b'`' && c != b'~' {
        return None;
    }
    let run = rest.bytes().take_while(|b| *b == c).count();
    (run >= 3).then_some((c, run))
}

/// Which lines are inside a fenced code block (the fences included). A
/// closer uses the opener's character, at least as many times, and nothing
/// else; a fence that never closes is taken as text, so that a stray fence
/// cannot hide the releases below it.
fn fenced_lines(lines: &[(Range<usize>, &str)]) -> Vec<bool> {
    let mut out = vec![false; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        let Some((c, run)) = lines.get(i).and_then(|(_, l)| fence(l)) else {
            i += 1;
            continue;
        };
        let close = (i + 1..lines.len()).find(|&j| {
            lines.get(j).is_some_and(|(_, l)| {
                fence(l).is_some_and(|(c2, run2)| {
                    c2 == c && run2 >= run && l.trim().bytes().all(|b| b == c)
                })
            })
        });
        match close {
            Some(j) => {
                for slot in out.iter_mut().take(j + 1).skip(i) {
                    *slot = true;
                }
                i = j + 1;
            }
            None => i += 1,
        }
    }
    out
}

fn is_link_definition(line: &str) -> bool {
    line.starts_with('[')
        && line
            .find("]: ")
            .is_some_and(|i| i > 1 && !line.get(i + 3..).unwrap_or_default().trim().is_empty())
}

fn find_date(text: &str) -> Option<String> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(9)).find_map(|i| {
        let w = b.get(i..i + 10)?;
        let shape = w.iter().enumerate().all(|(k, c)| match k {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
        let before_ok = i == 0 || b.get(i - 1).is_some_and(|c| !c.is_ascii_digit());
        let after_ok = b.get(i + 10).is_none_or(|c| !c.is_ascii_digit());
        (shape && before_ok && after_ok).then(|| text.get(i..i + 10).map(str::to_owned))?
    })
}

/// The title and version of a release heading, or `None` for another `##` heading.
fn release_title(line: &str) -> Option<(String, Option<Version>, Option<String>)> {
    let rest = line.strip_prefix("## ")?.trim();
    let (title, after) = if let Some(inner) = rest.strip_prefix('[') {
        let end = inner.find(']')?;
        (inner.get(..end)?, inner.get(end + 1..).unwrap_or_default())
    } else {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        (rest.get(..end)?, rest.get(end..).unwrap_or_default())
    };
    let title = title.trim();
    if title.eq_ignore_ascii_case("unreleased") {
        return Some((title.to_owned(), None, None));
    }
    let bare = title.strip_prefix('v').unwrap_or(title);
    let version = Version::parse(bare).ok()?;
    Some((title.to_owned(), Some(version), find_date(after)))
}

impl<'a> Document<'a> {
    /// Parse a changelog. Release headings are `## ` lines whose title is a
    /// SemVer version (optionally in brackets, with a `v`, a link, a date)
    /// or `Unreleased`; headings inside fenced code blocks are not.
    pub fn parse(text: &'a str) -> Self {
        let lines = lines_with_ranges(text);
        // The link definitions at the end: the trailing run of definition
        // and blank lines, if it holds a definition.
        let mut links_start = None;
        for (range, line) in lines.iter().rev() {
            if is_link_definition(line) {
                links_start = Some(range.start);
            } else if !line.trim().is_empty() {
                break;
            }
        }
        let body_end = links_start.unwrap_or(text.len());
        let fenced = fenced_lines(&lines);
        let mut blocks: Vec<Block> = Vec::new();
        let mut header_end = body_end;
        for ((range, line), in_fence) in lines.iter().zip(fenced) {
            if range.start >= body_end {
                break;
            }
            if in_fence {
                continue;
            }
            let Some((title, version, date)) = release_title(line) else {
                continue;
            };
            if let Some(last) = blocks.last_mut() {
                last.range.end = range.start;
            } else {
                header_end = range.start;
            }
            blocks.push(Block {
                title,
                version,
                date,
                heading: range.clone(),
                range: range.start..body_end,
            });
        }
        Document {
            text,
            header_end,
            blocks,
            links: links_start.map(|s| s..text.len()),
        }
    }

    /// The text before the first release.
    pub fn header(&self) -> &'a str {
        self.text.get(..self.header_end).unwrap_or_default()
    }

    /// The release sections, in file order.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// The versions the file has (Unreleased left out).
    pub fn versions(&self) -> Vec<&Version> {
        self.blocks
            .iter()
            .filter_map(|b| b.version.as_ref())
            .collect()
    }

    /// The block of `version` (`1.2.0` or `v1.2.0`; build metadata ignored),
    /// or of `Unreleased`.
    pub fn block(&self, version: &str) -> Option<&Block> {
        let want = version.trim().strip_prefix('v').unwrap_or(version.trim());
        if want.eq_ignore_ascii_case("unreleased") {
            return self.blocks.iter().find(|b| b.version.is_none());
        }
        let want = Version::parse(want).ok();
        self.blocks.iter().find(|b| match (&b.version, &want) {
            (Some(v), Some(w)) => v.cmp_precedence(w).is_eq(),
            _ => false,
        })
    }

    /// The notes of one release: its section without the heading, trimmed,
    /// as a forge's release page wants them.
    ///
    /// # Errors
    ///
    /// [`Error::VersionNotFound`], listing the versions the file has.
    pub fn notes(&self, version: &str) -> Result<&'a str> {
        let block = self.block(version).ok_or_else(|| Error::VersionNotFound {
            version: version.to_owned(),
            available: self
                .blocks
                .iter()
                .map(|b| b.title.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
        Ok(self
            .text
            .get(block.heading.end..block.range.end)
            .unwrap_or_default()
            .trim())
    }

    /// The sections and items of one block, as parsed back from Markdown.
    pub fn sections(&self, block: &Block) -> Vec<ParsedSection> {
        let body = self
            .text
            .get(block.heading.end..block.range.end)
            .unwrap_or_default();
        let mut out: Vec<ParsedSection> = Vec::new();
        let mut in_item = false;
        for line in body.lines() {
            if let Some(title) = line.strip_prefix("### ") {
                out.push(ParsedSection {
                    title: title.trim().to_owned(),
                    items: Vec::new(),
                });
                in_item = false;
            } else if let Some(item) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
                if out.is_empty() {
                    out.push(ParsedSection {
                        title: String::new(),
                        items: Vec::new(),
                    });
                }
                if let Some(s) = out.last_mut() {
                    s.items.push(item.trim_end().to_owned());
                }
                in_item = true;
            } else if in_item && line.starts_with("  ") && !line.trim().is_empty() {
                if let Some(item) = out.last_mut().and_then(|s| s.items.last_mut()) {
                    item.push('\n');
                    item.push_str(line.trim());
                }
            } else if !line.trim().is_empty() {
                in_item = false;
            }
        }
        out
    }

    /// Update the file with newly generated releases.
    ///
    /// `releases` are `(version, markdown)` pairs, newest first; `None` is a
    /// new Unreleased section. They replace the Unreleased section of the
    /// file if it has one, or go above its newest release, or below the
    /// header. A version the file has already is never written twice (it is
    /// listed in [`Update::skipped`]). `links` are `(label, url)`
    /// definitions for the new releases: added at the top of the file's link
    /// definitions (the `Unreleased` one replaced). Every other byte stays
    /// as it was.
    pub fn update(
        &self,
        releases: &[(Option<Version>, String)],
        links: &[(String, String)],
    ) -> Update {
        let mut skipped = Vec::new();
        let mut inserted = Vec::new();
        let mut new_text = String::new();
        for (version, markdown) in releases {
            if let Some(v) = version
                && self
                    .versions()
                    .iter()
                    .any(|have| have.cmp_precedence(v).is_eq())
            {
                skipped.push(v.to_string());
                continue;
            }
            inserted.push(
                version
                    .as_ref()
                    .map_or_else(|| "Unreleased".to_owned(), ToString::to_string),
            );
            new_text.push_str(markdown.trim_end());
            new_text.push_str("\n\n");
        }
        let unreleased = self.blocks.iter().find(|b| b.version.is_none());
        let mut out = String::with_capacity(self.text.len() + new_text.len() + 256);
        let (cut, resume) = match (unreleased, self.blocks.first()) {
            (Some(u), _) if !inserted.is_empty() => (u.range.start, u.range.end),
            (_, Some(first)) => (first.range.start, first.range.start),
            (_, None) => (self.header_end, self.header_end),
        };
        let before = self.text.get(..cut).unwrap_or_default();
        out.push_str(before);
        if !new_text.is_empty() {
            if !before.is_empty() && !before.ends_with("\n\n") {
                out.push_str(if before.ends_with('\n') { "\n" } else { "\n\n" });
            }
            out.push_str(&new_text);
        }
        let body_end = self.links.as_ref().map_or(self.text.len(), |l| l.start);
        let rest = self.text.get(resume..body_end).unwrap_or_default();
        if new_text.is_empty() || !rest.is_empty() {
            out.push_str(rest);
        } else {
            // Nothing followed: the file ends after the new releases.
            out.truncate(out.trim_end().len());
            out.push('\n');
        }
        let new_links: Vec<&(String, String)> = links
            .iter()
            .filter(|(label, _)| {
                label.eq_ignore_ascii_case("unreleased") || inserted.iter().any(|i| i == label)
            })
            .collect();
        match &self.links {
            Some(range) => {
                let existing = self.text.get(range.clone()).unwrap_or_default();
                let mut defs = String::new();
                for (label, url) in &new_links {
                    let prefix = format!("[{label}]: ");
                    if label.eq_ignore_ascii_case("unreleased") && existing.contains(&prefix) {
                        continue;
                    }
                    defs.push_str(&format!("{prefix}{url}\n"));
                }
                out.push_str(&defs);
                let unreleased_url = new_links
                    .iter()
                    .find(|(l, _)| l.eq_ignore_ascii_case("unreleased"))
                    .map(|(l, u)| (format!("[{l}]: "), u));
                for piece in existing.split_inclusive('\n') {
                    match &unreleased_url {
                        Some((prefix, url)) if piece.starts_with(prefix.as_str()) => {
                            out.push_str(&format!("{prefix}{url}\n"));
                        }
                        _ => out.push_str(piece),
                    }
                }
            }
            None if !new_links.is_empty() => {
                if !out.ends_with("\n\n") {
                    out.push('\n');
                }
                for (label, url) in new_links {
                    out.push_str(&format!("[{label}]: {url}\n"));
                }
            }
            None => {}
        }
        Update {
            text: out,
            inserted,
            skipped,
        }
    }
}

/// What [`Document::update`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// The new text of the file.
    pub text: String,
    /// The releases written (versions, or `Unreleased`).
    pub inserted: Vec<String>,
    /// The versions not written because the file has them already.
    pub skipped: Vec<String>,
}
