//! Conformance tests for `sse_wire::sse`, derived from the WHATWG HTML Living Standard, section
//! 9.2 "Server-sent events": 9.2.5 "Parsing an event stream" (the ABNF) and 9.2.6 "Interpreting
//! an event stream" (line splitting, the field steps and the dispatch steps for web browsers).
//! Vectors marked "WPT" are adapted from the web-platform-tests `eventsource/format-*` tests.
//!
//! Every input goes through `sse_wire_testkit::sse::check` (or `check_splits`), which decodes it whole, cut in
//! two at every byte boundary, and in one-byte pieces, through the borrowed `decode`,
//! `decode_buf`, `decode_bytes` and `BytesDecoder` paths, and asserts that all of them agree with
//! each other (and, for `check`, with the reference decoder in `sse_wire_testkit`). The limit vectors go
//! through `check_limited`, which also compares items, errors (kind, limit and offset), last event
//! ID, retry and the whole `finish()` report with the reference decoder run with the same limits.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use sse_wire::sse::{BytesDecoder, DecodeError, Decoder, Item, ItemRef, Limit, Limits, Truncated};
use sse_wire_testkit::sse::{
    assert_matches_reference, check, check_limited, check_no_comments, comment, control,
    decode_bytes, ev, from_item, from_item_ref, msg, reference, run_all_paths, with_eol,
    with_eol_bytes, RefEvent, RefItem, EOLS, PATHS,
};

/// Asserts, for each way of ending lines, that `template` (with `\n` standing for the line end)
/// decodes to `expected` and that `finish()` reports a clean end.
fn assert_items(template: &str, expected: &[RefItem]) {
    for eol in EOLS {
        let input = with_eol(template, eol);
        let run = check(&input);
        assert_eq!(run.ok_items(), expected, "line ends {eol}: {input:?}");
        assert_eq!(run.finish, Ok(()), "line ends {eol}: {input:?}");
    }
}

/// As `assert_items`, for a template given as bytes.
fn assert_items_bytes(template: &[u8], expected: &[RefItem]) {
    for eol in EOLS {
        let input = with_eol_bytes(template, eol);
        let run = check(&input);
        assert_eq!(run.ok_items(), expected, "line ends {eol}: {input:?}");
    }
}

fn ms(n: u64) -> Option<Duration> {
    Some(Duration::from_millis(n))
}

fn truncated(fields: usize, data_len: usize, partial_line: usize) -> Result<(), Truncated> {
    Err(Truncated {
        fields,
        data_len,
        partial_line,
    })
}

fn limited(max_line_len: usize, max_event_size: usize) -> Decoder {
    Decoder::with_limits({
        let mut limits = Limits::default();
        limits.max_line_len = max_line_len;
        limits.max_event_size = max_event_size;
        limits
    })
}

// =============================================================================================
// Line ends
// =============================================================================================

// WHATWG SSE "Interpreting an event stream": "a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF)
// character pair, a single U+000A LINE FEED (LF) character not preceded by a U+000D CARRIAGE
// RETURN (CR) character, and a single U+000D CARRIAGE RETURN (CR) character not followed by a
// U+000A LINE FEED (LF) character being the ways in which a line can end."
#[test]
fn each_kind_of_line_end_ends_a_line() {
    assert_items("data: a\ndata: b\n\ndata: c\n\n", &[msg("a\nb"), msg("c")]);
}

// WHATWG SSE "Interpreting an event stream": "a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF)
// character pair" is one line end, even when the CR and the LF arrive in different pieces.
#[test]
fn cr_at_end_of_piece_and_lf_at_start_of_next_are_one_line_end() {
    // Were the LF a second line end it would be a blank line and dispatch "a" alone.
    let pieces: [&[u8]; 2] = [b"data: a\r", b"\ndata: b\r\n\r\n"];
    let run = run_all_paths(&Decoder::new(), &pieces);
    assert_eq!(run.ok_items(), [msg("a\nb")]);
    assert_eq!(run.finish, Ok(()));
    let pieces: [&[u8]; 3] = [b"data: a\r", b"\n", b"data: b\r\n\r\n"];
    assert_eq!(
        run_all_paths(&Decoder::new(), &pieces).ok_items(),
        [msg("a\nb")]
    );
    check(b"data: a\r\ndata: b\r\n\r\n");
}

// WHATWG SSE "Interpreting an event stream": "a single U+000D CARRIAGE RETURN (CR) character not
// followed by a U+000A LINE FEED (LF) character" ends a line, whatever comes in the next piece.
#[test]
fn cr_at_end_of_piece_then_other_byte_is_a_line_end() {
    let pieces: [&[u8]; 2] = [b"data: a\r", b"data: b\r\r"];
    let run = run_all_paths(&Decoder::new(), &pieces);
    assert_eq!(run.ok_items(), [msg("a\nb")]);
    // A CR then a CR in the next piece: the second CR is a blank line.
    let pieces: [&[u8]; 2] = [b"data: a\r", b"\r"];
    let run = run_all_paths(&Decoder::new(), &pieces);
    assert_eq!(run.ok_items(), [msg("a")]);
    assert_eq!(run.finish, Ok(()));
    check(b"data: a\rdata: b\r\r");
}

// WHATWG SSE "Interpreting an event stream": a lone CR ends a line without waiting to see what
// follows: "data: a" CR then a CR (a blank line) dispatches at once, before the stream ends.
#[test]
fn lone_cr_blank_line_dispatches_without_more_input() {
    let mut decoder = Decoder::new();
    let d = decoder.decode(b"data: a\r\r").unwrap();
    match d.item {
        Some(ItemRef::Event(e)) => assert_eq!(e.data(), "a"),
        other => panic!("expected the event at once, got {other:?}"),
    }

    let mut decoder = Decoder::new();
    let mut buf = BytesMut::from(&b"data: b\n\r"[..]);
    let item = decoder.decode_buf(&mut buf).unwrap();
    assert!(
        matches!(&item, Some(Item::Event(e)) if e.data() == "b"),
        "expected the event at once, got {item:?}"
    );
}

// WHATWG SSE "Interpreting an event stream": CR CR LF LF is three line ends (CR, CRLF, LF) after
// a line (see also the 2009 public-webapps thread: "\r\r\n\n" is "strictly as three line
// endings").
#[test]
fn cr_cr_lf_lf_is_three_line_ends() {
    let run = check(b"data: a\r\r\n\ndata: b\n\n");
    assert_eq!(run.ok_items(), [msg("a"), msg("b")]);
    let run = check(b"data: a\rdata: b\r\r\n");
    assert_eq!(run.ok_items(), [msg("a\nb")]);
}

// WHATWG SSE "Interpreting an event stream": LF then CR is two line ends ("a single U+000A LINE
// FEED (LF)" and "a single U+000D CARRIAGE RETURN (CR) character not followed by" LF), so the
// CR is a blank line.
#[test]
fn lf_cr_is_two_line_ends() {
    let run = check(b"data: a\n\rdata: b\n\n");
    assert_eq!(run.ok_items(), [msg("a"), msg("b")]);
}

// WPT eventsource/format-newlines: "data:test\r\ndata\ndata:test\r\n\r\n" gives "test\n\ntest".
#[test]
fn wpt_format_newlines() {
    let run = check(b"data:test\r\ndata\ndata:test\r\n\r\n");
    assert_eq!(run.ok_items(), [msg("test\n\ntest")]);
}

// WHATWG SSE "Parsing an event stream": any-char excludes only LF and CR, so a line made of
// spaces or tabs is not empty and is not a blank line ("If the line is empty (a blank line)").
#[test]
fn whitespace_only_line_is_not_a_blank_line() {
    assert_items("data: a\n \ndata: b\n\t\n\n", &[msg("a\nb")]);
}

// =============================================================================================
// Byte order mark
// =============================================================================================

// WHATWG SSE "Interpreting an event stream": "The UTF-8 decode algorithm strips one leading UTF-8
// Byte Order Mark (BOM), if any."
#[test]
fn leading_bom_is_stripped() {
    assert_items("\u{FEFF}data: a\n\n", &[msg("a")]);
    assert_items("\u{FEFF}: hi\n", &[comment(" hi")]);
    assert_items("\u{FEFF}\ndata: a\n\n", &[msg("a")]);
}

// WHATWG SSE "Interpreting an event stream": "strips one leading UTF-8 Byte Order Mark (BOM)"
// of the stream, however the stream is cut into pieces.
#[test]
fn leading_bom_split_over_pieces() {
    let splits: [&[&[u8]]; 6] = [
        &[b"\xEF", b"\xBB\xBFdata: a\n\n"],
        &[b"\xEF\xBB", b"\xBFdata: a\n\n"],
        &[b"\xEF", b"\xBB", b"\xBF", b"data: a\n\n"],
        &[b"", b"\xEF\xBB\xBFdata: a\n\n"],
        &[b"", b"\xEF", b"", b"\xBB\xBF", b"data: a\n\n"],
        &[b"\xEF\xBB\xBF", b"data: a\n\n"],
    ];
    for pieces in splits {
        let run = run_all_paths(&Decoder::new(), pieces);
        assert_eq!(run.ok_items(), [msg("a")], "{pieces:?}");
        assert_eq!(run.finish, Ok(()), "{pieces:?}");
    }
}

