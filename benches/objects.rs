//! The digital-objects benchmark (issue 15): attaching a large scan and
//! serving its tiles, against the release `fonds` binary.
//!
//! ```text
//! cargo bench --bench objects [-- --seconds 10 --clients 4 --width 6000 --height 8000]
//! ```
//!
//! 1. Makes a 6000×8000 colour scan (JPEG, quality 90, with texture so that
//!    it compresses like a photograph of paper, not like a flat colour).
//! 2. Attaches it with `fonds attach` to the seed record under `/usr/bin/time`
//!    and reports the wall time and the peak resident memory of the whole
//!    process (decoding, the tile pyramid, the store), beside the time this
//!    process takes only to decode the same JPEG (the baseline: attaching
//!    can be no faster than one decode).
//! 3. Starts `fonds serve` and loads it with `--clients` keep-alive clients
//!    for `--seconds`, each asking for the scan's IIIF tiles (every level,
//!    round robin, as OpenSeadragon asks for them), then the same clients on
//!    the stylesheet (an answer from memory: the baseline). Reports tiles per
//!    second, p50 and p99 latency, and the ratio to the baseline.
//!
//! Targets (issue 15): attach peak resident memory ≤ 256 MB; tiles ≥ 500 per
//! second with p99 ≤ 20 ms. The figures in the README come from this bench.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const FONDS: &str = env!("CARGO_BIN_EXE_fonds");

struct Args {
    seconds: u64,
    clients: usize,
    width: u32,
    height: u32,
}

fn args() -> Args {
    let mut a = Args {
        seconds: 10,
        clients: 4,
        width: 6000,
        height: 8000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| -> u64 {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} takes a number"))
        };
        match arg.as_str() {
            "--seconds" => a.seconds = value("--seconds"),
            "--clients" => a.clients = value("--clients") as usize,
            "--width" => a.width = value("--width") as u32,
            "--height" => a.height = value("--height") as u32,
            // `cargo bench` passes `--bench`.
            _ => {}
        }
    }
    a
}

/// A scan-like image: paper with a warm gradient, lines of "text" and grain.
fn make_scan(path: &Path, width: u32, height: u32) {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let grain = (seed % 24) as i32 - 12;
        let line = (y / 40) % 3 != 0 && (y % 40) < 14 && (x / 9 + y / 40) % 11 != 0;
        let base = if line {
            60
        } else {
            226 - (y * 30 / height) as i32
        };
        let c = |shift: i32| (base + shift + grain).clamp(0, 255) as u8;
        image::Rgb([c(6), c(0), c(-18)])
    });
    let file = std::fs::File::create(path).unwrap();
    let mut out = std::io::BufWriter::new(file);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&image)
        .unwrap();
}

