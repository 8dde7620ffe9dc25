//! The hub: scopes, publishing, subscriptions and their bodies, shutdown, counters.

use core::convert::Infallible;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use thiserror::Error;
use tokio::sync::{broadcast, watch};

use crate::core::{
    encode_body, keep_alive_frame, lagged_frame, retry_frame, EncodeError, OutEvent,
};
use crate::id::{check_scope, check_stream, EventId, Malformed, NameError};
use crate::store::{
    Appended, Closed, Entry, FeedEvent, Position, ReadAnswer, Store, StoreError, StreamKey,
};
use crate::MemoryStore;

macro_rules! trace {
    ($($t:tt)*) => {
        #[cfg(feature = "tracing")]
        tracing::debug!($($t)*);
    };
}

/// What the hub does with a subscriber that fell so far behind that the store evicted events
/// it had not read yet. Either way the hub's memory stays bounded: a subscriber holds a
/// position, never a queue of its own (its frames wait in the store and in one shared ring
/// per stream, [`Config::live_buffer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SlowConsumer {
    /// End its body after the last event it read, so that it reconnects with that id; the
    /// resume then answers [`ResumeError::Evicted`] (and the server its status), never a
    /// silent partial replay. The default.
    #[default]
    End,
    /// Tell it: an event of type `lagged` (no id) whose data is the number of events it
    /// missed, then go on from the oldest event kept.
    Skip,
}

/// The hub's settings: plain data, `Config::default()` and then set what differs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// A keep-alive comment (`:`) goes out when a body was silent this long (`None`: never).
    /// Default 15 s (HTML's advice against proxies that close idle connections).
    pub keep_alive: Option<Duration>,
    /// See [`SlowConsumer`].
    pub slow_consumer: SlowConsumer,
    /// Frames of a stream held in this host's shared ring for its live subscribers. A
    /// subscriber further behind reads from the store instead. Default 256.
    pub live_buffer: usize,
    /// Frames read from the store per request when replaying. Default 256.
    pub replay_batch: usize,
    /// The `retry` of a stream's opening frame (MCP's priming event carries one). Default
    /// `None`.
    pub opening_retry: Option<Duration>,
    /// The `retry` sent as the last thing of every body at [`Hub::shutdown`], so that clients
    /// come back soon (to another host). Default 500 ms.
    pub shutdown_retry: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            keep_alive: Some(Duration::from_secs(15)),
            slow_consumer: SlowConsumer::End,
            live_buffer: 256,
            replay_batch: 256,
            opening_retry: None,
            shutdown_retry: Duration::from_millis(500),
        }
    }
}

/// The counters of one hub (this host), read with [`Hub::counters`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counters {
    /// Streams opened through this hub.
    pub opened: u64,
    /// Streams with a live feed on this host now (at most one feed each).
    pub active_streams: u64,
    /// Subscribers (open bodies) now.
    pub subscribers: u64,
    /// Events published (appended) through this hub.
    pub published: u64,
    /// Publishes that failed (refused, or the store failed).
    pub publish_failed: u64,
    /// Frames handed to bodies, replayed ones included (keep-alives not).
    pub delivered: u64,
    /// Frames of those read from the store to replay or catch up.
    pub replayed: u64,
    /// Times a subscriber found events it had not read evicted.
    pub lagged: u64,
    /// Resumes answered with an error (malformed, unknown, never issued, evicted).
    pub resumes_refused: u64,
    /// Store errors (from any operation or feed).
    pub store_errors: u64,
}

#[derive(Default)]
struct Atomics {
    opened: AtomicU64,
    subscribers: AtomicU64,
    published: AtomicU64,
    publish_failed: AtomicU64,
    delivered: AtomicU64,
    replayed: AtomicU64,
    lagged: AtomicU64,
    resumes_refused: AtomicU64,
    store_errors: AtomicU64,
}

