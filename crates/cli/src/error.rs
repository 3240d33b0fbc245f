//! How the binary reports failure: a message on stderr and an exit code.

use std::fmt;
use std::process::ExitCode;

/// A failure of a command: the message names the input and the problem.
#[derive(Debug)]
pub(crate) struct CliError {
    /// 2 for bad input or a bad repository, 1 for anything else.
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl CliError {
    /// Bad input: exit code 2.
    pub(crate) fn input(message: impl fmt::Display) -> Self {
        CliError {
            code: 2,
            message: message.to_string(),
        }
    }

    /// Anything else: exit code 1.
    pub(crate) fn other(message: impl fmt::Display) -> Self {
        CliError {
            code: 1,
            message: message.to_string(),
        }
    }

    pub(crate) fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code)
    }
}

impl From<relkit_git::Error> for CliError {
    fn from(e: relkit_git::Error) -> Self {
        use relkit_git::Error as E;
        match e {
            E::Git { .. } => CliError::other(e),
            _ => CliError::input(e),
        }
    }
}

impl From<relkit_version::Error> for CliError {
    fn from(e: relkit_version::Error) -> Self {
        CliError::input(e)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::other(e)
    }
}
