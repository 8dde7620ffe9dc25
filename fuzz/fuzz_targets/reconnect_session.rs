//! The client reconnection machine (`reconnect::Reconnect`) driven through a whole session: a
//! small `Config`, then responses, body bytes decoded by one `sse::BytesDecoder` kept for the
//! session (with `reconnect()` before each new body, as the module docs prescribe), body ends,
//! network errors, timeouts, caller verdicts, closes and polls. After every step:
//!
//! * once `poll()` returned `Stop`, every later poll returns that same `Stop`, `stopped()` says
//!   so, and no `Connect` ever comes again;
//! * a request that may not be re-sent (a `POST` without `resend`) goes out as
//!   `Request::Original` once, and a `Request::Resume` only happens for such a request under
//!   MCP 2025-11-25 and always carries a `Last-Event-ID` (a resuming `GET` without one is not a
//!   resume: in MCP it opens the session's standalone stream);
//! * time only moves forward (each step advances a virtual clock); every wait is a deadline
//!   counted from the input that broke the stream: without jitter at least the decoder's
//!   `retry()` when the server sent one, with the default backoff (none) exactly it or the
//!   configured reconnection time, and exactly the `Retry-After` of a retried status;
//! * an early `handle_timeout(now)` (before `poll_timeout()`) changes nothing: the same
//!   deadline, no `Connect`; the watchdog fires only on an open stream with `idle_timeout`, at
//!   or after a deadline that is at least `idle_timeout` past the last bytes;
//! * with `resend_before_first_event`, a non-idempotent request is re-sent only while no
//!   content event has been shown to the machine;
//! * `Connect::last_event_id` is never empty, is the decoder's last event ID when that can go
//!   out in a header (no C0 control but HTAB, no DEL) and the policy sends one, and `None`
//!   otherwise, with `unsent_id` saying why;
//! * connections are numbered 0, 1, 2, …; the attempts in a row never exceed `max_attempts`,
//!   nor the reconnections `max_reconnects`.
//!
//! Input: decoded with `arbitrary` (`Case` below). With `drive` set, the harness polls after
//! every step and sleeps out every wait, as a caller's loop does; otherwise polls, timeouts
//! and clock steps are steps of their own, in any order. Body pieces come from a vocabulary of SSE
//! lines (ids with and without control bytes, empty ids, valid and bogus `retry`, data, the
//! sentinel, blank lines) and raw bytes.
#![no_main]

use std::time::Duration;

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sse_wire::outcome::Signals;
use sse_wire::reconnect::{
    Action, Config, Method, Reconnect, Request, Resumption, Stopped, UnsentId, Verdict,
};
use sse_wire::sse::{BytesDecoder, Item};

#[derive(Arbitrary, Debug)]
struct Case {
    post: bool,
    resend: bool,
    resumption: u8,
    /// Factor (0-4) and cap in milliseconds.
    backoff: Option<(u8, u16)>,
    max_attempts: Option<u8>,
    max_reconnects: Option<u8>,
    sentinel: bool,
    /// Re-send a POST only before the first event.
    before_first: bool,
    /// Retry 408, 429 and 5xx.
    retry_statuses: bool,
    /// The watchdog's window in milliseconds, and the heartbeat factor.
    idle: Option<(u16, u8)>,
    reconnection_ms: u16,
    /// Halve every delay (then the `retry` floor is not checked).
    jitter: bool,
    /// Poll after every step as a caller's loop does, and sleep out every `Wait` at once; the
    /// fuzzer then needs only the inputs from the server to reach deep sessions.
    drive: bool,
    steps: Vec<Step>,
}

#[derive(Arbitrary, Debug)]
enum Step {
    Poll,
    /// The clock moves on by this many milliseconds.
    Tick(u16),
    Response {
        status: u8,
        content_type: u8,
        retry_after: Option<u16>,
    },
    Body(Vec<Piece>),
    BodyEnd,
    Error,
    Timeout,
    /// `handle_timeout` at the deadline exactly, and any dead connection reported.
    Deadline,
    Close,
    Retry,
}

#[derive(Arbitrary, Debug)]
enum Piece {
    Id(u8),
    /// An id holding a byte the `Last-Event-ID` header cannot carry (or TAB, which it can).
    ControlId(u8),
    EmptyId,
    Retry(u16),
    BogusRetry,
    Data(u8),
    Done,
    Blank,
    Raw(Vec<u8>),
}

