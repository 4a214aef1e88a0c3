//! Container images in their two offline forms: a `docker save` tarball (or that tarball
//! unpacked in a directory) and an OCI image layout directory (`oci-layout`, `index.json`,
//! `blobs/<alg>/<hex>`). Sources: the OCI image-spec (`image-layout.md`, `image-index.md`,
//! `manifest.md`, `config.md`, `layer.md` for whiteouts) and Docker's `docker save` format
//! (`manifest.json` with `Config` and `Layers`, image spec v1.2 config).
//!
//! Every layer is read in order, as a stream, through [`super::archive`] (gzip, zstd or plain
//! tar, and archives inside it); each entry is reported at `LAYER_DIGEST!/path`. A file a
//! later layer deletes (a `.wh.` whiteout or an opaque directory) or replaces is still in the
//! image, and anyone who pulls the image can read it: it is scanned and reported like every
//! other, and [`Layers::hidden`] says which later layer hid it. The image configuration's
//! environment, labels, command and history (`created_by`, where `RUN` and `ENV` lines with
//! build arguments end up) are rendered as text and scanned at `<image config DIGEST>`.
//!
//! Names in `manifest.json` and `index.json` come from the image and are trusted with nothing:
//! in a directory, only relative names without `..` are opened under it; in a tarball, names
//! are looked up among the tarball's own entries.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

use super::archive::{self, ArchiveOptions, Members};
use super::{Skip, SkipReason};

/// Largest manifest, index or configuration read (they are small JSON documents).
const MAX_JSON: u64 = 16 << 20;
/// How deep image indexes may nest (an index of indexes of manifests).
const MAX_INDEX_DEPTH: u32 = 4;

/// Why an image cannot be read at all. Per-layer problems are skips.
#[derive(Debug, Error)]
pub enum ImageError {
    /// Neither a docker-save tarball nor an image layout.
    #[error(
        "{path}: not a container image: expected a `docker save` tarball or a directory holding \
         an OCI image layout (index.json) or an unpacked `docker save` (manifest.json){detail}"
    )]
    NotAnImage {
        /// The path given.
        path: String,
        /// What was found instead.
        detail: String,
    },
    /// A manifest, index or configuration that cannot be read or parsed.
    #[error("{path}: {what}: {message}")]
    Bad {
        /// The image path.
        path: String,
        /// Which document.
        what: String,
        /// What is wrong.
        message: String,
    },
    /// The image cannot be opened.
    #[error("{path}: {error}")]
    Io {
        /// The image path.
        path: String,
        /// The error.
        error: io::Error,
    },
}

/// Where an image's files are.
enum Store {
    /// A tarball: each entry's data offset and size, by normalised name.
    Tar {
        path: PathBuf,
        entries: HashMap<String, (u64, u64)>,
        /// The temporary file `path` names when the tarball was compressed (removed on drop).
        _spool: Option<tempfile::TempPath>,
    },
    /// A directory.
    Dir(PathBuf),
}

/// Default cap on a compressed tarball's decompressed size ([`Spooled`]).
pub const DEFAULT_SPOOL_MAX: u64 = 16 << 30;

/// A compressed `docker save` tarball (`docker save | gzip`) decompressed to a temporary file:
/// finding a layer or the manifest needs random access to the tar, which a compressed stream
/// does not give. Only the decompressed bytes are on disk (the temporary file, readable by its
/// owner only, removed when the scan ends); memory holds what it holds for a plain tarball.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spooled {
    /// The compression (`Gzip`, `Zstd`, …).
    pub kind: archive::Kind,
    /// Bytes written to the temporary file.
    pub bytes: u64,
    /// The cap (`--spool-max-size`), when the decompressed tarball was larger: entries past
    /// it were not read.
    pub truncated: Option<u64>,
}

