//! The server-side replay log (`replay::EventLog`) with small random `Bounds`, against a naive
//! model: a `Vec` of every accepted `(id, frame)` and the index of the oldest one still held,
//! moved by the same eviction rule (drop the oldest while there are more than `max_events`
//! frames or more than `max_bytes` bytes). Pushes (`push`, `push_seq`, `Store::append`) use random
//! ids and data, ids the encoder refuses, event types, `retry`, and events larger than the byte
//! bound. Checked after every operation:
//!
//! * a push is accepted exactly when the encoder accepts the event and its frame fits
//!   `max_bytes`, with the documented error otherwise and nothing kept; the frame is the
//!   encoder's bytes, and decodes with `sse::BytesDecoder` to the pushed event (id, type, data
//!   with CR/CRLF read back as LF, retry), or to no event but the id for an event without data;
//! * both bounds always hold, and `seqs` (first..end) and `bytes` are the model's;
//! * `since(id)` and `cursor_after(id)` for ids held, evicted, never seen and empty: exactly the
//!   model's frames after the newest frame with that id, or `Unknown` when the model holds none;
//! * four cursors (`subscribe`, `Cursor::from(seqs().start)`, `cursor_after`) read in any interleaving: each gets
//!   exactly the model's next frame, `Ok(None)` at the end, or `Lagged` with the number of
//!   frames evicted before it read them, and then goes on from the oldest frame held; the frame
//!   it reads is the pushed `Bytes` itself (same pointer), never a copy;
//! * `mcp::Streams` over a few stream names with the same bounds: `since("{stream}-{seq}")`
//!   answers with that stream and its own log's replay, frames carry those ids.
//!
//! Input: decoded with `arbitrary` (`Case` below).
#![no_main]

use std::time::Duration;

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sse_wire::replay::mcp::Streams;
use sse_wire::replay::{Bounds, Cursor, EventLog, Lagged, PushError, Store, Unknown};
use sse_wire::sse::{BytesDecoder, Encoder, Item, OutEvent};

#[derive(Arbitrary, Debug)]
struct Case {
    max_events: u8,
    max_bytes: u16,
    ops: Vec<Op>,
}

#[derive(Arbitrary, Debug)]
enum Op {
    Push {
        id: IdSpec,
        data: DataSpec,
        event_type: Option<u8>,
        /// An id set on the event itself, which a non-empty id argument replaces.
        preset_id: bool,
        retry: Option<u16>,
    },
    PushSeq(DataSpec),
    /// A frame encoded elsewhere (not checked by the log): arbitrary bytes.
    PushFrame(IdSpec, Vec<u8>),
    Since(IdRef),
    CursorAfter(u8, IdRef),
    Subscribe(u8),
    Oldest(u8),
    Read {
        cursor: u8,
        max: u8,
    },
    StreamOpen(u8, u16),
    StreamPush(u8, DataSpec),
    StreamSince(u8, u8),
}

#[derive(Arbitrary, Debug)]
enum IdSpec {
    Small(u8),
    Text(String),
    Empty,
}

#[derive(Arbitrary, Debug)]
enum DataSpec {
    Repeat(u8, u16),
    Text(String),
    None,
}

#[derive(Arbitrary, Debug)]
enum IdRef {
    /// The id of an accepted push, by index (held or evicted).
    Seen(u16),
    Spec(IdSpec),
}

const EVENT_TYPES: [&str; 5] = ["update", "", "a b", "bad\ntype", "message"];
const STREAMS: [&str; 4] = ["req7", "a-b", "get", ""];

fn id_text(spec: &IdSpec) -> String {
    match spec {
        IdSpec::Small(n) => format!("i{}", n % 12),
        IdSpec::Text(s) => s.clone(),
        IdSpec::Empty => String::new(),
    }
}

fn data_text(spec: &DataSpec) -> Option<String> {
    match spec {
        DataSpec::Repeat(c, n) => {
            let c = ['x', '\n', '\r', 'é', ' '][usize::from(c % 5)];
            Some(core::iter::repeat_n(c, usize::from(n % 700)).collect())
        }
        DataSpec::Text(s) => Some(s.clone()),
        DataSpec::None => None,
    }
}

