use core::time::Duration;

use bytes::{Buf, BufMut, Bytes};
use thiserror::Error;

use alloc::boxed::Box;

use super::{Control, ControlRef, Event, EventRef, Item, ItemRef};
use crate::Str;

/// Why an event could not be encoded. Nothing is written when encoding fails.
///
/// The `text/event-stream` format has no escaping: a line break in an `event` or `id` value would
/// end the field early and turn the rest into a new line, which a reader would take as another
/// field (field injection). Such values are refused rather than split or dropped.
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// The event type holds a CR or LF (at this byte offset of the value).
    #[error("event type contains a line break (CR or LF) at byte {at}")]
    LineBreakInEventType {
        /// Byte offset in the event type.
        at: usize,
    },
    /// The id holds a control byte other than HTAB (0x00 to 0x08, 0x0A to 0x1F, or DEL), the
    /// first one at `at`.
    ///
    /// A CR or LF would end the field early and turn the rest into a new line (field
    /// injection); NUL makes every reader ignore the whole `id` field; any other control byte
    /// the standard lets a reader keep, but no `Last-Event-ID` header can carry it (RFC 9110
    /// section 5.5: a field value holds no control byte but HTAB): Chromium's `EventSource` and
    /// the undici-based `eventsource` client store it and then never manage to reconnect.
    #[error("event id contains control byte 0x{byte:02x} at byte {at}: {}", id_problem(*.byte))]
    ControlInId {
        /// The byte.
        byte: u8,
        /// Byte offset in the id.
        at: usize,
    },
    /// The encoded event would be larger than `usize::MAX` bytes (possible on 16- and 32-bit
    /// targets only).
    #[error("encoded event does not fit in usize::MAX bytes")]
    LengthOverflow,
    /// The reconnection time does not fit the `u64` milliseconds that readers accept.
    #[error("retry of {secs} s is too large to send as u64 milliseconds")]
    RetryTooLarge {
        /// The requested time, in whole seconds.
        secs: u64,
    },
    /// The destination buffer cannot take the encoded bytes (a fixed-size `BufMut`).
    #[error("destination has room for {available} bytes but the event needs {needed}")]
    BufferTooSmall {
        /// Bytes the encoding needs.
        needed: usize,
        /// Bytes the destination can take.
        available: usize,
    },
}

/// An event to send: borrowed fields, built up with chained calls.
///
/// Fields left unset are not written. Compare `axum::response::sse::Event`, but fallible
/// instead of panicking: an `event` or `id` value a reader would misread is an [`EncodeError`]
/// when the event is encoded.
///
/// ```
/// use core::time::Duration;
/// use sse_wire::sse::{Encoder, OutEvent};
///
/// let event = OutEvent::new().data("line one\nline two")
///     .event_type("update")
///     .id("42")
///     .retry(Duration::from_secs(3));
/// let mut out = Vec::new();
/// Encoder::new().encode(&event, &mut out).unwrap();
/// assert_eq!(out, b"event: update\nid: 42\nretry: 3000\ndata: line one\ndata: line two\n\n");
/// ```
///
/// A comment ([`OutEvent::comment`]) is written before the fields; alone, it is only the
/// comment lines, with no blank line (the keep-alive is the empty comment, `:\n`):
///
/// ```
/// use sse_wire::sse::{Encoder, OutEvent};
///
/// let mut out = Vec::new();
/// Encoder::new().encode(&OutEvent::comment(""), &mut out)?;
/// Encoder::new().encode(&OutEvent::comment(" two\nlines").data("x"), &mut out)?;
/// assert_eq!(out, b":\n: two\n:lines\ndata: x\n\n");
/// # Ok::<(), sse_wire::sse::EncodeError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[must_use]
pub struct OutEvent<'a> {
    comment: Option<&'a str>,
    data: Option<&'a str>,
    event_type: Option<&'a str>,
    id: Option<&'a str>,
    retry: Option<Duration>,
}

impl<'a> OutEvent<'a> {
    /// An event with no fields (encodes as a lone blank line, which dispatches nothing).
    pub const fn new() -> Self {
        OutEvent {
            comment: None,
            data: None,
            event_type: None,
            id: None,
            retry: None,
        }
    }

