//! Renderers: Keep a Changelog Markdown, JSON, and user templates.

use std::fmt::Write as _;

use crate::model::{Changelog, Entry, Release};
use crate::{Error, Result};

/// The text above the first release in a new CHANGELOG.md.
pub const DEFAULT_HEADER: &str = "# Changelog\n\n\
All notable changes to this project are written down in this file.\n\n\
The format follows [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\n\
and the versions follow [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n";

fn push_indented(out: &mut String, text: &str) {
    let mut lines = text.lines();
    if let Some(first) = lines.next() {
        out.push_str(first.trim_end());
    }
    // Continuation lines are indented; blank lines inside an item are left
    // out so that the item stays one list item for every Markdown reader.
    for line in lines.filter(|l| !l.trim().is_empty()) {
        out.push_str("\n  ");
        out.push_str(line.trim());
    }
}

/// The text of one entry, without the leading `- `.
pub fn entry_text(entry: &Entry) -> String {
    let mut s = String::new();
    if let Some(scope) = &entry.scope {
        let _ = write!(s, "**{scope}**: ");
    }
    s.push_str(entry.description.trim());
    let mut links: Vec<String> = entry
        .commits
        .iter()
        .map(|c| match &c.url {
            Some(u) => format!("[{}]({u})", c.short),
            None => c.short.clone(),
        })
        .collect();
    links.extend(
        entry
            .references
            .iter()
            .filter(|r| r.action.is_some())
            .map(|r| match &r.url {
                Some(u) => format!("[#{}]({u})", r.number),
                None => format!("#{}", r.number),
            }),
    );
    if !links.is_empty() {
        let _ = write!(s, " ({})", links.join(", "));
    }
    s
}

/// The heading line of a release: `## [1.2.0] - 2026-01-31`.
pub fn heading(release: &Release) -> String {
    match &release.date {
        Some(d) if release.version.is_some() => format!("## [{}] - {d}", release.title),
        _ => format!("## [{}]", release.title),
    }
}

/// One release as Markdown: heading, breaking changes, sections. Ends
/// with a newline; no link definitions.
pub fn release_markdown(release: &Release, breaking_title: Option<&str>) -> String {
    let mut out = heading(release);
    out.push('\n');
    if let (Some(title), false) = (breaking_title, release.breaking.is_empty()) {
        let _ = write!(out, "\n### {title}\n\n");
        for note in &release.breaking {
            out.push_str("- ");
            if let Some(scope) = &note.scope {
                let _ = write!(out, "**{scope}**: ");
            }
            push_indented(&mut out, note.description.trim());
            out.push('\n');
        }
    }
    for section in &release.sections {
        let _ = write!(out, "\n### {}\n\n", section.title);
        for entry in &section.entries {
            out.push_str("- ");
            push_indented(&mut out, &entry_text(entry));
            out.push('\n');
        }
    }
    out
}

/// The link definitions of releases that have a compare URL:
/// `[1.2.0]: https://…/compare/v1.1.0...v1.2.0`.
pub fn link_definitions(changelog: &Changelog) -> Vec<(String, String)> {
    changelog
        .releases
        .iter()
        .filter_map(|r| r.compare_url.clone().map(|u| (r.title.clone(), u)))
        .collect()
}

/// The whole changelog as Keep a Changelog Markdown: `header`, the
/// releases newest first, then the link definitions.
pub fn markdown(changelog: &Changelog, header: &str, breaking_title: Option<&str>) -> String {
    let mut out = header.trim_end().to_owned();
    out.push('\n');
    for r in &changelog.releases {
        out.push('\n');
        out.push_str(&release_markdown(r, breaking_title));
    }
    let links = link_definitions(changelog);
    if !links.is_empty() {
        out.push('\n');
        for (label, url) in links {
            let _ = writeln!(out, "[{label}]: {url}");
        }
    }
    out
}

/// The changelog as pretty JSON (the documented schema of [`Changelog`]).
///
/// # Errors
///
/// [`Error::Json`] (serialisation of these types does not fail in practice).
pub fn json(changelog: &Changelog) -> Result<String> {
    let mut s = serde_json::to_string_pretty(changelog).map_err(|e| Error::Json(e.to_string()))?;
    s.push('\n');
    Ok(s)
}

/// Render a minijinja template with the same context as the JSON output
/// (`schema` and `releases`).
///
/// ```
/// use relkit_changelog::{build, template, Commit, Options, ReleaseInput};
///
/// let log = build(&[ReleaseInput { commits: vec![Commit::new("a1b2c3d", "feat: x")], ..Default::default() }], &Options::default());
/// let t = "{% for r in releases %}{{ r.title }}: {{ r.sections[0].entries | length }}{% endfor %}";
/// assert_eq!(template("t", t, &log)?, "Unreleased: 1");
/// # Ok::<(), relkit_changelog::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Template`] with minijinja's message when the template does not
/// compile or fails while rendering.
#[cfg(feature = "template")]
pub fn template(name: &str, source: &str, changelog: &Changelog) -> Result<String> {
    let err = |e: minijinja::Error| Error::Template {
        name: name.to_owned(),
        reason: match e.line() {
            Some(line) => format!("line {line}: {e}"),
            None => e.to_string(),
        },
    };
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_template(name, source).map_err(err)?;
    let t = env.get_template(name).map_err(err)?;
    t.render(minijinja::Value::from(minijinja::value::Serde(changelog)))
        .map_err(err)
}
