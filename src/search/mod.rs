//! Full-text search: an embedded tantivy index beside the store.
//!
//! One index document per record. Text versions go into fields by analyzer
//! language (see [`analysis`]), so each language is stemmed its own way; a
//! stored map says which value is which version, so a hit can say which
//! version matched. Names go into their own boosted fields, widened
//! with every form the [`names::NameAuthority`] and the record itself know.
//! Facets (year, decade, language, type, creator, collection, repository)
//! are one hierarchical facet field, counted exactly over all matches.
//!
//! Invariants:
//! - The index records, in its commit payload, the last store change it has
//!   applied; [`crate::archive`] replays the store's change log from there on
//!   every start, so a crash between store and index commits loses nothing.
//! - The index format has a version ([`INDEX_FORMAT`]); an index of another
//!   version is rebuilt from the store, never read.
//! - Snippets are HTML: `<mark>` around matches, everything else escaped.
//! - Public searches never see records that are not public.

pub mod analysis;
mod directory;
mod facets;
mod filter;
pub mod names;
pub mod query;
mod snippet;

use crate::model::{Record, TextKind, Visibility};
use names::NameAuthority;
use query::{Node, QueryError, QueryField, day_bounds, day_number};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, Occur, PhraseQuery, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term};

/// Version of the index layout and analysis. Bump it when either changes:
/// indexes of other versions are rebuilt from the store.
pub const INDEX_FORMAT: u32 = 5;

/// Search failures.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The query could not be understood.
    #[error("bad query: {0}")]
    BadQuery(#[from] QueryError),
    /// The index failed.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The index folder could not be used.
    #[error("search index folder: {0}")]
    Io(#[from] std::io::Error),
}

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Sort {
    /// Best match first.
    #[default]
    Relevance,
    /// Oldest first.
    Date,
    /// Newest first.
    DateDesc,
}

/// A search.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The query, in the language of [`query`].
    pub query: String,
    /// Hits to return.
    pub limit: usize,
    /// Hits to skip.
    pub offset: usize,
    /// Order.
    pub sort: Sort,
    /// Only records the public may see (as of `today`).
    pub public_only: bool,
    /// Today, `YYYY-MM-DD`, for embargoes.
    pub today: String,
    /// Values listed per facet.
    pub facet_limit: usize,
    /// Facet values every hit must have: (dimension from [`FACETS`], value).
    /// They narrow exactly as the facet counts count.
    pub filters: Vec<(String, String)>,
}

impl SearchRequest {
    /// A relevance search for the first `limit` hits, public records only.
    pub fn new(query: &str, limit: usize) -> SearchRequest {
        SearchRequest {
            query: query.to_string(),
            limit,
            offset: 0,
            sort: Sort::Relevance,
            public_only: true,
            today: crate::clock::today().to_string(),
            facet_limit: 50,
            filters: Vec::new(),
        }
    }
}

/// Which version of a record a hit matched in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Matched {
    /// `original`, `transcription`, `translation`, or `metadata` (title,
    /// names, summary).
    pub kind: String,
    /// The version's language, for text versions.
    pub language: Option<String>,
}

/// One hit.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Hit {
    /// Record identifier.
    pub id: String,
    /// Title.
    pub title: String,
    /// EDTF date, if any.
    pub date: Option<String>,
    /// Relevance score (0 when sorted by date).
    pub score: f32,
    /// HTML: `<mark>` around matches, the rest escaped.
    pub snippet: String,
    /// Where it matched.
    pub matched: Matched,
}

/// A facet value and how many matching records have it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FacetCount {
    /// The value.
    pub value: String,
    /// Exact number of matching records.
    pub count: u64,
}

/// What a search found.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    /// Exact number of matching records.
    pub total: usize,
    /// The requested page of hits.
    pub hits: Vec<Hit>,
    /// Facet dimension → values with counts.
    pub facets: BTreeMap<String, Vec<FacetCount>>,
}

/// Facet dimensions, in display order.
pub const FACETS: [&str; 7] = [
    "year",
    "decade",
    "language",
    "type",
    "creator",
    "collection",
    "repository",
];

/// The decade facet value of a year (`1948` → `1940`).
fn decade(year: i64) -> String {
    format!("{:04}", year.div_euclid(10) * 10)
}

/// The facet dimensions counted from the index; the decade is summed from
/// the years (a record's decade is its year's), which saves a column read
/// per match.
fn counted_facets() -> impl Iterator<Item = &'static str> {
    FACETS.into_iter().filter(|d| *d != "decade")
}

/// The facet values of a record: what the index counts, and what a test
/// counts over the store. A record counts in the year (and decade) its date
/// starts in.
pub fn facet_values(record: &Record) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some((Some(lo), _)) = record.date.as_ref().map(|d| d.bounds()) {
        out.push(("year", format!("{:04}", lo.year)));
        out.push(("decade", decade(lo.year)));
    }
    if let Some(l) = &record.original_language {
        out.push(("language", l.clone()));
    }
    if let Some(t) = &record.doc_type {
        out.push(("type", t.clone()));
    }
    for c in &record.creators {
        out.push(("creator", c.name.clone()));
    }
    for c in &record.collections {
        out.push(("collection", c.clone()));
    }
    let repository = record
        .archival_reference
        .as_ref()
        .and_then(|a| a.repository.clone())
        .or_else(|| record.holding_archive.clone());
    if let Some(r) = repository {
        out.push(("repository", r));
    }
    out.sort();
    out.dedup();
    out
}

