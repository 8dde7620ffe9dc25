use alloc::{collections::VecDeque, string::String, vec::Vec};
use core::{fmt, time::Duration};

use bytes::{Buf, Bytes, BytesMut};

use super::engine::{push_lossy, Engine, Raw, Span};
use super::{DecodeError, Truncated};
use crate::owned_input::OwnedInput;
use crate::Str;

/// Size limits that bound the memory a [`Decoder`] makes its caller hold.
///
/// Both limits count raw input bytes. Exceeding one returns a [`DecodeError`]; the event in
/// progress is discarded and decoding resumes after the next blank line.
///
/// ```
/// use sse_wire::sse::{Decoder, Limits};
///
/// let limits = Limits::default().max_line_len(64 * 1024).max_event_size(256 * 1024);
/// let decoder = Decoder::with_limits(limits);
/// assert_eq!(decoder.limits().max_event_size, 256 * 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Longest line accepted, line end excluded. Default: 8 MiB.
    ///
    /// This bounds the bytes a caller must keep for a line that has not ended yet.
    pub max_line_len: usize,
    /// Most data one event may carry (the joined `data` lines, as dispatched). Default: 16 MiB.
    pub max_event_size: usize,
}

impl Limits {
    /// Default for [`max_line_len`](Limits::max_line_len): 8 MiB.
    pub const DEFAULT_MAX_LINE_LEN: usize = 8 << 20;
    /// Default for [`max_event_size`](Limits::max_event_size): 16 MiB.
    pub const DEFAULT_MAX_EVENT_SIZE: usize = 16 << 20;

    /// Sets [`max_line_len`](Limits::max_line_len).
    #[must_use]
    pub const fn max_line_len(mut self, bytes: usize) -> Self {
        self.max_line_len = bytes;
        self
    }

    /// Sets [`max_event_size`](Limits::max_event_size).
    #[must_use]
    pub const fn max_event_size(mut self, bytes: usize) -> Self {
        self.max_event_size = bytes;
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_len: Self::DEFAULT_MAX_LINE_LEN,
            max_event_size: Self::DEFAULT_MAX_EVENT_SIZE,
        }
    }
}

/// The last event ID string, kept in whichever form the decoding path made it.
#[derive(Clone)]
enum LastId {
    Shared(Str),
    Owned(String),
}

impl LastId {
    fn as_str(&self) -> &str {
        match self {
            LastId::Shared(s) => s,
            LastId::Owned(s) => s,
        }
    }

    fn owned(&mut self) -> &mut String {
        if let LastId::Shared(_) = self {
            *self = LastId::Owned(String::new());
        }
        match self {
            LastId::Owned(s) => s,
            LastId::Shared(_) => unreachable!(),
        }
    }

    /// [`shared`](LastId::shared), `None` for the empty id.
    #[inline]
    fn shared_nonempty(&mut self) -> Option<Str> {
        if self.as_str().is_empty() {
            None
        } else {
            Some(self.shared())
        }
    }

    #[inline]
    fn shared(&mut self) -> Str {
        match self {
            // No id yet (the common case): a fresh empty string costs less than a clone.
            LastId::Shared(s) if s.is_empty() => Str::new(),
            LastId::Shared(s) => s.clone(),
            LastId::Owned(s) => {
                let s = Str::from(core::mem::take(s));
                *self = LastId::Shared(s.clone());
                s
            }
        }
    }
}

/// An incremental, sans-IO `text/event-stream` decoder.
///
/// It parses exactly as the WHATWG HTML standard's "Server-sent events" section does: CRLF, LF
/// or a lone CR end a line (a CR and LF split across two inputs still make one line end), one
/// leading BOM is skipped, `:` starts a comment, `data` lines are joined with LF, `id` holding
/// NUL is ignored, `retry` takes ASCII digits only, a blank line dispatches, and invalid UTF-8
/// becomes U+FFFD. It never does I/O and never reads a clock.
///
/// Three ways in, one parser underneath:
///
/// * [`decode`](Decoder::decode): borrowed `&[u8]` in, an [`ItemRef`] borrowing from it out.
///   The caller owns the buffer and drops [`Decoded::consumed`] bytes from its front after each
///   call (the rustls/httparse shape). Needs no copy at all.
/// * [`decode_buf`](Decoder::decode_buf) / [`decode_bytes`](Decoder::decode_bytes): a
///   `BytesMut` or `Bytes` buffer in (the `tokio_util::codec::Decoder` shape), owned
///   [`Item`]s out, whose fields are slices of the buffer when the field came in one line.
/// * [`BytesDecoder`]: push `Bytes` pieces as an HTTP client yields them, iterate items out.
///
/// Every item decoded before an error is returned before it; after an error the decoder goes
/// on (see [`DecodeError`]).
///
/// # Example
///
/// ```
/// use sse_wire::sse::{Decoder, ItemRef};
///
/// let mut decoder = Decoder::new();
/// let mut buf: &[u8] = b"event: greeting\ndata: hello\ndata: world\n\n: ping\n";
/// let mut seen = Vec::new();
/// loop {
///     let decoded = decoder.decode(buf).unwrap();
///     match decoded.item {
///         Some(ItemRef::Event(ev)) => seen.push(format!("{}: {}", ev.event_type(), ev.data())),
///         Some(ItemRef::Comment(c)) => seen.push(format!("comment{c}")),
///         Some(_) => {}
///         None => break,
///     }
///     buf = &buf[decoded.consumed..];
/// }
/// assert_eq!(seen, ["greeting: hello\nworld", "comment ping"]);
/// assert!(decoder.finish().is_ok());
/// ```
#[derive(Clone)]
pub struct Decoder {
    engine: Engine,
    last_id: LastId,
    /// Where the borrowed path repairs a comment that is not valid UTF-8.
    scratch: String,
}

