//! Drivers and checks that only the fuzz targets in `fuzz/fuzz_targets/` use (the items' and
//! extensions' conversions to the reference's form, and `unlimited`, are shared with the tests:
//! [`crate::sse`], [`crate::chunked`]).
//!
//! Most targets read their input as a small header followed by the bytes to decode:
//!
//! ```text
//! [flags] [n] [n piece lengths] [data ...]
//! ```
//!
//! `flags` picks the configuration (each target says how), `n & 7` piece-length bytes follow,
//! and the data is fed to the decoders in pieces of those lengths, cycled (a `0` is an empty
//! piece; all zeros, or none, means the data whole). A seed is the header `00 00` followed by a
//! conformance case, so dictionary entries and mutations land mostly in the data.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use sse_wire::chunked::{self, Chunk, ChunkRef, Decoded, Limits as Config};
use sse_wire::sse::{BytesDecoder, DecodeError, Decoder, Limits, Truncated};

use crate::chunked::{exts, unlimited};
use crate::guard::Guard;
use crate::reference::chunked::{Ext, Output};
use crate::reference::sse::RefItem;
use crate::sse::{decode_bytes, from_item, from_item_ref};

// ---------------------------------------------------------------------------------------------
// Input header and cutting
// ---------------------------------------------------------------------------------------------

/// A fuzz input taken apart: see the module docs.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// Configuration bits; their meaning is the target's.
    pub flags: u8,
    /// Piece lengths, cycled.
    pub cuts: &'a [u8],
    /// The bytes to decode.
    pub data: &'a [u8],
}

impl<'a> Input<'a> {
    /// Splits `raw` into header and data; short inputs get an all-zero header.
    #[must_use]
    pub fn parse(raw: &'a [u8]) -> Self {
        let flags = raw.first().copied().unwrap_or(0);
        let n = raw.get(1).map_or(0, |&n| usize::from(n & 7));
        let cuts_end = (2 + n).min(raw.len());
        Input {
            flags,
            cuts: raw.get(2..cuts_end).unwrap_or_default(),
            data: raw.get(cuts_end..).unwrap_or_default(),
        }
    }
}

/// `data` cut into pieces whose lengths cycle through `cuts` (see the module docs).
#[must_use]
pub fn pieces<'a>(data: &'a [u8], cuts: &[u8]) -> Vec<&'a [u8]> {
    if cuts.iter().all(|&c| c == 0) {
        return vec![data];
    }
    let mut out = Vec::new();
    let mut rest = data;
    for &len in cuts.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (piece, tail) = rest.split_at(usize::from(len).min(rest.len()));
        out.push(piece);
        rest = tail;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// SSE
// ---------------------------------------------------------------------------------------------

/// Limits from three bits each: small ones most of the time, so that every limit path runs.
#[must_use]
pub fn sse_limits(line_bits: u8, event_bits: u8) -> Limits {
    const LINE: [usize; 8] = [0, 3, 8, 16, 64, 256, 1024, Limits::new().max_line_len];
    const EVENT: [usize; 8] = [0, 4, 16, 64, 256, 1024, 8192, Limits::new().max_event_size];
    let mut limits = Limits::default();
    limits.max_line_len = LINE[usize::from(line_bits & 7)];
    limits.max_event_size = EVENT[usize::from(event_bits & 7)];
    limits
}

/// Limits for `sse_differential`, from three bits each: choice 0 is the default limits (so that a
/// seed's `00 00` header decodes as the conformance case it came from), the others small values
/// that the lines of a short input cross, with steps of a few bytes.
#[must_use]
pub fn sse_differential_limits(line_bits: u8, event_bits: u8) -> Limits {
    const LINE: [usize; 8] = [Limits::new().max_line_len, 0, 1, 2, 5, 8, 16, 64];
    const EVENT: [usize; 8] = [Limits::new().max_event_size, 0, 1, 3, 6, 10, 32, 128];
    let mut limits = Limits::default();
    limits.max_line_len = LINE[usize::from(line_bits & 7)];
    limits.max_event_size = EVENT[usize::from(event_bits & 7)];
    limits
}

