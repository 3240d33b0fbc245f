//! Reading CycloneDX JSON BOMs (any version, any producer) and diffing two of them.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};

/// A component as read from a BOM, with what the diff needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct BomComponent {
    /// `name` (with `group/` in front when there is a group).
    pub name: String,
    /// `version`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `purl`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// The licenses: the expression, or the ids/names joined with ` AND `.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
}

impl BomComponent {
    /// Identity across versions: the purl without its version, else the name.
    #[must_use]
    pub fn key(&self) -> String {
        match &self.purl {
            Some(p) => purl_without_version(p),
            None => format!("name:{}", self.name),
        }
    }
}

fn purl_without_version(p: &str) -> String {
    let end = p.find(['?', '#']).unwrap_or(p.len());
    let (head, tail) = p.split_at(end);
    let slash = head.rfind('/').unwrap_or(0);
    let (dir, last) = head.split_at(slash);
    let name = last.split('@').next().unwrap_or(last);
    format!("{dir}{name}{tail}")
}

/// The components of a CycloneDX JSON BOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BomDocument {
    /// `specVersion`.
    pub spec_version: String,
    /// `components`, nested ones included, sorted.
    pub components: Vec<BomComponent>,
}

impl BomDocument {
    /// Read a CycloneDX JSON BOM (1.2 to 1.7); `origin` names it in errors.
    ///
    /// Only `bomFormat`, `specVersion` and the components' name, group, version, purl and
    /// licenses are read; use [`crate::SchemaValidator`] to check the rest.
    ///
    /// # Errors
    ///
    /// [`Error::NotABom`] when the bytes are not JSON or not a CycloneDX BOM.
    pub fn from_json(bytes: &[u8], origin: &str) -> Result<Self> {
        let fail = |reason: String| Error::NotABom {
            origin: origin.to_owned(),
            reason,
        };
        let value: Value = serde_json::from_slice(bytes).map_err(|e| fail(e.to_string()))?;
        if value.get("bomFormat").and_then(Value::as_str) != Some("CycloneDX") {
            return Err(fail("\"bomFormat\" is not \"CycloneDX\"".to_owned()));
        }
        let spec_version = value
            .get("specVersion")
            .and_then(Value::as_str)
            .ok_or_else(|| fail("no string \"specVersion\"".to_owned()))?
            .to_owned();
        let mut components = Vec::new();
        if let Some(list) = value.get("components") {
            collect(list, &mut components, 0, &fail)?;
        }
        components.sort();
        components.dedup();
        Ok(Self {
            spec_version,
            components,
        })
    }
}

fn collect(
    list: &Value,
    out: &mut Vec<BomComponent>,
    depth: usize,
    fail: &dyn Fn(String) -> Error,
) -> Result<()> {
    if depth > 64 {
        return Err(fail("components nested more than 64 deep".to_owned()));
    }
    let items = list
        .as_array()
        .ok_or_else(|| fail("\"components\" is not an array".to_owned()))?;
    for c in items {
        let name = c
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| fail("a component has no string \"name\"".to_owned()))?;
        let name = match c.get("group").and_then(Value::as_str) {
            Some(g) if !g.is_empty() => format!("{g}/{name}"),
            _ => name.to_owned(),
        };
        let text = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_owned);
        out.push(BomComponent {
            name,
            version: text("version"),
            purl: text("purl"),
            license: licenses(c.get("licenses")),
        });
        if let Some(nested) = c.get("components") {
            collect(nested, out, depth + 1, fail)?;
        }
    }
    Ok(())
}

fn licenses(v: Option<&Value>) -> Option<String> {
    let mut parts: Vec<String> = v?
        .as_array()?
        .iter()
        .filter_map(|choice| {
            if let Some(e) = choice.get("expression").and_then(Value::as_str) {
                return Some(e.to_owned());
            }
            let l = choice.get("license")?;
            l.get("id")
                .or_else(|| l.get("name"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect();
    parts.sort();
    parts.dedup();
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(" AND "))
    }
}

/// A component whose version changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionChange {
    /// Name.
    pub name: String,
    /// The identity (purl without version, or `name:NAME`).
    pub key: String,
    /// Old version.
    pub old: String,
    /// New version.
    pub new: String,
}

/// A component whose license changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LicenseChange {
    /// Name.
    pub name: String,
    /// The new version.
    pub version: String,
    /// Old license.
    pub old: Option<String>,
    /// New license.
    pub new: Option<String>,
}

/// What changed between two BOMs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SbomDiff {
    /// Components only in the new BOM.
    pub added: Vec<BomComponent>,
    /// Components only in the old BOM.
    pub removed: Vec<BomComponent>,
    /// Same identity, higher version.
    pub upgraded: Vec<VersionChange>,
    /// Same identity, lower version.
    pub downgraded: Vec<VersionChange>,
    /// Same identity (and paired version), different license.
    pub license_changed: Vec<LicenseChange>,
}

