//! A relay decodes a stream and encodes it again for its own readers (a proxy, a fan-out server).
//! What its readers see must be what readers of the original see: the same events (type, data,
//! the id in force), the same reconnection time in force after each one, the same comments, and
//! at the end the same last event ID and reconnection time. WHATWG SSE "Interpreting an event
//! stream" makes that state more than the events: an `id` field sets the last event ID buffer
//! (and an empty one resets it), a blank line sets the last event ID string even when it
//! dispatches nothing, and a `retry` field takes effect on its own line.
//!
//! The relay here is the one the crate documents: `OutEvent::from(&Event)` for events,
//! `OutEvent::from(&Control)` for blocks without data, `Encoder::comment` for comments, and,
//! when the stream was cut inside a block whose `retry` line already took effect, a lone
//! `retry` block.

use core::time::Duration;

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use sse_wire::sse::{BytesDecoder, Decoder, Encoder, Item, ItemRef, OutEvent};

/// Everything a reader of a stream ends up with.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    items: Vec<Item>,
    last_event_id: String,
    retry: Option<Duration>,
}

/// Decodes `wire` cut at `cuts` through `BytesDecoder`.
fn decode(wire: &[u8], cuts: &[usize]) -> Seen {
    let wire = Bytes::copy_from_slice(wire);
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
    points.extend([0, wire.len()]);
    points.sort_unstable();
    let mut decoder = BytesDecoder::new();
    let mut items = Vec::new();
    for w in points.windows(2) {
        decoder.push(wire.slice(w[0]..w[1]));
        items.extend((&mut decoder).map(|item| item.expect("default limits are not reached")));
    }
    let _ = decoder.finish();
    Seen {
        items,
        last_event_id: decoder.decoder().last_event_id().to_owned(),
        retry: decoder.decoder().retry(),
    }
}

/// The relay over owned items, upstream cut at `cuts`.
fn relay_owned(upstream: &[u8], cuts: &[usize]) -> Vec<u8> {
    let seen = decode(upstream, cuts);
    let encoder = Encoder::new();
    let mut out = BytesMut::new();
    let mut forwarded_retry = None;
    for item in &seen.items {
        match item {
            Item::Event(event) => {
                encoder
                    .encode(&OutEvent::from(event.as_ref()), &mut out)
                    .unwrap();
                forwarded_retry = event.retry();
            }
            Item::Control(control) => {
                encoder
                    .encode(&OutEvent::from(control.as_ref()), &mut out)
                    .unwrap();
                forwarded_retry = control.as_ref().retry();
            }
            Item::Comment(text) => encoder.encode(&OutEvent::comment(text), &mut out).unwrap(),
            other => panic!("unexpected item {other:?}"),
        }
    }
    // A `retry` line of a block the stream was cut in took effect upstream.
    if seen.retry != forwarded_retry {
        encoder
            .encode(&OutEvent::new().retry(seen.retry.unwrap()), &mut out)
            .unwrap();
    }
    out.to_vec()
}

/// The same relay over borrowed items (`Decoder::decode`), the whole upstream in one buffer.
fn relay_borrowed(upstream: &[u8]) -> Vec<u8> {
    let encoder = Encoder::new();
    let mut decoder = Decoder::new();
    let mut out = Vec::new();
    let mut forwarded_retry = None;
    let mut buf = upstream;
    loop {
        let decoded = decoder.decode(buf).unwrap();
        buf = &buf[decoded.consumed..];
        match decoded.item {
            Some(ItemRef::Event(event)) => {
                encoder.encode(&OutEvent::from(event), &mut out).unwrap();
                forwarded_retry = event.retry();
            }
            Some(ItemRef::Control(control)) => {
                encoder.encode(&OutEvent::from(control), &mut out).unwrap();
                forwarded_retry = control.retry();
            }
            Some(ItemRef::Comment(text)) => {
                encoder.encode(&OutEvent::comment(text), &mut out).unwrap()
            }
            Some(other) => panic!("unexpected item {other:?}"),
            None => break,
        }
    }
    let _ = decoder.finish();
    if decoder.retry() != forwarded_retry {
        encoder
            .encode(&OutEvent::new().retry(decoder.retry().unwrap()), &mut out)
            .unwrap();
    }
    out
}

