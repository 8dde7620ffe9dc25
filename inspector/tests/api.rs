//! The library API: the items reported are exactly the decoder's, with the right offsets.

use bytes::Bytes;
use sse_inspect::{inspect, InputKind, Options, Place, ProblemKind, SentinelCheck};
use sse_wire::outcome::Signals;
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

const CHAT_ERROR: &[u8] = b"data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n\
    data: {\"error\":{\"message\":\"boom\"}}\n\n";
const RESPONSES_ERROR: &[u8] =
    b"event: response.created\ndata: {\"type\":\"response.created\"}\n\n\
    event: error\ndata: {\"type\":\"error\",\"code\":\"server_error\"}\n\n";
const RESPONSES_FAILED: &[u8] = b"event: response.created\ndata: {}\n\n\
    event: response.failed\ndata: {\"type\":\"response.failed\"}\n\n";
const ANTHROPIC_ERROR: &[u8] = b"event: message_start\ndata: {}\n\nevent: ping\ndata: {}\n\n\
    event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}\n\n";

/// The problems of `body` checked with `--sentinel s`, as (kind, offset, detail).
fn problems(body: &[u8], s: &str) -> Vec<(ProblemKind, u64, String)> {
    let opts = Options {
        sentinel: SentinelCheck::parse(s).unwrap(),
        ..Options::default()
    };
    inspect(body, &opts)
        .problems
        .into_iter()
        .map(|p| (p.kind, p.offset, p.detail))
        .collect()
}

#[test]
fn preset_names_and_aliases() {
    for (name, preset) in [
        ("openai-chat", Signals::openai_chat()),
        ("openai", Signals::openai_chat()),
        ("openai-responses", Signals::openai_responses()),
        ("anthropic-messages", Signals::anthropic_messages()),
        ("anthropic", Signals::anthropic_messages()),
    ] {
        assert_eq!(
            SentinelCheck::parse(name),
            Some(SentinelCheck::Required(preset)),
            "{name}"
        );
    }
    // Every preset the core lists is accepted by its name.
    for preset in Signals::presets() {
        let name = preset.name.to_string();
        assert_eq!(
            SentinelCheck::parse(&name),
            Some(SentinelCheck::Required(preset))
        );
    }
    let Some(SentinelCheck::Required(custom)) = SentinelCheck::parse("event:done") else {
        panic!()
    };
    assert_eq!(custom.end_types, ["done"]);
    assert!(custom.end_data.is_empty() && custom.error_types.is_empty());
    assert_eq!(custom.error_key, None);
    assert_eq!(SentinelCheck::parse("none"), Some(SentinelCheck::None));
    assert_eq!(SentinelCheck::parse("auto"), Some(SentinelCheck::Auto));
}

#[test]
fn each_presets_error_event_is_a_server_error() {
    for (body, preset, offset, ty) in [
        (CHAT_ERROR, "openai-chat", 48, "message"),
        (RESPONSES_ERROR, "openai-responses", 59, "error"),
        (RESPONSES_FAILED, "openai-responses", 34, "response.failed"),
        (ANTHROPIC_ERROR, "anthropic-messages", 53, "error"),
    ] {
        // Picked by auto, and named.
        for s in ["auto", preset] {
            let got = problems(body, s);
            let (kind, at, detail) = &got[0];
            assert_eq!(
                (*kind, *at),
                (ProblemKind::ServerError, offset),
                "{preset} {s}: {got:?}"
            );
            assert!(
                detail.contains(preset) && detail.contains(&format!("type {ty:?}")),
                "{detail}"
            );
            // The end marker is still missing after it.
            assert_eq!(got[1].0, ProblemKind::MissingSentinel, "{got:?}");
            assert_eq!(got.len(), 2, "{got:?}");
        }
        // Not an error to no check, nor to an end marker of one's own.
        assert!(problems(body, "none").is_empty());
        assert!(problems(body, "data:[DONE]")
            .iter()
            .all(|p| p.0 == ProblemKind::MissingSentinel));
    }
    // Each preset judges by its own API's format: a Chat error object (of the default type)
    // is content to Anthropic and to the Responses API, which look at event types.
    assert!(!problems(CHAT_ERROR, "openai-responses")
        .iter()
        .any(|p| p.0 == ProblemKind::ServerError));
    assert!(!problems(CHAT_ERROR, "anthropic")
        .iter()
        .any(|p| p.0 == ProblemKind::ServerError));
}

