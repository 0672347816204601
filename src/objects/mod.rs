//! Digital objects: the bytes of scans and PDFs, content-addressed, and the
//! image derivatives (tile pyramids) served through IIIF.
//!
//! Storage is an [`object_store::ObjectStore`]: a folder in the data
//! folder by default, S3-compatible storage when several nodes share an
//! archive ([`FilesLocation`], `location.rs`). Every key is derived from a file's SHA-256, so a file stored
//! twice is stored once, and every node finds what any node stored:
//! - `originals/ab/abcd…` the file as attached;
//! - `derived/abcd…/pyramid.json` the tile pyramid's shape (written last:
//!   its presence means the pyramid is whole);
//! - `derived/abcd…/L/C_R.jpg` the tile at level `L` (scale `2^L`),
//!   column `C`, row `R`;
//! - `derived/abcd…/icc` the image's colour profile, where it had one.
//!
//! Invariants:
//! - A file is kept only when its bytes are what its name claims (JPEG,
//!   PNG, TIFF or PDF, read from the bytes), an image decodes whole, and its
//!   pixel count is within [`Limits::max_pixels`]; otherwise
//!   [`ObjectError`] says why and nothing is referenced.
//! - Building a pyramid decodes one image at a time (a process-wide
//!   permit), and streams tiles to the store as they are made, so memory
//!   holds the decoded image and one smaller level, never all tiles.
//! - Serving a region never decodes the original: it reads the tiles of
//!   the coarsest level fine enough for the size asked, and answers an
//!   exact tile with its stored bytes.
//! - Derivatives carry no EXIF, XMP or GPS data (they are re-encoded from
//!   pixels); the colour profile is kept.
//!
//! This module knows nothing of records, visibility or HTTP: the read gate
//! (`archive`) decides who may reach a file, `iiif` what a request means.

mod location;
mod pyramid;
mod render;
mod sniff;

pub use location::FilesLocation;
pub use pyramid::{Pyramid, TILE};
pub use render::{Output, OutputFormat, Quality, RenderRequest};
pub use sniff::{Kind, kind_of};

use crate::model::{DigitalObject, sha256_hex};
use bytes::Bytes;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Why a file was refused or could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// The file is not one fonds keeps, or not what its name says, or
    /// broken; the message says which.
    #[error("{0}")]
    Refused(String),
    /// The object store failed.
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
    /// No such object.
    #[error("no stored object {0}")]
    Missing(String),
    /// An image could not be encoded (a bug or an exhausted machine).
    #[error("image: {0}")]
    Image(String),
    /// A files location ([`FilesLocation`]) that cannot be used; `url` is
    /// shown without anything that could be a secret.
    #[error("files location `{url}`: {reason}")]
    Location { url: String, reason: String },
}

/// Bounds on what a file may be.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most pixels an image may have (width × height): more is refused as
    /// a possible decompression bomb. Memory while building its pyramid is
    /// about 4 bytes per pixel (3 for grey scans).
    pub max_pixels: u64,
    /// Largest file accepted, in bytes.
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_pixels: 100_000_000,
            max_bytes: 1 << 30,
        }
    }
}

/// The object store of an archive.
#[derive(Clone)]
pub struct Objects {
    store: Arc<dyn ObjectStore>,
    limits: Limits,
    /// One decode at a time: building a pyramid holds a whole image.
    decoding: Arc<Semaphore>,
    /// Bounded concurrent region renders.
    rendering: Arc<Semaphore>,
}

impl std::fmt::Debug for Objects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Objects({})", self.store)
    }
}

fn original_key(sha: &str) -> Key {
    Key::from(format!("originals/{}/{sha}", &sha[..2]))
}

fn derived_key(sha: &str, rest: &str) -> Key {
    Key::from(format!("derived/{sha}/{rest}"))
}

