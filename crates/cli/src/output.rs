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