/// Why a publish failed. Whatever the reason, the event was not kept, with one exception the
/// publisher must mind: after [`PublishError::Store`] it may have been (the reply was lost);
/// publish again with [`Scope::publish_at`] to find out without writing it twice.
#[derive(Error, Debug, Clone)]
#[non_exhaustive]
pub enum PublishError {
    /// A bad stream name.
    #[error(transparent)]
    Name(#[from] NameError),
    /// The event could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// No such stream in this scope: open it first.
    #[error("stream not open")]
    NotOpen,
    /// The stream was closed.
    #[error("stream closed")]
    Closed,
    /// [`Scope::publish_at`] expected another sequence number.
    #[error("expected sequence number {expected}, the stream is at {next}")]
    Conflict {
        /// What the caller expected.
        expected: u64,
        /// The sequence number the event would have got.
        next: u64,
    },
    /// The encoded event is larger than the store keeps.
    #[error("event larger than the store keeps")]
    TooLarge,
    /// The hub is shutting down.
    #[error("hub shutting down")]
    ShuttingDown,
    /// The store failed; the event may have been kept.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a subscription or resume was refused: each a distinct answer, so the server can send
/// the right status ([`status`](ResumeError::status)); the hub never answers a resume with a
/// silent empty or partial replay.
#[derive(Error, Debug, Clone)]
#[non_exhaustive]
pub enum ResumeError {
    /// A bad stream name.
    #[error(transparent)]
    Name(#[from] NameError),
    /// The `Last-Event-ID` is not an id this hub writes.
    #[error("malformed Last-Event-ID")]
    Malformed,
    /// No such stream in this scope, or not in the id's epoch: another scope's id, a removed or
    /// expired stream, a stream opened again since.
    #[error("unknown stream")]
    UnknownStream,
    /// The stream never issued this id (it is past the newest event).
    #[error("event id never issued (the newest is {last})")]
    NeverIssued {
        /// The newest event's sequence number.
        last: u64,
    },
    /// Events after this id were evicted (retention): a replay would miss some.
    #[error("events after this id were evicted (the oldest kept is {first})")]
    Evicted {
        /// The oldest kept event's sequence number.
        first: u64,
    },
    /// The hub is shutting down: try another host.
    #[error("hub shutting down")]
    ShuttingDown,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Malformed> for ResumeError {
    fn from(_: Malformed) -> Self {
        ResumeError::Malformed
    }
}

impl ResumeError {
    /// The HTTP status to answer with: 400 for a malformed id or bad name, 404 for an unknown
    /// stream or an id never issued, 410 (Gone) for evicted events, 503 while shutting down or
    /// when the store failed (a client may retry, on another host).
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            ResumeError::Name(_) | ResumeError::Malformed => 400,
            ResumeError::UnknownStream | ResumeError::NeverIssued { .. } => 404,
            ResumeError::Evicted { .. } => 410,
            ResumeError::ShuttingDown | ResumeError::Store(_) => 503,
        }
    }
}

/// Another failure of [`Scope::open`], [`Scope::close`], [`Scope::remove`].
#[derive(Error, Debug, Clone)]
#[non_exhaustive]
pub enum HubError {
    /// A bad name.
    #[error(transparent)]
    Name(#[from] NameError),
    /// No such stream.
    #[error("stream not open")]
    NotOpen,
    /// The hub is shutting down.
    #[error("hub shutting down")]
    ShuttingDown,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where a [`Scope::subscribe`] starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// At the stream's opening frame: everything (or [`ResumeError::Evicted`] if the oldest
    /// events are gone).
    Start,
    /// With the next event published.
    Live,
}

/// A successful resume.
#[derive(Debug)]
pub enum Resumed {
    /// The rest of the stream, live.
    Body(Subscription),
    /// The stream is closed and the client has every event: nothing to send (HTTP 204, which
    /// tells an `EventSource` to stop for good).
    Complete,
}

/// This host's live channel of a stream: the shared ring, and the sequence number after the
/// newest entry its feed handed to the ring (set before the entry is sent).
#[derive(Clone)]
struct Channel {
    tx: broadcast::Sender<Entry>,
    fed: Arc<AtomicU64>,
}

type Channels = HashMap<(StreamKey, u64), Channel>;

struct Inner {
    store: Arc<dyn Store>,
    config: Config,
    channels: Mutex<Channels>,
    counters: Atomics,
    shutdown: watch::Sender<bool>,
}

/// The hub: streams in scopes, published once, read by any number of bodies; see the
/// [crate docs](crate).
///
/// Cheap to clone (one `Arc`). Needs a tokio runtime: it spawns one task per active stream,
/// which reads the store's live feed and fans out to this host's subscribers.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

impl core::fmt::Debug for Hub {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Hub")
            .field("config", &self.inner.config)
            .field("counters", &self.counters())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Default for Hub {
    fn default() -> Self {
        Self::new(MemoryStore::new())
    }
}

impl Hub {
    /// A hub over `store`, with the default [`Config`].
    pub fn new(store: impl Store) -> Self {
        Self::with_config(store, Config::default())
    }

    /// A hub over `store` with `config`.
    pub fn with_config(store: impl Store, config: Config) -> Self {
        Self::from_arc(Arc::new(store), config)
    }

    /// A hub over a shared store.
    pub fn from_arc(store: Arc<dyn Store>, config: Config) -> Self {
        Hub {
            inner: Arc::new(Inner {
                store,
                config,
                channels: Mutex::default(),
                counters: Atomics::default(),
                shutdown: watch::Sender::new(false),
            }),
        }
    }

    /// The scope `name` (a session, a tenant: the server's choice, from its authentication): a
    /// `Last-Event-ID` resolves only inside the scope it was resumed in.
    ///
    /// # Errors
    ///
    /// A bad name: see [`check_scope`](crate::check_scope).
    pub fn scope(&self, name: &str) -> Result<Scope, NameError> {
        check_scope(name)?;
        Ok(Scope {
            hub: self.clone(),
            name: name.into(),
        })
    }

    /// The counters, now.
    #[must_use]
    pub fn counters(&self) -> Counters {
        let c = &self.inner.counters;
        Counters {
            opened: c.opened.load(Relaxed),
            active_streams: lock(&self.inner.channels).len() as u64,
            subscribers: c.subscribers.load(Relaxed),
            published: c.published.load(Relaxed),
            publish_failed: c.publish_failed.load(Relaxed),
            delivered: c.delivered.load(Relaxed),
            replayed: c.replayed.load(Relaxed),
            lagged: c.lagged.load(Relaxed),
            resumes_refused: c.resumes_refused.load(Relaxed),
            store_errors: c.store_errors.load(Relaxed),
        }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Starts a graceful shutdown: every open body sends `retry` ([`Config::shutdown_retry`])
    /// and ends, right after the frame it is sending (never inside one), so its client
    /// reconnects with the `Last-Event-ID` of the last event it got, to another host; new
    /// publishes and subscriptions are refused. Resolves once every body has ended.
    pub async fn shutdown(&self) {
        self.inner.shutdown.send_replace(true);
        let mut rx = self.inner.shutdown.subscribe();
        while self.inner.counters.subscribers.load(Relaxed) > 0 {
            // Bodies end when polled; one that nobody polls ends when dropped.
            tokio::select! {
                _ = rx.changed() => {}
                () = tokio::time::sleep(Duration::from_millis(10)) => {}
            }
        }
    }

    /// Whether [`shutdown`](Hub::shutdown) was called.
    #[must_use]
    pub fn is_shutting_down(&self) -> bool {
        *self.inner.shutdown.borrow()
    }

    fn store_error(&self, e: StoreError) -> StoreError {
        self.inner.counters.store_errors.fetch_add(1, Relaxed);
        trace!(error = %e, "store error");
        e
    }
}

/// A scope of a [`Hub`]: where streams are opened, published to and resumed.
#[derive(Clone)]
pub struct Scope {
    hub: Hub,
    name: Arc<str>,
}

impl core::fmt::Debug for Scope {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Scope").field(&self.name).finish()
    }
}

impl Scope {
    /// The scope's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    fn key(&self, stream: &str) -> Result<StreamKey, NameError> {
        check_stream(stream)?;
        Ok(StreamKey::from_checked(self.name.clone(), stream))
    }

    /// Opens `stream` (replacing one of that name: its ids no longer resolve) and returns the
    /// id of its opening frame (sequence number 0, carrying [`Config::opening_retry`]), which
    /// every subscriber from the start receives first: a client can resume before the first
    /// event.
    ///
    /// # Errors
    ///
    /// [`HubError`].
    pub async fn open(&self, stream: &str) -> Result<EventId, HubError> {
        if self.hub.is_shutting_down() {
            return Err(HubError::ShuttingDown);
        }
        let key = self.key(stream)?;
        let inner = &self.hub.inner;
        let opened = inner
            .store
            .open(&key, inner.config.opening_retry)
            .await
            .map_err(|e| self.hub.store_error(e))?;
        inner.counters.opened.fetch_add(1, Relaxed);
        trace!(scope = %self.name, stream, epoch = opened.epoch, "opened");
        Ok(key.id(opened.epoch, 0))
    }

    /// Publishes `event` to `stream`: encoded once (its own id, if any, is replaced by the
    /// hub's), kept by the store, delivered to every subscriber on every host. Returns its id.
    ///
    /// # Errors
    ///
    /// [`PublishError`]; after [`PublishError::Store`] the event may have been kept.
    pub async fn publish(
        &self,
        stream: &str,
        event: &OutEvent<'_>,
    ) -> Result<EventId, PublishError> {
        self.publish_inner(stream, event, None).await
    }

    /// [`publish`](Scope::publish), only if the event gets the sequence number `expected`
    /// (else [`PublishError::Conflict`]). A publisher that got [`PublishError::Store`] for its
    /// event `n` publishes it again with `expected = n`: a `Conflict` whose `next` is `n + 1`
    /// says the first attempt was kept. Every event exactly once, even across store failures.
    ///
    /// # Errors
    ///
    /// As for [`publish`](Scope::publish).
    pub async fn publish_at(
        &self,
        stream: &str,
        expected: u64,
        event: &OutEvent<'_>,
    ) -> Result<EventId, PublishError> {
        self.publish_inner(stream, event, Some(expected)).await
    }

    async fn publish_inner(
        &self,
        stream: &str,
        event: &OutEvent<'_>,
        expect: Option<u64>,
    ) -> Result<EventId, PublishError> {
        let result = self.try_publish(stream, event, expect).await;
        let c = &self.hub.inner.counters;
        match &result {
            Ok(_) => c.published.fetch_add(1, Relaxed),
            Err(_) => c.publish_failed.fetch_add(1, Relaxed),
        };
        result
    }

    async fn try_publish(
        &self,
        stream: &str,
        event: &OutEvent<'_>,
        expect: Option<u64>,
    ) -> Result<EventId, PublishError> {
        if self.hub.is_shutting_down() {
            return Err(PublishError::ShuttingDown);
        }
        let key = self.key(stream)?;
        let body = encode_body(event)?;
        let appended = self
            .hub
            .inner
            .store
            .append(&key, body, expect)
            .await
            .map_err(|e| self.hub.store_error(e))?;
        match appended {
            Appended::Kept { epoch, seq } => Ok(key.id(epoch, seq)),
            Appended::NotOpen => Err(PublishError::NotOpen),
            Appended::Closed => Err(PublishError::Closed),
            Appended::TooLarge => Err(PublishError::TooLarge),
            Appended::Conflict { next } => Err(PublishError::Conflict {
                expected: expect.unwrap_or(next),
                next,
            }),
        }
    }

    /// Closes `stream`: bodies end after its last event, and a resume from the last event
    /// answers [`Resumed::Complete`]. Closing twice is fine.
    ///
    /// # Errors
    ///
    /// [`HubError::NotOpen`], a name, or the store's.
    pub async fn close(&self, stream: &str) -> Result<(), HubError> {
        let key = self.key(stream)?;
        match self
            .hub
            .inner
            .store
            .close(&key)
            .await
            .map_err(|e| self.hub.store_error(e))?
        {
            Closed::Ended { .. } => Ok(()),
            Closed::NotOpen => Err(HubError::NotOpen),
        }
    }

    /// Forgets `stream`: its bodies end, its ids become unknown. Returns whether it existed.
    ///
    /// # Errors
    ///
    /// A name, or the store's.
    pub async fn remove(&self, stream: &str) -> Result<bool, HubError> {
        let key = self.key(stream)?;
        Ok(self
            .hub
            .inner
            .store
            .remove(&key)
            .await
            .map_err(|e| self.hub.store_error(e))?)
    }

    /// Where `stream` stands: the sequence number its next event gets, or `None` once it is
    /// closed. (A host that watches another host's publisher, to take over when it stalls,
    /// polls this.)
    ///
    /// # Errors
    ///
    /// [`HubError::NotOpen`], a name, or the store's.
    pub async fn next_seq(&self, stream: &str) -> Result<Option<u64>, HubError> {
        let key = self.key(stream)?;
        let answer = self
            .hub
            .inner
            .store
            .read(&key, Position::Live, 1)
            .await
            .map_err(|e| self.hub.store_error(e))?;
        match answer {
            ReadAnswer::Entries { next, entries, .. } => {
                Ok((!matches!(entries.first(), Some(Entry::End { .. }))).then_some(next))
            }
            _ => Err(HubError::NotOpen),
        }
    }

    /// A body of `stream` from its start or live.
    ///
    /// # Errors
    ///
    /// [`ResumeError`] ([`UnknownStream`](ResumeError::UnknownStream) when not open,
    /// [`Evicted`](ResumeError::Evicted) from the start of a stream whose oldest events are
    /// gone).
    pub async fn subscribe(&self, stream: &str, since: Since) -> Result<Subscription, ResumeError> {
        let key = self.key(stream)?;
        let at = match since {
            Since::Start => Position::Start,
            Since::Live => Position::Live,
        };
        match self.start(key, at).await? {
            Resumed::Body(body) => Ok(body),
            // Only a resume answers Complete.
            Resumed::Complete => Err(ResumeError::UnknownStream),
        }
    }

    /// Resumes after `last_event_id` (a request's `Last-Event-ID`), which names its stream.
    ///
    /// **Concurrent resumes** of one stream (two requests with ids of the same stream at
    /// once) are all served, each its own body from its own id: the usual case is a client
    /// whose old connection the server has not yet seen die, and refusing it (the MCP
    /// TypeScript SDK answers 409) would strand a legitimate client behind a dead one. A server
    /// that wants one body per stream keeps that rule itself (for example in its session).
    ///
    /// # Errors
    ///
    /// [`ResumeError`]: the id is malformed, of an unknown stream (another scope's ids land
    /// here), never issued, or evicted.
    pub async fn resume(&self, last_event_id: &str) -> Result<Resumed, ResumeError> {
        let result = async {
            let id = EventId::parse(last_event_id)?;
            let key = self.key(id.stream()).map_err(|_| ResumeError::Malformed)?;
            let next = id
                .seq()
                .checked_add(1)
                .ok_or(ResumeError::NeverIssued { last: u64::MAX })?;
            let at = Position::At {
                epoch: id.epoch(),
                next,
            };
            self.start(key, at).await
        }
        .await;
        if result.is_err() {
            self.hub
                .inner
                .counters
                .resumes_refused
                .fetch_add(1, Relaxed);
        }
        result
    }

    async fn start(&self, key: StreamKey, at: Position) -> Result<Resumed, ResumeError> {
        let hub = &self.hub;
        if hub.is_shutting_down() {
            return Err(ResumeError::ShuttingDown);
        }
        let inner = &hub.inner;
        let batch = inner.config.replay_batch.max(1);
        let answer = inner
            .store
            .read(&key, at, batch)
            .await
            .map_err(|e| hub.store_error(e))?;
        let (epoch, next, entries) = match answer {
            ReadAnswer::Entries {
                epoch,
                next,
                entries,
            } => (epoch, next, entries),
            ReadAnswer::UnknownStream => return Err(ResumeError::UnknownStream),
            ReadAnswer::NeverIssued { last } => return Err(ResumeError::NeverIssued { last }),
            ReadAnswer::Evicted { first } => return Err(ResumeError::Evicted { first }),
        };
        if matches!(at, Position::At { .. }) && matches!(entries.first(), Some(Entry::End { .. })) {
            return Ok(Resumed::Complete);
        }
        let full = entries.len() >= batch;
        let mut sub = Sub::new(hub.clone(), key, epoch, next);
        sub.take(entries);
        sub.catch_up = full;
        trace!(scope = %self.name, stream = sub.key.stream(), next, "subscribed");
        Ok(Resumed::Body(Subscription::new(sub)))
    }
}

/// A subscriber's body: the frames of one stream, as shared [`Bytes`] (no copies), for any
/// HTTP framework (`axum::body::Body::from_stream`, hyper through
/// `http_body_util::StreamBody`). It never fails: when it cannot go on (shutdown, the stream
/// was removed, the store failed, [`SlowConsumer::End`]) it ends after a whole frame, and
/// its client resumes with the last id it got.
pub struct Subscription {
    /// In a `Mutex` only to make the body `Sync` (hyper's `BoxBody` asks for it) without
    /// `unsafe`: polling takes `&mut self`, so it is never locked (`get_mut`).
    inner: Mutex<Frames>,
    /// Sees the body's state go: see [`on_close`](Subscription::on_close).
    closed: watch::Receiver<()>,
}

type Frames = Pin<Box<dyn Stream<Item = Result<Bytes, Infallible>> + Send>>;

impl core::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Subscription").finish_non_exhaustive()
    }
}

impl Subscription {
    fn new(sub: Sub) -> Self {
        let closed = sub.open.subscribe();
        let stream = futures_util::stream::unfold(sub, |mut sub| async move {
            let frame = sub.next_frame().await?;
            Some((Ok(frame), sub))
        });
        Subscription {
            inner: Mutex::new(Box::pin(stream)),
            closed,
        }
    }

