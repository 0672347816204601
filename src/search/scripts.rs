//! Conversions between the scripts a name is written in: hanja to their
//! hangul readings, traditional to simplified Chinese and back, Latin to
//! Cyrillic (the other way is [`super::names::cyrillic_to_latin`]), and a
//! phonetic key that brings old and new Korean transcriptions of a foreign
//! name together (나폴레온 and 나폴레옹).
//!
//! The Han tables come from Unicode's Unihan database (`kHangul`,
//! `kSimplifiedVariant`, `kTraditionalVariant`), built into
//! `data/unihan.tsv.gz` by `data/build/unihan.py` (licence in
//! `data/LICENSE-unihan.txt`) and read once, on first use.
//!
//! Invariants:
//! - Every conversion is of whole characters and keeps everything it has no
//!   rule for as it is; a conversion that changes nothing answers `None`.
//! - Readings are listed preferred first (the reading Unihan marks for
//!   personal names before the others), and never more than
//!   [`MAX_READINGS`] per text, so a query's widening stays bounded.

use flate2::read::GzDecoder;
use std::collections::HashMap;
use std::io::Read;
use std::sync::LazyLock;

/// The table, compressed, as `data/build/unihan.py` writes it.
const UNIHAN: &[u8] = include_bytes!("../../data/unihan.tsv.gz");

/// The most hangul readings [`hangul_readings`] gives one text.
pub const MAX_READINGS: usize = 4;

/// What Unihan says of one character.
#[derive(Debug, Default)]
struct Entry {
    /// Hangul readings, in Unihan's order (the usual one first).
    readings: Vec<char>,
    /// The reading for personal names, where Unihan marks one (金: 김,
    /// where the usual reading is 금).
    name_reading: Option<char>,
    simplified: Option<char>,
    traditional: Option<char>,
}

static TABLE: LazyLock<HashMap<char, Entry>> = LazyLock::new(|| {
    let mut text = String::new();
    // The table is part of the binary: failing to read it is a build fault.
    GzDecoder::new(UNIHAN)
        .read_to_string(&mut text)
        .expect("data/unihan.tsv.gz is gzip of UTF-8");
    let mut table = HashMap::with_capacity(20_000);
    for line in text.lines() {
        let mut cells = line.split('\t');
        let Some(c) = cells.next().and_then(|c| c.chars().next()) else {
            continue;
        };
        let cell = cells.next().unwrap_or_default();
        let readings = cell.split(' ').filter_map(|r| r.chars().next()).collect();
        let name_reading = cell
            .split(' ')
            .find(|r| r.ends_with('*'))
            .and_then(|r| r.chars().next());
        let one = |cell: Option<&str>| cell.and_then(|s| s.chars().next());
        let simplified = one(cells.next());
        let traditional = one(cells.next());
        table.insert(
            c,
            Entry {
                readings,
                name_reading,
                simplified,
                traditional,
            },
        );
    }
    table
});

fn map_chars(text: &str, pick: impl Fn(&Entry) -> Option<char>) -> Option<String> {
    let mut changed = false;
    let out: String = text
        .chars()
        .map(|c| match TABLE.get(&c).and_then(&pick) {
            Some(other) => {
                changed = true;
                other
            }
            None => c,
        })
        .collect();
    changed.then_some(out)
}

/// The text with traditional characters simplified (`羅斯福` → `罗斯福`).
pub fn to_simplified(text: &str) -> Option<String> {
    map_chars(text, |e| e.simplified)
}

/// The text with simplified characters in their traditional form
/// (`罗斯福` → `羅斯福`; where one simplified character stands for several
/// traditional ones, Unihan's first).
pub fn to_traditional(text: &str) -> Option<String> {
    map_chars(text, |e| e.traditional)
}

/// Whether a character is a hangul syllable.
pub fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// The hangul readings of a text of hanja read as a name (`李箕永` →
/// `이기영`, `金日成` → `김일성`), preferred first, at most [`MAX_READINGS`]. `None` unless every letter of
/// the text is a hanja with a known reading (spaces and punctuation stay).
pub fn hangul_readings(text: &str) -> Option<Vec<String>> {
    let mut out = vec![String::new()];
    let mut any = false;
    for c in text.chars() {
        if !c.is_alphanumeric() {
            out.iter_mut().for_each(|r| r.push(c));
            continue;
        }
        let entry = TABLE.get(&c)?;
        let first = preferred(entry, !any)?;
        let mut readings = vec![first];
        readings.extend(entry.readings.iter().copied().filter(|&r| r != first));
        if !any {
            readings = readings.into_iter().map(word_initial).collect();
            readings.dedup();
        }
        any = true;
        let mut next = Vec::with_capacity(MAX_READINGS);
        // The preferred reading of every character first, then the others
        // while there is room.
        next.extend(
            out.iter()
                .map(|r| format!("{r}{first}", first = readings[0])),
        );
        'all: for r in &out {
            for &reading in &readings[1..] {
                if next.len() >= MAX_READINGS {
                    break 'all;
                }
                next.push(format!("{r}{reading}"));
            }
        }
        out = next;
    }
    any.then_some(out)
}