/// `data` as a reader gives it back: CRLF and CR become LF.
fn read_back(data: &str) -> String {
    data.replace("\r\n", "\n").replace('\r', "\n")
}

struct Model {
    max_events: usize,
    max_bytes: usize,
    /// Every accepted frame, by sequence number.
    all: Vec<(String, Bytes)>,
    /// Sequence number of the oldest frame held.
    first: usize,
    bytes: usize,
}

impl Model {
    fn keep(&mut self, id: &str, frame: Bytes) {
        self.bytes += frame.len();
        self.all.push((id.to_owned(), frame));
        while self.all.len() - self.first > self.max_events || self.bytes > self.max_bytes {
            self.bytes -= self.all[self.first].1.len();
            self.first += 1;
        }
    }

    fn held(&self) -> &[(String, Bytes)] {
        &self.all[self.first..]
    }

    /// The sequence number after the newest held frame with `id`.
    fn after(&self, id: &str) -> Result<u64, Unknown> {
        if id.is_empty() {
            return Err(Unknown);
        }
        let i = self
            .held()
            .iter()
            .rposition(|(i, _)| i == id)
            .ok_or(Unknown)?;
        Ok((self.first + i + 1) as u64)
    }

    fn check(&self, log: &EventLog) {
        assert!(
            log.seqs().count() <= self.max_events,
            "{} events",
            log.seqs().count()
        );
        assert!(log.bytes() <= self.max_bytes, "{} bytes", log.bytes());
        assert_eq!(log.seqs().count(), self.all.len() - self.first, "len");
        assert_eq!(log.bytes(), self.bytes, "bytes");
        assert_eq!(log.seqs().start, self.first as u64, "first");
        assert_eq!(log.seqs().end, self.all.len() as u64, "end");
        assert_eq!(log.seqs().is_empty(), self.all.len() == self.first);
    }
}

/// Decodes a frame the log encoded: the event pushed, or only its id for one without data.
fn check_decodes(
    frame: &Bytes,
    id: &str,
    event_type: Option<&str>,
    data: Option<&str>,
    retry: Option<Duration>,
) {
    let mut decoder = BytesDecoder::new();
    decoder.push(frame.clone());
    let mut events = Vec::new();
    for item in (&mut decoder).take(1000) {
        match item.expect("a frame the log encoded decodes") {
            Item::Event(e) => events.push(e),
            Item::Control(_) => {}
            other => panic!("{other:?} in a frame"),
        }
    }
    decoder.finish().expect("a frame ends at an event boundary");
    assert_eq!(
        decoder.decoder().last_event_id(),
        id,
        "last event id of {frame:?}"
    );
    match data {
        Some(data) => {
            assert_eq!(events.len(), 1, "{frame:?}");
            let e = &events[0];
            assert_eq!(e.data(), read_back(data), "data of {frame:?}");
            assert_eq!(e.id(), id);
            let want_type = match event_type {
                None | Some("") => "message",
                Some(t) => t,
            };
            assert_eq!(e.event_type(), want_type, "type of {frame:?}");
        }
        None => assert!(events.is_empty(), "{frame:?}"),
    }
    if let Some(r) = retry {
        // Sent in whole milliseconds, rounded up.
        assert_eq!(decoder.decoder().retry(), Some(r));
    }
}

/// What the log must answer to a push of `event`: the encoder's bytes, or its error, or
/// `TooLarge`.
fn expected(event: &OutEvent<'_>, max_bytes: usize) -> Result<Vec<u8>, PushError> {
    let mut out = Vec::new();
    Encoder::new().encode(event, &mut out)?;
    if out.len() > max_bytes {
        return Err(PushError::TooLarge {
            len: out.len(),
            max: max_bytes,
        });
    }
    Ok(out)
}

fn push_result(got: Result<Bytes, PushError>, want: Result<Vec<u8>, PushError>) -> Option<Bytes> {
    match (got, want) {
        (Ok(frame), Ok(want)) => {
            assert_eq!(&frame[..], &want[..], "frame bytes");
            Some(frame)
        }
        (Err(got), Err(want)) => {
            assert_eq!(got, want, "push error");
            None
        }
        (got, want) => panic!("push gave {got:?}, expected {want:?}"),
    }
}

