//! A [`Decoder`] fed with [`Bytes`] pieces, the shape in which HTTP clients hand out a body.

use alloc::collections::VecDeque;

use bytes::{Buf, Bytes, BytesMut};

use super::decoder::{Chunk, Decoder};
use super::error::DecodeError;

/// A chunked body decoder fed with [`Bytes`] pieces (socket reads, or the frames of an HTTP
/// client's body stream).
///
/// Push each piece with [`push`](BytesDecoder::push), then take items with
/// [`next`](Iterator::next) until it returns `None`. Body data comes out as slices of the pieces
/// (no copy, whatever the piece boundaries). Only a chunk line or trailer line that straddles two
/// pieces is copied, once, into a small internal buffer, a line at a time. The iterator returns
/// `None` when the pushed pieces hold no complete item (push more, then iterate again), and it
/// yields [`Chunk::Done`] once, after which it returns `None`. The bytes after the body are never
/// consumed: take them with [`take_remainder`](BytesDecoder::take_remainder).
///
/// An error ends the iteration too: it is yielded once (`Some(Err(e))`), and every later call
/// returns `None`, whatever is pushed, so `for item in &mut decoder` and `collect()` stop. The
/// error stays in the wrapped decoder, and [`finish`](BytesDecoder::finish) reports it again. A
/// failed body cannot be resumed; close the connection.
///
/// Wrap a configured [`Decoder`] (or one that already decoded the start of the body) with
/// `BytesDecoder::from(decoder)`.
///
/// ```
/// use bytes::Bytes;
/// use sse_wire::chunked::{BytesDecoder, Chunk};
///
/// let wire = Bytes::from_static(b"5\r\nhello\r\n6;sig=\"a b\"\r\n world\r\n0\r\n\r\nNEXT");
/// let mut decoder = BytesDecoder::new();
/// let mut body = Vec::new();
/// let mut done = false;
/// for at in [0, 4, 9, 15, 30, wire.len()].windows(2) {
///     decoder.push(wire.slice(at[0]..at[1])); // pieces cut anywhere
///     for chunk in &mut decoder {
///         match chunk? {
///             Chunk::Data(data) => body.push(data),
///             Chunk::Done => done = true,
///             _ => {}
///         }
///     }
/// }
/// assert!(done && decoder.decoder().is_done());
/// assert_eq!(body.concat(), b"hello world");
/// // Every data piece points into `wire`: nothing was copied.
/// assert!(body.iter().all(|d| wire.as_ptr_range().contains(&d.as_ptr())));
/// assert_eq!(decoder.take_remainder(), "NEXT");
/// decoder.finish()?;
/// # Ok::<(), sse_wire::chunked::DecodeError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct BytesDecoder {
    decoder: Decoder,
    pieces: VecDeque<Bytes>,
    /// The start of a line that straddles pieces, extended a line end at a time.
    tail: BytesMut,
    /// [`Chunk::Done`] or an error was yielded: the iteration is over.
    done: bool,
}

impl From<Decoder> for BytesDecoder {
    /// Wraps a [`Decoder`]: one with other [`Limits`](super::Limits), or one that already
    /// decoded part of the body.
    fn from(decoder: Decoder) -> Self {
        BytesDecoder {
            decoder,
            pieces: VecDeque::new(),
            tail: BytesMut::new(),
            done: false,
        }
    }
}

impl BytesDecoder {
    /// A decoder with the default [`Limits`](super::Limits).
    #[must_use]
    pub fn new() -> Self {
        Self::from(Decoder::new())
    }

    /// Queues the next piece of input.
    pub fn push(&mut self, piece: Bytes) {
        if !piece.is_empty() {
            self.pieces.push_back(piece);
        }
    }

    /// The wrapped decoder (for [`is_done`](Decoder::is_done),
    /// [`position`](Decoder::position), [`remaining_in_chunk`](Decoder::remaining_in_chunk),
    /// …).
    #[must_use]
    pub fn decoder(&self) -> &Decoder {
        &self.decoder
    }

