//! Packages of a monorepo: which commits belong to which package, and
//! releases forced by dependencies.

use semver::{Version, VersionReq};

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use crate::bump::{Bump, ZeroPolicy, apply_bump};
use crate::next::{Next, base};
use crate::{Error, Result};

/// A dependency of a package on another package of the same repository.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Dependency {
    /// The package depended on.
    pub name: String,
    /// The version requirement, as in `Cargo.toml` (`^1.2`, `=0.3.1`, `*`).
    pub requirement: VersionReq,
}

/// A package of a monorepo.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Package {
    /// Its name, as used in tags (`{package}`).
    pub name: String,
    /// Its directory relative to the repository root, with `/` separators;
    /// empty for a package at the root.
    pub path: String,
    /// The version its manifest declares, if any.
    pub version: Option<Version>,
    /// Its dependencies on other packages of the repository.
    pub dependencies: Vec<Dependency>,
}

fn normalize(path: &str) -> &str {
    let p = path.trim_matches('/');
    let p = p.strip_prefix("./").unwrap_or(p);
    if p == "." { "" } else { p }
}

fn contains(dir: &str, file: &str) -> bool {
    let dir = normalize(dir);
    dir.is_empty()
        || file
            .strip_prefix(dir)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The package that owns a changed file: the one with the longest path that
/// contains it, so a file of `crates/a` belongs to `crates/a` and not to a
/// package at the root. `None` when no package contains it.
pub fn owner<'p>(packages: &'p [Package], file: &str) -> Option<(usize, &'p Package)> {
    packages
        .iter()
        .enumerate()
        .filter(|(_, p)| contains(&p.path, file))
        .max_by_key(|(_, p)| normalize(&p.path).len())
}

/// The indices of the packages a commit touches, given the paths it changed,
/// sorted and without duplicates.
///
/// ```
/// use relkit_version::{touched_packages, Package};
///
/// let pkg = |name: &str, path: &str| Package {
///     name: name.into(), path: path.into(), version: None, dependencies: vec![],
/// };
/// let packages = [pkg("root", ""), pkg("a", "crates/a"), pkg("ab", "crates/ab")];
/// assert_eq!(touched_packages(&packages, ["crates/a/src/lib.rs"]), vec![1]);
/// assert_eq!(touched_packages(&packages, ["crates/ab/x", "README.md"]), vec![0, 2]);
/// ```
pub fn touched_packages<'f>(
    packages: &[Package],
    files: impl IntoIterator<Item = &'f str>,
) -> Vec<usize> {
    let mut out: Vec<usize> = files
        .into_iter()
        .filter_map(|f| owner(packages, f).map(|(i, _)| i))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// When a package is released because a dependency of it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Propagation {
    /// Only when its requirement no longer admits the dependency's new version.
    #[default]
    WhenRequirementBreaks,
    /// Whenever a dependency is released.
    Always,
}

/// Raise the plans of packages whose dependencies are released: each such
/// package gets at least a patch release, until nothing changes (so a chain
/// `a → b → c` is followed to its end).
///
/// `plans[i]` is the plan of `packages[i]`, as [`crate::next_version`] made it
/// for stable releases.
///
/// # Errors
///
/// [`Error::PlanMismatch`] when the slices differ in length,
/// [`Error::UnknownPackage`] when a dependency names no package,
/// [`Error::Overflow`].
pub fn propagate(
    packages: &[Package],
    plans: &mut [Next],
    mode: Propagation,
    zero: &ZeroPolicy,
) -> Result<()> {
    if packages.len() != plans.len() {
        return Err(Error::PlanMismatch {
            plans: plans.len(),
            packages: packages.len(),
        });
    }
    let index = |name: &str| {
        packages
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| Error::UnknownPackage {
                name: name.to_owned(),
            })
    };
    // Each pass can only turn a package from "no release" into "release", so
    // at most `packages.len()` passes change anything.
    for _ in 0..=packages.len() {
        let mut changed = false;
        for (i, package) in packages.iter().enumerate() {
            for dep in &package.dependencies {
                let d = index(&dep.name)?;
                let Some(dep_plan) = plans.get(d) else {
                    continue;
                };
                if !dep_plan.release {
                    continue;
                }
                let Some(new) = dep_plan.version.clone() else {
                    continue;
                };
                let admits = dep.requirement.matches(&new);
                if mode == Propagation::WhenRequirementBreaks && admits {
                    continue;
                }
                let Some(plan) = plans.get_mut(i) else {
                    continue;
                };
                if plan.forced_by.contains(&dep.name) {
                    continue;
                }
                plan.forced_by.push(dep.name.clone());
                if plan.release {
                    continue;
                }
                let from = plan
                    .current
                    .clone()
                    .or_else(|| package.version.clone())
                    .unwrap_or_else(|| Version::new(0, 0, 0));
                let v = apply_bump(&base(&from), Bump::Patch, zero)?;
                plan.bump = Bump::Patch;
                plan.version = Some(v);
                plan.release = true;
                plan.reason = if admits {
                    format!("its dependency {} is released as {new}", dep.name)
                } else {
                    format!(
                        "its requirement {} {} does not admit the new {new}",
                        dep.name, dep.requirement
                    )
                };
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    Ok(())
}
