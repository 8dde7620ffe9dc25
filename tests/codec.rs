//! `sse_wire::codec` driven through `tokio_util::codec::FramedRead`/`FramedWrite` over in-memory
//! readers and writers, read in pieces of every small size.
#![cfg(feature = "tokio-util")]

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::executor::block_on;
use futures::{SinkExt, StreamExt};
use sse_wire::chunked::{self, Chunk, TrailerField};
use sse_wire::codec::{ChunkedCodec, ChunkedCodecError, LastChunk, SseCodec, SseCodecError};
use sse_wire::sse::{self, DecodeError, Item, Limit, Limits, OutEvent};
use tokio::io::{AsyncRead, ReadBuf};
use tokio_util::codec::{Decoder, FramedRead, FramedWrite};

/// A reader that hands out at most `max` bytes per read, returns `Pending` before every read
/// (waking itself, so an executor polls again), and then fails with `error` if one is set.
struct Trickle<'a> {
    data: &'a [u8],
    max: usize,
    pending: bool,
    error: Option<io::ErrorKind>,
}

impl<'a> Trickle<'a> {
    fn new(data: &'a [u8], max: usize) -> Self {
        Trickle {
            data,
            max,
            pending: true,
            error: None,
        }
    }

    fn failing(data: &'a [u8], max: usize, error: io::ErrorKind) -> Self {
        Trickle {
            error: Some(error),
            ..Self::new(data, max)
        }
    }
}

impl AsyncRead for Trickle<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.pending {
            self.pending = false;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.pending = true;
        if self.data.is_empty() {
            if let Some(kind) = self.error {
                return Poll::Ready(Err(kind.into()));
            }
        }
        let n = self.max.min(self.data.len()).min(buf.remaining());
        let (head, rest) = self.data.split_at(n);
        buf.put_slice(head);
        self.data = rest;
        Poll::Ready(Ok(()))
    }
}

/// Everything a `FramedRead` yields, to the end of its stream.
fn read_all<R: AsyncRead + Unpin, D: Decoder>(
    reader: R,
    codec: D,
) -> Vec<Result<D::Item, D::Error>> {
    block_on(FramedRead::new(reader, codec).collect())
}

/// The data of every event, or `!<limit error>` for an event dropped over a limit.
fn sse_summary(items: &[Result<Result<Item, DecodeError>, SseCodecError>]) -> Vec<String> {
    items
        .iter()
        .filter_map(|item| match item {
            Ok(Ok(Item::Event(e))) => Some(e.data().to_owned()),
            Ok(Err(e)) => Some(format!("!{e:?}")),
            Ok(Ok(_)) => None,
            Err(e) => Some(format!("ERR {e}")),
        })
        .collect()
}

const MAX_READ: usize = 9;

#[test]
fn an_oversized_event_does_not_end_the_stream() {
    let body: &[u8] = b"data: first\n\ndata: 0123456789abcdef0123456789\n\ndata: after\n\n\
                        data: a\ndata: b\ndata: c\ndata: d\n\ndata: last\n\n";
    let limits = {
        let mut limits = Limits::default();
        limits.max_line_len = 24;
        limits.max_event_size = 6;
        limits
    };
    for max in 1..=MAX_READ {
        let codec = SseCodec::from(sse::Decoder::with_limits(limits));
        let items = read_all(Trickle::new(body, max), codec);
        let summary = sse_summary(&items);
        assert_eq!(summary.len(), 5, "reads of {max}: {summary:?}");
        assert_eq!(summary[0], "first");
        assert!(
            matches!(
                items[1],
                Ok(Err(DecodeError::LimitExceeded {
                    limit: Limit::LineLen,
                    offset: 37
                }))
            ),
            "{:?}",
            items[1]
        );
        assert_eq!(summary[2], "after");
        assert!(matches!(
            items[3],
            Ok(Err(DecodeError::LimitExceeded {
                limit: Limit::EventSize,
                ..
            }))
        ));
        assert_eq!(summary[4], "last");
    }
}

