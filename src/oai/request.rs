//! An OAI-PMH request: the arguments as received (query string or form body,
//! the HTTP layer does not care which), checked against the protocol's rules
//! for each verb before anything is read from the store.
//!
//! Rules (OAI-PMH 2.0, section 3.1 and 4): a missing, unknown or repeated
//! `verb` is `badVerb`; any other repeated argument, an argument the verb
//! does not take, a missing required one, `resumptionToken` together with
//! anything else, an empty value, a malformed date, `from` and `until` of
//! different granularities or in the wrong order are `badArgument`.

use std::fmt;

/// The six OAI-PMH verbs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// Describes the repository.
    Identify,
    /// The metadata formats (of the repository or of one item).
    ListMetadataFormats,
    /// The set hierarchy.
    ListSets,
    /// One record.
    GetRecord,
    /// Headers of a selective harvest.
    ListIdentifiers,
    /// Records of a selective harvest.
    ListRecords,
}

impl Verb {
    /// The verb as the protocol spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Identify => "Identify",
            Verb::ListMetadataFormats => "ListMetadataFormats",
            Verb::ListSets => "ListSets",
            Verb::GetRecord => "GetRecord",
            Verb::ListIdentifiers => "ListIdentifiers",
            Verb::ListRecords => "ListRecords",
        }
    }

    fn parse(word: &str) -> Option<Verb> {
        [
            Verb::Identify,
            Verb::ListMetadataFormats,
            Verb::ListSets,
            Verb::GetRecord,
            Verb::ListIdentifiers,
            Verb::ListRecords,
        ]
        .into_iter()
        .find(|v| v.as_str() == word)
    }

    /// (arguments allowed, arguments required); `resumptionToken` is
    /// exclusive wherever it is allowed.
    fn arguments(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Verb::Identify => (&[], &[]),
            Verb::ListMetadataFormats => (&["identifier"], &[]),
            Verb::ListSets => (&["resumptionToken"], &[]),
            Verb::GetRecord => (
                &["identifier", "metadataPrefix"],
                &["identifier", "metadataPrefix"],
            ),
            Verb::ListIdentifiers | Verb::ListRecords => (
                &["metadataPrefix", "from", "until", "set", "resumptionToken"],
                &["metadataPrefix"],
            ),
        }
    }
}

/// The eight OAI-PMH error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// Illegal, missing, repeated arguments or values of the wrong syntax.
    BadArgument,
    /// The resumption token is invalid (or was never issued).
    BadResumptionToken,
    /// No verb, an unknown verb, or the verb repeated.
    BadVerb,
    /// The metadata format is not supported (by the item or repository).
    CannotDisseminateFormat,
    /// The identifier is unknown or illegal in this repository.
    IdDoesNotExist,
    /// The selective harvest matches no record.
    NoRecordsMatch,
    /// The item has no metadata formats (a deleted record).
    NoMetadataFormats,
    /// The repository has no sets.
    NoSetHierarchy,
}

impl ErrorCode {
    /// The code as the protocol spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadArgument => "badArgument",
            ErrorCode::BadResumptionToken => "badResumptionToken",
            ErrorCode::BadVerb => "badVerb",
            ErrorCode::CannotDisseminateFormat => "cannotDisseminateFormat",
            ErrorCode::IdDoesNotExist => "idDoesNotExist",
            ErrorCode::NoRecordsMatch => "noRecordsMatch",
            ErrorCode::NoMetadataFormats => "noMetadataFormats",
            ErrorCode::NoSetHierarchy => "noSetHierarchy",
        }
    }
}

/// An OAI-PMH error condition: reported in the body of an HTTP 200 answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError {
    /// The protocol's code.
    pub code: ErrorCode,
    /// What is wrong, for a person reading the response.
    pub message: String,
}

impl ProtocolError {
    /// An error with its message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ProtocolError {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

/// A `from` or `until` argument, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateBound {
    /// Whether it was given as a day (`YYYY-MM-DD`) rather than a second.
    pub day: bool,
    /// The instant it stands for (`YYYY-MM-DDThh:mm:ssZ`): a day's first
    /// second for `from`, its last for `until`.
    pub instant: String,
}

/// Which end of a range a date bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// `from`: the range starts at the day's first second.
    From,
    /// `until`: the range ends at the day's last second.
    Until,
}

