//! What a search asks and what it answers: [`SearchRequest`], [`Sort`],
//! [`SearchResults`] with its [`Hit`]s, [`Snippet`]s and [`FacetCount`]s,
//! and how a hit is read from a stored document.
//!
//! Invariants:
//! - A [`Snippet`] is plain text (never escaped) with the byte ranges of
//!   its matches, sorted, not overlapping, on character boundaries. Each
//!   edge chooses its markup ([`Snippet::marked`]): the web pages escape and
//!   use `<mark>`, the terminal uses brackets.
//! - The JSON of a hit is a stable interface (`fonds search --json`, the
//!   API): `snippet` is HTML (`<mark>` around matches, everything else
//!   escaped) as it always was; `snippet_text` and `marks` (byte ranges into
//!   it) were added beside it.

use super::analysis::Analyzer;
use super::schema::{Facet, Fields, body_field_name};
use super::snippet;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use tantivy::TantivyDocument;
use tantivy::schema::{Field, Value};

/// The deepest hit a search may start from (`offset`): a search holds
/// `offset + limit` hits while it collects them, so this bounds its work.
/// The reading room, the JSON API and `fonds search --offset` refuse more;
/// narrowing the search is the way further.
pub const MAX_OFFSET: usize = 10_000;

/// The most hits one search may be asked for (`limit`), for the same
/// reason: `fonds search --limit` refuses more (`fonds export` gives every
/// record). The web asks for fewer (a page, an API call's `limit`).
pub const MAX_LIMIT: usize = 100_000;

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
    /// The query, in the language of [`super::query`].
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
    /// Facet values every hit must have. They narrow exactly as the facet
    /// counts count.
    pub filters: Vec<(Facet, String)>,
    /// Only the spelling typed: no other forms of names, scripts or
    /// translations of the query.
    pub exact: bool,
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
            exact: false,
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

/// A fragment of a record's text with its matches: plain text, and the
/// byte ranges of the matches in it (sorted, not overlapping).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snippet {
    /// The text, as the record has it (not escaped).
    pub text: String,
    /// Byte ranges into `text` of what matched.
    pub marks: Vec<Range<usize>>,
}

impl Snippet {
    /// Whether there is no text at all.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The snippet in some markup: every stretch of text written by
    /// `plain` (which escapes it, or not), every match between `open` and
    /// `close`.
    pub fn marked(&self, plain: impl Fn(&mut String, &str), open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + 32);
        let mut at = 0;
        for mark in &self.marks {
            plain(&mut out, &self.text[at..mark.start]);
            out.push_str(open);
            plain(&mut out, &self.text[mark.clone()]);
            out.push_str(close);
            at = mark.end;
        }
        plain(&mut out, &self.text[at..]);
        out
    }
}

/// One hit.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Record identifier.
    pub id: String,
    /// Title.
    pub title: String,
    /// EDTF date, if any.
    pub date: Option<String>,
    /// Relevance score (0 when sorted by date).
    pub score: f32,
    /// Where it matched, in a version's text (or the opening of the first
    /// version, without marks, when only the description matched).
    pub snippet: Snippet,
    /// Where it matched.
    pub matched: Matched,
    /// The record's first page image, if it has one (for a thumbnail).
    pub image: Option<PageImage>,
    /// The title translated (a Korean record's English title), if the
    /// record has one.
    pub translated_title: Option<TranslatedTitle>,
    /// The forms the query was widened to that this record holds, and why
    /// (empty when it matched the query as typed only).
    pub widened: Vec<Widened>,
}

/// A form a query was widened to, and why: what a hit shows so that a
/// reader can judge a match on a name they did not type.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Widened {
    /// The form searched for (`金日成`, `Lee Gi-Young`, `안식일`).
    pub form: String,
    /// `authority` (the person authority lists it), `learned` (the
    /// archive's own records pair it with what was typed), `conversion`
    /// (another script or spelling of it), or `translation` (a Korean word
    /// the archive's glossaries give for the English typed).
    pub why: String,
    /// What was typed that it stands for.
    pub typed: String,
}

