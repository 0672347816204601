//! Builds the seed inputs of every fuzz target: `seeds OUT [CORPUS]`.
//!
//! From the repository's own files (the seed record `demo/wilson/208261.md`,
//! the FRUS TEI volume `demo/frus/`, the Wilson and manifest fixtures under
//! `tests/fixtures/`) and, when CORPUS (`../shared/corpus`) is given and
//! exists, from the shared corpus (its Wilson and FRUS files, and samples of
//! the Korean periodicals' and presidential speeches' manifests and texts).
//! Writes `OUT/TARGET/NAME` for each target; OUT is an ignored folder
//! (`fuzz/seeds/`): the corpus's texts are never copied into the repository.
//!
//! Seeds are kept small (texts cut to a few kilobytes, a TEI volume cut into
//! one small volume per document): AFL works best on small inputs.

use fonds::import::{Format, SourceFile, parse_file_as};
use fonds::model::Record;
use fonds::oai::OaiConfig;
use fonds::oai::request::Verb;
use fonds::oai::token::{ListState, encode};
use fonds::web::record_form::{RecordForm, pairs_of};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Longest text body kept in a record made a seed, in bytes.
const BODY_LIMIT: usize = 1_500;
/// Largest seed written (a TEI volume with its list of persons may be
/// larger and is then left out).
const SEED_LIMIT: usize = 64 * 1024;
/// Records sampled from each corpus batch.
const SAMPLE: usize = 12;

