//! The test oracles of `sse-wire`, shared by its integration tests, its fuzz targets (`fuzz/`)
//! and its benches. Not published, not part of sse-wire's API.
//!
//! * [`reference`](mod@reference): whole-input reference decoders written straight from the specs (WHATWG SSE
//!   parsing, RFC 9112 chunked coding), sharing no code with the decoders they check;
//! * [`sse`]: drivers that feed the SSE decoder through each of its ways in and compare what
//!   comes out with each other and with the reference;
//! * [`chunked`]: the same for the chunked decoder's front ends;
//! * [`fuzz`]: what only the fuzz targets need: the input header and cutting, small limits picked
//!   by flag bits, drivers that also check the bytes a caller holds, the chunked-then-SSE
//!   pipeline.
//!
//! The `proptest` feature adds the helpers that take `proptest` types (`sse::cut`); the fuzz
//! build leaves it off.

#![forbid(unsafe_code)]

// The reference decoders are written for `alloc` only, as they were inside sse-wire.
extern crate alloc;

pub mod chunked;
pub mod fuzz;
mod guard;
pub mod reference;
pub mod sse;
