//! Body bytes out of a stream of raw chunked bytes.

use alloc::vec::Vec;
use core::pin::Pin;
use core::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use pin_project_lite::pin_project;
use thiserror::Error;

use crate::chunked::{BytesDecoder, ErrorKind, OwnedChunk};

/// Why a [`ChunkedBody`] failed. Every error is final: the stream returns `None` after it and
/// never polls its inner stream again. A body that failed cannot be resumed; close the
/// connection it came on.
#[derive(Error, Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
pub enum ChunkedError<E> {
    /// The inner stream yielded an error.
    #[error(transparent)]
    Transport(E),
    /// The chunked framing is invalid or exceeds a limit, or the inner stream ended before the
    /// last chunk ([`ErrorKind::Truncated`]; see [`is_truncated`](ChunkedError::is_truncated)).
    #[error(transparent)]
    Decode(crate::chunked::Error),
}

impl<E> ChunkedError<E> {
    /// `true` when the inner stream ended before the body did.
    ///
    /// ```
    /// use futures::{executor::block_on, stream, StreamExt};
    /// use sse_wire::stream::ChunkedStreamExt;
    ///
    /// let wire = stream::iter([Ok::<_, ()>("5\r\nhel")]);
    /// let got: Vec<_> = block_on(wire.chunked_body().collect());
    /// assert_eq!(got[0].as_ref().unwrap(), "hel");
    /// assert!(got[1].as_ref().unwrap_err().is_truncated());
    /// ```
    #[must_use]
    pub fn is_truncated(&self) -> bool {
        matches!(self, ChunkedError::Decode(e) if e.kind == ErrorKind::Truncated)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Reading,
    /// The last chunk and the trailer section were read.
    Done,
    /// An error was yielded.
    Failed,
}

pin_project! {
    /// The body data of an HTTP/1.1 chunked body, out of a [`Stream`] of its raw bytes cut
    /// anywhere (socket reads); see [`ChunkedStreamExt::chunked_body`].
    ///
    /// It yields `Result<Bytes, ChunkedError<E>>`: the data of every chunk, as slices of the
    /// input pieces (no copy), as soon as it arrives. It ends (`None`) after the last chunk and
    /// the trailer section, without reading further: the bytes that followed the body in the
    /// last piece (the next message on the connection) are left in
    /// [`into_remainder`](ChunkedBody::into_remainder) or [`into_parts`](ChunkedBody::into_parts),
    /// the trailer fields in [`trailers`](ChunkedBody::trailers). The inner stream ending
    /// before the last chunk is a [`ChunkedError::Decode`] of kind
    /// [`Truncated`](ErrorKind::Truncated), never a short body.
    ///
    /// ```
    /// use futures::{executor::block_on, stream, StreamExt};
    /// use sse_wire::stream::ChunkedStreamExt;
    ///
    /// let wire = stream::iter(["5\r\nhel", "lo\r\n0\r\nETag: x\r\n\r\nHTTP/1.1"].map(Ok::<_, ()>));
    /// let mut body = wire.chunked_body();
    /// let data: Vec<_> = block_on((&mut body).collect());
    /// assert_eq!(data.into_iter().collect::<Result<Vec<_>, _>>().unwrap().concat(), b"hello");
    /// assert_eq!(body.trailers()[0].0, "ETag");
    /// assert_eq!(body.into_remainder(), "HTTP/1.1");
    /// ```
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    #[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
    pub struct ChunkedBody<S> {
        #[pin]
        inner: S,
        decoder: BytesDecoder,
        trailers: Vec<(Bytes, Bytes)>,
        state: State,
    }
}

impl<S> ChunkedBody<S> {
    /// Decodes `inner` with a [`BytesDecoder::new()`] (the default
    /// [`Config`](crate::chunked::Config)).
    pub fn new(inner: S) -> Self {
        Self::with_decoder(inner, BytesDecoder::new())
    }

    /// Decodes `inner` with `decoder` (another [`Config`](crate::chunked::Config), or a
    /// decoder that already holds the start of the body: the bytes read with the header).
    pub fn with_decoder(inner: S, decoder: BytesDecoder) -> Self {
        ChunkedBody {
            inner,
            decoder,
            trailers: Vec::new(),
            state: State::Reading,
        }
    }

    /// The decoder.
    #[must_use]
    pub fn decoder(&self) -> &BytesDecoder {
        &self.decoder
    }

    /// `true` once the whole body, trailer section included, was read.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The trailer fields read so far, `(name, value)` in the order sent (see
    /// [`Chunk::Trailer`](crate::chunked::Chunk::Trailer)). Complete once
    /// [`is_done`](ChunkedBody::is_done).
    #[must_use]
    pub fn trailers(&self) -> &[(Bytes, Bytes)] {
        &self.trailers
    }

    /// The bytes the decoder was given but did not consume: after the body ended, those that
    /// followed it in the pieces read so far (the start of the next message).
    #[must_use]
    pub fn into_remainder(mut self) -> Bytes {
        self.decoder.take_remainder()
    }

    /// The inner stream (positioned after the body once it ended, for the next message on the
    /// same connection) and the remainder (see [`into_remainder`](ChunkedBody::into_remainder)).
    #[must_use]
    pub fn into_parts(mut self) -> (S, Bytes) {
        let rest = self.decoder.take_remainder();
        (self.inner, rest)
    }
}

impl<S, B, E> Stream for ChunkedBody<S>
where
    S: Stream<Item = Result<B, E>>,
    B: Into<Bytes>,
{
    type Item = Result<Bytes, ChunkedError<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        loop {
            if *this.state != State::Reading {
                return Poll::Ready(None);
            }
            for chunk in this.decoder.by_ref() {
                match chunk {
                    Ok(OwnedChunk::Data(data)) => return Poll::Ready(Some(Ok(data))),
                    Ok(OwnedChunk::Trailer { name, value }) => this.trailers.push((name, value)),
                    Ok(OwnedChunk::Done) => {
                        *this.state = State::Done;
                        return Poll::Ready(None);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        *this.state = State::Failed;
                        return Poll::Ready(Some(Err(ChunkedError::Decode(e))));
                    }
                }
            }
            match this.inner.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(piece))) => this.decoder.push(piece.into()),
                Poll::Ready(Some(Err(e))) => {
                    *this.state = State::Failed;
                    return Poll::Ready(Some(Err(ChunkedError::Transport(e))));
                }
                Poll::Ready(None) => {
                    *this.state = State::Failed;
                    // Not done (that returned above), so this is the truncation.
                    let end = this.decoder.finish();
                    return Poll::Ready(end.err().map(|e| Err(ChunkedError::Decode(e))));
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self.state {
            State::Reading => (0, None),
            State::Done | State::Failed => (0, Some(0)),
        }
    }
}

/// Decodes a [`Stream`] of raw chunked bytes: implemented for every
/// `Stream<Item = Result<B, E>>` with `B: Into<Bytes>`.
#[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
pub trait ChunkedStreamExt: Sized {
    /// The body data; see [`ChunkedBody`].
    fn chunked_body(self) -> ChunkedBody<Self> {
        ChunkedBody::new(self)
    }
}

impl<S, B, E> ChunkedStreamExt for S
where
    S: Stream<Item = Result<B, E>>,
    B: Into<Bytes>,
{
}
