//! The Redis Streams store: see [`RedisStore`].

use core::time::Duration;
use std::sync::Arc;

use bytes::Bytes;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::{AsyncConnectionConfig, Client, Script, Value};

use crate::core::opening_frame;
use crate::id::new_epoch;
use crate::store::{
    Appended, Closed, Entry, Feed, FeedEvent, Opened, Position, ReadAnswer, Store, StoreError,
    StoreFuture, StreamKey,
};

/// The settings of a [`RedisStore`]: plain data, `RedisConfig::default()` then set what
/// differs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RedisConfig {
    /// The first part of every key. Default `"sse"`.
    pub prefix: String,
    /// Most entries kept per stream (exact `MAXLEN`; the opening frame and the end marker
    /// count). Default 1024.
    pub max_len: usize,
    /// Entries older than this are trimmed at the stream's next append (`None`: no age
    /// bound). Default 10 minutes.
    pub max_age: Option<Duration>,
    /// A stream not written for this long expires whole (`PEXPIRE` after every write), so an
    /// idle stream is not kept beyond its age bound either. Default 10 minutes.
    pub idle_ttl: Duration,
    /// How long a command may take before it counts as failed (the store then reports a
    /// [`StoreError`]). Default 5 s.
    pub response_timeout: Duration,
    /// How long one blocking read of a live feed waits before it checks that its stream still
    /// exists. Default 2 s.
    pub block: Duration,
}

impl Default for RedisConfig {
    fn default() -> Self {
        RedisConfig {
            prefix: "sse".into(),
            max_len: 1024,
            max_age: Some(Duration::from_secs(600)),
            idle_ttl: Duration::from_secs(600),
            response_timeout: Duration::from_secs(5),
            block: Duration::from_secs(2),
        }
    }
}

/// Streams in Redis Streams, shared by every host that connects to the same server. Cheap to
/// clone.
///
/// One Redis stream per hub stream, at the key `{prefix}:{scope}:{stream}` (neither name holds
/// `:`, so a scope is a key namespace: `SCAN MATCH sse:tenant-a:*` lists it, ACL key patterns
/// can fence it). Entry ids are `{seq}-{epoch}`: the sequence number in the milliseconds part
/// (dense: 0, 1, 2, ...) and the stream's epoch in the sequence part, so the ids increase, and
/// the event id `{stream}-{epoch}-{seq}` is read straight off the entry id on any host.
///
/// Each entry holds the whole frame, `id:` line included, encoded once (field `f`), and the
/// server's time of the append in ms (field `t`, for retention by age); the end marker holds
/// field `c` instead of `f`. Every operation is one Lua script (`EVALSHA`), so that numbering,
/// writing and trimming are atomic:
///
/// * open: `DEL`, `XADD k 0-{epoch}`, `PEXPIRE`;
/// * append: `XREVRANGE k + - COUNT 1` (the newest: the next sequence number, the epoch,
///   whether closed), `XADD k MAXLEN {max_len} {seq}-{epoch}`, an `XTRIM MINID` of the
///   entries older than `max_age`, `PEXPIRE k {idle_ttl}` (XADD keeps but never refreshes a
///   TTL);
/// * read: the oldest and newest entries decide *unknown* (no key, or another epoch), *never
///   issued* (past the newest) and *evicted* (before the oldest: ids are dense, so a gap is
///   exact), then `XRANGE k {next}-{epoch} + COUNT n`.
///
/// The live feed of a stream is one `XREAD BLOCK` loop on a connection of its own (a blocked
/// XREAD holds its connection), with redis-rs's response timeout set above the block time (its
/// default of 500 ms would cut every blocking read); the hub runs one per active stream per
/// host, whatever the number of subscribers. After a lost connection (Redis restarted) it
/// reconnects and goes on from the last entry it read, never from `$`.
///
/// Tried with Debian's redis-server 7.0.15; Valkey speaks the same protocol but was not
/// tried.
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    conn: ConnectionManager,
    config: RedisConfig,
    open: Script,
    append: Script,
    close: Script,
    read: Script,
}

impl core::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RedisStore")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

fn err(e: redis::RedisError) -> StoreError {
    StoreError::new(e)
}

fn bad_reply(what: &str) -> StoreError {
    StoreError::new(format!("unexpected reply from Redis: {what}"))
}

