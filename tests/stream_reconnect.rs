//! `stream::reconnecting`: a `reconnect::Reconnect` session driven as a `Stream`, against
//! scripted responses. Each test names the rule of the machine it shows through the adapter.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use futures::executor::block_on;
use futures::future;
use futures::stream::{self, Stream, StreamExt};
use sse_wire::outcome::Signals;
use sse_wire::reconnect::{Config, Method, Reconnect, Request, Resumption, Stopped, Verdict};
use sse_wire::sse::{BytesDecoder, Decoder, Limits};
use sse_wire::stream::{reconnecting, Opened, SseError};

/// One scripted answer: a response, or a failed request.
#[derive(Clone)]
enum Answer {
    /// Status, content type, body pieces, and whether the body fails after them.
    Response(u16, &'static str, Vec<&'static str>, bool),
    Refused,
}

/// What the adapter asked for: (request, Last-Event-ID) per connection, and every sleep.
#[derive(Default, Debug)]
struct Log {
    requests: Vec<(Request, Option<String>)>,
    sleeps: Vec<Duration>,
}

/// The adapter's items, with the event data as text.
type Items = Vec<Result<String, SseError<&'static str>>>;

type Body = stream::Iter<std::vec::IntoIter<Result<&'static str, &'static str>>>;

/// Runs a session against `answers`; returns the items, why it stopped, and the log.
fn run(
    session: Reconnect,
    decoder: BytesDecoder,
    answers: Vec<Answer>,
) -> (Items, Option<Stopped>, Log) {
    let answers = Rc::new(RefCell::new(VecDeque::from(answers)));
    let log = Rc::new(RefCell::new(Log::default()));
    let (connect_log, sleep_log) = (log.clone(), log.clone());
    // A virtual clock: each sleep moves it on by its length.
    let clock = Rc::new(std::cell::Cell::new(Duration::ZERO));
    let (sleep_clock, now_clock) = (clock.clone(), clock.clone());
    let events = reconnecting(
        session,
        decoder,
        move |c: &sse_wire::reconnect::Connect| {
            connect_log
                .borrow_mut()
                .requests
                .push((c.request, c.last_event_id.as_deref().map(str::to_owned)));
            let answer = answers.borrow_mut().pop_front().expect("a scripted answer");
            future::ready(match answer {
                Answer::Refused => Err("connection refused"),
                Answer::Response(status, content_type, pieces, fails) => {
                    let mut items: Vec<Result<&'static str, &'static str>> =
                        pieces.into_iter().map(Ok).collect();
                    if fails {
                        items.push(Err("connection reset"));
                    }
                    let body: Body = stream::iter(items);
                    Ok(Opened {
                        verdict: Verdict::of(status, Some(content_type.as_bytes())),
                        body,
                    })
                }
            })
        },
        move |delay| {
            sleep_log.borrow_mut().sleeps.push(delay);
            sleep_clock.set(sleep_clock.get() + delay);
            future::ready(())
        },
        move || now_clock.get(),
    );
    let mut events = Box::pin(events);
    let mut items = Vec::new();
    block_on(async {
        while let Some(item) = events.next().await {
            items.push(item.map(|e| e.data().to_owned()));
            assert!(items.len() < 100, "the session does not end");
        }
    });
    let stopped = events.session().stopped();
    drop(events);
    let log = Rc::try_unwrap(log).unwrap().into_inner();
    (items, stopped, log)
}

const SSE: &str = "text/event-stream";

/// The default configuration, changed by `set`.
fn configured(set: impl FnOnce(&mut Config)) -> Config {
    let mut config = Config::new();
    set(&mut config);
    config
}

#[test]
fn body_end_reconnects_after_the_streams_retry_with_the_last_event_id() {
    // HTML §9.2.3: a body that ends without error reestablishes the connection, after the
    // reconnection time, with `Last-Event-ID`; 204 then stops for good.
    let answers = vec![
        Answer::Response(200, SSE, vec!["retry: 250\nid: a\ndata: 1\n\n"], false),
        Answer::Response(200, SSE, vec!["data: 2\n\n"], false),
        Answer::Response(204, "", vec![], false),
    ];
    let (items, stopped, log) = run(Reconnect::new(Config::new()), BytesDecoder::new(), answers);
    assert_eq!(items, [Ok("1".to_owned()), Ok("2".to_owned())]);
    assert_eq!(stopped, Some(Stopped::NoContent));
    let ids: Vec<_> = log.requests.iter().map(|(_, id)| id.as_deref()).collect();
    assert_eq!(ids, [None, Some("a"), Some("a")]);
    assert_eq!(log.sleeps, [Duration::from_millis(250); 2]);
}

