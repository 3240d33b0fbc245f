//! Key files of any supported format: detect, read, write.

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::fsutil::{FileMode, write_atomic};
use crate::keys::{PublicKey, SecretKey};
use crate::minisign::{self, KdfLimits, MinisignPublicKey};
use crate::{Error, Result};

/// The on-disk format of a key pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyFormat {
    /// PKCS#8 PEM private key and SPKI PEM public key (openssl's forms).
    Pkcs8,
    /// minisign secret key file and public key file.
    Minisign,
}

/// A public key read from a file of any supported format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnyPublicKey {
    /// SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
    Spki(PublicKey),
    /// A minisign public key (file or bare base64 string).
    Minisign(MinisignPublicKey),
}

impl AnyPublicKey {
    /// The Ed25519 key.
    pub fn key(&self) -> PublicKey {
        match self {
            Self::Spki(k) => *k,
            Self::Minisign(m) => m.key,
        }
    }
}

/// Read a secret key from `text`, detecting its format: PKCS#8 PEM (plain or encrypted)
/// or a minisign secret key file (unencrypted or scrypt-encrypted). `passphrase`
/// decrypts an encrypted key; `input` names the key in errors.
pub fn parse_secret_key(text: &str, passphrase: Option<&[u8]>, input: &str) -> Result<SecretKey> {
    if text.contains("-----BEGIN") {
        SecretKey::from_pkcs8_pem(text, passphrase, input)
    } else if minisign::is_secret_key(text) {
        minisign::read_secret_key(text, passphrase, input)
    } else {
        Err(Error::key(
            input,
            "neither a PKCS#8 PEM private key nor a minisign secret key",
        ))
    }
}

/// Read a public key from `text`: SPKI PEM, or a minisign public key file or string.
pub fn parse_public_key(text: &str, input: &str) -> Result<AnyPublicKey> {
    if text.contains("-----BEGIN") {
        PublicKey::from_spki_pem(text, input).map(AnyPublicKey::Spki)
    } else {
        MinisignPublicKey::parse(text, input).map(AnyPublicKey::Minisign)
    }
}

/// Read the secret key file at `path` (see [`parse_secret_key`]).
pub fn read_secret_key(path: &Path, passphrase: Option<&[u8]>) -> Result<SecretKey> {
    let text =
        Zeroizing::new(std::fs::read_to_string(path).map_err(|e| Error::io("reading", path, e))?);
    parse_secret_key(&text, passphrase, &path.display().to_string())
}

/// Read the public key file at `path` (see [`parse_public_key`]).
pub fn read_public_key(path: &Path) -> Result<AnyPublicKey> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("reading", path, e))?;
    parse_public_key(&text, &path.display().to_string())
}

/// `path` with `.pub` appended (`key.pem` → `key.pem.pub`).
pub fn public_key_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".pub");
    PathBuf::from(s)
}

/// Write `key` to `path` (mode 0600, atomically) and its public key to `path.pub`, in
/// `format`; encrypted under `passphrase` when one is given (minisign keys use
/// minisign's default scrypt limits). Returns the path of the public key file.
pub fn write_key_pair(
    key: &SecretKey,
    path: &Path,
    format: KeyFormat,
    passphrase: Option<&[u8]>,
) -> Result<PathBuf> {
    let (secret, public) = match format {
        KeyFormat::Pkcs8 => (
            key.to_pkcs8_pem(passphrase)?,
            key.public_key().to_spki_pem(),
        ),
        KeyFormat::Minisign => (
            minisign::write_secret_key(key, passphrase, KdfLimits::default())?,
            MinisignPublicKey::from_secret(key).to_file_string(),
        ),
    };
    write_atomic(path, secret.as_bytes(), FileMode::Private)?;
    let pub_path = public_key_path(path);
    write_atomic(&pub_path, public.as_bytes(), FileMode::Public)?;
    Ok(pub_path)
}
