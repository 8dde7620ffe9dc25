//! Runs `cdp.mjs` (headless Chromium over the DevTools protocol) for the browser tests.

use std::process::Command;
use std::time::Duration;

use serde_json::Value;

/// Opens `url` in headless Chromium through the DevTools driver and returns the JSON value of
/// the page's `window.finished`.
pub fn run_page(url: &str) -> Vec<Value> {
    let chromium = std::env::var("SSE_WIRE_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let driver = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/cdp.mjs");
    // The driver stops the browser after 60 s; stop the driver after 90 s.
    let output = super::support::run_bounded(
        Command::new("node").args([driver, &chromium, url, "60000"]),
        Duration::from_secs(90),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "driver failed: {stderr}");
    serde_json::from_slice(&output.stdout).expect("JSON from the page")
}
