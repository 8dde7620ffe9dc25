//! The chunked reference decoder: an obviously-correct whole-input decoder written straight from
//! the RFC 9112 section 7.1 grammar, sharing no code with [`crate::chunked`].
//!
//! It knows the two leniencies of [`crate::chunked::Config`] ([`Mode`]) but no limit: compare it
//! with a decoder whose limits are all out of the way.

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

/// No leniency: the grammar to the letter (as [`Config::strict`](crate::chunked::Config::strict)).
pub const STRICT: Mode = Mode {
    trailing_ws: false,
    bare_lf: false,
};

/// Trailing whitespace on chunk lines tolerated (as [`Config::new`](crate::chunked::Config::new)).
pub const DEFAULT: Mode = Mode {
    trailing_ws: true,
    bare_lf: false,
};

/// Trailing whitespace and bare LF both accepted (as
/// [`Config::lenient`](crate::chunked::Config::lenient)).
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
