//! The next version in the situations a release manager meets.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relkit_version::{
    Bump, BumpPolicy, CalVer, Commit, Dependency, Error, Next, NextOptions, Package, Propagation,
    Released, Scheme, ZeroPolicy, next_version, propagate,
};
use semver::{Version, VersionReq};

fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

fn commits(messages: &[&str]) -> Vec<Commit> {
    messages
        .iter()
        .enumerate()
        .map(|(i, m)| Commit::new(format!("c{i}"), m))
        .collect()
}

fn stable(s: &str) -> Released {
    Released {
        stable: Some(v(s)),
        ..Released::default()
    }
}

fn on(channel: &str) -> NextOptions {
    NextOptions {
        channel: Some(channel.into()),
        ..NextOptions::default()
    }
}

fn next(released: &Released, messages: &[&str], options: &NextOptions) -> Next {
    next_version(released, &commits(messages), options).unwrap()
}

fn version_of(released: &Released, messages: &[&str], options: &NextOptions) -> String {
    next(released, messages, options)
        .version
        .unwrap()
        .to_string()
}

#[test]
fn default_policy() {
    let d = NextOptions::default();
    let r = stable("1.2.3");
    assert_eq!(version_of(&r, &["fix: a"], &d), "1.2.4");
    assert_eq!(version_of(&r, &["perf: a"], &d), "1.2.4");
    assert_eq!(version_of(&r, &["feat: a", "fix: b"], &d), "1.3.0");
    assert_eq!(version_of(&r, &["fix!: a"], &d), "2.0.0");
    assert_eq!(
        version_of(&r, &["docs: a\n\nBREAKING CHANGE: gone"], &d),
        "2.0.0"
    );
    assert_eq!(
        version_of(&r, &["chore: a\n\nBREAKING-CHANGE: gone"], &d),
        "2.0.0"
    );
    let n = next(&r, &["docs: a", "chore: b", "WIP", "Merge branch 'x'"], &d);
    assert_eq!(
        (n.version, n.bump, n.release),
        (Some(v("1.2.3")), Bump::None, false)
    );
    assert_eq!(n.summary.other, 2);
    assert!(n.reason.contains("none of the 4 commits"), "{}", n.reason);
}

#[test]
fn policy_per_type() {
    let mut policy = BumpPolicy::default();
    policy.types.insert("deps".into(), Bump::Patch);
    policy.types.insert("feat".into(), Bump::Patch);
    let o = NextOptions {
        policy,
        ..NextOptions::default()
    };
    assert_eq!(version_of(&stable("1.0.0"), &["deps: bump x"], &o), "1.0.1");
    assert_eq!(version_of(&stable("1.0.0"), &["FEAT: y"], &o), "1.0.1");
}

#[test]
fn zero_major_rules() {
    let r = stable("0.4.2");
    let cargo = NextOptions::default();
    assert_eq!(version_of(&r, &["feat!: a"], &cargo), "0.5.0");
    assert_eq!(version_of(&r, &["feat: a"], &cargo), "0.4.3");
    assert_eq!(version_of(&r, &["fix: a"], &cargo), "0.4.3");
    let mut cliff = NextOptions::default();
    cliff.policy.zero = ZeroPolicy::GIT_CLIFF;
    assert_eq!(version_of(&r, &["feat!: a"], &cliff), "1.0.0");
    assert_eq!(version_of(&r, &["feat: a"], &cliff), "0.5.0");
    let n = next(&r, &["feat!: a"], &cargo);
    assert_eq!(n.bump, Bump::Minor, "the bump as applied");
    assert_eq!(n.summary.bump, Bump::Major, "the bump asked for");
}

#[test]
fn first_release() {
    let none = Released::default();
    let d = NextOptions::default();
    assert_eq!(version_of(&none, &["chore: init"], &d), "0.1.0");
    let o = NextOptions {
        initial: v("1.0.0"),
        ..NextOptions::default()
    };
    assert_eq!(version_of(&none, &["feat: a"], &o), "1.0.0");
    let n = next(&none, &[], &d);
    assert_eq!((n.version, n.release), (None, false));
    assert_eq!(version_of(&none, &["feat: a"], &on("rc")), "0.1.0-rc.1");
}

