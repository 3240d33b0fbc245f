//! `relkit key generate`, `relkit sign`, `relkit verify`, `relkit attest` and
//! `relkit verify-attestation`: thin wrappers over `relkit-sign`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use relkit_sign::dsse::IN_TOTO_PAYLOAD_TYPE;
use relkit_sign::minisign::{self, MinisignSignature};
use relkit_sign::{
    AnyPublicKey, BuildMetadata, Envelope, FileMode, KeyFormat, Provenance, ResourceDescriptor,
    SecretKey, Statement, TrustPolicy, raw,
};

use crate::error::CliError;
use crate::output;

/// The environment variable read for a key's passphrase when `--passphrase-env` is not given.
const DEFAULT_PASSPHRASE_ENV: &str = "RELKIT_KEY_PASSPHRASE";
/// The SLSA builder id when neither `--builder-id` nor `RELKIT_BUILDER_ID` says.
pub(crate) const DEFAULT_BUILDER_ID: &str = "https://github.com/relkit/relkit/builders/local";

impl From<relkit_sign::Error> for CliError {
    fn from(e: relkit_sign::Error) -> Self {
        use relkit_sign::Error as E;
        match &e {
            // The input was read and is not valid: verification failed.
            E::BadSignature { .. }
            | E::ThresholdNotMet { .. }
            | E::SubjectMismatch { .. }
            | E::PayloadType { .. }
            | E::Changed { .. } => CliError::other(e),
            E::Io { source, .. } if source.kind() != std::io::ErrorKind::NotFound => {
                CliError::other(e)
            }
            E::Random(_) => CliError::other(e),
            _ => CliError::input(e),
        }
    }
}

/// `relkit key …`
#[derive(Debug, Subcommand)]
pub(crate) enum KeyCommand {
    /// Make a new Ed25519 key pair: PATH (private, mode 0600) and PATH.pub.
    Generate(GenerateArgs),
}

/// The file format of a key pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum KeyFormatArg {
    /// PKCS#8 PEM private key, SPKI PEM public key (what openssl reads and writes).
    Pkcs8,
    /// minisign secret and public key files.
    Minisign,
}

/// `relkit key generate`
#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    /// Where to write the private key; the public key goes to PATH.pub.
    #[arg(long, value_name = "PATH")]
    out: PathBuf,
    /// The key file format.
    #[arg(long, value_enum, default_value = "pkcs8")]
    format: KeyFormatArg,
    /// Encrypt the private key with the passphrase in this environment variable
    /// (PKCS#8: scrypt + AES-256-CBC; minisign: scrypt as `minisign -G`).
    #[arg(long, value_name = "VAR")]
    passphrase_env: Option<String>,
    /// Replace existing key files.
    #[arg(long)]
    force: bool,
}

/// The detached signature format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SigFormatArg {
    /// The 64 Ed25519 signature bytes over the file (`openssl pkeyutl -verify -rawin`): FILE.sig.
    Raw,
    /// A minisign signature (`minisign -V`): FILE.minisig.
    Minisign,
}

/// Where a secret key comes from.
#[derive(Debug, Args)]
pub(crate) struct KeySource {
    /// Read an encrypted key's passphrase from this environment variable
    /// [default: RELKIT_KEY_PASSPHRASE, when set].
    #[arg(long, value_name = "VAR")]
    passphrase_env: Option<String>,
}

/// `relkit sign`
#[derive(Debug, Args)]
pub(crate) struct SignArgs {
    /// The files to sign.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The private key: a PKCS#8 PEM file (ours or openssl's) or a minisign secret key file,
    /// or `env:VAR` to read the key itself from an environment variable (for CI).
    #[arg(long, value_name = "KEY")]
    key: String,
    /// The signature format.
    #[arg(long, value_enum, default_value = "raw")]
    format: SigFormatArg,
    /// Write the signature here instead of next to the file (one FILE only).
    #[arg(long, value_name = "SIG")]
    output: Option<PathBuf>,
    /// minisign only: the trusted comment
    /// [default: timestamp:<SOURCE_DATE_EPOCH or now>\tfile:<name>\thashed].
    #[arg(long, value_name = "TEXT")]
    trusted_comment: Option<String>,
    #[command(flatten)]
    source: KeySource,
}

/// `relkit verify`
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The signed file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The signature: raw Ed25519 (64 bytes) or a minisign signature.
    #[arg(long, value_name = "SIG")]
    signature: PathBuf,
    /// The public key: SPKI PEM (for raw signatures) or a minisign public key.
    #[arg(long, value_name = "PUB")]
    public_key: PathBuf,
}

