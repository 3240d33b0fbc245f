//! Interop with the real peers: openssl, minisign and an independent DSSE verifier
//! (Python `cryptography`, written here from the DSSE spec). With `CI` set, a missing
//! peer fails the test; without it, the test prints a note and skips.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{peer, python_module, run};
use relkit_sign::minisign::{self, KdfLimits, MinisignPublicKey, MinisignSignature};
use relkit_sign::{PublicKey, SecretKey, raw};

fn openssl() -> bool {
    peer("openssl", &["version"])
}

fn minisign_peer() -> bool {
    peer("minisign", &["-v"])
}

fn write_file(dir: &Path, name: &str, len: usize) -> std::path::PathBuf {
    let p = dir.join(name);
    let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(&p, data).unwrap();
    p
}

fn openssl_verifies(pub_pem: &Path, file: &Path, sig: &Path) -> bool {
    let out = Command::new("openssl")
        .args(["pkeyutl", "-verify", "-pubin", "-inkey"])
        .arg(pub_pem)
        .arg("-rawin")
        .arg("-in")
        .arg(file)
        .arg("-sigfile")
        .arg(sig)
        .output()
        .unwrap();
    out.status.success()
        && String::from_utf8_lossy(&out.stdout).contains("Signature Verified Successfully")
}

#[test]
fn openssl_keys_and_raw_signatures_both_ways() {
    if !openssl() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = write_file(d, "artifact.bin", 3 << 20 | 123);

    // openssl makes a key (plain and passphrase-encrypted); we read it and sign.
    run(Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519", "-out"])
        .arg(d.join("o.pem")));
    run(Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "ed25519",
            "-aes256",
            "-pass",
            "pass:s3cret",
            "-out",
        ])
        .arg(d.join("oe.pem")));
    run(Command::new("openssl")
        .arg("pkey")
        .arg("-in")
        .arg(d.join("o.pem"))
        .arg("-pubout")
        .arg("-out")
        .arg(d.join("o.pub.pem")));
    run(Command::new("openssl")
        .arg("pkey")
        .arg("-in")
        .arg(d.join("oe.pem"))
        .args(["-passin", "pass:s3cret", "-pubout", "-out"])
        .arg(d.join("oe.pub.pem")));
    let o = relkit_sign::read_secret_key(&d.join("o.pem"), None).unwrap();
    assert!(matches!(
        relkit_sign::read_secret_key(&d.join("oe.pem"), None),
        Err(relkit_sign::Error::PassphraseRequired { .. })
    ));
    assert!(relkit_sign::read_secret_key(&d.join("oe.pem"), Some(b"wrong")).is_err());
    let oe = relkit_sign::read_secret_key(&d.join("oe.pem"), Some(b"s3cret")).unwrap();
    for (key, pub_pem) in [(&o, d.join("o.pub.pem")), (&oe, d.join("oe.pub.pem"))] {
        let ours_pub =
            PublicKey::from_spki_pem(&std::fs::read_to_string(&pub_pem).unwrap(), "pub").unwrap();
        assert_eq!(ours_pub, key.public_key());
        assert_eq!(
            key.public_key().to_spki_pem(),
            std::fs::read_to_string(&pub_pem).unwrap()
        );
        let sig = raw::sign_file(key, &file, &mut |_| {}).unwrap();
        let sig_path = d.join("ours.sig");
        std::fs::write(&sig_path, sig.to_bytes()).unwrap();
        assert!(
            openssl_verifies(&pub_pem, &file, &sig_path),
            "openssl rejects our signature"
        );
        // One flipped bit: openssl rejects it too.
        let mut bad = sig.to_bytes();
        bad[5] ^= 1;
        std::fs::write(&sig_path, bad).unwrap();
        assert!(!openssl_verifies(&pub_pem, &file, &sig_path));
    }

    // openssl signs; we verify (and our one-shot signature is byte-identical: Ed25519 is deterministic).
    let osig = d.join("openssl.sig");
    run(Command::new("openssl")
        .args(["pkeyutl", "-sign", "-inkey"])
        .arg(d.join("o.pem"))
        .arg("-rawin")
        .arg("-in")
        .arg(&file)
        .arg("-out")
        .arg(&osig));
    let sig = raw::read_signature(&osig).unwrap();
    raw::verify_file(&o.public_key(), &file, &sig, "openssl.sig", &mut |_| {}).unwrap();
    assert_eq!(sig, raw::sign_file(&o, &file, &mut |_| {}).unwrap());
    assert!(raw::verify_file(&oe.public_key(), &file, &sig, "openssl.sig", &mut |_| {}).is_err());
}

