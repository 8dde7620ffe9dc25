//! SSE events out of a stream of body pieces.

use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use pin_project_lite::pin_project;
use thiserror::Error;

use crate::outcome::{Outcome, Sentinel};
use crate::sse::{BytesDecoder, DecodeError, Event, Item, Truncated};

/// Why an [`EventStream`] or [`ItemStream`] yielded an error. `E` is the transport's error type.
///
/// [`Limit`](Error::Limit) is not final: the event that crossed the limit was skipped and the
/// stream goes on with the next one. [`Transport`](Error::Transport) and
/// [`Truncated`](Error::Truncated) are final: the stream returns `None` after them and never
/// polls its inner stream again. See [`is_final`](Error::is_final).
#[derive(Error, Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
pub enum Error<E> {
    /// The inner stream yielded an error. Final.
    #[error(transparent)]
    Transport(E),
    /// An event or a line exceeded the decoder's [`Limits`](crate::sse::Limits): it was
    /// skipped. Not final.
    #[error(transparent)]
    Limit(DecodeError),
    /// The body ended inside an event or a line; the event in progress was discarded. Final.
    #[error(transparent)]
    Truncated(Truncated),
}

impl<E> Error<E> {
    /// `true` when the stream ends after this error ([`Transport`](Error::Transport),
    /// [`Truncated`](Error::Truncated)), `false` when it goes on ([`Limit`](Error::Limit)).
    ///
    /// ```
    /// use sse_wire::sse::Truncated;
    /// use sse_wire::stream::Error;
    ///
    /// assert!(Error::Transport("reset").is_final());
    /// let t = Truncated { fields: 1, data_len: 3, partial_line: 0 };
    /// assert!(Error::<()>::Truncated(t).is_final());
    /// ```
    #[must_use]
    pub fn is_final(&self) -> bool {
        !matches!(self, Error::Limit(_))
    }

    /// Maps the transport error.
    pub fn map_transport<F>(self, f: impl FnOnce(E) -> F) -> Error<F> {
        match self {
            Error::Transport(e) => Error::Transport(f(e)),
            Error::Limit(e) => Error::Limit(e),
            Error::Truncated(t) => Error::Truncated(t),
        }
    }
}

/// The decoder and where the inner stream is, shared by [`EventStream`] and [`ItemStream`].
#[derive(Debug, Clone)]
struct Core {
    decoder: BytesDecoder,
    /// The inner stream returned `None` or an error: it is never polled again.
    ended: bool,
}

impl Core {
    fn new(decoder: BytesDecoder) -> Self {
        Core {
            decoder,
            ended: false,
        }
    }

    /// The next item `keep` lets through; items it turns into `None` are absorbed (their
    /// state stays in the decoder).
    fn poll<S, B, E, T>(
        &mut self,
        mut inner: Pin<&mut S>,
        cx: &mut Context<'_>,
        mut keep: impl FnMut(Item) -> Option<T>,
    ) -> Poll<Option<Result<T, Error<E>>>>
    where
        S: Stream<Item = Result<B, E>>,
        B: Into<Bytes>,
    {
        loop {
            // Everything the queued pieces hold comes out before the inner stream is polled:
            // an error or the end from it cannot overtake an event already received.
            for item in self.decoder.by_ref() {
                match item {
                    Ok(item) => {
                        if let Some(t) = keep(item) {
                            return Poll::Ready(Some(Ok(t)));
                        }
                    }
                    Err(e) => return Poll::Ready(Some(Err(Error::Limit(e)))),
                }
            }
            if self.ended {
                return Poll::Ready(None);
            }
            match inner.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(piece))) => self.decoder.push(piece.into()),
                Poll::Ready(Some(Err(e))) => {
                    self.ended = true;
                    return Poll::Ready(Some(Err(Error::Transport(e))));
                }
                Poll::Ready(None) => {
                    self.ended = true;
                    // Every queued item was taken above, so this only judges the end.
                    return Poll::Ready(
                        self.decoder
                            .finish()
                            .err()
                            .map(|t| Err(Error::Truncated(t))),
                    );
                }
            }
        }
    }
}