const STATUSES: [u16; 8] = [200, 204, 429, 404, 503, 200, 500, 408];
const CONTENT_TYPES: [Option<&[u8]>; 5] = [
    Some(b"text/event-stream"),
    Some(b"Text/Event-Stream; charset=utf-8"),
    Some(b"text/x-bogus"),
    None,
    Some(b"text/event-stream;charset=latin1"),
];

fn body(pieces: &[Piece]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in pieces {
        match p {
            Piece::Id(n) => out.extend_from_slice(format!("id: {}\n", n % 8).as_bytes()),
            Piece::ControlId(b) => {
                let b = [0x01, 0x09, 0x1f, 0x7f, 0x0b, 0x08][usize::from(*b % 6)];
                out.extend_from_slice(b"id: a");
                out.push(b);
                out.extend_from_slice(b"b\n");
            }
            Piece::EmptyId => out.extend_from_slice(b"id\n"),
            Piece::Retry(ms) => out.extend_from_slice(format!("retry: {ms}\n").as_bytes()),
            Piece::BogusRetry => out.extend_from_slice(b"retry: 1x\n"),
            Piece::Data(n) => out.extend_from_slice(format!("data: {n}\n").as_bytes()),
            Piece::Done => out.extend_from_slice(b"data: [DONE]\n"),
            Piece::Blank => out.push(b'\n'),
            Piece::Raw(raw) => out.extend_from_slice(raw),
        }
    }
    out
}

fn sendable(id: &str) -> bool {
    !id.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f)
}

fn config(case: &Case) -> Config {
    let resumption = [
        Resumption::EventSource,
        Resumption::Mcp2025_11_25,
        Resumption::Mcp2026_07_28,
    ][usize::from(case.resumption % 3)];
    let mut c = Config::new();
    c.method = if case.post { Method::Post } else { Method::Get };
    c.resend = case.resend;
    c.resumption = resumption;
    c.reconnection_time = Duration::from_millis(case.reconnection_ms.into());
    if let Some((factor, cap)) = case.backoff {
        c.backoff_factor = u32::from(factor % 5);
        c.backoff_cap = Duration::from_millis(cap.into());
    }
    c.max_attempts = case.max_attempts.map(|n| u32::from(n % 8));
    c.max_reconnects = case.max_reconnects.map(|n| u32::from(n % 12));
    if case.sentinel {
        c.signals = Some(Signals::openai_chat());
    }
    c.resend_before_first_event = case.before_first;
    c.retry_statuses = case.retry_statuses;
    if let Some((ms, factor)) = case.idle {
        c.idle_timeout = Some(Duration::from_millis(ms.into()));
        c.idle_heartbeats = u32::from(factor % 4);
    }
    c
}

/// What the session has done so far, and the checks on each `poll()`.
struct Checker {
    config: Config,
    jitter: bool,
    stop: Option<Stopped>,
    connects: u32,
    originals: u32,
    /// The virtual clock.
    now: Duration,
    /// When the stream last broke, and the `Retry-After` it carried, for the wait check.
    broke: Option<(Duration, Option<Duration>)>,
    /// A content event was shown to the machine.
    delivered: bool,
}

/// Whether the session waits before its next attempt.
fn waiting<F>(s: &Reconnect<F>) -> bool {
    !s.is_open() && s.stopped().is_none() && s.poll_timeout().is_some()
}

