//! Server-Sent Events: the `text/event-stream` format.
//!
//! Decoding follows the WHATWG HTML Living Standard, section "Server-sent events",
//! subsections "Parsing an event stream" and "Interpreting an event stream", to the letter.
//! See [`Decoder`] for the ways to feed it and [`Limits`] for the bounds it keeps.
//!
//! # Which one?
//!
//! One parser underneath; pick the front end that matches how the bytes reach you:
//!
//! | you have | use | you get |
//! |---|---|---|
//! | a borrowed `&[u8]` buffer you manage (embedded, fixed arrays) | [`Decoder::decode`] | [`ItemRef`] views borrowing the buffer, no copy; drop [`Decoded::consumed`] bytes |
//! | a `BytesMut` you read into | [`Decoder::decode_buf`] | owned [`Item`]s whose fields are slices of the buffer |
//! | `Bytes` pieces pushed by an HTTP client (hyper, reqwest) | [`BytesDecoder::push`] + its `Iterator` | owned [`Item`]s sliced out of the pieces; only a straddling event is copied |
//! | the same, looking at each event and keeping nothing | [`BytesDecoder::next_ref`] | lending [`ItemRef`] views, no reference counts touched |
//! | a `futures_core::Stream` of body pieces | `stream::SseStreamExt::sse_events` (feature `stream`) | a `Stream` of events, with the end outcome (`until`) |
//! | an `AsyncRead` | `codec::SseCodec` with `FramedRead` (feature `tokio-util`) | a `Stream` of items |
//!
//! Every front end ends a stream with `finish()` (did it end between events?) and readies the
//! decoder for a new connection with `reset()`, keeping the last event ID and the reconnection
//! time. To write events, [`Encoder`] takes anything [`Encode`]: an [`OutEvent`] built for
//! sending, or a decoded item passed on as it came.

mod bytes_decoder;
mod decoder;
mod encoder;
mod engine;
mod error;
mod item;
mod limits;

pub use bytes_decoder::BytesDecoder;
pub use decoder::{Decoded, Decoder};
#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
pub use encoder::JsonError;
pub use encoder::{Encode, EncodeError, EncodedEvent, Encoder, OutEvent};
pub use error::{DecodeError, Limit, Truncated};
pub use item::{Control, ControlRef, Event, EventRef, Item, ItemRef};
pub use limits::Limits;
