//! A relay between two real HTTP/1.1 connections on 127.0.0.1: an origin streams events as a
//! chunked `text/event-stream` response, the proxy decodes the chunked body, decodes the events,
//! encodes them again and sends them on, chunked, to its own client. The client must read
//! exactly what a client of the origin reads: the same events, comments and blocks that only set
//! `id` or `retry`, and at the end the same last event ID and reconnection time.
//!
//! ```text
//! cargo run --example proxy
//! ```
//!
//! Everything runs in this process on random ports, with read timeouts, and stops by itself.

#![forbid(unsafe_code)]

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use sse_wire::chunked::{self, Chunk};
use sse_wire::sse::{BytesDecoder, Encoder, Item, OutEvent};

/// What the origin sends, one write per block: comments, a lone `retry`, ids set and reset, an
/// id-only block, multi-line data, CRLF line ends, and the end marker.
const ORIGIN: &[&str] = &[
    ": origin opened\n\n",
    "retry: 2500\n\n",
    "id: 1\ndata: {\"t\":\"Hel\"}\n\n",
    "id: 2\nevent: delta\r\ndata: {\"t\":\"lo\"}\r\n\r\n",
    "id:\ndata: the id was reset\n\n",
    "id: 3\n\n",
    ": ping\ndata: line one\ndata: line two\n\n",
    "data: [DONE]\n\n",
];

const TIMEOUT: Duration = Duration::from_secs(10);
const HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\
    Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n";

/// Everything a client of a stream ends up with.
#[derive(Debug, PartialEq)]
struct Seen {
    items: Vec<Item>,
    last_event_id: String,
    retry: Option<Duration>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let origin = TcpListener::bind("127.0.0.1:0")?;
    let origin_addr = origin.local_addr()?;
    let proxy = TcpListener::bind("127.0.0.1:0")?;
    let proxy_addr = proxy.local_addr()?;

    let origin_thread = thread::spawn(move || -> io::Result<()> {
        let (mut conn, _) = origin.accept()?;
        read_request(&mut conn)?;
        conn.write_all(HEAD)?;
        let mut body = chunked::Encoder::new();
        for block in ORIGIN {
            let mut out = Vec::new();
            body.encode(block.as_bytes(), &[], &mut out)
                .map_err(io::Error::other)?;
            conn.write_all(&out)?;
            conn.flush()?;
        }
        let mut out = Vec::new();
        body.finish(&[], &mut out).map_err(io::Error::other)?;
        conn.write_all(&out)
    });

    let proxy_thread = thread::spawn(move || -> io::Result<()> {
        let (mut down, _) = proxy.accept()?;
        read_request(&mut down)?;
        let mut up = TcpStream::connect(origin_addr)?;
        up.set_read_timeout(Some(TIMEOUT))?;
        up.write_all(b"GET /events HTTP/1.1\r\nHost: origin\r\nAccept: text/event-stream\r\n\r\n")?;
        down.write_all(HEAD)?;
        let mut events = BytesDecoder::new();
        let (encoder, mut chunks) = (Encoder::new(), chunked::Encoder::new());
        let mut forwarded_retry = None;
        let mut out = BytesMut::new();
        read_chunked_body(&mut up, |data| {
            events.push(data);
            for item in &mut events {
                // A relay passes on what it can: an event over the limits was reported here
                // and cannot be re-sent.
                let Ok(item) = item else { continue };
                let written = match &item {
                    Item::Event(event) => {
                        forwarded_retry = event.retry();
                        encoder.encode(&OutEvent::from(event.as_ref()), &mut out)
                    }
                    Item::Control(control) => {
                        forwarded_retry = control.as_ref().retry();
                        encoder.encode(&OutEvent::from(control.as_ref()), &mut out)
                    }
                    Item::Comment(text) => encoder.encode(&OutEvent::comment(text), &mut out),
                    _ => Ok(()),
                };
                written.map_err(io::Error::other)?;
            }
            // One chunk per read of the origin: the client sees each token when it is sent.
            let mut wire = Vec::new();
            chunks
                .encode(&out, &[], &mut wire)
                .map_err(io::Error::other)?;
            out.clear();
            down.write_all(&wire)?;
            down.flush()
        })?;
        // A `retry` line of a block the origin cut off still took effect for its clients.
        if events.finish().is_err() && events.decoder().retry() != forwarded_retry {
            if let Some(retry) = events.decoder().retry() {
                encoder
                    .encode(&OutEvent::new().retry(retry), &mut out)
                    .map_err(io::Error::other)?;
            }
        }
        let mut wire = Vec::new();
        chunks
            .encode(&out, &[], &mut wire)
            .map_err(io::Error::other)?;
        chunks.finish(&[], &mut wire).map_err(io::Error::other)?;
        down.write_all(&wire)
    });

