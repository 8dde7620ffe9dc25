//! Every vector decoded whole, at every 2-way split, at every 3-way split of the short ones,
//! and one byte at a time, through all three front ends: identical output and leftover (or
//! the identical error, kind and offset) every time: RFC 9112 §7.1 defines the framing by the
//! bytes alone, so how they arrive (how a transport cuts them) must not change it.

use sse_wire::chunked::{DecodeError, Limit, Limits};
use sse_wire_testkit::chunked::{
    decode_pieces, decode_pieces_buf, decode_pieces_bytes, split_at, Output,
};

/// Valid bodies, with the configuration they need and the expected body bytes.
fn valid() -> Vec<(&'static str, Vec<u8>, Limits, &'static [u8])> {
    let d = Limits::default();
    let mut v: Vec<(&'static str, Vec<u8>, Limits, &'static [u8])> = vec![
        ("empty", b"0\r\n\r\n".to_vec(), d, b""),
        (
            "one chunk",
            b"5\r\nhello\r\n0\r\n\r\n".to_vec(),
            d,
            b"hello",
        ),
        (
            "two chunks + leftover",
            b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nGET / HTTP/1.1\r\n".to_vec(),
            d,
            b"hello world",
        ),
        (
            "upper and lower hex",
            b"A\r\n0123456789\r\na\r\nABCDEFGHIJ\r\n0\r\n\r\n".to_vec(),
            d,
            b"0123456789ABCDEFGHIJ",
        ),
        (
            "leading zeros",
            b"0003\r\nabc\r\n000\r\n\r\n".to_vec(),
            d,
            b"abc",
        ),
        (
            "extensions",
            b"3 ; a = 1\t;\tb;c=\"x y\" ;d=\"q\\\"\\\\\"\r\nabc\r\n0;e\r\n\r\n".to_vec(),
            d,
            b"abc",
        ),
        (
            "quoted obs-text",
            b"1;b=\"\t\x80\xff;c=d\"\r\nx\r\n0\r\n\r\n".to_vec(),
            d,
            b"x",
        ),
        (
            "trailers",
            b"3\r\nabc\r\n0\r\nA: 1\r\nb:2\r\nA:\t 3 x \t\r\nEmpty:\r\n\r\n".to_vec(),
            d,
            b"abc",
        ),
        (
            "inert framing trailers",
            b"1\r\nz\r\n0\r\nContent-Length: 99\r\n\r\nnext".to_vec(),
            d,
            b"z",
        ),
        (
            "framing bytes inside data",
            b"d\r\n\r\n0\r\n\r\nX: y\r\n\r\n0\r\n\r\n".to_vec(),
            d,
            b"\r\n0\r\n\r\nX: y\r\n",
        ),
        (
            "trailing whitespace",
            b"3 \r\nabc\r\n2;a=b\t\r\nde\r\n0 \r\n\r\n".to_vec(),
            d,
            b"abcde",
        ),
        (
            "lenient bare LF",
            b"3;a=1\nabc\n0\nX: y\n\nrest".to_vec(),
            Limits::lenient(),
            b"abc",
        ),
        (
            "lenient mixed",
            b"3\r\nabc\n2\nde\r\n0\r\nX: y\n\r\n".to_vec(),
            Limits::lenient(),
            b"abcde",
        ),
        (
            "strict",
            b"2;a=\"b\"\r\nhi\r\n0\r\nT: v\r\n\r\n".to_vec(),
            Limits::strict(),
            b"hi",
        ),
        (
            "leftover looks like a chunk",
            b"0\r\n\r\n5\r\nhello\r\n0\r\n\r\n".to_vec(),
            d,
            b"",
        ),
    ];
    // A larger body: 40 chunks of growing size, extensions on some, two trailers.
    let mut big = Vec::new();
    for i in 1..=40usize {
        let data: Vec<u8> = (0..i * 7).map(|k| (k * 31 + i) as u8).collect();
        if i % 3 == 0 {
            big.extend_from_slice(format!("{:x};n={i};q=\"v\\\"{i}\"\r\n", data.len()).as_bytes());
        } else {
            big.extend_from_slice(format!("{:X}\r\n", data.len()).as_bytes());
        }
        big.extend_from_slice(&data);
        big.extend_from_slice(b"\r\n");
    }
    big.extend_from_slice(b"0\r\nX-Sum: 1234\r\nX-Other: a b c\r\n\r\ntail");
    v.push(("forty chunks", big, d, b""));
    v
}

