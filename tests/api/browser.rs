//! The Chromium harness of the `/ui` browser tests: Debian's chromedriver on a free port, a
//! headless Chromium session, a login with the admin token, and screenshots kept in
//! `docs/screenshots/` (the README shows them).

use crate::helpers::*;
use fantoccini::{Client, ClientBuilder, Locator};
use std::future::Future;
use std::time::Duration;

const DRIVER: &str = "/usr/bin/chromedriver";

pub type BrowserResult = Result<(), Box<dyn std::error::Error>>;

/// Starts chromedriver, opens a session, runs `test` with it and closes both, whatever
/// `test` did; panics with `test`'s error.
pub async fn with_browser<F, Fut>(test: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = BrowserResult>,
{
    needs(
        std::path::Path::new(DRIVER).exists(),
        &format!("{DRIVER} (apt-get install chromium chromium-driver)"),
    );
    let port = free_port();
    let mut driver = std::process::Command::new(DRIVER)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let result = async {
        let c = session(port).await?;
        let outcome = test(c.clone()).await;
        c.close().await.ok();
        outcome
    }
    .await;
    driver.kill().ok();
    driver.wait().ok();
    result.expect("browser session");
}

async fn session(port: u16) -> Result<Client, Box<dyn std::error::Error>> {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({"binary": "/usr/bin/chromium", "args": ["--headless", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--disable-quic", "--window-size=1280,1000", "--lang=zh-CN"]}),
    );
    let webdriver = format!("http://127.0.0.1:{port}");
    for _ in 0..50 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&webdriver)
            .await
        {
            Ok(c) => return Ok(c),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    Err("chromedriver did not accept a session".into())
}

/// Logs in through the form with `token`; returns once the status page shows.
pub async fn log_in(c: &Client, app: &TestApp, token: &str) -> BrowserResult {
    c.goto(&format!("{}/ui", app.address)).await?;
    c.find(Locator::Id("token")).await?.send_keys(token).await?;
    c.find(Locator::Id("login")).await?.click().await?;
    c.wait().for_element(Locator::Id("robots")).await?;
    Ok(())
}

/// The page as it is now, kept as `docs/screenshots/{name}.png`.
pub async fn screenshot(c: &Client, name: &str) -> BrowserResult {
    let png = c.screenshot().await?;
    let dir = repo_path("docs/screenshots");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(format!("{name}.png")), png)?;
    Ok(())
}

/// Waits until the element `id` holds `text` (the page a form redirected to; the old page's
/// elements do not count), and returns what it says.
pub async fn wait_text(
    c: &Client,
    id: &str,
    text: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let end = std::time::Instant::now() + WAIT;
    loop {
        if let Ok(e) = c.find(Locator::Id(id)).await
            && let Ok(shown) = e.text().await
            && shown.contains(text)
        {
            return Ok(shown);
        }
        if std::time::Instant::now() > end {
            return Err(format!("#{id} never said {text:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
