//! `sse-inspect`: look inside a `text/event-stream` and say what a reader will make of it.
//!
//! The input is an SSE body, a raw HTTP/1.1 response capture (status line, headers, then a
//! chunked, `Content-Length` or close-delimited body), or the response of a live `http://` URL.
//! [`inspect`] decodes it with `sse_wire`'s own decoders, so the events it reports are exactly
//! the ones [`sse_wire::sse::Decoder`] dispatches, each with the byte offset where its block
//! starts, and lists the [`Problem`]s a reader would hit: a stream cut inside an event, a
//! missing end marker, an error the server reported inside the stream, invalid UTF-8, lone CR line ends, a BOM, oversize lines, ids that cannot
//! be sent back as `Last-Event-ID`, ignored `retry` values, a wrong status or content type, and
//! chunked framing errors.
//!
//! ```
//! use sse_inspect::{inspect, Options, ProblemKind};
//!
//! let report = inspect(b"data: {\"delta\":\"Hi\"}\r\n\r\ndata: {\"delta\":", &Options::default());
//! assert_eq!(report.events().count(), 1);
//! assert_eq!(report.problems[0].kind, ProblemKind::Truncated);
//! assert_eq!(report.problems[0].offset, 24);
//! ```
//!
//! The same report renders as NDJSON ([`render::ndjson`]), an aligned table
//! ([`render::table`]), a check listing ([`render::check`]), or a clean re-encoded stream
//! ([`render::normalize`]).
//!
//! [`inspect_url_live`] reads a live `http://` or `https://` endpoint (rustls, with the ring
//! provider): it reports every item as it arrives, with its arrival time, and adds the
//! stream's [`Timing`] to the report, from which it diagnoses a stream held back by a buffering
//! proxy or a compression layer ([`ProblemKind::Buffered`]). [`follow()`] keeps reading across
//! disconnects with `sse_wire`'s reconnection machine ([`sse_wire::reconnect::Reconnect`]).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cli;
mod fetch;
mod follow;
mod http;
pub mod render;
mod scan;
mod timing;
mod tls;

use std::time::Duration;

use sse_wire::outcome::{Outcome, Signals};
use sse_wire::sse::{Decoder, Item, ItemRef, Limits};

use crate::scan::Scanner;
use sse_wire::Str;

pub use fetch::{
    fetch, inspect_url, inspect_url_live, FetchError, Fetched, Request, Resolve, Seen, Tls,
};
pub use follow::{follow, Connection, FollowOptions, FollowSeen, Followed};
pub use http::{BodyFraming, HttpInfo};
pub use timing::{Silence, Timing};

/// How to read the input bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputKind {
    /// An HTTP response capture when the input starts with `HTTP/1.`, else an SSE body.
    #[default]
    Auto,
    /// Always an SSE body.
    Sse,
    /// Always an HTTP/1.1 response capture.
    Http,
}

/// Which API's signals the stream is checked against (see [`sse_wire::outcome::Signals`]):
/// its end event must arrive ([`ProblemKind::MissingSentinel`]) and its error events are
/// reported ([`ProblemKind::ServerError`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SentinelCheck {
    /// Pick one of [`Signals::presets`] from the events (see [`SentinelCheck::pick`]); a
    /// stream that looks like none of them is not checked.
    #[default]
    Auto,
    /// Do not check for an end marker or error events.
    None,
    /// These signals: a preset, or an end marker of one's own.
    Required(Signals),
}

impl SentinelCheck {
    /// Parses `auto`, `none`, a preset's name (`openai-chat`, `openai-responses`,
    /// `anthropic-messages`; `openai` and `anthropic` are aliases of the first and last),
    /// `data:TEXT` (an event with exactly this data ends the stream) or `event:TYPE` (an event
    /// of this type does). The last two know no error event.
    pub fn parse(s: &str) -> Option<Self> {
        let custom = |end_data: Option<&str>, end_type: Option<&str>| {
            let mut signals = Signals::default();
            signals.name = s.to_owned().into();
            signals
                .end_data
                .extend(end_data.map(|d| d.to_owned().into()));
            signals
                .end_types
                .extend(end_type.map(|t| t.to_owned().into()));
            SentinelCheck::Required(signals)
        };
        Some(match s {
            "auto" => SentinelCheck::Auto,
            "none" => SentinelCheck::None,
            "openai" => SentinelCheck::Required(Signals::openai_chat()),
            "anthropic" => SentinelCheck::Required(Signals::anthropic_messages()),
            _ => {
                if let Ok(preset) = s.parse::<Signals>() {
                    SentinelCheck::Required(preset)
                } else if let Some(text) = s.strip_prefix("data:") {
                    custom(Some(text), None)
                } else if let Some(ty) = s.strip_prefix("event:") {
                    custom(None, Some(ty))
                } else {
                    return None;
                }
            }
        })
    }

