//! Shared helpers for the `sse` decoder's conformance and property tests.
//!
//! * [`reference`]: a deliberately naive decoder written straight from the WHATWG HTML Living
//!   Standard, section 9.2 "Server-sent events", subsections "Parsing an event stream" and
//!   "Interpreting an event stream". It takes the whole stream at once, decodes it to text, splits
//!   it into lines char by char and runs the spec's steps on each line. It shares no code with the
//!   crate.
//! * `run_*`: drivers that feed a list of pieces to the real decoder through each of its ways in
//!   (borrowed `decode`, `decode_buf`, `decode_bytes`, `BytesDecoder`), keeping each path's
//!   documented contract, and collect what comes out in the reference's form.
//! * [`check_splits`] / [`check`]: run one input whole, cut at every byte boundary into two
//!   pieces, and cut into one-byte pieces, through every path, and assert that all of them agree
//!   (and, for [`check`], that they agree with the reference decoder).

#![allow(dead_code)]

use std::fmt;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use sse_wire::sse::{BytesDecoder, DecodeError, Decoder, Item, ItemRef, Truncated};

// ---------------------------------------------------------------------------------------------
// Items in a form both the reference and the real decoder can be compared in
// ---------------------------------------------------------------------------------------------

/// A dispatched event: the `MessageEvent` a browser would fire, plus the reconnection time in
/// force when it was dispatched.
#[derive(Clone, PartialEq, Eq)]
pub struct RefEvent {
    pub event_type: String,
    pub data: String,
    pub id: String,
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
    Event(RefEvent),
    Comment(String),
}

impl RefItem {
    pub fn event(&self) -> Option<&RefEvent> {
        match self {
            RefItem::Event(e) => Some(e),
            RefItem::Comment(_) => None,
        }
    }
}

/// Shorthand for an expected event.
pub fn ev(event_type: &str, data: &str, id: &str, retry: Option<u64>) -> RefItem {
    RefItem::Event(RefEvent {
        event_type: event_type.to_owned(),
        data: data.to_owned(),
        id: id.to_owned(),
        retry: retry.map(Duration::from_millis),
    })
}

/// Shorthand for an expected `message` event with no id and no retry.
pub fn msg(data: &str) -> RefItem {
    ev("message", data, "", None)
}

/// Shorthand for an expected comment.
pub fn comment(text: &str) -> RefItem {
    RefItem::Comment(text.to_owned())
}

// ---------------------------------------------------------------------------------------------
// The reference decoder
// ---------------------------------------------------------------------------------------------

