//! Payloads, extensions and trailer fields through `chunked::Encoder` (its `BufMut` paths and
//! its zero-copy `Buf` path), followed by arbitrary leftover bytes, then through every front end
//! of the strict decoder at fuzzer-chosen cuts: the same payloads, extensions and trailers come
//! back, and the leftover is untouched. Invalid extensions and trailer fields must be refused
//! with the documented `EncodeError` (the exact variant and offset; forbidden trailer names as
//! listed on `TrailerField::new`, which `new_unrestricted` lets through); lengths the encoder announces must be exact; a destination
//! one byte short must get `BufferTooSmall` with nothing written.
//!
//! Input: the usual header (see `sse_wire_testkit::fuzz`; flags are unused), then records separated by
//! 0xFF; the last record is the leftover. A record's first byte says what it is: `kind % 4` 0 a
//! chunk written with `encode` and extensions, 1 a chunk through the `Buf` path
//! (`Encoder::frame`, no extensions), 2 a chunk through `encode` without extensions, 3 a
//! trailer field (and with `kind % 8 == 7` a forbidden name is sent through `TrailerField::new_unrestricted`). Fields
//! are separated by 0xFE: a chunk's payload then its extensions (`name` or `name=value`), a
//! trailer's name then its value.
#![no_main]

use bytes::Buf;
use libfuzzer_sys::fuzz_target;
use sse_wire::chunked::{ChunkExt, EncodeError, Encoder, Limits, TrailerField};
use sse_wire_testkit::chunked::unlimited;
use sse_wire_testkit::fuzz::{pieces, run_chunked, ChunkedPath, Input};
use sse_wire_testkit::reference::chunked::{Ext, Output};

fn tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Control bytes other than HTAB.
fn ctl(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7f
}

/// RFC 9110 §6.5.1: fields a sender must not put in trailers (framing, connection management,
/// routing, request modifiers, authentication, response control, content processing), as
/// documented on `TrailerField::new`. Kept here on its own so that the target checks the
/// encoder against the documentation rather than against itself.
const FORBIDDEN: &[&str] = &[
    "content-length",
    "trailer",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "upgrade",
    "host",
    "max-forwards",
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "cache-control",
    "expect",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "pragma",
    "range",
    "authorization",
    "proxy-authenticate",
    "proxy-authorization",
    "www-authenticate",
    "age",
    "cookie",
    "expires",
    "location",
    "retry-after",
    "set-cookie",
    "vary",
    "content-encoding",
    "content-range",
    "content-type",
];

/// Where `s` stops being a non-empty token (0 when empty).
fn not_token_at(s: &[u8]) -> Option<usize> {
    if s.is_empty() {
        Some(0)
    } else {
        s.iter().position(|&b| !tchar(b))
    }
}

/// The error `ChunkExt` must return, if any: the name is checked first.
fn ext_error(name: &[u8], value: Option<&[u8]>) -> Option<EncodeError> {
    if let Some(at) = not_token_at(name) {
        return Some(EncodeError::InvalidExtensionName { at });
    }
    let at = value?.iter().position(|&b| ctl(b))?;
    Some(EncodeError::InvalidExtensionValue { at })
}

/// The error `TrailerField::new` must return, if any: name syntax, then value bytes, then
/// surrounding whitespace, then the forbidden names.
fn trailer_error(name: &[u8], value: &[u8]) -> Option<EncodeError> {
    if let Some(at) = not_token_at(name) {
        return Some(EncodeError::InvalidTrailerName { at });
    }
    if let Some(at) = value.iter().position(|&b| ctl(b)) {
        return Some(EncodeError::InvalidTrailerValue { at });
    }
    let ws = |b: &u8| *b == b' ' || *b == b'\t';
    if value.first().is_some_and(ws) {
        return Some(EncodeError::TrailerValueWhitespace { at: 0 });
    }
    if value.last().is_some_and(ws) {
        let at = value.len() - 1;
        return Some(EncodeError::TrailerValueWhitespace { at });
    }
    if FORBIDDEN
        .iter()
        .any(|f| f.as_bytes().eq_ignore_ascii_case(name))
    {
        return Some(EncodeError::ForbiddenTrailer);
    }
    None
}

