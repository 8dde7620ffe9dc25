//! Chunked codec throughput, each workload next to a plain memcpy of the same bytes.
//!
//! * `decode/16k_chunks`: a 64 MiB body in 16 KiB chunks;
//! * `decode/64b_chunks`: an 8 MiB body in 64-byte chunks (with a `BytesDecoder` too);
//! * `decode/1b_chunks`: a 1 MiB body in 1-byte chunks (6 wire bytes per body byte);
//! * `encode/*`: the same bodies framed through `Encoder::encode` (copying into a `Vec`) and
//!   through the zero-copy `chunk` (`Buf` chain, counted with `chunks_vectored`).
//!
//! `decode` hands out data slices without touching them, so for large chunks it only measures
//! the framing; `decode_copy` also copies the body out, which is the row to compare with
//! `memcpy`. Decode throughput counts wire bytes (what the decoder reads); encode throughput
//! counts payload bytes. Every iteration checks the byte count it produced, so no row can skip work.
//! Bodies are generated deterministically. Run: `cargo bench --bench chunked`.

use std::hint::black_box;

use bytes::{Buf, Bytes};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sse_wire::chunked::{BytesDecoder, Chunk, ChunkRef, Decoder, Encoder, LAST_CHUNK};

const MIB: usize = 1 << 20;

/// Deterministic pseudo-random payload (xorshift).
fn payload(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// `body` encoded in chunks of `chunk` bytes.
fn encode(body: &[u8], chunk: usize) -> Vec<u8> {
    let mut enc = Encoder::new();
    let mut wire = Vec::with_capacity(body.len() + body.len() / chunk * 10 + 16);
    for piece in body.chunks(chunk) {
        enc.encode(piece, &[], &mut wire).unwrap();
    }
    enc.finish(&[], &mut wire).unwrap();
    wire
}

/// Decodes `wire` with the borrowed path; returns the body byte count.
fn decode(wire: &[u8]) -> u64 {
    let mut d = Decoder::new();
    let mut buf = wire;
    let mut n = 0u64;
    loop {
        let r = d.decode(buf).expect("valid body");
        match r.item {
            Some(ChunkRef::Data(x)) => n += black_box(x).len() as u64,
            Some(ChunkRef::Done) => return n,
            None => panic!("truncated"),
            _ => {}
        }
        buf = &buf[r.consumed..];
    }
}

/// Decodes `wire` with the borrowed path and copies the body into `out` (cleared first): the
/// work a caller that needs the body contiguous does, comparable with a memcpy.
fn decode_copy(wire: &[u8], out: &mut Vec<u8>) -> u64 {
    out.clear();
    let mut d = Decoder::new();
    let mut buf = wire;
    loop {
        let r = d.decode(buf).expect("valid body");
        match r.item {
            Some(ChunkRef::Data(x)) => out.extend_from_slice(x),
            Some(ChunkRef::Done) => return out.len() as u64,
            None => panic!("truncated"),
            _ => {}
        }
        buf = &buf[r.consumed..];
    }
}

/// Decodes `wire` with the owned `Bytes` path (a `BytesDecoder` pushed the whole wire);
/// returns the body byte count.
fn decode_pushed(wire: &Bytes) -> u64 {
    let mut d = BytesDecoder::new();
    d.push(wire.clone());
    let mut n = 0u64;
    for item in &mut d {
        match item.expect("valid body") {
            Chunk::Data(x) => n += black_box(x).len() as u64,
            Chunk::Done => return n,
            _ => {}
        }
    }
    panic!("truncated")
}

fn decode_benches(c: &mut Criterion) {
    for (name, body_len, chunk) in [
        ("16k_chunks", 64 * MIB, 16 * 1024),
        ("64b_chunks", 8 * MIB, 64),
        ("1b_chunks", MIB, 1),
    ] {
        let body = payload(body_len);
        let wire = encode(&body, chunk);
        let wire_bytes = Bytes::from(wire.clone());
        assert_eq!(decode(&wire), body_len as u64);
        let mut dst = vec![0u8; wire.len()];
        let mut out = Vec::with_capacity(body_len);

        let mut group = c.benchmark_group(format!("decode/{name}"));
        group.throughput(Throughput::Bytes(wire.len() as u64));
        group.sample_size(10);
        group.bench_function("decode", |b| {
            b.iter(|| assert_eq!(decode(black_box(&wire)), body_len as u64))
        });
        group.bench_function("decode_copy", |b| {
            b.iter(|| assert_eq!(decode_copy(black_box(&wire), &mut out), body_len as u64))
        });
        if chunk == 64 {
            group.bench_function("bytes_decoder", |b| {
                b.iter(|| assert_eq!(decode_pushed(black_box(&wire_bytes)), body_len as u64))
            });
        }
        group.bench_function("memcpy", |b| {
            b.iter(|| {
                dst.copy_from_slice(black_box(&wire));
                black_box(&dst);
            })
        });
        group.finish();
    }
}

/// Bytes a vectored write of `framed` carries, gathered as `writev` would see them.
#[cfg(feature = "std")]
fn gathered<B: Buf>(framed: B) -> usize {
    let mut slices = [std::io::IoSlice::new(&[]); 3];
    let n = framed.chunks_vectored(&mut slices);
    slices[..n].iter().map(|s| s.len()).sum()
}

/// Without `bytes/std` there is no `chunks_vectored`: walk the pieces instead.
#[cfg(not(feature = "std"))]
fn gathered<B: Buf>(mut b: B) -> usize {
    let mut n = 0;
    while b.has_remaining() {
        let k = b.chunk().len();
        n += k;
        b.advance(k);
    }
    n
}

fn encode_benches(c: &mut Criterion) {
    for (name, body_len, chunk) in [
        ("16k_chunks", 64 * MIB, 16 * 1024),
        ("64b_chunks", 8 * MIB, 64),
    ] {
        let body = payload(body_len);
        let wire_len = encode(&body, chunk).len();
        let mut out = Vec::with_capacity(wire_len);
        let mut dst = vec![0u8; body_len];

        let mut group = c.benchmark_group(format!("encode/{name}"));
        group.throughput(Throughput::Bytes(body_len as u64));
        group.sample_size(10);
        group.bench_function("encode_chunk", |b| {
            b.iter(|| {
                out.clear();
                let mut enc = Encoder::new();
                for piece in black_box(&body).chunks(chunk) {
                    enc.encode(piece, &[], &mut out).unwrap();
                }
                enc.finish(&[], &mut out).unwrap();
                assert_eq!(out.len(), wire_len);
            })
        });
        group.bench_function("chunk_vectored", |b| {
            b.iter(|| {
                let mut enc = Encoder::new();
                let mut total = 0usize;
                for piece in black_box(&body).chunks(chunk) {
                    total += gathered(enc.frame(piece).unwrap());
                }
                total += LAST_CHUNK.len();
                assert_eq!(total, wire_len);
            })
        });
        group.bench_function("memcpy", |b| {
            b.iter(|| {
                dst.copy_from_slice(black_box(&body));
                black_box(&dst);
            })
        });
        group.finish();
    }
}

criterion_group!(benches, decode_benches, encode_benches);
criterion_main!(benches);
