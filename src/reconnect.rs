//! The client side of a long-lived event stream: when to reconnect, with which request and
//! `Last-Event-ID`, and when to give up, as a sans-IO state machine.
//!
//! [`Reconnect`] does what an `EventSource` does between connections (HTML Living Standard,
//! "Server-sent events", §9.2.3 "Processing model" and "reestablish the connection"), plus what
//! an HTTP client needs on top: a bounded number of attempts, exponential backoff with a cap,
//! caller-supplied jitter, and no silent re-sending of a non-idempotent request. It opens no
//! socket, reads no clock and draws no random number: the caller's loop feeds it what happened
//! (`on_*` methods, [`handle_timeout`](Reconnect::handle_timeout)) and asks it what to do next
//! ([`poll`](Reconnect::poll)) and when to wake it ([`poll_timeout`](Reconnect::poll_timeout)).
//!
//! # Time
//!
//! Time is passed in, as quinn-proto's `Connection` takes it: every `now` is a [`Duration`]
//! since an origin the caller chooses (the start of the program, of the session, or any fixed
//! instant), read from a monotonic clock (`Instant::now() - origin` with `std`, a tick counter
//! on a microcontroller). The machine hands out deadlines on that same clock, never durations
//! to sleep: a caller woken early (a spurious wake, another `select!` branch) that asks again
//! gets the same deadline, so no wait is ever extended.
//!
//! # The loop
//!
//! 1. [`poll`](Reconnect::poll) returns an [`Action`]:
//!    * [`Action::Connect`]: send a request now. [`Connect::request`] says which one (the
//!      original, or a `GET` that resumes the stream), [`Connect::last_event_id`] the
//!      `Last-Event-ID` to send, if any.
//!    * [`Action::Stop`]: the session is over, for the [`Stopped`] reason given.
//!    * `None`: nothing to do now: a request is in flight, a stream is open, or the machine is
//!      waiting before the next attempt. [`poll_timeout`](Reconnect::poll_timeout) says until
//!      when, if there is a deadline: at that time call
//!      [`handle_timeout`](Reconnect::handle_timeout)`(now)` and poll again.
//! 2. When the response head arrives, call [`on_response`](Reconnect::on_response) with its
//!    [`Verdict`]: the standard's, from its status and `Content-Type` ([`Verdict::of`]), or your
//!    own judgement, as fetch-event-source's `onopen` allows. Redirects are the HTTP client's
//!    business, as they are Fetch's for an `EventSource`: report the final response.
//! 3. Decode the body with one [`sse::Decoder`](crate::sse::Decoder) or
//!    [`sse::BytesDecoder`](crate::sse::BytesDecoder) kept for the whole session (call its
//!    `reset()` before each new body). Report every piece of the body as it arrives to
//!    [`on_bytes`](Reconnect::on_bytes) (the [watchdog](#the-watchdog) watches it), and show
//!    each event to [`on_event`](Reconnect::on_event) (needed with [`Config::signals`] or
//!    [`Config::resend_before_first_event`]).
//! 4. When the body ends, call [`on_body_end`](Reconnect::on_body_end); when the connection
//!    fails (before or after the response), [`on_error`](Reconnect::on_error). Both take the
//!    decoder: its last event ID and reconnection time are the session's, because the decoder
//!    applies every `id` and `retry` line as it reads it, blocks without data included. When
//!    [`on_event`](Reconnect::on_event) or [`handle_timeout`](Reconnect::handle_timeout)
//!    returns `true`, the machine ended the connection: drop it, and report
//!    [`on_error`](Reconnect::on_error) with the decoder as for a failure.
//! 5. [`close`](Reconnect::close) ends the session from the caller's side at any time.
//!
//! ```
//! use core::time::Duration;
//! use bytes::Bytes;
//! use sse_wire::reconnect::{Action, Config, Reconnect, Request, Stopped, Verdict};
//! use sse_wire::sse::BytesDecoder;
//!
//! let ms = Duration::from_millis; // the caller's monotonic clock: `now` since its origin
//! let mut session = Reconnect::new(Config::new());
//! let mut decoder = BytesDecoder::new();
//!
//! // First connection: the original request, no Last-Event-ID.
//! let Some(Action::Connect(c)) = session.poll() else { panic!() };
//! assert_eq!((c.request, c.last_event_id), (Request::Original, None));
//! session.on_response(Verdict::of(200, Some(b"text/event-stream; charset=utf-8")), ms(10));
//! session.on_bytes(ms(20));
//! decoder.push(Bytes::from_static(b"retry: 1500\nid: 7\ndata: hi\n\n"));
//! for item in &mut decoder { let _ = item?; }
//! session.on_body_end(&decoder, ms(30));
//!
//! // The body ended: wait the server's `retry`, until 30 + 1500 ms; an early wake changes
//! // nothing. Then ask again with `Last-Event-ID: 7`.
//! assert_eq!((session.poll(), session.poll_timeout()), (None, Some(ms(1530))));
//! assert!(!session.handle_timeout(ms(900)));
//! assert_eq!((session.poll(), session.poll_timeout()), (None, Some(ms(1530))));
//! assert!(!session.handle_timeout(ms(1530)));
//! decoder.reset();
//! let Some(Action::Connect(c)) = session.poll() else { panic!() };
//! assert_eq!(c.last_event_id.as_deref(), Some("7"));
//!
//! // 204 No Content: the server wants the client to stop for good.
//! session.on_response(Verdict::of(204, None), ms(1600));
//! assert_eq!(session.poll(), Some(Action::Stop(Stopped::NoContent)));
//! # Ok::<(), sse_wire::sse::DecodeError>(())
//! ```
//!
//! # Delays
//!
//! The base delay is the stream's reconnection time: the last valid `retry` field the server
//! sent, else [`Config::reconnection_time`] (3 s by default, as in Chromium's
//! `kDefaultReconnectDelay` in `event_source.cc` and WebKit's `EventSource.cpp`). With
//! [`Config::backoff_factor`], each further attempt in a row without a successful open
//! multiplies it by the factor, up to [`Config::backoff_cap`]; a successful open starts over. A delay is never shorter than
//! the server's `retry` (MCP Streamable HTTP 2025-11-25: the client MUST wait that long), even
//! when the cap is lower. Jitter, if any, is applied last, to the final figure. A wait is
//! counted from the `now` of the input that broke the stream.
//!
//! With [`Config::retry_statuses`] (off by default: an `EventSource` fails on every status but
//! 200), a 408, 429 or 5xx response reconnects instead of stopping the session, and a
//! `Retry-After` on it ([`Verdict::with_retry_after`]: delay-seconds or an HTTP date, RFC 9110
//! §10.2.3) sets the wait instead of the backoff (no jitter: the server chose it).
//!
//! # The watchdog
//!
//! A connection that goes silent without closing (a NAT or a proxy dropped it, the server hung)
//! never ends by itself. With [`Config::idle_timeout`], an open stream that receives no byte for
//! that long (comments count: keep-alives are what it watches) is declared dead:
//! [`poll_timeout`](Reconnect::poll_timeout) returns the deadline,
//! [`handle_timeout`](Reconnect::handle_timeout) past it returns `true`, and the caller drops
//! the connection and reports [`on_error`](Reconnect::on_error): the machine reconnects as for
//! a network error, with `Last-Event-ID`. With [`Config::idle_heartbeats`], the window widens
//! to that many times the longest silence seen so far between two pieces of the session's
//! bodies, so a server that sends a keep-alive every 15 s is not declared dead at 10 s
//! (langgraphjs sizes its window from the observed heartbeat cadence the same way).
//!
//! # In-band signals
//!
//! With [`Config::signals`] (an API's [`Signals`] preset), an event that ends the stream stops
//! the session ([`Stopped::Done`]); an event that reports a server error ends the connection as
//! a network error would: [`on_event`](Reconnect::on_event) returns `true`, and the request is
//! re-sent only if the policy allows it (a `POST` by default is not: [`Stopped::NotResendable`]).
//!
//! # Requests and resumption
//!
//! A `GET` is re-sent as is, with `Last-Event-ID`. A request that is not idempotent (a `POST`
//! starting an LLM completion or an MCP call) is never re-sent unless the caller opts in:
//! re-sending it repeats its effect (and its bill). [`Config::resend_before_first_event`]
//! re-sends it only while its stream has delivered no event (what the OpenAI and Anthropic
//! SDKs do: a retry after the first delta would duplicate output); [`Config::resend`] always. [`Resumption`] chooses
//! how a broken stream continues:
//!
//! * [`Resumption::EventSource`] (the default): re-send the request with `Last-Event-ID`.
//! * [`Resumption::Mcp2025_11_25`]: MCP Streamable HTTP, revision 2025-11-25 ("Resumability
//!   and Redelivery"): once the stream of a `POST` carried an event ID, resume it with a `GET`
//!   and `Last-Event-ID`; before any ID, or after the server reset it (an empty `id`), there is
//!   nothing to resume from.
//! * [`Resumption::Mcp2026_07_28`]: MCP Streamable HTTP, revision 2026-07-28, which removed
//!   resumability and `Last-Event-ID`: a broken stream loses its request, which is re-issued as
//!   a new request only if the caller allows re-sending. Closing the response is how a client
//!   cancels the request there: call [`close`](Reconnect::close) and drop the body.

