//! The `outcome::Signals` presets against fixture streams written from each API's published
//! stream format (`tests/fixtures/vendors/`: complete, cut inside an event, cut between two
//! events, errored in-band, with Anthropic's `ping` events): OpenAI Chat Completions
//! (openai-python `_streaming.py`), OpenAI Responses (openai-python
//! `types/responses/response_{error,failed,incomplete}_event.py`), Anthropic Messages
//! ("Messages streaming"). Each fixture is decoded whole and at every cut into two pieces.

use bytes::Bytes;
use sse_wire::outcome::{Outcome, Signals};
use sse_wire::sse::{BytesDecoder, Item};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/vendors/{name}.sse",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The outcome of `body` under `signals`, decoded in two pieces cut at `at`, and the types of
/// the content events before it.
fn judge(signals: &Signals, body: &[u8], at: usize) -> (Vec<String>, Outcome<()>) {
    let mut decoder = BytesDecoder::new();
    let mut types = Vec::new();
    for piece in [&body[..at], &body[at..]] {
        decoder.push(Bytes::copy_from_slice(piece));
        for item in &mut decoder {
            let Item::Event(event) = item.expect("within the limits") else {
                continue;
            };
            if let Some(outcome) = signals.judge(event.as_ref()) {
                return (types, outcome);
            }
            types.push(event.event_type().to_owned());
        }
    }
    (types, Outcome::from(decoder.finish()))
}

/// What a fixture must judge as.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    Complete(&'static str),
    ServerError(&'static str),
    Truncated,
    Clean,
}

fn check(signals: &Signals, name: &str, want: Want) {
    let body = fixture(name);
    check_body(signals, name, &body, want);
}

fn check_body(signals: &Signals, name: &str, body: &[u8], want: Want) {
    for at in 0..=body.len() {
        let (_, outcome) = judge(signals, body, at);
        let got = match &outcome {
            Outcome::Sentinel(e) if matches!(want, Want::Complete(t) if t == e.event_type()) => {
                want
            }
            Outcome::ServerError(e) if matches!(want, Want::ServerError(t) if t == e.event_type()) => {
                want
            }
            Outcome::Truncated(_) if want == Want::Truncated => want,
            Outcome::Clean if want == Want::Clean => want,
            other => panic!("{name} cut at {at}: {other:?}, want {want:?}"),
        };
        assert_eq!(got, want);
        assert_eq!(
            outcome.is_complete(),
            matches!(want, Want::Complete(_)),
            "{name}"
        );
        assert_eq!(
            outcome.is_cut(),
            matches!(want, Want::Truncated | Want::Clean),
            "{name}"
        );
    }
}

/// `body` without its last event: a stream cut cleanly between two events.
fn without_last_event(body: &[u8]) -> Vec<u8> {
    let end = body.len() - 2; // the final blank line
    let start = body[..end].windows(2).rposition(|w| w == b"\n\n").unwrap() + 2;
    body[..start].to_vec()
}

#[test]
fn openai_chat_completions() {
    let s = Signals::openai_chat();
    check(&s, "openai-chat.complete", Want::Complete("message"));
    check(&s, "openai-chat.cut", Want::Truncated);
    check(&s, "openai-chat.errored", Want::ServerError("message"));
    let clean = without_last_event(&fixture("openai-chat.complete"));
    check_body(
        &s,
        "openai-chat.complete without [DONE]",
        &clean,
        Want::Clean,
    );
    // The usage chunk (`choices: []`) and the finish_reason chunk are content.
    let (types, _) = judge(&s, &fixture("openai-chat.complete"), 0);
    assert_eq!(types.len(), 4);
}

