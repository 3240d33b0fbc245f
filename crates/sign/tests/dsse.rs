//! DSSE conformance: PAE vectors and the Ed25519 envelope cases of the shared testdata.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use base64::Engine as _;
use common::{testdata, unhex};
use relkit_sign::dsse::{IN_TOTO_PAYLOAD_TYPE, pae};
use relkit_sign::{Envelope, Error, PublicKey, SecretKey, TrustPolicy};
use serde_json::Value;

fn load(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(testdata(rel)).unwrap()).unwrap()
}

#[test]
fn pae_vectors() {
    let cases = load("dsse/pae.json");
    let cases = cases.as_array().unwrap();
    assert!(cases.len() >= 5);
    for c in cases {
        let payload = base64::engine::general_purpose::STANDARD
            .decode(c["payloadBase64"].as_str().unwrap())
            .unwrap();
        let got = pae(c["payloadType"].as_str().unwrap(), &payload);
        assert_eq!(
            got,
            unhex(c["paeHex"].as_str().unwrap()),
            "{}",
            c["description"]
        );
        if let Some(utf8) = c["paeUtf8"].as_str() {
            assert_eq!(got, utf8.as_bytes(), "{}", c["description"]);
        }
    }
}

#[test]
fn spec_example_envelope_parses_and_pae_matches() {
    let ex = load("dsse/spec-example-envelope.json");
    let env = Envelope::from_json(ex["envelope"].to_string().as_bytes(), "spec example").unwrap();
    assert_eq!(env.payload_type, ex["payloadType"].as_str().unwrap());
    assert_eq!(env.payload, ex["payloadUtf8"].as_str().unwrap().as_bytes());
    assert_eq!(
        pae(&env.payload_type, &env.payload),
        ex["pae"].as_str().unwrap().as_bytes()
    );
    // ECDSA P-256 is not an algorithm of ours: trusting an Ed25519 key, it must not verify.
    let key = SecretKey::from_seed(&[7; 32]).public_key();
    let policy = TrustPolicy::new(vec![("k".into(), key)], 1, &env.payload_type).unwrap();
    assert!(policy.verify(&env).is_err());
}

#[test]
fn generated_ed25519_envelopes() {
    let doc = load("dsse/generated/ed25519-envelopes.json");
    let keys = &doc["keys"];
    // Re-signing with the RFC 8032 keys reproduces the first case byte for byte.
    let sk1 = SecretKey::from_seed(
        &unhex(keys["rfc8032-test1"]["secretKeyHex"].as_str().unwrap())
            .try_into()
            .unwrap(),
    );
    assert_eq!(
        common::hex(&sk1.public_key().to_bytes()),
        keys["rfc8032-test1"]["publicKeyHex"].as_str().unwrap()
    );
    let payload = doc["payloadUtf8"].as_str().unwrap().as_bytes().to_vec();
    assert_eq!(
        common::hex(&pae(IN_TOTO_PAYLOAD_TYPE, &payload)),
        doc["paeHexForBasePayload"].as_str().unwrap()
    );
    let ours = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, payload, &[&sk1]);
    let first = &doc["cases"][0]["envelope"];
    assert_eq!(
        base64::engine::general_purpose::STANDARD.encode(&ours.signatures[0].sig),
        first["signatures"][0]["sig"].as_str().unwrap()
    );

    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 16);
    for c in cases {
        let desc = c["description"].as_str().unwrap();
        let trusted: Vec<(String, PublicKey)> = c["trustedPublicKeys"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, k)| {
                (
                    format!("key{i}"),
                    PublicKey::from_bytes(&unhex(k.as_str().unwrap()), "k").unwrap(),
                )
            })
            .collect();
        let threshold = c["threshold"].as_u64().unwrap() as usize;
        let verdict =
            Envelope::from_json(c["envelope"].to_string().as_bytes(), desc).and_then(|env| {
                TrustPolicy::new(trusted.clone(), threshold, IN_TOTO_PAYLOAD_TYPE)?.verify(&env)
            });
        match c["expected"].as_str().unwrap() {
            "valid" => {
                let v = verdict.unwrap_or_else(|e| panic!("{desc}: should verify, got {e}"));
                assert_eq!(v.signed_by.len(), threshold.max(1), "{desc}");
            }
            "invalid" => assert!(verdict.is_err(), "{desc}: should be rejected"),
            other => panic!("{desc}: unexpected expectation {other}"),
        }
    }
}

#[test]
fn the_same_key_listed_twice_counts_once() {
    let a = SecretKey::from_seed(&[1; 32]);
    let b = SecretKey::from_seed(&[2; 32]);
    let env = Envelope::sign("t", b"x".to_vec(), &[&a, &a]);
    // a listed under two names: a policy of 2 cannot be met by a alone.
    let keys = vec![
        ("a".to_string(), a.public_key()),
        ("a-again".to_string(), a.public_key()),
        ("b".to_string(), b.public_key()),
    ];
    let policy = TrustPolicy::new(keys.clone(), 2, "t").unwrap();
    assert!(matches!(
        policy.verify(&env),
        Err(Error::ThresholdNotMet {
            threshold: 2,
            found: 1
        })
    ));
    // With b's signature too, it is met, and a is reported once.
    let env2 = Envelope::sign("t", b"x".to_vec(), &[&a, &b]);
    assert_eq!(policy.verify(&env2).unwrap().signed_by, ["a", "b"]);
    // A policy whose threshold exceeds the distinct keys is refused up front.
    let dup = vec![keys[0].clone(), keys[1].clone()];
    assert!(matches!(
        TrustPolicy::new(dup, 2, "t"),
        Err(Error::Policy { .. })
    ));
    assert!(matches!(
        TrustPolicy::new(keys, 0, "t"),
        Err(Error::Policy { .. })
    ));
}

#[test]
fn payload_type_is_enforced() {
    let a = SecretKey::from_seed(&[1; 32]);
    let env = Envelope::sign("text/plain", b"x".to_vec(), &[&a]);
    let policy =
        TrustPolicy::new(vec![("a".into(), a.public_key())], 1, IN_TOTO_PAYLOAD_TYPE).unwrap();
    assert!(matches!(
        policy.verify(&env),
        Err(Error::PayloadType { .. })
    ));
}

#[test]
fn json_round_trip_and_unknown_fields() {
    let a = SecretKey::from_seed(&[3; 32]);
    let env = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, b"{}".to_vec(), &[&a]);
    let json = env.to_json(false);
    assert_eq!(Envelope::from_json(json.as_bytes(), "ours").unwrap(), env);
    let mut v: Value = serde_json::from_str(&json).unwrap();
    v["extra"] = Value::from(1);
    v["signatures"][0]["other"] = Value::from("x");
    assert_eq!(
        Envelope::from_json(v.to_string().as_bytes(), "extra").unwrap(),
        env
    );
    assert!(Envelope::from_json(b"{}", "empty").is_err());
    assert!(Envelope::from_json(b"not json", "junk").is_err());
}
