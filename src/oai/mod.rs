//! What other systems harvest: the OAI-PMH 2.0 provider ([`respond`]), the
//! sitemap ([`sitemap`]), the public bulk dump ([`dump`]) and the Atom feeds
//! ([`feed`]).
//!
//! This module knows nothing of HTTP: the web layer hands [`respond`] the
//! request's arguments (query string for GET, form body for POST, in the
//! order received) and serves the XML it gets back with status 200, errors
//! included, as the protocol wants.
//!
//! Everything here reads through the public reader
//! ([`crate::archive::Archive::public`]), whoever asks: what is public, and
//! the instant it is judged at, are the gate's, never this module's.
//!
//! # What is harvested
//! The store's publication log ([`crate::store::Store::publications`]):
//! every record public now, with the datestamp at which it became visible
//! (its last change, or the day its embargo lifted), and every record that
//! was public once and is not now (made a draft, put under embargo), as a
//! header with `status="deleted"` dated by that change. A record never
//! public is not there at all. Deletions are therefore `persistent`.
//! Datestamps are UTC to the second (`YYYY-MM-DDThh:mm:ssZ`); `from` and
//! `until` are accepted as days or seconds.
//!
//! A deleted entry stays in the sets of its last public revision (the store
//! keeps those collections apart: [`crate::store::Publication::last_public_collections`]):
//! its header carries their `setSpec`s, and a list restricted to one of them
//! lists it, so a harvester that harvests by set learns of the deletion.
//! Its current revision is not public, so its collections (a draft's, say)
//! are never matched nor shown. A record never public is in no list.
//!
//! Identifiers are `oai:{repository-identifier}:{id}`, the record's own
//! identifier with any character outside the oai-identifier syntax (and `%`)
//! percent-encoded. Sets are the public records' collections and the last
//! public collections of the deleted ones ([`sets`]).
//! Lists come a page ([`OaiConfig::page_size`]) at a time with a stateless
//! resumption token ([`token`]) carrying `completeListSize` and `cursor`;
//! a token holds nothing the server trusts (a set's collections are looked
//! up from its setSpec on every page), so an edited or forged one gives at
//! most what fresh arguments would.
//!
//! # Dublin Core (`oai_dc`)
//! | element | from the record |
//! |---|---|
//! | `dc:title` | `title`; each alternative title (with `xml:lang`) |
//! | `dc:creator` | each creator's name |
//! | `dc:subject` | each subject; each person named (authority form, else the name) |
//! | `dc:description` | `summary` |
//! | `dc:publisher` | `holding_archive` |
//! | `dc:contributor` | each recipient, translator and contributor |
//! | `dc:date` | the date as EDTF (`1948-09-22`, `1962-10~`, `1961/1963`) |
//! | `dc:type` | `type` (telephone message, letter …), and always `Text` |
//! | `dc:format` | each media type of its files (`image/jpeg`, `application/pdf`) |
//! | `dc:identifier` | the record's page `{base_url}/records/{id}`; `source_url`; a thumbnail of its first page image (IIIF, at most 400 pixels wide) |
//! | `dc:source` | the archival reference, verbatim; the edition's title |
//! | `dc:language` | `original_language`, then each text version's language |
//! | `dc:relation` | each collection; its IIIF manifest `{base_url}/iiif/{id}/manifest.json` |
//! | `dc:coverage` | each place |
//! | `dc:rights` | `rights`; `rights_uri` (rightsstatements.org, Creative Commons) |
//!
//! Empty values and repeats are left out; texts themselves are not carried.

pub mod dc;
pub mod dump;
pub mod feed;
pub mod request;
pub mod sets;
pub mod sitemap;
pub mod token;
pub mod xml;

use crate::archive::PublicReader;
use crate::clock::Timestamp;
use crate::store::{Publication, StoreError};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use request::{ErrorCode, ProtocolError, Request, Verb};
use token::ListState;
use xml::XmlOut;

/// The one metadata format.
pub const OAI_DC: &str = "oai_dc";
/// The OAI-PMH namespace.
const OAI_NAMESPACE: &str = "http://www.openarchives.org/OAI/2.0/";
/// The OAI-PMH schema.
const OAI_SCHEMA: &str = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd";
/// Entries per page of a list unless configured otherwise.
pub const DEFAULT_PAGE_SIZE: usize = 100;

