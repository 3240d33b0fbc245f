//! The resolved package graph of a workspace, from `cargo metadata` or from Cargo.lock alone.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::lockfile::Lockfile;

/// How a package is reached from the workspace members: the strongest kind on any path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DepKind {
    /// Only through `[dev-dependencies]`: tests, examples, benchmarks.
    Dev,
    /// Only through `[build-dependencies]` (build scripts, and what they use).
    Build,
    /// Compiled into the members' libraries and binaries.
    Normal,
}

/// Where a package comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// crates.io.
    CratesIo,
    /// Another registry; the index URL.
    Registry(String),
    /// A git repository: URL (without query) and commit when known.
    Git {
        /// Repository URL without `git+`, query or fragment.
        url: String,
        /// The locked commit, or the branch/tag/rev asked for when no commit is given.
        rev: Option<String>,
    },
    /// A local path: the package folder relative to the workspace root (`/`-separated,
    /// `.` for the root), absolute when outside; `None` when unknown (lockfile-only mode).
    Path(Option<String>),
}

impl Source {
    /// Interpret a Cargo source string (`registry+…`, `sparse+…`, `git+…`); `None` means a path.
    #[must_use]
    pub fn from_cargo(source: Option<&str>) -> Self {
        let Some(s) = source else {
            return Self::Path(None);
        };
        match s.split_once('+') {
            Some(("registry" | "sparse", url)) => {
                if url == "https://github.com/rust-lang/crates.io-index"
                    || url == "https://index.crates.io/"
                {
                    Self::CratesIo
                } else {
                    Self::Registry(url.to_owned())
                }
            }
            Some(("git", rest)) => {
                let (base, fragment) = match rest.split_once('#') {
                    Some((b, f)) => (b, Some(f.to_owned())),
                    None => (rest, None),
                };
                let (url, query) = match base.split_once('?') {
                    Some((u, q)) => (u, Some(q)),
                    None => (base, None),
                };
                let rev = fragment.or_else(|| {
                    query.and_then(|q| {
                        q.split('&').find_map(|kv| {
                            kv.strip_prefix("branch=")
                                .or_else(|| kv.strip_prefix("tag="))
                                .or_else(|| kv.strip_prefix("rev="))
                                .map(str::to_owned)
                        })
                    })
                });
                Self::Git {
                    url: url.to_owned(),
                    rev,
                }
            }
            _ => Self::Registry(s.to_owned()),
        }
    }
}

/// One package of the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Origin.
    pub source: Source,
    /// SHA-256 of the `.crate` file (from Cargo.lock), lower-case hex.
    pub checksum: Option<String>,
    /// Declared license, an SPDX expression (`license` field).
    pub license: Option<String>,
    /// `description` field.
    pub description: Option<String>,
    /// `repository` field.
    pub repository: Option<String>,
    /// `documentation` field.
    pub documentation: Option<String>,
    /// `homepage` field.
    pub homepage: Option<String>,
    /// Whether it has a binary target (an application rather than a library).
    pub has_bin: bool,
}

/// One dependency edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edge {
    pub(crate) to: usize,
    /// The kinds this edge has (a dependency can be normal and build at once).
    pub(crate) kinds: Vec<DepKind>,
}

/// The resolved graph of a Cargo workspace.
#[derive(Debug, Clone)]
pub struct WorkspaceGraph {
    pub(crate) name: String,
    pub(crate) packages: Vec<Package>,
    pub(crate) edges: Vec<Vec<Edge>>,
    pub(crate) members: Vec<usize>,
    pub(crate) lockfile_only: bool,
}

impl WorkspaceGraph {
    /// The workspace's name: the root package's name, else the root folder's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// All packages.
    #[must_use]
    pub fn packages(&self) -> &[Package] {
        &self.packages
    }

    /// The workspace members.
    pub fn members(&self) -> impl Iterator<Item = &Package> {
        self.members.iter().filter_map(|&i| self.packages.get(i))
    }

    /// Whether the graph came from Cargo.lock alone (no kinds, no licenses, no targets).
    #[must_use]
    pub fn is_lockfile_only(&self) -> bool {
        self.lockfile_only
    }

    /// The graph of a Cargo.lock alone: every package is a component, packages without a
    /// source (path packages) are the workspace members, and every edge counts as normal.
    ///
    /// # Errors
    ///
    /// [`Error::LockfileDependency`] when a dependency entry does not resolve.
    pub fn from_lockfile(lock: &Lockfile, workspace_name: &str, origin: &str) -> Result<Self> {
        let resolved = lock.resolve(origin)?;
        let packages: Vec<Package> = lock
            .packages
            .iter()
            .map(|p| Package {
                name: p.name.clone(),
                version: p.version.clone(),
                source: Source::from_cargo(p.source.as_deref()),
                checksum: p.checksum.clone(),
                license: None,
                description: None,
                repository: None,
                documentation: None,
                homepage: None,
                has_bin: false,
            })
            .collect();
        let members = packages
            .iter()
            .enumerate()
            .filter(|(_, p)| p.source == Source::Path(None))
            .map(|(i, _)| i)
            .collect();
        let edges = resolved
            .into_iter()
            .map(|deps| {
                deps.into_iter()
                    .map(|to| Edge {
                        to,
                        kinds: vec![DepKind::Normal],
                    })
                    .collect()
            })
            .collect();
        Ok(Self {
            name: workspace_name.to_owned(),
            packages,
            edges,
            members,
            lockfile_only: true,
        })
    }

