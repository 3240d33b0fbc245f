//! Pipelines: environments, their upstreams and their requirements.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What an environment requires before a digest may enter it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirements {
    /// How long the digest must have run in an upstream (e.g. `"1h"`, `"2d"`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "opt_duration"
    )]
    pub soak: Option<SignedDuration>,
    /// Signatures by trusted keys (verified through `relkit-sign`, `sign` feature).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<SignedBy>,
    /// An SBOM must be attached.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sbom: bool,
    /// Approvals by this many distinct people, none of them the author.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub approvals: usize,
    /// Named checks that must have passed (`tests`, `scan`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A trust policy: `threshold` distinct keys among `keys` must have signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedBy {
    /// Key name → public key file (SPKI PEM or minisign), relative to the pipeline file.
    pub keys: BTreeMap<String, PathBuf>,
    /// How many distinct keys must have signed (at least 1).
    #[serde(default = "one")]
    pub threshold: usize,
}

fn one() -> usize {
    1
}

/// One environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// The environments a digest may come from (empty: an entry point).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<String>,
    /// What must hold before a digest enters.
    #[serde(flatten)]
    pub requires: Requirements,
}

/// Retention, like a registry's lifecycle policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Keep the last N distinct digests of each environment (at least the
    /// current one and the one a rollback returns to are always kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_last: Option<usize>,
    /// Expire untagged artifacts older than this (e.g. `"30d"`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "opt_duration"
    )]
    pub untagged_max_age: Option<SignedDuration>,
}

/// A pipeline: environments by name, and retention.
///
/// TOML:
///
/// ```
/// let p = relkit_promote::Pipeline::from_toml(r#"
/// [environments.dev]
/// [environments.staging]
/// upstream = ["dev"]
/// soak = "1h"
/// [environments.prod]
/// upstream = ["staging"]
/// approvals = 2
/// checks = ["tests", "scan"]
/// sbom = true
/// "#, "pipeline.toml")?;
/// assert_eq!(p.order(), ["dev", "staging", "prod"]);
/// # Ok::<(), relkit_promote::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pipeline {
    /// The environments.
    pub environments: BTreeMap<String, Environment>,
    /// Retention.
    #[serde(default)]
    pub retention: Retention,
    /// Where relative key paths are resolved (the pipeline file's directory).
    #[serde(skip)]
    pub base_dir: PathBuf,
}

impl Default for Pipeline {
    /// dev → staging → prod, where the only requirement is presence in the upstream.
    fn default() -> Self {
        let env = |up: &[&str]| Environment {
            upstream: up.iter().map(|s| (*s).to_owned()).collect(),
            requires: Requirements::default(),
        };
        Pipeline {
            environments: BTreeMap::from([
                ("dev".to_owned(), env(&[])),
                ("staging".to_owned(), env(&["dev"])),
                ("prod".to_owned(), env(&["staging"])),
            ]),
            retention: Retention::default(),
            base_dir: PathBuf::from("."),
        }
    }
}

impl Pipeline {
    /// Parse TOML and validate.
    pub fn from_toml(text: &str, input: &str) -> Result<Pipeline> {
        let p: Pipeline = toml::from_str(text).map_err(|e| Error::Pipeline {
            input: input.to_owned(),
            reason: e.to_string(),
        })?;
        p.validated(input)
    }

    /// Parse JSON and validate.
    pub fn from_json(text: &str, input: &str) -> Result<Pipeline> {
        let p: Pipeline = serde_json::from_str(text).map_err(|e| Error::Pipeline {
            input: input.to_owned(),
            reason: e.to_string(),
        })?;
        p.validated(input)
    }

