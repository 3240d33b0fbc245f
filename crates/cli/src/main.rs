//! `relkit`: the release-engineering toolkit on the command line. Each
//! subcommand is a thin composition of relkit's library crates.
#![forbid(unsafe_code)]

mod cmd;
mod config;
mod error;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// relkit: version, changelog, sign, SBOM, promote and deploy a release.
#[derive(Debug, Parser)]
#[command(name = "relkit", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The current release and the next version, from tags and Conventional Commits.
    #[command(subcommand)]
    Version(cmd::version::VersionCommand),
    /// Release the repository, or each changed package of a workspace: version,
    /// manifests, changelog, build, SBOM, signatures, provenance, store and tag
    /// (everything in a temporary place with --dry-run).
    Release(cmd::release::ReleaseArgs),
    /// Release notes and CHANGELOG.md from the history (Keep a Changelog, JSON, templates).
    Changelog(cmd::changelog::ChangelogArgs),
    /// Ed25519 key pairs for signing releases.
    #[command(subcommand)]
    Key(cmd::sign::KeyCommand),
    /// Sign files: raw Ed25519 (FILE.sig) or minisign (FILE.minisig).
    Sign(cmd::sign::SignArgs),
    /// Verify a detached signature (raw Ed25519 or minisign); exit 0 only when valid.
    Verify(cmd::sign::VerifyArgs),
    /// Print a DSSE envelope of an in-toto SLSA provenance statement about files.
    Attest(cmd::sign::AttestArgs),
    /// Verify a DSSE in-toto attestation against trusted keys and files on disk.
    VerifyAttestation(cmd::sign::VerifyAttestationArgs),
    /// Content-addressed artifacts in an OCI image layout: push, pull, attach, gc.
    #[command(subcommand)]
    Artifact(cmd::promote::ArtifactCommand),
    /// Promote an artifact to an environment (or: status, history, verify).
    Promote(cmd::promote::PromoteArgs),
    /// Re-promote the digest an environment ran before, recorded as a rollback.
    Rollback(cmd::promote::RollbackArgs),
    /// CycloneDX SBOMs of Cargo workspaces; validate and diff SBOMs.
    Sbom(cmd::sbom::SbomArgs),
    /// Deployment strategies: simulate, check and export rollouts.
    #[command(subcommand)]
    Rollout(cmd::rollout::RolloutCommand),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with success, and usage
            // errors to stderr; a usage error is bad input: exit code 2.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Version(c) => cmd::version::run(c),
        Command::Release(a) => cmd::release::run(a),
        Command::Changelog(c) => cmd::changelog::run(c),
        Command::Key(c) => cmd::sign::run_key(c),
        Command::Sign(a) => cmd::sign::run_sign(a),
        Command::Verify(a) => cmd::sign::run_verify(a),
        Command::Attest(a) => cmd::sign::run_attest(a),
        Command::VerifyAttestation(a) => cmd::sign::run_verify_attestation(a),
        Command::Artifact(c) => cmd::promote::run_artifact(c),
        Command::Promote(a) => cmd::promote::run_promote(a),
        Command::Rollback(a) => cmd::promote::run_rollback(a),
        Command::Sbom(a) => cmd::sbom::run(a),
        Command::Rollout(c) => cmd::rollout::run(c),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            output::error(&e.message);
            e.exit_code()
        }
    }
}