/// How the provider describes itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OaiConfig {
    repository_name: String,
    base_url: String,
    repository_identifier: String,
    admin_emails: Vec<String>,
    page_size: usize,
}

/// A configuration the protocol cannot work with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OaiConfigError {
    /// The base URL is not an absolute http(s) URL.
    #[error("OAI-PMH base URL {0:?} is not an absolute http:// or https:// URL")]
    BaseUrl(String),
    /// The repository identifier is not a domain name.
    #[error("OAI-PMH repository identifier {0:?} is not a domain name (like archive.example.org)")]
    RepositoryIdentifier(String),
    /// An administrator address is not an e-mail address.
    #[error("OAI-PMH admin e-mail {0:?} is not an e-mail address")]
    AdminEmail(String),
    /// The page size is zero.
    #[error("OAI-PMH page size must be at least 1")]
    PageSize,
}

impl OaiConfig {
    /// A configuration, checked. `base_url` is the site's root
    /// (`https://archive.example.org`, no trailing slash needed): the
    /// endpoint is `{base_url}/oai` and record pages `{base_url}/records/{id}`.
    /// `repository_identifier` is a domain name the archive controls.
    pub fn new(
        repository_name: &str,
        base_url: &str,
        repository_identifier: &str,
        admin_email: &str,
    ) -> Result<Self, OaiConfigError> {
        let base_url = base_url.trim_end_matches('/').to_string();
        let host = base_url
            .strip_prefix("https://")
            .or_else(|| base_url.strip_prefix("http://"));
        if !host.is_some_and(|h| !h.is_empty() && !h.contains(char::is_whitespace)) {
            return Err(OaiConfigError::BaseUrl(base_url));
        }
        let label_ok = |label: &str| {
            label.starts_with(|c: char| c.is_ascii_alphabetic())
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        let labels: Vec<&str> = repository_identifier.split('.').collect();
        if labels.len() < 2 || !labels.iter().all(|l| label_ok(l)) {
            return Err(OaiConfigError::RepositoryIdentifier(
                repository_identifier.to_string(),
            ));
        }
        let config = OaiConfig {
            repository_name: repository_name.to_string(),
            base_url,
            repository_identifier: repository_identifier.to_string(),
            admin_emails: Vec::new(),
            page_size: DEFAULT_PAGE_SIZE,
        };
        config.with_admin_email(admin_email)
    }

    /// Adds an administrator's address (Identify lists them all).
    pub fn with_admin_email(mut self, email: &str) -> Result<Self, OaiConfigError> {
        // The schema's pattern: \S+@(\S+\.)+\S+
        let valid = !email.contains(char::is_whitespace)
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain
                        .rsplit_once('.')
                        .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
            });
        if !valid {
            return Err(OaiConfigError::AdminEmail(email.to_string()));
        }
        self.admin_emails.push(email.to_string());
        Ok(self)
    }

    /// Sets how many entries a page of a list holds.
    pub fn with_page_size(mut self, page_size: usize) -> Result<Self, OaiConfigError> {
        if page_size == 0 {
            return Err(OaiConfigError::PageSize);
        }
        self.page_size = page_size;
        Ok(self)
    }

    /// The OAI-PMH endpoint: `{base_url}/oai`.
    pub fn endpoint(&self) -> String {
        format!("{}/oai", self.base_url)
    }

    /// The site's root URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Entries per page of a list.
    pub fn page_size(&self) -> usize {
        self.page_size
    }

    /// The OAI identifier of a record: `oai:{repository-identifier}:{id}`.
    pub fn oai_identifier(&self, id: &str) -> String {
        format!(
            "oai:{}:{}",
            self.repository_identifier,
            utf8_percent_encode(id, OAI_LOCAL_ESCAPED)
        )
    }

    /// The record identifier an OAI identifier names, if it is one of ours.
    pub fn record_id(&self, oai_identifier: &str) -> Option<String> {
        let local = oai_identifier
            .strip_prefix("oai:")?
            .strip_prefix(self.repository_identifier.as_str())?
            .strip_prefix(':')?;
        let id = percent_decode_str(local).decode_utf8().ok()?;
        // Only the canonical spelling names a record, so that one record has
        // one identifier.
        (!id.is_empty() && self.oai_identifier(&id) == oai_identifier).then(|| id.into_owned())
    }
}

