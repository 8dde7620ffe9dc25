//! sse-wire against the crates a user would otherwise pick, on identical bytes fed in identical
//! pieces, in one run.
//!
//! Run it, then print the tables (throughput per implementation and workload, and each row's
//! ratio to sse-wire):
//!
//! ```sh
//! cargo bench -p sse-wire-compare
//! cargo run -p sse-wire-compare --example bench_report # reads target/criterion ($CARGO_TARGET_DIR honoured)
//! cargo bench -p sse-wire-compare -- 'W1/'        # one group only (criterion's filter is a regex)
//! ```
//!
//! Every group is named after its workload and every row after its implementation
//! (`W1/sse-wire`, `W1/sse-core`, `C2/hyper`, …), so a report can pivot them. Throughput counts
//! the input bytes of one pass: the event stream for SSE decoding, the chunked wire bytes (size
//! lines and CRLFs included) for chunked decoding, and the encoded output for SSE encoding.
//!
//! # Workloads (generated deterministically here)
//!
//! * `W1`: 200,000 LLM-token events,
//!   `data: {"id":"chatcmpl-1","choices":[{"delta":{"content":"<word>"}}]}` and a blank line
//!   (the word drawn from a fixed list by a fixed xorshift sequence), then `data: [DONE]`:
//!   13.7 MB, fed in 1 KiB pieces.
//! * `W2`: W1's bytes in 16 KiB pieces.
//! * `W3`: 500 events of 64 KiB data each, sent as 80-byte `data:` lines (printable ASCII):
//!   35.6 MB in 64 KiB pieces.
//! * `W4`: W1 with CRLF line ends (14.1 MB), in 1 KiB pieces.
//! * `W5`: the first 2,000,000 bytes of W1 in 7-byte pieces (it stops inside an event, which
//!   every decoder must leave undispatched).
//! * `W6`: 16 events of one 400 KiB `data:` line each (6.6 MB), in 1 KiB pieces.
//! * `W7`: W1's events, one read per event (a server that flushes every token, as LLM APIs do).
//! * `W8`: W1's events, each cut into two reads at a point that moves from event to event
//!   (never the same offset twice in a row): what TCP does to W7 now and then.
//! * `W1x4`, `W1x16`, `W6x4`, `W6x16`: W1 and W6 with 4 and 16 times the events, same pieces,
//!   sse-wire and memcpy only: throughput should stay flat as the input grows, as far as the
//!   memory system lets it (the memcpy row shows how far: past the caches, it drops too).
//! * `E1`: encoding W1's events (the JSON strings, then `[DONE]`); every encoder must write
//!   exactly W1's bytes.
//! * `C1`: a 64 MiB body in 16 KiB chunks; `C2`: 8 MiB in 64-byte chunks; `C3`: 4 MiB in 1-byte
//!   chunks (6 wire bytes per body byte). Wire sizes: 67.1 MB, 9.2 MB and 25.2 MB, given to
//!   every decoder in 16 KiB reads.
//!
//! # Consumers
//!
//! Real code hands each event to something the compiler cannot see into (a JSON parser, a
//! channel, a UI), so the headline groups (`W1`…`W8` and the scaling ones) pass every event to an
//! `#[inline(never)]` function before the next decode call: its type, data and id when the row
//! only looks at the event (the borrowed rows), the event itself, by value, when the row yields
//! owned events (what a `Stream` yields and its caller keeps; the function drops it). The `I1`…
//! `I8` groups are the same workloads with the event counted inline (`black_box` on its data), as
//! a loop that does nothing with its events would: they show the decoders' own cost.
//!
//! # Rows
//!
//! SSE decoding. Pieces are `Bytes` slices of one shared buffer, as an HTTP client yields a body.
//! * `sse-wire`: `Decoder::decode` over a caller `Vec` that each piece is appended to (the
//!   borrowed path; consumed bytes are drained from the front before the next piece).
//! * `sse-wire-view`: `BytesDecoder`, pushed each piece, events looked at through
//!   `BytesDecoder::next_ref` (borrowing the decoder until the next call).
//! * `sse-wire-bytes`: `BytesDecoder`, pushed each piece, owned events from its iterator (the
//!   owned path).
//! * `sse-core` 0.2 (`SseDecoder::next` over each piece) and `sse-parse` 0.1
//!   (`SseParser::feed`, then `next_event`): sans-IO, driven directly.
//! * `sse-stream` 0.3 (`SseByteStream`) and `eventsource-stream` 0.2 (`Eventsource`): streams,
//!   driven by `futures::executor::block_on` over `futures::stream::iter` of the pieces.
//! * `memchr2`: `memchr2_iter(b'\r', b'\n')` count; `memchr`: `memchr_iter(b'\n')` count;
//!   `memcpy`: a copy of the whole input. Speed-of-light references over the same bytes.
//!
//! `sse-wire` and `sse-parse` copy each piece into their buffer; `sse-wire-bytes` hands out
//! slices of the pieces (it copies only the lines of an event cut by a piece boundary); the
//! others copy each event's data into a `String`.
//!
//! SSE encoding (`E1`):
//! * `sse-wire`: `Encoder::encode` of each event (`OutEvent::new().data(..)`) into one reserved `BytesMut`.
//! * `sse-wire-frames`: the same, splitting each event off as its own `Bytes` (the shape of the
//!   two rows below, which produce one `Bytes` per event).
//! * `sse-stream`: `Sse::default().data(token).encode()` per event.
//! * `axum` 0.8: an `axum::response::sse::Sse` over a stream of `Event::default().data(token)`,
//!   turned into a response with `into_response()` and its body polled to the end with
//!   `http_body_util::BodyExt::frame` under `block_on`: what axum does per event, without a
//!   server (`Event` has no public way to its bytes besides that body).
//! * `memcpy`: a copy of the same number of bytes.
//!
//! Chunked decoding (default `chunked::Limits`: full validation for sse-wire). The sse-wire rows read the
//! body only, as the other rows do: `Decoder::headers(false)` validates each chunk line (size,
//! extensions, limits) as always but returns no `Header` item for it; chunks are counted from
//! the data items that end a chunk (`remaining_in_chunk() == 0`) plus the last chunk.
//! * `sse-wire`: `chunked::Decoder::decode` over a caller `Vec` each read is appended to.
//! * `sse-wire-bytes`: `chunked::BytesDecoder` pushed `Bytes` reads, each first copied into a
//!   `BytesMut` read buffer and split off it, as an HTTP client's socket reads are (data handed
//!   out as slices of the reads; a line cut by the end of a read is copied, up to its line end).
//! * `httparse` 1.10: a loop over `parse_chunk_size` and `parse_headers` (trailers) on the same
//!   caller `Vec`, data sliced out by hand, CRLF after data checked (zero-copy).
//! * `chunked_transfer` 1.5: `chunked_transfer::Decoder` over a `BufReader` (16 KiB) over a
//!   source that returns 16 KiB per read; the body is read into a 16 KiB buffer (it copies).
//! * `hyper` 1.x: `hyper::client::conn::http1` over an in-memory connection: once the request
//!   is written (and dropped), its reads return 16 KiB at a time of a `200 OK` response with
//!   `transfer-encoding: chunked` and this body. The connection and the body are polled
//!   together under `block_on` (`futures::future::join`), body frames read with
//!   `BodyExt::frame`. No tokio runtime, no socket.
//! * `memcpy`: a copy of the whole wire.
//!
//! `sse-wire` and `httparse` copy each read into their buffer once, as a socket read would;
//! `hyper` copies each read into its read buffer and hands out slices of it; `chunked_transfer`
//! copies into its `BufReader` (or straight into the caller's buffer when that is as large) and
//! then into the caller's buffer. `sse-wire-bytes` copies each read into its read buffer once,
//! like the others; beyond that, only the few bytes of a line cut by a read boundary.
//!
//! # Output checks
//!
//! The expected totals are computed once per workload before timing: events and data bytes
//! (sse-wire's borrowed path over the whole input at once), chunks and body bytes (from the
//! generator; `chunked_transfer` and `hyper` report no chunk boundaries, so only their body bytes
//! are checked), encoded bytes (every encoder's output is first compared byte for byte with W1).
//! Each row's output is compared with them before it is timed and again in every timed
//! iteration, so no row can win by skipping work; a row that disagrees stops the run with a
//! message naming it. `cargo bench -p sse-wire-compare -- --test` runs every row once as a check.
//!
//! Measurement settings (below) keep a full run near 7 minutes on an idle 2-core machine:
//! 10 samples per row, flat sampling, 1 s warm-up, 3 s measurement; criterion's command-line
//! flags override the last two.

