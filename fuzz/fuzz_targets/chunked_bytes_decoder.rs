//! Arbitrary bytes through `chunked::BytesDecoder`, the owned front end a client feeds with
//! `Bytes` pieces, cut at fuzzer-chosen points and pushed one at a time, iterating with a `for`
//! loop after each push: the same body, chunks, trailers, leftover (`take_remainder`) or error
//! (kind and offset) as the borrowed decoder on the bytes whole and as the exact reference
//! (`reference_decode_exact`); data never copied; no empty item from the iterator; `Done` and an
//! error each yielded at most once, **with nothing after an error** (the loop must end: an
//! iterator that repeats its error forever fails the call budget), and `finish()` still
//! reporting it.
//!
//! Header (see `sse_wire_testkit::fuzz`): flags bits 0-1 pick the preset (strict, default, lenient),
//! bits 2-3 the limits as `chunked_decode`'s bits 0-1 do (bits 4-5 pick the table entry for
//! small ones).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sse_wire_testkit::fuzz::{
    chunked_limits, chunked_preset, run_bytes_decoder, run_chunked, ChunkedPath, Input,
};
use sse_wire_testkit::reference::chunked::reference_decode_exact;

fuzz_target!(|raw: &[u8]| {
    let input = Input::parse(raw);
    let preset = chunked_preset(input.flags);
    let (config, data) = chunked_limits(preset, input.flags >> 2, input.data);
    let expected = run_chunked(config, ChunkedPath::Borrowed, &[data]);
    let got = run_bytes_decoder(config, data, input.cuts);
    assert_eq!(
        got, expected,
        "BytesDecoder differs from the borrowed decoder"
    );
    assert_eq!(
        got,
        reference_decode_exact(data, &config),
        "differs from the exact reference"
    );
    // Whole, in one piece, too.
    assert_eq!(run_bytes_decoder(config, data, &[]), expected, "whole");
});
