//! Name forms and words the archive teaches itself, from what its records
//! say about their own names and words: a manifest's `named_entities`
//! lines ("李箕永 (Lee Gi-Young) ⇥ 이기영 ⇥ Lee Gi-Young" are one name in
//! three forms), its `glossary` lines (`안식일 ⇥ 안식일 ⇥ Sabbath`: a Korean
//! word and its English meaning), and the forms a record gives each agent
//! (a TEI `persName` beside its index form "Khrushchev, Nikita S.").
//!
//! [`Learning`] counts, per record, which forms appear together; it is
//! kept by the search index, fed as records are indexed, and saved beside
//! it. [`Learned`] is what queries read: for a form, the other forms of the
//! name with a confidence (the share of the records naming the one that
//! pair it with the other), and for an English word or phrase the Korean
//! words it translates to.
//!
//! Invariants:
//! - Only public records teach: a draft's or an embargoed record's names
//!   reach no query through what was learned from them.
//! - A record teaches each pair once, however often it repeats it; an
//!   updated record's earlier lessons stay until the index is rebuilt
//!   (`fonds reindex`), which relearns from the store.
//! - A pair the archive rejected (a `!` line of `DATA/persons.txt`) is never
//!   used, whatever its count.

use super::names::{NameAuthority, name_key};
use super::scripts;
use crate::model::Record;
use std::collections::{BTreeSet, HashMap, HashSet};

/// The least confidence at which a learned form widens a query.
pub const MIN_CONFIDENCE: f32 = 0.6;

/// The script a form is written in, as far as learning cares: two forms
/// of one script paired once may be two names a line happens to list
/// together (김부귀 and 금주); across scripts a line gives one name's forms.
fn script(form: &str) -> u8 {
    match form.chars().find(|c| c.is_alphabetic()) {
        Some(c) if scripts::is_hangul(c) => 1,
        Some(c) if super::analysis::is_han(c) => 2,
        Some(c) if c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(&c) => 3,
        _ => 0,
    }
}

/// Counts of forms and of the pairs they make, as records teach them.
#[derive(Debug, Default, Clone)]
pub struct Learning {
    /// Records naming each form (by key), with the form as first seen.
    forms: HashMap<String, (String, u32)>,
    /// Records pairing two forms (keys, in order).
    pairs: HashMap<(String, String), u32>,
    /// Records glossing a Korean word with an English meaning: (meaning
    /// key, word) → records.
    words: HashMap<(String, String), u32>,
    /// Records glossing each meaning, by key.
    meanings: HashMap<String, u32>,
    /// Whether anything changed since the last [`Learning::take_changed`].
    changed: bool,
}

/// A learned form of a name, or a learned translation of a word.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnedForm {
    /// The form.
    pub form: String,
    /// The share of records naming the asked form that pair it with this
    /// one (0–1].
    pub confidence: f32,
    /// How many records pair them.
    pub records: u32,
    /// Whether it was found by the sound of a hangul form (a conversion),
    /// not by its spelling.
    pub by_sound: bool,
}

/// The key of an English meaning: lower case, words separated by one
/// space, without a leading article or the punctuation around it.
pub fn meaning_key(text: &str) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let start = usize::from(
        matches!(
            words.first().map(String::as_str),
            Some("a" | "an" | "the" | "to")
        ) && words.len() > 1,
    );
    words[start..].join(" ")
}

/// Whether a form is written in a CJK script (hangul, hanja, kana).
fn is_cjk_form(form: &str) -> bool {
    form.chars().any(super::analysis::is_cjk)
}

/// Whether a form can be a name: a letter at least, and not too long to be
/// one (a gloss that is a sentence is no name).
fn is_name_form(form: &str) -> bool {
    form.chars().any(char::is_alphabetic)
        && form.chars().count() <= 40
        && form.split_whitespace().count() <= 5
}

/// The name forms of one `named_entities` line.
fn line_forms(line: &str) -> Vec<String> {
    let mut out = super::names::entity_line_forms(line);
    out.retain(|f| is_name_form(f) && !name_key(f).is_empty());
    out
}

/// Sorts learned forms: most certain first, or (`by_records`) most often
/// paired first; then by form, so that the order is the same every time.
fn sort_forms(forms: &mut [LearnedForm], by_records: bool) {
    forms.sort_by(|x, y| {
        let certain = y.confidence.total_cmp(&x.confidence);
        let often = y.records.cmp(&x.records);
        let first = if by_records {
            often.then(certain)
        } else {
            certain.then(often)
        };
        first.then(x.form.cmp(&y.form))
    });
}