use std::convert::Infallible;
use std::hint::black_box;
use std::io::{self, Read};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode, Throughput,
};
use futures::executor::block_on;
use futures::StreamExt;
use http_body_util::BodyExt;
use sse_wire::chunked::{self, Chunk, ChunkRef};
use sse_wire::sse::{BytesDecoder, Decoder, Encoder, Item, ItemRef, OutEvent};

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;
/// Read size for every chunked decoder.
const READ: usize = 16 * KIB;

// ---------------------------------------------------------------------------------------------
// Workloads

const WORDS: &[&str] = &[
    "The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ".", " It",
    "'s", " a", " token", " stream", "!", " Hello", ",", " world", " and", " then", " some",
    " more", " words",
];

/// Deterministic xorshift32.
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
}

/// The data of W1's events: `events` JSON tokens, then `[DONE]`.
fn llm_tokens(events: usize) -> Vec<String> {
    let mut rng = Rng(0x2545_f491);
    let mut out: Vec<String> = (0..events)
        .map(|_| {
            let word = WORDS[rng.next() as usize % WORDS.len()];
            format!(r#"{{"id":"chatcmpl-1","choices":[{{"delta":{{"content":"{word}"}}}}]}}"#)
        })
        .collect();
    out.push("[DONE]".to_owned());
    out
}

/// Single-line `data:` events with the given line end.
fn llm_stream(tokens: &[String], eol: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(tokens.len() * 80);
    for token in tokens {
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(token.as_bytes());
        out.extend_from_slice(eol.as_bytes());
        out.extend_from_slice(eol.as_bytes());
    }
    out
}

/// `events` events of `data_len` printable ASCII bytes each, sent as `line_len`-byte `data:`
/// lines.
fn multiline_stream(events: usize, data_len: usize, line_len: usize) -> Vec<u8> {
    let mut rng = Rng(0x1234_5678);
    let mut out = Vec::with_capacity(events * (data_len + data_len / line_len * 8 + 8));
    for _ in 0..events {
        let mut left = data_len;
        while left > 0 {
            let n = line_len.min(left);
            out.extend_from_slice(b"data: ");
            out.extend((0..n).map(|_| b'!' + (rng.next() % 90) as u8));
            out.push(b'\n');
            left -= n;
        }
        out.push(b'\n');
    }
    out
}

/// How a workload's stream is cut into reads.
#[derive(Clone, Copy)]
enum Cut {
    /// Fixed-size pieces.
    Every(usize),
    /// One read per event.
    PerEvent,
    /// Each event in two reads, cut at a point that moves.
    InTwo,
}

/// The SSE decoding workloads: name, how it is cut, and whether only sse-wire is timed (the
/// scaling workloads). Each stream is generated when its group runs.
const SSE_WORKLOADS: &[(&str, Cut, bool)] = &[
    ("W1", Cut::Every(KIB), false),
    ("W2", Cut::Every(16 * KIB), false),
    ("W3", Cut::Every(64 * KIB), false),
    ("W4", Cut::Every(KIB), false),
    ("W5", Cut::Every(7), false),
    ("W6", Cut::Every(KIB), false),
    ("W7", Cut::PerEvent, false),
    ("W8", Cut::InTwo, false),
    ("W1x4", Cut::Every(KIB), true),
    ("W1x16", Cut::Every(KIB), true),
    ("W6x4", Cut::Every(KIB), true),
    ("W6x16", Cut::Every(KIB), true),
];

fn sse_stream_bytes(name: &str) -> Vec<u8> {
    let w1 = |scale: usize| llm_stream(&llm_tokens(200_000 * scale), "\n");
    let w6 = |scale: usize| multiline_stream(16 * scale, 400 * KIB, 400 * KIB);
    match name {
        "W1" | "W2" | "W7" | "W8" => w1(1),
        "W3" => multiline_stream(500, 64 * KIB, 80),
        "W4" => llm_stream(&llm_tokens(200_000), "\r\n"),
        "W5" => w1(1)[..2_000_000].to_vec(),
        "W6" => w6(1),
        "W1x4" => w1(4),
        "W1x16" => w1(16),
        "W6x4" => w6(4),
        "W6x16" => w6(16),
        _ => unreachable!("{name}"),
    }
}

/// `whole` cut into `piece`-byte `Bytes` sharing its allocation.
fn pieces(whole: &Bytes, piece: usize) -> Vec<Bytes> {
    (0..whole.len())
        .step_by(piece)
        .map(|at| whole.slice(at..whole.len().min(at + piece)))
        .collect()
}

/// `whole` (an event stream of LF-ended events) cut as `cut` says, as `Bytes` sharing its
/// allocation.
fn cut_stream(whole: &Bytes, cut: Cut) -> Vec<Bytes> {
    let events = || {
        let mut start = 0;
        memchr::memmem::find_iter(whole, b"\n\n").map(move |end| {
            let event = start..end + 2;
            start = end + 2;
            event
        })
    };
    match cut {
        Cut::Every(piece) => pieces(whole, piece),
        Cut::PerEvent => events().map(|e| whole.slice(e)).collect(),
        Cut::InTwo => {
            let mut rng = Rng(0x0bad_cafe);
            let mut last = 0;
            let mut out = Vec::new();
            for e in events() {
                let len = e.end - e.start;
                let mut at = 1 + rng.next() as usize % (len - 1);
                if at == last {
                    at = if at + 1 < len { at + 1 } else { 1 };
                }
                last = at;
                out.push(whole.slice(e.start..e.start + at));
                out.push(whole.slice(e.start + at..e.end));
            }
            out
        }
    }
}

/// The read buffer of the rows whose caller copies each piece (the borrowed paths and the
/// httparse loop): the unread bytes move to the front, then the next piece is appended.
///
/// Where the buffer sits relative to the input changes the cost of that copy: when the two are
/// a multiple of 1 KiB apart modulo the 4 KiB page, some loads of a 1 KiB piece falsely depend
/// on the copy's own stores to the same page offset (4K aliasing), the copy runs at less than
/// half its speed, and a row's result depended on the heap's layout in that run (up to 1.8x
/// between runs). So the buffer starts 512 bytes past the first piece's page offset in every
/// run.
struct ReadBuffer {
    bytes: Vec<u8>,
    /// Unused bytes in front that place the buffer.
    pad: usize,
}

impl ReadBuffer {
    fn new(capacity: usize, first_piece: &[u8]) -> Self {
        let mut bytes = Vec::with_capacity(capacity + 4 * KIB);
        let here = bytes.as_ptr() as usize;
        let pad = (first_piece.as_ptr() as usize + 512).wrapping_sub(here) % (4 * KIB);
        bytes.resize(pad, 0);
        ReadBuffer { bytes, pad }
    }

    /// The bytes not yet handed on, from `start` on.
    fn unread(&self, start: usize) -> &[u8] {
        &self.bytes[self.pad + start..]
    }

    /// Drops the first `consumed` bytes and appends `piece`.
    fn refill(&mut self, consumed: usize, piece: &[u8]) {
        self.bytes.drain(self.pad..self.pad + consumed);
        self.bytes.extend_from_slice(piece);
    }
}

// ---------------------------------------------------------------------------------------------
// SSE decoders. Each returns (events, data bytes).

type Totals = (usize, usize);

/// What a row does with each event: see "Consumers" above.
trait Consumer {
    /// The row only looks at the event.
    fn look(event_type: &str, data: &str, id: &str) -> usize;
    /// The row yields the event as an owned value, here handed over (and dropped).
    fn keep<E>(event: E, data_len: usize) -> usize;
}

/// Counts each event inline.
struct Inline;

impl Consumer for Inline {
    #[inline(always)]
    fn look(_: &str, data: &str, _: &str) -> usize {
        black_box(data).len()
    }

    #[inline(always)]
    fn keep<E>(event: E, data_len: usize) -> usize {
        drop(event);
        black_box(data_len)
    }
}

/// Hands each event to a function the compiler cannot inline.
struct Opaque;

impl Consumer for Opaque {
    #[inline(never)]
    fn look(event_type: &str, data: &str, id: &str) -> usize {
        black_box((event_type, id));
        black_box(data).len()
    }

    #[inline(never)]
    fn keep<E>(event: E, data_len: usize) -> usize {
        drop(black_box(event));
        data_len
    }
}

/// The expected totals: sse-wire's borrowed path over the whole input at once.
fn expected(stream: &[u8]) -> Totals {
    let mut decoder = Decoder::new();
    let (mut events, mut bytes, mut buf) = (0, 0, stream);
    loop {
        let decoded = decoder.decode(buf).expect("no limit is exceeded");
        buf = &buf[decoded.consumed..];
        match decoded.item {
            Some(ItemRef::Event(e)) => {
                events += 1;
                bytes += e.data().len();
            }
            Some(_) => {}
            None => return (events, bytes),
        }
    }
}

fn sse_wire<C: Consumer>(pieces: &[Bytes]) -> Totals {
    let mut decoder = Decoder::new();
    let mut buf = ReadBuffer::new(192 * KIB, &pieces[0]);
    let mut start = 0;
    let (mut events, mut bytes) = (0, 0);
    for piece in pieces {
        buf.refill(start, piece);
        start = 0;
        loop {
            let decoded = decoder
                .decode(buf.unread(start))
                .expect("no limit is exceeded");
            start += decoded.consumed;
            match decoded.item {
                Some(ItemRef::Event(e)) => {
                    events += 1;
                    bytes += C::look(e.event_type(), e.data(), e.id());
                }
                Some(_) => {}
                None => break,
            }
        }
    }
    (events, bytes)
}

fn sse_wire_view<C: Consumer>(pieces: &[Bytes]) -> Totals {
    let mut decoder = BytesDecoder::new();
    let (mut events, mut bytes) = (0, 0);
    for piece in pieces {
        decoder.push(piece.clone());
        while let Some(item) = decoder.next_ref() {
            if let ItemRef::Event(e) = item.expect("no limit is exceeded") {
                events += 1;
                bytes += C::look(e.event_type(), e.data(), e.id());
            }
        }
    }
    (events, bytes)
}

fn sse_wire_bytes<C: Consumer>(pieces: &[Bytes]) -> Totals {
    let mut decoder = BytesDecoder::new();
    let (mut events, mut bytes) = (0, 0);
    for piece in pieces {
        decoder.push(piece.clone());
        for item in &mut decoder {
            if let Item::Event(e) = item.expect("no limit is exceeded") {
                events += 1;
                let len = e.data().len();
                bytes += C::keep(e, len);
            }
        }
    }
    (events, bytes)
}

fn sse_core<C: Consumer>(pieces: &[Bytes]) -> Totals {
    let mut decoder = sse_core::SseDecoder::new();
    let (mut events, mut bytes) = (0, 0);
    for piece in pieces {
        let mut buf = piece.clone();
        while let Some(event) = decoder.next(&mut buf) {
            if let sse_core::SseEvent::Message(m) = event.expect("within the payload limit") {
                events += 1;
                let len = m.data.len();
                bytes += C::keep(m, len);
            }
        }
    }
    (events, bytes)
}

fn sse_parse<C: Consumer>(pieces: &[Bytes]) -> Totals {
    let mut parser = sse_parse::SseParser::new();
    let (mut events, mut bytes) = (0, 0);
    for piece in pieces {
        parser.feed(piece);
        while let Some(event) = parser.next_event() {
            events += 1;
            let len = event.data.len();
            bytes += C::keep(event, len);
        }
    }
    (events, bytes)
}

fn byte_stream(
    pieces: &[Bytes],
) -> impl futures::Stream<Item = Result<Bytes, Infallible>> + Unpin + '_ {
    futures::stream::iter(pieces.iter().cloned().map(Ok))
}