/// What one call to [`Decoder::decode`] produced.
#[derive(Debug)]
#[must_use = "the caller must drop `consumed` bytes from its buffer"]
pub struct Decoded<'a> {
    /// How many bytes at the front of the input the decoder no longer needs. The caller MUST drop
    /// exactly these before the next call and keep the rest (followed by new input).
    pub consumed: usize,
    /// The next item, or `None` when the input holds no complete item: call again with more.
    pub item: Option<ItemRef<'a>>,
}

/// A decoded item borrowing from the input (and from the decoder).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ItemRef<'a> {
    /// A dispatched event.
    Event(EventRef<'a>),
    /// A comment line's text after the `:` (nothing stripped). Browsers ignore comments;
    /// servers send them as keep-alives. See [`Decoder::comments`].
    Comment(&'a str),
    /// A block that dispatched no event (it had no `data` line) but set the last event ID, the
    /// reconnection time, or both. Readers fire nothing for it, but it changes what they send
    /// when they reconnect, so a relay must pass it on (see [`Control`]).
    Control(ControlRef<'a>),
}

/// A dispatched event, borrowing from the input (and from the decoder).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EventRef<'a> {
    event_type: &'a str,
    data: &'a str,
    id: &'a str,
    retry: Option<Duration>,
    id_set: bool,
    retry_set: bool,
}

impl<'a> EventRef<'a> {
    /// The event type: the last `event` field's value, or `"message"` when there was none or it
    /// was empty.
    #[must_use]
    pub fn event_type(&self) -> &'a str {
        self.event_type
    }

    /// The data: the `data` lines joined with LF.
    #[must_use]
    pub fn data(&self) -> &'a str {
        self.data
    }

    /// The last event ID in force when the event was dispatched (empty when none was set).
    ///
    /// See [`Event::id`] for ids that cannot be sent back as a `Last-Event-ID` header.
    #[must_use]
    pub fn id(&self) -> &'a str {
        self.id
    }

    /// The reconnection time in force when the event was dispatched, if the stream set one.
    #[must_use]
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// The value of the event's own `id` field: `None` when it had none (its [`id`](Self::id)
    /// was inherited), `Some("")` when an empty `id` field reset the last event ID.
    #[must_use]
    pub fn id_field(&self) -> Option<&'a str> {
        self.id_set.then_some(self.id)
    }

    /// The reconnection time the event's own `retry` field set, if it had a valid one.
    #[must_use]
    pub fn retry_field(&self) -> Option<Duration> {
        self.retry.filter(|_| self.retry_set)
    }

    /// Copies the event into an owned [`Event`].
    #[must_use]
    pub fn to_owned_event(&self) -> Event {
        Event {
            event_type: event_type_of(self.event_type),
            data: Str::from(self.data),
            id: (!self.id.is_empty()).then(|| Str::from(self.id)),
            retry: self.retry,
            id_set: self.id_set,
            retry_set: self.retry_set,
        }
    }
}

impl fmt::Debug for EventRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventRef")
            .field("event_type", &self.event_type)
            .field("data", &self.data)
            .field("id", &self.id)
            .field("retry", &self.retry)
            .field("id_field", &self.id_set)
            .field("retry_field", &self.retry_set)
            .finish()
    }
}

/// A block without data that set the last event ID or the reconnection time, borrowing from the
/// decoder; see [`Control`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlRef<'a> {
    id: &'a str,
    retry: Option<Duration>,
    id_set: bool,
    retry_set: bool,
}

impl<'a> ControlRef<'a> {
    /// The last event ID now in force.
    #[must_use]
    pub fn id(&self) -> &'a str {
        self.id
    }

    /// The reconnection time now in force.
    #[must_use]
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// The block's own `id` field, if it had one (`Some("")`: the last event ID was reset).
    #[must_use]
    pub fn id_field(&self) -> Option<&'a str> {
        self.id_set.then_some(self.id)
    }

    /// The reconnection time the block's `retry` field set, if it had a valid one.
    #[must_use]
    pub fn retry_field(&self) -> Option<Duration> {
        self.retry.filter(|_| self.retry_set)
    }

    /// Copies it into an owned [`Control`].
    #[must_use]
    pub fn to_owned_control(&self) -> Control {
        Control {
            id: Str::from(self.id),
            retry: self.retry,
            id_set: self.id_set,
            retry_set: self.retry_set,
        }
    }
}

/// A block that dispatched no event, because it had no `data` line, but whose `id` or `retry`
/// field changed the reader's state: the last event ID (WHATWG SSE, "dispatch the event", step
/// 1 runs before the empty-data check) or the reconnection time.
///
/// Readers fire no event for it, yet it decides the `Last-Event-ID` they send and how long they
/// wait when they reconnect. A relay passes it on as it came: [`OutEvent::from`] writes the same
/// fields and a blank line, which dispatches nothing downstream either.
///
/// ```
/// use bytes::Bytes;
/// use sse_wire::sse::{BytesDecoder, Encoder, Item, OutEvent};
///
/// let mut decoder = BytesDecoder::new();
/// decoder.push(Bytes::from_static(b"retry: 2500\n\nid: 7\ndata: a\n\nid\n\n"));
/// let mut relayed = Vec::new();
/// for item in &mut decoder {
///     match item? {
///         Item::Event(event) => Encoder::new().encode(&OutEvent::from(&event), &mut relayed)?,
///         Item::Control(control) => Encoder::new().encode(&OutEvent::from(&control), &mut relayed)?,
///         _ => {}
///     }
/// }
/// assert_eq!(relayed, b"retry: 2500\n\nid: 7\ndata: a\n\nid: \n\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [`OutEvent::from`]: super::OutEvent
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    id: Str,
    retry: Option<Duration>,
    id_set: bool,
    retry_set: bool,
}

