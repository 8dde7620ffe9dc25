//! The one `text/event-stream` parser every decoding path runs on.
//!
//! The engine works over a *retained buffer*: the caller's bytes that the engine has not yet
//! released (`consumed`), followed by whatever arrived since. Offsets are relative to the start of
//! that buffer and are shifted when the caller drops consumed bytes, so the engine never copies
//! input to keep it and never scans a byte twice:
//!
//! * `pos` is where the next unprocessed line starts; `scan` is how far that line has already
//!   been searched for a line end (the bytes in `pos..scan` hold no CR or LF);
//! * a field of the pending event that fits the zero-copy case is kept as a [`Span::Ref`] into the
//!   buffer, which keeps that part of the buffer retained until the event is dispatched; anything
//!   else is appended to an engine-owned `String` ([`Span::Owned`]).
//!
//! Rules are cited as "WHATWG SSE" = HTML Living Standard, section 9.2 "Server-sent events",
//! subsections "Parsing an event stream" and "Interpreting an event stream".

use alloc::string::String;
use alloc::vec::Vec;
use core::{ops::Range, time::Duration};

use super::{DecodeError, Limit, Limits};

/// UTF-8 byte order mark, stripped once at the start of the stream (WHATWG SSE: the stream is
/// decoded with "UTF-8 decode", which removes one leading BOM).
const BOM: &[u8; 3] = b"\xEF\xBB\xBF";

/// Unreferenced bytes the engine lets the caller keep for a pending event before it copies the
/// event's referenced fields out and releases the buffer (keeps comments or long multi-line data
/// from pinning an unbounded amount of caller memory). Small under `cfg(fuzzing)`, so that the
/// fuzz targets' bound on retained bytes is tested by inputs of the sizes they try.
const MAX_RETAINED_WASTE: usize = if cfg!(fuzzing) { 64 } else { 4096 };

/// Where a field of the pending event lives.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum Span {
    /// Not set.
    #[default]
    None,
    /// Bytes `start..end` of the retained buffer (raw, not yet UTF-8 checked).
    Ref(usize, usize),
    /// In the engine's own `String` for that field (already valid UTF-8).
    Owned,
}

impl Span {
    fn shift(&mut self, by: usize) {
        if let Span::Ref(s, e) = self {
            *s -= by;
            *e -= by;
        }
    }
}

/// What a call to [`Engine::decode`] produced, as offsets into the buffer it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Raw {
    /// A blank line ended an event with data (never [`Span::None`]); `id` is set when the event's
    /// own lines set it, `retry_set` when one of them set the reconnection time.
    Dispatch {
        data: Span,
        event_type: Span,
        id: Span,
        retry_set: bool,
    },
    /// A blank line ended a block without data that set the last event ID buffer (`id` is not
    /// [`Span::None`]), the reconnection time, or both: no event, but the reader's state changed.
    Control { id: Span, retry_set: bool },
    /// A comment line; the range excludes the leading `:`.
    Comment(Range<usize>),
}

/// The result of one [`Engine::decode`] call.
#[derive(Debug)]
pub(crate) struct Step {
    pub(crate) consumed: usize,
    pub(crate) item: Result<Option<Raw>, DecodeError>,
}

#[derive(Debug, Clone)]
pub(crate) struct Engine {
    pub(crate) limits: Limits,
    pub(crate) comments: bool,
    /// Stream offset of byte 0 of the retained buffer.
    base: u64,
    pos: usize,
    scan: usize,
    /// The last line ended with a CR at the end of the input: an LF at `pos` belongs to it.
    cr_pending: bool,
    /// True until the first bytes of the stream have been checked for a BOM.
    at_start: bool,
    /// After a limit error: the event is dropped until the next blank line (or, with
    /// `skip_line`, only the current line is). Its `id` and `retry` lines still take effect
    /// (see [`Engine::skipped_line`]); its other lines are discarded.
    skipping: bool,
    /// While skipping: only the current line is skipped (an oversized comment outside any event,
    /// which costs only itself).
    skip_line: bool,
    /// While skipping: part of the current line was already released (so it is not blank).
    skipped_part: bool,