#[test]
fn a_cut_body_and_a_failed_request_are_reported_and_not_final() {
    let answers = vec![
        Answer::Response(
            200,
            SSE,
            vec!["retry: 5\nid: 1\ndata: a\n\ndata: lo"],
            false,
        ),
        Answer::Refused,
        Answer::Response(200, SSE, vec!["id: 2\ndata: b\n\n"], true),
        Answer::Response(200, SSE, vec!["data: [DONE]\n\n"], false),
    ];
    let session = Reconnect::new(configured(|c| c.signals = Some(Signals::openai_chat())));
    let (items, stopped, log) = run(session, BytesDecoder::new(), answers);
    assert_eq!(items.len(), 5, "{items:?}");
    assert_eq!(items[0], Ok("a".to_owned()));
    // The half event `data: lo` is dropped, and said to be.
    assert!(matches!(items[1], Err(SseError::Truncated(_))), "{items:?}");
    assert_eq!(items[2], Err(SseError::Transport("connection refused")));
    assert_eq!(items[3], Ok("b".to_owned()));
    assert_eq!(items[4], Err(SseError::Transport("connection reset")));
    // The sentinel ends the session and is not yielded.
    assert_eq!(stopped, Some(Stopped::Done));
    let ids: Vec<_> = log.requests.iter().map(|(_, id)| id.as_deref()).collect();
    assert_eq!(ids, [None, Some("1"), Some("1"), Some("2")]);
}

#[test]
fn a_post_is_never_re_sent_after_its_body_ends() {
    // The machine's rule (fetch-event-source #36, reqwest-eventsource): a non-idempotent request
    // is not repeated unless the caller opts in, even after a complete answer.
    let answers = vec![Answer::Response(
        200,
        SSE,
        vec!["id: 1\ndata: answer\n\n"],
        false,
    )];
    let session = Reconnect::new(configured(|c| c.method = Method::Post));
    let (items, stopped, log) = run(session, BytesDecoder::new(), answers);
    assert_eq!(items, [Ok("answer".to_owned())]);
    assert_eq!(stopped, Some(Stopped::NotResendable));
    assert_eq!(log.requests.len(), 1);
}

#[test]
fn a_post_stream_resumes_with_a_get_under_mcp_2025_11_25() {
    let answers = vec![
        Answer::Response(200, SSE, vec!["id: s-1\nretry: 7\ndata: x\n\n"], true),
        Answer::Response(200, SSE, vec!["id: s-2\ndata: y\n\n"], false),
        Answer::Response(204, "", vec![], false),
    ];
    let config = configured(|c| {
        c.method = Method::Post;
        c.resumption = Resumption::Mcp2025_11_25;
    });
    let (items, stopped, log) = run(Reconnect::new(config), BytesDecoder::new(), answers);
    assert_eq!(items[0], Ok("x".to_owned()));
    assert_eq!(items[2], Ok("y".to_owned()));
    assert_eq!(stopped, Some(Stopped::NoContent));
    assert_eq!(
        log.requests,
        [
            (Request::Original, None),
            (Request::Resume, Some("s-1".to_owned())),
            (Request::Resume, Some("s-2".to_owned())),
        ]
    );
    assert_eq!(log.sleeps, [Duration::from_millis(7); 2]);
}

#[test]
fn a_response_that_is_not_an_event_stream_fails_without_reconnecting() {
    // HTML §9.2.3 / WPT format-mime-valid-bogus.
    let answers = vec![Answer::Response(
        200,
        "text/x-bogus",
        vec!["data: no\n\n"],
        false,
    )];
    let (items, stopped, log) = run(Reconnect::new(Config::new()), BytesDecoder::new(), answers);
    assert!(items.is_empty());
    assert_eq!(
        stopped,
        Some(Stopped::Failed {
            status: 200,
            event_stream: false,
        })
    );
    assert_eq!(log.requests.len(), 1);
}

#[test]
fn an_event_over_the_limits_is_skipped_and_the_stream_goes_on() {
    let decoder = BytesDecoder::from(Decoder::with_limits({
        let mut limits = Limits::default();
        limits.max_event_size = 4;
        limits
    }));
    let answers = vec![
        Answer::Response(200, SSE, vec!["data: too large\n\ndata: ok\n\n"], false),
        Answer::Response(204, "", vec![], false),
    ];
    let (items, _, _) = run(Reconnect::new(Config::new()), decoder, answers);
    assert!(matches!(items[0], Err(SseError::Limit(_))), "{items:?}");
    assert_eq!(items[1], Ok("ok".to_owned()));
}

#[test]
fn close_ends_the_stream_at_once() {
    let mut events = Box::pin(reconnecting(
        Reconnect::new(Config::new()),
        BytesDecoder::new(),
        |_| {
            let body = stream::pending::<Result<&'static str, &'static str>>();
            let verdict = Verdict::of(200, Some(b"text/event-stream"));
            future::ready(Ok::<_, &str>(Opened { verdict, body }))
        },
        |_| future::ready(()),
        || Duration::ZERO,
    ));
    let waker = futures::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    // Connected, then waiting on a body that never sends anything.
    assert!(events.as_mut().poll_next(&mut cx).is_pending());
    events.as_mut().close();
    assert!(matches!(
        events.as_mut().poll_next(&mut cx),
        std::task::Poll::Ready(None)
    ));
    assert_eq!(events.session().stopped(), Some(Stopped::Closed));
}

