//! Several processes at once, and processes killed mid-write. The test
//! binary re-runs itself as the worker (`child_worker`, a no-op unless
//! `RELKIT_PROMOTE_CHILD` is set).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use relkit_promote::{Outcome, Pipeline, Promote, PushOptions, Releases, Store};

const PER_WORKER: usize = 6;

fn spawn(role: &str, store: &Path, id: usize, failpoint: Option<&str>) -> Child {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([
        "--exact",
        "child_worker",
        "--nocapture",
        "--test-threads",
        "1",
    ])
    .env("RELKIT_PROMOTE_CHILD", role)
    .env("RELKIT_STORE", store)
    .env("RELKIT_WORKER", id.to_string())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    match failpoint {
        Some(f) => c.env("RELKIT_PROMOTE_FAILPOINT", f),
        None => c.env_remove("RELKIT_PROMOTE_FAILPOINT"),
    };
    c.spawn().unwrap()
}

#[test]
fn child_worker() {
    let Ok(role) = std::env::var("RELKIT_PROMOTE_CHILD") else {
        return;
    };
    let store_dir = PathBuf::from(std::env::var("RELKIT_STORE").unwrap());
    let id: usize = std::env::var("RELKIT_WORKER").unwrap().parse().unwrap();
    let work = store_dir.with_extension(format!("w{id}"));
    std::fs::create_dir_all(&work).unwrap();
    let store = Store::create(&store_dir).unwrap();
    let releases = Releases::new(store.clone(), Pipeline::default());
    let now = jiff::Timestamp::now();
    match role.as_str() {
        "push-promote" => {
            let mut promoted = 0;
            for i in 0..PER_WORKER {
                let f = work.join(format!("w{id}-{i}.bin"));
                std::fs::write(&f, format!("worker {id} build {i}").repeat(1000)).unwrap();
                let tag = format!("w{id}-{i}");
                store
                    .push_files(
                        &[f],
                        &PushOptions {
                            tag: Some(tag.clone()),
                            ..Default::default()
                        },
                    )
                    .unwrap();
                let ask = Promote {
                    reference: tag,
                    environment: "dev".into(),
                    actor: format!("w{id}"),
                    ..Default::default()
                };
                if let Outcome::Promoted(_) = releases.promote(&ask, now).unwrap() {
                    promoted += 1;
                }
            }
            println!("PROMOTED {promoted}");
        }
        "push-big" => {
            let f = work.join("big.bin");
            std::fs::write(&f, vec![7u8; 8 << 20]).unwrap();
            store
                .push_files(
                    &[f],
                    &PushOptions {
                        tag: Some("big".into()),
                        ..Default::default()
                    },
                )
                .unwrap();
        }
        "promote" => {
            let ask = Promote {
                reference: "base".into(),
                environment: "staging".into(),
                actor: "crash".into(),
                ..Default::default()
            };
            releases.promote(&ask, now).unwrap();
        }
        other => panic!("unknown role {other}"),
    }
}

#[test]
fn concurrent_pushes_and_promotions_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    Store::create(&store_dir).unwrap();
    let workers = 4;
    let children: Vec<Child> = (0..workers)
        .map(|i| spawn("push-promote", &store_dir, i, None))
        .collect();
    let mut promoted = 0;
    for c in children {
        let out = c.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let n: usize = stdout
            .lines()
            .find_map(|l| l.split_once("PROMOTED ").map(|(_, n)| n))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no count in {stdout}"));
        promoted += n;
    }
    let store = Store::open(&store_dir).unwrap();
    assert_eq!(
        store.tags().unwrap().len(),
        workers * PER_WORKER,
        "every push is in the index"
    );
    let releases = Releases::new(store, Pipeline::default());
    let history = releases.history().unwrap();
    assert_eq!(
        promoted,
        workers * PER_WORKER,
        "every distinct digest enters dev"
    );
    assert_eq!(history.len(), promoted, "every promotion is in the history");
    assert_eq!(releases.verify().unwrap().records as usize, promoted);
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn temp_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().starts_with(".relkit-"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn killed_during_push_leaves_a_store_that_opens_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    Store::create(&store_dir).unwrap();
    let mut child = spawn("push-big", &store_dir, 0, Some("blob=30000"));
    let blobs = store_dir.join("blobs/sha256");
    wait_for("the push to reach the failpoint", || temp_files(&blobs) > 0);
    std::thread::sleep(Duration::from_millis(100));
    child.kill().unwrap();
    child.wait().unwrap();
    let store = Store::open(&store_dir).unwrap();
    let releases = Releases::new(store.clone(), Pipeline::default());
    releases.verify().unwrap();
    assert!(store.resolve("big").is_err(), "a half push is not visible");
    // gc sweeps the temporary file.
    let plan = store.gc_plan(Duration::ZERO).unwrap();
    assert_eq!(plan.temp_files.len(), 1, "{plan:?}");
    store.gc_apply(&plan).unwrap();
    assert_eq!(temp_files(&blobs), 0);
    // And the same push then works.
    let out = spawn("push-big", &store_dir, 0, None)
        .wait_with_output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    releases.verify().unwrap();
}

#[test]
fn killed_during_promotion_leaves_a_store_that_opens_and_verifies() {
    for failpoint in ["write=30000", "head=30000"] {
        let dir = tempfile::tempdir().unwrap();
        let store_dir = dir.path().join("store");
        let store = Store::create(&store_dir).unwrap();
        let f = common::file(dir.path(), "base.bin", b"base");
        store
            .push_files(
                &[f],
                &PushOptions {
                    tag: Some("base".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        let releases = Releases::new(store.clone(), Pipeline::default());
        let ask = Promote {
            reference: "base".into(),
            environment: "dev".into(),
            actor: "t".into(),
            ..Default::default()
        };
        releases.promote(&ask, common::at(0)).unwrap();
        let meta = store_dir.join(".relkit");
        let history = meta.join("history.jsonl");
        let before = std::fs::read_to_string(&history).unwrap();
        let mut child = spawn("promote", &store_dir, 0, Some(failpoint));
        if failpoint.starts_with("write") {
            wait_for("the history write", || temp_files(&meta) > 0);
        } else {
            wait_for("the history rename", || {
                std::fs::read_to_string(&history).unwrap() != before
            });
        }
        std::thread::sleep(Duration::from_millis(100));
        child.kill().unwrap();
        child.wait().unwrap();
        let v = releases
            .verify()
            .unwrap_or_else(|e| panic!("{failpoint}: {e}"));
        let expect = if failpoint.starts_with("write") { 1 } else { 2 };
        assert_eq!(v.records, expect, "{failpoint}");
        // The lock was released by the kill; the next promotion goes through.
        let ask = Promote {
            reference: "base".into(),
            environment: "prod".into(),
            actor: "t".into(),
            ..Default::default()
        };
        let ask_staging = Promote {
            environment: "staging".into(),
            ..ask.clone()
        };
        if expect == 1 {
            assert!(matches!(
                releases.promote(&ask_staging, common::at(2)).unwrap(),
                Outcome::Promoted(_)
            ));
        }
        assert!(
            matches!(
                releases.promote(&ask, common::at(3)).unwrap(),
                Outcome::Promoted(_)
            ),
            "{failpoint}"
        );
        releases.verify().unwrap();
    }
}