#[test]
fn eof_inside_an_event_is_truncated_after_the_queued_items() {
    let cases: [(&[u8], usize, usize, usize); 4] = [
        // (body, fields, data_len, partial_line)
        (b"data: a\n\ndata: b\n\ndata: cut", 0, 0, 9),
        (b"data: a\n\ndata: b\n\ndata: x\ndata: y\n", 2, 3, 0),
        (b"data: a\n\ndata: b\n\nid: 9\r\nevent: e\r\ndata", 2, 0, 4),
        (
            b"data: a\n\ndata: b\n\n: comment with no line end",
            0,
            0,
            26,
        ),
    ];
    for (body, fields, data_len, partial_line) in cases {
        for max in 1..=MAX_READ {
            let items = read_all(Trickle::new(body, max), SseCodec::new());
            assert_eq!(sse_summary(&items[..2]), ["a", "b"], "{max}");
            let Some(Err(SseCodecError::Truncated(t))) = items.last() else {
                panic!("{:?}: {items:?}", body.escape_ascii())
            };
            assert_eq!(
                (t.fields, t.data_len, t.partial_line),
                (fields, data_len, partial_line),
                "{} in reads of {max}",
                body.escape_ascii()
            );
            assert_eq!(items.len(), 3, "the error is final");
        }
    }
}

#[test]
fn a_clean_eof_ends_the_stream_cleanly() {
    let body: &[u8] = b"\xEF\xBB\xBFretry: 2500\nid: 3\ndata: x\r\n\r\n: ping\r\ndata: y\rid\r\r";
    for max in 1..=MAX_READ {
        let mut framed = FramedRead::new(Trickle::new(body, max), SseCodec::new());
        let items: Vec<_> = block_on((&mut framed).collect());
        let items: Vec<Item> = items.into_iter().map(|i| i.unwrap().unwrap()).collect();
        assert_eq!(items.len(), 3, "{items:?}");
        let Item::Event(x) = &items[0] else { panic!() };
        assert_eq!(
            (x.data(), x.id(), x.retry()),
            ("x", "3", Some(Duration::from_millis(2500)))
        );
        assert!(matches!(&items[1], Item::Comment(c) if c == " ping"));
        let Item::Event(y) = &items[2] else { panic!() };
        assert_eq!(
            (y.data(), y.id(), y.as_ref().id_field()),
            ("y", "", Some(""))
        );
        let decoder = framed.decoder().decoder();
        assert_eq!(decoder.last_event_id(), "");
        assert_eq!(decoder.retry(), Some(Duration::from_millis(2500)));
        assert!(framed.read_buffer().is_empty());
    }
}

#[test]
fn decode_eof_returns_buffered_items_before_the_verdict() {
    // The whole input in the buffer at EOF, as after a read that ended with the stream.
    let mut codec = SseCodec::new();
    let mut buf = BytesMut::from(&b"data: a\n\n: c\n\ndata: b\n\ndata: cut"[..]);
    let mut out = Vec::new();
    let err = loop {
        match codec.decode_eof(&mut buf) {
            Ok(Some(item)) => out.push(item.unwrap()),
            Ok(None) => panic!("a truncated stream ended cleanly"),
            Err(e) => break e,
        }
    };
    assert_eq!(out.len(), 3);
    assert!(matches!(err, SseCodecError::Truncated(t) if t.partial_line == 9));
    assert!(buf.is_empty());
    // The decoder is ready for a new stream.
    buf.extend_from_slice(b"data: new\n\n");
    assert!(
        matches!(codec.decode_eof(&mut buf), Ok(Some(Ok(Item::Event(e)))) if e.data() == "new")
    );
    assert!(matches!(codec.decode_eof(&mut buf), Ok(None)));
}

#[test]
fn a_shrunk_buffer_is_a_final_error() {
    let mut codec = SseCodec::new();
    let mut buf = BytesMut::from(&b"data: unfinished"[..]);
    assert!(matches!(codec.decode(&mut buf), Ok(None)));
    buf.clear();
    let err = codec.decode(&mut buf).unwrap_err();
    assert!(matches!(
        err,
        SseCodecError::Decode(DecodeError::InputShrunk { .. })
    ));
    assert_eq!(io::Error::from(err).kind(), io::ErrorKind::InvalidData);
}