/// The reading a name's character most likely has: at the start of a name
/// (a surname) the one Unihan marks for names, else the usual one.
fn preferred(entry: &Entry, starts_name: bool) -> Option<char> {
    if starts_name && let Some(r) = entry.name_reading {
        return Some(r);
    }
    entry.readings.first().copied()
}

/// The fewest syllables a reading is looked for with: readings of two
/// meet too many other words (경기 is a province, 景氣 the economy, 競技 a
/// match).
pub const MIN_READING: usize = 3;

/// The longest run prefix [`append_reading_terms`] gives.
const MAX_READING: usize = 8;

/// Appends to `out`, separated by spaces, the hangul reading of every run
/// of hanja in `text` of at least [`MIN_READING`] characters, and of its
/// beginnings of that length and more (so 安在鴻氏 gives 안재홍 and
/// 안재홍씨): each character's usual reading, a run's first the one for
/// names where Unihan marks one (as a surname is read), and that first
/// syllable as Korean writes it at the start of a word (李 as 이, 羅 as
/// 나). What a Korean reader types for a name written in hanja: 金玉均 is
/// found as 김옥균.
pub fn append_reading_terms(text: &str, out: &mut String) {
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let chars: Vec<char> = run.chars().collect();
        for len in MIN_READING..=chars.len().min(MAX_READING) {
            out.push(' ');
            out.extend(&chars[..len]);
        }
        run.clear();
    };
    for c in text.chars() {
        // Most of a text is no hanja: no table lookup for it.
        let reading = if super::analysis::is_han(c) {
            TABLE.get(&c).and_then(|e| preferred(e, run.is_empty()))
        } else {
            None
        };
        match reading {
            Some(reading) if run.is_empty() => run.push(word_initial(reading)),
            Some(reading) => run.push(reading),
            None => flush(&mut run, out),
        }
    }
    flush(&mut run, out);
}

/// A Sino-Korean syllable as it is written at the start of a word (the
/// initial-sound rule, 두음법칙): ㄹ becomes ㄴ, and ㄴ before i or y
/// becomes silent (리 → 이, 라 → 나, 녀 → 여).
pub fn word_initial(syllable: char) -> char {
    if !is_hangul(syllable) {
        return syllable;
    }
    let s = syllable as u32 - 0xAC00;
    let (initial, medial, last) = (s / 588, (s % 588) / 28, s % 28);
    // Medials i, ya, yae, yeo, ye, yo, yu.
    let front = matches!(medial, 20 | 2 | 3 | 6 | 7 | 12 | 17);
    let initial = match initial {
        5 if front => 11,
        5 => 2,
        2 if front => 11,
        other => other,
    };
    char::from_u32(0xAC00 + initial * 588 + medial * 28 + last).unwrap_or(syllable)
}

/// Latin to Russian Cyrillic, the inverse of the transliteration English
/// archives use (`Khrushchev` → `Хрущев`). `None` when the text has a Latin
/// letter that transliteration never writes (w, x, q, c without h, h
/// alone, j) or no Latin letter at all.
pub fn latin_to_cyrillic(text: &str) -> Option<String> {
    const SEQUENCES: [(&str, char); 8] = [
        ("shch", 'щ'),
        ("kh", 'х'),
        ("zh", 'ж'),
        ("ts", 'ц'),
        ("ch", 'ч'),
        ("sh", 'ш'),
        ("yu", 'ю'),
        ("ya", 'я'),
    ];
    let lower = text.to_lowercase();
    let chars: Vec<char> = text.chars().collect();
    let lowered: Vec<char> = lower.chars().collect();
    if chars.len() != lowered.len() || !lowered.iter().any(char::is_ascii_lowercase) {
        return None;
    }
    let mut out = String::with_capacity(text.len() * 2);
    let mut i = 0;
    let mut word_start = true;
    while i < lowered.len() {
        let upper = chars[i].is_uppercase();
        let rest: String = lowered[i..lowered.len().min(i + 4)].iter().collect();
        let (cyrillic, len) = match SEQUENCES.iter().find(|(s, _)| rest.starts_with(s)) {
            Some(&(s, c)) => (c, s.len()),
            None => {
                let c = match lowered[i] {
                    'a' => 'а',
                    'b' => 'б',
                    'v' => 'в',
                    'g' => 'г',
                    'd' => 'д',
                    'e' if word_start => 'э',
                    'e' => 'е',
                    'z' => 'з',
                    'i' => 'и',
                    'y' if !word_start && !"aeiouy".contains(lowered[i - 1]) => 'ы',
                    'y' => 'й',
                    'k' => 'к',
                    'l' => 'л',
                    'm' => 'м',
                    'n' => 'н',
                    'o' => 'о',
                    'p' => 'п',
                    'r' => 'р',
                    's' => 'с',
                    't' => 'т',
                    'u' => 'у',
                    'f' => 'ф',
                    c if c.is_ascii_alphabetic() => return None,
                    c => c,
                };
                (c, 1)
            }
        };
        word_start = !lowered[i].is_alphabetic();
        if upper {
            out.extend(cyrillic.to_uppercase());
        } else {
            out.push(cyrillic);
        }
        i += len;
    }
    Some(out)
}