    /// The preset [`Auto`](SentinelCheck::Auto) picks for a stream, from its first event that
    /// tells: one whose type starts with `response.` is the OpenAI Responses API's
    /// ([`Signals::openai_responses`]); one whose type starts with `message_` or
    /// `content_block_`, Anthropic Messages' ([`Signals::anthropic_messages`]); one whose data
    /// is `[DONE]` or a JSON object with a `choices` key, OpenAI Chat Completions'
    /// ([`Signals::openai_chat`]). Other events (`ping`, `error`, plain text) tell nothing;
    /// `None` when no event tells. Only the fields the presets judge by are looked at: the
    /// event type and the data.
    pub fn pick<'a>(events: impl IntoIterator<Item = &'a sse_wire::sse::Event>) -> Option<Signals> {
        events.into_iter().find_map(|e| {
            let ty = e.event_type();
            if ty.starts_with("response.") {
                Some(Signals::openai_responses())
            } else if ty.starts_with("message_") || ty.starts_with("content_block_") {
                Some(Signals::anthropic_messages())
            } else if looks_like_openai_chat(e.data()) {
                Some(Signals::openai_chat())
            } else {
                None
            }
        })
    }

    /// What `--follow` configures its reconnection machine with, before any event has come:
    /// the chosen signals, or, for [`Auto`](SentinelCheck::Auto), every preset's end and error
    /// events at once (the stream is not known yet).
    pub fn follow_signals(&self) -> Option<Signals> {
        match self {
            SentinelCheck::None => None,
            SentinelCheck::Required(s) => Some(s.clone()),
            SentinelCheck::Auto => {
                let mut any = Signals::default();
                any.name = "auto".into();
                for p in Signals::presets() {
                    for (all, more) in [
                        (&mut any.end_data, p.end_data),
                        (&mut any.end_types, p.end_types),
                        (&mut any.error_types, p.error_types),
                    ] {
                        for m in more {
                            if !all.contains(&m) {
                                all.push(m);
                            }
                        }
                    }
                    any.error_key = any.error_key.or(p.error_key);
                }
                Some(any)
            }
        }
    }
}

/// What [`inspect`] looks for.
#[derive(Debug, Clone)]
pub struct Options {
    /// How to read the input.
    pub input: InputKind,
    /// Lines longer than this (line end excluded) are reported as
    /// [`ProblemKind::LineTooLong`]. Default 65 536: Go's `bufio.Scanner` and readers built on
    /// it stop at 64 KiB. The decoder itself runs with `sse_wire`'s default limits.
    pub max_line: usize,
    /// The end marker to require and the error events to report.
    pub sentinel: SentinelCheck,
    /// The limits the decoder runs with (default: `sse_wire`'s). Set them to see what a reader
    /// with smaller buffers gets: an event over a limit is dropped and reported as
    /// [`ProblemKind::DecoderLimit`].
    pub limits: Limits,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            input: InputKind::Auto,
            max_line: 64 * 1024,
            sentinel: SentinelCheck::Auto,
            limits: Limits::default(),
        }
    }
}

/// One decoded item and where its bytes start in the SSE body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Byte offset in the SSE body of the item's first line: the first field line of an
    /// event's or control block's block (comments before it excluded), or the comment line.
    pub offset: u64,
    /// The item exactly as `sse_wire::sse::Decoder` returned it.
    pub item: Item,
}

/// Where a [`Problem`]'s offset counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The SSE body (after any HTTP head and chunked framing are removed; a BOM counts).
    Body,
    /// The raw input (the HTTP capture, head included).
    Capture,
}

