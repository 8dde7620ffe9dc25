//! The chunked body encoder: zero-copy `Buf` framing and a `BufMut` writer.

use bytes::{buf::Chain, Buf, BufMut};

use super::error::EncodeError;
use super::grammar::{is_field_vchar, is_quoted_pair_char, is_tchar, is_token, is_ws};

const CRLF: &[u8] = b"\r\n";
const EMPTY: &[u8] = b"";

/// The end of a body with no trailer fields: the last chunk `0\r\n` and the final `\r\n`,
/// what [`Encoder::finish`] writes when given no trailer fields.
///
/// A static slice, for a vectored writer that sends it in the same `writev` as the last data
/// chunk without writing it into a buffer first. Writing it directly bypasses the encoder,
/// which then does not know the body ended: drop the encoder (or call
/// [`finish`](Encoder::finish) on a scratch buffer) so that nothing is sent after it.
///
/// ```
/// use bytes::Buf;
/// use sse_wire::chunked::{Encoder, LAST_CHUNK};
///
/// let mut encoder = Encoder::new();
/// let last_data = encoder.frame(&b"bye"[..])?;
/// let wire = last_data.chain(LAST_CHUNK); // one vectored write
/// assert_eq!(wire.chunk(), b"3\r\n");
/// let mut out = Vec::new();
/// encoder.finish(&[], &mut out)?;
/// assert_eq!(out, LAST_CHUNK);
/// # Ok::<(), sse_wire::chunked::EncodeError>(())
/// ```
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// A chunk's size line (`<lowercase hex size>\r\n`), formatted on the stack; a [`Buf`].
///
/// At most 18 bytes: 16 hex digits and CRLF. Part of an [`EncodedChunk`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SizeLine {
    bytes: [u8; 18],
    pos: u8,
    end: u8,
}

impl SizeLine {
    /// The line for a chunk of `size` bytes (`size > 0`), or an empty buffer for `size == 0`.
    fn new(size: u64) -> Self {
        let mut line = SizeLine {
            bytes: [0; 18],
            pos: 0,
            end: 0,
        };
        if size > 0 {
            let n = write_hex(size, &mut line.bytes);
            line.bytes[n] = b'\r'; // n <= 16 < 18
            line.bytes[n + 1] = b'\n';
            line.end = n as u8 + 2;
        }
        line
    }

    /// The bytes not yet advanced past.
    fn as_bytes(&self) -> &[u8] {
        self.bytes
            .get(usize::from(self.pos)..usize::from(self.end))
            .unwrap_or_default()
    }
}

impl Buf for SizeLine {
    fn remaining(&self) -> usize {
        usize::from(self.end - self.pos)
    }

    fn chunk(&self) -> &[u8] {
        self.as_bytes()
    }

    fn advance(&mut self, cnt: usize) {
        // Advancing past the end stops at the end instead of panicking.
        let cnt = cnt.min(self.remaining());
        self.pos += cnt as u8;
    }
}

/// Number of lowercase hex digits of `n` (1 for 0).
const fn hex_digits(n: u64) -> usize {
    if n == 0 {
        1
    } else {
        (64 - n.leading_zeros() as usize).div_ceil(4)
    }
}

/// Writes `n` in lowercase hex at the start of `out`; returns the digit count (at most 16).
fn write_hex(n: u64, out: &mut [u8; 18]) -> usize {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digits = hex_digits(n);
    for (k, slot) in out.iter_mut().take(digits).enumerate() {
        let shift = 4 * (digits - 1 - k);
        *slot = HEX[((n >> shift) & 0xf) as usize];
    }
    digits
}

/// Where a non-empty `token` is not one: the first byte that is not a `tchar`, 0 when empty.
fn not_token_at(s: &[u8]) -> Option<usize> {
    if s.is_empty() {
        return Some(0);
    }
    s.iter().position(|&b| !is_tchar(b))
}

