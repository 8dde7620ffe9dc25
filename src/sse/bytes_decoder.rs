use alloc::collections::VecDeque;

use bytes::{Buf, Bytes, BytesMut};

use super::decoder::Decoder;
use super::engine::Raw;
use super::{DecodeError, Item, ItemRef, Truncated};

/// A decoder fed with [`Bytes`] pieces, as HTTP clients (hyper, reqwest, …) hand out a body.
///
/// Push each piece with [`push`](BytesDecoder::push), then take items with
/// [`next`](Iterator::next) until it returns `None`. An event that lies within one piece comes
/// out as slices of that piece (no copy); only the lines of an event that straddles two pieces
/// are copied, once, into an internal buffer.
///
/// ```
/// use bytes::Bytes;
/// use sse_wire::sse::{BytesDecoder, Item};
///
/// let mut decoder = BytesDecoder::new();
/// let mut data = Vec::new();
/// for piece in ["data: {\"delta\":\"Hel", "lo\"}\n\ndata: [DO", "NE]\n\n"] {
///     decoder.push(Bytes::from(piece));
///     for item in &mut decoder {
///         if let Item::Event(event) = item.unwrap() {
///             data.push(event.data().to_owned());
///         }
///     }
/// }
/// assert_eq!(data, [r#"{"delta":"Hello"}"#, "[DONE]"]);
/// assert!(decoder.finish().is_ok());
/// ```
#[derive(Debug, Clone, Default)]
pub struct BytesDecoder {
    decoder: Decoder,
    pieces: Pieces,
    /// The start of an event that straddles pieces, extended a line at a time.
    tail: BytesMut,
    /// Bytes at the front of the input (the tail if it is not empty, else the first piece) that
    /// the item [`next_ref`](BytesDecoder::next_ref) lent out was decoded from: dropped at the
    /// next call, once the item's borrow has ended.
    lent: usize,
    /// The engine returned an item from the tail: lines after it, already moved into the tail,
    /// may hold more, so the tail is decoded again before more bytes are moved in.
    tail_unread: bool,
}

impl From<Decoder> for BytesDecoder {
    /// Wraps a configured [`Decoder`] (its limits, whether it reports comments, the last event
    /// ID and reconnection time of an earlier connection).
    fn from(decoder: Decoder) -> Self {
        BytesDecoder {
            decoder,
            pieces: Pieces::default(),
            tail: BytesMut::new(),
            lent: 0,
            tail_unread: false,
        }
    }
}

impl BytesDecoder {
    /// A decoder with the default [`Limits`](super::Limits).
    #[must_use]
    pub fn new() -> Self {
        Self::from(Decoder::new())
    }

    /// Queues the next piece of the stream.
    #[inline]
    pub fn push(&mut self, piece: Bytes) {
        if !piece.is_empty() {
            self.pieces.push(piece);
        }
    }

    /// The wrapped decoder (for [`last_event_id`](Decoder::last_event_id),
    /// [`retry`](Decoder::retry), …).
    #[must_use]
    pub fn decoder(&self) -> &Decoder {
        &self.decoder
    }

    /// Ends the stream; see [`Decoder::finish`].
    ///
    /// Pieces the caller did not iterate through (it stopped at `data: [DONE]`, say) are decoded
    /// first and their items dropped: complete items after the point where the caller stopped
    /// are not a truncation. The result says exactly whether the stream ended inside an event
    /// or a line.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use sse_wire::sse::{BytesDecoder, Item};
    ///
    /// let mut decoder = BytesDecoder::new();
    /// decoder.push(Bytes::from_static(b"data: tok\n\ndata: [DONE]\n\n: keep-alive\n"));
    /// for item in &mut decoder {
    ///     if let Item::Event(e) = item.unwrap() {
    ///         if e.data() == "[DONE]" {
    ///             break;
    ///         }
    ///     }
    /// }
    /// assert!(decoder.finish().is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Truncated`] when the stream did not end at an event boundary.
    pub fn finish(&mut self) -> Result<(), Truncated> {
        // Decoding makes progress after an error too, so this ends when the pieces do.
        while self.next_ref().is_some() {}
        self.settle();
        if !self.tail.is_empty() {
            // `step` leaves the last bytes of a straddling line unscanned: let the decoder see
            // them, so that the truncation report counts them. They hold no line end and are
            // within the line limit, so this yields neither an item nor an error.
            let flushed = self.decoder.decode_buf(&mut self.tail);
            debug_assert!(matches!(flushed, Ok(None)), "{flushed:?}");
        }
        debug_assert!(self.pieces.is_empty());
        self.tail.clear();
        self.decoder.finish()
    }

