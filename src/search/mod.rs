//! Full-text search: an embedded tantivy index beside the store.
//!
//! One index document per record (`document.rs`). Text versions go into
//! fields by analyzer language (see [`analysis`]), so each language is
//! stemmed its own way; a stored map says which value is which version, so
//! a hit can say which version matched. Names go into their own boosted
//! fields, widened with every form the [`names::NameAuthority`] and the
//! record itself know. Facets ([`Facet`]: year, decade, language, type,
//! creator, collection, repository) have a field each, counted exactly over
//! all matches.
//!
//! This module holds [`SearchIndex`]: opening, staging, committing, the
//! writer, merging, and running a search. The schema is in `schema.rs`,
//! documents in `document.rs`, query compilation in `compile.rs`, requests
//! and answers in `results.rs`.
//!
//! Invariants:
//! - The index records, in its commit payload, the last store change it has
//!   applied; [`crate::archive`] replays the store's change log from there on
//!   every start, so a crash between store and index commits loses nothing.
//! - The index format has a version ([`INDEX_FORMAT`]); an index of another
//!   version is rebuilt from the store, never read.
//! - Snippets are plain text with the byte ranges of their matches; the
//!   edges (web pages, terminal, JSON) choose the markup and escape.
//! - Public searches never see records that are not public.
//! - Every document carries the store revision it was made from (the
//!   `revision` column), so that [`SearchIndex::documents`] lets a check
//!   hold the index against the store.
//! - This process holds the index's writer from its first write to its end,
//!   or never (another process holds it).

pub mod analysis;
mod compile;
mod directory;
mod document;
pub mod entities;
mod facets;
mod filter;
pub mod learned;
pub mod names;
mod pipeline;
pub mod query;
mod related;
pub mod scripts;
pub use related::{Likeness, RelatedScope};
mod results;
mod schema;
mod snippet;

pub use document::{LEVEL_SEPARATOR, facet_values};
pub use results::{
    FacetCount, Hit, MAX_LIMIT, MAX_OFFSET, Matched, PageImage, SearchRequest, SearchResults,
    Snippet, Sort, TranslatedTitle, Widened,
};
pub use schema::Facet;

use crate::model::Record;
use analysis::Analyzer;
use compile::Compiler;
use learned::{Learned, Learning};
use names::NameAuthority;
use query::QueryError;
use schema::Fields;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, EmptyQuery, Occur};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term};

/// Version of the index layout and analysis. Bump it when either changes:
/// indexes of other versions are rebuilt from the store.
pub const INDEX_FORMAT: u32 = 11;

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

/// The embedded search index.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    /// Facet ordinals per segment, kept warm by the reader.
    facets: Arc<facets::FacetCache>,
    writer: Mutex<Option<IndexWriter<pipeline::Queued>>>,
    /// The budget of the writer in `writer`, or of the next one made (see
    /// [`SearchIndex::size_writer_for`]).
    writer_budget: std::sync::atomic::AtomicUsize,
    /// Whether documents are staged and not committed: the writer is then
    /// never replaced (a replaced writer drops what it has not committed).
    staged: std::sync::atomic::AtomicBool,
    /// The segments in the merges [`SearchIndex::start_due_merges`] started
    /// and that have not ended: never asked for again meanwhile (tantivy
    /// refuses such a merge with a warning).
    merging: Arc<Mutex<std::collections::HashSet<tantivy::index::SegmentId>>>,
    /// Bounds the documents staged and not yet indexed.
    pipeline: Arc<pipeline::Pipeline>,
    fields: Fields,
    /// Built on first use: the shipped authority is some 0.1 s of work (a
    /// second in an unoptimised build), which a command that neither
    /// analyses a record nor runs a query (`show`, `cite`, `user`, ...)
    /// should not pay at every start.
    authority: LazyAuthority,
    /// What the records taught (`learned.tsv` in the index folder), and
    /// what queries read of it (rebuilt at each commit that changed it;
    /// made on first use, as it reads the authority).
    learning: Mutex<Learning>,
    learned: std::sync::RwLock<Option<Arc<Learned>>>,
    dir: std::path::PathBuf,
    /// Built once, as documents are analysed (for snippets), by
    /// [`Analyzer::index`].
    analyzers: [TextAnalyzer; Analyzer::ALL.len()],
    /// Built once, as queries are analysed; each search's query compiler
    /// gets a copy.
    query_analyzers: [TextAnalyzer; Analyzer::ALL.len()],
}