impl Widened {
    /// "matched 金日成 (authority: Kim Il Sung)".
    pub fn describe(&self) -> String {
        let why = match self.why.as_str() {
            "authority" => "a form of the name in the authority",
            "learned" => "a form of the name learned from this archive's records",
            "conversion" => "the name in another script or spelling",
            "translation" => "a translation of the query learned from this archive's glossaries",
            other => other,
        };
        format!("{} for “{}”: {why}", self.form, self.typed)
    }
}

/// A record's translated title, as the index keeps it beside a hit: the
/// first alternative title of kind `translated`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct TranslatedTitle {
    /// The title text.
    pub text: String,
    /// Its language (ISO 639-1 code where known).
    pub language: Option<String>,
    /// The language of the main title beside it: the record's original
    /// language (a title given with a translation is the original's).
    #[serde(skip)]
    pub title_language: Option<String>,
}

impl TranslatedTitle {
    /// The translated title of a record, if it has one.
    pub fn of(record: &crate::model::Record) -> Option<TranslatedTitle> {
        record
            .alternative_titles
            .iter()
            .find(|t| t.kind == "translated" && !t.text.trim().is_empty())
            .map(|t| TranslatedTitle {
                text: t.text.clone(),
                language: t.language.clone(),
                title_language: record.original_language.clone(),
            })
    }

    /// The stored form: the main title's language, a tab, the translated
    /// title's language (each empty when unknown), a tab, the text.
    pub(super) fn stored(&self) -> String {
        let clean = |l: &Option<String>| l.as_deref().unwrap_or("").replace('\t', " ");
        format!(
            "{}\t{}\t{}",
            clean(&self.title_language),
            clean(&self.language),
            self.text
        )
    }

    /// Reads [`TranslatedTitle::stored`]'s form.
    pub(super) fn parse(text: &str) -> Option<TranslatedTitle> {
        let mut parts = text.splitn(3, '\t');
        let known = |l: &str| (!l.is_empty()).then(|| l.to_string());
        let title_language = known(parts.next()?);
        let language = known(parts.next()?);
        Some(TranslatedTitle {
            text: parts.next()?.to_string(),
            language,
            title_language,
        })
    }
}

/// A record's first page image, as the index keeps it beside a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageImage {
    /// Its page number among the record's files (from 1).
    pub number: usize,
    /// Its width in pixels.
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
}

impl PageImage {
    /// The stored form: `number width height`.
    pub(super) fn stored(&self) -> String {
        format!("{} {} {}", self.number, self.width, self.height)
    }

    /// Reads [`PageImage::stored`]'s form.
    pub(super) fn parse(text: &str) -> Option<PageImage> {
        let mut parts = text.split(' ').map(str::parse::<u64>);
        let (n, w, h) = (
            parts.next()?.ok()?,
            parts.next()?.ok()?,
            parts.next()?.ok()?,
        );
        Some(PageImage {
            number: usize::try_from(n).ok()?,
            width: u32::try_from(w).ok()?,
            height: u32::try_from(h).ok()?,
        })
    }
}

/// One hit, as JSON (`fonds search --json`, the API's search answer).
#[derive(serde::Serialize, utoipa::ToSchema)]
struct HitJson<'a> {
    /// Record identifier.
    id: &'a str,
    /// Title.
    title: &'a str,
    /// EDTF date, if any.
    date: Option<&'a str>,
    /// Relevance score (0 when sorted by date).
    score: f32,
    /// HTML: `<mark>` around matches, the rest escaped.
    snippet: String,
    /// The snippet as plain text (not escaped).
    snippet_text: &'a str,
    /// Byte ranges `[start, end)` into `snippet_text` of the matches, in
    /// order.
    marks: Vec<[usize; 2]>,
    /// Where it matched.
    matched: &'a Matched,
    /// The title translated (a Korean record's English title); absent
    /// when the record has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    translated_title: Option<&'a TranslatedTitle>,
    /// The forms the query was widened to that this record holds, and
    /// why; absent when it matched the query as typed only.
    #[serde(skip_serializing_if = "<[Widened]>::is_empty")]
    widened: &'a [Widened],
}

