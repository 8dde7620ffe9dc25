//! SSE events out of a stream of body pieces.

use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use pin_project_lite::pin_project;
use thiserror::Error;

use crate::outcome::{Outcome, Signal, Signals};
use crate::sse::{BytesDecoder, DecodeError, Event, Item, Truncated};

/// Why an [`EventStream`] yielded an error. `E` is the transport's error type.
///
/// [`Limit`](SseError::Limit) is not final: the event that crossed the limit was skipped and the
/// stream goes on with the next one. [`Transport`](SseError::Transport) and
/// [`Truncated`](SseError::Truncated) are final: the stream returns `None` after them and never
/// polls its inner stream again. See [`is_final`](SseError::is_final).
#[derive(Error, Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
pub enum SseError<E> {
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

impl<E> SseError<E> {
    /// `true` when the stream ends after this error ([`Transport`](SseError::Transport),
    /// [`Truncated`](SseError::Truncated)), `false` when it goes on ([`Limit`](SseError::Limit)).
    ///
    /// ```
    /// use sse_wire::sse::Truncated;
    /// use sse_wire::stream::SseError;
    ///
    /// assert!(SseError::Transport("reset").is_final());
    /// let t = Truncated { fields: 1, data_len: 3, partial_line: 0 };
    /// assert!(SseError::<()>::Truncated(t).is_final());
    /// ```
    #[must_use]
    pub fn is_final(&self) -> bool {
        !matches!(self, SseError::Limit(_))
    }

    /// Maps the transport error.
    pub fn map_transport<F>(self, f: impl FnOnce(E) -> F) -> SseError<F> {
        match self {
            SseError::Transport(e) => SseError::Transport(f(e)),
            SseError::Limit(e) => SseError::Limit(e),
            SseError::Truncated(t) => SseError::Truncated(t),
        }
    }
}

mod private {
    use crate::sse::{Event, Item};

    /// What an [`EventStream`](super::EventStream) yields: [`Event`] (other items absorbed) or
    /// [`Item`] (every item). Sealed.
    pub trait StreamItem: Sized {
        /// `item` as yielded, or `None` when it is absorbed (its state stays in the decoder).
        fn from_item(item: Item) -> Option<Self>;
    }

    impl StreamItem for Event {
        #[inline]
        fn from_item(item: Item) -> Option<Self> {
            match item {
                Item::Event(event) => Some(event),
                _ => None,
            }
        }
    }

    impl StreamItem for Item {
        #[inline]
        fn from_item(item: Item) -> Option<Self> {
            Some(item)
        }
    }
}

pin_project! {
    /// The events of a `text/event-stream` body, out of a [`Stream`] of its pieces; see
    /// [`SseStreamExt::sse_events`] and [`SseStreamExt::sse_items`].
    ///
    /// `S` yields `Result<B, E>` with `B: Into<Bytes>` (`Bytes`, `Vec<u8>`, `String`,
    /// `&'static str`, ...) and `E` the transport's error. `T` says what comes out:
    ///
    /// * `EventStream<S>` (`T` = [`Event`], from `sse_events`) yields `Result<Event,
    ///   SseError<E>>`: every dispatched event, in order, however the body was cut into pieces;
    ///   comments (keep-alives) and blocks that only set `id` or `retry` are absorbed, and their
    ///   effect (the last event ID, the reconnection time) stays in the
    ///   [`decoder`](EventStream::decoder).
    /// * `EventStream<S, Item>` (from `sse_items`) yields every [`Item`]: events, comments and
    ///   the blocks that only set `id` or `retry`, as a relay needs to pass the stream on
    ///   unchanged.
    ///
    /// A clean end of the body ends the stream (`None`); see [`SseError`] for the rest. The
    /// inner stream is polled only when the pieces received so far hold no complete item, and
    /// never again after it returned `None` or an error (`size_hint` is then `(0, Some(0))`).
    ///
    /// The decoder ([`decoder`](EventStream::decoder)) holds the last event ID and the
    /// reconnection time; [`reconnect`](EventStream::reconnect) goes on with a new connection,
    /// [`into_parts`](EventStream::into_parts) takes the inner stream and the decoder back. An
    /// `S` that is not `Unpin` can be polled once the adapter is pinned (`Box::pin`, `pin!`); to
    /// get the decoder back by value from such a stream, `Box::pin` the inner stream instead.
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
    pub struct EventStream<S, T = Event> {
        #[pin]
        inner: S,
        decoder: BytesDecoder,
        // The inner stream returned `None` or an error: it is never polled again.
        ended: bool,
        item: PhantomData<fn() -> T>,
    }
}

impl<S, T> EventStream<S, T> {
    /// Decodes `inner` with `decoder`: one with other [`Limits`](crate::sse::Limits), or the
    /// decoder of an earlier connection (after [`BytesDecoder::reset`]), whose last event ID and
    /// reconnection time then carry over. [`SseStreamExt`] makes one with
    /// [`BytesDecoder::new()`].
    ///
    /// ```
    /// use futures::{executor::block_on, stream, StreamExt};
    /// use sse_wire::sse::{BytesDecoder, Decoder, Limits};
    /// use sse_wire::stream::{EventStream, SseError};
    ///
    /// let mut limits = Limits::default();
    /// limits.max_event_size = 4;
    /// let decoder = BytesDecoder::from(Decoder::with_limits(limits));
    /// let body = stream::iter([Ok::<_, ()>("data: too large\n\ndata: ok\n\n")]);
    /// let events: EventStream<_> = EventStream::with_decoder(body, decoder);
    /// let got: Vec<_> = block_on(events.collect());
    /// assert!(matches!(got[0], Err(SseError::Limit(_))));
    /// assert_eq!(got[1].as_ref().unwrap().data(), "ok");
    /// ```
    pub fn with_decoder(inner: S, decoder: BytesDecoder) -> Self {
        EventStream {
            inner,
            decoder,
            ended: false,
            item: PhantomData,
        }
    }

