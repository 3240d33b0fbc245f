//! `relkit release`: one command releases the repository, or each changed
//! package of a Cargo workspace. Each stage is a call into one of the
//! library crates; this module only orders them and reports what happened.
//!
//! The stages: plan the versions; write the changelog sections and commit
//! them; build once; then for each release hash its artifacts, make its
//! SBOM, sign, attest, push into the store and promote; last, the tags.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use clap::Args;
use relkit_changelog::{Commit, Document, Options as ChangelogOptions, ReleaseInput, build};
use relkit_git::{Packages, Plan, Query, Repo};
use relkit_promote::{AttachmentKind, Releases, Store};
use relkit_sign::{FileMode, Provenance, ResourceDescriptor, SecretKey, Statement, write_atomic};
use relkit_version::semver::Version;
use serde_json::{Map, Value, json};

use crate::cmd::sign::{DEFAULT_BUILDER_ID, KeySource, Progress, file_size, load_key};
use crate::config::{Config, ReleaseConfig, release_time};
use crate::error::CliError;
use crate::output;

/// `relkit release`
#[derive(Debug, Args)]
pub(crate) struct ReleaseArgs {
    /// The repository (any directory inside it).
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    /// Do everything in a temporary place: no file, commit or tag changes in the repository.
    #[arg(long)]
    dry_run: bool,
    /// Print one JSON object for pipelines instead of the summary.
    #[arg(long)]
    json: bool,
    /// Release settings [default: relkit.toml at the repository root, if any].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The signing key: a PKCS#8 PEM or minisign secret key file, or `env:VAR`
    /// [default: [release] key, or the key in $RELKIT_SIGNING_KEY].
    #[arg(long, value_name = "KEY")]
    key: Option<String>,
    #[command(flatten)]
    source: KeySource,
    /// Keep the dry run's temporary directory and print where it is.
    #[arg(long, requires = "dry_run")]
    keep: bool,
    /// Release this package of the Cargo workspace, with its own version, tag
    /// and changelog (repeat for several) [default: every changed package when
    /// the tag pattern has {package}, else the repository as one].
    #[arg(long, value_name = "NAME", conflicts_with = "all_packages")]
    package: Vec<String>,
    /// Release every package of the Cargo workspace that changed since its
    /// own release, each with its own version, tag and changelog.
    #[arg(long)]
    all_packages: bool,
    /// A pre-release on this channel (`alpha`, `beta`, `rc`, …): 1.3.0-rc.1,
    /// then 1.3.0-rc.2, …
    #[arg(long, value_name = "CHANNEL")]
    pre: Option<String>,
}

/// One release: the repository as one, or one package.
struct Unit {
    /// The package, or `None` for the repository.
    package: Option<String>,
    /// The package's directory, relative to the root ("" for the repository).
    dir: String,
    version: Version,
    tag: String,
    plan: Plan,
    /// Where this release's files go.
    work: PathBuf,
}

impl Unit {
    /// The summary's label for this release.
    fn label(&self) -> String {
        self.package
            .as_ref()
            .map_or_else(String::new, |p| format!("{p} "))
    }
}

/// What happened, stage by stage: the JSON output and the summary.
#[derive(Default)]
struct Report {
    fields: Map<String, Value>,
    lines: Vec<String>,
}

impl Report {
    fn set(&mut self, key: &str, value: Value) {
        self.fields.insert(key.to_owned(), value);
    }
    fn line(&mut self, text: String) {
        self.lines.push(text);
    }
}

/// What every release of one run shares.
struct Shared<'a> {
    args: &'a ReleaseArgs,
    rc: &'a ReleaseConfig,
    root: &'a Path,
    key: &'a SecretKey,
    release_commit: &'a str,
    build_command: Option<&'a str>,
    builder_id: String,
    source_uri: String,
    /// SBOMs by subject: the workspace's, or one per member.
    sboms: Vec<relkit_sbom::Sbom>,
    /// The promotion pipeline and its first environment.
    pipeline: (relkit_promote::Pipeline, String),
}

