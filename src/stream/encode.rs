//! A stream of events to send, encoded as a stream of `Bytes` for a response body.

use alloc::boxed::Box;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use pin_project_lite::pin_project;
use thiserror::Error;

use crate::sse::{Control, EncodeError, Encoder, Event, Item, OutEvent};
use crate::Str;

/// Something an [`EncodeStream`] can send: it writes its own `text/event-stream` form.
///
/// Implemented for [`Message`] (an owned event built for sending), the decoder's [`Event`],
/// [`Control`] and [`Item`] (a relay sends them on as they came, as
/// [`OutEvent::from`](OutEvent) does), [`OutEvent`] itself (for borrowed or `'static`
/// fields), and references and boxes of these. Implement it for an application's own
/// message type to stream it without building a [`Message`] first.
///
/// ```
/// use bytes::BytesMut;
/// use sse_wire::sse::{EncodeError, Encoder, OutEvent};
/// use sse_wire::stream::Outgoing;
///
/// struct Token<'a>(&'a str);
///
/// impl Outgoing for Token<'_> {
///     fn encode(&self, encoder: &Encoder, dst: &mut BytesMut) -> Result<(), EncodeError> {
///         encoder.encode(&OutEvent::data(self.0).event("token"), dst)
///     }
/// }
///
/// let mut out = BytesMut::new();
/// Token("hi").encode(&Encoder::new(), &mut out)?;
/// assert_eq!(out, "event: token\ndata: hi\n\n");
/// # Ok::<(), EncodeError>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
pub trait Outgoing {
    /// Appends the encoded form to `dst`.
    ///
    /// # Errors
    ///
    /// The [`EncodeError`] of a field a reader would misread; nothing is written then.
    fn encode(&self, encoder: &Encoder, dst: &mut BytesMut) -> Result<(), EncodeError>;
}

impl Outgoing for OutEvent<'_> {
    fn encode(&self, encoder: &Encoder, dst: &mut BytesMut) -> Result<(), EncodeError> {
        dst.reserve(encoder.encoded_len(self)?);
        encoder.encode(self, dst)
    }
}

impl Outgoing for Event {
    fn encode(&self, encoder: &Encoder, dst: &mut BytesMut) -> Result<(), EncodeError> {
        OutEvent::from(self).encode(encoder, dst)
    }
}

impl Outgoing for Control {
    fn encode(&self, encoder: &Encoder, dst: &mut BytesMut) -> Result<(), EncodeError> {
        OutEvent::from(self).encode(encoder, dst)
    }
}

impl Outgoing for Item {
    fn encode(&self, encoder: &Encoder, dst: &mut BytesMut) -> Result<(), EncodeError> {
        match self {
            Item::Event(event) => event.encode(encoder, dst),
            Item::Control(control) => control.encode(encoder, dst),
            Item::Comment(text) => encoder.comment(text, dst),
        }
    }
}

impl<T: Outgoing + ?Sized> Outgoing for &T {
    fn encode(&self, encoder: &Encoder, dst: &mut BytesMut) -> Result<(), EncodeError> {
        (**self).encode(encoder, dst)
    }
}

impl<T: Outgoing + ?Sized> Outgoing for Box<T> {
    fn encode(&self, encoder: &Encoder, dst: &mut BytesMut) -> Result<(), EncodeError> {
        (**self).encode(encoder, dst)
    }
}

/// An event to send that owns its fields: [`OutEvent`] for a stream, where events outlive the
/// code that made them. Fields left unset are not written; an invalid `event` or `id` is an
/// [`EncodeError`] when the message is encoded, never a panic.
///
/// ```
/// use core::time::Duration;
/// use bytes::BytesMut;
/// use sse_wire::sse::Encoder;
/// use sse_wire::stream::{Message, Outgoing};
///
/// let message = Message::data(format!("{{\"n\":{}}}", 1)).event("tick").id("1").retry(Duration::from_secs(2));
/// let mut out = BytesMut::new();
/// message.encode(&Encoder::new(), &mut out)?;
/// assert_eq!(out, "event: tick\nid: 1\nretry: 2000\ndata: {\"n\":1}\n\n");
///
/// out.clear();
/// Message::keep_alive().encode(&Encoder::new(), &mut out)?;
/// assert_eq!(out, ":\n");
/// # Ok::<(), sse_wire::sse::EncodeError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
#[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
pub struct Message {
    comment: Option<Str>,
    data: Option<Str>,
    event: Option<Str>,
    id: Option<Str>,
    retry: Option<Duration>,
}

impl Message {
    /// A message with no fields: encodes as a lone blank line, which dispatches nothing.
    pub const fn new() -> Self {
        Message {
            comment: None,
            data: None,
            event: None,
            id: None,
            retry: None,
        }
    }

    /// An event carrying `data`; see [`OutEvent::data`].
    pub fn data(data: impl Into<Str>) -> Self {
        Message::new().with_data(data)
    }

