//! Writing released versions into a Cargo workspace's manifests, keeping
//! every other byte (comments, order, spacing) as it was.
//!
//! [`edit_manifest`] is the pure core: one manifest's text in, its new text
//! out. [`version_edits`] reads the workspace and applies it to each
//! manifest; writing the files is the caller's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use semver::{Op, Version, VersionReq};
use toml_edit::{DocumentMut, Item, Table, Value};

use crate::cargo::workspace_packages;
use crate::{Error, Result};

/// What versions to write, for [`edit_manifest`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionChanges {
    /// The manifest's own `[package] version`, when it is written in the
    /// manifest (not inherited).
    pub package: Option<Version>,
    /// `[workspace.package] version` (in the root manifest).
    pub workspace: Option<Version>,
    /// New versions of workspace members by package name: dependencies on
    /// them by `path` whose `version` requirement the new version no longer
    /// meets get the new version as requirement.
    pub dependencies: BTreeMap<String, Version>,
}

/// A manifest of the workspace with the text it gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEdit {
    /// The manifest, relative to the workspace root (`Cargo.toml`,
    /// `crates/core/Cargo.toml`).
    pub path: PathBuf,
    /// Its new text: the old one with only version strings changed.
    pub text: String,
    /// What changed, one phrase each: `version 0.1.0 -> 0.2.0`,
    /// `requirement on core "0.1.0" -> "0.2.0"`.
    pub changes: Vec<String>,
}

/// What gets a new version, for [`version_edits`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewVersions {
    /// The repository as one: `[workspace.package] version` and the members
    /// that inherit it, or else the root package.
    Repository(Version),
    /// These packages, each with its own version.
    Packages(BTreeMap<String, Version>),
}

fn bad(path: &Path, reason: impl Into<String>) -> Error {
    Error::Manifest {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Replace a string value, keeping the spaces and comments around it.
fn set_string(value: &mut Value, new: &str) {
    let decor = value.decor().clone();
    *value = Value::from(new);
    *value.decor_mut() = decor;
}

/// How a manifest declares its `[package] version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeclaredVersion {
    /// No `[package]`, or no `version` in it (Cargo's 0.0.0).
    None,
    /// `version = "…"`.
    Written(String),
    /// `version.workspace = true`.
    Inherited,
}

/// How the manifest `text` (read from `path`, for errors) declares its version.
///
/// # Errors
///
/// [`Error::Manifest`] when the text is not TOML.
pub fn declared_version(text: &str, path: &Path) -> Result<DeclaredVersion> {
    let doc = parse(text, path)?;
    Ok(declared(&doc))
}

fn declared(doc: &DocumentMut) -> DeclaredVersion {
    match doc.get("package").and_then(|p| p.get("version")) {
        None => DeclaredVersion::None,
        Some(v) => match v.as_str() {
            Some(s) => DeclaredVersion::Written(s.to_owned()),
            None => DeclaredVersion::Inherited,
        },
    }
}

fn parse(text: &str, path: &Path) -> Result<DocumentMut> {
    text.parse::<DocumentMut>()
        .map_err(|e| bad(path, format!("not valid TOML: {}", e.message())))
}

/// The requirement to write for `new` in place of `old`, or `None` when
/// `old` still admits `new`. A requirement of one comparator keeps its
/// explicit `=`, `^` or `~`; anything else becomes the plain version (Cargo's
/// caret). What is written always admits `new`.
fn new_requirement(old: &str, new: &Version) -> Option<String> {
    let parsed = VersionReq::parse(old);
    if parsed.as_ref().is_ok_and(|r| r.matches(new)) {
        return None;
    }
    let op = match parsed.as_ref().map(|r| r.comparators.as_slice()) {
        Ok([c]) => match c.op {
            Op::Exact => "=",
            Op::Tilde => "~",
            Op::Caret if old.trim_start().starts_with('^') => "^",
            _ => "",
        },
        _ => "",
    };
    Some(format!("{op}{new}"))
}

/// Update the requirements in one dependency table.
fn edit_dependencies(
    table: &mut dyn toml_edit::TableLike,
    new: &BTreeMap<String, Version>,
    changes: &mut Vec<String>,
) {
    for (key, item) in table.iter_mut() {
        let Some(entry) = item_table_like(item) else {
            continue;
        };
        // Only path dependencies are members; `package` renames them.
        if entry.get("path").is_none() {
            continue;
        }
        let name = entry
            .get("package")
            .and_then(Item::as_str)
            .unwrap_or(key.get())
            .to_owned();
        let Some(version) = new.get(&name) else {
            continue;
        };
        let Some(Item::Value(value)) = entry.get_mut("version") else {
            continue;
        };
        let Some(old) = value.as_str().map(str::to_owned) else {
            continue;
        };
        if let Some(req) = new_requirement(&old, version) {
            set_string(value, &req);
            changes.push(format!("requirement on {name} {old:?} -> {req:?}"));
        }
    }
}

fn item_table_like(item: &mut Item) -> Option<&mut dyn toml_edit::TableLike> {
    match item {
        Item::Table(t) => Some(t),
        Item::Value(Value::InlineTable(t)) => Some(t),
        _ => None,
    }
}

const DEPENDENCY_TABLES: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];