/// A validated chunk extension to send: `;name` or `;name=value`.
///
/// The value is sent as a token when it is one, and as a quoted-string (with `"` and `\`
/// escaped) otherwise; an empty value becomes `""`.
///
/// ```
/// use sse_wire::chunked::{ChunkExt, EncodeError};
///
/// assert!(ChunkExt::new("sig").is_ok());
/// assert!(ChunkExt::with_value("note", "a \"b\"").is_ok());
/// assert_eq!(ChunkExt::new("bad name").unwrap_err(), EncodeError::InvalidExtensionName { at: 3 });
/// assert_eq!(
///     ChunkExt::with_value("x", "a\r\nb").unwrap_err(),
///     EncodeError::InvalidExtensionValue { at: 1 }
/// );
/// ```
///
/// # Interoperability
///
/// Everything this type sends is valid RFC 9112 §7.1.1 `chunk-ext`, and curl, llhttp (Node's
/// `http` module), Python's `http.client`, h11 and Chromium accept it. **Node's `fetch`
/// (undici 6.x) does not**: it fails the whole response on a quoted-pair inside a quoted value
/// (`8;q="a \"b\""`, which [`with_value`](ChunkExt::with_value) writes for a value holding `"`
/// or `\`) and on any extension that follows a token-valued one (`;b=1;c`). A server whose
/// clients may be browsers' or Node's `fetch` should send at most one extension per chunk, or
/// put token-valued ones last, and avoid `"` and `\` in values. Most recipients ignore
/// extensions anyway (RFC 9112 §7.1.1), so sending none is the safest choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkExt<'a> {
    name: &'a [u8],
    value: Option<&'a [u8]>,
    quoted: bool,
    len: usize,
}

impl<'a> ChunkExt<'a> {
    /// An extension with no value.
    ///
    /// # Errors
    ///
    /// [`EncodeError::InvalidExtensionName`] unless `name` is a non-empty token, with the
    /// offset of the first byte that is not a `tchar`; [`EncodeError::LengthOverflow`] if
    /// `;name` would not fit in `usize`.
    pub fn new<N: AsRef<[u8]> + ?Sized>(name: &'a N) -> Result<Self, EncodeError> {
        let name = name.as_ref();
        if let Some(at) = not_token_at(name) {
            return Err(EncodeError::InvalidExtensionName { at });
        }
        Ok(ChunkExt {
            name,
            value: None,
            quoted: false,
            len: name
                .len()
                .checked_add(1)
                .ok_or(EncodeError::LengthOverflow)?,
        })
    }

    /// An extension with a value.
    ///
    /// # Errors
    ///
    /// [`EncodeError::InvalidExtensionName`] unless `name` is a non-empty token;
    /// [`EncodeError::InvalidExtensionValue`] if `value` holds a control byte other than HTAB
    /// (at the first one); [`EncodeError::LengthOverflow`] if the escaped extension would be
    /// longer than `usize::MAX` (a value of more than 2 GiB of `"` on a 32-bit target).
    pub fn with_value<N, V>(name: &'a N, value: &'a V) -> Result<Self, EncodeError>
    where
        N: AsRef<[u8]> + ?Sized,
        V: AsRef<[u8]> + ?Sized,
    {
        let mut ext = Self::new(name)?;
        let value = value.as_ref();
        if let Some(at) = value.iter().position(|&b| !is_quoted_pair_char(b)) {
            return Err(EncodeError::InvalidExtensionValue { at });
        }
        ext.quoted = !is_token(value);
        // `=`, the value, and for a quoted-string its two quotes and one backslash per `"` or
        // `\`: up to twice the value's length, which can exceed usize on a 32-bit target.
        let escapes = if ext.quoted {
            value.iter().filter(|&&b| b == b'"' || b == b'\\').count()
        } else {
            0
        };
        let quotes = if ext.quoted { 2 } else { 0 };
        ext.len = [1, value.len(), escapes, quotes]
            .into_iter()
            .try_fold(ext.len, usize::checked_add)
            .ok_or(EncodeError::LengthOverflow)?;
        ext.value = Some(value);
        Ok(ext)
    }

    fn write<D: BufMut + ?Sized>(&self, dst: &mut D) {
        dst.put_u8(b';');
        dst.put_slice(self.name);
        let Some(mut value) = self.value else { return };
        dst.put_u8(b'=');
        if !self.quoted {
            dst.put_slice(value);
            return;
        }
        dst.put_u8(b'"');
        while let Some(at) = memchr::memchr2(b'"', b'\\', value) {
            let (run, rest) = value.split_at(at);
            dst.put_slice(run);
            dst.put_u8(b'\\');
            dst.put_slice(rest.get(..1).unwrap_or_default());
            value = rest.get(1..).unwrap_or_default();
        }
        dst.put_slice(value);
        dst.put_u8(b'"');
    }
}