impl Place {
    /// `body` or `capture`.
    pub fn name(self) -> &'static str {
        match self {
            Place::Body => "body",
            Place::Capture => "capture",
        }
    }
}

/// The kinds of problem [`inspect`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The stream ended inside an event or a line.
    Truncated,
    /// The required end marker never arrived.
    MissingSentinel,
    /// An event the API's signals call a server error (Anthropic's `event: error`, a Chat
    /// Completions `data:` object with an `error` key, …).
    ServerError,
    /// Bytes that are not UTF-8.
    InvalidUtf8,
    /// Lines ended by a CR without LF.
    LoneCr,
    /// A byte order mark at the start (or a second one after it).
    Bom,
    /// A line longer than [`Options::max_line`].
    LineTooLong,
    /// The decoder dropped an event for one of its limits.
    DecoderLimit,
    /// An `id` holding a control byte other than TAB and NUL.
    IdControl,
    /// An `id` holding NUL.
    IdNul,
    /// A `retry` value that is not all ASCII digits.
    BadRetry,
    /// An HTTP status other than 200.
    Status,
    /// A `Content-Type` other than `text/event-stream`.
    ContentType,
    /// The chunked framing is broken (the crate's chunked decoder said so).
    ChunkedFraming,
    /// The HTTP body ended before its `Content-Length`.
    ShortBody,
    /// The input is not a parsable HTTP response.
    BadHttp,
    /// A fetch stopped at its timeout with the stream still open.
    Timeout,
    /// A live stream's events arrived in a few large bursts after long silences: held back on
    /// the way (a buffering proxy, a compression layer) and let through at once.
    Buffered,
}

impl ProblemKind {
    /// A short stable name (`truncated`, `lone-cr`, …).
    pub fn name(self) -> &'static str {
        match self {
            ProblemKind::Truncated => "truncated",
            ProblemKind::MissingSentinel => "missing-sentinel",
            ProblemKind::ServerError => "server-error",
            ProblemKind::InvalidUtf8 => "invalid-utf8",
            ProblemKind::LoneCr => "lone-cr",
            ProblemKind::Bom => "bom",
            ProblemKind::LineTooLong => "line-too-long",
            ProblemKind::DecoderLimit => "decoder-limit",
            ProblemKind::IdControl => "id-control",
            ProblemKind::IdNul => "id-nul",
            ProblemKind::BadRetry => "bad-retry",
            ProblemKind::Status => "status",
            ProblemKind::ContentType => "content-type",
            ProblemKind::ChunkedFraming => "chunked-framing",
            ProblemKind::ShortBody => "short-body",
            ProblemKind::BadHttp => "bad-http",
            ProblemKind::Timeout => "timeout",
            ProblemKind::Buffered => "buffered",
        }
    }

    /// Every kind, in the order of [`name`](Self::name)'s list.
    pub const ALL: [ProblemKind; 18] = [
        ProblemKind::Truncated,
        ProblemKind::MissingSentinel,
        ProblemKind::ServerError,
        ProblemKind::InvalidUtf8,
        ProblemKind::LoneCr,
        ProblemKind::Bom,
        ProblemKind::LineTooLong,
        ProblemKind::DecoderLimit,
        ProblemKind::IdControl,
        ProblemKind::IdNul,
        ProblemKind::BadRetry,
        ProblemKind::Status,
        ProblemKind::ContentType,
        ProblemKind::ChunkedFraming,
        ProblemKind::ShortBody,
        ProblemKind::BadHttp,
        ProblemKind::Timeout,
        ProblemKind::Buffered,
    ];

    /// One sentence on what it does to a browser `EventSource` (or other readers).
    pub fn effect(self) -> &'static str {
        match self {
            ProblemKind::Truncated => {
                "EventSource drops the unfinished last event and reconnects as if the stream had ended."
            }
            ProblemKind::MissingSentinel => {
                "The stream ended without its end marker, so a client cannot tell a complete answer from a cut one."
            }
            ProblemKind::ServerError => {
                "The server failed mid-answer inside a 200 response: an LLM SDK raises it as an API error, and a reader that only checks the status takes the cut answer for a complete one."
            }
            ProblemKind::InvalidUtf8 => {
                "EventSource replaces each invalid sequence with U+FFFD; some parsers stop the stream instead."
            }
            ProblemKind::LoneCr => {
                "Valid for EventSource, but proxies and parsers that only split on LF merge or split these lines."
            }
            ProblemKind::Bom => {
                "EventSource skips one leading BOM, but a second one makes the line's field unknown, and some parsers (eventsource-stream) panic on the first."
            }
            ProblemKind::LineTooLong => {
                "EventSource reads it, but line-buffered readers with a fixed limit (Go bufio.Scanner: 64 KiB) fail or drop the event."
            }
            ProblemKind::DecoderLimit => {
                "The decoder dropped the event for a size limit (see --limit-line, --limit-event); EventSource has no limit and would dispatch it, a reader with that limit would not."
            }
            ProblemKind::IdControl => {
                "EventSource keeps the id, but no Last-Event-ID header can carry it: Chromium then fails the reconnection and closes the EventSource for good."
            }
            ProblemKind::IdNul => {
                "EventSource ignores an id field holding NUL: the last event ID stays what it was."
            }
            ProblemKind::BadRetry => {
                "EventSource ignores a retry value that is not all ASCII digits (some parsers take it anyway)."
            }
            ProblemKind::Status => {
                "EventSource fails the connection on any final status but 200 (it follows redirects) and does not reconnect."
            }
            ProblemKind::ContentType => {
                "EventSource fails the connection unless the Content-Type is text/event-stream, and does not reconnect."
            }
            ProblemKind::ChunkedFraming => {
                "The HTTP client fails the response body: EventSource sees a network error, drops the event in progress and reconnects."
            }
            ProblemKind::ShortBody => {
                "The HTTP client fails the response body: EventSource sees a network error, drops the event in progress and reconnects."
            }
            ProblemKind::BadHttp => "No client can read this response.",
            ProblemKind::Timeout => {
                "The inspector stopped reading; whatever the server sent later was not inspected."
            }
            ProblemKind::Buffered => {
                "Every event is correct, but the reader gets them late and all at once: no token-by-token display, and idle timeouts may cut the silent stretches."
            }
        }
    }
}