// WHATWG SSE "Interpreting an event stream": only "one leading" BOM is stripped; a second one is
// a character of the first line, so "\u{FEFF}data" is an unknown field name ("Otherwise The field
// is ignored"). WPT eventsource/format-bom-2: two BOMs then "data:1", "data:2", "data:3" gives
// "2" then "3".
#[test]
fn second_bom_is_not_stripped() {
    let run = check("\u{FEFF}\u{FEFF}data:1\n\ndata:2\n\ndata:3\n\n".as_bytes());
    assert_eq!(run.ok_items(), [msg("2"), msg("3")]);
    // In a value it is data.
    let run = check("\u{FEFF}data:\u{FEFF}x\n\n".as_bytes());
    assert_eq!(run.ok_items(), [msg("\u{FEFF}x")]);
    // A second BOM before a colon makes a field, not a comment.
    let run = check("\u{FEFF}\u{FEFF}: x\n\n".as_bytes());
    assert_eq!(run.ok_items(), []);
}

// WHATWG SSE "Interpreting an event stream": the BOM is stripped only where it leads the stream.
#[test]
fn bom_not_at_start_is_not_stripped() {
    assert_items(
        "data: a\n\n\u{FEFF}data: b\n\ndata: c\n\n",
        &[msg("a"), msg("c")],
    );
    assert_items("data: \u{FEFF}b\n\n", &[msg("\u{FEFF}b")]);
    assert_items("\n\u{FEFF}data: b\n\n", &[]);
}

// WHATWG SSE "Interpreting an event stream": "Streams must be decoded using the UTF-8 decode
// algorithm" (which strips a BOM only if all three bytes are there): a cut BOM is an invalid
// sequence, one U+FFFD, which then starts the field name.
#[test]
fn partial_bom_is_not_a_bom() {
    let run = check(b"\xEF\xBBdata: a\n\ndata: b\n\n");
    assert_eq!(run.ok_items(), [msg("b")]);
    let run = check(b"\xEFdata: a\n\ndata: b\n\n");
    assert_eq!(run.ok_items(), [msg("b")]);
    let run = check(b"\xEF\xBB: c\n");
    assert_eq!(run.ok_items(), []);
}

// WHATWG SSE "Interpreting an event stream": "Once the end of the file is reached, any pending
// data must be discarded": a stream that is only the start of a BOM is one U+FFFD on a line that
// never ended, which finish() documents as a partial line ("an unterminated line").
#[test]
fn partial_bom_at_end_of_stream_is_an_unterminated_line() {
    assert_eq!(check(b"\xEF\xBB").finish, truncated(0, 0, 2));
    assert_eq!(check(b"\xEF").finish, truncated(0, 0, 1));
}

// WPT eventsource/format-bom-utf-16: "Event streams are always decoded as UTF-8, so a UTF-16
// byte order mark turns into two U+FFFD at the start of the first line", the first message is "2".
#[test]
fn utf16_bom_is_not_a_bom() {
    for bom in [&b"\xFF\xFE"[..], b"\xFE\xFF"] {
        let mut input = bom.to_vec();
        input.extend_from_slice(b"data:1\n\ndata:2\n\n");
        assert_eq!(check(&input).ok_items(), [msg("2")]);
    }
}

// =============================================================================================
// Comments
// =============================================================================================

// WHATWG SSE "Interpreting an event stream": "If the line starts with a U+003A COLON character
// (:) Ignore the line." The crate surfaces the text after the colon, unstripped.
#[test]
fn comments_are_surfaced_with_text_after_the_colon() {
    assert_items(
        ": ping\n:\n::x\n:data: x\n\n:  two spaces \n",
        &[
            comment(" ping"),
            comment(""),
            comment(":x"),
            comment("data: x"),
            comment("  two spaces "),
        ],
    );
}

// WHATWG SSE "Interpreting an event stream": a comment is ignored ("Ignore the line"), whatever
// its bytes, so a comment with invalid UTF-8 inside an event changes nothing in that event's data
// (here data of two lines, and of one line).
#[test]
fn comment_with_invalid_utf8_inside_an_event_leaves_the_event_alone() {
    let run = check(b"data: a\ndata: b\n:\xFF\n\n");
    assert_eq!(run.ok_items(), [comment("\u{FFFD}"), msg("a\nb")]);
    let run = check(b"event: t\ndata: a\n:x\xC3\n\n");
    assert_eq!(
        run.ok_items(),
        [comment("x\u{FFFD}"), ev("t", "a", "", None)]
    );
}

// WHATWG SSE "Interpreting an event stream": a comment line is ignored, so it neither ends nor
// breaks the event around it; "Lines must be processed, in the order they are received".
#[test]
fn comment_inside_an_event_does_not_break_it() {
    assert_items("data: a\n: c\ndata: b\n\n", &[comment(" c"), msg("a\nb")]);
}

// WPT eventsource/format-comments ("comment fest"), with a shorter long comment line:
// "data:1\r:\0\n:\r\ndata:2\n:<long>\rdata:3\n:data:fail\r:<long>\ndata:4\n" gives "1\n2\n3\n4".
#[test]
fn wpt_format_comments() {
    let long = "x".repeat(300);
    let input =
        format!("data:1\r:\0\n:\r\ndata:2\n:{long}\rdata:3\n:data:fail\r:{long}\ndata:4\n\n");
    let run = check_no_comments(input.as_bytes());
    assert_eq!(run.ok_items(), [msg("1\n2\n3\n4")]);
    let run = check(input.as_bytes());
    assert_eq!(run.data(), ["1\n2\n3\n4"]);
    assert_eq!(run.ok_items().len(), 6);
}

// WHATWG SSE "Interpreting an event stream": comments are ignored; `.comments(false)` makes the
// decoder ignore them too.
#[test]
fn comments_can_be_suppressed() {
    let run = check_no_comments(b": x\ndata: a\n: y\n\n:z\n");
    assert_eq!(run.ok_items(), [msg("a")]);
    assert_eq!(run.finish, Ok(()));

    let mut decoder = Decoder::new().comments(false);
    let d = decoder.decode(b": keep-alive\n: another\n").unwrap();
    assert!(d.item.is_none());
    let d = decoder.decode(b"data: x\n\n").unwrap();
    assert!(matches!(d.item, Some(ItemRef::Event(e)) if e.data() == "x"));
    assert_eq!(
        check_no_comments(b": keep-alive\n: another\ndata: x\n\n").ok_items(),
        [msg("x")]
    );
}

// =============================================================================================
// Fields
// =============================================================================================

// WHATWG SSE "Interpreting an event stream": "Collect the characters on the line before the first
// U+003A COLON character (:), and let field be that string. Collect the characters on the line
// after the first U+003A COLON character (:), and let value be that string."
#[test]
fn field_is_split_at_the_first_colon() {
    assert_items(
        "data: a:b: c\n\nevent: x:y\ndata::\n\nid: i:d\ndata: 2\n\n",
        &[
            msg("a:b: c"),
            ev("x:y", ":", "", None),
            ev("message", "2", "i:d", None),
        ],
    );
}

// WHATWG SSE "Interpreting an event stream": "If value starts with a U+0020 SPACE character,
// remove it from value." (One space only; the spec's example "data:  third event" keeps a
// "single leading space character"; "data:test" and "data: test" fire "two identical events".)
#[test]
fn exactly_one_leading_space_is_removed() {
    assert_items(
        "data:test\n\ndata: test\n\ndata:  x\n\ndata: \n\ndata:\t x\n\ndata:x \n\n",
        &[
            msg("test"),
            msg("test"),
            msg(" x"),
            msg(""),
            msg("\t x"),
            msg("x "),
        ],
    );
    assert_items(
        "event:  t\nid:  7\ndata:   d\n\n",
        &[ev(" t", "  d", " 7", None)],
    );
}

// WHATWG SSE "Interpreting an event stream": "Otherwise, the string is not empty but does not
// contain a U+003A COLON character (:) Process the field ... using the whole line as the field
// name, and the empty string as the field value." The spec's example: "data\n\ndata\ndata\n\n"
// fires "" then "\n". WPT eventsource/format-field-data.
#[test]
fn line_without_colon_is_a_field_with_an_empty_value() {
    assert_items(
        "data:\n\ndata\ndata\n\ndata:test\n\n",
        &[msg(""), msg("\n"), msg("test")],
    );
    assert_items("data\ndata: x\n\n", &[msg("\nx")]);
    // `event` alone empties the event type buffer.
    assert_items("event: a\nevent\ndata: x\n\n", &[msg("x")]);
    // `id` alone empties the last event ID buffer (WPT eventsource/format-field-id-3, "id without
    // colon").
    assert_items(
        "id: 1\ndata: 1\n\nid\ndata: 2\n\ndata: 3\n\n",
        &[ev("message", "1", "1", None), msg("2"), msg("3")],
    );
}

// WHATWG SSE "Interpreting an event stream": "Field names must be compared literally, with no case
// folding performed."
#[test]
fn field_names_are_case_sensitive() {
    assert_items(
        "Data: x\nDATA: y\nEvent: e\nEVENT: e\nID: 1\nId: 1\nRetry: 5\nRETRY: 5\ndata: ok\n\n",
        &[msg("ok")],
    );
    let run = check(b"Retry: 5\nretrY: 6\n\n");
    assert_eq!(run.retry, None);
}

