//! The decoder's limits (`sse::Limits`, crate-defined: the spec has none) against the limited
//! reference decoder (`sse_wire_testkit::reference::sse::reference_limited`), which restates the limit
//! rules on a whole-input, line-by-line model: random streams made of short lines around small
//! limits, cut at random points, through every path, must give exactly the reference's items
//! and errors (kind, limit, stream offset), last event ID, reconnection time and `finish()`
//! report, on one stream and across a reconnection (offsets keep counting).
//!
//! The hand-written limit vectors are in `tests/sse_conformance.rs` (through
//! `sse_wire_testkit::sse::check_limited`, which runs the same comparison).

use proptest::prelude::*;
use proptest::sample::Index;
use sse_wire::sse::{BytesDecoder, Decoder, Limits};
use sse_wire_testkit::sse::{
    assert_matches_limited_reference, check_limited, cut, reference_limited,
    reference_limited_from, run_borrowed_on, run_bytes_decoder_on, run_decode_buf_on, show, PATHS,
};

/// Bytes a value or comment is made of: ASCII, separators, NUL, a BOM and invalid UTF-8 (limits
/// count raw bytes, the items hold repaired text).
fn value_byte() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => prop::sample::select(b"abcxyz0123456789".to_vec()).prop_map(|b| vec![b]),
        2 => Just(b" ".to_vec()),
        2 => Just(b":".to_vec()),
        1 => Just(b"\0".to_vec()),
        1 => Just(b"\xEF\xBB\xBF".to_vec()),
        1 => Just(b"\xFF".to_vec()),
        1 => Just("é".as_bytes().to_vec()),
        1 => Just(b"\xE2\x82".to_vec()),
    ]
}

fn text(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(value_byte(), 0..max).prop_map(|v| v.concat())
}

/// One line, without its line end: fields (valid or not), comments, blank lines.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let name = prop::sample::select(vec![
        &b"data"[..],
        b"data",
        b"data",
        b"event",
        b"id",
        b"retry",
        b"x",
        b"",
    ]);
    prop_oneof![
        8 => (name, 0..3u8, text(24)).prop_map(|(name, sep, value)| {
            let mut l = name.to_vec();
            match sep {
                0 => {}
                1 => l.push(b':'),
                _ => l.extend_from_slice(b": "),
            }
            if sep > 0 {
                l.extend(value);
            }
            l
        }),
        2 => "[0-9]{1,6}".prop_map(|d| format!("retry: {d}").into_bytes()),
        3 => text(24).prop_map(|t| [&b":"[..], &t].concat()),
        6 => Just(Vec::new()),
    ]
}

fn line_end() -> impl Strategy<Value = &'static [u8]> {
    prop::sample::select(vec![&b"\n"[..], b"\n", b"\r\n", b"\r"])
}

/// A stream: maybe a BOM (whole or cut), lines, maybe an unterminated last line.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    let prefix = prop::sample::select(vec![
        &b""[..],
        b"",
        b"",
        b"\xEF\xBB\xBF",
        b"\xEF\xBB",
        b"\xEF",
    ]);
    let lines = prop::collection::vec((line(), line_end()), 0..20);
    let tail = prop_oneof![2 => Just(Vec::new()), 1 => line()];
    (prefix, lines, tail).prop_map(|(prefix, lines, tail)| {
        let mut out = prefix.to_vec();
        for (l, end) in lines {
            out.extend(l);
            out.extend_from_slice(end);
        }
        out.extend(tail);
        out
    })
}

