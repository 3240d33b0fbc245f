//! Reading commits and tags with gix.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gix::ObjectId;
use gix::bstr::ByteSlice;

use crate::{Error, Result};

/// A point in time as git records it: seconds since the Unix epoch and the
/// offset of the local time zone from UTC in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub seconds: i64,
    /// Offset of the local time from UTC, in seconds (east positive).
    pub offset: i32,
}

/// One commit as read from the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    /// The full hexadecimal id.
    pub id: String,
    /// The whole message (lossily decoded as UTF-8).
    pub message: String,
    /// The author's name.
    pub author_name: String,
    /// The author's e-mail address.
    pub author_email: String,
    /// When it was authored.
    pub author_time: Time,
    /// When it was committed.
    pub committer_time: Time,
    /// The ids of its parents, the first parent first.
    pub parents: Vec<String>,
    /// The paths it changed against its first parent (against the empty tree
    /// for a root commit), when asked for; `/`-separated, sorted.
    pub changed_paths: Option<Vec<String>>,
}

impl CommitInfo {
    /// The id shortened to seven digits, as people quote it.
    pub fn short_id(&self) -> &str {
        self.id.get(..7).unwrap_or(&self.id)
    }
}

/// A tag, peeled to the object it finally names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// The tag name without `refs/tags/`.
    pub name: String,
    /// The id of the peeled target (normally a commit).
    pub target: String,
    /// Whether it is an annotated tag (a tag object) rather than a lightweight one.
    pub annotated: bool,
}

/// Where HEAD is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The commit id.
    pub id: String,
    /// The branch HEAD is on, or `None` when HEAD is detached.
    pub branch: Option<String>,
}

/// Which commits [`Repo::commits`] reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Walk {
    /// Where to start; `None` for HEAD.
    pub from: Option<String>,
    /// Commits not to read, nor any of their ancestors (`git log from ^hide`).
    pub hide: Vec<String>,
    /// Follow first parents only (leave out what merges brought in).
    pub first_parent: bool,
    /// Compute the paths each commit changed against its first parent.
    pub changed_paths: bool,
}

/// What a diff against the first parent needs.
struct RawCommit {
    id: ObjectId,
    tree: ObjectId,
    parent: Option<ObjectId>,
}

/// A git repository opened for reading.
pub struct Repo {
    repo: gix::Repository,
    path: PathBuf,
    paths_cache: HashMap<ObjectId, Vec<String>>,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo").field("path", &self.path).finish()
    }
}

