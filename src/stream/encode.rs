//! A stream of events to send, encoded as a stream of `Bytes` for a response body.

use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use pin_project_lite::pin_project;
use thiserror::Error;

use crate::sse::{Encode, EncodeError, Encoder, Event, OutEvent};
use crate::Str;

/// An event to send that owns its fields: [`OutEvent`] for a stream, where events outlive the
/// code that made them. Fields left unset are not written; an invalid `event` or `id` is an
/// [`EncodeError`] when the message is encoded, never a panic. It is [`Encode`], through the
/// [`OutEvent`] that borrows its fields.
///
/// ```
/// use core::time::Duration;
/// use sse_wire::sse::Encoder;
/// use sse_wire::stream::Message;
///
/// let message = Message::new().data(format!("{{\"n\":{}}}", 1)).event_type("tick").id("1").retry(Duration::from_secs(2));
/// let mut out = Vec::new();
/// Encoder::new().encode(&message, &mut out)?;
/// assert_eq!(out, b"event: tick\nid: 1\nretry: 2000\ndata: {\"n\":1}\n\n");
///
/// out.clear();
/// Encoder::new().encode(&Message::comment(""), &mut out)?; // a keep-alive
/// assert_eq!(out, b":\n");
/// # Ok::<(), sse_wire::sse::EncodeError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
#[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
pub struct Message {
    comment: Option<Str>,
    data: Option<Str>,
    event_type: Option<Str>,
    id: Option<Str>,
    retry: Option<Duration>,
}

impl Message {
    /// A message with no fields: encodes as a lone blank line, which dispatches nothing.
    pub const fn new() -> Self {
        Message {
            comment: None,
            data: None,
            event_type: None,
            id: None,
            retry: None,
        }
    }

    /// A comment; see [`OutEvent::comment`]. `Message::comment("")` is the smallest keep-alive,
    /// `:\n`.
    pub fn comment(text: impl Into<Str>) -> Self {
        Message {
            comment: Some(text.into()),
            ..Message::new()
        }
    }

    /// Sets the data (replacing any set before); see [`OutEvent::data`].
    pub fn data(mut self, data: impl Into<Str>) -> Self {
        self.data = Some(data.into());
        self
    }

    /// Sets the event type; see [`OutEvent::event_type`].
    pub fn event_type(mut self, event_type: impl Into<Str>) -> Self {
        self.event_type = Some(event_type.into());
        self
    }

    /// Sets the event id; see [`OutEvent::id`].
    pub fn id(mut self, id: impl Into<Str>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets the reader's reconnection time; see [`OutEvent::retry`].
    pub fn retry(mut self, retry: Duration) -> Self {
        self.retry = Some(retry);
        self
    }
}

impl Encode for Message {
    /// The fields, borrowed.
    fn as_out_event(&self) -> OutEvent<'_> {
        let mut out = match &self.comment {
            Some(text) => OutEvent::comment(text),
            None => OutEvent::new(),
        };
        if let Some(data) = &self.data {
            out = out.data(data);
        }
        if let Some(event_type) = &self.event_type {
            out = out.event_type(event_type);
        }
        if let Some(id) = &self.id {
            out = out.id(id);
        }
        if let Some(retry) = self.retry {
            out = out.retry(retry);
        }
        out
    }
}

impl From<Event> for Message {
    /// The event as a relay sends it on; see [`OutEvent::from`](OutEvent).
    fn from(event: Event) -> Self {
        let view = event.as_ref();
        let mut message = Message::new().data(event.data_str().clone());
        if view.event_type() != "message" {
            message = message.event_type(view.event_type());
        }
        if let Some(id) = view.id_field() {
            message = message.id(id);
        }
        if let Some(retry) = view.retry_field() {
            message = message.retry(retry);
        }
        message
    }
}

/// Why an [`EncodeStream`] yielded an error. `E` is the event stream's error type.
#[derive(Error, Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
pub enum SendError<E> {
    /// An event could not be encoded (an `event` or `id` a reader would misread); it was not
    /// written.
    #[error(transparent)]
    Encode(EncodeError),
    /// The event stream yielded an error.
    #[error(transparent)]
    Source(E),
}

