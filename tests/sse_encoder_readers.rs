//! The encoder's output for a fixed set of tricky events, read back by readers this crate did
//! not write:
//!
//! * the spec-transcription reference decoder in `sse_wire_testkit` (WHATWG HTML, "Server-sent
//!   events", "Parsing an event stream" and "Interpreting an event stream"), which shares no code
//!   with the crate: it always runs;
//! * the npm package `eventsource-parser` (the parser of the `eventsource` polyfill and of many
//!   LLM SDKs), run under Node.js, whole and in 1-, 2-, 3- and 7-byte pieces. It needs Node.js
//!   and `npm ci --prefix tests/js`, so it is `#[ignore]`d in a plain `cargo test`; `.ci/run`
//!   installs both and runs it with `--ignored`.
//!
//! The expected values are computed here from the events as the caller meant them, following
//! the format's only documented lossy step: CRLF and lone CR in data become LF.

use std::process::Command;
use std::time::Duration;

use sse_wire::sse::{Encoder, OutEvent};
use sse_wire_testkit::sse::{RefEvent, RefItem};

/// An event as the caller means it; [`Ev::out`] builds the encoder's view of it.
#[derive(Debug, Clone, Copy, Default)]
struct Ev {
    data: Option<&'static str>,
    event: Option<&'static str>,
    id: Option<&'static str>,
    retry: Option<Duration>,
}

impl Ev {
    fn out(&self) -> OutEvent<'static> {
        let mut ev = OutEvent::new();
        if let Some(d) = self.data {
            ev = ev.data(d);
        }
        if let Some(t) = self.event {
            ev = ev.event_type(t);
        }
        if let Some(i) = self.id {
            ev = ev.id(i);
        }
        if let Some(r) = self.retry {
            ev = ev.retry(r);
        }
        ev
    }
    fn event(self, t: &'static str) -> Self {
        Ev {
            event: Some(t),
            ..self
        }
    }
    fn id(self, i: &'static str) -> Self {
        Ev {
            id: Some(i),
            ..self
        }
    }
    fn retry(self, r: Duration) -> Self {
        Ev {
            retry: Some(r),
            ..self
        }
    }
}

fn d(data: &'static str) -> Ev {
    Ev {
        data: Some(data),
        ..Ev::default()
    }
}

/// One thing a server writes.
#[derive(Debug, Clone, Copy)]
enum Write {
    Event(Ev),
    Comment(&'static str),
    KeepAlive,
    Retry(Duration),
}

fn writes() -> Vec<Write> {
    use Write::{Comment, Event, KeepAlive, Retry};
    vec![
        Event(d("hello")),
        Event(d("")),
        Event(d("\n")),
        Event(d("\r\n\r\n")),
        Event(d("\r")),
        Event(d("a\r\nb\rc\nd")),
        Event(d("ends with a break\n")),
        Event(d("ends with CR\r")),
        Event(d("\nstarts with a break")),
        Event(d(" one leading space")),
        Event(d("  two leading spaces")),
        Event(d("\n leading space on the second line")),
        Event(d("\ttab first")),
        Event(d(":not a comment")),
        Event(d("data: not a field")),
        Event(d("event: not a field either\nid: nor this")),
        Event(d("nul \0 inside")),
        Event(d("\u{FEFF}BOM first, then \u{FEFF} inside")),
        Event(d("h\u{e9}llo \u{1F30D} \u{2028} \u{0085} end")),
        Event(d("trailing spaces   ")),
        Event(d(
            "{\"choices\":[{\"delta\":{\"content\":\"line\\nbreak\"}}]}",
        )),
        Event(d("x").event("update").id("42")),
        Event(d("typed with a leading space").event(" spaced")),
        Event(d("empty type means message").event("")),
        Event(d("id with a leading space").id(" 7")),
        Event(d("unicode id").id("\u{1F511}-\u{e9}")),
        Event(d("id survives to the next event")),
        Event(d("empty id resets").id("")),
        Event(Ev::default().id("id-only block")),
        Event(d("after an id-only block")),
        Event(d("with retry").retry(Duration::from_millis(1500))),
        Retry(Duration::from_millis(0)),
        Retry(Duration::from_secs(30)),
        Comment("plain comment"),
        Comment("multi\nline\r\ncomment\rhere"),
        Comment(""),
        Comment("ends with a break\n"),
        KeepAlive,
        Event(Ev::default()),
        Event(
            d("everything")
                .event("all")
                .id("9")
                .retry(Duration::from_millis(250)),
        ),
        Event(d("[DONE]")),
    ]
}

/// The writes, encoded back to back into one stream.
fn encode_all(writes: &[Write]) -> Vec<u8> {
    let enc = Encoder::new();
    let mut out = Vec::new();
    for w in writes {
        match *w {
            Write::Event(ev) => enc.encode(&ev.out(), &mut out),
            Write::Comment(text) => enc.encode(&OutEvent::comment(text), &mut out),
            Write::KeepAlive => enc.encode(&OutEvent::comment(""), &mut out),
            Write::Retry(r) => enc.encode(&OutEvent::new().retry(r), &mut out),
        }
        .unwrap_or_else(|e| panic!("{w:?}: {e}"));
    }
    out
}

/// CRLF and lone CR become LF: all a stream's line structure can carry.
fn normalize(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// The whole milliseconds the encoder writes for `d`: rounded up, so that no non-zero time
/// becomes `retry: 0`.
fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_nanos().div_ceil(1_000_000)).expect("test retry fits")
}

