//! OAI-PMH, sitemap and the public dump, through the library's own entry
//! points (`fonds::oai::…`) on a real archive.
//!
//! Each scenario is two tests (see [`oai_test!`]): `NAME::protocol` checks
//! what the responses say, and runs everywhere; `NAME::schemas` also
//! validates every OAI-PMH response with xmllint against
//! `../shared/schemas/oai-pmh-with-oai_dc.xsd` and every sitemap against
//! `tests/schemas/sitemap.xsd`. It needs xmllint, so it is ignored by a
//! plain `cargo test`; `.ci/run` installs xmllint and runs it, and there a
//! missing xmllint fails it.

use super::common::{Backend, FRUS, Fonds, SEED, corpus_archive, demo, staff};
use fonds::archive::{Archive, Config, ImportOptions};
use fonds::model::{Record, Visibility};
use fonds::oai::{self, OaiConfig, sitemap};
use quick_xml::events::Event;
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A copy of `../shared/schemas/` (the OAI and Dublin Core XSDs), so that a
/// fresh clone validates without the shared folder.
const OAI_SCHEMA: &str = "tests/schemas/oai/oai-pmh-with-oai_dc.xsd";
const SITEMAP_SCHEMA: &str = "tests/schemas/sitemap.xsd";
const BASE: &str = "https://archive.example.org";

thread_local! {
    /// Whether this test validates against the schemas (each test runs on
    /// a thread of its own: `#[tokio::test]` runs on the current thread).
    static SCHEMAS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Makes this test validate every document against its schema.
fn with_schemas() {
    SCHEMAS.with(|s| s.set(true));
}

/// A scenario as two tests: `protocol` (what the responses say) and
/// `schemas` (the same, every document also validated; needs xmllint).
macro_rules! oai_test {
    (async fn $name:ident() $body:block) => {
        mod $name {
            use super::*;
            async fn scenario() $body
            #[tokio::test]
            async fn protocol() {
                scenario().await
            }
            #[tokio::test]
            #[ignore = "needs xmllint (.ci/run installs it)"]
            async fn schemas() {
                with_schemas();
                scenario().await
            }
        }
    };
    (fn $name:ident() $body:block) => {
        mod $name {
            use super::*;
            fn scenario() $body
            #[test]
            fn protocol() {
                scenario()
            }
            #[test]
            #[ignore = "needs xmllint (.ci/run installs it)"]
            fn schemas() {
                with_schemas();
                scenario()
            }
        }
    };
}

/// Validates a document with xmllint against a schema (relative to the
/// crate), in a test that checks schemas (see [`with_schemas`]). There it
/// fails, never skips, when xmllint is missing.
fn validate(xml: &str, schema: &str) {
    if !SCHEMAS.with(|s| s.get()) {
        return;
    }
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join(schema);
    assert!(
        schema.exists(),
        "schema {} is missing (the XSDs live in ../shared/schemas and tests/schemas)",
        schema.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.xml");
    std::fs::write(&file, xml).unwrap();
    let out = match Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(&file)
        .output()
    {
        Ok(out) => out,
        Err(e) => panic!(
            "xmllint could not be run ({e}): install libxml2-utils \
             (apt-get install libxml2-utils; .ci/run does this)"
        ),
    };
    assert!(
        out.status.success(),
        "invalid against {}:\n{}\n--- document (first 3000 bytes):\n{}",
        schema.display(),
        String::from_utf8_lossy(&out.stderr),
        &xml[..xml.len().min(3000)]
    );
}

/// What a test reads out of an OAI-PMH response.
#[derive(Debug, Default)]
struct Reply {
    request_attributes: Vec<(String, String)>,
    error: Option<String>,
    /// (identifier, datestamp, deleted, setSpecs, has metadata)
    headers: Vec<Header>,
    token: Option<Token>,
    set_specs: Vec<String>,
    xml: String,
}

#[derive(Debug, Clone, PartialEq)]
struct Header {
    identifier: String,
    datestamp: String,
    deleted: bool,
    sets: Vec<String>,
    metadata: bool,
}

#[derive(Debug, Clone)]
struct Token {
    value: String,
    complete_list_size: u64,
    cursor: u64,
}

fn parse_reply(xml: &str) -> Reply {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut reply = Reply {
        xml: xml.to_string(),
        ..Reply::default()
    };
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    loop {
        let event = reader.read_event().expect("the response is well-formed");
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                text.clear();
                let name = e.name().as_ref().to_string();
                let attributes: Vec<(String, String)> = e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        (
                            a.key.as_ref().to_string(),
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .unwrap()
                                .into_owned(),
                        )
                    })
                    .collect();
                let attr = |k: &str| {
                    attributes
                        .iter()
                        .find(|(key, _)| key == k)
                        .map(|(_, v)| v.clone())
                };
                match name.as_str() {
                    "request" => reply.request_attributes = attributes.clone(),
                    "header" => reply.headers.push(Header {
                        identifier: String::new(),
                        datestamp: String::new(),
                        deleted: attr("status").as_deref() == Some("deleted"),
                        sets: Vec::new(),
                        metadata: false,
                    }),
                    "metadata" => reply.headers.last_mut().unwrap().metadata = true,
                    "resumptionToken" => {
                        reply.token = Some(Token {
                            value: String::new(),
                            complete_list_size: attr("completeListSize").unwrap().parse().unwrap(),
                            cursor: attr("cursor").unwrap().parse().unwrap(),
                        });
                    }
                    "error" => reply.error = attr("code"),
                    _ => {}
                }
                if matches!(event, Event::Start(_)) {
                    path.push(name);
                }
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let name = r.xml10_content();
                text.push_str(match name.as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected reference &{other};"),
                });
            }
            Event::End(_) => {
                let parent = path.get(path.len().wrapping_sub(2)).map(String::as_str);
                let value = std::mem::take(&mut text);
                match (parent, path.last().map(String::as_str)) {
                    (Some("header"), Some("identifier")) => {
                        reply.headers.last_mut().unwrap().identifier = value
                    }
                    (Some("header"), Some("datestamp")) => {
                        reply.headers.last_mut().unwrap().datestamp = value
                    }
                    (Some("header"), Some("setSpec")) => {
                        reply.headers.last_mut().unwrap().sets.push(value)
                    }
                    (Some("set"), Some("setSpec")) => reply.set_specs.push(value),
                    (_, Some("resumptionToken")) => reply.token.as_mut().unwrap().value = value,
                    _ => {}
                }
                path.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    reply
}