    /// A comment: `:` and the text, one comment line per line of it (the text is written as
    /// given; a decoder hands it back unchanged). Readers ignore comments; proxies and load
    /// balancers see traffic, so an idle stream sends the empty comment now and then as a
    /// keep-alive (`:\n`).
    ///
    /// Alone it writes only the comment lines. Fields set after it make it an event preceded by
    /// the comment.
    pub const fn comment(text: &'a str) -> Self {
        OutEvent {
            comment: Some(text),
            ..OutEvent::new()
        }
    }

    /// Sets the data (replacing any set before). Line breaks (CR, LF, CRLF) in it become
    /// separate `data:` lines, which a reader joins back with LF.
    pub const fn data(mut self, data: &'a str) -> Self {
        self.data = Some(data);
        self
    }

    /// Sets the event type (readers default to `message`). Must hold no CR or LF.
    pub const fn event_type(mut self, event_type: &'a str) -> Self {
        self.event_type = Some(event_type);
        self
    }

    /// Sets the event id, which becomes the reader's last event ID. Must hold no control byte
    /// but HTAB (no CR, LF, NUL or DEL: see [`EncodeError::ControlInId`]). An empty id resets
    /// the reader's last event ID.
    pub const fn id(mut self, id: &'a str) -> Self {
        self.id = Some(id);
        self
    }

    /// The same event without an `id` field (not even an empty one): a reader's last event ID
    /// stays what it was. Undoes [`id`](OutEvent::id), for code that re-labels events, such as
    /// a replay log that names every frame itself.
    ///
    /// ```
    /// use sse_wire::sse::{Encoder, OutEvent};
    ///
    /// let mut out = Vec::new();
    /// Encoder::new().encode(&OutEvent::new().data("x").id("7").without_id(), &mut out)?;
    /// assert_eq!(out, b"data: x\n\n");
    /// # Ok::<(), sse_wire::sse::EncodeError>(())
    /// ```
    pub const fn without_id(mut self) -> Self {
        self.id = None;
        self
    }

    /// Sets the reader's reconnection time, sent in whole milliseconds, rounded up: only
    /// [`Duration::ZERO`] is sent as `retry: 0` (reconnect at once), never a time below a
    /// millisecond.
    ///
    /// Any `u64` of milliseconds is valid, but some readers mishandle large ones: Node.js's
    /// `setTimeout` takes 2^31 ms (about 24.8 days) or more as 1 ms, so an `eventsource` client
    /// on Node reconnects at once. Stay below that when such clients may read the stream.
    pub const fn retry(mut self, retry: Duration) -> Self {
        self.retry = Some(retry);
        self
    }

    /// A comment and nothing else: written without the blank line that ends an event.
    fn is_comment_only(&self) -> bool {
        self.comment.is_some()
            && self.data.is_none()
            && self.event_type.is_none()
            && self.id.is_none()
            && self.retry.is_none()
    }

    /// Checks the fields a reader could misread, and returns the encoded length of everything
    /// but the data lines.
    fn check(&self) -> Result<usize, EncodeError> {
        // The blank line that ends the event.
        let mut len = usize::from(!self.is_comment_only());
        if let Some(c) = self.comment {
            len = sum(&[len, lines_len(1, c.as_bytes())?])?;
        }
        if let Some(t) = self.event_type {
            if let Some(at) = memchr::memchr2(b'\r', b'\n', t.as_bytes()) {
                return Err(EncodeError::LineBreakInEventType { at });
            }
            len = sum(&[len, EVENT.len() + 1, t.len()])?;
        }
        if let Some(id) = self.id {
            check_id(id.as_bytes())?;
            len = sum(&[len, ID.len() + 1, id.len()])?;
        }
        if let Some(r) = self.retry {
            len = sum(&[len, RETRY.len() + 1, decimal_len(retry_ms(r)?)])?;
        }
        Ok(len)
    }

    /// Writes the comment and the field lines other than `data` (the fields were checked).
    fn put_head<B: BufMut>(&self, dst: &mut B) -> Result<(), EncodeError> {
        if let Some(c) = self.comment {
            put_lines(dst, b":", c.as_bytes(), b"\n");
        }
        if let Some(t) = self.event_type {
            dst.put_slice(EVENT);
            dst.put_slice(t.as_bytes());
            dst.put_u8(b'\n');
        }
        if let Some(id) = self.id {
            dst.put_slice(ID);
            dst.put_slice(id.as_bytes());
            dst.put_u8(b'\n');
        }
        if let Some(r) = self.retry {
            dst.put_slice(RETRY);
            put_decimal(dst, retry_ms(r)?);
            dst.put_u8(b'\n');
        }
        Ok(())
    }
}

