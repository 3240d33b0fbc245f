//! relkit-changelog on hand-made releases: sections, reverts, folding,
//! links, ordering, updates of an existing file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relkit_changelog::{
    Commit, DEFAULT_HEADER, Document, Flavor, Options, Order, ReleaseInput, Remote, build, json,
    markdown, release_markdown,
};

fn id(n: u32) -> String {
    format!("{n:040x}")
}

fn commits(messages: &[&str]) -> Vec<Commit> {
    // Newest first, as relkit-git returns them.
    messages
        .iter()
        .enumerate()
        .map(|(i, m)| Commit::new(id(100 - i as u32), *m))
        .collect()
}

fn release(version: Option<&str>, messages: &[&str]) -> ReleaseInput {
    ReleaseInput {
        version: version.map(|v| v.parse().unwrap()),
        tag: version.map(|v| format!("v{v}")),
        commits: commits(messages),
        ..ReleaseInput::default()
    }
}

fn titles(r: &relkit_changelog::Release) -> Vec<&str> {
    r.sections.iter().map(|s| s.title.as_str()).collect()
}

fn descriptions(s: &relkit_changelog::Section) -> Vec<&str> {
    s.entries.iter().map(|e| e.description.as_str()).collect()
}

#[test]
fn default_sections_and_order() {
    let r = release(
        Some("1.0.0"),
        &[
            "docs: readme",
            "chore: tidy",
            "revert: old thing",
            "perf: faster",
            "fix: b",
            "feat(api)!: a\n\nBREAKING CHANGE: v1 is gone",
            "ci: x",
            "style: y",
            "test: z",
            "build: w",
            "refactor: r",
            "WIP",
        ],
    );
    let log = build(&[r], &Options::default());
    let rel = &log.releases[0];
    assert_eq!(
        titles(rel),
        [
            "Features",
            "Bug Fixes",
            "Performance",
            "Reverts",
            "Documentation",
            "Refactoring"
        ]
    );
    assert_eq!(rel.breaking.len(), 1);
    assert_eq!(rel.breaking[0].description, "v1 is gone");
    assert_eq!(rel.breaking[0].scope.as_deref(), Some("api"));
    let md = release_markdown(rel, Some("Breaking Changes"));
    let breaking_at = md.find("### Breaking Changes").unwrap();
    assert!(
        breaking_at < md.find("### Features").unwrap(),
        "breaking changes first"
    );
    assert!(md.contains("- **api**: v1 is gone\n"));
    assert!(md.contains("- **api**: a (0000000)\n"));
    assert!(!md.contains("tidy") && !md.contains("WIP"));

    let with_other = Options {
        other_title: Some("Other".into()),
        ..Options::default()
    };
    let log = build(&[release(None, &["WIP", "feat: a"])], &with_other);
    assert_eq!(titles(&log.releases[0]), ["Features", "Other"]);
}

#[test]
fn entries_oldest_first_by_default() {
    let log = build(
        &[release(
            None,
            &["feat: third", "feat: second", "feat: first"],
        )],
        &Options::default(),
    );
    assert_eq!(
        descriptions(&log.releases[0].sections[0]),
        ["first", "second", "third"]
    );
    let newest = Options {
        order: Order::Newest,
        ..Options::default()
    };
    let log = build(
        &[release(
            None,
            &["feat: third", "feat: second", "feat: first"],
        )],
        &newest,
    );
    assert_eq!(
        descriptions(&log.releases[0].sections[0]),
        ["third", "second", "first"]
    );
}

