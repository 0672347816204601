//! The inline convention of text bodies and notes: where a footnote's
//! marker stood and which words link to another document, kept in plain
//! text (the body stays one verbatim string, as the dump, the JSON API and
//! every export carry it).
//!
//! Two forms, both read by Markdown (Pandoc's footnote references, inline
//! links), so a body exported as Wilson Markdown stays readable:
//! - `[^N]`: the marker of the note whose [`Note::n`](super::Note::n) is
//!   `N`, where the note stood in the text. `N` is 1 to 16 ASCII letters,
//!   digits, `.`, `-` or `_`.
//! - `[words](TARGET)`: `words` (no brackets, no line break) link to TARGET,
//!   which is either `/records/ID` (another record of this archive, by its
//!   identifier; the record page's own address) or an `http(s)` URL without
//!   spaces or parentheses (a document elsewhere).
//!
//! Anything else is text, as written: `[봄붓채](草名狀如摺扇)`, a gloss, is not
//! a link, because its target is neither form.
//!
//! Invariants: [`parse`] never fails and never drops a character: the
//! pieces' source texts, in order, are the input. [`plain`] is the text a
//! reader reads (markers dropped, links replaced by their words): what is
//! indexed and quoted in snippets and descriptions.

use std::borrow::Cow;

/// The longest note mark a marker may name.
const MAX_MARK: usize = 16;

/// One piece of a body or note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inline<'a> {
    /// Plain text.
    Text(&'a str),
    /// A note's marker: the note's `n`.
    NoteRef(&'a str),
    /// Words that link somewhere.
    Link {
        /// The words shown.
        text: &'a str,
        /// Where they lead.
        target: Target<'a>,
    },
}

/// Where a link leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// Another record of this archive, by identifier.
    Record(&'a str),
    /// An `http(s)` URL.
    Web(&'a str),
}

/// The marker of note `n` (`[^n]`), or `None` when `n` cannot be one.
pub fn note_marker(n: &str) -> Option<String> {
    is_mark(n).then(|| format!("[^{n}]"))
}

/// A link from `text` to the record `id`, or just `text` when the words or
/// the identifier cannot be written in the convention.
pub fn record_link(text: &str, id: &str) -> String {
    if is_link_text(text) && is_record_id(id) {
        format!("[{text}](/records/{id})")
    } else {
        text.to_string()
    }
}

/// A link from `text` to a web address, or just `text` when it cannot be
/// written in the convention.
pub fn web_link(text: &str, url: &str) -> String {
    if is_link_text(text) && is_web_url(url) {
        format!("[{text}]({url})")
    } else {
        text.to_string()
    }
}

/// Splits `s` into text, note markers and links.
pub fn parse(s: &str) -> Vec<Inline<'_>> {
    let mut out = Vec::new();
    let mut plain_from = 0;
    let mut i = 0;
    let bytes = s.as_bytes();
    while i < bytes.len() {
        if bytes[i] == b'['
            && let Some((piece, len)) = piece_at(&s[i..])
        {
            if plain_from < i {
                out.push(Inline::Text(&s[plain_from..i]));
            }
            out.push(piece);
            i += len;
            plain_from = i;
        } else {
            i += 1;
        }
    }
    if plain_from < s.len() {
        out.push(Inline::Text(&s[plain_from..]));
    }
    out
}

/// The text a reader reads: markers dropped, links replaced by their words.
pub fn plain(s: &str) -> Cow<'_, str> {
    if !s.contains('[') {
        return Cow::Borrowed(s);
    }
    let pieces = parse(s);
    if pieces.iter().all(|p| matches!(p, Inline::Text(_))) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for piece in pieces {
        match piece {
            Inline::Text(t) => out.push_str(t),
            Inline::NoteRef(_) => {}
            Inline::Link { text, .. } => out.push_str(text),
        }
    }
    Cow::Owned(out)
}

/// The records `s` links to, in order (repeats kept).
pub fn record_targets(s: &str) -> impl Iterator<Item = &str> {
    parse(s).into_iter().filter_map(|p| match p {
        Inline::Link {
            target: Target::Record(id),
            ..
        } => Some(id),
        _ => None,
    })
}

/// `s` with its links to the records `keep` refuses replaced by their
/// words (for a reader who may not see them: no link that leads nowhere).
pub fn unlink(s: &str, keep: impl Fn(&str) -> bool) -> Cow<'_, str> {
    if record_targets(s).all(&keep) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for piece in parse(s) {
        match piece {
            Inline::Text(t) => out.push_str(t),
            Inline::NoteRef(n) => out.push_str(&format!("[^{n}]")),
            Inline::Link {
                text,
                target: Target::Record(id),
            } if !keep(id) => out.push_str(text),
            Inline::Link {
                text,
                target: Target::Record(id),
            } => out.push_str(&record_link(text, id)),
            Inline::Link {
                text,
                target: Target::Web(url),
            } => out.push_str(&web_link(text, url)),
        }
    }
    Cow::Owned(out)
}

