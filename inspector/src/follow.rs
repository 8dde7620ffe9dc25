//! `--follow`: reading a stream across disconnects with `sse_wire`'s reconnection machine, to
//! watch whether a server's resumption (`retry`, `Last-Event-ID`) really works.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sse_wire::reconnect::{self, Action, Config, Method, Reconnect, Resumption, Stopped, Verdict};
use sse_wire::sse::{Decoder, Item};

use crate::fetch::{self, FetchError, Request, Seen, Target};
use crate::{Options, ProblemKind, Report};

/// The settings of [`follow`] (see [`sse_wire::reconnect::Config`], which they fill).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowOptions {
    /// Stop after this many reconnections in a row without a successful open. Default 5.
    pub max_attempts: Option<u32>,
    /// Stop after this many reconnections in all. Default none.
    pub max_reconnects: Option<u32>,
    /// The reconnection time until the server sends `retry`. Default 3 s (`EventSource`'s).
    pub reconnection_time: Duration,
    /// Re-send a request that is not idempotent (a `POST`), with `Last-Event-ID`. Default
    /// `false`: re-sending repeats its effect.
    pub resend: bool,
    /// Resume a `POST` stream with a `GET` and `Last-Event-ID` once it carried an event ID (MCP
    /// Streamable HTTP 2025-11-25). Default `false`.
    pub resume_get: bool,
    /// The last event ID to start from, as if an earlier stream had set it. Default none.
    pub last_event_id: String,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            max_attempts: Some(5),
            max_reconnects: None,
            reconnection_time: Duration::from_secs(3),
            resend: false,
            resume_get: false,
            last_event_id: String::new(),
        }
    }
}

/// One connection of a [`follow`] session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// 0 for the first, then 1, 2, … for each reconnection.
    pub attempt: u32,
    /// When it was opened, since the session started.
    pub at: Duration,
    /// The method sent.
    pub method: String,
    /// The `Last-Event-ID` sent, if any.
    pub last_event_id: Option<String>,
    /// Its report, when a response came.
    pub report: Option<Report>,
    /// Why no response came.
    pub error: Option<String>,
    /// The last event ID of its first event (what the resumption started with).
    pub first_event_id: Option<String>,
    /// Its events whose own `id` an earlier connection had already delivered: a resumption
    /// that repeats events.
    pub repeated: usize,
    /// How it ended, in words.
    pub end: String,
}

impl Connection {
    /// Its events.
    pub fn events(&self) -> usize {
        self.report.as_ref().map_or(0, |r| r.summary.events)
    }
}

/// What [`follow`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    /// Every connection, in order.
    pub connections: Vec<Connection>,
    /// Why the session ended, in words.
    pub stopped: String,
    /// It ended because the stream could not go on: a failed response, the attempts used up,
    /// a request that may not be re-sent.
    pub failed: bool,
    /// It ended because [`Request::stop`] was set (Ctrl-C).
    pub interrupted: bool,
    /// It ended at [`Request::timeout`], which bounds the whole session.
    pub timed_out: bool,
    /// How long it lasted.
    pub elapsed: Duration,
}

/// What [`follow`] reports as it goes.
#[derive(Debug)]
#[non_exhaustive]
pub enum FollowSeen<'a> {
    /// A request is about to go out.
    Connect {
        /// 0 for the first connection, then 1, 2, …
        attempt: u32,
        /// Since the session started.
        at: Duration,
        /// How long the machine waited before it (`retry`, backoff), for a reconnection.
        waited: Option<Duration>,
        /// The method.
        method: &'a str,
        /// The `Last-Event-ID` sent, if any.
        last_event_id: Option<&'a str>,
        /// Why the last event ID is not sent, when it is not.
        unsent: Option<String>,
    },
    /// Something on the current connection.
    Seen {
        /// The connection.
        attempt: u32,
        /// What.
        seen: Seen<'a>,
    },
    /// The connection ended (or failed).
    End(&'a Connection),
}

fn method(name: &str) -> Method {
    match name.to_ascii_uppercase().as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "HEAD" | "OPTIONS" | "TRACE" | "PUT" | "DELETE" => Method::Other { idempotent: true },
        _ => Method::Other { idempotent: false },
    }
}

