//! The OCI image layout store: blobs, manifests, tags, referrers, gc.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::{self, File};
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use oci_spec::image::{Descriptor, ImageIndex, ImageManifest, ImageManifestBuilder, MediaType};

use crate::digest::{Digest, HashingWriter, copy_large};
use crate::error::{Error, Result};
use crate::fsutil::{self, Lock, TEMP_PREFIX};
use crate::json;

/// The annotation that names a manifest in `index.json` (a tag).
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// The annotation that carries a layer's file name.
pub const TITLE: &str = "org.opencontainers.image.title";
/// The annotation that carries when an index entry was added (RFC 3339).
pub const CREATED: &str = "org.opencontainers.image.created";
/// The annotation naming who made an artifact (an approval by them does not count).
pub const AUTHORS: &str = "org.opencontainers.image.authors";
/// The `artifactType` of artifacts pushed from files.
pub const ARTIFACT_TYPE: &str = "application/vnd.relkit.artifact.v1";
/// The empty JSON config blob of OCI 1.1 artifacts.
pub const EMPTY_CONFIG: &[u8] = b"{}";
/// The largest manifest or index read (as registries do, 4 MiB).
pub const MAX_MANIFEST_SIZE: u64 = 4 << 20;

const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";

/// A decoded manifest: an image (or artifact) manifest, or an image index.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Manifest {
    /// `application/vnd.oci.image.manifest.v1+json`.
    Image(ImageManifest),
    /// `application/vnd.oci.image.index.v1+json`.
    Index(ImageIndex),
}

impl Manifest {
    /// The digests this manifest refers to that must be in the store
    /// (config and layers, or the index's manifests); not the `subject`.
    pub fn children(&self) -> Result<Vec<(Digest, u64)>> {
        let descs: Vec<&Descriptor> = match self {
            Manifest::Image(m) => std::iter::once(m.config()).chain(m.layers()).collect(),
            Manifest::Index(i) => i.manifests().iter().collect(),
        };
        descs
            .into_iter()
            .map(|d| Ok((descriptor_digest(d)?, d.size())))
            .collect()
    }

    /// The `subject` digest, if this manifest is a referrer.
    pub fn subject(&self) -> Result<Option<Digest>> {
        let s = match self {
            Manifest::Image(m) => m.subject().as_ref(),
            Manifest::Index(i) => i.subject().as_ref(),
        };
        s.map(descriptor_digest).transpose()
    }

    /// The `artifactType`, if any.
    pub fn artifact_type(&self) -> Option<String> {
        match self {
            Manifest::Image(m) => m.artifact_type().as_ref().map(|t| t.to_string()),
            Manifest::Index(i) => i.artifact_type().as_ref().map(|t| t.to_string()),
        }
    }

    /// The annotations.
    pub fn annotations(&self) -> Option<&HashMap<String, String>> {
        match self {
            Manifest::Image(m) => m.annotations().as_ref(),
            Manifest::Index(i) => i.annotations().as_ref(),
        }
    }
}