// WHATWG SSE "Interpreting an event stream": "Otherwise The field is ignored." WPT
// eventsource/format-field-unknown: "data:test\n data\ndata\nfoobar:xxx\njustsometext\n
// :thisisacommentyay\ndata:test" gives "test\n\ntest".
#[test]
fn unknown_fields_are_ignored() {
    let run = check_no_comments(
        b"data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n",
    );
    assert_eq!(run.ok_items(), [msg("test\n\ntest")]);
    // Near misses of the four names.
    assert_items(
        " data: a\ndata : b\ndat: c\ndatas: d\nevents: e\nid : f\nretr: 5\ndata\0: g\ndata: ok\n\n",
        &[msg("ok")],
    );
}

// WPT eventsource/format-field-parsing: "data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\n
// da-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n" (plus the closing blank line) gives
// "\0\n 2\n1\n3\n\n4".
#[test]
fn wpt_format_field_parsing() {
    let input = b"data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n";
    let run = check(input);
    assert_eq!(run.ok_items(), [msg("\0\n 2\n1\n3\n\n4")]);
}

// =============================================================================================
// data
// =============================================================================================

// WHATWG SSE "Interpreting an event stream": "Append the field value to the data buffer, then
// append a single U+000A LINE FEED (LF) character" and, at dispatch, "If the data buffer's last
// character is a U+000A LINE FEED (LF) character, then remove the last character". The spec's
// example: "data: YHOO\ndata: +2\ndata: 10" gives "YHOO\n+2\n10".
#[test]
fn data_lines_are_joined_with_lf() {
    assert_items("data: YHOO\ndata: +2\ndata: 10\n\n", &[msg("YHOO\n+2\n10")]);
    assert_items(
        "data: This is the first message.\n\ndata: This is the second message, it\ndata: has two lines.\n\ndata: This is the third message.\n\n",
        &[
            msg("This is the first message."),
            msg("This is the second message, it\nhas two lines."),
            msg("This is the third message."),
        ],
    );
}

// WHATWG SSE "Interpreting an event stream": only "the last character" is removed, once.
#[test]
fn only_one_trailing_lf_is_removed() {
    assert_items(
        "data: a\ndata\n\ndata\ndata\ndata\n\ndata:\ndata: b\n\n",
        &[msg("a\n"), msg("\n\n"), msg("\nb")],
    );
}

// WHATWG SSE "Parsing an event stream": any-char is "a scalar value other than U+000A LINE FEED
// (LF) or U+000D CARRIAGE RETURN (CR)": NUL and other controls are data. WPT
// eventsource/format-null-character: "data:\0\n\n" gives "\0".
#[test]
fn nul_and_controls_in_data_are_kept() {
    assert_items_bytes(b"data:\0\n\n", &[msg("\0")]);
    assert_items_bytes(
        b"data: a\tb\x0Bc\x0C\x7Fd\x1B\0\n\n",
        &[msg("a\tb\x0Bc\x0C\x7Fd\x1B\0")],
    );
    assert_items("data: trailing  \n\n", &[msg("trailing  ")]);
    // No rule strips NUL from an event type or a comment either.
    assert_items_bytes(
        b"event: a\0b\ndata: x\n\n:\0\n",
        &[ev("a\0b", "x", "", None), comment("\0")],
    );
}

// WHATWG SSE "Interpreting an event stream": the spec's example with four blocks: a comment, an
// event with "id: 1", an event whose bare "id" "resets the last event ID to the empty string",
// and "data:  third event" fired "with a single leading space character".
#[test]
fn spec_example_four_blocks() {
    let template =
        ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n";
    assert_items(
        template,
        &[
            comment(" test stream"),
            ev("message", "first event", "1", None),
            ev("message", "second event", "", None),
            ev("message", " third event", "", None),
        ],
    );
    assert_eq!(check(template.as_bytes()).last_event_id, "");
}

// WHATWG SSE "Interpreting an event stream": the spec's example "data\n\ndata\ndata\n\ndata:"
// fires "" then "\n"; "The last block is discarded because it is not followed by a blank line."
#[test]
fn spec_example_last_block_discarded() {
    for eol in EOLS {
        let input = with_eol("data\n\ndata\ndata\n\ndata:\n", eol);
        let run = check(&input);
        assert_eq!(run.ok_items(), [msg(""), msg("\n")], "{eol}");
        assert_eq!(run.finish, truncated(1, 0, 0), "{eol}");
    }
    // Without a line end after "data:", it is an unterminated line of 5 bytes.
    let run = check(b"data\n\ndata\ndata\n\ndata:");
    assert_eq!(run.ok_items(), [msg(""), msg("\n")]);
    assert_eq!(run.finish, truncated(0, 0, 5));
}

// =============================================================================================
// event
// =============================================================================================

// WHATWG SSE "Interpreting an event stream": an event's fields stay what they were set to however
// much else (comments, unknown fields) comes between them and the blank line; the crate copies
// its zero-copy fields out once more than 4 KiB would be pinned, which must change nothing. Input
// of about 10 KB: cut every 61 bytes and fed one byte at a time rather than at every boundary.
#[test]
fn fields_survive_long_comments_and_unknown_fields() {
    let pad = "p".repeat(5000);
    let input = format!(
        "event: big\nid: 7\n:{pad}\ndata: a\nx-pad: {pad}\ndata: b\n\nid: 8\n:{pad}\n\ndata: c\n\n"
    );
    let input = input.as_bytes();
    let expected = [
        comment(&pad),
        ev("big", "a\nb", "7", None),
        comment(&pad),
        control("8", None, true, false),
        ev("message", "c", "8", None),
    ];
    let proto = Decoder::new();
    let whole = run_all_paths(&proto, &[input]);
    assert_eq!(whole.ok_items(), expected);
    assert_eq!(whole.last_event_id, "8");
    assert_matches_reference(&whole, &reference(input, true), input);
    for step in [61, 4099, 5003] {
        let pieces: Vec<&[u8]> = input.chunks(step).collect();
        assert_eq!(run_all_paths(&proto, &pieces), whole, "pieces of {step}");
    }
    let bytewise: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(run_all_paths(&proto, &bytewise), whole);
    let quiet = run_all_paths(&Decoder::new().comments(false), &[input]);
    assert_eq!(quiet.events(), whole.events());
}

// WHATWG SSE dispatch steps: "Initialize event's type attribute to "message"", then "If the event
// type buffer has a value other than the empty string, change the type", then "Set the data
// buffer and the event type buffer to the empty string."
#[test]
fn event_type_defaults_to_message_and_resets_after_dispatch() {
    assert_items(
        "event: add\ndata: 73857293\n\ndata: 2\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n",
        &[
            ev("add", "73857293", "", None),
            msg("2"),
            ev("remove", "2153", "", None),
            ev("add", "113411", "", None),
        ],
    );
}

// WHATWG SSE dispatch step 2: "If the data buffer is an empty string, set the data buffer and the
// event type buffer to the empty string and return." An event type with no data is forgotten.
#[test]
fn event_type_is_reset_even_when_nothing_is_dispatched() {
    assert_items("event: a\n\ndata: x\n\n", &[msg("x")]);
    assert_items(
        "event: a\ndata\n\ndata: y\n\n",
        &[ev("a", "", "", None), msg("y")],
    );
}

// WHATWG SSE dispatch step 6: the type changes only if "the event type buffer has a value other
// than the empty string". WPT eventsource/format-field-event-empty: "event: \ndata:data" fires a
// "message" event.
#[test]
fn empty_event_field_means_message() {
    assert_items("event: \ndata:data\n\n", &[msg("data")]);
    assert_items("event:\ndata:data\n\n", &[msg("data")]);
    assert_items("event: message\ndata: m\n\n", &[msg("m")]);
}

// WHATWG SSE "Interpreting an event stream": "Set the event type buffer to the field value" (the
// last one wins). WPT eventsource/format-field-event: "event: test\ndata: x" fires type "test".
#[test]
fn last_event_field_wins() {
    assert_items(
        "event: a\nevent: b\ndata: x\n\nevent: test\ndata: x\n\n",
        &[ev("b", "x", "", None), ev("test", "x", "", None)],
    );
    assert_items("data: x\nevent: late\n\n", &[ev("late", "x", "", None)]);
}

// =============================================================================================
// id
// =============================================================================================

// WHATWG SSE dispatch step 1: "The buffer does not get reset, so the last event ID string of the
// event source remains set to this value until the next time it is set by the server." WPT
// eventsource/format-field-id-3 "lastEventId persists".
#[test]
fn id_persists_across_events() {
    assert_items(
        "id: 1\ndata: 1\n\ndata: 2\n\nid: 2\ndata: 3\n\ndata: 4\n\n",
        &[
            ev("message", "1", "1", None),
            ev("message", "2", "1", None),
            ev("message", "3", "2", None),
            ev("message", "4", "2", None),
        ],
    );
    assert_eq!(
        check(b"id: 1\ndata: 1\n\ndata: 2\n\nid: 2\ndata: 3\n\ndata: 4\n\n").last_event_id,
        "2"
    );
}

