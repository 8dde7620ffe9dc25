//! The server side of resumable streams: each event encoded once, kept in a bounded log,
//! replayed after a client's `Last-Event-ID`, and read by any number of subscribers without a
//! copy.
//!
//! * [`EventLog`] encodes an event once (with [`sse::Encoder`](crate::sse::Encoder)) into a
//!   [`Bytes`] frame and keeps it with its id, bounded by event count and by bytes, evicting the
//!   oldest first. [`since`](EventLog::since) answers a reconnecting client: exactly the frames
//!   after its `Last-Event-ID`, or [`Unknown`] when the log cannot tell (the id was evicted or
//!   never seen), so that the server starts over or refuses instead of answering with a silent
//!   empty stream (a failed resume answered by an empty 200 looped rmcp's own client: rmcp
//!   issue #958).
//! * [`Cursor`] is a subscriber: one sequence number (8 bytes). [`EventLog::read`] hands it the
//!   next frame as a clone of the shared [`Bytes`] (a reference count, never the event bytes),
//!   or [`Lagged`] when the frames it had not read were evicted.
//! * [`Store`] is the shape of a replay store, for a store shared by several hosts; `EventLog`
//!   is the in-memory one.
//! * [`mcp`]: MCP Streamable HTTP 2025-11-25 streams (priming event, per-stream ids, replay of
//!   one stream).
//!
//! With the `http` feature, `sse_wire::http::last_event_id` reads the id a request resumes
//! from, and `sse_wire::http::insert_response_headers` gives the response its headers.
//!
//! Sans-IO: nothing here wakes anybody. After [`push`](EventLog::push), the runtime wakes the
//! connections that read the log, for example with a `tokio::sync::Notify` (`notify_waiters`)
//! or a `watch` channel carrying the newest sequence number; each connection task then calls
//! [`read`](EventLog::read) until it returns `Ok(None)` and writes the frames to its body.
//!
//! ```
//! use bytes::Bytes;
//! use sse_wire::replay::{EventLog, Unknown};
//! use sse_wire::sse::OutEvent;
//!
//! let mut log = EventLog::new();
//! let mut live = log.subscribe();
//! for token in ["Hel", "lo", "!"] {
//!     log.push_seq(OutEvent::new().data(token))?;
//! }
//! // A live subscriber reads the frames as they were encoded.
//! let first = log.read(&mut live).unwrap().unwrap();
//! assert_eq!(&first[..], b"id: 0\ndata: Hel\n\n");
//!
//! // A client that reconnects with `Last-Event-ID: 0` gets exactly what came after.
//! let replay: Vec<Bytes> = log.since("0")?.collect();
//! assert_eq!(replay, [&b"id: 1\ndata: lo\n\n"[..], b"id: 2\ndata: !\n\n"]);
//! // An id the log does not hold is said to be unknown, never answered with nothing.
//! assert_eq!(log.since("99").err(), Some(Unknown));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Waking subscribers, here with `std` threads, a `Mutex` and a `Condvar` (with tokio, a
//! `Notify` or a `watch` channel plays the `Condvar`'s part):
//!
//! ```
//! use std::sync::{Arc, Condvar, Mutex};
//! use sse_wire::replay::EventLog;
//! use sse_wire::sse::OutEvent;
//!
//! let shared = Arc::new((Mutex::new(EventLog::new()), Condvar::new()));
//! let mut cursors: Vec<_> = {
//!     let log = shared.0.lock().unwrap();
//!     (0..3).map(|_| log.subscribe()).collect()
//! };
//! let connections: Vec<_> = cursors
//!     .drain(..)
//!     .map(|mut cursor| {
//!         let shared = Arc::clone(&shared);
//!         std::thread::spawn(move || {
//!             let (lock, wake) = &*shared;
//!             // Stands for the socket; a real connection takes the frames out, unlocks, writes.
//!             let mut body = Vec::new();
//!             let mut log = lock.lock().unwrap();
//!             loop {
//!                 match log.read(&mut cursor) {
//!                     Ok(Some(frame)) if frame.ends_with(b"data: [DONE]\n\n") => break,
//!                     Ok(Some(frame)) => body.extend_from_slice(&frame),
//!                     Ok(None) => log = wake.wait(log).unwrap(), // sleep until a push
//!                     Err(lagged) => panic!("{lagged}"),
//!                 }
//!             }
//!             body
//!         })
//!     })
//!     .collect();
//! for token in ["Hel", "lo", "[DONE]"] {
//!     shared.0.lock().unwrap().push_seq(OutEvent::new().data(token)).unwrap();
//!     shared.1.notify_all();
//! }
//! for connection in connections {
//!     assert_eq!(connection.join().unwrap(), b"id: 0\ndata: Hel\n\nid: 1\ndata: lo\n\n");
//! }
//! ```
//!
//! # A store shared across hosts
//!
//! When a client may reconnect to another host, the log must live outside the process. The
//! [`Store`] operations map onto the usual stream stores:
//!
//! * Redis Streams: [`append`](Store::append) is `XADD key <id> frame <bytes>` with ids the
//!   store accepts (`<ms>-<seq>`, or `*` and the id Redis returns), bounded with `MAXLEN ~ n`;
//!   [`since`](Store::since) is `XRANGE key (<id> +` (exclusive start, Redis 6.2 and later).
//!   `XRANGE` answers an evicted id with the events after it as if nothing were missing, so
//!   check first that the id is not older than the stream's first entry (`XINFO STREAM`
//!   `first-entry`, or `XRANGE key - + COUNT 1`) and answer [`Unknown`] if it is.
//! * NATS JetStream: append is a publish to the stream's subject (the ack carries the stream
//!   sequence, which makes a good event id); since is an ordered consumer with
//!   `DeliverPolicy::ByStartSequence(seq + 1)`, and the id is unknown when `seq` is below the
//!   stream's `first_seq` (stream info) or above its `last_seq`.
//!
//! Keep the frames encoded (the `Bytes` this module makes) in the store, so that no host
//! encodes an event twice.

