//! The chunked body decoder: one resumable engine, a borrowed and two owned front ends.

use core::ops::Range;

use bytes::{Bytes, BytesMut};

use super::error::{Error, ErrorKind, Limit};
use super::ext::{Extensions, OwnedExtensions};
use super::grammar::{hex_val, is_field_vchar, is_qdtext, is_quoted_pair_char, is_tchar};
use super::Config;
use crate::owned_input::OwnedInput;

const CR: u8 = b'\r';
const LF: u8 = b'\n';

/// `usize::min` for a `const fn`.
const fn min(a: usize, b: usize) -> usize {
    if a < b {
        a
    } else {
        b
    }
}

/// Where the engine is. The chunk line states come first and the extension states form one
/// contiguous run, so `is_ext` and `in_chunk_line` are range checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum State {
    // chunk line: `chunk-size [ chunk-ext ] CRLF`
    SizeStart,
    SizeDigits,
    // extension states (every byte in them counts against max_extension_bytes)
    SizeWs,
    ExtPreName,
    ExtName,
    ExtNameWs,
    ExtPreValue,
    ExtToken,
    ExtQuoted,
    ExtQuotedPair,
    ExtValueEnd,
    ExtValueWs,
    // CR of a chunk line seen
    LineCr,
    // chunk data and the CRLF after it
    Data,
    DataCr,
    DataLf,
    // trailer section
    TrailerStart,
    TrailerName,
    TrailerPreValue,
    TrailerValue,
    TrailerCr,
    FinalCr,
    Done,
}

impl State {
    #[inline]
    fn is_ext(self) -> bool {
        State::SizeWs <= self && self <= State::ExtValueWs
    }

    #[inline]
    fn in_chunk_line(self) -> bool {
        self <= State::ExtValueWs
    }

    /// States of a trailer field line once its first byte was seen.
    #[inline]
    fn in_trailer_field(self) -> bool {
        State::TrailerName <= self && self <= State::TrailerCr
    }
}

/// What the line being scanned has shown so far. Positions are relative to the line start,
/// which the caller keeps at the front of its buffer until the line ends.
#[derive(Debug, Clone, Copy, Default)]
struct Line {
    /// Bytes of the line already examined: the scan cursor.
    scan: usize,
    /// Chunk size accumulated so far.
    size: u64,
    /// Significant size digits seen: leading zeros are not counted.
    digits: usize,
    /// End of the size digits (chunk line) or of the field name (trailer line).
    mark: usize,
    /// Start of the current run of SP/HTAB.
    ws: usize,
    /// End of the extensions (chunk line, trailing whitespace excluded) or start of the value
    /// (trailer line).
    end: usize,
    /// Position of the line end (chunk line) or end of the value (trailer line).
    term: usize,
}

/// An item in terms of ranges of the input, shared by every front end.
#[derive(Debug)]
enum Raw {
    Header {
        size: u64,
        ext: Range<usize>,
    },
    Data(Range<usize>),
    Trailer {
        name: Range<usize>,
        value: Range<usize>,
    },
    Done,
    NeedMore,
}

impl Raw {
    /// `true` when the item refers to input bytes (so an owned front end must keep them).
    fn borrows(&self) -> bool {
        match self {
            Raw::Header { ext, .. } => !ext.is_empty(),
            Raw::Data(_) | Raw::Trailer { .. } => true,
            Raw::Done | Raw::NeedMore => false,
        }
    }
}

/// Which kind of line just ended.
#[derive(Clone, Copy)]
enum Ended {
    Chunk,
    Trailer,
    Final,
}

/// What one call to [`Decoder::decode`] produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "the caller must drop `consumed` bytes from its buffer"]
pub struct Decoded<'b> {
    /// How many bytes at the front of the input the decoder is done with. The caller MUST
    /// drop exactly these before the next call and keep the rest at the front of the next
    /// input. After [`Chunk::Done`], the bytes past `consumed` are the next message's: they
    /// were not looked at.
    pub consumed: usize,
    /// What the consumed bytes held: `None` when the input holds no complete item yet (call
    /// again with more input appended, the unconsumed bytes kept in front), the same "need
    /// more" shape as [`sse::Decoded::item`](crate::sse::Decoded::item) and
    /// `tokio_util::codec::Decoder`.
    pub chunk: Option<Chunk<'b>>,
}

