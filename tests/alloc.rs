//! Heap allocations on the owned decoding paths, counted by a global allocator.
//!
//! The owned SSE paths hand out an event whose single-line data is a slice of the input `Bytes`,
//! so once the decoder's own buffers have reached their working size, decoding an event should
//! not allocate at all. The chunked decoder keeps no buffer and hands out slices, so it should
//! never allocate. Each test decodes a long stream, counts the allocations made on its own
//! thread while decoding the second half, and asserts that there were none (the first half is
//! where buffers grow and `Bytes` handles are promoted to shared ones).
//!
//! Counting is per thread, so tests running in parallel do not disturb each other.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use bytes::Bytes;
use sse_wire::chunked::{self, Chunk, ChunkRef};
use sse_wire::sse::{BytesDecoder, Decoder, Item};

struct Counting;

thread_local! {
    /// Allocations (including reallocations) made on this thread while counting is on.
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn note_alloc() {
    // `try_with`: the allocator can run while a thread's locals are being torn down.
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
        }
    });
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counting touches only
// const-initialised thread-locals without destructors, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_alloc();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_alloc();
        // SAFETY: as for `alloc`; `ptr` came from this allocator, hence from `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, hence from `System`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` and returns what it returned with the allocations it made on this thread.
fn count<T>(f: impl FnOnce() -> T) -> (T, u64) {
    ALLOCS.with(|n| n.set(0));
    COUNTING.with(|on| on.set(true));
    let out = f();
    COUNTING.with(|on| on.set(false));
    (out, ALLOCS.with(Cell::get))
}

#[test]
fn the_counter_sees_allocations() {
    let (v, allocs) = count(|| vec![7u8; 100]);
    assert_eq!((v.len(), allocs), (100, 1));
    let (v, allocs) = count(|| Bytes::from(v).slice(1..10));
    assert_eq!(
        (v.len(), allocs),
        (9, 1),
        "promoting a Vec-backed Bytes to a shared one"
    );
}

const EVENTS: usize = 20_000;

const WORDS: &[&str] = &[
    "The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ".",
];

/// An LLM token stream: `EVENTS` single-line `data:` events, then `data: [DONE]`.
fn llm_stream() -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..EVENTS {
        out.extend_from_slice(
            b"data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"delta\":{\"content\":\"",
        );
        out.extend_from_slice(WORDS[i % WORDS.len()].as_bytes());
        out.extend_from_slice(b"\"}}]}\n\n");
    }
    out.extend_from_slice(b"data: [DONE]\n\n");
    out
}

/// `stream` cut into `piece`-byte `Bytes` that share one allocation, as an HTTP body yields
/// them (made before counting starts).
fn pieces(stream: &[u8], piece: usize) -> Vec<Bytes> {
    let whole = Bytes::copy_from_slice(stream);
    (0..stream.len())
        .step_by(piece)
        .map(|at| whole.slice(at..stream.len().min(at + piece)))
        .collect()
}

/// Feeds `pieces` to `decoder`; returns (events, data bytes). Every item is dropped before the
/// next is taken, as a caller forwarding tokens would.
fn feed(decoder: &mut BytesDecoder, pieces: &[Bytes]) -> (usize, usize) {
    let (mut events, mut bytes) = (0, 0);
    for piece in pieces {
        decoder.push(piece.clone());
        for item in &mut *decoder {
            if let Item::Event(event) = item.expect("no limit is exceeded") {
                events += 1;
                bytes += event.data().len();
            }
        }
    }
    (events, bytes)
}

/// As [`feed`], taking each item as a view with `next_ref`.
fn feed_views(decoder: &mut BytesDecoder, pieces: &[Bytes]) -> (usize, usize) {
    let (mut events, mut bytes) = (0, 0);
    for piece in pieces {
        decoder.push(piece.clone());
        while let Some(item) = decoder.next_ref() {
            if let sse_wire::sse::ItemRef::Event(event) = item.expect("no limit is exceeded") {
                events += 1;
                bytes += event.data().len();
            }
        }
    }
    (events, bytes)
}

/// `stream` (LF-ended events) as one `Bytes` per event (a server that flushes every token), or,
/// with `in_two`, each event in two at a point that moves from event to event.
fn per_event(stream: &[u8], in_two: bool) -> Vec<Bytes> {
    let whole = Bytes::copy_from_slice(stream);
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..stream.len() {
        if stream[i - 1] == b'\n' && stream[i] == b'\n' {
            let end = i + 1;
            if in_two {
                let at = start + 1 + (out.len() * 7) % (end - start - 1);
                out.push(whole.slice(start..at));
                out.push(whole.slice(at..end));
            } else {
                out.push(whole.slice(start..end));
            }
            start = end;
        }
    }
    out
}

