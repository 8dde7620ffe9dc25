//! What the server-side log and the client reconnection machine cost in memory: the size of the
//! state types and the heap they hold, measured with a counting global allocator (per thread,
//! as in tests/alloc.rs). Run with `--nocapture` to see the figures.
//!
//! Pinned: a subscriber is a cursor of 8 bytes that allocates nothing; reading a published frame
//! allocates nothing (a reference count, not a copy); a published event costs its frame plus a
//! small constant; a reconnect session holds little beyond its last event ID.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::mem::size_of;
use std::time::Duration;

use bytes::Bytes;
use sse_wire::reconnect::{Action, Config, Reconnect, Verdict};
use sse_wire::replay::{Bounds, Cursor, EventLog};
use sse_wire::sse::{BytesDecoder, OutEvent};

struct Counting;

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    /// Allocations made while counting.
    static COUNT: Cell<u64> = const { Cell::new(0) };
    /// Bytes allocated minus bytes freed while counting.
    static LIVE: Cell<i64> = const { Cell::new(0) };
}

fn note(delta: i64, new_block: bool) {
    let _ = ON.try_with(|on| {
        if on.get() {
            let _ = LIVE.try_with(|l| l.set(l.get() + delta));
            if new_block {
                let _ = COUNT.try_with(|c| c.set(c.get() + 1));
            }
        }
    });
}

// SAFETY: every call is forwarded unchanged to the system allocator; the bookkeeping touches only
// const-initialised thread-locals without destructors, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size() as i64, true);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size() as i64, true);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size as i64 - layout.size() as i64, true);
        // SAFETY: as for `alloc`; `ptr` came from this allocator, hence from `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(-(layout.size() as i64), false);
        // SAFETY: `ptr` came from this allocator, hence from `System`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f`; returns its result, the allocations it made and the heap bytes still held after it.
fn measure<T>(f: impl FnOnce() -> T) -> (T, u64, i64) {
    COUNT.with(|c| c.set(0));
    LIVE.with(|l| l.set(0));
    ON.with(|on| on.set(true));
    let out = f();
    ON.with(|on| on.set(false));
    (out, COUNT.with(Cell::get), LIVE.with(Cell::get))
}

/// A ~200-byte LLM token event, as an OpenAI-style chunk.
fn token() -> String {
    let s = format!(
        r#"{{"id":"chatcmpl-9x","object":"chat.completion.chunk","created":1730000000,"model":"m","choices":[{{"index":0,"delta":{{"content":"tok"}},"finish_reason":null}}]}}{}"#,
        " ".repeat(40)
    );
    assert!((190..=210).contains(&s.len()), "{}", s.len());
    s
}

/// The default bounds, changed by `set`.
fn bounds(set: impl FnOnce(&mut Bounds)) -> Bounds {
    let mut bounds = Bounds::new();
    set(&mut bounds);
    bounds
}

#[test]
fn the_counter_sees_heap_bytes() {
    let (v, n, live) = measure(|| vec![1u8; 1000]);
    assert_eq!((n, live), (1, 1000));
    let ((), n, live) = measure(move || drop(v));
    assert_eq!((n, live), (0, -1000));
}

#[test]
fn an_idle_subscriber_is_eight_bytes_and_no_heap() {
    let mut log = EventLog::new();
    log.push_seq(OutEvent::new().data("warm")).unwrap();
    assert_eq!(size_of::<Cursor>(), 8);
    let (cursors, n, _) = measure(|| {
        let mut c = [log.subscribe(); 4];
        c[1] = Cursor::from(log.seqs().start);
        c
    });
    assert_eq!(n, 0, "subscribing allocates nothing");
    println!(
        "idle subscriber: size_of::<Cursor>() = {} bytes, heap 0 bytes ({} cursors made, {} allocations)",
        size_of::<Cursor>(),
        cursors.len(),
        n
    );
}