/// One line of an upstream stream (line end not included). Ids hold no control byte: the
/// encoder refuses those (`EncodeError::ControlInId`), since no `Last-Event-ID` header can
/// carry them, so a relay cannot pass them on.
fn line() -> impl Strategy<Value = String> {
    let text = "[a-z \u{e9}\u{1F600}:]{0,6}";
    prop_oneof![
        4 => text.prop_map(|t| format!("data: {t}")),
        1 => Just("data".to_owned()),
        1 => Just("data:".to_owned()),
        2 => "[0-9a-z\t]{1,3}".prop_map(|id| format!("id: {id}")),
        1 => Just("id:".to_owned()),
        1 => Just("id".to_owned()),
        1 => Just("id: \0".to_owned()),
        2 => "[0-9]{1,5}".prop_map(|ms| format!("retry: {ms}")),
        1 => Just("retry: 1x".to_owned()),
        1 => Just("retry".to_owned()),
        1 => text.prop_map(|t| format!("event: {t}")),
        1 => Just("event: message".to_owned()),
        1 => text.prop_map(|t| format!(":{t}")),
        1 => Just("x-unknown: 1".to_owned()),
        4 => Just(String::new()),
    ]
}

/// An upstream stream: an optional BOM, lines with every kind of line end, and a last line that
/// may lack its line end or the blank line after it.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<bool>(),
        prop::collection::vec((line(), 0..3usize), 0..24),
        prop::option::of(line()),
    )
        .prop_map(|(bom, lines, last)| {
            let mut s = Vec::new();
            if bom {
                s.extend_from_slice("\u{FEFF}".as_bytes());
            }
            for (line, eol) in lines {
                s.extend_from_slice(line.as_bytes());
                s.extend_from_slice([&b"\n"[..], b"\r\n", b"\r"][eol]);
            }
            if let Some(last) = last {
                s.extend_from_slice(last.as_bytes());
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn relayed_stream_reads_as_the_original(
        upstream in stream(),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
        relay_cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let original = decode(&upstream, &[]);
        let relayed = relay_owned(&upstream, &cuts);
        prop_assert_eq!(&relayed, &relay_borrowed(&upstream), "both relays write the same bytes");
        let mut seen = decode(&relayed, &relay_cuts);
        // The lone `retry` block a relay adds for a cut block is a control item of its own.
        if seen.items.len() == original.items.len() + 1 {
            let added = seen.items.pop();
            let Some(Item::Control(c)) = &added else {
                panic!("only a control item may be added, got {added:?}");
            };
            prop_assert_eq!((c.as_ref().id_field(), c.as_ref().retry_field()), (None, original.retry));
        }
        prop_assert_eq!(&seen, &original, "relayed: {:?}", String::from_utf8_lossy(&relayed));
        // Twice relayed is relayed: nothing drifts.
        prop_assert_eq!(relay_owned(&relayed, &[]), relayed);
    }
}

/// The case that was lost before: an empty `id` resets the last event ID, and a relay must pass
/// that reset on (Chromium reads the re-encoded stream with ids `5`, `5` otherwise).
#[test]
fn id_reset_is_relayed() {
    let upstream = b"id: 5\ndata: a\n\nid:\ndata: b\n\n";
    let relayed = relay_owned(upstream, &[]);
    assert_eq!(relayed, b"id: 5\ndata: a\n\nid: \ndata: b\n\n");
    let ids: Vec<String> = decode(&relayed, &[])
        .items
        .iter()
        .map(|item| match item {
            Item::Event(e) => e.id().to_owned(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids, ["5", ""]);
}

/// A block with only `retry` dispatches nothing, but its readers wait what it says before they
/// reconnect: it is relayed as the same lone block.
#[test]
fn lone_retry_and_id_only_blocks_are_relayed() {
    let upstream = b"retry: 1500\n\ndata: a\n\nid: 9\n\n: ping\n";
    assert_eq!(
        relay_owned(upstream, &[]),
        b"retry: 1500\n\ndata: a\n\nid: 9\n\n: ping\n"
    );
    let seen = decode(&relay_owned(upstream, &[]), &[]);
    assert_eq!(seen.retry, Some(Duration::from_millis(1500)));
    assert_eq!(seen.last_event_id, "9");
}
