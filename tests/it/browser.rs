//! End to end in a real headless Chromium (Debian's `chromium` and
//! `chromium-driver`, installed by `.ci/run`): search, narrow by a facet,
//! open a hit, read the original beside the translation; on a phone-sized
//! window, one version at a time.

use super::common::{Fonds, SEED, Server, demo};
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
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=1280,900"]
        }),
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
    assert_eq!(
        hits.len(),
        count,
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
