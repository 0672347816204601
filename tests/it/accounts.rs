//! Accounts, sessions and API tokens: `fonds user …` and `fonds token …` on
//! the real binary, sign-in and token checks through the library on the
//! same data folder (with the instant given, so the throttle is tested
//! without waiting), on SQLite and PostgreSQL. No password, hash or token
//! may appear in any output, export or error.

use super::common::{Fonds, SEED, demo, on_both_backends};
use fonds::accounts::password::Password;
use fonds::accounts::secret::Secret;
use fonds::accounts::{Role, Viewer};
use fonds::archive::{AccountError, Archive};
use fonds::clock::Timestamp;
use fonds::store::Store;
use fonds::store::accounts::{AccountStore, Credentials};
use fonds::store::postgres::PgStore;
use fonds::store::sqlite::SqliteStore;
use std::io::Write;
use std::process::{Output, Stdio};
use std::time::Duration;

const PASSWORD: &str = "correct horse battery";
const NEW_PASSWORD: &str = "a new and better one";

/// Runs `fonds ARGS` with `stdin` on its standard input (not a terminal).
fn run_with_stdin(f: &Fonds, args: &[&str], stdin: &str) -> Output {
    let mut child = f
        .command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fonds starts");
    child
        .stdin
        .take()
        .expect("a pipe")
        .write_all(stdin.as_bytes())
        .expect("the password is written");
    child.wait_with_output().expect("fonds runs")
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `fonds user add NAME --role ROLE` with the password on stdin; must
/// succeed.
fn add_user(f: &Fonds, name: &str, role: &str, password: &str) -> Output {
    let out = run_with_stdin(
        f,
        &["user", "add", name, "--role", role],
        &format!("{password}\n"),
    );
    assert!(out.status.success(), "user add {name}: {:?}", text(&out));
    out
}

/// `fonds token create USER` must print the token alone.
fn create_token(f: &Fonds, user: &str, label: &str) -> (String, Output) {
    let out = f.run(&["token", "create", user, "--label", label]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "token create: {stderr}");
    let token = stdout.trim_end_matches('\n').to_string();
    assert!(
        token.starts_with("fonds_") && !token.contains(['\n', ' ']),
        "{stdout:?}"
    );
    (token, out)
}

/// The archive in this process, on the test's data folder, with a runtime
/// to drive it.
struct Library {
    runtime: tokio::runtime::Runtime,
    archive: Archive,
}

impl Library {
    fn open(f: &Fonds) -> Library {
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        let archive = runtime
            .block_on(Archive::open(&f.config()))
            .expect("the archive opens");
        Library { runtime, archive }
    }

    fn sign_in(&self, name: &str, password: &str, at: Timestamp) -> Result<String, AccountError> {
        self.sign_in_from(name, password, None, at)
    }

    fn sign_in_from(
        &self,
        name: &str,
        password: &str,
        from: Option<std::net::IpAddr>,
        at: Timestamp,
    ) -> Result<String, AccountError> {
        let password = Password::attempt(password.to_string());
        self.runtime
            .block_on(self.archive.sign_in(name, &password, from, at))
            .map(|s| s.token.expose().to_string())
    }

    fn session(&self, token: &str, at: Timestamp) -> Viewer {
        self.runtime
            .block_on(self.archive.session_viewer(token, at))
            .expect("the session is looked up")
    }

    fn bearer(&self, token: &str) -> Viewer {
        self.runtime
            .block_on(self.archive.token_viewer(token))
            .expect("the token is looked up")
    }
}

impl Drop for Library {
    fn drop(&mut self) {
        self.runtime.block_on(self.archive.close());
    }
}

/// An account as the store keeps it, password hash included (read from
/// the store directly: the archive hands out no hash).
async fn stored_credentials(f: &Fonds, name: &str) -> Credentials {
    let found = match &f.database {
        Some(db) => {
            let store = PgStore::connect(&db.url).await.unwrap();
            let found = store.find_user(name).await.unwrap();
            store.close().await;
            found
        }
        None => {
            let store = SqliteStore::open(&f.data().join("fonds.sqlite3"))
                .await
                .unwrap();
            let found = store.find_user(name).await.unwrap();
            store.close().await;
            found
        }
    };
    found.expect("the account is stored")
}

fn start() -> Timestamp {
    fonds::clock::now()
}

fn staff(name: &str, role: Role) -> Viewer {
    Viewer::Staff {
        name: name.into(),
        role,
    }
}

on_both_backends! {
fn accounts_are_added_listed_changed_and_disabled(f: Fonds) {
    let out = add_user(&f, "Ann", "admin", PASSWORD);
    assert!(text(&out).1.contains("created account ann (admin)"), "{:?}", text(&out));
    add_user(&f, "bob", "editor", "bob's password");
    add_user(&f, "cleo", "viewer", "cleo's password");

    // Refusals, each with its reason; nothing is written.
    let dup = run_with_stdin(&f, &["user", "add", "ANN", "--role", "viewer"], "another one\n");
    assert_eq!(dup.status.code(), Some(1));
    assert!(text(&dup).1.contains("an account ann already exists"), "{:?}", text(&dup));
    let short = run_with_stdin(&f, &["user", "add", "dan", "--role", "viewer"], "short\n");
    assert!(text(&short).1.contains("too short: use at least 8"), "{:?}", text(&short));
    let empty = run_with_stdin(&f, &["user", "add", "dan", "--role", "viewer"], "");
    assert!(text(&empty).1.contains("the password is empty"), "{:?}", text(&empty));
    let bad = run_with_stdin(&f, &["user", "add", "dan lee", "--role", "viewer"], "long enough\n");
    assert!(text(&bad).1.contains("account name \"dan lee\""), "{:?}", text(&bad));
    let role = run_with_stdin(&f, &["user", "add", "dan", "--role", "boss"], "long enough\n");
    assert_eq!(role.status.code(), Some(2), "{:?}", text(&role));
    // A password is never taken from the command line.
    let argv = run_with_stdin(
        &f,
        &["user", "add", "dan", "--role", "viewer", "--password", "long enough"],
        "",
    );
    assert_eq!(argv.status.code(), Some(2), "{:?}", text(&argv));

    let list = f.ok(&["user", "list"]);
    let rows: Vec<Vec<&str>> = list.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 3, "{list}");
    assert_eq!(rows[0][..3], ["ann", "admin", "active"]);
    assert_eq!(rows[1][..3], ["bob", "editor", "active"]);
    assert_eq!(rows[2][..3], ["cleo", "viewer", "active"]);
    assert!(Timestamp::parse(rows[0][3]).is_ok(), "{list}");

    let lib = Library::open(&f);
    let now = start();
    assert_eq!(lib.session(&lib.sign_in("ann", PASSWORD, now).unwrap(), now), staff("ann", Role::Admin));
    let bob = lib.sign_in("bob", "bob's password", now).unwrap();

    // A new password: the old one stops working, open sessions close.
    let out = run_with_stdin(&f, &["user", "passwd", "bob"], &format!("{NEW_PASSWORD}\n"));
    assert!(out.status.success(), "{:?}", text(&out));
    assert_eq!(lib.session(&bob, now), Viewer::Anonymous);
    assert!(matches!(
        lib.sign_in("bob", "bob's password", now),
        Err(AccountError::SignInRefused)
    ));
    assert!(lib.sign_in("bob", NEW_PASSWORD, now).is_ok());
    let weak = run_with_stdin(&f, &["user", "passwd", "bob"], "2short\n");
    assert!(text(&weak).1.contains("too short"), "{:?}", text(&weak));
    assert!(lib.sign_in("bob", NEW_PASSWORD, now).is_ok(), "a refused change changes nothing");
    let nobody = run_with_stdin(&f, &["user", "passwd", "nobody"], "long enough\n");
    assert!(text(&nobody).1.contains("no account nobody"), "{:?}", text(&nobody));

    f.ok(&["user", "disable", "cleo"]);
    assert!(f.ok(&["user", "list"]).contains("cleo\tviewer\tdisabled\t"));
    assert!(f.fails(&["user", "disable", "nobody"]).contains("no account nobody"));
    f.ok(&["user", "enable", "cleo"]);
    assert!(f.ok(&["user", "list"]).contains("cleo\tviewer\tactive\t"));
}
}

