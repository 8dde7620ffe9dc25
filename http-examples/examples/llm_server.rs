//! An LLM-style streaming server on axum, with sse-wire's encoder behind every byte it sends.
//!
//! ```text
//! cargo run -p http-examples --example llm_server                      # on 127.0.0.1:8080
//! cargo run -p http-examples --example llm_server -- 127.0.0.1:0       # any free port
//! curl -N -X POST http://127.0.0.1:8080/v1/chat/completions            # the answer, token by token
//! curl -N -H 'Last-Event-ID: 4' http://127.0.0.1:8080/v1/chat/completions   # resume after token 4
//! ```
//!
//! Open `http://127.0.0.1:8080/` in a browser to watch an `EventSource` read a stream, lose its
//! connection, and resume it.
//!
//! * `POST /v1/chat/completions` streams the answer as OpenAI does: a `retry` block, one JSON
//!   chunk per token with its index as the event ID, keep-alive comments while the model
//!   "thinks", then `data: [DONE]`. `?cut=N` breaks the connection inside the event after
//!   token N, the way a proxy timeout does, so that clients can show they notice.
//! * `GET /v1/chat/completions` streams the same answer, starting after the token named by
//!   `Last-Event-ID`: what an `EventSource` asks for when it reconnects.
//! * `GET /` is a page whose `EventSource` reads `GET /browser/events`: multi-line data,
//!   non-ASCII text, event types and IDs; the first connection ends early, and the browser
//!   comes back, after the `retry` delay, with the `Last-Event-ID` of the last event it saw.
//!
//! The first line printed is `listening on http://ADDRESS`; `tests/` reads it.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use futures_util::stream::{self, StreamExt};
use sse_wire::http::{request_last_event_id, response_headers};
use sse_wire::stream::{encode_events, Message};

/// The answer every request gets, one token per event.
pub const ANSWER: [&str; 9] = ["Hel", "lo", ", ", "wör", "ld", "! ", "Ça ", "va", " ✓"];

/// The reconnection time the server asks clients to use.
pub const RETRY: Duration = Duration::from_millis(600);

/// How the server paces its answer.
#[derive(Debug, Clone)]
pub struct Config {
    /// The time between two tokens.
    pub token_delay: Duration,
    /// The silence after which a keep-alive comment goes out.
    pub keep_alive: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            token_delay: Duration::from_millis(40),
            keep_alive: Duration::from_secs(15),
        }
    }
}

/// One request to `GET /browser/events`, as the server saw it.
#[derive(Debug, Clone)]
pub struct Visit {
    /// When the request arrived.
    pub at: Instant,
    /// The `Last-Event-ID` it carried.
    pub last_event_id: Option<String>,
    /// When the server finished sending its response body.
    pub ended: Option<Instant>,
}

#[derive(Clone)]
struct App {
    config: Config,
    visits: Arc<Mutex<Vec<Visit>>>,
}

/// The server's routes. `visits` records every request of the browser stream.
pub fn router(config: Config, visits: Arc<Mutex<Vec<Visit>>>) -> Router {
    Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/v1/chat/completions", get(completion).post(completion))
        .route("/browser/events", get(browser_events))
        .with_state(App { config, visits })
}

/// `GET` or `POST /v1/chat/completions[?cut=N]`.
async fn completion(
    State(app): State<App>,
    Query(query): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    // A reconnecting client names the last token it has; the IDs are token numbers.
    let start = request_last_event_id(&headers)
        .and_then(|id| id.parse::<usize>().ok())
        .unwrap_or(0)
        .min(ANSWER.len());
    let cut = query.get("cut").and_then(|n| n.parse::<usize>().ok());
    let last = cut.unwrap_or(ANSWER.len()).min(ANSWER.len());
    let delay = app.config.token_delay;

    let opening = stream::iter([Message::new().retry(RETRY)]);
    let tokens = stream::iter(start..last).then(move |i| async move {
        tokio::time::sleep(delay).await;
        let chunk = serde_json::json!({ "choices": [{ "delta": { "content": ANSWER[i] } }] });
        Message::data(chunk.to_string()).id((i + 1).to_string())
    });
    // A cut answer ends without `[DONE]`; a complete one ends with it.
    let done = stream::iter(cut.is_none().then(|| Message::data("[DONE]")));
    let messages = opening.chain(tokens).chain(done);

    // Keep-alives: a comment whenever the answer was silent for a whole interval.
    let every = app.config.keep_alive;
    let ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let messages =
        tokio_stream::StreamExt::timeout_repeating(messages.map(Ok::<_, Infallible>), ticks)
            .map(|item| item.unwrap_or(Ok(Message::keep_alive())));

    let body = encode_events(messages).map(|piece| piece.map_err(std::io::Error::other));
    // The proxy timeout: half an event, then the end of the body.
    let torn = stream::iter(cut.map(|_| Ok(Bytes::from_static(b"data: {\"choices\":[{\"del"))));
    event_stream(Body::from_stream(body.chain(torn)))
}

