//! An LLM-style streaming server on axum and sse-wire-hub: each answer is generated once, by a
//! task of its own, into the hub, which keeps it (in memory, or in Redis) and serves it to any
//! number of responses, from its start or resumed after a `Last-Event-ID`.
//!
//! ```text
//! cargo run -p http-examples --example llm_server                      # on 127.0.0.1:8080
//! cargo run -p http-examples --example llm_server -- 127.0.0.1:0       # any free port
//! curl -N -X POST http://127.0.0.1:8080/v1/chat/completions            # the answer, token by token
//! curl -N -H 'Last-Event-ID: a…-4' http://127.0.0.1:8080/v1/chat/completions  # resume after token 4
//!
//! # Two hosts sharing one Redis: an answer started on one resumes on the other.
//! cargo run -p http-examples --example llm_server -- 127.0.0.1:8080 --redis redis://127.0.0.1:6379
//! cargo run -p http-examples --example llm_server -- 127.0.0.1:8081 --redis redis://127.0.0.1:6379
//! ```
//!
//! Open `http://127.0.0.1:8080/` in a browser to watch an `EventSource` read a stream, lose its
//! connection, and come back; `http://127.0.0.1:8080/resume` to watch one resume an answer.
//!
//! * `POST /v1/chat/completions` starts an answer and streams it as OpenAI does: an opening
//!   block (the answer's first id and `retry`, nothing dispatched: a client can resume before
//!   the first token), one JSON chunk per token, keep-alive comments while the model "thinks",
//!   then `data: [DONE]`. The answer goes on being generated when the client drops. `?cut=N`
//!   breaks the connection inside the event after token N, the way a proxy timeout does, so
//!   that clients can show they notice.
//! * `GET /v1/chat/completions` with `Last-Event-ID` (what an `EventSource` sends when it
//!   reconnects) resumes the answer that id names, here or on another host with `--redis`:
//!   200 and the rest; 204 once the client has it all (an `EventSource` stops for good); 400
//!   for a malformed id, 404 for an answer never issued (or another scope's), 410 when the
//!   tokens after it were evicted, 503 while the store is down or the server shuts down.
//!   Without `Last-Event-ID` it starts an answer, as the POST does.
//! * `GET /` is a page whose `EventSource` reads `GET /browser/events`: multi-line data,
//!   non-ASCII text, event types and IDs; the first connection ends early, and the browser
//!   comes back, after the `retry` delay, with the `Last-Event-ID` of the last event it saw.
//! * Ctrl-C (or SIGTERM): every open response gets `retry` and ends after a whole event; its
//!   client resumes (with `--redis`, on another host). An answer this host was generating
//!   stops there (`hub/examples/hub_server.rs` shows another host taking it over).
//!
//! Event ids are the hub's, `{answer}-{epoch}-{seq}`: `seq` 0 is the opening block, tokens are
//! 1 to 9, `[DONE]` is 10. The scope is the `x-scope` header (default `public`): an id resolves
//! only in the scope its answer lives in; a real server takes the scope from its
//! authentication.
//!
//! Flags: `ADDRESS` (default 127.0.0.1:8080), `--redis URL` (the Redis Streams store; without
//! it, memory), `--token-delay-ms N`.
//!
//! **The resumable endpoint is 36 lines** of user code: the non-blank, non-comment lines
//! (`//` and `///` lines left out) between the two `// ----` markers below, which hold `hub`
//! (the hub's settings: the opening block's `retry`, keep-alive, the `retry` sent at
//! shutdown), `completion` (the POST and GET handler: scope, resume, 204 and error statuses,
//! opening an answer, starting its generation) and its two helpers `status` and
//! `event_stream`. Outside the count: the token generator (`generate`, `publish`), the routes,
//! the test hooks (`record`, `?cut=N`), the browser pages and `main` (flags, the store,
//! Ctrl-C). `tests/examples.rs` recounts them.
//!
//! The first line printed is `listening on http://ADDRESS`; `tests/` reads it.

