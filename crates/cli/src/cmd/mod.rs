//! The subcommands, one module each.

pub(crate) mod changelog;
pub(crate) mod version;
