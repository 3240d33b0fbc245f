//! Links to a forge's pages for commits, compare ranges and issues.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The kind of forge a repository lives on, which decides the link shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Flavor {
    /// github.com or GitHub Enterprise.
    GitHub,
    /// gitlab.com or a self-hosted GitLab.
    GitLab,
    /// Gitea, Forgejo (Codeberg).
    Gitea,
    /// bitbucket.org.
    Bitbucket,
}

/// A repository on a forge: where its web pages are.
///
/// ```
/// use relkit_changelog::{Flavor, Remote};
///
/// let r = Remote::parse("git@gitlab.com:group/sub/project.git", None)?;
/// assert_eq!(r.flavor, Flavor::GitLab);
/// assert_eq!(r.commit_url("3f2a1c9"), "https://gitlab.com/group/sub/project/-/commit/3f2a1c9");
/// assert_eq!(r.compare_url("v1.1.0", "v1.2.0"), "https://gitlab.com/group/sub/project/-/compare/v1.1.0...v1.2.0");
/// # Ok::<(), relkit_changelog::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remote {
    /// The forge's kind.
    pub flavor: Flavor,
    /// `https://host/owner/repo`, without `.git` or a trailing slash.
    pub base: String,
}

impl Remote {
    /// Read a remote URL in https, `ssh://` or scp-like (`git@host:path`)
    /// form. The flavor is guessed from the host (github.com, any host with
    /// "gitlab", bitbucket.org, codeberg.org or a host with "gitea" or
    /// "forgejo") unless given.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRemote`] when there is no host or no path, or the
    /// flavor cannot be guessed.
    pub fn parse(url: &str, flavor: Option<Flavor>) -> Result<Remote> {
        let bad = |reason: &str| Error::InvalidRemote {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let url = url.trim();
        let (host, path) = if let Some((scheme, rest)) = url.split_once("://") {
            if !matches!(
                scheme,
                "https" | "http" | "ssh" | "git" | "git+ssh" | "ssh+git"
            ) {
                return Err(bad("the scheme must be https, http, ssh or git"));
            }
            let (authority, path) = rest.split_once('/').ok_or_else(|| bad("it has no path"))?;
            let host = authority.rsplit('@').next().unwrap_or(authority);
            // An ssh port is not the web port.
            let host = if scheme.contains("ssh") || scheme == "git" {
                host.split(':').next().unwrap_or(host)
            } else {
                host
            };
            (host.to_owned(), path.to_owned())
        } else if let Some((user_host, path)) = url.split_once(':') {
            let host = user_host.rsplit('@').next().unwrap_or(user_host);
            (host.to_owned(), path.to_owned())
        } else {
            return Err(bad(
                "expected https://host/owner/repo or git@host:owner/repo",
            ));
        };
        let path = path.trim_matches('/');
        let path = path
            .strip_suffix(".git")
            .unwrap_or(path)
            .trim_end_matches('/');
        if host.is_empty() || path.is_empty() || !path.contains('/') {
            return Err(bad("expected an owner and a repository in the path"));
        }
        if host.chars().any(|c| c.is_whitespace() || c == '/') {
            return Err(bad("the host is malformed"));
        }
        let lower = host.to_ascii_lowercase();
        let flavor = match flavor {
            Some(f) => f,
            None if lower == "github.com" || lower.ends_with(".github.com") => Flavor::GitHub,
            None if lower.contains("gitlab") => Flavor::GitLab,
            None if lower == "bitbucket.org" => Flavor::Bitbucket,
            None if lower == "codeberg.org"
                || lower.contains("gitea")
                || lower.contains("forgejo") =>
            {
                Flavor::Gitea
            }
            None => {
                return Err(bad(
                    "the forge cannot be told from the host; name it (github, gitlab, gitea or bitbucket)",
                ));
            }
        };
        Ok(Remote {
            flavor,
            base: format!("https://{host}/{path}"),
        })
    }

    /// The page of one commit.
    pub fn commit_url(&self, id: &str) -> String {
        match self.flavor {
            Flavor::GitLab => format!("{}/-/commit/{id}", self.base),
            Flavor::Bitbucket => format!("{}/commits/{id}", self.base),
            Flavor::GitHub | Flavor::Gitea => format!("{}/commit/{id}", self.base),
        }
    }

    /// The page comparing two revisions (`from` is the older).
    pub fn compare_url(&self, from: &str, to: &str) -> String {
        match self.flavor {
            Flavor::GitLab => format!("{}/-/compare/{from}...{to}", self.base),
            // Bitbucket names the newer side first, separated by a carriage return.
            Flavor::Bitbucket => format!("{}/branches/compare/{to}%0D{from}", self.base),
            Flavor::GitHub | Flavor::Gitea => format!("{}/compare/{from}...{to}", self.base),
        }
    }

    /// The page of an issue or pull request number (GitHub and Gitea
    /// redirect an issue URL to the pull request of the same number).
    pub fn issue_url(&self, number: &str) -> String {
        match self.flavor {
            Flavor::GitLab => format!("{}/-/issues/{number}", self.base),
            Flavor::Bitbucket => format!("{}/issues/{number}", self.base),
            Flavor::GitHub | Flavor::Gitea => format!("{}/issues/{number}", self.base),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_forms() {
        let cases = [
            (
                "https://github.com/o/r.git",
                Flavor::GitHub,
                "https://github.com/o/r",
            ),
            (
                "https://user@github.com/o/r/",
                Flavor::GitHub,
                "https://github.com/o/r",
            ),
            (
                "git@github.com:o/r.git",
                Flavor::GitHub,
                "https://github.com/o/r",
            ),
            (
                "ssh://git@gitlab.example.com:2222/g/s/p.git",
                Flavor::GitLab,
                "https://gitlab.example.com/g/s/p",
            ),
            (
                "git@bitbucket.org:team/repo.git",
                Flavor::Bitbucket,
                "https://bitbucket.org/team/repo",
            ),
            (
                "https://codeberg.org/forgejo/forgejo",
                Flavor::Gitea,
                "https://codeberg.org/forgejo/forgejo",
            ),
        ];
        for (url, flavor, base) in cases {
            let r = Remote::parse(url, None).unwrap();
            assert_eq!((r.flavor, r.base.as_str()), (flavor, base), "{url}");
        }
        let r = Remote::parse("https://git.example.com/o/r", Some(Flavor::Gitea)).unwrap();
        assert_eq!(
            r.compare_url("v1", "v2"),
            "https://git.example.com/o/r/compare/v1...v2"
        );
        let b = Remote::parse("https://bitbucket.org/t/r", None).unwrap();
        assert_eq!(
            b.compare_url("v1.1.0", "v1.2.0"),
            "https://bitbucket.org/t/r/branches/compare/v1.2.0%0Dv1.1.0"
        );
        assert_eq!(b.commit_url("abc"), "https://bitbucket.org/t/r/commits/abc");
        for bad in [
            "",
            "github.com",
            "https://github.com/",
            "https://github.com/only",
            "ftp://github.com/o/r",
            "https://git.example.com/o/r",
        ] {
            assert!(Remote::parse(bad, None).is_err(), "{bad}");
        }
    }
}
