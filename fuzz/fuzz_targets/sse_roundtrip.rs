//! Events through `sse::Encoder`, then through every way into the decoder at fuzzer-chosen cuts:
//! what comes back is what went in (data with CR and CRLF turned into LF, the format's one
//! documented loss), or the encoder refused the event with the documented `EncodeError` and
//! wrote nothing. Also checks `encoded_len`, that `frame` writes the same bytes as `encode`, and
//! that a destination one byte too small gets `BufferTooSmall` and is left untouched.
//!
//! Input: the usual header (see `sse_wire_testkit::fuzz`; flags are unused), then records separated by
//! 0xFF. A record's first byte says what it is (`kind % 4`: 0 an event, 1 a comment, 2 a
//! keep-alive, 3 a lone `retry`) and, for an event, which fields it has (bit 4 data, bit 5
//! event, bit 6 id, bit 7 retry). The fields follow in that order, separated by 0xFE; text is
//! taken as UTF-8 with invalid bytes replaced. A retry field of up to 8 bytes is little-endian
//! milliseconds; a longer one is little-endian seconds then nanoseconds (so it can overflow).
#![no_main]

use std::time::Duration;

use bytes::Buf;
use libfuzzer_sys::fuzz_target;
use sse_wire::sse::{Decoder, EncodeError, Encoder, OutEvent};
use sse_wire_testkit::fuzz::{pieces, run_sse, Input, SsePath};
use sse_wire_testkit::reference::sse::{RefEvent, RefItem};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn le(b: &[u8]) -> u64 {
    let mut v = [0u8; 8];
    let n = b.len().min(8);
    v[..n].copy_from_slice(&b[..n]);
    u64::from_le_bytes(v)
}

fn duration(b: &[u8]) -> Duration {
    if b.len() <= 8 {
        Duration::from_millis(le(b))
    } else {
        let nanos = le(&b[8..]) % 1_000_000_000;
        Duration::new(le(b), nanos as u32)
    }
}

/// Lines of `s` as a reader splits them: CRLF, CR and LF each end one.
fn lines(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find(['\r', '\n']) {
        out.push(&rest[..i]);
        rest = if rest[i..].starts_with("\r\n") {
            &rest[i + 2..]
        } else {
            &rest[i + 1..]
        };
    }
    out.push(rest);
    out
}

/// Every error the encoder may return for these fields (empty: it must succeed).
fn expected_errors(
    event: Option<&str>,
    id: Option<&str>,
    retry: Option<Duration>,
) -> Vec<EncodeError> {
    let mut errs = Vec::new();
    if let Some(at) = event.and_then(|t| t.find(['\r', '\n'])) {
        errs.push(EncodeError::LineBreakInEventType { at });
    }
    if let Some(id) = id {
        // Every control byte but HTAB: no `Last-Event-ID` header could carry it.
        if let Some(at) = id.find(|c: char| c.is_ascii_control() && c != '\t') {
            errs.push(EncodeError::ControlInId {
                byte: id.as_bytes()[at],
                at,
            });
        }
    }
    if let Some(r) = retry {
        if written_ms(r).is_none() {
            errs.push(EncodeError::RetryTooLarge { secs: r.as_secs() });
        }
    }
    errs
}

/// The milliseconds the encoder writes for `d`: rounded up, so that only zero writes 0.
fn written_ms(d: Duration) -> Option<u64> {
    u64::try_from(d.as_nanos().div_ceil(1_000_000)).ok()
}

/// The encoder's state as a reader sees it.
#[derive(Default)]
struct Reader {
    last_id: String,
    retry: Option<Duration>,
    items: Vec<RefItem>,
}