/// Runs `program args` in `dir` and returns its stdout; the error names the
/// command, the directory and what it printed.
fn capture(program: &str, dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new(program)
        .current_dir(dir)
        .args(args)
        .output()
        .map_err(|e| format!("{program} {}: {e}", args.join(" ")))?;
    if !out.status.success() {
        return Err(format!(
            "{program} {} in {} failed: {}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out.stdout)
}

fn git(repo: &Path, args: &[&str]) -> Result<String, CliError> {
    let out = capture("git", repo, args).map_err(CliError::other)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The binaries a Cargo workspace builds into `target/release`, with the
/// package each belongs to.
fn cargo_binaries(root: &Path) -> Result<Vec<(String, PathBuf)>, CliError> {
    let out = capture(
        "cargo",
        root,
        &["metadata", "--no-deps", "--format-version", "1"],
    )
    .map_err(CliError::input)?;
    let meta: Value = serde_json::from_slice(&out).map_err(CliError::other)?;
    let target = meta
        .get("target_directory")
        .and_then(Value::as_str)
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("release");
    let mut bins: Vec<(String, PathBuf)> = Vec::new();
    for package in meta
        .get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = package.get("name").and_then(Value::as_str).unwrap_or("");
        for t in package
            .get("targets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let is_bin = t
                .get("kind")
                .and_then(Value::as_array)
                .is_some_and(|k| k.iter().any(|k| k == "bin"));
            if let (true, Some(bin)) = (is_bin, t.get("name").and_then(Value::as_str)) {
                bins.push((name.to_owned(), target.join(bin)));
            }
        }
    }
    bins.sort();
    bins.dedup();
    Ok(bins)
}

fn run_build(command: &str, root: &Path, quiet: bool) -> Result<f64, CliError> {
    let start = Instant::now();
    let mut cmd = Command::new("sh");
    cmd.current_dir(root).arg("-c").arg(command);
    if quiet {
        cmd.stdout(std::process::Stdio::null());
    }
    let status = cmd
        .status()
        .map_err(|e| CliError::other(format!("build command {command:?}: {e}")))?;
    if !status.success() {
        return Err(CliError::other(format!(
            "build command {command:?} failed: {status}"
        )));
    }
    Ok(start.elapsed().as_secs_f64())
}

/// `[release] artifacts` and `store` may name the package: `{package}`,
/// `{version}` and `{dir}` (the package's directory) are replaced.
fn expand(template: &str, unit: &Unit) -> String {
    template
        .replace("{package}", unit.package.as_deref().unwrap_or(""))
        .replace("{version}", &unit.version.to_string())
        .replace("{dir}", if unit.dir.is_empty() { "." } else { &unit.dir })
}

pub(crate) fn run(args: ReleaseArgs) -> Result<ExitCode, CliError> {
    let started = release_time()?;
    let mut repo = Repo::open(&args.repo)?;
    let root = repo.workdir().unwrap_or(repo.path()).to_path_buf();
    // Absolute, so that the paths in the report mean the same to any reader.
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    let (config, file) = Config::load(args.config.as_deref(), &root)?;
    let file = file.unwrap_or_else(|| PathBuf::from("relkit.toml"));
    let rc = &config.release;
    let mut report = Report::default();
    report.set("dry_run", json!(args.dry_run));

    // Where the release's files go: a temporary place for a dry run.
    let temp = tempfile::Builder::new()
        .prefix("relkit-release-")
        .tempdir()
        .map_err(CliError::other)?;
    let work_base: PathBuf = if args.dry_run {
        temp.path().to_path_buf()
    } else {
        root.join(rc.out.as_deref().unwrap_or(".relkit/releases"))
    };

    // 1. The versions: of the repository, or of each package.
    // The release's one moment: its date, the SBOMs' timestamp and the
    // provenance's start all come from this read of the clock.
    let today = crate::config::utc_date(started);
    let pattern = config.version.tag_pattern(&file)?;
    let per_package = args.all_packages
        || !args.package.is_empty()
        || pattern.as_ref().is_some_and(|p| p.has_package());
    if let (true, Some(p)) = (per_package, &pattern)
        && !p.has_package()
    {
        return Err(CliError::input(format!(
            "{}: [version] tag-pattern {:?} has no {{package}}: each package's releases need tags of their own, such as \"{{package}}-v{{version}}\"",
            file.display(),
            p.to_string()
        )));
    }
    if let Some(c) = &args.pre {
        relkit_version::validate_channel(c)?;
    }
    let workspace = if per_package {
        let all = relkit_git::workspace_packages(&root)?;
        for name in &args.package {
            relkit_git::find_package(&all, name, &root)?;
        }
        all
    } else {
        Vec::new()
    };
    let query = Query {
        pattern,
        packages: if per_package {
            Packages::All
        } else {
            Packages::Repository
        },
        options: relkit_version::NextOptions {
            channel: args.pre.clone(),
            ..config.version.options(&file, today)?
        },
        first_parent: config.version.first_parent,
        propagation: config.version.propagation,
        ..Query::default()
    };
    let (head, plans) = relkit_git::plan(&mut repo, &query)?;
    report.set("commit", json!(head));
    let mut units = Vec::new();
    let mut skipped = Vec::new();
    for plan in plans {
        if let Some(name) = &plan.package
            && !args.package.is_empty()
            && !args.package.contains(name)
        {
            continue;
        }
        let Some(version) = plan.next.version.clone().filter(|_| plan.next.release) else {
            skipped.push((plan.package.clone(), plan.next.reason.clone()));
            continue;
        };
        let dir = plan
            .package
            .as_ref()
            .and_then(|n| workspace.iter().find(|p| &p.name == n))
            .map(|p| p.path.clone())
            .unwrap_or_default();
        let work = match &plan.package {
            Some(p) => work_base.join(p).join(version.to_string()),
            None => work_base.join(version.to_string()),
        };
        units.push(Unit {
            package: plan.package.clone(),
            dir,
            tag: plan.tag.clone().unwrap_or_else(|| format!("v{version}")),
            version,
            plan,
            work,
        });
    }
    if per_package {
        report.set(
            "skipped",
            json!(
                skipped
                    .iter()
                    .map(|(p, r)| json!({"package": p, "reason": r}))
                    .collect::<Vec<_>>()
            ),
        );
    }
    // A tag that exists but is no release reachable from here (made on
    // another branch, say) would stop the release at its very end.
    for unit in &units {
        let existing = git(&root, &["tag", "--list", &unit.tag])?;
        if !existing.trim().is_empty() {
            let at = git(&root, &["rev-parse", &format!("{}^{{commit}}", unit.tag)])?;
            return Err(CliError::input(format!(
                "tag {} already exists, on {}, which HEAD does not contain: release from a branch that has it, or choose the version with a Release-As footer",
                unit.tag,
                at.trim().get(..12).unwrap_or_default()
            )));
        }
    }
    for unit in &units {
        std::fs::create_dir_all(&unit.work)
            .map_err(|e| CliError::other(format!("{}: {e}", unit.work.display())))?;
    }
    if units.is_empty() {
        let reason = match (per_package, skipped.as_slice()) {
            (false, [(_, reason)]) => reason.clone(),
            (true, []) => "no package selected".to_owned(),
            (true, _) => "no package changed since its release".to_owned(),
            _ => "nothing changed".to_owned(),
        };
        report.set("release", json!(false));
        report.set("reason", json!(reason));
        output::note(&format!("nothing to release: {reason}"));
        if args.json {
            output::json(&Value::Object(report.fields))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    report.set("release", json!(true));
    for (package, reason) in &skipped {
        if let Some(p) = package {
            report.line(format!("skipped   {p}: {reason}"));
        }
    }

    // What can be checked without writing comes first: a release that
    // cannot finish must not start.
    let cargo = root.join("Cargo.toml").is_file();
    if !cargo && rc.artifacts.is_empty() {
        return Err(CliError::input(format!(
            "{}: no artifacts to release: not a Cargo workspace, and [release] artifacts is not set in {}",
            root.display(),
            file.display()
        )));
    }
    if per_package {
        check_package_templates(rc, &file)?;
    }
    let (key, ephemeral) = signing_key(&args, rc)?;
    report.set("ephemeral_key", json!(ephemeral));
    let pipeline = match &rc.pipeline {
        Some(p) => relkit_promote::Pipeline::load(&root.join(p)).map_err(CliError::input)?,
        None => relkit_promote::Pipeline::default(),
    };
    let first = pipeline.order().into_iter().next().ok_or_else(|| {
        CliError::input(format!(
            "{}: the promotion pipeline has no environment",
            file.display()
        ))
    })?;
    let pipeline = (pipeline, first);

    // 2–3. The versions, changelogs, build, artifacts and SBOMs. Until the
    // release commit, a failure puts every file back as it was.
    let ctx = Ctx {
        args: &args,
        config: &config,
        file: &file,
        root: &root,
        per_package,
        started,
        today,
    };
    let mut undo = Undo::default();
    let Prepared {
        changed,
        mut unit_reports,
        build_command,
        artifacts,
        sboms,
    } = match prepare(&ctx, &repo, &units, &mut undo, &mut report) {
        Ok(p) => p,
        Err(e) => {
            undo.restore();
            return Err(e);
        }
    };
    let tags: Vec<&str> = units.iter().map(|u| u.tag.as_str()).collect();
    if !args.dry_run && !changed.is_empty() {
        let mut add = vec!["add", "--"];
        add.extend(changed.iter().map(String::as_str));
        let committed = git(&root, &add).and_then(|_| {
            git(
                &root,
                &[
                    "commit",
                    "--quiet",
                    "-m",
                    &format!("chore(release): {}", tags.join(", ")),
                ],
            )
        });
        if let Err(e) = committed {
            // Unstage what was added, then put the files back.
            let mut reset = vec!["reset", "--quiet", "--"];
            reset.extend(changed.iter().map(String::as_str));
            if let Err(r) = git(&root, &reset) {
                output::warn(&format!(
                    "could not unstage the release's files: {}",
                    r.message
                ));
            }
            undo.restore();
            return Err(e);
        }
    }
    let release_commit = if args.dry_run {
        head.clone()
    } else {
        git(&root, &["rev-parse", "HEAD"])?.trim().to_owned()
    };

    let shared = Shared {
        args: &args,
        rc,
        root: &root,
        key: &key,
        release_commit: &release_commit,
        build_command: build_command.as_deref(),
        builder_id: rc
            .builder_id
            .clone()
            .or_else(|| std::env::var("RELKIT_BUILDER_ID").ok())
            .unwrap_or_else(|| DEFAULT_BUILDER_ID.to_owned()),
        source_uri: repo.remote_url("origin").map_or_else(
            || format!("git+file://{}", root.display()),
            |u| format!("git+{u}"),
        ),
        sboms,
        pipeline,
    };

    // 4. Each release: hashes, SBOM, signatures, provenance, store, promotion.
    for ((unit, files), r) in units.iter().zip(artifacts).zip(&mut unit_reports) {
        release_stages(&shared, unit, files, started, ephemeral, r)?;
    }

    // 5. The annotated tags, on the release commit.
    for (unit, r) in units.iter().zip(&mut unit_reports) {
        if args.dry_run {
            r.line(format!("tag       {} (not created: dry run)", unit.tag));
        } else {
            git(
                &root,
                &[
                    "tag",
                    "-a",
                    &unit.tag,
                    "-m",
                    &format!("Release {}", unit.tag),
                    &release_commit,
                ],
            )?;
            r.line(format!(
                "tag       {} on {}",
                unit.tag,
                release_commit.get(..7).unwrap_or_default()
            ));
        }
        r.set("tag_created", json!(!args.dry_run));
    }
    report.set("tag_created", json!(!args.dry_run));

    if per_package {
        let list: Vec<Value> = units
            .iter()
            .zip(&unit_reports)
            .map(|(u, r)| {
                let mut f = r.fields.clone();
                f.insert("package".to_owned(), json!(u.package));
                Value::Object(f)
            })
            .collect();
        report.set("packages", Value::Array(list));
    } else {
        for r in &unit_reports {
            report.fields.extend(r.fields.clone());
        }
    }
    // The summary: what all releases share (skipped packages, the build),
    // then each release.
    let mut lines = std::mem::take(&mut report.lines);
    for (unit, r) in units.iter().zip(unit_reports) {
        if per_package {
            lines.push(format!("== {}", unit.tag));
        }
        lines.extend(r.lines);
    }
    if args.dry_run {
        if args.keep {
            let kept = temp.keep();
            report.set("workdir", json!(kept));
            lines.push(format!("dry run: files kept in {}", kept.display()));
        } else {
            lines.push("dry run: nothing in the repository changed; the files were written to a temporary directory, now removed (--keep keeps it)".to_owned());
        }
    }
    if args.json {
        output::json(&Value::Object(report.fields))?;
    } else {
        for l in &lines {
            output::out(l)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What the stages before the release commit read.
struct Ctx<'a> {
    args: &'a ReleaseArgs,
    config: &'a Config,
    file: &'a Path,
    root: &'a Path,
    per_package: bool,
    started: jiff::Timestamp,
    today: jiff::civil::Date,
}

/// What the stages before the release commit made.
struct Prepared {
    /// Files of the repository to commit, relative to the root.
    changed: Vec<String>,
    /// Each release's report so far.
    unit_reports: Vec<Report>,
    build_command: Option<String>,
    /// Each release's artifacts (empty: its sources are archived).
    artifacts: Vec<Vec<PathBuf>>,
    /// The workspace's SBOM, or one per member (empty when not Cargo).
    sboms: Vec<relkit_sbom::Sbom>,
}

/// Files of the repository as they were before the release wrote them,
/// put back when the release fails before its commit.
#[derive(Default)]
struct Undo {
    files: Vec<(PathBuf, Option<Vec<u8>>)>,
}

impl Undo {
    /// Remember `path` as it is now (or that it does not exist).
    fn remember(&mut self, path: &Path) -> Result<(), CliError> {
        if self.files.iter().any(|(p, _)| p == path) {
            return Ok(());
        }
        let before = match std::fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(CliError::input(format!("{}: {e}", path.display()))),
        };
        self.files.push((path.to_path_buf(), before));
        Ok(())
    }

    fn restore(&self) {
        for (path, before) in self.files.iter().rev() {
            let result = match before {
                Some(bytes) => output::write_atomic(path, bytes).map_err(|e| e.message),
                None => std::fs::remove_file(path).or_else(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => Ok(()),
                    _ => Err(e.to_string()),
                }),
            };
            if let Err(e) = result {
                output::warn(&format!("could not put {} back: {e}", path.display()));
            }
        }
    }
}

/// Per-package releases: `[release] artifacts` and `store` must name the
/// package, or every package would get the same files or the same store
/// (and an environment runs one version of each package).
fn check_package_templates(rc: &ReleaseConfig, file: &Path) -> Result<(), CliError> {
    if let Some(pattern) = rc
        .artifacts
        .iter()
        .find(|p| !p.contains("{package}") && !p.contains("{dir}"))
    {
        return Err(CliError::input(format!(
            "{}: [release] artifacts {pattern:?} names no {{package}} or {{dir}}: with per-package releases it would give every package the same files",
            file.display()
        )));
    }
    if let Some(store) = rc.store.as_deref().filter(|s| !s.contains("{package}")) {
        return Err(CliError::input(format!(
            "{}: [release] store {store:?} names no {{package}}: each package needs a store of its own, since an environment runs one version of each",
            file.display()
        )));
    }
    Ok(())
}

/// The signing key: `--key`, `[release] key` or `$RELKIT_SIGNING_KEY`; an
/// ephemeral one in a dry run. Returns whether it is ephemeral.
fn signing_key(args: &ReleaseArgs, rc: &ReleaseConfig) -> Result<(SecretKey, bool), CliError> {
    let spec = args.key.clone().or_else(|| rc.key.clone()).or_else(|| {
        std::env::var("RELKIT_SIGNING_KEY")
            .ok()
            .map(|_| "env:RELKIT_SIGNING_KEY".to_owned())
    });
    match spec {
        Some(spec) => Ok((load_key(&spec, &args.source)?, false)),
        None if args.dry_run => {
            output::note(
                "no signing key configured: a dry run signs with an ephemeral key (set [release] key, --key or RELKIT_SIGNING_KEY)",
            );
            Ok((SecretKey::generate()?, true))
        }
        None => Err(CliError::input(
            "no signing key: pass --key FILE, set [release] key in relkit.toml, or put the key in RELKIT_SIGNING_KEY (`relkit key generate --out release.key` makes one)",
        )),
    }
}

/// The stages before the release commit: versions into the manifests,
/// changelog sections, the build, the artifacts and the SBOMs. Every file of
/// the repository written is remembered in `undo` first.
fn prepare(
    ctx: &Ctx<'_>,
    repo: &Repo,
    units: &[Unit],
    undo: &mut Undo,
    report: &mut Report,
) -> Result<Prepared, CliError> {
    let (args, rc, root) = (ctx.args, &ctx.config.release, ctx.root);
    let cargo = root.join("Cargo.toml").is_file();
    let mut changed = Vec::new();
    if cargo && rc.manifests.unwrap_or(true) {
        changed = manifest_stage(args, root, units, undo, report)?;
    }
    let options: ChangelogOptions =
        crate::cmd::changelog::changelog_options(repo, &ctx.config.changelog, ctx.file)?;
    let mut unit_reports: Vec<Report> = Vec::new();
    for unit in units {
        let mut r = Report::default();
        version_stage(unit, &mut r);
        if let Some(path) = changelog_stage(ctx, &options, units, unit, undo, &mut r)? {
            changed.push(path);
        }
        unit_reports.push(r);
    }

    // The build, once for everything released.
    let build_command = match (&rc.build, cargo) {
        (Some(c), _) => Some(c.clone()).filter(|c| !c.trim().is_empty()),
        (None, true) if ctx.per_package => Some(
            units
                .iter()
                .fold("cargo build --release --locked".to_owned(), |cmd, u| {
                    format!("{cmd} -p {}", u.package.as_deref().unwrap_or_default())
                }),
        ),
        (None, true) => Some("cargo build --release --locked".to_owned()),
        (None, false) => None,
    };
    if let Some(cmd) = &build_command {
        if !args.json {
            output::note(&format!("building: {cmd}"));
        }
        let seconds = run_build(cmd, root, args.json)?;
        report.set("build", json!({"command": cmd, "seconds": seconds}));
        report.line(format!("build     {cmd} ({seconds:.1} s)"));
    } else {
        report.line("build     none configured ([release] build in relkit.toml)".to_owned());
    }

    // The artifacts the build made, and the SBOMs of the workspace as built.
    let binaries = if cargo {
        cargo_binaries(root)?
    } else {
        Vec::new()
    };
    let artifacts = units
        .iter()
        .map(|u| artifacts_of(ctx, &binaries, u))
        .collect::<Result<Vec<_>, _>>()?;
    let sboms = if cargo {
        let graph = relkit_sbom::WorkspaceGraph::from_cargo(&relkit_sbom::MetadataOptions {
            manifest_path: Some(root.join("Cargo.toml")),
            locked: true,
            ..relkit_sbom::MetadataOptions::default()
        })
        .map_err(CliError::input)?;
        let mut opts = relkit_sbom::SbomOptions::new(ctx.started);
        opts.per_member = ctx.per_package;
        relkit_sbom::generate(&graph, &opts).map_err(CliError::input)?
    } else {
        Vec::new()
    };
    Ok(Prepared {
        changed,
        unit_reports,
        build_command,
        artifacts,
        sboms,
    })
}

/// Writes the released versions into the workspace's manifests (and
/// Cargo.lock, through `cargo update --workspace --offline`); returns the
/// paths to commit. A dry run only reports what would change.
fn manifest_stage(
    args: &ReleaseArgs,
    root: &Path,
    units: &[Unit],
    undo: &mut Undo,
    report: &mut Report,
) -> Result<Vec<String>, CliError> {
    let released = match units {
        [
            Unit {
                package: None,
                version,
                ..
            },
        ] => relkit_git::NewVersions::Repository(version.clone()),
        _ => relkit_git::NewVersions::Packages(
            units
                .iter()
                .filter_map(|u| u.package.clone().map(|p| (p, u.version.clone())))
                .collect(),
        ),
    };
    let edits = relkit_git::version_edits(root, &released)?;
    let mut listed = Vec::new();
    let mut paths = Vec::new();
    for edit in &edits {
        report.line(format!(
            "manifest  {}: {}{}",
            edit.path.display(),
            edit.changes.join(", "),
            if args.dry_run {
                " (not written: dry run)"
            } else {
                ""
            }
        ));
        listed.push(json!({"file": edit.path, "changes": edit.changes}));
        if !args.dry_run {
            undo.remember(&root.join(&edit.path))?;
            output::write_atomic(&root.join(&edit.path), edit.text.as_bytes())?;
            paths.push(edit.path.display().to_string());
        }
    }
    if !args.dry_run && !edits.is_empty() && root.join("Cargo.lock").is_file() {
        // Cargo.lock records the members' versions: `--locked` builds need it.
        undo.remember(&root.join("Cargo.lock"))?;
        capture(
            "cargo",
            root,
            &["update", "--workspace", "--offline", "--quiet"],
        )
        .map_err(|e| CliError::other(format!("after writing the new versions: {e}")))?;
        paths.push("Cargo.lock".to_owned());
    }
    if edits.is_empty() {
        report.line("manifest  nothing to change".to_owned());
    }
    report.set("manifests", Value::Array(listed));
    Ok(paths)
}

fn version_stage(unit: &Unit, r: &mut Report) {
    let next = &unit.plan.next;
    r.set("version", json!(unit.version.to_string()));
    r.set(
        "previous",
        json!(next.current.as_ref().map(ToString::to_string)),
    );
    r.set("tag", json!(unit.tag));
    r.set("bump", json!(next.bump.as_str()));
    r.set("commits", json!(unit.plan.commits.len()));
    if !next.forced_by.is_empty() {
        r.set("forced_by", json!(next.forced_by));
    }
    let why = if next.forced_by.is_empty() {
        format!("{} commits", unit.plan.commits.len())
    } else {
        format!("released with {}", next.forced_by.join(", "))
    };
    r.line(format!(
        "version   {}{} -> {} ({}; {why})",
        unit.label(),
        next.current
            .as_ref()
            .map_or_else(|| "none".to_owned(), ToString::to_string),
        unit.version,
        next.bump,
    ));
}

/// Writes the release's section into its changelog; returns the path to
/// commit (relative to the root) when the repository's file changed.
fn changelog_stage(
    ctx: &Ctx<'_>,
    options: &ChangelogOptions,
    units: &[Unit],
    unit: &Unit,
    undo: &mut Undo,
    r: &mut Report,
) -> Result<Option<String>, CliError> {
    let (args, config, root, today) = (ctx.args, ctx.config, ctx.root, ctx.today);
    let name = config
        .release
        .changelog
        .as_deref()
        .unwrap_or("CHANGELOG.md");
    let relative = if unit.dir.is_empty() {
        name.to_owned()
    } else {
        format!("{}/{name}", unit.dir)
    };
    let path = root.join(&relative);
    let input = ReleaseInput {
        version: Some(unit.version.clone()),
        tag: Some(unit.tag.clone()),
        date: Some(today),
        previous_tag: unit.plan.current_tag.clone(),
        commits: unit
            .plan
            .commits
            .iter()
            .map(|c| Commit::new(c.id.clone(), c.message.clone()))
            .collect(),
    };
    let log = build(&[input], options);
    let existing = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => format!(
            "{}\n",
            config
                .changelog
                .header
                .as_deref()
                .unwrap_or(relkit_changelog::DEFAULT_HEADER)
                .trim_end()
        ),
        Err(e) => return Err(CliError::input(format!("{}: {e}", path.display()))),
    };
    let forced = &unit.plan.next.forced_by;
    let sections: Vec<_> = log
        .releases
        .iter()
        .map(|rel| {
            let mut text =
                relkit_changelog::release_markdown(rel, options.breaking_title.as_deref());
            if !forced.is_empty() {
                text.push_str("\n### Dependencies\n\n");
                for d in forced {
                    // With the dependency's new version when it is released now.
                    match units.iter().find(|u| u.package.as_ref() == Some(d)) {
                        Some(u) => text.push_str(&format!("- Released with {d} {}\n", u.version)),
                        None => text.push_str(&format!("- Released with {d}\n")),
                    }
                }
            }
            (Some(unit.version.clone()), text)
        })
        .collect();
    let update =
        Document::parse(&existing).update(&sections, &relkit_changelog::link_definitions(&log));
    let target = if args.dry_run {
        unit.work.join(name)
    } else {
        undo.remember(&path)?;
        path
    };
    output::write_atomic(&target, update.text.as_bytes())?;
    r.set(
        "changelog",
        json!({"file": target, "added": update.inserted, "skipped": update.skipped}),
    );
    r.line(format!(
        "changelog {} ({})",
        target.display(),
        if update.inserted.is_empty() {
            "already there"
        } else {
            "section added"
        }
    ));
    Ok((!args.dry_run && !update.inserted.is_empty()).then_some(relative))
}

/// The files a release ships: `[release] artifacts`, or the Cargo binaries
/// of the package (of the workspace, for the repository).
fn artifacts_of(
    ctx: &Ctx<'_>,
    binaries: &[(String, PathBuf)],
    unit: &Unit,
) -> Result<Vec<PathBuf>, CliError> {
    let rc = &ctx.config.release;
    if rc.artifacts.is_empty() {
        return Ok(binaries
            .iter()
            .filter(|(p, _)| unit.package.as_ref().is_none_or(|u| u == p))
            .map(|(_, b)| b.clone())
            .collect());
    }
    let mut out = Vec::new();
    for pattern in &rc.artifacts {
        let full = ctx.root.join(expand(pattern, unit)).display().to_string();
        let matches: Vec<PathBuf> = glob::glob(&full)
            .map_err(|e| {
                CliError::input(format!(
                    "{}: [release] artifacts {pattern:?}: {e}",
                    ctx.file.display()
                ))
            })?
            .flatten()
            .filter(|p| p.is_file())
            .collect();
        if matches.is_empty() {
            return Err(CliError::input(format!(
                "[release] artifacts {pattern:?}: no file matches {full} (was the build run?)"
            )));
        }
        out.extend(matches);
    }
    if let Some(missing) = out.iter().find(|a| !a.is_file()) {
        return Err(CliError::input(format!(
            "artifact {} does not exist (did the build make it?)",
            missing.display()
        )));
    }
    Ok(out)
}

/// `NAME-VERSION.tar.gz`: the package's directory (the whole tree, for the
/// repository) at the release commit, made by `git archive`.
fn source_archive(shared: &Shared<'_>, unit: &Unit) -> Result<PathBuf, CliError> {
    let name = unit.package.clone().unwrap_or_else(|| {
        shared
            .root
            .file_name()
            .map_or_else(|| "source".to_owned(), |n| n.to_string_lossy().into_owned())
    });
    let stem = format!("{name}-{}", unit.version);
    let path = unit.work.join(format!("{stem}.tar.gz"));
    let prefix = format!("--prefix={stem}/");
    let output = format!("--output={}", path.display());
    let mut args = vec![
        "archive",
        "--format=tar.gz",
        &prefix,
        &output,
        shared.release_commit,
    ];
    if !unit.dir.is_empty() {
        args.extend(["--", unit.dir.as_str()]);
    }
    git(shared.root, &args)?;
    Ok(path)
}

fn release_stages(
    shared: &Shared<'_>,
    unit: &Unit,
    mut artifacts: Vec<PathBuf>,
    started: jiff::Timestamp,
    ephemeral: bool,
    r: &mut Report,
) -> Result<(), CliError> {
    let work = &unit.work;
    let key = shared.key;

    // The SBOM (CycloneDX 1.6): of the workspace, or of the package.
    let sbom_path = if shared.sboms.is_empty() {
        r.line("sbom      none (not a Cargo workspace)".to_owned());
        None
    } else {
        let sbom = match &unit.package {
            None => shared.sboms.first(),
            Some(p) => shared.sboms.iter().find(|s| &s.subject == p),
        }
        .ok_or_else(|| {
            CliError::other(format!(
                "no SBOM was made for {}",
                unit.package.as_deref().unwrap_or("the workspace")
            ))
        })?;
        let path = work.join("sbom.cdx.json");
        write_atomic(&path, &sbom.json, FileMode::Public)?;
        r.line(format!("sbom      {} (CycloneDX 1.6)", path.display()));
        r.set("sbom", json!(path));
        Some(path)
    };

    // The artifacts, hashed. A package without any (a library) ships its
    // sources: `git archive` of the release commit, as reproducible as git.
    if artifacts.is_empty() {
        artifacts.push(source_archive(shared, unit)?);
    }
    let total: u64 = artifacts.iter().map(|a| file_size(a)).sum();
    let progress = Progress::new(total, artifacts.len(), "hashing");
    let subjects =
        relkit_sign::intoto::subjects_for_files(&artifacts, &|i, n| progress.update(i, n))?;
    progress.finish();

    // Signatures over the artifacts, and over the SBOM.
    write_atomic(
        &work.join("release.pub"),
        key.public_key().to_spki_pem().as_bytes(),
        FileMode::Public,
    )?;
    let mut artifact_json = Vec::new();
    let mut signed = Vec::new();
    // Ed25519 reads each file twice: the bar counts both passes.
    let signing = Progress::new(total.saturating_mul(2), artifacts.len(), "signing");
    for (i, (path, subject)) in artifacts.iter().zip(&subjects).enumerate() {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let signature = relkit_sign::raw::sign_file(key, path, &mut |n| signing.update(i, n))?;
        let sig_path = work.join(format!("{name}.sig"));
        write_atomic(&sig_path, &signature.to_bytes(), FileMode::Public)?;
        artifact_json.push(json!({
            "path": path,
            "sha256": subject.digest.get("sha256"),
            "size": file_size(path),
            "signature": sig_path,
        }));
        signed.push(sig_path);
    }
    signing.finish();
    if let Some(sbom) = &sbom_path {
        let signature = relkit_sign::raw::sign_file(key, sbom, &mut |_| {})?;
        let sig_path = work.join("sbom.cdx.json.sig");
        write_atomic(&sig_path, &signature.to_bytes(), FileMode::Public)?;
        r.set("sbom_signature", json!(sig_path));
        signed.push(sig_path);
    }
    r.line(format!(
        "artifacts {} file(s), {} bytes, signed by key {}{}",
        artifacts.len(),
        total,
        key.public_key().key_id().get(..16).unwrap_or_default(),
        if ephemeral { " (ephemeral)" } else { "" }
    ));
    r.set("artifacts", Value::Array(artifact_json));
    r.set("public_key", json!(work.join("release.pub")));

    // Provenance: SLSA v1 in an in-toto Statement, signed as DSSE.
    let finished = release_time()?;
    let mut provenance = Provenance::new("https://relkit.dev/release/v1", &shared.builder_id)
        .with_external_parameter("tag", json!(unit.tag))
        .with_external_parameter("build", json!(shared.build_command));
    if let Some(p) = &unit.package {
        provenance = provenance.with_external_parameter("package", json!(p));
    }
    provenance = provenance
        .with_resolved_dependency(ResourceDescriptor::git_commit(
            &shared.source_uri,
            shared.release_commit,
        ))
        .with_times(started, finished.max(started));
    let envelope = Statement::slsa(subjects, &provenance).sign(&[key]);
    let attestation = work.join("provenance.intoto.json");
    write_atomic(
        &attestation,
        format!("{}\n", envelope.to_json(true)).as_bytes(),
        FileMode::Public,
    )?;
    r.set("attestation", json!(attestation));
    r.line(format!("provenance {}", attestation.display()));

    store_stage(
        shared,
        unit,
        &artifacts,
        sbom_path.as_ref(),
        &signed,
        &attestation,
        finished,
        r,
    )
}

/// Into the OCI layout store: the artifacts as one artifact tagged with the
/// release tag, with the SBOM, signatures and attestation as referrers; then
/// promoted to the pipeline's first environment. Each package has a store
/// of its own, since each environment runs one version of it.
#[allow(clippy::too_many_arguments)]
fn store_stage(
    shared: &Shared<'_>,
    unit: &Unit,
    artifacts: &[PathBuf],
    sbom: Option<&PathBuf>,
    signed: &[PathBuf],
    attestation: &Path,
    now: jiff::Timestamp,
    r: &mut Report,
) -> Result<(), CliError> {
    let configured = shared.rc.store.as_deref();
    let default = if unit.package.is_some() {
        ".relkit/store/{package}"
    } else {
        ".relkit/store"
    };
    let store_dir = if shared.args.dry_run {
        unit.work.join("store")
    } else {
        shared
            .root
            .join(expand(configured.unwrap_or(default), unit))
    };
    let store = match Store::open(&store_dir) {
        Ok(s) => s,
        Err(_) => Store::create(&store_dir).map_err(CliError::other)?,
    };
    let total: u64 = artifacts.iter().map(|a| file_size(a)).sum();
    let storing = Progress::new(total, artifacts.len(), "storing");
    let pushed = store
        .push_files_with_progress(
            artifacts,
            &relkit_promote::PushOptions {
                tag: Some(unit.tag.clone()),
                now: Some(now),
                ..relkit_promote::PushOptions::default()
            },
            &mut |i, n| storing.update(i, n),
        )
        .map_err(CliError::other)?;
    storing.finish();
    let digest = pushed.digest.to_string();
    let mut referrers = Vec::new();
    for (file, kind) in sbom
        .map(|p| (p.as_path(), AttachmentKind::Sbom))
        .into_iter()
        .chain(
            signed
                .iter()
                .map(|p| (p.as_path(), AttachmentKind::Signature)),
        )
        .chain(std::iter::once((attestation, AttachmentKind::Attestation)))
    {
        let entry = store
            .attach(&digest, file, kind, Some(now))
            .map_err(CliError::other)?;
        referrers.push(
            json!({"file": file, "kind": kind.artifact_type(), "digest": entry.digest.to_string()}),
        );
    }
    let (pipeline, first) = &shared.pipeline;
    let releases = Releases::new(store, pipeline.clone());
    let ask = relkit_promote::Promote {
        reference: digest.clone(),
        environment: first.clone(),
        actor: std::env::var("RELKIT_ACTOR").unwrap_or_else(|_| "relkit release".to_owned()),
        ..relkit_promote::Promote::default()
    };
    // A release whose files are byte for byte the ones the environment runs
    // (a dependency's release that changed nothing in the binary) has the
    // same digest: the environment already runs it.
    let already = match releases.promote(&ask, now).map_err(CliError::other)? {
        relkit_promote::Outcome::Promoted(_) => false,
        relkit_promote::Outcome::Denied(unmet)
            if unmet
                .iter()
                .all(|u| matches!(u, relkit_promote::Unmet::AlreadyCurrent)) =>
        {
            true
        }
        relkit_promote::Outcome::Denied(unmet) => {
            let why: Vec<String> = unmet.iter().map(ToString::to_string).collect();
            return Err(CliError::other(format!(
                "promoting {digest} to {first} was refused: {}",
                why.join("; ")
            )));
        }
    };
    r.set(
        "store",
        json!({"dir": store_dir, "digest": digest, "tag": unit.tag, "referrers": referrers, "environment": first, "already_current": already}),
    );
    r.line(format!(
        "store     {} {} with {} referrer(s), {} {first}",
        store_dir.display(),
        digest.get(..19).unwrap_or_default(),
        referrers.len(),
        if already {
            "the same bytes as already run in"
        } else {
            "promoted to"
        }
    ));
    Ok(())
}