/// Whole-stream totals from the borrowed path (the reference).
fn totals(stream: &[u8]) -> (usize, usize) {
    let mut decoder = Decoder::new();
    let (mut events, mut bytes, mut buf) = (0, 0, stream);
    loop {
        let decoded = decoder.decode(buf).unwrap();
        buf = &buf[decoded.consumed..];
        match decoded.item {
            Some(sse_wire::sse::ItemRef::Event(e)) => {
                events += 1;
                bytes += e.data().len();
            }
            Some(_) => {}
            None => return (events, bytes),
        }
    }
}

fn bytes_decoder_steady_state(piece: usize) {
    let stream = llm_stream();
    steady_state(
        &stream,
        &pieces(&stream, piece),
        &format!("{piece}-byte pieces"),
    );
}

/// Feeds the first half of `all` to warm up, then counts the allocations of the second half,
/// through the owned iterator and through `next_ref`.
fn steady_state(stream: &[u8], all: &[Bytes], what: &str) {
    let want = totals(stream);
    let (first, second) = all.split_at(all.len() / 2);
    for (path, run) in [
        (
            "iterator",
            feed as fn(&mut BytesDecoder, &[Bytes]) -> (usize, usize),
        ),
        ("next_ref", feed_views),
    ] {
        let mut decoder = BytesDecoder::new();
        let (a, warm_up) = count(|| run(&mut decoder, first));
        let (b, allocs) = count(|| run(&mut decoder, second));
        assert!(decoder.finish().is_ok());
        assert_eq!((a.0 + b.0, a.1 + b.1), want);
        // The queue and the tail buffer reach their working size within the first events.
        assert!(
            warm_up <= 16,
            "BytesDecoder ({path}) fed {what}: {warm_up} allocations over the first half"
        );
        assert_eq!(
            allocs,
            0,
            "BytesDecoder ({path}) fed {what}: {allocs} allocations for the {} events of the \
             second half ({:.3} per event)",
            b.0,
            allocs as f64 / b.0 as f64
        );
    }
}

#[test]
fn bytes_decoder_one_piece_per_event_allocates_nothing_per_event() {
    let stream = llm_stream();
    steady_state(&stream, &per_event(&stream, false), "one piece per event");
}

#[test]
fn bytes_decoder_events_cut_in_two_allocates_nothing_per_event() {
    let stream = llm_stream();
    steady_state(
        &stream,
        &per_event(&stream, true),
        "each event in two pieces",
    );
}

#[test]
fn bytes_decoder_1k_pieces_allocates_nothing_per_event() {
    bytes_decoder_steady_state(1024);
}

#[test]
fn bytes_decoder_16k_pieces_allocates_nothing_per_event() {
    bytes_decoder_steady_state(16 * 1024);
}

#[test]
fn bytes_decoder_7_byte_pieces_allocates_nothing_per_event() {
    bytes_decoder_steady_state(7);
}

/// `BytesDecoder` over `Bytes` pieces cut at event boundaries (a server that flushes whole
/// events), each decoded to its end (what the removed `Decoder::decode_bytes` was for).
#[test]
fn whole_event_pieces_allocate_nothing_per_event() {
    let stream = llm_stream();
    let want = totals(&stream);
    let whole = Bytes::copy_from_slice(&stream);
    // Cut after every 64th event (each event ends with "\n\n").
    let mut cuts = vec![0];
    let mut seen = 0;
    for i in 1..stream.len() {
        if stream[i - 1] == b'\n' && stream[i] == b'\n' {
            seen += 1;
            if seen % 64 == 0 {
                cuts.push(i + 1);
            }
        }
    }
    cuts.push(stream.len());
    cuts.dedup();
    let all: Vec<Bytes> = cuts.windows(2).map(|w| whole.slice(w[0]..w[1])).collect();
    let (first, second) = all.split_at(all.len() / 2);

    let mut decoder = BytesDecoder::new();
    let mut fed = 0;
    let mut run = |pieces: &[Bytes]| {
        let (mut events, mut bytes) = (0, 0);
        for piece in pieces {
            fed += piece.len() as u64;
            decoder.push(piece.clone());
            for item in &mut decoder {
                if let Item::Event(event) = item.unwrap() {
                    events += 1;
                    bytes += event.data().len();
                }
            }
            assert_eq!(
                decoder.decoder().position(),
                fed,
                "pieces end between events"
            );
        }
        (events, bytes)
    };
    let (a, _) = count(|| run(first));
    let (b, allocs) = count(|| run(second));
    assert_eq!((a.0 + b.0, a.1 + b.1), want);
    assert_eq!(
        allocs, 0,
        "whole-event pieces: {allocs} allocations for the {} events of the second half",
        b.0
    );
}

