//! Property tests for `sse_wire::sse`: random event streams from a grammar of the WHATWG
//! `text/event-stream` format (HTML Living Standard 9.2.5 "Parsing an event stream") and of what
//! it must survive (bad field names, invalid UTF-8, BOMs, NUL, mixed line ends, random bytes),
//! cut at random points, decoded through every path and compared with the reference decoder in
//! `sse_wire_testkit` (written from 9.2.6 "Interpreting an event stream").
//!
//! Properties (a)-(c) use the default limits, far above anything generated here, so no limit
//! error occurs; (d) uses small limits and checks only that errors and items do not depend on how
//! the input is cut or which path decodes it.

use proptest::prelude::*;
use proptest::sample::Index;
use sse_wire::sse::{BytesDecoder, Decoder, Limits};
use sse_wire_testkit::sse::{
    assert_matches_reference, cut, reference, reference_seeded, run_borrowed, run_borrowed_on,
    run_bytes_decoder_on, run_decode_buf_on, show, PATHS,
};

/// Small byte strings that stress decoders: BOMs, invalid and truncated UTF-8, NUL, separators.
const FRAGMENTS: &[&[u8]] = &[
    b"\xEF\xBB\xBF",       // U+FEFF BOM
    b"\xEF\xBB",           // BOM cut short
    b"\xEF",               // BOM cut shorter
    b"\xFF",               // never valid
    b"\xC3",               // truncated 2-byte sequence
    b"\xE2\x82",           // truncated 3-byte sequence
    b"\xF0\x9F\x98",       // truncated 4-byte sequence
    b"\xED\xA0\x80",       // surrogate
    b"\xC0\xAF",           // overlong '/'
    b"\x80",               // lone continuation byte
    "é".as_bytes(),        // 2 bytes
    "日".as_bytes(),       // 3 bytes
    "😀".as_bytes(),       // 4 bytes
    "\u{0665}".as_bytes(), // ARABIC-INDIC DIGIT FIVE
    b"\0",
    b":",
    b" ",
    b"\t",
    b"0",
    b"9",
];

/// Bytes that may appear anywhere, line ends included.
const WILD: &[&[u8]] = &[
    b"\r",
    b"\n",
    b"\r\n",
    b"\n\r",
    b"\r\r",
    b"\xEF\xBB\xBF",
    b":",
    b" ",
];

fn fragment() -> impl Strategy<Value = Vec<u8>> {
    prop::sample::select(FRAGMENTS).prop_map(<[u8]>::to_vec)
}

fn field_name() -> impl Strategy<Value = Vec<u8>> {
    let near_misses = vec![
        "Data",
        "DATA",
        "Event",
        "EVENT",
        "ID",
        "Id",
        "Retry",
        "RETRY",
        "dat",
        "datas",
        " data",
        "data ",
        "foo",
        "\u{FEFF}data",
        "da\0ta",
        "ïd",
        "event\t",
        "retry\u{0}",
    ];
    prop_oneof![
        8 => Just(b"data".to_vec()),
        3 => Just(b"event".to_vec()),
        3 => Just(b"id".to_vec()),
        3 => Just(b"retry".to_vec()),
        2 => prop::sample::select(near_misses).prop_map(|s| s.as_bytes().to_vec()),
        1 => prop::collection::vec(
            any::<u8>().prop_filter("no line end or colon", |b| !b"\r\n:".contains(b)),
            1..6
        ),
    ]
}

fn retry_like() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => "[0-9]{1,6}",
        1 => "0{1,30}[0-9]{1,3}",
        1 => "[0-9]{19,22}",
        1 => Just("18446744073709551615".to_owned()),
        1 => Just("18446744073709551616".to_owned()),
        2 => prop::sample::select(
            vec!["+5", "-5", " 5", "5 ", "5a", "a5", "5.0", "1e3", "0x10", "", "\u{0665}", "\u{FF15}", "5\0"]
        )
        .prop_map(str::to_owned),
    ]
    .prop_map(String::into_bytes)
}