/// Characters escaped in the local part of an OAI identifier: everything
/// outside `[A-Za-z0-9-_.!~*'();/?:@&=+$,]`, and `%` itself.
const OAI_LOCAL_ESCAPED: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Characters escaped in a record identifier made a URL path segment.
const PATH_SEGMENT_ESCAPED: &AsciiSet = &OAI_LOCAL_ESCAPED.add(b'/').add(b'?');

/// The public page of a record: `{base_url}/records/{id}`, the identifier
/// percent-encoded as a path segment.
pub fn record_url(base_url: &str, id: &str) -> String {
    format!(
        "{}/records/{}",
        base_url.trim_end_matches('/'),
        utf8_percent_encode(id, PATH_SEGMENT_ESCAPED)
    )
}

/// An instant as OAI-PMH writes it: `YYYY-MM-DDThh:mm:ssZ`, UTC.
pub fn datestamp(instant: time::OffsetDateTime) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    instant
        .to_offset(time::UtcOffset::UTC)
        .format(format)
        .expect("the format is valid")
}

/// An OAI-PMH response document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OaiResponse {
    /// The XML, served as `text/xml; charset=utf-8` with HTTP status 200.
    pub xml: String,
}

/// A failure that is not the harvester's doing (the store failed): the web
/// layer answers it with HTTP 500.
#[derive(Debug, thiserror::Error)]
pub enum OaiError {
    /// The store failed.
    #[error("OAI-PMH: {0}")]
    Store(#[from] StoreError),
}

/// What a request asked for, read from the store, before it is written.
enum Answer {
    Identify {
        earliest: String,
    },
    MetadataFormats,
    Sets(Vec<sets::Set>),
    Record(Box<Publication>),
    List {
        verb: Verb,
        entries: Vec<Publication>,
        token: Option<TokenOut>,
    },
}

/// The `<resumptionToken>` of a page.
struct TokenOut {
    /// Empty on the last page of a list.
    token: String,
    complete_list_size: u64,
    cursor: u64,
}

/// Answers one OAI-PMH request from the public log. `params` are the
/// request's arguments as received, repeats included (a repeat is itself an
/// error); the response date is the public reader's instant, the one
/// visibility is judged at.
pub async fn respond(
    public: &PublicReader<'_>,
    config: &OaiConfig,
    params: &[(String, String)],
) -> Result<OaiResponse, OaiError> {
    let now = public.now().to_string();
    let xml = match request::parse(params) {
        Err(error) => render(config, &now, &[], Err(error)),
        Ok(request) => {
            let provider = Provider {
                public,
                config,
                now: &now,
            };
            let answer = answer(&provider, &request).await?;
            let echo: Vec<(&str, &str)> = match &answer {
                // The protocol forbids echoing the arguments of a request
                // that broke its rules.
                Err(e) if matches!(e.code, ErrorCode::BadArgument | ErrorCode::BadVerb) => {
                    Vec::new()
                }
                _ => request
                    .echo
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect(),
            };
            render(config, &now, &echo, answer)
        }
    };
    Ok(OaiResponse { xml })
}

/// What one request reads with: the public log, how the provider describes
/// itself, and the response's instant.
struct Provider<'a> {
    public: &'a PublicReader<'a>,
    config: &'a OaiConfig,
    now: &'a str,
}

/// An answer or a protocol error, unless the store failed.
type Answered = Result<Result<Answer, ProtocolError>, OaiError>;

