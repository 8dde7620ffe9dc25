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
//! connection, and come back; `http://127.0.0.1:8080/resume` to watch one resume an answer.
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

#![forbid(unsafe_code)]

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use futures_util::stream::{self, StreamExt};
use sse_wire::http::{insert_response_headers, last_event_id};
use sse_wire::replay::mcp::Streams;
use sse_wire::replay::{Cursor, Unknown};
use sse_wire::sse::OutEvent;
use sse_wire::stream::{encode_events, Message};
use tokio::sync::watch;

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

/// One request to an event stream, as the server saw it.
#[derive(Debug, Clone)]
pub struct Visit {
    /// `"GET /browser/events"`, `"POST /v1/chat/completions"`, ...
    pub request: String,
    /// When the request arrived.
    pub at: Instant,
    /// The `Last-Event-ID` it carried.
    pub last_event_id: Option<String>,
    /// When the server finished sending its response body.
    pub ended: Option<Instant>,
}

/// Every answer's log, kept for clients that resume. (A real server would drop finished
/// answers after a while; `replay::Bounds` caps each log.)
#[derive(Default)]
struct Answers {
    /// One log per answer; event IDs are `{answer}-{seq}`.
    streams: Streams,
    /// The answers whose `[DONE]` is in their log.
    finished: HashSet<String>,
    /// The number of answers started.
    next: u64,
}

#[derive(Clone)]
struct App {
    config: Config,
    visits: Arc<Mutex<Vec<Visit>>>,
    answers: Arc<Mutex<Answers>>,
    /// Bumped after every push to any log: the connections waiting for frames wake up.
    pushed: Arc<watch::Sender<u64>>,
}

/// The server's routes. `visits` records every request of an event stream.
pub fn router(config: Config, visits: Arc<Mutex<Vec<Visit>>>) -> Router {
    Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/resume", get(|| async { Html(RESUME_PAGE) }))
        .route("/v1/chat/completions", get(completion).post(completion))
        .route("/browser/events", get(browser_events))
        .with_state(App {
            config,
            visits,
            answers: Arc::default(),
            pushed: Arc::new(watch::Sender::new(0)),
        })
}

/// `POST /v1/chat/completions[?cut=N]` and `GET` without `Last-Event-ID` start an answer;
/// `GET` with `Last-Event-ID` resumes one.
async fn completion(
    State(app): State<App>,
    method: axum::http::Method,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    app.visits.lock().unwrap().push(Visit {
        request: format!("{method} /v1/chat/completions"),
        at: Instant::now(),
        last_event_id: last_event_id(&headers).map(str::to_owned),
        ended: None,
    });
    let (answer, cursor, opening, cut) = match last_event_id(&headers) {
        // A client that lost its connection: the rest of its answer, from the answer's log.
        Some(id) => {
            let answers = app.answers.lock().unwrap();
            match answers.streams.cursor_after(id) {
                Ok((answer, cursor)) => {
                    let log = answers.streams.log(answer).expect("the answer's log");
                    if answers.finished.contains(answer) && cursor.position() == log.seqs().end {
                        // It has the whole answer: 204 tells an EventSource to stop for good.
                        return StatusCode::NO_CONTENT.into_response();
                    }
                    (answer.to_owned(), cursor, None, None)
                }
                // Evicted or never issued: say so, rather than an empty stream that a client
                // would reconnect to forever.
                Err(Unknown) => {
                    return (StatusCode::NOT_FOUND, "unknown or expired answer").into_response()
                }
            }
        }
        None => {
            let (answer, priming, cursor) = start_answer(&app);
            let cut = query.get("cut").and_then(|n| n.parse::<usize>().ok());
            (answer, cursor, Some(priming), cut)
        }
    };

    // The connection reads the answer's log from its cursor: every frame was encoded once,
    // when the answer's task pushed it, and is shared by every connection that sends it.
    let state = (
        app.clone(),
        answer,
        cursor,
        app.pushed.subscribe(),
        0,
        false,
    );
    let frames = stream::unfold(
        state,
        move |(app, answer, mut cursor, mut pushed, sent, done)| async move {
            loop {
                if done || cut == Some(sent) {
                    return None;
                }
                let frame = {
                    let answers = app.answers.lock().unwrap();
                    answers.streams.log(&answer)?.read(&mut cursor).ok()?
                };
                match frame {
                    Some(frame) => {
                        let done = frame.ends_with(b"data: [DONE]\n\n");
                        let state = (app, answer, cursor, pushed, sent + 1, done);
                        return Some((frame, state));
                    }
                    // Nothing new yet: sleep until the answer's task pushes more.
                    None => pushed.changed().await.ok()?,
                }
            }
        },
    );
    let frames = stream::iter(opening).chain(frames);

    // Keep-alives: a comment whenever the answer was silent for a whole interval.
    let every = app.config.keep_alive;
    let ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let frames = tokio_stream::StreamExt::timeout_repeating(frames, ticks)
        .map(|frame| Ok::<_, Infallible>(frame.unwrap_or(Bytes::from_static(b":\n"))));

    // The proxy timeout: after `cut` tokens, half an event, then the end of the connection. The
    // answer's task goes on: the client can resume.
    let torn = stream::iter(cut.map(|_| Ok(Bytes::from_static(b"data: {\"choices\":[{\"del"))));
    event_stream(Body::from_stream(frames.chain(torn)))
}