#[test]
fn a_commit_and_its_revert_in_one_release_are_dropped() {
    let target = id(99);
    let git_revert = format!("Revert \"feat: b\"\n\nThis reverts commit {target}.");
    let log = build(
        &[release(None, &[&git_revert, "feat: b", "feat: a"])],
        &Options::default(),
    );
    assert_eq!(descriptions(&log.releases[0].sections[0]), ["a"]);
    assert_eq!(log.releases[0].sections.len(), 1);

    // By subject, conventional style, with Refs to a short id.
    let log = build(
        &[release(None, &["revert: feat: b", "feat: b"])],
        &Options::default(),
    );
    assert!(
        log.releases[0].sections.is_empty(),
        "{:?}",
        log.releases[0].sections
    );
    let refs = format!("revert: undo\n\nRefs: {}", &target[..7]);
    let log = build(&[release(None, &[&refs, "feat: b"])], &Options::default());
    assert!(log.releases[0].sections.is_empty());

    // A revert of something released before is listed under Reverts.
    let log = build(
        &[release(
            None,
            &[
                "Revert \"feat: old\"\n\nThis reverts commit 1234567890.",
                "feat: new",
            ],
        )],
        &Options::default(),
    );
    assert_eq!(titles(&log.releases[0]), ["Features", "Reverts"]);
    assert_eq!(descriptions(&log.releases[0].sections[1]), ["feat: old"]);

    let keep = Options {
        drop_reverted: false,
        ..Options::default()
    };
    let log = build(&[release(None, &["revert: feat: b", "feat: b"])], &keep);
    assert_eq!(log.releases[0].sections.len(), 2);
}

#[test]
fn cherry_picks_are_folded() {
    let log = build(
        &[release(
            None,
            &[
                "fix: same\n\n(cherry picked from commit abc)",
                "fix: other",
                "fix: same\n\nCloses #7",
            ],
        )],
        &Options::default(),
    );
    let s = &log.releases[0].sections[0];
    assert_eq!(descriptions(s), ["same", "other"]);
    assert_eq!(s.entries[0].commits.len(), 2);
    assert_eq!(s.entries[0].references[0].number, "7");
}

#[test]
fn releases_by_precedence_not_text() {
    let log = build(
        &[
            release(Some("0.9.0"), &["feat: a"]),
            release(None, &["feat: u"]),
            release(Some("0.10.0"), &["feat: b"]),
            release(Some("0.10.0-rc.1"), &["feat: c"]),
        ],
        &Options::default(),
    );
    let order: Vec<&str> = log.releases.iter().map(|r| r.title.as_str()).collect();
    assert_eq!(order, ["Unreleased", "0.10.0", "0.10.0-rc.1", "0.9.0"]);
}

#[test]
fn forge_links() {
    for (url, flavor, commit, compare, issue) in [
        (
            "git@github.com:o/r.git",
            Flavor::GitHub,
            "https://github.com/o/r/commit/",
            "https://github.com/o/r/compare/v1.1.0...v1.2.0",
            "https://github.com/o/r/issues/45",
        ),
        (
            "https://gitlab.com/g/r",
            Flavor::GitLab,
            "https://gitlab.com/g/r/-/commit/",
            "https://gitlab.com/g/r/-/compare/v1.1.0...v1.2.0",
            "https://gitlab.com/g/r/-/issues/45",
        ),
        (
            "https://codeberg.org/o/r.git",
            Flavor::Gitea,
            "https://codeberg.org/o/r/commit/",
            "https://codeberg.org/o/r/compare/v1.1.0...v1.2.0",
            "https://codeberg.org/o/r/issues/45",
        ),
        (
            "git@bitbucket.org:o/r.git",
            Flavor::Bitbucket,
            "https://bitbucket.org/o/r/commits/",
            "https://bitbucket.org/o/r/branches/compare/v1.2.0%0Dv1.1.0",
            "https://bitbucket.org/o/r/issues/45",
        ),
    ] {
        let remote = Remote::parse(url, None).unwrap();
        assert_eq!(remote.flavor, flavor);
        let options = Options {
            remote: Some(remote),
            ..Options::default()
        };
        let mut r = release(Some("1.2.0"), &["fix: a (#12)\n\nCloses #45"]);
        r.previous_tag = Some("v1.1.0".into());
        let log = build(&[r], &options);
        let text = markdown(&log, DEFAULT_HEADER, Some("Breaking Changes"));
        assert!(
            text.contains(&format!("[{}]({commit}{})", &id(100)[..7], id(100))),
            "{text}"
        );
        assert!(text.contains(&format!("[#45]({issue})")), "{text}");
        assert!(text.ends_with(&format!("[1.2.0]: {compare}\n")), "{text}");
        let e = &log.releases[0].sections[0].entries[0];
        assert_eq!(
            e.references
                .iter()
                .map(|r| r.number.as_str())
                .collect::<Vec<_>>(),
            ["12", "45"]
        );
    }
}

