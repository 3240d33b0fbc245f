//! Promotion through environments: gates, forced promotions, rollback, the
//! hash-chained history and what tampering with it does.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;

use common::{at, file};
use relkit_promote::{
    AttachmentKind, CheckStatus, Error, Outcome, Pipeline, Promote, PushOptions, RecordKind,
    Releases, Store, Unmet,
};

fn setup(pipeline: Pipeline) -> (tempfile::TempDir, Releases) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path().join("s")).unwrap();
    for (tag, content) in [("v1", &b"one"[..]), ("v2", b"two"), ("v3", b"three")] {
        let f = file(dir.path(), "app.bin", content);
        store
            .push_files(
                &[f],
                &PushOptions {
                    tag: Some(tag.into()),
                    author: Some("alice".into()),
                    ..Default::default()
                },
            )
            .unwrap();
    }
    (dir, Releases::new(store, pipeline))
}

fn ask(reference: &str, env: &str) -> Promote {
    Promote {
        reference: reference.into(),
        environment: env.into(),
        actor: "ci".into(),
        ..Default::default()
    }
}

fn promoted(o: Outcome) -> relkit_promote::Record {
    match o {
        Outcome::Promoted(r) => *r,
        Outcome::Denied(u) => panic!("denied: {u:?}"),
    }
}

fn denied(o: Outcome) -> Vec<Unmet> {
    match o {
        Outcome::Denied(u) => u,
        Outcome::Promoted(r) => panic!("promoted: {r:?}"),
    }
}

#[test]
fn default_pipeline_needs_the_upstream_and_rolls_back() {
    let (_d, r) = setup(Pipeline::default());
    let u = denied(r.promote(&ask("v1", "staging"), at(0)).unwrap());
    assert!(
        matches!(&u[..], [Unmet::NotInUpstream { upstreams }] if upstreams == &["dev"]),
        "{u:?}"
    );
    let u = denied(r.promote(&ask("v1", "qa"), at(0)).unwrap());
    assert!(matches!(&u[..], [Unmet::UnknownEnvironment { .. }]));
    let rec = promoted(r.promote(&ask("v1", "dev"), at(0)).unwrap());
    assert_eq!(
        (rec.seq, rec.kind, rec.previous),
        (1, RecordKind::Promotion, None)
    );
    promoted(r.promote(&ask("v1", "staging"), at(1)).unwrap());
    promoted(r.promote(&ask("v1", "prod"), at(2)).unwrap());
    let u = denied(r.promote(&ask("v1", "prod"), at(3)).unwrap());
    assert_eq!(u, [Unmet::AlreadyCurrent]);
    for (i, env) in ["dev", "staging", "prod"].iter().enumerate() {
        promoted(r.promote(&ask("v2", env), at(10 + i as i64)).unwrap());
    }
    let v1 = r.store().resolve("v1").unwrap().digest;
    let v2 = r.store().resolve("v2").unwrap().digest;
    let rb = r
        .rollback("prod", "oncall", Some("error rate".into()), at(20))
        .unwrap();
    assert_eq!(
        (rb.kind, rb.digest, rb.previous),
        (RecordKind::Rollback, v1, Some(v2))
    );
    assert_eq!(rb.tag.as_deref(), Some("v1"));
    assert_eq!(r.state().unwrap().current("prod").unwrap().digest, v1);
    let e = r.rollback("prod", "oncall", None, at(21)).unwrap_err();
    assert!(e.to_string().contains("no previous digest"), "{e}");
    let status = r.status().unwrap();
    assert_eq!(
        status.iter().map(|(e, _)| e.as_str()).collect::<Vec<_>>(),
        ["dev", "staging", "prod"]
    );
    assert_eq!(status[0].1.as_ref().unwrap().digest, v2);
    assert_eq!(r.verify().unwrap().records, 7);
}

