//! Sans-IO codecs for Server-Sent Events and HTTP/1.1 chunked framing.
//!
//! `sse-wire` turns bytes into events and events into bytes, and nothing else: it never opens a
//! socket, never spawns, never sleeps and never reads a clock. Any runtime (tokio, async-std,
//! smol, embedded executors, WASM) and any HTTP client or server can drive it.
//!
//! * [`sse`]: the `text/event-stream` format, decoded exactly as the WHATWG HTML standard's
//!   "Server-sent events" section parses it.
//! * [`outcome`]: how a stream of events ended (an end marker such as `data: [DONE]` seen,
//!   a clean end without it, cut inside an event, a transport error), for LLM clients.
//! * [`chunked`]: HTTP/1.1 chunked transfer coding (RFC 9112 section 7.1), strict by default.
//!
//! Optional layers, each behind a feature (listed below) and thin over those engines: `stream`
//! (`futures_core::Stream` adapters), `codec` (`tokio_util::codec`), `http` (header helpers),
//! `reconnect` (the client between connections) and `replay` (the server's resumable log).
//!
//! # Decoding a stream
//!
//! Feed the body in pieces of any size, exactly as they arrive; take events out:
//!
//! ```
//! use bytes::Bytes;
//! use sse_wire::sse::{BytesDecoder, Item};
//!
//! let mut decoder = BytesDecoder::new();
//! let mut answer = String::new();
//! for piece in ["data: {\"delta\":\"Hel", "lo\"}\r", "\n\r\ndata: [DONE]\n\n"] {
//!     decoder.push(Bytes::from(piece));
//!     for item in &mut decoder {
//!         match item? {
//!             Item::Event(event) if event.data() == "[DONE]" => answer.push_str(" <done>"),
//!             Item::Event(event) => answer.push_str(event.data()),
//!             _ => {} // comments (keep-alives), blocks that only set `id` or `retry`
//!         }
//!     }
//! }
//! assert_eq!(answer, r#"{"delta":"Hello"} <done>"#);
//! // Tell a finished stream from a cut-off one.
//! assert!(decoder.finish().is_ok());
//! # Ok::<(), sse_wire::sse::DecodeError>(())
//! ```
//!
//! # Reconnecting
//!
//! The decoder keeps what an `EventSource` keeps across connections: the last event ID (send it
//! as `Last-Event-ID`) and the reconnection time the server asked for. When a connection drops,
//! call `reset()` before feeding the next response, so that the old connection's half line
//! cannot run into the new one:
//!
//! ```
//! use bytes::Bytes;
//! use sse_wire::sse::{BytesDecoder, Item};
//!
//! let mut decoder = BytesDecoder::new();
//! decoder.push(Bytes::from_static(b"retry: 1500\nid: 17\ndata: tok\n\ndata: {\"cut"));
//! let got: Vec<_> = (&mut decoder).collect::<Result<_, _>>()?;
//! assert!(matches!(&got[..], [Item::Event(e)] if e.data() == "tok"));
//! // The connection dropped. Wait `retry`, then ask again with `Last-Event-ID: 17`.
//! let d = decoder.decoder();
//! assert_eq!((d.last_event_id(), d.retry()), ("17", Some(std::time::Duration::from_millis(1500))));
//! decoder.reset();
//! decoder.push(Bytes::from_static(b"data: next\n\n"));
//! let Some(Ok(Item::Event(event))) = decoder.next() else { panic!() };
//! assert_eq!((event.data(), event.id()), ("next", "17"));
//! # Ok::<(), sse_wire::sse::DecodeError>(())
//! ```
//!
//! With the `reconnect` feature, `reconnect::Reconnect` decides the rest as an `EventSource`
//! does (when to come back, with which request and `Last-Event-ID`, when to give up), and with
//! `stream` too, `stream::reconnecting` runs it with the caller's HTTP client and timer.
//!
//! # Zero-copy, linear time, bounded memory
//!
//! An event whose data came in one line of one input buffer is handed out as a slice of that
//! buffer ([`Str`]), validated as UTF-8 once. The decoders keep a scan cursor, so a long line fed
//! one byte at a time is still scanned once. Every buffer the caller must keep is bounded by
//! configurable limits ([`sse::Limits`]), and exceeding one is a typed error that names the limit
//! and the stream offset.
//!
//! # Crate features
//!
//! * `std` (default): runtime CPU feature detection in `memchr` (faster scanning), and
//!   `From<DecodeError> for std::io::Error`. Without it the crate is `#![no_std]` and needs only
//!   `alloc`.
//! * `json`: `sse::Encoder::json`, an event's data from any `serde::Serialize`, as compact JSON
//!   (serde_json); works without `std`.
//! * `http`: `sse_wire::http`, helpers on the `http` crate's header types: the
//!   `Content-Type` check a browser makes, request and response headers, `Last-Event-ID`.
//! * `tokio-util` (implies `std`): `sse_wire::codec`, `tokio_util::codec` decoders and encoders for
//!   both formats, for `FramedRead`/`FramedWrite`.
//! * `stream`: the `stream` module, `futures_core::Stream` adapters: SSE events out of a body
//!   stream (`response.bytes_stream().sse_events()`), chunked body bytes out of raw bytes, and
//!   events to send as a response body. Adds `futures-core` and `pin-project-lite`, no runtime;
//!   needs only `alloc` (builds for `wasm32-unknown-unknown` and `no_std` targets). The
//!   end-of-stream verdict for LLM clients ([`outcome`]) needs no feature.
//! * `reconnect`: `sse_wire::reconnect`, the client side of a long-lived stream as a sans-IO
//!   state machine: the response check an `EventSource` makes, when to reconnect (the server's
//!   `retry`, backoff, a cap, the caller's jitter, a real attempt limit), with which request and
//!   `Last-Event-ID`, no silent re-sending of a `POST`, MCP Streamable HTTP resumption. Needs
//!   only `alloc`.
//! * `replay`: `sse_wire::replay`, the server side: each event encoded once into a bounded log,
//!   replayed exactly after a `Last-Event-ID` (or reported unknown), fanned out to any number
//!   of subscribers as shared `Bytes`; MCP Streamable HTTP 2025-11-25 priming events and
//!   per-stream replay. Needs only `alloc`.

