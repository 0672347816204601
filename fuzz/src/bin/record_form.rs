//! Fuzz target: the desk's record form (`fonds::web::record_form::parse`):
//! a form body, as `POST /desk/records/…` receives it, read as a record.
//!
//! Bytes → URL-encoded pairs (axum's `Form`) → the form parser, twice: for
//! a new record, and over the stored seed record. Asserts the form's
//! promise (`src/web/record_form.rs`): a record that could be saved (no
//! field problem, no broken record rule), opened again in the form and
//! sent back untouched, is the same record (provenance aside: the archive
//! sets it, and the form's carries the time of the parse).

use fonds::model::Record;
use fonds::web::record_form::{RecordForm, pairs_of, parse};
use fonds_fuzz::{report, seed_record, url_pairs};

fn check(pairs: &[(String, String)], base: Option<&Record>) {
    let (record, problems) = parse(pairs, base);
    for p in &problems {
        assert!(
            !p.message.trim().is_empty(),
            "a field problem without words"
        );
    }
    if !problems.is_empty() || !record.problems().is_empty() {
        report(format_args!(
            "not savable: {problems:?} {:?}",
            record.problems()
        ));
        return;
    }
    let resent = pairs_of(&RecordForm::from_record(&record));
    let (mut again, problems) = parse(&resent, base);
    // Provenance is the archive's to set, not the form's: it carries the
    // time of the parse (`desk_provenance`), so two parses differ there.
    again.provenance = record.provenance.clone();
    assert!(
        problems.is_empty(),
        "the form of a savable record has problems: {problems:?}"
    );
    assert_eq!(
        again, record,
        "the form sent back untouched gives another record"
    );
    report(format_args!("savable: record {:?}", record.id));
}

fn main() {
    let seed = seed_record();
    afl::fuzz!(|data: &[u8]| {
        let Some(pairs) = url_pairs(data) else {
            return;
        };
        check(&pairs, None);
        check(&pairs, Some(&seed));
    });
}
