//! RFC 9112 §7.1 conformance of the chunked decoder and encoder, and one test per lesson of other
//! HTTP stacks' security advisories (each test names its advisory: GHSA or CVE id). Each test
//! names the rule it pins.

use bytes::{Buf, Bytes};
use sse_wire::chunked::{
    BytesDecoder, Chunk, ChunkExt, ChunkRef, DecodeError, Decoder, EncodeError, Encoder, Limit,
    Limits, TrailerField, LAST_CHUNK,
};
use sse_wire_testkit::chunked::{decode_pieces, decode_whole, Output};

fn ok(input: &[u8]) -> Output {
    ok_with(input, Limits::default())
}

fn ok_with(input: &[u8], config: Limits) -> Output {
    match decode_whole(input, config) {
        Ok(out) => out,
        Err(e) => panic!("{:?} rejected: {e}", String::from_utf8_lossy(input)),
    }
}

fn err(input: &[u8]) -> DecodeError {
    err_with(input, Limits::default())
}

fn err_with(input: &[u8], config: Limits) -> DecodeError {
    match decode_whole(input, config) {
        Ok(out) => panic!("{:?} accepted: {out:?}", String::from_utf8_lossy(input)),
        Err(e) => e,
    }
}

fn ext(name: &str, value: Option<&str>) -> (Vec<u8>, Option<Vec<u8>>) {
    (name.into(), value.map(Into::into))
}

fn field(name: &str, value: &str) -> (Vec<u8>, Vec<u8>) {
    (name.into(), value.into())
}

// ---------------------------------------------------------------------------------------
// Valid input
// ---------------------------------------------------------------------------------------