/// A name authority made when first read.
type LazyAuthority = std::sync::LazyLock<NameAuthority, Box<dyn FnOnce() -> NameAuthority + Send>>;

/// The index writer's memory for the segments it builds, over its two
/// threads: as many bytes as the batch it indexes has text, within these
/// bounds (see [`SearchIndex::size_writer_for`]). Small, importing the
/// shared corpus (68 MB) stays within 256 MiB; large, a bulk load makes few
/// segments: the 100k benchmark's batch of 1 GB at 80 MB made 240, whose
/// merge took longer than building them, and its whole build took 637 s
/// instead of 275 with tantivy's own merging.
const MIN_WRITER_BUDGET: usize = 80 * 1024 * 1024;
const MAX_WRITER_BUDGET: usize = 1024 * 1024 * 1024;

/// How many segments a command leaves the index in without waiting for
/// their merges (see [`SearchIndex::finish_merges_if_scattered`]).
const SCATTERED: usize = 32;

const FORMAT_FILE: &str = "fonds-index-format";
/// Where [`Learning`] is saved, in the index folder.
const LEARNED_FILE: &str = "learned.tsv";

impl SearchIndex {
    /// Opens the index in `dir`, creating it (or recreating it, if it is of
    /// another format) as needed. A new index has applied no change.
    pub fn open(dir: &Path, authority: NameAuthority) -> Result<SearchIndex, SearchError> {
        SearchIndex::open_with(dir, move || authority)
    }

