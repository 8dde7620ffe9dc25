//! Chunk extensions as the decoder hands them out: validated raw bytes, parsed lazily.

use alloc::{borrow::Cow, vec::Vec};
use core::fmt;

use bytes::Bytes;

use super::grammar::{is_tchar, is_ws};

/// The chunk extensions of one chunk line (`;name=value;flag`), as validated bytes.
///
/// The decoder has checked the whole `chunk-ext` grammar before handing this out, so
/// [`iter`](ExtensionsRef::iter) cannot fail: it splits the bytes into [`Extension`]s on demand,
/// without allocating. Whitespace tolerated before the line end (see
/// [`Limits::allow_trailing_whitespace`](super::Limits::allow_trailing_whitespace)) is not
/// included.
///
/// ```
/// use sse_wire::chunked::{ChunkRef, Decoder};
///
/// let mut decoder = Decoder::new();
/// let decoded = decoder.decode(b"5 ; sig = \"a\\\"b\" ; last\r\nhello").unwrap();
/// let Some(ChunkRef::Header { size: 5, extensions }) = decoded.item else { panic!() };
/// let mut iter = extensions.iter();
/// let sig = iter.next().unwrap();
/// assert_eq!(sig.name(), b"sig");
/// assert_eq!(sig.value().unwrap().raw(), br#"a\"b"#);
/// assert_eq!(&*sig.value().unwrap().unescaped(), br#"a"b"#);
/// let last = iter.next().unwrap();
/// assert_eq!((last.name(), last.value()), (&b"last"[..], None));
/// assert!(iter.next().is_none());
/// assert_eq!(extensions.get(b"SIG"), Some(sig));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct ExtensionsRef<'b> {
    raw: &'b [u8],
}

impl<'b> ExtensionsRef<'b> {
    /// Wraps bytes the decoder validated against `chunk-ext`.
    pub(crate) fn from_validated(raw: &'b [u8]) -> Self {
        ExtensionsRef { raw }
    }

    /// The bytes as they were on the wire (from the first byte after the size digits to the
    /// last byte before the line end, trailing whitespace excluded). Empty when there are none.
    #[must_use]
    pub fn as_bytes(&self) -> &'b [u8] {
        self.raw
    }

    /// The extensions in order.
    #[must_use]
    pub fn iter(&self) -> ExtensionsIter<'b> {
        ExtensionsIter { rest: self.raw }
    }

    /// The first extension whose name matches `name` ASCII-case-insensitively (extension
    /// names are tokens, which compare case-insensitively).
    #[must_use]
    pub fn get(&self, name: &[u8]) -> Option<Extension<'b>> {
        self.iter().find(|e| e.name.eq_ignore_ascii_case(name))
    }
}

impl fmt::Debug for ExtensionsRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'b> IntoIterator for ExtensionsRef<'b> {
    type Item = Extension<'b>;
    type IntoIter = ExtensionsIter<'b>;
    fn into_iter(self) -> ExtensionsIter<'b> {
        self.iter()
    }
}

impl<'b> IntoIterator for &ExtensionsRef<'b> {
    type Item = Extension<'b>;
    type IntoIter = ExtensionsIter<'b>;
    fn into_iter(self) -> ExtensionsIter<'b> {
        self.iter()
    }
}

/// Iterator over [`ExtensionsRef`].
#[derive(Debug, Clone)]
pub struct ExtensionsIter<'b> {
    rest: &'b [u8],
}

fn skip_ws(s: &[u8], mut i: usize) -> usize {
    while s.get(i).is_some_and(|&b| is_ws(b)) {
        i += 1;
    }
    i
}

fn skip_token(s: &[u8], mut i: usize) -> usize {
    while s.get(i).is_some_and(|&b| is_tchar(b)) {
        i += 1;
    }
    i
}

