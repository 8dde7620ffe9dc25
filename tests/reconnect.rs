//! The client reconnection machine against the rules it ports: HTML Living Standard §9.2
//! ("Server-sent events": §9.2.1 intro, §9.2.3 processing model, §9.2.6 interpreting an event
//! stream), the WPT `eventsource/` tests named in each test, MCP Streamable HTTP 2025-11-25 and
//! 2026-07-28, and the reqwest-eventsource / fetch-event-source bugs it must not repeat.

use std::time::Duration;

use bytes::Bytes;
use proptest::prelude::*;
use sse_wire::outcome::Signals;
use sse_wire::reconnect::{
    Action, Config, Connect, Method, Reconnect, Request, Resumption, Stopped, StreamState,
    UnsentId, Verdict,
};
use sse_wire::sse::{BytesDecoder, Event, Item};

const ES: Option<&[u8]> = Some(b"text/event-stream");

/// The caller's clock for the tests that do not look at time: every input at the origin, so a
/// deadline is the delay itself.
const T0: Duration = Duration::ZERO;

/// Milliseconds on the caller's clock.
fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The default configuration, changed by `set`.
fn configured(set: impl FnOnce(&mut Config)) -> Config {
    let mut config = Config::new();
    set(&mut config);
    config
}

/// What `EventSource.readyState` would say: CONNECTING, OPEN or CLOSED.
fn ready_state<J>(s: &Reconnect<J>) -> &'static str {
    match (s.is_open(), s.stopped()) {
        (true, _) => "OPEN",
        (false, Some(_)) => "CLOSED",
        (false, None) => "CONNECTING",
    }
}

/// Decodes `body` and shows each event to the machine; returns the events.
fn feed<J: FnMut(Duration) -> Duration>(
    session: &mut Reconnect<J>,
    decoder: &mut BytesDecoder,
    body: &[u8],
) -> Vec<Event> {
    decoder.push(Bytes::copy_from_slice(body));
    let mut events = Vec::new();
    for item in &mut *decoder {
        if let Item::Event(e) = item.unwrap() {
            let stop = session.on_event(e.as_ref());
            events.push(e);
            if stop {
                break;
            }
        }
    }
    events
}

fn connect<J: FnMut(Duration) -> Duration>(session: &mut Reconnect<J>) -> Connect {
    match session.poll() {
        Some(Action::Connect(c)) => c,
        other => panic!("expected Connect, got {other:?}"),
    }
}

/// The wait after a break at [`T0`]: its deadline (so its length), slept out.
fn wait<J: FnMut(Duration) -> Duration>(session: &mut Reconnect<J>) -> Duration {
    match (session.poll(), session.poll_timeout()) {
        (None, Some(d)) => {
            assert!(!session.handle_timeout(d));
            d
        }
        other => panic!("expected a wait, got {other:?}"),
    }
}

fn stopped<J: FnMut(Duration) -> Duration>(session: &mut Reconnect<J>) -> Stopped {
    match session.poll() {
        Some(Action::Stop(s)) => s,
        other => panic!("expected Stop, got {other:?}"),
    }
}

/// One connection that opens, carries `body` and ends cleanly.
fn open_and_end(session: &mut Reconnect, decoder: &mut BytesDecoder, body: &[u8]) {
    decoder.reset();
    session.on_response(Verdict::of(200, ES), T0);
    assert_eq!(ready_state(session), "OPEN");
    feed(session, decoder, body);
    session.on_body_end(&*decoder, T0);
}

#[test]
fn first_poll_connects_once_with_the_original_request_and_no_id() {
    let mut s = Reconnect::new(Config::new());
    assert_eq!(ready_state(&s), "CONNECTING");
    let c = connect(&mut s);
    assert_eq!(
        (c.request, c.last_event_id.as_deref(), c.attempt),
        (Request::Original, None, 0)
    );
    // In flight: nothing to do until the response.
    assert_eq!(s.poll(), None);
    assert_eq!(s.poll(), None);
}

/// WPT eventsource-reconnect: a body that ends without error puts the source in CONNECTING and
/// it reconnects after the reconnection time (§9.2.3 "reestablish the connection").
#[test]
fn wpt_eventsource_reconnect_body_end_reconnects() {
    let mut s = Reconnect::new(Config::new());
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    open_and_end(&mut s, &mut d, b"retry: 1000\ndata: hi\n\n");
    assert_eq!(ready_state(&s), "CONNECTING");
    assert_eq!(wait(&mut s), Duration::from_millis(1000));
    let c = connect(&mut s);
    assert_eq!((c.request, c.attempt), (Request::Original, 1));
    assert_eq!(s.reconnects(), 1);
}

/// Chromium `kDefaultReconnectDelay` and WebKit: 3000 ms until the server sends `retry`.
#[test]
fn default_reconnection_time_is_three_seconds() {
    let mut s = Reconnect::new(Config::new());
    let _ = connect(&mut s);
    s.on_error(
        StreamState {
            last_event_id: "",
            retry: None,
        },
        T0,
    );
    assert_eq!(wait(&mut s), Duration::from_secs(3));
    let mut s = Reconnect::new(configured(|c| {
        c.reconnection_time = Duration::from_millis(10)
    }));
    let _ = connect(&mut s);
    s.on_error(
        StreamState {
            last_event_id: "",
            retry: None,
        },
        T0,
    );
    assert_eq!(wait(&mut s), Duration::from_millis(10));
}

/// WPT eventsource-close.window.js: 200, reconnect and 200 again, then 204 closes for good.
#[test]
fn wpt_eventsource_close_204_after_reconnects_stops() {
    let mut s = Reconnect::new(Config::new());
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    open_and_end(&mut s, &mut d, b"retry: 0\ndata: 1\n\n");
    let _ = wait(&mut s);
    let _ = connect(&mut s);
    open_and_end(&mut s, &mut d, b"data: 2\n\n");
    let _ = wait(&mut s);
    let _ = connect(&mut s);
    s.on_response(Verdict::of(204, None), T0);
    assert_eq!(ready_state(&s), "CLOSED");
    assert_eq!(stopped(&mut s), Stopped::NoContent);
    assert_eq!(stopped(&mut s), Stopped::NoContent, "Stop is sticky");
}

