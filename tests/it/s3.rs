//! Files in S3-compatible storage (`--file-store s3://bucket/prefix`): a
//! scan attached through one PostgreSQL node is served by another whose
//! data folder never held it; a location fonds cannot use is refused naming
//! the option; the S3 secret never reaches output or logs; a shared store
//! with files in a local folder is warned about.
//!
//! The S3 tests need a real S3-compatible server: `FONDS_TEST_S3` is its
//! endpoint (`http://127.0.0.1:PORT`; `.ci/run` starts moto's server for
//! them). Each test makes a bucket of its own with a plain `PUT /BUCKET`
//! (moto takes it unsigned: fonds, through `object_store`, cannot create
//! buckets). Like the PostgreSQL tests they are ignored unless asked for
//! (they carry "postgres" in their name, so `.ci/run`'s `--ignored postgres`
//! runs them), and then fail, never pass, without the variable.

use super::common::{Backend, Fonds, SEED, Server, demo};
use image::{ImageFormat, Rgb, RgbImage};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The environment variable naming the S3-compatible server for tests.
const TEST_S3_ENV: &str = "FONDS_TEST_S3";

/// The secret access key the tests give fonds: it must appear nowhere.
const SECRET: &str = "fondsTestSecretKey/Never+Shown0123456789";
/// The session token the tests give fonds: it must appear nowhere either.
const SESSION_TOKEN: &str = "fondsTestSessionTokenNeverShown9876543210";

/// A fresh bucket on the test's S3 server.
struct Bucket {
    endpoint: String,
    name: String,
}