fn field_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => "[a-z0-9 {}\":,\\[\\]]{0,12}".prop_map(String::into_bytes),
        3 => retry_like(),
        1 => "[a-z]{0,3}\0[a-z]{0,3}".prop_map(String::into_bytes),
        // Any printable text (no control characters, so no CR or LF).
        1 => "\\PC{0,6}".prop_map(String::into_bytes),
        2 => prop::collection::vec(fragment(), 0..5).prop_map(|v| v.concat()),
        1 => prop::collection::vec(
            any::<u8>().prop_filter("no line end", |b| *b != b'\r' && *b != b'\n'),
            0..8
        ),
    ]
}

/// One line of the stream, without its line end.
fn line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        10 => (field_name(), 0..4u8, field_value()).prop_map(|(mut name, sep, value)| {
            match sep {
                0 => {} // "data" alone: a field with an empty value
                1 => {
                    name.push(b':');
                    name.extend(value);
                }
                _ => {
                    name.extend_from_slice(b": ");
                    name.extend(value);
                }
            }
            name
        }),
        2 => field_value().prop_map(|v| [&b":"[..], &v].concat()),
        // Long lines: comments and unknown fields that an event's zero-copy fields must not pin
        // forever, and long data.
        1 => (prop::sample::select(vec![&b":"[..], b"x-pad: ", b"data: "]), 1000..6000usize, any::<u8>())
            .prop_map(|(head, n, fill)| {
                let fill = if fill.is_ascii_graphic() { fill } else { b'p' };
                let mut l = head.to_vec();
                l.resize(head.len() + n, fill);
                l
            }),
        5 => Just(Vec::new()),
        1 => prop::collection::vec(any::<u8>(), 0..6),
    ]
}

fn line_end() -> impl Strategy<Value = &'static [u8]> {
    prop::sample::select(vec![&b"\n"[..], b"\r\n", b"\r"])
}

/// A whole stream: an optional leading BOM (or two, or a cut one), lines with random line ends,
/// maybe a last line without one, and a few bytes dropped in at random places.
fn stream() -> impl Strategy<Value = Stream> {
    let prefix = prop::sample::select(vec![
        &b""[..],
        b"",
        b"",
        b"\xEF\xBB\xBF",
        b"\xEF\xBB\xBF\xEF\xBB\xBF",
        b"\xEF\xBB",
    ]);
    let lines = prop::collection::vec((line(), line_end()), 0..24);
    let tail = prop_oneof![3 => Just(Vec::new()), 1 => line()];
    let wild = prop::collection::vec(
        (
            any::<Index>(),
            prop::sample::select(WILD).prop_map(<[u8]>::to_vec),
        ),
        0..3,
    );
    (prefix, lines, tail, wild).prop_map(|(prefix, lines, tail, wild)| {
        let mut out = prefix.to_vec();
        for (l, end) in lines {
            out.extend(l);
            out.extend_from_slice(end);
        }
        out.extend(tail);
        for (at, bytes) in wild {
            let at = at.index(out.len() + 1);
            out.splice(at..at, bytes);
        }
        Stream(out)
    })
}