/// `./a//b` → `a/b`.
fn normalise(name: &str) -> String {
    name.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

impl Store {
    /// Opens the directory or tarball at `path`; a compressed tarball is decompressed to a
    /// temporary file of at most `spool_max` bytes first (what that did is the second value).
    fn open(path: &Path, spool_max: u64) -> Result<(Store, Option<Spooled>), ImageError> {
        let shown = crate::printable::escape(&path.display().to_string()).into_owned();
        let io_err = |error| ImageError::Io {
            path: shown.clone(),
            error,
        };
        let meta = std::fs::metadata(path).map_err(io_err)?;
        if meta.is_dir() {
            return Ok((Store::Dir(path.to_path_buf()), None));
        }
        let mut f = File::open(path).map_err(io_err)?;
        let mut head = Vec::new();
        (&mut f).take(512).read_to_end(&mut head).map_err(io_err)?;
        f.seek(SeekFrom::Start(0)).map_err(io_err)?;
        let spool = match archive::sniff(&head) {
            Some(archive::Kind::Tar) => None,
            Some(
                kind @ (archive::Kind::Gzip
                | archive::Kind::Zstd
                | archive::Kind::Xz
                | archive::Kind::Bzip2),
            ) => {
                let (temp, spooled) = spool_tarball(f, kind, spool_max, &shown)?;
                let mut head = Vec::new();
                File::open(&temp)
                    .and_then(|t| t.take(512).read_to_end(&mut head))
                    .map_err(io_err)?;
                if archive::sniff(&head) != Some(archive::Kind::Tar) {
                    let detail = match spooled.truncated {
                        Some(cap) => format!(
                            "; it is {kind:?}-compressed, and no tar begins in its first {cap} \
                             bytes decompressed (--spool-max-size): raise the limit to read it"
                        ),
                        None => format!("; it is {kind:?}-compressed, and not a tar inside"),
                    };
                    return Err(ImageError::NotAnImage {
                        path: shown,
                        detail,
                    });
                }
                Some((temp, spooled))
            }
            Some(archive::Kind::Zip) => {
                return Err(ImageError::NotAnImage {
                    path: shown,
                    detail: "; it is a zip".into(),
                })
            }
            None => {
                return Err(ImageError::NotAnImage {
                    path: shown,
                    detail: String::new(),
                })
            }
        };
        let (spool, spooled) = spool.unzip();
        let tar_path = spool.as_deref().unwrap_or(path).to_path_buf();
        let truncated = spooled.as_ref().and_then(|s| s.truncated);
        let f = File::open(&tar_path).map_err(io_err)?;
        let mut ar = tar::Archive::new(f);
        let mut entries = HashMap::new();
        let bad = |e: io::Error| ImageError::Bad {
            path: shown.clone(),
            what: "tarball".into(),
            message: e.to_string(),
        };
        for e in ar.entries_with_seek().map_err(bad)? {
            let e = match e {
                Ok(e) => e,
                // Cut off at the cap: the entries before the cut are what there is.
                Err(_) if truncated.is_some() => break,
                Err(e) => return Err(bad(e)),
            };
            if !e.header().entry_type().is_file() {
                continue;
            }
            let (offset, size) = (e.raw_file_position(), e.size());
            if truncated.is_some_and(|cap| offset.saturating_add(size) > cap) {
                break;
            }
            let name = normalise(&String::from_utf8_lossy(&e.path_bytes()));
            entries.insert(name, (offset, size));
        }
        let store = Store::Tar {
            path: tar_path,
            entries,
            _spool: spool,
        };
        Ok((store, spooled))
    }

    fn has(&self, name: &str) -> bool {
        match self {
            Store::Tar { entries, .. } => entries.contains_key(&normalise(name)),
            Store::Dir(root) => safe_join(root, name).is_some_and(|p| p.is_file()),
        }
    }

    /// A reader over the file `name`, and its size when known.
    fn reader(&self, name: &str) -> io::Result<Box<dyn Read>> {
        match self {
            Store::Tar { path, entries, .. } => {
                let &(offset, size) = entries.get(&normalise(name)).ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::NotFound,
                        format!("{name}: not in the tarball"),
                    )
                })?;
                let mut f = File::open(path)?;
                f.seek(SeekFrom::Start(offset))?;
                Ok(Box::new(f.take(size)))
            }
            Store::Dir(root) => {
                let p = safe_join(root, name).ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("{name:?}: not a plain relative name, not opened"),
                    )
                })?;
                let meta = std::fs::symlink_metadata(&p)?;
                if !meta.is_file() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("{name}: not a regular file"),
                    ));
                }
                Ok(Box::new(File::open(p)?))
            }
        }
    }

    fn read_json(&self, name: &str) -> io::Result<Vec<u8>> {
        let mut buf = Vec::new();
        self.reader(name)?
            .take(MAX_JSON + 1)
            .read_to_end(&mut buf)?;
        if buf.len() as u64 > MAX_JSON {
            return Err(io::Error::other(format!(
                "{name}: larger than {MAX_JSON} bytes"
            )));
        }
        Ok(buf)
    }
}