pub mod mcp;

use alloc::collections::VecDeque;
use core::fmt;
use core::ops::Range;

use bytes::{Bytes, BytesMut};
use thiserror::Error;

use crate::sse::{EncodeError, Encoder, OutEvent};
use crate::Str;

/// The id a client sent is not one the log can resume from: it was evicted, or never seen. The
/// server SHOULD then start the stream over (a fresh stream, with a new id scheme if the old one
/// might confuse the client) or refuse it, and never answer with an empty stream that looks
/// like a successful resume. (There is no standard in-band "expired" signal: whatwg/html#8297.)
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
#[error("unknown Last-Event-ID: evicted or never seen")]
pub struct Unknown;

/// A subscriber fell behind: frames it had not read were evicted. Its cursor now points at the
/// oldest frame still held.
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
#[error("subscriber lagged: {missed} events were evicted before it read them")]
pub struct Lagged {
    /// How many frames the subscriber will never see.
    pub missed: u64,
}

/// Why an event could not be added to a log (or, through [`Store`], resumed from).
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PushError {
    /// The event could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The encoded event alone is larger than the log's byte bound: it could never be read.
    #[error("event of {len} bytes exceeds the log's bound of {max} bytes")]
    TooLarge {
        /// The encoded length.
        len: usize,
        /// [`Bounds::max_bytes`].
        max: usize,
    },
    /// A stream name (see [`mcp::Streams`]) is empty.
    #[error("empty stream name")]
    EmptyStream,
    /// An id to resume from was not found ([`Store::since`]).
    #[error(transparent)]
    Unknown(#[from] Unknown),
}

/// How much an [`EventLog`] keeps: plain data, each field documented with its default. Both
/// bounds hold at all times; the oldest frames go first.
///
/// ```
/// use sse_wire::replay::{Bounds, EventLog};
///
/// let mut bounds = Bounds::new();
/// bounds.max_events = 64;
/// let log = EventLog::with_bounds(bounds);
/// assert_eq!(log.bounds().max_bytes, 1 << 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Bounds {
    /// Most frames kept (0 counts as 1). Default 1024.
    pub max_events: usize,
    /// Most encoded bytes kept, frames counted whole. Default 1 MiB (`1 << 20`).
    pub max_bytes: usize,
}