impl Control {
    /// The last event ID now in force.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The reconnection time now in force.
    #[must_use]
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// The block's own `id` field, if it had one (`Some("")`: the last event ID was reset).
    #[must_use]
    pub fn id_field(&self) -> Option<&str> {
        self.id_set.then_some(&*self.id)
    }

    /// The reconnection time the block's `retry` field set, if it had a valid one.
    #[must_use]
    pub fn retry_field(&self) -> Option<Duration> {
        self.retry.filter(|_| self.retry_set)
    }
}

/// A decoded item that owns its text (shared, reference-counted [`Str`]s).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Item {
    /// A dispatched event.
    Event(Event),
    /// A comment line's text after the `:` (nothing stripped).
    Comment(Str),
    /// A block without data that set the last event ID or the reconnection time.
    Control(Control),
}

/// A dispatched event that owns its fields.
///
/// Each field is a [`Str`]; when the field arrived as one line of an owned input buffer it is a
/// slice of that buffer, not a copy.
#[derive(Clone, PartialEq, Eq)]
pub struct Event {
    /// `None` for `message` (never `Some("message")`, so that equality is equality of meaning).
    event_type: Option<Str>,
    data: Str,
    /// `None` for the empty id (never `Some("")`).
    id: Option<Str>,
    retry: Option<Duration>,
    id_set: bool,
    retry_set: bool,
}

impl Event {
    /// The event type: the last `event` field's value, or `"message"` when there was none or it
    /// was empty.
    #[must_use]
    pub fn event_type(&self) -> &str {
        self.event_type.as_deref().unwrap_or(MESSAGE)
    }

    /// The data: the `data` lines joined with LF.
    #[must_use]
    pub fn data(&self) -> &str {
        &self.data
    }

    /// The last event ID in force when the event was dispatched (empty when none was set).
    ///
    /// The standard keeps any id without NUL, but an id holding other control bytes (U+0001 to
    /// U+0008, U+000A to U+001F, U+007F) cannot be sent back as a `Last-Event-ID` header value:
    /// browsers keep such an id and then fail to reconnect, and this crate's encoder refuses to
    /// write one ([`EncodeError::ControlInId`](super::EncodeError::ControlInId)).
    #[must_use]
    pub fn id(&self) -> &str {
        self.id.as_deref().unwrap_or("")
    }

    /// The reconnection time in force when the event was dispatched, if the stream set one.
    #[must_use]
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// The value of the event's own `id` field: `None` when it had none (its [`id`](Self::id)
    /// was inherited from an earlier block), `Some("")` when an empty `id` field reset the last
    /// event ID. A relay needs this to re-send the stream exactly.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use sse_wire::sse::{BytesDecoder, Item};
    ///
    /// let mut decoder = BytesDecoder::new();
    /// decoder.push(Bytes::from_static(b"id: 5\ndata: a\n\ndata: b\n\nid:\ndata: c\n\n"));
    /// let fields: Vec<_> = (&mut decoder)
    ///     .map(|item| match item.unwrap() {
    ///         Item::Event(e) => (e.id().to_owned(), e.id_field().map(str::to_owned)),
    ///         _ => unreachable!(),
    ///     })
    ///     .collect();
    /// assert_eq!(fields, [
    ///     ("5".into(), Some("5".into())),
    ///     ("5".into(), None),
    ///     ("".into(), Some("".into())),
    /// ]);
    /// ```
    #[must_use]
    pub fn id_field(&self) -> Option<&str> {
        self.id_set.then(|| self.id())
    }

    /// The reconnection time the event's own `retry` field set, if it had a valid one.
    #[must_use]
    pub fn retry_field(&self) -> Option<Duration> {
        self.retry.filter(|_| self.retry_set)
    }

    /// The data as a shared [`Str`] (no copy).
    #[must_use]
    pub fn data_str(&self) -> &Str {
        &self.data
    }

    /// Takes the event apart: `(event_type, data, id, retry)`.
    #[must_use]
    pub fn into_parts(self) -> (Str, Str, Str, Option<Duration>) {
        (
            self.event_type.unwrap_or(Str::from_static(MESSAGE)),
            self.data,
            self.id.unwrap_or_default(),
            self.retry,
        )
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("event_type", &self.event_type())
            .field("data", &self.data.as_str())
            .field("id", &self.id())
            .field("retry", &self.retry)
            .field("id_field", &self.id_set)
            .field("retry_field", &self.retry_set)
            .finish()
    }
}

const MESSAGE: &str = "message";

/// An event type as [`Event`] keeps it: `None` for `message`.
fn event_type_of(s: &str) -> Option<Str> {
    (!s.is_empty() && s != MESSAGE).then(|| Str::from(s))
}

/// `buf[s..e]` as text: borrowed when valid UTF-8, else repaired into `scratch`.
fn text<'a>(buf: &'a [u8], s: usize, e: usize, scratch: &'a mut String) -> &'a str {
    match crate::utf8::from_utf8(&buf[s..e]) {
        Ok(t) => t,
        Err(_) => {
            scratch.clear();
            push_lossy(scratch, &buf[s..e]);
            scratch
        }
    }
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Decoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decoder")
            .field("limits", &self.engine.limits)
            .field("last_event_id", &self.last_event_id())
            .field("retry", &self.retry())
            .field("offset", &self.engine.offset())
            .finish_non_exhaustive()
    }
}

impl Decoder {
    /// A decoder with the default [`Limits`].
    #[must_use]
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A decoder with the given limits.
    #[must_use]
    pub fn with_limits(limits: Limits) -> Self {
        Decoder {
            engine: Engine::new(limits),
            last_id: LastId::Shared(Str::new()),
            scratch: String::new(),
        }
    }

    /// Whether comment lines come out as items (the default) or are skipped.
    ///
    /// ```
    /// use sse_wire::sse::Decoder;
    ///
    /// let mut decoder = Decoder::new().comments(false);
    /// let decoded = decoder.decode(b": keep-alive\n").unwrap();
    /// assert!(decoded.item.is_none());
    /// ```
    #[must_use]
    pub fn comments(mut self, emit: bool) -> Self {
        self.engine.comments = emit;
        self
    }

