//! Text analysis: how text becomes index terms, per language.
//!
//! One tokenizer serves every script: runs of letters and digits of
//! alphabetic scripts (Latin, Cyrillic, Greek …) become words; runs of CJK
//! characters (hangul, hanja/hanzi, kana) become overlapping character
//! bigrams, so that a Korean word is found inside an eojeol (`학교` in
//! `학교에서`) and hanja and hangul are both searchable without a dictionary.
//! Filters then lower-case, fold accents (and `ё` to `е`), and stem by
//! language: English, German and Russian have stemmers; other languages are
//! indexed unstemmed.
//!
//! Invariant: the same analyzer name always means the same analysis; the
//! names are part of the on-disk index format (changing one needs a reindex).

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token,
    TokenFilter, TokenStream, Tokenizer, TokenizerManager,
};

/// Analyzer languages: a stemmer each, plus `xx` for everything unstemmed.
pub const ANALYZERS: [&str; 4] = ["en", "de", "ru", "xx"];

/// The analyzer name for a text's language code.
pub fn analyzer_for(language: &str) -> &'static str {
    match language {
        "en" => "en",
        "de" => "de",
        "ru" => "ru",
        _ => "xx",
    }
}

/// The registered name of an analyzer.
pub fn tokenizer_name(analyzer: &str) -> String {
    format!("fonds_{analyzer}")
}

/// Registers every analyzer with an index's tokenizer manager.
pub fn register(manager: &TokenizerManager) {
    for analyzer in ANALYZERS {
        manager.register(&tokenizer_name(analyzer), build(analyzer));
    }
}

/// Builds one analyzer.
pub fn build(analyzer: &str) -> TextAnalyzer {
    let base = TextAnalyzer::builder(MultiScriptTokenizer)
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(CyrillicFold)
        .filter(AsciiFoldingFilter);
    match analyzer {
        "en" => base.filter(Stemmer::new(Language::English)).build(),
        "de" => base.filter(Stemmer::new(Language::German)).build(),
        "ru" => base.filter(Stemmer::new(Language::Russian)).build(),
        _ => base.build(),
    }
}

/// Splits text into words (alphabetic scripts) and bigrams (CJK).
#[derive(Clone, Copy, Default)]
pub struct MultiScriptTokenizer;

/// Whether a character is written without spaces between words (CJK).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF   // Hangul Jamo
        | 0x3040..=0x30FF // Hiragana, Katakana
        | 0x3130..=0x318F // Hangul compatibility jamo
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xAC00..=0xD7AF // Hangul syllables
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0x20000..=0x2FFFF)
}

/// The token stream of [`MultiScriptTokenizer`].
pub struct MultiScriptStream<'a> {
    text: &'a str,
    /// Byte position of the next character to read.
    at: usize,
    /// Pending CJK run: byte offset of the next bigram's first character,
    /// and the end of the run; `None` outside a run.
    cjk: Option<(usize, usize)>,
    /// Whether the pending run has yielded a token yet.
    cjk_started: bool,
    token: Token,
    position: usize,
}

impl Tokenizer for MultiScriptTokenizer {
    type TokenStream<'a> = MultiScriptStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> MultiScriptStream<'a> {
        MultiScriptStream {
            text,
            at: 0,
            cjk: None,
            cjk_started: false,
            token: Token::default(),
            position: 0,
        }
    }
}

/// Whether a character belongs to a token (ASCII tested first: most text).
#[inline]
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        is_cjk(c) || c.is_alphanumeric()
    }
}

impl MultiScriptStream<'_> {
    fn emit(&mut self, from: usize, to: usize) {
        self.token.text.clear();
        self.token.text.push_str(&self.text[from..to]);
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = self.position;
        self.token.position_length = 1;
        self.position += 1;
    }

    /// Emits the next bigram of the pending CJK run (a lone character when
    /// the run has only one), if any.
    fn next_bigram(&mut self) -> bool {
        let Some((from, end)) = self.cjk else {
            return false;
        };
        let mut chars = self.text[from..end].chars();
        let Some(first) = chars.next() else {
            self.cjk = None;
            return false;
        };
        let second_start = from + first.len_utf8();
        match chars.next() {
            Some(second) => {
                self.cjk = Some((second_start, end));
                self.cjk_started = true;
                self.emit(from, second_start + second.len_utf8());
                true
            }
            None if !self.cjk_started => {
                self.cjk = None;
                self.emit(from, second_start);
                true
            }
            None => {
                self.cjk = None;
                false
            }
        }
    }
}