/// Field names [`TrailerField::new`] refuses, lowercase, grouped by the RFC 9110 §6.5.1 class
/// that keeps them out of a trailer section. Each is a field whose meaning a recipient needs
/// before it processes the content, or that controls the connection or the request as a whole,
/// which a trailer, arriving after the content, comes too late for.
const FORBIDDEN_TRAILERS: &[&str] = &[
    // Message framing (RFC 9112 §6, §7; RFC 9110 §6.6.2): they say where the body ends.
    "content-length",
    "trailer",
    "transfer-encoding",
    // Connection management, hop-by-hop (RFC 9110 §7.6.1, §7.8, §10.1.4; RFC 9112 §9.3).
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "upgrade",
    // Routing (RFC 9110 §7.2, §7.6.2): where the request goes.
    "host",
    "max-forwards",
    // Request modifiers: expectations (§10.1.1), conditionals (§13.1), ranges (§14.2),
    // proactive negotiation (§12.5) and cache directives (RFC 9111 §5.2, §5.4): they change how
    // the request is handled, which is decided before its content is read.
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
    // Authentication (RFC 9110 §11.6, §11.7): credentials and challenges. (The `*-Info`
    // fields of §11.6.3 and §11.7.3 may be trailers and are allowed.)
    "authorization",
    "proxy-authenticate",
    "proxy-authorization",
    "www-authenticate",
    // Response control (RFC 9110 §10.2; RFC 9111 §5.1, §5.3; RFC 6265 §4.1 state): redirects,
    // retry times, caching and cookies, acted on before or regardless of the content.
    "age",
    "cookie",
    "expires",
    "location",
    "retry-after",
    "set-cookie",
    "vary",
    // Content processing (RFC 9110 §8.3, §8.4, §14.4): how to read the content.
    "content-encoding",
    "content-range",
    "content-type",
];

/// A validated trailer field to send (`name: value`).
///
/// ```
/// use sse_wire::chunked::{EncodeError, TrailerField};
///
/// assert!(TrailerField::new("Server-Timing", "db;dur=53").is_ok());
/// assert_eq!(
///     TrailerField::new("x", "a\nb").unwrap_err(),
///     EncodeError::InvalidTrailerValue { at: 1 }
/// );
/// assert_eq!(TrailerField::new("Content-Length", "5").unwrap_err(), EncodeError::ForbiddenTrailer);
/// assert_eq!(TrailerField::new("Connection", "close").unwrap_err(), EncodeError::ForbiddenTrailer);
/// // An explicit opt-in for a caller who knows the recipient expects it:
/// assert!(TrailerField::new_unrestricted("Location", "/next").is_ok());
/// // Whether `new` refuses a name (compared case-insensitively):
/// assert_eq!(TrailerField::new("WWW-Authenticate", "").unwrap_err(), EncodeError::ForbiddenTrailer);
/// assert!(TrailerField::new("Server-Timing", "").is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrailerField<'a> {
    name: &'a [u8],
    value: &'a [u8],
    /// `name: value\r\n`, checked to fit in usize.
    len: usize,
}

