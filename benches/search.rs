//! The search benchmark: fonds and raw tantivy, built from the same synthetic
//! documents and run with the same query mix, in one process.
//!
//! ```text
//! cargo bench --bench search -- DOCS.jsonl QUERIES.json WORKDIR RESULTS_DIR \
//!     [--engines fonds,tantivy] [--rounds 5] [--budget 150]
//! ```
//!
//! DOCS.jsonl and QUERIES.json come from `../shared/peers` (`scale_corpus.py`,
//! `make_queries.py`); `bench/run.sh` makes them and also runs the peers'
//! SQLite and PostgreSQL engines on the same files. Results are written in the
//! peers' format (`build-ENGINE.json`, `query-ENGINE.json`), so one report
//! (`bench/report.py`) covers every engine.
//!
//! Plain `cargo bench` (no inputs) makes 10,000 documents from
//! `../shared/corpus` with the peers' scaler and runs the same comparison on
//! them: a quick check, not the figures `PRODUCT.md` compares with.
//!
//! One search, for every engine = the top 10 by relevance with id, title and
//! date, plus the exact total count. fonds does more in the same call: facet
//! counts over all matches, highlighted snippets, name-variant widening and
//! the public-visibility filter.
//!
//! Raw tantivy is given what the peers' tantivy-py engine was given: fields
//! `title_en`/`text_en` (English stemming), `title_ko`/`text_ko` (default
//! tokenizer), a fast integer date; writer 1 GB, 2 threads, one commit.

use fonds::archive::{Archive, Config, ImportOptions};
use fonds::model::{Provenance, Record, RecordDate, TextKind, TextVersion};
use fonds::search::SearchRequest;
use serde_json::{Value, json};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, RangeQuery};
use tantivy::schema::{
    FAST, INDEXED, STORED, STRING, Schema, TEXT, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, TantivyDocument, Term};

struct Args {
    docs: PathBuf,
    queries: PathBuf,
    work: PathBuf,
    results: PathBuf,
    engines: Vec<String>,
    rounds: usize,
    budget: f64,
    /// Query an index an earlier run built in WORKDIR instead of building.
    reuse: bool,
}

fn args() -> Args {
    let mut positional = Vec::new();
    let mut engines = vec!["fonds".to_string(), "tantivy".to_string()];
    let mut rounds = 5;
    let mut budget = 150.0;
    let mut reuse = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--bench" => {}
            "--engines" => {
                engines = it
                    .next()
                    .expect("--engines LIST")
                    .split(',')
                    .map(str::to_string)
                    .collect()
            }
            "--rounds" => rounds = it.next().expect("--rounds N").parse().expect("a number"),
            "--budget" => budget = it.next().expect("--budget S").parse().expect("a number"),
            "--reuse" => reuse = true,
            _ => positional.push(PathBuf::from(a)),
        }
    }
    if positional.is_empty() {
        return quick(engines, rounds, budget, reuse);
    }
    if positional.len() != 4 {
        eprintln!(
            "usage: cargo bench --bench search -- DOCS.jsonl QUERIES.json WORKDIR RESULTS_DIR \
             [--engines fonds,tantivy] [--rounds 5] [--budget 150] [--reuse]\n(bench/run.sh makes the inputs)"
        );
        std::process::exit(2);
    }
    Args {
        docs: positional[0].clone(),
        queries: positional[1].clone(),
        work: positional[2].clone(),
        results: positional[3].clone(),
        engines,
        rounds,
        budget,
        reuse,
    }
}