/// WPT request-status-error: 204, 205, 210, 299, 404, 410, 503 → error, CLOSED, no message and
/// no reconnection (§9.2.3: a status other than 200 fails the connection; §9.2.1: 204 means stop).
#[test]
fn wpt_request_status_error_statuses_close_without_reconnecting() {
    for status in [204, 205, 210, 299, 404, 410, 503] {
        let mut s = Reconnect::new(Config::new());
        let _ = connect(&mut s);
        s.on_response(Verdict::of(status, ES), T0);
        let want = if status == 204 {
            Stopped::NoContent
        } else {
            Stopped::Failed {
                status,
                event_stream: true,
            }
        };
        assert_eq!(stopped(&mut s), want, "{status}");
        assert_eq!(ready_state(&s), "CLOSED");
        // Nothing that follows revives it.
        s.on_body_end(
            StreamState {
                last_event_id: "1",
                retry: None,
            },
            T0,
        );
        s.on_error(
            StreamState {
                last_event_id: "1",
                retry: None,
            },
            T0,
        );
        assert!(!s.handle_timeout(Duration::MAX));
        assert_eq!(stopped(&mut s), want, "{status}");
        assert_eq!(s.reconnects(), 0);
    }
}

/// WPT format-mime-valid-bogus (`text/x-bogus`), format-mime-bogus (`x bogus`): CLOSED;
/// format-mime-trailing-semicolon (`text/event-stream;`): OPEN. §9.2.3 compares the MIME type
/// essence (whatwg/html#7630), so case and parameters do not matter; a missing Content-Type fails.
#[test]
fn wpt_format_mime_cases() {
    let cases: [(Option<&[u8]>, bool); 8] = [
        (Some(b"text/x-bogus"), false),
        (Some(b"x bogus"), false),
        (Some(b"text/event-stream;"), true),
        (Some(b"TEXT/Event-Stream; charset=UTF-8"), true),
        (Some(b"text/event-stream; charset=iso-8859-1"), false),
        (Some(b"text/event-streams"), false),
        (Some(b""), false),
        (None, false),
    ];
    for (ct, opens) in cases {
        let mut s = Reconnect::new(Config::new());
        let _ = connect(&mut s);
        s.on_response(Verdict::of(200, ct), T0);
        if opens {
            assert_eq!(ready_state(&s), "OPEN", "{ct:?}");
            assert_eq!(s.poll(), None);
        } else {
            assert_eq!(
                stopped(&mut s),
                Stopped::Failed {
                    status: 200,
                    event_stream: false
                },
                "{ct:?}"
            );
        }
    }
}

/// fetch-event-source's `onopen` lets the caller judge the response: here a 503 the caller knows
/// to be passing is retried, and a JSON answer is opened by choice.
#[test]
fn caller_verdict_overrides_the_standard_check() {
    let mut s = Reconnect::new(configured(|c| {
        c.reconnection_time = Duration::from_millis(5)
    }));
    let _ = connect(&mut s);
    s.on_response(Verdict::Retry, T0);
    assert_eq!(wait(&mut s), Duration::from_millis(5));
    assert_eq!(connect(&mut s).attempt, 1);
    s.on_response(Verdict::Open, T0);
    assert_eq!(ready_state(&s), "OPEN");
    assert_eq!(s.attempts_in_row(), 0, "an open resets the count");
}

/// WPT format-field-id: the id (non-ASCII here) comes back as `Last-Event-ID` on reconnection.
#[test]
fn wpt_format_field_id_is_echoed() {
    let mut s = Reconnect::new(Config::new());
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    open_and_end(&mut s, &mut d, "id: …\ndata: x\n\n".as_bytes());
    let _ = wait(&mut s);
    let c = connect(&mut s);
    assert_eq!(c.last_event_id.as_deref(), Some("…"));
    assert_eq!(c.unsent_id, None);
}

/// WPT format-field-id-2: the id survives two reconnections whose streams carry no id.
#[test]
fn wpt_format_field_id_2_survives_two_reconnects() {
    let mut s = Reconnect::new(Config::new());
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    open_and_end(&mut s, &mut d, b"id: 1\ndata: a\n\n");
    for _ in 0..2 {
        let _ = wait(&mut s);
        assert_eq!(connect(&mut s).last_event_id.as_deref(), Some("1"));
        open_and_end(&mut s, &mut d, b"data: no id here\n\n");
    }
    let _ = wait(&mut s);
    assert_eq!(connect(&mut s).last_event_id.as_deref(), Some("1"));
}

/// WPT format-field-id-3: the id persists, changes with a new `id`, and an empty `id` resets it,
/// after which no `Last-Event-ID` is sent (§9.2.3: only when the ID is not the empty string).
#[test]
fn wpt_format_field_id_3_persist_change_reset() {
    let mut s = Reconnect::new(Config::new());
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    let bodies: [(&[u8], Option<&str>); 3] = [
        (b"id: a\ndata: 1\n\ndata: 2\n\n", Some("a")),
        (b"id: b\ndata: 3\n\n", Some("b")),
        (b"id\ndata: 4\n\n", None),
    ];
    for (body, want) in bodies {
        open_and_end(&mut s, &mut d, body);
        let _ = wait(&mut s);
        let c = connect(&mut s);
        assert_eq!(c.last_event_id.as_deref(), want);
        assert_eq!(c.unsent_id, None, "an empty id is not an unsent one");
    }
}

/// WPT format-field-retry: `retry: 02000` sets 2000 ms; format-field-retry-bogus: `1000x` is
/// ignored (§9.2.6: ASCII digits only), leaving the default.
#[test]
fn wpt_format_field_retry_and_bogus() {
    for (body, want) in [
        (&b"retry: 02000\ndata: x\n\n"[..], 2000),
        (b"retry: 1000x\ndata: x\n\n", 3000),
    ] {
        let mut s = Reconnect::new(Config::new());
        let mut d = BytesDecoder::new();
        let _ = connect(&mut s);
        open_and_end(&mut s, &mut d, body);
        assert_eq!(wait(&mut s), Duration::from_millis(want));
    }
}