/// A generated stream, shown as escaped bytes when a case fails.
#[derive(Clone)]
struct Stream(Vec<u8>);

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&show(&self.0))
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        // Keep failures on screen, not in a regressions file next to the sources.
        failure_persistence: None,
        cases: 1024,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    // (a) Differential: every path, on randomly cut input, gives what the reference decoder
    // (WHATWG SSE "Interpreting an event stream", step by step) gives: the same items in the
    // same order, the same last event ID string and reconnection time, and finish() reports a
    // truncation exactly when the reference had something pending at the end of the file.
    #[test]
    fn decoder_matches_reference(
        input in stream(),
        points in prop::collection::vec(any::<Index>(), 0..6),
        comments in any::<bool>(),
    ) {
        let input = input.0;
        let proto = Decoder::new().comments(comments);
        let expected = reference(&input, comments);
        let pieces = cut(&input, &points);
        for (name, run) in PATHS {
            let got = run(&proto, &pieces);
            prop_assert!(got.items.iter().all(Result::is_ok), "{name}: error {:?}", got.items);
            assert_matches_reference(&got, &expected, &input);
        }
    }

    // (b) All paths agree with each other and with the whole-input decode, exactly (items,
    // errors, last event id, retry, and the full finish() report), however the input is cut,
    // one byte at a time included.
    #[test]
    fn paths_agree_however_the_input_is_cut(
        input in stream(),
        points in prop::collection::vec(any::<Index>(), 0..8),
        comments in any::<bool>(),
    ) {
        let input = input.0;
        let proto = Decoder::new().comments(comments);
        let whole = run_borrowed(&proto, &[&input]);
        let pieces = cut(&input, &points);
        let bytewise: Vec<&[u8]> = input.chunks(1).collect();
        for (name, run) in PATHS {
            let got = run(&proto, &pieces);
            prop_assert_eq!(&got, &whole, "{} on pieces of {}", name, show(&input));
            let got = run(&proto, &bytewise);
            prop_assert_eq!(&got, &whole, "{} on single bytes of {}", name, show(&input));
        }
    }

    // (c) Reconnection: after finish(), a decoder takes a new stream as the reference does on an
    // event source whose last event ID string and reconnection time are kept ("The buffer does
    // not get reset, so the last event ID string of the event source remains set"), with the new
    // stream's own leading BOM stripped and nothing of a cut-off event carried over.
    #[test]
    fn new_stream_after_finish_matches_reference(
        first in stream(),
        second in stream(),
        points in prop::collection::vec(any::<Index>(), 0..4),
        comments in any::<bool>(),
    ) {
        let (first, second) = (first.0, second.0);
        let before = reference(&first, comments);
        let after = reference_seeded(&second, comments, &before.last_event_id, before.retry);
        let first_pieces = cut(&first, &points);
        let second_pieces = cut(&second, &points);

        let mut decoder = Decoder::new().comments(comments);
        assert_matches_reference(&run_borrowed_on(&mut decoder, &first_pieces), &before, &first);
        assert_matches_reference(&run_borrowed_on(&mut decoder, &second_pieces), &after, &second);

        let mut decoder = Decoder::new().comments(comments);
        assert_matches_reference(&run_decode_buf_on(&mut decoder, &first_pieces), &before, &first);
        assert_matches_reference(&run_decode_buf_on(&mut decoder, &second_pieces), &after, &second);

        let mut decoder = BytesDecoder::from(Decoder::new().comments(comments));
        assert_matches_reference(&run_bytes_decoder_on(&mut decoder, &first_pieces), &before, &first);
        assert_matches_reference(&run_bytes_decoder_on(&mut decoder, &second_pieces), &after, &second);
    }
}

proptest! {
    #![proptest_config(config())]

    // (d) With small limits (crate-defined; the spec has none), limit errors and the items around
    // them do not depend on how the input is cut or which path decodes it (documented: offsets
    // are stream offsets, items before an error all come first, "on error nothing is consumed",
    // and decoding resumes after the next blank line).
    #[test]
    fn limit_errors_do_not_depend_on_cutting(
        input in stream(),
        points in prop::collection::vec(any::<Index>(), 0..4),
        max_line_len in 4..60usize,
        max_event_size in 4..80usize,
    ) {
        let input = input.0;
        let limits = { let mut limits = Limits::default(); limits.max_line_len = max_line_len; limits.max_event_size = max_event_size; limits };
        let proto = Decoder::with_limits(limits);
        let whole = run_borrowed(&proto, &[&input]);
        let pieces = cut(&input, &points);
        let bytewise: Vec<&[u8]> = input.chunks(1).collect();
        for (name, run) in PATHS {
            let got = run(&proto, &pieces);
            prop_assert_eq!(&got, &whole, "{} on pieces of {}", name, show(&input));
            let got = run(&proto, &bytewise);
            prop_assert_eq!(&got, &whole, "{} on single bytes of {}", name, show(&input));
        }
    }
}
