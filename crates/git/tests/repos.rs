//! relkit-git on repositories that the real `git` made.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relkit_git::{Error, Packages, Query, Repo, Walk, plan};
use relkit_testkit::GitRepo;
use relkit_version::{NextOptions, TagPattern};

fn next_of(repo: &GitRepo, query: &Query) -> (String, usize) {
    let mut r = Repo::open(repo.path()).unwrap();
    let (_, plans) = plan(&mut r, query).unwrap();
    let p = &plans[0];
    (
        p.next
            .version
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        p.commits_read,
    )
}

fn rc() -> Query {
    Query {
        options: NextOptions {
            channel: Some("rc".into()),
            ..NextOptions::default()
        },
        ..Query::default()
    }
}

#[test]
fn highest_precedence_not_newest_tag() {
    let g = GitRepo::new();
    g.commit("feat: one");
    g.annotated_tag("v1.10.0");
    g.commit("fix: two");
    // A later tag with a lower version (a back-port tagged afterwards).
    g.tag("v1.9.3");
    g.commit("fix: three");
    g.tag("nightly");
    g.tag("v1.11");
    g.commit("feat: four");
    let r = Repo::open(g.path()).unwrap();
    let head = r.head().unwrap().id;
    let rel = r
        .releases(&head, &TagPattern::v_prefixed(), None, false)
        .unwrap();
    assert_eq!(rel.stable.as_ref().unwrap().name, "v1.10.0");
    assert_eq!(
        (rel.tags, rel.matching),
        (4, 2),
        "nightly and v1.11 are not releases"
    );
    assert_eq!(next_of(&g, &Query::default()), ("1.11.0".into(), 3));
}

#[test]
fn annotated_and_lightweight_tags_are_peeled() {
    let g = GitRepo::new();
    let a = g.commit("feat: a");
    g.annotated_tag("v1.0.0");
    let b = g.commit("feat: b");
    g.tag("v1.1.0");
    let r = Repo::open(g.path()).unwrap();
    let tags = r.tags().unwrap();
    assert_eq!(tags.len(), 2);
    assert_eq!(
        (
            tags[0].name.as_str(),
            tags[0].target.as_str(),
            tags[0].annotated
        ),
        ("v1.0.0", a.as_str(), true)
    );
    assert_eq!(
        (
            tags[1].name.as_str(),
            tags[1].target.as_str(),
            tags[1].annotated
        ),
        ("v1.1.0", b.as_str(), false)
    );
}

#[test]
fn merged_branches_count_unless_first_parent() {
    let g = GitRepo::new();
    g.commit("chore: init");
    g.tag("v1.0.0");
    g.checkout("topic");
    g.commit("feat: on a branch");
    g.checkout("main");
    g.commit("fix: on main");
    g.merge("topic", "Merge branch 'topic'");
    assert_eq!(next_of(&g, &Query::default()), ("1.1.0".into(), 3));
    let fp = Query {
        first_parent: true,
        ..Query::default()
    };
    assert_eq!(next_of(&g, &fp), ("1.0.1".into(), 2));
    let mut r = Repo::open(g.path()).unwrap();
    let all = r.commits(&Walk::default()).unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].parents.len(), 2, "the merge comes first");
    assert_eq!(all[0].message.trim(), "Merge branch 'topic'");
}

#[test]
fn tags_on_other_branches_are_not_current() {
    let g = GitRepo::new();
    g.commit("feat: base");
    g.tag("v1.0.0");
    g.checkout("next");
    g.commit("feat!: big");
    g.tag("v2.0.0");
    g.checkout("main");
    g.commit("fix: small");
    assert_eq!(next_of(&g, &Query::default()), ("1.0.1".into(), 1));
}