#[test]
fn an_io_error_ends_the_stream_and_the_codec_reconnects() {
    let first: &[u8] = b"id: 41\ndata: a\n\ndata: {\"half";
    let mut framed = FramedRead::new(
        Trickle::failing(first, 5, io::ErrorKind::ConnectionReset),
        SseCodec::new(),
    );
    let items: Vec<_> = block_on((&mut framed).collect());
    assert_eq!(sse_summary(&items[..1]), ["a"]);
    assert!(
        matches!(&items[1], Err(SseCodecError::Io(e)) if e.kind() == io::ErrorKind::ConnectionReset)
    );
    assert_eq!(items.len(), 2);
    let mut codec = framed.into_parts().codec;
    assert_eq!(codec.decoder().last_event_id(), "41");
    codec.decoder_mut().reset();
    let items = read_all(Trickle::new(b"data: b\"}\n\n", 3), codec);
    let [Ok(Ok(Item::Event(b)))] = &items[..] else {
        panic!("{items:?}")
    };
    assert_eq!((b.data(), b.id()), ("b\"}", "41"));
}

#[test]
fn comments_can_be_left_out() {
    let codec = SseCodec::from(sse::Decoder::new().comments(false));
    let items = read_all(Trickle::new(b": a\ndata: x\n\n:b\n", 2), codec);
    assert_eq!(items.len(), 1);
    assert_eq!(sse_summary(&items), ["x"]);
}

#[test]
fn encoded_events_read_back() {
    let mut wire = FramedWrite::new(Vec::new(), SseCodec::new());
    block_on(async {
        wire.send(OutEvent::comment("")).await?;
        wire.send(OutEvent::new().retry(Duration::from_secs(2)))
            .await?;
        wire.send(
            OutEvent::new()
                .data("one\r\ntwo\rthree")
                .event_type("multi")
                .id("7"),
        )
        .await?;
        // A refused event writes nothing and leaves the sink usable.
        let refused = wire
            .send(OutEvent::new().data("x").id("a\nb"))
            .await
            .unwrap_err();
        assert!(matches!(
            refused,
            SseCodecError::Encode(sse::EncodeError::ControlInId { byte: b'\n', at: 1 })
        ));
        wire.send(&OutEvent::new().data("")).await?;
        wire.send(OutEvent::new().data("[DONE]")).await
    })
    .unwrap();
    let bytes = wire.into_inner();
    assert_eq!(
        bytes,
        b":\nretry: 2000\n\nevent: multi\nid: 7\ndata: one\ndata: two\ndata: three\n\n\
          data: \n\ndata: [DONE]\n\n"
    );
    for max in 1..=MAX_READ {
        let items = read_all(Trickle::new(&bytes, max), SseCodec::new());
        let items: Vec<Item> = items.into_iter().map(|i| i.unwrap().unwrap()).collect();
        assert_eq!(items.len(), 5, "{items:?}");
        assert!(matches!(&items[0], Item::Comment(c) if c.is_empty()));
        assert!(
            matches!(&items[1], Item::Control(c) if c.as_ref().retry_field() == Some(Duration::from_secs(2)))
        );
        let Item::Event(multi) = &items[2] else {
            panic!()
        };
        assert_eq!(
            (multi.event_type(), multi.data(), multi.id()),
            ("multi", "one\ntwo\nthree", "7")
        );
        assert!(matches!(&items[3], Item::Event(e) if e.data().is_empty() && e.id() == "7"));
        assert!(matches!(&items[4], Item::Event(e) if e.data() == "[DONE]"));
    }
}