/// Something a reader of the stream would trip over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What.
    pub kind: ProblemKind,
    /// Where, in bytes from the start of [`place`](Problem::place).
    pub offset: u64,
    /// What the offset counts from.
    pub place: Place,
    /// The specifics, one sentence without a final period.
    pub detail: String,
}

/// Counts for the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Events dispatched.
    pub events: usize,
    /// Control blocks (id/retry without data).
    pub controls: usize,
    /// Comment lines.
    pub comments: usize,
    /// Bytes of the SSE body.
    pub body_bytes: u64,
    /// Bytes of the raw input.
    pub input_bytes: u64,
}

/// What [`inspect`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The status line and headers, for an HTTP capture.
    pub http: Option<HttpInfo>,
    /// Every item the decoder returned, in order.
    pub records: Vec<Record>,
    /// The problems found, ordered by place (capture first) and offset.
    pub problems: Vec<Problem>,
    /// The counts.
    pub summary: Summary,
    /// How long reading took (the fetch for a URL; the inspection otherwise). Set by the
    /// caller that measured it.
    pub elapsed: Option<Duration>,
    /// When things arrived, for a live read ([`inspect_url_live`]); `None` for a capture.
    pub timing: Option<Timing>,
}

impl Report {
    /// The dispatched events with their offsets.
    pub fn events(&self) -> impl Iterator<Item = (u64, &sse_wire::sse::Event)> {
        self.records.iter().filter_map(|r| match &r.item {
            Item::Event(e) => Some((r.offset, e)),
            _ => None,
        })
    }

    /// Whether any problem was found.
    pub fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }
}

/// Inspects `input` (an SSE body or an HTTP response capture, see [`Options::input`]).
pub fn inspect(input: &[u8], opts: &Options) -> Report {
    let is_http = match opts.input {
        InputKind::Auto => input.starts_with(b"HTTP/1."),
        InputKind::Sse => false,
        InputKind::Http => true,
    };
    let mut problems = Vec::new();
    let (info, body) = if is_http {
        let (info, body) = http::read_response(input, &mut problems);
        (info, body)
    } else {
        (None, input.to_vec())
    };
    let mut reader = BodyReader::new(opts, Decoder::with_limits(opts.limits));
    reader.feed(&body, true);
    let (records, body_problems, _) = reader.finish(&body);
    problems.extend(body_problems);
    build_report(info, records, problems, &body, input.len(), opts)
}

