//! Fuzz the minisign decoders: public keys, signatures, unencrypted secret keys.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relkit_sign::minisign::{self, MinisignPublicKey, MinisignSignature};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(pk) = MinisignPublicKey::parse(text, "fuzz") {
        assert_eq!(
            MinisignPublicKey::parse(&pk.to_file_string(), "again").ok(),
            Some(pk)
        );
    }
    if let Ok(sig) = MinisignSignature::parse(text, "fuzz") {
        // Re-encoding keeps every field (comments are single lines by construction).
        assert_eq!(
            MinisignSignature::parse(&sig.to_file_string(), "again").ok(),
            Some(sig)
        );
    }
    // No passphrase: an encrypted key stops before the (slow, memory-hard) KDF.
    let _ = minisign::is_secret_key(text);
    let _ = minisign::read_secret_key(text, None, "fuzz");
});
