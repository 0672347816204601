//! The command line (`fonds …`): parses arguments with clap, calls the
//! archive service, prints results. The only place that uses `anyhow`.
//!
//! Output contract: results on stdout, messages and errors on stderr; exit
//! code 0 on success, 1 on any error, 2 on a usage error. `--json` output is
//! documented in the README and kept stable.
//!
//! Whoever runs a command holds the data folder (or the database URL), so
//! reads are staff reads (`console()`) except `search` without `--all`,
//! which searches as anyone would.
//!
//! A command that only reads ([`Command::only_reads`]) needs an archive and
//! makes none: a data folder without one is an error saying how to make one.
//! Commands that write make it.

use crate::accounts::password::Password;
use crate::accounts::{Role, Viewer};
use crate::archive::{
    Archive, ArchiveError, Config, ImportOptions, ImportReport, MANIFEST, Progress, Upload,
};
use crate::cite::{self, CiteContext, Style};
use crate::export;
use crate::import::Format;
use crate::model::{Record, language_name};
use crate::objects::FilesLocation;
use crate::search::{MAX_LIMIT, MAX_OFFSET, SearchRequest, SearchResults, Sort};
use crate::store::{Author, RevisionInfo};
use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// fonds: a digital archive for historical primary sources.
#[derive(Debug, Parser)]
#[command(name = "fonds", version, about)]
pub struct Cli {
    /// Data folder (search index, and the SQLite store unless --database).
    #[arg(long, global = true, env = "FONDS_DATA", default_value = "fonds-data")]
    pub data: PathBuf,
    /// Keep the store in PostgreSQL (postgres://user:password@host/db), shared
    /// by every node; the data folder then holds only this node's index.
    #[arg(long, global = true, env = "FONDS_DATABASE", hide_env_values = true)]
    pub database: Option<String>,
    /// Keep the files of records (scans, PDFs, their tiles) in S3-compatible
    /// storage shared by every node (s3://bucket/prefix; credentials, region
    /// and endpoint from the AWS_* environment), or in a folder
    /// (file:///path or a path). Default: the data folder's files/.
    #[arg(
        long,
        global = true,
        env = "FONDS_FILE_STORE",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub file_store: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import files or folders (format detected from content).
    Import {
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Read every file as this format.
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Let records move to another source that claims their identifier.
        #[arg(long)]
        replace: bool,
        /// Replace records that staff edited (in the desk or through the
        /// API) since their import; without it such records are refused as
        /// conflicts, and nothing is written.
        #[arg(long)]
        overwrite_edits: bool,
    },
    /// Show a record.
    Show {
        /// The record's identifier.
        id: String,
        /// Print the record as JSON (the dump format).
        #[arg(long)]
        json: bool,
        /// Show an earlier revision.
        #[arg(long)]
        revision: Option<u32>,
    },
    /// Search the archive.
    Search {
        /// The query (words, "phrases", AND/OR/NOT, field:value, date:1961..1963, *).
        query: String,
        /// Print the results as JSON (documented in the README).
        #[arg(long)]
        json: bool,
        /// Hits to show (at most 100,000; `export` gives every record).
        #[arg(
            long,
            default_value_t = 10,
            value_parser = at_most(MAX_LIMIT, "`fonds export` gives every record")
        )]
        limit: usize,
        /// Hits to skip (at most 10,000; narrow the search to go further).
        #[arg(
            long,
            default_value_t = 0,
            value_parser = at_most(MAX_OFFSET, "narrow the search to go further")
        )]
        offset: usize,
        /// Order of hits.
        #[arg(long, value_enum, default_value = "relevance")]
        sort: Sort,
        /// Include records that are not public (drafts, embargoed).
        #[arg(long)]
        all: bool,
        /// Only the spelling typed: no other forms of names, no other
        /// scripts, no translations of the query.
        #[arg(long)]
        exact: bool,
    },
    /// List the forms of names the archive learned from its own records
    /// (a manifest's named entities, TEI index names), most certain first:
    /// confidence, records, and the two forms. Accept a pair by writing it
    /// as a line of DATA/persons.txt ("A | B"); reject it with "! A | B".
    Names {
        /// Only pairs at least this certain (0 to 1).
        #[arg(long, default_value_t = 0.0)]
        min_confidence: f32,
        /// Only pairs where one form contains this text.
        #[arg(long)]
        matching: Option<String>,
        /// Pairs to show.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Cite a record (chicago, mla, apa, source, or a bibtex/ris/csl-json file).
    Cite {
        /// The record's identifier.
        id: String,
        /// Citation style or file format.
        #[arg(long, default_value = "chicago", value_parser = parse_style)]
        style: Style,
        /// The archive's public address; citations then give
        /// `{base}/records/{id}` as the record's URL (otherwise the holding
        /// archive's).
        #[arg(long, env = "FONDS_BASE_URL")]
        base_url: Option<String>,
    },
    /// Rebuild the search index from the store.
    Reindex,
    /// List a record's revisions, oldest first: who made each (an account,
    /// or an import with its command and file), when, and its note.
    History {
        /// The record's identifier.
        id: String,
        /// Print a JSON array of {revision, at, by, note, command, file}.
        #[arg(long)]
        json: bool,
    },
    /// Make an earlier revision of a record current again (as a new
    /// revision: the history keeps everything).
    Revert {
        /// The record's identifier.
        id: String,
        /// The revision to go back to.
        revision: u32,
        /// Why (shown in the history).
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Attach scans or PDFs of the original to a record, as its next pages
    /// (JPEG, PNG, TIFF, PDF): a new revision. Images get their IIIF tiles.
    Attach {
        /// The record's identifier.
        id: String,
        /// The files, in page order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// A label for the pages ("recto", "envelope"); numbered when
        /// several files are attached at once.
        #[arg(long)]
        label: Option<String>,
    },
    /// Remove a record and all its revisions for good (a rights or privacy
    /// complaint); kept in the audit log with the reason. Harvesters are
    /// told it is deleted.
    Purge {
        /// The record's identifier.
        id: String,
        /// Why (kept in the audit log).
        #[arg(long)]
        reason: String,
    },
    /// Export records (all, or the identifiers given).
    Export {
        /// Output format.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: ExportFormat,
        /// Output file (or folder, for several Wilson records, or with
        /// --files); stdout if absent.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write a dump folder that restores the records' files too:
        /// OUT/records.jsonl and each attached file under OUT/files/ (needs
        /// --out and the jsonl format).
        #[arg(long, requires = "out")]
        files: bool,
        /// Identifiers to export; all records if none.
        ids: Vec<String>,
    },
    /// Back the archive up into DIR (new or empty), while it serves and
    /// imports: a consistent copy of the SQLite store, every attached file
    /// (checked against its SHA-256) and a manifest (backup.json, written
    /// last). The search index is not copied: restore rebuilds it. On
    /// PostgreSQL only the files and the manifest: back the database up with
    /// pg_dump.
    Backup {
        /// The backup's folder (new, or empty).
        dir: PathBuf,
    },
    /// Restore a backup into a new archive: --data names a new or empty
    /// folder (and --file-store where its files go). The whole backup is
    /// checked first; nothing is written if anything is wrong. The search
    /// index is rebuilt.
    Restore {
        /// The backup's folder.
        backup: PathBuf,
    },
    /// Check the archive: every stored revision, the change log, the search
    /// index against the store, every attached file and its SHA-256. Prints
    /// each problem, then a summary; exits 1 if there is any.
    Check,
    /// Manage staff accounts (passwords are read from the terminal, or from
    /// standard input when it is not one; never from the command line).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage personal API tokens (for scripted writes).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Serve the reading room and the JSON API over HTTP.
    Serve {
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Serve a demo archive (the bundled seed record and FRUS volume) from
        /// a data folder of its own; needs no set-up.
        #[arg(long)]
        demo: bool,
        /// The site's public address, for absolute links (default: the
        /// listening address).
        #[arg(long, env = "FONDS_BASE_URL")]
        base_url: Option<String>,
        /// The site's name.
        #[arg(long, default_value = "fonds archive")]
        site_name: String,
        /// OAI-PMH repository identifier, a domain name (default: the base
        /// URL's host, or fonds.localhost).
        #[arg(long, env = "FONDS_REPOSITORY_ID")]
        repository_id: Option<String>,
        /// The administrator's e-mail address OAI-PMH Identify gives.
        #[arg(long, env = "FONDS_ADMIN_EMAIL")]
        admin_email: Option<String>,
        /// Turns of heavy requests (harvests, dump builds).
        #[command(flatten)]
        heavy: HeavyArgs,
    },
}

/// How heavy requests (OAI-PMH pages, sitemaps, building the dump) take
/// turns when serving ([`crate::web::admission`]).
#[derive(Debug, clap::Args)]
pub struct HeavyArgs {
    /// Heavy requests (OAI-PMH pages, sitemaps, building the dump) that run
    /// at once; the others wait their turn (default: one per core, at
    /// least 2).
    #[arg(long, env = "FONDS_HEAVY_CONCURRENT", value_parser = clap::value_parser!(u16).range(1..=1024))]
    heavy_concurrent: Option<u16>,
    /// Heavy requests that may wait for a turn at once; past that they are
    /// refused with 503 and Retry-After.
    #[arg(long, env = "FONDS_HEAVY_QUEUE", default_value_t = 256, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    heavy_queue: u32,
    /// Seconds a heavy request waits for its turn before a 503 with
    /// Retry-After.
    #[arg(long, env = "FONDS_HEAVY_WAIT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    heavy_wait: u64,
}

impl HeavyArgs {
    /// The limits these options give, the machine's defaults for the rest.
    fn limits(&self) -> crate::web::admission::HeavyLimits {
        let mut limits = crate::web::admission::HeavyLimits::for_this_machine();
        if let Some(n) = self.heavy_concurrent {
            limits.concurrent = usize::from(n);
        }
        limits.queue = self.heavy_queue as usize;
        limits.wait = std::time::Duration::from_secs(self.heavy_wait);
        limits
    }
}

impl Command {
    /// Whether the command only reads: it needs an archive and never makes
    /// one, so that a mistyped `--data` is an error rather than a new empty
    /// archive answering "0 records". Commands that write make the archive
    /// when there is none yet.
    pub fn only_reads(&self) -> bool {
        match self {
            Command::Show { .. }
            | Command::Search { .. }
            | Command::Names { .. }
            | Command::Cite { .. }
            | Command::Reindex
            | Command::History { .. }
            | Command::Export { .. }
            | Command::Backup { .. }
            | Command::Check => true,
            Command::Serve { demo, .. } => !demo,
            Command::User { command } => matches!(command, UserCommand::List),
            Command::Token { command } => matches!(command, TokenCommand::List { .. }),
            Command::Import { .. }
            | Command::Revert { .. }
            | Command::Attach { .. }
            | Command::Purge { .. }
            | Command::Restore { .. } => false,
        }
    }
}

/// `fonds user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account (asks for its password).
    Add {
        /// The account's name (letters, digits, '.', '_', '-', '@').
        name: String,
        /// What it may do: viewer (read drafts), editor (edit, publish),
        /// admin (also accounts).
        #[arg(long)]
        role: Role,
    },
    /// List the accounts: name, role, active or disabled, created.
    List,
    /// Change an account's password (asks for it); closes its sessions.
    Passwd {
        /// The account's name.
        name: String,
    },
    /// Disable an account: it cannot sign in, its sessions are closed and
    /// its API tokens stop working.
    Disable {
        /// The account's name.
        name: String,
    },
    /// Enable a disabled account again (its API tokens work again).
    Enable {
        /// The account's name.
        name: String,
    },
}

