//! How a real `EventSource` reconnects, on seven streams: headless Chromium (Debian's
//! `chromium` package, driven by `tests/browser/cdp.mjs`) reads each stream of [`SCENARIOS`]
//! from a server on a random port of 127.0.0.1; the server records when each connection ended
//! and when, and with which `Last-Event-ID`, the browser came back.
//!
//! Each stream is also fed to sse-wire's client machine (`reconnect::Reconnect` over the
//! crate's decoder), which must ask for the same delay and the same `Last-Event-ID` as the
//! browser, and whose one deliberate difference (an ID no header can carry) is pinned too.
//!
//! Ignored by a plain `cargo test`: `.ci/run` installs `chromium` and runs it with `--ignored`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use futures_util::stream::{self, StreamExt};
use sse_wire::reconnect::{Action, Config as ReconnectConfig, Reconnect, UnsentId, Verdict};
mod support;

#[path = "browser/driver.rs"]
mod driver;

/// What sse-wire's client machine decided after a first body: the wait, then the next
/// request's `Last-Event-ID` and why an ID was not sent.
struct Decision {
    wait: Duration,
    last_event_id: Option<String>,
    unsent: Option<UnsentId>,
}

fn machine(first: &'static [u8]) -> Decision {
    let mut session = Reconnect::new(ReconnectConfig::new());
    let mut decoder = sse_wire::sse::BytesDecoder::new();
    let Some(Action::Connect(_)) = session.poll() else {
        panic!("the first request")
    };
    // The machine's clock: the body ends at `end`; the wait is its deadline less `end`.
    let end = Duration::from_secs(100);
    session.on_response(Verdict::of(200, Some(b"text/event-stream")), Duration::ZERO);
    decoder.push(Bytes::from_static(first));
    for item in &mut decoder {
        item.expect("within the limits");
    }
    session.on_body_end(&decoder, end);
    let (None, Some(deadline)) = (session.poll(), session.poll_timeout()) else {
        panic!("a wait after the body ended")
    };
    let wait = deadline - end;
    // An early wake (half the wait) neither connects nor moves the deadline.
    assert!(!session.handle_timeout(end + wait / 2));
    assert_eq!(
        (session.poll(), session.poll_timeout()),
        (None, Some(deadline))
    );
    assert!(!session.handle_timeout(deadline));
    decoder.reset();
    let Some(Action::Connect(next)) = session.poll() else {
        panic!("a reconnection")
    };
    Decision {
        wait,
        last_event_id: next.last_event_id.as_deref().map(str::to_owned),
        unsent: next.unsent_id,
    }
}

use driver::run_page;

/// One stream: what the first connection sends before it ends, and what the browser should do.
struct Scenario {
    name: &'static str,
    /// The first connection's body. The second connection sends `event: end` and the page
    /// closes its `EventSource`.
    first: &'static [u8],
    /// The reconnection time the first body sets, as sse-wire's decoder reads it.
    retry: Duration,
    /// Chromium's reconnection time where it reads the body otherwise; `None`: the same.
    browser_retry: Option<Duration>,
    /// What the browser does when the first connection ends.
    then: Then,
}

