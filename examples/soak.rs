//! A soak test of a running `fonds serve`: requests at a fixed arrival rate
//! (not a closed loop, which only measures its own queue) for a long time,
//! while the server's resident memory is sampled. For measuring, not a test;
//! `bench/soak.sh` starts a server over the demo and corpus records and runs
//! this against it:
//!
//! ```sh
//! cargo run --release --example soak -- BASE_URL SERVER_PID [--rate 200] \
//!     [--minutes 30] [--warmup 5]
//! ```
//!
//! The mix, per 100 requests: 55 record pages, 20 search pages, 10 search API
//! calls, 10 OAI-PMH ListRecords pages (following resumption tokens, starting
//! over at the end of the list), 4 browse pages and 1 download of the public
//! dump. Latency counts from the instant a request was due, so a stalled
//! server shows as latency rather than as fewer requests. Memory: the
//! server's VmRSS every 10 s; growth is the last sample against the first
//! sample after the warm-up.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Search terms over the demo and corpus records, in their languages.
const QUERIES: &[&str] = &[
    "Kim Il Sung",
    "Stalin",
    "Khrushchev",
    "Kennedy",
    "Cuba",
    "missiles",
    "Berlin",
    "김일성",
    "조선",
    "Сталин",
    "\"Soviet Union\"",
    "Korea",
    "treaty",
    "Ким Ир Сен",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Kind {
    Record,
    Search,
    SearchApi,
    Oai,
    Browse,
    Dump,
}

struct Outcome {
    kind: Kind,
    latency: Duration,
    error: Option<String>,
}

fn kind_of(n: u64) -> Kind {
    match n % 100 {
        0..=54 => Kind::Record,
        55..=74 => Kind::Search,
        75..=84 => Kind::SearchApi,
        85..=94 => Kind::Oai,
        95..=98 => Kind::Browse,
        _ => Kind::Dump,
    }
}

/// A small deterministic generator (xorshift), so that two runs ask the
/// same things.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn record_ids(agent: &ureq::Agent, base: &str) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/v1/records?limit=100");
        if let Some(a) = &after {
            url.push_str("&after=");
            url.push_str(&percent(a));
        }
        let page: serde_json::Value = agent.get(&url).call()?.body_mut().read_json()?;
        let records = page["records"].as_array().cloned().unwrap_or_default();
        for r in &records {
            if let Some(id) = r["id"].as_str() {
                ids.push(id.to_string());
            }
        }
        match page["next"].as_str().or(page["after"].as_str()) {
            Some(next) if !records.is_empty() => after = Some(next.to_string()),
            _ => break,
        }
        if records.is_empty() {
            break;
        }
    }
    anyhow::ensure!(
        !ids.is_empty(),
        "the archive at {base} lists no public record"
    );
    Ok(ids)
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The next OAI-PMH ListRecords address: the resumption token of the last
/// page, or the list's start.
fn oai_url(base: &str, token: &Mutex<Option<String>>) -> String {
    match token.lock().expect("token lock").clone() {
        Some(t) => format!(
            "{base}/oai?verb=ListRecords&resumptionToken={}",
            percent(&t)
        ),
        None => format!("{base}/oai?verb=ListRecords&metadataPrefix=oai_dc"),
    }
}