/// A timer that fires early (a wake at half the time asked for, plus 1 ms) does not extend the
/// wait: the adapter sleeps again for the rest of the deadline only, and connects at it.
#[test]
fn an_early_timer_is_re_armed_for_the_rest_of_the_deadline() {
    let clock = Rc::new(std::cell::Cell::new(Duration::ZERO));
    let (sleep_clock, now_clock, connect_clock) = (clock.clone(), clock.clone(), clock.clone());
    let sleeps = Rc::new(RefCell::new(Vec::new()));
    let connects = Rc::new(RefCell::new(Vec::new()));
    let (sleep_log, connect_log) = (sleeps.clone(), connects.clone());
    let mut bodies = VecDeque::from(["retry: 1000\ndata: a\n\n", "data: [DONE]\n\n"]);
    let events = reconnecting(
        Reconnect::new(configured(|c| c.signals = Some(Signals::openai_chat()))),
        BytesDecoder::new(),
        move |_: &sse_wire::reconnect::Connect| {
            connect_log.borrow_mut().push(connect_clock.get());
            let body: Body = stream::iter(vec![Ok(bodies.pop_front().unwrap())]);
            future::ready(Ok::<_, &str>(Opened {
                verdict: Verdict::of(200, Some(SSE.as_bytes())),
                body,
            }))
        },
        move |delay: Duration| {
            sleep_log.borrow_mut().push(delay);
            sleep_clock.set(sleep_clock.get() + delay / 2 + Duration::from_millis(1));
            future::ready(())
        },
        move || now_clock.get(),
    );
    let got: Vec<_> = block_on(events.map(|e| e.unwrap().data().to_owned()).collect());
    assert_eq!(got, ["a"]);
    let connects = connects.borrow();
    assert_eq!(connects.len(), 2);
    // The body ended at 0: the deadline is 1000 ms, and no sleep asked for more than the rest.
    let deadline = Duration::from_millis(1000);
    assert!(connects[1] >= deadline && connects[1] <= deadline + Duration::from_millis(1));
    let sleeps = sleeps.borrow();
    assert_eq!(sleeps[0], deadline);
    assert!(sleeps.windows(2).all(|w| w[1] < w[0]), "{sleeps:?}");
}

/// The watchdog through the adapter: a body that stops sending (and never ends) is dropped
/// after `idle_timeout` of silence; the session reconnects with `Last-Event-ID`. A body
/// dropped inside an event says so (`Truncated`).
#[test]
fn the_watchdog_drops_a_silent_body_and_resumes() {
    let clock = Rc::new(std::cell::Cell::new(Duration::ZERO));
    let (sleep_clock, now_clock) = (clock.clone(), clock.clone());
    let requests = Rc::new(RefCell::new(Vec::new()));
    let log = requests.clone();
    let mut bodies = VecDeque::from(["id: 1\ndata: a\n\nid: 2\ndata: hal", "data: [DONE]\n\n"]);
    let config = configured(|c| {
        c.idle_timeout = Some(Duration::from_secs(30));
        c.signals = Some(Signals::openai_chat());
    });
    let events = reconnecting(
        Reconnect::new(config),
        BytesDecoder::new(),
        move |c: &sse_wire::reconnect::Connect| {
            log.borrow_mut()
                .push(c.last_event_id.as_deref().map(str::to_owned));
            let first = bodies.pop_front().unwrap();
            // A piece, then nothing, forever (the socket stays open).
            let body = stream::iter(vec![Ok::<_, &str>(first)]).chain(stream::pending());
            future::ready(Ok::<_, &str>(Opened {
                verdict: Verdict::of(200, Some(SSE.as_bytes())),
                body,
            }))
        },
        move |delay: Duration| {
            sleep_clock.set(sleep_clock.get() + delay);
            future::ready(())
        },
        move || now_clock.get(),
    );
    let got: Vec<_> = block_on(events.take(5).collect());
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].as_ref().unwrap().data(), "a");
    assert!(matches!(got[1], Err(SseError::Truncated(_))), "{got:?}");
    assert_eq!(*requests.borrow(), [None, Some("1".to_owned())]);
    // 30 s of silence, then the 3 s reconnection time.
    assert_eq!(clock.get(), Duration::from_secs(33));
}

/// An in-band server error event is yielded (the caller sees what the server said) and ends
/// the connection; a POST is not re-sent after it.
#[test]
fn a_server_error_event_is_yielded_and_a_post_is_not_re_sent() {
    let answers = vec![Answer::Response(
        200,
        SSE,
        vec![
            "data: {\"choices\":[]}\n\ndata: {\"error\":{\"message\":\"boom\"}}\n\ndata: after\n\n",
        ],
        false,
    )];
    let config = configured(|c| {
        c.method = Method::Post;
        c.signals = Some(Signals::openai_chat());
    });
    let (items, stopped, log) = run(Reconnect::new(config), BytesDecoder::new(), answers);
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items[1].as_ref().unwrap().contains("boom"));
    assert_eq!(stopped, Some(Stopped::NotResendable));
    assert_eq!(log.requests.len(), 1);
}