/// §9.2.6 applies `retry` and `id` when the line is read, even in a block without data (which
/// reqwest-eventsource 0.6 loses), and a body cut mid-event keeps the fields already read.
#[test]
fn retry_and_id_from_blocks_without_data_are_kept() {
    let mut s = Reconnect::new(Config::new());
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    open_and_end(&mut s, &mut d, b"id: 9\nretry: 750\n\ndata: cut mid-ev");
    assert_eq!(wait(&mut s), Duration::from_millis(750));
    assert_eq!(connect(&mut s).last_event_id.as_deref(), Some("9"));
}

/// A network error while the body is read reestablishes too (§9.2.3), with the state so far.
#[test]
fn network_error_mid_body_reconnects_with_the_state_so_far() {
    let mut s = Reconnect::new(Config::new());
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    s.on_response(Verdict::of(200, ES), T0);
    feed(&mut s, &mut d, b"retry: 40\nid: 3\ndata: a\n\n");
    s.on_error(&d, T0);
    assert_eq!(wait(&mut s), Duration::from_millis(40));
    assert_eq!(connect(&mut s).last_event_id.as_deref(), Some("3"));
}

/// fetch-event-source #36 / PR #54: an LLM POST re-sent on reconnect is billed twice. By default
/// a POST is never re-sent: not after a complete answer, not after a network error.
#[test]
fn post_is_never_resent_by_default() {
    let post = configured(|c| c.method = Method::Post);
    let mut s = Reconnect::new(post.clone());
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    s.on_response(Verdict::of(200, ES), T0);
    feed(
        &mut s,
        &mut d,
        b"id: 1\ndata: {\"answer\":42}\n\ndata: [DONE]\n\n",
    );
    s.on_body_end(&d, T0);
    assert_eq!(stopped(&mut s), Stopped::NotResendable);

    let mut s = Reconnect::new(post.clone());
    let _ = connect(&mut s);
    s.on_error(
        StreamState {
            last_event_id: "",
            retry: None,
        },
        T0,
    );
    assert_eq!(stopped(&mut s), Stopped::NotResendable);

    let mut s = Reconnect::new(configured(|c| {
        c.method = Method::Other { idempotent: false }
    }));
    let _ = connect(&mut s);
    s.on_error(
        StreamState {
            last_event_id: "",
            retry: None,
        },
        T0,
    );
    assert_eq!(stopped(&mut s), Stopped::NotResendable);

    // Opted in: re-sent as the original request.
    let mut post = post;
    post.resend = true;
    let mut s = Reconnect::new(post);
    let _ = connect(&mut s);
    s.on_error(
        StreamState {
            last_event_id: "",
            retry: None,
        },
        T0,
    );
    let _ = wait(&mut s);
    assert_eq!(connect(&mut s).request, Request::Original);
}

/// A sentinel event ends the session without reconnecting; what follows is ignored.
#[test]
fn sentinel_stops_the_session() {
    let mut s = Reconnect::new(configured(|c| c.signals = Some(Signals::openai_chat())));
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    s.on_response(Verdict::of(200, ES), T0);
    let events = feed(
        &mut s,
        &mut d,
        b"data: a\n\ndata: [DONE]\n\ndata: after\n\n",
    );
    assert_eq!(events.len(), 2, "reading stopped at the sentinel");
    assert_eq!(stopped(&mut s), Stopped::Done);
    s.on_body_end(&d, T0);
    assert_eq!(stopped(&mut s), Stopped::Done);

    // Without a sentinel configured, the same body reconnects.
    let mut s = Reconnect::new(Config::new());
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    open_and_end(&mut s, &mut d, b"data: [DONE]\n\n");
    let _ = wait(&mut s);
}

/// Anthropic's sentinel is an event type, matched through the borrowed path too.
#[test]
fn sentinel_by_event_type_through_event_ref() {
    let mut s = Reconnect::new(configured(|c| {
        c.signals = Some(Signals::anthropic_messages())
    }));
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    s.on_response(Verdict::of(200, ES), T0);
    d.push(Bytes::from_static(b"event: message_stop\ndata: {}\n\n"));
    let Some(Ok(sse_wire::sse::ItemRef::Event(e))) = d.next_ref() else {
        panic!()
    };
    assert!(s.on_event(e));
    assert_eq!(stopped(&mut s), Stopped::Done);
}

/// Backoff multiplies from the base for each reconnection in a row, is capped, and starts over
/// after a successful open.
#[test]
fn backoff_multiplies_caps_and_resets_after_open() {
    let config = configured(|c| {
        c.reconnection_time = Duration::from_millis(100);
        c.backoff_factor = 2;
        c.backoff_cap = Duration::from_millis(700);
    });
    let mut s = Reconnect::new(config);
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    let mut delays = Vec::new();
    for _ in 0..5 {
        s.on_error(&d, T0);
        delays.push(wait(&mut s).as_millis());
        let _ = connect(&mut s);
    }
    assert_eq!(delays, [100, 200, 400, 700, 700]);
    assert_eq!(s.attempts_in_row(), 5);
    open_and_end(&mut s, &mut d, b"data: x\n\n");
    assert_eq!(s.attempts_in_row(), 1);
    assert_eq!(wait(&mut s).as_millis(), 100, "reset after the open");
}

/// The server's `retry` is the base backoff grows from, and a floor even above the cap (MCP
/// 2025-11-25: the client MUST wait `retry`).
#[test]
fn server_retry_is_the_base_and_a_floor_over_the_cap() {
    let config = configured(|c| {
        c.backoff_factor = 3;
        c.backoff_cap = Duration::from_millis(500);
    });
    let mut s = Reconnect::new(config);
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    open_and_end(&mut s, &mut d, b"retry: 100\ndata: x\n\n");
    let mut delays = vec![wait(&mut s).as_millis()];
    for _ in 0..3 {
        let _ = connect(&mut s);
        s.on_error(&d, T0);
        delays.push(wait(&mut s).as_millis());
    }
    assert_eq!(delays, [100, 300, 500, 500]);

    let mut s = Reconnect::new(configured(|c| {
        c.backoff_factor = 2;
        c.backoff_cap = Duration::from_millis(50);
    }));
    let _ = connect(&mut s);
    s.on_error(
        StreamState {
            last_event_id: "",
            retry: Some(Duration::from_millis(800)),
        },
        T0,
    );
    assert_eq!(wait(&mut s).as_millis(), 800, "cap below retry: retry wins");
}

