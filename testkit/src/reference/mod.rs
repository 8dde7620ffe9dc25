//! Reference decoders, the oracles of the tests and fuzz targets.
//!
//! Each one is written straight from its specification, as plainly as possible, takes the whole
//! input at once and shares no code with the real decoders (only their configuration and error
//! types), so that a property test or a fuzzer can compare the two:
//!
//! * [`sse`]: the WHATWG HTML "Server-sent events" parsing and interpretation steps;
//! * [`chunked`]: the RFC 9112 section 7.1 chunked transfer coding grammar.

pub mod chunked;
pub mod sse;
