/// Size limits that bound the memory a [`Decoder`](super::Decoder) makes its caller hold: plain
/// data, set field by field.
///
/// Both limits count raw input bytes. Exceeding one returns a
/// [`DecodeError::LimitExceeded`](super::DecodeError::LimitExceeded) naming the field
/// ([`Limit`](super::Limit)); the event in progress is dropped (its `id` and `retry` still take
/// effect: see [`DecodeError`](super::DecodeError)) and decoding resumes after the next blank
/// line.
///
/// ```
/// use sse_wire::sse::{Decoder, Limits};
///
/// let mut limits = Limits::default();
/// limits.max_line_len = 64 * 1024;
/// limits.max_event_size = 256 * 1024;
/// let decoder = Decoder::with_limits(limits);
/// assert_eq!(decoder.limits().max_event_size, 256 * 1024);
///
/// // In a const context:
/// const SMALL: Limits = {
///     let mut limits = Limits::new();
///     limits.max_line_len = 512;
///     limits
/// };
/// assert_eq!(SMALL.max_event_size, Limits::default().max_event_size);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Longest line accepted, line end excluded. Default: 8 MiB (`8 << 20`).
    ///
    /// This bounds the bytes a caller must keep for a line that has not ended yet.
    pub max_line_len: usize,
    /// Most data one event may carry (the joined `data` lines, as dispatched). Default: 16 MiB
    /// (`16 << 20`).
    pub max_event_size: usize,
}

impl Limits {
    /// The defaults (as [`Default`]), for const contexts.
    #[must_use]
    pub const fn new() -> Self {
        Limits {
            max_line_len: 8 << 20,
            max_event_size: 16 << 20,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::new()
    }
}