/// One item of a chunked body, borrowing from the caller's input.
///
/// A body decodes as: for every chunk, a [`Header`](Chunk::Header) and then its data as one or
/// more [`Data`](Chunk::Data) pieces; then the last chunk's [`Header`](Chunk::Header) with
/// `size == 0`; then one [`Trailer`](Chunk::Trailer) per trailer field; then
/// [`Done`](Chunk::Done). Between any two items a call can return no item (`None`): the input
/// holds no complete item yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Chunk<'b> {
    /// A chunk line was read: the chunk's size and its extensions. `size == 0` is the last
    /// chunk: trailer fields and [`Done`](Chunk::Done) follow.
    Header {
        /// The chunk size in bytes (as declared; the data has not arrived yet).
        size: u64,
        /// The chunk extensions, validated.
        extensions: Extensions<'b>,
    },
    /// Body bytes: a piece of the current chunk's data, never empty. Handed out as soon as it
    /// arrives, without waiting for the rest of the chunk.
    Data(&'b [u8]),
    /// One trailer field, validated, in the order sent. The name is a token (compare it
    /// case-insensitively); the value has its surrounding whitespace removed. Fields are inert
    /// data: `Content-Length` or `Transfer-Encoding` here mean nothing for framing and must
    /// not be merged into the header section (RFC 9110 §6.5.1).
    Trailer {
        /// The field name.
        name: &'b [u8],
        /// The field value.
        value: &'b [u8],
    },
    /// The body ended with the final CRLF. Every later call returns `Done` with
    /// `consumed == 0`.
    Done,
}

/// Owned form of [`Chunk`], as returned by [`Decoder::decode_bytes`] and
/// [`Decoder::decode_buf`]; every `Bytes` in it shares the caller's buffer (no copy).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OwnedChunk {
    /// See [`Chunk::Header`].
    Header {
        /// The chunk size in bytes.
        size: u64,
        /// The chunk extensions, validated.
        extensions: OwnedExtensions,
    },
    /// See [`Chunk::Data`].
    Data(Bytes),
    /// See [`Chunk::Trailer`].
    Trailer {
        /// The field name.
        name: Bytes,
        /// The field value.
        value: Bytes,
    },
    /// See [`Chunk::Done`].
    Done,
}