impl SbomDiff {
    /// `true` when nothing changed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.upgraded.is_empty()
            && self.downgraded.is_empty()
            && self.license_changed.is_empty()
    }
}

/// Compare versions: SemVer when both parse, else piecewise (numbers as numbers).
#[must_use]
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    match (semver::Version::parse(a), semver::Version::parse(b)) {
        (Ok(x), Ok(y)) => x.cmp(&y).then_with(|| a.cmp(b)),
        _ => {
            let split = |s: &str| -> Vec<(u64, String)> {
                s.split(['.', '-', '+', '_'])
                    .map(|p| (p.parse::<u64>().unwrap_or(u64::MAX), p.to_owned()))
                    .collect()
            };
            split(a).cmp(&split(b)).then_with(|| a.cmp(b))
        }
    }
}

/// Diff two BOMs.
///
/// Components are matched by [`BomComponent::key`]. Where an identity has several versions
/// (e.g. `syn` 1 and 2), versions present on both sides are unchanged; the others are paired
/// in version order, and what is left over is added or removed.
#[must_use]
pub fn diff(old: &BomDocument, new: &BomDocument) -> SbomDiff {
    fn group(d: &BomDocument) -> BTreeMap<String, Vec<&BomComponent>> {
        let mut m: BTreeMap<String, Vec<&BomComponent>> = BTreeMap::new();
        for c in &d.components {
            m.entry(c.key()).or_default().push(c);
        }
        for v in m.values_mut() {
            v.sort_by(|a, b| {
                compare_versions(
                    a.version.as_deref().unwrap_or_default(),
                    b.version.as_deref().unwrap_or_default(),
                )
                .then_with(|| a.cmp(b))
            });
            v.dedup_by(|a, b| a.version == b.version);
        }
        m
    }
    let (o, n) = (group(old), group(new));
    let mut out = SbomDiff::default();
    let mut keys: Vec<&String> = o.keys().chain(n.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let empty = Vec::new();
        let olds = o.get(key).unwrap_or(&empty);
        let news = n.get(key).unwrap_or(&empty);
        let mut pairs: Vec<(&BomComponent, &BomComponent)> = Vec::new();
        let mut old_left: Vec<&BomComponent> = Vec::new();
        for oc in olds {
            match news.iter().find(|nc| nc.version == oc.version) {
                Some(nc) => pairs.push((oc, nc)),
                None => old_left.push(oc),
            }
        }
        let new_left: Vec<&BomComponent> = news
            .iter()
            .filter(|nc| !olds.iter().any(|oc| oc.version == nc.version))
            .copied()
            .collect();
        let paired = old_left.len().min(new_left.len());
        for (oc, nc) in old_left.iter().zip(new_left.iter()) {
            let (ov, nv) = (
                oc.version.clone().unwrap_or_default(),
                nc.version.clone().unwrap_or_default(),
            );
            let change = VersionChange {
                name: nc.name.clone(),
                key: key.clone(),
                old: ov.clone(),
                new: nv.clone(),
            };
            if compare_versions(&ov, &nv) == Ordering::Greater {
                out.downgraded.push(change);
            } else {
                out.upgraded.push(change);
            }
            pairs.push((oc, nc));
        }
        out.removed
            .extend(old_left.iter().skip(paired).map(|c| (*c).clone()));
        out.added
            .extend(new_left.iter().skip(paired).map(|c| (*c).clone()));
        for (oc, nc) in pairs {
            if oc.license != nc.license {
                out.license_changed.push(LicenseChange {
                    name: nc.name.clone(),
                    version: nc.version.clone().unwrap_or_default(),
                    old: oc.license.clone(),
                    new: nc.license.clone(),
                });
            }
        }
    }
    out.license_changed
        .sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    out
}

impl std::fmt::Display for SbomDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |c: &BomComponent| {
            format!(
                "{} {}",
                c.name,
                c.version.as_deref().unwrap_or("(no version)")
            )
        };
        for c in &self.added {
            writeln!(f, "added       {}", show(c))?;
        }
        for c in &self.removed {
            writeln!(f, "removed     {}", show(c))?;
        }
        for c in &self.upgraded {
            writeln!(f, "upgraded    {} {} -> {}", c.name, c.old, c.new)?;
        }
        for c in &self.downgraded {
            writeln!(f, "downgraded  {} {} -> {}", c.name, c.old, c.new)?;
        }
        for c in &self.license_changed {
            writeln!(
                f,
                "license     {} {}: {} -> {}",
                c.name,
                c.version,
                c.old.as_deref().unwrap_or("(none)"),
                c.new.as_deref().unwrap_or("(none)")
            )?;
        }
        writeln!(
            f,
            "{} added, {} removed, {} upgraded, {} downgraded, {} license changes",
            self.added.len(),
            self.removed.len(),
            self.upgraded.len(),
            self.downgraded.len(),
            self.license_changed.len()
        )
    }
}
