//! Verify what `pipeline` wrote: every artifact's signature against the
//! public key, and the provenance attestation (signed by that key, with a
//! subject whose SHA-256 matches each artifact).
//!
//! `cargo run -p relkit-examples --example verify_release -- OUT_DIR`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use relkit_sign::dsse::IN_TOTO_PAYLOAD_TYPE;
use relkit_sign::{Envelope, PublicKey, TrustPolicy};

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: verify_release OUT_DIR");
        return ExitCode::from(2);
    };
    match run(Path::new(&dir)) {
        Ok(n) => {
            println!("{n} artifact(s): signatures and provenance verified");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("verification failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(dir: &Path) -> Result<usize, Box<dyn std::error::Error>> {
    let key_path = dir.join("key.pub");
    let key = PublicKey::from_spki_pem(
        &std::fs::read_to_string(&key_path)?,
        &key_path.display().to_string(),
    )?;
    let mut artifacts: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "sig") {
            let artifact = path.with_extension("");
            let signature = relkit_sign::raw::read_signature(&path)?;
            relkit_sign::raw::verify_file(
                &key,
                &artifact,
                &signature,
                &path.display().to_string(),
                &mut |_| {},
            )?;
            artifacts.push(artifact);
        }
    }
    if artifacts.is_empty() {
        return Err(format!("{}: no signed artifacts", dir.display()).into());
    }
    let envelope_path = dir.join("provenance.intoto.json");
    let envelope = Envelope::from_json(
        &std::fs::read(&envelope_path)?,
        &envelope_path.display().to_string(),
    )?;
    let policy = TrustPolicy::new(vec![("release".to_owned(), key)], 1, IN_TOTO_PAYLOAD_TYPE)?;
    let verified = relkit_sign::verify_attestation(&envelope, &policy, &artifacts, &|_, _| {})?;
    println!("provenance signed by {:?}", verified.signed_by);
    Ok(artifacts.len())
}