fn edit_dependency_tables(
    parent: &mut Table,
    new: &BTreeMap<String, Version>,
    changes: &mut Vec<String>,
) {
    for kind in DEPENDENCY_TABLES {
        if let Some(t) = parent.get_mut(kind).and_then(item_table_like) {
            edit_dependencies(t, new, changes);
        }
    }
}

/// The manifest `text` (read from `path`, for errors) with the versions of
/// `changes` written in: its own `[package] version`, `[workspace.package]
/// version`, and the requirements of path dependencies on members (in
/// `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]`, their
/// `[target.*]` forms and `[workspace.dependencies]`) that no longer admit
/// the member's new version. Returns the new text and what changed, or
/// `None` when nothing does. Everything else is kept byte for byte.
///
/// # Errors
///
/// [`Error::Manifest`] when the text is not TOML, or when `changes.package`
/// is asked of a manifest whose version is inherited from the workspace.
///
/// ```
/// use relkit_git::{edit_manifest, VersionChanges};
/// use std::path::Path;
///
/// let text = "[package]\nname = \"app\"\nversion = \"1.0.0\" # ours\n\n\
///             [dependencies]\ncore = { path = \"../core\", version = \"0.1.0\" }\n";
/// let changes = VersionChanges {
///     package: Some("1.0.1".parse()?),
///     dependencies: [("core".to_owned(), "0.2.0".parse()?)].into(),
///     ..VersionChanges::default()
/// };
/// let (after, what) = edit_manifest(text, Path::new("Cargo.toml"), &changes)?.unwrap();
/// assert_eq!(
///     after,
///     "[package]\nname = \"app\"\nversion = \"1.0.1\" # ours\n\n\
///      [dependencies]\ncore = { path = \"../core\", version = \"0.2.0\" }\n"
/// );
/// assert_eq!(what, ["version 1.0.0 -> 1.0.1", "requirement on core \"0.1.0\" -> \"0.2.0\""]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn edit_manifest(
    text: &str,
    path: &Path,
    changes: &VersionChanges,
) -> Result<Option<(String, Vec<String>)>> {
    let mut doc = parse(text, path)?;
    let mut what = Vec::new();
    if let Some(v) = &changes.package {
        match declared(&doc) {
            DeclaredVersion::Inherited => {
                return Err(bad(
                    path,
                    "version.workspace = true: a package released on its own needs a version of its own (write one here, or release the repository as one)",
                ));
            }
            DeclaredVersion::None => {
                return Err(bad(path, "no [package] version to write the release into"));
            }
            DeclaredVersion::Written(old) => {
                if old != v.to_string()
                    && let Some(Item::Value(value)) =
                        doc.get_mut("package").and_then(|p| p.get_mut("version"))
                {
                    set_string(value, &v.to_string());
                    what.push(format!("version {old} -> {v}"));
                }
            }
        }
    }
    if let Some(v) = &changes.workspace {
        let value = doc
            .get_mut("workspace")
            .and_then(|w| w.get_mut("package"))
            .and_then(|p| p.get_mut("version"));
        match value {
            Some(Item::Value(value)) => {
                let old = value.as_str().unwrap_or_default().to_owned();
                if old != v.to_string() {
                    set_string(value, &v.to_string());
                    what.push(format!("workspace version {old} -> {v}"));
                }
            }
            _ => return Err(bad(path, "no [workspace.package] version to write")),
        }
    }
    if !changes.dependencies.is_empty() {
        let root = doc.as_table_mut();
        edit_dependency_tables(root, &changes.dependencies, &mut what);
        if let Some(targets) = root.get_mut("target").and_then(Item::as_table_mut) {
            for (_, target) in targets.iter_mut() {
                if let Some(t) = target.as_table_mut() {
                    edit_dependency_tables(t, &changes.dependencies, &mut what);
                }
            }
        }
        if let Some(deps) = root
            .get_mut("workspace")
            .and_then(|w| w.get_mut("dependencies"))
            .and_then(item_table_like)
        {
            edit_dependencies(deps, &changes.dependencies, &mut what);
        }
    }
    Ok((!what.is_empty()).then(|| (doc.to_string(), what)))
}