// WHATWG SSE "Interpreting an event stream": "set the last event ID buffer to the field value"
// even when it is empty: the spec's example "resets the last event ID to the empty string". WPT
// eventsource/format-field-id-3 "lastEventId resets".
#[test]
fn empty_id_resets_it() {
    assert_items(
        "id: 1\ndata: 1\n\nid:\ndata: 2\n\ndata: 3\n\n",
        &[ev("message", "1", "1", None), msg("2"), msg("3")],
    );
    assert_items(
        "id: 1\ndata: 1\n\nid: \ndata: 2\n\n",
        &[ev("message", "1", "1", None), msg("2")],
    );
    let run = check(b"id: 1\n\nid\n\n");
    assert_eq!(run.last_event_id, "");
}

// WHATWG SSE "Interpreting an event stream": "If the field value does not contain U+0000 NULL,
// then set the last event ID buffer to the field value. Otherwise, ignore the field."
#[test]
fn id_containing_nul_is_ignored() {
    assert_items_bytes(
        b"id: 1\n\nid: a\0b\ndata: x\n\nid: \0\ndata: y\n\nid:\0\n\ndata: z\n\n",
        &[
            control("1", None, true, false),
            ev("message", "x", "1", None),
            ev("message", "y", "1", None),
            ev("message", "z", "1", None),
        ],
    );
    assert_eq!(check(b"id: 1\n\nid: 2\0\n\n").last_event_id, "1");
}

// WHATWG SSE dispatch step 5: lastEventId is "the last event ID string of the event source" at
// dispatch, so an `id` after the `data` lines of an event applies to that event.
#[test]
fn event_carries_the_id_in_force_at_dispatch() {
    assert_items(
        "data: a\nid: 7\n\ndata: b\nid: 8\nid: 9\n\n",
        &[ev("message", "a", "7", None), ev("message", "b", "9", None)],
    );
}

// WHATWG SSE dispatch steps 1 and 2: the last event ID string is set before "If the data buffer
// is an empty string ... return", so an id-only block moves it without firing anything.
#[test]
fn id_only_block_updates_last_event_id_without_dispatching() {
    for eol in EOLS {
        let run = check(&with_eol("id: 7\n\n", eol));
        assert_eq!(run.ok_items(), [control("7", None, true, false)], "{eol}");
        assert_eq!(run.last_event_id, "7", "{eol}");
        assert_eq!(run.finish, Ok(()), "{eol}");
    }
    assert_items(
        "id: 7\n\ndata: x\n\n",
        &[
            control("7", None, true, false),
            ev("message", "x", "7", None),
        ],
    );
}

// WHATWG SSE: the "last event ID string" changes only when the event is dispatched ("Set the last
// event ID string of the event source to the value of the last event ID buffer"), which happens at
// a blank line, not when the `id` line is read.
#[test]
fn last_event_id_updates_at_the_blank_line_not_mid_event() {
    let mut decoder = Decoder::new();
    let mut buf: Vec<u8> = b"id: 5\ndata: x\n".to_vec();
    let d = decoder.decode(&buf).unwrap();
    assert!(d.item.is_none());
    let consumed = d.consumed;
    assert_eq!(decoder.last_event_id(), "");
    buf.drain(..consumed);
    buf.extend_from_slice(b"\nid: 6\n");
    let d = decoder.decode(&buf).unwrap();
    let consumed = d.consumed;
    match d.item {
        Some(ItemRef::Event(e)) => assert_eq!((e.data(), e.id()), ("x", "5")),
        other => panic!("expected the event, got {other:?}"),
    }
    buf.drain(..consumed);
    assert_eq!(decoder.last_event_id(), "5");
    let d = decoder.decode(&buf).unwrap();
    let consumed = d.consumed;
    assert!(d.item.is_none());
    buf.drain(..consumed);
    assert_eq!(decoder.last_event_id(), "5", "id: 6 is not dispatched yet");
    buf.extend_from_slice(b"\n");
    let d = decoder.decode(&buf).unwrap();
    match d.item {
        Some(ItemRef::Control(c)) => assert_eq!((c.id(), c.id_field()), ("6", Some("6"))),
        other => panic!("an id-only block fires no event, got {other:?}"),
    }
    assert_eq!(decoder.last_event_id(), "6");
    let run = check(b"id: 5\ndata: x\n\nid: 6\n\n");
    assert_eq!(
        run.ok_items(),
        [
            ev("message", "x", "5", None),
            control("6", None, true, false)
        ]
    );
    assert_eq!(run.last_event_id, "6");
}

// WHATWG SSE "Interpreting an event stream": "Once the end of the file is reached, any pending
// data must be discarded": an `id` whose block never ended is never dispatched.
#[test]
fn id_of_an_event_cut_off_at_eof_is_not_committed() {
    let run = check(b"id: 1\ndata: a\n\nid: 9\n");
    assert_eq!(run.ok_items(), [ev("message", "a", "1", None)]);
    assert_eq!(run.last_event_id, "1");
    assert_eq!(run.finish, truncated(1, 0, 0));
    let run = check(b"id: 1\ndata: a\n\nid: 9\ndata: b\n");
    assert_eq!(run.last_event_id, "1");
    assert_eq!(run.finish, truncated(2, 1, 0));
}

// =============================================================================================
// retry
// =============================================================================================

// WHATWG SSE "Interpreting an event stream": "If the field value consists of only ASCII digits,
// then interpret the field value as an integer in base ten, and set the event stream's
// reconnection time to that integer."
#[test]
fn retry_sets_the_reconnection_time() {
    assert_items(
        "retry: 5000\ndata: x\n\ndata: y\n\n",
        &[
            ev("message", "x", "", Some(5000)),
            ev("message", "y", "", Some(5000)),
        ],
    );
    assert_eq!(check(b"retry: 5000\ndata: x\n\n").retry, ms(5000));
    // The reconnection time in force at dispatch, wherever its line was in the block.
    assert_items(
        "data: x\nretry: 9\n\nretry: 10\nretry: 11\ndata: y\n\n",
        &[
            ev("message", "x", "", Some(9)),
            ev("message", "y", "", Some(11)),
        ],
    );
    assert_items("retry:0\ndata: z\n\n", &[ev("message", "z", "", Some(0))]);
}

// WHATWG SSE: `retry` sets "the event stream's reconnection time" when its line is processed; it
// does not depend on an event being dispatched.
#[test]
fn retry_on_its_own_block_is_applied() {
    for eol in EOLS {
        let run = check(&with_eol("retry: 5000\n\n", eol));
        assert_eq!(
            run.ok_items(),
            [control("", Some(5000), false, true)],
            "{eol}"
        );
        assert_eq!(run.retry, ms(5000), "{eol}");
        assert_eq!(run.finish, Ok(()), "{eol}");
    }
}

// WHATWG SSE: the `retry` line is processed when read, even if the stream then ends before the
// blank line ("any pending data must be discarded" concerns the event, not the reconnection
// time).
#[test]
fn retry_in_an_event_cut_off_at_eof_is_still_applied() {
    let run = check(b"retry: 7\ndata: x\n");
    assert_eq!(run.ok_items(), []);
    assert_eq!(run.retry, ms(7));
    assert_eq!(run.finish, truncated(2, 1, 0));
    let run = check(b"data: x\nretry: 7\r");
    assert_eq!(run.retry, ms(7));
    assert!(run.finish.is_err());
}

// WHATWG SSE: a `retry` line that never ended is not a line yet; it is pending data discarded at
// the end of the file.
#[test]
fn unterminated_retry_line_is_not_applied() {
    let run = check(b"retry: 5");
    assert_eq!(run.retry, None);
    assert_eq!(run.finish, truncated(0, 0, 8));
}

// WHATWG SSE "Interpreting an event stream": retry "consists of only ASCII digits ... Otherwise,
// ignore the field." Signs, spaces (beyond the one stripped), letters, dots, NUL, non-ASCII digits
// (U+0665 ARABIC-INDIC DIGIT FIVE, U+FF15 FULLWIDTH DIGIT FIVE) and the empty value are all
// ignored.
#[test]
fn retry_with_anything_but_ascii_digits_is_ignored() {
    let bogus: [&str; 15] = [
        "retry: +5",
        "retry: -5",
        "retry: 5 ",
        "retry:  5",
        "retry: 5a",
        "retry: a5",
        "retry: 5.0",
        "retry: 0x10",
        "retry: 1e3",
        "retry: 5\0",
        "retry: \u{0665}",
        "retry: \u{FF15}",
        "retry:",
        "retry: ",
        "retry",
    ];
    for line in bogus {
        for eol in EOLS {
            let input = with_eol(&format!("retry: 1000\n\n{line}\ndata: x\n\n"), eol);
            let run = check(&input);
            assert_eq!(
                run.ok_items(),
                [
                    control("", Some(1000), false, true),
                    ev("message", "x", "", Some(1000))
                ],
                "{line:?} ({eol})"
            );
            assert_eq!(run.retry, ms(1000), "{line:?} ({eol})");
        }
        assert_eq!(
            check(format!("{line}\n\n").as_bytes()).retry,
            None,
            "{line:?}"
        );
    }
}