#![no_std]
// `unsafe` is forbidden in every module but `utf8` (each `mod` below says so), and denied at
// the root so that a new module cannot use it by accident.
#![deny(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![warn(
    unreachable_pub,
    elided_lifetimes_in_paths,
    clippy::std_instead_of_core,
    clippy::alloc_instead_of_core
)]
#![doc(test(attr(deny(warnings))))]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[forbid(unsafe_code)]
pub mod chunked;
#[forbid(unsafe_code)]
#[cfg(feature = "tokio-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio-util")))]
pub mod codec;
#[forbid(unsafe_code)]
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;
#[forbid(unsafe_code)]
#[cfg(any(feature = "http", feature = "reconnect"))]
mod mime;
#[forbid(unsafe_code)]
pub mod outcome;
#[forbid(unsafe_code)]
mod owned_input;
#[forbid(unsafe_code)]
#[cfg(feature = "reconnect")]
#[cfg_attr(docsrs, doc(cfg(feature = "reconnect")))]
pub mod reconnect;
#[forbid(unsafe_code)]
#[cfg(feature = "replay")]
#[cfg_attr(docsrs, doc(cfg(feature = "replay")))]
pub mod replay;
#[forbid(unsafe_code)]
pub mod sse;
#[forbid(unsafe_code)]
mod str;
#[forbid(unsafe_code)]
#[cfg(feature = "stream")]
#[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
pub mod stream;
// The one module with `unsafe` code: see its docs; Miri runs its tests in CI.
mod utf8;

pub use crate::str::Str;

/// The README's examples, compiled and run as doctests (they use the `stream` and `reconnect`
/// features).
#[cfg(all(doctest, feature = "stream", feature = "reconnect"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The examples guide's code blocks, compiled and run as doctests.
#[cfg(all(doctest, feature = "stream", feature = "reconnect"))]
#[doc = include_str!("../examples/README.md")]
struct ExamplesReadmeDoctests;
