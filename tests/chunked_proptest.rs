//! Property tests for the chunked codec:
//!
//! * round trip: random payloads (empty ones included), extensions and trailers, encoded by
//!   [`Encoder`] (both its `Buf` and `BufMut` paths), followed by random leftover bytes, cut
//!   at random points and decoded through a random front end: everything comes back, and the
//!   leftover is untouched;
//! * differential: on byte strings built from chunk-like fragments, on bodies built from
//!   grammar-aware pieces (each usually valid, sometimes not) and on mutated valid bodies, the real decoder accepts exactly what the whole-input reference decoder of
//!   `sse_wire_testkit` (written from the RFC 9112 grammar) accepts, with the same output,
//!   in strict mode and in each leniency;
//! * robustness: arbitrary bytes never panic, and the outcome does not depend on the cut.

use bytes::{BufMut, Bytes};
use proptest::prelude::*;
use proptest::sample::Index;
use sse_wire::chunked::{ChunkExt, DecodeError, Encoder, Limits, TrailerField, LAST_CHUNK};
use sse_wire_testkit::chunked::{
    decode_pieces, decode_pieces_buf, decode_pieces_bytes, mode_config, reference_decode, split_at,
    Mode, Output, STRICT,
};

const TCHARS: &[u8] =
    b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn token() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(TCHARS), 1..8)
}

/// Any byte a chunk extension value can carry (escaped as needed): HTAB, SP, VCHAR, obs-text.
fn ext_value() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        prop::sample::select(TCHARS),
        prop::sample::select(&b" \t\"\\;=,"[..]),
        0x20u8..0x7f,
        0x80u8..=0xff,
    ];
    prop::collection::vec(byte, 0..10)
}

/// A trailer value: field-vchar with inner SP/HTAB, no surrounding whitespace.
fn trailer_value() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![0x21u8..0x7f, 0x80u8..=0xff, Just(b' '), Just(b'\t')];
    prop::collection::vec(byte, 0..12).prop_map(|v| {
        let is_ws = |b: &u8| *b == b' ' || *b == b'\t';
        let a = v.iter().position(|b| !is_ws(b)).unwrap_or(v.len());
        let z = v.iter().rposition(|b| !is_ws(b)).map_or(a, |z| z + 1);
        v[a..z].to_vec()
    })
}

type Exts = Vec<(Vec<u8>, Option<Vec<u8>>)>;

#[derive(Debug, Clone)]
struct Msg {
    /// Payload, extensions, and whether to use the zero-copy `Buf` path.
    chunks: Vec<(Vec<u8>, Exts, bool)>,
    trailers: Vec<(Vec<u8>, Vec<u8>)>,
    leftover: Vec<u8>,
}

fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..24),
        1 => prop::collection::vec(any::<u8>(), 0..400),
        1 => Just(Vec::new()),
    ]
}

fn msg() -> impl Strategy<Value = Msg> {
    let ext = (token(), prop::option::of(ext_value()));
    let chunk = (payload(), prop::collection::vec(ext, 0..3), any::<bool>());
    // `x-` keeps generated names off the forbidden-trailer list.
    let trailer = (
        token().prop_map(|t| [b"x-".to_vec(), t].concat()),
        trailer_value(),
    );
    (
        prop::collection::vec(chunk, 0..8),
        prop::collection::vec(trailer, 0..4),
        prop::collection::vec(any::<u8>(), 0..16),
    )
        .prop_map(|(chunks, trailers, leftover)| Msg {
            chunks,
            trailers,
            leftover,
        })
}