impl<'a> From<&'a Hit> for HitJson<'a> {
    fn from(hit: &'a Hit) -> HitJson<'a> {
        HitJson {
            id: &hit.id,
            title: &hit.title,
            date: hit.date.as_deref(),
            score: hit.score,
            snippet: hit
                .snippet
                .marked(crate::html::escape_into, "<mark>", "</mark>"),
            snippet_text: &hit.snippet.text,
            marks: hit.snippet.marks.iter().map(|m| [m.start, m.end]).collect(),
            matched: &hit.matched,
            translated_title: hit.translated_title.as_ref(),
            widened: &hit.widened,
        }
    }
}

impl serde::Serialize for Hit {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        HitJson::from(self).serialize(serializer)
    }
}

impl utoipa::PartialSchema for Hit {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        HitJson::schema()
    }
}

impl utoipa::ToSchema for Hit {
    fn name() -> std::borrow::Cow<'static, str> {
        "Hit".into()
    }

    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        HitJson::schemas(schemas)
    }
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

/// Every dimension's values with counts, from the counted dimensions'
/// counts (in the order of [`Facet::counted`]): decades summed from the
/// years; years and decades in order, the others most frequent first, at
/// most `limit` of them.
pub(super) fn facet_counts(
    counted: Vec<HashMap<String, u64>>,
    limit: usize,
) -> BTreeMap<String, Vec<FacetCount>> {
    let mut counted: HashMap<Facet, HashMap<String, u64>> = Facet::counted().zip(counted).collect();
    let mut decades: HashMap<String, u64> = HashMap::new();
    for (year, count) in counted.get(&Facet::Year).into_iter().flatten() {
        if let Ok(year) = year.parse::<i64>() {
            *decades.entry(super::document::decade(year)).or_default() += count;
        }
    }
    counted.insert(Facet::Decade, decades);
    let mut out = BTreeMap::new();
    for facet in Facet::ALL {
        let mut values: Vec<FacetCount> = counted
            .remove(&facet)
            .unwrap_or_default()
            .into_iter()
            .map(|(value, count)| FacetCount { value, count })
            .collect();
        if matches!(facet, Facet::Year | Facet::Decade) {
            values.sort_by(|a, b| a.value.cmp(&b.value));
        } else {
            values.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
            values.truncate(limit);
        }
        out.insert(facet.name().to_string(), values);
    }
    out
}

/// Characters of a text's opening shown when no version matched.
const OPENING: usize = 240;

