//! Arbitrary bytes through every way into the SSE decoder, cut at fuzzer-chosen points, with
//! small limits: no panic, no stalled call, bounded bytes held by the caller, items within the
//! limits, and exactly the items, errors, `finish()` reports, last event ID and retry of the
//! same bytes decoded whole.
//!
//! Header (see `sse_wire_testkit::fuzz`): flags bit 0 = comments off, bits 1-3 = `max_line_len` choice,
//! bits 4-6 = `max_event_size` choice, bit 7 = split the data into two streams with a
//! reconnection (`finish()`) between them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sse_wire::sse::Decoder;
use sse_wire_testkit::fuzz::{pieces, run_sse, sse_limits, sse_streams, Input, SsePath};

fuzz_target!(|raw: &[u8]| {
    let input = Input::parse(raw);
    let flags = input.flags;
    let limits = sse_limits(flags >> 1, flags >> 4);
    let proto = Decoder::with_limits(limits).comments(flags & 1 == 0);
    let streams = sse_streams(
        input.data,
        flags & 0x80 != 0,
        input.cuts.first().copied().unwrap_or(128),
    );
    let whole: Vec<Vec<&[u8]>> = streams.iter().map(|s| vec![*s]).collect();
    let cut: Vec<Vec<&[u8]>> = streams.iter().map(|s| pieces(s, input.cuts)).collect();

    let expected = run_sse(&proto, SsePath::Borrowed, &whole);
    for path in SsePath::ALL {
        if path != SsePath::Borrowed {
            let got = run_sse(&proto, path, &whole);
            assert_eq!(got, expected, "{path:?} on the whole input");
        }
        let got = run_sse(&proto, path, &cut);
        assert_eq!(got, expected, "{path:?} on pieces");
    }
});