#[test]
fn a_long_error_is_cut_to_an_excerpt() {
    let long = format!(
        "event: message_start\ndata: {{}}\n\nevent: error\ndata: {{\"error\":\"{}\"}}\n\n",
        "é".repeat(500)
    );
    let got = problems(long.as_bytes(), "auto");
    let detail = &got[0].2;
    assert_eq!(got[0].0, ProblemKind::ServerError);
    assert!(
        detail.ends_with("…") && detail.chars().count() < 250,
        "{detail}"
    );
}

#[test]
fn auto_picks_each_preset() {
    let picked = |body: &[u8]| {
        let report = inspect(body, &Options::default());
        SentinelCheck::pick(report.events().map(|(_, e)| e)).map(|s| s.name.to_string())
    };
    let cases: [(&[u8], Option<&str>); 8] = [
        (b"data: {\"choices\":[]}\n\n", Some("openai-chat")),
        (b"data: [DONE]\n\n", Some("openai-chat")),
        (b"event: response.created\ndata: {}\n\n", Some("openai-responses")),
        (b"event: message_start\ndata: {}\n\n", Some("anthropic-messages")),
        (b"event: content_block_delta\ndata: {}\n\n", Some("anthropic-messages")),
        // `ping` and `error` tell nothing; the first event that tells decides.
        (b"event: ping\ndata: {}\n\nevent: error\ndata: {}\n\nevent: response.in_progress\ndata: {}\n\n\
           event: message_start\ndata: {}\n\n", Some("openai-responses")),
        (b"data: tick\n\nevent: error\ndata: {\"error\":1}\n\n", None),
        (b"", None),
    ];
    for (body, want) in cases {
        assert_eq!(
            picked(body).as_deref(),
            want,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    // And auto checks for the picked preset's end marker.
    let missing = |body: &[u8]| {
        problems(body, "auto")
            .into_iter()
            .find(|p| p.0 == ProblemKind::MissingSentinel)
            .map(|p| p.2)
    };
    assert!(missing(b"data: {\"choices\":[]}\n\n")
        .unwrap()
        .contains("\"[DONE]\""));
    let responses = missing(b"event: response.created\ndata: {}\n\n").unwrap();
    assert!(
        responses.contains("an event of type \"response.completed\" or \"response.incomplete\""),
        "{responses}"
    );
    assert!(missing(
        b"event: response.created\ndata: {}\n\nevent: response.incomplete\ndata: {}\n\n"
    )
    .is_none());
    assert!(missing(b"event: message_start\ndata: {}\n\n")
        .unwrap()
        .contains("\"message_stop\""));
    assert!(missing(b"data: tick\n\n").is_none());
}

#[test]
fn follow_signals_with_auto_are_every_presets() {
    let Some(any) = SentinelCheck::Auto.follow_signals() else {
        panic!()
    };
    for preset in Signals::presets() {
        for d in &preset.end_data {
            assert!(any.end_data.contains(d));
        }
        for t in preset.end_types.iter().chain(&preset.error_types) {
            assert!(
                any.end_types.contains(t) || any.error_types.contains(t),
                "{t}"
            );
        }
    }
    assert_eq!(any.error_key.as_deref(), Some("error"));
    assert_eq!(SentinelCheck::None.follow_signals(), None);
    assert_eq!(
        SentinelCheck::parse("anthropic").unwrap().follow_signals(),
        Some(Signals::anthropic_messages())
    );
}
