//! The server-side replay log: exact replay after every id, unknown ids said so (never an empty
//! answer: rmcp #958), both bounds, shared frames, lagging subscribers, MCP 2025-11-25 priming
//! and per-stream replay, and a model check against a plain `Vec` of every event.

use std::time::Duration;

use bytes::Bytes;
use proptest::prelude::*;
use sse_wire::replay::mcp::{priming, Streams};
use sse_wire::replay::{Bounds, Cursor, EventLog, Lagged, PushError, SeqId, Store, Unknown};
use sse_wire::sse::{BytesDecoder, EncodeError, Encoder, Item, OutEvent};

fn encoded(id: &str, data: &str) -> Vec<u8> {
    let mut out = Vec::new();
    Encoder::new()
        .encode(&OutEvent::new().data(data).id(id), &mut out)
        .unwrap();
    out
}

/// The default bounds, changed by `set`.
fn bounds(set: impl FnOnce(&mut Bounds)) -> Bounds {
    let mut bounds = Bounds::new();
    set(&mut bounds);
    bounds
}

fn frames(log: &EventLog, id: &str) -> Result<Vec<Bytes>, Unknown> {
    Ok(log.since(id)?.collect())
}

#[test]
fn since_gives_exactly_the_events_after_every_id() {
    let mut log = EventLog::new();
    let ids: Vec<String> = (0..20).map(|i| format!("ev{i}")).collect();
    for (i, id) in ids.iter().enumerate() {
        let frame = log
            .push(id, OutEvent::new().data(&format!("payload {i}")))
            .unwrap();
        assert_eq!(frame, encoded(id, &format!("payload {i}")));
    }
    for (k, id) in ids.iter().enumerate() {
        let got = frames(&log, id).unwrap();
        let want: Vec<Vec<u8>> = (k + 1..20)
            .map(|i| encoded(&ids[i], &format!("payload {i}")))
            .collect();
        assert_eq!(got, want, "after {id}");
        assert_eq!(log.since(id).unwrap().len(), 19 - k);
    }
    // The newest id: nothing missed, which is not the same as unknown.
    assert_eq!(frames(&log, "ev19"), Ok(vec![]));
}

#[test]
fn never_seen_and_empty_ids_are_unknown() {
    let mut log = EventLog::new();
    assert_eq!(frames(&log, "1"), Err(Unknown), "empty log");
    log.push("1", OutEvent::new().data("a")).unwrap();
    assert_eq!(frames(&log, "2"), Err(Unknown));
    assert_eq!(frames(&log, ""), Err(Unknown));
    assert_eq!(frames(&log, "1 "), Err(Unknown), "ids match exactly");
    // A frame pushed without an id cannot be resumed from.
    log.push("", OutEvent::new().data("anonymous")).unwrap();
    assert_eq!(frames(&log, "1").unwrap(), [&b"data: anonymous\n\n"[..]]);
}

#[test]
fn the_log_names_every_frame_replacing_an_id_the_event_carried() {
    // A frame must hold exactly the id it is indexed under: otherwise a client resumes with an
    // id the log never indexed and is started over (found by the replay_log fuzz target).
    let mut log = EventLog::new();
    let kept = log.push("7", OutEvent::new().data("a").id("old")).unwrap();
    assert_eq!(kept, "id: 7\ndata: a\n\n");
    let anonymous = log.push("", OutEvent::new().data("b").id("old")).unwrap();
    assert_eq!(anonymous, "data: b\n\n");
    assert_eq!(frames(&log, "7").unwrap(), [&b"data: b\n\n"[..]]);
    assert_eq!(frames(&log, "old"), Err(Unknown));
}

#[test]
fn evicted_by_event_count_is_unknown() {
    let mut log = EventLog::with_bounds(bounds(|b| b.max_events = 3));
    for i in 0..5u64 {
        log.push_seq(OutEvent::new().data("x")).unwrap();
        assert!(log.seqs().count() <= 3);
        assert_eq!(log.seqs().end, i + 1);
    }
    assert_eq!((log.seqs().start, log.seqs().count()), (2, 3));
    assert_eq!(frames(&log, "0"), Err(Unknown));
    assert_eq!(frames(&log, "1"), Err(Unknown));
    assert_eq!(frames(&log, "2").unwrap().len(), 2);
}

