//! Argo Rollouts interop: import `Rollout` and `AnalysisTemplate` manifests,
//! export our strategies as manifests. Every field that is not supported is
//! rejected with its path; fields that describe pods or identity
//! (`spec.template`, `spec.selector`, `metadata.labels`...) are accepted and
//! listed in the import's notes, since they do not change the strategy.

mod obj;

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value as J, json};

use self::obj::Obj;
use crate::analysis::{AnalysisRef, AnalysisTemplate, Arg, Metric, Provider};
use crate::strategy::{
    BackgroundAnalysis, BlueGreenSpec, CanaryScale, CanarySpec, CanaryStep, Pause, RolloutSpec,
    Strategy,
};
use crate::{Error, IntOrPercent, Result, format_duration};

/// The API group and version of Argo Rollouts' resources.
pub const API_VERSION: &str = "argoproj.io/v1alpha1";

/// One imported document.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    /// A `Rollout`, or our own strategy document.
    Rollout(RolloutSpec),
    /// An `AnalysisTemplate` or `ClusterAnalysisTemplate`, or our own template.
    AnalysisTemplate(AnalysisTemplate),
}

/// The documents of one file, and what was accepted without being interpreted.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Loaded {
    /// The documents, in file order.
    pub documents: Vec<Document>,
    /// Fields accepted but not interpreted (pod templates, labels, status).
    pub notes: Vec<String>,
}

impl Loaded {
    /// The rollouts.
    pub fn rollouts(&self) -> impl Iterator<Item = &RolloutSpec> {
        self.documents.iter().filter_map(|d| match d {
            Document::Rollout(r) => Some(r),
            Document::AnalysisTemplate(_) => None,
        })
    }

    /// The analysis templates.
    pub fn templates(&self) -> impl Iterator<Item = &AnalysisTemplate> {
        self.documents.iter().filter_map(|d| match d {
            Document::AnalysisTemplate(t) => Some(t),
            Document::Rollout(_) => None,
        })
    }
}

/// Reads a YAML or JSON file of one or more documents (`---` in YAML, a
/// list in JSON), each either an
/// Argo Rollouts manifest (`apiVersion: argoproj.io/...`) or one of ours (a
/// [`RolloutSpec`] with `strategy`, or an [`AnalysisTemplate`] with `metrics`).
/// `origin` (a file name) is used in messages.
///
/// ```
/// let yaml = "
/// apiVersion: argoproj.io/v1alpha1
/// kind: Rollout
/// metadata: {name: web}
/// spec:
///   replicas: 5
///   strategy:
///     canary:
///       steps: [{setWeight: 20}, {pause: {}}]
/// ";
/// let loaded = relkit_deploy::load(yaml, "rollout.yaml")?;
/// let spec = loaded.rollouts().next().unwrap();
/// assert_eq!(spec.replicas, 5);
/// # Ok::<(), relkit_deploy::Error>(())
/// ```
pub fn load(text: &str, origin: &str) -> Result<Loaded> {
    let mut out = Loaded::default();
    let trimmed = text.trim_start();
    let docs: Vec<J> = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        match serde_json::from_str(text)
            .map_err(|e| Error::parse(format!("{origin} (JSON)"), e.to_string()))?
        {
            // A JSON list is a list of documents.
            J::Array(docs) => docs,
            doc => vec![doc],
        }
    } else {
        let mut docs = Vec::new();
        for (i, de) in serde_norway::Deserializer::from_str(text).enumerate() {
            let v: J = serde::Deserialize::deserialize(de).map_err(|e| {
                Error::parse(format!("{origin} (YAML document {})", i + 1), e.to_string())
            })?;
            if !v.is_null() {
                docs.push(v);
            }
        }
        docs
    };
    for (i, doc) in docs.into_iter().enumerate() {
        let where_ = format!("{origin} document {}", i + 1);
        let argo = doc
            .get("apiVersion")
            .and_then(J::as_str)
            .is_some_and(|a| a.starts_with("argoproj.io/"));
        let d = if argo {
            import(doc, &where_, &mut out.notes)?
        } else if doc.get("strategy").is_some() {
            Document::Rollout(
                serde_json::from_value(doc)
                    .map_err(|e| Error::parse(format!("{where_} (strategy)"), e.to_string()))?,
            )
        } else if doc.get("metrics").is_some() {
            Document::AnalysisTemplate(serde_json::from_value(doc).map_err(|e| {
                Error::parse(format!("{where_} (analysis template)"), e.to_string())
            })?)
        } else if doc.get("apiVersion").is_some() {
            return Err(Error::unsupported(
                format!("{where_} apiVersion"),
                "only argoproj.io Rollout and AnalysisTemplate manifests are read",
            ));
        } else {
            return Err(Error::parse(
                where_,
                "neither a strategy (no `strategy` field) nor an analysis template (no `metrics` field)",
            ));
        };
        out.documents.push(d);
    }
    if out.documents.is_empty() {
        return Err(Error::parse(origin, "the file holds no document"));
    }
    Ok(out)
}