/// Seeds per target, by file name.
#[derive(Default)]
struct Seeds(BTreeMap<&'static str, BTreeMap<String, Vec<u8>>>);

impl Seeds {
    fn add(&mut self, target: &'static str, name: &str, bytes: impl Into<Vec<u8>>) {
        let bytes = bytes.into();
        let files = self.0.entry(target).or_default();
        if bytes.len() <= SEED_LIMIT && !files.values().any(|b| *b == bytes) {
            let name: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                        c
                    } else {
                        '_'
                    }
                })
                .take(80)
                .collect();
            files.insert(name, bytes);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(out) = args.get(1).map(PathBuf::from) else {
        eprintln!("usage: seeds OUT [CORPUS]");
        std::process::exit(2);
    };
    let corpus = args.get(2).map(PathBuf::from).filter(|c| c.is_dir());
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut seeds = Seeds::default();
    let mut records: Vec<(String, Record)> = Vec::new();

    // Wilson records: the seed, the fixtures, the corpus's.
    let mut wilson_files = vec![repo.join("demo/wilson/208261.md")];
    wilson_files.extend(files_in(&repo.join("tests/fixtures/zh"), "md"));
    if let Some(c) = &corpus {
        wilson_files.extend(files_in(&c.join("wilson"), "md"));
    }
    for path in &wilson_files {
        let bytes = fs::read(path).expect("read a Wilson file");
        seeds.add("wilson", &file_name(path), bytes);
        records.extend(
            import(path, Format::Wilson)
                .into_iter()
                .map(|r| ("wilson".into(), r)),
        );
    }

    // TEI volumes: one small volume per document.
    let mut volumes = vec![repo.join("demo/frus/frus1961-63v06.xml")];
    if let Some(c) = &corpus {
        volumes.extend(files_in(&c.join("frus"), "xml"));
    }
    let mut seen_volumes = Vec::new();
    for path in &volumes {
        let text = fs::read_to_string(path).expect("read a TEI volume");
        if seen_volumes.contains(&text) {
            continue;
        }
        for (name, piece) in cut_volume(&text) {
            seeds.add("tei", &format!("{}-{name}.xml", stem(path)), piece);
        }
        let parsed = import(path, Format::Tei);
        records.extend(
            sample(parsed, 3 * SAMPLE)
                .into_iter()
                .map(|r| ("tei".into(), r)),
        );
        seen_volumes.push(text);
    }

    // Manifests: the fixture as it is (the target's folder holds its texts),
    // the corpus's cut into rows that name those texts.
    let fixture = repo.join("tests/fixtures/korean-batch/manifest.csv");
    seeds.add(
        "manifest",
        "korean-batch.csv",
        fs::read(&fixture).expect("read"),
    );
    records.extend(
        import(&fixture, Format::Csv)
            .into_iter()
            .map(|r| ("csv".into(), r)),
    );
    if let Some(c) = &corpus {
        for batch in ["korean-periodicals-pgg", "presidential-speeches"] {
            let path = c.join(batch).join("manifest.csv");
            if !path.is_file() {
                continue;
            }
            for (i, piece) in cut_manifest(&path).into_iter().enumerate() {
                seeds.add("manifest", &format!("{batch}-{i}.csv"), piece);
            }
            let parsed = import(&path, Format::Csv);
            records.extend(
                sample(parsed, SAMPLE)
                    .into_iter()
                    .map(|r| (batch.into(), r)),
            );
        }
    }

    let records: Vec<(String, Record)> = records
        .into_iter()
        .map(|(from, mut r)| {
            for t in &mut r.texts {
                t.body = cut(&t.body, BODY_LIMIT);
            }
            (from, r)
        })
        .collect();

    for (i, (from, r)) in records.iter().enumerate() {
        let name = format!("{from}-{i}-{}", r.id);
        // Wilson renderings of records from every source.
        if from != "wilson" {
            seeds.add(
                "wilson",
                &format!("{name}.md"),
                fonds::export::wilson::render(r),
            );
        }
        // One-record dumps, and the desk's form of each record.
        let mut dump = Vec::new();
        fonds::export::jsonl::write(&mut dump, std::slice::from_ref(r)).expect("to memory");
        seeds.add("jsonl", &format!("{name}.jsonl"), dump);
        let form = serde_urlencoded::to_string(pairs_of(&RecordForm::from_record(r)))
            .expect("a form encodes");
        seeds.add("record_form", &format!("{name}.form"), form);
        for (j, q) in queries_of(r).into_iter().enumerate() {
            seeds.add("query", &format!("{name}-{j}"), q);
        }
    }
    // A dump of several records, and an empty one.
    let mut few: Vec<Record> = Vec::new();
    for (_, r) in &records {
        if few.len() < 4 && !few.iter().any(|f| f.id == r.id) {
            few.push(r.clone());
        }
    }
    let mut dump = Vec::new();
    fonds::export::jsonl::write(&mut dump, &few).expect("to memory");
    seeds.add("jsonl", "several.jsonl", dump);
    seeds.add(
        "jsonl",
        "empty.jsonl",
        fonds::export::jsonl::header(0) + "\n",
    );
    let blank = serde_urlencoded::to_string(pairs_of(&RecordForm::blank())).expect("encodes");
    seeds.add("record_form", "blank.form", blank);

    for (i, q) in LANGUAGE_QUERIES.iter().enumerate() {
        seeds.add("query", &format!("language-{i}"), *q);
    }
    let ids: Vec<&str> = records.iter().map(|(_, r)| r.id.as_str()).take(6).collect();
    for (i, params) in oai_requests(&ids).into_iter().enumerate() {
        let body = serde_urlencoded::to_string(&params).expect("encodes");
        seeds.add("oai", &format!("{}-{i}", params[0].1), body);
    }

    for (target, files) in &seeds.0 {
        let dir = out.join(target);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("make the seed folder");
        for (name, bytes) in files {
            fs::write(dir.join(name), bytes).expect("write a seed");
        }
        println!("{target}: {} seeds", files.len());
    }
}

/// The records of one file, or none (with the errors on stderr).
fn import(path: &Path, format: Format) -> Vec<Record> {
    let file = SourceFile {
        path: path.to_path_buf(),
        format,
    };
    match parse_file_as(&file, &file_name(path), fonds_fuzz::IMPORTED_AT) {
        Ok(parsed) => parsed.records,
        Err(errors) => {
            for e in errors.iter().take(3) {
                eprintln!("seeds: {e}");
            }
            Vec::new()
        }
    }
}

