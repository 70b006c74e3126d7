//! The portal in a real headless Chromium (Debian's `chromium` driven
//! through `chromedriver`): the paths partners and staff take every day.
//! `./scripts/test` installs both packages when missing; without them these
//! tests say so and pass only outside CI (`FRONTDESK_REQUIRE_BROWSER=1`
//! makes their absence a failure). Screenshots of the main pages are saved
//! under `target/tmp/screenshots/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    dead_code,
    unused_macros,
    unused_imports
)]

mod flows;
#[path = "../api/helpers.rs"]
mod helpers;
mod scenarios;
mod tour;
mod webdriver;

use helpers::{Backend, TestApp};
use webdriver::Browser;

/// The app on SQLite with the seeded world, and a browser; `None` (with a
/// note) when no browser is installed and none is required.
pub async fn start() -> Option<(TestApp, helpers::World, Browser)> {
    if webdriver::tools().is_none() {
        let required = std::env::var("FRONTDESK_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "chromium and chromedriver are required: run ./scripts/test, which installs them"
        );
        println!("NOTE: chromium/chromedriver not installed; browser test skipped");
        return None;
    }
    let app = TestApp::start(Backend::Sqlite, helpers::defaults)
        .await
        .expect("SQLite always starts");
    let world = app.world().await;
    let browser = Browser::start(&app.base_url).await;
    Some((app, world, browser))
}

/// Signs in through the sign-in form.
pub async fn sign_in(b: &Browser, email: &str) {
    b.go("/login").await;
    b.fill("#email", email).await;
    b.fill("#password", helpers::PASSWORD).await;
    b.click("form[action='/login'] button[type=submit]").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while b.path().await.starts_with("/login") {
        assert!(
            std::time::Instant::now() < deadline,
            "sign-in did not leave the sign-in page: {}",
            b.body_text().await
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Signs out with the header's button.
pub async fn sign_out(b: &Browser) {
    b.click("form[action='/logout'] button").await;
    b.wait_for_path("/login").await;
}
