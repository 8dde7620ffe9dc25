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
//! * without jitter, every `Wait(d)` is at least the decoder's `retry()` when the server sent
//!   one, and with the default backoff (none) exactly it or the configured reconnection time;
//! * `Connect::last_event_id` is never empty, is the decoder's last event ID when that can go
//!   out in a header (no C0 control but HTAB, no DEL) and the policy sends one, and `None`
//!   otherwise, with `unsent_id` saying why;
//! * connections are numbered 0, 1, 2, …; the attempts in a row never exceed `max_attempts`,
//!   nor the reconnections `max_reconnects`.
//!
//! Input: decoded with `arbitrary` (`Case` below). With `drive` set, the harness polls after
//! every step and times out every wait, as a caller's loop does; otherwise polls and timeouts
//! are steps of their own, in any order. Body pieces come from a vocabulary of SSE
//! lines (ids with and without control bytes, empty ids, valid and bogus `retry`, data, the
//! sentinel, blank lines) and raw bytes.
#![no_main]

use std::time::Duration;

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sse_wire::outcome::Sentinel;
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
    Response { status: u8, content_type: u8 },
    Body(Vec<Piece>),
    BodyEnd,
    Error,
    Timeout,
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

const STATUSES: [u16; 8] = [200, 204, 301, 404, 503, 200, 500, 405];
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
        c.sentinel = Some(Sentinel::openai());
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
            Some(Action::Wait(d)) => {
                let d = *d;
                assert!(self.stop.is_none(), "Wait after {:?}", self.stop);
                let retry = decoder.decoder().retry();
                assert_eq!(session.retry(), retry, "the machine's retry");
                if !self.jitter {
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
                        if !(config.resend || config.method.is_idempotent()) {
                            assert!(self.originals <= 1, "a non-resendable request re-sent");
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
    };
    let mut decoder = BytesDecoder::new();
    for step in &case.steps {
        match step {
            Step::Poll => {
                let _ = check.poll(&mut session, &mut decoder);
            }
            Step::Response {
                status,
                content_type,
            } => {
                let status = STATUSES[usize::from(status % 8)];
                let ct = CONTENT_TYPES[usize::from(content_type % 5)];
                session.on_response(Verdict::of(status, ct));
            }
            Step::Body(pieces) => {
                // Bytes only arrive on an open stream.
                if session.is_open() {
                    decoder.push(Bytes::from(body(pieces)));
                    for item in (&mut decoder).take(10_000) {
                        if let Ok(Item::Event(e)) = item {
                            if session.on_event(e.as_ref()) {
                                assert_eq!(session.stopped(), Some(Stopped::Done));
                                break;
                            }
                        }
                    }
                }
            }
            Step::BodyEnd => session.on_body_end(&decoder),
            Step::Error => session.on_error(&decoder),
            Step::Timeout => session.on_timeout(),
            Step::Close => session.close(),
            Step::Retry => session.on_response(Verdict::Retry),
        }
        check.after_step(&session);
        if case.drive {
            // The usual loop: poll after every input, sleep out every wait.
            for _ in 0..4 {
                match check.poll(&mut session, &mut decoder) {
                    Some(Action::Wait(_)) => session.on_timeout(),
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