    /// The limits in force.
    #[must_use]
    pub fn limits(&self) -> &Limits {
        &self.engine.limits
    }

    /// The last event ID string: the ID buffer's value at the last blank line. Send it as the
    /// `Last-Event-ID` header when reconnecting (when not empty).
    #[must_use]
    pub fn last_event_id(&self) -> &str {
        self.last_id.as_str()
    }

    /// The reconnection time the stream asked for, if any: the last valid `retry` field seen,
    /// whether or not an event was dispatched after it. The decoder only reports it; waiting is
    /// the caller's business.
    #[must_use]
    pub fn retry(&self) -> Option<Duration> {
        self.engine.retry()
    }

    /// Offset in the stream of the first byte the caller still has to hold.
    #[must_use]
    pub fn position(&self) -> u64 {
        self.engine.offset()
    }

    /// Decodes the next item from `buf`, borrowing from it.
    ///
    /// `buf` MUST start with the bytes the previous call did not consume (`buf[consumed..]` of
    /// the previous input), followed by any new input. The decoder remembers how far it has
    /// scanned, so no byte is looked at twice however the stream is cut. Before the next call the
    /// caller MUST drop [`Decoded::consumed`] bytes; the bytes it keeps are at most one event plus
    /// one line (see [`Limits`]), and usually much less.
    ///
    /// On error nothing is consumed: call again with the same buffer to go on.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] when a limit is exceeded, or when `buf` is shorter than the bytes the
    /// previous call retained.
    // Inlined, with the engine, into the caller's loop: per event, a call and a `Step` written
    // through memory cost more than the rest of the front end.
    #[inline(always)]
    pub fn decode<'a>(&'a mut self, buf: &'a [u8]) -> Result<Decoded<'a>, DecodeError> {
        let step = self.engine.decode(buf);
        let consumed = step.consumed;
        let Some(raw) = step.item? else {
            return Ok(Decoded {
                consumed,
                item: None,
            });
        };
        Ok(Decoded {
            consumed,
            item: Some(self.item_ref(raw, buf)),
        })
    }

    /// The item the engine found in `input` (the buffer it was given), borrowing from both.
    #[inline(always)]
    fn item_ref<'a>(&'a mut self, raw: Raw, input: &'a [u8]) -> ItemRef<'a> {
        let retry = self.engine.retry();
        let engine = &mut self.engine;
        let item = match raw {
            Raw::Comment(r) => ItemRef::Comment(text(input, r.start, r.end, &mut self.scratch)),
            Raw::Control { id, retry_set } => {
                commit_borrowed(&mut self.last_id, &engine.id_buf, input, &id);
                ItemRef::Control(ControlRef {
                    id: self.last_id.as_str(),
                    retry,
                    id_set: id != Span::None,
                    retry_set,
                })
            }
            Raw::Dispatch {
                data,
                event_type,
                id,
                retry_set,
            } => {
                let id_set = id != Span::None;
                commit_borrowed(&mut self.last_id, &engine.id_buf, input, &id);
                let data = match data {
                    Span::Ref(s, e) => text(input, s, e, &mut engine.data_text),
                    _ => text(
                        &engine.data_buf,
                        0,
                        engine.data_buf.len(),
                        &mut engine.data_text,
                    ),
                };
                let event_type = match event_type {
                    Span::Ref(s, e) => text(input, s, e, &mut engine.type_buf),
                    Span::Owned => engine.type_buf.as_str(),
                    Span::None => "",
                };
                ItemRef::Event(EventRef {
                    event_type: if event_type.is_empty() {
                        MESSAGE
                    } else {
                        event_type
                    },
                    data,
                    id: self.last_id.as_str(),
                    retry,
                    id_set,
                    retry_set,
                })
            }
        };
        item
    }

    /// Decodes the next item from a `BytesMut` the caller appends input to, in the manner of
    /// `tokio_util::codec::Decoder::decode`: bytes the decoder is done with are split off the
    /// front of `buf`, and an event's fields are slices of them when they came in one line.
    ///
    /// Returns `Ok(None)` when `buf` holds no complete item; append more input and call again.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use sse_wire::sse::{Decoder, Item};
    ///
    /// let mut decoder = Decoder::new();
    /// let mut buf = BytesMut::from(&b"data: {\"token\":\"Hel"[..]);
    /// assert!(decoder.decode_buf(&mut buf).unwrap().is_none());
    /// buf.extend_from_slice(b"lo\"}\n\n");
    /// let Some(Item::Event(event)) = decoder.decode_buf(&mut buf).unwrap() else { panic!() };
    /// assert_eq!(event.data(), r#"{"token":"Hello"}"#);
    /// assert!(buf.is_empty());
    /// ```
    ///
    /// # Errors
    ///
    /// As [`decode`](Decoder::decode); on error nothing is split off `buf`.
    pub fn decode_buf(&mut self, buf: &mut BytesMut) -> Result<Option<Item>, DecodeError> {
        self.decode_owned(buf)
    }

    /// As [`decode_buf`](Decoder::decode_buf), for input the caller holds as one [`Bytes`].
    ///
    /// When this returns `Ok(None)`, `buf` holds the start of an unfinished item: the next call
    /// must see those bytes followed by the next input (join them, or use [`BytesDecoder`], which
    /// does it with the fewest copies).
    ///
    /// # Errors
    ///
    /// As [`decode`](Decoder::decode); on error nothing is split off `buf`.
    pub fn decode_bytes(&mut self, buf: &mut Bytes) -> Result<Option<Item>, DecodeError> {
        self.decode_owned(buf)
    }