/// `fonds token …`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for an account and print it (only this once).
    Create {
        /// The account's name.
        user: String,
        /// What the token is for.
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List an account's API tokens: id, label, created, revoked.
    List {
        /// The account's name.
        user: String,
    },
    /// Revoke an API token, given as itself or by its id.
    Revoke {
        /// The token (fonds_…) or its id.
        token_or_id: String,
    },
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// fonds's JSON Lines dump.
    Jsonl,
    /// The Wilson record format (Markdown).
    Wilson,
}

/// Keeps glibc's allocator from holding freed memory an import no longer
/// needs: two arenas rather than eight per core (the indexing threads'
/// segments are freed by other threads than allocated them), and blocks of
/// 1 MiB and more in maps of their own, given back when freed. Importing
/// the shared corpus peaked 60–70 MB lower, in the same time (README).
/// `serve` keeps the defaults: more arenas, less waiting between threads.
fn frugal_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; it is called before
    // the runtime's threads start, and any value is safe to give.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// Runs the command line and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = check_usage(&cli) {
        e.exit();
    }
    if matches!(cli.command, Command::Import { .. }) {
        frugal_allocator();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stopped early (`fonds export | head`) is not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Usage rules clap's attributes cannot say; broken, they are usage errors
/// (exit code 2) like clap's own.
fn check_usage(cli: &Cli) -> Result<(), clap::Error> {
    if let Command::Export {
        files: true,
        format,
        ..
    } = &cli.command
        && *format != ExportFormat::Jsonl
    {
        return Err(<Cli as clap::CommandFactory>::command().error(
            clap::error::ErrorKind::ArgumentConflict,
            "--files writes a dump folder (records.jsonl and files/): it needs --format jsonl",
        ));
    }
    Ok(())
}

/// A value parser for a whole number from 0 to `max` (`--limit`,
/// `--offset`): anything else is a usage error naming the option and the
/// bound, before the archive is opened (a search asked for billions of hits
/// would try to hold them all).
fn at_most(
    max: usize,
    hint: &'static str,
) -> impl Fn(&str) -> Result<usize, String> + Clone + Send + Sync + 'static {
    move |value| match value.parse::<usize>() {
        Ok(n) if n <= max => Ok(n),
        Ok(_) => Err(format!("at most {max} ({hint})")),
        Err(_) => Err(format!("a whole number from 0 to {max} is expected")),
    }
}

