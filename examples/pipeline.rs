//! A release pipeline of your own, composed from relkit's crates without the
//! `relkit` binary: the next version, its release notes, an artifact, a
//! signature and a SLSA provenance attestation, written to OUT_DIR.
//!
//! `cargo run -p relkit-examples --example pipeline -- REPO OUT_DIR`
//!
//! Then `cargo run -p relkit-examples --example verify_release -- OUT_DIR`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use relkit_changelog::{Commit, Options, ReleaseInput, build, release_markdown};
use relkit_git::{Query, Repo, plan};
use relkit_sign::{FileMode, Provenance, ResourceDescriptor, SecretKey, Statement, write_atomic};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(repo), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: pipeline REPO OUT_DIR");
        return ExitCode::from(2);
    };
    match run(Path::new(&repo), Path::new(&out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(repo_dir: &Path, out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(out)?;

    // 1. The next version, from tags and Conventional Commits.
    let mut repo = Repo::open(repo_dir)?;
    let (head, plans) = plan(&mut repo, &Query::default())?;
    let p = plans.into_iter().next().ok_or("no plan")?;
    let version = p.next.version.clone().ok_or("nothing to release")?;
    println!("version {version} ({})", p.next.reason);

    // 2. Its release notes.
    let input = ReleaseInput {
        version: Some(version.clone()),
        tag: p.tag.clone(),
        previous_tag: p.current_tag.clone(),
        date: None,
        commits: p
            .commits
            .iter()
            .map(|c| Commit::new(c.id.clone(), c.message.clone()))
            .collect(),
    };
    let log = build(&[input], &Options::default());
    let release = log.releases.first().ok_or("no release was built")?;
    let notes = release_markdown(release, Some("Breaking Changes"));

    // 3. The artifact of this pipeline: the notes, as a file.
    let artifact: PathBuf = out.join(format!("notes-{version}.md"));
    write_atomic(&artifact, notes.as_bytes(), FileMode::Public)?;

    // 4. A signature with a key made for this run (a real pipeline loads its own).
    let key = SecretKey::generate()?;
    write_atomic(
        &out.join("key.pub"),
        key.public_key().to_spki_pem().as_bytes(),
        FileMode::Public,
    )?;
    let signature = relkit_sign::raw::sign_file(&key, &artifact, &mut |_| {})?;
    write_atomic(
        &out.join(format!("notes-{version}.md.sig")),
        &signature.to_bytes(),
        FileMode::Public,
    )?;

    // 5. How it was built: a SLSA provenance statement, signed as a DSSE envelope.
    let provenance = Provenance::new(
        "https://relkit.dev/examples/pipeline/v1",
        "https://relkit.dev/examples",
    )
    .with_resolved_dependency(ResourceDescriptor::git_commit(
        &format!("git+file://{}", repo_dir.display()),
        &head,
    ));
    let subjects =
        relkit_sign::intoto::subjects_for_files(std::slice::from_ref(&artifact), &|_, _| {})?;
    let envelope = Statement::slsa(subjects, &provenance).sign(&[&key]);
    write_atomic(
        &out.join("provenance.intoto.json"),
        envelope.to_json(true).as_bytes(),
        FileMode::Public,
    )?;

    println!(
        "wrote {} and its signature and provenance to {}",
        artifact.display(),
        out.display()
    );
    Ok(())
}
