//! `relkit sbom`, `relkit sbom validate FILE`, `relkit sbom diff OLD NEW`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use relkit_sbom::{
    BomDocument, MetadataOptions, SbomOptions, SchemaValidator, SpecVersion, WorkspaceGraph,
};

use crate::error::CliError;
use crate::output;

/// `relkit sbom …`: without a subcommand, generate the SBOM of a Cargo workspace.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct SbomArgs {
    #[command(subcommand)]
    command: Option<SbomCommand>,
    #[command(flatten)]
    generate: GenerateArgs,
}

/// The `sbom` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum SbomCommand {
    /// Validate a CycloneDX JSON document against the official schema of its specVersion;
    /// exit 0 only when valid, otherwise print every violation with its JSON path.
    Validate(ValidateArgs),
    /// Components added, removed, upgraded, downgraded, and license changes between two SBOMs.
    Diff(DiffArgs),
}

/// Generate a CycloneDX SBOM of a Cargo workspace (time from `SOURCE_DATE_EPOCH` when set).
#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    /// The workspace's Cargo.toml [default: the current directory's].
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// The CycloneDX version to write.
    #[arg(long, value_name = "VERSION", default_value = "1.6", value_parser = ["1.5", "1.6"])]
    spec_version: String,
    /// Read Cargo.lock alone and run no cargo: every package of the lock file is a
    /// component; no licenses, descriptions, dependency kinds or target filter.
    #[arg(long, conflicts_with_all = ["target", "include_dev", "include_build", "features", "all_features", "no_default_features"])]
    lockfile_only: bool,
    /// Only what is compiled for this target triple (e.g. x86_64-unknown-linux-gnu).
    #[arg(long, value_name = "TRIPLE")]
    target: Option<String>,
    /// Add dev-dependencies (marked relkit:dependency-kind=dev, scope excluded).
    #[arg(long)]
    include_dev: bool,
    /// Add build-dependencies (marked relkit:dependency-kind=build, scope excluded).
    #[arg(long)]
    include_build: bool,
    /// One SBOM per workspace member, written as DIR/MEMBER.cdx.json (needs --output DIR).
    #[arg(long, requires = "output")]
    per_member: bool,
    /// Write here (atomically) instead of stdout; a folder with --per-member.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Features to activate (cargo metadata --features).
    #[arg(long, short = 'F', value_name = "FEATURES", value_delimiter = ',')]
    features: Vec<String>,
    /// Activate all features.
    #[arg(long)]
    all_features: bool,
    /// Do not activate the default feature.
    #[arg(long)]
    no_default_features: bool,
    /// Pass --locked to cargo: fail rather than update Cargo.lock.
    #[arg(long)]
    locked: bool,
    /// Pass --offline to cargo: no network.
    #[arg(long)]
    offline: bool,
}

/// `relkit sbom validate FILE`
#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// The CycloneDX JSON document.
    file: PathBuf,
    /// The folder of official schemas [default: $RELKIT_CYCLONEDX_SCHEMAS, else the official 1.5 and 1.6 schemas built in].
    #[arg(long, value_name = "DIR")]
    schemas: Option<PathBuf>,
}

/// `relkit sbom diff OLD NEW`
#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The older SBOM (CycloneDX JSON).
    old: PathBuf,
    /// The newer SBOM (CycloneDX JSON).
    new: PathBuf,
    /// Print a JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Run `relkit sbom …`.
pub(crate) fn run(args: SbomArgs) -> Result<ExitCode, CliError> {
    match args.command {
        None => generate(args.generate),
        Some(SbomCommand::Validate(a)) => validate(a),
        Some(SbomCommand::Diff(a)) => diff(a),
    }
}

fn lib_error(e: relkit_sbom::Error) -> CliError {
    use relkit_sbom::Error as E;
    match e {
        // Reading is all the library does with files here: a missing Cargo.lock is bad input.
        E::Serialize { .. } | E::Schema { .. } => CliError::other(e),
        _ => CliError::input(e),
    }
}

