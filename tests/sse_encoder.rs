//! The SSE encoder: exact bytes for the common cases, refusals for what a reader would misread,
//! and the zero-copy framing path byte-identical to the copying one.

use core::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use sse_wire::sse::{Decoder, EncodeError, Encoder, Item, OutEvent};
use sse_wire::Str;

fn encode(ev: &OutEvent<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    Encoder::new().encode(ev, &mut out).unwrap();
    assert_eq!(
        Encoder::new().encoded_len(ev).unwrap(),
        out.len(),
        "encoded_len must be exact"
    );
    out
}

/// Drains a `Buf` through `chunk`/`advance` in steps of at most `step` bytes.
fn drain(mut b: impl Buf, step: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while b.has_remaining() {
        let c = b.chunk();
        assert!(
            !c.is_empty(),
            "a Buf with bytes remaining returned an empty chunk"
        );
        let n = c.len().min(step);
        out.extend_from_slice(&c[..n]);
        b.advance(n);
    }
    out
}

// Golden bytes. The field syntax is WHATWG SSE "Parsing an event stream": field ":" [" "] value
// end-of-line, an event ended by a blank line.

#[test]
fn golden_simple_message() {
    assert_eq!(encode(&OutEvent::new().data("hello")), b"data: hello\n\n");
}

#[test]
fn golden_typed_event_with_id() {
    let ev = OutEvent::new().data("{}").event_type("delta").id("msg-1");
    assert_eq!(encode(&ev), b"event: delta\nid: msg-1\ndata: {}\n\n");
}

#[test]
fn golden_retry() {
    let ev = OutEvent::new().data("x").retry(Duration::from_millis(1500));
    assert_eq!(encode(&ev), b"retry: 1500\ndata: x\n\n");
    let mut out = Vec::new();
    Encoder::new()
        .encode(&OutEvent::new().retry(Duration::from_secs(10)), &mut out)
        .unwrap();
    assert_eq!(out, b"retry: 10000\n\n");
}

// WHATWG SSE "Interpreting an event stream": the retry value is "an integer in base ten" of
// milliseconds, and the reader waits that long before reconnecting ("reestablish the
// connection"). Rounding a non-zero time down could write `retry: 0`, an immediate-reconnect
// loop: times are rounded up to whole milliseconds, and only zero is written as 0.
#[test]
fn retry_rounds_up_to_whole_milliseconds_and_only_zero_writes_zero() {
    let written = |d: Duration| encode(&OutEvent::new().retry(d));
    assert_eq!(written(Duration::from_micros(900)), b"retry: 1\n\n");
    assert_eq!(written(Duration::from_nanos(1)), b"retry: 1\n\n");
    assert_eq!(written(Duration::from_micros(2999)), b"retry: 3\n\n");
    assert_eq!(written(Duration::from_millis(2)), b"retry: 2\n\n");
    assert_eq!(written(Duration::new(1, 1)), b"retry: 1001\n\n");
    assert_eq!(written(Duration::ZERO), b"retry: 0\n\n");
    // The largest time that still fits, rounded up, and the first that does not.
    let max = Duration::from_millis(u64::MAX);
    assert_eq!(written(max), format!("retry: {}\n\n", u64::MAX).as_bytes());
    assert_eq!(
        Encoder::new().encoded_len(&OutEvent::new().retry(max + Duration::from_nanos(1))),
        Err(EncodeError::RetryTooLarge {
            secs: max.as_secs()
        })
    );
}

#[test]
fn golden_comment_and_keep_alive() {
    let mut out = Vec::new();
    let enc = Encoder::new();
    enc.encode(&OutEvent::comment(" keep-alive"), &mut out)
        .unwrap();
    enc.encode(&OutEvent::comment(""), &mut out).unwrap();
    enc.encode(&OutEvent::comment("a\r\nb\rc\nd"), &mut out)
        .unwrap();
    assert_eq!(out, b": keep-alive\n:\n:a\n:b\n:c\n:d\n");
}

#[test]
fn golden_multiline_data() {
    assert_eq!(
        encode(&OutEvent::new().data("one\ntwo\r\nthree\rfour")),
        b"data: one\ndata: two\ndata: three\ndata: four\n\n"
    );
}

