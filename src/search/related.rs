//! Records like a given one, by their words ("more like this"), and the
//! forms the index knows of a person.
//!
//! Invariants:
//! - [`SearchIndex::similar`] never returns the record it started from, and
//!   with `public_only` it never returns a record the public may not see on
//!   `today` (the same exclusion a search uses).
//! - Scores are tantivy's, over the distinctive words of the record's text
//!   versions and title; they rank, they do not explain: a caller shows
//!   "similar text" as the reason.
//! - [`SearchIndex::sharing`] finds records by the people, places and
//!   subjects they hold as facet values, never the record it starts from,
//!   with the same exclusion of what the public may not see.

use super::compile;
use super::entities;
use super::query::day_number;
use super::{Facet, SearchError, SearchIndex};
use crate::model::Agent;
use std::ops::Bound;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, MoreLikeThisQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{TantivyDocument, Term};

/// Which records a search for related ones may return, and how many.
#[derive(Debug, Clone)]
pub struct RelatedScope {
    /// Only what the public may see on `today`.
    pub public_only: bool,
    /// The day embargoes are judged on (`YYYY-MM-DD`).
    pub today: String,
    /// At most this many.
    pub limit: usize,
    /// Only records whose date starts within these years (inclusive).
    pub years: Option<(i64, i64)>,
}

/// How records are like a given one.
#[derive(Debug, Clone, Copy)]
pub enum Likeness<'a> {
    /// By their words ([`SearchIndex::similar`]).
    Words,
    /// By the people, places or subjects (facet values) they share with it
    /// ([`SearchIndex::sharing`]).
    Names(&'a [(Facet, String)]),
}

impl SearchIndex {
    /// Up to `limit` records whose words are most like those of record
    /// `id`, best first, with their scores; with `years`, only records whose
    /// date starts within those years (inclusive). Empty when `id` is not
    /// indexed.
    pub fn similar(
        &self,
        id: &str,
        scope: &RelatedScope,
    ) -> Result<Vec<(String, f32)>, SearchError> {
        let searcher = self.reader.searcher();
        let own = self.own(id);
        let Some((_, address)) = searcher
            .search(&own, &TopDocs::with_limit(1).order_by_score())?
            .into_iter()
            .next()
        else {
            return Ok(Vec::new());
        };
        let like = MoreLikeThisQuery::builder()
            .with_min_doc_frequency(2)
            .with_max_doc_frequency((searcher.num_docs() / 2).max(3))
            .with_min_term_frequency(1)
            .with_max_query_terms(40)
            .with_min_word_length(3)
            .with_document(address);
        let clauses: Vec<(Occur, Box<dyn Query>)> = vec![
            (Occur::Must, Box::new(like)),
            (Occur::MustNot, Box::new(own)),
        ];
        self.ranked_ids(clauses, scope)
    }

    /// Up to `limit` records other than `id` that share any of `values`
    /// (people, places, subjects as facet values), best first: a value few
    /// records hold counts more than a common one, and each shared value
    /// adds. With `years`, only records whose date starts within them.
    pub fn sharing(
        &self,
        id: &str,
        values: &[(Facet, String)],
        scope: &RelatedScope,
    ) -> Result<Vec<(String, f32)>, SearchError> {
        if values.is_empty() {
            return Ok(Vec::new());
        }
        let any: Vec<(Occur, Box<dyn Query>)> = values
            .iter()
            .map(|(facet, value)| {
                let term = Term::from_field_text(self.fields.facet(*facet), value);
                (
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)) as Box<dyn Query>,
                )
            })
            .collect();
        let own = self.own(id);
        let clauses: Vec<(Occur, Box<dyn Query>)> = vec![
            (Occur::Must, Box::new(BooleanQuery::new(any))),
            (Occur::MustNot, Box::new(own)),
        ];
        self.ranked_ids(clauses, scope)
    }

    /// The query for record `id` itself.
    fn own(&self, id: &str) -> TermQuery {
        TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        )
    }

    /// The ids and scores of the best `limit` records matching `clauses`,
    /// narrowed to `years` and, with `public_only`, to what the public may
    /// see on `today`.
    fn ranked_ids(
        &self,
        mut clauses: Vec<(Occur, Box<dyn Query>)>,
        scope: &RelatedScope,
    ) -> Result<Vec<(String, f32)>, SearchError> {
        let searcher = self.reader.searcher();
        if let Some((from, to)) = scope.years {
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    Bound::Included(Term::from_field_i64(
                        self.fields.date_lo,
                        day_number(from, 1, 1),
                    )),
                    Bound::Included(Term::from_field_i64(
                        self.fields.date_lo,
                        day_number(to, 12, 31),
                    )),
                )),
            ));
        }
        if scope.public_only {
            clauses.push((
                Occur::MustNot,
                compile::not_public(&self.fields, &scope.today),
            ));
        }
        let query = BooleanQuery::new(clauses);
        let top = searcher.search(
            &query,
            &TopDocs::with_limit(scope.limit.max(1)).order_by_score(),
        )?;
        let mut out = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            if let Some(found) = doc.get_first(self.fields.id).and_then(|v| v.as_str()) {
                out.push((found.to_string(), score));
            }
        }
        Ok(out)
    }

    /// The generation of the index's searcher: it changes whenever what a
    /// search sees may have changed (a commit, a merge), so a cache of
    /// search-derived answers is current while it holds.
    pub fn generation(&self) -> u64 {
        self.reader.searcher().generation().generation_id()
    }

    /// The label of the person an agent names, by this index's authority
    /// ([`entities::person_label`]): the value of the person facets.
    pub fn person_label(&self, agent: &Agent) -> String {
        entities::person_label(agent, &self.authority)
    }

    /// A record's facet values by this index's authority
    /// ([`super::facet_values`]): what the index holds of it.
    pub fn facet_values(&self, record: &crate::model::Record) -> Vec<(Facet, String)> {
        super::facet_values(record, &self.authority)
    }

    /// Every form the authority knows of a person's name (the preferred form
    /// first); empty when it knows none.
    pub fn name_forms(&self, name: &str) -> Vec<String> {
        self.authority
            .own_forms_of(name)
            .map(<[String]>::to_vec)
            .unwrap_or_default()
    }

    /// The Wikidata item the authority gives the person a name is a form of.
    pub fn wikidata_item(&self, name: &str) -> Option<String> {
        self.authority.item_of(name).map(str::to_string)
    }

    /// The preferred form of the person a Wikidata item identifies, if the
    /// authority knows the item.
    pub fn person_of_item(&self, item: &str) -> Option<String> {
        self.authority
            .forms_of_item(item)
            .and_then(|f| f.first())
            .cloned()
    }
}