fn parse_style(name: &str) -> Result<Style, String> {
    name.parse().map_err(|e: cite::CiteError| e.to_string())
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        let kind = cause
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| {
                cause
                    .downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind)
            });
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// Runs one command.
pub async fn run(cli: Cli) -> Result<()> {
    check_usage(&cli)?;
    if let Command::Serve {
        listen,
        demo,
        base_url,
        site_name,
        repository_id,
        admin_email,
        heavy,
    } = cli.command
    {
        let site = Site {
            base_url,
            site_name,
            repository_id,
            admin_email,
            heavy: heavy.limits(),
        };
        return serve(cli.data, cli.database, cli.file_store, listen, demo, site).await;
    }
    file_store(cli.file_store.as_deref(), &cli.data)?;
    let config = Config {
        data_dir: cli.data.clone(),
        database: cli.database.clone(),
        files: cli.file_store.clone(),
    };
    if let Command::Restore { backup } = &cli.command {
        // Makes the archive itself, only once the backup proved whole.
        return restore(backup, &config).await;
    }
    let archive = open_archive(&config, cli.command.only_reads()).await?;
    match cli.command {
        Command::Import {
            paths,
            format,
            replace,
            overwrite_edits,
        } => {
            let bar = Bar::new();
            let command = std::iter::once("fonds import".to_string())
                .chain(paths.iter().map(|p| p.display().to_string()))
                .collect::<Vec<_>>()
                .join(" ");
            let report = archive
                .import(
                    &paths,
                    ImportOptions {
                        format,
                        replace,
                        overwrite_edits,
                        author: Author::import(command),
                        ..ImportOptions::default()
                    },
                    &bar,
                )
                .await;
            bar.0.finish_and_clear();
            let report = report?;
            archive.settle_index()?;
            print_report(&report);
            if report.indexed_elsewhere {
                eprintln!(
                    "note: another fonds process (such as `fonds serve`) holds the search index \
                     in {}: the records are stored, and that process indexes them as it \
                     follows the change log",
                    cli.data.join("index").display()
                );
            }
        }
        Command::Show { id, json, revision } => {
            let reader = archive.reader(&console());
            let record = match revision {
                Some(n) => reader.revision(&id, n).await?,
                None => reader.get(&id).await?.record,
            };
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(&mut out, &record)?;
                writeln!(out)?;
            } else {
                write!(out, "{}", describe(&record))?;
            }
        }
        Command::Search {
            query,
            json,
            limit,
            offset,
            sort,
            all,
            exact,
        } => {
            let mut request = SearchRequest::new(&query, limit);
            request.offset = offset;
            request.sort = sort;
            request.exact = exact;
            let viewer = if all { console() } else { Viewer::Anonymous };
            let results = archive.reader(&viewer).search(&request)?;
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(&mut out, &results)?;
                writeln!(out)?;
            } else {
                write!(out, "{}", describe_results(&results))?;
            }
        }
        Command::Cite {
            id,
            style,
            base_url,
        } => {
            let record = archive.reader(&console()).get(&id).await?.record;
            let ctx = CiteContext {
                public_url: base_url
                    .map(|base| format!("{}/records/{id}", base.trim_end_matches('/'))),
                accessed: None,
            };
            let text = cite::cite(&record, style, &ctx)
                .with_context(|| format!("citing {id} in the {style} style"))?;
            let mut out = std::io::stdout().lock();
            write!(out, "{text}")?;
            if !text.ends_with('\n') {
                writeln!(out)?;
            }
        }
        Command::Names {
            min_confidence,
            matching,
            limit,
        } => {
            let pairs = archive.index().learned_pairs();
            let wanted = matching.as_deref().map(crate::search::names::name_key);
            let mut shown = 0;
            let mut out = String::new();
            for (a, b, confidence, records) in &pairs {
                if *confidence < min_confidence {
                    continue;
                }
                if let Some(w) = &wanted
                    && !crate::search::names::name_key(a).contains(w.as_str())
                    && !crate::search::names::name_key(b).contains(w.as_str())
                {
                    continue;
                }
                if shown == limit {
                    break;
                }
                shown += 1;
                out.push_str(&format!("{confidence:.2}\t{records}\t{a} | {b}\n"));
            }
            print!("{out}");
            eprintln!("{shown} of {} learned pairs", pairs.len());
        }
        Command::Reindex => {
            let started = std::time::Instant::now();
            let n = archive.reindex().await?;
            eprintln!(
                "reindexed {n} records in {:.2} s",
                started.elapsed().as_secs_f64()
            );
        }
        Command::History { id, json } => {
            let history = archive.reader(&console()).history(&id).await?;
            let mut out = std::io::stdout().lock();
            if json {
                let entries: Vec<serde_json::Value> = history
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "revision": r.revision,
                            "at": r.recorded_at.to_string(),
                            "by": made_by(r),
                            "note": r.author.note,
                            "command": r.author.command,
                            "file": (!r.file.is_empty()).then_some(&r.file),
                        })
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut out, &entries)?;
                writeln!(out)?;
            } else {
                for r in &history {
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}",
                        r.revision,
                        r.recorded_at,
                        made_by(r),
                        r.author.note
                    )?;
                }
            }
        }
        Command::Revert { id, revision, note } => {
            let saved = archive
                .revert(&operator(), &id, revision, None, &note)
                .await?;
            if saved.changed {
                eprintln!(
                    "record {id}: revision {} holds revision {revision}'s content",
                    saved.revision
                );
            } else {
                eprintln!("record {id}: revision {revision}'s content is already current");
            }
        }
        Command::Attach { id, files, label } => {
            let several = files.len() > 1;
            let uploads = files
                .iter()
                .enumerate()
                .map(|(i, path)| {
                    let label = label.as_ref().map(|l| match several {
                        true => format!("{l} {}", i + 1),
                        false => l.clone(),
                    });
                    Upload::read(path, label)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let saved = archive.attach(&operator(), &id, uploads, None, "").await?;
            eprintln!(
                "record {id}: {} file{} attached (revision {})",
                files.len(),
                if several { "s" } else { "" },
                saved.revision
            );
        }
        Command::Purge { id, reason } => {
            archive.purge(&operator(), &id, &reason).await?;
            eprintln!("record {id}: purged (every revision removed; kept in the audit log)");
        }
        Command::Export {
            out: Some(dir),
            files: true,
            ids,
            ..
        } => export_dump_folder(&archive, &dir, &ids).await?,
        Command::Export {
            format, out, ids, ..
        } => export_records(&archive, format, out, &ids).await?,
        Command::Backup { dir } => backup(&archive, &dir).await?,
        Command::Check => {
            let report = archive.check().await?;
            let mut out = std::io::stdout().lock();
            for problem in &report.problems {
                writeln!(out, "{problem}")?;
            }
            writeln!(out, "{}", report.summary())?;
            out.flush()?;
            if !report.is_ok() {
                archive.close().await;
                bail!(
                    "the check found {} problem{}",
                    report.problems.len(),
                    if report.problems.len() == 1 { "" } else { "s" }
                );
            }
        }
        Command::User { command } => user_command(&archive, command).await?,
        Command::Token { command } => token_command(&archive, command).await?,
        Command::Serve { .. } | Command::Restore { .. } => {
            unreachable!("handled before the archive is opened")
        }
    }
    // Leaves the SQLite store as one file (its write-ahead log folded in).
    archive.close().await;
    Ok(())
}

