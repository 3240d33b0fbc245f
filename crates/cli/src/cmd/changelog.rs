//! `relkit changelog` and `relkit changelog notes`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use relkit_changelog::{
    Changelog, Commit, DEFAULT_HEADER, Document, GraphNode, Options, ReleaseInput, Remote, assign,
    build,
};
use relkit_git::{CommitInfo, Packages, Query, Repo, Time, Walk};
use relkit_version::semver::Version;
use relkit_version::{Package, TagPattern, owner};

use crate::config::{ChangelogConfig, Config};
use crate::error::CliError;
use crate::output;

/// `relkit changelog …`
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct ChangelogArgs {
    #[command(subcommand)]
    command: Option<ChangelogCommand>,
    #[command(flatten)]
    generate: GenerateArgs,
}

#[derive(Debug, Subcommand)]
enum ChangelogCommand {
    /// The notes of one released version, as a forge's release page wants them.
    Notes(NotesArgs),
}

#[derive(Debug, Args)]
struct NotesArgs {
    /// The version (`1.2.0` or `v1.2.0`), or `Unreleased`.
    version: String,
    /// The changelog to read.
    #[arg(long, value_name = "FILE", default_value = "CHANGELOG.md")]
    file: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Markdown,
    Json,
}

#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)]
struct GenerateArgs {
    /// The repository (any directory inside it).
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    /// Every release of the history, and what is unreleased.
    #[arg(long, group = "range_kind")]
    all: bool,
    /// The commits since the last release, under an `Unreleased` heading.
    #[arg(long, group = "range_kind")]
    unreleased: bool,
    /// The commits of `A..B` (reachable from B, not from A) as one release.
    #[arg(long, value_name = "A..B", group = "range_kind")]
    range: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "markdown")]
    format: Format,
    /// Render this minijinja template with the JSON output as its context.
    #[arg(long, value_name = "FILE", conflicts_with = "format")]
    template: Option<PathBuf>,
    /// A package of the Cargo workspace: its tags, and the commits that touch it.
    #[arg(long, value_name = "NAME")]
    package: Option<String>,
    /// Write the whole changelog to FILE (atomically).
    #[arg(long, value_name = "FILE", group = "target")]
    output: Option<PathBuf>,
    /// Add the new releases to FILE, keeping everything else in it (atomically).
    #[arg(long, value_name = "FILE", group = "target")]
    prepend: Option<PathBuf>,
    /// How release tags are named [default: v{version}, or {package}-v{version}].
    #[arg(long, value_name = "PAT")]
    tag_pattern: Option<String>,
    /// Release settings [default: relkit.toml at the repository root, if any].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

pub(crate) fn run(args: ChangelogArgs) -> Result<ExitCode, CliError> {
    match args.command {
        Some(ChangelogCommand::Notes(n)) => notes(&n),
        None => generate(&args.generate),
    }
}

fn notes(args: &NotesArgs) -> Result<ExitCode, CliError> {
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| CliError::input(format!("{}: {e}", args.file.display())))?;
    let doc = Document::parse(&text);
    let notes = doc
        .notes(&args.version)
        .map_err(|e| CliError::input(format!("{}: {e}", args.file.display())))?;
    output::out(notes)?;
    Ok(ExitCode::SUCCESS)
}

/// A commit of the walk as a node of the commit graph.
struct Node<'a>(&'a CommitInfo);

impl GraphNode for Node<'_> {
    fn id(&self) -> &str {
        &self.0.id
    }
    fn parents(&self) -> &[String] {
        &self.0.parents
    }
}

fn date_of(t: Time) -> jiff::civil::Date {
    let ts = jiff::Timestamp::from_second(t.seconds).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let offset = jiff::tz::Offset::from_seconds(t.offset).unwrap_or(jiff::tz::Offset::UTC);
    offset.to_datetime(ts).date()
}

pub(crate) fn changelog_options(
    repo: &Repo,
    c: &ChangelogConfig,
    file: &Path,
) -> Result<Options, CliError> {
    let mut o = Options::default();
    if !c.groups.is_empty() {
        o.groups = c.groups.clone();
        for g in &mut o.groups {
            for t in &mut g.types {
                *t = t.to_ascii_lowercase();
            }
        }
    }
    if let Some(order) = c.order {
        o.order = order;
    }
    o.other_title.clone_from(&c.other);
    if let Some(b) = &c.breaking {
        o.breaking_title = (!b.is_empty()).then(|| b.clone());
    }
    if let Some(d) = c.drop_reverted {
        o.drop_reverted = d;
    }
    if let Some(f) = c.fold_identical {
        o.fold_identical = f;
    }
    o.remote = match &c.remote {
        Some(url) => Some(Remote::parse(url, c.forge).map_err(|e| {
            CliError::input(format!("{}: [changelog] remote: {e}", file.display()))
        })?),
        None => match repo.remote_url("origin") {
            Some(url) => match Remote::parse(&url, c.forge) {
                Ok(r) => Some(r),
                Err(e) => {
                    output::note(&format!(
                        "no links: {e} (set [changelog] remote or forge in relkit.toml)"
                    ));
                    None
                }
            },
            None => None,
        },
    };
    Ok(o)
}