/// Index of the closing quote of a quoted-string whose content starts at `i`, or `s.len()`.
fn closing_quote(s: &[u8], mut i: usize) -> usize {
    while let Some(&b) = s.get(i) {
        match b {
            b'"' => return i,
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    s.len()
}

impl<'b> Iterator for ExtensionsIter<'b> {
    type Item = Extension<'b>;

    fn next(&mut self) -> Option<Extension<'b>> {
        // The bytes were validated, so this only splits; anything unexpected ends iteration.
        let s = self.rest;
        let i = skip_ws(s, 0);
        if s.get(i) != Some(&b';') {
            self.rest = &[];
            return None;
        }
        let start = skip_ws(s, i + 1);
        let end = skip_token(s, start);
        let name = s.get(start..end)?;
        let mut next = end;
        let mut value = None;
        let eq = skip_ws(s, end);
        if s.get(eq) == Some(&b'=') {
            let v = skip_ws(s, eq + 1);
            if s.get(v) == Some(&b'"') {
                let close = closing_quote(s, v + 1);
                value = Some(ExtValue {
                    raw: s.get(v + 1..close).unwrap_or_default(),
                    quoted: true,
                });
                next = close + 1;
            } else {
                let e = skip_token(s, v);
                value = Some(ExtValue {
                    raw: s.get(v..e).unwrap_or_default(),
                    quoted: false,
                });
                next = e;
            }
        }
        self.rest = s.get(next..).unwrap_or_default();
        Some(Extension { name, value })
    }
}

/// Formats bytes as an escaped string literal in `Debug` output.
struct Escaped<'a>(&'a [u8]);

impl fmt::Debug for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.0.escape_ascii())
    }
}

/// One chunk extension: `name` or `name=value`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Extension<'b> {
    name: &'b [u8],
    value: Option<ExtValue<'b>>,
}

impl<'b> Extension<'b> {
    /// The name (a token), as sent.
    #[must_use]
    pub fn name(&self) -> &'b [u8] {
        self.name
    }

    /// The value, if the extension had `=value`.
    #[must_use]
    pub fn value(&self) -> Option<ExtValue<'b>> {
        self.value
    }
}

impl fmt::Debug for Extension<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Extension")
            .field("name", &Escaped(self.name))
            .field("value", &self.value)
            .finish()
    }
}

/// The value of an [`Extension`]: a token or a quoted-string.
///
/// Two values compare equal when they were sent the same way: token `a` and quoted-string
/// `"a"` differ. Compare [`unescaped`](ExtValue::unescaped) forms to compare meanings.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ExtValue<'b> {
    raw: &'b [u8],
    quoted: bool,
}

impl<'b> ExtValue<'b> {
    /// The value as sent: the token, or the quoted-string's content without its surrounding
    /// quotes and with its quoted-pairs (`\"`, `\\`) still escaped.
    #[must_use]
    pub fn raw(&self) -> &'b [u8] {
        self.raw
    }

    /// `true` when the value was sent as a quoted-string.
    #[must_use]
    pub fn is_quoted(&self) -> bool {
        self.quoted
    }

    /// The value with quoted-pairs unescaped. Borrowed (no allocation) unless the value held a
    /// backslash.
    #[must_use]
    pub fn unescaped(&self) -> Cow<'b, [u8]> {
        if self.quoted && self.raw.contains(&b'\\') {
            // Validated quoted-string content: every `\` escapes the byte after it.
            let mut out = Vec::with_capacity(self.raw.len());
            let mut escaped = false;
            for &b in self.raw {
                if b == b'\\' && !escaped {
                    escaped = true;
                } else {
                    out.push(b);
                    escaped = false;
                }
            }
            Cow::Owned(out)
        } else {
            Cow::Borrowed(self.raw)
        }
    }
}

impl fmt::Debug for ExtValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.quoted { "Quoted" } else { "Token" };
        f.debug_tuple(kind).field(&Escaped(self.raw)).finish()
    }
}

