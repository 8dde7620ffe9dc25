//! The chunked body decoder: one resumable engine, a borrowed and two owned front ends.

use core::ops::Range;

use bytes::{Bytes, BytesMut};

use super::error::{DecodeError, Limit};
use super::ext::{Extensions, ExtensionsRef};
use super::grammar::{hex_val, is_field_vchar, is_qdtext, is_quoted_pair_char, is_tchar};
use super::Limits;
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

/// Where the engine is: in a chunk line, in chunk data (and the CRLF after it), in the trailer
/// section, or past the end. The two kinds of line have their own state types, so each half of
/// the line scanner matches only the states it can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// `chunk-size [ chunk-ext ] CRLF`
    Chunk(ChunkLine),
    Data,
    DataCr,
    DataLf,
    /// `*( field-line CRLF ) CRLF`
    Trailer(TrailerLine),
    Done,
}

/// The start of a chunk line, where the decoder is between chunks.
const SIZE_START: State = State::Chunk(ChunkLine::SizeStart);

/// States within a chunk line. The extension states form one contiguous run, so `is_ext` is a
/// range check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ChunkLine {
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
    /// The CR of the line end was seen.
    Cr,
}

impl ChunkLine {
    #[inline]
    fn is_ext(self) -> bool {
        ChunkLine::SizeWs <= self && self <= ChunkLine::ExtValueWs
    }
}

/// States within the trailer section: a field line, or the final empty line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum TrailerLine {
    /// The start of a line: a field name, or the final CRLF.
    Start,
    Name,
    PreValue,
    Value,
    /// The CR ending a field line was seen.
    Cr,
    /// The CR of the final empty line was seen.
    FinalCr,
}

