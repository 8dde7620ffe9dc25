//! How a stream ended: the answer an LLM client needs before it trusts a response.
//!
//! An LLM API streams its answer as events and marks the end with an event of its own: OpenAI
//! Chat Completions sends `data: [DONE]`, Anthropic Messages an event of type `message_stop`,
//! the OpenAI Responses API `response.completed`. A body that ends without it was cut, even
//! when it ended cleanly between two events (a proxy timed out, the server was restarted); a
//! body that ends inside an event was cut mid-token. And a stream whose response said 200 can
//! still fail: the server reports an error as an event (Anthropic's `event: error` when it is
//! overloaded mid-answer, a Chat Completions `data:` object with an `error` key).
//!
//! * [`Signals`] says which events end a stream and which report a server error: one preset
//!   per API ([`Signals::openai_chat`], [`Signals::openai_responses`],
//!   [`Signals::anthropic_messages`], all listed by [`Signals::presets`]), or your own.
//! * [`Outcome`] says how the stream ended: [`Sentinel`](Outcome::Sentinel) (complete),
//!   [`ServerError`](Outcome::ServerError) (the server said it failed),
//!   [`Clean`](Outcome::Clean) or [`Truncated`](Outcome::Truncated) (cut),
//!   [`Transport`](Outcome::Transport) (reading failed).
//! * [`Signals::judge`] works it out event by event in a plain loop, and `Outcome::from` the
//!   decoder's `finish()` when the body ends without a signal.
#![cfg_attr(
    feature = "stream",
    doc = "* `stream::EventStream::until` works it out for a `Stream` of events: see [`crate::stream`]."
)]
//!
//! ```
//! use bytes::Bytes;
//! use sse_wire::outcome::{Outcome, Signals};
//! use sse_wire::sse::{BytesDecoder, Item};
//!
//! fn answer(body: &[&'static [u8]]) -> (String, Outcome<()>) {
//!     let signals = Signals::openai_chat();
//!     let mut decoder = BytesDecoder::new();
//!     let mut text = String::new();
//!     for piece in body {
//!         decoder.push(Bytes::from_static(piece));
//!         for item in &mut decoder {
//!             let Ok(Item::Event(event)) = item else { continue };
//!             if let Some(end) = signals.judge(event.as_ref()) {
//!                 return (text, end); // read nothing after it
//!             }
//!             text.push_str(event.data());
//!         }
//!     }
//!     (text, Outcome::from(decoder.finish()))
//! }
//!
//! assert!(matches!(answer(&[b"data: Hel", b"lo\n\ndata: [DONE]\n\n"]), (t, Outcome::Sentinel(_)) if t == "Hello"));
//! assert_eq!(answer(&[b"data: Hel", b"lo\n\n"]), ("Hello".into(), Outcome::Clean));
//! assert!(matches!(answer(&[b"data: Hello\n\ndata: [DO"]).1, Outcome::Truncated(_)));
//! let (_, failed) = answer(&[b"data: {\"error\": {\"message\": \"overloaded\"}}\n\n"]);
//! assert!(matches!(failed, Outcome::ServerError(e) if e.data().contains("overloaded")));
//! ```

use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

use crate::sse::{Event, EventRef, Truncated};
use crate::Str;