/// Why a control byte in an id is refused, for [`EncodeError::ControlInId`]'s message.
fn id_problem(byte: u8) -> &'static str {
    match byte {
        b'\r' | b'\n' => "a line break would end the field early",
        0 => "readers would ignore the id",
        _ => "no Last-Event-ID header can carry it",
    }
}

/// Refuses an id that a reader would misread or could not send back as a header: the first
/// control byte other than HTAB decides the error.
fn check_id(id: &[u8]) -> Result<(), EncodeError> {
    let Some(at) = id
        .iter()
        .position(|&b| (b < 0x20 && b != b'\t') || b == 0x7f)
    else {
        return Ok(());
    };
    Err(EncodeError::ControlInId { byte: id[at], at })
}

/// `parts` added up, or [`EncodeError::LengthOverflow`] past `usize::MAX`.
fn sum(parts: &[usize]) -> Result<usize, EncodeError> {
    parts
        .iter()
        .try_fold(0usize, |acc, &n| acc.checked_add(n))
        .ok_or(EncodeError::LengthOverflow)
}

/// The fields a block carried, as [`OutEvent`] setters take them.
fn relayed<'a>(
    mut out: OutEvent<'a>,
    id: Option<&'a str>,
    retry: Option<Duration>,
) -> OutEvent<'a> {
    out.id = id;
    out.retry = retry;
    out
}

impl<'a> From<EventRef<'a>> for OutEvent<'a> {
    /// The event exactly as it came, for a relay: its data, its type unless `message`, and the
    /// `id` and `retry` fields its own block carried ([`EventRef::id_field`],
    /// [`EventRef::retry_field`]), an empty `id` that reset the last event ID included. A reader
    /// of the re-encoded stream sees the same events, with the same id and reconnection time in
    /// force, as a reader of the original. Pass blocks without data on with
    /// [`ControlRef`](super::ControlRef). An owned [`Event`] converts through its
    /// [`as_ref`](Event::as_ref) (or is given to the [`Encoder`] as it is: it is [`Encode`]).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use sse_wire::sse::{BytesDecoder, Encoder, Item, OutEvent};
    ///
    /// let mut decoder = BytesDecoder::new();
    /// decoder.push(Bytes::from_static(b"id: 5\ndata: a\n\nid:\ndata: b\n\n"));
    /// let mut relayed = Vec::new();
    /// for item in &mut decoder {
    ///     if let Item::Event(event) = item? {
    ///         Encoder::new().encode(&OutEvent::from(event.as_ref()), &mut relayed)?;
    ///     }
    /// }
    /// assert_eq!(relayed, b"id: 5\ndata: a\n\nid: \ndata: b\n\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn from(event: EventRef<'a>) -> Self {
        let mut out = OutEvent::new().data(event.data());
        if event.event_type() != "message" {
            out = out.event_type(event.event_type());
        }
        relayed(out, event.id_field(), event.retry_field())
    }
}

impl<'a> From<ControlRef<'a>> for OutEvent<'a> {
    /// The block's `id` and `retry` fields without data: it dispatches nothing downstream
    /// either, but sets the same state. An owned [`Control`] converts through its
    /// [`as_ref`](Control::as_ref).
    fn from(control: ControlRef<'a>) -> Self {
        relayed(OutEvent::new(), control.id_field(), control.retry_field())
    }
}