enum Then {
    /// It comes back after `retry`, with this `Last-Event-ID` (as bytes; `None`: no header).
    Reconnects {
        last_event_id: Option<&'static [u8]>,
    },
    /// It closes the `EventSource` for good and never sends a second request.
    Closes,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "retry-300",
        first: b"retry: 300\nid: r1\ndata: one\n\n",
        retry: Duration::from_millis(300),
        browser_retry: None,
        then: Then::Reconnects {
            last_event_id: Some(b"r1"),
        },
    },
    Scenario {
        // A `retry` block without data, then an event: the time is set all the same.
        name: "retry-block-1200",
        first: b"retry: 1200\n\nid: r2\ndata: two\n\n",
        retry: Duration::from_millis(1200),
        browser_retry: None,
        then: Then::Reconnects {
            last_event_id: Some(b"r2"),
        },
    },
    Scenario {
        // An `id` field with no value resets the last event ID: no header at all.
        name: "id-reset",
        first: b"retry: 300\nid: 7\ndata: a\n\nid\ndata: b\n\n",
        retry: Duration::from_millis(300),
        browser_retry: None,
        then: Then::Reconnects {
            last_event_id: None,
        },
    },
    Scenario {
        // A non-ASCII ID travels as its UTF-8 bytes.
        name: "id-non-ascii",
        first: "retry: 300\nid: é-7\ndata: a\n\n".as_bytes(),
        retry: Duration::from_millis(300),
        browser_retry: None,
        then: Then::Reconnects {
            last_event_id: Some("é-7".as_bytes()),
        },
    },
    Scenario {
        // The last `retry` wins; an invalid one (`1000x`) is ignored.
        name: "retry-invalid-ignored",
        first: b"retry: 900\nretry: 1000x\nid: r5\ndata: five\n\n",
        retry: Duration::from_millis(900),
        browser_retry: None,
        then: Then::Reconnects {
            last_event_id: Some(b"r5"),
        },
    },
    Scenario {
        // An empty `retry` value: the decoder ignores the field (the value is not a number);
        // Blink's parser instead restores its default of 3 s, a second pinned difference.
        name: "retry-empty",
        first: b"retry: 300\nretry:\nid: r6\ndata: six\n\n",
        retry: Duration::from_millis(300),
        browser_retry: Some(BROWSER_DEFAULT_RETRY),
        then: Then::Reconnects {
            last_event_id: Some(b"r6"),
        },
    },
    Scenario {
        // An ID with a control byte cannot be a header value. Chromium keeps it as the last
        // event ID, fails to build the reconnection request, and closes the EventSource for
        // good (an `error` in CONNECTING, then one in CLOSED).
        name: "id-unsendable",
        first: b"retry: 300\nid: a\x01b\ndata: one\n\n",
        retry: Duration::from_millis(300),
        browser_retry: None,
        then: Then::Closes,
    },
];

/// Chromium's reconnection time when a stream sets none (`kDefaultReconnectDelay`, 3000 ms, in
/// Blink's `event_source.cc`).
const BROWSER_DEFAULT_RETRY: Duration = Duration::from_millis(3000);

/// One request of a scenario's stream.
#[derive(Debug, Clone)]
struct Visit {
    at: Instant,
    last_event_id: Option<Vec<u8>>,
    ended: Option<Instant>,
}

type Visits = Arc<Mutex<HashMap<String, Vec<Visit>>>>;

async fn events(
    State(visits): State<Visits>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let scenario = SCENARIOS.iter().find(|s| s.name == name).expect("known");
    let index = {
        let mut all = visits.lock().unwrap();
        let list = all.entry(name.clone()).or_default();
        list.push(Visit {
            at: Instant::now(),
            last_event_id: headers.get("last-event-id").map(|v| v.as_bytes().to_vec()),
            ended: None,
        });
        list.len() - 1
    };
    let body: &'static [u8] = if index == 0 {
        scenario.first
    } else {
        b"event: end\ndata: bye\n\n"
    };
    let end = stream::once(async move {
        visits.lock().unwrap().get_mut(&name).unwrap()[index].ended = Some(Instant::now());
    })
    .filter_map(|()| async { None });
    let body = stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(body))]).chain(end);
    let mut response = Body::from_stream(body).into_response();
    sse_wire::http::insert_response_headers(response.headers_mut());
    response
}

/// Runs every scenario in turn, each with a new `EventSource`; resolves to what each saw.
const PAGE: &str = r#"<!doctype html>
<meta charset="utf-8">
<script>
const names = NAMES;
const run = (name) => new Promise((resolve) => {
  const seen = [];
  const source = new EventSource(`/s/${name}/events`);
  const record = (event) => seen.push({ type: event.type, data: event.data, lastEventId: event.lastEventId });
  source.addEventListener("message", record);
  source.addEventListener("error", () => {
    seen.push({ type: "error", readyState: source.readyState });
    if (source.readyState === EventSource.CLOSED) resolve({ name, seen, closed: true });
  });
  source.addEventListener("end", (event) => { record(event); source.close(); resolve({ name, seen }); });
  // A browser that never comes back would hang the run: give up after 8 s.
  setTimeout(() => { source.close(); resolve({ name, seen, gaveUp: true }); }, 8000);
});
window.finished = (async () => {
  const results = [];
  for (const name of names) results.push(await run(name));
  return results;
})();
</script>
"#;