/// The manifest edits of the Cargo workspace at `root` that give `released`
/// their new versions: each released package's `version` (for the
/// repository: `[workspace.package] version`, or else the root package's),
/// and every path-dependency requirement the new versions no longer meet.
/// Only manifests that change are returned; nothing is written. A
/// repository without `[workspace.package] version` or a root package has
/// no version of its own to write: no edit.
///
/// # Errors
///
/// [`Error::Manifest`] for a manifest that is missing or not TOML, and a
/// released package whose version is inherited;
/// [`Error::UnknownPackage`] for a name that is not a member.
pub fn version_edits(root: &Path, released: &NewVersions) -> Result<Vec<ManifestEdit>> {
    let members = workspace_packages(root)?;
    let root_path = PathBuf::from("Cargo.toml");
    let mut manifests: Vec<(PathBuf, Option<String>)> = vec![(root_path.clone(), None)];
    for m in &members {
        let path = if m.path.is_empty() {
            root_path.clone()
        } else {
            PathBuf::from(&m.path).join("Cargo.toml")
        };
        if let Some(entry) = manifests.iter_mut().find(|(p, _)| *p == path) {
            entry.1 = Some(m.name.clone());
        } else {
            manifests.push((path, Some(m.name.clone())));
        }
    }
    let mut texts = Vec::with_capacity(manifests.len());
    for (path, package) in manifests {
        let text = std::fs::read_to_string(root.join(&path))
            .map_err(|e| bad(&root.join(&path), e.to_string()))?;
        let declared = declared_version(&text, &root.join(&path))?;
        texts.push((path, package, text, declared));
    }

    // The new version of each member, and of the workspace.
    let mut new: BTreeMap<String, Version> = BTreeMap::new();
    let mut workspace_version = None;
    match released {
        NewVersions::Packages(list) => {
            for name in list.keys() {
                crate::cargo::find_package(&members, name, root)?;
            }
            new.clone_from(list);
        }
        NewVersions::Repository(v) => {
            let root_text = texts.first().map(|t| t.2.as_str()).unwrap_or_default();
            let has_workspace_version = parse(root_text, &root.join(&root_path))?
                .get("workspace")
                .and_then(|w| w.get("package"))
                .and_then(|p| p.get("version"))
                .is_some();
            if has_workspace_version {
                workspace_version = Some(v.clone());
                for (_, package, _, declared) in &texts {
                    if let (Some(name), DeclaredVersion::Inherited) = (package, declared) {
                        new.insert(name.clone(), v.clone());
                    }
                }
            } else {
                match texts.first() {
                    Some((_, Some(name), _, DeclaredVersion::Written(_))) => {
                        new.insert(name.clone(), v.clone());
                    }
                    // Members with versions of their own: nothing says
                    // which of them is the repository's version.
                    _ => return Ok(Vec::new()),
                }
            }
        }
    }

    let mut edits = Vec::new();
    for (path, package, text, declared) in texts {
        let own = package
            .as_ref()
            .and_then(|n| new.get(n))
            .filter(|_| !(workspace_version.is_some() && declared == DeclaredVersion::Inherited));
        let changes = VersionChanges {
            package: own.cloned(),
            workspace: workspace_version.clone().filter(|_| path == root_path),
            dependencies: new.clone(),
        };
        if let Some((text, changes)) = edit_manifest(&text, &root.join(&path), &changes)? {
            edits.push(ManifestEdit {
                path,
                text,
                changes,
            });
        }
    }
    Ok(edits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn deps(list: &[(&str, &str)]) -> VersionChanges {
        VersionChanges {
            dependencies: list.iter().map(|(n, x)| ((*n).to_owned(), v(x))).collect(),
            ..VersionChanges::default()
        }
    }

    fn edit(text: &str, changes: &VersionChanges) -> Option<(String, Vec<String>)> {
        edit_manifest(text, Path::new("Cargo.toml"), changes).unwrap()
    }

    #[test]
    fn requirements_change_only_when_broken() {
        assert_eq!(new_requirement("0.1.0", &v("0.1.5")), None);
        assert_eq!(
            new_requirement("0.1.0", &v("0.2.0")).as_deref(),
            Some("0.2.0")
        );
        assert_eq!(
            new_requirement("^1.2", &v("2.0.0")).as_deref(),
            Some("^2.0.0")
        );
        assert_eq!(
            new_requirement("~1.2.3", &v("1.3.0")).as_deref(),
            Some("~1.3.0")
        );
        assert_eq!(
            new_requirement("=1.0.0", &v("1.0.1")).as_deref(),
            Some("=1.0.1")
        );
        assert_eq!(new_requirement(">=1, <3", &v("2.9.0")), None);
        assert_eq!(
            new_requirement("not a req", &v("1.0.0")).as_deref(),
            Some("1.0.0")
        );
        // Found by fuzzing: "~=" is not an operator, and ">= 1, < 2" has two.
        assert_eq!(
            new_requirement("~=.1.0", &v("0.2.0")).as_deref(),
            Some("0.2.0")
        );
        assert_eq!(
            new_requirement(">= 1, < 2", &v("2.0.0")).as_deref(),
            Some("2.0.0")
        );
        assert_eq!(
            new_requirement("> 1", &v("0.2.0")).as_deref(),
            Some("0.2.0")
        );
    }

    #[test]
    fn every_kind_of_dependency_table_is_updated_and_nothing_else() {
        let text = r#"# the app
[package]
name = "app"
version = "1.0.0"

[dependencies]
core = { path = "../core", version = "0.1" }   # ours
serde = "1"
renamed = { package = "core", path = "../core", version = "=0.1.0" }
other = { path = "../other", version = "0.1.0" }
from-git = { git = "https://example.com/core", version = "0.1.0" }

[dev-dependencies.core]
path = "../core"
version = "0.1.0"

[target.'cfg(unix)'.build-dependencies]
core = { path = "../core", version = "~0.1.0" }

[workspace.dependencies]
core = { path = "crates/core", version = "0.1.0" }
"#;
        let (after, what) = edit(text, &deps(&[("core", "0.2.0")])).unwrap();
        assert_eq!(
            after,
            text.replace("version = \"0.1\" ", "version = \"0.2.0\" ")
                .replace("\"=0.1.0\"", "\"=0.2.0\"")
                .replace("\"~0.1.0\"", "\"~0.2.0\"")
                .replace(
                    "core]\npath = \"../core\"\nversion = \"0.1.0\"",
                    "core]\npath = \"../core\"\nversion = \"0.2.0\""
                )
                .replace(
                    "\"crates/core\", version = \"0.1.0\"",
                    "\"crates/core\", version = \"0.2.0\""
                )
        );
        assert_eq!(what.len(), 5, "{what:?}");
        // The same release again: nothing to change.
        assert_eq!(edit(&after, &deps(&[("core", "0.2.0")])), None);
    }

    #[test]
    fn own_and_workspace_versions() {
        let text = "[package]\nname = \"a\"\nversion = \"0.1.0\"\n";
        let changes = VersionChanges {
            package: Some(v("0.2.0")),
            ..VersionChanges::default()
        };
        assert_eq!(
            edit(text, &changes).unwrap().0,
            "[package]\nname = \"a\"\nversion = \"0.2.0\"\n"
        );
        let inherited = "[package]\nname = \"a\"\nversion.workspace = true\n";
        let err = edit_manifest(inherited, Path::new("a/Cargo.toml"), &changes).unwrap_err();
        assert!(err.to_string().contains("a/Cargo.toml"), "{err}");
        assert!(err.to_string().contains("version.workspace"), "{err}");
        let root =
            "[workspace]\nmembers = [\"a\"]\n\n[workspace.package]\nversion = \"0.1.0\" # shared\n";
        let changes = VersionChanges {
            workspace: Some(v("0.2.0")),
            ..VersionChanges::default()
        };
        assert_eq!(
            edit(root, &changes).unwrap().0,
            root.replace("\"0.1.0\" #", "\"0.2.0\" #")
        );
        let err =
            edit_manifest("[package]\nname = ", Path::new("x/Cargo.toml"), &changes).unwrap_err();
        assert!(
            err.to_string().contains("x/Cargo.toml") && err.to_string().contains("TOML"),
            "{err}"
        );
    }

    fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        dir
    }

    #[test]
    fn a_repository_writes_the_workspace_version_and_what_depends_on_it() {
        let dir = workspace(&[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"a\", \"b\"]\n\n[workspace.package]\nversion = \"0.1.0\"\n\n[workspace.dependencies]\na = { path = \"a\", version = \"0.1.0\" }\n",
            ),
            (
                "a/Cargo.toml",
                "[package]\nname = \"a\"\nversion.workspace = true\n",
            ),
            (
                "b/Cargo.toml",
                "[package]\nname = \"b\"\nversion = \"2.0.0\"\n\n[dependencies]\na.workspace = true\n",
            ),
        ]);
        let edits = version_edits(dir.path(), &NewVersions::Repository(v("0.2.0"))).unwrap();
        assert_eq!(edits.len(), 1, "{edits:?}");
        assert_eq!(edits[0].path, PathBuf::from("Cargo.toml"));
        assert_eq!(
            edits[0].changes,
            [
                "workspace version 0.1.0 -> 0.2.0",
                "requirement on a \"0.1.0\" -> \"0.2.0\""
            ]
        );
        // b has a version of its own: released on its own, it is written;
        // a inherits the workspace's, so it cannot be released on its own.
        let b = version_edits(
            dir.path(),
            &NewVersions::Packages([("b".to_owned(), v("2.1.0"))].into()),
        )
        .unwrap();
        assert_eq!((b.len(), b[0].path.to_str()), (1, Some("b/Cargo.toml")));
        let err = version_edits(
            dir.path(),
            &NewVersions::Packages([("a".to_owned(), v("0.2.0"))].into()),
        )
        .unwrap_err();
        assert!(err.to_string().contains("a/Cargo.toml"), "{err}");
        let err = version_edits(
            dir.path(),
            &NewVersions::Packages([("nope".to_owned(), v("1.0.0"))].into()),
        )
        .unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }

    proptest::proptest! {
        /// Whatever the versions, the edited manifest reads back with them,
        /// and editing again changes nothing.
        #[test]
        fn edits_read_back(
            own in (0u64..5, 0u64..5, 0u64..5),
            dep in (0u64..5, 0u64..5, 0u64..5),
            req in "[=^~]?(0|1)(\\.(0|1|2))?(\\.(0|1))?",
            comment in "[ a-z#]{0,8}",
        ) {
            let own = Version::new(own.0, own.1, own.2);
            let dep = Version::new(dep.0, dep.1, dep.2);
            let text = format!(
                "[package]\nname = \"app\"\nversion = \"9.9.9\"\n\n[dependencies]\ncore = {{ path = \"../core\", version = \"{req}\" }}\n# {comment}\n"
            );
            let changes = VersionChanges {
                package: Some(own.clone()),
                dependencies: [("core".to_owned(), dep.clone())].into(),
                ..VersionChanges::default()
            };
            let after = edit(&text, &changes).map_or(text.clone(), |(t, _)| t);
            let read: toml::Table = after.parse().unwrap();
            let own_text = own.to_string();
            proptest::prop_assert_eq!(read["package"]["version"].as_str(), Some(own_text.as_str()));
            let written = read["dependencies"]["core"]["version"].as_str().unwrap();
            proptest::prop_assert!(VersionReq::parse(written).unwrap().matches(&dep), "{} does not admit {}", written, dep);
            let tail = format!("# {comment}\n");
            proptest::prop_assert!(after.ends_with(&tail));
            proptest::prop_assert_eq!(edit(&after, &changes), None);
        }
    }
}
