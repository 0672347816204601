//! People, places and subjects as entities: one label and one key per
//! entity, whatever form a record writes its name in.
//!
//! A person named on a record resolves, in this order: to the authority
//! group ([`NameAuthority`]) that knows a form the record gives, whose
//! preferred (first) form is the label; else to the record's own index form
//! turned around ("Kennedy, John F." → "John F. Kennedy"); else to the name
//! as written. A mention is looked up by its index form first (as it is,
//! turned around, and turned without middle initials), so every mention of
//! one indexed person gets one label whatever it writes ("L. Brezhnev" and
//! "Brezhnev"); then by its name and variants. So "Kennedy" in a FRUS
//! volume (index form "Kennedy, John F.") and "John F. Kennedy" in a speech
//! are one person, and "Jacqueline Kennedy" stays another.
//!
//! Invariants:
//! - [`key`] is a function of the label only: the same label gives the same
//!   key on every node and after every reindex, so a person's URL
//!   (`/people/{key}`) is stable while the authority keeps its preferred form.
//! - A key is never empty, never `.` or `..`, and holds only lowercase
//!   letters and digits of any script, joined by single hyphens.

use super::names::NameAuthority;
use crate::model::Agent;

/// The label (display form) of the person an agent names.
pub fn person_label(agent: &Agent, authority: &NameAuthority) -> String {
    let turned = agent.authority.as_deref().map(natural_order);
    // The index form speaks first for the person: every mention that
    // carries it ("Brezhnev", "L. Brezhnev", both "Brezhnev, Leonid I.")
    // resolves the same way, whatever the mention writes. Then the name and
    // the variants the record gives.
    let shortened = turned.as_deref().and_then(without_initials);
    let candidates = agent
        .authority
        .as_deref()
        .into_iter()
        .chain(turned.as_deref())
        .chain(shortened.as_deref())
        .chain(std::iter::once(agent.name.as_str()))
        .chain(agent.variants.iter().map(String::as_str));
    for form in candidates {
        if let Some(group) = authority.own_forms_of(form)
            && let Some(preferred) = group.first()
        {
            return preferred.clone();
        }
    }
    match turned {
        Some(t) if !t.trim().is_empty() => t,
        _ => agent.name.trim().to_string(),
    }
}

/// A name in reading order without its middle initials ("Leonid I.
/// Brezhnev" → "Leonid Brezhnev"), when it has any and keeps a given name
/// and a surname; how an authority's short form is found from an index form.
fn without_initials(name: &str) -> Option<String> {
    let words: Vec<&str> = name.split_whitespace().collect();
    let is_initial = |w: &&str| {
        let letters: Vec<char> = w.trim_end_matches('.').chars().collect();
        w.ends_with('.') && letters.len() == 1 && letters[0].is_alphabetic()
    };
    let (first, rest) = words.split_first()?;
    let (last, middle) = rest.split_last()?;
    if is_initial(first) || !middle.iter().any(is_initial) {
        return None;
    }
    let kept: Vec<&str> = std::iter::once(*first)
        .chain(middle.iter().filter(|w| !is_initial(w)).copied())
        .chain(std::iter::once(*last))
        .collect();
    Some(kept.join(" "))
}

/// An index form turned to reading order: "Kennedy, John F." → "John F.
/// Kennedy", and with a generational suffix "Thompson, Llewellyn E., Jr." →
/// "Llewellyn E. Thompson Jr.". Any other form is kept as it is (a title
/// such as "Khrushchev, Nikita S., Chairman" is not a name to turn).
pub fn natural_order(form: &str) -> String {
    let form = form.trim();
    let parts: Vec<&str> = form.split(',').map(str::trim).collect();
    match parts.as_slice() {
        [last, first] if !first.is_empty() => format!("{first} {last}"),
        [last, first, suffix] if !first.is_empty() && is_suffix(suffix) => {
            format!("{first} {last} {suffix}")
        }
        _ => form.to_string(),
    }
}