/// An archive in a temporary folder, with the provider's configuration.
struct Provider {
    fonds: Fonds,
    archive: Archive,
    config: OaiConfig,
}

impl Provider {
    async fn open(fonds: Fonds, page_size: usize) -> Provider {
        let archive = Archive::open(&Config {
            data_dir: fonds.data(),
            database: fonds.database.as_ref().map(|d| d.url.clone()),
            files: None,
        })
        .await
        .expect("the archive opens");
        let config = OaiConfig::new("fonds test", BASE, "archive.example.org", "oai@example.org")
            .unwrap()
            .with_page_size(page_size)
            .unwrap();
        Provider {
            fonds,
            archive,
            config,
        }
    }

    async fn with(paths: &[PathBuf], page_size: usize) -> Provider {
        Provider::with_on(Backend::Sqlite, paths, page_size).await
    }

    /// The same on a backend of choice.
    async fn with_on(backend: Backend, paths: &[PathBuf], page_size: usize) -> Provider {
        let p = Provider::open(Fonds::on(backend), page_size).await;
        p.archive
            .import(paths, ImportOptions::default(), &())
            .await
            .expect("the import succeeds");
        p
    }

    /// One request, its response validated against the schema.
    async fn oai(&self, params: &[(&str, &str)]) -> Reply {
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let response = oai::respond(&self.archive.public(), &self.config, &params)
            .await
            .expect("the provider answers");
        validate(&response.xml, OAI_SCHEMA);
        parse_reply(&response.xml)
    }

    /// Expects an OAI-PMH error with this code.
    async fn error(&self, params: &[(&str, &str)], code: &str) -> Reply {
        let reply = self.oai(params).await;
        assert_eq!(
            reply.error.as_deref(),
            Some(code),
            "{params:?}:\n{}",
            reply.xml
        );
        assert!(reply.headers.is_empty());
        reply
    }

    /// A whole list, following resumption tokens; checks cursor and size.
    async fn harvest(&self, first: &[(&str, &str)]) -> Vec<Header> {
        self.harvest_on(first, 0).await
    }

    /// The rest of a list from `first`, when `given` entries came before.
    async fn harvest_on(&self, first: &[(&str, &str)], given: u64) -> Vec<Header> {
        let verb = first[0].1;
        let mut reply = self.oai(first).await;
        let mut headers = Vec::new();
        let mut pages = 0;
        loop {
            assert_eq!(reply.error, None, "{}", reply.xml);
            assert!(!reply.headers.is_empty());
            pages += 1;
            let seen = given + headers.len() as u64;
            if let Some(token) = &reply.token {
                assert_eq!(token.cursor, seen, "cursor of page {pages}");
            }
            headers.extend(reply.headers.iter().cloned());
            let seen = given + headers.len() as u64;
            match reply.token {
                Some(t) if !t.value.is_empty() => {
                    assert!(t.complete_list_size >= seen);
                    reply = self
                        .oai(&[("verb", verb), ("resumptionToken", &t.value)])
                        .await;
                }
                Some(t) => {
                    assert_eq!(t.complete_list_size, seen);
                    break;
                }
                None => {
                    assert_eq!(
                        (pages, given),
                        (1, 0),
                        "only a one-page list ends without a token"
                    );
                    break;
                }
            }
        }
        headers
    }

    async fn record(&self, id: &str) -> Record {
        self.archive.reader(&staff()).get(id).await.unwrap().record
    }

    async fn put(&self, records: Vec<Record>) {
        self.archive
            .apply_batch(&records, ImportOptions::default())
            .await
            .expect("the batch applies");
    }

    /// Identifiers of the records public today, from the store itself.
    async fn public_ids(&self) -> BTreeSet<String> {
        let today = oai::datestamp(time::OffsetDateTime::now_utc())[..10].to_string();
        let mut ids = BTreeSet::new();
        self.archive
            .reader(&staff())
            .for_each_record(&[], |r| {
                if r.is_public(&today) {
                    ids.insert(r.id.clone());
                }
                Ok(())
            })
            .await
            .unwrap();
        ids
    }

    fn oai_id(&self, id: &str) -> String {
        self.config.oai_identifier(id)
    }
}

async fn demo_provider(page_size: usize) -> Provider {
    demo_provider_on(Backend::Sqlite, page_size).await
}

async fn demo_provider_on(backend: Backend, page_size: usize) -> Provider {
    Provider::with_on(backend, &[demo(SEED), demo(FRUS)], page_size).await
}