/// Small limits, around the lengths `line()` makes, now and then none at all.
fn limits() -> impl Strategy<Value = Limits> {
    let line = prop_oneof![6 => 0..30usize, 1 => Just(Limits::new().max_line_len)];
    let event = prop_oneof![6 => 0..50usize, 1 => Just(Limits::new().max_event_size)];
    (line, event).prop_map(|(l, e)| {
        let mut limits = Limits::default();
        limits.max_line_len = l;
        limits.max_event_size = e;
        limits
    })
}

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        cases: 2048,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    // One stream, cut anywhere, every path: exactly the limited reference.
    #[test]
    fn limits_match_the_limited_reference(
        input in stream(),
        limits in limits(),
        points in prop::collection::vec(any::<Index>(), 0..5),
        comments in any::<bool>(),
    ) {
        let proto = Decoder::with_limits(limits).comments(comments);
        let expected = reference_limited(&input, comments, limits);
        let pieces = cut(&input, &points);
        let bytewise: Vec<&[u8]> = input.chunks(1).collect();
        for (name, run) in PATHS {
            let got = run(&proto, &pieces);
            prop_assert_eq!(&got.items, &expected.items, "{} on {}", name, show(&input));
            assert_matches_limited_reference(&got, &expected, &input);
            let got = run(&proto, &bytewise);
            assert_matches_limited_reference(&got, &expected, &input);
        }
    }

    // Two streams on one decoder with `finish()` between them: the second is the reference
    // started from the first one's last event ID, reconnection time and end offset.
    #[test]
    fn limits_across_a_reconnection_match_the_limited_reference(
        first in stream(),
        second in stream(),
        limits in limits(),
        points in prop::collection::vec(any::<Index>(), 0..4),
        comments in any::<bool>(),
    ) {
        let before = reference_limited(&first, comments, limits);
        let after = reference_limited_from(&second, comments, limits, &before.next_start());
        let first_pieces = cut(&first, &points);
        let second_pieces = cut(&second, &points);
        let proto = Decoder::with_limits(limits).comments(comments);

        let mut decoder = proto.clone();
        assert_matches_limited_reference(&run_borrowed_on(&mut decoder, &first_pieces), &before, &first);
        assert_matches_limited_reference(&run_borrowed_on(&mut decoder, &second_pieces), &after, &second);

        let mut decoder = proto.clone();
        assert_matches_limited_reference(&run_decode_buf_on(&mut decoder, &first_pieces), &before, &first);
        assert_matches_limited_reference(&run_decode_buf_on(&mut decoder, &second_pieces), &after, &second);

        let mut decoder = BytesDecoder::from(proto);
        assert_matches_limited_reference(&run_bytes_decoder_on(&mut decoder, &first_pieces), &before, &first);
        assert_matches_limited_reference(&run_bytes_decoder_on(&mut decoder, &second_pieces), &after, &second);
    }
}

/// Cases the generator reaches only by luck, pinned: every limit at 0, an oversized line as the
/// unterminated last line, a BOM cut short under a zero line limit, `retry` before the error in
/// a dropped block, an `id` and a `retry` inside the skipped part, and the LF joining two data
/// lines as the first byte past the limit.
#[test]
fn limit_corners() {
    let limited = |line, event| {
        Decoder::with_limits({
            let mut limits = Limits::default();
            limits.max_line_len = line;
            limits.max_event_size = event;
            limits
        })
    };
    for input in [
        &b"\n\n\n"[..],
        b"data\n\n",
        b":\n\ndata\n\n",
        b"\xEF",
        b"\xEF\xBB",
        b"\xEF\xBB\xBF",
        b"\xEF\xBBx",
    ] {
        check_limited(&limited(0, 0), input);
    }
    check_limited(&limited(1, 0), b"\xEF\xBB");
    check_limited(&limited(8, 4), b"data: 0123456789");
    check_limited(&limited(8, 4), b"data: a\n:0123456789");
    check_limited(
        &limited(16, 4),
        b"retry: 5\ndata: 12345\nid: 9\nretry: 7\n\ndata: b\n\n",
    );
    check_limited(&limited(8, 16), b"retry: 5\n:0123456789\n\nid: 3\n\n");
    check_limited(&limited(16, 4), b"data: 1234\ndata:\n\n");
    check_limited(&limited(16, 4), b"data: 123\ndata: 4\n\n");
    // What sse_differential found in a second when a long comment outside an event was made to
    // cost the next event too: that unterminated `t` would no longer be reported by finish().
    check_limited(&limited(5, 32), b":\xff\x18\xff\xff\xff\nt");
}

