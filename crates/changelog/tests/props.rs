//! parse(render(x)) == x for generated changelogs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use relkit_changelog::{
    Commit, DEFAULT_HEADER, Document, Options, ReleaseInput, Remote, build, entry_text, markdown,
};

fn message() -> impl Strategy<Value = String> {
    let kind = prop_oneof![
        Just("feat"),
        Just("fix"),
        Just("perf"),
        Just("docs"),
        Just("chore"),
        Just("refactor")
    ];
    (
        kind,
        proptest::option::of("[a-z]{1,6}"),
        any::<bool>(),
        "[A-Za-z0-9][A-Za-z0-9 ,.()`'_-]{0,40}",
        proptest::option::of(1u32..500),
    )
        .prop_map(|(k, scope, bang, desc, closes)| {
            let scope = scope.map(|s| format!("({s})")).unwrap_or_default();
            let mut m = format!("{k}{scope}{}: {}", if bang { "!" } else { "" }, desc.trim());
            if let Some(n) = closes {
                m.push_str(&format!("\n\nCloses #{n}"));
            }
            m
        })
}

fn releases() -> impl Strategy<Value = Vec<ReleaseInput>> {
    proptest::collection::btree_set((0u64..3, 0u64..12, 0u64..12), 0..5)
        .prop_flat_map(|versions| {
            let n = versions.len() + 1;
            (
                Just(versions),
                proptest::collection::vec(proptest::collection::vec(message(), 0..6), n),
                0u32..365,
            )
        })
        .prop_map(|(versions, messages, day)| {
            let mut out = Vec::new();
            let mut all = versions.into_iter().map(Some).collect::<Vec<_>>();
            all.push(None);
            for (i, (v, msgs)) in all.into_iter().zip(messages).enumerate() {
                out.push(ReleaseInput {
                    version: v.map(|(a, b, c)| semver::Version::new(a, b, c)),
                    tag: v.map(|(a, b, c)| format!("v{a}.{b}.{c}")),
                    date: v.map(|_| {
                        jiff::civil::date(2026, 1, 1)
                            .checked_add(jiff::Span::new().days(i64::from(day) + i as i64))
                            .unwrap()
                    }),
                    previous_tag: None,
                    commits: msgs
                        .iter()
                        .enumerate()
                        .map(|(j, m)| Commit::new(format!("{:040x}", i * 100 + j), m.as_str()))
                        .collect(),
                });
            }
            out
        })
}

proptest! {
    #[test]
    fn parse_render_round_trip(inputs in releases(), linked in any::<bool>()) {
        let options = Options {
            remote: linked.then(|| Remote::parse("https://github.com/o/r", None).unwrap()),
            ..Options::default()
        };
        let log = build(&inputs, &options);
        let text = markdown(&log, DEFAULT_HEADER, Some("Breaking Changes"));
        let doc = Document::parse(&text);
        prop_assert_eq!(doc.blocks().len(), log.releases.len());
        for (block, release) in doc.blocks().iter().zip(&log.releases) {
            prop_assert_eq!(&block.title, &release.title);
            prop_assert_eq!(block.version.as_ref().map(ToString::to_string), release.version.clone());
            prop_assert_eq!(&block.date, &release.date);
            let sections = doc.sections(block);
            let mut expected: Vec<(String, Vec<String>)> = Vec::new();
            if !release.breaking.is_empty() {
                expected.push(("Breaking Changes".into(), release.breaking.iter().map(|b| match &b.scope {
                    Some(s) => format!("**{s}**: {}", b.description.trim()),
                    None => b.description.trim().to_owned(),
                }).collect()));
            }
            for s in &release.sections {
                expected.push((s.title.clone(), s.entries.iter().map(entry_text).collect()));
            }
            let got: Vec<(String, Vec<String>)> = sections.into_iter().map(|s| (s.title, s.items)).collect();
            prop_assert_eq!(got, expected);
        }
        // Updating the rendered file with its own releases changes nothing.
        let again: Vec<_> = log.releases.iter().filter(|r| r.version.is_some())
            .map(|r| (r.version.as_ref().map(|v| v.parse().unwrap()), relkit_changelog::release_markdown(r, Some("Breaking Changes"))))
            .collect();
        let u = doc.update(&again, &[]);
        prop_assert!(u.inserted.is_empty());
        prop_assert_eq!(u.text, text);
    }

    #[test]
    fn parsing_never_panics(text in "\\PC{0,300}") {
        let doc = Document::parse(&text);
        for b in doc.blocks() {
            let _ = doc.sections(b);
            let _ = doc.notes(&b.title);
        }
        let _ = doc.update(&[(None, "## [Unreleased]\n".into())], &[("Unreleased".into(), "u".into())]);
    }
}
