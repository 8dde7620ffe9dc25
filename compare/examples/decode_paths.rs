//! Decodes 20,001 LLM-token events (W1's shape) through one sse-wire path and hands each event's
//! type, data and id to an `#[inline(never)]` function: the loop of the `W` rows of
//! `benches/compare.rs`, as a program to count instructions of with callgrind, which repeats
//! exactly where timings on a shared machine do not.
//!
//! ```sh
//! cargo build -p sse-wire-compare --profile bench --example decode_paths
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/bench/examples/decode_paths borrowed w1      # PATH: borrowed, view, owned, none
//! ```
//!
//! PATH `none` only builds the input: subtract its count to get the decoding's. MODE: `w1` (1 KiB
//! pieces), `w7` (one read per event), `w8` (each event in two reads).

#![forbid(unsafe_code)]

use bytes::Bytes;
use sse_wire::sse::{BytesDecoder, Decoder, Item, ItemRef};
use std::hint::black_box;

#[inline(never)]
fn consume(t: &str, d: &str, id: &str) {
    black_box((t.len(), d.len(), id.len()));
}

fn w1(n: usize) -> Vec<u8> {
    let words = ["Hel", "lo", ", ", "wör", "ld", "!", " Ça", " va", " ✓"];
    let mut s = Vec::new();
    for i in 0..n {
        s.extend_from_slice(format!("data: {{\"id\":\"chatcmpl-1\",\"choices\":[{{\"delta\":{{\"content\":\"{}\"}}}}]}}\n\n", words[i % words.len()]).as_bytes());
    }
    s.extend_from_slice(b"data: [DONE]\n\n");
    s
}

fn pieces(body: &Bytes, mode: &str) -> Vec<Bytes> {
    match mode {
        "w1" => (0..body.len())
            .step_by(1024)
            .map(|i| body.slice(i..(i + 1024).min(body.len())))
            .collect(),
        "w7" | "w8" => {
            let mut out = Vec::new();
            let mut start = 0;
            let mut k = 0;
            for i in 1..body.len() {
                if body[i - 1] == b'\n' && body[i] == b'\n' {
                    let end = i + 1;
                    if mode == "w8" {
                        let cut = start + 1 + (k * 7) % (end - start - 1);
                        out.push(body.slice(start..cut));
                        out.push(body.slice(cut..end));
                    } else {
                        out.push(body.slice(start..end));
                    }
                    start = end;
                    k += 1;
                }
            }
            out
        }
        _ => panic!(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (path, mode) = (&args[1], &args[2]);
    let body = Bytes::from(w1(20_000));
    let pieces = pieces(&body, mode);
    let mut events = 0;
    match path.as_str() {
        "borrowed" => {
            let mut d = Decoder::new();
            let mut buf = Vec::new();
            for p in &pieces {
                buf.extend_from_slice(p);
                loop {
                    let r = d.decode(&buf).unwrap();
                    let c = r.consumed;
                    let got = r.item.is_some();
                    if let Some(ItemRef::Event(e)) = r.item {
                        events += 1;
                        consume(e.event_type(), e.data(), e.id());
                    }
                    buf.drain(..c);
                    if !got {
                        break;
                    }
                }
            }
        }
        "view" => {
            let mut d = BytesDecoder::new();
            for p in &pieces {
                d.push(p.clone());
                while let Some(r) = d.next_ref() {
                    if let ItemRef::Event(e) = r.unwrap() {
                        events += 1;
                        consume(e.event_type(), e.data(), e.id());
                    }
                }
            }
        }
        "owned" => {
            let mut d = BytesDecoder::new();
            for p in &pieces {
                d.push(p.clone());
                for r in &mut d {
                    if let Item::Event(e) = r.unwrap() {
                        events += 1;
                        consume(e.event_type(), e.data(), e.id());
                    }
                }
            }
        }
        _ => return,
    }
    assert_eq!(events, 20_001);
}
