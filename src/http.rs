//! `text/event-stream` over HTTP: header helpers on the [`http`] crate's types.
//!
//! Nothing here does I/O. The helpers answer the questions an `EventSource`-like client and an
//! SSE server ask of headers, the way the standards answer them:
//!
//! * a client checks the response with [`is_event_stream`] and fills its request headers with
//!   [`insert_request_headers`], which sends `Last-Event-ID` only when there is one that a
//!   header can carry;
//! * a server fills its response headers with [`insert_response_headers`] and reads the
//!   client's ID with [`last_event_id`];
//! * a proxy that reads the raw body checks [`is_chunked`] to know whether to put a
//!   [`chunked::Decoder`](crate::chunked::Decoder) in front of the
//!   [`sse::Decoder`](crate::sse::Decoder).
//!
//! ```
//! use http::{header, HeaderMap, HeaderValue};
//! use sse_wire::http as sse_http;
//!
//! // Client: the request for a reconnection after event 41.
//! let mut request = HeaderMap::new();
//! assert!(sse_http::insert_request_headers(&mut request, "41"));
//! assert_eq!(request[header::ACCEPT], "text/event-stream");
//! assert_eq!(request[sse_http::LAST_EVENT_ID], "41");
//!
//! // Server: the response headers, and the ID to replay from.
//! let mut response = HeaderMap::new();
//! sse_http::insert_response_headers(&mut response);
//! assert_eq!(sse_http::last_event_id(&request), Some("41"));
//!
//! // Client: is it an event stream?
//! assert!(sse_http::is_event_stream(&response));
//! let mut html = HeaderMap::new();
//! html.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
//! assert!(!sse_http::is_event_stream(&html));
//! ```

use alloc::vec::Vec;

use ::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, TRANSFER_ENCODING};
use ::http::{HeaderMap, HeaderName, HeaderValue};

use crate::mime::{extract_mime, is_tab_or_space, trim, verdict};

/// The `Last-Event-ID` request header name: the last event ID a client saw, sent when it
/// reconnects (HTML, "Server-sent events", reestablishing the connection).
pub const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");

/// The `X-Accel-Buffering` response header name. nginx (and proxies that copy its behaviour)
/// read it from the upstream response: with the value [`NO`], they pass each event on as it
/// comes instead of buffering the response.
const X_ACCEL_BUFFERING: HeaderName = HeaderName::from_static("x-accel-buffering");

/// `text/event-stream`: the `Content-Type` of an event stream, and the `Accept` of a request
/// for one.
const TEXT_EVENT_STREAM: HeaderValue = HeaderValue::from_static("text/event-stream");

/// `no-cache`: the `Cache-Control` that both sides of an event stream send (browsers send it
/// on `EventSource` requests; a response that a cache kept would replay old events).
const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");

/// `no`: the value of [`X_ACCEL_BUFFERING`] that turns proxy buffering off.
const NO: HeaderValue = HeaderValue::from_static("no");