/// The demo archive's collection descriptions (`DATA/collections.txt`).
const DEMO_COLLECTIONS: &str = include_str!("../demo/collections.txt");

/// The demo records, built into the binary so that `serve --demo` works
/// from any folder: (path under the demo folder, content).
const DEMO_FILES: [(&str, &[u8]); 2] = [
    (
        "wilson/208261.md",
        include_bytes!("../demo/wilson/208261.md"),
    ),
    (
        "frus/frus1961-63v06.xml",
        include_bytes!("../demo/frus/frus1961-63v06.xml"),
    ),
];

/// How the site names and describes itself.
struct Site {
    base_url: Option<String>,
    site_name: String,
    repository_id: Option<String>,
    admin_email: Option<String>,
    /// Turns of heavy requests.
    heavy: crate::web::admission::HeavyLimits,
}

/// Opens the archive `config` names. A command that `only_reads` opens only
/// one that exists: none there is an error saying how to make one, and
/// nothing is created.
async fn open_archive(config: &Config, only_reads: bool) -> Result<Archive> {
    let opened = if only_reads {
        Archive::open_existing(config).await
    } else {
        Archive::open(config).await
    };
    match opened {
        Ok(archive) => Ok(archive),
        Err(ArchiveError::NoArchive(dir)) => bail!(
            "no archive at {} (make one with `fonds import FILE…`, or run `fonds serve --demo`)",
            dir.display()
        ),
        Err(e) => Err(anyhow::Error::new(e).context(format!(
            "opening the archive in {}",
            config.data_dir.display()
        ))),
    }
}