fn sse_stream<C: Consumer>(pieces: &[Bytes]) -> Totals {
    block_on(async {
        let mut stream = sse_stream::SseByteStream::new(byte_stream(pieces));
        let (mut events, mut bytes) = (0, 0);
        while let Some(block) = stream.next().await {
            // Raw blocks: only those with a data field are events.
            let block = block.expect("valid UTF-8");
            if let Some(len) = block.data.as_ref().map(String::len) {
                events += 1;
                bytes += C::keep(block, len);
            }
        }
        (events, bytes)
    })
}

fn eventsource_stream<C: Consumer>(pieces: &[Bytes]) -> Totals {
    use eventsource_stream::Eventsource;
    block_on(async {
        let mut stream = byte_stream(pieces).eventsource();
        let (mut events, mut bytes) = (0, 0);
        while let Some(event) = stream.next().await {
            let event = event.expect("no stream error");
            events += 1;
            let len = event.data.len();
            bytes += C::keep(event, len);
        }
        (events, bytes)
    })
}

// ---------------------------------------------------------------------------------------------
// Chunked decoders. Each returns (chunks including the last one, body bytes).

struct ChunkedWorkload {
    name: &'static str,
    wire: Vec<u8>,
    chunks: usize,
    body_len: usize,
}

fn chunked_workloads() -> Vec<ChunkedWorkload> {
    [
        ("C1", 64 * MIB, 16 * KIB),
        ("C2", 8 * MIB, 64),
        ("C3", 4 * MIB, 1),
    ]
    .into_iter()
    .map(|(name, body_len, chunk)| {
        let mut rng = Rng(0x9e37_79b9);
        let body: Vec<u8> = (0..body_len).map(|_| rng.next() as u8).collect();
        let mut encoder = chunked::Encoder::new();
        let mut wire = Vec::with_capacity(body_len + body_len / chunk * 8 + 16);
        for piece in body.chunks(chunk) {
            encoder.encode(piece, &[], &mut wire).unwrap();
        }
        encoder.finish(&[], &mut wire).unwrap();
        ChunkedWorkload {
            name,
            wire,
            chunks: body_len.div_ceil(chunk) + 1,
            body_len,
        }
    })
    .collect()
}

