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

use super::compile;
use super::entities;
use super::query::day_number;
use super::{SearchError, SearchIndex};
use crate::model::Agent;
use std::ops::Bound;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, MoreLikeThisQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{TantivyDocument, Term};

impl SearchIndex {
    /// Up to `limit` records whose words are most like those of record
    /// `id`, best first, with their scores; with `years`, only records whose
    /// date starts within those years (inclusive). Empty when `id` is not
    /// indexed.
    pub fn similar(
        &self,
        id: &str,
        public_only: bool,
        today: &str,
        limit: usize,
        years: Option<(i64, i64)>,
    ) -> Result<Vec<(String, f32)>, SearchError> {
        let searcher = self.reader.searcher();
        let id_term = Term::from_field_text(self.fields.id, id);
        let own = TermQuery::new(id_term.clone(), IndexRecordOption::Basic);
        let Some((_, address)) = searcher
            .search(&own, &TopDocs::with_limit(1).order_by_score())?
            .into_iter()
            .next()
        else {
            return Ok(Vec::new());
        };
        let like = MoreLikeThisQuery::builder()
            .with_min_doc_frequency(2)
            .with_max_doc_frequency((searcher.num_docs() / 5).max(3))
            .with_min_term_frequency(1)
            .with_max_query_terms(40)
            .with_min_word_length(3)
            .with_document(address);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![
            (Occur::Must, Box::new(like)),
            (Occur::MustNot, Box::new(own)),
        ];
        if let Some((from, to)) = years {
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
        if public_only {
            clauses.push((Occur::MustNot, compile::not_public(&self.fields, today)));
        }
        let query = BooleanQuery::new(clauses);
        let top = searcher.search(&query, &TopDocs::with_limit(limit.max(1)).order_by_score())?;
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

    /// Every form the authority knows of a person's name (the preferred form
    /// first); empty when it knows none.
    pub fn name_forms(&self, name: &str) -> Vec<String> {
        self.authority
            .forms_of(name)
            .map(<[String]>::to_vec)
            .unwrap_or_default()
    }
}
