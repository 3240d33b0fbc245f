//! Fuzz the DSSE envelope decoder and the in-toto Statement decoder.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(env) = relkit_sign::Envelope::from_json(data, "fuzz") {
        let again = relkit_sign::Envelope::from_json(env.to_json(false).as_bytes(), "again");
        assert_eq!(again.ok(), Some(env.clone()));
        let key = relkit_sign::SecretKey::from_seed(&[1; 32]);
        if let Ok(policy) = relkit_sign::TrustPolicy::new(
            vec![("k".into(), key.public_key())],
            1,
            &env.payload_type,
        ) {
            let _ = policy.verify(&env);
        }
    }
    if let Ok(st) = relkit_sign::Statement::from_json(data, "fuzz") {
        let _ = st.provenance();
        let _ = st.to_json();
    }
});
