//! Git repositories for tests, made by the real `git` program in a
//! temporary directory, with fixed identities and dates so that every run
//! makes the same commit ids.
//!
//! ```
//! use relkit_testkit::GitRepo;
//!
//! let repo = GitRepo::new();
//! repo.commit("feat: first");
//! repo.tag("v1.0.0");
//! repo.commit_file("src/lib.rs", "pub fn f() {}", "fix: second");
//! assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]).trim(), "2");
//! ```
#![forbid(unsafe_code)]
// A test kit fails loudly: a git command that does not work is a broken test.
#![allow(clippy::panic, clippy::expect_used)]

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A repository in a temporary directory, removed when dropped.
pub struct GitRepo {
    dir: tempfile::TempDir,
    clock: Cell<i64>,
}

impl Default for GitRepo {
    fn default() -> Self {
        GitRepo::new()
    }
}

/// A `git` command with a clean, fixed environment.
pub fn git_command(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ada Author")
        .env("GIT_AUTHOR_EMAIL", "ada@example.invalid")
        .env("GIT_COMMITTER_NAME", "Cy Committer")
        .env("GIT_COMMITTER_EMAIL", "cy@example.invalid")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE");
    c
}

fn check(what: &str, out: Output) -> String {
    if !out.status.success() {
        panic!(
            "git {what} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl GitRepo {
    /// `git init` on branch `main`, with no commit.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let repo = GitRepo {
            dir,
            clock: Cell::new(1_700_000_000),
        };
        repo.git(&["init", "--quiet", "--initial-branch=main"]);
        repo
    }

    /// The work tree.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The work tree as an owned path.
    pub fn path_buf(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// Run git with `args` and return its stdout; panic if it fails.
    pub fn git(&self, args: &[&str]) -> String {
        let t = self.clock.get();
        let date = format!("{t} +0000");
        let out = git_command(self.path())
            .args(args)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .output()
            .expect("git runs");
        check(&args.join(" "), out)
    }

    fn tick(&self) {
        self.clock.set(self.clock.get() + 60);
    }

    /// An empty commit with `message`; returns its id.
    pub fn commit(&self, message: &str) -> String {
        self.tick();
        self.git(&["commit", "--quiet", "--allow-empty", "-m", message]);
        self.head()
    }

    /// Write `contents` to `path` (creating directories), commit it with `message`.
    pub fn commit_file(&self, path: &str, contents: &str, message: &str) -> String {
        self.write(path, contents);
        self.tick();
        self.git(&["add", "--all"]);
        self.git(&["commit", "--quiet", "--allow-empty", "-m", message]);
        self.head()
    }

    /// Write a file without committing it.
    pub fn write(&self, path: &str, contents: &str) {
        let full = self.path().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("create directories");
        }
        std::fs::write(full, contents).expect("write a file");
    }

    /// A lightweight tag on HEAD.
    pub fn tag(&self, name: &str) {
        self.git(&["tag", name]);
    }

    /// An annotated tag on HEAD.
    pub fn annotated_tag(&self, name: &str) {
        self.tick();
        self.git(&["tag", "-a", name, "-m", &format!("release {name}")]);
    }

    /// The id of HEAD.
    pub fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"]).trim().to_owned()
    }

    /// `git checkout -b name` (or `git checkout name` when it exists).
    pub fn checkout(&self, name: &str) {
        let exists = git_command(self.path())
            .args(["rev-parse", "--verify", "--quiet", name])
            .output()
            .expect("git runs")
            .status
            .success();
        if exists {
            self.git(&["checkout", "--quiet", name]);
        } else {
            self.git(&["checkout", "--quiet", "-b", name]);
        }
    }

    /// `git merge --no-ff name -m message`.
    pub fn merge(&self, name: &str, message: &str) -> String {
        self.tick();
        self.git(&["merge", "--quiet", "--no-ff", name, "-m", message]);
        self.head()
    }
}