/// Plain `cargo bench`: a quick run on 10,000 documents that the peers'
/// scaler makes from `../shared/corpus` (into `target/bench-10k/`, made
/// once), fonds against raw tantivy in this process. The figures that
/// compare with `PRODUCT.md` come from `bench/run.sh` (100k, 1m).
fn quick(engines: Vec<String>, rounds: usize, budget: f64, reuse: bool) -> Args {
    let shared = Path::new("../shared");
    let (peers, corpus) = (shared.join("peers"), shared.join("corpus"));
    if !peers.join("scale_corpus.py").exists() || !corpus.exists() {
        eprintln!(
            "cargo bench needs ../shared/peers and ../shared/corpus (the peers' scaler and the \
             corpus) to make its documents; or give the inputs:\n  cargo bench --bench search -- \
             DOCS.jsonl QUERIES.json WORKDIR RESULTS_DIR [--engines fonds,tantivy] [--rounds 5] \
             [--budget 150] [--reuse]\n(bench/run.sh makes them)"
        );
        std::process::exit(2);
    }
    let dir = PathBuf::from("target/bench-10k");
    std::fs::create_dir_all(&dir).expect("target/bench-10k");
    let (docs, queries) = (dir.join("docs-10k.jsonl"), dir.join("queries.json"));
    let python = |args: &[&std::ffi::OsStr]| {
        let ok = std::process::Command::new("python3")
            .args(args)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("python3 {args:?} failed");
            std::process::exit(2);
        }
    };
    if !docs.exists() {
        eprintln!("making 10,000 documents from ../shared/corpus (the peers' scaler)");
        let part = dir.join("docs-10k.jsonl.part");
        python(&[
            peers.join("scale_corpus.py").as_os_str(),
            corpus.as_os_str(),
            "10000".as_ref(),
            part.as_os_str(),
            "--workers".as_ref(),
            "2".as_ref(),
        ]);
        std::fs::rename(&part, &docs).expect("the documents");
    }
    if !queries.exists() {
        python(&[
            peers.join("make_queries.py").as_os_str(),
            corpus.as_os_str(),
            queries.as_os_str(),
        ]);
    }
    Args {
        docs,
        queries,
        work: dir.join("work"),
        results: dir.join("results"),
        engines,
        rounds,
        budget: budget.min(30.0),
        reuse,
    }
}

/// One synthetic document of the peers' scaler.
struct Doc {
    id: String,
    title: String,
    date: String,
    language: String,
    text: String,
}

fn read_docs(path: &Path, mut each: impl FnMut(Doc)) {
    let file = std::io::BufReader::new(std::fs::File::open(path).expect("the documents file"));
    for line in file.lines() {
        let v: Value = serde_json::from_str(&line.expect("a line")).expect("a JSON document");
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        each(Doc {
            id: s("id"),
            title: s("title"),
            date: s("date"),
            language: s("language"),
            text: s("text"),
        });
    }
}

fn du(path: &Path) -> u64 {
    let Ok(meta) = std::fs::metadata(path) else {
        return 0;
    };
    if meta.is_file() {
        return meta.len();
    }
    std::fs::read_dir(path)
        .map(|rd| rd.filter_map(Result::ok).map(|e| du(&e.path())).sum())
        .unwrap_or(0)
}