const MIB: usize = 1 << 20;

/// `body_len` deterministic bytes encoded in `chunk`-byte chunks.
fn chunked_wire(body_len: usize, chunk: usize) -> Vec<u8> {
    let body: Vec<u8> = (0..body_len).map(|i| (i * 31 % 251) as u8).collect();
    let mut encoder = chunked::Encoder::new();
    let mut wire = Vec::new();
    for piece in body.chunks(chunk) {
        encoder.encode(piece, &[], &mut wire).unwrap();
    }
    encoder.finish(&[], &mut wire).unwrap();
    wire
}

/// The borrowed chunked path, fed `read`-byte reads through a caller buffer whose consumed
/// front is dropped before each read (its capacity is reserved before counting).
#[test]
fn chunked_decode_allocates_nothing_per_chunk() {
    for (chunk, read) in [(64, 16 * 1024), (1, 16 * 1024), (16 * 1024, 1000)] {
        let wire = chunked_wire(MIB, chunk);
        let chunks = MIB.div_ceil(chunk);
        let mut decoder = chunked::Decoder::new();
        let mut buf: Vec<u8> = Vec::with_capacity(2 * read);
        let mut reads = wire.chunks(read);
        let mut headers = 0usize;
        let mut body = 0usize;
        let mut start = 0;
        let mut step = |stop_after: usize| {
            while headers < stop_after {
                let decoded = decoder.decode(&buf[start..]).unwrap();
                start += decoded.consumed;
                match decoded.item {
                    Some(ChunkRef::Header { .. }) => headers += 1,
                    Some(ChunkRef::Data(d)) => body += d.len(),
                    Some(ChunkRef::Done) => return,
                    None => {
                        buf.drain(..start);
                        start = 0;
                        buf.extend_from_slice(reads.next().expect("the body is complete"));
                    }
                    _ => {}
                }
            }
        };
        let ((), _) = count(|| step(chunks / 2));
        let ((), allocs) = count(|| step(usize::MAX));
        assert!(decoder.is_done());
        assert_eq!(headers, chunks + 1, "every chunk and the last chunk");
        assert_eq!(body, MIB);
        assert_eq!(
            allocs, 0,
            "chunked::Decoder::decode, {chunk}-byte chunks in {read}-byte reads: {allocs} \
             allocations over the second half"
        );
    }
}

/// A `BytesDecoder` (the `Bytes` path that replaced `decode_bytes`) over the whole wire pushed
/// as one `Bytes`: every payload is a slice of the input.
#[test]
fn chunked_bytes_decoder_allocates_nothing_per_chunk() {
    for chunk in [64, 1, 16 * 1024] {
        let wire = chunked_wire(MIB, chunk);
        let chunks = MIB.div_ceil(chunk);
        let whole = Bytes::from(wire);
        // Promote the handle to a shared one now (`Bytes::from(Vec)` does it on first clone).
        let mut decoder = chunked::BytesDecoder::new();
        decoder.push(whole.slice(..));
        let mut headers = 0usize;
        let mut body = 0usize;
        let mut step = |stop_after: usize| {
            while headers < stop_after {
                match decoder.next().transpose().unwrap() {
                    Some(Chunk::Header { .. }) => headers += 1,
                    Some(Chunk::Data(d)) => body += d.len(),
                    Some(Chunk::Done) => return,
                    None => panic!("the body is complete"),
                    _ => {}
                }
            }
        };
        let ((), _) = count(|| step(chunks / 2));
        let ((), allocs) = count(|| step(usize::MAX));
        assert!(decoder.decoder().is_done());
        assert_eq!((headers, body), (chunks + 1, MIB));
        assert_eq!(
            allocs, 0,
            "chunked::BytesDecoder, {chunk}-byte chunks: {allocs} allocations over \
             the second half"
        );
    }
}