/// Anything [`Encoder`] can write: the one encodable trait of the crate.
///
/// It hands the encoder its fields as an [`OutEvent`] borrowing from `self`. Implemented for
/// [`OutEvent`] itself, the decoded items (owned and borrowed: [`Item`], [`ItemRef`],
/// [`Event`], [`EventRef`], [`Control`], [`ControlRef`], passed on exactly as they came, as
/// [`OutEvent::from`] does), `stream::Message` (with the `stream` feature), and `&T` and
/// `Box<T>` of any of these. [`Encoder::encode`], [`Encoder::encoded_len`], the `tokio_util`
/// codec (`codec::SseCodec`, one blanket impl) and `stream::encode_events` all take it.
///
/// Design: a trait whose one method returns the borrowed view, rather than one that writes
/// bytes, keeps it object safe (`&dyn Encode` and `Box<dyn Encode>` work, so a stream can mix
/// kinds) and leaves every check, size and write to the one encoder, so no implementation can
/// write a malformed stream or get [`Encoder::encoded_len`] wrong.
///
/// ```
/// use sse_wire::sse::{Encode, Encoder, OutEvent};
///
/// struct Token<'a>(&'a str);
///
/// impl Encode for Token<'_> {
///     fn as_out_event(&self) -> OutEvent<'_> {
///         OutEvent::new().data(self.0).event_type("token")
///     }
/// }
///
/// let mut out = Vec::new();
/// Encoder::new().encode(&Token("hi"), &mut out)?;
/// let boxed: Vec<Box<dyn Encode>> = vec![Box::new(Token("a")), Box::new(OutEvent::comment(""))];
/// for item in &boxed {
///     Encoder::new().encode(item, &mut out)?;
/// }
/// assert_eq!(out, b"event: token\ndata: hi\n\nevent: token\ndata: a\n\n:\n");
/// # Ok::<(), sse_wire::sse::EncodeError>(())
/// ```
pub trait Encode {
    /// The fields to write, borrowed from `self`.
    fn as_out_event(&self) -> OutEvent<'_>;
}

impl Encode for OutEvent<'_> {
    fn as_out_event(&self) -> OutEvent<'_> {
        *self
    }
}

impl Encode for EventRef<'_> {
    fn as_out_event(&self) -> OutEvent<'_> {
        OutEvent::from(*self)
    }
}

impl Encode for Event {
    fn as_out_event(&self) -> OutEvent<'_> {
        OutEvent::from(self.as_ref())
    }
}

impl Encode for ControlRef<'_> {
    fn as_out_event(&self) -> OutEvent<'_> {
        OutEvent::from(*self)
    }
}

impl Encode for Control {
    fn as_out_event(&self) -> OutEvent<'_> {
        OutEvent::from(self.as_ref())
    }
}

impl Encode for ItemRef<'_> {
    /// An event or control block as it came, a comment as [`OutEvent::comment`].
    fn as_out_event(&self) -> OutEvent<'_> {
        match self {
            ItemRef::Event(event) => event.as_out_event(),
            ItemRef::Control(control) => control.as_out_event(),
            ItemRef::Comment(text) => OutEvent::comment(text),
        }
    }
}

impl Encode for Item {
    /// An event or control block as it came, a comment as [`OutEvent::comment`].
    fn as_out_event(&self) -> OutEvent<'_> {
        match self {
            Item::Event(event) => event.as_out_event(),
            Item::Control(control) => control.as_out_event(),
            Item::Comment(text) => OutEvent::comment(text),
        }
    }
}

impl<T: Encode + ?Sized> Encode for &T {
    fn as_out_event(&self) -> OutEvent<'_> {
        (**self).as_out_event()
    }
}

impl<T: Encode + ?Sized> Encode for Box<T> {
    fn as_out_event(&self) -> OutEvent<'_> {
        (**self).as_out_event()
    }
}

const DATA: &[u8] = b"data: ";
const EVENT: &[u8] = b"event: ";
const ID: &[u8] = b"id: ";
const RETRY: &[u8] = b"retry: ";

/// `r` in whole milliseconds, rounded up: a time below a millisecond must not turn into
/// `retry: 0`, which tells the reader to reconnect at once.
fn retry_ms(r: Duration) -> Result<u64, EncodeError> {
    let ms = r.as_millis() + u128::from(!r.subsec_nanos().is_multiple_of(1_000_000));
    u64::try_from(ms).map_err(|_| EncodeError::RetryTooLarge { secs: r.as_secs() })
}

fn decimal_len(mut n: u64) -> usize {
    let mut len = 1;
    while n >= 10 {
        n /= 10;
        len += 1;
    }
    len
}

fn put_decimal<B: BufMut>(dst: &mut B, n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    dst.put_slice(&digits[i..]);
}

