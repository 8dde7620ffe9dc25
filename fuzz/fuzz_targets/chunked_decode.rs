//! Arbitrary bytes through the chunked decoder, in strict, default and lenient mode, through
//! every front end, cut at fuzzer-chosen points: no panic, no stalled call, bounded bytes held
//! by the caller, never more body out than went in (nor than the chunk sizes declared), and the
//! same body, chunks, trailers, leftover or error as the bytes decoded whole. With every limit
//! out of the way, the result must also match the reference decoder
//! (`sse_wire::reference::chunked`, written from the RFC 9112 grammar).
//!
//! Header (see `sse_wire_fuzz`): flags bits 0-1 pick the limits (0: none, 1: the defaults,
//! 2-3: small ones, picked by bits 2-3).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sse_wire::chunked::Config;
use sse_wire::reference::chunked::{reference_decode, DEFAULT, LENIENT, STRICT};
use sse_wire_fuzz::{pieces, run_chunked, small_limits, unlimited, ChunkedPath, Input};

fuzz_target!(|raw: &[u8]| {
    let input = Input::parse(raw);
    let cut = pieces(input.data, input.cuts);
    let whole = [input.data];
    for (preset, mode) in [
        (Config::strict(), STRICT),
        (Config::new(), DEFAULT),
        (Config::lenient(), LENIENT),
    ] {
        let config = match input.flags & 3 {
            0 => unlimited(preset),
            1 => preset,
            _ => small_limits(preset, input.flags >> 2),
        };
        let expected = run_chunked(config, ChunkedPath::Borrowed, &whole);
        for path in ChunkedPath::ALL {
            if path != ChunkedPath::Borrowed {
                let got = run_chunked(config, path, &whole);
                assert_eq!(got, expected, "{mode:?} {path:?} whole");
            }
            let got = run_chunked(config, path, &cut);
            assert_eq!(got, expected, "{mode:?} {path:?} on pieces");
        }
        if input.flags & 3 == 0 {
            let reference = reference_decode(input.data, mode);
            match (&expected, &reference) {
                (Ok(got), Ok(want)) => {
                    assert_eq!(got, want, "{mode:?}: differs from the reference")
                }
                (Err(_), Err(())) => {}
                (got, want) => panic!("{mode:?}: decoder {got:?}, reference {want:?}"),
            }
        }
    }
});
