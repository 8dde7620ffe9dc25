//! The in-memory store: one core `EventLog` per stream, in this process.

use core::time::Duration;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use tokio::sync::Notify;

use crate::core::{opening_frame, with_id_line, Log, LogCursor};
use crate::id::new_epoch;
use crate::store::{
    Appended, Closed, Entry, Feed, FeedEvent, Opened, Position, ReadAnswer, Store, StoreError,
    StoreFuture, StreamKey,
};

/// How much [`MemoryStore`] keeps per stream: the core `EventLog`'s bounds. The oldest frames go
/// first; both bounds hold at all times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemoryBounds {
    /// Most frames kept per stream (the opening frame and the end marker count). Default 1024.
    pub max_events: usize,
    /// Most bytes kept per stream. Default 1 MiB.
    pub max_bytes: usize,
}

impl Default for MemoryBounds {
    fn default() -> Self {
        MemoryBounds {
            max_events: 1024,
            max_bytes: 1 << 20,
        }
    }
}

/// The default store: each stream's frames in a core `replay::EventLog` in this process,
/// bounded by [`MemoryBounds`]. A single binary needs nothing else; streams do not survive the
/// process and are not seen by other hosts (use [`RedisStore`](crate::RedisStore) for that).
///
/// Closed streams stay until [`Store::remove`] (the hub's
/// [`Scope::remove`](crate::Scope::remove)).
#[derive(Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    streams: Mutex<HashMap<StreamKey, Arc<MemStream>>>,
    bounds: MemoryBounds,
}

struct MemStream {
    epoch: u64,
    state: Mutex<State>,
    notify: Notify,
}

struct State {
    log: Log,
    /// The end marker's sequence number.
    ended: Option<u64>,
    removed: bool,
}

impl core::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("streams", &lock(&self.inner.streams).len())
            .field("bounds", &self.inner.bounds)
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl MemoryStore {
    /// An empty store with the default bounds.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store whose streams keep at most `bounds`.
    #[must_use]
    pub fn with_bounds(bounds: MemoryBounds) -> Self {
        MemoryStore {
            inner: Arc::new(Inner {
                streams: Mutex::default(),
                bounds,
            }),
        }
    }

    fn get(&self, key: &StreamKey) -> Option<Arc<MemStream>> {
        lock(&self.inner.streams).get(key).cloned()
    }

    fn open_now(&self, key: &StreamKey, retry: Option<Duration>) -> Result<Opened, StoreError> {
        let epoch = new_epoch();
        let id = key.id(epoch, 0).to_string();
        let frame = opening_frame(&id, retry).map_err(StoreError::new)?;
        let mut log = Log::new(self.inner.bounds.max_events, self.inner.bounds.max_bytes);
        log.push(&id, frame.clone())
            .map_err(|_| StoreError::new("opening frame larger than the store's bounds"))?;
        let stream = Arc::new(MemStream {
            epoch,
            state: Mutex::new(State {
                log,
                ended: None,
                removed: false,
            }),
            notify: Notify::new(),
        });
        if let Some(old) = lock(&self.inner.streams).insert(key.clone(), stream) {
            old.remove();
        }
        Ok(Opened { epoch, frame })
    }

    fn append_now(&self, key: &StreamKey, body: &[u8], expect: Option<u64>) -> Appended {
        let Some(stream) = self.get(key) else {
            return Appended::NotOpen;
        };
        let mut state = lock(&stream.state);
        if state.removed {
            return Appended::NotOpen;
        }
        if state.ended.is_some() {
            return Appended::Closed;
        }
        let seq = state.log.end();
        if expect.is_some_and(|e| e != seq) {
            return Appended::Conflict { next: seq };
        }
        let id = key.id(stream.epoch, seq).to_string();
        if state.log.push(&id, with_id_line(&id, body)).is_err() {
            return Appended::TooLarge;
        }
        drop(state);
        stream.notify.notify_waiters();
        Appended::Kept {
            epoch: stream.epoch,
            seq,
        }
    }

    fn close_now(&self, key: &StreamKey) -> Closed {
        let Some(stream) = self.get(key) else {
            return Closed::NotOpen;
        };
        let mut state = lock(&stream.state);
        if state.removed {
            return Closed::NotOpen;
        }
        if let Some(seq) = state.ended {
            return Closed::Ended { seq };
        }
        let seq = state.log.end();
        let id = key.id(stream.epoch, seq).to_string();
        // An empty frame is the end marker; the log never holds another empty frame.
        if state.log.push(&id, Bytes::new()).is_err() {
            return Closed::NotOpen;
        }
        state.ended = Some(seq);
        drop(state);
        stream.notify.notify_waiters();
        Closed::Ended { seq }
    }

    fn remove_now(&self, key: &StreamKey) -> bool {
        let removed = lock(&self.inner.streams).remove(key);
        removed.map(|s| s.remove()).is_some()
    }

    fn read_now(&self, key: &StreamKey, at: Position, max: usize) -> ReadAnswer {
        let Some(stream) = self.get(key) else {
            return ReadAnswer::UnknownStream;
        };
        let state = lock(&stream.state);
        if state.removed {
            return ReadAnswer::UnknownStream;
        }
        // The newest frame a client can have seen: the end marker's id is never sent.
        let end = state.ended.unwrap_or(state.log.end());
        let next = match at {
            Position::Start => 0,
            Position::Live => end,
            Position::At { epoch, next } => {
                if epoch != stream.epoch {
                    return ReadAnswer::UnknownStream;
                }
                next
            }
        };
        if next > end {
            return ReadAnswer::NeverIssued { last: end - 1 };
        }
        let first = state.log.first();
        if next < first {
            return ReadAnswer::Evicted { first };
        }
        let id_of = |seq| key.id(stream.epoch, seq).to_string();
        let Some(mut cursor) = state.log.cursor_at(next, id_of) else {
            return ReadAnswer::Evicted { first };
        };
        let entries = read_entries(&state, &mut cursor, max);
        ReadAnswer::Entries {
            epoch: stream.epoch,
            next,
            entries,
        }
    }
}

