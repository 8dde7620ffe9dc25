//! The SSE reference decoder: a deliberately naive decoder written straight from the WHATWG HTML
//! Living Standard, section 9.2 "Server-sent events", subsections "Parsing an event stream" and
//! "Interpreting an event stream".
//!
//! It takes the whole stream at once, decodes it to text, splits it into lines char by char and
//! runs the spec's steps on each line. It shares no code with [`sse_wire::sse`] (only the
//! [`Limits`] and [`DecodeError`] types), so a difference between the two is a bug in one of them.
//!
//! [`reference`](fn@reference) and [`reference_seeded`] know no limits (the spec has none);
//! [`reference_limited`] and [`reference_limited_from`] apply the crate's [`Limits`] by their
//! documented rules, restated below.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use sse_wire::sse::{DecodeError, Limit, Limits};

// ---------------------------------------------------------------------------------------------
// Items in a form both the reference and the real decoder can be compared in
// ---------------------------------------------------------------------------------------------

/// A dispatched event: the `MessageEvent` a browser would fire, plus the reconnection time in
/// force when it was dispatched.
#[derive(Clone, PartialEq, Eq)]
pub struct RefEvent {
    /// The event type (`message` unless an `event` field set another).
    pub event_type: String,
    /// The data lines joined with LF.
    pub data: String,
    /// The last event ID string when the event was dispatched.
    pub id: String,
    /// The reconnection time in force when the event was dispatched.
    pub retry: Option<Duration>,
}

impl fmt::Debug for RefEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Event(type={:?}, data={:?}, id={:?}, retry={:?})",
            self.event_type, self.data, self.id, self.retry
        )
    }
}

/// One item out of a decoder: an event, or a comment line's text after the `:`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum RefItem {
    /// A dispatched event.
    Event(RefEvent),
    /// A comment line's text after the `:`, unstripped.
    Comment(String),
    /// A blank line that dispatched nothing (empty data buffer) after a block that had an `id`
    /// field the parser took, a `retry` field it took, or both: the state in force after it, and
    /// which fields the block had.
    Control {
        /// The last event ID string after the blank line.
        id: String,
        /// The reconnection time after the blank line.
        retry: Option<Duration>,
        /// The block set the last event ID buffer.
        id_set: bool,
        /// The block set the reconnection time.
        retry_set: bool,
    },
}

