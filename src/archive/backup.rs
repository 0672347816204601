//! Backups: `fonds backup DIR` and `fonds restore DIR`.
//!
//! A backup folder holds:
//! - `fonds.sqlite3`: the SQLite store as one state of it ([`Store::copy_to`],
//!   `VACUUM INTO`: one read transaction, taken while a server serves and
//!   imports write). A PostgreSQL store is not copied: `pg_dump` is the tool
//!   for it, and the manifest says so (`store: null`).
//! - `files/ab/SHA`: every file any revision of the copied store names (a
//!   revert may bring an old revision's file back), read from the files
//!   location (a folder or S3), each checked against its SHA-256 as read and
//!   again as written.
//! - `backup.json` ([`Manifest`]), written last: the change-log position the
//!   copy holds, when, by which fonds, and the SHA-256 and size of the store
//!   copy and of every file. A folder without it is an incomplete backup.
//!
//! The search index is not copied: a restore rebuilds it from the store.
//!
//! Invariants:
//! - A backup never writes into a folder that holds anything already.
//! - A restore checks the whole backup (every hash, every size) and the
//!   target before it writes anything; a restore refused (a target that
//!   holds something, an altered or incomplete backup) writes nothing. It
//!   builds the data folder beside the target and renames it into place when
//!   whole, so a restore cut short leaves no half archive where the target
//!   is named.

use super::{Archive, ArchiveError, Config, SQLITE_FILE};
use crate::model::{DigitalObject, sha256_hex};
use crate::objects::ObjectError;
use crate::store::Store;
use crate::store::sqlite::SqliteStore;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The manifest's name in a backup folder.
pub const MANIFEST: &str = "backup.json";

/// The version of the backup folder's layout this fonds writes and reads.
pub const BACKUP_FORMAT: u32 = 1;

/// The store copy's name in a backup folder.
const STORE_COPY: &str = "fonds.sqlite3";

/// What a backup holds ([`MANIFEST`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The layout's version ([`BACKUP_FORMAT`]).
    pub fonds_backup: u32,
    /// The fonds that wrote it.
    pub fonds_version: String,
    /// When it was taken (`YYYY-MM-DDThh:mm:ssZ`).
    pub created_at: String,
    /// The store's backend: `sqlite` or `postgresql`.
    pub backend: String,
    /// The change-log position the copied store holds (for PostgreSQL, the
    /// position when the files were listed).
    pub change: u64,
    /// Records (not purged) in the copied store.
    pub records: u64,
    /// Revisions in the copied store.
    pub revisions: u64,
    /// The store copy; `None` for PostgreSQL (copied with `pg_dump`).
    pub store: Option<StoredCopy>,
    /// Every file a revision names, by SHA-256.
    pub files: Vec<FileCopy>,
}

/// The store's copy in a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredCopy {
    /// Its name in the backup folder.
    pub path: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// One file in a backup, under `files/ab/SHA`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileCopy {
    /// SHA-256 of its bytes (its name).
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// A name a record gives it (its extension says what it is).
    pub name: String,
    /// Its media type, as the record says.
    pub media_type: String,
}

/// Why a backup or a restore was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The backup's folder holds something already.
    #[error(
        "{}: not empty; a backup goes into a new or empty folder (it never overwrites one)",
        .0.display()
    )]
    BackupNotEmpty(PathBuf),
    /// The restore's target holds something already.
    #[error(
        "{}: not empty (an archive, or other files); restore into a new or empty folder: \
         nothing was written",
        .0.display()
    )]
    TargetNotEmpty(PathBuf),
    /// The backup has no manifest, or one that cannot be read.
    #[error("{}: {message}; nothing was written", .path.display())]
    Incomplete {
        /// The backup folder.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The backup's files are not what its manifest says.
    #[error(
        "{}: the backup is altered or incomplete, nothing was written:\n{}",
        .path.display(),
        .problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
    )]
    Altered {
        /// The backup folder.
        path: PathBuf,
        /// Every difference found.
        problems: Vec<String>,
    },
    /// The backup and the target's store do not go together.
    #[error("{0}; nothing was written")]
    WrongBackend(String),
    /// A file a revision names is not in the files location, or not what
    /// its name says: the backup cannot be whole.
    #[error(
        "file {sha256} (named by record {record}) {message}; the backup is not complete \
         (`fonds check` lists every such file)"
    )]
    FileUnusable {
        /// The file.
        sha256: String,
        /// A record naming it.
        record: String,
        /// What is wrong.
        message: String,
    },
    /// Reading or writing a file of the backup or the target failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct BackupReport {
    /// Its manifest.
    pub manifest: Manifest,
    /// Revisions whose JSON did not parse (copied all the same; the files
    /// they name, if any, could not be known).
    pub unreadable: Vec<(String, u32)>,
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    /// The backup's manifest.
    pub manifest: Manifest,
    /// The data folder made.
    pub data_dir: PathBuf,
    /// Records in the restored store.
    pub records: u64,
    /// Its change-log position.
    pub change: u64,
    /// Documents in the rebuilt search index.
    pub indexed: u64,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Whether `dir` is missing or an empty folder.