/// `GET /browser/events`: what the page's `EventSource` reads, in two connections.
async fn browser_events(State(app): State<App>, headers: HeaderMap) -> Response {
    let last_event_id = request_last_event_id(&headers).map(str::to_owned);
    let first = last_event_id.is_none();
    let visit = {
        let mut visits = app.visits.lock().unwrap();
        visits.push(Visit {
            at: Instant::now(),
            last_event_id,
            ended: None,
        });
        visits.len() - 1
    };
    let messages = if first {
        vec![
            Message::new().retry(RETRY),
            Message::data("line one\nline two\n\nline four")
                .event("greeting")
                .id("b1"),
            Message::data("héllo wörld ✓ 日本語 🚀").id("b2"),
            Message::data("{\"n\":3}").event("token").id("b3"),
        ]
    } else {
        vec![
            Message::data("after the reconnection")
                .event("token")
                .id("b4"),
            Message::data("bye").event("end"),
        ]
    };
    let visits = app.visits.clone();
    let end = stream::once(async move {
        visits.lock().unwrap()[visit].ended = Some(Instant::now());
        // The first connection breaks inside an event: the browser must drop its half.
        first.then(|| Ok(Bytes::from_static(b"event: token\ndata: lost")))
    })
    .filter_map(|piece| async move { piece });
    let body = encode_events(stream::iter(messages).map(Ok::<_, Infallible>))
        .map(|piece| piece.map_err(std::io::Error::other))
        .chain(end);
    event_stream(Body::from_stream(body))
}

/// A response with sse-wire's event-stream headers (`Content-Type`, `Cache-Control`,
/// `X-Accel-Buffering`).
fn event_stream(body: Body) -> Response {
    (response_headers(), body).into_response()
}

/// The page `GET /` serves. `window.finished` resolves to everything the `EventSource`
/// dispatched, once the `end` event has arrived.
const PAGE: &str = r#"<!doctype html>
<meta charset="utf-8">
<title>sse-wire in a browser</title>
<pre id="log"></pre>
<script>
const received = [];
const show = (line) => { document.getElementById("log").textContent += line + "\n"; };
window.finished = new Promise((resolve) => {
  const source = new EventSource("/browser/events");
  const record = (event) => {
    received.push({ type: event.type, data: event.data, lastEventId: event.lastEventId, at: performance.now() });
    show(`${event.type}: ${JSON.stringify(event.data)} (id ${JSON.stringify(event.lastEventId)})`);
  };
  for (const type of ["message", "greeting", "token"]) source.addEventListener(type, record);
  source.addEventListener("open", () => received.push({ type: "open", readyState: source.readyState, at: performance.now() }));
  source.addEventListener("error", () => {
    received.push({ type: "error", readyState: source.readyState, at: performance.now() });
    show(`error: readyState ${source.readyState}`);
  });
  source.addEventListener("end", (event) => {
    record(event);
    source.close();
    resolve(received);
  });
});
</script>
"#;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr: SocketAddr = match std::env::args().nth(1) {
        Some(addr) => addr.parse().map_err(std::io::Error::other)?,
        None => SocketAddr::from(([127, 0, 0, 1], 8080)),
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let app = router(Config::default(), Arc::default());
    axum::serve(listener, app).await
}
