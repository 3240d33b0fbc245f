//! `relkit.toml`: the project's release settings, read by every command.
//!
//! ```toml
//! [version]
//! tag-pattern = "v{version}"     # or "{package}-v{version}", "{package}@{version}", …
//! initial = "0.1.0"              # the first release when there is no tag yet
//! first-parent = false           # read only the first-parent line
//! scheme = "semver"              # or "calver", with `calver = "YYYY.MM.PATCH"`
//! propagation = "when-requirement-breaks"   # or "always"
//! breaking = "major"             # the bump of a breaking change
//! other = "none"                 # the bump of a message that is not a Conventional Commit
//! release-as = true              # honour `Release-As: x.y.z` footers
//!
//! [version.types]                # merged over feat = minor, fix = patch, perf = patch
//! deps = "patch"
//!
//! [version.zero]                 # 0.y.z: what a major and a minor bump become
//! breaking = "minor"
//! feature = "patch"
//!
//! [changelog]
//! header = "# Changelog\n"       # the text above the releases of a new file
//! order = "oldest"               # or "newest": entries within a section
//! other = "Other"                # list non-conventional commits under this title
//! breaking = "Breaking Changes"  # "" leaves the breaking changes out
//! remote = "https://github.com/o/r"   # default: the URL of `origin`
//! forge = "github"               # github, gitlab, gitea or bitbucket, if the host does not tell
//! drop-reverted = true
//! fold-identical = true
//!
//! [[changelog.group]]            # replaces the default sections when given
//! title = "Features"
//! types = ["feat"]
//!
//! [release]
//! build = "cargo build --release --locked"   # "" for none; this is the default for Cargo
//! artifacts = ["target/release/app"]          # globs; default: the workspace's binaries
//! key = "release.key"            # or "env:VAR"; default: $RELKIT_SIGNING_KEY
//! out = ".relkit/releases"       # signatures, SBOM, attestation
//! changelog = "CHANGELOG.md"
//! builder-id = "https://ci.example.com/builder"
//! store = ".relkit/store"        # the OCI image layout the release is pushed into
//! pipeline = "pipeline.toml"     # environments; default dev -> staging -> prod
//! manifests = true               # write the versions into Cargo.toml and Cargo.lock
//! ```
//!
//! Per-package releases (a tag pattern with `{package}`, `--package` or
//! `--all-packages`): `artifacts` and `store` may use `{package}`,
//! `{version}` and `{dir}` (the package's directory) and must name the
//! package; the changelog is `CHANGELOG.md` in the package's directory, and
//! the store defaults to `.relkit/store/{package}`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use relkit_version::{Bump, CalVer, NextOptions, Propagation, Scheme, TagPattern, ZeroPolicy};
use serde::Deserialize;

use crate::error::CliError;

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct Config {
    #[serde(default)]
    pub(crate) version: VersionConfig,
    #[serde(default)]
    pub(crate) changelog: ChangelogConfig,
    #[serde(default)]
    pub(crate) release: ReleaseConfig,
}

/// `[release]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct ReleaseConfig {
    /// The build command, run with `sh -c` at the root; "" for none
    /// [default for a Cargo workspace: cargo build --release --locked].
    pub(crate) build: Option<String>,
    /// The files to release (globs from the root) [default: the workspace's binaries].
    #[serde(default)]
    pub(crate) artifacts: Vec<String>,
    /// The signing key: a file or `env:VAR`.
    pub(crate) key: Option<String>,
    /// Where signatures and attestations go [default: .relkit/releases].
    pub(crate) out: Option<String>,
    /// The changelog file [default: CHANGELOG.md].
    pub(crate) changelog: Option<String>,
    /// The SLSA builder id [default: $RELKIT_BUILDER_ID or relkit's local builder].
    pub(crate) builder_id: Option<String>,
    /// The OCI layout store [default: .relkit/store].
    pub(crate) store: Option<String>,
    /// The promotion pipeline (TOML or JSON) [default: dev → staging → prod].
    pub(crate) pipeline: Option<String>,
    /// Write the released versions into the Cargo manifests and Cargo.lock
    /// [default: true in a Cargo workspace].
    pub(crate) manifests: Option<bool>,
}

