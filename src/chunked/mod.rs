//! HTTP/1.1 chunked transfer coding (RFC 9112 section 7.1), both directions, sans-IO.
//!
//! * [`Decoder`] turns a chunked body, arriving in pieces of any size, into items: each
//!   chunk's [`Header`](ChunkRef::Header) (size and validated [`ExtensionsRef`]), its data as
//!   sub-slices of the caller's buffer the moment they arrive ([`ChunkRef::Data`]), the trailer
//!   fields one at a time, and an explicit [`ChunkRef::Done`] that leaves any following bytes
//!   untouched. [`Decoder::decode_buf`] gives the same items as owned [`Chunk`]s sharing a
//!   [`BytesMut`](bytes::BytesMut) buffer. It never copies body data, never allocates and keeps
//!   no buffer of its own.
//! * [`BytesDecoder`] takes the body as [`Bytes`](bytes::Bytes) pieces cut anywhere (socket
//!   reads, an HTTP client's frames) and yields [`Chunk`]s: data still never copied, only a
//!   chunk line that straddles two pieces.
//! * [`Encoder`] frames payloads as chunks, either zero-copy as a chained [`Buf`](bytes::Buf)
//!   for vectored writes ([`Encoder::frame`]) or into any [`BufMut`](bytes::BufMut)
//!   ([`Encoder::encode`]), and ends the body with optional [`TrailerField`]s
//!   ([`Encoder::finish`]).
//!
//! # Strictness
//!
//! The decoder enforces the RFC 9112 grammar by default: `1*HEXDIG` sizes (no sign, `0x`,
//! whitespace or empty size; overflow is an error; any number of leading zeros), fully parsed extensions (token names,
//! token or quoted-string values, BWS only around `;` and `=`, no CR/LF anywhere inside),
//! CRLF after every line and after every chunk's data (both bytes checked), at least one `0`
//! in the last chunk, trailer fields with a token name, no whitespace before `:`, no obs-fold
//! and no control bytes. Every rule and the advisory behind it is pinned by
//! `tests/chunked_conformance.rs`.
//!
//! Two departures are configurable in [`Limits`]: SP/HTAB right before a chunk line's CRLF is
//! tolerated by default (as hyper, Go and h11 do; [`Limits::strict`] rejects it), and bare LF
//! line ends are rejected unless [`Limits::allow_bare_lf`] is set (read its security note:
//! it is a request smuggling risk). Limits on size digits, chunk line length, extension bytes
//! per message, trailer bytes and trailer fields bound the caller's memory and the decoder's
//! work; each has a safe default and fails with [`DecodeError::LimitExceeded`] naming it.
//!
//! # Example
//!
//! Encode a body with a trailer, then decode it fed in 3-byte pieces:
//!
//! ```
//! use sse_wire::chunked::{ChunkRef, Decoded, Decoder, Encoder, TrailerField};
//!
//! // Encode.
//! let mut encoder = Encoder::new();
//! let mut wire = Vec::new();
//! encoder.encode(b"Hello, ", &[], &mut wire)?;
//! encoder.encode(b"", &[], &mut wire)?; // writes nothing
//! encoder.encode(b"chunked world!", &[], &mut wire)?;
//! encoder.finish(&[TrailerField::new("X-Checksum", "7d1a")?], &mut wire)?;
//! assert_eq!(wire, b"7\r\nHello, \r\ne\r\nchunked world!\r\n0\r\nX-Checksum: 7d1a\r\n\r\n");
//! wire.extend_from_slice(b"HTTP/1.1 200 OK\r\n"); // a pipelined next message
//!
//! // Decode, as if the bytes came from a socket 3 at a time.
//! let mut decoder = Decoder::new();
//! let mut reads = wire.chunks(3);
//! let mut buf = Vec::new();
//! let mut body = Vec::new();
//! let mut trailers = Vec::new();
//! loop {
//!     let Decoded { consumed, item } = decoder.decode(&buf).expect("valid body");
//!     match item {
//!         Some(ChunkRef::Header { size, extensions }) => {
//!             assert!(size > 0 || extensions.as_bytes().is_empty())
//!         }
//!         Some(ChunkRef::Data(data)) => body.extend_from_slice(data),
//!         Some(ChunkRef::Trailer { name, value }) => trailers.push((name.to_vec(), value.to_vec())),
//!         Some(ChunkRef::Done) => {
//!             buf.drain(..consumed);
//!             break;
//!         }
//!         None => match reads.next() {
//!             Some(read) => buf.extend_from_slice(read),
//!             None => panic!("EOF: {:?}", decoder.finish()),
//!         },
//!         _ => {}
//!     }
//!     buf.drain(..consumed);
//! }
//! assert_eq!(body, b"Hello, chunked world!");
//! assert_eq!(trailers, [(b"X-Checksum".to_vec(), b"7d1a".to_vec())]);
//! // What followed the body is left for the caller.
//! buf.extend(reads.flatten());
//! assert_eq!(buf, b"HTTP/1.1 200 OK\r\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bytes_decoder;
mod decoder;
mod encoder;
mod error;
mod ext;
mod grammar;
mod limits;

pub use bytes_decoder::BytesDecoder;
pub use decoder::{Chunk, ChunkRef, Decoded, Decoder};
pub use encoder::{ChunkExt, EncodedChunk, Encoder, TrailerField, LAST_CHUNK};
pub use error::{DecodeError, EncodeError, Limit};
pub use ext::{ExtValue, Extension, Extensions, ExtensionsIter, ExtensionsRef};
pub use limits::Limits;
