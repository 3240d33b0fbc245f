//! proptest on the pure promotion state machine: no environment is skipped,
//! the chain always verifies (and any edit breaks it), rollback returns the
//! previous digest.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use relkit_promote::{
    Decision, Digest, Evidence, Pipeline, Record, RecordKind, Request, State, evaluate,
    plan_rollback,
};

#[derive(Debug, Clone)]
enum Op {
    Promote {
        artifact: u8,
        env: usize,
        force: bool,
        advance: i64,
    },
    Rollback {
        env: usize,
        advance: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..4, 0usize..5, prop::bool::weighted(0.1), 0i64..7200)
            .prop_map(|(artifact, env, force, advance)| Op::Promote { artifact, env, force, advance }),
        1 => (0usize..5, 0i64..600).prop_map(|(env, advance)| Op::Rollback { env, advance }),
    ]
}

fn pipelines() -> impl Strategy<Value = Pipeline> {
    prop_oneof![
        Just(Pipeline::default()),
        Just(
            Pipeline::from_toml(
                "[environments.dev]\n[environments.staging]\nupstream=[\"dev\"]\nsoak=\"1h\"\n[environments.eu]\nupstream=[\"staging\"]\n[environments.us]\nupstream=[\"staging\"]\n[environments.global]\nupstream=[\"eu\",\"us\"]\n",
                "fan-out",
            )
            .unwrap()
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn promotion_state_machine(pipeline in pipelines(), ops in prop::collection::vec(op(), 1..60)) {
        let envs = pipeline.order();
        let mut state = State::default();
        let mut records: Vec<Record> = Vec::new();
        // An independent model of what each environment ran (a stack).
        let mut model: BTreeMap<String, Vec<Digest>> = BTreeMap::new();
        let mut now = jiff::Timestamp::from_second(1_700_000_000).unwrap();
        for op in ops {
            match op {
                Op::Promote { artifact, env, force, advance } => {
                    now += jiff::SignedDuration::from_secs(advance);
                    let env_name = envs[env % envs.len()].clone();
                    let digest = Digest::of(&[artifact]);
                    let req = Request {
                        environment: env_name.clone(),
                        digest,
                        tag: Some(format!("v{artifact}")),
                        actor: "ci".into(),
                        author: None,
                        evidence: Evidence::default(),
                        force,
                        reason: force.then(|| "emergency".to_owned()),
                    };
                    match evaluate(&pipeline, &state, &req, now) {
                        Decision::Allow { kind, overridden } => {
                            let upstreams = &pipeline.environments[&env_name].upstream;
                            let in_upstream = upstreams.is_empty()
                                || upstreams.iter().any(|u| model.get(u).and_then(|s| s.last()) == Some(&digest));
                            if kind == RecordKind::Promotion {
                                // No environment skipped: it came from an upstream.
                                prop_assert!(in_upstream, "{digest} entered {env_name} without being in an upstream");
                                prop_assert!(overridden.is_empty());
                            } else {
                                prop_assert!(force);
                            }
                            prop_assert_ne!(model.get(&env_name).and_then(|s| s.last()), Some(&digest));
                            let r = state.next_record(&env_name, digest, req.tag.clone(), now, "ci", kind, req.reason.clone(), Evidence::default());
                            state.apply(&r).unwrap();
                            records.push(r);
                            model.entry(env_name).or_default().push(digest);
                        }
                        Decision::Deny(unmet) => {
                            prop_assert!(!unmet.is_empty());
                            if !force {
                                let upstreams = &pipeline.environments[&env_name].upstream;
                                let in_upstream = upstreams.is_empty()
                                    || upstreams.iter().any(|u| model.get(u).and_then(|s| s.last()) == Some(&digest));
                                let current = model.get(&env_name).and_then(|s| s.last()) == Some(&digest);
                                let soak_only = unmet.iter().all(|u| matches!(u, relkit_promote::Unmet::Soak { .. }));
                                prop_assert!(!in_upstream || current || soak_only, "wrongly denied: {unmet:?}");
                            }
                        }
                    }
                }
                Op::Rollback { env, advance } => {
                    now += jiff::SignedDuration::from_secs(advance);
                    let env_name = envs[env % envs.len()].clone();
                    let stack = model.entry(env_name.clone()).or_default();
                    match plan_rollback(&state, &env_name, "oncall", None, now) {
                        Some(r) => {
                            prop_assert!(stack.len() >= 2);
                            let before = stack[stack.len() - 2];
                            // Rollback returns the previous digest.
                            prop_assert_eq!(r.digest, before);
                            prop_assert_eq!(r.previous, stack.last().copied());
                            prop_assert_eq!(r.kind, RecordKind::Rollback);
                            state.apply(&r).unwrap();
                            records.push(r);
                            stack.pop();
                            prop_assert_eq!(state.current(&env_name).map(|d| d.digest), Some(before));
                        }
                        None => prop_assert!(stack.len() < 2),
                    }
                }
            }
            // The chain always verifies, and replays to the same state.
            prop_assert_eq!(&State::replay(&records).unwrap(), &state);
        }
        for (env, stack) in &model {
            prop_assert_eq!(state.current(env).map(|d| d.digest), stack.last().copied());
        }
        // Any edit to any record breaks the chain.
        if !records.is_empty() {
            let i = records.len() / 2;
            let mut tampered = records.clone();
            tampered[i].actor.push('x');
            prop_assert!(State::replay(&tampered).is_err());
            let mut dropped = records.clone();
            dropped.remove(i);
            prop_assert!(dropped.is_empty() || i == records.len() - 1 || State::replay(&dropped).is_err());
        }
    }
}
