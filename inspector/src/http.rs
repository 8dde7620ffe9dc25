//! HTTP/1.1 response captures: the head, the checks a browser makes on it, and the body
//! framing (chunked through `sse_wire::chunked`, `Content-Length`, or close-delimited).

use bytes::BytesMut;
use sse_wire::chunked::{self, Chunk};

use crate::{Place, Problem, ProblemKind};

/// How the body of a captured response is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// `Content-Length`.
    ContentLength(u64),
    /// Neither: the body runs to the end of the connection.
    Close,
}

/// The head of a captured response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpInfo {
    /// The status code.
    pub status: u16,
    /// The header fields, in order, as sent.
    pub headers: Vec<(String, String)>,
    /// How the body is delimited.
    pub framing: BodyFraming,
    /// Bytes of the head (status line, headers and the blank line).
    pub head_len: usize,
}

impl HttpInfo {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn capture_problem(kind: ProblemKind, offset: usize, detail: String) -> Problem {
    Problem {
        kind,
        offset: offset as u64,
        place: Place::Capture,
        detail,
    }
}

/// Splits a response capture into its head and its (unframed) body.
pub(crate) fn read_response(
    input: &[u8],
    problems: &mut Vec<Problem>,
) -> (Option<HttpInfo>, Vec<u8>) {
    let Some((head_end, head_len)) = find_head_end(input) else {
        problems.push(capture_problem(
            ProblemKind::BadHttp,
            input.len(),
            "the capture ends before the blank line that ends the header section".into(),
        ));
        return (None, Vec::new());
    };
    // (offset, text) of each head line, line end excluded.
    let mut lines = Vec::new();
    let mut at = 0;
    for raw_line in input[..head_end].split(|&b| b == b'\n') {
        let text = raw_line.strip_suffix(b"\r").unwrap_or(raw_line);
        lines.push((at, String::from_utf8_lossy(text).into_owned()));
        at += raw_line.len() + 1;
    }
    let status_line = lines.first().map_or("", |(_, l)| l.as_str());
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|_| status_line.starts_with("HTTP/1."));
    let Some(status) = status else {
        problems.push(capture_problem(
            ProblemKind::BadHttp,
            0,
            format!("not an HTTP/1.x status line: {status_line:?}"),
        ));
        return (None, Vec::new());
    };
    if status != 200 {
        problems.push(capture_problem(
            ProblemKind::Status,
            status_line.find(' ').map_or(0, |i| i + 1),
            format!("status {status}, not 200"),
        ));
    }
    let mut headers = Vec::new();
    let mut content_type_at = None;
    for (offset, line) in &lines[1..] {
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-type") && content_type_at.is_none() {
                content_type_at = Some(*offset);
            }
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let framing = framing(&headers);
    let info = HttpInfo {
        status,
        headers,
        framing,
        head_len,
    };
    match info.header("content-type") {
        None => problems.push(capture_problem(
            ProblemKind::ContentType,
            head_end,
            "no Content-Type header".into(),
        )),
        Some(ct) => {
            let media = ct.split(';').next().unwrap_or("").trim();
            if !media.eq_ignore_ascii_case("text/event-stream") {
                problems.push(capture_problem(
                    ProblemKind::ContentType,
                    content_type_at.unwrap_or(0),
                    format!("Content-Type {ct:?}, not text/event-stream"),
                ));
            }
        }
    }
    let raw = &input[head_len..];
    let body = match framing {
        BodyFraming::Chunked => dechunk(raw, head_len, problems),
        BodyFraming::ContentLength(n) => {
            let n_usize = usize::try_from(n).unwrap_or(usize::MAX);
            if raw.len() < n_usize {
                problems.push(capture_problem(
                    ProblemKind::ShortBody,
                    input.len(),
                    format!(
                        "the body ends after {} of its {n} Content-Length bytes",
                        raw.len()
                    ),
                ));
            }
            raw[..raw.len().min(n_usize)].to_vec()
        }
        BodyFraming::Close => raw.to_vec(),
    };
    (Some(info), body)
}

/// The end of the status line and headers (excluding the blank line) and the length of the
/// head including it. A bare-LF head is accepted, as lenient clients do.
fn find_head_end(input: &[u8]) -> Option<(usize, usize)> {
    let crlf = input.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = input.windows(2).position(|w| w == b"\n\n");
    match (crlf, lf) {
        (Some(c), Some(l)) if l < c => Some((l, l + 2)),
        (Some(c), _) => Some((c, c + 4)),
        (None, Some(l)) => Some((l, l + 2)),
        (None, None) => None,
    }
}