impl Learning {
    /// Learns from one record (nothing, unless it is public).
    pub fn learn(&mut self, record: &Record, public: bool) {
        if !public {
            return;
        }
        let mut groups: Vec<Vec<String>> = Vec::new();
        if let Some(entities) = record.extra.get("named_entities") {
            groups.extend(entities.lines().map(line_forms));
        }
        for agent in record
            .creators
            .iter()
            .chain(&record.recipients)
            .chain(&record.people)
        {
            let mut forms = vec![agent.name.clone()];
            forms.extend(agent.authority.iter().cloned());
            forms.extend(agent.variants.iter().cloned());
            forms.retain(|f| is_name_form(f));
            groups.push(forms);
        }
        let mut seen_forms: HashSet<String> = HashSet::new();
        let mut seen_pairs: HashSet<(String, String)> = HashSet::new();
        for group in &groups {
            let keyed: BTreeSet<(String, &String)> =
                group.iter().map(|f| (name_key(f), f)).collect();
            for (key, form) in &keyed {
                if seen_forms.insert(key.clone()) {
                    let entry = self
                        .forms
                        .entry(key.clone())
                        .or_insert_with(|| ((*form).clone(), 0));
                    entry.1 += 1;
                }
            }
            for (i, (a, _)) in keyed.iter().enumerate() {
                for (b, _) in keyed.iter().skip(i + 1) {
                    if a != b && seen_pairs.insert((a.clone(), b.clone())) {
                        *self.pairs.entry((a.clone(), b.clone())).or_default() += 1;
                    }
                }
            }
        }
        let mut seen_words: HashSet<(String, String)> = HashSet::new();
        if let Some(glossary) = record.extra.get("glossary") {
            for line in glossary.lines() {
                let cells: Vec<&str> = line
                    .split('\t')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .collect();
                let (Some(word), Some(meaning)) = (cells.first(), cells.last()) else {
                    continue;
                };
                if cells.len() < 2 || !is_cjk_form(word) || is_cjk_form(meaning) {
                    continue;
                }
                let key = meaning_key(meaning);
                if key.is_empty() || key.split(' ').count() > 4 {
                    continue;
                }
                if seen_words.insert((key.clone(), word.to_string())) {
                    *self.words.entry((key, word.to_string())).or_default() += 1;
                }
            }
        }
        // A name's English form translates its CJK forms too.
        for group in &groups {
            for latin in group.iter().filter(|f| !is_cjk_form(f)) {
                let key = meaning_key(latin);
                for cjk in group.iter().filter(|f| is_cjk_form(f)) {
                    if !key.is_empty() && seen_words.insert((key.clone(), cjk.clone())) {
                        *self.words.entry((key.clone(), cjk.clone())).or_default() += 1;
                    }
                }
            }
        }
        let meanings: HashSet<&String> = seen_words.iter().map(|(m, _)| m).collect();
        for m in meanings {
            *self.meanings.entry(m.clone()).or_default() += 1;
        }
        self.changed = self.changed || !groups.is_empty() || !seen_words.is_empty();
    }

    /// Marks the counts changed (to be saved), as after forgetting them.
    pub fn learn_nothing(&mut self) {
        self.changed = true;
    }

    /// Whether anything was learned since the last call.
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// What queries read, without the pairs `authority` rejects.
    pub fn snapshot(&self, authority: &NameAuthority) -> Learned {
        let mut names: HashMap<String, Vec<LearnedForm>> = HashMap::new();
        for ((a, b), &n) in &self.pairs {
            if authority.rejects(a, b) {
                continue;
            }
            for (from, to) in [(a, b), (b, a)] {
                let (Some((_, of)), Some((form, _))) = (self.forms.get(from), self.forms.get(to))
                else {
                    continue;
                };
                names.entry(from.clone()).or_default().push(LearnedForm {
                    form: form.clone(),
                    confidence: n as f32 / (*of).max(1) as f32,
                    records: n,
                    by_sound: false,
                });
            }
        }
        for forms in names.values_mut() {
            sort_forms(forms, false);
        }
        let mut keys: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for (key, (form, _)) in &self.forms {
            if let Some(sound) = scripts::hangul_key(form) {
                keys.entry(sound)
                    .or_default()
                    .push((key.clone(), form.clone()));
            }
        }
        let mut words: HashMap<String, Vec<LearnedForm>> = HashMap::new();
        for ((meaning, word), &n) in &self.words {
            if authority.rejects(&name_key(meaning), &name_key(word)) {
                continue;
            }
            let of = self.meanings.get(meaning).copied().unwrap_or(1).max(1);
            words.entry(meaning.clone()).or_default().push(LearnedForm {
                form: word.clone(),
                confidence: n as f32 / of as f32,
                records: n,
                by_sound: false,
            });
        }
        for forms in words.values_mut() {
            sort_forms(forms, true);
            forms.truncate(Learned::MAX_TRANSLATIONS);
        }
        let longest = self
            .forms
            .values()
            .map(|(f, _)| f.split_whitespace().count())
            .max()
            .unwrap_or(1);
        let longest_meaning = words
            .keys()
            .map(|k| k.split(' ').count())
            .max()
            .unwrap_or(1);
        Learned {
            names,
            keys,
            words,
            longest,
            longest_meaning,
        }
    }