#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::hash::{BuildHasher, RandomState};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use futures_util::stream::{self, StreamExt};
use sse_wire::http::{insert_response_headers, last_event_id};
use sse_wire::stream::{encode_events, Message};
use sse_wire_hub::{
    Hub, HubError, MemoryStore, OutEvent, PublishError, Resumed, Scope, Since, Store,
};

/// The answer every request gets, one token per event.
pub const ANSWER: [&str; 9] = ["Hel", "lo", ", ", "wör", "ld", "! ", "Ça ", "va", " ✓"];

/// The reconnection time the server asks clients to use (in every answer's opening block, and
/// at shutdown).
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

#[derive(Clone)]
struct App {
    hub: Hub,
    config: Config,
    visits: Arc<Mutex<Vec<Visit>>>,
}

/// The server's routes, on a hub in memory. `visits` records every request of an event stream.
pub fn router(config: Config, visits: Arc<Mutex<Vec<Visit>>>) -> Router {
    router_on(hub(MemoryStore::new(), &config), config, visits)
}

/// The server's routes on `hub` (see [`hub`]).
pub fn router_on(hub: Hub, config: Config, visits: Arc<Mutex<Vec<Visit>>>) -> Router {
    Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/resume", get(|| async { Html(RESUME_PAGE) }))
        .route(
            "/v1/chat/completions",
            get(completion)
                .post(completion)
                .route_layer(from_fn(cut))
                .route_layer(from_fn_with_state(visits.clone(), record)),
        )
        .route("/browser/events", get(browser_events))
        .with_state(App {
            hub,
            config,
            visits,
        })
}

/// Records a request of the answer route in `visits` (the tests read them).
async fn record(
    State(visits): State<Arc<Mutex<Vec<Visit>>>>,
    request: Request,
    next: Next,
) -> Response {
    visits.lock().unwrap().push(Visit {
        request: format!("{} {}", request.method(), request.uri().path()),
        at: Instant::now(),
        last_event_id: last_event_id(request.headers()).map(str::to_owned),
        ended: None,
    });
    next.run(request).await
}

// ---- The resumable endpoint: the lines counted (see the module docs). ----

/// The hub this server runs on, over `store`: every answer opens with `retry` ([`RETRY`]),
/// idle responses get keep-alive comments, and responses end with `retry` at shutdown.
pub fn hub(store: impl Store, config: &Config) -> Hub {
    let mut settings = sse_wire_hub::Config::default();
    (settings.opening_retry, settings.shutdown_retry) = (Some(RETRY), RETRY);
    settings.keep_alive = Some(config.keep_alive);
    Hub::with_config(store, settings)
}

/// `POST /v1/chat/completions`, and `GET` without `Last-Event-ID`, start an answer; `GET` with
/// `Last-Event-ID` resumes one.
async fn completion(State(app): State<App>, headers: HeaderMap) -> Response {
    // A real server takes the scope from the request's authentication.
    let scope = headers.get("x-scope").and_then(|v| v.to_str().ok());
    let Ok(scope) = app.hub.scope(scope.unwrap_or("public")) else {
        return status(400);
    };
    if let Some(id) = last_event_id(&headers) {
        return match scope.resume(id).await {
            Ok(Resumed::Body(rest)) => event_stream(Body::from_stream(rest)),
            // The client has the whole answer: 204 tells an EventSource to stop for good.
            Ok(Resumed::Complete) => status(204),
            // Malformed 400, unknown or never issued 404, evicted 410, store down 503: never
            // an empty stream that a client would reconnect to forever.
            Err(e) => status(e.status()),
        };
    }
    let answer = format!("a{:016x}", RandomState::new().hash_one(SystemTime::now()));
    if scope.open(&answer).await.is_err() {
        return status(503); // the store is down, or the server is shutting down
    }
    let Ok(body) = scope.subscribe(&answer, Since::Start).await else {
        return status(503);
    };
    // Generated by a task of its own: it goes on when the client drops.
    tokio::spawn(generate(scope, answer, app.config.token_delay));
    event_stream(Body::from_stream(body))
}

