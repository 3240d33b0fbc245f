//! From a repository to its current release and next version.

use std::path::{Path, PathBuf};

use gix::ObjectId;
use relkit_version::{
    Commit, Next, NextOptions, Package, Propagation, Released, TagPattern, next_version, owner,
    propagate,
};
use semver::Version;

use crate::cargo::{find_package, workspace_packages};
use crate::repo::{CommitInfo, Repo, Walk};
use crate::{Error, Result};

/// A release tag: a tag that follows the pattern and names a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseTag {
    /// The tag name.
    pub name: String,
    /// Its version.
    pub version: Version,
    /// The commit it names (peeled).
    pub commit: String,
}

/// The releases reachable from a commit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Releases {
    /// The highest stable release reachable (by SemVer precedence, not date).
    pub stable: Option<ReleaseTag>,
    /// The reachable pre-releases above `stable` (only when asked for).
    pub prereleases: Vec<ReleaseTag>,
    /// Release tags (stable or pre-release) on the commit itself.
    pub at_head: Vec<ReleaseTag>,
    /// How many tags the repository has.
    pub tags: usize,
    /// How many tags followed the pattern (for the package, if any).
    pub matching: usize,
}

impl Releases {
    /// The view `relkit_version::next_version` takes.
    pub fn released(&self) -> Released {
        Released {
            stable: self.stable.as_ref().map(|t| t.version.clone()),
            prereleases: self.prereleases.iter().map(|t| t.version.clone()).collect(),
            at_head: self.at_head.iter().map(|t| t.version.clone()).collect(),
        }
    }
}

impl Repo {
    /// The releases of `package` (or of the repository, for `None`) reachable
    /// from `head`, read through `pattern`. Tags that do not follow the
    /// pattern or are not SemVer are skipped, never fatal. Pre-releases are
    /// read only when `prereleases` is true.
    ///
    /// # Errors
    ///
    /// [`Error::Git`] or [`Error::BadRevision`].
    pub fn releases(
        &self,
        head: &str,
        pattern: &TagPattern,
        package: Option<&str>,
        prereleases: bool,
    ) -> Result<Releases> {
        let refs = self.tag_refs()?;
        let mut out = Releases {
            tags: refs.len(),
            ..Releases::default()
        };
        // Names first: only the tags that follow the pattern are peeled, and
        // only as far down the precedence order as needed.
        let mut candidates: Vec<(String, Version, ObjectId)> = refs
            .into_iter()
            .filter_map(|(name, id)| {
                let version = match package {
                    Some(p) if pattern.has_package() => pattern.parse_for(&name, p)?,
                    _ => pattern.parse(&name)?.version,
                };
                Some((name, version, id))
            })
            .collect();
        out.matching = candidates.len();
        // Highest precedence first; equal precedence (build metadata) by name.
        candidates.sort_by(|a, b| b.1.cmp_precedence(&a.1).then_with(|| a.0.cmp(&b.0)));
        let release = |(name, version, id): &(String, Version, ObjectId)| -> Option<ReleaseTag> {
            let (commit, kind) = self.peel(*id)?;
            (kind == gix::object::Kind::Commit).then(|| ReleaseTag {
                name: name.clone(),
                version: version.clone(),
                commit: commit.to_string(),
            })
        };
        let mut peeled: Vec<ReleaseTag> = Vec::new();
        for c in candidates.iter().filter(|c| c.1.pre.is_empty()) {
            let Some(t) = release(c) else { continue };
            let reachable = self.is_ancestor(&t.commit, head)?;
            peeled.push(t.clone());
            if reachable {
                out.stable = Some(t);
                break;
            }
        }
        // Everything above the stable release: pre-releases, and tags on HEAD.
        let above = |v: &Version| {
            out.stable
                .as_ref()
                .is_none_or(|s| relkit_version::base(v) > s.version)
        };
        for c in candidates
            .iter()
            .filter(|c| !c.1.pre.is_empty() && above(&c.1))
        {
            let Some(t) = release(c) else { continue };
            if prereleases && self.is_ancestor(&t.commit, head)? {
                out.prereleases.push(t.clone());
            }
            peeled.push(t);
        }
        out.at_head = peeled.into_iter().filter(|t| t.commit == head).collect();
        out.at_head
            .sort_by(|a, b| b.version.cmp_precedence(&a.version));
        Ok(out)
    }
}

/// What to compute with [`plan`].
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// The tag pattern; by default `v{version}` for a repository and
    /// `{package}-v{version}` for packages.
    pub pattern: Option<TagPattern>,
    /// Which packages: none (the repository as one), one, or all.
    pub packages: Packages,
    /// Bump policy, channel, initial version and scheme.
    pub options: NextOptions,
    /// Read the first-parent line only.
    pub first_parent: bool,
    /// The commit to release; `None` for HEAD.
    pub head: Option<String>,
    /// The Cargo workspace root, relative to the work tree (default: the root).
    pub workspace: Option<PathBuf>,
    /// When a dependency's release forces a dependent's.
    pub propagation: Propagation,
}

/// Which packages [`plan`] looks at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Packages {
    /// The repository as one project.
    #[default]
    Repository,
    /// One package of the Cargo workspace.
    One(String),
    /// Every package of the Cargo workspace.
    All,
}

