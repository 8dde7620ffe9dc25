//! The library API: the items reported are exactly the decoder's, with the right offsets.

use bytes::Bytes;
use sse_inspect::{inspect, InputKind, Options, Place, ProblemKind, SentinelCheck};
use sse_wire::sse::{BytesDecoder, Item};

/// What `sse_wire`'s decoder makes of `body`, fed in one piece.
fn decoded(body: &[u8]) -> Vec<Item> {
    let mut decoder = BytesDecoder::new();
    decoder.push(Bytes::copy_from_slice(body));
    (&mut decoder).filter_map(Result::ok).collect()
}

fn items(body: &[u8]) -> Vec<Item> {
    let opts = Options {
        input: InputKind::Sse,
        ..Options::default()
    };
    inspect(body, &opts)
        .records
        .into_iter()
        .map(|r| r.item)
        .collect()
}

#[test]
fn the_items_are_the_decoders() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "sse") && !path.with_extension("args").exists() {
            let body = std::fs::read(&path).unwrap();
            assert_eq!(items(&body), decoded(&body), "{}", path.display());
            seen += 1;
        }
    }
    assert!(seen >= 10);
    for body in [
        &b"data: a\r\r\ndata: b\n\r\n\r"[..],
        b"\r\n\r\n\n:\n\r",
        b"event:\ndata\n\nid\x00\ndata:x\n\n",
        b"data: a\ndata\ndata:\n\n: c1\ndata: b\n: c2\n\n",
        b"\xef\xbb\xbf\xef\xbb\xbfdata: x\n\ndata: y\n\n",
        b"retry: 10\nretry: 2x\ndata: z\r\n\r\n",
        b"",
        b"\xef\xbb",
    ] {
        assert_eq!(
            items(body),
            decoded(body),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn offsets_point_at_the_first_field_line_of_each_block() {
    let body = b": hello\r\n\r\nid: 1\r\ndata: a\r\n\r\n: mid\n\nevent: x\rdata: b\r\r";
    let report = inspect(body, &Options::default());
    let offsets: Vec<_> = report.records.iter().map(|r| r.offset).collect();
    // comment at 0, event block at 11, comment at 29, event block at 36.
    assert_eq!(offsets, [0, 11, 29, 36]);
    assert_eq!(&body[11..16], b"id: 1");
    assert_eq!(&body[36..44], b"event: x");
    assert_eq!(report.summary.events, 2);
    assert_eq!(report.summary.comments, 2);
    let lone_cr = &report.problems[0];
    assert_eq!(
        (lone_cr.kind, lone_cr.offset, lone_cr.place),
        (ProblemKind::LoneCr, 44, Place::Body)
    );
}

#[test]
fn framing_offsets_count_from_the_capture_and_sse_offsets_from_the_body() {
    let head =
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    let mut capture = head.to_vec();
    capture.extend_from_slice(b"4\r\nid: \r\n6\r\na\x01\ndata\r\nzz\r\n");
    let report = inspect(&capture, &Options::default());
    let got: Vec<_> = report
        .problems
        .iter()
        .map(|p| (p.kind, p.place, p.offset))
        .collect();
    // The 6-byte chunk holds "a\x01\ndat": the "a" after it, where CRLF belongs, is chunked
    // body byte 18. The id's control byte is body byte 5.
    assert_eq!(
        got,
        [
            (
                ProblemKind::ChunkedFraming,
                Place::Capture,
                head.len() as u64 + 18
            ),
            (ProblemKind::Truncated, Place::Body, 0),
            (ProblemKind::IdControl, Place::Body, 5),
        ]
    );
    assert_eq!(report.http.as_ref().unwrap().status, 200);
    assert_eq!(report.summary.body_bytes, 10);
}

#[test]
fn sentinels() {
    let openai = b"data: {\"choices\":[]}\n\ndata: [DONE]\n\n";
    let check = |body: &[u8], s: &str| {
        let opts = Options {
            sentinel: SentinelCheck::parse(s).unwrap(),
            ..Options::default()
        };
        inspect(body, &opts)
            .problems
            .iter()
            .any(|p| p.kind == ProblemKind::MissingSentinel)
    };
    assert!(!check(openai, "auto"));
    assert!(!check(openai, "openai"));
    assert!(check(openai, "anthropic"));
    assert!(check(b"data: {\"choices\":[]}\n\n", "auto"));
    // Not an API stream: auto does not ask for a marker; a required one is.
    assert!(!check(b"data: tick\n\n", "auto"));
    assert!(check(b"data: tick\n\n", "data:bye"));
    assert!(!check(b"data: tick\n\n", "none"));
    assert!(!check(b"event: message_stop\ndata: {}\n\n", "auto"));
    assert!(check(b"event: message_start\ndata: {}\n\n", "auto"));
    assert!(SentinelCheck::parse("bogus").is_none());
}
