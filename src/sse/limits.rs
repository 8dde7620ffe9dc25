/// Size limits that bound the memory a [`Decoder`](super::Decoder) makes its caller hold.
///
/// Both limits count raw input bytes. Exceeding one returns a [`DecodeError`](super::DecodeError); the event in
/// progress is discarded and decoding resumes after the next blank line.
///
/// ```
/// use sse_wire::sse::{Decoder, Limits};
///
/// let limits = Limits::default().max_line_len(64 * 1024).max_event_size(256 * 1024);
/// let decoder = Decoder::with_limits(limits);
/// assert_eq!(decoder.limits().max_event_size, 256 * 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Longest line accepted, line end excluded. Default: 8 MiB.
    ///
    /// This bounds the bytes a caller must keep for a line that has not ended yet.
    pub max_line_len: usize,
    /// Most data one event may carry (the joined `data` lines, as dispatched). Default: 16 MiB.
    pub max_event_size: usize,
}

impl Limits {
    /// Default for [`max_line_len`](Limits::max_line_len): 8 MiB.
    pub const DEFAULT_MAX_LINE_LEN: usize = 8 << 20;
    /// Default for [`max_event_size`](Limits::max_event_size): 16 MiB.
    pub const DEFAULT_MAX_EVENT_SIZE: usize = 16 << 20;

    /// Sets [`max_line_len`](Limits::max_line_len).
    #[must_use]
    pub const fn max_line_len(mut self, bytes: usize) -> Self {
        self.max_line_len = bytes;
        self
    }

    /// Sets [`max_event_size`](Limits::max_event_size).
    #[must_use]
    pub const fn max_event_size(mut self, bytes: usize) -> Self {
        self.max_event_size = bytes;
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_len: Self::DEFAULT_MAX_LINE_LEN,
            max_event_size: Self::DEFAULT_MAX_EVENT_SIZE,
        }
    }
}