/// Body fields: (name, analyzer). Every text version goes into the field
/// of its language's analyzer, in record order; the stored `versions` field
/// says which value is which version.
const BODY_FIELDS: [(&str, &str); 5] = [
    ("body_en", "en"),
    ("body_de", "de"),
    ("body_ru", "ru"),
    ("body_zh", "zh"),
    ("body_xx", "xx"),
];

#[derive(Clone)]
struct Fields {
    id: Field,
    title: Field,
    meta: Field,
    names: Field,
    creator: Field,
    doc_type: Field,
    language: Field,
    collection: Field,
    repository: Field,
    bodies: Vec<Field>,
    versions: Field,
    date_lo: Field,
    date_hi: Field,
    edtf: Field,
    facets: Vec<Field>,
    visibility: Field,
    embargo: Field,
}

fn text(analyzer: &str, stored: bool) -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(&analysis::tokenizer_name(analyzer))
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let options = TextOptions::default().set_indexing_options(indexing);
    if stored {
        options.set_stored()
    } else {
        options
    }
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        title: b.add_text_field("title", text("en", true)),
        meta: b.add_text_field("meta", text("en", false)),
        names: b.add_text_field("names", text("xx", false)),
        creator: b.add_text_field("creator", text("xx", false)),
        doc_type: b.add_text_field("type", text("xx", false)),
        language: b.add_text_field("language", STRING),
        collection: b.add_text_field("collection", text("xx", false)),
        repository: b.add_text_field("repository", text("xx", false)),
        bodies: BODY_FIELDS
            .iter()
            .map(|(name, analyzer)| b.add_text_field(name, text(analyzer, true)))
            .collect(),
        versions: b.add_text_field("versions", STORED),
        date_lo: b.add_i64_field("date_lo", INDEXED | FAST),
        date_hi: b.add_i64_field("date_hi", INDEXED | FAST),
        edtf: b.add_text_field("edtf", STORED),
        // Every dimension filters through its field; the counted ones are
        // also columns (see `counted_facets`).
        facets: FACETS
            .iter()
            .map(|dim| {
                let options = if *dim == "decade" {
                    STRING
                } else {
                    STRING | FAST
                };
                b.add_text_field(&format!("facet_{dim}"), options)
            })
            .collect(),
        visibility: b.add_text_field("visibility", STRING),
        embargo: b.add_i64_field("embargo", INDEXED | FAST),
    };
    (b.build(), fields)
}

