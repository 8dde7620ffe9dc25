//! Server-Sent Events: the `text/event-stream` format.
//!
//! Decoding follows the WHATWG HTML Living Standard, section "Server-sent events",
//! subsections "Parsing an event stream" and "Interpreting an event stream", to the letter.
//! See [`Decoder`] for the ways to feed it and [`Limits`] for the bounds it keeps.

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
pub use encoder::{EncodeError, EncodedEvent, Encoder, OutEvent};
pub use error::{DecodeError, Limit, Truncated};
pub use item::{Control, ControlRef, Event, EventRef, Item, ItemRef};
pub use limits::Limits;
