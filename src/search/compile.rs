//! A parsed query ([`super::query::Node`]) turned into a tantivy query:
//! which fields a word is looked for in (and how much each counts), names
//! widened to every form the authority knows, Cyrillic also as Latin, date
//! ranges, facet filters, and what the public may not see.
//!
//! Invariants:
//! - A word is analysed by the query form of its field's analyzer, so every
//!   term looked up is a term the index makes of the same text.
//! - Adjacent terms are looked up as their indexed pairs
//!   ([`analysis::WordPairs`]) wherever the analyzer pairs them, so a phrase
//!   finds exactly the records holding its words in a row.
//! - A date range holds a record only when the record's whole date range
//!   lies within it, whether tested by range scans or per candidate.

use super::analysis::{self, Analyzer};
use super::facets::FacetCache;
use super::filter;
use super::names::{self, NameAuthority};
use super::query::{Node, QueryField, day_number};
use super::schema::{Facet, Fields};
use std::ops::Bound;
use std::sync::Arc;
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

/// Turns a parsed query into a tantivy query.
pub(super) struct Compiler<'a> {
    pub fields: &'a Fields,
    pub authority: &'a NameAuthority,
    /// Where date ranges read records' bounds from.
    pub facets: &'a Arc<FacetCache>,
    /// The query form of each analyzer, by [`Analyzer::index`].
    pub analyzers: [TextAnalyzer; Analyzer::ALL.len()],
}

impl Compiler<'_> {
    /// `None` for a node that can match nothing it could be asked about
    /// (a word of punctuation only): it is left out of its group.
    pub fn node(&mut self, node: &Node) -> Option<Box<dyn Query>> {
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
        let query: Box<dyn Query> = match <[_; 1]>::try_from(clauses) {
            Ok([(Occur::Must, only)]) => only,
            Ok(one) => Box::new(BooleanQuery::new(one.into())),
            Err(clauses) => Box::new(BooleanQuery::new(clauses)),
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
        let targets: Vec<(Field, Analyzer, f32)> = match field {
            None => {
                let mut t = vec![
                    (f.title, Analyzer::En, 2.0),
                    (f.meta, Analyzer::En, 1.0),
                    (f.names, Analyzer::Xx, 3.0),
                ];
                for analyzer in Analyzer::ALL {
                    t.push((f.body(analyzer), analyzer, 1.0));
                }
                t
            }
            Some(QueryField::Title) => vec![(f.title, Analyzer::En, 1.0)],
            Some(QueryField::Creator) => vec![(f.creator, Analyzer::Xx, 1.0)],
            Some(QueryField::Type) => vec![(f.doc_type, Analyzer::Xx, 1.0)],
            Some(QueryField::Collection) => vec![(f.collection, Analyzer::Xx, 1.0)],
            Some(QueryField::Repository) => vec![(f.repository, Analyzer::Xx, 1.0)],
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
            for analyzer in Analyzer::ALL {
                if let Some(q) = self.field_query(f.body(analyzer), analyzer, &latin) {
                    clauses.push((Occur::Should, Box::new(BoostQuery::new(q, 0.5))));
                }
            }
            if let Some(q) = self.field_query(f.title, Analyzer::En, &latin) {
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
    fn field_query(
        &mut self,
        field: Field,
        analyzer: Analyzer,
        text: &str,
    ) -> Option<Box<dyn Query>> {
        let terms = analysis::positioned_terms(&mut self.analyzers[analyzer.index()], text);
        let first = terms.first()?.0;
        if let [(_, only)] = &terms[..] {
            let term = Term::from_field_text(field, only);
            return Some(Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)));
        }
        // Adjacent terms are found through their pairs (see
        // `analysis::WordPairs`): two words are one term, a longer phrase is
        // the phrase of its pairs, and a term next to no other (across a
        // gap, or a Chinese word) stays itself.
        let han = analyzer.han_bigrams();
        let paired: Vec<Option<String>> = terms
            .windows(2)
            .map(|w| {
                let ((p, a), (q, b)) = (&w[0], &w[1]);
                if analyzer.has_pairs() && *q == p + 1 {
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
        Some(match <[_; 1]>::try_from(parts) {
            Ok([(_, only)]) => Box::new(TermQuery::new(only, IndexRecordOption::WithFreqs)),
            Err(parts) => Box::new(PhraseQuery::new_with_offset(parts)),
        })
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
    /// candidate's two bounds (from the arrays [`FacetCache`] holds in
    /// memory for every segment) rather than two range scans: beside a
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

/// `query`, narrowed to the records having every `(facet, value)`.
pub(super) fn with_filters(
    fields: &Fields,
    query: Box<dyn Query>,
    filters: &[(Facet, String)],
) -> Box<dyn Query> {
    if filters.is_empty() {
        return query;
    }
    let mut clauses = vec![(Occur::Must, query)];
    for (facet, value) in filters {
        let term = Term::from_field_text(fields.facet(*facet), value);
        clauses.push((
            Occur::Must,
            Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
        ));
    }
    Box::new(BooleanQuery::new(clauses))
}

/// Records the public may not see on `today`: drafts, and embargoes not
/// yet over. Used as an exclusion, so only those few records are read.
pub(super) fn not_public(fields: &Fields, today: &str) -> Box<dyn Query> {
    let f = fields;
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