    /// The decoder: its [`last_event_id`](crate::sse::Decoder::last_event_id) (send it as
    /// `Last-Event-ID` when reconnecting) and [`retry`](crate::sse::Decoder::retry) (the
    /// reconnection time the stream asked for) through [`BytesDecoder::decoder`].
    #[must_use]
    pub fn decoder(&self) -> &BytesDecoder {
        &self.decoder
    }

    /// The inner stream and the decoder (holding the pieces not decoded yet).
    #[must_use]
    pub fn into_parts(self) -> (S, BytesDecoder) {
        (self.inner, self.decoder)
    }

    /// Goes on with a new connection's stream: the decoder is readied with
    /// [`BytesDecoder::reset`] (the last event ID and the reconnection time stay, the old
    /// connection's unfinished line and event are dropped) and decodes `inner`. The old inner
    /// stream is dropped. See the [module docs](super#reconnecting).
    pub fn reconnect<S2>(self, inner: S2) -> EventStream<S2, T> {
        let mut decoder = self.decoder;
        decoder.reset();
        EventStream::with_decoder(inner, decoder)
    }
}

impl<S> EventStream<S> {
    /// Ends the stream at the first end or error event of `signals` (an API's preset:
    /// [`Signals::openai_chat`], …), without yielding it, and records how the stream ended;
    /// see [`Until`].
    pub fn until<B, E>(self, signals: impl Into<Signals>) -> Until<S, E>
    where
        S: Stream<Item = Result<B, E>>,
    {
        Until {
            events: self,
            signals: signals.into(),
            outcome: None,
        }
    }
}

impl<S, B, E, T> Stream for EventStream<S, T>
where
    S: Stream<Item = Result<B, E>>,
    B: Into<Bytes>,
    T: private::StreamItem,
{
    type Item = Result<T, SseError<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        loop {
            // Everything the queued pieces hold comes out before the inner stream is polled:
            // an error or the end from it cannot overtake an event already received.
            for item in this.decoder.by_ref() {
                match item {
                    Ok(item) => {
                        if let Some(t) = T::from_item(item) {
                            return Poll::Ready(Some(Ok(t)));
                        }
                    }
                    Err(e) => return Poll::Ready(Some(Err(SseError::Limit(e)))),
                }
            }
            if *this.ended {
                return Poll::Ready(None);
            }
            match this.inner.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(piece))) => this.decoder.push(piece.into()),
                Poll::Ready(Some(Err(e))) => {
                    *this.ended = true;
                    return Poll::Ready(Some(Err(SseError::Transport(e))));
                }
                Poll::Ready(None) => {
                    *this.ended = true;
                    // Every queued item was taken above, so this only judges the end.
                    return Poll::Ready(
                        this.decoder
                            .finish()
                            .err()
                            .map(|t| Err(SseError::Truncated(t))),
                    );
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, if self.ended { Some(0) } else { None })
    }
}

pin_project! {
    /// An [`EventStream`] that ends at an end or error event of its [`Signals`] and records
    /// how the stream ended; see [`EventStream::until`] and the
    /// [module docs](super#an-llm-client).
    ///
    /// It yields the events before the signal, and the limit errors
    /// ([`DecodeError`]: the event was skipped, the stream goes on). Everything that ends the
    /// stream is recorded instead of yielded, and read with [`outcome`](Until::outcome) once
    /// the stream returned `None`: the end event ([`Outcome::Sentinel`]) or a server error
    /// event ([`Outcome::ServerError`]), each carrying the event, which is not yielded (nothing
    /// more is read from the inner stream); a clean end of the body without either
    /// ([`Outcome::Clean`]), a body cut inside an event ([`Outcome::Truncated`]), or a
    /// transport error ([`Outcome::Transport`]).
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    #[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
    pub struct Until<S, E> {
        #[pin]
        events: EventStream<S>,
        signals: Signals,
        outcome: Option<Outcome<E>>,
    }
}

impl<S, E> Until<S, E> {
    /// How the stream ended; `None` until it returned `None`.
    #[must_use]
    pub fn outcome(&self) -> Option<&Outcome<E>> {
        self.outcome.as_ref()
    }

    /// The event stream and the outcome. The event stream may hold the pieces after the
    /// end or error event, undecoded; a later poll of it reads on from there.
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
            Poll::Ready(Some(Ok(event))) => match this.signals.signal(event.as_ref()) {
                None => return Poll::Ready(Some(Ok(event))),
                Some(Signal::End) => Outcome::Sentinel(event),
                Some(Signal::Error) => Outcome::ServerError(event),
            },
            Poll::Ready(Some(Err(SseError::Limit(e)))) => return Poll::Ready(Some(Err(e))),
            Poll::Ready(Some(Err(SseError::Transport(e)))) => Outcome::Transport(e),
            Poll::Ready(Some(Err(SseError::Truncated(t)))) => Outcome::Truncated(t),
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
        EventStream::with_decoder(self, BytesDecoder::new())
    }

    /// Every item, comments and id/retry-only blocks included; see [`EventStream`].
    fn sse_items(self) -> EventStream<Self, Item> {
        EventStream::with_decoder(self, BytesDecoder::new())
    }
}

impl<S, B, E> SseStreamExt for S
where
    S: Stream<Item = Result<B, E>>,
    B: Into<Bytes>,
{
}
