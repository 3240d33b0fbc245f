//! Streaming SHA-256 / SHA-512 of files of any size, in constant memory.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256, Sha512};

use crate::fsutil::hex;
use crate::{Error, Result};

/// Size of the read buffer used for every streaming hash (1 MiB).
pub(crate) const BUF_SIZE: usize = 1 << 20;

/// A hash algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-256 (FIPS 180-4).
    Sha256,
    /// SHA-512 (FIPS 180-4).
    Sha512,
}

impl HashAlgorithm {
    /// The name used in in-toto digest sets: `sha256`, `sha512`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
        }
    }
}

/// The digest of some bytes.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Digest {
    algorithm: HashAlgorithm,
    bytes: Vec<u8>,
}

impl Digest {
    /// The algorithm.
    pub fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }

    /// The digest bytes (32 for SHA-256, 64 for SHA-512).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Lowercase hex, as `sha256sum` prints it.
    pub fn to_hex(&self) -> String {
        hex(&self.bytes)
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.name(), self.to_hex())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

enum Hasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

impl Hasher {
    fn new(algorithm: HashAlgorithm) -> Self {
        match algorithm {
            HashAlgorithm::Sha256 => Self::Sha256(Sha256::new()),
            HashAlgorithm::Sha512 => Self::Sha512(Sha512::new()),
        }
    }
    fn update(&mut self, data: &[u8]) {
        match self {
            Self::Sha256(h) => h.update(data),
            Self::Sha512(h) => h.update(data),
        }
    }
    fn finish(self, algorithm: HashAlgorithm) -> Digest {
        let bytes = match self {
            Self::Sha256(h) => h.finalize().to_vec(),
            Self::Sha512(h) => h.finalize().to_vec(),
        };
        Digest { algorithm, bytes }
    }
}

/// The digest of `data` held in memory.
pub fn digest_bytes(algorithm: HashAlgorithm, data: &[u8]) -> Digest {
    let mut h = Hasher::new(algorithm);
    h.update(data);
    h.finish(algorithm)
}

/// Read `reader` to its end in 1 MiB chunks, handing each chunk to `sink`, and
/// `progress` the running byte count after each. `name` names the input in errors.
pub(crate) fn stream(
    mut reader: impl Read,
    name: &Path,
    mut sink: impl FnMut(&[u8]),
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    let mut buf = vec![0u8; BUF_SIZE];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io("reading", name, e)),
        };
        sink(buf.get(..n).unwrap_or_default());
        total += n as u64;
        progress(total);
    }
    Ok(total)
}

/// [`stream`] for a file, reading the next chunk on another thread while
/// `sink` works on this one: hashing and reading (a copy from the page cache,
/// or the disk) overlap. Three buffers of [`BUF_SIZE`], so memory stays
/// constant. A file smaller than one buffer is read on this thread.
pub(crate) fn stream_file(
    file: File,
    name: &Path,
    mut sink: impl FnMut(&[u8]),
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    let small = file
        .metadata()
        .map(|m| m.len() < BUF_SIZE as u64)
        .unwrap_or(false);
    if small {
        return stream(file, name, sink, progress);
    }
    type Chunk = std::io::Result<(Vec<u8>, usize)>;
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Chunk>(2);
    let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut file = file;
            // Ends when the consumer is gone (its channels are dropped).
            while let Ok(mut buf) = empty_rx.recv() {
                let read = loop {
                    match file.read(&mut buf) {
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        other => break other,
                    }
                };
                let last = !matches!(read, Ok(n) if n > 0);
                if full_tx.send(read.map(|n| (buf, n))).is_err() || last {
                    break;
                }
            }
        });
        // Moved in, so that they are dropped (and the reader stops) before
        // the scope waits for it, on every path out of this closure.
        let (empty_tx, full_rx) = (empty_tx, full_rx);
        for _ in 0..3 {
            let _ = empty_tx.send(vec![0u8; BUF_SIZE]);
        }
        let mut total = 0u64;
        loop {
            match full_rx.recv() {
                Ok(Ok((_, 0))) => return Ok(total),
                Ok(Ok((buf, n))) => {
                    sink(buf.get(..n).unwrap_or_default());
                    total += n as u64;
                    progress(total);
                    let _ = empty_tx.send(buf);
                }
                Ok(Err(e)) => return Err(Error::io("reading", name, e)),
                Err(_) => {
                    return Err(Error::io(
                        "reading",
                        name,
                        std::io::Error::other("the reading thread stopped"),
                    ));
                }
            }
        }
    })
}

