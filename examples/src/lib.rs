//! Examples of relkit used as a library; see the `[[example]]` programs of
//! this package (`cargo run -p relkit-examples --example next_version`).
#![forbid(unsafe_code)]