pin_project! {
    /// A stream of events to send, as a stream of their encoded bytes: one [`Bytes`] per
    /// event, errors typed ([`SendError`]); see [`encode_events`].
    ///
    /// Each error is yielded in place of the event, and the stream goes on if polled again.
    /// A response body stops at the first error (and `hyper` then aborts the response), so
    /// drop or replace events that cannot be encoded before this stream if the response must
    /// go on. The stream ends when the event stream does, and does not poll it again.
    ///
    /// # As a response body
    ///
    /// It is a `TryStream` of `Bytes` whose error is `Send + Sync + 'static` and a
    /// `std::error::Error` when `E` is one (`Infallible` included):
    ///
    /// * `axum::body::Body::from_stream(encode_events(events))`, with the headers of
    ///   [`http::insert_response_headers`](crate::http::insert_response_headers) (`Content-Type:
    ///   text/event-stream`, `Cache-Control: no-cache`, `X-Accel-Buffering: no`);
    /// * `http_body_util::StreamBody::new(encode_events(events).map_ok(hyper::body::Frame::data))`
    ///   for `hyper`.
    ///
    /// `http-examples/tests/bodies.rs` checks both, and `http-examples/examples/llm_server.rs`
    /// is an axum server built this way.
    ///
    /// # Keep-alives
    ///
    /// This crate has no clock. With tokio, `tokio_stream::StreamExt::timeout_repeating`
    /// yields an `Err(Elapsed)` whenever the event stream was silent for a whole interval, and
    /// ends with it; map those to a keep-alive (`Message::comment("")`) before encoding (the interval restarts
    /// at every event, as axum's `KeepAlive` does):
    ///
    /// ```no_run
    /// use core::convert::Infallible;
    /// use bytes::Bytes;
    /// use futures_core::Stream;
    /// use sse_wire::stream::{encode_events, Message, SendError};
    /// use tokio::time::{interval_at, Duration, Instant};
    /// use tokio_stream::StreamExt;
    ///
    /// # #[allow(dead_code)]
    /// // Hand the result to `axum::body::Body::from_stream`.
    /// fn body<S>(events: S) -> impl Stream<Item = Result<Bytes, SendError<Infallible>>>
    /// where
    ///     S: Stream<Item = Result<Message, Infallible>> + Send + 'static,
    /// {
    ///     let every = Duration::from_secs(15);
    ///     // The first tick of `interval` is immediate: start one period from now.
    ///     let ticks = interval_at(Instant::now() + every, every);
    ///     let with_pings = events.timeout_repeating(ticks).map(|item| match item {
    ///         Ok(event) => event,
    ///         Err(_silent) => Ok(Message::comment("")),
    ///     });
    ///     encode_events(with_pings)
    /// }
    /// ```
    ///
    /// `tests/stream.rs` runs this recipe on tokio's paused clock. With another runtime, merge
    /// the events with a stream of timer ticks mapped to `Message::comment("")` (for instance
    /// `futures::stream::select`), and end the ticks when the events end.
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    #[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
    pub struct EncodeStream<S> {
        #[pin]
        inner: S,
        encoder: Encoder,
        ended: bool,
    }
}

/// Encodes a stream of events to send as a stream of [`Bytes`], one per event, for a
/// response body; see [`EncodeStream`]. The events are any [`Encode`] type: [`Message`],
/// the decoder's [`Event`] or [`Item`](crate::sse::Item) (to relay a stream),
/// [`OutEvent<'static>`](OutEvent), or boxes of any (`Box<dyn Encode + Send>`).
///
/// ```
/// use core::convert::Infallible;
/// use futures::{executor::block_on, stream, StreamExt};
/// use sse_wire::stream::{encode_events, Message};
///
/// let events = stream::iter([
///     Message::new().data("hello").id("1"),
///     Message::comment(""),
///     Message::new().data("a\nb").event_type("multi"),
/// ].map(Ok::<_, Infallible>));
/// let body: Vec<_> = block_on(encode_events(events).map(Result::unwrap).collect());
/// assert_eq!(body, ["id: 1\ndata: hello\n\n", ":\n", "event: multi\ndata: a\ndata: b\n\n"]);
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
pub fn encode_events<S, T, E>(events: S) -> EncodeStream<S>
where
    S: Stream<Item = Result<T, E>>,
    T: Encode,
{
    EncodeStream {
        inner: events,
        encoder: Encoder::new(),
        ended: false,
    }
}

impl<S, T, E> Stream for EncodeStream<S>
where
    S: Stream<Item = Result<T, E>>,
    T: Encode,
{
    type Item = Result<Bytes, SendError<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        if *this.ended {
            return Poll::Ready(None);
        }
        let item = match this.inner.poll_next(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(None) => {
                *this.ended = true;
                return Poll::Ready(None);
            }
            Poll::Ready(Some(item)) => item,
        };
        Poll::Ready(Some(match item {
            Ok(event) => {
                let event = event.as_out_event();
                let mut buf = BytesMut::new();
                match this.encoder.encoded_len(&event) {
                    Ok(len) => {
                        buf.reserve(len);
                        match this.encoder.encode(&event, &mut buf) {
                            Ok(()) => Ok(buf.freeze()),
                            Err(e) => Err(SendError::Encode(e)),
                        }
                    }
                    Err(e) => Err(SendError::Encode(e)),
                }
            }
            Err(e) => Err(SendError::Source(e)),
        }))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.ended {
            (0, Some(0))
        } else {
            self.inner.size_hint()
        }
    }
}