/// A response with no body and the status `code`.
fn status(code: u16) -> Response {
    StatusCode::from_u16(code).unwrap().into_response() // the hub's statuses are all valid
}

/// A response with sse-wire's event-stream headers (`Content-Type`, `Cache-Control`,
/// `X-Accel-Buffering`).
fn event_stream(body: Body) -> Response {
    let mut response = body.into_response();
    insert_response_headers(response.headers_mut());
    response
}

// ---- End of the counted lines. ----

/// The test hook `?cut=N` on a request that starts an answer, a proxy timeout: after `N`
/// tokens, half an event, then the end of the response. The answer's task goes on: the client
/// can resume.
async fn cut(
    Query(query): Query<HashMap<String, String>>,
    request: Request,
    next: Next,
) -> Response {
    let cut = query.get("cut").and_then(|n| n.parse::<usize>().ok());
    let cut = cut.filter(|_| last_event_id(request.headers()).is_none());
    let response = next.run(request).await;
    match cut {
        Some(n) => response.map(|body| cut_after(n, body)),
        None => response,
    }
}

/// `body` (an answer's frames, one per chunk) cut inside the event after token `n`.
fn cut_after(n: usize, body: Body) -> Body {
    let frames = stream::unfold(
        (body.into_data_stream(), n),
        |(mut body, left)| async move {
            if left == 0 {
                return None;
            }
            let frame = body.next().await?.ok()?;
            let token = frame.windows(7).any(|w| w == b"\ndata: ");
            Some((frame, (body, left - usize::from(token))))
        },
    );
    let torn = stream::once(async { Bytes::from_static(b"data: {\"choices\":[{\"del") });
    Body::from_stream(frames.chain(torn).map(Ok::<_, Infallible>))
}

/// The "model": one OpenAI-style JSON chunk per token, `[DONE]`, then the answer's end.
async fn generate(scope: Scope, answer: String, delay: Duration) {
    for (seq, token) in (1..).zip(ANSWER) {
        tokio::time::sleep(delay).await;
        let chunk = serde_json::json!({ "choices": [{ "delta": { "content": token } }] });
        if !publish(&scope, &answer, seq, &chunk.to_string()).await {
            return;
        }
    }
    if publish(&scope, &answer, ANSWER.len() as u64 + 1, "[DONE]").await {
        while let Err(HubError::Store(_)) = scope.close(&answer).await {
            tokio::time::sleep(RETRY).await;
        }
    }
}

/// Publishes event `seq` of `answer` exactly once; `false` when the hub refuses it (shutting
/// down, the answer removed). A store error (Redis down) may have lost only the reply:
/// `publish_at` the same number again tells a kept event from a lost one.
async fn publish(scope: &Scope, answer: &str, seq: u64, data: &str) -> bool {
    loop {
        match scope
            .publish_at(answer, seq, &OutEvent::new().data(data))
            .await
        {
            Ok(_) => return true,
            Err(PublishError::Store(_)) => tokio::time::sleep(RETRY).await,
            Err(PublishError::Conflict { next, .. }) => return next == seq + 1, // kept before
            Err(_) => return false,
        }
    }
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
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 8080));
    let (mut redis, mut config) = (None, Config::default());
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--redis" => redis = Some(args.next().ok_or("--redis URL")?),
            "--token-delay-ms" => {
                let ms = args.next().ok_or("--token-delay-ms N")?.parse()?;
                config.token_delay = Duration::from_millis(ms);
            }
            _ => addr = arg.parse()?,
        }
    }
    let hub = match redis {
        Some(url) => {
            let store = sse_wire_hub::RedisStore::connect(&url, Default::default()).await?;
            hub(store, &config)
        }
        None => hub(MemoryStore::new(), &config),
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let app = router_on(hub.clone(), config, Arc::default());
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let shutdown = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
        // Every open response gets `retry` and ends after a whole event; then the server stops.
        let _ = tokio::time::timeout(Duration::from_secs(5), hub.shutdown()).await;
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