/// Decode a manifest or index from its bytes, strictly: JSON of at most
/// [`MAX_MANIFEST_SIZE`] bytes, `schemaVersion` 2, a known media type, and
/// every descriptor digest a valid `sha256:` digest.
///
/// ```
/// let bad = relkit_promote::decode_manifest(br#"{"schemaVersion":2,"layers":[]}"#, "x");
/// assert!(bad.is_err());
/// ```
pub fn decode_manifest(bytes: &[u8], input: &str) -> Result<Manifest> {
    if bytes.len() as u64 > MAX_MANIFEST_SIZE {
        return Err(Error::decode(
            input,
            format!("manifest of {} bytes is larger than 4 MiB", bytes.len()),
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| Error::decode(input, format!("not JSON: {e}")))?;
    let media_type = value.get("mediaType").and_then(|m| m.as_str());
    let is_index = match media_type {
        Some(MANIFEST_MEDIA_TYPE) => false,
        Some(INDEX_MEDIA_TYPE) => true,
        Some(other) => {
            return Err(Error::decode(
                input,
                format!("mediaType {other:?} is neither an OCI image manifest nor an index"),
            ));
        }
        None => value.get("manifests").is_some(),
    };
    if value.get("schemaVersion").and_then(|v| v.as_u64()) != Some(2) {
        return Err(Error::decode(input, "schemaVersion must be 2"));
    }
    let manifest = if is_index {
        Manifest::Index(
            serde_json::from_value(value)
                .map_err(|e| Error::decode(input, format!("not an OCI image index: {e}")))?,
        )
    } else {
        Manifest::Image(
            serde_json::from_value(value)
                .map_err(|e| Error::decode(input, format!("not an OCI image manifest: {e}")))?,
        )
    };
    manifest.children().map_err(|e| Error::decode(input, e))?;
    manifest.subject().map_err(|e| Error::decode(input, e))?;
    Ok(manifest)
}

/// Our strict digest of an `oci-spec` descriptor.
pub fn descriptor_digest(d: &Descriptor) -> Result<Digest> {
    Digest::parse(d.digest().as_ref())
}

/// An `oci-spec` descriptor for content we hold.
pub fn descriptor(media_type: &str, digest: &Digest, size: u64) -> Result<Descriptor> {
    let oci =
        oci_spec::image::Digest::from_str(&digest.to_string()).map_err(|e| Error::Digest {
            input: digest.to_string(),
            reason: e.to_string(),
        })?;
    Ok(Descriptor::new(MediaType::from(media_type), size, oci))
}

/// Check that `tag` is a plain name: 1 to 128 characters of `[A-Za-z0-9._-]`,
/// not starting with `.` or `-`. Path-like names (`../x`, `a/b`) are refused.
pub fn validate_tag(tag: &str) -> Result<()> {
    let bad = |reason: &str| Error::Tag {
        input: tag.to_owned(),
        reason: reason.to_owned(),
    };
    if tag.is_empty() || tag.len() > 128 {
        return Err(bad("must be 1 to 128 characters"));
    }
    if tag.starts_with('.') || tag.starts_with('-') {
        return Err(bad("must not start with '.' or '-'"));
    }
    if let Some(c) = tag
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(bad(&format!(
            "character {c:?} is not allowed (only A-Z a-z 0-9 . _ -; a tag is never a path)"
        )));
    }
    Ok(())
}

/// Check that `name` is a plain file name (no directory part, not `.`/`..`).
pub fn validate_file_name(name: &str) -> Result<()> {
    let bad = |reason: &str| Error::FileName {
        input: name.to_owned(),
        reason: reason.to_owned(),
    };
    if name.is_empty() || name == "." || name == ".." {
        return Err(bad("must be a plain file name"));
    }
    if name.contains(['/', '\\', '\0']) {
        return Err(bad(
            "must not contain '/', '\\' or NUL (it would be a path)",
        ));
    }
    if name.len() > 255 {
        return Err(bad("longer than 255 bytes"));
    }
    Ok(())
}

/// What kind of thing is attached to an artifact as a referrer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum AttachmentKind {
    /// A software bill of materials.
    Sbom,
    /// A signature (a DSSE envelope over an in-toto statement naming the artifact).
    Signature,
    /// An attestation (provenance, test results, …).
    Attestation,
}

impl AttachmentKind {
    /// The referrer manifest's `artifactType`.
    pub fn artifact_type(self) -> &'static str {
        match self {
            AttachmentKind::Sbom => "application/vnd.relkit.sbom.v1",
            AttachmentKind::Signature => "application/vnd.relkit.signature.v1",
            AttachmentKind::Attestation => "application/vnd.relkit.attestation.v1",
        }
    }

    /// The kind for an `artifactType`, if it is one of ours.
    pub fn from_artifact_type(t: &str) -> Option<Self> {
        [
            AttachmentKind::Sbom,
            AttachmentKind::Signature,
            AttachmentKind::Attestation,
        ]
        .into_iter()
        .find(|k| k.artifact_type() == t)
    }

    /// The layer media type for an attached file.
    fn layer_media_type(self, name: &str) -> &'static str {
        match self {
            AttachmentKind::Signature => "application/vnd.dsse.envelope.v1+json",
            AttachmentKind::Sbom if name.ends_with(".json") => "application/vnd.cyclonedx+json",
            _ if name.ends_with(".json") => "application/json",
            _ => "application/octet-stream",
        }
    }
}

/// A referrer of an artifact (a manifest whose `subject` is that artifact).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referrer {
    /// The referrer manifest's digest.
    pub digest: Digest,
    /// Its `artifactType`, if any.
    pub artifact_type: Option<String>,
    /// The kind, if the artifactType is one of ours.
    pub kind: Option<AttachmentKind>,
}

/// One entry of `index.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The manifest digest.
    pub digest: Digest,
    /// The manifest size.
    pub size: u64,
    /// The media type.
    pub media_type: String,
    /// The tag (`org.opencontainers.image.ref.name`), if any.
    pub tag: Option<String>,
    /// When we added it, if recorded.
    pub created: Option<jiff::Timestamp>,
}

/// The result of pushing files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// The artifact manifest's digest.
    pub digest: Digest,
    /// The manifest's size in bytes.
    pub size: u64,
    /// Each file's name and blob digest, in order.
    pub files: Vec<(String, Digest)>,
}