fn chunked_sse_wire(wire: &[u8]) -> Totals {
    let mut decoder = chunked::Decoder::new().headers(false);
    let mut buf = ReadBuffer::new(2 * READ, wire);
    let mut start = 0;
    let mut reads = wire.chunks(READ);
    let (mut chunks, mut body) = (0, 0);
    loop {
        let decoded = decoder.decode(buf.unread(start)).expect("valid body");
        start += decoded.consumed;
        match decoded.item {
            Some(ChunkRef::Data(d)) => {
                body += black_box(d).len();
                chunks += usize::from(decoder.remaining_in_chunk() == 0);
            }
            Some(ChunkRef::Done) => return (chunks + 1, body),
            None => {
                buf.refill(start, reads.next().expect("complete body"));
                start = 0;
            }
            _ => {}
        }
    }
}

fn chunked_sse_wire_bytes(wire: &[u8]) -> Totals {
    let mut decoder = chunked::BytesDecoder::from(chunked::Decoder::new().headers(false));
    let (mut chunks, mut body) = (0, 0);
    let mut socket = BytesMut::new();
    for read in wire.chunks(READ) {
        // What an HTTP client does with a socket read: copy it into its read buffer and hand
        // the filled part on as `Bytes`. Every chunked row pays this one copy per read.
        socket.reserve(READ);
        socket.extend_from_slice(read);
        decoder.push(socket.split().freeze());
        while let Some(chunk) = decoder.next() {
            match chunk.expect("valid body") {
                Chunk::Data(d) => {
                    body += black_box(d).len();
                    chunks += usize::from(decoder.decoder().remaining_in_chunk() == 0);
                }
                Chunk::Done => return (chunks + 1, body),
                _ => {}
            }
        }
    }
    panic!("the body did not end")
}