/// Length of `text` written as one `prefix` line per line of it, or [`EncodeError::LengthOverflow`].
fn lines_len(prefix: usize, text: &[u8]) -> Result<usize, EncodeError> {
    let mut lines: usize = 1;
    let mut crlf: usize = 0;
    let mut rest = text;
    while let Some(i) = memchr::memchr2(b'\r', b'\n', rest) {
        let brk = if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') {
            crlf += 1;
            2
        } else {
            1
        };
        lines += 1;
        rest = &rest[i + brk..];
    }
    lines_size(prefix, text.len(), lines, crlf)
}

/// The size of `len` bytes of text that hold `lines - 1` line breaks, `crlf` of them CRLF,
/// written as `lines` lines of `prefix` bytes plus text plus LF: each break's bytes become
/// the LF and the next prefix. Checked: 613,566,757 LFs (a third of 32-bit memory) already
/// make more than `u32::MAX` bytes.
fn lines_size(prefix: usize, len: usize, lines: usize, crlf: usize) -> Result<usize, EncodeError> {
    let per_line = lines
        .checked_mul(prefix + 1)
        .ok_or(EncodeError::LengthOverflow)?;
    // `len` counts every break byte; `lines - 1 + crlf` of them are not written as text.
    let text = len - (lines - 1) - crlf;
    per_line
        .checked_add(text)
        .ok_or(EncodeError::LengthOverflow)
}

/// Writes `text` as one `prefix` line per line of it (CR, LF and CRLF all end a line); `end`
/// ends the last line (`"\n"`, or `"\n\n"` to end the event too in the same write).
fn put_lines<B: BufMut>(dst: &mut B, prefix: &[u8], text: &[u8], end: &[u8]) {
    let mut rest = text;
    loop {
        dst.put_slice(prefix);
        match memchr::memchr2(b'\r', b'\n', rest) {
            None => {
                dst.put_slice(rest);
                dst.put_slice(end);
                return;
            }
            Some(i) => {
                dst.put_slice(&rest[..i]);
                dst.put_u8(b'\n');
                let brk = if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                rest = &rest[i + brk..];
            }
        }
    }
}

/// Writes events as `text/event-stream` bytes that every conforming reader reads back as meant.
///
/// The encoder is stateless and writes into any [`BufMut`] (a `BytesMut`, a `Vec<u8>`, a fixed
/// `&mut [u8]`) without allocating. It checks that the destination has room first, so it never
/// hits `BufMut::put_slice`'s out-of-room panic, and it writes nothing when it returns an error.
/// It writes anything [`Encode`]: an [`OutEvent`] built for sending, or a decoded item passed
/// on as it came.
///
/// What the format can carry, and how:
///
/// | input | written | read back as |
/// |---|---|---|
/// | data with LF, CR or CRLF | one `data:` line per line | the lines joined with LF (CR and CRLF become LF) |
/// | empty data, or data ending in a line break | an empty last `data:` line | exactly that |
/// | data starting with a space | `data: ` then the value | the value (a reader strips only the one space) |
/// | CR or LF in `event` or `id` | nothing: [`EncodeError`] | |
/// | NUL in `id` | nothing: [`EncodeError::ControlInId`] | |
/// | comment with line breaks | one `:` line per line | one comment item per line |
///
/// ```
/// use bytes::BytesMut;
/// use sse_wire::sse::{Encoder, OutEvent};
///
/// let encoder = Encoder::new();
/// let mut out = BytesMut::new();
/// for token in ["Hel", "lo", "[DONE]"] {
///     encoder.encode(&OutEvent::new().data(token), &mut out).unwrap();
/// }
/// assert_eq!(&out[..], b"data: Hel\n\ndata: lo\n\ndata: [DONE]\n\n");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Encoder {
    _private: (),
}

impl Encoder {
    /// A new encoder.
    #[must_use]
    pub const fn new() -> Self {
        Encoder { _private: () }
    }

    /// Exactly how many bytes [`encode`](Encoder::encode) writes for `item`.
    ///
    /// # Errors
    ///
    /// The [`EncodeError`] that `encode` would return.
    pub fn encoded_len<T: Encode + ?Sized>(&self, item: &T) -> Result<usize, EncodeError> {
        let event = item.as_out_event();
        let head = event.check()?;
        let data = match event.data {
            Some(d) => lines_len(DATA.len(), d.as_bytes())?,
            None => 0,
        };
        sum(&[head, data])
    }

