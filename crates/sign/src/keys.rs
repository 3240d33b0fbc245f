//! Ed25519 keys: generation, PKCS#8 / SPKI PEM, key ids.

use std::fmt;

use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::fsutil::hex;
use crate::{Error, Result};

/// An Ed25519 signature: the 64 bytes `R || S` of RFC 8032.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature(pub(crate) [u8; 64]);

impl Signature {
    /// The 64 signature bytes, as `openssl pkeyutl -sign -rawin` writes them.
    pub fn to_bytes(&self) -> [u8; 64] {
        self.0
    }

    /// A signature from its 64 bytes; `input` names them in the error.
    pub fn from_slice(bytes: &[u8], input: &str) -> Result<Self> {
        let arr: [u8; 64] = bytes.try_into().map_err(|_| {
            Error::malformed_sig(
                input,
                format!("an Ed25519 signature is 64 bytes, this is {}", bytes.len()),
            )
        })?;
        Ok(Self(arr))
    }

    pub(crate) fn dalek(&self) -> ed25519_dalek::Signature {
        ed25519_dalek::Signature::from_bytes(&self.0)
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", hex(&self.0))
    }
}

/// A minisign key number: 8 bytes that name a key in minisign files
/// (shown as 16 uppercase hex digits of the little-endian number, as `minisign` prints it).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 8]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016X}", u64::from_le_bytes(self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// An Ed25519 private key.
///
/// Its `Debug` output shows only the public half; the secret bytes are wiped
/// from memory when the key is dropped.
#[derive(Clone)]
pub struct SecretKey {
    pub(crate) signing: SigningKey,
    pub(crate) key_id: KeyId,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey")
            .field("public", &self.public_key())
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl SecretKey {
    /// A new key from the operating system's random source, with a random minisign key id.
    pub fn generate() -> Result<Self> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut_slice()).map_err(|e| Error::Random(e.to_string()))?;
        let mut id = [0u8; 8];
        getrandom::fill(&mut id).map_err(|e| Error::Random(e.to_string()))?;
        Ok(Self {
            signing: SigningKey::from_bytes(&seed),
            key_id: KeyId(id),
        })
    }

    /// The key with this 32-byte seed (the RFC 8032 private key). Its minisign key id
    /// is derived from the public key (see [`PublicKey::derived_key_id`]).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let signing = SigningKey::from_bytes(seed);
        let key_id = PublicKey(signing.verifying_key()).derived_key_id();
        Self { signing, key_id }
    }

    /// The 32-byte seed. Handle with care: this is the private key.
    pub fn to_seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.signing.to_bytes())
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.signing.verifying_key())
    }

    /// The minisign key id used when this key makes minisign signatures.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The same key with another minisign key id.
    #[must_use]
    pub fn with_key_id(mut self, key_id: KeyId) -> Self {
        self.key_id = key_id;
        self
    }

    /// Sign `message` (pure Ed25519, RFC 8032).
    pub fn sign(&self, message: &[u8]) -> Signature {
        use ed25519_dalek::Signer;
        Signature(self.signing.sign(message).to_bytes())
    }

    /// Read a PKCS#8 private key in PEM, as `openssl genpkey -algorithm ed25519` writes it,
    /// encrypted (`-----BEGIN ENCRYPTED PRIVATE KEY-----`, PBES2 with PBKDF2 or scrypt and
    /// AES-CBC/GCM) when `passphrase` is given, plain otherwise. `input` names the key in errors.
    pub fn from_pkcs8_pem(pem: &str, passphrase: Option<&[u8]>, input: &str) -> Result<Self> {
        let encrypted = pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----");
        let signing = if encrypted {
            let pass = passphrase.ok_or_else(|| Error::PassphraseRequired {
                input: input.to_owned(),
            })?;
            SigningKey::from_pkcs8_encrypted_pem(pem.trim(), pass).map_err(|e| match e {
                ed25519_dalek::pkcs8::Error::EncryptedPrivateKey(_) => Error::WrongPassphrase {
                    input: input.to_owned(),
                },
                other => Error::key(input, format!("encrypted PKCS#8: {other}")),
            })?
        } else if pem.contains("-----BEGIN PRIVATE KEY-----") {
            SigningKey::from_pkcs8_pem(pem.trim())
                .map_err(|e| Error::key(input, format!("PKCS#8 Ed25519 private key: {e}")))?
        } else {
            return Err(Error::key(
                input,
                "no '-----BEGIN PRIVATE KEY-----' or '-----BEGIN ENCRYPTED PRIVATE KEY-----' block",
            ));
        };
        let key_id = PublicKey(signing.verifying_key()).derived_key_id();
        Ok(Self { signing, key_id })
    }

    /// Write the key as PKCS#8 PEM as openssl does (v1, no embedded public key); encrypted
    /// with PBES2 (scrypt, AES-256-CBC) under `passphrase` when one is given.
    pub fn to_pkcs8_pem(&self, passphrase: Option<&[u8]>) -> Result<Zeroizing<String>> {
        let bytes = ed25519_dalek::pkcs8::KeypairBytes {
            secret_key: self.signing.to_bytes(),
            public_key: None,
        };
        let le = ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF;
        match passphrase {
            Some(pass) => bytes.to_pkcs8_encrypted_pem(pass, le),
            None => bytes.to_pkcs8_pem(le),
        }
        .map_err(|e| Error::key("new private key", format!("PKCS#8 encoding failed: {e}")))
    }
}