/// The engine's retention cap (`MAX_RETAINED_WASTE` in `src/sse/engine.rs`): unreferenced bytes
/// a pending event may pin before the engine copies its fields out. 64 under `cfg(fuzzing)`
/// (cargo-fuzz builds every crate with it), as in the engine, so that inputs of a few hundred
/// bytes already cross it; 4096 otherwise.
pub const SSE_RETAINED_WASTE: usize = if cfg!(fuzzing) { 64 } else { 4096 };

/// The bytes a caller may have to hold between two inputs, for these limits.
///
/// The engine keeps at most: an unterminated line (`max_line_len`), the pending event's fields
/// that are still slices of the input (`event`, `id` and a single `data` line, each at most
/// `max_line_len`), the line ends around them, the bytes between them up to its retention cap
/// ([`SSE_RETAINED_WASTE`], after which it copies the fields out), and two bytes of a BOM not
/// yet complete.
#[must_use]
pub fn sse_retained_bound(limits: &Limits) -> usize {
    let line = limits.max_line_len.saturating_add(2);
    line.saturating_mul(4)
        .saturating_add(SSE_RETAINED_WASTE + 3)
}

/// Everything one run of the real SSE decoder produced, over one or more streams.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct SseRun {
    /// Items and errors in the order they came out, all streams together.
    pub items: Vec<Result<RefItem, DecodeError>>,
    /// For each stream: `finish()`, then `last_event_id()` and `retry()` after it.
    pub ends: Vec<(Result<(), Truncated>, String, Option<Duration>)>,
}

/// The four ways into the SSE decoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SsePath {
    /// `Decoder::decode` over a `Vec<u8>` the driver owns.
    Borrowed,
    /// `Decoder::decode_buf` over one `BytesMut`.
    DecodeBuf,
    /// Input held as one `Bytes` (what the removed `Decoder::decode_bytes` took) through
    /// `decode_buf`, joining the unconsumed rest with the next piece.
    DecodeBytes,
    /// `BytesDecoder::push` and its iterator.
    BytesDecoder,
    /// `BytesDecoder::push`, then `next_ref` (views) and `next` in turn.
    BytesDecoderViews,
}

impl SsePath {
    /// Every path.
    pub const ALL: [SsePath; 5] = [
        SsePath::Borrowed,
        SsePath::DecodeBuf,
        SsePath::DecodeBytes,
        SsePath::BytesDecoder,
        SsePath::BytesDecoderViews,
    ];
}

/// Checks what an item may hold under `limits`: data within `max_event_size`, the other
/// strings within `max_line_len` (each raw byte may become a 3-byte U+FFFD).
fn check_item_size(item: &RefItem, limits: &Limits) {
    let line = limits.max_line_len.saturating_mul(3);
    match item {
        RefItem::Event(e) => {
            assert!(
                e.data.len() <= limits.max_event_size.saturating_mul(3),
                "event data of {} bytes over max_event_size {}",
                e.data.len(),
                limits.max_event_size
            );
            assert!(e.event_type == "message" || e.event_type.len() <= line);
            assert!(e.id.len() <= line, "id of {} bytes", e.id.len());
        }
        RefItem::Comment(c) => assert!(c.len() <= line, "comment of {} bytes", c.len()),
        RefItem::Control { id, .. } => assert!(id.len() <= line, "id of {} bytes", id.len()),
    }
}

