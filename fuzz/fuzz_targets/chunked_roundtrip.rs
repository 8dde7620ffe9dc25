//! Payloads, extensions and trailer fields through `chunked::Encoder` (its `BufMut` paths and
//! its zero-copy `Buf` path), followed by arbitrary leftover bytes, then through every front end
//! of the strict decoder at fuzzer-chosen cuts: the same payloads, extensions and trailers come
//! back, and the leftover is untouched. Invalid extensions and trailer fields must be refused
//! with the documented `EncodeError`; lengths the encoder announces must be exact; a destination
//! one byte short must get `BufferTooSmall` with nothing written.
//!
//! Input: the usual header (see `sse_wire_fuzz`; flags are unused), then records separated by
//! 0xFF; the last record is the leftover. A record's first byte says what it is: `kind % 4` 0 a
//! chunk written with `encode_chunk_with_extensions`, 1 a chunk through the `Buf` path
//! (`Encoder::chunk`, no extensions), 2 a chunk through `encode_chunk`, 3 a trailer field. Fields
//! are separated by 0xFE: a chunk's payload then its extensions (`name` or `name=value`), a
//! trailer's name then its value.
#![no_main]

use bytes::Buf;
use libfuzzer_sys::fuzz_target;
use sse_wire::chunked::{ChunkExt, Config, EncodeError, Encoder, TrailerField};
use sse_wire::reference::chunked::{Ext, Output};
use sse_wire_fuzz::{pieces, run_chunked, unlimited, ChunkedPath, Input};

fn tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| tchar(b))
}

/// Control bytes other than HTAB.
fn ctl(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7f
}

const FORBIDDEN: &[&str] = &[
    "authorization",
    "cache-control",
    "content-encoding",
    "content-length",
    "content-range",
    "content-type",
    "host",
    "max-forwards",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
];

fn ext_errors(name: &[u8], value: Option<&[u8]>) -> Vec<EncodeError> {
    let mut errs = Vec::new();
    if !token(name) {
        errs.push(EncodeError::InvalidExtensionName);
    }
    if value.is_some_and(|v| v.iter().any(|&b| ctl(b))) {
        errs.push(EncodeError::InvalidExtensionValue);
    }
    errs
}

fn trailer_errors(name: &[u8], value: &[u8]) -> Vec<EncodeError> {
    let mut errs = Vec::new();
    if !token(name) {
        errs.push(EncodeError::InvalidTrailerName);
    }
    let ws = |b: &u8| *b == b' ' || *b == b'\t';
    if value.iter().any(|&b| ctl(b))
        || value.first().is_some_and(ws)
        || value.last().is_some_and(ws)
    {
        errs.push(EncodeError::InvalidTrailerValue);
    }
    if FORBIDDEN
        .iter()
        .any(|f| f.as_bytes().eq_ignore_ascii_case(name))
    {
        errs.push(EncodeError::ForbiddenTrailer);
    }
    errs
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
                    let errs = ext_errors(name, value);
                    let made = match value {
                        Some(v) => ChunkExt::with_value(name, v),
                        None => ChunkExt::new(name),
                    };
                    match made {
                        Ok(e) => {
                            assert!(errs.is_empty(), "{e:?} accepted, expected {errs:?}");
                            list.push(e);
                            expect.push((name.to_vec(), value.map(<[u8]>::to_vec)));
                        }
                        Err(e) => assert!(errs.contains(&e), "{e:?}, expected one of {errs:?}"),
                    }
                }
                let len = Encoder::encoded_len_with_extensions(first.len(), &list);
                if len > 0 {
                    let mut space = vec![0xAAu8; len - 1];
                    let mut dst = &mut space[..];
                    let e = enc
                        .encode_chunk_with_extensions(first, &list, &mut dst)
                        .unwrap_err();
                    assert!(matches!(e, EncodeError::BufferTooSmall { .. }), "{e:?}");
                    assert!(
                        space.iter().all(|&b| b == 0xAA),
                        "written into a short buffer"
                    );
                }
                enc.encode_chunk_with_extensions(first, &list, &mut wire)
                    .expect("encode_chunk_with_extensions");
                assert_eq!(wire.len() - before, len, "encoded_len_with_extensions");
                if !first.is_empty() {
                    want.chunks.push((first.len() as u64, expect));
                }
            }
            1 => {
                let mut framed = enc.chunk(first).expect("chunk");
                while framed.has_remaining() {
                    let c = framed.chunk();
                    let n = c.len();
                    wire.extend_from_slice(c);
                    framed.advance(n);
                }
                assert_eq!(wire.len() - before, Encoder::encoded_len(first.len()));
                if !first.is_empty() {
                    want.chunks.push((first.len() as u64, Vec::new()));
                }
            }
            2 => {
                enc.encode_chunk(first, &mut wire).expect("encode_chunk");
                assert_eq!(wire.len() - before, Encoder::encoded_len(first.len()));
                if !first.is_empty() {
                    want.chunks.push((first.len() as u64, Vec::new()));
                }
            }
            _ => {
                let value = fields.next().unwrap_or_default();
                let errs = trailer_errors(first, value);
                match TrailerField::new(first, value) {
                    Ok(t) => {
                        assert!(errs.is_empty(), "{t:?} accepted, expected {errs:?}");
                        trailers.push(t);
                        want.trailers.push((first.to_vec(), value.to_vec()));
                    }
                    Err(e) => assert!(errs.contains(&e), "{e:?}, expected one of {errs:?}"),
                }
                continue;
            }
        }
        want.body.extend_from_slice(first);
    }
    let before = wire.len();
    let len = Encoder::finished_len(&trailers);
    enc.finish_with_trailers(&trailers, &mut wire)
        .expect("finish_with_trailers");
    assert_eq!(wire.len() - before, len, "finished_len");
    assert_eq!(
        enc.encode_chunk(b"x", &mut wire),
        Err(EncodeError::Finished)
    );
    assert_eq!(enc.finish(&mut wire), Err(EncodeError::Finished));
    assert_eq!(wire.len() - before, len, "written after finishing");
    want.chunks.push((0, Vec::new()));
    wire.extend_from_slice(leftover);
    want.leftover = leftover.to_vec();

    let cut = pieces(&wire, input.cuts);
    for config in [unlimited(Config::strict()), unlimited(Config::lenient())] {
        for path in ChunkedPath::ALL {
            let got = run_chunked(config, path, &cut).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            assert_eq!(got, want, "{path:?}");
        }
    }
});