fn reason(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn to_time(t: gix::date::Time) -> Time {
    Time {
        seconds: t.seconds,
        offset: t.offset,
    }
}

impl Repo {
    /// Open the repository that contains `dir` (searching upwards, as git does).
    ///
    /// # Errors
    ///
    /// [`Error::NoSuchDirectory`] or [`Error::NotARepository`].
    pub fn open(dir: impl AsRef<Path>) -> Result<Repo> {
        let dir = dir.as_ref();
        if !dir.is_dir() {
            return Err(Error::NoSuchDirectory {
                path: dir.to_path_buf(),
            });
        }
        let mut repo = gix::discover(dir).map_err(|e| Error::NotARepository {
            path: dir.to_path_buf(),
            reason: reason(e),
        })?;
        repo.object_cache_size_if_unset(4 * 1024 * 1024);
        let path = repo
            .workdir()
            .map_or_else(|| repo.git_dir().to_path_buf(), Path::to_path_buf);
        Ok(Repo {
            repo,
            path,
            paths_cache: HashMap::new(),
        })
    }

    /// The work tree (or the git directory of a bare repository).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The work tree, if the repository has one.
    pub fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    fn git_err(&self, what: impl Into<String>) -> impl Fn(gix::Error) -> Error + '_ {
        let what = what.into();
        move |e| Error::Git {
            path: self.path.clone(),
            what: what.clone(),
            reason: reason(e),
        }
    }

    /// Where HEAD is.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyRepository`] when HEAD is an unborn branch.
    pub fn head(&self) -> Result<Head> {
        let head = self.repo.head().map_err(self.git_err("reading HEAD"))?;
        let branch = head
            .referent_name()
            .map(|n| n.shorten().to_str_lossy().into_owned());
        match head.id() {
            Some(id) => Ok(Head {
                id: id.to_string(),
                branch,
            }),
            None => Err(Error::EmptyRepository {
                path: self.path.clone(),
                branch: branch.unwrap_or_else(|| "HEAD".to_owned()),
            }),
        }
    }

    /// The fetch URL of the remote `name` (usually `origin`), if it has one.
    pub fn remote_url(&self, name: &str) -> Option<String> {
        let remote = self.repo.find_remote(name).ok()?;
        let url = remote.url(gix::remote::Direction::Fetch)?;
        Some(url.to_bstring().to_str_lossy().into_owned())
    }

    /// Whether the repository is a shallow clone.
    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow().unwrap_or(false)
    }

    /// Resolve a revision (`HEAD`, a branch, a tag, an id) to a commit id.
    ///
    /// # Errors
    ///
    /// [`Error::BadRevision`] when it names no commit.
    pub fn resolve(&self, rev: &str) -> Result<String> {
        self.resolve_oid(rev).map(|id| id.to_string())
    }

    fn resolve_oid(&self, rev: &str) -> Result<ObjectId> {
        let bad = |reason: String| Error::BadRevision {
            path: self.path.clone(),
            rev: rev.to_owned(),
            reason,
        };
        let id = self
            .repo
            .rev_parse_single(rev)
            .map_err(|e| bad(reason(e)))?;
        let object = id.object().map_err(|e| bad(reason(e)))?;
        let commit = object.peel_to_commit().map_err(|e| bad(reason(e)))?;
        Ok(commit.id)
    }

    /// Every tag, peeled to what it names, sorted by name. Tags whose
    /// target cannot be read are left out: they name nothing to release.
    ///
    /// # Errors
    ///
    /// [`Error::Git`] when the references cannot be read.
    pub fn tags(&self) -> Result<Vec<Tag>> {
        let mut out = Vec::new();
        for (name, direct) in self.tag_refs()? {
            let Some((target, _)) = self.peel(direct) else {
                continue;
            };
            out.push(Tag {
                name,
                annotated: direct != target,
                target: target.to_string(),
            });
        }
        Ok(out)
    }

    /// Tag names with the object each names directly (not peeled), sorted by name.
    pub(crate) fn tag_refs(&self) -> Result<Vec<(String, ObjectId)>> {
        let refs = self
            .repo
            .references()
            .map_err(self.git_err("reading references"))?;
        let iter = refs.tags().map_err(self.git_err("reading tags"))?;
        let mut out = Vec::new();
        for r in iter {
            let r = r.map_err(|e| Error::Git {
                path: self.path.clone(),
                what: "reading a tag".to_owned(),
                reason: reason(e),
            })?;
            // A symbolic tag (rare) is followed when peeled; keep direct ones here.
            let Some(id) = r.target().try_id().map(ToOwned::to_owned) else {
                continue;
            };
            out.push((r.name().shorten().to_str_lossy().into_owned(), id));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// Follow tag objects from `id` to the object they finally name, and its
    /// kind. `None` when an object is missing or a chain of tags does not end.
    pub(crate) fn peel(&self, mut id: ObjectId) -> Option<(ObjectId, gix::object::Kind)> {
        for _ in 0..64 {
            let object = self.repo.find_object(id).ok()?;
            if object.kind != gix::object::Kind::Tag {
                return Some((id, object.kind));
            }
            id = object.into_tag().target_id().ok()?.detach();
        }
        None
    }

    /// Whether `id` names a commit (rather than a tree or blob).
    pub fn is_commit(&self, id: &str) -> bool {
        ObjectId::from_hex(id.as_bytes())
            .ok()
            .and_then(|oid| self.repo.find_header(oid).ok())
            .is_some_and(|h| h.kind() == gix::object::Kind::Commit)
    }

    /// Whether `ancestor` is reachable from `descendant` (or is it).
    ///
    /// # Errors
    ///
    /// [`Error::BadRevision`] or [`Error::Git`].
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool> {
        let a = self.resolve_oid(ancestor)?;
        let d = self.resolve_oid(descendant)?;
        if a == d {
            return Ok(true);
        }
        let base = self.repo.merge_base(a, d).map_err(self.git_err(format!(
            "finding the merge base of {ancestor} and {descendant}"
        )))?;
        Ok(base.is_some_and(|b| b.detach() == a))
    }

    /// Read commits, newest first (parents after their children).
    ///
    /// By default every commit reachable from the start is read, including
    /// those merged in from other branches; [`Walk::first_parent`] keeps to
    /// the first-parent line.
    ///
    /// # Errors
    ///
    /// [`Error::BadRevision`] for a revision that names no commit,
    /// [`Error::Git`] when an object cannot be read.
    pub fn commits(&mut self, walk: &Walk) -> Result<Vec<CommitInfo>> {
        let start = match &walk.from {
            Some(rev) => self.resolve_oid(rev)?,
            None => {
                let head = self.head()?;
                self.resolve_oid(&head.id)?
            }
        };
        let hidden = walk
            .hide
            .iter()
            .map(|h| self.resolve_oid(h))
            .collect::<Result<Vec<_>>>()?;
        let mut out = Vec::new();
        {
            let mut platform = self
                .repo
                .rev_walk([start])
                .sorting(gix::revision::walk::Sorting::ByCommitTime(
                    Default::default(),
                ))
                .with_hidden(hidden);
            if walk.first_parent {
                platform = platform.first_parent_only();
            }
            let iter = platform
                .all()
                .map_err(self.git_err("walking the history"))?;
            for info in iter {
                let info = info.map_err(|e| Error::Git {
                    path: self.path.clone(),
                    what: "walking the history".to_owned(),
                    reason: reason(e),
                })?;
                // Read the commit now, while the walk's copy is in the object cache.
                out.push(self.read_commit(info.id)?);
            }
        }
        if walk.changed_paths {
            for (info, raw) in &mut out {
                let paths = self.changed_paths(raw.id, raw.tree, raw.parent)?;
                info.changed_paths = Some(paths);
            }
        }
        Ok(out.into_iter().map(|(info, _)| info).collect())
    }

    /// Read one commit.
    ///
    /// # Errors
    ///
    /// [`Error::BadRevision`] or [`Error::Git`].
    pub fn commit(&mut self, rev: &str, changed_paths: bool) -> Result<CommitInfo> {
        let id = self.resolve_oid(rev)?;
        let (mut info, raw) = self.read_commit(id)?;
        if changed_paths {
            info.changed_paths = Some(self.changed_paths(raw.id, raw.tree, raw.parent)?);
        }
        Ok(info)
    }

    fn read_commit(&self, id: ObjectId) -> Result<(CommitInfo, RawCommit)> {
        let err = |what: &str, e: gix::Error| Error::Git {
            path: self.path.clone(),
            what: format!("{what} of commit {id}"),
            reason: reason(e),
        };
        let commit = self.repo.find_commit(id).map_err(|e| err("reading", e))?;
        let decoded = commit.decode().map_err(|e| err("decoding", e))?;
        let author = decoded.author().map_err(|e| err("reading the author", e))?;
        let committer = decoded
            .committer()
            .map_err(|e| err("reading the committer", e))?;
        let author_time = author
            .time()
            .map_err(|e| err("reading the author time", e))?;
        let committer_time = committer
            .time()
            .map_err(|e| err("reading the committer time", e))?;
        let parents: Vec<ObjectId> = decoded.parents().collect();
        let info = CommitInfo {
            id: id.to_string(),
            message: decoded.message.to_str_lossy().into_owned(),
            author_name: author.name.to_str_lossy().into_owned(),
            author_email: author.email.to_str_lossy().into_owned(),
            author_time: to_time(author_time),
            committer_time: to_time(committer_time),
            parents: parents.iter().map(ToString::to_string).collect(),
            changed_paths: None,
        };
        let raw = RawCommit {
            id,
            tree: decoded.tree(),
            parent: parents.first().copied(),
        };
        Ok((info, raw))
    }

    fn changed_paths(
        &mut self,
        id: ObjectId,
        tree: ObjectId,
        parent: Option<ObjectId>,
    ) -> Result<Vec<String>> {
        if let Some(p) = self.paths_cache.get(&id) {
            return Ok(p.clone());
        }
        let err = |e: String| Error::Git {
            path: self.path.clone(),
            what: format!("diffing commit {id} against its first parent"),
            reason: e,
        };
        let old_tree = match parent {
            Some(p) => {
                let parent = self.repo.find_commit(p).map_err(|e| err(reason(e)))?;
                Some(parent.tree_id().map_err(|e| err(reason(e)))?.detach())
            }
            None => None,
        };
        let new = self.repo.find_tree(tree).map_err(|e| err(reason(e)))?;
        let old = match old_tree {
            Some(t) => self.repo.find_tree(t).map_err(|e| err(reason(e)))?,
            None => self.repo.empty_tree(),
        };
        let mut recorder = gix::diff::tree::Recorder::default()
            .track_location(Some(gix::diff::tree::recorder::Location::Path));
        let mut state = gix::diff::tree::State::default();
        gix::diff::tree(
            gix::objs::TreeRefIter::from_bytes(&old.data, old.id.kind()),
            gix::objs::TreeRefIter::from_bytes(&new.data, new.id.kind()),
            &mut state,
            &self.repo.objects,
            &mut recorder,
        )
        .map_err(|e| err(reason(e)))?;
        let mut paths: Vec<String> = recorder
            .records
            .into_iter()
            .filter_map(|c| {
                use gix::diff::tree::recorder::Change;
                let (mode, path) = match c {
                    Change::Addition {
                        entry_mode, path, ..
                    }
                    | Change::Deletion {
                        entry_mode, path, ..
                    }
                    | Change::Modification {
                        entry_mode, path, ..
                    } => (entry_mode, path),
                };
                (!mode.is_tree()).then(|| path.to_str_lossy().into_owned())
            })
            .collect();
        paths.sort_unstable();
        paths.dedup();
        self.paths_cache.insert(id, paths.clone());
        Ok(paths)
    }
}