/// Feeds `streams` (each a list of pieces, with `finish()` after each stream) to one decoder
/// through `path`, checking on the way that:
///
/// * every call makes progress, and an error is followed by progress when called again;
/// * `position()` plus the bytes the caller holds is what was fed;
/// * while waiting for input, the caller holds at most [`sse_retained_bound`] bytes;
/// * items fit the limits.
#[must_use]
pub fn run_sse(proto: &Decoder, path: SsePath, streams: &[Vec<&[u8]>]) -> SseRun {
    let limits = *proto.limits();
    let bound = sse_retained_bound(&limits);
    let total: usize = streams.iter().flatten().map(|p| p.len()).sum();
    let count: usize = streams.iter().map(Vec::len).sum();
    let mut guard: Guard = Guard::new(total, count + streams.len());
    let mut run = SseRun::default();
    let mut fed: u64 = 0;
    let push = |run: &mut SseRun, r: Result<RefItem, DecodeError>| {
        if let Ok(item) = &r {
            check_item_size(item, &limits);
        }
        run.items.push(r);
    };
    match path {
        SsePath::Borrowed => {
            let mut decoder = proto.clone();
            for stream in streams {
                let mut buf: Vec<u8> = Vec::new();
                for piece in stream {
                    buf.extend_from_slice(piece);
                    fed += piece.len() as u64;
                    loop {
                        guard.call("decode");
                        let step = decoder
                            .decode(&buf)
                            .map(|d| (d.consumed, d.item.map(from_item_ref)));
                        match step {
                            Ok((consumed, item)) => {
                                assert!(consumed <= buf.len());
                                buf.drain(..consumed);
                                assert_eq!(decoder.position() + buf.len() as u64, fed);
                                match item {
                                    Some(item) => push(&mut run, Ok(item)),
                                    None => {
                                        assert!(
                                            buf.len() <= bound,
                                            "decode: caller holds {} bytes (bound {bound})",
                                            buf.len()
                                        );
                                        break;
                                    }
                                }
                            }
                            Err(e) => push(&mut run, Err(e)),
                        }
                    }
                }
                let finish = decoder.finish();
                assert_eq!(decoder.position(), fed, "finish releases everything");
                run.ends
                    .push((finish, decoder.last_event_id().to_owned(), decoder.retry()));
            }
        }
        SsePath::DecodeBuf => {
            let mut decoder = proto.clone();
            for stream in streams {
                let mut buf = BytesMut::new();
                for piece in stream {
                    buf.extend_from_slice(piece);
                    fed += piece.len() as u64;
                    loop {
                        guard.call("decode_buf");
                        let before = buf.len();
                        match decoder.decode_buf(&mut buf) {
                            Ok(Some(item)) => push(&mut run, Ok(from_item(item))),
                            Ok(None) => {
                                assert!(buf.len() <= bound, "decode_buf holds {}", buf.len());
                                assert_eq!(decoder.position() + buf.len() as u64, fed);
                                break;
                            }
                            Err(e) => {
                                assert_eq!(buf.len(), before, "decode_buf split on error");
                                push(&mut run, Err(e));
                            }
                        }
                    }
                }
                let finish = decoder.finish();
                run.ends
                    .push((finish, decoder.last_event_id().to_owned(), decoder.retry()));
            }
        }
        SsePath::DecodeBytes => {
            let mut decoder = proto.clone();
            for stream in streams {
                let mut buf = Bytes::new();
                for piece in stream {
                    buf = if buf.is_empty() {
                        Bytes::copy_from_slice(piece)
                    } else {
                        let mut joined = BytesMut::from(&buf[..]);
                        joined.extend_from_slice(piece);
                        joined.freeze()
                    };
                    fed += piece.len() as u64;
                    loop {
                        guard.call("decode_bytes");
                        match decode_bytes(&mut decoder, &mut buf) {
                            Ok(Some(item)) => push(&mut run, Ok(from_item(item))),
                            Ok(None) => {
                                assert!(buf.len() <= bound, "decode_bytes holds {}", buf.len());
                                assert_eq!(decoder.position() + buf.len() as u64, fed);
                                break;
                            }
                            Err(e) => push(&mut run, Err(e)),
                        }
                    }
                }
                let finish = decoder.finish();
                run.ends
                    .push((finish, decoder.last_event_id().to_owned(), decoder.retry()));
            }
        }
        SsePath::BytesDecoder => {
            let mut decoder = BytesDecoder::from(proto.clone());
            for stream in streams {
                for piece in stream {
                    decoder.push(Bytes::copy_from_slice(piece));
                    fed += piece.len() as u64;
                    for result in &mut decoder {
                        guard.call("BytesDecoder");
                        push(&mut run, result.map(from_item));
                    }
                    let held = fed - decoder.decoder().position();
                    assert!(held <= bound as u64, "BytesDecoder holds {held} bytes");
                }
                let finish = decoder.finish();
                let d = decoder.decoder();
                run.ends
                    .push((finish, d.last_event_id().to_owned(), d.retry()));
            }
        }
        SsePath::BytesDecoderViews => {
            let mut decoder = BytesDecoder::from(proto.clone());
            let mut turn = false;
            for stream in streams {
                for piece in stream {
                    decoder.push(Bytes::copy_from_slice(piece));
                    fed += piece.len() as u64;
                    loop {
                        turn = !turn;
                        let result = if turn {
                            match decoder.next_ref() {
                                Some(r) => r.map(from_item_ref),
                                None => break,
                            }
                        } else {
                            match decoder.next() {
                                Some(r) => r.map(from_item),
                                None => break,
                            }
                        };
                        guard.call("BytesDecoder views");
                        push(&mut run, result);
                    }
                    let held = fed - decoder.decoder().position();
                    assert!(
                        held <= bound as u64,
                        "BytesDecoder (views) holds {held} bytes"
                    );
                }
                let finish = decoder.finish();
                let d = decoder.decoder();
                run.ends
                    .push((finish, d.last_event_id().to_owned(), d.retry()));
            }
        }
    }
    run
}