#[test]
fn reading_a_published_frame_allocates_nothing_and_shares_the_bytes() {
    let data = token();
    let mut log = EventLog::with_bounds(bounds(|b| b.max_events = 64));
    // Warm the log's ring to its working size.
    for _ in 0..128 {
        log.push_seq(OutEvent::new().data(&data)).unwrap();
    }
    let frame_len = log.since("126").unwrap().next().unwrap().len();
    let mut subs = vec![log.subscribe(); 10_000];
    let ((_, frame), pushes, held) = measure(|| log.push_seq(OutEvent::new().data(&data)).unwrap());
    // One push: the frame buffer plus the shared-handle header; the evicted frame was freed.
    println!(
        "publish: frame {frame_len} bytes, {pushes} allocations, net heap {held} bytes after evicting one frame"
    );
    assert!(pushes <= 2, "{pushes} allocations for one push");
    let (delivered, allocs, live) = measure(|| {
        let mut out: Vec<Bytes> = Vec::with_capacity(subs.len());
        for s in &mut subs {
            out.push(log.read(s).unwrap().unwrap());
        }
        out
    });
    let handles_vec = (delivered.capacity() * size_of::<Bytes>()) as i64;
    assert_eq!(allocs, 1, "only the caller's Vec of handles");
    assert_eq!(live, handles_vec, "no event bytes copied");
    assert!(delivered.iter().all(|b| b.as_ptr() == frame.as_ptr()));
    println!(
        "deliveries: 10000 reads, {} allocations (the caller's Vec), 0 event bytes copied",
        allocs
    );
}

#[test]
fn heap_per_kept_event() {
    let data = token();
    let mut log = EventLog::with_bounds(bounds(|b| {
        b.max_events = 1000;
        b.max_bytes = usize::MAX;
    }));
    let ((), _, held) = measure(|| {
        for _ in 0..1000 {
            log.push_seq(OutEvent::new().data(&data)).unwrap();
        }
    });
    assert_eq!(log.seqs().count(), 1000);
    let per_event = held as f64 / 1000.0;
    let frame = log.bytes() as f64 / 1000.0;
    println!(
        "kept event: {per_event:.0} heap bytes each (frame {frame:.0} + {:.0} overhead: a ring slot of {} bytes with spare capacity, and the shared-handle header), size_of::<EventLog>() = {}",
        per_event - frame,
        2 * size_of::<Bytes>(),
        size_of::<EventLog>()
    );
    assert!(per_event >= frame);
    assert!(per_event - frame < 160.0, "overhead {}", per_event - frame);
}

#[test]
fn a_reconnect_session_is_small() {
    let sizes = (
        size_of::<Reconnect>(),
        size_of::<Config>(),
        size_of::<BytesDecoder>(),
    );
    let ((session, decoder), _, held) = measure(|| {
        let mut config = Config::new();
        config.max_attempts = Some(5);
        let mut session = Reconnect::new(config);
        let mut decoder = BytesDecoder::new();
        let Some(Action::Connect(_)) = session.poll() else {
            panic!()
        };
        session.on_response(Verdict::of(200, Some(b"text/event-stream")), Duration::ZERO);
        decoder.push(Bytes::from_static(
            b"retry: 1000\nid: req7-12\ndata: token\n\n",
        ));
        for item in &mut decoder {
            item.unwrap();
        }
        session.on_body_end(&decoder, Duration::ZERO);
        assert_eq!(session.poll(), None);
        assert_eq!(session.poll_timeout(), Some(Duration::from_secs(1)));
        (session, decoder)
    });
    println!(
        "reconnect session: size_of Reconnect {} + Config (inside it) {} ; with a BytesDecoder {} : {} bytes inline, {} heap bytes after one event (id, decoder buffers)",
        sizes.0,
        sizes.1,
        sizes.2,
        sizes.0 + sizes.2,
        held
    );
    let (_, allocs, _) = measure(|| Reconnect::new(Config::new()));
    assert_eq!(allocs, 0, "a new session allocates nothing");
    assert!(held < 1024, "{held}");
    assert_eq!(session.last_event_id(), "req7-12");
    drop(decoder);
}