/// What a WHATWG-conformant reader must see: items plus the final last event ID and retry.
fn spec_expectation(writes: &[Write]) -> (Vec<RefItem>, String, Option<Duration>) {
    let mut items = Vec::new();
    let mut last_id = String::new();
    let mut retry = None;
    for w in writes {
        match *w {
            Write::Event(ev) => {
                let Ev {
                    data,
                    event: event_type,
                    id,
                    retry: r,
                } = ev;
                if let Some(r) = r {
                    retry = Some(Duration::from_millis(ms(r)));
                }
                if let Some(id) = id {
                    last_id = id.to_owned();
                }
                // A block with no data line dispatches nothing ("If the data buffer is an empty
                // string, ... return").
                // The crate reports such a block when its `id` or `retry` changed the state.
                if let Some(data) = data {
                    items.push(RefItem::Event(RefEvent {
                        event_type: match event_type {
                            Some(t) if !t.is_empty() => t.to_owned(),
                            _ => "message".to_owned(),
                        },
                        data: normalize(data),
                        id: last_id.clone(),
                        retry,
                    }));
                } else if id.is_some() || r.is_some() {
                    items.push(RefItem::Control {
                        id: last_id.clone(),
                        retry,
                        id_set: id.is_some(),
                        retry_set: r.is_some(),
                    });
                }
            }
            Write::Comment(text) => items.extend(
                normalize(text)
                    .split('\n')
                    .map(|line| RefItem::Comment(line.to_owned())),
            ),
            Write::KeepAlive => items.push(RefItem::Comment(String::new())),
            Write::Retry(r) => {
                retry = Some(Duration::from_millis(ms(r)));
                items.push(RefItem::Control {
                    id: last_id.clone(),
                    retry,
                    id_set: false,
                    retry_set: true,
                });
            }
        }
    }
    (items, last_id, retry)
}

#[test]
fn reference_decoder_reads_what_the_caller_meant() {
    let writes = writes();
    let stream = encode_all(&writes);
    let (items, last_id, retry) = spec_expectation(&writes);
    let got = sse_wire_testkit::sse::reference(&stream, true);
    assert_eq!(
        got.items,
        items,
        "stream: {}",
        sse_wire_testkit::sse::show(&stream)
    );
    assert_eq!(got.last_event_id, last_id);
    assert_eq!(got.retry, retry);
    assert_eq!(got.pending, None, "the stream ends on an event boundary");
    // And this crate's decoder agrees with the reference at every cut, on every path.
    sse_wire_testkit::sse::check(&stream);
}

/// One line of `tests/js/read.mjs`'s output.
#[derive(Debug, PartialEq, Eq)]
enum JsItem {
    Event {
        event_type: Option<String>,
        data: String,
        id: Option<String>,
    },
    Retry(u64),
    Comment(String),
}

/// What `eventsource-parser` reports. It differs from a full `EventSource` in documented ways,
/// none of which loses what the caller meant: it reports the `id` field of the dispatched block
/// (keeping the last event ID is its `EventSource` wrapper's job), leaves the event type unset
/// for `message`, reports every `retry` line, and strips one leading space from comments.
fn js_expectation(writes: &[Write]) -> Vec<JsItem> {
    let mut items = Vec::new();
    for w in writes {
        match *w {
            Write::Event(ev) => {
                let Ev {
                    data,
                    event: event_type,
                    id,
                    retry: r,
                } = ev;
                if let Some(r) = r {
                    items.push(JsItem::Retry(ms(r)));
                }
                if let Some(data) = data {
                    items.push(JsItem::Event {
                        event_type: event_type.filter(|t| !t.is_empty()).map(str::to_owned),
                        data: normalize(data),
                        id: id.map(str::to_owned),
                    });
                }
            }
            Write::Comment(text) => items.extend(
                normalize(text)
                    .split('\n')
                    .map(|line| JsItem::Comment(line.strip_prefix(' ').unwrap_or(line).to_owned())),
            ),
            Write::KeepAlive => items.push(JsItem::Comment(String::new())),
            Write::Retry(r) => items.push(JsItem::Retry(ms(r))),
        }
    }
    items
}

fn parse_js_line(line: &str) -> JsItem {
    let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    let text = |key: &str| v[key].as_str().map(str::to_owned);
    match v["kind"].as_str() {
        Some("event") => JsItem::Event {
            event_type: text("type"),
            data: text("data").expect("data is a string"),
            id: text("id"),
        },
        Some("retry") => JsItem::Retry(v["ms"].as_u64().expect("retry is a number")),
        Some("comment") => JsItem::Comment(text("text").expect("comment text")),
        _ => panic!("eventsource-parser reported: {line}"),
    }
}

#[test]
#[ignore = "needs Node.js and `npm ci --prefix tests/js`; .ci/run runs it with --ignored"]
fn eventsource_parser_reads_what_the_caller_meant() {
    let writes = writes();
    let stream = encode_all(&writes);
    let expected = js_expectation(&writes);
    let file = std::env::temp_dir().join(format!("sse-wire-readers-{}.sse", std::process::id()));
    std::fs::write(&file, &stream).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/js/read.mjs");
    for piece in [0, 1, 2, 3, 7] {
        let out = Command::new("node")
            .arg(script)
            .arg(&file)
            .arg(piece.to_string())
            .output()
            .expect("run node (is Node.js installed?)");
        assert!(
            out.status.success(),
            "node failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Vec<JsItem> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(parse_js_line)
            .collect();
        assert_eq!(got, expected, "pieces of {piece} bytes");
    }
    std::fs::remove_file(&file).ok();
}
