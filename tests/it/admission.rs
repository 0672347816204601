//! Heavy requests (OAI-PMH pages, sitemaps, the dump's build) take turns, so
//! a harvest flat out cannot starve the reading room (`web::admission`).

use super::common::{Fonds, Server, demo};

/// With one turn and no queue, a harvest on eight connections finds the
/// turn taken again and again: those requests are refused whole (503, a
/// `Retry-After`, the error envelope), the others answered whole, and
/// record pages asked for meanwhile all answer. Once the harvest stops, a
/// harvester is answered at once.
#[test]
fn a_harvest_beyond_its_turns_is_told_to_retry_and_pages_still_answer() {
    let f = Fonds::new();
    f.import(&[&demo("wilson"), &demo("frus")]);
    let server = Server::start(&f, &["--heavy-concurrent", "1", "--heavy-queue", "0"]);
    // Each request another list (its own `from`), as a harvest's pages
    // are: none is answered from the cache of anonymous answers.
    let list = |n: usize| {
        format!(
            "/oai?verb=ListRecords&metadataPrefix=oai_dc&from={}-01-01",
            1000 + n
        )
    };
    let server = &server;
    let (harvest, pages) = std::thread::scope(|s| {
        let harvesters: Vec<_> = (0..8)
            .map(|h| {
                s.spawn(move || {
                    (0..12)
                        .map(|i| server.get(&list(h * 12 + i)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let reader = s.spawn(|| {
            (0..30)
                .map(|_| server.get("/records/208261").status)
                .collect::<Vec<_>>()
        });
        let harvest: Vec<_> = harvesters
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        (harvest, reader.join().unwrap())
    });
    assert!(pages.iter().all(|&s| s == 200), "{pages:?}");
    let refused: Vec<_> = harvest.iter().filter(|r| r.status == 503).collect();
    let answered: Vec<_> = harvest.iter().filter(|r| r.status == 200).collect();
    assert_eq!(refused.len() + answered.len(), harvest.len());
    assert!(!refused.is_empty() && !answered.is_empty());
    for r in &refused {
        assert_eq!(r.header("retry-after"), Some("3"));
        assert_eq!(r.json()["error"]["code"], "unavailable", "{}", r.body);
    }
    for r in &answered {
        assert!(r.body.contains("<ListRecords>"), "{}", r.body);
        assert!(r.body.trim_end().ends_with("</OAI-PMH>"), "{}", r.body);
    }
    // Alone, a harvester is answered at once.
    assert!(server.ok(&list(1)).body.contains("<ListRecords>"));
}
