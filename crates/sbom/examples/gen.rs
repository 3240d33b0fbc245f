//! Generate the SBOM of a workspace: `gen [--lockfile-only] [--include-build] [--include-dev]
//! [--spec 1.5|1.6] [--target TRIPLE] WORKSPACE_DIR [OUT]`. Used by `benches/peers.sh` to time the library alone.
#![allow(clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use relkit_sbom::{MetadataOptions, SbomOptions, WorkspaceGraph, generate, write_atomic};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut lockfile_only = false;
    let mut include_build = false;
    let mut include_dev = false;
    let mut spec = "1.6".to_owned();
    let mut target = None;
    let mut positional = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--lockfile-only" => lockfile_only = true,
            "--include-build" => include_build = true,
            "--include-dev" => include_dev = true,
            "--spec" => spec = args.next().unwrap_or_default(),
            "--target" => target = args.next(),
            _ => positional.push(PathBuf::from(a)),
        }
    }
    let mut positional = positional.into_iter();
    let dir = positional.next().unwrap_or_else(|| PathBuf::from("."));
    let out = positional.next();
    let graph = if lockfile_only {
        WorkspaceGraph::read_lockfile(&dir)?
    } else {
        WorkspaceGraph::from_cargo(&MetadataOptions {
            manifest_path: Some(dir.join("Cargo.toml")),
            locked: true,
            target,
            ..MetadataOptions::default()
        })?
    };
    let time = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(s) => jiff::Timestamp::from_second(s.parse()?)?,
        Err(_) => jiff::Timestamp::now(),
    };
    let mut opts = SbomOptions::new(time);
    opts.spec_version = spec.parse()?;
    opts.include_build = include_build;
    opts.include_dev = include_dev;
    for sbom in generate(&graph, &opts)? {
        match &out {
            Some(p) => write_atomic(p, &sbom.json)?,
            None => std::io::Write::write_all(&mut std::io::stdout().lock(), &sbom.json)?,
        }
    }
    Ok(())
}