/// Makes some demo records private: two drafts, one embargo still running,
/// one embargo already lifted (which stays public). Returns the hidden ids.
async fn hide_some(p: &Provider) -> Vec<String> {
    let mut changed = Vec::new();
    let mut hidden = Vec::new();
    for (id, visibility) in [
        ("frus1961-63v06d1", Visibility::Draft),
        ("frus1961-63v06d50", Visibility::Draft),
        (
            "frus1961-63v06d51",
            Visibility::Embargoed {
                until: "2999-01-01".into(),
            },
        ),
        (
            "frus1961-63v06d52",
            Visibility::Embargoed {
                until: "2001-01-01".into(),
            },
        ),
    ] {
        let mut r = p.record(id).await;
        r.visibility = visibility;
        if !r.is_public(&oai::datestamp(time::OffsetDateTime::now_utc())[..10]) {
            hidden.push(id.to_string());
        }
        changed.push(r);
    }
    // New records that were never public: absent, not even as deleted.
    for (n, visibility) in [
        (1, Visibility::Draft),
        (
            2,
            Visibility::Embargoed {
                until: "2999-01-01".into(),
            },
        ),
    ] {
        let mut r = p.record("208261").await;
        r.id = format!("private-{n}");
        r.provenance.origin = format!("test:private-{n}");
        r.visibility = visibility;
        hidden.push(r.id.clone());
        changed.push(r);
    }
    p.put(changed).await;
    hidden
}

oai_test! {
async fn every_verb_answers_a_valid_response() {
    let p = demo_provider(25).await;
    let seed = p.oai_id("208261");

    let identify = p.oai(&[("verb", "Identify")]).await;
    for part in [
        "<repositoryName>fonds test</repositoryName>",
        "<baseURL>https://archive.example.org/oai</baseURL>",
        "<protocolVersion>2.0</protocolVersion>",
        "<deletedRecord>persistent</deletedRecord>",
        "<granularity>YYYY-MM-DDThh:mm:ssZ</granularity>",
        "<adminEmail>oai@example.org</adminEmail>",
    ] {
        assert!(identify.xml.contains(part), "{part}\n{}", identify.xml);
    }
    assert_eq!(
        identify.request_attributes,
        [("verb".into(), "Identify".into())]
    );

    for params in [
        &[("verb", "ListMetadataFormats")][..],
        &[("verb", "ListMetadataFormats"), ("identifier", &seed)][..],
    ] {
        let formats = p.oai(params).await;
        assert!(
            formats
                .xml
                .contains("<metadataPrefix>oai_dc</metadataPrefix>")
        );
    }

    let sets = p.oai(&[("verb", "ListSets")]).await;
    assert_eq!(sets.set_specs.len(), 1, "{}", sets.xml);
    let frus_set = sets.set_specs[0].clone();

    let record = p
        .oai(&[
            ("verb", "GetRecord"),
            ("identifier", &seed),
            ("metadataPrefix", "oai_dc"),
        ])
        .await;
    assert_eq!(record.headers.len(), 1);
    assert!(record.headers[0].metadata && !record.headers[0].deleted);
    for part in [
        "<dc:title>Telephone Message via VCh, Kim Il Sung to Generalissimo Iosif Vissarionovich Stalin</dc:title>",
        "<dc:creator>Kim Il Sung</dc:creator>",
        "<dc:contributor>Gary Goldberg</dc:contributor>",
        "<dc:date>1948-09-22</dc:date>",
        "<dc:identifier>https://archive.example.org/records/208261</dc:identifier>",
        "<dc:source>RGASPI, f. 558, op.11, d.109, II.0065-0067</dc:source>",
        "<dc:language>ru</dc:language>",
        "<dc:publisher>Wilson Center Digital Archive</dc:publisher>",
    ] {
        assert!(record.xml.contains(part), "{part}\n{}", record.xml);
    }
    assert_eq!(record.request_attributes.len(), 3);

    let ids = p
        .oai(&[("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc")])
        .await;
    assert_eq!(ids.headers.len(), 25);
    assert!(ids.headers.iter().all(|h| !h.metadata));
    let token = ids.token.unwrap();
    assert_eq!((token.complete_list_size, token.cursor), (121, 0));

    let records = p
        .oai(&[
            ("verb", "ListRecords"),
            ("metadataPrefix", "oai_dc"),
            ("set", &frus_set),
        ])
        .await;
    assert_eq!(records.headers.len(), 25);
    assert!(
        records
            .headers
            .iter()
            .all(|h| h.metadata && h.sets == [frus_set.clone()])
    );
    assert_eq!(records.token.unwrap().complete_list_size, 120);
}
}

oai_test! {
async fn a_full_harvest_gives_every_public_record_exactly_once() {
    full_harvest_on(Backend::Sqlite).await;
}
}

#[tokio::test]
#[ignore = "needs PostgreSQL (FONDS_TEST_DATABASE)"]
async fn a_full_harvest_gives_every_public_record_exactly_once_on_postgres() {
    with_schemas();
    full_harvest_on(Backend::Postgres).await;
}

