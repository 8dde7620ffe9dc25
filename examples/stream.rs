//! Decodes an LLM chat-completion stream, as an HTTP client receives it, prints its events, then
//! re-encodes everything a reader keeps (as a proxy would: events, comments, and the blocks that
//! only set `id` or `retry`) and checks that the re-encoded stream decodes to the same items and
//! leaves a reader with the same last event ID and reconnection time.
//!
//! ```text
//! cargo run --example stream                 # the stream shipped in examples/data/
//! cargo run --example stream -- FILE [SIZE]  # any text/event-stream body, fed SIZE bytes at a time
//! ```
//!
//! The body is fed in small pieces that cut lines, CRLF pairs and UTF-8 characters apart, the way
//! a network delivers it; the decoder gives the same events however it is cut.

#![forbid(unsafe_code)]

use std::{env, fs, process::ExitCode};

use bytes::{Bytes, BytesMut};
use sse_wire::sse::{BytesDecoder, Encoder, Item, OutEvent};

const SHIPPED: &[u8] = include_bytes!("data/chat-completion.sse");

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let body = match args.first() {
        Some(path) => match fs::read(path) {
            Ok(body) => Bytes::from(body),
            Err(e) => {
                eprintln!("cannot read {path}: {e}");
                return ExitCode::FAILURE;
            }
        },
        None => Bytes::from_static(SHIPPED),
    };
    let piece_len = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(61)
        .max(1);

    let mut decoder = BytesDecoder::new();
    let mut received: Vec<Item> = Vec::new();
    let mut answer = String::new();
    let (mut events, mut comments) = (0, 0);
    let mut offset = 0;
    while offset < body.len() {
        let end = (offset + piece_len).min(body.len());
        // `slice` shares the body's memory: pieces are not copied, and neither are the events.
        decoder.push(body.slice(offset..end));
        offset = end;
        for item in &mut decoder {
            match item {
                Ok(Item::Event(event)) => {
                    events += 1;
                    received.push(Item::Event(event.clone()));
                    let data = event.data();
                    if data == "[DONE]" {
                        println!("event #{events:<3} {:<8} [DONE]", event.event_type());
                        continue;
                    }
                    let token = json_string_field(data, "content");
                    if let Some(token) = &token {
                        answer.push_str(token);
                    }
                    println!(
                        "event #{events:<3} {:<8} {} bytes of data, token {:?}",
                        event.event_type(),
                        data.len(),
                        token.as_deref().unwrap_or("-"),
                    );
                }
                Ok(Item::Comment(text)) => {
                    comments += 1;
                    println!("comment    {:?}", &*text);
                    received.push(Item::Comment(text));
                }
                Ok(Item::Control(control)) => {
                    println!(
                        "control    id {:?}, retry {:?}",
                        control.as_ref().id_field(),
                        control.as_ref().retry_field()
                    );
                    received.push(Item::Control(control));
                }
                Ok(_) => {}
                Err(e) => eprintln!("skipped an event: {e}"),
            }
        }
    }

    println!();
    println!("{events} events, {comments} comments, fed in {piece_len}-byte pieces");
    println!("assembled answer: {answer}");
    let clean = match decoder.finish() {
        Ok(()) => {
            println!("stream ended cleanly");
            true
        }
        Err(truncated) => {
            println!("stream was cut off: {truncated}");
            false
        }
    };

    // The relay side: encode it all again, into one buffer, without allocating per event.
    // `OutEvent::from` writes the `id` and `retry` fields each block carried, so readers of the
    // copy keep the same last event ID and reconnection time as readers of the original.
    let encoder = Encoder::new();
    let mut wire = BytesMut::new();
    for item in &received {
        let written = match item {
            Item::Event(event) => encoder.encode(&OutEvent::from(event.as_ref()), &mut wire),
            Item::Control(control) => encoder.encode(&OutEvent::from(control.as_ref()), &mut wire),
            Item::Comment(text) => encoder.encode(&OutEvent::comment(text), &mut wire),
            _ => Ok(()),
        };
        if let Err(e) = written {
            eprintln!("cannot re-encode an item: {e}");
            return ExitCode::FAILURE;
        }
    }
    let mut again = BytesDecoder::new();
    again.push(wire.clone().freeze());
    let round_trip: Result<Vec<Item>, _> = (&mut again).collect();
    let state = |d: &BytesDecoder| (d.decoder().last_event_id().to_owned(), d.decoder().retry());
    let same = round_trip.as_ref() == Ok(&received) && state(&again) == state(&decoder);
    println!(
        "re-encoded {} items into {} bytes; decoded again: {}",
        received.len(),
        wire.len(),
        if same {
            "identical items, last event ID and retry"
        } else {
            "DIFFERENT"
        }
    );
    if clean && same {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The value of the first `"name":"…"` string in `json` (enough JSON for this demo: the
/// escapes `\"`, `\\`, `\n`, `\t`, `\uXXXX` are decoded).
fn json_string_field(json: &str, name: &str) -> Option<String> {
    let key = format!("\"{name}\":\"");
    let start = json.find(&key)? + key.len();
    let mut out = String::new();
    let mut chars = json[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}
