//! Encodes a chunked body with extensions and trailers, then decodes it from a reader that
//! returns 7 bytes at a time, the way a socket might, using the owned `BytesMut` front end.
//!
//! Run: `cargo run --example chunked`

#![forbid(unsafe_code)]

use std::io::Read;

use bytes::BytesMut;
use sse_wire::chunked::{Chunk, ChunkExt, Decoder, Encoder, TrailerField};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Encode three payloads (the empty one writes nothing), one with extensions, then the
    // last chunk with a trailer; a pipelined request follows on the same connection.
    let mut encoder = Encoder::new();
    let mut wire = Vec::new();
    encoder.encode(b"Hello, ", &[], &mut wire)?;
    encoder.encode(b"", &[], &mut wire)?;
    let exts = [
        ChunkExt::with_value("name", "part two")?,
        ChunkExt::new("final")?,
    ];
    encoder.encode(b"chunked world!", &exts, &mut wire)?;
    encoder.finish(&[TrailerField::new("X-Checksum", "7d1a")?], &mut wire)?;
    wire.extend_from_slice(b"GET /next HTTP/1.1\r\n\r\n");
    println!("wire: {:?}\n", String::from_utf8_lossy(&wire));

    // Decode from a slow reader.
    let mut reader = SlowReader {
        data: &wire,
        step: 7,
    };
    let mut decoder = Decoder::new();
    let mut buf = BytesMut::with_capacity(64);
    let mut body = Vec::new();
    loop {
        match decoder.decode_buf(&mut buf)? {
            Some(Chunk::Header { size, extensions }) => {
                println!("chunk of {size} bytes, extensions {extensions:?}");
            }
            Some(Chunk::Data(data)) => {
                println!("  data {:?}", String::from_utf8_lossy(&data));
                body.extend_from_slice(&data);
            }
            Some(Chunk::Trailer { name, value }) => {
                println!(
                    "trailer {}: {}",
                    String::from_utf8_lossy(&name),
                    String::from_utf8_lossy(&value)
                );
            }
            Some(Chunk::Done) => break,
            None => {
                let mut tmp = [0u8; 16];
                let n = reader.read(&mut tmp)?;
                if n == 0 {
                    decoder.finish()?; // EOF inside the body: an error, never a short body
                }
                buf.extend_from_slice(&tmp[..n]);
            }
            other => println!("(unhandled item {other:?})"),
        }
    }
    assert_eq!(body, b"Hello, chunked world!");
    println!("\nbody: {:?}", String::from_utf8_lossy(&body));
    // The bytes after the body are the next message; the decoder never looked at them.
    let mut rest = buf.to_vec();
    reader.read_to_end(&mut rest)?;
    println!(
        "left for the next message: {:?}",
        String::from_utf8_lossy(&rest)
    );
    assert_eq!(rest, b"GET /next HTTP/1.1\r\n\r\n");
    Ok(())
}

/// A reader that returns at most `step` bytes per call.
struct SlowReader<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for SlowReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(out.len()).min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}