    /// The counts as text, one line each (how the index saves them):
    /// `F form records`, `P key key records`, `W meaning word records`,
    /// `M meaning records`, tab-separated.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let mut lines: Vec<String> = Vec::new();
        for (key, (form, n)) in &self.forms {
            lines.push(format!("F\t{key}\t{form}\t{n}"));
        }
        for ((a, b), n) in &self.pairs {
            lines.push(format!("P\t{a}\t{b}\t{n}"));
        }
        for ((m, w), n) in &self.words {
            lines.push(format!("W\t{m}\t{w}\t{n}"));
        }
        for (m, n) in &self.meanings {
            lines.push(format!("M\t{m}\t{n}"));
        }
        lines.sort();
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
        out
    }

    /// Counts saved by [`Learning::to_text`]; lines it cannot read are
    /// skipped (the counts are relearned by a reindex).
    pub fn from_text(text: &str) -> Learning {
        let mut l = Learning::default();
        for line in text.lines() {
            let cells: Vec<&str> = line.split('\t').collect();
            let count = |s: &str| s.parse::<u32>().ok();
            match cells[..] {
                ["F", key, form, n] => {
                    if let Some(n) = count(n) {
                        l.forms.insert(key.into(), (form.into(), n));
                    }
                }
                ["P", a, b, n] => {
                    if let Some(n) = count(n) {
                        l.pairs.insert((a.into(), b.into()), n);
                    }
                }
                ["W", m, w, n] => {
                    if let Some(n) = count(n) {
                        l.words.insert((m.into(), w.into()), n);
                    }
                }
                ["M", m, n] => {
                    if let Some(n) = count(n) {
                        l.meanings.insert(m.into(), n);
                    }
                }
                _ => {}
            }
        }
        l
    }

    /// Every learned pair of name forms, most certain first: (form, form,
    /// confidence, records), the confidence the lower of the two ways.
    pub fn pairs(&self, authority: &NameAuthority) -> Vec<(String, String, f32, u32)> {
        let mut out: Vec<(String, String, f32, u32)> = self
            .pairs
            .iter()
            .filter(|((a, b), _)| !authority.rejects(a, b))
            .filter_map(|((a, b), &n)| {
                let (fa, na) = self.forms.get(a)?;
                let (fb, nb) = self.forms.get(b)?;
                let confidence = n as f32 / (*na).max(*nb).max(1) as f32;
                Some((fa.clone(), fb.clone(), confidence, n))
            })
            .collect();
        out.sort_by(|x, y| {
            y.2.total_cmp(&x.2)
                .then(y.3.cmp(&x.3))
                .then(x.0.cmp(&y.0))
                .then(x.1.cmp(&y.1))
        });
        out
    }
}

/// What the archive learned, as queries read it.
#[derive(Debug, Default)]
pub struct Learned {
    names: HashMap<String, Vec<LearnedForm>>,
    /// Phonetic keys of hangul forms ([`scripts::hangul_key`]) → the forms
    /// (key and form).
    keys: HashMap<String, Vec<(String, String)>>,
    words: HashMap<String, Vec<LearnedForm>>,
    longest: usize,
    longest_meaning: usize,
}

impl Learned {
    /// The most translations one word is widened to.
    pub const MAX_TRANSLATIONS: usize = 4;

    /// The other forms of the name a text spells, at least
    /// [`MIN_CONFIDENCE`] sure (and, in the text's own script, paired by two
    /// records at least), most certain first. A hangul text that
    /// spells no learned form is tried by its sound
    /// ([`scripts::hangul_key`]): the forms that sound like it (marked
    /// `by_sound`) and theirs.
    pub fn forms_of(&self, text: &str) -> Vec<LearnedForm> {
        let key = name_key(text);
        let mut out: Vec<LearnedForm> = Vec::new();
        let push = |f: LearnedForm, out: &mut Vec<LearnedForm>| {
            let k = name_key(&f.form);
            if k != key && !out.iter().any(|o| name_key(&o.form) == k) {
                out.push(f);
            }
        };
        let sure = |k: &str| {
            let from = self.names.get(k).map(|_| text);
            self.names
                .get(k)
                .into_iter()
                .flatten()
                .filter(move |f| {
                    f.confidence >= MIN_CONFIDENCE
                        && (f.records >= 2 || from.is_some_and(|t| script(t) != script(&f.form)))
                })
                .cloned()
        };
        for f in sure(&key) {
            push(f, &mut out);
        }
        if out.is_empty()
            && let Some(sound) = scripts::hangul_key(text)
        {
            for (k, form) in self.keys.get(&sound).into_iter().flatten() {
                push(
                    LearnedForm {
                        form: form.clone(),
                        confidence: MIN_CONFIDENCE,
                        records: 0,
                        by_sound: true,
                    },
                    &mut out,
                );
                for f in sure(k) {
                    push(
                        LearnedForm {
                            by_sound: true,
                            ..f
                        },
                        &mut out,
                    );
                }
            }
        }
        out
    }

    /// The Korean words an English word or phrase was glossed with, most
    /// often first.
    pub fn translations_of(&self, text: &str) -> &[LearnedForm] {
        self.words
            .get(&meaning_key(text))
            .map_or(&[], |v| v.as_slice())
    }

    /// The most words a learned form has.
    pub fn longest_form(&self) -> usize {
        self.longest.max(1)
    }

    /// The most words a glossed meaning has.
    pub fn longest_meaning(&self) -> usize {
        self.longest_meaning.max(1)
    }
}