fn chunked_httparse(wire: &[u8]) -> Totals {
    enum State {
        Size,
        Data(u64),
        DataEnd,
        Trailers,
    }
    let mut buf = ReadBuffer::new(2 * READ, wire);
    let mut reads = wire.chunks(READ);
    let mut state = State::Size;
    let (mut chunks, mut body) = (0, 0);
    let mut start = 0;
    loop {
        let avail = buf.unread(start);
        let progressed = match state {
            State::Size => match httparse::parse_chunk_size(avail).expect("valid size") {
                httparse::Status::Complete((n, size)) => {
                    chunks += 1;
                    start += n;
                    state = if size == 0 {
                        State::Trailers
                    } else {
                        State::Data(size)
                    };
                    true
                }
                httparse::Status::Partial => false,
            },
            State::Data(left) if !avail.is_empty() => {
                let n = avail.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                body += black_box(&avail[..n]).len();
                start += n;
                state = match left - n as u64 {
                    0 => State::DataEnd,
                    left => State::Data(left),
                };
                true
            }
            State::Data(_) => false,
            State::DataEnd if avail.len() >= 2 => {
                assert_eq!(&avail[..2], b"\r\n", "CRLF after chunk data");
                start += 2;
                state = State::Size;
                true
            }
            State::DataEnd => false,
            State::Trailers => {
                let mut fields = [httparse::EMPTY_HEADER; 16];
                match httparse::parse_headers(avail, &mut fields).expect("valid trailers") {
                    httparse::Status::Complete(_) => return (chunks, body),
                    httparse::Status::Partial => false,
                }
            }
        };
        if !progressed {
            buf.refill(start, reads.next().expect("complete body"));
            start = 0;
        }
    }
}