/// `[changelog]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct ChangelogConfig {
    /// The text above the releases of a new file.
    pub(crate) header: Option<String>,
    /// `oldest` (default) or `newest` first within a section.
    pub(crate) order: Option<relkit_changelog::Order>,
    /// List non-conventional commits under this title.
    pub(crate) other: Option<String>,
    /// The title of the breaking changes; an empty string leaves them out.
    pub(crate) breaking: Option<String>,
    /// The repository's web address; by default the URL of `origin`.
    pub(crate) remote: Option<String>,
    /// `github`, `gitlab`, `gitea` or `bitbucket`, when the host does not tell.
    pub(crate) forge: Option<relkit_changelog::Flavor>,
    pub(crate) drop_reverted: Option<bool>,
    pub(crate) fold_identical: Option<bool>,
    /// The sections, in order; replaces the default ones.
    #[serde(default, rename = "group")]
    pub(crate) groups: Vec<relkit_changelog::Group>,
}

/// `[version]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct VersionConfig {
    pub(crate) tag_pattern: Option<String>,
    pub(crate) initial: Option<String>,
    #[serde(default)]
    pub(crate) first_parent: bool,
    #[serde(default)]
    pub(crate) scheme: SchemeName,
    pub(crate) calver: Option<String>,
    #[serde(default)]
    pub(crate) propagation: Propagation,
    pub(crate) breaking: Option<Bump>,
    pub(crate) other: Option<Bump>,
    pub(crate) release_as: Option<bool>,
    #[serde(default)]
    pub(crate) types: BTreeMap<String, Bump>,
    pub(crate) zero: Option<ZeroPolicy>,
}

/// `scheme = "semver" | "calver"`
#[derive(Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum SchemeName {
    #[default]
    Semver,
    Calver,
}

impl Config {
    /// Read `explicit`, or `relkit.toml` at the root of `repo` when it exists.
    pub(crate) fn load(
        explicit: Option<&Path>,
        repo_root: &Path,
    ) -> Result<(Config, Option<PathBuf>), CliError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let p = repo_root.join("relkit.toml");
                if !p.is_file() {
                    return Ok((Config::default(), None));
                }
                p
            }
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| CliError::input(format!("{}: {e}", path.display())))?;
        let config: Config = toml::from_str(&text).map_err(|e| {
            CliError::input(format!("{}: {}", path.display(), e.to_string().trim_end()))
        })?;
        Ok((config, Some(path)))
    }
}

impl VersionConfig {
    /// The tag pattern, if the file sets one.
    pub(crate) fn tag_pattern(&self, file: &Path) -> Result<Option<TagPattern>, CliError> {
        self.tag_pattern
            .as_deref()
            .map(TagPattern::new)
            .transpose()
            .map_err(|e| CliError::input(format!("{}: [version] tag-pattern: {e}", file.display())))
    }

    /// The options of `next_version` that this section sets; `today` is for CalVer.
    pub(crate) fn options(
        &self,
        file: &Path,
        today: jiff::civil::Date,
    ) -> Result<NextOptions, CliError> {
        let bad = |what: &str, e: &dyn std::fmt::Display| {
            CliError::input(format!("{}: [version] {what}: {e}", file.display()))
        };
        let mut o = NextOptions::default();
        for (kind, bump) in &self.types {
            o.policy.types.insert(kind.to_ascii_lowercase(), *bump);
        }
        if let Some(b) = self.breaking {
            o.policy.breaking = b;
        }
        if let Some(b) = self.other {
            o.policy.other = b;
        }
        if let Some(r) = self.release_as {
            o.policy.release_as = r;
        }
        if let Some(z) = self.zero {
            o.policy.zero = z;
        }
        if let Some(i) = &self.initial {
            o.initial =
                relkit_version::semver::Version::parse(i).map_err(|e| bad("initial", &e))?;
        }
        match (&self.scheme, &self.calver) {
            (SchemeName::Semver, None) => {}
            (SchemeName::Semver, Some(_)) => {
                return Err(bad("calver", &"is set, but scheme is not \"calver\""));
            }
            (SchemeName::Calver, format) => {
                let format = CalVer::new(format.as_deref().unwrap_or("YYYY.MM.PATCH"))
                    .map_err(|e| bad("calver", &e))?;
                o.scheme = Scheme::CalVer { format, today };
            }
        }
        Ok(o)
    }
}

