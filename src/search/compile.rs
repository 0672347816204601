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
use super::learned::Learned;
use super::names::{self, NameAuthority};
use super::query::{Node, QueryField, day_number};
use super::results::Widened;
use super::schema::{Facet, Fields};
use super::scripts;
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
    /// What the archive's records taught ([`learned`]).
    pub learned: &'a Learned,
    /// Whether to look for the query as typed only (no widening).
    pub exact: bool,
    /// The widenings made, each with the query that finds it, so that a
    /// hit can say which it holds.
    pub widened: Vec<(Widened, Box<dyn Query>)>,
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
            Node::Text { field, text, .. } => self.text(*field, text),
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
                let typed: Vec<&str> = parts[i..i + len]
                    .iter()
                    .filter_map(|p| match p {
                        Node::Text { text, .. } => Some(text.as_str()),
                        _ => None,
                    })
                    .collect();
                let q = self.name(&typed.join(" "), forms);
                clauses.push((Occur::Must, q));
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
    /// known name form (or, failing that, a glossed English meaning of two
    /// words or more), with its widening.
    fn name_run(&self, parts: &[Node]) -> Option<(usize, Vec<Widened>)> {
        if self.exact {
            return None;
        }
        let longest = self
            .authority
            .longest_form()
            .max(self.learned.longest_form())
            .max(self.learned.longest_meaning());
        let max = longest.min(parts.len());
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
            let typed = words.join(" ");
            let forms = self.widen(&typed);
            if !forms.is_empty() {
                return Some((len, forms));
            }
            if len > 1 {
                let translations: Vec<Widened> = self
                    .learned
                    .translations_of(&typed)
                    .iter()
                    .map(|t| Widened {
                        form: t.form.clone(),
                        why: "translation".into(),
                        typed: typed.clone(),
                    })
                    .collect();
                if !translations.is_empty() {
                    return Some((len, translations));
                }
            }
        }
        None
    }

    /// The other forms of a name typed: the authority's (also for the
    /// name converted to another script), else what the archive learned.
    fn widen(&self, typed: &str) -> Vec<Widened> {
        let make = |form: &str, why: &str| Widened {
            form: form.to_string(),
            why: why.to_string(),
            typed: typed.to_string(),
        };
        let mut out: Vec<Widened> = Vec::new();
        if let Some(forms) = self.authority.forms_of(typed) {
            out.extend(forms.iter().map(|f| make(f, "authority")));
        } else {
            for converted in conversions(typed) {
                if let Some(forms) = self.authority.forms_of(&converted) {
                    out.push(make(&converted, "conversion"));
                    out.extend(forms.iter().map(|f| make(f, "authority")));
                    break;
                }
            }
        }
        if out.is_empty() {
            for f in self.learned.forms_of(typed) {
                let why = if f.by_sound { "conversion" } else { "learned" };
                out.push(make(&f.form, why));
            }
        }
        let typed_key = names::name_key(typed);
        let mut seen = std::collections::HashSet::new();
        out.retain(|w| {
            let key = names::name_key(&w.form);
            key != typed_key && seen.insert(key)
        });
        out
    }

    /// The words typed, or any form they were widened to (each as a
    /// phrase, anywhere; names count most). A glossed English meaning's
    /// translations count least, below every direct match.
    fn name(&mut self, typed: &str, forms: Vec<Widened>) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(q) = self.plain_text(typed) {
            clauses.push((Occur::Should, q));
        }
        for w in forms {
            let q = match w.why.as_str() {
                "translation" => {
                    let body = self.fields.body(Analyzer::Xx);
                    self.field_query(body, Analyzer::Xx, &w.form)
                        .map(|q| Box::new(BoostQuery::new(q, 0.1)) as Box<dyn Query>)
                }
                // The authority's forms are the person's own; what was
                // learned or converted counts half.
                "authority" => self.plain_text(&w.form),
                _ => self
                    .plain_text(&w.form)
                    .map(|q| Box::new(BoostQuery::new(q, 0.5)) as Box<dyn Query>),
            };
            if let Some(q) = q {
                // A hit holds a form when its text or title does: the names
                // field holds every form the authority gives its people.
                let held = match w.why.as_str() {
                    "translation" => Some(q.box_clone()),
                    _ => self.in_text(&w.form),
                };
                if let Some(held) = held {
                    self.widened.push((w, held));
                }
                clauses.push((Occur::Should, q));
            }
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// A form in a record's title or texts (what a hit shows of it).
    fn in_text(&mut self, form: &str) -> Option<Box<dyn Query>> {
        let f = self.fields;
        let targets: Vec<(Field, Analyzer)> = std::iter::once((f.title, Analyzer::En))
            .chain(Analyzer::ALL.map(|a| (f.body(a), a)))
            .collect();
        let parts: Vec<(Occur, Box<dyn Query>)> = targets
            .into_iter()
            .filter_map(|(field, analyzer)| self.field_query(field, analyzer, form))
            .map(|q| (Occur::Should, q))
            .collect();
        (!parts.is_empty()).then(|| Box::new(BooleanQuery::new(parts)) as Box<dyn Query>)
    }

    /// The query for one word or quoted phrase in every field, with what
    /// it converts to in other scripts and what it translates to.
    fn text(&mut self, field: Option<QueryField>, text: &str) -> Option<Box<dyn Query>> {
        let direct = self.direct(field, text, true)?;
        if field.is_some() || self.exact {
            return Some(direct);
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, direct)];
        let f = self.fields;
        let mut add = |this: &mut Self,
                       form: String,
                       why: &str,
                       targets: &[(Field, Analyzer)],
                       boost: f32| {
            let parts: Vec<(Occur, Box<dyn Query>)> = targets
                .iter()
                .filter_map(|&(field, analyzer)| this.field_query(field, analyzer, &form))
                .map(|q| (Occur::Should, q))
                .collect();
            if parts.is_empty() {
                return;
            }
            let q: Box<dyn Query> =
                Box::new(BoostQuery::new(Box::new(BooleanQuery::new(parts)), boost));
            this.widened.push((
                Widened {
                    form,
                    why: why.to_string(),
                    typed: text.to_string(),
                },
                q.box_clone(),
            ));
            clauses.push((Occur::Should, q));
        };
        let everywhere: Vec<(Field, Analyzer)> = [(f.title, Analyzer::En), (f.names, Analyzer::Xx)]
            .into_iter()
            .chain(Analyzer::ALL.map(|a| (f.body(a), a)))
            .collect();
        // Korean texts only: the names field holds every form the authority
        // gives a record's people, and a reading is no identity (金一成
        // reads 김일성, as 金日成 does).
        let korean = [(f.body(Analyzer::Xx), Analyzer::Xx)];
        // Another script or spelling of the same text.
        if let Some(simplified) = scripts::to_simplified(text) {
            add(self, simplified, "conversion", &everywhere, 0.9);
        } else if let Some(traditional) = scripts::to_traditional(text) {
            add(self, traditional, "conversion", &everywhere, 0.9);
        }
        // Readings of two syllables meet too many other words (경기 is a
        // province, 景氣 the economy, 競技 a match).
        if text.chars().count() >= scripts::MIN_READING
            && let Some(readings) = scripts::hangul_readings(text)
        {
            for reading in readings.into_iter().take(2) {
                add(self, reading, "conversion", &korean, 0.5);
            }
        }
        let mut readings: Option<Box<dyn Query>> = None;
        let syllables: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if syllables.chars().count() >= scripts::MIN_READING
            && syllables.chars().all(scripts::is_hangul)
        {
            // A hangul name also where it is written in hanja: a run of
            // hanja that reads as it, or starts so (安在鴻氏).
            let q: Box<dyn Query> = Box::new(BoostQuery::new(
                Box::new(TermQuery::new(
                    Term::from_field_text(f.readings, &syllables),
                    IndexRecordOption::WithFreqs,
                )),
                0.5,
            ));
            self.widened.push((
                Widened {
                    form: syllables,
                    why: "conversion".into(),
                    typed: text.to_string(),
                },
                q.box_clone(),
            ));
            readings = Some(q);
        }
        // A transliterated name is looked for among names only: as a word
        // of running text it may be an everyday word of another language.
        if let Some(latin) = names::cyrillic_to_latin(text) {
            add(
                self,
                latin,
                "conversion",
                &[(f.names, Analyzer::Xx), (f.creator, Analyzer::Xx)],
                0.5,
            );
        }
        if let Some(cyrillic) = scripts::latin_to_cyrillic(text)
            && text.chars().next().is_some_and(char::is_uppercase)
        {
            add(
                self,
                cyrillic,
                "conversion",
                &[
                    (f.names, Analyzer::Xx),
                    (f.body(Analyzer::Ru), Analyzer::Ru),
                ],
                0.5,
            );
        }
        // English the archive's glossaries translate: in Korean texts,
        // below every direct match.
        let translations: Vec<String> = if text.chars().any(super::analysis::is_cjk) {
            Vec::new()
        } else {
            self.learned
                .translations_of(text)
                .iter()
                .map(|t| t.form.clone())
                .collect()
        };
        for t in translations {
            add(
                self,
                t,
                "translation",
                &[(f.body(Analyzer::Xx), Analyzer::Xx)],
                0.1,
            );
        }
        clauses.extend(readings.map(|q| (Occur::Should, q)));
        Some(match <[_; 1]>::try_from(clauses) {
            Ok([(_, only)]) => only,
            Err(clauses) => Box::new(BooleanQuery::new(clauses)),
        })
    }

    /// The query for one word or quoted phrase as typed in its field(s);
    /// a name (a word, or a quoted phrase) is still every form of it.
    /// `widen`: whether a name is widened (not when it is one of the forms
    /// a name was widened to).
    fn direct(
        &mut self,
        field: Option<QueryField>,
        text: &str,
        widen: bool,
    ) -> Option<Box<dyn Query>> {
        let f = self.fields;
        if field.is_none() && widen && !self.exact {
            let forms = self.widen(text);
            if !forms.is_empty() {
                return Some(self.name(text, forms));
            }
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
        (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
    }

    /// A form of a name as it is, without widening it again.
    fn plain_text(&mut self, text: &str) -> Option<Box<dyn Query>> {
        self.direct(None, text, false)
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

/// The text in the other scripts a name may be looked up by: simplified
/// and traditional Chinese, Latin for Cyrillic and Cyrillic for Latin.
fn conversions(text: &str) -> Vec<String> {
    [
        scripts::to_simplified(text),
        scripts::to_traditional(text),
        names::cyrillic_to_latin(text),
        scripts::latin_to_cyrillic(text),
    ]
    .into_iter()
    .flatten()
    .collect()
}
