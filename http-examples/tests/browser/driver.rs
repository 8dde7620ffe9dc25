//! Runs `cdp.mjs` (headless Chromium over the DevTools protocol) for the browser tests.

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// Opens `url` in headless Chromium through the DevTools driver and returns the JSON value of
/// the page's `window.finished`.
pub fn run_page(url: &str) -> Vec<Value> {
    let chromium = std::env::var("SSE_WIRE_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let driver = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/cdp.mjs");
    let child = Command::new("node")
        .args([driver, &chromium, url, "60000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    // The driver stops the browser after 60 s; stop the driver, by its PID, after 90 s.
    let pid = child.id();
    let (done, wait) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let output = child.wait_with_output();
        let _ = done.send(());
        output
    });
    if wait.recv_timeout(Duration::from_secs(90)).is_err() {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        panic!("the DevTools driver did not finish within 90 s");
    }
    let output = waiter.join().unwrap().expect("the driver ran");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "driver failed: {stderr}");
    serde_json::from_slice(&output.stdout).expect("JSON from the page")
}