/// `fonds backup DIR`: what it wrote, on standard error.
async fn backup(archive: &Archive, dir: &Path) -> Result<()> {
    let report = archive
        .backup(dir)
        .await
        .with_context(|| format!("backing up into {}", dir.display()))?;
    let m = &report.manifest;
    let bytes: u64 = m.files.iter().map(|f| f.bytes).sum();
    for (id, revision) in &report.unreadable {
        eprintln!(
            "warning: record {id} revision {revision} does not parse (copied as it is; run \
             `fonds check`)"
        );
    }
    match &m.store {
        Some(store) => eprintln!(
            "backed up {} records ({} revisions, change {}) and {} file{} ({bytes} bytes) into \
             {}: store copy {} bytes, manifest {}",
            m.records,
            m.revisions,
            m.change,
            m.files.len(),
            if m.files.len() == 1 { "" } else { "s" },
            dir.display(),
            store.bytes,
            dir.join(MANIFEST).display()
        ),
        None => eprintln!(
            "backed up {} file{} ({bytes} bytes) named by {} records (change {}) into {}, with \
             the manifest {}.\nThe store is PostgreSQL: this backup does NOT hold the database. \
             Back it up with pg_dump (pg_dump --format=custom --file=fonds.pgdump URL) and keep \
             that file beside this folder; restore it with pg_restore, then \
             `fonds restore {} --database URL --data NEWDIR`.",
            m.files.len(),
            if m.files.len() == 1 { "" } else { "s" },
            m.records,
            m.change,
            dir.display(),
            dir.join(MANIFEST).display(),
            dir.display()
        ),
    }
    Ok(())
}

/// `fonds restore DIR`: what it restored, on standard error.
async fn restore(backup: &Path, config: &Config) -> Result<()> {
    let report = Archive::restore(backup, config).await.with_context(|| {
        format!(
            "restoring {} into {}",
            backup.display(),
            config.data_dir.display()
        )
    })?;
    let m = &report.manifest;
    let bytes: u64 = m.files.iter().map(|f| f.bytes).sum();
    eprintln!(
        "restored {} records (change {}) and {} file{} ({bytes} bytes) from the backup of {} \
             (fonds {}) into {}; search index rebuilt ({} documents)",
        report.records,
        report.change,
        m.files.len(),
        if m.files.len() == 1 { "" } else { "s" },
        m.created_at,
        m.fonds_version,
        report.data_dir.display(),
        report.indexed
    );
    Ok(())
}

/// Where `--file-store` says the files are; a location that cannot be used
/// is refused naming the option (and never showing a secret), before
/// anything is opened.
fn file_store(url: Option<&str>, data: &Path) -> Result<FilesLocation> {
    FilesLocation::parse(url, &data.join("files")).context("--file-store (FONDS_FILE_STORE)")
}