/// The embedded search index.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    /// Facet ordinals per segment, kept warm by the reader.
    facets: Arc<facets::FacetCache>,
    writer: Mutex<Option<IndexWriter>>,
    fields: Fields,
    authority: NameAuthority,
    /// Built once, as documents are analysed (for snippets).
    analyzers: Vec<(&'static str, TextAnalyzer)>,
    /// Built once, as queries are analysed; each search's query compiler
    /// gets a copy.
    query_analyzers: Vec<(&'static str, TextAnalyzer)>,
}

const FORMAT_FILE: &str = "fonds-index-format";

impl SearchIndex {
    /// Opens the index in `dir`, creating it (or recreating it, if it is of
    /// another format) as needed. A new index has applied no change.
    pub fn open(dir: &Path, authority: NameAuthority) -> Result<SearchIndex, SearchError> {
        let format_file = dir.join(FORMAT_FILE);
        let current = std::fs::read_to_string(&format_file).ok();
        // Stale: of another format, or an index without its format file.
        // A folder another process is just creating (format file written
        // first, index after) is not stale: two processes may open a new
        // data folder at once.
        let stale = match current.as_deref().map(str::trim) {
            Some(format) => format != INDEX_FORMAT.to_string(),
            None => dir.join("meta.json").exists(),
        };
        if stale {
            match std::fs::remove_dir_all(dir) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        std::fs::create_dir_all(dir)?;
        if current.is_none() || stale {
            // Whole or not at all: a reader must never see it half written.
            let tmp = dir.join(format!("{FORMAT_FILE}.{}", std::process::id()));
            std::fs::write(&tmp, INDEX_FORMAT.to_string())?;
            std::fs::rename(&tmp, &format_file)?;
        }
        let (schema, fields) = schema();
        let directory = directory::IndexDirectory::open(dir)?;
        let settings = tantivy::IndexSettings {
            // Not compressed: a hit's text is read for its snippet without
            // decompressing a block first (half a hit's read time), for
            // about 40 % more bytes in the store file.
            docstore_compression: tantivy::store::Compressor::None,
            ..Default::default()
        };
        let index = Index::builder()
            .schema(schema)
            .settings(settings)
            .open_or_create(directory)?;
        analysis::register(index.tokenizers());
        let facets = Arc::new(facets::FacetCache::new(
            counted_facets().map(|d| format!("facet_{d}")).collect(),
            ["date_lo".into(), "date_hi".into()],
        ));
        let warmer: Arc<dyn tantivy::Warmer> = facets.clone();
        let reader = index
            .reader_builder()
            // Reloaded at once by our own commits, and within a moment of
            // any other change (background merges, another process's
            // commits).
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .warmers(vec![Arc::downgrade(&warmer)])
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            facets,
            writer: Mutex::new(None),
            fields,
            authority,
            analyzers: analysis::ANALYZERS
                .iter()
                .map(|a| (*a, analysis::build_words(a)))
                .collect(),
            query_analyzers: analysis::ANALYZERS
                .iter()
                .map(|a| (*a, analysis::build_query(a)))
                .collect(),
        })
    }

    /// The last store change this index has applied (0 for a new index).
    pub fn applied_change(&self) -> Result<u64, SearchError> {
        let metas = self.index.load_metas()?;
        Ok(metas
            .payload
            .and_then(|p| p.strip_prefix("change:").and_then(|n| n.parse().ok()))
            .unwrap_or(0))
    }

    /// Replaces the documents of these records (and removes `deleted` ids)
    /// without committing: nothing is visible, or durable, until
    /// [`SearchIndex::commit`].
    pub fn stage<'r>(
        &self,
        records: impl IntoIterator<Item = &'r Record>,
        deleted: &[String],
    ) -> Result<(), SearchError> {
        let mut guard = self.writer()?;
        let writer = guard.as_mut().expect("the writer is open");
        for id in deleted {
            writer.delete_term(Term::from_field_text(self.fields.id, id));
        }
        for record in records {
            writer.delete_term(Term::from_field_text(self.fields.id, &record.id));
            writer.add_document(self.document(record))?;
        }
        Ok(())
    }

    /// Commits what was staged, recording `last_change` as applied, and
    /// makes it visible to searches.
    pub fn commit(&self, last_change: u64) -> Result<(), SearchError> {
        let mut guard = self.writer()?;
        let writer = guard.as_mut().expect("the writer is open");
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&format!("change:{last_change}"));
        commit.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// The writer, opened on first use.
    fn writer(&self) -> Result<std::sync::MutexGuard<'_, Option<IndexWriter>>, SearchError> {
        let mut guard = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(self.new_writer()?);
        }
        Ok(guard)
    }

    /// A writer: two indexing threads sharing 1 GB (fewer, larger segments
    /// index and search faster than many small ones).
    fn new_writer(&self) -> Result<IndexWriter, SearchError> {
        Ok(self.index.writer_with_num_threads(2, 1024 * 1024 * 1024)?)
    }

    /// Takes the index's writer if this process does not hold it yet.
    /// `Ok(false)` when another process holds it (only one may): that
    /// process indexes, this one only reads. Once taken, the writer is kept
    /// for the life of this index.
    pub fn try_writer(&self) -> Result<bool, SearchError> {
        match self.writer() {
            Ok(_) => Ok(true),
            Err(SearchError::Index(tantivy::TantivyError::LockFailure(
                tantivy::directory::error::LockError::LockBusy,
                _,
            ))) => {
                // The owner's commits since this index was opened.
                self.reader.reload()?;
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// Drops every document (for a rebuild); records change 0 as applied.
    pub fn clear(&self) -> Result<(), SearchError> {
        self.writer()?
            .as_mut()
            .expect("the writer is open")
            .delete_all_documents()?;
        self.commit(0)
    }

    /// Merges every segment into one and waits for it: each segment costs
    /// every search its own term lookups, so a rebuilt or bulk-loaded index
    /// searches fastest as one. Merging rewrites the whole index (minutes
    /// at a million records); imports leave it to tantivy's merge policy,
    /// which merges in the background as segments pile up.
    pub fn optimize(&self) -> Result<(), SearchError> {
        let mut guard = self.writer()?;
        // Background merges first: the segments they work on change under
        // any merge started beside them.
        guard
            .take()
            .expect("the writer is open")
            .wait_merging_threads()?;
        *guard = Some(self.new_writer()?);
        let writer = guard.as_mut().expect("the writer is open");
        let ids = self.index.searchable_segment_ids()?;
        if ids.len() > 1 {
            writer.merge(&ids).wait()?;
        }
        writer.garbage_collect_files().wait()?;
        self.reader.reload()?;
        Ok(())
    }

    /// How many segments the index has (fewer is faster to search).
    pub fn segment_count(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// Bytes of memory the facet arrays hold (they grow with the records).
    pub fn facet_bytes(&self) -> usize {
        self.facets.heap_bytes()
    }

    /// How many records the index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether the index holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn document(&self, record: &Record) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &record.id);
        doc.add_text(f.title, &record.title);
        for t in &record.alternative_titles {
            doc.add_text(f.title, &t.text);
        }
        let meta = [
            record.summary.as_deref(),
            record.doc_type.as_deref(),
            record.holding_archive.as_deref(),
            record
                .archival_reference
                .as_ref()
                .map(|a| a.verbatim.as_str()),
            record.edition.as_ref().map(|e| e.title.as_str()),
        ];
        for m in meta.into_iter().flatten() {
            doc.add_text(f.meta, m);
        }
        for c in record.collections.iter().chain(&record.subjects) {
            doc.add_text(f.meta, c);
            doc.add_text(f.collection, c);
        }
        let mut names = names::record_name_forms(record);
        let widened: Vec<String> = names
            .iter()
            .filter_map(|n| self.authority.forms_of(n))
            .flatten()
            .cloned()
            .collect();
        names.extend(widened);
        names.sort();
        names.dedup();
        for n in &names {
            doc.add_text(f.names, n);
        }
        for c in &record.creators {
            doc.add_text(f.creator, &c.name);
            for form in c.authority.iter().chain(&c.variants) {
                doc.add_text(f.creator, form);
            }
            for form in self.authority.forms_of(&c.name).into_iter().flatten() {
                doc.add_text(f.creator, form);
            }
        }
        if let Some(t) = &record.doc_type {
            doc.add_text(f.doc_type, t);
        }
        if let Some(l) = &record.original_language {
            doc.add_text(f.language, l.to_lowercase());
        }
        if let Some(a) = &record.archival_reference
            && let Some(r) = &a.repository
        {
            doc.add_text(f.repository, r);
        }
        if let Some(h) = &record.holding_archive {
            doc.add_text(f.repository, h);
        }
        let mut versions = String::new();
        for version in &record.texts {
            let analyzer = analysis::analyzer_for(&version.language);
            let slot = BODY_FIELDS
                .iter()
                .position(|(_, a)| *a == analyzer)
                .expect("every analyzer has a field");
            doc.add_text(f.bodies[slot], &version.body);
            let kind = match version.kind {
                TextKind::Original => "original",
                TextKind::Transcription => "transcription",
                TextKind::Translation => "translation",
            };
            versions.push_str(&format!(
                "{}\t{kind}\t{}\n",
                BODY_FIELDS[slot].0, version.language
            ));
        }
        doc.add_text(f.versions, &versions);
        let (lo, hi) = record
            .date
            .as_ref()
            .and_then(day_bounds)
            .unwrap_or((i64::MAX, i64::MIN));
        doc.add_i64(f.date_lo, lo);
        doc.add_i64(f.date_hi, hi);
        if let Some(d) = &record.date {
            doc.add_text(f.edtf, &d.edtf);
        }
        for (dim, value) in facet_values(record) {
            let slot = FACETS
                .iter()
                .position(|d| *d == dim)
                .expect("every facet dimension has a field");
            doc.add_text(f.facets[slot], &value);
        }
        let (visibility, embargo) = match &record.visibility {
            Visibility::Published => ("published", i64::MIN),
            Visibility::Draft => ("draft", i64::MAX),
            Visibility::Embargoed { until } => (
                "embargoed",
                crate::model::DateValue::parse_day(until)
                    .map(|d| day_number(d.year, d.month, d.day))
                    .unwrap_or(i64::MAX),
            ),
        };
        doc.add_text(f.visibility, visibility);
        doc.add_i64(f.embargo, embargo);
        doc
    }

    /// Runs a search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, SearchError> {
        let node = query::parse(&request.query)?;
        let mut compiler = Compiler {
            fields: &self.fields,
            authority: &self.authority,
            facets: &self.facets,
            analyzers: self.query_analyzers.clone(),
        };
        let mut query = compiler.node(&node).unwrap_or_else(|| Box::new(EmptyQuery));
        if !request.filters.is_empty() {
            let mut clauses = vec![(Occur::Must, query)];
            for (dim, value) in &request.filters {
                let slot = FACETS.iter().position(|d| d == dim).ok_or_else(|| {
                    SearchError::BadQuery(QueryError(format!(
                        "{dim:?} is not a facet (facets: {})",
                        FACETS.join(", ")
                    )))
                })?;
                let term = Term::from_field_text(self.fields.facets[slot], value);
                clauses.push((
                    Occur::Must,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                ));
            }
            query = Box::new(BooleanQuery::new(clauses));
        }
        let searcher = self.reader.searcher();
        if request.public_only && self.holds_non_public(&searcher)? {
            query = Box::new(BooleanQuery::new(vec![
                (Occur::Must, query),
                (Occur::MustNot, self.not_public(&request.today)),
            ]));
        }
        let facets = self.facets.counter(&searcher)?;
        let window = request.offset + request.limit.max(1);
        let top = TopDocs::with_limit(window);
        let (scored, total, facet_counts): (Vec<(f32, tantivy::DocAddress)>, usize, _) =
            match request.sort {
                Sort::Relevance => {
                    searcher.search(&*query, &(top.order_by_score(), Count, facets))?
                }
                Sort::Date | Sort::DateDesc => {
                    let order = if request.sort == Sort::Date {
                        Order::Asc
                    } else {
                        Order::Desc
                    };
                    let (docs, total, facets) = searcher.search(
                        &*query,
                        &(
                            top.order_by_fast_field::<i64>("date_lo", order),
                            Count,
                            facets,
                        ),
                    )?;
                    (
                        docs.into_iter().map(|(_, d)| (0.0, d)).collect(),
                        total,
                        facets,
                    )
                }
            };
        let page: Vec<(f32, tantivy::DocAddress)> = scored
            .into_iter()
            .skip(request.offset)
            .take(request.limit)
            .collect();
        let analyzers = BODY_FIELDS
            .iter()
            .map(|(_, a)| {
                self.analyzers
                    .iter()
                    .find(|(name, _)| name == a)
                    .expect("every analyzer is built")
                    .1
                    .clone()
            })
            .collect();
        let mut snippets = snippet::Snippets::new(&*query, &self.fields.bodies, analyzers);
        let mut hits = Vec::new();
        for (score, address) in page {
            let doc: TantivyDocument = searcher.doc(address)?;
            hits.push(self.hit(&doc, score, &mut snippets));
        }
        let mut counted: std::collections::HashMap<&str, _> =
            counted_facets().zip(facet_counts).collect();
        let mut decades: std::collections::HashMap<String, u64> = Default::default();
        for (year, count) in counted.get("year").into_iter().flatten() {
            if let Ok(year) = year.parse::<i64>() {
                *decades.entry(decade(year)).or_default() += count;
            }
        }
        counted.insert("decade", decades);
        let mut facets_out = BTreeMap::new();
        for dim in FACETS.iter() {
            let mut values: Vec<FacetCount> = counted
                .remove(dim)
                .unwrap_or_default()
                .into_iter()
                .map(|(value, count)| FacetCount { value, count })
                .collect();
            if *dim == "year" || *dim == "decade" {
                values.sort_by(|a, b| a.value.cmp(&b.value));
            } else {
                values.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
                values.truncate(request.facet_limit);
            }
            facets_out.insert(dim.to_string(), values);
        }
        Ok(SearchResults {
            total,
            hits,
            facets: facets_out,
        })
    }

    /// Whether any record in the index is a draft or under embargo (when
    /// none is, public searches need no filter at all).
    fn holds_non_public(&self, searcher: &tantivy::Searcher) -> Result<bool, SearchError> {
        for status in ["draft", "embargoed"] {
            let term = Term::from_field_text(self.fields.visibility, status);
            if searcher.doc_freq(&term)? > 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Records the public may not see on `today`: drafts, and embargoes not
    /// yet over. Used as an exclusion, so only those few records are read.
    fn not_public(&self, today: &str) -> Box<dyn Query> {
        let f = &self.fields;
        let today = crate::model::DateValue::parse_day(today)
            .map(|d| day_number(d.year, d.month, d.day))
            .unwrap_or(0);
        let draft = TermQuery::new(
            Term::from_field_text(f.visibility, "draft"),
            IndexRecordOption::Basic,
        );
        let embargoed = BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.visibility, "embargoed"),
                    IndexRecordOption::Basic,
                )) as Box<dyn Query>,
            ),
            (
                Occur::Must,
                Box::new(RangeQuery::new(
                    Bound::Excluded(Term::from_field_i64(f.embargo, today)),
                    Bound::Unbounded,
                )),
            ),
        ]);
        Box::new(BooleanQuery::new(vec![
            (Occur::Should, Box::new(draft) as Box<dyn Query>),
            (Occur::Should, Box::new(embargoed)),
        ]))
    }

    fn hit(&self, doc: &TantivyDocument, score: f32, snippets: &mut snippet::Snippets) -> Hit {
        let f = &self.fields;
        let first = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let versions: Vec<(String, String, String)> = first(f.versions)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let mut parts = l.split('\t');
                Some((
                    parts.next()?.to_string(),
                    parts.next()?.to_string(),
                    parts.next()?.to_string(),
                ))
            })
            .collect();
        // The n-th version stored in a field is its n-th value.
        let mut seen = [0usize; BODY_FIELDS.len()];
        let mut snippet = None;
        for (field_name, kind, language) in &versions {
            let Some(slot) = BODY_FIELDS.iter().position(|(n, _)| n == field_name) else {
                continue;
            };
            let nth = seen[slot];
            seen[slot] += 1;
            let Some(value) = doc
                .get_all(f.bodies[slot])
                .nth(nth)
                .and_then(|v| v.as_str())
            else {
                continue;
            };
            if let Some(html) = snippets.make(slot, value) {
                snippet = Some((
                    html,
                    Matched {
                        kind: kind.clone(),
                        language: Some(language.clone()),
                    },
                ));
                break;
            }
        }
        let title = first(f.title).unwrap_or_default();
        let (snippet, matched) = snippet.unwrap_or_else(|| {
            let body = versions
                .first()
                .and_then(|(name, _, _)| BODY_FIELDS.iter().position(|(n, _)| n == name))
                .and_then(|slot| first(f.bodies[slot]))
                .unwrap_or_default();
            let opening: String = body.chars().take(240).collect();
            (
                crate::html::escape(&opening),
                Matched {
                    kind: "metadata".into(),
                    language: None,
                },
            )
        });
        Hit {
            id: first(f.id).unwrap_or_default(),
            title,
            date: first(f.edtf),
            score,
            snippet,
            matched,
        }
    }
}