/// reqwest-eventsource #29: its retry counter never increments, so `max_retries` is never
/// reached. Here each reconnection counts, and the limit stops the session.
#[test]
fn attempt_counter_increments_and_max_attempts_stops() {
    let mut s = Reconnect::new(configured(|c| c.max_attempts = Some(3)));
    let _ = connect(&mut s);
    for n in 1..=3 {
        s.on_error(
            StreamState {
                last_event_id: "",
                retry: None,
            },
            T0,
        );
        let _ = wait(&mut s);
        let c = connect(&mut s);
        assert_eq!((c.attempt, s.attempts_in_row()), (n, n));
    }
    s.on_error(
        StreamState {
            last_event_id: "",
            retry: None,
        },
        T0,
    );
    assert_eq!(
        stopped(&mut s),
        Stopped::AttemptsExhausted { reconnects: 3 }
    );

    // A successful open resets the count: an open after each failure never runs out.
    let mut s = Reconnect::new(configured(|c| c.max_attempts = Some(1)));
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    for _ in 0..5 {
        open_and_end(&mut s, &mut d, b"data: x\n\n");
        let _ = wait(&mut s);
        let _ = connect(&mut s);
    }
    assert_eq!(s.reconnects(), 5);

    // `max_attempts(0)`: never reconnect.
    let mut s = Reconnect::new(configured(|c| c.max_attempts = Some(0)));
    let _ = connect(&mut s);
    s.on_error(
        StreamState {
            last_event_id: "",
            retry: None,
        },
        T0,
    );
    assert_eq!(
        stopped(&mut s),
        Stopped::AttemptsExhausted { reconnects: 0 }
    );
}

/// fetch-event-source #79 (endless repeats): a server that opens and ends at once resets the
/// attempt count every time; `max_reconnects` bounds the session as a whole.
#[test]
fn max_reconnects_bounds_an_open_and_close_loop() {
    let mut s = Reconnect::new(configured(|c| {
        c.max_attempts = Some(1);
        c.max_reconnects = Some(4);
    }));
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    let mut connections = 1;
    loop {
        open_and_end(&mut s, &mut d, b"data: x\n\n");
        match s.poll() {
            None => {
                let _ = wait(&mut s);
            }
            Some(Action::Stop(stop)) => {
                assert_eq!(stop, Stopped::AttemptsExhausted { reconnects: 4 });
                break;
            }
            other => panic!("{other:?}"),
        }
        let _ = connect(&mut s);
        connections += 1;
    }
    assert_eq!(connections, 5);
}

/// Jitter comes last: it sees the capped, floored delay and its answer is what is handed out.
#[test]
fn jitter_is_applied_last() {
    let mut seen = Vec::new();
    {
        let jitter = |d: Duration| {
            seen.push(d.as_millis());
            d + Duration::from_millis(7)
        };
        let config = configured(|c| {
            c.reconnection_time = Duration::from_millis(100);
            c.backoff_factor = 10;
            c.backoff_cap = Duration::from_millis(250);
        });
        let mut s = Reconnect::with_jitter(config, jitter);
        let _ = connect(&mut s);
        let mut out = Vec::new();
        for _ in 0..3 {
            s.on_error(
                StreamState {
                    last_event_id: "",
                    retry: None,
                },
                T0,
            );
            out.push(wait(&mut s).as_millis());
            let _ = connect(&mut s);
        }
        assert_eq!(out, [107, 257, 257]);
    }
    assert_eq!(seen, [100, 250, 250]);
}

/// MCP Streamable HTTP 2025-11-25 "Resumability and Redelivery": once a POST stream carried an
/// event ID (here from a priming event without data), it is resumed with a GET and
/// `Last-Event-ID`, and stays a GET; the server's `retry` is waited.
#[test]
fn mcp_2025_11_25_post_stream_with_an_id_resumes_with_get() {
    let config = configured(|c| {
        c.method = Method::Post;
        c.resumption = Resumption::Mcp2025_11_25;
    });
    let mut s = Reconnect::new(config);
    let mut d = BytesDecoder::new();
    assert_eq!(connect(&mut s).request, Request::Original);
    open_and_end(&mut s, &mut d, b"id: req7-0\nretry: 500\n\n");
    assert_eq!(wait(&mut s).as_millis(), 500);
    let c = connect(&mut s);
    assert_eq!(
        (c.request, c.last_event_id.as_deref()),
        (Request::Resume, Some("req7-0"))
    );
    // The resumed GET breaks too: still a GET, with the newer id.
    open_and_end(&mut s, &mut d, b"id: req7-1\ndata: {}\n\n");
    let _ = wait(&mut s);
    let c = connect(&mut s);
    assert_eq!(
        (c.request, c.last_event_id.as_deref()),
        (Request::Resume, Some("req7-1"))
    );
    assert_eq!(s.request(), Request::Resume);
}

/// MCP 2025-11-25: a resumed stream whose server then reset the last event ID (an empty `id`
/// field) or set one no header can carry has nothing left to resume from. A `GET` without
/// `Last-Event-ID` is not a resume (in MCP it opens the session's standalone stream instead of
/// continuing the POST's), so the POST is re-sent if allowed and the session stops otherwise.
#[test]
fn mcp_2025_11_25_resume_needs_an_id_each_time() {
    for (reset, allow) in [
        (&b"id\ndata: {}\n\n"[..], false),
        (b"id: a\x01b\ndata: {}\n\n", false),
        (b"id\ndata: {}\n\n", true),
    ] {
        let config = configured(|c| {
            c.method = Method::Post;
            c.resumption = Resumption::Mcp2025_11_25;
            c.resend = allow;
        });
        let mut s = Reconnect::new(config);
        let mut d = BytesDecoder::new();
        let _ = connect(&mut s);
        open_and_end(&mut s, &mut d, b"id: req7-0\n\n");
        let _ = wait(&mut s);
        let c = connect(&mut s);
        assert_eq!(
            (c.request, c.last_event_id.as_deref()),
            (Request::Resume, Some("req7-0"))
        );
        d.reset();
        open_and_end(&mut s, &mut d, reset);
        if allow {
            let _ = wait(&mut s);
            let c = connect(&mut s);
            assert_eq!(
                (c.request, c.last_event_id.as_deref()),
                (Request::Original, None)
            );
        } else {
            assert_eq!(stopped(&mut s), Stopped::NotResendable);
        }
    }
}