fn stopped_text(why: Stopped) -> (String, bool) {
    match why {
        Stopped::Done => ("the end marker arrived".into(), false),
        Stopped::NoContent => (
            "204 No Content: the server told the client to stop reconnecting".into(),
            false,
        ),
        Stopped::Failed {
            status,
            event_stream,
        } => (
            format!(
                "status {status}{}: an EventSource fails the connection and does not reconnect",
                if event_stream {
                    ""
                } else {
                    ", not a text/event-stream"
                }
            ),
            true,
        ),
        Stopped::Closed => ("closed".into(), false),
        Stopped::AttemptsExhausted { reconnects } => (
            format!("gave up after {reconnects} reconnection(s) (--max-attempts, --max-reconnects)"),
            true,
        ),
        Stopped::NotResendable => (
            "the stream broke, and a request that is not idempotent is not re-sent without --resend (nor resumed without --resume-get and an event id)".into(),
            true,
        ),
        other => (format!("{other:?}"), true),
    }
}

/// Reads `url` as an `EventSource` would, across disconnects: `sse_wire`'s [`Reconnect`]
/// machine says when to reconnect, with which request and `Last-Event-ID`, and when to stop
/// (the end marker, 204, a failed response, the attempt limit). Each connection is inspected
/// live, as [`crate::inspect_url_live`] does, with one decoder kept for the session (so the
/// last event ID carries over). `req.timeout` bounds the whole session, `req.stop` ends it.
///
/// The machine's [`Config::signals`] are [`SentinelCheck::follow_signals`](crate::SentinelCheck::follow_signals): a named preset's,
/// or with [`SentinelCheck::Auto`](crate::SentinelCheck::Auto) (no event has come yet to pick one by) every preset's end
/// and error events. An end event stops the session; an error event ends the connection as a
/// network error would (reconnecting only if the request may be re-sent).
///
/// # Errors
///
/// A [`FetchError`] for an unusable URL or TLS setup; connection failures are part of the
/// session.
pub fn follow(
    url: &str,
    req: &Request,
    opts: &Options,
    fo: &FollowOptions,
    on: &mut dyn FnMut(FollowSeen<'_>),
) -> Result<Followed, FetchError> {
    let target = Target::parse(url).ok_or_else(|| FetchError::BadUrl(url.to_owned()))?;
    let tls_config = if target.https {
        Some(crate::tls::client_config(&req.tls)?)
    } else {
        None
    };
    let mut config = Config::new();
    config.method = method(&req.method);
    config.resend = fo.resend;
    config.max_attempts = fo.max_attempts;
    config.max_reconnects = fo.max_reconnects;
    config.reconnection_time = fo.reconnection_time;
    config.last_event_id = fo.last_event_id.clone().into();
    if fo.resume_get {
        config.resumption = Resumption::Mcp2025_11_25;
    }
    config.signals = opts.sentinel.follow_signals();
    let started = Instant::now();
    let deadline = started + req.timeout;
    let mut session = Reconnect::new(config);
    let mut decoder = Decoder::with_limits(opts.limits);
    let mut connections: Vec<Connection> = Vec::new();
    let mut seen_ids: HashSet<String> = HashSet::new();
    let mut waited = None;
    // When the last input that can start a wait (a response, a body end, an error) was given
    // to the machine: the wait it chose counts from there.
    let mut fed_at = Duration::ZERO;
    let (mut interrupted, mut timed_out) = (false, false);
    let why = loop {
        if req
            .stop
            .as_ref()
            .is_some_and(|s| s.load(std::sync::atomic::Ordering::Relaxed))
        {
            interrupted = true;
            session.close();
        } else if Instant::now() >= deadline {
            timed_out = true;
            session.close();
        }
        let action = match session.poll() {
            Some(action) => action,
            // A wait before the next attempt: until the session's deadline (on the clock
            // `started.elapsed()`).
            None if session.poll_timeout().is_some() => {
                let at = session.poll_timeout().unwrap_or_default();
                let d = at.saturating_sub(started.elapsed());
                let chosen = at.saturating_sub(fed_at);
                let until = Instant::now() + d;
                while Instant::now() < until.min(deadline) && !req_stopped(req) {
                    std::thread::sleep(Duration::from_millis(20).min(until - Instant::now()));
                }
                // The wait the machine chose (`retry`, backoff), not what was left of it after
                // this loop's own bookkeeping.
                waited = Some(chosen);
                let _ = session.handle_timeout(at.max(started.elapsed()));
                continue;
            }
            // Nothing in flight can be left once a read has returned: end the session rather
            // than spin.
            None => {
                session.close();
                continue;
            }
        };
        match action {
            Action::Stop(why) => break why,
            Action::Connect(c) => {
                let resume = c.request == reconnect::Request::Resume;
                let mut this = req.clone();
                if resume {
                    this.method = "GET".into();
                    this.body = None;
                    this.headers
                        .retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
                }
                let id = c.last_event_id.as_deref().map(str::to_owned);
                let unsent = c.unsent_id.map(|u| format!("{u:?}"));
                let at = started.elapsed();
                on(FollowSeen::Connect {
                    attempt: c.attempt,
                    at,
                    waited: waited.take(),
                    method: &this.method,
                    last_event_id: id.as_deref(),
                    unsent,
                });
                let extra: Vec<(String, String)> = id
                    .iter()
                    .map(|id| ("Last-Event-ID".to_owned(), id.clone()))
                    .collect();
                let mut conn = Connection {
                    attempt: c.attempt,
                    at,
                    method: this.method.clone(),
                    last_event_id: id,
                    report: None,
                    error: None,
                    first_event_id: None,
                    repeated: 0,
                    end: String::new(),
                };
                let opened = fetch::open(&target, &this, &extra, tls_config.as_ref(), deadline);
                let live = opened.and_then(|(stream, sent)| {
                    let mut head = false;
                    let attempt = c.attempt;
                    let session = &mut session;
                    let live = fetch::read_live(
                        stream,
                        &this,
                        opts,
                        decoder.clone(),
                        (Instant::now(), sent, deadline),
                        &mut |seen| {
                            match seen {
                                Seen::Head { info, .. } => {
                                    head = true;
                                    let ct = info.header("content-type").map(str::as_bytes);
                                    fed_at = started.elapsed();
                                    session.on_response(Verdict::of(info.status, ct), fed_at);
                                }
                                Seen::Record { record, .. } => {
                                    if let Item::Event(e) = &record.item {
                                        session.on_event(e.as_ref());
                                    }
                                }
                            }
                            on(FollowSeen::Seen { attempt, seen });
                        },
                    );
                    live.map(|l| (l, head))
                });
                match live {
                    Err(e) => {
                        conn.error = Some(e.to_string());
                        conn.end = format!("failed: {e}");
                        {
                            fed_at = started.elapsed();
                            session.on_error(&decoder, fed_at);
                        }
                    }
                    Ok((live, head)) => {
                        decoder = live.decoder;
                        if live.fetched.interrupted {
                            interrupted = true;
                            conn.end = "interrupted".into();
                            session.close();
                        } else if live.fetched.timed_out {
                            timed_out = true;
                            conn.end = "timeout".into();
                            session.close();
                        } else if !head {
                            conn.end = "no HTTP response head".into();
                            {
                                fed_at = started.elapsed();
                                session.on_error(&decoder, fed_at);
                            }
                        } else {
                            {
                                fed_at = started.elapsed();
                                session.on_body_end(&decoder, fed_at);
                            }
                        }
                        describe(&mut conn, &live.report, &mut seen_ids, session.stopped());
                        conn.report = Some(live.report);
                    }
                }
                on(FollowSeen::End(&conn));
                connections.push(conn);
            }
        }
    };
    let (mut stopped, mut failed) = stopped_text(why);
    if interrupted {
        (stopped, failed) = ("interrupted".into(), false);
    } else if timed_out {
        (stopped, failed) = ("the session's --timeout passed".into(), false);
    }
    Ok(Followed {
        connections,
        stopped,
        failed,
        interrupted,
        timed_out,
        elapsed: started.elapsed(),
    })
}

fn req_stopped(req: &Request) -> bool {
    req.stop
        .as_ref()
        .is_some_and(|s: &Arc<_>| s.load(std::sync::atomic::Ordering::Relaxed))
}

/// Fills in what a connection resumed and how it ended.
fn describe(
    conn: &mut Connection,
    report: &Report,
    seen_ids: &mut HashSet<String>,
    stopped: Option<Stopped>,
) {
    let mut new_ids = Vec::new();
    for (_, e) in report.events() {
        if conn.first_event_id.is_none() {
            conn.first_event_id = Some(e.id().to_owned());
        }
        if let Some(id) = e.as_ref().id_field().filter(|id| !id.is_empty()) {
            if seen_ids.contains(id) {
                conn.repeated += 1;
            }
            new_ids.push(id.to_owned());
        }
    }
    seen_ids.extend(new_ids);
    if !conn.end.is_empty() {
        return;
    }
    let status = report.http.as_ref().map_or(0, |h| h.status);
    conn.end = if stopped == Some(Stopped::Done) {
        "the end marker arrived".into()
    } else if status != 200 {
        format!("status {status}")
    } else if report
        .problems
        .iter()
        .any(|p| p.kind == ProblemKind::ServerError)
    {
        "the server reported an error".into()
    } else if report
        .problems
        .iter()
        .any(|p| p.kind == ProblemKind::Truncated)
    {
        "cut inside an event".into()
    } else if report
        .problems
        .iter()
        .any(|p| p.kind == ProblemKind::ChunkedFraming)
    {
        "the connection broke inside the chunked body".into()
    } else {
        "the body ended".into()
    };
}