    // The pending event.
    fields: usize,
    data: Span,
    /// Bytes the data buffer would hold per the spec (each line's value plus an LF).
    data_len: usize,
    event_type: Span,
    id: Span,
    /// A `retry` field of the pending block set the reconnection time.
    retry_set: bool,
    /// The joined data lines of a multi-line event ([`Span::Owned`] data), as raw bytes: UTF-8
    /// repair is left to the front end, once per event, which is also when the text is checked.
    pub(crate) data_buf: Vec<u8>,
    /// `data_buf` repaired, when it is not valid UTF-8 (borrowed front end).
    pub(crate) data_text: String,
    pub(crate) type_buf: String,
    pub(crate) id_buf: String,

    retry: Option<Duration>,
    eol: EolFinder,
}

/// What [`Engine::finish`] found pending at end of stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pending {
    pub(crate) fields: usize,
    pub(crate) data_len: usize,
    pub(crate) partial_line: usize,
}

impl Engine {
    pub(crate) fn new(limits: Limits) -> Self {
        Engine {
            limits,
            comments: true,
            base: 0,
            pos: 0,
            scan: 0,
            cr_pending: false,
            at_start: true,
            skipping: false,
            skip_line: false,
            skipped_part: false,
            fields: 0,
            data: Span::None,
            data_len: 0,
            event_type: Span::None,
            id: Span::None,
            retry_set: false,
            data_buf: Vec::new(),
            data_text: String::new(),
            type_buf: String::new(),
            id_buf: String::new(),
            retry: None,
            eol: EolFinder::new(),
        }
    }

    pub(crate) fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// Stream offset of the first byte the caller still holds.
    pub(crate) fn offset(&self) -> u64 {
        self.base
    }

    /// Tells the engine that the retained buffer grew to `len` bytes with bytes that hold no CR
    /// or LF (the caller searched them already), so that it need not search them again. Ignored
    /// where the engine must look at the new bytes itself: before the BOM check, while skipping,
    /// or past the line limit.
    pub(crate) fn mark_scanned(&mut self, len: usize) {
        if !self.at_start
            && !self.skipping
            && len > self.scan
            && len - self.pos <= self.limits.max_line_len
        {
            // A CR that ended the input ended its line alone: the byte after it is no LF.
            self.cr_pending = false;
            self.scan = len;
        }
    }

    /// Parses lines from `buf` until one produces an item, the input runs out, or a limit is
    /// exceeded.
    ///
    /// `buf` must start with the bytes not consumed by the previous call. Offsets in the result
    /// are relative to `buf` as given. The caller must drop `consumed` bytes (none after an
    /// error).
    // Inlined (with `run`) into the front ends: see `Decoder::decode`.
    #[inline(always)]
    pub(crate) fn decode(&mut self, buf: &[u8]) -> Step {
        if buf.len() < self.scan {
            return Step {
                consumed: 0,
                item: Err(DecodeError::InputShrunk {
                    offset: self.offset(),
                }),
            };
        }
        let item = self.run(buf);
        let consumed = if item.is_ok() { self.release() } else { 0 };
        Step { consumed, item }
    }