/// MCP 2025-11-25: a POST stream that broke before any event ID cannot be resumed, and the POST
/// is not re-sent unless allowed; an ID no header can carry is no ID to resume from.
#[test]
fn mcp_2025_11_25_no_id_no_resume() {
    let config = configured(|c| {
        c.method = Method::Post;
        c.resumption = Resumption::Mcp2025_11_25;
    });
    let mut s = Reconnect::new(config.clone());
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    open_and_end(&mut s, &mut d, b"data: {}\n\n");
    assert_eq!(stopped(&mut s), Stopped::NotResendable);

    let mut s = Reconnect::new(config.clone());
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    open_and_end(&mut s, &mut d, b"id: a\x01b\ndata: {}\n\n");
    assert_eq!(stopped(&mut s), Stopped::NotResendable);

    let mut config = config;
    config.resend = true;
    let mut s = Reconnect::new(config);
    let _ = connect(&mut s);
    s.on_error(
        StreamState {
            last_event_id: "",
            retry: None,
        },
        T0,
    );
    let _ = wait(&mut s);
    assert_eq!(connect(&mut s).request, Request::Original);

    // The standalone GET stream is simply re-requested, with its id.
    let get = configured(|c| c.resumption = Resumption::Mcp2025_11_25);
    let mut s = Reconnect::new(get);
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    open_and_end(&mut s, &mut d, b"id: g-3\ndata: {}\n\n");
    let _ = wait(&mut s);
    let c = connect(&mut s);
    assert_eq!(
        (c.request, c.last_event_id.as_deref()),
        (Request::Original, Some("g-3"))
    );
}

/// MCP Streamable HTTP 2026-07-28 removed resumability and `Last-Event-ID`: a broken stream is
/// re-issued as a new request only when allowed, never with the header; closing cancels.
#[test]
fn mcp_2026_07_28_no_resumption() {
    let config = configured(|c| {
        c.method = Method::Post;
        c.resumption = Resumption::Mcp2026_07_28;
    });
    let mut s = Reconnect::new(config.clone());
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    open_and_end(&mut s, &mut d, b"id: 1\ndata: {}\n\n");
    assert_eq!(stopped(&mut s), Stopped::NotResendable);

    let mut resend = config.clone();
    resend.resend = true;
    let mut s = Reconnect::new(resend);
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    open_and_end(&mut s, &mut d, b"id: 1\nretry: 5\ndata: {}\n\n");
    let _ = wait(&mut s);
    let c = connect(&mut s);
    assert_eq!(c.request, Request::Original);
    assert_eq!(c.last_event_id.as_deref(), None);
    assert_eq!(c.unsent_id, Some(UnsentId::Policy));

    // Cancelling: close while the stream is open.
    let mut s = Reconnect::new(config);
    let _ = connect(&mut s);
    s.on_response(Verdict::of(200, ES), T0);
    s.close();
    assert_eq!(stopped(&mut s), Stopped::Closed);
    s.on_body_end(
        StreamState {
            last_event_id: "",
            retry: None,
        },
        T0,
    );
    assert_eq!(stopped(&mut s), Stopped::Closed);
}

/// An id with a C0 control byte (other than TAB) or DEL cannot be a header value (RFC 9110 §5.5;
/// `http::HeaderValue`): no `Last-Event-ID` is sent, and the reason is exposed. TAB is fine.
#[test]
fn id_with_a_control_byte_is_not_sent() {
    for (body, want) in [
        (&b"id: a\x01b\ndata: x\n\n"[..], Some((1u8, 1usize))),
        (b"id: ab\x7f\ndata: x\n\n", Some((0x7f, 2))),
        (b"id: a\x1bz\ndata: x\n\n", Some((0x1b, 1))),
        (b"id: a\tb\ndata: x\n\n", None),
    ] {
        let mut s = Reconnect::new(Config::new());
        let mut d = BytesDecoder::new();
        let _ = connect(&mut s);
        open_and_end(&mut s, &mut d, body);
        let _ = wait(&mut s);
        let c = connect(&mut s);
        match want {
            Some((byte, at)) => {
                assert_eq!(c.last_event_id.as_deref(), None);
                assert_eq!(c.unsent_id, Some(UnsentId::Control { byte, at }));
                assert!(!s.last_event_id().is_empty(), "the machine still knows it");
            }
            None => assert_eq!(c.last_event_id.as_deref(), Some("a\tb")),
        }
    }
}

/// WPT eventsource-request-cancellation / `close()` (§9.2.3): CLOSED at once, from any state,
/// and never reconnects.
#[test]
fn close_from_every_state() {
    // Before the first poll, while in flight, while waiting.
    let mut a = Reconnect::new(Config::new());
    a.close();
    assert_eq!(stopped(&mut a), Stopped::Closed);

    let mut b = Reconnect::new(Config::new());
    let _ = connect(&mut b);
    b.close();
    b.on_response(Verdict::of(200, ES), T0);
    assert_eq!(stopped(&mut b), Stopped::Closed);

    let mut c = Reconnect::new(Config::new());
    let _ = connect(&mut c);
    c.on_error(
        StreamState {
            last_event_id: "",
            retry: None,
        },
        T0,
    );
    assert_eq!((c.poll(), c.poll_timeout()), (None, Some(ms(3000))));
    c.close();
    assert_eq!(c.poll_timeout(), None);
    assert!(!c.handle_timeout(ms(3000)));
    assert_eq!(stopped(&mut c), Stopped::Closed);
    assert_eq!(ready_state(&c), "CLOSED");

    // A stop that came first is kept.
    let mut d = Reconnect::new(Config::new());
    let _ = connect(&mut d);
    d.on_response(Verdict::of(404, ES), T0);
    d.close();
    assert!(matches!(
        stopped(&mut d),
        Stopped::Failed { status: 404, .. }
    ));
}

/// A client restarted from saved state sends its last id on the first request.
#[test]
fn seeded_last_event_id_goes_out_first() {
    let mut s = Reconnect::new(configured(|c| c.last_event_id = "41".into()));
    assert_eq!(connect(&mut s).last_event_id.as_deref(), Some("41"));
}