on_both_backends! {
fn api_tokens_are_created_listed_and_revoked(f: Fonds) {
    add_user(&f, "ann", "editor", PASSWORD);
    let (first, out) = create_token(&f, "ann", "nightly import");
    assert!(text(&out).1.contains("created API token 1 for ann"), "{:?}", text(&out));
    let (second, _) = create_token(&f, "ANN", "");
    assert_ne!(first, second);

    let list = f.ok(&["token", "list", "ann"]);
    let rows: Vec<Vec<&str>> = list.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 2, "{list}");
    assert_eq!(rows[0][..2], ["1", "nightly import"]);
    assert_eq!(rows[0][3], "active");
    assert_eq!(rows[1][..2], ["2", ""]);

    let lib = Library::open(&f);
    assert_eq!(lib.bearer(&first), staff("ann", Role::Editor));
    assert_eq!(lib.bearer(&second), staff("ann", Role::Editor));
    assert_eq!(lib.bearer("fonds_not-a-token"), Viewer::Anonymous);
    assert_eq!(lib.bearer(""), Viewer::Anonymous);
    // A session token is not an API token, nor the other way round.
    let session = lib.sign_in("ann", PASSWORD, start()).unwrap();
    assert_eq!(lib.bearer(&session), Viewer::Anonymous);
    assert_eq!(lib.session(&first, start()), Viewer::Anonymous);

    // By id, then by the token itself.
    let out = f.run(&["token", "revoke", "1"]);
    assert!(out.status.success());
    assert!(text(&out).1.contains("revoked API token 1 (nightly import) of ann"));
    assert_eq!(lib.bearer(&first), Viewer::Anonymous);
    assert_eq!(lib.bearer(&second), staff("ann", Role::Editor));
    let out = f.run(&["token", "revoke", &second]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert_eq!(lib.bearer(&second), Viewer::Anonymous);
    let list = f.ok(&["token", "list", "ann"]);
    assert_eq!(list.lines().filter(|l| l.contains("\trevoked ")).count(), 2, "{list}");
    // Revoking again keeps the first revocation.
    f.ok(&["token", "revoke", "1"]);
    assert_eq!(f.ok(&["token", "list", "ann"]), list);

    let missing = f.fails(&["token", "revoke", "99"]);
    assert!(missing.contains("no API token 99"), "{missing}");
    let unknown = Secret::new_api_token().unwrap();
    let missing = f.fails(&["token", "revoke", unknown.expose()]);
    assert!(missing.contains("no API token (the token given)"), "{missing}");
    assert!(!missing.contains(unknown.expose()));
    assert!(f.fails(&["token", "revoke", "soon"]).contains("not an API token"));
    assert!(f.fails(&["token", "create", "nobody"]).contains("no account nobody"));
    assert!(f.fails(&["token", "list", "nobody"]).contains("no account nobody"));
    let bad = f.fails(&["token", "create", "ann", "--label", "two\nlines"]);
    assert!(bad.contains("token label"), "{bad}");
}
}