use core::fmt;
use core::time::Duration;

use crate::outcome::{Signal, Signals};
use crate::sse::{BytesDecoder, Decoder, EventRef};
use crate::Str;

/// The HTTP method of the original request, as far as re-sending it is concerned.
///
/// RFC 9110 §9.2.2: `GET`, `HEAD`, `OPTIONS`, `TRACE`, `PUT` and `DELETE` are idempotent; `POST`
/// and `PATCH` are not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Method {
    /// `GET` (what an `EventSource` sends).
    #[default]
    Get,
    /// `POST` (LLM completions, MCP requests): not idempotent.
    Post,
    /// Any other method, with whether it is idempotent.
    Other {
        /// Whether sending the request twice has the effect of sending it once.
        idempotent: bool,
    },
}

impl Method {
    /// Whether the request may be sent again without the caller's consent.
    #[must_use]
    pub const fn is_idempotent(self) -> bool {
        match self {
            Method::Get => true,
            Method::Post => false,
            Method::Other { idempotent } => idempotent,
        }
    }
}

#[cfg(feature = "http")]
impl From<&::http::Method> for Method {
    fn from(m: &::http::Method) -> Self {
        use ::http::Method as M;
        if m == M::GET {
            Method::Get
        } else if m == M::POST {
            Method::Post
        } else {
            let idempotent = [M::HEAD, M::OPTIONS, M::TRACE, M::PUT, M::DELETE].contains(m);
            Method::Other { idempotent }
        }
    }
}

/// How a broken stream is continued; see the [module docs](self#requests-and-resumption).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Resumption {
    /// Send the original request again, with `Last-Event-ID` (if it may be re-sent at all).
    #[default]
    EventSource,
    /// MCP Streamable HTTP 2025-11-25: a `POST` stream that carried an event ID is resumed with a
    /// `GET` and `Last-Event-ID`; one that carried none, or whose last event ID the server reset,
    /// is not resumed. A `GET` stream is re-requested with `Last-Event-ID`. The resuming `GET` is
    /// judged like any response: a 405 (no `GET` support) or a 404 (session ended:
    /// re-initialize) stops the session.
    Mcp2025_11_25,
    /// MCP Streamable HTTP 2026-07-28: no resumption and no `Last-Event-ID`; a broken stream is
    /// re-issued as a new request only when [`Config::resend`] allows it.
    Mcp2026_07_28,
}

