//! The owned buffers (`Bytes`, `BytesMut`) the decoders' owned front ends split items off.

use bytes::{Buf, Bytes, BytesMut};

/// An owned buffer the decoder can split items off.
pub(crate) trait OwnedInput {
    fn as_slice(&self) -> &[u8];
    fn take_front(&mut self, n: usize) -> Bytes;
    fn drop_front(&mut self, n: usize);
    /// Lends out a `Bytes` that starts with the first `n` bytes (and may hold more), to cut
    /// items' fields from; [`end_loan`](OwnedInput::end_loan) then drops those `n` bytes.
    fn lend_front(&mut self, n: usize) -> Bytes;
    fn end_loan(&mut self, lent: Bytes, n: usize);
}

impl OwnedInput for BytesMut {
    fn as_slice(&self) -> &[u8] {
        self
    }
    fn take_front(&mut self, n: usize) -> Bytes {
        self.split_to(n).freeze()
    }
    fn drop_front(&mut self, n: usize) {
        self.advance(n);
    }
    fn lend_front(&mut self, n: usize) -> Bytes {
        // A `BytesMut` cannot lend a shared view of itself: split the bytes off for good.
        self.take_front(n)
    }
    fn end_loan(&mut self, _: Bytes, _: usize) {}
}

impl OwnedInput for Bytes {
    fn as_slice(&self) -> &[u8] {
        self
    }
    fn take_front(&mut self, n: usize) -> Bytes {
        self.split_to(n)
    }
    fn drop_front(&mut self, n: usize) {
        self.advance(n);
    }
    fn lend_front(&mut self, _: usize) -> Bytes {
        // The whole buffer, moved out and back: slicing fields off it is the only reference
        // count touched.
        core::mem::take(self)
    }
    fn end_loan(&mut self, lent: Bytes, n: usize) {
        // (An empty `lent` with `n == 0`: the lent buffer was used up; `self` is already empty.)
        *self = lent;
        self.advance(n);
    }
}
