//! The `text/event-stream` codec.

use std::io;

use bytes::BytesMut;
use thiserror::Error;
use tokio_util::codec::{Decoder, Encoder};

use crate::sse::{self, DecodeError, Encode, EncodeError, Item, Truncated};
#[cfg(doc)]
use crate::sse::{Control, Event, OutEvent};

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
/// The codec's [`SseCodecError`] is kept for what ends the stream anyway: an I/O error, or
/// an end of input inside an event ([`SseCodecError::Truncated`], from
/// [`decode_eof`](Decoder::decode_eof)). A stream that ends between events ends the
/// `FramedRead` cleanly (`None`).
///
/// Events are slices of `FramedRead`'s buffer when their data came in one line (no copy). At
/// EOF the items still in the buffer come out first, then the verdict.
///
/// ```
/// use futures::{executor::block_on, StreamExt};
/// use sse_wire::codec::{SseCodec, SseCodecError};
/// use sse_wire::sse::{Decoder, DecodeError, Item, Limit, Limits};
/// use tokio_util::codec::FramedRead;
///
/// let body: &[u8] = b"data: way too long for the limit\n\ndata: ok\n\ndata: cut";
/// let codec = SseCodec::from(Decoder::with_limits({ let mut limits = Limits::default(); limits.max_line_len = 16; limits }));
/// let mut items = FramedRead::new(body, codec);
/// block_on(async {
///     let too_long = items.next().await.unwrap().unwrap();
///     assert!(matches!(too_long, Err(DecodeError::LimitExceeded { limit: Limit::LineLen, .. })));
///     let Ok(Item::Event(event)) = items.next().await.unwrap().unwrap() else { panic!() };
///     assert_eq!(event.data(), "ok");
///     let cut = items.next().await.unwrap().unwrap_err();
///     assert!(matches!(cut, SseCodecError::Truncated(t) if t.partial_line == 9));
///     assert!(items.next().await.is_none());
/// });
/// ```
///
/// # Reconnecting
///
/// The decoder keeps the last event ID and the reconnection time across connections: take the
/// codec out of the old `FramedRead` ([`FramedRead::into_parts`]) and put it in front of the
/// new connection. After an I/O error, call [`sse::Decoder::reset`] first, so that a half
/// line of the old connection cannot run into the new one (a clean or truncated end already
/// readied the decoder).
///
/// ```
/// use futures::{executor::block_on, StreamExt};
/// use sse_wire::codec::SseCodec;
/// use sse_wire::sse::Item;
/// use tokio_util::codec::FramedRead;
///
/// block_on(async {
///     let mut first = FramedRead::new(&b"id: 7\ndata: a\n\n"[..], SseCodec::new());
///     while first.next().await.is_some() {}
///     let mut codec = first.into_parts().codec;
///     codec.decoder_mut().reset();
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
/// It encodes anything [`Encode`]: an [`OutEvent`] (a comment too), a decoded [`Event`],
/// [`Control`] or [`Item`] (so that a relay can `FramedWrite` what it read, fields and all: see
/// [`OutEvent::from`]). An event the format cannot carry (a line break in its `id`, say) is an
/// [`SseCodecError::Encode`], and nothing is written for it.
///
/// [`FramedRead::into_parts`]: tokio_util::codec::FramedRead::into_parts
#[derive(Debug, Clone, Default)]
pub struct SseCodec {
    decoder: sse::Decoder,
}

impl SseCodec {
    /// A codec with a default [`sse::Decoder`].
    #[must_use]
    pub fn new() -> Self {
        Self::from(sse::Decoder::new())
    }

    /// The decoder, for its [`last_event_id`](sse::Decoder::last_event_id) and
    /// [`retry`](sse::Decoder::retry).
    #[must_use]
    pub fn decoder(&self) -> &sse::Decoder {
        &self.decoder
    }

    /// The decoder, mutably: to [`reset`](sse::Decoder::reset) it.
    #[must_use]
    pub fn decoder_mut(&mut self) -> &mut sse::Decoder {
        &mut self.decoder
    }
}

