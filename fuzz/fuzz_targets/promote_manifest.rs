//! Fuzz the OCI manifest and index decoder of relkit-promote: it must never
//! panic, and what it accepts must re-encode (canonically) and decode to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = relkit_promote::decode_manifest(data, "fuzz") {
        let _ = m.children();
        let _ = m.subject();
        let _ = m.artifact_type();
        let bytes = match &m {
            relkit_promote::Manifest::Image(i) => relkit_promote::json::to_canonical(i, "again"),
            relkit_promote::Manifest::Index(i) => relkit_promote::json::to_canonical(i, "again"),
        };
        if let Ok(bytes) = bytes {
            let again = relkit_promote::decode_manifest(&bytes, "again");
            assert_eq!(again.ok(), Some(m));
        }
    }
});