/// `data` as one stream, or as two (split at a point picked by `at`) with a reconnection
/// (`finish()`) between them.
#[must_use]
pub fn sse_streams(data: &[u8], reconnect: bool, at: u8) -> Vec<&[u8]> {
    if reconnect {
        let cut = data.len() * usize::from(at) / 256;
        let (a, b) = data.split_at(cut);
        vec![a, b]
    } else {
        vec![data]
    }
}

// ---------------------------------------------------------------------------------------------
// Chunked
// ---------------------------------------------------------------------------------------------

/// The three presets, by two bits: strict, default, lenient (twice).
#[must_use]
pub fn chunked_preset(bits: u8) -> Config {
    match bits & 3 {
        0 => Config::strict(),
        1 => Config::new(),
        _ => Config::lenient(),
    }
}

/// `config` with small limits, picked by `bits`.
#[must_use]
pub fn small_limits(mut config: Config, bits: u8) -> Config {
    let n = usize::from(bits & 3);
    config.max_size_digits = [1, 2, 4, 16][n];
    config.max_chunk_line = [0, 4, 16, 64][n];
    config.max_extension_bytes = [0, 8, 32, 200][n];
    config.max_trailer_bytes = [0, 6, 40, 300][n];
    config.max_trailer_fields = [0, 1, 3, 10][n];
    config
}

/// `config` with limits read from the first five bytes of `data` (zero when missing), each
/// small: `max_size_digits` 0-17, `max_chunk_line` 0-255, `max_extension_bytes` 0-255,
/// `max_trailer_bytes` 0-510, `max_trailer_fields` 0-7. Returns the configuration and the rest
/// of `data`. Lets the fuzzer pick every limit on its own, including values at the edges of the
/// input it builds.
#[must_use]
pub fn limits_from_bytes(config: Config, data: &[u8]) -> (Config, &[u8]) {
    let (head, rest) = data.split_at(data.len().min(5));
    let b = |i: usize| usize::from(head.get(i).copied().unwrap_or(0));
    let mut config = config;
    config.max_size_digits = b(0) % 18;
    config.max_chunk_line = b(1);
    config.max_extension_bytes = b(2);
    config.max_trailer_bytes = 2 * b(3);
    config.max_trailer_fields = b(4) % 8;
    (config, rest)
}

/// The limits picked by `bits & 3` for `preset`, as the chunked targets read them: 0 none, 1 the
/// defaults, 2 small ones from a table (picked by `bits >> 2`), 3 small ones read from the
/// front of `data` ([`limits_from_bytes`]). Returns the configuration and the bytes to decode.
#[must_use]
pub fn chunked_limits(preset: Config, bits: u8, data: &[u8]) -> (Config, &[u8]) {
    match bits & 3 {
        0 => (unlimited(preset), data),
        1 => (preset, data),
        2 => (small_limits(preset, bits >> 2), data),
        _ => limits_from_bytes(preset, data),
    }
}

