//! The SSE reference decoder: a deliberately naive decoder written straight from the WHATWG HTML
//! Living Standard, section 9.2 "Server-sent events", subsections "Parsing an event stream" and
//! "Interpreting an event stream".
//!
//! It takes the whole stream at once, decodes it to text, splits it into lines char by char and
//! runs the spec's steps on each line. It shares no code with [`crate::sse`], so a difference
//! between the two is a bug in one of them.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

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