/// Inputs that do not fit the state are ignored: a second response, a body end before a
/// response, a timeout when not waiting.
#[test]
fn out_of_order_inputs_are_ignored() {
    let mut s = Reconnect::new(Config::new());
    s.on_response(Verdict::of(200, ES), T0);
    s.on_body_end(
        StreamState {
            last_event_id: "x",
            retry: None,
        },
        T0,
    );
    assert!(!s.handle_timeout(Duration::MAX));
    let c = connect(&mut s);
    assert_eq!(c.last_event_id.as_deref(), None);
    s.on_body_end(
        StreamState {
            last_event_id: "x",
            retry: None,
        },
        T0,
    ); // no response yet: ignored
    assert_eq!(s.poll(), None);
    s.on_response(Verdict::of(200, ES), T0);
    s.on_response(Verdict::of(404, ES), T0); // not awaited: ignored
    assert_eq!(ready_state(&s), "OPEN");
}

#[cfg(feature = "http")]
#[test]
fn insert_headers_writes_last_event_id_only_when_sendable() {
    use http::HeaderMap;
    let mut s = Reconnect::new(Config::new());
    let mut d = BytesDecoder::new();
    let mut headers = HeaderMap::new();
    headers.insert("last-event-id", "stale".parse().unwrap());
    connect(&mut s).insert_headers(&mut headers);
    assert!(headers.get("last-event-id").is_none(), "no id: removed");
    assert_eq!(headers["accept"], "text/event-stream");
    open_and_end(&mut s, &mut d, "id: é7\ndata: x\n\n".as_bytes());
    let _ = wait(&mut s);
    connect(&mut s).insert_headers(&mut headers);
    assert_eq!(headers["last-event-id"].as_bytes(), "é7".as_bytes());
}

#[cfg(feature = "http")]
#[test]
fn method_from_http() {
    assert_eq!(Method::from(&http::Method::GET), Method::Get);
    assert_eq!(Method::from(&http::Method::POST), Method::Post);
    assert!(Method::from(&http::Method::PUT).is_idempotent());
    assert!(!Method::from(&http::Method::PATCH).is_idempotent());
}

#[derive(Debug, Clone)]
enum Input {
    Poll,
    Response(u16, u8),
    BodyEnd(u8, Option<u32>),
    Error(u8, Option<u32>),
    Timeout,
    Close,
    Retry,
    End,
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        4 => Just(Input::Poll),
        2 => (prop::sample::select(vec![200u16, 204, 301, 404, 500, 503]), 0u8..3)
            .prop_map(|(s, c)| Input::Response(s, c)),
        2 => (0u8..4, prop::option::of(0u32..10_000)).prop_map(|(i, r)| Input::BodyEnd(i, r)),
        2 => (0u8..4, prop::option::of(0u32..10_000)).prop_map(|(i, r)| Input::Error(i, r)),
        2 => Just(Input::Timeout),
        1 => Just(Input::Retry),
        1 => Just(Input::End),
        1 => Just(Input::Close),
    ]
}

fn config() -> impl Strategy<Value = Config> {
    (
        any::<bool>(),
        prop::option::of((0u32..5, 0u64..5_000)),
        prop::option::of(0u32..6),
        prop::option::of(0u32..10),
        prop::sample::select(vec![
            Resumption::EventSource,
            Resumption::Mcp2025_11_25,
            Resumption::Mcp2026_07_28,
        ]),
        any::<bool>(),
        0u64..10_000,
    )
        .prop_map(|(post, backoff, attempts, reconnects, res, resend, base)| {
            let mut c = Config::new();
            c.method = if post { Method::Post } else { Method::Get };
            c.resumption = res;
            c.resend = resend;
            c.reconnection_time = Duration::from_millis(base);
            c.signals = Some(Signals::openai_chat());
            if let Some((f, cap)) = backoff {
                c.backoff_factor = f;
                c.backoff_cap = Duration::from_millis(cap);
            }
            c.max_attempts = attempts;
            c.max_reconnects = reconnects;
            c
        })
}

proptest! {
    /// Whatever happens, the machine does not panic, a stop is final, a request that may not be
    /// re-sent is never re-sent, and without jitter no delay is shorter than the server's `retry`
    /// (MCP 2025-11-25: the client MUST wait it).
    #[test]
    fn any_input_sequence_is_handled(config in config(), inputs in prop::collection::vec(input(), 0..60)) {
        let ids = ["", "7", "a\u{1}b", "é"];
        let cts: [Option<&[u8]>; 3] = [ES, Some(b"text/html"), None];
        let resends_post = config.resend || config.method.is_idempotent();
        let mut s = Reconnect::new(config);
        let mut stop: Option<Stopped> = None;
        let mut dispatched = Vec::new();
        let mut decoder = BytesDecoder::new();
        decoder.push(Bytes::from_static(b"data: [DONE]\n\n"));
        let Some(Ok(Item::Event(done))) = decoder.next() else { panic!() };
        for i in inputs {
            match i {
                Input::Poll => match s.poll() {
                    None => {
                        // Every break happens at T0: a deadline is the delay.
                        if let (Some(d), Some(r)) = (s.poll_timeout(), s.retry()) {
                            prop_assert!(d >= r, "{d:?} < retry {r:?}");
                        }
                    }
                    Some(Action::Stop(x)) => {
                        if let Some(prev) = stop { prop_assert_eq!(prev, x); }
                        stop = Some(x);
                        prop_assert_eq!(ready_state(&s), "CLOSED");
                    }
                    Some(Action::Connect(c)) => {
                        prop_assert!(stop.is_none());
                        dispatched.push(c.attempt);
                        // A request that may not be re-sent goes out once; later ones resume.
                        if c.attempt > 0 && !resends_post {
                            prop_assert_eq!(c.request, Request::Resume);
                        }
                        if let Some(id) = c.last_event_id.as_deref() {
                            prop_assert!(!id.is_empty());
                            prop_assert!(!id.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f));
                        }
                    }
                },
                Input::Response(status, ct) => s.on_response(Verdict::of(status, cts[usize::from(ct)]), T0),
                Input::BodyEnd(id, r) => s.on_body_end(StreamState { last_event_id: ids[usize::from(id)], retry: r.map(|ms| Duration::from_millis(ms.into())) }, T0),
                Input::Error(id, r) => s.on_error(StreamState { last_event_id: ids[usize::from(id)], retry: r.map(|ms| Duration::from_millis(ms.into())) }, T0),
                Input::Timeout => { let _ = s.handle_timeout(Duration::MAX); }
                Input::Close => s.close(),
                Input::Retry => s.on_response(Verdict::Retry, T0),
                Input::End => { let _ = s.on_event(done.as_ref()); }
            }
            if stop.is_some() {
                prop_assert_eq!(ready_state(&s), "CLOSED");
            }
        }
        // Attempts are numbered 0, 1, 2, … in order.
        let expect: Vec<u32> = (0..dispatched.len() as u32).collect();
        prop_assert_eq!(dispatched, expect);
    }
}