    /// A future that resolves once this body is gone: dropped (the client went away and the
    /// server dropped the response) or ended. MCP Streamable HTTP 2026-07-28 has no
    /// resumption, and closing the response cancels the request: the task that answers it
    /// selects on this to stop.
    ///
    /// ```
    /// use sse_wire_hub::{Hub, Since};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let hub = Hub::default();
    /// let request = hub.scope("client-7")?;
    /// request.open("req-1").await?;
    /// let body = request.subscribe("req-1", Since::Start).await?;
    /// let cancelled = body.on_close();
    /// drop(body); // the client disconnected
    /// cancelled.await; // the handler stops its work
    /// # Ok(()) }
    /// ```
    pub fn on_close(&self) -> impl core::future::Future<Output = ()> + Send + 'static {
        let mut closed = self.closed.clone();
        async move { while closed.changed().await.is_ok() {} }
    }
}

impl Stream for Subscription {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let inner = self
            .inner
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.as_mut().poll_next(cx)
    }
}

enum Woke {
    Shutdown,
    Received(Result<Entry, broadcast::error::RecvError>),
    KeepAlive,
}

/// One body's state.
struct Sub {
    hub: Hub,
    key: StreamKey,
    epoch: u64,
    /// The sequence number of the next frame to deliver.
    next: u64,
    pending: VecDeque<Bytes>,
    rx: Option<broadcast::Receiver<Entry>>,
    /// Read from the store before listening again.
    catch_up: bool,
    ended: bool,
    shutdown: watch::Receiver<bool>,
    keep_alive: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Dropped with the body's state: its receivers learn the body is gone.
    open: watch::Sender<()>,
}

