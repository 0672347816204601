//! A query whose matches are another query's, kept where a test of each
//! document holds: [`Filtered`].
//!
//! A condition that tantivy would otherwise meet as one more clause of an
//! intersection (a date range beside a word) costs, per candidate, a seek
//! of the word's scorer past every document the condition turns down. Here
//! the inner scorer only ever advances, and the test is a plain function of
//! the document number, so a rejected candidate costs one call.
//!
//! Invariant: a [`Filtered`] query matches exactly the inner query's
//! matches for which the segment's test returns `true`, with the inner
//! query's scores unchanged.

use std::sync::Arc;
use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

/// Makes, for one segment, the test of its documents.
pub type SegmentTest =
    dyn Fn(&SegmentReader) -> tantivy::Result<Box<dyn Fn(DocId) -> bool + Send>> + Send + Sync;

/// `inner`'s matches for which the test holds.
#[derive(Clone)]
pub struct Filtered {
    inner: Arc<dyn Query>,
    test: Arc<SegmentTest>,
}

impl Filtered {
    pub fn new(inner: Box<dyn Query>, test: Arc<SegmentTest>) -> Filtered {
        Filtered {
            inner: Arc::from(inner),
            test,
        }
    }
}

impl std::fmt::Debug for Filtered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Filtered")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl Query for Filtered {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(FilteredWeight {
            inner: self.inner.weight(scoring)?,
            test: Arc::clone(&self.test),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        self.inner.query_terms(visitor);
    }
}

struct FilteredWeight {
    inner: Box<dyn Weight>,
    test: Arc<SegmentTest>,
}

impl Weight for FilteredWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorer = FilteredScorer {
            inner: self.inner.scorer(reader, boost)?,
            test: (self.test)(reader)?,
        };
        scorer.settle();
        Ok(Box::new(scorer))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        if !(self.test)(reader)?(doc) {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not pass the filter"
            )));
        }
        self.inner.explain(reader, doc)
    }
}

struct FilteredScorer {
    inner: Box<dyn Scorer>,
    test: Box<dyn Fn(DocId) -> bool + Send>,
}

impl FilteredScorer {
    /// Moves on from the inner scorer's current document to the first that
    /// passes (or the end).
    fn settle(&mut self) -> DocId {
        let mut doc = self.inner.doc();
        while doc != TERMINATED && !(self.test)(doc) {
            doc = self.inner.advance();
        }
        doc
    }
}

impl DocSet for FilteredScorer {
    fn advance(&mut self) -> DocId {
        if self.inner.advance() == TERMINATED {
            return TERMINATED;
        }
        self.settle()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.inner.doc() >= target {
            return self.inner.doc();
        }
        if self.inner.seek(target) == TERMINATED {
            return TERMINATED;
        }
        self.settle()
    }

    fn doc(&self) -> DocId {
        self.inner.doc()
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }

    fn cost(&self) -> u64 {
        self.inner.cost()
    }
}

impl Scorer for FilteredScorer {
    fn score(&mut self) -> Score {
        self.inner.score()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{AllQuery, TermQuery};
    use tantivy::schema::{IndexRecordOption, STRING, Schema};
    use tantivy::{Index, TantivyDocument, Term};

    /// Filtering keeps exactly the passing matches, through `advance`
    /// (counting, ranking) and `seek` (inside an intersection).
    #[test]
    fn keeps_exactly_the_matches_that_pass() {
        let mut schema = Schema::builder();
        let word = schema.add_text_field("word", STRING);
        let index = Index::create_in_ram(schema.build());
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
        for i in 0..300u32 {
            let mut doc = TantivyDocument::new();
            doc.add_text(word, if i % 3 == 0 { "three" } else { "other" });
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let test: Arc<SegmentTest> = Arc::new(|_: &SegmentReader| {
            Ok(Box::new(|doc: DocId| doc.is_multiple_of(2)) as Box<dyn Fn(DocId) -> bool + Send>)
        });
        let three = || {
            Box::new(TermQuery::new(
                Term::from_field_text(word, "three"),
                IndexRecordOption::Basic,
            )) as Box<dyn Query>
        };
        let filtered = Filtered::new(three(), Arc::clone(&test));
        assert_eq!(searcher.search(&filtered, &Count).unwrap(), 50);
        let top = searcher
            .search(&filtered, &TopDocs::with_limit(300).order_by_score())
            .unwrap();
        assert!(top.iter().all(|(_, a)| a.doc_id % 6 == 0), "{top:?}");
        assert_eq!(top.len(), 50);
        let both = tantivy::query::BooleanQuery::new(vec![
            (
                tantivy::query::Occur::Must,
                Box::new(Filtered::new(Box::new(AllQuery), test)) as Box<dyn Query>,
            ),
            (tantivy::query::Occur::Must, three()),
        ]);
        assert_eq!(searcher.search(&both, &Count).unwrap(), 50);
    }
}
