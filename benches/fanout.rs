//! Fan-out of one event to many subscribers through `replay::EventLog`: the event is encoded once
//! and each subscriber reads a clone of the shared `Bytes`.
//!
//! * `fanout/publish`: one ~200-byte LLM token event pushed into a log of 1024 events (encode
//!   once, keep, evict the oldest). Time per publish.
//! * `fanout/publish_and_deliver_10k`: one push, then 10,000 subscriber cursors each read the
//!   frame (and drop it, as after a socket write). Throughput counts deliveries, so the per-element
//!   time is the time per delivery.
//! * `fanout/encode_per_connection_10k`: the same 10,000 deliveries when each connection encodes
//!   the event itself, for comparison.
//!
//! The state sizes are printed first (heap figures: `tests/replay_memory.rs`, `--nocapture`).
//!
//! Run: `cargo bench --bench fanout` (add `-- --quick` for a short run).

use std::hint::black_box;
use std::mem::size_of;

use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sse_wire::replay::{Bounds, Cursor, EventLog};
use sse_wire::sse::{Encoder, OutEvent};

const SUBSCRIBERS: usize = 10_000;

fn token() -> String {
    format!(
        r#"{{"id":"chatcmpl-9x","object":"chat.completion.chunk","created":1730000000,"model":"m","choices":[{{"index":0,"delta":{{"content":"tok"}},"finish_reason":null}}]}}{}"#,
        " ".repeat(40)
    )
}

fn print_sizes() {
    #[cfg(feature = "reconnect")]
    let client = format!(
        ", Reconnect {} + BytesDecoder {} per client session",
        size_of::<sse_wire::reconnect::Reconnect>(),
        size_of::<sse_wire::sse::BytesDecoder>()
    );
    #[cfg(not(feature = "reconnect"))]
    let client = String::new();
    eprintln!(
        "state sizes: Cursor {} bytes per idle subscriber, EventLog {}{client}",
        size_of::<Cursor>(),
        size_of::<EventLog>(),
    );
}

fn bench(c: &mut Criterion) {
    print_sizes();
    let data = token();
    let frame_len = Encoder::new()
        .encoded_len(&OutEvent::new().data(&data).id("1000000"))
        .unwrap();
    eprintln!(
        "event: {} bytes of data, {frame_len} bytes encoded",
        data.len()
    );

    let mut g = c.benchmark_group("fanout");
    let mut bounds = Bounds::new();
    bounds.max_events = 1024;
    let mut log = EventLog::with_bounds(bounds);
    for _ in 0..2048 {
        log.push_seq(OutEvent::new().data(&data)).unwrap();
    }
    g.throughput(Throughput::Elements(1));
    g.bench_function("publish", |b| {
        b.iter(|| {
            black_box(
                log.push_seq(OutEvent::new().data(black_box(&data)))
                    .unwrap(),
            )
        })
    });

    let mut cursors: Vec<Cursor> = vec![log.subscribe(); SUBSCRIBERS];
    let mut out: Vec<Bytes> = Vec::with_capacity(SUBSCRIBERS);
    g.throughput(Throughput::Elements(SUBSCRIBERS as u64));
    g.bench_function("publish_and_deliver_10k", |b| {
        b.iter(|| {
            log.push_seq(OutEvent::new().data(black_box(&data)))
                .unwrap();
            for cursor in &mut cursors {
                if let Ok(Some(frame)) = log.read(cursor) {
                    out.push(frame);
                }
            }
            assert_eq!(out.len(), SUBSCRIBERS);
            black_box(&out);
            out.clear();
        })
    });

    let enc = Encoder::new();
    let mut buf = BytesMut::with_capacity(frame_len * SUBSCRIBERS);
    g.bench_function("encode_per_connection_10k", |b| {
        b.iter(|| {
            for _ in 0..SUBSCRIBERS {
                enc.encode(
                    &OutEvent::new().data(black_box(&data)).id("1000000"),
                    &mut buf,
                )
                .unwrap();
                out.push(buf.split().freeze());
            }
            black_box(&out);
            out.clear();
            buf.reserve(frame_len * SUBSCRIBERS);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