impl Drop for Sub {
    fn drop(&mut self) {
        self.hub.inner.counters.subscribers.fetch_sub(1, Relaxed);
    }
}

impl Sub {
    fn new(hub: Hub, key: StreamKey, epoch: u64, next: u64) -> Self {
        hub.inner.counters.subscribers.fetch_add(1, Relaxed);
        let shutdown = hub.inner.shutdown.subscribe();
        let keep_alive = hub
            .inner
            .config
            .keep_alive
            .map(|d| Box::pin(tokio::time::sleep(d)));
        Sub {
            hub,
            key,
            epoch,
            next,
            pending: VecDeque::new(),
            rx: None,
            catch_up: false,
            ended: false,
            shutdown,
            keep_alive,
            open: watch::Sender::new(()),
        }
    }

    /// Takes entries read from the store (from `self.next` on).
    fn take(&mut self, entries: Vec<Entry>) {
        for entry in entries {
            if entry.seq() < self.next {
                continue;
            }
            match entry {
                Entry::Frame { seq, frame } => {
                    self.next = seq + 1;
                    self.pending.push_back(frame);
                    self.hub.inner.counters.replayed.fetch_add(1, Relaxed);
                }
                Entry::End { .. } => {
                    self.ended = true;
                    break;
                }
            }
        }
    }

