//! The owned buffers (`Bytes`, `BytesMut`) the decoders' owned front ends split items off.

use bytes::{Buf, Bytes, BytesMut};

/// An owned buffer the decoder can split items off.
pub(crate) trait OwnedInput {
    fn as_slice(&self) -> &[u8];
    fn take_front(&mut self, n: usize) -> Bytes;
    fn drop_front(&mut self, n: usize);
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
}