/// Turns a parsed query into a tantivy query.
struct Compiler<'a> {
    fields: &'a Fields,
    authority: &'a NameAuthority,
    /// Where date ranges read records' bounds from.
    facets: &'a Arc<facets::FacetCache>,
    analyzers: Vec<(&'static str, TextAnalyzer)>,
}

impl Compiler<'_> {
    /// `None` for a node that can match nothing it could be asked about
    /// (a word of punctuation only): it is left out of its group.
    fn node(&mut self, node: &Node) -> Option<Box<dyn Query>> {
        match node {
            Node::All => Some(Box::new(AllQuery)),
            Node::Text {
                field,
                text,
                phrase,
            } => self.text(*field, text, *phrase),
            Node::Date { from, to } => Some(self.date(*from, *to)),
            Node::Not(inner) => {
                let inner = self.node(inner)?;
                Some(Box::new(BooleanQuery::new(vec![
                    (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                    (Occur::MustNot, inner),
                ])))
            }
            Node::Or(parts) => {
                let clauses: Vec<(Occur, Box<dyn Query>)> = parts
                    .iter()
                    .filter_map(|p| self.node(p))
                    .map(|q| (Occur::Should, q))
                    .collect();
                (!clauses.is_empty())
                    .then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
            }
            Node::And(parts) => self.and(parts),
        }
    }

    /// A conjunction, with runs of plain words that spell a known name
    /// widened to every form of that name.
    fn and(&mut self, parts: &[Node]) -> Option<Box<dyn Query>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // Beside something else that must match, a date range is checked
        // on that clause's candidates only (see `date_test`).
        let narrowed = parts
            .iter()
            .any(|p| !matches!(p, Node::Date { .. } | Node::Not(_)));
        // The intersection of those ranges.
        let mut within = (i64::MIN, i64::MAX);
        let mut i = 0;
        while i < parts.len() {
            if let Some((len, forms)) = self.name_run(&parts[i..]) {
                clauses.push((Occur::Must, self.name(&forms)));
                i += len;
                continue;
            }
            match &parts[i] {
                Node::Date { from, to } if narrowed => {
                    let (from, to) = (from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX));
                    within = (within.0.max(from), within.1.min(to));
                }
                Node::Not(inner) => {
                    if let Some(q) = self.node(inner) {
                        clauses.push((Occur::MustNot, q));
                    }
                }
                other => {
                    if let Some(q) = self.node(other) {
                        clauses.push((Occur::Must, q));
                    }
                }
            }
            i += 1;
        }
        let filtered = within != (i64::MIN, i64::MAX);
        if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
            if clauses.is_empty() && !filtered {
                return None;
            }
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        let query: Box<dyn Query> = if clauses.len() == 1 && clauses[0].0 == Occur::Must {
            clauses.pop().expect("one clause").1
        } else {
            Box::new(BooleanQuery::new(clauses))
        };
        if !filtered {
            return Some(query);
        }
        Some(Box::new(filter::Filtered::new(
            query,
            self.date_test(within.0, within.1),
        )))
    }

    /// The longest run of plain words at the start of `parts` that is a
    /// known name form, with that person's forms.
    fn name_run(&self, parts: &[Node]) -> Option<(usize, Vec<String>)> {
        let max = self.authority.longest_form().min(parts.len());
        for len in (1..=max).rev() {
            let mut words = Vec::new();
            for p in &parts[..len] {
                match p {
                    Node::Text {
                        field: None, text, ..
                    } => words.push(text.as_str()),
                    _ => break,
                }
            }
            if words.len() != len {
                continue;
            }
            if let Some(forms) = self.authority.forms_of(&words.join(" ")) {
                let mut forms = forms.to_vec();
                forms.push(words.join(" "));
                return Some((len, forms));
            }
        }
        None
    }

    /// Any form of a name, as a phrase, anywhere (names count most).
    fn name(&mut self, forms: &[String]) -> Box<dyn Query> {
        let clauses: Vec<(Occur, Box<dyn Query>)> = forms
            .iter()
            .filter_map(|form| self.plain_text(form))
            .map(|q| (Occur::Should, q))
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }

    fn text(
        &mut self,
        field: Option<QueryField>,
        text: &str,
        phrase: bool,
    ) -> Option<Box<dyn Query>> {
        let f = self.fields;
        if field.is_none()
            && phrase
            && let Some(forms) = self.authority.forms_of(text)
            && forms.len() > 1
        {
            // A quoted name: still every form of it.
            return Some(self.name(forms));
        }
        let targets: Vec<(Field, &str, f32)> = match field {
            None => {
                let mut t = vec![
                    (f.title, "en", 2.0),
                    (f.meta, "en", 1.0),
                    (f.names, "xx", 3.0),
                ];
                for (slot, (_, analyzer)) in BODY_FIELDS.iter().enumerate() {
                    t.push((f.bodies[slot], analyzer, 1.0));
                }
                t
            }
            Some(QueryField::Title) => vec![(f.title, "en", 1.0)],
            Some(QueryField::Creator) => vec![(f.creator, "xx", 1.0)],
            Some(QueryField::Type) => vec![(f.doc_type, "xx", 1.0)],
            Some(QueryField::Collection) => vec![(f.collection, "xx", 1.0)],
            Some(QueryField::Repository) => vec![(f.repository, "xx", 1.0)],
            Some(QueryField::Language) => {
                return Some(Box::new(TermQuery::new(
                    Term::from_field_text(f.language, &text.trim().to_lowercase()),
                    IndexRecordOption::Basic,
                )));
            }
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, analyzer, boost) in targets {
            if let Some(q) = self.field_query(field, analyzer, text) {
                clauses.push((Occur::Should, Box::new(BoostQuery::new(q, boost))));
            }
        }
        // Cyrillic also as Latin transliteration ("Хрущев" → Khrushchev).
        if field.is_none()
            && let Some(latin) = names::cyrillic_to_latin(text)
        {
            for (slot, (_, analyzer)) in BODY_FIELDS.iter().enumerate() {
                if let Some(q) = self.field_query(f.bodies[slot], analyzer, &latin) {
                    clauses.push((Occur::Should, Box::new(BoostQuery::new(q, 0.5))));
                }
            }
            if let Some(q) = self.field_query(f.title, "en", &latin) {
                clauses.push((Occur::Should, Box::new(BoostQuery::new(q, 0.5))));
            }
        }
        (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
    }

    /// A form of a name, without widening it again.
    fn plain_text(&mut self, text: &str) -> Option<Box<dyn Query>> {
        self.text(None, text, false)
    }

    /// A term, or a phrase when the text analyses to several terms (at the
    /// offsets the analyzer gives them: Chinese words are as many positions
    /// apart as they have characters). Adjacent terms are looked up as their
    /// indexed pairs: one pair for two words, a phrase of pairs for more.
    fn field_query(&mut self, field: Field, analyzer: &str, text: &str) -> Option<Box<dyn Query>> {
        let a = &mut self
            .analyzers
            .iter_mut()
            .find(|(name, _)| *name == analyzer)
            .expect("every analyzer is built")
            .1;
        let terms = analysis::positioned_terms(a, text);
        let first = terms.first()?.0;
        if terms.len() == 1 {
            let term = Term::from_field_text(field, &terms[0].1);
            return Some(Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)));
        }
        // Adjacent terms are found through their pairs (see
        // `analysis::WordPairs`): two words are one term, a longer phrase is
        // the phrase of its pairs, and a term next to no other (across a
        // gap, or a Chinese word) stays itself.
        let han = analyzer == "xx";
        let paired: Vec<Option<String>> = terms
            .windows(2)
            .map(|w| {
                let ((p, a), (q, b)) = (&w[0], &w[1]);
                if analysis::has_pairs(analyzer) && *q == p + 1 {
                    analysis::pair(a, b, han)
                } else {
                    None
                }
            })
            .collect();
        let mut parts: Vec<(usize, Term)> = Vec::new();
        for (i, (position, term)) in terms.iter().enumerate() {
            if let Some(Some(pair)) = paired.get(i) {
                parts.push((position - first, Term::from_field_text(field, pair)));
            }
            let covered =
                paired.get(i).is_some_and(Option::is_some) || (i > 0 && paired[i - 1].is_some());
            if !covered {
                parts.push((position - first, Term::from_field_text(field, term)));
            }
        }
        if parts.len() == 1 {
            let (_, term) = parts.pop().expect("one part");
            return Some(Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)));
        }
        Some(Box::new(PhraseQuery::new_with_offset(parts)))
    }

    /// Records whose whole date range lies within `[from, to]`: a document
    /// dated 1960–1963 is not "a 1962 document", nor is one dated "194X" a
    /// 1945 one. An open end still asks for a date: undated records hold
    /// `(i64::MAX, i64::MIN)`, which pass a one-sided test on either bound,
    /// so an open range tests both (`lo` and `hi` of a dated record lie
    /// within the range exactly when the record does).
    fn date(&self, from: Option<i64>, to: Option<i64>) -> Box<dyn Query> {
        let f = self.fields;
        let (from, to) = (from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX));
        let range = |field: Field, lo: i64, hi: i64| -> (Occur, Box<dyn Query>) {
            (
                Occur::Must,
                Box::new(RangeQuery::new(
                    Bound::Included(Term::from_field_i64(field, lo)),
                    Bound::Included(Term::from_field_i64(field, hi)),
                )),
            )
        };
        Box::new(BooleanQuery::new(vec![
            range(f.date_lo, from, to),
            range(f.date_hi, from, to),
        ]))
    }

    /// The same condition as [`Compiler::date`], as a test of each
    /// candidate's two bounds (from the arrays [`facets::FacetCache`] holds
    /// in memory for every segment) rather than two range scans: beside a
    /// word, only the word's matches are looked at, which at a million
    /// records is several times cheaper than intersecting it with two
    /// ranges that each cover most of the archive.
    fn date_test(&self, from: i64, to: i64) -> Arc<filter::SegmentTest> {
        let cache = Arc::clone(self.facets);
        Arc::new(move |segment: &tantivy::SegmentReader| {
            let arrays = cache.segment(segment)?;
            Ok(
                Box::new(move |doc: tantivy::DocId| arrays.date_within(doc, from, to))
                    as Box<dyn Fn(tantivy::DocId) -> bool + Send>,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Provenance, RecordDate, TextVersion};
    use proptest::prelude::*;

    fn record(id: usize, language: &str, body: &str) -> Record {
        let provenance = Provenance {
            format: "test".into(),
            origin: "test".into(),
            file: String::new(),
            line: None,
            sha256: String::new(),
            imported_at: String::new(),
            layout: None,
        };
        let mut r = Record::new(format!("r{id:03}"), format!("Record {id}"), provenance);
        r.texts.push(TextVersion {
            kind: TextKind::Original,
            language: language.into(),
            translator: None,
            machine_translation: false,
            label: None,
            body: body.into(),
        });
        r
    }

    /// The records whose body holds `phrase`'s words in a row, as an
    /// analyzer without pairs sees them: the meaning pairs must keep.
    fn brute_force(records: &[Record], analyzer: &str, phrase: &str) -> Vec<String> {
        let mut a = analysis::build_words(analyzer);
        let mut q = analysis::build_query(analyzer);
        let wanted = analysis::positioned_terms(&mut q, phrase);
        let Some(first) = wanted.first().map(|w| w.0) else {
            return Vec::new();
        };
        let mut out: Vec<String> = records
            .iter()
            .filter(|r| {
                let have = analysis::positioned_terms(&mut a, &r.texts[0].body);
                have.iter().any(|(p, _)| {
                    wanted.iter().all(|(wp, wt)| {
                        have.iter()
                            .any(|(hp, ht)| *hp == p + (wp - first) && ht == wt)
                    })
                })
            })
            .map(|r| r.id.clone())
            .collect();
        out.sort();
        out
    }

    fn found(index: &SearchIndex, query: &str) -> Vec<String> {
        let mut request = SearchRequest::new(query, 1000);
        request.facet_limit = 0;
        let mut ids: Vec<String> = index
            .search(&request)
            .expect("the search runs")
            .hits
            .into_iter()
            .map(|h| h.id)
            .collect();
        ids.sort();
        ids
    }

    /// Words that make many near-misses: repeated words, stems shared by
    /// several forms, Korean syllables that recur inside and across words.
    const EN: [&str; 8] = [
        "free", "men", "freed", "man", "the", "of", "union", "unions",
    ];
    const KO: [&str; 8] = [
        "것이",
        "다",
        "것이다",
        "이다",
        "할",
        "학교",
        "에서",
        "학교에서",
    ];

    fn text(words: &'static [&'static str; 8]) -> impl Strategy<Value = String> {
        prop::collection::vec(
            (
                prop::sample::select(&words[..]),
                prop::sample::select(&[" ", " ", ", ", ""][..]),
            ),
            1..14,
        )
        .prop_map(|parts| parts.into_iter().map(|(w, s)| format!("{w}{s}")).collect())
    }

    /// Dates of every shape the bounds come from, and none at all.
    const DATES: [Option<&str>; 9] = [
        None,
        Some("1948-09-09"),
        Some("1948"),
        Some("194X"),
        Some("1960/1963"),
        Some("1962-10"),
        Some("1962-10-22"),
        Some("1963"),
        Some("1850"),
    ];
    /// Ends of the ranges asked for (`None` leaves that end open).
    const ENDS: [Option<&str>; 7] = [
        None,
        Some("1940"),
        Some("1948"),
        Some("1948-09"),
        Some("1960"),
        Some("1962"),
        Some("1963"),
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// A date range finds exactly the dated records whose whole span
        /// lies within it, alone (range scans) and beside a word (a test
        /// of each candidate): the two forms of the condition agree.
        #[test]
        fn date_ranges_find_what_a_scan_finds(
            dated in prop::collection::vec((prop::sample::select(&DATES[..]), any::<bool>()), 1..30),
            from in prop::sample::select(&ENDS[..]),
            to in prop::sample::select(&ENDS[..]),
        ) {
            prop_assume!(from.is_some() || to.is_some());
            let dir = tempfile::tempdir().unwrap();
            let index = SearchIndex::open(dir.path(), NameAuthority::default()).unwrap();
            let records: Vec<Record> = dated
                .iter()
                .enumerate()
                .map(|(i, (date, word))| {
                    let mut r = record(i, "en", if *word { "alpha" } else { "beta" });
                    r.date = date.map(|d| RecordDate::new(d, None).unwrap());
                    r
                })
                .collect();
            index.stage(&records, &[]).unwrap();
            index.commit(1).unwrap();
            let days = |d: &str| day_bounds(&RecordDate::new(d, None).unwrap()).unwrap();
            let (lo, hi) = (from.map(|d| days(d).0), to.map(|d| days(d).1));
            prop_assume!(lo.zip(hi).is_none_or(|(a, b)| a <= b));
            let within = |r: &Record| {
                r.date.as_ref().and_then(day_bounds).is_some_and(|(a, b)| {
                    lo.is_none_or(|lo| lo <= a) && hi.is_none_or(|hi| b <= hi)
                })
            };
            let range = format!("date:{}..{}", from.unwrap_or(""), to.unwrap_or(""));
            let mut expected: Vec<String> =
                records.iter().filter(|r| within(r)).map(|r| r.id.clone()).collect();
            expected.sort();
            prop_assert_eq!(&found(&index, &range), &expected, "{}", range);
            let with_word: Vec<String> = expected
                .iter()
                .filter(|id| records.iter().any(|r| &r.id == *id && r.texts[0].body == "alpha"))
                .cloned()
                .collect();
            prop_assert_eq!(found(&index, &format!("alpha {range}")), with_word, "alpha {}", range);
        }

        /// A phrase found through word pairs finds exactly the records
        /// that hold its words in a row.
        #[test]
        fn phrases_through_pairs_find_what_a_scan_finds(
            en in prop::collection::vec(text(&EN), 12),
            ko in prop::collection::vec(text(&KO), 12),
            en_phrase in text(&EN),
            ko_phrase in text(&KO),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let index = SearchIndex::open(dir.path(), NameAuthority::default()).unwrap();
            let mut records = Vec::new();
            for (i, body) in en.iter().enumerate() {
                records.push(record(i, "en", body));
            }
            for (i, body) in ko.iter().enumerate() {
                records.push(record(100 + i, "ko", body));
            }
            index.stage(&records, &[]).unwrap();
            index.commit(1).unwrap();
            let (en_records, ko_records) = records.split_at(en.len());
            for (subset, analyzer, phrase) in
                [(en_records, "en", &en_phrase), (ko_records, "xx", &ko_phrase)]
            {
                let phrase = phrase.replace(',', " ");
                let phrase = phrase.trim();
                let expected = brute_force(subset, analyzer, phrase);
                let got: Vec<String> = found(&index, &format!("\"{phrase}\""))
                    .into_iter()
                    .filter(|id| subset.iter().any(|r| &r.id == id))
                    .collect();
                prop_assert_eq!(got, expected, "phrase {:?}", phrase);
            }
        }
    }
}
