//! Nothing to link: this package holds sse-wire's networked examples (`examples/llm_server.rs`,
//! `examples/llm_client.rs`) and the tests that run them over loopback HTTP and in a real
//! browser (`tests/`).

#![forbid(unsafe_code)]
