//! The query language readers type, parsed into a small tree.
//!
//! ```text
//! Kim Il Sung                  words: all must match (AND is implied)
//! "black spot"                 a phrase
//! Cuba OR Berlin, NOT missile, -missile, (a OR b) c
//! title:Kennedy  creator:김일성  type:letter  language:ko
//! collection:"Foreign Relations"  repository:RGASPI
//! date:1962  date:1961..1963  date:1948-09  date:..1950  date:194X
//! *                            everything
//! ```
//!
//! Invariants: parsing is bounded (at most [`MAX_LENGTH`] characters,
//! [`MAX_TERMS`] terms, [`MAX_DEPTH`] nested parentheses) and never panics;
//! every refusal says what is wrong in words a reader understands. This
//! module knows nothing of tantivy: [`super`] turns the tree into a query.

use crate::model::RecordDate;

/// Longest query accepted, in characters.
pub const MAX_LENGTH: usize = 2_000;
/// Most words and phrases in one query.
pub const MAX_TERMS: usize = 64;
/// Deepest nesting of parentheses.
pub const MAX_DEPTH: usize = 16;

/// Fields a query may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryField {
    /// The title (and translated titles).
    Title,
    /// Creators' names, in any of their forms.
    Creator,
    /// Document type.
    Type,
    /// Original language (ISO 639-1 code).
    Language,
    /// Collection.
    Collection,
    /// Repository of the archival reference.
    Repository,
}

impl QueryField {
    fn from_name(name: &str) -> Option<QueryField> {
        Some(match name {
            "title" => QueryField::Title,
            "creator" | "author" => QueryField::Creator,
            "type" => QueryField::Type,
            "language" | "lang" => QueryField::Language,
            "collection" => QueryField::Collection,
            "repository" | "archive" => QueryField::Repository,
            _ => return None,
        })
    }
}

/// Days as `yyyymmdd` integers (sortable; what the index stores).
pub fn day_number(year: i64, month: u8, day: u8) -> i64 {
    year.saturating_mul(10_000)
        .saturating_add(month as i64 * 100 + day as i64)
}

/// A date's first and last day as [`day_number`]s, `None` when either end
/// is open or unknown.
pub fn day_bounds(date: &RecordDate) -> Option<(i64, i64)> {
    match date.bounds() {
        (Some(lo), Some(hi)) => Some((
            day_number(lo.year, lo.month, lo.day),
            day_number(hi.year, hi.month, hi.day),
        )),
        _ => None,
    }
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Every record.
    All,
    /// All of these.
    And(Vec<Node>),
    /// Any of these.
    Or(Vec<Node>),
    /// Not this.
    Not(Box<Node>),
    /// A word or phrase, in a field or anywhere.
    Text {
        /// The field, or `None` for anywhere.
        field: Option<QueryField>,
        /// The text as typed.
        text: String,
        /// Typed in quotes.
        phrase: bool,
    },
    /// A date range, inclusive, as day numbers; `None` is open.
    Date {
        /// Earliest day.
        from: Option<i64>,
        /// Latest day.
        to: Option<i64>,
    },
}

/// Why a query was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QueryError(pub String);

#[derive(Debug, Clone, PartialEq)]
enum Lexeme {
    Open,
    Close,
    And,
    Or,
    Not,
    Item { negated: bool, node: Node },
}

/// Parses a query.
pub fn parse(query: &str) -> Result<Node, QueryError> {
    let length = query.chars().count();
    if length > MAX_LENGTH {
        return Err(QueryError(format!(
            "the query is {length} characters long; at most {MAX_LENGTH} are accepted"
        )));
    }
    let lexemes = lex(query)?;
    let terms = lexemes
        .iter()
        .filter(|l| matches!(l, Lexeme::Item { .. }))
        .count();
    if terms > MAX_TERMS {
        return Err(QueryError(format!(
            "the query has {terms} words and phrases; at most {MAX_TERMS} are accepted"
        )));
    }
    if lexemes.is_empty() {
        return Err(QueryError(
            "the query is empty (use * for everything)".into(),
        ));
    }
    let mut parser = Parser { lexemes, at: 0 };
    let node = parser.or(0)?;
    if parser.at < parser.lexemes.len() {
        return Err(QueryError(
            "a closing parenthesis has no opening one".into(),
        ));
    }
    Ok(node)
}

