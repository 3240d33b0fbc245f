//! `relkit artifact push|pull|attach|gc`, `relkit promote REF --to ENV`,
//! `relkit promote status|history|verify` and `relkit rollback ENV`: thin
//! wrappers over `relkit-promote`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use relkit_promote::{
    AttachmentKind, CheckStatus, Outcome, Pipeline, Promote, PushOptions, Record, Releases, Store,
};
use serde_json::{Value, json};

use crate::error::CliError;
use crate::output;

impl From<relkit_promote::Error> for CliError {
    fn from(e: relkit_promote::Error) -> Self {
        use relkit_promote::Error as E;
        match &e {
            // Bad input: what the user typed or pointed at.
            E::Digest { .. }
            | E::Tag { .. }
            | E::FileName { .. }
            | E::NotFound { .. }
            | E::Pipeline { .. }
            | E::Layout { .. }
            | E::TagMoved { .. }
            | E::Rollback { .. } => CliError::input(e),
            E::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                CliError::input(e)
            }
            // Tampering, corruption, missing blobs, anything else.
            _ => CliError::other(e),
        }
    }
}

/// The OCI image layout directory.
#[derive(Debug, Args)]
pub(crate) struct StoreArg {
    /// The store: an OCI image layout directory (created by `artifact push` if missing).
    #[arg(long, value_name = "DIR")]
    store: PathBuf,
}

/// Who is acting, and the pipeline.
#[derive(Debug, Args)]
pub(crate) struct PipelineArg {
    /// The pipeline definition (TOML, or JSON if it ends in .json)
    /// [default: dev → staging → prod, requiring presence in the upstream].
    #[arg(long, value_name = "FILE")]
    pipeline: Option<PathBuf>,
}

impl PipelineArg {
    fn load(&self) -> Result<Pipeline, CliError> {
        match &self.pipeline {
            Some(p) => Ok(Pipeline::load(p)?),
            None => Ok(Pipeline::default()),
        }
    }
}

/// `relkit artifact …`
#[derive(Debug, Subcommand)]
pub(crate) enum ArtifactCommand {
    /// Push files as one OCI artifact (a layer per file, file names as titles).
    Push(PushArgs),
    /// Pull an artifact's files back, byte for byte.
    Pull(PullArgs),
    /// Attach an SBOM, signature or attestation to an artifact (an OCI 1.1 referrer).
    Attach(AttachArgs),
    /// Remove blobs nothing refers to (and apply the pipeline's retention, if any).
    Gc(GcArgs),
}

/// `relkit artifact push`
#[derive(Debug, Args)]
pub(crate) struct PushArgs {
    /// The files, in layer order (their names must be distinct).
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    store: StoreArg,
    /// The tag to give the artifact (tags never move to another digest).
    #[arg(long, value_name = "NAME")]
    tag: String,
    /// The artifactType [default: application/vnd.relkit.artifact.v1].
    #[arg(long, value_name = "TYPE")]
    artifact_type: Option<String>,
    /// Who made it (their own approval will not count) [default: the actor].
    #[arg(long, value_name = "NAME")]
    author: Option<String>,
    /// Print a JSON object.
    #[arg(long)]
    json: bool,
}

/// `relkit artifact pull`
#[derive(Debug, Args)]
pub(crate) struct PullArgs {
    /// A tag or a digest (sha256:…).
    #[arg(value_name = "REF")]
    reference: String,
    #[command(flatten)]
    store: StoreArg,
    /// Where to write the files.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// What an attached file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum AttachType {
    /// A software bill of materials.
    Sbom,
    /// A DSSE envelope over an in-toto statement naming the artifact.
    Signature,
    /// An attestation (provenance, test results, …).
    Attestation,
}

/// `relkit artifact attach`
#[derive(Debug, Args)]
pub(crate) struct AttachArgs {
    /// The artifact: a tag or a digest.
    #[arg(value_name = "REF")]
    reference: String,
    /// The file to attach.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    store: StoreArg,
    /// What the file is.
    #[arg(long = "type", value_enum)]
    kind: AttachType,
}

