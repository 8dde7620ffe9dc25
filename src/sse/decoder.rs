use alloc::{string::String, vec::Vec};
use core::{fmt, time::Duration};

use bytes::{Buf, Bytes, BytesMut};

use super::engine::{push_lossy, Engine, Raw, Span};
use super::item::{event_type_of, MESSAGE};
use super::{Control, ControlRef, DecodeError, Event, EventRef, Item, ItemRef, Limits, Truncated};
use crate::owned_input::OwnedInput;
use crate::Str;

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
/// * [`decode_buf`](Decoder::decode_buf): a `BytesMut` buffer in (the
///   `tokio_util::codec::Decoder` shape), owned [`Item`]s out, whose fields are slices of the
///   buffer when the field came in one line.
/// * [`BytesDecoder`](super::BytesDecoder): push `Bytes` pieces as an HTTP client yields them, iterate items out.
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
    pub(super) engine: Engine,
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
    pub(super) fn item_ref<'a>(&'a mut self, raw: Raw, input: &'a [u8]) -> ItemRef<'a> {
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
    pub(super) fn item_owned<B: OwnedInput>(&mut self, raw: Raw, buf: &mut B, n: usize) -> Item {
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
    /// a caller that stopped decoding before the end of its buffer (at `data: [DONE]`, say)
    /// first decodes the rest until no item comes out (a keep-alive comment or an event after
    /// the marker is not a truncation), then calls `finish`. An event already dropped for a
    /// limit was reported by its [`DecodeError`]; if the stream ends before its blank line,
    /// `finish` does not report it a second time.
    ///
    /// The decoder is then ready for a new stream, as after [`reset`](Decoder::reset).
    ///
    /// ```
    /// use sse_wire::sse::{Decoder, ItemRef};
    ///
    /// let mut decoder = Decoder::new();
    /// let d = decoder.decode(b"data: partial answ").unwrap();
    /// assert!(d.item.is_none());
    /// let truncated = decoder.finish().unwrap_err();
    /// assert_eq!(truncated.partial_line, 18);
    ///
    /// // Stopped at an end marker: decode what is left, then judge the end.
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
    /// while let Ok(decoded) = decoder.decode(buf) {
    ///     buf = &buf[decoded.consumed..];
    ///     if decoded.item.is_none() {
    ///         break;
    ///     }
    /// }
    /// assert!(decoder.finish().is_ok());
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
    /// decoder.reset();
    /// let d = decoder.decode(b"retry: 300\ndata: b\n\n").unwrap();
    /// let Some(ItemRef::Event(event)) = d.item else { panic!() };
    /// assert_eq!((event.data(), event.id()), ("b", "41"));
    /// ```
    pub fn reset(&mut self) {
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