const LUA_NOW: &str = "local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
";

const LUA_TOP: &str = "local k = KEYS[1]
local top = redis.call('XREVRANGE', k, '+', '-', 'COUNT', 1)
if #top == 0 then return {0} end
local d = string.find(top[1][1], '-', 1, true)
local n = tonumber(string.sub(top[1][1], 1, d - 1))
local e = string.sub(top[1][1], d + 1)
local closed = top[1][2][1] == 'c'
";

/// ARGV: epoch, frame, ttl ms.
const OPEN: &str = "redis.call('DEL', KEYS[1])
redis.call('XADD', KEYS[1], '0-' .. ARGV[1], 'f', ARGV[2], 't', string.format('%d', now))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
";

/// ARGV: body, expected seq or '', max len, max age ms (0: none), ttl ms, stream name.
const APPEND: &str = "if closed then return {1} end
local seq = string.format('%d', n + 1)
if ARGV[2] ~= '' and ARGV[2] ~= seq then return {2, seq} end
local frame = 'id: ' .. ARGV[6] .. '-' .. e .. '-' .. seq .. '\\n' .. ARGV[1]
redis.call('XADD', k, 'MAXLEN', ARGV[3], seq .. '-' .. e, 'f', frame, 't', string.format('%d', now))
local maxage = tonumber(ARGV[4])
if maxage > 0 then
  local old = redis.call('XRANGE', k, '-', '+', 'COUNT', 64)
  local keep = nil
  for i = 1, #old do
    if tonumber(old[i][2][4]) >= now - maxage then
      keep = old[i][1]
      break
    end
  end
  if keep == nil then
    local last = old[#old][1]
    local dd = string.find(last, '-', 1, true)
    keep = string.format('%d', tonumber(string.sub(last, 1, dd - 1)) + 1) .. '-' .. e
  end
  if keep ~= old[1][1] then redis.call('XTRIM', k, 'MINID', keep) end
end
redis.call('PEXPIRE', k, ARGV[5])
return {3, e, seq}
";

/// ARGV: max len, ttl ms.
const CLOSE: &str = "if closed then return {3, string.format('%d', n)} end
local seq = string.format('%d', n + 1)
redis.call('XADD', k, 'MAXLEN', ARGV[1], seq .. '-' .. e, 'c', '1', 't', string.format('%d', now))
redis.call('PEXPIRE', k, ARGV[2])
return {3, seq}
";

/// ARGV: mode (s: start, l: live, a: at), epoch, next, count.
const READ: &str = "local first = redis.call('XRANGE', k, '-', '+', 'COUNT', 1)
local fd = string.find(first[1][1], '-', 1, true)
local fn = tonumber(string.sub(first[1][1], 1, fd - 1))
if ARGV[1] == 'a' and ARGV[2] ~= e then return {0} end
local stop = n + 1
if closed then stop = n end
local next = stop
if ARGV[1] == 's' then next = 0 elseif ARGV[1] == 'a' then next = tonumber(ARGV[3]) end
if next > stop then return {1, string.format('%d', stop - 1)} end
if next < fn then return {2, string.format('%d', fn)} end
local rows = redis.call('XRANGE', k, string.format('%d', next) .. '-' .. e, '+', 'COUNT', ARGV[4])
return {3, e, string.format('%d', next), rows}
";

impl RedisStore {
    /// Connects to the Redis server at `url` (`redis://host:port/db`, `redis+unix:///path`).
    ///
    /// # Errors
    ///
    /// A bad URL, or no server there.
    pub async fn connect(url: &str, config: RedisConfig) -> Result<Self, StoreError> {
        let client = Client::open(url).map_err(err)?;
        let manager = ConnectionManagerConfig::new()
            .set_response_timeout(Some(config.response_timeout))
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_number_of_retries(3)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_with_config(client.clone(), manager)
            .await
            .map_err(err)?;
        Ok(RedisStore {
            inner: Arc::new(Inner {
                client,
                conn,
                config,
                open: Script::new(&format!("{LUA_NOW}{OPEN}")),
                append: Script::new(&format!("{LUA_TOP}{LUA_NOW}{APPEND}")),
                close: Script::new(&format!("{LUA_TOP}{LUA_NOW}{CLOSE}")),
                read: Script::new(&format!("{LUA_TOP}{READ}")),
            }),
        })
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &RedisConfig {
        &self.inner.config
    }

    /// The Redis key of a stream.
    #[must_use]
    pub fn key(&self, key: &StreamKey) -> String {
        format!(
            "{}:{}:{}",
            self.inner.config.prefix,
            key.scope(),
            key.stream()
        )
    }

    fn ttl_ms(&self) -> u64 {
        u64::try_from(self.inner.config.idle_ttl.as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        _ => None,
    }
}

fn text(v: &Value) -> Option<&[u8]> {
    match v {
        Value::BulkString(b) => Some(b),
        Value::SimpleString(s) => Some(s.as_bytes()),
        _ => None,
    }
}

fn number(v: &Value) -> Option<u64> {
    core::str::from_utf8(text(v)?).ok()?.parse().ok()
}

fn array(v: Value) -> Option<Vec<Value>> {
    match v {
        Value::Array(a) | Value::Set(a) => Some(a),
        _ => None,
    }
}

/// `{seq}-{epoch}`.
fn entry_id(id: &[u8]) -> Option<(u64, u64)> {
    let id = core::str::from_utf8(id).ok()?;
    let (seq, epoch) = id.split_once('-')?;
    Some((seq.parse().ok()?, epoch.parse().ok()?))
}

/// Stream entries as `XRANGE`/`XREAD` return them: `[id, [field, value, ...]]`; with `epoch`,
/// `None` when one is of another epoch.
fn entries(rows: Value) -> Result<Vec<Entry>, StoreError> {
    Ok(entries_of(rows, None)?.unwrap_or_default())
}

fn entries_of(rows: Value, epoch: Option<u64>) -> Result<Option<Vec<Entry>>, StoreError> {
    let rows = array(rows).ok_or_else(|| bad_reply("entries"))?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut row = array(row).ok_or_else(|| bad_reply("entry"))?.into_iter();
        let (Some(id), Some(fields)) = (row.next(), row.next()) else {
            return Err(bad_reply("entry"));
        };
        let (seq, e) = text(&id)
            .and_then(entry_id)
            .ok_or_else(|| bad_reply("entry id"))?;
        if epoch.is_some_and(|epoch| epoch != e) {
            return Ok(None);
        }
        let mut fields = array(fields)
            .ok_or_else(|| bad_reply("fields"))?
            .into_iter();
        match (fields.next().as_ref().and_then(text), fields.next()) {
            (Some(b"f"), Some(Value::BulkString(frame))) => out.push(Entry::Frame {
                seq,
                frame: Bytes::from(frame),
            }),
            (Some(b"c"), _) => out.push(Entry::End { seq }),
            _ => return Err(bad_reply("fields")),
        }
    }
    Ok(Some(out))
}

impl Store for RedisStore {
    fn open(&self, key: &StreamKey, retry: Option<Duration>) -> StoreFuture<'_, Opened> {
        let rkey = self.key(key);
        let epoch = new_epoch();
        let frame = opening_frame(&key.id(epoch, 0).to_string(), retry);
        let ttl = self.ttl_ms();
        Box::pin(async move {
            let frame = frame.map_err(StoreError::new)?;
            let mut conn = self.inner.conn.clone();
            let _: Value = self
                .inner
                .open
                .key(&rkey)
                .arg(epoch)
                .arg(&frame[..])
                .arg(ttl)
                .invoke_async(&mut conn)
                .await
                .map_err(err)?;
            Ok(Opened { epoch, frame })
        })
    }

    fn append(
        &self,
        key: &StreamKey,
        body: Bytes,
        expect: Option<u64>,
    ) -> StoreFuture<'_, Appended> {
        let rkey = self.key(key);
        let stream = key.stream().to_owned();
        let ttl = self.ttl_ms();
        Box::pin(async move {
            let config = &self.inner.config;
            let max_age = config.max_age.map_or(0, |d| {
                u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
            });
            let mut conn = self.inner.conn.clone();
            let reply: Value = self
                .inner
                .append
                .key(&rkey)
                .arg(&body[..])
                .arg(expect.map(|e| e.to_string()).unwrap_or_default())
                .arg(config.max_len.max(1))
                .arg(max_age)
                .arg(ttl)
                .arg(stream)
                .invoke_async(&mut conn)
                .await
                .map_err(err)?;
            let reply = array(reply).ok_or_else(|| bad_reply("append"))?;
            match reply.first().and_then(int) {
                Some(0) => Ok(Appended::NotOpen),
                Some(1) => Ok(Appended::Closed),
                Some(2) => {
                    let next = reply.get(1).and_then(number);
                    Ok(Appended::Conflict {
                        next: next.ok_or_else(|| bad_reply("append"))?,
                    })
                }
                Some(3) => match (reply.get(1).and_then(number), reply.get(2).and_then(number)) {
                    (Some(epoch), Some(seq)) => Ok(Appended::Kept { epoch, seq }),
                    _ => Err(bad_reply("append")),
                },
                _ => Err(bad_reply("append")),
            }
        })
    }

    fn close(&self, key: &StreamKey) -> StoreFuture<'_, Closed> {
        let rkey = self.key(key);
        let ttl = self.ttl_ms();
        Box::pin(async move {
            let mut conn = self.inner.conn.clone();
            let reply: Value = self
                .inner
                .close
                .key(&rkey)
                .arg(self.inner.config.max_len.max(1))
                .arg(ttl)
                .invoke_async(&mut conn)
                .await
                .map_err(err)?;
            let reply = array(reply).ok_or_else(|| bad_reply("close"))?;
            match (reply.first().and_then(int), reply.get(1).and_then(number)) {
                (Some(0), _) => Ok(Closed::NotOpen),
                (Some(3), Some(seq)) => Ok(Closed::Ended { seq }),
                _ => Err(bad_reply("close")),
            }
        })
    }

    fn remove(&self, key: &StreamKey) -> StoreFuture<'_, bool> {
        let rkey = self.key(key);
        Box::pin(async move {
            let mut conn = self.inner.conn.clone();
            let removed: i64 = redis::cmd("DEL")
                .arg(&rkey)
                .query_async(&mut conn)
                .await
                .map_err(err)?;
            Ok(removed > 0)
        })
    }

    fn read(&self, key: &StreamKey, at: Position, max: usize) -> StoreFuture<'_, ReadAnswer> {
        let rkey = self.key(key);
        let (mode, epoch, next) = match at {
            Position::Start => ("s", 0, 0),
            Position::Live => ("l", 0, 0),
            Position::At { epoch, next } => ("a", epoch, next),
        };
        Box::pin(async move {
            let mut conn = self.inner.conn.clone();
            let reply: Value = self
                .inner
                .read
                .key(&rkey)
                .arg(mode)
                .arg(epoch)
                .arg(next)
                .arg(max.max(1))
                .invoke_async(&mut conn)
                .await
                .map_err(err)?;
            let mut reply = array(reply).ok_or_else(|| bad_reply("read"))?.into_iter();
            let code = reply.next().as_ref().and_then(int);
            let first = reply.next();
            let second = reply.next();
            match code {
                Some(0) => Ok(ReadAnswer::UnknownStream),
                Some(1) => Ok(ReadAnswer::NeverIssued {
                    last: first.as_ref().and_then(number).unwrap_or(0),
                }),
                Some(2) => Ok(ReadAnswer::Evicted {
                    first: first.as_ref().and_then(number).unwrap_or(0),
                }),
                Some(3) => {
                    let epoch = first.as_ref().and_then(number);
                    let next = second.as_ref().and_then(number);
                    let rows = reply.next();
                    match (epoch, next, rows) {
                        (Some(epoch), Some(next), Some(rows)) => Ok(ReadAnswer::Entries {
                            epoch,
                            next,
                            entries: entries(rows)?,
                        }),
                        _ => Err(bad_reply("read")),
                    }
                }
                _ => Err(bad_reply("read")),
            }
        })
    }

    fn follow(&self, key: &StreamKey, epoch: u64, next: u64) -> Feed {
        let follower = Follower {
            store: self.clone(),
            rkey: self.key(key),
            epoch,
            next,
            conn: None,
            failures: 0,
            done: false,
        };
        Box::pin(futures_util::stream::unfold(follower, |mut f| async move {
            let item = f.step().await?;
            Some((item, f))
        }))
    }
}