    fn decode_owned<B: OwnedInput>(&mut self, buf: &mut B) -> Result<Option<Item>, DecodeError> {
        let step = self.engine.decode(buf.as_slice());
        let n = step.consumed;
        let Some(raw) = step.item? else {
            buf.drop_front(n);
            return Ok(None);
        };
        Ok(Some(self.item_owned(raw, buf, n)))
    }

    /// The item the engine found in `buf`, its fields cut from `buf`'s first `n` bytes (the
    /// bytes the engine released), which are then dropped.
    #[inline]
    fn item_owned<B: OwnedInput>(&mut self, raw: Raw, buf: &mut B, n: usize) -> Item {
        let block = buf.lend_front(n);
        let engine = &mut self.engine;
        // Ranges at or past `n` lie in the part still retained: copy those (only comments
        // that arrive inside an event whose fields are still retained).
        let slice = |r: core::ops::Range<usize>| -> Str {
            if r.end <= block.len() {
                Str::slice_lossy(&block, r)
            } else {
                let mut s = String::new();
                push_lossy(&mut s, buf_tail(&block, buf.as_slice(), r));
                Str::from(s)
            }
        };
        let set_id = |last_id: &mut LastId, id: Span| match id {
            Span::Ref(s, e) => *last_id = LastId::Shared(slice(s..e)),
            Span::Owned => *last_id = LastId::Shared(Str::from(engine.id_buf.as_str())),
            Span::None => {}
        };
        let item = match raw {
            Raw::Comment(r) => Item::Comment(slice(r)),
            Raw::Control { id, retry_set } => {
                let id_set = id != Span::None;
                set_id(&mut self.last_id, id);
                Item::Control(Control {
                    id: self.last_id.shared(),
                    retry: engine.retry(),
                    id_set,
                    retry_set,
                })
            }
            Raw::Dispatch {
                data,
                event_type,
                id,
                retry_set,
            } => {
                let id_set = id != Span::None;
                set_id(&mut self.last_id, id);
                let event_type = match event_type {
                    Span::Ref(s, e) if e > s => Some(slice(s..e)).filter(|t| t != MESSAGE),
                    Span::Owned => event_type_of(&engine.type_buf),
                    _ => None,
                };
                let data = match data {
                    // The block holds this event and nothing the decoder still needs (an event
                    // that filled its piece, or the tail's): the data takes the block's handle
                    // itself, and no reference count is touched.
                    Span::Ref(s, e) if block.len() == n => {
                        let mut whole = block;
                        whole.truncate(e);
                        whole.advance(s);
                        let data = Str::lossy(whole);
                        buf.end_loan(Bytes::new(), 0);
                        return Item::Event(Event {
                            event_type,
                            data,
                            id: self.last_id.shared_nonempty(),
                            retry: engine.retry(),
                            id_set,
                            retry_set,
                        });
                    }
                    Span::Ref(s, e) => slice(s..e),
                    _ => joined_data(&mut engine.data_buf),
                };
                Item::Event(Event {
                    event_type,
                    data,
                    id: self.last_id.shared_nonempty(),
                    retry: engine.retry(),
                    id_set,
                    retry_set,
                })
            }
        };
        buf.end_loan(block, n);
        item
    }

    /// Ends the stream: whatever was pending is discarded, as the standard says, and reported.
    ///
    /// Returns `Ok(())` when the stream ended cleanly between events, or [`Truncated`] saying
    /// what was thrown away (an event without its closing blank line, or an unterminated line).
    /// The caller's unconsumed bytes are no longer needed. Only bytes the decoder was given count:
    /// a caller that stopped decoding before the end of its buffer (at `data: [DONE]`, say) ends
    /// the stream with [`finish_with`](Decoder::finish_with) instead. An event already dropped
    /// for a limit was reported by its [`DecodeError`]; if the stream ends before its blank line,
    /// `finish` does not report it a second time.
    ///
    /// The decoder is then ready for a new stream, as after [`reconnect`](Decoder::reconnect).
    ///
    /// ```
    /// use sse_wire::sse::Decoder;
    ///
    /// let mut decoder = Decoder::new();
    /// let d = decoder.decode(b"data: partial answ").unwrap();
    /// assert!(d.item.is_none());
    /// let truncated = decoder.finish().unwrap_err();
    /// assert_eq!(truncated.partial_line, 18);
    /// ```
    ///
    /// # Errors
    ///
    /// [`Truncated`] when the stream did not end at an event boundary.
    pub fn finish(&mut self) -> Result<(), Truncated> {
        let p = self.engine.finish();
        if p.fields == 0 && p.partial_line == 0 {
            Ok(())
        } else {
            Err(Truncated {
                fields: p.fields,
                data_len: p.data_len,
                partial_line: p.partial_line,
            })
        }
    }

    /// Ends a stream whose last unconsumed bytes are `rest`: for a caller that stopped decoding
    /// early, typically at an end marker such as `data: [DONE]`, with more of the last read
    /// still in its buffer.
    ///
    /// The items left in `rest` are decoded and dropped (a keep-alive comment or an event after
    /// the marker is not a truncation), and then the stream ends as with
    /// [`finish`](Decoder::finish): the result says whether it ended inside an event or a line.
    /// `rest` must be what the caller still holds, as for [`decode`](Decoder::decode).
    ///
    /// ```
    /// use sse_wire::sse::{Decoder, ItemRef};
    ///
    /// let mut decoder = Decoder::new();
    /// let mut buf: &[u8] = b"data: hi\n\ndata: [DONE]\n\n: keep-alive\n";
    /// loop {
    ///     let decoded = decoder.decode(buf).unwrap();
    ///     buf = &buf[decoded.consumed..];
    ///     match decoded.item {
    ///         Some(ItemRef::Event(e)) if e.data() == "[DONE]" => break,
    ///         None => break,
    ///         _ => {}
    ///     }
    /// }
    /// assert!(decoder.finish_with(buf).is_ok());
    ///
    /// // A stream cut inside an event after the marker is still reported.
    /// let mut decoder = Decoder::new();
    /// assert!(decoder.finish_with(b"data: [DONE]\n\ndata: cut").is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Truncated`] when the stream did not end at an event boundary.
    pub fn finish_with(&mut self, mut rest: &[u8]) -> Result<(), Truncated> {
        loop {
            match self.decode(rest) {
                Ok(Decoded { item: None, .. }) => break,
                Ok(decoded) => rest = &rest[decoded.consumed..],
                // The caller broke the contract: only what the decoder holds can be judged.
                Err(DecodeError::InputShrunk { .. }) => break,
                // Decoding goes on after a limit error; the event it cost is dropped either way.
                Err(_) => {}
            }
        }
        self.finish()
    }

