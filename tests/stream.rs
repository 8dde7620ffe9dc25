//! The `stream` adapters driven as an executor drives them: the body cut at every byte offset,
//! inner streams that return `Pending` between pieces, and inner streams that panic when polled
//! after they ended, so "never polled again" is checked, not assumed.

use std::cell::Cell;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::executor::block_on;
use futures::stream::{self, Stream, StreamExt, TryStreamExt};
use sse_wire::chunked;
use sse_wire::outcome::{Outcome, Signals};
use sse_wire::sse::{
    BytesDecoder, Decoder, EncodeError, Encoder, Event, Item, Limits, OutEvent, Truncated,
};
use sse_wire::stream::{
    encode_events, ChunkedError, ChunkedStreamExt, EventStream, Message, SendError, SseError,
    SseStreamExt,
};

const CHAT: &[u8] = include_bytes!("../examples/data/chat-completion.sse");

// ---------------------------------------------------------------------------------------------
// A scripted inner stream
// ---------------------------------------------------------------------------------------------

/// Yields its steps in order, returning `Pending` (and waking) before each one, and panics if it
/// is polled after it returned an error or `None`. `taken` counts the steps handed out.
struct Script<E> {
    steps: VecDeque<Result<Bytes, E>>,
    pending: bool,
    finished: bool,
    taken: Rc<Cell<usize>>,
}

impl<E> Script<E> {
    fn new(steps: impl IntoIterator<Item = Result<Bytes, E>>) -> Self {
        Script {
            steps: steps.into_iter().collect(),
            pending: true,
            finished: false,
            taken: Rc::new(Cell::new(0)),
        }
    }

    fn ok(pieces: impl IntoIterator<Item = Bytes>) -> Self {
        Self::new(pieces.into_iter().map(Ok))
    }
}

impl<E> Unpin for Script<E> {}

impl<E> Stream for Script<E> {
    type Item = Result<Bytes, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        assert!(!self.finished, "polled after it returned an error or None");
        if std::mem::replace(&mut self.pending, false) {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.pending = true;
        let step = self.steps.pop_front();
        self.taken
            .set(self.taken.get() + usize::from(step.is_some()));
        self.finished = !matches!(step, Some(Ok(_)));
        Poll::Ready(step)
    }
}

/// `body` cut at `cuts` (sorted offsets).
fn cut(body: &Bytes, cuts: &[usize]) -> Vec<Bytes> {
    let mut pieces = Vec::new();
    let mut at = 0;
    for &c in cuts.iter().chain([&body.len()]) {
        pieces.push(body.slice(at..c));
        at = c;
    }
    pieces
}

/// Every way the tests cut a body: whole, in two at every offset, and in pieces of 1 to 9 bytes.
fn cuttings(body: &Bytes) -> impl Iterator<Item = Vec<Bytes>> + '_ {
    let halves = (0..=body.len()).map(move |k| cut(body, &[k]));
    let even = (1..10).map(move |n| {
        let cuts: Vec<usize> = (n..body.len()).step_by(n).collect();
        cut(body, &cuts)
    });
    halves.chain(even)
}

/// The data of every event of `CHAT`, read without the decoder: the file has only `data:`
/// lines, one per block, and comments.
fn chat_data() -> Vec<String> {
    let text = std::str::from_utf8(CHAT).unwrap();
    text.split("\n\n")
        .filter_map(|block| block.strip_prefix("data: "))
        .map(str::to_owned)
        .collect()
}

