//! `relkit version current|next`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use relkit_git::{Packages, Plan, Query, Repo};
use relkit_version::{NextOptions, TagPattern};
use serde_json::{Value, json};

use crate::config::Config;
use crate::error::CliError;
use crate::output;

/// `relkit version …`
#[derive(Debug, Subcommand)]
pub(crate) enum VersionCommand {
    /// The version released now: the highest SemVer tag reachable from HEAD.
    Current(CurrentArgs),
    /// The version to release next, from the commits since the current release.
    Next(NextArgs),
}

/// Options every `version` subcommand takes.
#[derive(Debug, Args)]
pub(crate) struct Common {
    /// The repository (any directory inside it).
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    /// How release tags are named: `v{version}`, `{version}`,
    /// `{package}-v{version}`, `{package}@{version}`, …
    /// [default: v{version}, or {package}-v{version} with packages]
    #[arg(long, value_name = "PAT")]
    tag_pattern: Option<String>,
    /// Print a JSON object instead of the version alone.
    #[arg(long)]
    json: bool,
    /// Release settings [default: relkit.toml at the repository root, if any].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// The repository, opened, with its settings.
struct Setup {
    repo: Repo,
    pattern: Option<TagPattern>,
    options: NextOptions,
    first_parent: bool,
    propagation: relkit_version::Propagation,
}

/// `relkit version current`
#[derive(Debug, Args)]
pub(crate) struct CurrentArgs {
    #[command(flatten)]
    common: Common,
    /// A package of the Cargo workspace, released with its own tags.
    #[arg(long, value_name = "NAME")]
    package: Option<String>,
}

/// `relkit version next`
#[derive(Debug, Args)]
pub(crate) struct NextArgs {
    #[command(flatten)]
    common: Common,
    /// A package of the Cargo workspace, released with its own tags.
    #[arg(long, value_name = "NAME", conflicts_with = "all_packages")]
    package: Option<String>,
    /// Every package of the Cargo workspace, each with its own version.
    #[arg(long)]
    all_packages: bool,
    /// A pre-release channel (`alpha`, `beta`, `rc`, …): 1.3.0-rc.1, 1.3.0-rc.2, …
    #[arg(long, value_name = "CHANNEL")]
    pre: Option<String>,
    /// Read only the first-parent line (leave out commits merged from branches).
    #[arg(long)]
    first_parent: bool,
}

pub(crate) fn run(cmd: VersionCommand) -> Result<ExitCode, CliError> {
    match cmd {
        VersionCommand::Current(a) => current(a),
        VersionCommand::Next(a) => next(a),
    }
}

fn setup(common: &Common) -> Result<Setup, CliError> {
    let repo = open(common)?;
    let (config, file) = Config::load(common.config.as_deref(), repo.path())?;
    let file = file.unwrap_or_else(|| PathBuf::from("relkit.toml"));
    let v = &config.version;
    let pattern = match common.tag_pattern.as_deref() {
        Some(p) => Some(TagPattern::new(p).map_err(CliError::input)?),
        None => v.tag_pattern(&file)?,
    };
    let today = if v.scheme == crate::config::SchemeName::Calver {
        crate::config::today()?
    } else {
        jiff::civil::Date::default()
    };
    Ok(Setup {
        repo,
        pattern,
        options: v.options(&file, today)?,
        first_parent: v.first_parent,
        propagation: v.propagation,
    })
}

fn open(common: &Common) -> Result<Repo, CliError> {
    let repo = Repo::open(&common.repo)?;
    let head = repo.head()?;
    if head.branch.is_none() {
        output::note(&format!(
            "HEAD is detached at {}; reading the history from there",
            head.id.get(..7).unwrap_or(&head.id)
        ));
    }
    if repo.is_shallow() {
        output::warn(
            "the repository is a shallow clone: releases beyond its history cannot be seen",
        );
    }
    Ok(repo)
}

fn current(args: CurrentArgs) -> Result<ExitCode, CliError> {
    let Setup {
        mut repo,
        pattern,
        options,
        first_parent,
        propagation,
    } = setup(&args.common)?;
    let head = repo.head()?.id;
    let query = Query {
        pattern,
        packages: args.package.map_or(Packages::Repository, Packages::One),
        options,
        first_parent,
        propagation,
        ..Query::default()
    };
    // Only the release tags are needed; `plan` also walks the commits since
    // the release, which is cheap, and keeps one code path for tag patterns.
    let (_, plans) = relkit_git::plan(
        &mut repo,
        &Query {
            head: Some(head),
            ..query
        },
    )?;
    let plan = plans
        .first()
        .ok_or_else(|| CliError::other("no plan was made"))?;
    let current = plan.next.current.as_ref().map(ToString::to_string);
    if args.common.json {
        output::json(&json!({
            "package": plan.package,
            "current": current,
            "tag": plan.current_tag,
            "commits_since": plan.commits_read,
        }))?;
    } else {
        match &current {
            Some(v) => output::out(v)?,
            None => output::note("no release yet: no reachable tag follows the tag pattern"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn plan_json(head: &str, p: &Plan, channel: Option<&str>) -> Value {
    let s = &p.next.summary;
    json!({
        "package": p.package,
        "current": p.next.current.as_ref().map(ToString::to_string),
        "current_tag": p.current_tag,
        "next": p.next.version.as_ref().map(ToString::to_string),
        "tag": p.tag,
        "bump": p.next.bump.as_str(),
        "release": p.next.release,
        "channel": channel,
        "reason": p.next.reason,
        "commits": p.commits_read,
        "counted": s.commits,
        "conventional": s.conventional,
        "breaking": s.breaking,
        "other": s.other,
        "release_as": s.release_as.as_ref().map(|(v, _)| v.to_string()),
        "forced_by": p.next.forced_by,
        "head": head,
    })
}

fn next(args: NextArgs) -> Result<ExitCode, CliError> {
    let Setup {
        mut repo,
        pattern,
        mut options,
        first_parent,
        propagation,
    } = setup(&args.common)?;
    options.channel.clone_from(&args.pre);
    if let Some(c) = &args.pre {
        relkit_version::validate_channel(c)?;
    }
    let packages = match (args.package, args.all_packages) {
        (Some(p), _) => Packages::One(p),
        (None, true) => Packages::All,
        (None, false) => Packages::Repository,
    };
    let all = packages == Packages::All;
    let query = Query {
        pattern,
        packages,
        options,
        first_parent: args.first_parent || first_parent,
        propagation,
        ..Query::default()
    };
    let (head, plans) = relkit_git::plan(&mut repo, &query)?;
    let channel = args.pre.as_deref();
    if args.common.json {
        if all {
            let list: Vec<Value> = plans.iter().map(|p| plan_json(&head, p, channel)).collect();
            output::json(&Value::Array(list))?;
        } else if let Some(p) = plans.first() {
            output::json(&plan_json(&head, p, channel))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if all {
        for p in &plans {
            let name = p.package.as_deref().unwrap_or("");
            let current = p
                .next
                .current
                .as_ref()
                .map_or_else(|| "-".to_owned(), ToString::to_string);
            let next = p
                .next
                .version
                .as_ref()
                .map_or_else(|| "-".to_owned(), ToString::to_string);
            output::out(&format!("{name} {current} {next} {}", p.next.bump))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let Some(p) = plans.first() else {
        return Err(CliError::other("no plan was made"));
    };
    let s = &p.next.summary;
    output::note(&format!(
        "{}; {} commits read: {} conventional ({} breaking), {} other",
        p.next.reason, p.commits_read, s.conventional, s.breaking, s.other
    ));
    match &p.next.version {
        Some(v) => output::out(&v.to_string())?,
        None => {
            return Err(CliError::input(format!(
                "{}: nothing to release: no release tag and no commit",
                args.common.repo.display()
            )));
        }
    }
    Ok(ExitCode::SUCCESS)
}