/// The chunk extensions of one chunk line, owned: a [`Bytes`] sharing the caller's buffer (no
/// copy), as in the [`Chunk::Header`](super::Chunk::Header) items of
/// [`Decoder::decode_buf`](super::Decoder::decode_buf) and
/// [`BytesDecoder`](super::BytesDecoder). Read them through the view,
/// [`as_ref`](Extensions::as_ref).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Extensions {
    raw: Bytes,
}

impl Extensions {
    /// Wraps bytes the decoder validated against `chunk-ext`.
    pub(crate) fn from_validated(raw: Bytes) -> Self {
        Extensions { raw }
    }

    /// The borrowed view, to [`iter`](ExtensionsRef::iter) or [`get`](ExtensionsRef::get)
    /// the extensions. Use [`Bytes::slice_ref`] on [`as_bytes`](Extensions::as_bytes) to turn a
    /// name or raw value into a `Bytes` without copying.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use sse_wire::chunked::{Chunk, Decoder};
    ///
    /// let mut buf = BytesMut::from(&b"3;sig=abc\r\nxyz\r\n"[..]);
    /// let Some(Chunk::Header { extensions, .. }) = Decoder::new().decode_buf(&mut buf)? else {
    ///     panic!()
    /// };
    /// let sig = extensions.as_ref().get(b"sig").unwrap().value().unwrap().raw();
    /// assert_eq!(extensions.as_bytes().slice_ref(sig), "abc");
    /// assert_eq!(extensions.as_bytes(), ";sig=abc");
    /// # Ok::<(), sse_wire::chunked::DecodeError>(())
    /// ```
    #[must_use]
    pub fn as_ref(&self) -> ExtensionsRef<'_> {
        ExtensionsRef::from_validated(&self.raw)
    }

    /// The bytes as they were on the wire (see [`ExtensionsRef::as_bytes`]); empty when the
    /// chunk line had none.
    #[must_use]
    pub fn as_bytes(&self) -> &Bytes {
        &self.raw
    }
}

impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.as_ref(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// Name, and unescaped value with its "was quoted" flag.
    type Parsed = (Vec<u8>, Option<(Vec<u8>, bool)>);

    fn list(raw: &[u8]) -> Vec<Parsed> {
        ExtensionsRef::from_validated(raw)
            .iter()
            .map(|e| {
                (
                    e.name().to_vec(),
                    e.value()
                        .map(|v| (v.unescaped().into_owned(), v.is_quoted())),
                )
            })
            .collect()
    }

    #[test]
    fn splits_validated_bytes() {
        assert!(list(b"").is_empty());
        assert_eq!(
            list(b" ;\ta\t=\t\"x\\\\y\\\"\" ;b;c=d"),
            vec![
                (b"a".to_vec(), Some((b"x\\y\"".to_vec(), true))),
                (b"b".to_vec(), None),
                (b"c".to_vec(), Some((b"d".to_vec(), false))),
            ]
        );
        assert_eq!(
            list(b";e=\"\""),
            vec![(b"e".to_vec(), Some((vec![], true)))]
        );
        // A `;` inside quotes is content, not a separator.
        assert_eq!(
            list(b";q=\";x=y\";z"),
            vec![
                (b"q".to_vec(), Some((b";x=y".to_vec(), true))),
                (b"z".to_vec(), None)
            ]
        );
    }

    #[test]
    fn debug_is_readable() {
        let ext = ExtensionsRef::from_validated(b";a=\"x \\\"y\";b=c;d");
        assert_eq!(
            alloc::format!("{ext:?}"),
            r#"[Extension { name: "a", value: Some(Quoted("x \\\"y")) }, Extension { name: "b", value: Some(Token("c")) }, Extension { name: "d", value: None }]"#
        );
    }

    #[test]
    fn token_values_are_not_unescaped() {
        let ext = ExtensionsRef::from_validated(b";a=b");
        let v = ext.iter().next().unwrap().value().unwrap();
        assert!(matches!(v.unescaped(), Cow::Borrowed(b"b")));
        assert_eq!(&*v.unescaped(), b"b");
    }
}