fn is_empty_or_missing(dir: &Path) -> Result<bool, BackupError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(io(dir)(e)),
    }
}

/// Whether `text` is a SHA-256 as files are named: 64 lowercase hex digits.
pub(super) fn is_sha256(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Where a file goes in a backup folder (`sha256` is one: [`is_sha256`]).
fn file_path(dir: &Path, sha256: &str) -> PathBuf {
    dir.join("files").join(&sha256[..2]).join(sha256)
}

/// Writes `bytes` to `path` and makes them durable.
fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), BackupError> {
    let mut file = std::fs::File::create(path).map_err(io(path))?;
    file.write_all(bytes).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

/// SHA-256 and size of a file on disk.
fn hash_file(path: &Path) -> Result<(String, u64), std::io::Error> {
    let bytes = std::fs::read(path)?;
    Ok((sha256_hex(&bytes), bytes.len() as u64))
}

/// Every file the store's revisions name (SHA-256 → the first record that
/// names it and how), the number of revisions, and those that do not
/// parse.
pub(super) type NamedFiles = BTreeMap<String, (String, DigitalObject)>;

/// Walks every revision of `store`, calling `each` with it.
pub(super) async fn walk_revisions(
    store: &dyn Store,
    mut each: impl FnMut(crate::store::StoredRevision),
) -> Result<(), ArchiveError> {
    let mut after: Option<(String, u32)> = None;
    loop {
        let page = store
            .revisions(after.as_ref().map(|(id, r)| (id.as_str(), *r)), 500)
            .await?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = Some((last.id.clone(), last.revision));
        page.into_iter().for_each(&mut each);
    }
}

/// The files every revision of `store` names, how many revisions there
/// are, and which do not parse.
async fn named_files(
    store: &dyn Store,
) -> Result<(NamedFiles, u64, Vec<(String, u32)>), ArchiveError> {
    let mut files = NamedFiles::new();
    let mut revisions = 0;
    let mut unreadable = Vec::new();
    walk_revisions(store, |revision| {
        revisions += 1;
        match &revision.record {
            Ok(record) => {
                for file in &record.files {
                    files
                        .entry(file.sha256.clone())
                        .or_insert_with(|| (revision.id.clone(), file.clone()));
                }
            }
            Err(_) => unreadable.push((revision.id.clone(), revision.revision)),
        }
    })
    .await?;
    Ok((files, revisions, unreadable))
}

impl Archive {
    /// Backs the archive up into `dir` (new, or an empty folder): a copy of
    /// the store as one state of it, every file its revisions name, and the
    /// manifest, last. On PostgreSQL the store is not copied (see the module
    /// doc): the manifest's `store` is `None`.
    pub async fn backup(&self, dir: &Path) -> Result<BackupReport, ArchiveError> {
        if !is_empty_or_missing(dir)? {
            return Err(BackupError::BackupNotEmpty(dir.to_path_buf()).into());
        }
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let copy_path = dir.join(STORE_COPY);
        let copied = self.store.copy_to(&copy_path).await?;
        let (change, records, (files, revisions, unreadable), store) = if copied {
            // Everything below is read from the copy: one state.
            let snapshot = SqliteStore::open(&copy_path).await?;
            let read = async {
                Ok::<_, ArchiveError>((
                    snapshot.last_change().await?,
                    snapshot.count().await?,
                    named_files(&snapshot).await?,
                ))
            }
            .await;
            // Folds its write-ahead log back in: the copy is one file again.
            snapshot.close().await;
            let (change, records, named) = read?;
            let (sha256, bytes) = hash_file(&copy_path).map_err(io(&copy_path))?;
            let copy = StoredCopy {
                path: STORE_COPY.to_string(),
                sha256,
                bytes,
            };
            (change, records, named, Some(copy))
        } else {
            let change = self.store.last_change().await?;
            let records = self.store.count().await?;
            (change, records, named_files(&*self.store).await?, None)
        };
        let mut copies = Vec::with_capacity(files.len());
        for (sha256, (record, object)) in &files {
            let unusable = |message: String| BackupError::FileUnusable {
                sha256: sha256.clone(),
                record: record.clone(),
                message,
            };
            if !is_sha256(sha256) {
                return Err(unusable("is not named by a SHA-256".into()).into());
            }
            let bytes = match self.objects.original(sha256).await {
                Ok(bytes) => bytes,
                Err(ObjectError::Missing(_)) => {
                    return Err(unusable("is not in the files location".into()).into());
                }
                Err(e) => return Err(e.into()),
            };
            let found = sha256_hex(&bytes);
            if &found != sha256 {
                return Err(unusable(format!("holds bytes whose SHA-256 is {found}")).into());
            }
            let path = file_path(dir, sha256);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            write_durably(&path, &bytes)?;
            let (written, size) = hash_file(&path).map_err(io(&path))?;
            if &written != sha256 || size != bytes.len() as u64 {
                return Err(unusable(format!(
                    "was copied to {} as other bytes (SHA-256 {written})",
                    path.display()
                ))
                .into());
            }
            copies.push(FileCopy {
                sha256: sha256.clone(),
                bytes: size,
                name: object.name.clone(),
                media_type: object.media_type.clone(),
            });
        }
        let manifest = Manifest {
            fonds_backup: BACKUP_FORMAT,
            fonds_version: env!("CARGO_PKG_VERSION").to_string(),
            created_at: crate::clock::now().to_string(),
            backend: if copied { "sqlite" } else { "postgresql" }.to_string(),
            change,
            records,
            revisions,
            store,
            files: copies,
        };
        let json = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
        // Written whole under another name, then renamed: a folder with a
        // manifest is a whole backup.
        let tmp = dir.join(format!("{MANIFEST}.tmp"));
        write_durably(&tmp, &json)?;
        let path = dir.join(MANIFEST);
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        Ok(BackupReport {
            manifest,
            unreadable,
        })
    }

    /// Reads a backup's manifest and checks every file it names (the store
    /// copy and each attached file: present, of its size and SHA-256),
    /// writing nothing.
    pub fn verify_backup(backup: &Path) -> Result<Manifest, ArchiveError> {
        let path = backup.join(MANIFEST);
        let incomplete = |message: String| BackupError::Incomplete {
            path: backup.to_path_buf(),
            message,
        };
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(incomplete(format!(
                    "no {MANIFEST}: not a backup, or one cut short (the manifest is written last)"
                ))
                .into());
            }
            Err(e) => return Err(BackupError::Io { path, source: e }.into()),
        };
        let manifest: Manifest = serde_json::from_slice(&text)
            .map_err(|e| incomplete(format!("{MANIFEST} cannot be read: {e}")))?;
        if manifest.fonds_backup > BACKUP_FORMAT {
            return Err(incomplete(format!(
                "backup layout {} is newer than this fonds reads ({BACKUP_FORMAT})",
                manifest.fonds_backup
            ))
            .into());
        }
        let mut problems = Vec::new();
        let compare = |what: String, path: &Path, sha256: &str, bytes: u64| match hash_file(path) {
            Err(e) => Some(format!("{what}: {}: {e}", path.display())),
            Ok((found, size)) if found != sha256 || size != bytes => Some(format!(
                "{what}: {} holds {size} bytes with SHA-256 {found}; the manifest says \
                 {bytes} bytes with SHA-256 {sha256}",
                path.display()
            )),
            Ok(_) => None,
        };
        if let Some(store) = &manifest.store {
            // Only a plain name: the manifest never leads out of the folder.
            if store.path != STORE_COPY {
                problems.push(format!("the store copy is named {:?}", store.path));
            } else {
                let path = backup.join(STORE_COPY);
                problems.extend(compare(
                    "the store".into(),
                    &path,
                    &store.sha256,
                    store.bytes,
                ));
            }
        }
        for file in &manifest.files {
            if !is_sha256(&file.sha256) {
                problems.push(format!("a file is named {:?}", file.sha256));
                continue;
            }
            let path = file_path(backup, &file.sha256);
            problems.extend(compare(
                format!("file {}", file.sha256),
                &path,
                &file.sha256,
                file.bytes,
            ));
        }
        if !problems.is_empty() {
            return Err(BackupError::Altered {
                path: backup.to_path_buf(),
                problems,
            }
            .into());
        }
        Ok(manifest)
    }

    /// Restores the backup in `backup` as the archive `config` names: its
    /// data folder must be new or empty. The whole backup is checked first
    /// ([`Archive::verify_backup`]); then the store copy goes into a folder
    /// beside the target, each file into the files location (an image's
    /// tiles made again), the search index is rebuilt from the store, and
    /// the folder is renamed into place. A backup of a PostgreSQL archive
    /// holds no store: restore its database with `pg_restore` first and
    /// name it (`config.database`); its index and files are then restored.
    pub async fn restore(backup: &Path, config: &Config) -> Result<RestoreReport, ArchiveError> {
        let target = &config.data_dir;
        if !is_empty_or_missing(target)? {
            return Err(BackupError::TargetNotEmpty(target.clone()).into());
        }
        let manifest = Archive::verify_backup(backup)?;
        match (&manifest.store, &config.database) {
            (Some(_), Some(_)) => {
                return Err(BackupError::WrongBackend(
                    "this backup holds a SQLite store; it restores into a data folder, not \
                     into PostgreSQL (restore it without --database, then move the records \
                     with `fonds export` and `fonds import`)"
                        .into(),
                )
                .into());
            }
            (None, None) => {
                return Err(BackupError::WrongBackend(
                    "this backup was taken of a PostgreSQL archive and holds no store: \
                     restore the database with pg_restore, then run fonds restore with \
                     --database naming it (its files and search index are restored then)"
                        .into(),
                )
                .into());
            }
            _ => {}
        }
        // Built beside the target, renamed into place when whole.
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "fonds-data".into());
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        let building = parent.join(format!(".{name}.restoring-{}", std::process::id()));
        let built = Archive::restore_into(backup, &building, config, &manifest).await;
        let report = match built {
            Ok(report) => report,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&building);
                return Err(e);
            }
        };
        if target.exists() {
            // Empty (checked above): make way.
            std::fs::remove_dir(target).map_err(io(target))?;
        }
        if let Err(e) = std::fs::rename(&building, target) {
            let _ = std::fs::remove_dir_all(&building);
            return Err(io(target)(e).into());
        }
        Ok(RestoreReport {
            data_dir: target.clone(),
            ..report
        })
    }

    /// The work of [`Archive::restore`], in the folder `building`.
    async fn restore_into(
        backup: &Path,
        building: &Path,
        config: &Config,
        manifest: &Manifest,
    ) -> Result<RestoreReport, ArchiveError> {
        std::fs::create_dir_all(building).map_err(io(building))?;
        if let Some(store) = &manifest.store {
            let from = backup.join(&store.path);
            let to = building.join(SQLITE_FILE);
            std::fs::copy(&from, &to).map_err(io(&to))?;
            let (sha256, bytes) = hash_file(&to).map_err(io(&to))?;
            if sha256 != store.sha256 || bytes != store.bytes {
                return Err(BackupError::Altered {
                    path: backup.to_path_buf(),
                    problems: vec![format!(
                        "the store changed while it was copied to {}",
                        to.display()
                    )],
                }
                .into());
            }
        }
        // Opening a new data folder builds its index from the store's whole
        // change log.
        let archive = Archive::open(&Config {
            data_dir: building.to_path_buf(),
            database: config.database.clone(),
            files: config.files.clone(),
        })
        .await?;
        let restored = async {
            for file in &manifest.files {
                let path = file_path(backup, &file.sha256);
                let bytes = std::fs::read(&path).map_err(io(&path))?;
                let page = archive.objects.ingest(&file.name, bytes, None).await?;
                if page.sha256 != file.sha256 {
                    return Err(BackupError::Altered {
                        path: backup.to_path_buf(),
                        problems: vec![format!("file {} changed while it was read", file.sha256)],
                    }
                    .into());
                }
            }
            archive.optimize().await?;
            Ok::<_, ArchiveError>(RestoreReport {
                manifest: manifest.clone(),
                data_dir: building.to_path_buf(),
                records: archive.store.count().await?,
                change: archive.store.last_change().await?,
                indexed: archive.index.len(),
            })
        }
        .await;
        archive.close().await;
        drop(archive);
        restored
    }
}
