//! Decoder configuration: limits and the two opt-in/opt-out leniencies.

/// How a [`Decoder`](super::Decoder) parses: its limits and its leniencies.
///
/// Three presets:
///
/// * [`Config::default()`]: the RFC 9112 §7.1 grammar, except that SP/HTAB right before the
///   CRLF of a chunk line is tolerated (see
///   [`allow_trailing_whitespace`](Config::allow_trailing_whitespace)). Bare LF is an error.
/// * [`Config::strict()`]: the grammar to the letter; trailing whitespace is an error too.
/// * [`Config::lenient()`]: the default plus bare LF accepted as a line end. Read the warning on
///   [`allow_bare_lf`](Config::allow_bare_lf) before using it.
///
/// Every limit counts raw input bytes and ends decoding with
/// [`ErrorKind::LimitExceeded`](super::ErrorKind::LimitExceeded) naming the [`Limit`](super::Limit)
/// when exceeded. The limits bound the bytes the caller must keep for a line that has not ended
/// (a chunk line or one trailer field line) and the non-data work one message can cost.
///
/// ```
/// use sse_wire::chunked::{Config, Decoder};
///
/// let config = Config::strict().max_trailer_fields(10).max_extension_bytes(1024);
/// let decoder = Decoder::with_config(config);
/// assert_eq!(decoder.config().max_trailer_fields, 10);
/// assert!(!decoder.config().allow_trailing_whitespace);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Most significant hex digits in a chunk size: leading zeros are not counted. Default: 16.
    ///
    /// RFC 9112 §7.1 allows any number of leading zeros (`chunk-size = 1*HEXDIG`,
    /// `last-chunk = 1*("0")`), and hyper, llhttp and Python accept them, so
    /// `000000000000000005` and a last chunk of twenty zeros are valid whatever this limit; the
    /// length of such a line is bounded by [`max_chunk_line`](Config::max_chunk_line) instead
    /// ([`Limit::ChunkLine`](super::Limit::ChunkLine)). (Go, httparse and picohttpparser count
    /// leading zeros and reject these.)
    ///
    /// Sixteen digits hold any `u64`: with the default (or any larger value) a 17th significant
    /// digit is a size above `u64::MAX` and fails as
    /// [`ChunkSizeOverflow`](super::ErrorKind::ChunkSizeOverflow), so only a smaller limit ever
    /// reports [`Limit::SizeDigits`](super::Limit::SizeDigits). The size is checked for overflow
    /// before the digit is counted against this limit.
    pub max_size_digits: usize,
    /// Longest chunk line (size digits and extensions, line end excluded). Default: 4096 (Go).
    pub max_chunk_line: usize,
    /// Most chunk extension bytes in one message: every byte of every chunk line after the
    /// size digits, line ends excluded. Default: 16 KiB (hyper).
    ///
    /// This is a per-message budget, not a per-line one, so that a body of many small chunks
    /// cannot make the reader process megabytes of ignored extensions (Go CVE-2023-39326).
    pub max_extension_bytes: usize,
    /// Most bytes in the trailer section: every trailer field line with its line end (the
    /// final empty line is not counted). Default: 16 KiB (hyper).
    pub max_trailer_bytes: usize,
    /// Most trailer fields. Default: 100 (hyper).
    pub max_trailer_fields: usize,
    /// Accept SP/HTAB right before the line end of a chunk line (`5 \r\n`, `5;a=b\t\r\n`).
    /// Default: `true`; [`Config::strict`] sets it to `false`.
    ///
    /// This whitespace is outside the RFC 9112 grammar (BWS is only allowed before `;` and
    /// around `=`), but hyper, Go, picohttpparser and h11 accept it and some servers send it.
    /// It does not change where the line ends or what the size and extensions are, so two
    /// parsers that differ on it can only disagree by one of them failing, never by framing the
    /// body differently. The whitespace is not part of the reported
    /// [`Extensions`](super::Extensions). When `false` the line is rejected with
    /// [`TrailingWhitespace`](super::ErrorKind::TrailingWhitespace) at the first such byte.
    pub allow_trailing_whitespace: bool,
    /// Accept a bare LF (with no CR before it) as a line end: after a chunk line, after chunk
    /// data, after a trailer field and as the final empty line. Default: `false`.
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