    /// Read a pipeline file (`.json` is JSON, anything else TOML).
    pub fn load(path: &Path) -> Result<Pipeline> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let input = path.display().to_string();
        let mut p = if path.extension().is_some_and(|e| e == "json") {
            Pipeline::from_json(&text, &input)?
        } else {
            Pipeline::from_toml(&text, &input)?
        };
        p.base_dir = crate::fsutil::parent(path);
        Ok(p)
    }

    fn validated(mut self, input: &str) -> Result<Pipeline> {
        let bad = |reason: String| Error::Pipeline {
            input: input.to_owned(),
            reason,
        };
        if self.environments.is_empty() {
            return Err(bad("defines no environments".to_owned()));
        }
        for (name, env) in &self.environments {
            crate::store::validate_tag(name)
                .map_err(|_| bad(format!("environment name {name:?} is not a plain name")))?;
            for up in &env.upstream {
                if !self.environments.contains_key(up) {
                    return Err(bad(format!(
                        "environment {name:?} has upstream {up:?}, which is not defined"
                    )));
                }
            }
            if let Some(s) = &env.requires.signed
                && (s.threshold == 0 || s.threshold > s.keys.len())
            {
                return Err(bad(format!(
                    "environment {name:?}: signature threshold {} must be between 1 and the {} key(s)",
                    s.threshold,
                    s.keys.len()
                )));
            }
            if env.requires.soak.is_some_and(|s| s.is_negative()) {
                return Err(bad(format!("environment {name:?}: soak time is negative")));
            }
        }
        if self.order().len() != self.environments.len() {
            return Err(bad("the upstream relation has a cycle".to_owned()));
        }
        self.base_dir = PathBuf::from(".");
        Ok(self)
    }

    /// The environments in promotion order (upstreams first, then by name).
    pub fn order(&self) -> Vec<String> {
        let mut done: BTreeSet<&str> = BTreeSet::new();
        let mut out = Vec::new();
        loop {
            let next: Vec<&String> = self
                .environments
                .iter()
                .filter(|(n, e)| {
                    !done.contains(n.as_str())
                        && e.upstream.iter().all(|u| done.contains(u.as_str()))
                })
                .map(|(n, _)| n)
                .collect();
            if next.is_empty() {
                return out;
            }
            for n in next {
                done.insert(n);
                out.push(n.clone());
            }
        }
    }
}

mod opt_duration {
    use jiff::SignedDuration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        d: &Option<SignedDuration>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&format!("{d:#}")),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<SignedDuration>, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).map(Some).map_err(serde::de::Error::custom)
    }

    /// `"90s"`, `"1h 30m"`, `"2d"` (a day is 24 hours) or ISO 8601 `PT1H`.
    pub(super) fn parse(text: &str) -> Result<SignedDuration, String> {
        if let Ok(d) = text.parse::<SignedDuration>() {
            return Ok(d);
        }
        let span: jiff::Span = text
            .parse()
            .map_err(|e| format!("duration {text:?} is not valid: {e}"))?;
        span.to_duration(jiff::SpanRelativeTo::days_are_24_hours())
            .map_err(|e| format!("duration {text:?} is not valid: {e}"))
    }
}

/// Parse a duration as pipelines write it (`"90s"`, `"1h 30m"`, `"2d"`).
pub fn parse_duration(text: &str) -> Result<SignedDuration> {
    opt_duration::parse(text).map_err(|reason| Error::Pipeline {
        input: "duration".to_owned(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_and_errors() {
        assert_eq!(Pipeline::default().order(), ["dev", "staging", "prod"]);
        let e = Pipeline::from_toml("[environments.a]\nupstream=[\"b\"]\n", "p.toml").unwrap_err();
        assert!(
            e.to_string()
                .contains("upstream \"b\", which is not defined"),
            "{e}"
        );
        let e = Pipeline::from_toml(
            "[environments.a]\nupstream=[\"b\"]\n[environments.b]\nupstream=[\"a\"]\n",
            "p.toml",
        )
        .unwrap_err();
        assert!(e.to_string().contains("cycle"), "{e}");
        let p = Pipeline::from_toml(
            "[environments.dev]\n[environments.eu]\nupstream=[\"dev\"]\nsoak=\"2d\"\n[environments.us]\nupstream=[\"dev\"]\n[retention]\nkeep_last=3\nuntagged_max_age=\"30d\"\n",
            "p.toml",
        )
        .unwrap();
        assert_eq!(p.order(), ["dev", "eu", "us"]);
        assert_eq!(
            p.environments["eu"].requires.soak,
            Some(SignedDuration::from_hours(48))
        );
        let j = serde_json::to_string(&p).unwrap();
        assert_eq!(Pipeline::from_json(&j, "p.json").unwrap(), p);
    }
}