on_both_backends! {
fn sign_in_fails_alike_for_an_unknown_user_and_a_wrong_password(f: Fonds) {
    add_user(&f, "ann", "viewer", PASSWORD);
    let lib = Library::open(&f);
    let now = start();
    let token = lib.sign_in("Ann", PASSWORD, now).expect("the right password signs in");
    assert_eq!(lib.session(&token, now), staff("ann", Role::Viewer));
    let wrong = lib.sign_in("ann", "wrong password", now).unwrap_err();
    let unknown = lib.sign_in("nobody", PASSWORD, now).unwrap_err();
    let malformed = lib.sign_in("no body!", PASSWORD, now).unwrap_err();
    for e in [&wrong, &unknown, &malformed] {
        assert!(matches!(e, AccountError::SignInRefused), "{e:?}");
        assert_eq!(e.to_string(), "unknown user or wrong password");
    }

    // A session lasts its lifetime, and ends at sign-out.
    let later = now.plus_seconds(fonds::accounts::secret::SESSION_LIFETIME_SECS - 1);
    assert_eq!(lib.session(&token, later), staff("ann", Role::Viewer));
    let ended = now.plus_seconds(fonds::accounts::secret::SESSION_LIFETIME_SECS);
    assert_eq!(lib.session(&token, ended), Viewer::Anonymous);
    let other = lib.sign_in("ann", PASSWORD, now).unwrap();
    lib.runtime.block_on(lib.archive.sign_out(&other)).unwrap();
    assert_eq!(lib.session(&other, now), Viewer::Anonymous);
    assert_eq!(lib.session("not a token", now), Viewer::Anonymous);
}
}

/// Signs in with a wrong password until refused `n` times, moving the clock
/// over every wait the throttle asks for; the waits, in order.
fn fail_repeatedly(lib: &Library, name: &str, n: usize, now: &mut Timestamp) -> Vec<u64> {
    let mut waits = Vec::new();
    for _ in 0..n {
        match lib.sign_in(name, "wrong password", *now) {
            Err(AccountError::SignInRefused) => waits.push(0),
            Err(AccountError::Throttled { retry_after }) => {
                assert!(retry_after <= Duration::from_secs(30), "{retry_after:?}");
                // The right password is not even checked while waiting.
                assert!(matches!(
                    lib.sign_in(name, PASSWORD, *now),
                    Err(AccountError::Throttled { .. })
                ));
                *now = now.plus_seconds(retry_after.as_secs() as i64);
                assert!(matches!(
                    lib.sign_in(name, "wrong password", *now),
                    Err(AccountError::SignInRefused)
                ));
                waits.push(retry_after.as_secs());
            }
            other => panic!("{other:?}"),
        }
    }
    waits
}