impl TrailerLine {
    /// States of a trailer field line once its first byte was seen.
    #[inline]
    fn in_field(self) -> bool {
        TrailerLine::Name <= self && self <= TrailerLine::Cr
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

/// What one call to [`Decoder::decode`] produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "the caller must drop `consumed` bytes from its buffer"]
pub struct Decoded<'b> {
    /// How many bytes at the front of the input the decoder is done with. The caller MUST
    /// drop exactly these before the next call and keep the rest at the front of the next
    /// input. After [`ChunkRef::Done`], the bytes past `consumed` are the next message's: they
    /// were not looked at.
    pub consumed: usize,
    /// What the consumed bytes held: `None` when the input holds no complete item yet (call
    /// again with more input appended, the unconsumed bytes kept in front), the same "need
    /// more" shape as [`sse::Decoded::item`](crate::sse::Decoded::item) and
    /// `tokio_util::codec::Decoder`.
    pub item: Option<ChunkRef<'b>>,
}

/// One item of a chunked body, borrowing from the caller's input; [`Chunk`] is its owned form.
///
/// A body decodes as: for every chunk, a [`Header`](ChunkRef::Header) and then its data as one
/// or more [`Data`](ChunkRef::Data) pieces; then the last chunk's [`Header`](ChunkRef::Header)
/// with `size == 0`; then one [`Trailer`](ChunkRef::Trailer) per trailer field; then
/// [`Done`](ChunkRef::Done). Between any two items a call can return no item (`None`): the input
/// holds no complete item yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChunkRef<'b> {
    /// A chunk line was read: the chunk's size and its extensions. `size == 0` is the last
    /// chunk: trailer fields and [`Done`](ChunkRef::Done) follow.
    Header {
        /// The chunk size in bytes (as declared; the data has not arrived yet).
        size: u64,
        /// The chunk extensions, validated.
        extensions: ExtensionsRef<'b>,
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

/// One item of a chunked body, owned: the form [`Decoder::decode_buf`], [`BytesDecoder`]
/// and the codec return; every `Bytes` in it shares the caller's buffer (no copy). The
/// borrowed form is [`ChunkRef`].
///
/// [`BytesDecoder`]: super::BytesDecoder
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Chunk {
    /// See [`ChunkRef::Header`].
    Header {
        /// The chunk size in bytes.
        size: u64,
        /// The chunk extensions, validated.
        extensions: Extensions,
    },
    /// See [`ChunkRef::Data`].
    Data(Bytes),
    /// See [`ChunkRef::Trailer`].
    Trailer {
        /// The field name.
        name: Bytes,
        /// The field value.
        value: Bytes,
    },
    /// See [`ChunkRef::Done`].
    Done,
}

/// An incremental, sans-IO decoder for an HTTP/1.1 chunked body (RFC 9112 §7.1).
///
/// It never does I/O, never blocks and never allocates. Input arrives in pieces of any size
/// and the decoder returns one item per call:
///
/// * [`decode`](Decoder::decode): borrowed `&[u8]` in, [`ChunkRef`]s borrowing from it out. The
///   caller owns the buffer (httparse/rustls style) and drops [`Decoded::consumed`] bytes from
///   its front after each call.
/// * [`decode_buf`](Decoder::decode_buf): a [`BytesMut`] in, [`Chunk`]s out whose payloads
///   are slices of it (no copy); a thin adaptor over `decode`'s engine. For input that arrives
///   as [`Bytes`] pieces, wrap the decoder in a [`BytesDecoder`](super::BytesDecoder).
///
/// Body data is never scanned or copied: a [`ChunkRef::Data`] is a sub-slice of the input,
/// returned as soon as any of it arrives. Only a chunk line or a trailer field line that has
/// not ended yet is left unconsumed for the caller to keep (bounded by the [`Limits`]);
/// the decoder remembers how far it examined it, so feeding a line one byte at a time stays
/// linear. Every call consumes bytes, returns an item, returns no item (`None`: need more input)
/// or fails.
///
/// The end of the body is explicit ([`ChunkRef::Done`]); bytes after the final CRLF are never
/// consumed. When the input ends (EOF), call [`finish`](Decoder::finish): a body cut short is an
/// error, never a short body. `finish` also readies the decoder for the next body, as
/// [`reset`](Decoder::reset) does without judging the input.
///
/// # Example
///
/// ```
/// use sse_wire::chunked::{ChunkRef, Decoded, Decoder};
///
/// let mut decoder = Decoder::new();
/// let mut body = Vec::new();
/// // Input arrives in two reads; the caller keeps what the decoder did not consume.
/// let mut buf = b"6\r\nhello \r\n5\r\nwor".to_vec();
/// let mut reads = vec![b"ld\r\n0\r\nETag: \"x\"\r\n\r\nNEXT".to_vec()];
/// loop {
///     let Decoded { consumed, item } = decoder.decode(&buf)?;
///     match item {
///         Some(ChunkRef::Data(bytes)) => body.extend_from_slice(bytes),
///         Some(ChunkRef::Trailer { name, value }) => assert_eq!((name, value), (&b"ETag"[..], &b"\"x\""[..])),
///         Some(ChunkRef::Done) => {
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
/// decoder.finish()?; // the body ended cleanly; the decoder is ready for the next one
/// # Ok::<(), sse_wire::chunked::DecodeError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Decoder {
    limits: Limits,
    state: State,
    error: Option<DecodeError>,
    /// Bytes consumed since the start of the body.
    position: u64,
    /// Data bytes of the current chunk not handed out yet.
    remaining: u64,
    line: Line,
    ext_bytes: usize,
    trailer_bytes: usize,
    trailer_fields: usize,
    /// Whether chunk lines come out as [`ChunkRef::Header`] items.
    headers: bool,
    /// The most size digits [`plain_size_line`] may read: a line of at most this many digits
    /// passes every limit whatever its leading zeros (`scan_chunk_line` rejects digit `i` only
    /// when `i >= max_chunk_line`, or when it is significant digit number
    /// `max_size_digits + 1`), and at most 16 keep the size in a u64. Longer lines go to
    /// `scan_chunk_line`.
    plain_digits: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder with [`Limits::default()`].
    #[must_use]
    pub const fn new() -> Self {
        Self::with_limits(Limits::new())
    }

    /// A decoder with the given limits.
    #[must_use]
    pub const fn with_limits(limits: Limits) -> Self {
        Decoder {
            limits,
            state: SIZE_START,
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
            plain_digits: min(min(limits.max_size_digits, limits.max_chunk_line), 16),
        }
    }

    /// Whether chunk lines come out as [`ChunkRef::Header`] items (the default), or are
    /// validated and consumed without an item, for a caller that only wants the body: every
    /// call then goes straight on to the chunk's data, trailers and [`ChunkRef::Done`].
    /// Validation and limits are the same either way.
    ///
    /// ```
    /// use sse_wire::chunked::{ChunkRef, Decoder};
    ///
    /// let mut decoder = Decoder::new().headers(false);
    /// let d = decoder.decode(b"5;a=b\r\nhello\r\n").unwrap();
    /// assert_eq!(d.item, Some(ChunkRef::Data(b"hello")));
    /// assert_eq!(d.consumed, 14);
    /// ```
    #[must_use]
    pub const fn headers(mut self, emit: bool) -> Self {
        self.headers = emit;
        self
    }

    /// The limits in force.
    #[must_use]
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// `true` once the final CRLF was consumed ([`ChunkRef::Done`] was returned), until
    /// [`finish`](Decoder::finish) or [`reset`](Decoder::reset).
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.state == State::Done && self.error.is_none()
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

    /// Drops the body decoded so far (and the error it failed with, if it did) without judging
    /// it, ready for the next body. The limits and the [`headers`](Decoder::headers) switch
    /// stay.
    pub fn reset(&mut self) {
        *self = Self::with_limits(self.limits).headers(self.headers);
    }

    /// Tells the decoder that the input ended (EOF), and readies it for the next body (as
    /// [`reset`](Decoder::reset) does).
    ///
    /// `Ok` means the body ended cleanly: [`ChunkRef::Done`] was returned.
    ///
    /// ```
    /// use sse_wire::chunked::{ChunkRef, DecodeError, Decoder};
    ///
    /// let mut decoder = Decoder::new().headers(false);
    /// let cut = decoder.decode(b"5\r\nhel").unwrap();
    /// assert_eq!((cut.consumed, cut.item), (6, Some(ChunkRef::Data(b"hel"))));
    /// assert_eq!(decoder.finish(), Err(DecodeError::Truncated { offset: 6 }));
    /// // Ready for the next body.
    /// assert_eq!(decoder.position(), 0);
    /// let next = decoder.decode(b"0\r\n\r\n").unwrap();
    /// assert_eq!((next.consumed, next.item), (5, Some(ChunkRef::Done)));
    /// assert_eq!(decoder.finish(), Ok(()));
    /// ```
    ///
    /// # Errors
    ///
    /// [`DecodeError::Truncated`] unless the body is [done](Decoder::is_done); the error the
    /// decoder already failed with, if any.
    pub fn finish(&mut self) -> Result<(), DecodeError> {
        let end = match self.error {
            Some(e) => Err(e),
            None if self.state == State::Done => Ok(()),
            None => Err(DecodeError::Truncated {
                offset: self.offset_at(self.line.scan),
            }),
        };
        self.reset();
        end
    }

    /// Decodes the next item from `buf`, borrowing from it.
    ///
    /// `buf` MUST start with the bytes the previous call did not consume, followed by any new
    /// input; before the next call the caller MUST drop exactly [`Decoded::consumed`] bytes
    /// from the front. The unconsumed bytes are at most one chunk line
    /// ([`Limits::max_chunk_line`]) or one trailer field line ([`Limits::max_trailer_bytes`]),
    /// plus whatever followed them in `buf`.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] when the input is not a valid chunked body under the [`Limits`], or
    /// when `buf` is shorter than the bytes the previous call left unconsumed
    /// ([`DecodeError::InputShrunk`]). Every later call returns the same error, until
    /// [`finish`](Decoder::finish) or [`reset`](Decoder::reset).
    // Inlined so the engine's hot path becomes part of the caller's loop: a call per chunk,
    // and its result through memory, cost more than the work on a small chunk.
    #[inline(always)]
    pub fn decode<'b>(&mut self, buf: &'b [u8]) -> Result<Decoded<'b>, DecodeError> {
        let (consumed, item) = self.run(
            buf,
            #[inline(always)]
            |raw| borrowed(buf, raw),
        )?;
        Ok(Decoded { consumed, item })
    }

    /// Decodes the next item from a [`BytesMut`] the caller reads into: the consumed bytes are
    /// split off its front and frozen, and the returned payloads are slices of them (no copy).
    ///
    /// After `Ok(None)`, `buf` holds the start of an unfinished line: the next call must see
    /// those bytes followed by the next input. After [`Chunk::Done`], `buf` holds exactly the
    /// bytes after the body.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use sse_wire::chunked::{Chunk, Decoder};
    ///
    /// let mut decoder = Decoder::new();
    /// let mut buf = BytesMut::from(&b"a;x=1\r"[..]);
    /// assert_eq!(decoder.decode_buf(&mut buf)?, None); // need more input
    /// assert_eq!(&buf[..], b"a;x=1\r"); // kept: the line has not ended
    /// buf.extend_from_slice(b"\n0123456789\r\n0\r\n\r\n");
    /// let Some(Chunk::Header { size: 10, extensions }) = decoder.decode_buf(&mut buf)? else { panic!() };
    /// assert_eq!(extensions.as_ref().get(b"x").unwrap().value().unwrap().raw(), b"1");
    /// assert!(matches!(decoder.decode_buf(&mut buf)?, Some(Chunk::Data(d)) if d == "0123456789"));
    /// assert!(matches!(decoder.decode_buf(&mut buf)?, Some(Chunk::Header { size: 0, .. })));
    /// assert_eq!(decoder.decode_buf(&mut buf)?, Some(Chunk::Done));
    /// assert!(buf.is_empty());
    /// # Ok::<(), sse_wire::chunked::DecodeError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`decode`](Decoder::decode); on error nothing is split off `buf`.
    pub fn decode_buf(&mut self, buf: &mut BytesMut) -> Result<Option<Chunk>, DecodeError> {
        self.decode_owned(buf)
    }

    /// The owned front end: runs the engine on `buf` and splits the consumed bytes off it.
    /// [`BytesDecoder`](super::BytesDecoder) uses it on its `Bytes` pieces.
    pub(super) fn decode_owned<B: OwnedInput>(
        &mut self,
        buf: &mut B,
    ) -> Result<Option<Chunk>, DecodeError> {
        let (consumed, raw) = self.run(
            buf.as_slice(),
            #[inline(always)]
            |raw| raw,
        )?;
        let consumed = consumed.min(buf.as_slice().len());
        // Every item's fields are cut from the consumed bytes; an item that refers to none
        // of them lets them go.
        Ok(Some(match raw {
            Raw::Data(r) => {
                // Split the data off by itself (a CRLF after it may be consumed too): the
                // handed-out `Bytes` is then the only handle to those bytes.
                buf.drop_front(r.start);
                let data = buf.take_front(r.len());
                buf.drop_front(consumed - r.end);
                Chunk::Data(data)
            }
            Raw::Header { size, ext } => {
                let extensions = if ext.is_empty() {
                    buf.drop_front(consumed);
                    Bytes::new()
                } else {
                    cut(&buf.take_front(consumed), ext)
                };
                Chunk::Header {
                    size,
                    extensions: Extensions::from_validated(extensions),
                }
            }
            Raw::Trailer { name, value } => {
                let head = buf.take_front(consumed);
                Chunk::Trailer {
                    name: cut(&head, name),
                    value: cut(&head, value),
                }
            }
            Raw::Done => {
                buf.drop_front(consumed);
                Chunk::Done
            }
            Raw::NeedMore => {
                buf.drop_front(consumed);
                return Ok(None);
            }
        }))
    }

    /// Runs the engine and keeps the bookkeeping common to every front end. `item` turns the
    /// engine's [`Raw`] item into the front end's: applied where each item is made, it folds
    /// into the code that made it.
    #[inline(always)]
    fn run<T>(
        &mut self,
        buf: &[u8],
        item: impl Fn(Raw) -> T + Copy,
    ) -> Result<(usize, T), DecodeError> {
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

    /// The body offset of `buf[at]` in this call's input.
    fn offset_at(&self, at: usize) -> u64 {
        self.position.saturating_add(at as u64)
    }

    /// The engine: moves through `buf` until it has an item, needs more input or fails.
    #[inline(always)]
    fn step<T>(
        &mut self,
        buf: &[u8],
        item: impl Fn(Raw) -> T + Copy,
    ) -> Result<(usize, T), DecodeError> {
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
                        LF if self.limits.allow_bare_lf => self.start_line(SIZE_START),
                        LF => {
                            return Err(DecodeError::BareLf {
                                offset: self.offset_at(pos),
                            })
                        }
                        _ => {
                            return Err(DecodeError::MissingCrlfAfterData {
                                offset: self.offset_at(pos),
                            })
                        }
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
                        return Err(DecodeError::BareCr {
                            offset: self.offset_at(pos).saturating_sub(1),
                        });
                    }
                    self.start_line(SIZE_START);
                    pos += 1;
                }
                State::Done => return Ok((pos, item(Raw::Done))),
                State::Chunk(st) => {
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
                    match self.scan_chunk_line(st, line, pos)? {
                        // The header is validated and consumed: go on to the data.
                        Some((len, _)) if !self.headers => pos += len,
                        Some((len, raw)) => return Ok((pos + len, item(raw))),
                        None => return Ok((pos, item(Raw::NeedMore))),
                    }
                }
                State::Trailer(st) => {
                    let line = buf.get(pos..).unwrap_or_default();
                    return Ok(match self.scan_trailer_line(st, line, pos)? {
                        Some((len, raw)) => (pos + len, item(raw)),
                        None => (pos, item(Raw::NeedMore)),
                    });
                }
            }
        }
    }

    /// A chunk line of hex digits and CRLF at `buf[pos..]`, read whole: the end of what was
    /// consumed and the item, which with `headers(false)` is the chunk's data, or `None` for the
    /// last chunk's line (the trailer section follows). `None` when the decoder is not at the
    /// start of a chunk line or the line is anything else: [`scan_chunk_line`](Self::scan_chunk_line) reads
    /// those, with the same outcome for this one.
    #[inline(always)]
    fn plain_chunk<T>(
        &mut self,
        buf: &[u8],
        pos: usize,
        item: impl Fn(Raw) -> T,
    ) -> Option<(usize, Option<T>)> {
        if self.state != SIZE_START || self.line.scan != 0 {
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
                if self.state != SIZE_START {
                    self.state = SIZE_START;
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
            self.start_line(State::Trailer(TrailerLine::Start));
        } else {
            self.remaining = size;
            self.state = State::Data;
            self.line = Line::default();
        }
        Raw::Header { size, ext }
    }

    /// Scans the chunk line starting at `buf[base..]` (passed as `line`) from the saved cursor,
    /// in state `st`. Returns the line length and its [`Raw::Header`] when it ended, `None`
    /// when it needs more input. Ranges in the item are relative to `buf`, i.e. shifted by
    /// `base`.
    #[allow(clippy::too_many_lines)]
    #[inline(never)]
    fn scan_chunk_line(
        &mut self,
        mut st: ChunkLine,
        line: &[u8],
        base: usize,
    ) -> Result<Option<(usize, Raw)>, DecodeError> {
        let cfg = self.limits;
        let mut l = self.line;
        if line.len() < l.scan {
            return Err(DecodeError::InputShrunk {
                offset: self.offset_at(base),
            });
        }
        let origin = self.position.saturating_add(base as u64);
        let at = |i: usize| origin.saturating_add(i as u64);
        let limit = |i: usize, limit| DecodeError::LimitExceeded {
            limit,
            offset: at(i),
        };
        let mut i = l.scan;
        let mut ended = false;
        while let Some(&b) = line.get(i) {
            if st != ChunkLine::Cr && b != CR && b != LF {
                if i >= cfg.max_chunk_line {
                    return Err(limit(i, Limit::ChunkLine));
                }
                if st.is_ext()
                    && self.ext_bytes.saturating_add(i + 1 - l.mark) > cfg.max_extension_bytes
                {
                    return Err(limit(i, Limit::ExtensionBytes));
                }
            }
            match st {
                ChunkLine::SizeStart | ChunkLine::SizeDigits => {
                    if let Some(v) = hex_val(b) {
                        // Leading zeros are legal in any number (`1*HEXDIG`, `1*("0")`) and
                        // are not counted: only digits from the first non-zero one on are.
                        // Overflow is checked first, so that a size above u64::MAX is reported
                        // as such whatever the digit limit.
                        l.size = match l.size.checked_mul(16).and_then(|s| s.checked_add(v)) {
                            Some(s) => s,
                            None => return Err(DecodeError::ChunkSizeOverflow { offset: at(i) }),
                        };
                        if l.size != 0 {
                            if l.digits >= cfg.max_size_digits {
                                return Err(limit(i, Limit::SizeDigits));
                            }
                            l.digits += 1;
                        }
                        st = ChunkLine::SizeDigits;
                    } else if st == ChunkLine::SizeStart {
                        return Err(DecodeError::InvalidChunkSize { offset: at(i) });
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
                                st = ChunkLine::SizeWs;
                            }
                            b';' => st = ChunkLine::ExtPreName,
                            CR => st = ChunkLine::Cr,
                            LF if cfg.allow_bare_lf => ended = true,
                            LF => return Err(DecodeError::BareLf { offset: at(i) }),
                            _ => return Err(DecodeError::InvalidAfterChunkSize { offset: at(i) }),
                        }
                    }
                }
                ChunkLine::SizeWs | ChunkLine::ExtNameWs | ChunkLine::ExtValueWs => match b {
                    b' ' | b'\t' => {}
                    b';' => st = ChunkLine::ExtPreName,
                    b'=' if st == ChunkLine::ExtNameWs => st = ChunkLine::ExtPreValue,
                    CR | LF => {
                        if !cfg.allow_trailing_whitespace {
                            return Err(DecodeError::TrailingWhitespace { offset: at(l.ws) });
                        }
                        l.end = l.ws;
                        l.term = i;
                        if b == CR {
                            st = ChunkLine::Cr;
                        } else if cfg.allow_bare_lf {
                            ended = true;
                        } else {
                            return Err(DecodeError::BareLf { offset: at(i) });
                        }
                    }
                    _ if st == ChunkLine::SizeWs => {
                        return Err(DecodeError::InvalidAfterChunkSize { offset: at(i) })
                    }
                    _ => return Err(DecodeError::InvalidExtension { offset: at(i) }),
                },
                ChunkLine::ExtPreName | ChunkLine::ExtPreValue => match b {
                    b' ' | b'\t' => {}
                    _ if is_tchar(b) => {
                        st = if st == ChunkLine::ExtPreName {
                            ChunkLine::ExtName
                        } else {
                            ChunkLine::ExtToken
                        };
                    }
                    b'"' if st == ChunkLine::ExtPreValue => st = ChunkLine::ExtQuoted,
                    _ => return Err(DecodeError::InvalidExtension { offset: at(i) }),
                },
                ChunkLine::ExtName | ChunkLine::ExtToken | ChunkLine::ExtValueEnd => match b {
                    _ if is_tchar(b) && st != ChunkLine::ExtValueEnd => {}
                    b' ' | b'\t' => {
                        l.ws = i;
                        st = if st == ChunkLine::ExtName {
                            ChunkLine::ExtNameWs
                        } else {
                            ChunkLine::ExtValueWs
                        };
                    }
                    b';' => st = ChunkLine::ExtPreName,
                    b'=' if st == ChunkLine::ExtName => st = ChunkLine::ExtPreValue,
                    CR => {
                        l.end = i;
                        l.term = i;
                        st = ChunkLine::Cr;
                    }
                    LF if cfg.allow_bare_lf => {
                        l.end = i;
                        l.term = i;
                        ended = true;
                    }
                    LF => return Err(DecodeError::BareLf { offset: at(i) }),
                    _ => return Err(DecodeError::InvalidExtension { offset: at(i) }),
                },
                ChunkLine::ExtQuoted => match b {
                    b'"' => st = ChunkLine::ExtValueEnd,
                    b'\\' => st = ChunkLine::ExtQuotedPair,
                    CR | LF => return Err(DecodeError::UnterminatedQuotedString { offset: at(i) }),
                    _ if is_qdtext(b) => {}
                    _ => return Err(DecodeError::InvalidExtension { offset: at(i) }),
                },
                ChunkLine::ExtQuotedPair => match b {
                    CR | LF => return Err(DecodeError::UnterminatedQuotedString { offset: at(i) }),
                    _ if is_quoted_pair_char(b) => st = ChunkLine::ExtQuoted,
                    _ => return Err(DecodeError::InvalidExtension { offset: at(i) }),
                },
                ChunkLine::Cr => {
                    if b != LF {
                        return Err(DecodeError::BareCr {
                            offset: at(i.saturating_sub(1)),
                        });
                    }
                    ended = true;
                }
            }
            i += 1;
            if ended {
                self.ext_bytes = self.ext_bytes.saturating_add(l.term - l.mark);
                let raw = self.header_read(l.size, base + l.mark..base + l.end);
                return Ok(Some((i, raw)));
            }
        }
        l.scan = i;
        self.line = l;
        self.state = State::Chunk(st);
        Ok(None)
    }

    /// Scans the trailer field line (or the final empty line) starting at `buf[base..]`
    /// (passed as `line`) from the saved cursor, in state `st`. Returns the line length and its
    /// [`Raw::Trailer`] (or [`Raw::Done`]) when it ended, `None` when it needs more input.
    /// Ranges in the item are relative to `buf`, i.e. shifted by `base`.
    #[inline(never)]
    fn scan_trailer_line(
        &mut self,
        mut st: TrailerLine,
        line: &[u8],
        base: usize,
    ) -> Result<Option<(usize, Raw)>, DecodeError> {
        let cfg = self.limits;
        let mut l = self.line;
        if line.len() < l.scan {
            return Err(DecodeError::InputShrunk {
                offset: self.offset_at(base),
            });
        }
        let origin = self.position.saturating_add(base as u64);
        let at = |i: usize| origin.saturating_add(i as u64);
        let limit = |i: usize, limit| DecodeError::LimitExceeded {
            limit,
            offset: at(i),
        };
        let mut i = l.scan;
        // Whether the line that ended is a field (or the final empty line).
        let mut ended = None;
        while let Some(&b) = line.get(i) {
            if st.in_field() && self.trailer_bytes.saturating_add(i + 1) > cfg.max_trailer_bytes {
                return Err(limit(i, Limit::TrailerBytes));
            }
            match st {
                TrailerLine::Start => match b {
                    CR => st = TrailerLine::FinalCr,
                    LF if cfg.allow_bare_lf => ended = Some(false),
                    LF => return Err(DecodeError::BareLf { offset: at(i) }),
                    b' ' | b'\t' => return Err(DecodeError::ObsFold { offset: at(i) }),
                    _ if is_tchar(b) => {
                        if self.trailer_fields >= cfg.max_trailer_fields {
                            return Err(limit(i, Limit::TrailerFields));
                        }
                        if self.trailer_bytes.saturating_add(1) > cfg.max_trailer_bytes {
                            return Err(limit(i, Limit::TrailerBytes));
                        }
                        st = TrailerLine::Name;
                    }
                    _ => return Err(DecodeError::InvalidTrailerName { offset: at(i) }),
                },
                TrailerLine::Name => match b {
                    b':' => {
                        l.mark = i;
                        st = TrailerLine::PreValue;
                    }
                    _ if is_tchar(b) => {}
                    b' ' | b'\t' => {
                        return Err(DecodeError::WhitespaceBeforeColon { offset: at(i) })
                    }
                    CR | LF => return Err(DecodeError::MissingTrailerColon { offset: at(i) }),
                    _ => return Err(DecodeError::InvalidTrailerName { offset: at(i) }),
                },
                TrailerLine::PreValue | TrailerLine::Value => match b {
                    _ if is_field_vchar(b) => {
                        if st == TrailerLine::PreValue {
                            l.end = i;
                            st = TrailerLine::Value;
                        }
                        l.term = i + 1;
                    }
                    b' ' | b'\t' => {}
                    CR | LF => {
                        if st == TrailerLine::PreValue {
                            l.end = i;
                            l.term = i;
                        }
                        if b == CR {
                            st = TrailerLine::Cr;
                        } else if cfg.allow_bare_lf {
                            ended = Some(true);
                        } else {
                            return Err(DecodeError::BareLf { offset: at(i) });
                        }
                    }
                    _ => return Err(DecodeError::InvalidTrailerValue { offset: at(i) }),
                },
                TrailerLine::Cr | TrailerLine::FinalCr => {
                    if b != LF {
                        return Err(DecodeError::BareCr {
                            offset: at(i.saturating_sub(1)),
                        });
                    }
                    ended = Some(st == TrailerLine::Cr);
                }
            }
            i += 1;
            let Some(field) = ended else { continue };
            let raw = if field {
                self.trailer_bytes = self.trailer_bytes.saturating_add(i);
                self.trailer_fields = self.trailer_fields.saturating_add(1);
                self.start_line(State::Trailer(TrailerLine::Start));
                Raw::Trailer {
                    name: base..base + l.mark,
                    value: base + l.end..base + l.term,
                }
            } else {
                self.state = State::Done;
                self.line = Line::default();
                Raw::Done
            };
            return Ok(Some((i, raw)));
        }
        l.scan = i;
        self.line = l;
        self.state = State::Trailer(st);
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
fn borrowed(buf: &[u8], raw: Raw) -> Option<ChunkRef<'_>> {
    let cut = |r: Range<usize>| buf.get(r).unwrap_or_default();
    Some(match raw {
        Raw::Header { size, ext } => ChunkRef::Header {
            size,
            extensions: ExtensionsRef::from_validated(cut(ext)),
        },
        Raw::Data(r) => ChunkRef::Data(cut(r)),
        Raw::Trailer { name, value } => ChunkRef::Trailer {
            name: cut(name),
            value: cut(value),
        },
        Raw::Done => ChunkRef::Done,
        Raw::NeedMore => return None,
    })
}