impl Default for Bounds {
    fn default() -> Self {
        Self::new()
    }
}

impl Bounds {
    /// The defaults, as documented on each field (usable in `const` items).
    #[must_use]
    pub const fn new() -> Self {
        Bounds {
            max_events: 1024,
            max_bytes: 1 << 20,
        }
    }
}

/// A monotonic event id: a `u64` written in decimal into an inline buffer (no allocation),
/// made with `From<u64>`, read as a `str` (`Deref`, `AsRef<str>`, `Display`).
///
/// ```
/// use sse_wire::replay::SeqId;
///
/// assert_eq!(&*SeqId::from(0), "0");
/// assert_eq!(SeqId::from(u64::MAX).to_string(), "18446744073709551615");
/// assert_eq!(SeqId::parse("42"), Some(42));
/// assert_eq!(SeqId::parse("+42"), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SeqId {
    buf: [u8; 20],
    start: u8,
}

impl From<u64> for SeqId {
    /// `n` in decimal.
    fn from(mut n: u64) -> Self {
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        SeqId {
            buf,
            start: i as u8,
        }
    }
}

impl core::ops::Deref for SeqId {
    type Target = str;

    /// The decimal text.
    fn deref(&self) -> &str {
        // Only ASCII digits were written.
        core::str::from_utf8(&self.buf[usize::from(self.start)..]).unwrap_or("0")
    }
}

impl AsRef<str> for SeqId {
    fn as_ref(&self) -> &str {
        self
    }
}

impl fmt::Display for SeqId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl SeqId {
    /// The number `id` spells in plain decimal (what `From<u64>` writes), if it does.
    #[must_use]
    pub fn parse(id: &str) -> Option<u64> {
        if id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u64 = id.parse().ok()?;
        (*SeqId::from(n) == *id).then_some(n)
    }
}

impl fmt::Debug for SeqId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

/// One kept frame.
#[derive(Debug, Clone)]
struct Entry {
    frame: Bytes,
    /// The event's id; for a frame this module encoded, a slice of `frame` (no copy).
    id: Str,
}

/// A subscriber's position in an [`EventLog`]: the sequence number of the next frame it reads.
/// Eight bytes, `Copy`; it holds nothing of the log. A cursor belongs to the log it came from:
/// [`EventLog::subscribe`] and [`EventLog::cursor_after`] make one, and `From<u64>` one at any
/// sequence number of the log (`Cursor::from(log.seqs().start)` reads every frame still
/// kept, then every new one; one past the newest waits for the frame of that number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cursor {
    next: u64,
}

impl From<u64> for Cursor {
    /// A cursor whose next frame is the one with sequence number `seq`.
    fn from(seq: u64) -> Self {
        Cursor { next: seq }
    }
}

impl Cursor {
    /// The sequence number of the next frame this cursor reads.
    #[must_use]
    pub const fn position(self) -> u64 {
        self.next
    }
}