#[test]
fn prerelease_tags() {
    let g = GitRepo::new();
    g.commit("feat: a");
    g.tag("v1.2.3");
    g.commit("feat: b");
    assert_eq!(next_of(&g, &rc()).0, "1.3.0-rc.1");
    g.tag("v1.3.0-rc.1");
    assert_eq!(
        next_of(&g, &rc()).0,
        "1.3.0-rc.1",
        "HEAD is released already"
    );
    g.commit("fix: c");
    assert_eq!(next_of(&g, &rc()).0, "1.3.0-rc.2");
    assert_eq!(
        next_of(&g, &Query::default()).0,
        "1.3.0",
        "pre-releases only when asked"
    );
    g.tag("v1.3.0-rc.2");
    g.commit("feat!: d");
    assert_eq!(next_of(&g, &rc()).0, "2.0.0-rc.1");
}

#[test]
fn zero_major_history() {
    let g = GitRepo::new();
    g.commit("feat: a");
    g.tag("v0.3.0");
    g.commit("feat: b");
    assert_eq!(next_of(&g, &Query::default()).0, "0.3.1");
    g.commit("refactor!: c");
    assert_eq!(next_of(&g, &Query::default()).0, "0.4.0");
}

#[test]
fn no_tags_means_first_release() {
    let g = GitRepo::new();
    g.commit("chore: init");
    g.commit("feat: a");
    assert_eq!(next_of(&g, &Query::default()), ("0.1.0".into(), 2));
}

#[test]
fn tag_of_a_tree_is_skipped() {
    let g = GitRepo::new();
    g.commit_file("a.txt", "a", "feat: a");
    g.tag("v1.0.0");
    g.commit("fix: b");
    g.git(&["tag", "v9.0.0", "HEAD^{tree}"]);
    assert_eq!(next_of(&g, &Query::default()).0, "1.0.1");
}

#[test]
fn detached_head() {
    let g = GitRepo::new();
    g.commit("feat: a");
    g.tag("v1.0.0");
    let b = g.commit("fix: b");
    g.commit("feat: c");
    g.git(&["checkout", "--quiet", &b]);
    let r = Repo::open(g.path()).unwrap();
    assert_eq!(r.head().unwrap().branch, None);
    assert_eq!(next_of(&g, &Query::default()), ("1.0.1".into(), 1));
}

#[test]
fn changed_paths_against_first_parent() {
    let g = GitRepo::new();
    g.commit_file("a/x.txt", "1", "feat: a");
    g.write("b/y.txt", "2");
    g.write("a/z/w.txt", "3");
    g.commit_file("a/x.txt", "changed", "fix: b");
    g.git(&["rm", "--quiet", "a/z/w.txt"]);
    g.commit("chore: remove");
    let mut r = Repo::open(g.path()).unwrap();
    let commits = r
        .commits(&Walk {
            changed_paths: true,
            ..Walk::default()
        })
        .unwrap();
    let paths: Vec<Vec<String>> = commits
        .iter()
        .map(|c| c.changed_paths.clone().unwrap())
        .collect();
    assert_eq!(
        paths,
        vec![
            vec!["a/z/w.txt".to_owned()],
            vec!["a/x.txt".into(), "a/z/w.txt".into(), "b/y.txt".into()],
            vec!["a/x.txt".into()]
        ]
    );
}

fn workspace() -> GitRepo {
    let g = GitRepo::new();
    g.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/skip\"]\n\n[workspace.package]\nversion = \"0.2.0\"\n\n\
         [workspace.dependencies]\ncore = { path = \"crates/core\", version = \"0.2\" }\n",
    );
    g.write(
        "crates/core/Cargo.toml",
        "[package]\nname = \"core\"\nversion.workspace = true\n",
    );
    g.write(
        "crates/app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"1.0.0\"\n\n[dependencies]\ncore.workspace = true\nserde = \"1\"\n",
    );
    g.write(
        "crates/skip/Cargo.toml",
        "[package]\nname = \"skip\"\nversion = \"0.0.1\"\n",
    );
    g.commit_file("README.md", "hi", "chore: workspace");
    g.tag("core-v0.2.0");
    g.tag("app-v1.0.0");
    g
}