/// Decompresses the tarball `f` (compressed as `kind`) into a new temporary file, at most
/// `cap` bytes of it; the file's path (the file is removed when it is dropped) and what was
/// written.
fn spool_tarball(
    f: File,
    kind: archive::Kind,
    cap: u64,
    shown: &str,
) -> Result<(tempfile::TempPath, Spooled), ImageError> {
    let bad = |message: String| ImageError::Bad {
        path: shown.to_string(),
        what: format!("{kind:?} stream"),
        message,
    };
    let decoded =
        archive::decompress(kind, io::BufReader::new(f)).map_err(|e| bad(e.to_string()))?;
    let tmp = tempfile::Builder::new()
        .prefix("leakhound-image-")
        .suffix(".tar")
        .tempfile()
        .map_err(|e| ImageError::Io {
            path: format!(
                "{shown}: cannot create a temporary file to decompress it into (in {}; TMPDIR sets the directory)",
                std::env::temp_dir().display()
            ),
            error: e,
        })?;
    let (file, temp) = tmp.into_parts();
    let mut w = io::BufWriter::new(file);
    let written = io::copy(&mut decoded.take(cap.saturating_add(1)), &mut w).map_err(|e| {
        if e.kind() == io::ErrorKind::StorageFull {
            bad(format!(
                "the temporary directory {} is full: {e}",
                std::env::temp_dir().display()
            ))
        } else {
            bad(e.to_string())
        }
    })?;
    let file = w.into_inner().map_err(|e| bad(e.error().to_string()))?;
    let truncated = (written > cap).then_some(cap);
    if truncated.is_some() {
        file.set_len(cap).map_err(|e| bad(e.to_string()))?;
    }
    Ok((
        temp,
        Spooled {
            kind,
            bytes: written.min(cap),
            truncated,
        },
    ))
}

/// `root/name` when `name` is relative and has no `..` (names come from the image).
fn safe_join(root: &Path, name: &str) -> Option<PathBuf> {
    let rel = Path::new(name);
    if name.is_empty()
        || !rel
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return None;
    }
    Some(root.join(rel))
}

/// `sha256:HEX` → `blobs/sha256/HEX`, for well-formed digests only.
fn blob_name(digest: &str) -> Option<String> {
    let (alg, hex) = digest.split_once(':')?;
    let ok_alg = !alg.is_empty()
        && alg
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b));
    let ok_hex = !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit());
    (ok_alg && ok_hex).then(|| format!("blobs/{alg}/{hex}"))
}

