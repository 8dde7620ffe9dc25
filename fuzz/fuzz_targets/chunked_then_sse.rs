//! Arbitrary bytes through chunked decoding into SSE decoding, the way an HTTP client reads an
//! event stream sent with `Transfer-Encoding: chunked`, cut at fuzzer-chosen points: no panic,
//! no stalled call, and the same events, SSE errors, `finish()` reports and chunked outcome
//! (leftover or error) as the bytes decoded whole, both borrowed on each side and as a
//! hyper-style pipeline (`decode_bytes` pieces pushed, uncopied, into a `BytesDecoder`), and
//! with the chunked decoder's header items on or off (`headers(false)`).
//!
//! Header (see `sse_wire_testkit::fuzz`): flags bits 0-1 pick the chunked preset (strict, default,
//! lenient), bit 2 turns SSE comments off, bits 3-5 pick the SSE `max_line_len` and bits 5-7
//! its `max_event_size`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sse_wire::sse::Decoder;
use sse_wire_testkit::fuzz::{chunked_preset, pieces, run_pipeline, sse_limits, Input};

fuzz_target!(|raw: &[u8]| {
    let input = Input::parse(raw);
    let flags = input.flags;
    let config = chunked_preset(flags);
    let sse = Decoder::with_limits(sse_limits(flags >> 3, flags >> 5)).comments(flags & 4 == 0);
    let cut = pieces(input.data, input.cuts);

    let expected = run_pipeline(config, &sse, false, true, &[input.data]);
    assert_eq!(
        run_pipeline(config, &sse, true, false, &[input.data]),
        expected,
        "owned, whole, no header items"
    );
    assert_eq!(
        run_pipeline(config, &sse, false, false, &cut),
        expected,
        "borrowed, on pieces, no header items"
    );
    assert_eq!(
        run_pipeline(config, &sse, true, true, &cut),
        expected,
        "owned, on pieces"
    );
});