/// The settings of a [`Reconnect`] session: plain data, each field documented with its
/// default. The defaults ([`Config::new`], [`Default`]) are an `EventSource`'s: `GET`, 3 s, no
/// backoff, no limit on attempts, no signals, no watchdog, no retry on error statuses.
///
/// ```
/// use core::time::Duration;
/// use sse_wire::outcome::Signals;
/// use sse_wire::reconnect::{Config, Method};
///
/// let mut config = Config::new();
/// config.method = Method::Post;
/// config.resend_before_first_event = true; // as the LLM SDKs do
/// config.backoff_factor = 2;
/// config.backoff_cap = Duration::from_secs(30);
/// config.max_attempts = Some(5);
/// config.signals = Some(Signals::openai_chat());
/// config.idle_timeout = Some(Duration::from_secs(60));
/// assert_eq!(config.reconnection_time, Duration::from_secs(3));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// The reconnection time used until the server sends `retry`. Default 3 s, as in Chromium
    /// (`kDefaultReconnectDelay = 3000` ms) and WebKit.
    pub reconnection_time: Duration,
    /// Exponential backoff between attempts that fail in a row: each attempt after a failed
    /// one waits this many times longer, up to [`backoff_cap`](Config::backoff_cap); every
    /// successful open starts over. Default 1 (0 counts as 1 too): no backoff, every attempt
    /// waits the reconnection time.
    pub backoff_factor: u32,
    /// The longest delay backoff produces (the server's `retry` still wins over it). Default
    /// `Duration::MAX`: no cap.
    pub backoff_cap: Duration,
    /// At most this many reconnections in a row without a successful open in between: when the
    /// last of them fails too, the session stops with [`Stopped::AttemptsExhausted`]. A
    /// successful open resets the count; `Some(0)` means never reconnect. Default `None`: no
    /// limit.
    pub max_attempts: Option<u32>,
    /// At most this many reconnections in the whole session, successful or not (bounds a server
    /// that opens and closes the stream at once, forever). Default `None`: no limit.
    pub max_reconnects: Option<u32>,
    /// The method of the original request. Default [`Method::Get`].
    pub method: Method,
    /// Whether a non-idempotent original request may be sent again, always. Default `false`. An
    /// idempotent one ([`Method::is_idempotent`]) is always re-sent, whatever this says.
    pub resend: bool,
    /// Whether a non-idempotent original request may be sent again while no event of the
    /// session has been shown to [`Reconnect::on_event`] (end and error events do not count):
    /// the LLM SDKs' policy. Default `false`. [`resend`](Config::resend) wins when set.
    pub resend_before_first_event: bool,
    /// The API's end and error events ([`Signals::openai_chat`], …): an end stops the session
    /// ([`Stopped::Done`]), an error breaks the connection as a network error would. Default
    /// `None`.
    pub signals: Option<Signals>,
    /// The watchdog: an open stream that receives no byte for this long is declared dead and
    /// reconnected (see the [module docs](self#the-watchdog)). Default `None`: no watchdog, as
    /// in an `EventSource`.
    pub idle_timeout: Option<Duration>,
    /// Widens [`idle_timeout`](Config::idle_timeout) to this many times the longest silence
    /// seen so far between two pieces of the session's bodies (the heartbeat cadence). Default
    /// 0: the window is `idle_timeout` alone.
    pub idle_heartbeats: u32,
    /// Whether a response with status 408, 429 or 5xx reconnects (after its `Retry-After`,
    /// when [`Verdict::with_retry_after`] read one) instead of stopping the session with
    /// [`Stopped::Failed`]. Default `false`: an `EventSource` fails on every status but 200
    /// (HTML §9.2.3); fetch-event-source and the LLM SDKs retry them.
    pub retry_statuses: bool,
    /// How a broken stream continues. Default [`Resumption::EventSource`].
    pub resumption: Resumption,
    /// The last event ID the session starts with, as if a stream had set it (a client
    /// restarted from saved state). Default empty: none.
    pub last_event_id: Str,
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

impl Config {
    /// The defaults, as documented on each field (usable in `const` items).
    #[must_use]
    pub const fn new() -> Self {
        Config {
            reconnection_time: Duration::from_secs(3),
            backoff_factor: 1,
            backoff_cap: Duration::MAX,
            max_attempts: None,
            max_reconnects: None,
            method: Method::Get,
            resend: false,
            resend_before_first_event: false,
            signals: None,
            idle_timeout: None,
            idle_heartbeats: 0,
            retry_statuses: false,
            resumption: Resumption::EventSource,
            last_event_id: Str::new(),
        }
    }
}

/// The jitter of a session made with [`Reconnect::new`]: delays are handed out as computed.
fn no_jitter(delay: Duration) -> Duration {
    delay
}

/// What the caller's loop must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Action {
    /// Send a request now, then report its response or failure.
    Connect(Connect),
    /// The session is over; nothing more will be asked for (returned from then on).
    Stop(Stopped),
}

/// Which request to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// The original request: same method, URL, headers and body.
    Original,
    /// A `GET` to the same URL that resumes the stream after `Last-Event-ID` (MCP Streamable
    /// HTTP 2025-11-25), without the original body.
    Resume,
}

/// A request to send: see [`Action::Connect`]. Plain data, read by its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Connect {
    /// Which request to send.
    pub request: Request,
    /// The `Last-Event-ID` header value to send, if any: the last event ID when it is not
    /// empty, a header can carry it, and the resumption policy sends one.
    pub last_event_id: Option<Str>,
    /// Why a non-empty last event ID is not sent, if that is the case.
    pub unsent_id: Option<UnsentId>,
    /// 0 for the first connection of the session, then 1, 2, … for each reconnection.
    pub attempt: u32,
}