    /// Readies the decoder for a new connection's stream; see [`Decoder::reset`]. Queued
    /// pieces of the old stream are dropped, the last event ID and reconnection time are kept.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use sse_wire::sse::{BytesDecoder, Item};
    ///
    /// let mut decoder = BytesDecoder::new();
    /// decoder.push(Bytes::from_static(b"id: 7\ndata: a\n\ndata: {\"partial"));
    /// assert_eq!((&mut decoder).count(), 1);
    /// decoder.reset(); // the connection dropped mid-event
    /// decoder.push(Bytes::from_static(b"data: b\n\n"));
    /// let Some(Ok(Item::Event(event))) = decoder.next() else { panic!() };
    /// assert_eq!((event.data(), event.id()), ("b", "7"));
    /// ```
    pub fn reset(&mut self) {
        self.pieces.clear();
        self.tail.clear();
        self.lent = 0;
        self.tail_unread = false;
        self.decoder.reset();
    }

    /// The next item, borrowing the decoder until the next call: for a caller that only looks
    /// at each event (parses its JSON, forwards its text) and keeps nothing of it. No
    /// reference count is touched and nothing is copied that [`next`](Iterator::next) would
    /// not copy; an event that lies in one piece is a view of that piece.
    ///
    /// Returns `None` when the queued pieces hold no complete item: push more. To keep an
    /// event, [`EventRef::into_owned`](super::EventRef::into_owned) copies it (or use the iterator, whose events share
    /// the pieces' memory).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use sse_wire::sse::{BytesDecoder, ItemRef};
    ///
    /// let mut decoder = BytesDecoder::new();
    /// let mut tokens = String::new();
    /// for piece in ["data: Hel", "lo\n\ndata: , world\n\n"] {
    ///     decoder.push(Bytes::from(piece));
    ///     while let Some(item) = decoder.next_ref() {
    ///         if let ItemRef::Event(event) = item? {
    ///             tokens.push_str(event.data());
    ///         }
    ///     }
    /// }
    /// assert_eq!(tokens, "Hello, world");
    /// # Ok::<(), sse_wire::sse::DecodeError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As the iterator: a [`DecodeError`] when a limit is exceeded; decoding goes on after it.
    #[allow(clippy::should_implement_trait)] // a lending iterator: `Iterator` cannot lend
    pub fn next_ref(&mut self) -> Option<Result<ItemRef<'_>, DecodeError>> {
        if self.is_drained() {
            return None;
        }
        self.settle();
        let raw = match self.step()? {
            Ok(raw) => raw,
            Err(e) => return Some(Err(e)),
        };
        let input: &[u8] = if self.tail.is_empty() {
            self.pieces.front()
        } else {
            &self.tail
        };
        Some(Ok(self.decoder.item_ref(raw, input)))
    }

    /// Drops the bytes of the item last lent out.
    #[inline]
    fn settle(&mut self) {
        if self.lent == 0 {
            return;
        }
        let n = core::mem::take(&mut self.lent);
        if n == self.tail.len() {
            // The whole tail (the usual case: it held one event): emptied in place, so that the
            // next straddling event is copied to the front of the same buffer.
            self.tail.clear();
            self.tail_unread = false;
        } else if !self.tail.is_empty() {
            self.tail.advance(n);
        } else if let Some(piece) = self.pieces.front_mut() {
            piece.advance(n);
            if piece.is_empty() {
                self.pieces.pop_front();
            }
        }
    }

    /// Runs the engine until it finds an item in the current input (the tail if it is not
    /// empty, else the first piece), which it leaves in place with `lent` set to the bytes it
    /// takes; `None` when the pieces run out first.
    // Inlined into both front ends, as the engine is into `Decoder::decode`: the `Raw` it
    // returns then never goes through memory.
    #[inline(always)]
    fn step(&mut self) -> Option<Result<Raw, DecodeError>> {
        loop {
            let from_tail = !self.tail.is_empty();
            let step = if from_tail {
                // Lines after the last item may already be in the tail; else bring more in.
                if !core::mem::take(&mut self.tail_unread) && !self.fill_tail()? {
                    continue;
                }
                self.decoder.engine.decode(&self.tail)
            } else {
                self.decoder.engine.decode(self.pieces.front_mut()?)
            };
            match step.item {
                Ok(None) if from_tail => self.tail.advance(step.consumed),
                Ok(None) => {
                    // The piece ends inside an item: keep its start.
                    if let Some(mut rest) = self.pieces.pop_front() {
                        rest.advance(step.consumed);
                        self.tail.extend_from_slice(&rest);
                    }
                }
                Ok(Some(raw)) => {
                    self.tail_unread = from_tail;
                    self.lent = step.consumed;
                    return Some(Ok(raw));
                }
                // Nothing was consumed: the same input is decoded again next time.
                Err(e) => {
                    self.tail_unread = from_tail;
                    return Some(Err(e));
                }
            }
        }
    }

    /// Moves more of the first piece into the tail, which holds the start of an item: `None`
    /// when no piece is queued, `Some(false)` when the engine need not look yet.
    #[inline(always)]
    fn fill_tail(&mut self) -> Option<bool> {
        let piece = self.pieces.front_mut()?;
        if piece.len() <= SMALL_PIECE {
            // Copying a small piece whole costs less than finding its first line end before
            // the engine scans it again.
            self.tail.extend_from_slice(piece);
            self.pieces.pop_front();
            return Some(true);
        }
        // One more line (or the whole piece, if it ends mid-line), and the blank line right
        // after it, which often ends the event.
        let eol = super::engine::find_eol(piece);
        let take = eol.map_or(piece.len(), |i| i + 1 + blank_after(piece, i));
        let before = self.tail.len();
        self.tail.extend_from_slice(&piece[..take]);
        piece.advance(take);
        if piece.is_empty() {
            self.pieces.pop_front();
        }
        if let Some(i) = eol {
            // The bytes before the line end hold none: the engine starts its search at the
            // line end instead of searching them again.
            self.decoder.engine.mark_scanned(before + i);
            return Some(true);
        }
        // No line ended: the engine would only note the new bytes. Tell it they hold no line
        // end, so that it does not search them again; past the line limit it must report it.
        self.decoder.engine.mark_scanned(self.tail.len());
        Some(self.tail.len() > self.decoder.limits().max_line_len)
    }
}

