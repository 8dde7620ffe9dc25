//! Composition: the raw chunked HTTP/1.1 body of an LLM event stream, decoded by `chunked`, fed
//! into the `sse` decoder. Whatever the piece boundaries of the raw bytes, the events (and the
//! bytes after the body) are the same as decoding the event stream whole; on the owned path
//! (`chunked::BytesDecoder` into `sse::BytesDecoder`) single-line data is never copied.

use bytes::Bytes;
use sse_wire::chunked::{self, ChunkExt, TrailerField};
use sse_wire::sse::{self, Item};

/// What follows the body on the connection (the next response): never consumed.
const NEXT: &[u8] = b"HTTP/1.1 200 OK\r\n";

/// An LLM token stream with the things a real one has: a comment, a retry, ids, a typed event,
/// a multi-line event, CRLF line ends in part, and the `[DONE]` sentinel.
fn event_stream() -> Vec<u8> {
    let mut s = Vec::new();
    s.extend_from_slice(b": keep-alive\n\nretry: 3000\n\n");
    for (i, word) in [
        "The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog",
    ]
    .iter()
    .cycle()
    .take(40)
    .enumerate()
    {
        let line = format!(
            "data: {{\"id\":\"chatcmpl-1\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{word}\"}}}}]}}\n"
        );
        s.extend_from_slice(line.as_bytes());
        if i % 10 == 3 {
            s.extend_from_slice(format!("id: {i}\n").as_bytes());
        }
        s.extend_from_slice(if i % 7 == 5 { b"\r\n" } else { b"\n" });
    }
    s.extend_from_slice(
        b"event: usage\r\ndata: {\"prompt_tokens\":9,\r\ndata:  \"completion_tokens\":40}\r\n\r\n",
    );
    s.extend_from_slice(b"data: [DONE]\n\n");
    s
}

/// The event stream framed as a chunked body with chunks of the given sizes (cycled), one
/// extension, a trailer, and the next response after it.
fn chunked_wire(sse: &[u8], sizes: &[usize]) -> Vec<u8> {
    let mut enc = chunked::Encoder::new();
    let mut wire = Vec::new();
    let ext = [ChunkExt::with_value("model", "tiny \"quoted\"").unwrap()];
    let mut rest = sse;
    for (n, &size) in sizes.iter().cycle().enumerate() {
        if rest.is_empty() {
            break;
        }
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        if n == 2 {
            enc.encode(chunk, &ext, &mut wire).unwrap();
        } else {
            enc.encode(chunk, &[], &mut wire).unwrap();
        }
        rest = tail;
    }
    let trailers = [TrailerField::new("X-Tokens", "40").unwrap()];
    enc.finish(&trailers, &mut wire).unwrap();
    wire.extend_from_slice(NEXT);
    wire
}

/// The events of the stream decoded whole, the oracle.
fn expected(sse: &[u8]) -> Vec<Item> {
    let mut buf = bytes::BytesMut::from(sse);
    let mut dec = sse::Decoder::new();
    let mut items = Vec::new();
    while let Some(item) = dec.decode_buf(&mut buf).unwrap() {
        items.push(item);
    }
    assert!(buf.is_empty());
    dec.finish().unwrap();
    items
}

/// Borrowed end to end: `chunked::Decoder::decode` over a caller buffer, each data slice
/// appended to the SSE decoder's caller buffer. Returns the items and the bytes after the body.
fn borrowed(pieces: &[&[u8]]) -> (Vec<Item>, Vec<u8>) {
    let mut chunks = chunked::Decoder::new();
    let mut events = sse::Decoder::new();
    let mut wire_buf: Vec<u8> = Vec::new();
    let mut sse_buf: Vec<u8> = Vec::new();
    let mut items = Vec::new();
    let mut reads = pieces.iter();
    loop {
        let chunked::Decoded {
            consumed,
            item: chunk,
        } = chunks.decode(&wire_buf).unwrap();
        let done = chunk == Some(chunked::ChunkRef::Done);
        let need_more = chunk.is_none();
        if let Some(chunked::ChunkRef::Data(data)) = chunk {
            sse_buf.extend_from_slice(data);
            loop {
                let sse::Decoded { consumed, item } = events.decode(&sse_buf).unwrap();
                let item = match item {
                    Some(sse::ItemRef::Event(e)) => Item::Event(e.into_owned()),
                    Some(sse::ItemRef::Comment(c)) => Item::Comment(c.into()),
                    Some(sse::ItemRef::Control(c)) => Item::Control(c.into_owned()),
                    Some(_) => unreachable!("no other items"),
                    None => {
                        sse_buf.drain(..consumed);
                        break;
                    }
                };
                sse_buf.drain(..consumed);
                items.push(item);
            }
        }
        wire_buf.drain(..consumed);
        if done {
            break;
        }
        if need_more {
            wire_buf.extend_from_slice(reads.next().expect("the body is complete"));
        }
    }
    chunks.finish().unwrap();
    assert!(sse_buf.is_empty());
    events.finish().unwrap();
    for read in reads {
        wire_buf.extend_from_slice(read);
    }
    (items, wire_buf)
}

