//! Name variants across scripts and romanisations.
//!
//! A [`NameAuthority`] groups the forms of one person's name ("Kim Il Sung",
//! "Kim Il-sung", "김일성", "金日成", "Ким Ир Сен"). fonds ships one
//! (`data/persons.txt`, documented there) and an archive extends it with
//! `DATA/persons.txt`. At query time a run of query words that spells any
//! form is widened to all forms of that person; at index time the forms a
//! record itself gives for its people (TEI index names, a manifest's
//! `named_entities`) are indexed with it ([`record_name_forms`]).
//! Cyrillic words are also transliterated to Latin ([`cyrillic_to_latin`]),
//! so "Хрущев" meets "Khrushchev" even for names no list knows.
//!
//! Invariant: matching compares [`name_key`]s (case, spaces, hyphens,
//! apostrophes and `ё`/`е` ignored), never raw strings.

use crate::model::Record;
use std::collections::{HashMap, HashSet};

/// The authority list shipped with fonds.
pub const SHIPPED: &str = include_str!("../../data/persons.txt");

/// People from Wikidata, in the same format, gzip-compressed: built by
/// `data/build/wikidata_persons.py` (sources and licence in
/// `data/LICENSE-wikidata-persons.txt`).
const WIKIDATA: &[u8] = include_bytes!("../../data/wikidata-persons.txt.gz");

/// Groups of name forms, looked up by key.
#[derive(Debug, Clone, Default)]
pub struct NameAuthority {
    groups: Vec<Vec<String>>,
    /// The Wikidata item of each group, where a line names one.
    items: Vec<Option<String>>,
    /// Whether a group is the archive's own (from a hand-made list: the
    /// shipped `persons.txt` or `DATA/persons.txt`), not only a dataset's.
    /// Only its own groups label people (facets, pages, redirects); a
    /// dataset's widen queries only, so that a name two people share in
    /// a dataset never renames the person a record means.
    own: Vec<bool>,
    by_key: HashMap<String, usize>,
    by_item: HashMap<String, usize>,
    longest: usize,
    /// Pairs of form keys (in order) the archive says are not one name
    /// (`!` lines): nothing learned joins them.
    rejected: HashSet<(String, String)>,
}

/// Whether a form is a Wikidata item identifier (`Q` and digits, no
/// leading zero), which a line lists beside the name's forms.
pub fn is_wikidata_item(form: &str) -> bool {
    let digits = form.strip_prefix('Q').unwrap_or("");
    !digits.is_empty() && !digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The lines of a list in the `persons.txt` format that say something:
/// trimmed, without blank lines and `#` comments.
fn list_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The forms of one line of such a list.
fn line_forms(line: &str) -> Vec<String> {
    line.split(" | ")
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty())
        .collect()
}

/// Two form keys in order, as the rejected pairs hold them.
fn ordered_pair(a: &str, b: &str) -> (String, String) {
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    (a.to_string(), b.to_string())
}

/// The comparison key of a name form.
pub fn name_key(form: &str) -> String {
    form.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect()
}

impl NameAuthority {
    /// The shipped lists: the hand-made one, then the people from
    /// Wikidata (a person of both is one, with the hand-made forms first).
    pub fn shipped() -> NameAuthority {
        static SHIPPED_AUTHORITY: std::sync::LazyLock<NameAuthority> =
            std::sync::LazyLock::new(|| {
                use std::io::Read;
                let mut a = NameAuthority::default();
                a.extend_from_text(SHIPPED);
                let mut text = String::new();
                // Part of the binary: failing to read it is a build fault.
                flate2::read::GzDecoder::new(WIKIDATA)
                    .read_to_string(&mut text)
                    .expect("data/wikidata-persons.txt.gz is gzip of UTF-8");
                a.extend_from_dataset(&text);
                a
            });
        SHIPPED_AUTHORITY.clone()
    }

    /// Adds the groups of a list in the `persons.txt` format. A group that
    /// shares a form with a known one is merged into it.
    pub fn extend_from_text(&mut self, text: &str) {
        for line in list_lines(text) {
            if let Some(rejected) = line.strip_prefix('!') {
                let keys: Vec<String> = rejected
                    .split(" | ")
                    .map(name_key)
                    .filter(|k| !k.is_empty())
                    .collect();
                for (i, a) in keys.iter().enumerate() {
                    for b in &keys[i + 1..] {
                        self.rejected.insert(ordered_pair(a, b));
                    }
                }
                continue;
            }
            self.add_group(line_forms(line));
        }
    }