/// An in-memory source that hands out at most `READ` bytes per read, as a socket would.
struct Reads<'a>(&'a [u8]);

impl Read for Reads<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = out.len().min(READ).min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

fn chunked_transfer(wire: &[u8]) -> Totals {
    let source = io::BufReader::with_capacity(READ, Reads(wire));
    let mut decoder = chunked_transfer::Decoder::new(source);
    let mut out = [0u8; READ];
    let mut body = 0;
    loop {
        match decoder.read(&mut out).expect("valid body") {
            0 => break,
            n => body += black_box(&out[..n]).len(),
        }
    }
    // `chunked_transfer` reports no chunk boundaries: count the body only.
    (0, body)
}

/// An in-memory HTTP/1.1 connection for hyper: once the request has been written (and dropped),
/// reads return `READ` bytes of `response` at a time. Before that a read waits, as a socket
/// would: hyper treats bytes that arrive before its request as an error.
struct MemConn<'a> {
    response: &'a [u8],
    requested: bool,
    reader: Option<Waker>,
}

impl hyper::rt::Read for MemConn<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.requested {
            self.reader = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let n = buf.remaining().min(READ).min(self.response.len());
        let (now, later) = self.response.split_at(n);
        buf.put_slice(now);
        self.response = later;
        Poll::Ready(Ok(()))
    }
}