#[derive(Deserialize)]
struct DockerManifest {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

#[derive(Deserialize)]
struct Descriptor {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    digest: String,
    #[serde(default)]
    annotations: HashMap<String, String>,
}

#[derive(Deserialize)]
struct OciIndex {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

#[derive(Deserialize)]
struct OciManifest {
    config: Descriptor,
    #[serde(default)]
    layers: Vec<Descriptor>,
}

#[derive(Deserialize, Default)]
struct Config {
    #[serde(default)]
    config: Option<RunConfig>,
    #[serde(default)]
    history: Vec<History>,
    #[serde(default)]
    rootfs: Option<RootFs>,
}

#[derive(Deserialize, Default)]
struct RunConfig {
    #[serde(rename = "Env", default)]
    env: Option<Vec<String>>,
    #[serde(rename = "Labels", default)]
    labels: Option<std::collections::BTreeMap<String, String>>,
    #[serde(rename = "Cmd", default)]
    cmd: Option<Vec<String>>,
    #[serde(rename = "Entrypoint", default)]
    entrypoint: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
struct History {
    #[serde(default)]
    created_by: Option<String>,
}

#[derive(Deserialize, Default)]
struct RootFs {
    #[serde(default)]
    diff_ids: Vec<String>,
}

/// One image of the input.
#[derive(Debug, Clone)]
pub struct Image {
    /// A tag (`RepoTags`, `org.opencontainers.image.ref.name`) or the manifest digest.
    pub name: String,
    /// The configuration's digest (`sha256:…`), or its file name.
    pub config_digest: String,
    /// The configuration file in the store.
    config_file: String,
    /// Its layers, bottom first: (digest or name reported, file in the store).
    pub layers: Vec<(String, String)>,
}

/// The images of a docker-save tarball or image layout, and where their files are.
pub struct Input {
    store: Store,
    /// The images, in the order the input lists them.
    pub images: Vec<Image>,
    shown: String,
    /// How a compressed tarball was decompressed to read it.
    pub spooled: Option<Spooled>,
}

impl Input {
    /// Opens `path` and reads its manifests. A compressed tarball is decompressed to a
    /// temporary file of at most `spool_max` bytes ([`Spooled`]).
    ///
    /// # Errors
    /// [`ImageError`] when `path` is not an image or its manifests cannot be read.
    pub fn open(path: &Path, spool_max: u64) -> Result<Input, ImageError> {
        let shown = crate::printable::escape(&path.display().to_string()).into_owned();
        let (store, spooled) = Store::open(path, spool_max)?;
        let bad = |what: &str, message: String| ImageError::Bad {
            path: shown.clone(),
            what: what.to_string(),
            message,
        };
        let images = if store.has("manifest.json") {
            let raw = store
                .read_json("manifest.json")
                .map_err(|e| bad("manifest.json", e.to_string()))?;
            let list: Vec<DockerManifest> =
                serde_json::from_slice(&raw).map_err(|e| bad("manifest.json", e.to_string()))?;
            list.into_iter()
                .map(|m| Image {
                    name: m
                        .repo_tags
                        .and_then(|t| t.into_iter().next())
                        .unwrap_or_else(|| m.config.clone()),
                    config_digest: digest_of_name(&m.config),
                    config_file: m.config,
                    layers: m
                        .layers
                        .into_iter()
                        .map(|l| (digest_of_name(&l), l))
                        .collect(),
                })
                .collect()
        } else if store.has("index.json") {
            let mut out = Vec::new();
            oci_index(&store, "index.json", None, 0, &mut out)
                .map_err(|(what, m)| bad(&what, m))?;
            out
        } else {
            let detail = match spooled.as_ref().and_then(|s| s.truncated) {
                Some(cap) => format!(
                    "; neither manifest.json nor index.json is in its first {cap} bytes \
                     decompressed (--spool-max-size): raise the limit to read it"
                ),
                None => "; neither manifest.json nor index.json is in it".into(),
            };
            return Err(ImageError::NotAnImage {
                path: shown,
                detail,
            });
        };
        let mut input = Input {
            store,
            images,
            shown,
            spooled,
        };
        // Docker's layer files are named by directory; the configuration's `rootfs.diff_ids`
        // holds their digests (of the uncompressed tar), which name them in reports.
        for i in 0..input.images.len() {
            let cfg = input.config(i).unwrap_or_default();
            let ids = cfg.rootfs.map(|r| r.diff_ids).unwrap_or_default();
            let img = &mut input.images[i];
            for (n, (shown, file)) in img.layers.iter_mut().enumerate() {
                if blob_name(shown).is_none() {
                    if let Some(id) = ids.get(n).filter(|d| blob_name(d).is_some()) {
                        *shown = id.clone();
                    } else {
                        shown.clone_from(file);
                    }
                }
            }
        }
        Ok(input)
    }

    fn config(&self, i: usize) -> Option<Config> {
        let raw = self.store.read_json(&self.images[i].config_file).ok()?;
        serde_json::from_slice(&raw).ok()
    }

    /// The cap (`--spool-max-size`) when `e` is a file not found because the compressed
    /// tarball was cut there: a size-limit skip, not an unreadable file.
    fn cut_before(&self, e: &io::Error) -> Option<u64> {
        self.spooled
            .as_ref()
            .and_then(|s| s.truncated)
            .filter(|_| e.kind() == io::ErrorKind::NotFound)
    }

