//! The pure promotion core: history records, the state they replay to, and
//! `evaluate`, which decides whether a digest may enter an environment.
//! No I/O here; time is passed in.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::digest::Digest;
use crate::pipeline::Pipeline;

/// The hash a first record links to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How a record came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    /// Every requirement was met.
    Promotion,
    /// Requirements were overridden, with a reason.
    Forced,
    /// The previous digest was re-promoted.
    Rollback,
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecordKind::Promotion => "promotion",
            RecordKind::Forced => "forced",
            RecordKind::Rollback => "rollback",
        })
    }
}

/// The result of a named check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    /// Passed.
    Pass,
    /// Failed.
    Fail,
}

/// What was known when a promotion was decided; recorded with it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// People who approved.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub approvals: BTreeSet<String>,
    /// Named checks and their results.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<String, CheckStatus>,
    /// SBOMs attached to the artifact (referrer digests).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sboms: Vec<Digest>,
    /// Names of trusted keys whose signatures over the artifact verified.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub signed_by: BTreeSet<String>,
    /// Requirements a forced promotion overrode.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overridden: Vec<String>,
}

/// One entry of the hash-chained history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// 1-based position in the history.
    pub seq: u64,
    /// The environment entered.
    pub environment: String,
    /// The digest that entered it.
    pub digest: Digest,
    /// The tag it was promoted by, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// When.
    pub time: Timestamp,
    /// Who.
    pub actor: String,
    /// Promotion, forced or rollback.
    pub kind: RecordKind,
    /// Why (required for forced promotions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What was known.
    #[serde(default)]
    pub evidence: Evidence,
    /// The digest the environment ran before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Digest>,
    /// The hash of the record before (or [`GENESIS`]).
    pub prev_hash: String,
    /// SHA-256 (hex) of this record's canonical JSON without `hash`.
    pub hash: String,
}

impl Record {
    /// The hash this record should carry.
    pub fn compute_hash(&self) -> String {
        let mut v = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let Some(o) = v.as_object_mut() {
            o.remove("hash");
        }
        let bytes = crate::json::canonical(&v);
        Digest::from_bytes(Sha256::digest(&bytes).into()).hex()
    }
}

/// A digest running in an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployed {
    /// The digest.
    pub digest: Digest,
    /// The tag it came by.
    pub tag: Option<String>,
    /// Since when.
    pub since: Timestamp,
}

/// Why a history does not replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainError {
    /// The record (1-based).
    pub seq: u64,
    /// What is wrong.
    pub reason: String,
}

/// The state a history replays to: what each environment runs, and the
/// digests each could roll back to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    stacks: BTreeMap<String, Vec<Deployed>>,
    tags: BTreeMap<String, Digest>,
    last_hash: String,
    len: u64,
}

impl Default for State {
    fn default() -> Self {
        State {
            stacks: BTreeMap::new(),
            tags: BTreeMap::new(),
            last_hash: GENESIS.to_owned(),
            len: 0,
        }
    }
}