impl RefItem {
    /// The event, or `None` for another item.
    pub fn event(&self) -> Option<&RefEvent> {
        match self {
            RefItem::Event(e) => Some(e),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The reference decoder
// ---------------------------------------------------------------------------------------------

/// What the reference decoder made of a whole stream.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RefOutcome {
    /// Items in the order they were produced.
    pub items: Vec<RefItem>,
    /// The event source's "last event ID string" after the stream (set at each dispatch).
    pub last_event_id: String,
    /// The event stream's "reconnection time", if a valid `retry` field set it.
    pub retry: Option<Duration>,
    /// What was pending at the end of the file (and so discarded), if anything.
    pub pending: Option<Pending>,
}

/// What a stream that ended inside an event left behind.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Pending {
    /// Non-blank, non-comment lines processed since the last blank line.
    pub fields: usize,
    /// Length in bytes of the data the discarded event would have carried.
    pub data_len: usize,
    /// Raw bytes of a last line that had no line end.
    pub partial_line: usize,
}

/// The reference decoder for one whole stream, starting from a fresh event source.
pub fn reference(input: &[u8], comments: bool) -> RefOutcome {
    reference_seeded(input, comments, "", None)
}

/// The reference decoder for one whole stream, on an event source whose last event ID string
/// and reconnection time were already set (a reconnection).
pub fn reference_seeded(
    input: &[u8],
    comments: bool,
    last_event_id: &str,
    retry: Option<Duration>,
) -> RefOutcome {
    // WHATWG SSE "Interpreting an event stream": "Streams must be decoded using the UTF-8 decode
    // algorithm." / "The UTF-8 decode algorithm strips one leading UTF-8 Byte Order Mark (BOM),
    // if any." Rust's `from_utf8_lossy` replaces each maximal invalid subpart with one U+FFFD,
    // exactly as the Encoding Standard's UTF-8 decoder does.
    let body = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let text = String::from_utf8_lossy(body);

    // "The stream must then be parsed by reading everything line by line, with a U+000D CARRIAGE
    // RETURN U+000A LINE FEED (CRLF) character pair, a single U+000A LINE FEED (LF) character not
    // preceded by a U+000D CARRIAGE RETURN (CR) character, and a single U+000D CARRIAGE RETURN
    // (CR) character not followed by a U+000A LINE FEED (LF) character being the ways in which a
    // line can end."
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                lines.push(core::mem::take(&mut current));
            }
            '\n' => lines.push(core::mem::take(&mut current)),
            other => current.push(other),
        }
    }
    // Whatever follows the last line end is a line that never ended.
    let partial_line = match body.iter().rposition(|&b| b == b'\n' || b == b'\r') {
        Some(i) => body.len() - i - 1,
        None => body.len(),
    };

    // "When a stream is parsed, a data buffer, an event type buffer, and a last event ID buffer
    // must be associated with it. They must be initialized to the empty string." (On a
    // reconnection the buffer starts from the id already in force, as browsers do.)
    let mut data = String::new();
    let mut event_type = String::new();
    let mut last_event_id_buffer = last_event_id.to_owned();
    let mut last_event_id_string = last_event_id.to_owned();
    let mut reconnection_time = retry;
    let mut fields = 0;
    // Whether the current block's lines set the last event ID buffer / the reconnection time.
    let mut id_set = false;
    let mut retry_set = false;
    let mut items = Vec::new();

    // "Lines must be processed, in the order they are received, as follows:"
    for line in &lines {
        if line.is_empty() {
            // "If the line is empty (a blank line) Dispatch the event"
            fields = 0;
            // 1. "Set the last event ID string of the event source to the value of the last
            //    event ID buffer."
            last_event_id_string = last_event_id_buffer.clone();
            // 2. "If the data buffer is an empty string, set the data buffer and the event type
            //    buffer to the empty string and return."
            if data.is_empty() {
                event_type.clear();
                // (The crate reports such a block when its fields changed the state.)
                if id_set || retry_set {
                    items.push(RefItem::Control {
                        id: last_event_id_string.clone(),
                        retry: reconnection_time,
                        id_set,
                        retry_set,
                    });
                }
                id_set = false;
                retry_set = false;
                continue;
            }
            // 3. "If the data buffer's last character is a U+000A LINE FEED (LF) character, then
            //    remove the last character from the data buffer."
            if data.ends_with('\n') {
                data.pop();
            }
            // 5./6. type "message" unless "the event type buffer has a value other than the empty
            //    string"; lastEventId is "the last event ID string of the event source".
            items.push(RefItem::Event(RefEvent {
                event_type: if event_type.is_empty() {
                    "message".to_owned()
                } else {
                    event_type.clone()
                },
                data: data.clone(),
                id: last_event_id_string.clone(),
                retry: reconnection_time,
            }));
            // 7. "Set the data buffer and the event type buffer to the empty string."
            data.clear();
            event_type.clear();
            id_set = false;
            retry_set = false;
        } else if let Some(text) = line.strip_prefix(':') {
            // "If the line starts with a U+003A COLON character (:) Ignore the line."
            // (The crate surfaces the text after the colon, unstripped, unless told not to.)
            if comments {
                items.push(RefItem::Comment(text.to_owned()));
            }
        } else {
            fields += 1;
            let (name, value) = match line.find(':') {
                // "Collect the characters on the line before the first U+003A COLON character
                // (:), and let field be that string. Collect the characters on the line after the
                // first U+003A COLON character (:), and let value be that string. If value starts
                // with a U+0020 SPACE character, remove it from value."
                Some(i) => {
                    let value = &line[i + 1..];
                    (&line[..i], value.strip_prefix(' ').unwrap_or(value))
                }
                // "using the whole line as the field name, and the empty string as the field
                // value."
                None => (line.as_str(), ""),
            };
            // "Field names must be compared literally, with no case folding performed."
            match name {
                // "Set the event type buffer to the field value."
                "event" => event_type = value.to_owned(),
                // "Append the field value to the data buffer, then append a single U+000A LINE
                // FEED (LF) character to the data buffer."
                "data" => {
                    data.push_str(value);
                    data.push('\n');
                }
                // "If the field value does not contain U+0000 NULL, then set the last event ID
                // buffer to the field value. Otherwise, ignore the field."
                "id" if !value.contains('\0') => {
                    last_event_id_buffer = value.to_owned();
                    id_set = true;
                }
                // "If the field value consists of only ASCII digits, then interpret the field
                // value as an integer in base ten, and set the event stream's reconnection time
                // to that integer. Otherwise, ignore the field." (Empty: nothing to interpret;
                // past u64: ignored, as Chromium does.)
                "retry" => {
                    if let Some(ms) = ascii_digits_to_u64(value) {
                        reconnection_time = Some(Duration::from_millis(ms));
                        retry_set = true;
                    }
                }
                // "Otherwise The field is ignored."
                _ => {}
            }
        }
    }

    // "Once the end of the file is reached, any pending data must be discarded. (If the file
    // ends in the middle of an event, before the final empty line, the incomplete event is not
    // dispatched.)"
    let pending = (fields > 0 || partial_line > 0).then(|| Pending {
        fields,
        data_len: data.strip_suffix('\n').unwrap_or(&data).len(),
        partial_line,
    });
    RefOutcome {
        items,
        last_event_id: last_event_id_string,
        retry: reconnection_time,
        pending,
    }
}

