//! Strict SHA-256 content digests.

use std::fmt;
use std::io::{self, Read, Write};
use std::str::FromStr;

use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};

/// A SHA-256 content digest, written `sha256:` and 64 lowercase hex digits.
///
/// Parsing is strict: any other algorithm, upper-case hex, a wrong length or
/// any extra character is an error. This is also what keeps a digest from
/// ever becoming a path such as `../../x`.
///
/// ```
/// use relkit_promote::Digest;
/// let d: Digest = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a".parse()?;
/// assert_eq!(d, Digest::of(b"{}"));
/// assert!("sha256:../../etc/passwd".parse::<Digest>().is_err());
/// # Ok::<(), relkit_promote::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest([u8; 32]);

impl Digest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Digest(Sha256::digest(bytes).into())
    }

    /// A digest from its 32 raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Digest(bytes)
    }

    /// The 32 raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The 64 lowercase hex digits (the blob's file name in the layout).
    pub fn hex(&self) -> String {
        let mut s = String::with_capacity(64);
        for b in self.0 {
            for nibble in [b >> 4, b & 0x0f] {
                s.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
            }
        }
        s
    }

    /// Parse `sha256:<64 lowercase hex>`.
    pub fn parse(input: &str) -> Result<Self> {
        let bad = |reason: &str| Error::Digest {
            input: input.to_owned(),
            reason: reason.to_owned(),
        };
        let Some((algorithm, hex)) = input.split_once(':') else {
            return Err(bad(
                "expected \"sha256:\" followed by 64 lowercase hex digits",
            ));
        };
        if algorithm != "sha256" {
            return Err(bad(&format!(
                "unsupported algorithm {algorithm:?}, only sha256 is accepted"
            )));
        }
        Self::parse_hex(hex).map_err(|reason| bad(&reason))
    }

    /// Parse the 64 lowercase hex digits alone (a blob's file name).
    pub fn from_hex(hex: &str) -> Result<Self> {
        Self::parse_hex(hex).map_err(|reason| Error::Digest {
            input: hex.to_owned(),
            reason,
        })
    }

    fn parse_hex(hex: &str) -> std::result::Result<Self, String> {
        if hex.len() != 64 {
            return Err(format!(
                "expected 64 hex digits, found {} characters",
                hex.len()
            ));
        }
        let mut out = [0u8; 32];
        for (i, (slot, pair)) in out
            .iter_mut()
            .zip(hex.as_bytes().chunks_exact(2))
            .enumerate()
        {
            let nibble = |c: u8| match c {
                b'0'..=b'9' => Ok(c - b'0'),
                b'a'..=b'f' => Ok(c - b'a' + 10),
                _ => Err(format!(
                    "character {:?} at position {} is not a lowercase hex digit",
                    char::from(c),
                    i * 2
                )),
            };
            let (hi, lo) = match pair {
                [hi, lo] => (*hi, *lo),
                _ => return Err("odd number of hex digits".to_owned()),
            };
            *slot = (nibble(hi)? << 4) | nibble(lo)?;
        }
        Ok(Digest(out))
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl FromStr for Digest {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Digest::parse(s)
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Digest::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Hashes everything written through it while passing it on to `inner`.
pub(crate) struct HashingWriter<W> {
    pub(crate) inner: W,
    hasher: Sha256,
    pub(crate) written: u64,
}

impl<W: Write> HashingWriter<W> {
    pub(crate) fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            written: 0,
        }
    }

    pub(crate) fn finish(self) -> (W, Digest, u64) {
        (
            self.inner,
            Digest(self.hasher.finalize().into()),
            self.written,
        )
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        let done = buf.get(..n).unwrap_or(buf);
        self.hasher.update(done);
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Copy `reader` into `writer` with a 1 MiB buffer; the byte count.
pub(crate) fn copy_large<R: Read + ?Sized, W: Write + ?Sized>(
    reader: &mut R,
    writer: &mut W,
) -> io::Result<u64> {
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        writer.write_all(buf.get(..n).unwrap_or(&[]))?;
        total += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_parse() {
        let ok = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
        assert_eq!(Digest::parse(ok).unwrap().to_string(), ok);
        for bad in [
            "",
            "sha256:",
            "sha512:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            "sha256:44136FA355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8",
            "sha256:../../../../../../../../../../../../../../../../../../../etc/pwd",
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\n",
        ] {
            let e = Digest::parse(bad).unwrap_err();
            assert!(e.to_string().contains("is not valid"), "{e}");
        }
    }

    proptest::proptest! {
        #[test]
        fn round_trip(bytes in proptest::array::uniform32(0u8..)) {
            let d = Digest::from_bytes(bytes);
            proptest::prop_assert_eq!(Digest::parse(&d.to_string()).unwrap(), d);
        }

        #[test]
        fn never_panics(s in ".*") {
            let _ = Digest::parse(&s);
        }
    }
}