/// Owned end to end: `Bytes` pieces into `chunked::BytesDecoder`, its data `Bytes` into
/// `sse::BytesDecoder`.
fn owned(pieces: &[Bytes]) -> (Vec<Item>, Bytes) {
    let mut chunks = chunked::BytesDecoder::new();
    let mut events = sse::BytesDecoder::new();
    let mut items = Vec::new();
    let mut rest = Vec::new();
    for piece in pieces {
        if chunks.decoder().is_done() {
            rest.push(piece.clone());
            continue;
        }
        chunks.push(piece.clone());
        for chunk in &mut chunks {
            if let chunked::Chunk::Data(data) = chunk.unwrap() {
                events.push(data);
                items.extend(events.by_ref().map(Result::unwrap));
            }
        }
    }
    chunks.finish().unwrap();
    events.finish().unwrap();
    let mut leftover = chunks.take_remainder().to_vec();
    for piece in rest {
        leftover.extend_from_slice(&piece);
    }
    (items, Bytes::from(leftover))
}

fn pieces_at(wire: &Bytes, cuts: &[usize]) -> Vec<Bytes> {
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(wire.len());
    bounds.windows(2).map(|w| wire.slice(w[0]..w[1])).collect()
}

#[test]
fn identical_events_at_every_split_point() {
    let sse = event_stream();
    let want = expected(&sse);
    assert_eq!(
        want.len(),
        1 + 1 + 40 + 2,
        "a comment, a lone retry, 40 tokens, usage, [DONE]: {want:?}"
    );
    for sizes in [&[1, 7, 64, 3, 200, 13][..], &[4096], &[17, 1]] {
        let wire = Bytes::from(chunked_wire(&sse, sizes));
        for cut in 0..=wire.len() {
            let (a, b) = wire.split_at(cut);
            let (items, rest) = borrowed(&[a, b]);
            assert_eq!(items, want, "borrowed, chunk sizes {sizes:?}, cut at {cut}");
            assert_eq!(rest, NEXT, "borrowed, chunk sizes {sizes:?}, cut at {cut}");
            let (items, rest) = owned(&pieces_at(&wire, &[cut]));
            assert_eq!(items, want, "owned, chunk sizes {sizes:?}, cut at {cut}");
            assert_eq!(rest, NEXT, "owned, chunk sizes {sizes:?}, cut at {cut}");
        }
        // And in pieces of 1, 2, 3 and 7 bytes.
        for step in [1, 2, 3, 7] {
            let cuts: Vec<usize> = (step..wire.len()).step_by(step).collect();
            let pieces = pieces_at(&wire, &cuts);
            let slices: Vec<&[u8]> = pieces.iter().map(|p| &p[..]).collect();
            assert_eq!(
                borrowed(&slices),
                (want.clone(), NEXT.to_vec()),
                "{step}-byte pieces"
            );
            assert_eq!(
                owned(&pieces),
                (want.clone(), Bytes::from_static(NEXT)),
                "{step}-byte pieces"
            );
        }
    }
}

/// `true` when `s` lies inside `wire`'s memory: a slice, not a copy.
fn points_into(wire: &Bytes, s: &str) -> bool {
    let range = wire.as_ptr_range();
    range.contains(&s.as_ptr()) && s.len() <= wire.len()
}

#[test]
fn owned_path_does_not_copy_single_line_data() {
    // A server that writes one chunk per event (the usual LLM server), read in pieces cut
    // anywhere: every single-line event that no cut falls into is a slice of the wire bytes.
    let sse = event_stream();
    let mut wire = Vec::new();
    let mut enc = chunked::Encoder::new();
    let mut events = 0;
    for event in
        sse.split_inclusive(|&b| b == b'\n')
            .fold(Vec::<Vec<u8>>::new(), |mut acc, line| {
                match acc.last_mut() {
                    Some(last) if !(last.ends_with(b"\n\n") || last.ends_with(b"\n\r\n")) => {
                        last.extend_from_slice(line)
                    }
                    _ => acc.push(line.to_vec()),
                }
                acc
            })
    {
        enc.encode(&event, &[], &mut wire).unwrap();
        events += 1;
    }
    enc.finish(&[], &mut wire).unwrap();
    assert!(events > 40);
    let wire = Bytes::from(wire);
    let want = expected(&sse);

    for cut in (0..=wire.len()).step_by(5) {
        let (items, _) = owned(&pieces_at(&wire, &[cut]));
        assert_eq!(items, want);
        let single_line: Vec<&str> = items
            .iter()
            .filter_map(|item| match item {
                Item::Event(e) if !e.data().contains('\n') && !e.data().is_empty() => {
                    Some(e.data())
                }
                _ => None,
            })
            .collect();
        let copied = single_line
            .iter()
            .filter(|d| !points_into(&wire, d))
            .count();
        // Only the event the cut falls into may be copied (its lines straddle two pieces).
        assert!(
            copied <= 1,
            "cut at {cut}: {copied} of {} single-line events were copied",
            single_line.len()
        );
    }
    // Whole, nothing is copied at all.
    let (items, _) = owned(std::slice::from_ref(&wire));
    let copied = items
        .iter()
        .filter(|item| matches!(item, Item::Event(e) if !e.data().contains('\n') && !e.data().is_empty() && !points_into(&wire, e.data())))
        .count();
    assert_eq!(copied, 0);
}
