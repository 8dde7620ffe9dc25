//! The SSE decoder against the reference decoder with the same limits
//! (`sse_wire_testkit::reference::sse::reference_limited_from`, the WHATWG steps plus the crate's limit
//! rules, on whole raw lines): on arbitrary bytes, cut at fuzzer-chosen points, through every way
//! in, any difference in items, limit errors (kind, limit, stream offset), last event ID, retry
//! or in what `finish()` reports is a crash.
//!
//! Header (see `sse_wire_testkit::fuzz`): flags bit 0 = comments off, bits 1-3 = `max_line_len` choice,
//! bits 4-6 = `max_event_size` choice (see `sse_differential_limits`: 0 is the default limits,
//! the rest are small), bit 7 = split the data into two streams with a reconnection
//! (`finish()`) between them; the second is compared with the reference started from the
//! first's last event ID, retry and end offset (the decoder's offsets keep counting).
//!
//! The reference models the rule for an event dropped for a limit (issue 25): its `id` and
//! `retry` still take effect, wherever they stand in the block, with the `Control` item of its
//! blank line after the error; `corpus/sse_differential/issue25-*` seeds the three cases.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sse_wire::sse::{Decoder, Truncated};
use sse_wire_testkit::fuzz::{
    pieces, run_sse, sse_differential_limits, sse_streams, Input, SsePath,
};
use sse_wire_testkit::reference::sse::{reference_limited_from, RefLimitedOutcome, RefStart};

fuzz_target!(|raw: &[u8]| {
    let input = Input::parse(raw);
    let flags = input.flags;
    let comments = flags & 1 == 0;
    let limits = sse_differential_limits(flags >> 1, flags >> 4);
    let streams = sse_streams(
        input.data,
        flags & 0x80 != 0,
        input.cuts.first().copied().unwrap_or(128),
    );

    // The reference, stream after stream on one event source.
    let mut expected: Vec<RefLimitedOutcome> = Vec::new();
    for s in &streams {
        let start = expected
            .last()
            .map_or_else(RefStart::default, RefLimitedOutcome::next_start);
        expected.push(reference_limited_from(s, comments, limits, &start));
    }
    let items: Vec<_> = expected
        .iter()
        .flat_map(|o| o.items.iter().cloned())
        .collect();

    let proto = Decoder::with_limits(limits).comments(comments);
    let cut: Vec<Vec<&[u8]>> = streams.iter().map(|s| pieces(s, input.cuts)).collect();
    for path in SsePath::ALL {
        let run = run_sse(&proto, path, &cut);
        assert_eq!(
            run.items, items,
            "{path:?}, {limits:?}: items or errors differ from the reference"
        );
        for (i, (end, want)) in run.ends.iter().zip(&expected).enumerate() {
            let (finish, last_id, retry) = end;
            assert_eq!(
                last_id, &want.last_event_id,
                "{path:?}, {limits:?}: last event ID, stream {i}"
            );
            assert_eq!(
                retry, &want.retry,
                "{path:?}, {limits:?}: retry, stream {i}"
            );
            let want_finish = match want.pending {
                None => Ok(()),
                Some(p) => Err(Truncated {
                    fields: p.fields,
                    data_len: p.data_len,
                    partial_line: p.partial_line,
                }),
            };
            assert_eq!(
                finish, &want_finish,
                "{path:?}, {limits:?}: finish(), stream {i}"
            );
        }
    }
});