#[test]
fn json_schema_is_stable() {
    let mut r = release(Some("1.0.0"), &["feat(x)!: a\n\nbody\n\nRefs #3"]);
    r.date = Some(jiff::civil::date(2026, 1, 31));
    let v: serde_json::Value =
        serde_json::from_str(&json(&build(&[r], &Options::default())).unwrap()).unwrap();
    assert_eq!(v["schema"], 1);
    let rel = &v["releases"][0];
    for key in [
        "version",
        "title",
        "tag",
        "date",
        "previous_tag",
        "compare_url",
        "breaking",
        "sections",
        "commit_count",
    ] {
        assert!(rel.get(key).is_some(), "release.{key}");
    }
    assert_eq!(rel["date"], "2026-01-31");
    let e = &rel["sections"][0]["entries"][0];
    for key in [
        "type",
        "scope",
        "description",
        "breaking",
        "body",
        "commits",
        "references",
    ] {
        assert!(e.get(key).is_some(), "entry.{key}");
    }
    assert_eq!(e["commits"][0]["short"], &id(100)[..7]);
    assert_eq!(e["references"][0]["action"], "Refs");
}

#[test]
fn templates_get_the_json_context() {
    let log = build(
        &[release(Some("1.0.0"), &["feat: a", "fix: b"])],
        &Options::default(),
    );
    let t = "{% for r in releases %}{{ r.title }}{% for s in r.sections %}|{{ s.title }}:{% for e in s.entries %}{{ e.description }}{% endfor %}{% endfor %}{% endfor %}";
    assert_eq!(
        relkit_changelog::template("t.j2", t, &log).unwrap(),
        "1.0.0|Features:a|Bug Fixes:b"
    );
    let err = relkit_changelog::template(
        "bad.j2",
        "{% for r in releases %}\n{{ r.nope }}{% endfor %}",
        &log,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("bad.j2") && err.to_string().contains("line 2"),
        "{err}"
    );
    let err = relkit_changelog::template("syntax.j2", "{% for %}", &log).unwrap_err();
    assert!(err.to_string().contains("syntax.j2"), "{err}");
}

const HAND_EDITED: &str = "# Changelog\r\n\nOur own intro, with *care*.\n\n## [Unreleased]\n\n- draft note\n\n## [1.1.0] - 2026-01-01\n\nA hand-written paragraph.\n\n```\n## 9.9.9 is not a heading in a fence\n```\n\n### Bug Fixes\n\n- fixed it\n\n## 1.0.0 (2025-12-01)\n\n- first\n\n[Unreleased]: https://github.com/o/r/compare/v1.1.0...HEAD\n[1.1.0]: https://github.com/o/r/compare/v1.0.0...v1.1.0\n";

#[test]
fn parse_a_hand_written_file() {
    let doc = Document::parse(HAND_EDITED);
    let titles: Vec<&str> = doc.blocks().iter().map(|b| b.title.as_str()).collect();
    assert_eq!(titles, ["Unreleased", "1.1.0", "1.0.0"]);
    assert_eq!(doc.blocks()[1].date.as_deref(), Some("2026-01-01"));
    assert_eq!(doc.blocks()[2].date.as_deref(), Some("2025-12-01"));
    assert!(doc.header().contains("Our own intro"));
    assert_eq!(doc.notes("v1.0.0").unwrap(), "- first");
    assert!(
        doc.notes("1.1.0")
            .unwrap()
            .contains("## 9.9.9 is not a heading")
    );
    let err = doc.notes("2.0.0").unwrap_err().to_string();
    assert!(
        err.contains("2.0.0") && err.contains("Unreleased, 1.1.0, 1.0.0"),
        "{err}"
    );
}

