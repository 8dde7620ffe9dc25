//! The chunked reference decoder: an obviously-correct whole-input decoder written straight from
//! the RFC 9112 section 7.1 grammar, sharing no code with [`sse_wire::chunked`].
//!
//! [`reference_decode`] knows the two leniencies of [`sse_wire::chunked::Limits`] ([`Mode`]) but no
//! limit, and only says whether the body is valid: compare it with a decoder whose limits are
//! all out of the way. [`reference_decode_exact`] applies a whole `Limits`, limits included, and
//! fails with the error the decoder must report (kind and offset).

use alloc::vec::Vec;

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

/// The two leniencies the reference can be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    /// SP/HTAB allowed between the chunk-ext (or size) and the CRLF of a chunk line.
    pub trailing_ws: bool,
    /// A lone LF counts as CRLF.
    pub bare_lf: bool,
}

/// No leniency: the grammar to the letter (as [`Limits::strict`](sse_wire::chunked::Limits::strict)).
pub const STRICT: Mode = Mode {
    trailing_ws: false,
    bare_lf: false,
};

/// Trailing whitespace on chunk lines tolerated (as [`Limits::new`](sse_wire::chunked::Limits::new)).
pub const DEFAULT: Mode = Mode {
    trailing_ws: true,
    bare_lf: false,
};

/// Trailing whitespace and bare LF both accepted (as
/// [`Limits::lenient`](sse_wire::chunked::Limits::lenient)).
pub const LENIENT: Mode = Mode {
    trailing_ws: true,
    bare_lf: true,
};

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
// `()` is the whole error: the reference only says whether the input is a valid body, and the
// tests compare that with the real decoder's accept/reject.
#[allow(clippy::result_unit_err)]
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

// ---------------------------------------------------------------------------------------------
// The same grammar with the decoder's limits and its exact error reports
// ---------------------------------------------------------------------------------------------

use sse_wire::chunked::{DecodeError as Error, Limit, Limits as Config};

const CR: u8 = b'\r';
const LF: u8 = b'\n';

/// The decoder's error variants as constructors taking the offset, so that the descent below
/// names each error where it finds it.
#[allow(non_snake_case)]
mod kind {
    use super::{Error, Limit};

    macro_rules! kinds {
        ($($name:ident)*) => {$(
            pub(super) fn $name(offset: u64) -> Error {
                Error::$name { offset }
            }
        )*};
    }
    kinds! {
        InvalidChunkSize InvalidAfterChunkSize ChunkSizeOverflow TrailingWhitespace
        InvalidExtension UnterminatedQuotedString BareCr BareLf MissingCrlfAfterData
        InvalidTrailerName MissingTrailerColon WhitespaceBeforeColon InvalidTrailerValue ObsFold
        Truncated
    }

    pub(super) fn LimitExceeded(limit: Limit) -> impl Fn(u64) -> Error {
        move |offset| Error::LimitExceeded { limit, offset }
    }
}

fn fail(kind: impl Fn(u64) -> Error, at: usize) -> Error {
    kind(at as u64)
}

fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// `field-vchar = VCHAR / obs-text`
fn field_vchar(b: u8) -> bool {
    (0x21..=0x7e).contains(&b) || b >= 0x80
}

/// `qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text`
fn qdtext(b: u8) -> bool {
    matches!(b, b'\t' | b' ' | 0x21 | 0x23..=0x5b | 0x5d..=0x7e | 0x80..=0xff)
}

/// The byte after `\` in a quoted-pair: `HTAB / SP / VCHAR / obs-text`.
fn pair_char(b: u8) -> bool {
    b == b'\t' || b == b' ' || field_vchar(b)
}

/// One chunk line being read, with the limits that apply to its bytes.
struct ChunkLine<'a> {
    s: &'a [u8],
    /// Where the line starts in the body.
    start: usize,
    config: &'a Config,
    /// Where the size digits end (relative to `start`), once known.
    digits_end: Option<usize>,
    /// Extension bytes of the earlier chunk lines.
    ext_before: usize,
}