impl Objects {
    /// Objects kept in a folder (made if missing).
    pub fn in_folder(dir: &Path) -> Result<Objects, ObjectError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| ObjectError::Refused(format!("{}: {e}", dir.display())))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)?;
        Ok(Objects::on(Arc::new(store)))
    }

    /// Objects kept in any object store.
    pub fn on(store: Arc<dyn ObjectStore>) -> Objects {
        Objects {
            store,
            limits: Limits::default(),
            decoding: Arc::new(Semaphore::new(1)),
            rendering: Arc::new(Semaphore::new(2)),
        }
    }

    /// The same store with other limits.
    pub fn with_limits(mut self, limits: Limits) -> Objects {
        self.limits = limits;
        self
    }

    /// Checks a file, stores it and (for an image) its tile pyramid, and
    /// describes it as a record's page. `name` is the file's name as
    /// attached; its extension must agree with its bytes.
    pub async fn ingest(
        &self,
        name: &str,
        bytes: impl Into<Bytes>,
        label: Option<String>,
    ) -> Result<DigitalObject, ObjectError> {
        let bytes: Bytes = bytes.into();
        if bytes.len() as u64 > self.limits.max_bytes {
            return Err(ObjectError::Refused(format!(
                "is {} bytes, more than the limit of {}",
                bytes.len(),
                self.limits.max_bytes
            )));
        }
        let kind = sniff::check(name, &bytes)?;
        let sha = sha256_hex(&bytes);
        let size = bytes.len() as u64;
        let (width, height) = match kind {
            Kind::Pdf => {
                sniff::check_pdf(&bytes)?;
                self.put(original_key(&sha), bytes).await?;
                (None, None)
            }
            Kind::Image(format) => {
                let (w, h) = pyramid::dimensions(&bytes, format, self.limits)?;
                if !self.has(&derived_key(&sha, "pyramid.json")).await? {
                    // Shared, not copied: the decoder reads the same buffer.
                    self.build_pyramid(&sha, bytes.clone(), format).await?;
                }
                self.put(original_key(&sha), bytes).await?;
                (Some(w), Some(h))
            }
        };
        Ok(DigitalObject {
            sha256: sha,
            media_type: kind.media_type().into(),
            name: name.to_string(),
            bytes: size,
            label: label.filter(|l| !l.trim().is_empty()),
            width,
            height,
        })
    }

    /// Decodes the image (one at a time) and streams its tiles into the
    /// store; the shape goes last.
    async fn build_pyramid(
        &self,
        sha: &str,
        bytes: Bytes,
        format: image::ImageFormat,
    ) -> Result<(), ObjectError> {
        let _permit = self.decoding.acquire().await.expect("never closed");
        let (tx, mut rx) = tokio::sync::mpsc::channel::<(String, Vec<u8>)>(8);
        let limits = self.limits;
        let builder = tokio::task::spawn_blocking(move || {
            pyramid::build(bytes, format, limits, &mut |key, tile| {
                // The receiver only stops when a put failed; that error wins.
                let _ = tx.blocking_send((key, tile));
            })
        });
        let mut put_error = None;
        while let Some((rest, tile)) = rx.recv().await {
            if put_error.is_none()
                && let Err(e) = self.put(derived_key(sha, &rest), tile).await
            {
                put_error = Some(e);
                rx.close();
            }
        }
        let shape = builder
            .await
            .map_err(|e| ObjectError::Image(format!("the pyramid builder failed: {e}")))??;
        if let Some(e) = put_error {
            return Err(e);
        }
        let json = serde_json::to_vec(&shape).expect("a pyramid serialises");
        self.put(derived_key(sha, "pyramid.json"), json).await
    }

    async fn put(&self, key: Key, bytes: impl Into<Bytes>) -> Result<(), ObjectError> {
        let bytes: Bytes = bytes.into();
        self.store.put(&key, PutPayload::from(bytes)).await?;
        Ok(())
    }

    async fn has(&self, key: &Key) -> Result<bool, ObjectError> {
        match self.store.head(key).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn read(&self, key: &Key) -> Result<Bytes, ObjectError> {
        match self.store.get(key).await {
            Ok(found) => Ok(found.bytes().await?),
            Err(object_store::Error::NotFound { .. }) => Err(ObjectError::Missing(key.to_string())),
            Err(e) => Err(e.into()),
        }
    }

    /// The file as attached.
    pub async fn original(&self, sha: &str) -> Result<Bytes, ObjectError> {
        self.read(&original_key(sha)).await
    }

    /// Whether the file is stored.
    pub async fn has_original(&self, sha: &str) -> Result<bool, ObjectError> {
        self.has(&original_key(sha)).await
    }

    /// Every stored file as attached (not the derivatives): its name in the
    /// store (the SHA-256 it is kept under) and its size, in no particular
    /// order. For a check: which files no record names.
    pub async fn originals(&self) -> Result<Vec<(String, u64)>, ObjectError> {
        use futures_util::StreamExt;
        let prefix = Key::from("originals");
        let mut listed = self.store.list(Some(&prefix));
        let mut out = Vec::new();
        while let Some(meta) = listed.next().await {
            let meta = meta?;
            let name = meta.location.filename().unwrap_or_default().to_string();
            out.push((name, meta.size));
        }
        Ok(out)
    }

    /// Stores a file's bytes as they are, under their SHA-256 (a dump's
    /// `files/` restored); returns that SHA-256.
    pub async fn put_original(&self, bytes: Vec<u8>) -> Result<String, ObjectError> {
        let sha = sha256_hex(&bytes);
        self.put(original_key(&sha), bytes).await?;
        Ok(sha)
    }

    /// Removes a file and everything derived from it (its pyramid first,
    /// so that a removal cut short leaves no image that looks whole). The
    /// caller has made sure no revision of any record names it.
    pub async fn remove(&self, sha: &str) -> Result<(), ObjectError> {
        use futures_util::StreamExt;
        let mut derived = vec![derived_key(sha, "pyramid.json")];
        let prefix = Key::from(format!("derived/{sha}"));
        let mut listed = self.store.list(Some(&prefix));
        while let Some(meta) = listed.next().await {
            let location = meta?.location;
            if !derived.contains(&location) {
                derived.push(location);
            }
        }
        derived.push(original_key(sha));
        for key in derived {
            match self.store.delete(&key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// The shape of an image's tile pyramid.
    pub async fn pyramid(&self, sha: &str) -> Result<Pyramid, ObjectError> {
        let json = self.read(&derived_key(sha, "pyramid.json")).await?;
        serde_json::from_slice(&json)
            .map_err(|e| ObjectError::Image(format!("pyramid of {sha} unreadable: {e}")))
    }

    /// One stored tile (JPEG).
    pub async fn tile(
        &self,
        sha: &str,
        level: u32,
        col: u32,
        row: u32,
    ) -> Result<Bytes, ObjectError> {
        self.read(&derived_key(sha, &pyramid::tile_key(level, col, row)))
            .await
    }

    /// Renders a region of an image at a size (see [`RenderRequest`]) from
    /// its tiles (`shape` is its [`Objects::pyramid`], read once by the
    /// caller): an exact tile is its stored bytes; anything else is
    /// composed from the few tiles it needs, a bounded number at a time.
    pub async fn render(
        &self,
        sha: &str,
        shape: &Pyramid,
        request: &RenderRequest,
    ) -> Result<Output, ObjectError> {
        if let Some((level, col, row)) = shape.exact_tile(request) {
            let bytes = self.tile(sha, level, col, row).await?;
            return Ok(Output {
                bytes,
                media_type: OutputFormat::Jpg.media_type(),
            });
        }
        let _permit = self.rendering.acquire().await.expect("never closed");
        let plan = shape.plan(request);
        let mut tiles = Vec::with_capacity(plan.tiles.len());
        for &(col, row) in &plan.tiles {
            tiles.push(self.tile(sha, plan.level, col, row).await?);
        }
        let icc = match shape.icc {
            true => Some(self.read(&derived_key(sha, "icc")).await?),
            false => None,
        };
        let request = request.clone();
        tokio::task::spawn_blocking(move || render::compose(&plan, &tiles, &request, icc))
            .await
            .map_err(|e| ObjectError::Image(format!("rendering failed: {e}")))?
    }
}

#[cfg(test)]
mod tests;