impl State {
    /// Replay records, verifying the chain.
    pub fn replay<'a>(records: impl IntoIterator<Item = &'a Record>) -> Result<State, ChainError> {
        let mut s = State::default();
        for r in records {
            s.apply(r)?;
        }
        Ok(s)
    }

    /// Apply one record, checking that it links to the last one and that
    /// its hash and its effect (a rollback really returns the previous digest) hold.
    pub fn apply(&mut self, r: &Record) -> Result<(), ChainError> {
        let err = |reason: String| ChainError { seq: r.seq, reason };
        if r.seq != self.len + 1 {
            return Err(err(format!(
                "sequence number {} where {} was expected (a record was dropped, added or reordered)",
                r.seq,
                self.len + 1
            )));
        }
        if r.prev_hash != self.last_hash {
            return Err(err(format!(
                "links to {} but the record before hashes to {} (a record was edited or dropped)",
                r.prev_hash, self.last_hash
            )));
        }
        let h = r.compute_hash();
        if r.hash != h {
            return Err(err(format!(
                "says it hashes to {} but hashes to {h} (the record was edited)",
                r.hash
            )));
        }
        let stack = self.stacks.entry(r.environment.clone()).or_default();
        let current = stack.last().map(|d| d.digest);
        if r.previous != current {
            return Err(err(format!(
                "previous digest {:?} but {} ran {:?}",
                r.previous.map(|d| d.to_string()),
                r.environment,
                current.map(|d| d.to_string())
            )));
        }
        match r.kind {
            RecordKind::Rollback => {
                stack.pop();
                if stack.last().map(|d| d.digest) != Some(r.digest) {
                    return Err(err(format!(
                        "rollback to {} which is not the digest before in {}",
                        r.digest, r.environment
                    )));
                }
            }
            RecordKind::Promotion | RecordKind::Forced => {
                if let Some(t) = &r.tag {
                    match self.tags.get(t) {
                        Some(d) if *d != r.digest => {
                            return Err(err(format!("tag {t:?} moved from {d} to {}", r.digest)));
                        }
                        _ => {
                            self.tags.insert(t.clone(), r.digest);
                        }
                    }
                }
                stack.push(Deployed {
                    digest: r.digest,
                    tag: r.tag.clone(),
                    since: r.time,
                });
            }
        }
        self.last_hash = r.hash.clone();
        self.len = r.seq;
        Ok(())
    }

    /// What `environment` runs now.
    pub fn current(&self, environment: &str) -> Option<&Deployed> {
        self.stacks.get(environment).and_then(|s| s.last())
    }

    /// What a rollback of `environment` would return to.
    pub fn rollback_target(&self, environment: &str) -> Option<&Deployed> {
        self.stacks
            .get(environment)
            .and_then(|s| s.len().checked_sub(2).and_then(|i| s.get(i)))
    }

    /// What `environment` ran, oldest first (rolled-back entries removed).
    pub fn stack(&self, environment: &str) -> &[Deployed] {
        self.stacks.get(environment).map_or(&[], Vec::as_slice)
    }

    /// The number of records replayed.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether no record was replayed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The hash of the last record ([`GENESIS`] for none).
    pub fn last_hash(&self) -> &str {
        &self.last_hash
    }

    /// The digest a tag was promoted as, if any.
    pub fn tag(&self, tag: &str) -> Option<&Digest> {
        self.tags.get(tag)
    }

    /// Build the next record (sequence number, link and hash filled in).
    #[allow(clippy::too_many_arguments)]
    pub fn next_record(
        &self,
        environment: &str,
        digest: Digest,
        tag: Option<String>,
        time: Timestamp,
        actor: &str,
        kind: RecordKind,
        reason: Option<String>,
        evidence: Evidence,
    ) -> Record {
        let mut r = Record {
            seq: self.len + 1,
            environment: environment.to_owned(),
            digest,
            tag,
            time,
            actor: actor.to_owned(),
            kind,
            reason,
            evidence,
            previous: self.current(environment).map(|d| d.digest),
            prev_hash: self.last_hash.clone(),
            hash: String::new(),
        };
        r.hash = r.compute_hash();
        r
    }
}

/// A request to promote a digest into an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The environment to enter.
    pub environment: String,
    /// The digest.
    pub digest: Digest,
    /// The tag it is known by, if any.
    pub tag: Option<String>,
    /// Who asks.
    pub actor: String,
    /// Who made the artifact (their approval does not count).
    pub author: Option<String>,
    /// Approvals, checks, SBOMs and signatures gathered for it.
    pub evidence: Evidence,
    /// Override unmet requirements.
    pub force: bool,
    /// Why (required with `force`).
    pub reason: Option<String>,
}

