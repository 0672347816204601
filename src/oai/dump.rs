//! The public bulk dump (`/dump/records.jsonl.gz`): the JSON Lines of
//! `fonds export` ([`crate::export::jsonl`]), gzip-compressed, holding only
//! the records public at the moment of the dump: it walks the records
//! through the public reader ([`crate::archive::Archive::public`]), which
//! alone judges what is public.
//!
//! `fonds export` is the staff's full backup and writes every record,
//! drafts and embargoed ones included. The public dump leaves those out, so
//! its header's count is the number of public records it holds, not the
//! archive's total: a reader checks it against the lines as it would for any
//! dump. To make that count exact even while records change, the records
//! are read once, in identifier order, into a temporary file (gzip, fast
//! level) while counted; only then are the header and the records written
//! out.
//!
//! A server does not make the dump per request: [`DumpFiles`] keeps it as a
//! file in the data folder (`dump/`), made once per [`DumpState`] (the
//! store's change-log position and the UTC day: an embargo ends at midnight
//! without a change), and hands out the newest complete one.
//!
//! Invariants of [`DumpFiles`]:
//! - A dump file is complete or absent: it is written under a temporary name
//!   in the same folder and renamed into place when whole.
//! - At most one build runs at a time (per process); a request that finds a
//!   build running gets the previous complete file, or waits for the build
//!   when there is none. A build goes on when the request that started it
//!   goes away, and its file serves the next.
//! - A file's state is read before its records: the change-log position
//!   first, then the public reader's instant, so a file holds at least what
//!   its state names (a write during the walk makes it look older than it
//!   is, never newer: the next request builds again). When the log moved
//!   during the walk the file is not [`DumpState::settled`]: another build
//!   of the same state may differ.
//! - A file is handed out opened, under the lock that older files are
//!   removed under, so a file being read is never pulled away.

use crate::archive::{Archive, ArchiveError, ArchiveErrorOrIo, PublicReader};
use crate::clock::Day;
use crate::export::jsonl;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;
use tokio::sync::Mutex;

/// The public records, read and counted, ready to be written out.
pub struct PublicDump {
    spool: File,
    records: u64,
}

impl PublicDump {
    /// Reads the public records into a temporary file (in `$TMPDIR`).
    pub async fn collect(public: &PublicReader<'_>) -> Result<PublicDump, ArchiveErrorOrIo> {
        PublicDump::collect_into(public, tempfile::tempfile()?).await
    }

    /// Reads the public records into a temporary file in `dir`.
    pub async fn collect_in(
        public: &PublicReader<'_>,
        dir: &Path,
    ) -> Result<PublicDump, ArchiveErrorOrIo> {
        PublicDump::collect_into(public, tempfile::tempfile_in(dir)?).await
    }

    async fn collect_into(
        public: &PublicReader<'_>,
        spool: File,
    ) -> Result<PublicDump, ArchiveErrorOrIo> {
        let mut spool = GzEncoder::new(BufWriter::new(spool), Compression::fast());
        let mut records = 0;
        public
            .for_each_record(|record| {
                records += 1;
                writeln!(spool, "{}", jsonl::line(record))
            })
            .await?;
        let mut spool = spool.finish()?.into_inner().map_err(|e| e.into_error())?;
        spool.rewind()?;
        Ok(PublicDump { spool, records })
    }

    /// How many records the dump holds (its header's count).
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Writes the dump, gzip-compressed: the header line, then the records.
    /// Returns `out`.
    pub fn write_gzip<W: Write>(self, out: W) -> io::Result<W> {
        let mut gz = GzEncoder::new(out, Compression::default());
        writeln!(gz, "{}", jsonl::header(self.records as usize))?;
        io::copy(&mut GzDecoder::new(BufReader::new(self.spool)), &mut gz)?;
        gz.finish()
    }
}

/// Collects and writes the public dump into `out`; returns the number of
/// records written.
pub async fn write_public_dump<W: Write>(
    public: &PublicReader<'_>,
    out: W,
) -> Result<u64, ArchiveErrorOrIo> {
    let dump = PublicDump::collect(public).await?;
    let records = dump.records();
    dump.write_gzip(out)?;
    Ok(records)
}

/// What a dump file was made from: the store's change-log position and the
/// UTC day (the public reader's) when its walk began.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DumpState {
    /// The last change of the store's change log.
    pub change: u64,
    /// The day the public view was judged on.
    pub day: Day,
    /// Nothing was written to the store during the walk, so that this
    /// state always gives these very bytes (a server may promise it: a
    /// strong entity tag). A file made while records changed holds at
    /// least its state, and perhaps part of what came after.
    pub settled: bool,
}

impl DumpState {
    /// Whether a file of this state may stand for `wanted`: made from the
    /// same log position and day, or later ones.
    fn covers(&self, wanted: &DumpState) -> bool {
        self.change >= wanted.change && self.day >= wanted.day
    }

    /// The file's name in the dump folder.
    fn file_name(&self) -> String {
        format!("records-c{}-{}.jsonl.gz", self.change, self.day)
    }
}

/// A failure to make or open the dump file.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    /// Reading the records failed.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// Writing or opening the file failed.
    #[error("the dump file in {dir}: {source}")]
    Io {
        /// The dump folder.
        dir: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The build stopped before it ended (a panic in it, or shutdown).
    #[error("the dump's build stopped: {0}")]
    Stopped(String),
}

