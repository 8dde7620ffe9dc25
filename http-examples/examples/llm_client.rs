//! A streaming LLM client on reqwest: POSTs a prompt, prints the answer token by token, and
//! exits non-zero, saying why, unless the answer ended with `data: [DONE]`.
//!
//! ```text
//! cargo run -p http-examples --example llm_server &
//! cargo run -p http-examples --example llm_client                      # the whole answer
//! cargo run -p http-examples --example llm_client -- 'http://127.0.0.1:8080/v1/chat/completions?cut=4'
//! ```

#![forbid(unsafe_code)]

use futures_util::StreamExt;
use reqwest::header::HeaderMap;
use serde_json::Value;
use sse_wire::http::{insert_request_headers, is_event_stream};
use sse_wire::outcome::{Outcome, Signals};
use sse_wire::stream::SseStreamExt;

const URL: &str = "http://127.0.0.1:8080/v1/chat/completions";

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::args().nth(1).unwrap_or(URL.into());
    let client = reqwest::Client::new();
    let mut headers = HeaderMap::new();
    insert_request_headers(&mut headers, ""); // Accept and Cache-Control; no ID yet
    let request = client.post(url).headers(headers);
    let response = match request.body(r#"{"prompt":"Say hello"}"#).send().await {
        Ok(ok) if ok.status() == 200 && is_event_stream(ok.headers()) => ok,
        Ok(other) => fail(format!("not an event stream: {other:?}")),
        Err(e) => fail(format!("the request failed: {e}")),
    };
    let body = response.bytes_stream();
    let mut events = body.sse_events().until(Signals::openai_chat());
    while let Some(event) = events.next().await {
        match event {
            Ok(event) => print!("{}", token(event.data())),
            Err(skipped) => eprintln!("[an event was skipped: {skipped}]"),
        }
    }
    println!();
    match events.outcome() {
        Some(Outcome::Sentinel(_)) => {} // complete
        Some(cut_or_failed) => fail(cut_or_failed.to_string()),
        None => unreachable!("the loop read the stream to its end"),
    }
}

/// The text of one OpenAI chat-completion chunk.
fn token(data: &str) -> String {
    let chunk: Value = serde_json::from_str(data).unwrap_or_default();
    let text = &chunk["choices"][0]["delta"]["content"];
    text.as_str().unwrap_or_default().to_owned()
}

fn fail(why: String) -> ! {
    eprintln!("error: {why}");
    std::process::exit(1)
}
