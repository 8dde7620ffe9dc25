//! An `EventSource` as a [`Stream`]: a [`Reconnect`] session driven with the caller's HTTP
//! client and timer.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use pin_project_lite::pin_project;

use crate::reconnect::{Action, Connect, Reconnect, Verdict};
use crate::sse::{BytesDecoder, Event, Item};

use super::SseError;

/// A response head and its body, as the `connect` function of [`reconnecting`] returns it:
/// `Opened { verdict: Verdict::of(status, content_type), body }`, or with the `http` feature
/// `Verdict::of_response(status, headers)`.
#[derive(Debug)]
#[cfg_attr(docsrs, doc(cfg(all(feature = "stream", feature = "reconnect"))))]
pub struct Opened<B> {
    /// What to do with the response: [`Verdict::of`] judges it as `EventSource` does.
    pub verdict: Verdict,
    /// The body, as a `Stream` of pieces (`reqwest::Response::bytes_stream()`).
    pub body: B,
}

pin_project! {
    #[project = StateProj]
    enum State<F, W, B> {
        Idle,
        Waiting { #[pin] sleep: W },
        Connecting { #[pin] response: F },
        Reading { #[pin] body: B },
        Stopped,
    }
}

pin_project! {
    /// The events of a long-lived stream across connections: see [`reconnecting`].
    #[must_use = "streams do nothing unless polled"]
    #[cfg_attr(docsrs, doc(cfg(all(feature = "stream", feature = "reconnect"))))]
    pub struct Reconnecting<C, S, F, W, B, J = fn(Duration) -> Duration> {
        session: Reconnect<J>,
        decoder: BytesDecoder,
        connect: C,
        sleep: S,
        #[pin]
        state: State<F, W, B>,
    }
}

/// Drives `session` with the caller's HTTP client (`connect`) and timer (`sleep`), and yields
/// the events of every connection, in order, as `decoder` reads them (`BytesDecoder::new()`,
/// or one made with other [`Limits`](crate::sse::Limits)): an `EventSource` for any runtime
/// and any client.
///
/// * `connect(&Connect)` sends the request [`Connect`] describes (the original one, or the `GET`
///   that resumes it, with [`Connect::last_event_id`] as `Last-Event-ID`:
///   `Connect::insert_headers` fills the headers with the `http` feature) and resolves to the response as [`Opened`], or to the transport's error.
/// * `sleep(delay)` resolves after `delay` (`tokio::time::sleep`, a WASM timer, ...).
///
/// The one decoder reads every body, so the last event ID and the reconnection time carry over,
/// and a broken connection's half event is dropped. The stream yields:
///
/// * `Ok(event)` for every dispatched event (comments and blocks that only set `id` or `retry`
///   are absorbed; a configured sentinel is not yielded: it ends the session);
/// * `Err(SseError::Limit(_))` for an event over the decoder's limits, skipped;
/// * `Err(SseError::Transport(_))` when a request or a body failed, and `Err(SseError::Truncated(_))`
///   when a body ended inside an event: here **neither is final**, the session reconnects after
///   them if its policy allows, as an `EventSource` fires `error` and reconnects.
///
/// The stream ends (`None`) when the session stops; [`session`](Reconnecting::session)`()`
/// [`.stopped()`](Reconnect::stopped) says why
/// (the sentinel arrived, 204, a response that is not an event stream, a request that may not
/// be re-sent, the attempts ran out, or [`close`](Reconnecting::close)).
///
/// ```
/// use std::collections::VecDeque;
/// use std::time::Duration;
/// use futures::{executor::block_on, future, stream, StreamExt};
/// use sse_wire::outcome::Sentinel;
/// use sse_wire::reconnect::{Config, Reconnect, Stopped, Verdict};
/// use sse_wire::sse::BytesDecoder;
/// use sse_wire::stream::{reconnecting, Opened, SseError};
///
/// // Two connections as a server would answer them: the first breaks inside an event.
/// let mut answers = VecDeque::from([
///     "retry: 10\nid: 1\ndata: Hel\n\nid: 2\ndata: l",
///     "id: 2\ndata: lo\n\ndata: [DONE]\n\n",
/// ]);
/// let mut sent = Vec::new();
/// let mut config = Config::new();
/// config.sentinel = Some(Sentinel::openai());
/// let session = Reconnect::new(config);
/// let events = reconnecting(
///     session,
///     BytesDecoder::new(),
///     |c| {
///         sent.push(c.last_event_id.as_deref().map(str::to_owned)); // the Last-Event-ID header
///         let body = stream::iter([Ok::<_, std::io::Error>(answers.pop_front().unwrap())]);
///         let verdict = Verdict::of(200, Some(b"text/event-stream"));
///         future::ready(Ok(Opened { verdict, body }))
///     },
///     |_delay: Duration| future::ready(()), // tokio::time::sleep
/// );
/// let mut events = Box::pin(events);
/// let mut text = String::new();
/// block_on(async {
///     while let Some(event) = events.next().await {
///         match event {
///             Ok(event) => text.push_str(event.data()),
///             Err(SseError::Truncated(_)) => {} // the first body was cut: it reconnects
///             Err(e) => panic!("{e}"),
///         }
///     }
/// });
/// assert_eq!(text, "Hello");
/// assert_eq!(events.session().stopped(), Some(Stopped::Done));
/// drop(events);
/// assert_eq!(sent, [None, Some("1".to_owned())]);
/// ```
#[cfg_attr(docsrs, doc(cfg(all(feature = "stream", feature = "reconnect"))))]
pub fn reconnecting<C, S, F, W, B, T, E, J>(
    session: Reconnect<J>,
    decoder: BytesDecoder,
    connect: C,
    sleep: S,
) -> Reconnecting<C, S, F, W, B, J>
where
    C: FnMut(&Connect) -> F,
    F: Future<Output = Result<Opened<B>, E>>,
    S: FnMut(Duration) -> W,
    W: Future<Output = ()>,
    B: Stream<Item = Result<T, E>>,
    T: Into<Bytes>,
    J: FnMut(Duration) -> Duration,
{
    Reconnecting {
        session,
        decoder,
        connect,
        sleep,
        state: State::Idle,
    }
}

impl<C, S, F, W, B, J: FnMut(Duration) -> Duration> Reconnecting<C, S, F, W, B, J> {
    /// The session: its last event ID, reconnection time, attempts, and why it stopped
    /// ([`Reconnect::stopped`]; `None` while it runs).
    #[must_use]
    pub fn session(&self) -> &Reconnect<J> {
        &self.session
    }

    /// Ends the session (`EventSource.close()`): the stream drops the connection or the wait in
    /// progress and ends with [`Stopped::Closed`](crate::reconnect::Stopped::Closed) at its
    /// next poll.
    pub fn close(self: Pin<&mut Self>) {
        let mut this = self.project();
        this.session.close();
        this.state.set(State::Stopped);
    }
}

impl<C, S, F, W, B, T, E, J> Stream for Reconnecting<C, S, F, W, B, J>
where
    C: FnMut(&Connect) -> F,
    F: Future<Output = Result<Opened<B>, E>>,
    S: FnMut(Duration) -> W,
    W: Future<Output = ()>,
    B: Stream<Item = Result<T, E>>,
    T: Into<Bytes>,
    J: FnMut(Duration) -> Duration,
{
    type Item = Result<Event, SseError<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                StateProj::Stopped => return Poll::Ready(None),
                StateProj::Idle => match this.session.poll() {
                    Some(Action::Connect(request)) => {
                        // A new body: the old one's half line and event go, the last event
                        // ID and reconnection time stay.
                        this.decoder.reset();
                        let response = (this.connect)(&request);
                        this.state.set(State::Connecting { response });
                    }
                    Some(Action::Wait(delay)) => {
                        let sleep = (this.sleep)(delay);
                        this.state.set(State::Waiting { sleep });
                    }
                    Some(Action::Stop(_)) | None => {
                        this.state.set(State::Stopped);
                        return Poll::Ready(None);
                    }
                },
                StateProj::Waiting { sleep } => {
                    if sleep.poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    this.session.on_timeout();
                    this.state.set(State::Idle);
                }
                StateProj::Connecting { response } => match response.poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Ok(opened)) => {
                        this.session.on_response(opened.verdict);
                        if opened.verdict == Verdict::Open {
                            this.state.set(State::Reading { body: opened.body });
                        } else {
                            this.state.set(State::Idle);
                        }
                    }
                    Poll::Ready(Err(e)) => {
                        this.session.on_error(&*this.decoder);
                        this.state.set(State::Idle);
                        return Poll::Ready(Some(Err(SseError::Transport(e))));
                    }
                },
                StateProj::Reading { mut body } => {
                    // Everything received comes out before the body is polled again.
                    if let Some(item) = this.decoder.next() {
                        match item {
                            Ok(Item::Event(event)) => {
                                if this.session.on_event(event.as_ref()) {
                                    // The sentinel: the session is done; drop the body.
                                    this.state.set(State::Idle);
                                    continue;
                                }
                                return Poll::Ready(Some(Ok(event)));
                            }
                            Ok(_) => continue,
                            Err(e) => return Poll::Ready(Some(Err(SseError::Limit(e)))),
                        }
                    }
                    match body.as_mut().poll_next(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Some(Ok(piece))) => this.decoder.push(piece.into()),
                        Poll::Ready(Some(Err(e))) => {
                            this.session.on_error(&*this.decoder);
                            this.state.set(State::Idle);
                            return Poll::Ready(Some(Err(SseError::Transport(e))));
                        }
                        Poll::Ready(None) => {
                            let end = this.decoder.finish();
                            this.session.on_body_end(&*this.decoder);
                            this.state.set(State::Idle);
                            if let Err(cut) = end {
                                return Poll::Ready(Some(Err(SseError::Truncated(cut))));
                            }
                        }
                    }
                }
            }
        }
    }
}
