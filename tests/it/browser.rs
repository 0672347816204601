//! End to end in a real headless Chromium (Debian's `chromium` and
//! `chromium-driver`, installed by `.ci/run`): search, narrow by a facet,
//! open a hit, read the original beside the translation; on a phone-sized
//! window, one version at a time; a scan of the original beside the
//! translation, zoomed and turned, and still there without script.

use super::common::{Fonds, SEED, Server, corpus, demo};
use super::desk::{PASSWORD, add_user};
use fantoccini::{ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A chromedriver on a free port; stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Driver {
        assert!(
            std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
            "{CHROMEDRIVER} and {CHROMIUM} are needed (apt-get install chromium chromium-driver; .ci/run does it)"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver { child, url }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium session through the driver.
async fn chromium(driver: &Driver) -> fantoccini::Client {
    chromium_with(driver, &[]).await
}

/// A headless Chromium session with `extra` command-line switches.
async fn chromium_with(driver: &Driver, extra: &[&str]) -> fantoccini::Client {
    let mut args = vec![
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
    ];
    args.extend_from_slice(extra);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "binary": CHROMIUM, "args": args }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// A record with a Russian original and an English translation whose
/// paragraphs correspond (a test fixture written for this test).
fn bilingual_fixture(f: &Fonds) -> std::path::PathBuf {
    let dir = f.path("bilingual");
    std::fs::create_dir_all(dir.join("text")).unwrap();
    std::fs::write(
        dir.join("text/ru.txt"),
        "Товарищу Сталину.\n\nПисьмо из Пхеньяна получено в Москве.\n\nС уважением, посол.\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("text/en.txt"),
        "To Comrade Stalin.\n\nThe letter from Pyongyang was received in Moscow.\n\nRespectfully, the ambassador.\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("manifest.csv"),
        "identifier,title,date,language,text,translation,translation_language,translator\n\
         fixture-ru-1,Letter of the Ambassador on the Pyongyang letter,1949-03-01,ru,text/ru.txt,text/en.txt,en,Test Translator\n",
    )
    .unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs chromium and chromium-driver (installed by .ci/run)"]
async fn search_narrow_open_and_read_side_by_side_in_chromium() {
    let f = Fonds::new();
    let fixture = bilingual_fixture(&f);
    f.import(&[&demo("wilson"), &demo("frus"), &fixture]);
    let server = Server::start(&f, &[]);
    let driver = Driver::start();

    let c = chromium(&driver).await;

    // Search from the home page's form.
    c.goto(&format!("{}/", server.base)).await.unwrap();
    let input = c.find(Locator::Id("home-q")).await.unwrap();
    input.send_keys("Moscow").await.unwrap();
    c.find(Locator::Css("form.big-search button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("ol.hits li.hit"))
        .await
        .unwrap();
    let url = c.current_url().await.unwrap();
    assert!(
        url.as_str().contains("q=Moscow"),
        "the query is in the URL: {url}"
    );
    let before = c
        .find_all(Locator::Css("ol.hits li.hit"))
        .await
        .unwrap()
        .len();
    assert!(before >= 3, "Moscow finds several documents, got {before}");

    // Narrow by original language: Russian.
    let russian = c
        .find(Locator::XPath(
            "//section[@aria-labelledby='facet-language']//a[normalize-space()='Russian']",
        ))
        .await
        .expect("a Russian facet link");
    let count: usize = c
        .find(Locator::XPath(
            "//section[@aria-labelledby='facet-language']//a[normalize-space()='Russian']/following-sibling::span[@class='count']",
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    russian.click().await.unwrap();
    c.wait()
        .for_element(Locator::Css(".active-filters"))
        .await
        .unwrap();
    let hits = c.find_all(Locator::Css("ol.hits li.hit")).await.unwrap();
    // The first page lists the facet's count, up to a page of hits.
    assert_eq!(
        hits.len(),
        count.min(fonds::web::pages::PAGE_SIZE),
        "the narrowed page lists the facet's count"
    );
    assert!(
        c.current_url()
            .await
            .unwrap()
            .as_str()
            .contains("language=ru")
    );

    // Open the bilingual hit.
    c.find(Locator::LinkText(
        "Letter of the Ambassador on the Pyongyang letter",
    ))
    .await
    .expect("the fixture is among the Russian hits")
    .click()
    .await
    .unwrap();
    c.wait()
        .for_element(Locator::Css("section.texts.parallel"))
        .await
        .unwrap();
    let original = c
        .find(Locator::XPath(
            "//p[contains(@class,'original') and @lang='ru'][2]",
        ))
        .await
        .unwrap();
    let translation = c
        .find(Locator::XPath(
            "//p[contains(@class,'translation') and @lang='en'][2]",
        ))
        .await
        .unwrap();
    assert_eq!(
        original.text().await.unwrap(),
        "Письмо из Пхеньяна получено в Москве."
    );
    assert_eq!(
        translation.text().await.unwrap(),
        "The letter from Pyongyang was received in Moscow."
    );
    assert!(original.is_displayed().await.unwrap());
    assert!(translation.is_displayed().await.unwrap());
    // Side by side: the same row, original on the left.
    let (ox, oy, _, _) = original.rectangle().await.unwrap();
    let (tx, ty, _, _) = translation.rectangle().await.unwrap();
    assert!(ox < tx, "original left of the translation");
    assert!(
        (oy - ty).abs() < 2.0,
        "corresponding paragraphs align: {oy} vs {ty}"
    );

    // On a phone, one version at a time, switched by its label.
    c.set_window_size(400, 800).await.unwrap();
    assert!(original.is_displayed().await.unwrap());
    assert!(!translation.is_displayed().await.unwrap());
    c.find(Locator::Css("label[for=show-translation]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(!original.is_displayed().await.unwrap());
    assert!(translation.is_displayed().await.unwrap());
    c.close().await.unwrap();
}

/// Types into a field, replacing what it held.
async fn fill(c: &fantoccini::Client, css: &str, text: &str) {
    let field = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Issue 14's first Must-show, as an editor does it in a browser.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs chromium and chromium-driver (installed by .ci/run)"]
async fn an_editor_corrects_the_seed_in_the_desk_and_reverts_it_in_chromium() {
    let f = Fonds::new();
    f.import(&[&demo(SEED)]);
    add_user(&f, "ana", "editor");
    let seed = f.show_json("208261");
    let recipients = seed["recipients"].as_array().unwrap().len();
    let texts = seed["texts"].as_array().unwrap().len();
    let server = Server::start(&f, &[]);
    let driver = Driver::start();
    let c = chromium(&driver).await;

    // The desk asks for a sign-in first, then comes back.
    c.goto(&format!("{}/desk/records/208261", server.base))
        .await
        .unwrap();
    fill(&c, "#name", "ana").await;
    fill(&c, "#password", PASSWORD).await;
    c.find(Locator::Css("form.sign-in button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("form.record-form"))
        .await
        .unwrap();

    fill(
        &c,
        "#f-summary",
        "Kim Il Sung thanks Stalin for the liberation (desk correction)",
    )
    .await;
    fill(
        &c,
        &format!("input[name='recipient.{recipients}.name']"),
        "Vyacheslav Molotov",
    )
    .await;
    c.find(Locator::Id(&format!("f-text.{texts}.kind")))
        .await
        .unwrap()
        .select_by_value("translation")
        .await
        .unwrap();
    fill(&c, &format!("[id='f-text.{texts}.language']"), "fr").await;
    c.find(Locator::Id(&format!("f-text.{texts}.machine")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(
        &c,
        &format!("[id='f-text.{texts}.body']"),
        "Au camarade Staline.\nMessage téléphonique.",
    )
    .await;
    fill(
        &c,
        "#f-reference",
        "RGASPI, f. 558, op. 11, d. 110, ll. 1-2",
    )
    .await;
    fill(
        &c,
        "#f-note",
        "summary, recipient, machine translation, reference",
    )
    .await;
    c.find(Locator::Css("form.record-form > p > button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let notice = c
        .wait()
        .for_element(Locator::Css("p.notice"))
        .await
        .unwrap();
    let saved_at = Instant::now();
    assert_eq!(notice.text().await.unwrap(), "Saved as revision 2.");
    // The parsed parts follow the verbatim reference.
    let parts = c
        .find(Locator::Css("dl.parsed"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(parts.contains("110"), "{parts}");

    // The public page and search show the change within a second.
    loop {
        let hits = server.ok("/api/v1/search?q=Molotov").json();
        if hits["total"] == 1 {
            break;
        }
        assert!(
            saved_at.elapsed() < Duration::from_secs(1),
            "not searchable: {hits}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let page = server.ok("/records/208261").body;
    assert!(page.contains("desk correction"));
    assert!(page.contains("Vyacheslav Molotov"));
    assert!(page.contains("machine translation"));
    assert!(page.contains("Au camarade Staline."));
    let stored = f.show_json("208261");
    assert_eq!(stored["archival_reference"]["delo"], "110");
    assert_eq!(stored["texts"][texts]["machine_translation"], true);
    assert_eq!(
        stored["texts"][texts]["body"],
        "Au camarade Staline.\nMessage téléphonique."
    );

    // The history shows the diff.
    c.goto(&format!("{}/desk/records/208261/history", server.base))
        .await
        .unwrap();
    let diff = c
        .find(Locator::Css("table.diff"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for path in [
        "summary",
        &format!("recipients[{recipients}].name"),
        "archival_reference.verbatim",
    ] {
        assert!(diff.contains(path), "{path} in the diff:\n{diff}");
    }
    assert!(diff.contains("Kim praises Stalin") && diff.contains("desk correction"));

    // Revert restores the original, byte for byte.
    c.find(Locator::XPath(
        "//button[normalize-space()='Revert to revision 1']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let notice = c
        .wait()
        .for_element(Locator::Css("p.notice"))
        .await
        .unwrap();
    assert!(notice.text().await.unwrap().contains("now revision 3"));
    let export = f.ok(&["export", "--format", "wilson", "208261"]);
    assert_eq!(export, std::fs::read_to_string(demo(SEED)).unwrap());
    c.close().await.unwrap();
}

/// A page of a scan: a coloured band at the top, so pages differ.
fn scan_page(f: &Fonds, name: &str, band: [u8; 3]) -> std::path::PathBuf {
    let path = f.path(name);
    image::RgbImage::from_fn(1600, 2200, |_, y| {
        image::Rgb(if y < 400 { band } else { [246, 242, 232] })
    })
    .save(&path)
    .unwrap();
    path
}

/// Polls `script` (a JavaScript expression) until it is true.
async fn until(c: &fantoccini::Client, what: &str, script: &str) {
    let started = Instant::now();
    loop {
        let value = c
            .execute(&format!("return !!({script});"), vec![])
            .await
            .unwrap();
        if value == serde_json::Value::Bool(true) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "waited 20 s for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How many tiles (or other renderings) of page `n` the page has loaded.
fn tiles_of(id: &str, n: usize) -> String {
    format!(
        "performance.getEntriesByType('resource').filter(e => \
         e.name.includes('/iiif/{id}/{n}/') && e.name.endsWith('.jpg')).length"
    )
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs chromium and chromium-driver (installed by .ci/run)"]
async fn a_two_page_scan_is_read_beside_the_translation_zoomed_and_turned_in_chromium() {
    let f = Fonds::new();
    let fixture = bilingual_fixture(&f);
    f.import(&[&fixture]);
    let id = "fixture-ru-1";
    let p1 = scan_page(&f, "p1.png", [170, 30, 30]);
    let p2 = scan_page(&f, "p2.png", [30, 60, 170]);
    f.ok(&["attach", id, p1.to_str().unwrap(), p2.to_str().unwrap()]);
    let server = Server::start(&f, &[]);
    let driver = Driver::start();
    let record = format!("{}/records/{id}", server.base);

    // With script: the buttons show at once, OpenSeadragon only when the
    // reader reaches for the scan (here a click on "Fit", kept until the
    // viewer is up); then it shows page 1 beside the translation.
    let c = chromium_with(&driver, &["--window-size=1600,1000"]).await;
    c.goto(&record).await.unwrap();
    let fit = c
        .wait()
        .for_element(Locator::Css(
            "#scan-controls:not([hidden]) button[data-action=home]",
        ))
        .await
        .expect("the viewer's buttons show");
    let fetched = "performance.getEntriesByType('resource')\
                   .filter(e => e.name.endsWith('/static/viewer.js')).length";
    let before_reaching = c
        .execute(&format!("return {fetched};"), vec![])
        .await
        .unwrap();
    assert_eq!(
        before_reaching,
        serde_json::json!(0),
        "OpenSeadragon is not fetched before the reader reaches for the scan"
    );
    assert!(c.find(Locator::Css(".scan-still img")).await.is_ok());
    fit.click().await.unwrap();
    c.wait()
        .for_element(Locator::Css(".scan-viewer.live .openseadragon-canvas"))
        .await
        .expect("the viewer opens");
    until(&c, "page 1's tiles", &format!("{} > 0", tiles_of(id, 1))).await;
    let viewer = c.find(Locator::Id("scan-viewer")).await.unwrap();
    let translation = c
        .find(Locator::Css(".texts .col.translation[lang=en]"))
        .await
        .unwrap();
    let (vx, vy, vw, vh) = viewer.rectangle().await.unwrap();
    let (tx, ty, _, th) = translation.rectangle().await.unwrap();
    assert!(
        vw > 300.0 && vh > 300.0,
        "a viewer of a readable size: {vw}x{vh}"
    );
    assert!(
        vx + vw <= tx,
        "the page ({vx}+{vw}) is left of the translation ({tx})"
    );
    assert!(
        vy < ty + th && ty < vy + vh,
        "side by side, not one under the other"
    );
    assert_eq!(
        viewer.attr("data-page").await.unwrap().as_deref(),
        Some("1")
    );
    let zoom = |text: String| -> u32 {
        text.trim()
            .trim_end_matches('%')
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("a zoom: {text:?}"))
    };
    let status = c.find(Locator::Id("scan-status")).await.unwrap();
    let fitted = zoom(status.text().await.unwrap());

    // Zoom in twice: a closer zoom, and finer tiles fetched for it.
    let before = c
        .execute(&format!("return {};", tiles_of(id, 1)), vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap();
    for _ in 0..2 {
        c.find(Locator::Css("button[data-action=zoom-in]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    until(
        &c,
        "finer tiles",
        &format!("{} > {before}", tiles_of(id, 1)),
    )
    .await;
    let started = Instant::now();
    let zoomed = loop {
        let now = zoom(status.text().await.unwrap());
        if now > fitted * 2 || started.elapsed() > Duration::from_secs(10) {
            break now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(zoomed > fitted * 2, "zoomed from {fitted} % to {zoomed} %");

    // Page two, from its link, in place.
    c.find(Locator::Css(".scan-pages a[data-index='1']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(&c, "page 2's tiles", &format!("{} > 0", tiles_of(id, 2))).await;
    assert_eq!(
        viewer.attr("data-page").await.unwrap().as_deref(),
        Some("2")
    );
    let caption = c.find(Locator::Id("scan-caption")).await.unwrap();
    assert!(caption.text().await.unwrap().contains("page 2 of 2"));
    assert!(c.current_url().await.unwrap().as_str().contains("page=2"));
    c.close().await.unwrap();

    // Without script: the first page's image and a link to each page.
    let c = chromium_with(
        &driver,
        &[
            "--window-size=1600,1000",
            "--blink-settings=scriptEnabled=false",
        ],
    )
    .await;
    c.goto(&record).await.unwrap();
    let still = c
        .find(Locator::Css(".scan-still img"))
        .await
        .expect("a still of page 1");
    assert!(still.is_displayed().await.unwrap());
    let src = still.attr("src").await.unwrap().unwrap();
    assert!(src.starts_with(&format!("/iiif/{id}/1/")), "{src}");
    let image = server.ok_bytes(&src);
    assert!(image.starts_with(&[0xff, 0xd8]), "the still is a JPEG");
    let (_, _, sw, sh) = still.rectangle().await.unwrap();
    assert!(sw > 300.0 && sh > 300.0, "the still is shown: {sw}x{sh}");
    let controls = c.find(Locator::Css(".scan-controls")).await.unwrap();
    assert!(
        !controls.is_displayed().await.unwrap(),
        "no buttons that need script"
    );
    c.find(Locator::Css(".scan-pages a[href$='page=2#scan']"))
        .await
        .expect("a link to page 2")
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css(&format!(
            ".scan-still img[src^='/iiif/{id}/2/']"
        )))
        .await
        .expect("page 2's still");
    c.close().await.unwrap();
}

/// At `width`×`height`: what of the page at `url` scrolls sideways (empty
/// when nothing does), and where (in CSS pixels from the top) its document
/// text starts.
async fn layout_of(c: &fantoccini::Client, url: &str, width: u32, height: u32) -> (String, f64) {
    c.set_window_size(width, height).await.unwrap();
    c.goto(url).await.unwrap();
    c.wait()
        .for_element(Locator::Css(".texts"))
        .await
        .expect("a text section");
    let measured = c
        .execute(
            "const d = document.documentElement;
             const text = document.querySelector('.texts p.col, .texts .version p, .texts .col p');
             const wide = d.scrollWidth <= d.clientWidth ? '' :
               `${d.scrollWidth} px wide in ${d.clientWidth}: ` + [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > d.clientWidth)
                 .map(e => `${e.tagName}.${e.className}`).slice(0, 8).join(', ');
             return [wide, text.getBoundingClientRect().top + window.scrollY];",
            vec![],
        )
        .await
        .unwrap();
    (
        measured[0].as_str().unwrap().to_string(),
        measured[1].as_f64().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs chromium and chromium-driver (installed by .ci/run)"]
async fn record_pages_fit_a_phone_and_open_on_the_document_in_chromium() {
    let f = Fonds::new();
    f.import(&[&demo(SEED), &demo("frus")]);
    let server = Server::start(&f, &[]);
    let driver = Driver::start();
    let c = chromium(&driver).await;
    for id in ["208261", "frus1961-63v06d12"] {
        let url = format!("{}/records/{id}", server.base);
        for width in [320, 390, 1280] {
            let (overflow, _) = layout_of(&c, &url, width, 800).await;
            assert!(overflow.is_empty(), "{id} at {width} px: {overflow}");
        }
        // The window's inner height is a little less than 800: the text
        // must start well inside it.
        let (_, top) = layout_of(&c, &url, 1280, 800).await;
        assert!(top < 600.0, "{id}: the document starts {top} px down");
    }
    c.close().await.unwrap();
}

/// A manifest of `set` (a folder of ../shared/corpus) holding only the rows
/// of `ids`, with their text files copied beside it (the importer follows no
/// path out of a manifest's folder), in `f`'s temporary folder.
fn corpus_rows(f: &Fonds, set: &str, ids: &[&str]) -> std::path::PathBuf {
    let from = corpus(set);
    let to = f.path(set);
    let mut reader = csv::Reader::from_path(from.join("manifest.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let files: Vec<usize> = ["text", "translation"]
        .iter()
        .filter_map(|name| header.iter().position(|h| h == *name))
        .collect();
    std::fs::create_dir_all(&to).unwrap();
    let mut writer = csv::Writer::from_path(to.join("manifest.csv")).unwrap();
    writer.write_record(&header).unwrap();
    let mut found = 0;
    for row in reader.records() {
        let row = row.unwrap();
        if !ids.contains(&&row[0]) {
            continue;
        }
        for &i in &files {
            let rel = &row[i];
            if !rel.is_empty() {
                let target = to.join(rel);
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::copy(from.join(rel), target).unwrap();
            }
        }
        writer.write_record(&row).unwrap();
        found += 1;
    }
    writer.flush().unwrap();
    assert_eq!(
        found,
        ids.len(),
        "{set}: every one of {ids:?} is in the manifest"
    );
    to
}

/// Issue 16's first Must-show over the corpus: a Korean record with its
/// translation and a presidential speech fit 320, 390 and 1280 px without
/// scrolling sideways, and open on their text at 1280×800.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs ../shared/corpus"]
async fn corpus_korean_and_speech_pages_fit_a_phone_and_open_on_the_document_in_chromium() {
    let f = Fonds::new();
    let korean = ["pgg-01-010", "pgg-01-020"];
    let speech = "1962-10-22-address-buildup-arms-cuba";
    let out = f.import(&[
        &corpus_rows(&f, "korean-periodicals-pgg", &korean),
        &corpus_rows(&f, "presidential-speeches", &[speech]),
    ]);
    assert!(out.contains("imported 3 records"), "{out}");
    let server = Server::start(&f, &[]);
    let driver = Driver::start();
    let c = chromium(&driver).await;
    for id in korean.iter().chain([&speech]) {
        let url = format!("{}/records/{id}", server.base);
        for width in [320, 390, 1280] {
            let (overflow, _) = layout_of(&c, &url, width, 800).await;
            assert!(overflow.is_empty(), "{id} at {width} px: {overflow}");
        }
        let (_, top) = layout_of(&c, &url, 1280, 800).await;
        assert!(top < 600.0, "{id}: the document starts {top} px down");
    }
    // The Korean records show their translation: side by side on a wide
    // screen, one click away on a phone.
    c.set_window_size(1280, 800).await.unwrap();
    c.goto(&format!("{}/records/{}", server.base, korean[0]))
        .await
        .unwrap();
    let original = c
        .find(Locator::Css(".texts .col.original[lang=ko] p"))
        .await
        .expect("the Korean original");
    let translation = c
        .find(Locator::Css(
            ".texts .col.translation[lang=en] p:not(.translator)",
        ))
        .await
        .expect("the English translation");
    assert!(original.is_displayed().await.unwrap());
    assert!(translation.is_displayed().await.unwrap());
    c.close().await.unwrap();
}
