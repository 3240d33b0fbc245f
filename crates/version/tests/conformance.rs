//! The shared conformance data, read as it is: SemVer 2.0.0 cases and the
//! Conventional Commits 1.0.0 examples.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::cmp::Ordering;
use std::path::PathBuf;

use relkit_version::{
    Bump, Classification, Commit, FooterSeparator, NextOptions, Released, TagPattern, ZeroPolicy,
    apply_bump, classify, next_version,
};
use semver::Version;
use serde_json::Value;

fn data(rel: &str) -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata")
        .join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str()
        .unwrap_or_else(|| panic!("{k} missing in {v}"))
}

#[test]
fn valid_semver_tags_parse_with_every_field() {
    let pattern = TagPattern::v_prefixed();
    let cases = data("semver/valid.json");
    assert!(cases.len() > 50);
    for case in cases {
        let text = s(&case, "version");
        let tag = format!("v{text}");
        let parsed = pattern
            .parse(&tag)
            .unwrap_or_else(|| panic!("{tag} should be a release"));
        let v = parsed.version;
        assert_eq!(v.major, case["major"].as_u64().unwrap(), "{text}");
        assert_eq!(v.minor, case["minor"].as_u64().unwrap(), "{text}");
        assert_eq!(v.patch, case["patch"].as_u64().unwrap(), "{text}");
        assert_eq!(v.pre.as_str(), s(&case, "pre"), "{text}");
        assert_eq!(v.build.as_str(), s(&case, "build"), "{text}");
        assert_eq!(pattern.format(None, &v), tag, "round trip of {tag}");
    }
}

#[test]
fn invalid_semver_tags_are_skipped() {
    let pattern = TagPattern::new("{version}").unwrap();
    let cases = data("semver/invalid.json");
    assert!(cases.len() > 40);
    for case in cases {
        let text = s(&case, "version");
        assert!(
            pattern.parse(text).is_none(),
            "{text:?} must not be a release: {:?}",
            case.get("reason")
        );
    }
}

#[test]
fn large_numbers_fit_or_are_skipped() {
    let pattern = TagPattern::new("{version}").unwrap();
    for case in data("semver/large-numbers.json") {
        let text = s(&case, "version");
        let parsed = pattern.parse(text);
        if case["exceedsU64"].as_bool().unwrap() {
            assert!(parsed.is_none(), "{text} exceeds u64 and is skipped");
        } else {
            let v = parsed.unwrap().version;
            assert_eq!(v.major.to_string(), s(&case, "major"));
            assert_eq!(v.minor.to_string(), s(&case, "minor"));
            assert_eq!(v.patch.to_string(), s(&case, "patch"));
        }
    }
}

#[test]
fn precedence_follows_semver() {
    for chain in data("semver/precedence-chains.json") {
        let versions: Vec<Version> = chain["order"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| Version::parse(v.as_str().unwrap()).unwrap())
            .collect();
        for pair in versions.windows(2) {
            assert_eq!(
                pair[0].cmp_precedence(&pair[1]),
                Ordering::Less,
                "{} < {}",
                pair[0],
                pair[1]
            );
        }
    }
    for pair in data("semver/precedence-pairs.json") {
        let g = Version::parse(s(&pair, "greater")).unwrap();
        let l = Version::parse(s(&pair, "lesser")).unwrap();
        assert_eq!(g.cmp_precedence(&l), Ordering::Greater, "{g} > {l}");
    }
    for pair in data("semver/equal-precedence.json") {
        let a = Version::parse(s(&pair, "a")).unwrap();
        let b = Version::parse(s(&pair, "b")).unwrap();
        assert_eq!(
            a.cmp_precedence(&b),
            Ordering::Equal,
            "{a} = {b}: build metadata stays out"
        );
    }
}