impl ChunkLine<'_> {
    /// Byte `i` of the line, after the checks that the decoder makes before it looks at a byte
    /// of a chunk line: every byte before the line end counts against `max_chunk_line`, and
    /// every such byte after the size digits against `max_extension_bytes`. The end of the
    /// input is `Truncated`, at the end of the input.
    fn at(&self, i: usize) -> Result<u8, Error> {
        let Some(&b) = self.s.get(self.start + i) else {
            return Err(fail(kind::Truncated, self.s.len()));
        };
        if b != CR && b != LF {
            if i >= self.config.max_chunk_line {
                return Err(self.fail(kind::LimitExceeded(Limit::ChunkLine), i));
            }
            if let Some(m) = self.digits_end {
                if i >= m
                    && self.ext_before.saturating_add(i + 1 - m) > self.config.max_extension_bytes
                {
                    return Err(self.fail(kind::LimitExceeded(Limit::ExtensionBytes), i));
                }
            }
        }
        Ok(b)
    }

    fn fail(&self, kind: impl Fn(u64) -> Error, i: usize) -> Error {
        fail(kind, self.start + i)
    }

    /// Skips SP/HTAB from `i`; returns the first other byte and its index.
    fn skip_ws(&self, mut i: usize) -> Result<(usize, u8), Error> {
        loop {
            let b = self.at(i)?;
            if !is_ws(b) {
                return Ok((i, b));
            }
            i += 1;
        }
    }

    /// A token from `i` (its first byte already known to be a tchar): the token and the index
    /// and value of the byte after it.
    fn token(&self, mut i: usize) -> Result<(Vec<u8>, usize, u8), Error> {
        let from = i;
        loop {
            let b = self.at(i)?;
            if !tchar(b) {
                return Ok((self.s[self.start + from..self.start + i].to_vec(), i, b));
            }
            i += 1;
        }
    }

    /// A quoted-string whose opening quote is at `i`: the unescaped content and the index and
    /// value of the byte after the closing quote.
    fn quoted(&self, mut i: usize) -> Result<(Vec<u8>, usize, u8), Error> {
        let mut v = Vec::new();
        i += 1;
        loop {
            let b = self.at(i)?;
            match b {
                b'"' => {
                    let next = self.at(i + 1)?;
                    return Ok((v, i + 1, next));
                }
                b'\\' => {
                    let c = self.at(i + 1)?;
                    if c == CR || c == LF {
                        return Err(self.fail(kind::UnterminatedQuotedString, i + 1));
                    }
                    if !pair_char(c) {
                        return Err(self.fail(kind::InvalidExtension, i + 1));
                    }
                    v.push(c);
                    i += 2;
                }
                CR | LF => return Err(self.fail(kind::UnterminatedQuotedString, i)),
                _ if qdtext(b) => {
                    v.push(b);
                    i += 1;
                }
                _ => return Err(self.fail(kind::InvalidExtension, i)),
            }
        }
    }

    /// The line end at `i` (`b` is CR or LF), after SP/HTAB from `ws` on if there was any:
    /// the index of the next line.
    fn end(&self, i: usize, b: u8, ws: Option<usize>) -> Result<usize, Error> {
        if let Some(w) = ws {
            if !self.config.allow_trailing_whitespace {
                return Err(self.fail(kind::TrailingWhitespace, w));
            }
        }
        eol(self.s, self.start + i, b, self.config)
    }

    /// The whole line: size, extensions, index of the next line, extension bytes it holds.
    fn read(mut self) -> Result<(u64, Vec<Ext>, usize, usize), Error> {
        let cfg = self.config;
        // chunk-size = 1*HEXDIG
        let mut i = 0;
        let mut size: u64 = 0;
        let mut significant = 0;
        loop {
            let b = self.at(i)?;
            let Some(d) = (b as char).to_digit(16) else {
                break;
            };
            size = size
                .checked_mul(16)
                .and_then(|n| n.checked_add(u64::from(d)))
                .ok_or_else(|| self.fail(kind::ChunkSizeOverflow, i))?;
            // Leading zeros are free; each significant digit counts.
            if size != 0 {
                if significant >= cfg.max_size_digits {
                    return Err(self.fail(kind::LimitExceeded(Limit::SizeDigits), i));
                }
                significant += 1;
            }
            i += 1;
        }
        if i == 0 {
            return Err(self.fail(kind::InvalidChunkSize, 0));
        }
        self.digits_end = Some(i);
        let digits_end = i;
        let done = |next: usize, term: usize, exts| Ok((size, exts, next, term - digits_end));
        let mut exts = Vec::new();
        // After the digits: BWS then ";", or the line end (trailing whitespace allowed by the
        // configuration).
        let mut b = self.at(i)?;
        let mut ws = None;
        if is_ws(b) {
            ws = Some(i);
            (i, b) = self.skip_ws(i)?;
        }
        if b == CR || b == LF {
            return done(self.end(i, b, ws)?, i, exts);
        }
        if b != b';' {
            return Err(self.fail(kind::InvalidAfterChunkSize, i));
        }
        // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ); `b` is a ";" at `i`.
        loop {
            let (j, c) = self.skip_ws(i + 1)?;
            if !tchar(c) {
                return Err(self.fail(kind::InvalidExtension, j));
            }
            let (name, j, c) = self.token(j)?;
            (i, b) = (j, c);
            ws = None;
            if is_ws(b) {
                ws = Some(i);
                (i, b) = self.skip_ws(i)?;
            }
            let mut value = None;
            if b == b'=' {
                let (j, c) = self.skip_ws(i + 1)?;
                let (v, j, c) = if tchar(c) {
                    self.token(j)?
                } else if c == b'"' {
                    self.quoted(j)?
                } else {
                    return Err(self.fail(kind::InvalidExtension, j));
                };
                value = Some(v);
                (i, b) = (j, c);
                ws = None;
                if is_ws(b) {
                    ws = Some(i);
                    (i, b) = self.skip_ws(i)?;
                }
            }
            exts.push((name, value));
            match b {
                b';' => {}
                CR | LF => return done(self.end(i, b, ws)?, i, exts),
                _ => return Err(self.fail(kind::InvalidExtension, i)),
            }
        }
    }
}