impl Connect {
    /// Writes the request headers of this attempt into `headers` (an empty map, or the original
    /// request's): `Accept` and `Cache-Control` unless already there, and `Last-Event-ID` when
    /// there is one to send (removed otherwise), through
    /// [`crate::http::insert_request_headers`].
    ///
    /// ```
    /// use core::time::Duration;
    /// use http::HeaderMap;
    /// use sse_wire::reconnect::{Action, Config, Reconnect, StreamState};
    ///
    /// let mut session = Reconnect::new(Config::new());
    /// let mut headers = HeaderMap::new();
    /// let Some(Action::Connect(c)) = session.poll() else { panic!() };
    /// c.insert_headers(&mut headers);
    /// assert!(headers.get("last-event-id").is_none());
    /// assert_eq!(headers["accept"], "text/event-stream");
    /// assert_eq!(headers.len(), 2); // and Cache-Control: no-cache
    ///
    /// session.on_error(StreamState { last_event_id: "42", retry: None }, Duration::ZERO);
    /// let _ = session.handle_timeout(Duration::from_secs(3));
    /// let Some(Action::Connect(c)) = session.poll() else { panic!() };
    /// c.insert_headers(&mut headers);
    /// assert_eq!(headers["last-event-id"], "42");
    /// ```
    #[cfg(feature = "http")]
    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    pub fn insert_headers(&self, headers: &mut ::http::HeaderMap) {
        let id = self.last_event_id.as_deref().unwrap_or("");
        let _ = crate::http::insert_request_headers(headers, id);
    }
}

/// Why a non-empty last event ID is not sent as `Last-Event-ID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnsentId {
    /// The ID holds a control byte (below 0x20 but HTAB, or DEL) at this offset: no HTTP field
    /// value can carry it (RFC 9110 §5.5; the `http` crate's `HeaderValue` refuses it). The
    /// request goes out without `Last-Event-ID`, so the server starts the stream afresh.
    Control {
        /// The byte.
        byte: u8,
        /// Its offset in the ID.
        at: usize,
    },
    /// The resumption policy sends no `Last-Event-ID` ([`Resumption::Mcp2026_07_28`]).
    Policy,
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stopped {
    /// An end event of the configured [`Signals`] arrived: the stream is complete.
    Done,
    /// The server answered 204 No Content: "stop reconnecting" (HTML §9.2.1).
    NoContent,
    /// The response was not an event stream: a status other than 200, or a `Content-Type` that
    /// is not `text/event-stream` (HTML §9.2.3 "fail the connection": no reconnection; with
    /// [`Config::retry_statuses`], 408, 429 and 5xx reconnect instead).
    Failed {
        /// The status.
        status: u16,
        /// Whether the `Content-Type` named an event stream.
        event_stream: bool,
    },
    /// The caller called [`Reconnect::close`].
    Closed,
    /// [`Config::max_attempts`] or [`Config::max_reconnects`] was reached.
    AttemptsExhausted {
        /// Reconnections made in the session.
        reconnects: u32,
    },
    /// The stream broke, and the original request is not idempotent, was not allowed to be
    /// re-sent, and there is no event ID to resume from.
    NotResendable,
}

/// The judgement of a response head, for [`Reconnect::on_response`]: the standard's
/// ([`Verdict::of`], [`Verdict::of_response`]), or the caller's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Read the body as an event stream ("announce the connection").
    Open,
    /// Stop for good, as for 204 ([`Stopped::NoContent`]).
    NoContent,
    /// Fail without reconnecting ([`Stopped::Failed`]), unless [`Config::retry_statuses`]
    /// retries the status.
    Fail {
        /// The status.
        status: u16,
        /// Whether the `Content-Type` named an event stream.
        event_stream: bool,
        /// The wait the response's `Retry-After` asked for, read by
        /// [`Verdict::with_retry_after`]; `None` when absent or unreadable.
        retry_after: Option<Duration>,
    },
    /// Treat the response as a network error and reconnect (a caller's choice, for example for
    /// a 503 that it knows to be passing).
    Retry,
}

impl Verdict {
    /// The standard's judgement (HTML §9.2.3): 200 with a `Content-Type` whose MIME type essence
    /// is `text/event-stream` (any case, parameters allowed, charset absent or UTF-8) opens;
    /// 204 stops; anything else fails.
    ///
    /// ```
    /// use sse_wire::reconnect::Verdict;
    ///
    /// assert_eq!(Verdict::of(200, Some(b"Text/Event-Stream;")), Verdict::Open);
    /// assert_eq!(Verdict::of(204, None), Verdict::NoContent);
    /// assert_eq!(Verdict::of(200, Some(b"text/x-bogus")),
    ///            Verdict::Fail { status: 200, event_stream: false, retry_after: None });
    /// ```
    #[must_use]
    pub fn of(status: u16, content_type: Option<&[u8]>) -> Self {
        let event_stream = content_type.is_some_and(crate::mime::is_event_stream);
        match status {
            200 if event_stream => Verdict::Open,
            204 => Verdict::NoContent,
            status => Verdict::Fail {
                status,
                event_stream,
                retry_after: None,
            },
        }
    }