// WPT eventsource/format-field-retry: "retry:03000" is 3000 ("1536 in octal, but should be
// 3000"); leading zeros are digits like any other.
#[test]
fn retry_with_leading_zeros_is_decimal() {
    assert_eq!(check(b"retry:03000\ndata:x\n\n").retry, ms(3000));
    assert_eq!(
        check(b"retry: 000000000000000000000000000000000000042\n\n").retry,
        ms(42)
    );
    assert_eq!(
        check(b"retry: 00000000018446744073709551615\n\n").retry,
        ms(u64::MAX)
    );
}

// WPT eventsource/format-field-retry-bogus: "retry:3000\nretry:1000x\ndata:x" keeps 3000.
// WPT eventsource/format-field-retry-empty: "retry\ndata:test" leaves the reconnection time unset.
#[test]
fn wpt_retry_bogus_and_empty() {
    let run = check(b"retry:3000\nretry:1000x\ndata:x\n\n");
    assert_eq!(run.ok_items(), [ev("message", "x", "", Some(3000))]);
    let run = check(b"retry\ndata:test\n\n");
    assert_eq!(run.ok_items(), [msg("test")]);
    assert_eq!(run.retry, None);
}

// WHATWG SSE "interpret the field value as an integer in base ten": u64::MAX milliseconds is
// taken; one more does not fit and is ignored, as Chromium does (documented crate choice).
#[test]
fn retry_u64_max_is_accepted_and_u64_max_plus_one_ignored() {
    let run = check(b"retry: 18446744073709551615\ndata: x\n\n");
    assert_eq!(run.ok_items(), [ev("message", "x", "", Some(u64::MAX))]);
    let run = check(b"retry: 5\n\nretry: 18446744073709551616\ndata: x\n\n");
    assert_eq!(
        run.ok_items(),
        [
            control("", Some(5), false, true),
            ev("message", "x", "", Some(5))
        ]
    );
    assert_eq!(run.retry, ms(5));
    let run = check(b"retry: 99999999999999999999999999999999\n\n");
    assert_eq!(run.retry, None);
}

// =============================================================================================
// Dispatch and the end of the stream
// =============================================================================================

// WHATWG SSE dispatch step 2: "If the data buffer is an empty string ... return": a blank line
// with no data fires nothing. (Step 1 still set the last event ID string: the crate reports that
// block as a control item, which is not an event.)
#[test]
fn blank_line_with_empty_data_dispatches_nothing() {
    assert_items("\n\n\n", &[]);
    assert_items("event: x\n\n", &[]);
    assert_items("id: 1\n\n", &[control("1", None, true, false)]);
    assert_items("foo: bar\n\n", &[]);
    assert_items("\n\n\ndata: a\n\n\n\n", &[msg("a")]);
}

// WHATWG SSE "Interpreting an event stream": "If the file ends in the middle of an event, before
// the final empty line, the incomplete event is not dispatched." `finish()` says what was
// dropped.
#[test]
fn eof_in_the_middle_of_an_event_dispatches_nothing() {
    let run = check(b"data: a\ndata: bc\n");
    assert_eq!(run.ok_items(), []);
    assert_eq!(run.finish, truncated(2, 4, 0));
    let run = check(b"data: a\ndata: bc");
    assert_eq!(run.ok_items(), []);
    assert_eq!(run.finish, truncated(1, 1, 8));
    let run = check(b"data: ok\n\nevent: e\nid: 4\nfoo\n");
    assert_eq!(run.ok_items(), [msg("ok")]);
    assert_eq!(run.finish, truncated(3, 0, 0));
    // An unterminated comment line is a partial line too, and is not surfaced.
    let run = check(b"data: ok\n\n: x");
    assert_eq!(run.ok_items(), [msg("ok")]);
    assert_eq!(run.finish, truncated(0, 0, 3));
    // A leading BOM is not part of the line.
    let run = check(b"\xEF\xBB\xBFdata");
    assert_eq!(run.finish, truncated(0, 0, 4));
}

// WHATWG SSE "Interpreting an event stream": a stream that ends right after a blank line (or
// after comments between events) left nothing pending.
#[test]
fn eof_after_a_complete_event_is_clean() {
    for template in [
        "data: a\n\n",
        "data: a\n\n: bye\n",
        "data: a\n\n\n",
        "",
        ": x\n",
    ] {
        for eol in EOLS {
            let run = check(&with_eol(template, eol));
            assert_eq!(run.finish, Ok(()), "{template:?} ({eol})");
        }
    }
    assert_eq!(check(b"\xEF\xBB\xBF").finish, Ok(()));
}

// WHATWG SSE "Interpreting an event stream": a final CR "not followed by a U+000A LINE FEED (LF)
// character" ends its line, so "data: a\r" at the end of the file is a complete line of an event
// that no blank line ended; "data: a\r\r" is a complete event.
#[test]
fn stream_ending_with_cr_after_data() {
    let run = check(b"data: a\r");
    assert_eq!(run.ok_items(), []);
    assert_eq!(run.finish, truncated(1, 1, 0));
    let run = check(b"data: a\r\r");
    assert_eq!(run.ok_items(), [msg("a")]);
    assert_eq!(run.finish, Ok(()));
    let run = check(b"data: a\n\r");
    assert_eq!(run.ok_items(), [msg("a")]);
    assert_eq!(run.finish, Ok(()));
}

// =============================================================================================
// UTF-8
// =============================================================================================

// WHATWG SSE "Interpreting an event stream": "Streams must be decoded using the UTF-8 decode
// algorithm", which replaces each maximal invalid subpart with one U+FFFD, in every part of the
// stream: data, event type, id, comments.
#[test]
fn invalid_utf8_becomes_replacement_characters() {
    let run = check(b"data: a\xFFb\n\n");
    assert_eq!(run.ok_items(), [msg("a\u{FFFD}b")]);
    let run = check(b"event: \xC3\x28\ndata: x\n\n");
    assert_eq!(run.ok_items(), [ev("\u{FFFD}(", "x", "", None)]);
    let run = check(b"id: \xFE7\ndata: x\n\n");
    assert_eq!(run.ok_items(), [ev("message", "x", "\u{FFFD}7", None)]);
    assert_eq!(run.last_event_id, "\u{FFFD}7");
    let run = check(b":\xFE\xFF ok\n");
    assert_eq!(run.ok_items(), [comment("\u{FFFD}\u{FFFD} ok")]);
    // Truncated sequences: one U+FFFD each; a surrogate and an overlong form: one per byte.
    let run = check(b"data: \xE2\x82|\xF0\x9F\x98|\xED\xA0\x80|\xC0\xAF|\x80\n\n");
    assert_eq!(
        run.ok_items(),
        [msg(
            "\u{FFFD}|\u{FFFD}|\u{FFFD}\u{FFFD}\u{FFFD}|\u{FFFD}\u{FFFD}|\u{FFFD}"
        )]
    );
    // A truncated sequence right before a line end does not swallow it.
    let run = check(b"data: \xE2\x82\ndata: ok\n\n");
    assert_eq!(run.ok_items(), [msg("\u{FFFD}\nok")]);
    let run = check(b"data: \xF0\x9F\rdata: ok\r\r");
    assert_eq!(run.ok_items(), [msg("\u{FFFD}\nok")]);
}

// WHATWG SSE "Interpreting an event stream": field names are compared after decoding, so a name
// with an invalid byte is just an unknown name.
#[test]
fn invalid_utf8_in_a_field_name_makes_it_unknown() {
    let run = check(b"dat\xFFa: x\n\xC3: y\ndata: z\n\n");
    assert_eq!(run.ok_items(), [msg("z")]);
}

// WHATWG SSE: the stream is decoded as one UTF-8 text, so a character cut across pieces decodes
// as if it had come whole (`check` cuts at every byte boundary and feeds one byte at a time).
#[test]
fn multibyte_characters_split_across_pieces() {
    let run = check("event: é\nid: 日本\ndata: 😀 ß\n: ü\n\n".as_bytes());
    assert_eq!(
        run.ok_items(),
        [comment(" ü"), ev("é", "😀 ß", "日本", None)]
    );
    let pieces: [&[u8]; 3] = [b"data: \xF0", b"\x9F\x98", b"\x80\n\n"];
    let run = run_all_paths(&Decoder::new(), &pieces);
    assert_eq!(run.ok_items(), [msg("😀")]);
}

// =============================================================================================
// Real-world streams
// =============================================================================================

// WHATWG SSE "Interpreting an event stream": an LLM-style stream of one-line JSON `data` events
// ended by `data: [DONE]`, with keep-alive comments.
#[test]
fn llm_style_stream() {
    let mut input = String::from(": OPENROUTER PROCESSING\n\n");
    let tokens = ["Hel", "lo", ",", " wor", "ld", "!"];
    for t in tokens {
        input.push_str(&format!(
            "data: {{\"id\":\"c1\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{t}\"}}}}]}}\n\n"
        ));
    }
    input.push_str("data: [DONE]\n\n");
    for eol in EOLS {
        let bytes = with_eol(&input, eol);
        let run = check(&bytes);
        let data = run.data();
        assert_eq!(data.len(), tokens.len() + 1, "{eol}");
        for (d, t) in data.iter().zip(tokens) {
            assert!(d.contains(&format!("\"content\":\"{t}\"")), "{d} ({eol})");
            assert!(d.starts_with('{') && d.ends_with('}'), "{d} ({eol})");
        }
        assert_eq!(data.last().unwrap(), "[DONE]");
        assert_eq!(run.ok_items()[0], comment(" OPENROUTER PROCESSING"));
        assert_eq!(run.finish, Ok(()));
    }
    // The same answer cut off before its last blank line is reported, not mistaken for a
    // finished one.
    let cut = &input.as_bytes()[..input.len() - 1];
    let run = check(cut);
    assert_eq!(run.data().len(), tokens.len());
    assert_eq!(run.finish, truncated(1, 6, 0));
}