#[test]
fn chunks_then_last_chunk_then_final_crlf() {
    // RFC 9112 §7.1: chunked-body = *chunk last-chunk trailer-section CRLF
    let out = ok(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    assert_eq!(out.body, b"hello world");
    assert_eq!(out.chunks, [(5, vec![]), (6, vec![]), (0, vec![])]);
    assert!(out.trailers.is_empty());
    assert!(out.leftover.is_empty());
}

#[test]
fn empty_body_is_only_the_last_chunk() {
    // RFC 9112 §7.1: zero chunks is valid (`*chunk`).
    let out = ok(b"0\r\n\r\n");
    assert!(out.body.is_empty());
    assert_eq!(out.chunks, [(0, vec![])]);
}

#[test]
fn hex_digits_in_either_case_with_leading_zeros() {
    // RFC 9112 §7.1: chunk-size = 1*HEXDIG; HEXDIG is case-insensitive (RFC 5234 §2.3).
    let out = ok(b"A\r\n0123456789\r\n00a\r\nabcdefghij\r\n0000\r\n\r\n");
    assert_eq!(out.chunks, [(10, vec![]), (10, vec![]), (0, vec![])]);
    assert_eq!(out.body.len(), 20);
    let out = ok(b"1f\r\n0123456789abcdef0123456789abcde\r\n0\r\n\r\n");
    assert_eq!(out.chunks[0].0, 0x1f);
}

#[test]
fn last_chunk_may_repeat_zeros() {
    // RFC 9112 §7.1: last-chunk = 1*("0") [ chunk-ext ] CRLF
    let out = ok(b"000;end=1\r\n\r\n");
    assert_eq!(out.chunks, [(0, vec![ext("end", Some("1"))])]);
}

#[test]
fn largest_chunk_size_is_accepted_and_streamed() {
    // RFC 9112 §7.1.1: the size is any 1*HEXDIG that the recipient can represent; data is
    // handed out as it arrives, so a huge declared size costs nothing up front.
    let mut d = Decoder::new();
    let r = d.decode(b"ffffffffffffffff\r\nabc").unwrap();
    assert_eq!(r.consumed, 18);
    assert!(matches!(
        r.item,
        Some(ChunkRef::Header { size: u64::MAX, .. })
    ));
    let r = d.decode(b"abc").unwrap();
    assert_eq!(r.item, Some(ChunkRef::Data(b"abc")));
    assert_eq!(d.remaining_in_chunk(), u64::MAX - 3);
}

#[test]
fn chunk_data_is_opaque() {
    // RFC 9112 §7.1: chunk-data = 1*OCTET; framing-looking bytes inside data are data.
    let out = ok(b"d\r\n\r\n0\r\n\r\nX: y\r\n\r\n0\r\n\r\n");
    assert_eq!(out.body, b"\r\n0\r\n\r\nX: y\r\n");
}

#[test]
fn extensions_with_bws_tokens_and_quoted_strings() {
    // RFC 9112 §7.1.1: chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
    // chunk-ext-val = token / quoted-string; BWS around ";" and "=" is valid.
    let out = ok(b"3 ; a = 1\t;\tb;c=\"x y\" ;d=\"q\\\"\\\\\"\r\nabc\r\n0;e\r\n\r\n");
    assert_eq!(
        out.chunks,
        [
            (
                3,
                vec![
                    ext("a", Some("1")),
                    ext("b", None),
                    ext("c", Some("x y")),
                    ext("d", Some("q\"\\")),
                ]
            ),
            (0, vec![ext("e", None)]),
        ]
    );
}

#[test]
fn quoted_string_may_be_empty_and_hold_obs_text_and_separators() {
    // RFC 9110 §5.6.4: qdtext includes HTAB, SP and obs-text; ";" and "=" inside quotes are
    // content, not extension syntax.
    let out = ok(b"1;a=\"\";b=\"\t\x80\xff;c=d\"\r\nx\r\n0\r\n\r\n");
    assert_eq!(
        out.chunks[0].1,
        [
            (b"a".to_vec(), Some(vec![])),
            (b"b".to_vec(), Some(b"\t\x80\xff;c=d".to_vec())),
        ]
    );
}

#[test]
fn extensions_undici_rejects_are_valid() {
    // RFC 9112 §7.1.1: chunk-ext-val = token / quoted-string, and RFC 9110 §5.6.4 allows
    // quoted-pairs in a quoted-string; any number of extensions may follow one another. Node's
    // fetch (undici 6.x) rejects both of these (see the `ChunkExt` docs); they are valid here,
    // and the encoder writes the first shape for a value holding `"`.
    let out = ok(b"8;q=\"a \\\"b\\\"\"\r\n12345678\r\n1;b=1;c\r\nx\r\n0\r\n\r\n");
    assert_eq!(out.chunks[0].1, [ext("q", Some("a \"b\""))]);
    assert_eq!(out.chunks[1].1, [ext("b", Some("1")), ext("c", None)]);
    let mut wire = Vec::new();
    let q = [ChunkExt::with_value("q", "a \"b\"").unwrap()];
    Encoder::new().encode(b"12345678", &q, &mut wire).unwrap();
    assert_eq!(wire, b"8;q=\"a \\\"b\\\"\"\r\n12345678\r\n");
}

#[test]
fn extensions_are_exposed_raw_and_by_name() {
    // RFC 9112 §7.1.1: recipients ignore unrecognised extensions but may look some up.
    let mut d = Decoder::new();
    let r = d.decode(b"1;Sig=\"a\\\"b\";x\r\n").unwrap();
    let Some(ChunkRef::Header {
        size: 1,
        extensions,
    }) = r.item
    else {
        panic!("{r:?}")
    };
    assert_eq!(extensions.as_bytes(), b";Sig=\"a\\\"b\";x");
    let sig = extensions.get(b"sig").unwrap().value().unwrap();
    assert!(sig.is_quoted());
    assert_eq!(sig.raw(), b"a\\\"b");
    assert_eq!(&*sig.unescaped(), b"a\"b");
    assert_eq!(extensions.iter().count(), 2);
}

#[test]
fn trailer_fields_in_order_with_ows_trimmed() {
    // RFC 9112 §7.1.2: trailer-section = *( field-line CRLF );
    // RFC 9112 §5: field-line = field-name ":" OWS field-value OWS
    let out = ok(b"0\r\nA: 1\r\nb:2\r\nA:\t 3 x \t\r\nEmpty:\r\nSp:   \r\n\r\n");
    assert_eq!(
        out.trailers,
        [
            field("A", "1"),
            field("b", "2"),
            field("A", "3 x"),
            field("Empty", ""),
            field("Sp", ""),
        ]
    );
}

#[test]
fn framing_fields_in_trailers_are_inert_data() {
    // RFC 9110 §6.5.1: trailer fields are not merged into the header section; Content-Length
    // or Transfer-Encoding in a trailer does not change the framing (Node rejected these).
    let out = ok(b"3\r\nabc\r\n0\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\nrest");
    assert_eq!(out.body, b"abc");
    assert_eq!(out.trailers[0], field("Content-Length", "99"));
    assert_eq!(out.leftover, b"rest");
}

#[test]
fn trailer_values_may_hold_obs_text() {
    // RFC 9110 §5.5: field-vchar = VCHAR / obs-text
    let out = ok(b"0\r\nX: caf\xc3\xa9\r\n\r\n");
    assert_eq!(out.trailers, [(b"X".to_vec(), b"caf\xc3\xa9".to_vec())]);
}

#[test]
fn bytes_after_final_crlf_are_left_untouched() {
    // RFC 9112 §7.1 / §9.3: the body ends at the final CRLF; what follows is the next
    // (pipelined) message and must not be consumed.
    let wire = b"2\r\nok\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n";
    let mut d = Decoder::new();
    let mut buf = &wire[..];
    loop {
        let r = d.decode(buf).unwrap();
        let done = r.item == Some(ChunkRef::Done);
        buf = &buf[r.consumed..];
        if done {
            break;
        }
    }
    assert_eq!(buf, b"GET / HTTP/1.1\r\n\r\n");
    assert_eq!(d.position(), 12);
    assert!(d.is_done());
    let r = d.decode(buf).unwrap();
    assert_eq!((r.consumed, r.item), (0, Some(ChunkRef::Done)));
}

#[test]
fn data_is_returned_before_the_chunk_is_complete() {
    // Sans-IO streaming: body bytes come out as soon as they arrive.
    let mut d = Decoder::new();
    let r = d.decode(b"10\r\nabc").unwrap();
    assert_eq!(r.consumed, 4);
    let r = d.decode(b"abc").unwrap();
    assert_eq!((r.consumed, r.item), (3, Some(ChunkRef::Data(b"abc"))));
    assert_eq!(d.remaining_in_chunk(), 13);
    let r = d.decode(b"").unwrap();
    assert_eq!((r.consumed, r.item), (0, None));
}

#[test]
fn unfinished_lines_are_left_for_the_caller_and_cr_lf_can_split() {
    // A partial chunk line is not consumed; a CR and its LF may arrive in separate reads.
    let mut d = Decoder::new();
    assert_eq!(d.decode(b"5;a=\"x").unwrap().consumed, 0);
    assert_eq!(d.decode(b"5;a=\"x\"\r").unwrap().consumed, 0);
    let r = d.decode(b"5;a=\"x\"\r\nhel").unwrap();
    assert_eq!(r.consumed, 9);
    let r = d.decode(b"hel").unwrap();
    assert_eq!(r.item, Some(ChunkRef::Data(b"hel")));
    let r = d.decode(b"lo\r").unwrap();
    assert_eq!((r.consumed, r.item), (2, Some(ChunkRef::Data(b"lo"))));
    // The CR after data is consumed on its own; the LF comes later.
    let r = d.decode(b"\r").unwrap();
    assert_eq!((r.consumed, r.item), (1, None));
    let r = d.decode(b"\n0\r\n\r\n").unwrap();
    assert_eq!(r.consumed, 4);
}

// ---------------------------------------------------------------------------------------
// Leniencies
// ---------------------------------------------------------------------------------------

#[test]
fn trailing_whitespace_is_tolerated_by_default_and_rejected_by_strict() {
    // RFC 9112 §7.1.1 allows BWS only before ";" and around "="; SP/HTAB right before CRLF is
    // outside the grammar but sent in practice (hyper, Go, h11 accept it). Default tolerates
    // it (the line end and the values do not change); strict rejects it at its first byte.
    for (input, ws_at, chunk0) in [
        (&b"3 \r\nabc\r\n0\r\n\r\n"[..], 1u64, (3, vec![])),
        (b"3;a \t\r\nabc\r\n0\r\n\r\n", 3, (3, vec![ext("a", None)])),
        (
            b"3;a=b\t\r\nabc\r\n0\r\n\r\n",
            5,
            (3, vec![ext("a", Some("b"))]),
        ),
        (
            b"3;a=\"b\" \r\nabc\r\n0\r\n\r\n",
            7,
            (3, vec![ext("a", Some("b"))]),
        ),
    ] {
        let out = ok(input);
        assert_eq!(out.chunks[0], chunk0);
        let e = err_with(input, Limits::strict());
        assert_eq!(e, DecodeError::TrailingWhitespace { offset: ws_at });
    }
    // The whitespace is not part of the reported extensions.
    let mut d = Decoder::new();
    let Some(ChunkRef::Header { extensions, .. }) = d.decode(b"3;a=b \r\n").unwrap().item else {
        panic!()
    };
    assert_eq!(extensions.as_bytes(), b";a=b");
    // The last chunk too.
    assert_eq!(ok(b"0 \r\n\r\n").chunks, [(0, vec![])]);
    assert!(matches!(
        err_with(b"0 \r\n\r\n", Limits::strict()),
        DecodeError::TrailingWhitespace { .. }
    ));
}

#[test]
fn lenient_mode_accepts_bare_lf_line_ends_only() {
    // RFC 9112 §2.2 "MAY accept bare LF" does not cover chunked framing; the opt-in lenient
    // mode accepts it anyway (with the documented smuggling risk), but never a bare CR and
    // never a line break inside a quoted-string.
    let out = ok_with(b"3;a=1\nabc\n0\nX: y\n\nrest", Limits::lenient());
    assert_eq!(out.body, b"abc");
    assert_eq!(out.chunks[0].1, [ext("a", Some("1"))]);
    assert_eq!(out.trailers, [field("X", "y")]);
    assert_eq!(out.leftover, b"rest");
    let e = err_with(b"3\rabc\r\n0\r\n\r\n", Limits::lenient());
    assert_eq!(e, DecodeError::BareCr { offset: 1 });
    let e = err_with(b"3;a=\"x\ny\"\r\nabc\r\n0\r\n\r\n", Limits::lenient());
    assert_eq!(e, DecodeError::UnterminatedQuotedString { offset: 6 });
}

// ---------------------------------------------------------------------------------------
// Malformed input: one entry per rule, with its precise error kind and offset
// ---------------------------------------------------------------------------------------

/// (what, input, kind, offset) under `Limits::default()`.
const MALFORMED: &[(&str, &[u8], DecodeError)] = &[
    // RFC 9112 §7.1: chunk-size = 1*HEXDIG — it cannot be empty, signed, prefixed or padded.
    (
        "empty size",
        b"\r\nabc",
        DecodeError::InvalidChunkSize { offset: 0 },
    ),
    (
        "plus sign",
        b"+5\r\nhello\r\n0\r\n\r\n",
        DecodeError::InvalidChunkSize { offset: 0 },
    ),
    (
        "minus sign",
        b"-5\r\nhello\r\n0\r\n\r\n",
        DecodeError::InvalidChunkSize { offset: 0 },
    ),
    (
        "leading space",
        b" 5\r\nhello\r\n0\r\n\r\n",
        DecodeError::InvalidChunkSize { offset: 0 },
    ),
    (
        "leading tab",
        b"\t5\r\nhello\r\n0\r\n\r\n",
        DecodeError::InvalidChunkSize { offset: 0 },
    ),
    (
        "non-hex letter",
        b"g\r\n",
        DecodeError::InvalidChunkSize { offset: 0 },
    ),
    (
        "semicolon with no size",
        b";a\r\n",
        DecodeError::InvalidChunkSize { offset: 0 },
    ),
    (
        "0x prefix",
        b"0x5\r\nhello\r\n0\r\n\r\n",
        DecodeError::InvalidAfterChunkSize { offset: 1 },
    ),
    (
        "underscore",
        b"5_0\r\n",
        DecodeError::InvalidAfterChunkSize { offset: 1 },
    ),
    (
        "space inside size",
        b"5 0\r\n",
        DecodeError::InvalidAfterChunkSize { offset: 2 },
    ),
    (
        "NUL after size",
        b"5\x00\r\nhello\r\n0\r\n\r\n",
        DecodeError::InvalidAfterChunkSize { offset: 1 },
    ),
    (
        "VT after size",
        b"5\x0b\r\n",
        DecodeError::InvalidAfterChunkSize { offset: 1 },
    ),
    (
        "FF after size",
        b"5\x0c\r\n",
        DecodeError::InvalidAfterChunkSize { offset: 1 },
    ),
    // RFC 9112 §7.1: CRLF after the chunk line; data right after the size is not allowed.
    (
        "missing CRLF after size",
        b"5hello\r\n",
        DecodeError::InvalidAfterChunkSize { offset: 1 },
    ),
    (
        "bare CR after size",
        b"5\rhello\r\n",
        DecodeError::BareCr { offset: 1 },
    ),
    // RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF; EOF is not an end.
    (
        "truncated data",
        b"a\r\nhello",
        DecodeError::Truncated { offset: 8 },
    ),
    (
        "EOF in size line",
        b"5",
        DecodeError::Truncated { offset: 1 },
    ),
    (
        "EOF between CR and LF",
        b"5\r",
        DecodeError::Truncated { offset: 2 },
    ),
    (
        "EOF after data",
        b"5\r\nhello",
        DecodeError::Truncated { offset: 8 },
    ),
    (
        "EOF after data CR",
        b"5\r\nhello\r",
        DecodeError::Truncated { offset: 9 },
    ),
    (
        "EOF after last chunk",
        b"0\r\n",
        DecodeError::Truncated { offset: 3 },
    ),
    (
        "EOF in trailer",
        b"0\r\nX: y",
        DecodeError::Truncated { offset: 7 },
    ),
    (
        "EOF after trailer",
        b"0\r\nX: y\r\n",
        DecodeError::Truncated { offset: 9 },
    ),
    (
        "EOF before final LF",
        b"0\r\n\r",
        DecodeError::Truncated { offset: 4 },
    ),
    ("nothing at all", b"", DecodeError::Truncated { offset: 0 }),
    // RFC 9112 §7.1: CRLF after chunk-data, both bytes checked.
    (
        "garbage after data",
        b"5\r\nhelloXX0\r\n\r\n",
        DecodeError::MissingCrlfAfterData { offset: 8 },
    ),
    (
        "CR then garbage after data",
        b"5\r\nhello\rX0\r\n\r\n",
        DecodeError::BareCr { offset: 8 },
    ),
    (
        "LF then CR after data",
        b"5\r\nhello\n\r0\r\n\r\n",
        DecodeError::BareLf { offset: 8 },
    ),
    (
        "data longer than size",
        b"3\r\nhello\r\n0\r\n\r\n",
        DecodeError::MissingCrlfAfterData { offset: 6 },
    ),
    // RFC 9112 §7.1.1: chunk-ext-name = token; chunk-ext-val = token / quoted-string.
    (
        "empty extension",
        b"5;\r\nhello\r\n",
        DecodeError::InvalidExtension { offset: 2 },
    ),
    (
        "double semicolon",
        b"5;;a\r\nhello\r\n",
        DecodeError::InvalidExtension { offset: 2 },
    ),
    (
        "value without name",
        b"5;=1\r\nhello\r\n",
        DecodeError::InvalidExtension { offset: 2 },
    ),
    (
        "empty value",
        b"5;a=\r\nhello\r\n",
        DecodeError::InvalidExtension { offset: 4 },
    ),
    (
        "empty value before ;",
        b"5;a=;b\r\nhello\r\n",
        DecodeError::InvalidExtension { offset: 4 },
    ),
    (
        "two equals",
        b"5;a==b\r\nhello\r\n",
        DecodeError::InvalidExtension { offset: 4 },
    ),
    (
        "separator in name",
        b"5;a/b\r\nhello\r\n",
        DecodeError::InvalidExtension { offset: 3 },
    ),
    (
        "token then quote",
        b"5;a=b\"c\"\r\nhello\r\n",
        DecodeError::InvalidExtension { offset: 5 },
    ),
    (
        "text after quoted",
        b"5;a=\"b\"c\r\nhello\r\n",
        DecodeError::InvalidExtension { offset: 7 },
    ),
    (
        "space inside name",
        b"5;a b\r\nhello\r\n",
        DecodeError::InvalidExtension { offset: 4 },
    ),
    (
        "NUL in extension",
        b"5;a\x00\r\nhello\r\n",
        DecodeError::InvalidExtension { offset: 3 },
    ),
    (
        "DEL in value",
        b"5;a=\x7f\r\nhello\r\n",
        DecodeError::InvalidExtension { offset: 4 },
    ),
    (
        "CTL in quoted",
        b"5;a=\"b\x01\"\r\nhello\r\n",
        DecodeError::InvalidExtension { offset: 6 },
    ),
    (
        "NUL after backslash",
        b"5;a=\"\\\x00\"\r\nhello\r\n",
        DecodeError::InvalidExtension { offset: 6 },
    ),
    (
        "EOF in quoted-string",
        b"5;a=\"abc",
        DecodeError::Truncated { offset: 8 },
    ),
    // RFC 9110 §5.6.4: no CR or LF inside a quoted-string, escaped or not.
    (
        "CRLF in quoted",
        b"5;a=\"x\r\n\"\r\nhello\r\n",
        DecodeError::UnterminatedQuotedString { offset: 6 },
    ),
    (
        "unterminated quoted",
        b"5;a=\"hello\r\nhello\r\n",
        DecodeError::UnterminatedQuotedString { offset: 10 },
    ),
    (
        "escaped CR",
        b"5;a=\"\\\r\n\"\r\n",
        DecodeError::UnterminatedQuotedString { offset: 6 },
    ),
    (
        "escaped LF",
        b"5;a=\"\\\n\"\r\n",
        DecodeError::UnterminatedQuotedString { offset: 6 },
    ),
    (
        "escape eats closing quote",
        b"5;a=\"x\\\"\r\nhello\r\n",
        DecodeError::UnterminatedQuotedString { offset: 8 },
    ),
    // RFC 9112 §7.1.2 / §5: trailer field-line = field-name ":" OWS field-value OWS.
    (
        "trailer without colon",
        b"0\r\nX-Foo\r\n\r\n",
        DecodeError::MissingTrailerColon { offset: 8 },
    ),
    (
        "whitespace before colon",
        b"0\r\nX-Foo : a\r\n\r\n",
        DecodeError::WhitespaceBeforeColon { offset: 8 },
    ),
    (
        "empty trailer name",
        b"0\r\n: a\r\n\r\n",
        DecodeError::InvalidTrailerName { offset: 3 },
    ),
    (
        "separator in trailer name",
        b"0\r\nX(y): a\r\n\r\n",
        DecodeError::InvalidTrailerName { offset: 4 },
    ),
    (
        "NUL in trailer value",
        b"0\r\nX: a\x00b\r\n\r\n",
        DecodeError::InvalidTrailerValue { offset: 7 },
    ),
    (
        "DEL in trailer value",
        b"0\r\nX: \x7f\r\n\r\n",
        DecodeError::InvalidTrailerValue { offset: 6 },
    ),
    (
        "CR inside trailer value",
        b"0\r\nX: a\rb\r\n\r\n",
        DecodeError::BareCr { offset: 7 },
    ),
    (
        "bare LF after trailer",
        b"0\r\nX: a\n\r\n",
        DecodeError::BareLf { offset: 7 },
    ),
    (
        "bare CR at the end",
        b"0\r\n\rX",
        DecodeError::BareCr { offset: 3 },
    ),
    // RFC 9112 §5.2: obs-fold is not allowed in trailers (nor whitespace before a name).
    (
        "obs-fold",
        b"0\r\nA: b\r\n c\r\n\r\n",
        DecodeError::ObsFold { offset: 9 },
    ),
    (
        "tab fold",
        b"0\r\nA: b\r\n\tc\r\n\r\n",
        DecodeError::ObsFold { offset: 9 },
    ),
    (
        "space before first trailer",
        b"0\r\n X: y\r\n\r\n",
        DecodeError::ObsFold { offset: 3 },
    ),
];

#[test]
fn malformed_inputs_fail_with_their_precise_error() {
    for &(what, input, want) in MALFORMED {
        let e = err(input);
        assert_eq!(e, want, "{what}: {e}");
    }
}

#[test]
fn the_exact_reference_reports_the_same_errors() {
    // The reference written from the RFC 9112 §7.1 grammar, with the decoder's limits, must
    // fail every malformed case with the same kind at the same offset.
    use sse_wire_testkit::chunked::reference_decode_exact;
    for &(what, input, want) in MALFORMED {
        for config in [Limits::default(), Limits::strict()] {
            let e = reference_decode_exact(input, &config).unwrap_err();
            assert_eq!(e, want, "{what}: {e}");
        }
    }
}

#[test]
fn strict_mode_rejects_everything_the_default_rejects() {
    for &(what, input, want) in MALFORMED {
        let e = err_with(input, Limits::strict());
        assert_eq!(e, want, "{what}: {e}");
    }
}

// ---------------------------------------------------------------------------------------
// Other HTTP stacks' advisories (GHSA / CVE ids in each test)
// ---------------------------------------------------------------------------------------

#[test]
fn hyper_cve_2021_32714_size_overflow_is_an_error() {
    // hyper GHSA-5h46-h7hh-c6x9: `10000000000000005` wrapped to 5. Checked arithmetic: it
    // fails as an overflow on the 17th digit, with the default digit cap or a larger one. It is
    // never read as 5.
    let input = b"10000000000000005\r\nhello\r\n0\r\n\r\n";
    for config in [Limits::default(), {
        let mut l = Limits::default();
        l.max_size_digits = 64;
        l
    }] {
        let e = err_with(input, config);
        assert_eq!(e, DecodeError::ChunkSizeOverflow { offset: 16 });
    }
    let e = err(b"ffffffffffffffff0\r\n");
    assert_eq!(e, DecodeError::ChunkSizeOverflow { offset: 16 });
    // RFC 9112 §7.1: leading zeros are legal, so they do not overflow.
    let out = ok(b"00000000000000000000005\r\nhello\r\n0\r\n\r\n");
    assert_eq!(out.body, b"hello");
}

#[test]
fn leading_zeros_do_not_count_against_the_size_digit_limit() {
    // RFC 9112 §7.1: chunk-size = 1*HEXDIG and last-chunk = 1*("0") [ chunk-ext ] CRLF, so any
    // number of leading zeros is valid (hyper, llhttp and Python accept them). Only significant
    // digits count against `max_size_digits`; the line length bounds the rest.
    let out = ok(b"000000000000000005\r\nhello\r\n00000000000000000000\r\n\r\n");
    assert_eq!(out.chunks, [(5, vec![]), (0, vec![])]);
    assert_eq!(out.body, b"hello");
    let mut d = Decoder::new();
    let r = d.decode(b"0000000000000000ffffffffffffffff\r\n").unwrap();
    assert_eq!(r.consumed, 34);
    assert!(matches!(
        r.item,
        Some(ChunkRef::Header { size: u64::MAX, .. })
    ));
    // Every front end, at every cut, agrees (the fast path for plain lines included).
    let wire = b"00000000000000000001\r\nx\r\n000000000000000000000000;a=b\r\n\r\n";
    for cut in 0..wire.len() {
        let (a, b) = wire.split_at(cut);
        let out = decode_pieces(&[a, b], Limits::default()).unwrap();
        assert_eq!(out.chunks, [(1, vec![]), (0, vec![ext("a", Some("b"))])]);
    }
    // A smaller limit still counts significant digits only.
    let tight = {
        let mut l = Limits::default();
        l.max_size_digits = 2;
        l
    };
    let out = ok_with(b"0001\r\nx\r\n000\r\n\r\n", tight);
    assert_eq!(out.chunks, [(1, vec![]), (0, vec![])]);
    let mut d = Decoder::with_limits(tight);
    assert!(matches!(
        d.decode(b"000ff\r\n").unwrap().item,
        Some(ChunkRef::Header { size: 0xff, .. })
    ));
    let e = err_with(b"000100\r\n", tight);
    assert_eq!(
        e,
        DecodeError::LimitExceeded {
            limit: Limit::SizeDigits,
            offset: 5
        }
    );
    // Above u64::MAX is an overflow, not a digit limit, even after leading zeros.
    let e = err(b"0000010000000000000000\r\n");
    assert_eq!(e, DecodeError::ChunkSizeOverflow { offset: 21 });
    // Zeros past the chunk-line limit hit that limit.
    let mut long = vec![b'0'; 5000];
    long.extend_from_slice(b"5\r\nhello\r\n0\r\n\r\n");
    let e = err(&long);
    assert_eq!(
        e,
        DecodeError::LimitExceeded {
            limit: Limit::ChunkLine,
            offset: 4096
        }
    );
}

#[test]
fn go_cve_2023_39326_extension_bytes_have_a_per_message_budget() {
    // Go CVE-2023-39326 / hyper d71ff962: many small chunks each with ~1 KB of ignored
    // extensions made a reader process megabytes per body byte. The budget is per message
    // (16 KiB by default), so it trips although every single line is short.
    let mut body = Vec::new();
    let line_ext = format!(";{}", "a".repeat(1000));
    for _ in 0..20 {
        body.extend_from_slice(format!("1{line_ext}\r\nX\r\n").as_bytes());
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let e = err(&body);
    assert!(matches!(
        e,
        DecodeError::LimitExceeded {
            limit: Limit::ExtensionBytes,
            ..
        }
    ));
    // 16 lines hold 16 * 1001 = 16016 extension bytes; the 17th line's 369th one is over.
    let per_chunk = 1 + 1001 + 2 + 1 + 2;
    assert_eq!(e.offset(), 16 * per_chunk + 1 + 368);
    // The same body passes with a larger budget.
    let out = ok_with(&body, {
        let mut l = Limits::default();
        l.max_extension_bytes = 1 << 20;
        l
    });
    assert_eq!(out.body, b"XXXXXXXXXXXXXXXXXXXX");
}

#[test]
fn node_cve_2024_22019_one_long_extension_hits_the_line_limit() {
    // Node CVE-2024-22019: chunk extensions read without bound. A single line is capped at
    // max_chunk_line (4096) before any extension budget matters.
    let mut input = b"1;".to_vec();
    input.extend(std::iter::repeat_n(b'a', 10_000));
    let e = err_with(&input, {
        let mut l = Limits::default();
        l.max_extension_bytes = 1 << 20;
        l
    });
    assert_eq!(
        e,
        DecodeError::LimitExceeded {
            limit: Limit::ChunkLine,
            offset: 4096
        }
    );
    // Fails as soon as the limit is crossed, without waiting for a line end.
    let mut d = Decoder::new();
    assert!(matches!(
        d.decode(&input[..5000]).unwrap_err(),
        DecodeError::LimitExceeded {
            limit: Limit::ChunkLine,
            ..
        }
    ));
}

#[test]
fn llhttp_cve_2021_22960_cr_in_extension_is_not_framing() {
    // Node/llhttp CVE-2021-22960: extensions were skipped, so a CR inside one was taken as
    // framing by one parser and not by another. ExtensionsRef are parsed: CR must be followed by
    // LF, and the line ends there.
    let e = err(b"5;a\rb\r\nhello\r\n0\r\n\r\n");
    assert_eq!(e, DecodeError::BareCr { offset: 3 });
    let e = err(b"5;a=\"x\ry\"\r\nhello\r\n0\r\n\r\n");
    assert_eq!(e, DecodeError::UnterminatedQuotedString { offset: 6 });
}

#[test]
fn go_cve_2025_22871_bare_lf_does_not_end_a_chunk_line() {
    // Go CVE-2025-22871 / Netty CVE-2025-58056: bare LF accepted as the chunk-size line
    // terminator. CRLF only (RFC 9112 §7.1; erratum 7633 rejected).
    let e = err(b"5\nhello\r\n0\r\n\r\n");
    assert_eq!(e, DecodeError::BareLf { offset: 1 });
    let e = err(b"5\r\nhello\r\n0\n\r\n");
    assert_eq!(e, DecodeError::BareLf { offset: 11 });
    let e = err(b"5\r\nhello\n0\r\n\r\n");
    assert_eq!(e, DecodeError::BareLf { offset: 8 });
}

#[test]
fn kestrel_cve_2025_55315_lf_inside_extension_is_rejected() {
    // ASP.NET Kestrel CVE-2025-55315 (TERM.EXT): a bare LF inside an extension was skipped by
    // one parser and taken as the line end by another. It is an error here, never skipped.
    let smuggle = b"2;x\nxx\r\n45\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n0\r\n\r\n";
    let e = err(smuggle);
    assert_eq!(e, DecodeError::BareLf { offset: 3 });
    let e = err(b"2;x=\"a\nb\"\r\nxx\r\n0\r\n\r\n");
    assert_eq!(e, DecodeError::UnterminatedQuotedString { offset: 6 });
}

#[test]
fn netty_cve_2026_33870_quoted_strings_are_fully_parsed() {
    // Netty CVE-2026-33870: quoted-strings in extensions mis-parsed (CRLF and escapes inside
    // quotes). The full quoted-string grammar applies: `\"` does not close, `\\` does not
    // escape the closing quote, CR/LF never appear inside, and `;` inside quotes is content.
    let out = ok(b"2;a=\"x\\\"y;b=\\\\\";c\r\nhi\r\n0\r\n\r\n");
    assert_eq!(
        out.chunks[0].1,
        [ext("a", Some("x\"y;b=\\")), ext("c", None)]
    );
    let e = err(b"2;a=\"x\\\"\r\nhi\r\n0\r\n\r\n");
    assert_eq!(e, DecodeError::UnterminatedQuotedString { offset: 8 });
    let e = err(b"2;a=\"x\r\n\"\r\nhi\r\n0\r\n\r\n");
    assert_eq!(e, DecodeError::UnterminatedQuotedString { offset: 6 });
}

#[test]
fn h11_cve_2025_43859_both_bytes_after_data_are_checked() {
    // h11 CVE-2025-43859: any two bytes after chunk-data were accepted. Both must be CRLF.
    for (input, want) in [
        (
            &b"3\r\nabcXY0\r\n\r\n"[..],
            DecodeError::MissingCrlfAfterData { offset: 6 },
        ),
        (b"3\r\nabc\rY0\r\n\r\n", DecodeError::BareCr { offset: 6 }),
        (
            b"3\r\nabcX\n0\r\n\r\n",
            DecodeError::MissingCrlfAfterData { offset: 6 },
        ),
        (b"3\r\nabc\n\n0\r\n\r\n", DecodeError::BareLf { offset: 6 }),
    ] {
        let e = err(input);
        assert_eq!(e, want, "{input:?}");
    }
}

#[test]
fn picohttpparser_123x_is_not_0x123() {
    // picohttpparser PR #78: `123x` was read as 0x123. Only BWS, `;` or CR may follow the
    // digits.
    let e = err(b"123x\r\n");
    assert_eq!(e, DecodeError::InvalidAfterChunkSize { offset: 3 });
    let e = err(b"5 x\r\nhello\r\n0\r\n\r\n");
    assert_eq!(e, DecodeError::InvalidAfterChunkSize { offset: 2 });
}

#[test]
fn crlf_crlf_is_not_a_last_chunk() {
    // hyper 82915386, 8e5de1bb; mongoose #2552: `\r\n\r\n` taken as the last chunk. RFC 9112
    // §7.1: last-chunk = 1*("0") ..., so at least one `0` is needed.
    let e = err(b"\r\n\r\n");
    assert_eq!(e, DecodeError::InvalidChunkSize { offset: 0 });
    let e = err(b"5\r\nhello\r\n\r\n\r\n");
    assert_eq!(e, DecodeError::InvalidChunkSize { offset: 10 });
}

#[test]
fn hyper_bare_lf_after_last_chunk_does_not_swallow_the_next_request() {
    // hyper 1.12 read `0\r\n\nGET / ...` as a complete body and swallowed the next request.
    // RFC 9112 §7.1: the trailer section and final line end with CRLF.
    let e = err(b"0\r\n\nGET / HTTP/1.1\r\n\r\n");
    assert_eq!(e, DecodeError::BareLf { offset: 3 });
    let e = err(b"0\r\nX: a\n\r\n");
    assert_eq!(e, DecodeError::BareLf { offset: 7 });
}

#[test]
fn python_http_client_leniencies_are_rejected() {
    // CPython http.client: int(x, 16) accepts `+5`, `0x5`, `5_0`, whitespace, and does
    // `_safe_read(2)` after data. None of these pass here.
    for input in [
        &b"+5\r\nhello\r\n0\r\n\r\n"[..],
        b"0x5\r\nhello\r\n0\r\n\r\n",
        b"5_0\r\n",
        b" 5 \r\nhello\r\n0\r\n\r\n",
        b"5\r\nhelloXY0\r\n\r\n",
        b"5\x0b\r\nhello\r\n0\r\n\r\n",
    ] {
        let e = err(input);
        assert!(!matches!(e, DecodeError::Truncated { .. }), "{input:?}");
    }
}

#[test]
fn chunked_transfer_truncation_is_not_success() {
    // chunked_transfer 1.5 returned success on `a\r\nhello` then EOF. Here EOF before the final
    // CRLF is an error wherever it falls.
    let full = b"a\r\nhelloworld\r\n0\r\nX: y\r\n\r\n";
    for cut in 0..full.len() {
        let e = err(&full[..cut]);
        assert!(matches!(e, DecodeError::Truncated { .. }), "cut at {cut}");
    }
    assert!(decode_whole(full, Limits::default()).is_ok());
}

// ---------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------

#[test]
fn trailer_field_count_is_capped() {
    // hyper h1_max_headers: 100 trailer fields by default.
    let mut input = b"0\r\n".to_vec();
    for i in 0..100 {
        input.extend_from_slice(format!("F{i}: v\r\n").as_bytes());
    }
    let at = input.len() as u64;
    let mut ok_input = input.clone();
    ok_input.extend_from_slice(b"\r\n");
    assert_eq!(ok(&ok_input).trailers.len(), 100);
    input.extend_from_slice(b"F100: v\r\n\r\n");
    let e = err(&input);
    assert_eq!(
        e,
        DecodeError::LimitExceeded {
            limit: Limit::TrailerFields,
            offset: at
        }
    );
    let e = err_with(b"0\r\nA: b\r\n\r\n", {
        let mut l = Limits::default();
        l.max_trailer_fields = 0;
        l
    });
    assert_eq!(
        e,
        DecodeError::LimitExceeded {
            limit: Limit::TrailerFields,
            offset: 3
        }
    );
}

#[test]
fn trailer_bytes_are_capped() {
    // hyper TRAILER_LIMIT: 16 KiB of trailer section by default.
    let mut input = b"0\r\n".to_vec();
    let value = "v".repeat(10_000);
    input.extend_from_slice(format!("A: {value}\r\nB: {value}\r\n\r\n").as_bytes());
    let e = err(&input);
    assert!(matches!(
        e,
        DecodeError::LimitExceeded {
            limit: Limit::TrailerBytes,
            ..
        }
    ));
    // The first field line is 10005 bytes; the 16385th trailer byte is 6379 bytes into the
    // second.
    assert_eq!(e.offset(), 3 + 16384);
    // Exactly at the limit passes: field lines count with their CRLF, the final CRLF does not.
    let exact = format!("0\r\nA: {}\r\n\r\n", "v".repeat(16384 - 5));
    assert_eq!(ok(exact.as_bytes()).trailers.len(), 1);
    let over = format!("0\r\nA: {}\r\n\r\n", "v".repeat(16384 - 4));
    assert!(matches!(
        err(over.as_bytes()),
        DecodeError::LimitExceeded {
            limit: Limit::TrailerBytes,
            ..
        }
    ));
}

#[test]
fn limit_errors_name_the_limit() {
    let e = err_with(b"5;ab\r\n", {
        let mut l = Limits::default();
        l.max_extension_bytes = 2;
        l
    });
    assert_eq!(
        e,
        DecodeError::LimitExceeded {
            limit: Limit::ExtensionBytes,
            offset: 3
        }
    );
    assert_eq!(
        e.to_string(),
        "limit max_extension_bytes exceeded at byte 3"
    );
    let e = err_with(b"12345\r\n", {
        let mut l = Limits::default();
        l.max_chunk_line = 4;
        l
    });
    assert_eq!(e.to_string(), "limit max_chunk_line exceeded at byte 4");
    let e = err_with(b"123\r\n", {
        let mut l = Limits::default();
        l.max_size_digits = 2;
        l
    });
    assert_eq!(e.to_string(), "limit max_size_digits exceeded at byte 2");
}

// ---------------------------------------------------------------------------------------
// Decoder contract
// ---------------------------------------------------------------------------------------

#[test]
fn errors_are_sticky_and_displayed_with_their_offset() {
    let mut d = Decoder::new();
    assert_eq!(d.decode(b"5\r\n").unwrap().consumed, 3);
    assert_eq!(d.decode(b"hello").unwrap().consumed, 5);
    let e = d.decode(b"\r\n1z\r\n").unwrap_err();
    assert_eq!(e, DecodeError::InvalidAfterChunkSize { offset: 11 });
    assert_eq!(e.to_string(), "invalid byte after chunk size at byte 11");
    assert_eq!(d.decode(b"0\r\n\r\n"), Err(e));
    assert_eq!(d.decode(b""), Err(e));
    assert!(!d.is_done());
    // `finish` reports the error once more, and readies the decoder for the next body.
    assert_eq!(d.finish(), Err(e));
    assert_eq!(d.decode(b"0\r\n\r\n").unwrap().consumed, 3);
    assert_eq!(d.decode(b"\r\n").unwrap().item, Some(ChunkRef::Done));
    assert!(d.is_done());
    // `reset` drops a failed body without judging it.
    let mut d = Decoder::new();
    assert_eq!(
        d.decode(b"1z\r\n"),
        Err(DecodeError::InvalidAfterChunkSize { offset: 1 })
    );
    d.reset();
    assert_eq!(d.decode(b"0\r\n\r\n").unwrap().consumed, 3);
    assert_eq!(d.decode(b"\r\n").unwrap().item, Some(ChunkRef::Done));
    assert!(d.is_done());
    assert_eq!(d.finish(), Ok(()));
    assert!(!d.is_done(), "finish readies the decoder for the next body");
}

#[test]
fn bytes_decoder_yields_an_error_once_then_ends() {
    // RFC 9112 §7.1: the chunked framing is what delimits the body; once it is broken, no later
    // byte can be placed, so there is nothing more to yield. The error comes out once, then the
    // iteration ends (a `for` loop or `collect()` must terminate), and `finish()` still says
    // why.
    let mut d = BytesDecoder::new();
    d.push(Bytes::from_static(b"x"));
    let e: DecodeError = d.next().unwrap().unwrap_err();
    assert_eq!(e, DecodeError::InvalidChunkSize { offset: 0 });
    assert!(d.next().is_none());
    d.push(Bytes::from_static(b"5\r\nhello\r\n0\r\n\r\n"));
    assert!(d.next().is_none(), "input after the error is ignored");
    assert_eq!(d.finish(), Err(e));
    // `finish` readied it for the next body, the failed body's queued input dropped.
    d.push(Bytes::from_static(b"0\r\n\r\n"));
    assert!(matches!(d.next(), Some(Ok(Chunk::Header { size: 0, .. }))));
    assert_eq!(d.next(), Some(Ok(Chunk::Done)));

    let mut d = BytesDecoder::new();
    d.push(Bytes::from_static(b"x"));
    let errors = (&mut d).take(1_000_000).filter(Result::is_err).count();
    assert_eq!(errors, 1);

    // After items, in a `for` loop over pieces: the items, the error, then the end.
    let mut d = BytesDecoder::new();
    let mut items = Vec::new();
    for piece in [&b"3\r\nab"[..], b"c\r\n2\r", b"\nxyZZ", b"0\r\n\r\n"] {
        d.push(Bytes::copy_from_slice(piece));
        items.extend(&mut d);
    }
    assert_eq!(items.len(), 6, "{items:?}");
    assert!(matches!(
        items.last().unwrap().as_ref().unwrap_err(),
        DecodeError::MissingCrlfAfterData { .. }
    ));
    assert!(items[..5].iter().all(Result::is_ok));
}

#[test]
fn invalid_chunk_size_display_matches_the_brief() {
    let e = err(b"5\r\nhello\r\nXYZ\r\n");
    assert_eq!(e.to_string(), "invalid chunk size digit at byte 10");
}

#[test]
fn shrinking_the_input_breaks_the_contract() {
    let mut d = Decoder::new();
    assert_eq!(d.decode(b"5;abc").unwrap().consumed, 0);
    assert!(matches!(
        d.decode(b"5;a").unwrap_err(),
        DecodeError::InputShrunk { .. }
    ));
}

#[test]
fn finish_reports_truncation_and_readies_the_decoder() {
    let mut d = Decoder::new();
    assert_eq!(d.decode(b"5\r\n").unwrap().consumed, 3);
    let e = d.finish().unwrap_err();
    assert_eq!(e, DecodeError::Truncated { offset: 3 });
    // The next body starts from scratch: offsets count from its start, and it is decoded
    // rather than failed with the old error.
    assert_eq!(d.position(), 0);
    assert_eq!(
        d.decode(b"hello"),
        Err(DecodeError::InvalidChunkSize { offset: 0 })
    );
    assert_eq!(d.finish(), Err(DecodeError::InvalidChunkSize { offset: 0 }));
    assert_eq!(d.finish(), Err(DecodeError::Truncated { offset: 0 }));
}

#[test]
#[cfg(feature = "std")]
fn errors_convert_to_io_errors() {
    let e: std::io::Error = err(b"5\r\nhel").into();
    assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof);
    let e: std::io::Error = err(b"x").into();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
}

// ---------------------------------------------------------------------------------------
// Encoder
// ---------------------------------------------------------------------------------------

#[test]
fn encoder_writes_lowercase_hex_without_leading_zeros() {
    // RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
    let mut enc = Encoder::new();
    let mut wire = Vec::new();
    let big = vec![b'x'; 0xabc];
    enc.encode(b"a", &[], &mut wire).unwrap();
    enc.encode(&big, &[], &mut wire).unwrap();
    assert!(wire.starts_with(b"1\r\na\r\nabc\r\nxxx"));
    assert!(wire.ends_with(b"xxx\r\n"));
    assert_eq!(
        wire.len(),
        Encoder::encoded_len(1, &[]) + Encoder::encoded_len(0xabc, &[])
    );
}

#[test]
fn encoder_skips_empty_payloads() {
    // An empty chunk is the last-chunk (RFC 9112 §7.1), so an empty write must write nothing.
    let mut enc = Encoder::new();
    let mut wire = Vec::new();
    enc.encode(b"", &[], &mut wire).unwrap();
    let exts = [ChunkExt::new("a").unwrap()];
    enc.encode(b"", &exts, &mut wire).unwrap();
    assert!(wire.is_empty());
    assert_eq!(Encoder::encoded_len(0, &[]), 0);
    assert_eq!(enc.frame(Bytes::new()).unwrap().remaining(), 0);
    assert!(enc.frame(Bytes::new()).is_ok(), "not finished");
}

#[test]
fn encoder_frame_is_zero_copy() {
    let payload = Bytes::from(vec![7u8; 300]);
    let mut enc = Encoder::new();
    let mut framed = enc.frame(payload.clone()).unwrap();
    assert_eq!(framed.remaining(), Encoder::encoded_len(300, &[]));
    assert_eq!(framed.chunk(), b"12c\r\n");
    // Partial writes: advance across the pieces.
    framed.advance(4);
    assert_eq!(framed.chunk(), b"\n");
    framed.advance(1);
    assert_eq!(framed.chunk().as_ptr(), payload.as_ptr()); // the caller's bytes, not a copy
    framed.advance(300 + 1);
    assert_eq!(framed.chunk(), b"\n");
    framed.advance(1);
    assert!(!framed.has_remaining());
}

#[test]
#[cfg(feature = "std")]
fn encoder_frame_is_vectored() {
    let payload = Bytes::from(vec![7u8; 300]);
    let framed = Encoder::new().frame(payload.clone()).unwrap();
    let mut slices = [std::io::IoSlice::new(&[]); 4];
    let n = framed.chunks_vectored(&mut slices);
    assert_eq!(n, 3);
    assert_eq!(&*slices[0], b"12c\r\n");
    assert_eq!(slices[1].as_ptr(), payload.as_ptr());
    assert_eq!(&*slices[2], b"\r\n");
}

#[test]
fn encoder_finish_and_after() {
    // RFC 9112 §7.1: last-chunk trailer-section CRLF
    let mut enc = Encoder::new();
    let mut wire = Vec::new();
    let trailers = [
        TrailerField::new("X-A", "1").unwrap(),
        TrailerField::new("x-b", "").unwrap(),
    ];
    enc.finish(&trailers, &mut wire).unwrap();
    assert_eq!(wire, b"0\r\nX-A: 1\r\nx-b: \r\n\r\n");
    assert_eq!(wire.len(), Encoder::finished_len(&trailers));
    assert_eq!(enc.encode(b"x", &[], &mut wire), Err(EncodeError::Finished));
    assert_eq!(enc.encode(b"", &[], &mut wire), Err(EncodeError::Finished));
    assert!(enc.frame(Bytes::from_static(b"x")).is_err());
    assert_eq!(enc.finish(&[], &mut wire), Err(EncodeError::Finished));
    // With no trailer fields, `finish` writes `LAST_CHUNK`, the static slice a vectored
    // writer can send without a buffer.
    let mut enc = Encoder::new();
    let mut last = Vec::new();
    enc.finish(&[], &mut last).unwrap();
    assert_eq!(last, LAST_CHUNK);
    assert_eq!(LAST_CHUNK, b"0\r\n\r\n");
    assert!(enc.frame(Bytes::new()).is_err(), "finished");
}

#[test]
fn encoder_validates_extensions_and_trailers() {
    // RFC 9112 §7.1.1 / RFC 9110 §5.6: names are tokens; values cannot carry CTLs. Each error
    // says where the first offending byte is.
    for (name, at) in [("", 0), ("a;b", 1), ("a\r\n", 1), ("ok name", 2)] {
        assert_eq!(
            ChunkExt::new(name),
            Err(EncodeError::InvalidExtensionName { at }),
            "{name:?}"
        );
        assert_eq!(
            ChunkExt::with_value(name, "v"),
            Err(EncodeError::InvalidExtensionName { at }),
            "{name:?}"
        );
        assert_eq!(
            TrailerField::new(name, "v"),
            Err(EncodeError::InvalidTrailerName { at }),
            "{name:?}"
        );
    }
    for (bad, at) in [("\r", 0), ("\n", 0), ("\0", 0), ("\x7f", 0), ("a\r\nb", 1)] {
        assert_eq!(
            ChunkExt::with_value("a", bad),
            Err(EncodeError::InvalidExtensionValue { at }),
            "{bad:?}"
        );
    }
    assert!(TrailerField::new("Server-Timing", "a, b\tc").is_ok());
}

#[test]
fn trailer_value_errors_tell_control_bytes_from_surrounding_whitespace() {
    // RFC 9110 §5.5: field-value = *field-content, field-vchar = VCHAR / obs-text (SP/HTAB only
    // inside), so a CTL would inject lines; RFC 9112 §5.1: OWS around the value is stripped by
    // the recipient, so a value that starts or ends with SP/HTAB would not arrive as sent.
    let control_byte: fn(usize) -> EncodeError = |at| EncodeError::InvalidTrailerValue { at };
    let surrounding_whitespace: fn(usize) -> EncodeError =
        |at| EncodeError::TrailerValueWhitespace { at };
    for (bad, at, problem) in [
        ("a\r\nInjected: 1", 1, control_byte),
        ("\n", 0, control_byte),
        ("ab\0", 2, control_byte),
        ("\x7f", 0, control_byte),
        (" lead", 0, surrounding_whitespace),
        ("trail\t", 5, surrounding_whitespace),
        ("\t", 0, surrounding_whitespace),
        // A control byte is reported before whitespace at the edges.
        (" a\x01", 2, control_byte),
    ] {
        let e = TrailerField::new("x", bad).unwrap_err();
        assert_eq!(e, problem(at), "{bad:?}");
        assert_eq!(TrailerField::new_unrestricted("x", bad), Err(e), "{bad:?}");
    }
    assert_eq!(
        TrailerField::new("x", " a").unwrap_err().to_string(),
        "trailer field value holds leading or trailing whitespace at byte 0"
    );
    assert_eq!(
        TrailerField::new("x", "a\nb").unwrap_err().to_string(),
        "trailer field value holds a control byte at byte 1"
    );
}

#[test]
fn trailers_refuse_every_field_rfc_9110_keeps_out_of_trailers() {
    // RFC 9110 §6.5.1: fields needed before the content (message framing, routing,
    // authentication, request modifiers, response controls, content format) must not be
    // generated as trailers. One or more of each class, in any case.
    for name in [
        // framing
        "content-length",
        "Transfer-Encoding",
        "Trailer",
        // connection management (hop-by-hop)
        "Connection",
        "keep-alive",
        "Proxy-Connection",
        "TE",
        "Upgrade",
        // routing
        "HOST",
        "Max-Forwards",
        // request modifiers
        "Expect",
        "Range",
        "If-Match",
        "If-None-Match",
        "If-Modified-Since",
        "If-Unmodified-Since",
        "If-Range",
        "Accept-Encoding",
        "Cache-Control",
        // authentication
        "Authorization",
        "Proxy-Authorization",
        "WWW-Authenticate",
        "Proxy-Authenticate",
        // response control
        "Location",
        "Retry-After",
        "Vary",
        "Set-Cookie",
        // content processing
        "Content-Encoding",
        "Content-Type",
        "Content-Range",
    ] {
        assert_eq!(
            TrailerField::new(name, "1"),
            Err(EncodeError::ForbiddenTrailer),
            "{name}"
        );
        assert_eq!(
            TrailerField::new(name, ""),
            Err(EncodeError::ForbiddenTrailer),
            "{name}"
        );
        // The explicit opt-in sends it, still validated.
        let t = TrailerField::new_unrestricted(name, "1").unwrap();
        let mut wire = Vec::new();
        Encoder::new().finish(&[t], &mut wire).unwrap();
        assert_eq!(wire, [b"0\r\n", name.as_bytes(), b": 1\r\n\r\n"].concat());
        assert_eq!(
            TrailerField::new_unrestricted(name, "1\r\nX: y"),
            Err(EncodeError::InvalidTrailerValue { at: 1 })
        );
    }
    // Fields defined for trailers, or harmless there, pass.
    for name in [
        "Server-Timing",
        "Content-Digest",
        "Authentication-Info",
        "ETag",
        "X-Checksum",
    ] {
        assert!(TrailerField::new(name, "1").is_ok(), "{name}");
        assert!(TrailerField::new(name, "").is_ok(), "{name}");
    }
    // An opted-in field goes out like any other.
    let mut wire = Vec::new();
    let t = [TrailerField::new_unrestricted("Location", "/next").unwrap()];
    Encoder::new().finish(&t, &mut wire).unwrap();
    assert_eq!(wire, b"0\r\nLocation: /next\r\n\r\n");
}

#[test]
fn encoder_checks_room_instead_of_panicking() {
    let mut space = [0u8; 9];
    let mut dst = &mut space[..];
    let mut enc = Encoder::new();
    assert_eq!(
        enc.encode(b"hello", &[], &mut dst),
        Err(EncodeError::BufferTooSmall {
            required: 10,
            available: 9
        })
    );
    let t = [TrailerField::new("a", "b").unwrap()];
    assert_eq!(
        enc.finish(&t, &mut &mut [0u8; 5][..]),
        Err(EncodeError::BufferTooSmall {
            required: 11,
            available: 5
        })
    );
    assert!(enc.frame(Bytes::new()).is_ok(), "not finished");
}

#[test]
#[cfg(target_pointer_width = "32")]
fn encoder_lengths_beyond_usize_are_a_typed_error_and_write_nothing() {
    // RFC 9112 §7.1: a chunk line, or the last chunk with its trailer section, is written whole
    // or not at all. On a 32-bit target fields or extensions that share one value can add up to
    // more than usize::MAX bytes: that is `LengthOverflow`, not a wrapped (too small) length or
    // a `BufferTooSmall` no buffer could ever satisfy, and nothing is written.
    let value = vec![b'v'; 4 << 20];
    let many = 1100; // 1100 * 4 MiB > 4 GiB
    let mut wire = Vec::new();
    let mut enc = Encoder::new();

    let ext = ChunkExt::with_value("x", &value[..]).unwrap();
    let exts = vec![ext; many];
    assert_eq!(
        enc.encode(b"data", &exts, &mut wire),
        Err(EncodeError::LengthOverflow)
    );
    assert_eq!(Encoder::encoded_len(4, &exts), usize::MAX);

    let field = TrailerField::new("X-Big", &value[..]).unwrap();
    let fields = vec![field; many];
    assert_eq!(
        enc.finish(&fields, &mut wire),
        Err(EncodeError::LengthOverflow)
    );
    assert_eq!(Encoder::finished_len(&fields), usize::MAX);

    assert!(wire.is_empty(), "written on error");
    assert!(enc.frame(Bytes::new()).is_ok(), "not finished");
    // The encoder is still usable.
    enc.encode(b"data", &exts[..1], &mut wire).unwrap();
    assert_eq!(wire.len(), Encoder::encoded_len(4, &exts[..1]));
    enc.finish(&fields[..1], &mut wire).unwrap();
}

#[test]
fn chunk_sizes_above_usize_stream_through_every_front_end() {
    // RFC 9112 §7.1.1: the size is any 1*HEXDIG the recipient can represent (here u64). On a
    // 32-bit target 2^32 + 5 must not become 5: every front end hands out the bytes it has as
    // data of the one chunk, and counts the rest as still to come.
    let wire = b"100000005\r\n0123456789\r\n0\r\n\r\n";
    let mut d = Decoder::new();
    let r = d.decode(wire).unwrap();
    assert!(matches!(
        r.item,
        Some(ChunkRef::Header {
            size: 0x1_0000_0005,
            ..
        })
    ));
    let r = d.decode(&wire[r.consumed..]).unwrap();
    assert_eq!(r.item, Some(ChunkRef::Data(&wire[11..])));
    assert_eq!(
        d.remaining_in_chunk(),
        0x1_0000_0005 - (wire.len() as u64 - 11)
    );

    let mut bd = BytesDecoder::new();
    bd.push(Bytes::from_static(wire));
    let items: Vec<_> = (&mut bd).collect::<Result<_, _>>().unwrap();
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(
        bd.decoder().remaining_in_chunk(),
        0x1_0000_0005 - (wire.len() as u64 - 11)
    );
    assert!(matches!(
        bd.finish().unwrap_err(),
        DecodeError::Truncated { .. }
    ));
}

#[test]
fn encoded_extensions_decode_back() {
    let exts = [
        ChunkExt::with_value("tok", "v1").unwrap(),
        ChunkExt::with_value("q", "a \"b\" \\c").unwrap(),
        ChunkExt::with_value("e", "").unwrap(),
        ChunkExt::new("flag").unwrap(),
    ];
    let mut enc = Encoder::new();
    let mut wire = Vec::new();
    enc.encode(b"abc", &exts, &mut wire).unwrap();
    assert_eq!(wire.len(), Encoder::encoded_len(3, &exts));
    enc.finish(&[], &mut wire).unwrap();
    let out = decode_pieces(&[&wire], Limits::strict()).unwrap();
    assert_eq!(
        out.chunks[0].1,
        [
            ext("tok", Some("v1")),
            ext("q", Some("a \"b\" \\c")),
            ext("e", Some("")),
            ext("flag", None),
        ]
    );
}