fn resumption_token(xml: &str) -> Option<String> {
    let start = xml.find("<resumptionToken")?;
    let rest = &xml[start..];
    let open_end = rest.find('>')?;
    if rest[..open_end].ends_with('/') {
        return None;
    }
    let body = &rest[open_end + 1..];
    let close = body.find("</resumptionToken>")?;
    let token = body[..close].trim();
    (!token.is_empty()).then(|| token.to_string())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: soak BASE_URL SERVER_PID [--rate N] [--minutes M] [--warmup W]";
    let base = args.first().ok_or_else(|| anyhow::anyhow!(usage))?;
    let base = base.trim_end_matches('/').to_string();
    let pid: u32 = args.get(1).ok_or_else(|| anyhow::anyhow!(usage))?.parse()?;
    let option = |name: &str, default: f64| -> anyhow::Result<f64> {
        match args.iter().position(|a| a == name) {
            Some(i) => Ok(args
                .get(i + 1)
                .ok_or_else(|| anyhow::anyhow!(usage))?
                .parse()?),
            None => Ok(default),
        }
    };
    let rate = option("--rate", 200.0)?;
    let minutes = option("--minutes", 30.0)?;
    let warmup = option("--warmup", 5.0)?;
    anyhow::ensure!(rate > 0.0 && minutes > warmup, "{usage}");

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let ids = Arc::new(record_ids(&agent, &base)?);
    println!(
        "soak: {base}, server pid {pid}, {} public records, {rate} requests/s for {minutes} min \
         (warm-up {warmup} min)",
        ids.len()
    );

    let token = Arc::new(Mutex::new(None::<String>));
    let (work_tx, work_rx) = mpsc::sync_channel::<(u64, Instant)>(4096);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::channel::<(Instant, Outcome)>();
    let workers = 64;
    let mut handles = Vec::new();
    for w in 0..workers {
        let (agent, base, ids, token) = (agent.clone(), base.clone(), ids.clone(), token.clone());
        let (work_rx, done_tx) = (work_rx.clone(), done_tx.clone());
        handles.push(std::thread::spawn(move || {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (w as u64 + 1));
            loop {
                let next = work_rx.lock().expect("work lock").recv();
                let Ok((n, due)) = next else { break };
                let kind = kind_of(n);
                let url = match kind {
                    Kind::Record => {
                        let id = &ids[(rng.next() % ids.len() as u64) as usize];
                        format!("{base}/records/{}", percent(id))
                    }
                    Kind::Search => {
                        let q = QUERIES[(rng.next() % QUERIES.len() as u64) as usize];
                        format!("{base}/search?q={}", percent(q))
                    }
                    Kind::SearchApi => {
                        let q = QUERIES[(rng.next() % QUERIES.len() as u64) as usize];
                        format!("{base}/api/v1/search?q={}", percent(q))
                    }
                    Kind::Oai => oai_url(&base, &token),
                    Kind::Browse => format!("{base}/browse"),
                    Kind::Dump => format!("{base}/dump/records.jsonl.gz"),
                };
                let result = agent.get(&url).call();
                let error = match result {
                    Ok(mut response) => {
                        let status = response.status().as_u16();
                        let body = response
                            .body_mut()
                            .with_config()
                            .limit(512 * 1024 * 1024)
                            .read_to_vec();
                        match (status, body) {
                            (200, Ok(body)) => {
                                if kind == Kind::Oai {
                                    let xml = String::from_utf8_lossy(&body);
                                    *token.lock().expect("token lock") = resumption_token(&xml);
                                }
                                None
                            }
                            (200, Err(e)) => Some(format!("{url}: reading the body: {e}")),
                            (s, _) => Some(format!("{url}: HTTP {s}")),
                        }
                    }
                    Err(e) => Some(format!("{url}: {e}")),
                };
                let outcome = Outcome {
                    kind,
                    latency: due.elapsed(),
                    error,
                };
                if done_tx.send((due, outcome)).is_err() {
                    break;
                }
            }
        }));
    }
    drop(done_tx);

    let start = Instant::now();
    let total = Duration::from_secs_f64(minutes * 60.0);
    let warm = Duration::from_secs_f64(warmup * 60.0);
    let interval = Duration::from_secs_f64(1.0 / rate);
    let sampler = {
        std::thread::spawn(move || {
            let mut samples = Vec::new();
            while start.elapsed() < total {
                samples.push((start.elapsed(), rss_kb(pid)));
                std::thread::sleep(Duration::from_secs(10));
            }
            samples.push((start.elapsed(), rss_kb(pid)));
            samples
        })
    };
    let scheduler = std::thread::spawn(move || {
        let mut n = 0u64;
        let mut late = 0u64;
        loop {
            let due = start + interval.mul_f64(n as f64);
            if due.duration_since(start) >= total {
                break;
            }
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
            if work_tx.try_send((n, due)).is_err() {
                late += 1;
                if work_tx.send((n, due)).is_err() {
                    break;
                }
            }
            n += 1;
        }
        (n, late)
    });

    let mut after_warmup: Vec<(Kind, Duration)> = Vec::new();
    let mut errors = Vec::new();
    let mut last_report = Instant::now();
    let mut count = 0u64;
    for (due, outcome) in done_rx {
        count += 1;
        if let Some(e) = outcome.error {
            errors.push(e);
        }
        if due.duration_since(start) >= warm {
            after_warmup.push((outcome.kind, outcome.latency));
        }
        if last_report.elapsed() >= Duration::from_secs(60) {
            last_report = Instant::now();
            println!(
                "  {:>5.1} min: {count} requests, {} errors, server RSS {} KB",
                start.elapsed().as_secs_f64() / 60.0,
                errors.len(),
                rss_kb(pid).map_or("?".into(), |k| k.to_string())
            );
        }
    }
    let (sent, queued_late) = scheduler.join().expect("scheduler");
    for h in handles {
        h.join().expect("worker");
    }
    let samples = sampler.join().expect("sampler");

    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "sent {sent} requests in {:.1} s ({:.1}/s); {count} answered; {} errors; {queued_late} \
         found every worker busy",
        elapsed,
        sent as f64 / elapsed,
        errors.len()
    );
    for e in errors.iter().take(10) {
        println!("  error: {e}");
    }
    let pct = |v: &mut Vec<Duration>, p: f64| -> f64 {
        if v.is_empty() {
            return 0.0;
        }
        v.sort();
        let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
        v[i].as_secs_f64() * 1000.0
    };
    let mut all: Vec<Duration> = after_warmup.iter().map(|(_, d)| *d).collect();
    println!(
        "after warm-up, all: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(&mut all, 0.50),
        pct(&mut all, 0.99),
        pct(&mut all, 1.0)
    );
    for kind in [
        Kind::Record,
        Kind::Search,
        Kind::SearchApi,
        Kind::Oai,
        Kind::Browse,
        Kind::Dump,
    ] {
        let mut v: Vec<Duration> = after_warmup
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, d)| *d)
            .collect();
        println!(
            "  {kind:?}: {} requests, p50 {:.1} ms, p99 {:.1} ms",
            v.len(),
            pct(&mut v, 0.50),
            pct(&mut v, 0.99)
        );
    }
    let first = samples
        .iter()
        .find(|(t, _)| *t >= warm)
        .and_then(|(_, r)| *r);
    let last = samples.last().and_then(|(_, r)| *r);
    let max = samples
        .iter()
        .filter(|(t, _)| *t >= warm)
        .filter_map(|(_, r)| *r)
        .max();
    match (first, last, max) {
        (Some(first), Some(last), Some(max)) => {
            let growth = (last as f64 - first as f64) / first as f64 * 100.0;
            println!(
                "server RSS: {first} KB after the warm-up, {last} KB at the end, {max} KB at most; \
                 growth {growth:+.1}%"
            );
        }
        _ => println!("server RSS: not readable (is {pid} the server's pid on this machine?)"),
    }
    if errors.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("{} requests failed", errors.len())
    }
}
