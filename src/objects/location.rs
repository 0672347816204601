//! Where an archive keeps its files: a folder on this machine (the data
//! folder's `files/` unless told otherwise) or a bucket of S3-compatible
//! storage that every node of a shared archive reaches.
//!
//! A location is named by one string (`fonds --file-store`, `FONDS_FILE_STORE`,
//! `archive::Config::files`):
//! - `s3://BUCKET` or `s3://BUCKET/PREFIX`: S3 or any S3-compatible server,
//!   configured from the usual AWS environment (`AWS_ACCESS_KEY_ID`,
//!   `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`,
//!   `AWS_ENDPOINT_URL` or `AWS_ENDPOINT`, `AWS_ALLOW_HTTP` for a server
//!   without TLS);
//! - `file:///PATH` or a plain path: a local folder, made if missing.
//!
//! Invariants:
//! - Credentials are only ever read from the environment, never from the
//!   location: a location holding any (`s3://KEY:SECRET@bucket`) is refused,
//!   and an error shows such a location with the secret part replaced by
//!   `***`. Nothing here formats the S3 client or its configuration (whose
//!   `Debug` could hold them); `Display` and `Debug` of a location show only
//!   the folder or bucket and prefix.

use super::{ObjectError, Objects};
use object_store::ClientConfigKey;
use object_store::ObjectStore;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the files are.
#[derive(Clone, PartialEq, Eq)]
pub enum FilesLocation {
    /// A folder on this machine: only processes that see this folder see
    /// the files.
    Folder(PathBuf),
    /// A bucket of S3-compatible storage, under a prefix (empty: the whole
    /// bucket; otherwise without leading or trailing `/`).
    S3 { bucket: String, prefix: String },
}

impl std::fmt::Display for FilesLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FilesLocation::Folder(dir) => write!(f, "{}", dir.display()),
            FilesLocation::S3 { bucket, prefix } if prefix.is_empty() => {
                write!(f, "s3://{bucket}")
            }
            FilesLocation::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

impl std::fmt::Debug for FilesLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FilesLocation({self})")
    }
}

/// `url` as an error may show it: what could be a secret (user
/// information before `@`, a query) is replaced by `***`.
fn shown(url: &str) -> String {
    let (url, query) = match url.split_once('?') {
        Some((url, _)) => (url, "?***"),
        None => (url, ""),
    };
    let shown = match url.split_once("://") {
        // Anything up to the last `@`: a secret pasted as it is may hold
        // `/` (AWS secret keys do), so the authority's end is no guide.
        Some((scheme, rest)) => match rest.rfind('@') {
            Some(at) => format!("{scheme}://***{}", &rest[at..]),
            None => url.to_string(),
        },
        None => url.to_string(),
    };
    format!("{shown}{query}")
}

fn refused(url: &str, reason: impl Into<String>) -> ObjectError {
    ObjectError::Location {
        url: shown(url),
        reason: reason.into(),
    }
}

/// What a location may be, for error messages.
const FORMS: &str = "give s3://BUCKET/PREFIX, file:///PATH or a folder";

impl FilesLocation {
    /// The location `url` names; `None` (or nothing given) is
    /// `default_folder`.
    pub fn parse(url: Option<&str>, default_folder: &Path) -> Result<FilesLocation, ObjectError> {
        let Some(url) = url else {
            return Ok(FilesLocation::Folder(default_folder.to_path_buf()));
        };
        if url.trim().is_empty() {
            return Err(refused(url, format!("is empty; {FORMS}")));
        }
        let Some((scheme, rest)) = url.split_once("://") else {
            return Ok(FilesLocation::Folder(PathBuf::from(url)));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "file" => {
                // file:///PATH, or file://localhost/PATH.
                let path = rest.strip_prefix("localhost").unwrap_or(rest);
                if !path.starts_with('/') {
                    return Err(refused(
                        url,
                        "a file URL names an absolute path on this machine (file:///PATH)",
                    ));
                }
                if path.contains(['?', '#']) {
                    return Err(refused(url, "a file URL has no query or fragment"));
                }
                let path = percent_encoding::percent_decode_str(path)
                    .decode_utf8()
                    .map_err(|_| refused(url, "the path is not UTF-8 once decoded"))?;
                Ok(FilesLocation::Folder(PathBuf::from(path.as_ref())))
            }
            "s3" => {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                if rest.contains('@') {
                    return Err(refused(
                        url,
                        "an s3 location holds no `@`: credentials do not belong in it; set \
                         AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment",
                    ));
                }
                if rest.contains(['?', '#']) {
                    return Err(refused(url, "an s3 location has no query or fragment"));
                }
                check_bucket(bucket).map_err(|reason| refused(url, reason))?;
                let prefix = prefix.trim_matches('/');
                if prefix.split('/').any(|part| part == "." || part == "..")
                    || prefix.contains("//")
                {
                    return Err(refused(url, "the prefix has an empty, `.` or `..` part"));
                }
                Ok(FilesLocation::S3 {
                    bucket: bucket.to_string(),
                    prefix: prefix.to_string(),
                })
            }
            other => Err(refused(
                url,
                format!("fonds cannot keep files at a {other}:// location; {FORMS}"),
            )),
        }
    }

