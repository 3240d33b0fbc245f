//! minisign keys and signatures, byte-compatible with `minisign` 0.11.
//!
//! Formats (all lines end with `\n`):
//! - public key: `untrusted comment: …` then base64 of `"Ed" || key id (8) || public key (32)`;
//! - secret key: `untrusted comment: …` then base64 of `"Ed" || kdf ("Sc" or 0,0) || "B2" ||
//!   salt (32) || opslimit (8, LE) || memlimit (8, LE) || [key id (8) || seed (32) || public key (32)
//!   || checksum (32)]`, the bracketed part XORed with scrypt(passphrase) when encrypted;
//! - signature: `untrusted comment: …`, base64 of `"ED" || key id || Ed25519(BLAKE2b-512(file))`
//!   (`"Ed"`: legacy, Ed25519 over the file itself), `trusted comment: …`, and base64 of the
//!   global signature, Ed25519 over `signature || trusted comment`.

use std::fs::File;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use blake2::{Blake2b256, Blake2b512, Digest as _};
use zeroize::Zeroizing;

use crate::digest::stream_file;
use crate::keys::{KeyId, PublicKey, SecretKey, Signature};
use crate::{Error, Result};

const SIG_ALG: [u8; 2] = *b"Ed";
const SIG_ALG_HASHED: [u8; 2] = *b"ED";
const KDF_SCRYPT: [u8; 2] = *b"Sc";
const KDF_NONE: [u8; 2] = [0, 0];
const CHK_ALG: [u8; 2] = *b"B2";
const TRUSTED_PREFIX: &str = "trusted comment: ";
const UNTRUSTED_PREFIX: &str = "untrusted comment: ";

/// The scrypt limits of an encrypted minisign secret key, in libsodium's terms
/// (`crypto_pwhash_scryptsalsa208sha256` opslimit and memlimit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfLimits {
    /// Operations limit.
    pub opslimit: u64,
    /// Memory limit in bytes.
    pub memlimit: u64,
}

impl Default for KdfLimits {
    /// What `minisign -G` uses: libsodium's `..._SENSITIVE` limits (1 GiB of memory, a few seconds).
    fn default() -> Self {
        Self {
            opslimit: 33_554_432,
            memlimit: 1_073_741_824,
        }
    }
}

impl KdfLimits {
    /// Smallest limits libsodium accepts (`..._INTERACTIVE`): 16 MiB, fast, weaker.
    pub const INTERACTIVE: Self = Self {
        opslimit: 524_288,
        memlimit: 16_777_216,
    };

    /// scrypt (log2 N, r, p) exactly as libsodium's `pickparams` derives them.
    fn scrypt_params(self, input: &str) -> Result<scrypt::Params> {
        let opslimit = self.opslimit.max(32_768);
        let r: u64 = 8;
        let (n_log2, p) = if opslimit < self.memlimit / 32 {
            let max_n = opslimit / (r * 4);
            (log2_pick(max_n), 1u64)
        } else {
            let max_n = self.memlimit / (r * 128);
            let n_log2 = log2_pick(max_n);
            let max_rp = ((opslimit / 4) >> n_log2).min(0x3fff_ffff);
            (n_log2, max_rp / r)
        };
        // Refuse what no minisign writes and what would take minutes or gigabytes:
        // at most 1 GiB (N = 2^20, r = 8) and p <= 16.
        if n_log2 > 20 || p == 0 || p > 16 {
            return Err(Error::key(
                input,
                format!(
                    "scrypt limits out of range (opslimit {}, memlimit {})",
                    self.opslimit, self.memlimit
                ),
            ));
        }
        let log_n = u8::try_from(n_log2).map_err(|_| Error::key(input, "scrypt N out of range"))?;
        let p = u32::try_from(p).map_err(|_| Error::key(input, "scrypt p out of range"))?;
        scrypt::Params::new(log_n, 8, p).map_err(|_| Error::key(input, "invalid scrypt parameters"))
    }
}

fn log2_pick(max_n: u64) -> u32 {
    let mut n_log2 = 1u32;
    while n_log2 < 63 {
        if (1u64 << n_log2) > max_n / 2 {
            break;
        }
        n_log2 += 1;
    }
    n_log2
}

fn b64_decode(text: &str, what: &str, input: &str) -> Result<Vec<u8>> {
    STANDARD
        .decode(text.trim())
        .map_err(|e| Error::key(input, format!("{what}: bad base64: {e}")))
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(|l| l.trim_end_matches('\r'))
}