    /// [`SearchIndex::open`], with the name authority made by `authority`
    /// when it is first needed (a record analysed, a query compiled, a
    /// person labelled), once.
    pub fn open_with(
        dir: &Path,
        authority: impl FnOnce() -> NameAuthority + Send + 'static,
    ) -> Result<SearchIndex, SearchError> {
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
        let (schema, fields) = schema::schema();
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
            Facet::counted_columns(),
            schema::DATE_COLUMNS.map(String::from),
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
        let learning = std::fs::read_to_string(dir.join(LEARNED_FILE))
            .map(|text| Learning::from_text(&text))
            .unwrap_or_default();
        Ok(SearchIndex {
            index,
            reader,
            facets,
            writer: Mutex::new(None),
            writer_budget: MIN_WRITER_BUDGET.into(),
            staged: false.into(),
            merging: Arc::default(),
            pipeline: Arc::default(),
            fields,
            learning: Mutex::new(learning),
            learned: std::sync::RwLock::new(None),
            dir: dir.to_path_buf(),
            authority: LazyAuthority::new(Box::new(authority)),
            analyzers: Analyzer::ALL.map(analysis::build_words),
            query_analyzers: Analyzer::ALL.map(analysis::build_query),
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

    /// Replaces the documents of these records, each with its store
    /// revision (and removes `deleted` ids), without committing: nothing is
    /// visible, or durable, until [`SearchIndex::commit`].
    pub fn stage<'r>(
        &self,
        records: impl IntoIterator<Item = (&'r Record, u32)>,
        deleted: &[String],
    ) -> Result<(), SearchError> {
        self.add(records, deleted, true)
    }

    /// Adds the documents of records the index holds no document of (new
    /// in the store since the last staging, or staged after
    /// [`SearchIndex::clear`]), without committing. It saves what
    /// [`SearchIndex::stage`] pays to replace a document: a deletion the
    /// writer looks up in every segment it flushes.
    pub fn stage_new<'r>(
        &self,
        records: impl IntoIterator<Item = (&'r Record, u32)>,
    ) -> Result<(), SearchError> {
        self.add(records, &[], false)
    }

    /// Removes `deleted` ids, and adds the records' documents, each after
    /// deleting its id when `replace`.
    fn add<'r>(
        &self,
        records: impl IntoIterator<Item = (&'r Record, u32)>,
        deleted: &[String],
        replace: bool,
    ) -> Result<(), SearchError> {
        self.with_writer(|writer| {
            self.staged
                .store(true, std::sync::atomic::Ordering::Relaxed);
            for id in deleted {
                writer.delete_term(Term::from_field_text(self.fields.id, id));
            }
            let mut learning = self.learning.lock().unwrap_or_else(|p| p.into_inner());
            for (record, revision) in records {
                learning.learn(
                    record,
                    record.visibility == crate::model::Visibility::Published,
                );
                if replace {
                    writer.delete_term(Term::from_field_text(self.fields.id, &record.id));
                }
                let mut doc = document::document(&self.fields, &self.authority, record);
                doc.add_u64(self.fields.revision, u64::from(revision));
                let ticket = self.pipeline.admit(document::estimated_bytes(record));
                writer.add_document(pipeline::Queued {
                    doc,
                    _ticket: ticket,
                })?;
            }
            Ok(())
        })
    }

    /// Every document of the index as last committed, as (record
    /// identifier, store revision), in identifier order: a record indexed
    /// twice is there twice. For holding the index against the store (a
    /// check); it reads the identifiers' terms and the revision column,
    /// never the stored texts.
    pub fn documents(&self) -> Result<Vec<(String, u32)>, SearchError> {
        use tantivy::DocSet;
        self.reader.reload()?;
        let searcher = self.reader.searcher();
        let mut out = Vec::new();
        for segment in searcher.segment_readers() {
            let revisions = segment.fast_fields().u64("revision")?;
            let alive = segment.alive_bitset();
            let ids = segment.inverted_index(self.fields.id)?;
            let mut terms = ids.terms().stream()?;
            while terms.advance() {
                let id = String::from_utf8_lossy(terms.key()).into_owned();
                let mut postings = ids.read_postings_from_terminfo(
                    terms.value(),
                    tantivy::schema::IndexRecordOption::Basic,
                )?;
                let mut doc = postings.doc();
                while doc != tantivy::TERMINATED {
                    if alive.is_none_or(|a| a.is_alive(doc)) {
                        let revision = revisions.first(doc).unwrap_or(0);
                        out.push((id.clone(), u32::try_from(revision).unwrap_or(u32::MAX)));
                    }
                    doc = postings.advance();
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// Commits what was staged, recording `last_change` as applied, and
    /// makes it visible to searches.
    pub fn commit(&self, last_change: u64) -> Result<(), SearchError> {
        self.with_writer(|writer| {
            let mut commit = writer.prepare_commit()?;
            commit.set_payload(&format!("change:{last_change}"));
            commit.commit()?;
            self.staged
                .store(false, std::sync::atomic::Ordering::Relaxed);
            self.start_due_merges(writer)
        })?;
        self.reader.reload()?;
        self.save_learning()
    }

    /// Saves what was learned, if anything was since the last save, and
    /// gives queries the new snapshot.
    fn save_learning(&self) -> Result<(), SearchError> {
        let mut learning = self.learning.lock().unwrap_or_else(|p| p.into_inner());
        if !learning.take_changed() {
            return Ok(());
        }
        // Whole or not at all, as the format file.
        let tmp = self
            .dir
            .join(format!("{LEARNED_FILE}.{}", std::process::id()));
        std::fs::write(&tmp, learning.to_text())?;
        std::fs::rename(&tmp, self.dir.join(LEARNED_FILE))?;
        let snapshot = Arc::new(learning.snapshot(&self.authority));
        *self.learned.write().unwrap_or_else(|p| p.into_inner()) = Some(snapshot);
        Ok(())
    }

    /// Every pair of name forms the records taught, most certain first:
    /// (form, form, confidence, records).
    pub fn learned_pairs(&self) -> Vec<(String, String, f32, u32)> {
        let learning = self.learning.lock().unwrap_or_else(|p| p.into_inner());
        learning.pairs(&self.authority)
    }

    /// What queries read of what the records taught.
    pub fn learned(&self) -> Arc<Learned> {
        if let Some(learned) = &*self.learned.read().unwrap_or_else(|p| p.into_inner()) {
            return learned.clone();
        }
        // The learning lock first, as `save_learning` takes them: a
        // snapshot made here is never older than one saved beside it.
        let learning = self.learning.lock().unwrap_or_else(|p| p.into_inner());
        let mut slot = self.learned.write().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert_with(|| Arc::new(learning.snapshot(&self.authority)))
            .clone()
    }

    /// Makes the name authority and what queries read of the learned names
    /// now, so that the first search does not wait for them (`serve` calls
    /// it on a thread of its own as it starts).
    pub fn prepare_names(&self) {
        let _ = self.learned();
    }

    /// The writer slot, locked (a writer that panicked left nothing half
    /// done that a lock could protect: tantivy rolls back uncommitted work).
    fn writer_slot(&self) -> std::sync::MutexGuard<'_, Option<IndexWriter<pipeline::Queued>>> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `work` with the writer, opened on first use.
    fn with_writer<T>(
        &self,
        work: impl FnOnce(&mut IndexWriter<pipeline::Queued>) -> Result<T, SearchError>,
    ) -> Result<T, SearchError> {
        let mut slot = self.writer_slot();
        let writer = match &mut *slot {
            Some(writer) => writer,
            empty => {
                let writer = empty.insert(self.new_writer()?);
                self.start_due_merges(writer)?;
                writer
            }
        };
        work(writer)
    }

    /// A writer: two indexing threads sharing the budget
    /// [`SearchIndex::size_writer_for`] chose, merging only when told to
    /// (see [`SearchIndex::start_due_merges`]).
    fn new_writer(&self) -> Result<IndexWriter<pipeline::Queued>, SearchError> {
        let budget = self
            .writer_budget
            .load(std::sync::atomic::Ordering::Relaxed);
        let writer = self.index.writer_with_num_threads(2, budget)?;
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        Ok(writer)
    }

    /// Sizes the writer for a batch of about `bytes` of text, before it is
    /// staged: a writer is made with that budget (within
    /// [`MIN_WRITER_BUDGET`] and [`MAX_WRITER_BUDGET`]). A writer in hand
    /// is replaced, once its merges are done, only to grow it and only with
    /// nothing staged; a smaller batch leaves a larger writer as it is (it
    /// fills no more of it than its own size).
    pub fn size_writer_for(&self, bytes: u64) -> Result<(), SearchError> {
        use std::sync::atomic::Ordering;
        let wanted = usize::try_from(bytes)
            .unwrap_or(usize::MAX)
            .clamp(MIN_WRITER_BUDGET, MAX_WRITER_BUDGET);
        let mut slot = self.writer_slot();
        let current = self.writer_budget.load(Ordering::Relaxed);
        if slot.is_some() {
            if wanted <= current || self.staged.load(Ordering::Relaxed) {
                return Ok(());
            }
            if let Some(writer) = slot.take() {
                writer.wait_merging_threads()?;
            }
        }
        self.writer_budget.store(wanted, Ordering::Relaxed);
        Ok(())
    }

    /// Starts, in the background, the merges tantivy's log merge policy
    /// asks for among the committed segments: after each commit, and when
    /// this process takes the writer (merges a process that ended cut
    /// short). The writer merges nothing on its own: its policy would merge
    /// a batch's segments among themselves as they are made, and again as
    /// they grow, while they are still being staged; merged once the batch
    /// is committed, every document is merged about once per level.
    fn start_due_merges(
        &self,
        writer: &mut IndexWriter<pipeline::Queued>,
    ) -> Result<(), SearchError> {
        use tantivy::indexer::{LogMergePolicy, MergePolicy};
        let mut merging = self.merging.lock().unwrap_or_else(|p| p.into_inner());
        let segments: Vec<_> = self
            .index
            .searchable_segment_metas()?
            .into_iter()
            .filter(|s| !merging.contains(&s.id()))
            .collect();
        for candidate in LogMergePolicy::default().compute_merge_candidates(&segments) {
            let ids = candidate.0;
            merging.extend(ids.iter().copied());
            let merge = writer.merge(&ids);
            // Started now; a thread of its own waits for its end (done,
            // failed, or cut short with its writer) to forget its segments.
            let forget = Arc::clone(&self.merging);
            std::thread::spawn(move || {
                let _ = merge.wait();
                let mut merging = forget.lock().unwrap_or_else(|p| p.into_inner());
                for id in &ids {
                    merging.remove(id);
                }
            });
        }
        Ok(())
    }

    /// Waits for the merges under way if the index is in more than
    /// [`SCATTERED`] segments (a command's last step after it wrote). A
    /// process that ends cuts its merges short, and the next one to take
    /// the writer starts them again; a server finishes them. Waiting for
    /// them after every import would double its time (the corpus's 68 MB:
    /// 16 s, and 20 s of merging), so an import waits only when many
    /// imports in a row have left the index in many pieces.
    pub fn finish_merges_if_scattered(&self) -> Result<(), SearchError> {
        if self.segment_count() > SCATTERED {
            if let Some(writer) = self.writer_slot().take() {
                writer.wait_merging_threads()?;
            }
            self.reader.reload()?;
        }
        Ok(())
    }

    /// Takes the index's writer if this process does not hold it yet.
    /// `Ok(false)` when another process holds it (only one may): that
    /// process indexes, this one only reads. Once taken, the writer is kept
    /// for the life of this index.
    pub fn try_writer(&self) -> Result<bool, SearchError> {
        match self.with_writer(|_| Ok(())) {
            Ok(()) => Ok(true),
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
        self.with_writer(|writer| Ok(writer.delete_all_documents()?))?;
        {
            let mut learning = self.learning.lock().unwrap_or_else(|p| p.into_inner());
            *learning = Learning::default();
            // Saved empty at the commit below.
            learning.learn_nothing();
        }
        self.commit(0)
    }

    /// Merges every segment into one and waits for it: each segment costs
    /// every search its own term lookups, so a rebuilt or bulk-loaded index
    /// searches fastest as one. Merging rewrites the whole index (minutes
    /// at a million records); imports leave it to tantivy's merge policy,
    /// which merges in the background as segments pile up.
    pub fn optimize(&self) -> Result<(), SearchError> {
        let mut slot = self.writer_slot();
        // Background merges first: the segments they work on change under
        // any merge started beside them.
        if let Some(writer) = slot.take() {
            writer.wait_merging_threads()?;
        }
        let writer = slot.insert(self.new_writer()?);
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

    /// Runs a search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, SearchError> {
        let node = query::parse(&request.query)?;
        let learned = self.learned();
        let mut compiler = Compiler {
            fields: &self.fields,
            authority: &self.authority,
            learned: &learned,
            exact: request.exact,
            widened: Vec::new(),
            facets: &self.facets,
            analyzers: self.query_analyzers.clone(),
        };
        let query = compiler.node(&node).unwrap_or_else(|| Box::new(EmptyQuery));
        let widened = std::mem::take(&mut compiler.widened);
        let mut query = compile::with_filters(&self.fields, query, &request.filters);
        let searcher = self.reader.searcher();
        if request.public_only && self.holds_non_public(&searcher)? {
            query = Box::new(BooleanQuery::new(vec![
                (Occur::Must, query),
                (
                    Occur::MustNot,
                    compile::not_public(&self.fields, &request.today),
                ),
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
                            top.order_by_fast_field::<i64>(schema::DATE_COLUMNS[0], order),
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
        let mut snippets =
            snippet::Snippets::new(&*query, self.fields.bodies(), self.analyzers.to_vec());
        let mut hits = Vec::new();
        let mut held = Widenings::new(widened, &searcher)?.held_by(&searcher, &page)?;
        for (i, (score, address)) in page.into_iter().enumerate() {
            let doc: TantivyDocument = searcher.doc(address)?;
            let mut hit = results::hit(&self.fields, &doc, score, &mut snippets);
            hit.widened = std::mem::take(&mut held[i]);
            hits.push(hit);
        }
        let facets = results::facet_counts(facet_counts, request.facet_limit);
        Ok(SearchResults {
            total,
            hits,
            facets,
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
}

/// The widenings of a query, each with the weight that finds it, to tell
/// which a hit holds.
struct Widenings {
    widenings: Vec<(Widened, Box<dyn tantivy::query::Weight>)>,
}

impl Widenings {
    /// The most widenings a hit is checked for (a query's first ones).
    const MAX: usize = 24;

    fn new(
        widened: Vec<(Widened, Box<dyn tantivy::query::Query>)>,
        searcher: &tantivy::Searcher,
    ) -> Result<Widenings, SearchError> {
        let scoring = tantivy::query::EnableScoring::disabled_from_searcher(searcher);
        let mut widenings = Vec::new();
        for (w, query) in widened.into_iter().take(Self::MAX) {
            widenings.push((w, query.weight(scoring)?));
        }
        Ok(Widenings { widenings })
    }

    /// The widenings each hit holds, each form once: one scorer per
    /// widening and segment, moved forward through the hits of that
    /// segment in document order.
    fn held_by(
        &self,
        searcher: &tantivy::Searcher,
        page: &[(f32, tantivy::DocAddress)],
    ) -> Result<Vec<Vec<Widened>>, SearchError> {
        use tantivy::DocSet;
        let mut out: Vec<Vec<Widened>> = vec![Vec::new(); page.len()];
        if self.widenings.is_empty() {
            return Ok(out);
        }
        let mut order: Vec<usize> = (0..page.len()).collect();
        order.sort_by_key(|&i| (page[i].1.segment_ord, page[i].1.doc_id));
        for (w, weight) in &self.widenings {
            let mut current: Option<(u32, Box<dyn tantivy::query::Scorer>)> = None;
            for &i in &order {
                let address = page[i].1;
                if out[i].iter().any(|o| o.form == w.form) {
                    continue;
                }
                if current
                    .as_ref()
                    .is_none_or(|(s, _)| *s != address.segment_ord)
                {
                    let segment = searcher.segment_reader(address.segment_ord);
                    current = Some((address.segment_ord, weight.scorer(segment, 1.0)?));
                }
                let Some((_, scorer)) = current.as_mut() else {
                    continue;
                };
                let mut doc = scorer.doc();
                if doc < address.doc_id {
                    doc = scorer.seek(address.doc_id);
                }
                if doc == address.doc_id {
                    out[i].push(w.clone());
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Provenance, RecordDate, TextKind, TextVersion, Visibility};
    use proptest::prelude::*;
    use query::day_bounds;

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
    fn brute_force(records: &[Record], analyzer: Analyzer, phrase: &str) -> Vec<String> {
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

    /// A small index of every analyzer's languages, names with several
    /// forms, dates, facets, and records the public may not see.
    fn small_index(dir: &Path) -> SearchIndex {
        let mut authority = NameAuthority::default();
        authority.add_group(vec![
            "Kim Il Sung".into(),
            "김일성".into(),
            "Ким Ир Сен".into(),
            "金日成".into(),
        ]);
        let index = SearchIndex::open(dir, authority).unwrap();
        let texts = [
            (
                "en",
                "Free men of the union: Kim Il Sung met <b>Khrushchev</b> & Müller.",
            ),
            ("ko", "김일성 학교에서 것이다. 金日成의 학교"),
            ("zh", "南京市长江大桥正式通车。我们在板门店签订停战协定。"),
            ("ru", "Товарищ Хрущёв и Ким Ир Сен."),
            ("de", "Die Häuser von Müller, 1962."),
            ("", ""),
        ];
        let dates = [Some("1962-10-22"), Some("194X"), None, Some("1960/1963")];
        let records: Vec<Record> = texts
            .iter()
            .enumerate()
            .map(|(i, (language, body))| {
                let mut r = record(i, language, body);
                r.date = dates[i % dates.len()].map(|d| RecordDate::new(d, None).unwrap());
                r.original_language = Some(language.to_string()).filter(|l| !l.is_empty());
                r.doc_type = Some("letter".into());
                r.collections.push(format!("Collection {}", i % 2));
                r.visibility = match i {
                    4 => Visibility::Draft,
                    5 => Visibility::Embargoed {
                        until: "2999-01-01".into(),
                    },
                    _ => Visibility::Published,
                };
                r
            })
            .collect();
        index.stage(records.iter().map(|r| (r, 1)), &[]).unwrap();
        index.commit(1).unwrap();
        index
    }

    /// The authority is made on first use, once: opening the index and
    /// reading its state make none; a search makes it, and its forms widen
    /// that search.
    #[test]
    fn the_authority_is_made_when_first_needed() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static MADE: AtomicUsize = AtomicUsize::new(0);
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open_with(dir.path(), || {
            MADE.fetch_add(1, Ordering::SeqCst);
            let mut authority = NameAuthority::default();
            authority.add_group(vec!["Kim Il Sung".into(), "김일성".into()]);
            authority
        })
        .unwrap();
        assert_eq!(index.applied_change().unwrap(), 0);
        assert_eq!(MADE.load(Ordering::SeqCst), 0, "not made by opening");
        let r = record(1, "ko", "김일성 동지의 편지.");
        index.stage_new([(&r, 1)]).unwrap();
        index.commit(1).unwrap();
        assert_eq!(MADE.load(Ordering::SeqCst), 1, "made to analyse a record");
        let found = index
            .search(&SearchRequest::new("Kim Il Sung", 10))
            .unwrap();
        assert_eq!(found.total, 1, "the authority's forms widen the query");
        index.prepare_names();
        assert_eq!(MADE.load(Ordering::SeqCst), 1, "made once");
    }

    /// Segments are merged after commits, by the log policy, never lost:
    /// forty commits of one record each leave the index in fewer pieces
    /// once the merges are waited for, every record still found once; an
    /// index in few pieces is not waited for.
    #[test]
    fn commits_start_the_merges_and_a_scattered_index_waits_for_them() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path(), NameAuthority::default()).unwrap();
        for i in 0..40 {
            let r = record(i, "en", "a letter about the harvest");
            index.stage_new([(&r, 1)]).unwrap();
            index.commit(i as u64 + 1).unwrap();
        }
        index.finish_merges_if_scattered().unwrap();
        if index.segment_count() > SCATTERED {
            // Waited for already; more merges may have been due since.
            index.finish_merges_if_scattered().unwrap();
        }
        index.reader.reload().unwrap();
        assert!(
            index.segment_count() <= SCATTERED,
            "{}",
            index.segment_count()
        );
        assert!(index.segment_count() < 40, "{}", index.segment_count());
        let found = index.search(&SearchRequest::new("harvest", 100)).unwrap();
        assert_eq!(found.total, 40);
        let ids: std::collections::BTreeSet<String> = index
            .documents()
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(ids.len(), 40);
        assert_eq!(index.applied_change().unwrap(), 40);
    }

    /// A name written in hanja is found by its hangul reading, and a hit
    /// says so; the reading of another name is no match of this one.
    #[test]
    fn hanja_are_found_by_their_hangul_reading() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path(), NameAuthority::default()).unwrap();
        let a = record(1, "ko", "金玉均의 일을 적은 글이다.");
        let b = record(2, "ko", "김옥분의 편지.");
        index.stage([(&a, 1), (&b, 1)], &[]).unwrap();
        index.commit(1).unwrap();
        let found = index.search(&SearchRequest::new("김옥균", 10)).unwrap();
        let ids: Vec<&str> = found.hits.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["r001"]);
        assert_eq!(found.hits[0].widened[0].why, "conversion");
        assert_eq!(found.hits[0].widened[0].form, "김옥균");
        let mut exact = SearchRequest::new("김옥균", 10);
        exact.exact = true;
        assert_eq!(index.search(&exact).unwrap().total, 0);
    }

    /// Searches of any query, order, page and filters: an answer or a
    /// refused query, never a panic or an index error; every snippet's
    /// marks lie in its text, in order, on character boundaries.
    #[test]
    fn searching_never_panics() {
        use proptest::test_runner::{Config, TestRunner};
        let dir = tempfile::tempdir().unwrap();
        let index = small_index(dir.path());
        // The index answers, with marked snippets, and hides what is not
        // public.
        let found = index.search(&SearchRequest::new("Khrushchev", 10)).unwrap();
        assert!(found.hits.iter().any(|h| !h.snippet.marks.is_empty()));
        assert_eq!(index.search(&SearchRequest::new("*", 10)).unwrap().total, 4);
        let values = [
            "1962",
            "1940",
            "en",
            "ko",
            "letter",
            "Collection 1",
            "",
            "x",
        ];
        let requests = (
            query::strategies::queries(),
            prop::sample::select(&[Sort::Relevance, Sort::Date, Sort::DateDesc][..]),
            any::<bool>(),
            (0usize..8, 0usize..8, 0usize..3),
            prop::collection::vec(
                (
                    prop::sample::select(&Facet::ALL[..]),
                    prop::sample::select(values.to_vec()),
                ),
                0..3,
            ),
            prop::sample::select(&["2020-01-01", "3000-01-01", "not a day"][..]),
        );
        let mut runner = TestRunner::new(Config {
            cases: 400,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(
                &requests,
                |(query, sort, public_only, (offset, limit, facet_limit), filters, today)| {
                    let request = SearchRequest {
                        query: query.clone(),
                        limit,
                        offset,
                        sort,
                        public_only,
                        today: today.to_string(),
                        facet_limit,
                        filters: filters
                            .into_iter()
                            .map(|(f, v)| (f, v.to_string()))
                            .collect(),
                        exact: false,
                    };
                    match index.search(&request) {
                        Ok(results) => {
                            prop_assert!(results.hits.len() <= limit);
                            for hit in &results.hits {
                                let Snippet { text, marks } = &hit.snippet;
                                let mut at = 0;
                                for m in marks {
                                    prop_assert!(at <= m.start && m.start < m.end, "{query:?}");
                                    prop_assert!(m.end <= text.len(), "{query:?}");
                                    prop_assert!(text.is_char_boundary(m.start), "{query:?}");
                                    prop_assert!(text.is_char_boundary(m.end), "{query:?}");
                                    at = m.end;
                                }
                            }
                        }
                        Err(SearchError::BadQuery(_)) => {}
                        Err(e) => prop_assert!(false, "{query:?}: {e}"),
                    }
                    Ok(())
                },
            )
            .unwrap();
    }

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
            index.stage(records.iter().map(|r| (r, 1)), &[]).unwrap();
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
            index.stage(records.iter().map(|r| (r, 1)), &[]).unwrap();
            index.commit(1).unwrap();
            let (en_records, ko_records) = records.split_at(en.len());
            for (subset, analyzer, phrase) in
                [(en_records, Analyzer::En, &en_phrase), (ko_records, Analyzer::Xx, &ko_phrase)]
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
