//! Fuzz relkit-promote's strict digest parser and the tag / file-name checks
//! that keep outside input from ever becoming a path.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = relkit_promote::Digest::parse(text) {
        assert_eq!(d.to_string(), text);
        assert_eq!(d.hex().len(), 64);
        assert!(
            d.hex()
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
    }
    if relkit_promote::validate_tag(text).is_ok() {
        assert!(!text.contains('/') && !text.contains("\\") && !text.starts_with('.'));
    }
    if relkit_promote::validate_file_name(text).is_ok() {
        assert!(!text.contains('/') && text != ".." && text != ".");
    }
});
