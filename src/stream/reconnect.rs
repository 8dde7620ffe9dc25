//! An `EventSource` as a [`Stream`]: a [`Reconnect`] session driven with the caller's HTTP
//! client, timer and clock.

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
        // `timer`: the watchdog's sleep, armed for the deadline as it stood when armed.
        Reading { #[pin] body: B, #[pin] timer: Option<W> },
        Stopped,
    }
}

pin_project! {
    /// The events of a long-lived stream across connections: see [`reconnecting`].
    #[must_use = "streams do nothing unless polled"]
    #[cfg_attr(docsrs, doc(cfg(all(feature = "stream", feature = "reconnect"))))]
    pub struct Reconnecting<C, S, N, F, W, B, J = fn(Duration) -> Duration> {
        session: Reconnect<J>,
        decoder: BytesDecoder,
        connect: C,
        sleep: S,
        now: N,
        #[pin]
        state: State<F, W, B>,
    }
}

/// Drives `session` with the caller's HTTP client (`connect`), timer (`sleep`) and monotonic
/// clock (`now`), and yields the events of every connection, in order, as `decoder` reads
/// them (`BytesDecoder::new()`, or one made with other [`Limits`](crate::sse::Limits)): an
/// `EventSource` for any runtime and any client.
///
/// * `connect(&Connect)` sends the request [`Connect`] describes (the original one, or the `GET`
///   that resumes it, with [`Connect::last_event_id`] as `Last-Event-ID`:
///   `Connect::insert_headers` fills the headers with the `http` feature) and resolves to the response as [`Opened`], or to the transport's error.
/// * `sleep(delay)` resolves after `delay` (`tokio::time::sleep`, a WASM timer, ...).
/// * `now()` is the time on a monotonic clock, as a [`Duration`] since any origin (with `std`:
///   `move || start.elapsed()` for an `Instant` taken once). The session's deadlines
///   ([`Reconnect::poll_timeout`]) are on this clock; each sleep lasts until the deadline, and a
///   timer that fires early is simply re-armed for the rest, so no wait is ever extended.
///
/// With [`Config::idle_timeout`](crate::reconnect::Config::idle_timeout), a sleep runs beside
/// the body as the watchdog: a body that receives no byte (comments count) until the deadline
/// is dropped and the session reconnects, with `Last-Event-ID`.
///
/// The one decoder reads every body, so the last event ID and the reconnection time carry over,
/// and a broken connection's half event is dropped. The stream yields:
///
/// * `Ok(event)` for every dispatched event (comments and blocks that only set `id` or `retry`
///   are absorbed; a configured sentinel is not yielded: it ends the session);
/// * `Ok(event)` for an event the configured [`Signals`](crate::outcome::Signals) call a server
///   error, too: it is the last of its connection, and the session reconnects only if its
///   policy allows re-sending the request (a `POST` by default is not: the stream ends);
/// * `Err(SseError::Limit(_))` for an event over the decoder's limits, skipped;
/// * `Err(SseError::Transport(_))` when a request or a body failed, and `Err(SseError::Truncated(_))`
///   when a body ended (or the watchdog dropped it) inside an event: here **neither is final**,
///   the session reconnects after them if its policy allows, as an `EventSource` fires `error`
///   and reconnects. A body the watchdog dropped between two events yields nothing.
///
/// The stream ends (`None`) when the session stops; [`session`](Reconnecting::session)`()`
/// [`.stopped()`](Reconnect::stopped) says why
/// (the sentinel arrived, 204, a response that is not an event stream, a request that may not
/// be re-sent, the attempts ran out, or [`close`](Reconnecting::close)).
///
/// ```
/// use std::collections::VecDeque;
/// use std::time::{Duration, Instant};
/// use futures::{executor::block_on, future, stream, StreamExt};
/// use sse_wire::outcome::Signals;
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
/// config.signals = Some(Signals::openai_chat());
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
///     { let start = Instant::now(); move || start.elapsed() },
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
pub fn reconnecting<C, S, N, F, W, B, T, E, J>(
    session: Reconnect<J>,
    decoder: BytesDecoder,
    connect: C,
    sleep: S,
    now: N,
) -> Reconnecting<C, S, N, F, W, B, J>
where
    C: FnMut(&Connect) -> F,
    F: Future<Output = Result<Opened<B>, E>>,
    S: FnMut(Duration) -> W,
    N: FnMut() -> Duration,
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
        now,
        state: State::Idle,
    }
}

