//! Drivers for the SSE decoder, for its conformance and property tests.
//!
//! * The reference decoder ([`reference`](fn@reference), [`reference_limited`]... re-exported from
//!   [`crate::reference::sse`]): a deliberately naive decoder written straight from the WHATWG
//!   HTML Living Standard, section 9.2 "Server-sent events", subsections "Parsing an event
//!   stream" and "Interpreting an event stream". It takes the whole stream at once, decodes it to
//!   text, splits it into lines char by char and runs the spec's steps on each line. It shares no
//!   code with the decoder it checks.
//! * [`from_item`] / [`from_item_ref`]: the decoder's items in the reference's form.
//! * `run_*`: drivers that feed a list of pieces to the real decoder through each of its ways in
//!   (borrowed `decode`, `decode_buf`, `decode_bytes`, `BytesDecoder`), keeping each path's
//!   documented contract, and collect what comes out in the reference's form.
//! * [`check_splits`] / [`check`]: run one input whole, cut at every byte boundary into two
//!   pieces, and cut into one-byte pieces, through every path, and assert that all of them agree
//!   (and, for [`check`], that they agree with the reference decoder).

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use sse_wire::sse::{BytesDecoder, DecodeError, Decoder, Item, ItemRef, Limits, Truncated};

use crate::guard::Guard;
pub use crate::reference::sse::{
    reference, reference_limited, reference_limited_from, reference_seeded, Pending, RefEvent,
    RefItem, RefLimitedOutcome, RefOutcome, RefStart,
};

// ---------------------------------------------------------------------------------------------
// Items in a form both the reference and the real decoder can be compared in
// ---------------------------------------------------------------------------------------------

/// Shorthand for an expected event.
pub fn ev(event_type: &str, data: &str, id: &str, retry: Option<u64>) -> RefItem {
    RefItem::Event(RefEvent {
        event_type: event_type.to_owned(),
        data: data.to_owned(),
        id: id.to_owned(),
        retry: retry.map(Duration::from_millis),
    })
}

/// Shorthand for an expected `message` event with no id and no retry.
pub fn msg(data: &str) -> RefItem {
    ev("message", data, "", None)
}

/// Shorthand for an expected block without data that set the last event ID (`id_set`) or the
/// reconnection time (`retry_set`): the id and retry in force after it.
pub fn control(id: &str, retry: Option<u64>, id_set: bool, retry_set: bool) -> RefItem {
    RefItem::Control {
        id: id.to_owned(),
        retry: retry.map(Duration::from_millis),
        id_set,
        retry_set,
    }
}

/// Shorthand for an expected comment.
pub fn comment(text: &str) -> RefItem {
    RefItem::Comment(text.to_owned())
}

// ---------------------------------------------------------------------------------------------
// Drivers for the real decoder
// ---------------------------------------------------------------------------------------------

/// Everything one run of the real decoder produced.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Run {
    /// Items and errors, in the order they came out.
    pub items: Vec<Result<RefItem, DecodeError>>,
    /// `last_event_id()` after `finish()`.
    pub last_event_id: String,
    /// `retry()` after `finish()`.
    pub retry: Option<Duration>,
    /// What `finish()` said.
    pub finish: Result<(), Truncated>,
}

impl Run {
    /// The items, panicking on any error.
    pub fn ok_items(&self) -> Vec<RefItem> {
        self.items
            .iter()
            .map(|r| {
                r.clone()
                    .unwrap_or_else(|e| panic!("unexpected error {e:?} in {self:?}"))
            })
            .collect()
    }

    /// The events only (comments dropped), panicking on any error.
    pub fn events(&self) -> Vec<RefEvent> {
        self.ok_items()
            .into_iter()
            .filter_map(|i| i.event().cloned())
            .collect()
    }

    /// The events' data only.
    pub fn data(&self) -> Vec<String> {
        self.events().into_iter().map(|e| e.data).collect()
    }

    /// The errors only.
    pub fn errors(&self) -> Vec<DecodeError> {
        self.items.iter().filter_map(|r| r.clone().err()).collect()
    }