async fn full_harvest_on(backend: Backend) {
    let p = demo_provider_on(backend, 10).await;
    let hidden = hide_some(&p).await;
    let public = p.public_ids().await;
    assert_eq!(public.len(), 121 - 3, "three demo records were hidden");

    let headers = p
        .harvest(&[("verb", "ListRecords"), ("metadataPrefix", "oai_dc")])
        .await;
    let live: Vec<&Header> = headers.iter().filter(|h| !h.deleted).collect();
    let live_ids: BTreeSet<String> = live.iter().map(|h| h.identifier.clone()).collect();
    assert_eq!(live.len(), live_ids.len(), "an identifier came twice");
    let expected: BTreeSet<String> = public.iter().map(|id| p.oai_id(id)).collect();
    assert_eq!(live_ids, expected);
    assert!(live.iter().all(|h| h.metadata));
    // Hidden demo records were public once: reported deleted, without
    // metadata. Records never public are not there at all.
    let deleted: BTreeSet<String> = headers
        .iter()
        .filter(|h| h.deleted)
        .map(|h| h.identifier.clone())
        .collect();
    let once_public: BTreeSet<String> = hidden
        .iter()
        .filter(|id| !id.starts_with("private-"))
        .map(|id| p.oai_id(id))
        .collect();
    assert_eq!(deleted, once_public);
    assert!(headers.iter().filter(|h| h.deleted).all(|h| !h.metadata));
    for id in hidden.iter().filter(|id| id.starts_with("private-")) {
        assert!(
            !p.oai(&[("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc")])
                .await
                .xml
                .contains(id.as_str())
        );
        p.error(
            &[
                ("verb", "GetRecord"),
                ("identifier", &p.oai_id(id)),
                ("metadataPrefix", "oai_dc"),
            ],
            "idDoesNotExist",
        )
        .await;
    }
    // Datestamps ascend through the harvest.
    assert!(headers.windows(2).all(|w| w[0].datestamp <= w[1].datestamp));

    // A set harvest through tokens: the FRUS volume's records, public ones
    // and deletions alike. A deleted entry is in the sets of its last public
    // revision (the hidden FRUS documents were public in the volume), with
    // their setSpecs; records never public are in no set.
    let sets = p.oai(&[("verb", "ListSets")]).await;
    let frus_set = sets.set_specs[0].clone();
    let in_set = p
        .harvest(&[
            ("verb", "ListIdentifiers"),
            ("metadataPrefix", "oai_dc"),
            ("set", &frus_set),
        ])
        .await;
    let live_in_set: BTreeSet<String> = in_set
        .iter()
        .filter(|h| !h.deleted)
        .map(|h| h.identifier.clone())
        .collect();
    let mut frus = expected.clone();
    frus.remove(&p.oai_id("208261"));
    assert_eq!(live_in_set, frus);
    let deleted_in_set: BTreeSet<String> = in_set
        .iter()
        .filter(|h| h.deleted)
        .map(|h| h.identifier.clone())
        .collect();
    assert_eq!(deleted_in_set, once_public, "the set's deletions");
    assert!(
        in_set
            .iter()
            .filter(|h| h.deleted)
            .all(|h| h.sets == [frus_set.clone()]),
        "a deleted header carries its last public revision's setSpecs"
    );
    assert_eq!(in_set.len(), frus.len() + once_public.len());

    // ListIdentifiers gives the same list.
    let idents = p
        .harvest(&[("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc")])
        .await;
    let a: Vec<_> = headers.iter().map(|h| (&h.identifier, h.deleted)).collect();
    let b: Vec<_> = idents.iter().map(|h| (&h.identifier, h.deleted)).collect();
    assert_eq!(a, b);
}

oai_test! {
async fn every_error_code_where_due() {
    let p = demo_provider(10).await;
    hide_some(&p).await;
    let seed = p.oai_id("208261");
    let bad_verb = [
        &[][..],
        &[("verb", "Frobnicate")][..],
        &[("verb", "Identify"), ("verb", "Identify")][..],
    ];
    for params in bad_verb {
        let r = p.error(params, "badVerb").await;
        assert!(r.request_attributes.is_empty(), "no echo after badVerb");
    }
    let bad_argument = [
        &[("verb", "Identify"), ("identifier", &seed)][..],
        &[("verb", "GetRecord"), ("identifier", &seed)][..],
        &[("verb", "ListRecords")][..],
        &[
            ("verb", "ListRecords"),
            ("metadataPrefix", "oai_dc"),
            ("metadataPrefix", "oai_dc"),
        ][..],
        &[
            ("verb", "ListRecords"),
            ("metadataPrefix", "oai_dc"),
            ("from", "2024-13-01"),
        ][..],
        &[
            ("verb", "ListRecords"),
            ("metadataPrefix", "oai_dc"),
            ("from", "2024-01-01"),
            ("until", "2024-02-01T00:00:00Z"),
        ][..],
        &[
            ("verb", "ListRecords"),
            ("metadataPrefix", "oai_dc"),
            ("resumptionToken", "x"),
        ][..],
        &[("verb", "ListSets"), ("set", "x")][..],
    ];
    for params in bad_argument {
        let r = p.error(params, "badArgument").await;
        assert!(r.request_attributes.is_empty(), "no echo after badArgument");
    }
    p.error(
        &[("verb", "ListRecords"), ("metadataPrefix", "marc21")],
        "cannotDisseminateFormat",
    )
    .await;
    let r = p
        .error(
            &[
                ("verb", "GetRecord"),
                ("identifier", &seed),
                ("metadataPrefix", "mods"),
            ],
            "cannotDisseminateFormat",
        )
        .await;
    assert_eq!(r.request_attributes.len(), 3, "the arguments are echoed");
    for identifier in [
        "oai:archive.example.org:no-such-record",
        "oai:elsewhere.example.org:208261",
        "208261",
        "oai:archive.example.org:private-1",
        "oai:archive.example.org:a b<c>&d",
    ] {
        p.error(
            &[
                ("verb", "GetRecord"),
                ("identifier", identifier),
                ("metadataPrefix", "oai_dc"),
            ],
            "idDoesNotExist",
        )
        .await;
        p.error(
            &[("verb", "ListMetadataFormats"), ("identifier", identifier)],
            "idDoesNotExist",
        )
        .await;
    }
    p.error(
        &[
            ("verb", "ListMetadataFormats"),
            ("identifier", &p.oai_id("frus1961-63v06d1")),
        ],
        "noMetadataFormats",
    )
    .await;
    let first = p
        .oai(&[("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc")])
        .await;
    let token = first.token.unwrap().value;
    for (verb, token) in [
        ("ListRecords", "garbage"),
        ("ListRecords", token.as_str()),
        ("ListIdentifiers", &token[..token.len() - 4]),
        ("ListSets", "anything"),
    ] {
        p.error(
            &[("verb", verb), ("resumptionToken", token)],
            "badResumptionToken",
        )
        .await;
    }
    for params in [
        &[
            ("verb", "ListRecords"),
            ("metadataPrefix", "oai_dc"),
            ("from", "2999-01-01"),
        ][..],
        &[
            ("verb", "ListIdentifiers"),
            ("metadataPrefix", "oai_dc"),
            ("until", "2000-01-01T00:00:00Z"),
        ][..],
        &[
            ("verb", "ListRecords"),
            ("metadataPrefix", "oai_dc"),
            ("set", "no-such-set"),
        ][..],
    ] {
        p.error(params, "noRecordsMatch").await;
    }
    // An archive whose public records belong to no collection has no sets.
    let seed_only = Provider::with(&[demo(SEED)], 10).await;
    seed_only
        .error(&[("verb", "ListSets")], "noSetHierarchy")
        .await;
    seed_only
        .error(
            &[
                ("verb", "ListIdentifiers"),
                ("metadataPrefix", "oai_dc"),
                ("set", "frus"),
            ],
            "noSetHierarchy",
        )
        .await;
}
}