/// A bounded log of encoded events, for replay after `Last-Event-ID` and for fan-out to many
/// subscribers; see the [module docs](self).
///
/// Every frame gets a sequence number: 0 for the first pushed, then one more for each. Frames
/// go out in that order, ids are matched exactly (the newest frame with the id wins, so ids
/// SHOULD be unique), and a lookup by id scans from the newest frame back, so a client a few
/// events behind is found at once.
///
/// ```
/// use sse_wire::replay::{Bounds, EventLog, Lagged};
/// use sse_wire::sse::OutEvent;
///
/// let mut bounds = Bounds::new();
/// bounds.max_events = 2;
/// let mut log = EventLog::with_bounds(bounds);
/// let mut slow = log.subscribe();
/// let mut fast = log.subscribe();
/// log.push("a", OutEvent::new().data("1"))?;
/// let to_fast = log.read(&mut fast).unwrap().unwrap();
/// log.push("b", OutEvent::new().data("2"))?;
/// log.push("c", OutEvent::new().data("3"))?; // evicts "a"
/// assert_eq!(log.read(&mut slow), Err(Lagged { missed: 1 }));
/// assert_eq!(log.read(&mut slow).unwrap().unwrap(), "id: b\ndata: 2\n\n");
/// assert_eq!(to_fast, "id: a\ndata: 1\n\n");
/// # Ok::<(), sse_wire::replay::PushError>(())
/// ```
#[derive(Clone)]
pub struct EventLog {
    entries: VecDeque<Entry>,
    /// Sequence number of `entries[0]`.
    first: u64,
    bytes: usize,
    bounds: Bounds,
}

impl Default for EventLog {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for EventLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventLog")
            .field("events", &self.entries.len())
            .field("bytes", &self.bytes)
            .field("first", &self.first)
            .field("bounds", &self.bounds)
            .finish()
    }
}

impl EventLog {
    /// An empty log with the default [`Bounds`].
    #[must_use]
    pub fn new() -> Self {
        Self::with_bounds(Bounds::default())
    }

    /// An empty log with `bounds` (a `max_events` of 0 is kept as 1).
    #[must_use]
    pub fn with_bounds(mut bounds: Bounds) -> Self {
        bounds.max_events = bounds.max_events.max(1);
        EventLog {
            entries: VecDeque::new(),
            first: 0,
            bytes: 0,
            bounds,
        }
    }

    /// Encodes `event` with the id `id` (replacing any id set on it; an empty `id` writes no id
    /// field, and such a frame cannot be resumed from), keeps it, and returns the frame.
    ///
    /// # Errors
    ///
    /// [`PushError::Encode`] for an event the encoder refuses (an id with a control byte
    /// included), [`PushError::TooLarge`] for a frame larger than [`Bounds::max_bytes`]. Nothing
    /// is kept then.
    ///
    /// A frame encoded elsewhere (by another host, or read back from a shared store) is kept
    /// with [`Store::append`], unchecked.
    pub fn push(&mut self, id: &str, event: OutEvent<'_>) -> Result<Bytes, PushError> {
        // The log names every frame: an id the event carried is replaced, or dropped.
        let event = if id.is_empty() {
            event.without_id()
        } else {
            event.id(id)
        };
        let frame = encode(&event)?;
        self.check_size(frame.len())?;
        let id = if id.is_empty() {
            Str::new()
        } else {
            id_slice(&frame, id)
        };
        Ok(self.keep(frame, id))
    }

    /// [`push`](EventLog::push) with the frame's sequence number as its id ([`SeqId`]). Returns
    /// the sequence number and the frame.
    ///
    /// # Errors
    ///
    /// As for [`push`](EventLog::push).
    pub fn push_seq(&mut self, event: OutEvent<'_>) -> Result<(u64, Bytes), PushError> {
        let seq = self.end();
        let id = SeqId::from(seq);
        self.push(&id, event).map(|frame| (seq, frame))
    }

    fn check_size(&self, len: usize) -> Result<(), PushError> {
        if len > self.bounds.max_bytes {
            return Err(PushError::TooLarge {
                len,
                max: self.bounds.max_bytes,
            });
        }
        Ok(())
    }

    fn keep(&mut self, frame: Bytes, id: Str) -> Bytes {
        self.bytes += frame.len();
        self.entries.push_back(Entry {
            frame: frame.clone(),
            id,
        });
        while self.entries.len() > self.bounds.max_events || self.bytes > self.bounds.max_bytes {
            if let Some(old) = self.entries.pop_front() {
                self.bytes -= old.frame.len();
                self.first += 1;
            }
        }
        frame
    }