    /// Writes `item` to `dst`.
    ///
    /// # Errors
    ///
    /// An invalid `event`/`id`/`retry` field, or a destination without room; nothing is written
    /// then.
    pub fn encode<T: Encode + ?Sized, B: BufMut>(
        &self,
        item: &T,
        dst: &mut B,
    ) -> Result<(), EncodeError> {
        let event = item.as_out_event();
        let head = event.check()?;
        let data = event.data.map(str::as_bytes);
        // A break costs at most `DATA.len()` extra bytes: skip the exact count when there is room
        // for the worst case anyway (always so for `BytesMut` and `Vec`). A worst case past
        // `usize::MAX` cannot be met, so the exact count decides then.
        let worst = data.map_or(Some(head), |d| {
            d.len()
                .checked_mul(DATA.len() + 1)
                .and_then(|n| n.checked_add(head + DATA.len() + 1))
        });
        let available = dst.remaining_mut();
        if worst.is_none_or(|worst| available < worst) {
            let needed = self.encoded_len(&event)?;
            if available < needed {
                return Err(EncodeError::BufferTooSmall { needed, available });
            }
        }
        event.put_head(dst)?;
        match data {
            // The blank line that ends the event goes out with the last data line.
            Some(d) => put_lines(dst, DATA, d, b"\n\n"),
            None if event.is_comment_only() => {}
            None => dst.put_u8(b'\n'),
        }
        Ok(())
    }

    /// Frames `data` as an event without copying it: the returned [`EncodedEvent`] is a [`Buf`]
    /// that yields the comment and field lines, then slices of `data` between its line breaks,
    /// each with its `data: ` prefix and line end. Hand it to a vectored write
    /// (`chunks_vectored`) or chain it.
    ///
    /// `event`'s own data is ignored: `data` is the payload. Line breaks in `data` are handled
    /// as by [`encode`](Encoder::encode), and the bytes are identical. The payload is a [`Str`],
    /// so it is UTF-8 already (readers decode the stream as UTF-8): a decoded event's data
    /// ([`Event::data_str`]) as it is, `Bytes` through [`Str::from_utf8`] (checked once,
    /// without a copy).
    ///
    /// ```
    /// use bytes::{Buf, Bytes};
    /// use sse_wire::{sse::{Encoder, OutEvent}, Str};
    ///
    /// let payload = Str::from_utf8(Bytes::from(vec![b'x'; 64 * 1024]))?;
    /// let mut framed = Encoder::new().frame(&OutEvent::new().id("7"), payload)?;
    /// assert_eq!(framed.remaining(), 4 + 1 + 1 + 6 + 64 * 1024 + 1 + 1);
    /// let out = framed.copy_to_bytes(framed.remaining());
    /// assert!(out.starts_with(b"id: 7\ndata: xxx"));
    ///
    /// let mut framed = Encoder::new().frame(&OutEvent::new(), Str::from("a\nb"))?;
    /// assert_eq!(&framed.copy_to_bytes(framed.remaining())[..], b"data: a\ndata: b\n\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// An invalid `event`/`id`/`retry` field.
    pub fn frame(&self, event: &OutEvent<'_>, data: Str) -> Result<EncodedEvent, EncodeError> {
        let data = data.into_bytes();
        // `event` with the payload's data in place of its own, for the sizes and the head.
        let meta = OutEvent {
            data: Some(""),
            ..*event
        };
        let head_len = meta.check()?;
        let total = sum(&[head_len, lines_len(DATA.len(), &data)?])?;
        let mut head = HeadBuf::default();
        // `check` bounded every field, but not their total: a head that does not fit inline is
        // written into a buffer of its own instead.
        let spill = if head_len - 1 + DATA.len() <= HEAD_CAP {
            let mut w = &mut head.bytes[..];
            let before = w.len();
            meta.put_head(&mut w)?;
            w.put_slice(DATA);
            head.len = (before - w.len()) as u8;
            Bytes::new()
        } else {
            let mut spill = alloc::vec::Vec::with_capacity(head_len - 1 + DATA.len());
            meta.put_head(&mut spill)?;
            spill.extend_from_slice(DATA);
            Bytes::from(spill)
        };
        Ok(EncodedEvent {
            head,
            head_pos: 0,
            spill,
            data,
            seg: 0,
            state: State::Head,
            remaining: total,
        })
    }
}

