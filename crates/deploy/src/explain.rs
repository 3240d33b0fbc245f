//! A strategy in words, step by step, for `relkit rollout check`.

use crate::analysis::AnalysisRef;
use crate::duration::format_duration;
use crate::strategy::{CanaryScale, CanarySpec, CanaryStep, RolloutSpec, Strategy};
use crate::{canary_replicas, rolling_bounds};

impl RolloutSpec {
    /// Every analysis this spec refers to, in order, with where it is used.
    pub fn analysis_refs(&self) -> Vec<(String, AnalysisRef)> {
        let mut out = Vec::new();
        match &self.strategy {
            Strategy::Canary(c) => {
                if let Some(bg) = &c.analysis {
                    out.push(("background analysis".to_owned(), bg.analysis()));
                }
                for (i, s) in c.steps.iter().enumerate() {
                    if let CanaryStep::Analysis(r) = s {
                        out.push((format!("step {i} (analysis)"), r.clone()));
                    }
                }
            }
            Strategy::BlueGreen(b) => {
                if let Some(r) = &b.pre_promotion_analysis {
                    out.push(("prePromotionAnalysis".to_owned(), r.clone()));
                }
                if let Some(r) = &b.post_promotion_analysis {
                    out.push(("postPromotionAnalysis".to_owned(), r.clone()));
                }
            }
            Strategy::Shadow(s) => {
                if let Some(r) = &s.analysis {
                    out.push(("shadow analysis".to_owned(), r.clone()));
                }
            }
            Strategy::AllAtOnce | Strategy::Rolling(_) | Strategy::CodeDeploy(_) => {}
        }
        out
    }

    /// What the rollout will do, one line per step.
    ///
    /// ```
    /// use relkit_deploy::{RolloutSpec, Strategy, CodeDeployPreset};
    /// let spec = RolloutSpec::new("fn", 10, Strategy::CodeDeploy(CodeDeployPreset::Canary10Percent5Minutes));
    /// let lines = spec.explain();
    /// assert_eq!(lines[1], "step 0: setWeight 10 → 9 stable and 1 new pod(s)");
    /// ```
    pub fn explain(&self) -> Vec<String> {
        let n = self.replicas;
        let mut out = vec![format!(
            "rollout {:?}: {} strategy, {n} replica(s)",
            self.name,
            self.strategy.kind()
        )];
        let refs = |r: &AnalysisRef| r.templates.join(", ");
        match &self.strategy {
            Strategy::AllAtOnce => {
                out.push(format!("replace all {n} pod(s) at once; then promoted"))
            }
            Strategy::Rolling(r) => {
                let (s, u) = rolling_bounds(n, r.max_surge, r.max_unavailable);
                out.push(format!(
                    "rolling update: maxSurge {} → {s} pod(s) above {n}, maxUnavailable {} → {u} pod(s) below; a round every {}",
                    r.max_surge,
                    r.max_unavailable,
                    format_duration(r.ready_after)
                ));
            }
            Strategy::BlueGreen(b) => {
                out.push(format!(
                    "bring up the preview side with {} pod(s); the active side keeps all traffic",
                    b.preview_replica_count.unwrap_or(n)
                ));
                if let Some(r) = &b.pre_promotion_analysis {
                    out.push(format!(
                        "pre-promotion analysis: {}; failure aborts",
                        refs(r)
                    ));
                }
                match (b.auto_promotion_enabled, b.auto_promotion_delay) {
                    (false, _) => out.push("wait for a person to promote".to_owned()),
                    (true, Some(d)) => out.push(format!(
                        "promote automatically after {}",
                        format_duration(d)
                    )),
                    (true, None) => out.push("promote at once".to_owned()),
                }
                out.push("switch the active service: 100% on the new side".to_owned());
                if let Some(r) = &b.post_promotion_analysis {
                    out.push(format!(
                        "post-promotion analysis: {}; failure switches back",
                        refs(r)
                    ));
                }
                out.push(format!(
                    "scale the old side down after {}; then promoted",
                    format_duration(b.scale_down_delay)
                ));
            }
            Strategy::Canary(c) => explain_canary(n, c, &mut out),
            Strategy::CodeDeploy(p) => explain_canary(n, &p.to_canary(), &mut out),
            Strategy::Shadow(s) => {
                out.push(format!("mirror {}% of requests to the new version for {}; none of its answers are served", s.mirror_percent, format_duration(s.duration)));
                if let Some(r) = &s.analysis {
                    out.push(format!(
                        "analysis during the shadow period: {}; failure aborts",
                        refs(r)
                    ));
                }
                out.push(if s.auto_promote {
                    "then promoted".to_owned()
                } else {
                    "then wait for a person to promote".to_owned()
                });
            }
        }
        out
    }
}

fn explain_canary(n: u32, c: &CanarySpec, out: &mut Vec<String>) {
    if let Some(bg) = &c.analysis {
        out.push(format!(
            "background analysis {} from step {}; failure at any time aborts",
            bg.templates.join(", "),
            bg.starting_step
        ));
    }
    let mut weight = 0;
    for (i, s) in c.steps.iter().enumerate() {
        out.push(match s {
            CanaryStep::SetWeight(w) => {
                weight = *w;
                let (stable, canary) = canary_replicas(n, *w);
                format!("step {i}: setWeight {w} → {stable} stable and {canary} new pod(s)")
            }
            CanaryStep::Pause(p) => match p.duration {
                Some(d) => format!("step {i}: pause {} at {weight}%", format_duration(d)),
                None => format!("step {i}: pause at {weight}% until a person promotes"),
            },
            CanaryStep::Analysis(r) => format!(
                "step {i}: analysis {}; wait for its result, failure aborts",
                r.templates.join(", ")
            ),
            CanaryStep::SetCanaryScale(CanaryScale::Replicas(r)) => {
                format!("step {i}: setCanaryScale {r} new pod(s)")
            }
            CanaryStep::SetCanaryScale(CanaryScale::Weight(w)) => {
                format!("step {i}: setCanaryScale {w}% of {n} replicas")
            }
            CanaryStep::SetCanaryScale(CanaryScale::MatchTrafficWeight) => {
                format!("step {i}: setCanaryScale back to the traffic weight")
            }
        });
    }
    out.push(format!(
        "step {}: promoted, 100% on the new version",
        c.steps.len()
    ));
}