#[test]
fn openai_responses() {
    let s = Signals::openai_responses();
    check(
        &s,
        "openai-responses.complete",
        Want::Complete("response.completed"),
    );
    check(
        &s,
        "openai-responses.incomplete",
        Want::Complete("response.incomplete"),
    );
    check(&s, "openai-responses.cut", Want::Truncated);
    check(&s, "openai-responses.errored", Want::ServerError("error"));
    check(
        &s,
        "openai-responses.failed",
        Want::ServerError("response.failed"),
    );
    let clean = without_last_event(&fixture("openai-responses.complete"));
    check_body(
        &s,
        "openai-responses without response.completed",
        &clean,
        Want::Clean,
    );
    // The reason of an incomplete answer is in the event the outcome carries.
    let (_, outcome) = judge(&s, &fixture("openai-responses.incomplete"), 0);
    let Outcome::Sentinel(end) = outcome else {
        panic!()
    };
    assert!(end.data().contains(r#""reason":"max_output_tokens""#));
}

#[test]
fn anthropic_messages() {
    let s = Signals::anthropic_messages();
    check(
        &s,
        "anthropic-messages.complete",
        Want::Complete("message_stop"),
    );
    check(&s, "anthropic-messages.cut", Want::Truncated);
    check(&s, "anthropic-messages.errored", Want::ServerError("error"));
    let clean = without_last_event(&fixture("anthropic-messages.complete"));
    check_body(
        &s,
        "anthropic-messages without message_stop",
        &clean,
        Want::Clean,
    );
    // `ping` is content to skip, not a signal.
    let (types, _) = judge(&s, &fixture("anthropic-messages.errored"), 0);
    assert_eq!(
        types,
        [
            "message_start",
            "ping",
            "content_block_start",
            "content_block_delta"
        ]
    );
}

/// One preset per API: each one's signals are not another's. An Anthropic error event is
/// content to the Chat Completions preset, a `[DONE]` is content to Anthropic's.
#[test]
fn presets_do_not_guess_across_apis() {
    let chat = Signals::openai_chat();
    let anthropic = Signals::anthropic_messages();
    let (_, o) = judge(&chat, &fixture("anthropic-messages.complete"), 0);
    assert_eq!(o, Outcome::Clean);
    let (_, o) = judge(&anthropic, &fixture("openai-chat.complete"), 0);
    assert_eq!(o, Outcome::Clean);
    // A Responses `error` event has no `error` key: not an error to the Chat preset.
    let (_, o) = judge(&chat, &fixture("openai-responses.errored"), 0);
    assert_eq!(o, Outcome::Clean);
}

/// The Chat Completions error rule reads the top level of the JSON only: an `error` key nested
/// in content, or the word in a string, is not an error.
#[test]
fn the_error_key_is_a_top_level_key() {
    let s = Signals::openai_chat();
    let one = |data: &str| {
        let body = format!("data: {data}\n\n");
        judge(&s, body.as_bytes(), 0).1
    };
    assert!(matches!(
        one(r#"{"error":{"message":"x"}}"#),
        Outcome::ServerError(_)
    ));
    assert!(matches!(
        one(r#" { "id" : 1, "error" : null }"#),
        Outcome::ServerError(_)
    ));
    assert!(matches!(
        one(r#"{"a":[1,{"b":"}"}],"error":1}"#),
        Outcome::ServerError(_)
    ));
    assert_eq!(
        one(r#"{"choices":[{"delta":{"error":"x"}}]}"#),
        Outcome::Clean
    );
    assert_eq!(one(r#"{"content":"\"error\": 1"}"#), Outcome::Clean);
    assert_eq!(one(r#"["error"]"#), Outcome::Clean);
    assert_eq!(one(r#"error"#), Outcome::Clean);
    assert_eq!(one(r#"{"errors":1}"#), Outcome::Clean);
}

/// Presets are listed by name (what `sse-inspect --sentinel NAME` needs), and others are
/// defined as plain data.
#[test]
fn presets_by_name_and_a_custom_set() {
    for preset in Signals::presets() {
        assert_eq!(preset.name.parse::<Signals>(), Ok(preset.clone()));
    }
    assert_eq!("openai".parse::<Signals>(), Err(()));
    let mut mine = Signals::default();
    mine.end_types.push("done".into());
    mine.error_types.push("failure".into());
    let (_, o) = judge(&mine, b"data: a\n\nevent: failure\ndata: x\n\n", 0);
    assert!(matches!(o, Outcome::ServerError(e) if e.data() == "x"));
    let (_, o) = judge(&mine, b"event: done\ndata:\n\n", 0);
    assert!(o.is_complete());
}