/// Pieces up to this size that continue an event straddling pieces are copied into the tail
/// whole; larger ones a line at a time, so that the events after the straddling one are still
/// slices of the piece.
const SMALL_PIECE: usize = 128;

/// The queued pieces. The first is kept out of the deque: a client that reads one event per
/// piece (an LLM server flushes every token) then never touches the deque at all.
#[derive(Debug, Clone, Default)]
struct Pieces {
    /// The first piece; empty only when there is none.
    head: Bytes,
    rest: VecDeque<Bytes>,
}

impl Pieces {
    /// Queues a non-empty piece.
    #[inline]
    fn push(&mut self, piece: Bytes) {
        if self.head.is_empty() {
            self.head = piece;
        } else {
            self.rest.push_back(piece);
        }
    }

    #[inline]
    fn is_empty(&self) -> bool {
        self.head.is_empty()
    }

    /// The first piece (empty when there is none).
    #[inline]
    fn front(&self) -> &Bytes {
        &self.head
    }

    #[inline]
    fn front_mut(&mut self) -> Option<&mut Bytes> {
        (!self.head.is_empty()).then_some(&mut self.head)
    }

    /// Removes the first piece (which may have been used up, or lent out and emptied) and
    /// makes the next one first; returns it unless it was empty.
    #[inline]
    fn pop_front(&mut self) -> Option<Bytes> {
        let next = self.rest.pop_front().unwrap_or_default();
        let first = core::mem::replace(&mut self.head, next);
        (!first.is_empty()).then_some(first)
    }

    fn clear(&mut self) {
        self.head = Bytes::new();
        self.rest.clear();
    }
}

/// The length of the line end that makes a blank line right after the line end at `hay[i]`
/// (0 when none follows; a CR at the very end may still pair with an LF in the next piece, and
/// is left there).
fn blank_after(hay: &[u8], i: usize) -> usize {
    let crlf = hay[i] == b'\r' && hay.get(i + 1) == Some(&b'\n');
    let next = i + 1 + usize::from(crlf);
    match hay.get(next) {
        Some(b'\n') => usize::from(crlf) + 1,
        Some(b'\r') if hay.get(next + 1) == Some(&b'\n') => usize::from(crlf) + 2,
        _ => usize::from(crlf),
    }
}

impl Iterator for BytesDecoder {
    type Item = Result<Item, DecodeError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.is_drained() {
            return None;
        }
        self.next_owned()
    }
}

impl BytesDecoder {
    /// Nothing left to decode: no piece queued, no unread line in the tail, nothing lent out. (A
    /// caller that reads one event per piece asks once more after each event; this answers it
    /// without the decoding loop.)
    #[inline]
    fn is_drained(&self) -> bool {
        self.pieces.is_empty() && !self.tail_unread && self.lent == 0
    }

    fn next_owned(&mut self) -> Option<Result<Item, DecodeError>> {
        self.settle();
        let raw = match self.step()? {
            Ok(raw) => raw,
            Err(e) => return Some(Err(e)),
        };
        let n = core::mem::take(&mut self.lent);
        if self.tail.is_empty() {
            let piece = self.pieces.front_mut()?;
            let item = self.decoder.item_owned(raw, piece, n);
            if piece.is_empty() {
                self.pieces.pop_front();
            }
            Some(Ok(item))
        } else {
            Some(Ok(self.decoder.item_owned(raw, &mut self.tail, n)))
        }
    }
}