impl<'a> TrailerField<'a> {
    /// A trailer field, refused if its name is one that RFC 9110 §6.5.1 keeps out of trailers.
    ///
    /// The caller remains responsible for the HTTP-level rules: send trailers only to a peer
    /// that accepts them (`TE: trailers`) and announce each name in the `Trailer` header field.
    ///
    /// # Forbidden names
    ///
    /// RFC 9110 §6.5.1: "Many fields cannot be processed outside the header section because
    /// their evaluation is necessary prior to receiving the content, such as those that describe
    /// message framing, routing, authentication, request modifiers, response controls, or
    /// content format", and a sender must not generate a trailer field unless it knows the
    /// field's definition permits it. These names (compared case-insensitively) are refused
    /// with [`EncodeError::ForbiddenTrailer`], by class:
    ///
    /// * framing: `Content-Length`, `Trailer`, `Transfer-Encoding`;
    /// * connection management: `Connection`, `Keep-Alive`, `Proxy-Connection`, `TE`,
    ///   `Upgrade`;
    /// * routing: `Host`, `Max-Forwards`;
    /// * request modifiers: `Accept`, `Accept-Charset`, `Accept-Encoding`, `Accept-Language`,
    ///   `Cache-Control`, `Expect`, `If-Match`, `If-Modified-Since`, `If-None-Match`,
    ///   `If-Range`, `If-Unmodified-Since`, `Pragma`, `Range`;
    /// * authentication: `Authorization`, `Proxy-Authenticate`, `Proxy-Authorization`,
    ///   `WWW-Authenticate`;
    /// * response control: `Age`, `Cookie`, `Expires`, `Location`, `Retry-After`,
    ///   `Set-Cookie`, `Vary`;
    /// * content processing: `Content-Encoding`, `Content-Range`, `Content-Type`.
    ///
    /// Other names are allowed, among them the fields meant for trailers (`Server-Timing`,
    /// `Content-Digest`, `Authentication-Info`, `ETag`...). To send a listed field anyway, use
    /// [`new_unrestricted`](TrailerField::new_unrestricted).
    ///
    /// # Errors
    ///
    /// * [`EncodeError::InvalidTrailerName`] unless `name` is a non-empty token;
    /// * [`EncodeError::InvalidTrailerValue`] if `value` holds a control byte other than HTAB
    ///   (CR, LF and NUL included), at the first one;
    /// * [`EncodeError::TrailerValueWhitespace`] if `value` starts or ends with SP/HTAB, at the
    ///   first such byte;
    /// * [`EncodeError::ForbiddenTrailer`] for the names above;
    /// * [`EncodeError::LengthOverflow`] if `name: value\r\n` would not fit in `usize`.
    pub fn new<N, V>(name: &'a N, value: &'a V) -> Result<Self, EncodeError>
    where
        N: AsRef<[u8]> + ?Sized,
        V: AsRef<[u8]> + ?Sized,
    {
        let field = Self::new_unrestricted(name, value)?;
        if Self::is_forbidden_name(field.name) {
            return Err(EncodeError::ForbiddenTrailer);
        }
        Ok(field)
    }

    /// A trailer field whose name is not checked against the forbidden names (listed, with the
    /// reasons, on [`new`](TrailerField::new)): the explicit opt-in for a caller who knows that
    /// the recipient expects this field in a trailer section (RFC 9110 §6.5.1 lets a sender
    /// generate one when the field's definition permits it). The name and value are
    /// validated as in [`new`](TrailerField::new), so the field cannot break the framing.
    ///
    /// Recipients must not act on such fields as if they were in the header section
    /// (RFC 9110 §6.5.2), and many drop or reject them, so this is rarely what you want.
    ///
    /// # Errors
    ///
    /// [`EncodeError::InvalidTrailerName`] and [`EncodeError::InvalidTrailerValue`], as for
    /// [`new`](TrailerField::new); [`EncodeError::LengthOverflow`] if `name: value\r\n` would
    /// not fit in `usize`; never [`EncodeError::ForbiddenTrailer`].
    pub fn new_unrestricted<N, V>(name: &'a N, value: &'a V) -> Result<Self, EncodeError>
    where
        N: AsRef<[u8]> + ?Sized,
        V: AsRef<[u8]> + ?Sized,
    {
        let (name, value) = (name.as_ref(), value.as_ref());
        if let Some(at) = not_token_at(name) {
            return Err(EncodeError::InvalidTrailerName { at });
        }
        if let Some(at) = value.iter().position(|&b| !is_field_vchar(b) && !is_ws(b)) {
            return Err(EncodeError::InvalidTrailerValue { at });
        }
        let at = match (value.first(), value.last()) {
            (Some(&b), _) if is_ws(b) => Some(0),
            (_, Some(&b)) if is_ws(b) => Some(value.len() - 1),
            _ => None,
        };
        if let Some(at) = at {
            return Err(EncodeError::TrailerValueWhitespace { at });
        }
        let len = name
            .len()
            .checked_add(value.len())
            .and_then(|n| n.checked_add(4))
            .ok_or(EncodeError::LengthOverflow)?;
        Ok(TrailerField { name, value, len })
    }

