//! English labels for document types (genres) that sources name in another
//! language: the Korean genre terms of the 1920s–30s press as the National
//! Institute of Korean History's magazine database classes its articles
//! (소설 story, 시 poem, 잡저 miscellany, 논설 editorial …).
//!
//! The record keeps the type exactly as the source names it
//! ([`super::Record::doc_type`]); this table only gives readers an English
//! label beside it: [`label`] shows "Story (소설)", the original kept in
//! parentheses. A type the table does not know is shown as it is.
//!
//! Invariants:
//! - Pure functions of the text given; no allocation for a known type's
//!   English word ([`english_label`]).
//! - Every type of the Korean periodicals batch has a label (a test over
//!   the shared corpus fails naming any that has none).

/// Korean genre term, its hanja or a gloss (for the reader of this
/// table), English label. Each term is one class of the source's
/// classification; a `·` joins two genres the source files together
/// (사고·편집후기: company notices and editors' afterwords).
const KOREAN: &[(&str, &str, &str)] = &[
    // The fifteen types of the Pyŏlgŏn'gon batch.
    ("소설", "小說: fiction, short stories", "Story"),
    ("시", "詩", "Poem"),
    ("잡저", "雜著: miscellaneous writings", "Miscellany"),
    ("논설", "論說: argued opinion piece", "Editorial"),
    ("문예기타", "文藝其他", "Other literary writing"),
    (
        "사고·편집후기",
        "社告·編輯後記",
        "Notice or editor's afterword",
    ),
    ("소식", "消息", "News"),
    ("회고·수기", "回顧·手記", "Reminiscence or memoir"),
    (
        "세태비평",
        "世態批評: criticism of the times",
        "Social commentary",
    ),
    (
        "설문",
        "設問: answers to a survey of writers",
        "Questionnaire",
    ),
    ("대담·좌담", "對談·座談", "Interview or round-table talk"),
    ("만화", "漫畫", "Cartoon"),
    ("기행문", "紀行文", "Travel writing"),
    ("문예평론", "文藝評論", "Literary criticism"),
    ("희곡·시나리오", "戱曲·scenario", "Play or screenplay"),
    // Other common terms of the period's press.
    ("수필", "隨筆", "Essay"),
    ("평론", "評論", "Criticism"),
    ("동화", "童話", "Children's story"),
    ("동요", "童謠", "Children's song"),
    ("시조", "時調: a three-line verse form", "Sijo (verse)"),
    ("기사", "記事", "Article"),
    ("광고", "廣告", "Advertisement"),
    ("강연", "講演", "Lecture"),
    ("전기", "傳記", "Biography"),
];

/// The English label of a document type the table knows (`소설` →
/// `Story`), or `None`. Surrounding space is ignored, and so is the form of
/// the middle dot (`·`, `・`, `‧`, `ㆍ`).
pub fn english_label(doc_type: &str) -> Option<&'static str> {
    let wanted = doc_type.trim();
    KOREAN
        .iter()
        .find(|(term, _, _)| same_term(term, wanted))
        .map(|(_, _, english)| *english)
}

/// A type as readers see it: `Story (소설)` where the table knows it, the
/// type as the source names it otherwise.
pub fn label(doc_type: &str) -> String {
    match english_label(doc_type) {
        Some(english) => format!("{english} ({})", doc_type.trim()),
        None => doc_type.to_string(),
    }
}

/// Whether two terms are equal, any middle dot matching any other.
fn same_term(a: &str, b: &str) -> bool {
    let dot = |c: char| matches!(c, '·' | '・' | '‧' | 'ㆍ' | '•');
    let mut left = a.chars();
    let mut right = b.chars();
    loop {
        match (left.next(), right.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x == y || (dot(x) && dot(y)) => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_types_get_english_labels_with_the_original_kept() {
        assert_eq!(english_label("소설"), Some("Story"));
        assert_eq!(english_label(" 시 "), Some("Poem"));
        assert_eq!(label("소설"), "Story (소설)");
        assert_eq!(label("잡저"), "Miscellany (잡저)");
        assert_eq!(label("논설"), "Editorial (논설)");
        assert_eq!(
            label("사고・편집후기"),
            "Notice or editor's afterword (사고・편집후기)"
        );
    }

    #[test]
    fn unknown_types_show_as_they_are() {
        assert_eq!(english_label("Telephone Message"), None);
        assert_eq!(label("Telephone Message"), "Telephone Message");
        assert_eq!(label("소설가"), "소설가");
        assert_eq!(english_label(""), None);
    }

    #[test]
    fn the_table_is_well_formed() {
        let mut terms: Vec<&str> = KOREAN.iter().map(|(t, _, _)| *t).collect();
        terms.sort_unstable();
        terms.dedup();
        assert_eq!(terms.len(), KOREAN.len(), "a term is listed twice");
        for (term, _, english) in KOREAN {
            assert_eq!(term.trim(), *term);
            assert!(!english.is_empty() && english.is_ascii(), "{term}");
            assert_eq!(english_label(term), Some(*english));
        }
    }

    /// The fifteen types of the Korean periodicals batch (checked against
    /// the whole manifest by `tests/it/provenance.rs`).
    #[test]
    fn every_type_of_the_korean_batch_is_known() {
        for t in [
            "잡저",
            "문예기타",
            "논설",
            "사고·편집후기",
            "소식",
            "회고·수기",
            "세태비평",
            "설문",
            "시",
            "소설",
            "대담·좌담",
            "만화",
            "기행문",
            "문예평론",
            "희곡·시나리오",
        ] {
            assert!(english_label(t).is_some(), "{t}");
        }
    }
}