    /// The run of a driver that got `items` and then `finish` from `decoder`.
    fn ended(
        items: Vec<Result<RefItem, DecodeError>>,
        finish: Result<(), Truncated>,
        decoder: &Decoder,
    ) -> Run {
        Run {
            items,
            last_event_id: decoder.last_event_id().to_owned(),
            retry: decoder.retry(),
            finish,
        }
    }
}

/// An item borrowed from the decoder, in the comparable form.
#[must_use]
pub fn from_item_ref(item: ItemRef<'_>) -> RefItem {
    match item {
        ItemRef::Event(e) => RefItem::Event(RefEvent {
            event_type: e.event_type().to_owned(),
            data: e.data().to_owned(),
            id: e.id().to_owned(),
            retry: e.retry(),
        }),
        ItemRef::Control(c) => RefItem::Control {
            id: c.id().to_owned(),
            retry: c.retry(),
            id_set: c.id_field().is_some(),
            retry_set: c.retry_field().is_some(),
        },
        ItemRef::Comment(c) => RefItem::Comment(c.to_owned()),
        other => panic!("unknown item kind {other:?}"),
    }
}

/// An owned item, in the comparable form.
#[must_use]
pub fn from_item(item: Item) -> RefItem {
    match item {
        Item::Event(e) => RefItem::Event(RefEvent {
            event_type: e.event_type().to_owned(),
            data: e.data().to_owned(),
            id: e.id().to_owned(),
            retry: e.retry(),
        }),
        Item::Control(c) => RefItem::Control {
            id: c.as_ref().id().to_owned(),
            retry: c.as_ref().retry(),
            id_set: c.as_ref().id_field().is_some(),
            retry_set: c.as_ref().retry_field().is_some(),
        },
        Item::Comment(c) => RefItem::Comment(c.to_string()),
        other => panic!("unknown item kind {other:?}"),
    }
}

/// Borrowed `Decoder::decode`: the driver owns a `Vec<u8>`, drops `consumed` bytes from its
/// front after each call and appends each new piece.
pub fn run_borrowed(proto: &Decoder, pieces: &[&[u8]]) -> Run {
    run_borrowed_on(&mut proto.clone(), pieces)
}

/// As [`run_borrowed`], on a decoder that may already have decoded (and finished) other streams.
pub fn run_borrowed_on(decoder: &mut Decoder, pieces: &[&[u8]]) -> Run {
    let mut guard = Guard::for_pieces(pieces);
    let mut buf: Vec<u8> = Vec::new();
    let mut items = Vec::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        loop {
            guard.call("decode");
            let step = match decoder.decode(&buf) {
                Ok(d) => Ok((d.consumed, d.item.map(from_item_ref))),
                Err(e) => Err(e),
            };
            match step {
                Ok((consumed, item)) => {
                    guard.ok();
                    assert!(
                        consumed <= buf.len(),
                        "decode: consumed {consumed} of {} bytes",
                        buf.len()
                    );
                    buf.drain(..consumed);
                    match item {
                        Some(item) => items.push(Ok(item)),
                        None => break,
                    }
                }
                // "On error nothing is consumed: call again with the same buffer to go on."
                Err(e) => {
                    guard.error("decode", &e);
                    items.push(Err(e));
                }
            }
        }
    }
    let finish = decoder.finish();
    Run::ended(items, finish, decoder)
}

/// `Decoder::decode_buf` with one `BytesMut` that each piece is appended to.
pub fn run_decode_buf(proto: &Decoder, pieces: &[&[u8]]) -> Run {
    run_decode_buf_on(&mut proto.clone(), pieces)
}

/// As [`run_decode_buf`], on a decoder that may already have decoded other streams.
pub fn run_decode_buf_on(decoder: &mut Decoder, pieces: &[&[u8]]) -> Run {
    let mut guard = Guard::for_pieces(pieces);
    let mut buf = BytesMut::new();
    let mut items = Vec::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        loop {
            guard.call("decode_buf");
            match decoder.decode_buf(&mut buf).transpose() {
                Some(result) => guard.record("decode_buf", &mut items, result.map(from_item)),
                None => {
                    guard.ok();
                    break;
                }
            }
        }
    }
    let finish = decoder.finish();
    Run::ended(items, finish, decoder)
}