/// Which events of a stream are signals: the end of a complete answer, or a server error.
/// Plain data, compared with each decoded event (so `data: [DONE]` and `data:[DONE]` are the
/// same; a `[DONE]` sent as two `data` lines is not); every other event (`ping` included) is
/// content. An error takes precedence over an end.
///
/// One preset per API, written from its published stream format (no guessing across APIs:
/// pick the one you call):
///
/// | preset | [`name`](Signals::name) | end | server error |
/// |---|---|---|---|
/// | [`openai_chat`](Signals::openai_chat) | `openai-chat` | `data: [DONE]` | data is a JSON object with an `error` key |
/// | [`openai_responses`](Signals::openai_responses) | `openai-responses` | `response.completed`, `response.incomplete` | `error`, `response.failed` |
/// | [`anthropic_messages`](Signals::anthropic_messages) | `anthropic-messages` | `message_stop` | `error` |
///
/// [`presets`](Signals::presets) lists them, for a command line's `--sentinel NAME`
/// (`name.parse::<Signals>()` looks one up). Define others by filling the fields:
///
/// ```
/// use sse_wire::outcome::Signals;
///
/// let mut mine = Signals::default();
/// mine.name = "my-api".into();
/// mine.end_types.push("done".into());
/// mine.error_types.push("failure".into());
/// let names = Signals::presets().map(|s| s.name);
/// assert_eq!(names, ["openai-chat", "openai-responses", "anthropic-messages"]);
/// assert_eq!("anthropic-messages".parse::<Signals>(), Ok(Signals::anthropic_messages()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Signals {
    /// A short name for the set (the presets': `openai-chat`, `openai-responses`,
    /// `anthropic-messages`). Default empty.
    pub name: Str,
    /// An event whose data is exactly one of these texts ends the stream, complete
    /// (`[DONE]`). Default none.
    pub end_data: Vec<Str>,
    /// An event of one of these types ends the stream, complete (`message_stop`). Default
    /// none.
    pub end_types: Vec<Str>,
    /// An event of one of these types reports a server error and ends the stream (`error`).
    /// Default none.
    pub error_types: Vec<Str>,
    /// An event whose data is a JSON object with this key at its top level reports a server
    /// error (`error`, for Chat Completions). The key is compared with the raw text between
    /// the quotes (no escape is decoded). Default `None`.
    pub error_key: Option<Str>,
}

/// What an event is to a [`Signals`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    End,
    Error,
}

impl Signals {
    /// OpenAI Chat Completions (`stream: true`): `data: [DONE]` ends the stream (a usage chunk
    /// comes before it with `stream_options.include_usage`); a `data:` JSON object with a
    /// top-level `error` key is a server error (openai-python's `_streaming.py` raises
    /// `APIError` for it). Other providers that speak this format but send only a
    /// `finish_reason` and no `[DONE]` are not covered: their streams judge as cut.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use sse_wire::outcome::{Outcome, Signals};
    /// use sse_wire::sse::{BytesDecoder, Item};
    ///
    /// let judge = |block: &'static str| {
    ///     let mut decoder = BytesDecoder::new();
    ///     decoder.push(Bytes::from_static(block.as_bytes()));
    ///     let Some(Ok(Item::Event(e))) = decoder.next() else { panic!() };
    ///     Signals::openai_chat().judge::<()>(e.as_ref())
    /// };
    /// assert!(matches!(judge("data:[DONE]\n\n"), Some(Outcome::Sentinel(_))));
    /// assert_eq!(judge("data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"), None);
    /// assert!(matches!(judge("data: {\"error\":{\"message\":\"boom\"}}\n\n"), Some(Outcome::ServerError(_))));
    /// ```
    #[must_use]
    pub fn openai_chat() -> Self {
        Signals {
            name: Str::from_static("openai-chat"),
            end_data: alloc::vec![Str::from_static("[DONE]")],
            end_types: Vec::new(),
            error_types: Vec::new(),
            error_key: Some(Str::from_static("error")),
        }
    }

    /// The OpenAI Responses API (`stream: true`): typed events, every one named by its `event`
    /// field. `response.completed` ends the stream; so does `response.incomplete` (the answer
    /// stopped early, for the reason in `incomplete_details.reason`: read it from the event
    /// [`Outcome::Sentinel`] carries). `error` (data `{"type":"error","code",…}`) and
    /// `response.failed` (the response's `error`) are server errors (openai-python
    /// `types/responses/response_{error,failed,incomplete}_event.py`).
    #[must_use]
    pub fn openai_responses() -> Self {
        Signals {
            name: Str::from_static("openai-responses"),
            end_data: Vec::new(),
            end_types: alloc::vec![
                Str::from_static("response.completed"),
                Str::from_static("response.incomplete"),
            ],
            error_types: alloc::vec![
                Str::from_static("error"),
                Str::from_static("response.failed"),
            ],
            error_key: None,
        }
    }