/// A minisign public key: key id and Ed25519 key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinisignPublicKey {
    /// The key id.
    pub key_id: KeyId,
    /// The Ed25519 public key.
    pub key: PublicKey,
}

impl MinisignPublicKey {
    /// The public key of `secret`, under the secret key's key id.
    pub fn from_secret(secret: &SecretKey) -> Self {
        Self {
            key_id: secret.key_id(),
            key: secret.public_key(),
        }
    }

    /// Parse a public key file (`untrusted comment:` line, then the base64 line) or the
    /// bare base64 string that `minisign -P` takes.
    pub fn parse(text: &str, input: &str) -> Result<Self> {
        let line = lines(text)
            .find(|l| !l.trim().is_empty() && !l.starts_with(UNTRUSTED_PREFIX))
            .ok_or_else(|| Error::key(input, "no key line in minisign public key"))?;
        let raw = b64_decode(line, "minisign public key", input)?;
        let (alg, rest) = raw
            .split_first_chunk::<2>()
            .ok_or_else(|| Error::key(input, "minisign public key is too short"))?;
        if *alg != SIG_ALG {
            return Err(Error::key(input, "minisign public key algorithm is not Ed"));
        }
        let (id, pk) = rest
            .split_first_chunk::<8>()
            .ok_or_else(|| Error::key(input, "minisign public key is too short"))?;
        if pk.len() != 32 {
            return Err(Error::key(
                input,
                format!("minisign public key is {} bytes, expected 42", raw.len()),
            ));
        }
        Ok(Self {
            key_id: KeyId(*id),
            key: PublicKey::from_bytes(pk, input)?,
        })
    }

    /// The base64 key string (what `minisign -P` takes).
    pub fn to_base64(&self) -> String {
        let mut raw = Vec::with_capacity(42);
        raw.extend_from_slice(&SIG_ALG);
        raw.extend_from_slice(&self.key_id.0);
        raw.extend_from_slice(&self.key.to_bytes());
        STANDARD.encode(raw)
    }

    /// The public key file, as `minisign -G` writes it.
    pub fn to_file_string(&self) -> String {
        format!(
            "{UNTRUSTED_PREFIX}minisign public key {}\n{}\n",
            self.key_id,
            self.to_base64()
        )
    }
}

/// True if `text` looks like a minisign secret key file.
pub fn is_secret_key(text: &str) -> bool {
    let mut it = lines(text).filter(|l| !l.trim().is_empty());
    match (it.next(), it.next()) {
        (Some(first), Some(second)) => {
            first.starts_with(UNTRUSTED_PREFIX)
                && STANDARD
                    .decode(second.trim())
                    .map(|raw| raw.len() == 158)
                    .unwrap_or(false)
        }
        _ => false,
    }
}

/// Read a minisign secret key file, decrypting it with `passphrase` when it is encrypted
/// (`minisign -G`), or as it is when it is not (`minisign -G -W`).
pub fn read_secret_key(text: &str, passphrase: Option<&[u8]>, input: &str) -> Result<SecretKey> {
    let line = lines(text)
        .find(|l| !l.trim().is_empty() && !l.starts_with(UNTRUSTED_PREFIX))
        .ok_or_else(|| Error::key(input, "no key line in minisign secret key"))?;
    let raw = Zeroizing::new(b64_decode(line, "minisign secret key", input)?);
    let bad_len = || {
        Error::key(
            input,
            format!("minisign secret key is {} bytes, expected 158", raw.len()),
        )
    };
    let (header, rest) = raw.split_first_chunk::<54>().ok_or_else(bad_len)?;
    if rest.len() != 104 {
        return Err(bad_len());
    }
    let sig_alg = [header[0], header[1]];
    let kdf_alg = [header[2], header[3]];
    let chk_alg = [header[4], header[5]];
    if sig_alg != SIG_ALG {
        return Err(Error::key(input, "minisign secret key algorithm is not Ed"));
    }
    if chk_alg != CHK_ALG {
        return Err(Error::key(
            input,
            "minisign secret key checksum algorithm is not B2",
        ));
    }
    let mut salt = [0u8; 32];
    salt.copy_from_slice(&header[6..38]);
    let mut ops = [0u8; 8];
    ops.copy_from_slice(&header[38..46]);
    let mut mem = [0u8; 8];
    mem.copy_from_slice(&header[46..54]);
    let mut secret = Zeroizing::new([0u8; 104]);
    secret.copy_from_slice(rest);
    let encrypted = match kdf_alg {
        KDF_SCRYPT => true,
        KDF_NONE => false,
        _ => {
            return Err(Error::key(
                input,
                "unknown minisign key derivation algorithm",
            ));
        }
    };
    if encrypted {
        let pass = passphrase.ok_or_else(|| Error::PassphraseRequired {
            input: input.to_owned(),
        })?;
        let limits = KdfLimits {
            opslimit: u64::from_le_bytes(ops),
            memlimit: u64::from_le_bytes(mem),
        };
        xor_stream(&mut secret[..], pass, &salt, limits, input)?;
    }
    let s: &[u8; 104] = &secret;
    let mut key_id = [0u8; 8];
    key_id.copy_from_slice(&s[0..8]);
    let mut seed = Zeroizing::new([0u8; 32]);
    seed.copy_from_slice(&s[8..40]);
    let chk = checksum(&key_id, &s[8..72]);
    let stored_chk = &s[72..104];
    let key = SecretKey::from_seed(&seed).with_key_id(KeyId(key_id));
    // minisign checks the checksum of encrypted keys only (`-W` keys carry zeros);
    // for both we also check that the embedded public key belongs to the seed.
    let chk_ok = chk.as_slice() == stored_chk || (!encrypted && stored_chk.iter().all(|b| *b == 0));
    if !chk_ok || key.public_key().to_bytes().as_slice() != &s[40..72] {
        return Err(if encrypted {
            Error::WrongPassphrase {
                input: input.to_owned(),
            }
        } else {
            Error::key(input, "checksum or embedded public key does not match")
        });
    }
    Ok(key)
}