    /// The verdict with the response's `Retry-After` field value read into
    /// [`Fail::retry_after`](Verdict::Fail) (other verdicts are returned as they are). Both
    /// forms of RFC 9110 §10.2.3 are read: delay-seconds (`120`), and an HTTP date in any of
    /// the three forms recipients accept (§5.6.7: `Sun, 06 Nov 1994 08:49:37 GMT`,
    /// `Sunday, 06-Nov-94 08:49:37 GMT`, `Sun Nov  6 08:49:37 1994`), which is turned into a
    /// wait with `unix_now`, the wall-clock time since the Unix epoch (passed in: the machine
    /// reads no clock; a date in the past waits 0). Only [`Config::retry_statuses`] acts on it.
    ///
    /// ```
    /// use core::time::Duration;
    /// use sse_wire::reconnect::Verdict;
    ///
    /// let now = Duration::from_secs(784_111_717); // Sun, 06 Nov 1994 08:48:37 GMT
    /// let v = Verdict::of(503, None).with_retry_after(b"Sun, 06 Nov 1994 08:49:37 GMT", now);
    /// assert!(matches!(v, Verdict::Fail { retry_after: Some(d), .. } if d == Duration::from_secs(60)));
    /// let v = Verdict::of(429, None).with_retry_after(b"7", now);
    /// assert!(matches!(v, Verdict::Fail { retry_after: Some(d), .. } if d == Duration::from_secs(7)));
    /// ```
    #[must_use]
    pub fn with_retry_after(self, value: &[u8], unix_now: Duration) -> Self {
        match self {
            Verdict::Fail {
                status,
                event_stream,
                ..
            } => Verdict::Fail {
                status,
                event_stream,
                retry_after: retry_after(value, unix_now),
            },
            other => other,
        }
    }

    /// [`Verdict::of`] for a response head of the `http` crate's types (what reqwest, hyper and
    /// axum use): its status and its `Content-Type` field.
    ///
    /// ```
    /// use http::{header, HeaderMap, HeaderValue, StatusCode};
    /// use sse_wire::reconnect::Verdict;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    /// assert_eq!(Verdict::of_response(StatusCode::OK, &headers), Verdict::Open);
    /// assert_eq!(Verdict::of_response(StatusCode::NO_CONTENT, &headers), Verdict::NoContent);
    /// ```
    #[cfg(feature = "http")]
    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    #[must_use]
    pub fn of_response(status: ::http::StatusCode, headers: &::http::HeaderMap) -> Self {
        let content_type = headers.get(::http::header::CONTENT_TYPE);
        Verdict::of(
            status.as_u16(),
            content_type.map(::http::HeaderValue::as_bytes),
        )
    }
}

/// What a body left behind: the last event ID and the reconnection time, read from the
/// session's decoder (`From<&Decoder>`, `From<&BytesDecoder>`) or given explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamState<'a> {
    /// The last event ID string (empty when none was set, or an empty `id` reset it).
    pub last_event_id: &'a str,
    /// The reconnection time the stream set with `retry`, if any.
    pub retry: Option<Duration>,
}

impl<'a> From<&'a Decoder> for StreamState<'a> {
    fn from(d: &'a Decoder) -> Self {
        StreamState {
            last_event_id: d.last_event_id(),
            retry: d.retry(),
        }
    }
}

impl<'a> From<&'a BytesDecoder> for StreamState<'a> {
    fn from(d: &'a BytesDecoder) -> Self {
        d.decoder().into()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// A request is to be sent now.
    Ready,
    /// A request was handed out; its response has not come.
    InFlight,
    /// The response opened a stream.
    Open,
    /// The machine ended the open stream (the watchdog, a server error event): the caller
    /// drops the connection and reports `on_error` with the decoder's state.
    Ending,
    /// Waiting before the next request, until this deadline.
    Waiting(Duration),
    Stopped(Stopped),
}

/// The reconnection state machine of one event-stream session; see the [module docs](self).
///
/// Its methods come in groups, as quinn-proto's `Connection`'s do:
///
/// * **Construction**: [`new`](Reconnect::new), or [`with_jitter`](Reconnect::with_jitter) to
///   pass every delay through the caller's randomness.
/// * **Output**: [`poll`](Reconnect::poll) says what to do next ([`Action`]),
///   [`poll_timeout`](Reconnect::poll_timeout) when to call
///   [`handle_timeout`](Reconnect::handle_timeout).
/// * **Inputs**: what happened, in the order it happens on a connection, each with the `now`
///   it happened at (see the [module docs](self#time)):
///   [`on_response`](Reconnect::on_response) (the response head, as a [`Verdict`]),
///   [`on_bytes`](Reconnect::on_bytes) (each piece of the body) and
///   [`on_event`](Reconnect::on_event) (each event of the body), then
///   [`on_body_end`](Reconnect::on_body_end) or [`on_error`](Reconnect::on_error);
///   [`handle_timeout`](Reconnect::handle_timeout) at a deadline; and
///   [`close`](Reconnect::close) at any time.
/// * **Getters**: [`stopped`](Reconnect::stopped), [`is_open`](Reconnect::is_open),
///   [`last_event_id`](Reconnect::last_event_id), [`retry`](Reconnect::retry),
///   [`reconnects`](Reconnect::reconnects), [`attempts_in_row`](Reconnect::attempts_in_row),
///   [`request`](Reconnect::request), [`config`](Reconnect::config).
///
/// # Calling order
///
/// Call [`poll`](Reconnect::poll) after every input, and act on what it returns before feeding
/// the next one: [`Action::Connect`] is handed out once, so a request it asks for must be sent;
/// `None` means a request is in flight, a stream is open or a wait runs, and only an input or
/// a deadline ([`poll_timeout`](Reconnect::poll_timeout)) changes that. Inputs that do not fit
/// the current state (a response when none was asked for, anything after the session stopped)
/// are ignored, and so is a [`handle_timeout`](Reconnect::handle_timeout) before the
/// deadline: an early wake changes nothing.
///
/// `EventSource`'s `readyState` is [`is_open`](Reconnect::is_open) (OPEN),
/// [`stopped`](Reconnect::stopped) being `Some` (CLOSED), or neither (CONNECTING).
#[derive(Clone)]
pub struct Reconnect<J = fn(Duration) -> Duration> {
    config: Config,
    jitter: J,
    state: State,
    request: Request,
    last_event_id: Str,
    retry: Option<Duration>,
    /// Reconnections scheduled since the last open (or the start).
    in_row: u32,
    reconnects: u32,
    /// An event of the session was shown to `on_event` (for `resend_before_first_event`).
    delivered: bool,
    /// When the open stream last received bytes (or opened).
    last_bytes: Duration,
    /// The longest silence between two pieces of the session's bodies.
    longest_gap: Duration,
}