impl Checker {
    fn poll<F: FnMut(Duration) -> Duration>(
        &mut self,
        session: &mut Reconnect<F>,
        decoder: &mut BytesDecoder,
    ) -> Option<Action> {
        let config = &self.config;
        let action = session.poll();
        match &action {
            Some(Action::Stop(why)) => {
                if let Some(prev) = self.stop {
                    assert_eq!(prev, *why, "a stop changed");
                }
                self.stop = Some(*why);
            }
            None if !session.is_open() && session.poll_timeout().is_some() => {
                // A wait: its deadline, counted from the break.
                let deadline = session.poll_timeout().unwrap();
                assert!(self.stop.is_none(), "a wait after {:?}", self.stop);
                let (at, server) = self.broke.expect("a wait without a break");
                let d = deadline
                    .checked_sub(at)
                    .expect("a deadline before the break");
                let retry = decoder.decoder().retry();
                assert_eq!(session.retry(), retry, "the machine's retry");
                if let Some(server) = server {
                    assert_eq!(d, server, "Retry-After sets the wait");
                } else if !self.jitter {
                    if let Some(r) = retry {
                        assert!(d >= r, "{d:?} < the server's retry {r:?}");
                    }
                    if config.backoff_factor <= 1 && config.backoff_cap == Duration::MAX {
                        let base = retry.unwrap_or(config.reconnection_time);
                        assert_eq!(d, base, "no backoff: the base delay");
                    }
                }
            }
            Some(Action::Connect(c)) => {
                assert!(self.stop.is_none(), "Connect after {:?}", self.stop);
                assert_eq!(c.attempt, self.connects, "attempt number");
                self.connects += 1;
                match c.request {
                    Request::Original => {
                        self.originals += 1;
                        let before_first = config.resend_before_first_event && !self.delivered;
                        if !(config.resend || config.method.is_idempotent() || before_first) {
                            assert!(self.originals <= 1, "a non-resendable request re-sent");
                        }
                        if self.originals > 1 && self.delivered {
                            assert!(
                                config.resend || config.method.is_idempotent(),
                                "a POST re-sent after its first event"
                            );
                        }
                    }
                    Request::Resume => {
                        assert!(!config.method.is_idempotent());
                        assert_eq!(config.resumption, Resumption::Mcp2025_11_25);
                        assert!(
                            c.last_event_id.is_some(),
                            "a resuming GET without Last-Event-ID: {c:?}"
                        );
                    }
                }
                let id = decoder.decoder().last_event_id();
                let policy = config.resumption != Resumption::Mcp2026_07_28;
                let want = (policy && !id.is_empty() && sendable(id)).then_some(id);
                assert_eq!(c.last_event_id.as_deref(), want, "Last-Event-ID");
                if let Some(sent) = c.last_event_id.as_deref() {
                    assert!(!sent.is_empty() && sendable(sent));
                }
                match c.unsent_id {
                    None => assert!(want.is_some() || id.is_empty()),
                    Some(UnsentId::Policy) => assert!(!policy && !id.is_empty()),
                    Some(UnsentId::Control { byte, at }) => {
                        assert!(policy && !sendable(id));
                        assert_eq!(id.as_bytes()[at], byte);
                    }
                    Some(other) => panic!("unexpected {other:?}"),
                }
                // A new connection: a new body.
                decoder.reset();
            }
            None => assert!(self.stop.is_none(), "None after {:?}", self.stop),
        }
        action
    }

    /// `handle_timeout(now)`, with the checks: an early call changes nothing; the watchdog
    /// fires only when it may. A dead connection is reported with `on_error`, as the caller
    /// must.
    fn timeout<F: FnMut(Duration) -> Duration>(
        &mut self,
        session: &mut Reconnect<F>,
        decoder: &BytesDecoder,
        now: Duration,
    ) {
        let before = session.poll_timeout();
        let open = session.is_open();
        let dead = session.handle_timeout(now);
        match before {
            Some(deadline) if now < deadline => {
                assert!(!dead, "the watchdog fired early");
                assert_eq!(
                    session.poll_timeout(),
                    before,
                    "an early wake moved the deadline"
                );
                assert_eq!(session.is_open(), open);
            }
            Some(deadline) => {
                if dead {
                    assert!(open, "a dead connection that was not open");
                    let idle = self
                        .config
                        .idle_timeout
                        .expect("a watchdog without idle_timeout");
                    assert!(deadline >= idle, "a window shorter than idle_timeout");
                    session.on_error(decoder, now);
                    if waiting(session) {
                        self.broke = Some((now, None));
                    }
                }
            }
            None => assert!(!dead, "the watchdog fired without a deadline"),
        }
    }