    /// Readies the decoder for the stream of a new connection to the same source (a
    /// reconnection), keeping what the standard keeps across reconnections: the
    /// [`last_event_id`](Decoder::last_event_id), to send as `Last-Event-ID`, and the
    /// reconnection time ([`retry`](Decoder::retry)). An unterminated line and an undispatched
    /// event of the old stream are dropped, so that they cannot run into the new stream's first
    /// line, and the new stream is checked for a BOM again. Limits and settings stay.
    ///
    /// This is [`finish`](Decoder::finish) without the verdict on the old stream; call `finish`
    /// instead to learn whether the old stream was cut.
    ///
    /// ```
    /// use sse_wire::sse::{Decoder, ItemRef};
    ///
    /// let mut decoder = Decoder::new();
    /// let first = b"id: 41\ndata: a\n\ndata: {\"partial";
    /// let d = decoder.decode(first).unwrap();
    /// assert!(matches!(d.item, Some(ItemRef::Event(_))));
    /// // The connection drops; reconnect with `Last-Event-ID: 41`.
    /// assert_eq!(decoder.last_event_id(), "41");
    /// decoder.reconnect();
    /// let d = decoder.decode(b"retry: 300\ndata: b\n\n").unwrap();
    /// let Some(ItemRef::Event(event)) = d.item else { panic!() };
    /// assert_eq!((event.data(), event.id()), ("b", "41"));
    /// ```
    pub fn reconnect(&mut self) {
        let _ = self.engine.finish();
    }
}

/// Sets the last event ID from `id` (a range of `input`, or the text in `owned`).
#[inline(always)]
fn commit_borrowed(last_id: &mut LastId, owned: &str, input: &[u8], id: &Span) {
    // Most events carry no id: settle that case without a call.
    if *id != Span::None {
        set_last_id(last_id, owned, input, id);
    }
}

fn set_last_id(last_id: &mut LastId, owned: &str, input: &[u8], id: &Span) {
    match *id {
        Span::Ref(s, e) => {
            let out = last_id.owned();
            out.clear();
            push_lossy(out, &input[s..e]);
        }
        Span::Owned => {
            let out = last_id.owned();
            out.clear();
            out.push_str(owned);
        }
        Span::None => {}
    }
}

/// The joined lines of a multi-line event as a [`Str`]: the engine's buffer itself is handed
/// out (no copy) and replaced by one of the same capacity for the next event.
fn joined_data(buf: &mut Vec<u8>) -> Str {
    let raw = core::mem::replace(buf, Vec::with_capacity(buf.len()));
    match crate::utf8::string(raw) {
        Ok(text) => Str::from(text),
        Err(raw) => Str::from(String::from_utf8_lossy(&raw).into_owned()),
    }
}

/// The bytes of `r` (relative to the start of `block` followed by `rest`).
fn buf_tail<'a>(block: &'a [u8], rest: &'a [u8], r: core::ops::Range<usize>) -> &'a [u8] {
    let n = block.len();
    &rest[r.start - n..r.end - n]
}

/// A decoder fed with [`Bytes`] pieces, as HTTP clients (hyper, reqwest, …) hand out a body.
///
/// Push each piece with [`push`](BytesDecoder::push), then take items with
/// [`next`](Iterator::next) until it returns `None`. An event that lies within one piece comes
/// out as slices of that piece (no copy); only the lines of an event that straddles two pieces
/// are copied, once, into an internal buffer.
///
/// ```
/// use bytes::Bytes;
/// use sse_wire::sse::{BytesDecoder, Item};
///
/// let mut decoder = BytesDecoder::new();
/// let mut data = Vec::new();
/// for piece in ["data: {\"delta\":\"Hel", "lo\"}\n\ndata: [DO", "NE]\n\n"] {
///     decoder.push(Bytes::from(piece));
///     for item in &mut decoder {
///         if let Item::Event(event) = item.unwrap() {
///             data.push(event.data().to_owned());
///         }
///     }
/// }
/// assert_eq!(data, [r#"{"delta":"Hello"}"#, "[DONE]"]);
/// assert!(decoder.finish().is_ok());
/// ```
#[derive(Debug, Clone, Default)]
pub struct BytesDecoder {
    decoder: Decoder,
    pieces: Pieces,
    /// The start of an event that straddles pieces, extended a line at a time.
    tail: BytesMut,
    /// Bytes at the front of the input (the tail if it is not empty, else the first piece) that
    /// the item [`next_ref`](BytesDecoder::next_ref) lent out was decoded from: dropped at the
    /// next call, once the item's borrow has ended.
    lent: usize,
    /// The engine returned an item from the tail: lines after it, already moved into the tail,
    /// may hold more, so the tail is decoded again before more bytes are moved in.
    tail_unread: bool,
}

impl BytesDecoder {
    /// A decoder with the default [`Limits`].
    #[must_use]
    pub fn new() -> Self {
        Self::from_decoder(Decoder::new())
    }

