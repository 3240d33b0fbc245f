//! Key formats, files and secrecy.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relkit_sign::minisign::{self, KdfLimits};
use relkit_sign::{
    AnyPublicKey, Error, KeyFormat, MinisignPublicKey, PublicKey, SecretKey, parse_public_key,
    parse_secret_key, read_public_key, read_secret_key, write_key_pair,
};

#[test]
fn pkcs8_round_trip_plain_and_encrypted() {
    let key = SecretKey::generate().unwrap();
    let pem = key.to_pkcs8_pem(None).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    let back = SecretKey::from_pkcs8_pem(&pem, None, "k").unwrap();
    assert_eq!(back.public_key(), key.public_key());

    let enc = key.to_pkcs8_pem(Some(b"correct horse")).unwrap();
    assert!(enc.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
    assert!(matches!(
        SecretKey::from_pkcs8_pem(&enc, None, "k"),
        Err(Error::PassphraseRequired { .. })
    ));
    assert!(matches!(
        SecretKey::from_pkcs8_pem(&enc, Some(b"wrong"), "k"),
        Err(Error::WrongPassphrase { .. })
    ));
    let back = SecretKey::from_pkcs8_pem(&enc, Some(b"correct horse"), "k").unwrap();
    assert_eq!(back.public_key(), key.public_key());
}

#[test]
fn spki_round_trip_and_key_id() {
    let key = SecretKey::from_seed(&[9; 32]).public_key();
    let pem = key.to_spki_pem();
    assert_eq!(PublicKey::from_spki_pem(&pem, "p").unwrap(), key);
    assert_eq!(key.key_id().len(), 64);
    assert_eq!(key.to_spki_der().len(), 44);
    assert!(
        PublicKey::from_spki_pem(
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
            "p"
        )
        .is_err()
    );
}

#[test]
fn minisign_keys_round_trip() {
    let key = SecretKey::generate().unwrap();
    let text = minisign::write_secret_key(&key, None, KdfLimits::default()).unwrap();
    let back = minisign::read_secret_key(&text, None, "k").unwrap();
    assert_eq!(back.public_key(), key.public_key());
    assert_eq!(back.key_id(), key.key_id());

    let enc = minisign::write_secret_key(&key, Some(b"pw"), KdfLimits::INTERACTIVE).unwrap();
    assert!(matches!(
        minisign::read_secret_key(&enc, None, "k"),
        Err(Error::PassphraseRequired { .. })
    ));
    assert!(matches!(
        minisign::read_secret_key(&enc, Some(b"nope"), "k"),
        Err(Error::WrongPassphrase { .. })
    ));
    let back = minisign::read_secret_key(&enc, Some(b"pw"), "k").unwrap();
    assert_eq!(back.key_id(), key.key_id());

    let pk = MinisignPublicKey::from_secret(&key);
    let line = pk.to_file_string();
    assert!(line.starts_with(&format!(
        "untrusted comment: minisign public key {}\n",
        key.key_id()
    )));
    assert_eq!(MinisignPublicKey::parse(&line, "p").unwrap(), pk);
    assert_eq!(MinisignPublicKey::parse(&pk.to_base64(), "p").unwrap(), pk);
}

#[test]
fn format_detection() {
    let key = SecretKey::generate().unwrap();
    let pem = key.to_pkcs8_pem(None).unwrap();
    let ms = minisign::write_secret_key(&key, None, KdfLimits::default()).unwrap();
    assert_eq!(
        parse_secret_key(&pem, None, "a").unwrap().public_key(),
        key.public_key()
    );
    assert_eq!(
        parse_secret_key(&ms, None, "b").unwrap().key_id(),
        key.key_id()
    );
    assert!(parse_secret_key("hello", None, "c").is_err());
    assert!(matches!(
        parse_public_key(&key.public_key().to_spki_pem(), "p").unwrap(),
        AnyPublicKey::Spki(_)
    ));
    assert!(matches!(
        parse_public_key(&MinisignPublicKey::from_secret(&key).to_file_string(), "p").unwrap(),
        AnyPublicKey::Minisign(_)
    ));
}

#[cfg(unix)]
#[test]
fn key_files_are_private_and_atomic() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    for (format, name) in [(KeyFormat::Pkcs8, "k.pem"), (KeyFormat::Minisign, "k.key")] {
        let key = SecretKey::generate().unwrap();
        let path = dir.path().join(name);
        let pub_path = write_key_pair(&key, &path, format, None).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name}");
        assert_eq!(
            read_secret_key(&path, None).unwrap().public_key(),
            key.public_key()
        );
        assert_eq!(read_public_key(&pub_path).unwrap().key(), key.public_key());
    }
    // Only the two pairs: no temporary files left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 4);
}

#[test]
fn debug_never_shows_the_secret() {
    let seed = [0xAB; 32];
    let key = SecretKey::from_seed(&seed);
    let dbg = format!("{key:?}");
    assert!(!dbg.to_lowercase().contains("abababab"), "{dbg}");
    assert!(dbg.contains("PublicKey("));
}