oai_test! {
async fn from_and_until_select_by_datestamp_in_both_granularities() {
    let p = demo_provider(200).await;
    let all = p
        .oai(&[("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc")])
        .await;
    assert_eq!(all.headers.len(), 121);
    let stamp = all.headers[0].datestamp.clone();
    let day = &stamp[..10];
    for (from, until) in [(day, day), (stamp.as_str(), stamp.as_str())] {
        let r = p
            .oai(&[
                ("verb", "ListIdentifiers"),
                ("metadataPrefix", "oai_dc"),
                ("from", from),
                ("until", until),
            ])
            .await;
        assert!(!r.headers.is_empty(), "{}", r.xml);
        assert!(r.headers.iter().all(|h| h.datestamp.starts_with(day)));
        assert_eq!(
            r.request_attributes
                .iter()
                .find(|(k, _)| k == "from")
                .unwrap()
                .1,
            from
        );
    }
}
}

oai_test! {
async fn resumption_tokens_survive_reopening_the_archive() {
    let p = demo_provider(50).await;
    let first = p
        .oai(&[("verb", "ListRecords"), ("metadataPrefix", "oai_dc")])
        .await;
    let token = first.token.clone().unwrap().value;
    let Provider {
        fonds,
        archive,
        config: _,
    } = p;
    drop(archive);
    let p = Provider::open(fonds, 50).await;
    let rest = p
        .harvest_on(&[("verb", "ListRecords"), ("resumptionToken", &token)], 50)
        .await;
    let seen: Vec<&String> = first
        .headers
        .iter()
        .chain(&rest)
        .map(|h| &h.identifier)
        .collect();
    let unique: BTreeSet<&&String> = seen.iter().collect();
    assert_eq!((seen.len(), unique.len()), (121, 121));
}
}

oai_test! {
async fn a_published_record_made_draft_is_reported_deleted() {
    made_draft_on(Backend::Sqlite).await;
}
}

#[tokio::test]
#[ignore = "needs PostgreSQL (FONDS_TEST_DATABASE)"]
async fn a_published_record_made_draft_is_reported_deleted_on_postgres() {
    with_schemas();
    made_draft_on(Backend::Postgres).await;
}

async fn made_draft_on(backend: Backend) {
    let p = Provider::with_on(backend, &[demo(SEED)], 10).await;
    let seed = p.oai_id("208261");
    let get = [
        ("verb", "GetRecord"),
        ("identifier", seed.as_str()),
        ("metadataPrefix", "oai_dc"),
    ];
    let before = p.oai(&get).await;
    assert!(before.headers[0].metadata && !before.headers[0].deleted);

    let mut r = p.record("208261").await;
    r.visibility = Visibility::Draft;
    p.put(vec![r]).await;
    let written = p
        .archive
        .reader(&staff())
        .get("208261")
        .await
        .unwrap()
        .updated_at
        .to_string();

    let after = p.oai(&get).await;
    let header = &after.headers[0];
    assert!(header.deleted && !header.metadata, "{}", after.xml);
    assert_eq!(header.datestamp, written, "dated by the change that hid it");
    assert!(
        !after.xml.contains("Kim Il Sung"),
        "a draft's metadata leaks"
    );
    let since = p
        .oai(&[
            ("verb", "ListRecords"),
            ("metadataPrefix", "oai_dc"),
            ("from", &written),
        ])
        .await;
    assert_eq!(since.headers.len(), 1);
    assert!(since.headers[0].deleted);
    // Identify still dates the repository from the earliest entry.
    let identify = p.oai(&[("verb", "Identify")]).await;
    assert!(
        identify
            .xml
            .contains(&format!("<earliestDatestamp>{written}"))
    );

    // Published again: back, with metadata and a new datestamp.
    let mut r = p.record("208261").await;
    r.visibility = Visibility::Published;
    p.put(vec![r]).await;
    let again = p.oai(&get).await;
    assert!(again.headers[0].metadata && !again.headers[0].deleted);
}

