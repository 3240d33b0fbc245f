//! The next version of a repository, with a policy of our own: `deps`
//! commits bump the patch number, and 0.x is treated like 1.x.
//!
//! `cargo run -p relkit-examples --example next_version -- [REPO]`

use std::process::ExitCode;

use relkit_git::{Query, Repo, plan};
use relkit_version::{Bump, NextOptions, ZeroPolicy};

fn main() -> ExitCode {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".to_owned());
    match run(&dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(dir: &str) -> Result<(), relkit_git::Error> {
    let mut options = NextOptions::default();
    options.policy.types.insert("deps".to_owned(), Bump::Patch);
    options.policy.zero = ZeroPolicy::AS_MAJOR;
    let query = Query {
        options,
        ..Query::default()
    };
    let mut repo = Repo::open(dir)?;
    let (head, plans) = plan(&mut repo, &query)?;
    for p in plans {
        let current = p.current_tag.as_deref().unwrap_or("(none)");
        let next = p.next.version.map(|v| v.to_string()).unwrap_or_default();
        println!(
            "HEAD {}: current {current}, next {next}",
            head.get(..7).unwrap_or(&head)
        );
        println!("  {} ({} commits read)", p.next.reason, p.commits_read);
        for c in p.commits.iter().take(5) {
            println!(
                "  {} {}",
                c.short_id(),
                c.message.lines().next().unwrap_or("")
            );
        }
    }
    Ok(())
}
