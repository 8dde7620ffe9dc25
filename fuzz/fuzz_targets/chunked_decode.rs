//! Arbitrary bytes through the chunked decoder, in strict, default and lenient mode, through
//! every front end, cut at fuzzer-chosen points: no panic, no stalled call, bounded bytes held
//! by the caller, never more body out than went in (nor than the chunk sizes declared), and the
//! same body, chunks, trailers, leftover or error as the bytes decoded whole.
//!
//! Two references: the result must equal `reference_decode_exact` (written from the RFC 9112
//! grammar, with the same `Limits`, limits included) item for item, and for a failure in its
//! error kind and offset; with every limit out of the way it must also agree with the plain
//! `reference_decode` (accepted or rejected, and the same output).
//!
//! Header (see `sse_wire_testkit::fuzz`): flags bits 0-1 pick the limits (0: none, 1: the defaults,
//! 2: small ones from a table picked by bits 2-3, 3: small ones read from the first five data
//! bytes, see `limits_from_bytes`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sse_wire::chunked::Limits;
use sse_wire_testkit::fuzz::{chunked_limits, pieces, run_chunked, ChunkedPath, Input};
use sse_wire_testkit::reference::chunked::{
    reference_decode, reference_decode_exact, DEFAULT, LENIENT, STRICT,
};

fuzz_target!(|raw: &[u8]| {
    let input = Input::parse(raw);
    for (preset, mode) in [
        (Limits::strict(), STRICT),
        (Limits::new(), DEFAULT),
        (Limits::lenient(), LENIENT),
    ] {
        let (config, data) = chunked_limits(preset, input.flags, input.data);
        let cut = pieces(data, input.cuts);
        let whole = [data];
        let expected = run_chunked(config, ChunkedPath::Borrowed, &whole);
        for path in ChunkedPath::ALL {
            if path != ChunkedPath::Borrowed {
                let got = run_chunked(config, path, &whole);
                assert_eq!(got, expected, "{mode:?} {path:?} whole");
            }
            let got = run_chunked(config, path, &cut);
            assert_eq!(got, expected, "{mode:?} {path:?} on pieces");
        }
        let exact = reference_decode_exact(data, &config);
        assert_eq!(
            expected, exact,
            "{mode:?} {config:?}: differs from the exact reference"
        );
        if input.flags & 3 == 0 {
            let reference = reference_decode(data, mode);
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