fn read(log: &EventLog, model: &Model, cursor: &mut Cursor, shadow: &mut u64) {
    let got = log.read(cursor);
    let first = model.first as u64;
    if *shadow < first {
        assert_eq!(
            got,
            Err(Lagged {
                missed: first - *shadow
            }),
            "lagged count"
        );
        *shadow = first;
    } else if let Some((_, frame)) = model.all.get(*shadow as usize) {
        let got = got.expect("no lag").expect("a frame");
        assert_eq!(got, frame);
        assert_eq!(
            got.as_ptr(),
            frame.as_ptr(),
            "a copy of the frame, not the frame"
        );
        *shadow += 1;
    } else {
        assert_eq!(got, Ok(None));
    }
    assert_eq!(cursor.position(), *shadow, "cursor position");
    assert_eq!(
        log.seqs().end.saturating_sub(cursor.position()),
        log.seqs().end.saturating_sub(*shadow)
    );
}

fn since(log: &EventLog, model: &Model, id: &str) {
    let got = log.since(id).map(|r| r.collect::<Vec<_>>());
    let want = model.after(id).map(|seq| {
        model.all[seq as usize..]
            .iter()
            .map(|(_, f)| f.clone())
            .collect::<Vec<_>>()
    });
    assert_eq!(got, want, "since({id:?})");
    if let Ok(frames) = &got {
        let n = log.since(id).map(|r| r.len()).unwrap_or(usize::MAX);
        assert_eq!(n, frames.len(), "ExactSizeIterator");
    }
    assert_eq!(
        log.cursor_after(id).map(Cursor::position),
        model.after(id),
        "cursor_after({id:?})"
    );
}

fn id_ref(model: &Model, r: &IdRef) -> String {
    match r {
        IdRef::Seen(i) if !model.all.is_empty() => {
            model.all[usize::from(*i) % model.all.len()].0.clone()
        }
        IdRef::Seen(_) => "never".to_owned(),
        IdRef::Spec(s) => id_text(s),
    }
}

