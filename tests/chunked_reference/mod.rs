//! Shared by the chunked test files: an obviously-correct whole-input reference decoder
//! written straight from the RFC 9112 §7.1 grammar, and drivers that feed the real decoder
//! through each of its front ends, in caller-chosen pieces.
#![allow(dead_code)]

use bytes::{Bytes, BytesMut};
use sse_wire::chunked::{Chunk, Config, Decoded, Decoder, Error, Extensions, OwnedChunk};

/// One extension: name and unescaped value.
pub type Ext = (Vec<u8>, Option<Vec<u8>>);

/// Everything a decoded body is made of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    /// The chunk data, concatenated.
    pub body: Vec<u8>,
    /// Each chunk line (the last chunk included): size and extensions.
    pub chunks: Vec<(u64, Vec<Ext>)>,
    /// Trailer fields in order.
    pub trailers: Vec<(Vec<u8>, Vec<u8>)>,
    /// Bytes after the final CRLF.
    pub leftover: Vec<u8>,
}

pub fn exts(e: &Extensions<'_>) -> Vec<Ext> {
    e.iter()
        .map(|x| {
            (
                x.name().to_vec(),
                x.value().map(|v| v.unescaped().into_owned()),
            )
        })
        .collect()
}

/// A configuration with every limit out of the way, for comparisons with the reference.
pub fn unlimited(base: Config) -> Config {
    base.max_size_digits(usize::MAX)
        .max_chunk_line(usize::MAX)
        .max_extension_bytes(usize::MAX)
        .max_trailer_bytes(usize::MAX)
        .max_trailer_fields(usize::MAX)
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
pub fn decode_pieces(pieces: &[&[u8]], config: Config) -> Result<Output, Error> {
    let mut dec = Decoder::with_config(config);
    let mut out = Output::default();
    let mut buf: Vec<u8> = Vec::new();
    let mut next = 0;
    let mut data_left = 0u64;
    loop {
        let before = dec.position();
        let Decoded { consumed, chunk } = dec.decode(&buf)?;
        assert!(consumed <= buf.len(), "consumed past the input");
        assert_eq!(dec.position(), before + consumed as u64);
        match chunk {
            Chunk::Header { size, extensions } => {
                assert!(consumed > 0);
                assert_eq!(
                    data_left, 0,
                    "header before the previous chunk's data ended"
                );
                data_left = size;
                out.chunks.push((size, exts(&extensions)));
            }
            Chunk::Data(d) => {
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
            Chunk::Trailer { name, value } => {
                assert!(consumed > 0);
                out.trailers.push((name.to_vec(), value.to_vec()));
            }
            Chunk::Done => {
                assert!(dec.is_done());
                assert_eq!(data_left, 0);
                buf.drain(..consumed);
                for p in &pieces[next..] {
                    buf.extend_from_slice(p);
                }
                out.leftover = buf;
                // Done is sticky and consumes nothing more.
                let again = dec.decode(b"more")?;
                assert_eq!((again.consumed, again.chunk), (0, Chunk::Done));
                assert!(dec.finish().is_ok());
                return Ok(out);
            }
            Chunk::NeedMore => {
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

/// As [`decode_pieces`], through [`Decoder::decode_bytes`]; checks that data is never copied.
pub fn decode_pieces_bytes(pieces: &[&[u8]], config: Config) -> Result<Output, Error> {
    let mut dec = Decoder::with_config(config);
    let mut out = Output::default();
    let mut buf = Bytes::new();
    let mut next = 0;
    loop {
        let range = buf.as_ptr_range();
        match dec.decode_bytes(&mut buf)? {
            OwnedChunk::Header { size, extensions } => {
                out.chunks.push((size, exts(&extensions.as_extensions())));
            }
            OwnedChunk::Data(d) => {
                assert!(!d.is_empty());
                let r = d.as_ptr_range();
                assert!(
                    range.start <= r.start && r.end <= range.end,
                    "data was copied"
                );
                out.body.extend_from_slice(&d);
            }
            OwnedChunk::Trailer { name, value } => {
                out.trailers.push((name.to_vec(), value.to_vec()));
            }
            OwnedChunk::Done => {
                let mut rest = buf.to_vec();
                for p in &pieces[next..] {
                    rest.extend_from_slice(p);
                }
                out.leftover = rest;
                return Ok(out);
            }
            OwnedChunk::NeedMore => {
                let Some(piece) = pieces.get(next) else {
                    return Err(dec.finish().expect_err("finish before Done must fail"));
                };
                let mut joined = BytesMut::from(&buf[..]);
                joined.extend_from_slice(piece);
                buf = joined.freeze();
                next += 1;
            }
            other => panic!("unexpected item {other:?}"),
        }
    }
}

/// As [`decode_pieces`], through [`Decoder::decode_buf`].
pub fn decode_pieces_buf(pieces: &[&[u8]], config: Config) -> Result<Output, Error> {
    let mut dec = Decoder::with_config(config);
    let mut out = Output::default();
    let mut buf = BytesMut::new();
    let mut next = 0;
    loop {
        match dec.decode_buf(&mut buf)? {
            OwnedChunk::Header { size, extensions } => {
                out.chunks.push((size, exts(&extensions.as_extensions())));
            }
            OwnedChunk::Data(d) => {
                assert!(!d.is_empty());
                out.body.extend_from_slice(&d);
            }
            OwnedChunk::Trailer { name, value } => {
                out.trailers.push((name.to_vec(), value.to_vec()));
            }
            OwnedChunk::Done => {
                let mut rest = buf.to_vec();
                for p in &pieces[next..] {
                    rest.extend_from_slice(p);
                }
                out.leftover = rest;
                return Ok(out);
            }
            OwnedChunk::NeedMore => {
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
pub fn decode_whole(input: &[u8], config: Config) -> Result<Output, Error> {
    decode_pieces(&[input], config)
}

// ---------------------------------------------------------------------------------------
// Reference decoder.
// ---------------------------------------------------------------------------------------

/// The two leniencies the reference can be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    /// SP/HTAB allowed between the chunk-ext (or size) and the CRLF of a chunk line.
    pub trailing_ws: bool,
    /// A lone LF counts as CRLF.
    pub bare_lf: bool,
}

pub const STRICT: Mode = Mode {
    trailing_ws: false,
    bare_lf: false,
};

pub fn mode_config(mode: Mode) -> Config {
    unlimited(
        Config::strict()
            .allow_trailing_whitespace(mode.trailing_ws)
            .allow_bare_lf(mode.bare_lf),
    )
}

struct P<'a> {
    s: &'a [u8],
    i: usize,
    mode: Mode,
}

fn tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

impl P<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// BWS / OWS = *( SP / HTAB )
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    /// CRLF (or LF in bare-LF mode).
    fn eol(&mut self) -> Result<(), ()> {
        if self.s[self.i..].starts_with(b"\r\n") {
            self.i += 2;
            Ok(())
        } else if self.mode.bare_lf && self.peek() == Some(b'\n') {
            self.i += 1;
            Ok(())
        } else {
            Err(())
        }
    }

    /// token = 1*tchar
    fn token(&mut self) -> Option<Vec<u8>> {
        let start = self.i;
        while self.peek().is_some_and(tchar) {
            self.i += 1;
        }
        (self.i > start).then(|| self.s[start..self.i].to_vec())
    }

    /// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE, unescaped.
    fn quoted_string(&mut self) -> Option<Vec<u8>> {
        let start = self.i;
        if !self.eat(b'"') {
            return None;
        }
        let mut v = Vec::new();
        while let Some(b) = self.peek() {
            self.i += 1;
            match b {
                b'"' => return Some(v),
                // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
                b'\\' => match self.peek() {
                    Some(c)
                        if c == b'\t' || c == b' ' || (0x21..=0x7e).contains(&c) || c >= 0x80 =>
                    {
                        self.i += 1;
                        v.push(c);
                    }
                    _ => break,
                },
                // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
                b'\t' | b' ' | 0x21 | 0x23..=0x5b | 0x5d..=0x7e | 0x80..=0xff => v.push(b),
                _ => break,
            }
        }
        self.i = start;
        None
    }

    /// chunk-size = 1*HEXDIG, as a u64 (None when empty or overflowing)
    fn chunk_size(&mut self) -> Option<u64> {
        let start = self.i;
        let mut n: u64 = 0;
        while let Some(d) = self.peek().and_then(|b| (b as char).to_digit(16)) {
            n = n.checked_mul(16)?.checked_add(u64::from(d))?;
            self.i += 1;
        }
        (self.i > start).then_some(n)
    }

    /// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
    fn chunk_ext(&mut self) -> Vec<Ext> {
        let mut exts = Vec::new();
        loop {
            let save = self.i;
            self.ws();
            if !self.eat(b';') {
                self.i = save;
                return exts;
            }
            self.ws();
            let Some(name) = self.token() else {
                self.i = save;
                return exts;
            };
            let before_value = self.i;
            self.ws();
            let mut value = None;
            if self.eat(b'=') {
                self.ws();
                value = self.token().or_else(|| self.quoted_string());
            }
            if value.is_none() {
                self.i = before_value;
            }
            exts.push((name, value));
        }
    }
}

/// Decodes a whole chunked body per RFC 9112 §7.1:
///
/// ```text
/// chunked-body = *chunk last-chunk trailer-section CRLF
/// chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
/// last-chunk   = 1*("0") [ chunk-ext ] CRLF
/// trailer-section = *( field-line CRLF )
/// field-line   = field-name ":" OWS field-value OWS
/// ```
///
/// Returns `Err(())` for anything invalid or incomplete. No limits.
pub fn reference_decode(input: &[u8], mode: Mode) -> Result<Output, ()> {
    let mut p = P {
        s: input,
        i: 0,
        mode,
    };
    let mut out = Output::default();
    loop {
        let size = p.chunk_size().ok_or(())?;
        let exts = p.chunk_ext();
        if mode.trailing_ws {
            p.ws();
        }
        p.eol()?;
        out.chunks.push((size, exts));
        if size == 0 {
            break;
        }
        let n = usize::try_from(size).map_err(|_| ())?;
        let data = input.get(p.i..p.i.checked_add(n).ok_or(())?).ok_or(())?;
        out.body.extend_from_slice(data);
        p.i += n;
        p.eol()?;
    }
    loop {
        if p.eol().is_ok() {
            break;
        }
        let name = p.token().ok_or(())?;
        if !p.eat(b':') {
            return Err(());
        }
        let start = p.i;
        // field-value characters: field-vchar = VCHAR / obs-text, plus SP / HTAB inside.
        while matches!(p.peek(), Some(b) if b == b' ' || b == b'\t' || (0x21..=0x7e).contains(&b) || b >= 0x80)
        {
            p.i += 1;
        }
        let raw = &input[start..p.i];
        let is_ws = |b: &u8| *b == b' ' || *b == b'\t';
        let a = raw.iter().position(|b| !is_ws(b)).unwrap_or(raw.len());
        let z = raw.iter().rposition(|b| !is_ws(b)).map_or(a, |z| z + 1);
        p.eol()?;
        out.trailers.push((name, raw[a..z].to_vec()));
    }
    out.leftover = input[p.i..].to_vec();
    Ok(out)
}
