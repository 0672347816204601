//! Exact facet counts from per-segment ordinal arrays held in memory.
//!
//! Each facet dimension is a string fast field. Reading a multi-valued
//! column per matching record (an index lookup, then a block decode) costs
//! more than the search itself once a query matches thousands of records,
//! so for every segment [`FacetCache`] turns each dimension's column into a
//! plain array once, when the segment is first searched (a [`Warmer`]: as
//! the reader reloads, off the search path): record → value ordinal for
//! dimensions with one value per record, record → run of ordinals for the
//! others, and the values themselves. Counting a match is then an array
//! read and an increment per dimension. Segments are immutable, so an entry
//! stays right for as long as its segment lives; deleted records are never
//! counted (tantivy skips them before any collector sees them).
//!
//! The same arrays hold each record's date bounds (`date_lo`, `date_hi`
//! as `i32` day numbers), which a date range tests on the candidates of a
//! conjunction ([`SegmentFacets::date_within`]).
//!
//! Invariant: every matching live document is counted once per distinct
//! value it holds in a dimension (values are deduplicated at index time).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, Searcher, SearcherGeneration, SegmentOrdinal, SegmentReader, Warmer};

/// "No value" in a single-valued ordinal array.
const NONE: u32 = u32::MAX;

/// The ordinal arrays of every live segment, for the named fast fields, and
/// per searcher generation the values of all its segments merged (global
/// ordinals), so that counts from several segments add up as arrays.
pub struct FacetCache {
    fields: Vec<String>,
    /// The i64 fast fields of the lower and upper date bounds.
    date_fields: [String; 2],
    segments: RwLock<HashMap<SegmentId, Arc<SegmentFacets>>>,
    generations: RwLock<HashMap<u64, Arc<GenerationFacets>>>,
}

impl FacetCache {
    /// A cache for these fast string fields (one per facet dimension) and
    /// these two date-bound fields.
    pub fn new(fields: Vec<String>, date_fields: [String; 2]) -> FacetCache {
        FacetCache {
            fields,
            date_fields,
            segments: RwLock::new(HashMap::new()),
            generations: RwLock::new(HashMap::new()),
        }
    }

    /// A collector counting every dimension over a search's matches on
    /// `searcher`.
    pub fn counter(&self, searcher: &Searcher) -> tantivy::Result<FacetCounter> {
        Ok(FacetCounter {
            generation: self.generation(searcher)?,
        })
    }

    /// The merged values of a searcher's segments, built on first use.
    fn generation(&self, searcher: &Searcher) -> tantivy::Result<Arc<GenerationFacets>> {
        let id = searcher.generation().generation_id();
        if let Some(found) = read(&self.generations).get(&id) {
            return Ok(Arc::clone(found));
        }
        let mut segments = HashMap::new();
        for reader in searcher.segment_readers() {
            segments.insert(reader.segment_id(), self.segment(reader)?);
        }
        let built = Arc::new(GenerationFacets::build(self.fields.len(), segments));
        write(&self.generations).insert(id, Arc::clone(&built));
        Ok(built)
    }

    /// The arrays of one segment, built on first use.
    pub fn segment(&self, reader: &SegmentReader) -> tantivy::Result<Arc<SegmentFacets>> {
        let id = reader.segment_id();
        if let Some(found) = read(&self.segments).get(&id) {
            return Ok(Arc::clone(found));
        }
        let built = Arc::new(SegmentFacets::build(
            reader,
            &self.fields,
            &self.date_fields,
        )?);
        write(&self.segments).insert(id, Arc::clone(&built));
        Ok(built)
    }

    /// Bytes the arrays hold (for metrics).
    pub fn heap_bytes(&self) -> usize {
        read(&self.segments).values().map(|s| s.heap_bytes()).sum()
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|p| p.into_inner())
}

impl Warmer for FacetCache {
    fn warm(&self, searcher: &Searcher) -> tantivy::Result<()> {
        self.generation(searcher).map(|_| ())
    }

    fn garbage_collect(&self, live_generations: &[&SearcherGeneration]) {
        let live: std::collections::HashSet<SegmentId> = live_generations
            .iter()
            .flat_map(|g| g.segments().keys().copied())
            .collect();
        let generations: std::collections::HashSet<u64> =
            live_generations.iter().map(|g| g.generation_id()).collect();
        write(&self.segments).retain(|id, _| live.contains(id));
        write(&self.generations).retain(|id, _| generations.contains(id));
    }
}

