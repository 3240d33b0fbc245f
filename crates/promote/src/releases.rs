//! The I/O edge of promotion: the history file in the store, evidence
//! gathered from referrers, and promotion/rollback under the store's lock.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::PathBuf;

use jiff::Timestamp;

use crate::decision::{
    CheckStatus, Decision, Deployed, Evidence, Record, RecordKind, Request, State, Unmet, evaluate,
    plan_rollback,
};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::fsutil;
use crate::json;
use crate::pipeline::Pipeline;
use crate::retention::{ArtifactInfo, RetentionPlan, plan_retention};
use crate::store::{AttachmentKind, GcPlan, Manifest, Store};

/// A promotion to ask for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Promote {
    /// A tag or a digest in the store.
    pub reference: String,
    /// The environment to enter.
    pub environment: String,
    /// Who asks.
    pub actor: String,
    /// People who approve.
    pub approvals: Vec<String>,
    /// Named checks and their results.
    pub checks: BTreeMap<String, CheckStatus>,
    /// Override unmet requirements (needs `reason`).
    pub force: bool,
    /// Why.
    pub reason: Option<String>,
}

/// The outcome of [`Releases::promote`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The record appended.
    Promoted(Box<Record>),
    /// Every unmet requirement; nothing was recorded.
    Denied(Vec<Unmet>),
}

/// What `verify` checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Records in the chain.
    pub records: u64,
    /// Blobs checked.
    pub manifests: usize,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Head {
    count: u64,
    hash: String,
}

/// Promotion over a [`Store`]: the hash-chained history lives in
/// `.relkit/history.jsonl` (one canonical JSON record a line), rewritten
/// atomically under the store's lock, with `.relkit/history.head` (count
/// and last hash) so that dropping records at the end is detected too.
#[derive(Debug, Clone)]
pub struct Releases {
    store: Store,
    pipeline: Pipeline,
}

