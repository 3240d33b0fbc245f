//! Properties that hold for every input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use relkit_version::{
    Bump, BumpPolicy, Classification, Commit, NextOptions, Released, TagPattern, ZeroPolicy,
    apply_bump, classify, next_version,
};
use semver::{BuildMetadata, Prerelease, Version};

fn ident() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z][a-zA-Z0-9-]{0,6}",
        "[1-9][0-9]{0,3}",
        Just("0".to_owned())
    ]
}

fn version() -> impl Strategy<Value = Version> {
    (
        0u64..20,
        0u64..20,
        0u64..20,
        proptest::option::of(proptest::collection::vec(ident(), 1..3)),
        proptest::option::of(proptest::collection::vec("[a-zA-Z0-9-]{1,5}", 1..3)),
    )
        .prop_map(|(a, b, c, pre, build)| Version {
            major: a,
            minor: b,
            patch: c,
            pre: pre.map_or(Prerelease::EMPTY, |p| {
                Prerelease::new(&p.join(".")).unwrap()
            }),
            build: build.map_or(BuildMetadata::EMPTY, |b| {
                BuildMetadata::new(&b.join(".")).unwrap()
            }),
        })
}

fn message() -> impl Strategy<Value = String> {
    let kind = prop_oneof![
        Just("feat"),
        Just("fix"),
        Just("perf"),
        Just("docs"),
        Just("chore"),
        Just("refactor")
    ];
    prop_oneof![
        (
            kind,
            proptest::option::of("[a-z]{1,6}"),
            any::<bool>(),
            "[a-z][a-z ]{0,20}[a-z]",
            any::<bool>()
        )
            .prop_map(|(k, scope, bang, desc, footer)| {
                let scope = scope.map(|s| format!("({s})")).unwrap_or_default();
                let bang = if bang { "!" } else { "" };
                let footer = if footer {
                    "\n\nBREAKING CHANGE: it breaks"
                } else {
                    ""
                };
                format!("{k}{scope}{bang}: {desc}{footer}")
            }),
        "[A-Za-z ]{0,30}".prop_map(|s| format!("WIP {s}")),
        Just("Merge branch 'topic'".to_owned()),
    ]
}

proptest! {
    #[test]
    fn tags_round_trip(v in version(), pkg in "[a-z][a-z0-9_-]{0,12}", which in 0usize..4) {
        let pattern = ["v{version}", "{version}", "{package}-v{version}", "{package}@{version}"][which];
        let p = TagPattern::new(pattern).unwrap();
        let tag = p.format(Some(&pkg), &v);
        let parsed = p.parse(&tag).unwrap();
        prop_assert_eq!(&parsed.version, &v);
        prop_assert_eq!(p.format(parsed.package, &parsed.version), tag);
    }

    #[test]
    fn tag_parsing_never_panics(tag in "\\PC{0,40}", which in 0usize..4) {
        let pattern = ["v{version}", "{version}", "{package}-v{version}", "{package}@{version}"][which];
        let p = TagPattern::new(pattern).unwrap();
        if let Some(parsed) = p.parse(&tag) {
            prop_assert_eq!(p.format(parsed.package, &parsed.version), tag);
        }
    }

    #[test]
    fn bumps_move_forward(v in version(), bump in prop_oneof![Just(Bump::Patch), Just(Bump::Minor), Just(Bump::Major)],
                          zero in prop_oneof![Just(ZeroPolicy::CARGO), Just(ZeroPolicy::AS_MAJOR)]) {
        let base = relkit_version::base(&v);
        let next = apply_bump(&base, bump, &zero).unwrap();
        prop_assert!(next > base, "{} -> {}", base, next);
    }

    #[test]
    fn next_is_greater_than_current(v in version(), msgs in proptest::collection::vec(message(), 0..12),
                                    channel in proptest::option::of(prop_oneof![Just("alpha"), Just("rc")])) {
        let stable = relkit_version::base(&v);
        let commits: Vec<Commit> = msgs.iter().enumerate().map(|(i, m)| Commit::new(i.to_string(), m)).collect();
        let released = Released { stable: Some(stable.clone()), ..Released::default() };
        let options = NextOptions { channel: channel.map(str::to_owned), ..NextOptions::default() };
        let next = next_version(&released, &commits, &options).unwrap();
        let version = next.version.unwrap();
        if next.release {
            prop_assert!(next.bump != Bump::None);
            prop_assert!(version > stable, "{} -> {}", stable, version);
        } else {
            prop_assert_eq!(next.bump, Bump::None);
            prop_assert_eq!(version, stable);
        }
    }

    #[test]
    fn bump_does_not_depend_on_order(msgs in proptest::collection::vec(message(), 0..16), seed in any::<u64>()) {
        let commits: Vec<Commit> = msgs.iter().enumerate().map(|(i, m)| Commit::new(i.to_string(), m)).collect();
        let mut shuffled = commits.clone();
        // A deterministic shuffle from the seed.
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let policy = BumpPolicy::default();
        prop_assert_eq!(policy.summarize(&commits).unwrap(), policy.summarize(&shuffled).unwrap());
        let released = Released { stable: Some(Version::new(1, 0, 0)), ..Released::default() };
        let a = next_version(&released, &commits, &NextOptions::default()).unwrap();
        let b = next_version(&released, &shuffled, &NextOptions::default()).unwrap();
        prop_assert_eq!(a.version, b.version);
    }

    #[test]
    fn classification_round_trips(kind in "[a-z]{1,8}", scope in proptest::option::of("[a-z0-9-]{1,8}"),
                                  bang in any::<bool>(), desc in "[a-zA-Z0-9][a-zA-Z0-9 .,]{0,30}[a-zA-Z0-9.]",
                                  body in proptest::option::of("[a-z][a-z .]{0,40}[a-z.]"),
                                  refs in proptest::option::of(1u32..9999)) {
        let mut m = format!("{kind}{}{}: {desc}", scope.as_ref().map(|s| format!("({s})")).unwrap_or_default(), if bang { "!" } else { "" });
        if let Some(b) = &body { m.push_str("\n\n"); m.push_str(b); }
        if let Some(r) = refs { m.push_str(&format!("\n\nRefs #{r}")); }
        let c = match classify(&m) {
            Classification::Conventional(c) => c,
            Classification::Other { reason, .. } => { prop_assert!(false, "{m:?}: {reason}"); unreachable!() }
        };
        prop_assert_eq!(c.kind, kind);
        prop_assert_eq!(c.scope, scope);
        prop_assert_eq!(c.breaking, bang);
        prop_assert_eq!(c.description, desc);
        prop_assert_eq!(c.body, body);
        prop_assert_eq!(c.footers.len(), usize::from(refs.is_some()));
    }

    #[test]
    fn classify_never_panics(m in "\\PC{0,200}") {
        let _ = classify(&m);
    }
}