fuzz_target!(|raw: &[u8]| {
    let input = Input::parse(raw);
    let mut records: Vec<&[u8]> = input.data.split(|&b| b == 0xFF).collect();
    let leftover = records.pop().unwrap_or_default();

    let mut enc = Encoder::new();
    let mut wire: Vec<u8> = Vec::new();
    let mut want = Output::default();
    let mut trailers: Vec<TrailerField<'_>> = Vec::new();
    for record in records {
        let Some((&kind, rest)) = record.split_first() else {
            continue;
        };
        let mut fields = rest.split(|&b| b == 0xFE);
        let first = fields.next().unwrap_or_default();
        let before = wire.len();
        match kind % 4 {
            0 => {
                let mut list = Vec::new();
                let mut expect: Vec<Ext> = Vec::new();
                for f in fields {
                    let (name, value) = match f.iter().position(|&b| b == b'=') {
                        Some(i) => (&f[..i], Some(&f[i + 1..])),
                        None => (f, None),
                    };
                    let want = ext_error(name, value);
                    let made = match value {
                        Some(v) => ChunkExt::with_value(name, v),
                        None => ChunkExt::new(name),
                    };
                    assert_eq!(made.err(), want, "{name:?} {value:?}");
                    if let Ok(e) = made {
                        list.push(e);
                        expect.push((name.to_vec(), value.map(<[u8]>::to_vec)));
                    }
                }
                let len = Encoder::encoded_len(first.len(), &list);
                if len > 0 {
                    let mut space = vec![0xAAu8; len - 1];
                    let mut dst = &mut space[..];
                    let e = enc.encode(first, &list, &mut dst).unwrap_err();
                    assert!(matches!(e, EncodeError::BufferTooSmall { .. }), "{e:?}");
                    assert!(
                        space.iter().all(|&b| b == 0xAA),
                        "written into a short buffer"
                    );
                }
                enc.encode(first, &list, &mut wire)
                    .expect("encode with extensions");
                assert_eq!(wire.len() - before, len, "encoded_len_with_extensions");
                if !first.is_empty() {
                    want.chunks.push((first.len() as u64, expect));
                }
            }
            1 => {
                let mut framed = enc.frame(first).expect("chunk");
                while framed.has_remaining() {
                    let c = framed.chunk();
                    let n = c.len();
                    wire.extend_from_slice(c);
                    framed.advance(n);
                }
                assert_eq!(wire.len() - before, Encoder::encoded_len(first.len(), &[]));
                if !first.is_empty() {
                    want.chunks.push((first.len() as u64, Vec::new()));
                }
            }
            2 => {
                enc.encode(first, &[], &mut wire).expect("encode");
                assert_eq!(wire.len() - before, Encoder::encoded_len(first.len(), &[]));
                if !first.is_empty() {
                    want.chunks.push((first.len() as u64, Vec::new()));
                }
            }
            _ => {
                let value = fields.next().unwrap_or_default();
                let expected = trailer_error(first, value);
                let made = TrailerField::new(first, value);
                assert_eq!(made.err(), expected, "{first:?}: {value:?}");
                // The opt-in skips only the name list.
                let unrestricted = TrailerField::new_unrestricted(first, value);
                match expected {
                    Some(EncodeError::ForbiddenTrailer) | None => {
                        // It goes out as given.
                        let sent = unrestricted.map(|t| {
                            let mut wire = Vec::new();
                            Encoder::new().finish(&[t], &mut wire).unwrap();
                            wire
                        });
                        assert_eq!(
                            sent,
                            Ok([&b"0\r\n"[..], first, b": ", value, b"\r\n\r\n"].concat())
                        );
                    }
                    Some(e) => assert_eq!(unrestricted.err(), Some(e)),
                }
                // kind 7 sends a forbidden field through the opt-in.
                let send = match (made, kind % 8) {
                    (Ok(t), _) => Some(t),
                    (Err(EncodeError::ForbiddenTrailer), 7) => unrestricted.ok(),
                    _ => None,
                };
                if let Some(t) = send {
                    trailers.push(t);
                    want.trailers.push((first.to_vec(), value.to_vec()));
                }
                continue;
            }
        }
        want.body.extend_from_slice(first);
    }
    let before = wire.len();
    let len = Encoder::finished_len(&trailers);
    enc.finish(&trailers, &mut wire).expect("finish");
    assert_eq!(wire.len() - before, len, "finished_len");
    assert_eq!(enc.encode(b"x", &[], &mut wire), Err(EncodeError::Finished));
    assert_eq!(enc.finish(&[], &mut wire), Err(EncodeError::Finished));
    assert_eq!(wire.len() - before, len, "written after finishing");
    want.chunks.push((0, Vec::new()));
    wire.extend_from_slice(leftover);
    want.leftover = leftover.to_vec();

    let cut = pieces(&wire, input.cuts);
    for config in [unlimited(Limits::strict()), unlimited(Limits::lenient())] {
        for path in ChunkedPath::ALL {
            let got = run_chunked(config, path, &cut).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            assert_eq!(got, want, "{path:?}");
        }
    }
});
