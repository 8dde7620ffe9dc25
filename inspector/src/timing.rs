//! When a live stream's bytes and items arrived, and what that says about buffering on the way.

use std::fmt::Write as _;
use std::time::Duration;

use sse_wire::sse::Item;

use crate::{HttpInfo, Place, Problem, ProblemKind, Record};

/// Events that arrive less than this apart belong to one burst. Token streams space their events
/// by tens of milliseconds at the least; a released buffer delivers them within microseconds.
pub const BURST_GAP: Duration = Duration::from_millis(20);

/// A burst counts as held back when no event arrived for at least this long before it (a
/// quarter of a second: ten times the spacing of a typical token stream, and well above the
/// scheduling noise of a loaded machine).
pub const HELD: Duration = Duration::from_millis(250);

/// A stretch of time in which no byte arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Silence {
    /// When it began (the arrival of the bytes before it), since the request was sent.
    pub from: Duration,
    /// How long it lasted.
    pub length: Duration,
}

/// When things arrived on a live read. Times count from the moment the request was sent (after
/// the TCP connect and the TLS handshake).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Timing {
    /// For each of [`Report::records`](crate::Report::records), in order: when the read that
    /// completed it arrived.
    pub arrivals: Vec<Duration>,
    /// The first byte of the response.
    pub first_byte: Option<Duration>,
    /// The first event.
    pub first_event: Option<Duration>,
    /// The longest time without a byte, from the first byte to the end of reading.
    pub longest_silence: Option<Silence>,
    /// When reading stopped.
    pub end: Duration,
}

impl Timing {
    /// The arrival of each event, with its index in the records.
    fn events<'a>(&'a self, records: &'a [Record]) -> impl Iterator<Item = (usize, Duration)> + 'a {
        records
            .iter()
            .zip(&self.arrivals)
            .enumerate()
            .filter(|(_, (r, _))| matches!(r.item, Item::Event(_)))
            .map(|(i, (_, at))| (i, *at))
    }
}

/// `d` in milliseconds with one decimal.
pub(crate) fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

/// One burst: consecutive events less than [`BURST_GAP`] apart.
#[derive(Debug, Clone, Copy)]
struct Burst {
    /// Index in the records of its first event.
    first: usize,
    events: usize,
    start: Duration,
    end: Duration,
    /// Time without an event before it (since the request for the first burst).
    silence: Duration,
}

fn bursts(timing: &Timing, records: &[Record]) -> Vec<Burst> {
    let mut out: Vec<Burst> = Vec::new();
    for (i, at) in timing.events(records) {
        match out.last_mut() {
            Some(b) if at.saturating_sub(b.end) < BURST_GAP => {
                b.events += 1;
                b.end = at;
            }
            last => {
                let silence = at.saturating_sub(last.map_or(Duration::ZERO, |b| b.end));
                out.push(Burst {
                    first: i,
                    events: 1,
                    start: at,
                    end: at,
                    silence,
                });
            }
        }
    }
    out
}

/// A [`ProblemKind::Buffered`] problem when the events arrived in a few large bursts after long
/// silences: at least 3 events, at least 3 per burst on average, and a burst of at least 3
/// that came after [`HELD`] or more without an event. The detail gives the figures, and the
/// causes the response head points at.
pub(crate) fn diagnose(
    timing: &Timing,
    records: &[Record],
    info: Option<&HttpInfo>,
) -> Option<Problem> {
    let bursts = bursts(timing, records);
    let events: usize = bursts.iter().map(|b| b.events).sum();
    if events < 3 || bursts.len() * 3 > events {
        return None;
    }
    let held = bursts
        .iter()
        .filter(|b| b.events >= 3 && b.silence >= HELD)
        .max_by_key(|b| (b.events, b.silence))?;
    let mut detail = format!(
        "{events} events arrived in {} burst(s); {} of them within {} ms, after {} ms without an event",
        bursts.len(),
        held.events,
        ms(held.end - held.start),
        ms(held.silence),
    );
    if let Some(first) = timing.first_byte {
        let _ = write!(detail, " (first byte at {} ms", ms(first));
        if let Some(ev) = timing.first_event {
            let _ = write!(detail, ", first event at {} ms", ms(ev));
        }
        detail.push(')');
    }
    detail.push_str(": the stream was held back on the way and let through at once, as a buffering proxy or a compression layer does (or a server that writes its events all at once)");
    let causes = info.map(causes).unwrap_or_default();
    if !causes.is_empty() {
        let _ = write!(
            detail,
            "; the response head points at: {}",
            causes.join("; ")
        );
    }
    Some(Problem {
        kind: ProblemKind::Buffered,
        offset: records.get(held.first).map_or(0, |r| r.offset),
        place: Place::Body,
        detail,
    })
}

