//! Ways to show a [`Report`]: NDJSON, an aligned table, a check listing, a clean stream.

use std::fmt::Write as _;

use sse_wire::sse::{Encoder, Item, OutEvent};

use std::time::Duration;

use crate::{Record, Report};

/// Which records the NDJSON and table outputs show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Show {
    /// Comment lines (keep-alives).
    pub comments: bool,
    /// Control blocks (id/retry without data).
    pub controls: bool,
    /// The final summary line (NDJSON only).
    pub summary: bool,
    /// The problems, as `"kind":"problem"` lines before the summary (NDJSON only).
    pub problems: bool,
}

impl Default for Show {
    fn default() -> Self {
        Show {
            comments: false,
            controls: false,
            summary: true,
            problems: false,
        }
    }
}

/// `s` as a JSON string literal.
fn json(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// An id cell: `-` when empty.
fn id_cell(id: &str) -> String {
    if id.is_empty() {
        "-".into()
    } else {
        cell(id, 16)
    }
}

fn retry_ms(retry: Option<std::time::Duration>) -> String {
    retry.map_or_else(|| "null".into(), |r| r.as_millis().to_string())
}

/// Since the previous event: for each record of a live read, in order, the time since the
/// event before it (events only; `None` for the first event and for other items).
#[derive(Debug, Default, Clone, Copy)]
pub struct Gaps {
    last_event: Option<Duration>,
}

impl Gaps {
    /// The gap of `record`, arrived at `at`.
    pub fn next(&mut self, record: &Record, at: Duration) -> Option<Duration> {
        if !matches!(record.item, Item::Event(_)) {
            return None;
        }
        self.last_event
            .replace(at)
            .map(|prev| at.saturating_sub(prev))
    }
}

fn ms_json(d: Option<Duration>) -> String {
    d.map_or_else(
        || "null".into(),
        |d| format!("{:.3}", d.as_secs_f64() * 1e3),
    )
}

/// The NDJSON line of one record (see [`ndjson`]), or `None` when `show` leaves it out. With
/// `timing` (a live read: the arrival and the gap since the previous event), the line ends
/// with `"at_ms"` and, for an event, `"gap_ms"`.
pub fn record_line(
    r: &Record,
    show: Show,
    timing: Option<(Duration, Option<Duration>)>,
) -> Option<String> {
    let mut line = match &r.item {
        Item::Event(e) => format!(
            r#"{{"kind":"event","offset":{},"type":{},"data":{},"lastEventId":{},"retry":{}"#,
            r.offset,
            json(e.event_type()),
            json(e.data()),
            json(e.id()),
            retry_ms(e.retry())
        ),
        Item::Control(c) if show.controls => format!(
            r#"{{"kind":"control","offset":{},"lastEventId":{},"retry":{},"setsId":{},"setsRetry":{}"#,
            r.offset,
            json(c.as_ref().id()),
            retry_ms(c.as_ref().retry()),
            c.as_ref().id_field().is_some(),
            c.as_ref().retry_field().is_some()
        ),
        Item::Comment(text) if show.comments => format!(
            r#"{{"kind":"comment","offset":{},"text":{}"#,
            r.offset,
            json(text)
        ),
        _ => return None,
    };
    if let Some((at, gap)) = timing {
        let _ = write!(line, r#","at_ms":{}"#, ms_json(Some(at)));
        if matches!(r.item, Item::Event(_)) {
            let _ = write!(line, r#","gap_ms":{}"#, ms_json(gap));
        }
    }
    line.push_str("}\n");
    Some(line)
}

/// One JSON object per line: every event (`"kind":"event"`, with `type`, `data`,
/// `lastEventId` as a browser reports it, `retry` in force in milliseconds or `null`, and the
/// `offset` of its block in the SSE body), comments and control blocks if `show` asks, the
/// problems (`"kind":"problem"`, with `problem`, `place`, `offset`, `detail`, `effect`) if it
/// asks, then a `"kind":"summary"` line.
///
/// For a live read ([`Report::timing`]), each line also has `at_ms`, its arrival since the
/// request was sent, and each event `gap_ms`, the time since the previous event; the summary
/// adds `ttfb_ms`, `first_event_ms` and `longest_silence_ms`.
pub fn ndjson(report: &Report, show: Show) -> String {
    let mut out = String::new();
    let mut gaps = Gaps::default();
    for (i, r) in report.records.iter().enumerate() {
        let timing = report
            .timing
            .as_ref()
            .and_then(|t| t.arrivals.get(i))
            .map(|&at| (at, gaps.next(r, at)));
        if let Some(line) = record_line(r, show, timing) {
            out.push_str(&line);
        }
    }
    out.push_str(&ndjson_tail(report, show));
    out
}

/// The problem lines (if `show` asks) and the summary line (if it asks) of [`ndjson`]: what a
/// live read prints after its records.
pub fn ndjson_tail(report: &Report, show: Show) -> String {
    let mut out = String::new();
    if show.problems {
        for p in &report.problems {
            let _ = writeln!(
                out,
                r#"{{"kind":"problem","problem":"{}","place":"{}","offset":{},"detail":{},"effect":{}}}"#,
                p.kind.name(),
                p.place.name(),
                p.offset,
                json(&p.detail),
                json(p.kind.effect())
            );
        }
    }
    if show.summary {
        let s = &report.summary;
        let elapsed = report.elapsed.map_or_else(
            || "null".into(),
            |d| format!("{:.3}", d.as_secs_f64() * 1e3),
        );
        let _ = write!(
            out,
            r#"{{"kind":"summary","events":{},"controls":{},"comments":{},"bodyBytes":{},"inputBytes":{},"problems":{},"elapsed_ms":{}"#,
            s.events,
            s.controls,
            s.comments,
            s.body_bytes,
            s.input_bytes,
            report.problems.len(),
            elapsed
        );
        if let Some(t) = &report.timing {
            let _ = write!(
                out,
                r#","ttfb_ms":{},"first_event_ms":{},"longest_silence_ms":{}"#,
                ms_json(t.first_byte),
                ms_json(t.first_event),
                ms_json(t.longest_silence.map(|s| s.length)),
            );
        }
        out.push_str("}\n");
    }
    out
}

/// The header of the live table ([`live_row`]).
pub fn live_header() -> String {
    format!(
        "{:>9}  {:>8}  {:>7}  {:<7}  {:<16}  {:<12}  {:>5}  DATA\n",
        "AT-MS", "GAP-MS", "OFFSET", "KIND", "TYPE", "LAST-ID", "RETRY"
    )
}

/// One row of the table a live read prints as items arrive: fixed columns (the rows are
/// printed before the widths of later ones are known), arrival and gap first; `None` when
/// `show` leaves the record out.
pub fn live_row(r: &Record, show: Show, at: Duration, gap: Option<Duration>) -> Option<String> {
    let (kind, ty, id, retry, data) = match &r.item {
        Item::Event(e) => (
            "event",
            cell(e.event_type(), 16),
            id_cell12(e.id()),
            e.retry().map_or("-".into(), |d| d.as_millis().to_string()),
            cell(e.data(), 60),
        ),
        Item::Control(c) if show.controls => (
            "control",
            "-".into(),
            id_cell12(c.as_ref().id()),
            c.as_ref()
                .retry()
                .map_or("-".into(), |d| d.as_millis().to_string()),
            "-".into(),
        ),
        Item::Comment(t) if show.comments => {
            ("comment", "-".into(), "-".into(), "-".into(), cell(t, 60))
        }
        _ => return None,
    };
    let gap = gap.map_or("-".into(), crate::timing::ms);
    let line = format!(
        "{:>9}  {:>8}  {:>7}  {:<7}  {:<16}  {:<12}  {:>5}  {}",
        crate::timing::ms(at),
        gap,
        r.offset,
        kind,
        ty,
        id,
        retry,
        data
    );
    Some(format!("{}\n", line.trim_end()))
}

fn id_cell12(id: &str) -> String {
    if id.is_empty() {
        "-".into()
    } else {
        cell(id, 12)
    }
}

/// Text cut to `max` characters, escaped so that it stays on one line.
fn cell(s: &str, max: usize) -> String {
    let mut escaped = String::new();
    for c in s.chars() {
        match c {
            '\n' => escaped.push_str("\\n"),
            '\t' => escaped.push_str("\\t"),
            '\\' => escaped.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(escaped, "\\u{{{:x}}}", u32::from(c));
            }
            c => escaped.push(c),
        }
    }
    if escaped.chars().count() > max {
        let mut cut: String = escaped.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        escaped
    }
}

/// An aligned table, one row per record that `show` selects (the summary is left to the
/// caller: see [`summary_line`]).
pub fn table(report: &Report, show: Show) -> String {
    let mut rows = vec![[
        "OFFSET".to_owned(),
        "KIND".into(),
        "TYPE".into(),
        "LAST-ID".into(),
        "RETRY".into(),
        "DATA".into(),
    ]];
    for r in &report.records {
        let row = match &r.item {
            Item::Event(e) => [
                r.offset.to_string(),
                "event".into(),
                cell(e.event_type(), 24),
                id_cell(e.id()),
                e.retry().map_or("-".into(), |d| d.as_millis().to_string()),
                cell(e.data(), 60),
            ],
            Item::Control(c) if show.controls => [
                r.offset.to_string(),
                "control".into(),
                "-".into(),
                id_cell(c.as_ref().id()),
                c.as_ref()
                    .retry()
                    .map_or("-".into(), |d| d.as_millis().to_string()),
                "-".into(),
            ],
            Item::Comment(t) if show.comments => [
                r.offset.to_string(),
                "comment".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                cell(t, 60),
            ],
            _ => continue,
        };
        rows.push(row);
    }
    let mut widths = [0usize; 6];
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (i, (c, w)) in row.iter().zip(widths).enumerate() {
            if i == 0 {
                let _ = write!(line, "{c:>w$}");
            } else {
                let _ = write!(line, "  {c:<w$}");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `3 events, 0 control blocks, 1 comment, 120 body bytes, 2 problems, 0.4 ms`.
pub fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let mut line = format!(
        "{} event(s), {} control block(s), {} comment(s), {} body bytes ({} input bytes), {} problem(s)",
        s.events,
        s.controls,
        s.comments,
        s.body_bytes,
        s.input_bytes,
        report.problems.len()
    );
    if let Some(d) = report.elapsed {
        let _ = write!(line, ", {:.1} ms", d.as_secs_f64() * 1e3);
    }
    if let Some(t) = &report.timing {
        let shown =
            |d: Option<Duration>| d.map_or("-".into(), |d| format!("{} ms", crate::timing::ms(d)));
        let _ = write!(
            line,
            "; first byte {}, first event {}, longest silence {}",
            shown(t.first_byte),
            shown(t.first_event),
            shown(t.longest_silence.map(|s| s.length))
        );
    }
    line
}

/// One line per problem, `place@offset kind: detail. effect`, then a verdict line.
pub fn check(report: &Report) -> String {
    let mut out = String::new();
    for p in &report.problems {
        let _ = writeln!(
            out,
            "{}@{} {}: {}. {}",
            p.place.name(),
            p.offset,
            p.kind.name(),
            p.detail,
            p.kind.effect()
        );
    }
    let s = &report.summary;
    if report.problems.is_empty() {
        let _ = writeln!(
            out,
            "ok: {} event(s), {} body bytes, no problems",
            s.events, s.body_bytes
        );
    } else {
        let _ = writeln!(
            out,
            "{} problem(s) in {} event(s), {} body bytes",
            report.problems.len(),
            s.events,
            s.body_bytes
        );
    }
    out
}

/// The same items re-encoded as a clean stream with `sse_wire`'s [`Encoder`]: LF line ends,
/// one `data:` line per data line, each event's and control block's own `id` and `retry`
/// fields kept ([`OutEvent::from`]), comments kept.
///
/// Returns the stream and a warning for each field the encoder refused: an id holding a
/// control byte cannot be written (no reader could send it back as `Last-Event-ID`), so it is
/// left out, which changes the last event ID readers of the clean stream see.
pub fn normalize(report: &Report) -> (Vec<u8>, Vec<String>) {
    let encoder = Encoder::new();
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for r in &report.records {
        let result = match &r.item {
            Item::Event(e) => encoder
                .encode(&OutEvent::from(e.as_ref()), &mut out)
                .or_else(|err| {
                    warnings.push(format!("body@{}: id left out: {err}", r.offset));
                    let mut ev = OutEvent::new().data(e.data());
                    if e.event_type() != "message" {
                        ev = ev.event_type(e.event_type());
                    }
                    if let Some(retry) = e.as_ref().retry_field() {
                        ev = ev.retry(retry);
                    }
                    encoder.encode(&ev, &mut out)
                }),
            Item::Control(c) => encoder
                .encode(&OutEvent::from(c.as_ref()), &mut out)
                .or_else(|err| {
                    warnings.push(format!("body@{}: id left out: {err}", r.offset));
                    match c.as_ref().retry_field() {
                        Some(retry) => encoder.encode(&OutEvent::new().retry(retry), &mut out),
                        None => Ok(()),
                    }
                }),
            Item::Comment(text) => encoder.encode(&OutEvent::comment(text), &mut out),
            _ => Ok(()),
        };
        if let Err(err) = result {
            warnings.push(format!("body@{}: left out: {err}", r.offset));
        }
    }
    (out, warnings)
}