/// Invalid bodies and the error each must give however it is cut.
fn invalid() -> Vec<(&'static str, Vec<u8>, Limits, DecodeError)> {
    let d = Limits::default();
    vec![
        (
            "empty size",
            b"\r\n\r\n".to_vec(),
            d,
            DecodeError::InvalidChunkSize { offset: 0 },
        ),
        (
            "123x",
            b"123x\r\n".to_vec(),
            d,
            DecodeError::InvalidAfterChunkSize { offset: 3 },
        ),
        (
            "bare LF after size",
            b"5\nhello\r\n0\r\n\r\n".to_vec(),
            d,
            DecodeError::BareLf { offset: 1 },
        ),
        (
            "bare CR after size",
            b"5\rhello".to_vec(),
            d,
            DecodeError::BareCr { offset: 1 },
        ),
        (
            "garbage after data",
            b"5\r\nhelloXX0\r\n\r\n".to_vec(),
            d,
            DecodeError::MissingCrlfAfterData { offset: 8 },
        ),
        (
            "CR then X after data",
            b"5\r\nhello\rX".to_vec(),
            d,
            DecodeError::BareCr { offset: 8 },
        ),
        (
            "LF in extension",
            b"2;x\nxx\r\n0\r\n\r\n".to_vec(),
            d,
            DecodeError::BareLf { offset: 3 },
        ),
        (
            "CR in quoted",
            b"2;x=\"a\r\n\"\r\nxx\r\n".to_vec(),
            d,
            DecodeError::UnterminatedQuotedString { offset: 6 },
        ),
        (
            "escaped quote unterminated",
            b"2;a=\"x\\\"\r\nhi\r\n".to_vec(),
            d,
            DecodeError::UnterminatedQuotedString { offset: 8 },
        ),
        (
            "token then quote",
            b"5;a=b\"c\"\r\n".to_vec(),
            d,
            DecodeError::InvalidExtension { offset: 5 },
        ),
        (
            "missing colon",
            b"0\r\nX-Foo\r\n\r\n".to_vec(),
            d,
            DecodeError::MissingTrailerColon { offset: 8 },
        ),
        (
            "ws before colon",
            b"0\r\nX-Foo : a\r\n\r\n".to_vec(),
            d,
            DecodeError::WhitespaceBeforeColon { offset: 8 },
        ),
        (
            "obs-fold",
            b"0\r\nA: b\r\n c\r\n\r\n".to_vec(),
            d,
            DecodeError::ObsFold { offset: 9 },
        ),
        (
            "bare LF final",
            b"0\r\n\nGET / HTTP/1.1\r\n\r\n".to_vec(),
            d,
            DecodeError::BareLf { offset: 3 },
        ),
        (
            "NUL in trailer",
            b"0\r\nX: a\x00\r\n\r\n".to_vec(),
            d,
            DecodeError::InvalidTrailerValue { offset: 7 },
        ),
        (
            "strict trailing ws",
            b"3;a \r\nabc\r\n0\r\n\r\n".to_vec(),
            Limits::strict(),
            DecodeError::TrailingWhitespace { offset: 3 },
        ),
        (
            "overflow",
            b"ffffffffffffffff0\r\n".to_vec(),
            {
                let mut l = d;
                l.max_size_digits = 99;
                l
            },
            DecodeError::ChunkSizeOverflow { offset: 16 },
        ),
        (
            "digits",
            b"00000123\r\n".to_vec(),
            {
                let mut l = d;
                l.max_size_digits = 2;
                l
            },
            DecodeError::LimitExceeded {
                limit: Limit::SizeDigits,
                offset: 7,
            },
        ),
        (
            "ext budget",
            b"1;aaaa\r\nx\r\n1;bbbb\r\ny\r\n".to_vec(),
            {
                let mut l = d;
                l.max_extension_bytes = 8;
                l
            },
            DecodeError::LimitExceeded {
                limit: Limit::ExtensionBytes,
                offset: 15,
            },
        ),
        (
            "line limit",
            b"1;aaaaaaaaaa\r\nx\r\n".to_vec(),
            {
                let mut l = d;
                l.max_chunk_line = 8;
                l
            },
            DecodeError::LimitExceeded {
                limit: Limit::ChunkLine,
                offset: 8,
            },
        ),
        (
            "trailer bytes",
            b"0\r\nA: 123456\r\n\r\n".to_vec(),
            {
                let mut l = d;
                l.max_trailer_bytes = 8;
                l
            },
            DecodeError::LimitExceeded {
                limit: Limit::TrailerBytes,
                offset: 11,
            },
        ),
        (
            "trailer fields",
            b"0\r\nA: 1\r\nB: 2\r\n\r\n".to_vec(),
            {
                let mut l = d;
                l.max_trailer_fields = 1;
                l
            },
            DecodeError::LimitExceeded {
                limit: Limit::TrailerFields,
                offset: 9,
            },
        ),
        (
            "truncated data",
            b"a\r\nhello".to_vec(),
            d,
            DecodeError::Truncated { offset: 8 },
        ),
        (
            "truncated after last chunk",
            b"0\r\n".to_vec(),
            d,
            DecodeError::Truncated { offset: 3 },
        ),
        (
            "truncated line",
            b"5;abc".to_vec(),
            d,
            DecodeError::Truncated { offset: 5 },
        ),
    ]
}

