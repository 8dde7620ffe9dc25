//! The HTTP/1.1 chunked transfer coding codec.

use std::io;

use bytes::{Bytes, BytesMut};
use thiserror::Error;
use tokio_util::codec::{Decoder, Encoder};

use crate::chunked::{self, EncodeError, OwnedChunk, TrailerField};

/// A `tokio_util` codec for an HTTP/1.1 chunked body (RFC 9112 section 7.1): decodes it
/// through a [`chunked::Decoder`] and encodes one chunk per payload through a
/// [`chunked::Encoder`].
///
/// # Decoding
///
/// The items are the decoder's own [`OwnedChunk`]s, every payload a slice of `FramedRead`'s
/// buffer (no copy): [`Data`](OwnedChunk::Data) pieces as they arrive (a chunk may come in
/// several), one [`Trailer`](OwnedChunk::Trailer) per trailer field, then
/// [`Done`](OwnedChunk::Done). [`Header`](OwnedChunk::Header) items (chunk sizes and extensions)
/// only from a decoder built with [`headers(true)`](chunked::Decoder::headers) and given to
/// [`from_decoder`](ChunkedCodec::from_decoder): [`new`](ChunkedCodec::new) leaves them out.
///
/// `Done` is an item, not the end of the stream: the body ends inside the connection, which
/// may carry the next message. Stop polling at `Done`: the codec yields nothing more, and
/// `FramedRead` would wait for the peer. The bytes that followed the body, already read, are
/// in [`FramedRead::read_buffer`], untouched; [`FramedRead::into_parts`] hands them over with
/// the reader. At EOF, a body that is not done is an error
/// ([`ErrorKind::Truncated`](chunked::ErrorKind::Truncated)), never a short body.
///
/// A body that breaks the grammar is a final [`ChunkedError::Decode`]: chunked framing that
/// failed to parse cannot be resynchronised, and the connection should be closed (see
/// [`chunked::Error`]).
///
/// # Encoding
///
/// Each `Bytes` or `&[u8]` item becomes one chunk (an empty one writes nothing, since an empty
/// chunk would end the body); a [`LastChunk`] ends the body, with trailer fields if it has
/// any. The payload is copied into `FramedWrite`'s buffer; for zero-copy vectored writes use
/// [`chunked::Encoder::chunk`] directly.
///
/// ```
/// use bytes::Bytes;
/// use futures::{executor::block_on, SinkExt, StreamExt};
/// use sse_wire::chunked::{OwnedChunk, TrailerField};
/// use sse_wire::codec::{ChunkedCodec, LastChunk};
/// use tokio_util::codec::{FramedRead, FramedWrite};
///
/// block_on(async {
///     let mut wire = FramedWrite::new(Vec::new(), ChunkedCodec::new());
///     wire.send(Bytes::from_static(b"data: hello\n\n")).await?;
///     wire.send(&b"data: [DONE]\n\n"[..]).await?;
///     let trailers = [TrailerField::new("Server-Timing", "total;dur=12")?];
///     wire.send(LastChunk::with_trailers(&trailers)).await?;
///     let mut bytes = wire.into_inner();
///     bytes.extend_from_slice(b"HTTP/1.1 200 OK\r\n"); // the next response
///
///     let mut body = FramedRead::new(&bytes[..], ChunkedCodec::new());
///     let mut data = Vec::new();
///     while let Some(chunk) = body.next().await {
///         match chunk? {
///             OwnedChunk::Data(bytes) => data.extend_from_slice(&bytes),
///             OwnedChunk::Trailer { name, value } => assert_eq!((&name[..], &value[..]),
///                 (&b"Server-Timing"[..], &b"total;dur=12"[..])),
///             OwnedChunk::Done => break,
///             _ => {}
///         }
///     }
///     assert_eq!(data, b"data: hello\n\ndata: [DONE]\n\n");
///     assert_eq!(&body.read_buffer()[..], b"HTTP/1.1 200 OK\r\n");
///     Ok::<(), Box<dyn std::error::Error>>(())
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [`FramedRead::read_buffer`]: tokio_util::codec::FramedRead::read_buffer
/// [`FramedRead::into_parts`]: tokio_util::codec::FramedRead::into_parts
#[derive(Debug, Clone)]
pub struct ChunkedCodec {
    decoder: chunked::Decoder,
    encoder: chunked::Encoder,
}

impl Default for ChunkedCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl ChunkedCodec {
    /// A codec whose decoder has the default [`Config`](chunked::Config) and reports no chunk
    /// headers, only the body's data, trailer fields and end.
    #[must_use]
    pub const fn new() -> Self {
        Self::from_decoder(chunked::Decoder::new().headers(false))
    }

    /// A codec over a configured decoder (its [`Config`](chunked::Config), whether it reports
    /// [`Header`](OwnedChunk::Header) items).
    #[must_use]
    pub const fn from_decoder(decoder: chunked::Decoder) -> Self {
        ChunkedCodec {
            decoder,
            encoder: chunked::Encoder::new(),
        }
    }

    /// The decoder (whether the body is [done](chunked::Decoder::is_done), its
    /// [position](chunked::Decoder::position)).
    #[must_use]
    pub fn decoder(&self) -> &chunked::Decoder {
        &self.decoder
    }

