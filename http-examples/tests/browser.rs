//! A real `EventSource`: headless Chromium (Debian's `chromium` package) opens the page of the
//! `llm_server` example, driven over the DevTools protocol by `tests/browser/cdp.mjs` under
//! Node.js. The test asserts exactly what the browser dispatched (multi-line data, non-ASCII
//! text, event types, IDs, an unfinished event dropped at the connection's end) and how it came
//! back: one reconnection, with the `Last-Event-ID` of the last event it saw, after the
//! reconnection time the stream set with `retry`.
//!
//! Ignored by a plain `cargo test`, because it needs a browser: `.ci/run` installs `chromium`
//! with apt-get and runs it with `cargo test -p http-examples --test browser -- --ignored`.
//! `SSE_WIRE_CHROMIUM` names another binary.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

#[allow(dead_code)]
#[path = "../examples/llm_server.rs"]
mod llm_server;

use llm_server::{Config, Visit, ANSWER, RETRY};

mod support;

#[path = "browser/driver.rs"]
mod driver;

use driver::run_page;

/// Chromium's reconnection time when a stream sets none (`kDefaultReconnectDelay`, 3000 ms, in
/// Blink's `event_source.cc`). A delay below it shows the browser took the stream's `retry`.
const BROWSER_DEFAULT_RETRY: Duration = Duration::from_millis(3000);

/// Serves the example's routes on a random port of 127.0.0.1; returns the base URL with a
/// final `/`.
fn serve(config: Config) -> (tokio::runtime::Runtime, String, Arc<Mutex<Vec<Visit>>>) {
    let visits: Arc<Mutex<Vec<Visit>>> = Arc::default();
    let (runtime, url) = support::serve(llm_server::router(config, visits.clone()));
    (runtime, format!("{url}/"), visits)
}

#[test]
#[ignore = "needs Debian's chromium and Node.js: .ci/run installs chromium and runs it with --ignored"]
fn a_real_event_source_resumes_an_answer_and_gets_every_token_once() {
    let config = Config {
        token_delay: Duration::from_millis(5),
        ..Config::default()
    };
    let (runtime, url, visits) = serve(config);
    let seen = run_page(&format!("{url}resume"));
    runtime.shutdown_timeout(Duration::from_secs(5));

    // Four tokens, the broken connection (readyState CONNECTING), then the rest: every token
    // once, in order, with the IDs of one answer (the hub's `{answer}-{epoch}-{seq}`, read off
    // the first token's).
    let first = seen[0]["lastEventId"].as_str().expect("an id");
    let answer = first.strip_suffix("-1").expect("token 1's id");
    let mut want: Vec<Value> = (0..ANSWER.len())
        .map(|i| serde_json::json!({ "type": "token", "token": ANSWER[i], "lastEventId": format!("{answer}-{}", i + 1) }))
        .collect();
    want.insert(4, serde_json::json!({ "type": "error", "readyState": 0 }));
    assert_eq!(seen, want);
    // The browser asked for the answer once, and resumed it once, after its fourth token.
    let requests: Vec<(String, Option<String>)> = visits
        .lock()
        .unwrap()
        .iter()
        .map(|v| (v.request.clone(), v.last_event_id.clone()))
        .collect();
    assert_eq!(
        requests,
        [
            ("GET /v1/chat/completions".into(), None),
            (
                "GET /v1/chat/completions".into(),
                Some(format!("{answer}-4"))
            ),
        ]
    );
}

#[test]
#[ignore = "needs Debian's chromium and Node.js: .ci/run installs chromium and runs it with --ignored"]
fn a_real_event_source_reads_every_field_and_reconnects_after_retry_with_last_event_id() {
    let (runtime, url, visits) = serve(Config::default());
    let received = run_page(&url);
    runtime.shutdown_timeout(Duration::from_secs(5));

    // What the page's listeners saw, in order. `at` is the page's clock, checked below.
    let seen: Vec<(String, Value, Value)> = received
        .iter()
        .map(|r| {
            let kind = r["type"].as_str().unwrap().to_owned();
            match kind.as_str() {
                "open" | "error" => (kind, r["readyState"].clone(), Value::Null),
                _ => (kind, r["data"].clone(), r["lastEventId"].clone()),
            }
        })
        .collect();
    let text = |s: &str| Value::String(s.to_owned());
    let want = vec![
        ("open".into(), Value::from(1), Value::Null),
        (
            "greeting".into(),
            text("line one\nline two\n\nline four"),
            text("b1"),
        ),
        (
            "message".into(),
            text("héllo wörld ✓ 日本語 🚀"),
            text("b2"),
        ),
        ("token".into(), text("{\"n\":3}"), text("b3")),
        // The connection ended inside `event: token / data: lost`: that event is dropped and
        // the browser reconnects (readyState CONNECTING).
        ("error".into(), Value::from(0), Value::Null),
        ("open".into(), Value::from(1), Value::Null),
        ("token".into(), text("after the reconnection"), text("b4")),
        // No `id` field: the last event ID stays b4.
        ("end".into(), text("bye"), text("b4")),
    ];
    assert_eq!(seen, want, "the page saw: {received:#?}");

    // The server's view of the reconnection: the ID the browser sent, and when it came back.
    let visits: Vec<Visit> = visits
        .lock()
        .unwrap()
        .iter()
        .filter(|v| v.request == "GET /browser/events")
        .cloned()
        .collect();
    assert_eq!(
        visits.len(),
        2,
        "one reconnection, then close(): {visits:?}"
    );
    assert_eq!(visits[0].last_event_id, None);
    assert_eq!(visits[1].last_event_id.as_deref(), Some("b3"));
    let ended = visits[0].ended.expect("the first response ended");
    let delay = visits[1].at - ended;
    assert!(
        delay >= RETRY,
        "the browser came back after {delay:?}, before the stream's retry of {RETRY:?}"
    );
    assert!(
        delay < BROWSER_DEFAULT_RETRY,
        "the browser came back after {delay:?}: it did not use the stream's retry of {RETRY:?}"
    );
    // The page's own clock agrees: from the error event to the second open.
    let at = |i: usize| received[i]["at"].as_f64().unwrap();
    let page_delay = Duration::from_secs_f64((at(5) - at(4)) / 1000.0);
    assert!(
        page_delay >= RETRY - Duration::from_millis(20),
        "the page reopened {page_delay:?} after its error event"
    );
}
