//! Commit messages from outside: classification and the bump never panic,
//! and a Release-As footer is either SemVer or a clear error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relkit_version::{BumpPolicy, Commit, NextOptions, Released, next_version, semver::Version};

fuzz_target!(|data: &[u8]| {
    let Ok(message) = std::str::from_utf8(data) else {
        return;
    };
    let commit = Commit::new("fuzz", message);
    let _ = BumpPolicy::default().bump_of(&commit.classification);
    let released = Released {
        stable: Some(Version::new(1, 2, 3)),
        ..Released::default()
    };
    if let Ok(next) = next_version(&released, &[commit], &NextOptions::default()) {
        if next.release {
            assert!(next.version.is_some_and(|v| v > Version::new(1, 2, 3)));
        }
    }
});