impl hyper::rt::Write for MemConn<'_> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.requested = true;
        if let Some(reader) = self.reader.take() {
            reader.wake();
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

const RESPONSE_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";

/// `RESPONSE_HEAD` followed by the chunked body.
fn http_response(wire: &[u8]) -> Vec<u8> {
    [RESPONSE_HEAD, wire].concat()
}

fn chunked_hyper(response: &[u8]) -> Totals {
    block_on(async {
        let conn = MemConn {
            response,
            requested: false,
            reader: None,
        };
        let (mut sender, connection) = hyper::client::conn::http1::handshake(conn)
            .await
            .expect("handshake");
        let read_body = async move {
            let request = hyper::Request::get("/")
                .body(http_body_util::Empty::<Bytes>::new())
                .unwrap();
            sender.ready().await.expect("connection ready");
            let response = sender.send_request(request).await.expect("response");
            let mut body = response.into_body();
            let mut len = 0;
            while let Some(frame) = body.frame().await {
                if let Ok(data) = frame.expect("valid body").into_data() {
                    len += black_box(data).len();
                }
            }
            len
        };
        let (done, len) = futures::future::join(connection, read_body).await;
        done.expect("connection ends cleanly");
        // hyper reports no chunk boundaries: count the body only.
        (0, len)
    })
}

// ---------------------------------------------------------------------------------------------
// SSE encoders. Each returns the bytes written.

fn encode_sse_wire(tokens: &[&str], out: &mut BytesMut) -> usize {
    let encoder = Encoder::new();
    out.clear();
    for token in tokens {
        encoder.encode(&OutEvent::new().data(token), out).unwrap();
    }
    black_box(&out[..]).len()
}

fn encode_sse_wire_frames(tokens: &[&str], out: &mut BytesMut) -> usize {
    let encoder = Encoder::new();
    let mut len = 0;
    for token in tokens {
        encoder.encode(&OutEvent::new().data(token), out).unwrap();
        len += black_box(out.split().freeze()).len();
    }
    len
}

fn sse_stream_frame(token: &str) -> Bytes {
    sse_stream::Sse::default().data(token).encode().unwrap()
}

fn encode_sse_stream(tokens: &[&str]) -> usize {
    tokens
        .iter()
        .map(|token| black_box(sse_stream_frame(token)).len())
        .sum()
}

/// The body of an axum SSE response streaming `tokens` as events.
fn axum_body(tokens: &'static [&'static str]) -> axum::body::Body {
    use axum::response::sse::{Event, Sse};
    use axum::response::IntoResponse;
    let events = tokens
        .iter()
        .map(|t| Ok::<_, Infallible>(Event::default().data(t)));
    Sse::new(futures::stream::iter(events))
        .into_response()
        .into_body()
}

/// Polls `body` to its end, handing each data frame to `each`.
fn drain_body(mut body: axum::body::Body, mut each: impl FnMut(Bytes)) {
    block_on(async {
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.expect("infallible").into_data() {
                each(data);
            }
        }
    });
}

fn encode_axum(tokens: &'static [&'static str]) -> usize {
    let mut len = 0;
    drain_body(axum_body(tokens), |data| len += black_box(data).len());
    len
}

/// The bytes each encoder writes, concatenated (for the check against W1's bytes).
fn encoded_outputs(tokens: &'static [&'static str]) -> Vec<(&'static str, Vec<u8>)> {
    let mut wire = BytesMut::new();
    encode_sse_wire(tokens, &mut wire);
    let mut frames = Vec::new();
    let mut out = BytesMut::new();
    let encoder = Encoder::new();
    for token in tokens {
        encoder
            .encode(&OutEvent::new().data(token), &mut out)
            .unwrap();
        frames.extend_from_slice(&out.split());
    }
    let sse_stream: Vec<u8> = tokens.iter().flat_map(|t| sse_stream_frame(t)).collect();
    let mut axum = Vec::new();
    drain_body(axum_body(tokens), |data| axum.extend_from_slice(&data));
    vec![
        ("sse-wire", wire.to_vec()),
        ("sse-wire-frames", frames),
        ("sse-stream", sse_stream),
        ("axum", axum),
    ]
}

// ---------------------------------------------------------------------------------------------
// Registration

/// Times `f` as `group/name` after checking its output against `want` once; every iteration
/// checks it again.
fn row<T, F>(g: &mut BenchmarkGroup<'_, WallTime>, group: &str, name: &str, want: T, mut f: F)
where
    T: PartialEq + std::fmt::Debug + Copy,
    F: FnMut() -> T,
{
    let mut checked = false;
    g.bench_function(name, |b| {
        if !checked {
            let got = f();
            assert_eq!(
                got, want,
                "{group}/{name}: output differs from the expected totals"
            );
            checked = true;
        }
        b.iter(|| assert_eq!(f(), want));
    });
}

fn group<'c>(c: &'c mut Criterion, name: &str, bytes: usize) -> BenchmarkGroup<'c, WallTime> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sampling_mode(SamplingMode::Flat);
    g
}

fn memcpy_row(g: &mut BenchmarkGroup<'_, WallTime>, input: &[u8]) {
    let mut dst = vec![0u8; input.len()];
    g.bench_function("memcpy", |b| {
        b.iter(|| {
            dst.copy_from_slice(black_box(input));
            black_box(&dst);
        })
    });
}