impl Bucket {
    fn create() -> Bucket {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let endpoint = std::env::var(TEST_S3_ENV).unwrap_or_else(|_| {
            panic!(
                "this test needs an S3-compatible server: set {TEST_S3_ENV} to its endpoint \
                 (http://127.0.0.1:PORT, e.g. `moto_server -p PORT`) or run .ci/run"
            )
        });
        let endpoint = endpoint.trim_end_matches('/').to_string();
        let name = format!(
            "fonds-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let agent = agent();
        let response = agent
            .put(&format!("{endpoint}/{name}"))
            .send_empty()
            .unwrap_or_else(|e| panic!("{TEST_S3_ENV}={endpoint}: cannot create a bucket: {e}"));
        assert_eq!(
            response.status().as_u16(),
            200,
            "{TEST_S3_ENV}={endpoint}: creating bucket {name}"
        );
        Bucket { endpoint, name }
    }

    /// `s3://BUCKET/PREFIX`
    fn url(&self, prefix: &str) -> String {
        format!("s3://{}/{prefix}", self.name)
    }

    /// Every key in the bucket.
    fn keys(&self) -> Vec<String> {
        let mut response = agent()
            .get(&format!("{}/{}", self.endpoint, self.name))
            .call()
            .expect("the bucket lists");
        assert_eq!(response.status().as_u16(), 200);
        let xml = response.body_mut().read_to_string().unwrap();
        let keys = regex::Regex::new("<Key>([^<]*)</Key>").unwrap();
        keys.captures_iter(&xml).map(|c| c[1].to_string()).collect()
    }

    /// A `fonds` command of `node`, its files in this bucket under `prefix`,
    /// with credentials in the environment as an operator would give them.
    fn command(&self, node: &Fonds, prefix: &str) -> Command {
        let mut command = node.command();
        command.arg("--file-store").arg(self.url(prefix));
        s3_environment(&mut command, &self.endpoint);
        command
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// The AWS environment fonds reads, pointed at the test server.
fn s3_environment(command: &mut Command, endpoint: &str) {
    for var in [
        "AWS_PROFILE",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
    ] {
        command.env_remove(var);
    }
    command
        .env("AWS_ACCESS_KEY_ID", "fonds-test-key-id")
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_SESSION_TOKEN", SESSION_TOKEN)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ALLOW_HTTP", "true");
}

/// A page: a coloured band on top of white, as a PNG in the node's folder.
fn write_scan(f: &Fonds, name: &str) -> PathBuf {
    let image = RgbImage::from_fn(1400, 1800, |_, y| {
        if y < 450 {
            Rgb([200, 20, 20])
        } else {
            Rgb([250, 250, 250])
        }
    });
    let path = f.path(name);
    image.save_with_format(&path, ImageFormat::Png).unwrap();
    path
}

/// Whether `dir` holds no file at any depth (or does not exist).
fn holds_no_file(dir: &Path) -> bool {
    fn walk(dir: &Path) -> bool {
        match std::fs::read_dir(dir) {
            Err(_) => true,
            Ok(entries) => entries.flatten().all(|e| {
                let path = e.path();
                path.is_dir() && walk(&path)
            }),
        }
    }
    walk(dir)
}

fn output_text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn assert_no_secret(what: &str, text: &str) {
    assert!(
        !text.contains(SECRET) && !text.contains(SESSION_TOKEN),
        "{what} shows an S3 secret:\n{text}"
    );
}

#[test]
#[ignore = "needs PostgreSQL (FONDS_TEST_DATABASE) and S3 (FONDS_TEST_S3)"]
fn a_file_attached_on_one_node_is_served_by_another_with_s3_on_postgres() {
    let node1 = Fonds::on(Backend::Postgres);
    node1.import(&[&demo(SEED)]);
    let node2 = node1.other_node();
    let bucket = Bucket::create();
    let scan = write_scan(&node1, "208261-p1.png");
    let bytes = std::fs::read(&scan).unwrap();
    let sha = fonds::model::sha256_hex(&bytes);

    let out = bucket
        .command(&node1, "archive")
        .args(["attach", "208261", scan.to_str().unwrap()])
        .output()
        .unwrap();
    let said = output_text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("1 file attached (revision 2)"), "{said}");
    assert_no_secret("fonds attach", &said);

    // The bucket holds the original and the whole pyramid, under the prefix.
    let keys = bucket.keys();
    let original = format!("archive/originals/{}/{sha}", &sha[..2]);
    assert!(keys.contains(&original), "{original} not in {keys:?}");
    assert!(
        keys.contains(&format!("archive/derived/{sha}/pyramid.json")),
        "{keys:?}"
    );
    assert!(
        keys.contains(&format!("archive/derived/{sha}/0/0_0.jpg")),
        "{keys:?}"
    );
    assert!(keys.iter().all(|k| k.starts_with("archive/")), "{keys:?}");
    // Node 1 kept nothing in its own folder either.
    assert!(holds_no_file(&node1.data().join("files")));

    // Node 2, which never saw the file, serves it from the bucket.
    let log_path = node2.path("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let server = Server::start_logging(&mut bucket.command(&node2, "archive"), &[], log);
    let info = server.ok("/iiif/208261/1/info.json").json();
    assert_eq!(
        (info["width"].as_u64(), info["height"].as_u64()),
        (Some(1400), Some(1800)),
        "{info}"
    );
    assert_eq!(info["id"], format!("{}/iiif/208261/1", server.base));
    let tile = image::load_from_memory(
        &server.ok_bytes("/iiif/208261/1/0,0,512,512/512,512/0/default.jpg"),
    )
    .unwrap()
    .into_rgb8();
    assert_eq!(tile.dimensions(), (512, 512));
    let [r, g, b] = tile.get_pixel(10, 10).0;
    assert!(
        r > 170 && g < 50 && b < 50,
        "the band is on top: {r},{g},{b}"
    );
    let served = server.ok_bytes("/records/208261/files/1");
    assert_eq!(fonds::model::sha256_hex(&served), sha);
    assert_eq!(served.len(), bytes.len());
    drop(server);

    assert!(
        holds_no_file(&node2.data().join("files")),
        "node 2 wrote files to its own folder"
    );
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(!log.contains("warning"), "{log}");
    assert_no_secret("fonds serve's log", &log);
}

#[test]
#[ignore = "needs PostgreSQL (FONDS_TEST_DATABASE) and S3 (FONDS_TEST_S3)"]
fn s3_secrets_never_reach_output_or_logs_on_postgres() {
    let node = Fonds::on(Backend::Postgres);
    node.import(&[&demo(SEED)]);
    let bucket = Bucket::create();
    let scan = write_scan(&node, "page.png");

    // A bucket that does not exist: the error names it, not the secret.
    let missing = format!("fonds-missing-{}", std::process::id());
    let mut command = node.command();
    command.arg("--file-store").arg(format!("s3://{missing}"));
    s3_environment(&mut command, &bucket.endpoint);
    let out = command
        .args(["attach", "208261", scan.to_str().unwrap()])
        .output()
        .unwrap();
    let said = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains(&missing), "{said}");
    assert_no_secret("a failed attach", &said);
    let files = node.show_json("208261")["files"].clone();
    assert!(
        files.as_array().is_none_or(|f| f.is_empty()),
        "no revision names a file the store lacks: {files}"
    );

    // Help and a bad location, with the secret in the environment.
    let out = bucket.command(&node, "x").arg("--help").output().unwrap();
    assert!(out.status.success());
    assert_no_secret("fonds --help", &output_text(&out));
    let out = bucket
        .command(&node, "x")
        .env("FONDS_FILE_STORE", format!("s3://key:{SECRET}@bucket"))
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["--help"])
        .output()
        .unwrap();
    assert_no_secret("fonds --help with FONDS_FILE_STORE", &output_text(&out));
    let mut command = node.command();
    command
        .arg("--file-store")
        .arg(format!("s3://fonds-test-key-id:{SECRET}@{}", bucket.name));
    let out = command.args(["search", "Kim"]).output().unwrap();
    let said = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("--file-store"), "{said}");
    assert_no_secret("a location holding credentials", &said);

    // A server whose bucket is missing answers, logs, and shows no secret.
    bucket
        .command(&node, "")
        .args(["attach", "208261", scan.to_str().unwrap()])
        .output()
        .map(|out| assert!(out.status.success(), "{}", output_text(&out)))
        .unwrap();
    let log_path = node.path("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut command = node.command();
    command.arg("--file-store").arg(format!("s3://{missing}"));
    s3_environment(&mut command, &bucket.endpoint);
    let server = Server::start_logging(&mut command, &[], log);
    let mut seen = String::new();
    for path in [
        "/iiif/208261/1/info.json",
        "/iiif/208261/1/0,0,512,512/512,512/0/default.jpg",
        "/records/208261/files/1",
    ] {
        let reply = server.get(path);
        assert_ne!(reply.status, 200, "{path} served from a missing bucket");
        seen.push_str(&reply.body);
    }
    seen.push_str(&server.get("/records/208261").body);
    seen.push_str(&server.get("/iiif/208261/manifest.json").body);
    drop(server);
    assert_no_secret("the server's answers", &seen);
    assert_no_secret(
        "the server's log",
        &std::fs::read_to_string(&log_path).unwrap(),
    );
}

