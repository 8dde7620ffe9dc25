//! The SSE decoder against the reference decoder (`sse_wire::reference::sse`, written from the
//! WHATWG steps): on arbitrary bytes, cut at fuzzer-chosen points, through every way in, any
//! difference in items, last event ID, retry or in what `finish()` reports is a crash.
//!
//! Default limits (far above `-max_len`), so no limit error can occur. Header (see
//! `sse_wire_fuzz`): flags bit 0 = comments off, bit 7 = split the data into two streams with a
//! reconnection between them (compared with `reference_seeded`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sse_wire::reference::sse::{reference_seeded, RefOutcome};
use sse_wire::sse::Decoder;
use sse_wire_fuzz::{pieces, run_sse, sse_streams, Input, SsePath};

fuzz_target!(|raw: &[u8]| {
    let input = Input::parse(raw);
    let comments = input.flags & 1 == 0;
    let streams = sse_streams(
        input.data,
        input.flags & 0x80 != 0,
        input.cuts.first().copied().unwrap_or(128),
    );

    // The reference, stream after stream on one event source.
    let mut expected: Vec<RefOutcome> = Vec::new();
    for s in &streams {
        let (id, retry) = expected.last().map_or((String::new(), None), |o| {
            (o.last_event_id.clone(), o.retry)
        });
        expected.push(reference_seeded(s, comments, &id, retry));
    }
    let items: Vec<_> = expected
        .iter()
        .flat_map(|o| o.items.iter().cloned())
        .collect();

    let proto = Decoder::new().comments(comments);
    let cut: Vec<Vec<&[u8]>> = streams.iter().map(|s| pieces(s, input.cuts)).collect();
    for path in SsePath::ALL {
        let run = run_sse(&proto, path, &cut);
        let got: Vec<_> = run
            .items
            .iter()
            .map(|r| {
                r.clone()
                    .unwrap_or_else(|e| panic!("{path:?}: error {e:?}"))
            })
            .collect();
        assert_eq!(got, items, "{path:?}: items differ from the reference");
        for (i, (end, want)) in run.ends.iter().zip(&expected).enumerate() {
            let (finish, last_id, retry) = end;
            assert_eq!(
                last_id, &want.last_event_id,
                "{path:?}: last event ID, stream {i}"
            );
            assert_eq!(retry, &want.retry, "{path:?}: retry, stream {i}");
            match (finish, want.pending) {
                (Ok(()), None) => {}
                (Err(t), Some(p)) => {
                    assert_eq!(t.fields, p.fields, "{path:?}: pending fields, stream {i}");
                    assert_eq!(
                        t.partial_line, p.partial_line,
                        "{path:?}: pending partial line, stream {i}"
                    );
                    // The reference counts the data after UTF-8 repair, the decoder raw bytes:
                    // they agree on valid UTF-8.
                    if std::str::from_utf8(streams[i]).is_ok() {
                        assert_eq!(t.data_len, p.data_len, "{path:?}: pending data, stream {i}");
                    }
                }
                (got, want) => {
                    panic!("{path:?}: finish() = {got:?}, reference pending {want:?}, stream {i}")
                }
            }
        }
    }
});
