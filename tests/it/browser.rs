//! End to end in a real headless Chromium (Debian's `chromium` and
//! `chromium-driver`, installed by `.ci/run`): search, narrow by a facet,
//! open a hit, read the original beside the translation; on a phone-sized
//! window, one version at a time.

use super::common::{Fonds, Server, demo};
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
    let c = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session");

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