/// Options for [`Store::push_files`].
#[derive(Debug, Clone, Default)]
pub struct PushOptions {
    /// Tag the artifact with this name.
    pub tag: Option<String>,
    /// The `artifactType` ([`ARTIFACT_TYPE`] when `None`).
    pub artifact_type: Option<String>,
    /// Who made it (the `org.opencontainers.image.authors` annotation).
    pub author: Option<String>,
    /// When (recorded on the index entry, used for retention); not part of the digest.
    pub now: Option<jiff::Timestamp>,
}

/// What garbage collection would remove, or removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcPlan {
    /// Blobs no manifest in the index reaches.
    pub blobs: Vec<(Digest, u64)>,
    /// Temporary files left by interrupted writes.
    pub temp_files: Vec<PathBuf>,
}

impl GcPlan {
    /// Bytes that would be freed.
    pub fn bytes(&self) -> u64 {
        self.blobs.iter().map(|(_, s)| s).sum()
    }
}

/// An OCI image layout directory (`oci-layout`, `index.json`, `blobs/sha256/`).
///
/// Blobs are written to a temporary file in `blobs/sha256/`, hashed while
/// written, fsynced and renamed; `index.json` is rewritten atomically under an
/// exclusive file lock (`.relkit/lock`), so several processes may write at once.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// Create the layout at `dir` (and the directory) if it does not exist, or open it.
    pub fn create(dir: impl AsRef<Path>) -> Result<Store> {
        let root = dir.as_ref().to_path_buf();
        let blobs = root.join("blobs").join("sha256");
        fs::create_dir_all(&blobs).map_err(|e| Error::io(&blobs, e))?;
        let meta = root.join(".relkit");
        fs::create_dir_all(&meta).map_err(|e| Error::io(&meta, e))?;
        let store = Store { root };
        let _lock = store.lock()?;
        let layout = store.root.join("oci-layout");
        if !layout.exists() {
            fsutil::write_atomic(&layout, br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        }
        let index = store.root.join("index.json");
        if !index.exists() {
            store.write_index(&empty_index())?;
        }
        drop(_lock);
        Store::open(&store.root)
    }

    /// Open an existing layout (one we or another tool such as skopeo wrote).
    pub fn open(dir: impl AsRef<Path>) -> Result<Store> {
        let root = dir.as_ref().to_path_buf();
        let layout_err = |reason: String| Error::Layout {
            path: root.clone(),
            reason,
        };
        let layout = root.join("oci-layout");
        let text = fs::read(&layout).map_err(|e| layout_err(format!("oci-layout: {e}")))?;
        let v: serde_json::Value = serde_json::from_slice(&text)
            .map_err(|e| layout_err(format!("oci-layout is not JSON: {e}")))?;
        match v.get("imageLayoutVersion").and_then(|v| v.as_str()) {
            Some("1.0.0") => {}
            other => {
                return Err(layout_err(format!(
                    "oci-layout imageLayoutVersion is {other:?}, expected \"1.0.0\""
                )));
            }
        }
        if !root.join("blobs").join("sha256").is_dir() {
            return Err(layout_err("blobs/sha256 is not a directory".to_owned()));
        }
        let store = Store { root };
        store.index()?;
        Ok(store)
    }

    /// The layout directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory for relkit's own state (`.relkit/`), created if missing.
    pub(crate) fn meta_dir(&self) -> Result<PathBuf> {
        let meta = self.root.join(".relkit");
        fs::create_dir_all(&meta).map_err(|e| Error::io(&meta, e))?;
        Ok(meta)
    }

    /// Take the store's exclusive lock (released when dropped).
    pub(crate) fn lock(&self) -> Result<Lock> {
        Lock::acquire(&self.meta_dir()?.join("lock"))
    }

    fn blob_dir(&self) -> PathBuf {
        self.root.join("blobs").join("sha256")
    }

    /// The path of a blob (whether or not it exists).
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.blob_dir().join(digest.hex())
    }

    /// Whether the blob is present.
    pub fn has_blob(&self, digest: &Digest) -> bool {
        self.blob_path(digest).is_file()
    }

    /// Store a blob from a reader: written to a temporary file, hashed while
    /// written, fsynced and renamed to its digest. Storing the same content
    /// twice is a no-op the second time.
    pub fn put_blob(&self, reader: &mut dyn Read) -> Result<(Digest, u64)> {
        self.put_blob_checked(reader, None)
    }

    /// [`Store::put_blob`], failing (and storing nothing) unless the content
    /// hashes to `expected`.
    pub fn put_blob_checked(
        &self,
        reader: &mut dyn Read,
        expected: Option<&Digest>,
    ) -> Result<(Digest, u64)> {
        let dir = self.blob_dir();
        let tmp = fsutil::temp_in(&dir)?;
        let tmp_path = tmp.path().to_path_buf();
        let mut w = HashingWriter::new(BufWriter::with_capacity(1 << 20, tmp));
        copy_large(reader, &mut w).map_err(|e| Error::io(&tmp_path, e))?;
        let (buf, digest, size) = w.finish();
        let tmp = buf
            .into_inner()
            .map_err(|e| Error::io(&tmp_path, e.into_error()))?;
        if let Some(exp) = expected
            && *exp != digest
        {
            return Err(Error::BlobCorrupt {
                digest: exp.to_string(),
                reason: format!("content hashes to {digest}"),
            });
        }
        let path = self.blob_path(&digest);
        if path.is_file() {
            return Ok((digest, size));
        }
        tmp.as_file()
            .sync_all()
            .map_err(|e| Error::io(&tmp_path, e))?;
        fsutil::failpoint("blob");
        tmp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
        fsutil::sync_dir(&dir);
        Ok((digest, size))
    }

    /// Store a blob from memory.
    pub fn put_blob_bytes(&self, bytes: &[u8]) -> Result<(Digest, u64)> {
        let digest = Digest::of(bytes);
        if self.has_blob(&digest) {
            return Ok((digest, bytes.len() as u64));
        }
        self.put_blob_checked(&mut &bytes[..], Some(&digest))
    }

    /// Open a blob for reading.
    pub fn open_blob(&self, digest: &Digest) -> Result<File> {
        let path = self.blob_path(digest);
        File::open(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound {
                reference: digest.to_string(),
                store: self.root.clone(),
            },
            _ => Error::io(&path, e),
        })
    }

    /// Read a small blob (a manifest or config: at most [`MAX_MANIFEST_SIZE`]) and check its digest.
    pub fn read_blob(&self, digest: &Digest) -> Result<Vec<u8>> {
        let f = self.open_blob(digest)?;
        let mut bytes = Vec::new();
        f.take(MAX_MANIFEST_SIZE + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(self.blob_path(digest), e))?;
        if bytes.len() as u64 > MAX_MANIFEST_SIZE {
            return Err(Error::decode(digest, "larger than 4 MiB, not a manifest"));
        }
        let actual = Digest::of(&bytes);
        if actual != *digest {
            return Err(Error::BlobCorrupt {
                digest: digest.to_string(),
                reason: format!("content hashes to {actual}"),
            });
        }
        Ok(bytes)
    }

    /// Read and decode a manifest blob.
    pub fn manifest(&self, digest: &Digest) -> Result<Manifest> {
        let bytes = self.read_blob(digest)?;
        decode_manifest(&bytes, &format!("manifest {digest}"))
    }

    /// `index.json`, decoded.
    pub fn index(&self) -> Result<ImageIndex> {
        let path = self.root.join("index.json");
        let bytes = fs::read(&path).map_err(|e| Error::Layout {
            path: self.root.clone(),
            reason: format!("index.json: {e}"),
        })?;
        match decode_manifest(&bytes, &path.display().to_string())? {
            Manifest::Index(i) => Ok(i),
            Manifest::Image(_) => Err(Error::Layout {
                path: self.root.clone(),
                reason: "index.json is an image manifest, not an index".to_owned(),
            }),
        }
    }

    fn write_index(&self, index: &ImageIndex) -> Result<()> {
        let bytes = json::to_canonical(index, "index.json")?;
        fsutil::write_atomic(&self.root.join("index.json"), &bytes)
    }

    /// The entries of `index.json`.
    pub fn entries(&self) -> Result<Vec<Entry>> {
        self.index()?
            .manifests()
            .iter()
            .map(|d| {
                let ann = d.annotations().as_ref();
                Ok(Entry {
                    digest: descriptor_digest(d)?,
                    size: d.size(),
                    media_type: d.media_type().to_string(),
                    tag: ann.and_then(|a| a.get(REF_NAME)).cloned(),
                    created: ann
                        .and_then(|a| a.get(CREATED))
                        .and_then(|c| c.parse().ok()),
                })
            })
            .collect()
    }

    /// Every tag and the digest it names, sorted by tag.
    pub fn tags(&self) -> Result<BTreeMap<String, Digest>> {
        Ok(self
            .entries()?
            .into_iter()
            .filter_map(|e| e.tag.map(|t| (t, e.digest)))
            .collect())
    }

    /// Resolve a reference: a digest (`sha256:…`) or a tag.
    pub fn resolve(&self, reference: &str) -> Result<Entry> {
        let entries = self.entries()?;
        let found = if reference.starts_with("sha256:") || reference.contains(':') {
            let d = Digest::parse(reference)?;
            entries.into_iter().find(|e| e.digest == d)
        } else {
            validate_tag(reference)?;
            entries
                .into_iter()
                .find(|e| e.tag.as_deref() == Some(reference))
        };
        found.ok_or_else(|| Error::NotFound {
            reference: reference.to_owned(),
            store: self.root.clone(),
        })
    }

    /// Store a manifest (image, artifact or referrer) and add it to the index,
    /// untagged unless `tag` is given. Every blob it refers to must already be
    /// in the store, and its subject too.
    pub fn put_manifest(&self, manifest: &ImageManifest, tag: Option<&str>) -> Result<Entry> {
        let bytes = json::to_canonical(manifest, "manifest")?;
        self.put_manifest_bytes(&bytes, tag, None)
    }

    /// Store manifest bytes exactly as given (so a copied manifest keeps its digest).
    pub fn put_manifest_bytes(
        &self,
        bytes: &[u8],
        tag: Option<&str>,
        now: Option<jiff::Timestamp>,
    ) -> Result<Entry> {
        if let Some(t) = tag {
            validate_tag(t)?;
        }
        let digest = Digest::of(bytes);
        let manifest = decode_manifest(bytes, &format!("manifest {digest}"))?;
        for (child, size) in manifest.children()? {
            let path = self.blob_path(&child);
            match fs::metadata(&path) {
                Ok(m) if m.len() == size => {}
                Ok(m) => {
                    return Err(Error::BlobCorrupt {
                        digest: child.to_string(),
                        reason: format!(
                            "{} bytes in the store, manifest {digest} says {size}",
                            m.len()
                        ),
                    });
                }
                Err(_) => {
                    return Err(Error::BlobMissing {
                        digest: child.to_string(),
                        referenced_by: format!("manifest {digest}"),
                        store: self.root.clone(),
                    });
                }
            }
        }
        if let Some(subject) = manifest.subject()?
            && !self.has_blob(&subject)
        {
            return Err(Error::BlobMissing {
                digest: subject.to_string(),
                referenced_by: format!("the subject of manifest {digest}"),
                store: self.root.clone(),
            });
        }
        self.put_blob_checked(&mut &bytes[..], Some(&digest))?;
        let media_type = match manifest {
            Manifest::Image(_) => MANIFEST_MEDIA_TYPE,
            Manifest::Index(_) => INDEX_MEDIA_TYPE,
        };
        let mut desc = descriptor(media_type, &digest, bytes.len() as u64)?;
        if let Some(t) = manifest.artifact_type() {
            desc.set_artifact_type(Some(MediaType::from(t.as_str())));
        }
        self.add_to_index(desc, tag, now)
    }

    fn add_to_index(
        &self,
        mut desc: Descriptor,
        tag: Option<&str>,
        now: Option<jiff::Timestamp>,
    ) -> Result<Entry> {
        let _lock = self.lock()?;
        let mut index = self.index()?;
        let digest = descriptor_digest(&desc)?;
        let mut manifests = index.manifests().clone();
        let mut entry_created = None;
        for d in &manifests {
            let ann = d.annotations().as_ref();
            let d_digest = descriptor_digest(d)?;
            if let (Some(t), Some(existing)) = (tag, ann.and_then(|a| a.get(REF_NAME)))
                && existing == t
                && d_digest != digest
            {
                return Err(Error::TagMoved {
                    tag: t.to_owned(),
                    existing: d_digest.to_string(),
                    requested: digest.to_string(),
                });
            }
            if d_digest == digest && entry_created.is_none() {
                entry_created = ann.and_then(|a| a.get(CREATED)).cloned();
            }
        }
        let already = manifests.iter().any(|d| {
            descriptor_digest(d).ok() == Some(digest)
                && d.annotations()
                    .as_ref()
                    .and_then(|a| a.get(REF_NAME))
                    .map(String::as_str)
                    == tag
        });
        if !already {
            let mut ann = HashMap::new();
            if let Some(t) = tag {
                ann.insert(REF_NAME.to_owned(), t.to_owned());
                // A tagged entry replaces an untagged one for the same digest.
                manifests.retain(|d| {
                    descriptor_digest(d).ok() != Some(digest)
                        || d.annotations()
                            .as_ref()
                            .is_some_and(|a| a.contains_key(REF_NAME))
                });
            } else if manifests
                .iter()
                .any(|d| descriptor_digest(d).ok() == Some(digest))
            {
                // Already present (tagged): nothing to add.
                return self.entry_for(&digest, None);
            }
            let created = entry_created.or_else(|| now.map(|n| n.to_string()));
            if let Some(c) = created {
                ann.insert(CREATED.to_owned(), c);
            }
            if !ann.is_empty() {
                desc.set_annotations(Some(ann));
            }
            manifests.push(desc);
            index.set_manifests(manifests);
            self.write_index(&index)?;
        }
        drop(_lock);
        self.entry_for(&digest, tag)
    }

    fn entry_for(&self, digest: &Digest, tag: Option<&str>) -> Result<Entry> {
        self.entries()?
            .into_iter()
            .find(|e| e.digest == *digest && (tag.is_none() || e.tag.as_deref() == tag))
            .ok_or_else(|| Error::NotFound {
                reference: digest.to_string(),
                store: self.root.clone(),
            })
    }

    /// Tag an existing manifest. Tagging again with the same digest is a
    /// no-op; a tag that names another digest is [`Error::TagMoved`].
    pub fn tag(&self, tag: &str, digest: &Digest) -> Result<Entry> {
        validate_tag(tag)?;
        let entry = self.resolve(&digest.to_string())?;
        let desc = descriptor(&entry.media_type, digest, entry.size)?;
        self.add_to_index(desc, Some(tag), entry.created)
    }

    /// Push files as one artifact, as `oras push` does: one manifest with a
    /// layer per file (`application/octet-stream`), the file name as the
    /// layer's `org.opencontainers.image.title`, the empty config and
    /// `artifactType`.
    pub fn push_files(&self, files: &[PathBuf], options: &PushOptions) -> Result<Pushed> {
        self.push_files_with_progress(files, options, &mut |_, _| {})
    }

    /// [`Store::push_files`], calling `progress(i, bytes)` as file `i` is
    /// read: `bytes` is how much of it has been stored so far.
    pub fn push_files_with_progress(
        &self,
        files: &[PathBuf],
        options: &PushOptions,
        progress: &mut dyn FnMut(usize, u64),
    ) -> Result<Pushed> {
        if let Some(t) = &options.tag {
            validate_tag(t)?;
        }
        if files.is_empty() {
            return Err(Error::FileName {
                input: String::new(),
                reason: "an artifact needs at least one file".to_owned(),
            });
        }
        let mut names = BTreeSet::new();
        let mut layers = Vec::new();
        let mut pushed_files = Vec::new();
        for (i, path) in files.iter().enumerate() {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| Error::FileName {
                    input: path.display().to_string(),
                    reason: "has no UTF-8 file name".to_owned(),
                })?
                .to_owned();
            validate_file_name(&name)?;
            if !names.insert(name.clone()) {
                return Err(Error::FileName {
                    input: name,
                    reason: "given twice: file names in an artifact must be distinct".to_owned(),
                });
            }
            let f = File::open(path).map_err(|e| Error::io(path, e))?;
            let mut reader = Counting {
                inner: f,
                read: 0,
                report: &mut |n| progress(i, n),
            };
            let (digest, size) = self.put_blob(&mut reader)?;
            let mut d = descriptor("application/octet-stream", &digest, size)?;
            d.set_annotations(Some(HashMap::from([(TITLE.to_owned(), name.clone())])));
            layers.push(d);
            pushed_files.push((name, digest));
        }
        let artifact_type = options.artifact_type.as_deref().unwrap_or(ARTIFACT_TYPE);
        let mut annotations = HashMap::new();
        if let Some(a) = &options.author {
            annotations.insert(AUTHORS.to_owned(), a.clone());
        }
        let bytes = self.artifact_manifest(artifact_type, layers, None, annotations)?;
        let entry = self.put_manifest_bytes(&bytes, options.tag.as_deref(), options.now)?;
        Ok(Pushed {
            digest: entry.digest,
            size: entry.size,
            files: pushed_files,
        })
    }

    fn artifact_manifest(
        &self,
        artifact_type: &str,
        layers: Vec<Descriptor>,
        subject: Option<Descriptor>,
        annotations: HashMap<String, String>,
    ) -> Result<Vec<u8>> {
        let (cfg_digest, cfg_size) = self.put_blob_bytes(EMPTY_CONFIG)?;
        let mut config = descriptor("application/vnd.oci.empty.v1+json", &cfg_digest, cfg_size)?;
        config.set_data(Some("e30=".to_owned()));
        let mut b = ImageManifestBuilder::default()
            .schema_version(2u32)
            .media_type(MediaType::ImageManifest)
            .artifact_type(MediaType::from(artifact_type))
            .config(config)
            .layers(layers);
        if let Some(s) = subject {
            b = b.subject(s);
        }
        if !annotations.is_empty() {
            b = b.annotations(annotations);
        }
        let m = b
            .build()
            .map_err(|e| Error::decode("artifact manifest", e))?;
        json::to_canonical(&m, "manifest")
    }

    /// Pull an artifact back: each layer written to `out_dir/<title>`
    /// (atomically, verified against its digest while copied). The paths written.
    pub fn pull(&self, reference: &str, out_dir: &Path) -> Result<Vec<PathBuf>> {
        let entry = self.resolve(reference)?;
        let Manifest::Image(m) = self.manifest(&entry.digest)? else {
            return Err(Error::decode(
                format!("manifest {}", entry.digest),
                "is an index, not an artifact with files",
            ));
        };
        fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
        let mut written = Vec::new();
        for layer in m.layers() {
            let digest = descriptor_digest(layer)?;
            let name = layer
                .annotations()
                .as_ref()
                .and_then(|a| a.get(TITLE))
                .cloned()
                .unwrap_or_else(|| digest.hex());
            validate_file_name(&name)?;
            let target = out_dir.join(&name);
            let mut src = self.open_blob(&digest)?;
            let tmp = fsutil::temp_in(out_dir)?;
            let mut w = HashingWriter::new(BufWriter::with_capacity(1 << 20, tmp));
            copy_large(&mut src, &mut w).map_err(|e| Error::io(self.blob_path(&digest), e))?;
            let (buf, actual, size) = w.finish();
            let tmp = buf
                .into_inner()
                .map_err(|e| Error::io(&target, e.into_error()))?;
            if actual != digest || size != layer.size() {
                return Err(Error::BlobCorrupt {
                    digest: digest.to_string(),
                    reason: format!("content hashes to {actual} ({size} bytes)"),
                });
            }
            tmp.as_file()
                .sync_all()
                .map_err(|e| Error::io(&target, e))?;
            tmp.persist(&target)
                .map_err(|e| Error::io(&target, e.error))?;
            written.push(target);
        }
        fsutil::sync_dir(out_dir);
        Ok(written)
    }

    /// Attach a file to an artifact as a referrer (an OCI 1.1 manifest whose
    /// `subject` is the artifact), untagged.
    pub fn attach(
        &self,
        reference: &str,
        file: &Path,
        kind: AttachmentKind,
        now: Option<jiff::Timestamp>,
    ) -> Result<Entry> {
        let subject = self.resolve(reference)?;
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("attachment")
            .to_owned();
        validate_file_name(&name)?;
        let mut f = File::open(file).map_err(|e| Error::io(file, e))?;
        let (digest, size) = self.put_blob(&mut f)?;
        let mut layer = descriptor(kind.layer_media_type(&name), &digest, size)?;
        layer.set_annotations(Some(HashMap::from([(TITLE.to_owned(), name)])));
        let subject_desc = descriptor(&subject.media_type, &subject.digest, subject.size)?;
        let bytes = self.artifact_manifest(
            kind.artifact_type(),
            vec![layer],
            Some(subject_desc),
            HashMap::new(),
        )?;
        self.put_manifest_bytes(&bytes, None, now)
    }

    /// The referrers of `digest` in the index, in index order.
    pub fn referrers(&self, digest: &Digest) -> Result<Vec<Referrer>> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for e in self.entries()? {
            if !seen.insert(e.digest) {
                continue;
            }
            let m = self.manifest(&e.digest)?;
            if m.subject()? == Some(*digest) {
                let artifact_type = m.artifact_type();
                out.push(Referrer {
                    digest: e.digest,
                    kind: artifact_type
                        .as_deref()
                        .and_then(AttachmentKind::from_artifact_type),
                    artifact_type,
                });
            }
        }
        Ok(out)
    }

    /// Copy an artifact (by tag or digest) into `dest`, byte for byte (the
    /// digest is kept), tagged `tag`, with every referrer (signatures, SBOMs,
    /// attestations, and their referrers) following it.
    pub fn copy_to(&self, reference: &str, dest: &Store, tag: Option<&str>) -> Result<Entry> {
        let entry = self.resolve(reference)?;
        let copied = self.copy_manifest(&entry.digest, dest, tag, entry.created)?;
        let mut queue = vec![entry.digest];
        let mut done = BTreeSet::new();
        while let Some(d) = queue.pop() {
            if !done.insert(d) {
                continue;
            }
            for r in self.referrers(&d)? {
                let created = self.entry_for(&r.digest, None)?.created;
                self.copy_manifest(&r.digest, dest, None, created)?;
                queue.push(r.digest);
            }
        }
        Ok(copied)
    }

    fn copy_manifest(
        &self,
        digest: &Digest,
        dest: &Store,
        tag: Option<&str>,
        created: Option<jiff::Timestamp>,
    ) -> Result<Entry> {
        let bytes = self.read_blob(digest)?;
        let m = decode_manifest(&bytes, &format!("manifest {digest}"))?;
        for (child, _) in m.children()? {
            if let Manifest::Index(_) = m {
                self.copy_manifest(&child, dest, None, created)?;
                continue;
            }
            if !dest.has_blob(&child) {
                let mut f = self.open_blob(&child)?;
                dest.put_blob_checked(&mut f, Some(&child))?;
            }
        }
        dest.put_manifest_bytes(&bytes, tag, created)
    }

    /// Every digest reachable from the index (manifests and what they refer to).
    fn reachable(&self) -> Result<(BTreeSet<Digest>, Vec<String>)> {
        let mut live = BTreeSet::new();
        let mut problems = Vec::new();
        let mut queue: Vec<Digest> = self.entries()?.into_iter().map(|e| e.digest).collect();
        while let Some(d) = queue.pop() {
            if !live.insert(d) {
                continue;
            }
            match self.manifest(&d) {
                Ok(m) => {
                    for (child, size) in m.children()? {
                        if let Manifest::Index(_) = m {
                            queue.push(child);
                        } else {
                            live.insert(child);
                            match fs::metadata(self.blob_path(&child)) {
                                Ok(meta) if meta.len() == size => {}
                                Ok(meta) => problems.push(format!(
                                    "blob {child} (in manifest {d}) has {} bytes, expected {size}",
                                    meta.len()
                                )),
                                Err(_) => problems
                                    .push(format!("blob {child} (in manifest {d}) is missing")),
                            }
                        }
                    }
                }
                Err(e) => problems.push(e.to_string()),
            }
        }
        Ok((live, problems))
    }

    /// Plan garbage collection: blobs nothing in the index reaches, and
    /// temporary files, both older than `min_age` (so a push in flight in
    /// another process is not collected).
    pub fn gc_plan(&self, min_age: std::time::Duration) -> Result<GcPlan> {
        let (live, _) = self.reachable()?;
        let mut plan = GcPlan::default();
        let dir = self.blob_dir();
        let now = std::time::SystemTime::now();
        for e in fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))? {
            let e = e.map_err(|e| Error::io(&dir, e))?;
            let meta = e.metadata().map_err(|err| Error::io(e.path(), err))?;
            let old = meta
                .modified()
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .is_none_or(|age| age >= min_age);
            if !old {
                continue;
            }
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(TEMP_PREFIX) {
                plan.temp_files.push(e.path());
            } else if let Ok(d) = Digest::from_hex(&name)
                && !live.contains(&d)
            {
                plan.blobs.push((d, meta.len()));
            }
        }
        plan.blobs.sort();
        plan.temp_files.sort();
        Ok(plan)
    }

    /// Carry out a [`GcPlan`] under the lock; blobs that became reachable
    /// since the plan are kept.
    pub fn gc_apply(&self, plan: &GcPlan) -> Result<GcPlan> {
        let _lock = self.lock()?;
        let (live, _) = self.reachable()?;
        let mut done = GcPlan::default();
        for (d, size) in &plan.blobs {
            if live.contains(d) {
                continue;
            }
            let p = self.blob_path(d);
            match fs::remove_file(&p) {
                Ok(()) => done.blobs.push((*d, *size)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&p, e)),
            }
        }
        for p in &plan.temp_files {
            if fs::remove_file(p).is_ok() {
                done.temp_files.push(p.clone());
            }
        }
        fsutil::sync_dir(&self.blob_dir());
        Ok(done)
    }

    /// Remove manifests from the index (every entry with those digests), under the lock.
    pub fn remove_from_index(&self, digests: &BTreeSet<Digest>) -> Result<()> {
        let _lock = self.lock()?;
        let mut index = self.index()?;
        let mut manifests = index.manifests().clone();
        manifests.retain(|d| descriptor_digest(d).map_or(true, |x| !digests.contains(&x)));
        index.set_manifests(manifests);
        self.write_index(&index)
    }

    /// Check the layout: every manifest in the index and every blob it
    /// reaches is present, with the right size, and hashes to its name.
    /// Returns the problems found (empty when all is well).
    pub fn check(&self) -> Result<Vec<String>> {
        let (live, mut problems) = self.reachable()?;
        for d in &live {
            let Ok(mut f) = File::open(self.blob_path(d)) else {
                continue; // already reported by reachable()
            };
            let mut w = HashingWriter::new(std::io::sink());
            if let Err(e) = copy_large(&mut f, &mut w) {
                problems.push(format!("blob {d}: {e}"));
                continue;
            }
            let (_, actual, _) = w.finish();
            if actual != *d {
                problems.push(format!("blob {d} is corrupt: content hashes to {actual}"));
            }
        }
        problems.sort();
        problems.dedup();
        Ok(problems)
    }
}

fn empty_index() -> ImageIndex {
    let mut i = ImageIndex::default();
    i.set_schema_version(2);
    i.set_media_type(Some(MediaType::ImageIndex));
    i.set_manifests(Vec::new());
    i
}

/// A reader that reports how many bytes went through it.
struct Counting<'a, R> {
    inner: R,
    read: u64,
    report: &'a mut dyn FnMut(u64),
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        (self.report)(self.read);
        Ok(n)
    }
}