impl Releases {
    /// Promotion over `store` with `pipeline`.
    pub fn new(store: Store, pipeline: Pipeline) -> Self {
        Releases { store, pipeline }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The pipeline.
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    fn history_path(&self) -> Result<PathBuf> {
        Ok(self.store.meta_dir()?.join("history.jsonl"))
    }

    fn head_path(&self) -> Result<PathBuf> {
        Ok(self.store.meta_dir()?.join("history.head"))
    }

    /// Read the history and verify its chain (and the head).
    pub fn history(&self) -> Result<Vec<Record>> {
        Ok(self.load()?.0)
    }

    /// The state the verified history replays to.
    pub fn state(&self) -> Result<State> {
        Ok(self.load()?.1)
    }

    fn load(&self) -> Result<(Vec<Record>, State)> {
        let path = self.history_path()?;
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(Error::io(&path, e)),
        };
        let mut records = Vec::new();
        let mut state = State::default();
        for (i, line) in text.lines().enumerate() {
            let seq = i as u64 + 1;
            let r: Record = serde_json::from_str(line).map_err(|e| Error::History {
                path: path.clone(),
                seq,
                reason: format!("not a valid record: {e}"),
            })?;
            state.apply(&r).map_err(|e| Error::History {
                path: path.clone(),
                seq: e.seq,
                reason: e.reason,
            })?;
            records.push(r);
        }
        let head_path = self.head_path()?;
        match fs::read(&head_path) {
            Ok(bytes) => {
                let head: Head = serde_json::from_slice(&bytes).map_err(|e| Error::History {
                    path: head_path.clone(),
                    seq: 0,
                    reason: format!("head is not valid: {e}"),
                })?;
                // The head is written after the history: it may lag by one
                // record after a crash, never lead.
                let idx = usize::try_from(head.count).unwrap_or(usize::MAX);
                let at = idx.checked_sub(1).and_then(|i| records.get(i));
                let ok = match at {
                    Some(r) => r.hash == head.hash,
                    None => head.count == 0 && records.len() <= 1,
                };
                if !ok {
                    return Err(Error::History {
                        path: path.clone(),
                        seq: head.count,
                        reason: format!(
                            "the head says {} record(s) ending in {}, the history has {} (records were dropped or replaced)",
                            head.count,
                            head.hash,
                            records.len()
                        ),
                    });
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if records.len() > 1 {
                    return Err(Error::History {
                        path: head_path,
                        seq: 0,
                        reason: "the head is missing".to_owned(),
                    });
                }
            }
            Err(e) => return Err(Error::io(&head_path, e)),
        }
        Ok((records, state))
    }

    fn append(&self, records: &[Record], record: &Record) -> Result<()> {
        let mut text = Vec::new();
        for r in records.iter().chain(std::iter::once(record)) {
            text.extend(json::to_canonical(r, "record")?);
            text.push(b'\n');
        }
        fsutil::write_atomic(&self.history_path()?, &text)?;
        fsutil::failpoint("head");
        let head = Head {
            count: record.seq,
            hash: record.hash.clone(),
        };
        fsutil::write_atomic(&self.head_path()?, &json::to_canonical(&head, "head")?)
    }

    /// Gather what the store knows about `digest`: attached SBOMs and
    /// signatures that verify against `environment`'s trust policy.
    pub fn gather_evidence(&self, digest: &Digest, environment: &str) -> Result<Evidence> {
        let mut ev = Evidence::default();
        let referrers = self.store.referrers(digest)?;
        for r in &referrers {
            if r.kind == Some(AttachmentKind::Sbom) {
                ev.sboms.push(r.digest);
            }
        }
        let signed = self
            .pipeline
            .environments
            .get(environment)
            .and_then(|e| e.requires.signed.as_ref());
        if let Some(signed) = signed {
            let envelopes: Vec<Vec<u8>> = referrers
                .iter()
                .filter(|r| r.kind == Some(AttachmentKind::Signature))
                .filter_map(|r| match self.store.manifest(&r.digest) {
                    Ok(Manifest::Image(m)) => m.layers().first().cloned(),
                    _ => None,
                })
                .filter_map(|l| crate::store::descriptor_digest(&l).ok())
                .filter_map(|d| self.store.read_blob(&d).ok())
                .collect();
            ev.signed_by = self.verify_signatures(digest, signed, &envelopes)?;
        }
        Ok(ev)
    }

    #[cfg(feature = "sign")]
    fn verify_signatures(
        &self,
        digest: &Digest,
        signed: &crate::pipeline::SignedBy,
        envelopes: &[Vec<u8>],
    ) -> Result<BTreeSet<String>> {
        let mut keys = Vec::new();
        for (name, path) in &signed.keys {
            let full = self.pipeline.base_dir.join(path);
            let key = relkit_sign::read_public_key(&full).map_err(|e| Error::Pipeline {
                input: full.display().to_string(),
                reason: format!("key {name:?}: {e}"),
            })?;
            keys.push((name.clone(), key.key()));
        }
        let policy =
            relkit_sign::TrustPolicy::new(keys, 1, relkit_sign::dsse::IN_TOTO_PAYLOAD_TYPE)
                .map_err(|e| Error::Pipeline {
                    input: "signed".to_owned(),
                    reason: e.to_string(),
                })?;
        let hex = digest.hex();
        let mut names = BTreeSet::new();
        for bytes in envelopes {
            let Ok(env) = relkit_sign::Envelope::from_json(bytes, "signature") else {
                continue;
            };
            let Ok(v) = policy.verify(&env) else { continue };
            let Ok(st) = relkit_sign::Statement::from_json(&v.payload, "statement") else {
                continue;
            };
            if st
                .subject
                .iter()
                .any(|s| s.digest.get("sha256").is_some_and(|h| *h == hex))
            {
                names.extend(v.signed_by);
            }
        }
        Ok(names)
    }

    #[cfg(not(feature = "sign"))]
    fn verify_signatures(
        &self,
        _digest: &Digest,
        _signed: &crate::pipeline::SignedBy,
        _envelopes: &[Vec<u8>],
    ) -> Result<BTreeSet<String>> {
        // Built without the `sign` feature: no signature can be verified, so
        // a `signed` requirement stays unmet (and says so).
        Ok(BTreeSet::new())
    }

    /// Decide and, if allowed, record a promotion, all under the store's lock.
    pub fn promote(&self, ask: &Promote, now: Timestamp) -> Result<Outcome> {
        let entry = self.store.resolve(&ask.reference)?;
        let tag = if ask.reference.starts_with("sha256:") {
            entry.tag.clone()
        } else {
            Some(ask.reference.clone())
        };
        let author = self
            .store
            .manifest(&entry.digest)?
            .annotations()
            .and_then(|a| a.get(crate::store::AUTHORS))
            .cloned();
        let mut evidence = self.gather_evidence(&entry.digest, &ask.environment)?;
        evidence.approvals = ask.approvals.iter().cloned().collect();
        evidence.checks = ask.checks.clone();
        let _lock = self.store.lock()?;
        let (records, state) = self.load()?;
        let request = Request {
            environment: ask.environment.clone(),
            digest: entry.digest,
            tag: tag.clone(),
            actor: ask.actor.clone(),
            author,
            evidence,
            force: ask.force,
            reason: ask.reason.clone(),
        };
        match evaluate(&self.pipeline, &state, &request, now) {
            Decision::Deny(unmet) => Ok(Outcome::Denied(unmet)),
            Decision::Allow { kind, overridden } => {
                let mut evidence = request.evidence;
                evidence.overridden = overridden.iter().map(ToString::to_string).collect();
                let record = state.next_record(
                    &ask.environment,
                    entry.digest,
                    tag,
                    now,
                    &ask.actor,
                    kind,
                    if kind == RecordKind::Forced {
                        ask.reason.clone()
                    } else {
                        ask.reason.clone().filter(|r| !r.is_empty())
                    },
                    evidence,
                );
                self.append(&records, &record)?;
                Ok(Outcome::Promoted(Box::new(record)))
            }
        }
    }

    /// Re-promote the digest `environment` ran before, recorded as a rollback.
    pub fn rollback(
        &self,
        environment: &str,
        actor: &str,
        reason: Option<String>,
        now: Timestamp,
    ) -> Result<Record> {
        if !self.pipeline.environments.contains_key(environment) {
            return Err(Error::Rollback {
                environment: environment.to_owned(),
                reason: "not an environment of the pipeline".to_owned(),
            });
        }
        let _lock = self.store.lock()?;
        let (records, state) = self.load()?;
        let record = plan_rollback(&state, environment, actor, reason, now).ok_or_else(|| {
            Error::Rollback {
                environment: environment.to_owned(),
                reason: "there is no previous digest to return to".to_owned(),
            }
        })?;
        if !self.store.has_blob(&record.digest) {
            return Err(Error::Rollback {
                environment: environment.to_owned(),
                reason: format!(
                    "the previous digest {} is no longer in the store",
                    record.digest
                ),
            });
        }
        self.append(&records, &record)?;
        Ok(record)
    }

    /// What each environment of the pipeline runs, in promotion order.
    pub fn status(&self) -> Result<Vec<(String, Option<Deployed>)>> {
        let state = self.state()?;
        Ok(self
            .pipeline
            .order()
            .into_iter()
            .map(|e| {
                let d = state.current(&e).cloned();
                (e, d)
            })
            .collect())
    }

    /// Verify everything: the history chain and head, every blob the index
    /// reaches (present, right size, right hash), and every digest the
    /// history says an environment runs.
    pub fn verify(&self) -> Result<Verified> {
        let mut problems = Vec::new();
        let (records, state) = match self.load() {
            Ok(x) => x,
            Err(e) => {
                problems.push(e.to_string());
                (Vec::new(), State::default())
            }
        };
        problems.extend(self.store.check()?);
        let mut needed = BTreeSet::new();
        for r in &records {
            if let Some(d) = state.current(&r.environment) {
                needed.insert((r.environment.clone(), d.digest));
            }
        }
        // What an environment runs must be there; older digests may have been
        // removed by retention (a rollback to one then says so).
        for (env, d) in &needed {
            if !self.store.has_blob(d) {
                problems.push(format!("manifest {d}, which {env} runs, is missing"));
            }
        }
        if !problems.is_empty() {
            return Err(Error::Verify {
                store: self.store.root().to_path_buf(),
                problems,
            });
        }
        Ok(Verified {
            records: state.len(),
            manifests: self.store.entries()?.len(),
        })
    }

    /// Plan retention with the pipeline's policy (nothing is deleted).
    pub fn retention_plan(&self, now: Timestamp) -> Result<RetentionPlan> {
        let state = self.state()?;
        let mut artifacts: Vec<ArtifactInfo> = Vec::new();
        let mut seen = BTreeSet::new();
        let entries = self.store.entries()?;
        for e in &entries {
            if !seen.insert(e.digest) {
                continue;
            }
            let subject = self.store.manifest(&e.digest)?.subject()?;
            artifacts.push(ArtifactInfo {
                digest: e.digest,
                tagged: entries
                    .iter()
                    .any(|x| x.digest == e.digest && x.tag.is_some()),
                created: e.created,
                subject,
            });
        }
        Ok(plan_retention(
            &artifacts,
            &state,
            &self.pipeline.order(),
            &self.pipeline.retention,
            now,
        ))
    }

    /// Apply a retention plan: remove the manifests from the index (the
    /// protected ones are re-checked under the lock), then collect the
    /// blobs nothing reaches any more.
    pub fn apply_retention(&self, plan: &RetentionPlan) -> Result<GcPlan> {
        {
            let state = self.state()?;
            let mut protected = BTreeSet::new();
            for env in self.pipeline.order() {
                protected.extend(state.current(&env).map(|d| d.digest));
                protected.extend(state.rollback_target(&env).map(|d| d.digest));
            }
            let delete: BTreeSet<Digest> = plan
                .delete
                .keys()
                .filter(|d| !protected.contains(d))
                .copied()
                .collect();
            self.store.remove_from_index(&delete)?;
        }
        let gc = self.store.gc_plan(std::time::Duration::ZERO)?;
        self.store.gc_apply(&gc)
    }
}
