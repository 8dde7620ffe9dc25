//! A line scanner for the diagnostics the decoder does not expose (line ends, BOMs, raw field
//! values). It cuts lines exactly as the WHATWG parser does (CRLF, LF or a lone CR; one leading
//! BOM skipped), so that [`crate::decode_body`] can feed the decoder one line at a time; it
//! never decides what is dispatched.

use crate::{Place, Problem, ProblemKind};

const BOM: &[u8] = b"\xEF\xBB\xBF";
/// Per-line problems of one kind reported one by one; the rest are counted in one more.
const PER_KIND: usize = 10;

/// One line of the body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line {
    /// Offset of its first byte (after the BOM, for the first line).
    pub(crate) start: usize,
    /// Offset just past its line end (the end of the body for an unterminated last line).
    pub(crate) end: usize,
    /// For a blank line: where the block it ends started (its first field line), else `start`.
    pub(crate) block_start: usize,
}

/// What the scanner found once the body ended.
pub(crate) struct Scan {
    pub(crate) problems: Vec<Problem>,
    /// The start of a block no blank line ended.
    pub(crate) pending_block: Option<usize>,
    /// The start of the last line (or of the body).
    pub(crate) last_line_start: usize,
}

#[derive(Default)]
struct Tally {
    counts: [usize; ProblemKind::ALL.len()],
}

impl Tally {
    /// Whether the next problem of `kind` is still reported on its own.
    fn admit(&mut self, kind: ProblemKind) -> bool {
        let i = ProblemKind::ALL
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(0);
        self.counts[i] += 1;
        self.counts[i] <= PER_KIND
    }

    fn overflow(&self, problems: &mut Vec<Problem>, end: usize) {
        for (i, &n) in self.counts.iter().enumerate() {
            if n > PER_KIND {
                problems.push(Problem {
                    kind: ProblemKind::ALL[i],
                    offset: end as u64,
                    place: Place::Body,
                    detail: format!(
                        "{} more line(s) with this problem, not listed",
                        n - PER_KIND
                    ),
                });
            }
        }
    }
}

/// Cuts a body into lines as it grows: [`Scanner::feed`] takes the body so far and hands out
/// the lines that are complete (a CR at the very end waits for the next byte, which may be its
/// LF), [`Scanner::finish`] the rest once the body has ended. Fed all at once or a byte at a
/// time, it cuts the same lines and finds the same problems.
pub(crate) struct Scanner {
    max_line: usize,
    /// Where the next line starts.
    pos: usize,
    /// The BOM check is done.
    bom_checked: bool,
    problems: Vec<Problem>,
    tally: Tally,
    block: Option<usize>,
    lone_cr: (usize, usize), // count, first offset
    last_line_start: usize,
}

impl Scanner {
    pub(crate) fn new(max_line: usize) -> Self {
        Scanner {
            max_line,
            pos: 0,
            bom_checked: false,
            problems: Vec::new(),
            tally: Tally::default(),
            block: None,
            lone_cr: (0, 0),
            last_line_start: 0,
        }
    }

