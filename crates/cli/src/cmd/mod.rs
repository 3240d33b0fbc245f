//! The subcommands, one module each.

pub(crate) mod changelog;
pub(crate) mod promote;
pub(crate) mod release;
pub(crate) mod rollout;
pub(crate) mod sbom;
pub(crate) mod sign;
pub(crate) mod version;