    /// `true` for a name that [`new`](TrailerField::new) refuses, compared
    /// ASCII-case-insensitively.
    fn is_forbidden_name(name: &[u8]) -> bool {
        FORBIDDEN_TRAILERS
            .iter()
            .any(|f| f.as_bytes().eq_ignore_ascii_case(name))
    }
}

/// A chunk framed for a vectored write, made by [`Encoder::frame`]: a [`Buf`] yielding the size
/// line (formatted on the stack), the caller's data `B`, then a static CRLF. Nothing is copied;
/// its `chunks_vectored` gives all three parts to a vectored write.
#[derive(Debug)]
pub struct EncodedChunk<B> {
    inner: Chain<Chain<SizeLine, B>, &'static [u8]>,
}

impl<B: Buf> Buf for EncodedChunk<B> {
    #[inline]
    fn remaining(&self) -> usize {
        self.inner.remaining()
    }

    #[inline]
    fn chunk(&self) -> &[u8] {
        self.inner.chunk()
    }

    #[cfg(feature = "std")]
    #[inline]
    fn chunks_vectored<'a>(&'a self, dst: &mut [std::io::IoSlice<'a>]) -> usize {
        self.inner.chunks_vectored(dst)
    }

    #[inline]
    fn advance(&mut self, cnt: usize) {
        self.inner.advance(cnt);
    }
}

/// A sans-IO encoder for an HTTP/1.1 chunked body (RFC 9112 §7.1).
///
/// Each payload becomes one chunk: its size in lowercase hex with no leading zeros, optional
/// [`ChunkExt`]s, CRLF, the payload, CRLF. An empty payload writes nothing (an empty chunk
/// would end the body). [`finish`](Encoder::finish) writes the last chunk `0\r\n`, the trailer
/// fields and the final CRLF; after that every call fails with [`EncodeError::Finished`].
///
/// Two ways out:
///
/// * [`frame`](Encoder::frame): zero copy. Returns an [`EncodedChunk`], a [`Buf`] chaining a
///   stack-formatted size line, the caller's own `Buf` and a static CRLF, ready for
///   `chunks_vectored`/`writev`.
/// * [`encode`](Encoder::encode): copies the payload into a [`BufMut`]. It checks
///   `remaining_mut` first and fails with [`EncodeError::BufferTooSmall`] instead of panicking;
///   [`encoded_len`](Encoder::encoded_len) gives the exact size to reserve.
///
/// ```
/// use bytes::{Buf, BufMut, Bytes};
/// use sse_wire::chunked::Encoder;
///
/// let mut encoder = Encoder::new();
/// let mut wire = Vec::new();
/// encoder.encode(b"hello ", &[], &mut wire)?;
/// let framed = encoder.frame(Bytes::from_static(b"world"))?; // no copy of the payload
/// assert_eq!(framed.remaining(), Encoder::encoded_len(5, &[]));
/// wire.put(framed); // a real writer would hand `framed.chunks_vectored` to writev
/// encoder.finish(&[], &mut wire)?;
/// assert_eq!(wire, b"6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n");
/// assert!(encoder.encode(b"late", &[], &mut wire).is_err());
/// # Ok::<(), sse_wire::chunked::EncodeError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Encoder {
    finished: bool,
}

impl Encoder {
    /// A new encoder, at the start of a body.
    #[must_use]
    pub const fn new() -> Self {
        Encoder { finished: false }
    }