#[test]
fn evicted_by_bytes_is_unknown_and_the_bound_always_holds() {
    let one = encoded("0", "0123456789").len(); // 22 bytes
    let mut log = EventLog::with_bounds(bounds(|b| b.max_bytes = 3 * one + 5));
    for _ in 0..6 {
        log.push_seq(OutEvent::new().data("0123456789")).unwrap();
        assert!(log.bytes() <= 3 * one + 5);
    }
    assert_eq!((log.seqs().count(), log.bytes()), (3, 3 * one));
    assert_eq!(frames(&log, "2"), Err(Unknown));
    assert_eq!(frames(&log, "3").unwrap().len(), 2);
    // A bigger event pushes out as many as it needs.
    let big = "y".repeat(2 * one);
    log.push_seq(OutEvent::new().data(&big)).unwrap();
    assert_eq!(log.seqs().count(), 1);
    assert_eq!(frames(&log, "5"), Err(Unknown));
}

#[test]
fn an_event_larger_than_the_byte_bound_is_refused_and_nothing_changes() {
    let mut log = EventLog::with_bounds(bounds(|b| b.max_bytes = 32));
    log.push("a", OutEvent::new().data("small")).unwrap();
    let err = log
        .push("b", OutEvent::new().data(&"z".repeat(40)))
        .unwrap_err();
    assert!(
        matches!(err, PushError::TooLarge { max: 32, .. }),
        "{err:?}"
    );
    assert_eq!((log.seqs().count(), log.seqs().end), (1, 1));
    assert_eq!(frames(&log, "a"), Ok(vec![]));
}

#[test]
fn an_id_the_encoder_refuses_is_an_error_not_a_frame() {
    let mut log = EventLog::new();
    assert_eq!(
        log.push("a\nb", OutEvent::new().data("x")).unwrap_err(),
        PushError::Encode(EncodeError::ControlInId { byte: b'\n', at: 1 })
    );
    assert!(matches!(
        log.push("a\u{1}", OutEvent::new().data("x")),
        Err(PushError::Encode(EncodeError::ControlInId {
            byte: 1,
            at: 1
        }))
    ));
    assert!(log.seqs().is_empty());
}

#[test]
fn the_id_argument_replaces_an_id_set_on_the_event() {
    let mut log = EventLog::new();
    let frame = log
        .push("new", OutEvent::new().data("x").id("old").event_type("e"))
        .unwrap();
    assert_eq!(frame, "event: e\nid: new\ndata: x\n\n");
    assert!(log.since("new").is_ok());
    assert_eq!(log.since("old").err(), Some(Unknown));
}

#[test]
fn subscribers_share_the_frame_bytes() {
    let mut log = EventLog::new();
    let mut a = log.subscribe();
    let mut b = log.subscribe();
    let pushed = log.push_seq(OutEvent::new().data("token")).unwrap().1;
    let to_a = log.read(&mut a).unwrap().unwrap();
    let to_b = log.read(&mut b).unwrap().unwrap();
    assert_eq!(to_a.as_ptr(), to_b.as_ptr(), "one buffer, two handles");
    assert_eq!(to_a.as_ptr(), pushed.as_ptr());
    let replayed = log.since("0");
    assert_eq!(replayed.map(|r| r.len()), Ok(0));
    let mut from_start = Cursor::from(log.seqs().start);
    assert_eq!(
        log.read(&mut from_start).unwrap().unwrap().as_ptr(),
        to_a.as_ptr()
    );
    assert_eq!(log.read(&mut a), Ok(None));
}