    /// The decoder, mutably: [`reset`](chunked::Decoder::reset) it to read the next body.
    #[must_use]
    pub fn decoder_mut(&mut self) -> &mut chunked::Decoder {
        &mut self.decoder
    }

    /// The encoder (whether the body it writes is [finished](chunked::Encoder::is_finished)).
    #[must_use]
    pub fn encoder(&self) -> &chunked::Encoder {
        &self.encoder
    }

    /// The encoder, mutably: replace it with a new one to write the next body.
    #[must_use]
    pub fn encoder_mut(&mut self) -> &mut chunked::Encoder {
        &mut self.encoder
    }
}

/// Why a [`ChunkedCodec`] stopped, or refused to write.
#[derive(Error, Debug)]
#[non_exhaustive]
pub enum ChunkedError {
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The body is not valid chunked framing, or it ended early
    /// ([`ErrorKind::Truncated`](chunked::ErrorKind::Truncated)). Final.
    #[error(transparent)]
    Decode(#[from] chunked::Error),
    /// A chunk could not be written: most often [`EncodeError::Finished`], data after the
    /// [`LastChunk`]. Nothing was written.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

impl From<ChunkedError> for io::Error {
    /// `Io` as it was, the others as their own `From` impls turn them into `io::Error`s
    /// (a truncated body is [`io::ErrorKind::UnexpectedEof`]).
    fn from(e: ChunkedError) -> Self {
        match e {
            ChunkedError::Io(e) => e,
            ChunkedError::Decode(e) => e.into(),
            ChunkedError::Encode(e) => e.into(),
        }
    }
}

impl Decoder for ChunkedCodec {
    type Item = OwnedChunk;
    type Error = ChunkedError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<OwnedChunk>, ChunkedError> {
        if self.decoder.is_done() {
            // `Done` went out already; what follows the body is not ours.
            return Ok(None);
        }
        // The decoder's "need more" is already the codec's `Ok(None)`.
        Ok(self.decoder.decode_buf(src)?)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<OwnedChunk>, ChunkedError> {
        if let Some(chunk) = self.decode(src)? {
            return Ok(Some(chunk));
        }
        // Bytes after a finished body stay in `src` for the caller.
        self.decoder.finish()?;
        Ok(None)
    }
}

impl Encoder<&[u8]> for ChunkedCodec {
    type Error = ChunkedError;

    /// Writes `data` as one chunk (nothing for an empty `data`).
    fn encode(&mut self, data: &[u8], dst: &mut BytesMut) -> Result<(), ChunkedError> {
        reserve(dst, chunked::Encoder::encoded_len(data.len()));
        Ok(self.encoder.encode_chunk(data, dst)?)
    }
}

impl Encoder<Bytes> for ChunkedCodec {
    type Error = ChunkedError;

    /// Writes `data` as one chunk (nothing for an empty `data`).
    fn encode(&mut self, data: Bytes, dst: &mut BytesMut) -> Result<(), ChunkedError> {
        self.encode(&data[..], dst)
    }
}

/// The end of a chunked body, for a [`ChunkedCodec`] to write: the last chunk (`0\r\n`), the
/// trailer fields, and the final CRLF.
///
/// Send trailer fields only to a peer that accepts them (a request with `TE: trailers`), and
/// announce them in a `Trailer` header field.
///
/// ```
/// use futures::{executor::block_on, SinkExt};
/// use sse_wire::codec::{ChunkedCodec, LastChunk};
/// use tokio_util::codec::FramedWrite;
///
/// let mut wire = FramedWrite::new(Vec::new(), ChunkedCodec::new());
/// block_on(async {
///     wire.send(&b"abc"[..]).await?;
///     wire.send(LastChunk::new()).await
/// })?;
/// assert_eq!(wire.get_ref(), b"3\r\nabc\r\n0\r\n\r\n");
/// assert!(wire.encoder().encoder().is_finished());
/// # Ok::<(), sse_wire::codec::ChunkedError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LastChunk<'a> {
    trailers: &'a [TrailerField<'a>],
}

impl<'a> LastChunk<'a> {
    /// The last chunk without trailer fields: `0\r\n\r\n`.
    #[must_use]
    pub const fn new() -> Self {
        LastChunk { trailers: &[] }
    }

    /// The last chunk followed by `trailers`.
    #[must_use]
    pub const fn with_trailers(trailers: &'a [TrailerField<'a>]) -> Self {
        LastChunk { trailers }
    }

    /// The trailer fields.
    #[must_use]
    pub const fn trailers(&self) -> &'a [TrailerField<'a>] {
        self.trailers
    }
}

impl Encoder<LastChunk<'_>> for ChunkedCodec {
    type Error = ChunkedError;

    /// Ends the body; every chunk after it is an [`EncodeError::Finished`].
    fn encode(&mut self, last: LastChunk<'_>, dst: &mut BytesMut) -> Result<(), ChunkedError> {
        reserve(dst, chunked::Encoder::finished_len(last.trailers));
        Ok(self.encoder.finish_with_trailers(last.trailers, dst)?)
    }
}

/// Makes room for `len` bytes in one allocation; a `len` of `usize::MAX` (a length that does not
/// fit) is left to the encoder, which refuses it with [`EncodeError::LengthOverflow`].
fn reserve(dst: &mut BytesMut, len: usize) {
    if len != usize::MAX {
        dst.reserve(len);
    }
}
