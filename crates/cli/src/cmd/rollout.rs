//! `relkit rollout simulate|check|export`: deployment strategies from
//! relkit-deploy, read from our YAML/JSON or Argo Rollouts manifests.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use relkit_deploy::{
    Library, ManualAction, MetricSeries, Outcome, Rollout, RolloutSpec, Simulation,
};
use serde_json::json;

use crate::error::CliError;
use crate::output;

impl From<relkit_deploy::Error> for CliError {
    fn from(e: relkit_deploy::Error) -> Self {
        CliError::input(e)
    }
}

/// `relkit rollout …`
#[derive(Debug, Subcommand)]
pub(crate) enum RolloutCommand {
    /// Simulate a rollout against scripted metric series and print its timeline.
    Simulate(SimulateArgs),
    /// Validate a strategy and explain what it does (exit 2 when invalid).
    Check(CheckArgs),
    /// Export a strategy (and the analysis templates given) in another format.
    Export(ExportArgs),
}

/// Where the strategy and its analysis templates come from.
#[derive(Debug, Args)]
pub(crate) struct Sources {
    /// The strategy: ours (YAML or JSON) or an Argo Rollouts `Rollout`
    /// manifest; the file may also hold analysis templates (`---`).
    #[arg(long, value_name = "FILE")]
    strategy: PathBuf,
    /// Analysis templates, ours or Argo `AnalysisTemplate`s, matched by name.
    #[arg(long, value_name = "FILE")]
    analysis: Vec<PathBuf>,
}

/// `relkit rollout simulate`
#[derive(Debug, Args)]
pub(crate) struct SimulateArgs {
    #[command(flatten)]
    sources: Sources,
    /// Metric series by name: CSV with the header `time_seconds,metric,value`
    /// (a value holds until the next one), or JSON.
    #[arg(long, value_name = "FILE")]
    metrics: PathBuf,
    /// A person's action at a time: `300:promote`, `10m:abort`, `1h:retry`,
    /// `2m:promote-full`. Repeatable.
    #[arg(long, value_name = "TIME:ACTION")]
    action: Vec<String>,
    /// Stop the simulation at this time.
    #[arg(long, value_name = "DURATION", default_value = "7d")]
    horizon: String,
    /// Exit 1 unless the outcome is this one.
    #[arg(long, value_enum, value_name = "OUTCOME")]
    expect: Option<ExpectArg>,
    /// Print a JSON object (outcome, final_step, reason, timeline) instead of text.
    #[arg(long)]
    json: bool,
}

/// An expected outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExpectArg {
    /// All traffic on the new version.
    Promoted,
    /// Rolled back to stable.
    Aborted,
    /// Waiting for a person.
    Paused,
}

/// `relkit rollout check`
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    sources: Sources,
    /// Print a JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Output formats of `export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FormatArg {
    /// Argo Rollouts `Rollout` and `AnalysisTemplate` manifests (YAML).
    Argo,
    /// Our own format, as YAML.
    Yaml,
    /// Our own format, as JSON.
    Json,
}

/// `relkit rollout export`
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    #[command(flatten)]
    sources: Sources,
    /// The output format.
    #[arg(long, value_enum)]
    format: FormatArg,
}

pub(crate) fn run(cmd: RolloutCommand) -> Result<ExitCode, CliError> {
    match cmd {
        RolloutCommand::Simulate(a) => simulate(a),
        RolloutCommand::Check(a) => check(a),
        RolloutCommand::Export(a) => export(a),
    }
}

fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::input(format!("cannot read {}: {e}", path.display())))
}

