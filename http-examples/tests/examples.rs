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
// A redis-server of the test's own (Debian's package), as the hub's tests start it.
#[path = "../../hub/tests/redis_server/mod.rs"]
mod redis_server;
mod support;

use llm_server::{Config, ANSWER, RETRY};
use sse_wire_hub::EventId;

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
    server_with(&[])
}

/// Starts the `llm_server` example on a random port with the flags `args`.
fn server_with(args: &[&str]) -> (Killed, String) {
    let mut child = Command::new(example("llm_server"))
        .arg("127.0.0.1:0")
        .args(args)
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
    run(Command::new(example("llm_client")).arg(url))
}

/// Runs `command` to its end, capturing its output; kills it (by its PID) after 60 s.
fn run(command: &mut Command) -> Output {
    support::run_bounded(command, Duration::from_secs(60))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// The request headers of an event stream resuming after `id`.
fn request_headers(id: &str) -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    sse_wire::http::insert_request_headers(&mut headers, id);
    headers
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

/// The example's router, served in-process on a random port of 127.0.0.1; the server stops
/// when the runtime is dropped.
struct Served {
    runtime: tokio::runtime::Runtime,
    url: String,
    visits: Arc<Mutex<Vec<llm_server::Visit>>>,
}

fn serve(config: Config) -> Served {
    let hub = llm_server::hub(sse_wire_hub::MemoryStore::new(), &config);
    serve_on(hub, config)
}

/// [`serve`], on `hub` (see `llm_server::hub`).
fn serve_on(hub: sse_wire_hub::Hub, config: Config) -> Served {
    let visits = Arc::new(Mutex::new(Vec::new()));
    let (runtime, url) = support::serve(llm_server::router_on(hub, config, visits.clone()));
    Served {
        runtime,
        url,
        visits,
    }
}

impl Served {
    /// The status and raw body of one request, within 30 s.
    fn fetch(
        &self,
        request: impl FnOnce(&reqwest::Client, &str) -> reqwest::RequestBuilder,
    ) -> (u16, Bytes) {
        let request = request(&reqwest::Client::new(), &self.url);
        self.runtime.block_on(async move {
            tokio::time::timeout(Duration::from_secs(30), async {
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                if status == 200 {
                    assert!(sse_wire::http::is_event_stream(response.headers()));
                    assert_eq!(response.headers()["x-accel-buffering"], "no");
                }
                (status, response.bytes().await.unwrap())
            })
            .await
            .expect("the response within 30 s")
        })
    }

    /// The status and body of a `GET` resuming after `id` in the scope `scope` (`None`: the
    /// default scope).
    fn resume(&self, id: &str, scope: Option<&str>) -> (u16, Bytes) {
        self.fetch(|c, url| {
            let request = c
                .get(format!("{url}/v1/chat/completions"))
                .headers(request_headers(id));
            match scope {
                Some(scope) => request.header("x-scope", scope),
                None => request,
            }
        })
    }

    /// Asserts that `id` is the id of token `n` of an answer the server keeps: a resume after it
    /// replays exactly tokens `n + 1..` and `[DONE]`, with the ids of that answer.
    fn assert_resumes_after_token(&self, id: &str, n: usize) {
        let answer = answer_of(id, n as u64);
        let (status, rest) = self.resume(id, None);
        assert_eq!(status, 200, "resuming after {id}");
        assert_eq!(
            tokens(&items(&rest)),
            (numbered(&answer, n), Some(format!("{answer}-10")))
        );
    }

    /// The requests of the answer route, as `(request line, Last-Event-ID)`.
    fn requests(&self) -> Vec<(String, Option<String>)> {
        let visits = self.visits.lock().unwrap();
        visits
            .iter()
            .filter(|v| v.request.ends_with("/v1/chat/completions"))
            .map(|v| (v.request.clone(), v.last_event_id.clone()))
            .collect()
    }
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

/// The `(id, token)` pairs of the answer's events, and the ID of `[DONE]` if it closed it.
fn tokens(items: &[Item]) -> (Vec<(String, String)>, Option<String>) {
    let mut tokens = Vec::new();
    let mut done = None;
    for item in items {
        let Item::Event(event) = item else { continue };
        assert!(done.is_none(), "an event after [DONE]");
        if event.data() == "[DONE]" {
            done = Some(event.id().to_owned());
            continue;
        }
        let chunk: serde_json::Value = serde_json::from_str(event.data()).unwrap();
        let token = chunk["choices"][0]["delta"]["content"].as_str().unwrap();
        tokens.push((event.id().to_owned(), token.to_owned()));
    }
    (tokens, done)
}

/// The answer an event id belongs to, `{stream}-{epoch}` (the hub's ids are
/// `{stream}-{epoch}-{seq}`), after checking that the id is the answer's event `seq`.
fn answer_of(id: &str, seq: u64) -> String {
    let parsed = EventId::parse(id).unwrap_or_else(|_| panic!("{id:?} is not a hub id"));
    assert_eq!(parsed.seq(), seq, "{id}");
    format!("{}-{}", parsed.stream(), parsed.epoch())
}

/// The answer a body starts, read off its opening block (event id `{answer}-0`, `retry`).
fn opened(items: &[Item]) -> String {
    let Item::Control(control) = &items[0] else {
        panic!("{:?}", items[0])
    };
    assert_eq!(control.as_ref().retry(), Some(RETRY));
    answer_of(control.as_ref().id(), 0)
}

/// Tokens `from..` of answer `answer`, with their IDs (`{answer}-{n}`, numbered from 1).
fn numbered(answer: &str, from: usize) -> Vec<(String, String)> {
    (from..ANSWER.len())
        .map(|i| (format!("{answer}-{}", i + 1), ANSWER[i].to_owned()))
        .collect()
}

#[test]
fn the_answer_has_a_priming_block_ids_keep_alives_and_done() {
    let server = serve(Config {
        token_delay: Duration::from_millis(50),
        keep_alive: Duration::from_millis(20),
    });
    let (status, body) = server.fetch(|c, url| c.post(format!("{url}/v1/chat/completions")));
    assert_eq!(status, 200);
    let items = items(&body);
    // A block that only sets the event ID (the answer's event 0) and the reconnection time
    // opens the stream: a client can resume before the first token, and nothing is dispatched
    // for it.
    let answer = opened(&items);
    // The server is silent for 50 ms before each token: keep-alives fill the silence.
    let keep_alives = items
        .iter()
        .filter(|item| matches!(item, Item::Comment(c) if c.is_empty()))
        .count();
    assert!(keep_alives >= 1, "no keep-alive in {body:?}");
    assert_eq!(
        tokens(&items),
        (numbered(&answer, 0), Some(format!("{answer}-10")))
    );
    // Resuming after the opening block: every token.
    server.assert_resumes_after_token(&format!("{answer}-0"), 0);
}

#[test]
fn a_get_with_last_event_id_replays_exactly_what_came_after_it() {
    let server = serve(Config::default());
    let (_, body) = server.fetch(|c, url| c.post(format!("{url}/v1/chat/completions")));
    let all = items(&body);
    let answer = opened(&all);
    assert_eq!(tokens(&all).1, Some(format!("{answer}-10")));
    let resume = |id: &str| server.resume(id, None);
    let (status, body) = resume(&format!("{answer}-6"));
    assert_eq!(status, 200);
    assert_eq!(
        tokens(&items(&body)),
        (numbered(&answer, 6), Some(format!("{answer}-10")))
    );
    // The client has the whole answer: 204, which stops an EventSource for good.
    assert_eq!(resume(&format!("{answer}-10")), (204, Bytes::new()));
    // An answer the server never issued, an id past the answer's end, the answer's id in
    // another scope: 404, never an empty stream.
    let epoch = EventId::parse(&format!("{answer}-1")).unwrap().epoch();
    assert_eq!(resume(&format!("a9-{epoch}-1")).0, 404);
    assert_eq!(resume(&format!("{answer}-11")).0, 404);
    assert_eq!(server.resume(&format!("{answer}-6"), Some("other")).0, 404);
    // Not an id this server writes: 400.
    assert_eq!(resume("a9-1").0, 400);
}

#[test]
fn a_resume_after_evicted_tokens_is_gone() {
    // A store that keeps the last 4 frames of an answer (its end marker counts): tokens 8 and
    // 9, [DONE] and the end.
    let mut bounds = sse_wire_hub::MemoryBounds::default();
    bounds.max_events = 4;
    let config = Config::default();
    let hub = llm_server::hub(sse_wire_hub::MemoryStore::with_bounds(bounds), &config);
    let server = serve_on(hub, config);
    let (_, body) = server.fetch(|c, url| c.post(format!("{url}/v1/chat/completions")));
    let items = items(&body);
    let answer = opened(&items);
    // The live response had every token.
    assert_eq!(tokens(&items).0, numbered(&answer, 0));
    // 410 Gone, not a replay that would miss tokens.
    assert_eq!(server.resume(&format!("{answer}-1"), None).0, 410);
    assert_eq!(server.resume(&format!("{answer}-6"), None).0, 410);
    // After token 7 the rest is kept.
    server.assert_resumes_after_token(&format!("{answer}-7"), 7);
}

#[test]
fn a_cut_answer_ends_inside_an_event_and_its_rest_can_be_resumed() {
    let server = serve(Config::default());
    let (_, body) = server.fetch(|c, url| c.post(format!("{url}/v1/chat/completions?cut=2")));
    let mut decoder = BytesDecoder::new();
    decoder.push(body);
    let got: Vec<Item> = (&mut decoder).map(Result::unwrap).collect();
    let answer = opened(&got);
    assert_eq!(tokens(&got), (numbered(&answer, 0)[..2].to_vec(), None));
    assert!(
        decoder.finish().is_err(),
        "the body must end inside an event"
    );
    // The answer went on being generated: the rest is there.
    server.assert_resumes_after_token(&format!("{answer}-2"), 2);
}

/// Runs the `eventsource` example with `args`, killing it after 60 s.
fn eventsource(args: &[&str]) -> Output {
    run(Command::new(example("eventsource")).args(args))
}

#[test]
fn eventsource_resumes_a_cut_get_and_prints_every_token_once() {
    let server = serve(Config {
        token_delay: Duration::from_millis(5),
        ..Config::default()
    });
    let out = eventsource(&[&format!("{}/v1/chat/completions?cut=4", server.url)]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "stderr: {stderr}");
    // Every token exactly once, in order: the resumption sent what was missing, and only that.
    assert_eq!(text(&out.stdout), format!("{}\n", ANSWER.concat()));
    assert_eq!(stderr.matches("going on").count(), 1, "{stderr}");
    let requests = server.requests();
    assert_eq!(
        requests.iter().map(|r| &r.0).collect::<Vec<_>>(),
        ["GET /v1/chat/completions", "GET /v1/chat/completions"]
    );
    assert_eq!(requests[0].1, None);
    // The resume carried the id of the answer's fourth token (the only answer started).
    let resumed = requests[1].1.as_deref().expect("a Last-Event-ID");
    server.assert_resumes_after_token(resumed, 4);
}

#[test]
fn eventsource_never_re_sends_a_post_and_resumes_it_with_a_get() {
    let server = serve(Config {
        token_delay: Duration::from_millis(5),
        ..Config::default()
    });
    let url = format!("{}/v1/chat/completions?cut=3", server.url);
    let out = eventsource(&["--post", &url]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{}\n", ANSWER.concat()));
    // One POST (one answer, billed once), then a GET with the last ID it saw: that of the
    // answer's third token.
    let requests = server.requests();
    assert_eq!(
        requests.iter().map(|r| &r.0).collect::<Vec<_>>(),
        ["POST /v1/chat/completions", "GET /v1/chat/completions"]
    );
    assert_eq!(requests[0].1, None);
    let resumed = requests[1].1.as_deref().expect("a Last-Event-ID");
    server.assert_resumes_after_token(resumed, 3);
}

#[test]
fn eventsource_exits_non_zero_when_the_response_is_not_an_event_stream() {
    let server = serve(Config::default());
    let out = eventsource(&[&format!("{}/", server.url)]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("error: the stream stopped before [DONE]: Failed"),
        "{stderr}"
    );
}

/// Reads the rest of `response` into `body`.
async fn rest_of(response: &mut reqwest::Response, body: &mut Vec<u8>) {
    while let Some(chunk) = response.chunk().await.expect("the body") {
        body.extend_from_slice(&chunk);
    }
}

#[test]
fn ctrl_c_ends_every_open_answer_with_retry_and_stops_the_server() {
    let (mut server, url) = server_with(&["--token-delay-ms", "200"]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let body = runtime.block_on(async {
        let read = async {
            let client = reqwest::Client::new();
            let post = client.post(format!("{url}/v1/chat/completions"));
            let mut response = post.send().await.unwrap();
            assert_eq!(response.status(), 200);
            // The first token, then Ctrl-C while the answer goes on.
            let mut body = Vec::new();
            while !body.windows(7).any(|w| w == b"\ndata: ") {
                let chunk = response.chunk().await.unwrap().expect("a token");
                body.extend_from_slice(&chunk);
            }
            let pid = server.0.id().to_string();
            assert!(Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .unwrap()
                .success());
            rest_of(&mut response, &mut body).await;
            Bytes::from(body)
        };
        tokio::time::timeout(Duration::from_secs(30), read)
            .await
            .expect("the response ends within 30 s of Ctrl-C")
    });
    // The response ended between two events (`items` checks), with `retry` last: its client
    // resumes after the last token it got, on this host when it is back or on another.
    let items = items(&body);
    let answer = opened(&items);
    let (got, done) = tokens(&items);
    assert_eq!(done, None);
    assert!(!got.is_empty() && got.len() < ANSWER.len(), "{got:?}");
    assert_eq!(got, numbered(&answer, 0)[..got.len()]);
    // The last block sets `retry` alone: the id in force stays the last token's.
    let Some(Item::Control(last)) = items.last() else {
        panic!("{:?}", items.last())
    };
    let last_token = format!("{answer}-{}", got.len());
    assert_eq!(
        (last.as_ref().id(), last.as_ref().retry()),
        (last_token.as_str(), Some(RETRY))
    );
    // And the server exits, with status 0.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server still runs"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
}

#[test]
fn with_redis_an_answer_started_on_one_host_is_resumed_on_another() {
    let redis = redis_server::RedisServer::start(false);
    let (_a, a) = server_with(&["--redis", &redis.url()]);
    let (_b, b) = server_with(&["--redis", &redis.url()]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let run = async {
            let client = reqwest::Client::new();
            let get = |host: &str, id: &str, scope: &str| {
                client
                    .get(format!("{host}/v1/chat/completions"))
                    .headers(request_headers(id))
                    .header("x-scope", scope)
                    .send()
            };
            // Host A starts the answer; its response is cut after the third token.
            let post = client.post(format!("{a}/v1/chat/completions?cut=3"));
            let body = post.header("x-scope", "me").send().await.unwrap();
            let mut decoder = BytesDecoder::new();
            decoder.push(body.bytes().await.unwrap());
            let got: Vec<Item> = (&mut decoder).map(Result::unwrap).collect();
            let answer = opened(&got);
            assert_eq!(tokens(&got), (numbered(&answer, 0)[..3].to_vec(), None));
            // Host B has the rest (A generates it), every token once, then [DONE].
            let rest = get(&b, &format!("{answer}-3"), "me").await.unwrap();
            assert_eq!(rest.status(), 200);
            let rest = items(&rest.bytes().await.unwrap());
            let done = Some(format!("{answer}-10"));
            assert_eq!(tokens(&rest), (numbered(&answer, 3), done));
            // Complete on either host; unknown in another scope.
            for host in [&a, &b] {
                let again = get(host, &format!("{answer}-10"), "me").await.unwrap();
                assert_eq!(again.status(), 204);
                let other = get(host, &format!("{answer}-3"), "you").await.unwrap();
                assert_eq!(other.status(), 404);
            }
        };
        tokio::time::timeout(Duration::from_secs(30), run)
            .await
            .expect("within 30 s");
    });
}

#[test]
fn the_resumable_endpoint_is_as_many_lines_as_its_docs_say() {
    let source = include_str!("../examples/llm_server.rs");
    // The non-blank, non-comment lines between the two markers.
    let counted = source
        .lines()
        .skip_while(|l| !l.starts_with("// ---- The resumable endpoint"))
        .take_while(|l| !l.starts_with("// ---- End of the counted lines"))
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with("//"))
        .count();
    let said = source
        .split_once("**The resumable endpoint is ")
        .and_then(|(_, rest)| rest.split_once(" lines**"))
        .and_then(|(n, _)| n.parse::<usize>().ok())
        .expect("the docs give the count");
    assert_eq!(counted, said);
    assert!(counted <= 40, "{counted} lines: the target is 40");
}