#[test]
fn a_lagged_cursor_learns_how_much_it_missed_and_goes_on() {
    let mut log = EventLog::with_bounds(bounds(|b| b.max_events = 4));
    let mut slow = log.subscribe();
    let mut fast = log.subscribe();
    for _ in 0..10 {
        log.push_seq(OutEvent::new().data("x")).unwrap();
        assert!(log.read(&mut fast).unwrap().is_some());
    }
    assert_eq!(log.seqs().end.saturating_sub(slow.position()), 10);
    assert_eq!(log.read(&mut slow), Err(Lagged { missed: 6 }));
    assert_eq!(slow.position(), 6);
    let rest: Vec<_> = std::iter::from_fn(|| log.read(&mut slow).unwrap()).collect();
    assert_eq!(rest.len(), 4);
    assert!(rest[0].starts_with(b"id: 6\n"));
    assert_eq!(log.read(&mut fast), Ok(None));
}

#[test]
fn cursor_after_replays_then_follows_live() {
    let mut log = EventLog::new();
    for _ in 0..3 {
        log.push_seq(OutEvent::new().data("old")).unwrap();
    }
    let mut c = log.cursor_after("0").unwrap();
    log.push_seq(OutEvent::new().data("new")).unwrap();
    let got: Vec<_> = std::iter::from_fn(|| log.read(&mut c).unwrap()).collect();
    assert_eq!(got.len(), 3);
    assert!(got[2].starts_with(b"id: 3\ndata: new"));
    assert_eq!(log.cursor_after("9"), Err(Unknown));
}