fn checksum(key_id: &[u8; 8], sk: &[u8]) -> [u8; 32] {
    let mut h = Blake2b256::new();
    h.update(SIG_ALG);
    h.update(key_id);
    h.update(sk);
    h.finalize().into()
}

fn xor_stream(
    data: &mut [u8],
    pass: &[u8],
    salt: &[u8; 32],
    limits: KdfLimits,
    input: &str,
) -> Result<()> {
    let params = limits.scrypt_params(input)?;
    let mut stream = Zeroizing::new(vec![0u8; data.len()]);
    scrypt::scrypt(pass, salt, &params, &mut stream)
        .map_err(|_| Error::key(input, "scrypt failed"))?;
    for (d, s) in data.iter_mut().zip(stream.iter()) {
        *d ^= s;
    }
    Ok(())
}

/// Write `key` as a minisign secret key file: encrypted with scrypt under `passphrase`
/// and `limits` (as `minisign -G` does), or unencrypted when `passphrase` is `None`
/// (as `minisign -G -W` does).
pub fn write_secret_key(
    key: &SecretKey,
    passphrase: Option<&[u8]>,
    limits: KdfLimits,
) -> Result<Zeroizing<String>> {
    let mut raw = Zeroizing::new(Vec::with_capacity(158));
    raw.extend_from_slice(&SIG_ALG);
    let mut salt = [0u8; 32];
    match passphrase {
        Some(_) => {
            raw.extend_from_slice(&KDF_SCRYPT);
            getrandom::fill(&mut salt).map_err(|e| Error::Random(e.to_string()))?;
        }
        None => raw.extend_from_slice(&KDF_NONE),
    }
    raw.extend_from_slice(&CHK_ALG);
    raw.extend_from_slice(&salt);
    let (ops, mem) = match passphrase {
        Some(_) => (limits.opslimit, limits.memlimit),
        None => (0, 0),
    };
    raw.extend_from_slice(&ops.to_le_bytes());
    raw.extend_from_slice(&mem.to_le_bytes());
    let mut secret = Zeroizing::new(Vec::with_capacity(104));
    let id = key.key_id().0;
    secret.extend_from_slice(&id);
    secret.extend_from_slice(key.to_seed().as_slice());
    secret.extend_from_slice(&key.public_key().to_bytes());
    let chk = checksum(&id, secret.get(8..72).unwrap_or_default());
    secret.extend_from_slice(&chk);
    if let Some(pass) = passphrase {
        xor_stream(&mut secret, pass, &salt, limits, "new minisign secret key")?;
    }
    raw.extend_from_slice(&secret);
    let b64 = Zeroizing::new(STANDARD.encode(raw.as_slice()));
    Ok(Zeroizing::new(format!(
        "{UNTRUSTED_PREFIX}minisign encrypted secret key\n{}\n",
        b64.as_str()
    )))
}