// ---------------------------------------------------------------------------------------------
// Deadlines, the watchdog, in-band signals, Retry-After and re-sending before the first event
// (issue 25).
// ---------------------------------------------------------------------------------------------

/// A session whose first request opened a stream at `at`.
fn opened(config: Config, at: Duration) -> Reconnect {
    let mut s = Reconnect::new(config);
    let _ = connect(&mut s);
    s.on_response(Verdict::of(200, ES), at);
    s
}

/// quinn-proto's rule: a deadline out, time in. A caller woken early (a spurious wake, another
/// `select!` branch) that asks again gets the same deadline, and connecting waits for it.
#[test]
fn an_early_wake_neither_connects_nor_extends_the_wait() {
    let mut s = opened(Config::new(), ms(1_000));
    s.on_body_end(
        StreamState {
            last_event_id: "3",
            retry: Some(ms(2_000)),
        },
        ms(10_000),
    );
    assert_eq!((s.poll(), s.poll_timeout()), (None, Some(ms(12_000))));
    for early in [ms(10_001), ms(11_000), ms(11_999)] {
        assert!(!s.handle_timeout(early));
        assert_eq!(
            (s.poll(), s.poll_timeout()),
            (None, Some(ms(12_000))),
            "{early:?}"
        );
    }
    assert!(!s.handle_timeout(ms(12_500))); // late is fine
    assert_eq!(connect(&mut s).last_event_id.as_deref(), Some("3"));
    assert_eq!(
        s.poll_timeout(),
        None,
        "nothing to wait for while in flight"
    );
}

/// A stream that goes silent without closing is declared dead after `idle_timeout` without a
/// byte; any bytes (a comment included) reset the window; the caller reports `on_error` and the
/// machine reconnects with `Last-Event-ID`.
#[test]
fn the_watchdog_declares_a_silent_stream_dead() {
    let config = configured(|c| c.idle_timeout = Some(ms(30_000)));
    let mut s = opened(config, ms(0));
    assert_eq!(s.poll_timeout(), Some(ms(30_000)));
    s.on_bytes(ms(20_000)); // `: keep-alive`
    assert_eq!(s.poll_timeout(), Some(ms(50_000)));
    assert!(
        !s.handle_timeout(ms(30_000)),
        "the old deadline no longer holds"
    );
    assert!(!s.handle_timeout(ms(49_999)));
    assert!(s.is_open());
    assert!(s.handle_timeout(ms(50_000)), "silent for 30 s");
    assert!(!s.is_open());
    assert_eq!(
        s.poll(),
        None,
        "the caller reports the dead connection first"
    );
    s.on_error(
        StreamState {
            last_event_id: "7",
            retry: None,
        },
        ms(50_010),
    );
    assert_eq!(s.poll_timeout(), Some(ms(53_010)));
    assert!(!s.handle_timeout(ms(53_010)));
    assert_eq!(connect(&mut s).last_event_id.as_deref(), Some("7"));
}

/// No watchdog unless asked for: an `EventSource` waits forever.
#[test]
fn no_watchdog_by_default() {
    let mut s = opened(Config::new(), ms(0));
    assert_eq!(s.poll_timeout(), None);
    assert!(!s.handle_timeout(Duration::MAX));
    assert!(s.is_open());
}

/// With `idle_heartbeats`, the window is that many times the longest silence seen so far
/// between two pieces (langgraphjs PR #2529 sizes it from the heartbeat cadence), never less
/// than `idle_timeout`, and it carries over to the next connection.
#[test]
fn the_watchdog_window_follows_the_heartbeat_cadence() {
    let config = configured(|c| {
        c.idle_timeout = Some(ms(10_000));
        c.idle_heartbeats = 2;
    });
    let mut s = opened(config, ms(0));
    s.on_bytes(ms(1_000));
    assert_eq!(
        s.poll_timeout(),
        Some(ms(11_000)),
        "2 x 1 s is below the floor"
    );
    s.on_bytes(ms(16_000)); // a 15 s heartbeat
    assert_eq!(s.poll_timeout(), Some(ms(46_000)));
    assert!(
        !s.handle_timeout(ms(26_000)),
        "10 s of silence is within the cadence"
    );
    s.on_body_end(
        StreamState {
            last_event_id: "",
            retry: None,
        },
        ms(17_000),
    );
    assert!(!s.handle_timeout(ms(20_000)));
    let _ = connect(&mut s);
    s.on_response(Verdict::of(200, ES), ms(21_000));
    assert_eq!(s.poll_timeout(), Some(ms(51_000)));
}

/// An in-band server error (Anthropic's `event: error`) ends the connection as a network
/// error: a GET stream reconnects with its last event ID; the end event stops the session.
#[test]
fn a_server_error_event_breaks_the_connection() {
    let config = configured(|c| c.signals = Some(Signals::anthropic_messages()));
    let mut s = opened(config, T0);
    let mut d = BytesDecoder::new();
    let events = feed(
        &mut s,
        &mut d,
        b"id: 4\nevent: ping\ndata: {}\n\nevent: error\ndata: {\"type\":\"error\"}\n\ndata: after\n\n",
    );
    assert_eq!(events.len(), 2, "reading stopped at the error event");
    assert!(!s.is_open());
    assert_eq!(s.stopped(), None, "an error is not the end");
    s.on_error(&d, T0);
    assert_eq!(wait(&mut s), ms(3_000));
    assert_eq!(connect(&mut s).last_event_id.as_deref(), Some("4"));
    s.on_response(Verdict::of(200, ES), T0);
    feed(&mut s, &mut d, b"event: message_stop\ndata: {}\n\n");
    assert_eq!(stopped(&mut s), Stopped::Done);
}