async fn serve(
    data: PathBuf,
    database: Option<String>,
    files: Option<String>,
    listen: std::net::SocketAddr,
    demo: bool,
    site: Site,
) -> Result<()> {
    let data_dir = if demo {
        std::env::temp_dir().join("fonds-demo")
    } else {
        data
    };
    // The demo is embedded, whatever --database and --file-store say.
    let (database, files) = if demo {
        (None, None)
    } else {
        (database, files)
    };
    let location = file_store(files.as_deref(), &data_dir)?;
    let archive_is_shared = database.is_some();
    let config = Config {
        data_dir: data_dir.clone(),
        database,
        files,
    };
    // The demo makes its archive; any other serve only reads one.
    if demo {
        // The demo's collection descriptions, read when the archive opens.
        std::fs::create_dir_all(&data_dir)
            .with_context(|| format!("creating {}", data_dir.display()))?;
        let path = data_dir.join(crate::archive::COLLECTIONS_FILE);
        std::fs::write(&path, DEMO_COLLECTIONS)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let archive = open_archive(&config, !demo).await?;
    if archive_is_shared && !location.is_shared() {
        eprintln!(
            "fonds: warning: the store is shared (--database) but files (scans, PDFs) are \
             kept in the folder {location}, which other nodes do not see; give every node \
             the same --file-store s3://BUCKET/PREFIX"
        );
    }
    if demo {
        let source = data_dir.join("demo-source");
        let mut paths = Vec::new();
        for (name, bytes) in DEMO_FILES {
            let path = source.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
            paths.push(path);
        }
        match archive.import(&paths, ImportOptions::default(), &()).await {
            Ok(report) => print_report(&report),
            // What staff changed in the demo's desk stays as they left it.
            Err(crate::archive::ArchiveError::Store(crate::store::StoreError::Edited {
                records,
            })) => eprintln!(
                "fonds: {} demo records were edited in the desk; kept as edited",
                records.len()
            ),
            Err(e) => return Err(e.into()),
        }
        if archive.users().await?.is_empty() {
            eprintln!(
                "fonds: to sign in to the desk, add an account: fonds --data {} user add NAME --role admin",
                data_dir.display()
            );
        }
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    let base_url = site
        .base_url
        .map(|u| u.trim_end_matches('/').to_string())
        .unwrap_or_else(|| crate::web::default_base_url(addr));
    let repository_id = site
        .repository_id
        .unwrap_or_else(|| crate::web::default_repository_identifier(&base_url));
    let admin_email = site
        .admin_email
        .unwrap_or_else(|| format!("archivist@{repository_id}"));
    let oai = crate::oai::OaiConfig::new(&site.site_name, &base_url, &repository_id, &admin_email)?;
    archive.prepare_names_in_background();
    // What the site shows anyone.
    let records = archive.reader(&Viewer::Anonymous).count().await?;
    println!(
        "fonds: serving {records} records at http://{addr}/ (data in {})",
        data_dir.display()
    );
    std::io::stdout().flush()?;
    let state = std::sync::Arc::new(crate::web::AppState::new(
        archive,
        base_url,
        site.site_name,
        oai,
        site.heavy,
    ));
    crate::web::serve(state, listener)
        .await
        .context("serving HTTP")?;
    Ok(())
}

struct Bar(ProgressBar);

impl Bar {
    fn new() -> Bar {
        // indicatif draws nothing when stderr is not a terminal.
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{spinner} parsing {pos}/{len} files, {msg} [{elapsed}]")
                .expect("the template is valid"),
        );
        Bar(bar)
    }
}

impl Progress for Bar {
    fn files(&self, done: usize, total: usize, records: usize) {
        self.0.set_length(total as u64);
        self.0.set_position(done as u64);
        self.0.set_message(format!("{records} records"));
    }
}

fn print_report(r: &ImportReport) {
    let secs = r.elapsed.as_secs_f64().max(1e-6);
    eprintln!(
        "imported {} records from {} files ({} new, {} updated, {} unchanged); {:.1} MB in {:.2} s ({:.0} records/s, {:.1} MB/s)",
        r.records,
        r.files,
        r.created,
        r.updated,
        r.unchanged,
        r.bytes as f64 / 1e6,
        secs,
        r.records as f64 / secs,
        r.bytes as f64 / 1e6 / secs,
    );
    for (path, why) in &r.skipped {
        eprintln!("skipped {}: {why}", path.display());
    }
}

async fn export_records(
    archive: &Archive,
    format: ExportFormat,
    out: Option<PathBuf>,
    ids: &[String],
) -> Result<()> {
    // The staff's full backup: every record, drafts and embargoes included.
    let reader = archive.reader(&console());
    match format {
        ExportFormat::Jsonl => {
            let buf = dump_lines(&reader, ids, |_| ()).await?;
            write_output(out.as_deref(), &buf)
        }
        ExportFormat::Wilson => {
            let mut rendered = Vec::new();
            reader
                .for_each_record(ids, |r| {
                    rendered.push((r.id.clone(), export::wilson::render(r)));
                    Ok(())
                })
                .await?;
            match (rendered.len(), out) {
                (1, out) => write_output(out.as_deref(), rendered[0].1.as_bytes()),
                (_, Some(dir)) => {
                    std::fs::create_dir_all(&dir)
                        .with_context(|| format!("creating {}", dir.display()))?;
                    for (id, text) in &rendered {
                        write_output(Some(&dir.join(format!("{id}.md"))), text.as_bytes())?;
                    }
                    eprintln!("wrote {} files to {}", rendered.len(), dir.display());
                    Ok(())
                }
                (0, None) => bail!("the archive holds no records"),
                (_, None) => bail!("several records in the Wilson format need --out FOLDER"),
            }
        }
    }
}

/// The JSON Lines dump of the records `ids` (all if none) as `reader` sees
/// them; `each` is shown every record written.
async fn dump_lines(
    reader: &crate::archive::Reader<'_>,
    ids: &[String],
    mut each: impl FnMut(&Record),
) -> Result<Vec<u8>> {
    let count = if ids.is_empty() {
        reader.count().await? as usize
    } else {
        ids.len()
    };
    let mut buf = Vec::new();
    writeln!(buf, "{}", export::jsonl::header(count))?;
    reader
        .for_each_record(ids, |r| {
            each(r);
            writeln!(buf, "{}", export::jsonl::line(r))
        })
        .await?;
    Ok(buf)
}

/// `export --files --out DIR`: the dump as `DIR/records.jsonl` and every
/// file its records name at `DIR/files/ab/abcd…` (see `export::jsonl`),
/// each checked against its SHA-256. The files go first and the records
/// file last (whole or not at all), so a folder with a `records.jsonl`
/// holds every file it names; a file already there with the right bytes is
/// kept, so exporting again into the same folder writes only what is new.
async fn export_dump_folder(archive: &Archive, dir: &Path, ids: &[String]) -> Result<()> {
    // The same records as `export --format jsonl`: the staff's full backup.
    let reader = archive.reader(&console());
    let mut named: Vec<(String, Vec<String>)> = Vec::new();
    let lines = dump_lines(&reader, ids, |r| {
        if !r.files.is_empty() {
            let shas = r.files.iter().map(|f| f.sha256.clone()).collect();
            named.push((r.id.clone(), shas));
        }
    })
    .await?;
    if dir.exists() && !dir.is_dir() {
        bail!(
            "{} is not a folder (--files writes a dump folder)",
            dir.display()
        );
    }
    let mut done = std::collections::HashSet::new();
    let (mut written, mut kept, mut size) = (0usize, 0usize, 0u64);
    for (id, shas) in named {
        let pages = reader.pages(&id).await?;
        if !pages.iter().map(|p| &p.object.sha256).eq(shas.iter()) {
            bail!(
                "record {id}'s files changed while it was exported; run the export again \
                 ({} was not written)",
                export::jsonl::RECORDS_FILE
            );
        }
        for page in pages {
            let sha = &page.object.sha256;
            if !done.insert(sha.clone()) {
                continue;
            }
            let path = dir.join(export::jsonl::file_path(sha));
            if std::fs::read(&path).is_ok_and(|b| crate::model::sha256_hex(&b) == *sha) {
                kept += 1;
                continue;
            }
            let bytes = page
                .original()
                .await
                .with_context(|| format!("reading file {} of record {id} ({sha})", page.number))?;
            if crate::model::sha256_hex(&bytes) != *sha {
                bail!(
                    "the stored file {sha} (record {id}, file {}) no longer has that SHA-256: \
                     the object store is damaged",
                    page.number
                );
            }
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            write_output(Some(&path), &bytes)?;
            written += 1;
            size += bytes.len() as u64;
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let records = dir.join(export::jsonl::RECORDS_FILE);
    write_output(Some(&records), &lines)?;
    eprintln!(
        "wrote {} and {} file{} ({written} written, {:.1} MB; {kept} already there) to {}",
        export::jsonl::RECORDS_FILE,
        written + kept,
        if written + kept == 1 { "" } else { "s" },
        size as f64 / 1e6,
        dir.display()
    );
    Ok(())
}

async fn user_command(archive: &Archive, command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Add { name, role } => {
            // The name first: no password is asked for a name that cannot be.
            crate::accounts::user::UserName::parse(&name)?;
            let password = read_password(&format!("Password for {name}: "), true)?;
            let user = archive.add_user(&name, role, &password).await?;
            eprintln!("created account {} ({})", user.name, user.role);
        }
        UserCommand::List => {
            let mut out = std::io::stdout().lock();
            for user in archive.users().await? {
                let state = if user.disabled { "disabled" } else { "active" };
                writeln!(
                    out,
                    "{}\t{}\t{state}\t{}",
                    user.name, user.role, user.created_at
                )?;
            }
        }
        UserCommand::Passwd { name } => {
            let user = archive.user(&name).await?;
            let password = read_password(&format!("New password for {}: ", user.name), true)?;
            archive.set_password(&user.name, &password).await?;
            eprintln!(
                "changed the password of {}; its open sessions are closed",
                user.name
            );
        }
        UserCommand::Disable { name } => {
            archive.set_disabled(&name, true).await?;
            eprintln!(
                "disabled {name}: it cannot sign in, its sessions are closed and its API tokens \
                 no longer work"
            );
        }
        UserCommand::Enable { name } => {
            archive.set_disabled(&name, false).await?;
            eprintln!("enabled {name}");
        }
    }
    Ok(())
}

async fn token_command(archive: &Archive, command: TokenCommand) -> Result<()> {
    match command {
        TokenCommand::Create { user, label } => {
            let (info, token) = archive.create_token(&user, &label).await?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", token.expose())?;
            out.flush()?;
            eprintln!(
                "created API token {} for {} (it is shown only this once)",
                info.id, info.user
            );
        }
        TokenCommand::List { user } => {
            let mut out = std::io::stdout().lock();
            for token in archive.tokens(&user).await? {
                let revoked = token
                    .revoked_at
                    .map(|t| format!("revoked {t}"))
                    .unwrap_or_else(|| "active".to_string());
                writeln!(
                    out,
                    "{}\t{}\t{}\t{revoked}",
                    token.id, token.label, token.created_at
                )?;
            }
        }
        TokenCommand::Revoke { token_or_id } => {
            let info = archive.revoke_token(&token_or_id).await?;
            eprintln!(
                "revoked API token {}{} of {}",
                info.id,
                if info.label.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", info.label)
                },
                info.user
            );
        }
    }
    Ok(())
}

/// Reads a new password: from the terminal without echo (asked twice), or,
/// when standard input is not a terminal, its first line. Never from the
/// command line, where other users of the machine could read it.
fn read_password(prompt: &str, confirm: bool) -> Result<Password> {
    let text = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(prompt).context("reading the password")?;
        if confirm {
            let again =
                rpassword::prompt_password("Repeat it: ").context("reading the password")?;
            if !Password::attempt(first.clone()).same_as(&Password::attempt(again)) {
                bail!("the two passwords differ; nothing was changed");
            }
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        let line = line.strip_suffix('\n').unwrap_or(&line);
        line.strip_suffix('\r').unwrap_or(line).to_string()
    };
    Ok(Password::new(text)?)
}

/// The viewer of a command: whoever holds the data folder may read
/// everything.
fn console() -> Viewer {
    Viewer::staff("command line", Role::Admin)
}

/// The author of a command's writes: the system user, at the command line.
fn operator() -> Viewer {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "someone".to_string());
    Viewer::staff(format!("{user} (command line)"), Role::Admin)
}

