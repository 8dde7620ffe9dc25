//! [`Stream`] adapters: the codecs wired to the `futures_core::Stream` that HTTP clients and
//! servers hand bodies around as. Each is a thin shell over a decoder or the encoder of this
//! crate (the same parser, the same limits), polls its inner stream only when it needs bytes,
//! and needs no runtime: any executor can drive it, in `no_std` with `alloc` too.
//!
//! * [`EventStream`] (from [`SseStreamExt::sse_events`]): SSE events out of any
//!   `Stream<Item = Result<B, E>>` of body pieces, `B: Into<Bytes>`: `reqwest`'s
//!   `Response::bytes_stream()`, `http_body_util::BodyDataStream`, `tokio_util`'s
//!   `ReaderStream`. Its [`SseError`] tells a transport error, a limit error (the oversized event
//!   is skipped, the stream goes on) and a body cut inside an event apart. From
//!   [`SseStreamExt::sse_items`], it yields comments and id/retry-only blocks too, for relays.
//! * [`Until`] (from [`EventStream::until`]): ends at an API's end or error event ([`Signals`]:
//!   `data: [DONE]`, `message_stop`, `event: error`) and says how the stream ended
//!   ([`Outcome`]): complete, a server error, cut, or failed.
//! * [`ChunkedBody`] (from [`ChunkedStreamExt::chunked_body`]): body bytes out of a stream of
//!   raw HTTP/1.1 chunked bytes.
//! * [`EncodeStream`] (from [`encode_events`]): a stream of events to send becomes a stream of
//!   [`Bytes`](bytes::Bytes), one per event, usable as an `axum` or `hyper` response body.
#![cfg_attr(
    feature = "reconnect",
    doc = "* [`Reconnecting`] (from [`reconnecting`], with the `reconnect` feature): an `EventSource` for any runtime: the [`reconnect::Reconnect`](crate::reconnect::Reconnect) machine driven with the caller's HTTP client, timer and clock, yielding the events of every connection."
)]
//!
//! [`Signals`]: crate::outcome::Signals
//! [`Outcome`]: crate::outcome::Outcome
//!
//! # An LLM client
//!
//! ```
//! use futures::{executor::block_on, stream, StreamExt};
//! use sse_wire::outcome::{Outcome, Signals};
//! use sse_wire::stream::SseStreamExt;
//!
//! // Stands in for `response.bytes_stream()`.
//! let body = stream::iter([
//!     Ok::<_, std::io::Error>("data: {\"content\":\"Hel\"}\n\ndata: {\"cont"),
//!     Ok("ent\":\"lo\"}\n\n: keep-alive\n\ndata: [DONE]\n\n"),
//! ]);
//! let mut events = body.sse_events().until(Signals::openai_chat());
//! let mut chunks = Vec::new();
//! block_on(async {
//!     while let Some(event) = events.next().await {
//!         match event {
//!             Ok(event) => chunks.push(event.data().to_owned()), // parse the JSON here
//!             Err(skipped) => eprintln!("an event was too large and skipped: {skipped}"),
//!         }
//!     }
//! });
//! assert_eq!(chunks, [r#"{"content":"Hel"}"#, r#"{"content":"lo"}"#]);
//! match events.outcome() {
//!     Some(Outcome::Sentinel(_)) => {} // complete
//!     Some(Outcome::ServerError(e)) => panic!("the server failed: {}", e.data()),
//!     Some(Outcome::Clean | Outcome::Truncated(_)) => panic!("the answer was cut"),
//!     Some(Outcome::Transport(e)) => panic!("reading the answer failed: {e}"),
//!     _ => unreachable!("the stream has ended"),
//! }
//! ```
//!
//! # Reconnecting
//!
//! With the `reconnect` feature, `reconnecting` does all of what follows, with the rules of an
//! `EventSource` (see `sse_wire::reconnect`). By hand:
//!
//! The decoder keeps the last event ID and the reconnection time across connections. When a
//! connection drops (a final error, or the end of the body), send the ID as `Last-Event-ID`,
//! wait the [`retry`](crate::sse::Decoder::retry) its [`decoder`](EventStream::decoder) holds,
//! and hand the new response's stream to
//! [`EventStream::reconnect`], which keeps that state and drops the old connection's half
//! line. [`into_parts`](EventStream::into_parts), [`BytesDecoder::reset`] and
//! [`EventStream::with_decoder`] do the same in three steps.
//!
//! [`BytesDecoder::reset`]: crate::sse::BytesDecoder::reset
//!
//! ```
//! use futures::{executor::block_on, stream, StreamExt};
//! use sse_wire::stream::{SseError, SseStreamExt};
//!
//! let first = stream::iter([
//!     Ok("retry: 2000\nid: 41\ndata: a\n\ndata: {\"cut"),
//!     Err("connection reset"),
//! ]);
//! let mut events = first.sse_events();
//! block_on(async {
//!     assert_eq!(events.next().await.unwrap().unwrap().data(), "a");
//!     assert!(matches!(events.next().await, Some(Err(SseError::Transport("connection reset")))));
//!     assert!(events.next().await.is_none());
//! });
//! // Ask again with `Last-Event-ID: 41`, after 2 seconds.
//! let decoder = events.decoder().decoder();
//! assert_eq!(decoder.last_event_id(), "41");
//! assert_eq!(decoder.retry(), Some(std::time::Duration::from_secs(2)));
//! let second = stream::iter([Ok::<_, &str>("data: b\n\n")]);
//! let mut events = events.reconnect(second);
//! block_on(async {
//!     let event = events.next().await.unwrap().unwrap();
//!     assert_eq!((event.data(), event.id()), ("b", "41"));
//! });
//! ```

mod chunked;
mod encode;
#[cfg(feature = "reconnect")]
mod reconnect;
mod sse;

pub use self::chunked::{ChunkedBody, ChunkedError, ChunkedStreamExt};
pub use self::encode::{encode_events, EncodeStream, Message, SendError};
#[cfg(feature = "reconnect")]
pub use self::reconnect::{reconnecting, Opened, Reconnecting};
pub use self::sse::{EventStream, SseError, SseStreamExt, Until};

#[doc(no_inline)]
pub use futures_core::Stream;