#[test]
fn a_relay_passes_items_on_unchanged() {
    let upstream: &[u8] = b"retry: 100\n\n: hi\nid: 1\nevent: tick\ndata: a\ndata: b\n\n\
                            data: c\n\nid\n\nid: 2\n\ndata: d\n\n";
    let original: Vec<Item> = read_all(Trickle::new(upstream, 4), SseCodec::new())
        .into_iter()
        .map(|i| i.unwrap().unwrap())
        .collect();
    let mut relay = FramedWrite::new(Vec::new(), SseCodec::new());
    block_on(async {
        let mut items = FramedRead::new(Trickle::new(upstream, 3), SseCodec::new());
        while let Some(item) = items.next().await {
            relay.send(item?.expect("no limit is reached")).await?;
        }
        Ok::<(), SseCodecError>(())
    })
    .unwrap();
    let relayed: Vec<Item> = read_all(&relay.get_ref()[..], SseCodec::new())
        .into_iter()
        .map(|i| i.unwrap().unwrap())
        .collect();
    assert_eq!(relayed, original);
    assert_eq!(original.len(), 7);
}

#[test]
fn event_stream_errors_become_io_errors() {
    let mut decoder = sse::Decoder::new();
    assert!(decoder.decode(b"data: x").unwrap().item.is_none());
    let t = decoder.finish().unwrap_err();
    let kinds = [
        (SseCodecError::Truncated(t), io::ErrorKind::UnexpectedEof),
        (
            SseCodecError::Encode(sse::EncodeError::ControlInId { byte: 0, at: 0 }),
            io::ErrorKind::InvalidInput,
        ),
        (
            SseCodecError::Io(io::ErrorKind::BrokenPipe.into()),
            io::ErrorKind::BrokenPipe,
        ),
    ];
    for (e, kind) in kinds {
        assert_eq!(io::Error::from(e).kind(), kind);
    }
}

// ---------------------------------------------------------------------------------------------
// chunked

/// Payloads of assorted sizes, some empty (which write nothing), some large.
fn payloads() -> Vec<Vec<u8>> {
    let mut seed = 0x2545_f491_u32;
    let sizes = [1, 0, 2, 15, 16, 17, 255, 0, 256, 4095, 4096, 70_000, 3];
    sizes
        .iter()
        .map(|&n| {
            (0..n)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    seed as u8
                })
                .collect()
        })
        .collect()
}

