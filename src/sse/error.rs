use thiserror::Error;

/// Why [`Decoder`](super::Decoder) could not go on with the current event.
///
/// The decoder itself stays usable: the event being decoded when a limit was exceeded is
/// discarded whole, and decoding resumes after the next blank line. Items decoded before the
/// error have already been returned. Offsets count bytes from the start of the stream (a leading
/// BOM included).
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// A line (of any kind: field, comment or unterminated last line) exceeded
    /// [`Limits::max_line_len`](super::Limits::max_line_len).
    #[error("line exceeds the max_line_len limit of {limit} bytes at byte {offset} of the stream")]
    LineTooLong {
        /// The limit in force.
        limit: usize,
        /// Stream offset of the first byte past the limit.
        offset: u64,
    },
    /// An event's data exceeded [`Limits::max_event_size`](super::Limits::max_event_size).
    #[error("event data exceeds the max_event_size limit of {limit} bytes at byte {offset} of the stream")]
    EventTooLarge {
        /// The limit in force.
        limit: usize,
        /// Stream offset of the first data byte past the limit.
        offset: u64,
    },
    /// The borrowed [`Decoder::decode`](super::Decoder::decode) was given fewer bytes than it had
    /// asked the caller to keep: the caller dropped more than `consumed` bytes.
    #[error("input holds {given} bytes but the decoder had not released {retained}: more than `consumed` bytes were dropped")]
    InputShrunk {
        /// Bytes the decoder expected at the front of the input.
        retained: usize,
        /// Bytes given.
        given: usize,
    },
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
