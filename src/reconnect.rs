//! The client side of a long-lived event stream: when to reconnect, with which request and
//! `Last-Event-ID`, and when to give up, as a sans-IO state machine.
//!
//! [`Reconnect`] does what an `EventSource` does between connections (HTML Living Standard,
//! "Server-sent events", §9.2.3 "Processing model" and "reestablish the connection"), plus what
//! an HTTP client needs on top: a bounded number of attempts, exponential backoff with a cap,
//! caller-supplied jitter, and no silent re-sending of a non-idempotent request. It opens no
//! socket, reads no clock and draws no random number: the caller's loop feeds it what happened
//! (`on_*` methods) and asks it what to do next ([`poll`](Reconnect::poll)).
//!
//! # The loop
//!
//! 1. [`poll`](Reconnect::poll) returns an [`Action`]:
//!    * [`Action::Connect`]: send a request now. [`Connect::request`] says which one (the
//!      original, or a `GET` that resumes the stream), [`Connect::last_event_id`] the
//!      `Last-Event-ID` to send, if any.
//!    * [`Action::Wait`]: sleep that long, then call [`on_timeout`](Reconnect::on_timeout) and
//!      poll again.
//!    * [`Action::Stop`]: the session is over, for the [`Stopped`] reason given.
//!    * `None`: a request is in flight; feed its outcome first.
//! 2. When the response head arrives, call [`on_response`](Reconnect::on_response) with its
//!    [`Verdict`]: the standard's, from its status and `Content-Type` ([`Verdict::of`]), or your
//!    own judgement, as fetch-event-source's `onopen` allows. Redirects are the HTTP client's
//!    business, as they are Fetch's for an `EventSource`: report the final response.
//! 3. Decode the body with one [`sse::Decoder`](crate::sse::Decoder) or
//!    [`sse::BytesDecoder`](crate::sse::BytesDecoder) kept for the whole session (call its
//!    `reset()` before each new body). Show each event to
//!    [`on_event`](Reconnect::on_event) if a [`Sentinel`] is configured.
//! 4. When the body ends, call [`on_body_end`](Reconnect::on_body_end); when the connection
//!    fails (before or after the response), [`on_error`](Reconnect::on_error). Both take the
//!    decoder: its last event ID and reconnection time are the session's, because the decoder
//!    applies every `id` and `retry` line as it reads it, blocks without data included.
//! 5. [`close`](Reconnect::close) ends the session from the caller's side at any time.
//!
//! ```
//! use core::time::Duration;
//! use bytes::Bytes;
//! use sse_wire::reconnect::{Action, Config, Reconnect, Request, Stopped, Verdict};
//! use sse_wire::sse::BytesDecoder;
//!
//! let mut session = Reconnect::new(Config::new());
//! let mut decoder = BytesDecoder::new();
//!
//! // First connection: the original request, no Last-Event-ID.
//! let Some(Action::Connect(c)) = session.poll() else { panic!() };
//! assert_eq!((c.request, c.last_event_id), (Request::Original, None));
//! session.on_response(Verdict::of(200, Some(b"text/event-stream; charset=utf-8")));
//! decoder.push(Bytes::from_static(b"retry: 1500\nid: 7\ndata: hi\n\n"));
//! for item in &mut decoder { let _ = item?; }
//! session.on_body_end(&decoder);
//!
//! // The body ended: wait the server's `retry`, then ask again with `Last-Event-ID: 7`.
//! assert_eq!(session.poll(), Some(Action::Wait(Duration::from_millis(1500))));
//! session.on_timeout();
//! decoder.reset();
//! let Some(Action::Connect(c)) = session.poll() else { panic!() };
//! assert_eq!(c.last_event_id.as_deref(), Some("7"));
//!
//! // 204 No Content: the server wants the client to stop for good.
//! session.on_response(Verdict::of(204, None));
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
//! when the cap is lower. Jitter, if any, is applied last, to the final figure.
//!
//! # Requests and resumption
//!
//! A `GET` is re-sent as is, with `Last-Event-ID`. A request that is not idempotent (a `POST`
//! starting an LLM completion or an MCP call) is never re-sent unless the caller opts in with
//! [`Config::resend`]: re-sending it repeats its effect (and its bill). [`Resumption`] chooses
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

