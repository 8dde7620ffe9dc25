//! Resumable Server-Sent Events streams on tokio, over the sans-IO [`sse_wire`] core: a
//! [`Hub`] that publishes each event once and serves it to any number of subscribers, resumes
//! them after a `Last-Event-ID` (on any host, with a shared store), and tells apart the ids it
//! cannot resume from.
//!
//! * Streams live in **scopes** (a session, a tenant: [`Hub::scope`]); a `Last-Event-ID`
//!   resolves only inside the scope it is resumed in.
//! * [`Scope::publish`] encodes an event once, has the store keep it, and returns its
//!   [`EventId`] (`{stream}-{epoch}-{seq}`: see [`id`](crate::EventId)).
//! * [`Scope::subscribe`] (from the start, or live) and [`Scope::resume`] (after a
//!   `Last-Event-ID`) give a [`Subscription`]: a `Stream<Item = Result<Bytes, Infallible>>`
//!   body of shared frames, with keep-alive comments when idle, that ends cleanly at shutdown.
//!   A resume is typed: [`Resumed::Body`], [`Resumed::Complete`] (204), or a [`ResumeError`]
//!   (malformed, unknown stream, never issued, evicted), each with its HTTP
//!   [`status`](ResumeError::status).
//! * MCP Streamable HTTP: 2025-11-25 (a priming event opens every stream:
//!   [`Config::opening_retry`]; ids name their stream; a resume replays that stream only) and
//!   2026-07-28 (no resumption; closing the response cancels: [`Subscription::on_close`]).
//! * Stores: [`MemoryStore`] (the default: the core's `replay::EventLog` per stream) and,
//!   with the `redis` feature, `RedisStore` (Redis Streams, shared by many hosts), both
//!   behind one [`Store`] trait.
//!
//! ```
//! use futures_util::StreamExt;
//! use sse_wire_hub::{Hub, OutEvent, Resumed, ResumeError, Since};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let hub = Hub::default(); // in memory
//! let session = hub.scope("session-1")?;
//! let opened = session.open("answer").await?;
//! let mut live = session.subscribe("answer", Since::Start).await?;
//! let first = session.publish("answer", &OutEvent::new().data("Hel")).await?;
//! session.publish("answer", &OutEvent::new().data("lo")).await?;
//! session.close("answer").await?;
//!
//! let mut body = Vec::new();
//! while let Some(Ok(frame)) = live.next().await {
//!     body.extend_from_slice(&frame);
//! }
//! let e = opened.epoch();
//! assert_eq!(
//!     String::from_utf8(body)?,
//!     format!("id: answer-{e}-0\n\nid: answer-{e}-1\ndata: Hel\n\nid: answer-{e}-2\ndata: lo\n\n")
//! );
//!
//! // A client that got the first token resumes after it, here or on another host.
//! let Resumed::Body(rest) = session.resume(&first.to_string()).await? else { panic!() };
//! let rest: Vec<_> = rest.map(Result::unwrap).collect().await;
//! assert_eq!(rest, [format!("id: answer-{e}-2\ndata: lo\n\n")]);
//!
//! // Another scope does not know this stream: its id is unknown there.
//! let other = hub.scope("session-2")?;
//! assert!(matches!(other.resume(&first.to_string()).await, Err(ResumeError::UnknownStream)));
//! # Ok(()) }
//! ```
//!
//! # Serving it with hyper
//!
//! A `GET` that resumes after `Last-Event-ID`, with the status each answer calls for (axum:
//! `axum::body::Body::from_stream(body)` takes a [`Subscription`] as it is). The whole server,
//! POST included, is `examples/hub_server.rs`.
//!
//! ```no_run
//! use std::convert::Infallible;
//!
//! use bytes::Bytes;
//! use futures_util::StreamExt;
//! use http_body_util::{combinators::BoxBody, BodyExt, Empty, StreamBody};
//! use hyper::{body::Frame, Request, Response};
//! use sse_wire_hub::{Hub, Resumed, Subscription};
//!
//! type Body = BoxBody<Bytes, Infallible>;
//!
//! async fn resume<B>(hub: &Hub, session: &str, req: &Request<B>) -> Response<Body> {
//!     let Ok(scope) = hub.scope(session) else { return status(400) };
//!     let id = req.headers().get("last-event-id").and_then(|v| v.to_str().ok());
//!     match scope.resume(id.unwrap_or_default()).await {
//!         Ok(Resumed::Body(body)) => event_stream(body),
//!         Ok(Resumed::Complete) => status(204), // an EventSource stops for good
//!         Err(e) => status(e.status()),         // 400, 404, 410, 503
//!     }
//! }
//!
//! fn event_stream(body: Subscription) -> Response<Body> {
//!     let frames = StreamBody::new(body.map(|frame| frame.map(Frame::data)));
//!     Response::builder()
//!         .header("content-type", "text/event-stream")
//!         .header("cache-control", "no-cache")
//!         .body(BodyExt::boxed(frames))
//!         .unwrap()
//! }
//!
//! fn status(code: u16) -> Response<Body> {
//!     let body = Empty::new().boxed();
//!     Response::builder().status(code).body(body).unwrap()
//! }
//! # fn main() {}
//! ```
//!
//! # Design notes
//!
//! * **One live reader per active stream per host.** The first body of a stream on a host
//!   starts a task that follows the store's live feed ([`Store::follow`]: Redis `XREAD BLOCK`,
//!   or the memory store's notification) and puts each entry into one shared ring
//!   ([`Config::live_buffer`]); every other body of the stream on that host reads the ring.
//!   Store work per event does not grow with the number of subscribers. A body that falls
//!   behind the ring reads from the store; one that falls behind the store's retention meets
//!   [`SlowConsumer`].
//! * **Concurrent resumes** of one stream are all served: see [`Scope::resume`].
//! * **Exactly once across store failures**: a publish whose reply was lost may have been
//!   kept; [`Scope::publish_at`] tells.
//! * **Shutdown** ([`Hub::shutdown`]): every body ends after a whole frame, with `retry`.
//!
//! # Crate features
//!
//! * `redis`: `RedisStore`, Redis Streams on the `redis` crate (tried with Redis 7.0.15; Valkey
//!   speaks the same protocol but was not tried).
//! * `tracing`: `tracing` events for opens, subscriptions, lags and store errors.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(unreachable_pub)]

mod core;
mod hub;
mod id;
mod memory;
#[cfg(feature = "redis")]
mod redis;
pub mod store;

pub use crate::core::{EncodeError, OutEvent};
pub use crate::hub::{
    Config, Counters, Hub, HubError, PublishError, ResumeError, Resumed, Scope, Since,
    SlowConsumer, Subscription,
};
pub use crate::id::{check_scope, check_stream, EventId, Malformed, NameError, MAX_NAME};
pub use crate::memory::{MemoryBounds, MemoryStore};
#[cfg(feature = "redis")]
pub use crate::redis::{RedisConfig, RedisStore};
pub use crate::store::Store;