/// One stream's live reader.
struct Follower {
    store: RedisStore,
    rkey: String,
    epoch: u64,
    next: u64,
    /// The connection this reader blocks on (its own).
    conn: Option<MultiplexedConnection>,
    /// Failures in a row.
    failures: u32,
    done: bool,
}

impl Follower {
    async fn step(&mut self) -> Option<Result<FeedEvent, StoreError>> {
        loop {
            if self.done {
                return None;
            }
            if self.failures > 0 {
                let ms = 50u64 << self.failures.min(4);
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            let config = &self.store.inner.config;
            let conn = match &mut self.conn {
                Some(conn) => conn,
                None => {
                    let settings = AsyncConnectionConfig::new()
                        .set_connection_timeout(Some(Duration::from_secs(1)))
                        .set_response_timeout(Some(config.block + config.response_timeout));
                    match self
                        .store
                        .inner
                        .client
                        .get_multiplexed_async_connection_with_config(&settings)
                        .await
                    {
                        Ok(conn) => self.conn.insert(conn),
                        Err(e) => {
                            self.failures += 1;
                            return Some(Err(err(e)));
                        }
                    }
                }
            };
            let after = match self.next {
                0 => "0-0".to_owned(),
                n => format!("{}-{}", n - 1, self.epoch),
            };
            let block = u64::try_from(config.block.as_millis())
                .unwrap_or(u64::MAX)
                .max(1);
            let reply: Result<Value, _> = redis::cmd("XREAD")
                .arg("COUNT")
                .arg(256)
                .arg("BLOCK")
                .arg(block)
                .arg("STREAMS")
                .arg(&self.rkey)
                .arg(after)
                .query_async(conn)
                .await;
            match reply {
                Ok(Value::Nil) => {
                    self.failures = 0;
                    return Some(match self.alive().await {
                        Ok(true) => Ok(FeedEvent::Idle),
                        Ok(false) => {
                            self.done = true;
                            Ok(FeedEvent::Gone)
                        }
                        Err(e) => Err(e),
                    });
                }
                Ok(reply) => {
                    self.failures = 0;
                    let found = match xread_entries(reply, self.epoch) {
                        Ok(Some(found)) => found,
                        Ok(None) => {
                            // The stream was opened again: another epoch.
                            self.done = true;
                            return Some(Ok(FeedEvent::Gone));
                        }
                        Err(e) => return Some(Err(e)),
                    };
                    if let Some(last) = found.last() {
                        self.next = last.seq() + 1;
                        self.done = matches!(last, Entry::End { .. });
                        return Some(Ok(FeedEvent::Entries(found)));
                    }
                }
                Err(e) => {
                    self.conn = None;
                    self.failures += 1;
                    return Some(Err(err(e)));
                }
            }
        }
    }

    /// Whether the stream still exists in this epoch.
    async fn alive(&self) -> Result<bool, StoreError> {
        let mut conn = self.store.inner.conn.clone();
        let first: Value = redis::cmd("XRANGE")
            .arg(&self.rkey)
            .arg("-")
            .arg("+")
            .arg("COUNT")
            .arg(1)
            .query_async(&mut conn)
            .await
            .map_err(err)?;
        let first = array(first).unwrap_or_default();
        let epoch = first
            .into_iter()
            .next()
            .and_then(array)
            .and_then(|row| row.first().and_then(text).and_then(entry_id));
        Ok(epoch.is_some_and(|(_, e)| e == self.epoch))
    }
}

/// The entries of an `XREAD` reply for one key: `[[key, entries]]` (a map under RESP3).
fn xread_entries(reply: Value, epoch: u64) -> Result<Option<Vec<Entry>>, StoreError> {
    let streams = match reply {
        Value::Map(pairs) => pairs.into_iter().map(|(_, v)| v).collect(),
        other => array(other)
            .ok_or_else(|| bad_reply("xread"))?
            .into_iter()
            .filter_map(|s| array(s).and_then(|s| s.into_iter().nth(1)))
            .collect::<Vec<_>>(),
    };
    let mut out = Vec::new();
    for rows in streams {
        match entries_of(rows, Some(epoch))? {
            Some(found) => out.extend(found),
            None => return Ok(None),
        }
    }
    Ok(Some(out))
}