/// Why [`Encoder::json`] could not write an event.
#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
#[derive(Error, Debug)]
#[non_exhaustive]
pub enum JsonError {
    /// The event's other fields were invalid, or the destination too small.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The value could not be serialized.
    #[error("cannot serialize event data as JSON: {0}")]
    Serialize(#[from] serde_json::Error),
}

#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
impl Encoder {
    /// Writes an event whose data is `value` serialized as compact JSON, with the other fields
    /// of `event` (its data, if set, is replaced).
    ///
    /// Compact JSON never holds a raw CR or LF (line breaks inside strings are escaped as
    /// `\n`/`\r`), so the data is always one `data:` line. Serializing allocates one buffer.
    ///
    /// ```
    /// use sse_wire::sse::{Encoder, OutEvent};
    ///
    /// #[derive(serde::Serialize)]
    /// struct Delta<'a> { content: &'a str }
    ///
    /// let mut out = Vec::new();
    /// Encoder::new().json(&OutEvent::new().event_type("delta"), &Delta { content: "a\nb" }, &mut out).unwrap();
    /// assert_eq!(out, b"event: delta\ndata: {\"content\":\"a\\nb\"}\n\n");
    /// ```
    ///
    /// # Errors
    ///
    /// [`JsonError::Serialize`] when `value` cannot be serialized, [`JsonError::Encode`] as for
    /// [`encode`](Encoder::encode). Nothing is written on error.
    pub fn json<T, B>(&self, event: &OutEvent<'_>, value: &T, dst: &mut B) -> Result<(), JsonError>
    where
        T: serde::Serialize + ?Sized,
        B: BufMut,
    {
        let json = serde_json::to_string(value)?;
        self.encode(&event.data(&json), dst)?;
        Ok(())
    }
}

const HEAD_CAP: usize = 96;

#[derive(Debug, Clone)]
struct HeadBuf {
    bytes: [u8; HEAD_CAP],
    len: u8,
}

impl Default for HeadBuf {
    fn default() -> Self {
        HeadBuf {
            bytes: [0; HEAD_CAP],
            len: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Field lines and the first `data: ` (inline or spilled).
    Head,
    /// `seg` payload bytes up to the next line break (or the end).
    Segment,
    /// `\n` + `data: ` replacing a line break; the offset into it.
    Break(u8),
    /// The final `\n\n` (the data line's end and the blank line); the offset into it.
    Tail(u8),
}

const BREAK: &[u8] = b"\ndata: ";
const TAIL: &[u8] = b"\n\n";

/// An event framed around a caller's [`Bytes`] payload without copying it; see
/// [`Encoder::frame`].
#[derive(Debug, Clone)]
pub struct EncodedEvent {
    head: HeadBuf,
    head_pos: u8,
    spill: Bytes,
    /// The payload from the current segment on.
    data: Bytes,
    /// Bytes of `data` before its next line break (or its end).
    seg: usize,
    state: State,
    remaining: usize,
}

fn segment_len(data: &[u8]) -> usize {
    memchr::memchr2(b'\r', b'\n', data).unwrap_or(data.len())
}

/// Bytes of the line break at the front of `data` (CRLF counts as one break).
fn break_len(data: &[u8]) -> usize {
    if data.starts_with(b"\r\n") {
        2
    } else {
        1
    }
}

impl EncodedEvent {
    fn head(&self) -> &[u8] {
        if self.spill.is_empty() {
            &self.head.bytes[usize::from(self.head_pos)..usize::from(self.head.len)]
        } else {
            &self.spill
        }
    }

    /// After the segment in `data` is spent: on to the next line break, or to the tail.
    fn end_segment(&mut self) {
        if self.data.is_empty() {
            self.state = State::Tail(0);
        } else {
            let n = break_len(&self.data);
            self.data.advance(n);
            self.state = State::Break(0);
        }
    }

    fn start_segment(&mut self) {
        self.seg = segment_len(&self.data);
        self.state = State::Segment;
        if self.seg == 0 {
            self.end_segment();
        }
    }
}

impl Buf for EncodedEvent {
    fn remaining(&self) -> usize {
        self.remaining
    }

    fn chunk(&self) -> &[u8] {
        match self.state {
            State::Head => self.head(),
            State::Segment => &self.data[..self.seg],
            State::Break(at) => &BREAK[usize::from(at)..],
            State::Tail(at) => &TAIL[usize::from(at)..],
        }
    }

    fn advance(&mut self, mut cnt: usize) {
        assert!(
            cnt <= self.remaining,
            "advance past the end of an EncodedEvent"
        );
        self.remaining -= cnt;
        while cnt > 0 {
            match self.state {
                State::Head => {
                    let left = self.head().len();
                    let n = cnt.min(left);
                    cnt -= n;
                    if self.spill.is_empty() {
                        self.head_pos += n as u8;
                    } else {
                        self.spill.advance(n);
                    }
                    if n == left {
                        self.spill = Bytes::new();
                        self.start_segment();
                    }
                }
                State::Segment => {
                    let n = cnt.min(self.seg);
                    cnt -= n;
                    self.data.advance(n);
                    self.seg -= n;
                    if self.seg == 0 {
                        self.end_segment();
                    }
                }
                State::Break(at) => {
                    let left = BREAK.len() - usize::from(at);
                    let n = cnt.min(left);
                    cnt -= n;
                    if n == left {
                        self.start_segment();
                    } else {
                        self.state = State::Break(at + n as u8);
                    }
                }
                State::Tail(at) => {
                    // `remaining` was checked, so the tail holds the rest.
                    self.state = State::Tail(at + cnt as u8);
                    cnt = 0;
                }
            }
        }
    }

    #[cfg(feature = "std")]
    fn chunks_vectored<'a>(&'a self, dst: &mut [std::io::IoSlice<'a>]) -> usize {
        let mut n = 0;
        let mut push = |s: &'a [u8], n: &mut usize| -> bool {
            if *n == dst.len() {
                return false;
            }
            if !s.is_empty() {
                dst[*n] = std::io::IoSlice::new(s);
                *n += 1;
            }
            true
        };
        if self.remaining == 0 || !push(self.chunk(), &mut n) {
            return n;
        }
        // What follows the current piece: the rest of the payload, segment by segment. After
        // the head or a break, `data` starts with a segment; inside one, with its rest.
        let mut rest: &'a [u8] = match self.state {
            State::Head | State::Break(_) => &self.data,
            State::Segment => &self.data[self.seg..],
            State::Tail(_) => return n,
        };
        let mut at_segment = self.state != State::Segment;
        loop {
            if at_segment {
                let seg = segment_len(rest);
                if !push(&rest[..seg], &mut n) {
                    return n;
                }
                rest = &rest[seg..];
            }
            if rest.is_empty() {
                push(TAIL, &mut n);
                return n;
            }
            rest = &rest[break_len(rest)..];
            if !push(BREAK, &mut n) {
                return n;
            }
            at_segment = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_size_is_checked() {
        // 2^32 / 7 LFs: 7 bytes per line, one more line than breaks.
        let lfs = 613_566_757usize;
        let want = (lfs as u64 + 1) * 7;
        assert_eq!(want, 4_294_967_306);
        match usize::try_from(want) {
            Ok(n) => assert_eq!(lines_size(DATA.len(), lfs, lfs + 1, 0), Ok(n)),
            Err(_) => assert_eq!(
                lines_size(DATA.len(), lfs, lfs + 1, 0),
                Err(EncodeError::LengthOverflow)
            ),
        }
        assert_eq!(
            lines_size(DATA.len(), usize::MAX, usize::MAX / 2, 0),
            Err(EncodeError::LengthOverflow)
        );
        assert_eq!(
            lines_size(DATA.len(), usize::MAX - 1, 1, 0),
            Err(EncodeError::LengthOverflow)
        );
        assert_eq!(lines_size(DATA.len(), 4, 2, 1), Ok(16)); // "a\r\nb": "data: a\ndata: b\n"
        assert_eq!(sum(&[usize::MAX, 1]), Err(EncodeError::LengthOverflow));
        assert_eq!(sum(&[usize::MAX - 1, 1]), Ok(usize::MAX));
    }
}