/// The time of a release: `SOURCE_DATE_EPOCH` when it is set (reproducible
/// builds), else now. The one place the CLI reads the clock for a release.
pub(crate) fn release_time() -> Result<jiff::Timestamp, CliError> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(s) => {
            let secs: i64 = s.trim().parse().map_err(|e| {
                CliError::input(format!(
                    "SOURCE_DATE_EPOCH={s:?} is not a number of seconds: {e}"
                ))
            })?;
            jiff::Timestamp::from_second(secs)
                .map_err(|e| CliError::input(format!("SOURCE_DATE_EPOCH={s:?}: {e}")))
        }
        Err(_) => Ok(jiff::Timestamp::now()),
    }
}

/// The UTC date of [`release_time`].
pub(crate) fn today() -> Result<jiff::civil::Date, CliError> {
    Ok(utc_date(release_time()?))
}

/// The UTC date of a moment.
pub(crate) fn utc_date(t: jiff::Timestamp) -> jiff::civil::Date {
    jiff::tz::TimeZone::UTC.to_datetime(t).date()
}

// `ZeroPolicy` is a plain struct of two bumps; check that it reads as documented.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_field() {
        let c: Config = toml::from_str(
            "[version]\ntag-pattern = \"{package}@{version}\"\ninitial = \"1.0.0\"\nfirst-parent = true\n\
             scheme = \"calver\"\ncalver = \"YY.MM.PATCH\"\npropagation = \"always\"\nbreaking = \"minor\"\n\
             other = \"patch\"\nrelease-as = false\n[version.types]\nDeps = \"patch\"\n[version.zero]\nbreaking = \"major\"\nfeature = \"minor\"\n",
        )
        .unwrap();
        let f = Path::new("relkit.toml");
        let o = c
            .version
            .options(f, jiff::civil::date(2026, 11, 29))
            .unwrap();
        assert_eq!(o.policy.type_bump("deps"), Bump::Patch);
        assert_eq!(o.policy.type_bump("feat"), Bump::Minor, "defaults stay");
        assert_eq!(
            (o.policy.breaking, o.policy.other, o.policy.release_as),
            (Bump::Minor, Bump::Patch, false)
        );
        assert_eq!(o.policy.zero, ZeroPolicy::AS_MAJOR);
        assert!(matches!(o.scheme, Scheme::CalVer { .. }));
        assert_eq!(c.version.propagation, Propagation::Always);
        assert!(c.version.first_parent);
    }

    #[test]
    fn unknown_fields_and_bad_values_are_named() {
        let e = toml::from_str::<Config>("[version]\ntag-patern = \"v{version}\"\n").unwrap_err();
        assert!(e.to_string().contains("tag-patern"), "{e}");
        let e = toml::from_str::<Config>("[version.types]\nfeat = \"huge\"\n").unwrap_err();
        assert!(e.to_string().contains("huge"), "{e}");
        let c: Config = toml::from_str("[version]\ncalver = \"YYYY.MM.PATCH\"\n").unwrap();
        let e = c
            .version
            .options(Path::new("relkit.toml"), jiff::civil::date(2026, 1, 1))
            .unwrap_err();
        assert!(
            e.message.contains("relkit.toml: [version] calver"),
            "{}",
            e.message
        );
    }
}