fn import(doc: J, origin: &str, notes: &mut Vec<String>) -> Result<Document> {
    let mut root = Obj::new("", doc)?;
    let api = root.req_str("apiVersion")?;
    if api != API_VERSION {
        return Err(Error::unsupported(
            format!("{origin}: apiVersion"),
            format!("{api:?} is not {API_VERSION}"),
        ));
    }
    let kind = root.req_str("kind")?;
    let mut meta = root
        .obj("metadata")?
        .ok_or_else(|| Error::parse(format!("{origin}: metadata"), "this field is required"))?;
    let name = meta.req_str("name")?;
    for k in meta.drain_keys() {
        notes.push(format!("{origin}: metadata.{k} accepted, not interpreted"));
    }
    if root.take("status").is_some() {
        notes.push(format!(
            "{origin}: status ignored (it is the controller's output)"
        ));
    }
    let spec = root
        .obj("spec")?
        .ok_or_else(|| Error::parse(format!("{origin}: spec"), "this field is required"))?;
    let doc = match kind.as_str() {
        "Rollout" => Document::Rollout(rollout(name, spec, origin, notes)?),
        "AnalysisTemplate" | "ClusterAnalysisTemplate" => {
            Document::AnalysisTemplate(template(name, spec)?)
        }
        other => {
            return Err(Error::unsupported(
                format!("{origin}: kind"),
                format!(
                    "{other:?} is not supported (Rollout, AnalysisTemplate and ClusterAnalysisTemplate are)"
                ),
            ));
        }
    };
    root.finish()?;
    Ok(doc)
}

fn rollout(
    name: String,
    mut spec: Obj,
    origin: &str,
    notes: &mut Vec<String>,
) -> Result<RolloutSpec> {
    let replicas = spec.u32("replicas")?.unwrap_or(1);
    for k in [
        "selector",
        "template",
        "workloadRef",
        "revisionHistoryLimit",
    ] {
        if spec.take(k).is_some() {
            notes.push(format!("{origin}: spec.{k} accepted, not interpreted (it describes the pods, not the strategy)"));
        }
    }
    let mut strategy = spec
        .obj("strategy")?
        .ok_or_else(|| Error::parse(spec.at("strategy"), "this field is required"))?;
    let s = match (strategy.obj("canary")?, strategy.obj("blueGreen")?) {
        (Some(c), None) => Strategy::Canary(canary(c)?),
        (None, Some(b)) => Strategy::BlueGreen(blue_green(b)?),
        (Some(_), Some(_)) => {
            return Err(Error::parse(
                strategy.path.clone(),
                "canary and blueGreen are both set; choose one",
            ));
        }
        (None, None) if strategy.has("rollingUpdate") || strategy.has("type") => {
            return Err(Error::unsupported(
                strategy.at("rollingUpdate"),
                "a Deployment strategy; an Argo Rollout has canary or blueGreen",
            ));
        }
        (None, None) => {
            return Err(Error::parse(
                strategy.path.clone(),
                "expected canary or blueGreen",
            ));
        }
    };
    strategy.finish()?;
    spec.finish()?;
    Ok(RolloutSpec {
        name,
        replicas,
        strategy: s,
    })
}

