//! Validation of any CycloneDX JSON document against the official JSON schemas.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use crate::error::{Error, Result};

/// The spec versions a schema is looked for (`bom-<v>.schema.json`).
const VERSIONS: [&str; 4] = ["1.4", "1.5", "1.6", "1.7"];

/// Validates CycloneDX JSON documents against the official schemas in a folder.
///
/// The folder holds upstream's `bom-1.x.schema.json`, `spdx.schema.json`,
/// `jsf-0.82.schema.json` (and `cryptography-defs.schema.json` for 1.7). They refer to each
/// other by `$id`; every file is registered under its `$id`, so nothing is fetched from the
/// network. `format` keywords (`date-time`, `iri-reference`, `idn-email`, …) are asserted,
/// as upstream's test documents require.
#[derive(Debug)]
pub struct SchemaValidator {
    dir: PathBuf,
    resources: Vec<(String, Value)>,
    compiled: [OnceLock<std::result::Result<jsonschema::Validator, String>>; 4],
}

/// The verdict on one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationReport {
    /// The document's `specVersion`.
    pub spec_version: String,
    /// Every violation; empty when the document is valid.
    pub violations: Vec<Violation>,
}

impl ValidationReport {
    /// `true` when there are no violations.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }
}

/// One schema violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON Pointer to the offending value (`/` for the document itself).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The official schemas built into the crate (see `schemas/README.md`).
const BUNDLED: [(&str, &str); 4] = [
    (
        "bom-1.5.schema.json",
        include_str!("../schemas/bom-1.5.schema.json"),
    ),
    (
        "bom-1.6.schema.json",
        include_str!("../schemas/bom-1.6.schema.json"),
    ),
    (
        "spdx.schema.json",
        include_str!("../schemas/spdx.schema.json"),
    ),
    (
        "jsf-0.82.schema.json",
        include_str!("../schemas/jsf-0.82.schema.json"),
    ),
];

fn resource(path: &Path, text: &str) -> Result<(String, Value)> {
    let value: Value = serde_json::from_str(text).map_err(|e| Error::Schema {
        path: path.to_path_buf(),
        reason: format!("not JSON: {e}"),
    })?;
    let id = value
        .get("$id")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Schema {
            path: path.to_path_buf(),
            reason: "no \"$id\"".to_owned(),
        })?
        .to_owned();
    Ok((id, value))
}

impl SchemaValidator {
    /// The official CycloneDX 1.5 and 1.6 schemas built into the crate: no
    /// file, no network. Schemas are compiled on first use.
    ///
    /// # Errors
    ///
    /// [`Error::Schema`] if a bundled schema did not parse (it does; this is tested).
    pub fn bundled() -> Result<Self> {
        let dir = PathBuf::from("(bundled schemas)");
        let mut resources = BUNDLED
            .iter()
            .map(|(name, text)| resource(&dir.join(name), text))
            .collect::<Result<Vec<_>>>()?;
        resources.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Self {
            dir,
            resources,
            compiled: Default::default(),
        })
    }

    /// Load every `*.schema.json` of `dir`. Schemas are compiled on first use.
    ///
    /// # Errors
    ///
    /// [`Error::Schema`] when the folder or a file cannot be read or is not JSON with an `$id`.
    pub fn from_dir(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::Schema {
            path: dir.clone(),
            reason: e.to_string(),
        })?;
        let mut resources = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            let path = entry.path();
            if !path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with(".schema.json"))
            {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            resources.push(resource(&path, &text)?);
        }
        resources.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Self {
            dir,
            resources,
            compiled: Default::default(),
        })
    }

    /// The schema folder.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn validator(&self, version: &str, origin: &str) -> Result<&jsonschema::Validator> {
        let unknown = || Error::UnknownSpecVersion {
            origin: origin.to_owned(),
            version: version.to_owned(),
        };
        let idx = VERSIONS
            .iter()
            .position(|v| *v == version)
            .ok_or_else(unknown)?;
        let slot = self.compiled.get(idx).ok_or_else(unknown)?;
        let id = format!("http://cyclonedx.org/schema/bom-{version}.schema.json");
        let compiled = slot.get_or_init(|| {
            let schema = self
                .resources
                .iter()
                .find(|(i, _)| *i == id)
                .map(|(_, v)| v)
                .ok_or_else(|| format!("no schema with $id {id}"))?;
            let registry = jsonschema::Registry::new()
                .extend(
                    self.resources
                        .iter()
                        .map(|(i, v)| (i.as_str(), jsonschema::Resource::from_contents(v.clone()))),
                )
                .and_then(jsonschema::RegistryBuilder::prepare)
                .map_err(|e| e.to_string())?;
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft7)
                .should_validate_formats(true)
                .with_registry(&registry)
                .build(schema)
                .map_err(|e| e.to_string())
        });
        compiled.as_ref().map_err(|reason| Error::Schema {
            path: self.dir.join(format!("bom-{version}.schema.json")),
            reason: reason.clone(),
        })
    }

    /// Validate a JSON document; `origin` names it in errors.
    ///
    /// # Errors
    ///
    /// [`Error::NotABom`] when it is not JSON or has no string `specVersion`,
    /// [`Error::UnknownSpecVersion`], [`Error::Schema`]. Schema violations are not errors:
    /// they are in the report.
    pub fn validate_bytes(&self, bytes: &[u8], origin: &str) -> Result<ValidationReport> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| Error::NotABom {
            origin: origin.to_owned(),
            reason: e.to_string(),
        })?;
        self.validate_value(&value, origin)
    }

    /// Validate a parsed JSON document (see [`Self::validate_bytes`]).
    ///
    /// # Errors
    ///
    /// As [`Self::validate_bytes`].
    pub fn validate_value(&self, value: &Value, origin: &str) -> Result<ValidationReport> {
        let version = value
            .get("specVersion")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::NotABom {
                origin: origin.to_owned(),
                reason: "no string \"specVersion\"".to_owned(),
            })?;
        let validator = self.validator(version, origin)?;
        let violations = validator
            .iter_errors(value)
            .map(|e| {
                let p = e.instance_path().to_string();
                Violation {
                    path: if p.is_empty() { "/".to_owned() } else { p },
                    message: e.to_string(),
                }
            })
            .collect();
        Ok(ValidationReport {
            spec_version: version.to_owned(),
            violations,
        })
    }
}