/// The report of a read body: the sentinel check, the problems in order, the counts.
pub(crate) fn build_report(
    info: Option<HttpInfo>,
    records: Vec<Record>,
    mut problems: Vec<Problem>,
    body: &[u8],
    input_len: usize,
    opts: &Options,
) -> Report {
    check_sentinel(&records, &opts.sentinel, body.len() as u64, &mut problems);
    problems.sort_by_key(|p| (p.place == Place::Body, p.offset));
    let mut summary = Summary {
        body_bytes: body.len() as u64,
        input_bytes: input_len as u64,
        ..Summary::default()
    };
    for r in &records {
        match r.item {
            Item::Event(_) => summary.events += 1,
            Item::Control(_) => summary.controls += 1,
            Item::Comment(_) => summary.comments += 1,
            _ => {}
        }
    }
    Report {
        http: info,
        records,
        problems,
        summary,
        elapsed: None,
        timing: None,
    }
}

/// Runs the crate's SSE decoder over a body a line at a time (as the scanner cuts it, with the
/// same line ends), so that each item is known to come from the line just fed, and collects
/// the scanner's findings. It takes the body as it grows ([`feed`](BodyReader::feed)), so a
/// live read reports each item as soon as its last line is in, and a whole body gives the same
/// items and problems as the same body read piece by piece.
pub(crate) struct BodyReader {
    scanner: Scanner,
    decoder: Decoder,
    /// Start of the bytes the decoder still needs.
    held: usize,
    records: Vec<Record>,
    /// The decoder's own problems (limits), kept apart from the scanner's as they are listed
    /// after them.
    problems: Vec<Problem>,
}

