//! Property tests: round trips, and a flipped bit anywhere always fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use relkit_sign::dsse::IN_TOTO_PAYLOAD_TYPE;
use relkit_sign::minisign::{self, MinisignPublicKey, MinisignSignature};
use relkit_sign::{Envelope, PublicKey, SecretKey, Signature, TrustPolicy};

fn key(seed: [u8; 32]) -> SecretKey {
    SecretKey::from_seed(&seed)
}

/// The public key with bit `bit` flipped, if that is still a valid point (else None: also a failure).
fn flip_key(k: &PublicKey, bit: usize) -> Option<PublicKey> {
    let mut b = k.to_bytes();
    b[bit / 8 % 32] ^= 1 << (bit % 8);
    PublicKey::from_bytes(&b, "flipped").ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn raw_round_trip_and_flips(seed in any::<[u8; 32]>(), msg in proptest::collection::vec(any::<u8>(), 0..512), bit in any::<usize>()) {
        let k = key(seed);
        let pk = k.public_key();
        let sig = k.sign(&msg);
        prop_assert!(pk.verify(&msg, &sig, "s").is_ok());
        prop_assert!(relkit_sign::raw::verify_stream_bytes(&pk, &msg, &sig, "s").is_ok());
        // Flip a bit in the signature.
        let mut s = sig.to_bytes();
        s[bit / 8 % 64] ^= 1 << (bit % 8);
        prop_assert!(pk.verify(&msg, &Signature::from_slice(&s, "s").unwrap(), "s").is_err());
        // Flip a bit in the message.
        if !msg.is_empty() {
            let mut m = msg.clone();
            let i = bit / 8 % m.len();
            m[i] ^= 1 << (bit % 8);
            prop_assert!(pk.verify(&m, &sig, "s").is_err());
        }
        // Flip a bit in the key.
        if let Some(other) = flip_key(&pk, bit) {
            prop_assert!(other.verify(&msg, &sig, "s").is_err());
        }
    }

    #[test]
    fn dsse_round_trip_and_flips(
        seed in any::<[u8; 32]>(),
        payload in proptest::collection::vec(any::<u8>(), 0..256),
        ptype in "[a-z/+.-]{1,40}",
        bit in any::<usize>(),
    ) {
        let k = key(seed);
        let env = Envelope::sign(&ptype, payload.clone(), &[&k]);
        let parsed = Envelope::from_json(env.to_json(false).as_bytes(), "e").unwrap();
        prop_assert_eq!(&parsed, &env);
        let policy = TrustPolicy::new(vec![("k".into(), k.public_key())], 1, &ptype).unwrap();
        prop_assert!(policy.verify(&parsed).is_ok());

        // payload
        if !payload.is_empty() {
            let mut e = env.clone();
            let i = bit / 8 % payload.len();
            e.payload[i] ^= 1 << (bit % 8);
            prop_assert!(policy.verify(&e).is_err());
        }
        // payloadType: checked against the signature, not only the policy.
        let mut pt = ptype.clone().into_bytes();
        let i = bit / 8 % pt.len();
        pt[i] ^= 1 << (bit % 7); // stays ASCII
        let pt = String::from_utf8(pt).unwrap();
        let mut e = env.clone();
        e.payload_type = pt.clone();
        let lax = TrustPolicy::new(vec![("k".into(), k.public_key())], 1, &pt).unwrap();
        prop_assert!(lax.verify(&e).is_err());
        prop_assert!(policy.verify(&e).is_err());
        // signature
        let mut e = env.clone();
        e.signatures[0].sig[bit / 8 % 64] ^= 1 << (bit % 8);
        prop_assert!(policy.verify(&e).is_err());
        // key
        if let Some(other) = flip_key(&k.public_key(), bit) {
            let p = TrustPolicy::new(vec![("k".into(), other)], 1, &ptype).unwrap();
            prop_assert!(p.verify(&env).is_err());
        }
    }

    #[test]
    fn minisign_round_trip_and_flips(
        seed in any::<[u8; 32]>(),
        data in proptest::collection::vec(any::<u8>(), 0..512),
        comment in "[ -~]{0,60}",
        bit in any::<usize>(),
    ) {
        let k = key(seed);
        let pk = MinisignPublicKey::from_secret(&k);
        let sig = minisign::sign_bytes(&k, &data, &comment);
        let parsed = MinisignSignature::parse(&sig.to_file_string(), "s").unwrap();
        prop_assert_eq!(&parsed, &sig);
        prop_assert!(minisign::verify_bytes(&pk, &data, &parsed, "s").is_ok());
        if !data.is_empty() {
            let mut d = data.clone();
            let i = bit / 8 % d.len();
            d[i] ^= 1 << (bit % 8);
            prop_assert!(minisign::verify_bytes(&pk, &d, &sig, "s").is_err());
        }
        let mut s = sig.clone();
        let mut b = s.signature.to_bytes();
        b[bit / 8 % 64] ^= 1 << (bit % 8);
        s.signature = Signature::from_slice(&b, "s").unwrap();
        prop_assert!(minisign::verify_bytes(&pk, &data, &s, "s").is_err());
        let mut s = sig.clone();
        s.trusted_comment.push('x');
        prop_assert!(minisign::verify_bytes(&pk, &data, &s, "s").is_err());
        if let Some(other) = flip_key(&pk.key, bit) {
            let opk = MinisignPublicKey { key_id: pk.key_id, key: other };
            prop_assert!(minisign::verify_bytes(&opk, &data, &sig, "s").is_err());
        }
    }

    #[test]
    fn threshold_counts_distinct_keys_only(
        seeds in proptest::collection::vec(any::<[u8; 32]>(), 1..5),
        dup in 1usize..4,
        signers in proptest::collection::vec(any::<proptest::sample::Index>(), 0..8),
    ) {
        let keys: Vec<SecretKey> = seeds.iter().map(|s| key(*s)).collect();
        // Every key listed `dup` times under different names.
        let mut trusted = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            for j in 0..dup {
                trusted.push((format!("k{i}-{j}"), k.public_key()));
            }
        }
        let signing: Vec<&SecretKey> = signers.iter().map(|ix| ix.get(&keys)).collect();
        let env = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, b"p".to_vec(), &signing);
        let distinct_keys: std::collections::BTreeSet<[u8; 32]> = keys.iter().map(|k| k.public_key().to_bytes()).collect();
        let distinct_signers: std::collections::BTreeSet<[u8; 32]> = signing.iter().map(|k| k.public_key().to_bytes()).collect();
        for threshold in 1..=distinct_keys.len() {
            let policy = TrustPolicy::new(trusted.clone(), threshold, IN_TOTO_PAYLOAD_TYPE).unwrap();
            let result = policy.verify(&env);
            prop_assert_eq!(result.is_ok(), distinct_signers.len() >= threshold);
            if let Ok(v) = result {
                prop_assert_eq!(v.signed_by.len(), distinct_signers.len());
            }
        }
    }

    #[test]
    fn pem_round_trip(seed in any::<[u8; 32]>()) {
        let k = key(seed);
        let pem = k.to_pkcs8_pem(None).unwrap();
        prop_assert_eq!(SecretKey::from_pkcs8_pem(&pem, None, "k").unwrap().public_key(), k.public_key());
        let spki = k.public_key().to_spki_pem();
        prop_assert_eq!(PublicKey::from_spki_pem(&spki, "p").unwrap(), k.public_key());
    }
}