fn quantity(o: &mut Obj, key: &str) -> Result<Option<IntOrPercent>> {
    let path = o.at(key);
    o.str(key)?
        .map(|s| IntOrPercent::parse(&s).map_err(|e| Error::parse(path, e.to_string())))
        .transpose()
}

fn canary(mut c: Obj) -> Result<CanarySpec> {
    let mut spec = CanarySpec::with_steps(Vec::new());
    if let Some(q) = quantity(&mut c, "maxSurge")? {
        spec.max_surge = q;
    }
    if let Some(q) = quantity(&mut c, "maxUnavailable")? {
        spec.max_unavailable = q;
    }
    spec.canary_service = c.str("canaryService")?;
    spec.stable_service = c.str("stableService")?;
    for (path, step) in c.list("steps")? {
        spec.steps.push(canary_step(Obj::new(path, step)?)?);
    }
    if let Some(mut a) = c.obj("analysis")? {
        let starting_step = a.u32("startingStep")?.unwrap_or(0) as usize;
        let r = analysis_ref(a)?;
        spec.analysis = Some(BackgroundAnalysis {
            templates: r.templates,
            args: r.args,
            starting_step,
        });
    }
    c.finish()?;
    Ok(spec)
}

fn canary_step(mut s: Obj) -> Result<CanaryStep> {
    let keys = s.keys();
    let [key] = keys.as_slice() else {
        return Err(Error::parse(
            s.path.clone(),
            format!(
                "a step has exactly one kind, found {}",
                if keys.is_empty() {
                    "none".to_owned()
                } else {
                    keys.join(", ")
                }
            ),
        ));
    };
    let step = match key.as_str() {
        "setWeight" => {
            let w = s.u32("setWeight")?.unwrap_or(0);
            CanaryStep::SetWeight(w)
        }
        "pause" => {
            let mut p = s.obj("pause")?.unwrap_or(Obj::new(s.at("pause"), J::Null)?);
            let duration = p.dur("duration")?;
            p.finish()?;
            CanaryStep::Pause(Pause { duration })
        }
        "analysis" => {
            let a = s
                .obj("analysis")?
                .unwrap_or(Obj::new(s.at("analysis"), J::Null)?);
            CanaryStep::Analysis(analysis_ref(a)?)
        }
        "setCanaryScale" => {
            let mut c = s
                .obj("setCanaryScale")?
                .unwrap_or(Obj::new(s.at("setCanaryScale"), J::Null)?);
            let scale = match (
                c.u32("replicas")?,
                c.u32("weight")?,
                c.bool("matchTrafficWeight")?,
            ) {
                (Some(r), None, None | Some(false)) => CanaryScale::Replicas(r),
                (None, Some(w), None | Some(false)) => CanaryScale::Weight(w),
                (None, None, Some(true)) => CanaryScale::MatchTrafficWeight,
                _ => {
                    return Err(Error::parse(
                        c.path.clone(),
                        "give exactly one of replicas, weight or matchTrafficWeight: true",
                    ));
                }
            };
            c.finish()?;
            CanaryStep::SetCanaryScale(scale)
        }
        _ => {
            // Not a step we know: finish() names it with its path.
            let path = s.path.clone();
            return Err(s
                .finish()
                .err()
                .unwrap_or_else(|| Error::parse(path, "unknown step")));
        }
    };
    s.finish()?;
    Ok(step)
}

fn analysis_ref(mut a: Obj) -> Result<AnalysisRef> {
    let mut templates = Vec::new();
    for (path, t) in a.list("templates")? {
        let mut t = Obj::new(path, t)?;
        templates.push(t.req_str("templateName")?);
        t.bool("clusterScope")?;
        t.finish()?;
    }
    if templates.is_empty() {
        return Err(Error::parse(
            a.at("templates"),
            "at least one template is needed",
        ));
    }
    let args = args(&mut a)?;
    a.finish()?;
    Ok(AnalysisRef { templates, args })
}

fn args(o: &mut Obj) -> Result<Vec<Arg>> {
    let mut out = Vec::new();
    for (path, v) in o.list("args")? {
        let mut v = Obj::new(path, v)?;
        out.push(Arg {
            name: v.req_str("name")?,
            value: v.str("value")?,
        });
        v.finish()?;
    }
    Ok(out)
}