/// The three front ends of the chunked decoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkedPath {
    /// `Decoder::decode` over a `Vec<u8>` the driver owns.
    Borrowed,
    /// `Decoder::decode_buf` over one `BytesMut`. (The `Bytes` path, `BytesDecoder`, has its
    /// own driver: [`run_bytes_decoder`].)
    DecodeBuf,
}

impl ChunkedPath {
    /// Every front end.
    pub const ALL: [ChunkedPath; 2] = [ChunkedPath::Borrowed, ChunkedPath::DecodeBuf];
}

/// What the chunked decoder made of some pieces: the body, or the error (after `finish()` when
/// the input ran out).
pub type ChunkedResult = Result<Output, chunked::DecodeError>;

/// Bookkeeping common to the chunked front ends.
struct Tally {
    out: Output,
    /// Data bytes still due in the current chunk.
    data_left: u64,
    /// Bytes handed to the decoder so far.
    fed: usize,
    /// Largest unconsumed line the caller may have to hold.
    bound: usize,
}

impl Tally {
    fn new(config: &Config) -> Self {
        Tally {
            out: Output::default(),
            data_left: 0,
            fed: 0,
            bound: config
                .max_chunk_line
                .max(config.max_trailer_bytes)
                .saturating_add(2),
        }
    }

    fn header(&mut self, size: u64, ext: Vec<Ext>) {
        assert_eq!(self.data_left, 0, "header before the previous data ended");
        if let Some(&(0, _)) = self.out.chunks.last() {
            panic!("header after the last chunk");
        }
        self.data_left = size;
        self.out.chunks.push((size, ext));
    }

    fn data(&mut self, d: &[u8]) {
        assert!(!d.is_empty(), "empty Data");
        assert!(d.len() as u64 <= self.data_left, "more data than the size");
        self.data_left -= d.len() as u64;
        self.out.body.extend_from_slice(d);
        assert!(
            self.out.body.len() <= self.fed,
            "more body out than went in"
        );
    }

    fn trailer(&mut self, name: &[u8], value: &[u8]) {
        assert!(matches!(self.out.chunks.last(), Some(&(0, _))));
        self.out.trailers.push((name.to_vec(), value.to_vec()));
    }

    fn waiting(&self, held: usize, dec: &chunked::Decoder) {
        if dec.remaining_in_chunk() == 0 {
            assert!(held <= self.bound, "caller holds {held} bytes of one line");
        } else {
            assert_eq!(held, 0, "data held back");
        }
    }

    /// A `decode` error: final until `finish`, which reports it and readies the decoder.
    fn failed(dec: &mut chunked::Decoder, e: chunked::DecodeError) -> ChunkedResult {
        assert_eq!(dec.decode(b"x").unwrap_err(), e, "errors are final");
        assert_eq!(dec.finish().unwrap_err(), e);
        Tally::truncated(dec, e)
    }

    /// The end after `finish`: the decoder is ready for the next body.
    fn truncated(dec: &chunked::Decoder, e: chunked::DecodeError) -> ChunkedResult {
        assert_eq!(dec.position(), 0, "finish readies the decoder");
        assert!(!dec.is_done());
        Err(e)
    }
}

