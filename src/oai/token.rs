//! Resumption tokens: stateless, so that they survive a restart and need no
//! storage or expiry.
//!
//! A token is the harvest itself, written down: the verb, the metadata
//! prefix, the `from`/`until` instants, the setSpec asked for, the position
//! of the last entry given (`(datestamp, identifier)`, the order of the
//! publication log), how many entries were given so far and the size of the
//! complete list as counted on the first page. It is that JSON, base64url
//! encoded. Decoding checks everything again; a token that does not decode,
//! belongs to another verb or carries values no request could have is
//! `badResumptionToken`.
//!
//! A token is not signed, so anyone can write one: it holds only what a
//! harvester could equally send as fresh arguments (or as a cursor into a
//! public list), and nothing the server trusts. In particular it never
//! holds what a set stands for: the set's collections are looked up from
//! its setSpec among the public collections on every page. Tokens issued
//! before this rule carried a `collections` list; it is still read, so that
//! their harvests go on, and never used.
//!
//! Entries changed during a harvest move to the end of the log (their
//! datestamp is new), so a harvester sees them again later in the same
//! harvest rather than missing them.

use super::request::{DateBound, End, ErrorCode, ProtocolError, Verb, is_spec_word};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// The version written in every token; another version is refused.
const TOKEN_VERSION: u32 = 1;

/// Where a list request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListState {
    /// `ListIdentifiers` or `ListRecords`.
    pub verb: Verb,
    /// The metadata prefix of the harvest.
    pub metadata_prefix: String,
    /// Lower datestamp bound (`YYYY-MM-DDThh:mm:ssZ`).
    pub from: Option<String>,
    /// Upper datestamp bound.
    pub until: Option<String>,
    /// The setSpec asked for.
    pub set: Option<String>,
    /// The `(datestamp, identifier)` of the last entry given.
    pub after: Option<(String, String)>,
    /// Entries given before this page.
    pub delivered: u64,
    /// The complete list's size, counted on the first page.
    pub total: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    v: u32,
    verb: String,
    prefix: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    until: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    set: Option<String>,
    /// Written by earlier versions (the set's collection names); read only
    /// so that such tokens still decode, and ignored.
    #[serde(default, rename = "collections", skip_serializing)]
    _issued_collections: Option<serde::de::IgnoredAny>,
    ds: String,
    id: String,
    n: u64,
    total: u64,
}

/// The token that continues the list after `state.after`.
pub fn encode(state: &ListState) -> String {
    let (ds, id) = state.after.clone().unwrap_or_default();
    let wire = Wire {
        v: TOKEN_VERSION,
        verb: state.verb.as_str().to_string(),
        prefix: state.metadata_prefix.clone(),
        from: state.from.clone(),
        until: state.until.clone(),
        set: state.set.clone(),
        _issued_collections: None,
        ds,
        id,
        n: state.delivered,
        total: state.total,
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&wire).expect("a token always serialises"))
}

/// Reads a token given to `verb`.
pub fn decode(token: &str, verb: Verb) -> Result<ListState, ProtocolError> {
    let bad = |why: &str| {
        ProtocolError::new(
            ErrorCode::BadResumptionToken,
            format!("the resumption token {why}"),
        )
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| bad("is not one this repository issued"))?;
    let wire: Wire =
        serde_json::from_slice(&bytes).map_err(|_| bad("is not one this repository issued"))?;
    if wire.v != TOKEN_VERSION {
        return Err(bad("is of an unknown version"));
    }
    if wire.verb != verb.as_str() {
        return Err(bad(&format!(
            "belongs to {}, not {}",
            wire.verb,
            verb.as_str()
        )));
    }
    let instant_ok = |t: &Option<String>, end| {
        t.as_ref()
            .is_none_or(|t| DateBound::parse(t, end).is_some_and(|b| !b.day))
    };
    let valid = is_spec_word(&wire.prefix)
        && instant_ok(&wire.from, End::From)
        && instant_ok(&wire.until, End::Until)
        && DateBound::parse(&wire.ds, End::From).is_some_and(|b| !b.day)
        && !wire.id.is_empty()
        && wire
            .set
            .as_ref()
            .is_none_or(|s| s.split(':').all(is_spec_word))
        && wire.n > 0
        && wire.n <= wire.total;
    if !valid {
        return Err(bad("carries values no harvest can have"));
    }
    Ok(ListState {
        verb,
        metadata_prefix: wire.prefix,
        from: wire.from,
        until: wire.until,
        set: wire.set,
        after: Some((wire.ds, wire.id)),
        delivered: wire.n,
        total: wire.total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> ListState {
        ListState {
            verb: Verb::ListRecords,
            metadata_prefix: "oai_dc".into(),
            from: Some("2001-01-01T00:00:00Z".into()),
            until: None,
            set: Some("frus".into()),
            after: Some(("2026-01-02T03:04:05Z".into(), "frus1961-63v06d12".into())),
            delivered: 100,
            total: 121,
        }
    }

    #[test]
    fn a_token_gives_back_the_state_it_was_made_from() {
        let token = encode(&state());
        assert!(
            token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{token}"
        );
        assert_eq!(decode(&token, Verb::ListRecords).unwrap(), state());
    }

    #[test]
    fn a_token_names_the_set_and_never_what_it_stands_for() {
        let token = encode(&state());
        let json: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&token).unwrap()).unwrap();
        assert_eq!(json["set"], "frus");
        assert_eq!(json.get("collections"), None, "{json}");
        // A token of an earlier version, with the set's collection names,
        // still decodes; the names are dropped, whatever they say.
        let mut old = json.clone();
        old["collections"] = serde_json::json!(["Never public"]);
        let old = URL_SAFE_NO_PAD.encode(old.to_string());
        assert_eq!(decode(&old, Verb::ListRecords).unwrap(), state());
    }

    #[test]
    fn foreign_altered_or_misdirected_tokens_are_refused() {
        let token = encode(&state());
        for (bad, verb) in [
            ("not a token!".to_string(), Verb::ListRecords),
            (token[..token.len() - 3].to_string(), Verb::ListRecords),
            (token.clone(), Verb::ListIdentifiers),
            (URL_SAFE_NO_PAD.encode(b"{\"v\":1}"), Verb::ListRecords),
        ] {
            let e = decode(&bad, verb).unwrap_err();
            assert_eq!(e.code, ErrorCode::BadResumptionToken, "{bad}");
        }
        let mut odd = state();
        odd.delivered = 500;
        let e = decode(&encode(&odd), Verb::ListRecords).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadResumptionToken);
    }
}
