//! From a [`WorkspaceGraph`] to CycloneDX JSON, on the `cyclonedx-bom` model.

use std::collections::BTreeMap;

use cyclonedx_bom::external_models::date_time::DateTime;
use cyclonedx_bom::external_models::normalized_string::NormalizedString;
use cyclonedx_bom::external_models::uri::{Purl, Uri};
use cyclonedx_bom::models::bom::Bom;
use cyclonedx_bom::models::component::{Classification, Component, Components, Scope};
use cyclonedx_bom::models::dependency::{Dependencies, Dependency};
use cyclonedx_bom::models::external_reference::{
    ExternalReference, ExternalReferenceType, ExternalReferences,
};
use cyclonedx_bom::models::hash::{Hash, HashAlgorithm, HashValue, Hashes};
use cyclonedx_bom::models::license::{LicenseChoice, Licenses};
use cyclonedx_bom::models::metadata::Metadata;
use cyclonedx_bom::models::property::{Properties, Property};
use cyclonedx_bom::models::tool::Tools;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::graph::{DepKind, Package, Source, WorkspaceGraph};

/// A CycloneDX specification version this crate writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SpecVersion {
    /// CycloneDX 1.5.
    V1_5,
    /// CycloneDX 1.6 (the default).
    #[default]
    V1_6,
}

impl SpecVersion {
    /// `"1.5"` or `"1.6"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1_5 => "1.5",
            Self::V1_6 => "1.6",
        }
    }
}

impl std::str::FromStr for SpecVersion {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "1.5" => Ok(Self::V1_5),
            "1.6" => Ok(Self::V1_6),
            other => Err(Error::Unsupported(format!(
                "CycloneDX spec version \"{other}\" (1.5 and 1.6 are written)"
            ))),
        }
    }
}

/// What goes into the SBOM(s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomOptions {
    /// The CycloneDX version to write.
    pub spec_version: SpecVersion,
    /// `metadata.timestamp`, passed in (e.g. from `SOURCE_DATE_EPOCH`); also seeds the serial number.
    pub timestamp: jiff::Timestamp,
    /// Add packages reached only through build dependencies (marked `relkit:dependency-kind=build`).
    pub include_build: bool,
    /// Add packages reached only through dev-dependencies (marked `relkit:dependency-kind=dev`).
    pub include_dev: bool,
    /// One SBOM per workspace member instead of one for the whole workspace.
    pub per_member: bool,
}

impl SbomOptions {
    /// Defaults (CycloneDX 1.6, normal dependencies, one SBOM) at the given time.
    #[must_use]
    pub fn new(timestamp: jiff::Timestamp) -> Self {
        Self {
            spec_version: SpecVersion::default(),
            timestamp,
            include_build: false,
            include_dev: false,
            per_member: false,
        }
    }
}

/// One generated SBOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sbom {
    /// The member it describes, or the workspace's name.
    pub subject: String,
    /// The CycloneDX JSON document, pretty-printed, keys sorted, ending in a newline.
    pub json: Vec<u8>,
}

/// The purl of a package: `pkg:cargo/NAME@VERSION` plus `repository_url`, `vcs_url` or
/// `download_url` for other registries, git and path sources.
#[must_use]
pub fn purl(p: &Package) -> String {
    let mut s = format!(
        "pkg:cargo/{}@{}",
        encode(&p.name, false),
        encode(&p.version, false)
    );
    let qualifier = match &p.source {
        Source::CratesIo | Source::Path(None) => None,
        Source::Registry(url) => Some(("repository_url", url.clone())),
        Source::Git { url, rev } => Some((
            "vcs_url",
            match rev {
                Some(r) => format!("git+{url}@{r}"),
                None => format!("git+{url}"),
            },
        )),
        // Relative to the workspace root (absolute paths give `file:///…`).
        Source::Path(Some(dir)) => Some(("download_url", format!("file://{dir}"))),
    };
    if let Some((k, v)) = qualifier {
        s.push('?');
        s.push_str(k);
        s.push('=');
        s.push_str(&encode(&v, true));
    }
    s
}