impl<C, S, N, F, W, B, J: FnMut(Duration) -> Duration> Reconnecting<C, S, N, F, W, B, J> {
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

impl<C, S, N, F, W, B, T, E, J> Stream for Reconnecting<C, S, N, F, W, B, J>
where
    C: FnMut(&Connect) -> F,
    F: Future<Output = Result<Opened<B>, E>>,
    S: FnMut(Duration) -> W,
    N: FnMut() -> Duration,
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
                    Some(Action::Stop(_)) => {
                        this.state.set(State::Stopped);
                        return Poll::Ready(None);
                    }
                    None => match this.session.poll_timeout() {
                        // A wait: sleep until its deadline (again, for the rest, after an
                        // early wake).
                        Some(deadline) => {
                            let sleep = (this.sleep)(deadline.saturating_sub((this.now)()));
                            this.state.set(State::Waiting { sleep });
                        }
                        // Nothing in flight and nothing to wait for: not a state the machine
                        // leaves Idle in, but never spin on it.
                        None => {
                            this.state.set(State::Stopped);
                            return Poll::Ready(None);
                        }
                    },
                },
                StateProj::Waiting { sleep } => {
                    if sleep.poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    let _ = this.session.handle_timeout((this.now)());
                    this.state.set(State::Idle);
                }
                StateProj::Connecting { response } => match response.poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Ok(opened)) => {
                        this.session.on_response(opened.verdict, (this.now)());
                        if this.session.is_open() {
                            this.state.set(State::Reading {
                                body: opened.body,
                                timer: None,
                            });
                        } else {
                            this.state.set(State::Idle);
                        }
                    }
                    Poll::Ready(Err(e)) => {
                        this.session.on_error(&*this.decoder, (this.now)());
                        this.state.set(State::Idle);
                        return Poll::Ready(Some(Err(SseError::Transport(e))));
                    }
                },
                StateProj::Reading {
                    mut body,
                    mut timer,
                } => {
                    // Everything received comes out before the body is polled again.
                    if let Some(item) = this.decoder.next() {
                        match item {
                            Ok(Item::Event(event)) => {
                                if !this.session.on_event(event.as_ref()) {
                                    return Poll::Ready(Some(Ok(event)));
                                }
                                if this.session.stopped().is_some() {
                                    // The end event: the session is done; drop the body.
                                    this.state.set(State::Idle);
                                    continue;
                                }
                                // A server error: the connection is over; the event is the
                                // caller's to see.
                                this.session.on_error(&*this.decoder, (this.now)());
                                this.state.set(State::Idle);
                                return Poll::Ready(Some(Ok(event)));
                            }
                            Ok(_) => continue,
                            Err(e) => return Poll::Ready(Some(Err(SseError::Limit(e)))),
                        }
                    }
                    match body.as_mut().poll_next(cx) {
                        Poll::Pending => {}
                        Poll::Ready(Some(Ok(piece))) => {
                            this.session.on_bytes((this.now)());
                            this.decoder.push(piece.into());
                            continue;
                        }
                        Poll::Ready(Some(Err(e))) => {
                            this.session.on_error(&*this.decoder, (this.now)());
                            this.state.set(State::Idle);
                            return Poll::Ready(Some(Err(SseError::Transport(e))));
                        }
                        Poll::Ready(None) => {
                            let end = this.decoder.finish();
                            this.session.on_body_end(&*this.decoder, (this.now)());
                            this.state.set(State::Idle);
                            if let Err(cut) = end {
                                return Poll::Ready(Some(Err(SseError::Truncated(cut))));
                            }
                            continue;
                        }
                    }
                    // The body is pending: the watchdog, if on, runs beside it. Its sleep is
                    // armed for the deadline of the moment; bytes that arrive meanwhile move
                    // the deadline, and the sleep is re-armed for the rest when it fires.
                    let Some(deadline) = this.session.poll_timeout() else {
                        return Poll::Pending;
                    };
                    if timer.is_none() {
                        let sleep = (this.sleep)(deadline.saturating_sub((this.now)()));
                        timer.set(Some(sleep));
                    }
                    let fired = timer
                        .as_mut()
                        .as_pin_mut()
                        .is_some_and(|t| t.poll(cx).is_ready());
                    if !fired {
                        return Poll::Pending;
                    }
                    timer.set(None);
                    if this.session.handle_timeout((this.now)()) {
                        // Silent for too long: drop the connection, reconnect.
                        let end = this.decoder.finish();
                        this.session.on_error(&*this.decoder, (this.now)());
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