    /// Image `i`'s configuration rendered as text for scanning (`ENV`, `LABEL`, `CMD`,
    /// `ENTRYPOINT` and one `HISTORY` line per `created_by`), or the skip saying why not.
    ///
    /// # Errors
    /// A skip naming the configuration when it cannot be read or parsed.
    pub fn config_text(&self, i: usize) -> Result<String, Skip> {
        let img = &self.images[i];
        let path = config_path(&img.config_digest);
        let raw = self.store.read_json(&img.config_file).map_err(|e| {
            let (reason, detail) = match self.cut_before(&e) {
                Some(cap) => (
                    SkipReason::ArchiveSizeLimit,
                    format!(
                        "{e}: past the first {cap} bytes of the decompressed tarball \
                         (--spool-max-size)"
                    ),
                ),
                None => (SkipReason::Unreadable, e.to_string()),
            };
            Skip {
                path: path.clone(),
                reason,
                detail: Some(detail),
            }
        })?;
        let cfg: Config = serde_json::from_slice(&raw).map_err(|e| Skip {
            path: path.clone(),
            reason: SkipReason::Unreadable,
            detail: Some(format!("not an image configuration: {e}")),
        })?;
        let mut text = String::new();
        let rc = cfg.config.unwrap_or_default();
        for e in rc.env.unwrap_or_default() {
            text.push_str(&format!("ENV {e}\n"));
        }
        for (k, v) in rc.labels.unwrap_or_default() {
            text.push_str(&format!("LABEL {k}={v}\n"));
        }
        if let Some(c) = rc.entrypoint {
            text.push_str(&format!("ENTRYPOINT {}\n", c.join(" ")));
        }
        if let Some(c) = rc.cmd {
            text.push_str(&format!("CMD {}\n", c.join(" ")));
        }
        for h in cfg.history {
            if let Some(c) = h.created_by {
                text.push_str(&format!("HISTORY {c}\n"));
            }
        }
        Ok(text)
    }