    fn sent(&mut self) {
        if let (Some(sleep), Some(every)) = (&mut self.keep_alive, self.hub.inner.config.keep_alive)
        {
            sleep.as_mut().reset(tokio::time::Instant::now() + every);
        }
    }

    /// Joins (or starts) this host's live channel of the stream. A channel that already fed
    /// entries past this subscriber's position sends it to the store first.
    fn listen(&mut self) -> broadcast::Receiver<Entry> {
        let inner = &self.hub.inner;
        let mut channels = lock(&inner.channels);
        let id = (self.key.clone(), self.epoch);
        if let Some(channel) = channels.get(&id) {
            let rx = channel.tx.subscribe();
            if channel.fed.load(Relaxed) > self.next {
                self.catch_up = true;
            }
            return rx;
        }
        let (tx, rx) = broadcast::channel(inner.config.live_buffer.max(1));
        let channel = Channel {
            tx,
            fed: Arc::new(AtomicU64::new(self.next)),
        };
        channels.insert(id, channel.clone());
        drop(channels);
        let feed = inner.store.follow(&self.key, self.epoch, self.next);
        tokio::spawn(pump(
            self.hub.clone(),
            self.key.clone(),
            self.epoch,
            feed,
            channel,
        ));
        rx
    }

    async fn next_frame(&mut self) -> Option<Bytes> {
        loop {
            if let Some(frame) = self.pending.pop_front() {
                self.hub.inner.counters.delivered.fetch_add(1, Relaxed);
                self.sent();
                return Some(frame);
            }
            if self.ended {
                return None;
            }
            if *self.shutdown.borrow() {
                self.ended = true;
                let retry = retry_frame(self.hub.inner.config.shutdown_retry);
                return (!retry.is_empty()).then_some(retry);
            }
            if self.catch_up {
                self.catch_up_once().await;
                continue;
            }
            if self.rx.is_none() {
                self.rx = Some(self.listen());
                continue;
            }
            let rx = self.rx.as_mut()?;
            let keep_alive = self.keep_alive.as_mut();
            let keep_alive = async move {
                match keep_alive {
                    Some(sleep) => sleep.await,
                    None => core::future::pending().await,
                }
            };
            let woke = tokio::select! {
                biased;
                _ = self.shutdown.changed() => Woke::Shutdown,
                received = rx.recv() => Woke::Received(received),
                () = keep_alive => Woke::KeepAlive,
            };
            match woke {
                Woke::Shutdown => {}
                Woke::Received(received) => match received {
                    Ok(entry) if entry.seq() < self.next => {}
                    Ok(entry) if entry.seq() > self.next => self.catch_up = true,
                    Ok(Entry::Frame { seq, frame }) => {
                        self.next = seq + 1;
                        self.pending.push_back(frame);
                    }
                    Ok(Entry::End { .. }) => self.ended = true,
                    // This subscriber fell behind the shared ring: the store still has them.
                    Err(broadcast::error::RecvError::Lagged(_)) => self.catch_up = true,
                    // The feed ended (stream removed or expired).
                    Err(broadcast::error::RecvError::Closed) => self.ended = true,
                },
                Woke::KeepAlive => {
                    self.sent();
                    return Some(keep_alive_frame());
                }
            }
        }
    }

