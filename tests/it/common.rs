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
