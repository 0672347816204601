//! Fuzz target: OAI-PMH arguments (`fonds::oai::request::parse`), with the
//! resumption token (`fonds::oai::token::decode`) and the OAI identifier
//! (`OaiConfig::record_id`) a request carries.
//!
//! Bytes → URL-encoded pairs, as `GET /oai?…` and `POST /oai` read them →
//! the argument checks. Asserts, for a request they accept: the verb is
//! echoed first and every argument after it; a `from` is not after its
//! `until`; a token that decodes encodes back to itself once re-read; an
//! identifier that names a record is the canonical spelling of it.

use fonds::oai::OaiConfig;
use fonds::oai::request::parse;
use fonds::oai::token;
use fonds_fuzz::{report, url_pairs};

fn main() {
    let config = OaiConfig::new(
        "Fuzz archive",
        "https://archive.example.org",
        "archive.example.org",
        "archivist@example.org",
    )
    .expect("a valid configuration");
    afl::fuzz!(|data: &[u8]| {
        let Some(params) = url_pairs(data) else {
            return;
        };
        let request = match parse(&params) {
            Ok(request) => request,
            Err(e) => {
                assert!(
                    !e.message.trim().is_empty(),
                    "a protocol error without words"
                );
                report(format_args!("refused: {e}"));
                return;
            }
        };
        report(format_args!("ok: {request:?}"));
        assert_eq!(request.echo[0].1, request.verb.as_str());
        assert_eq!(request.echo.len(), params.len(), "an argument not echoed");
        if let (Some(from), Some(until)) = (&request.from, &request.until) {
            assert!(from.instant <= until.instant && from.day == until.day);
        }
        if let Some(id) = request.identifier.as_deref()
            && let Some(record) = config.record_id(id)
        {
            assert_eq!(config.oai_identifier(&record), id);
        }
        if let Some(t) = request.resumption_token.as_deref()
            && let Ok(state) = token::decode(t, request.verb)
        {
            let again = token::encode(&state);
            let back = token::decode(&again, request.verb)
                .unwrap_or_else(|e| panic!("a token we issue is refused: {e}"));
            assert_eq!(back, state, "a token re-encoded reads as another state");
        }
    });
}
