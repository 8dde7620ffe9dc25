//! The hub over the in-memory store.

mod common;

use std::time::Duration;

use futures_util::StreamExt;
use http_body_util::{BodyExt, StreamBody};
use sse_wire_hub::{Config, Hub, MemoryBounds, MemoryStore, OutEvent, Since, SlowConsumer};

fn config() -> Config {
    let mut config = Config::default();
    config.live_buffer = 2;
    config
}

fn store() -> MemoryStore {
    let mut bounds = MemoryBounds::default();
    bounds.max_events = 4;
    MemoryStore::with_bounds(bounds)
}

fn hub() -> Hub {
    Hub::with_config(store(), config())
}

#[tokio::test]
async fn publish_and_subscribe() {
    common::publish_and_subscribe(hub()).await;
}

#[tokio::test]
async fn resume_replays_then_live() {
    common::resume_replays_then_live(hub()).await;
}

#[tokio::test]
async fn scopes_are_isolated() {
    common::scopes_are_isolated(hub()).await;
}

#[tokio::test]
async fn typed_resume_answers() {
    common::typed_resume_answers(hub()).await;
}

#[tokio::test]
async fn concurrent_resumes() {
    common::concurrent_resumes(hub()).await;
}

#[tokio::test]
async fn shutdown_ends_bodies() {
    // Two hubs (hosts) over one store.
    let store = store();
    let a = Hub::with_config(store.clone(), config());
    let b = Hub::with_config(store, config());
    common::shutdown_ends_bodies(a, b).await;
}

#[tokio::test]
async fn slow_consumer_end() {
    common::slow_consumer(hub(), SlowConsumer::End).await;
}

#[tokio::test]
async fn slow_consumer_skip() {
    let mut config = config();
    config.slow_consumer = SlowConsumer::Skip;
    common::slow_consumer(Hub::with_config(store(), config), SlowConsumer::Skip).await;
}

#[tokio::test]
async fn counters() {
    common::counters(hub()).await;
}

#[tokio::test]
async fn publish_at_is_idempotent() {
    common::publish_at_is_idempotent(hub()).await;
}

#[tokio::test(start_paused = true)]
async fn keep_alive_on_idle_bodies() {
    let mut config = config();
    config.keep_alive = Some(Duration::from_secs(15));
    let hub = Hub::with_config(store(), config);
    let s = hub.scope("t").unwrap();
    s.open("k").await.unwrap();
    let mut body = s.subscribe("k", Since::Live).await.unwrap();
    let start = tokio::time::Instant::now();
    assert_eq!(body.next().await.unwrap().unwrap(), ":\n");
    assert_eq!(start.elapsed(), Duration::from_secs(15));
    // A frame resets the interval.
    tokio::time::sleep(Duration::from_secs(10)).await;
    s.publish("k", &OutEvent::new().data("x")).await.unwrap();
    assert!(body
        .next()
        .await
        .unwrap()
        .unwrap()
        .ends_with(b"data: x\n\n"));
    let sent = tokio::time::Instant::now();
    assert_eq!(body.next().await.unwrap().unwrap(), ":\n");
    assert_eq!(sent.elapsed(), Duration::from_secs(15));
}

/// The body is what hyper takes (and axum's `Body::from_stream`, which wants the same
/// `TryStream` of `Bytes`).
#[tokio::test]
async fn body_is_a_hyper_body() {
    let hub = hub();
    let s = hub.scope("t").unwrap();
    s.open("h").await.unwrap();
    let body = s.subscribe("h", Since::Start).await.unwrap();
    let body = StreamBody::new(body.map(|frame| frame.map(hyper::body::Frame::data)));
    s.publish("h", &OutEvent::new().data("x")).await.unwrap();
    s.close("h").await.unwrap();
    let bytes = BodyExt::collect(body).await.unwrap().to_bytes();
    assert!(bytes.ends_with(b"data: x\n\n"));
}

/// MCP Streamable HTTP 2025-11-25: each stream starts with a priming event (an id and `retry`,
/// no data) so that a client can resume before the first message; ids name their stream; a
/// resume replays only that stream.
#[tokio::test]
async fn mcp_2025_11_25_priming_and_per_stream_replay() {
    let mut config = config();
    config.opening_retry = Some(Duration::from_secs(3));
    let hub = Hub::with_config(store(), config);
    let session = hub.scope("mcp-session-1").unwrap();
    let priming = session.open("req-7").await.unwrap();
    session.open("get").await.unwrap();
    let mut post = session.subscribe("req-7", Since::Start).await.unwrap();
    assert_eq!(
        common::next(&mut post).await.unwrap(),
        format!("id: {priming}\nretry: 3000\n\n")
    );
    let progress = r#"{"jsonrpc":"2.0","method":"notifications/progress"}"#;
    session
        .publish("req-7", &OutEvent::new().data(progress))
        .await
        .unwrap();
    session
        .publish("get", &OutEvent::new().data("other stream"))
        .await
        .unwrap();
    let result = r#"{"jsonrpc":"2.0","id":7,"result":{}}"#;
    session
        .publish("req-7", &OutEvent::new().data(result))
        .await
        .unwrap();
    session.close("req-7").await.unwrap();
    // The POST's connection dropped before any message: the GET resumes from the priming id
    // and gets this stream's messages only.
    let sse_wire_hub::Resumed::Body(body) = session.resume(&priming.to_string()).await.unwrap()
    else {
        panic!("a body")
    };
    let frames = common::rest(body).await;
    assert_eq!(frames.len(), 2);
    assert!(frames[0].ends_with(&format!("data: {progress}\n\n")));
    assert!(frames[1].ends_with(&format!("data: {result}\n\n")));
}

/// MCP Streamable HTTP 2026-07-28: no resumption; closing the response cancels the request.
#[tokio::test]
async fn mcp_2026_07_28_closing_the_response_cancels() {
    let hub = hub();
    let request = hub.scope("client-1").unwrap();
    request.open("req-1").await.unwrap();
    let mut body = request.subscribe("req-1", Since::Start).await.unwrap();
    let cancelled = body.on_close();
    let worker = {
        let request = request.clone();
        tokio::spawn(async move {
            tokio::pin!(cancelled);
            let mut sent = 0;
            loop {
                tokio::select! {
                    () = &mut cancelled => return sent,
                    () = tokio::time::sleep(Duration::from_millis(5)) => {
                        request.publish("req-1", &OutEvent::new().data("tick")).await.unwrap();
                        sent += 1;
                    }
                }
            }
        })
    };
    common::next(&mut body).await.unwrap(); // the opening frame
    assert!(common::next(&mut body)
        .await
        .unwrap()
        .ends_with("data: tick\n\n"));
    drop(body); // the client closed the response
    let sent = tokio::time::timeout(common::PATIENCE, worker)
        .await
        .expect("the worker stops")
        .unwrap();
    assert!(sent >= 1);
}