#[test]
fn release_as() {
    let r = stable("1.2.3");
    let d = NextOptions::default();
    let n = next(
        &r,
        &[
            "chore: release\n\nRelease-As: 3.0.0",
            "fix: a",
            "feat: b\n\nrelease-as: v2.5.0",
        ],
        &d,
    );
    assert_eq!(
        n.version,
        Some(v("3.0.0")),
        "the highest Release-As wins, in any order"
    );
    assert!(n.reason.contains("c0"), "{}", n.reason);
    assert_eq!(
        version_of(&r, &["chore: x\n\nRelease-As: 3.0.0-beta.2"], &d),
        "3.0.0-beta.2"
    );
    assert_eq!(
        version_of(&r, &["chore: x\n\nRelease-As: 3.0.0"], &on("rc")),
        "3.0.0-rc.1"
    );
    let err = next_version(&r, &commits(&["fix: x\n\nRelease-As: 1.2.3"]), &d).unwrap_err();
    assert!(matches!(err, Error::ReleaseAsNotNewer { .. }), "{err}");
    let err = next_version(&r, &commits(&["fix: x\n\nRelease-As: two"]), &d).unwrap_err();
    assert!(
        err.to_string().contains("c0") && err.to_string().contains("two"),
        "{err}"
    );
    let mut off = NextOptions::default();
    off.policy.release_as = false;
    assert_eq!(
        version_of(&r, &["fix: x\n\nRelease-As: two"], &off),
        "1.2.4"
    );
}

#[test]
fn prerelease_channel_walkthrough() {
    // 1.2.3 released; a feature on channel rc gives 1.3.0-rc.1.
    let mut r = stable("1.2.3");
    assert_eq!(version_of(&r, &["feat: a"], &on("rc")), "1.3.0-rc.1");
    // 1.3.0-rc.1 released, more commits: 1.3.0-rc.2 (commits counted since 1.2.3).
    r.prereleases.push(v("1.3.0-rc.1"));
    assert_eq!(
        version_of(&r, &["feat: a", "fix: b"], &on("rc")),
        "1.3.0-rc.2"
    );
    r.prereleases.push(v("1.3.0-rc.2"));
    // A breaking change moves the base: 2.0.0-rc.1.
    assert_eq!(
        version_of(&r, &["feat: a", "fix: b", "feat!: c"], &on("rc")),
        "2.0.0-rc.1"
    );
    // Leaving the channel: 1.3.0.
    let n = next(&r, &["feat: a", "fix: b"], &NextOptions::default());
    assert_eq!(
        (n.version.unwrap().to_string(), n.bump),
        ("1.3.0".to_owned(), Bump::Minor)
    );
    // The current release on the channel is the newest pre-release.
    assert_eq!(
        next(&r, &["feat: a"], &on("rc")).current,
        Some(v("1.3.0-rc.2"))
    );
    // A later channel starts at 1 on the same base; an earlier one may not go back.
    assert_eq!(version_of(&r, &["feat: a"], &on("rc2")), "1.3.0-rc2.1");
    let err = next_version(&r, &commits(&["feat: a"]), &on("beta")).unwrap_err();
    assert!(
        matches!(err, Error::PreReleaseGoesBackwards { .. }),
        "{err}"
    );
    // Pre-releases below the stable release are history, not a base.
    let mut old = stable("1.3.0");
    old.prereleases.push(v("1.3.0-rc.5"));
    assert_eq!(version_of(&old, &["fix: a"], &on("rc")), "1.3.1-rc.1");
}

#[test]
fn head_already_released() {
    let mut r = stable("1.2.3");
    r.prereleases.push(v("1.3.0-rc.1"));
    r.at_head.push(v("1.3.0-rc.1"));
    let n = next(&r, &["feat: a"], &on("rc"));
    assert_eq!((n.version, n.release), (Some(v("1.3.0-rc.1")), false));
    // Promoting the same commit to a stable release is a release.
    assert_eq!(
        version_of(&r, &["feat: a"], &NextOptions::default()),
        "1.3.0"
    );
}