/// The hit of a stored document: its snippet from the first text version
/// that holds a query term (in record order), else the opening of the
/// first version, matched in the description.
pub(super) fn hit(
    fields: &Fields,
    doc: &TantivyDocument,
    score: f32,
    snippets: &mut snippet::Snippets,
) -> Hit {
    let first = |field: Field| {
        doc.get_first(field)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    // The stored map of versions: body field, kind, language per line.
    let versions: Vec<(Analyzer, String, String)> = first(fields.versions)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut parts = l.split('\t');
            let field = parts.next()?;
            let analyzer = Analyzer::ALL
                .into_iter()
                .find(|a| body_field_name(*a) == field)?;
            Some((
                analyzer,
                parts.next()?.to_string(),
                parts.next()?.to_string(),
            ))
        })
        .collect();
    // The n-th version stored in a field is its n-th value.
    let mut seen = [0usize; Analyzer::ALL.len()];
    let mut found = None;
    for (analyzer, kind, language) in &versions {
        let nth = seen[analyzer.index()];
        seen[analyzer.index()] += 1;
        let Some(value) = doc
            .get_all(fields.body(*analyzer))
            .nth(nth)
            .and_then(|v| v.as_str())
        else {
            continue;
        };
        if let Some(snippet) = snippets.make(*analyzer, value) {
            found = Some((
                snippet,
                Matched {
                    kind: kind.clone(),
                    language: Some(language.clone()),
                },
            ));
            break;
        }
    }
    let (snippet, matched) = found.unwrap_or_else(|| {
        let body = versions
            .first()
            .and_then(|(analyzer, _, _)| first(fields.body(*analyzer)))
            .unwrap_or_default();
        (
            Snippet {
                text: body.chars().take(OPENING).collect(),
                marks: Vec::new(),
            },
            Matched {
                kind: "metadata".into(),
                language: None,
            },
        )
    });
    Hit {
        id: first(fields.id).unwrap_or_default(),
        title: first(fields.title).unwrap_or_default(),
        date: first(fields.edtf),
        score,
        snippet,
        matched,
        image: first(fields.image).as_deref().and_then(PageImage::parse),
        translated_title: first(fields.translated_title)
            .as_deref()
            .and_then(TranslatedTitle::parse),
        widened: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(snippet: Snippet) -> Hit {
        Hit {
            id: "r1".into(),
            title: "T".into(),
            date: None,
            score: 1.0,
            snippet,
            matched: Matched {
                kind: "original".into(),
                language: Some("en".into()),
            },
            image: None,
            translated_title: Some(TranslatedTitle {
                text: "Mr. Park".into(),
                language: Some("en".into()),
                title_language: Some("ko".into()),
            }),
            widened: vec![Widened {
                form: "박선생".into(),
                why: "learned".into(),
                typed: "Mr. Park".into(),
            }],
        }
    }

    #[test]
    fn the_json_keeps_the_html_snippet_beside_the_text_and_marks() {
        let snippet = Snippet {
            text: "<b>Cuba</b> & Berlin".into(),
            marks: vec![3..7, 14..20],
        };
        let json = serde_json::to_value(hit(snippet)).unwrap();
        assert_eq!(
            json["snippet"],
            "&lt;b&gt;<mark>Cuba</mark>&lt;/b&gt; &amp; <mark>Berlin</mark>"
        );
        assert_eq!(json["snippet_text"], "<b>Cuba</b> & Berlin");
        assert_eq!(json["marks"], serde_json::json!([[3, 7], [14, 20]]));
        assert_eq!(json["matched"]["kind"], "original");
    }

    #[test]
    fn the_schema_describes_the_json() {
        use utoipa::PartialSchema;
        let schema = serde_json::to_value(Hit::schema()).unwrap();
        for field in [
            "id",
            "title",
            "date",
            "score",
            "snippet",
            "snippet_text",
            "marks",
            "translated_title",
            "widened",
        ] {
            assert!(schema["properties"][field].is_object(), "{field}: {schema}");
        }
        assert_eq!(schema["properties"]["marks"]["type"], "array", "{schema}");
        assert_eq!(
            schema["properties"]["marks"]["items"]["type"], "array",
            "{schema}"
        );
        let json = serde_json::to_value(hit(Snippet::default())).unwrap();
        let mut keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        let mut described: Vec<&String> =
            schema["properties"].as_object().unwrap().keys().collect();
        keys.sort();
        described.sort();
        assert_eq!(keys, described);
    }

    #[test]
    fn a_translated_title_is_stored_with_both_languages() {
        let t = TranslatedTitle {
            text: "Mr. Park\tand his wife".into(),
            language: Some("en".into()),
            title_language: Some("ko".into()),
        };
        assert_eq!(TranslatedTitle::parse(&t.stored()), Some(t));
        let unknown = TranslatedTitle {
            text: "X".into(),
            language: None,
            title_language: None,
        };
        assert_eq!(TranslatedTitle::parse(&unknown.stored()), Some(unknown));
        assert_eq!(TranslatedTitle::parse("no tabs"), None);
        let json = serde_json::to_value(hit(Snippet::default())).unwrap();
        assert_eq!(
            json["translated_title"],
            serde_json::json!({"text": "Mr. Park", "language": "en"})
        );
    }

    #[test]
    fn markup_is_the_edge_s_choice() {
        let snippet = Snippet {
            text: "a <b> c".into(),
            marks: vec![Range { start: 2, end: 5 }],
        };
        assert_eq!(
            snippet.marked(|out, s| out.push_str(s), "[", "]"),
            "a [<b>] c"
        );
        let unmarked = Snippet {
            text: "x & y".into(),
            marks: Vec::new(),
        };
        assert_eq!(
            unmarked.marked(crate::html::escape_into, "<mark>", "</mark>"),
            "x &amp; y"
        );
    }
}