type Driver = fn(&[&[u8]], Limits) -> Result<Output, DecodeError>;

const DRIVERS: [(&str, Driver); 3] = [
    ("decode", decode_pieces),
    ("BytesDecoder", decode_pieces_bytes),
    ("decode_buf", decode_pieces_buf),
];

/// Every way of cutting `input` this file tries, with a label.
fn cuttings(input: &[u8]) -> Vec<(String, Vec<&[u8]>)> {
    let mut out = vec![("whole".to_string(), vec![input])];
    for p in 0..=input.len() {
        out.push((format!("split at {p}"), split_at(input, &[p])));
    }
    if input.len() <= 40 {
        for p in 0..=input.len() {
            for q in p..=input.len() {
                out.push((format!("split at {p},{q}"), split_at(input, &[p, q])));
            }
        }
    }
    out.push(("byte at a time".to_string(), input.chunks(1).collect()));
    out
}

#[test]
fn valid_vectors_decode_identically_however_cut() {
    let mut runs = 0;
    for (name, input, config, body) in valid() {
        let reference = decode_pieces(&[&input], config)
            .unwrap_or_else(|e| panic!("{name}: rejected whole: {e}"));
        if !body.is_empty() {
            assert_eq!(reference.body, body, "{name}");
        }
        for (label, pieces) in cuttings(&input) {
            for (driver, decode) in DRIVERS {
                let out = decode(&pieces, config)
                    .unwrap_or_else(|e| panic!("{name}, {label}, {driver}: {e}"));
                assert_eq!(out, reference, "{name}, {label}, {driver}");
                runs += 1;
            }
        }
    }
    assert!(runs > 3000, "{runs}");
}

#[test]
fn invalid_vectors_fail_identically_however_cut() {
    for (name, input, config, want) in invalid() {
        for (label, pieces) in cuttings(&input) {
            for (driver, decode) in DRIVERS {
                let e = decode(&pieces, config)
                    .err()
                    .unwrap_or_else(|| panic!("{name}, {label}, {driver}: accepted"));
                assert_eq!(e, want, "{name}, {label}, {driver}");
            }
        }
    }
}

#[test]
fn leftover_and_expected_pieces_of_a_known_vector() {
    let input = b"3;a=\"x\\\"y\"\r\nabc\r\n0\r\nT: v \r\n\r\nNEXT";
    for (label, pieces) in cuttings(input) {
        let out = decode_pieces(&pieces, Limits::default()).unwrap();
        assert_eq!(out.body, b"abc", "{label}");
        assert_eq!(
            out.chunks,
            [
                (3, vec![(b"a".to_vec(), Some(b"x\"y".to_vec()))]),
                (0, vec![])
            ],
            "{label}"
        );
        assert_eq!(out.trailers, [(b"T".to_vec(), b"v".to_vec())], "{label}");
        assert_eq!(out.leftover, b"NEXT", "{label}");
    }
}
