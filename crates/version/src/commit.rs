//! Classification of commit messages as Conventional Commits 1.0.0.

use semver::Version;

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

/// How a footer token is separated from its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum FooterSeparator {
    /// `Token: value`
    Colon,
    /// `Token #value`, for references such as `Fixes #42`.
    Hash,
}

impl FooterSeparator {
    /// The separator as it is written in a message: `": "` or `" #"`.
    pub fn as_str(self) -> &'static str {
        match self {
            FooterSeparator::Colon => ": ",
            FooterSeparator::Hash => " #",
        }
    }
}

/// One footer (git trailer) of a Conventional Commit, such as `Refs: #12`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Footer {
    /// The token, as written (`BREAKING CHANGE`, `Reviewed-by`, `Fixes`).
    pub token: String,
    /// The separator between token and value.
    pub separator: FooterSeparator,
    /// The value; it may span several lines.
    pub value: String,
}

impl Footer {
    /// Whether this footer announces a breaking change
    /// (`BREAKING CHANGE` or its synonym `BREAKING-CHANGE`).
    pub fn is_breaking(&self) -> bool {
        self.token == "BREAKING CHANGE" || self.token == "BREAKING-CHANGE"
    }
}

/// A message that parses as a Conventional Commit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct ConventionalCommit {
    /// The type, lower-cased (`feat`, `fix`, …); types are case-insensitive.
    #[cfg_attr(feature = "serde", serde(rename = "type"))]
    pub kind: String,
    /// The scope in parentheses, if any.
    pub scope: Option<String>,
    /// Whether the commit is breaking, by `!` or by a breaking-change footer.
    pub breaking: bool,
    /// What breaks: the breaking-change footer's value, or the description
    /// when only `!` marks the commit.
    pub breaking_description: Option<String>,
    /// The description after `type(scope): `.
    pub description: String,
    /// The body between the subject and the footers, if any.
    pub body: Option<String>,
    /// The footers, in order.
    pub footers: Vec<Footer>,
}

impl ConventionalCommit {
    /// The values of every footer whose token equals `token`, ignoring ASCII case.
    pub fn footer_values<'a>(&'a self, token: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.footers
            .iter()
            .filter(move |f| f.token.eq_ignore_ascii_case(token))
            .map(|f| f.value.as_str())
    }

    /// The raw value of the last `Release-As:` footer, if the commit has one.
    pub fn release_as(&self) -> Option<&str> {
        self.footer_values("Release-As").last().map(str::trim)
    }
}

/// What a commit message is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
pub enum Classification {
    /// A Conventional Commit.
    Conventional(ConventionalCommit),
    /// Anything else: a merge subject, "WIP", a message with a malformed
    /// header. Counted and reported; it never stops a release.
    Other {
        /// The first line of the message.
        subject: String,
        /// Why the message is not a Conventional Commit.
        reason: String,
    },
}

impl Classification {
    /// The Conventional Commit, if the message is one.
    pub fn conventional(&self) -> Option<&ConventionalCommit> {
        match self {
            Classification::Conventional(c) => Some(c),
            Classification::Other { .. } => None,
        }
    }
}

/// Classify a commit message.
///
/// Trailing white space (git's final newline) is ignored. A message that does
/// not follow the specification becomes [`Classification::Other`] with the
/// parser's reason.
///
/// ```
/// use relkit_version::{classify, Classification};
///
/// let c = classify("feat(api)!: drop v1 endpoints\n\nRefs: #12\n");
/// let c = c.conventional().unwrap();
/// assert_eq!((c.kind.as_str(), c.scope.as_deref(), c.breaking), ("feat", Some("api"), true));
/// assert!(matches!(classify("Merge branch 'x'"), Classification::Other { .. }));
/// ```
pub fn classify(message: &str) -> Classification {
    let message = message.trim_end();
    let subject = message.lines().next().unwrap_or_default();
    // The specification asks for a colon AND a space after the prefix;
    // git-conventional also takes `feat:x`, which we do not.
    if let Some(i) = subject.find(':')
        && !subject
            .get(i + 1..)
            .is_some_and(|rest| rest.starts_with(' '))
    {
        return Classification::Other {
            subject: subject.to_owned(),
            reason: "the prefix must end with a colon and a space (`type: description`)".to_owned(),
        };
    }
    match git_conventional::Commit::parse(message) {
        Ok(c) => {
            let footers = c
                .footers()
                .iter()
                .map(|f| Footer {
                    token: f.token().as_str().to_owned(),
                    separator: match f.separator() {
                        git_conventional::FooterSeparator::Ref => FooterSeparator::Hash,
                        _ => FooterSeparator::Colon,
                    },
                    value: f.value().to_owned(),
                })
                .collect();
            Classification::Conventional(ConventionalCommit {
                kind: c.type_().as_str().to_ascii_lowercase(),
                scope: c.scope().map(|s| s.as_str().to_owned()),
                breaking: c.breaking(),
                breaking_description: c.breaking_description().map(str::to_owned),
                description: c.description().to_owned(),
                body: c.body().map(str::to_owned),
                footers,
            })
        }
        Err(e) => Classification::Other {
            subject: subject.to_owned(),
            reason: e.kind().to_string(),
        },
    }
}

/// A classified commit: its id and what its message says.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Commit {
    /// The commit id (any form the caller likes; errors quote it).
    pub id: String,
    /// The classified message.
    pub classification: Classification,
}

impl Commit {
    /// Classify `message` as the commit `id`.
    pub fn new(id: impl Into<String>, message: &str) -> Self {
        Commit {
            id: id.into(),
            classification: classify(message),
        }
    }

    /// The `Release-As` version requested by this commit, if any.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidReleaseAs`] when the footer is not SemVer.
    pub fn release_as(&self) -> crate::Result<Option<Version>> {
        let Some(raw) = self
            .classification
            .conventional()
            .and_then(ConventionalCommit::release_as)
        else {
            return Ok(None);
        };
        let value = raw.strip_prefix('v').unwrap_or(raw);
        Version::parse(value)
            .map(Some)
            .map_err(|e| crate::Error::InvalidReleaseAs {
                commit: self.id.clone(),
                value: raw.to_owned(),
                reason: e.to_string(),
            })
    }
}