/// A complete dump file, opened for reading.
#[derive(Debug)]
pub struct OpenDump {
    /// The file, at its start.
    pub file: tokio::fs::File,
    /// What it was made from.
    pub state: DumpState,
    /// Its size in bytes.
    pub len: u64,
    /// When it was written.
    pub modified: SystemTime,
}

/// The public dump as files in a folder of the data folder, made once per
/// [`DumpState`] (see the module's invariants).
#[derive(Clone)]
pub struct DumpFiles {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    /// The newest complete file, and its state.
    latest: Mutex<Option<(DumpState, PathBuf)>>,
    /// Held by the one build that may run.
    building: Arc<Mutex<()>>,
}

impl DumpFiles {
    /// Dump files kept in `dir` (made when the first is built). Files an
    /// earlier process left there are not trusted (the store may have been
    /// replaced since): the first request builds afresh, and the older
    /// files are removed then.
    pub fn new(dir: PathBuf) -> DumpFiles {
        DumpFiles {
            inner: Arc::new(Inner {
                dir,
                latest: Mutex::new(None),
                building: Arc::new(Mutex::new(())),
            }),
        }
    }

    /// The dump as the archive stands now: the newest complete file when it
    /// covers the archive's present state, else a file built for it; while
    /// another request's build runs, the previous complete file (or, when
    /// there is none, the file that build makes).
    pub async fn current(&self, archive: &Archive) -> Result<OpenDump, DumpError> {
        let wanted = DumpState {
            change: archive.last_change().await?,
            day: archive.public().now().day(),
            settled: true,
        };
        loop {
            {
                let latest = self.inner.latest.lock().await;
                if let Some((state, path)) = latest.as_ref()
                    && state.covers(&wanted)
                {
                    return self.inner.open(*state, path).await;
                }
            }
            match self.inner.building.clone().try_lock_owned() {
                Ok(building) => {
                    // Its own task: it ends (and serves the next request)
                    // even if this one is dropped.
                    let build =
                        tokio::spawn(Inner::build(self.inner.clone(), archive.clone(), building));
                    build
                        .await
                        .map_err(|e| DumpError::Stopped(e.to_string()))??;
                }
                Err(_) => {
                    {
                        let latest = self.inner.latest.lock().await;
                        if let Some((state, path)) = latest.as_ref() {
                            return self.inner.open(*state, path).await;
                        }
                    }
                    // No file yet: wait for the build that makes one.
                    drop(self.inner.building.lock().await);
                }
            }
        }
    }
}

impl Inner {
    fn io(&self, source: io::Error) -> DumpError {
        DumpError::Io {
            dir: self.dir.clone(),
            source,
        }
    }

    /// Opens a complete file (the caller holds `latest`, under which files
    /// are removed).
    async fn open(&self, state: DumpState, path: &Path) -> Result<OpenDump, DumpError> {
        let file = tokio::fs::File::open(path).await.map_err(|e| self.io(e))?;
        let meta = file.metadata().await.map_err(|e| self.io(e))?;
        Ok(OpenDump {
            file,
            state,
            len: meta.len(),
            modified: meta.modified().map_err(|e| self.io(e))?,
        })
    }

    /// Builds the file of the archive's present state, makes it the latest
    /// and removes the others. `_building` is the build lock, held to the
    /// end.
    async fn build(
        self: Arc<Inner>,
        archive: Archive,
        _building: tokio::sync::OwnedMutexGuard<()>,
    ) -> Result<(), DumpError> {
        // The state first, then the walk (see the module's invariants).
        let change = archive.last_change().await?;
        let public = archive.public();
        let mut state = DumpState {
            change,
            day: public.now().day(),
            settled: true,
        };
        std::fs::create_dir_all(&self.dir).map_err(|e| self.io(e))?;
        let collected = PublicDump::collect_in(&public, &self.dir)
            .await
            .map_err(|e| match e {
                ArchiveErrorOrIo::Archive(e) => DumpError::Archive(e),
                ArchiveErrorOrIo::Io(e) => self.io(e),
            })?;
        state.settled = archive.last_change().await? == change;
        let path = self.dir.join(state.file_name());
        let (dir, target) = (self.dir.clone(), path.clone());
        tokio::task::spawn_blocking(move || -> io::Result<()> {
            let temporary = tempfile::Builder::new()
                .prefix(".building-")
                .tempfile_in(&dir)?;
            let written = collected.write_gzip(BufWriter::new(temporary))?;
            let temporary = written.into_inner().map_err(|e| e.into_error())?;
            temporary.as_file().sync_all()?;
            temporary.persist(&target).map_err(|e| e.error)?;
            Ok(())
        })
        .await
        .map_err(|e| DumpError::Stopped(e.to_string()))?
        .map_err(|e| self.io(e))?;
        let mut latest = self.latest.lock().await;
        let newer = match latest.as_ref() {
            Some((held, _)) => !held.covers(&state),
            None => true,
        };
        if newer {
            *latest = Some((state, path));
        }
        if let Some((_, keep)) = latest.as_ref() {
            self.remove_all_but(keep);
        }
        Ok(())
    }

    /// Removes the dump files other than `keep` (under `latest`'s lock: a
    /// file handed out is open already, and stays readable).
    fn remove_all_but(&self, keep: &Path) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let finished = name.starts_with("records-") && name.ends_with(".jsonl.gz");
            // What a build that was killed left (a running one is younger
            // than a day).
            let abandoned = name.starts_with(".building-")
                && entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age.as_secs() > 24 * 3600);
            if (finished && path != keep) || abandoned {
                // A file another process holds open stays readable to it.
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}