/// The constructor and accessors [`EventStream`] and [`ItemStream`] share, written once: both
/// are an inner stream and a [`Core`].
macro_rules! shared_accessors {
    ($stream:ident) => {
        /// Decodes `inner` with a [`BytesDecoder::new()`].
        pub fn new(inner: S) -> Self {
            Self::with_decoder(inner, BytesDecoder::new())
        }

        /// The decoder.
        #[must_use]
        pub fn decoder(&self) -> &BytesDecoder {
            &self.core.decoder
        }

        /// The last event ID: send it as `Last-Event-ID` when reconnecting (when not empty).
        #[must_use]
        pub fn last_event_id(&self) -> &str {
            self.core.decoder.decoder().last_event_id()
        }

        /// The reconnection time the stream asked for, if any.
        #[must_use]
        pub fn retry(&self) -> Option<Duration> {
            self.core.decoder.decoder().retry()
        }

        /// `true` once the inner stream returned `None` or an error: it is not polled again.
        #[must_use]
        pub fn is_ended(&self) -> bool {
            self.core.ended
        }

        /// The inner stream.
        #[must_use]
        pub fn get_ref(&self) -> &S {
            &self.inner
        }

        /// Takes the decoder, for a reconnect: call [`BytesDecoder::reset`] on it and pass
        /// it to [`with_decoder`](Self::with_decoder) with the new response's stream.
        #[must_use]
        pub fn into_decoder(self) -> BytesDecoder {
            self.core.decoder
        }

        /// The inner stream and the decoder (holding the pieces not decoded yet).
        #[must_use]
        pub fn into_parts(self) -> (S, BytesDecoder) {
            (self.inner, self.core.decoder)
        }

        /// Goes on with a new connection's stream: the decoder is readied with
        /// [`BytesDecoder::reset`] (the last event ID and the reconnection time stay, the
        /// old connection's unfinished line and event are dropped) and decodes `inner`. The
        /// old inner stream is dropped. See the [module docs](super#reconnecting).
        pub fn reconnect<T>(self, inner: T) -> $stream<T> {
            let mut decoder = self.core.decoder;
            decoder.reset();
            $stream::with_decoder(inner, decoder)
        }
    };
}

pin_project! {
    /// The events of a `text/event-stream` body, out of a [`Stream`] of its pieces; see
    /// [`SseStreamExt::sse_events`].
    ///
    /// `S` yields `Result<B, E>` with `B: Into<Bytes>` (`Bytes`, `Vec<u8>`, `String`,
    /// `&'static str`, ...) and `E` the transport's error. The stream yields
    /// `Result<Event, Error<E>>`: every dispatched [`Event`], in order, however the body was
    /// cut into pieces; comments (keep-alives) and blocks that only set `id` or `retry` are
    /// absorbed, and their effect (the last event ID, the reconnection time) stays in the
    /// [`decoder`](EventStream::decoder). A clean end of the body ends the stream (`None`); see
    /// [`Error`] for the rest.
    ///
    /// The inner stream is polled only when the pieces received so far hold no complete event,
    /// and never again after it returned `None` or an error.
    ///
    /// An `S` that is not `Unpin` can be polled once the adapter is pinned (`Box::pin`, `pin!`);
    /// to get the decoder back by value from such a stream, `Box::pin` the inner stream instead.
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    #[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
    pub struct EventStream<S> {
        #[pin]
        inner: S,
        core: Core,
    }
}

impl<S> EventStream<S> {
    shared_accessors!(EventStream);

    /// Decodes `inner` with `decoder`: one with other [`Limits`](crate::sse::Limits), or the
    /// decoder of an earlier connection (after [`BytesDecoder::reset`]), whose last event
    /// ID and reconnection time then carry over.
    ///
    /// ```
    /// use futures::{executor::block_on, stream, StreamExt};
    /// use sse_wire::sse::{BytesDecoder, Decoder, Limits};
    /// use sse_wire::stream::{Error, EventStream};
    ///
    /// let decoder = BytesDecoder::from(Decoder::with_limits({ let mut limits = Limits::default(); limits.max_event_size = 4; limits }));
    /// let body = stream::iter([Ok::<_, ()>("data: too large\n\ndata: ok\n\n")]);
    /// let got: Vec<_> = block_on(EventStream::with_decoder(body, decoder).collect());
    /// assert!(matches!(got[0], Err(Error::Limit(_))));
    /// assert_eq!(got[1].as_ref().unwrap().data(), "ok");
    /// ```
    pub fn with_decoder(inner: S, decoder: BytesDecoder) -> Self {
        EventStream {
            inner,
            core: Core::new(decoder),
        }
    }

    /// Ends the stream at the first event `sentinel` matches, without yielding it, and records
    /// how the stream ended; see [`Until`].
    pub fn until<B, E>(self, sentinel: Sentinel) -> Until<S, E>
    where
        S: Stream<Item = Result<B, E>>,
    {
        Until {
            events: self,
            sentinel,
            outcome: None,
        }
    }
}

impl<S, B, E> Stream for EventStream<S>
where
    S: Stream<Item = Result<B, E>>,
    B: Into<Bytes>,
{
    type Item = Result<Event, Error<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        this.core.poll(this.inner, cx, |item| match item {
            Item::Event(event) => Some(event),
            _ => None,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, if self.core.ended { Some(0) } else { None })
    }
}

pin_project! {
    /// Every item of a `text/event-stream` body, out of a [`Stream`] of its pieces: events,
    /// comments and the blocks that only set `id` or `retry` ([`Item`]), as a relay needs to
    /// pass the stream on unchanged; see [`SseStreamExt::sse_items`]. Otherwise as
    /// [`EventStream`].
    ///
    /// ```
    /// use futures::{executor::block_on, stream, StreamExt};
    /// use sse_wire::sse::Item;
    /// use sse_wire::stream::SseStreamExt;
    ///
    /// let body = stream::iter([Ok::<_, ()>(": ping\n\nretry: 500\n\ndata: a\n\n")]);
    /// let items: Vec<_> = block_on(body.sse_items().collect());
    /// assert!(matches!(&items[..], [Ok(Item::Comment(_)), Ok(Item::Control(_)), Ok(Item::Event(_))]));
    /// ```
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    #[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
    pub struct ItemStream<S> {
        #[pin]
        inner: S,
        core: Core,
    }
}