fn framing(headers: &[(String, String)]) -> BodyFraming {
    let te = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"))
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .next_back();
    if te.is_some_and(|c| c.eq_ignore_ascii_case("chunked")) {
        return BodyFraming::Chunked;
    }
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .map_or(BodyFraming::Close, BodyFraming::ContentLength)
}

/// The body data of a chunked body, with a problem for a framing error (the chunked decoder's
/// own error, its offset moved to count from the start of the capture).
fn dechunk(raw: &[u8], head_len: usize, problems: &mut Vec<Problem>) -> Vec<u8> {
    let mut decoder = chunked::Decoder::new();
    let mut buf = BytesMut::from(raw);
    let mut body = Vec::new();
    let error = loop {
        match next_chunk(&mut decoder, &mut buf) {
            Ok(Some(Chunk::Data(data))) => body.extend_from_slice(&data),
            Ok(Some(Chunk::Done)) => break None,
            Ok(Some(_)) => {}
            // The whole capture was given: needing more means it ended inside the body.
            Ok(None) => break decoder.finish().err(),
            Err(e) => break Some(e),
        }
    };
    if let Some(e) = error {
        // The error's own message ends with ` at byte N`; the offset is given here in words.
        let message = e.to_string();
        let what = message
            .rsplit_once(" at byte ")
            .map_or(&message[..], |(what, _)| what);
        problems.push(capture_problem(
            ProblemKind::ChunkedFraming,
            head_len + usize::try_from(e.offset()).unwrap_or(usize::MAX - head_len),
            format!(
                "sse_wire's chunked decoder failed: {what} (byte {} of the chunked body)",
                e.offset()
            ),
        ));
    }
    body
}

/// The one call into the chunked decoder: the next item, `None` when `buf` holds no complete
/// item.
fn next_chunk(
    decoder: &mut chunked::Decoder,
    buf: &mut BytesMut,
) -> Result<Option<Chunk>, chunked::DecodeError> {
    decoder.decode_buf(buf)
}

/// Takes a response as it is read off a connection and hands out its body as it arrives, so
/// that a live read can decode events before the response ends, and tells when the response is
/// complete, so that a fetch stops there even if the server keeps the connection open: at the
/// end of a chunked body (or its first framing error), or after `Content-Length` bytes. A
/// close-delimited body is complete only at EOF. The body it builds is the one
/// [`read_response`] finds in the whole capture.
#[derive(Debug, Default)]
pub(crate) struct Unframer {
    /// The framing and head length, once the head is in.
    head: Option<(BodyFraming, usize)>,
    decoder: chunked::Decoder,
    /// Body bytes the chunked decoder has not consumed yet (a chunk line cut by a read).
    pending: BytesMut,
    /// How many bytes of the response have been taken.
    fed: usize,
    /// The body so far.
    pub(crate) body: Vec<u8>,
    complete: bool,
}

impl Unframer {
    /// Takes `all`, every byte read so far (a longer prefix of the same response at each
    /// call), adds the new body bytes to [`body`](Unframer::body), and returns whether the
    /// response is complete.
    pub(crate) fn feed(&mut self, all: &[u8]) -> bool {
        if self.complete {
            return true;
        }
        let framing = match self.head {
            Some((framing, _)) => framing,
            None => {
                let Some((_, head_len)) = find_head_end(all) else {
                    return false;
                };
                let framing = match read_response(&all[..head_len], &mut Vec::new()) {
                    (Some(info), _) => info.framing,
                    // An unreadable head: nothing tells where the body ends.
                    (None, _) => BodyFraming::Close,
                };
                self.fed = head_len;
                self.head = Some((framing, head_len));
                framing
            }
        };
        let new = &all[self.fed..];
        self.fed = all.len();
        match framing {
            BodyFraming::Close => self.body.extend_from_slice(new),
            BodyFraming::ContentLength(n) => {
                let left = usize::try_from(n)
                    .unwrap_or(usize::MAX)
                    .saturating_sub(self.body.len());
                self.body.extend_from_slice(&new[..new.len().min(left)]);
                self.complete = (self.body.len() as u64) >= n;
            }
            BodyFraming::Chunked => {
                let mut buf = core::mem::take(&mut self.pending);
                buf.extend_from_slice(new);
                loop {
                    match next_chunk(&mut self.decoder, &mut buf) {
                        Ok(Some(Chunk::Data(data))) => self.body.extend_from_slice(&data),
                        Ok(Some(Chunk::Done)) | Err(_) => {
                            self.complete = true;
                            break;
                        }
                        Ok(Some(_)) => {}
                        Ok(None) => {
                            self.pending = buf;
                            break;
                        }
                    }
                }
            }
        }
        self.complete
    }

    /// The head's length, once it is in.
    pub(crate) fn head_len(&self) -> Option<usize> {
        self.head.map(|(_, len)| len)
    }
}
