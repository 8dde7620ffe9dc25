//! SSE decoding throughput on three workloads, beside `memchr` newline counting and `memchr2`
//! CR/LF iteration over the same bytes (speed-of-light references: any decoder must at least find
//! every line end).
//!
//! * `llm_1k`: ~200k LLM-token events (`data: {"choices":[{"delta":{"content":"word"}}]}` and a
//!   blank line), then `data: [DONE]`, fed in 1 KiB pieces.
//! * `large_multiline`: 200 events of 64 KiB data, each sent as 80-byte `data:` lines, fed in
//!   64 KiB pieces.
//! * `llm_1b`: the first 2 MB of `llm_1k`'s stream fed one byte at a time.
//!
//! Each path is checked (events and data bytes) against the expected totals, so no row can win
//! by skipping work. Run: `cargo bench --bench sse_decode`.

use std::hint::black_box;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sse_wire::sse::{BytesDecoder, Decoder, Item, ItemRef};

const WORDS: &[&str] = &[
    "The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ".", " It",
    "'s", " a", " token", " stream", "!",
];

fn llm_stream(events: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(events * 64);
    for i in 0..events {
        let word = WORDS[i % WORDS.len()];
        out.extend_from_slice(b"data: {\"choices\":[{\"delta\":{\"content\":\"");
        out.extend_from_slice(word.as_bytes());
        out.extend_from_slice(b"\"}}]}\n\n");
    }
    out.extend_from_slice(b"data: [DONE]\n\n");
    out
}

fn multiline_stream(events: usize, data_len: usize, line_len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut x: u32 = 0x1234_5678;
    for _ in 0..events {
        let mut left = data_len;
        while left > 0 {
            let n = line_len.min(left);
            out.extend_from_slice(b"data: ");
            for _ in 0..n {
                // xorshift: printable ASCII, deterministic
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                out.push(b'!' + (x % 90) as u8);
            }
            out.push(b'\n');
            left -= n;
        }
        out.push(b'\n');
    }
    out
}

/// Expected (events, data bytes) from a straightforward whole-input decode.
fn expected(stream: &[u8]) -> (usize, usize) {
    let mut d = Decoder::new();
    let (mut n, mut bytes) = (0, 0);
    let mut buf = stream;
    loop {
        let r = d.decode(buf).unwrap();
        match r.item {
            Some(ItemRef::Event(e)) => {
                n += 1;
                bytes += e.data().len();
            }
            Some(_) => {}
            None => break,
        }
        buf = &buf[r.consumed..];
    }
    (n, bytes)
}

/// The borrowed path driven as a caller with its own `Vec` buffer would drive it.
fn borrowed(stream: &[u8], piece: usize) -> (usize, usize) {
    let mut d = Decoder::new();
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    let mut start = 0;
    let (mut n, mut bytes) = (0, 0);
    for chunk in stream.chunks(piece) {
        if start > 0 {
            buf.drain(..start);
            start = 0;
        }
        buf.extend_from_slice(chunk);
        loop {
            let r = d.decode(&buf[start..]).unwrap();
            start += r.consumed;
            match r.item {
                Some(ItemRef::Event(e)) => {
                    n += 1;
                    bytes += black_box(e.data()).len();
                }
                Some(_) => {}
                None => break,
            }
        }
    }
    (n, bytes)
}

/// `BytesDecoder` fed `Bytes` pieces that share one allocation, as an HTTP body yields them.
fn owned(stream: &Bytes, piece: usize) -> (usize, usize) {
    let mut d = BytesDecoder::new();
    let (mut n, mut bytes) = (0, 0);
    let mut at = 0;
    while at < stream.len() {
        let end = (at + piece).min(stream.len());
        d.push(stream.slice(at..end));
        at = end;
        for item in &mut d {
            if let Item::Event(e) = item.unwrap() {
                n += 1;
                bytes += black_box(e.data()).len();
            }
        }
    }
    (n, bytes)
}

fn bench(c: &mut Criterion) {
    let llm = llm_stream(200_000);
    let large = multiline_stream(200, 64 * 1024, 80);
    let llm_small = llm[..2_000_000].to_vec();
    let workloads: [(&str, &[u8], usize); 3] = [
        ("llm_1k", &llm, 1024),
        ("large_multiline", &large, 64 * 1024),
        ("llm_1b", &llm_small, 1),
    ];
    for (name, stream, piece) in workloads {
        let want = expected(stream);
        assert_eq!(borrowed(stream, piece), want, "{name}: borrowed");
        let shared = Bytes::copy_from_slice(stream);
        assert_eq!(owned(&shared, piece), want, "{name}: owned");

        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Bytes(stream.len() as u64));
        g.sample_size(20);
        g.bench_with_input(
            BenchmarkId::new("memchr_newlines", piece),
            stream,
            |b, s| b.iter(|| memchr::memchr_iter(b'\n', black_box(s)).count()),
        );
        g.bench_with_input(
            BenchmarkId::new("memchr2_line_ends", piece),
            stream,
            |b, s| b.iter(|| memchr::memchr2_iter(b'\r', b'\n', black_box(s)).count()),
        );
        g.bench_with_input(BenchmarkId::new("borrowed", piece), stream, |b, s| {
            b.iter(|| borrowed(black_box(s), piece))
        });
        g.bench_with_input(BenchmarkId::new("bytes", piece), &shared, |b, s| {
            b.iter(|| owned(black_box(s), piece))
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
