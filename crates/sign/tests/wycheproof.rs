//! Every Wycheproof Ed25519 vector is classified as the vector says.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{testdata, unhex};
use relkit_sign::{PublicKey, Signature};
use serde_json::Value;

#[test]
fn every_ed25519_vector_is_classified_as_expected() {
    let text = std::fs::read_to_string(testdata("wycheproof/ed25519_test.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut counted = 0;
    let (mut valid, mut invalid) = (0, 0);
    for group in doc["testGroups"].as_array().unwrap() {
        let pk = unhex(group["publicKey"]["pk"].as_str().unwrap());
        let key = PublicKey::from_bytes(&pk, "wycheproof key");
        for t in group["tests"].as_array().unwrap() {
            let id = t["tcId"].as_u64().unwrap();
            let msg = unhex(t["msg"].as_str().unwrap());
            let sig = unhex(t["sig"].as_str().unwrap());
            let expected = t["result"].as_str().unwrap();
            let (strict, stream) = match (&key, Signature::from_slice(&sig, "sig")) {
                (Ok(k), Ok(s)) => (
                    k.verify(&msg, &s, "sig").is_ok(),
                    relkit_sign::raw::verify_stream_bytes(k, &msg, &s, "sig").is_ok(),
                ),
                _ => (false, false),
            };
            match expected {
                "valid" => {
                    valid += 1;
                    assert!(strict, "tcId {id} should verify: {}", t["comment"]);
                }
                "invalid" => {
                    invalid += 1;
                    assert!(!strict, "tcId {id} should be rejected: {}", t["comment"]);
                }
                other => panic!("tcId {id}: unexpected result {other}"),
            }
            assert_eq!(
                strict, stream,
                "tcId {id}: streaming and one-shot verification disagree"
            );
            counted += 1;
        }
    }
    assert_eq!(counted, doc["numberOfTests"].as_u64().unwrap() as usize);
    assert_eq!((valid, invalid), (88, 63));
}