/// Percent-encoding for purl parts: what the `purl` crate (used by cargo-cyclonedx) encodes,
/// plus `+` in versions as the purl specification asks.
fn encode(s: &str, qualifier: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let enc = b.is_ascii_control()
            || !b.is_ascii()
            || matches!(
                b,
                b' ' | b'"' | b'#' | b'<' | b'>' | b'@' | b'?' | b'%' | b'+'
            )
            || (qualifier && b == b'&')
            || (!qualifier && matches!(b, b'`' | b'{' | b'}' | b'/'));
        if enc {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

/// Generate the SBOM(s) of `graph`.
///
/// # Errors
///
/// [`Error::Unsupported`] for options the graph cannot honour (dev/build kinds in
/// lockfile-only mode); [`Error::Serialize`] when the model cannot be written.
pub fn generate(graph: &WorkspaceGraph, opts: &SbomOptions) -> Result<Vec<Sbom>> {
    if graph.lockfile_only && (opts.include_build || opts.include_dev) {
        return Err(Error::Unsupported(
            "--include-dev/--include-build need cargo metadata: Cargo.lock does not record \
             dependency kinds (lockfile-only mode already lists every package)"
                .to_owned(),
        ));
    }
    let mut allowed = vec![DepKind::Normal];
    if opts.include_build {
        allowed.push(DepKind::Build);
    }
    if opts.include_dev {
        allowed.push(DepKind::Dev);
    }
    let purls: Vec<String> = graph.packages.iter().map(purl).collect();
    let mut out = Vec::new();
    if opts.per_member {
        let mut members: Vec<usize> = graph.members.clone();
        members.sort_by(|&a, &b| purls.get(a).cmp(&purls.get(b)));
        for m in members {
            let Some(pkg) = graph.packages.get(m) else {
                continue;
            };
            let bom = build(graph, opts, &purls, &allowed, &[m], None)?;
            out.push(render(bom, opts, &pkg.name)?);
        }
    } else {
        let bom = build(
            graph,
            opts,
            &purls,
            &allowed,
            &graph.members,
            Some(&graph.name),
        )?;
        out.push(render(bom, opts, &graph.name)?);
    }
    Ok(out)
}

fn build(
    graph: &WorkspaceGraph,
    opts: &SbomOptions,
    purls: &[String],
    allowed: &[DepKind],
    roots: &[usize],
    workspace: Option<&str>,
) -> Result<Bom> {
    let kinds = if graph.lockfile_only && workspace.is_some() {
        // Lockfile-only, whole workspace: every package of the lock file.
        vec![Some(DepKind::Normal); graph.packages.len()]
    } else {
        graph.reach(roots, allowed)
    };
    let is_root = |i: usize| roots.contains(&i);
    let workspace_ref = workspace.map(|w| format!("workspace:{w}"));
    // Members (roots) go under metadata.component; everything else is a component.
    let mut components: Vec<(String, Component)> = Vec::new();
    let mut root_components: Vec<(String, Component)> = Vec::new();
    for (i, (p, kind)) in graph.packages.iter().zip(&kinds).enumerate() {
        let Some(kind) = kind else { continue };
        let Some(purl) = purls.get(i) else { continue };
        let c = component(p, purl, *kind, graph.lockfile_only, is_root(i));
        if is_root(i) {
            root_components.push((purl.clone(), c));
        } else {
            components.push((purl.clone(), c));
        }
    }
    components.sort_by(|a, b| a.0.cmp(&b.0));
    components.dedup_by(|a, b| a.0 == b.0);
    root_components.sort_by(|a, b| a.0.cmp(&b.0));

    // Dependencies: every included package, its included targets, sorted.
    let mut deps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (i, kind) in kinds.iter().enumerate() {
        if kind.is_none() {
            continue;
        }
        let Some(from) = purls.get(i) else { continue };
        let mut targets: Vec<String> = graph
            .edges
            .get(i)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|e| e.kinds.iter().any(|k| allowed.contains(k)))
            .filter(|e| kinds.get(e.to).is_some_and(Option::is_some))
            .filter_map(|e| purls.get(e.to).cloned())
            .collect();
        targets.sort();
        targets.dedup();
        deps.entry(from.clone()).or_default().extend(targets);
    }
    if let Some(w) = &workspace_ref {
        deps.insert(
            w.clone(),
            root_components.iter().map(|(p, _)| p.clone()).collect(),
        );
    }
    let dependencies = deps
        .into_iter()
        .map(|(dependency_ref, mut dependencies)| {
            dependencies.sort();
            dependencies.dedup();
            Dependency {
                dependency_ref,
                dependencies,
            }
        })
        .collect();

    let subject = match (workspace, root_components.as_slice()) {
        (Some(name), [_, _, ..]) | (Some(name), []) => {
            let mut c = Component::new(Classification::Application, name, "", workspace_ref);
            c.version = None;
            c.description = Some(NormalizedString::new("Cargo workspace"));
            c.components = Some(Components(
                root_components.into_iter().map(|(_, c)| c).collect(),
            ));
            c
        }
        (_, [(_, only)]) => only.clone(),
        (None, _) => {
            // Per-member mode always has exactly one root.
            return Err(Error::Serialize {
                subject: graph.name.clone(),
                reason: "a per-member SBOM needs exactly one member".to_owned(),
            });
        }
    };
    let mut dependencies: Vec<Dependency> = dependencies;
    if workspace.is_some() && subject.bom_ref.as_deref() != workspace_ref_str(workspace).as_deref()
    {
        // One member: no synthetic workspace node in the dependency graph.
        dependencies
            .retain(|d| Some(d.dependency_ref.as_str()) != workspace_ref_str(workspace).as_deref());
    }

    let timestamp = opts.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut tool = Component::new(
        Classification::Application,
        "relkit-sbom",
        env!("CARGO_PKG_VERSION"),
        None,
    );
    tool.description = Some(NormalizedString::new(env!("CARGO_PKG_DESCRIPTION")));
    let metadata = Metadata {
        timestamp: Some(
            DateTime::try_from(timestamp.clone()).map_err(|e| Error::Serialize {
                subject: graph.name.clone(),
                reason: format!("timestamp {timestamp}: {e}"),
            })?,
        ),
        tools: Some(Tools::Object {
            services: None,
            components: Some(Components(vec![tool])),
        }),
        component: Some(subject),
        ..Metadata::default()
    };
    Ok(Bom {
        version: 1,
        serial_number: None,
        metadata: Some(metadata),
        components: Some(Components(components.into_iter().map(|(_, c)| c).collect())),
        dependencies: Some(Dependencies(dependencies)),
        ..Bom::default()
    })
}

fn workspace_ref_str(workspace: Option<&str>) -> Option<String> {
    workspace.map(|w| format!("workspace:{w}"))
}

fn component(p: &Package, purl: &str, kind: DepKind, lockfile_only: bool, root: bool) -> Component {
    let class = if p.has_bin && root {
        Classification::Application
    } else {
        Classification::Library
    };
    let mut c = Component::new(class, &p.name, &p.version, Some(purl.to_owned()));
    c.purl = purl.parse::<Purl>().ok();
    c.description = p.description.as_deref().map(NormalizedString::new);
    if let Some(sum) = &p.checksum {
        c.hashes = Some(Hashes(vec![Hash {
            alg: HashAlgorithm::SHA_256,
            content: HashValue(sum.clone()),
        }]));
    }
    if let Some(l) = p
        .license
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        // Cargo once accepted `MIT/Apache-2.0`; SPDX spells it `MIT OR Apache-2.0`.
        let expr = if l.contains('/') {
            l.split('/').map(str::trim).collect::<Vec<_>>().join(" OR ")
        } else {
            l.to_owned()
        };
        c.licenses = Some(Licenses(vec![LicenseChoice::expression(&expr)]));
    }
    let mut refs = Vec::new();
    for (url, ty) in [
        (&p.repository, ExternalReferenceType::Vcs),
        (&p.documentation, ExternalReferenceType::Documentation),
        (&p.homepage, ExternalReferenceType::Website),
    ] {
        if let Some(u) = url.as_deref().map(str::trim).filter(|u| plausible_url(u)) {
            refs.push(ExternalReference::new(ty, Uri::new(u)));
        }
    }
    if !refs.is_empty() {
        c.external_references = Some(ExternalReferences(refs));
    }
    if !lockfile_only && !root {
        c.scope = Some(if kind == DepKind::Normal {
            Scope::Required
        } else {
            Scope::Excluded
        });
    }
    let mut props = Vec::new();
    match kind {
        DepKind::Build if !lockfile_only => {
            props.push(Property::new("relkit:dependency-kind", "build"))
        }
        DepKind::Dev if !lockfile_only => {
            props.push(Property::new("relkit:dependency-kind", "dev"))
        }
        _ => {}
    }
    if !props.is_empty() {
        c.properties = Some(Properties(props));
    }
    c
}

