//! Every use of the `sse-wire` core lives in this file: the encoder (each event encoded once,
//! here) and the core's in-memory [`EventLog`], which backs [`MemoryStore`](crate::MemoryStore).
//! When the core's API moves, this is the file to fix.

use core::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use sse_wire::replay::{Bounds, Cursor, EventLog, Store};
use sse_wire::sse::Encoder;

pub use sse_wire::sse::{EncodeError, OutEvent};

/// `event` encoded without its id (the store writes the id line in front of it): the only
/// place the hub encodes an event, once per publish.
pub(crate) fn encode_body(event: &OutEvent<'_>) -> Result<Bytes, EncodeError> {
    let event = event.without_id();
    let encoder = Encoder::new();
    let mut buf = BytesMut::with_capacity(encoder.encoded_len(&event)?);
    encoder.encode(&event, &mut buf)?;
    Ok(buf.freeze())
}

/// `id: {id}\n` followed by `body`: the frame a store keeps. Field order does not matter to a
/// reader, so the id line may come before the `event` line the encoder wrote.
pub(crate) fn with_id_line(id: &str, body: &[u8]) -> Bytes {
    let mut buf = BytesMut::with_capacity(5 + id.len() + body.len());
    buf.put_slice(b"id: ");
    buf.put_slice(id.as_bytes());
    buf.put_u8(b'\n');
    buf.put_slice(body);
    buf.freeze()
}

/// The opening frame of a stream: its id 0 and an optional `retry`, no data (MCP's priming
/// event in the form no reader dispatches).
pub(crate) fn opening_frame(id: &str, retry: Option<Duration>) -> Result<Bytes, EncodeError> {
    let mut event = OutEvent::new().id(id);
    if let Some(retry) = retry {
        event = event.retry(retry);
    }
    let encoder = Encoder::new();
    let mut buf = BytesMut::with_capacity(encoder.encoded_len(&event)?);
    encoder.encode(&event, &mut buf)?;
    Ok(buf.freeze())
}

/// A keep-alive comment.
pub(crate) fn keep_alive_frame() -> Bytes {
    let mut buf = Vec::with_capacity(2);
    // A Vec always has room, and an empty comment is always valid.
    let _ = Encoder::new().encode(&OutEvent::comment(""), &mut buf);
    Bytes::from(buf)
}

/// A lone `retry:` block, sent before a body ends at shutdown.
pub(crate) fn retry_frame(retry: Duration) -> Bytes {
    let mut buf = Vec::new();
    if Encoder::new()
        .encode(&OutEvent::new().retry(retry), &mut buf)
        .is_err()
    {
        return Bytes::new();
    }
    Bytes::from(buf)
}

/// The event a subscriber gets under [`SlowConsumer::Skip`](crate::SlowConsumer::Skip) when
/// events it had not read were evicted: type `lagged`, data the number missed, no id.
pub(crate) fn lagged_frame(missed: u64) -> Bytes {
    let data = missed.to_string();
    let event = OutEvent::new().data(&data).event_type("lagged");
    let mut buf = Vec::new();
    let _ = Encoder::new().encode(&event, &mut buf);
    Bytes::from(buf)
}

/// One stream's frames in memory: the core's [`EventLog`], addressed by sequence number.
pub(crate) struct Log {
    log: EventLog,
}

/// A frame larger than the log's byte bound.
pub(crate) struct TooLarge;

impl Log {
    pub(crate) fn new(max_events: usize, max_bytes: usize) -> Self {
        let mut bounds = Bounds::default();
        bounds.max_events = max_events.max(1);
        bounds.max_bytes = max_bytes;
        Log {
            log: EventLog::with_bounds(bounds),
        }
    }

    /// Keeps `frame` under `id`; it gets sequence number [`end`](Log::end) as it was.
    pub(crate) fn push(&mut self, id: &str, frame: Bytes) -> Result<(), TooLarge> {
        self.log.append(id, frame).map_err(|_| TooLarge)
    }

    /// The sequence number of the oldest kept frame.
    pub(crate) fn first(&self) -> u64 {
        self.log.seqs().start
    }

    /// The sequence number the next frame gets.
    pub(crate) fn end(&self) -> u64 {
        self.log.seqs().end
    }

    /// A cursor at `seq` (kept, or `end`), found through the id of the frame before it.
    pub(crate) fn cursor_at(&self, seq: u64, id_of: impl Fn(u64) -> String) -> Option<LogCursor> {
        let seqs = self.log.seqs();
        if seq == seqs.start {
            return Some(LogCursor(Cursor::from(seqs.start)));
        }
        if seq < seqs.start || seq > seqs.end {
            return None;
        }
        self.log.cursor_after(&id_of(seq - 1)).ok().map(LogCursor)
    }

    /// The next frame for `cursor` with its sequence number; `Err(first)` when the cursor's
    /// frame was evicted (the cursor then points at `first`).
    pub(crate) fn read(&self, cursor: &mut LogCursor) -> Result<Option<(u64, Bytes)>, u64> {
        let seq = cursor.0.position();
        match self.log.read(&mut cursor.0) {
            Ok(frame) => Ok(frame.map(|f| (seq, f))),
            Err(_) => Err(cursor.0.position()),
        }
    }
}

/// A position in a [`Log`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct LogCursor(Cursor);

impl LogCursor {
    pub(crate) fn position(&self) -> u64 {
        self.0.position()
    }
}
