//! The `text/event-stream` codec.

use std::io;

use bytes::BytesMut;
use thiserror::Error;
use tokio_util::codec::{Decoder, Encoder};

use crate::sse::{self, Control, DecodeError, EncodeError, Event, Item, OutEvent, Truncated};

/// A `tokio_util` codec for `text/event-stream`: decodes [`sse::Item`]s through an
/// [`sse::Decoder`] and encodes events through an [`sse::Encoder`].
///
/// # Decoding
///
/// The item type is `Result<sse::Item, sse::DecodeError>`, the item type of
/// [`sse::BytesDecoder`]'s iterator. The inner `Err` is an event that exceeded a
/// [`Limits`](sse::Limits) bound: the decoder has dropped it and goes on with the next one.
/// It cannot be the codec's `Error`, because `FramedRead` ends the stream at the first `Err`
/// its decoder returns, and one oversized event would then end a stream that is still good.
/// The codec's [`EventStreamError`] is kept for what ends the stream anyway: an I/O error, or
/// an end of input inside an event ([`EventStreamError::Truncated`], from
/// [`decode_eof`](Decoder::decode_eof)). A stream that ends between events ends the
/// `FramedRead` cleanly (`None`).
///
/// Events are slices of `FramedRead`'s buffer when their data came in one line (no copy). At
/// EOF the items still in the buffer come out first, then the verdict.
///
/// ```
/// use futures::{executor::block_on, StreamExt};
/// use sse_wire::codec::{EventStreamCodec, EventStreamError};
/// use sse_wire::sse::{Decoder, DecodeError, Item, Limits};
/// use tokio_util::codec::FramedRead;
///
/// let body: &[u8] = b"data: way too long for the limit\n\ndata: ok\n\ndata: cut";
/// let codec = EventStreamCodec::from_decoder(Decoder::with_limits(Limits::default().max_line_len(16)));
/// let mut items = FramedRead::new(body, codec);
/// block_on(async {
///     let too_long = items.next().await.unwrap().unwrap();
///     assert!(matches!(too_long, Err(DecodeError::LineTooLong { limit: 16, .. })));
///     let Ok(Item::Event(event)) = items.next().await.unwrap().unwrap() else { panic!() };
///     assert_eq!(event.data(), "ok");
///     let cut = items.next().await.unwrap().unwrap_err();
///     assert!(matches!(cut, EventStreamError::Truncated(t) if t.partial_line == 9));
///     assert!(items.next().await.is_none());
/// });
/// ```
///
/// # Reconnecting
///
/// The decoder keeps the last event ID and the reconnection time across connections: take the
/// codec out of the old `FramedRead` ([`FramedRead::into_parts`]) and put it in front of the
/// new connection. After an I/O error, call [`sse::Decoder::reconnect`] first, so that a half
/// line of the old connection cannot run into the new one (a clean or truncated end already
/// readied the decoder).
///
/// ```
/// use futures::{executor::block_on, StreamExt};
/// use sse_wire::codec::EventStreamCodec;
/// use sse_wire::sse::Item;
/// use tokio_util::codec::FramedRead;
///
/// block_on(async {
///     let mut first = FramedRead::new(&b"id: 7\ndata: a\n\n"[..], EventStreamCodec::new());
///     while first.next().await.is_some() {}
///     let mut codec = first.into_parts().codec;
///     codec.decoder_mut().reconnect();
///     // Send `Last-Event-ID: 7` (see `sse_wire::http::insert_request_headers` with the `http` feature).
///     assert_eq!(codec.decoder().last_event_id(), "7");
///     let mut second = FramedRead::new(&b"data: b\n\n"[..], codec);
///     let Some(Ok(Ok(Item::Event(event)))) = second.next().await else { panic!() };
///     assert_eq!((event.data(), event.id()), ("b", "7"));
/// });
/// ```
///
/// # Encoding
///
/// It encodes an [`OutEvent`], a decoded [`Event`], [`Control`] or [`Item`] (so that a relay
/// can `FramedWrite` what it read, fields and all: see [`OutEvent::from`]), or a [`Comment`].
/// An event the format cannot carry (a line break in its `id`, say) is an
/// [`EventStreamError::Encode`], and nothing is written for it.
///
/// [`FramedRead::into_parts`]: tokio_util::codec::FramedRead::into_parts
#[derive(Debug, Clone, Default)]
pub struct EventStreamCodec {
    decoder: sse::Decoder,
}