/// Feeds `pieces` to a chunked decoder through `path`, checking the contract on every call
/// (progress, `position()`, data bounded by the chunk size and by the input, bounded bytes
/// held between inputs, final errors, a sticky `Done` that leaves what follows untouched).
pub fn run_chunked(config: Config, path: ChunkedPath, pieces: &[&[u8]]) -> ChunkedResult {
    let total: usize = pieces.iter().map(|p| p.len()).sum();
    let mut guard: Guard = Guard::new(total, pieces.len());
    let mut dec = chunked::Decoder::with_limits(config);
    let mut t = Tally::new(&config);
    let mut next = 0;
    match path {
        ChunkedPath::Borrowed => {
            let mut buf: Vec<u8> = Vec::new();
            loop {
                guard.call("chunked decode");
                let before = dec.position();
                let Decoded {
                    consumed,
                    item: chunk,
                } = match dec.decode(&buf) {
                    Ok(d) => d,
                    Err(e) => return Tally::failed(&mut dec, e),
                };
                assert!(consumed <= buf.len());
                assert_eq!(dec.position(), before + consumed as u64);
                match chunk {
                    Some(ChunkRef::Header { size, extensions }) => {
                        assert!(consumed > 0);
                        t.header(size, exts(&extensions));
                    }
                    Some(ChunkRef::Data(d)) => {
                        // A sub-slice of the input ending at `consumed`, or right before the
                        // CRLF that ends its chunk when the decoder took that too.
                        let end = d.as_ptr_range().end;
                        assert!(
                            end == buf[consumed..].as_ptr()
                                || (consumed >= 2
                                    && end == buf[consumed - 2..].as_ptr()
                                    && buf[consumed - 2..consumed] == *b"\r\n"
                                    && dec.remaining_in_chunk() == 0),
                            "data is not where it was consumed"
                        );
                        t.data(d);
                    }
                    Some(ChunkRef::Trailer { name, value }) => t.trailer(name, value),
                    Some(ChunkRef::Done) => {
                        assert!(dec.is_done());
                        assert_eq!(t.data_left, 0);
                        buf.drain(..consumed);
                        assert_eq!(dec.position() as usize + buf.len(), t.fed);
                        for p in &pieces[next..] {
                            buf.extend_from_slice(p);
                        }
                        let again = dec.decode(&buf).expect("Done is sticky");
                        assert_eq!((again.consumed, again.item), (0, Some(ChunkRef::Done)));
                        assert!(dec.finish().is_ok());
                        t.out.leftover = buf;
                        return Ok(t.out);
                    }
                    None => {
                        buf.drain(..consumed);
                        t.waiting(buf.len(), &dec);
                        let Some(piece) = pieces.get(next) else {
                            let e = dec.finish().expect_err("finish before Done must fail");
                            assert!(matches!(e, chunked::DecodeError::Truncated { .. }));
                            return Tally::truncated(&dec, e);
                        };
                        buf.extend_from_slice(piece);
                        t.fed += piece.len();
                        next += 1;
                        continue;
                    }
                    other => panic!("unexpected item {other:?}"),
                }
                buf.drain(..consumed);
            }
        }
        ChunkedPath::DecodeBuf => {
            let mut bytes_mut = BytesMut::new();
            loop {
                guard.call("chunked decode_buf");
                let (range, held_before) = (bytes_mut.as_ptr_range(), bytes_mut.len());
                let before = dec.position();
                let chunk = match dec.decode_buf(&mut bytes_mut) {
                    Ok(c) => c,
                    Err(e) => return Tally::failed(&mut dec, e),
                };
                let held = bytes_mut.len();
                assert_eq!(dec.position(), before + (held_before - held) as u64);
                match chunk {
                    Some(Chunk::Header { size, extensions }) => {
                        t.header(size, exts(&extensions.as_ref()));
                    }
                    Some(Chunk::Data(d)) => {
                        let r = d.as_ptr_range();
                        assert!(
                            range.start <= r.start && r.end <= range.end,
                            "data was copied"
                        );
                        t.data(&d);
                    }
                    Some(Chunk::Trailer { name, value }) => t.trailer(&name, &value),
                    Some(Chunk::Done) => {
                        assert!(dec.is_done());
                        let mut rest = bytes_mut.to_vec();
                        assert_eq!(dec.position() as usize + rest.len(), t.fed);
                        for p in &pieces[next..] {
                            rest.extend_from_slice(p);
                        }
                        t.out.leftover = rest;
                        return Ok(t.out);
                    }
                    None => {
                        t.waiting(held, &dec);
                        let Some(piece) = pieces.get(next) else {
                            let e = dec.finish().expect_err("finish before Done must fail");
                            return Tally::truncated(&dec, e);
                        };
                        bytes_mut.extend_from_slice(piece);
                        t.fed += piece.len();
                        next += 1;
                    }
                    other => panic!("unexpected item {other:?}"),
                }
            }
        }
    }
}