/// A POST hit by an in-band error is not re-sent by default.
#[test]
fn a_server_error_on_a_post_stops_it() {
    let config = configured(|c| {
        c.method = Method::Post;
        c.signals = Some(Signals::openai_chat());
    });
    let mut s = opened(config, T0);
    let mut d = BytesDecoder::new();
    feed(
        &mut s,
        &mut d,
        b"data: {\"error\":{\"message\":\"boom\"}}\n\n",
    );
    s.on_error(&d, T0);
    assert_eq!(stopped(&mut s), Stopped::NotResendable);
}

/// The LLM SDKs' policy, opted into: a POST is re-sent while no event has arrived (a refused
/// connection, a 200 that broke before its first delta, an error event before any content),
/// never after one (it would duplicate the answer).
#[test]
fn a_post_is_re_sent_only_before_its_first_event() {
    let config = configured(|c| {
        c.method = Method::Post;
        c.resend_before_first_event = true;
        c.signals = Some(Signals::anthropic_messages());
    });
    let mut s = Reconnect::new(config);
    let mut d = BytesDecoder::new();
    let _ = connect(&mut s);
    s.on_error(&d, T0); // refused
    let _ = wait(&mut s);
    assert_eq!(connect(&mut s).request, Request::Original);
    s.on_response(Verdict::of(200, ES), T0);
    feed(
        &mut s,
        &mut d,
        b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}\n\n",
    );
    s.on_error(&d, T0); // overloaded before any content: re-sent
    let _ = wait(&mut s);
    assert_eq!(connect(&mut s).request, Request::Original);
    s.on_response(Verdict::of(200, ES), T0);
    feed(&mut s, &mut d, b"event: content_block_delta\ndata: {}\n\n");
    s.on_error(&d, T0); // broke after a delta: not re-sent
    assert_eq!(stopped(&mut s), Stopped::NotResendable);
    // Without the opt-in, the first failure already stops it.
    let mut s = Reconnect::new(configured(|c| c.method = Method::Post));
    let _ = connect(&mut s);
    s.on_error(&d, T0);
    assert_eq!(stopped(&mut s), Stopped::NotResendable);
}

/// Opted in (`retry_statuses`), a 429 or 503 reconnects after its `Retry-After` instead of the
/// backoff; without it the session fails as an `EventSource` does (HTML §9.2.3).
#[test]
fn retry_after_sets_the_wait_when_opted_in() {
    let now_utc = Duration::from_secs(784_111_717); // Sun, 06 Nov 1994 08:48:37 GMT
    let retrying = configured(|c| {
        c.retry_statuses = true;
        c.backoff_factor = 2;
    });
    let mut s = Reconnect::new(retrying.clone());
    let _ = connect(&mut s);
    s.on_response(
        Verdict::of(503, None).with_retry_after(b"120", now_utc),
        ms(1_000),
    );
    assert_eq!(s.poll_timeout(), Some(ms(121_000)));
    assert!(!s.handle_timeout(ms(121_000)));
    let _ = connect(&mut s);
    let date = b"Sun, 06 Nov 1994 08:49:37 GMT";
    s.on_response(
        Verdict::of(429, ES).with_retry_after(date, now_utc),
        ms(200_000),
    );
    assert_eq!(
        s.poll_timeout(),
        Some(ms(260_000)),
        "an HTTP date, 60 s ahead"
    );
    assert!(!s.handle_timeout(ms(260_000)));
    let _ = connect(&mut s);
    // No Retry-After: the backoff (third attempt in a row: 3 s x 2 x 2).
    s.on_response(Verdict::of(500, None), ms(300_000));
    assert_eq!(s.poll_timeout(), Some(ms(312_000)));
    assert!(!s.handle_timeout(ms(312_000)));
    let _ = connect(&mut s);
    // A status that is not retried still fails.
    s.on_response(
        Verdict::of(404, None).with_retry_after(b"1", now_utc),
        ms(400_000),
    );
    assert!(matches!(
        stopped(&mut s),
        Stopped::Failed { status: 404, .. }
    ));

    // Without the opt-in, Retry-After is not read.
    let mut s = Reconnect::new(Config::new());
    let _ = connect(&mut s);
    s.on_response(Verdict::of(503, None).with_retry_after(b"1", now_utc), T0);
    assert!(matches!(
        stopped(&mut s),
        Stopped::Failed { status: 503, .. }
    ));
}

/// RFC 9110 §10.2.3 / §5.6.7: delay-seconds and the three HTTP-date forms; anything else is
/// no Retry-After.
#[test]
fn retry_after_forms() {
    let now = Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
    let read = |v: &[u8]| match Verdict::of(503, None).with_retry_after(v, now) {
        Verdict::Fail { retry_after, .. } => retry_after,
        other => panic!("{other:?}"),
    };
    let secs = |n| Some(Duration::from_secs(n));
    assert_eq!(read(b"0"), secs(0));
    assert_eq!(read(b" 30 "), secs(30));
    assert_eq!(read(b"Sun, 06 Nov 1994 08:50:37 GMT"), secs(60));
    assert_eq!(read(b"Sunday, 06-Nov-94 08:50:37 GMT"), secs(60));
    assert_eq!(read(b"Sun Nov  6 08:50:37 1994"), secs(60));
    assert_eq!(read(b"Thu, 01 Dec 1994 16:00:00 GMT"), secs(2_185_823));
    assert_eq!(
        read(b"Sun, 06 Nov 1994 08:49:00 GMT"),
        secs(0),
        "a date in the past"
    );
    for bad in [
        &b""[..],
        b"-1",
        b"1.5",
        b"soon",
        b"Sun, 06 Nov 1994 25:00:00 GMT",
        b"Sun, 06 Foo 1994 08:49:37 GMT",
        b"Sun, 06 Nov 1994 08:49:37 UTC",
    ] {
        assert_eq!(read(bad), None, "{:?}", String::from_utf8_lossy(bad));
    }
    // Only a failing verdict carries it.
    assert_eq!(
        Verdict::of(200, ES).with_retry_after(b"5", now),
        Verdict::Open
    );
}