    /// Read `Cargo.lock` in `workspace_root` (no cargo run) and build its graph.
    ///
    /// # Errors
    ///
    /// I/O errors naming the file, and those of [`Lockfile::parse`] and [`Self::from_lockfile`].
    pub fn read_lockfile(workspace_root: &Path) -> Result<Self> {
        let path = workspace_root.join("Cargo.lock");
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let origin = path.display().to_string();
        let lock = Lockfile::parse(&text, &origin)?;
        let name = root_name(workspace_root);
        Self::from_lockfile(&lock, &name, &origin)
    }

    /// The graph of `cargo metadata` output; `lock` supplies the checksums cargo does not print.
    ///
    /// # Errors
    ///
    /// [`Error::CargoMetadata`] when the output has no `resolve` graph.
    pub fn from_metadata(meta: &cargo_metadata::Metadata, lock: Option<&Lockfile>) -> Result<Self> {
        let root = meta.workspace_root.as_std_path();
        let resolve = meta.resolve.as_ref().ok_or_else(|| Error::CargoMetadata {
            manifest: root.display().to_string(),
            reason: "no resolve graph in the output (was --no-deps given?)".to_owned(),
        })?;
        let mut checksums: HashMap<(&str, &str, &str), &str> = HashMap::new();
        if let Some(lock) = lock {
            for p in &lock.packages {
                if let (Some(s), Some(c)) = (&p.source, &p.checksum) {
                    checksums.insert((&p.name, &p.version, s), c);
                }
            }
        }
        let mut index: HashMap<&cargo_metadata::PackageId, usize> = HashMap::new();
        let mut packages = Vec::with_capacity(meta.packages.len());
        for p in &meta.packages {
            let repr = p.source.as_ref().map(|s| s.repr.as_str());
            let mut source = Source::from_cargo(repr);
            if source == Source::Path(None) {
                let dir = p
                    .manifest_path
                    .parent()
                    .map(|d| d.as_std_path().to_path_buf())
                    .unwrap_or_default();
                source = Source::Path(Some(relative_dir(&dir, root)));
            }
            let version = p.version.to_string();
            let checksum = repr.and_then(|r| {
                checksums
                    .get(&(p.name.as_str(), version.as_str(), r))
                    .map(|c| (*c).to_owned())
            });
            index.insert(&p.id, packages.len());
            packages.push(Package {
                name: p.name.to_string(),
                version,
                source,
                checksum,
                license: p.license.clone(),
                description: p.description.clone(),
                repository: p.repository.clone(),
                documentation: p.documentation.clone(),
                homepage: p.homepage.clone(),
                has_bin: p.targets.iter().any(|t| t.is_bin()),
            });
        }
        let mut edges: Vec<Vec<Edge>> = vec![Vec::new(); packages.len()];
        for node in &resolve.nodes {
            let Some(&from) = index.get(&node.id) else {
                continue;
            };
            let mut out = Vec::with_capacity(node.deps.len());
            for d in &node.deps {
                let Some(&to) = index.get(&d.pkg) else {
                    continue;
                };
                let mut kinds: Vec<DepKind> = d
                    .dep_kinds
                    .iter()
                    .map(|k| match k.kind {
                        cargo_metadata::DependencyKind::Build => DepKind::Build,
                        cargo_metadata::DependencyKind::Development => DepKind::Dev,
                        _ => DepKind::Normal,
                    })
                    .collect();
                if kinds.is_empty() {
                    // Cargo older than 1.41 prints no dep_kinds.
                    kinds.push(DepKind::Normal);
                }
                kinds.sort_unstable();
                kinds.dedup();
                out.push(Edge { to, kinds });
            }
            if let Some(slot) = edges.get_mut(from) {
                *slot = out;
            }
        }
        let mut members: Vec<usize> = meta
            .workspace_members
            .iter()
            .filter_map(|id| index.get(id).copied())
            .collect();
        members.sort_unstable();
        let name = meta
            .root_package()
            .map(|p| p.name.to_string())
            .unwrap_or_else(|| root_name(root));
        Ok(Self {
            name,
            packages,
            edges,
            members,
            lockfile_only: false,
        })
    }

