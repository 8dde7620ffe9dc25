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
    s.publish("k", &OutEvent::data("x")).await.unwrap();
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
    s.publish("h", &OutEvent::data("x")).await.unwrap();
    s.close("h").await.unwrap();
    let bytes = BodyExt::collect(body).await.unwrap().to_bytes();
    assert!(bytes.ends_with(b"data: x\n\n"));
}
