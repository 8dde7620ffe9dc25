//! How a stream ended: the answer an LLM client needs before it trusts a response.
//!
//! An LLM API streams its answer as events and marks the end with a sentinel: OpenAI sends
//! `data: [DONE]`, Anthropic an event of type `message_stop`. A body that ends without the
//! sentinel was cut, even when it ended cleanly between two events (a proxy timed out, the
//! server was restarted); a body that ends inside an event was cut mid-token. Only the sentinel
//! says the answer is complete.
//!
//! * [`Sentinel`] says which event marks the end.
//! * [`Outcome`] says how the stream ended: [`Sentinel`](Outcome::Sentinel) (complete),
//!   [`Clean`](Outcome::Clean) or [`Truncated`](Outcome::Truncated) (cut),
//!   [`Transport`](Outcome::Transport) (failed).
//! * [`Tracker`] works it out in a plain loop over a decoder.
#![cfg_attr(
    feature = "stream",
    doc = "* `stream::EventStream::until` works it out for a `Stream` of events: see [`crate::stream`]."
)]
//!
//! ```
//! use bytes::Bytes;
//! use sse_wire::outcome::{Outcome, Sentinel, Tracker};
//! use sse_wire::sse::{BytesDecoder, Item};
//!
//! fn answer(body: &[&'static [u8]]) -> (String, Outcome<()>) {
//!     let mut decoder = BytesDecoder::new();
//!     let mut tracker = Tracker::new(Sentinel::openai());
//!     let mut text = String::new();
//!     'body: for piece in body {
//!         decoder.push(Bytes::from_static(piece));
//!         for item in &mut decoder {
//!             let Ok(Item::Event(event)) = item else { continue };
//!             if tracker.observe(event.as_ref()) {
//!                 break 'body; // read nothing after the sentinel
//!             }
//!             text.push_str(event.data());
//!         }
//!     }
//!     (text, tracker.finish(decoder.finish()))
//! }
//!
//! assert_eq!(answer(&[b"data: Hel", b"lo\n\ndata: [DONE]\n\n"]), ("Hello".into(), Outcome::Sentinel));
//! assert_eq!(answer(&[b"data: Hel", b"lo\n\n"]), ("Hello".into(), Outcome::Clean));
//! assert!(matches!(answer(&[b"data: Hello\n\ndata: [DO"]).1, Outcome::Truncated(_)));
//! ```

use core::fmt;

use crate::sse::{EventRef, Truncated};
use crate::Str;

/// Which event marks the end of a stream: one whose data is exactly a given text, one of a
/// given event type, or either. Plain data: set both fields for "either".
///
/// The sentinel is compared with the decoded event, so `data: [DONE]` and `data:[DONE]` both
/// match [`Sentinel::openai()`], and a `[DONE]` sent as two `data` lines does not.
///
/// ```
/// use sse_wire::outcome::Sentinel;
///
/// let either = Sentinel { data: Some("[DONE]".into()), event_type: Some("message_stop".into()) };
/// let mut also = Sentinel::openai();
/// also.event_type = Some("message_stop".into());
/// assert_eq!(either, also);
/// let custom = Sentinel { data: None, event_type: Some("done".into()) };
/// assert_eq!(custom.data.as_deref(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentinel {
    /// Matches an event whose data is exactly this text (whatever its type).
    pub data: Option<Str>,
    /// Matches an event of this type (whatever its data).
    pub event_type: Option<Str>,
}

impl Sentinel {
    /// OpenAI's end marker (chat completions, completions): `data: [DONE]`.
    #[must_use]
    pub const fn openai() -> Self {
        Sentinel {
            data: Some(Str::from_static("[DONE]")),
            event_type: None,
        }
    }

    /// Anthropic's end marker (messages API): an event of type `message_stop`.
    #[must_use]
    pub const fn anthropic() -> Self {
        Sentinel {
            data: None,
            event_type: Some(Str::from_static("message_stop")),
        }
    }

    /// Whether `event` is the sentinel. An owned [`Event`](crate::sse::Event) is shown through
    /// its [`as_ref`](crate::sse::Event::as_ref).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use sse_wire::outcome::Sentinel;
    /// use sse_wire::sse::{BytesDecoder, Item};
    ///
    /// let mut decoder = BytesDecoder::new();
    /// decoder.push(Bytes::from_static(b"event: message_stop\ndata: {}\n\n"));
    /// let Some(Ok(Item::Event(event))) = decoder.next() else { panic!() };
    /// assert!(Sentinel::anthropic().matches(event.as_ref()));
    /// assert!(!Sentinel::openai().matches(event.as_ref()));
    /// ```
    #[must_use]
    pub fn matches(&self, event: EventRef<'_>) -> bool {
        self.data.as_deref() == Some(event.data())
            || self.event_type.as_deref() == Some(event.event_type())
    }
}

