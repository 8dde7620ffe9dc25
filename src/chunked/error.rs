//! Decoding and encoding errors.

use core::fmt;

use thiserror::Error;

/// Why a [`Decoder`](super::Decoder) rejected its input.
///
/// Every variant carries `offset` ([`DecodeError::offset`]): bytes from the start of the chunked
/// body (the first byte of the first chunk line) to the byte that made the input invalid: the
/// first byte over a limit, the bad byte itself, or the CR of a CR not followed by LF. For
/// [`Truncated`](DecodeError::Truncated) it is where the input stopped.
///
/// A decoder that failed in the middle of a body keeps failing: every later
/// [`decode`](super::Decoder::decode) returns the same error, until
/// [`finish`](super::Decoder::finish) (which reports it once more) or
/// [`reset`](super::Decoder::reset) make it ready for the next body. A chunked body that failed
/// to parse cannot be resynchronised safely, and the connection it came on should be closed.
///
/// ```
/// use sse_wire::chunked::{DecodeError, Decoder};
///
/// let mut decoder = Decoder::new();
/// let mut input: &[u8] = b"5\r\nhello\r\n12x\r\n";
/// let err = loop {
///     match decoder.decode(input) {
///         Ok(decoded) => input = &input[decoded.consumed..],
///         Err(e) => break e,
///     }
/// };
/// assert_eq!(err, DecodeError::InvalidAfterChunkSize { offset: 12 });
/// assert_eq!(err.offset(), 12);
/// assert_eq!(err.to_string(), "invalid byte after chunk size at byte 12");
/// assert_eq!(decoder.decode(b"").unwrap_err(), err); // the decoder stays failed
/// assert_eq!(decoder.finish(), Err(err)); // until `finish` (or `reset`)
/// assert!(decoder.decode(b"0\r\n\r\n").is_ok()); // the next body
/// ```
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeError {
    /// A chunk line does not start with a hex digit (`chunk-size = 1*HEXDIG`): an empty size
    /// (`\r\n`), a sign, leading whitespace, `;` with no size.
    #[error("invalid chunk size digit at byte {offset}")]
    InvalidChunkSize {
        /// Bytes from the start of the body.
        offset: u64,
    },
    /// After the size digits came something other than SP/HTAB, `;` or a line end
    /// (`123x`, `0x5`, `5 x`, NUL).
    #[error("invalid byte after chunk size at byte {offset}")]
    InvalidAfterChunkSize {
        /// Bytes from the start of the body.
        offset: u64,
    },
    /// The chunk size does not fit in a `u64` (leading zeros aside, it has more than 16
    /// digits). Reported at the digit that overflows, before any digit limit.
    #[error("chunk size overflows u64 at byte {offset}")]
    ChunkSizeOverflow {
        /// Bytes from the start of the body.
        offset: u64,
    },
    /// SP/HTAB right before a chunk line's line end, with
    /// [`Limits::allow_trailing_whitespace`](super::Limits::allow_trailing_whitespace) off.
    #[error("whitespace before the end of a chunk line at byte {offset}")]
    TrailingWhitespace {
        /// Bytes from the start of the body.
        offset: u64,
    },
    /// A chunk extension breaks `chunk-ext`: an empty name or value, a byte that is not a
    /// `tchar` in a name or token, a control byte, text after a closing quote.
    #[error("invalid chunk extension at byte {offset}")]
    InvalidExtension {
        /// Bytes from the start of the body.
        offset: u64,
    },
    /// A CR or LF inside a quoted-string in a chunk extension: quoted-strings cannot hold line
    /// breaks, escaped or not.
    #[error("line break inside a quoted-string at byte {offset}")]
    UnterminatedQuotedString {
        /// Bytes from the start of the body.
        offset: u64,
    },
    /// A CR not followed by LF.
    #[error("CR not followed by LF at byte {offset}")]
    BareCr {
        /// Bytes from the start of the body.
        offset: u64,
    },
    /// An LF with no CR before it, where a line end is expected (see
    /// [`Limits::allow_bare_lf`](super::Limits::allow_bare_lf)).
    #[error("LF without CR at byte {offset}")]
    BareLf {
        /// Bytes from the start of the body.
        offset: u64,
    },
    /// The bytes after a chunk's data are not CRLF.
    #[error("chunk data not followed by CRLF at byte {offset}")]
    MissingCrlfAfterData {
        /// Bytes from the start of the body.
        offset: u64,
    },
    /// A trailer field name is empty or holds a byte that is not a `tchar`.
    #[error("invalid trailer field name at byte {offset}")]
    InvalidTrailerName {
        /// Bytes from the start of the body.
        offset: u64,
    },
    /// A trailer field line ended before any `:`.
    #[error("trailer field line without a colon at byte {offset}")]
    MissingTrailerColon {
        /// Bytes from the start of the body.
        offset: u64,
    },
    /// SP/HTAB between a trailer field name and its `:` (RFC 9112 §5.1 requires rejecting it).
    #[error("whitespace before the colon of a trailer field at byte {offset}")]
    WhitespaceBeforeColon {
        /// Bytes from the start of the body.
        offset: u64,
    },
    /// A trailer field value holds a control byte (other than HTAB), such as NUL or DEL.
    #[error("invalid byte in a trailer field value at byte {offset}")]
    InvalidTrailerValue {
        /// Bytes from the start of the body.
        offset: u64,
    },
    /// A trailer line starts with SP/HTAB: obs-fold, which RFC 9112 §5.2 forbids here.
    #[error("trailer line starts with whitespace (obs-fold) at byte {offset}")]
    ObsFold {
        /// Bytes from the start of the body.
        offset: u64,
    },
    /// A limit of the decoder's [`Limits`](super::Limits) was exceeded: `limit` names it.
    #[error("limit {limit} exceeded at byte {offset}")]
    LimitExceeded {
        /// Which limit.
        limit: Limit,
        /// Bytes from the start of the body: the first byte over the limit.
        offset: u64,
    },
    /// [`Decoder::finish`](super::Decoder::finish) was called before the end of the body: the
    /// body was cut short. This is never a complete body.
    #[error("input ended inside the chunked body at byte {offset}")]
    Truncated {
        /// Bytes from the start of the body: where the input stopped.
        offset: u64,
    },
    /// The caller broke the [`decode`](super::Decoder::decode) contract: the input was shorter
    /// than the bytes the previous call asked the caller to keep.
    #[error("input shorter than the bytes the decoder asked to keep at byte {offset}")]
    InputShrunk {
        /// Bytes from the start of the body.
        offset: u64,
    },
}