#[test]
fn golden_done_sentinel() {
    let mut out = BytesMut::new();
    let enc = Encoder::new();
    enc.encode(
        &OutEvent::new().data(r#"{"choices":[{"delta":{"content":"Hi"}}]}"#),
        &mut out,
    )
    .unwrap();
    enc.encode(&OutEvent::new().data("[DONE]"), &mut out)
        .unwrap();
    assert_eq!(
        &out[..],
        &b"data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: [DONE]\n\n"[..]
    );
}

#[test]
fn golden_edge_data() {
    // Empty data still dispatches: the reader's data buffer gets "\n", then loses it.
    assert_eq!(encode(&OutEvent::new().data("")), b"data: \n\n");
    // A trailing break survives as an empty last line.
    assert_eq!(encode(&OutEvent::new().data("a\n")), b"data: a\ndata: \n\n");
    assert_eq!(encode(&OutEvent::new().data("\r\n")), b"data: \ndata: \n\n");
    // The reader strips exactly one space, so a leading space is kept by the one written.
    assert_eq!(encode(&OutEvent::new().data(" x")), b"data:  x\n\n");
    // No fields at all: a lone blank line.
    assert_eq!(encode(&OutEvent::new()), b"\n");
    // An empty id is written (it resets the reader's last event ID).
    assert_eq!(encode(&OutEvent::new().id("")), b"id: \n\n");
}

#[test]
fn invalid_fields_are_errors_and_write_nothing() {
    let enc = Encoder::new();
    let cases = [
        (
            OutEvent::new().data("x").event_type("a\nb"),
            EncodeError::LineBreakInEventType { at: 1 },
        ),
        (
            OutEvent::new().data("x").event_type("ab\r"),
            EncodeError::LineBreakInEventType { at: 2 },
        ),
        (
            OutEvent::new().data("x").id("1\r\n2"),
            EncodeError::ControlInId { byte: b'\r', at: 1 },
        ),
        (
            OutEvent::new().data("x").id("\n"),
            EncodeError::ControlInId { byte: b'\n', at: 0 },
        ),
        (
            OutEvent::new().data("x").id("a\0"),
            EncodeError::ControlInId { byte: 0, at: 1 },
        ),
        (
            OutEvent::new().data("x").retry(Duration::MAX),
            EncodeError::RetryTooLarge {
                secs: Duration::MAX.as_secs(),
            },
        ),
    ];
    for (ev, err) in cases {
        let mut out = Vec::new();
        assert_eq!(enc.encode(&ev, &mut out), Err(err), "{ev:?}");
        assert!(out.is_empty(), "nothing may be written on error: {ev:?}");
        assert_eq!(enc.encoded_len(&ev), Err(err));
        assert_eq!(enc.frame(&ev, Str::from("x")).err(), Some(err));
    }
}

#[test]
fn fixed_buffer_too_small_is_an_error_not_a_panic() {
    let enc = Encoder::new();
    let ev = OutEvent::new().data("a\nb");
    let needed = enc.encoded_len(&ev).unwrap();
    for size in 0..needed {
        let mut storage = vec![0u8; size];
        let mut dst: &mut [u8] = &mut storage;
        assert_eq!(
            enc.encode(&ev, &mut dst),
            Err(EncodeError::BufferTooSmall {
                needed,
                available: size
            })
        );
    }
    let mut storage = vec![0u8; needed];
    let mut dst: &mut [u8] = &mut storage;
    enc.encode(&ev, &mut dst).unwrap();
    assert_eq!(dst.remaining_mut(), 0);
    assert_eq!(storage, b"data: a\ndata: b\n\n");
    let mut tiny = [0u8; 1];
    assert!(enc
        .encode(&OutEvent::comment(""), &mut &mut tiny[..])
        .is_err());
    assert!(enc
        .encode(&OutEvent::comment("x"), &mut &mut tiny[..])
        .is_err());
}

#[test]
fn frame_is_byte_identical_to_encode() {
    let enc = Encoder::new();
    let long_id = "i".repeat(200); // too long for the inline head: takes the spill path
    let payloads = [
        "",
        "x",
        "single line payload",
        "a\nb",
        "a\r\nb\rc\n",
        "\n\n",
        "\r",
        "\r\n",
        " leading",
    ];
    for data in payloads {
        for ev in [
            OutEvent::new(),
            OutEvent::new()
                .event_type("t")
                .id("9")
                .retry(Duration::from_secs(1)),
            OutEvent::new().id(&long_id),
        ] {
            let want = encode(&ev.data(data));
            for step in [1, 2, 3, 7, usize::MAX] {
                let framed = enc.frame(&ev, Str::from(data)).unwrap();
                assert_eq!(framed.remaining(), want.len());
                assert_eq!(drain(framed, step), want, "data {data:?} step {step}");
            }
        }
    }
}

#[test]
fn frame_does_not_copy_a_single_line_payload() {
    let payload = Str::from_utf8(Bytes::from(vec![b'z'; 1 << 16])).unwrap();
    let mut framed = Encoder::new()
        .frame(&OutEvent::new(), payload.clone())
        .unwrap();
    framed.advance(b"data: ".len());
    // The chunk handed out is the caller's own memory.
    assert_eq!(framed.chunk().as_ptr(), payload.as_ptr());
    assert_eq!(framed.chunk().len(), payload.len());
}

#[test]
fn frame_vectored_matches() {
    let data = "l1\nl2\r\nl3\r\n";
    let want = encode(&OutEvent::new().data(data).event_type("e"));
    let framed = Encoder::new()
        .frame(&OutEvent::new().event_type("e"), Str::from_static(data))
        .unwrap();
    for cap in 1..12 {
        let mut f = framed.clone();
        let mut got = Vec::new();
        while f.has_remaining() {
            let mut slices = vec![std::io::IoSlice::new(&[]); cap];
            let n = f.chunks_vectored(&mut slices);
            assert!(n >= 1);
            let total: usize = slices[..n].iter().map(|s| s.len()).sum();
            for s in &slices[..n] {
                got.extend_from_slice(s);
            }
            f.advance(total);
        }
        assert_eq!(got, want, "cap {cap}");
    }
}

#[test]
fn many_events_into_one_buffer_do_not_allocate_after_reserve() {
    let enc = Encoder::new();
    let ev = OutEvent::new().data(r#"{"choices":[{"delta":{"content":"tok"}}]}"#);
    let one = enc.encoded_len(&ev).unwrap();
    let mut out = BytesMut::with_capacity(one * 1000);
    let cap = out.capacity();
    let ptr = out.as_ptr();
    for _ in 0..1000 {
        enc.encode(&ev, &mut out).unwrap();
    }
    assert_eq!(out.len(), one * 1000);
    assert_eq!(out.capacity(), cap, "no reallocation");
    assert_eq!(out.as_ptr(), ptr, "no reallocation");
}

#[test]
fn decoded_event_re_encodes() {
    let mut dec = Decoder::new();
    let mut buf = BytesMut::from(&b"event: e\nid: 5\ndata: a\ndata: b\n\n"[..]);
    let Some(Item::Event(ev)) = dec.decode_buf(&mut buf).unwrap() else {
        panic!("no event")
    };
    assert_eq!(
        encode(&OutEvent::from(ev.as_ref())),
        b"event: e\nid: 5\ndata: a\ndata: b\n\n"
    );
}

#[cfg(feature = "json")]
mod json {
    use super::*;
    use proptest::prelude::*;

    #[derive(serde::Serialize)]
    struct Chunk {
        id: String,
        choices: Vec<Choice>,
    }
    #[derive(serde::Serialize)]
    struct Choice {
        delta: std::collections::BTreeMap<String, String>,
    }

    proptest! {
        /// Compact JSON of any strings (line breaks, NUL, U+2028, …) is one `data:` line and
        /// decodes back to the very same JSON text.
        #[test]
        fn compact_json_is_always_one_data_line(
            id in any::<String>(),
            delta in prop::collection::btree_map(any::<String>(), any::<String>(), 0..4),
        ) {
            let value = Chunk { id, choices: vec![Choice { delta }] };
            let mut out = Vec::new();
            Encoder::new().json(&OutEvent::new().event_type("chunk"), &value, &mut out).unwrap();
            let json = serde_json::to_string(&value).unwrap();
            prop_assert!(!json.contains(['\r', '\n']));
            let body = &out[b"event: chunk\n".len()..];
            prop_assert_eq!(memchr::memchr2_iter(b'\r', b'\n', body).count(), 2);
            let mut buf = BytesMut::from(&out[..]);
            let Some(Item::Event(ev)) = Decoder::new().decode_buf(&mut buf).unwrap() else {
                panic!("no event");
            };
            prop_assert_eq!(ev.data(), json.as_str());
            prop_assert_eq!(ev.event_type(), "chunk");
        }
    }

    #[test]
    fn json_with_invalid_id_writes_nothing() {
        let mut out = Vec::new();
        let err = Encoder::new()
            .json(&OutEvent::new().id("a\nb"), &1, &mut out)
            .unwrap_err();
        assert!(matches!(
            err,
            sse_wire::sse::JsonError::Encode(EncodeError::ControlInId { byte: b'\n', at: 1 })
        ));
        assert!(out.is_empty());
    }
}

// WHATWG SSE: the reader keeps any `id` value without NUL as its last event ID and sends it back
// as the `Last-Event-ID` header when it reconnects. RFC 9110 section 5.5 lets a field value hold
// no control byte but HTAB (`field-vchar = VCHAR / obs-text`, with SP and HTAB between), so an id
// with one cannot be sent: browsers keep it and then never reconnect. The encoder refuses every
// such byte, naming it and its offset.
#[test]
fn id_with_a_control_byte_is_refused_naming_the_byte() {
    let controls = (0x01u8..=0x08)
        .chain([0x0b, 0x0c])
        .chain(0x0e..=0x1f)
        .chain([0x7f]);
    for byte in controls {
        let id = format!("ab{}c", char::from(byte));
        let event = OutEvent::new().data("x").id(&id);
        let want = EncodeError::ControlInId { byte, at: 2 };
        let mut out = Vec::new();
        assert_eq!(
            Encoder::new().encode(&event, &mut out),
            Err(want),
            "0x{byte:02x}"
        );
        assert!(out.is_empty(), "nothing written");
        assert_eq!(Encoder::new().encoded_len(&event), Err(want));
        assert_eq!(
            Encoder::new()
                .frame(&OutEvent::new().id(&id), Str::from("x"))
                .err(),
            Some(want)
        );
    }
    // The first offending byte decides, whichever it is (CR, LF and NUL included).
    let first = |id: &str| Encoder::new().encoded_len(&OutEvent::new().id(id)).err();
    assert_eq!(
        first("a\u{1}\n"),
        Some(EncodeError::ControlInId { byte: 1, at: 1 })
    );
    assert_eq!(
        first("a\n\u{1}"),
        Some(EncodeError::ControlInId { byte: b'\n', at: 1 })
    );
    assert_eq!(
        first("\0\u{1}"),
        Some(EncodeError::ControlInId { byte: 0, at: 0 })
    );
    // HTAB, SP and every printable or non-ASCII character stay allowed.
    assert_eq!(
        encode(&OutEvent::new().id("a\tb c~\u{e9}\u{80}")),
        "id: a\tb c~\u{e9}\u{80}\n\n".as_bytes()
    );
}

// WHATWG SSE "Interpreting an event stream": "Streams must be decoded using the UTF-8 decode
// algorithm", which turns invalid bytes into U+FFFD. `frame` takes its payload as a `Str`: bytes
// are checked once on the way in (`Str::from_utf8`), without a copy, so that readers never see
// replacement characters the caller did not write.
#[test]
fn frame_refuses_a_payload_that_is_not_utf8() {
    let enc = Encoder::new();
    for (payload, valid_up_to) in [(&b"\xff"[..], 0), (b"ok\xc3", 2), (b"a\nb\xe2\x82", 3)] {
        assert_eq!(
            Str::from_utf8(Bytes::copy_from_slice(payload))
                .map_err(|e| e.valid_up_to())
                .err(),
            Some(valid_up_to),
            "{payload:?}"
        );
    }
    // Valid payloads are framed without a copy: the data segment points into the payload.
    let payload = Bytes::from("h\u{e9}llo");
    let mut framed = enc
        .frame(&OutEvent::new(), Str::from_utf8(payload.clone()).unwrap())
        .unwrap();
    framed.advance(6); // "data: "
    assert_eq!(framed.chunk().as_ptr(), payload.as_ptr());
    // A `Str` payload needs no check at all.
    let mut framed = enc
        .frame(&OutEvent::new(), sse_wire::Str::from("\u{e9}"))
        .unwrap();
    assert_eq!(
        &framed.copy_to_bytes(framed.remaining())[..],
        "data: \u{e9}\n\n".as_bytes()
    );
}

// Sizes are computed with checked arithmetic, so that a 32-bit target cannot wrap them: there,
// 613,566,757 LFs (2^32 / 7, rounded up) encode to 4,294,967,306 bytes, past `u32::MAX`.
#[test]
#[cfg(target_pointer_width = "32")]
fn encoded_size_past_usize_max_is_an_error_on_32_bit_targets() {
    let lfs = "\n".repeat(613_566_757);
    let event = OutEvent::new().data(&lfs);
    assert_eq!(
        Encoder::new().encoded_len(&event),
        Err(EncodeError::LengthOverflow)
    );
    let mut small = [0u8; 64];
    let mut dst = &mut small[..];
    assert_eq!(
        Encoder::new().encode(&event, &mut dst),
        Err(EncodeError::LengthOverflow)
    );
    assert_eq!(dst.len(), 64, "nothing written");
    assert!(small.iter().all(|&b| b == 0));
    drop(lfs);
    let lfs = Str::from("\n".repeat(613_566_757));
    assert_eq!(
        Encoder::new().frame(&OutEvent::new(), lfs).err(),
        Some(EncodeError::LengthOverflow)
    );
}
