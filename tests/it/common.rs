//! Shared helpers: a [`Fonds`] runs the real binary on its own temporary data
//! folder; `demo()`, `fixture()` and `corpus()` find the bundled, test and
//! shared documents.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `fonds` binary with a data folder of its own.
pub struct Fonds {
    pub dir: tempfile::TempDir,
}

impl Fonds {
    pub fn new() -> Fonds {
        Fonds {
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A path inside the test's own folder (for fixtures it writes).
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_fonds"))
            .arg("--data")
            .arg(self.data())
            .args(args)
            .env_remove("FONDS_DATA")
            .env_remove("FONDS_BASE_URL")
            .output()
            .expect("fonds runs")
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

pub const SEED: &str = "wilson/208261.md";
pub const FRUS: &str = "frus/frus1961-63v06.xml";

/// A running `fonds serve` on a free loopback port; stopped when dropped.
pub struct Server {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
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
        Server::start_with(
            Command::new(env!("CARGO_BIN_EXE_fonds"))
                .arg("--data")
                .arg(f.data())
                .env_remove("FONDS_DATA"),
            extra,
        )
    }

    /// Starts `fonds serve` from a prepared command.
    pub fn start_with(command: &mut Command, extra: &[&str]) -> Server {
        use std::io::BufRead;
        let mut child = command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
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
        Server { child, base, agent }
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
