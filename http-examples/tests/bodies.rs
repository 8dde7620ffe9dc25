//! `sse_wire::stream::encode_events` as the response body of the two HTTP stacks most Rust
//! servers use: an axum `Body` and a hyper `StreamBody`. The bytes that come out of the body
//! are exactly the encoded events, and an error of the event stream becomes a body error.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use futures::executor::block_on;
use futures::stream::{self, StreamExt, TryStreamExt};
use sse_wire::stream::{encode_events, Message};

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
fn encode_stream_as_an_axum_body() {
    use http_body_util::BodyExt;
    let events = stream::iter(messages()).map(Ok::<_, Infallible>);
    let body = axum::body::Body::from_stream(encode_events(events));
    let collected = block_on(body.collect()).unwrap().to_bytes();
    let want: Vec<Bytes> =
        block_on(encode_events(stream::iter(messages()).map(Ok::<_, Infallible>)).try_collect())
            .unwrap();
    assert_eq!(collected, want.concat());

    // An error of the event stream becomes a body error.
    let failing = stream::iter([
        Ok(Message::new().data("a")),
        Err(std::io::Error::other("db down")),
    ]);
    let body = axum::body::Body::from_stream(encode_events(failing));
    let err = block_on(body.collect()).unwrap_err();
    assert!(err.to_string().contains("db down"), "{err}");
}

#[test]
fn encode_stream_as_a_hyper_body() {
    use http_body_util::{BodyExt, StreamBody};
    use hyper::body::Frame;
    let events = stream::iter(messages()).map(Ok::<_, Infallible>);
    let body = StreamBody::new(encode_events(events).map_ok(Frame::data));
    let collected = block_on(BodyExt::collect(body)).unwrap().to_bytes();
    let want: Vec<Bytes> =
        block_on(encode_events(stream::iter(messages()).map(Ok::<_, Infallible>)).try_collect())
            .unwrap();
    assert_eq!(collected, want.concat());
}
