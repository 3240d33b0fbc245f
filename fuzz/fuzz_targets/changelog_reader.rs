//! CHANGELOG.md files from outside: reading, extracting notes and updating
//! never panic; an update with nothing new changes nothing, and one with a
//! new release keeps the header byte for byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relkit_changelog::Document;
use relkit_version::semver::Version;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let doc = Document::parse(text);
    for block in doc.blocks() {
        let _ = doc.sections(block);
        assert!(doc.notes(&block.title).is_ok());
    }
    let same = doc.update(&[], &[]);
    assert_eq!(same.text, text);
    let new = doc.update(
        &[(Some(Version::new(999, 0, 0)), "## [999.0.0]\n\n- new\n".to_owned())],
        &[("999.0.0".to_owned(), "https://example.invalid/x".to_owned())],
    );
    if new.inserted.is_empty() {
        assert!(new.skipped.contains(&"999.0.0".to_owned()));
    } else {
        assert!(new.text.starts_with(doc.header()));
        let again = Document::parse(&new.text);
        assert!(again.block("999.0.0").is_some());
    }
});