/// What the removed `Decoder::decode_bytes` did, through `decode_buf`: input held as one
/// `Bytes`, made a `BytesMut` for the call (without a copy when it is not shared).
pub fn decode_bytes(decoder: &mut Decoder, buf: &mut Bytes) -> Result<Option<Item>, DecodeError> {
    let mut owned = BytesMut::from(core::mem::take(buf));
    let result = decoder.decode_buf(&mut owned);
    *buf = owned.freeze();
    result
}

/// `decode_bytes` (above): when a call returns `Ok(None)`, the bytes left in the `Bytes` are
/// joined with the next piece.
pub fn run_decode_bytes(proto: &Decoder, pieces: &[&[u8]]) -> Run {
    let mut decoder = proto.clone();
    let mut guard = Guard::for_pieces(pieces);
    let mut buf = Bytes::new();
    let mut items = Vec::new();
    for piece in pieces {
        buf = if buf.is_empty() {
            Bytes::copy_from_slice(piece)
        } else {
            let mut joined = BytesMut::from(&buf[..]);
            joined.extend_from_slice(piece);
            joined.freeze()
        };
        loop {
            guard.call("decode_bytes");
            match decode_bytes(&mut decoder, &mut buf).transpose() {
                Some(result) => guard.record("decode_bytes", &mut items, result.map(from_item)),
                None => {
                    guard.ok();
                    break;
                }
            }
        }
    }
    let finish = decoder.finish();
    Run::ended(items, finish, &decoder)
}

/// `BytesDecoder`: push each piece as a `Bytes`, then drain the iterator.
pub fn run_bytes_decoder(proto: &Decoder, pieces: &[&[u8]]) -> Run {
    run_bytes_decoder_on(&mut BytesDecoder::from(proto.clone()), pieces)
}

/// As [`run_bytes_decoder`], on a decoder that may already have decoded other streams.
pub fn run_bytes_decoder_on(decoder: &mut BytesDecoder, pieces: &[&[u8]]) -> Run {
    let mut guard = Guard::for_pieces(pieces);
    let mut items = Vec::new();
    for piece in pieces {
        decoder.push(Bytes::copy_from_slice(piece));
        for result in &mut *decoder {
            guard.call("BytesDecoder");
            guard.record("BytesDecoder", &mut items, result.map(from_item));
        }
    }
    let finish = decoder.finish();
    Run::ended(items, finish, decoder.decoder())
}

/// `BytesDecoder`: push each piece as a `Bytes`, then take items with `next_ref` (views), or,
/// with `mixed`, with `next_ref` and the iterator in turn.
fn run_bytes_decoder_views(proto: &Decoder, pieces: &[&[u8]], mixed: bool) -> Run {
    let mut decoder = BytesDecoder::from(proto.clone());
    let mut guard = Guard::for_pieces(pieces);
    let mut items = Vec::new();
    let mut turn = false;
    for piece in pieces {
        decoder.push(Bytes::copy_from_slice(piece));
        loop {
            turn = mixed && !turn;
            let result = if turn {
                match decoder.next() {
                    Some(result) => result.map(from_item),
                    None => break,
                }
            } else {
                match decoder.next_ref() {
                    Some(result) => result.map(from_item_ref),
                    None => break,
                }
            };
            guard.call("BytesDecoder::next_ref");
            guard.record("BytesDecoder::next_ref", &mut items, result);
        }
    }
    let finish = decoder.finish();
    Run::ended(items, finish, decoder.decoder())
}

/// `BytesDecoder`: every piece pushed first, then the iterator drained (a caller that queues a
/// whole burst of reads before looking).
pub fn run_bytes_decoder_queued(proto: &Decoder, pieces: &[&[u8]]) -> Run {
    let mut decoder = BytesDecoder::from(proto.clone());
    let mut guard = Guard::for_pieces(pieces);
    for piece in pieces {
        decoder.push(Bytes::copy_from_slice(piece));
    }
    let mut items = Vec::new();
    for result in &mut decoder {
        guard.call("BytesDecoder, pieces queued first");
        guard.record(
            "BytesDecoder, pieces queued first",
            &mut items,
            result.map(from_item),
        );
    }
    let finish = decoder.finish();
    Run::ended(items, finish, decoder.decoder())
}