/// Whether a response's headers name an event stream that a browser would read: its
/// `Content-Type`'s MIME type essence is `text/event-stream`, and its `charset`, if any, is
/// `utf-8`. `false` without a `Content-Type`.
///
/// The value is parsed as the Fetch standard's "extract a MIME type" parses a `Content-Type`
/// field: several fields are combined as Fetch combines them (joined with `, `), split on
/// commas outside quoted strings, each part parsed by the WHATWG
/// MIME Sniffing standard ("parse a MIME type": whitespace around the type is trimmed, type and
/// subtype compare ASCII case-insensitively, parameters are ignored, a malformed parameter does
/// not spoil the type), and the last part that parses wins. Comparing strings
/// (`value == "text/event-stream"`), as the HTML standard's prose does, refuses
/// `text/event-stream; charset=utf-8`; the `mime` crate refuses ` text/event-stream`; both are
/// event streams in browsers (whatwg/html#7630 asks for this very check).
///
/// # Charset
///
/// An event stream is always decoded as UTF-8, whatever it declares. A response that declares
/// another charset (`charset=iso-8859-1`) was not written for an event-stream reader, and its
/// non-ASCII text would be misread, so it is refused here, as Chromium refuses it ("has a
/// charset that is not UTF-8. Aborting the connection"). Only the label `utf-8` (any case,
/// quoted or not) counts as UTF-8, as in Chromium; an empty charset counts as none.
///
/// ```
/// use http::{header::CONTENT_TYPE, HeaderMap, HeaderValue};
/// use sse_wire::http::is_event_stream;
///
/// let yes = ["text/event-stream", "TEXT/Event-Stream; charset=utf-8", "text/event-stream;",
///            " text/event-stream ; charset=\"UTF-8\"", "text/event-stream;;x"];
/// let no = ["text/event-streams", "text/x-bogus", "x bogus", "text/plain",
///           "text/event-stream; charset=iso-8859-1", "text/event-stream, text/html", ""];
/// let mut headers = HeaderMap::new();
/// assert!(!is_event_stream(&headers));
/// for v in yes {
///     headers.insert(CONTENT_TYPE, HeaderValue::from_static(v));
///     assert!(is_event_stream(&headers), "{v}");
/// }
/// for v in no {
///     headers.insert(CONTENT_TYPE, HeaderValue::from_static(v));
///     assert!(!is_event_stream(&headers), "{v}");
/// }
///
/// // Several fields: the last valid type wins.
/// headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream; charset=utf-8"));
/// assert!(is_event_stream(&headers));
/// headers.append(CONTENT_TYPE, HeaderValue::from_static("application/json"));
/// assert!(!is_event_stream(&headers));
/// ```
#[must_use]
pub fn is_event_stream(headers: &HeaderMap) -> bool {
    let mut values = headers.get_all(CONTENT_TYPE).iter().peekable();
    let Some(first) = values.next() else {
        return false;
    };
    if values.peek().is_none() {
        return crate::mime::is_event_stream(first.as_bytes());
    }
    let mut combined = Vec::from(first.as_bytes());
    for v in values {
        combined.extend_from_slice(b", ");
        combined.extend_from_slice(v.as_bytes());
    }
    verdict(extract_mime(&combined))
}