    /// Whether every node that names this location sees the same files (a
    /// bucket), rather than only this machine (a folder).
    pub fn is_shared(&self) -> bool {
        matches!(self, FilesLocation::S3 { .. })
    }
}

/// S3's rules for bucket names: 3 to 63 lowercase letters, digits, `.` and
/// `-`, starting and ending with a letter or digit.
fn check_bucket(bucket: &str) -> Result<(), String> {
    if bucket.is_empty() {
        return Err(format!("no bucket named; {FORMS}"));
    }
    let ok_chars = bucket
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    let ends = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !(3..=63).contains(&bucket.len())
        || !ok_chars
        || !ends(bucket.bytes().next())
        || !ends(bucket.bytes().last())
    {
        return Err(format!(
            "`{bucket}` is not a bucket name (3 to 63 lowercase letters, digits, `.` and `-`)"
        ));
    }
    Ok(())
}

/// Whether the endpoint the environment names is plain `http://` while
/// plain HTTP is not allowed: the S3 client would refuse every request with
/// an obscure "URL scheme is not allowed".
fn plain_http_refused(builder: &AmazonS3Builder) -> bool {
    let endpoint = builder
        .get_config_value(&AmazonS3ConfigKey::S3Endpoint)
        .or_else(|| builder.get_config_value(&AmazonS3ConfigKey::Endpoint));
    let allowed = builder
        .get_config_value(&AmazonS3ConfigKey::Client(ClientConfigKey::AllowHttp))
        .is_some_and(|v| {
            matches!(
                v.to_ascii_lowercase().as_str(),
                "1" | "true" | "on" | "yes" | "y"
            )
        });
    endpoint.is_some_and(|e| e.to_ascii_lowercase().starts_with("http://")) && !allowed
}

impl Objects {
    /// Objects kept where `location` says: a folder (made if missing) or a
    /// bucket, configured from the AWS environment. Opening a bucket makes
    /// no request: a missing bucket or bad credentials show at the first
    /// read or write.
    pub fn open(location: &FilesLocation) -> Result<Objects, ObjectError> {
        match location {
            FilesLocation::Folder(dir) => Objects::in_folder(dir),
            FilesLocation::S3 { bucket, prefix } => {
                let builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
                if plain_http_refused(&builder) {
                    return Err(ObjectError::Location {
                        url: location.to_string(),
                        reason: "the endpoint (AWS_ENDPOINT_URL) is http://: set \
                                 AWS_ALLOW_HTTP=true to reach a server without TLS"
                            .into(),
                    });
                }
                let s3 = builder.build().map_err(|e| ObjectError::Location {
                    url: location.to_string(),
                    reason: format!("the S3 client could not be set up: {e}"),
                })?;
                let store: Arc<dyn ObjectStore> = match prefix.is_empty() {
                    true => Arc::new(s3),
                    false => Arc::new(object_store::prefix::PrefixStore::new(s3, prefix.as_str())),
                };
                Ok(Objects::on(store))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bucket behind https:// is reached through TLS: the client is built
    /// with rustls and its cryptography, and a server that hangs up during
    /// the handshake is an error naming the endpoint.
    #[tokio::test]
    async fn an_https_endpoint_is_reached_through_tls() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            drop(stream);
        });
        let builder = AmazonS3Builder::new()
            .with_bucket_name("archive")
            .with_region("us-east-1")
            .with_endpoint(format!("https://127.0.0.1:{port}"))
            .with_access_key_id("id")
            .with_secret_access_key("secret")
            .with_retry(object_store::RetryConfig {
                max_retries: 0,
                ..Default::default()
            });
        let s3 = builder.build().expect("an S3 client with TLS");
        use object_store::ObjectStoreExt;
        let err = s3
            .get(&object_store::path::Path::from("a"))
            .await
            .unwrap_err()
            .to_string();
        accepted.join().unwrap();
        // Sent (and cut short by the server), not refused for its scheme
        // or for a client without TLS.
        assert!(err.contains("GET https://127.0.0.1"), "{err}");
        assert!(err.contains("error sending request"), "{err}");
        assert!(!err.to_lowercase().contains("scheme"), "{err}");
    }