    #[inline(always)]
    fn run(&mut self, buf: &[u8]) -> Result<Option<Raw>, DecodeError> {
        if self.at_start {
            // WHATWG "UTF-8 decode" strips one leading BOM: hold up to two bytes until it is
            // clear whether they start one.
            let head = &buf[self.pos..];
            let n = head.len().min(3);
            if head[..n] != BOM[..n] {
                self.at_start = false;
            } else if n < 3 {
                self.scan = buf.len();
                return Ok(None);
            } else {
                self.at_start = false;
                self.pos += 3;
            }
            self.scan = self.pos;
        }
        loop {
            if self.pos == self.scan {
                // At a line start: settle what the previous line end left open.
                if self.cr_pending {
                    match buf.get(self.pos) {
                        None => return Ok(None),
                        Some(&b) => {
                            self.cr_pending = false;
                            if b == b'\n' {
                                self.pos += 1;
                                self.scan = self.pos;
                            }
                        }
                    }
                }
            }
            let found = self.eol.find(&buf[self.scan..]);
            let Some(i) = found else {
                self.scan = buf.len();
                return self.check_partial_line(buf);
            };
            let end = self.scan + i;
            let mut next = end + 1;
            if buf[end] == b'\r' {
                match buf.get(next) {
                    Some(b'\n') => next += 1,
                    Some(_) => {}
                    None => self.cr_pending = true,
                }
            }
            let start = self.pos;
            self.pos = next;
            self.scan = next;
            if end - start > self.limits.max_line_len && !self.skipping {
                // The whole line is in hand and is passed over with the error.
                return Err(self.line_too_long(buf, start, true));
            }
            if let Some(item) = self.line(buf, start, end)? {
                return Ok(Some(item));
            }
        }
    }

    /// An unterminated line is kept in the caller's buffer, but never past the line limit.
    fn check_partial_line(&mut self, buf: &[u8]) -> Result<Option<Raw>, DecodeError> {
        let len = self.scan - self.pos;
        if self.skipping {
            if self.skip_line || self.skipped_part || len > self.limits.max_line_len {
                // Nothing of this line is needed (the oversized line itself, or one that
                // could not be held anyway): release it as it streams by.
                self.skipped_part |= len > 0;
                self.pos = self.scan;
            }
            // Otherwise a line of a dropped event waits for its end, as any line does: it may
            // be an `id` or `retry` line, which still takes effect.
            return Ok(None);
        }
        if len > self.limits.max_line_len {
            let start = self.pos;
            let err = self.line_too_long(buf, start, false);
            // The rest of this line is discarded as it arrives.
            self.skipped_part = true;
            self.pos = self.scan;
            return Err(err);
        }
        Ok(None)
    }

    /// The error for a line starting at `start` that passed the line limit (`whole`: its line end
    /// is in hand too). Drops the event the line belongs to, and skips what is left of it.
    fn line_too_long(&mut self, buf: &[u8], start: usize, whole: bool) -> DecodeError {
        let offset = offset_past(self.base, start, self.limits.max_line_len);
        if !self.skip_line_only(buf, start) {
            self.abandon_event(buf);
        } else if !whole {
            self.skipping = true;
            self.skip_line = true;
        }
        DecodeError::LimitExceeded {
            limit: Limit::LineLen,
            offset,
        }
    }

    /// Whether an oversized line at `start` costs only itself: a comment outside any event.
    /// Any other line belongs to an event (it starts one, or it is inside one), and that whole
    /// event is dropped.
    fn skip_line_only(&self, buf: &[u8], start: usize) -> bool {
        self.fields == 0 && buf.get(start) == Some(&b':')
    }

    /// Drops the pending event after a limit error and skips to the next blank line. Its `id`
    /// and `retry` are kept: they take effect at that blank line as for a block without data
    /// (a `Control` item), wherever they stand in the block; its data and type go. The `id`
    /// is copied out of the buffer, which is released while skipping. Error path only.
    #[cold]
    fn abandon_event(&mut self, buf: &[u8]) {
        self.skipping = true;
        detach(&mut self.id, &mut self.id_buf, buf);
        self.fields = 0;
        self.data = Span::None;
        self.data_len = 0;
        self.event_type = Span::None;
    }