    /// Wraps a configured [`Decoder`].
    #[must_use]
    pub fn from_decoder(decoder: Decoder) -> Self {
        BytesDecoder {
            decoder,
            pieces: Pieces::default(),
            tail: BytesMut::new(),
            lent: 0,
            tail_unread: false,
        }
    }

    /// Queues the next piece of the stream.
    #[inline]
    pub fn push(&mut self, piece: Bytes) {
        if !piece.is_empty() {
            self.pieces.push(piece);
        }
    }

    /// The wrapped decoder (for [`last_event_id`](Decoder::last_event_id),
    /// [`retry`](Decoder::retry), …).
    #[must_use]
    pub fn decoder(&self) -> &Decoder {
        &self.decoder
    }

    /// Ends the stream; see [`Decoder::finish`].
    ///
    /// Pieces the caller did not iterate through (it stopped at `data: [DONE]`, say) are decoded
    /// first and their items dropped: complete items after the point where the caller stopped
    /// are not a truncation. The result says exactly whether the stream ended inside an event
    /// or a line.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use sse_wire::sse::{BytesDecoder, Item};
    ///
    /// let mut decoder = BytesDecoder::new();
    /// decoder.push(Bytes::from_static(b"data: tok\n\ndata: [DONE]\n\n: keep-alive\n"));
    /// for item in &mut decoder {
    ///     if let Item::Event(e) = item.unwrap() {
    ///         if e.data() == "[DONE]" {
    ///             break;
    ///         }
    ///     }
    /// }
    /// assert!(decoder.finish().is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Truncated`] when the stream did not end at an event boundary.
    pub fn finish(&mut self) -> Result<(), Truncated> {
        // Decoding makes progress after an error too, so this ends when the pieces do.
        while self.next_ref().is_some() {}
        self.settle();
        if !self.tail.is_empty() {
            // `step` leaves the last bytes of a straddling line unscanned: let the decoder see
            // them, so that the truncation report counts them. They hold no line end and are
            // within the line limit, so this yields neither an item nor an error.
            let flushed = self.decoder.decode_buf(&mut self.tail);
            debug_assert!(matches!(flushed, Ok(None)), "{flushed:?}");
        }
        debug_assert!(self.pieces.is_empty());
        self.tail.clear();
        self.decoder.finish()
    }

    /// Readies the decoder for a new connection's stream; see [`Decoder::reconnect`]. Queued
    /// pieces of the old stream are dropped, the last event ID and reconnection time are kept.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use sse_wire::sse::{BytesDecoder, Item};
    ///
    /// let mut decoder = BytesDecoder::new();
    /// decoder.push(Bytes::from_static(b"id: 7\ndata: a\n\ndata: {\"partial"));
    /// assert_eq!((&mut decoder).count(), 1);
    /// decoder.reconnect(); // the connection dropped mid-event
    /// decoder.push(Bytes::from_static(b"data: b\n\n"));
    /// let Some(Ok(Item::Event(event))) = decoder.next() else { panic!() };
    /// assert_eq!((event.data(), event.id()), ("b", "7"));
    /// ```
    pub fn reconnect(&mut self) {
        self.pieces.clear();
        self.tail.clear();
        self.lent = 0;
        self.tail_unread = false;
        self.decoder.reconnect();
    }

    /// The next item, borrowing the decoder until the next call: for a caller that only looks
    /// at each event (parses its JSON, forwards its text) and keeps nothing of it. No
    /// reference count is touched and nothing is copied that [`next`](Iterator::next) would
    /// not copy; an event that lies in one piece is a view of that piece.
    ///
    /// Returns `None` when the queued pieces hold no complete item: push more. To keep an
    /// event, [`EventRef::to_owned_event`] copies it (or use the iterator, whose events share
    /// the pieces' memory).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use sse_wire::sse::{BytesDecoder, ItemRef};
    ///
    /// let mut decoder = BytesDecoder::new();
    /// let mut tokens = String::new();
    /// for piece in ["data: Hel", "lo\n\ndata: , world\n\n"] {
    ///     decoder.push(Bytes::from(piece));
    ///     while let Some(item) = decoder.next_ref() {
    ///         if let ItemRef::Event(event) = item? {
    ///             tokens.push_str(event.data());
    ///         }
    ///     }
    /// }
    /// assert_eq!(tokens, "Hello, world");
    /// # Ok::<(), sse_wire::sse::DecodeError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As the iterator: a [`DecodeError`] when a limit is exceeded; decoding goes on after it.
    #[allow(clippy::should_implement_trait)] // a lending iterator: `Iterator` cannot lend
    pub fn next_ref(&mut self) -> Option<Result<ItemRef<'_>, DecodeError>> {
        if self.is_drained() {
            return None;
        }
        self.settle();
        let raw = match self.step()? {
            Ok(raw) => raw,
            Err(e) => return Some(Err(e)),
        };
        let input: &[u8] = if self.tail.is_empty() {
            self.pieces.front()
        } else {
            &self.tail
        };
        Some(Ok(self.decoder.item_ref(raw, input)))
    }

    /// Drops the bytes of the item last lent out.
    #[inline]
    fn settle(&mut self) {
        if self.lent == 0 {
            return;
        }
        let n = core::mem::take(&mut self.lent);
        if n == self.tail.len() {
            // The whole tail (the usual case: it held one event): emptied in place, so that the
            // next straddling event is copied to the front of the same buffer.
            self.tail.clear();
            self.tail_unread = false;
        } else if !self.tail.is_empty() {
            self.tail.advance(n);
        } else if let Some(piece) = self.pieces.front_mut() {
            piece.advance(n);
            if piece.is_empty() {
                self.pieces.pop_front();
            }
        }
    }

    /// Runs the engine until it finds an item in the current input (the tail if it is not
    /// empty, else the first piece), which it leaves in place with `lent` set to the bytes it
    /// takes; `None` when the pieces run out first.
    // Inlined into both front ends, as the engine is into `Decoder::decode`: the `Raw` it
    // returns then never goes through memory.
    #[inline(always)]
    fn step(&mut self) -> Option<Result<Raw, DecodeError>> {
        loop {
            let from_tail = !self.tail.is_empty();
            let step = if from_tail {
                // Lines after the last item may already be in the tail; else bring more in.
                if !core::mem::take(&mut self.tail_unread) && !self.fill_tail()? {
                    continue;
                }
                self.decoder.engine.decode(&self.tail)
            } else {
                self.decoder.engine.decode(self.pieces.front_mut()?)
            };
            match step.item {
                Ok(None) if from_tail => self.tail.advance(step.consumed),
                Ok(None) => {
                    // The piece ends inside an item: keep its start.
                    if let Some(mut rest) = self.pieces.pop_front() {
                        rest.advance(step.consumed);
                        self.tail.extend_from_slice(&rest);
                    }
                }
                Ok(Some(raw)) => {
                    self.tail_unread = from_tail;
                    self.lent = step.consumed;
                    return Some(Ok(raw));
                }
                // Nothing was consumed: the same input is decoded again next time.
                Err(e) => {
                    self.tail_unread = from_tail;
                    return Some(Err(e));
                }
            }
        }
    }

    /// Moves more of the first piece into the tail, which holds the start of an item: `None`
    /// when no piece is queued, `Some(false)` when the engine need not look yet.
    #[inline(always)]
    fn fill_tail(&mut self) -> Option<bool> {
        let piece = self.pieces.front_mut()?;
        if piece.len() <= SMALL_PIECE {
            // Copying a small piece whole costs less than finding its first line end before
            // the engine scans it again.
            self.tail.extend_from_slice(piece);
            self.pieces.pop_front();
            return Some(true);
        }
        // One more line (or the whole piece, if it ends mid-line), and the blank line right
        // after it, which often ends the event.
        let eol = super::engine::find_eol(piece);
        let take = eol.map_or(piece.len(), |i| i + 1 + blank_after(piece, i));
        self.tail.extend_from_slice(&piece[..take]);
        piece.advance(take);
        if piece.is_empty() {
            self.pieces.pop_front();
        }
        if eol.is_some() {
            return Some(true);
        }
        // No line ended: the engine would only note the new bytes. Tell it they hold no line
        // end, so that it does not search them again; past the line limit it must report it.
        self.decoder.engine.mark_scanned(self.tail.len());
        Some(self.tail.len() > self.decoder.limits().max_line_len)
    }
}