/// A requirement that is not met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmet {
    /// The pipeline has no such environment.
    UnknownEnvironment {
        /// The name asked for.
        environment: String,
    },
    /// The environment already runs this digest.
    AlreadyCurrent,
    /// The tag was promoted before as another digest; tags never move.
    TagMoved {
        /// The tag.
        tag: String,
        /// The digest it names in the history.
        existing: Digest,
    },
    /// `force` without a reason.
    ForceWithoutReason,
    /// The digest does not run in any upstream.
    NotInUpstream {
        /// The upstreams.
        upstreams: Vec<String>,
    },
    /// The digest has not run long enough in an upstream.
    Soak {
        /// Where it runs.
        upstream: String,
        /// Required soak time.
        required: SignedDuration,
        /// Time so far.
        elapsed: SignedDuration,
    },
    /// Not enough trusted signatures.
    Signatures {
        /// How many distinct keys must have signed.
        threshold: usize,
        /// Trusted keys whose signatures verified.
        found: Vec<String>,
    },
    /// No SBOM attached.
    Sbom,
    /// Not enough approvals.
    Approvals {
        /// Required.
        required: usize,
        /// Approvals that count.
        counted: Vec<String>,
        /// The author, if they approved (that approval does not count).
        author: Option<String>,
    },
    /// A required check has no result.
    CheckMissing {
        /// The check.
        name: String,
    },
    /// A required check failed.
    CheckFailed {
        /// The check.
        name: String,
    },
}

impl Unmet {
    /// Whether `force` can override it (the invariants cannot be forced).
    pub fn can_force(&self) -> bool {
        !matches!(
            self,
            Unmet::UnknownEnvironment { .. }
                | Unmet::AlreadyCurrent
                | Unmet::TagMoved { .. }
                | Unmet::ForceWithoutReason
        )
    }
}

impl fmt::Display for Unmet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unmet::UnknownEnvironment { environment } => {
                write!(f, "environment {environment:?} is not in the pipeline")
            }
            Unmet::AlreadyCurrent => write!(f, "the environment already runs this digest"),
            Unmet::TagMoved { tag, existing } => write!(
                f,
                "tag {tag:?} was promoted as {existing}; tags never move to another digest"
            ),
            Unmet::ForceWithoutReason => write!(f, "a forced promotion needs a reason"),
            Unmet::NotInUpstream { upstreams } => write!(
                f,
                "not running in an upstream ({}); a digest enters only from its upstream",
                upstreams.join(", ")
            ),
            Unmet::Soak {
                upstream,
                required,
                elapsed,
            } => write!(
                f,
                "soak time: {:#} in {upstream}, {:#} required",
                elapsed.round(jiff::Unit::Second).unwrap_or(*elapsed),
                required
            ),
            Unmet::Signatures { threshold, found } => write!(
                f,
                "signatures: {} trusted key(s) signed ({}), {threshold} required",
                found.len(),
                if found.is_empty() {
                    "none".to_owned()
                } else {
                    found.join(", ")
                }
            ),
            Unmet::Sbom => write!(f, "no SBOM is attached"),
            Unmet::Approvals {
                required,
                counted,
                author,
            } => {
                write!(
                    f,
                    "approvals: {} of {required} by distinct people",
                    counted.len()
                )?;
                if let Some(a) = author {
                    write!(f, " (the author {a:?} cannot approve)")?;
                }
                Ok(())
            }
            Unmet::CheckMissing { name } => write!(f, "check {name:?} has no result"),
            Unmet::CheckFailed { name } => write!(f, "check {name:?} failed"),
        }
    }
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Promote: append a record of this kind (`Forced` lists what it overrode).
    Allow {
        /// Promotion or forced.
        kind: RecordKind,
        /// Requirements a forced promotion overrides.
        overridden: Vec<Unmet>,
    },
    /// Refuse, listing every unmet requirement.
    Deny(Vec<Unmet>),
}

