//! Packages of a Cargo workspace, read from its `Cargo.toml` files.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use relkit_version::{Dependency, Package};
use semver::{Version, VersionReq};
use toml::{Table, Value};

use crate::{Error, Result};

fn read_manifest(path: &Path) -> Result<Table> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Manifest {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    text.parse::<Table>().map_err(|e| Error::Manifest {
        path: path.to_path_buf(),
        reason: format!("not valid TOML: {}", e.message()),
    })
}

fn bad(path: &Path, reason: impl Into<String>) -> Error {
    Error::Manifest {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Normalize `a/./b/../c` to `a/c` without touching the file system.
fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn rel_string(path: &Path) -> String {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

struct Member {
    dir: PathBuf,
    manifest: Table,
}

/// The packages of the Cargo workspace whose root manifest is
/// `root/Cargo.toml`, with paths relative to `root`, sorted by name.
///
/// Members come from `[workspace] members` (glob patterns) less `exclude`,
/// plus the root package if the root manifest has one. Versions inherited
/// with `version.workspace = true` are resolved. Dependencies on other
/// members (normal and build, by `path` or through
/// `[workspace.dependencies]`) are kept with their requirement; a path
/// dependency without a version requirement admits any version (`*`).
///
/// # Errors
///
/// [`Error::Manifest`] when a manifest is missing, is not TOML, or lacks a
/// package name; a member glob that is malformed.
pub fn workspace_packages(root: &Path) -> Result<Vec<Package>> {
    let root_manifest_path = root.join("Cargo.toml");
    let root_manifest = read_manifest(&root_manifest_path)?;
    let workspace = root_manifest.get("workspace").and_then(Value::as_table);
    let mut members: Vec<Member> = Vec::new();
    if root_manifest.contains_key("package") {
        members.push(Member {
            dir: PathBuf::new(),
            manifest: root_manifest.clone(),
        });
    }
    if let Some(ws) = workspace {
        let strings = |key: &str| -> Vec<String> {
            ws.get(key)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let excluded: Vec<PathBuf> = strings("exclude")
            .iter()
            .map(|e| clean(Path::new(e)))
            .collect();
        let mut dirs: Vec<PathBuf> = Vec::new();
        for pattern in strings("members") {
            let full = root.join(&pattern);
            let full = full.to_string_lossy();
            let matches = glob::glob(&full).map_err(|e| {
                bad(
                    &root_manifest_path,
                    format!("workspace member pattern {pattern:?} is not a valid glob: {e}"),
                )
            })?;
            for m in matches.flatten() {
                if m.join("Cargo.toml").is_file() {
                    let rel = clean(m.strip_prefix(root).unwrap_or(&m));
                    if !excluded.contains(&rel) && !dirs.contains(&rel) {
                        dirs.push(rel);
                    }
                }
            }
        }
        dirs.sort();
        for dir in dirs {
            if dir.as_os_str().is_empty() {
                continue;
            }
            let manifest = read_manifest(&root.join(&dir).join("Cargo.toml"))?;
            members.push(Member { dir, manifest });
        }
    }
    let ws_version = workspace
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let ws_deps = workspace
        .and_then(|w| w.get("dependencies"))
        .and_then(Value::as_table)
        .cloned()
        .unwrap_or_default();

    // Names and directories first, so that dependencies can be matched.
    let mut names: BTreeMap<PathBuf, String> = BTreeMap::new();
    for m in &members {
        let path = root.join(&m.dir).join("Cargo.toml");
        let name = m
            .manifest
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(Value::as_str)
            .ok_or_else(|| bad(&path, "[package] has no name"))?;
        names.insert(m.dir.clone(), name.to_owned());
    }
    let member_names: Vec<&String> = names.values().collect();

    let mut packages = Vec::with_capacity(members.len());
    for m in &members {
        let manifest_path = root.join(&m.dir).join("Cargo.toml");
        let package = m.manifest.get("package").and_then(Value::as_table);
        let name = names.get(&m.dir).cloned().unwrap_or_default();
        let version = match package.and_then(|p| p.get("version")) {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Table(t)) if t.get("workspace").and_then(Value::as_bool) == Some(true) => {
                Some(ws_version.clone().ok_or_else(|| {
                    bad(
                        &manifest_path,
                        "version.workspace = true, but [workspace.package] has no version",
                    )
                })?)
            }
            Some(_) => return Err(bad(&manifest_path, "[package] version is not a string")),
        };
        let version = version
            .map(|v| {
                Version::parse(&v).map_err(|e| {
                    bad(
                        &manifest_path,
                        format!("package version {v:?} is not SemVer: {e}"),
                    )
                })
            })
            .transpose()?;
        let mut dependencies = Vec::new();
        for section in ["dependencies", "build-dependencies"] {
            let Some(table) = m.manifest.get(section).and_then(Value::as_table) else {
                continue;
            };
            for (key, spec) in table {
                let Some(dep) = member_dependency(key, spec, &ws_deps, &member_names) else {
                    continue;
                };
                let req = VersionReq::parse(&dep.1).map_err(|e| {
                    bad(
                        &manifest_path,
                        format!(
                            "[{section}] {key}: version requirement {:?} is invalid: {e}",
                            dep.1
                        ),
                    )
                })?;
                if !dependencies.iter().any(|d: &Dependency| d.name == dep.0) {
                    dependencies.push(Dependency {
                        name: dep.0,
                        requirement: req,
                    });
                }
            }
        }
        packages.push(Package {
            name,
            path: rel_string(&m.dir),
            version,
            dependencies,
        });
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(packages)
}

/// `(package name, requirement)` when `key = spec` depends on a member.
fn member_dependency(
    key: &str,
    spec: &Value,
    ws_deps: &Table,
    members: &[&String],
) -> Option<(String, String)> {
    let table = spec.as_table();
    let inherited = table
        .and_then(|t| t.get("workspace"))
        .and_then(Value::as_bool)
        == Some(true);
    let source = if inherited { ws_deps.get(key)? } else { spec };
    let name = source
        .as_table()
        .and_then(|t| t.get("package"))
        .and_then(Value::as_str)
        .or_else(|| table.and_then(|t| t.get("package")).and_then(Value::as_str))
        .unwrap_or(key)
        .to_owned();
    if !members.iter().any(|m| **m == name) {
        return None;
    }
    let req = match source {
        Value::String(s) => s.clone(),
        Value::Table(t) => t
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or("*")
            .to_owned(),
        _ => return None,
    };
    Some((name, req))
}

/// The package named `name` among `packages`.
///
/// # Errors
///
/// [`Error::UnknownPackage`] listing the names that exist.
pub fn find_package<'p>(packages: &'p [Package], name: &str, root: &Path) -> Result<&'p Package> {
    packages
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| Error::UnknownPackage {
            name: name.to_owned(),
            root: root.to_path_buf(),
            available: packages.iter().map(|p| p.name.clone()).collect(),
        })
}