/// The predicate of an attestation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PredicateArg {
    /// SLSA Provenance v1.
    Slsa,
}

/// `relkit attest`
#[derive(Debug, Args)]
pub(crate) struct AttestArgs {
    /// The artifacts: each becomes a subject (file name and sha256).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// A signing key (repeat for several signatures); a file or `env:VAR`.
    #[arg(long = "key", value_name = "KEY", required = true)]
    keys: Vec<String>,
    /// The predicate.
    #[arg(long, value_enum, default_value = "slsa")]
    predicate: PredicateArg,
    /// SLSA buildType URI.
    #[arg(
        long,
        value_name = "URI",
        default_value = "https://github.com/relkit/relkit/buildtypes/release/v1"
    )]
    build_type: String,
    /// SLSA builder id URI [default: $RELKIT_BUILDER_ID, else
    /// https://github.com/relkit/relkit/builders/local].
    #[arg(long, value_name = "URI")]
    builder_id: Option<String>,
    /// The source commit (a resolvedDependency with a gitCommit digest).
    #[arg(long, value_name = "SHA")]
    git_commit: Option<String>,
    /// The source repository URI for --git-commit (e.g. git+https://host/repo@refs/tags/v1.0.0).
    #[arg(long, value_name = "URI", requires = "git_commit")]
    git_uri: Option<String>,
    /// An external parameter NAME=VALUE (repeatable; VALUE is JSON if it parses, else a string).
    #[arg(long = "external-parameter", value_name = "NAME=VALUE")]
    external_parameters: Vec<String>,
    /// The build's invocation id.
    #[arg(long, value_name = "ID")]
    invocation_id: Option<String>,
    /// When the build started (RFC 3339).
    #[arg(long, value_name = "TIME")]
    started_on: Option<jiff::Timestamp>,
    /// When the build finished (RFC 3339) [default: SOURCE_DATE_EPOCH, else now].
    #[arg(long, value_name = "TIME")]
    finished_on: Option<jiff::Timestamp>,
    /// Write the envelope to this file (atomically) instead of stdout.
    #[arg(long, value_name = "PATH")]
    output: Option<PathBuf>,
    #[command(flatten)]
    source: KeySource,
}

/// `relkit verify-attestation`
#[derive(Debug, Args)]
pub(crate) struct VerifyAttestationArgs {
    /// The DSSE envelope (JSON).
    #[arg(value_name = "ENVELOPE")]
    envelope: PathBuf,
    /// A trusted public key (SPKI PEM or minisign); repeat for several.
    #[arg(long = "public-key", value_name = "PUB", required = true)]
    public_keys: Vec<PathBuf>,
    /// How many distinct trusted keys must have signed.
    #[arg(long, value_name = "K", default_value_t = 1)]
    threshold: usize,
    /// A file that must be a subject of the statement (by sha256); repeatable.
    #[arg(long = "subject", value_name = "FILE")]
    subjects: Vec<PathBuf>,
}

/// A progress bar over a number of bytes, shown on stderr only once the work has
/// lasted more than a moment (and only on a terminal).
pub(crate) struct Progress {
    bar: ProgressBar,
    start: Instant,
    shown: AtomicBool,
    done: Vec<AtomicU64>,
}

impl Progress {
    const DELAY: Duration = Duration::from_millis(700);