#[test]
fn invalid_channel() {
    for bad in ["", "1", "r c", "rc.1", "é"] {
        let err = next_version(&stable("1.0.0"), &commits(&["fix: a"]), &on(bad)).unwrap_err();
        assert!(
            matches!(err, Error::InvalidChannel { .. }),
            "{bad:?}: {err}"
        );
    }
}

#[test]
fn overflow_is_an_error() {
    let r = stable(&format!("1.2.{}", u64::MAX));
    let err = next_version(&r, &commits(&["fix: a"]), &NextOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("patch number would overflow"),
        "{err}"
    );
}

#[test]
fn calver_scheme() {
    let options = NextOptions {
        scheme: Scheme::CalVer {
            format: CalVer::new("YYYY.MM.PATCH").unwrap(),
            today: jiff::civil::date(2026, 11, 29),
        },
        ..NextOptions::default()
    };
    assert_eq!(
        version_of(&stable("2026.10.3"), &["fix: a"], &options),
        "2026.11.0"
    );
    assert_eq!(
        version_of(&stable("2026.11.0"), &["feat!: a"], &options),
        "2026.11.1"
    );
    assert_eq!(
        version_of(&Released::default(), &["chore: a"], &options),
        "2026.11.0"
    );
    assert_eq!(
        version_of(
            &stable("2026.11.1"),
            &["fix: a"],
            &on_calver(options.clone())
        ),
        "2026.11.2-rc.1"
    );
    let n = next(&stable("2026.11.0"), &["docs: a"], &options);
    assert!(!n.release);
}

fn on_calver(mut o: NextOptions) -> NextOptions {
    o.channel = Some("rc".into());
    o
}

fn pkg(name: &str, deps: &[(&str, &str)]) -> Package {
    Package {
        name: name.into(),
        path: format!("crates/{name}"),
        version: None,
        dependencies: deps
            .iter()
            .map(|(n, r)| Dependency {
                name: (*n).into(),
                requirement: VersionReq::parse(r).unwrap(),
            })
            .collect(),
    }
}

#[test]
fn dependency_propagation() {
    // core 1.4.0 gets a breaking change; app needs core ^1.4, cli needs app ^2; docs needs core *.
    let packages = [
        pkg("core", &[]),
        pkg("app", &[("core", "^1.4")]),
        pkg("cli", &[("app", "=2.0.0")]),
        pkg("docs", &[("core", "*")]),
    ];
    let make = || -> Vec<Next> {
        let plan = |cur: &str, msgs: &[&str]| next(&stable(cur), msgs, &NextOptions::default());
        vec![
            plan("1.4.0", &["feat!: new api"]),
            plan("2.0.0", &[]),
            plan("0.3.1", &[]),
            plan("1.0.0", &[]),
        ]
    };
    let mut plans = make();
    propagate(
        &packages,
        &mut plans,
        Propagation::WhenRequirementBreaks,
        &ZeroPolicy::default(),
    )
    .unwrap();
    let versions: Vec<String> = plans
        .iter()
        .map(|p| p.version.as_ref().unwrap().to_string())
        .collect();
    assert_eq!(versions, ["2.0.0", "2.0.1", "0.3.2", "1.0.0"]);
    assert_eq!(plans[1].forced_by, ["core"]);
    assert_eq!(plans[2].forced_by, ["app"], "followed down the chain");
    assert!(plans[1].reason.contains("^1.4"), "{}", plans[1].reason);
    assert!(!plans[3].release, "* admits 2.0.0");

    let mut plans = make();
    propagate(
        &packages,
        &mut plans,
        Propagation::Always,
        &ZeroPolicy::default(),
    )
    .unwrap();
    assert!(plans.iter().all(|p| p.release));

    let mut short = make();
    short.pop();
    assert!(matches!(
        propagate(
            &packages,
            &mut short,
            Propagation::Always,
            &ZeroPolicy::default()
        ),
        Err(Error::PlanMismatch { .. })
    ));
    let mut plans = make();
    let unknown = [
        pkg("a", &[("nope", "*")]),
        pkg("b", &[]),
        pkg("c", &[]),
        pkg("d", &[]),
    ];
    assert!(matches!(
        propagate(
            &unknown,
            &mut plans,
            Propagation::Always,
            &ZeroPolicy::default()
        ),
        Err(Error::UnknownPackage { .. })
    ));
}