oai_test! {
async fn the_sitemap_lists_the_public_record_pages() {
    let p = demo_provider(10).await;
    let hidden = hide_some(&p).await;
    let xml = sitemap::sitemap_xml(&p.archive.public(), BASE).await.unwrap();
    validate(&xml, SITEMAP_SCHEMA);
    assert!(xml.contains("<loc>https://archive.example.org/records/208261</loc>"));
    assert_eq!(xml.matches("<url>").count(), p.public_ids().await.len());
    for id in &hidden {
        assert!(
            !xml.contains(&format!("/records/{id}<")),
            "{id} is not public"
        );
    }
    let stamp = p.archive.reader(&staff()).get("208261").await.unwrap().updated_at;
    assert!(xml.contains(&format!(
        "<loc>https://archive.example.org/records/208261</loc><lastmod>{stamp}</lastmod>"
    )));
    // Everything fits in /sitemap.xml: there are no numbered pages.
    assert_eq!(
        sitemap::sitemap_page(&p.archive.public(), BASE, 1)
            .await
            .unwrap(),
        None
    );
}
}

oai_test! {
fn past_fifty_thousand_urls_the_sitemap_index_and_its_pages_are_valid() {
    let urls: Vec<sitemap::SitemapEntry> = (0..sitemap::URLS_PER_SITEMAP + 1)
        .map(|i| sitemap::SitemapEntry {
            loc: oai::record_url(BASE, &format!("r {i}")),
            lastmod: "2026-01-01T00:00:00Z".into(),
        })
        .collect();
    let files = sitemap::build(BASE, &urls);
    validate(&files.root, SITEMAP_SCHEMA);
    assert!(files.root.contains("<sitemapindex"));
    assert_eq!(files.pages.len(), 2);
    for page in &files.pages {
        validate(page, SITEMAP_SCHEMA);
    }
    assert!(files.pages[1].contains("/records/r%2050000</loc>"));
}
}

#[tokio::test]
async fn the_public_dump_is_the_export_without_the_private_records() {
    let f = Fonds::new();
    f.import(&[&demo(SEED), &demo(FRUS)]);
    let p = Provider::open(f, 10).await;
    hide_some(&p).await;
    let mut gz = Vec::new();
    let written = oai::dump::write_public_dump(&p.archive.public(), &mut gz)
        .await
        .unwrap();
    let Provider { fonds, archive, .. } = p;
    drop(archive);

    let mut dump = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut dump)
        .unwrap();
    // `fonds export` writes every record; keep the public ones.
    let export = fonds.dump();
    let today = oai::datestamp(time::OffsetDateTime::now_utc())[..10].to_string();
    let public: Vec<&str> = export
        .lines()
        .skip(1)
        .filter(|line| {
            let record: Record = serde_json::from_str(line).unwrap();
            record.is_public(&today)
        })
        .collect();
    assert_eq!(
        export.lines().count() - 1,
        121 + 2,
        "the export has them all"
    );
    assert_eq!(public.len(), 121 - 3);
    assert_eq!(written, public.len() as u64);
    let expected = format!(
        "{{\"fonds_dump\":1,\"records\":{}}}\n{}\n",
        public.len(),
        public.join("\n")
    );
    assert!(
        dump == expected,
        "the public dump differs from the filtered export"
    );
    // And it imports as a dump.
    let g = Fonds::new();
    let file = g.path("public.jsonl");
    std::fs::write(&file, &dump).unwrap();
    let out = g.import(&[&file]);
    assert!(out.contains(&format!("{} new", public.len())), "{out}");
}

/// A record like the seed's under another identifier, in these collections,
/// with this visibility.
async fn variant(p: &Provider, id: &str, collections: &[&str], visibility: Visibility) -> Record {
    let mut r = p.record("208261").await;
    r.id = id.into();
    r.provenance.origin = format!("test:{id}");
    r.collections = collections.iter().map(|c| c.to_string()).collect();
    r.visibility = visibility;
    r
}

/// Records public in "Collection A", then given a draft revision in another
/// collection, then withdrawn: `moved-to-b` to "Secret B" (never a public
/// collection), `moved-to-c` to "Collection C" (public through `in-c`),
/// `withdrawn-in-a` staying in A. `kept-in-a` stays public in A.
async fn withdrawn_after_moving() -> Provider {
    withdrawn_after_moving_on(Backend::Sqlite).await
}

/// The same on a backend of choice.
async fn withdrawn_after_moving_on(backend: Backend) -> Provider {
    let p = Provider::with_on(backend, &[demo(SEED)], 10).await;
    let a = "Collection A";
    let mut first = Vec::new();
    for id in ["kept-in-a", "moved-to-b", "moved-to-c", "withdrawn-in-a"] {
        first.push(variant(&p, id, &[a], Visibility::Published).await);
    }
    first.push(variant(&p, "in-c", &["Collection C"], Visibility::Published).await);
    p.put(first).await;
    for (id, to) in [
        ("moved-to-b", "Secret B"),
        ("moved-to-c", "Collection C"),
        ("withdrawn-in-a", a),
    ] {
        let mut r = p.record(id).await;
        r.collections = vec![to.into()];
        r.visibility = Visibility::Draft;
        p.put(vec![r.clone()]).await;
        r.visibility = Visibility::Withdrawn;
        p.put(vec![r]).await;
    }
    p
}

/// The (identifier, deleted) pairs of a list.
fn listed(p: &Provider, reply: &Reply) -> Vec<(String, bool)> {
    let prefix = p.oai_id("");
    reply
        .headers
        .iter()
        .map(|h| (h.identifier.replacen(&prefix, "", 1), h.deleted))
        .collect()
}

/// The first page of a `ListIdentifiers` of one set.
async fn in_set(p: &Provider, set: &str) -> Reply {
    p.oai(&[
        ("verb", "ListIdentifiers"),
        ("metadataPrefix", "oai_dc"),
        ("set", set),
    ])
    .await
}