/// A non-empty string of ASCII digits as a base-ten integer, if it fits in a u64.
fn ascii_digits_to_u64(value: &str) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for c in value.chars() {
        if !c.is_ascii_digit() {
            return None;
        }
        let digit = u64::from(c as u8 - b'0');
        n = n.checked_mul(10)?.checked_add(digit)?;
    }
    Some(n)
}

// ---------------------------------------------------------------------------------------------
// The reference decoder with limits
// ---------------------------------------------------------------------------------------------
//
// The spec has no limits; these are the crate's (`sse::Limits`, documented on `Limits` and
// `DecodeError`), restated here from their rules, not from the engine's code:
//
// * both limits count raw bytes, so this decoder splits the raw stream into lines first and
//   decodes each line to text afterwards (splitting at CR and LF, which are ASCII, gives the same
//   text as decoding the whole stream first);
// * a line longer than `max_line_len` (line end excluded) is `LimitExceeded { limit: LineLen }` at the offset of its
//   byte number `max_line_len` (0-based). A comment outside any event (no field line since the
//   last blank line) costs only itself; any other line costs the event it belongs to;
// * an event whose data (the `data` values joined with LF, raw) would pass `max_event_size` is
//   `LimitExceeded { limit: EventSize }` at the offset of the first byte past the limit (the start of the value when
//   that byte is the LF joining it to the previous line), and costs that event;
// * an event that a limit cost is dropped: its data and event type are forgotten, and the lines
//   after the error up to the next blank line are passed over, but its `id` and `retry` fields
//   still take effect, wherever they stand in the block (before or after the error), as if the
//   block had had no data: a `retry` line when it is read, an `id` line when that blank line
//   commits it, which then yields the `Control` item a block without data yields (after the
//   error item, since it comes at the blank line). Without that, a client resumes from the id
//   before the dropped event, and the server replays the event that can never fit, forever. A
//   line of the dropped block that is itself over `max_line_len` is lost whole (no error: the
//   block already reported one); comments in it are not reported;
// * an unterminated last line over `max_line_len` is an error too (the decoder cannot hold it),
//   except one or two bytes of a BOM that the stream ends before completing;
// * a stream that ends while an event is being dropped, or with an oversized last line, has
//   nothing pending: the error already said what was lost.
//
// Offsets are stream offsets: the first stream of a decoder starts at 0 and, after `finish()`
// or a reconnection, the next one starts where the previous one ended. A leading BOM counts.

/// The state a stream starts from: a fresh event source ([`Default`]), or the one the previous
/// stream left ([`RefLimitedOutcome::next_start`]).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct RefStart {
    /// The event source's last event ID string.
    pub last_event_id: String,
    /// The reconnection time.
    pub retry: Option<Duration>,
    /// Stream offset of the stream's first byte (the bytes all earlier streams held).
    pub offset: u64,
}