use crate::outcome::Sentinel;
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
/// backoff, no limit on attempts, no sentinel.
///
/// ```
/// use core::time::Duration;
/// use sse_wire::outcome::Sentinel;
/// use sse_wire::reconnect::{Config, Method};
///
/// let mut config = Config::new();
/// config.method = Method::Post; // not re-sent, as `config.resend` is false
/// config.backoff_factor = 2;
/// config.backoff_cap = Duration::from_secs(30);
/// config.max_attempts = Some(5);
/// config.sentinel = Some(Sentinel::openai());
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
    /// Whether a non-idempotent original request may be sent again. Default `false`. An
    /// idempotent one ([`Method::is_idempotent`]) is always re-sent, whatever this says.
    pub resend: bool,
    /// An event that ends the session without reconnecting (`data: [DONE]`,
    /// `message_stop`). Default `None`.
    pub sentinel: Option<Sentinel>,
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
            sentinel: None,
            resumption: Resumption::EventSource,
            last_event_id: Str::new(),
        }
    }

    /// Whether the original request may be sent again: idempotent, or allowed by `resend`.
    const fn may_resend(&self) -> bool {
        self.resend || self.method.is_idempotent()
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
    /// Wait this long, then call [`Reconnect::on_timeout`] (returned until then).
    Wait(Duration),
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
    /// session.on_error(StreamState { last_event_id: "42", retry: None });
    /// session.on_timeout();
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
    /// The configured [`Sentinel`] event arrived: the stream is complete.
    Done,
    /// The server answered 204 No Content: "stop reconnecting" (HTML §9.2.1).
    NoContent,
    /// The response was not an event stream: a status other than 200, or a `Content-Type` that
    /// is not `text/event-stream` (HTML §9.2.3 "fail the connection": no reconnection).
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
    /// Fail without reconnecting ([`Stopped::Failed`]).
    Fail {
        /// The status.
        status: u16,
        /// Whether the `Content-Type` named an event stream.
        event_stream: bool,
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
    ///            Verdict::Fail { status: 200, event_stream: false });
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
            },
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
    /// Waiting before the next request.
    Waiting(Duration),
    Stopped(Stopped),
}

/// The reconnection state machine of one event-stream session; see the [module docs](self).
///
/// Its methods come in groups, as quinn-proto's `Connection`'s do:
///
/// * **Construction**: [`new`](Reconnect::new), or [`with_jitter`](Reconnect::with_jitter) to
///   pass every delay through the caller's randomness.
/// * **Output**: [`poll`](Reconnect::poll) says what to do next ([`Action`]).
/// * **Inputs**: what happened, in the order it happens on a connection:
///   [`on_response`](Reconnect::on_response) (the response head, as a [`Verdict`]),
///   [`on_event`](Reconnect::on_event) (each event of the body, when a sentinel is configured),
///   then [`on_body_end`](Reconnect::on_body_end) or [`on_error`](Reconnect::on_error); between
///   connections, [`on_timeout`](Reconnect::on_timeout) once an [`Action::Wait`] is over; and
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
/// `None` means a request is in flight or a stream is open, and only an input changes that.
/// Inputs that do not fit the current state (a response when none was asked for, a timeout
/// when no wait was asked for, anything after the session stopped) are ignored.
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
}

