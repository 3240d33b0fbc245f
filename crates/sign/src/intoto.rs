//! in-toto Statement v1 and the SLSA Provenance v1 predicate.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::digest::{HashAlgorithm, digest_files};
use crate::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE, TrustPolicy};
use crate::{Error, Result};

/// The `_type` of an in-toto Statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The predicateType of SLSA Provenance v1.
pub const SLSA_PROVENANCE_TYPE: &str = "https://slsa.dev/provenance/v1";

/// An in-toto ResourceDescriptor: an artifact (subject, dependency, byproduct) by name,
/// URI and/or digests. Maps are sorted, so output is deterministic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDescriptor {
    /// Name (for a subject, usually the file name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Digests by algorithm name (`sha256`, `sha512`, `gitCommit`, …), lowercase hex.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub digest: BTreeMap<String, String>,
    /// The content itself, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Where to download it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download_location: Option<String>,
    /// Media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Free-form annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, Value>,
}

impl ResourceDescriptor {
    /// A subject: a name and its SHA-256 (lowercase hex).
    pub fn subject(name: &str, sha256_hex: &str) -> Self {
        Self {
            name: Some(name.to_owned()),
            digest: BTreeMap::from([("sha256".to_owned(), sha256_hex.to_owned())]),
            ..Self::default()
        }
    }

    /// A git commit as a resolved dependency: `uri` (e.g. `git+https://host/repo@refs/tags/v1`)
    /// and the `gitCommit` digest.
    pub fn git_commit(uri: &str, commit: &str) -> Self {
        Self {
            uri: Some(uri.to_owned()),
            digest: BTreeMap::from([("gitCommit".to_owned(), commit.to_owned())]),
            ..Self::default()
        }
    }
}

/// An in-toto Statement v1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Statement {
    /// Always [`STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub type_: String,
    /// The artifacts the statement is about; each has at least one digest.
    pub subject: Vec<ResourceDescriptor>,
    /// The predicate's type URI.
    pub predicate_type: String,
    /// The predicate, as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<Value>,
}

impl Statement {
    /// A statement about `subject` with a predicate.
    pub fn new(subject: Vec<ResourceDescriptor>, predicate_type: &str, predicate: Value) -> Self {
        Self {
            type_: STATEMENT_TYPE.to_owned(),
            subject,
            predicate_type: predicate_type.to_owned(),
            predicate: Some(predicate),
        }
    }

    /// A statement about `subject` with a SLSA Provenance v1 predicate.
    pub fn slsa(subject: Vec<ResourceDescriptor>, provenance: &Provenance) -> Self {
        Self::new(subject, SLSA_PROVENANCE_TYPE, provenance.to_value())
    }

    /// Parse and check a statement: `_type` must be Statement v1 and every subject must
    /// have a digest. `input` names it in errors.
    pub fn from_json(json: &[u8], input: &str) -> Result<Self> {
        let st: Self = serde_json::from_slice(json).map_err(|e| Error::Statement {
            input: input.to_owned(),
            reason: e.to_string(),
        })?;
        st.check(input)?;
        Ok(st)
    }

    fn check(&self, input: &str) -> Result<()> {
        let bad = |reason: String| Error::Statement {
            input: input.to_owned(),
            reason,
        };
        if self.type_ != STATEMENT_TYPE {
            return Err(bad(format!(
                "_type is {:?}, expected {STATEMENT_TYPE:?}",
                self.type_
            )));
        }
        if self.subject.is_empty() {
            return Err(bad("no subject".to_owned()));
        }
        if let Some(i) = self.subject.iter().position(|s| s.digest.is_empty()) {
            return Err(bad(format!("subject {i} has no digest")));
        }
        if self.predicate_type.is_empty() {
            return Err(bad("empty predicateType".to_owned()));
        }
        Ok(())
    }

    /// Compact JSON with fields in spec order and maps sorted: the same statement always
    /// gives the same bytes.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The SLSA Provenance v1 predicate, if this statement has one.
    pub fn provenance(&self) -> Option<Result<Provenance>> {
        if self.predicate_type != SLSA_PROVENANCE_TYPE {
            return None;
        }
        let value = self.predicate.clone().unwrap_or(Value::Null);
        Some(serde_json::from_value(value).map_err(|e| Error::Statement {
            input: "SLSA provenance predicate".to_owned(),
            reason: e.to_string(),
        }))
    }

    /// Sign this statement as a DSSE envelope (payloadType `application/vnd.in-toto+json`).
    pub fn sign(&self, keys: &[&crate::SecretKey]) -> Envelope {
        Envelope::sign(IN_TOTO_PAYLOAD_TYPE, self.to_json(), keys)
    }
}

/// SLSA Provenance v1 predicate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    /// How the build was defined.
    pub build_definition: BuildDefinition,
    /// How the build ran.
    pub run_details: RunDetails,
}