/// A generational suffix written after a name's given names in an index
/// form ("Thompson, Llewellyn E., Jr.").
fn is_suffix(word: &str) -> bool {
    matches!(word, "Jr." | "Jr" | "Sr." | "Sr" | "II" | "III" | "IV")
}

/// The key of a label: lowercase letters and digits of any script, runs of
/// anything else turned into one hyphen ("John F. Kennedy" →
/// "john-f-kennedy", "김일성" → "김일성"). A label with no letter or digit
/// gets `_` followed by its characters' code points, so that no key is
/// empty.
pub fn key(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    let mut gap = false;
    for c in label.chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    if out.is_empty() {
        out.push('_');
        for c in label.chars() {
            out.push_str(&format!("{:x}", c as u32));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authority() -> NameAuthority {
        let mut a = NameAuthority::default();
        a.add_group(vec![
            "John F. Kennedy".into(),
            "Kennedy, John F.".into(),
            "JFK".into(),
        ]);
        a
    }

    #[test]
    fn one_person_whatever_form_the_record_writes() {
        let a = authority();
        let mut frus = Agent::named("Kennedy");
        frus.authority = Some("Kennedy, John F.".into());
        let speech = Agent::named("John F. Kennedy");
        assert_eq!(person_label(&frus, &a), "John F. Kennedy");
        assert_eq!(person_label(&speech, &a), "John F. Kennedy");
        let jackie = Agent::named("Jacqueline Kennedy");
        assert_eq!(person_label(&jackie, &a), "Jacqueline Kennedy");
        // Unknown to the authority: the index form, turned around.
        let mut rusk = Agent::named("Rusk");
        rusk.authority = Some("Rusk, Dean".into());
        assert_eq!(person_label(&rusk, &a), "Dean Rusk");
    }

    #[test]
    fn every_mention_with_one_index_form_is_one_person() {
        let mut a = authority();
        a.add_group(vec!["Leonid Brezhnev".into(), "Brezhnev".into()]);
        let mention = |name: &str| {
            let mut m = Agent::named(name);
            m.authority = Some("Brezhnev, Leonid I.".into());
            m
        };
        // The index form, turned and without its initial, is in the list.
        assert_eq!(person_label(&mention("Brezhnev"), &a), "Leonid Brezhnev");
        assert_eq!(person_label(&mention("L. Brezhnev"), &a), "Leonid Brezhnev");
        // The index form comes before the mention's own words.
        let mut robert = Agent::named("Kennedy, John F.");
        robert.authority = Some("Kennedy, Robert F.".into());
        a.add_group(vec!["Robert F. Kennedy".into(), "RFK".into()]);
        assert_eq!(person_label(&robert, &a), "Robert F. Kennedy");
        let shortened = [
            ("John F. Kennedy", Some("John Kennedy")),
            ("J. Edgar Hoover", None),
            ("Dean Rusk", None),
            ("Kennedy", None),
        ];
        for (name, short) in shortened {
            assert_eq!(without_initials(name).as_deref(), short, "{name}");
        }
    }

    #[test]
    fn keys_are_stable_lowercase_and_never_empty() {
        assert_eq!(key("John F. Kennedy"), "john-f-kennedy");
        assert_eq!(key("  Kim Il-sung "), "kim-il-sung");
        assert_eq!(key("김일성"), "김일성");
        assert_eq!(key("Никита Хрущёв"), "никита-хрущёв");
        assert_eq!(key("..."), "_2e2e2e");
        assert_ne!(key("."), ".");
        for (index_form, turned) in [
            ("Kennedy, John F.", "John F. Kennedy"),
            ("Stalin", "Stalin"),
            ("A, B, C", "A, B, C"),
            ("Thompson, Llewellyn E., Jr.", "Llewellyn E. Thompson Jr."),
        ] {
            assert_eq!(natural_order(index_form), turned);
        }
    }
}