/// The fast path for the common chunk line, hex digits and CRLF with nothing else, when all of
/// it is in `line`: `(line length with CRLF, size)`. `max` is the most digits the limits allow
/// (see [`Decoder::plain_digits`]). `None` sends the line to `scan_chunk_line`, which handles
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
            assert_eq!((r.consumed, r.item), (0, None));
            assert_eq!(d.line.scan, n);
        }
        let r = d.decode(&line).unwrap();
        assert_eq!(r.consumed, line.len());
        assert!(matches!(r.item, Some(ChunkRef::Header { size: 1, .. })));
        assert_eq!(d.line.scan, 0);
    }

    #[test]
    fn shrunk_input_is_reported() {
        let mut d = Decoder::new();
        assert_eq!(d.decode(b"12").unwrap().consumed, 0);
        let e = d.decode(b"1").unwrap_err();
        assert_eq!(e, DecodeError::InputShrunk { offset: 0 });
    }

    #[test]
    fn huge_size_never_truncates_to_usize() {
        // 2^32 + 5: on a 32-bit target a cast before the comparison would give 5.
        let mut d = Decoder::new();
        let r = d.decode(b"100000005\r\n").unwrap();
        assert!(matches!(
            r.item,
            Some(ChunkRef::Header {
                size: 0x1_0000_0005,
                ..
            })
        ));
        let data = [7u8; 64];
        let r = d.decode(&data).unwrap();
        assert_eq!(r.item, Some(ChunkRef::Data(&data[..])));
        assert_eq!(d.remaining_in_chunk(), 0x1_0000_0005 - 64);
    }

    #[test]
    fn reset_keeps_the_header_switch() {
        let body = b"3;x=y\r\nabc\r\n0\r\n\r\n";
        let mut d = Decoder::new().headers(false);
        for _ in 0..2 {
            let first = d.decode(body).unwrap();
            assert_eq!(
                (first.consumed, first.item),
                (12, Some(ChunkRef::Data(b"abc")))
            );
            let last = d.decode(&body[12..]).unwrap();
            assert_eq!((last.consumed, last.item), (5, Some(ChunkRef::Done)));
            d.reset();
        }
        let mut d = Decoder::new();
        assert!(matches!(
            d.decode(body).unwrap().item,
            Some(ChunkRef::Header { size: 3, .. })
        ));
    }

    #[test]
    fn owned_paths_share_the_buffer() {
        let wire = Bytes::from_static(b"4;a=b\r\nwxyz\r\n0\r\nk: v\r\n\r\nrest");
        let mut buf = wire.clone();
        let mut d = Decoder::new();
        let mut items = Vec::new();
        loop {
            match d.decode_owned(&mut buf).unwrap() {
                Some(Chunk::Done) => break,
                Some(c) => items.push(c),
                None => panic!("the body is complete"),
            }
        }
        assert_eq!(&buf[..], b"rest");
        let Chunk::Data(data) = &items[1] else {
            panic!("{items:?}")
        };
        assert_eq!(data.as_ptr(), wire[7..].as_ptr()); // a slice, not a copy
        let Chunk::Trailer { name, value } = &items[3] else {
            panic!("{items:?}")
        };
        assert_eq!((&name[..], &value[..]), (&b"k"[..], &b"v"[..]));
    }
}