/// Decide whether `request.digest` may enter `request.environment`, listing
/// every unmet requirement. Pure: the history state, the pipeline and the
/// time are passed in.
///
/// ```
/// use relkit_promote::{evaluate, Decision, Digest, Evidence, Pipeline, Request, State, Unmet};
/// let req = Request {
///     environment: "prod".into(), digest: Digest::of(b"app"), tag: None,
///     actor: "ci".into(), author: None, evidence: Evidence::default(),
///     force: false, reason: None,
/// };
/// let d = evaluate(&Pipeline::default(), &State::default(), &req, jiff::Timestamp::UNIX_EPOCH);
/// assert!(matches!(d, Decision::Deny(u) if matches!(u[0], Unmet::NotInUpstream { .. })));
/// ```
pub fn evaluate(pipeline: &Pipeline, state: &State, request: &Request, now: Timestamp) -> Decision {
    let mut hard = Vec::new();
    let mut soft = Vec::new();
    let Some(env) = pipeline.environments.get(&request.environment) else {
        return Decision::Deny(vec![Unmet::UnknownEnvironment {
            environment: request.environment.clone(),
        }]);
    };
    if let Some(t) = &request.tag
        && let Some(existing) = state.tag(t)
        && *existing != request.digest
    {
        hard.push(Unmet::TagMoved {
            tag: t.clone(),
            existing: *existing,
        });
    }
    if state.current(&request.environment).map(|d| d.digest) == Some(request.digest) {
        hard.push(Unmet::AlreadyCurrent);
    }
    let reason_given = request
        .reason
        .as_deref()
        .is_some_and(|r| !r.trim().is_empty());
    if request.force && !reason_given {
        hard.push(Unmet::ForceWithoutReason);
    }
    let req = &env.requires;
    if !env.upstream.is_empty() {
        let in_upstream: Vec<(&String, &Deployed)> = env
            .upstream
            .iter()
            .filter_map(|u| {
                state
                    .current(u)
                    .filter(|d| d.digest == request.digest)
                    .map(|d| (u, d))
            })
            .collect();
        if in_upstream.is_empty() {
            soft.push(Unmet::NotInUpstream {
                upstreams: env.upstream.clone(),
            });
        } else if let Some(required) = req.soak {
            let best = in_upstream
                .iter()
                .map(|(u, d)| (*u, now.duration_since(d.since)))
                .max_by_key(|(_, e)| *e);
            if let Some((upstream, elapsed)) = best
                && elapsed < required
            {
                soft.push(Unmet::Soak {
                    upstream: upstream.clone(),
                    required,
                    elapsed,
                });
            }
        }
    }
    if let Some(signed) = &req.signed {
        let found: Vec<String> = request
            .evidence
            .signed_by
            .iter()
            .filter(|n| signed.keys.contains_key(*n))
            .cloned()
            .collect();
        if found.len() < signed.threshold {
            soft.push(Unmet::Signatures {
                threshold: signed.threshold,
                found,
            });
        }
    }
    if req.sbom && request.evidence.sboms.is_empty() {
        soft.push(Unmet::Sbom);
    }
    if req.approvals > 0 {
        let author = request.author.as_deref().map(str::trim);
        let counted: Vec<String> = request
            .evidence
            .approvals
            .iter()
            .map(|a| a.trim())
            .filter(|a| !a.is_empty() && Some(*a) != author)
            .map(str::to_owned)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if counted.len() < req.approvals {
            let author_approved = author
                .filter(|a| request.evidence.approvals.iter().any(|x| x.trim() == *a))
                .map(str::to_owned);
            soft.push(Unmet::Approvals {
                required: req.approvals,
                counted,
                author: author_approved,
            });
        }
    }
    for name in &req.checks {
        match request.evidence.checks.get(name) {
            Some(CheckStatus::Pass) => {}
            Some(CheckStatus::Fail) => soft.push(Unmet::CheckFailed { name: name.clone() }),
            None => soft.push(Unmet::CheckMissing { name: name.clone() }),
        }
    }
    if !hard.is_empty() || (!soft.is_empty() && !request.force) {
        hard.extend(soft);
        return Decision::Deny(hard);
    }
    Decision::Allow {
        kind: if request.force {
            RecordKind::Forced
        } else {
            RecordKind::Promotion
        },
        overridden: soft,
    }
}

/// The record a rollback of `environment` appends: the previous digest,
/// re-promoted and marked as a rollback. `None` when there is nothing to return to.
pub fn plan_rollback(
    state: &State,
    environment: &str,
    actor: &str,
    reason: Option<String>,
    now: Timestamp,
) -> Option<Record> {
    let target = state.rollback_target(environment)?;
    Some(state.next_record(
        environment,
        target.digest,
        target.tag.clone(),
        now,
        actor,
        RecordKind::Rollback,
        reason,
        Evidence::default(),
    ))
}