    /// A complete line of an event dropped for a limit (`skipping`, not `skip_line`): the
    /// blank line that ends it commits its `id` and `retry` (a `Control` item); an `id` or
    /// `retry` line that was held whole takes effect; anything else is discarded.
    #[cold]
    fn skipped_line(&mut self, buf: &[u8], start: usize, end: usize) -> Option<Raw> {
        let line = &buf[start..end];
        if line.is_empty() {
            self.skipping = false;
            return self.dispatch();
        }
        if line.len() > self.limits.max_line_len {
            return None;
        }
        let (name, value) = match memchr::memchr(b':', line) {
            Some(c) => (&line[..c], start + c + 1),
            None => (line, end),
        };
        let value = value + usize::from(value < end && buf[value] == b' ');
        match name {
            b"id" if memchr::memchr(0, &buf[value..end]).is_none() => {
                self.id_buf.clear();
                push_lossy(&mut self.id_buf, &buf[value..end]);
                self.id = Span::Owned;
            }
            b"retry" => {
                if let Some(ms) = parse_retry(&buf[value..end]) {
                    self.retry = Some(Duration::from_millis(ms));
                    self.retry_set = true;
                }
            }
            _ => {}
        }
        None
    }

    fn reset_event(&mut self) {
        self.fields = 0;
        self.data = Span::None;
        self.data_len = 0;
        self.event_type = Span::None;
        self.id = Span::None;
        self.retry_set = false;
    }

    /// Processes one complete line, `buf[start..end]` (line end excluded).
    // Called from one place, `run`, which every front end inlines.
    #[inline(always)]
    fn line(&mut self, buf: &[u8], start: usize, end: usize) -> Result<Option<Raw>, DecodeError> {
        let line = &buf[start..end];
        if self.skipping {
            if self.skip_line {
                // The end of the one line skipped.
                self.skipping = false;
                self.skip_line = false;
                self.skipped_part = false;
                return Ok(None);
            }
            if core::mem::take(&mut self.skipped_part) {
                // The end of a line released as it streamed by.
                return Ok(None);
            }
            return Ok(self.skipped_line(buf, start, end));
        }
        // WHATWG SSE, "Interpreting": "If the line is empty (a blank line): Dispatch the event".
        let Some(&first) = line.first() else {
            return Ok(self.dispatch());
        };
        // "If the line starts with a U+003A COLON character (:): Ignore the line."
        if first == b':' {
            // Comments inside an event must not pin its fields' bytes without bound either.
            self.limit_retention(buf);
            return Ok(self.comments.then(|| Raw::Comment(start + 1..end)));
        }
        // "If the line contains a U+003A COLON character": field is what precedes the first colon,
        // value what follows it, minus one leading U+0020 SPACE. "Otherwise": the whole line is the
        // field name and the value is empty.
        if line.starts_with(b"data:") {
            // The hot case, settled without the general field match below.
            let value = start + 5;
            let value = value + usize::from(line.get(5) == Some(&b' '));
            if self.fields == 0 && end - value <= self.limits.max_event_size {
                // The commonest event of all, one `data` line and a blank line, dispatched
                // here when that blank line is already in the buffer.
                let blank = match buf.get(self.pos) {
                    Some(b'\n') => 1,
                    Some(b'\r') if buf.get(self.pos + 1) == Some(&b'\n') => 2,
                    _ => 0,
                };
                if blank > 0 {
                    self.pos += blank;
                    self.scan = self.pos;
                    return Ok(Some(Raw::Dispatch {
                        data: Span::Ref(value, end),
                        event_type: Span::None,
                        id: Span::None,
                        retry_set: false,
                    }));
                }
            }
            self.fields += 1;
            self.data_line(buf, value, end)?;
            self.limit_retention(buf);
            return Ok(None);
        }
        let (name, value) = match memchr::memchr(b':', line) {
            Some(c) => (&line[..c], start + c + 1),
            None => (line, end),
        };
        let value = if buf.get(value) == Some(&b' ') && value < end {
            value + 1
        } else {
            value
        };
        self.fields += 1;
        // "Field names must be compared literally, with no case folding performed."
        match name {
            b"data" => self.data_line(buf, value, end)?,
            // "event": "Set the event type buffer to field value."
            b"event" => self.event_type = Span::Ref(value, end),
            // "id": "If the field value does not contain U+0000 NULL, then set the last event ID
            // buffer to the field value. Otherwise, ignore the field."
            b"id" if memchr::memchr(0, &buf[value..end]).is_none() => {
                self.id = Span::Ref(value, end);
            }
            // "retry": "If the field value consists of only ASCII digits, then interpret the field
            // value as an integer in base ten, and set the event stream's reconnection time to that
            // integer. Otherwise, ignore the field."
            b"retry" => {
                if let Some(ms) = parse_retry(&buf[value..end]) {
                    self.retry = Some(Duration::from_millis(ms));
                    self.retry_set = true;
                }
            }
            // "Otherwise: The field is ignored."
            _ => {}
        }
        self.limit_retention(buf);
        Ok(None)
    }

