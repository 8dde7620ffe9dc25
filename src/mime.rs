//! The `Content-Type` check an event-stream reader makes, on raw header bytes: shared by the
//! `http` helpers and the `reconnect` client machine (which must work without the `http` crate).

use alloc::vec::Vec;

/// Whether a `Content-Type` field value names an event stream a browser would read (see
/// `crate::http::is_event_stream` for the rules).
pub(crate) fn is_event_stream(value: &[u8]) -> bool {
    verdict(extract_mime(value))
}

/// What "extract a MIME type" found: the essence (type, subtype) and whether the charset, if
/// any, is acceptable.
pub(crate) struct Extracted<'a> {
    essence: (&'a [u8], &'a [u8]),
    charset: Option<bool>,
}

pub(crate) fn verdict(mime: Option<Extracted<'_>>) -> bool {
    mime.is_some_and(|m| {
        m.essence.0.eq_ignore_ascii_case(b"text")
            && m.essence.1.eq_ignore_ascii_case(b"event-stream")
            && m.charset != Some(false)
    })
}

/// Fetch, "extract a MIME type", over a `Content-Type` value (several fields already joined with
/// `, `). Only the `charset` parameter is kept, as `Some(acceptable)`.
pub(crate) fn extract_mime(value: &[u8]) -> Option<Extracted<'_>> {
    let mut mime = None;
    let mut essence: Option<(&[u8], &[u8])> = None;
    let mut charset = None;
    for part in split_list(value) {
        let Some(parsed) = parse_mime(part) else {
            continue;
        };
        let (ty, sub) = parsed.essence;
        if ty == b"*" && sub == b"*" {
            continue;
        }
        let mut own = parsed.charset;
        let same = essence.is_some_and(|(t, s): (&[u8], &[u8])| {
            t.eq_ignore_ascii_case(ty) && s.eq_ignore_ascii_case(sub)
        });
        if !same {
            charset = own;
            essence = Some((ty, sub));
        } else if own.is_none() {
            own = charset;
        }
        mime = Some(Extracted {
            essence: (ty, sub),
            charset: own,
        });
    }
    mime
}

/// Fetch, "get, decode, and split": the comma-separated parts of a field value, commas inside
/// quoted strings excepted, each trimmed of SP/HTAB.
fn split_list(input: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let (mut start, mut pos) = (0, 0);
    loop {
        pos += count_until(&input[pos..], |b| b == b'"' || b == b',');
        if input.get(pos) == Some(&b'"') {
            pos = quoted_string(input, pos, None);
            if pos < input.len() {
                continue;
            }
        }
        parts.push(trim(&input[start..pos], is_tab_or_space));
        if pos >= input.len() {
            return parts;
        }
        pos += 1; // the comma
        start = pos;
    }
}

/// WHATWG MIME Sniffing, "parse a MIME type", keeping only the essence and the `charset`
/// parameter (as `Some(acceptable)`); `None` on failure.
fn parse_mime(input: &[u8]) -> Option<Extracted<'_>> {
    let input = trim(input, is_http_whitespace);
    let slash = input.iter().position(|&b| b == b'/')?;
    let ty = &input[..slash];
    if ty.is_empty() || !ty.iter().copied().all(is_token) {
        return None;
    }
    let rest = &input[slash + 1..];
    let mut pos = count_until(rest, |b| b == b';');
    let sub = trim_end(&rest[..pos], is_http_whitespace);
    if sub.is_empty() || !sub.iter().copied().all(is_token) {
        return None;
    }
    let mut charset = None;
    while pos < rest.len() {
        pos += 1; // the `;`
        pos += rest[pos..]
            .iter()
            .take_while(|&&b| is_http_whitespace(b))
            .count();
        let name_start = pos;
        pos += count_until(&rest[pos..], |b| b == b';' || b == b'=');
        let name = &rest[name_start..pos];
        if pos < rest.len() {
            if rest[pos] == b';' {
                continue;
            }
            pos += 1; // the `=`
        }
        if pos >= rest.len() {
            break;
        }
        let mut unquoted = Vec::new();
        let value: &[u8] = if rest[pos] == b'"' {
            pos = quoted_string(rest, pos, Some(&mut unquoted));
            pos += count_until(&rest[pos..], |b| b == b';');
            &unquoted
        } else {
            let start = pos;
            pos += count_until(&rest[pos..], |b| b == b';');
            let value = trim_end(&rest[start..pos], is_http_whitespace);
            if value.is_empty() {
                continue;
            }
            value
        };
        if charset.is_none()
            && name.eq_ignore_ascii_case(b"charset")
            && value
                .iter()
                .all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
        {
            charset = Some(value.is_empty() || value.eq_ignore_ascii_case(b"utf-8"));
        }
    }
    Some(Extracted {
        essence: (ty, sub),
        charset,
    })
}

/// Fetch, "collect an HTTP quoted string", from the `"` at `pos`: returns the position after
/// it, and appends the unescaped value to `value` when asked to.
pub(crate) fn quoted_string(
    input: &[u8],
    mut pos: usize,
    mut value: Option<&mut Vec<u8>>,
) -> usize {
    pos += 1; // the opening quote
    loop {
        let n = count_until(&input[pos..], |b| b == b'"' || b == b'\\');
        if let Some(v) = value.as_deref_mut() {
            v.extend_from_slice(&input[pos..pos + n]);
        }
        pos += n;
        let Some(&quote_or_backslash) = input.get(pos) else {
            return pos;
        };
        pos += 1;
        if quote_or_backslash == b'"' {
            return pos;
        }
        let escaped = input.get(pos).copied();
        if let Some(v) = value.as_deref_mut() {
            v.push(escaped.unwrap_or(b'\\'));
        }
        if escaped.is_none() {
            return pos;
        }
        pos += 1;
    }
}

fn count_until(input: &[u8], stop: impl Fn(u8) -> bool) -> usize {
    input.iter().position(|&b| stop(b)).unwrap_or(input.len())
}

pub(crate) fn trim(s: &[u8], ws: impl Fn(u8) -> bool + Copy) -> &[u8] {
    let start = s.iter().position(|&b| !ws(b)).unwrap_or(s.len());
    trim_end(&s[start..], ws)
}

fn trim_end(s: &[u8], ws: impl Fn(u8) -> bool) -> &[u8] {
    let end = s.iter().rposition(|&b| !ws(b)).map_or(0, |i| i + 1);
    &s[..end]
}

pub(crate) fn is_tab_or_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn is_http_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}
