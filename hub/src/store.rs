//! The store abstraction: what the hub asks of an engine that keeps the frames.
//!
//! A store keeps, per [`StreamKey`], a log of frames with dense sequence numbers (0: the opening
//! frame), at most one end marker after the last frame, and an epoch drawn when the stream was
//! opened. It answers five questions and offers one live feed; it never fans out to
//! subscribers (the hub does, one feed per active stream per host). [`MemoryStore`] and
//! [`RedisStore`] are two engines behind this one trait; a third (NATS JetStream, Postgres)
//! needs no change to the hub.
//!
//! Atomicity that a store MUST give: an append numbers its frame one past the newest, writes
//! the id line in front of the body, and refuses when the stream is closed, all as one step;
//! a read decides replayable / never issued / evicted against one consistent view.
//!
//! [`MemoryStore`]: crate::MemoryStore
//! [`RedisStore`]: crate::RedisStore

use core::future::Future;
use core::pin::Pin;
use core::time::Duration;
use std::sync::Arc;

use bytes::Bytes;
use futures_core::Stream;
use thiserror::Error;

pub use crate::id::StreamKey;

/// A store's future.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A store's live feed of one stream: see [`Store::follow`].
pub type Feed = Pin<Box<dyn Stream<Item = Result<FeedEvent, StoreError>> + Send>>;

/// The store failed (connection lost, timeout, a reply it did not expect). The operation may
/// or may not have taken effect.
#[derive(Error, Debug, Clone)]
#[error("store error: {0}")]
pub struct StoreError(Arc<dyn std::error::Error + Send + Sync>);

impl StoreError {
    /// Wraps the engine's error.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        StoreError(Arc::from(error.into()))
    }
}

/// One entry of a stream's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A frame: an encoded event with its `id:` line.
    Frame {
        /// Its sequence number.
        seq: u64,
        /// The bytes to send.
        frame: Bytes,
    },
    /// The stream was closed: nothing follows.
    End {
        /// The marker's sequence number (one past the last frame).
        seq: u64,
    },
}

impl Entry {
    /// The entry's sequence number.
    #[must_use]
    pub fn seq(&self) -> u64 {
        match self {
            Entry::Frame { seq, .. } | Entry::End { seq } => *seq,
        }
    }
}

/// A stream just opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The stream's new epoch.
    pub epoch: u64,
    /// The opening frame (sequence number 0).
    pub frame: Bytes,
}

/// What an append did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// Kept as the frame `seq` of the stream's epoch `epoch`.
    Kept {
        /// The stream's epoch.
        epoch: u64,
        /// The frame's sequence number.
        seq: u64,
    },
    /// No such stream (never opened, removed, expired).
    NotOpen,
    /// The stream is closed.
    Closed,
    /// The caller expected another sequence number; `next` is the one the frame would get.
    Conflict {
        /// The next sequence number.
        next: u64,
    },
    /// The frame is larger than the store keeps.
    TooLarge,
}

/// What a close did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// The end marker is at `seq` (now or from an earlier close).
    Ended {
        /// The marker's sequence number.
        seq: u64,
    },
    /// No such stream.
    NotOpen,
}

/// Where a read starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// At sequence number 0, the opening frame.
    Start,
    /// After the newest frame: only what comes next (or the end marker).
    Live,
    /// At sequence number `next` of epoch `epoch` (what a `Last-Event-ID` resolves to).
    At {
        /// The epoch the id was issued in.
        epoch: u64,
        /// The sequence number after the id's.
        next: u64,
    },
}

/// A read's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadAnswer {
    /// The entries from `next` on (at most the number asked for; fewer means "up to the
    /// newest"), oldest first.
    Entries {
        /// The stream's epoch.
        epoch: u64,
        /// The sequence number of the first entry asked for.
        next: u64,
        /// The entries.
        entries: Vec<Entry>,
    },
    /// No such stream in this scope, or not in that epoch.
    UnknownStream,
    /// The position is past the newest frame: the id was never issued. `last` is the newest
    /// frame's sequence number.
    NeverIssued {
        /// The newest frame's sequence number.
        last: u64,
    },
    /// Frames at and after the position were evicted (retention): the oldest kept is `first`.
    Evicted {
        /// The oldest kept entry's sequence number.
        first: u64,
    },
}

/// What a live feed yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedEvent {
    /// New entries, in order, without gaps from where the feed started (a feed whose own read
    /// fell behind retention may jump: subscribers notice the gap and ask the store).
    Entries(Vec<Entry>),
    /// Nothing new for a while (the feed is alive).
    Idle,
    /// The stream was removed, expired, or opened again as another epoch: the feed ends.
    Gone,
}

/// A store of streams: see the [module docs](self).
pub trait Store: Send + Sync + 'static {
    /// Opens `key` (replacing a stream of that name) with a fresh epoch, and keeps its opening
    /// frame (id, and `retry` if given) as sequence number 0.
    fn open(&self, key: &StreamKey, retry: Option<Duration>) -> StoreFuture<'_, Opened>;

    /// Appends `body` (an event encoded without id) as the next frame, with the id line
    /// `id: {stream}-{epoch}-{seq}` written in front. With `expect`, refuses unless the frame
    /// would get that sequence number ([`Appended::Conflict`]): a publisher that retries after
    /// an error it cannot read (did the append happen?) learns whether it did.
    fn append(
        &self,
        key: &StreamKey,
        body: Bytes,
        expect: Option<u64>,
    ) -> StoreFuture<'_, Appended>;

    /// Writes the end marker (once; a second close reports the first marker).
    fn close(&self, key: &StreamKey) -> StoreFuture<'_, Closed>;

    /// Forgets the stream; returns whether it existed.
    fn remove(&self, key: &StreamKey) -> StoreFuture<'_, bool>;

    /// Reads at most `max` entries from `at`, deciding first whether `at` can be read.
    fn read(&self, key: &StreamKey, at: Position, max: usize) -> StoreFuture<'_, ReadAnswer>;

    /// A live feed of the stream's entries from sequence number `next` of `epoch` on. It
    /// reports store errors and goes on (reconnecting), and ends after [`FeedEvent::Gone`] or
    /// an [`Entry::End`]. The hub holds at most one per active stream per host.
    fn follow(&self, key: &StreamKey, epoch: u64, next: u64) -> Feed;
}