    /// "data": "Append the field value to the data buffer, then append a single U+000A LINE FEED
    /// (LF) character to the data buffer."
    fn data_line(&mut self, buf: &[u8], value: usize, end: usize) -> Result<(), DecodeError> {
        // `data_len` is at most `max_event_size + 1`, and a line is shorter than the buffer it
        // lies in: only a limit near `usize::MAX` can make the sum overflow, and it then
        // saturates past the limit.
        let added = end - value + 1;
        let total = self.data_len.saturating_add(added);
        // The dispatched data is the buffer without its final LF.
        if total - 1 > self.limits.max_event_size {
            let within = self.limits.max_event_size.saturating_sub(self.data_len);
            let offset = offset_past(self.base, value, within);
            self.abandon_event(buf);
            return Err(DecodeError::LimitExceeded {
                limit: Limit::EventSize,
                offset,
            });
        }
        self.data_len = total;
        match self.data {
            Span::None => self.data = Span::Ref(value, end),
            Span::Ref(..) | Span::Owned => {
                // From the second line on the data is no longer one slice of the input: join
                // it in the engine's buffer.
                self.own_data(buf);
                self.data_buf.push(b'\n');
                self.data_buf.extend_from_slice(&buf[value..end]);
            }
        }
        Ok(())
    }

    /// Moves the pending data into `data_buf` if it is still a [`Span::Ref`] into `buf`.
    fn own_data(&mut self, buf: &[u8]) {
        if let Span::Ref(s, e) = self.data {
            self.data_buf.clear();
            self.data_buf.extend_from_slice(&buf[s..e]);
            self.data = Span::Owned;
        }
    }

    /// Copies the pending event's referenced fields out of the caller's buffer once the bytes
    /// they pin (but do not use) pass [`MAX_RETAINED_WASTE`].
    #[inline]
    fn limit_retention(&mut self, buf: &[u8]) {
        if self.pos <= MAX_RETAINED_WASTE {
            // The pinned bytes all lie before `pos`, so there cannot be more waste than this.
            return;
        }
        let mut first = self.pos;
        let mut used = 0;
        for span in [&self.data, &self.event_type, &self.id] {
            if let Span::Ref(s, e) = *span {
                first = first.min(s);
                used += e - s;
            }
        }
        if self.pos - first - used <= MAX_RETAINED_WASTE {
            return;
        }
        self.own_data(buf);
        detach(&mut self.event_type, &mut self.type_buf, buf);
        detach(&mut self.id, &mut self.id_buf, buf);
    }

    /// The blank-line step: hands the pending event's fields to the caller and resets them.
    fn dispatch(&mut self) -> Option<Raw> {
        self.fields = 0;
        let data = core::mem::take(&mut self.data);
        let event_type = core::mem::take(&mut self.event_type);
        let id = core::mem::take(&mut self.id);
        let retry_set = core::mem::take(&mut self.retry_set);
        self.data_len = 0;
        if data == Span::None {
            // Nothing to dispatch ("If the data buffer is an empty string, set the data buffer
            // and the event type buffer to the empty string and return"), but the last event ID
            // string is set first (step 1), and a `retry` field already took effect: report
            // either, so that a relay can pass it on.
            return (id != Span::None || retry_set).then_some(Raw::Control { id, retry_set });
        }
        Some(Raw::Dispatch {
            data,
            event_type,
            id,
            retry_set,
        })
    }