impl MemStream {
    fn remove(&self) {
        lock(&self.state).removed = true;
        self.notify.notify_waiters();
    }
}

/// Up to `max` entries from `cursor`; stops at a hole (evicted under the cursor).
fn read_entries(state: &State, cursor: &mut LogCursor, max: usize) -> Vec<Entry> {
    let mut entries = Vec::new();
    while entries.len() < max {
        match state.log.read(cursor) {
            Ok(Some((seq, frame))) if frame.is_empty() => {
                entries.push(Entry::End { seq });
                break;
            }
            Ok(Some((seq, frame))) => entries.push(Entry::Frame { seq, frame }),
            Ok(None) | Err(_) => break,
        }
    }
    entries
}

impl Store for MemoryStore {
    fn open(&self, key: &StreamKey, retry: Option<Duration>) -> StoreFuture<'_, Opened> {
        let opened = self.open_now(key, retry);
        Box::pin(async move { opened })
    }

    fn append(
        &self,
        key: &StreamKey,
        body: Bytes,
        expect: Option<u64>,
    ) -> StoreFuture<'_, Appended> {
        let appended = self.append_now(key, &body, expect);
        Box::pin(async move { Ok(appended) })
    }

    fn close(&self, key: &StreamKey) -> StoreFuture<'_, Closed> {
        let closed = self.close_now(key);
        Box::pin(async move { Ok(closed) })
    }

    fn remove(&self, key: &StreamKey) -> StoreFuture<'_, bool> {
        let removed = self.remove_now(key);
        Box::pin(async move { Ok(removed) })
    }

    fn read(&self, key: &StreamKey, at: Position, max: usize) -> StoreFuture<'_, ReadAnswer> {
        let answer = self.read_now(key, at, max);
        Box::pin(async move { Ok(answer) })
    }

    fn follow(&self, key: &StreamKey, epoch: u64, next: u64) -> Feed {
        let stream = self.get(key).filter(|s| s.epoch == epoch);
        let key = key.clone();
        Box::pin(futures_util::stream::unfold(
            (stream, key, next, false),
            |(stream, key, next, done)| async move {
                let stream = stream.filter(|_| !done);
                let Some(stream) = stream else {
                    return if done {
                        None
                    } else {
                        Some((Ok(FeedEvent::Gone), (None, key, next, true)))
                    };
                };
                let watched = Arc::clone(&stream);
                loop {
                    let notified = watched.notify.notified();
                    tokio::pin!(notified);
                    notified.as_mut().enable();
                    match step(&stream, &key, next) {
                        Some(Step::Gone) => {
                            return Some((Ok(FeedEvent::Gone), (None, key, next, true)));
                        }
                        Some(Step::Entries(entries, after)) => {
                            let ended = matches!(entries.last(), Some(Entry::End { .. }));
                            let stream = (!ended).then_some(stream);
                            return Some((
                                Ok(FeedEvent::Entries(entries)),
                                (stream, key, after, ended),
                            ));
                        }
                        None => notified.await,
                    }
                }
            },
        ))
    }
}

enum Step {
    Gone,
    Entries(Vec<Entry>, u64),
}

/// What a feed at `next` can take now.
fn step(stream: &MemStream, key: &StreamKey, next: u64) -> Option<Step> {
    let state = lock(&stream.state);
    if state.removed {
        return Some(Step::Gone);
    }
    // A feed that fell behind retention jumps; its subscribers see the gap.
    let next = next.max(state.log.first());
    if next >= state.log.end() {
        return None;
    }
    let id_of = |seq| key.id(stream.epoch, seq).to_string();
    let mut cursor = state.log.cursor_at(next, id_of)?;
    let entries = read_entries(&state, &mut cursor, 256);
    Some(Step::Entries(entries, cursor.position()))
}
