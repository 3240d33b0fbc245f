//! `relkit release`: one command releases the repository. Each stage is a
//! call into one of the library crates; this module only orders them and
//! reports what happened.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use clap::Args;
use relkit_changelog::{Commit, Document, Options as ChangelogOptions, ReleaseInput, build};
use relkit_git::{Packages, Query, Repo};
use relkit_sign::{FileMode, Provenance, ResourceDescriptor, SecretKey, Statement, write_atomic};
use serde_json::{Value, json};

use crate::cmd::sign::{DEFAULT_BUILDER_ID, KeySource, Progress, file_size, load_key};
use crate::config::{Config, release_time};
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
}

/// What happened, stage by stage: the JSON output and the summary.
struct Report {
    fields: serde_json::Map<String, Value>,
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

fn git(repo: &Path, args: &[&str]) -> Result<String, CliError> {
    let out = Command::new("git")
        .current_dir(repo)
        .args(args)
        .output()
        .map_err(|e| CliError::other(format!("git {}: {e}", args.join(" "))))?;
    if !out.status.success() {
        return Err(CliError::other(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The binaries a Cargo workspace builds into `target/release`.
fn cargo_binaries(root: &Path) -> Result<Vec<PathBuf>, CliError> {
    let out = Command::new("cargo")
        .current_dir(root)
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .output()
        .map_err(|e| CliError::other(format!("cargo metadata: {e}")))?;
    if !out.status.success() {
        return Err(CliError::input(format!(
            "cargo metadata in {} failed: {}",
            root.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let meta: Value = serde_json::from_slice(&out.stdout).map_err(CliError::other)?;
    let target = meta
        .get("target_directory")
        .and_then(Value::as_str)
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("release");
    let mut bins: Vec<PathBuf> = meta
        .get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|p| {
            p.get("targets")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .filter(|t| {
            t.get("kind")
                .and_then(Value::as_array)
                .is_some_and(|k| k.iter().any(|k| k == "bin"))
        })
        .filter_map(|t| {
            t.get("name")
                .and_then(Value::as_str)
                .map(|n| target.join(n))
        })
        .collect();
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

pub(crate) fn run(args: ReleaseArgs) -> Result<ExitCode, CliError> {
    let started = release_time()?;
    let mut repo = Repo::open(&args.repo)?;
    let root = repo.workdir().unwrap_or(repo.path()).to_path_buf();
    // Absolute, so that the paths in the report mean the same to any reader.
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    let (config, file) = Config::load(args.config.as_deref(), &root)?;
    let file = file.unwrap_or_else(|| PathBuf::from("relkit.toml"));
    let rc = &config.release;
    let mut report = Report {
        fields: serde_json::Map::new(),
        lines: Vec::new(),
    };
    report.set("dry_run", json!(args.dry_run));

    // Where the release's files go: a temporary place for a dry run.
    let temp = tempfile::Builder::new()
        .prefix("relkit-release-")
        .tempdir()
        .map_err(CliError::other)?;
    let work: PathBuf = if args.dry_run {
        temp.path().to_path_buf()
    } else {
        root.join(rc.out.as_deref().unwrap_or(".relkit/releases"))
    };

    // 1. The version.
    let today = crate::config::today()?;
    let query = Query {
        pattern: config.version.tag_pattern(&file)?,
        packages: Packages::Repository,
        options: config.version.options(&file, today)?,
        first_parent: config.version.first_parent,
        ..Query::default()
    };
    let (head, plans) = relkit_git::plan(&mut repo, &query)?;
    let plan = plans
        .into_iter()
        .next()
        .ok_or_else(|| CliError::other("no plan was made"))?;
    let Some(version) = plan.next.version.clone().filter(|_| plan.next.release) else {
        report.set("release", json!(false));
        report.set("reason", json!(plan.next.reason));
        output::note(&format!("nothing to release: {}", plan.next.reason));
        if args.json {
            output::json(&Value::Object(report.fields))?;
        }
        return Ok(ExitCode::SUCCESS);
    };
    let tag = plan.tag.clone().unwrap_or_else(|| format!("v{version}"));
    let work = work.join(version.to_string());
    std::fs::create_dir_all(&work)
        .map_err(|e| CliError::other(format!("{}: {e}", work.display())))?;
    report.set("release", json!(true));
    report.set("version", json!(version.to_string()));
    report.set(
        "previous",
        json!(plan.next.current.as_ref().map(ToString::to_string)),
    );
    report.set("tag", json!(tag));
    report.set("commit", json!(head));
    report.set("bump", json!(plan.next.bump.as_str()));
    report.line(format!(
        "version   {} -> {version} ({}; {} commits)",
        plan.next
            .current
            .as_ref()
            .map_or_else(|| "none".to_owned(), ToString::to_string),
        plan.next.bump,
        plan.commits.len()
    ));

    // 2. The changelog section, into CHANGELOG.md (a copy in a dry run).
    let changelog_name = rc.changelog.as_deref().unwrap_or("CHANGELOG.md");
    let changelog_path = root.join(changelog_name);
    let options: ChangelogOptions =
        crate::cmd::changelog::changelog_options(&repo, &config.changelog, &file)?;
    let input = ReleaseInput {
        version: Some(version.clone()),
        tag: Some(tag.clone()),
        date: Some(today),
        previous_tag: plan.current_tag.clone(),
        commits: plan
            .commits
            .iter()
            .map(|c| Commit::new(c.id.clone(), c.message.clone()))
            .collect(),
    };
    let log = build(&[input], &options);
    let existing = match std::fs::read_to_string(&changelog_path) {
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
        Err(e) => {
            return Err(CliError::input(format!(
                "{}: {e}",
                changelog_path.display()
            )));
        }
    };
    let sections: Vec<_> = log
        .releases
        .iter()
        .map(|r| {
            (
                Some(version.clone()),
                relkit_changelog::release_markdown(r, options.breaking_title.as_deref()),
            )
        })
        .collect();
    let update =
        Document::parse(&existing).update(&sections, &relkit_changelog::link_definitions(&log));
    let changelog_target = if args.dry_run {
        work.join(changelog_name)
    } else {
        changelog_path.clone()
    };
    output::write_atomic(&changelog_target, update.text.as_bytes())?;
    report.set(
        "changelog",
        json!({"file": changelog_target, "added": update.inserted, "skipped": update.skipped}),
    );
    report.line(format!(
        "changelog {} ({})",
        changelog_target.display(),
        if update.inserted.is_empty() {
            "already there"
        } else {
            "section added"
        }
    ));
    if !args.dry_run && !update.inserted.is_empty() {
        git(&root, &["add", "--", changelog_name])?;
        git(
            &root,
            &["commit", "--quiet", "-m", &format!("chore(release): {tag}")],
        )?;
    }
    let release_commit = if args.dry_run {
        head.clone()
    } else {
        git(&root, &["rev-parse", "HEAD"])?.trim().to_owned()
    };

    // 3. The build.
    let cargo = root.join("Cargo.toml").is_file();
    let build_command = match (&rc.build, cargo) {
        (Some(c), _) => Some(c.clone()).filter(|c| !c.trim().is_empty()),
        (None, true) => Some("cargo build --release --locked".to_owned()),
        (None, false) => None,
    };
    if let Some(cmd) = &build_command {
        if !args.json {
            output::note(&format!("building: {cmd}"));
        }
        let seconds = run_build(cmd, &root, args.json)?;
        report.set("build", json!({"command": cmd, "seconds": seconds}));
        report.line(format!("build     {cmd} ({seconds:.1} s)"));
    } else {
        report.line("build     none configured ([release] build in relkit.toml)".to_owned());
    }

    // 4. The artifacts, hashed.
    let artifacts: Vec<PathBuf> = if rc.artifacts.is_empty() {
        if !cargo {
            return Err(CliError::input(format!(
                "{}: no artifacts to release: not a Cargo workspace, and [release] artifacts is not set in {}",
                root.display(),
                file.display()
            )));
        }
        cargo_binaries(&root)?
    } else {
        let mut out = Vec::new();
        for pattern in &rc.artifacts {
            let full = root.join(pattern).display().to_string();
            let matches: Vec<PathBuf> = glob::glob(&full)
                .map_err(|e| {
                    CliError::input(format!(
                        "{}: [release] artifacts {pattern:?}: {e}",
                        file.display()
                    ))
                })?
                .flatten()
                .filter(|p| p.is_file())
                .collect();
            if matches.is_empty() {
                return Err(CliError::input(format!(
                    "[release] artifacts {pattern:?}: no file matches (was the build run?)"
                )));
            }
            out.extend(matches);
        }
        out
    };
    if let Some(missing) = artifacts.iter().find(|a| !a.is_file()) {
        return Err(CliError::input(format!(
            "artifact {} does not exist (did the build make it?)",
            missing.display()
        )));
    }
    let total: u64 = artifacts.iter().map(|a| file_size(a)).sum();
    let progress = Progress::new(total, artifacts.len(), "hashing");
    let subjects =
        relkit_sign::intoto::subjects_for_files(&artifacts, &|i, n| progress.update(i, n))?;
    progress.finish();

    // 4b. The SBOM of the Cargo workspace (CycloneDX 1.6, validated).
    let sbom_path = if cargo {
        let graph = relkit_sbom::WorkspaceGraph::from_cargo(&relkit_sbom::MetadataOptions {
            manifest_path: Some(root.join("Cargo.toml")),
            locked: true,
            ..relkit_sbom::MetadataOptions::default()
        })
        .map_err(CliError::input)?;
        let sboms = relkit_sbom::generate(&graph, &relkit_sbom::SbomOptions::new(release_time()?))
            .map_err(CliError::input)?;
        let sbom = sboms
            .into_iter()
            .next()
            .ok_or_else(|| CliError::other("the SBOM generator returned no document"))?;
        let path = work.join("sbom.cdx.json");
        write_atomic(&path, &sbom.json, FileMode::Public)?;
        report.line(format!("sbom      {} (CycloneDX 1.6)", path.display()));
        report.set("sbom", json!(path));
        Some(path)
    } else {
        report.line("sbom      none (not a Cargo workspace)".to_owned());
        None
    };

    // 5. The signing key: configured, or an ephemeral one in a dry run.
    let key_spec = args.key.clone().or_else(|| rc.key.clone()).or_else(|| {
        std::env::var("RELKIT_SIGNING_KEY")
            .ok()
            .map(|_| "env:RELKIT_SIGNING_KEY".to_owned())
    });
    let (key, ephemeral) = match key_spec {
        Some(spec) => (load_key(&spec, &args.source)?, false),
        None if args.dry_run => {
            output::note(
                "no signing key configured: a dry run signs with an ephemeral key (set [release] key, --key or RELKIT_SIGNING_KEY)",
            );
            (SecretKey::generate()?, true)
        }
        None => {
            return Err(CliError::input(
                "no signing key: pass --key FILE, set [release] key in relkit.toml, or put the key in RELKIT_SIGNING_KEY (`relkit key generate --out release.key` makes one)",
            ));
        }
    };
    write_atomic(
        &work.join("release.pub"),
        key.public_key().to_spki_pem().as_bytes(),
        FileMode::Public,
    )?;

    // 6. Signatures over the artifacts.
    let mut artifact_json = Vec::new();
    // Ed25519 reads each file twice: the bar counts both passes.
    let signing = Progress::new(total.saturating_mul(2), artifacts.len(), "signing");
    for (i, (path, subject)) in artifacts.iter().zip(&subjects).enumerate() {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let signature = relkit_sign::raw::sign_file(&key, path, &mut |n| signing.update(i, n))?;
        let sig_path = work.join(format!("{name}.sig"));
        write_atomic(&sig_path, &signature.to_bytes(), FileMode::Public)?;
        artifact_json.push(json!({
            "path": path,
            "sha256": subject.digest.get("sha256"),
            "size": file_size(path),
            "signature": sig_path,
        }));
    }
    signing.finish();
    let mut signed: Vec<PathBuf> = artifact_json
        .iter()
        .filter_map(|a| {
            a.get("signature")
                .and_then(Value::as_str)
                .map(PathBuf::from)
        })
        .collect();
    if let Some(sbom) = &sbom_path {
        let signature = relkit_sign::raw::sign_file(&key, sbom, &mut |_| {})?;
        let sig_path = work.join("sbom.cdx.json.sig");
        write_atomic(&sig_path, &signature.to_bytes(), FileMode::Public)?;
        report.set("sbom_signature", json!(sig_path));
        signed.push(sig_path);
    }
    report.line(format!(
        "artifacts {} file(s), {} bytes, signed by key {}{}",
        artifacts.len(),
        total,
        key.public_key().key_id().get(..16).unwrap_or_default(),
        if ephemeral { " (ephemeral)" } else { "" }
    ));
    report.set("artifacts", Value::Array(artifact_json));
    report.set("public_key", json!(work.join("release.pub")));
    report.set("ephemeral_key", json!(ephemeral));

    // 7. Provenance: SLSA v1 in an in-toto Statement, signed as DSSE.
    let builder_id = rc
        .builder_id
        .clone()
        .or_else(|| std::env::var("RELKIT_BUILDER_ID").ok())
        .unwrap_or_else(|| DEFAULT_BUILDER_ID.to_owned());
    let uri = repo.remote_url("origin").map_or_else(
        || format!("git+file://{}", root.display()),
        |u| format!("git+{u}"),
    );
    let finished = release_time()?;
    let mut provenance = Provenance::new("https://relkit.dev/release/v1", &builder_id)
        .with_external_parameter("tag", json!(tag))
        .with_external_parameter("build", json!(build_command))
        .with_resolved_dependency(ResourceDescriptor::git_commit(&uri, &release_commit));
    provenance = provenance.with_times(started, finished.max(started));
    let envelope = Statement::slsa(subjects, &provenance).sign(&[&key]);
    let attestation = work.join("provenance.intoto.json");
    write_atomic(
        &attestation,
        format!("{}\n", envelope.to_json(true)).as_bytes(),
        FileMode::Public,
    )?;
    report.set("attestation", json!(attestation));
    report.line(format!("provenance {}", attestation.display()));

    // 8. Into the OCI layout store: the artifacts as one artifact tagged with
    // the release tag, with the SBOM, signatures and attestation as referrers;
    // then promoted to the pipeline's first environment.
    let store_dir = if args.dry_run {
        work.join("store")
    } else {
        root.join(rc.store.as_deref().unwrap_or(".relkit/store"))
    };
    let store = match relkit_promote::Store::open(&store_dir) {
        Ok(s) => s,
        Err(_) => relkit_promote::Store::create(&store_dir).map_err(CliError::other)?,
    };
    let pushed = store
        .push_files(
            &artifacts,
            &relkit_promote::PushOptions {
                tag: Some(tag.clone()),
                now: Some(finished),
                ..relkit_promote::PushOptions::default()
            },
        )
        .map_err(CliError::other)?;
    let digest = pushed.digest.to_string();
    use relkit_promote::AttachmentKind as Kind;
    let mut referrers = Vec::new();
    for (file, kind) in sbom_path
        .iter()
        .map(|p| (p, Kind::Sbom))
        .chain(signed.iter().map(|p| (p, Kind::Signature)))
        .chain(std::iter::once((&attestation, Kind::Attestation)))
    {
        let entry = store
            .attach(&digest, file, kind, Some(finished))
            .map_err(CliError::other)?;
        referrers.push(
            json!({"file": file, "kind": kind.artifact_type(), "digest": entry.digest.to_string()}),
        );
    }
    let pipeline = match &rc.pipeline {
        Some(p) => relkit_promote::Pipeline::load(&root.join(p)).map_err(CliError::input)?,
        None => relkit_promote::Pipeline::default(),
    };
    let first = pipeline
        .order()
        .into_iter()
        .next()
        .ok_or_else(|| CliError::input("the promotion pipeline has no environment"))?;
    let releases = relkit_promote::Releases::new(store, pipeline);
    let ask = relkit_promote::Promote {
        reference: digest.clone(),
        environment: first.clone(),
        actor: std::env::var("RELKIT_ACTOR").unwrap_or_else(|_| "relkit release".to_owned()),
        ..relkit_promote::Promote::default()
    };
    match releases.promote(&ask, finished).map_err(CliError::other)? {
        relkit_promote::Outcome::Promoted(_) => {}
        other => {
            return Err(CliError::other(format!(
                "promoting {digest} to {first} was refused: {other:?}"
            )));
        }
    }
    report.set(
        "store",
        json!({"dir": store_dir, "digest": digest, "tag": tag, "referrers": referrers, "environment": first}),
    );
    report.line(format!(
        "store     {} {} with {} referrer(s), promoted to {first}",
        store_dir.display(),
        digest.get(..19).unwrap_or_default(),
        referrers.len()
    ));

    // 9. The annotated tag, on the release commit.
    if args.dry_run {
        report.set("tag_created", json!(false));
        report.line(format!("tag       {tag} (not created: dry run)"));
    } else {
        git(
            &root,
            &[
                "tag",
                "-a",
                &tag,
                "-m",
                &format!("Release {tag}"),
                &release_commit,
            ],
        )?;
        report.set("tag_created", json!(true));
        report.line(format!(
            "tag       {tag} on {}",
            release_commit.get(..7).unwrap_or_default()
        ));
    }

    if args.dry_run {
        if args.keep {
            let kept = temp.keep();
            report.set("workdir", json!(kept));
            report.line(format!("dry run: files kept in {}", kept.display()));
        } else {
            report.line("dry run: nothing in the repository changed; the files were written to a temporary directory, now removed (--keep keeps it)".to_owned());
        }
    }
    if args.json {
        output::json(&Value::Object(report.fields))?;
    } else {
        for l in &report.lines {
            output::out(l)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
