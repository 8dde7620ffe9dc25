//! The reconnect machine's watchdog over real loopback: a server on a random port of 127.0.0.1
//! sends two events, then stops writing but keeps the socket open (a hung server, or a NAT
//! that dropped the flow: nothing tells the client). `stream::reconnecting` over reqwest, with
//! `Config::idle_timeout`, must drop that connection after the timeout and come back with
//! `Last-Event-ID`, where the server sends the rest.
//!
//! No browser counterpart: an `EventSource` has no idle timeout and waits forever
//! (`browser_reconnect.rs` compares what it does have).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use futures_util::stream::{self, StreamExt};
use sse_wire::outcome::Signals;
use sse_wire::reconnect::{Config, Connect, Reconnect, Stopped, Verdict};
use sse_wire::sse::BytesDecoder;
use sse_wire::stream::{reconnecting, Opened};

mod support;

/// Each request's `Last-Event-ID`, and when it came.
type Seen = Arc<Mutex<Vec<(Option<String>, Instant)>>>;

async fn events(State(seen): State<Seen>, headers: HeaderMap) -> Response {
    let id = headers
        .get("last-event-id")
        .map(|v| v.to_str().unwrap().to_owned());
    seen.lock().unwrap().push((id.clone(), Instant::now()));
    let body = match id.as_deref() {
        // First connection: two events, then silence on an open socket.
        None => Body::from_stream(
            stream::iter([Ok::<_, std::io::Error>(
                "id: 1\ndata: a\n\nid: 2\ndata: b\n\n",
            )])
            .chain(stream::pending()),
        ),
        // Resumed after `2`: the rest, and the end marker.
        Some(_) => Body::from("id: 3\ndata: c\n\ndata: [DONE]\n\n"),
    };
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(body)
        .unwrap()
}

#[test]
fn a_silent_connection_is_dropped_and_resumed_with_last_event_id() {
    let seen: Seen = Arc::default();
    let app = Router::new()
        .route("/events", get(events))
        .with_state(seen.clone());
    let (_server, url) = support::serve(app);
    let url = format!("{url}/events");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut config = Config::new();
    config.idle_timeout = Some(Duration::from_millis(400));
    config.reconnection_time = Duration::from_millis(50);
    config.signals = Some(Signals::openai_chat());
    let client = reqwest::Client::new();
    let connect = |c: &Connect| {
        let mut headers = reqwest::header::HeaderMap::new();
        c.insert_headers(&mut headers);
        let response = client.get(&url).headers(headers).send();
        async move {
            let r = response.await?;
            let verdict = Verdict::of_response(r.status(), r.headers());
            Ok(Opened {
                verdict,
                body: r.bytes_stream(),
            })
        }
    };
    let start = Instant::now();
    let mut events = Box::pin(reconnecting(
        Reconnect::new(config),
        BytesDecoder::new(),
        connect,
        tokio::time::sleep,
        move || start.elapsed(),
    ));
    let data = runtime.block_on(async {
        let mut data = Vec::new();
        let read = async {
            while let Some(event) = events.next().await {
                data.push(
                    event
                        .expect("no error: the silent body ended between events")
                        .data()
                        .to_owned(),
                );
            }
        };
        tokio::time::timeout(Duration::from_secs(20), read)
            .await
            .expect("the watchdog reconnects well before 20 s");
        data
    });
    assert_eq!(data, ["a", "b", "c"]);
    assert_eq!(events.session().stopped(), Some(Stopped::Done));
    assert_eq!(events.session().reconnects(), 1);
    let seen = seen.lock().unwrap();
    let ids: Vec<_> = seen.iter().map(|(id, _)| id.as_deref()).collect();
    assert_eq!(ids, [None, Some("2")]);
    // The second request came after the idle timeout (400 ms) and the wait (50 ms).
    let gap = seen[1].1 - seen[0].1;
    assert!(gap >= Duration::from_millis(450), "{gap:?}");
}
