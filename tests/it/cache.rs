//! Anonymous answers are kept until the archive changes (`web::cache`):
//! served again with an `Age`, never to a request that carries a cookie or
//! a token, and never after a write that changes what the public sees.

use super::common::{Fonds, Server, demo, header};

#[test]
fn anonymous_pages_are_kept_until_the_archive_changes() {
    let f = Fonds::new();
    f.import(&[&demo("wilson"), &demo("frus")]);
    let server = Server::start(&f, &[]);
    for path in [
        "/records/208261",
        "/search?q=Khrushchev",
        "/api/v1/search?q=Khrushchev",
        "/oai?verb=ListRecords&metadataPrefix=oai_dc",
    ] {
        let (status, made, first) = server.raw("GET", path, &[]);
        assert_eq!(status, 200, "{path}");
        assert_eq!(header(&made, "age"), None, "{path}: made, not kept");
        let (status, kept, again) = server.raw("GET", path, &[]);
        assert_eq!(status, 200, "{path}");
        assert_eq!(header(&kept, "age"), Some("0"), "{path}: served kept");
        assert_eq!(first, again, "{path}");
        // Each answer still gets its own request id and security headers.
        assert_ne!(header(&made, "x-request-id"), header(&kept, "x-request-id"));
        assert_eq!(header(&kept, "x-content-type-options"), Some("nosniff"));
        // A cookie (a session, or one that might be) or a token: made for
        // that request, never served kept.
        for credential in [("Cookie", "fonds_session=x"), ("Authorization", "Bearer x")] {
            let (_, headers, _) = server.raw("GET", path, &[credential]);
            assert_eq!(header(&headers, "age"), None, "{path} with {credential:?}");
        }
    }
    // Content negotiation: the same address in another format is another
    // answer.
    let (status, headers, body) = server.raw(
        "GET",
        "/records/208261",
        &[("Accept", "application/x-bibtex")],
    );
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "age"), None);
    assert!(String::from_utf8_lossy(&body).starts_with('@'), "BibTeX");
    // A write from another process: the record is gone from its page and
    // from searches at once, not when the kept answers expire.
    f.ok(&["purge", "208261", "--reason", "a test of the cache"]);
    let (status, _, _) = server.raw("GET", "/records/208261", &[]);
    assert_eq!(status, 404, "a purged record's page is not served kept");
    // Searches follow once this server's index has taken the purge in.
    let gone = (0..150).any(|_| {
        let (_, _, body) = server.raw("GET", "/api/v1/search?q=Khrushchev", &[]);
        let gone = !String::from_utf8_lossy(&body).contains("\"208261\"");
        if !gone {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        gone
    });
    assert!(gone, "the purged record is still a hit after 15 s");
}