/// How a stream of events ended. `E` is the transport's error type.
///
/// For an LLM client only [`Sentinel`](Outcome::Sentinel) means the answer is complete:
/// [`Clean`](Outcome::Clean) and [`Truncated`](Outcome::Truncated) mean it was cut,
/// [`Transport`](Outcome::Transport) that reading it failed.
///
/// ```
/// use sse_wire::outcome::Outcome;
///
/// let verdict = |o: &Outcome<std::io::Error>| match o {
///     o if o.is_complete() => "complete",
///     o if o.is_cut() => "cut",
///     _ => "failed",
/// };
/// assert_eq!(verdict(&Outcome::Sentinel), "complete");
/// assert_eq!(verdict(&Outcome::Clean), "cut");
/// assert_eq!(verdict(&Outcome::Transport(std::io::ErrorKind::ConnectionReset.into())), "failed");
/// ```
///
/// Its `Display` says what happened in a sentence a client can print as it is:
///
/// ```
/// use sse_wire::outcome::Outcome;
///
/// assert_eq!(
///     Outcome::<&str>::Clean.to_string(),
///     "the stream ended between two events, before its end marker: the answer is incomplete",
/// );
/// assert_eq!(Outcome::Transport("connection reset").to_string(), "reading the stream failed: connection reset");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub enum Outcome<E> {
    /// The sentinel event arrived. Nothing after it was read.
    Sentinel,
    /// The body ended between two events, without the sentinel. A server that always sends one
    /// did not finish: for an LLM client the answer is incomplete.
    Clean,
    /// The body ended inside an event or a line: the event in progress was discarded.
    Truncated(Truncated),
    /// The transport failed before the sentinel arrived.
    Transport(E),
}

impl<E: fmt::Display> fmt::Display for Outcome<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Sentinel => f.write_str("the stream is complete: its end marker arrived"),
            Outcome::Clean => f.write_str(
                "the stream ended between two events, before its end marker: the answer is incomplete",
            ),
            Outcome::Truncated(cut) => write!(
                f,
                "the stream was cut inside an event ({cut}): the answer is incomplete"
            ),
            Outcome::Transport(e) => write!(f, "reading the stream failed: {e}"),
        }
    }
}

impl<E> Outcome<E> {
    /// `true` for [`Outcome::Sentinel`]: the stream is complete.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        matches!(self, Outcome::Sentinel)
    }

    /// `true` for [`Outcome::Clean`] and [`Outcome::Truncated`]: the body ended early.
    #[must_use]
    pub fn is_cut(&self) -> bool {
        matches!(self, Outcome::Clean | Outcome::Truncated(_))
    }
}

/// Works out the [`Outcome`] of a stream decoded in a plain loop: show it each event with
/// [`observe`](Tracker::observe), stop reading when that returns `true`, and end with
/// [`finish`](Tracker::finish) given the decoder's own verdict. A transport error is
/// [`Outcome::Transport`] directly. See the [module docs](self) for a whole client loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracker {
    sentinel: Sentinel,
    seen: bool,
}

impl Tracker {
    /// A tracker waiting for `sentinel`.
    #[must_use]
    pub const fn new(sentinel: Sentinel) -> Self {
        Tracker {
            sentinel,
            seen: false,
        }
    }

    /// Looks at the next event: `true` when it is the sentinel (or was earlier), after which the
    /// caller SHOULD stop reading (and not treat the sentinel as content). An owned event is
    /// shown through its `as_ref()`.
    pub fn observe(&mut self, event: EventRef<'_>) -> bool {
        self.seen |= self.sentinel.matches(event);
        self.seen
    }

    /// The outcome, given how the body ended: `end` is the decoder's `finish()` result
    /// ([`BytesDecoder::finish`](crate::sse::BytesDecoder::finish) or
    /// [`Decoder::finish`](crate::sse::Decoder::finish)). Once the sentinel was seen
    /// the outcome is [`Outcome::Sentinel`], whatever followed it.
    pub fn finish<E>(&self, end: Result<(), Truncated>) -> Outcome<E> {
        match end {
            _ if self.seen => Outcome::Sentinel,
            Ok(()) => Outcome::Clean,
            Err(t) => Outcome::Truncated(t),
        }
    }
}
