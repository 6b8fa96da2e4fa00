//! A headless Chromium driven through chromedriver (fantoccini), for the tests that use `/ui`
//! as a person does; and the screenshots of its pages kept in `docs/screenshots/`. Needs
//! Debian's chromium and chromium-driver (`.ci/run` installs them).

use crate::helpers::*;
use fantoccini::{Client, ClientBuilder, Locator};
use std::time::Duration;

pub type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

const DRIVER: &str = "/usr/bin/chromedriver";

/// A browser session and the chromedriver behind it, stopped when dropped.
pub struct Browser {
    pub c: Client,
    driver: std::process::Child,
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.driver.kill().ok();
        self.driver.wait().ok();
    }
}

impl Browser {
    /// Starts chromedriver on a free port and opens a session (`width`×`height` pixels).
    pub async fn start(width: u32, height: u32) -> Fallible<Self> {
        needs(
            std::path::Path::new(DRIVER).exists(),
            &format!("{DRIVER} (apt-get install chromium chromium-driver)"),
        );
        let port = free_port();
        let driver = std::process::Command::new(DRIVER)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({"binary": "/usr/bin/chromium", "args": ["--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic", "--hide-scrollbars",
                format!("--window-size={width},{height}")]}),
        );
        let webdriver = format!("http://127.0.0.1:{port}");
        let end = std::time::Instant::now() + WAIT;
        loop {
            let connect =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(caps.clone())
                    .connect(&webdriver)
                    .await;
            match connect {
                Ok(c) => return Ok(Self { c, driver }),
                Err(e) if std::time::Instant::now() > end => return Err(e.into()),
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }

    /// Logs in through `/ui`'s form with `token`.
    pub async fn login(&self, app: &TestApp, token: &str) -> Fallible<()> {
        self.c.goto(&format!("{}/ui", app.address)).await?;
        self.c
            .find(Locator::Id("token"))
            .await?
            .send_keys(token)
            .await?;
        self.c.find(Locator::Id("login")).await?.click().await?;
        self.c.wait().for_element(Locator::Id("robots")).await?;
        Ok(())
    }

    /// Waits until the element `id` holds `text` (the page a form redirected to; the old
    /// page's elements do not count).
    pub async fn wait_text(&self, id: &str, text: &str) -> Fallible<String> {
        let end = std::time::Instant::now() + WAIT;
        loop {
            if let Ok(e) = self.c.find(Locator::Id(id)).await
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

    /// Saves what the window shows as `docs/screenshots/NAME.png` (the README shows them).
    pub async fn screenshot(&self, name: &str) -> Fallible<()> {
        let png = self.c.screenshot().await?;
        let dir = repo_path("docs/screenshots");
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(format!("{name}.png")), png)?;
        Ok(())
    }

    pub async fn close(self) {
        self.c.clone().close().await.ok();
    }
}