/// The answer of [`plan`] for the repository or one package.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The package, or `None` for the repository as one.
    pub package: Option<String>,
    /// The tag of the current release, if any.
    pub current_tag: Option<String>,
    /// The tag the next version gets.
    pub tag: Option<String>,
    /// The computed answer.
    pub next: Next,
    /// How many commits were read (for a package: since its release,
    /// before keeping those that touch it).
    pub commits_read: usize,
    /// The commits that count, newest first.
    pub commits: Vec<CommitInfo>,
}

/// The current release and the next version of a repository, or of packages
/// of the Cargo workspace in it.
///
/// # Errors
///
/// Repository errors, [`Error::ShallowWithoutRelease`], manifest errors,
/// [`Error::UnknownPackage`], and the version errors of
/// `relkit_version::next_version` (as [`Error::Version`]).
pub fn plan(repo: &mut Repo, query: &Query) -> Result<(String, Vec<Plan>)> {
    let head = match &query.head {
        Some(rev) => repo.resolve(rev)?,
        None => repo.head()?.id,
    };
    let packages: Vec<Package> = match &query.packages {
        Packages::Repository => Vec::new(),
        _ => {
            let root = workspace_root(repo, query)?;
            let mut all = workspace_packages(&root)?;
            let prefix = root
                .strip_prefix(repo.path())
                .ok()
                .map(|p| {
                    p.components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .unwrap_or_default();
            if !prefix.is_empty() {
                for p in &mut all {
                    p.path = if p.path.is_empty() {
                        prefix.clone()
                    } else {
                        format!("{prefix}/{}", p.path)
                    };
                }
            }
            if let Packages::One(name) = &query.packages {
                find_package(&all, name, &root)?;
            }
            all
        }
    };
    let pattern = match &query.pattern {
        Some(p) => p.clone(),
        None if packages.is_empty() => TagPattern::v_prefixed(),
        None => TagPattern::new("{package}-v{version}").map_err(Error::Version)?,
    };
    let prereleases = query.options.channel.is_some();

    let targets: Vec<Option<usize>> = match &query.packages {
        Packages::Repository => vec![None],
        Packages::One(name) => vec![packages.iter().position(|p| &p.name == name)],
        Packages::All => (0..packages.len()).map(Some).collect(),
    };
    let mut plans = Vec::with_capacity(targets.len());
    for target in targets {
        let package = target.and_then(|i| packages.get(i));
        let name = package.map(|p| p.name.as_str());
        let releases = repo.releases(&head, &pattern, name, prereleases)?;
        let walk = Walk {
            from: Some(head.clone()),
            hide: releases.stable.iter().map(|t| t.commit.clone()).collect(),
            first_parent: query.first_parent,
            changed_paths: package.is_some(),
        };
        let read = repo.commits(&walk)?;
        if releases.stable.is_none() && repo.is_shallow() {
            return Err(Error::ShallowWithoutRelease {
                path: repo.path().to_path_buf(),
                commits: read.len(),
            });
        }
        let commits_read = read.len();
        let kept: Vec<CommitInfo> = match target {
            None => read,
            Some(i) => read
                .into_iter()
                .filter(|c| {
                    c.changed_paths.as_deref().is_some_and(|paths| {
                        paths
                            .iter()
                            .any(|f| owner(&packages, f).is_some_and(|(o, _)| o == i))
                    })
                })
                .collect(),
        };
        let classified: Vec<Commit> = kept
            .iter()
            .map(|c| Commit::new(c.short_id(), &c.message))
            .collect();
        let mut options = query.options.clone();
        if let Some(v) = package.and_then(|p| p.version.clone()) {
            options.initial = v;
        }
        let next =
            next_version(&releases.released(), &classified, &options).map_err(Error::Version)?;
        let tag = next.version.as_ref().map(|v| pattern.format(name, v));
        plans.push(Plan {
            package: name.map(str::to_owned),
            current_tag: releases.stable.as_ref().map(|t| t.name.clone()),
            tag,
            next,
            commits_read,
            commits: kept,
        });
    }
    if query.packages == Packages::All && query.options.channel.is_none() {
        let mut nexts: Vec<Next> = plans.iter().map(|p| p.next.clone()).collect();
        propagate(
            &packages,
            &mut nexts,
            query.propagation,
            &query.options.policy.zero,
        )
        .map_err(Error::Version)?;
        for (plan, next) in plans.iter_mut().zip(nexts) {
            plan.tag = next
                .version
                .as_ref()
                .map(|v| pattern.format(plan.package.as_deref(), v));
            plan.next = next;
        }
    }
    Ok((head, plans))
}

fn workspace_root(repo: &Repo, query: &Query) -> Result<PathBuf> {
    let base: &Path = repo.workdir().unwrap_or(repo.path());
    let root = match &query.workspace {
        Some(w) => base.join(w),
        None => base.to_path_buf(),
    };
    if !root.join("Cargo.toml").is_file() {
        return Err(Error::Manifest {
            path: root.join("Cargo.toml"),
            reason: "no Cargo.toml here: packages are read from a Cargo workspace".to_owned(),
        });
    }
    Ok(root)
}