impl TokenStream for MultiScriptStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next_bigram() {
            return true;
        }
        let text = self.text;
        let mut chars = text[self.at..].char_indices();
        // Skip separators.
        let (start, first) = loop {
            match chars.next() {
                Some((i, c)) if is_word_char(c) => break (self.at + i, c),
                Some(_) => {}
                None => {
                    self.at = text.len();
                    return false;
                }
            }
        };
        let cjk = is_cjk(first);
        let mut end = start + first.len_utf8();
        for (i, c) in chars {
            if !is_word_char(c) || is_cjk(c) != cjk {
                break;
            }
            end = self.at + i + c.len_utf8();
        }
        self.at = end;
        if cjk {
            self.cjk = Some((start, end));
            self.cjk_started = false;
            return self.next_bigram();
        }
        self.emit(start, end);
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// Folds `ё` into `е` (Russian writes both for one letter).
#[derive(Clone, Copy)]
pub struct CyrillicFold;

impl TokenFilter for CyrillicFold {
    type Tokenizer<T: Tokenizer> = CyrillicFoldTokenizer<T>;
    fn transform<T: Tokenizer>(self, tokenizer: T) -> CyrillicFoldTokenizer<T> {
        CyrillicFoldTokenizer(tokenizer)
    }
}

/// [`CyrillicFold`] applied to a tokenizer.
#[derive(Clone)]
pub struct CyrillicFoldTokenizer<T>(T);

impl<T: Tokenizer> Tokenizer for CyrillicFoldTokenizer<T> {
    type TokenStream<'a> = CyrillicFoldStream<T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CyrillicFoldStream(self.0.token_stream(text))
    }
}

/// The stream of [`CyrillicFoldTokenizer`].
pub struct CyrillicFoldStream<S>(S);

impl<S: TokenStream> TokenStream for CyrillicFoldStream<S> {
    fn advance(&mut self) -> bool {
        if !self.0.advance() {
            return false;
        }
        let token = self.0.token_mut();
        if token.text.contains('ё') {
            token.text = token.text.replace('ё', "е");
        }
        true
    }
    fn token(&self) -> &Token {
        self.0.token()
    }
    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

/// The terms an analyzer makes of a text.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(analyzer: &str, text: &str) -> Vec<String> {
        terms(&mut build(analyzer), text)
    }

    #[test]
    fn words_are_split_folded_and_stemmed() {
        assert_eq!(
            t("en", "The Exchanges, Kim Il-sung!"),
            ["the", "exchang", "kim", "il", "sung"]
        );
        assert_eq!(t("xx", "Café Déjà"), ["cafe", "deja"]);
        assert_eq!(t("ru", "Хрущёв"), t("ru", "Хрущев"));
        assert_eq!(t("de", "Häuser"), t("de", "Hauser"));
    }

    #[test]
    fn cjk_runs_become_bigrams() {
        assert_eq!(t("xx", "김일성"), ["김일", "일성"]);
        assert_eq!(t("xx", "學校에서 金"), ["學校", "校에", "에서", "金"]);
        assert_eq!(t("xx", "Kim김일성Il"), ["kim", "김일", "일성", "il"]);
        // Positions are consecutive, so a phrase of bigrams is a substring match.
        let mut a = build("xx");
        let mut s = a.token_stream("가나다");
        let mut positions = Vec::new();
        while s.advance() {
            positions.push(s.token().position);
        }
        assert_eq!(positions, [0, 1]);
    }

    #[test]
    fn offsets_point_into_the_text() {
        let text = "ab 김일성";
        let mut a = build("xx");
        let mut s = a.token_stream(text);
        let mut spans = Vec::new();
        while s.advance() {
            let tok = s.token();
            spans.push(&text[tok.offset_from..tok.offset_to]);
        }
        assert_eq!(spans, ["ab", "김일", "일성"]);
    }
}