/// Pieces up to this size that continue an event straddling pieces are copied into the tail
/// whole; larger ones a line at a time, so that the events after the straddling one are still
/// slices of the piece.
const SMALL_PIECE: usize = 128;

/// The queued pieces. The first is kept out of the deque: a client that reads one event per
/// piece (an LLM server flushes every token) then never touches the deque at all.
#[derive(Debug, Clone, Default)]
struct Pieces {
    /// The first piece; empty only when there is none.
    head: Bytes,
    rest: VecDeque<Bytes>,
}

impl Pieces {
    /// Queues a non-empty piece.
    #[inline]
    fn push(&mut self, piece: Bytes) {
        if self.head.is_empty() {
            self.head = piece;
        } else {
            self.rest.push_back(piece);
        }
    }

    #[inline]
    fn is_empty(&self) -> bool {
        self.head.is_empty()
    }

    /// The first piece (empty when there is none).
    #[inline]
    fn front(&self) -> &Bytes {
        &self.head
    }

    #[inline]
    fn front_mut(&mut self) -> Option<&mut Bytes> {
        (!self.head.is_empty()).then_some(&mut self.head)
    }

    /// Removes the first piece (which may have been used up, or lent out and emptied) and
    /// makes the next one first; returns it unless it was empty.
    #[inline]
    fn pop_front(&mut self) -> Option<Bytes> {
        let next = self.rest.pop_front().unwrap_or_default();
        let first = core::mem::replace(&mut self.head, next);
        (!first.is_empty()).then_some(first)
    }

    fn clear(&mut self) {
        self.head = Bytes::new();
        self.rest.clear();
    }
}

/// The length of the line end that makes a blank line right after the line end at `hay[i]`
/// (0 when none follows; a CR at the very end may still pair with an LF in the next piece, and
/// is left there).
fn blank_after(hay: &[u8], i: usize) -> usize {
    let crlf = hay[i] == b'\r' && hay.get(i + 1) == Some(&b'\n');
    let next = i + 1 + usize::from(crlf);
    match hay.get(next) {
        Some(b'\n') => usize::from(crlf) + 1,
        Some(b'\r') if hay.get(next + 1) == Some(&b'\n') => usize::from(crlf) + 2,
        _ => usize::from(crlf),
    }
}

impl Iterator for BytesDecoder {
    type Item = Result<Item, DecodeError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.is_drained() {
            return None;
        }
        self.next_owned()
    }
}

impl BytesDecoder {
    /// Nothing left to decode: no piece queued, no unread line in the tail, nothing lent out. (A
    /// caller that reads one event per piece asks once more after each event; this answers it
    /// without the decoding loop.)
    #[inline]
    fn is_drained(&self) -> bool {
        self.pieces.is_empty() && !self.tail_unread && self.lent == 0
    }

    fn next_owned(&mut self) -> Option<Result<Item, DecodeError>> {
        self.settle();
        let raw = match self.step()? {
            Ok(raw) => raw,
            Err(e) => return Some(Err(e)),
        };
        let n = core::mem::take(&mut self.lent);
        if self.tail.is_empty() {
            let piece = self.pieces.front_mut()?;
            let item = self.decoder.item_owned(raw, piece, n);
            if piece.is_empty() {
                self.pieces.pop_front();
            }
            Some(Ok(item))
        } else {
            Some(Ok(self.decoder.item_owned(raw, &mut self.tail, n)))
        }
    }
}
