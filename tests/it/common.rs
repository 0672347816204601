//! Shared helpers: a [`Fonds`] runs the real binary on its own temporary data
//! folder, on SQLite or on a fresh PostgreSQL database; `demo()`,
//! `fixture()` and `corpus()` find the bundled, test and shared documents.
//!
//! Backends: [`on_both_backends!`] turns one test body into `NAME::sqlite`
//! and `NAME::postgres`. The PostgreSQL variant is ignored unless asked for
//! (`--ignored`/`--include-ignored`), and then needs `FONDS_TEST_DATABASE`, a
//! server URL (`postgres://user:password@host/postgres`; the role may create
//! databases): each test creates a database of its own and drops it after.
//! Run without the variable it fails, never passes silently. Tests that also
//! need `../shared/corpus` carry "corpus" in their path, so that `.ci/run` can
//! run the PostgreSQL tests without them (`--skip corpus`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Where a test keeps its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The environment variable naming the PostgreSQL server for tests.
pub const TEST_DATABASE_ENV: &str = "FONDS_TEST_DATABASE";

/// A fresh PostgreSQL database, dropped when the last holder goes.
pub struct TestDatabase {
    server: String,
    name: String,
    /// The database's own URL, as `--database` takes it.
    pub url: String,
}

/// Runs `f` to completion on a runtime of its own, in a thread of its own (so
/// that async tests may call it too).
fn block_on<F: std::future::Future + Send>(f: F) -> F::Output
where
    F::Output: Send,
{
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime")
                    .block_on(f)
            })
            .join()
            .expect("the database call does not panic")
    })
}

impl TestDatabase {
    pub fn create() -> TestDatabase {
        use sqlx::ConnectOptions;
        use sqlx::Connection;
        use std::str::FromStr;
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let server = std::env::var(TEST_DATABASE_ENV).unwrap_or_else(|_| {
            panic!(
                "this test needs PostgreSQL: set {TEST_DATABASE_ENV} to a server URL \
                 (postgres://user:password@host/postgres) or run .ci/run"
            )
        });
        let name = format!(
            "fonds_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        block_on(async {
            let mut conn = sqlx::PgConnection::connect(&server)
                .await
                .unwrap_or_else(|e| panic!("{TEST_DATABASE_ENV}: cannot connect: {e}"));
            for sql in [
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                format!("CREATE DATABASE {name}"),
            ] {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await
                    .expect("the test database is created");
            }
        });
        let url = sqlx::postgres::PgConnectOptions::from_str(&server)
            .expect("a PostgreSQL URL")
            .database(&name)
            .to_url_lossy()
            .to_string();
        TestDatabase { server, name, url }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        use sqlx::Connection;
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        block_on(async {
            if let Ok(mut conn) = sqlx::PgConnection::connect(&self.server).await {
                let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await;
            }
        });
    }
}

/// One test body on SQLite and on PostgreSQL: `NAME::sqlite` and
/// `NAME::postgres` (ignored unless asked for: it needs a server).
macro_rules! on_both_backends {
    (fn $name:ident($f:ident: Fonds) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::it::common::{Backend, Fonds};
            fn body($f: Fonds) $body
            #[test]
            fn sqlite() {
                body(Fonds::on(Backend::Sqlite))
            }
            #[test]
            #[ignore = "needs PostgreSQL (FONDS_TEST_DATABASE)"]
            fn postgres() {
                body(Fonds::on(Backend::Postgres))
            }
        }
    };
}
pub(crate) use on_both_backends;

/// The `fonds` binary with a data folder of its own, and a store: SQLite in
/// that folder, or a PostgreSQL database (possibly shared with other nodes).
pub struct Fonds {
    pub dir: tempfile::TempDir,
    pub database: Option<Arc<TestDatabase>>,
}

impl Fonds {
    /// On SQLite.
    pub fn new() -> Fonds {
        Fonds::on(Backend::Sqlite)
    }

    /// On the given backend (a fresh database for PostgreSQL).
    pub fn on(backend: Backend) -> Fonds {
        Fonds {
            dir: tempfile::tempdir().expect("a temporary folder"),
            database: match backend {
                Backend::Sqlite => None,
                Backend::Postgres => Some(Arc::new(TestDatabase::create())),
            },
        }
    }

    /// Another node on the same PostgreSQL database, with an empty data
    /// folder of its own.
    pub fn other_node(&self) -> Fonds {
        Fonds {
            dir: tempfile::tempdir().expect("a temporary folder"),
            database: Some(
                self.database
                    .clone()
                    .expect("nodes share a PostgreSQL database"),
            ),
        }
    }