/// The one rollout of the strategy file, and every template given.
fn load_sources(s: &Sources) -> Result<(RolloutSpec, Library), CliError> {
    let origin = s.strategy.display().to_string();
    let loaded = relkit_deploy::load(&read(&s.strategy)?, &origin)?;
    let mut rollouts = loaded.rollouts();
    let spec = rollouts
        .next()
        .ok_or_else(|| {
            CliError::input(format!(
                "{origin}: holds no strategy (a Rollout, or a document with `strategy`)"
            ))
        })?
        .clone();
    if rollouts.next().is_some() {
        return Err(CliError::input(format!(
            "{origin}: holds more than one strategy; give one per file"
        )));
    }
    let mut library = Library::new();
    let mut notes = loaded.notes.clone();
    for t in loaded.templates() {
        library.insert(t.clone());
    }
    for path in &s.analysis {
        let origin = path.display().to_string();
        let loaded = relkit_deploy::load(&read(path)?, &origin)?;
        if loaded.rollouts().next().is_some() {
            return Err(CliError::input(format!(
                "{origin}: holds a strategy; pass it with --strategy"
            )));
        }
        for t in loaded.templates() {
            if library.get(&t.name).is_some() {
                return Err(CliError::input(format!(
                    "{origin}: analysis template {:?} is given twice",
                    t.name
                )));
            }
            library.insert(t.clone());
        }
        notes.extend(loaded.notes);
    }
    for n in &notes {
        output::note(n);
    }
    Ok((spec, library))
}

fn parse_action(text: &str) -> Result<(Duration, ManualAction), CliError> {
    let bad = |why: &str| {
        CliError::input(format!(
            "--action {text:?}: {why} (expected TIME:ACTION such as 300:promote or 10m:abort)"
        ))
    };
    let (t, a) = text.split_once(':').ok_or_else(|| bad("no colon"))?;
    let at = relkit_deploy::parse_duration(t).map_err(|e| bad(&e.to_string()))?;
    let action = match a.trim() {
        "promote" => ManualAction::Promote,
        "promote-full" | "promote_full" => ManualAction::PromoteFull,
        "abort" => ManualAction::Abort,
        "retry" => ManualAction::Retry,
        _ => {
            return Err(bad(
                "the action is one of promote, promote-full, abort, retry",
            ));
        }
    };
    Ok((at, action))
}

fn simulate(a: SimulateArgs) -> Result<ExitCode, CliError> {
    let (spec, library) = load_sources(&a.sources)?;
    let metrics_text = read(&a.metrics)?;
    let metrics = MetricSeries::parse(&metrics_text)
        .map_err(|e| CliError::input(format!("{}: {e}", a.metrics.display())))?;
    let horizon = relkit_deploy::parse_duration(&a.horizon)
        .map_err(|e| CliError::input(format!("--horizon: {e}")))?;
    let mut sim = Simulation::new(spec.clone(), library, metrics)?.horizon(horizon);
    for text in &a.action {
        let (at, action) = parse_action(text)?;
        sim = sim.action(at, action);
    }
    let report = sim.run();
    if a.json {
        let mut value = report.to_json();
        if let Some(o) = value.as_object_mut() {
            o.insert("rollout".to_owned(), json!(spec.name));
        }
        output::json(&value)?;
    } else {
        output::out(report.to_text().trim_end())?;
    }
    let matches = match (a.expect, &report.outcome) {
        (None, _) => true,
        (Some(ExpectArg::Promoted), Outcome::Promoted { .. })
        | (Some(ExpectArg::Aborted), Outcome::Aborted { .. })
        | (Some(ExpectArg::Paused), Outcome::Paused { .. }) => true,
        (Some(_), _) => false,
    };
    if matches {
        Ok(ExitCode::SUCCESS)
    } else {
        output::error(&format!(
            "expected the rollout to end {:?}, it ended {}",
            a.expect,
            report.outcome.name()
        ));
        Ok(ExitCode::from(1))
    }
}