#[test]
#[ignore = "needs PostgreSQL (FONDS_TEST_DATABASE)"]
fn serve_warns_once_when_a_shared_store_keeps_files_in_a_folder_on_postgres() {
    let node = Fonds::on(Backend::Postgres);
    node.import(&[&demo(SEED)]);
    let log_path = node.path("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let server = Server::start_logging(&mut node.command(), &[], log);
    assert_eq!(server.get("/health").status, 200);
    drop(server);
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert_eq!(log.matches("warning").count(), 1, "{log}");
    assert!(
        log.contains("other nodes do not see") && log.contains("--file-store"),
        "{log}"
    );
}

#[test]
fn serve_on_sqlite_does_not_warn_about_local_files() {
    let f = Fonds::new();
    f.import(&[&demo(SEED)]);
    let log_path = f.path("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let server = Server::start_logging(&mut f.command(), &[], log);
    assert_eq!(server.get("/health").status, 200);
    drop(server);
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(!log.contains("warning"), "{log}");
}

#[test]
fn a_file_store_fonds_cannot_use_is_refused_naming_the_option() {
    let f = Fonds::new();
    let err = f.fails(&["--file-store", "ftp://x", "search", "Kim"]);
    assert!(
        err.contains("--file-store") && err.contains("`ftp://x`") && err.contains("s3://BUCKET"),
        "{err}"
    );
    assert!(!f.data().exists(), "nothing was made: {err}");
    // The same from the environment.
    let out = f
        .command()
        .env("FONDS_FILE_STORE", "s3://Not_A_Bucket")
        .args(["show", "208261"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("FONDS_FILE_STORE") && err.contains("not a bucket name"),
        "{err}"
    );
    assert!(!f.data().exists());
    // A plain-HTTP endpoint without AWS_ALLOW_HTTP is refused saying so,
    // before any request.
    let out = f
        .command()
        .args(["--file-store", "s3://some-bucket", "show", "208261"])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env_remove("AWS_ENDPOINT_URL_S3")
        .env_remove("AWS_ALLOW_HTTP")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("s3://some-bucket") && err.contains("set AWS_ALLOW_HTTP=true"),
        "{err}"
    );
    // A folder is fine, as a path or a file URL; files then go there.
    let folder = f.path("elsewhere");
    let url = format!("file://{}", folder.display());
    f.ok(&["--file-store", &url, "import", demo(SEED).to_str().unwrap()]);
    let scan = write_scan(&f, "page.png");
    f.ok(&[
        "--file-store",
        &url,
        "attach",
        "208261",
        scan.to_str().unwrap(),
    ]);
    assert!(!holds_no_file(&folder.join("originals")));
    assert!(holds_no_file(&f.data().join("files")));
}
