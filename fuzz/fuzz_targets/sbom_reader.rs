//! Fuzz the SBOM reader behind `relkit sbom diff` and `validate`: any bytes are read or
//! refused cleanly, and a BOM diffed with itself has no changes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relkit_sbom::{BomDocument, diff};

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = BomDocument::from_json(data, "fuzz") {
        assert!(diff(&doc, &doc).is_empty());
        let _ = diff(
            &doc,
            &BomDocument {
                spec_version: String::new(),
                components: Vec::new(),
            },
        )
        .to_string();
    }
});