    pub(crate) fn new(total: u64, parts: usize, message: &str) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(message.to_owned());
        Self {
            bar,
            start: Instant::now(),
            shown: AtomicBool::new(false),
            done: (0..parts).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Part `part` has now done `bytes` in all.
    pub(crate) fn update(&self, part: usize, bytes: u64) {
        if let Some(d) = self.done.get(part) {
            let before = d.swap(bytes, Ordering::Relaxed);
            self.bar.inc(bytes.saturating_sub(before));
        }
        if !self.shown.load(Ordering::Relaxed) && self.start.elapsed() > Self::DELAY {
            self.shown.store(true, Ordering::Relaxed);
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

pub(crate) fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn env_var(name: &str) -> Result<String, CliError> {
    std::env::var(name)
        .map_err(|_| CliError::input(format!("environment variable {name} is not set")))
}

fn passphrase(var: Option<&str>) -> Result<Option<zeroize::Zeroizing<String>>, CliError> {
    match var {
        Some(v) => Ok(Some(zeroize::Zeroizing::new(env_var(v)?))),
        None => Ok(std::env::var(DEFAULT_PASSPHRASE_ENV)
            .ok()
            .map(zeroize::Zeroizing::new)),
    }
}

/// Load a secret key from a file, or from an environment variable with `env:VAR`.
pub(crate) fn load_key(spec: &str, source: &KeySource) -> Result<SecretKey, CliError> {
    let pass = passphrase(source.passphrase_env.as_deref())?;
    let pass = pass.as_ref().map(|p| p.as_bytes());
    if let Some(var) = spec.strip_prefix("env:") {
        let text = zeroize::Zeroizing::new(env_var(var)?);
        Ok(relkit_sign::parse_secret_key(
            &text,
            pass,
            &format!("key in ${var}"),
        )?)
    } else {
        Ok(relkit_sign::read_secret_key(Path::new(spec), pass)?)
    }
}

/// Seconds since the epoch of [`crate::config::release_time`].
pub(crate) fn now_secs() -> Result<u64, CliError> {
    let t = crate::config::release_time()?;
    u64::try_from(t.as_second())
        .map_err(|_| CliError::input(format!("the release time {t} is before 1970")))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Run `relkit key …`.
pub(crate) fn run_key(cmd: KeyCommand) -> Result<ExitCode, CliError> {
    match cmd {
        KeyCommand::Generate(a) => generate(a),
    }
}

fn generate(args: GenerateArgs) -> Result<ExitCode, CliError> {
    let pub_path = relkit_sign::public_key_path(&args.out);
    if !args.force {
        for p in [&args.out, &pub_path] {
            if p.exists() {
                return Err(CliError::input(format!(
                    "{} exists: remove it or pass --force",
                    p.display()
                )));
            }
        }
    }
    let pass = match &args.passphrase_env {
        Some(v) => Some(zeroize::Zeroizing::new(env_var(v)?)),
        None => None,
    };
    let format = match args.format {
        KeyFormatArg::Pkcs8 => KeyFormat::Pkcs8,
        KeyFormatArg::Minisign => KeyFormat::Minisign,
    };
    let key = SecretKey::generate()?;
    let written =
        relkit_sign::write_key_pair(&key, &args.out, format, pass.as_ref().map(|p| p.as_bytes()))?;
    output::note(&format!(
        "wrote {} (private, mode 0600) and {}",
        args.out.display(),
        written.display()
    ));
    // The public key is no secret: print its DSSE key id.
    output::out(&key.public_key().key_id())?;
    Ok(ExitCode::SUCCESS)
}

/// Run `relkit sign`.
pub(crate) fn run_sign(args: SignArgs) -> Result<ExitCode, CliError> {
    if args.output.is_some() && args.files.len() > 1 {
        return Err(CliError::input(
            "--output takes one FILE; drop it to sign several",
        ));
    }
    let key = load_key(&args.key, &args.source)?;
    let factor = if args.format == SigFormatArg::Raw {
        2
    } else {
        1
    };
    let total: u64 = args.files.iter().map(|f| file_size(f) * factor).sum();
    let progress = Progress::new(total, args.files.len(), "signing");
    let ts = now_secs()?;
    for (i, file) in args.files.iter().enumerate() {
        let (bytes, default_out) = match args.format {
            SigFormatArg::Raw => {
                let sig = raw::sign_file(&key, file, &mut |n| progress.update(i, n))?;
                (sig.to_bytes().to_vec(), with_suffix(file, ".sig"))
            }
            SigFormatArg::Minisign => {
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let comment = args
                    .trusted_comment
                    .clone()
                    .unwrap_or_else(|| minisign::default_trusted_comment(ts, &name));
                let sig =
                    minisign::sign_file(&key, file, &comment, &mut |n| progress.update(i, n))?;
                (
                    sig.to_file_string().into_bytes(),
                    with_suffix(file, ".minisig"),
                )
            }
        };
        let out = args.output.clone().unwrap_or(default_out);
        relkit_sign::write_atomic(&out, &bytes, FileMode::Public)?;
        progress
            .bar
            .suspend(|| output::note(&format!("wrote {}", out.display())));
    }
    progress.finish();
    Ok(ExitCode::SUCCESS)
}

/// Run `relkit verify`: exit 0 only when the signature is valid.
pub(crate) fn run_verify(args: VerifyArgs) -> Result<ExitCode, CliError> {
    let public = relkit_sign::read_public_key(&args.public_key)?;
    let sig_name = args.signature.display().to_string();
    let progress = Progress::new(file_size(&args.file), 1, "verifying");
    match public {
        AnyPublicKey::Spki(pk) => {
            let sig = raw::read_signature(&args.signature)?;
            raw::verify_file(&pk, &args.file, &sig, &sig_name, &mut |n| {
                progress.update(0, n)
            })?;
            progress.finish();
            output::note(&format!(
                "{}: valid raw Ed25519 signature",
                args.file.display()
            ));
        }
        AnyPublicKey::Minisign(pk) => {
            let text = std::fs::read_to_string(&args.signature)
                .map_err(|e| CliError::input(format!("reading {sig_name}: {e}")))?;
            let sig = MinisignSignature::parse(&text, &sig_name)?;
            minisign::verify_file(&pk, &args.file, &sig, &sig_name, &mut |n| {
                progress.update(0, n)
            })?;
            progress.finish();
            output::note(&format!(
                "{}: valid minisign signature",
                args.file.display()
            ));
            output::out(&format!("trusted comment: {}", sig.trusted_comment))?;
        }
        _ => return Err(CliError::input("unsupported public key format")),
    }
    Ok(ExitCode::SUCCESS)
}

/// Run `relkit attest`: print a DSSE envelope of an in-toto SLSA provenance statement.
pub(crate) fn run_attest(args: AttestArgs) -> Result<ExitCode, CliError> {
    let keys = args
        .keys
        .iter()
        .map(|k| load_key(k, &args.source))
        .collect::<Result<Vec<_>, _>>()?;
    let total: u64 = args.files.iter().map(|f| file_size(f)).sum();
    let progress = Progress::new(total, args.files.len(), "hashing");
    let subjects =
        relkit_sign::intoto::subjects_for_files(&args.files, &|i, n| progress.update(i, n))?;
    progress.finish();

    let PredicateArg::Slsa = args.predicate;
    let builder_id = args
        .builder_id
        .clone()
        .or_else(|| std::env::var("RELKIT_BUILDER_ID").ok())
        .unwrap_or_else(|| DEFAULT_BUILDER_ID.to_owned());
    let mut provenance = Provenance::new(&args.build_type, &builder_id);
    for p in &args.external_parameters {
        let (name, value) = p.split_once('=').ok_or_else(|| {
            CliError::input(format!("--external-parameter {p:?} is not NAME=VALUE"))
        })?;
        let value = serde_json::from_str(value)
            .unwrap_or_else(|_| serde_json::Value::String(value.to_owned()));
        provenance = provenance.with_external_parameter(name, value);
    }
    if let Some(commit) = &args.git_commit {
        let uri = args.git_uri.clone().unwrap_or_default();
        let mut dep = ResourceDescriptor::git_commit(&uri, commit);
        if uri.is_empty() {
            dep.uri = None;
        }
        provenance = provenance.with_resolved_dependency(dep);
    }
    let finished = match args.finished_on {
        Some(t) => t,
        None => crate::config::release_time()?,
    };
    provenance.run_details.metadata = Some(BuildMetadata {
        invocation_id: args.invocation_id.clone(),
        started_on: args.started_on.map(|t| t.to_string()),
        finished_on: Some(finished.to_string()),
    });
    let statement = Statement::slsa(subjects, &provenance);
    let refs: Vec<&SecretKey> = keys.iter().collect();
    let envelope = statement.sign(&refs);
    let json = envelope.to_json(true);
    match &args.output {
        Some(path) => {
            relkit_sign::write_atomic(path, format!("{json}\n").as_bytes(), FileMode::Public)?;
            output::note(&format!("wrote {}", path.display()));
        }
        None => output::out(&json)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Run `relkit verify-attestation`: exit 0 only when the envelope is signed by enough
/// trusted keys and every `--subject` file matches a subject.
pub(crate) fn run_verify_attestation(args: VerifyAttestationArgs) -> Result<ExitCode, CliError> {
    let name = args.envelope.display().to_string();
    let bytes = std::fs::read(&args.envelope)
        .map_err(|e| CliError::input(format!("reading {name}: {e}")))?;
    let envelope = Envelope::from_json(&bytes, &name)?;
    let keys = args
        .public_keys
        .iter()
        .map(|p| {
            Ok((
                p.display().to_string(),
                relkit_sign::read_public_key(p)?.key(),
            ))
        })
        .collect::<Result<Vec<_>, CliError>>()?;
    let policy = TrustPolicy::new(keys, args.threshold, IN_TOTO_PAYLOAD_TYPE)?;
    let total: u64 = args.subjects.iter().map(|f| file_size(f)).sum();
    let progress = Progress::new(total, args.subjects.len(), "hashing");
    let verified = relkit_sign::verify_attestation(&envelope, &policy, &args.subjects, &|i, n| {
        progress.update(i, n)
    })?;
    progress.finish();
    output::note(&format!(
        "valid: signed by {}; {} subject file(s) matched",
        verified.signed_by.join(", "),
        args.subjects.len()
    ));
    let statement: serde_json::Value =
        serde_json::from_slice(&verified.statement.to_json()).map_err(CliError::other)?;
    output::json(&statement)?;
    Ok(ExitCode::SUCCESS)
}