/// The segments of one searcher generation, with every dimension's values
/// merged in byte order: per segment, segment ordinal → global ordinal.
pub struct GenerationFacets {
    segments: HashMap<SegmentId, (Arc<SegmentFacets>, Vec<Vec<u32>>)>,
    /// Per dimension, global ordinal → value.
    values: Vec<Vec<String>>,
}

impl GenerationFacets {
    fn build(dims: usize, segments: HashMap<SegmentId, Arc<SegmentFacets>>) -> GenerationFacets {
        let mut values = Vec::with_capacity(dims);
        let mut maps: HashMap<SegmentId, Vec<Vec<u32>>> = HashMap::with_capacity(segments.len());
        for dim in 0..dims {
            let mut all: Vec<&str> = segments
                .values()
                .filter_map(|s| s.dims[dim].as_ref())
                .flat_map(|d| d.values.iter().map(String::as_str))
                .collect();
            all.sort_unstable();
            all.dedup();
            for (id, segment) in &segments {
                let map = segment.dims[dim].as_ref().map_or_else(Vec::new, |d| {
                    d.values
                        .iter()
                        .map(|v| all.binary_search(&v.as_str()).unwrap_or(0) as u32)
                        .collect()
                });
                maps.entry(*id).or_default().push(map);
            }
            values.push(all.into_iter().map(str::to_string).collect());
        }
        let segments = segments
            .into_iter()
            .map(|(id, s)| {
                let map = maps.remove(&id).unwrap_or_default();
                (id, (s, map))
            })
            .collect();
        GenerationFacets { segments, values }
    }
}

/// One segment's dimensions, and its records' date bounds.
pub struct SegmentFacets {
    dims: Vec<Option<Dim>>,
    /// Record → `[lo, hi]` day numbers, saturated to `i32` (which holds
    /// every year within ±214,000); an undated record holds
    /// `[i32::MAX, i32::MIN]`.
    dates: Vec<[i32; 2]>,
}

/// One dimension of one segment: ordinals per record, and the values.
struct Dim {
    ords: Ords,
    /// Ordinal → value.
    values: Vec<String>,
}

enum Ords {
    /// Record → its one ordinal, or [`NONE`].
    Single(Vec<u32>),
    /// Record `d` holds `ords[starts[d]..starts[d + 1]]`.
    Multi { starts: Vec<u32>, ords: Vec<u32> },
}

impl SegmentFacets {
    fn build(
        reader: &SegmentReader,
        fields: &[String],
        date_fields: &[String; 2],
    ) -> tantivy::Result<SegmentFacets> {
        let max_doc = reader.max_doc();
        let lo = reader.fast_fields().i64(&date_fields[0])?;
        let hi = reader.fast_fields().i64(&date_fields[1])?;
        let dates = (0..max_doc)
            .map(|d| {
                [
                    saturate(lo.first(d).unwrap_or(i64::MAX)),
                    saturate(hi.first(d).unwrap_or(i64::MIN)),
                ]
            })
            .collect();
        let mut dims = Vec::with_capacity(fields.len());
        for name in fields {
            let column = reader.fast_fields().str(name)?;
            // A column without values (a dimension no record of the
            // segment has) is left out: nothing to count.
            let dim = column
                .filter(|c| c.num_terms() > 0)
                .map(|c| Dim::build(&c, max_doc))
                .transpose()?;
            dims.push(dim);
        }
        Ok(SegmentFacets { dims, dates })
    }

    /// Whether record `doc` is dated, within `[from, to]` (day numbers).
    #[inline]
    pub fn date_within(&self, doc: DocId, from: i64, to: i64) -> bool {
        let [lo, hi] = self.dates[doc as usize];
        from <= lo as i64 && lo <= hi && hi as i64 <= to
    }

    fn heap_bytes(&self) -> usize {
        self.dates.len() * 8
            + self
                .dims
                .iter()
                .flatten()
                .map(|d| {
                    let ords = match &d.ords {
                        Ords::Single(o) => o.len() * 4,
                        Ords::Multi { starts, ords } => (starts.len() + ords.len()) * 4,
                    };
                    ords + d.values.iter().map(|v| v.len() + 24).sum::<usize>()
                })
                .sum::<usize>()
    }
}