    /// How many leading bytes of the buffer no pending span needs; shifts every offset by it.
    fn release(&mut self) -> usize {
        if self.pos == 0 {
            // Still inside the line the caller was asked to keep (input arriving in small
            // pieces): nothing to release.
            return 0;
        }
        let keep = if self.fields == 0 {
            // Only field lines set a span: between events there is nothing to keep.
            self.pos
        } else {
            let mut keep = self.pos;
            for span in [&self.data, &self.event_type, &self.id] {
                if let Span::Ref(s, _) = *span {
                    keep = keep.min(s);
                }
            }
            self.data.shift(keep);
            self.event_type.shift(keep);
            self.id.shift(keep);
            keep
        };
        self.pos -= keep;
        self.scan -= keep;
        self.base += keep as u64;
        keep
    }

    /// End of stream: reports and drops whatever was pending, and readies the engine for a new
    /// stream (BOM check, line state); the reconnection time is kept.
    pub(crate) fn finish(&mut self) -> Pending {
        let pending = Pending {
            fields: if self.skipping { 0 } else { self.fields },
            data_len: if self.skipping {
                0
            } else {
                self.data_len.saturating_sub(1)
            },
            // A line of a dropped event is held to the end (it may be its `id`), but the error
            // already said the event was lost.
            partial_line: if self.skipping {
                0
            } else {
                self.scan - self.pos
            },
        };
        self.reset_event();
        self.base += self.scan as u64;
        self.pos = 0;
        self.scan = 0;
        self.cr_pending = false;
        self.at_start = true;
        self.skipping = false;
        self.skip_line = false;
        self.skipped_part = false;
        pending
    }
}

/// The stream offset `base + at + past`, saturating (a limit may be as large as `usize::MAX`).
fn offset_past(base: u64, at: usize, past: usize) -> u64 {
    base.saturating_add(at as u64).saturating_add(past as u64)
}

fn detach(span: &mut Span, owned: &mut String, buf: &[u8]) {
    if let Span::Ref(s, e) = *span {
        owned.clear();
        push_lossy(owned, &buf[s..e]);
        *span = Span::Owned;
    }
}

/// Appends `raw` decoded as UTF-8, each invalid sequence replaced by U+FFFD.
///
/// Lines are split only at ASCII bytes (CR, LF, `:`, space), which can never be part of a
/// multi-byte sequence, so decoding each piece on its own gives exactly what decoding the whole
/// stream first (as the spec does) would give.
pub(crate) fn push_lossy(out: &mut String, raw: &[u8]) {
    match crate::utf8::from_utf8(raw) {
        Ok(s) => out.push_str(s),
        Err(_) => push_lossy_slow(out, raw),
    }
}

#[cold]
fn push_lossy_slow(out: &mut String, raw: &[u8]) {
    for chunk in raw.utf8_chunks() {
        out.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            out.push(char::REPLACEMENT_CHARACTER);
        }
    }
}

/// One or more ASCII digits, as milliseconds. A value too large for `u64` is ignored, as Chromium
/// does (it parses the field as an unsigned 64-bit integer and drops it when that fails).
fn parse_retry(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    let mut ms: u64 = 0;
    for &b in value {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        ms = ms.checked_mul(10)?.checked_add(u64::from(digit))?;
    }
    Some(ms)
}

/// The first CR or LF in `hay`. Short inputs (a blank line, the few bytes of a small read) are
/// scanned directly: below a vector's width, memchr's setup costs more than the scan.
#[inline]
pub(crate) fn find_eol(hay: &[u8]) -> Option<usize> {
    find_eol_with(hay, |h| memchr::memchr2(b'\n', b'\r', h))
}