    /// Exact bytes [`encode`](Encoder::encode) writes (and, without extensions,
    /// [`frame`](Encoder::frame) yields) for a payload of `data_len` bytes with these
    /// extensions: 0 for an empty payload.
    ///
    /// `usize::MAX` when the sum does not fit in a `usize`: a `data_len` within 20 of
    /// `usize::MAX` (more than any slice holds), or on a 32-bit target many extensions sharing
    /// a large value; the encoder then refuses with [`EncodeError::LengthOverflow`].
    #[must_use]
    pub const fn encoded_len(data_len: usize, extensions: &[ChunkExt<'_>]) -> usize {
        match chunk_len_with_extensions(data_len, extensions) {
            Some(n) => n,
            None => usize::MAX,
        }
    }

    /// Exact bytes [`finish`](Encoder::finish) writes (`0\r\n`, the fields, `\r\n`); 5 with
    /// no fields.
    ///
    /// `usize::MAX` when the sum does not fit in a `usize` (on a 32-bit target, many fields
    /// sharing a large value can get there); the encoder then refuses with
    /// [`EncodeError::LengthOverflow`].
    #[must_use]
    pub fn finished_len(trailers: &[TrailerField<'_>]) -> usize {
        last_chunk_len(trailers).unwrap_or(usize::MAX)
    }

    /// Frames `data` as one chunk without copying it: the returned [`EncodedChunk`] yields the
    /// size line (from a stack buffer), then `data`, then a static CRLF. An empty `data`
    /// yields an empty `Buf`.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Finished`] after the body was finished.
    pub fn frame<B: Buf>(&mut self, data: B) -> Result<EncodedChunk<B>, EncodeError> {
        if self.finished {
            return Err(EncodeError::Finished);
        }
        let n = data.remaining() as u64;
        let tail = if n == 0 { EMPTY } else { CRLF };
        Ok(EncodedChunk {
            inner: SizeLine::new(n).chain(data).chain(tail),
        })
    }

    /// Writes `data` as one chunk into `dst`, with `extensions` (often `&[]`) on its size line;
    /// nothing at all for an empty `data`.
    ///
    /// ```
    /// use sse_wire::chunked::{ChunkExt, Encoder};
    ///
    /// let mut wire = Vec::new();
    /// let exts = [ChunkExt::with_value("sig", "a b")?, ChunkExt::new("last")?];
    /// Encoder::new().encode(b"hi", &exts, &mut wire)?;
    /// assert_eq!(wire, b"2;sig=\"a b\";last\r\nhi\r\n");
    /// assert_eq!(wire.len(), Encoder::encoded_len(2, &exts));
    /// # Ok::<(), sse_wire::chunked::EncodeError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`EncodeError::Finished`] after the body was finished;
    /// [`EncodeError::BufferTooSmall`] when `dst.remaining_mut()` is below
    /// [`encoded_len`](Encoder::encoded_len); [`EncodeError::LengthOverflow`] when that length
    /// does not fit in a `usize`. Nothing is written on error.
    pub fn encode<D: BufMut + ?Sized>(
        &mut self,
        data: &[u8],
        extensions: &[ChunkExt<'_>],
        dst: &mut D,
    ) -> Result<(), EncodeError> {
        if self.finished {
            return Err(EncodeError::Finished);
        }
        if data.is_empty() {
            return Ok(());
        }
        let len =
            chunk_len_with_extensions(data.len(), extensions).ok_or(EncodeError::LengthOverflow)?;
        room(dst, len)?;
        let size = SizeLine::new(data.len() as u64);
        let digits = size.as_bytes();
        dst.put_slice(
            digits
                .get(..digits.len().saturating_sub(2))
                .unwrap_or_default(),
        );
        for ext in extensions {
            ext.write(dst);
        }
        dst.put_slice(CRLF);
        dst.put_slice(data);
        dst.put_slice(CRLF);
        Ok(())
    }

    /// Ends the body: writes `0\r\n`, each trailer field as `name: value\r\n`, and the final
    /// `\r\n` ([`LAST_CHUNK`] with no fields).
    ///
    /// ```
    /// use sse_wire::chunked::{Encoder, TrailerField};
    ///
    /// let mut wire = Vec::new();
    /// let trailers = [TrailerField::new("Digest", "sha-256=abc")?];
    /// Encoder::new().finish(&trailers, &mut wire)?;
    /// assert_eq!(wire, b"0\r\nDigest: sha-256=abc\r\n\r\n");
    /// assert_eq!(wire.len(), Encoder::finished_len(&trailers));
    /// # Ok::<(), sse_wire::chunked::EncodeError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`EncodeError::Finished`] if already finished; [`EncodeError::BufferTooSmall`] when
    /// `dst` has less room than [`finished_len`](Encoder::finished_len) (5 bytes with no
    /// fields); [`EncodeError::LengthOverflow`] when that length does not fit in a `usize`.
    /// Nothing is written on error.
    pub fn finish<D: BufMut + ?Sized>(
        &mut self,
        trailers: &[TrailerField<'_>],
        dst: &mut D,
    ) -> Result<(), EncodeError> {
        if self.finished {
            return Err(EncodeError::Finished);
        }
        let len = last_chunk_len(trailers).ok_or(EncodeError::LengthOverflow)?;
        room(dst, len)?;
        dst.put_slice(b"0\r\n");
        for t in trailers {
            dst.put_slice(t.name);
            dst.put_slice(b": ");
            dst.put_slice(t.value);
            dst.put_slice(CRLF);
        }
        dst.put_slice(CRLF);
        self.finished = true;
        Ok(())
    }
}

/// `size CRLF data CRLF` for `data_len` bytes of data (0 when empty), if it fits in a usize.
const fn chunk_len(data_len: usize) -> Option<usize> {
    if data_len == 0 {
        return Some(0);
    }
    // A usize always fits in a u64 (no target has a wider usize); `as` because `From` is not
    // const.
    match data_len.checked_add(4) {
        Some(n) => n.checked_add(hex_digits(data_len as u64)),
        None => None,
    }
}

/// [`chunk_len`] plus the extensions on the size line, if it fits in a usize.
const fn chunk_len_with_extensions(data_len: usize, extensions: &[ChunkExt<'_>]) -> Option<usize> {
    if data_len == 0 {
        return Some(0);
    }
    let Some(mut n) = chunk_len(data_len) else {
        return None;
    };
    let mut i = 0;
    while i < extensions.len() {
        n = match n.checked_add(extensions[i].len) {
            Some(n) => n,
            None => return None,
        };
        i += 1;
    }
    Some(n)
}

/// `0\r\n`, the trailer fields and the final `\r\n`, if it fits in a usize.
fn last_chunk_len(trailers: &[TrailerField<'_>]) -> Option<usize> {
    trailers
        .iter()
        .try_fold(LAST_CHUNK.len(), |n, t| n.checked_add(t.len))
}

fn room<D: BufMut + ?Sized>(dst: &D, required: usize) -> Result<(), EncodeError> {
    let available = dst.remaining_mut();
    if available < required {
        return Err(EncodeError::BufferTooSmall {
            required,
            available,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn size_lines() {
        for (n, want) in [
            (1u64, &b"1\r\n"[..]),
            (0xf, b"f\r\n"),
            (0x10, b"10\r\n"),
            (0xabc, b"abc\r\n"),
            (u64::MAX, b"ffffffffffffffff\r\n"),
        ] {
            let line = SizeLine::new(n);
            assert_eq!(line.as_bytes(), want);
            assert_eq!(line.remaining(), want.len());
        }
        assert_eq!(SizeLine::new(0).remaining(), 0);
        let mut line = SizeLine::new(0x12);
        line.advance(1);
        assert_eq!(line.chunk(), b"2\r\n");
        line.advance(100);
        assert_eq!(line.remaining(), 0);
    }

    #[test]
    fn hex_digit_counts() {
        for (n, d) in [
            (0u64, 1),
            (1, 1),
            (15, 1),
            (16, 2),
            (255, 2),
            (256, 3),
            (u64::MAX, 16),
        ] {
            assert_eq!(hex_digits(n), d, "{n}");
        }
    }

    #[test]
    fn too_small_buffer_writes_nothing() {
        let mut space = [0u8; 8];
        let mut dst = &mut space[..];
        let mut enc = Encoder::new();
        assert_eq!(
            enc.encode(b"hello", &[], &mut dst),
            Err(EncodeError::BufferTooSmall {
                required: 10,
                available: 8
            })
        );
        assert_eq!(dst.len(), 8);
        let mut dst = &mut space[..5];
        enc.finish(&[], &mut dst).unwrap();
        assert_eq!(&space[..5], b"0\r\n\r\n");
        assert!(enc.finished);
    }

    #[test]
    fn quoted_values_are_escaped() {
        let ext = ChunkExt::with_value("q", "a\"b\\c\td").unwrap();
        let mut out = Vec::new();
        ext.write(&mut out);
        assert_eq!(out, b";q=\"a\\\"b\\\\c\td\"");
        assert_eq!(out.len(), ext.len);
        let empty = ChunkExt::with_value("e", "").unwrap();
        let mut out = Vec::new();
        empty.write(&mut out);
        assert_eq!(out, b";e=\"\"");
        assert_eq!(out.len(), empty.len);
    }
}
