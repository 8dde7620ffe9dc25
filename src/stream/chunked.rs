//! Body bytes out of a stream of raw chunked bytes.

use alloc::vec::Vec;
use core::pin::Pin;
use core::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use pin_project_lite::pin_project;
use thiserror::Error;

use crate::chunked::{BytesDecoder, Chunk, DecodeError};

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
    /// last chunk ([`DecodeError::Truncated`]).
    ///
    /// ```
    /// use futures::{executor::block_on, stream, StreamExt};
    /// use sse_wire::chunked::DecodeError;
    /// use sse_wire::stream::{ChunkedError, ChunkedStreamExt};
    ///
    /// let wire = stream::iter([Ok::<_, ()>("5\r\nhel")]);
    /// let got: Vec<_> = block_on(wire.chunked_body().collect());
    /// assert_eq!(got[0].as_ref().unwrap(), "hel");
    /// assert!(matches!(got[1], Err(ChunkedError::Decode(DecodeError::Truncated { offset: 6 }))));
    /// ```
    #[error(transparent)]
    Decode(DecodeError),
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
    /// [`into_parts`](ChunkedBody::into_parts), the trailer fields in
    /// [`trailers`](ChunkedBody::trailers). The inner stream ending before the last chunk is a
    /// [`ChunkedError::Decode`] of [`DecodeError::Truncated`], never a short body.
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
    /// assert_eq!(body.into_parts().1, "HTTP/1.1");
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
    /// Decodes `inner` with `decoder` (other [`Limits`](crate::chunked::Limits), or a decoder
    /// that already holds the start of the body: the bytes read with the header). With the
    /// default decoder, use [`ChunkedStreamExt::chunked_body`].
    ///
    /// ```
    /// use bytes::Bytes;
    /// use futures::{executor::block_on, stream, StreamExt};
    /// use sse_wire::chunked::{BytesDecoder, Decoder, Limits};
    /// use sse_wire::stream::ChunkedBody;
    ///
    /// let mut decoder = BytesDecoder::from(Decoder::with_limits(Limits::strict()));
    /// decoder.push(Bytes::from_static(b"5\r\nhe")); // read with the response header
    /// let rest = stream::iter([Ok::<_, ()>("llo\r\n0\r\n\r\n")]);
    /// let data: Vec<_> = block_on(ChunkedBody::with_decoder(rest, decoder).collect());
    /// assert_eq!(data.into_iter().collect::<Result<Vec<_>, _>>().unwrap().concat(), b"hello");
    /// ```
    pub fn with_decoder(inner: S, decoder: BytesDecoder) -> Self {
        ChunkedBody {
            inner,
            decoder,
            trailers: Vec::new(),
            state: State::Reading,
        }
    }

    /// The decoder: `decoder().decoder().is_done()` once the whole body, trailer section
    /// included, was read (the stream then ends).
    #[must_use]
    pub fn decoder(&self) -> &BytesDecoder {
        &self.decoder
    }

    /// The trailer fields read so far, `(name, value)` in the order sent (see
    /// [`ChunkRef::Trailer`](crate::chunked::ChunkRef::Trailer)). Complete once the body is
    /// done.
    #[must_use]
    pub fn trailers(&self) -> &[(Bytes, Bytes)] {
        &self.trailers
    }

    /// The inner stream (positioned after the body once it ended, for the next message on the
    /// same connection) and the remainder: the bytes the decoder was given but did not consume,
    /// after the body ended those that followed it in the pieces read so far (the start of the
    /// next message).
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
                    Ok(Chunk::Data(data)) => return Poll::Ready(Some(Ok(data))),
                    Ok(Chunk::Trailer { name, value }) => this.trailers.push((name, value)),
                    Ok(Chunk::Done) => {
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
        ChunkedBody::with_decoder(self, BytesDecoder::new())
    }
}

impl<S, B, E> ChunkedStreamExt for S
where
    S: Stream<Item = Result<B, E>>,
    B: Into<Bytes>,
{
}