    pub fn backend(&self) -> Backend {
        if self.database.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// The archive's configuration, for tests that use the library.
    pub fn config(&self) -> fonds::archive::Config {
        fonds::archive::Config {
            data_dir: self.data(),
            database: self.database.as_ref().map(|d| d.url.clone()),
            files: None,
        }
    }

    /// The command, ready for arguments (for tests that spawn it).
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_fonds"));
        command
            .arg("--data")
            .arg(self.data())
            .env_remove("FONDS_DATA")
            .env_remove("FONDS_DATABASE")
            .env_remove("FONDS_FILE_STORE")
            .env_remove("FONDS_FAULT")
            .env_remove("FONDS_BASE_URL");
        if let Some(db) = &self.database {
            command.arg("--database").arg(&db.url);
        }
        command
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A path inside the test's own folder (for fixtures it writes).
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("fonds runs")
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "fonds {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("stdout is UTF-8")
    }

    /// Runs and expects failure with exit code 1; returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "fonds {args:?} should have failed; stdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).expect("stderr is UTF-8")
    }

    pub fn import(&self, paths: &[&Path]) -> String {
        let mut args = vec!["import"];
        args.extend(paths.iter().map(|p| p.to_str().unwrap()));
        let out = self.run(&args);
        assert!(
            out.status.success(),
            "import failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).unwrap()
    }

    /// The number of records, counted from a full export.
    pub fn count(&self) -> usize {
        let dump = self.ok(&["export", "--format", "jsonl"]);
        dump.lines().count() - 1
    }

    pub fn dump(&self) -> String {
        self.ok(&["export", "--format", "jsonl"])
    }

    pub fn show_json(&self, id: &str) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["show", id, "--json"])).expect("show --json prints JSON")
    }
}

/// A bundled demo file.
pub fn demo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("demo").join(rel)
}

/// A fixture written for the tests (`tests/fixtures`).
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// A file of the shared corpus (tests using it are ignored on a fresh clone).
pub fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(rel)
}

/// A SQLite archive of the whole shared corpus (`fonds import
/// ../shared/corpus`), for tests that only read it: imported once per test
/// process, each caller gets a copy of its data folder of its own (a copy
/// takes a fraction of a second, an unoptimised import half a minute).
/// The folder is kept under `target/` for the life of the process and
/// made again by the next one.
pub fn corpus_archive() -> Fonds {
    static IMPORTED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let source = IMPORTED.get_or_init(|| {
        let kept = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus-archive");
        let _ = std::fs::remove_dir_all(&kept);
        let f = Fonds::new();
        let out = f.import(&[&corpus("")]);
        assert!(out.contains("imported 3953 records"), "{out}");
        copy_folder(&f.data(), &kept);
        kept
    });
    let f = Fonds::new();
    copy_folder(source, &f.data());
    f
}

/// Copies a folder and everything in it.
fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder for the copy");
    for entry in std::fs::read_dir(from).expect("the folder to copy") {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("a file copied");
        }
    }
}

/// A member of staff: reads through the archive's gate see everything.
pub fn staff() -> fonds::accounts::Viewer {
    fonds::accounts::Viewer::staff("tester", fonds::accounts::Role::Admin)
}

pub const SEED: &str = "wilson/208261.md";
pub const FRUS: &str = "frus/frus1961-63v06.xml";

/// A running `fonds serve` on a free loopback port; stopped when dropped.
pub struct Server {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The first line `fonds serve` printed (`fonds: serving N records at …`).
    pub banner: String,
    agent: ureq::Agent,
}

/// An HTTP answer, read whole.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.body))
    }
}

impl Server {
    /// Starts `fonds serve` on the archive's data folder with extra arguments.
    pub fn start(f: &Fonds, extra: &[&str]) -> Server {
        Server::start_with(&mut f.command(), extra)
    }

    /// Starts `fonds serve` from a prepared command.
    /// Its log goes to the test's standard error, requests (info) left out
    /// unless the test's environment sets `FONDS_LOG`.
    pub fn start_with(command: &mut Command, extra: &[&str]) -> Server {
        if std::env::var_os("FONDS_LOG").is_none() {
            command.env("FONDS_LOG", "warn");
        }
        Server::start_logging(command, extra, std::process::Stdio::inherit())
    }

    /// Starts `fonds serve` from a prepared command, its log (standard
    /// error) going to `log`.
    pub fn start_logging(
        command: &mut Command,
        extra: &[&str],
        log: impl Into<std::process::Stdio>,
    ) -> Server {
        use std::io::BufRead;
        let mut child = command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("fonds serve starts");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("fonds serve prints its address");
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .trim_end_matches('/')
            .to_string();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Server {
            child,
            base,
            banner: line,
            agent,
        }
    }