/// The words of a peers' query.
fn query_terms(q: &Value) -> Vec<&str> {
    q["terms"]
        .as_array()
        .map(|t| t.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

trait Engine {
    /// Top 10 (id, title, date read) and the exact count.
    fn run(&mut self, q: &Value) -> (Vec<String>, u64);
}

// ---------------------------------------------------------------- fonds

struct Fonds {
    archive: Archive,
    runtime: tokio::runtime::Runtime,
}

fn record(d: Doc) -> Record {
    let provenance = Provenance {
        format: "bench".into(),
        origin: "bench:synthetic".into(),
        file: String::new(),
        line: None,
        sha256: String::new(),
        imported_at: String::new(),
        layout: None,
    };
    let mut r = Record::new(d.id, d.title, provenance);
    // The scaler shifts real dates by whole years, so 29 February can land
    // in a common year: keep the month then.
    r.date = RecordDate::new(&d.date, None)
        .or_else(|_| RecordDate::new(&d.date[..7.min(d.date.len())], None))
        .ok();
    r.original_language = Some(d.language.clone());
    r.texts.push(TextVersion {
        kind: TextKind::Original,
        language: d.language,
        translator: None,
        machine_translation: false,
        label: None,
        body: d.text,
    });
    r
}

/// The archive in `dir` (made if missing) and the runtime it runs on.
fn open_fonds(dir: &Path) -> (Archive, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let archive = runtime
        .block_on(Archive::open(&Config {
            data_dir: dir.to_path_buf(),
            database: None,
            files: None,
        }))
        .expect("the archive opens");
    (archive, runtime)
}

fn build_fonds(a: &Args) -> (Fonds, Value) {
    let dir = a.work.join("fonds");
    let reused = a.reuse && dir.exists();
    if !reused {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let (archive, runtime) = open_fonds(&dir);
    if reused {
        let build = reused_build(a, "fonds");
        return (Fonds { archive, runtime }, build);
    }
    let started = Instant::now();
    let mut batch = Vec::new();
    let mut docs = 0;
    let mut store_s = 0.0;
    let flush = |batch: &mut Vec<Record>, store_s: &mut f64| {
        let t = Instant::now();
        runtime
            .block_on(archive.apply_batch(batch, ImportOptions::default()))
            .expect("the batch applies");
        *store_s += t.elapsed().as_secs_f64();
        batch.clear();
    };
    read_docs(&a.docs, |d| {
        docs += 1;
        batch.push(record(d));
        if batch.len() == 100_000 {
            flush(&mut batch, &mut store_s);
        }
    });
    flush(&mut batch, &mut store_s);
    // What `fonds reindex` does after a rebuild: one segment searches
    // fastest (counted in the build time).
    let merge = Instant::now();
    runtime
        .block_on(archive.optimize())
        .expect("the index merges");
    let merge_s = merge.elapsed().as_secs_f64();
    let build_s = started.elapsed().as_secs_f64();
    let segments = archive.index().segment_count();
    // Sizes at rest: closing the store checkpoints its write-ahead log
    // into the database file, as the end of `fonds import` does.
    runtime.block_on(archive.close());
    drop(archive);
    drop(runtime);
    let at_rest = du(&dir);
    let opened = Instant::now();
    let (archive, runtime) = open_fonds(&dir);
    let open_s = opened.elapsed().as_secs_f64();
    let build = json!({
        "engine": "fonds", "docs": docs, "build_s": build_s,
        "phases": {"apply_batches_s": store_s, "merge_s": merge_s,
                   "read_and_convert_s": build_s - store_s - merge_s,
                   "store_bytes": du(&dir.join("fonds.sqlite3")) + du(&dir.join("fonds.sqlite3-wal")),
                   "index_bytes": du(&dir.join("index")),
                   "segments": segments,
                   "reopen_s": open_s},
        "size_bytes": at_rest,
    });
    (Fonds { archive, runtime }, build)
}

impl Engine for Fonds {
    fn run(&mut self, q: &Value) -> (Vec<String>, u64) {
        let terms = query_terms(q);
        let mut query = if q["mode"] == "phrase" {
            format!("\"{}\"", terms.join(" "))
        } else {
            terms.join(" ")
        };
        if let Some(range) = q["date"].as_array() {
            query.push_str(&format!(
                " date:{}..{}",
                range[0].as_str().unwrap(),
                range[1].as_str().unwrap()
            ));
        }
        let request = SearchRequest::new(&query, 10);
        let results = self
            .archive
            .reader(&fonds::accounts::Viewer::Anonymous)
            .search(&request)
            .expect("the search runs");
        let _ = &self.runtime;
        (
            results.hits.into_iter().map(|h| h.id).collect(),
            results.total as u64,
        )
    }
}

// ---------------------------------------------------------------- raw tantivy

struct Tantivy {
    index: Index,
    reader: tantivy::IndexReader,
    parser: QueryParser,
    fields: (
        tantivy::schema::Field,
        tantivy::schema::Field,
        tantivy::schema::Field,
        tantivy::schema::Field,
        tantivy::schema::Field,
    ),
    id: tantivy::schema::Field,
}

/// The build figures an earlier run wrote, for an index it left in WORKDIR.
fn reused_build(a: &Args, engine: &str) -> Value {
    std::fs::read_to_string(a.results.join(format!("build-{engine}.json")))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_else(|| json!({"engine": engine, "build_s": 0.0, "size_bytes": 0}))
}

fn build_tantivy(a: &Args) -> (Tantivy, Value) {
    let dir = a.work.join("tantivy-rs");
    if a.reuse && dir.join("meta.json").exists() {
        return open_tantivy(&dir, reused_build(a, "tantivy"));
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the folder");
    let mut b = Schema::builder();
    let id = b.add_text_field("id", STRING | STORED);
    let en = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("en_stem")
                .set_index_option(tantivy::schema::IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let title_en = b.add_text_field("title_en", en.clone());
    let text_en = b.add_text_field("text_en", en);
    let title_ko = b.add_text_field("title_ko", TEXT | STORED);
    let text_ko = b.add_text_field("text_ko", TEXT | STORED);
    let date = b.add_i64_field("date", INDEXED | FAST | STORED);
    let index = Index::create_in_dir(&dir, b.build()).expect("the index");
    let mut writer: tantivy::IndexWriter = index
        .writer_with_num_threads(2, 1_000_000_000)
        .expect("a writer");
    let started = Instant::now();
    let mut docs = 0u64;
    read_docs(&a.docs, |d| {
        docs += 1;
        let mut doc = TantivyDocument::default();
        doc.add_text(id, &d.id);
        let (t, x) = if d.language == "en" {
            (title_en, text_en)
        } else {
            (title_ko, text_ko)
        };
        doc.add_text(t, &d.title);
        doc.add_text(x, &d.text);
        doc.add_i64(date, d.date.replace('-', "").parse().unwrap_or(0));
        writer.add_document(doc).expect("the document is added");
    });
    writer.commit().expect("the commit");
    let commit_s = started.elapsed().as_secs_f64();
    writer.wait_merging_threads().expect("merges end");
    let build_s = started.elapsed().as_secs_f64();
    drop(index);
    let build = json!({
        "engine": "tantivy", "docs": docs, "build_s": build_s,
        "phases": {"add_commit_s": commit_s, "merge_wait_s": build_s - commit_s},
        "size_bytes": du(&dir),
    });
    open_tantivy(&dir, build)
}

/// Opens the raw tantivy index in `dir` for querying.
fn open_tantivy(dir: &Path, build: Value) -> (Tantivy, Value) {
    let index = Index::open_in_dir(dir).expect("the index reopens");
    let schema = index.schema();
    let field = |name: &str| schema.get_field(name).expect("the field");
    let (id, title_en, text_en, title_ko, text_ko, date) = (
        field("id"),
        field("title_en"),
        field("text_en"),
        field("title_ko"),
        field("text_ko"),
        field("date"),
    );
    let reader = index.reader().expect("a reader");
    let parser = QueryParser::for_index(&index, vec![title_en, text_en, title_ko, text_ko]);
    (
        Tantivy {
            index,
            reader,
            parser,
            fields: (title_en, text_en, title_ko, text_ko, date),
            id,
        },
        build,
    )
}

impl Engine for Tantivy {
    fn run(&mut self, q: &Value) -> (Vec<String>, u64) {
        let terms = query_terms(q);
        let text = if q["mode"] == "phrase" {
            format!("\"{}\"", terms.join(" "))
        } else {
            terms
                .iter()
                .map(|t| format!("+\"{t}\""))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut query: Box<dyn Query> = self.parser.parse_query(&text).expect("the query parses");
        if let Some(range) = q["date"].as_array() {
            let day = |v: &Value| v.as_str().unwrap().replace('-', "").parse::<i64>().unwrap();
            let date = self.fields.4;
            let range = RangeQuery::new(
                std::ops::Bound::Included(Term::from_field_i64(date, day(&range[0]))),
                std::ops::Bound::Included(Term::from_field_i64(date, day(&range[1]))),
            );
            query = Box::new(BooleanQuery::new(vec![
                (Occur::Must, query),
                (Occur::Must, Box::new(range)),
            ]));
        }
        let searcher = self.reader.searcher();
        let (top, count) = searcher
            .search(&query, &(TopDocs::with_limit(10).order_by_score(), Count))
            .expect("the search runs");
        let mut ids = Vec::new();
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address).expect("the document");
            use tantivy::schema::Value as _;
            ids.push(
                doc.get_first(self.id)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string(),
            );
            let _title = doc
                .get_first(self.fields.0)
                .or(doc.get_first(self.fields.2));
            let _date = doc.get_first(self.fields.4);
        }
        let _ = &self.index;
        (ids, count as u64)
    }
}

// ---------------------------------------------------------------- the run

/// A deterministic shuffle (xorshift), so every engine sees the same orders.
fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for i in (1..items.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        items.swap(i, (x % (i as u64 + 1)) as usize);
    }
}

fn query_engine(name: &str, engine: &mut dyn Engine, queries: &[Value], a: &Args) -> Value {
    let t0 = Instant::now();
    let mut first = Vec::new();
    for q in queries {
        let s = Instant::now();
        engine.run(q);
        first.push(s.elapsed().as_secs_f64() * 1000.0);
    }
    let warm = t0.elapsed().as_secs_f64();
    let rounds = ((a.budget / warm.max(1e-9)) as usize).clamp(1, a.rounds);
    let mut samples = vec![Vec::new(); queries.len()];
    let mut results = vec![(Vec::new(), 0u64); queries.len()];
    let mut round_s = Vec::new();
    for r in 0..rounds {
        let mut order: Vec<usize> = (0..queries.len()).collect();
        shuffle(&mut order, 1000 + r as u64);
        let rs = Instant::now();
        for i in order {
            let s = Instant::now();
            let result = engine.run(&queries[i]);
            samples[i].push(s.elapsed().as_secs_f64() * 1000.0);
            results[i] = result;
        }
        round_s.push(rs.elapsed().as_secs_f64());
    }
    let out: Vec<Value> = queries
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let mut q = q.clone();
            q["first_ms"] = json!(first[i]);
            q["ms"] = json!(samples[i]);
            q["count"] = json!(results[i].1);
            q["top"] = json!(results[i].0);
            q
        })
        .collect();
    json!({"engine": name, "warmup_s": warm, "rounds": rounds, "round_s": round_s, "queries": out})
}

fn percentile(xs: &mut [f64], p: f64) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    let rank = ((p / 100.0 * xs.len() as f64 + 0.5).round() as usize).clamp(1, xs.len());
    xs[rank - 1]
}