    /// The frames after the one with id `last_event_id`, oldest first.
    ///
    /// # Errors
    ///
    /// [`Unknown`] when no kept frame has that id (evicted, never seen, or empty). When the
    /// newest frame has it, the answer is an empty iterator: the client missed nothing.
    pub fn since(&self, last_event_id: &str) -> Result<Replay<'_>, Unknown> {
        let cursor = self.cursor_after(last_event_id)?;
        Ok(Replay {
            inner: self.entries.range(self.index(cursor)..),
        })
    }

    /// A cursor that reads the frames after the one with id `last_event_id` and then every new
    /// one: replay and live delivery through one [`read`](EventLog::read) loop.
    ///
    /// # Errors
    ///
    /// As for [`since`](EventLog::since).
    pub fn cursor_after(&self, last_event_id: &str) -> Result<Cursor, Unknown> {
        if last_event_id.is_empty() {
            return Err(Unknown);
        }
        let i = self
            .entries
            .iter()
            .rposition(|e| *e.id == *last_event_id)
            .ok_or(Unknown)?;
        Ok(Cursor {
            next: self.first + i as u64 + 1,
        })
    }

    /// A cursor that reads only frames pushed from now on.
    #[must_use]
    pub fn subscribe(&self) -> Cursor {
        Cursor { next: self.end() }
    }

    /// The next frame for `cursor`, which moves past it: a clone of the shared [`Bytes`] (no copy
    /// of the event), or `Ok(None)` when the cursor has read everything.
    ///
    /// # Errors
    ///
    /// [`Lagged`] when frames the cursor had not read were evicted; the cursor then points at
    /// the oldest kept frame, so the next call goes on from there. A server that must not drop
    /// events closes the connection instead, and the client's resume then finds its id
    /// [`Unknown`].
    pub fn read(&self, cursor: &mut Cursor) -> Result<Option<Bytes>, Lagged> {
        if cursor.next < self.first {
            let missed = self.first - cursor.next;
            cursor.next = self.first;
            return Err(Lagged { missed });
        }
        let Some(entry) = self.entries.get(self.index(*cursor)) else {
            return Ok(None);
        };
        cursor.next += 1;
        Ok(Some(entry.frame.clone()))
    }

    /// The sequence numbers of the frames kept, `first..end`: `start` is the oldest one's,
    /// `end` the one the next pushed frame gets (the range is empty when nothing is kept). A
    /// cursor has `end.saturating_sub(cursor.position())` frames to read (evicted ones
    /// included): none once it is at `end`.
    ///
    /// ```
    /// use sse_wire::replay::{Bounds, EventLog};
    /// use sse_wire::sse::OutEvent;
    ///
    /// let mut bounds = Bounds::new();
    /// bounds.max_events = 2;
    /// let mut log = EventLog::with_bounds(bounds);
    /// let live = log.subscribe();
    /// for data in ["a", "b", "c"] {
    ///     log.push_seq(OutEvent::new().data(data))?;
    /// }
    /// assert_eq!(log.seqs(), 1..3); // frame 0 was evicted
    /// // `live` has 3 frames to read, 1 of them evicted.
    /// assert_eq!(log.seqs().end.saturating_sub(live.position()), 3);
    /// # Ok::<(), sse_wire::replay::PushError>(())
    /// ```
    #[must_use]
    pub fn seqs(&self) -> Range<u64> {
        self.first..self.end()
    }

    /// The sequence number the next pushed frame gets.
    fn end(&self) -> u64 {
        self.first + self.entries.len() as u64
    }

    /// Encoded bytes kept.
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The bounds (`max_events` at least 1).
    #[must_use]
    pub fn bounds(&self) -> Bounds {
        self.bounds
    }

    /// Index in `entries` of the cursor's next frame (`len` or more when there is none).
    fn index(&self, cursor: Cursor) -> usize {
        usize::try_from(cursor.next.saturating_sub(self.first)).unwrap_or(usize::MAX)
    }
}