/// A minisign signature (`.minisig` file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinisignSignature {
    /// The untrusted comment (not signed).
    pub untrusted_comment: String,
    /// Key id of the signing key.
    pub key_id: KeyId,
    /// True for the current prehashed form (`ED`: Ed25519 over BLAKE2b-512 of the file),
    /// false for the legacy form (`Ed`: Ed25519 over the file).
    pub prehashed: bool,
    /// The signature over the file (or its BLAKE2b-512 hash).
    pub signature: Signature,
    /// The trusted comment (signed by the global signature).
    pub trusted_comment: String,
    /// Ed25519 over `signature || trusted_comment`.
    pub global_signature: Signature,
}

impl MinisignSignature {
    /// Parse a `.minisig` file. `input` names it in errors.
    pub fn parse(text: &str, input: &str) -> Result<Self> {
        let mut it = lines(text);
        let bad = |reason: &str| Error::malformed_sig(input, reason.to_owned());
        let l1 = it.next().ok_or_else(|| bad("empty minisign signature"))?;
        let untrusted_comment = l1
            .strip_prefix(UNTRUSTED_PREFIX)
            .ok_or_else(|| bad("first line is not 'untrusted comment: …'"))?
            .to_owned();
        let l2 = it.next().ok_or_else(|| bad("missing signature line"))?;
        let raw = STANDARD
            .decode(l2.trim())
            .map_err(|e| Error::malformed_sig(input, format!("signature line: bad base64: {e}")))?;
        if raw.len() != 74 {
            return Err(Error::malformed_sig(
                input,
                format!("signature line is {} bytes, expected 74", raw.len()),
            ));
        }
        let (alg, rest) = raw
            .split_first_chunk::<2>()
            .ok_or_else(|| bad("short signature"))?;
        let prehashed = match *alg {
            SIG_ALG_HASHED => true,
            SIG_ALG => false,
            _ => return Err(bad("unknown signature algorithm (expected ED or Ed)")),
        };
        let (id, sig) = rest
            .split_first_chunk::<8>()
            .ok_or_else(|| bad("short signature"))?;
        let l3 = it
            .next()
            .ok_or_else(|| bad("missing trusted comment line"))?;
        let trusted_comment = l3
            .strip_prefix(TRUSTED_PREFIX)
            .ok_or_else(|| bad("third line is not 'trusted comment: …'"))?
            .to_owned();
        let l4 = it
            .next()
            .ok_or_else(|| bad("missing global signature line"))?;
        let global = STANDARD.decode(l4.trim()).map_err(|e| {
            Error::malformed_sig(input, format!("global signature: bad base64: {e}"))
        })?;
        Ok(Self {
            untrusted_comment,
            key_id: KeyId(*id),
            prehashed,
            signature: Signature::from_slice(sig, input)?,
            trusted_comment,
            global_signature: Signature::from_slice(&global, input)?,
        })
    }

    /// The `.minisig` file text.
    pub fn to_file_string(&self) -> String {
        let mut raw = Vec::with_capacity(74);
        raw.extend_from_slice(if self.prehashed {
            &SIG_ALG_HASHED
        } else {
            &SIG_ALG
        });
        raw.extend_from_slice(&self.key_id.0);
        raw.extend_from_slice(&self.signature.to_bytes());
        format!(
            "{UNTRUSTED_PREFIX}{}\n{}\n{TRUSTED_PREFIX}{}\n{}\n",
            self.untrusted_comment,
            STANDARD.encode(raw),
            self.trusted_comment,
            STANDARD.encode(self.global_signature.to_bytes())
        )
    }
}

/// The trusted comment `minisign -S` writes: `timestamp:<secs>\tfile:<name>\thashed`.
/// The time is passed in, so the same input gives the same signature.
pub fn default_trusted_comment(timestamp: u64, file_name: &str) -> String {
    format!("timestamp:{timestamp}\tfile:{file_name}\thashed")
}

/// BLAKE2b-512 of the file at `path`, in constant memory.
pub fn prehash_file(path: &Path, progress: &mut dyn FnMut(u64)) -> Result<[u8; 64]> {
    let file = File::open(path).map_err(|e| Error::io("opening", path, e))?;
    let mut h = Blake2b512::new();
    stream_file(file, path, |c| h.update(c), progress)?;
    Ok(h.finalize().into())
}

/// A prehashed minisign signature from the BLAKE2b-512 `hash` of the content.
/// Newlines in `trusted_comment` are replaced by spaces (the format is line-based).
pub fn sign_prehashed(
    key: &SecretKey,
    hash: &[u8; 64],
    trusted_comment: &str,
) -> MinisignSignature {
    let trusted_comment = trusted_comment.replace(['\n', '\r'], " ");
    let signature = key.sign(hash);
    let mut global = Vec::with_capacity(64 + trusted_comment.len());
    global.extend_from_slice(&signature.to_bytes());
    global.extend_from_slice(trusted_comment.as_bytes());
    MinisignSignature {
        untrusted_comment: "signature from relkit-sign secret key".to_owned(),
        key_id: key.key_id(),
        prehashed: true,
        signature,
        global_signature: key.sign(&global),
        trusted_comment,
    }
}