    /// Parse `cargo metadata --format-version 1` output (see [`Self::from_metadata`]).
    ///
    /// # Errors
    ///
    /// [`Error::CargoMetadata`] when the text is not such output.
    pub fn from_metadata_json(json: &str, lock: Option<&Lockfile>) -> Result<Self> {
        let meta =
            cargo_metadata::MetadataCommand::parse(json).map_err(|e| Error::CargoMetadata {
                manifest: "<json>".to_owned(),
                reason: e.to_string(),
            })?;
        Self::from_metadata(&meta, lock)
    }

    /// Run `cargo metadata` as `options` say, read the workspace's Cargo.lock for the
    /// checksums, and build the graph.
    ///
    /// # Errors
    ///
    /// [`Error::CargoMetadata`] when cargo fails; lock file errors.
    pub fn from_cargo(options: &MetadataOptions) -> Result<Self> {
        let mut cmd = cargo_metadata::MetadataCommand::new();
        if let Some(cargo) = &options.cargo {
            cmd.cargo_path(cargo);
        }
        if let Some(m) = &options.manifest_path {
            cmd.manifest_path(m);
        }
        if options.all_features {
            cmd.features(cargo_metadata::CargoOpt::AllFeatures);
        }
        if options.no_default_features {
            cmd.features(cargo_metadata::CargoOpt::NoDefaultFeatures);
        }
        if !options.features.is_empty() {
            cmd.features(cargo_metadata::CargoOpt::SomeFeatures(
                options.features.clone(),
            ));
        }
        let mut other = Vec::new();
        if options.locked {
            other.push("--locked".to_owned());
        }
        if options.offline {
            other.push("--offline".to_owned());
        }
        if options.frozen {
            other.push("--frozen".to_owned());
        }
        if let Some(t) = &options.target {
            other.push("--filter-platform".to_owned());
            other.push(t.clone());
        }
        cmd.other_options(other);
        let manifest = options.manifest_path.as_ref().map_or_else(
            || "the current directory".to_owned(),
            |m| m.display().to_string(),
        );
        let meta = cmd.exec().map_err(|e| Error::CargoMetadata {
            manifest,
            reason: e.to_string(),
        })?;
        let lock_path = meta.workspace_root.as_std_path().join("Cargo.lock");
        let lock = match std::fs::read_to_string(&lock_path) {
            Ok(text) => Some(Lockfile::parse(&text, &lock_path.display().to_string())?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(lock_path, e)),
        };
        Self::from_metadata(&meta, lock.as_ref())
    }

    /// Strongest kind of every package reachable from `roots` through edges of the allowed
    /// kinds (`None` = not reached). Roots get [`DepKind::Normal`].
    pub(crate) fn reach(&self, roots: &[usize], allowed: &[DepKind]) -> Vec<Option<DepKind>> {
        let mut kind: Vec<Option<DepKind>> = vec![None; self.packages.len()];
        let mut stack: Vec<(usize, DepKind)> = Vec::new();
        for &r in roots {
            if let Some(k) = kind.get_mut(r) {
                *k = Some(DepKind::Normal);
                stack.push((r, DepKind::Normal));
            }
        }
        while let Some((node, path_kind)) = stack.pop() {
            for e in self.edges.get(node).map(Vec::as_slice).unwrap_or_default() {
                // The strongest allowed kind of this edge.
                let Some(edge_kind) = e.kinds.iter().rev().find(|k| allowed.contains(k)) else {
                    continue;
                };
                let k = (*edge_kind).min(path_kind);
                if let Some(slot) = kind.get_mut(e.to)
                    && slot.is_none_or(|old| k > old)
                {
                    *slot = Some(k);
                    stack.push((e.to, k));
                }
            }
        }
        kind
    }
}

/// How to run `cargo metadata`.
#[derive(Debug, Clone, Default)]
pub struct MetadataOptions {
    /// `--manifest-path`; the current directory's workspace when `None`.
    pub manifest_path: Option<PathBuf>,
    /// The cargo to run (`$CARGO` or `cargo` when `None`).
    pub cargo: Option<PathBuf>,
    /// `--features`.
    pub features: Vec<String>,
    /// `--all-features`.
    pub all_features: bool,
    /// `--no-default-features`.
    pub no_default_features: bool,
    /// `--locked`: fail rather than change Cargo.lock.
    pub locked: bool,
    /// `--offline`: no network.
    pub offline: bool,
    /// `--frozen`: both.
    pub frozen: bool,
    /// `--filter-platform TRIPLE`: only what is compiled for this target.
    pub target: Option<String>,
}

fn root_name(root: &Path) -> String {
    root.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "workspace".to_owned())
}

fn relative_dir(dir: &Path, root: &Path) -> String {
    match dir.strip_prefix(root) {
        Ok(rel) => {
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.is_empty() {
                ".".to_owned()
            } else {
                parts.join("/")
            }
        }
        Err(_) => dir.display().to_string(),
    }
}