/// `BytesDecoder::next_ref` only.
pub fn run_bytes_decoder_ref(proto: &Decoder, pieces: &[&[u8]]) -> Run {
    run_bytes_decoder_views(proto, pieces, false)
}

/// `BytesDecoder::next_ref` and `next` in turn.
pub fn run_bytes_decoder_mixed(proto: &Decoder, pieces: &[&[u8]]) -> Run {
    run_bytes_decoder_views(proto, pieces, true)
}

/// The ways in, by name.
/// Runs a configured decoder over the pieces through one path.
pub type Path = fn(&Decoder, &[&[u8]]) -> Run;

pub const PATHS: [(&str, Path); 7] = [
    ("decode (borrowed)", run_borrowed),
    ("decode_buf (BytesMut)", run_decode_buf),
    ("decode_bytes (Bytes)", run_decode_bytes),
    ("BytesDecoder", run_bytes_decoder),
    ("BytesDecoder::next_ref", run_bytes_decoder_ref),
    (
        "BytesDecoder, next_ref and next in turn",
        run_bytes_decoder_mixed,
    ),
    (
        "BytesDecoder, pieces queued first",
        run_bytes_decoder_queued,
    ),
];

/// Debug form of some bytes (escaped, like `b"..."`).
pub fn show(bytes: &[u8]) -> String {
    format!("{:?}", Bytes::copy_from_slice(bytes))
}

fn show_pieces(pieces: &[&[u8]]) -> String {
    let shown: Vec<String> = pieces.iter().map(|p| show(p)).collect();
    format!("[{}]", shown.join(", "))
}

/// Runs `pieces` through every path and asserts that all of them produce the same thing.
pub fn run_all_paths(proto: &Decoder, pieces: &[&[u8]]) -> Run {
    let (first_name, first) = PATHS[0];
    let expected = first(proto, pieces);
    for (name, run) in &PATHS[1..] {
        let got = run(proto, pieces);
        assert_eq!(
            got,
            expected,
            "{name} disagrees with {first_name} on pieces {}",
            show_pieces(pieces)
        );
    }
    expected
}

/// Runs `input` whole, cut in two at every byte boundary, and in one-byte pieces, through every
/// path, asserts that every run gives the same items, last event id, retry and `finish()`
/// result, and returns that run.
pub fn check_splits(proto: &Decoder, input: &[u8]) -> Run {
    let whole = run_all_paths(proto, &[input]);
    for cut in 0..=input.len() {
        let (a, b) = input.split_at(cut);
        let got = run_all_paths(proto, &[a, b]);
        assert_eq!(
            got,
            whole,
            "cutting {} at byte {cut} changes the outcome",
            show(input)
        );
    }
    let bytewise: Vec<&[u8]> = input.chunks(1).collect();
    let got = run_all_paths(proto, &bytewise);
    assert_eq!(
        got,
        whole,
        "feeding {} one byte at a time changes the outcome",
        show(input)
    );
    whole
}

/// Asserts that a run of the real decoder matches the reference decoder's outcome.
pub fn assert_matches_reference(run: &Run, expected: &RefOutcome, input: &[u8]) {
    let items: Vec<Result<RefItem, DecodeError>> = expected.items.iter().cloned().map(Ok).collect();
    assert_eq!(
        run.items,
        items,
        "items differ from the reference for {}",
        show(input)
    );
    assert_eq!(
        run.last_event_id,
        expected.last_event_id,
        "last event id differs from the reference for {}",
        show(input)
    );
    assert_eq!(
        run.retry,
        expected.retry,
        "retry differs from the reference for {}",
        show(input)
    );
    assert_eq!(
        run.finish.is_ok(),
        expected.pending.is_none(),
        "finish() = {:?} but the reference has pending {:?} for {}",
        run.finish,
        expected.pending,
        show(input)
    );
}

/// What `finish()` must return for what the reference had pending at the end of the stream.
pub fn expected_finish(pending: Option<Pending>) -> Result<(), Truncated> {
    match pending {
        None => Ok(()),
        Some(p) => Err(Truncated {
            fields: p.fields,
            data_len: p.data_len,
            partial_line: p.partial_line,
        }),
    }
}