#[test]
fn openssl_reads_our_pkcs8_keys() {
    if !openssl() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = write_file(d, "f", 1000);
    let key = SecretKey::generate().unwrap();
    for (name, pass) in [("plain.pem", None), ("enc.pem", Some(&b"pa55"[..]))] {
        let path = d.join(name);
        relkit_sign::write_key_pair(&key, &path, relkit_sign::KeyFormat::Pkcs8, pass).unwrap();
        let mut cmd = Command::new("openssl");
        cmd.arg("pkey").arg("-in").arg(&path).arg("-pubout");
        if pass.is_some() {
            cmd.args(["-passin", "pass:pa55"]);
        }
        assert_eq!(run(&mut cmd), key.public_key().to_spki_pem(), "{name}");
        // openssl signs with our key; the signature is the one we make.
        let mut cmd = Command::new("openssl");
        cmd.args(["pkeyutl", "-sign", "-inkey"])
            .arg(&path)
            .arg("-rawin")
            .arg("-in")
            .arg(&file)
            .arg("-out")
            .arg(d.join("s"));
        if pass.is_some() {
            cmd.args(["-passin", "pass:pa55"]);
        }
        run(&mut cmd);
        assert_eq!(
            std::fs::read(d.join("s")).unwrap(),
            key.sign(&std::fs::read(&file).unwrap()).to_bytes()
        );
    }
}

fn minisign_verify(pub_path: &Path, file: &Path, sig: &Path) -> bool {
    Command::new("minisign")
        .arg("-V")
        .arg("-p")
        .arg(pub_path)
        .arg("-m")
        .arg(file)
        .arg("-x")
        .arg(sig)
        .arg("-q")
        .status()
        .unwrap()
        .success()
}

fn minisign_with_stdin(args: &[&std::ffi::OsStr], stdin: &str) {
    let mut child = Command::new("minisign")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "minisign {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn minisign_both_ways_with_keys_made_by_either_side() {
    if !minisign_peer() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = write_file(d, "release.tar.gz", 2 << 20 | 7);

    // Keys made by minisign (-W: unencrypted).
    run(Command::new("minisign")
        .args(["-G", "-W", "-p"])
        .arg(d.join("m.pub"))
        .arg("-s")
        .arg(d.join("m.key")));
    let mkey = relkit_sign::read_secret_key(&d.join("m.key"), None).unwrap();
    let mpub =
        MinisignPublicKey::parse(&std::fs::read_to_string(d.join("m.pub")).unwrap(), "m.pub")
            .unwrap();
    assert_eq!(mpub, MinisignPublicKey::from_secret(&mkey));

    // Keys made by us: unencrypted, and encrypted (small scrypt limits, which minisign reads from the file).
    let ours = SecretKey::generate().unwrap();
    relkit_sign::write_key_pair(
        &ours,
        &d.join("r.key"),
        relkit_sign::KeyFormat::Minisign,
        None,
    )
    .unwrap();
    std::fs::write(
        d.join("re.key"),
        minisign::write_secret_key(&ours, Some(b"hunter2"), KdfLimits::INTERACTIVE)
            .unwrap()
            .as_bytes(),
    )
    .unwrap();

    for (key, pub_path) in [(&mkey, d.join("m.pub")), (&ours, d.join("r.key.pub"))] {
        // We sign, minisign verifies.
        let sig = minisign::sign_file(
            key,
            &file,
            &minisign::default_trusted_comment(1_700_000_000, "release.tar.gz"),
            &mut |_| {},
        )
        .unwrap();
        let sig_path = d.join("ours.minisig");
        std::fs::write(&sig_path, sig.to_file_string()).unwrap();
        assert!(
            minisign_verify(&pub_path, &file, &sig_path),
            "minisign rejects our signature"
        );
        // A changed trusted comment breaks the global signature, for minisign too.
        let mut tampered = sig.clone();
        tampered.trusted_comment.push('!');
        std::fs::write(&sig_path, tampered.to_file_string()).unwrap();
        assert!(!minisign_verify(&pub_path, &file, &sig_path));
    }

    // minisign signs with its key and with ours (unencrypted and encrypted); we verify.
    let cases: [(&str, Option<&str>, &SecretKey); 3] = [
        ("m.key", None, &mkey),
        ("r.key", None, &ours),
        ("re.key", Some("hunter2\n"), &ours),
    ];
    for (key_file, password, key) in cases {
        let sig_path = d.join(format!("{key_file}.minisig"));
        let k = d.join(key_file);
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "-S".as_ref(),
            "-s".as_ref(),
            k.as_os_str(),
            "-m".as_ref(),
            file.as_os_str(),
            "-x".as_ref(),
            sig_path.as_os_str(),
        ];
        if password.is_none() {
            args.insert(1, "-W".as_ref());
        }
        minisign_with_stdin(&args, password.unwrap_or(""));
        let text = std::fs::read_to_string(&sig_path).unwrap();
        let sig = MinisignSignature::parse(&text, key_file).unwrap();
        assert!(sig.prehashed);
        let pk = MinisignPublicKey::from_secret(key);
        minisign::verify_file(&pk, &file, &sig, key_file, &mut |_| {}).unwrap();
        // Same bytes and comment signed by us give the same signature line.
        let again = minisign::sign_file(key, &file, &sig.trusted_comment, &mut |_| {}).unwrap();
        assert_eq!(again.signature, sig.signature);
        assert_eq!(again.global_signature, sig.global_signature);
        // Another key's public key is refused.
        assert!(
            minisign::verify_file(
                &MinisignPublicKey::from_secret(&SecretKey::generate().unwrap()),
                &file,
                &sig,
                key_file,
                &mut |_| {}
            )
            .is_err()
        );
    }

    // Legacy (-l, not prehashed) signatures verify too.
    let legacy = d.join("legacy.minisig");
    run(Command::new("minisign")
        .args(["-S", "-l", "-W", "-s"])
        .arg(d.join("m.key"))
        .arg("-m")
        .arg(&file)
        .arg("-x")
        .arg(&legacy));
    let sig =
        MinisignSignature::parse(&std::fs::read_to_string(&legacy).unwrap(), "legacy").unwrap();
    assert!(!sig.prehashed);
    minisign::verify_file(&mpub, &file, &sig, "legacy", &mut |_| {}).unwrap();
}

