//! Tag patterns: from a tag name to (package, version) and back.

use std::fmt;
use std::str::FromStr;

use semver::Version;

use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Package,
    Version,
}

/// A pattern that tag names of releases follow, such as `v{version}`,
/// `{version}`, `{package}-v{version}` or `{package}@{version}`.
///
/// `{version}` must appear exactly once, `{package}` at most once, and a
/// literal must separate the two.
///
/// ```
/// use relkit_version::TagPattern;
/// use semver::Version;
///
/// let p: TagPattern = "{package}-v{version}".parse()?;
/// let tag = p.parse("relkit-version-v1.2.0-rc.1").unwrap();
/// assert_eq!(tag.package, Some("relkit-version"));
/// assert_eq!(tag.version, Version::parse("1.2.0-rc.1")?);
/// assert_eq!(p.format(Some("relkit-git"), &Version::new(0, 3, 0)), "relkit-git-v0.3.0");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagPattern {
    raw: String,
    parts: Vec<Part>,
}

/// A tag name read through a [`TagPattern`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedTag<'a> {
    /// The package, when the pattern has `{package}`.
    pub package: Option<&'a str>,
    /// The version.
    pub version: Version,
}

impl TagPattern {
    /// The pattern `v{version}`.
    pub fn v_prefixed() -> Self {
        TagPattern {
            raw: "v{version}".to_owned(),
            parts: vec![Part::Literal("v".to_owned()), Part::Version],
        }
    }

    /// Read a pattern.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTagPattern`] when `{version}` is missing or repeated,
    /// `{package}` is repeated or touches `{version}`, a placeholder is
    /// unknown, or a literal holds a character git forbids in tag names.
    pub fn new(pattern: &str) -> Result<Self> {
        let err = |reason: &str| Error::InvalidTagPattern {
            pattern: pattern.to_owned(),
            reason: reason.to_owned(),
        };
        let mut parts = Vec::new();
        let mut rest = pattern;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('{') {
                let end = after.find('}').ok_or_else(|| err("a '{' is not closed"))?;
                let name = after.get(..end).unwrap_or_default();
                parts.push(match name {
                    "version" => Part::Version,
                    "package" => Part::Package,
                    other => {
                        return Err(err(&format!(
                            "unknown placeholder {{{other}}}; use {{version}} and {{package}}"
                        )));
                    }
                });
                rest = after.get(end + 1..).unwrap_or_default();
            } else {
                let end = rest.find('{').unwrap_or(rest.len());
                let lit = rest.get(..end).unwrap_or_default();
                if lit.contains('}') {
                    return Err(err("a '}' has no matching '{'"));
                }
                if let Some(c) = lit
                    .chars()
                    .find(|c| c.is_whitespace() || c.is_control() || "~^:?*[\\".contains(*c))
                {
                    return Err(err(&format!("{c:?} is not allowed in a git tag name")));
                }
                if lit.contains("..") || lit.contains("@{") {
                    return Err(err("'..' and '@{' are not allowed in a git tag name"));
                }
                parts.push(Part::Literal(lit.to_owned()));
                rest = rest.get(end..).unwrap_or_default();
            }
        }
        let versions = parts.iter().filter(|p| **p == Part::Version).count();
        let packages = parts.iter().filter(|p| **p == Part::Package).count();
        if versions != 1 {
            return Err(err("{version} must appear exactly once"));
        }
        if packages > 1 {
            return Err(err("{package} may appear at most once"));
        }
        if parts.windows(2).any(|w| {
            matches!(
                w,
                [Part::Package, Part::Version] | [Part::Version, Part::Package]
            )
        }) {
            return Err(err("{package} and {version} need a separator between them"));
        }
        Ok(TagPattern {
            raw: pattern.to_owned(),
            parts,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Whether the pattern has a `{package}` placeholder.
    pub fn has_package(&self) -> bool {
        self.parts.contains(&Part::Package)
    }

    /// Read a tag name. `None` when it does not follow the pattern or its
    /// version is not SemVer: such tags are not releases and are skipped.
    pub fn parse<'t>(&self, tag: &'t str) -> Option<ParsedTag<'t>> {
        let mut out = ParsedTag {
            package: None,
            version: Version::new(0, 0, 0),
        };
        match_parts(&self.parts, tag, &mut out).then_some(out)
    }

    /// Read a tag name of one package: `None` unless it follows the pattern
    /// and names `package` (any package when the pattern has no `{package}`).
    pub fn parse_for(&self, tag: &str, package: &str) -> Option<Version> {
        let parsed = self.parse(tag)?;
        match parsed.package {
            Some(p) if p != package => None,
            _ => Some(parsed.version),
        }
    }

