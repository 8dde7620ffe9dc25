//! MCP Streamable HTTP, revision 2025-11-25 ("Resumability and Redelivery"): resumable SSE
//! streams on the server side.
//!
//! In that revision a server SHOULD start each SSE stream with a priming event that carries an
//! event ID, so that a client can resume even before the first message, and SHOULD send `retry`
//! before it closes a connection early; event IDs must be unique across the session's streams
//! and SHOULD identify the stream; a client resumes with a `GET` carrying `Last-Event-ID`, and
//! the server replays only the messages of that stream that came after it.
//!
//! * [`priming`] writes the priming event as an `id` and a `retry` field without any `data`
//!   line: a reader records both and dispatches nothing. MCP's own wording asks for an event
//!   with "empty data", which a reader does dispatch, as a message whose data is the empty
//!   string; several SDK clients then failed on `JSON.parse("")` (typescript-sdk PR #1184,
//!   python-sdk #1672, go-sdk #768). [`priming`]'s docs show that literal form, for a client
//!   known to learn the ID only from dispatched events.
//! * [`Streams`] keeps one [`EventLog`] per stream, names each event `"{stream}-{seq}"` and
//!   finds the stream again from the ID a client resumes with.
//!
//! Revision 2026-07-28 removed resumability: such a server needs none of this, and ignores
//! `Last-Event-ID`.
//!
//! ```
//! use core::time::Duration;
//! use sse_wire::replay::mcp::Streams;
//! use sse_wire::sse::OutEvent;
//!
//! let mut streams = Streams::new();
//! // A POST opens a stream: send the priming event first.
//! let priming = streams.open("req7", Duration::from_secs(3))?;
//! assert_eq!(priming, "id: req7-0\nretry: 3000\n\n");
//! streams.push("req7", OutEvent::new().data(r#"{"jsonrpc":"2.0","method":"notifications/progress"}"#))?;
//! streams.push("req7", OutEvent::new().data(r#"{"jsonrpc":"2.0","id":7,"result":{}}"#))?;
//!
//! // The connection dropped after the first message; the client resumes with a GET.
//! let (stream, replay) = streams.since("req7-1")?;
//! assert_eq!(stream, "req7");
//! let frames: Vec<_> = replay.collect();
//! assert_eq!(frames.len(), 1);
//! assert!(frames[0].starts_with(b"id: req7-2\ndata: {\"jsonrpc\":\"2.0\",\"id\":7"));
//! # Ok::<(), sse_wire::replay::PushError>(())
//! ```

use alloc::collections::BTreeMap;
use alloc::string::String;
use core::fmt::Write;
use core::time::Duration;

use bytes::Bytes;

use super::{encode, Bounds, Cursor, EventLog, PushError, Replay, Unknown};
use crate::sse::{EncodeError, OutEvent};
use crate::Str;

/// The priming event: `id` and `retry`, no `data` line, so a reader sets its last event ID and
/// reconnection time and dispatches nothing.
///
/// MCP's literal form adds an empty `data` line: `OutEvent::new().data("").id(id).retry(retry)`,
/// encoded as any event. Readers dispatch that one as a message with empty data, which a
/// client that parses every message as JSON must skip; prefer this function unless a client
/// learns event IDs only from dispatched events.
///
/// ```
/// use core::time::Duration;
/// use sse_wire::replay::mcp::priming;
/// use sse_wire::sse::{Encoder, OutEvent};
///
/// assert_eq!(priming("s-0", Duration::from_millis(1500))?, "id: s-0\nretry: 1500\n\n");
///
/// // MCP's literal form.
/// let mut literal = Vec::new();
/// let event = OutEvent::new().data("").id("s-0").retry(Duration::from_secs(1));
/// Encoder::new().encode(&event, &mut literal)?;
/// assert_eq!(literal, b"id: s-0\nretry: 1000\ndata: \n\n");
/// # Ok::<(), sse_wire::sse::EncodeError>(())
/// ```
///
/// # Errors
///
/// An id the encoder refuses (a control byte), or a `retry` beyond `u64` milliseconds.
pub fn priming(id: &str, retry: Duration) -> Result<Bytes, EncodeError> {
    encode(&OutEvent::new().id(id).retry(retry))
}

/// The resumable streams of one MCP session, each an [`EventLog`] with ids
/// `"{stream}-{seq}"`; see the [module docs](self).
///
/// Stream names are the server's choice (a request id, `"get"` for the standalone `GET`
/// stream, …); they may hold `-` (the sequence number is what follows the last one) but no
/// control byte. Dropping a finished stream is the server's call:
/// [`remove`](Streams::remove) it once a resume is no longer useful (rmcp keeps one 60 s after
/// completion).
#[derive(Debug, Clone, Default)]
pub struct Streams {
    logs: BTreeMap<Str, EventLog>,
    bounds: Bounds,
    id: String,
}

