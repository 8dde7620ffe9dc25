//! Decoding and encoding errors.

use core::fmt;

use thiserror::Error;

/// Why a [`Decoder`](super::Decoder) rejected its input.
///
/// `offset` counts bytes from the start of the chunked body (the first byte of the first chunk
/// line) and points at the byte that made the input invalid: the first byte over a limit, the
/// bad byte itself, or the CR of a CR not followed by LF. For
/// [`Truncated`](ErrorKind::Truncated) it is where the input stopped.
///
/// Errors are final: after returning one, the decoder returns the same error for every later
/// call (call [`Decoder::reset`](super::Decoder::reset) to decode a new body). A chunked body
/// that failed to parse cannot be resynchronised safely, and the connection it came on should
/// be closed.
///
/// ```
/// use sse_wire::chunked::{Decoder, ErrorKind};
///
/// let mut decoder = Decoder::new();
/// let mut input: &[u8] = b"5\r\nhello\r\n12x\r\n";
/// let err = loop {
///     match decoder.decode(input) {
///         Ok(decoded) => input = &input[decoded.consumed..],
///         Err(e) => break e,
///     }
/// };
/// assert_eq!(err.kind, ErrorKind::InvalidAfterChunkSize);
/// assert_eq!(err.offset, 12);
/// assert_eq!(err.to_string(), "invalid byte after chunk size at byte 12");
/// assert_eq!(decoder.decode(b"").unwrap_err(), err); // the decoder stays failed
/// ```
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[error("{kind} at byte {offset}")]
pub struct Error {
    /// What was wrong.
    pub kind: ErrorKind,
    /// Where: bytes from the start of the chunked body.
    pub offset: u64,
}

#[cfg(feature = "std")]
impl From<Error> for std::io::Error {
    fn from(e: Error) -> Self {
        let kind = match e.kind {
            ErrorKind::Truncated => std::io::ErrorKind::UnexpectedEof,
            _ => std::io::ErrorKind::InvalidData,
        };
        std::io::Error::new(kind, e)
    }
}

/// The kinds of [`Error`](struct@Error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A chunk line does not start with a hex digit (`chunk-size = 1*HEXDIG`): an empty size
    /// (`\r\n`), a sign, leading whitespace, `;` with no size.
    InvalidChunkSize,
    /// After the size digits came something other than SP/HTAB, `;` or a line end
    /// (`123x`, `0x5`, `5 x`, NUL).
    InvalidAfterChunkSize,
    /// The chunk size does not fit in a `u64` (leading zeros aside, it has more than 16
    /// digits). Reported at the digit that overflows, before any digit limit.
    ChunkSizeOverflow,
    /// SP/HTAB right before a chunk line's line end, with
    /// [`Config::allow_trailing_whitespace`](super::Config::allow_trailing_whitespace) off.
    TrailingWhitespace,
    /// A chunk extension breaks `chunk-ext`: an empty name or value, a byte that is not a
    /// `tchar` in a name or token, a control byte, text after a closing quote.
    InvalidExtension,
    /// A CR or LF inside a quoted-string in a chunk extension: quoted-strings cannot hold line
    /// breaks, escaped or not.
    UnterminatedQuotedString,
    /// A CR not followed by LF.
    BareCr,
    /// An LF with no CR before it, where a line end is expected (see
    /// [`Config::allow_bare_lf`](super::Config::allow_bare_lf)).
    BareLf,
    /// The bytes after a chunk's data are not CRLF.
    MissingCrlfAfterData,
    /// A trailer field name is empty or holds a byte that is not a `tchar`.
    InvalidTrailerName,
    /// A trailer field line ended before any `:`.
    MissingTrailerColon,
    /// SP/HTAB between a trailer field name and its `:` (RFC 9112 §5.1 requires rejecting it).
    WhitespaceBeforeColon,
    /// A trailer field value holds a control byte (other than HTAB), such as NUL or DEL.
    InvalidTrailerValue,
    /// A trailer line starts with SP/HTAB: obs-fold, which RFC 9112 §5.2 forbids here.
    ObsFold,
    /// A configured limit was exceeded.
    LimitExceeded(Limit),
    /// [`Decoder::finish`](super::Decoder::finish) was called before the end of the body: the
    /// body was cut short. This is never a complete body.
    Truncated,
    /// The caller broke the [`decode`](super::Decoder::decode) contract: the input was shorter
    /// than the bytes the previous call asked the caller to keep.
    InputShrunk,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::InvalidChunkSize => "invalid chunk size digit",
            ErrorKind::InvalidAfterChunkSize => "invalid byte after chunk size",
            ErrorKind::ChunkSizeOverflow => "chunk size overflows u64",
            ErrorKind::TrailingWhitespace => "whitespace before the end of a chunk line",
            ErrorKind::InvalidExtension => "invalid chunk extension",
            ErrorKind::UnterminatedQuotedString => "line break inside a quoted-string",
            ErrorKind::BareCr => "CR not followed by LF",
            ErrorKind::BareLf => "LF without CR",
            ErrorKind::MissingCrlfAfterData => "chunk data not followed by CRLF",
            ErrorKind::InvalidTrailerName => "invalid trailer field name",
            ErrorKind::MissingTrailerColon => "trailer field line without a colon",
            ErrorKind::WhitespaceBeforeColon => "whitespace before the colon of a trailer field",
            ErrorKind::InvalidTrailerValue => "invalid byte in a trailer field value",
            ErrorKind::ObsFold => "trailer line starts with whitespace (obs-fold)",
            ErrorKind::LimitExceeded(limit) => return write!(f, "limit {limit} exceeded"),
            ErrorKind::Truncated => "input ended inside the chunked body",
            ErrorKind::InputShrunk => "input shorter than the bytes the decoder asked to keep",
        })
    }
}