fn blue_green(mut b: Obj) -> Result<BlueGreenSpec> {
    let mut spec = BlueGreenSpec {
        active_service: Some(b.req_str("activeService")?),
        preview_service: b.str("previewService")?,
        ..BlueGreenSpec::default()
    };
    if let Some(a) = b.bool("autoPromotionEnabled")? {
        spec.auto_promotion_enabled = a;
    }
    spec.auto_promotion_delay = b
        .u32("autoPromotionSeconds")?
        .map(|s| Duration::from_secs(u64::from(s)));
    if let Some(s) = b.u32("scaleDownDelaySeconds")? {
        spec.scale_down_delay = Duration::from_secs(u64::from(s));
    }
    spec.preview_replica_count = b.u32("previewReplicaCount")?;
    spec.pre_promotion_analysis = b
        .obj("prePromotionAnalysis")?
        .map(analysis_ref)
        .transpose()?;
    spec.post_promotion_analysis = b
        .obj("postPromotionAnalysis")?
        .map(analysis_ref)
        .transpose()?;
    b.finish()?;
    Ok(spec)
}

/// Providers kept as string fields, and the fields each may have.
const PROVIDERS: &[(&str, &[&str])] = &[
    ("prometheus", &["address", "query", "timeout"]),
    (
        "datadog",
        &["query", "interval", "apiVersion", "aggregator"],
    ),
    ("newRelic", &["query", "profile"]),
    (
        "web",
        &[
            "url",
            "jsonPath",
            "method",
            "body",
            "timeoutSeconds",
            "insecure",
        ],
    ),
    ("wavefront", &["address", "query"]),
    ("graphite", &["address", "query"]),
    ("influxdb", &["profile", "query"]),
];

fn template(name: String, mut spec: Obj) -> Result<AnalysisTemplate> {
    let args = args(&mut spec)?;
    let mut metrics = Vec::new();
    for (path, m) in spec.list("metrics")? {
        metrics.push(metric(Obj::new(path, m)?)?);
    }
    if metrics.is_empty() {
        return Err(Error::parse(
            spec.at("metrics"),
            "at least one metric is needed",
        ));
    }
    spec.finish()?;
    Ok(AnalysisTemplate {
        name,
        args,
        metrics,
    })
}

fn metric(mut m: Obj) -> Result<Metric> {
    let mut out = Metric::new(m.req_str("name")?);
    out.interval = m.dur("interval")?;
    out.initial_delay = m.dur("initialDelay")?.unwrap_or(Duration::ZERO);
    out.count = m.u32("count")?;
    out.success_condition = m.str("successCondition")?;
    out.failure_condition = m.str("failureCondition")?;
    out.failure_limit = m.u32("failureLimit")?.unwrap_or(0);
    out.inconclusive_limit = m.u32("inconclusiveLimit")?.unwrap_or(0);
    if let Some(n) = m.u32("consecutiveErrorLimit")? {
        out.consecutive_error_limit = n;
    }
    if let Some(mut p) = m.obj("provider")? {
        let keys = p.keys();
        let [kind_name] = keys.as_slice() else {
            return Err(Error::parse(
                p.path.clone(),
                format!("expected exactly one provider, found {}", keys.len()),
            ));
        };
        let Some((_, allowed)) = PROVIDERS.iter().find(|(k, _)| k == kind_name) else {
            return Err(Error::unsupported(
                p.at(kind_name),
                "this provider is not supported (prometheus, datadog, newRelic, web, wavefront, graphite and influxdb are, with string fields only)",
            ));
        };
        let mut inner = p
            .obj(kind_name)?
            .unwrap_or(Obj::new(p.at(kind_name), J::Null)?);
        let mut fields = BTreeMap::new();
        for f in *allowed {
            if let Some(v) = inner.str(f)? {
                fields.insert((*f).to_owned(), v);
            }
        }
        inner.finish()?;
        p.finish()?;
        out.provider = Some(Provider {
            kind: kind_name.clone(),
            fields,
        });
    }
    m.finish()?;
    Ok(out)
}

// ---------------------------------------------------------------- export