/// A line end whose first byte `b` (CR or LF) is at `i`: the index after it.
fn eol(s: &[u8], i: usize, b: u8, config: &Config) -> Result<usize, Error> {
    if b == LF {
        return if config.allow_bare_lf {
            Ok(i + 1)
        } else {
            Err(fail(kind::BareLf, i))
        };
    }
    match s.get(i + 1) {
        None => Err(fail(kind::Truncated, s.len())),
        Some(&LF) => Ok(i + 2),
        Some(_) => Err(fail(kind::BareCr, i)),
    }
}

/// One trailer field line at `start` (its first byte is a tchar): name, value, index of the
/// next line. `before` is the trailer bytes of the earlier lines: every byte of this line, its
/// line end included, counts against `max_trailer_bytes`, checked before the byte is looked at.
fn trailer_line(
    s: &[u8],
    start: usize,
    before: usize,
    config: &Config,
) -> Result<(Vec<u8>, Vec<u8>, usize), Error> {
    let at = |i: usize| -> Result<u8, Error> {
        let Some(&b) = s.get(start + i) else {
            return Err(fail(kind::Truncated, s.len()));
        };
        if before.saturating_add(i + 1) > config.max_trailer_bytes {
            return Err(fail(kind::LimitExceeded(Limit::TrailerBytes), start + i));
        }
        Ok(b)
    };
    at(0)?;
    // field-name = token, then ":" with no whitespace before it.
    let mut i = 1;
    loop {
        match at(i)? {
            b':' => break,
            b if tchar(b) => i += 1,
            b' ' | b'\t' => return Err(fail(kind::WhitespaceBeforeColon, start + i)),
            CR | LF => return Err(fail(kind::MissingTrailerColon, start + i)),
            _ => return Err(fail(kind::InvalidTrailerName, start + i)),
        }
    }
    let name = s[start..start + i].to_vec();
    // OWS field-value OWS, then the line end.
    i += 1;
    let mut first = None;
    let mut last = i;
    loop {
        let b = at(i)?;
        match b {
            _ if field_vchar(b) => {
                first.get_or_insert(i);
                last = i + 1;
            }
            b' ' | b'\t' => {}
            CR => {
                let c = at(i + 1)?;
                if c != LF {
                    return Err(fail(kind::BareCr, start + i));
                }
                break;
            }
            LF if config.allow_bare_lf => break,
            LF => return Err(fail(kind::BareLf, start + i)),
            _ => return Err(fail(kind::InvalidTrailerValue, start + i)),
        }
        i += 1;
    }
    let value = match first {
        Some(f) => s[start + f..start + last].to_vec(),
        None => Vec::new(),
    };
    let next = if s[start + i] == CR { i + 2 } else { i + 1 };
    Ok((name, value, start + next))
}