/// Sign the file at `path` (prehashed, as `minisign -S` does), in constant memory.
pub fn sign_file(
    key: &SecretKey,
    path: &Path,
    trusted_comment: &str,
    progress: &mut dyn FnMut(u64),
) -> Result<MinisignSignature> {
    let hash = prehash_file(path, progress)?;
    Ok(sign_prehashed(key, &hash, trusted_comment))
}

/// Sign `data` held in memory (prehashed).
pub fn sign_bytes(key: &SecretKey, data: &[u8], trusted_comment: &str) -> MinisignSignature {
    let hash: [u8; 64] = Blake2b512::digest(data).into();
    sign_prehashed(key, &hash, trusted_comment)
}

fn verify_global(pk: &MinisignPublicKey, sig: &MinisignSignature, input: &str) -> Result<()> {
    if sig.key_id != pk.key_id {
        return Err(Error::bad_sig(
            input,
            format!(
                "made by key id {}, the public key's id is {}",
                sig.key_id, pk.key_id
            ),
        ));
    }
    let mut global = Vec::with_capacity(64 + sig.trusted_comment.len());
    global.extend_from_slice(&sig.signature.to_bytes());
    global.extend_from_slice(sig.trusted_comment.as_bytes());
    pk.key
        .verify(&global, &sig.global_signature, input)
        .map_err(|_| Error::bad_sig(input, "the trusted comment's global signature is invalid"))
}

/// Verify a minisign signature over `data` in memory (prehashed or legacy).
pub fn verify_bytes(
    pk: &MinisignPublicKey,
    data: &[u8],
    sig: &MinisignSignature,
    input: &str,
) -> Result<()> {
    if sig.key_id != pk.key_id {
        return verify_global(pk, sig, input);
    }
    if sig.prehashed {
        let hash: [u8; 64] = Blake2b512::digest(data).into();
        pk.key.verify(&hash, &sig.signature, input)?;
    } else {
        pk.key.verify(data, &sig.signature, input)?;
    }
    verify_global(pk, sig, input)
}

/// Verify a minisign signature over the file at `path`, in constant memory: the key id,
/// the signature (prehashed `ED` or legacy `Ed`) and the global signature of the trusted
/// comment must all match, as `minisign -V` requires.
pub fn verify_file(
    pk: &MinisignPublicKey,
    path: &Path,
    sig: &MinisignSignature,
    input: &str,
    progress: &mut dyn FnMut(u64),
) -> Result<()> {
    if sig.key_id != pk.key_id {
        return verify_global(pk, sig, input);
    }
    if sig.prehashed {
        let hash = prehash_file(path, progress)?;
        pk.key.verify(&hash, &sig.signature, input)?;
    } else {
        crate::raw::verify_file(&pk.key, path, &sig.signature, input, progress)?;
    }
    verify_global(pk, sig, input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libsodium_scrypt_parameters() {
        // minisign -G: opslimit 2^25, memlimit 2^30 -> N = 2^20, r = 8, p = 1.
        let p = KdfLimits::default().scrypt_params("k").unwrap();
        assert_eq!((p.log_n(), p.r(), p.p()), (20, 8, 1));
        // libsodium INTERACTIVE: opslimit 2^19, memlimit 2^24 -> N = 2^14, p = 1.
        let p = KdfLimits::INTERACTIVE.scrypt_params("k").unwrap();
        assert_eq!((p.log_n(), p.r(), p.p()), (14, 8, 1));
        // Limits past what minisign writes are refused, not run.
        let huge = KdfLimits {
            opslimit: u64::MAX,
            memlimit: u64::MAX,
        };
        assert!(huge.scrypt_params("k").is_err());
    }

    #[test]
    fn signature_file_round_trip() {
        let key = SecretKey::from_seed(&[5; 32]);
        let sig = sign_bytes(&key, b"data", "timestamp:1\tfile:x\thashed");
        let text = sig.to_file_string();
        assert_eq!(text.lines().count(), 4);
        assert_eq!(MinisignSignature::parse(&text, "s").unwrap(), sig);
        assert!(MinisignSignature::parse("untrusted comment: x\n", "s").is_err());
    }
}