    /// The tag name of `version` (and `package`, when the pattern has one).
    pub fn format(&self, package: Option<&str>, version: &Version) -> String {
        let mut s = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(l) => s.push_str(l),
                Part::Package => s.push_str(package.unwrap_or_default()),
                Part::Version => s.push_str(&version.to_string()),
            }
        }
        s
    }
}

fn valid_package(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Match `parts` against all of `text`, trying every split of a placeholder
/// from left to right (at most two placeholders, so this stays cheap).
fn match_parts<'t>(parts: &[Part], text: &'t str, out: &mut ParsedTag<'t>) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return text.is_empty();
    };
    match first {
        Part::Literal(l) => text
            .strip_prefix(l.as_str())
            .is_some_and(|t| match_parts(rest, t, out)),
        Part::Package | Part::Version => {
            let mut candidates: Vec<usize> = match rest.first() {
                None => vec![text.len()],
                Some(Part::Literal(l)) => text.match_indices(l.as_str()).map(|(i, _)| i).collect(),
                // The constructor forbids adjacent placeholders.
                Some(_) => return false,
            };
            if rest.is_empty() {
                candidates.truncate(1);
            }
            for end in candidates {
                let (Some(value), Some(after)) = (text.get(..end), text.get(end..)) else {
                    continue;
                };
                let ok = match first {
                    Part::Package => {
                        if !valid_package(value) {
                            continue;
                        }
                        out.package = Some(value);
                        true
                    }
                    _ => match Version::parse(value) {
                        Ok(v) => {
                            out.version = v;
                            true
                        }
                        Err(_) => false,
                    },
                };
                if ok && match_parts(rest, after, out) {
                    return true;
                }
            }
            false
        }
    }
}

impl FromStr for TagPattern {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        TagPattern::new(s)
    }
}

impl fmt::Display for TagPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl Default for TagPattern {
    fn default() -> Self {
        TagPattern::v_prefixed()
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for TagPattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for TagPattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        TagPattern::new(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let cases = [
            ("v{version}", "v1.2.3", None, "1.2.3"),
            ("{version}", "1.2.3-rc.1+b.5", None, "1.2.3-rc.1+b.5"),
            (
                "{package}-v{version}",
                "my-vite-v2.0.0",
                Some("my-vite"),
                "2.0.0",
            ),
            ("{package}-v{version}", "a-v1.0.0-v2", Some("a"), "1.0.0-v2"),
            (
                "{package}@{version}",
                "@vitejs/plugin-vue@5.0.0",
                Some("@vitejs/plugin-vue"),
                "5.0.0",
            ),
            (
                "release/{version}/final",
                "release/1.0.0/final",
                None,
                "1.0.0",
            ),
        ];
        for (pat, tag, pkg, ver) in cases {
            let p = TagPattern::new(pat).unwrap();
            let parsed = p.parse(tag).unwrap_or_else(|| panic!("{pat} on {tag}"));
            assert_eq!(parsed.package, pkg, "{pat} on {tag}");
            assert_eq!(parsed.version.to_string(), ver);
            assert_eq!(p.format(parsed.package, &parsed.version), tag);
        }
    }

    #[test]
    fn non_releases_are_skipped() {
        let p = TagPattern::v_prefixed();
        for tag in [
            "v1.2", "1.2.3", "v1.2.3.4", "vnext", "v01.2.3", "v1.2.3-", "",
        ] {
            assert!(p.parse(tag).is_none(), "{tag}");
        }
        let p = TagPattern::new("{package}-v{version}").unwrap();
        assert!(p.parse("-v1.0.0").is_none());
        assert_eq!(p.parse_for("a-v1.0.0", "b"), None);
        assert_eq!(p.parse_for("a-v1.0.0", "a"), Some(Version::new(1, 0, 0)));
    }

    #[test]
    fn bad_patterns() {
        for (pat, needle) in [
            ("v", "exactly once"),
            ("{version}{version}", "exactly once"),
            ("{package}{version}", "separator"),
            ("{pkg}-{version}", "unknown placeholder"),
            ("v {version}", "not allowed"),
            ("v{version", "not closed"),
            ("v}{version}", "no matching"),
            ("{package}-{package}-{version}", "at most once"),
        ] {
            let e = TagPattern::new(pat).unwrap_err().to_string();
            assert!(e.contains(needle) && e.contains(pat), "{pat}: {e}");
        }
    }
}