    /// Adds one group of forms; a form that is a Wikidata item
    /// ([`is_wikidata_item`]) is the person's identifier, not a name. A
    /// group that shares a form or the item with a known one is merged into
    /// it (the first item given to a person stays its item).
    pub fn add_group(&mut self, forms: Vec<String>) {
        self.add(forms, true);
    }

    /// Adds the lines of a dataset in the `persons.txt` format (see
    /// [`NameAuthority::own_forms_of`]).
    pub fn extend_from_dataset(&mut self, text: &str) {
        for line in list_lines(text) {
            self.add(line_forms(line), false);
        }
    }

    fn add(&mut self, forms: Vec<String>, own: bool) {
        let (item_forms, forms): (Vec<String>, Vec<String>) =
            forms.into_iter().partition(|f| is_wikidata_item(f));
        let item = item_forms.into_iter().next();
        let existing = item
            .as_ref()
            .and_then(|q| self.by_item.get(q).copied())
            .or_else(|| {
                forms
                    .iter()
                    .find_map(|f| self.by_key.get(&name_key(f)).copied())
            });
        let index = match existing {
            Some(i) => i,
            None => {
                self.groups.push(Vec::new());
                self.items.push(None);
                self.own.push(own);
                self.groups.len() - 1
            }
        };
        self.own[index] |= own;
        if let Some(q) = item
            && self.items[index].is_none()
            && !self.by_item.contains_key(&q)
        {
            self.by_item.insert(q.clone(), index);
            self.items[index] = Some(q);
        }
        for form in forms {
            let key = name_key(&form);
            if key.is_empty() {
                continue;
            }
            self.longest = self.longest.max(form.split_whitespace().count());
            if let std::collections::hash_map::Entry::Vacant(slot) = self.by_key.entry(key) {
                slot.insert(index);
                self.groups[index].push(form);
            }
        }
    }

    /// The forms of the person a text names, if one of the archive's own
    /// lists names them (not only a dataset): what labels a person.
    pub fn own_forms_of(&self, text: &str) -> Option<&[String]> {
        let i = *self.by_key.get(&name_key(text))?;
        self.own[i].then(|| self.groups[i].as_slice())
    }

    /// The Wikidata item (`Q855`) of the person a text names, if the
    /// authority gives one.
    pub fn item_of(&self, text: &str) -> Option<&str> {
        let i = *self.by_key.get(&name_key(text))?;
        self.own[i].then_some(())?;
        self.items[i].as_deref()
    }

    /// The forms of the person a Wikidata item identifies, preferred first
    /// (a person of the archive's own lists only).
    pub fn forms_of_item(&self, item: &str) -> Option<&[String]> {
        self.by_item
            .get(item)
            .filter(|&&i| self.own[i])
            .map(|&i| self.groups[i].as_slice())
    }

    /// The forms of the person a text names, if it names one.
    pub fn forms_of(&self, text: &str) -> Option<&[String]> {
        self.by_key
            .get(&name_key(text))
            .map(|&i| self.groups[i].as_slice())
    }

    /// Whether the archive said two forms (by [`name_key`]) are not one
    /// name.
    pub fn rejects(&self, a: &str, b: &str) -> bool {
        self.rejected.contains(&ordered_pair(a, b))
    }

    /// The most words a known form has (how far a query run is tried).
    pub fn longest_form(&self) -> usize {
        self.longest.max(1)
    }