/// The encoding of `m` (leftover appended) and the output a decoder must produce.
fn encode(m: &Msg) -> (Vec<u8>, Output) {
    let mut enc = Encoder::new();
    let mut wire = Vec::new();
    let mut want = Output::default();
    for (data, exts, use_buf) in &m.chunks {
        if exts.is_empty() && *use_buf {
            let framed = enc.frame(Bytes::copy_from_slice(data)).unwrap();
            wire.put(framed);
        } else {
            let exts_enc: Vec<ChunkExt<'_>> = exts
                .iter()
                .map(|(n, v)| match v {
                    Some(v) => ChunkExt::with_value(n, v).unwrap(),
                    None => ChunkExt::new(n).unwrap(),
                })
                .collect();
            let before = wire.len();
            enc.encode(data, &exts_enc, &mut wire).unwrap();
            assert_eq!(
                wire.len() - before,
                Encoder::encoded_len(data.len(), &exts_enc)
            );
        }
        if !data.is_empty() {
            want.body.extend_from_slice(data);
            want.chunks.push((data.len() as u64, exts.clone()));
        }
    }
    let fields: Vec<TrailerField<'_>> = m
        .trailers
        .iter()
        .map(|(n, v)| TrailerField::new(n, v).unwrap())
        .collect();
    if fields.is_empty() && m.leftover.len().is_multiple_of(2) {
        wire.extend_from_slice(LAST_CHUNK);
    } else {
        enc.finish(&fields, &mut wire).unwrap();
    }
    want.chunks.push((0, vec![]));
    want.trailers = m.trailers.clone();
    wire.extend_from_slice(&m.leftover);
    want.leftover = m.leftover.clone();
    (wire, want)
}

fn cut(input: &[u8], points: &[Index]) -> Vec<usize> {
    points.iter().map(|i| i.index(input.len() + 1)).collect()
}

type Driver = fn(&[&[u8]], Limits) -> Result<Output, DecodeError>;
const DRIVERS: [Driver; 3] = [decode_pieces, decode_pieces_bytes, decode_pieces_buf];

const MODES: [Mode; 4] = [
    STRICT,
    Mode {
        trailing_ws: true,
        bare_lf: false,
    },
    Mode {
        trailing_ws: false,
        bare_lf: true,
    },
    Mode {
        trailing_ws: true,
        bare_lf: true,
    },
];

/// ChunkRef-like fragments, valid and not, for the differential test.
const FRAGMENTS: &[&[u8]] = &[
    b"0",
    b"1",
    b"5",
    b"a",
    b"F",
    b"00",
    b"10",
    b"ffffffffffffffff",
    b"1\r\nx\r\n",
    b"3\r\nabc\r\n",
    b"2;e\r\nhi\r\n",
    b"0\r\n",
    b"\r\n",
    b"\r",
    b"\n",
    b";",
    b"; ",
    b" ",
    b"\t",
    b"=",
    b" = ",
    b"\"",
    b"\\",
    b"a=b",
    b";ext",
    b";e=\"q\\\"\"",
    b";e=\"\"",
    b"x",
    b":",
    b": v",
    b"X-T: v\r\n",
    b"X:\r\n",
    b"\0",
    b"\x7f",
    b"\x80",
    b"abc",
    b"hello",
    b"\r\n\r\n",
    b"0\r\n\r\n",
    b"0\n\n",
    b"1\nz\n",
];

/// Bytes that matter to the grammar, for mutations.
const INTERESTING: &[u8] = b"019afAFg;=\"\\\r\n\t :x\0\x7f\x80\xff";

fn fragments() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 1..16).prop_map(|v| v.concat())
}

fn mutated() -> impl Strategy<Value = Vec<u8>> {
    let edit = (any::<Index>(), 0u8..3, prop::sample::select(INTERESTING));
    (msg(), prop::collection::vec(edit, 1..4)).prop_map(|(m, edits)| {
        let (mut wire, _) = encode(&m);
        for (at, op, byte) in edits {
            match op {
                0 if !wire.is_empty() => {
                    let i = at.index(wire.len());
                    wire[i] = byte;
                }
                1 => {
                    let i = at.index(wire.len() + 1);
                    wire.insert(i, byte);
                }
                _ if !wire.is_empty() => {
                    let i = at.index(wire.len());
                    wire.remove(i);
                }
                _ => {}
            }
        }
        wire
    })
}

/// Usually one of `valid`, sometimes one of `invalid` (12:1 per piece, so a body of a dozen
/// pieces is valid about a third of the time).
fn pick(
    valid: &'static [&'static str],
    invalid: &'static [&'static str],
) -> impl Strategy<Value = &'static [u8]> + Clone {
    prop_oneof![
        12 => prop::sample::select(valid),
        1 => prop::sample::select(invalid),
    ]
    .prop_map(str::as_bytes)
}

/// Line ends: CRLF, or one of the ways to get it wrong.
fn eol() -> impl Strategy<Value = &'static [u8]> + Clone {
    pick(&["\r\n"], &["\n", "\r", "", "\r\r\n", " \r\n"])
}

