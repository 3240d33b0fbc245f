//! Atomic file writes: a temporary file in the same directory, fsync, rename.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Who may read a file written by [`write_atomic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileMode {
    /// Mode 0600 from creation: only the owner reads it (private keys).
    Private,
    /// The usual mode (0644 after the umask): public keys, signatures, envelopes.
    Public,
}

/// Write `contents` to `path` atomically: a temporary file in the same directory
/// (created with mode 0600 when `mode` is [`FileMode::Private`]), fsynced, then
/// renamed over `path`; the directory is fsynced after the rename.
///
/// Readers never see a half-written file, and a private key is never readable by
/// others, not even for a moment.
pub fn write_atomic(path: &Path, contents: &[u8], mode: FileMode) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::io("writing", path, std::io::Error::other("no file name")))?;
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|e| Error::Random(e.to_string()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", hex(&suffix)));
    let tmp = dir.join(tmp_name);

    let result = (|| -> Result<()> {
        let mut file = open_new(&tmp, mode).map_err(|e| Error::io("creating", &tmp, e))?;
        file.write_all(contents)
            .map_err(|e| Error::io("writing", &tmp, e))?;
        file.sync_all().map_err(|e| Error::io("syncing", &tmp, e))?;
        drop(file);
        fs::rename(&tmp, path).map_err(|e| Error::io("renaming into place", path, e))?;
        if let Ok(d) = File::open(&dir) {
            // Not every platform can fsync a directory; the rename is done either way.
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn open_new(path: &Path, mode: FileMode) -> std::io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(match mode {
            FileMode::Private => 0o600,
            FileMode::Public => 0o644,
        });
    }
    #[cfg(not(unix))]
    let _ = mode;
    opts.open(path)
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}
