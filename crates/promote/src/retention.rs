//! Retention, like a registry's lifecycle policy: plan first (pure), then apply.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use crate::decision::State;
use crate::digest::Digest;
use crate::pipeline::Retention;

/// An artifact in the store, as retention sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactInfo {
    /// The manifest digest.
    pub digest: Digest,
    /// Whether it has a tag.
    pub tagged: bool,
    /// When it was added, if known.
    pub created: Option<Timestamp>,
    /// The artifact it refers to, if it is a referrer.
    pub subject: Option<Digest>,
}

/// What retention would delete and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionPlan {
    /// Manifests to remove from the index, with the reason.
    pub delete: BTreeMap<Digest, String>,
    /// Manifests kept because an environment runs them or could roll back to them.
    pub protected: BTreeSet<Digest>,
}

/// Plan retention. Never deletes what an environment runs now or would roll
/// back to; keeps the last `keep_last` digests of each environment; expires
/// untagged artifacts no environment ever ran after `untagged_max_age`.
/// Referrers go with their subject.
pub fn plan_retention(
    artifacts: &[ArtifactInfo],
    state: &State,
    environments: &[String],
    policy: &Retention,
    now: Timestamp,
) -> RetentionPlan {
    let mut plan = RetentionPlan::default();
    let mut ever_deployed = BTreeSet::new();
    let mut kept_by_window = BTreeSet::new();
    for env in environments {
        let stack = state.stack(env);
        let keep = policy.keep_last.unwrap_or(usize::MAX).max(2);
        for (i, d) in stack.iter().rev().enumerate() {
            ever_deployed.insert(d.digest);
            if i < 2 {
                plan.protected.insert(d.digest);
            }
            if i < keep {
                kept_by_window.insert(d.digest);
            }
        }
    }
    for a in artifacts.iter().filter(|a| a.subject.is_none()) {
        if plan.protected.contains(&a.digest) || kept_by_window.contains(&a.digest) {
            continue;
        }
        if ever_deployed.contains(&a.digest) {
            if let Some(n) = policy.keep_last {
                plan.delete.insert(
                    a.digest,
                    format!("older than the last {n} of every environment that ran it"),
                );
            }
            continue;
        }
        if let (false, Some(max), Some(created)) = (a.tagged, policy.untagged_max_age, a.created)
            && now.duration_since(created) > max
        {
            plan.delete
                .insert(a.digest, format!("untagged and older than {max:#}"));
        }
    }
    // Referrers follow their subject, transitively.
    loop {
        let more: Vec<(Digest, Digest)> = artifacts
            .iter()
            .filter_map(|a| a.subject.map(|s| (a.digest, s)))
            .filter(|(d, s)| plan.delete.contains_key(s) && !plan.delete.contains_key(d))
            .collect();
        if more.is_empty() {
            break;
        }
        for (d, s) in more {
            plan.delete
                .insert(d, format!("refers to {s}, which is deleted"));
        }
    }
    plan
}
