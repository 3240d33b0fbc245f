//! A small command used by `benches/peers.sh` to time this crate against its peers:
//!
//! ```text
//! sign_file sha256 FILE              print the SHA-256 of FILE (like sha256sum)
//! sign_file minisign KEY FILE        write FILE.minisig with the minisign or PKCS#8 key KEY
//! sign_file raw KEY FILE             write FILE.sig, a raw Ed25519 signature
//! ```
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use relkit_sign::{FileMode, HashAlgorithm, minisign, raw, read_secret_key, write_atomic};

fn with_ext(p: &Path, ext: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(ext);
    PathBuf::from(s)
}

fn run(args: &[String]) -> relkit_sign::Result<()> {
    match args {
        [cmd, file] if cmd == "sha256" => {
            let d = relkit_sign::digest::digest_file(
                HashAlgorithm::Sha256,
                Path::new(file),
                &mut |_| {},
            )?;
            println!("{}  {file}", d.to_hex());
        }
        [cmd, key, file] if cmd == "minisign" => {
            let key = read_secret_key(Path::new(key), None)?;
            let file = Path::new(file);
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let comment = minisign::default_trusted_comment(0, &name);
            let sig = minisign::sign_file(&key, file, &comment, &mut |_| {})?;
            write_atomic(
                &with_ext(file, ".minisig"),
                sig.to_file_string().as_bytes(),
                FileMode::Public,
            )?;
        }
        [cmd, key, file] if cmd == "raw" => {
            let key = read_secret_key(Path::new(key), None)?;
            let file = Path::new(file);
            let sig = raw::sign_file(&key, file, &mut |_| {})?;
            write_atomic(&with_ext(file, ".sig"), &sig.to_bytes(), FileMode::Public)?;
        }
        _ => eprintln!(
            "usage: sign_file sha256 FILE | sign_file minisign KEY FILE | sign_file raw KEY FILE"
        ),
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
