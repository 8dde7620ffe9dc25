//! A [`Decoder`] fed with [`Bytes`] pieces, the shape in which HTTP clients hand out a body.

use alloc::collections::VecDeque;

use bytes::{Buf, Bytes, BytesMut};

use super::decoder::{Decoder, OwnedChunk};
use super::error::Error;
use super::Config;

/// A chunked body decoder fed with [`Bytes`] pieces (socket reads, or the frames of an HTTP
/// client's body stream).
///
/// Push each piece with [`push`](BytesDecoder::push), then take items with
/// [`next`](Iterator::next) until it returns `None`. Body data comes out as slices of the pieces
/// (no copy, whatever the piece boundaries). Only a chunk line or trailer line that straddles two
/// pieces is copied, once, into a small internal buffer, a line at a time. The iterator returns
/// `None` when the pushed pieces hold no complete item (push more, then iterate again), and it
/// yields [`OwnedChunk::Done`] once, after which it returns `None`. The bytes after the body are never
/// consumed: take them with [`take_remainder`](BytesDecoder::take_remainder).
///
/// An error ends the iteration too: it is yielded once (`Some(Err(e))`), and every later call
/// returns `None`, whatever is pushed, so `for item in &mut decoder` and `collect()` stop. The
/// error stays in the wrapped decoder: [`finish`](BytesDecoder::finish) and
/// [`decoder().error()`](Decoder::error) still report it. A failed body cannot be resumed;
/// close the connection.
///
/// ```
/// use bytes::Bytes;
/// use sse_wire::chunked::{BytesDecoder, OwnedChunk};
///
/// let wire = Bytes::from_static(b"5\r\nhello\r\n6;sig=\"a b\"\r\n world\r\n0\r\n\r\nNEXT");
/// let mut decoder = BytesDecoder::new();
/// let mut body = Vec::new();
/// let mut done = false;
/// for at in [0, 4, 9, 15, 30, wire.len()].windows(2) {
///     decoder.push(wire.slice(at[0]..at[1])); // pieces cut anywhere
///     for chunk in &mut decoder {
///         match chunk? {
///             OwnedChunk::Data(data) => body.push(data),
///             OwnedChunk::Done => done = true,
///             _ => {}
///         }
///     }
/// }
/// assert!(done && decoder.is_done());
/// assert_eq!(body.concat(), b"hello world");
/// // Every data piece points into `wire`: nothing was copied.
/// assert!(body.iter().all(|d| wire.as_ptr_range().contains(&d.as_ptr())));
/// assert_eq!(decoder.take_remainder(), "NEXT");
/// decoder.finish()?;
/// # Ok::<(), sse_wire::chunked::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct BytesDecoder {
    decoder: Decoder,
    pieces: VecDeque<Bytes>,
    /// The start of a line that straddles pieces, extended a line end at a time.
    tail: BytesMut,
    /// [`OwnedChunk::Done`] or an error was yielded: the iteration is over.
    done: bool,
}

impl BytesDecoder {
    /// A decoder with [`Config::default()`].
    #[must_use]
    pub fn new() -> Self {
        Self::from_decoder(Decoder::new())
    }

    /// A decoder with the given configuration.
    #[must_use]
    pub fn with_config(config: Config) -> Self {
        Self::from_decoder(Decoder::with_config(config))
    }

    /// Wraps a [`Decoder`] (fresh, or one that already decoded part of the body with
    /// [`Decoder::decode_bytes`]).
    #[must_use]
    pub fn from_decoder(decoder: Decoder) -> Self {
        BytesDecoder {
            decoder,
            pieces: VecDeque::new(),
            tail: BytesMut::new(),
            done: false,
        }
    }

    /// Queues the next piece of input.
    pub fn push(&mut self, piece: Bytes) {
        if !piece.is_empty() {
            self.pieces.push_back(piece);
        }
    }

    /// The wrapped decoder (for [`position`](Decoder::position),
    /// [`remaining_in_chunk`](Decoder::remaining_in_chunk), …).
    #[must_use]
    pub fn decoder(&self) -> &Decoder {
        &self.decoder
    }

    /// `true` once the body ended (see [`Decoder::is_done`]).
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.decoder.is_done()
    }

    /// Takes the input not consumed by the body: after [`OwnedChunk::Done`], the bytes that
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

    /// Tells the decoder that the input ended (EOF); see [`Decoder::finish`].
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Truncated`](super::ErrorKind::Truncated) unless the body is done, or the
    /// error the decoder already failed with.
    pub fn finish(&mut self) -> Result<(), Error> {
        self.decoder.finish()
    }

    fn step(&mut self) -> Result<Option<OwnedChunk>, Error> {
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

    fn step_inner(&mut self) -> Result<Option<OwnedChunk>, Error> {
        loop {
            let chunk = if self.tail.is_empty() {
                let Some(piece) = self.pieces.front_mut() else {
                    return Ok(None);
                };
                let chunk = self.decoder.decode_bytes(piece)?;
                if chunk.is_none() && !piece.is_empty() {
                    // The piece ends inside a line: keep its start.
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
                // Move the piece up to its first line end (or all of it) into the tail.
                let take = memchr::memchr(b'\n', piece).map_or(piece.len(), |i| i + 1);
                self.tail.extend_from_slice(&piece[..take]);
                piece.advance(take);
                if piece.is_empty() {
                    self.pieces.pop_front();
                }
                let chunk = self.decoder.decode_buf(&mut self.tail)?;
                if chunk == Some(OwnedChunk::Done) && !self.tail.is_empty() {
                    // Not reachable with a CRLF-ended body (the final line end is the last byte
                    // moved), but keep whatever followed the body in front of the pieces.
                    let rest = core::mem::take(&mut self.tail).freeze();
                    self.pieces.push_front(rest);
                }
                chunk
            };
            match chunk {
                None => {}
                Some(OwnedChunk::Done) => {
                    self.done = true;
                    return Ok(Some(OwnedChunk::Done));
                }
                chunk => return Ok(chunk),
            }
        }
    }
}

impl Iterator for BytesDecoder {
    type Item = Result<OwnedChunk, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.step().transpose()
    }
}