fn encode_body(payloads: &[Vec<u8>], trailers: &[TrailerField<'_>]) -> Vec<u8> {
    let mut wire = FramedWrite::new(Vec::new(), ChunkedCodec::new());
    block_on(async {
        for (i, p) in payloads.iter().enumerate() {
            if i % 2 == 0 {
                wire.send(&p[..]).await?;
            } else {
                wire.send(Bytes::copy_from_slice(p)).await?;
            }
        }
        wire.send(LastChunk(trailers)).await
    })
    .unwrap();
    // The body is finished: more data is refused (and writes nothing).
    assert!(matches!(
        block_on(wire.send(&b"x"[..])),
        Err(ChunkedCodecError::Encode(chunked::EncodeError::Finished))
    ));
    wire.into_inner()
}

#[test]
fn a_chunked_body_reads_back_at_any_read_size() {
    let payloads = payloads();
    let trailers = [
        TrailerField::new("Server-Timing", "db;dur=53").unwrap(),
        TrailerField::new("X-Checksum", "7d1a").unwrap(),
    ];
    let mut wire = encode_body(&payloads, &trailers);
    let body_len = wire.len();
    wire.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
    let expected: Vec<u8> = payloads.concat();
    for max in (1..=MAX_READ).chain([64, 1000, 5000, 100_000]) {
        block_on(async {
            let mut framed = FramedRead::new(Trickle::new(&wire, max), ChunkedCodec::new());
            let (mut data, mut fields) = (Vec::new(), Vec::new());
            loop {
                match framed.next().await.expect("the body ends with Done") {
                    Ok(Chunk::Data(d)) => {
                        assert!(!d.is_empty());
                        data.extend_from_slice(&d);
                    }
                    Ok(Chunk::Trailer { name, value }) => fields.push((name, value)),
                    Ok(Chunk::Done) => break,
                    other => panic!("{other:?}"),
                }
            }
            assert!(data == expected, "reads of {max}");
            assert_eq!(
                fields,
                [
                    (Bytes::from("Server-Timing"), Bytes::from("db;dur=53")),
                    (Bytes::from("X-Checksum"), Bytes::from("7d1a")),
                ]
            );
            assert!(framed.decoder().decoder().is_done());
            assert_eq!(framed.decoder().decoder().position(), body_len as u64);
            // What followed the body: the part already read is in the buffer, the rest in the
            // reader.
            let parts = framed.into_parts();
            let mut rest = parts.read_buf.to_vec();
            rest.extend_from_slice(parts.io.data);
            assert_eq!(rest, b"HTTP/1.1 200 OK\r\n");
        });
    }
}

#[test]
fn nothing_comes_after_done() {
    let wire = b"3\r\nabc\r\n0\r\n\r\nleftover";
    for max in 1..=MAX_READ {
        let items = read_all(Trickle::new(wire, max), ChunkedCodec::new());
        let (last, data) = items.split_last().unwrap();
        assert!(matches!(last, Ok(Chunk::Done)), "{items:?}");
        let data: Vec<u8> = data
            .iter()
            .flat_map(|item| match item {
                Ok(Chunk::Data(d)) => d.to_vec(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(data, b"abc", "{max}");
    }
}

#[test]
fn chunk_headers_come_out_when_asked_for() {
    let codec = ChunkedCodec::from(chunked::Decoder::new());
    let items = read_all(&b"3;a=b\r\nabc\r\n0\r\n\r\n"[..], codec);
    let items: Vec<Chunk> = items.into_iter().map(Result::unwrap).collect();
    assert_eq!(items.len(), 4);
    let Chunk::Header {
        size: 3,
        extensions,
    } = &items[0]
    else {
        panic!("{items:?}")
    };
    assert_eq!(
        extensions
            .as_ref()
            .get(b"a")
            .unwrap()
            .value()
            .unwrap()
            .raw(),
        b"b"
    );
    assert!(matches!(items[2], Chunk::Header { size: 0, .. }));
}

#[test]
fn a_framing_error_ends_the_chunked_stream_with_the_exact_error() {
    use chunked::DecodeError as E;
    let cases: [(&[u8], E); 4] = [
        (
            b"5\r\nhello\r\n12x\r\n",
            E::InvalidAfterChunkSize { offset: 12 },
        ),
        (
            b"5\r\nhelloXX0\r\n\r\n",
            E::MissingCrlfAfterData { offset: 8 },
        ),
        (b"2\r\nhi\r\n\r\n", E::InvalidChunkSize { offset: 7 }),
        (b"0\r\nB@d: x\r\n\r\n", E::InvalidTrailerName { offset: 4 }),
    ];
    for (wire, want) in cases {
        for max in 1..=MAX_READ {
            let items = read_all(Trickle::new(wire, max), ChunkedCodec::new());
            let Some(Err(ChunkedCodecError::Decode(e))) = items.last() else {
                panic!("{}: {items:?}", wire.escape_ascii())
            };
            assert_eq!(*e, want, "{}", wire.escape_ascii());
            assert!(items[..items.len() - 1].iter().all(Result::is_ok));
        }
    }
}

#[test]
fn eof_before_the_end_of_the_body_is_truncated() {
    let wires: [&[u8]; 4] = [
        b"",
        b"5\r\nhel",
        b"5\r\nhello\r\n",
        b"5\r\nhello\r\n0\r\nX-A: b\r\n",
    ];
    for wire in wires {
        for max in 1..=MAX_READ {
            let items = read_all(Trickle::new(wire, max), ChunkedCodec::new());
            let Some(Err(ChunkedCodecError::Decode(e))) = items.last() else {
                panic!("{}: {items:?}", wire.escape_ascii())
            };
            assert!(matches!(e, chunked::DecodeError::Truncated { .. }));
            let err = io::Error::from(ChunkedCodecError::Decode(*e));
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        }
    }
}

#[test]
fn the_chunked_encoder_refuses_data_after_the_end() {
    let mut wire = FramedWrite::new(Vec::new(), ChunkedCodec::new());
    let late = block_on(async {
        wire.send(&b""[..]).await?; // writes nothing
        wire.send(LastChunk::default()).await?;
        wire.send(Bytes::from_static(b"late")).await
    })
    .unwrap_err();
    assert!(matches!(
        late,
        ChunkedCodecError::Encode(chunked::EncodeError::Finished)
    ));
    assert_eq!(wire.get_ref(), b"0\r\n\r\n");
    assert_eq!(io::Error::from(late).kind(), io::ErrorKind::InvalidInput);
    // A new encoder writes the next body.
    *wire.encoder_mut().encoder_mut() = chunked::Encoder::new();
    block_on(wire.send(&b"ok"[..])).unwrap();
    assert_eq!(wire.get_ref(), b"0\r\n\r\n2\r\nok\r\n");
}

/// A proxy's path through both codecs: the response headers say chunked event stream, the
/// chunked codec takes the framing off, and the event-stream codec reads the data.
#[cfg(feature = "http")]
#[test]
fn a_chunked_event_stream_through_both_codecs() {
    use http::header::{CONTENT_TYPE, TRANSFER_ENCODING};
    use http::{HeaderMap, HeaderValue};

    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("Text/Event-Stream;charset=UTF-8"),
    );
    headers.insert(TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
    assert!(sse_wire::http::is_event_stream(&headers));
    assert!(sse_wire::http::is_chunked(&headers));

    let events =
        b"id: 1\ndata: {\"delta\":\"Hel\"}\n\nid: 2\ndata: {\"delta\":\"lo\"}\n\ndata: [DONE]\n\n";
    // Chunks that end inside SSE lines, read in pieces that end inside chunk lines.
    let payloads: Vec<Vec<u8>> = events.chunks(7).map(<[u8]>::to_vec).collect();
    let wire = encode_body(&payloads, &[]);
    for max in 1..=MAX_READ {
        let mut sse = SseCodec::new();
        let mut buf = BytesMut::new();
        let mut data = Vec::new();
        for chunk in read_all(Trickle::new(&wire, max), ChunkedCodec::new()) {
            match chunk.unwrap() {
                Chunk::Data(d) => buf.extend_from_slice(&d),
                Chunk::Done => {}
                other => panic!("{other:?}"),
            }
            while let Some(item) = sse.decode(&mut buf).unwrap() {
                if let Item::Event(e) = item.unwrap() {
                    data.push(e.data().to_owned());
                }
            }
        }
        assert!(sse.decode_eof(&mut buf).unwrap().is_none());
        assert_eq!(data, [r#"{"delta":"Hel"}"#, r#"{"delta":"lo"}"#, "[DONE]"]);
        assert_eq!(sse.decoder().last_event_id(), "2");
    }
}

/// Issue 25 through the codec: an event dropped for a limit keeps its `id`, read in pieces of
/// every size up to `MAX_READ`.
#[test]
fn a_dropped_event_keeps_its_id_through_the_codec() {
    let long = "x".repeat(200);
    let mut third = b"id: 1\ndata: a\n\n".to_vec();
    for _ in 0..10 {
        third.extend_from_slice(b"data: yyyyyyyyyy\n");
    }
    third.extend_from_slice(b"id: 2\n\ndata: c\n\n");
    let cases = [
        format!("id: 1\ndata: a\n\ndata: {long}\nid: 2\n\ndata: c\n\n").into_bytes(),
        format!("id: 1\ndata: a\n\nid: 2\ndata: {long}\n\ndata: c\n\n").into_bytes(),
        third,
    ];
    let mut limits = Limits::default();
    limits.max_line_len = 64;
    limits.max_event_size = 64;
    for body in &cases {
        for max in 1..=MAX_READ {
            let codec = SseCodec::from(sse::Decoder::with_limits(limits));
            let items = read_all(Trickle::new(body, max), codec);
            let shape: Vec<String> = items
                .iter()
                .map(|i| match i {
                    Ok(Ok(Item::Event(e))) => format!("{}@{}", e.data(), e.id()),
                    Ok(Ok(Item::Control(c))) => format!("control@{}", c.as_ref().id()),
                    Ok(Ok(_)) => "other".into(),
                    Ok(Err(_)) => "error".into(),
                    Err(e) => format!("{e}"),
                })
                .collect();
            assert_eq!(
                shape,
                ["a@1", "error", "control@2", "c@2"],
                "reads of {max}"
            );
        }
    }
}