fn saturate(day: i64) -> i32 {
    day.clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

impl Dim {
    fn build(column: &StrColumn, max_doc: DocId) -> tantivy::Result<Dim> {
        let column_ords = column.ords();
        let ords = match column_ords.get_cardinality() {
            Cardinality::Full | Cardinality::Optional => Ords::Single(
                (0..max_doc)
                    .map(|d| column_ords.first(d).map_or(NONE, |o| o as u32))
                    .collect(),
            ),
            Cardinality::Multivalued => {
                let mut starts = Vec::with_capacity(max_doc as usize + 1);
                let mut ords = Vec::new();
                for d in 0..max_doc {
                    starts.push(ords.len() as u32);
                    ords.extend(column_ords.values_for_doc(d).map(|o| o as u32));
                }
                starts.push(ords.len() as u32);
                Ords::Multi { starts, ords }
            }
        };
        let mut values = Vec::with_capacity(column.num_terms());
        let mut terms = column.dictionary().stream()?;
        while terms.advance() {
            values.push(String::from_utf8_lossy(terms.key()).into_owned());
        }
        Ok(Dim { ords, values })
    }
}

/// Counts the values of every dimension over all matches.
pub struct FacetCounter {
    generation: Arc<GenerationFacets>,
}

/// Counts per dimension: value → number of matching records.
pub type FacetFruit = Vec<HashMap<String, u64>>;

/// Per dimension, global ordinal → matches (what segments hand back).
pub struct GlobalCounts(Vec<Vec<u64>>);

/// The per-segment part of [`FacetCounter`].
pub struct FacetSegment {
    facets: Arc<SegmentFacets>,
    /// Per dimension, segment ordinal → global ordinal.
    to_global: Vec<Vec<u32>>,
    /// Global values per dimension (how long the harvested arrays are).
    global_len: Vec<usize>,
    /// Per dimension, segment ordinal → matches.
    counts: Vec<Vec<u32>>,
    /// The matches, counted at harvest.
    docs: Vec<DocId>,
}

impl Collector for FacetCounter {
    type Fruit = FacetFruit;
    type Child = FacetSegment;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<FacetSegment> {
        let (facets, to_global) = self
            .generation
            .segments
            .get(&reader.segment_id())
            .cloned()
            .ok_or_else(|| {
                tantivy::TantivyError::InternalError(
                    "facet counter used with another searcher".into(),
                )
            })?;
        let counts = facets
            .dims
            .iter()
            .map(|d| vec![0u32; d.as_ref().map_or(0, |d| d.values.len())])
            .collect();
        Ok(FacetSegment {
            facets,
            to_global,
            global_len: self.generation.values.iter().map(Vec::len).collect(),
            counts,
            docs: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<GlobalCounts>) -> tantivy::Result<FacetFruit> {
        let mut sum: Vec<Vec<u64>> = self
            .generation
            .values
            .iter()
            .map(|v| vec![0; v.len()])
            .collect();
        for GlobalCounts(fruit) in fruits {
            for (into, from) in sum.iter_mut().zip(fruit) {
                for (i, c) in from.into_iter().enumerate() {
                    into[i] += c;
                }
            }
        }
        Ok(sum
            .into_iter()
            .zip(&self.generation.values)
            .map(|(counts, values)| {
                counts
                    .into_iter()
                    .zip(values)
                    .filter(|(c, _)| *c > 0)
                    .map(|(c, v)| (v.clone(), c))
                    .collect()
            })
            .collect())
    }
}

impl SegmentCollector for FacetSegment {
    type Fruit = GlobalCounts;

    #[inline]
    fn collect(&mut self, doc: DocId, _score: Score) {
        self.docs.push(doc);
    }

    fn harvest(mut self) -> GlobalCounts {
        // One dimension at a time over the matches: one array in cache.
        for (dim, counts) in self.facets.dims.iter().zip(self.counts.iter_mut()) {
            let Some(dim) = dim else { continue };
            match &dim.ords {
                Ords::Single(ords) => {
                    for &doc in &self.docs {
                        let ord = ords[doc as usize];
                        if ord != NONE {
                            counts[ord as usize] += 1;
                        }
                    }
                }
                Ords::Multi { starts, ords } => {
                    for &doc in &self.docs {
                        let (from, to) = (starts[doc as usize], starts[doc as usize + 1]);
                        for &ord in &ords[from as usize..to as usize] {
                            counts[ord as usize] += 1;
                        }
                    }
                }
            }
        }
        GlobalCounts(
            self.counts
                .into_iter()
                .zip(&self.to_global)
                .zip(&self.global_len)
                .map(|((counts, to_global), &len)| {
                    let mut global = vec![0u64; len];
                    for (ord, c) in counts.into_iter().enumerate() {
                        if c > 0 {
                            global[to_global[ord] as usize] += c as u64;
                        }
                    }
                    global
                })
                .collect(),
        )
    }
}