/// A phonetic key for a Korean transcription of a foreign name, so that
/// the 1920s spelling and today's meet (`나폴레온` and `나폴레옹`,
/// `루즈벨트` and `루스벨트`): each syllable's consonants by their place
/// (plain, aspirated and tense alike; ㅅ with ㅈ and ㅊ; ㄴ, ㅁ and ㅇ as
/// final nasals), its vowel by its quality. `None` for text that is not
/// all hangul or has fewer than three syllables (a key of a short word
/// meets too many others).
pub fn hangul_key(text: &str) -> Option<String> {
    let syllables: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    if syllables.len() < 3 || !syllables.iter().all(|&c| is_hangul(c)) {
        return None;
    }
    const INITIAL: [&str; 19] = [
        "k", "k", "n", "t", "t", "r", "m", "p", "p", "s", "s", "", "s", "s", "s", "k", "t", "p",
        "h",
    ];
    const VOWEL: [&str; 21] = [
        "a", "e", "a", "e", "o", "e", "o", "e", "o", "a", "e", "e", "o", "u", "o", "e", "i", "u",
        "u", "i", "i",
    ];
    const FINAL: [&str; 28] = [
        "", "k", "k", "k", "n", "n", "n", "t", "r", "r", "r", "r", "r", "r", "r", "r", "n", "p",
        "p", "t", "t", "n", "t", "t", "k", "t", "p", "t",
    ];
    let mut key = String::with_capacity(syllables.len() * 3);
    for c in syllables {
        let s = c as usize - 0xAC00;
        key.push_str(INITIAL[s / 588]);
        key.push_str(VOWEL[(s % 588) / 28]);
        key.push_str(FINAL[s % 28]);
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traditional_and_simplified_convert_both_ways() {
        type Convert = fn(&str) -> Option<String>;
        let cases: [(Convert, &str, Option<&str>); 4] = [
            (to_simplified, "羅斯福", Some("罗斯福")),
            (to_traditional, "罗斯福", Some("羅斯福")),
            (to_simplified, "罗斯福", None),
            (to_traditional, "Roosevelt", None),
        ];
        for (convert, text, expected) in cases {
            assert_eq!(convert(text).as_deref(), expected, "{text}");
        }
    }

    #[test]
    fn hanja_read_in_hangul_with_the_name_reading_first() {
        let r = hangul_readings("李箕永").unwrap();
        assert!(r.contains(&"이기영".to_string()), "{r:?}");
        assert!(r.len() <= MAX_READINGS);
        // 金 as a surname is 김, as metal 금: the name reading comes first.
        assert_eq!(hangul_readings("金日成").unwrap()[0], "김일성");
        // 金一成 reads the same but is another name: reading is no merger.
        assert_eq!(hangul_readings("金一成").unwrap()[0], "김일성");
        assert_eq!(hangul_readings("Kim"), None);
        assert_eq!(hangul_readings("金 Kim"), None);
    }

    #[test]
    fn runs_of_hanja_are_read_as_a_korean_writes_them() {
        let mut out = String::new();
        append_reading_terms("李箕永氏의 學校, 羅斯福, 金玉均", &mut out);
        assert_eq!(out, " 이기영 이기영씨 나사복 김옥균");
        for (syllable, initial) in [('리', '이'), ('라', '나'), ('녀', '여'), ('김', '김')]
        {
            assert_eq!(word_initial(syllable), initial);
        }
    }

    #[test]
    fn latin_goes_to_cyrillic() {
        for (latin, cyrillic) in [
            ("Khrushchev", Some("Хрущев")),
            ("Gromyko", Some("Громыко")),
            ("Wilson", None),
            ("Хрущев", None),
        ] {
            assert_eq!(latin_to_cyrillic(latin).as_deref(), cyrillic, "{latin}");
        }
    }

    #[test]
    fn old_and_new_transcriptions_share_a_key() {
        for (old, new, same) in [
            ("나폴레온", "나폴레옹", true),
            ("루즈벨트", "루스벨트", true),
            ("나폴레옹", "비스마르크", false),
        ] {
            assert_eq!(hangul_key(old) == hangul_key(new), same, "{old} {new}");
        }
        // Too short to say, or not hangul.
        assert!(["김구", "Napoleon"].iter().all(|t| hangul_key(t).is_none()));
    }
}
