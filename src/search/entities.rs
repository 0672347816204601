//! People, places and subjects as entities: one label and one key per
//! entity, whatever form a record writes its name in.
//!
//! A person named on a record resolves, in this order: to the authority
//! group ([`NameAuthority`]) that knows any form the record gives (its name,
//! its index form, turned around or not, its variants), whose preferred
//! (first) form is the label; else to the record's own index form turned
//! around ("Kennedy, John F." → "John F. Kennedy"); else to the name as
//! written. So "Kennedy" in a FRUS volume (index form "Kennedy, John F.")
//! and "John F. Kennedy" in a speech are one person, and "Jacqueline
//! Kennedy" stays another.
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
    let candidates = std::iter::once(agent.name.as_str())
        .chain(agent.authority.as_deref())
        .chain(turned.as_deref())
        .chain(agent.variants.iter().map(String::as_str));
    for form in candidates {
        if let Some(group) = authority.forms_of(form)
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

/// An index form turned to reading order: "Kennedy, John F." → "John F.
/// Kennedy". A form without exactly one comma is kept as it is (a title
/// such as "Khrushchev, Nikita S., Chairman" is not a name to turn).
pub fn natural_order(form: &str) -> String {
    let form = form.trim();
    match form.split_once(',') {
        Some((last, first)) if !first.contains(',') && !first.trim().is_empty() => {
            format!("{} {}", first.trim(), last.trim())
        }
        _ => form.to_string(),
    }
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
    fn keys_are_stable_lowercase_and_never_empty() {
        assert_eq!(key("John F. Kennedy"), "john-f-kennedy");
        assert_eq!(key("  Kim Il-sung "), "kim-il-sung");
        assert_eq!(key("김일성"), "김일성");
        assert_eq!(key("Никита Хрущёв"), "никита-хрущёв");
        assert_eq!(key("..."), "_2e2e2e");
        assert_ne!(key("."), ".");
        assert_eq!(natural_order("Kennedy, John F."), "John F. Kennedy");
        assert_eq!(natural_order("Stalin"), "Stalin");
        assert_eq!(natural_order("A, B, C"), "A, B, C");
    }
}