    /// Takes the input not consumed by the body: after [`Chunk::Done`], the bytes that
    /// followed the body (the next message). No copy when they lie in one piece, which is the
    /// common case; several pieces are joined. Before the end of the body it takes every
    /// queued byte, which the decoder then never sees.
    pub fn take_remainder(&mut self) -> Bytes {
        let mut rest = BytesMut::new();
        if !self.tail.is_empty() {
            rest = core::mem::take(&mut self.tail);
        } else if self.pieces.len() == 1 {
            return self.pieces.pop_front().unwrap_or_default();
        }
        for piece in self.pieces.drain(..) {
            rest.extend_from_slice(&piece);
        }
        rest.freeze()
    }

    /// Tells the decoder that the input ended (EOF), and readies it for the next body; see
    /// [`Decoder::finish`].
    ///
    /// After a body that ended cleanly, the queued bytes that followed it stay queued (take
    /// them with [`take_remainder`](BytesDecoder::take_remainder), or iterate on to decode them
    /// as the next body). After an error, the queued input of the failed body is dropped.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use sse_wire::chunked::{BytesDecoder, Chunk, DecodeError};
    ///
    /// let mut decoder = BytesDecoder::new();
    /// decoder.push(Bytes::from_static(b"3\r\nab"));
    /// assert!(matches!(decoder.next(), Some(Ok(Chunk::Header { size: 3, .. }))));
    /// assert_eq!(decoder.next().unwrap()?, Chunk::Data(Bytes::from_static(b"ab")));
    /// assert_eq!(decoder.finish(), Err(DecodeError::Truncated { offset: 5 }));
    /// // The next body.
    /// decoder.push(Bytes::from_static(b"0\r\n\r\n"));
    /// assert_eq!(decoder.by_ref().last().unwrap()?, Chunk::Done);
    /// assert_eq!(decoder.finish(), Ok(()));
    /// # Ok::<(), DecodeError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`DecodeError::Truncated`] unless the body is done, or the error the decoder already
    /// failed with.
    pub fn finish(&mut self) -> Result<(), DecodeError> {
        let end = self.decoder.finish();
        if end.is_err() {
            self.pieces.clear();
            self.tail.clear();
        }
        self.done = false;
        end
    }

    fn step(&mut self) -> Result<Option<Chunk>, DecodeError> {
        if self.done {
            return Ok(None);
        }
        let item = self.step_inner();
        if item.is_err() {
            // The error is final (the decoder keeps it for `finish`): yield it once, then end.
            self.done = true;
        }
        item
    }

    fn step_inner(&mut self) -> Result<Option<Chunk>, DecodeError> {
        loop {
            let chunk = if self.tail.is_empty() {
                let Some(piece) = self.pieces.front_mut() else {
                    return Ok(None);
                };
                let chunk = self.decoder.decode_owned(piece)?;
                if chunk.is_none() && !piece.is_empty() {
                    // The piece ends inside a line: keep its start. (It holds no line end: a
                    // line that ended would have been an item.)
                    self.tail.extend_from_slice(piece);
                    piece.clear();
                }
                if piece.is_empty() {
                    self.pieces.pop_front();
                }
                chunk
            } else {
                let Some(piece) = self.pieces.front_mut() else {
                    return Ok(None);
                };
                // Move the piece up to its first line end (or all of it) into the tail. The
                // tail then holds one line at most, and every line ends at an LF (or fails
                // before it), so the decoder consumes all of the tail whenever it returns an
                // item: nothing that follows the body is ever in it.
                let take = memchr::memchr(b'\n', piece).map_or(piece.len(), |i| i + 1);
                self.tail.extend_from_slice(&piece[..take]);
                piece.advance(take);
                if piece.is_empty() {
                    self.pieces.pop_front();
                }
                self.decoder.decode_buf(&mut self.tail)?
            };
            match chunk {
                None => {}
                Some(Chunk::Done) => {
                    self.done = true;
                    return Ok(Some(Chunk::Done));
                }
                chunk => return Ok(chunk),
            }
        }
    }
}

impl Iterator for BytesDecoder {
    type Item = Result<Chunk, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.step().transpose()
    }
}