    /// The next complete line of `body` (the body so far; `eof`: it has ended), if any.
    pub(crate) fn next_line(&mut self, body: &[u8], eof: bool) -> Option<Line> {
        if !self.bom_checked {
            // Not yet known whether a BOM (or a second one) starts the body.
            let undecided = |b: &[u8]| b.len() < BOM.len() && BOM.starts_with(b);
            if !eof && (undecided(body) || body.strip_prefix(BOM).is_some_and(undecided)) {
                return None;
            }
            self.bom_checked = true;
            if body.starts_with(BOM) {
                self.pos = BOM.len();
                self.problems.push(problem(
                    ProblemKind::Bom,
                    0,
                    "the body starts with a UTF-8 byte order mark (valid once: readers skip it)"
                        .into(),
                ));
                if body[self.pos..].starts_with(BOM) {
                    self.problems.push(problem(
                        ProblemKind::Bom,
                        self.pos,
                        "a second BOM follows the first: it is not skipped, so the first line's field name starts with U+FEFF and the line is ignored".into(),
                    ));
                }
            }
            self.last_line_start = self.pos;
        }
        let pos = self.pos;
        if pos >= body.len() {
            return None;
        }
        let eol = body[pos..]
            .iter()
            .position(|&b| b == b'\r' || b == b'\n')
            .map(|i| pos + i);
        let (content_end, end) = match eol {
            None if !eof => return None,
            None => (body.len(), body.len()),
            Some(i) if body[i] == b'\r' && i + 1 == body.len() && !eof => return None,
            Some(i) if body[i] == b'\r' && body.get(i + 1) == Some(&b'\n') => (i, i + 2),
            Some(i) => {
                if body[i] == b'\r' {
                    if self.lone_cr.0 == 0 {
                        self.lone_cr.1 = i;
                    }
                    self.lone_cr.0 += 1;
                }
                (i, i + 1)
            }
        };
        let start = pos;
        self.last_line_start = start;
        let content = &body[start..content_end];
        if content.len() > self.max_line && self.tally.admit(ProblemKind::LineTooLong) {
            self.problems.push(problem(
                ProblemKind::LineTooLong,
                start,
                format!(
                    "a line of {} bytes, over the limit of {}",
                    content.len(),
                    self.max_line
                ),
            ));
        }
        if let Err(e) = std::str::from_utf8(content) {
            if self.tally.admit(ProblemKind::InvalidUtf8) {
                self.problems.push(problem(
                    ProblemKind::InvalidUtf8,
                    start + e.valid_up_to(),
                    "bytes that are not valid UTF-8".into(),
                ));
            }
        }
        let mut block_start = start;
        if content.is_empty() {
            if let Some(b) = self.block.take() {
                block_start = b;
            }
        } else if content[0] != b':' {
            self.block.get_or_insert(start);
            field(content, start, &mut self.problems, &mut self.tally);
        }
        self.pos = end;
        Some(Line {
            start,
            end,
            block_start,
        })
    }

    /// The findings, once every line of the whole `body` was taken with
    /// [`next_line`](Scanner::next_line) and `eof`.
    pub(crate) fn finish(mut self, body: &[u8]) -> Scan {
        if self.lone_cr.0 > 0 {
            self.problems.push(problem(
                ProblemKind::LoneCr,
                self.lone_cr.1,
                format!(
                    "{} line(s) end with a CR not followed by LF; the first here",
                    self.lone_cr.0
                ),
            ));
        }
        if body.ends_with(b"\r") {
            self.problems.push(problem(
                ProblemKind::LoneCr,
                body.len() - 1,
                "the stream ends with a CR: parsers that wait for an LF after it (eventsource-stream) never end the last line, and drop its event".into(),
            ));
        }
        self.tally.overflow(&mut self.problems, body.len());
        Scan {
            problems: self.problems,
            pending_block: self.block,
            last_line_start: self.last_line_start,
        }
    }
}

/// Checks the raw value of an `id` or `retry` field line.
fn field(line: &[u8], start: usize, problems: &mut Vec<Problem>, tally: &mut Tally) {
    let (name, value, value_at) = match line.iter().position(|&b| b == b':') {
        Some(c) => {
            let skip = usize::from(line.get(c + 1) == Some(&b' '));
            (&line[..c], &line[c + 1 + skip..], c + 1 + skip)
        }
        None => (line, &line[line.len()..], line.len()),
    };
    match name {
        b"id" => {
            if let Some(i) = value.iter().position(|&b| b == 0) {
                if tally.admit(ProblemKind::IdNul) {
                    problems.push(problem(
                        ProblemKind::IdNul,
                        start + value_at + i,
                        format!("id {} holds NUL", shown(value)),
                    ));
                }
            } else if let Some(i) = value
                .iter()
                .position(|&b| (b < 0x20 && b != b'\t') || b == 0x7f)
            {
                if tally.admit(ProblemKind::IdControl) {
                    problems.push(problem(
                        ProblemKind::IdControl,
                        start + value_at + i,
                        format!("id {} holds control byte 0x{:02x}", shown(value), value[i]),
                    ));
                }
            }
        }
        b"retry"
            if (value.is_empty() || !value.iter().all(u8::is_ascii_digit))
                && tally.admit(ProblemKind::BadRetry) =>
        {
            let what = if value.is_empty() {
                // Blink's parser is the exception: there an empty value restores the default.
                "an empty retry value is ignored (Chromium instead resets its reconnection time to the 3 s default)".to_owned()
            } else {
                format!(
                    "retry value {} is not all ASCII digits, so it is ignored",
                    shown(value)
                )
            };
            problems.push(problem(ProblemKind::BadRetry, start + value_at, what));
        }
        _ => {}
    }
}

/// A raw value as a quoted, escaped string.
fn shown(value: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(value))
}

fn problem(kind: ProblemKind, offset: usize, detail: String) -> Problem {
    Problem {
        kind,
        offset: offset as u64,
        place: Place::Body,
        detail,
    }
}