/// The SSE decoding rows of one group, every event handed to `C`.
fn sse_rows<C: Consumer>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    want: Totals,
    pieces: &[Bytes],
    wire_only: bool,
) {
    row(g, name, "sse-wire", want, || sse_wire::<C>(pieces));
    row(g, name, "sse-wire-view", want, || {
        sse_wire_view::<C>(pieces)
    });
    row(g, name, "sse-wire-bytes", want, || {
        sse_wire_bytes::<C>(pieces)
    });
    if !wire_only {
        row(g, name, "sse-core", want, || sse_core::<C>(pieces));
        row(g, name, "sse-parse", want, || sse_parse::<C>(pieces));
        row(g, name, "sse-stream", want, || sse_stream::<C>(pieces));
        row(g, name, "eventsource-stream", want, || {
            eventsource_stream::<C>(pieces)
        });
    }
}

fn sse_decode(c: &mut Criterion) {
    for &(name, cut, wire_only) in SSE_WORKLOADS {
        let stream = sse_stream_bytes(name);
        let want = expected(&stream);
        let whole = Bytes::from(stream);
        let pieces = cut_stream(&whole, cut);
        let pieces = &pieces[..];
        let mut g = group(c, name, whole.len());
        sse_rows::<Opaque>(&mut g, name, want, pieces, wire_only);
        if !wire_only {
            let lf = memchr::memchr_iter(b'\n', &whole).count();
            let line_ends = memchr::memchr2_iter(b'\r', b'\n', &whole).count();
            row(&mut g, name, "memchr2", line_ends, || {
                memchr::memchr2_iter(b'\r', b'\n', black_box(&whole)).count()
            });
            row(&mut g, name, "memchr", lf, || {
                memchr::memchr_iter(b'\n', black_box(&whole)).count()
            });
        }
        // Also on the scaling workloads: the reference shows what the memory system allows at
        // each size.
        memcpy_row(&mut g, &whole);
        g.finish();
        if !wire_only {
            // The same rows with the event counted inline: `I1` beside `W1`.
            let inline = name.replacen('W', "I", 1);
            let mut g = group(c, &inline, whole.len());
            sse_rows::<Inline>(&mut g, &inline, want, pieces, false);
            g.finish();
        }
    }
}

fn sse_encode(c: &mut Criterion) {
    // axum's `Sse` wants a `'static` stream: the tokens live for the whole run. They are laid
    // out back to back in one buffer, as W1's bytes are, so that what the earlier groups left in
    // the heap cannot scatter them and make every encoder wait on cache misses.
    let owned = llm_tokens(200_000);
    let w1 = llm_stream(&owned, "\n");
    let text: &'static str = owned.concat().leak();
    let mut rest = text;
    let tokens: &'static [&'static str] = owned
        .iter()
        .map(|t| {
            let (token, tail) = rest.split_at(t.len());
            rest = tail;
            token
        })
        .collect::<Vec<_>>()
        .leak();
    for (name, out) in encoded_outputs(tokens) {
        assert!(out == w1, "E1/{name}: the encoded bytes differ from W1's");
    }
    let len = w1.len();
    let mut g = group(c, "E1", len);
    let mut out = BytesMut::with_capacity(len);
    row(&mut g, "E1", "sse-wire", len, || {
        encode_sse_wire(tokens, &mut out)
    });
    let mut out = BytesMut::with_capacity(len);
    row(&mut g, "E1", "sse-wire-frames", len, || {
        encode_sse_wire_frames(tokens, &mut out)
    });
    row(&mut g, "E1", "sse-stream", len, || {
        encode_sse_stream(tokens)
    });
    row(&mut g, "E1", "axum", len, || encode_axum(tokens));
    memcpy_row(&mut g, &w1);
    g.finish();
}

fn chunked_decode(c: &mut Criterion) {
    for w in chunked_workloads() {
        let want = (w.chunks, w.body_len);
        let body_only = (0, w.body_len);
        let wire = &w.wire[..];
        let response = http_response(wire);
        let mut g = group(c, w.name, wire.len());
        row(&mut g, w.name, "sse-wire", want, || chunked_sse_wire(wire));
        row(&mut g, w.name, "sse-wire-bytes", want, || {
            chunked_sse_wire_bytes(wire)
        });
        row(&mut g, w.name, "httparse", want, || chunked_httparse(wire));
        row(&mut g, w.name, "chunked_transfer", body_only, || {
            chunked_transfer(wire)
        });
        row(&mut g, w.name, "hyper", body_only, || {
            chunked_hyper(&response)
        });
        memcpy_row(&mut g, wire);
        g.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = sse_decode, sse_encode, chunked_decode
}
criterion_main!(benches);