/// Sets a field of a JSON object (a no-op on anything else).
fn put(o: &mut J, key: &str, v: J) {
    if let J::Object(m) = o {
        m.insert(key.to_owned(), v);
    }
}

fn analysis_json(r: &AnalysisRef) -> J {
    let mut o = json!({
        "templates": r.templates.iter().map(|t| json!({"templateName": t})).collect::<Vec<_>>(),
    });
    if !r.args.is_empty() {
        put(
            &mut o,
            "args",
            J::Array(
                r.args
                    .iter()
                    .map(|a| match &a.value {
                        Some(v) => json!({"name": a.name, "value": v}),
                        None => json!({"name": a.name}),
                    })
                    .collect(),
            ),
        );
    }
    o
}

fn quantity_json(q: IntOrPercent) -> J {
    match q {
        IntOrPercent::Count(n) => json!(n),
        IntOrPercent::Percent(_) => json!(q.to_string()),
    }
}

fn canary_json(c: &CanarySpec) -> J {
    let steps: Vec<J> = c
        .steps
        .iter()
        .map(|s| match s {
            CanaryStep::SetWeight(w) => json!({"setWeight": w}),
            CanaryStep::Pause(Pause { duration: None }) => json!({"pause": {}}),
            CanaryStep::Pause(Pause { duration: Some(d) }) => {
                json!({"pause": {"duration": format_duration(*d)}})
            }
            CanaryStep::Analysis(r) => json!({"analysis": analysis_json(r)}),
            CanaryStep::SetCanaryScale(CanaryScale::Replicas(n)) => {
                json!({"setCanaryScale": {"replicas": n}})
            }
            CanaryStep::SetCanaryScale(CanaryScale::Weight(w)) => {
                json!({"setCanaryScale": {"weight": w}})
            }
            CanaryStep::SetCanaryScale(CanaryScale::MatchTrafficWeight) => {
                json!({"setCanaryScale": {"matchTrafficWeight": true}})
            }
        })
        .collect();
    let mut o = json!({
        "steps": steps,
        "maxSurge": quantity_json(c.max_surge),
        "maxUnavailable": quantity_json(c.max_unavailable),
    });
    if let Some(bg) = &c.analysis {
        let mut a = analysis_json(&bg.analysis());
        put(&mut a, "startingStep", json!(bg.starting_step));
        put(&mut o, "analysis", a);
    }
    if let Some(s) = &c.canary_service {
        put(&mut o, "canaryService", json!(s));
    }
    if let Some(s) = &c.stable_service {
        put(&mut o, "stableService", json!(s));
    }
    o
}

/// The Argo Rollouts `Rollout` manifest of a spec, as YAML. The pods are
/// referred to with `workloadRef` (a Deployment of the same name). A rolling
/// update and all-at-once become a canary without steps (Argo's rolling
/// update); a CodeDeploy preset becomes its canary steps; shadow has no Argo
/// equivalent and is refused.
pub fn export_rollout(spec: &RolloutSpec) -> Result<String> {
    crate::validate(spec)?;
    let strategy = match &spec.strategy {
        Strategy::Canary(c) => json!({"canary": canary_json(c)}),
        Strategy::CodeDeploy(p) => json!({"canary": canary_json(&p.to_canary())}),
        Strategy::Rolling(r) => {
            let mut c = CanarySpec::with_steps(Vec::new());
            c.max_surge = r.max_surge;
            c.max_unavailable = r.max_unavailable;
            json!({"canary": canary_json(&c)})
        }
        Strategy::AllAtOnce => {
            let mut c = CanarySpec::with_steps(Vec::new());
            c.max_surge = IntOrPercent::Percent(100);
            c.max_unavailable = IntOrPercent::Percent(100);
            json!({"canary": canary_json(&c)})
        }
        Strategy::BlueGreen(b) => {
            let mut o = json!({
                "activeService": b.active_service.clone().unwrap_or_else(|| format!("{}-active", spec.name)),
                "autoPromotionEnabled": b.auto_promotion_enabled,
                "scaleDownDelaySeconds": b.scale_down_delay.as_secs(),
            });
            if let Some(s) = &b.preview_service {
                put(&mut o, "previewService", json!(s));
            }
            if let Some(d) = b.auto_promotion_delay {
                put(&mut o, "autoPromotionSeconds", json!(d.as_secs()));
            }
            if let Some(n) = b.preview_replica_count {
                put(&mut o, "previewReplicaCount", json!(n));
            }
            if let Some(r) = &b.pre_promotion_analysis {
                put(&mut o, "prePromotionAnalysis", analysis_json(r));
            }
            if let Some(r) = &b.post_promotion_analysis {
                put(&mut o, "postPromotionAnalysis", analysis_json(r));
            }
            json!({"blueGreen": o})
        }
        Strategy::Shadow(_) => {
            return Err(Error::Export {
                what: format!("rollout {:?}", spec.name),
                reason: "Argo Rollouts has no shadow strategy (mirroring needs a traffic router's setMirrorRoute)".to_owned(),
            });
        }
    };
    let doc = json!({
        "apiVersion": API_VERSION,
        "kind": "Rollout",
        "metadata": {"name": spec.name},
        "spec": {
            "replicas": spec.replicas,
            "workloadRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": spec.name},
            "strategy": strategy,
        },
    });
    to_yaml(&doc)
}