/// `n` records spread over the whole list.
fn sample(records: Vec<Record>, n: usize) -> Vec<Record> {
    let step = records.len().div_ceil(n).max(1);
    records.into_iter().step_by(step).collect()
}

/// The files ending in `.ext` in a folder, sorted.
fn files_in(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == ext));
    files.sort();
    files
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The first `limit` bytes of `text`, cut at a character boundary.
fn cut(text: &str, limit: usize) -> String {
    let mut end = limit.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// A TEI volume as small volumes: its header, then one document division
/// each (`d1`, `d2`, …); every tenth also with the volume's list of persons
/// (the `div` holding the `persName`s with an `xml:id`).
fn cut_volume(text: &str) -> Vec<(String, String)> {
    let Some(body_at) = text.find("<text") else {
        return Vec::new();
    };
    let header = &text[..body_at];
    let persons = find_divs(text, "xml:id=\"persons\"").into_iter().next();
    let documents = find_divs(text, "type=\"document\"");
    documents
        .iter()
        .enumerate()
        .map(|(i, doc)| {
            let front = match persons {
                Some(p) if i % 10 == 0 => format!("<front>{p}</front>\n"),
                _ => String::new(),
            };
            (
                format!("d{}", i + 1),
                format!("{header}<text>{front}<body>\n{doc}\n</body></text></TEI>\n"),
            )
        })
        .collect()
}

/// Every `<div …>…</div>` whose start tag holds `marker`, nested `div`s
/// counted (enough for a well-formed file).
fn find_divs<'a>(text: &'a str, marker: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("<div").map(|i| i + from) {
        from = at + 4;
        let Some(tag_end) = text[at..].find('>').map(|i| i + at) else {
            break;
        };
        if !text[at..tag_end].contains(marker) {
            continue;
        }
        let mut depth = 0usize;
        let mut pos = at;
        loop {
            let open = text[pos..].find("<div").map(|i| i + pos);
            let close = text[pos..].find("</div>").map(|i| i + pos);
            match (open, close) {
                (Some(o), Some(c)) if o < c => {
                    depth += 1;
                    pos = o + 4;
                }
                (_, Some(c)) => {
                    depth -= 1;
                    pos = c + 6;
                    if depth == 0 {
                        out.push(&text[at..pos]);
                        break;
                    }
                }
                _ => return out,
            }
        }
    }
    out
}

/// A corpus manifest as small manifests (the header and one or two rows
/// each, sampled over the batch), the rows' texts renamed to the files the
/// target's folder holds.
fn cut_manifest(path: &Path) -> Vec<Vec<u8>> {
    let Ok(mut reader) = csv::Reader::from_path(path) else {
        return Vec::new();
    };
    let Ok(headers) = reader.headers().cloned() else {
        return Vec::new();
    };
    let rows: Vec<csv::StringRecord> = reader.records().filter_map(Result::ok).collect();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (text, translation) = (column("text"), column("translation"));
    let step = rows.len().div_ceil(SAMPLE).max(1);
    (0..rows.len())
        .step_by(step)
        .enumerate()
        .map(|(i, at)| {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(&headers).expect("to memory");
            for k in 0..=(i % 2) {
                let row = &rows[(at + k) % rows.len()];
                let cells: Vec<String> = row
                    .iter()
                    .enumerate()
                    .map(|(c, cell)| {
                        let cell = cut(cell, BODY_LIMIT);
                        if Some(c) == text {
                            "texts/kb-001.ko.txt".to_string()
                        } else if Some(c) == translation && !cell.is_empty() {
                            "texts/kb-001.en.txt".to_string()
                        } else {
                            cell
                        }
                    })
                    .collect();
                w.write_record(&cells).expect("to memory");
            }
            w.into_inner().unwrap_or_default()
        })
        .collect()
}