impl DateBound {
    /// Parses `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ssZ` (a real calendar date
    /// and time, UTC); anything else is `None`.
    pub fn parse(text: &str, end: End) -> Option<DateBound> {
        // XML Schema has no year 0000: such a date could not be echoed.
        if text.starts_with("0000") {
            return None;
        }
        let shape_ok = |pattern: &str| {
            text.len() == pattern.len()
                && text.bytes().zip(pattern.bytes()).all(|(c, p)| match p {
                    b'9' => c.is_ascii_digit(),
                    _ => c == p,
                })
        };
        let day_format = time::macros::format_description!("[year]-[month]-[day]");
        let second_format =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
        if shape_ok("9999-99-99") {
            time::Date::parse(text, day_format).ok()?;
            let time = match end {
                End::From => "T00:00:00Z",
                End::Until => "T23:59:59Z",
            };
            Some(DateBound {
                day: true,
                instant: format!("{text}{time}"),
            })
        } else if shape_ok("9999-99-99T99:99:99Z") {
            time::PrimitiveDateTime::parse(text, second_format).ok()?;
            Some(DateBound {
                day: false,
                instant: text.to_string(),
            })
        } else {
            None
        }
    }
}

/// A request whose arguments obey the verb's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The verb.
    pub verb: Verb,
    /// `identifier`.
    pub identifier: Option<String>,
    /// `metadataPrefix`.
    pub metadata_prefix: Option<String>,
    /// `from`, checked.
    pub from: Option<DateBound>,
    /// `until`, checked.
    pub until: Option<DateBound>,
    /// `set`.
    pub set: Option<String>,
    /// `resumptionToken`, still to be decoded.
    pub resumption_token: Option<String>,
    /// The arguments as received (verb first), to echo in `<request>`.
    pub echo: Vec<(String, String)>,
}

/// Whether a value matches the protocol's pattern for metadata prefixes and
/// for each `:`-separated part of a setSpec.
pub fn is_spec_word(word: &str) -> bool {
    !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.!~*'()".contains(c))
}