fn data_of<E: std::fmt::Debug>(events: Vec<Result<Event, E>>) -> Vec<String> {
    events
        .into_iter()
        .map(|e| e.unwrap().data().to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// EventStream / ItemStream
// ---------------------------------------------------------------------------------------------

#[test]
fn chat_completion_at_every_cut() {
    let body = Bytes::from_static(CHAT);
    let want = chat_data();
    assert_eq!(want.len(), 53);
    assert_eq!(want.last().unwrap(), "[DONE]");
    for pieces in cuttings(&body) {
        let events: Vec<_> = block_on(Script::<()>::ok(pieces).sse_events().collect());
        assert_eq!(data_of(events), want);
    }
}

#[test]
fn item_stream_keeps_comments_and_controls() {
    let body = Bytes::from_static(b": hi\n\nretry: 250\nid: 9\n\ndata: a\n\n:\n");
    for pieces in cuttings(&body) {
        let items: Vec<_> = block_on(Script::<()>::ok(pieces).sse_items().try_collect()).unwrap();
        let [Item::Comment(c1), Item::Control(ctl), Item::Event(ev), Item::Comment(c2)] =
            &items[..]
        else {
            panic!("{items:?}")
        };
        assert_eq!((&**c1, &**c2), (" hi", ""));
        assert_eq!(
            (ctl.as_ref().id_field(), ctl.as_ref().retry_field()),
            (Some("9"), Some(Duration::from_millis(250)))
        );
        assert_eq!((ev.data(), ev.id()), ("a", "9"));
    }
}

#[test]
fn comments_and_controls_are_absorbed_into_the_decoder() {
    let body = Bytes::from_static(b": ping\n\nid: 3\nretry: 700\n\n: ping\n\n");
    let mut events = Script::<()>::ok([body]).sse_events();
    assert!(block_on(events.next()).is_none());
    assert_eq!(events.decoder().decoder().last_event_id(), "3");
    assert_eq!(
        events.decoder().decoder().retry(),
        Some(Duration::from_millis(700))
    );
    assert_eq!(events.size_hint(), (0, Some(0))); // ended: never polled again
}

#[test]
fn piece_types() {
    // Anything `Into<Bytes>`: `Vec<u8>`, `String`, `&'static [u8]`.
    let v = stream::iter([Ok::<_, ()>(b"data: a\n\n".to_vec())]);
    let s = stream::iter([Ok::<_, ()>(String::from("data: b\n\n"))]);
    let b = stream::iter([Ok::<_, ()>(&b"data: c\n\n"[..])]);
    assert_eq!(data_of(block_on(v.sse_events().collect())), ["a"]);
    assert_eq!(data_of(block_on(s.sse_events().collect())), ["b"]);
    assert_eq!(data_of(block_on(b.sse_events().collect())), ["c"]);
}

#[test]
fn not_unpin_inner_stream() {
    let inner = stream::unfold(0, |n| async move {
        (n < 3).then(|| (Ok::<_, ()>(format!("data: {n}\n\n")), n + 1))
    });
    let events = Box::pin(inner.sse_events());
    assert_eq!(data_of(block_on(events.collect())), ["0", "1", "2"]);
}

#[test]
fn limit_error_is_followed_by_the_next_event() {
    let body = Bytes::from_static(b"data: small\n\ndata: 0123456789abcdef\n\ndata: next\n\n");
    let limits = {
        let mut limits = Limits::default();
        limits.max_event_size = 8;
        limits
    };
    for pieces in cuttings(&body) {
        let decoder = BytesDecoder::from(Decoder::with_limits(limits));
        let got: Vec<_> =
            block_on(EventStream::<_>::with_decoder(Script::<()>::ok(pieces), decoder).collect());
        let [Ok(a), Err(SseError::Limit(limit)), Ok(b)] = &got[..] else {
            panic!("{got:?}")
        };
        assert_eq!((a.data(), b.data()), ("small", "next"));
        assert!(!SseError::<()>::Limit(*limit).is_final());
    }
}

#[test]
fn line_limit_mid_stream_goes_on() {
    let body = Bytes::from(format!("data: a\n\n: {}\n\ndata: b\n\n", "x".repeat(100)));
    let limits = {
        let mut limits = Limits::default();
        limits.max_line_len = 32;
        limits
    };
    for pieces in cuttings(&body) {
        let decoder = BytesDecoder::from(Decoder::with_limits(limits));
        let got: Vec<_> =
            block_on(EventStream::<_>::with_decoder(Script::<()>::ok(pieces), decoder).collect());
        assert!(
            matches!(&got[..], [Ok(_), Err(SseError::Limit(_)), Ok(_)]),
            "{got:?}"
        );
    }
}

#[test]
fn transport_error_is_final() {
    let body = Bytes::from_static(b"data: a\n\ndata: b\n\ndata: cut");
    for pieces in cuttings(&body) {
        let n = pieces.len();
        let steps = pieces
            .into_iter()
            .map(Ok)
            .chain([Err("reset"), Ok(Bytes::from_static(b"data: never\n\n"))]);
        let script = Script::new(steps);
        let taken = script.taken.clone();
        let mut events = script.sse_events();
        let got: Vec<_> = block_on((&mut events).collect());
        // The events before the error, the error, then nothing: the piece after it stays unread,
        // and `Script` panics if polled again.
        let [Ok(a), Ok(b), Err(err)] = &got[..] else {
            panic!("{got:?}")
        };
        assert_eq!((a.data(), b.data()), ("a", "b"));
        assert_eq!(err, &SseError::Transport("reset"));
        assert!(err.is_final());
        assert_eq!(taken.get(), n + 1);
        assert!(block_on(events.next()).is_none());
        assert!(block_on(events.next()).is_none());
    }
}

#[test]
fn truncated_end_is_final() {
    let body = Bytes::from_static(b"data: a\n\nevent: x\ndata: partial");
    for pieces in cuttings(&body) {
        let mut events = Script::<()>::ok(pieces).sse_events();
        let got: Vec<_> = block_on((&mut events).collect());
        let [Ok(a), Err(SseError::Truncated(t))] = &got[..] else {
            panic!("{got:?}")
        };
        assert_eq!(a.data(), "a");
        assert_eq!(
            *t,
            Truncated {
                fields: 1,
                data_len: 0,
                partial_line: 13
            }
        );
        assert!(block_on(events.next()).is_none());
    }
    // An unterminated event: all lines ended, no blank line.
    let got: Vec<_> = block_on(
        Script::<()>::ok([Bytes::from_static(b"data: x\n")])
            .sse_events()
            .collect(),
    );
    assert!(matches!(
        &got[..],
        [Err(SseError::Truncated(Truncated {
            fields: 1,
            data_len: 1,
            partial_line: 0
        }))]
    ));
}

#[test]
fn clean_end_is_none() {
    let got: Vec<_> = block_on(
        Script::<()>::ok([Bytes::from_static(b"data: a\n\n: bye\n")])
            .sse_events()
            .collect(),
    );
    assert_eq!(data_of(got), ["a"]);
    let got: Vec<_> = block_on(Script::<()>::ok([]).sse_events().collect());
    assert!(got.is_empty());
}

#[test]
fn error_display_and_source() {
    let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "peer reset");
    let err: SseError<std::io::Error> = SseError::Transport(io);
    assert_eq!(err.to_string(), "peer reset");
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(err);
    assert_eq!(boxed.to_string(), "peer reset");
    let t = Truncated {
        fields: 1,
        data_len: 2,
        partial_line: 0,
    };
    assert_eq!(SseError::<&str>::Truncated(t).to_string(), t.to_string());
    assert_eq!(
        SseError::Transport(1).map_transport(|n| n + 1),
        SseError::Transport(2)
    );
}

// ---------------------------------------------------------------------------------------------
// Reconnecting
// ---------------------------------------------------------------------------------------------

#[test]
fn reconnect_keeps_last_event_id_and_drops_the_half_line() {
    let first = Bytes::from_static(b"retry: 1500\nid: 17\ndata: a\n\ndata: {\"cut");
    for pieces in cuttings(&first) {
        let steps = pieces.into_iter().map(Ok).chain([Err("reset")]);
        let mut events = Script::new(steps).sse_events();
        let got: Vec<_> = block_on((&mut events).collect());
        assert!(
            matches!(&got[..], [Ok(_), Err(SseError::Transport("reset"))]),
            "{got:?}"
        );
        assert_eq!(events.decoder().decoder().last_event_id(), "17");
        assert_eq!(
            events.decoder().decoder().retry(),
            Some(Duration::from_millis(1500))
        );

        // The new response starts with a line that would otherwise continue `{"cut`.
        let second = Script::<&str>::ok([Bytes::from_static(b"\"}\ndata: b\n\n")]);
        let mut events = events.reconnect(second);
        let got: Vec<_> = block_on((&mut events).collect());
        let [Ok(ev)] = &got[..] else {
            panic!("{got:?}")
        };
        assert_eq!(
            (ev.data(), ev.id(), ev.retry()),
            ("b", "17", Some(Duration::from_millis(1500)))
        );
    }
}

#[test]
fn reconnect_in_three_steps_after_a_truncated_end() {
    let first = Script::<()>::ok([Bytes::from_static(b"id: 5\ndata: a\n\ndata: par")]);
    let mut events = first.sse_events();
    let got: Vec<_> = block_on((&mut events).collect());
    assert!(matches!(&got[..], [Ok(_), Err(SseError::Truncated(_))]));
    let (_, mut decoder) = events.into_parts();
    decoder.reset();
    assert_eq!(decoder.decoder().last_event_id(), "5");
    let second = Script::<()>::ok([Bytes::from_static(b"tial\n\ndata: b\n\n")]);
    let got: Vec<_> = block_on(EventStream::<_>::with_decoder(second, decoder).collect());
    // `tial` is a field line of its own now (an unknown field, ignored): only `b` comes out.
    let [Ok(ev)] = &got[..] else {
        panic!("{got:?}")
    };
    assert_eq!((ev.data(), ev.id()), ("b", "5"));
}

// ---------------------------------------------------------------------------------------------
// Sentinels and outcomes
// ---------------------------------------------------------------------------------------------

#[test]
fn until_openai_sentinel_at_every_cut() {
    let body = Bytes::from_static(CHAT);
    let mut want = chat_data();
    want.pop(); // [DONE]
    for pieces in cuttings(&body) {
        let mut events = Script::<()>::ok(pieces)
            .sse_events()
            .until(Signals::openai_chat());
        let got: Vec<_> = block_on((&mut events).collect());
        assert_eq!(data_of(got), want);
        assert!(matches!(events.outcome(), Some(Outcome::Sentinel(e)) if e.data() == "[DONE]"));
        assert!(block_on(events.next()).is_none());
    }
}

#[test]
fn nothing_is_read_after_the_sentinel() {
    let steps = [
        Ok(Bytes::from_static(b"data: a\n\ndata: [DO")),
        Ok(Bytes::from_static(b"NE]\n\ndata: after, same piece\n\n")),
        Ok(Bytes::from_static(b"data: after\n\n")),
        Err("must not be read"),
    ];
    let script = Script::new(steps);
    let taken = script.taken.clone();
    let mut events = script.sse_events().until(Signals::openai_chat());
    let got: Vec<_> = block_on((&mut events).collect());
    assert_eq!(data_of(got), ["a"]);
    assert_eq!(taken.get(), 2);
    assert!(block_on(events.next()).is_none());
    assert_eq!(taken.get(), 2);
    assert!(matches!(events.into_parts().1, Some(Outcome::Sentinel(_))));
}

#[test]
fn until_anthropic_event_type() {
    let body = Bytes::from_static(
        b"event: message_start\ndata: {}\n\nevent: ping\ndata: {}\n\nevent: content_block_delta\ndata: {\"t\":\"hi\"}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    );
    for pieces in cuttings(&body) {
        let mut events = Script::<()>::ok(pieces)
            .sse_events()
            .until(Signals::anthropic_messages());
        let got: Vec<_> = block_on((&mut events).collect());
        let types: Vec<_> = got
            .iter()
            .map(|e| e.as_ref().unwrap().event_type().to_owned())
            .collect();
        assert_eq!(types, ["message_start", "ping", "content_block_delta"]);
        assert!(
            matches!(events.outcome(), Some(Outcome::Sentinel(e)) if e.event_type() == "message_stop")
        );
    }
    // Either marker, in a set of one's own.
    let mut either = Signals::default();
    either.end_data.push("[DONE]".into());
    either.end_types.push("message_stop".into());
    let s = Script::<()>::ok([Bytes::from_static(b"event: message_stop\ndata: x\n\n")]);
    let mut events = s.sse_events().until(either);
    assert!(block_on((&mut events).collect::<Vec<_>>()).is_empty());
    assert!(events.outcome().unwrap().is_complete());
}

#[test]
fn without_the_sentinel_the_end_is_clean_but_cut() {
    let mut body = CHAT.to_vec();
    body.truncate(body.len() - b"data: [DONE]\n\n".len());
    let body = Bytes::from(body);
    for pieces in cuttings(&body) {
        let mut events = Script::<()>::ok(pieces)
            .sse_events()
            .until(Signals::openai_chat());
        let got: Vec<_> = block_on((&mut events).collect());
        assert_eq!(got.len(), 52);
        let outcome = events.into_parts().1.unwrap();
        assert_eq!(outcome, Outcome::Clean);
        assert!(outcome.is_cut() && !outcome.is_complete());
    }
}

#[test]
fn cut_inside_an_event_is_truncated() {
    let body = Bytes::from_static(CHAT);
    // Every end inside the last content event or the sentinel is a cut inside an event.
    let last = CHAT.len() - b"data: [DONE]\n\n".len();
    for end in (last - 40..CHAT.len() - 1).filter(|&e| e != last) {
        let pieces = cut(&body.slice(..end), &[end / 2]);
        let mut events = Script::<()>::ok(pieces)
            .sse_events()
            .until(Signals::openai_chat());
        let _: Vec<_> = block_on((&mut events).collect());
        assert!(
            matches!(events.outcome(), Some(Outcome::Truncated(_))),
            "end {end}: {:?}",
            events.outcome()
        );
    }
}

#[test]
fn transport_error_outcome() {
    let steps = [Ok(Bytes::from_static(b"data: a\n\n")), Err("reset")];
    let mut events = Script::new(steps)
        .sse_events()
        .until(Signals::openai_chat());
    let got: Vec<_> = block_on((&mut events).collect());
    assert_eq!(data_of(got), ["a"]);
    let (inner, outcome) = events.into_parts();
    assert_eq!(outcome, Some(Outcome::Transport("reset")));
    assert_eq!(inner.size_hint(), (0, Some(0))); // ended: never polled again
}

#[test]
fn limit_errors_pass_through_until() {
    let limits = {
        let mut limits = Limits::default();
        limits.max_event_size = 6;
        limits
    }; // `[DONE]` fits
    let decoder = BytesDecoder::from(Decoder::with_limits(limits));
    let s = Script::<()>::ok([Bytes::from_static(
        b"data: toolong\n\ndata: ok\n\ndata: [DONE]\n\n",
    )]);
    let mut events = EventStream::<_>::with_decoder(s, decoder).until(Signals::openai_chat());
    let got: Vec<_> = block_on((&mut events).collect());
    assert!(
        matches!(&got[..], [Err(_), Ok(e)] if e.data() == "ok"),
        "{got:?}"
    );
    assert!(matches!(events.outcome(), Some(Outcome::Sentinel(_))));
}

/// The plain loop (`Signals::judge`, then `Outcome::from(finish())`) gives the same outcomes as
/// the stream adapter.
#[test]
fn judge_in_a_plain_loop() {
    fn plain(pieces: &[Bytes]) -> (Vec<String>, Outcome<()>) {
        let signals = Signals::openai_chat();
        let mut decoder = BytesDecoder::new();
        let mut data = Vec::new();
        for piece in pieces {
            decoder.push(piece.clone());
            while let Some(item) = decoder.next_ref() {
                if let Ok(sse_wire::sse::ItemRef::Event(event)) = item {
                    if let Some(end) = signals.judge(event) {
                        return (data, end);
                    }
                    data.push(event.data().to_owned());
                }
            }
        }
        (data, Outcome::from(decoder.finish()))
    }
    fn streamed(pieces: &[Bytes]) -> (Vec<String>, Outcome<()>) {
        let mut events = Script::ok(pieces.to_vec())
            .sse_events()
            .until(Signals::openai_chat());
        let got = block_on((&mut events).collect::<Vec<_>>());
        (data_of(got), events.into_parts().1.unwrap())
    }
    let full = Bytes::from_static(CHAT);
    for end in [CHAT.len(), CHAT.len() - 14, CHAT.len() - 5, 1000, 0] {
        let body = full.slice(..end);
        for pieces in [
            cut(&body, &[end / 3]),
            cut(&body, &(7..end).step_by(7).collect::<Vec<_>>()),
        ] {
            let (plain, streamed) = (plain(&pieces), streamed(&pieces));
            assert_eq!(plain, streamed, "end {end}");
        }
    }
    assert!(plain(std::slice::from_ref(&full)).1.is_complete());
    assert_eq!(plain(&[full.slice(..CHAT.len() - 14)]).1, Outcome::Clean);
    assert!(matches!(
        plain(&[full.slice(..1000)]).1,
        Outcome::Truncated(_)
    ));
}

// ---------------------------------------------------------------------------------------------
// Chunked bodies
// ---------------------------------------------------------------------------------------------

/// `payload` as a chunked body with chunks of 1, 2, 3, ... bytes, a trailer, and a next message.
fn chunked_wire(payload: &[u8]) -> Bytes {
    let mut encoder = chunked::Encoder::new();
    let mut wire = Vec::new();
    let mut rest = payload;
    let mut n = 1;
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(n.min(rest.len()));
        encoder.encode(chunk, &[], &mut wire).unwrap();
        rest = tail;
        n += 1;
    }
    let trailer = chunked::TrailerField::new("X-Sum", "42").unwrap();
    encoder.finish(&[trailer], &mut wire).unwrap();
    wire.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
    Bytes::from(wire)
}

#[test]
fn chunked_round_trip_at_every_cut() {
    let payload = b"data: {\"delta\":\"Hello\"}\r\n\r\ndata: [DONE]\n\n";
    let wire = chunked_wire(payload);
    for pieces in cuttings(&wire) {
        let mut body = Script::<()>::ok(pieces).chunked_body();
        let data: Vec<Bytes> = block_on((&mut body).try_collect()).unwrap();
        assert_eq!(data.concat(), payload);
        assert!(body.decoder().decoder().is_done());
        assert_eq!(body.trailers(), [(Bytes::from("X-Sum"), Bytes::from("42"))]);
        // Nothing after the body was read from the inner stream beyond the piece that ended it.
        let (mut inner, rest) = body.into_parts();
        let mut after = BytesMut::from(&rest[..]);
        while let Some(piece) = inner.steps.pop_front() {
            after.extend_from_slice(&piece.unwrap());
        }
        assert_eq!(after, "HTTP/1.1 200 OK\r\n");
    }
}

#[test]
fn chunked_body_carrying_sse() {
    // Raw chunked bytes -> body bytes -> events.
    let wire = chunked_wire(CHAT);
    let want = chat_data();
    for n in [1, 5, 64, 1000] {
        let pieces = cut(&wire, &(n..wire.len()).step_by(n).collect::<Vec<_>>());
        let events: Vec<_> = block_on(
            Script::<()>::ok(pieces)
                .chunked_body()
                .sse_events()
                .collect(),
        );
        assert_eq!(data_of(events), want);
    }
}

#[test]
fn chunked_truncated_body_is_a_final_error() {
    let wire = chunked_wire(b"hello world");
    let end = wire.len() - b"HTTP/1.1 200 OK\r\n".len();
    for stop in 0..end {
        let body = wire.slice(..stop);
        let mut stream = Script::<()>::ok(cut(&body, &[stop / 2])).chunked_body();
        let got: Vec<_> = block_on((&mut stream).collect());
        let (last, data) = got.split_last().unwrap();
        let err = last.as_ref().unwrap_err();
        assert!(
            matches!(
                err,
                ChunkedError::Decode(chunked::DecodeError::Truncated { .. })
            ),
            "stop {stop}: {err:?}"
        );
        assert!(b"hello world".starts_with(
            &data
                .iter()
                .map(|d| d.clone().unwrap())
                .collect::<Vec<_>>()
                .concat()
        ));
        assert!(!stream.decoder().decoder().is_done());
        assert!(block_on(stream.next()).is_none());
    }
}

#[test]
fn chunked_framing_and_transport_errors_are_final() {
    let steps = [
        Ok(Bytes::from_static(b"5\r\nhello\r\nzz\r\n")),
        Ok(Bytes::from_static(b"never")),
    ];
    let script = Script::<()>::new(steps);
    let taken = script.taken.clone();
    let mut body = script.chunked_body();
    let got: Vec<_> = block_on((&mut body).collect());
    let [Ok(hello), Err(ChunkedError::Decode(e))] = &got[..] else {
        panic!("{got:?}")
    };
    assert_eq!(hello, "hello");
    assert!(matches!(e, chunked::DecodeError::InvalidChunkSize { .. }));
    assert!(block_on(body.next()).is_none());
    assert_eq!(taken.get(), 1);

    let steps = [Ok(Bytes::from_static(b"5\r\nhel")), Err("reset")];
    let mut body = Script::new(steps).chunked_body();
    let got: Vec<_> = block_on((&mut body).collect());
    assert!(
        matches!(&got[..], [Ok(_), Err(ChunkedError::Transport("reset"))]),
        "{got:?}"
    );
    assert!(block_on(body.next()).is_none());
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

fn messages() -> Vec<Message> {
    vec![
        Message::new().data("hello").id("1"),
        Message::comment(""),
        Message::new()
            .data("two\r\nlines\rand\nmore")
            .event_type("multi"),
        Message::new().retry(Duration::from_millis(2500)),
        Message::comment("note").data(""),
        Message::new().data(String::from("é and ☃")).id(""),
    ]
}

#[test]
fn encode_stream_matches_the_encoder_and_decodes_back() {
    let msgs = messages();
    let chunks: Vec<Bytes> =
        block_on(encode_events(stream::iter(msgs.clone()).map(Ok::<_, Infallible>)).try_collect())
            .unwrap();
    assert_eq!(chunks.len(), msgs.len());

    // Byte for byte what `sse::Encoder` writes.
    let encoder = Encoder::new();
    let mut want = Vec::new();
    encoder
        .encode(&OutEvent::new().data("hello").id("1"), &mut want)
        .unwrap();
    encoder.encode(&OutEvent::comment(""), &mut want).unwrap();
    encoder
        .encode(
            &OutEvent::new()
                .data("two\r\nlines\rand\nmore")
                .event_type("multi"),
            &mut want,
        )
        .unwrap();
    encoder
        .encode(
            &OutEvent::new().retry(Duration::from_millis(2500)),
            &mut want,
        )
        .unwrap();
    encoder
        .encode(&OutEvent::comment("note"), &mut want)
        .unwrap();
    encoder
        .encode(&OutEvent::new().data(""), &mut want)
        .unwrap();
    encoder
        .encode(&OutEvent::new().data("é and ☃").id(""), &mut want)
        .unwrap();
    assert_eq!(chunks.concat(), want);

    // Decodes back.
    let items: Vec<Item> = block_on(
        stream::iter(chunks.into_iter().map(Ok::<_, ()>))
            .sse_items()
            .try_collect(),
    )
    .unwrap();
    let summary: Vec<String> = items
        .iter()
        .map(|item| match item {
            Item::Event(e) => format!("{}|{}|{}", e.event_type(), e.data(), e.id()),
            Item::Comment(c) => format!(":{c}"),
            Item::Control(c) => format!("control {:?}", c.as_ref().retry_field()),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        summary,
        [
            "message|hello|1",
            ":",
            "multi|two\nlines\nand\nmore|1",
            "control Some(2.5s)",
            ":note",
            "message||1",
            "message|é and ☃|",
        ]
    );
}

#[test]
fn relay_items_unchanged() {
    let body = Bytes::from_static(CHAT);
    let items: Vec<Item> = block_on(
        Script::<()>::ok(cut(&body, &[100, 5000]))
            .sse_items()
            .try_collect(),
    )
    .unwrap();
    let relayed: Vec<Bytes> =
        block_on(encode_events(stream::iter(items.clone()).map(Ok::<_, Infallible>)).try_collect())
            .unwrap();
    let mut again = BytesDecoder::new();
    again.push(Bytes::from(relayed.concat()));
    let items_again: Vec<Item> = (&mut again).collect::<Result<_, _>>().unwrap();
    assert_eq!(items_again, items);
    // References and boxes, and the decoder's own `Event`s.
    let events: Vec<Event> = items
        .iter()
        .filter_map(|i| match i {
            Item::Event(e) => Some(e.clone()),
            _ => None,
        })
        .collect();
    let by_ref: Vec<Bytes> =
        block_on(encode_events(stream::iter(events.iter().map(Ok::<_, Infallible>))).try_collect())
            .unwrap();
    let boxed: Vec<Bytes> = block_on(
        encode_events(stream::iter(
            events
                .iter()
                .cloned()
                .map(|e| Ok::<_, Infallible>(Box::new(e))),
        ))
        .try_collect(),
    )
    .unwrap();
    let as_message: Vec<Bytes> = block_on(
        encode_events(stream::iter(
            events
                .iter()
                .cloned()
                .map(|e| Ok::<_, Infallible>(Message::from(e))),
        ))
        .try_collect(),
    )
    .unwrap();
    assert_eq!(by_ref, boxed);
    assert_eq!(by_ref, as_message);
    assert_eq!(by_ref.len(), 53);
}

#[test]
fn encode_errors_are_typed_and_the_stream_goes_on() {
    let steps = [
        Ok(Message::new().data("a")),
        Ok(Message::comment("c").data("x").id("bad\nid")),
        Err("source failed"),
        Ok(Message::new().data("b")),
    ];
    let got: Vec<_> = block_on(encode_events(stream::iter(steps)).collect());
    assert_eq!(got.len(), 4);
    assert_eq!(got[0].as_ref().unwrap(), "data: a\n\n");
    assert_eq!(
        got[1],
        Err(SendError::Encode(EncodeError::ControlInId {
            byte: b'\n',
            at: 3
        }))
    );
    assert_eq!(got[2], Err(SendError::Source("source failed")));
    assert_eq!(got[3].as_ref().unwrap(), "data: b\n\n");

    // A failed message writes nothing, its comment included.
    let mut out = BytesMut::from("kept");
    let bad = Message::comment("c").event_type("a\rb");
    assert!(Encoder::new().encode(&bad, &mut out).is_err());
    assert_eq!(out, "kept");
}

/// The keep-alive recipe of `EncodeStream`'s docs, on tokio's paused clock.
#[tokio::test(start_paused = true)]
async fn keep_alive_recipe() {
    use tokio::time::{interval_at, sleep, Instant};

    let start = Instant::now();
    // Events at 0 s and 40 s; the stream ends at 50 s.
    let events = stream::unfold(0, |step| async move {
        match step {
            0 => Some((Ok::<_, Infallible>(Message::new().data("first")), 1)),
            1 => {
                sleep(Duration::from_secs(40)).await;
                Some((Ok(Message::new().data("second")), 2))
            }
            2 => {
                sleep(Duration::from_secs(10)).await;
                None
            }
            _ => unreachable!(),
        }
    });

    let every = Duration::from_secs(15);
    let ticks = interval_at(Instant::now() + every, every);
    let with_pings =
        tokio_stream::StreamExt::timeout_repeating(events, ticks).map(|item| match item {
            Ok(event) => event,
            Err(_silent) => Ok(Message::comment("")),
        });
    let body = encode_events(with_pings);
    let timed: Vec<(u64, Bytes)> = body
        .map(|b| (start.elapsed().as_secs(), b.unwrap()))
        .collect()
        .await;
    let want: Vec<(u64, Bytes)> = vec![
        (0, Bytes::from("data: first\n\n")),
        (15, Bytes::from(":\n")),
        (30, Bytes::from(":\n")),
        (40, Bytes::from("data: second\n\n")),
    ];
    assert_eq!(timed, want);
    assert_eq!(start.elapsed().as_secs(), 50);
}

/// Issue 25 through the `Stream` adapter: an event dropped for a limit keeps its `id` (the
/// three cases of `tests/sse_limits.rs`), at every cut into pieces.
#[test]
fn a_dropped_event_keeps_its_id_through_the_stream_adapter() {
    let long = "x".repeat(200);
    let mut third = b"id: 1\ndata: a\n\n".to_vec();
    for _ in 0..10 {
        third.extend_from_slice(b"data: yyyyyyyyyy\n");
    }
    third.extend_from_slice(b"id: 2\n\ndata: c\n\n");
    let cases = [
        format!("id: 1\ndata: a\n\ndata: {long}\nid: 2\n\ndata: c\n\n").into_bytes(),
        format!("id: 1\ndata: a\n\nid: 2\ndata: {long}\n\ndata: c\n\n").into_bytes(),
        third,
    ];
    let mut limits = Limits::default();
    limits.max_line_len = 64;
    limits.max_event_size = 64;
    for case in cases {
        let body = Bytes::from(case);
        for pieces in cuttings(&body) {
            let decoder = BytesDecoder::from(Decoder::with_limits(limits));
            let mut items: EventStream<_, Item> =
                EventStream::with_decoder(Script::<()>::ok(pieces), decoder);
            let got: Vec<_> = block_on((&mut items).collect());
            let shape: Vec<String> = got
                .iter()
                .map(|i| match i {
                    Ok(Item::Event(e)) => format!("{}@{}", e.data(), e.id()),
                    Ok(Item::Control(c)) => format!("control@{}", c.as_ref().id()),
                    Ok(_) => "other".into(),
                    Err(SseError::Limit(_)) => "error".into(),
                    Err(e) => format!("{e:?}"),
                })
                .collect();
            assert_eq!(shape, ["a@1", "error", "control@2", "c@2"]);
            assert_eq!(items.decoder().decoder().last_event_id(), "2");
        }
    }
}
