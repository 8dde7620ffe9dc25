//! [`tokio_util::codec`] decoders and encoders for both formats, for [`FramedRead`],
//! [`FramedWrite`] and [`Framed`].
//!
//! * [`SseCodec`]: `text/event-stream` bytes to [`sse::Item`](crate::sse::Item)s and
//!   back, over [`sse::Decoder`](crate::sse::Decoder) and [`sse::Encoder`](crate::sse::Encoder).
//! * [`ChunkedCodec`]: an HTTP/1.1 chunked body to its data and trailer fields, and payloads
//!   to chunks, over [`chunked::Decoder`](crate::chunked::Decoder) and
//!   [`chunked::Encoder`](crate::chunked::Encoder).
//!
//! Both are thin: every byte is parsed by the crate's sans-IO engines, and the items are the
//! ones their `decode_buf` front ends return, slices of `FramedRead`'s buffer without a copy.
//!
//! # Errors end a `FramedRead`
//!
//! `FramedRead` yields a decoder's `Err` once and then ends the stream (since tokio-util 0.6.9),
//! so only what cannot be recovered from is an `Err` here: I/O errors, an event stream cut
//! inside an event ([`Truncated`](crate::sse::Truncated)), a chunked body that breaks the
//! grammar. An event over a [`Limits`](crate::sse::Limits) bound is not: the SSE decoder drops
//! that event and goes on, so [`SseCodec`] hands the limit error out as an item and
//! the next event follows.
//!
//! ```
//! use futures::{executor::block_on, SinkExt, StreamExt};
//! use sse_wire::codec::SseCodec;
//! use sse_wire::sse::{Item, OutEvent};
//! use tokio_util::codec::{FramedRead, FramedWrite};
//!
//! block_on(async {
//!     // A server writes events...
//!     let mut wire = FramedWrite::new(Vec::new(), SseCodec::new());
//!     wire.send(OutEvent::new().data("Hello").id("1")).await?;
//!     wire.send(OutEvent::new().data("[DONE]")).await?;
//!     let body = wire.into_inner();
//!
//!     // ...and a client reads them (any `AsyncRead`: a socket, a body turned into a reader).
//!     let mut events = FramedRead::new(&body[..], SseCodec::new());
//!     let mut data = Vec::new();
//!     while let Some(item) = events.next().await {
//!         // Outer: I/O error or truncation, final. Inner: a limit error, the stream goes on.
//!         if let Item::Event(event) = item?? {
//!             data.push(event.data().to_owned());
//!         }
//!     }
//!     assert_eq!(data, ["Hello", "[DONE]"]);
//!     assert_eq!(events.decoder().decoder().last_event_id(), "1");
//!     Ok::<(), Box<dyn std::error::Error>>(())
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`FramedRead`]: tokio_util::codec::FramedRead
//! [`FramedWrite`]: tokio_util::codec::FramedWrite
//! [`Framed`]: tokio_util::codec::Framed

mod chunked;
mod event_stream;

pub use chunked::{ChunkedCodec, ChunkedCodecError, LastChunk};
pub use event_stream::{SseCodec, SseCodecError};