/// What the reference decoder made of a whole stream.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RefOutcome {
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
                lines.push(std::mem::take(&mut current));
            }
            '\n' => lines.push(std::mem::take(&mut current)),
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
                }
                // "If the field value consists of only ASCII digits, then interpret the field
                // value as an integer in base ten, and set the event stream's reconnection time
                // to that integer. Otherwise, ignore the field." (Empty: nothing to interpret;
                // past u64: ignored, as Chromium does.)
                "retry" => {
                    if let Some(ms) = ascii_digits_to_u64(value) {
                        reconnection_time = Some(Duration::from_millis(ms));
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
// Drivers for the real decoder
// ---------------------------------------------------------------------------------------------

/// Everything one run of the real decoder produced.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Run {
    /// Items and errors, in the order they came out.
    pub items: Vec<Result<RefItem, DecodeError>>,
    /// `last_event_id()` after `finish()`.
    pub last_event_id: String,
    /// `retry()` after `finish()`.
    pub retry: Option<Duration>,
    /// What `finish()` said.
    pub finish: Result<(), Truncated>,
}

impl Run {
    /// The items, panicking on any error.
    pub fn ok_items(&self) -> Vec<RefItem> {
        self.items
            .iter()
            .map(|r| {
                r.clone()
                    .unwrap_or_else(|e| panic!("unexpected error {e:?} in {self:?}"))
            })
            .collect()
    }

    /// The events only (comments dropped), panicking on any error.
    pub fn events(&self) -> Vec<RefEvent> {
        self.ok_items()
            .into_iter()
            .filter_map(|i| i.event().cloned())
            .collect()
    }

    /// The events' data only.
    pub fn data(&self) -> Vec<String> {
        self.events().into_iter().map(|e| e.data).collect()
    }

    /// The errors only.
    pub fn errors(&self) -> Vec<DecodeError> {
        self.items.iter().filter_map(|r| r.clone().err()).collect()
    }
}

fn from_item_ref(item: ItemRef<'_>) -> RefItem {
    match item {
        ItemRef::Event(e) => RefItem::Event(RefEvent {
            event_type: e.event_type().to_owned(),
            data: e.data().to_owned(),
            id: e.id().to_owned(),
            retry: e.retry(),
        }),
        ItemRef::Comment(c) => RefItem::Comment(c.to_owned()),
        other => panic!("unknown item kind {other:?}"),
    }
}

fn from_item(item: Item) -> RefItem {
    match item {
        Item::Event(e) => RefItem::Event(RefEvent {
            event_type: e.event_type().to_owned(),
            data: e.data().to_owned(),
            id: e.id().to_owned(),
            retry: e.retry(),
        }),
        Item::Comment(c) => RefItem::Comment(c.as_str().to_owned()),
        other => panic!("unknown item kind {other:?}"),
    }
}

/// Bounds the calls a driver makes, so that a decoder that never makes progress fails the test
/// instead of hanging it.
struct Guard {
    calls: usize,
    limit: usize,
    last_error: Option<DecodeError>,
    same_error_in_a_row: usize,
}

impl Guard {
    fn new(pieces: &[&[u8]]) -> Self {
        let total: usize = pieces.iter().map(|p| p.len()).sum();
        Guard {
            calls: 0,
            limit: 4 * total + 4 * pieces.len() + 64,
            last_error: None,
            same_error_in_a_row: 0,
        }
    }

    fn call(&mut self, path: &str) {
        self.calls += 1;
        assert!(
            self.calls <= self.limit,
            "{path}: more than {} calls for this input: the decoder makes no progress",
            self.limit
        );
    }

    fn ok(&mut self) {
        self.last_error = None;
        self.same_error_in_a_row = 0;
    }

    fn error(&mut self, path: &str, e: &DecodeError) {
        if self.last_error.as_ref() == Some(e) {
            self.same_error_in_a_row += 1;
        } else {
            self.last_error = Some(*e);
            self.same_error_in_a_row = 1;
        }
        assert!(
            self.same_error_in_a_row < 3,
            "{path}: the same call keeps failing with {e:?}; calling again should go on"
        );
    }
}

/// Borrowed `Decoder::decode`: the driver owns a `Vec<u8>`, drops `consumed` bytes from its
/// front after each call and appends each new piece.
pub fn run_borrowed(proto: &Decoder, pieces: &[&[u8]]) -> Run {
    run_borrowed_on(&mut proto.clone(), pieces)
}

/// As [`run_borrowed`], on a decoder that may already have decoded (and finished) other streams.
pub fn run_borrowed_on(decoder: &mut Decoder, pieces: &[&[u8]]) -> Run {
    let mut guard = Guard::new(pieces);
    let mut buf: Vec<u8> = Vec::new();
    let mut items = Vec::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        loop {
            guard.call("decode");
            let step = match decoder.decode(&buf) {
                Ok(d) => Ok((d.consumed, d.item.map(from_item_ref))),
                Err(e) => Err(e),
            };
            match step {
                Ok((consumed, item)) => {
                    guard.ok();
                    assert!(
                        consumed <= buf.len(),
                        "decode: consumed {consumed} of {} bytes",
                        buf.len()
                    );
                    buf.drain(..consumed);
                    match item {
                        Some(item) => items.push(Ok(item)),
                        None => break,
                    }
                }
                // "On error nothing is consumed: call again with the same buffer to go on."
                Err(e) => {
                    guard.error("decode", &e);
                    items.push(Err(e));
                }
            }
        }
    }
    let finish = decoder.finish();
    Run {
        items,
        last_event_id: decoder.last_event_id().to_owned(),
        retry: decoder.retry(),
        finish,
    }
}

/// `Decoder::decode_buf` with one `BytesMut` that each piece is appended to.
pub fn run_decode_buf(proto: &Decoder, pieces: &[&[u8]]) -> Run {
    run_decode_buf_on(&mut proto.clone(), pieces)
}