/// [`find_eol`], with `long` searching inputs of 16 bytes or more that do not start with a line
/// end (a blank line, the end of every event, needs no search).
#[inline(always)]
fn find_eol_with(hay: &[u8], long: impl FnOnce(&[u8]) -> Option<usize>) -> Option<usize> {
    let found = if hay.len() < 16 {
        hay.iter().position(|&b| b == b'\n' || b == b'\r')
    } else if matches!(hay[0], b'\n' | b'\r') {
        Some(0)
    } else {
        long(hay)
    };
    #[cfg(test)]
    searched::add(found.map_or(hay.len(), |i| i + 1));
    found
}

/// Counts, per thread, the bytes every line-end search looked at (up to and including the line
/// end it found), so that tests can check that no byte is searched twice however the input is
/// cut.
#[cfg(test)]
pub(crate) mod searched {
    extern crate std;
    use core::cell::Cell;

    std::thread_local! {
        static SEARCHED: Cell<u64> = const { Cell::new(0) };
    }

    pub(crate) fn add(bytes: usize) {
        SEARCHED.with(|n| n.set(n.get() + bytes as u64));
    }

    /// The bytes searched since the last call.
    pub(crate) fn take() -> u64 {
        SEARCHED.with(|n| n.replace(0))
    }
}

/// [`find_eol`] with memchr's AVX2 searcher picked once, when the CPU has AVX2, instead of on
/// every call (`memchr2` dispatches through a function pointer each time).
#[derive(Debug, Clone, Copy)]
struct EolFinder {
    #[cfg(target_arch = "x86_64")]
    avx2: Option<memchr::arch::x86_64::avx2::memchr::Two>,
}

impl EolFinder {
    fn new() -> Self {
        EolFinder {
            #[cfg(target_arch = "x86_64")]
            avx2: memchr::arch::x86_64::avx2::memchr::Two::new(b'\n', b'\r'),
        }
    }