/// Asserts that a run of the real decoder matches the limited reference decoder exactly: the
/// same items and errors (kind, limit, offset) in the same order, last event ID, retry, and the
/// whole `finish()` report.
pub fn assert_matches_limited_reference(run: &Run, expected: &RefLimitedOutcome, input: &[u8]) {
    assert_eq!(
        run.items,
        expected.items,
        "items or errors differ from the limited reference for {}",
        show(input)
    );
    assert_eq!(
        run.last_event_id,
        expected.last_event_id,
        "last event id differs from the limited reference for {}",
        show(input)
    );
    assert_eq!(
        run.retry,
        expected.retry,
        "retry differs from the limited reference for {}",
        show(input)
    );
    assert_eq!(
        run.finish,
        expected_finish(expected.pending),
        "finish() differs from the limited reference for {}",
        show(input)
    );
}

/// [`check_splits`] with a decoder whose limits are in force (comments on), plus exact agreement
/// with the limited reference decoder. Returns the run for the test's own assertions.
pub fn check_limited(decoder: &Decoder, input: &[u8]) -> Run {
    let run = check_splits(decoder, input);
    let expected = reference_limited(input, true, *decoder.limits());
    assert_matches_limited_reference(&run, &expected, input);
    run
}

/// The conformance helper: [`check_splits`] with a default decoder, plus agreement with the
/// reference decoder. Returns the run for the test's own assertions.
pub fn check(input: &[u8]) -> Run {
    let run = check_splits(&Decoder::new(), input);
    assert_matches_reference(&run, &reference(input, true), input);
    // With the default limits, the limited reference is the plain one, byte for byte.
    let limited = reference_limited(input, true, Limits::default());
    assert_matches_limited_reference(&run, &limited, input);
    run
}

/// As [`check`], with comments switched off (`Decoder::comments(false)`).
pub fn check_no_comments(input: &[u8]) -> Run {
    let run = check_splits(&Decoder::new().comments(false), input);
    assert_matches_reference(&run, &reference(input, false), input);
    let limited = reference_limited(input, false, Limits::default());
    assert_matches_limited_reference(&run, &limited, input);
    run
}

/// The four ways of ending lines the tests try: LF, CRLF, lone CR, and a mix of the three.
pub const EOLS: [&str; 4] = ["LF", "CRLF", "CR", "mixed"];

/// `template` with each `\n` replaced by the line end named `eol`. "mixed" cycles through CR,
/// CRLF, LF in that order, so a lone CR is never followed by an LF that would merge with it.
pub fn with_eol(template: &str, eol: &str) -> Vec<u8> {
    let rotation: &[&str] = match eol {
        "LF" => &["\n"],
        "CRLF" => &["\r\n"],
        "CR" => &["\r"],
        "mixed" => &["\r", "\r\n", "\n"],
        other => panic!("unknown line end {other}"),
    };
    let mut out = Vec::new();
    let mut next = 0;
    for c in template.chars() {
        if c == '\n' {
            out.extend_from_slice(rotation[next % rotation.len()].as_bytes());
            next += 1;
        } else {
            let mut utf8 = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        }
    }
    out
}

/// `template` (bytes) with each `\n` replaced by the line end named `eol`.
pub fn with_eol_bytes(template: &[u8], eol: &str) -> Vec<u8> {
    let rotation: &[&[u8]] = match eol {
        "LF" => &[b"\n"],
        "CRLF" => &[b"\r\n"],
        "CR" => &[b"\r"],
        "mixed" => &[b"\r", b"\r\n", b"\n"],
        other => panic!("unknown line end {other}"),
    };
    let mut out = Vec::new();
    let mut next = 0;
    for &b in template {
        if b == b'\n' {
            out.extend_from_slice(rotation[next % rotation.len()]);
            next += 1;
        } else {
            out.push(b);
        }
    }
    out
}

/// Cuts `input` at the given points (sorted; repeated points make empty pieces), for the
/// proptests. With the `proptest` feature only.
#[cfg(feature = "proptest")]
pub fn cut<'a>(input: &'a [u8], points: &[proptest::sample::Index]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = points.iter().map(|i| i.index(input.len() + 1)).collect();
    at.sort_unstable();
    let mut pieces = Vec::new();
    let mut start = 0;
    for p in at {
        pieces.push(&input[start..p]);
        start = p;
    }
    pieces.push(&input[start..]);
    pieces
}