fn check(a: CheckArgs) -> Result<ExitCode, CliError> {
    let (spec, library) = load_sources(&a.sources)?;
    relkit_deploy::validate(&spec)?;
    library.validate()?;
    // Analyses are checked where their templates are given; a missing one is
    // only a warning here, since templates often live in other files.
    let mut missing = Vec::new();
    for (place, r) in spec.analysis_refs() {
        for t in &r.templates {
            if library.get(t).is_none() {
                missing.push(format!("{place}: analysis template {t:?} is not given (pass it with --analysis to check it)"));
            }
        }
    }
    if missing.is_empty() {
        Rollout::new(spec.clone(), &library, Duration::ZERO)?;
    } else {
        for m in &missing {
            output::warn(m);
        }
    }
    let explanation = spec.explain();
    if a.json {
        output::json(&json!({
            "valid": true,
            "rollout": spec.name,
            "strategy": spec.strategy.kind(),
            "replicas": spec.replicas,
            "steps": explanation,
            "missing_templates": missing,
        }))?;
    } else {
        output::out(&explanation.join("\n"))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn export(a: ExportArgs) -> Result<ExitCode, CliError> {
    let (spec, library) = load_sources(&a.sources)?;
    relkit_deploy::validate(&spec)?;
    let text = match a.format {
        FormatArg::Argo => {
            let mut docs = vec![relkit_deploy::export_rollout(&spec)?];
            for t in library.iter() {
                docs.push(relkit_deploy::export_analysis_template(t)?);
            }
            docs.join("---\n")
        }
        FormatArg::Yaml => {
            let mut docs = vec![relkit_deploy::to_yaml(&spec)?];
            for t in library.iter() {
                docs.push(relkit_deploy::to_yaml(t)?);
            }
            docs.join("---\n")
        }
        FormatArg::Json => {
            // One document, or a list of documents when there are templates:
            // both read back with --strategy.
            let mut docs = vec![serde_json::to_value(&spec).map_err(CliError::other)?];
            for t in library.iter() {
                docs.push(serde_json::to_value(t).map_err(CliError::other)?);
            }
            let value = if docs.len() == 1 {
                docs.remove(0)
            } else {
                serde_json::Value::Array(docs)
            };
            serde_json::to_string_pretty(&value).map_err(CliError::other)?
        }
    };
    output::out(text.trim_end())?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_parse() {
        assert_eq!(
            parse_action("300:promote").unwrap(),
            (Duration::from_secs(300), ManualAction::Promote)
        );
        assert_eq!(
            parse_action("10m:abort").unwrap(),
            (Duration::from_secs(600), ManualAction::Abort)
        );
        assert_eq!(
            parse_action("1h:promote-full").unwrap().1,
            ManualAction::PromoteFull
        );
        assert!(parse_action("promote").is_err());
        assert!(parse_action("5:jump").is_err());
    }

    #[test]
    fn simulate_check_and_export_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let strategy = dir.path().join("rollout.yaml");
        std::fs::write(
            &strategy,
            "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec:\n  replicas: 4\n  strategy:\n    canary:\n      steps: [{setWeight: 25}, {analysis: {templates: [{templateName: sr}]}}, {setWeight: 50}]\n",
        )
        .unwrap();
        let analysis = dir.path().join("sr.yaml");
        std::fs::write(
            &analysis,
            "name: sr\nmetrics:\n  - name: sr\n    success_condition: result >= 0.9\n",
        )
        .unwrap();
        let metrics = dir.path().join("m.csv");
        std::fs::write(&metrics, "time_seconds,metric,value\n0,sr,0.5\n").unwrap();
        let sources = || Sources {
            strategy: strategy.clone(),
            analysis: vec![analysis.clone()],
        };
        let sim = |expect| SimulateArgs {
            sources: sources(),
            metrics: metrics.clone(),
            action: vec![],
            horizon: "1d".into(),
            expect: Some(expect),
            json: true,
        };
        assert_eq!(
            simulate(sim(ExpectArg::Aborted)).unwrap(),
            ExitCode::SUCCESS
        );
        assert_eq!(
            simulate(sim(ExpectArg::Promoted)).unwrap(),
            ExitCode::from(1)
        );
        assert_eq!(
            check(CheckArgs {
                sources: sources(),
                json: false
            })
            .unwrap(),
            ExitCode::SUCCESS
        );
        assert_eq!(
            export(ExportArgs {
                sources: sources(),
                format: FormatArg::Argo
            })
            .unwrap(),
            ExitCode::SUCCESS
        );

        std::fs::write(
            &strategy,
            "name: w\nstrategy: {canary: {steps: [{set_weight: 101}]}}\n",
        )
        .unwrap();
        let err = check(CheckArgs {
            sources: sources(),
            json: false,
        })
        .unwrap_err();
        assert_eq!(err.code, 2);
        assert!(
            err.message.contains("weight 101 is over 100"),
            "{}",
            err.message
        );
    }
}