on_both_backends! {
fn twenty_wrong_passwords_are_slowed_down_and_the_right_one_still_works(f: Fonds) {
    add_user(&f, "ann", "editor", PASSWORD);
    let lib = Library::open(&f);
    let mut now = start();
    let waits = fail_repeatedly(&lib, "ann", 20, &mut now);
    // Free at first, then doubling, capped at 30 s.
    assert_eq!(&waits[..10], &[0, 0, 0, 0, 1, 2, 4, 8, 16, 30], "{waits:?}");
    assert!(waits[10..].iter().all(|w| *w == 30), "{waits:?}");
    // An unknown name is slowed down exactly alike.
    let mut then = start();
    assert_eq!(fail_repeatedly(&lib, "nobody", 20, &mut then), waits);

    // Never a lock-out: once the wait is over the right password works,
    // and the count starts again.
    let after = now.plus_seconds(30);
    let token = lib.sign_in("ann", PASSWORD, after).expect("the right password still works");
    assert_eq!(lib.session(&token, after), staff("ann", Role::Editor));
    assert!(matches!(
        lib.sign_in("ann", "wrong password", after),
        Err(AccountError::SignInRefused)
    ));
    // Failures are forgotten after a quiet quarter of an hour.
    let mut quiet = now.plus_seconds(fonds::accounts::throttle::WINDOW_SECS + 31);
    assert_eq!(fail_repeatedly(&lib, "nobody", 1, &mut quiet), [0]);

    // One address trying many names is slowed down too.
    let address = Some("192.0.2.7".parse().unwrap());
    let at = start().plus_seconds(3_600);
    for i in 0..11 {
        let e = lib.sign_in_from(&format!("guess{i}"), "wrong password", address, at).unwrap_err();
        assert!(matches!(e, AccountError::SignInRefused), "{i}: {e:?}");
    }
    assert!(matches!(
        lib.sign_in_from("ann", PASSWORD, address, at),
        Err(AccountError::Throttled { .. })
    ));
    let elsewhere = Some("198.51.100.1".parse().unwrap());
    assert!(lib.sign_in_from("ann", PASSWORD, elsewhere, at).is_ok());
    assert!(lib.sign_in_from("ann", PASSWORD, address, at.plus_seconds(1)).is_ok());
}
}

on_both_backends! {
fn a_disabled_account_cannot_sign_in_and_its_sessions_and_tokens_stop_working(f: Fonds) {
    add_user(&f, "ann", "admin", PASSWORD);
    let (token, _) = create_token(&f, "ann", "script");
    let lib = Library::open(&f);
    let now = start();
    let session = lib.sign_in("ann", PASSWORD, now).unwrap();
    assert_eq!(lib.bearer(&token), staff("ann", Role::Admin));

    f.ok(&["user", "disable", "ann"]);
    assert_eq!(lib.session(&session, now), Viewer::Anonymous);
    assert_eq!(lib.bearer(&token), Viewer::Anonymous);
    let refused = lib.sign_in("ann", PASSWORD, now).unwrap_err();
    assert!(matches!(refused, AccountError::SignInRefused), "{refused:?}");
    assert!(f.fails(&["token", "create", "ann"]).contains("account ann is disabled"));

    // Enabled again: its tokens work again, its sessions stay closed.
    f.ok(&["user", "enable", "ann"]);
    assert_eq!(lib.bearer(&token), staff("ann", Role::Admin));
    assert_eq!(lib.session(&session, now), Viewer::Anonymous);
    assert!(lib.sign_in("ann", PASSWORD, now).is_ok());
}
}

