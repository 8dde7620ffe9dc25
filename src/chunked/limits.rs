//! Decoder limits, and the two strictness switches of the same grammar.

/// The bounds a [`Decoder`](super::Decoder) enforces, and how strictly it reads the grammar:
/// plain data, read by [`Decoder::limits`](super::Decoder::limits).
///
/// Three presets:
///
/// * [`Limits::default()`] (= [`Limits::new()`]): the RFC 9112 §7.1 grammar, except that
///   SP/HTAB right before the CRLF of a chunk line is tolerated (see
///   [`allow_trailing_whitespace`](Limits::allow_trailing_whitespace)). Bare LF is an error.
/// * [`Limits::strict()`]: the grammar to the letter; trailing whitespace is an error too.
/// * [`Limits::lenient()`]: the default plus bare LF accepted as a line end. Read the warning on
///   [`allow_bare_lf`](Limits::allow_bare_lf) before using it.
///
/// Every limit counts raw input bytes and ends decoding with
/// [`DecodeError::LimitExceeded`](super::DecodeError::LimitExceeded) naming the
/// [`Limit`](super::Limit) when exceeded. The limits bound the bytes the caller must keep for a
/// line that has not ended (a chunk line or one trailer field line) and the non-data work one
/// message can cost.
///
/// The two `allow_*` switches are not byte limits but live here all the same: they say how much
/// of the same chunk-line grammar the decoder accepts, so they belong with the other bounds on
/// that grammar (and [`strict`](Limits::strict)/[`lenient`](Limits::lenient) are exactly
/// settings of them).
///
/// ```
/// use sse_wire::chunked::{Decoder, Limits};
///
/// let mut limits = Limits::strict();
/// limits.max_trailer_fields = 10;
/// limits.max_extension_bytes = 1024;
/// let decoder = Decoder::with_limits(limits);
/// assert_eq!(decoder.limits().max_trailer_fields, 10);
/// assert!(!decoder.limits().allow_trailing_whitespace);
///
/// // In a const context:
/// const SMALL: Limits = {
///     let mut limits = Limits::new();
///     limits.max_chunk_line = 64;
///     limits
/// };
/// assert_eq!(Decoder::with_limits(SMALL).limits().max_chunk_line, 64);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Most significant hex digits in a chunk size: leading zeros are not counted. Default: 16.
    ///
    /// RFC 9112 §7.1 allows any number of leading zeros (`chunk-size = 1*HEXDIG`,
    /// `last-chunk = 1*("0")`), and hyper, llhttp and Python accept them, so
    /// `000000000000000005` and a last chunk of twenty zeros are valid whatever this limit; the
    /// length of such a line is bounded by [`max_chunk_line`](Limits::max_chunk_line) instead
    /// ([`Limit::ChunkLine`](super::Limit::ChunkLine)). (Go, httparse and picohttpparser count
    /// leading zeros and reject these.)
    ///
    /// Sixteen digits hold any `u64`: with the default (or any larger value) a 17th significant
    /// digit is a size above `u64::MAX` and fails as
    /// [`ChunkSizeOverflow`](super::DecodeError::ChunkSizeOverflow), so only a smaller limit
    /// ever reports [`Limit::SizeDigits`](super::Limit::SizeDigits). The size is checked for
    /// overflow before the digit is counted against this limit.
    pub max_size_digits: usize,
    /// Longest chunk line (size digits and extensions, line end excluded). Default: 4096 (Go).
    pub max_chunk_line: usize,
    /// Most chunk extension bytes in one message: every byte of every chunk line after the
    /// size digits, line ends excluded. Default: 16 KiB (16384, hyper).
    ///
    /// This is a per-message budget, not a per-line one, so that a body of many small chunks
    /// cannot make the reader process megabytes of ignored extensions (Go CVE-2023-39326).
    pub max_extension_bytes: usize,
    /// Most bytes in the trailer section: every trailer field line with its line end (the
    /// final empty line is not counted). Default: 16 KiB (16384, hyper).
    pub max_trailer_bytes: usize,
    /// Most trailer fields. Default: 100 (hyper).
    pub max_trailer_fields: usize,
    /// Accept SP/HTAB right before the line end of a chunk line (`5 \r\n`, `5;a=b\t\r\n`).
    /// Default: `true`; [`Limits::strict`] sets it to `false`.
    ///
    /// This whitespace is outside the RFC 9112 grammar (BWS is only allowed before `;` and
    /// around `=`), but hyper, Go, picohttpparser and h11 accept it and some servers send it.
    /// It does not change where the line ends or what the size and extensions are, so two
    /// parsers that differ on it can only disagree by one of them failing, never by framing the
    /// body differently. The whitespace is not part of the reported
    /// [`ExtensionsRef`](super::ExtensionsRef). When `false` the line is rejected with
    /// [`TrailingWhitespace`](super::DecodeError::TrailingWhitespace) at the first such byte.
    pub allow_trailing_whitespace: bool,
    /// Accept a bare LF (with no CR before it) as a line end: after a chunk line, after chunk
    /// data, after a trailer field and as the final empty line. Default: `false`;
    /// [`Limits::lenient`] sets it to `true`.
    ///
    /// # Security
    ///
    /// **Enabling this makes the decoder disagree with RFC-conformant peers about where the
    /// body ends, which is the root of request smuggling.** RFC 9112 §2.2 lets a recipient
    /// accept bare LF in the start line and header fields, not in chunked framing (erratum 7633,
    /// which asked for that, was rejected). A proxy in front of this decoder that lets an LF
    /// through inside a chunk extension (as Kestrel did, CVE-2025-55315) or that treats it as
    /// data while this decoder ends the line there (Go CVE-2025-22871, Netty CVE-2025-58056)
    /// will forward bytes that this decoder reads as a different message. Enable it only for
    /// input that comes straight from a known, broken peer and is never relayed; a bare CR is
    /// an error either way.
    pub allow_bare_lf: bool,
}

impl Limits {
    /// The defaults (same as [`Default::default`]), for const contexts.
    #[must_use]
    pub const fn new() -> Self {
        Limits {
            max_size_digits: 16,
            max_chunk_line: 4096,
            max_extension_bytes: 16 * 1024,
            max_trailer_bytes: 16 * 1024,
            max_trailer_fields: 100,
            allow_trailing_whitespace: true,
            allow_bare_lf: false,
        }
    }

    /// The RFC 9112 grammar with no leniency at all: default limits, trailing whitespace and
    /// bare LF both rejected.
    #[must_use]
    pub const fn strict() -> Self {
        let mut limits = Self::new();
        limits.allow_trailing_whitespace = false;
        limits
    }

    /// The default plus bare LF accepted as a line end. See the security warning on
    /// [`allow_bare_lf`](Limits::allow_bare_lf).
    #[must_use]
    pub const fn lenient() -> Self {
        let mut limits = Self::new();
        limits.allow_bare_lf = true;
        limits
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::new()
    }
}
