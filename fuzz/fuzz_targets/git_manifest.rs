//! Cargo manifests from outside, with versions written in: never a panic;
//! an edited manifest is TOML again, and writing the same versions into it
//! a second time changes nothing.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use relkit_git::{VersionChanges, edit_manifest};
use relkit_version::semver::Version;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let own = Version::new(1, 2, 3);
    let next = Version::new(0, 2, 0);
    let all = [
        VersionChanges {
            package: Some(own.clone()),
            ..VersionChanges::default()
        },
        VersionChanges {
            workspace: Some(own.clone()),
            ..VersionChanges::default()
        },
        VersionChanges {
            dependencies: [("core".to_owned(), next.clone()), ("app".to_owned(), own)].into(),
            ..VersionChanges::default()
        },
    ];
    for changes in &all {
        if let Ok(Some((after, what))) = edit_manifest(text, Path::new("Cargo.toml"), changes) {
            assert!(!what.is_empty());
            assert!(after.parse::<toml_edit::DocumentMut>().is_ok(), "{after}");
            assert_eq!(
                edit_manifest(&after, Path::new("Cargo.toml"), changes).ok(),
                Some(None),
                "{after}"
            );
        }
    }
});
