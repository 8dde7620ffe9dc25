//! Byte classes from RFC 9110 §5.6 (token, quoted-string) and §5.5 (field values).

/// `tchar` per RFC 9110 §5.6.2, as a lookup table indexed by byte.
static TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        i += 1;
    }
    t
};

/// `tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA`
#[inline]
pub(crate) fn is_tchar(b: u8) -> bool {
    // A `u8` always indexes a 256-entry table in bounds.
    TCHAR[usize::from(b)]
}

/// `true` when `s` is a non-empty `token`.
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// `qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text`
#[inline]
pub(crate) fn is_qdtext(b: u8) -> bool {
    matches!(b, b'\t' | b' ' | 0x21 | 0x23..=0x5B | 0x5D..=0x7E | 0x80..=0xFF)
}

/// The byte after a backslash in a `quoted-pair`: `HTAB / SP / VCHAR / obs-text`.
#[inline]
pub(crate) fn is_quoted_pair_char(b: u8) -> bool {
    matches!(b, b'\t' | b' ' | 0x21..=0x7E | 0x80..=0xFF)
}

/// `field-vchar = VCHAR / obs-text`
#[inline]
pub(crate) fn is_field_vchar(b: u8) -> bool {
    matches!(b, 0x21..=0x7E | 0x80..=0xFF)
}

/// `SP / HTAB` (the bytes of OWS and BWS).
#[inline]
pub(crate) fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The value of a `HEXDIG` (either case), or `None`.
#[inline]
pub(crate) const fn hex_val(b: u8) -> Option<u64> {
    // `as` because `From` is not const; every value fits.
    match b {
        b'0'..=b'9' => Some((b - b'0') as u64),
        b'a'..=b'f' => Some((b - b'a' + 10) as u64),
        b'A'..=b'F' => Some((b - b'A' + 10) as u64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        for b in 0..=255u8 {
            let t = b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            assert_eq!(is_tchar(b), t, "{b:#x}");
            assert_eq!(hex_val(b).is_some(), b.is_ascii_hexdigit(), "{b:#x}");
            // qdtext excludes exactly DQUOTE, backslash and the CTLs other than HTAB.
            let ctl = b < 0x20 || b == 0x7f;
            assert_eq!(
                is_qdtext(b),
                !(ctl && b != b'\t') && b != b'"' && b != b'\\'
            );
            assert_eq!(is_quoted_pair_char(b), !(ctl && b != b'\t'));
            assert_eq!(is_field_vchar(b), !ctl && b != b' ');
        }
        assert!(is_token(b"Chunk-Sig"));
        assert!(!is_token(b""));
        assert!(!is_token(b"a b"));
    }
}
