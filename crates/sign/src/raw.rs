//! Raw detached Ed25519 signatures: the 64 signature bytes over a file's bytes, as
//! `openssl pkeyutl -sign -rawin` writes them and `openssl pkeyutl -verify -rawin` reads them.

use std::cell::RefCell;
use std::fs::File;
use std::path::Path;
use std::time::SystemTime;

use ed25519_dalek::hazmat::{ExpandedSecretKey, raw_sign_byupdate};
use sha2::{Digest as _, Sha512};

use crate::digest::stream_file;
use crate::keys::{PublicKey, SecretKey, Signature};
use crate::{Error, Result};

fn fingerprint(path: &Path) -> Result<(u64, Option<SystemTime>)> {
    let m = std::fs::metadata(path).map_err(|e| Error::io("reading metadata of", path, e))?;
    Ok((m.len(), m.modified().ok()))
}

/// Sign the file at `path` with pure Ed25519 over its bytes, in constant memory.
///
/// Ed25519 hashes the message twice, so the file is read twice; if its size or
/// modification time changes in between, [`Error::Changed`] is returned.
/// `progress` gets the bytes read so far (up to twice the file's size).
pub fn sign_file(key: &SecretKey, path: &Path, progress: &mut dyn FnMut(u64)) -> Result<Signature> {
    let before = fingerprint(path)?;
    let failure: RefCell<Option<Error>> = RefCell::new(None);
    let done = RefCell::new(0u64);
    let progress = RefCell::new(progress);
    let seed = key.to_seed();
    let esk = ExpandedSecretKey::from(&*seed);
    let sig = raw_sign_byupdate::<Sha512, _>(
        &esk,
        |h: &mut Sha512| {
            let base = *done.borrow();
            let result = File::open(path)
                .map_err(|e| Error::io("opening", path, e))
                .and_then(|f| {
                    stream_file(f, path, |c| h.update(c), &mut |n| {
                        if let Ok(mut p) = progress.try_borrow_mut() {
                            (*p)(base + n);
                        }
                    })
                });
            match result {
                Ok(n) => {
                    *done.borrow_mut() += n;
                    Ok(())
                }
                Err(e) => {
                    *failure.borrow_mut() = Some(e);
                    Err(ed25519_dalek::SignatureError::new())
                }
            }
        },
        &key.signing.verifying_key(),
    );
    if let Some(e) = failure.into_inner() {
        return Err(e);
    }
    let sig = sig.map_err(|e| Error::bad_sig(path.display().to_string(), e.to_string()))?;
    if fingerprint(path)? != before || *done.borrow() != before.0.saturating_mul(2) {
        return Err(Error::Changed {
            path: path.to_path_buf(),
        });
    }
    Ok(Signature(sig.to_bytes()))
}

/// Verify a raw Ed25519 signature over the file at `path`, strictly and in constant
/// memory: a key or `R` of small order and a non-canonical `S` or `R` are rejected, as
/// [`PublicKey::verify`] does. `input` names the signature in the error.
pub fn verify_file(
    key: &PublicKey,
    path: &Path,
    signature: &Signature,
    input: &str,
    progress: &mut dyn FnMut(u64),
) -> Result<()> {
    check_strict(key, signature, input)?;
    let mut verifier = key
        .0
        .verify_stream(&signature.dalek())
        .map_err(|_| Error::bad_sig(input, "S is not canonical (S >= L)"))?;
    let file = File::open(path).map_err(|e| Error::io("opening", path, e))?;
    stream_file(file, path, |c| verifier.update(c), progress)?;
    verifier.finalize_and_verify().map_err(|_| {
        Error::bad_sig(
            input,
            format!("not made by key {} over {}", key.key_id(), path.display()),
        )
    })
}

/// Verify a raw Ed25519 signature over `message` in memory, in the same streaming way
/// as [`verify_file`] (used to check that both agree).
pub fn verify_stream_bytes(
    key: &PublicKey,
    message: &[u8],
    signature: &Signature,
    input: &str,
) -> Result<()> {
    check_strict(key, signature, input)?;
    let mut verifier = key
        .0
        .verify_stream(&signature.dalek())
        .map_err(|_| Error::bad_sig(input, "S is not canonical (S >= L)"))?;
    for chunk in message.chunks(7) {
        verifier.update(chunk);
    }
    verifier
        .finalize_and_verify()
        .map_err(|_| Error::bad_sig(input, format!("not made by key {}", key.key_id())))
}

/// The checks that `verify_strict` adds to plain verification, which the streaming
/// verifier lacks: no small-order key, no small-order `R`.
fn check_strict(key: &PublicKey, signature: &Signature, input: &str) -> Result<()> {
    if key.is_weak() {
        return Err(Error::bad_sig(input, "the public key is of small order"));
    }
    let mut r = [0u8; 32];
    r.copy_from_slice(signature.0.get(..32).unwrap_or(&[0u8; 32]));
    match curve25519_dalek::edwards::CompressedEdwardsY(r).decompress() {
        None => Err(Error::bad_sig(input, "R is not a curve point")),
        Some(p) if p.is_small_order() => Err(Error::bad_sig(input, "R is of small order")),
        Some(_) => Ok(()),
    }
}

/// Read a raw signature file: exactly 64 bytes.
pub fn read_signature(path: &Path) -> Result<Signature> {
    let bytes = std::fs::read(path).map_err(|e| Error::io("reading", path, e))?;
    Signature::from_slice(&bytes, &path.display().to_string())
}
