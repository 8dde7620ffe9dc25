//! `sse-inspect` against the `llm_server` example over loopback HTTP: a complete answer has
//! no problem; an answer cut inside an event has exactly the two a client would hit.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sse_inspect::{inspect_url, Options, ProblemKind, Request};
use sse_wire_hub::EventId;

#[allow(dead_code)]
#[path = "../examples/llm_server.rs"]
mod llm_server;
mod support;

use llm_server::{Config, ANSWER, RETRY};

/// Serves the example on a random port of 127.0.0.1; the server stops with the runtime.
fn serve() -> (tokio::runtime::Runtime, String) {
    let config = Config {
        token_delay: Duration::from_millis(5),
        ..Config::default()
    };
    support::serve(llm_server::router(config, Arc::new(Mutex::new(Vec::new()))))
}

fn post() -> Request {
    Request {
        method: "POST".into(),
        body: Some(br#"{"prompt":"Say hello"}"#.to_vec()),
        timeout: Duration::from_secs(30),
        ..Request::default()
    }
}

#[test]
fn a_complete_answer_has_no_problem() {
    let (_server, url) = serve();
    let report = inspect_url(
        &format!("{url}/v1/chat/completions"),
        &post(),
        &Options::default(),
    )
    .unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let http = report.http.as_ref().expect("an HTTP response");
    assert_eq!(http.status, 200);
    let events: Vec<_> = report.events().map(|(_, e)| e).collect();
    assert_eq!(events.len(), ANSWER.len() + 1);
    assert_eq!(events.last().unwrap().data(), "[DONE]");
    // The reconnection time in force is the server's, set by its opening block. The events
    // are the answer's 1 to 10 (the hub's ids, `{answer}-{epoch}-{seq}`).
    let last = EventId::parse(events.last().unwrap().id()).expect("a hub id");
    let first = EventId::parse(events[0].id()).expect("a hub id");
    assert_eq!(
        (first.stream(), first.epoch()),
        (last.stream(), last.epoch())
    );
    assert_eq!((first.seq(), last.seq()), (1, 10));
    assert_eq!(events[0].retry(), Some(RETRY));
}

#[test]
fn a_cut_answer_is_truncated_and_misses_its_end_marker() {
    let (_server, url) = serve();
    let report = inspect_url(
        &format!("{url}/v1/chat/completions?cut=3"),
        &post(),
        &Options::default(),
    )
    .unwrap();
    let kinds: Vec<ProblemKind> = report.problems.iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds,
        [ProblemKind::Truncated, ProblemKind::MissingSentinel],
        "{:?}",
        report.problems
    );
    assert_eq!(report.events().count(), 3);
}