/// One chunk built from grammar-aware pieces, each usually valid and sometimes not: the size
/// in varied spellings (and occasionally junk after it), extensions, whitespace before the
/// line end, each kind of line end, data of the declared length (occasionally one off).
fn structured_chunk() -> impl Strategy<Value = Vec<u8>> {
    let size = (
        1usize..5,
        0usize..3,
        any::<bool>(),
        pick(&[""], &[" ", "x", "+", "_", "\0"]),
    );
    let exts = prop::collection::vec(
        pick(
            &[
                ";a",
                "; a",
                " ;a",
                ";a=b",
                ";a = b",
                ";a=\"x y\"",
                ";a=\"\\\"\"",
                "\t;\tb=\t1",
                ";a=\"\"",
                ";b=\"\u{80};\"",
            ],
            &[
                ";a=",
                ";",
                ";=b",
                ";a=\"x",
                ";a=b\"c\"",
                ";a=\"\r\n\"",
                ";a\n",
                ";a\r",
                ";a=\"\\\n\"",
                ";a=\"x\ny\"",
                ";a=\"\x01\"",
                ";a b",
            ],
        ),
        0..3,
    );
    let ws = pick(&[""], &[" ", "\t", " \t"]);
    let data = (
        prop::collection::vec(any::<u8>(), 0..8),
        prop_oneof![12 => Just(0i64), 1 => Just(1), 1 => Just(-1)],
    );
    (size, exts, ws, eol(), data, eol()).prop_map(
        |((n, zeros, upper, junk), exts, ws, eol1, (bytes, delta), eol2)| {
            let mut out = Vec::new();
            out.extend(std::iter::repeat_n(b'0', zeros));
            let hex = if upper {
                format!("{n:X}")
            } else {
                format!("{n:x}")
            };
            out.extend_from_slice(hex.as_bytes());
            out.extend_from_slice(junk);
            for e in exts {
                out.extend_from_slice(e);
            }
            out.extend_from_slice(ws);
            out.extend_from_slice(eol1);
            let len = (n as i64 + delta).max(0) as usize;
            out.extend((0..len).map(|k| bytes.get(k).copied().unwrap_or(b'x')));
            out.extend_from_slice(eol2);
            out
        },
    )
}

/// A whole body from grammar-aware pieces (see [`structured_chunk`]), with a last chunk,
/// trailer lines and a final line end that are each usually valid.
fn structured() -> impl Strategy<Value = Vec<u8>> {
    let last = (
        pick(&["0", "00"], &["", " 0", "0x", "\r\n"]),
        pick(&["", ";a", ";a=\"b\""], &[" ", ";", "\t", ";a\n"]),
        eol(),
    );
    let trailer = (
        pick(&["X", "x-y", "a"], &["", "X Y", " X", "\tX", "X("]),
        pick(&[":", ": ", ":\t"], &[" :", ""]),
        pick(
            &["v", "", " v ", "a b", "\u{80}", "a\tb"],
            &["a\x00b", "a\rb", "a\nb", "\x7f"],
        ),
        eol(),
    );
    (
        prop::collection::vec(structured_chunk(), 0..4),
        last,
        prop::collection::vec(trailer, 0..3),
        eol(),
        prop::collection::vec(any::<u8>(), 0..4),
    )
        .prop_map(|(chunks, (zero, ext, eol), trailers, end, rest)| {
            let mut out = chunks.concat();
            for piece in [zero, ext, eol] {
                out.extend_from_slice(piece);
            }
            for (name, colon, value, eol) in trailers {
                for piece in [name, colon, value, eol] {
                    out.extend_from_slice(piece);
                }
            }
            out.extend_from_slice(end);
            out.extend_from_slice(&rest);
            out
        })
}