impl BodyReader {
    /// A reader of a new body with `decoder`: a fresh one, or the previous connection's after
    /// [`Decoder::reset`] (it keeps the last event ID and the reconnection time).
    pub(crate) fn new(opts: &Options, decoder: Decoder) -> Self {
        BodyReader {
            scanner: Scanner::new(opts.max_line),
            decoder,
            held: 0,
            records: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// The items read so far.
    pub(crate) fn records(&self) -> &[Record] {
        &self.records
    }

    /// Decodes the lines of `body` (the body so far) that are complete, or all of them with
    /// `eof`; returns how many items were added to [`records`](BodyReader::records).
    pub(crate) fn feed(&mut self, body: &[u8], eof: bool) -> usize {
        let before = self.records.len();
        while let Some(line) = self.scanner.next_line(body, eof) {
            let end = line.end;
            let mut errors = 0;
            loop {
                let decoded = match self.decoder.decode(&body[self.held..end]) {
                    Ok(d) => d,
                    // Nothing consumed; decoding goes on after the error (and reports one
                    // error per limit crossed, so a second one on the same line cannot repeat
                    // forever).
                    Err(e) if errors < 2 => {
                        errors += 1;
                        self.problems.push(decoder_limit(e));
                        continue;
                    }
                    Err(_) => break,
                };
                self.held += decoded.consumed;
                let Some(item) = decoded.item else { break };
                let (offset, item) = match item {
                    ItemRef::Event(ev) => (line.block_start, Item::Event(ev.into_owned())),
                    ItemRef::Control(c) => (line.block_start, Item::Control(c.into_owned())),
                    ItemRef::Comment(text) => (line.start, Item::Comment(Str::from(text))),
                    _ => continue,
                };
                self.records.push(Record {
                    offset: offset as u64,
                    item,
                });
            }
        }
        self.records.len() - before
    }

    /// Ends the body (all of it is `body`, fed with `eof`): the items, the problems (the
    /// scanner's, the decoder's, then a truncation), and the decoder, ready for the next
    /// connection's body.
    pub(crate) fn finish(mut self, body: &[u8]) -> (Vec<Record>, Vec<Problem>, Decoder) {
        let scan = self.scanner.finish(body);
        let mut problems = scan.problems;
        problems.append(&mut self.problems);
        if let Err(t) = self.decoder.finish() {
            let offset = scan.pending_block.unwrap_or(scan.last_line_start) as u64;
            problems.push(Problem {
                kind: ProblemKind::Truncated,
                offset,
                place: Place::Body,
                detail: if t.fields == 0 {
                    format!(
                        "the stream ended inside a line: its {} byte(s), which had no line end, were discarded",
                        t.partial_line
                    )
                } else {
                    format!(
                        "the stream ended inside an event: {} field line(s) with {} data byte(s), and {} byte(s) of an unterminated line, were never dispatched",
                        t.fields, t.data_len, t.partial_line
                    )
                },
            });
        }
        (self.records, problems, self.decoder)
    }
}

fn decoder_limit(e: sse_wire::sse::DecodeError) -> Problem {
    use sse_wire::sse::DecodeError;
    let offset = match e {
        DecodeError::LimitExceeded { offset, .. } => offset,
        _ => 0,
    };
    Problem {
        kind: ProblemKind::DecoderLimit,
        offset,
        place: Place::Body,
        detail: format!("sse_wire's decoder reported: {e}"),
    }
}

/// The signals to check, after [`SentinelCheck::Auto`] has looked at the events, and why.
fn required_signals(records: &[Record], check: &SentinelCheck) -> Option<(Signals, &'static str)> {
    match check {
        SentinelCheck::None => None,
        SentinelCheck::Required(s) => Some((s.clone(), "required")),
        SentinelCheck::Auto => {
            let picked = SentinelCheck::pick(records.iter().filter_map(|r| match &r.item {
                Item::Event(e) => Some(e),
                _ => None,
            }))?;
            let why = match &*picked.name {
                "openai-chat" => "the stream looks like OpenAI's",
                "openai-responses" => "the stream looks like the OpenAI Responses API's",
                _ => "the stream looks like Anthropic's",
            };
            Some((picked, why))
        }
    }
}

fn looks_like_openai_chat(data: &str) -> bool {
    data == "[DONE]"
        || matches!(
            serde_json::from_str::<serde_json::Value>(data),
            Ok(serde_json::Value::Object(map)) if map.contains_key("choices")
        )
}

/// At most this many characters of an error event's data go into its problem's detail.
const EXCERPT_CHARS: usize = 120;

fn check_sentinel(
    records: &[Record],
    check: &SentinelCheck,
    body_len: u64,
    problems: &mut Vec<Problem>,
) {
    let Some((signals, why)) = required_signals(records, check) else {
        return;
    };
    let mut seen = false;
    for r in records {
        let Item::Event(e) = &r.item else { continue };
        match signals.judge::<()>(e.as_ref()) {
            Some(Outcome::Sentinel(_)) => seen = true,
            Some(Outcome::ServerError(_)) => {
                let data = e.data();
                let excerpt: String = data.chars().take(EXCERPT_CHARS).collect();
                let more = if excerpt.len() < data.len() {
                    "…"
                } else {
                    ""
                };
                problems.push(Problem {
                    kind: ProblemKind::ServerError,
                    offset: r.offset,
                    place: Place::Body,
                    detail: format!(
                        "the server reported an error inside the stream (an {} error event, of type {:?}): data {excerpt:?}{more}",
                        signals.name,
                        e.event_type()
                    ),
                });
            }
            _ => {}
        }
    }
    if !seen {
        let quoted = |v: &[Str]| {
            v.iter()
                .map(|s| format!("{:?}", &**s))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        let (data, types) = (quoted(&signals.end_data), quoted(&signals.end_types));
        let what = match (data.is_empty(), types.is_empty()) {
            (false, false) => format!("an event with data {data} or of type {types}"),
            (false, true) => format!("an event with data {data}"),
            (true, false) => format!("an event of type {types}"),
            (true, true) => "the end marker".to_owned(),
        };
        problems.push(Problem {
            kind: ProblemKind::MissingSentinel,
            offset: body_len,
            place: Place::Body,
            detail: format!("no end marker ({what}; {why}) before the end of the stream"),
        });
    }
}