// An Anthropic-style stream: typed events, a ping, data that is JSON containing colons.
#[test]
fn typed_event_stream() {
    let input = "event: message_start\ndata: {\"type\":\"message_start\"}\n\nevent: ping\ndata: {\"type\": \"ping\"}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"a: b\"}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    let run = check(input.as_bytes());
    let types: Vec<String> = run.events().into_iter().map(|e| e.event_type).collect();
    assert_eq!(
        types,
        [
            "message_start",
            "ping",
            "content_block_delta",
            "message_stop"
        ]
    );
    assert_eq!(
        run.data()[2],
        "{\"type\":\"content_block_delta\",\"delta\":{\"text\":\"a: b\"}}"
    );
}

// =============================================================================================
// Limits (crate-defined; the spec has none)
// =============================================================================================

// Documented: `LimitExceeded { limit: LineLen }` at "the first byte past the limit"; items before it come first; "the
// event in progress is discarded and decoding resumes after the next blank line".
#[test]
fn line_too_long() {
    let decoder = limited(16, 1 << 20);
    let long = format!("data: {}", "x".repeat(30));
    let input = format!("data: ok\n\n{long}\ndata: same event\n\ndata: next\n\n");
    let run = check_limited(&decoder, input.as_bytes());
    assert_eq!(
        run.items,
        [
            Ok(msg("ok")),
            Err(DecodeError::LimitExceeded {
                limit: Limit::LineLen,
                offset: 10 + 16
            }),
            Ok(msg("next")),
        ]
    );
    assert_eq!(run.finish, Ok(()));
    // Same items, same offsets, in one-byte pieces (also asserted inside check_splits).
    let bytewise: Vec<&[u8]> = input.as_bytes().chunks(1).collect();
    assert_eq!(run_all_paths(&decoder, &bytewise), run);
}

// Documented: after a limit error "lines are discarded until the next blank line": a second
// long line in the discarded event is part of what is discarded, not a new error, and the result
// must not depend on how the input is cut.
#[test]
fn second_long_line_in_a_discarded_event() {
    let decoder = limited(16, 1 << 20);
    let input = format!("data: {x}\ndata: {x}\n\ndata: next\n\n", x = "x".repeat(30));
    let run = check_limited(&decoder, input.as_bytes());
    assert_eq!(
        run.items,
        [
            Err(DecodeError::LimitExceeded {
                limit: Limit::LineLen,
                offset: 16
            }),
            Ok(msg("next")),
        ]
    );
}

// Documented: the line limit bounds what the caller must hold; a long line whose first piece
// already passes the limit is reported once, and the event after the next blank line is decoded.
#[test]
fn long_line_cut_after_the_limit() {
    let decoder = limited(16, 1 << 20);
    let input = format!("data: {}\n\ndata: next\n\n", "x".repeat(30));
    let bytes = input.as_bytes();
    let expected = [
        Err(DecodeError::LimitExceeded {
            limit: Limit::LineLen,
            offset: 16,
        }),
        Ok(msg("next")),
    ];
    for cut in [17, 18, 20] {
        let run = run_all_paths(&decoder, &[&bytes[..cut], &bytes[cut..]]);
        assert_eq!(run.items, expected, "cut at {cut}");
    }
    assert_eq!(check_limited(&decoder, bytes).items, expected);
}

// Documented: the limit counts the line without its line end: a line of exactly the limit is
// accepted whatever ends it, even a CRLF cut between pieces (`check_splits`).
#[test]
fn line_of_exactly_the_limit_is_accepted() {
    let decoder = limited(16, 1 << 20);
    for eol in EOLS {
        let input = with_eol("data: 0123456789\n:0123456789abcde\n\n", eol);
        let run = check_limited(&decoder, &input);
        assert_eq!(
            run.items,
            [Ok(comment("0123456789abcde")), Ok(msg("0123456789"))],
            "{eol}"
        );
    }
    let run = check_limited(&decoder, b"data: 01234567890\n\n");
    assert_eq!(
        run.items,
        [Err(DecodeError::LimitExceeded {
            limit: Limit::LineLen,
            offset: 16
        })]
    );
}

// Documented: `LimitExceeded { limit: LineLen }` applies to lines "of any kind: field, comment or unterminated last
// line".
#[test]
fn line_too_long_comment_and_unterminated_line() {
    let decoder = limited(8, 1 << 20);
    // A comment outside any event costs only itself: the event after it survives.
    let run = check_limited(&decoder, b"data: a\n\n:0123456789\ndata: b\n\ndata: c\n\n");
    assert_eq!(
        run.items,
        [
            Ok(msg("a")),
            Err(DecodeError::LimitExceeded {
                limit: Limit::LineLen,
                offset: 9 + 8
            }),
            Ok(msg("b")),
            Ok(msg("c")),
        ]
    );
    let run = check_limited(&decoder, b"data: a\n\ndata: 0123456789");
    assert_eq!(
        run.items,
        [
            Ok(msg("a")),
            Err(DecodeError::LimitExceeded {
                limit: Limit::LineLen,
                offset: 9 + 8
            }),
        ]
    );
}

// Documented: `LimitExceeded { limit: EventSize }` when "the joined data lines, as dispatched" exceed the limit, at
// "the first data byte past the limit"; data of exactly the limit is accepted.
#[test]
fn event_too_large() {
    let decoder = limited(1 << 20, 8);
    let run = check_limited(&decoder, b"data: 12345678\n\n");
    assert_eq!(run.items, [Ok(msg("12345678"))]);
    let run = check_limited(&decoder, b"data: 1234\ndata: 567\n\n");
    assert_eq!(run.items, [Ok(msg("1234\n567"))]);

    let input = b"data: a\n\ndata: 123456789\ndata: same\n\ndata: next\n\n";
    let run = check_limited(&decoder, input);
    assert_eq!(
        run.items,
        [
            Ok(msg("a")),
            Err(DecodeError::LimitExceeded {
                limit: Limit::EventSize,
                offset: 9 + 6 + 8
            }),
            Ok(msg("next")),
        ]
    );
    assert_eq!(run.finish, Ok(()));

    // Over two lines: "abc\ndefg" is 8 bytes; "abc\ndefgh" puts "h" past the limit.
    let run = check_limited(&decoder, b"data: abc\ndata: defgh\n\ndata: ok\n\n");
    assert_eq!(
        run.items,
        [
            Err(DecodeError::LimitExceeded {
                limit: Limit::EventSize,
                offset: 10 + 6 + 4
            }),
            Ok(msg("ok")),
        ]
    );
}

// Documented on `DecodeError`: the dropped event's data goes, its `id` still becomes the last
// event ID (issue 25), through the `Control` item after the error.
#[test]
fn limit_error_drops_the_event_but_commits_its_id() {
    let decoder = limited(24, 1 << 20);
    let input = format!(
        "id: 1\ndata: a\n\nid: 2\ndata: {}\n\ndata: b\n\n",
        "x".repeat(40)
    );
    let run = check_limited(&decoder, input.as_bytes());
    assert_eq!(
        run.items,
        [
            Ok(ev("message", "a", "1", None)),
            Err(DecodeError::LimitExceeded {
                limit: Limit::LineLen,
                offset: 15 + 6 + 24
            }),
            Ok(RefItem::Control {
                id: "2".into(),
                retry: None,
                id_set: true,
                retry_set: false
            }),
            Ok(ev("message", "b", "2", None)),
        ]
    );
    assert_eq!(run.last_event_id, "2");
}

// Documented: "on error nothing is consumed and calling again with the same buffer continues",
// and "items decoded before the error are all returned" first.
#[test]
fn borrowed_decode_error_consumes_nothing_and_resumes() {
    let mut decoder = limited(12, 1 << 20);
    let mut buf: Vec<u8> = b"data: a\n\ndata: b\n\ndata: 0123456789\n\ndata: c\n\n".to_vec();
    let mut seen = Vec::new();
    let mut errors = Vec::new();
    for _ in 0..10 {
        match decoder.decode(&buf) {
            Ok(d) => {
                let consumed = d.consumed;
                let item = d.item.map(|i| match i {
                    ItemRef::Event(e) => e.data().to_owned(),
                    other => panic!("{other:?}"),
                });
                buf.drain(..consumed);
                match item {
                    Some(data) => seen.push(data),
                    None => break,
                }
            }
            Err(e) => {
                assert!(seen.len() == 2, "both earlier events come before the error");
                errors.push(e);
            }
        }
    }
    assert_eq!(seen, ["a", "b", "c"]);
    assert_eq!(
        errors,
        [DecodeError::LimitExceeded {
            limit: Limit::LineLen,
            offset: 18 + 12
        }]
    );
    assert!(buf.is_empty());
    assert_eq!(decoder.finish(), Ok(()));
    let run = check_limited(
        &limited(12, 1 << 20),
        b"data: a\n\ndata: b\n\ndata: 0123456789\n\ndata: c\n\n",
    );
    assert_eq!(
        run.items,
        [
            Ok(msg("a")),
            Ok(msg("b")),
            Err(DecodeError::LimitExceeded {
                limit: Limit::LineLen,
                offset: 30
            }),
            Ok(msg("c")),
        ]
    );
}

