//! Fuzz the PEM key decoders (PKCS#8 private keys, SPKI public keys) and format detection.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Plain PKCS#8 only: an encrypted key would need a passphrase (and a slow KDF).
    if let Ok(key) = relkit_sign::SecretKey::from_pkcs8_pem(text, None, "fuzz") {
        // Whatever decodes must re-encode and decode to the same key.
        if let Ok(pem) = key.to_pkcs8_pem(None) {
            let again = relkit_sign::SecretKey::from_pkcs8_pem(&pem, None, "again");
            assert_eq!(again.ok().map(|k| k.public_key()), Some(key.public_key()));
        }
    }
    if let Ok(pk) = relkit_sign::PublicKey::from_spki_pem(text, "fuzz") {
        let again = relkit_sign::PublicKey::from_spki_pem(&pk.to_spki_pem(), "again");
        assert_eq!(again.ok(), Some(pk));
    }
    let _ = relkit_sign::PublicKey::from_spki_der(data, "fuzz");
    let _ = relkit_sign::parse_public_key(text, "fuzz");
});