#[test]
fn cargo_workspace_packages() {
    let g = workspace();
    let packages = relkit_git::workspace_packages(g.path()).unwrap();
    let names: Vec<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["app", "core"], "members less exclude");
    assert_eq!(packages[0].path, "crates/app");
    assert_eq!(packages[0].dependencies.len(), 1, "serde is not a member");
    assert_eq!(packages[0].dependencies[0].requirement.to_string(), "^0.2");
    assert_eq!(
        packages[1].version.as_ref().unwrap().to_string(),
        "0.2.0",
        "inherited"
    );
}

#[test]
fn monorepo_commits_belong_to_the_packages_they_touch() {
    let g = workspace();
    g.commit_file(
        "crates/app/src/main.rs",
        "fn main() {}",
        "feat(app): a flag",
    );
    g.commit_file("crates/core/src/lib.rs", "", "fix(core): a bug");
    g.commit_file("docs/x.md", "", "feat: outside every package");
    let all = Query {
        packages: Packages::All,
        ..Query::default()
    };
    let mut r = Repo::open(g.path()).unwrap();
    let (_, plans) = plan(&mut r, &all).unwrap();
    let got: Vec<(String, String, String)> = plans
        .iter()
        .map(|p| {
            (
                p.package.clone().unwrap(),
                p.next.version.as_ref().unwrap().to_string(),
                p.tag.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("app".into(), "1.1.0".into(), "app-v1.1.0".into()),
            ("core".into(), "0.2.1".into(), "core-v0.2.1".into())
        ]
    );
    assert_eq!(plans[0].commits.len(), 1);
    assert_eq!(plans[0].commits_read, 3);

    // A breaking change in core leaves app's requirement ^0.2 behind: app gets a patch.
    g.tag("core-v0.2.1");
    g.tag("app-v1.1.0");
    g.commit_file(
        "crates/core/src/lib.rs",
        "pub fn f() {}",
        "feat(core)!: new api",
    );
    let (_, plans) = plan(&mut r, &all).unwrap();
    assert_eq!(plans[1].next.version.as_ref().unwrap().to_string(), "0.3.0");
    assert_eq!(plans[0].next.version.as_ref().unwrap().to_string(), "1.1.1");
    assert_eq!(plans[0].next.forced_by, ["core"]);

    let one = Query {
        packages: Packages::One("nope".into()),
        ..Query::default()
    };
    let err = plan(&mut r, &one).unwrap_err();
    assert!(matches!(err, Error::UnknownPackage { .. }));
    assert!(err.to_string().contains("app, core"), "{err}");
}

#[test]
fn empty_repository() {
    let g = GitRepo::new();
    let mut r = Repo::open(g.path()).unwrap();
    let err = plan(&mut r, &Query::default()).unwrap_err();
    assert!(matches!(err, Error::EmptyRepository { .. }), "{err}");
    assert!(err.to_string().contains("no commits yet"), "{err}");
}

#[test]
fn missing_path_and_not_a_repository() {
    let err = Repo::open("/nonexistent/relkit").unwrap_err();
    assert!(
        err.to_string()
            .contains("/nonexistent/relkit: no such directory"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let err = Repo::open(dir.path()).unwrap_err();
    assert!(matches!(err, Error::NotARepository { .. }), "{err}");
}

#[test]
fn shallow_clone_without_a_reachable_release() {
    let g = GitRepo::new();
    g.commit("feat: a");
    g.tag("v1.0.0");
    g.commit("fix: b");
    g.commit("fix: c");
    let dest = tempfile::tempdir().unwrap();
    let url = format!("file://{}", g.path().display());
    let target = dest.path().join("clone");
    let out = relkit_testkit::git_command(dest.path())
        .args([
            "clone",
            "--quiet",
            "--depth",
            "1",
            "--no-tags",
            &url,
            target.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut r = Repo::open(&target).unwrap();
    assert!(r.is_shallow());
    let err = plan(&mut r, &Query::default()).unwrap_err();
    assert!(
        matches!(err, Error::ShallowWithoutRelease { commits: 1, .. }),
        "{err}"
    );
}