/// The digest of everything `reader` yields, in constant memory; `progress` is called
/// with the number of bytes hashed so far after every chunk.
pub fn digest_reader(
    algorithm: HashAlgorithm,
    reader: impl Read,
    progress: &mut dyn FnMut(u64),
) -> Result<Digest> {
    let mut h = Hasher::new(algorithm);
    stream(reader, Path::new("<reader>"), |c| h.update(c), progress)?;
    Ok(h.finish(algorithm))
}

/// The digest of the file at `path`, in constant memory; `progress` is called with the
/// number of bytes hashed so far after every 1 MiB.
pub fn digest_file(
    algorithm: HashAlgorithm,
    path: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<Digest> {
    let file = File::open(path).map_err(|e| Error::io("opening", path, e))?;
    let mut h = Hasher::new(algorithm);
    stream_file(file, path, |c| h.update(c), progress)?;
    Ok(h.finish(algorithm))
}

/// The SHA-256 of the file at `path`.
pub fn sha256_file(path: &Path) -> Result<Digest> {
    digest_file(HashAlgorithm::Sha256, path, &mut |_| {})
}

/// The digests of many files, computed in parallel (with the `parallel` feature),
/// returned in the order of `paths`. `progress(index, bytes_so_far)` is called from
/// the worker threads as each file advances.
pub fn digest_files(
    algorithm: HashAlgorithm,
    paths: &[PathBuf],
    progress: &(dyn Fn(usize, u64) + Sync),
) -> Result<Vec<Digest>> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        paths
            .par_iter()
            .enumerate()
            .map(|(i, p)| digest_file(algorithm, p, &mut |n| progress(i, n)))
            .collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        paths
            .iter()
            .enumerate()
            .map(|(i, p)| digest_file(algorithm, p, &mut |n| progress(i, n)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        assert_eq!(
            digest_bytes(HashAlgorithm::Sha256, b"abc").to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            digest_bytes(HashAlgorithm::Sha512, b"").to_hex(),
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
        );
    }

    #[test]
    fn reader_matches_bytes_across_chunks() {
        let data: Vec<u8> = (0..(BUF_SIZE * 2 + 17)).map(|i| (i % 251) as u8).collect();
        let mut calls = 0;
        let d = digest_reader(HashAlgorithm::Sha256, &data[..], &mut |_| calls += 1).unwrap();
        assert_eq!(d, digest_bytes(HashAlgorithm::Sha256, &data));
        assert!(calls >= 3);
    }

    #[test]
    fn files_read_on_another_thread_hash_the_same() {
        let dir = tempfile::tempdir().unwrap();
        for len in [0, 17, BUF_SIZE - 1, BUF_SIZE, BUF_SIZE * 3 + 5] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let path = dir.path().join(format!("f{len}"));
            std::fs::write(&path, &data).unwrap();
            for algorithm in [HashAlgorithm::Sha256, HashAlgorithm::Sha512] {
                let mut seen = Vec::new();
                let d = digest_file(algorithm, &path, &mut |n| seen.push(n)).unwrap();
                assert_eq!(d, digest_bytes(algorithm, &data), "{len} bytes");
                assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
                assert_eq!(seen.last().copied().unwrap_or(0), len as u64);
            }
        }
        let err = digest_file(HashAlgorithm::Sha256, dir.path(), &mut |_| {}).unwrap_err();
        assert!(
            err.to_string().contains(&dir.path().display().to_string()),
            "{err}"
        );
    }
}