    /// GET a path (`/records/208261`).
    pub fn get(&self, path: &str) -> Reply {
        let mut response = self
            .agent
            .get(&format!("{}{path}", self.base))
            .call()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = response
            .body_mut()
            .read_to_string()
            .unwrap_or_else(|e| panic!("GET {path}: reading the body: {e}"));
        Reply {
            status,
            headers,
            body,
        }
    }

    /// One request with the given headers, nothing decoded and no status
    /// an error: (status, headers in order, body bytes up to 1 GiB).
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let uri = format!("{}{path}", self.base);
        let mut request = ureq::http::Request::builder().method(method).uri(&uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut response = self
            .agent
            .run(request.body(()).unwrap())
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .unwrap_or_else(|e| panic!("{method} {path}: reading the body: {e}"));
        (response.status().as_u16(), headers, body)
    }

    /// GET that must answer 200, as bytes.
    pub fn ok_bytes(&self, path: &str) -> Vec<u8> {
        let mut response = self
            .agent
            .get(&format!("{}{path}", self.base))
            .call()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        assert_eq!(response.status().as_u16(), 200, "GET {path}");
        response
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .unwrap_or_else(|e| panic!("GET {path}: reading the body: {e}"))
    }

    /// GET that must answer 200.
    pub fn ok(&self, path: &str) -> Reply {
        let reply = self.get(path);
        assert_eq!(reply.status, 200, "GET {path}:\n{}", reply.body);
        reply
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Fonds {
    /// `search QUERY --json --limit N` (every record, public or not, with
    /// `all`), parsed.
    pub fn search_json(&self, query: &str, limit: usize, all: bool) -> serde_json::Value {
        let limit = limit.to_string();
        let mut args = vec!["search", query, "--json", "--limit", &limit];
        if all {
            args.push("--all");
        }
        serde_json::from_str(&self.ok(&args)).expect("search --json prints JSON")
    }

    /// The identifiers of every record the index holds, sorted, and the
    /// identifiers of every record in the store's dump, sorted.
    pub fn index_and_store_ids(&self) -> (Vec<String>, Vec<String>) {
        let mut indexed: Vec<String> = self.search_json("*", 100_000, true)["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .map(|h| h["id"].as_str().expect("an id").to_string())
            .collect();
        indexed.sort();
        let stored: Vec<String> = self
            .dump()
            .lines()
            .skip(1)
            .map(|l| {
                let r: serde_json::Value = serde_json::from_str(l).expect("a dump line");
                r["id"].as_str().expect("an id").to_string()
            })
            .collect();
        (indexed, stored)
    }
}

/// Writes a CSV batch of `n` synthetic records (`{prefix}-0` …) with text
/// files of about 1.5 KB into `dir`, and returns the folder to import.
pub fn synthetic_batch(dir: &Path, prefix: &str, n: usize) -> PathBuf {
    const WORDS: [&str; 12] = [
        "archive", "telegram", "embassy", "minister", "harvest", "treaty", "missile", "river",
        "congress", "winter", "railway", "letter",
    ];
    std::fs::create_dir_all(dir.join("text")).expect("a batch folder");
    let mut manifest = String::from("identifier,title,date,language,text\n");
    for i in 0..n {
        let id = format!("{prefix}-{i}");
        let body: Vec<&str> = (0..200)
            .map(|k| WORDS[(i * 7 + k * 5) % WORDS.len()])
            .collect();
        std::fs::write(
            dir.join("text").join(format!("{id}.txt")),
            format!("{id} {}\n", body.join(" ")),
        )
        .expect("a text file");
        manifest.push_str(&format!(
            "{id},Synthetic record {i} of {prefix},19{:02}-01-01,en,text/{id}.txt\n",
            i % 100
        ));
    }
    std::fs::write(dir.join("manifest.csv"), manifest).expect("a manifest");
    dir.to_path_buf()
}

/// Rewrites every revision body of the SQLite file `db` as JSON text, as
/// stores wrote them before bodies were compressed (with no `files`
/// beside them), so that a test can edit bodies in SQL. fonds reads such
/// revisions as it reads compressed ones.
pub async fn sqlite_bodies_as_text(db: &Path) {
    use sqlx::Connection;
    let url = format!("sqlite://{}", db.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let rows: Vec<(String, i64, Vec<u8>)> =
        sqlx::query_as("SELECT record_id, revision, body FROM revisions")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    for (id, revision, stored) in rows {
        let bytes = zstd::stream::decode_all(&stored[..]).unwrap_or(stored);
        let text = String::from_utf8(bytes).unwrap();
        sqlx::query(
            "UPDATE revisions SET body = ?, files = NULL WHERE record_id = ? AND revision = ?",
        )
        .bind(text)
        .bind(id)
        .bind(revision)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    conn.close().await.unwrap();
}

/// A header's value among `(name, value)` pairs (as [`Server::raw`] gives
/// them), by name in any case.
pub fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