/// Feeds `data`, cut into pieces whose lengths cycle through `cuts` (see [`pieces`]), to a
/// [`chunked::BytesDecoder`] as `Bytes` slices of one buffer, pushing one piece at a time and
/// iterating until `None` after each, the way a client loop does. Checks: the item order and
/// sizes (as [`run_chunked`] does), data handed out as slices of the pushed pieces (never
/// copied), no empty item from the iterator, `Done` at most once, **an error at most once and
/// nothing after it** (every later `next()` is `None`, whatever is pushed, so that a `for` loop
/// ends), a `finish()` that reports the error, and the bytes after the body left for
/// `take_remainder()`. The result compares with [`run_chunked`]'s.
pub fn run_bytes_decoder(config: Config, data: &[u8], cuts: &[u8]) -> ChunkedResult {
    let whole = Bytes::copy_from_slice(data);
    let range = whole.as_ptr_range();
    let cut = pieces(&whole, cuts);
    let mut guard: Guard = Guard::new(data.len(), cut.len());
    let mut dec = chunked::BytesDecoder::from(chunked::Decoder::with_limits(config));
    let mut t = Tally::new(&config);
    let mut done = false;
    let mut error: Option<chunked::DecodeError> = None;
    for piece in &cut {
        dec.push(whole.slice_ref(piece));
        t.fed += piece.len();
        // What `for item in &mut dec` does, as a caller writes it (spelled out to look at the
        // decoder inside): it must end, also after an error (the guard fails a loop that
        // yields forever).
        #[allow(clippy::while_let_on_iterator)]
        while let Some(item) = dec.next() {
            guard.call("chunked BytesDecoder::next");
            assert!(error.is_none(), "an item after the error: {item:?}");
            assert!(!done, "an item after Done: {item:?}");
            match item {
                Ok(Chunk::Header { size, extensions }) => {
                    t.header(size, exts(&extensions.as_ref()));
                }
                Ok(Chunk::Data(d)) => {
                    let r = d.as_ptr_range();
                    assert!(
                        range.start <= r.start && r.end <= range.end,
                        "data was copied"
                    );
                    t.data(&d);
                }
                Ok(Chunk::Trailer { name, value }) => t.trailer(&name, &value),
                Ok(Chunk::Done) => {
                    assert!(dec.decoder().is_done());
                    assert_eq!(t.data_left, 0);
                    done = true;
                }
                Ok(other) => panic!("unexpected item {other:?}"),
                Err(e) => {
                    // The error stays in the wrapped decoder.
                    assert_eq!(dec.decoder().clone().decode(b"x"), Err(e));
                    error = Some(e);
                }
            }
        }
        if error.is_some() || done {
            // Ended for good: pushing more changes nothing.
            assert!(dec.next().is_none(), "iteration resumed after its end");
        }
    }
    if let Some(e) = error {
        dec.push(Bytes::from_static(b"0\r\n\r\n"));
        assert!(dec.next().is_none(), "an item after the error");
        assert_eq!(dec.finish(), Err(e), "finish() forgot the error");
        // `finish` readied the decoder for the next body (the failed one's input dropped).
        assert_eq!(
            dec.finish(),
            Err(chunked::DecodeError::Truncated { offset: 0 })
        );
        return Err(e);
    }
    if !done {
        let e = dec.finish().expect_err("finish before Done must fail");
        assert!(matches!(e, chunked::DecodeError::Truncated { .. }));
        assert!(dec.next().is_none());
        return Err(e);
    }
    // `finish` readies the decoder for the next body, whose position starts at 0 again: read
    // this body's first.
    let position = dec.decoder().position() as usize;
    assert!(dec.finish().is_ok());
    assert_eq!(dec.decoder().position(), 0);
    let rest = dec.take_remainder();
    assert_eq!(position + rest.len(), data.len());
    t.out.leftover = rest.to_vec();
    Ok(t.out)
}

// ---------------------------------------------------------------------------------------------
// Chunked, then SSE
// ---------------------------------------------------------------------------------------------