/// What in a response head makes buffering on the way likely.
pub(crate) fn causes(info: &HttpInfo) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(enc) = info.header("content-encoding") {
        if !enc.trim().eq_ignore_ascii_case("identity") {
            out.push(format!(
                "Content-Encoding: {enc} on an event stream (a compressor holds its output until a block fills; tower-http skips text/event-stream by default, expressjs/compression needs res.flush())"
            ));
        }
    }
    let server = info.header("server").unwrap_or("").to_ascii_lowercase();
    let accel = info.header("x-accel-buffering");
    if (server.contains("nginx") || server.contains("openresty"))
        && !accel.is_some_and(|v| v.trim().eq_ignore_ascii_case("no"))
    {
        out.push(format!(
            "behind nginx (Server: {}) without X-Accel-Buffering: no (proxy_buffering is on by default)",
            info.header("server").unwrap_or("")
        ));
    }
    if let Some(len) = info.header("content-length") {
        out.push(format!(
            "Content-Length: {len} on a stream (the body was sized, so produced or held whole, before it was sent)"
        ));
    }
    let cc = info.header("cache-control");
    if !cc.is_some_and(|v| {
        v.split(',')
            .any(|d| d.trim().eq_ignore_ascii_case("no-transform"))
    }) {
        out.push(match cc {
            Some(v) => format!(
                "Cache-Control: {v} without no-transform (intermediaries may compress or otherwise transform the stream, RFC 9111 section 5.2.2.6)"
            ),
            None => "no Cache-Control: no-transform (intermediaries may compress or otherwise transform the stream, RFC 9111 section 5.2.2.6)".into(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{inspect, BodyFraming, Options};

    /// `n` events, 10 bytes each.
    fn records(n: usize) -> Vec<Record> {
        let body: String = (0..n).map(|i| format!("data: e{i}\n\n")).collect();
        inspect(body.as_bytes(), &Options::default()).records
    }

    fn timing(ms: &[u64]) -> Timing {
        Timing {
            arrivals: ms.iter().map(|&m| Duration::from_millis(m)).collect(),
            first_byte: Some(Duration::from_millis(1)),
            first_event: ms.first().map(|&m| Duration::from_millis(m)),
            longest_silence: None,
            end: Duration::from_millis(*ms.last().unwrap_or(&0)),
        }
    }

    #[test]
    fn bursts_after_silences_are_diagnosed_and_spread_events_are_not() {
        let held = timing(&[1500, 1500, 1501, 1501, 1502]);
        let p = diagnose(&held, &records(5), None).expect("buffered");
        assert_eq!((p.kind, p.offset), (ProblemKind::Buffered, 0));
        assert!(p.detail.starts_with("5 events arrived in 1 burst(s); 5 of them within 2.0 ms, after 1500.0 ms without an event"), "{}", p.detail);
        // One by one, 150 ms apart: five bursts of one.
        let spread = timing(&[150, 300, 450, 600, 750]);
        assert!(diagnose(&spread, &records(5), None).is_none());
        // All at once but at once after the request: nothing was held.
        let fast = timing(&[5, 5, 5, 6, 6]);
        assert!(diagnose(&fast, &records(5), None).is_none());
        // A slow start, then a steady stream: not buffered.
        let slow = timing(&[2000, 2040, 2080, 2120, 2160, 2200]);
        assert!(diagnose(&slow, &records(6), None).is_none());
        // Two events are too few to judge.
        assert!(diagnose(&timing(&[1500, 1500]), &records(2), None).is_none());
    }

    #[test]
    fn causes_from_the_head() {
        let info = |headers: &[(&str, &str)]| HttpInfo {
            status: 200,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            framing: BodyFraming::Close,
            head_len: 0,
        };
        let clean = info(&[
            ("Server", "nginx/1.25"),
            ("X-Accel-Buffering", "no"),
            ("Cache-Control", "no-cache, no-transform"),
        ]);
        assert!(causes(&clean).is_empty(), "{:?}", causes(&clean));
        let bad = info(&[
            ("Server", "nginx/1.25"),
            ("Content-Encoding", "gzip"),
            ("Content-Length", "120"),
            ("Cache-Control", "no-cache"),
        ]);
        let found = causes(&bad);
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[0].starts_with("Content-Encoding: gzip on an event stream"));
        assert!(
            found[1].starts_with("behind nginx (Server: nginx/1.25) without X-Accel-Buffering: no")
        );
        assert!(found[2].starts_with("Content-Length: 120 on a stream"));
        assert!(found[3].starts_with("Cache-Control: no-cache without no-transform"));
        let plain = info(&[("Cache-Control", "no-transform")]);
        assert!(causes(&plain).is_empty());
    }
}