#[test]
fn gates_list_every_unmet_requirement_and_force_needs_a_reason() {
    let pipeline = Pipeline::from_toml(
        r#"
[environments.dev]
[environments.prod]
upstream = ["dev"]
soak = "1h"
approvals = 2
checks = ["tests", "scan"]
sbom = true
"#,
        "p.toml",
    )
    .unwrap();
    let (dir, r) = setup(pipeline);
    promoted(r.promote(&ask("v1", "dev"), at(0)).unwrap());
    let mut a = ask("v1", "prod");
    a.approvals = vec!["alice".into(), "bob".into(), "bob".into()];
    a.checks = BTreeMap::from([
        ("tests".to_owned(), CheckStatus::Pass),
        ("scan".to_owned(), CheckStatus::Fail),
    ]);
    let u = denied(r.promote(&a, at(60)).unwrap());
    let text: Vec<String> = u.iter().map(ToString::to_string).collect();
    assert_eq!(u.len(), 4, "{text:?}");
    assert!(
        matches!(&u[0], Unmet::Soak { upstream, .. } if upstream == "dev"),
        "{text:?}"
    );
    assert_eq!(u[1], Unmet::Sbom);
    assert!(
        matches!(&u[2], Unmet::Approvals { required: 2, counted, author: Some(x) } if counted == &["bob"] && x == "alice"),
        "{text:?}"
    );
    assert_eq!(
        u[3],
        Unmet::CheckFailed {
            name: "scan".into()
        }
    );
    assert!(text[0].contains("1m") && text[0].contains("1h"), "{text:?}");
    assert!(
        text[2].contains("author \"alice\" cannot approve"),
        "{text:?}"
    );
    // Force without a reason is refused; with one it is recorded as forced.
    a.force = true;
    let u = denied(r.promote(&a, at(60)).unwrap());
    assert!(u.contains(&Unmet::ForceWithoutReason));
    a.reason = Some("hotfix for incident 42".into());
    let rec = promoted(r.promote(&a, at(60)).unwrap());
    assert_eq!(rec.kind, RecordKind::Forced);
    assert_eq!(rec.reason.as_deref(), Some("hotfix for incident 42"));
    assert_eq!(rec.evidence.overridden.len(), 4);
    // Meet every requirement for v2 and it goes through, evidence recorded.
    promoted(r.promote(&ask("v2", "dev"), at(100)).unwrap());
    let sbom = file(dir.path(), "sbom.json", b"{}");
    let s = r
        .store()
        .attach("v2", &sbom, AttachmentKind::Sbom, None)
        .unwrap();
    let mut b = ask("v2", "prod");
    b.approvals = vec!["bob".into(), "carol".into()];
    b.checks = BTreeMap::from([
        ("tests".to_owned(), CheckStatus::Pass),
        ("scan".to_owned(), CheckStatus::Pass),
    ]);
    let u = denied(r.promote(&b, at(100 + 3599)).unwrap());
    assert!(matches!(&u[..], [Unmet::Soak { .. }]), "{u:?}");
    let rec = promoted(r.promote(&b, at(100 + 3600)).unwrap());
    assert_eq!(rec.kind, RecordKind::Promotion);
    assert_eq!(rec.evidence.sboms, [s.digest]);
    assert_eq!(rec.evidence.approvals.len(), 2);
    r.verify().unwrap();
}

#[test]
fn fan_out_to_regions() {
    let pipeline = Pipeline::from_toml(
        "[environments.staging]\n[environments.eu]\nupstream=[\"staging\"]\n[environments.us]\nupstream=[\"staging\"]\n[environments.global]\nupstream=[\"eu\",\"us\"]\n",
        "p.toml",
    )
    .unwrap();
    let (_d, r) = setup(pipeline);
    promoted(r.promote(&ask("v1", "staging"), at(0)).unwrap());
    promoted(r.promote(&ask("v1", "us"), at(1)).unwrap());
    promoted(r.promote(&ask("v1", "global"), at(2)).unwrap());
    promoted(r.promote(&ask("v1", "eu"), at(3)).unwrap());
    assert_eq!(r.pipeline().order(), ["staging", "eu", "us", "global"]);
}