#[test]
#[ignore = "needs Debian's chromium and Node.js: .ci/run installs chromium and runs it with --ignored"]
fn chromium_and_the_client_machine_reconnect_alike() {
    let visits: Visits = Arc::default();
    let names: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
    let page = PAGE.replace("NAMES", &serde_json::to_string(&names).unwrap());
    let app = Router::new()
        .route("/", get(move || async move { Html(page) }))
        .route("/s/{name}/events", get(events))
        .with_state(visits.clone());
    let (runtime, url) = support::serve(app);

    let received = run_page(&format!("{url}/"));
    runtime.shutdown_timeout(Duration::from_secs(5));
    let visits = visits.lock().unwrap().clone();

    let results = &received;
    assert_eq!(results.len(), SCENARIOS.len());
    for (scenario, result) in SCENARIOS.iter().zip(results) {
        let name = scenario.name;
        assert_eq!(result["name"], name);
        assert!(result["gaveUp"].is_null(), "{name}: {result}");
        let visits = &visits[name];
        assert_eq!(visits[0].last_event_id, None, "{name}");
        let seen = result["seen"].as_array().unwrap();
        let kinds: Vec<&str> = seen.iter().map(|e| e["type"].as_str().unwrap()).collect();
        let machine = machine(scenario.first);
        match scenario.then {
            Then::Reconnects { last_event_id } => {
                // The machine waits the same time and sends the same ID as the browser.
                assert_eq!(machine.wait, scenario.retry, "{name}: the machine's delay");
                assert_eq!(
                    machine.last_event_id.as_deref().map(str::as_bytes),
                    last_event_id,
                    "{name}: the machine's Last-Event-ID"
                );
                assert_eq!(machine.unsent, None, "{name}");
                assert_eq!(visits.len(), 2, "{name}: one reconnection: {visits:?}");
                assert_eq!(
                    visits[1].last_event_id.as_deref(),
                    last_event_id,
                    "{name}: the Last-Event-ID the browser sent"
                );
                let delay = visits[1].at - visits[0].ended.expect("the first body ended");
                let retry = scenario.browser_retry.unwrap_or(scenario.retry);
                assert!(
                    delay >= retry,
                    "{name}: came back after {delay:?}, before the retry of {retry:?}"
                );
                assert!(
                    delay < retry + Duration::from_millis(1500),
                    "{name}: came back after {delay:?}, long after the retry of {retry:?}"
                );
                // The browser's own view: events, one error in CONNECTING, then the end.
                assert_eq!(kinds.last(), Some(&"end"), "{name}: {seen:?}");
                let error = seen
                    .iter()
                    .find(|e| e["type"] == "error")
                    .expect("an error");
                assert_eq!(error["readyState"], 0, "{name}: reconnecting, not closed");
            }
            Then::Closes => {
                // The one difference: the machine does not give up. It reconnects after the
                // same delay without `Last-Event-ID` (so the server starts the stream afresh)
                // and says why, so that a caller who wants the browser's behaviour stops.
                assert_eq!(machine.wait, scenario.retry, "{name}: the machine's delay");
                assert_eq!(machine.last_event_id, None, "{name}");
                assert!(
                    matches!(
                        machine.unsent,
                        Some(UnsentId::Control { byte: 0x01, at: 1 })
                    ),
                    "{name}: {:?}",
                    machine.unsent
                );
                assert_eq!(visits.len(), 1, "{name}: no reconnection: {visits:?}");
                assert_eq!(result["closed"], true, "{name}: {result}");
                assert_eq!(kinds, ["message", "error", "error"], "{name}: {seen:?}");
                assert_eq!(seen[1]["readyState"], 0, "{name}");
                assert_eq!(seen[2]["readyState"], 2, "{name}");
            }
        }
    }
}