impl<J: FnMut(Duration) -> Duration> Reconnect<J> {
    /// A session with `config` whose delays pass through `jitter` just before they are handed
    /// out (spreading the reconnections of many clients; the caller brings its own
    /// randomness), ready to connect. Jitter applies last, to the final figure.
    ///
    /// ```
    /// use core::time::Duration;
    /// use sse_wire::reconnect::{Action, Config, Reconnect};
    /// use sse_wire::sse::Decoder;
    ///
    /// // A deterministic stand-in for "up to 10% more".
    /// let mut session = Reconnect::with_jitter(Config::new(), |d: Duration| d + d / 10);
    /// let _ = session.poll();
    /// session.on_error(&Decoder::new());
    /// assert_eq!(session.poll(), Some(Action::Wait(Duration::from_millis(3300))));
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
        }
    }

    // Output.

    /// What to do next: see [`Action`]. `None` while a request is in flight or a stream is open.
    /// An [`Action::Connect`] is handed out once; `Wait` and `Stop` are repeated until the state
    /// changes.
    #[must_use]
    pub fn poll(&mut self) -> Option<Action> {
        match self.state {
            State::Ready => {
                self.state = State::InFlight;
                Some(Action::Connect(self.connect()))
            }
            State::InFlight | State::Open => None,
            State::Waiting(d) => Some(Action::Wait(d)),
            State::Stopped(s) => Some(Action::Stop(s)),
        }
    }

    // Inputs.

    /// The response head arrived, judged: by the standard with [`Verdict::of`] (or
    /// [`Verdict::of_response`]), or by the caller (fetch-event-source's `onopen`).
    /// [`Verdict::Retry`] counts as a network error before any body (the session's decoder
    /// state is unchanged).
    pub fn on_response(&mut self, verdict: Verdict) {
        if self.state != State::InFlight {
            return;
        }
        match verdict {
            Verdict::Open => {
                self.state = State::Open;
                self.in_row = 0;
            }
            Verdict::NoContent => self.state = State::Stopped(Stopped::NoContent),
            Verdict::Fail {
                status,
                event_stream,
            } => {
                self.state = State::Stopped(Stopped::Failed {
                    status,
                    event_stream,
                })
            }
            Verdict::Retry => self.broken(None),
        }
    }

    /// Shows the machine an event of the open stream (an owned event shows its view,
    /// [`Event::as_ref`](crate::sse::Event::as_ref)). Returns `true` when it is the configured sentinel: the session stops
    /// with [`Stopped::Done`] and the caller SHOULD stop reading.
    pub fn on_event(&mut self, event: EventRef<'_>) -> bool {
        let hit = self
            .config
            .sentinel
            .as_ref()
            .is_some_and(|s| s.matches(event));
        if hit && matches!(self.state, State::Open | State::InFlight) {
            self.state = State::Stopped(Stopped::Done);
        }
        hit
    }

    /// The body ended without a network error ("reestablish the connection"). `state` is what
    /// the body left: pass the session's decoder.
    pub fn on_body_end<'a>(&mut self, state: impl Into<StreamState<'a>>) {
        if self.state == State::Open {
            self.broken(Some(state.into()));
        }
    }

    /// The connection failed: before the response (connect, TLS, …) or while reading the body.
    /// `state` is what the body left, if any: pass the session's decoder.
    pub fn on_error<'a>(&mut self, state: impl Into<StreamState<'a>>) {
        if matches!(self.state, State::InFlight | State::Open) {
            self.broken(Some(state.into()));
        }
    }

    /// The wait asked for by [`Action::Wait`] is over: the next [`poll`](Reconnect::poll) says
    /// to connect.
    pub fn on_timeout(&mut self) {
        if let State::Waiting(_) = self.state {
            self.state = State::Ready;
        }
    }

    /// Ends the session from the caller's side (`EventSource.close()`; in MCP 2026-07-28, the
    /// way to cancel the request). Stops with [`Stopped::Closed`] unless already stopped.
    pub fn close(&mut self) {
        if !matches!(self.state, State::Stopped(_)) {
            self.state = State::Stopped(Stopped::Closed);
        }
    }

    /// The stream broke (body end, network error, or a caller's `Retry`): choose the next
    /// request and the delay, or stop.
    fn broken(&mut self, state: Option<StreamState<'_>>) {
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
        let delay = self.delay();
        self.in_row += 1;
        self.reconnects = self.reconnects.saturating_add(1);
        self.state = State::Waiting((self.jitter)(delay));
    }

    /// The request that continues the stream, if any may be sent. Decided afresh at every
    /// break: a stream resumed with a `GET` goes on being resumed only while there is an ID to
    /// send, since a `GET` without `Last-Event-ID` would open another stream (in MCP, the
    /// session's standalone one), not continue this one.
    fn next_request(&self) -> Option<Request> {
        let resend = self.config.may_resend();
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