    /// Anthropic Messages (`stream: true`): `message_stop` ends the stream; `event: error`
    /// (data `{"type":"error","error":{"type":"overloaded_error",…}}`) is a server error;
    /// `ping`, and event types added later, are content to skip (Anthropic's "Messages
    /// streaming" documentation).
    #[must_use]
    pub fn anthropic_messages() -> Self {
        Signals {
            name: Str::from_static("anthropic-messages"),
            end_data: Vec::new(),
            end_types: alloc::vec![Str::from_static("message_stop")],
            error_types: alloc::vec![Str::from_static("error")],
            error_key: None,
        }
    }

    /// Every preset, in a stable order; each one's [`name`](Signals::name) identifies it.
    #[must_use]
    pub fn presets() -> [Signals; 3] {
        [
            Signals::openai_chat(),
            Signals::openai_responses(),
            Signals::anthropic_messages(),
        ]
    }

    /// What `event` means for the [`Outcome`]: `Some(Outcome::Sentinel(event))` when it ends
    /// the stream, `Some(Outcome::ServerError(event))` when it reports a server error (the
    /// caller SHOULD stop reading in both cases), `None` for content. An owned event is shown
    /// through its [`as_ref`](Event::as_ref).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use sse_wire::outcome::{Outcome, Signals};
    /// use sse_wire::sse::{BytesDecoder, Item};
    ///
    /// let mut decoder = BytesDecoder::new();
    /// decoder.push(Bytes::from_static(b"event: ping\ndata: {\"type\": \"ping\"}\n\n\
    ///     event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}\n\n"));
    /// let signals = Signals::anthropic_messages();
    /// let Some(Ok(Item::Event(ping))) = decoder.next() else { panic!() };
    /// assert_eq!(signals.judge::<()>(ping.as_ref()), None);
    /// let Some(Ok(Item::Event(error))) = decoder.next() else { panic!() };
    /// let outcome = signals.judge::<()>(error.as_ref());
    /// assert!(matches!(outcome, Some(Outcome::ServerError(e)) if e == error));
    /// ```
    #[must_use]
    pub fn judge<E>(&self, event: EventRef<'_>) -> Option<Outcome<E>> {
        match self.signal(event)? {
            Signal::End => Some(Outcome::Sentinel(event.into_owned())),
            Signal::Error => Some(Outcome::ServerError(event.into_owned())),
        }
    }

    /// [`judge`](Signals::judge) without the copy.
    pub(crate) fn signal(&self, event: EventRef<'_>) -> Option<Signal> {
        let (ty, data) = (event.event_type(), event.data());
        let error = self.error_types.iter().any(|t| **t == *ty)
            || self
                .error_key
                .as_deref()
                .is_some_and(|k| json_has_top_level_key(data.as_bytes(), k.as_bytes()));
        if error {
            Some(Signal::Error)
        } else if self.end_types.iter().any(|t| **t == *ty)
            || self.end_data.iter().any(|d| **d == *data)
        {
            Some(Signal::End)
        } else {
            None
        }
    }
}

/// Looks a preset up by its name; `Err(())` for a name [`Signals::presets`] does not list.
impl FromStr for Signals {
    type Err = ();

    fn from_str(name: &str) -> Result<Self, ()> {
        Signals::presets()
            .into_iter()
            .find(|s| *s.name == *name)
            .ok_or(())
    }
}

/// Whether `data` is a JSON object with `key` among its top-level keys (compared raw, escapes
/// undecoded). Malformed JSON is no object: `false`. Walks the text once, without allocating.
fn json_has_top_level_key(data: &[u8], key: &[u8]) -> bool {
    let mut p = Json { s: data, i: 0 };
    p.ws();
    if !p.eat(b'{') {
        return false;
    }
    p.ws();
    if p.eat(b'}') {
        return false;
    }
    loop {
        p.ws();
        let Some(k) = p.string() else { return false };
        if k == key {
            // The rest need not be valid: the key is there.
            p.ws();
            return p.eat(b':');
        }
        p.ws();
        if !p.eat(b':') || !p.value() {
            return false;
        }
        p.ws();
        if p.eat(b',') {
            continue;
        }
        return false;
    }
}