fn lex(query: &str) -> Result<Vec<Lexeme>, QueryError> {
    let chars: Vec<char> = query.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '(' => {
                out.push(Lexeme::Open);
                i += 1;
            }
            ')' => {
                out.push(Lexeme::Close);
                i += 1;
            }
            '"' | '“' | '”' => {
                let (text, next) = quoted(&chars, i)?;
                out.push(Lexeme::Item {
                    negated: false,
                    node: Node::Text {
                        field: None,
                        text,
                        phrase: true,
                    },
                });
                i = next;
            }
            _ => {
                let start = i;
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !matches!(chars[i], '(' | ')' | '"' | '“' | '”')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                match word.as_str() {
                    "AND" | "&&" => out.push(Lexeme::And),
                    "OR" | "||" => out.push(Lexeme::Or),
                    "NOT" => out.push(Lexeme::Not),
                    _ => {
                        let (negated, word) = match word.strip_prefix('-') {
                            Some(rest) if !rest.is_empty() => (true, rest.to_string()),
                            _ => (false, word),
                        };
                        let node = if let Some((name, value)) = word.split_once(':')
                            && !name.is_empty()
                            && name.chars().all(|c| c.is_ascii_alphabetic())
                        {
                            let value = if value.is_empty()
                                && i < chars.len()
                                && matches!(chars[i], '"' | '“' | '”')
                            {
                                let (text, next) = quoted(&chars, i)?;
                                i = next;
                                (text, true)
                            } else {
                                (value.to_string(), false)
                            };
                            fielded(name, value.0, value.1)?
                        } else if word == "*" {
                            Node::All
                        } else {
                            Node::Text {
                                field: None,
                                text: word,
                                phrase: false,
                            }
                        };
                        out.push(Lexeme::Item { negated, node });
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Reads a quoted phrase starting at `chars[start]`; returns it and the
/// index after the closing quote.
fn quoted(chars: &[char], start: usize) -> Result<(String, usize), QueryError> {
    let close = chars[start + 1..]
        .iter()
        .position(|c| matches!(c, '"' | '“' | '”'))
        .ok_or_else(|| QueryError("a quotation mark is not closed".into()))?;
    let text: String = chars[start + 1..start + 1 + close].iter().collect();
    Ok((text, start + close + 2))
}

fn fielded(name: &str, value: String, phrase: bool) -> Result<Node, QueryError> {
    let lower = name.to_ascii_lowercase();
    if lower == "date" || lower == "year" {
        return date_range(&value);
    }
    let field = QueryField::from_name(&lower).ok_or_else(|| {
        QueryError(format!(
            "unknown field {name:?}; fields are title, creator, type, language, collection, \
             repository, date"
        ))
    })?;
    if value.trim().is_empty() {
        return Err(QueryError(format!("{name}: needs a value")));
    }
    Ok(Node::Text {
        field: Some(field),
        text: value,
        phrase,
    })
}

/// `1962`, `1961..1963`, `1948-09`, `..1950`, `1950..`, `194X`, `1948-09-22`.
fn date_range(value: &str) -> Result<Node, QueryError> {
    let bounds = |part: &str| -> Result<(i64, i64), QueryError> {
        let date = RecordDate::new(part, None).map_err(|_| {
            QueryError(format!(
                "date:{value}: {part:?} is not a date (write 1962, 1962-10, 1962-10-22, 196X, or a range 1961..1963)"
            ))
        })?;
        day_bounds(&date)
            .ok_or_else(|| QueryError(format!("date:{value}: {part:?} has no definite bounds")))
    };
    let (from, to) = match value.split_once("..") {
        Some((a, b)) => {
            let from = if a.is_empty() {
                None
            } else {
                Some(bounds(a)?.0)
            };
            let to = if b.is_empty() {
                None
            } else {
                Some(bounds(b)?.1)
            };
            if from.is_none() && to.is_none() {
                return Err(QueryError("date:.. needs at least one end".into()));
            }
            (from, to)
        }
        None => {
            let (lo, hi) = bounds(value)?;
            (Some(lo), Some(hi))
        }
    };
    if let (Some(a), Some(b)) = (from, to)
        && a > b
    {
        return Err(QueryError(format!(
            "date:{value}: the range ends before it starts"
        )));
    }
    Ok(Node::Date { from, to })
}

struct Parser {
    lexemes: Vec<Lexeme>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Lexeme> {
        self.lexemes.get(self.at)
    }

    fn or(&mut self, depth: usize) -> Result<Node, QueryError> {
        let mut alternatives = vec![self.and(depth)?];
        while self.peek() == Some(&Lexeme::Or) {
            self.at += 1;
            alternatives.push(self.and(depth)?);
        }
        Ok(match <[_; 1]>::try_from(alternatives) {
            Ok([only]) => only,
            Err(alternatives) => Node::Or(alternatives),
        })
    }

    fn and(&mut self, depth: usize) -> Result<Node, QueryError> {
        let mut parts = Vec::new();
        loop {
            match self.peek() {
                None | Some(Lexeme::Close) | Some(Lexeme::Or) => break,
                Some(Lexeme::And) => {
                    self.at += 1;
                    continue;
                }
                _ => parts.push(self.unary(depth)?),
            }
        }
        if parts.is_empty() {
            return Err(QueryError(
                "an operator (AND, OR, NOT) or parenthesis has nothing beside it".into(),
            ));
        }
        Ok(match <[_; 1]>::try_from(parts) {
            Ok([only]) => only,
            Err(parts) => Node::And(parts),
        })
    }

    fn unary(&mut self, depth: usize) -> Result<Node, QueryError> {
        match self.lexemes.get(self.at).cloned() {
            Some(Lexeme::Not) => {
                self.at += 1;
                Ok(Node::Not(Box::new(self.unary(depth)?)))
            }
            Some(Lexeme::Open) => {
                if depth >= MAX_DEPTH {
                    return Err(QueryError(format!(
                        "parentheses nest deeper than {MAX_DEPTH} levels"
                    )));
                }
                self.at += 1;
                let inner = self.or(depth + 1)?;
                if self.peek() != Some(&Lexeme::Close) {
                    return Err(QueryError("a parenthesis is not closed".into()));
                }
                self.at += 1;
                Ok(inner)
            }
            Some(Lexeme::Item { negated, node }) => {
                self.at += 1;
                Ok(if negated {
                    Node::Not(Box::new(node))
                } else {
                    node
                })
            }
            _ => Err(QueryError("unexpected operator".into())),
        }
    }
}

/// Queries for property tests: arbitrary text, and strings made of the
/// query language's own pieces (quotes, parentheses, operators, fields,
/// dates, `*`) in any order, with or without spaces between them.
#[cfg(test)]
pub(crate) mod strategies {
    use proptest::prelude::*;

    /// Pieces of the query language, and of the texts it is asked about.
    const PIECES: &[&str] = &[
        "\"",
        "“",
        "”",
        "(",
        ")",
        "AND",
        "OR",
        "NOT",
        "&&",
        "||",
        "-",
        "--",
        "*",
        ":",
        "..",
        "title:",
        "creator:",
        "author:",
        "type:",
        "language:",
        "lang:",
        "collection:",
        "repository:",
        "archive:",
        "date:",
        "year:",
        "colour:",
        "DATE:",
        "1962",
        "194X",
        "1948-09",
        "1948-09-22",
        "1961..1963",
        "..1950",
        "1950..",
        "1963..1961",
        "1962-13",
        "-0001",
        "99999",
        "Kim",
        "Il",
        "Sung",
        "free",
        "men",
        "the",
        "김일성",
        "학교에서",
        "停战协定",
        "南京市长江大桥",
        "金日成",
        "Хрущёв",
        "Müller",
        "ru",
        "en",
        ",",
        ".",
        "'",
        "\u{0}",
        "\u{301}",
        "🙂",
        "\u{200b}",
        "ǅ",
        "ß",
    ];

    /// A string of the language's pieces.
    pub fn pieces() -> impl Strategy<Value = String> {
        prop::collection::vec(
            (
                prop::sample::select(PIECES),
                prop::sample::select(&[" ", "", "", "  ", "\t", "\n"][..]),
            ),
            0..80,
        )
        .prop_map(|parts| parts.into_iter().map(|(p, s)| format!("{p}{s}")).collect())
    }

    /// Any text, or a string of the language's pieces.
    pub fn queries() -> impl Strategy<Value = String> {
        prop_oneof![any::<String>(), "\\PC{0,80}", pieces()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str) -> Node {
        Node::Text {
            field: None,
            text: text.into(),
            phrase: false,
        }
    }

    #[test]
    fn words_phrases_and_operators() {
        assert_eq!(
            parse("Kim Il Sung").unwrap(),
            Node::And(vec![word("Kim"), word("Il"), word("Sung")])
        );
        assert_eq!(
            parse("\"black spot\" OR -earth").unwrap(),
            Node::Or(vec![
                Node::Text {
                    field: None,
                    text: "black spot".into(),
                    phrase: true
                },
                Node::Not(Box::new(word("earth"))),
            ])
        );
        assert_eq!(
            parse("(a OR b) AND NOT c").unwrap(),
            Node::And(vec![
                Node::Or(vec![word("a"), word("b")]),
                Node::Not(Box::new(word("c")))
            ])
        );
        assert_eq!(parse("*").unwrap(), Node::All);
    }

    fn dates(from: Option<i64>, to: Option<i64>) -> Node {
        Node::Date { from, to }
    }

    #[test]
    fn fields_and_dates() {
        assert_eq!(
            parse("title:\"black spot\"").unwrap(),
            Node::Text {
                field: Some(QueryField::Title),
                text: "black spot".into(),
                phrase: true
            }
        );
        assert_eq!(
            parse("date:1962").unwrap(),
            dates(Some(19620101), Some(19621231))
        );
        assert_eq!(
            parse("date:1961..1963").unwrap(),
            dates(Some(19610101), Some(19631231))
        );
        assert_eq!(
            parse("date:1948-09").unwrap(),
            dates(Some(19480901), Some(19480930))
        );
        assert_eq!(parse("date:..1950").unwrap(), dates(None, Some(19501231)));
        assert_eq!(
            parse("date:194X").unwrap(),
            dates(Some(19400101), Some(19491231))
        );
    }

    #[test]
    fn bad_queries_get_clear_errors() {
        let err = |q: &str| parse(q).unwrap_err().0;
        assert!(err("\"unbalanced").contains("quotation mark"));
        assert!(err("(a OR b").contains("not closed"));
        assert!(err("a)").contains("no opening"));
        assert!(err("colour:red").contains("unknown field \"colour\""));
        assert!(err("date:1962-13").contains("not a date"));
        assert!(err("date:1963..1961").contains("ends before"));
        assert!(err(&"x".repeat(10_000)).contains("at most 2000"));
        assert!(err(&"(".repeat(40)).contains("deeper"));
        assert!(err(&"a ".repeat(100)).contains("at most 64"));
        assert!(err("OR").contains("nothing beside"));
        assert!(err("   ").contains("empty"));
    }

    /// Found by the fuzz target `query` (fuzz/): EDTF's long years (`Y`
    /// and more than four digits) overflowed `day_number`.
    #[test]
    fn far_years_do_not_overflow() {
        let range = |q: &str| match parse(q) {
            Ok(Node::Date { from, to }) => (from, to),
            other => panic!("{q}: {other:?}"),
        };
        let (from, to) = range("date:Y-1000000000000000..1962");
        assert!(from < to && to == Some(19621231));
        let (from, to) = range("date:1962..Y1000000000000000");
        assert!(from < to && from == Some(19620101));
        let _ = parse("date:Y99999999999999999999");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Parsing never panics: any text is a query or a refusal in words.
        #[test]
        fn parsing_never_panics(query in super::strategies::queries()) {
            match parse(&query) {
                Ok(_) => {}
                Err(e) => proptest::prop_assert!(!e.0.is_empty()),
            }
        }
    }
}