// Documented: "On error nothing is consumed: call again with the same buffer to go on." Here the
// call that fails has first passed an id-only block (which dispatches nothing, so the call goes
// on to the next line); the error must not lose track of those bytes: one error per discarded
// event, at the right offset, then the next event.
#[test]
fn limit_error_right_after_an_id_only_block() {
    let decoder = limited(1 << 20, 4);
    let input = b"id: 1234567890\n\ndata: 0123456\n\ndata: hi\n\n";
    let run = check_limited(&decoder, input);
    assert_eq!(
        run.items,
        [
            Ok(control("1234567890", None, true, false)),
            Err(DecodeError::LimitExceeded {
                limit: Limit::EventSize,
                offset: 16 + 6 + 4
            }),
            Ok(ev("message", "hi", "1234567890", None)),
        ]
    );
    let decoder = limited(12, 1 << 20);
    let input = b"id: 1\n\ndata: 0123456789xyz\n\ndata: abcdefg\n\n";
    let run = check_limited(&decoder, input);
    assert_eq!(
        run.items,
        [
            Ok(control("1", None, true, false)),
            Err(DecodeError::LimitExceeded {
                limit: Limit::LineLen,
                offset: 7 + 12
            }),
            Err(DecodeError::LimitExceeded {
                limit: Limit::LineLen,
                offset: 28 + 12
            }),
        ]
    );
    assert_eq!(run.last_event_id, "1");
}

// =============================================================================================
// Reconnection: a new stream on the same decoder after finish()
// =============================================================================================

// WHATWG SSE dispatch step 1: the last event ID string "remains set to this value until the next
// time it is set by the server", across reconnections; the new stream is decoded with "the UTF-8
// decode algorithm" again, so its own leading BOM is stripped. Documented: finish() keeps the
// last event id and retry, and checks for a BOM again.
#[test]
fn new_stream_after_finish_keeps_id_and_retry_and_strips_its_bom() {
    for (name, _) in PATHS {
        let (first, second) = reconnect(
            name,
            b"\xEF\xBB\xBFid: 1\nretry: 10\ndata: a\n\ndata: cut off",
            b"\xEF\xBB\xBFdata: b\n\n",
        );
        assert_eq!(first.0, [ev("message", "a", "1", Some(10))], "{name}");
        assert_eq!(first.1, truncated(0, 0, 13), "{name}");
        assert_eq!(second.0, [ev("message", "b", "1", Some(10))], "{name}");
        assert_eq!(second.1, Ok(()), "{name}");
    }
}

// WHATWG SSE "Interpreting an event stream": a new stream's data and event type buffers start
// empty ("They must be initialized to the empty string"); nothing of the cut-off event leaks in.
#[test]
fn new_stream_after_finish_starts_with_empty_buffers() {
    for (name, _) in PATHS {
        let (first, second) = reconnect(name, b"event: x\ndata: a\n", b"data: b\n\n");
        assert_eq!(first.0, [], "{name}");
        assert_eq!(first.1, truncated(2, 1, 0), "{name}");
        assert_eq!(second.0, [msg("b")], "{name}");
        let (_, second) = reconnect(name, b"data: a\r", b"\ndata: b\n\n");
        assert_eq!(second.0, [msg("b")], "{name}");
        let (_, second) = reconnect(name, b"id: 5\ndata: a\n", b"data: b\n\n");
        assert_eq!(
            second.0,
            [msg("b")],
            "{name}: the cut-off id is not in force"
        );
    }
}

type StreamOutcome = (Vec<RefItem>, Result<(), Truncated>);

/// Decodes `first`, calls finish(), decodes `second`, calls finish(), with one decoder driven
/// through the path called `name`.
fn reconnect(name: &str, first: &[u8], second: &[u8]) -> (StreamOutcome, StreamOutcome) {
    fn event_of(e: &sse_wire::sse::Event) -> RefItem {
        RefItem::Event(RefEvent {
            event_type: e.event_type().to_owned(),
            data: e.data().to_owned(),
            id: e.id().to_owned(),
            retry: e.retry(),
        })
    }
    fn owned(item: Item) -> RefItem {
        match item {
            Item::Event(e) => event_of(&e),
            Item::Comment(c) => comment(&c),
            other => panic!("{other:?}"),
        }
    }
    match name {
        "decode (borrowed)" => {
            let mut decoder = Decoder::new();
            let mut go = |input: &[u8]| {
                let mut buf = input.to_vec();
                let mut items = Vec::new();
                loop {
                    let d = decoder.decode(&buf).unwrap();
                    let consumed = d.consumed;
                    let item = d.item.map(|i| match i {
                        ItemRef::Event(e) => owned(Item::Event(e.into_owned())),
                        ItemRef::Comment(c) => comment(c),
                        other => panic!("{other:?}"),
                    });
                    buf.drain(..consumed);
                    match item {
                        Some(i) => items.push(i),
                        None => break,
                    }
                }
                (items, decoder.finish())
            };
            let a = go(first);
            (a, go(second))
        }
        "decode_buf (BytesMut)" => {
            let mut decoder = Decoder::new();
            let mut go = |input: &[u8]| {
                let mut buf = BytesMut::from(input);
                let mut items = Vec::new();
                while let Some(item) = decoder.decode_buf(&mut buf).unwrap() {
                    items.push(owned(item));
                }
                (items, decoder.finish())
            };
            let a = go(first);
            (a, go(second))
        }
        "decode_bytes (Bytes)" => {
            let mut decoder = Decoder::new();
            let mut go = |input: &[u8]| {
                let mut buf = Bytes::copy_from_slice(input);
                let mut items = Vec::new();
                while let Some(item) = decode_bytes(&mut decoder, &mut buf).unwrap() {
                    items.push(owned(item));
                }
                (items, decoder.finish())
            };
            let a = go(first);
            (a, go(second))
        }
        // (The `next_ref` paths share the iterator's pieces and tail.)
        n if n.starts_with("BytesDecoder") => {
            let mut decoder = BytesDecoder::new();
            let mut go = |input: &[u8]| {
                let mut items = Vec::new();
                // One byte at a time, to also cross the piece boundaries.
                for b in input {
                    decoder.push(Bytes::copy_from_slice(&[*b]));
                    for item in &mut decoder {
                        items.push(owned(item.unwrap()));
                    }
                }
                (items, decoder.finish())
            };
            let a = go(first);
            (a, go(second))
        }
        other => panic!("unknown path {other}"),
    }
}

// =============================================================================================
// The borrowed API's contract
// =============================================================================================

// Documented: the caller "MUST drop exactly" `consumed` bytes and keep the rest; giving fewer
// bytes than the decoder retained is reported as `InputShrunk`, not misread.
#[test]
fn borrowed_decode_reports_a_shrunk_input() {
    let mut decoder = Decoder::new();
    let input = b"data: par";
    let d = decoder.decode(input).unwrap();
    assert!(d.item.is_none());
    let consumed = d.consumed;
    let retained = input.len() - consumed;
    assert!(
        retained > 0,
        "the borrowed path copies nothing, so it keeps the partial line"
    );
    let shorter = &input[consumed..input.len() - 1];
    assert_eq!(
        decoder.decode(shorter).unwrap_err(),
        DecodeError::InputShrunk {
            offset: consumed as u64
        }
    );
    // Given the right bytes again, it goes on.
    let mut buf = input[consumed..].to_vec();
    buf.extend_from_slice(b"tial\n\n");
    let d = decoder.decode(&buf).unwrap();
    assert!(matches!(d.item, Some(ItemRef::Event(e)) if e.data() == "partial"));
    assert_eq!(check(b"data: partial\n\n").ok_items(), [msg("partial")]);
}

// Documented: `Decoded::item` is `None` when the input "holds no complete item", and the event
// accessors give the type ("message" by default), data, id and retry.
#[test]
fn borrowed_decode_item_accessors() {
    let mut decoder = Decoder::new();
    let d = decoder.decode(b"").unwrap();
    assert_eq!(d.consumed, 0);
    assert!(d.item.is_none());
    let d = decoder
        .decode(b"retry: 3\nid: x\nevent: e\ndata: d\n\n")
        .unwrap();
    let Some(ItemRef::Event(e)) = d.item else {
        panic!("expected an event")
    };
    assert_eq!(
        (e.event_type(), e.data(), e.id(), e.retry()),
        ("e", "d", "x", ms(3))
    );
    let owned = e.into_owned();
    assert_eq!(
        (owned.event_type(), owned.data(), owned.id(), owned.retry()),
        ("e", "d", "x", ms(3))
    );
    assert_eq!(d.consumed, 33);
    assert_eq!(decoder.last_event_id(), "x");
    assert_eq!(decoder.retry(), ms(3));
    let run = check(b"retry: 3\nid: x\nevent: e\ndata: d\n\n");
    assert_eq!(run.ok_items(), [ev("e", "d", "x", Some(3))]);
}

