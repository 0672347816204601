//! Field-level differences between two versions of a record, for the
//! desk's history page and for the refusal of a stale save (both sides shown).
//!
//! A record is flattened into `(path, value)` leaves through its JSON form
//! (the dump's field names): `title`, `recipients[1].name`,
//! `archival_reference.verbatim`, `texts[0].body`. Two versions differ at
//! every path whose leaf differs, is added or is removed.
//!
//! Invariants:
//! - `diff(a, a)` is empty; `diff(a, b)` is empty exactly when `a` and `b`
//!   serialise alike.
//! - Changes come in the order of the fields in the newer version, then the
//!   paths only the older one has, in its order.

use super::Record;
use serde_json::Value;

/// One changed leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// Where: `summary`, `recipients[1].name`, `texts[0].machine_translation`.
    pub path: String,
    /// The older value; `None` when the newer version added it.
    pub before: Option<String>,
    /// The newer value; `None` when the newer version removed it.
    pub after: Option<String>,
}

impl FieldChange {
    /// The record field the change belongs to (the path's first part).
    pub fn field(&self) -> &str {
        self.path
            .split(['.', '['])
            .next()
            .unwrap_or(self.path.as_str())
    }
}

/// What changed from `older` to `newer`.
pub fn diff(older: &Record, newer: &Record) -> Vec<FieldChange> {
    let (a, b) = (leaves(older), leaves(newer));
    let find = |leaves: &[(String, String)], path: &str| {
        leaves
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, v)| v.clone())
    };
    let mut changes = Vec::new();
    for (path, value) in &b {
        let before = find(&a, path);
        if before.as_ref() != Some(value) {
            changes.push(FieldChange {
                path: path.clone(),
                before,
                after: Some(value.clone()),
            });
        }
    }
    for (path, value) in &a {
        if find(&b, path).is_none() {
            changes.push(FieldChange {
                path: path.clone(),
                before: Some(value.clone()),
                after: None,
            });
        }
    }
    changes
}

/// The record's leaves, in field order.
fn leaves(record: &Record) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // A record always serialises (its fields are strings, numbers, maps).
    if let Ok(value) = serde_json::to_value(record) {
        flatten(String::new(), &value, &mut out);
    }
    out
}

fn flatten(path: String, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let p = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                flatten(p, v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(format!("{path}[{i}]"), v, out);
            }
        }
        Value::Null => {}
        Value::String(s) => out.push((path, s.clone())),
        other => out.push((path, other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Agent, Provenance, TextKind, TextVersion};

    fn record() -> Record {
        let provenance = Provenance {
            format: "wilson".into(),
            origin: "wilson:1.md".into(),
            file: "1.md".into(),
            line: None,
            sha256: String::new(),
            imported_at: "2026-01-01T00:00:00Z".into(),
            layout: None,
        };
        let mut r = Record::new("1".into(), "Telephone message".into(), provenance);
        r.summary = Some("Kim asks.".into());
        r.recipients = vec![Agent::named("Stalin")];
        r
    }

    #[test]
    fn a_record_does_not_differ_from_itself() {
        assert!(diff(&record(), &record()).is_empty());
    }

    #[test]
    fn changed_added_and_removed_leaves_are_listed_by_path() {
        let old = record();
        let mut new = record();
        new.summary = Some("Kim asks Stalin.".into());
        new.recipients.push(Agent::named("Molotov"));
        new.texts.push(TextVersion {
            kind: TextKind::Translation,
            language: "fr".into(),
            translator: None,
            machine_translation: true,
            label: None,
            body: "Message".into(),
        });
        let mut changes = diff(&old, &new);
        let summary = changes.iter().find(|c| c.path == "summary").unwrap();
        assert_eq!(summary.before.as_deref(), Some("Kim asks."));
        assert_eq!(summary.after.as_deref(), Some("Kim asks Stalin."));
        assert!(changes.iter().any(|c| c.path == "recipients[1].name"
            && c.before.is_none()
            && c.after.as_deref() == Some("Molotov")));
        let machine = changes
            .iter()
            .find(|c| c.path == "texts[0].machine_translation")
            .unwrap();
        assert_eq!(machine.after.as_deref(), Some("true"));
        assert_eq!(machine.field(), "texts");
        // The other way round, the additions are removals.
        changes = diff(&new, &old);
        assert!(changes.iter().any(|c| c.path == "recipients[1].name"
            && c.before.as_deref() == Some("Molotov")
            && c.after.is_none()));
    }
}
