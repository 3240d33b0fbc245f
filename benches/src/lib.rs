//! Data for relkit's benchmarks: large git histories made reproducibly.
//!
//! ```no_run
//! let repo = relkit_benches::history(100_000).unwrap();
//! assert!(repo.join(".git").is_dir());
//! ```
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where benchmark data lives: `target/bench-data` of the workspace
/// (or `RELKIT_BENCH_DATA`).
pub fn data_dir() -> PathBuf {
    std::env::var_os("RELKIT_BENCH_DATA").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data"),
        PathBuf::from,
    )
}

/// A generated history of `commits` commits (made once by
/// `benches/scripts/make-history.py`, then reused): a tag every 1000
/// commits, the last one 500 commits below HEAD.
///
/// # Errors
///
/// When python3 or git fail; the message says which.
pub fn history(commits: u32) -> Result<PathBuf, String> {
    let dest = data_dir().join(format!("history-{commits}"));
    if dest.join(".git").is_dir() {
        return Ok(dest);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/make-history.py");
    let status = Command::new("python3")
        .arg(script)
        .arg(commits.to_string())
        .arg(&dest)
        .status()
        .map_err(|e| format!("python3: {e}"))?;
    if status.success() {
        Ok(dest)
    } else {
        Err(format!("make-history.py failed: {status}"))
    }
}

/// A real history from `../shared/corpus`, rebuilt once with its
/// `build-repo.sh` (needs git, python3 and zstd).
///
/// # Errors
///
/// When the corpus or its script is missing or fails.
pub fn corpus(name: &str) -> Result<PathBuf, String> {
    let dest = data_dir().join(format!("corpus-{name}"));
    if dest.join(".git").is_dir() {
        return Ok(dest);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/build-repo.sh");
    let status = Command::new(&script)
        .arg(name)
        .arg(&dest)
        .status()
        .map_err(|e| format!("{}: {e}", script.display()))?;
    if status.success() {
        Ok(dest)
    } else {
        Err(format!("build-repo.sh {name} failed: {status}"))
    }
}