fn generate(a: GenerateArgs) -> Result<ExitCode, CliError> {
    let graph = if a.lockfile_only {
        let root = match &a.manifest_path {
            Some(m) => m
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            None => PathBuf::from("."),
        };
        let root = std::fs::canonicalize(&root)
            .map_err(|e| CliError::input(format!("{}: {e}", root.display())))?;
        WorkspaceGraph::read_lockfile(&root).map_err(lib_error)?
    } else {
        WorkspaceGraph::from_cargo(&MetadataOptions {
            manifest_path: a.manifest_path.clone(),
            cargo: std::env::var_os("CARGO").map(PathBuf::from),
            features: a.features.clone(),
            all_features: a.all_features,
            no_default_features: a.no_default_features,
            locked: a.locked,
            offline: a.offline,
            frozen: false,
            target: a.target.clone(),
        })
        .map_err(lib_error)?
    };
    let mut opts = SbomOptions::new(crate::config::release_time()?);
    opts.spec_version = a.spec_version.parse::<SpecVersion>().map_err(lib_error)?;
    opts.include_dev = a.include_dev;
    opts.include_build = a.include_build;
    opts.per_member = a.per_member;
    let sboms = relkit_sbom::generate(&graph, &opts).map_err(lib_error)?;
    match (&a.output, a.per_member) {
        (Some(dir), true) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| CliError::other(format!("{}: {e}", dir.display())))?;
            for s in &sboms {
                let path = dir.join(format!("{}.cdx.json", s.subject));
                output::write_atomic(&path, &s.json)?;
                output::note(&format!("wrote {}", path.display()));
            }
        }
        (Some(file), false) => {
            for s in &sboms {
                output::write_atomic(file, &s.json)?;
            }
        }
        (None, _) => {
            let mut out = std::io::stdout().lock();
            for s in &sboms {
                std::io::Write::write_all(&mut out, &s.json).map_err(CliError::other)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn validate(a: ValidateArgs) -> Result<ExitCode, CliError> {
    let validator = match a
        .schemas
        .or_else(|| std::env::var_os("RELKIT_CYCLONEDX_SCHEMAS").map(PathBuf::from))
    {
        Some(dir) => SchemaValidator::from_dir(dir),
        None => SchemaValidator::bundled(),
    }
    .map_err(lib_error)?;
    let name = a.file.display().to_string();
    let bytes = std::fs::read(&a.file).map_err(|e| CliError::input(format!("{name}: {e}")))?;
    let report = validator.validate_bytes(&bytes, &name).map_err(lib_error)?;
    if report.is_valid() {
        output::out(&format!("{name}: valid CycloneDX {}", report.spec_version))?;
        return Ok(ExitCode::SUCCESS);
    }
    for v in &report.violations {
        output::out(&format!("{name}: {}: {}", v.path, v.message))?;
    }
    output::error(&format!(
        "{name}: not valid CycloneDX {}: {} violation(s)",
        report.spec_version,
        report.violations.len()
    ));
    Ok(ExitCode::from(1))
}

fn diff(a: DiffArgs) -> Result<ExitCode, CliError> {
    let read = |p: &Path| -> Result<BomDocument, CliError> {
        let name = p.display().to_string();
        let bytes = std::fs::read(p).map_err(|e| CliError::input(format!("{name}: {e}")))?;
        BomDocument::from_json(&bytes, &name).map_err(lib_error)
    };
    let (old, new) = (read(&a.old)?, read(&a.new)?);
    let d = relkit_sbom::diff(&old, &new);
    if a.json {
        output::json(&serde_json::to_value(&d).map_err(CliError::other)?)?;
    } else {
        let text = d.to_string();
        output::out(text.trim_end())?;
    }
    Ok(ExitCode::SUCCESS)
}
