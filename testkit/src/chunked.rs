//! Drivers for the chunked decoder, shared by the chunked test files and the fuzz targets: the
//! reference decoder written straight from the RFC 9112 section 7.1 grammar (re-exported from
//! [`crate::reference::chunked`]), the decoder's items in the reference's form ([`exts`]), and
//! drivers that feed the real decoder through each of its front ends, in caller-chosen pieces.

use bytes::{Bytes, BytesMut};
use sse_wire::chunked::{
    BytesDecoder, Chunk, ChunkRef, DecodeError, Decoded, Decoder, ExtensionsRef, Limits,
};

pub use crate::reference::chunked::{
    reference_decode, reference_decode_exact, Ext, Mode, Output, STRICT,
};

/// The extensions of a header in the reference's form.
#[must_use]
pub fn exts(e: &ExtensionsRef<'_>) -> Vec<Ext> {
    e.iter()
        .map(|x| {
            (
                x.name().to_vec(),
                x.value().map(|v| v.unescaped().into_owned()),
            )
        })
        .collect()
}

/// `base` with every limit out of the way, for comparisons with the reference.
#[must_use]
pub fn unlimited(mut base: Limits) -> Limits {
    base.max_size_digits = usize::MAX;
    base.max_chunk_line = usize::MAX;
    base.max_extension_bytes = usize::MAX;
    base.max_trailer_bytes = usize::MAX;
    base.max_trailer_fields = usize::MAX;
    base
}

/// `input` cut at the given points (sorted, deduplicated, clamped).
pub fn split_at<'a>(input: &'a [u8], points: &[usize]) -> Vec<&'a [u8]> {
    let mut pts: Vec<usize> = points.iter().map(|&p| p.min(input.len())).collect();
    pts.sort_unstable();
    pts.dedup();
    let mut out = Vec::new();
    let mut last = 0;
    for p in pts {
        out.push(&input[last..p]);
        last = p;
    }
    out.push(&input[last..]);
    out
}

/// Feeds `pieces` to [`Decoder::decode`] the way a caller with a growable buffer would,
/// checking the contract on every call. At the end of the pieces, calls `finish`.
pub fn decode_pieces(pieces: &[&[u8]], config: Limits) -> Result<Output, DecodeError> {
    let mut dec = Decoder::with_limits(config);
    let mut out = Output::default();
    let mut buf: Vec<u8> = Vec::new();
    let mut next = 0;
    let mut data_left = 0u64;
    loop {
        let before = dec.position();
        let Decoded {
            consumed,
            item: chunk,
        } = dec.decode(&buf)?;
        assert!(consumed <= buf.len(), "consumed past the input");
        assert_eq!(dec.position(), before + consumed as u64);
        match chunk {
            Some(ChunkRef::Header { size, extensions }) => {
                assert!(consumed > 0);
                assert_eq!(
                    data_left, 0,
                    "header before the previous chunk's data ended"
                );
                data_left = size;
                out.chunks.push((size, exts(&extensions)));
            }
            Some(ChunkRef::Data(d)) => {
                assert!(!d.is_empty(), "empty Data");
                assert!(d.len() as u64 <= data_left, "more data than the chunk size");
                // Data is a sub-slice of the input, ending at `consumed`, or right before the
                // CRLF that ends its chunk when the decoder consumed that too.
                let end = d.as_ptr_range().end;
                assert!(
                    end == buf[consumed..].as_ptr()
                        || (consumed >= 2
                            && end == buf[consumed - 2..].as_ptr()
                            && buf[consumed - 2..consumed] == *b"\r\n"),
                    "data is not where it was consumed"
                );
                data_left -= d.len() as u64;
                out.body.extend_from_slice(d);
            }
            Some(ChunkRef::Trailer { name, value }) => {
                assert!(consumed > 0);
                out.trailers.push((name.to_vec(), value.to_vec()));
            }
            Some(ChunkRef::Done) => {
                assert!(dec.is_done());
                assert_eq!(data_left, 0);
                buf.drain(..consumed);
                for p in &pieces[next..] {
                    buf.extend_from_slice(p);
                }
                out.leftover = buf;
                // Done is sticky and consumes nothing more.
                let again = dec.decode(b"more")?;
                assert_eq!((again.consumed, again.item), (0, Some(ChunkRef::Done)));
                assert!(dec.finish().is_ok());
                return Ok(out);
            }
            None => {
                let Some(piece) = pieces.get(next) else {
                    let e = dec.finish().expect_err("finish before Done must fail");
                    return Err(e);
                };
                buf.extend_from_slice(piece);
                next += 1;
            }
            other => panic!("unexpected item {other:?}"),
        }
        buf.drain(..consumed);
    }
}