/// The real decoder (cut at `points`, via `driver`) against the reference, in `mode`.
fn differential(
    input: &[u8],
    mode: Mode,
    points: &[Index],
    driver: usize,
) -> Result<(), TestCaseError> {
    let reference = reference_decode(input, mode);
    let pieces = split_at(input, &cut(input, points));
    let real = DRIVERS[driver % DRIVERS.len()](&pieces, mode_config(mode));
    match (&real, &reference) {
        (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
        (Err(_), Err(())) => {}
        _ => prop_assert!(
            false,
            "mode {:?}: real {:?} vs reference {:?} on {:?}",
            mode,
            real,
            reference,
            String::from_utf8_lossy(input)
        ),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn round_trip(
        m in msg(),
        points in prop::collection::vec(any::<Index>(), 0..10),
        driver in 0usize..3,
        config in prop::sample::select(vec![Limits::default(), Limits::strict(), Limits::lenient()]),
    ) {
        let (wire, want) = encode(&m);
        let pieces = split_at(&wire, &cut(&wire, &points));
        let out = DRIVERS[driver](&pieces, config);
        prop_assert_eq!(out, Ok(want.clone()));
        // The reference agrees on encoder output too.
        prop_assert_eq!(reference_decode(&wire, STRICT), Ok(want));
    }

    #[test]
    fn differential_on_fragments(
        input in fragments(),
        mode in prop::sample::select(MODES.to_vec()),
        points in prop::collection::vec(any::<Index>(), 0..6),
        driver in 0usize..3,
    ) {
        differential(&input, mode, &points, driver)?;
    }

    #[test]
    fn differential_on_structured_bodies(
        input in structured(),
        mode in prop::sample::select(MODES.to_vec()),
        points in prop::collection::vec(any::<Index>(), 0..6),
        driver in 0usize..3,
    ) {
        differential(&input, mode, &points, driver)?;
    }

    #[test]
    fn differential_on_mutated_bodies(
        input in mutated(),
        mode in prop::sample::select(MODES.to_vec()),
        points in prop::collection::vec(any::<Index>(), 0..6),
        driver in 0usize..3,
    ) {
        differential(&input, mode, &points, driver)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_cuts_do_not_matter(
        input in prop::collection::vec(any::<u8>(), 0..200),
        points in prop::collection::vec(any::<Index>(), 0..8),
        driver in 0usize..3,
    ) {
        let config = { let mut l = Limits::default(); l.max_chunk_line = 32; l.max_extension_bytes = 64; l.max_trailer_bytes = 64; l };
        let whole = decode_pieces(&[&input], config);
        let pieces = split_at(&input, &cut(&input, &points));
        let split = DRIVERS[driver](&pieces, config);
        prop_assert_eq!(whole, split);
    }
}

/// What a body decodes to, read through `Decoder::decode` with or without header items: the
/// body, the trailer fields, and how it ended (`Ok(bytes consumed)` or the error).
type BodyOnly = (Vec<u8>, Vec<(Vec<u8>, Vec<u8>)>, Result<u64, DecodeError>);

fn body_only(pieces: &[&[u8]], config: Limits, headers: bool) -> BodyOnly {
    use sse_wire::chunked::{ChunkRef, Decoder};
    let mut decoder = Decoder::with_limits(config).headers(headers);
    let (mut body, mut trailers) = (Vec::new(), Vec::new());
    let mut buf: Vec<u8> = Vec::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        loop {
            let decoded = match decoder.decode(&buf) {
                Ok(d) => d,
                Err(e) => return (body, trailers, Err(e)),
            };
            let consumed = decoded.consumed;
            match decoded.item {
                Some(ChunkRef::Header { .. }) => {
                    assert!(headers, "a header item with headers(false)")
                }
                Some(ChunkRef::Data(d)) => body.extend_from_slice(d),
                Some(ChunkRef::Trailer { name, value }) => {
                    trailers.push((name.to_vec(), value.to_vec()))
                }
                Some(ChunkRef::Done) => return (body, trailers, Ok(decoder.position())),
                None => {
                    buf.drain(..consumed);
                    break;
                }
                _ => {}
            }
            buf.drain(..consumed);
        }
    }
    let end = decoder.finish().map(|()| decoder.position());
    (body, trailers, end)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// `Decoder::headers(false)` drops the `Header` items and nothing else: same body, same
    /// trailers, same end (or the same error at the same offset), however the input is cut.
    #[test]
    fn without_header_items_everything_else_is_the_same(
        input in prop_oneof![structured(), mutated(), fragments()],
        mode in prop::sample::select(MODES.to_vec()),
        points in prop::collection::vec(any::<Index>(), 0..6),
    ) {
        let pieces = split_at(&input, &cut(&input, &points));
        let config = mode_config(mode);
        prop_assert_eq!(
            body_only(&pieces, config, false),
            body_only(&pieces, config, true)
        );
    }
}