    #[inline]
    fn find(&self, hay: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(two) = &self.avx2 {
            return find_eol_with(hay, |h| two.find(h));
        }
        find_eol(hay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_eol_agrees_with_memchr2_on_both_sides_of_the_short_cut() {
        // One line end at `at` and, optionally, another at `later`: both searches (the plain
        // one and the decoder's, with the searcher picked once) must report the first one,
        // whatever follows it, on both sides of the 16-byte cut.
        let finder = EolFinder::new();
        // Under Miri (a thousand times slower) the lengths around the 16-byte cut and the
        // vector widths only.
        let lens = (0..40)
            .filter(|len| !cfg!(miri) || [0, 1, 2, 15, 16, 17, 31, 32, 33, 39].contains(len));
        for len in lens {
            for at in 0..=len {
                for later in at..=len {
                    for (eol, other) in [(b'\n', b'\r'), (b'\r', b'\n'), (b'\n', b'\n')] {
                        let mut hay = alloc::vec![b'x'; len];
                        if at < len {
                            hay[at] = eol;
                        }
                        if later > at && later < len {
                            hay[later] = other;
                        }
                        // Bytes one off CR or LF, and high bytes, must not match.
                        if at > 0 {
                            hay[at - 1] = [0x0b, 0x0c, 0x0e, 0x8a][at % 4];
                        }
                        let want = memchr::memchr2(b'\n', b'\r', &hay);
                        assert_eq!(find_eol(&hay), want, "{hay:?}");
                        assert_eq!(finder.find(&hay), want, "{hay:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn retry_values() {
        assert_eq!(parse_retry(b"0"), Some(0));
        assert_eq!(parse_retry(b"007"), Some(7));
        assert_eq!(parse_retry(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_retry(b"18446744073709551616"), None);
        assert_eq!(parse_retry(b""), None);
        assert_eq!(parse_retry(b"+5"), None);
        assert_eq!(parse_retry(b"5 "), None);
        assert_eq!(parse_retry(b"\xd9\xa5"), None);
    }

    #[test]
    fn lossy_matches_std() {
        let mut s = String::new();
        push_lossy(&mut s, b"a\xff\xfeb\xe2\x82");
        assert_eq!(s, String::from_utf8_lossy(b"a\xff\xfeb\xe2\x82"));
    }

    /// A stream with every kind of line: a BOM, long and short lines, LF, CRLF and lone CR line
    /// ends, a comment, a multi-line event, `id` and `retry`.
    fn mixed_stream() -> Vec<u8> {
        let mut s = alloc::vec::Vec::from(
            &b"\xEF\xBB\xBFretry: 1500\n: a comment long enough to be searched by memchr\r\n"[..],
        );
        for i in 0..6 {
            s.extend_from_slice(b"id: ");
            s.extend_from_slice(alloc::format!("{i}").as_bytes());
            s.extend_from_slice(b"\rdata: {\"choices\":[{\"delta\":{\"content\":\"token\"}}]}\r\n");
            s.extend_from_slice(b"data: x\n");
            s.extend_from_slice(&[b'y'; 40]);
            s.extend_from_slice(b"\r\n\r");
        }
        s.extend_from_slice(b"data: [DONE]\n\n");
        s
    }

    /// Every way of cutting `stream` the test tries: whole, one byte at a time, 7 bytes at a
    /// time, and in two at every offset.
    fn cuts(stream: &[u8]) -> Vec<Vec<&[u8]>> {
        let mut all = alloc::vec![
            alloc::vec![stream],
            stream.chunks(1).collect(),
            stream.chunks(7).collect()
        ];
        // Under Miri (a thousand times slower) every 61st two-way cut, not every one.
        let step = if cfg!(miri) { 61 } else { 1 };
        for at in (0..=stream.len()).step_by(step) {
            let (a, b) = stream.split_at(at);
            all.push(alloc::vec![a, b]);
        }
        all
    }

    #[test]
    fn the_borrowed_decoder_searches_no_byte_twice_however_the_input_is_cut() {
        // The README's "no byte scanned twice" guarantee: the bytes all line-end searches look
        // at add up to at most the stream's length, for every cut.
        let stream = mixed_stream();
        for pieces in cuts(&stream) {
            let mut decoder = crate::sse::Decoder::new();
            let mut buf = Vec::new();
            let mut events = 0;
            searched::take();
            for piece in &pieces {
                buf.extend_from_slice(piece);
                loop {
                    let decoded = decoder.decode(&buf).unwrap();
                    let (consumed, got) = (decoded.consumed, decoded.item.is_some());
                    if matches!(decoded.item, Some(crate::sse::ItemRef::Event(_))) {
                        events += 1;
                    }
                    buf.drain(..consumed);
                    if !got {
                        break;
                    }
                }
            }
            let searched = searched::take();
            assert_eq!(events, 7, "{} pieces", pieces.len());
            assert!(
                searched <= stream.len() as u64,
                "{searched} bytes searched in a {}-byte stream cut in {} pieces",
                stream.len(),
                pieces.len()
            );
        }
    }

    #[test]
    fn the_bytes_decoder_searches_no_byte_twice_however_the_input_is_cut() {
        let stream = mixed_stream();
        for pieces in cuts(&stream) {
            let mut decoder = crate::sse::BytesDecoder::new();
            let mut events = 0;
            searched::take();
            for piece in &pieces {
                decoder.push(bytes::Bytes::copy_from_slice(piece));
                for item in &mut decoder {
                    if matches!(item.unwrap(), crate::sse::Item::Event(_)) {
                        events += 1;
                    }
                }
            }
            let searched = searched::take();
            assert_eq!(events, 7, "{} pieces", pieces.len());
            assert!(
                searched <= stream.len() as u64,
                "{searched} bytes searched in a {}-byte stream cut in {} pieces",
                stream.len(),
                pieces.len()
            );
        }
    }
}