    /// What must hold after every step.
    fn after_step<F: FnMut(Duration) -> Duration>(&self, session: &Reconnect<F>) {
        if let Some(why) = self.stop {
            assert_eq!(session.stopped(), Some(why), "stopped() after a Stop");
            assert!(!session.is_open(), "readyState CLOSED");
        }
        if let Some(n) = self.config.max_attempts {
            assert!(session.attempts_in_row() <= n, "attempts in a row past {n}");
        }
        if let Some(n) = self.config.max_reconnects {
            assert!(session.reconnects() <= n, "reconnects past {n}");
        }
        assert!(
            session.reconnects() <= self.connects,
            "reconnects counted ahead"
        );
    }
}

fn run<F: FnMut(Duration) -> Duration>(case: &Case, mut session: Reconnect<F>) {
    let mut check = Checker {
        config: session.config().clone(),
        jitter: case.jitter,
        stop: None,
        connects: 0,
        originals: 0,
        now: Duration::ZERO,
        broke: None,
        delivered: false,
    };
    let mut decoder = BytesDecoder::new();
    for step in &case.steps {
        match step {
            Step::Poll => {
                let _ = check.poll(&mut session, &mut decoder);
            }
            Step::Tick(ms) => check.now += Duration::from_millis((*ms).into()),
            Step::Response {
                status,
                content_type,
                retry_after,
            } => {
                let status = STATUSES[usize::from(status % 8)];
                let ct = CONTENT_TYPES[usize::from(content_type % 5)];
                let mut verdict = Verdict::of(status, ct);
                let mut server = None;
                if let Some(secs) = retry_after {
                    verdict = verdict.with_retry_after(secs.to_string().as_bytes(), check.now);
                    server = Some(Duration::from_secs((*secs).into()));
                }
                let retried = check.config.retry_statuses
                    && matches!(status, 408 | 429 | 500..=599)
                    && !matches!(verdict, Verdict::Open);
                let was = waiting(&session);
                session.on_response(verdict, check.now);
                if !was && waiting(&session) {
                    assert!(retried, "{status} reconnected without retry_statuses");
                    check.broke = Some((check.now, server));
                }
            }
            Step::Body(pieces) => {
                // Bytes only arrive on an open stream.
                if session.is_open() {
                    session.on_bytes(check.now);
                    decoder.push(Bytes::from(body(pieces)));
                    for item in (&mut decoder).take(10_000) {
                        if let Ok(Item::Event(e)) = item {
                            if session.on_event(e.as_ref()) {
                                if session.stopped() != Some(Stopped::Done) {
                                    // A server error: the caller drops the connection.
                                    session.on_error(&decoder, check.now);
                                    if waiting(&session) {
                                        check.broke = Some((check.now, None));
                                    }
                                }
                                break;
                            }
                            check.delivered = true;
                        }
                    }
                }
            }
            Step::BodyEnd | Step::Error | Step::Retry => {
                let was = waiting(&session);
                match step {
                    Step::BodyEnd => session.on_body_end(&decoder, check.now),
                    Step::Error => session.on_error(&decoder, check.now),
                    _ => session.on_response(Verdict::Retry, check.now),
                }
                if !was && waiting(&session) {
                    check.broke = Some((check.now, None));
                }
            }
            Step::Timeout => {
                let now = check.now;
                check.timeout(&mut session, &decoder, now);
            }
            Step::Deadline => {
                if let Some(deadline) = session.poll_timeout() {
                    check.now = check.now.max(deadline);
                    let now = check.now;
                    check.timeout(&mut session, &decoder, now);
                }
            }
            Step::Close => session.close(),
        }
        check.after_step(&session);
        if case.drive {
            // The usual loop: poll after every input, sleep out every wait.
            for _ in 0..4 {
                match check.poll(&mut session, &mut decoder) {
                    None if !session.is_open() => match session.poll_timeout() {
                        Some(deadline) => {
                            check.now = check.now.max(deadline);
                            let now = check.now;
                            check.timeout(&mut session, &decoder, now);
                        }
                        None => break,
                    },
                    Some(Action::Connect(_)) | None | Some(Action::Stop(_)) => break,
                }
                check.after_step(&session);
            }
            check.after_step(&session);
        }
    }
}

fuzz_target!(|case: Case| {
    let jitter = case.jitter;
    let session = Reconnect::with_jitter(
        config(&case),
        move |d: Duration| {
            if jitter {
                d / 2
            } else {
                d
            }
        },
    );
    run(&case, session);
});