/// As [`run_decode_buf`], on a decoder that may already have decoded other streams.
pub fn run_decode_buf_on(decoder: &mut Decoder, pieces: &[&[u8]]) -> Run {
    let mut guard = Guard::new(pieces);
    let mut buf = BytesMut::new();
    let mut items = Vec::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        loop {
            guard.call("decode_buf");
            match decoder.decode_buf(&mut buf) {
                Ok(Some(item)) => {
                    guard.ok();
                    items.push(Ok(from_item(item)));
                }
                Ok(None) => {
                    guard.ok();
                    break;
                }
                Err(e) => {
                    guard.error("decode_buf", &e);
                    items.push(Err(e));
                }
            }
        }
    }
    let finish = decoder.finish();
    Run {
        items,
        last_event_id: decoder.last_event_id().to_owned(),
        retry: decoder.retry(),
        finish,
    }
}

/// `Decoder::decode_bytes`: when a call returns `Ok(None)`, the bytes left in the `Bytes` are
/// joined with the next piece, as its documentation asks.
pub fn run_decode_bytes(proto: &Decoder, pieces: &[&[u8]]) -> Run {
    let mut decoder = proto.clone();
    let mut guard = Guard::new(pieces);
    let mut buf = Bytes::new();
    let mut items = Vec::new();
    for piece in pieces {
        buf = if buf.is_empty() {
            Bytes::copy_from_slice(piece)
        } else {
            let mut joined = BytesMut::from(&buf[..]);
            joined.extend_from_slice(piece);
            joined.freeze()
        };
        loop {
            guard.call("decode_bytes");
            match decoder.decode_bytes(&mut buf) {
                Ok(Some(item)) => {
                    guard.ok();
                    items.push(Ok(from_item(item)));
                }
                Ok(None) => {
                    guard.ok();
                    break;
                }
                Err(e) => {
                    guard.error("decode_bytes", &e);
                    items.push(Err(e));
                }
            }
        }
    }
    let finish = decoder.finish();
    Run {
        items,
        last_event_id: decoder.last_event_id().to_owned(),
        retry: decoder.retry(),
        finish,
    }
}

/// `BytesDecoder`: push each piece as a `Bytes`, then drain the iterator.
pub fn run_bytes_decoder(proto: &Decoder, pieces: &[&[u8]]) -> Run {
    run_bytes_decoder_on(&mut BytesDecoder::from_decoder(proto.clone()), pieces)
}

/// As [`run_bytes_decoder`], on a decoder that may already have decoded other streams.
pub fn run_bytes_decoder_on(decoder: &mut BytesDecoder, pieces: &[&[u8]]) -> Run {
    let mut guard = Guard::new(pieces);
    let mut items = Vec::new();
    for piece in pieces {
        decoder.push(Bytes::copy_from_slice(piece));
        for result in &mut *decoder {
            guard.call("BytesDecoder");
            match result {
                Ok(item) => {
                    guard.ok();
                    items.push(Ok(from_item(item)));
                }
                Err(e) => {
                    guard.error("BytesDecoder", &e);
                    items.push(Err(e));
                }
            }
        }
    }
    let finish = decoder.finish();
    Run {
        items,
        last_event_id: decoder.decoder().last_event_id().to_owned(),
        retry: decoder.decoder().retry(),
        finish,
    }
}

/// The ways in, by name.
/// Runs a configured decoder over the pieces through one path.
pub type Path = fn(&Decoder, &[&[u8]]) -> Run;

pub const PATHS: [(&str, Path); 4] = [
    ("decode (borrowed)", run_borrowed),
    ("decode_buf (BytesMut)", run_decode_buf),
    ("decode_bytes (Bytes)", run_decode_bytes),
    ("BytesDecoder", run_bytes_decoder),
];

/// Debug form of some bytes (escaped, like `b"..."`).
pub fn show(bytes: &[u8]) -> String {
    format!("{:?}", Bytes::copy_from_slice(bytes))
}

fn show_pieces(pieces: &[&[u8]]) -> String {
    let shown: Vec<String> = pieces.iter().map(|p| show(p)).collect();
    format!("[{}]", shown.join(", "))
}