/// The frames [`EventLog::since`] replays, oldest first: clones of the shared [`Bytes`].
#[derive(Debug, Clone)]
pub struct Replay<'a> {
    inner: alloc::collections::vec_deque::Iter<'a, Entry>,
}

impl Iterator for Replay<'_> {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        self.inner.next().map(|e| e.frame.clone())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl ExactSizeIterator for Replay<'_> {}

/// A replay store: frames kept by id, replayed after an id. [`EventLog`] is the in-memory one;
/// the [module docs](self#a-store-shared-across-hosts) say how Redis Streams or NATS JetStream
/// would back one shared by several hosts (an implementation that does I/O would offer the same
/// two operations as `async` functions).
///
/// ```
/// use bytes::Bytes;
/// use sse_wire::replay::{EventLog, Store};
///
/// fn resume<S: Store>(store: &S, id: &str) -> Result<Vec<Bytes>, S::Error> {
///     Ok(store.since(id)?.collect())
/// }
/// let mut log = EventLog::new();
/// log.append("1", Bytes::from_static(b"id: 1\ndata: a\n\n"))?;
/// log.append("2", Bytes::from_static(b"id: 2\ndata: b\n\n"))?;
/// assert_eq!(resume(&log, "1")?, [&b"id: 2\ndata: b\n\n"[..]]);
/// assert!(resume(&log, "0").is_err());
/// # Ok::<(), sse_wire::replay::PushError>(())
/// ```
pub trait Store {
    /// Why an operation failed; an unknown id is one reason.
    type Error: From<Unknown>;
    /// The frames a [`since`](Store::since) replays.
    type Replay<'a>: Iterator<Item = Bytes>
    where
        Self: 'a;

    /// Keeps `frame` (an encoded event) under `id`.
    ///
    /// # Errors
    ///
    /// The store's own.
    fn append(&mut self, id: &str, frame: Bytes) -> Result<(), Self::Error>;

    /// The frames after the one with id `last_event_id`, oldest first.
    ///
    /// # Errors
    ///
    /// [`Unknown`] (converted) when the store cannot resume from that id, or the store's own.
    fn since(&self, last_event_id: &str) -> Result<Self::Replay<'_>, Self::Error>;
}

impl Store for EventLog {
    type Error = PushError;
    type Replay<'a> = Replay<'a>;

    /// Keeps a frame encoded elsewhere (by another host, or read back from a shared store)
    /// under `id`. The frame is not checked; [`PushError::TooLarge`] when it exceeds
    /// [`Bounds::max_bytes`].
    fn append(&mut self, id: &str, frame: Bytes) -> Result<(), PushError> {
        self.check_size(frame.len())?;
        let _ = self.keep(frame, Str::from(id));
        Ok(())
    }

    fn since(&self, last_event_id: &str) -> Result<Replay<'_>, PushError> {
        Ok(EventLog::since(self, last_event_id)?)
    }
}

/// `event` encoded into one exactly sized buffer.
fn encode(event: &OutEvent<'_>) -> Result<Bytes, EncodeError> {
    let encoder = Encoder::new();
    let mut buf = BytesMut::with_capacity(encoder.encoded_len(event)?);
    encoder.encode(event, &mut buf)?;
    Ok(buf.freeze())
}

/// `id` as a slice of `frame`, which the encoder wrote with the id line first or right after
/// the `event` line (a line that holds no line break). Falls back to a copy if not found.
fn id_slice(frame: &Bytes, id: &str) -> Str {
    let line = if frame.starts_with(b"id: ") {
        0
    } else {
        memchr::memchr(b'\n', frame).map_or(frame.len(), |i| i + 1)
    };
    let (start, end) = (line + 4, line + 4 + id.len());
    match frame.get(line..end) {
        Some(text) if text.starts_with(b"id: ") && &text[4..] == id.as_bytes() => {
            Str::slice_lossy(frame, start..end)
        }
        _ => Str::from(id),
    }
}