#[test]
fn tampered_history_is_detected() {
    let (dir, r) = setup(Pipeline::default());
    for (i, t) in ["v1", "v2", "v3"].iter().enumerate() {
        promoted(r.promote(&ask(t, "dev"), at(i as i64)).unwrap());
    }
    let path = dir.path().join("s/.relkit/history.jsonl");
    let head = dir.path().join("s/.relkit/history.head");
    let original = std::fs::read_to_string(&path).unwrap();
    let original_head = std::fs::read_to_string(&head).unwrap();
    let lines: Vec<&str> = original.lines().collect();
    let cases: Vec<(&str, String)> = vec![
        (
            "edited actor",
            original.replacen("\"actor\":\"ci\"", "\"actor\":\"mallory\"", 1),
        ),
        ("dropped middle", format!("{}\n{}\n", lines[0], lines[2])),
        (
            "reordered",
            format!("{}\n{}\n{}\n", lines[1], lines[0], lines[2]),
        ),
        ("dropped last", format!("{}\n{}\n", lines[0], lines[1])),
        ("not json", format!("{}\n{{oops\n", lines[0])),
    ];
    for (what, text) in cases {
        std::fs::write(&path, text).unwrap();
        let e = r.history().unwrap_err();
        assert!(matches!(e, Error::History { .. }), "{what}: {e}");
        assert!(e.to_string().contains("history.jsonl"), "{what}: {e}");
        let e = r.verify().unwrap_err();
        assert!(matches!(e, Error::Verify { .. }), "{what}: {e}");
        // And nothing new is appended on top of a broken chain.
        assert!(r.promote(&ask("v1", "staging"), at(50)).is_err(), "{what}");
    }
    // Edited record with a recomputed hash: the next record's link breaks.
    let mut recs: Vec<relkit_promote::Record> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    recs[0].actor = "mallory".into();
    recs[0].hash = recs[0].compute_hash();
    let text: String = recs
        .iter()
        .map(|r| serde_json::to_string(r).unwrap() + "\n")
        .collect();
    std::fs::write(&path, text).unwrap();
    let e = r.history().unwrap_err();
    assert!(
        e.to_string().contains("record 2") && e.to_string().contains("edited or dropped"),
        "{e}"
    );
    std::fs::write(&path, &original).unwrap();
    std::fs::write(&head, &original_head).unwrap();
    assert_eq!(r.verify().unwrap().records, 3);
    // A deleted blob an environment runs is reported by verify.
    let v3 = r.store().resolve("v3").unwrap().digest;
    std::fs::remove_file(r.store().blob_path(&v3)).unwrap();
    let e = r.verify().unwrap_err();
    assert!(e.to_string().contains(&v3.to_string()), "{e}");
}

#[test]
fn tags_never_move_in_history() {
    let (dir, r) = setup(Pipeline::default());
    promoted(r.promote(&ask("v1", "dev"), at(0)).unwrap());
    // Another store where "v1" names other bytes cannot sneak in: the record by tag moves nothing.
    let v2 = r.store().resolve("v2").unwrap().digest;
    let st = r.state().unwrap();
    let req = relkit_promote::Request {
        environment: "dev".into(),
        digest: v2,
        tag: Some("v1".into()),
        actor: "ci".into(),
        author: None,
        evidence: Default::default(),
        force: true,
        reason: Some("try".into()),
    };
    let d = relkit_promote::evaluate(r.pipeline(), &st, &req, at(1));
    assert!(
        matches!(d, relkit_promote::Decision::Deny(ref u) if matches!(u[0], Unmet::TagMoved { .. })),
        "{d:?}"
    );
    drop(dir);
}

