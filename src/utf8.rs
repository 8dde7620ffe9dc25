//! UTF-8 checks for the decoders' hot path, and the crate's only `unsafe` code.
//!
//! Almost all event-stream text is ASCII (JSON, ids, event names). Proving that a slice is ASCII
//! takes a few word-wide ORs; the standard library's full UTF-8 validation of the same short slice
//! costs about twice the line scan. So ASCII slices are turned into `str` without the second
//! check, and everything else goes through the standard validation unchanged.
//!
//! The `unsafe` blocks below convert bytes that [`from_utf8`] has just accepted, and it accepts
//! a slice unchecked on one fact only: every byte sequence whose bytes are all below 0x80 is
//! valid UTF-8 (RFC 3629, section 3: such bytes each encode one character on their own, and no
//! other sequence is ill-formed). CI runs this module's tests under Miri.
#![allow(unsafe_code)]

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;
use bytestring::ByteString;
use core::str::Utf8Error;

/// Whether every byte of `bytes` is ASCII: ORs the input together sixteen bytes at a time (no
/// branch per byte; the last block overlaps the one before it rather than ending in a byte
/// loop) and tests the high bits once.
#[inline]
pub(crate) fn is_ascii(bytes: &[u8]) -> bool {
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    if bytes.len() > 128 {
        return is_ascii_long(bytes);
    }
    let Some(last) = bytes.last_chunk::<16>() else {
        // Under 16 bytes: two overlapping words, or bytes one by one under 8.
        return match (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
            (Some(a), Some(b)) => (u64::from_ne_bytes(*a) | u64::from_ne_bytes(*b)) & HIGH == 0,
            _ => bytes.iter().all(u8::is_ascii),
        };
    };
    let mut acc = u128::from_ne_bytes(*last);
    for block in bytes.as_chunks::<16>().0 {
        acc |= u128::from_ne_bytes(*block);
    }
    acc & u128::from_ne_bytes([0x80; 16]) == 0
}

/// Long inputs: the standard library's check, which is vectorised (and out of line, so that
/// the short path inlines).
#[inline(never)]
fn is_ascii_long(bytes: &[u8]) -> bool {
    bytes.is_ascii()
}

/// As [`core::str::from_utf8`], faster for ASCII.
#[inline]
pub(crate) fn from_utf8(bytes: &[u8]) -> Result<&str, Utf8Error> {
    if is_ascii(bytes) {
        // SAFETY: `bytes` is all ASCII, hence valid UTF-8 (see the module docs).
        Ok(unsafe { core::str::from_utf8_unchecked(bytes) })
    } else {
        core::str::from_utf8(bytes)
    }
}

/// `bytes` as a `ByteString` when valid UTF-8 (no copy); hands `bytes` back if not.
#[inline(always)]
pub(crate) fn byte_string(bytes: Bytes) -> Result<ByteString, Bytes> {
    if from_utf8(&bytes).is_err() {
        return Err(bytes);
    }
    // SAFETY: validated on the line above; `Bytes` is immutable, so the bytes the `ByteString`
    // will read are the ones just checked.
    Ok(unsafe { ByteString::from_bytes_unchecked(bytes) })
}

/// `bytes` as a `String` when valid UTF-8 (no copy); hands `bytes` back if not.
#[inline]
pub(crate) fn string(bytes: Vec<u8>) -> Result<String, Vec<u8>> {
    if from_utf8(&bytes).is_err() {
        return Err(bytes);
    }
    // SAFETY: validated on the line above, and nothing has touched `bytes` since.
    Ok(unsafe { String::from_utf8_unchecked(bytes) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::borrow::ToOwned;

    /// Every length around the word and block sizes and past the switch to the long check, with
    /// a non-ASCII byte at every position (and none). Under Miri, the short lengths only.
    #[test]
    fn agrees_with_std_at_every_length_and_position() {
        for len in 0..if cfg!(miri) { 40 } else { 140 } {
            for at in 0..=len {
                for high in [0x80u8, 0xC3, 0xFF] {
                    let mut v: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                    if at < len {
                        v[at] = high;
                    }
                    assert_eq!(is_ascii(&v), v.is_ascii(), "len {len}, {high:#x} at {at}");
                    assert_eq!(from_utf8(&v), core::str::from_utf8(&v));
                    assert_eq!(string(v.clone()).ok(), String::from_utf8(v.clone()).ok());
                    let b = Bytes::from(v.clone());
                    assert_eq!(
                        byte_string(b.clone()).ok().as_deref(),
                        core::str::from_utf8(&v).ok()
                    );
                }
            }
        }
    }

    #[test]
    fn valid_multibyte_text_passes_and_keeps_its_bytes() {
        let text = "data: caf\u{e9} \u{1F600} \u{2028}";
        assert_eq!(from_utf8(text.as_bytes()), Ok(text));
        let s = byte_string(Bytes::from_static(text.as_bytes())).unwrap();
        assert_eq!(&*s, text);
        // A truncated sequence and a lone continuation byte are rejected.
        assert!(from_utf8(b"caf\xc3").is_err());
        assert!(byte_string(Bytes::from_static(b"\x80abc")).is_err());
    }

    /// The decoders' text goes through this module: ASCII, multi-byte and invalid input, read
    /// back through both front ends (so that Miri also sees the `str`s handed out).
    #[test]
    fn decoded_text_through_both_front_ends() {
        use crate::sse::{BytesDecoder, Decoder, Item, ItemRef};
        let stream: &[u8] = b"data: plain ascii text, longer than sixteen bytes\n\n\
            data: caf\xc3\xa9 \xf0\x9f\x98\x80\ndata: second line\n\n\
            event: t\xffpe\ndata: bad \xc3 byte\n\n";
        let want = [
            ("message", "plain ascii text, longer than sixteen bytes"),
            ("message", "caf\u{e9} \u{1F600}\nsecond line"),
            ("t\u{FFFD}pe", "bad \u{FFFD} byte"),
        ];
        let mut owned = BytesDecoder::new();
        owned.push(Bytes::from_static(stream));
        let got: Vec<_> = owned
            .map(|item| match item.unwrap() {
                Item::Event(e) => (e.event_type().to_owned(), e.data().to_owned()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(got.len(), want.len());
        let mut decoder = Decoder::new();
        let mut buf = stream;
        for (i, (t, d)) in want.iter().enumerate() {
            assert_eq!((got[i].0.as_str(), got[i].1.as_str()), (*t, *d));
            let decoded = decoder.decode(buf).unwrap();
            let Some(ItemRef::Event(e)) = decoded.item else {
                panic!("event {i} missing")
            };
            assert_eq!((e.event_type(), e.data()), (*t, *d));
            buf = &buf[decoded.consumed..];
        }
    }

    /// Unaligned starts: the word reads must not depend on the slice's alignment.
    #[test]
    fn unaligned_slices() {
        let v: Vec<u8> = (0..64u8).map(|i| b'0' + i % 10).collect();
        for start in 0..9 {
            assert!(is_ascii(&v[start..]));
            assert_eq!(from_utf8(&v[start..]).unwrap().len(), 64 - start);
        }
    }
}
