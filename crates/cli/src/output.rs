//! Writing to the terminal: results on stdout, notes on stderr, colours
//! only where the terminal takes them (and never with `NO_COLOR`).

use std::io::Write;

use anstyle::{AnsiColor, Style};

const NOTE: Style = AnsiColor::Cyan.on_default().bold();
const WARN: Style = AnsiColor::Yellow.on_default().bold();
const ERROR: Style = AnsiColor::Red.on_default().bold();

fn line(style: Style, label: &str, message: &str) {
    let mut err = anstream::stderr().lock();
    // A closed stderr is no reason to fail the command.
    let _ = writeln!(err, "{style}{label}:{style:#} {message}");
}

/// An informational line on stderr.
pub(crate) fn note(message: &str) {
    line(NOTE, "note", message);
}

/// A warning on stderr.
pub(crate) fn warn(message: &str) {
    line(WARN, "warning", message);
}

/// An error on stderr.
pub(crate) fn error(message: &str) {
    line(ERROR, "error", message);
}

/// A line of the result on stdout.
pub(crate) fn out(text: &str) -> Result<(), crate::error::CliError> {
    let mut o = anstream::stdout().lock();
    writeln!(o, "{text}").map_err(crate::error::CliError::other)
}

/// A value as pretty JSON on stdout.
pub(crate) fn json(value: &serde_json::Value) -> Result<(), crate::error::CliError> {
    let text = serde_json::to_string_pretty(value).map_err(crate::error::CliError::other)?;
    out(&text)
}

/// Write `bytes` to `path` so that a reader (or a crash) only ever sees the
/// old file or the new one: a temporary file in the same directory, written,
/// fsynced, then renamed over `path`; the directory is fsynced after. An
/// existing file's permissions are kept.
pub(crate) fn write_atomic(
    path: &std::path::Path,
    bytes: &[u8],
) -> Result<(), crate::error::CliError> {
    use crate::error::CliError;
    let err = |e: &dyn std::fmt::Display| CliError::other(format!("{}: {e}", path.display()));
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(CliError::input(format!(
            "{}: the directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".relkit-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| err(&e))?;
    tmp.write_all(bytes).map_err(|e| err(&e))?;
    if let Ok(meta) = std::fs::metadata(path) {
        tmp.as_file()
            .set_permissions(meta.permissions())
            .map_err(|e| err(&e))?;
    }
    tmp.as_file().sync_all().map_err(|e| err(&e))?;
    // A crash test stops the process here, between the write and the rename.
    if let Some(ms) = std::env::var("RELKIT_FAILPOINT_WRITE_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    tmp.persist(path).map_err(|e| err(&e.error))?;
    if let Ok(d) = std::fs::File::open(&dir) {
        // Not every file system lets a directory be synced; the rename stands.
        let _ = d.sync_all();
    }
    Ok(())
}