async fn answer(p: &Provider<'_>, request: &Request) -> Answered {
    let Provider { public, now, .. } = *p;
    Ok(Ok(match request.verb {
        Verb::Identify => {
            let earliest = public.earliest_publication().await?;
            Answer::Identify {
                earliest: earliest.map_or_else(|| now.to_string(), |t| t.to_string()),
            }
        }
        Verb::ListMetadataFormats => {
            if let Some(identifier) = &request.identifier {
                match find(p, identifier, false).await? {
                    Err(e) => return Ok(Err(e)),
                    Ok(entry) if entry.withdrawn => {
                        return Ok(Err(ProtocolError::new(
                            ErrorCode::NoMetadataFormats,
                            format!("{identifier} is deleted: it has no metadata"),
                        )));
                    }
                    Ok(_) => {}
                }
            }
            Answer::MetadataFormats
        }
        Verb::ListSets => {
            if request.resumption_token.is_some() {
                return Ok(Err(ProtocolError::new(
                    ErrorCode::BadResumptionToken,
                    "ListSets is answered whole: it issues no resumption tokens",
                )));
            }
            let sets = sets::sets(&public.harvest_collections().await?);
            if sets.is_empty() {
                return Ok(Err(no_sets()));
            }
            Answer::Sets(sets)
        }
        Verb::GetRecord => {
            let prefix = request.metadata_prefix.as_deref().unwrap_or_default();
            if let Err(e) = check_format(prefix) {
                return Ok(Err(e));
            }
            let identifier = request.identifier.as_deref().unwrap_or_default();
            match find(p, identifier, true).await? {
                Ok(entry) => Answer::Record(Box::new(entry)),
                Err(e) => return Ok(Err(e)),
            }
        }
        Verb::ListIdentifiers | Verb::ListRecords => {
            return list(p, request).await;
        }
    }))
}

fn check_format(prefix: &str) -> Result<(), ProtocolError> {
    if prefix == OAI_DC {
        Ok(())
    } else {
        Err(ProtocolError::new(
            ErrorCode::CannotDisseminateFormat,
            format!("{prefix:?} is not offered: only {OAI_DC} is"),
        ))
    }
}

fn no_sets() -> ProtocolError {
    ProtocolError::new(
        ErrorCode::NoSetHierarchy,
        "no public or deleted record belongs to a collection, so there are no sets",
    )
}

/// The publication-log entry of one OAI identifier.
async fn find(
    p: &Provider<'_>,
    identifier: &str,
    with_record: bool,
) -> Result<Result<Publication, ProtocolError>, OaiError> {
    let Provider { public, config, .. } = *p;
    let missing = || {
        ProtocolError::new(
            ErrorCode::IdDoesNotExist,
            format!("{identifier} is not an identifier of this repository"),
        )
    };
    let Some(id) = config.record_id(identifier) else {
        return Ok(Err(missing()));
    };
    let mut query = public.query(1);
    query.id = Some(id);
    query.with_records = with_record;
    let entry = public.publications(&query).await?.into_iter().next();
    Ok(entry.ok_or_else(missing))
}