oai_test! {
async fn a_deleted_record_is_in_the_sets_of_its_last_public_revision() {
    deleted_in_last_public_sets_on(Backend::Sqlite).await;
}
}

#[tokio::test]
#[ignore = "needs PostgreSQL (FONDS_TEST_DATABASE)"]
async fn a_deleted_record_is_in_the_sets_of_its_last_public_revision_on_postgres() {
    with_schemas();
    deleted_in_last_public_sets_on(Backend::Postgres).await;
}

/// The rule: a deleted entry is in the sets of its last public revision and
/// carries their setSpecs, never those of its current (non-public) one.
async fn deleted_in_last_public_sets_on(backend: Backend) {
    let p = withdrawn_after_moving_on(backend).await;
    let sets = p.oai(&[("verb", "ListSets")]).await;
    for (spec, offered) in [
        ("collection-a", true),
        ("collection-c", true),
        ("secret-b", false),
    ] {
        let specs = &sets.set_specs;
        assert_eq!(specs.contains(&spec.into()), offered, "{}", sets.xml);
    }
    let a_spec = ["collection-a".to_string()];
    // Set A: the public record, and the three deletions that were public in
    // A, whatever collection their drafts named.
    let a = in_set(&p, "collection-a").await;
    let got: BTreeSet<(String, bool)> = listed(&p, &a).into_iter().collect();
    let want = BTreeSet::from(
        [
            ("kept-in-a", false),
            ("moved-to-b", true),
            ("moved-to-c", true),
            ("withdrawn-in-a", true),
        ]
        .map(|(id, deleted)| (id.to_string(), deleted)),
    );
    assert_eq!(got, want, "{}", a.xml);
    assert!(a.headers.iter().all(|h| h.sets == a_spec), "{}", a.xml);
    // Set C: only its public record; `moved-to-c` was never public in C.
    let c = in_set(&p, "collection-c").await;
    assert_eq!(listed(&p, &c), [("in-c".to_string(), false)], "{}", c.xml);
    // B was only ever a draft's collection: no set, nothing in it.
    p.error(
        &[
            ("verb", "ListIdentifiers"),
            ("metadataPrefix", "oai_dc"),
            ("set", "secret-b"),
        ],
        "noRecordsMatch",
    )
    .await;
    // Unrestricted: all three listed deleted, each with set A only.
    let all = p
        .oai(&[("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc")])
        .await;
    let deleted: BTreeSet<String> = listed(&p, &all)
        .into_iter()
        .filter(|(_, deleted)| *deleted)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        deleted,
        BTreeSet::from(["moved-to-b", "moved-to-c", "withdrawn-in-a"].map(String::from))
    );
    let deleted_headers = all.headers.iter().filter(|h| h.deleted);
    assert!(
        deleted_headers.clone().all(|h| h.sets == a_spec),
        "{}",
        all.xml
    );
    assert_eq!(deleted_headers.count(), 3);
    assert!(!all.xml.contains("secret-b"), "{}", all.xml);
    // One record asked for by its identifier says the same.
    let one = p
        .oai(&[
            ("verb", "GetRecord"),
            ("identifier", &p.oai_id("moved-to-b")),
            ("metadataPrefix", "oai_dc"),
        ])
        .await;
    assert!(one.headers[0].deleted, "{}", one.xml);
    assert_eq!(one.headers[0].sets, a_spec, "{}", one.xml);
    assert!(!one.xml.contains("secret-b") && !one.xml.contains("Secret B"));

    // Published again in B, B becomes a set; withdrawn again, the record
    // stays in B (its last public revision's), no longer in A.
    let mut r = p.record("moved-to-b").await;
    r.visibility = Visibility::Published;
    p.put(vec![r.clone()]).await;
    r.visibility = Visibility::Draft;
    r.collections = vec!["Collection C".into()];
    p.put(vec![r]).await;
    let b = in_set(&p, "secret-b").await;
    assert_eq!(
        listed(&p, &b),
        [("moved-to-b".to_string(), true)],
        "{}",
        b.xml
    );
    assert_eq!(b.headers[0].sets, ["secret-b".to_string()]);
    let a = in_set(&p, "collection-a").await;
    assert!(
        !listed(&p, &a).iter().any(|(id, _)| id == "moved-to-b"),
        "{}",
        a.xml
    );
    let c = in_set(&p, "collection-c").await;
    assert!(
        !listed(&p, &c).iter().any(|(id, _)| id == "moved-to-b"),
        "{}",
        c.xml
    );
}

