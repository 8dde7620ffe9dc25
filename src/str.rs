//! [`Str`]: an immutable, cheaply cloneable UTF-8 string backed by [`Bytes`].

use alloc::string::String;
use core::{borrow::Borrow, fmt, hash, ops::Deref};

use bytes::Bytes;
use bytestring::ByteString;

/// An immutable UTF-8 string that shares its storage with the [`Bytes`] it was cut from.
///
/// Decoded events hand out their fields as `Str`: when a field came in one piece of an owned
/// input buffer, the `Str` is a slice of that buffer (no copy, no allocation), and cloning it
/// only bumps a reference count. The UTF-8 check happens once, when the `Str` is made; every
/// borrow of the text after that (`Deref<Target = str>`) is free.
///
/// ```
/// use sse_wire::Str;
///
/// let s = Str::from_static("hello");
/// assert_eq!(s, "hello");
/// assert_eq!(s.len(), 5);
/// let bytes: bytes::Bytes = s.clone().into_bytes();
/// assert_eq!(&bytes[..], b"hello");
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Str(ByteString);

impl Str {
    /// An empty string. Does not allocate.
    #[must_use]
    pub const fn new() -> Self {
        Str(ByteString::new())
    }

    /// A string that points at static text. Does not allocate.
    #[must_use]
    pub const fn from_static(s: &'static str) -> Self {
        Str(ByteString::from_static(s))
    }

    /// Wraps `bytes` if they are valid UTF-8, without copying them.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use sse_wire::Str;
    ///
    /// assert!(Str::from_utf8(Bytes::from_static(b"ok")).is_ok());
    /// assert!(Str::from_utf8(Bytes::from_static(b"\xff")).is_err());
    /// ```
    pub fn from_utf8(bytes: Bytes) -> Result<Self, core::str::Utf8Error> {
        ByteString::try_from(bytes).map(Str)
    }

    /// `block[range]` as a `Str`: a shared slice of `block` when valid, a repaired copy if not.
    #[inline]
    pub(crate) fn slice_lossy(block: &Bytes, range: core::ops::Range<usize>) -> Self {
        Self::lossy(block.slice(range))
    }

    /// `bytes` as a `Str`, without a copy when valid, a repaired copy if not.
    // Inlined so that a `Bytes` the caller has just cut down (new pointer and length stored)
    // is not copied into an argument slot at once: that copy reads the fresh stores back with
    // wider loads, which stalls on store forwarding (measured: a third of an owned event's
    // cost).
    #[inline(always)]
    pub(crate) fn lossy(bytes: Bytes) -> Self {
        match crate::utf8::byte_string(bytes) {
            Ok(s) => Str(s),
            Err(raw) => Self::lossy_copy(&raw),
        }
    }

    #[cold]
    fn lossy_copy(raw: &[u8]) -> Self {
        Str::from(String::from_utf8_lossy(raw).into_owned())
    }

    /// The UTF-8 bytes, as a shared [`Bytes`] handle.
    #[inline]
    #[must_use]
    pub fn as_bytes(&self) -> &Bytes {
        self.0.as_bytes()
    }

    /// Unwraps the underlying [`Bytes`] (no copy).
    #[inline]
    #[must_use]
    pub fn into_bytes(self) -> Bytes {
        self.0.into_bytes()
    }
}

impl Deref for Str {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Str {
    fn as_ref(&self) -> &str {
        self
    }
}

impl AsRef<[u8]> for Str {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Borrow<str> for Str {
    fn borrow(&self) -> &str {
        self
    }
}

impl hash::Hash for Str {
    fn hash<H: hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl From<String> for Str {
    fn from(s: String) -> Self {
        Str(ByteString::from(s))
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Self {
        Str(ByteString::from(s))
    }
}

impl From<Str> for Bytes {
    fn from(s: Str) -> Self {
        s.into_bytes()
    }
}

impl PartialEq<str> for Str {
    fn eq(&self, other: &str) -> bool {
        &**self == other
    }
}

impl PartialEq<&str> for Str {
    fn eq(&self, other: &&str) -> bool {
        &**self == *other
    }
}

impl PartialEq<Str> for str {
    fn eq(&self, other: &Str) -> bool {
        self == &**other
    }
}

impl PartialEq<Str> for &str {
    fn eq(&self, other: &Str) -> bool {
        *self == &**other
    }
}

impl PartialEq<String> for Str {
    fn eq(&self, other: &String) -> bool {
        &**self == other.as_str()
    }
}