/// An incremental, sans-IO decoder for an HTTP/1.1 chunked body (RFC 9112 §7.1).
///
/// It never does I/O, never blocks and never allocates. Input arrives in pieces of any size
/// and the decoder returns one [`Chunk`] per call:
///
/// * [`decode`](Decoder::decode): borrowed `&[u8]` in, items borrowing from it out. The caller
///   owns the buffer (httparse/rustls style) and drops [`Decoded::consumed`] bytes from its
///   front after each call.
/// * [`decode_bytes`](Decoder::decode_bytes) / [`decode_buf`](Decoder::decode_buf): a [`Bytes`]
///   or [`BytesMut`] in, [`OwnedChunk`]s out whose payloads are slices of it (no copy). Both are
///   thin adaptors over `decode`'s engine.
///
/// Body data is never scanned or copied: a [`Chunk::Data`] is a sub-slice of the input,
/// returned as soon as any of it arrives. Only a chunk line or a trailer field line that has
/// not ended yet is left unconsumed for the caller to keep (bounded by the [`Config`] limits);
/// the decoder remembers how far it examined it, so feeding a line one byte at a time stays
/// linear. Every call consumes bytes, returns an item, returns no item (`None`: need more input)
/// or fails.
///
/// The end of the body is explicit ([`Chunk::Done`]); bytes after the final CRLF are never
/// consumed. When the input ends (EOF), call [`finish`](Decoder::finish): a body cut short is an
/// error, never a short body.
///
/// # Example
///
/// ```
/// use sse_wire::chunked::{Chunk, Decoded, Decoder};
///
/// let mut decoder = Decoder::new();
/// let mut body = Vec::new();
/// // Input arrives in two reads; the caller keeps what the decoder did not consume.
/// let mut buf = b"6\r\nhello \r\n5\r\nwor".to_vec();
/// let mut reads = vec![b"ld\r\n0\r\nETag: \"x\"\r\n\r\nNEXT".to_vec()];
/// loop {
///     let Decoded { consumed, chunk } = decoder.decode(&buf)?;
///     match chunk {
///         Some(Chunk::Data(bytes)) => body.extend_from_slice(bytes),
///         Some(Chunk::Trailer { name, value }) => assert_eq!((name, value), (&b"ETag"[..], &b"\"x\""[..])),
///         Some(Chunk::Done) => {
///             buf.drain(..consumed);
///             break;
///         }
///         None => buf.extend(reads.pop().expect("EOF: call decoder.finish()")),
///         _ => {}
///     }
///     buf.drain(..consumed);
/// }
/// assert_eq!(body, b"hello world");
/// assert_eq!(buf, b"NEXT"); // the next message, untouched
/// # Ok::<(), sse_wire::chunked::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Decoder {
    config: Config,
    state: State,
    error: Option<Error>,
    /// Bytes consumed since the start of the body.
    position: u64,
    /// Data bytes of the current chunk not handed out yet.
    remaining: u64,
    line: Line,
    ext_bytes: usize,
    trailer_bytes: usize,
    trailer_fields: usize,
    /// Whether chunk lines come out as [`Chunk::Header`] items.
    headers: bool,
    /// The most size digits [`plain_size_line`] may read: a line of at most this many digits
    /// passes every limit whatever its leading zeros (`scan_line` rejects digit `i` only when
    /// `i >= max_chunk_line`, or when it is significant digit number `max_size_digits + 1`),
    /// and at most 16 keep the size in a u64. Longer lines go to `scan_line`.
    plain_digits: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder with [`Config::default()`].
    #[must_use]
    pub const fn new() -> Self {
        Self::with_config(Config::new())
    }

    /// A decoder with the given configuration.
    #[must_use]
    pub const fn with_config(config: Config) -> Self {
        Decoder {
            config,
            state: State::SizeStart,
            error: None,
            position: 0,
            remaining: 0,
            line: Line {
                scan: 0,
                size: 0,
                digits: 0,
                mark: 0,
                ws: 0,
                end: 0,
                term: 0,
            },
            ext_bytes: 0,
            trailer_bytes: 0,
            trailer_fields: 0,
            headers: true,
            plain_digits: min(min(config.max_size_digits, config.max_chunk_line), 16),
        }
    }

    /// Whether chunk lines come out as [`Chunk::Header`] items (the default), or are validated
    /// and consumed without an item, for a caller that only wants the body: every call then
    /// goes straight on to the chunk's data, trailers and [`Chunk::Done`]. Validation and limits
    /// are the same either way.
    ///
    /// ```
    /// use sse_wire::chunked::{Chunk, Decoder};
    ///
    /// let mut decoder = Decoder::new().headers(false);
    /// let d = decoder.decode(b"5;a=b\r\nhello\r\n").unwrap();
    /// assert_eq!(d.chunk, Some(Chunk::Data(b"hello")));
    /// assert_eq!(d.consumed, 14);
    /// ```
    #[must_use]
    pub const fn headers(mut self, emit: bool) -> Self {
        self.headers = emit;
        self
    }

    /// The configuration in force.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// `true` once the final CRLF was consumed ([`Chunk::Done`] was returned).
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.state == State::Done && self.error.is_none()
    }

    /// The error the decoder failed with, if it did.
    #[must_use]
    pub fn error(&self) -> Option<Error> {
        self.error
    }

    /// Bytes consumed since the start of the body (the sum of every
    /// [`Decoded::consumed`] so far).
    #[must_use]
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Data bytes of the current chunk still to come (0 outside chunk data).
    #[must_use]
    pub fn remaining_in_chunk(&self) -> u64 {
        if self.state == State::Data {
            self.remaining
        } else {
            0
        }
    }

    /// Forgets everything but the configuration, ready for the next body.
    pub fn reset(&mut self) {
        *self = Self::with_config(self.config).headers(self.headers);
    }

    /// Tells the decoder that the input ended (EOF).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Truncated`] unless the body is [done](Decoder::is_done); the error the
    /// decoder already failed with, if any. The decoder stays failed afterwards.
    pub fn finish(&mut self) -> Result<(), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.state == State::Done {
            return Ok(());
        }
        let e = Error {
            kind: ErrorKind::Truncated,
            offset: self.position.saturating_add(self.line.scan as u64),
        };
        self.error = Some(e);
        Err(e)
    }

    /// Decodes the next item from `buf`, borrowing from it.
    ///
    /// `buf` MUST start with the bytes the previous call did not consume, followed by any new
    /// input; before the next call the caller MUST drop exactly [`Decoded::consumed`] bytes
    /// from the front. The unconsumed bytes are at most one chunk line
    /// ([`Config::max_chunk_line`]) or one trailer field line ([`Config::max_trailer_bytes`]),
    /// plus whatever followed them in `buf`.
    ///
    /// # Errors
    ///
    /// An [`Error`] when the input is not a valid chunked body under the [`Config`], or when
    /// `buf` is shorter than the bytes the previous call left unconsumed
    /// ([`ErrorKind::InputShrunk`]). Errors are final: every later call returns the same one.
    // Inlined so the engine's hot path becomes part of the caller's loop: a call per chunk,
    // and its result through memory, cost more than the work on a small chunk.
    #[inline(always)]
    pub fn decode<'b>(&mut self, buf: &'b [u8]) -> Result<Decoded<'b>, Error> {
        let (consumed, chunk) = self.run(
            buf,
            #[inline(always)]
            |raw| borrowed(buf, raw),
        )?;
        Ok(Decoded { consumed, chunk })
    }

    /// Decodes the next item from `buf`, splitting the consumed bytes off its front; the
    /// returned payloads are slices of `buf` (no copy).
    ///
    /// After `Ok(None)`, `buf` holds the start of an unfinished line: the next
    /// call must see those bytes followed by the next input. After [`OwnedChunk::Done`], `buf`
    /// holds exactly the bytes after the body.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use sse_wire::chunked::{Decoder, OwnedChunk};
    ///
    /// let mut decoder = Decoder::new();
    /// let mut buf = Bytes::from_static(b"3\r\nabc\r\n0\r\n\r\n");
    /// assert!(matches!(decoder.decode_bytes(&mut buf)?, Some(OwnedChunk::Header { size: 3, .. })));
    /// assert_eq!(decoder.decode_bytes(&mut buf)?, Some(OwnedChunk::Data(Bytes::from_static(b"abc"))));
    /// assert!(matches!(decoder.decode_bytes(&mut buf)?, Some(OwnedChunk::Header { size: 0, .. })));
    /// assert_eq!(decoder.decode_bytes(&mut buf)?, Some(OwnedChunk::Done));
    /// assert!(buf.is_empty());
    /// # Ok::<(), sse_wire::chunked::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`decode`](Decoder::decode); on error nothing is split off `buf`.
    pub fn decode_bytes(&mut self, buf: &mut Bytes) -> Result<Option<OwnedChunk>, Error> {
        self.decode_owned(buf)
    }

    /// As [`decode_bytes`](Decoder::decode_bytes), for a [`BytesMut`] the caller reads into:
    /// the consumed bytes are split off its front and frozen, and the payloads are slices of
    /// them (no copy).
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use sse_wire::chunked::{Decoder, OwnedChunk};
    ///
    /// let mut decoder = Decoder::new();
    /// let mut buf = BytesMut::from(&b"a;x=1\r"[..]);
    /// assert_eq!(decoder.decode_buf(&mut buf)?, None); // need more input
    /// assert_eq!(&buf[..], b"a;x=1\r"); // kept: the line has not ended
    /// buf.extend_from_slice(b"\n0123456789\r\n0\r\n\r\n");
    /// let Some(OwnedChunk::Header { size: 10, extensions }) = decoder.decode_buf(&mut buf)? else { panic!() };
    /// assert_eq!(extensions.get(b"x").unwrap().value().unwrap().raw(), b"1");
    /// assert!(matches!(decoder.decode_buf(&mut buf)?, Some(OwnedChunk::Data(d)) if d == "0123456789"));
    /// # Ok::<(), sse_wire::chunked::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`decode`](Decoder::decode); on error nothing is split off `buf`.
    pub fn decode_buf(&mut self, buf: &mut BytesMut) -> Result<Option<OwnedChunk>, Error> {
        self.decode_owned(buf)
    }

    /// The owned front end: runs the engine on `buf` and splits the consumed bytes off it.
    fn decode_owned<B: OwnedInput>(&mut self, buf: &mut B) -> Result<Option<OwnedChunk>, Error> {
        let (consumed, raw) = self.run(
            buf.as_slice(),
            #[inline(always)]
            |raw| raw,
        )?;
        let consumed = consumed.min(buf.as_slice().len());
        let head = match raw {
            Raw::Data(r) => {
                // Split the data off by itself (a CRLF after it may be consumed too): the
                // handed-out `Bytes` is then the only handle to those bytes.
                buf.drop_front(r.start);
                let data = buf.take_front(r.len());
                buf.drop_front(consumed - r.end);
                return Ok(Some(OwnedChunk::Data(data)));
            }
            _ if raw.borrows() => buf.take_front(consumed),
            _ => {
                buf.drop_front(consumed);
                Bytes::new()
            }
        };
        Ok(owned(raw, head))
    }

    /// Runs the engine and keeps the bookkeeping common to every front end. `item` turns the
    /// engine's [`Raw`] item into the front end's: applied where each item is made, it folds
    /// into the code that made it.
    #[inline(always)]
    fn run<T>(&mut self, buf: &[u8], item: impl Fn(Raw) -> T + Copy) -> Result<(usize, T), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        match self.step(buf, item) {
            Ok((consumed, it)) => {
                // A usize always fits in a u64; the sum cannot reach u64::MAX in practice, but
                // a position must never wrap.
                self.position = self.position.saturating_add(consumed as u64);
                Ok((consumed, it))
            }
            Err(e) => {
                self.error = Some(e);
                Err(e)
            }
        }
    }

    fn start_line(&mut self, state: State) {
        self.state = state;
        self.line = Line::default();
    }

    fn fail(&self, at: usize, kind: ErrorKind) -> Error {
        Error {
            kind,
            offset: self.position.saturating_add(at as u64),
        }
    }

    /// The engine: moves through `buf` until it has an item, needs more input or fails.
    #[inline(always)]
    fn step<T>(&mut self, buf: &[u8], item: impl Fn(Raw) -> T + Copy) -> Result<(usize, T), Error> {
        // The common case first, at the start of `buf`: a plain chunk line and its data.
        let mut pos = 0;
        if let Some((end, raw)) = self.plain_chunk(buf, 0, item) {
            match raw {
                Some(raw) => return Ok((end, raw)),
                None => pos = end,
            }
        }
        loop {
            match self.state {
                State::Data => return Ok(self.data(buf, pos, self.remaining, item)),
                State::DataCr => {
                    let Some(&b) = buf.get(pos) else {
                        return Ok((pos, item(Raw::NeedMore)));
                    };
                    match b {
                        CR => self.state = State::DataLf,
                        LF if self.config.allow_bare_lf => self.start_line(State::SizeStart),
                        LF => return Err(self.fail(pos, ErrorKind::BareLf)),
                        _ => return Err(self.fail(pos, ErrorKind::MissingCrlfAfterData)),
                    }
                    pos += 1;
                }
                State::DataLf => {
                    let Some(&b) = buf.get(pos) else {
                        return Ok((pos, item(Raw::NeedMore)));
                    };
                    if b != LF {
                        // The CR was consumed, possibly by an earlier call: it is the byte
                        // just before this one in the body.
                        let mut e = self.fail(pos, ErrorKind::BareCr);
                        e.offset = e.offset.saturating_sub(1);
                        return Err(e);
                    }
                    self.start_line(State::SizeStart);
                    pos += 1;
                }
                State::Done => return Ok((pos, item(Raw::Done))),
                _ => {
                    // (At 0 the call above already tried.)
                    let plain = if pos == 0 {
                        None
                    } else {
                        self.plain_chunk(buf, pos, item)
                    };
                    if let Some((end, raw)) = plain {
                        match raw {
                            Some(raw) => return Ok((end, raw)),
                            None => pos = end,
                        }
                        continue;
                    }
                    let line = buf.get(pos..).unwrap_or_default();
                    match self.scan_line(line, pos)? {
                        Some((len, Raw::Header { .. })) if !self.headers => pos += len,
                        Some((len, raw)) => return Ok((pos + len, item(raw))),
                        None => return Ok((pos, item(Raw::NeedMore))),
                    }
                }
            }
        }
    }

    /// A chunk line of hex digits and CRLF at `buf[pos..]`, read whole: the end of what was
    /// consumed and the item, which with `headers(false)` is the chunk's data, or `None` for the
    /// last chunk's line (the trailer section follows). `None` when the decoder is not at the
    /// start of a chunk line or the line is anything else: [`scan_line`](Self::scan_line) reads
    /// those, with the same outcome for this one.
    #[inline(always)]
    fn plain_chunk<T>(
        &mut self,
        buf: &[u8],
        pos: usize,
        item: impl Fn(Raw) -> T,
    ) -> Option<(usize, Option<T>)> {
        if self.state != State::SizeStart || self.line.scan != 0 {
            return None;
        }
        let (len, size) = plain_size_line(buf.get(pos..)?, self.plain_digits)?;
        let end = pos + len;
        let at = end - 2;
        if size == 0 || self.headers {
            let raw = self.header_read(size, at..at);
            return Some((end, self.headers.then(|| item(raw))));
        }
        // Validated and consumed: the data follows. The line is still `Line::default()`
        // (nothing of it was scanned), as `Data` wants it should the chunk not end here.
        let (end, it) = self.data(buf, end, size, item);
        Some((end, Some(it)))
    }

    /// Chunk data, `remaining` bytes of it from `buf[pos..]` on: hands out what `buf` holds of
    /// it, and the CRLF after it when that is there too. The decoder's fields are written only
    /// when the chunk does not end in `buf`: when it does, the decoder is back at the start of a
    /// chunk line, where a plain chunk line found in the same call leaves it.
    #[inline(always)]
    fn data<T>(
        &mut self,
        buf: &[u8],
        pos: usize,
        remaining: u64,
        item: impl Fn(Raw) -> T,
    ) -> (usize, T) {
        let avail = buf.len().saturating_sub(pos);
        // The part of the chunk that `buf` holds, converted with a check: on a 32-bit target a
        // chunk size above usize::MAX must never be cut down (2^32 + 5 is not 5). Such a chunk
        // is longer than any buffer, so all of `buf` is its data.
        let in_buf = usize::try_from(remaining).ok().filter(|&r| r < avail);
        if let Some(r) = in_buf {
            // `r < avail`, so `data_end < buf.len()` and `data_end + 2` cannot overflow.
            let data_end = pos + r;
            if buf.get(data_end..data_end + 2) == Some(b"\r\n".as_slice()) {
                // The rest of the chunk and its CRLF: the next call starts a chunk line. (From
                // a plain chunk line, the state already says so, and the inlined test folds
                // away with the store.)
                if self.state != State::SizeStart {
                    self.state = State::SizeStart;
                }
                return (data_end + 2, item(Raw::Data(pos..data_end)));
            }
        }
        if avail == 0 {
            self.remaining = remaining;
            self.state = State::Data;
            return (pos, item(Raw::NeedMore));
        }
        // Anything after the data other than CRLF is left for the next call to report.
        let n = in_buf.unwrap_or(avail);
        self.remaining = remaining - n as u64;
        self.state = if self.remaining == 0 {
            State::DataCr
        } else {
            State::Data
        };
        (pos + n, item(Raw::Data(pos..pos + n)))
    }

    /// State changes after a chunk line: data follows, or the trailer section after the last
    /// chunk.
    #[inline]
    fn header_read(&mut self, size: u64, ext: Range<usize>) -> Raw {
        if size == 0 {
            self.start_line(State::TrailerStart);
        } else {
            self.remaining = size;
            self.state = State::Data;
            self.line = Line::default();
        }
        Raw::Header { size, ext }
    }

    /// Scans the line starting at `buf[base..]` (passed as `line`) from the saved cursor.
    /// Returns the line length and its item when it ended, `None` when it needs more input.
    /// Ranges in the item are relative to `buf`, i.e. shifted by `base`.
    #[allow(clippy::too_many_lines)]
    #[inline(never)]
    fn scan_line(&mut self, line: &[u8], base: usize) -> Result<Option<(usize, Raw)>, Error> {
        let cfg = self.config;
        let mut l = self.line;
        let mut st = self.state;
        if line.len() < l.scan {
            return Err(self.fail(base, ErrorKind::InputShrunk));
        }
        let origin = self.position.saturating_add(base as u64);
        let fail = |at: usize, kind| Error {
            kind,
            offset: origin.saturating_add(at as u64),
        };
        let limit = |at: usize, which| fail(at, ErrorKind::LimitExceeded(which));
        let mut i = l.scan;
        let mut ended = None;
        while let Some(&b) = line.get(i) {
            if st.in_chunk_line() && b != CR && b != LF {
                if i >= cfg.max_chunk_line {
                    return Err(limit(i, Limit::ChunkLine));
                }
                if st.is_ext()
                    && self.ext_bytes.saturating_add(i + 1 - l.mark) > cfg.max_extension_bytes
                {
                    return Err(limit(i, Limit::ExtensionBytes));
                }
            } else if st.in_trailer_field()
                && self.trailer_bytes.saturating_add(i + 1) > cfg.max_trailer_bytes
            {
                return Err(limit(i, Limit::TrailerBytes));
            }
            match st {
                State::SizeStart | State::SizeDigits => {
                    if let Some(v) = hex_val(b) {
                        // Leading zeros are legal in any number (`1*HEXDIG`, `1*("0")`) and
                        // are not counted: only digits from the first non-zero one on are.
                        // Overflow is checked first, so that a size above u64::MAX is reported
                        // as such whatever the digit limit.
                        l.size = match l.size.checked_mul(16).and_then(|s| s.checked_add(v)) {
                            Some(s) => s,
                            None => return Err(fail(i, ErrorKind::ChunkSizeOverflow)),
                        };
                        if l.size != 0 {
                            if l.digits >= cfg.max_size_digits {
                                return Err(limit(i, Limit::SizeDigits));
                            }
                            l.digits += 1;
                        }
                        st = State::SizeDigits;
                    } else if st == State::SizeStart {
                        return Err(fail(i, ErrorKind::InvalidChunkSize));
                    } else {
                        l.mark = i;
                        if b == CR || b == LF {
                            l.end = i;
                            l.term = i;
                        } else if self.ext_bytes.saturating_add(1) > cfg.max_extension_bytes {
                            return Err(limit(i, Limit::ExtensionBytes));
                        }
                        match b {
                            b' ' | b'\t' => {
                                l.ws = i;
                                st = State::SizeWs;
                            }
                            b';' => st = State::ExtPreName,
                            CR => st = State::LineCr,
                            LF if cfg.allow_bare_lf => ended = Some(Ended::Chunk),
                            LF => return Err(fail(i, ErrorKind::BareLf)),
                            _ => return Err(fail(i, ErrorKind::InvalidAfterChunkSize)),
                        }
                    }
                }
                State::SizeWs | State::ExtNameWs | State::ExtValueWs => match b {
                    b' ' | b'\t' => {}
                    b';' => st = State::ExtPreName,
                    b'=' if st == State::ExtNameWs => st = State::ExtPreValue,
                    CR | LF => {
                        if !cfg.allow_trailing_whitespace {
                            return Err(fail(l.ws, ErrorKind::TrailingWhitespace));
                        }
                        l.end = l.ws;
                        l.term = i;
                        if b == CR {
                            st = State::LineCr;
                        } else if cfg.allow_bare_lf {
                            ended = Some(Ended::Chunk);
                        } else {
                            return Err(fail(i, ErrorKind::BareLf));
                        }
                    }
                    _ if st == State::SizeWs => {
                        return Err(fail(i, ErrorKind::InvalidAfterChunkSize))
                    }
                    _ => return Err(fail(i, ErrorKind::InvalidExtension)),
                },
                State::ExtPreName | State::ExtPreValue => match b {
                    b' ' | b'\t' => {}
                    _ if is_tchar(b) => {
                        st = if st == State::ExtPreName {
                            State::ExtName
                        } else {
                            State::ExtToken
                        };
                    }
                    b'"' if st == State::ExtPreValue => st = State::ExtQuoted,
                    _ => return Err(fail(i, ErrorKind::InvalidExtension)),
                },
                State::ExtName | State::ExtToken | State::ExtValueEnd => match b {
                    _ if is_tchar(b) && st != State::ExtValueEnd => {}
                    b' ' | b'\t' => {
                        l.ws = i;
                        st = if st == State::ExtName {
                            State::ExtNameWs
                        } else {
                            State::ExtValueWs
                        };
                    }
                    b';' => st = State::ExtPreName,
                    b'=' if st == State::ExtName => st = State::ExtPreValue,
                    CR => {
                        l.end = i;
                        l.term = i;
                        st = State::LineCr;
                    }
                    LF if cfg.allow_bare_lf => {
                        l.end = i;
                        l.term = i;
                        ended = Some(Ended::Chunk);
                    }
                    LF => return Err(fail(i, ErrorKind::BareLf)),
                    _ => return Err(fail(i, ErrorKind::InvalidExtension)),
                },
                State::ExtQuoted => match b {
                    b'"' => st = State::ExtValueEnd,
                    b'\\' => st = State::ExtQuotedPair,
                    CR | LF => return Err(fail(i, ErrorKind::UnterminatedQuotedString)),
                    _ if is_qdtext(b) => {}
                    _ => return Err(fail(i, ErrorKind::InvalidExtension)),
                },
                State::ExtQuotedPair => match b {
                    CR | LF => return Err(fail(i, ErrorKind::UnterminatedQuotedString)),
                    _ if is_quoted_pair_char(b) => st = State::ExtQuoted,
                    _ => return Err(fail(i, ErrorKind::InvalidExtension)),
                },
                State::LineCr | State::TrailerCr | State::FinalCr => {
                    if b != LF {
                        return Err(fail(i.saturating_sub(1), ErrorKind::BareCr));
                    }
                    ended = Some(match st {
                        State::LineCr => Ended::Chunk,
                        State::TrailerCr => Ended::Trailer,
                        _ => Ended::Final,
                    });
                }
                State::TrailerStart => match b {
                    CR => st = State::FinalCr,
                    LF if cfg.allow_bare_lf => ended = Some(Ended::Final),
                    LF => return Err(fail(i, ErrorKind::BareLf)),
                    b' ' | b'\t' => return Err(fail(i, ErrorKind::ObsFold)),
                    _ if is_tchar(b) => {
                        if self.trailer_fields >= cfg.max_trailer_fields {
                            return Err(limit(i, Limit::TrailerFields));
                        }
                        if self.trailer_bytes.saturating_add(1) > cfg.max_trailer_bytes {
                            return Err(limit(i, Limit::TrailerBytes));
                        }
                        st = State::TrailerName;
                    }
                    _ => return Err(fail(i, ErrorKind::InvalidTrailerName)),
                },
                State::TrailerName => match b {
                    b':' => {
                        l.mark = i;
                        st = State::TrailerPreValue;
                    }
                    _ if is_tchar(b) => {}
                    b' ' | b'\t' => return Err(fail(i, ErrorKind::WhitespaceBeforeColon)),
                    CR | LF => return Err(fail(i, ErrorKind::MissingTrailerColon)),
                    _ => return Err(fail(i, ErrorKind::InvalidTrailerName)),
                },
                State::TrailerPreValue | State::TrailerValue => match b {
                    _ if is_field_vchar(b) => {
                        if st == State::TrailerPreValue {
                            l.end = i;
                            st = State::TrailerValue;
                        }
                        l.term = i + 1;
                    }
                    b' ' | b'\t' => {}
                    CR | LF => {
                        if st == State::TrailerPreValue {
                            l.end = i;
                            l.term = i;
                        }
                        if b == CR {
                            st = State::TrailerCr;
                        } else if cfg.allow_bare_lf {
                            ended = Some(Ended::Trailer);
                        } else {
                            return Err(fail(i, ErrorKind::BareLf));
                        }
                    }
                    _ => return Err(fail(i, ErrorKind::InvalidTrailerValue)),
                },
                // Not line states: `step` never calls us in them.
                State::Data | State::DataCr | State::DataLf | State::Done => return Ok(None),
            }
            i += 1;
            let Some(kind) = ended else { continue };
            let len = i;
            let raw = match kind {
                Ended::Chunk => {
                    self.ext_bytes = self.ext_bytes.saturating_add(l.term - l.mark);
                    self.header_read(l.size, base + l.mark..base + l.end)
                }
                Ended::Trailer => {
                    self.trailer_bytes = self.trailer_bytes.saturating_add(len);
                    self.trailer_fields = self.trailer_fields.saturating_add(1);
                    self.start_line(State::TrailerStart);
                    Raw::Trailer {
                        name: base..base + l.mark,
                        value: base + l.end..base + l.term,
                    }
                }
                Ended::Final => {
                    self.state = State::Done;
                    self.line = Line::default();
                    Raw::Done
                }
            };
            return Ok(Some((len, raw)));
        }
        l.scan = i;
        self.line = l;
        self.state = st;
        Ok(None)
    }
}

