//! The hub's benchmarks, as one measuring binary (figures, not timed tests): run with
//! `cargo bench -p sse-wire-hub --features redis --bench hub`. It starts its own redis-server
//! (Debian's package) on a unix socket. Prints a Markdown table; `hub/BENCHMARKS.md` keeps the
//! figures of a run.

#[path = "../tests/redis_server/mod.rs"]
mod redis_server;

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use sse_wire_hub::{
    Config, Hub, MemoryBounds, MemoryStore, OutEvent, RedisConfig, RedisStore, Resumed, Since,
};

use redis_server::RedisServer;

/// Live heap bytes, counted by a global allocator wrapping the system's (the library forbids
/// `unsafe`; this benchmark binary needs it for `GlobalAlloc`).
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicI64, Ordering::Relaxed};

    pub static LIVE: AtomicI64 = AtomicI64::new(0);

    pub struct Counting;

    // SAFETY: every call is forwarded to `System` with the caller's arguments unchanged.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            LIVE.fetch_add(layout.size() as i64, Relaxed);
            // SAFETY: forwarded as is.
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            LIVE.fetch_sub(layout.size() as i64, Relaxed);
            // SAFETY: forwarded as is.
            unsafe { System.dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            LIVE.fetch_add(new_size as i64 - layout.size() as i64, Relaxed);
            // SAFETY: forwarded as is.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    pub fn live() -> i64 {
        LIVE.load(Relaxed)
    }
}

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

fn config() -> Config {
    let mut config = Config::default();
    config.keep_alive = None;
    config.live_buffer = 1024;
    config
}

/// A store and a way to make another "host" over it.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Memory,
    Redis,
}

struct Stores {
    memory: MemoryStore,
    redis_url: String,
}

impl Stores {
    async fn hub(&self, kind: Kind) -> Hub {
        match kind {
            // Two hubs over one MemoryStore: two "hosts" in one process.
            Kind::Memory => Hub::with_config(self.memory.clone(), config()),
            Kind::Redis => Hub::with_config(self.redis().await, config()),
        }
    }

    async fn redis(&self) -> RedisStore {
        let mut rc = RedisConfig::default();
        rc.max_len = 100_000;
        rc.max_age = None;
        RedisStore::connect(&self.redis_url, rc).await.unwrap()
    }
}

fn name(kind: Kind) -> &'static str {
    match kind {
        Kind::Memory => "memory",
        Kind::Redis => "redis",
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn micros(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

/// 1,000 subscribers of one stream spread over `hosts` hubs; `events` published as fast as the
/// store takes them (throughput), then `paced` more at 200/s (latency: publish to delivery).
async fn fanout(stores: &Stores, kind: Kind, hosts: usize, scope: &str) -> String {
    let subscribers = 1000;
    let events = 2000u64;
    let paced = 400u64;
    let mut hubs = Vec::new();
    for _ in 0..hosts {
        hubs.push(stores.hub(kind).await);
    }
    let publisher = hubs[0].scope(scope).unwrap();
    publisher.open("s").await.unwrap();
    let origin = Instant::now();
    let caught_up = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..subscribers {
        let s = hubs[i % hosts].scope(scope).unwrap();
        let mut body = s.subscribe("s", Since::Live).await.unwrap();
        let last_burst = format!("token {}", events - 1);
        let caught_up = caught_up.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut burst_done = Duration::ZERO;
            while let Some(Ok(frame)) = body.next().await {
                let now = origin.elapsed();
                let text = std::str::from_utf8(&frame).unwrap();
                let data = text.rsplit("data: ").next().unwrap().trim_end();
                if data == last_burst {
                    burst_done = now;
                    caught_up.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                } else if let Some(at) = data.strip_prefix('p') {
                    let sent = Duration::from_nanos(at.parse().unwrap());
                    latencies.push(now.saturating_sub(sent));
                } else if data == "end" {
                    return (burst_done, latencies);
                }
            }
            panic!("a body ended early");
        }));
    }
    // Let every body join its host's channel.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let start = origin.elapsed();
    for i in 0..events {
        let data = format!("token {i}");
        publisher
            .publish("s", &OutEvent::new().data(&data))
            .await
            .unwrap();
    }
    // The latency phase starts once every body has the whole burst.
    while caught_up.load(std::sync::atomic::Ordering::Relaxed) < subscribers {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut ticker = tokio::time::interval(Duration::from_millis(5));
    for _ in 0..paced {
        ticker.tick().await;
        let data = format!("p{}", origin.elapsed().as_nanos());
        publisher
            .publish("s", &OutEvent::new().data(&data))
            .await
            .unwrap();
    }
    publisher
        .publish("s", &OutEvent::new().data("end"))
        .await
        .unwrap();
    let mut burst_done = Duration::ZERO;
    let mut latencies = Vec::new();
    for t in tasks {
        let (done, lat) = t.await.unwrap();
        burst_done = burst_done.max(done);
        latencies.extend(lat);
    }
    latencies.sort();
    let delivered = (subscribers as u64 * events) as f64;
    format!(
        "| fan-out, 1,000 subscribers, {} host{} | {} | {:.0} frames/s delivered ({events} events published at once) | p50 {} / p99 {} publish→deliver, at 200 events/s |",
        hosts,
        if hosts > 1 { "s" } else { "" },
        name(kind),
        delivered / (burst_done - start).as_secs_f64(),
        micros(percentile(&latencies, 0.5)),
        micros(percentile(&latencies, 0.99)),
    )
}