on_both_backends! {
fn no_password_hash_or_token_appears_in_any_output(f: Fonds) {
    let mut outputs = vec![text(&f.run(&["import", demo(SEED).to_str().unwrap()]))];
    outputs.push(text(&add_user(&f, "zoe-archivist", "admin", PASSWORD)));
    outputs.push(text(&run_with_stdin(
        &f,
        &["user", "passwd", "zoe-archivist"],
        &format!("{NEW_PASSWORD}\n"),
    )));
    let (token, out) = create_token(&f, "zoe-archivist", "export job");
    let (_, stderr) = text(&out);
    outputs.push((String::new(), stderr));
    let (revoked, out) = create_token(&f, "zoe-archivist", "old job");
    outputs.push((String::new(), text(&out).1));
    outputs.push(text(&f.run(&["token", "revoke", &revoked])));
    outputs.push(text(&f.run(&["token", "revoke", &token.replace("fonds_", "fonds_x")])));
    for args in [
        &["user", "list"][..],
        &["token", "list", "zoe-archivist"],
        &["export", "--format", "jsonl"],
        &["export", "--format", "wilson", "208261"],
        &["show", "208261", "--json"],
        &["search", "*", "--all", "--json"],
        &["history", "208261"],
        &["user", "disable", "zoe-archivist"],
        &["user", "enable", "zoe-archivist"],
    ] {
        let out = f.run(args);
        assert!(out.status.success(), "{args:?}: {:?}", text(&out));
        outputs.push(text(&out));
    }

    let lib = Library::open(&f);
    let now = start();
    let session = lib.sign_in("zoe-archivist", NEW_PASSWORD, now).unwrap();
    let stored = lib.runtime.block_on(stored_credentials(&f, "zoe-archivist"));
    let hash = stored.password.as_stored().to_string();
    assert!(hash.starts_with("$argon2id$"));
    let refusals = [
        lib.sign_in("zoe-archivist", PASSWORD, now).unwrap_err(),
        lib.sign_in("zoe-archivist", &token, now).unwrap_err(),
    ];
    for e in &refusals {
        outputs.push((e.to_string(), format!("{e:?}")));
    }
    let signed_in = lib
        .runtime
        .block_on(lib.archive.sign_in(
            "zoe-archivist",
            &Password::attempt(NEW_PASSWORD.into()),
            None,
            now,
        ))
        .unwrap();
    outputs.push((format!("{signed_in:?}"), format!("{stored:?}")));
    outputs.push((
        format!("{:?}", Password::attempt(NEW_PASSWORD.into())),
        format!("{:?}", Secret::parse_api_token(&token).unwrap()),
    ));

    let token_hash = Secret::parse_api_token(&token).unwrap().hash().to_hex();
    let session_hash = Secret::parse_session(&session).unwrap().hash().to_hex();
    let secrets = [
        PASSWORD,
        NEW_PASSWORD,
        &hash,
        &hash[hash.rfind('$').unwrap() + 1..],
        "$argon2",
        &token,
        &token["fonds_".len()..],
        &revoked,
        &token_hash,
        &session,
        signed_in.token.expose(),
        &session_hash,
    ];
    for (stdout, stderr) in &outputs {
        for secret in secrets {
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "a secret leaked:\n{stdout}\n{stderr}"
            );
        }
    }
    // The dump holds the record and nothing of the accounts.
    let dump = f.dump();
    assert_eq!(dump.lines().count(), 2);
    assert!(!dump.contains("zoe-archivist") && !dump.contains("export job"));
    drop(lib);

    // On disk, only hashes: no password or token in the clear.
    if f.database.is_none() {
        let mut bytes = Vec::new();
        for name in ["fonds.sqlite3", "fonds.sqlite3-wal"] {
            bytes.extend(std::fs::read(f.data().join(name)).unwrap_or_default());
        }
        let disk = String::from_utf8_lossy(&bytes);
        assert!(disk.contains(&token_hash), "tokens are stored as their hashes");
        for secret in [PASSWORD, NEW_PASSWORD, &token, &session, signed_in.token.expose()] {
            assert!(!disk.contains(secret), "a secret is stored in the clear");
        }
    }
}
}

/// Accounts live in the shared store: a session opened through one node is
/// accepted by another, and the throttle counts across nodes.
#[test]
#[ignore = "needs PostgreSQL (FONDS_TEST_DATABASE)"]
fn a_session_opened_on_one_node_is_accepted_on_another_on_postgres() {
    let node1 = Fonds::on(super::common::Backend::Postgres);
    let node2 = node1.other_node();
    add_user(&node1, "ann", "editor", PASSWORD);
    let (token, _) = create_token(&node2, "ann", "");
    let one = Library::open(&node1);
    let two = Library::open(&node2);
    let now = start();
    let session = one.sign_in("ann", PASSWORD, now).unwrap();
    assert_eq!(two.session(&session, now), staff("ann", Role::Editor));
    assert_eq!(one.bearer(&token), staff("ann", Role::Editor));
    for _ in 0..4 {
        assert!(one.sign_in("ann", "wrong password", now).is_err());
    }
    assert!(matches!(
        two.sign_in("ann", PASSWORD, now),
        Err(AccountError::Throttled { .. })
    ));
    two.runtime
        .block_on(two.archive.sign_out(&session))
        .unwrap();
    assert_eq!(one.session(&session, now), Viewer::Anonymous);
}