/// `head[r]`, or an empty `Bytes` for an empty (or impossible) range.
fn cut(head: &Bytes, r: Range<usize>) -> Bytes {
    if r.start < r.end && r.end <= head.len() {
        head.slice(r)
    } else {
        Bytes::new()
    }
}

/// The borrowed form of `raw`, an item of `buf`.
#[inline(always)]
fn borrowed(buf: &[u8], raw: Raw) -> Option<Chunk<'_>> {
    let cut = |r: Range<usize>| buf.get(r).unwrap_or_default();
    Some(match raw {
        Raw::Header { size, ext } => Chunk::Header {
            size,
            extensions: Extensions::from_validated(cut(ext)),
        },
        Raw::Data(r) => Chunk::Data(cut(r)),
        Raw::Trailer { name, value } => Chunk::Trailer {
            name: cut(name),
            value: cut(value),
        },
        Raw::Done => Chunk::Done,
        Raw::NeedMore => return None,
    })
}

/// `head` holds the consumed bytes; the ranges of `raw` index into it.
fn owned(raw: Raw, head: Bytes) -> Option<OwnedChunk> {
    Some(match raw {
        Raw::Header { size, ext } => OwnedChunk::Header {
            size,
            extensions: OwnedExtensions::from_validated(cut(&head, ext)),
        },
        // `decode_owned` splits data off itself; this arm is correct but not reached.
        Raw::Data(r) => OwnedChunk::Data(cut(&head, r)),
        Raw::Trailer { name, value } => OwnedChunk::Trailer {
            name: cut(&head, name),
            value: cut(&head, value),
        },
        Raw::Done => OwnedChunk::Done,
        Raw::NeedMore => return None,
    })
}

