//! Encoder → decoder round trip: arbitrary events (any Unicode in every field, CR, LF, CRLF, NUL,
//! BOM, leading spaces, empty strings) are encoded, concatenated, cut at random points and decoded.
//! The decoder must give back exactly what was meant (CR and CRLF in data and comments read back
//! as LF, the one normalisation the format imposes), or the encoder must refuse the event with the
//! documented error.

use core::time::Duration;

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use sse_wire::sse::{BytesDecoder, EncodeError, Encoder, Item, OutEvent};

#[derive(Debug, Clone)]
enum Out {
    Event {
        data: Option<String>,
        event: Option<String>,
        id: Option<String>,
        retry: Option<u64>,
    },
    Comment(String),
    Retry(u64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Want {
    Event {
        event_type: String,
        data: String,
        id: String,
        retry: Option<Duration>,
    },
    Comment(String),
    /// A block without data that set the id or the reconnection time: what is in force after it.
    Control {
        id: String,
        retry: Option<Duration>,
    },
}

fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[a-z ]{0,6}",
        1 => Just("\r".to_string()),
        1 => Just("\n".to_string()),
        1 => Just("\r\n".to_string()),
        1 => Just("\0".to_string()),
        1 => Just("\t".to_string()),
        1 => Just("\u{1}".to_string()),
        1 => Just("\u{7f}".to_string()),
        1 => Just("\u{FEFF}".to_string()),
        1 => Just(" ".to_string()),
        1 => Just(":".to_string()),
        1 => any::<String>(),
    ];
    prop::collection::vec(piece, 0..5).prop_map(|v| v.concat())
}

fn out() -> impl Strategy<Value = Out> {
    prop_oneof![
        6 => (
            prop::option::of(text()),
            prop::option::of(text()),
            prop::option::of(text()),
            prop::option::of(prop_oneof![0..100_000u64, Just(u64::MAX)]),
        )
            .prop_map(|(data, event, id, retry)| Out::Event { data, event, id, retry }),
        1 => text().prop_map(Out::Comment),
        1 => (0..1_000_000u64).prop_map(Out::Retry),
    ]
}

fn normalize(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// Encodes `outs`, checking each refusal against the documented rules, and returns the bytes and
/// what a reader must see.
fn encode_all(outs: &[Out]) -> (Vec<u8>, Vec<Want>) {
    let enc = Encoder::new();
    let mut bytes = BytesMut::new();
    let mut want = Vec::new();
    let mut id_in_force = String::new();
    let mut retry_in_force = None;
    for o in outs {
        match o {
            Out::Event {
                data,
                event,
                id,
                retry,
            } => {
                let mut ev = OutEvent::new();
                if let Some(d) = data {
                    ev = ev.data(d);
                }
                if let Some(e) = event {
                    ev = ev.event_type(e);
                }
                if let Some(i) = id {
                    ev = ev.id(i);
                }
                if let Some(r) = retry {
                    ev = ev.retry(Duration::from_millis(*r));
                }
                let expected_err =
                    if let Some(at) = event.as_deref().and_then(|e| e.find(['\r', '\n'])) {
                        Some(EncodeError::LineBreakInEventType { at })
                    } else {
                        // Every control byte but HTAB is refused in an id (no header could carry it).
                        id.as_deref()
                            .and_then(|i| i.find(|c: char| c.is_ascii_control() && c != '\t'))
                            .map(|at| EncodeError::ControlInId {
                                byte: id.as_deref().unwrap().as_bytes()[at],
                                at,
                            })
                    };
                let before = bytes.len();
                let r = enc.encode(&ev, &mut bytes);
                assert_eq!(r.err(), expected_err, "{o:?}");
                if expected_err.is_some() {
                    assert_eq!(bytes.len(), before, "nothing written on error");
                    continue;
                }
                if let Some(i) = id {
                    id_in_force.clone_from(i);
                }
                if let Some(r) = retry {
                    retry_in_force = Some(Duration::from_millis(*r));
                }
                if let Some(d) = data {
                    let t = event.clone().unwrap_or_default();
                    want.push(Want::Event {
                        event_type: if t.is_empty() { "message".into() } else { t },
                        data: normalize(d),
                        id: id_in_force.clone(),
                        retry: retry_in_force,
                    });
                } else if id.is_some() || retry.is_some() {
                    want.push(Want::Control {
                        id: id_in_force.clone(),
                        retry: retry_in_force,
                    });
                }
            }
            Out::Comment(c) => {
                enc.encode(&OutEvent::comment(c), &mut bytes).unwrap();
                for line in normalize(c).split('\n') {
                    want.push(Want::Comment(line.to_string()));
                }
            }
            Out::Retry(ms) => {
                enc.encode(
                    &OutEvent::new().retry(Duration::from_millis(*ms)),
                    &mut bytes,
                )
                .unwrap();
                retry_in_force = Some(Duration::from_millis(*ms));
                want.push(Want::Control {
                    id: id_in_force.clone(),
                    retry: retry_in_force,
                });
            }
        }
    }
    (bytes.to_vec(), want)
}

fn decode_cut(bytes: &[u8], cuts: &[usize]) -> (Vec<Want>, String, Option<Duration>) {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.push(0);
    points.push(bytes.len());
    points.sort_unstable();
    let shared = Bytes::copy_from_slice(bytes);
    let mut dec = BytesDecoder::new();
    let mut got = Vec::new();
    for w in points.windows(2) {
        dec.push(shared.slice(w[0]..w[1]));
        for item in &mut dec {
            match item.unwrap() {
                Item::Event(e) => got.push(Want::Event {
                    event_type: e.event_type().to_string(),
                    data: e.data().to_string(),
                    id: e.id().to_string(),
                    retry: e.retry(),
                }),
                Item::Comment(c) => got.push(Want::Comment(c.to_string())),
                Item::Control(c) => got.push(Want::Control {
                    id: c.as_ref().id().to_string(),
                    retry: c.as_ref().retry(),
                }),
                other => panic!("unexpected item {other:?}"),
            }
        }
    }
    let id = dec.decoder().last_event_id().to_string();
    let retry = dec.decoder().retry();
    assert_eq!(
        dec.finish(),
        Ok(()),
        "an encoded stream ends between events"
    );
    (got, id, retry)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encode_then_decode_at_random_cuts(
        outs in prop::collection::vec(out(), 0..12),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let (bytes, want) = encode_all(&outs);
        let (got, _, _) = decode_cut(&bytes, &cuts);
        prop_assert_eq!(got, want);
    }

    #[test]
    fn framed_equals_encoded(data in text(), id in "[0-9a-z]{0,4}", cut in any::<usize>()) {
        let enc = Encoder::new();
        let ev = OutEvent::new().id(&id);
        let mut want = Vec::new();
        enc.encode(&ev.data(&data), &mut want).unwrap();
        let mut framed = enc.frame(&ev, sse_wire::Str::from(&data[..])).unwrap();
        let got = bytes::Buf::copy_to_bytes(&mut framed, want.len());
        prop_assert_eq!(&got[..], &want[..]);
        let (decoded, _, _) = decode_cut(&want, &[cut]);
        prop_assert_eq!(decoded.len(), 1);
    }
}