fuzz_target!(|case: Case| {
    let max_events = usize::from(case.max_events % 17);
    let max_bytes = usize::from(case.max_bytes % 600);
    let mut bounds = Bounds::new();
    bounds.max_events = max_events;
    bounds.max_bytes = max_bytes;
    let mut log = EventLog::with_bounds(bounds);
    let mut model = Model {
        max_events: max_events.max(1),
        max_bytes,
        all: Vec::new(),
        first: 0,
        bytes: 0,
    };
    let mut cursors = [(Cursor::from(log.seqs().start), 0u64); 4];
    let mut streams = Streams::with_bounds(bounds);

    for op in case.ops.iter().take(400) {
        match op {
            Op::Push {
                id,
                data,
                event_type,
                preset_id,
                retry,
            } => {
                let id = id_text(id);
                let data = data_text(data);
                let event_type = event_type.map(|t| EVENT_TYPES[usize::from(t % 5)]);
                let retry = retry.map(|ms| Duration::from_millis(ms.into()));
                let mut event = match &data {
                    Some(d) => OutEvent::new().data(d),
                    None => OutEvent::new(),
                };
                if let Some(t) = event_type {
                    event = event.event_type(t);
                }
                if let Some(r) = retry {
                    event = event.retry(r);
                }
                // An id the event carries already is replaced by the log's (or dropped, under
                // an empty one): the frame holds exactly the id it is indexed under.
                let given = if *preset_id { event.id("old") } else { event };
                let reference = if id.is_empty() {
                    event.without_id()
                } else {
                    event.id(&id)
                };
                let want = expected(&reference, max_bytes);
                if let Some(frame) = push_result(log.push(&id, given), want) {
                    check_decodes(&frame, &id, event_type, data.as_deref(), retry);
                    model.keep(&id, frame);
                }
            }
            Op::PushSeq(data) => {
                let data = data_text(data);
                let event = match &data {
                    Some(d) => OutEvent::new().data(d),
                    None => OutEvent::new(),
                };
                let seq = log.seqs().end;
                let id = seq.to_string();
                let want = expected(&event.id(&id), max_bytes);
                let got = log.push_seq(event).map(|(s, f)| {
                    assert_eq!(s, seq, "push_seq's sequence number");
                    f
                });
                if let Some(frame) = push_result(got, want) {
                    check_decodes(&frame, &id, None, data.as_deref(), None);
                    model.keep(&id, frame);
                }
            }
            Op::PushFrame(id, raw) => {
                let id = id_text(id);
                let frame = Bytes::copy_from_slice(raw);
                match log.append(&id, frame.clone()) {
                    Ok(()) => {
                        assert!(frame.len() <= max_bytes);
                        // `frame` shares its bytes with the log's handle: reads are checked
                        // against its pointer too.
                        model.keep(&id, frame);
                    }
                    Err(e) => assert_eq!(
                        e,
                        PushError::TooLarge {
                            len: frame.len(),
                            max: max_bytes
                        }
                    ),
                }
            }
            Op::Since(r) => since(&log, &model, &id_ref(&model, r)),
            Op::CursorAfter(slot, r) => {
                let id = id_ref(&model, r);
                if let (Ok(c), Ok(seq)) = (log.cursor_after(&id), model.after(&id)) {
                    cursors[usize::from(slot % 4)] = (c, seq);
                }
            }
            Op::Subscribe(slot) => {
                cursors[usize::from(slot % 4)] = (log.subscribe(), log.seqs().end)
            }
            Op::Oldest(slot) => {
                cursors[usize::from(slot % 4)] =
                    (Cursor::from(log.seqs().start), model.first as u64)
            }
            Op::Read { cursor, max } => {
                let (c, shadow) = &mut cursors[usize::from(cursor % 4)];
                for _ in 0..=(max % 20) {
                    read(&log, &model, c, shadow);
                }
            }
            Op::StreamOpen(name, retry_ms) => {
                let name = STREAMS[usize::from(name % 4)];
                let retry = Duration::from_millis((*retry_ms).into());
                match streams.open(name, retry) {
                    Ok(frame) => {
                        let id = format!("{name}-0");
                        check_decodes(&frame, &id, None, None, Some(retry));
                        let (stream, replay) = streams.since(&id).expect("the priming id");
                        assert_eq!(stream, name);
                        assert_eq!(replay.len(), 0);
                    }
                    Err(PushError::EmptyStream) => assert!(name.is_empty()),
                    Err(PushError::TooLarge { len, max }) => assert!(len > max && max == max_bytes),
                    Err(e) => panic!("open({name:?}): {e:?}"),
                }
            }
            Op::StreamPush(name, data) => {
                let name = STREAMS[usize::from(name % 4)];
                let data = data_text(data).unwrap_or_default();
                let seq = streams.log(name).map_or(0, |log| log.seqs().end);
                let id = format!("{name}-{seq}");
                match streams.push(name, OutEvent::new().data(&data)) {
                    Ok(frame) => check_decodes(&frame, &id, None, Some(&data), None),
                    Err(PushError::EmptyStream) => assert!(name.is_empty()),
                    Err(PushError::TooLarge { len, max }) => assert!(len > max && max == max_bytes),
                    Err(e) => panic!("push({name:?}): {e:?}"),
                }
            }
            Op::StreamSince(name, seq) => {
                let name = STREAMS[usize::from(name % 4)];
                let id = format!("{name}-{}", seq % 16);
                let got = streams
                    .since(&id)
                    .map(|(s, r)| (s.to_owned(), r.collect::<Vec<_>>()));
                let want = match streams.log(name) {
                    Some(log) => log
                        .since(&id)
                        .map(|r| (name.to_owned(), r.collect::<Vec<_>>())),
                    None => Err(Unknown),
                };
                assert_eq!(got, want, "Streams::since({id:?})");
                if let Ok((_, frames)) = &got {
                    for (k, f) in frames.iter().enumerate() {
                        let want_id = format!("{name}-{}", u64::from(seq % 16) + 1 + k as u64);
                        assert!(
                            f.starts_with(format!("id: {want_id}\n").as_bytes()),
                            "{f:?}"
                        );
                    }
                }
            }
        }
        model.check(&log);
        for (c, shadow) in &cursors {
            assert_eq!(c.position(), *shadow);
        }
    }
});
