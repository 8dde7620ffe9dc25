//! An LLM stream as it crosses an HTTP/1.1 connection: the server frames each event as one
//! chunk (`chunked::Encoder`), the client decodes the chunked body (`chunked::BytesDecoder`) and
//! feeds its data into the event-stream decoder (`sse::BytesDecoder`). The body arrives in reads
//! of 1 KiB that cut chunk lines, events and UTF-8 characters apart.
//!
//! ```text
//! cargo run --example chunked_sse
//! ```
//!
//! On this owned path nothing is copied but the lines that straddle two reads: the example counts
//! how many events' data still points into the bytes that came off the "socket" (the others are
//! the events a read boundary fell into).

#![forbid(unsafe_code)]

use bytes::Bytes;
use sse_wire::chunked;
use sse_wire::sse::{self, Encoder, Item, OutEvent};

const SHIPPED: &str = include_str!("data/chat-completion.sse");

/// Bytes per socket read.
const READ: usize = 1024;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // --- Server: one chunk per event, then the last chunk. -------------------------------------
    let events = Encoder::new();
    let mut body = chunked::Encoder::new();
    let mut wire = Vec::new();
    let mut sent = 0;
    for block in SHIPPED.split("\n\n").filter(|b| !b.is_empty()) {
        let Some(data) = block.strip_prefix("data: ") else {
            continue; // the shipped file's comment
        };
        let mut event = Vec::new();
        events.encode(&OutEvent::new().data(data), &mut event)?;
        body.encode(&event, &[], &mut wire)?;
        sent += 1;
    }
    body.finish(&[], &mut wire)?;
    // The next response on the keep-alive connection follows the body.
    wire.extend_from_slice(b"HTTP/1.1 204 No Content\r\n\r\n");
    let wire = Bytes::from(wire);
    println!("{} bytes on the wire for {sent} events", wire.len());

    // --- Client: chunked body -> event stream -> events. ---------------------------------------
    let mut chunks = chunked::BytesDecoder::new();
    let mut decoder = sse::BytesDecoder::new();
    let mut answer = String::new();
    let (mut received, mut zero_copy) = (0, 0);
    for at in (0..wire.len()).step_by(READ) {
        // A socket read (`Bytes::slice` shares the buffer, as `BytesMut::split().freeze()` does).
        chunks.push(wire.slice(at..(at + READ).min(wire.len())));
        for chunk in &mut chunks {
            let chunked::Chunk::Data(data) = chunk? else {
                continue; // chunk headers and the end of the body
            };
            decoder.push(data);
            for item in &mut decoder {
                let Item::Event(event) = item? else { continue };
                received += 1;
                if wire.as_ptr_range().contains(&event.data().as_ptr()) {
                    zero_copy += 1;
                }
                if event.data() == "[DONE]" {
                    continue;
                }
                // Pull the token out of the JSON without a JSON parser, for the demo.
                if let Some(token) = event
                    .data()
                    .split(r#""content":""#)
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                {
                    answer.push_str(token);
                }
            }
        }
    }
    chunks.finish()?; // the body ended properly, not cut short
    decoder.finish()?; // and so did the event stream
    let next = chunks.take_remainder();

    println!("answer: {answer}");
    println!("{received} events, {zero_copy} of them with data still in the wire buffer (no copy)");
    println!(
        "left for the next response: {:?}",
        String::from_utf8_lossy(&next)
    );
    assert_eq!(received, sent);
    assert_eq!(next, "HTTP/1.1 204 No Content\r\n\r\n");
    Ok(())
}