/// `relkit artifact gc`
#[derive(Debug, Args)]
pub(crate) struct GcArgs {
    #[command(flatten)]
    store: StoreArg,
    #[command(flatten)]
    pipeline: PipelineArg,
    /// Only print what would be removed.
    #[arg(long)]
    dry_run: bool,
    /// Leave blobs and temporary files younger than this (a push may be in
    /// flight in another process): `90s`, `10m`, `1h`, `0s`.
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    min_age: String,
}

/// `relkit promote …`: `relkit promote REF --to ENV`, or a subcommand.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct PromoteArgs {
    #[command(subcommand)]
    command: Option<PromoteCommand>,
    /// The artifact to promote: a tag or a digest.
    #[arg(value_name = "REF", required = true)]
    reference: Option<String>,
    /// The environment to promote it to.
    #[arg(long, value_name = "ENV", required = true)]
    to: Option<String>,
    /// The store.
    #[arg(long, value_name = "DIR", required = true)]
    store: Option<PathBuf>,
    #[command(flatten)]
    pipeline: PipelineArg,
    /// An approval by NAME (repeat for several people; the author's does not count).
    #[arg(long = "approve", value_name = "NAME")]
    approve: Vec<String>,
    /// A check's result, recorded as evidence: NAME=pass or NAME=fail (repeatable).
    #[arg(long = "check", value_name = "NAME=pass|fail", value_parser = parse_check)]
    check: Vec<(String, CheckStatus)>,
    /// Promote even though requirements are unmet (needs --reason; recorded as forced).
    #[arg(long)]
    force: bool,
    /// Why (required with --force).
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,
    /// Print the record as JSON.
    #[arg(long)]
    json: bool,
}

/// `relkit promote status|history|verify`
#[derive(Debug, Subcommand)]
pub(crate) enum PromoteCommand {
    /// What each environment runs now.
    Status(StatusArgs),
    /// The promotions, rollbacks and forced promotions of an environment.
    History(HistoryArgs),
    /// Verify the whole history chain and every referenced blob.
    Verify(VerifyArgs),
}

/// `relkit promote status`
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    #[command(flatten)]
    store: StoreArg,
    #[command(flatten)]
    pipeline: PipelineArg,
    /// An object keyed by environment, each with `digest`, `tag` and `since`.
    #[arg(long)]
    json: bool,
}

/// `relkit promote history`
#[derive(Debug, Args)]
pub(crate) struct HistoryArgs {
    /// The environment.
    #[arg(value_name = "ENV")]
    environment: String,
    #[command(flatten)]
    store: StoreArg,
    #[command(flatten)]
    pipeline: PipelineArg,
    /// The records as a JSON array.
    #[arg(long)]
    json: bool,
}

/// `relkit promote verify`
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    store: StoreArg,
    #[command(flatten)]
    pipeline: PipelineArg,
}

/// `relkit rollback`
#[derive(Debug, Args)]
pub(crate) struct RollbackArgs {
    /// The environment to roll back.
    #[arg(value_name = "ENV")]
    environment: String,
    #[command(flatten)]
    store: StoreArg,
    #[command(flatten)]
    pipeline: PipelineArg,
    /// Why.
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,
    /// Print the record as JSON.
    #[arg(long)]
    json: bool,
}

fn parse_check(text: &str) -> Result<(String, CheckStatus), String> {
    let (name, result) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?}: expected NAME=pass or NAME=fail"))?;
    let status = match result {
        "pass" | "passed" | "ok" => CheckStatus::Pass,
        "fail" | "failed" => CheckStatus::Fail,
        other => {
            return Err(format!(
                "{text:?}: result {other:?} is neither pass nor fail"
            ));
        }
    };
    if name.is_empty() {
        return Err(format!("{text:?}: the check has no name"));
    }
    Ok((name.to_owned(), status))
}