#[test]
fn update_keeps_hand_edits_byte_for_byte() {
    let doc = Document::parse(HAND_EDITED);
    let new = vec![
        (
            Some("1.2.0".parse().unwrap()),
            "## [1.2.0] - 2026-02-01\n\n### Features\n\n- new\n".to_owned(),
        ),
        (
            Some("1.1.0".parse().unwrap()),
            "## [1.1.0] - 2026-01-01\n\n- duplicate\n".to_owned(),
        ),
    ];
    let links = vec![
        (
            "Unreleased".to_owned(),
            "https://github.com/o/r/compare/v1.2.0...HEAD".to_owned(),
        ),
        (
            "1.2.0".to_owned(),
            "https://github.com/o/r/compare/v1.1.0...v1.2.0".to_owned(),
        ),
        (
            "1.1.0".to_owned(),
            "https://example.invalid/never".to_owned(),
        ),
    ];
    let u = doc.update(&new, &links);
    assert_eq!(u.inserted, ["1.2.0"]);
    assert_eq!(u.skipped, ["1.1.0"]);
    let expected = HAND_EDITED
        .replace("## [Unreleased]\n\n- draft note\n\n", "## [1.2.0] - 2026-02-01\n\n### Features\n\n- new\n\n")
        .replace(
            "[Unreleased]: https://github.com/o/r/compare/v1.1.0...HEAD\n",
            "[1.2.0]: https://github.com/o/r/compare/v1.1.0...v1.2.0\n[Unreleased]: https://github.com/o/r/compare/v1.2.0...HEAD\n",
        );
    assert_eq!(u.text, expected);
    // Updating again with the same release changes nothing.
    let again = Document::parse(&u.text).update(&new, &links);
    assert!(again.inserted.is_empty());
    assert_eq!(again.text, u.text);
}

#[test]
fn update_of_a_file_without_releases_or_links() {
    let doc = Document::parse("# Changelog\n\nIntro.\n");
    let u = doc.update(
        &[(None, "## [Unreleased]\n\n- a\n".to_owned())],
        &[("Unreleased".into(), "https://x/compare/v1...HEAD".into())],
    );
    assert_eq!(
        u.text,
        "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n- a\n\n[Unreleased]: https://x/compare/v1...HEAD\n"
    );
    let empty = Document::parse("");
    let u = empty.update(
        &[(Some("0.1.0".parse().unwrap()), "## [0.1.0]\n".into())],
        &[],
    );
    assert_eq!(u.text, "## [0.1.0]\n");
}

#[test]
fn fences_follow_commonmark_and_an_unclosed_one_hides_nothing() {
    // A ``` inside a ~~~~ block does not close it; ~~~~~ does.
    let text = "# C\n\n~~~~\n```\n## [9.0.0]\n~~~~~\n\n## [1.0.0]\n\n- a\n";
    let doc = Document::parse(text);
    let titles: Vec<&str> = doc.blocks().iter().map(|b| b.title.as_str()).collect();
    assert_eq!(titles, ["1.0.0"]);
    // Found by fuzzing: a fence that never closes must not swallow the
    // release written below it, or the next update would write it again.
    let stray = "# C\n\n~~~ oops\n\n- one\n";
    let u = Document::parse(stray).update(
        &[(
            Some("1.0.0".parse().unwrap()),
            "## [1.0.0]\n\n- new\n".into(),
        )],
        &[],
    );
    assert_eq!(u.inserted, ["1.0.0"]);
    let again = Document::parse(&u.text).update(
        &[(
            Some("1.0.0".parse().unwrap()),
            "## [1.0.0]\n\n- new\n".into(),
        )],
        &[],
    );
    assert!(again.inserted.is_empty(), "written twice:\n{}", again.text);
}