    /// Reads one layer (its file in the store, reported as `digest`), handing its entries to
    /// `out` at `digest!/path` and recording its files and whiteouts in `layers`.
    pub fn read_layer(
        &self,
        digest: &str,
        file: &str,
        opts: &ArchiveOptions,
        layers: &mut Layers,
        out: &mut dyn FnMut(LayerItem<'_>),
    ) {
        let mut m = LayerMembers {
            digest,
            files: LayerFiles::default(),
            out,
        };
        match self.store.reader(file) {
            Ok(r) => {
                if !archive::expand_reader(r, opts, &mut m) {
                    (m.out)(LayerItem::Skip(Skip {
                        path: digest.to_string(),
                        reason: SkipReason::CorruptArchive,
                        detail: Some(format!("layer {file}: not a tar, gzip or zstd stream")),
                    }));
                }
            }
            Err(e) => {
                let (reason, detail) = match self.cut_before(&e) {
                    Some(cap) => (
                        SkipReason::ArchiveSizeLimit,
                        format!(
                            "layer {file}: past the first {cap} bytes of the decompressed \
                             tarball (--spool-max-size), not read"
                        ),
                    ),
                    None => (SkipReason::Unreadable, format!("layer {file}: {e}")),
                };
                (m.out)(LayerItem::Skip(Skip {
                    path: digest.to_string(),
                    reason,
                    detail: Some(detail),
                }));
            }
        }
        layers.add(digest, m.files);
    }

    /// The input as given, escaped for messages.
    pub fn shown(&self) -> &str {
        &self.shown
    }
}

/// The logical path image configuration findings are reported at.
pub fn config_path(digest: &str) -> String {
    format!("<image config {digest}>")
}

/// `blobs/sha256/HEX` (Docker 25 and OCI) and `HEX.json` (the classic `docker save`
/// configuration, named by its SHA-256) → `sha256:HEX`; other names as they are.
fn digest_of_name(name: &str) -> String {
    let n = normalise(name);
    if let Some(hex) = n.strip_suffix(".json") {
        if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return format!("sha256:{hex}");
        }
    }
    let mut parts = n.split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("blobs"), Some(alg), Some(hex), None) => {
            let d = format!("{alg}:{hex}");
            if blob_name(&d).is_some() {
                d
            } else {
                name.to_string()
            }
        }
        _ => name.to_string(),
    }
}

fn oci_index(
    store: &Store,
    file: &str,
    name: Option<&str>,
    depth: u32,
    out: &mut Vec<Image>,
) -> Result<(), (String, String)> {
    if depth > MAX_INDEX_DEPTH {
        return Err((file.into(), "image indexes nested too deep".into()));
    }
    let raw = store
        .read_json(file)
        .map_err(|e| (file.to_string(), e.to_string()))?;
    let idx: OciIndex =
        serde_json::from_slice(&raw).map_err(|e| (file.to_string(), e.to_string()))?;
    for d in idx.manifests {
        let blob = blob_name(&d.digest)
            .ok_or_else(|| (file.to_string(), format!("bad digest {:?}", d.digest)))?;
        let tag = d
            .annotations
            .get("org.opencontainers.image.ref.name")
            .map(String::as_str)
            .or(name);
        let is_index = d.media_type.contains("index") || d.media_type.contains("manifest.list");
        if is_index {
            oci_index(store, &blob, tag, depth + 1, out)?;
            continue;
        }
        let raw = store
            .read_json(&blob)
            .map_err(|e| (blob.clone(), e.to_string()))?;
        let m: OciManifest = match serde_json::from_slice(&raw) {
            Ok(m) => m,
            // Not a manifest (an attestation or an index without a media type).
            Err(_) => {
                if serde_json::from_slice::<OciIndex>(&raw).is_ok_and(|i| !i.manifests.is_empty()) {
                    oci_index(store, &blob, tag, depth + 1, out)?;
                }
                continue;
            }
        };
        let config_file = blob_name(&m.config.digest).ok_or_else(|| {
            (
                blob.clone(),
                format!("bad config digest {:?}", m.config.digest),
            )
        })?;
        let mut layers = Vec::new();
        for l in m.layers {
            let f = blob_name(&l.digest)
                .ok_or_else(|| (blob.clone(), format!("bad layer digest {:?}", l.digest)))?;
            layers.push((l.digest, f));
        }
        out.push(Image {
            name: tag.map_or_else(|| d.digest.clone(), str::to_string),
            config_digest: m.config.digest,
            config_file,
            layers,
        });
    }
    Ok(())
}

/// What reading a layer yields.
pub enum LayerItem<'a> {
    /// A file's bytes at its reported path.
    File {
        /// `DIGEST!/path`.
        path: String,
        /// Content.
        bytes: &'a [u8],
    },
    /// Something not read.
    Skip(Skip),
}

/// The regular files, whiteouts and opaque directories of one layer (paths normalised).
#[derive(Debug, Default)]
struct LayerFiles {
    files: HashSet<String>,
    whiteouts: HashSet<String>,
    opaque: HashSet<String>,
}

struct LayerMembers<'a, 'o> {
    digest: &'a str,
    files: LayerFiles,
    out: &'o mut dyn FnMut(LayerItem<'_>),
}

const WHITEOUT: &str = ".wh.";
const OPAQUE: &str = ".wh..wh..opq";

impl LayerMembers<'_, '_> {
    /// Records `path` (inside the layer) and says whether it is a whiteout marker.
    fn record(&mut self, path: &str) -> bool {
        if path.contains("!/") {
            return false; // inside an archive in the layer
        }
        let n = normalise(path);
        let (dir, base) = n.rsplit_once('/').unwrap_or(("", &n));
        if base == OPAQUE {
            self.files.opaque.insert(dir.to_string());
            return true;
        }
        if let Some(gone) = base.strip_prefix(WHITEOUT) {
            let gone = if dir.is_empty() {
                gone.to_string()
            } else {
                format!("{dir}/{gone}")
            };
            self.files.whiteouts.insert(gone);
            return true;
        }
        self.files.files.insert(n);
        false
    }

    fn path(&self, path: &str) -> String {
        let p = path.trim_start_matches("./");
        archive::join(self.digest, p)
    }
}