/// As [`decode_pieces`], through a [`BytesDecoder`] fed with the pieces as `Bytes` (the
/// `Bytes` path that replaced `Decoder::decode_bytes`); checks that data is never copied.
pub fn decode_pieces_bytes(pieces: &[&[u8]], config: Limits) -> Result<Output, DecodeError> {
    let pieces: Vec<Bytes> = pieces.iter().map(|p| Bytes::copy_from_slice(p)).collect();
    let mut dec = BytesDecoder::from(Decoder::with_limits(config));
    let mut out = Output::default();
    for (next, piece) in pieces.iter().enumerate() {
        dec.push(piece.clone());
        while let Some(item) = dec.next() {
            match item? {
                Chunk::Header { size, extensions } => {
                    out.chunks.push((size, exts(&extensions.as_ref())));
                }
                Chunk::Data(d) => {
                    assert!(!d.is_empty());
                    let r = d.as_ptr_range();
                    assert!(
                        pieces.iter().any(|p| {
                            let range = p.as_ptr_range();
                            range.start <= r.start && r.end <= range.end
                        }),
                        "data was copied"
                    );
                    out.body.extend_from_slice(&d);
                }
                Chunk::Trailer { name, value } => {
                    out.trailers.push((name.to_vec(), value.to_vec()));
                }
                Chunk::Done => {
                    let mut rest = dec.take_remainder().to_vec();
                    for p in &pieces[next + 1..] {
                        rest.extend_from_slice(p);
                    }
                    out.leftover = rest;
                    return Ok(out);
                }
                other => panic!("unexpected item {other:?}"),
            }
        }
    }
    Err(dec.finish().expect_err("finish before Done must fail"))
}

/// As [`decode_pieces`], through [`Decoder::decode_buf`].
pub fn decode_pieces_buf(pieces: &[&[u8]], config: Limits) -> Result<Output, DecodeError> {
    let mut dec = Decoder::with_limits(config);
    let mut out = Output::default();
    let mut buf = BytesMut::new();
    let mut next = 0;
    loop {
        match dec.decode_buf(&mut buf)? {
            Some(Chunk::Header { size, extensions }) => {
                out.chunks.push((size, exts(&extensions.as_ref())));
            }
            Some(Chunk::Data(d)) => {
                assert!(!d.is_empty());
                out.body.extend_from_slice(&d);
            }
            Some(Chunk::Trailer { name, value }) => {
                out.trailers.push((name.to_vec(), value.to_vec()));
            }
            Some(Chunk::Done) => {
                let mut rest = buf.to_vec();
                for p in &pieces[next..] {
                    rest.extend_from_slice(p);
                }
                out.leftover = rest;
                return Ok(out);
            }
            None => {
                let Some(piece) = pieces.get(next) else {
                    return Err(dec.finish().expect_err("finish before Done must fail"));
                };
                buf.extend_from_slice(piece);
                next += 1;
            }
            other => panic!("unexpected item {other:?}"),
        }
    }
}

/// Decodes `input` whole with the borrowed front end.
pub fn decode_whole(input: &[u8], config: Limits) -> Result<Output, DecodeError> {
    decode_pieces(&[input], config)
}

// ---------------------------------------------------------------------------------------
// Reference decoder (`reference_decode`, `Mode`, `STRICT`: re-exported above).
// ---------------------------------------------------------------------------------------

/// The real decoder's configuration matching a reference [`Mode`], with every limit out of the
/// way.
pub fn mode_config(mode: Mode) -> Limits {
    let mut limits = Limits::strict();
    limits.allow_trailing_whitespace = mode.trailing_ws;
    limits.allow_bare_lf = mode.bare_lf;
    unlimited(limits)
}