/// Fills a client's request headers for an event stream: `Accept: text/event-stream` and
/// `Cache-Control: no-cache` unless the request already has those fields (an MCP client, say,
/// accepts `application/json, text/event-stream`), and `Last-Event-ID: {id}`, replacing any the
/// request had, or removing it when there is no ID to send (so that a request reused for a
/// reconnection never sends a stale one). On an empty map, this makes the request headers of
/// an event stream.
///
/// No `Last-Event-ID` is sent:
///
/// * when `id` is empty (a decoder's [`last_event_id`](crate::sse::Decoder::last_event_id)
///   before any, or after an empty `id` reset it): the standard sends the header only "if the
///   last event ID string is not the empty string";
/// * when no header value can hold `id`: it has a control byte other than HTAB (U+0001 to
///   U+0008, U+000A to U+001F) or DEL (RFC 9110 section 5.5). The standard lets a reader keep
///   such an ID (only NUL makes it ignore an `id` field), so a client has to decide what to do;
///   sending no ID asks the server for the stream from its start, as for a first connection.
///   Browsers keep such an ID and fail every reconnection; this crate's encoder never writes
///   one ([`EncodeError::ControlInId`](crate::sse::EncodeError::ControlInId)).
///
/// Any other ID is sent byte for byte, as UTF-8, non-ASCII included (the `http` crate accepts
/// bytes 0x80 to 0xFF in a value, though [`HeaderValue::to_str`] refuses them: read it back with
/// [`last_event_id`]).
///
/// SP or HTAB at the start or end of the ID is sent too, as browsers send it, but a receiver
/// trims it off every field value (RFC 9110 section 5.5), so the server sees `7` for ` 7`.
/// Trimming here would change nothing for such a server, and dropping the ID would lose it;
/// a server must simply not issue IDs with surrounding whitespace.
///
/// Returns `false` when `id` was not empty but could not be sent: the server will start the
/// stream afresh. `true` otherwise.
///
/// ```
/// use http::{header, HeaderMap, HeaderValue};
/// use sse_wire::http::{insert_request_headers, LAST_EVENT_ID};
///
/// let mut first = HeaderMap::new();
/// assert!(insert_request_headers(&mut first, ""));
/// assert_eq!(first[header::ACCEPT], "text/event-stream");
/// assert_eq!(first[header::CACHE_CONTROL], "no-cache");
/// assert_eq!(first.len(), 2);
///
/// let mut headers = HeaderMap::new();
/// headers.insert(header::ACCEPT, HeaderValue::from_static("application/json, text/event-stream"));
/// assert!(insert_request_headers(&mut headers, "7"));
/// assert_eq!(headers[header::ACCEPT], "application/json, text/event-stream");
/// assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
/// assert_eq!(headers[LAST_EVENT_ID], "7");
///
/// assert!(insert_request_headers(&mut headers, "")); // the ID was reset: send none
/// assert!(!headers.contains_key(LAST_EVENT_ID));
/// assert!(!insert_request_headers(&mut headers, "bad\nid"));
/// assert!(!headers.contains_key(LAST_EVENT_ID));
///
/// for (id, sent) in [("évé", true), ("a\tb", true), ("a\u{1}b", false), ("a\u{7f}", false)] {
///     let mut h = HeaderMap::new();
///     assert_eq!(insert_request_headers(&mut h, id), sent);
///     assert_eq!(h.get(LAST_EVENT_ID).map(|v| v.as_bytes()), sent.then_some(id.as_bytes()));
/// }
/// ```
pub fn insert_request_headers(headers: &mut HeaderMap, id: &str) -> bool {
    headers.entry(ACCEPT).or_insert(TEXT_EVENT_STREAM);
    headers.entry(CACHE_CONTROL).or_insert(NO_CACHE);
    match id_value(id) {
        Some(value) => {
            headers.insert(LAST_EVENT_ID, value);
            true
        }
        None => {
            headers.remove(LAST_EVENT_ID);
            id.is_empty()
        }
    }
}

/// The `Last-Event-ID` value a client sends for `id`, or `None` when it sends none (see
/// [`insert_request_headers`]).
fn id_value(id: &str) -> Option<HeaderValue> {
    if id.is_empty() {
        return None;
    }
    // `from_str` refuses exactly the bytes below 0x20 but HTAB, and DEL.
    HeaderValue::from_str(id).ok()
}

/// The `Last-Event-ID` a request carries, as text: what a server resumes from. `None` when it
/// has none, or when its value is not UTF-8 (no event stream could have sent such an ID).
/// Surrounding SP/HTAB is trimmed (RFC 9110 section 5.5). Non-ASCII IDs are read too, unlike
/// with [`HeaderValue::to_str`].
///
/// ```
/// use http::HeaderMap;
/// use sse_wire::http::{insert_request_headers, last_event_id};
///
/// let mut headers = HeaderMap::new();
/// assert_eq!(last_event_id(&headers), None);
/// insert_request_headers(&mut headers, "évé-7");
/// assert_eq!(last_event_id(&headers), Some("évé-7"));
/// ```
#[must_use]
pub fn last_event_id(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(LAST_EVENT_ID)?.as_bytes();
    core::str::from_utf8(trim(value, is_tab_or_space)).ok()
}