    fn parse(url: &str) -> Result<FilesLocation, String> {
        FilesLocation::parse(Some(url), Path::new("/data/files")).map_err(|e| e.to_string())
    }

    #[test]
    fn nothing_given_is_the_default_folder() {
        let default = FilesLocation::parse(None, Path::new("/data/files")).unwrap();
        assert_eq!(default, FilesLocation::Folder("/data/files".into()));
        assert!(!default.is_shared());
    }

    #[test]
    fn folders_are_paths_or_file_urls() {
        for (given, folder) in [
            ("/srv/fonds files", "/srv/fonds files"),
            ("relative/dir", "relative/dir"),
            ("file:///srv/fonds%20files", "/srv/fonds files"),
            ("file://localhost/srv", "/srv"),
        ] {
            assert_eq!(
                parse(given).unwrap(),
                FilesLocation::Folder(folder.into()),
                "{given}"
            );
        }
        let e = parse("file://host/srv").unwrap_err();
        assert!(e.contains("absolute path"), "{e}");
    }

    #[test]
    fn buckets_and_prefixes() {
        let s3 = parse("s3://fonds-files/archive/scans/").unwrap();
        assert_eq!(
            s3,
            FilesLocation::S3 {
                bucket: "fonds-files".into(),
                prefix: "archive/scans".into()
            }
        );
        assert!(s3.is_shared());
        assert_eq!(s3.to_string(), "s3://fonds-files/archive/scans");
        let whole = parse("S3://my.bucket").unwrap();
        assert_eq!(whole.to_string(), "s3://my.bucket");
        for (bad, says) in [
            ("s3://", "no bucket"),
            ("s3:///prefix", "no bucket"),
            ("s3://Bad_Bucket/x", "not a bucket name"),
            ("s3://ab", "not a bucket name"),
            ("s3://bucket/a/../b", "`..`"),
            ("s3://bucket/a//b", "empty"),
            ("s3://bucket?versionId=1", "no query"),
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn other_schemes_are_refused_by_name() {
        let e = parse("ftp://x").unwrap_err();
        assert_eq!(
            e,
            "files location `ftp://x`: fonds cannot keep files at a ftp:// location; \
             give s3://BUCKET/PREFIX, file:///PATH or a folder"
        );
        assert!(parse("https://s3.amazonaws.com/bucket").is_err());
        assert!(parse("").unwrap_err().contains("is empty"));
    }

    #[test]
    fn secrets_in_a_location_are_refused_and_never_shown() {
        let e = parse("s3://AKIAEXAMPLE:wJalrXUtnFEMI@bucket/prefix").unwrap_err();
        assert!(e.contains("AWS_SECRET_ACCESS_KEY"), "{e}");
        assert!(e.contains("s3://***@bucket/prefix"), "{e}");
        assert!(
            !e.contains("wJalrXUtnFEMI") && !e.contains("AKIAEXAMPLE"),
            "{e}"
        );
        // AWS secret keys hold `/` and `+`.
        let e = parse("s3://AKIAEXAMPLE:wJalr/XUtn+FEMI@bucket/prefix").unwrap_err();
        assert!(e.contains("s3://***@bucket/prefix"), "{e}");
        assert!(!e.contains("XUtn") && !e.contains("wJalr"), "{e}");
        let e = parse("ftp://user:hunter2@host/x?token=abc").unwrap_err();
        assert!(!e.contains("hunter2") && !e.contains("abc"), "{e}");
        let e = parse("s3://bucket/x?X-Amz-Signature=sekrit").unwrap_err();
        assert!(!e.contains("sekrit"), "{e}");
    }

    #[test]
    fn a_bucket_opens_without_a_request_and_shows_no_secret() {
        // Opening makes no request, so no server is needed; the store's
        // description holds nothing of the client's configuration.
        let location = parse("s3://fonds-test/prefix").unwrap();
        let objects = Objects::open(&location).unwrap();
        assert_eq!(format!("{objects:?}"), "Objects(PrefixObjectStore(prefix))");
        assert_eq!(
            format!("{location:?}"),
            "FilesLocation(s3://fonds-test/prefix)"
        );
    }
}