impl Config {
    /// Default for [`max_size_digits`](Config::max_size_digits).
    pub const DEFAULT_MAX_SIZE_DIGITS: usize = 16;
    /// Default for [`max_chunk_line`](Config::max_chunk_line).
    pub const DEFAULT_MAX_CHUNK_LINE: usize = 4096;
    /// Default for [`max_extension_bytes`](Config::max_extension_bytes).
    pub const DEFAULT_MAX_EXTENSION_BYTES: usize = 16 * 1024;
    /// Default for [`max_trailer_bytes`](Config::max_trailer_bytes).
    pub const DEFAULT_MAX_TRAILER_BYTES: usize = 16 * 1024;
    /// Default for [`max_trailer_fields`](Config::max_trailer_fields).
    pub const DEFAULT_MAX_TRAILER_FIELDS: usize = 100;

    /// The default configuration (same as [`Default::default`]).
    #[must_use]
    pub const fn new() -> Self {
        Config {
            max_size_digits: Self::DEFAULT_MAX_SIZE_DIGITS,
            max_chunk_line: Self::DEFAULT_MAX_CHUNK_LINE,
            max_extension_bytes: Self::DEFAULT_MAX_EXTENSION_BYTES,
            max_trailer_bytes: Self::DEFAULT_MAX_TRAILER_BYTES,
            max_trailer_fields: Self::DEFAULT_MAX_TRAILER_FIELDS,
            allow_trailing_whitespace: true,
            allow_bare_lf: false,
        }
    }

    /// The RFC 9112 grammar with no leniency at all: default limits, trailing whitespace and
    /// bare LF both rejected.
    #[must_use]
    pub const fn strict() -> Self {
        Self::new().allow_trailing_whitespace(false)
    }

    /// The default plus bare LF accepted as a line end. See the security warning on
    /// [`allow_bare_lf`](Config::allow_bare_lf).
    #[must_use]
    pub const fn lenient() -> Self {
        Self::new().allow_bare_lf(true)
    }

    /// Sets [`max_size_digits`](Config::max_size_digits).
    #[must_use]
    pub const fn max_size_digits(mut self, digits: usize) -> Self {
        self.max_size_digits = digits;
        self
    }

    /// Sets [`max_chunk_line`](Config::max_chunk_line).
    #[must_use]
    pub const fn max_chunk_line(mut self, bytes: usize) -> Self {
        self.max_chunk_line = bytes;
        self
    }

    /// Sets [`max_extension_bytes`](Config::max_extension_bytes).
    #[must_use]
    pub const fn max_extension_bytes(mut self, bytes: usize) -> Self {
        self.max_extension_bytes = bytes;
        self
    }

    /// Sets [`max_trailer_bytes`](Config::max_trailer_bytes).
    #[must_use]
    pub const fn max_trailer_bytes(mut self, bytes: usize) -> Self {
        self.max_trailer_bytes = bytes;
        self
    }

    /// Sets [`max_trailer_fields`](Config::max_trailer_fields).
    #[must_use]
    pub const fn max_trailer_fields(mut self, fields: usize) -> Self {
        self.max_trailer_fields = fields;
        self
    }

    /// Sets [`allow_trailing_whitespace`](Config::allow_trailing_whitespace).
    #[must_use]
    pub const fn allow_trailing_whitespace(mut self, allow: bool) -> Self {
        self.allow_trailing_whitespace = allow;
        self
    }

    /// Sets [`allow_bare_lf`](Config::allow_bare_lf). See its security warning.
    #[must_use]
    pub const fn allow_bare_lf(mut self, allow: bool) -> Self {
        self.allow_bare_lf = allow;
        self
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}