#[test]
fn retention_keeps_what_runs_and_can_roll_back() {
    let pipeline = Pipeline::from_toml(
        "[environments.dev]\n[environments.prod]\nupstream=[\"dev\"]\n[retention]\nkeep_last=2\nuntagged_max_age=\"1d\"\n",
        "p.toml",
    )
    .unwrap();
    let (dir, r) = setup(pipeline);
    promoted(r.promote(&ask("v1", "dev"), at(0)).unwrap());
    promoted(r.promote(&ask("v1", "prod"), at(5)).unwrap());
    promoted(r.promote(&ask("v2", "dev"), at(10)).unwrap());
    promoted(r.promote(&ask("v3", "dev"), at(20)).unwrap());
    // An untagged old artifact, an untagged fresh one, and an SBOM on v2.
    let old = file(dir.path(), "old.bin", b"old");
    let o = r
        .store()
        .push_files(
            &[old],
            &PushOptions {
                now: Some(at(-200_000)),
                ..Default::default()
            },
        )
        .unwrap();
    let fresh = file(dir.path(), "fresh.bin", b"fresh");
    let f = r
        .store()
        .push_files(
            &[fresh],
            &PushOptions {
                now: Some(at(0)),
                ..Default::default()
            },
        )
        .unwrap();
    let sbom = file(dir.path(), "sbom.json", b"{}");
    r.store()
        .attach("v2", &sbom, AttachmentKind::Sbom, Some(at(0)))
        .unwrap();
    let plan = r.retention_plan(at(100)).unwrap();
    let v1 = r.store().resolve("v1").unwrap().digest;
    let v2 = r.store().resolve("v2").unwrap().digest;
    let v3 = r.store().resolve("v3").unwrap().digest;
    // dev: v3 (runs), v2 (rollback target); v1 falls out of dev's last 2 but prod runs it.
    assert!(
        plan.protected.contains(&v3)
            && plan.protected.contains(&v2)
            && plan.protected.contains(&v1)
    );
    assert_eq!(
        plan.delete.keys().copied().collect::<Vec<_>>(),
        vec![o.digest],
        "{plan:?}"
    );
    let gc = r.apply_retention(&plan).unwrap();
    assert!(gc.blobs.iter().any(|(d, _)| *d == o.digest));
    assert!(r.store().resolve(&f.digest.to_string()).is_ok());
    r.verify().unwrap();
}

#[test]
fn retention_keeps_the_last_n_and_referrers_follow() {
    let pipeline =
        Pipeline::from_toml("[environments.dev]\n[retention]\nkeep_last=2\n", "p.toml").unwrap();
    let (dir, r) = setup(pipeline);
    let f = file(dir.path(), "app.bin", b"four");
    r.store()
        .push_files(
            &[f],
            &PushOptions {
                tag: Some("v4".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let sbom = file(dir.path(), "sbom.json", b"{}");
    let s1 = r
        .store()
        .attach("v1", &sbom, AttachmentKind::Sbom, None)
        .unwrap();
    for (i, t) in ["v1", "v2", "v3", "v4"].iter().enumerate() {
        promoted(r.promote(&ask(t, "dev"), at(i as i64)).unwrap());
    }
    // Roll back once: dev runs v3, could roll back to v2; v4 and v1 fall out of the last 2.
    r.rollback("dev", "oncall", None, at(10)).unwrap();
    let d = |t: &str| r.store().resolve(t).unwrap().digest;
    let (v1, v2, v3, v4) = (d("v1"), d("v2"), d("v3"), d("v4"));
    let plan = r.retention_plan(at(20)).unwrap();
    assert!(plan.protected.contains(&v3) && plan.protected.contains(&v2));
    let mut deleted: Vec<_> = plan.delete.keys().copied().collect();
    deleted.sort();
    let mut expect = vec![v1, s1.digest];
    expect.sort();
    assert_eq!(deleted, expect, "{plan:?} (v4 {v4})");
    r.apply_retention(&plan).unwrap();
    assert!(r.store().resolve("v1").is_err());
    assert!(r.store().referrers(&v1).unwrap().is_empty());
    assert_eq!(
        r.rollback("dev", "oncall", None, at(30)).unwrap().digest,
        v2
    );
    r.verify().unwrap();
    // Past the retained window, a rollback says why it cannot.
    let e = r.rollback("dev", "oncall", None, at(40)).unwrap_err();
    assert!(e.to_string().contains("no longer in the store"), "{e}");
}
