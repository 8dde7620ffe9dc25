//! Nothing to link: this package holds `benches/compare.rs` (sse-wire beside the crates a user
//! would otherwise pick, on the same bytes) and `examples/bench_report.rs` (its tables and
//! ratios). See `BENCHMARKS.md` at the workspace root.

#![forbid(unsafe_code)]
