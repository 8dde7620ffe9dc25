//! An `EventSource` on reqwest: reads an answer across dropped connections, resuming each time
//! with `Last-Event-ID` after the server's `retry`, and exits non-zero, saying why, unless the
//! answer ended with `data: [DONE]`.
//!
//! ```text
//! cargo run -p http-examples --example llm_server &
//! # GET, as a browser's EventSource: the connection breaks after 4 tokens, the client resumes.
//! cargo run -p http-examples --example eventsource -- 'http://127.0.0.1:8080/v1/chat/completions?cut=4'
//! # POST, fetch-event-source style: never re-sent; resumed with a GET (MCP 2025-11-25's rule).
//! cargo run -p http-examples --example eventsource -- --post 'http://127.0.0.1:8080/v1/chat/completions?cut=4'
//! ```
//!
//! Broken connections are reported on stderr as `[...: resuming]`.

#![forbid(unsafe_code)]

use futures_util::StreamExt;
use reqwest::header::HeaderMap;
use sse_wire::sse::BytesDecoder;
// reconnect::*: Config, Connect, Method, Reconnect, Request, Resumption, Stopped, Verdict.
use sse_wire::{outcome::Signals, reconnect::*, stream::reconnecting, stream::Opened};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let (url, post) = (args.pop().expect("a URL"), args.contains(&"--post".into()));
    let mut config = Config::new();
    config.method = if post { Method::Post } else { Method::Get };
    // A POST is never re-sent: its stream is resumed with a GET (MCP 2025-11-25's rule).
    config.resumption = Resumption::Mcp2025_11_25;
    config.signals = Some(Signals::openai_chat());
    let session = Reconnect::new(config);
    let client = reqwest::Client::new();
    let connect = |c: &Connect| {
        let request = match c.request {
            Request::Original if post => client.post(&url).body(r#"{"prompt":"Say hello"}"#),
            _ => client.get(&url), // with Last-Event-ID once there is one
        };
        let mut headers = HeaderMap::new();
        c.insert_headers(&mut headers); // Accept, Cache-Control, Last-Event-ID
        let response = request.headers(headers).send();
        async move {
            let r = response.await?;
            let verdict = Verdict::of_response(r.status(), r.headers());
            Ok(Opened {
                verdict,
                body: r.bytes_stream(),
            })
        }
    };
    let decoder = BytesDecoder::new(); // one for the whole session
    let start = std::time::Instant::now(); // the session's clock: time since `start`
    let now = move || start.elapsed();
    let events = reconnecting(session, decoder, connect, tokio::time::sleep, now);
    let mut events = Box::pin(events);
    while let Some(event) = events.next().await {
        match event {
            Ok(event) => print!("{}", token(event.data())),
            Err(e) => eprintln!("[{e}: going on]"), // a broken connection, or a skipped event
        }
    }
    println!();
    if let Some(why) = events
        .session()
        .stopped()
        .filter(|why| *why != Stopped::Done)
    {
        eprintln!("error: the stream stopped before [DONE]: {why:?}");
        std::process::exit(1);
    }
}

/// The text of one OpenAI chat-completion chunk.
fn token(data: &str) -> String {
    let chunk: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
    let text = &chunk["choices"][0]["delta"]["content"];
    text.as_str().unwrap_or_default().to_owned()
}