    /// A comment line (more than one if `text` holds line breaks) and nothing else: readers
    /// ignore it, proxies see traffic. Other fields set later make it an event preceded by
    /// the comment.
    pub fn comment(text: impl Into<Str>) -> Self {
        Message {
            comment: Some(text.into()),
            ..Message::new()
        }
    }

    /// The smallest keep-alive, an empty comment: `:\n`.
    pub const fn keep_alive() -> Self {
        Message {
            comment: Some(Str::new()),
            data: None,
            event: None,
            id: None,
            retry: None,
        }
    }

    /// Sets the data (replacing any set before).
    pub fn with_data(mut self, data: impl Into<Str>) -> Self {
        self.data = Some(data.into());
        self
    }

    /// Sets the event type; see [`OutEvent::event`].
    pub fn event(mut self, event_type: impl Into<Str>) -> Self {
        self.event = Some(event_type.into());
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

    /// The fields other than the comment, as an [`OutEvent`] borrowing them; `None` for a
    /// comment alone.
    #[must_use]
    pub fn as_out_event(&self) -> Option<OutEvent<'_>> {
        if self.comment.is_some()
            && self.data.is_none()
            && self.event.is_none()
            && self.id.is_none()
            && self.retry.is_none()
        {
            return None;
        }
        let mut out = OutEvent::new();
        if let Some(data) = &self.data {
            out = out.with_data(data);
        }
        if let Some(event) = &self.event {
            out = out.event(event);
        }
        if let Some(id) = &self.id {
            out = out.id(id);
        }
        if let Some(retry) = self.retry {
            out = out.retry(retry);
        }
        Some(out)
    }
}

impl Outgoing for Message {
    fn encode(&self, encoder: &Encoder, dst: &mut BytesMut) -> Result<(), EncodeError> {
        let event = self.as_out_event();
        let start = dst.len();
        if let Some(text) = &self.comment {
            encoder.comment(text, dst)?;
        }
        if let Some(event) = event {
            if let Err(e) = event.encode(encoder, dst) {
                dst.truncate(start); // nothing written on error, the comment included
                return Err(e);
            }
        }
        Ok(())
    }
}

impl From<Event> for Message {
    /// The event as a relay sends it on; see [`OutEvent::from`](OutEvent).
    fn from(event: Event) -> Self {
        let mut message = Message::data(event.data_str().clone());
        if event.event_type() != "message" {
            message = message.event(event.event_type());
        }
        if let Some(id) = event.id_field() {
            message = message.id(id);
        }
        if let Some(retry) = event.retry_field() {
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
    /// ends with it; map those to [`Message::keep_alive`] before encoding (the interval restarts
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
    ///         Err(_silent) => Ok(Message::keep_alive()),
    ///     });
    ///     encode_events(with_pings)
    /// }
    /// ```
    ///
    /// `tests/stream.rs` runs this recipe on tokio's paused clock. With another runtime, merge
    /// the events with a stream of timer ticks mapped to [`Message::keep_alive`] (for instance
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

impl<S> EncodeStream<S> {
    /// Encodes the events of `inner`.
    pub fn new(inner: S) -> Self {
        EncodeStream {
            inner,
            encoder: Encoder::new(),
            ended: false,
        }
    }

    /// The event stream.
    #[must_use]
    pub fn into_inner(self) -> S {
        self.inner
    }
}

/// Encodes a stream of events to send as a stream of [`Bytes`], one per event, for a
/// response body; see [`EncodeStream`]. The events are any [`Outgoing`] type: [`Message`],
/// the decoder's [`Event`] or [`Item`] (to relay a stream), [`OutEvent<'static>`](OutEvent).
///
/// ```
/// use core::convert::Infallible;
/// use futures::{executor::block_on, stream, StreamExt};
/// use sse_wire::stream::{encode_events, Message};
///
/// let events = stream::iter([
///     Message::data("hello").id("1"),
///     Message::keep_alive(),
///     Message::data("a\nb").event("multi"),
/// ].map(Ok::<_, Infallible>));
/// let body: Vec<_> = block_on(encode_events(events).map(Result::unwrap).collect());
/// assert_eq!(body, ["id: 1\ndata: hello\n\n", ":\n", "event: multi\ndata: a\ndata: b\n\n"]);
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
pub fn encode_events<S, T, E>(events: S) -> EncodeStream<S>
where
    S: Stream<Item = Result<T, E>>,
    T: Outgoing,
{
    EncodeStream::new(events)
}

impl<S, T, E> Stream for EncodeStream<S>
where
    S: Stream<Item = Result<T, E>>,
    T: Outgoing,
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
                let mut buf = BytesMut::new();
                match event.encode(this.encoder, &mut buf) {
                    Ok(()) => Ok(buf.freeze()),
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
