//! A walker over a JSON-like tree that takes the fields it knows and
//! rejects every other one with its path.

use std::time::Duration;

use serde_json::{Map, Value as J};

use crate::{Error, Result};

pub(crate) struct Obj {
    pub(crate) path: String,
    map: Map<String, J>,
}

/// Why a known Argo field is refused, for a better message than "unknown".
fn known_reason(key: &str) -> Option<&'static str> {
    Some(match key {
        "trafficRouting" => {
            "traffic routers are not supported: relkit-deploy follows Argo's replica-based canary (weights become replica counts)"
        }
        "experiment" => "experiment steps are not supported",
        "setHeaderRoute" | "setMirrorRoute" => {
            "header and mirror routes need a traffic router, which is not supported"
        }
        "plugin" | "plugins" => "plugins are not supported",
        "dynamicStableScale"
        | "abortScaleDownDelaySeconds"
        | "scaleDownDelayRevisionLimit"
        | "minPodsPerReplicaSet" => {
            "scale-down tuning is not supported: the simulation scales sides at once"
        }
        "antiAffinity" | "canaryMetadata" | "stableMetadata" | "activeMetadata"
        | "previewMetadata" => "pod metadata and scheduling are not supported",
        "pingPong" => "ping-pong services need a traffic router, which is not supported",
        "replicaProgressThreshold" => "replica progress thresholds are not supported",
        "minReadySeconds" | "progressDeadlineSeconds" | "progressDeadlineAbort" => {
            "pod readiness timing is not simulated: pods are ready at once"
        }
        "paused" | "restartAt" | "rollbackWindow" => {
            "controller state and restarts are not supported"
        }
        "dryRun" | "measurementRetention" => {
            "dry-run metrics and measurement retention are not supported"
        }
        "valueFrom" => "arguments from field or secret references are not supported: give a value",
        "ttlStrategy" => "TTL strategies are not supported",
        _ => return None,
    })
}

impl Obj {
    pub(crate) fn new(path: impl Into<String>, v: J) -> Result<Self> {
        let path = path.into();
        match v {
            J::Object(map) => Ok(Self { path, map }),
            J::Null => Ok(Self {
                path,
                map: Map::new(),
            }),
            other => Err(Error::parse(
                path,
                format!("expected a mapping, found {}", kind(&other)),
            )),
        }
    }

    pub(crate) fn at(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    pub(crate) fn take(&mut self, key: &str) -> Option<J> {
        self.map.remove(key).filter(|v| !v.is_null())
    }

    pub(crate) fn str(&mut self, key: &str) -> Result<Option<String>> {
        match self.take(key) {
            None => Ok(None),
            Some(J::String(s)) => Ok(Some(s)),
            Some(J::Number(n)) => Ok(Some(n.to_string())),
            Some(J::Bool(b)) => Ok(Some(b.to_string())),
            Some(other) => Err(Error::parse(
                self.at(key),
                format!("expected a string, found {}", kind(&other)),
            )),
        }
    }

    pub(crate) fn req_str(&mut self, key: &str) -> Result<String> {
        self.str(key)?
            .ok_or_else(|| Error::parse(self.at(key), "this field is required"))
    }

    pub(crate) fn bool(&mut self, key: &str) -> Result<Option<bool>> {
        match self.take(key) {
            None => Ok(None),
            Some(J::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(Error::parse(
                self.at(key),
                format!("expected true or false, found {}", kind(&other)),
            )),
        }
    }

    /// A count: a non-negative integer, also written as a string (`"3"`).
    pub(crate) fn u32(&mut self, key: &str) -> Result<Option<u32>> {
        let path = self.at(key);
        match self.take(key) {
            None => Ok(None),
            Some(J::Number(n)) => n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| {
                    Error::parse(
                        path,
                        format!("{n} is not a whole number from 0 to {}", u32::MAX),
                    )
                }),
            Some(J::String(s)) => s.trim().parse().map(Some).map_err(|_| {
                Error::parse(
                    path,
                    format!("{s:?} is not a whole number from 0 to {}", u32::MAX),
                )
            }),
            Some(other) => Err(Error::parse(
                path,
                format!("expected a number, found {}", kind(&other)),
            )),
        }
    }

    /// A duration: `30s`, `5m`, `1h` or a number of seconds.
    pub(crate) fn dur(&mut self, key: &str) -> Result<Option<Duration>> {
        let path = self.at(key);
        match self.take(key) {
            None => Ok(None),
            Some(J::Number(n)) => n
                .as_u64()
                .map(|s| Some(Duration::from_secs(s)))
                .ok_or_else(|| Error::parse(path, format!("{n} is not a whole number of seconds"))),
            Some(J::String(s)) => crate::parse_duration(&s)
                .map(Some)
                .map_err(|e| Error::parse(path, e.to_string())),
            Some(other) => Err(Error::parse(
                path,
                format!("expected a duration, found {}", kind(&other)),
            )),
        }
    }

    pub(crate) fn obj(&mut self, key: &str) -> Result<Option<Obj>> {
        let path = self.at(key);
        self.map.remove(key).map(|v| Obj::new(path, v)).transpose()
    }

    pub(crate) fn list(&mut self, key: &str) -> Result<Vec<(String, J)>> {
        let path = self.at(key);
        match self.take(key) {
            None => Ok(Vec::new()),
            Some(J::Array(items)) => Ok(items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (format!("{path}[{i}]"), v))
                .collect()),
            Some(other) => Err(Error::parse(
                path,
                format!("expected a list, found {}", kind(&other)),
            )),
        }
    }

    /// Keys left over, for callers that accept them as they are.
    pub(crate) fn drain_keys(&mut self) -> Vec<String> {
        let keys: Vec<String> = self.map.keys().cloned().collect();
        self.map.clear();
        keys
    }

    /// Fails on the first field nobody took.
    pub(crate) fn finish(self) -> Result<()> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(key) => Err(Error::unsupported(
                self.at(key),
                known_reason(key).map_or_else(
                    || "this field is not supported by relkit-deploy".to_owned(),
                    str::to_owned,
                ),
            )),
        }
    }
}

pub(crate) fn kind(v: &J) -> &'static str {
    match v {
        J::Null => "nothing",
        J::Bool(_) => "true/false",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "a list",
        J::Object(_) => "a mapping",
    }
}

impl Obj {
    /// The keys present, sorted.
    pub(crate) fn keys(&self) -> Vec<String> {
        self.map.keys().cloned().collect()
    }
}
