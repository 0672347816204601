//! Exact facet counts from fast-field columns.
//!
//! Each facet dimension is a multi-valued string fast field. Per segment the
//! collector counts term ordinals in a plain array (one increment per value
//! of each matching record) and turns only the ordinals it saw into strings
//! at the end, which is far cheaper per matching record than tantivy's
//! hierarchical `FacetCollector`.
//!
//! Invariant: every matching live document is counted once per distinct
//! value it holds in a dimension (values are deduplicated at index time).

use std::collections::HashMap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Counts the values of the named fast fields over all matches.
pub struct FacetCounter {
    fields: Vec<String>,
}

impl FacetCounter {
    /// A counter for these fast string fields.
    pub fn new(fields: Vec<String>) -> FacetCounter {
        FacetCounter { fields }
    }
}

/// Counts per field: value → number of matching records.
pub type FacetFruit = Vec<HashMap<String, u64>>;

/// The per-segment part of [`FacetCounter`].
pub struct FacetSegment {
    columns: Vec<Option<(StrColumn, Vec<u32>)>>,
}

impl Collector for FacetCounter {
    type Fruit = FacetFruit;
    type Child = FacetSegment;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<FacetSegment> {
        let mut columns = Vec::with_capacity(self.fields.len());
        for name in &self.fields {
            let column = reader.fast_fields().str(name)?;
            columns.push(column.map(|c| {
                let counts = vec![0u32; c.num_terms()];
                (c, counts)
            }));
        }
        Ok(FacetSegment { columns })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetFruit>) -> tantivy::Result<FacetFruit> {
        let mut merged: FacetFruit = vec![HashMap::new(); self.fields.len()];
        for fruit in fruits {
            for (into, from) in merged.iter_mut().zip(fruit) {
                for (value, count) in from {
                    *into.entry(value).or_default() += count;
                }
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for FacetSegment {
    type Fruit = FacetFruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for (column, counts) in self.columns.iter_mut().flatten() {
            for ord in column.ords().values_for_doc(doc) {
                counts[ord as usize] += 1;
            }
        }
    }

    fn harvest(self) -> FacetFruit {
        self.columns
            .into_iter()
            .map(|column| {
                let mut out = HashMap::new();
                let Some((column, counts)) = column else {
                    return out;
                };
                let seen = counts.iter().filter(|c| **c > 0).count();
                if seen > 16 {
                    // Many values: one pass over the dictionary beats a
                    // block decode per value.
                    if let Ok(mut terms) = column.dictionary().stream() {
                        while terms.advance() {
                            let count = counts[terms.term_ord() as usize];
                            if count > 0 {
                                let value = String::from_utf8_lossy(terms.key()).into_owned();
                                out.insert(value, count as u64);
                            }
                        }
                        return out;
                    }
                }
                let mut value = String::new();
                for (ord, &count) in counts.iter().enumerate() {
                    if count > 0 && column.ord_to_str(ord as u64, &mut value).unwrap_or(false) {
                        out.insert(value.clone(), count as u64);
                    }
                }
                out
            })
            .collect()
    }
}