async fn list(p: &Provider<'_>, request: &Request) -> Answered {
    let Provider { public, config, .. } = *p;
    let state = match &request.resumption_token {
        Some(token) => match token::decode(token, request.verb) {
            Ok(state) => state,
            Err(e) => return Ok(Err(e)),
        },
        None => ListState {
            verb: request.verb,
            metadata_prefix: request.metadata_prefix.clone().unwrap_or_default(),
            from: request.from.as_ref().map(|b| b.instant.clone()),
            until: request.until.as_ref().map(|b| b.instant.clone()),
            set: request.set.clone(),
            after: None,
            delivered: 0,
            total: 0,
        },
    };
    if let Err(e) = check_format(&state.metadata_prefix) {
        return Ok(Err(e));
    }
    let no_match = || {
        ProtocolError::new(
            ErrorCode::NoRecordsMatch,
            "no record matches these arguments",
        )
    };
    // What the set stands for is looked up on every page, first or resumed,
    // from the spec and the harvested collections: a token names the set and
    // nothing more, so it can ask for no more than a fresh request could.
    let collections = match &state.set {
        None => None,
        Some(spec) => {
            let harvested = public.harvest_collections().await?;
            if harvested.is_empty() {
                return Ok(Err(no_sets()));
            }
            match sets::find(&harvested, spec) {
                Some(set) => Some(set.collections),
                None => return Ok(Err(no_match())),
            }
        }
    };
    let page_size = config.page_size;
    let mut query = public.query(page_size + 1);
    // The bounds and cursor were checked as instants when read.
    let typed = |t: &str| {
        Timestamp::parse(t).map_err(|e| ProtocolError::new(ErrorCode::BadArgument, e.to_string()))
    };
    let bounds = (
        state.from.as_deref().map(typed).transpose(),
        state.until.as_deref().map(typed).transpose(),
        (state.after.as_ref())
            .map(|(ds, id)| typed(ds).map(|ds| (ds, id.clone())))
            .transpose(),
    );
    match bounds {
        (Ok(from), Ok(until), Ok(after)) => {
            query.from = from;
            query.until = until;
            query.after = after;
        }
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return Ok(Err(e)),
    }
    // With a set, the store matches a public entry by its current
    // collections and a deleted one by its last public revision's.
    query.collections = collections;
    let total = if state.after.is_none() {
        public.count_publications(&query).await?
    } else {
        state.total
    };
    let mut entries = public.publications(&query).await?;
    if entries.is_empty() {
        return Ok(Err(no_match()));
    }
    let more = entries.len() > page_size;
    entries.truncate(page_size);
    let given = state.delivered + entries.len() as u64;
    // Never claim fewer than have been seen (the log may grow meanwhile).
    let total = total.max(given + more as u64);
    let token = if more {
        let last = entries.last().expect("the page is not empty");
        let next = ListState {
            after: Some((last.datestamp.to_string(), last.id.clone())),
            delivered: given,
            total,
            ..state.clone()
        };
        Some(TokenOut {
            token: token::encode(&next),
            complete_list_size: total,
            cursor: state.delivered,
        })
    } else if state.delivered > 0 {
        // The last page of a list that was resumed says so with an empty token.
        Some(TokenOut {
            token: String::new(),
            complete_list_size: total,
            cursor: state.delivered,
        })
    } else {
        None
    };
    Ok(Ok(Answer::List {
        verb: request.verb,
        entries,
        token,
    }))
}

/// Writes the response document.
fn render(
    config: &OaiConfig,
    now: &str,
    echo: &[(&str, &str)],
    answer: Result<Answer, ProtocolError>,
) -> String {
    let mut out = XmlOut::new();
    out.start(
        "OAI-PMH",
        &[
            ("xmlns", OAI_NAMESPACE),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            (
                "xsi:schemaLocation",
                &format!("{OAI_NAMESPACE} {OAI_SCHEMA}"),
            ),
        ],
    );
    out.element("responseDate", &[], now);
    out.element("request", echo, &config.endpoint());
    match answer {
        Err(error) => out.element("error", &[("code", error.code.as_str())], &error.message),
        Ok(Answer::Identify { earliest }) => {
            out.start("Identify", &[]);
            out.element("repositoryName", &[], &config.repository_name);
            out.element("baseURL", &[], &config.endpoint());
            out.element("protocolVersion", &[], "2.0");
            for email in &config.admin_emails {
                out.element("adminEmail", &[], email);
            }
            out.element("earliestDatestamp", &[], &earliest);
            out.element("deletedRecord", &[], "persistent");
            out.element("granularity", &[], "YYYY-MM-DDThh:mm:ssZ");
            out.end("Identify");
        }
        Ok(Answer::MetadataFormats) => {
            out.start("ListMetadataFormats", &[]);
            out.start("metadataFormat", &[]);
            out.element("metadataPrefix", &[], OAI_DC);
            out.element("schema", &[], dc::OAI_DC_SCHEMA);
            out.element("metadataNamespace", &[], dc::OAI_DC_NAMESPACE);
            out.end("metadataFormat");
            out.end("ListMetadataFormats");
        }
        Ok(Answer::Sets(sets)) => {
            out.start("ListSets", &[]);
            for set in sets {
                out.start("set", &[]);
                out.element("setSpec", &[], &set.spec);
                out.element("setName", &[], &set.name);
                out.end("set");
            }
            out.end("ListSets");
        }
        Ok(Answer::Record(entry)) => {
            out.start("GetRecord", &[]);
            write_record(&mut out, config, &entry);
            out.end("GetRecord");
        }
        Ok(Answer::List {
            verb,
            entries,
            token,
        }) => {
            out.start(verb.as_str(), &[]);
            for entry in &entries {
                if verb == Verb::ListRecords {
                    write_record(&mut out, config, entry);
                } else {
                    write_header(&mut out, config, entry);
                }
            }
            if let Some(t) = token {
                let size = t.complete_list_size.to_string();
                let cursor = t.cursor.to_string();
                out.element(
                    "resumptionToken",
                    &[("completeListSize", &size), ("cursor", &cursor)],
                    &t.token,
                );
            }
            out.end(verb.as_str());
        }
    }
    out.end("OAI-PMH");
    out.finish()
}