impl<J> fmt::Debug for Reconnect<J> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reconnect")
            .field("state", &self.state)
            .field("request", &self.request)
            .field("last_event_id", &&*self.last_event_id)
            .field("retry", &self.retry)
            .field("in_row", &self.in_row)
            .field("reconnects", &self.reconnects)
            .field("delivered", &self.delivered)
            .field("last_bytes", &self.last_bytes)
            .field("longest_gap", &self.longest_gap)
            .finish_non_exhaustive()
    }
}

impl Reconnect {
    /// A session with `config` and no jitter, ready to connect. It starts from
    /// [`Config::last_event_id`].
    #[must_use]
    pub fn new(config: Config) -> Self {
        Self::with_jitter(config, no_jitter as fn(Duration) -> Duration)
    }
}

/// Getters: they read the session without changing it.
impl<J> Reconnect<J> {
    /// Why the session stopped; `None` while it runs (what [`poll`](Reconnect::poll) would
    /// return as [`Action::Stop`], without polling).
    #[must_use]
    pub fn stopped(&self) -> Option<Stopped> {
        match self.state {
            State::Stopped(why) => Some(why),
            _ => None,
        }
    }

    /// Whether a stream is open: the response was judged [`Verdict::Open`] and its body has not
    /// ended yet (`EventSource.readyState` OPEN).
    #[must_use]
    pub fn is_open(&self) -> bool {
        self.state == State::Open
    }

    /// The session's last event ID string (empty when none).
    #[must_use]
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// The reconnection time the server set with `retry`, if any (the delay's base and floor;
    /// [`Config::reconnection_time`] applies until then).
    #[must_use]
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// Reconnections made so far in the session.
    #[must_use]
    pub fn reconnects(&self) -> u32 {
        self.reconnects
    }

    /// Reconnections since the last successful open (or the start of the session): what
    /// [`Config::max_attempts`] bounds and backoff grows with.
    #[must_use]
    pub fn attempts_in_row(&self) -> u32 {
        self.in_row
    }

    /// The request the next reconnection sends, once chosen ([`Request::Resume`] after an MCP
    /// 2025-11-25 `POST` stream switched to `GET`).
    #[must_use]
    pub fn request(&self) -> Request {
        self.request
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The next deadline, on the caller's clock: the end of the wait before the next attempt,
    /// or, while a stream is open with [`Config::idle_timeout`], the time at which the
    /// watchdog declares it dead unless bytes arrive first. At that time call
    /// [`handle_timeout`](Reconnect::handle_timeout). `None`: no deadline (a request is in
    /// flight, no watchdog, or the session stopped). Asking again gives the same deadline until
    /// an input changes it.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        match self.state {
            State::Waiting(until) => Some(until),
            State::Open => self
                .idle_window()
                .map(|w| self.last_bytes.checked_add(w).unwrap_or(Duration::MAX)),
            _ => None,
        }
    }

    /// The watchdog's window, if it is on.
    fn idle_window(&self) -> Option<Duration> {
        let base = self.config.idle_timeout?;
        Some(base.max(self.longest_gap.saturating_mul(self.config.idle_heartbeats)))
    }
}

impl<J: FnMut(Duration) -> Duration> Reconnect<J> {
    /// A session with `config` whose delays pass through `jitter` just before they are handed
    /// out (spreading the reconnections of many clients; the caller brings its own
    /// randomness), ready to connect. Jitter applies last, to the final figure.
    ///
    /// ```
    /// use core::time::Duration;
    /// use sse_wire::reconnect::{Config, Reconnect};
    /// use sse_wire::sse::Decoder;
    ///
    /// // A deterministic stand-in for "up to 10% more".
    /// let mut session = Reconnect::with_jitter(Config::new(), |d: Duration| d + d / 10);
    /// let _ = session.poll();
    /// session.on_error(&Decoder::new(), Duration::from_secs(1));
    /// assert_eq!(session.poll_timeout(), Some(Duration::from_millis(4300)));
    /// ```
    #[must_use]
    pub fn with_jitter(config: Config, jitter: J) -> Self {
        Reconnect {
            last_event_id: config.last_event_id.clone(),
            config,
            jitter,
            state: State::Ready,
            request: Request::Original,
            retry: None,
            in_row: 0,
            reconnects: 0,
            delivered: false,
            last_bytes: Duration::ZERO,
            longest_gap: Duration::ZERO,
        }
    }

    // Output.

    /// What to do now: see [`Action`]. `None` while a request is in flight, a stream is open,
    /// or a wait runs ([`poll_timeout`](Reconnect::poll_timeout) says until when). An
    /// [`Action::Connect`] is handed out once; `Stop` is repeated from then on.
    #[must_use]
    pub fn poll(&mut self) -> Option<Action> {
        match self.state {
            State::Ready => {
                self.state = State::InFlight;
                Some(Action::Connect(self.connect()))
            }
            State::InFlight | State::Open | State::Ending | State::Waiting(_) => None,
            State::Stopped(s) => Some(Action::Stop(s)),
        }
    }

    // Inputs.

