//! Fuzz the Cargo.lock reader: any text parses or fails cleanly; whatever parses renders to
//! text that parses back to the same lock file, and its dependency resolution never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relkit_sbom::Lockfile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(lock) = Lockfile::parse(text, "fuzz") else {
        return;
    };
    let _ = lock.resolve("fuzz");
    let rendered = lock.render();
    let Ok(back) = Lockfile::parse(&rendered, "rendered") else {
        panic!("rendered lock file does not parse:\n{rendered}");
    };
    let mut expected = lock;
    expected.version = expected.version.max(3);
    assert_eq!(back, expected);
});