/// The Argo Rollouts `AnalysisTemplate` manifest of a template, as YAML.
/// Burn-rate and Mann-Whitney checks have no Argo equivalent and are refused.
pub fn export_analysis_template(t: &AnalysisTemplate) -> Result<String> {
    let mut metrics = Vec::new();
    for m in &t.metrics {
        if m.check.is_some() {
            return Err(Error::Export {
                what: format!("metric {:?} of analysis template {:?}", m.name, t.name),
                reason: "Argo Rollouts has no burn-rate or Mann-Whitney check; write it as a provider query with a condition".to_owned(),
            });
        }
        let mut o = json!({"name": m.name});
        if let Some(i) = m.interval {
            put(&mut o, "interval", json!(format_duration(i)));
        }
        if let Some(c) = m.count {
            put(&mut o, "count", json!(c));
        }
        if !m.initial_delay.is_zero() {
            put(
                &mut o,
                "initialDelay",
                json!(format_duration(m.initial_delay)),
            );
        }
        if let Some(c) = &m.success_condition {
            put(&mut o, "successCondition", json!(c));
        }
        if let Some(c) = &m.failure_condition {
            put(&mut o, "failureCondition", json!(c));
        }
        if m.failure_limit != 0 {
            put(&mut o, "failureLimit", json!(m.failure_limit));
        }
        if m.inconclusive_limit != 0 {
            put(&mut o, "inconclusiveLimit", json!(m.inconclusive_limit));
        }
        if m.consecutive_error_limit != 4 {
            put(
                &mut o,
                "consecutiveErrorLimit",
                json!(m.consecutive_error_limit),
            );
        }
        if let Some(p) = &m.provider {
            put(&mut o, "provider", json!({ p.kind.clone(): p.fields }));
        }
        metrics.push(o);
    }
    let mut spec = json!({"metrics": metrics});
    if !t.args.is_empty() {
        put(
            &mut spec,
            "args",
            J::Array(
                t.args
                    .iter()
                    .map(|a| match &a.value {
                        Some(v) => json!({"name": a.name, "value": v}),
                        None => json!({"name": a.name}),
                    })
                    .collect(),
            ),
        );
    }
    to_yaml(&json!({
        "apiVersion": API_VERSION,
        "kind": "AnalysisTemplate",
        "metadata": {"name": t.name},
        "spec": spec,
    }))
}

/// Any serializable value as YAML (keys of maps sorted).
pub fn to_yaml<T: serde::Serialize>(value: &T) -> Result<String> {
    let err = |e: &dyn std::fmt::Display| Error::Export {
        what: "YAML".to_owned(),
        reason: e.to_string(),
    };
    // Through a JSON tree: the YAML serializer refuses nested enums
    // (`strategy: {canary: {steps: [{pause: ...}]}}`), which a tree writes as mappings.
    let tree = serde_json::to_value(value).map_err(|e| err(&e))?;
    serde_norway::to_string(&tree).map_err(|e| err(&e))
}