    /// Time passed: at or after the [`poll_timeout`](Reconnect::poll_timeout) deadline, a wait
    /// is over (the next [`poll`](Reconnect::poll) says to connect), or the watchdog fires.
    /// Before it, nothing changes.
    ///
    /// Returns `true` when the watchdog declared the open stream dead: the caller MUST drop
    /// the connection and report [`on_error`](Reconnect::on_error) with the decoder, after
    /// which the machine reconnects as for a network error.
    pub fn handle_timeout(&mut self, now: Duration) -> bool {
        match self.state {
            State::Waiting(until) if now >= until => {
                self.state = State::Ready;
                false
            }
            State::Open => match self.poll_timeout() {
                Some(deadline) if now >= deadline => {
                    self.state = State::Ending;
                    true
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// The response head arrived at `now`, judged: by the standard with [`Verdict::of`] (or
    /// [`Verdict::of_response`]), or by the caller (fetch-event-source's `onopen`).
    /// [`Verdict::Retry`] counts as a network error before any body (the session's decoder
    /// state is unchanged); so does a [`Verdict::Fail`] with status 408, 429 or 5xx when
    /// [`Config::retry_statuses`] is set, which waits its `retry_after` when it has one.
    pub fn on_response(&mut self, verdict: Verdict, now: Duration) {
        if self.state != State::InFlight {
            return;
        }
        match verdict {
            Verdict::Open => {
                self.state = State::Open;
                self.in_row = 0;
                self.last_bytes = now;
            }
            Verdict::NoContent => self.state = State::Stopped(Stopped::NoContent),
            Verdict::Fail {
                status,
                retry_after,
                ..
            } if self.config.retry_statuses && matches!(status, 408 | 429 | 500..=599) => {
                self.broken(None, now, retry_after)
            }
            Verdict::Fail {
                status,
                event_stream,
                ..
            } => {
                self.state = State::Stopped(Stopped::Failed {
                    status,
                    event_stream,
                })
            }
            Verdict::Retry => self.broken(None, now, None),
        }
    }

    /// A piece of the open stream's body arrived at `now` (any bytes: a comment, a keep-alive,
    /// half a line): it resets the [watchdog](self#the-watchdog).
    pub fn on_bytes(&mut self, now: Duration) {
        if self.state == State::Open {
            let gap = now.saturating_sub(self.last_bytes);
            self.longest_gap = self.longest_gap.max(gap);
            self.last_bytes = self.last_bytes.max(now);
        }
    }

    /// Shows the machine an event of the open stream (an owned event shows its view,
    /// [`Event::as_ref`](crate::sse::Event::as_ref)). Returns `true` when the configured
    /// [`Signals`] call it a signal, and the caller MUST stop reading: an end stops the session
    /// with [`Stopped::Done`]; a server error ends the connection: drop it and report
    /// [`on_error`](Reconnect::on_error), which reconnects if the policy allows (the event
    /// itself is the caller's to report). Any other event counts as delivered, for
    /// [`Config::resend_before_first_event`].
    pub fn on_event(&mut self, event: EventRef<'_>) -> bool {
        let signal = self.config.signals.as_ref().and_then(|s| s.signal(event));
        if matches!(self.state, State::Open | State::InFlight) {
            match signal {
                Some(Signal::End) => self.state = State::Stopped(Stopped::Done),
                Some(Signal::Error) => self.state = State::Ending,
                None => self.delivered = true,
            }
        }
        signal.is_some()
    }

    /// The body ended at `now` without a network error ("reestablish the connection").
    /// `state` is what the body left: pass the session's decoder.
    pub fn on_body_end<'a>(&mut self, state: impl Into<StreamState<'a>>, now: Duration) {
        if matches!(self.state, State::Open | State::Ending) {
            self.broken(Some(state.into()), now, None);
        }
    }

    /// The connection failed at `now`: before the response (connect, TLS, …) or while
    /// reading the body, or the machine ended it (the watchdog, a server error event). `state`
    /// is what the body left, if any: pass the session's decoder.
    pub fn on_error<'a>(&mut self, state: impl Into<StreamState<'a>>, now: Duration) {
        if matches!(self.state, State::InFlight | State::Open | State::Ending) {
            self.broken(Some(state.into()), now, None);
        }
    }

    /// Ends the session from the caller's side (`EventSource.close()`; in MCP 2026-07-28, the
    /// way to cancel the request). Stops with [`Stopped::Closed`] unless already stopped.
    pub fn close(&mut self) {
        if !matches!(self.state, State::Stopped(_)) {
            self.state = State::Stopped(Stopped::Closed);
        }
    }

    /// Whether the original request may be sent again: idempotent, allowed by `resend`, or by
    /// `resend_before_first_event` while no event was delivered.
    fn may_resend(&self) -> bool {
        let c = &self.config;
        c.resend || c.method.is_idempotent() || (c.resend_before_first_event && !self.delivered)
    }

    /// The stream broke (body end, network error, or a caller's `Retry`): choose the next
    /// request and the delay, or stop.
    fn broken(&mut self, state: Option<StreamState<'_>>, now: Duration, wait: Option<Duration>) {
        if let Some(s) = state {
            if *self.last_event_id != *s.last_event_id {
                self.last_event_id = Str::from(s.last_event_id);
            }
            if s.retry.is_some() {
                self.retry = s.retry;
            }
        }
        let next = match self.next_request() {
            Some(r) => r,
            None => {
                self.state = State::Stopped(Stopped::NotResendable);
                return;
            }
        };
        let exhausted = self.config.max_attempts.is_some_and(|n| self.in_row >= n)
            || self
                .config
                .max_reconnects
                .is_some_and(|n| self.reconnects >= n);
        if exhausted {
            self.state = State::Stopped(Stopped::AttemptsExhausted {
                reconnects: self.reconnects,
            });
            return;
        }
        self.request = next;
        let delay = match wait {
            Some(server) => server,
            None => {
                let d = self.delay();
                (self.jitter)(d)
            }
        };
        self.in_row += 1;
        self.reconnects = self.reconnects.saturating_add(1);
        self.state = State::Waiting(now.checked_add(delay).unwrap_or(Duration::MAX));
    }

    /// The request that continues the stream, if any may be sent. Decided afresh at every
    /// break: a stream resumed with a `GET` goes on being resumed only while there is an ID to
    /// send, since a `GET` without `Last-Event-ID` would open another stream (in MCP, the
    /// session's standalone one), not continue this one.
    fn next_request(&self) -> Option<Request> {
        let resend = self.may_resend();
        match self.config.resumption {
            Resumption::EventSource | Resumption::Mcp2026_07_28 => {
                resend.then_some(Request::Original)
            }
            Resumption::Mcp2025_11_25 => {
                if self.config.method.is_idempotent() {
                    Some(Request::Original)
                } else if id_header(&self.last_event_id).is_ok_and(|id| id.is_some()) {
                    Some(Request::Resume)
                } else {
                    resend.then_some(Request::Original)
                }
            }
        }
    }

    /// The delay before the next attempt, before jitter.
    fn delay(&self) -> Duration {
        let base = self.retry.unwrap_or(self.config.reconnection_time);
        let mut d = base;
        let (factor, cap) = (self.config.backoff_factor, self.config.backoff_cap);
        // The first reconnection after an open waits the base; each one in a row after it
        // multiplies once more (until the cap, or `Duration::MAX` without one).
        if factor > 1 {
            for _ in 0..self.in_row {
                if d >= cap || d.is_zero() {
                    break;
                }
                d = d.saturating_mul(factor);
            }
        }
        d = d.min(cap);
        match self.retry {
            Some(floor) => d.max(floor),
            None => d,
        }
    }

    fn connect(&self) -> Connect {
        let attempt = self.reconnects;
        let (last_event_id, unsent) = if self.config.resumption == Resumption::Mcp2026_07_28 {
            let unsent = (!self.last_event_id.is_empty()).then_some(UnsentId::Policy);
            (None, unsent)
        } else {
            match id_header(&self.last_event_id) {
                Ok(id) => (id.map(|_| self.last_event_id.clone()), None),
                Err(e) => (None, Some(e)),
            }
        };
        Connect {
            request: self.request,
            last_event_id,
            unsent_id: unsent,
            attempt,
        }
    }
}

/// `Some(id)` when `id` can go out as `Last-Event-ID`, `None` when it is empty (nothing to
/// send), or why not: a field value holds no control byte but HTAB (RFC 9110 §5.5), and the
/// `http` crate's `HeaderValue` refuses exactly the bytes below 0x20 but HTAB, and DEL.
fn id_header(id: &str) -> Result<Option<&str>, UnsentId> {
    if id.is_empty() {
        return Ok(None);
    }
    match id
        .bytes()
        .position(|b| (b < 0x20 && b != b'\t') || b == 0x7f)
    {
        Some(at) => Err(UnsentId::Control {
            byte: id.as_bytes()[at],
            at,
        }),
        None => Ok(Some(id)),
    }
}

/// A `Retry-After` field value as a wait (RFC 9110 §10.2.3): delay-seconds, or an HTTP date
/// (§5.6.7, all three forms) less `unix_now`. `None` when it is neither.
fn retry_after(value: &[u8], unix_now: Duration) -> Option<Duration> {
    let v = value.trim_ascii();
    if !v.is_empty() && v.iter().all(u8::is_ascii_digit) {
        let secs = v.iter().try_fold(0u64, |n, &b| {
            n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        });
        return Some(Duration::from_secs(secs.unwrap_or(u64::MAX)));
    }
    let at = http_date(core::str::from_utf8(v).ok()?, unix_now)?;
    Some(Duration::from_secs(at).saturating_sub(unix_now))
}

/// An HTTP date (IMF-fixdate, obsolete RFC 850 or asctime form) as seconds since the Unix
/// epoch. A two-digit RFC 850 year more than 50 years ahead of `unix_now` is in the past
/// century (RFC 9110 §5.6.7).
fn http_date(s: &str, unix_now: Duration) -> Option<u64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = |m: &str| MONTHS.iter().position(|x| *x == m).map(|i| i as u64 + 1);
    let num = |t: &str, max_len: usize| -> Option<u64> {
        (!t.is_empty() && t.len() <= max_len && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())?
    };
    let mut parts = s.split(' ').filter(|t| !t.is_empty());
    let weekday = parts.next()?;
    let (year, mon, day, time) = if let Some(name) = weekday.strip_suffix(',') {
        let first = parts.next()?;
        if name.len() == 3 {
            // IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
            let (mon, year) = (parts.next()?, parts.next()?);
            (
                num(year, 4).filter(|_| year.len() == 4)?,
                month(mon)?,
                num(first, 2)?,
                parts.next()?,
            )
        } else {
            // RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT`.
            let mut dmy = first.split('-');
            let (d, m, y) = (dmy.next()?, dmy.next()?, dmy.next()?);
            let yy = num(y, 2).filter(|_| y.len() == 2)?;
            let now_year = 1970 + unix_now.as_secs() / 31_556_952;
            let mut year = now_year / 100 * 100 + yy;
            if year > now_year + 50 {
                year -= 100;
            }
            (year, month(m)?, num(d, 2)?, parts.next()?)
        }
    } else {
        // asctime: `Sun Nov  6 08:49:37 1994`.
        let (mon, day, time, year) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        return civil(num(year, 4)?, month(mon)?, num(day, 2)?, time);
    };
    if parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    civil(year, mon, day, time)
}

/// Seconds since the Unix epoch of a proleptic Gregorian date and an `HH:MM:SS` time (days
/// from civil: Howard Hinnant's algorithm).
fn civil(year: u64, month: u64, day: u64, time: &str) -> Option<u64> {
    let mut hms = time.split(':');
    let mut field = |max: u64| -> Option<u64> {
        let t = hms.next()?;
        (t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())?
            .filter(|v| *v <= max)
    };
    let (h, m, sec) = (field(23)?, field(59)?, field(60)?);
    if hms.next().is_some() || !(1..=31).contains(&day) || year < 1970 {
        return None;
    }
    let (y, mo) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y / 400;
    let yoe = y % 400;
    let doy = (153 * mo + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = (era * 146_097 + doe).checked_sub(719_468)?;
    Some(days * 86_400 + h * 3_600 + m * 60 + sec)
}