#[test]
fn minisign_encrypted_key_made_by_minisign() {
    if !minisign_peer() {
        return;
    }
    // minisign -G encrypts with scrypt at 1 GiB (N = 2^20): the workspace
    // builds scrypt optimized even for tests, so this takes seconds.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let args: Vec<std::ffi::OsString> = vec![
        "-G".into(),
        "-p".into(),
        d.join("e.pub").into(),
        "-s".into(),
        d.join("e.key").into(),
    ];
    let argrefs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    minisign_with_stdin(&argrefs, "pw\npw\n");
    let key = relkit_sign::read_secret_key(&d.join("e.key"), Some(b"pw")).unwrap();
    let pk = MinisignPublicKey::parse(&std::fs::read_to_string(d.join("e.pub")).unwrap(), "e.pub")
        .unwrap();
    assert_eq!(pk, MinisignPublicKey::from_secret(&key));
    assert!(matches!(
        relkit_sign::read_secret_key(&d.join("e.key"), Some(b"nope")),
        Err(relkit_sign::Error::WrongPassphrase { .. })
    ));
}

/// An independent DSSE verifier written from the DSSE protocol spec, using only
/// Python's `cryptography` (OpenSSL) for Ed25519.
const PY_DSSE_VERIFY: &str = include_str!("dsse_verify.py");

#[test]
fn python_dsse_verifier_accepts_our_envelopes() {
    if !python_module("cryptography") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = write_file(d, "app.tar.gz", 5000);
    let a = SecretKey::generate().unwrap();
    let b = SecretKey::generate().unwrap();
    let c = SecretKey::generate().unwrap();
    for (name, k) in [("a.pub", &a), ("b.pub", &b), ("c.pub", &c)] {
        std::fs::write(d.join(name), k.public_key().to_spki_pem()).unwrap();
    }
    let subjects = relkit_sign::intoto::subjects_for_files(&[file], &|_, _| {}).unwrap();
    let prov =
        relkit_sign::Provenance::new("https://relkit.dev/build/v1", "https://ci.example.com");
    let env = relkit_sign::Statement::slsa(subjects, &prov).sign(&[&a, &b]);
    std::fs::write(d.join("env.json"), env.to_json(true)).unwrap();
    std::fs::write(d.join("verify.py"), PY_DSSE_VERIFY).unwrap();
    let verify = |threshold: &str, keys: &[&str]| {
        Command::new("python3")
            .arg(d.join("verify.py"))
            .arg(d.join("env.json"))
            .arg(threshold)
            .args(keys.iter().map(|k| d.join(k)))
            .output()
            .unwrap()
    };
    let out = verify("2", &["a.pub", "b.pub", "c.pub"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "2");
    assert!(!verify("3", &["a.pub", "b.pub", "c.pub"]).status.success());
    assert!(!verify("1", &["c.pub"]).status.success());
    // Tampering with the payloadType breaks it for the independent verifier too.
    let mut tampered = env.clone();
    tampered.payload_type = "application/vnd.in-toto+jsoN".into();
    std::fs::write(d.join("env.json"), tampered.to_json(true)).unwrap();
    assert!(!verify("1", &["a.pub"]).status.success());
}