/// Runs `pieces` through every path and asserts that all of them produce the same thing.
pub fn run_all_paths(proto: &Decoder, pieces: &[&[u8]]) -> Run {
    let (first_name, first) = PATHS[0];
    let expected = first(proto, pieces);
    for (name, run) in &PATHS[1..] {
        let got = run(proto, pieces);
        assert_eq!(
            got,
            expected,
            "{name} disagrees with {first_name} on pieces {}",
            show_pieces(pieces)
        );
    }
    expected
}

/// Runs `input` whole, cut in two at every byte boundary, and in one-byte pieces, through every
/// path, asserts that every run gives the same items, last event id, retry and `finish()`
/// result, and returns that run.
pub fn check_splits(proto: &Decoder, input: &[u8]) -> Run {
    let whole = run_all_paths(proto, &[input]);
    for cut in 0..=input.len() {
        let (a, b) = input.split_at(cut);
        let got = run_all_paths(proto, &[a, b]);
        assert_eq!(
            got,
            whole,
            "cutting {} at byte {cut} changes the outcome",
            show(input)
        );
    }
    let bytewise: Vec<&[u8]> = input.chunks(1).collect();
    let got = run_all_paths(proto, &bytewise);
    assert_eq!(
        got,
        whole,
        "feeding {} one byte at a time changes the outcome",
        show(input)
    );
    whole
}

/// Asserts that a run of the real decoder matches the reference decoder's outcome.
pub fn assert_matches_reference(run: &Run, expected: &RefOutcome, input: &[u8]) {
    let items: Vec<Result<RefItem, DecodeError>> = expected.items.iter().cloned().map(Ok).collect();
    assert_eq!(
        run.items,
        items,
        "items differ from the reference for {}",
        show(input)
    );
    assert_eq!(
        run.last_event_id,
        expected.last_event_id,
        "last event id differs from the reference for {}",
        show(input)
    );
    assert_eq!(
        run.retry,
        expected.retry,
        "retry differs from the reference for {}",
        show(input)
    );
    assert_eq!(
        run.finish.is_ok(),
        expected.pending.is_none(),
        "finish() = {:?} but the reference has pending {:?} for {}",
        run.finish,
        expected.pending,
        show(input)
    );
}

/// The conformance helper: [`check_splits`] with a default decoder, plus agreement with the
/// reference decoder. Returns the run for the test's own assertions.
pub fn check(input: &[u8]) -> Run {
    let run = check_splits(&Decoder::new(), input);
    assert_matches_reference(&run, &reference(input, true), input);
    run
}

/// As [`check`], with comments switched off (`Decoder::comments(false)`).
pub fn check_no_comments(input: &[u8]) -> Run {
    let run = check_splits(&Decoder::new().comments(false), input);
    assert_matches_reference(&run, &reference(input, false), input);
    run
}

/// The four ways of ending lines the tests try: LF, CRLF, lone CR, and a mix of the three.
pub const EOLS: [&str; 4] = ["LF", "CRLF", "CR", "mixed"];

/// `template` with each `\n` replaced by the line end named `eol`. "mixed" cycles through CR,
/// CRLF, LF in that order, so a lone CR is never followed by an LF that would merge with it.
pub fn with_eol(template: &str, eol: &str) -> Vec<u8> {
    let rotation: &[&str] = match eol {
        "LF" => &["\n"],
        "CRLF" => &["\r\n"],
        "CR" => &["\r"],
        "mixed" => &["\r", "\r\n", "\n"],
        other => panic!("unknown line end {other}"),
    };
    let mut out = Vec::new();
    let mut next = 0;
    for c in template.chars() {
        if c == '\n' {
            out.extend_from_slice(rotation[next % rotation.len()].as_bytes());
            next += 1;
        } else {
            let mut utf8 = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        }
    }
    out
}

/// `template` (bytes) with each `\n` replaced by the line end named `eol`.
pub fn with_eol_bytes(template: &[u8], eol: &str) -> Vec<u8> {
    let rotation: &[&[u8]] = match eol {
        "LF" => &[b"\n"],
        "CRLF" => &[b"\r\n"],
        "CR" => &[b"\r"],
        "mixed" => &[b"\r", b"\r\n", b"\n"],
        other => panic!("unknown line end {other}"),
    };
    let mut out = Vec::new();
    let mut next = 0;
    for &b in template {
        if b == b'\n' {
            out.extend_from_slice(rotation[next % rotation.len()]);
            next += 1;
        } else {
            out.push(b);
        }
    }
    out
}