/// Checks the arguments of a request.
pub fn parse(params: &[(String, String)]) -> Result<Request, ProtocolError> {
    let bad = |message: String| ProtocolError::new(ErrorCode::BadArgument, message);
    let verbs: Vec<&str> = params
        .iter()
        .filter(|(k, _)| k == "verb")
        .map(|(_, v)| v.as_str())
        .collect();
    let verb = match verbs.as_slice() {
        [] => {
            return Err(ProtocolError::new(
                ErrorCode::BadVerb,
                "the verb argument is missing",
            ));
        }
        [one] => Verb::parse(one).ok_or_else(|| {
            ProtocolError::new(
                ErrorCode::BadVerb,
                format!("{one:?} is not an OAI-PMH verb"),
            )
        })?,
        _ => {
            return Err(ProtocolError::new(
                ErrorCode::BadVerb,
                "the verb argument is repeated",
            ));
        }
    };
    let (allowed, required) = verb.arguments();
    let mut request = Request {
        verb,
        identifier: None,
        metadata_prefix: None,
        from: None,
        until: None,
        set: None,
        resumption_token: None,
        echo: vec![("verb".to_string(), verb.as_str().to_string())],
    };
    let mut seen: Vec<&str> = Vec::new();
    for (key, value) in params.iter().filter(|(k, _)| k != "verb") {
        if !allowed.contains(&key.as_str()) {
            return Err(bad(format!(
                "{verb} does not take the argument {key:?}",
                verb = verb.as_str()
            )));
        }
        if seen.contains(&key.as_str()) {
            return Err(bad(format!("the argument {key} is repeated")));
        }
        seen.push(key);
        if value.is_empty() {
            return Err(bad(format!("the argument {key} is empty")));
        }
        let slot = match key.as_str() {
            "identifier" => &mut request.identifier,
            "metadataPrefix" => {
                if !is_spec_word(value) {
                    return Err(bad(format!("{value:?} is not a metadata prefix")));
                }
                &mut request.metadata_prefix
            }
            "set" => {
                if !value.split(':').all(is_spec_word) {
                    return Err(bad(format!("{value:?} is not a setSpec")));
                }
                &mut request.set
            }
            "from" | "until" => {
                let end = if key == "from" { End::From } else { End::Until };
                let bound = DateBound::parse(value, end).ok_or_else(|| {
                    bad(format!(
                        "{key} {value:?} is not a UTC date (YYYY-MM-DD) or time (YYYY-MM-DDThh:mm:ssZ)"
                    ))
                })?;
                if end == End::From {
                    request.from = Some(bound);
                } else {
                    request.until = Some(bound);
                }
                request.echo.push((key.clone(), value.clone()));
                continue;
            }
            _ => &mut request.resumption_token,
        };
        *slot = Some(value.clone());
        request.echo.push((key.clone(), value.clone()));
    }
    if request.resumption_token.is_some() {
        if seen.len() > 1 {
            return Err(bad(
                "resumptionToken is exclusive: no other argument may come with it".into(),
            ));
        }
        return Ok(request);
    }
    if let Some(missing) = required.iter().find(|r| !seen.contains(r)) {
        return Err(bad(format!(
            "{verb} needs the argument {missing}",
            verb = verb.as_str()
        )));
    }
    if let (Some(from), Some(until)) = (&request.from, &request.until) {
        if from.day != until.day {
            return Err(bad("from and until must have the same granularity".into()));
        }
        if from.instant > until.instant {
            return Err(bad("from is later than until".into()));
        }
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn code(pairs: &[(&str, &str)]) -> ErrorCode {
        parse(&params(pairs)).unwrap_err().code
    }

    #[test]
    fn verbs_missing_unknown_or_repeated_are_bad_verbs() {
        assert_eq!(code(&[]), ErrorCode::BadVerb);
        assert_eq!(code(&[("verb", "Frobnicate")]), ErrorCode::BadVerb);
        assert_eq!(code(&[("verb", "identify")]), ErrorCode::BadVerb);
        assert_eq!(
            code(&[("verb", "Identify"), ("verb", "Identify")]),
            ErrorCode::BadVerb
        );
    }

    #[test]
    fn illegal_repeated_missing_and_empty_arguments_are_bad_arguments() {
        let cases: &[&[(&str, &str)]] = &[
            &[("verb", "Identify"), ("set", "a")],
            &[("verb", "GetRecord"), ("identifier", "oai:x.y:1")],
            &[("verb", "ListRecords")],
            &[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("metadataPrefix", "oai_dc"),
            ],
            &[("verb", "ListRecords"), ("metadataPrefix", "")],
            &[("verb", "ListRecords"), ("metadataPrefix", "oai dc")],
            &[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("set", "a b"),
            ],
            &[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("resumptionToken", "t"),
            ],
            &[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("from", "2002-02-30"),
            ],
            &[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("from", "2002-02-01T00:00:00"),
            ],
            &[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("from", "2002-02-01T25:00:00Z"),
            ],
            &[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("until", "02-02-01"),
            ],
            &[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("until", "0000-01-01"),
            ],
            &[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("from", "2002-02-01"),
                ("until", "2002-02-05T00:00:00Z"),
            ],
            &[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("from", "2002-02-06"),
                ("until", "2002-02-05"),
            ],
        ];
        for case in cases {
            assert_eq!(code(case), ErrorCode::BadArgument, "{case:?}");
        }
    }

    #[test]
    fn both_granularities_are_accepted_and_days_cover_the_whole_day() {
        let request = parse(&params(&[
            ("verb", "ListIdentifiers"),
            ("metadataPrefix", "oai_dc"),
            ("from", "2002-02-05"),
            ("until", "2002-02-05"),
            ("set", "a:b"),
        ]))
        .unwrap();
        assert_eq!(request.from.unwrap().instant, "2002-02-05T00:00:00Z");
        assert_eq!(request.until.unwrap().instant, "2002-02-05T23:59:59Z");
        assert_eq!(request.set.as_deref(), Some("a:b"));
        let request = parse(&params(&[
            ("verb", "ListRecords"),
            ("metadataPrefix", "oai_dc"),
            ("from", "2002-02-05T10:00:00Z"),
        ]))
        .unwrap();
        assert_eq!(request.from.unwrap().instant, "2002-02-05T10:00:00Z");
        let token_only = parse(&params(&[
            ("verb", "ListRecords"),
            ("resumptionToken", "x"),
        ]));
        assert_eq!(token_only.unwrap().resumption_token.as_deref(), Some("x"));
    }
}