fn write_header(out: &mut XmlOut, config: &OaiConfig, entry: &Publication) {
    let attributes: &[(&str, &str)] = if entry.withdrawn {
        &[("status", "deleted")]
    } else {
        &[]
    };
    out.start("header", attributes);
    out.element("identifier", &[], &config.oai_identifier(&entry.id));
    out.element("datestamp", &[], &entry.datestamp.to_string());
    // A deleted record's sets are its last public revision's: its current
    // collections are not public.
    let collections = match &entry.record {
        Some(record) => &record.collections,
        None => &entry.last_public_collections,
    };
    let mut specs: Vec<String> = collections.iter().map(|c| sets::set_spec(c)).collect();
    specs.sort();
    specs.dedup();
    for spec in specs {
        out.element("setSpec", &[], &spec);
    }
    out.end("header");
}

fn write_record(out: &mut XmlOut, config: &OaiConfig, entry: &Publication) {
    out.start("record", &[]);
    write_header(out, config, entry);
    if let Some(record) = &entry.record {
        out.start("metadata", &[]);
        let base = config.base_url.trim_end_matches('/');
        dc::write(out, record, &record_url(base, &record.id), base);
        out.end("metadata");
    }
    out.end("record");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> OaiConfig {
        OaiConfig::new("Test", "https://a.example/", "a.example", "x@a.example").unwrap()
    }

    #[test]
    fn oai_identifiers_round_trip_and_only_canonical_ones_name_records() {
        let c = config();
        for id in ["208261", "frus1961-63v06d12", "a b%c#d", "별건곤-1", "x:y"] {
            let oai = c.oai_identifier(id);
            assert!(oai.is_ascii(), "{oai}");
            assert_eq!(c.record_id(&oai).as_deref(), Some(id), "{oai}");
        }
        assert_eq!(c.oai_identifier("a b"), "oai:a.example:a%20b");
        assert_eq!(c.record_id("oai:other.example:208261"), None);
        assert_eq!(c.record_id("oai:a.example:"), None);
        assert_eq!(c.record_id("oai:a.example:%32%30"), None);
        assert_eq!(c.record_id("oai:a.example:%ff"), None);
    }

    #[test]
    fn record_urls_escape_the_identifier_as_one_path_segment() {
        assert_eq!(
            record_url("https://a.example/", "208261"),
            "https://a.example/records/208261"
        );
        assert_eq!(
            record_url("https://a.example", "a b?c#d/e"),
            "https://a.example/records/a%20b%3Fc%23d%2Fe"
        );
    }

    #[test]
    fn bad_configurations_are_refused_with_the_value_at_fault() {
        assert!(matches!(
            OaiConfig::new("T", "ftp://x", "a.example", "x@a.example"),
            Err(OaiConfigError::BaseUrl(_))
        ));
        assert!(matches!(
            OaiConfig::new("T", "http://localhost:8080", "localhost", "x@a.example"),
            Err(OaiConfigError::RepositoryIdentifier(_))
        ));
        assert!(matches!(
            OaiConfig::new("T", "http://localhost:8080", "fonds.local", "nobody"),
            Err(OaiConfigError::AdminEmail(_))
        ));
        assert!(matches!(
            config().with_page_size(0),
            Err(OaiConfigError::PageSize)
        ));
        assert_eq!(config().endpoint(), "https://a.example/oai");
    }
}