impl<S> ItemStream<S> {
    shared_accessors!(ItemStream);

    /// Decodes `inner` with `decoder`; see [`EventStream::with_decoder`].
    pub fn with_decoder(inner: S, decoder: BytesDecoder) -> Self {
        ItemStream {
            inner,
            core: Core::new(decoder),
        }
    }
}

impl<S, B, E> Stream for ItemStream<S>
where
    S: Stream<Item = Result<B, E>>,
    B: Into<Bytes>,
{
    type Item = Result<Item, Error<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        this.core.poll(this.inner, cx, Some)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, if self.core.ended { Some(0) } else { None })
    }
}

pin_project! {
    /// An [`EventStream`] that ends at a [`Sentinel`] and records how the stream ended; see
    /// [`EventStream::until`] and the [module docs](super#an-llm-client).
    ///
    /// It yields the events before the sentinel, and the limit errors
    /// ([`DecodeError`]: the event was skipped, the stream goes on). Everything that ends the
    /// stream is recorded instead of yielded, and read with [`outcome`](Until::outcome) once
    /// the stream returned `None`: the sentinel ([`Outcome::Sentinel`]; it is not yielded, and
    /// nothing more is read from the inner stream), a clean end of the body without it
    /// ([`Outcome::Clean`]), a body cut inside an event ([`Outcome::Truncated`]), or a
    /// transport error ([`Outcome::Transport`]).
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    #[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
    pub struct Until<S, E> {
        #[pin]
        events: EventStream<S>,
        sentinel: Sentinel,
        outcome: Option<Outcome<E>>,
    }
}

impl<S, E> Until<S, E> {
    /// How the stream ended; `None` until it returned `None`.
    #[must_use]
    pub fn outcome(&self) -> Option<&Outcome<E>> {
        self.outcome.as_ref()
    }

    /// Takes the outcome (later calls return `None`).
    pub fn take_outcome(&mut self) -> Option<Outcome<E>> {
        self.outcome.take()
    }

    /// The event stream underneath, for [`last_event_id`](EventStream::last_event_id) and the
    /// rest.
    pub fn events(&self) -> &EventStream<S> {
        &self.events
    }

    /// The sentinel waited for.
    #[must_use]
    pub fn sentinel(&self) -> &Sentinel {
        &self.sentinel
    }

    /// The event stream and the outcome. The event stream may hold the pieces after the
    /// sentinel, undecoded; a later poll of it reads on from there.
    pub fn into_parts(self) -> (EventStream<S>, Option<Outcome<E>>) {
        (self.events, self.outcome)
    }
}

impl<S, B, E> Stream for Until<S, E>
where
    S: Stream<Item = Result<B, E>>,
    B: Into<Bytes>,
{
    type Item = Result<Event, DecodeError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        if this.outcome.is_some() {
            return Poll::Ready(None);
        }
        let end = match this.events.poll_next(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Some(Ok(event))) if this.sentinel.matches(&event) => Outcome::Sentinel,
            Poll::Ready(Some(Ok(event))) => return Poll::Ready(Some(Ok(event))),
            Poll::Ready(Some(Err(Error::Limit(e)))) => return Poll::Ready(Some(Err(e))),
            Poll::Ready(Some(Err(Error::Transport(e)))) => Outcome::Transport(e),
            Poll::Ready(Some(Err(Error::Truncated(t)))) => Outcome::Truncated(t),
            Poll::Ready(None) => Outcome::Clean,
        };
        *this.outcome = Some(end);
        Poll::Ready(None)
    }
}

/// Decodes a [`Stream`] of body pieces as `text/event-stream`: implemented for every
/// `Stream<Item = Result<B, E>>` with `B: Into<Bytes>`.
///
/// ```
/// use futures::{executor::block_on, stream, StreamExt};
/// use sse_wire::stream::SseStreamExt;
///
/// // `response.bytes_stream()` with reqwest; any stream of byte pieces.
/// let body = stream::iter(["data: {\"delta\":", "\"Hi\"}\n", "\n"].map(Ok::<_, std::io::Error>));
/// let events: Vec<_> = block_on(body.sse_events().collect());
/// assert_eq!(events[0].as_ref().unwrap().data(), r#"{"delta":"Hi"}"#);
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
pub trait SseStreamExt: Sized {
    /// The events; see [`EventStream`].
    fn sse_events(self) -> EventStream<Self> {
        EventStream::new(self)
    }

    /// Every item, comments and id/retry-only blocks included; see [`ItemStream`].
    fn sse_items(self) -> ItemStream<Self> {
        ItemStream::new(self)
    }
}

impl<S, B, E> SseStreamExt for S
where
    S: Stream<Item = Result<B, E>>,
    B: Into<Bytes>,
{
}