    /// How many people the authority knows.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether it knows nobody.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// The forms of names a record gives itself, to index with it: each
/// person's name, index form and variants, the index form turned around
/// ("Khrushchev, Nikita S." → "Nikita S. Khrushchev"), and the forms of
/// each line of a manifest's `named_entities` column ("李箕永 (Lee Gi-Young)
/// ⇥ 이기영 (Lee Gi-Young) ⇥ Lee Gi-Young").
pub fn record_name_forms(record: &Record) -> Vec<String> {
    let mut out = Vec::new();
    let agents = record
        .creators
        .iter()
        .chain(&record.recipients)
        .chain(&record.people);
    for agent in agents {
        out.push(agent.name.clone());
        if let Some(authority) = &agent.authority {
            out.push(authority.clone());
            if let Some((surname, given)) = authority.split_once(", ") {
                out.push(format!("{given} {surname}"));
            }
        }
        out.extend(agent.variants.iter().cloned());
    }
    if let Some(entities) = record.extra.get("named_entities") {
        out.extend(entities.lines().flat_map(entity_line_forms));
    }
    out.retain(|f| !f.is_empty());
    out.sort();
    out.dedup();
    out
}

/// The forms one line of a manifest's `named_entities` gives: each cell's
/// form and the gloss in its brackets ("李箕永 (Lee Gi-Young) ⇥ 이기영 (Lee
/// Gi-Young) ⇥ Lee Gi-Young"), `---` and empty cells left out.
pub fn entity_line_forms(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for cell in line
        .split('\t')
        .map(str::trim)
        .filter(|c| !c.is_empty() && *c != "---")
    {
        match cell.split_once(" (") {
            Some((form, gloss)) => {
                out.push(form.trim().to_string());
                out.push(gloss.trim_end_matches(')').trim().to_string());
            }
            None => out.push(cell.to_string()),
        }
    }
    out
}

/// Transliterates Russian Cyrillic to Latin the way English-language
/// archives spell Russian names (BGN/PCGN-like, `х` → kh, `щ` → shch, `ё`/`е`
/// → e). Returns `None` for text with no Cyrillic letter.
pub fn cyrillic_to_latin(text: &str) -> Option<String> {
    if !text.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c)) {
        return None;
    }
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let latin = match lower {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "g",
            'д' => "d",
            'е' | 'ё' | 'э' => "e",
            'ж' => "zh",
            'з' => "z",
            'и' => "i",
            'й' => "y",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ъ' | 'ь' => "",
            'ы' => "y",
            'ю' => "yu",
            'я' => "ya",
            _ => {
                out.push(c);
                continue;
            }
        };
        let mut letters = latin.chars();
        if c.is_uppercase()
            && let Some(first) = letters.next()
        {
            out.extend(first.to_uppercase());
        }
        out.extend(letters);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_knows_every_form_of_kim_il_sung() {
        let a = NameAuthority::shipped();
        for form in [
            "Kim Il Sung",
            "Kim Il-sung",
            "김일성",
            "金日成",
            "Ким Ир Сен",
            "kim il-sung",
        ] {
            let forms = a.forms_of(form).unwrap_or_else(|| panic!("{form} unknown"));
            assert!(forms.contains(&"金日成".to_string()));
            assert!(forms.contains(&"Kim Il Sung".to_string()));
        }
        assert!(a.forms_of("Kim").is_none());
        assert_eq!(a.forms_of("Хрущев"), a.forms_of("Khrushchev"));
        assert_eq!(a.forms_of("毛泽东"), a.forms_of("Mao Tse-tung"));
        assert!(a.longest_form() >= 3);
    }

    #[test]
    fn an_archive_list_extends_a_known_person() {
        let mut a = NameAuthority::shipped();
        let before = a.len();
        a.extend_from_text("# ours\nKim Il Sung | Kim Irsen\nSomebody New | Сомебоди\n");
        assert_eq!(a.len(), before + 1);
        assert!(
            a.forms_of("Kim Irsen")
                .unwrap()
                .contains(&"김일성".to_string())
        );
        assert!(a.forms_of("Сомебоди").is_some());
    }

    #[test]
    fn a_wikidata_item_identifies_a_person_and_merges_the_lines_that_give_it() {
        let mut a = NameAuthority::default();
        a.extend_from_text("Iosif Stalin | Сталин | Q855\nQ855 | Koba\nQ0 | Q12a | Somebody\n");
        // The item is an identifier, not a form of the name.
        assert_eq!(a.forms_of("Koba"), a.forms_of("Сталин"));
        assert_eq!(a.item_of("Koba"), Some("Q855"));
        assert!(a.forms_of("Q855").is_none());
        assert_eq!(
            a.forms_of_item("Q855").map(|f| f[0].as_str()),
            Some("Iosif Stalin")
        );
        // Not items: a leading zero, a letter among the digits.
        assert_eq!(a.item_of("Somebody"), None);
        assert!(a.forms_of("Q12a").is_some());
        assert_eq!(a.len(), 2);
        // A line naming a known person under another item keeps the first.
        a.extend_from_text("Сталин | Q999\n");
        assert_eq!(a.item_of("Сталин"), Some("Q855"));
        assert!(a.forms_of_item("Q999").is_none());
    }

    #[test]
    fn cyrillic_transliterates() {
        assert_eq!(cyrillic_to_latin("Хрущев").as_deref(), Some("Khrushchev"));
        assert_eq!(cyrillic_to_latin("Громыко").as_deref(), Some("Gromyko"));
        assert_eq!(cyrillic_to_latin("Kennedy"), None);
    }
}