/// Reconnect with `Last-Event-ID` to the first replayed frame.
async fn resume(stores: &Stores, kind: Kind) -> String {
    let hub = stores.hub(kind).await;
    let s = hub.scope("resume").unwrap();
    s.open("r").await.unwrap();
    let mut ids = Vec::new();
    for i in 0..200 {
        ids.push(
            s.publish("r", &OutEvent::new().data(&format!("token {i}")))
                .await
                .unwrap(),
        );
    }
    let mut times = Vec::new();
    for round in 0..500 {
        let id = ids[(round * 7) % 150].to_string();
        let t = Instant::now();
        let Ok(Resumed::Body(mut body)) = s.resume(&id).await else {
            panic!()
        };
        body.next().await.unwrap().unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    format!(
        "| resume (`Last-Event-ID` → first replayed frame) | {} | | p50 {} / p99 {} |",
        name(kind),
        micros(percentile(&times, 0.5)),
        micros(percentile(&times, 0.99))
    )
}

async fn commandstats(url: &str) -> u64 {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut conn)
        .await
        .unwrap();
    // Commands the clients sent: script calls and XREAD (commands run inside scripts are
    // counted separately by Redis and left out here).
    info.lines()
        .filter(|l| l.starts_with("cmdstat_evalsha:") || l.starts_with("cmdstat_xread:"))
        .filter_map(|l| {
            l.split("calls=")
                .nth(1)?
                .split(',')
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum()
}

/// Redis commands per published event, per host, at `subscribers` subscribers per host.
async fn commands_per_event(stores: &Stores, subscribers: usize) -> String {
    let hosts = 2;
    let mut hubs = Vec::new();
    for _ in 0..hosts {
        hubs.push(stores.hub(Kind::Redis).await);
    }
    let scope = format!("cmd{subscribers}");
    let publisher = hubs[0].scope(&scope).unwrap();
    publisher.open("s").await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..subscribers * hosts {
        let mut body = hubs[i % hosts]
            .scope(&scope)
            .unwrap()
            .subscribe("s", Since::Live)
            .await
            .unwrap();
        tasks.push(tokio::spawn(async move {
            while let Some(Ok(frame)) = body.next().await {
                if frame.ends_with(b"data: end\n\n") {
                    break;
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = commandstats(&stores.redis_url).await;
    let events = 500;
    for i in 0..events {
        publisher
            .publish("s", &OutEvent::new().data(&i.to_string()))
            .await
            .unwrap();
        // Paced, so that each event is read on its own (the worst case: no batching).
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    publisher
        .publish("s", &OutEvent::new().data("end"))
        .await
        .unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let after = commandstats(&stores.redis_url).await;
    let per_event = (after - before) as f64 / (events + 1) as f64;
    format!(
        "| Redis commands per event, {subscribers} subscribers per host, 2 hosts | redis | {per_event:.2} in all ({:.2} per host, the publisher's EVALSHA counted on one) | |",
        per_event / hosts as f64
    )
}

fn heap() -> i64 {
    counting::live()
}

async fn idle_subscriber_memory(stores: &Stores, kind: Kind) -> String {
    let hub = stores.hub(kind).await;
    let s = hub.scope("idle").unwrap();
    s.open("i").await.unwrap();
    let n = 10_000;
    let mut bodies = Vec::with_capacity(n);
    let before = heap();
    for _ in 0..n {
        let mut body = s.subscribe("i", Since::Live).await.unwrap();
        // Poll once: the body joins the live channel and waits.
        let _ = tokio::time::timeout(Duration::from_micros(1), body.next()).await;
        bodies.push(body);
    }
    let per = (heap() - before) as f64 / n as f64;
    drop(bodies);
    format!(
        "| heap per idle subscriber (10,000 bodies of one stream) | {} | {per:.0} B | |",
        name(kind)
    )
}

async fn kept_event_memory(stores: &Stores) -> (String, String) {
    let n = 100_000;
    let data = "x".repeat(100);
    // Memory: a store of its own, RSS delta.
    let mut bounds = MemoryBounds::default();
    bounds.max_events = n + 10;
    bounds.max_bytes = usize::MAX;
    let memory = MemoryStore::with_bounds(bounds);
    let hub = Hub::new(memory);
    let s = hub.scope("kept").unwrap();
    s.open("k").await.unwrap();
    let before = heap();
    for _ in 0..n {
        s.publish("k", &OutEvent::new().data(&data)).await.unwrap();
    }
    let memory_per = (heap() - before) as f64 / n as f64;
    // Redis: MEMORY USAGE of the stream.
    let store = stores.redis().await;
    let hub = Hub::new(store.clone());
    let s = hub.scope("kept").unwrap();
    s.open("k").await.unwrap();
    for _ in 0..n {
        s.publish("k", &OutEvent::new().data(&data)).await.unwrap();
    }
    let client = redis::Client::open(stores.redis_url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let key = store.key(&sse_wire_hub::store::StreamKey::new("kept", "k").unwrap());
    let bytes: u64 = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg(&key)
        .arg("SAMPLES")
        .arg(0)
        .query_async(&mut conn)
        .await
        .unwrap();
    let frame = format!("id: k-1234567890123-12345\ndata: {data}\n\n").len(); // about
    (
        format!("| memory per kept event (100 B data, {frame} B frame: heap) | memory | {memory_per:.0} B | |"),
        format!(
            "| memory per kept event (100 B data, {frame} B frame: Redis `MEMORY USAGE`) | redis | {:.0} B | |",
            bytes as f64 / n as f64
        ),
    )
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing of use: both run.
    let quick = std::env::args().any(|a| a == "--test");
    let server = RedisServer::start(false);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut bounds = MemoryBounds::default();
    bounds.max_events = 100_000;
    bounds.max_bytes = usize::MAX;
    let stores = Stores {
        memory: MemoryStore::with_bounds(bounds),
        redis_url: server.url(),
    };
    if quick {
        println!("hub bench: skipped under --test");
        return;
    }
    println!("| benchmark | store | figure | latency |");
    println!("|---|---|---|---|");
    rt.block_on(async {
        for (kind, hosts) in [
            (Kind::Memory, 1),
            (Kind::Memory, 2),
            (Kind::Redis, 1),
            (Kind::Redis, 2),
        ] {
            let scope = format!("fan-{}-{hosts}", name(kind));
            println!("{}", fanout(&stores, kind, hosts, &scope).await);
        }
        for kind in [Kind::Memory, Kind::Redis] {
            println!("{}", resume(&stores, kind).await);
        }
        for subscribers in [10, 1000] {
            println!("{}", commands_per_event(&stores, subscribers).await);
        }
        for kind in [Kind::Memory, Kind::Redis] {
            println!("{}", idle_subscriber_memory(&stores, kind).await);
        }
        let (memory, redis) = kept_event_memory(&stores).await;
        println!("{memory}\n{redis}");
    });
}