/// Who acts: `RELKIT_ACTOR`, else `USER`, else `unknown`.
fn actor() -> String {
    std::env::var("RELKIT_ACTOR")
        .or_else(|_| std::env::var("USER"))
        .ok()
        .filter(|a| !a.trim().is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The time: `RELKIT_NOW` (RFC 3339) when set, else the clock.
fn now() -> Result<jiff::Timestamp, CliError> {
    match std::env::var("RELKIT_NOW") {
        Ok(t) => t
            .parse()
            .map_err(|e| CliError::input(format!("RELKIT_NOW {t:?} is not an RFC 3339 time: {e}"))),
        Err(_) => Ok(jiff::Timestamp::now()),
    }
}

fn record_json(r: &Record) -> Result<Value, CliError> {
    serde_json::to_value(r).map_err(CliError::other)
}

fn record_line(r: &Record) -> String {
    let mut line = format!(
        "{:>4}  {}  {:<9}  {}  {:<12}  by {}",
        r.seq,
        r.time,
        r.kind.to_string(),
        r.digest,
        r.tag.as_deref().unwrap_or("-"),
        r.actor
    );
    if let Some(reason) = &r.reason {
        line.push_str(&format!("  ({reason})"));
    }
    line
}

/// `relkit artifact …`
pub(crate) fn run_artifact(cmd: ArtifactCommand) -> Result<ExitCode, CliError> {
    match cmd {
        ArtifactCommand::Push(a) => {
            let store = Store::create(&a.store.store)?;
            let pushed = store.push_files(
                &a.files,
                &PushOptions {
                    tag: Some(a.tag.clone()),
                    artifact_type: a.artifact_type,
                    author: Some(a.author.unwrap_or_else(actor)),
                    now: Some(now()?),
                },
            )?;
            if a.json {
                output::json(&json!({
                    "digest": pushed.digest.to_string(),
                    "tag": a.tag,
                    "size": pushed.size,
                    "files": pushed.files.iter().map(|(n, d)| json!({"name": n, "digest": d.to_string()})).collect::<Vec<_>>(),
                }))?;
            } else {
                output::out(&pushed.digest.to_string())?;
            }
        }
        ArtifactCommand::Pull(a) => {
            let store = Store::open(&a.store.store)?;
            for p in store.pull(&a.reference, &a.out)? {
                output::out(&p.display().to_string())?;
            }
        }
        ArtifactCommand::Attach(a) => {
            let store = Store::open(&a.store.store)?;
            let kind = match a.kind {
                AttachType::Sbom => AttachmentKind::Sbom,
                AttachType::Signature => AttachmentKind::Signature,
                AttachType::Attestation => AttachmentKind::Attestation,
            };
            let e = store.attach(&a.reference, &a.file, kind, Some(now()?))?;
            output::out(&e.digest.to_string())?;
        }
        ArtifactCommand::Gc(a) => {
            let min_age = relkit_promote::parse_duration(&a.min_age)?;
            let min_age = std::time::Duration::try_from(min_age)
                .map_err(|_| CliError::input(format!("--min-age {:?} is negative", a.min_age)))?;
            let store = Store::open(&a.store.store)?;
            let pipeline = a.pipeline.load()?;
            let releases = Releases::new(store.clone(), pipeline);
            let retention = releases.retention_plan(now()?)?;
            for (d, why) in &retention.delete {
                output::out(&format!(
                    "{} manifest {d}: {why}",
                    if a.dry_run { "would remove" } else { "remove" }
                ))?;
            }
            let done = if a.dry_run {
                store.gc_plan(min_age)?
            } else {
                if !retention.delete.is_empty() {
                    releases.apply_retention(&retention)?;
                }
                let plan = store.gc_plan(min_age)?;
                store.gc_apply(&plan)?
            };
            let verb = if a.dry_run { "would remove" } else { "removed" };
            for (d, size) in &done.blobs {
                output::out(&format!("{verb} blob {d} ({size} bytes)"))?;
            }
            for p in &done.temp_files {
                output::out(&format!("{verb} temporary file {}", p.display()))?;
            }
            output::note(&format!(
                "{verb} {} blob(s), {} bytes, and {} temporary file(s)",
                done.blobs.len(),
                done.bytes(),
                done.temp_files.len()
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `relkit promote …`
pub(crate) fn run_promote(a: PromoteArgs) -> Result<ExitCode, CliError> {
    match a.command {
        Some(PromoteCommand::Status(s)) => return status(s),
        Some(PromoteCommand::History(h)) => return history(h),
        Some(PromoteCommand::Verify(v)) => return verify(v),
        None => {}
    }
    let (Some(reference), Some(to), Some(store)) = (a.reference, a.to, a.store) else {
        return Err(CliError::input(
            "usage: relkit promote REF --to ENV --store DIR",
        ));
    };
    let releases = Releases::new(Store::open(&store)?, a.pipeline.load()?);
    let ask = Promote {
        reference: reference.clone(),
        environment: to.clone(),
        actor: actor(),
        approvals: a.approve,
        checks: a.check.into_iter().collect::<BTreeMap<_, _>>(),
        force: a.force,
        reason: a.reason,
    };
    match releases.promote(&ask, now()?)? {
        Outcome::Promoted(r) => {
            if a.json {
                output::json(&record_json(&r)?)?;
            } else {
                output::out(&format!(
                    "{} {} ({}) to {}{}",
                    if r.kind == relkit_promote::RecordKind::Forced {
                        "forced"
                    } else {
                        "promoted"
                    },
                    reference,
                    r.digest,
                    r.environment,
                    r.previous.map(|p| format!(", was {p}")).unwrap_or_default()
                ))?;
                for o in &r.evidence.overridden {
                    output::warn(&format!("overridden: {o}"));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Denied(unmet) => {
            let mut msg = format!("promotion of {reference} to {to} denied:");
            for u in &unmet {
                msg.push_str(&format!("\n  - {u}"));
            }
            Err(CliError::other(msg))
        }
    }
}

fn status(a: StatusArgs) -> Result<ExitCode, CliError> {
    let releases = Releases::new(Store::open(&a.store.store)?, a.pipeline.load()?);
    let status = releases.status()?;
    if a.json {
        let mut obj = serde_json::Map::new();
        for (env, d) in &status {
            obj.insert(
                env.clone(),
                match d {
                    Some(d) => json!({"digest": d.digest.to_string(), "tag": d.tag, "since": d.since.to_string()}),
                    None => json!({"digest": null, "tag": null, "since": null}),
                },
            );
        }
        output::json(&Value::Object(obj))?;
    } else {
        for (env, d) in &status {
            match d {
                Some(d) => output::out(&format!(
                    "{env:<12} {}  {:<12}  since {}",
                    d.digest,
                    d.tag.as_deref().unwrap_or("-"),
                    d.since
                ))?,
                None => output::out(&format!("{env:<12} -"))?,
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn history(a: HistoryArgs) -> Result<ExitCode, CliError> {
    let pipeline = a.pipeline.load()?;
    if !pipeline.environments.contains_key(&a.environment) {
        return Err(CliError::input(format!(
            "environment {:?} is not in the pipeline ({})",
            a.environment,
            pipeline.order().join(", ")
        )));
    }
    let releases = Releases::new(Store::open(&a.store.store)?, pipeline);
    let records: Vec<Record> = releases
        .history()?
        .into_iter()
        .filter(|r| r.environment == a.environment)
        .collect();
    if a.json {
        let v: Result<Vec<Value>, CliError> = records.iter().map(record_json).collect();
        output::json(&Value::Array(v?))?;
    } else {
        for r in &records {
            output::out(&record_line(r))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(a: VerifyArgs) -> Result<ExitCode, CliError> {
    let releases = Releases::new(Store::open(&a.store.store)?, a.pipeline.load()?);
    let v = releases.verify()?;
    output::out(&format!(
        "ok: {} record(s) chained, {} manifest(s) and every blob they reach verified",
        v.records, v.manifests
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// `relkit rollback ENV`
pub(crate) fn run_rollback(a: RollbackArgs) -> Result<ExitCode, CliError> {
    let releases = Releases::new(Store::open(&a.store.store)?, a.pipeline.load()?);
    let r = releases.rollback(&a.environment, &actor(), a.reason, now()?)?;
    if a.json {
        output::json(&record_json(&r)?)?;
    } else {
        output::out(&format!(
            "rolled back {} to {} ({}), was {}",
            r.environment,
            r.digest,
            r.tag.as_deref().unwrap_or("untagged"),
            r.previous.map(|p| p.to_string()).unwrap_or_default()
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