#[tokio::test]
async fn an_upgraded_store_keeps_deleted_records_in_their_last_public_sets() {
    upgraded_on(Backend::Sqlite).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL (FONDS_TEST_DATABASE)"]
async fn an_upgraded_store_keeps_deleted_records_in_their_last_public_sets_on_postgres() {
    upgraded_on(Backend::Postgres).await;
}

/// A store from before the last public collections were kept (its table
/// dropped, its schema version set back) is backfilled from the revisions
/// on opening, and set harvests answer as before. `lifted` is made to look
/// written long ago under an embargo that ended before its draft replaced
/// it: the backfill finds it was public in A.
async fn upgraded_on(backend: Backend) {
    use sqlx::Connection;
    let p = withdrawn_after_moving_on(backend).await;
    let embargo = Visibility::Embargoed {
        until: "2999-01-01".into(),
    };
    let lifted = variant(&p, "lifted", &["Collection A"], embargo).await;
    p.put(vec![lifted]).await;
    let mut draft = p.record("lifted").await;
    draft.visibility = Visibility::Draft;
    draft.collections = vec!["Secret B".into()];
    p.put(vec![draft]).await;
    let harvest = async |p: &Provider| {
        let mut seen = Vec::new();
        for set in ["collection-a", "collection-c", "secret-b"] {
            let reply = in_set(p, set).await;
            seen.push((set, reply.error.clone(), reply.headers.clone()));
        }
        let sets = p.oai(&[("verb", "ListSets")]).await.set_specs;
        (seen, sets)
    };
    let before = harvest(&p).await;
    let a = &before.0[0].2;
    assert_eq!(a.iter().filter(|h| h.deleted).count(), 3, "{a:?}");
    let Provider {
        fonds,
        archive,
        config,
    } = p;
    archive.close().await;
    // Version 7 on SQLite, 6 on PostgreSQL, took them in (and the next
    // added the hashes of files beside bodies).
    let steps = |last_version: u32| {
        [
            "DROP TABLE public_collections".to_string(),
            "ALTER TABLE revisions DROP COLUMN files".to_string(),
            format!("DELETE FROM fonds_schema WHERE version > {last_version}"),
            "UPDATE revisions SET recorded_at = '2019-06-01T00:00:00Z',
                 body = replace(body, '2999-01-01', '2020-01-01')
             WHERE record_id = 'lifted' AND revision = 1"
                .to_string(),
            "UPDATE records SET was_public = 1 WHERE id = 'lifted'".to_string(),
        ]
    };
    match &fonds.database {
        None => {
            let file = fonds.data().join("fonds.sqlite3");
            super::common::sqlite_bodies_as_text(&file).await;
            let url = format!("sqlite://{}", file.display());
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            for step in steps(6) {
                sqlx::raw_sql(sqlx::AssertSqlSafe(step))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
            conn.close().await.unwrap();
        }
        Some(db) => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            for step in steps(5) {
                sqlx::raw_sql(sqlx::AssertSqlSafe(step))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
            conn.close().await.unwrap();
        }
    }
    let mut p = Provider::open(fonds, 10).await;
    p.config = config;
    let (mut after, sets) = harvest(&p).await;
    assert_eq!(sets, before.1);
    // In A, `lifted` is now listed deleted, in A only; the rest as before.
    let a = &mut after[0].2;
    let at = a.iter().position(|h| h.identifier == p.oai_id("lifted"));
    let lifted = a.remove(at.expect("lifted is in set A"));
    assert!(
        lifted.deleted && lifted.sets == ["collection-a"],
        "{lifted:?}"
    );
    assert_eq!(after, before.0);
}

oai_test! {
async fn a_forged_resumption_token_reveals_nothing_a_fresh_request_would_not() {
    use base64::Engine;
    let p = withdrawn_after_moving().await;
    // Well-formed tokens this repository never issued, naming the
    // collection only a draft is in.
    let forge = |set: &str, collections: &[&str]| {
        let wire = serde_json::json!({
            "v": 1, "verb": "ListIdentifiers", "prefix": "oai_dc",
            "set": set, "collections": collections,
            "ds": "1970-01-01T00:00:00Z", "id": "0", "n": 1, "total": 1,
        });
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(wire.to_string())
    };
    for (set, collections) in [
        ("secret-b", &["Secret B"][..]),
        ("collection-a", &["Secret B"][..]),
        ("collection-a", &["Collection A", "Secret B"][..]),
        ("collection-c", &["Secret B"][..]),
    ] {
        let token = forge(set, collections);
        let reply = p
            .oai(&[("verb", "ListIdentifiers"), ("resumptionToken", &token)])
            .await;
        // `moved-to-b` is deleted in A (where it was public), never in B,
        // where only its draft is.
        assert!(
            !reply.xml.contains("secret-b")
                && (set != "secret-b" || !reply.xml.contains("moved-to-b")),
            "{set} {collections:?}: a draft's collection shows\n{}",
            reply.xml
        );
        // Whatever it gives, a fresh request with its arguments gives.
        let fresh = listed(&p, &in_set(&p, set).await);
        for entry in listed(&p, &reply) {
            let why = format!("{set} {collections:?}: {entry:?}\n{}", reply.xml);
            assert!(fresh.contains(&entry), "{why}");
        }
        if reply.headers.is_empty() {
            assert!(
                matches!(
                    reply.error.as_deref(),
                    Some("badResumptionToken" | "noRecordsMatch")
                ),
                "{}",
                reply.xml
            );
        }
    }
}
}

/// The four shared sets, harvested whole through resumption tokens.
#[tokio::test]
#[ignore = "needs ../shared/corpus"]
async fn the_shared_corpus_harvests_whole() {
    with_schemas();
    let p = Provider::open(corpus_archive(), oai::DEFAULT_PAGE_SIZE).await;
    let started = std::time::Instant::now();
    let headers = p
        .harvest(&[("verb", "ListRecords"), ("metadataPrefix", "oai_dc")])
        .await;
    eprintln!(
        "harvested {} records in {:.2?} (with xmllint on every page)",
        headers.len(),
        started.elapsed()
    );
    let ids: BTreeSet<&String> = headers.iter().map(|h| &h.identifier).collect();
    assert_eq!(headers.len(), 2822 + 1010 + 121);
    assert_eq!(ids.len(), headers.len());
    assert!(headers.iter().all(|h| h.metadata && !h.deleted));
    let sets = p.oai(&[("verb", "ListSets")]).await;
    assert_eq!(sets.set_specs.len(), 3, "{}", sets.xml);
    assert!(sets.set_specs.contains(&"pyolgon-gon".to_string()));
}