/// A URL the schema's `iri-reference` format accepts: no spaces, no control characters.
fn plausible_url(u: &str) -> bool {
    !u.is_empty()
        && u.contains("://")
        && !u.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`')
        })
}

fn render(bom: Bom, opts: &SbomOptions, subject: &str) -> Result<Sbom> {
    let fail = |reason: String| Error::Serialize {
        subject: subject.to_owned(),
        reason,
    };
    let mut buf = Vec::with_capacity(1 << 16);
    bom.output_as_json_v1_5(&mut buf)
        .map_err(|e| fail(e.to_string()))?;
    let mut value: Value = serde_json::from_slice(&buf).map_err(|e| fail(e.to_string()))?;
    let Value::Object(map) = &mut value else {
        return Err(fail(
            "the model did not serialise to a JSON object".to_owned(),
        ));
    };
    // cyclonedx-bom 0.8 writes 1.3 to 1.5 only. What we put in the model is valid 1.6 as it
    // is (the 1.6 schema is a superset for these fields), so 1.6 differs by its markers only.
    let v = opts.spec_version.as_str();
    map.insert("specVersion".to_owned(), Value::String(v.to_owned()));
    map.insert(
        "$schema".to_owned(),
        Value::String(format!("http://cyclonedx.org/schema/bom-{v}.schema.json")),
    );
    map.remove("serialNumber");
    // The serial number is a UUID (version 8, RFC 9562) made of the SHA-256 of everything
    // else, the timestamp included: the same input at the same time gives the same bytes.
    let canonical = serde_json::to_vec(&value).map_err(|e| fail(e.to_string()))?;
    let digest = Sha256::digest(&canonical);
    let mut b = [0u8; 16];
    for (dst, src) in b.iter_mut().zip(digest.iter()) {
        *dst = *src;
    }
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let uuid = format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        hex.get(0..8).unwrap_or_default(),
        hex.get(8..12).unwrap_or_default(),
        hex.get(12..16).unwrap_or_default(),
        hex.get(16..20).unwrap_or_default(),
        hex.get(20..32).unwrap_or_default()
    );
    if let Value::Object(map) = &mut value {
        map.insert("serialNumber".to_owned(), Value::String(uuid));
    }
    let mut json = serde_json::to_vec_pretty(&value).map_err(|e| fail(e.to_string()))?;
    json.push(b'\n');
    Ok(Sbom {
        subject: subject.to_owned(),
        json,
    })
}