/// SLSA `buildDefinition`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildDefinition {
    /// URI of the build type (the template of the build).
    pub build_type: String,
    /// Parameters under the control of the person who started the build.
    #[serde(default)]
    pub external_parameters: BTreeMap<String, Value>,
    /// Parameters under the builder's control.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub internal_parameters: BTreeMap<String, Value>,
    /// Inputs fetched by the build (the git commit, toolchains …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolved_dependencies: Vec<ResourceDescriptor>,
}

/// SLSA `runDetails`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunDetails {
    /// The builder.
    pub builder: Builder,
    /// Invocation id and times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BuildMetadata>,
    /// Other outputs of the build.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub byproducts: Vec<ResourceDescriptor>,
}

/// SLSA `builder`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Builder {
    /// URI of the builder (its identity and trust boundary).
    pub id: String,
    /// Versions of the builder's components.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub version: BTreeMap<String, String>,
    /// The builder's own dependencies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub builder_dependencies: Vec<ResourceDescriptor>,
}

/// SLSA `metadata`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildMetadata {
    /// Identifier of this run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invocation_id: Option<String>,
    /// When the build started (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_on: Option<String>,
    /// When the build finished (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_on: Option<String>,
}

impl Provenance {
    /// A provenance with this build type and builder id; add the rest with the `with_` methods.
    pub fn new(build_type: &str, builder_id: &str) -> Self {
        Self {
            build_definition: BuildDefinition {
                build_type: build_type.to_owned(),
                ..BuildDefinition::default()
            },
            run_details: RunDetails {
                builder: Builder {
                    id: builder_id.to_owned(),
                    ..Builder::default()
                },
                ..RunDetails::default()
            },
        }
    }

    /// Add an external parameter.
    #[must_use]
    pub fn with_external_parameter(mut self, name: &str, value: Value) -> Self {
        self.build_definition
            .external_parameters
            .insert(name.to_owned(), value);
        self
    }

    /// Add an internal parameter.
    #[must_use]
    pub fn with_internal_parameter(mut self, name: &str, value: Value) -> Self {
        self.build_definition
            .internal_parameters
            .insert(name.to_owned(), value);
        self
    }

    /// Add a resolved dependency (see [`ResourceDescriptor::git_commit`]).
    #[must_use]
    pub fn with_resolved_dependency(mut self, dependency: ResourceDescriptor) -> Self {
        self.build_definition.resolved_dependencies.push(dependency);
        self
    }

    /// Set the invocation id.
    #[must_use]
    pub fn with_invocation_id(mut self, id: &str) -> Self {
        self.run_details
            .metadata
            .get_or_insert_with(BuildMetadata::default)
            .invocation_id = Some(id.to_owned());
        self
    }

    /// Set the start and finish times, passed in by the caller (never read from a clock here).
    #[must_use]
    pub fn with_times(mut self, started_on: jiff::Timestamp, finished_on: jiff::Timestamp) -> Self {
        let m = self
            .run_details
            .metadata
            .get_or_insert_with(BuildMetadata::default);
        m.started_on = Some(started_on.to_string());
        m.finished_on = Some(finished_on.to_string());
        self
    }

    /// The predicate as JSON.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// Subjects for files on disk: each file's name (its last path component) and SHA-256,
/// hashed in parallel. `progress(index, bytes)` reports each file's progress.
pub fn subjects_for_files(
    paths: &[PathBuf],
    progress: &(dyn Fn(usize, u64) + Sync),
) -> Result<Vec<ResourceDescriptor>> {
    let digests = digest_files(HashAlgorithm::Sha256, paths, progress)?;
    Ok(paths
        .iter()
        .zip(digests)
        .map(|(p, d)| ResourceDescriptor::subject(&file_name(p), &d.to_hex()))
        .collect())
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// A verified attestation.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedAttestation {
    /// The statement (authenticated).
    pub statement: Statement,
    /// Names of the distinct trusted keys that signed it.
    pub signed_by: Vec<String>,
}

/// Verify an in-toto attestation: the envelope against `policy` (whose payloadType should be
/// [`IN_TOTO_PAYLOAD_TYPE`]), the payload as a Statement v1, and each file in `files` against
/// the subjects: its SHA-256 must be the `sha256` digest of some subject.
pub fn verify_attestation(
    envelope: &Envelope,
    policy: &TrustPolicy,
    files: &[PathBuf],
    progress: &(dyn Fn(usize, u64) + Sync),
) -> Result<VerifiedAttestation> {
    let verified = policy.verify(envelope)?;
    let statement = Statement::from_json(&verified.payload, "envelope payload")?;
    let digests = digest_files(HashAlgorithm::Sha256, files, progress)?;
    for (path, d) in files.iter().zip(digests) {
        let hex = d.to_hex();
        let found = statement.subject.iter().any(|s| {
            s.digest
                .get("sha256")
                .is_some_and(|v| v.eq_ignore_ascii_case(&hex))
        });
        if !found {
            return Err(Error::SubjectMismatch {
                path: path.clone(),
                sha256: hex,
            });
        }
    }
    Ok(VerifiedAttestation {
        statement,
        signed_by: verified.signed_by,
    })
}