/// A release tag found in the history.
struct TagAt {
    name: String,
    version: Version,
    commit: String,
}

fn release_tags(
    repo: &Repo,
    pattern: &TagPattern,
    package: Option<&str>,
) -> Result<Vec<TagAt>, CliError> {
    let mut out: Vec<TagAt> = repo
        .tags()?
        .into_iter()
        .filter_map(|t| {
            let version = match package {
                Some(p) if pattern.has_package() => pattern.parse_for(&t.name, p)?,
                _ => pattern.parse(&t.name)?.version,
            };
            version.pre.is_empty().then_some(TagAt {
                name: t.name,
                version,
                commit: t.target,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        a.version
            .cmp_precedence(&b.version)
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(out)
}

fn to_commits(infos: &[&CommitInfo]) -> Vec<Commit> {
    infos
        .iter()
        .map(|c| Commit::new(c.id.clone(), c.message.clone()))
        .collect()
}

struct Scope<'a> {
    packages: &'a [Package],
    index: Option<usize>,
}

impl Scope<'_> {
    fn keeps(&self, c: &CommitInfo) -> bool {
        let Some(i) = self.index else { return true };
        c.changed_paths.as_deref().is_some_and(|paths| {
            paths
                .iter()
                .any(|f| owner(self.packages, f).is_some_and(|(o, _)| o == i))
        })
    }
}

fn generate(args: &GenerateArgs) -> Result<ExitCode, CliError> {
    let mut repo = Repo::open(&args.repo)?;
    let head = repo.head()?.id;
    let (config, file) = Config::load(args.config.as_deref(), repo.path())?;
    let file = file.unwrap_or_else(|| PathBuf::from("relkit.toml"));
    let options = changelog_options(&repo, &config.changelog, &file)?;
    let packages: Vec<Package> = match &args.package {
        Some(name) => {
            let root = repo.workdir().unwrap_or(repo.path()).to_path_buf();
            let all = relkit_git::workspace_packages(&root)?;
            relkit_git::find_package(&all, name, &root)?;
            all
        }
        None => Vec::new(),
    };
    let scope = Scope {
        packages: &packages,
        index: args
            .package
            .as_ref()
            .and_then(|n| packages.iter().position(|p| &p.name == n)),
    };
    let pattern = match (&args.tag_pattern, config.version.tag_pattern(&file)?) {
        (Some(p), _) => TagPattern::new(p).map_err(CliError::input)?,
        (None, Some(p)) => p,
        (None, None) if args.package.is_some() => {
            TagPattern::new("{package}-v{version}").map_err(CliError::input)?
        }
        (None, None) => TagPattern::v_prefixed(),
    };
    let package = args.package.as_deref();
    let changed_paths = package.is_some();

    let inputs: Vec<ReleaseInput> = if args.all {
        all_releases(&mut repo, &head, &pattern, package, &scope)?
    } else if let Some(range) = &args.range {
        let (from, to) = range.split_once("..").ok_or_else(|| {
            CliError::input(format!("--range {range:?}: expected A..B (two revisions)"))
        })?;
        let to = if to.is_empty() { "HEAD" } else { to };
        let walk = Walk {
            from: Some(to.to_owned()),
            hide: if from.is_empty() {
                vec![]
            } else {
                vec![from.to_owned()]
            },
            changed_paths,
            ..Walk::default()
        };
        let commits = repo.commits(&walk)?;
        let kept: Vec<&CommitInfo> = commits.iter().filter(|c| scope.keeps(c)).collect();
        let version = pattern
            .parse(to)
            .filter(|t| package.is_none() || t.package == package);
        let date = match &version {
            Some(_) => Some(date_of(repo.commit(to, false)?.committer_time)),
            None => None,
        };
        vec![ReleaseInput {
            version: version.map(|t| t.version),
            tag: pattern.parse(to).map(|_| to.to_owned()),
            date,
            previous_tag: pattern.parse(from).map(|_| from.to_owned()),
            commits: to_commits(&kept),
        }]
    } else {
        let (setup_options, today) = {
            let today = crate::config::today()?;
            (config.version.options(&file, today)?, today)
        };
        let query = Query {
            pattern: Some(pattern.clone()),
            packages: package.map_or(Packages::Repository, |p| Packages::One(p.to_owned())),
            options: setup_options,
            first_parent: config.version.first_parent,
            head: Some(head.clone()),
            ..Query::default()
        };
        let (_, plans) = relkit_git::plan(&mut repo, &query)?;
        let plan = plans
            .into_iter()
            .next()
            .ok_or_else(|| CliError::other("no plan was made"))?;
        let kept: Vec<&CommitInfo> = plan.commits.iter().collect();
        let (version, tag, date) = if plan.next.release && !args.unreleased {
            (plan.next.version.clone(), plan.tag.clone(), Some(today))
        } else {
            (None, None, None)
        };
        vec![ReleaseInput {
            version,
            tag,
            date,
            previous_tag: plan.current_tag.clone(),
            commits: to_commits(&kept),
        }]
    };
    let log = build(&inputs, &options);
    write(args, &log, &options, config.changelog.header.as_deref())
}

fn all_releases(
    repo: &mut Repo,
    head: &str,
    pattern: &TagPattern,
    package: Option<&str>,
    scope: &Scope<'_>,
) -> Result<Vec<ReleaseInput>, CliError> {
    let commits = repo.commits(&Walk {
        from: Some(head.to_owned()),
        changed_paths: package.is_some(),
        ..Walk::default()
    })?;
    let reachable: HashSet<&str> = commits.iter().map(|c| c.id.as_str()).collect();
    let tags: Vec<TagAt> = release_tags(repo, pattern, package)?
        .into_iter()
        .filter(|t| reachable.contains(t.commit.as_str()))
        .collect();
    let tips: Vec<&str> = tags.iter().map(|t| t.commit.as_str()).collect();
    let nodes: Vec<Node<'_>> = commits.iter().map(Node).collect();
    let owners = assign(&nodes, &tips);
    let mut per_release: Vec<Vec<&CommitInfo>> = vec![Vec::new(); tags.len() + 1];
    for (c, o) in commits.iter().zip(&owners) {
        if !scope.keeps(c) {
            continue;
        }
        let slot = o.unwrap_or(tags.len());
        if let Some(list) = per_release.get_mut(slot) {
            list.push(c);
        }
    }
    let by_id: std::collections::HashMap<&str, &CommitInfo> =
        commits.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut inputs = Vec::with_capacity(tags.len() + 1);
    for (i, t) in tags.iter().enumerate() {
        inputs.push(ReleaseInput {
            version: Some(t.version.clone()),
            tag: Some(t.name.clone()),
            date: by_id
                .get(t.commit.as_str())
                .map(|c| date_of(c.committer_time)),
            previous_tag: i
                .checked_sub(1)
                .and_then(|p| tags.get(p))
                .map(|p| p.name.clone()),
            commits: to_commits(per_release.get(i).map(Vec::as_slice).unwrap_or_default()),
        });
    }
    let unreleased = per_release
        .get(tags.len())
        .map(Vec::as_slice)
        .unwrap_or_default();
    if !unreleased.is_empty() {
        inputs.push(ReleaseInput {
            version: None,
            tag: None,
            date: None,
            previous_tag: tags.last().map(|t| t.name.clone()),
            commits: to_commits(unreleased),
        });
    }
    Ok(inputs)
}

fn write(
    args: &GenerateArgs,
    log: &Changelog,
    options: &Options,
    header: Option<&str>,
) -> Result<ExitCode, CliError> {
    let breaking = options.breaking_title.as_deref();
    let header = header.unwrap_or(DEFAULT_HEADER);
    let text = if let Some(t) = &args.template {
        let source = std::fs::read_to_string(t)
            .map_err(|e| CliError::input(format!("{}: {e}", t.display())))?;
        let name = t.display().to_string();
        relkit_changelog::template(&name, &source, log).map_err(CliError::input)?
    } else if args.format == Format::Json {
        relkit_changelog::json(log).map_err(CliError::other)?
    } else if let Some(path) = &args.prepend {
        let existing = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                format!("{}\n", header.trim_end())
            }
            Err(e) => return Err(CliError::input(format!("{}: {e}", path.display()))),
        };
        let doc = Document::parse(&existing);
        let releases: Vec<(Option<Version>, String)> = log
            .releases
            .iter()
            .map(|r| {
                let v = r.version.as_deref().and_then(|v| Version::parse(v).ok());
                (v, relkit_changelog::release_markdown(r, breaking))
            })
            .collect();
        let update = doc.update(&releases, &relkit_changelog::link_definitions(log));
        for s in &update.skipped {
            output::note(&format!(
                "{}: {s} is there already; left as it is",
                path.display()
            ));
        }
        if update.inserted.is_empty() {
            output::note(&format!("{}: nothing new to add", path.display()));
        } else {
            output::write_atomic(path, update.text.as_bytes())?;
            output::note(&format!(
                "{}: added {}",
                path.display(),
                update.inserted.join(", ")
            ));
        }
        return Ok(ExitCode::SUCCESS);
    } else if args.all || args.output.is_some() {
        relkit_changelog::markdown(log, header, breaking)
    } else {
        let mut s = String::new();
        for (i, r) in log.releases.iter().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            s.push_str(&relkit_changelog::release_markdown(r, breaking));
        }
        s
    };
    match &args.output {
        Some(path) => output::write_atomic(path, text.as_bytes())?,
        None => output::out(text.trim_end())?,
    }
    Ok(ExitCode::SUCCESS)
}