/// What the limited reference decoder made of a whole stream.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RefLimitedOutcome {
    /// Items and limit errors in the order they were produced.
    pub items: Vec<Result<RefItem, DecodeError>>,
    /// The last event ID string after the stream.
    pub last_event_id: String,
    /// The reconnection time after the stream.
    pub retry: Option<Duration>,
    /// What was pending at the end of the stream. Unlike [`RefOutcome::pending`],
    /// `data_len` counts raw bytes (as the limits do), not the repaired text.
    pub pending: Option<Pending>,
    /// Stream offset just past the stream's last byte.
    pub end_offset: u64,
}

impl RefLimitedOutcome {
    /// Where the next stream on the same event source (a reconnection) starts.
    pub fn next_start(&self) -> RefStart {
        RefStart {
            last_event_id: self.last_event_id.clone(),
            retry: self.retry,
            offset: self.end_offset,
        }
    }
}

/// The limited reference decoder for one whole stream, starting from a fresh event source.
pub fn reference_limited(input: &[u8], comments: bool, limits: Limits) -> RefLimitedOutcome {
    reference_limited_from(input, comments, limits, &RefStart::default())
}

/// The limited reference decoder for one whole stream, from the state `start`.
pub fn reference_limited_from(
    input: &[u8],
    comments: bool,
    limits: Limits,
    start: &RefStart,
) -> RefLimitedOutcome {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let (bom_len, body) = match input.strip_prefix(BOM) {
        Some(rest) => (BOM.len(), rest),
        None => (0, input),
    };
    // Stream offset of byte `i` of `body`, `past` bytes further on.
    let offset_of = |i: usize, past: usize| -> u64 {
        start
            .offset
            .saturating_add((bom_len + i) as u64)
            .saturating_add(past as u64)
    };

    // Raw lines, each with the index in `body` where it starts; then the unterminated rest.
    let mut lines: Vec<(usize, &[u8])> = Vec::new();
    let mut line_start = 0;
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'\r' => {
                lines.push((line_start, &body[line_start..i]));
                i += 1;
                if body.get(i) == Some(&b'\n') {
                    i += 1;
                }
                line_start = i;
            }
            b'\n' => {
                lines.push((line_start, &body[line_start..i]));
                i += 1;
                line_start = i;
            }
            _ => i += 1,
        }
    }
    let last_line = &body[line_start..];

    let mut items: Vec<Result<RefItem, DecodeError>> = Vec::new();
    // The WHATWG buffers, raw: decoded to text when an item is made.
    let mut data: Vec<u8> = Vec::new();
    let mut event_type: Vec<u8> = Vec::new();
    let mut last_event_id_buffer = start.last_event_id.clone();
    let mut last_event_id_string = start.last_event_id.clone();
    let mut reconnection_time = start.retry;
    let mut fields = 0;
    let mut id_set = false;
    let mut retry_set = false;
    // A limit cost the current event: pass lines over up to the next blank line.
    let mut dropping = false;

    for &(at, line) in &lines {
        if dropping {
            if line.is_empty() {
                // The dropped block ends: its id and retry take effect, as a block without data.
                dropping = false;
                last_event_id_string = last_event_id_buffer.clone();
                if id_set || retry_set {
                    items.push(Ok(RefItem::Control {
                        id: last_event_id_string.clone(),
                        retry: reconnection_time,
                        id_set,
                        retry_set,
                    }));
                }
                id_set = false;
                retry_set = false;
            } else if line.len() <= limits.max_line_len {
                let (name, value) = match line.iter().position(|&b| b == b':') {
                    Some(c) if line.get(c + 1) == Some(&b' ') => (&line[..c], &line[c + 2..]),
                    Some(c) => (&line[..c], &line[c + 1..]),
                    None => (line, &line[line.len()..]),
                };
                match name {
                    b"id" if !value.contains(&0) => {
                        last_event_id_buffer = lossy(value);
                        id_set = true;
                    }
                    b"retry" => {
                        if let Some(ms) = ascii_digits(value) {
                            reconnection_time = Some(Duration::from_millis(ms));
                            retry_set = true;
                        }
                    }
                    _ => {}
                }
            }
            continue;
        }
        let mut error = None;
        if line.len() > limits.max_line_len {
            error = Some(DecodeError::LimitExceeded {
                limit: Limit::LineLen,
                offset: offset_of(at, limits.max_line_len),
            });
            if line[0] == b':' && fields == 0 {
                // A comment outside any event: only this line is lost.
                items.push(Err(error.take().unwrap()));
                continue;
            }
        } else if line.is_empty() {
            fields = 0;
            last_event_id_string = last_event_id_buffer.clone();
            if data.is_empty() {
                event_type.clear();
                if id_set || retry_set {
                    items.push(Ok(RefItem::Control {
                        id: last_event_id_string.clone(),
                        retry: reconnection_time,
                        id_set,
                        retry_set,
                    }));
                }
            } else {
                data.pop(); // the LF after the last data line
                let name = lossy(&event_type);
                items.push(Ok(RefItem::Event(RefEvent {
                    event_type: if name.is_empty() {
                        "message".to_owned()
                    } else {
                        name
                    },
                    data: lossy(&data),
                    id: last_event_id_string.clone(),
                    retry: reconnection_time,
                })));
                data.clear();
                event_type.clear();
            }
            id_set = false;
            retry_set = false;
            continue;
        } else if line[0] == b':' {
            if comments {
                items.push(Ok(RefItem::Comment(lossy(&line[1..]))));
            }
            continue;
        } else {
            fields += 1;
            let (name, value_at) = match line.iter().position(|&b| b == b':') {
                Some(c) if line.get(c + 1) == Some(&b' ') => (&line[..c], c + 2),
                Some(c) => (&line[..c], c + 1),
                None => (line, line.len()),
            };
            let value = &line[value_at..];
            match name {
                b"event" => event_type = value.to_vec(),
                b"data" => {
                    // The data as it would be dispatched with this value: the earlier values,
                    // each followed by its LF, then this one.
                    let size = data.len() + value.len();
                    if size > limits.max_event_size {
                        // Byte number `max_event_size` of that is the first one too many.
                        let past = limits.max_event_size;
                        let offset = if past >= data.len() {
                            offset_of(at + value_at, past - data.len())
                        } else {
                            // It is the LF before this value: the value's start.
                            offset_of(at + value_at, 0)
                        };
                        error = Some(DecodeError::LimitExceeded {
                            limit: Limit::EventSize,
                            offset,
                        });
                    } else {
                        data.extend_from_slice(value);
                        data.push(b'\n');
                    }
                }
                b"id" if !value.contains(&0) => {
                    last_event_id_buffer = lossy(value);
                    id_set = true;
                }
                b"retry" => {
                    if let Some(ms) = ascii_digits(value) {
                        reconnection_time = Some(Duration::from_millis(ms));
                        retry_set = true;
                    }
                }
                _ => {}
            }
        }
        if let Some(e) = error {
            // The event this line belongs to is dropped; its id and retry are kept.
            items.push(Err(e));
            data.clear();
            event_type.clear();
            fields = 0;
            dropping = true;
        }
    }

    // The unterminated last line: discarded, but it must fit the line limit while it waits for
    // its line end (a BOM cut short is not a line yet).
    let cut_bom = bom_len == 0 && !input.is_empty() && input.len() < 3 && BOM.starts_with(input);
    let mut oversized = false;
    if !dropping && last_line.len() > limits.max_line_len && !cut_bom {
        items.push(Err(DecodeError::LimitExceeded {
            limit: Limit::LineLen,
            offset: offset_of(line_start, limits.max_line_len),
        }));
        oversized = true;
    }
    let pending =
        (!dropping && !oversized && (fields > 0 || !last_line.is_empty())).then(|| Pending {
            fields,
            data_len: data.len().saturating_sub(1),
            partial_line: last_line.len(),
        });
    RefLimitedOutcome {
        items,
        last_event_id: last_event_id_string,
        retry: reconnection_time,
        pending,
        end_offset: start.offset.saturating_add(input.len() as u64),
    }
}

/// Raw bytes as text, each invalid sequence replaced by one U+FFFD.
fn lossy(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).into_owned()
}

/// A non-empty run of ASCII digits as a base-ten integer, if it fits in a u64.
fn ascii_digits(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    core::str::from_utf8(value).ok()?.parse().ok()
}
