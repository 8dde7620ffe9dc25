//! The HTTP/1.1 chunked transfer coding codec.

use std::io;

use bytes::{Bytes, BytesMut};
use thiserror::Error;
use tokio_util::codec::{Decoder, Encoder};

use crate::chunked::{self, Chunk, EncodeError, TrailerField};

/// A `tokio_util` codec for an HTTP/1.1 chunked body (RFC 9112 section 7.1): decodes it
/// through a [`chunked::Decoder`] and encodes one chunk per payload through a
/// [`chunked::Encoder`].
///
/// # Decoding
///
/// The items are the decoder's own [`Chunk`]s, every payload a slice of `FramedRead`'s
/// buffer (no copy): [`Data`](Chunk::Data) pieces as they arrive (a chunk may come in
/// several), one [`Trailer`](Chunk::Trailer) per trailer field, then
/// [`Done`](Chunk::Done). [`Header`](Chunk::Header) items (chunk sizes and extensions)
/// only from a decoder built with [`headers(true)`](chunked::Decoder::headers) and turned into a
/// codec with `ChunkedCodec::from(decoder)`: [`new`](ChunkedCodec::new) leaves them out.
///
/// `Done` is an item, not the end of the stream: the body ends inside the connection, which
/// may carry the next message. Stop polling at `Done`: the codec yields nothing more, and
/// `FramedRead` would wait for the peer. The bytes that followed the body, already read, are
/// in [`FramedRead::read_buffer`], untouched; [`FramedRead::into_parts`] hands them over with
/// the reader. At EOF, a body that is not done is an error
/// ([`DecodeError::Truncated`](chunked::DecodeError::Truncated)), never a short body; either way
/// the decoder is then ready for the next body (see [`chunked::Decoder::finish`]).
///
/// A body that breaks the grammar is a final [`ChunkedCodecError::Decode`]: chunked framing that
/// failed to parse cannot be resynchronised, and the connection should be closed (see
/// [`chunked::DecodeError`]).
///
/// # Encoding
///
/// Each `Bytes` or `&[u8]` item becomes one chunk (an empty one writes nothing, since an empty
/// chunk would end the body); a [`LastChunk`] ends the body, with trailer fields if it has
/// any. The payload is copied into `FramedWrite`'s buffer; for zero-copy vectored writes use
/// [`chunked::Encoder::frame`] directly.
///
/// ```
/// use bytes::Bytes;
/// use futures::{executor::block_on, SinkExt, StreamExt};
/// use sse_wire::chunked::{Chunk, TrailerField};
/// use sse_wire::codec::{ChunkedCodec, LastChunk};
/// use tokio_util::codec::{FramedRead, FramedWrite};
///
/// block_on(async {
///     let mut wire = FramedWrite::new(Vec::new(), ChunkedCodec::new());
///     wire.send(Bytes::from_static(b"data: hello\n\n")).await?;
///     wire.send(&b"data: [DONE]\n\n"[..]).await?;
///     let trailers = [TrailerField::new("Server-Timing", "total;dur=12")?];
///     wire.send(LastChunk(&trailers)).await?;
///     let mut bytes = wire.into_inner();
///     bytes.extend_from_slice(b"HTTP/1.1 200 OK\r\n"); // the next response
///
///     let mut body = FramedRead::new(&bytes[..], ChunkedCodec::new());
///     let mut data = Vec::new();
///     while let Some(chunk) = body.next().await {
///         match chunk? {
///             Chunk::Data(bytes) => data.extend_from_slice(&bytes),
///             Chunk::Trailer { name, value } => assert_eq!((&name[..], &value[..]),
///                 (&b"Server-Timing"[..], &b"total;dur=12"[..])),
///             Chunk::Done => break,
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
    /// A codec whose decoder has the default [`Limits`](chunked::Limits) and reports no chunk
    /// headers, only the body's data, trailer fields and end.
    #[must_use]
    pub const fn new() -> Self {
        ChunkedCodec {
            decoder: chunked::Decoder::new().headers(false),
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

    /// The encoder: replace it with a new one to write the next body after a [`LastChunk`].
    #[must_use]
    pub fn encoder_mut(&mut self) -> &mut chunked::Encoder {
        &mut self.encoder
    }
}

impl From<chunked::Decoder> for ChunkedCodec {
    /// A codec over a configured decoder (its [`Limits`](chunked::Limits), whether it reports
    /// [`Header`](Chunk::Header) items).
    fn from(decoder: chunked::Decoder) -> Self {
        ChunkedCodec {
            decoder,
            encoder: chunked::Encoder::new(),
        }
    }
}

/// Why a [`ChunkedCodec`] stopped, or refused to write.
#[derive(Error, Debug)]
#[non_exhaustive]
pub enum ChunkedCodecError {
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The body is not valid chunked framing, or it ended early
    /// ([`DecodeError::Truncated`](chunked::DecodeError::Truncated)). Final.
    #[error(transparent)]
    Decode(#[from] chunked::DecodeError),
    /// A chunk could not be written: most often [`EncodeError::Finished`], data after the
    /// [`LastChunk`]. Nothing was written.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

impl From<ChunkedCodecError> for io::Error {
    /// `Io` as it was, the others as their own `From` impls turn them into `io::Error`s
    /// (a truncated body is [`io::ErrorKind::UnexpectedEof`]).
    fn from(e: ChunkedCodecError) -> Self {
        match e {
            ChunkedCodecError::Io(e) => e,
            ChunkedCodecError::Decode(e) => e.into(),
            ChunkedCodecError::Encode(e) => e.into(),
        }
    }
}

impl Decoder for ChunkedCodec {
    type Item = Chunk;
    type Error = ChunkedCodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Chunk>, ChunkedCodecError> {
        if self.decoder.is_done() {
            // `Done` went out already; what follows the body is not ours.
            return Ok(None);
        }
        // The decoder's "need more" is already the codec's `Ok(None)`.
        Ok(self.decoder.decode_buf(src)?)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Chunk>, ChunkedCodecError> {
        if let Some(chunk) = self.decode(src)? {
            return Ok(Some(chunk));
        }
        // Bytes after a finished body stay in `src` for the caller.
        self.decoder.finish()?;
        Ok(None)
    }
}

impl Encoder<&[u8]> for ChunkedCodec {
    type Error = ChunkedCodecError;

    /// Writes `data` as one chunk (nothing for an empty `data`).
    fn encode(&mut self, data: &[u8], dst: &mut BytesMut) -> Result<(), ChunkedCodecError> {
        reserve(dst, chunked::Encoder::encoded_len(data.len(), &[]));
        Ok(self.encoder.encode(data, &[], dst)?)
    }
}

impl Encoder<Bytes> for ChunkedCodec {
    type Error = ChunkedCodecError;

    /// Writes `data` as one chunk (nothing for an empty `data`).
    fn encode(&mut self, data: Bytes, dst: &mut BytesMut) -> Result<(), ChunkedCodecError> {
        self.encode(&data[..], dst)
    }
}

/// The end of a chunked body, for a [`ChunkedCodec`] to write: the last chunk (`0\r\n`), the
/// trailer fields it holds, and the final CRLF.
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
///     wire.send(LastChunk::default()).await
/// })?;
/// assert_eq!(wire.get_ref(), b"3\r\nabc\r\n0\r\n\r\n");
/// // The body is finished: more data is refused.
/// assert!(block_on(wire.send(&b"late"[..])).is_err());
/// // A new encoder writes the next body.
/// *wire.encoder_mut().encoder_mut() = Default::default();
/// block_on(wire.send(&b"next"[..]))?;
/// assert_eq!(wire.get_ref(), b"3\r\nabc\r\n0\r\n\r\n4\r\nnext\r\n");
/// # Ok::<(), sse_wire::codec::ChunkedCodecError>(())
/// ```
///
/// `LastChunk::default()` (or `LastChunk(&[])`) is the last chunk without trailer fields,
/// `0\r\n\r\n`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LastChunk<'a>(pub &'a [TrailerField<'a>]);

impl Encoder<LastChunk<'_>> for ChunkedCodec {
    type Error = ChunkedCodecError;

    /// Ends the body; every chunk after it is an [`EncodeError::Finished`].
    fn encode(&mut self, last: LastChunk<'_>, dst: &mut BytesMut) -> Result<(), ChunkedCodecError> {
        reserve(dst, chunked::Encoder::finished_len(last.0));
        Ok(self.encoder.finish(last.0, dst)?)
    }
}

/// Makes room for `len` bytes in one allocation; a `len` of `usize::MAX` (a length that does not
/// fit) is left to the encoder, which refuses it with [`EncodeError::LengthOverflow`].
fn reserve(dst: &mut BytesMut, len: usize) {
    if len != usize::MAX {
        dst.reserve(len);
    }
}