impl DecodeError {
    /// Where: bytes from the start of the chunked body (see the type's docs).
    #[must_use]
    pub fn offset(&self) -> u64 {
        match *self {
            DecodeError::InvalidChunkSize { offset }
            | DecodeError::InvalidAfterChunkSize { offset }
            | DecodeError::ChunkSizeOverflow { offset }
            | DecodeError::TrailingWhitespace { offset }
            | DecodeError::InvalidExtension { offset }
            | DecodeError::UnterminatedQuotedString { offset }
            | DecodeError::BareCr { offset }
            | DecodeError::BareLf { offset }
            | DecodeError::MissingCrlfAfterData { offset }
            | DecodeError::InvalidTrailerName { offset }
            | DecodeError::MissingTrailerColon { offset }
            | DecodeError::WhitespaceBeforeColon { offset }
            | DecodeError::InvalidTrailerValue { offset }
            | DecodeError::ObsFold { offset }
            | DecodeError::LimitExceeded { offset, .. }
            | DecodeError::Truncated { offset }
            | DecodeError::InputShrunk { offset } => offset,
        }
    }
}

#[cfg(feature = "std")]
impl From<DecodeError> for std::io::Error {
    fn from(e: DecodeError) -> Self {
        let kind = match e {
            DecodeError::Truncated { .. } => std::io::ErrorKind::UnexpectedEof,
            _ => std::io::ErrorKind::InvalidData,
        };
        std::io::Error::new(kind, e)
    }
}