/// Fills a server's response headers for an event stream: sets `Content-Type:
/// text/event-stream` (replacing a framework's default), and adds `Cache-Control: no-cache`
/// and `X-Accel-Buffering: no` unless the response has those fields already (the server's own
/// caching or buffering choice wins). On an empty map, this makes the response headers of an
/// event stream.
///
/// Without `X-Accel-Buffering: no`, nginx in front of the server holds events back until its
/// buffer fills, which looks like a stalled stream. `Content-Type` carries no `charset`: the
/// stream is UTF-8 by definition.
///
/// ```
/// use http::{header, HeaderMap, HeaderValue};
/// use sse_wire::http::insert_response_headers;
///
/// let mut headers = HeaderMap::new();
/// insert_response_headers(&mut headers);
/// assert_eq!(headers[header::CONTENT_TYPE], "text/event-stream");
/// assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
/// assert_eq!(headers["x-accel-buffering"], "no");
/// assert_eq!(headers.len(), 3);
///
/// let mut headers = HeaderMap::new();
/// headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
/// headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
/// insert_response_headers(&mut headers);
/// assert_eq!(headers[header::CONTENT_TYPE], "text/event-stream");
/// assert_eq!(headers[header::CACHE_CONTROL], "no-store");
/// ```
pub fn insert_response_headers(headers: &mut HeaderMap) {
    headers.insert(CONTENT_TYPE, TEXT_EVENT_STREAM);
    headers.entry(CACHE_CONTROL).or_insert(NO_CACHE);
    headers.entry(X_ACCEL_BUFFERING).or_insert(NO);
}