    /// One read from the store at `self.next`.
    async fn catch_up_once(&mut self) {
        let inner = &self.hub.inner;
        let batch = inner.config.replay_batch.max(1);
        let at = Position::At {
            epoch: self.epoch,
            next: self.next,
        };
        match inner.store.read(&self.key, at, batch).await {
            Ok(ReadAnswer::Entries { entries, .. }) => {
                self.catch_up = entries.len() >= batch;
                self.take(entries);
            }
            Ok(ReadAnswer::Evicted { first }) => {
                inner.counters.lagged.fetch_add(1, Relaxed);
                trace!(
                    stream = self.key.stream(),
                    missed = first - self.next,
                    "lagged"
                );
                match inner.config.slow_consumer {
                    SlowConsumer::End => self.ended = true,
                    SlowConsumer::Skip => {
                        self.pending.push_back(lagged_frame(first - self.next));
                        self.next = first;
                    }
                }
            }
            Ok(ReadAnswer::UnknownStream | ReadAnswer::NeverIssued { .. }) => self.ended = true,
            Err(e) => {
                self.hub.store_error(e);
                self.ended = true;
            }
        }
    }
}

/// The one task per active stream on this host: the store's live feed into the stream's
/// shared ring, until no subscriber is left.
async fn pump(
    hub: Hub,
    key: StreamKey,
    epoch: u64,
    mut feed: crate::store::Feed,
    channel: Channel,
) {
    let inner = &hub.inner;
    let tx = &channel.tx;
    loop {
        tokio::select! {
            item = feed.next() => match item {
                Some(Ok(FeedEvent::Entries(entries))) => {
                    let mut end = false;
                    for entry in entries {
                        end |= matches!(entry, Entry::End { .. });
                        channel.fed.fetch_max(entry.seq() + 1, Relaxed);
                        let _ = tx.send(entry);
                    }
                    if end {
                        break;
                    }
                }
                Some(Ok(FeedEvent::Idle)) => {}
                Some(Err(e)) => {
                    hub.store_error(e);
                }
                Some(Ok(FeedEvent::Gone)) | None => break,
            },
            () = tx.closed() => {
                let mut channels = lock(&inner.channels);
                if tx.receiver_count() == 0 {
                    remove_channel(&mut channels, &key, epoch, tx);
                    return;
                }
            }
        }
    }
    remove_channel(&mut lock(&inner.channels), &key, epoch, tx);
}

fn remove_channel(
    channels: &mut Channels,
    key: &StreamKey,
    epoch: u64,
    tx: &broadcast::Sender<Entry>,
) {
    let id = (key.clone(), epoch);
    if channels.get(&id).is_some_and(|c| c.tx.same_channel(tx)) {
        channels.remove(&id);
    }
}
