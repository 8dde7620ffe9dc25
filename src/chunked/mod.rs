//! HTTP/1.1 chunked transfer coding (RFC 9112 section 7.1).