fn encode_event(enc: &Encoder, fields: &[&[u8]], kind: u8, wire: &mut Vec<u8>, r: &mut Reader) {
    let mut it = fields.iter();
    let mut take = |bit: u8| (kind & bit != 0).then(|| it.next().copied().unwrap_or_default());
    let data = take(0x10).map(text);
    let event = take(0x20).map(text);
    let id = take(0x40).map(text);
    let retry = take(0x80).map(duration);

    let mut ev = OutEvent::new();
    if let Some(d) = &data {
        ev = ev.data(d);
    }
    if let Some(t) = &event {
        ev = ev.event_type(t);
    }
    if let Some(i) = &id {
        ev = ev.id(i);
    }
    if let Some(d) = retry {
        ev = ev.retry(d);
    }
    let errs = expected_errors(event.as_deref(), id.as_deref(), retry);
    let before = wire.len();
    let len = enc.encoded_len(&ev);
    match enc.encode(&ev, wire) {
        Err(e) => {
            assert!(errs.contains(&e), "{ev:?}: {e:?}, expected one of {errs:?}");
            assert_eq!(len, Err(e));
            assert_eq!(wire.len(), before, "bytes written on error");
            assert!(enc.frame(&ev, sse_wire::Str::new()).is_err());
            return;
        }
        Ok(()) => assert!(errs.is_empty(), "{ev:?} accepted, expected one of {errs:?}"),
    }
    let written = &wire[before..];
    assert_eq!(len, Ok(written.len()), "encoded_len");

    // The zero-copy framing writes the same bytes.
    let payload = sse_wire::Str::from(data.clone().unwrap_or_default());
    let mut framed = enc.frame(&ev, payload).expect("frame");
    let framed = framed.copy_to_bytes(framed.remaining());
    if data.is_some() {
        assert_eq!(&framed[..], written, "frame and encode differ");
    }

    // A destination one byte short is refused and left untouched.
    if !written.is_empty() {
        let mut space = vec![0xAAu8; written.len() - 1];
        let mut dst = &mut space[..];
        let e = enc.encode(&ev, &mut dst).unwrap_err();
        assert!(matches!(e, EncodeError::BufferTooSmall { .. }), "{e:?}");
        assert!(
            space.iter().all(|&b| b == 0xAA),
            "written into a short buffer"
        );
    }

    // What a reader makes of it.
    let control = data.is_none() && (id.is_some() || retry.is_some());
    let id_set = id.is_some();
    if let Some(i) = id {
        r.last_id = i;
    }
    if let Some(d) = retry {
        r.retry = written_ms(d).map(Duration::from_millis);
    }
    if control {
        // A block without data that sets the id or the reconnection time.
        r.items.push(RefItem::Control {
            id: r.last_id.clone(),
            retry: r.retry,
            id_set,
            retry_set: retry.is_some(),
        });
    }
    if let Some(d) = data {
        r.items.push(RefItem::Event(RefEvent {
            event_type: match event {
                Some(t) if !t.is_empty() => t,
                _ => "message".to_owned(),
            },
            data: lines(&d).join("\n"),
            id: r.last_id.clone(),
            retry: r.retry,
        }));
    }
}

fuzz_target!(|raw: &[u8]| {
    let input = Input::parse(raw);
    let enc = Encoder::new();
    let mut wire = Vec::new();
    let mut reader = Reader::default();
    for record in input.data.split(|&b| b == 0xFF) {
        let Some((&kind, rest)) = record.split_first() else {
            continue;
        };
        let fields: Vec<&[u8]> = rest.split(|&b| b == 0xFE).collect();
        match kind % 4 {
            0 => encode_event(&enc, &fields, kind, &mut wire, &mut reader),
            1 => {
                let c = text(rest);
                enc.encode(&OutEvent::comment(&c), &mut wire)
                    .expect("comment");
                for line in lines(&c) {
                    reader.items.push(RefItem::Comment(line.to_owned()));
                }
            }
            2 => {
                enc.encode(&OutEvent::comment(""), &mut wire)
                    .expect("keep-alive");
                reader.items.push(RefItem::Comment(String::new()));
            }
            _ => {
                let d = duration(rest);
                match enc.encode(&OutEvent::new().retry(d), &mut wire) {
                    Ok(()) => {
                        reader.retry = written_ms(d).map(Duration::from_millis);
                        reader.items.push(RefItem::Control {
                            id: reader.last_id.clone(),
                            retry: reader.retry,
                            id_set: false,
                            retry_set: true,
                        });
                    }
                    Err(e) => assert_eq!(e, EncodeError::RetryTooLarge { secs: d.as_secs() }),
                }
            }
        }
    }

    let proto = Decoder::new();
    let cut = vec![pieces(&wire, input.cuts)];
    for path in SsePath::ALL {
        let run = run_sse(&proto, path, &cut);
        let items: Vec<RefItem> = run
            .items
            .into_iter()
            .map(|r| r.unwrap_or_else(|e| panic!("{path:?}: {e:?}")))
            .collect();
        assert_eq!(items, reader.items, "{path:?}: decoded items");
        let (finish, last_id, retry) = &run.ends[0];
        assert_eq!(
            finish,
            &Ok(()),
            "{path:?}: the encoder's output ends between events"
        );
        assert_eq!(last_id, &reader.last_id, "{path:?}: last event ID");
        assert_eq!(retry, &reader.retry, "{path:?}: retry");
    }
});