/// Who made a revision, in a word: the account, or `import`.
fn made_by(revision: &RevisionInfo) -> String {
    match &revision.author.account {
        Some(account) => account.clone(),
        None => "import".to_string(),
    }
}

/// Writes to a file atomically (temporary file, then rename), or to stdout.
fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match path {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            out.flush()?;
        }
        Some(path) => {
            let tmp = path.with_extension("fonds-partial");
            std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    Ok(())
}

/// A plain-text description of a record for the terminal.
fn describe(r: &Record) -> String {
    let mut s = String::new();
    let mut line = |label: &str, value: &str| {
        if !value.is_empty() {
            s.push_str(&format!("{label:<20} {value}\n"));
        }
    };
    let names = |agents: &[crate::model::Agent]| {
        agents
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    line("Identifier", &r.id);
    line("Title", &r.title);
    for t in &r.alternative_titles {
        line("Also titled", &t.text);
    }
    if let Some(d) = &r.date {
        line(
            "Date",
            &format!("{} ({})", d.display.as_deref().unwrap_or(&d.edtf), d.edtf),
        );
    }
    line("Type", r.doc_type.as_deref().unwrap_or(""));
    line("Creators", &names(&r.creators));
    line("Recipients", &names(&r.recipients));
    // A place is often both where a document was written and where it was
    // signed (the seed's dateline and closing): each name once.
    let mut places: Vec<&str> = Vec::new();
    for p in &r.places {
        if !places.contains(&p.name.as_str()) {
            places.push(&p.name);
        }
    }
    line("Places", &places.join("; "));
    if let Some(a) = &r.archival_reference {
        line("Archival reference", &a.verbatim);
    }
    line(
        "Holding archive",
        r.holding_archive.as_deref().unwrap_or(""),
    );
    line("Source URL", r.source_url.as_deref().unwrap_or(""));
    line("Contributors", &r.contributors.join("; "));
    line("Translators", &r.translators.join("; "));
    if let Some(lang) = &r.original_language {
        line("Original language", language_name(lang).unwrap_or(lang));
    }
    line("Summary", r.summary.as_deref().unwrap_or(""));
    for t in &r.texts {
        let language = language_name(&t.language).unwrap_or(&t.language);
        let machine = if t.machine_translation {
            " (machine translation)"
        } else {
            ""
        };
        s.push_str(&format!(
            "\n--- {} - {language}{machine} ---\n{}\n",
            t.kind.label(),
            t.body
        ));
    }
    s
}

fn describe_results(r: &SearchResults) -> String {
    let mut s = format!("{} records\n", r.total);
    for h in &r.hits {
        let snippet = h.snippet.marked(|out, s| out.push_str(s), "[", "]");
        s.push_str(&format!(
            "\n{}  {}  {}\n    ({}{}) {}\n",
            h.id,
            h.date.as_deref().unwrap_or("undated"),
            h.title,
            h.matched.kind,
            h.matched
                .language
                .as_deref()
                .map(|l| format!(", {l}"))
                .unwrap_or_default(),
            snippet.split_whitespace().collect::<Vec<_>>().join(" ")
        ));
        for w in &h.widened {
            s.push_str(&format!("    also matched {}\n", w.describe()));
        }
    }
    s
}
