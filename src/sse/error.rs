use thiserror::Error;

/// Why [`Decoder`](super::Decoder) could not go on with the current event.
///
/// The decoder itself stays usable: the data and event type of the event being decoded when a
/// limit was exceeded are discarded, and decoding resumes after the next blank line. The
/// event's `id` and `retry` fields still take effect, wherever they stand in it, as for a block
/// without data: the blank line that ends it commits the `id` and yields the `Control` item
/// such a block yields (after this error), so that a client that reconnects does not ask for
/// the dropped event again, forever (a field line of it that is itself over `max_line_len` is
/// lost). Items decoded before the error have already been returned. Offsets count bytes from the start of the stream (a leading
/// BOM included).
///
/// ```
/// use sse_wire::sse::{DecodeError, Decoder, Limit, Limits};
///
/// let mut limits = Limits::default();
/// limits.max_line_len = 4;
/// let err = Decoder::with_limits(limits).decode(b"data: long\n\n").unwrap_err();
/// assert_eq!(err, DecodeError::LimitExceeded { limit: Limit::LineLen, offset: 4 });
/// assert_eq!(err.offset(), 4);
/// assert_eq!(err.to_string(), "line exceeds the max_line_len limit at byte 4 of the stream");
/// ```
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// A bound of [`Limits`](super::Limits) was exceeded: a line (of any kind: field, comment
    /// or unterminated last line) longer than `max_line_len`, or an event's data larger than
    /// `max_event_size`.
    #[error("{} exceeds the {limit} limit at byte {offset} of the stream", limit.what())]
    LimitExceeded {
        /// The [`Limits`](super::Limits) field exceeded.
        limit: Limit,
        /// Stream offset of the first byte past the limit (for `max_event_size`, the first data
        /// byte past it).
        offset: u64,
    },
    /// The borrowed [`Decoder::decode`](super::Decoder::decode) was given fewer bytes than it had
    /// asked the caller to keep: the caller dropped more than `consumed` bytes.
    #[error("input shorter than the bytes the decoder asked the caller to keep, at byte {offset} of the stream")]
    InputShrunk {
        /// Stream offset of the input's first byte.
        offset: u64,
    },
}

impl DecodeError {
    /// The stream offset the error is reported at.
    #[must_use]
    pub fn offset(&self) -> u64 {
        match *self {
            DecodeError::LimitExceeded { offset, .. } | DecodeError::InputShrunk { offset, .. } => {
                offset
            }
        }
    }
}

/// A bound of [`Limits`](super::Limits), named in [`DecodeError::LimitExceeded`]. Its `Display`
/// is the field's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// [`Limits::max_line_len`](super::Limits::max_line_len).
    LineLen,
    /// [`Limits::max_event_size`](super::Limits::max_event_size).
    EventSize,
}

impl Limit {
    /// What the limit bounds, for [`DecodeError`]'s message.
    fn what(self) -> &'static str {
        match self {
            Limit::LineLen => "line",
            Limit::EventSize => "event data",
        }
    }
}

impl core::fmt::Display for Limit {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Limit::LineLen => "max_line_len",
            Limit::EventSize => "max_event_size",
        })
    }
}

#[cfg(feature = "std")]
impl From<DecodeError> for std::io::Error {
    fn from(e: DecodeError) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidData, e)
    }
}

/// The stream ended inside an event: returned by [`Decoder::finish`](super::Decoder::finish).
///
/// The HTML standard discards an event that no blank line ended ("If the file ends in the middle
/// of an event, before the final empty line, the incomplete event is not dispatched"), and so does
/// this crate; this value tells the caller that it happened, so that a cut-off response (an LLM
/// answer that stopped mid-event) is not mistaken for a finished one.
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
#[error("stream ended inside an event: {fields} field line(s) with {data_len} data byte(s) and {partial_line} byte(s) of an unterminated line were discarded")]
pub struct Truncated {
    /// Field lines (`data`, `event`, `id`, unknown fields) read since the last blank line.
    pub fields: usize,
    /// Bytes of data the discarded event held (what its `data` would have been).
    pub data_len: usize,
    /// Bytes of a last line that had no line end.
    pub partial_line: usize,
}