#[test]
fn seq_ids_round_trip_and_refuse_other_spellings() {
    for n in [0, 1, 9, 10, 12345, u64::MAX] {
        assert_eq!(SeqId::parse(&SeqId::from(n)), Some(n));
        assert_eq!(&*SeqId::from(n), n.to_string());
    }
    for bad in ["", "01", "+1", "-1", "1a", "18446744073709551616", " 1"] {
        assert_eq!(SeqId::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn store_trait_on_the_memory_log() {
    fn through<S: Store>(store: &mut S) -> Result<Vec<Bytes>, S::Error> {
        store.append("a", Bytes::from_static(b"id: a\ndata: 1\n\n"))?;
        store.append("b", Bytes::from_static(b"id: b\ndata: 2\n\n"))?;
        Ok(store.since("a")?.collect())
    }
    let mut log = EventLog::new();
    assert_eq!(through(&mut log).unwrap(), [&b"id: b\ndata: 2\n\n"[..]]);
    assert_eq!(
        Store::since(&log, "z").err(),
        Some(PushError::Unknown(Unknown))
    );
}

/// Decodes `bytes` with the crate's own decoder; returns the dispatched data and the state left.
fn decode(bytes: &[u8]) -> (Vec<String>, String, Option<Duration>) {
    let mut d = BytesDecoder::new();
    d.push(Bytes::copy_from_slice(bytes));
    let mut data = Vec::new();
    for item in &mut d {
        if let Item::Event(e) = item.unwrap() {
            data.push(e.data().to_owned());
        }
    }
    assert!(d.finish().is_ok());
    let dec = d.decoder();
    (data, dec.last_event_id().to_owned(), dec.retry())
}

/// MCP 2025-11-25: the priming event carries an id and `retry`. Without a `data` line no reader
/// dispatches it (HTML §9.2.6: a blank line with an empty data buffer dispatches nothing), so no
/// client parses an empty message; the literal empty-`data` form is dispatched.
#[test]
fn priming_event_sets_id_and_retry_and_dispatches_nothing() {
    let p = priming("s-0", Duration::from_secs(3)).unwrap();
    assert_eq!(
        decode(&p),
        (vec![], "s-0".into(), Some(Duration::from_secs(3)))
    );
    // MCP's literal form, with an empty `data` line.
    let mut literal = Vec::new();
    let event = OutEvent::new()
        .data("")
        .id("s-0")
        .retry(Duration::from_secs(3));
    Encoder::new().encode(&event, &mut literal).unwrap();
    assert_eq!(
        decode(&literal),
        (
            vec![String::new()],
            "s-0".into(),
            Some(Duration::from_secs(3))
        )
    );
    assert!(priming("bad\nid", Duration::ZERO).is_err());
}

/// MCP 2025-11-25 "Resumability and Redelivery": ids identify the stream, and a GET with
/// `Last-Event-ID` replays only that stream's later messages.
#[test]
fn per_stream_ids_and_replay() {
    let mut streams = Streams::new();
    let pa = streams.open("req-a", Duration::from_millis(500)).unwrap();
    let pb = streams.open("req-b", Duration::from_millis(500)).unwrap();
    assert_eq!(decode(&pa).1, "req-a-0");
    assert_eq!(decode(&pb).1, "req-b-0");
    for i in 1..=3 {
        let fa = streams
            .push("req-a", OutEvent::new().data(&format!("a{i}")))
            .unwrap();
        let fb = streams
            .push("req-b", OutEvent::new().data(&format!("b{i}")))
            .unwrap();
        assert_eq!(decode(&fa).1, format!("req-a-{i}"));
        assert_eq!(decode(&fb).1, format!("req-b-{i}"));
    }
    let (name, replay) = streams.since("req-a-1").unwrap();
    assert_eq!(name, "req-a");
    let replayed: Vec<u8> = replay.flat_map(|b| b.to_vec()).collect();
    assert_eq!(decode(&replayed).0, ["a2", "a3"]);
    // From the priming id: every message of that stream, none of the other.
    let (_, replay) = streams.since("req-b-0").unwrap();
    let replayed: Vec<u8> = replay.flat_map(|b| b.to_vec()).collect();
    assert_eq!(decode(&replayed).0, ["b1", "b2", "b3"]);
    // Unknown: no such stream, no such sequence number, not an id of ours, a removed stream.
    for id in ["req-c-1", "req-a-9", "req-a", "req-a-01", "x"] {
        assert_eq!(streams.since(id).err(), Some(Unknown), "{id}");
    }
    assert!(streams.remove("req-a"));
    assert_eq!(streams.since("req-a-1").err(), Some(Unknown));
    assert_eq!(streams.names().collect::<Vec<_>>(), ["req-b"]);
    // Live follow-up through a cursor.
    let (_, mut cursor) = streams.cursor_after("req-b-3").unwrap();
    streams.push("req-b", OutEvent::new().data("b4")).unwrap();
    let log = streams.log("req-b").unwrap();
    let next = log.read(&mut cursor).unwrap().unwrap();
    assert_eq!(decode(&next).0, ["b4"]);
    assert_eq!(
        streams.open("", Duration::ZERO).err(),
        Some(PushError::EmptyStream)
    );
}

proptest! {
    /// Against a model that keeps every event: `since` answers exactly the model's events after
    /// the id when the id is still held, `Unknown` when it is not, and the bounds always hold.
    #[test]
    fn since_matches_a_model_of_every_event(
        max_events in 1usize..12,
        max_bytes in 20usize..400,
        ops in prop::collection::vec((0usize..40, 0u8..3), 1..80),
    ) {
        let mut log = EventLog::with_bounds(bounds(|b| { b.max_events = max_events; b.max_bytes = max_bytes; }));
        let mut model: Vec<(String, Vec<u8>)> = Vec::new();
        let mut cursor = Cursor::from(log.seqs().start);
        let mut delivered: Vec<Vec<u8>> = Vec::new();
        for (n, (len, op)) in ops.into_iter().enumerate() {
            let data = "d".repeat(len);
            let id = format!("id{n}");
            match log.push(&id, OutEvent::new().data(&data)) {
                Ok(frame) => {
                    prop_assert_eq!(&frame[..], &encoded(&id, &data)[..]);
                    model.push((id, frame.to_vec()));
                }
                Err(PushError::TooLarge { len, max }) => {
                    prop_assert!(len > max);
                    prop_assert_eq!(len, encoded(&id, &data).len());
                }
                Err(e) => prop_assert!(false, "{e:?}"),
            }
            prop_assert!(log.seqs().count() <= max_events && log.bytes() <= max_bytes);
            // The log holds a suffix of the model.
            let held = log.seqs().count();
            let suffix = &model[model.len() - held..];
            prop_assert_eq!(log.bytes(), suffix.iter().map(|(_, f)| f.len()).sum::<usize>());
            if op == 0 {
                // A reader that keeps up sees every event in order.
                loop {
                    match log.read(&mut cursor) {
                        Ok(Some(f)) => delivered.push(f.to_vec()),
                        Ok(None) => break,
                        Err(Lagged { missed }) => prop_assert!(missed > 0),
                    }
                }
            }
            for (k, (id, _)) in model.iter().enumerate() {
                let got = log.since(id).map(|r| r.map(|b| b.to_vec()).collect::<Vec<_>>());
                if k >= model.len() - held {
                    let want: Vec<Vec<u8>> = model[k + 1..].iter().map(|(_, f)| f.clone()).collect();
                    prop_assert_eq!(got, Ok(want));
                } else {
                    prop_assert_eq!(got, Err(Unknown));
                }
            }
            prop_assert_eq!(log.since("never").err(), Some(Unknown));
        }
        // What the reader got is the model in order, with gaps only where it lagged.
        let mut it = model.iter().map(|(_, f)| f);
        for f in &delivered {
            prop_assert!(it.any(|m| m == f), "delivered out of order");
        }
    }
}

/// Both halves together: a client driven by `reconnect::Reconnect` against a server that answers
/// from an `EventLog` (everything for a request without `Last-Event-ID`, `since(id)` otherwise),
/// with every body cut at an arbitrary byte. The client ends with every event exactly once, in
/// order: resumption loses nothing and repeats nothing.
#[cfg(feature = "reconnect")]
mod end_to_end {
    use super::*;
    use sse_wire::reconnect::{Action, Config, Reconnect, Verdict};

    fn run(cuts: &[usize]) -> Vec<String> {
        let mut log = EventLog::new();
        log.push("", OutEvent::retry(OutEvent::new(), Duration::ZERO))
            .unwrap();
        for i in 0..30 {
            log.push_seq(OutEvent::new().data(&format!("event {i}")))
                .unwrap();
        }
        let mut session = Reconnect::new(Config::new());
        let mut decoder = BytesDecoder::new();
        let mut got = Vec::new();
        for round in 0.. {
            assert!(round < 1000, "no progress");
            let connect = match session.poll() {
                Some(Action::Connect(c)) => c,
                None => {
                    // The server's `retry: 0` once the client has read it, the default before
                    // (every input at time 0: the deadline is the wait).
                    let want = decoder.decoder().retry().unwrap_or(Duration::from_secs(3));
                    assert_eq!(session.poll_timeout(), Some(want));
                    let _ = session.handle_timeout(want);
                    continue;
                }
                other => panic!("{other:?}"),
            };
            let body: Vec<u8> = match connect.last_event_id.as_deref() {
                None => {
                    let mut c = Cursor::from(log.seqs().start);
                    std::iter::from_fn(|| log.read(&mut c).unwrap())
                        .flat_map(|b| b.to_vec())
                        .collect()
                }
                Some(id) => log.since(id).unwrap().flat_map(|b| b.to_vec()).collect(),
            };
            if body.is_empty() {
                break; // the client has everything
            }
            let cut = cuts.get(round).map_or(body.len(), |c| 1 + c % body.len());
            decoder.reset();
            session.on_response(Verdict::of(200, Some(b"text/event-stream")), Duration::ZERO);
            decoder.push(Bytes::copy_from_slice(&body[..cut]));
            for item in &mut decoder {
                if let Item::Event(e) = item.unwrap() {
                    got.push(e.data().to_owned());
                }
            }
            session.on_body_end(&decoder, Duration::ZERO);
        }
        got
    }

    #[test]
    fn a_client_that_resumes_gets_every_event_once() {
        let want: Vec<String> = (0..30).map(|i| format!("event {i}")).collect();
        assert_eq!(run(&[]), want);
        assert_eq!(run(&[0, 5, 17, 40, 3, 99, 250, 1, 1, 1, 64]), want);
    }

    proptest! {
        #[test]
        fn any_cuts(cuts in prop::collection::vec(any::<usize>(), 0..40)) {
            let want: Vec<String> = (0..30).map(|i| format!("event {i}")).collect();
            prop_assert_eq!(run(&cuts), want);
        }
    }
}
