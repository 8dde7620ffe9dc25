//! The networked examples over real loopback HTTP: the `llm_server` and `llm_client` binaries
//! talk to each other on a random port of 127.0.0.1, and the server's routes are read back with
//! sse-wire's own decoder. Every process is killed by its PID when the test ends, and every
//! wait is bounded.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use sse_wire::sse::{BytesDecoder, Item};

#[allow(dead_code)]
#[path = "../examples/llm_server.rs"]
mod llm_server;

use llm_server::{Config, ANSWER, RETRY};

/// The path of a compiled example of this package. `cargo test` builds the examples before it
/// runs the tests; when a filter left them out, build them.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/<test> -> target/<profile>/examples/<name>
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps")
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !path.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "-p", "http-examples", "--examples"])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the examples failed");
    }
    path
}

/// A child process killed (by its PID) when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the `llm_server` example on a random port; returns it and its base URL.
fn server() -> (Killed, String) {
    let mut child = Command::new(example("llm_server"))
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let child = Killed(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the server prints its address");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, url)
}

/// Runs the `llm_client` example against `url`, killing it after 60 s.
fn client(url: &str) -> Output {
    let child = Command::new(example("llm_client"))
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the client starts");
    let pid = child.id();
    let (done, wait) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let output = child.wait_with_output();
        let _ = done.send(());
        output
    });
    if wait.recv_timeout(Duration::from_secs(60)).is_err() {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        panic!("the client did not finish within 60 s");
    }
    waiter.join().unwrap().expect("the client ran")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

#[test]
fn the_client_prints_the_whole_answer_and_exits_zero() {
    let (_server, url) = server();
    let out = client(&format!("{url}/v1/chat/completions"));
    assert_eq!(text(&out.stdout), format!("{}\n", ANSWER.concat()));
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn the_client_exits_non_zero_and_says_why_when_the_answer_is_cut() {
    let (_server, url) = server();
    let out = client(&format!("{url}/v1/chat/completions?cut=4"));
    // The four tokens before the cut arrive; the half event after them is dropped.
    assert_eq!(text(&out.stdout), format!("{}\n", ANSWER[..4].concat()));
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: the stream was cut inside an event"),
        "{stderr}"
    );
    assert!(stderr.contains("the answer is incomplete"), "{stderr}");
}

#[test]
fn the_client_exits_non_zero_when_the_response_is_not_an_event_stream() {
    let (_server, url) = server();
    // `/` answers a POST with 405 and no event stream.
    let out = client(&format!("{url}/"));
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: not an event stream") && stderr.contains("405"),
        "{stderr}"
    );
    assert_eq!(text(&out.stdout), "");
}

#[test]
fn the_client_exits_non_zero_when_the_request_fails() {
    // A port nobody listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = client(&format!("http://127.0.0.1:{port}/v1/chat/completions"));
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("error: the request failed"), "{stderr}");
}

/// Serves `router` in-process on a random port and returns the raw body of one request.
fn fetch(config: Config, request: impl FnOnce(&str) -> reqwest::RequestBuilder) -> Bytes {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = llm_server::router(config, Arc::new(Mutex::new(Vec::new())));
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let response = tokio::time::timeout(Duration::from_secs(30), async {
            let response = request(&url).send().await.unwrap();
            assert_eq!(response.status(), 200);
            assert!(sse_wire::http::content_type_is_event_stream(
                response.headers()
            ));
            assert_eq!(response.headers()["x-accel-buffering"], "no");
            response.bytes().await.unwrap()
        })
        .await
        .expect("the response within 30 s");
        server.abort();
        response
    })
}

/// Decodes a whole body with sse-wire's decoder, in 7-byte pieces.
fn items(body: &Bytes) -> Vec<Item> {
    let mut decoder = BytesDecoder::new();
    let mut items = Vec::new();
    for at in (0..body.len()).step_by(7) {
        decoder.push(body.slice(at..(at + 7).min(body.len())));
        items.extend((&mut decoder).map(Result::unwrap));
    }
    decoder.finish().expect("the body ends between events");
    items
}

/// The `(id, token)` pairs of the answer's events and whether `[DONE]` closed it.
fn tokens(items: &[Item]) -> (Vec<(String, String)>, bool) {
    let mut tokens = Vec::new();
    let mut done = false;
    for item in items {
        let Item::Event(event) = item else { continue };
        assert!(!done, "an event after [DONE]");
        if event.data() == "[DONE]" {
            done = true;
            continue;
        }
        let chunk: serde_json::Value = serde_json::from_str(event.data()).unwrap();
        let token = chunk["choices"][0]["delta"]["content"].as_str().unwrap();
        tokens.push((event.id().to_owned(), token.to_owned()));
    }
    (tokens, done)
}

fn numbered(from: usize) -> Vec<(String, String)> {
    (from..ANSWER.len())
        .map(|i| ((i + 1).to_string(), ANSWER[i].to_owned()))
        .collect()
}

#[test]
fn the_answer_has_a_retry_block_ids_keep_alives_and_done() {
    let config = Config {
        token_delay: Duration::from_millis(50),
        keep_alive: Duration::from_millis(20),
    };
    let body = fetch(config, |url| {
        reqwest::Client::new().post(format!("{url}/v1/chat/completions"))
    });
    let items = items(&body);
    // A block that only sets the reconnection time opens the stream.
    let Item::Control(control) = &items[0] else {
        panic!("{:?}", items[0])
    };
    assert_eq!(control.retry(), Some(RETRY));
    // The server is silent for 50 ms before each token: keep-alives fill the silence.
    let keep_alives = items
        .iter()
        .filter(|item| matches!(item, Item::Comment(c) if c.is_empty()))
        .count();
    assert!(keep_alives >= 1, "no keep-alive in {body:?}");
    assert_eq!(tokens(&items), (numbered(0), true));
}

#[test]
fn a_get_with_last_event_id_resumes_after_that_token() {
    let body = fetch(Config::default(), |url| {
        reqwest::Client::new()
            .get(format!("{url}/v1/chat/completions"))
            .headers(sse_wire::http::request_headers("6"))
    });
    assert_eq!(tokens(&items(&body)), (numbered(6), true));
}

#[test]
fn a_cut_answer_ends_inside_an_event() {
    let body = fetch(Config::default(), |url| {
        reqwest::Client::new().post(format!("{url}/v1/chat/completions?cut=2"))
    });
    let mut decoder = BytesDecoder::new();
    decoder.push(body);
    let items: Vec<Item> = (&mut decoder).map(Result::unwrap).collect();
    assert_eq!(tokens(&items), (numbered(0)[..2].to_vec(), false));
    assert!(
        decoder.finish().is_err(),
        "the body must end inside an event"
    );
}