/// What the chunked-then-SSE pipeline produced.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PipelineRun {
    /// The SSE items and errors.
    pub items: Vec<Result<RefItem, DecodeError>>,
    /// The SSE decoder's `finish()`, last event ID and retry at the end.
    pub sse_end: (Result<(), Truncated>, String, Option<Duration>),
    /// How the chunked body ended: the bytes after it, or the error.
    pub chunked_end: Result<Vec<u8>, chunked::DecodeError>,
    /// Body bytes the chunked decoder handed out.
    pub body_len: usize,
}

/// Chunked-decodes `pieces` and SSE-decodes the body as it comes out, either borrowed on both
/// sides (`owned == false`) or as a hyper-style body (`decode_buf` pieces pushed into a
/// `BytesDecoder`, no copy). Stops at the first chunked error or at `Done`. `headers` is the
/// chunked decoder's `headers` switch (the pipeline uses data items only either way).
#[must_use]
pub fn run_pipeline(
    config: Config,
    sse_proto: &Decoder,
    owned: bool,
    headers: bool,
    pieces: &[&[u8]],
) -> PipelineRun {
    let total: usize = pieces.iter().map(|p| p.len()).sum();
    let mut guard: Guard = Guard::new(total, pieces.len());
    let mut dec = chunked::Decoder::with_limits(config).headers(headers);
    let mut items = Vec::new();
    let mut body_len = 0;
    let mut next = 0;
    let chunked_end;
    let sse_end;
    if owned {
        let mut events = BytesDecoder::from(sse_proto.clone());
        let mut buf = BytesMut::new();
        chunked_end = loop {
            guard.call("pipeline decode_buf");
            match dec.decode_buf(&mut buf) {
                Err(e) => break Err(e),
                Ok(Some(Chunk::Data(d))) => {
                    body_len += d.len();
                    events.push(d);
                    for r in &mut events {
                        guard.call("pipeline BytesDecoder");
                        items.push(r.map(from_item));
                    }
                }
                Ok(Some(Chunk::Done)) => {
                    let mut rest = buf.to_vec();
                    for p in &pieces[next..] {
                        rest.extend_from_slice(p);
                    }
                    break Ok(rest);
                }
                Ok(None) => {
                    let Some(piece) = pieces.get(next) else {
                        break Err(dec.finish().expect_err("finish before Done"));
                    };
                    buf.extend_from_slice(piece);
                    next += 1;
                }
                Ok(_) => {}
            }
        };
        let finish = events.finish();
        let d = events.decoder();
        sse_end = (finish, d.last_event_id().to_owned(), d.retry());
    } else {
        let mut events = sse_proto.clone();
        let mut buf: Vec<u8> = Vec::new();
        let mut body: Vec<u8> = Vec::new();
        chunked_end = loop {
            guard.call("pipeline decode");
            let Decoded {
                consumed,
                item: chunk,
            } = match dec.decode(&buf) {
                Ok(d) => d,
                Err(e) => break Err(e),
            };
            match chunk {
                Some(ChunkRef::Data(d)) => {
                    body_len += d.len();
                    body.extend_from_slice(d);
                    loop {
                        guard.call("pipeline sse decode");
                        match events.decode(&body) {
                            Ok(step) => {
                                let item = step.item.map(from_item_ref);
                                body.drain(..step.consumed);
                                match item {
                                    Some(item) => items.push(Ok(item)),
                                    None => break,
                                }
                            }
                            Err(e) => items.push(Err(e)),
                        }
                    }
                }
                Some(ChunkRef::Done) => {
                    buf.drain(..consumed);
                    for p in &pieces[next..] {
                        buf.extend_from_slice(p);
                    }
                    break Ok(buf);
                }
                None => {
                    buf.drain(..consumed);
                    let Some(piece) = pieces.get(next) else {
                        break Err(dec.finish().expect_err("finish before Done"));
                    };
                    buf.extend_from_slice(piece);
                    next += 1;
                    continue;
                }
                _ => {}
            }
            buf.drain(..consumed);
        };
        let finish = events.finish();
        sse_end = (finish, events.last_event_id().to_owned(), events.retry());
    }
    assert!(body_len <= total, "more body out than went in");
    PipelineRun {
        items,
        sse_end,
        chunked_end,
        body_len,
    }
}