impl Members for LayerMembers<'_, '_> {
    fn member(&mut self, path: &str, bytes: &[u8]) {
        if self.record(path) {
            return;
        }
        let path = self.path(path);
        (self.out)(LayerItem::File { path, bytes });
    }

    fn skip(&mut self, path: &str, reason: SkipReason, detail: Option<String>) {
        if !path.is_empty() && self.record(path) {
            return;
        }
        let path = self.path(path);
        (self.out)(LayerItem::Skip(Skip {
            path,
            reason,
            detail,
        }));
    }
}

/// The layers read, and each image's layer order: which later layer hides a file.
#[derive(Debug, Default)]
pub struct Layers {
    files: HashMap<String, LayerFiles>,
    images: Vec<Vec<String>>,
}

impl Layers {
    fn add(&mut self, digest: &str, files: LayerFiles) {
        self.files.insert(digest.to_string(), files);
    }

    /// Whether the layer `digest` was read already (layers shared by images are read once).
    pub fn seen(&self, digest: &str) -> bool {
        self.files.contains_key(digest)
    }

    /// Starts the next image's layer order.
    pub fn start_image(&mut self) {
        self.images.push(Vec::new());
    }

    /// Appends `digest` to the current image's layer order.
    pub fn push(&mut self, digest: &str) {
        if let Some(order) = self.images.last_mut() {
            order.push(digest.to_string());
        }
    }

    /// For a path reported as `DIGEST!/file…`, how a later layer deletes or replaces `file`
    /// in every image holding the layer, if it does: the file is then not in the final
    /// filesystem, but still in the image's layers.
    pub fn hidden(&self, reported: &str) -> Option<String> {
        let (digest, rest) = reported.split_once("!/")?;
        let file = normalise(rest.split("!/").next().unwrap_or(rest));
        let mut why = None;
        for order in &self.images {
            let Some(at) = order.iter().position(|d| d == digest) else {
                continue;
            };
            match self.hidden_in(&order[at + 1..], &file) {
                None => return None,
                Some(w) => {
                    why.get_or_insert(w);
                }
            }
        }
        why
    }

    fn hidden_in(&self, later: &[String], file: &str) -> Option<String> {
        let ancestors: Vec<&str> = file.match_indices('/').map(|(i, _)| &file[..i]).collect();
        for d in later {
            let Some(l) = self.files.get(d) else {
                continue;
            };
            if l.whiteouts.contains(file) || ancestors.iter().any(|a| l.whiteouts.contains(*a)) {
                return Some(format!("deleted by later layer {d}"));
            }
            if l.opaque
                .iter()
                .any(|o| o.is_empty() || ancestors.contains(&o.as_str()))
            {
                return Some(format!("hidden by an opaque directory in later layer {d}"));
            }
            if l.files.contains(file) {
                return Some(format!("replaced by later layer {d}"));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_image_cannot_leave_the_layout() {
        let root = Path::new("/x");
        assert!(safe_join(root, "../etc/passwd").is_none());
        assert!(safe_join(root, "/etc/passwd").is_none());
        assert!(safe_join(root, "blobs/sha256/ab").is_some());
        assert_eq!(blob_name("sha256:abc").as_deref(), Some("blobs/sha256/abc"));
        assert!(blob_name("sha256:../x").is_none());
        assert!(blob_name("../x:ab").is_none());
    }

    #[test]
    fn later_layers_hide_files() {
        let mut l = Layers::default();
        l.start_image();
        l.push("sha256:a");
        l.push("sha256:b");
        let mut a = LayerFiles::default();
        a.files.insert("app/.env".into());
        a.files.insert("etc/x".into());
        a.files.insert("keep".into());
        l.add("sha256:a", a);
        let mut b = LayerFiles::default();
        b.whiteouts.insert("app".into());
        b.files.insert("etc/x".into());
        l.add("sha256:b", b);
        assert_eq!(
            l.hidden("sha256:a!/app/.env").as_deref(),
            Some("deleted by later layer sha256:b")
        );
        assert_eq!(
            l.hidden("sha256:a!/etc/x").as_deref(),
            Some("replaced by later layer sha256:b")
        );
        assert_eq!(l.hidden("sha256:a!/keep"), None);
        assert_eq!(l.hidden("sha256:b!/etc/x"), None);
    }
}