/// Opens a new answer's log and starts the task that generates it; returns the answer's name,
/// its priming event (an ID and `retry`, no data), and a cursor after that event.
fn start_answer(app: &App) -> (String, Bytes, Cursor) {
    let (answer, priming, cursor) = {
        let mut answers = app.answers.lock().unwrap();
        answers.next += 1;
        let answer = format!("a{}", answers.next);
        let priming = answers.streams.open(&answer, RETRY).expect("a new answer");
        let (_, cursor) = answers
            .streams
            .cursor_after(&format!("{answer}-0"))
            .unwrap();
        (answer, priming, cursor)
    };
    let (app, name, delay) = (app.clone(), answer.clone(), app.config.token_delay);
    tokio::spawn(async move {
        let push = |data: &str, last: bool| {
            let mut answers = app.answers.lock().unwrap();
            answers
                .streams
                .push(&name, OutEvent::new().data(data))
                .unwrap();
            if last {
                answers.finished.insert(name.clone());
            }
            drop(answers);
            app.pushed.send_modify(|pushes| *pushes += 1);
        };
        for token in ANSWER {
            tokio::time::sleep(delay).await;
            let chunk = serde_json::json!({ "choices": [{ "delta": { "content": token } }] });
            push(&chunk.to_string(), false);
        }
        push("[DONE]", true);
    });
    (answer, priming, cursor)
}

/// `GET /browser/events`: what the page's `EventSource` reads, in two connections.
async fn browser_events(State(app): State<App>, headers: HeaderMap) -> Response {
    let last_event_id = last_event_id(&headers).map(str::to_owned);
    let first = last_event_id.is_none();
    let visit = {
        let mut visits = app.visits.lock().unwrap();
        visits.push(Visit {
            request: "GET /browser/events".into(),
            at: Instant::now(),
            last_event_id,
            ended: None,
        });
        visits.len() - 1
    };
    let messages = if first {
        vec![
            Message::new().retry(RETRY),
            Message::new()
                .data("line one\nline two\n\nline four")
                .event_type("greeting")
                .id("b1"),
            Message::new().data("héllo wörld ✓ 日本語 🚀").id("b2"),
            Message::new()
                .data("{\"n\":3}")
                .event_type("token")
                .id("b3"),
        ]
    } else {
        vec![
            Message::new()
                .data("after the reconnection")
                .event_type("token")
                .id("b4"),
            Message::new().data("bye").event_type("end"),
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
    let mut response = body.into_response();
    insert_response_headers(response.headers_mut());
    response
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

/// The page `GET /resume` serves: an `EventSource` reads an answer whose first connection breaks
/// after four tokens (`?cut=4`), resumes it, and closes at `[DONE]`. `window.finished` resolves
/// to every event and error it saw.
const RESUME_PAGE: &str = r#"<!doctype html>
<meta charset="utf-8">
<title>sse-wire: a resumed answer</title>
<pre id="answer"></pre>
<script>
window.finished = new Promise((resolve) => {
  const seen = [];
  const source = new EventSource("/v1/chat/completions?cut=4");
  source.addEventListener("error", () => seen.push({ type: "error", readyState: source.readyState }));
  source.addEventListener("message", (event) => {
    if (event.data === "[DONE]") {
      source.close();
      resolve(seen);
      return;
    }
    const token = JSON.parse(event.data).choices[0].delta.content;
    seen.push({ type: "token", token, lastEventId: event.lastEventId });
    document.getElementById("answer").textContent += token;
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