impl Streams {
    /// No streams; each new one gets the default [`Bounds`].
    #[must_use]
    pub fn new() -> Self {
        Self::with_bounds(Bounds::default())
    }

    /// No streams; each new one gets `bounds`.
    #[must_use]
    pub fn with_bounds(bounds: Bounds) -> Self {
        Streams {
            logs: BTreeMap::new(),
            bounds,
            id: String::new(),
        }
    }

    /// Starts the stream `stream` (replacing one of that name) and returns its priming event,
    /// [`priming`] with the id `"{stream}-0"`, which is kept as the stream's first frame: a
    /// client that resumes from it gets every message.
    ///
    /// # Errors
    ///
    /// [`PushError::EmptyStream`], or [`PushError::Encode`] for a name with a control byte.
    pub fn open(&mut self, stream: &str, retry: Duration) -> Result<Bytes, PushError> {
        if stream.is_empty() {
            return Err(PushError::EmptyStream);
        }
        let mut log = EventLog::with_bounds(self.bounds);
        let id = stream_id(&mut self.id, stream, 0);
        let frame = encode(&OutEvent::new().id(id).retry(retry))?;
        log.check_size(frame.len())?;
        let id = super::id_slice(&frame, id);
        let frame = log.keep(frame, id);
        self.logs.insert(Str::from(stream), log);
        Ok(frame)
    }

    /// Adds an event to `stream` (opened first if need be, without a priming event) with the id
    /// `"{stream}-{seq}"`, and returns its frame.
    ///
    /// # Errors
    ///
    /// As for [`EventLog::push`], and [`PushError::EmptyStream`].
    pub fn push(&mut self, stream: &str, event: OutEvent<'_>) -> Result<Bytes, PushError> {
        if stream.is_empty() {
            return Err(PushError::EmptyStream);
        }
        if !self.logs.contains_key(stream) {
            self.logs
                .insert(Str::from(stream), EventLog::with_bounds(self.bounds));
        }
        let log = self.logs.get_mut(stream).ok_or(PushError::EmptyStream)?;
        let id = stream_id(&mut self.id, stream, log.end());
        log.push(id, event)
    }

    /// The stream that `last_event_id` belongs to, and its frames after that id: what a `GET`
    /// with `Last-Event-ID` gets (only that stream's later messages).
    ///
    /// # Errors
    ///
    /// [`Unknown`] when the id names no kept stream, or the stream no longer holds it.
    pub fn since(&self, last_event_id: &str) -> Result<(&str, Replay<'_>), Unknown> {
        let (name, log) = self.find(last_event_id)?;
        Ok((name, log.since(last_event_id)?))
    }

    /// The stream that `last_event_id` belongs to, and a cursor after that id in its log, to
    /// replay and then follow the stream live.
    ///
    /// # Errors
    ///
    /// As for [`since`](Streams::since).
    pub fn cursor_after(&self, last_event_id: &str) -> Result<(&str, Cursor), Unknown> {
        let (name, log) = self.find(last_event_id)?;
        Ok((name, log.cursor_after(last_event_id)?))
    }

    fn find(&self, last_event_id: &str) -> Result<(&str, &EventLog), Unknown> {
        let (stream, seq) = last_event_id.rsplit_once('-').ok_or(Unknown)?;
        super::SeqId::parse(seq).ok_or(Unknown)?;
        let (name, log) = self.logs.get_key_value(stream).ok_or(Unknown)?;
        Ok((name, log))
    }

    /// The log of `stream`, to read it with a [`Cursor`].
    #[must_use]
    pub fn log(&self, stream: &str) -> Option<&EventLog> {
        self.logs.get(stream)
    }

    /// Forgets `stream`; a later resume from one of its ids is [`Unknown`]. Returns whether it
    /// was kept.
    pub fn remove(&mut self, stream: &str) -> bool {
        self.logs.remove(stream).is_some()
    }

    /// The names of the streams kept, in byte order (`.count()` says how many).
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.logs.keys().map(|name| &**name)
    }
}

/// `"{stream}-{seq}"`, written into `buf` (which keeps its capacity across calls).
fn stream_id<'a>(buf: &'a mut String, stream: &str, seq: u64) -> &'a str {
    buf.clear();
    let _ = write!(buf, "{stream}-{seq}");
    buf
}