fn all_ms(result: &Value) -> Vec<f64> {
    result["queries"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|q| q["ms"].as_array().unwrap().iter().filter_map(Value::as_f64))
        .collect()
}

fn main() {
    let a = args();
    std::fs::create_dir_all(&a.work).expect("the work folder");
    std::fs::create_dir_all(&a.results).expect("the results folder");
    let queries: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&a.queries).expect("the queries file"))
            .expect("queries JSON");
    // As `fonds serve` does at start: not on the first Chinese query's path.
    fonds::search::analysis::load_chinese_dictionary();
    let mut summary = Vec::new();
    for name in a.engines.clone() {
        eprintln!("build {name}");
        let (mut engine, build): (Box<dyn Engine>, Value) = match name.as_str() {
            "fonds" => {
                let (e, b) = build_fonds(&a);
                (Box::new(e), b)
            }
            "tantivy" => {
                let (e, b) = build_tantivy(&a);
                (Box::new(e), b)
            }
            other => panic!("unknown engine {other} (fonds, tantivy)"),
        };
        eprintln!("{build}");
        std::fs::write(
            a.results.join(format!("build-{name}.json")),
            build.to_string(),
        )
        .expect("written");
        eprintln!("query {name}");
        let result = query_engine(&name, engine.as_mut(), &queries, &a);
        std::fs::write(
            a.results.join(format!("query-{name}.json")),
            result.to_string(),
        )
        .expect("written");
        let mut ms = all_ms(&result);
        summary.push((
            name,
            build["build_s"].as_f64().unwrap_or(0.0),
            percentile(&mut ms, 50.0),
            percentile(&mut ms, 99.0),
        ));
    }
    println!("| engine | p50 ms | p99 ms | build s | p99 ratio to fonds |");
    println!("|---|---|---|---|---|");
    let fonds_p99 = summary.iter().find(|s| s.0 == "fonds").map(|s| s.3);
    for (name, build, p50, p99) in &summary {
        let ratio = fonds_p99
            .map(|f| format!("{:.2}", p99 / f))
            .unwrap_or_else(|| "—".into());
        println!("| {name} | {p50:.2} | {p99:.2} | {build:.0} | {ratio} |");
    }
}