/// Runs `fonds ARGS` under `/usr/bin/time`: (wall seconds, peak RSS in MB).
fn timed(data: &Path, args: &[&str]) -> (f64, f64) {
    let report = data.with_extension("time");
    let status = Command::new("/usr/bin/time")
        .arg("-o")
        .arg(&report)
        .args(["-f", "%e %M", FONDS, "--data"])
        .arg(data)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .expect("/usr/bin/time runs (apt-get install time)");
    assert!(status.success(), "fonds {args:?} failed");
    let text = std::fs::read_to_string(&report).unwrap();
    let mut parts = text.split_whitespace().rev();
    let kb: f64 = parts.next().unwrap().parse().unwrap();
    let secs: f64 = parts.next().unwrap().parse().unwrap();
    (secs, kb / 1024.0)
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data: &Path) -> Server {
    let mut child = Command::new(FONDS)
        .arg("--data")
        .arg(data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("fonds serve says where").unwrap();
        if let Some(at) = line.find("http://") {
            let url = line[at..].split_whitespace().next().unwrap();
            break url.trim_end_matches('/').to_string();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    Server { child, base }
}

/// Every tile of the image at `service`, as a viewer asks for them.
fn tile_urls(info: &serde_json::Value, service: &str) -> Vec<String> {
    let width = info["width"].as_u64().unwrap();
    let height = info["height"].as_u64().unwrap();
    let tiles = &info["tiles"][0];
    let tile = tiles["width"].as_u64().unwrap();
    let mut urls = Vec::new();
    for s in tiles["scaleFactors"].as_array().unwrap() {
        let s = s.as_u64().unwrap();
        let span = tile * s;
        for y in (0..height).step_by(span as usize) {
            for x in (0..width).step_by(span as usize) {
                let (w, h) = (span.min(width - x), span.min(height - y));
                let (sw, sh) = (w.div_ceil(s), h.div_ceil(s));
                urls.push(format!("{service}/{x},{y},{w},{h}/{sw},{sh}/0/default.jpg"));
            }
        }
    }
    urls
}

/// `clients` keep-alive clients asking for `urls` round robin for
/// `seconds`: (answers per second, p50 ms, p99 ms).
fn load(urls: &[String], clients: usize, seconds: u64) -> (f64, f64, f64) {
    let urls = Arc::new(urls.to_vec());
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|c| {
            let (urls, stop) = (urls.clone(), stop.clone());
            std::thread::spawn(move || {
                let agent = ureq::Agent::new_with_defaults();
                let mut latencies = Vec::new();
                let mut i = c * urls.len() / clients.max(1);
                while !stop.load(Ordering::Relaxed) {
                    let url = &urls[i % urls.len()];
                    i += 1;
                    let t = Instant::now();
                    let mut response = agent.get(url).call().expect("an answer");
                    assert_eq!(response.status().as_u16(), 200, "{url}");
                    let body = response.body_mut().read_to_vec().unwrap();
                    assert!(!body.is_empty());
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut all: Vec<Duration> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (all.len() as f64 / elapsed, ms(at(0.50)), ms(at(0.99)))
}

fn main() {
    let a = args();
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-objects");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let scan = work.join("scan.jpg");
    make_scan(&scan, a.width, a.height);
    let bytes = std::fs::read(&scan).unwrap();
    println!(
        "scan: {}x{} JPEG, {:.1} MB",
        a.width,
        a.height,
        bytes.len() as f64 / 1e6
    );

    // Baseline: one decode of the same file, in this process.
    let t = Instant::now();
    let decoded = image::load_from_memory(&bytes).unwrap();
    let decode = t.elapsed().as_secs_f64();
    assert_eq!(decoded.width(), a.width);
    drop(decoded);

    let data = work.join("data");
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/wilson/208261.md");
    let (_, import_mb) = timed(&data, &["import", seed.to_str().unwrap()]);
    let (attach, peak) = timed(&data, &["attach", "208261", scan.to_str().unwrap()]);
    println!(
        "attach (decode, pyramid, store): {attach:.2} s, peak resident memory {peak:.0} MB \
         (target ≤ 256 MB: {}); one decode alone: {decode:.2} s (attach = {:.1}× a decode); \
         an import of one record, for scale: {import_mb:.0} MB",
        if peak <= 256.0 { "met" } else { "MISSED" },
        attach / decode
    );

    let server = serve(&data);
    let service = format!("{}/iiif/208261/1", server.base);
    let agent = ureq::Agent::new_with_defaults();
    let info: serde_json::Value = serde_json::from_slice(
        &agent
            .get(&format!("{service}/info.json"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_vec()
            .unwrap(),
    )
    .unwrap();
    let urls = tile_urls(&info, &service);
    // Warm the page cache and check every tile answers.
    for url in &urls {
        let status = agent.get(url).call().unwrap().status().as_u16();
        assert_eq!(status, 200, "{url}");
    }
    let (rate, p50, p99) = load(&urls, a.clients, a.seconds);
    let css = vec![format!("{}/static/fonds.css", server.base)];
    let (base_rate, base_p50, base_p99) = load(&css, a.clients, a.seconds);
    println!(
        "tiles ({} of them, every level), {} clients, {} s: {rate:.0}/s, p50 {p50:.2} ms, \
         p99 {p99:.2} ms (target ≥ 500/s, p99 ≤ 20 ms: {})",
        urls.len(),
        a.clients,
        a.seconds,
        if rate >= 500.0 && p99 <= 20.0 {
            "met"
        } else {
            "MISSED"
        }
    );
    println!(
        "baseline, the stylesheet from memory: {base_rate:.0}/s, p50 {base_p50:.2} ms, \
         p99 {base_p99:.2} ms; tiles at {:.0} % of its rate",
        100.0 * rate / base_rate
    );
}