/// Whether a message's body is chunked: its `Transfer-Encoding`'s last transfer coding is
/// `chunked` (RFC 9112 section 6.3, rule 4). Several `Transfer-Encoding` fields make one list,
/// in order; empty list elements are ignored; names compare case-insensitively.
///
/// A response whose `Transfer-Encoding` does not end in `chunked` is read until the connection
/// closes; such a request is an error (400) in RFC 9112. HTTP/2 and HTTP/3 have no
/// `Transfer-Encoding`: there the body is never chunked.
///
/// ```
/// use http::{header::TRANSFER_ENCODING, HeaderMap, HeaderValue};
/// use sse_wire::http::is_chunked;
///
/// let mut headers = HeaderMap::new();
/// assert!(!is_chunked(&headers));
/// headers.insert(TRANSFER_ENCODING, HeaderValue::from_static("gzip, Chunked"));
/// assert!(is_chunked(&headers));
/// headers.append(TRANSFER_ENCODING, HeaderValue::from_static("br"));
/// assert!(!is_chunked(&headers));
/// ```
#[must_use]
pub fn is_chunked(headers: &HeaderMap) -> bool {
    let last = headers
        .get_all(TRANSFER_ENCODING)
        .iter()
        .rev()
        .flat_map(|v| v.as_bytes().rsplit(|&b| b == b','))
        .map(|coding| trim(coding, is_tab_or_space))
        .find(|coding| !coding.is_empty());
    last.is_some_and(|coding| coding.eq_ignore_ascii_case(b"chunked"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime::quoted_string;

    fn es(v: &[u8]) -> bool {
        verdict(extract_mime(v))
    }

    #[test]
    fn wpt_format_mime_cases() {
        // eventsource/format-mime-trailing-semicolon, -valid-bogus, -bogus.
        assert!(es(b"text/event-stream;"));
        assert!(!es(b"text/x-bogus"));
        assert!(!es(b"x bogus"));
    }

    #[test]
    fn essence_is_trimmed_and_case_insensitive() {
        for v in [
            &b"text/event-stream"[..],
            b"TEXT/EVENT-STREAM",
            b"\t text/event-stream \r\n",
            b"text/event-stream ; foo=bar",
            b"text/event-stream;charset",
            b"text/event-stream;charset=",
            b"text/event-stream;=utf-8",
            b"text/event-stream; charset =latin1", // `charset ` is not a token: no parameter
            b"text/event-stream; charset=\"utf-8\"",
            b"text/event-stream; charset=\"u\\tf-8\"",
            b"text/event-stream; charset=utf-8; charset=latin1", // the first one counts
            b"text/event-stream; charset=\"\"",
            b"text/event-stream;charset=UTF-8 ",
            b"text/html, text/event-stream",
            b"text/event-stream, */*",
            b"text/event-stream, x bogus",
        ] {
            assert!(es(v), "{}", v.escape_ascii());
        }
        for v in [
            &b"text/event-streams"[..],
            b"text /event-stream",
            b"text/ event-stream",
            b"text/event stream",
            b"text",
            b"/event-stream",
            b"text/",
            b"text/event-stream; charset=latin1",
            b"text/event-stream; charset=\"latin1\"",
            b"text/event-stream; charset=utf8",
            b"text/event-stream, text/html",
            b"text/event-stream;a=\"x,y\", text/plain",
            b"",
            b",",
        ] {
            assert!(!es(v), "{}", v.escape_ascii());
        }
    }

    #[test]
    fn commas_in_quoted_strings_do_not_split() {
        assert!(es(b"text/plain;a=\"x, text/html\", text/event-stream"));
        assert!(!es(
            b"text/event-stream;a=\"x, text/event-stream\", text/plain"
        ));
        // An unterminated quoted string swallows the rest of the value.
        assert!(es(b"text/event-stream;a=\", text/plain"));
    }

    #[test]
    fn charset_carries_over_within_an_essence() {
        // Fetch keeps the first value's charset for a later value of the same essence.
        assert!(!es(b"text/event-stream; charset=latin1, text/event-stream"));
        assert!(es(
            b"text/event-stream; charset=latin1, text/event-stream; charset=utf-8"
        ));
        // A different essence in between starts over.
        assert!(es(
            b"text/event-stream; charset=latin1, text/html, text/event-stream"
        ));
    }

    #[test]
    fn quoted_string_escapes() {
        let mut v = Vec::new();
        let end = quoted_string(b"\"a\\\"b\"rest", 0, Some(&mut v));
        assert_eq!((v.as_slice(), end), (&b"a\"b"[..], 6));
        let mut v = Vec::new();
        let end = quoted_string(b"\"ab\\", 0, Some(&mut v));
        assert_eq!((v.as_slice(), end), (&b"ab\\"[..], 4));
    }

    #[test]
    fn last_event_id_refuses_exactly_what_a_value_cannot_hold() {
        for b in 0u8..=0x7f {
            let id = [b'a', b];
            let id = core::str::from_utf8(&id).unwrap();
            let ok = b == b'\t' || (0x20..0x7f).contains(&b);
            assert_eq!(id_value(id).is_some(), ok, "byte {b:#04x}");
        }
        assert_eq!(id_value(" 7 ").unwrap().as_bytes(), b" 7 ");
    }

    #[test]
    fn is_chunked_takes_the_last_coding() {
        let mut h = HeaderMap::new();
        for (v, chunked) in [
            ("chunked", true),
            ("CHUNKED", true),
            ("gzip , chunked ,", true),
            ("chunked, gzip", false),
            ("", false),
            ("chunked;q=1", false),
        ] {
            h.insert(TRANSFER_ENCODING, HeaderValue::from_static(v));
            assert_eq!(is_chunked(&h), chunked, "{v}");
        }
        h.insert(TRANSFER_ENCODING, HeaderValue::from_static("gzip"));
        h.append(TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
        assert!(is_chunked(&h));
    }

    #[test]
    fn request_last_event_id_trims_and_needs_utf8() {
        let mut h = HeaderMap::new();
        h.insert(LAST_EVENT_ID, HeaderValue::from_static(" 7\t"));
        assert_eq!(last_event_id(&h), Some("7"));
        h.insert(LAST_EVENT_ID, HeaderValue::from_bytes(b"\xff").unwrap());
        assert_eq!(last_event_id(&h), None);
    }
}
