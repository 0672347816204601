//! Where the index's files are read from: [`IndexDirectory`], tantivy's
//! memory-mapped directory, except for the three large files of a segment.
//!
//! A memory map counts every page a search has touched in the process's
//! resident memory for as long as the kernel leaves it mapped. At a
//! million records the postings, positions and stored texts are 18 GB, and
//! a server that has answered a few hundred searches shows several hundred
//! megabytes resident that are really the kernel's page cache. Those three
//! files (`.idx`, `.pos`, `.store`) are read here with positioned reads
//! instead (one per posting list, position list or stored block opened): the
//! page cache still serves them, but only what a search holds is counted as
//! the process's own. The small files that are read everywhere (term
//! dictionaries, fast fields, field norms) stay mapped.
//!
//! Invariant: every byte read is the byte on disk at that offset; writes,
//! deletes, locks and watches are the memory-mapped directory's own.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tantivy::HasLen;
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, OwnedBytes, WatchCallback,
    WatchHandle, WritePtr,
};

/// Segment files read with positioned reads rather than mapped.
const READ_NOT_MAPPED: [&str; 3] = ["idx", "pos", "store"];

/// The index folder: see the module documentation.
#[derive(Clone, Debug)]
pub struct IndexDirectory {
    mapped: MmapDirectory,
    root: PathBuf,
}

impl IndexDirectory {
    pub fn open(root: &Path) -> tantivy::Result<IndexDirectory> {
        Ok(IndexDirectory {
            mapped: MmapDirectory::open(root).map_err(tantivy::TantivyError::from)?,
            root: root.to_path_buf(),
        })
    }
}

impl Directory for IndexDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        let read = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| READ_NOT_MAPPED.contains(&e));
        if !read {
            return self.mapped.get_file_handle(path);
        }
        let full = self.root.join(path);
        let file = File::open(&full).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                OpenReadError::FileDoesNotExist(path.to_path_buf())
            } else {
                OpenReadError::wrap_io_error(e, path.to_path_buf())
            }
        })?;
        let len = file
            .metadata()
            .map_err(|e| OpenReadError::wrap_io_error(e, path.to_path_buf()))?
            .len() as usize;
        Ok(Arc::new(ReadFile {
            file,
            len,
            path: full,
        }))
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.mapped.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.mapped.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.mapped.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.mapped.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        self.mapped.atomic_write(path, data)
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.mapped.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        self.mapped.acquire_lock(lock)
    }

    fn watch(&self, callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.mapped.watch(callback)
    }
}

/// A segment file read with `pread`. Segment files never change once
/// written, so the length taken at opening stays right.
struct ReadFile {
    file: File,
    len: usize,
    path: PathBuf,
}

impl std::fmt::Debug for ReadFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReadFile({})", self.path.display())
    }
}

impl HasLen for ReadFile {
    fn len(&self) -> usize {
        self.len
    }
}

impl FileHandle for ReadFile {
    fn read_bytes(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        if range.start > range.end || range.end > self.len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{}: bytes {}..{} asked of a file of {}",
                    self.path.display(),
                    range.start,
                    range.end,
                    self.len
                ),
            ));
        }
        let mut buffer = vec![0u8; range.len()];
        self.file.read_exact_at(&mut buffer, range.start as u64)?;
        Ok(OwnedBytes::new(buffer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A read file gives the bytes on disk, any range of them, and refuses
    /// a range past its end.
    #[test]
    fn reads_ranges_of_the_big_files_and_maps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let bytes: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(dir.path().join("a.store"), &bytes).unwrap();
        std::fs::write(dir.path().join("a.term"), &bytes).unwrap();
        let d = IndexDirectory::open(dir.path()).unwrap();
        for name in ["a.store", "a.term"] {
            let handle = d.get_file_handle(Path::new(name)).unwrap();
            assert_eq!(handle.len(), bytes.len());
            for range in [0..0, 0..1, 17..4_099, 9_000..10_000] {
                let got = handle.read_bytes(range.clone()).unwrap();
                assert_eq!(got.as_slice(), &bytes[range], "{name}");
            }
        }
        let store = d.get_file_handle(Path::new("a.store")).unwrap();
        assert!(format!("{store:?}").contains("ReadFile"));
        assert!(store.read_bytes(9_999..10_001).is_err());
        assert!(matches!(
            d.get_file_handle(Path::new("missing.idx")),
            Err(OpenReadError::FileDoesNotExist(_))
        ));
    }
}