/// npm's `inc()` on stable versions agrees with our bumps when 0.x is not special.
#[test]
fn increments_of_stable_versions_match_npm() {
    let mut checked = 0;
    for case in data("semver/increments-node-semver.json") {
        let Ok(v) = Version::parse(s(&case, "version")) else {
            continue;
        };
        let bump = match s(&case, "release") {
            "major" => Bump::Major,
            "minor" => Bump::Minor,
            "patch" => Bump::Patch,
            _ => continue,
        };
        if !v.pre.is_empty() || !v.build.is_empty() {
            continue;
        }
        let expected = Version::parse(s(&case, "expected")).unwrap();
        assert_eq!(
            apply_bump(&v, bump, &ZeroPolicy::AS_MAJOR).unwrap(),
            expected,
            "{case}"
        );
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} cases checked");
}

/// npm's `inc(x, "prerelease")` on `channel.N` pre-releases is our counter on a channel.
#[test]
fn prerelease_counters_match_npm() {
    let mut checked = 0;
    for case in data("semver/increments-node-semver.json") {
        if s(&case, "release") != "prerelease" || case.get("identifier").is_some() {
            continue;
        }
        let Ok(v) = Version::parse(s(&case, "version")) else {
            continue;
        };
        let mut ids = v.pre.as_str().split('.');
        let (Some(channel), Some(n), None) = (ids.next(), ids.next(), ids.next()) else {
            continue;
        };
        if n.parse::<u64>().is_err() || channel.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let released = Released {
            stable: None,
            prereleases: vec![v.clone()],
            at_head: vec![],
        };
        let options = NextOptions {
            channel: Some(channel.to_owned()),
            initial: relkit_version::base(&v),
            ..NextOptions::default()
        };
        let next = next_version(&released, &[Commit::new("c", "fix: x")], &options).unwrap();
        assert_eq!(
            next.version.unwrap().to_string(),
            s(&case, "expected"),
            "{case}"
        );
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} cases checked");
}

fn check_commit(case: &Value) {
    let message = s(case, "message");
    let c = match classify(message) {
        Classification::Conventional(c) => c,
        Classification::Other { reason, .. } => panic!("{message:?} should parse: {reason}"),
    };
    let expected_type = case
        .get("equivalentType")
        .and_then(Value::as_str)
        .unwrap_or(s(case, "type"));
    assert_eq!(c.kind, expected_type.to_ascii_lowercase(), "{message:?}");
    assert_eq!(c.scope.as_deref(), case["scope"].as_str(), "{message:?}");
    assert_eq!(
        c.breaking,
        case["breaking"].as_bool().unwrap(),
        "{message:?}"
    );
    assert_eq!(c.description, s(case, "description"), "{message:?}");
    assert_eq!(c.body.as_deref(), case["body"].as_str(), "{message:?}");
    let footers = case["footers"].as_array().unwrap();
    assert_eq!(
        c.footers.len(),
        footers.len(),
        "{message:?}: {:?}",
        c.footers
    );
    for (got, want) in c.footers.iter().zip(footers) {
        assert_eq!(got.token, s(want, "token"), "{message:?}");
        assert_eq!(got.separator.as_str(), s(want, "separator"), "{message:?}");
        assert_eq!(got.value, s(want, "value"), "{message:?}");
    }
    if let Some(b) = case.get("breakingDescription").and_then(Value::as_str) {
        assert_eq!(c.breaking_description.as_deref(), Some(b), "{message:?}");
    }
}

#[test]
fn conventional_commits_spec_examples() {
    let cases = data("conventional-commits/spec-examples.json");
    assert_eq!(cases.len(), 11);
    for case in &cases {
        check_commit(case);
    }
}

#[test]
fn conventional_commits_rules() {
    for case in data("conventional-commits/derived-from-rules.json") {
        if case["valid"].as_bool().unwrap() {
            check_commit(&case);
        } else {
            let message = s(&case, "message");
            assert!(
                matches!(classify(message), Classification::Other { .. }),
                "{message:?} is not a Conventional Commit ({})",
                s(&case, "rule")
            );
        }
    }
}

#[test]
fn hash_separator_is_kept() {
    let Classification::Conventional(c) = classify("fix: x\n\nCloses #45\n") else {
        panic!()
    };
    assert_eq!(c.footers[0].separator, FooterSeparator::Hash);
    assert_eq!(c.footers[0].value, "45");
}