/// Issue 25: an event dropped for a limit keeps its `id`, wherever the `id` stands in the block
/// (after the oversized line, before it, after an event that grew too large). Otherwise a
/// client that reconnects sends the id before the dropped event, the server replays the event
/// that can never fit, and the client drops it again, forever. Each case must give `a@1`, the
/// error, the `Control` item of the dropped block's `id` (at its blank line, so after the
/// error), then `c@2`, and a last event ID of `2`: whole, cut at every byte and in one-byte
/// pieces, through every path of `PATHS` (borrowed `decode`, `decode_buf`, `BytesDecoder` as an
/// iterator and through `next_ref`), and the same as the limited reference.
pub fn dropped_event_cases() -> Vec<Vec<u8>> {
    let long = "x".repeat(200);
    let mut third = b"id: 1\ndata: a\n\n".to_vec();
    for _ in 0..10 {
        third.extend_from_slice(b"data: yyyyyyyyyy\n");
    }
    third.extend_from_slice(b"id: 2\n\ndata: c\n\n");
    vec![
        format!("id: 1\ndata: a\n\ndata: {long}\nid: 2\n\ndata: c\n\n").into_bytes(),
        format!("id: 1\ndata: a\n\nid: 2\ndata: {long}\n\ndata: c\n\n").into_bytes(),
        third,
    ]
}

#[test]
fn a_dropped_event_keeps_its_id_on_every_path() {
    use sse_wire_testkit::sse::{control, ev};
    let mut limits = Limits::default();
    limits.max_line_len = 64;
    limits.max_event_size = 64;
    let decoder = Decoder::with_limits(limits);
    for input in dropped_event_cases() {
        let run = check_limited(&decoder, &input);
        let items: Vec<_> = run
            .items
            .iter()
            .map(|i| i.as_ref().map_err(|_| ()))
            .collect();
        assert_eq!(
            items,
            [
                Ok(&ev("message", "a", "1", None)),
                Err(()),
                Ok(&control("2", None, true, false)),
                Ok(&ev("message", "c", "2", None)),
            ],
            "{}",
            show(&input)
        );
        assert_eq!(run.last_event_id, "2", "{}", show(&input));
    }
}

/// The rule for every field of a dropped block: `id` and `retry` take effect (before or after
/// the error line), `event` and `data` do not; an `id` line that is itself over the line limit
/// is lost; a block that ends with the stream commits nothing.
#[test]
fn every_field_of_a_dropped_block() {
    use sse_wire_testkit::sse::{control, ev};
    let mut limits = Limits::default();
    limits.max_line_len = 16;
    limits.max_event_size = 16;
    let decoder = Decoder::with_limits(limits);
    let long = "x".repeat(20);
    let input = format!(
        "retry: 5\nevent: big\ndata: {long}\nretry: 7\nid: 9\nevent: other\ndata: z\n\ndata: next\n\n"
    );
    let ok = |run: &sse_wire_testkit::sse::Run| -> Vec<_> {
        run.items
            .iter()
            .filter_map(|i| i.as_ref().ok().cloned())
            .collect()
    };
    let run = check_limited(&decoder, input.as_bytes());
    assert_eq!(
        ok(&run),
        [
            control("9", Some(7), true, true),
            ev("message", "next", "9", Some(7))
        ]
    );
    // An id line over the line limit in the dropped block: lost; the earlier one stands.
    let input = format!("id: 3\ndata: {long}\nid: {long}\n\ndata: next\n\n");
    let run = check_limited(&decoder, input.as_bytes());
    assert_eq!(
        ok(&run),
        [
            control("3", None, true, false),
            ev("message", "next", "3", None)
        ]
    );
    // The stream ends inside the dropped block: nothing is committed.
    let input = format!("id: 1\ndata: a\n\ndata: {long}\nid: 2\n");
    let run = check_limited(&decoder, input.as_bytes());
    assert_eq!(run.last_event_id, "1");
}