impl From<sse::Decoder> for SseCodec {
    /// A codec over a configured decoder (its [`Limits`](sse::Limits), whether it reports
    /// comments, a last event ID carried over from an earlier connection).
    fn from(decoder: sse::Decoder) -> Self {
        SseCodec { decoder }
    }
}

impl From<SseCodec> for sse::Decoder {
    /// The decoder, to go on with another front end.
    fn from(codec: SseCodec) -> Self {
        codec.decoder
    }
}

/// Why an [`SseCodec`] stopped, or refused an event.
///
/// On the reading side every variant is final (`FramedRead` ends after it); an oversized event
/// is not an error of the codec but an item (see [`SseCodec`]).
#[derive(Error, Debug)]
#[non_exhaustive]
pub enum SseCodecError {
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

impl From<SseCodecError> for io::Error {
    /// `Io` as it was; `Truncated` as [`io::ErrorKind::UnexpectedEof`]; `Encode` as
    /// [`io::ErrorKind::InvalidInput`]; `Decode` as [`io::ErrorKind::InvalidData`].
    fn from(e: SseCodecError) -> Self {
        match e {
            SseCodecError::Io(e) => e,
            SseCodecError::Truncated(t) => io::Error::new(io::ErrorKind::UnexpectedEof, t),
            SseCodecError::Encode(e) => io::Error::new(io::ErrorKind::InvalidInput, e),
            SseCodecError::Decode(e) => e.into(),
        }
    }
}

impl Decoder for SseCodec {
    type Item = Result<Item, DecodeError>;
    type Error = SseCodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        match self.decoder.decode_buf(src) {
            Ok(item) => Ok(item.map(Ok)),
            // The engine could not look at the bytes it had kept: every call would say so.
            Err(e @ DecodeError::InputShrunk { .. }) => Err(SseCodecError::Decode(e)),
            // The event is dropped and the decoder has moved past it: the next call goes on.
            Err(e) => Ok(Some(Err(e))),
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        if let Some(item) = self.decode(src)? {
            return Ok(Some(item));
        }
        // `src` holds only what the decoder kept, an unfinished line or event, and the decoder
        // has seen all of it.
        let end = self.decoder.finish();
        src.clear();
        end.map(|()| None).map_err(SseCodecError::Truncated)
    }
}

impl<T: Encode> Encoder<T> for SseCodec {
    type Error = SseCodecError;

    /// Writes anything [`Encode`]: an [`OutEvent`] (a comment too: [`OutEvent::comment`]), a
    /// decoded [`Item`], [`Event`] or [`Control`] as it came (so that a relay can `FramedWrite`
    /// what it read, fields and all), references and boxes of these.
    ///
    /// ```
    /// use futures::{executor::block_on, SinkExt, StreamExt};
    /// use sse_wire::codec::SseCodec;
    /// use sse_wire::sse::OutEvent;
    /// use tokio_util::codec::{FramedRead, FramedWrite};
    ///
    /// let upstream: &[u8] = b": hi\nretry: 500\n\nid: 1\nevent: e\ndata: a\ndata: b\n\n";
    /// block_on(async {
    ///     let mut read = FramedRead::new(upstream, SseCodec::new());
    ///     let mut write = FramedWrite::new(Vec::new(), SseCodec::new());
    ///     while let Some(item) = read.next().await {
    ///         match item? {
    ///             Ok(item) => write.send(&item).await?,
    ///             Err(too_large) => eprintln!("dropped: {too_large}"),
    ///         }
    ///     }
    ///     write.send(OutEvent::comment("")).await?; // a keep-alive
    ///     assert_eq!(write.get_ref(), b": hi\nretry: 500\n\nevent: e\nid: 1\ndata: a\ndata: b\n\n:\n");
    ///     Ok::<(), Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn encode(&mut self, item: T, dst: &mut BytesMut) -> Result<(), Self::Error> {
        let encoder = sse::Encoder::new();
        dst.reserve(encoder.encoded_len(&item)?);
        Ok(encoder.encode(&item, dst)?)
    }
}