/// A cursor over JSON text, for [`json_has_top_level_key`].
struct Json<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Json<'a> {
    fn ws(&mut self) {
        while matches!(self.s.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.s.get(self.i) == Some(&b);
        self.i += usize::from(hit);
        hit
    }

    /// A string's raw content (between the quotes), the cursor after its closing quote.
    fn string(&mut self) -> Option<&'a [u8]> {
        if !self.eat(b'"') {
            return None;
        }
        let start = self.i;
        loop {
            match self.s.get(self.i)? {
                b'"' => {
                    self.i += 1;
                    return Some(&self.s[start..self.i - 1]);
                }
                b'\\' => self.i += 2,
                _ => self.i += 1,
            }
        }
    }

    /// Skips one value: a string, or anything up to the `,` or `}` that ends it at this depth
    /// (nested objects and arrays skipped whole, strings in them included).
    fn value(&mut self) -> bool {
        let mut depth = 0usize;
        let start = self.i;
        loop {
            match self.s.get(self.i) {
                None => return false,
                Some(b'"') => {
                    if self.string().is_none() {
                        return false;
                    }
                    continue;
                }
                Some(b'{' | b'[') => depth += 1,
                Some(b'}' | b']') if depth > 0 => depth -= 1,
                Some(b',' | b'}') if depth == 0 => return self.i > start,
                Some(b']') => return false,
                _ => {}
            }
            self.i += 1;
        }
    }
}

/// How a stream of events ended. `E` is the transport's error type.
///
/// For an LLM client only [`Sentinel`](Outcome::Sentinel) means the answer is complete:
/// [`Clean`](Outcome::Clean) and [`Truncated`](Outcome::Truncated) mean it was cut,
/// [`ServerError`](Outcome::ServerError) that the server reported a failure,
/// [`Transport`](Outcome::Transport) that reading it failed. `Outcome::from` a decoder's
/// `finish()` result is `Clean` or `Truncated`.
///
/// ```
/// use sse_wire::outcome::Outcome;
///
/// let verdict = |o: &Outcome<std::io::Error>| match o {
///     o if o.is_complete() => "complete",
///     o if o.is_cut() => "cut",
///     _ => "failed",
/// };
/// assert_eq!(verdict(&Outcome::from(Ok(()))), "cut");
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
    /// The end event arrived ([`Signals`]' `end_data` or `end_types`); it is here. Nothing
    /// after it was read.
    Sentinel(Event),
    /// The server reported an error in the stream ([`Signals`]' `error_types` or
    /// `error_key`): the event is here. The answer is incomplete; nothing after it was read.
    /// (An LLM SDK raises it as an API error with the 200's status, so status-based retry
    /// logic misses it: openai-python#1160.)
    ServerError(Event),
    /// The body ended between two events, without the sentinel. A server that always sends one
    /// did not finish: for an LLM client the answer is incomplete.
    Clean,
    /// The body ended inside an event or a line: the event in progress was discarded.
    Truncated(Truncated),
    /// The transport failed before an end or error event arrived.
    Transport(E),
}

impl<E: fmt::Display> fmt::Display for Outcome<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Sentinel(_) => f.write_str("the stream is complete: its end marker arrived"),
            Outcome::ServerError(e) => write!(
                f,
                "the server reported an error in the stream (event `{}`): {}",
                e.event_type(),
                e.data()
            ),
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
        matches!(self, Outcome::Sentinel(_))
    }

    /// `true` for [`Outcome::Clean`] and [`Outcome::Truncated`]: the body ended early.
    #[must_use]
    pub fn is_cut(&self) -> bool {
        matches!(self, Outcome::Clean | Outcome::Truncated(_))
    }
}

/// How a body that ended without a signal ended, from the decoder's `finish()`
/// ([`BytesDecoder::finish`](crate::sse::BytesDecoder::finish),
/// [`Decoder::finish`](crate::sse::Decoder::finish)): [`Outcome::Clean`] or
/// [`Outcome::Truncated`].
impl<E> From<Result<(), Truncated>> for Outcome<E> {
    fn from(end: Result<(), Truncated>) -> Self {
        match end {
            Ok(()) => Outcome::Clean,
            Err(t) => Outcome::Truncated(t),
        }
    }
}
