//! Ways to show a [`Report`]: NDJSON, an aligned table, a check listing, a clean stream.

use std::fmt::Write as _;

use sse_wire::sse::{Encoder, Item, OutEvent};

use crate::Report;

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

/// One JSON object per line: every event (`"kind":"event"`, with `type`, `data`,
/// `lastEventId` as a browser reports it, `retry` in force in milliseconds or `null`, and the
/// `offset` of its block in the SSE body), comments and control blocks if `show` asks, the
/// problems (`"kind":"problem"`, with `problem`, `place`, `offset`, `detail`, `effect`) if it
/// asks, then a `"kind":"summary"` line.
pub fn ndjson(report: &Report, show: Show) -> String {
    let mut out = String::new();
    for r in &report.records {
        match &r.item {
            Item::Event(e) => {
                let _ = writeln!(
                    out,
                    r#"{{"kind":"event","offset":{},"type":{},"data":{},"lastEventId":{},"retry":{}}}"#,
                    r.offset,
                    json(e.event_type()),
                    json(e.data()),
                    json(e.id()),
                    retry_ms(e.retry())
                );
            }
            Item::Control(c) if show.controls => {
                let _ = writeln!(
                    out,
                    r#"{{"kind":"control","offset":{},"lastEventId":{},"retry":{},"setsId":{},"setsRetry":{}}}"#,
                    r.offset,
                    json(c.as_ref().id()),
                    retry_ms(c.as_ref().retry()),
                    c.as_ref().id_field().is_some(),
                    c.as_ref().retry_field().is_some()
                );
            }
            Item::Comment(text) if show.comments => {
                let _ = writeln!(
                    out,
                    r#"{{"kind":"comment","offset":{},"text":{}}}"#,
                    r.offset,
                    json(text)
                );
            }
            _ => {}
        }
    }
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
        let _ = writeln!(
            out,
            r#"{{"kind":"summary","events":{},"controls":{},"comments":{},"bodyBytes":{},"inputBytes":{},"problems":{},"elapsed_ms":{}}}"#,
            s.events,
            s.controls,
            s.comments,
            s.body_bytes,
            s.input_bytes,
            report.problems.len(),
            elapsed
        );
    }
    out
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
