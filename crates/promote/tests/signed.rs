//! The `signed` requirement: DSSE envelopes over an in-toto statement naming
//! the artifact, verified with relkit-sign against the pipeline's trust policy.
#![cfg(feature = "sign")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{at, file};
use relkit_promote::{
    AttachmentKind, Outcome, Pipeline, Promote, PushOptions, Releases, Store, Unmet,
};
use relkit_sign::{ResourceDescriptor, SecretKey, Statement};

fn sign(key: &SecretKey, digest_hex: &str) -> Vec<u8> {
    let st = Statement::new(
        vec![ResourceDescriptor::subject("app", digest_hex)],
        "https://relkit.dev/promotion/v1",
        serde_json::json!({}),
    );
    st.sign(&[key]).to_json(false).into_bytes()
}

#[test]
fn threshold_of_trusted_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (ci, release, stranger) = (
        SecretKey::generate().unwrap(),
        SecretKey::generate().unwrap(),
        SecretKey::generate().unwrap(),
    );
    std::fs::write(dir.path().join("ci.pub"), ci.public_key().to_spki_pem()).unwrap();
    std::fs::write(
        dir.path().join("release.pub"),
        release.public_key().to_spki_pem(),
    )
    .unwrap();
    let pfile = file(
        dir.path(),
        "pipeline.toml",
        b"[environments.dev]\n[environments.prod]\nupstream=[\"dev\"]\n[environments.prod.signed]\nthreshold=2\nkeys={ci=\"ci.pub\",release=\"release.pub\"}\n",
    );
    let pipeline = Pipeline::load(&pfile).unwrap();
    let store = Store::create(dir.path().join("s")).unwrap();
    let app = file(dir.path(), "app.bin", b"app");
    let p = store
        .push_files(
            &[app],
            &PushOptions {
                tag: Some("v1".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let other = file(dir.path(), "other.bin", b"other");
    let q = store
        .push_files(
            &[other],
            &PushOptions {
                tag: Some("v2".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let r = Releases::new(store, pipeline);
    let ask = |env: &str| Promote {
        reference: "v1".into(),
        environment: env.into(),
        actor: "ci".into(),
        ..Default::default()
    };
    assert!(matches!(
        r.promote(&ask("dev"), at(0)).unwrap(),
        Outcome::Promoted(_)
    ));
    let attach = |name: &str, bytes: Vec<u8>| {
        let f = file(dir.path(), name, &bytes);
        r.store()
            .attach("v1", &f, AttachmentKind::Signature, None)
            .unwrap();
    };
    // A stranger's signature, and a trusted signature over another artifact, do not count.
    attach("s1.dsse.json", sign(&stranger, &p.digest.hex()));
    attach("s2.dsse.json", sign(&ci, &q.digest.hex()));
    attach("s3.dsse.json", sign(&ci, &p.digest.hex()));
    let Outcome::Denied(u) = r.promote(&ask("prod"), at(1)).unwrap() else {
        panic!()
    };
    assert_eq!(
        u,
        [Unmet::Signatures {
            threshold: 2,
            found: vec!["ci".into()]
        }]
    );
    assert!(
        u[0].to_string()
            .contains("1 trusted key(s) signed (ci), 2 required")
    );
    attach("s4.dsse.json", sign(&release, &p.digest.hex()));
    let Outcome::Promoted(rec) = r.promote(&ask("prod"), at(2)).unwrap() else {
        panic!()
    };
    assert_eq!(
        rec.evidence.signed_by.iter().collect::<Vec<_>>(),
        ["ci", "release"]
    );
    r.verify().unwrap();
}
