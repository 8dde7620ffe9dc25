//! SSE encoding throughput (output bytes per second), beside a plain copy of the same number of
//! bytes in the same run.
//!
//! * `llm_tokens`: 200k small events `data: {"choices":[{"delta":{"content":"word"}}]}`, encoded
//!   into one pre-reserved `BytesMut` (the buffer an LLM server writes tokens into).
//! * `large_single_line`: 64 KiB of data without line breaks, copied (`encode`) and framed without
//!   a copy (`frame`, drained through `chunks_vectored` as a vectored write would).
//! * `large_multiline`: 64 KiB of data in 80-byte lines, `encode` and `frame`.
//!
//! Run: `cargo bench --bench sse_encode`.

use std::hint::black_box;

#[cfg(feature = "std")]
use bytes::Buf;
use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sse_wire::sse::{Encoder, OutEvent};

const WORDS: &[&str] = &[
    " The", " quick", " brown", " fox", " jumps", " over", " lazy", " dogs",
];

fn tokens() -> Vec<String> {
    (0..200_000)
        .map(|i| {
            format!(
                r#"{{"choices":[{{"delta":{{"content":"{}"}}}}]}}"#,
                WORDS[i % WORDS.len()]
            )
        })
        .collect()
}

fn payload(lines: bool) -> String {
    let mut s = String::with_capacity(64 * 1024);
    let mut i = 0u32;
    while s.len() < 64 * 1024 {
        if lines && s.len() % 81 == 80 {
            s.push('\n');
        } else {
            s.push(char::from(b'a' + (i % 26) as u8));
        }
        i += 1;
    }
    s
}

fn bench(c: &mut Criterion) {
    let enc = Encoder::new();
    let toks = tokens();
    let total: usize = toks
        .iter()
        .map(|t| enc.encoded_len(&OutEvent::new().data(t)).unwrap())
        .sum();
    let src = vec![b'x'; total];

    let mut g = c.benchmark_group("llm_tokens");
    g.throughput(Throughput::Bytes(total as u64));
    g.sample_size(20);
    g.bench_function("memcpy", |b| {
        let mut dst = BytesMut::with_capacity(total);
        b.iter(|| {
            dst.clear();
            dst.extend_from_slice(black_box(&src));
            black_box(dst.len())
        })
    });
    g.bench_function("encode", |b| {
        let mut dst = BytesMut::with_capacity(total);
        b.iter(|| {
            dst.clear();
            for t in &toks {
                enc.encode(&OutEvent::new().data(black_box(t)), &mut dst)
                    .unwrap();
            }
            assert_eq!(dst.len(), total);
        })
    });
    g.finish();

    for (name, lines) in [("large_single_line", false), ("large_multiline", true)] {
        let data = payload(lines);
        #[cfg(feature = "std")]
        let shared = sse_wire::Str::from(data.clone());
        let ev = OutEvent::new().data(&data);
        let len = enc.encoded_len(&ev).unwrap();
        let src = vec![b'x'; len];
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function("memcpy", |b| {
            let mut dst = BytesMut::with_capacity(len);
            b.iter(|| {
                dst.clear();
                dst.extend_from_slice(black_box(&src));
                black_box(dst.len())
            })
        });
        g.bench_function("encode", |b| {
            let mut dst = BytesMut::with_capacity(len);
            b.iter(|| {
                dst.clear();
                enc.encode(black_box(&ev), &mut dst).unwrap();
                assert_eq!(dst.len(), len);
            })
        });
        // `Buf::chunks_vectored` needs the `std` feature of `bytes`.
        #[cfg(feature = "std")]
        g.bench_function("frame_vectored", |b| {
            use std::io::IoSlice;
            b.iter(|| {
                let mut framed = enc
                    .frame(&OutEvent::new(), black_box(shared.clone()))
                    .unwrap();
                let mut n = 0;
                while framed.has_remaining() {
                    let mut slices = [IoSlice::new(&[]); 64];
                    let k = framed.chunks_vectored(&mut slices);
                    let step: usize = slices[..k].iter().map(|s| black_box(s.len())).sum();
                    n += step;
                    framed.advance(step);
                }
                assert_eq!(n, len);
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