// =============================================================================================
// Limits: what an oversized line costs
// =============================================================================================

// WHATWG SSE "Interpreting an event stream": a comment line is ignored and belongs to no field;
// a blank line dispatches the event whose field lines precede it. A line over `max_line_len`
// costs the event it belongs to, and only that one: a comment outside any event costs only
// itself, so the event after a long keep-alive still arrives.
#[test]
fn oversized_comment_outside_an_event_costs_only_itself() {
    let decoder = limited(8, 1 << 20);
    let input = b"data: a\n\n: a very long keep-alive comment\ndata: b\n\n";
    let run = check_limited(&decoder, input);
    assert_eq!(
        run.items,
        [
            Ok(msg("a")),
            Err(DecodeError::LimitExceeded {
                limit: Limit::LineLen,
                offset: 9 + 8
            }),
            Ok(msg("b")),
        ]
    );
    assert_eq!(run.finish, Ok(()));
    // Inside an event a long comment costs that event (its fields were pending) ...
    let run = check_limited(&decoder, b"data: x\n:0123456789\ndata: y\n\ndata: z\n\n");
    assert_eq!(
        run.items,
        [
            Err(DecodeError::LimitExceeded {
                limit: Limit::LineLen,
                offset: 8 + 8
            }),
            Ok(msg("z")),
        ]
    );
    // ... and a long field line costs the event it starts, up to its blank line.
    let run = check_limited(&decoder, b"data: 0123456789\ndata: y\n\ndata: z\n\n");
    assert_eq!(
        run.items,
        [
            Err(DecodeError::LimitExceeded {
                limit: Limit::LineLen,
                offset: 8
            }),
            Ok(msg("z")),
        ]
    );
    // Two long comments in a row, the second unterminated at the end: two errors, no event lost.
    let run = check_limited(&decoder, b":0123456789\ndata: a\n\n:0123456789");
    assert_eq!(
        run.items,
        [
            Err(DecodeError::LimitExceeded {
                limit: Limit::LineLen,
                offset: 8
            }),
            Ok(msg("a")),
            Err(DecodeError::LimitExceeded {
                limit: Limit::LineLen,
                offset: 21 + 8
            }),
        ]
    );
}

// =============================================================================================
// Ending a stream the caller stopped reading early
// =============================================================================================

/// `finish` after an LLM client's loop breaks at `data: [DONE]`, through each decoding path,
/// with `tail` in the same read after the marker.
fn finish_after_done(tail: &[u8]) -> [Result<(), Truncated>; 4] {
    let mut input = b"data: {\"t\":\"hi\"}\n\ndata: [DONE]\n\n".to_vec();
    input.extend_from_slice(tail);
    let is_done = |data: &str| data == "[DONE]";

    let mut decoder = Decoder::new();
    let mut buf = &input[..];
    loop {
        let d = decoder.decode(buf).unwrap();
        buf = &buf[d.consumed..];
        match d.item {
            Some(ItemRef::Event(e)) if is_done(e.data()) => break,
            Some(_) => {}
            None => panic!("no [DONE]"),
        }
    }
    // Decode what is left (dropping it), then judge the end.
    loop {
        match decoder.decode(buf) {
            Ok(d) if d.item.is_none() => break,
            Ok(d) => buf = &buf[d.consumed..],
            Err(_) => {} // a limit error: decoding goes on
        }
    }
    let borrowed = decoder.finish();

    let mut decoder = Decoder::new();
    let mut buf = BytesMut::from(&input[..]);
    while let Some(item) = decoder.decode_buf(&mut buf).unwrap() {
        if matches!(&item, Item::Event(e) if is_done(e.data())) {
            break;
        }
    }
    while decoder.decode_buf(&mut buf).unwrap().is_some() {}
    let decode_buf = decoder.finish();

    // The same over a `BytesMut` made from one `Bytes` (what `decode_bytes` did).
    let mut decoder = Decoder::new();
    let mut bytes = BytesMut::from(Bytes::from(input.clone()));
    while let Some(item) = decoder.decode_buf(&mut bytes).unwrap() {
        if matches!(&item, Item::Event(e) if is_done(e.data())) {
            break;
        }
    }
    while decoder.decode_buf(&mut bytes).unwrap().is_some() {}
    let decode_bytes = decoder.finish();

    let mut decoder = BytesDecoder::new();
    decoder.push(Bytes::from(input));
    for item in &mut decoder {
        if matches!(&item, Ok(Item::Event(e)) if is_done(e.data())) {
            break;
        }
    }
    [borrowed, decode_buf, decode_bytes, decoder.finish()]
}

// WHATWG SSE "Interpreting an event stream": "If the file ends in the middle of an event, before
// the final empty line, the incomplete event is not dispatched." Truncation means exactly that,
// or a last line without its line end: complete items after the point where the caller stopped
// reading (a keep-alive, another event) are not a truncation.
#[test]
fn finish_after_breaking_at_done_judges_only_what_is_cut() {
    for tail in [
        &b""[..],
        b": keep-alive\n",
        b"data: after\n\n",
        b"id: 3\n\n: ping\r\n",
    ] {
        assert_eq!(finish_after_done(tail), [Ok(()); 4], "{tail:?}");
    }
    for (tail, want) in [
        (&b"data: cut"[..], truncated(0, 0, 9)),
        (b"data: a\n", truncated(1, 1, 0)),
        (b": ping\ndata: ab\nid: 1\n", truncated(2, 2, 0)),
        (b"data: x\n\n:", truncated(0, 0, 1)),
    ] {
        assert_eq!(finish_after_done(tail), [want; 4], "{tail:?}");
    }
    // Pieces pushed and never iterated are decoded before the verdict.
    let mut decoder = BytesDecoder::new();
    decoder.push(Bytes::from_static(b"data: a\n\n"));
    assert_eq!(decoder.finish(), Ok(()));
    let mut decoder = BytesDecoder::new();
    decoder.push(Bytes::from_static(b"data: a\n"));
    decoder.push(Bytes::from_static(b"\ndata: b"));
    assert_eq!(decoder.finish(), truncated(0, 0, 7));
}

// =============================================================================================
// Reconnecting
// =============================================================================================

// WHATWG SSE "Processing model": on reconnection the event source keeps its last event ID string
// (sent as `Last-Event-ID`) and its reconnection time, and the new response is a new stream,
// parsed from its start ("a data buffer, an event type buffer, and a last event ID buffer must
// be associated with it"). What the old connection left half done must not run into it.
#[test]
fn reconnect_drops_the_old_connections_partial_line_and_event() {
    let first: &[u8] = b"id: 1\nretry: 50\ndata: a\n\nevent: x\ndata: {\"partial";
    let second: &[u8] = b"\xEF\xBB\xBFretry: 300\ndata: b\n\n";
    let want = ev("message", "b", "1", Some(300));

    let mut decoder = Decoder::new();
    let d = decoder.decode(first).unwrap();
    assert!(matches!(d.item, Some(ItemRef::Event(_))));
    let rest = &first[d.consumed..];
    assert!(decoder.decode(rest).unwrap().item.is_none());
    decoder.reset();
    assert_eq!((decoder.last_event_id(), decoder.retry()), ("1", ms(50)));
    let d = decoder.decode(second).unwrap();
    assert_eq!(d.item.map(from_item_ref), Some(want.clone()));
    assert_eq!(decoder.finish(), Ok(()));

    for owned_bytes in [false, true] {
        let mut decoder = Decoder::new();
        let mut items = Vec::new();
        if owned_bytes {
            let mut buf = Bytes::from_static(first);
            while let Some(item) = decode_bytes(&mut decoder, &mut buf).unwrap() {
                items.push(item);
            }
            decoder.reset();
            let mut buf = Bytes::from_static(second);
            while let Some(item) = decode_bytes(&mut decoder, &mut buf).unwrap() {
                items.push(item);
            }
        } else {
            let mut buf = BytesMut::from(first);
            while let Some(item) = decoder.decode_buf(&mut buf).unwrap() {
                items.push(item);
            }
            decoder.reset();
            let mut buf = BytesMut::from(second);
            while let Some(item) = decoder.decode_buf(&mut buf).unwrap() {
                items.push(item);
            }
        }
        let items: Vec<RefItem> = items.into_iter().map(from_item).collect();
        assert_eq!(
            items[1..],
            *std::slice::from_ref(&want),
            "owned bytes: {owned_bytes}"
        );
    }

    // Pieces as an HTTP client yields them, cut anywhere, with the drop mid-piece.
    for cut in 0..=first.len() {
        let mut decoder = BytesDecoder::new();
        decoder.push(Bytes::copy_from_slice(&first[..cut]));
        decoder.push(Bytes::copy_from_slice(&first[cut..]));
        let before: Vec<_> = (&mut decoder).map(Result::unwrap).collect();
        assert_eq!(before.len(), 1, "cut {cut}");
        decoder.reset();
        decoder.push(Bytes::from_static(second));
        let after: Vec<RefItem> = (&mut decoder).map(|i| from_item(i.unwrap())).collect();
        assert_eq!(after, std::slice::from_ref(&want), "cut {cut}");
        assert_eq!(decoder.finish(), Ok(()));
    }
}