    let mut client = TcpStream::connect(proxy_addr)?;
    client.set_read_timeout(Some(TIMEOUT))?;
    client
        .write_all(b"GET /events HTTP/1.1\r\nHost: proxy\r\nAccept: text/event-stream\r\n\r\n")?;
    let mut decoder = BytesDecoder::new();
    let mut items = Vec::new();
    read_chunked_body(&mut client, |data| {
        decoder.push(data);
        for item in &mut decoder {
            items.push(item.map_err(io::Error::other)?);
        }
        Ok(())
    })?;
    decoder.finish()?;
    let relayed = Seen {
        items,
        last_event_id: decoder.decoder().last_event_id().to_owned(),
        retry: decoder.decoder().retry(),
    };
    origin_thread.join().expect("origin thread")?;
    proxy_thread.join().expect("proxy thread")?;

    let direct = direct();
    for item in &relayed.items {
        match item {
            Item::Event(e) => println!(
                "event   {:<8} id {:<4?} retry {:?}: {}",
                e.event_type(),
                e.id(),
                e.retry(),
                e.data().replace('\n', "\\n")
            ),
            Item::Control(c) => println!(
                "control id field {:?}, retry field {:?}",
                c.as_ref().id_field(),
                c.as_ref().retry_field()
            ),
            Item::Comment(c) => println!("comment {c:?}"),
            _ => {}
        }
    }
    println!(
        "last event ID {:?}, reconnection time {:?}",
        relayed.last_event_id, relayed.retry
    );
    if relayed == direct {
        println!("the proxy's client read exactly what a client of the origin reads");
        Ok(())
    } else {
        Err(format!("relayed {relayed:#?}\n\ndiffers from direct {direct:#?}").into())
    }
}

/// What a client of the origin reads, decoding the same blocks directly.
fn direct() -> Seen {
    let mut decoder = BytesDecoder::new();
    for block in ORIGIN {
        decoder.push(Bytes::from_static(block.as_bytes()));
    }
    let items = (&mut decoder).map(|i| i.expect("within limits")).collect();
    decoder.finish().expect("the origin ends between events");
    Seen {
        items,
        last_event_id: decoder.decoder().last_event_id().to_owned(),
        retry: decoder.decoder().retry(),
    }
}

/// Reads a request head (up to its blank line) and ignores it.
fn read_request(conn: &mut TcpStream) -> io::Result<()> {
    conn.set_read_timeout(Some(TIMEOUT))?;
    let mut head = Vec::new();
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r\n") {
        if conn.read(&mut byte)? == 0 || head.len() > 8192 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "bad request head",
            ));
        }
        head.push(byte[0]);
    }
    Ok(())
}

/// Reads a `200` chunked `text/event-stream` response from `conn` and hands each piece of its
/// body to `each`, as it arrives, until the last chunk.
fn read_chunked_body(
    conn: &mut TcpStream,
    mut each: impl FnMut(Bytes) -> io::Result<()>,
) -> io::Result<()> {
    let mut buf = vec![0u8; 4096];
    let mut head = Vec::new();
    let rest = loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break head.split_off(end + 4);
        }
    };
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    if !head.starts_with("http/1.1 200")
        || !head.contains("content-type: text/event-stream")
        || !head.contains("transfer-encoding: chunked")
    {
        return Err(io::Error::new(io::ErrorKind::InvalidData, head));
    }
    let mut body = chunked::BytesDecoder::new();
    body.push(Bytes::from(rest));
    loop {
        for chunk in &mut body {
            match chunk? {
                Chunk::Data(data) => each(data)?,
                Chunk::Done => return Ok(()),
                _ => {}
            }
        }
        let n = conn.read(&mut buf)?;
        if n == 0 {
            body.finish()?; // the connection closed inside the body: an error
        }
        body.push(Bytes::copy_from_slice(&buf[..n]));
    }
}