/// Queries a reader might type to find `r`.
fn queries_of(r: &Record) -> Vec<String> {
    let words: Vec<&str> = r.title.split_whitespace().take(4).collect();
    let mut out = vec![words.join(" ")];
    if let [a, b, ..] = words.as_slice() {
        out.push(format!("title:\"{a} {b}\" OR -{b}"));
        out.push(format!("({a} OR {b}) NOT x"));
    }
    if let Some(c) = r.creators.first() {
        out.push(format!("creator:\"{}\"", c.name));
    }
    if let Some(d) = &r.date {
        let year: String = d.edtf.chars().take(4).collect();
        out.push(format!("date:{} {}", d.edtf, words.first().unwrap_or(&"")));
        out.push(format!(
            "date:{year}..{year} type:{}",
            r.doc_type.as_deref().unwrap_or("letter")
        ));
    }
    if let Some(l) = &r.original_language {
        out.push(format!("language:{l} *"));
    }
    if let Some(c) = r.collections.first() {
        out.push(format!("collection:\"{c}\""));
    }
    out
}

/// The query language's own examples (`src/search/query.rs`) and a few
/// edges.
const LANGUAGE_QUERIES: &[&str] = &[
    "Kim Il Sung",
    "\"black spot\"",
    "Cuba OR Berlin, NOT missile, -missile, (a OR b) c",
    "title:Kennedy  creator:김일성  type:letter  language:ko",
    "collection:\"Foreign Relations\"  repository:RGASPI",
    "date:1962  date:1961..1963  date:1948-09  date:..1950  date:194X",
    "*",
    "author:Stalin lang:ru archive:\"AVP RF\"",
    "date:1950.. ((a OR (b c)) -d)",
    "date:1948-09-22",
    "\"unclosed",
    "(a OR b",
];

/// OAI-PMH requests, good and bad, with real identifiers and a token.
fn oai_requests(ids: &[&str]) -> Vec<Vec<(String, String)>> {
    let config = OaiConfig::new(
        "Fuzz archive",
        "https://archive.example.org",
        "archive.example.org",
        "archivist@example.org",
    )
    .expect("a valid configuration");
    let p = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let token = encode(&ListState {
        verb: Verb::ListRecords,
        metadata_prefix: "oai_dc".into(),
        from: Some("1990-01-01T00:00:00Z".into()),
        until: None,
        set: Some("collection:frus".into()),
        after: Some((
            "2026-01-01T00:00:00Z".into(),
            ids.first().unwrap_or(&"x").to_string(),
        )),
        delivered: 100,
        total: 250,
    });
    let mut out = vec![
        p(&[("verb", "Identify")]),
        p(&[("verb", "ListMetadataFormats")]),
        p(&[("verb", "ListSets")]),
        p(&[("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc")]),
        p(&[
            ("verb", "ListRecords"),
            ("metadataPrefix", "oai_dc"),
            ("from", "1961-01-01"),
            ("until", "1963-12-31"),
            ("set", "collection:frus"),
        ]),
        p(&[
            ("verb", "ListIdentifiers"),
            ("metadataPrefix", "oai_dc"),
            ("from", "2026-01-01T00:00:00Z"),
            ("until", "2026-12-31T23:59:59Z"),
        ]),
        p(&[("verb", "ListRecords"), ("resumptionToken", token.as_str())]),
        p(&[("verb", "ListSets"), ("resumptionToken", "bm90IGEgdG9rZW4")]),
        p(&[("verb", "GetRecord"), ("metadataPrefix", "oai_dc")]),
        p(&[("verb", "Nonsense")]),
        p(&[("verb", "Identify"), ("verb", "Identify")]),
    ];
    for id in ids {
        let oai_id = config.oai_identifier(id);
        out.push(p(&[
            ("verb", "GetRecord"),
            ("identifier", oai_id.as_str()),
            ("metadataPrefix", "oai_dc"),
        ]));
        out.push(p(&[
            ("verb", "ListMetadataFormats"),
            ("identifier", oai_id.as_str()),
        ]));
    }
    out
}