/// The fast path for the common chunk line, hex digits and CRLF with nothing else, when all of
/// it is in `line`: `(line length with CRLF, size)`. `max` is the most digits the limits allow
/// (see [`Decoder::plain_digits`]). `None` sends the line to `scan_line`, which handles
/// everything else (extensions, whitespace, a line split across inputs, every error and limit)
/// with the same outcome.
#[inline(always)]
fn plain_size_line(line: &[u8], max: usize) -> Option<(usize, u64)> {
    let mut size = 0u64;
    let mut digits = 0;
    for &b in &line[..line.len().min(max)] {
        // Arithmetic, not a table: each chunk's size is on the path to the next chunk's
        // position, and a table lookup would add a load to it.
        let Some(v) = hex_val(b) else { break };
        size = size << 4 | v;
        digits += 1;
    }
    if digits > 0 && line.get(digits..digits + 2) == Some(b"\r\n".as_slice()) {
        Some((digits + 2, size))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn scan_cursor_advances_without_rescanning() {
        // A long chunk line fed one byte at a time: the cursor follows the input, so each call
        // examines only the new byte.
        let mut line = b"1;".to_vec();
        line.extend(core::iter::repeat_n(b'a', 3000));
        line.extend_from_slice(b"\r\n");
        let mut d = Decoder::new();
        for n in 1..line.len() {
            let r = d.decode(&line[..n]).unwrap();
            assert_eq!((r.consumed, r.chunk), (0, None));
            assert_eq!(d.line.scan, n);
        }
        let r = d.decode(&line).unwrap();
        assert_eq!(r.consumed, line.len());
        assert!(matches!(r.chunk, Some(Chunk::Header { size: 1, .. })));
        assert_eq!(d.line.scan, 0);
    }

    #[test]
    fn shrunk_input_is_reported() {
        let mut d = Decoder::new();
        assert_eq!(d.decode(b"12").unwrap().consumed, 0);
        let e = d.decode(b"1").unwrap_err();
        assert_eq!(e.kind, ErrorKind::InputShrunk);
    }

    #[test]
    fn huge_size_never_truncates_to_usize() {
        // 2^32 + 5: on a 32-bit target a cast before the comparison would give 5.
        let mut d = Decoder::new();
        let r = d.decode(b"100000005\r\n").unwrap();
        assert!(matches!(
            r.chunk,
            Some(Chunk::Header {
                size: 0x1_0000_0005,
                ..
            })
        ));
        let data = [7u8; 64];
        let r = d.decode(&data).unwrap();
        assert_eq!(r.chunk, Some(Chunk::Data(&data[..])));
        assert_eq!(d.remaining_in_chunk(), 0x1_0000_0005 - 64);
    }

    #[test]
    fn reset_keeps_the_header_switch() {
        let body = b"3;x=y\r\nabc\r\n0\r\n\r\n";
        let mut d = Decoder::new().headers(false);
        for _ in 0..2 {
            let first = d.decode(body).unwrap();
            assert_eq!(
                (first.consumed, first.chunk),
                (12, Some(Chunk::Data(b"abc")))
            );
            let last = d.decode(&body[12..]).unwrap();
            assert_eq!((last.consumed, last.chunk), (5, Some(Chunk::Done)));
            d.reset();
        }
        let mut d = Decoder::new();
        assert!(matches!(
            d.decode(body).unwrap().chunk,
            Some(Chunk::Header { size: 3, .. })
        ));
    }

    #[test]
    fn owned_paths_share_the_buffer() {
        let wire = Bytes::from_static(b"4;a=b\r\nwxyz\r\n0\r\nk: v\r\n\r\nrest");
        let mut buf = wire.clone();
        let mut d = Decoder::new();
        let mut items = Vec::new();
        loop {
            match d.decode_bytes(&mut buf).unwrap() {
                Some(OwnedChunk::Done) => break,
                Some(c) => items.push(c),
                None => panic!("the body is complete"),
            }
        }
        assert_eq!(&buf[..], b"rest");
        let OwnedChunk::Data(data) = &items[1] else {
            panic!("{items:?}")
        };
        assert_eq!(data.as_ptr(), wire[7..].as_ptr()); // a slice, not a copy
        let OwnedChunk::Trailer { name, value } = &items[3] else {
            panic!("{items:?}")
        };
        assert_eq!((&name[..], &value[..]), (&b"k"[..], &b"v"[..]));
    }
}