/// The limit named by [`DecodeError::LimitExceeded`]; each is a field of
/// [`Limits`](super::Limits), and displays as that field's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// [`Limits::max_size_digits`](super::Limits::max_size_digits).
    SizeDigits,
    /// [`Limits::max_chunk_line`](super::Limits::max_chunk_line).
    ChunkLine,
    /// [`Limits::max_extension_bytes`](super::Limits::max_extension_bytes).
    ExtensionBytes,
    /// [`Limits::max_trailer_bytes`](super::Limits::max_trailer_bytes).
    TrailerBytes,
    /// [`Limits::max_trailer_fields`](super::Limits::max_trailer_fields).
    TrailerFields,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::SizeDigits => "max_size_digits",
            Limit::ChunkLine => "max_chunk_line",
            Limit::ExtensionBytes => "max_extension_bytes",
            Limit::TrailerBytes => "max_trailer_bytes",
            Limit::TrailerFields => "max_trailer_fields",
        })
    }
}

/// Why an [`Encoder`](super::Encoder) refused to write, or a [`ChunkExt`](super::ChunkExt) or
/// [`TrailerField`](super::TrailerField) could not be made.
///
/// Nothing is written when an error is returned, and the encoder's state is unchanged. The
/// validation errors say where the first offending byte is (`at`, a byte offset into the name
/// or value given), as the SSE encoder's errors do.
///
/// ```
/// use sse_wire::chunked::{EncodeError, TrailerField};
///
/// assert_eq!(
///     TrailerField::new("X-Note", "ok\r\nInjected: 1").unwrap_err(),
///     EncodeError::InvalidTrailerValue { at: 2 }
/// );
/// assert_eq!(
///     TrailerField::new("X-Note", "ok ").unwrap_err(),
///     EncodeError::TrailerValueWhitespace { at: 2 }
/// );
/// ```
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// A chunk extension name is empty or not a `token`: `at` is the first byte that is not a
    /// `tchar` (0 for an empty name).
    #[error("chunk extension name is not a token (byte {at})")]
    InvalidExtensionName {
        /// Byte offset in the name.
        at: usize,
    },
    /// A chunk extension value holds a control byte other than HTAB (CR, LF, NUL, DEL...),
    /// which no quoted-string can carry: `at` is the first one.
    #[error("chunk extension value holds a control byte at byte {at}")]
    InvalidExtensionValue {
        /// Byte offset in the value.
        at: usize,
    },
    /// A trailer field name is empty or not a `token`: `at` is the first byte that is not a
    /// `tchar` (0 for an empty name).
    #[error("trailer field name is not a token (byte {at})")]
    InvalidTrailerName {
        /// Byte offset in the name.
        at: usize,
    },
    /// A trailer field value holds a control byte other than HTAB: CR, LF, NUL, DEL...
    /// (RFC 9110 §5.5: field values are `field-vchar`, SP and HTAB). A CR or LF would let the
    /// value inject lines. `at` is the first one.
    #[error("trailer field value holds a control byte at byte {at}")]
    InvalidTrailerValue {
        /// Byte offset in the value.
        at: usize,
    },
    /// A trailer field value starts or ends with SP or HTAB (`at` is the first such byte).
    /// RFC 9112 §5.1 makes a recipient strip it, so it would not arrive.
    #[error("trailer field value holds leading or trailing whitespace at byte {at}")]
    TrailerValueWhitespace {
        /// Byte offset in the value.
        at: usize,
    },
    /// The field may not be sent in a trailer section (framing, routing, request modifiers,
    /// authentication, response control or content processing; RFC 9110 §6.5.1). See
    /// [`TrailerField::new`](super::TrailerField::new) for the list and
    /// [`TrailerField::new_unrestricted`](super::TrailerField::new_unrestricted) to send one
    /// anyway.
    #[error("field not allowed in a trailer section")]
    ForbiddenTrailer,
    /// The body was already finished; nothing can follow the last chunk.
    #[error("chunked body already finished")]
    Finished,
    /// The destination buffer has less room than the encoding needs.
    #[error("output buffer too small: {required} bytes needed, {available} available")]
    BufferTooSmall {
        /// Bytes the write needs.
        required: usize,
        /// `BufMut::remaining_mut` of the destination.
        available: usize,
    },
    /// The encoding would be longer than `usize::MAX` bytes, so no buffer can hold it. Only
    /// reachable on targets with a small `usize` (32-bit), for example with many trailer fields
    /// or extensions that share one large value.
    #[error("encoded length does not fit in usize")]
    LengthOverflow,
}

#[cfg(feature = "std")]
impl From<EncodeError> for std::io::Error {
    fn from(e: EncodeError) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, e)
    }
}
