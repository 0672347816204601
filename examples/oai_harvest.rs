//! Harvests a whole archive through the OAI-PMH provider, as a harvester
//! would (ListRecords, following resumption tokens), and prints how many
//! records came and how long it took. For measuring, not a test:
//!
//! ```sh
//! cargo run --release --example oai_harvest -- DATA_DIR [PAGE_SIZE] [--print VERB ARGS…]
//! ```
//!
//! With `--print`, it instead prints the one response to the given
//! arguments (`--print verb=GetRecord identifier=… metadataPrefix=oai_dc`).

use fonds::archive::{Archive, Config};
use fonds::oai::{self, OaiConfig};
use std::time::Instant;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(data) = args.first() else {
        anyhow::bail!("usage: oai_harvest DATA_DIR [PAGE_SIZE] [--print name=value…]");
    };
    let archive = Archive::open(&Config {
        data_dir: data.into(),
        database: std::env::var("FONDS_DATABASE").ok(),
        files: std::env::var("FONDS_FILE_STORE").ok(),
    })
    .await?;
    let mut config = OaiConfig::new(
        "fonds",
        "http://localhost:8080",
        "fonds.example.org",
        "admin@example.org",
    )?;
    let mut rest = &args[1..];
    if let Some(size) = rest.first().and_then(|s| s.parse().ok()) {
        config = config.with_page_size(size)?;
        rest = &rest[1..];
    }
    if rest.first().map(String::as_str) == Some("--print") {
        let params: Vec<(String, String)> = rest[1..]
            .iter()
            .filter_map(|a| a.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        print!(
            "{}",
            oai::respond(&archive.public(), &config, &params).await?.xml
        );
        return Ok(());
    }
    let started = Instant::now();
    let (mut records, mut pages, mut bytes) = (0usize, 0usize, 0usize);
    let mut params = vec![
        ("verb".to_string(), "ListRecords".to_string()),
        ("metadataPrefix".to_string(), "oai_dc".to_string()),
    ];
    loop {
        let xml = oai::respond(&archive.public(), &config, &params).await?.xml;
        pages += 1;
        bytes += xml.len();
        records += xml.matches("<record>").count();
        let token = xml
            .split_once("<resumptionToken")
            .and_then(|(_, t)| t.split_once('>'))
            .and_then(|(_, t)| t.split_once("</resumptionToken>"))
            .map(|(t, _)| t.to_string());
        match token {
            Some(t) if !t.is_empty() => {
                params = vec![
                    ("verb".to_string(), "ListRecords".to_string()),
                    ("resumptionToken".to_string(), t),
                ];
            }
            _ => break,
        }
    }
    let elapsed = started.elapsed();
    println!(
        "{records} records in {pages} pages, {:.1} MB of XML, in {:.2?} ({:.0} records/s)",
        bytes as f64 / 1e6,
        elapsed,
        records as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}