impl EventStreamCodec {
    /// A codec with a default [`sse::Decoder`].
    #[must_use]
    pub fn new() -> Self {
        Self::from_decoder(sse::Decoder::new())
    }

    /// A codec over a configured decoder (its [`Limits`](sse::Limits), whether it reports
    /// comments, a last event ID carried over from an earlier connection).
    #[must_use]
    pub fn from_decoder(decoder: sse::Decoder) -> Self {
        EventStreamCodec { decoder }
    }

    /// The decoder, for its [`last_event_id`](sse::Decoder::last_event_id) and
    /// [`retry`](sse::Decoder::retry).
    #[must_use]
    pub fn decoder(&self) -> &sse::Decoder {
        &self.decoder
    }

    /// The decoder, mutably: to [`reconnect`](sse::Decoder::reconnect) it.
    #[must_use]
    pub fn decoder_mut(&mut self) -> &mut sse::Decoder {
        &mut self.decoder
    }

    /// The decoder, to go on with another front end.
    #[must_use]
    pub fn into_decoder(self) -> sse::Decoder {
        self.decoder
    }
}

/// Why an [`EventStreamCodec`] stopped, or refused an event.
///
/// On the reading side every variant is final (`FramedRead` ends after it); an oversized event
/// is not an error of the codec but an item (see [`EventStreamCodec`]).
#[derive(Error, Debug)]
#[non_exhaustive]
pub enum EventStreamError {
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The input ended inside an event, which was dropped (as the standard drops it): a cut-off
    /// response, not a finished one.
    #[error(transparent)]
    Truncated(#[from] Truncated),
    /// The event cannot be written (see [`sse::EncodeError`]); nothing was.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The decoder cannot go on: `FramedRead`'s buffer lost bytes the decoder had asked to keep
    /// ([`DecodeError::InputShrunk`]), which only a caller that edits the buffer through
    /// `read_buffer_mut` can cause. Limit errors are items, never this.
    #[error(transparent)]
    Decode(DecodeError),
}

impl From<EventStreamError> for io::Error {
    /// `Io` as it was; `Truncated` as [`io::ErrorKind::UnexpectedEof`]; `Encode` as
    /// [`io::ErrorKind::InvalidInput`]; `Decode` as [`io::ErrorKind::InvalidData`].
    fn from(e: EventStreamError) -> Self {
        match e {
            EventStreamError::Io(e) => e,
            EventStreamError::Truncated(t) => io::Error::new(io::ErrorKind::UnexpectedEof, t),
            EventStreamError::Encode(e) => io::Error::new(io::ErrorKind::InvalidInput, e),
            EventStreamError::Decode(e) => e.into(),
        }
    }
}

impl Decoder for EventStreamCodec {
    type Item = Result<Item, DecodeError>;
    type Error = EventStreamError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        match self.decoder.decode_buf(src) {
            Ok(item) => Ok(item.map(Ok)),
            // The engine could not look at the bytes it had kept: every call would say so.
            Err(e @ DecodeError::InputShrunk { .. }) => Err(EventStreamError::Decode(e)),
            // The event is dropped and the decoder has moved past it: the next call goes on.
            Err(e) => Ok(Some(Err(e))),
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        if let Some(item) = self.decode(src)? {
            return Ok(Some(item));
        }
        // `src` holds only what the decoder kept: an unfinished line or event.
        let end = self.decoder.finish_with(src);
        src.clear();
        end.map(|()| None).map_err(EventStreamError::Truncated)
    }
}

impl Encoder<OutEvent<'_>> for EventStreamCodec {
    type Error = EventStreamError;

    fn encode(&mut self, event: OutEvent<'_>, dst: &mut BytesMut) -> Result<(), Self::Error> {
        self.encode(&event, dst)
    }
}

