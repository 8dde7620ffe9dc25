//! Scope and stream names, and the event ids the hub issues (see [`EventId`]).

use core::fmt;

use thiserror::Error;

/// The longest scope or stream name, in bytes.
pub const MAX_NAME: usize = 128;

/// The largest epoch (exclusive).
pub(crate) const EPOCH_LIMIT: u64 = 1 << 40;

/// A scope or stream name that the hub refuses.
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty.
    #[error("empty name")]
    Empty,
    /// The name is longer than [`MAX_NAME`] bytes.
    #[error("name of {len} bytes is longer than {MAX_NAME}")]
    TooLong {
        /// Its length.
        len: usize,
    },
    /// The name holds a byte it may not (at this offset).
    #[error("name holds a forbidden byte 0x{byte:02x} at {at}")]
    Forbidden {
        /// The byte.
        byte: u8,
        /// Its offset.
        at: usize,
    },
}

fn check(name: &str, allowed: impl Fn(u8) -> bool) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > MAX_NAME {
        return Err(NameError::TooLong { len: name.len() });
    }
    match name.bytes().position(|b| !allowed(b)) {
        Some(at) => Err(NameError::Forbidden {
            byte: name.as_bytes()[at],
            at,
        }),
        None => Ok(()),
    }
}

/// Checks a scope name: visible ASCII (`!` to `~`) but `:`, which separates the parts of a
/// Redis key.
///
/// # Errors
///
/// [`NameError`].
pub fn check_scope(name: &str) -> Result<(), NameError> {
    check(name, |b| b.is_ascii_graphic() && b != b':')
}

/// Checks a stream name: ASCII letters, digits, `.`, `_`, `~` and `-` (URL-unreserved bytes,
/// which any header and any Redis key carry as they are).
///
/// # Errors
///
/// [`NameError`].
pub fn check_stream(name: &str) -> Result<(), NameError> {
    check(name, |b| b.is_ascii_alphanumeric() || b"._~-".contains(&b))
}

/// Why a `Last-Event-ID` is not an id this hub could have issued.
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
#[error("malformed event id")]
pub struct Malformed;

/// An event id, parsed.
///
/// An event id is `{stream}-{epoch}-{seq}`:
///
/// * `stream` is the stream's name (`[A-Za-z0-9._~-]`, 1 to [`MAX_NAME`] bytes), so that a
///   `Last-Event-ID` alone finds its stream (MCP 2025-11-25 asks for ids that identify the
///   stream);
/// * `epoch` is a random number (1 to 2⁴⁰) drawn when the stream is opened: a stream removed and
///   opened again under the same name is another stream, and the old ids do not resolve in it
///   (Redis forgets a stream's ids when its key is deleted or expires);
/// * `seq` is the event's sequence number in the stream, dense: 0 for the opening frame, then
///   one more per event. Dense numbers are what tell an evicted id (below the oldest kept)
///   from one never issued (above the newest).
///
/// The scope is not in the id: it is where the server looks the id up. The same id sent in
/// another scope names a stream of that scope, which is either missing or another epoch: the
/// id is unknown there ([`ResumeError::UnknownStream`](crate::ResumeError::UnknownStream)).
///
///
/// ```
/// use sse_wire_hub::EventId;
///
/// let id = EventId::parse("answer-7-2-12")?;
/// assert_eq!((id.stream(), id.epoch(), id.seq()), ("answer-7", 2, 12));
/// assert_eq!(id.to_string(), "answer-7-2-12");
/// assert!(EventId::parse("answer-7-2-012").is_err()); // one spelling per id
/// assert!(EventId::parse("answer-0-99999999999999999999").is_err());
/// # Ok::<(), sse_wire_hub::Malformed>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventId {
    stream: Box<str>,
    epoch: u64,
    seq: u64,
}

impl EventId {
    pub(crate) fn new(stream: &str, epoch: u64, seq: u64) -> Self {
        EventId {
            stream: stream.into(),
            epoch,
            seq,
        }
    }

    /// Parses an id as the hub writes it. Anything else (extra zeros, signs, numbers beyond
    /// `u64`, an epoch out of range, a bad stream name, more than 200 bytes) is [`Malformed`].
    ///
    /// # Errors
    ///
    /// [`Malformed`].
    pub fn parse(text: &str) -> Result<Self, Malformed> {
        if text.len() > 200 {
            return Err(Malformed);
        }
        let mut parts = text.rsplitn(3, '-');
        let seq = parts.next().and_then(number).ok_or(Malformed)?;
        let epoch = parts.next().and_then(number).ok_or(Malformed)?;
        let stream = parts.next().ok_or(Malformed)?;
        if epoch == 0 || epoch >= EPOCH_LIMIT || check_stream(stream).is_err() {
            return Err(Malformed);
        }
        Ok(EventId::new(stream, epoch, seq))
    }

    /// The stream's name.
    #[must_use]
    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// The stream's epoch.
    #[must_use]
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The event's sequence number in its stream (0: the opening frame).
    #[must_use]
    pub fn seq(&self) -> u64 {
        self.seq
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.stream, self.epoch, self.seq)
    }
}

/// A `u64` in plain decimal (no sign, no leading zero).
fn number(text: &str) -> Option<u64> {
    if text.is_empty()
        || text.len() > 20
        || !text.bytes().all(|b| b.is_ascii_digit())
        || (text.len() > 1 && text.starts_with('0'))
    {
        return None;
    }
    text.parse().ok()
}

/// A fresh epoch: random enough that a stream opened again under the same name, on any host,
/// does not meet its predecessor's ids. (std's `RandomState` is seeded from the OS.)
pub(crate) fn new_epoch() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    (h.finish() % (EPOCH_LIMIT - 1)) + 1
}

/// A stream inside its scope: the pair every store operation names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamKey {
    scope: std::sync::Arc<str>,
    stream: std::sync::Arc<str>,
}

impl StreamKey {
    /// Checks both names.
    ///
    /// # Errors
    ///
    /// [`NameError`] for either.
    pub fn new(scope: &str, stream: &str) -> Result<Self, NameError> {
        check_scope(scope)?;
        check_stream(stream)?;
        Ok(StreamKey {
            scope: scope.into(),
            stream: stream.into(),
        })
    }

    pub(crate) fn from_checked(scope: std::sync::Arc<str>, stream: &str) -> Self {
        StreamKey {
            scope,
            stream: stream.into(),
        }
    }

    /// The scope.
    #[must_use]
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The stream.
    #[must_use]
    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// The id of the event `seq` of this stream in `epoch`.
    #[must_use]
    pub fn id(&self, epoch: u64, seq: u64) -> EventId {
        EventId::new(&self.stream, epoch, seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(check_stream(""), Err(NameError::Empty));
        assert!(check_stream("a.b_c~d-1").is_ok());
        assert_eq!(
            check_stream("a/b"),
            Err(NameError::Forbidden { byte: b'/', at: 1 })
        );
        assert!(check_scope("user@example.com/x").is_ok());
        assert!(check_scope("a:b").is_err());
        assert!(check_scope("a b").is_err());
        assert!(check_scope(&"x".repeat(MAX_NAME + 1)).is_err());
    }

    #[test]
    fn epochs_in_range() {
        for _ in 0..1000 {
            let e = new_epoch();
            assert!((1..EPOCH_LIMIT).contains(&e));
        }
        assert_ne!(new_epoch(), new_epoch());
    }
}