/// An Ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(pub(crate) VerifyingKey);

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", hex(self.0.as_bytes()))
    }
}

impl PublicKey {
    /// The key from its 32 bytes (RFC 8032 encoding). `input` names it in errors.
    pub fn from_bytes(bytes: &[u8], input: &str) -> Result<Self> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| {
            Error::key(
                input,
                format!("an Ed25519 public key is 32 bytes, this is {}", bytes.len()),
            )
        })?;
        VerifyingKey::from_bytes(&arr)
            .map(Self)
            .map_err(|_| Error::key(input, "not a point on the Ed25519 curve"))
    }

    /// The 32 bytes of the key.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// Read an SPKI public key in PEM (`-----BEGIN PUBLIC KEY-----`), as `openssl pkey -pubout` writes it.
    pub fn from_spki_pem(pem: &str, input: &str) -> Result<Self> {
        VerifyingKey::from_public_key_pem(pem.trim())
            .map(Self)
            .map_err(|e| Error::key(input, format!("SPKI Ed25519 public key in PEM: {e}")))
    }

    /// Read an SPKI public key in DER.
    pub fn from_spki_der(der: &[u8], input: &str) -> Result<Self> {
        VerifyingKey::from_public_key_der(der)
            .map(Self)
            .map_err(|e| Error::key(input, format!("SPKI Ed25519 public key in DER: {e}")))
    }

    /// The key as SPKI DER.
    pub fn to_spki_der(&self) -> Vec<u8> {
        // Encoding 32 bytes in a fixed structure cannot fail; fall back to the fixed prefix.
        match self.0.to_public_key_der() {
            Ok(doc) => doc.as_bytes().to_vec(),
            Err(_) => {
                let mut v = SPKI_PREFIX.to_vec();
                v.extend_from_slice(self.0.as_bytes());
                v
            }
        }
    }

    /// The key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`), as openssl writes it.
    pub fn to_spki_pem(&self) -> String {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(self.to_spki_der());
        format!("-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----\n")
    }

    /// The DSSE key id of this key: lowercase hex SHA-256 of its SPKI DER encoding
    /// (the same as `openssl pkey -pubin -outform DER | sha256sum`). DSSE leaves the
    /// scheme to the application; verifiers here use it only as a hint.
    pub fn key_id(&self) -> String {
        hex(&Sha256::digest(self.to_spki_der()))
    }

    /// The minisign key id this crate gives a key that has none (a PKCS#8 key): the first
    /// 8 bytes of SHA-256 of the 32 public key bytes.
    pub fn derived_key_id(&self) -> KeyId {
        let h = Sha256::digest(self.0.as_bytes());
        let mut id = [0u8; 8];
        id.copy_from_slice(h.get(..8).unwrap_or(&[0u8; 8]));
        KeyId(id)
    }

    /// Verify `signature` over `message` strictly (`verify_strict`: non-canonical
    /// signatures and small-order keys or `R` values are rejected). `input` names the
    /// signature in the error.
    pub fn verify(&self, message: &[u8], signature: &Signature, input: &str) -> Result<()> {
        self.0
            .verify_strict(message, &signature.dalek())
            .map_err(|_| Error::bad_sig(input, format!("not made by key {}", self.key_id())))
    }

    /// True if the key is of small order (such keys are rejected by [`PublicKey::verify`]).
    pub fn is_weak(&self) -> bool {
        self.0.is_weak()
    }
}

/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the 32 key bytes follow.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// Verify many `(message, signature, key)` triples at once (Ed25519 batch verification,
/// about twice as fast per signature as one by one). `Ok` only if every one is valid;
/// on failure, verify one by one to find the bad ones.
pub fn verify_batch(
    messages: &[&[u8]],
    signatures: &[Signature],
    keys: &[PublicKey],
) -> Result<()> {
    let sigs: Vec<ed25519_dalek::Signature> = signatures.iter().map(Signature::dalek).collect();
    let vks: Vec<VerifyingKey> = keys.iter().map(|k| k.0).collect();
    if keys.iter().any(PublicKey::is_weak) {
        return Err(Error::bad_sig(
            "batch",
            "a key of small order is in the batch",
        ));
    }
    ed25519_dalek::verify_batch(messages, &sigs, &vks)
        .map_err(|_| Error::bad_sig("batch", "at least one signature in the batch is invalid"))
}