/// The limit named by [`ErrorKind::LimitExceeded`]; each is a field of
/// [`Config`](super::Config), and displays as that field's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// [`Config::max_size_digits`](super::Config::max_size_digits).
    SizeDigits,
    /// [`Config::max_chunk_line`](super::Config::max_chunk_line).
    ChunkLine,
    /// [`Config::max_extension_bytes`](super::Config::max_extension_bytes).
    ExtensionBytes,
    /// [`Config::max_trailer_bytes`](super::Config::max_trailer_bytes).
    TrailerBytes,
    /// [`Config::max_trailer_fields`](super::Config::max_trailer_fields).
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
/// use sse_wire::chunked::{EncodeError, TrailerField, ValueProblem};
///
/// assert_eq!(
///     TrailerField::new("X-Note", "ok\r\nInjected: 1").unwrap_err(),
///     EncodeError::InvalidTrailerValue { at: 2, problem: ValueProblem::ControlByte }
/// );
/// assert_eq!(
///     TrailerField::new("X-Note", "ok ").unwrap_err(),
///     EncodeError::InvalidTrailerValue { at: 2, problem: ValueProblem::SurroundingWhitespace }
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
    /// A trailer field value cannot be sent as it is: see `problem`.
    #[error("trailer field value holds {problem} at byte {at}")]
    InvalidTrailerValue {
        /// Byte offset in the value of the first offending byte.
        at: usize,
        /// What is wrong there.
        problem: ValueProblem,
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

/// What is wrong with a trailer field value, in [`EncodeError::InvalidTrailerValue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueProblem {
    /// A control byte other than HTAB: CR, LF, NUL, DEL... (RFC 9110 §5.5: field values are
    /// `field-vchar`, SP and HTAB). A CR or LF would let the value inject lines.
    ControlByte,
    /// SP or HTAB at the start or the end of the value. RFC 9112 §5.1 makes a recipient strip
    /// it, so it would not arrive.
    SurroundingWhitespace,
}

impl fmt::Display for ValueProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueProblem::ControlByte => "a control byte",
            ValueProblem::SurroundingWhitespace => "leading or trailing whitespace",
        })
    }
}

#[cfg(feature = "std")]
impl From<EncodeError> for std::io::Error {
    fn from(e: EncodeError) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, e)
    }
}