/// Decodes a whole chunked body as [`reference_decode`] does, but under every rule and limit of
/// `config`, and on failure with the error the decoder reports: its kind, and the offset of the
/// first byte that the body cannot continue with (a byte over a limit is checked for the limit
/// before its syntax), or the end of the input for `Truncated`.
///
/// Written as a plain descent over the whole input, one grammar rule at a time, as
/// `reference_decode` is; it shares the decoder's types, none of its code.
///
/// # Errors
///
/// The decoder's error for an invalid or incomplete body.
pub fn reference_decode_exact(input: &[u8], config: &Config) -> Result<Output, Error> {
    let s = input;
    let mut out = Output::default();
    let mut pos = 0;
    let mut ext_bytes: usize = 0;
    // *chunk last-chunk
    loop {
        let line = ChunkLine {
            s,
            start: pos,
            config,
            digits_end: None,
            ext_before: ext_bytes,
        };
        let (size, exts, next, ext_len) = line.read()?;
        ext_bytes = ext_bytes.saturating_add(ext_len);
        out.chunks.push((size, exts));
        pos = next;
        if size == 0 {
            break;
        }
        // chunk-data CRLF
        let left = s.len() - pos;
        let n = match usize::try_from(size) {
            Ok(n) if n <= left => n,
            _ => return Err(fail(kind::Truncated, s.len())),
        };
        out.body.extend_from_slice(&s[pos..pos + n]);
        pos += n;
        pos = match s.get(pos) {
            None => return Err(fail(kind::Truncated, s.len())),
            Some(&b @ (CR | LF)) => eol(s, pos, b, config)?,
            Some(_) => return Err(fail(kind::MissingCrlfAfterData, pos)),
        };
    }
    // trailer-section CRLF
    let mut trailer_bytes: usize = 0;
    loop {
        match s.get(pos) {
            None => return Err(fail(kind::Truncated, s.len())),
            Some(&b @ (CR | LF)) => {
                pos = eol(s, pos, b, config)?;
                break;
            }
            Some(b' ' | b'\t') => return Err(fail(kind::ObsFold, pos)),
            Some(&b) if tchar(b) => {
                if out.trailers.len() >= config.max_trailer_fields {
                    return Err(fail(kind::LimitExceeded(Limit::TrailerFields), pos));
                }
                let (name, value, next) = trailer_line(s, pos, trailer_bytes, config)?;
                trailer_bytes = trailer_bytes.saturating_add(next - pos);
                out.trailers.push((name, value));
                pos = next;
            }
            Some(_) => return Err(fail(kind::InvalidTrailerName, pos)),
        }
    }
    out.leftover = s[pos..].to_vec();
    Ok(out)
}