/// Whether `id` can be a link target `/records/ID`: printable ASCII
/// letters, digits and `-._~:`, starting with a letter or digit.
pub fn is_record_id(id: &str) -> bool {
    id.len() <= 200
        && id.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~:".contains(&b))
}

/// A marker or a link starting at `s` (which starts with `[`), with its
/// length in bytes.
fn piece_at(s: &str) -> Option<(Inline<'_>, usize)> {
    if let Some(rest) = s.strip_prefix("[^") {
        let end = rest.find(']')?;
        let mark = &rest[..end];
        return is_mark(mark).then_some((Inline::NoteRef(mark), end + 3));
    }
    let close = s.find(']')?;
    let text = &s[1..close];
    if !is_link_text(text) {
        return None;
    }
    let rest = s[close + 1..].strip_prefix('(')?;
    let end = rest.find(')')?;
    let target = &rest[..end];
    let target = if let Some(id) = target.strip_prefix("/records/") {
        is_record_id(id).then_some(Target::Record(id))?
    } else if is_web_url(target) {
        Target::Web(target)
    } else {
        return None;
    };
    Some((Inline::Link { text, target }, close + 2 + end + 1))
}

fn is_mark(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= MAX_MARK
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

fn is_link_text(text: &str) -> bool {
    !text.trim().is_empty() && !text.contains(['[', ']', '\n'])
}

fn is_web_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && url.len() > 8
        && !url.contains(|c: char| c.is_whitespace() || c.is_control() || "()<>\"".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_and_links_are_found_and_nothing_else() {
        let s = "space.[^1] See [Document 8](/records/frus1961-63v06d8) and \
                 [vol. V](https://history.state.gov/historicaldocuments/frus1961-63v05).";
        assert_eq!(
            parse(s),
            vec![
                Inline::Text("space."),
                Inline::NoteRef("1"),
                Inline::Text(" See "),
                Inline::Link {
                    text: "Document 8",
                    target: Target::Record("frus1961-63v06d8")
                },
                Inline::Text(" and "),
                Inline::Link {
                    text: "vol. V",
                    target: Target::Web(
                        "https://history.state.gov/historicaldocuments/frus1961-63v05"
                    )
                },
                Inline::Text("."),
            ]
        );
        assert_eq!(plain(s), "space. See Document 8 and vol. V.");
    }

    #[test]
    fn lookalikes_stay_text() {
        for s in [
            "百濟 [봄붓채](草名狀如摺扇)를",
            "[a](javascript:alert(1))",
            "[a](/records/../x)",
            "[a](/records/)",
            "[^]",
            "[^has space]",
            "[^12345678901234567]",
            "[x]",
            "[unclosed(",
            "[a\nb](https://x.org)",
            "[](https://x.org)",
            "[ok](https://x.org/a b)",
        ] {
            assert_eq!(parse(s), vec![Inline::Text(s)], "{s}");
            assert_eq!(plain(s), s);
        }
    }

    #[test]
    fn pieces_give_back_the_input() {
        let s = "a[^1][^2]b[[c](/records/x1)](d)[e](http://e.org/f?g=h#i)é";
        let back: String = parse(s)
            .iter()
            .map(|p| match p {
                Inline::Text(t) => t.to_string(),
                Inline::NoteRef(n) => note_marker(n).unwrap(),
                Inline::Link {
                    text,
                    target: Target::Record(id),
                } => record_link(text, id),
                Inline::Link {
                    text,
                    target: Target::Web(url),
                } => web_link(text, url),
            })
            .collect();
        assert_eq!(back, s);
    }

    #[test]
    fn links_to_records_not_kept_become_their_words() {
        let s = "See [Document 5](/records/v1d5) and [Document 8](/records/v1d8)[^2], \
                 [vol. V](https://x.org/v5).";
        assert_eq!(record_targets(s).collect::<Vec<_>>(), ["v1d5", "v1d8"]);
        assert_eq!(
            unlink(s, |id| id != "v1d5"),
            "See Document 5 and [Document 8](/records/v1d8)[^2], [vol. V](https://x.org/v5)."
        );
        assert!(matches!(unlink(s, |_| true), Cow::Borrowed(_)));
    }

    #[test]
    fn writers_refuse_what_cannot_be_read_back() {
        assert_eq!(note_marker("3"), Some("[^3]".into()));
        assert_eq!(note_marker("*"), None);
        assert_eq!(record_link("Document 8", "d/8"), "Document 8");
        assert_eq!(record_link("a]b", "d8"), "a]b");
        assert_eq!(web_link("x", "ftp://x"), "x");
    }
}