impl Encoder<&OutEvent<'_>> for EventStreamCodec {
    type Error = EventStreamError;

    fn encode(&mut self, event: &OutEvent<'_>, dst: &mut BytesMut) -> Result<(), Self::Error> {
        Ok(sse::Encoder::new().encode(event, dst)?)
    }
}

impl Encoder<&Event> for EventStreamCodec {
    type Error = EventStreamError;

    /// Writes the event as it came (see [`OutEvent::from`]).
    fn encode(&mut self, event: &Event, dst: &mut BytesMut) -> Result<(), Self::Error> {
        self.encode(&OutEvent::from(event), dst)
    }
}

impl Encoder<&Control> for EventStreamCodec {
    type Error = EventStreamError;

    /// Writes the block's `id` and `retry` fields and a blank line.
    fn encode(&mut self, control: &Control, dst: &mut BytesMut) -> Result<(), Self::Error> {
        self.encode(&OutEvent::from(control), dst)
    }
}

impl Encoder<&Item> for EventStreamCodec {
    type Error = EventStreamError;

    /// Writes a decoded item back: an event or control block as it came, a comment as
    /// [`Comment`] does.
    ///
    /// ```
    /// use futures::{executor::block_on, SinkExt, StreamExt};
    /// use sse_wire::codec::EventStreamCodec;
    /// use tokio_util::codec::{FramedRead, FramedWrite};
    ///
    /// let upstream: &[u8] = b": hi\nretry: 500\n\nid: 1\nevent: e\ndata: a\ndata: b\n\n";
    /// block_on(async {
    ///     let mut read = FramedRead::new(upstream, EventStreamCodec::new());
    ///     let mut write = FramedWrite::new(Vec::new(), EventStreamCodec::new());
    ///     while let Some(item) = read.next().await {
    ///         match item? {
    ///             Ok(item) => write.send(&item).await?,
    ///             Err(too_large) => eprintln!("dropped: {too_large}"),
    ///         }
    ///     }
    ///     assert_eq!(write.get_ref(), b": hi\nretry: 500\n\nevent: e\nid: 1\ndata: a\ndata: b\n\n");
    ///     Ok::<(), Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn encode(&mut self, item: &Item, dst: &mut BytesMut) -> Result<(), Self::Error> {
        match item {
            Item::Event(event) => self.encode(event, dst),
            Item::Control(control) => self.encode(control, dst),
            Item::Comment(text) => self.encode(Comment(text), dst),
        }
    }
}

impl Encoder<Item> for EventStreamCodec {
    type Error = EventStreamError;

    /// As `Encoder<&Item>`.
    fn encode(&mut self, item: Item, dst: &mut BytesMut) -> Result<(), Self::Error> {
        self.encode(&item, dst)
    }
}

/// A comment to write with an [`EventStreamCodec`]: `:` and the text, one comment line per
/// line of it. Readers ignore comments; proxies and load balancers see traffic, so an idle
/// stream sends one now and then ([`Comment::KEEP_ALIVE`]).
///
/// ```
/// use futures::{executor::block_on, SinkExt};
/// use sse_wire::codec::{Comment, EventStreamCodec};
/// use tokio_util::codec::FramedWrite;
///
/// let mut wire = FramedWrite::new(Vec::new(), EventStreamCodec::new());
/// block_on(async {
///     wire.send(Comment::KEEP_ALIVE).await?;
///     wire.send(Comment(" two\nlines")).await
/// })?;
/// assert_eq!(wire.get_ref(), b":\n: two\n:lines\n");
/// # Ok::<(), sse_wire::codec::EventStreamError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comment<'a>(pub &'a str);

impl Comment<'static> {
    /// The smallest keep-alive: an empty comment, `:\n`.
    pub const KEEP_ALIVE: Self = Comment("");
}

impl Encoder<Comment<'_>> for EventStreamCodec {
    type Error = EventStreamError;

    fn encode(&mut self, comment: Comment<'_>, dst: &mut BytesMut) -> Result<(), Self::Error> {
        Ok(sse::Encoder::new().comment(comment.0, dst)?)
    }
}
